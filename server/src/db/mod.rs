//! The server database behind one `sqlx::AnyPool`: SQLite (a file in the data directory) or
//! PostgreSQL (`postgres://…`), one portable schema applied by an embedded migrator, and the
//! small helpers every query module shares (change counter, timestamps, flags).

pub mod aliases;
pub mod assessments;
pub mod clans;
pub mod devices;
pub mod places;
pub mod reports;
pub mod review;
pub mod roster;
pub mod roster_changes;
pub mod scratch;
pub mod staff;
pub mod targets;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyConnection, AnyPool, Row, SqlSafeStr, Transaction};
use std::path::Path;
use std::str::FromStr;

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Why the database could not be opened or prepared.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("Địa chỉ cơ sở dữ liệu không được hỗ trợ: {0} / unsupported database URL (sqlite:// or postgres://)")]
    UnsupportedUrl(String),
    #[error("Không mở được cơ sở dữ liệu / cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("Không nâng cấp được cơ sở dữ liệu / migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("Lỗi cơ sở dữ liệu / database error: {0}")]
    Query(#[from] sqlx::Error),
    #[error("Không tạo được thư mục {path} / cannot create directory: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// An open, migrated database.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// The schema, embedded so a deployed binary needs no files beside it.
fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        Migration::new(
            1,
            "init".into(),
            MigrationType::Simple,
            include_str!("../../migrations/0001_init.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            "clans_units_reviews".into(),
            MigrationType::Simple,
            include_str!("../../migrations/0002_clans_units_reviews.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            3,
            "place_geo".into(),
            MigrationType::Simple,
            include_str!("../../migrations/0003_place_geo.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            4,
            "integrity".into(),
            MigrationType::Simple,
            include_str!("../../migrations/0004_integrity.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            5,
            "province_staff".into(),
            MigrationType::Simple,
            include_str!("../../migrations/0005_province_staff.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            6,
            "queue_indexes".into(),
            MigrationType::Simple,
            include_str!("../../migrations/0006_queue_indexes.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            7,
            "figures".into(),
            MigrationType::Simple,
            include_str!("../../migrations/0007_figures.sql").into_sql_str(),
            false,
        ),
    ])
}

/// The default SQLite URL for a data directory (`DIR/server.db`).
pub fn sqlite_url(dir: &Path) -> String {
    let path = dir.join("server.db");
    let encoded: String = path
        .display()
        .to_string()
        .chars()
        .map(|c| match c {
            '%' => "%25".to_string(),
            '?' => "%3F".to_string(),
            '#' => "%23".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!("sqlite://{encoded}?mode=rwc")
}

impl Db {
    /// Open the database at `url` (creating a SQLite file if needed) and apply migrations.
    pub async fn open(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl(url.to_string()));
        };
        let options = AnyConnectOptions::from_str(url).map_err(DbError::Connect)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        migrator().run(&pool).await?;
        assessments::backfill_revisions(&pool).await?;
        review::backfill_search(&pool).await?;
        if backend == Backend::Postgres {
            review::trigram_index(&pool).await;
        }
        Ok(Db { pool, backend })
    }

    /// Forget a setting.
    pub async fn clear_setting(&self, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Begin a transaction that will write. SQLite takes the write lock at once (`BEGIN
    /// IMMEDIATE`) so that a read-then-write transaction never fails to upgrade.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// A setting (`province`, `commune`, …).
    pub async fn setting(&self, key: &str) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get::<String, _>(0)).transpose()
    }

    /// Set a setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Take the next change number. Call inside the write transaction that makes the change: the
/// counter row stays locked until commit, so changes become visible in counter order.
pub async fn next_seq(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let row =
        sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value")
            .fetch_one(conn)
            .await?;
    row.try_get::<i64, _>(0)
}

/// Take the next `count` change numbers (the last is returned; they are consecutive), under
/// the same lock as [`next_seq`].
pub async fn next_seqs(conn: &mut AnyConnection, count: i64) -> Result<i64, sqlx::Error> {
    let row =
        sqlx::query("UPDATE counters SET value = value + $1 WHERE name = 'seq' RETURNING value")
            .bind(count)
            .fetch_one(conn)
            .await?;
    row.try_get::<i64, _>(0)
}

/// Take the next number of the `figures` counter: call inside every write transaction that
/// changes what the dashboard counts but does not take a roster change number (assessments
/// received or superseded, review decisions, communes assigned).
pub async fn touch_figures(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'figures'")
        .execute(conn)
        .await?;
    Ok(())
}

/// Take the next number of the `queue` counter: call inside a write transaction that changes
/// what only the review queue's counts read (a photo's upload completed).
pub async fn touch_queue(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'queue'")
        .execute(conn)
        .await?;
    Ok(())
}

/// The change counters, read together: the roster's change number, `figures`
/// ([`touch_figures`]) and `queue` ([`touch_queue`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Versions {
    pub seq: i64,
    pub figures: i64,
    pub queue: i64,
}

impl Versions {
    /// The version of everything the dashboard's figures read. Equal versions, equal figures.
    pub fn of_figures(self) -> (i64, i64) {
        (self.seq, self.figures)
    }

    /// The version of everything the review queue's counts read.
    pub fn of_queue(self) -> (i64, i64, i64) {
        (self.seq, self.figures, self.queue)
    }
}

/// Read the change counters.
pub async fn versions(db: &Db) -> Result<Versions, sqlx::Error> {
    let mut v = Versions::default();
    for r in sqlx::query("SELECT name, value FROM counters")
        .fetch_all(&db.pool)
        .await?
    {
        match r.try_get::<String, _>(0)?.as_str() {
            "seq" => v.seq = r.try_get(1)?,
            "figures" => v.figures = r.try_get(1)?,
            "queue" => v.queue = r.try_get(1)?,
            _ => {}
        }
    }
    Ok(v)
}

/// Most values bound in one statement by the batch helpers (well below SQLite's and
/// PostgreSQL's limits on bound parameters).
pub const MAX_BINDS: usize = 900;

/// `($1, $2, …), (…)`: `rows` groups of `width` numbered placeholders, for a multi-row
/// `VALUES` (`width` 1 and one row gives the list of an `IN (…)` when wrapped).
pub fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let cols: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", cols.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$1, $2, …, $n`: the list of an `IN (…)`.
pub fn in_list(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Now as stored: RFC 3339 UTC with milliseconds (fixed width, so text order is time order).
pub fn now() -> String {
    stamp(chrono::Utc::now())
}

/// A time as stored (see [`now`]).
pub fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A boolean as stored (0/1, the same on both backends).
pub fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// An optional boolean as stored.
pub fn opt_flag(b: Option<bool>) -> Option<i64> {
    b.map(flag)
}

/// Read a domain enum stored as its code.
pub fn code<T: hoctap_domain::code::Code>(
    r: &sqlx::any::AnyRow,
    col: &str,
) -> Result<T, sqlx::Error> {
    let s: String = r.try_get(col)?;
    T::from_code(&s).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: col.to_string(),
        source: format!("unknown {} code \"{s}\"", T::WHAT).into(),
    })
}
