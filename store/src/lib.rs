//! `hoctap-store`: the device database, and the one owner of every SQL statement a device runs.
//! One SQLite file per device (bundled SQLite through rusqlite):
//!
//! - WAL journal with `synchronous = FULL`: a commit survives an app kill *and* a battery pull;
//! - foreign keys on; STRICT tables; finalized assessments made immutable by triggers;
//! - schema created fresh from `schema.sql`, or upgraded through numbered migrations tracked in
//!   `PRAGMA user_version` (`schema`);
//! - all text stored NFC; search and sort columns computed in Rust (`hoctap_domain::text`);
//! - optionally encrypted at rest with SQLCipher (`encryption`): [`Store::open_with_key`]
//!   creates an encrypted database, opens one, or encrypts a clear one once, crash-safely; a
//!   keyless [`Store::open`] of an encrypted file is refused with `KeyRequired`.
//!
//! In the manner of mozilla/application-services: [`Store::read`] and [`Store::write`] run a
//! closure on a [`Db`] (a connection, or an `IMMEDIATE` transaction for writes), and the
//! data-access functions of each module take a `&Db`, so several compose in one transaction.
//! `Db` does not hand out its connection outside this crate: no other crate writes SQL.
//!
//! Modules by subject: `units` (province → commune → hamlet), `households` (households and
//! members: edit, move, soft removal, search, codes), `clans`, `org_units` (đơn vị: schools,
//! offices, enterprises), `history` (every roster change), `roster` (import), `criteria` (installed sets, loaded
//! once), `assessments` (registration, drafts, finalization, corrections, statuses), `evidence`
//! (photo rows and links), `summary` (per-model counts), `outbox` (sync state, the outbox, batches,
//! uploaded photos, sync runs), `apply` (a pulled roster page), `settings`, `household_page` (a
//! page of the household list with statuses, for phone screens), `ui_state` (the phone app's
//! own state, kept across process death).

pub mod apply;
pub mod assessments;
pub mod clans;
pub mod clock;
pub mod codec;
pub mod criteria;
pub mod encryption;
pub mod error;
pub mod evidence;
pub mod history;
pub mod household_page;
pub mod households;
pub mod org_units;
pub mod outbox;
pub mod roster;
pub mod schema;
pub mod settings;
pub mod subjects;
pub mod summary;
pub mod ui_state;
pub mod units;

pub use clock::SystemClock;
pub use encryption::DbKey;
pub use error::{Result, StoreError};

use hoctap_domain::time::{Clock, Stamp};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// File name of the database inside a data directory.
pub const DB_FILE: &str = "hoctap.db";

/// An open device database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    clock: Arc<dyn Clock>,
    criteria: criteria::Cache,
    encrypted: bool,
}

/// What a data-access function runs on: the store's connection (inside a transaction for
/// writes) and its clock. Only this crate sees the connection.
pub struct Db<'a> {
    conn: &'a Connection,
    clock: &'a dyn Clock,
    criteria: &'a criteria::Cache,
}

impl Db<'_> {
    pub(crate) fn conn(&self) -> &Connection {
        self.conn
    }

    /// Now, as stored.
    pub fn now(&self) -> Stamp {
        self.clock.stamp()
    }

    /// A new id.
    pub fn new_id(&self) -> String {
        self.clock.new_id()
    }

    /// The clock this store runs on.
    pub fn clock(&self) -> &dyn Clock {
        self.clock
    }
}

