//! A validated criteria set together with its content hash, computed once when the set is
//! loaded. Everything that scores or pins an assessment takes a [`LoadedSet`], shared as
//! `Arc<LoadedSet>`, so a set is parsed and hashed once per process (or per store), never per
//! answer. [`stats`] counts parses and hashes so tests can prove it.

use super::CriteriaSet;
use std::ops::Deref;
use std::sync::Arc;

/// A criteria set and its SHA-256 (hex, of its canonical JSON form).
#[derive(Debug, PartialEq)]
pub struct LoadedSet {
    set: CriteriaSet,
    sha256: String,
}

impl LoadedSet {
    /// Hash `set` once and share it.
    pub fn new(set: CriteriaSet) -> Arc<LoadedSet> {
        let sha256 = set.sha256();
        Arc::new(LoadedSet { set, sha256 })
    }

    /// The content hash an assessment is pinned to.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The set itself.
    pub fn set(&self) -> &CriteriaSet {
        &self.set
    }
}

impl Deref for LoadedSet {
    type Target = CriteriaSet;
    fn deref(&self) -> &CriteriaSet {
        &self.set
    }
}

/// Process-wide counts of criteria parses and hashes (cheap atomics), read by tests that prove
/// a hot path does neither.
pub mod stats {
    use std::sync::atomic::{AtomicU64, Ordering};

    static PARSES: AtomicU64 = AtomicU64::new(0);
    static HASHES: AtomicU64 = AtomicU64::new(0);

    pub(crate) fn parsed() {
        PARSES.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn hashed() {
        HASHES.fetch_add(1, Ordering::Relaxed);
    }

    /// Criteria TOML texts parsed so far in this process.
    pub fn parses() -> u64 {
        PARSES.load(Ordering::Relaxed)
    }

    /// Criteria sets hashed so far in this process.
    pub fn hashes() -> u64 {
        HASHES.load(Ordering::Relaxed)
    }
}
