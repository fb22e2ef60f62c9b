//! What the sync machine reads and writes, as a trait: the device store implements it
//! ([`StoreOutbox`], each call one transaction of `hoctap_store::outbox`), and tests implement it
//! in memory to drive the machine with scripted server replies.

use hoctap_domain::protocol::{ManifestEntry, SyncResponse};
use hoctap_store::apply::Applied;
use hoctap_store::outbox::{self as dao, Batch, BlobToSend, EntryOutcome};
use hoctap_store::{Result, Store};
use std::collections::HashSet;

/// The device-side state a sync run works on.
pub trait Outbox {
    /// The pull cursor.
    fn cursor(&mut self) -> Result<i64>;
    /// Apply a pulled page and advance the cursor, atomically.
    fn apply_page(&mut self, page: &SyncResponse) -> Result<Applied>;
    /// Record the measured clock skew (server minus device, ms).
    fn record_skew(&mut self, skew_ms: i64) -> Result<()>;
    /// Queue again what an interrupted run left `sending` (and `local` entries).
    fn requeue_interrupted(&mut self) -> Result<()>;
    /// The photo whose upload an earlier run began and did not finish.
    fn open_blob(&mut self) -> Result<Option<String>>;
    /// Remember (`open`) or forget the photo being uploaded.
    fn set_open_blob(&mut self, sha256: &str, open: bool) -> Result<()>;
    /// Photos still to upload for queued assessments due at `now`.
    fn blobs_to_send(&mut self, now: &str) -> Result<Vec<BlobToSend>>;
    /// The server verified a photo.
    fn confirm_blob(&mut self, sha256: &str) -> Result<()>;
    /// Set aside every queued assessment using a photo; returns how many.
    fn wedge_for_blob(&mut self, sha256: &str, reason: &str) -> Result<u64>;
    /// The oldest unanswered manifest.
    fn open_batch(&mut self) -> Result<Option<Batch>>;
    /// Manifest entries ready to send (photos all confirmed), oldest first.
    fn ready_entries(
        &mut self,
        now: &str,
        limit: usize,
        skip: &HashSet<String>,
    ) -> Result<Vec<ManifestEntry>>;
    /// Store a new manifest and mark its entries `sending`.
    fn create_batch(&mut self, batch: &Batch) -> Result<()>;
    /// A manifest refused as a whole: forget it, set aside `wedge`, queue `requeue` again.
    fn refuse_batch(
        &mut self,
        batch_id: &str,
        wedge: Option<(&str, &str)>,
        requeue: &[String],
    ) -> Result<()>;
    /// The entries a manifest carried, with the content hash each was sent with.
    fn batch_hashes(&mut self, batch_id: &str) -> Result<Vec<(String, String)>>;
    /// Record the decisions on an answered manifest and close it.
    fn record_answers(&mut self, batch_id: &str, outcomes: &[EntryOutcome]) -> Result<()>;
    /// Finalized assessments the server has not acknowledged.
    fn pending(&mut self) -> Result<u64>;
    /// When the last complete sync ended.
    fn last_sync(&mut self) -> Result<Option<String>>;
    /// Record the end of a complete sync.
    fn record_last_sync(&mut self, at: &str) -> Result<()>;
}

/// The device store as an [`Outbox`].
pub struct StoreOutbox<'a>(pub &'a Store);

impl Outbox for StoreOutbox<'_> {
    fn cursor(&mut self) -> Result<i64> {
        self.0.read(dao::cursor)
    }
    fn apply_page(&mut self, page: &SyncResponse) -> Result<Applied> {
        self.0.apply_page(page)
    }
    fn record_skew(&mut self, skew_ms: i64) -> Result<()> {
        self.0.write(|db| dao::record_skew(db, skew_ms))
    }
    fn requeue_interrupted(&mut self) -> Result<()> {
        self.0.write(dao::requeue_interrupted)
    }
    fn open_blob(&mut self) -> Result<Option<String>> {
        self.0.read(dao::open_blob)
    }
    fn set_open_blob(&mut self, sha256: &str, open: bool) -> Result<()> {
        self.0.write(|db| dao::set_open_blob(db, sha256, open))
    }
    fn blobs_to_send(&mut self, now: &str) -> Result<Vec<BlobToSend>> {
        self.0.read(|db| dao::blobs_to_send(db, now))
    }
    fn confirm_blob(&mut self, sha256: &str) -> Result<()> {
        self.0.write(|db| dao::confirm_blob(db, sha256))
    }
    fn wedge_for_blob(&mut self, sha256: &str, reason: &str) -> Result<u64> {
        self.0.write(|db| dao::wedge_for_blob(db, sha256, reason))
    }
    fn open_batch(&mut self) -> Result<Option<Batch>> {
        self.0.read(dao::open_batch)
    }
    fn ready_entries(
        &mut self,
        now: &str,
        limit: usize,
        skip: &HashSet<String>,
    ) -> Result<Vec<ManifestEntry>> {
        self.0.read(|db| dao::ready_entries(db, now, limit, skip))
    }
    fn create_batch(&mut self, batch: &Batch) -> Result<()> {
        self.0.write(|db| dao::create_batch(db, batch))
    }
    fn refuse_batch(
        &mut self,
        batch_id: &str,
        wedge: Option<(&str, &str)>,
        requeue: &[String],
    ) -> Result<()> {
        self.0
            .write(|db| dao::refuse_batch(db, batch_id, wedge, requeue))
    }
    fn batch_hashes(&mut self, batch_id: &str) -> Result<Vec<(String, String)>> {
        self.0.read(|db| dao::batch_hashes(db, batch_id))
    }
    fn record_answers(&mut self, batch_id: &str, outcomes: &[EntryOutcome]) -> Result<()> {
        self.0
            .write(|db| dao::record_answers(db, batch_id, outcomes))
    }
    fn pending(&mut self) -> Result<u64> {
        Ok(self.0.read(dao::counts)?.pending())
    }
    fn last_sync(&mut self) -> Result<Option<String>> {
        self.0.read(dao::last_sync)
    }
    fn record_last_sync(&mut self, at: &str) -> Result<()> {
        self.0.write(|db| dao::record_last_sync(db, at))
    }
}
