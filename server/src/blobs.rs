//! Content-addressed evidence blobs behind a small [`BlobStore`] trait, so an S3-compatible store
//! can be added later.
//!
//! The filesystem store keeps a complete blob as `DIR/blobs/<sha>`, shared by every device that
//! proves it holds it. A partial upload belongs to the device sending it:
//! `DIR/blobs/partial/<device id>/<sha>`, with the TOTAL its first chunk declared beside it
//! (`<sha>.total`), so a later chunk cannot change it. Each chunk is appended at the held offset
//! with an fsync; once the last byte is in, the SHA-256 is verified and the file renamed into
//! `DIR/blobs/<sha>` (or dropped when another device completed the same blob first).
//!
//! Partial uploads are bounded per device ([`PartialLimits`]: how many, how many declared
//! bytes) and expire ([`BlobStore::expire_partials`], run periodically by `serve`), so abandoned
//! or hostile uploads cannot fill the disk.
//!
//! Blob names are checked ([`BlobId::parse`]) and device ids are UUIDs ([`Owner::new`]) before
//! any path is built.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

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

/// The device a partial upload belongs to: a checked UUID (safe as a path component).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Owner(String);

impl Owner {
    /// `None` unless `device_id` is a UUID.
    pub fn new(device_id: &str) -> Option<Owner> {
        uuid::Uuid::parse_str(device_id)
            .ok()
            .map(|u| Owner(u.hyphenated().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How much of a blob a device's upload holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobState {
    pub received: u64,
    pub complete: bool,
}

/// A device's partial upload: bytes held and the TOTAL its first chunk declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partial {
    pub received: u64,
    pub total: u64,
}

/// Bounds on one device's partial uploads (complete blobs do not count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialLimits {
    /// Most partial uploads at once.
    pub max_partials: usize,
    /// Most bytes their TOTALs may declare together.
    pub max_bytes: u64,
}

impl Default for PartialLimits {
    /// 16 uploads and 100 MiB: a device uploads its photos one after the other, so it holds
    /// one or two partial uploads at a time; five maximum-size blobs is ample.
    fn default() -> Self {
        PartialLimits {
            max_partials: 16,
            max_bytes: 100 * 1024 * 1024,
        }
    }
}

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("upload offset {got} does not match the {held} bytes held")]
    OffsetMismatch { held: u64, got: u64 },
    #[error("the upload declared {held} bytes in its first chunk, not {got}")]
    TotalMismatch { held: u64, got: u64 },
    #[error("the device already holds {partials} partial uploads declaring {bytes} bytes")]
    Quota { partials: usize, bytes: u64 },
    #[error("the uploaded bytes hash to {actual}, not to the blob's name")]
    HashMismatch { actual: String },
    #[error("blob store I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Where evidence blobs live.
