//! Schema creation and migrations. A fresh database is created from `schema.sql` in one step;
//! an older one is upgraded by the numbered migrations after its `user_version`, each in its own
//! transaction. A test checks that both paths give the same schema.

use super::{Result, StoreError};
use rusqlite::Connection;

/// The latest schema.
pub const SCHEMA_SQL: &str = include_str!("schema.sql");

/// Migrations: `MIGRATIONS[i]` upgrades version `i + 1` to `i + 2`... with the first entry creating
/// version 1 (the schema as first released). Never edit a released entry; append a new one.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_sync_and_evidence.sql"),
    include_str!("migrations/0003_household_list_index.sql"),
    include_str!("migrations/0004_outbox.sql"),
    include_str!("migrations/0005_roster_editing.sql"),
    include_str!("migrations/0006_ui_state.sql"),
];

/// The schema version this build writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// The version from which households need their search texts refolded in Rust (the column
/// `name_fold` came with version 5).
pub const REFOLD_BEFORE: i64 = 5;

/// Bring the database to [`CURRENT_VERSION`]; returns the version it was at (0 when new).
pub fn migrate(conn: &mut Connection) -> Result<i64> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > CURRENT_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: CURRENT_VERSION,
        });
    }
    if found == CURRENT_VERSION {
        return Ok(found);
    }
    if found == 0 {
        let tx = conn.transaction()?;
        tx.execute_batch(SCHEMA_SQL)?;
        tx.pragma_update(None, "user_version", CURRENT_VERSION)?;
        tx.commit()?;
        return Ok(0);
    }
    migrate_from(conn, found, CURRENT_VERSION)?;
    Ok(found)
}

/// Apply the migrations that take `from` to `to` (used by [`migrate`] and by tests that build an
/// old database).
pub fn migrate_from(conn: &mut Connection, from: i64, to: i64) -> Result<()> {
    for version in from..to {
        let Some(sql) = usize::try_from(version)
            .ok()
            .and_then(|index| MIGRATIONS.get(index))
        else {
            break;
        };
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
    Ok(())
}
