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
//!
//! With a [`PhotoKey`] the files are sealed (`crate::seal`: XChaCha20-Poly1305, names unchanged:
//! the SHA-256 of the clear JPEG) and written the same crash-safe way; [`read_photo`] and
//! [`read_thumb`] give the JPEG back or a typed error (`DamagedFile`, `KeyRequired`), and
//! [`seal_folder`] rewrites a folder's clear files sealed, one atomic rename per file, so a kill
//! leaves every file whole, clear or sealed.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::EvidenceError;
use super::seal::{self, PhotoKey, Role};

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

fn damaged(path: &Path, detail: impl Into<String>) -> EvidenceError {
    EvidenceError::DamagedFile {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

/// Writes the `role` file of the photo `sha256` at `path`, holding the JPEG `plain`: as is
/// without a key ([`write_atomic`]), sealed with one. Returns `false` without writing when the
/// file already holds this JPEG (sealed with this key, or clear when there is no key).
pub fn write_file(
    path: &Path,
    role: Role,
    sha256: &str,
    plain: &[u8],
    key: Option<&PhotoKey>,
) -> Result<bool, EvidenceError> {
    let Some(key) = key else {
        return write_atomic(path, plain);
    };
    if let Ok(existing) = fs::read(path) {
        if seal::open(key, role, sha256, &existing).is_ok_and(|p| p == plain) {
            return Ok(false);
        }
    }
    let sealed = seal::seal(key, role, sha256, plain).map_err(|e| damaged(path, e.to_string()))?;
    write_atomic(path, &sealed)
}

/// The JPEG in the `role` file of the photo `sha256` at `path`: a sealed file is opened with
/// `key` (`KeyRequired` without one, `DamagedFile` when it does not open); a clear JPEG (written
/// before encryption was turned on) is returned as it is.
pub fn read_file(
    path: &Path,
    role: Role,
    sha256: &str,
    key: Option<&PhotoKey>,
) -> Result<Vec<u8>, EvidenceError> {
    let bytes = fs::read(path).map_err(|e| EvidenceError::io(path, e))?;
    if seal::is_sealed(&bytes) {
        let key = key.ok_or_else(|| EvidenceError::KeyRequired {
            path: path.to_path_buf(),
        })?;
        return seal::open(key, role, sha256, &bytes).map_err(|e| damaged(path, e.to_string()));
    }
    if seal::is_jpeg(&bytes) {
        return Ok(bytes);
    }
    Err(damaged(path, "neither a JPEG nor a sealed photo file"))
}

/// The stored photo `sha256` under `dir` (its content checked against its name).
pub fn read_photo(
    dir: &Path,
    sha256: &str,
    key: Option<&PhotoKey>,
) -> Result<Vec<u8>, EvidenceError> {
    let path = photo_path(dir, sha256);
    let jpeg = read_file(&path, Role::Photo, sha256, key)?;
    if sha256_hex(&jpeg) != sha256 {
        return Err(damaged(&path, "content does not match its SHA-256 name"));
    }
    Ok(jpeg)
}

/// The thumbnail of the stored photo `sha256` under `dir`.
pub fn read_thumb(
    dir: &Path,
    sha256: &str,
    key: Option<&PhotoKey>,
) -> Result<Vec<u8>, EvidenceError> {
    read_file(&thumb_path(dir, sha256), Role::Thumb, sha256, key)
}

/// What [`seal_folder`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SealReport {
    /// Clear photos rewritten sealed.
    pub photos_sealed: usize,
    /// Clear thumbnails rewritten sealed.
    pub thumbs_sealed: usize,
    /// Files found sealed already (an earlier, interrupted run).
    pub already_sealed: usize,
    /// Temp files removed (left by a crash; they may hold clear photos).
    pub temps_removed: usize,
}

/// Seal every clear photo and thumbnail under `dir` with `key`, each rewritten crash-safely
/// under its own name (temp → fsync → rename → fsync dir); files already sealed are left alone,
/// so an interrupted run resumes. Temp files are removed: the folder must not be written by
/// anyone else meanwhile (it runs when a data directory is first opened with a key).
pub fn seal_folder(dir: &Path, key: &PhotoKey) -> Result<SealReport, EvidenceError> {
    let mut report = SealReport::default();
    if !dir.exists() {
        return Ok(report);
    }
    seal_tree(dir, key, Role::Photo, &mut report)?;
    let thumbs = dir.join(THUMBS_DIR);
    if thumbs.is_dir() {
        seal_tree(&thumbs, key, Role::Thumb, &mut report)?;
    }
    Ok(report)
}

fn seal_tree(
    root: &Path,
    key: &PhotoKey,
    role: Role,
    report: &mut SealReport,
) -> Result<(), EvidenceError> {
    let io = |p: &Path, e| EvidenceError::io(p, e);
    for shard in fs::read_dir(root).map_err(|e| io(root, e))? {
        let shard = shard.map_err(|e| io(root, e))?;
        if !is_hex(&shard.file_name().to_string_lossy(), 2) || !shard.path().is_dir() {
            continue;
        }
        let shard_path = shard.path();
        for entry in fs::read_dir(&shard_path).map_err(|e| io(&shard_path, e))? {
            let entry = entry.map_err(|e| io(&shard_path, e))?;
            let path = entry.path();
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.starts_with(TEMP_PREFIX) {
                match fs::remove_file(&path) {
                    Ok(()) => report.temps_removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io(&path, e)),
                }
                continue;
            }
            let Some(sha256) = file_name.strip_suffix(".jpg").filter(|s| is_hex(s, 64)) else {
                continue;
            };
            let bytes = fs::read(&path).map_err(|e| io(&path, e))?;
            if seal::is_sealed(&bytes) {
                report.already_sealed += 1;
                continue;
            }
            let sealed =
                seal::seal(key, role, sha256, &bytes).map_err(|e| damaged(&path, e.to_string()))?;
            write_atomic(&path, &sealed)?;
            match role {
                Role::Photo => report.photos_sealed += 1,
                Role::Thumb => report.thumbs_sealed += 1,
            }
        }
    }
    Ok(())
}
