//! The phone app's own state (`ui_state` table): small JSON values by key — the navigation
//! stack, the open assessment, a photo capture in flight, the cadre's preferences — written so
//! that after the OS kills the process the app reopens exactly where the cadre was. Never synced.
//! `hoctap-app` owns the keys and the shape of the values; this module owns the SQL.

use crate::{Db, Result, Store};
use rusqlite::OptionalExtension;

/// A value by key.
pub fn get(db: &Db<'_>, key: &str) -> Result<Option<String>> {
    Ok(db
        .conn()
        .prepare_cached("SELECT value FROM ui_state WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Set a value.
pub fn put(db: &Db<'_>, key: &str, value: &str) -> Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO ui_state (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                 updated_at = excluded.updated_at",
        )?
        .execute([key, value, &db.now().utc])?;
    Ok(())
}

/// Remove a value (no error when absent).
pub fn remove(db: &Db<'_>, key: &str) -> Result<()> {
    db.conn()
        .prepare_cached("DELETE FROM ui_state WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

/// Every key starting with `prefix`, with its value, in key order.
pub fn with_prefix(db: &Db<'_>, prefix: &str) -> Result<Vec<(String, String)>> {
    let rows = db
        .conn()
        .prepare_cached(
            "SELECT key, value FROM ui_state WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
        )?
        .query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

impl Store {
    /// An app state value by key.
    pub fn ui_state(&self, key: &str) -> Result<Option<String>> {
        self.read(|db| get(db, key))
    }

    /// Set an app state value (one transaction, durable on return).
    pub fn put_ui_state(&self, key: &str, value: &str) -> Result<()> {
        self.write(|db| put(db, key, value))
    }

    /// Remove an app state value.
    pub fn remove_ui_state(&self, key: &str) -> Result<()> {
        self.write(|db| remove(db, key))
    }

    /// App state values whose key starts with `prefix`.
    pub fn ui_state_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        self.read(|db| with_prefix(db, prefix))
    }
}
