//! Encryption at rest of the device database: SQLCipher (AES-256-CBC pages with an HMAC-SHA512
//! per page) keyed with a raw 256-bit key, so opening costs no passphrase derivation (the shell
//! derives or fetches the key: Android Keystore, iOS Keychain, the CLI's argon2id passphrase).
//!
//! - [`DbKey`]: the key, zeroed when dropped, never printed.
//! - [`file_state`]: whether a database file is missing, clear or encrypted, read from its first
//!   16 bytes (a clear SQLite file starts with `SQLite format 3\0`; an encrypted one with its
//!   random salt). A keyless open of an encrypted file is refused with `KeyRequired`.
//! - [`apply_key`]: keys a connection and proves the key by reading the schema: a wrong key is
//!   `WrongKey`, and nothing has been written.
//! - [`encrypt_clear_database`]: the one-time migration of a clear database, crash-safe at every
//!   step: `sqlcipher_export` into `hoctap.db.encrypting`, verified (integrity, schema, row
//!   counts, `user_version`), fsynced, then renamed over `hoctap.db` and the directory fsynced.
//!   A kill before the rename leaves the clear database (the leftover is removed on the next
//!   try); after it, the encrypted one. The clear file is never modified except leaving WAL mode
//!   (a checkpoint, itself crash-safe).
//!   Concurrent first opens take turns on an exclusive lock (`hoctap.db-migrate.lock`).

use crate::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The first 16 bytes of every clear SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Suffix of the encrypted copy a migration builds beside the database.
pub const MIGRATION_SUFFIX: &str = ".encrypting";

/// Length of a database key in bytes.
pub const KEY_LEN: usize = 32;

/// A 256-bit SQLCipher key (raw key mode: no KDF at open). Zeroed when dropped.
#[derive(Clone)]
pub struct DbKey(Zeroizing<[u8; KEY_LEN]>);

impl DbKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> DbKey {
        DbKey(Zeroizing::new(bytes))
    }

    /// The key as SQLCipher's raw-key literal `x'…'` (64 hex digits).
    fn literal(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(2 * KEY_LEN + 3));
        s.push_str("x'");
        s.push_str(&Zeroizing::new(hex::encode(self.0.as_slice())));
        s.push('\'');
        s
    }
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(…)")
    }
}

/// What a database file holds, as far as its header tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// No file, or an empty one with no write-ahead log: a new database.
    Missing,
    /// A clear SQLite database (or an empty file whose data is still in its WAL).
    Clear,
    /// Not a clear SQLite header: an encrypted database (or a file that is not a database).
    Encrypted,
}

fn io_err(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// `path` with `suffix` appended to its file name (`hoctap.db` → `hoctap.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn non_empty(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

/// What the database file at `path` holds (see [`FileState`]).
pub fn file_state(path: &Path) -> Result<FileState> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A WAL without its database would be SQLite's to recover: call it clear.
            return Ok(if non_empty(&with_suffix(path, "-wal")) {
                FileState::Clear
            } else {
                FileState::Missing
            });
        }
        Err(e) => return Err(io_err(path, e)),
    };
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(path, e)),
        }
    }
    Ok(if n == 0 {
        if non_empty(&with_suffix(path, "-wal")) {
            FileState::Clear
        } else {
            FileState::Missing
        }
    } else if head.get(..n) == SQLITE_MAGIC.get(..n) {
        FileState::Clear
    } else {
        FileState::Encrypted
    })
}

fn is_not_a_database(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase
    )
}

/// Key `conn` (just opened, nothing read yet) and prove the key by reading the schema. The
/// library must be SQLCipher: a plain SQLite would ignore the key and write clear pages.
pub fn apply_key(conn: &Connection, key: &DbKey, path: &Path) -> Result<()> {
    let version: Option<String> = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .optional()?;
    if version.is_none() {
        return Err(StoreError::Internal(
            "this build's SQLite has no encryption (SQLCipher is not linked)".into(),
        ));
    }
    quiet(conn)?;
    let literal = key.literal();
    conn.pragma_update(None, "key", literal.as_str())?;
    match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(e) if is_not_a_database(&e) => Err(StoreError::WrongKey {
            path: path.display().to_string(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Turn off SQLCipher's own log (stderr on Linux: a wrong key would print page errors under the
/// CLI's message); every failure still comes back as an error code. Process-wide.
fn quiet(conn: &Connection) -> Result<()> {
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))
        .optional()?;
    Ok(())
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(path, e)),
    }
}

/// Remove what a killed migration left beside `path` (its encrypted copy and the copy's journal).
fn remove_leftovers(tmp: &Path) -> Result<()> {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        remove_if_exists(&with_suffix(tmp, suffix))?;
    }
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err(dir, e))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
}

