//! Content-addressed files on disk: crash-safe writes, free-space guard, orphan collection.
//!
//! Layout under the store directory (`dir`):
//!
//! ```text
//! dir/ab/abcdef…(64 hex).jpg          the stored photo, named by the SHA-256 of its own bytes
//! dir/thumbs/ab/abcdef…(64 hex).jpg   its thumbnail, named by the *photo's* SHA-256
//! dir/ab/.tmp-….part                  a write in progress (or a crash's leftover)
//! ```
//!
//! Two hex characters of fan-out keep directories small (256 shards; 100 000 photos → ~400 per
//! shard) which matters on phone file systems. Naming the thumbnail after the photo lets the DB
//! row hold one hash only. A write goes to a temp file in the *same* directory, is fsynced,
//! renamed over the final name, and the directory is fsynced, so after a crash a final name
//! either holds the complete file or does not exist. Writing the same content twice is a no-op.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::EvidenceError;

/// Name of the thumbnail sub-tree.
pub const THUMBS_DIR: &str = "thumbs";
const TEMP_PREFIX: &str = ".tmp-";

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn shard(sha256: &str) -> &str {
    sha256.get(..2).unwrap_or("00")
}

/// Where the photo with this SHA-256 lives.
pub fn photo_path(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(shard(sha256)).join(format!("{sha256}.jpg"))
}

/// Where the thumbnail of the photo with this SHA-256 lives.
pub fn thumb_path(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(THUMBS_DIR)
        .join(shard(sha256))
        .join(format!("{sha256}.jpg"))
}

/// Fails with `StorageFull` unless `needed + reserve` bytes are free on the file system of `dir`
/// (or of its nearest existing ancestor).
pub fn check_free_space(dir: &Path, needed: u64, reserve: u64) -> Result<(), EvidenceError> {
    let mut probe = dir;
    while !probe.exists() {
        match probe.parent() {
            Some(p) if !p.as_os_str().is_empty() => probe = p,
            _ => {
                probe = Path::new(".");
                break;
            }
        }
    }
    let available = fs4::available_space(probe).map_err(|e| EvidenceError::io(probe, e))?;
    if available < needed.saturating_add(reserve) {
        return Err(EvidenceError::StorageFull { available, reserve });
    }
    Ok(())
}

/// Writes `bytes` at `path` crash-safely (temp → fsync → rename → fsync dir). Returns `false`
/// without writing when an identical file is already there.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<bool, EvidenceError> {
    if let Ok(existing) = fs::read(path) {
        if existing == bytes {
            return Ok(false);
        }
    }
    let parent = path
        .parent()
        .ok_or_else(|| EvidenceError::io(path, std::io::Error::other("no parent directory")))?;
    fs::create_dir_all(parent).map_err(|e| EvidenceError::io(parent, e))?;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temp = parent.join(format!(
        "{TEMP_PREFIX}{}-{}-{nanos}.part",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = File::create_new(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&temp, path)?;
        sync_dir(parent)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(EvidenceError::io(path, e));
    }
    Ok(true)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// What [`gc_orphans`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GcReport {
    /// Unreferenced photos removed.
    pub photos_removed: usize,
    /// Unreferenced thumbnails removed.
    pub thumbs_removed: usize,
    /// Stale temp files removed.
    pub temps_removed: usize,
    /// Bytes freed in total.
    pub bytes_freed: u64,
    /// Referenced photos and thumbnails kept.
    pub kept: usize,
}

/// Tuning of [`gc_orphans_with`].
#[derive(Debug, Clone, Copy)]
pub struct GcOptions {
    /// Temp files older than this are leftovers of a crash and are removed (younger ones may be
    /// a write in progress).
    pub stale_temp_age: Duration,
    /// Unreferenced files younger than this are kept, for an ingest whose DB row is not yet
    /// committed. Zero (the default) removes every unreferenced file.
    pub orphan_grace: Duration,
}

impl Default for GcOptions {
    fn default() -> Self {
        GcOptions {
            stale_temp_age: Duration::from_secs(15 * 60),
            orphan_grace: Duration::ZERO,
        }
    }
}

/// Removes photos and thumbnails whose SHA-256 is not in `referenced` (lowercase hex), and
/// temp files older than 15 minutes. Files that do not follow the store's naming are left alone.
pub fn gc_orphans(dir: &Path, referenced: &HashSet<String>) -> Result<GcReport, EvidenceError> {
    gc_orphans_with(dir, referenced, GcOptions::default())
}

/// [`gc_orphans`] with explicit ages.
pub fn gc_orphans_with(
    dir: &Path,
    referenced: &HashSet<String>,
    options: GcOptions,
) -> Result<GcReport, EvidenceError> {
    let mut report = GcReport::default();
    if !dir.exists() {
        return Ok(report);
    }
    gc_tree(dir, referenced, options, false, &mut report)?;
    let thumbs = dir.join(THUMBS_DIR);
    if thumbs.is_dir() {
        gc_tree(&thumbs, referenced, options, true, &mut report)?;
    }
    Ok(report)
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn age(meta: &fs::Metadata) -> Duration {
    meta.modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .unwrap_or(Duration::ZERO)
}

fn gc_tree(
    root: &Path,
    referenced: &HashSet<String>,
    options: GcOptions,
    thumbs: bool,
    report: &mut GcReport,
) -> Result<(), EvidenceError> {
    let io = |p: &Path, e| EvidenceError::io(p, e);
    for shard in fs::read_dir(root).map_err(|e| io(root, e))? {
        let shard = shard.map_err(|e| io(root, e))?;
        let name = shard.file_name();
        if !is_hex(&name.to_string_lossy(), 2) || !shard.path().is_dir() {
            continue;
        }
        let shard_path = shard.path();
        for entry in fs::read_dir(&shard_path).map_err(|e| io(&shard_path, e))? {
            let entry = entry.map_err(|e| io(&shard_path, e))?;
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let remove = if file_name.starts_with(TEMP_PREFIX) {
                age(&meta) >= options.stale_temp_age
            } else if let Some(stem) = file_name.strip_suffix(".jpg").filter(|s| is_hex(s, 64)) {
                if referenced.contains(stem) || age(&meta) < options.orphan_grace {
                    report.kept += 1;
                    false
                } else {
                    true
                }
            } else {
                false
            };
            if remove {
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io(&path, e)),
                }
                report.bytes_freed += meta.len();
                if file_name.starts_with(TEMP_PREFIX) {
                    report.temps_removed += 1;
                } else if thumbs {
                    report.thumbs_removed += 1;
                } else {
                    report.photos_removed += 1;
                }
            }
        }
        // Drop the shard directory when it became empty (fails harmlessly otherwise).
        let _ = fs::remove_dir(&shard_path);
    }
    Ok(())
}
