//! Content-addressed evidence blobs behind a small [`BlobStore`] trait, so an S3-compatible store
//! can be added later. The filesystem store keeps partial uploads as `DIR/blobs/partial/<sha>`,
//! appends each chunk at the held offset with an fsync, verifies the SHA-256 once the last byte
//! is in, then renames the file into `DIR/blobs/<sha>`.
//!
//! Blob names are checked ([`BlobId::parse`]) before any path is built.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A checked blob name: 64 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobId(String);

impl BlobId {
    /// `None` unless `s` is a lower-case hex SHA-256 (so `../`, upper case or any other length
    /// never reach the filesystem).
    pub fn parse(s: &str) -> Option<BlobId> {
        hoctap_domain::protocol::is_sha256_hex(s).then(|| BlobId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How much of a blob is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobState {
    pub received: u64,
    pub complete: bool,
}

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("upload offset {got} does not match the {held} bytes held")]
    OffsetMismatch { held: u64, got: u64 },
    #[error("the uploaded bytes hash to {actual}, not to the blob's name")]
    HashMismatch { actual: String },
    #[error("blob store I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Where evidence blobs live.
pub trait BlobStore: Send + Sync + 'static {
    /// What is held for a blob (`None`: nothing).
    fn state(&self, id: &BlobId) -> Result<Option<BlobState>, BlobError>;

    /// Append `data` at `offset` of a blob whose full size is `total`. When the last byte is in,
    /// the content is verified and the blob becomes complete; a hash mismatch discards the
    /// partial upload. Appending to a complete blob is a no-op that reports it complete.
    fn append(
        &self,
        id: &BlobId,
        offset: u64,
        data: &[u8],
        total: u64,
    ) -> Result<BlobState, BlobError>;
}

/// Blobs as files under a directory.
pub struct FsBlobStore {
    root: PathBuf,
    locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl FsBlobStore {
    /// A store rooted at `root` (`DIR/blobs`), creating its folders.
    pub fn open(root: &Path) -> Result<FsBlobStore, BlobError> {
        fs::create_dir_all(root.join("partial"))?;
        Ok(FsBlobStore {
            root: root.to_path_buf(),
            locks: Mutex::new(HashMap::new()),
        })
    }

    fn complete_path(&self, id: &BlobId) -> PathBuf {
        self.root.join(id.as_str())
    }

    fn partial_path(&self, id: &BlobId) -> PathBuf {
        self.root.join("partial").join(id.as_str())
    }

    /// One writer per blob at a time.
    fn lock(&self, id: &BlobId) -> Arc<Mutex<()>> {
        let mut map = match self.locks.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.retain(|_, l| Arc::strong_count(l) > 1);
        map.entry(id.as_str().to_string()).or_default().clone()
    }

    fn verify(path: &Path) -> Result<String, BlobError> {
        let mut file = File::open(path)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hex::encode(hasher.finalize()))
    }
}

fn sync_dir(dir: &Path) {
    // Directory fsync makes the rename durable; not every platform supports it.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl BlobStore for FsBlobStore {
    fn state(&self, id: &BlobId) -> Result<Option<BlobState>, BlobError> {
        match fs::metadata(self.complete_path(id)) {
            Ok(m) => {
                return Ok(Some(BlobState {
                    received: m.len(),
                    complete: true,
                }))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        match fs::metadata(self.partial_path(id)) {
            Ok(m) => Ok(Some(BlobState {
                received: m.len(),
                complete: false,
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn append(
        &self,
        id: &BlobId,
        offset: u64,
        data: &[u8],
        total: u64,
    ) -> Result<BlobState, BlobError> {
        let lock = self.lock(id);
        let _guard = match lock.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(state) = self.state(id)? {
            if state.complete {
                return Ok(state);
            }
            if state.received != offset {
                return Err(BlobError::OffsetMismatch {
                    held: state.received,
                    got: offset,
                });
            }
        } else if offset != 0 {
            return Err(BlobError::OffsetMismatch {
                held: 0,
                got: offset,
            });
        }
        let partial = self.partial_path(id);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)?;
        file.write_all(data)?;
        file.sync_all()?;
        drop(file);
        let received = offset + data.len() as u64;
        if received < total {
            return Ok(BlobState {
                received,
                complete: false,
            });
        }
        let actual = Self::verify(&partial)?;
        if actual != id.as_str() {
            fs::remove_file(&partial)?;
            return Err(BlobError::HashMismatch { actual });
        }
        fs::rename(&partial, self.complete_path(id))?;
        sync_dir(&self.root);
        Ok(BlobState {
            received,
            complete: true,
        })
    }
}
