//! Throw-away PostgreSQL databases for tests and benchmarks: one per test or measurement, made
//! next to a base URL (`postgres://…/dbname`) and dropped afterwards. Shared by `tests/common`
//! and `benches/sync.rs` (included there by path).

/// Runs one statement on the database of `base`.
pub fn pg_admin(base: &str, sql: String) -> Result<(), sqlx::Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(base).await?;
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await?;
        conn.close().await
    })
}

/// A fresh database named `{prefix}_{uuid}` next to `base`: (its name, its URL).
pub fn create_pg_database(base: &str, prefix: &str) -> (String, String) {
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    pg_admin(base, format!("CREATE DATABASE {name}")).expect("create database");
    let (url_prefix, _) = base
        .rsplit_once('/')
        .expect("PostgreSQL URL ends with /dbname");
    (name.clone(), format!("{url_prefix}/{name}"))
}

/// Drops database `name` next to `base`, ending any session still connected (PostgreSQL 13+).
pub fn drop_pg_database(base: &str, name: &str) {
    let _ = pg_admin(base, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}