pub trait BlobStore: Send + Sync + 'static {
    /// The size of a complete blob (`None`: not complete).
    fn complete(&self, id: &BlobId) -> Result<Option<u64>, BlobError>;

    /// What `owner`'s partial upload of a blob holds (`None`: nothing).
    fn partial(&self, owner: &Owner, id: &BlobId) -> Result<Option<Partial>, BlobError>;

    /// Append `data` at `offset` of `owner`'s upload of a blob whose full size is `total`. The
    /// first chunk fixes `total` and must fit `limits`. When the last byte is in, the content is
    /// verified and the blob becomes complete; a hash mismatch discards the upload.
    fn append(
        &self,
        owner: &Owner,
        id: &BlobId,
        offset: u64,
        data: &[u8],
        total: u64,
        limits: &PartialLimits,
    ) -> Result<BlobState, BlobError>;

    /// Remove partial uploads untouched for longer than `ttl`; how many were removed.
    fn expire_partials(&self, ttl: Duration) -> Result<usize, BlobError>;

    /// The bytes of a complete blob (`None`: not complete).
    fn read_complete(&self, id: &BlobId) -> Result<Option<Vec<u8>>, BlobError>;

    /// A derived, cached file of a complete blob (a preview): read it when held, else make it
    /// with `make` from the blob's bytes and keep it. `None` when the blob is not complete.
    fn derived(
        &self,
        id: &BlobId,
        kind: &str,
        make: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, BlobError>;
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

    fn owner_dir(&self, owner: &Owner) -> PathBuf {
        self.root.join("partial").join(owner.as_str())
    }

    fn partial_path(&self, owner: &Owner, id: &BlobId) -> PathBuf {
        self.owner_dir(owner).join(id.as_str())
    }

    fn total_path(&self, owner: &Owner, id: &BlobId) -> PathBuf {
        self.owner_dir(owner).join(format!("{}.total", id.as_str()))
    }

    /// One writer per key at a time (a device's upload of a blob; a device's quota).
    fn lock(&self, key: String) -> Arc<Mutex<()>> {
        let mut map = match self.locks.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.retain(|_, l| Arc::strong_count(l) > 1);
        map.entry(key).or_default().clone()
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

    /// The TOTAL recorded beside a partial upload (`None` when missing or unreadable).
    fn read_total(path: &Path) -> Option<u64> {
        fs::read_to_string(path).ok()?.trim().parse().ok()
    }

    fn write_total(path: &Path, total: u64) -> Result<(), BlobError> {
        let mut f = File::create(path)?;
        f.write_all(total.to_string().as_bytes())?;
        f.sync_all()?;
        Ok(())
    }

    /// The partial uploads of `owner`: how many, and the bytes their TOTALs declare.
    fn usage(&self, owner: &Owner) -> Result<(usize, u64), BlobError> {
        let dir = self.owner_dir(owner);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0)),
            Err(e) => return Err(e.into()),
        };
        let mut count = 0;
        let mut bytes = 0u64;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(sha) = name.strip_suffix(".total") {
                if dir.join(sha).exists() {
                    count += 1;
                    bytes = bytes.saturating_add(Self::read_total(&entry.path()).unwrap_or(0));
                }
            }
        }
        Ok((count, bytes))
    }

    fn remove_if_exists(path: &Path) -> Result<(), BlobError> {
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn is_stale(path: &Path, cutoff: SystemTime) -> bool {
        fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < cutoff)
    }
}