fn sync_file(path: &Path) -> Result<()> {
    File::options()
        .read(true)
        .write(true)
        .open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_err(path, e))
}

/// Everything that must be equal between the clear database and its encrypted copy: the schema
/// objects, `user_version` and every table's row count.
fn fingerprint(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    out.push(format!("user_version {version}"));
    let mut stmt = conn.prepare(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name",
    )?;
    let objects: Vec<(String, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, name, table, sql) in objects {
        if kind == "table" {
            let quoted = name.replace('"', "\"\"");
            let rows: i64 =
                conn.query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| {
                    r.get(0)
                })?;
            out.push(format!("{kind} {name} {table} {rows} rows: {sql}"));
        } else {
            out.push(format!("{kind} {name} {table}: {sql}"));
        }
    }
    Ok(out)
}

fn busy(message: &str) -> StoreError {
    StoreError::Sqlite(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
        Some(message.to_string()),
    ))
}

/// Encrypt the clear database at `path` with `key`, in place, crash-safely (see the module
/// docs). Fails with a busy error while another connection has the file open, and with
/// `EncryptionFailed` when the copy does not verify; in every failure the clear database is left
/// as it was and the partial copy removed.
pub fn encrypt_clear_database(path: &Path, key: &DbKey) -> Result<()> {
    // One migration at a time per file: a second process waits here instead of removing the
    // first one's copy; once it holds the lock the file may already be encrypted.
    let lock_path = with_suffix(path, "-migrate.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io_err(&lock_path, e))?;
    lock.lock().map_err(|e| io_err(&lock_path, e))?;
    if file_state(path)? != FileState::Clear {
        return Ok(());
    }
    let tmp = with_suffix(path, MIGRATION_SUFFIX);
    remove_leftovers(&tmp)?;
    let result = export_and_swap(path, &tmp, key);
    if result.is_err() {
        // Best effort: the next attempt removes it anyway.
        let _ = remove_leftovers(&tmp);
    }
    result
}

fn export_and_swap(path: &Path, tmp: &Path, key: &DbKey) -> Result<()> {
    let failed = |detail: String| StoreError::EncryptionFailed {
        path: path.display().to_string(),
        detail,
    };
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    quiet(&conn)?;
    // Leave WAL mode: checkpoints the log into the main file and removes it, so the file renamed
    // away holds everything. SQLite refuses (the mode stays "wal") while another connection has
    // the database open: then nothing is done.
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(busy(
            "the database is open elsewhere: close the other app or command, then retry",
        ));
    }
    remove_if_exists(&with_suffix(path, "-shm"))?;
    // A second connection holds a read lock on the clear file from before the export until
    // after the swap, so no other connection can commit a change that the copy would miss.
    let guard = Connection::open(path)?;
    guard.busy_timeout(std::time::Duration::from_secs(5))?;
    guard.execute_batch("BEGIN")?;
    let before = fingerprint(&guard)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tmp_text = tmp
        .to_str()
        .ok_or_else(|| failed("the data directory's path is not UTF-8".into()))?;
    let literal = key.literal();
    conn.execute(
        "ATTACH DATABASE ?1 AS encrypted KEY ?2",
        rusqlite::params![tmp_text, literal.as_str()],
    )?;
    let exported = (|| -> Result<()> {
        conn.pragma_update(Some("encrypted"), "synchronous", "FULL")?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.pragma_update(Some("encrypted"), "user_version", version)?;
        Ok(())
    })();
    conn.execute_batch("DETACH DATABASE encrypted")?;
    exported?;
    // Verify the copy through a connection of its own, as the app will open it.
    {
        let check = Connection::open(tmp)?;
        apply_key(&check, key, tmp)?;
        let ok: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if ok != "ok" {
            return Err(failed(format!("integrity check of the copy: {ok}")));
        }
        let after = fingerprint(&check)?;
        if after != before {
            let diff = before
                .iter()
                .zip(after.iter())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("{a} ≠ {b}"))
                .unwrap_or_else(|| format!("{} ≠ {} objects", before.len(), after.len()));
            return Err(failed(format!("the copy differs: {diff}")));
        }
    }
    if non_empty(&with_suffix(tmp, "-journal")) {
        return Err(failed("the copy's journal was not cleared".into()));
    }
    sync_file(tmp)?;
    std::fs::rename(tmp, path).map_err(|e| io_err(path, e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        sync_dir(dir)?;
    }
    guard.execute_batch("ROLLBACK")?;
    drop(guard);
    drop(conn);
    Ok(())
}
