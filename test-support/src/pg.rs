//! Throw-away PostgreSQL databases for tests and benchmarks: one per test or measurement, made
//! next to a base URL (`postgres://…/dbname`) and dropped afterwards.

/// The variable naming the PostgreSQL server the `postgres` cases run on.
pub const TEST_PG_URL: &str = "HOCTAP_TEST_PG_URL";

/// The base URL of `HOCTAP_TEST_PG_URL`. A PostgreSQL case that runs without it fails here,
/// saying so: such cases are `#[ignore]`d and must be asked for, never passed silently.
pub fn test_pg_url() -> String {
    match std::env::var(TEST_PG_URL) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{TEST_PG_URL} is not set: this PostgreSQL case cannot run. Set {TEST_PG_URL} to a \
             PostgreSQL URL (`scripts/pg-test-setup` prints one) and run with --include-ignored; \
             without PostgreSQL, leave out --include-ignored and the case is reported as ignored"
        ),
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(f)
}

/// A fresh database named `{prefix}_{uuid}` next to `base`: (its name, its URL). The statements
/// are the server's (`hoctap_server::db::scratch`).
pub fn create_pg_database(base: &str, prefix: &str) -> (String, String) {
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    match block_on(hoctap_server::db::scratch::create(base, &name)) {
        Ok(url) => (name, url),
        Err(e) => panic!("cannot create PostgreSQL database {name} next to {base}: {e}"),
    }
}

/// Drops database `name` next to `base`, ending any session still connected (PostgreSQL 13+).
pub fn drop_pg_database(base: &str, name: &str) {
    let _ = block_on(hoctap_server::db::scratch::drop(base, name));
}
