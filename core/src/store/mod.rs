//! The offline store: one SQLite file per device (bundled SQLite through rusqlite).
//!
//! - WAL journal with `synchronous = FULL`: a commit survives an app kill *and* a battery pull;
//! - foreign keys on; every multi-row change in one transaction;
//! - schema created fresh from `schema.sql`, or upgraded through numbered migrations tracked in
//!   `PRAGMA user_version` (`schema` module);
//! - all text stored NFC; search and sort columns computed in Rust (`crate::text`).
//!
//! Submodules by subject: `units` (province → commune → hamlet), `households` (households,
//! members, clans, units, search), `roster` (CSV import), `assessments` (registration, drafts,
//! finalization, corrections), `evidence` (photos attached to indicators), `summary` (per-model
//! counts).

pub mod assessments;
pub mod error;
pub mod evidence;
pub mod households;
pub mod roster;
pub mod schema;
pub mod summary;
pub mod units;

pub use error::{Result, StoreError};

use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// File name of the database inside a data directory.
pub const DB_FILE: &str = "hoctap.db";

/// Folder of evidence photos inside a data directory.
pub const EVIDENCE_DIR: &str = "evidence";

/// An open device database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

impl Store {
    /// Open (creating if needed) the database at `path`, applying migrations.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
        }
        let conn = Connection::open(path)?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// Open the database of a data directory (`DIR/hoctap.db`).
    pub fn open_dir(dir: &Path) -> Result<Store> {
        Self::open(&dir.join(DB_FILE))
    }

    /// A private in-memory database (tests, pure tools).
    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Page cache of up to 16 MiB (default 2 MiB), allocated only as pages are read: a
        // commune's household table and list index (~12 MB at 20,000 households) stay in memory,
        // so listing and searching everyone does not re-read them from the file every time.
        conn.pragma_update(None, "cache_size", -16384)?;
        conn.set_prepared_statement_cache_capacity(64);
        schema::migrate(&mut conn)?;
        Ok(Store { conn, path })
    }

    /// Path of the database file (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Directory of the content-addressed evidence photos: `evidence/` beside the database
    /// (`None` for an in-memory store).
    pub fn evidence_dir(&self) -> Option<PathBuf> {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .map(|d| d.join(EVIDENCE_DIR))
    }

    /// The underlying connection, for read-only inspection in tests and tools.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// `PRAGMA integrity_check` → `true` when it answers "ok".
    pub fn integrity_ok(&self) -> Result<bool> {
        let r: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(r == "ok")
    }

    /// A device setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Set a device setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}
