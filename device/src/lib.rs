//! `hoctap-device`: one device's data directory — the store (`hoctap.db`), the photo folder
//! (`evidence/`) and sync — composed for the shells. The CLI and the UniFFI bindings call this
//! and the domain; they never run SQL, read photo files by path or speak HTTP themselves.
//!
//! Work that spans two I/O layers lives here: attaching a photo (the file is made durable by
//! `hoctap-evidence`, then its row is recorded by `hoctap-store`), cleaning up photos, finding
//! near-identical photos, and running sync with the photo folder as its blob source.
//!
//! Encryption at rest: [`Device::open_with_key`] opens a data directory with a [`DataKey`]
//! (`key`: the database and photo keys are derived from it). The first keyed open of a clear
//! directory encrypts it: the database (crash-safe export and swap, `hoctap_store::encryption`),
//! then every photo file (one atomic rewrite per file), then records that photos are done, so a
//! kill at any point leaves each piece whole and the next keyed open finishes the job. A keyless
//! [`Device::open`] still serves clear directories (the CLI demo, tests) and refuses encrypted
//! ones with `KeyRequired`.

pub mod error;
pub mod key;
pub mod photos;
pub mod sync;

pub use error::{DeviceError, Kind};
pub use key::{DataKey, KeyError};
pub use photos::{EvidenceGc, EvidencePhoto, SimilarPair, SimilarSide};

use hoctap_domain::time::Clock;
use hoctap_evidence::seal::PhotoKey;
use hoctap_store::encryption::{self, FileState};
use hoctap_store::{settings, Store, SystemClock};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Folder of evidence photos inside a data directory.
pub const EVIDENCE_DIR: &str = "evidence";

/// Setting recording that every photo file of the directory is sealed.
const PHOTOS_SEALED: &str = "device.photos_sealed";

/// Whether a data directory's data is encrypted, as far as its database file tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataState {
    /// No database yet.
    New,
    /// A clear database (encrypted on the first open with a key).
    Clear,
    /// An encrypted database: a key is needed.
    Encrypted,
}

/// A device's data directory, open.
pub struct Device {
    store: Store,
    dir: PathBuf,
    photo_key: Option<PhotoKey>,
}

impl Device {
    /// Open (creating if needed) the data directory `dir`, clear. An encrypted directory is
    /// refused with `StoreError::KeyRequired`.
    pub fn open(dir: &Path) -> Result<Device, DeviceError> {
        Ok(Device {
            store: Store::open_dir(dir)?,
            dir: dir.to_path_buf(),
            photo_key: None,
        })
    }

    /// Like [`Device::open`], on a given clock (tests).
    pub fn open_with_clock(dir: &Path, clock: Arc<dyn Clock>) -> Result<Device, DeviceError> {
        Ok(Device {
            store: Store::open_with_clock(&dir.join(hoctap_store::DB_FILE), clock)?,
            dir: dir.to_path_buf(),
            photo_key: None,
        })
    }

    /// Open (creating if needed) the data directory `dir` encrypted with `key`; a clear
    /// directory is encrypted first (see the crate docs). A key that does not open it is
    /// `StoreError::WrongKey`, and nothing is changed.
    pub fn open_with_key(dir: &Path, key: &DataKey) -> Result<Device, DeviceError> {
        Self::open_with_key_and_clock(dir, key, Arc::new(SystemClock))
    }

    /// [`Device::open_with_key`] on a given clock (tests).
    pub fn open_with_key_and_clock(
        dir: &Path,
        key: &DataKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Device, DeviceError> {
        let store = Store::open_with_key_and_clock(
            &dir.join(hoctap_store::DB_FILE),
            &key.db_key()?,
            clock,
        )?;
        let device = Device {
            store,
            dir: dir.to_path_buf(),
            photo_key: Some(key.photo_key()?),
        };
        device.seal_photos_once()?;
        Ok(device)
    }

    /// Seal the clear photo files left from before encryption, until it is recorded as done.
    fn seal_photos_once(&self) -> Result<(), DeviceError> {
        let Some(key) = &self.photo_key else {
            return Ok(());
        };
        if self
            .store
            .read(|db| settings::get(db, PHOTOS_SEALED))?
            .is_some()
        {
            return Ok(());
        }
        hoctap_evidence::store::seal_folder(&self.evidence_dir(), key)?;
        self.store
            .write(|db| settings::set(db, PHOTOS_SEALED, "1"))?;
        Ok(())
    }

    /// Whether the data directory `dir` is new, clear or encrypted (reads the database header;
    /// opens nothing).
    pub fn data_state(dir: &Path) -> Result<DataState, DeviceError> {
        Ok(
            match encryption::file_state(&dir.join(hoctap_store::DB_FILE))? {
                FileState::Missing => DataState::New,
                FileState::Clear => DataState::Clear,
                FileState::Encrypted => DataState::Encrypted,
            },
        )
    }

    /// Whether this directory is encrypted at rest (opened with a key).
    pub fn is_encrypted(&self) -> bool {
        self.photo_key.is_some()
    }

    /// The store: every read and write of device data.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder of content-addressed evidence photos.
    pub fn evidence_dir(&self) -> PathBuf {
        self.dir.join(EVIDENCE_DIR)
    }

    /// The key photo files are sealed with (`None`: clear).
    pub(crate) fn photo_key(&self) -> Option<&PhotoKey> {
        self.photo_key.as_ref()
    }
}