impl Store {
    /// Open (creating if needed) the database at `path`, applying migrations.
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_with_clock(path, Arc::new(SystemClock))
    }

    /// Like [`Store::open`], with the clock every timestamp and id comes from. A clear database
    /// only: an encrypted file is refused with [`StoreError::KeyRequired`].
    pub fn open_with_clock(path: &Path, clock: Arc<dyn Clock>) -> Result<Store> {
        create_parent(path)?;
        if encryption::file_state(path)? == encryption::FileState::Encrypted {
            return Err(StoreError::KeyRequired {
                path: path.display().to_string(),
            });
        }
        let conn = Connection::open(path)?;
        Self::init(conn, Some(path.to_path_buf()), clock, false)
    }

    /// Open the database of a data directory (`DIR/hoctap.db`).
    pub fn open_dir(dir: &Path) -> Result<Store> {
        Self::open(&dir.join(DB_FILE))
    }

    /// Open (creating if needed) the database at `path` encrypted with `key`. A clear database
    /// found there is encrypted first, once, crash-safely (`encryption::encrypt_clear_database`).
    /// A key that does not open the file is [`StoreError::WrongKey`], and nothing is changed.
    pub fn open_with_key(path: &Path, key: &DbKey) -> Result<Store> {
        Self::open_with_key_and_clock(path, key, Arc::new(SystemClock))
    }

    /// [`Store::open_with_key`] on a data directory (`DIR/hoctap.db`).
    pub fn open_dir_with_key(dir: &Path, key: &DbKey) -> Result<Store> {
        Self::open_with_key(&dir.join(DB_FILE), key)
    }

    /// [`Store::open_with_key`] with the clock every timestamp and id comes from.
    pub fn open_with_key_and_clock(
        path: &Path,
        key: &DbKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Store> {
        create_parent(path)?;
        if encryption::file_state(path)? == encryption::FileState::Clear {
            encryption::encrypt_clear_database(path, key)?;
            tracing::info!(path = %path.display(), "clear database encrypted");
        }
        let conn = Connection::open(path)?;
        encryption::apply_key(&conn, key, path)?;
        Self::init(conn, Some(path.to_path_buf()), clock, true)
    }

    /// A private in-memory database (tests, pure tools).
    pub fn open_in_memory() -> Result<Store> {
        Self::init(
            Connection::open_in_memory()?,
            None,
            Arc::new(SystemClock),
            false,
        )
    }

    /// A private in-memory database on a given clock.
    pub fn open_in_memory_with_clock(clock: Arc<dyn Clock>) -> Result<Store> {
        Self::init(Connection::open_in_memory()?, None, clock, false)
    }

    fn init(
        mut conn: Connection,
        path: Option<PathBuf>,
        clock: Arc<dyn Clock>,
        encrypted: bool,
    ) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Page cache of up to 16 MiB (default 2 MiB), allocated only as pages are read: a
        // commune's household table and list index (~12 MB at 20,000 households) stay in memory,
        // so listing and searching everyone does not re-read them from the file every time.
        conn.pragma_update(None, "cache_size", -16384)?;
        conn.set_prepared_statement_cache_capacity(64);
        let was = schema::migrate(&mut conn)?;
        let store = Store {
            conn,
            path,
            clock,
            criteria: criteria::Cache::default(),
            encrypted,
        };
        if was > 0 && was < schema::REFOLD_BEFORE {
            // Data the SQL migrations cannot compute (folding is Rust), once after upgrading.
            store.write(|db| {
                households::refresh_missing_search(db)?;
                units::mark_scope_server_known(db)
            })?;
        }
        Ok(store)
    }

    fn db(&self) -> Db<'_> {
        Db {
            conn: &self.conn,
            clock: &*self.clock,
            criteria: &self.criteria,
        }
    }

    /// Run `f` on the database for reading. Several reads see one snapshot.
    pub fn read<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return Err(StoreError::NestedTransaction);
        }
        // A deferred transaction: one consistent snapshot for every statement of `f`, rolled
        // back (nothing to undo) when dropped.
        let _tx = self.begin(TransactionBehavior::Deferred)?;
        f(&self.db())
    }

    /// Run `f` in one `IMMEDIATE` write transaction: committed if `f` succeeds, rolled back
    /// otherwise. Data-access functions called inside compose into this one transaction.
    pub fn write<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return Err(StoreError::NestedTransaction);
        }
        let tx = self.begin(TransactionBehavior::Immediate)?;
        let value = f(&self.db())?;
        tx.commit()?;
        Ok(value)
    }

    /// Like [`Store::write`] for work whose outcome may be a refusal (`Ok(Err(_))`, such as a
    /// roster file with bad rows): committed only when the outcome is `Ok(Ok(_))`, rolled back
    /// otherwise.
    pub fn write_checked<T, R>(
        &self,
        f: impl FnOnce(&Db<'_>) -> Result<std::result::Result<T, R>>,
    ) -> Result<std::result::Result<T, R>> {
        if !self.conn.is_autocommit() {
            return Err(StoreError::NestedTransaction);
        }
        let tx = self.begin(TransactionBehavior::Immediate)?;
        let outcome = f(&self.db())?;
        if outcome.is_ok() {
            tx.commit()?;
        }
        Ok(outcome)
    }

    /// The one place a transaction is begun. `Store` is not `Sync` (it sits behind a mutex in
    /// the bindings), and `read`/`write` refuse to nest, so a shared borrow is enough here.
    fn begin(&self, behavior: TransactionBehavior) -> Result<Transaction<'_>> {
        Ok(Transaction::new_unchecked(&self.conn, behavior)?)
    }

    /// Path of the database file (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The data directory the database file is in (`None` in memory).
    pub fn data_dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    /// The clock this store runs on.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Whether the database is encrypted at rest (opened with a key).
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// `PRAGMA integrity_check` → `true` when it answers "ok".
    pub fn integrity_ok(&self) -> Result<bool> {
        self.read(|db| {
            let r: String = db
                .conn()
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            Ok(r == "ok")
        })
    }

    /// The raw connection, for tests and benchmarks that inspect or damage the database on
    /// purpose. Not available to shells.
    #[cfg(any(test, feature = "test-tools"))]
    pub fn conn_for_tests(&self) -> &Connection {
        &self.conn
    }
}

fn create_parent(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
    }
    Ok(())
}
