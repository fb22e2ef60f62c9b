//! A sync run that sends no photo bytes: for a metered network when the cadre keeps photos for
//! Wi-Fi. It drives the same sans-IO [`SyncMachine`] over the same store, through an outbox
//! that reports no photo to upload, so the run pulls the roster, sends the finalized
//! assessments whose photos the server already holds (or that have none) and heartbeats;
//! everything else waits in the queue for a run with photos.

use hoctap_domain::protocol::{ManifestEntry, SyncResponse};
use hoctap_store::apply::Applied;
use hoctap_store::outbox::{Batch, BlobToSend, EntryOutcome};
use hoctap_store::{Result, Store};
use hoctap_sync::run::backoff;
use hoctap_sync::{
    BlobSource, CancelHandle, Outbox, Outcome, RetryPolicy, RunResult, StoreOutbox, SyncError,
    SyncMachine, SyncOptions, Transport,
};
use std::collections::HashSet;
use std::sync::Arc;

/// The store's outbox with no photo to upload.
struct RecordsOnly<'a>(StoreOutbox<'a>);

impl Outbox for RecordsOnly<'_> {
    fn cursor(&mut self) -> Result<i64> {
        self.0.cursor()
    }
    fn apply_page(&mut self, page: &SyncResponse) -> Result<Applied> {
        self.0.apply_page(page)
    }
    fn record_skew(&mut self, skew_ms: i64) -> Result<()> {
        self.0.record_skew(skew_ms)
    }
    fn requeue_interrupted(&mut self) -> Result<()> {
        self.0.requeue_interrupted()
    }
    fn open_blob(&mut self) -> Result<Option<String>> {
        self.0.open_blob()
    }
    fn set_open_blob(&mut self, sha256: &str, open: bool) -> Result<()> {
        self.0.set_open_blob(sha256, open)
    }
    fn blobs_to_send(&mut self, _now: &str) -> Result<Vec<BlobToSend>> {
        Ok(Vec::new())
    }
    fn confirm_blob(&mut self, sha256: &str) -> Result<()> {
        self.0.confirm_blob(sha256)
    }
    fn wedge_for_blob(&mut self, sha256: &str, reason: &str) -> Result<u64> {
        self.0.wedge_for_blob(sha256, reason)
    }
    fn open_batch(&mut self) -> Result<Option<Batch>> {
        self.0.open_batch()
    }
    fn ready_entries(
        &mut self,
        now: &str,
        limit: usize,
        skip: &HashSet<String>,
    ) -> Result<Vec<ManifestEntry>> {
        self.0.ready_entries(now, limit, skip)
    }
    fn create_batch(&mut self, batch: &Batch) -> Result<()> {
        self.0.create_batch(batch)
    }
    fn refuse_batch(
        &mut self,
        batch_id: &str,
        wedge: Option<(&str, &str)>,
        requeue: &[String],
    ) -> Result<()> {
        self.0.refuse_batch(batch_id, wedge, requeue)
    }
    fn batch_hashes(&mut self, batch_id: &str) -> Result<Vec<(String, String)>> {
        self.0.batch_hashes(batch_id)
    }
    fn record_answers(&mut self, batch_id: &str, outcomes: &[EntryOutcome]) -> Result<()> {
        self.0.record_answers(batch_id, outcomes)
    }
    fn pending(&mut self) -> Result<u64> {
        self.0.pending()
    }
    fn last_sync(&mut self) -> Result<Option<String>> {
        self.0.last_sync()
    }
    fn record_last_sync(&mut self, at: &str) -> Result<()> {
        self.0.record_last_sync(at)
    }
}

fn ended(m: Option<&SyncMachine>, outcome: Outcome, error: Option<SyncError>) -> RunResult {
    RunResult {
        outcome,
        message: error.as_ref().map(SyncError::message_vi),
        error,
        report: m.map(|m| m.report().clone()).unwrap_or_default(),
    }
}

/// One records-only run to its end (backoff between failed requests, as the full driver).
pub fn run(
    store: &Store,
    transport: &dyn Transport,
    blobs: Arc<dyn BlobSource>,
    options: SyncOptions,
    policy: &RetryPolicy,
    cancel: &CancelHandle,
) -> RunResult {
    let mut outbox = RecordsOnly(StoreOutbox(store));
    let token = match store.enrollment() {
        Ok(Some(e)) => e.token,
        Ok(None) => return ended(None, Outcome::Auth, Some(SyncError::NotEnrolled)),
        Err(e) => return ended(None, Outcome::Failed, Some(e.into())),
    };
    let mut machine = match SyncMachine::new(
        &mut outbox,
        token,
        options,
        Arc::clone(store.clock()),
        blobs,
    ) {
        Ok(m) => m,
        Err(e) => return ended(None, Outcome::Failed, Some(e)),
    };
    let mut failures = 0u32;
    loop {
        if cancel.is_cancelled() {
            return ended(
                Some(&machine),
                Outcome::Cancelled,
                Some(SyncError::Cancelled),
            );
        }
        let job = match machine.next_job(&mut outbox) {
            Ok(Some(job)) => job,
            Ok(None) => return ended(Some(&machine), Outcome::Done, None),
            Err(e) => return ended(Some(&machine), Outcome::Failed, Some(e)),
        };
        let outcome = match transport.send(&job.request) {
            Ok(resp) => machine.complete(&mut outbox, &job, resp),
            Err(e) => {
                machine.failed(&job);
                Err(SyncError::Transient(e.0))
            }
        };
        match outcome {
            Ok(()) => failures = 0,
            Err(e) if e.is_retryable() => {
                failures += 1;
                if failures > policy.max_retries {
                    return ended(Some(&machine), Outcome::Offline, Some(e));
                }
                std::thread::sleep(backoff(policy, failures, u64::from(failures)));
            }
            Err(
                e @ (SyncError::Auth(_) | SyncError::NotEnrolled | SyncError::EnrollRefused(_)),
            ) => return ended(Some(&machine), Outcome::Auth, Some(e)),
            Err(SyncError::Cancelled) => {
                return ended(
                    Some(&machine),
                    Outcome::Cancelled,
                    Some(SyncError::Cancelled),
                )
            }
            Err(e) => return ended(Some(&machine), Outcome::Failed, Some(e)),
        }
    }
}
