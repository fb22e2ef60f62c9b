//! Throw-away PostgreSQL databases next to a base URL (`postgres://…/dbname`), for tests and
//! benchmarks: one per test or measurement, dropped afterwards. Here because the server owns
//! every SQL statement it runs against PostgreSQL.

use sqlx::Connection;

/// Run one administrative statement on the database of `base`.
async fn admin(base: &str, sql: String) -> Result<(), sqlx::Error> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(base).await?;
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await?;
    conn.close().await
}

/// A database name made only of ASCII letters, digits and `_` (so it can be spliced in).
fn checked(name: &str) -> Result<&str, sqlx::Error> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(name)
    } else {
        Err(sqlx::Error::Configuration(
            format!("invalid scratch database name {name:?}").into(),
        ))
    }
}

/// Create database `name` next to `base`; its URL.
pub async fn create(base: &str, name: &str) -> Result<String, sqlx::Error> {
    let name = checked(name)?;
    let (prefix, _) = base
        .rsplit_once('/')
        .ok_or_else(|| sqlx::Error::Configuration("PostgreSQL URL must end with /dbname".into()))?;
    admin(base, format!("CREATE DATABASE {name}")).await?;
    Ok(format!("{prefix}/{name}"))
}

/// Drop database `name` next to `base`, ending any session still connected (PostgreSQL 13+).
pub async fn drop(base: &str, name: &str) -> Result<(), sqlx::Error> {
    let name = checked(name)?;
    admin(base, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await
}