fn sync_dir(dir: &Path) {
    // Directory fsync makes the rename durable; not every platform supports it.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl BlobStore for FsBlobStore {
    fn complete(&self, id: &BlobId) -> Result<Option<u64>, BlobError> {
        match fs::metadata(self.complete_path(id)) {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn partial(&self, owner: &Owner, id: &BlobId) -> Result<Option<Partial>, BlobError> {
        let received = match fs::metadata(self.partial_path(owner, id)) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let total = Self::read_total(&self.total_path(owner, id)).unwrap_or(received);
        Ok(Some(Partial { received, total }))
    }

    fn append(
        &self,
        owner: &Owner,
        id: &BlobId,
        offset: u64,
        data: &[u8],
        total: u64,
        limits: &PartialLimits,
    ) -> Result<BlobState, BlobError> {
        let lock = self.lock(format!("{}/{}", owner.as_str(), id.as_str()));
        let _guard = match lock.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let partial = self.partial_path(owner, id);
        let total_path = self.total_path(owner, id);
        match self.partial(owner, id)? {
            Some(held) => {
                if held.total != total {
                    return Err(BlobError::TotalMismatch {
                        held: held.total,
                        got: total,
                    });
                }
                if held.received != offset {
                    return Err(BlobError::OffsetMismatch {
                        held: held.received,
                        got: offset,
                    });
                }
            }
            None => {
                if offset != 0 {
                    return Err(BlobError::OffsetMismatch {
                        held: 0,
                        got: offset,
                    });
                }
                // A new upload: within the device's bounds, its TOTAL recorded first. One that
                // holds every byte at once is verified now and never stays partial, so a device
                // whose quota is full can still send whole photos.
                let quota = self.lock(format!("{}/", owner.as_str()));
                let _quota = match quota.lock() {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
                let (partials, bytes) = self.usage(owner)?;
                let whole = data.len() as u64 >= total;
                if !whole
                    && (partials >= limits.max_partials
                        || bytes.saturating_add(total) > limits.max_bytes)
                {
                    return Err(BlobError::Quota { partials, bytes });
                }
                fs::create_dir_all(self.owner_dir(owner))?;
                Self::write_total(&total_path, total)?;
                File::create(&partial)?.sync_all()?;
            }
        }
        let mut file = OpenOptions::new().append(true).open(&partial)?;
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
            Self::remove_if_exists(&partial)?;
            Self::remove_if_exists(&total_path)?;
            return Err(BlobError::HashMismatch { actual });
        }
        if self.complete(id)?.is_some() {
            // Another device completed it first: the same bytes, kept once.
            Self::remove_if_exists(&partial)?;
        } else {
            fs::rename(&partial, self.complete_path(id))?;
            sync_dir(&self.root);
        }
        Self::remove_if_exists(&total_path)?;
        Ok(BlobState {
            received,
            complete: true,
        })
    }

    fn read_complete(&self, id: &BlobId) -> Result<Option<Vec<u8>>, BlobError> {
        match fs::read(self.complete_path(id)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn derived(
        &self,
        id: &BlobId,
        kind: &str,
        make: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, BlobError> {
        // `kind` is a fixed word chosen by the caller, never input.
        let dir = self.root.join("derived").join(kind);
        let path = dir.join(id.as_str());
        if let Ok(bytes) = fs::read(&path) {
            return Ok(Some(bytes));
        }
        let Some(source) = self.read_complete(id)? else {
            return Ok(None);
        };
        let Some(made) = make(&source) else {
            // Not a picture the preview maker reads: serve the blob itself.
            return Ok(Some(source));
        };
        fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!("{}.{}.tmp", id.as_str(), crate::clock::new_id()));
        fs::write(&tmp, &made)?;
        fs::rename(&tmp, &path)?;
        Ok(Some(made))
    }

    fn expire_partials(&self, ttl: Duration) -> Result<usize, BlobError> {
        let cutoff = SystemTime::now()
            .checked_sub(ttl)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let mut removed = 0;
        for entry in fs::read_dir(self.root.join("partial"))? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if entry.file_type()?.is_file() {
                // A partial upload of the older layout (`partial/<sha>`, no owner).
                if Self::is_stale(&path, cutoff) {
                    Self::remove_if_exists(&path)?;
                    removed += 1;
                }
                continue;
            }
            let Some(owner) = Owner::new(name) else {
                continue;
            };
            for file in fs::read_dir(&path)? {
                let file = file?;
                let file_name = file.file_name();
                let Some(sha) = file_name.to_str() else {
                    continue;
                };
                let Some(id) = BlobId::parse(sha) else {
                    // A `.total` whose upload is gone (a crash between the two removals).
                    if let Some(orphan) = sha.strip_suffix(".total") {
                        if !path.join(orphan).exists() && Self::is_stale(&file.path(), cutoff) {
                            Self::remove_if_exists(&file.path())?;
                        }
                    }
                    continue;
                };
                let lock = self.lock(format!("{}/{}", owner.as_str(), id.as_str()));
                let _guard = match lock.lock() {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
                let data = self.partial_path(&owner, &id);
                if Self::is_stale(&data, cutoff) {
                    Self::remove_if_exists(&data)?;
                    Self::remove_if_exists(&self.total_path(&owner, &id))?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(data: &[u8]) -> BlobId {
        BlobId::parse(&hex::encode(Sha256::digest(data))).unwrap_or(BlobId(String::new()))
    }

    #[test]
    fn total_is_fixed_and_partials_are_bounded_and_expire() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = FsBlobStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let owner =
            Owner::new("0190d2a0-0000-7000-8000-000000000001").unwrap_or(Owner(String::new()));
        let limits = PartialLimits {
            max_partials: 2,
            max_bytes: 100,
        };
        let data = b"0123456789";
        let id = sha(data);
        let first = store.append(&owner, &id, 0, &data[..4], 10, &limits);
        assert!(matches!(
            first,
            Ok(BlobState {
                received: 4,
                complete: false
            })
        ));
        let other_total = store.append(&owner, &id, 4, &data[4..8], 12, &limits);
        assert!(matches!(
            other_total,
            Err(BlobError::TotalMismatch { held: 10, got: 12 })
        ));
        let too_big = store.append(&owner, &sha(b"x"), 0, b"x", 97, &limits);
        assert!(matches!(
            too_big,
            Err(BlobError::Quota {
                partials: 1,
                bytes: 10
            })
        ));
        let done = store.append(&owner, &id, 4, &data[4..], 10, &limits);
        assert!(matches!(
            done,
            Ok(BlobState {
                received: 10,
                complete: true
            })
        ));
        assert_eq!(store.complete(&id).ok().flatten(), Some(10));
        assert_eq!(store.partial(&owner, &id).ok().flatten(), None);

        let stale = sha(b"stale");
        assert!(store.append(&owner, &stale, 0, b"st", 5, &limits).is_ok());
        assert_eq!(
            store.expire_partials(Duration::from_secs(3600)).ok(),
            Some(0)
        );
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(
            store.expire_partials(Duration::from_millis(1)).ok(),
            Some(1)
        );
        assert_eq!(store.partial(&owner, &stale).ok().flatten(), None);
    }
}
