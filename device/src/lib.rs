//! `hoctap-device`: one device's data directory — the store (`hoctap.db`), the photo folder
//! (`evidence/`) and sync — composed for the shells. The CLI and the UniFFI bindings call this
//! and the domain; they never run SQL, read photo files by path or speak HTTP themselves.
//!
//! Work that spans two I/O layers lives here: attaching a photo (the file is made durable by
//! `hoctap-evidence`, then its row is recorded by `hoctap-store`), cleaning up photos, finding
//! near-identical photos, and running sync with the photo folder as its blob source.

pub mod error;
pub mod photos;
pub mod sync;

pub use error::{DeviceError, Kind};
pub use photos::{EvidenceGc, EvidencePhoto, SimilarPair, SimilarSide};

use hoctap_domain::time::Clock;
use hoctap_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Folder of evidence photos inside a data directory.
pub const EVIDENCE_DIR: &str = "evidence";

/// A device's data directory, open.
pub struct Device {
    store: Store,
    dir: PathBuf,
}

impl Device {
    /// Open (creating if needed) the data directory `dir`.
    pub fn open(dir: &Path) -> Result<Device, DeviceError> {
        Ok(Device {
            store: Store::open_dir(dir)?,
            dir: dir.to_path_buf(),
        })
    }

    /// Like [`Device::open`], on a given clock (tests).
    pub fn open_with_clock(dir: &Path, clock: Arc<dyn Clock>) -> Result<Device, DeviceError> {
        Ok(Device {
            store: Store::open_with_clock(&dir.join(hoctap_store::DB_FILE), clock)?,
            dir: dir.to_path_buf(),
        })
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
}
