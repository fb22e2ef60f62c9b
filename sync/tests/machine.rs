//! The sans-IO sync machine driven by scripted server replies: an in-memory outbox, a fixed
//! clock and photo bytes in memory. No socket, no file, no sleep. Every reply class a server
//! (or a broken link) can give: created, duplicate, conflict, incomplete, rejected; 401, 403,
//! 409, 413, 429, 5xx; a cut connection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use hoctap_domain::engine::Status;
use hoctap_domain::protocol::{
    ApiError, BatchRequest, BatchResponse, BlobStatus, EntryResult, EntryStatus, ErrorCode,
    ManifestEntry, ServerScore, SyncResponse,
};
use hoctap_domain::state::SyncState;
use hoctap_domain::time::Clock;
use hoctap_store::apply::Applied;
use hoctap_store::outbox::{Batch, BlobToSend, EntryOutcome};
use hoctap_sync::{
    BlobSource, HttpResponse, Job, JobKind, Method, Outbox, Phase, SyncError, SyncMachine,
    SyncOptions,
};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

// ---- the fakes ----------------------------------------------------------------------------

struct FixedClock {
    ids: AtomicU64,
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }
    fn offset_minutes(&self) -> i32 {
        420
    }
    fn new_id(&self) -> String {
        format!(
            "0190d2a0-0000-7000-8000-{:012}",
            self.ids.fetch_add(1, Ordering::SeqCst)
        )
    }
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock {
        ids: AtomicU64::new(1),
    })
}

/// Photo bytes by hash; a missing photo is an I/O error.
struct Photos(HashMap<String, Vec<u8>>);

impl BlobSource for Photos {
    fn read_range(&self, sha: &str, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
        let b = self
            .0
            .get(sha)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no photo"))?;
        let start = usize::try_from(offset).unwrap();
        let end = start + usize::try_from(len).unwrap();
        Ok(b.get(start..end.min(b.len())).unwrap_or_default().to_vec())
    }
}

#[derive(Debug, Clone)]
struct Item {
    id: String,
    sha: String,
    photos: Vec<String>,
    state: SyncState,
    next_at: Option<String>,
    detail: Option<String>,
}

/// The device side of sync, in memory, with the semantics of `hoctap_store::outbox`.
#[derive(Default)]
struct FakeOutbox {
    cursor: i64,
    pages: u64,
    skew: Option<i64>,
    open_blob: Option<String>,
    items: Vec<Item>,
    photo_bytes: HashMap<String, u64>,
    confirmed: HashSet<String>,
    batches: Vec<(Batch, bool)>,
    last_sync: Option<String>,
}

impl FakeOutbox {
    fn item(&self, id: &str) -> &Item {
        self.items.iter().find(|i| i.id == id).unwrap()
    }
    fn item_mut(&mut self, id: &str) -> &mut Item {
        self.items.iter_mut().find(|i| i.id == id).unwrap()
    }
    fn queue(&mut self, id: &str, photos: &[(&str, u64)]) {
        for (sha, n) in photos {
            self.photo_bytes.insert(sha.to_string(), *n);
        }
        self.items.push(Item {
            id: id.into(),
            sha: format!("sha-of-{id}"),
            photos: photos.iter().map(|(s, _)| s.to_string()).collect(),
            state: SyncState::Queued,
            next_at: None,
            detail: None,
        });
    }
    fn due(i: &Item, now: &str) -> bool {
        i.state == SyncState::Queued && i.next_at.as_deref().is_none_or(|t| t <= now)
    }
}

type R<T> = hoctap_store::Result<T>;

impl Outbox for FakeOutbox {
    fn cursor(&mut self) -> R<i64> {
        Ok(self.cursor)
    }
    fn apply_page(&mut self, page: &SyncResponse) -> R<Applied> {
        self.cursor = page.cursor;
        self.pages += 1;
        let mut a = Applied::default();
        for r in &page.returned {
            if let Some(i) = self.items.iter_mut().find(|i| i.id == r.assessment_id) {
                i.state = SyncState::NeedsCorrection;
                i.detail = Some(r.comment.clone());
                a.returned += 1;
            }
        }
        Ok(a)
    }
    fn record_skew(&mut self, skew_ms: i64) -> R<()> {
        self.skew = Some(skew_ms);
        Ok(())
    }
    fn requeue_interrupted(&mut self) -> R<()> {
        let open: HashSet<String> = self
            .batches
            .iter()
            .filter(|(_, answered)| !answered)
            .flat_map(|(b, _)| b.assessments.clone())
            .collect();
        for i in &mut self.items {
            if matches!(i.state, SyncState::Local | SyncState::Sending) && !open.contains(&i.id) {
                i.state = SyncState::Queued;
            }
        }
        Ok(())
    }
    fn open_blob(&mut self) -> R<Option<String>> {
        Ok(self.open_blob.clone())
    }
    fn set_open_blob(&mut self, sha: &str, open: bool) -> R<()> {
        if open {
            self.open_blob = Some(sha.into());
        } else if self.open_blob.as_deref() == Some(sha) {
            self.open_blob = None;
        }
        Ok(())
    }
    fn blobs_to_send(&mut self, now: &str) -> R<Vec<BlobToSend>> {
        let mut shas: Vec<String> = self
            .items
            .iter()
            .filter(|i| Self::due(i, now))
            .flat_map(|i| i.photos.clone())
            .filter(|s| !self.confirmed.contains(s))
            .collect();
        shas.sort();
        shas.dedup();
        Ok(shas
            .into_iter()
            .map(|sha256| BlobToSend {
                bytes: self.photo_bytes[&sha256],
                sha256,
            })
            .collect())
    }
    fn confirm_blob(&mut self, sha: &str) -> R<()> {
        self.confirmed.insert(sha.into());
        self.set_open_blob(sha, false)
    }
    fn wedge_for_blob(&mut self, sha: &str, reason: &str) -> R<u64> {
        self.set_open_blob(sha, false)?;
        let mut n = 0;
        for i in &mut self.items {
            if i.state == SyncState::Queued && i.photos.iter().any(|p| p == sha) {
                i.state = SyncState::Wedged;
                i.detail = Some(reason.into());
                n += 1;
            }
        }
        Ok(n)
    }
    fn open_batch(&mut self) -> R<Option<Batch>> {
        Ok(self
            .batches
            .iter()
            .find(|(_, answered)| !answered)
            .map(|(b, _)| b.clone()))
    }
    fn ready_entries(
        &mut self,
        now: &str,
        limit: usize,
        skip: &HashSet<String>,
    ) -> R<Vec<ManifestEntry>> {
        Ok(self
            .items
            .iter()
            .filter(|i| Self::due(i, now) && !skip.contains(&i.id))
            .filter(|i| i.photos.iter().all(|p| self.confirmed.contains(p)))
            .take(limit)
            .map(|i| ManifestEntry {
                id: i.id.clone(),
                content_sha256: i.sha.clone(),
                content: format!("{{\"id\":\"{}\"}}", i.id),
                evidence: i.photos.clone(),
                ..ManifestEntry::default()
            })
            .collect())
    }
    fn create_batch(&mut self, batch: &Batch) -> R<()> {
        for id in &batch.assessments {
            self.item_mut(id).state = SyncState::Sending;
        }
        self.batches.push((batch.clone(), false));
        Ok(())
    }
    fn refuse_batch(
        &mut self,
        batch_id: &str,
        wedge: Option<(&str, &str)>,
        requeue: &[String],
    ) -> R<()> {
        if let Some((id, reason)) = wedge {
            let i = self.item_mut(id);
            i.state = SyncState::Wedged;
            i.detail = Some(reason.into());
        }
        for id in requeue {
            self.item_mut(id).state = SyncState::Queued;
        }
        self.batches.retain(|(b, _)| b.id != batch_id);
        Ok(())
    }
    fn batch_hashes(&mut self, batch_id: &str) -> R<Vec<(String, String)>> {
        let (b, _) = self.batches.iter().find(|(b, _)| b.id == batch_id).unwrap();
        Ok(b.assessments
            .iter()
            .map(|id| (id.clone(), self.item(id).sha.clone()))
            .collect())
    }
    fn record_answers(&mut self, batch_id: &str, outcomes: &[EntryOutcome]) -> R<()> {
        for o in outcomes {
            match o {
                EntryOutcome::Sent { id, .. } => {
                    let i = self.item_mut(id);
                    i.state = SyncState::Sent;
                    i.detail = None;
                }
                EntryOutcome::Requeue {
                    id,
                    next_at,
                    detail,
                    forget_blobs,
                } => {
                    for sha in forget_blobs {
                        self.confirmed.remove(sha);
                    }
                    let i = self.item_mut(id);
                    i.state = SyncState::Queued;
                    i.next_at = next_at.clone();
                    i.detail = Some(detail.clone());
                }
                EntryOutcome::Wedge { id, reason } => {
                    let i = self.item_mut(id);
                    i.state = SyncState::Wedged;
                    i.detail = Some(reason.clone());
                }
            }
        }
        let ids: Vec<String> = self
            .batches
            .iter()
            .find(|(b, _)| b.id == batch_id)
            .map(|(b, _)| b.assessments.clone())
            .unwrap_or_default();
        for id in ids {
            let i = self.item_mut(&id);
            if i.state == SyncState::Sending {
                i.state = SyncState::Queued;
            }
        }
        for (b, answered) in &mut self.batches {
            if b.id == batch_id {
                *answered = true;
            }
        }
        Ok(())
    }
    fn pending(&mut self) -> R<u64> {
        Ok(self.items.iter().filter(|i| i.state.is_pending()).count() as u64)
    }
    fn last_sync(&mut self) -> R<Option<String>> {
        Ok(self.last_sync.clone())
    }
    fn record_last_sync(&mut self, at: &str) -> R<()> {
        self.last_sync = Some(at.into());
        Ok(())
    }
}

// ---- scripted replies ---------------------------------------------------------------------

const SERVER_TIME: &str = "2026-11-20T03:00:02Z";

fn json_resp(status: u16, body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_vec(body).unwrap(),
    }
}

fn error(status: u16, code: ErrorCode) -> HttpResponse {
    json_resp(
        status,
        &ApiError {
            code,
            message: "Máy chủ từ chối".into(),
            detail: None,
        },
    )
}

fn page(more: bool, cursor: i64) -> HttpResponse {
    json_resp(
        200,
        &SyncResponse {
            cursor,
            more,
            server_time: SERVER_TIME.into(),
            hamlets: vec![],
            households: vec![],
            criteria: vec![],
            returned: vec![],
            clans: vec![],
            units: vec![],
            request_encodings: vec![],
            targets: None,
        },
    )
}

fn entry(id: &str, status: EntryStatus) -> EntryResult {
    EntryResult {
        id: id.into(),
        status,
        code: match status {
            EntryStatus::Conflict => Some(ErrorCode::Conflict),
            EntryStatus::Rejected => Some(ErrorCode::Forbidden),
            _ => None,
        },
        message: match status {
            EntryStatus::Conflict => Some("Mã phiếu đã có với nội dung khác".into()),
            EntryStatus::Rejected => Some("Hộ thuộc thôn ngoài phạm vi".into()),
            _ => None,
        },
        missing_blobs: vec![],
        server_score: matches!(status, EntryStatus::Created | EntryStatus::Duplicate).then_some(
            ServerScore {
                status: Status::Passed,
                total: 8000,
                mismatch: false,
            },
        ),
    }
}

fn batch_answer(job: &Job, results: Vec<EntryResult>) -> HttpResponse {
    let JobKind::Batch { batch_id, .. } = &job.kind else {
        panic!("not a batch: {:?}", job.kind)
    };
    json_resp(
        200,
        &BatchResponse {
            batch_id: batch_id.clone(),
            results,
            server_time: SERVER_TIME.into(),
        },
    )
}

fn heartbeat_ok() -> HttpResponse {
    json_resp(200, &serde_json::json!({"server_time": SERVER_TIME}))
}

fn blob_ok(sha: &str, received: u64, complete: bool) -> HttpResponse {
    json_resp(
        200,
        &BlobStatus {
            sha256: sha.into(),
            received,
            complete,
        },
    )
}

struct Run {
    m: SyncMachine,
    o: FakeOutbox,
}

impl Run {
    fn new(o: FakeOutbox, photos: &[(&str, Vec<u8>)]) -> Run {
        Self::with_options(o, photos, SyncOptions::default())
    }

    fn with_options(mut o: FakeOutbox, photos: &[(&str, Vec<u8>)], options: SyncOptions) -> Run {
        let photos = Photos(
            photos
                .iter()
                .map(|(s, b)| (s.to_string(), b.clone()))
                .collect(),
        );
        let m =
            SyncMachine::new(&mut o, "token".into(), options, clock(), Arc::new(photos)).unwrap();
        Run { m, o }
    }

    fn next(&mut self) -> Option<Job> {
        self.m.next_job(&mut self.o).unwrap()
    }

    fn expect(&mut self, what: &str) -> Job {
        let job = self
            .next()
            .unwrap_or_else(|| panic!("expected {what}, run ended"));
        let kind = match &job.kind {
            JobKind::Pull { .. } => "pull",
            JobKind::BlobProbe { .. } => "probe",
            JobKind::BlobChunk { .. } => "chunk",
            JobKind::Batch { .. } => "batch",
            JobKind::Heartbeat => "heartbeat",
        };
        assert_eq!(kind, what, "{:?}", job.kind);
        job
    }

    fn reply(&mut self, job: &Job, resp: HttpResponse) -> Result<(), SyncError> {
        self.m.complete(&mut self.o, job, resp)
    }

    fn pull(&mut self) {
        let j = self.expect("pull");
        self.reply(&j, page(false, 7)).unwrap();
    }

    fn finish(&mut self) {
        let j = self.expect("heartbeat");
        self.reply(&j, heartbeat_ok()).unwrap();
        assert!(self.next().is_none());
        assert_eq!(self.m.phase(), Phase::Done);
    }
}

fn sent_ids(job: &Job) -> Vec<String> {
    let req: BatchRequest = serde_json::from_slice(&job.request.body).unwrap();
    req.assessments.into_iter().map(|e| e.id).collect()
}

// ---- tests ----------------------------------------------------------------------------------

#[test]
fn created_and_duplicate_are_sent_with_the_hash_the_server_acknowledged() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[]);
    o.queue("b", &[]);
    let mut r = Run::new(o, &[]);
    let pull = r.expect("pull");
    assert_eq!(pull.request.method, Method::Get);
    assert_eq!(pull.request.path, "/api/v1/sync?cursor=0");
    assert!(pull
        .request
        .headers
        .contains(&("authorization".into(), "Bearer token".into())));
    r.reply(&pull, page(false, 7)).unwrap();
    assert_eq!(r.o.cursor, 7);
    assert_eq!(r.o.skew, Some(2000), "clock skew measured from server_time");
    let b = r.expect("batch");
    assert_eq!(b.request.method, Method::Put);
    assert_eq!(sent_ids(&b), ["a", "b"]);
    assert_eq!(r.o.item("a").state, SyncState::Sending);
    r.reply(
        &b,
        batch_answer(
            &b,
            vec![
                entry("a", EntryStatus::Created),
                entry("b", EntryStatus::Duplicate),
            ],
        ),
    )
    .unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Sent);
    assert_eq!(r.o.item("b").state, SyncState::Sent);
    assert_eq!((r.m.report().sent, r.m.report().duplicates), (1, 1));
    r.finish();
    assert_eq!(r.o.last_sync.as_deref(), Some("2026-11-20T03:00:00.000Z"));
}

#[test]
fn conflict_and_rejected_set_one_record_aside_and_the_run_goes_on() {
    let mut o = FakeOutbox::default();
    for id in ["a", "b", "c"] {
        o.queue(id, &[]);
    }
    let mut r = Run::new(o, &[]);
    r.pull();
    let b = r.expect("batch");
    r.reply(
        &b,
        batch_answer(
            &b,
            vec![
                entry("a", EntryStatus::Conflict),
                entry("b", EntryStatus::Rejected),
                entry("c", EntryStatus::Created),
            ],
        ),
    )
    .unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Wedged);
    assert!(r
        .o
        .item("a")
        .detail
        .as_deref()
        .unwrap()
        .contains("nội dung khác"));
    assert_eq!(r.o.item("b").state, SyncState::Wedged);
    assert!(r
        .o
        .item("b")
        .detail
        .as_deref()
        .unwrap()
        .contains("ngoài phạm vi"));
    assert_eq!(r.o.item("c").state, SyncState::Sent);
    assert_eq!(r.m.report().wedged, 2);
    r.finish();
}

#[test]
fn an_entry_the_server_does_not_answer_goes_back_to_the_queue() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[]);
    o.queue("b", &[]);
    let mut r = Run::new(o, &[]);
    r.pull();
    let b = r.expect("batch");
    r.reply(
        &b,
        batch_answer(
            &b,
            vec![
                entry("a", EntryStatus::Created),
                entry("zzz", EntryStatus::Created),
            ],
        ),
    )
    .unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Sent);
    assert_eq!(
        r.o.item("b").state,
        SyncState::Queued,
        "unanswered: queued again"
    );
    assert_eq!(
        r.m.report().sent,
        1,
        "an answer for an id not sent is ignored"
    );
    r.finish();
}

#[test]
fn incomplete_uploads_the_missing_photo_then_resends_once() {
    let photo = vec![7u8; 1000];
    let mut o = FakeOutbox::default();
    o.queue("a", &[("p1", 1000)]);
    let mut r = Run::new(o, &[("p1", photo.clone())]);
    r.pull();
    // A fresh photo goes at once from offset 0 (no probe).
    let c = r.expect("chunk");
    assert_eq!(c.request.body, photo);
    assert!(c
        .request
        .headers
        .contains(&("content-range".into(), "bytes 0-999/1000".into())));
    assert_eq!(r.o.open_blob.as_deref(), Some("p1"));
    r.reply(&c, blob_ok("p1", 1000, true)).unwrap();
    assert!(r.o.confirmed.contains("p1"));
    assert_eq!(r.o.open_blob, None);
    let b = r.expect("batch");
    // The server lost the photo: incomplete.
    let mut e = entry("a", EntryStatus::Incomplete);
    e.missing_blobs = vec!["p1".into()];
    r.reply(&b, batch_answer(&b, vec![e.clone()])).unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Queued);
    assert!(!r.o.confirmed.contains("p1"));
    let c = r.expect("chunk");
    r.reply(&c, blob_ok("p1", 1000, true)).unwrap();
    let b2 = r.expect("batch");
    assert_eq!(sent_ids(&b2), ["a"]);
    // Incomplete again: no loop in this run; backed off until later.
    r.reply(&b2, batch_answer(&b2, vec![e])).unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Queued);
    assert!(r.o.item("a").next_at.is_some());
    let j = r.expect("heartbeat");
    r.reply(&j, heartbeat_ok()).unwrap();
    assert!(r.next().is_none());
    assert_eq!(r.m.report().incomplete, 2);
}

#[test]
fn unauthorised_ends_the_run() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[]);
    let mut r = Run::new(o, &[]);
    let j = r.expect("pull");
    let err = r
        .reply(&j, error(401, ErrorCode::Unauthorized))
        .unwrap_err();
    assert!(matches!(err, SyncError::Auth(_)), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(r.o.item("a").state, SyncState::Queued, "nothing changed");
}

#[test]
fn a_forbidden_manifest_is_split_and_only_the_record_at_fault_is_set_aside() {
    let mut o = FakeOutbox::default();
    for id in ["a", "b", "c"] {
        o.queue(id, &[]);
    }
    let mut r = Run::new(o, &[]);
    r.pull();
    let b = r.expect("batch");
    assert_eq!(sent_ids(&b), ["a", "b", "c"]);
    r.reply(&b, error(403, ErrorCode::Forbidden)).unwrap();
    assert!(r.o.batches.is_empty(), "the refused manifest is forgotten");
    // One by one: a is fine, b is out of scope, c is fine.
    for (id, resp) in [("a", None), ("b", Some(403)), ("c", None)] {
        let j = r.expect("batch");
        assert_eq!(sent_ids(&j), [id]);
        let answer = match resp {
            Some(s) => error(s, ErrorCode::Forbidden),
            None => batch_answer(&j, vec![entry(id, EntryStatus::Created)]),
        };
        r.reply(&j, answer).unwrap();
    }
    assert_eq!(r.o.item("a").state, SyncState::Sent);
    assert_eq!(r.o.item("b").state, SyncState::Wedged);
    assert!(r.o.item("b").detail.as_deref().unwrap().contains("từ chối"));
    assert_eq!(r.o.item("c").state, SyncState::Sent);
    r.finish();
}

#[test]
fn too_large_manifest_is_split_and_a_too_large_photo_sets_its_records_aside() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[]);
    o.queue("b", &[]);
    o.queue("c", &[("big", 10)]);
    let mut r = Run::new(o, &[("big", vec![1; 10])]);
    r.pull();
    let c = r.expect("chunk");
    r.reply(&c, error(413, ErrorCode::TooLarge)).unwrap();
    assert_eq!(r.o.item("c").state, SyncState::Wedged);
    let b = r.expect("batch");
    assert_eq!(sent_ids(&b), ["a", "b"]);
    r.reply(&b, error(413, ErrorCode::TooLarge)).unwrap();
    let j = r.expect("batch");
    r.reply(&j, error(413, ErrorCode::TooLarge)).unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Wedged);
    let j = r.expect("batch");
    assert_eq!(sent_ids(&j), ["b"]);
    r.reply(&j, batch_answer(&j, vec![entry("b", EntryStatus::Created)]))
        .unwrap();
    r.finish();
    assert_eq!(r.m.report().wedged, 2);
}

#[test]
fn offset_mismatch_resumes_where_the_server_says() {
    let photo: Vec<u8> = (0..=255).cycle().take(600).collect();
    let mut o = FakeOutbox::default();
    o.queue("a", &[("p", 600)]);
    let options = SyncOptions {
        chunk_size: 256,
        ..SyncOptions::default()
    };
    let mut r = Run::with_options(o, &[("p", photo.clone())], options);
    r.pull();
    let c = r.expect("chunk");
    assert_eq!(c.request.body.len(), 256);
    // Another device sent the same photo: the server already holds 512 bytes.
    let mut resp = error(409, ErrorCode::OffsetMismatch);
    resp.headers.push(("upload-offset".into(), "512".into()));
    r.reply(&c, resp).unwrap();
    let c = r.expect("chunk");
    assert!(c
        .request
        .headers
        .contains(&("content-range".into(), "bytes 512-599/600".into())));
    assert_eq!(c.request.body, photo[512..]);
    r.reply(&c, blob_ok("p", 600, true)).unwrap();
    let b = r.expect("batch");
    r.reply(&b, batch_answer(&b, vec![entry("a", EntryStatus::Created)]))
        .unwrap();
    r.finish();
}

#[test]
fn rate_limited_and_server_errors_retry_the_same_request() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[]);
    let mut r = Run::new(o, &[]);
    r.pull();
    let b = r.expect("batch");
    let mut slow = error(429, ErrorCode::RateLimited);
    slow.headers.push(("retry-after".into(), "7".into()));
    let err = r.reply(&b, slow).unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::RateLimited {
                retry_after_secs: Some(7)
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    let again = r.expect("batch");
    assert_eq!(again.request, b.request, "the same manifest, byte for byte");
    let err = r
        .reply(&again, error(503, ErrorCode::Unavailable))
        .unwrap_err();
    assert!(matches!(err, SyncError::Transient(_)), "{err:?}");
    let third = r.expect("batch");
    assert_eq!(third.request, b.request);
    r.reply(
        &third,
        batch_answer(&third, vec![entry("a", EntryStatus::Created)]),
    )
    .unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Sent);
    // A pull that fails with 500 is asked again.
    let mut o = FakeOutbox::default();
    o.queue("x", &[]);
    let mut r = Run::new(o, &[]);
    let p = r.expect("pull");
    assert!(r
        .reply(&p, error(500, ErrorCode::Internal))
        .unwrap_err()
        .is_retryable());
    let p2 = r.expect("pull");
    assert_eq!(p2.request, p.request);
}

#[test]
fn a_cut_connection_probes_the_photo_and_replays_the_manifest() {
    let photo: Vec<u8> = (0..=255).cycle().take(700).collect();
    let mut o = FakeOutbox::default();
    o.queue("a", &[("p", 700)]);
    let options = SyncOptions {
        chunk_size: 300,
        ..SyncOptions::default()
    };
    let mut r = Run::with_options(o, &[("p", photo.clone())], options);
    r.pull();
    let c = r.expect("chunk");
    r.reply(&c, blob_ok("p", 300, false)).unwrap();
    let c = r.expect("chunk");
    // Cut mid-chunk: no response.
    r.m.failed(&c);
    let probe = r.expect("probe");
    assert_eq!(probe.request.method, Method::Head);
    r.reply(
        &probe,
        HttpResponse {
            status: 200,
            headers: vec![
                ("upload-offset".into(), "450".into()),
                ("blob-status".into(), "partial".into()),
            ],
            body: vec![],
        },
    )
    .unwrap();
    let c = r.expect("chunk");
    assert!(c
        .request
        .headers
        .contains(&("content-range".into(), "bytes 450-699/700".into())));
    r.reply(&c, blob_ok("p", 700, true)).unwrap();
    let b = r.expect("batch");
    r.m.failed(&b);
    let replay = r.expect("batch");
    assert_eq!(replay.request, b.request, "same id, same body");
    assert_eq!(r.o.batches.len(), 1, "no second manifest");
    r.reply(
        &replay,
        batch_answer(&replay, vec![entry("a", EntryStatus::Created)]),
    )
    .unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Sent);
    r.finish();
}

#[test]
fn an_interrupted_run_replays_its_unanswered_manifest_verbatim() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[]);
    let mut r = Run::new(o, &[]);
    r.pull();
    let b = r.expect("batch");
    // The app is killed before the answer: the next run starts from what the outbox holds.
    let Run { o, .. } = r;
    assert_eq!(o.item("a").state, SyncState::Sending);
    let mut r = Run::new(o, &[]);
    assert_eq!(
        r.o.item("a").state,
        SyncState::Sending,
        "still in its manifest"
    );
    r.pull();
    let replay = r.expect("batch");
    assert_eq!(replay.request, b.request);
    r.reply(
        &replay,
        batch_answer(&replay, vec![entry("a", EntryStatus::Duplicate)]),
    )
    .unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Sent);
    r.finish();
}

#[test]
fn a_photo_missing_on_the_device_sets_its_records_aside_and_others_go() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[("gone", 100)]);
    o.queue("b", &[]);
    let mut r = Run::new(o, &[]);
    r.pull();
    let b = r.expect("batch");
    assert_eq!(sent_ids(&b), ["b"]);
    assert_eq!(r.o.item("a").state, SyncState::Wedged);
    assert!(r
        .o
        .item("a")
        .detail
        .as_deref()
        .unwrap()
        .contains("chụp lại"));
    r.reply(&b, batch_answer(&b, vec![entry("b", EntryStatus::Created)]))
        .unwrap();
    r.finish();
}

#[test]
fn a_hash_mismatch_resends_the_photo_once_then_sets_it_aside() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[("p", 10)]);
    let mut r = Run::new(o, &[("p", vec![3; 10])]);
    r.pull();
    let c = r.expect("chunk");
    r.reply(&c, error(422, ErrorCode::HashMismatch)).unwrap();
    let c2 = r.expect("chunk");
    assert_eq!(c2.request, c.request, "from the start again");
    r.reply(&c2, error(422, ErrorCode::HashMismatch)).unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Wedged);
    r.finish();
}

#[test]
fn returned_assessments_arrive_with_the_pull() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[]);
    o.item_mut("a").state = SyncState::Sent;
    let mut r = Run::new(o, &[]);
    let j = r.expect("pull");
    let mut p: SyncResponse = serde_json::from_slice(&page(false, 9).body).unwrap();
    p.returned.push(hoctap_domain::protocol::ReturnedRecord {
        assessment_id: "a".into(),
        comment: "Thiếu ảnh minh chứng".into(),
        reviewer: None,
        returned_at: SERVER_TIME.into(),
        id: None,
    });
    r.reply(&j, json_resp(200, &p)).unwrap();
    assert_eq!(r.o.item("a").state, SyncState::NeedsCorrection);
    assert_eq!(r.m.report().returned, 1);
    r.finish();
}

#[test]
fn a_multi_page_pull_follows_the_cursor() {
    let mut r = Run::new(FakeOutbox::default(), &[]);
    let j = r.expect("pull");
    r.reply(&j, page(true, 100)).unwrap();
    let j = r.expect("pull");
    assert_eq!(j.request.path, "/api/v1/sync?cursor=100");
    r.reply(&j, page(false, 150)).unwrap();
    assert_eq!((r.o.cursor, r.o.pages), (150, 2));
    r.finish();
}

#[test]
fn an_unreadable_answer_is_a_protocol_error() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[]);
    let mut r = Run::new(o, &[]);
    let j = r.expect("pull");
    let err = r
        .reply(
            &j,
            HttpResponse {
                status: 200,
                headers: vec![],
                body: b"<html>captive portal</html>".to_vec(),
            },
        )
        .unwrap_err();
    assert!(matches!(err, SyncError::Protocol(_)), "{err:?}");
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gzipped(resp: HttpResponse) -> HttpResponse {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(&resp.body).unwrap();
    let mut headers = resp.headers;
    headers.push(("content-encoding".into(), "gzip".into()));
    HttpResponse {
        status: resp.status,
        headers,
        body: enc.finish().unwrap(),
    }
}

#[test]
fn manifests_go_gzipped_once_the_server_says_it_takes_them_and_replay_identically() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[]);
    let mut r = Run::new(o, &[]);
    let j = r.expect("pull");
    let mut p: SyncResponse = serde_json::from_slice(&page(false, 3).body).unwrap();
    p.request_encodings = vec!["gzip".into()];
    // The answer itself arrives compressed and is inflated by the machine.
    r.reply(&j, gzipped(json_resp(200, &p))).unwrap();
    assert_eq!(r.o.cursor, 3);
    let b = r.expect("batch");
    assert!(b
        .request
        .headers
        .contains(&("content-encoding".into(), "gzip".into())));
    let stored = &r.o.batches[0].0.body;
    assert_eq!(
        gunzip(&b.request.body),
        stored.as_bytes(),
        "the stored manifest, compressed"
    );
    assert!(b.request.body.len() < stored.len());
    r.m.failed(&b);
    let replay = r.expect("batch");
    assert_eq!(
        replay.request, b.request,
        "compressed the same way on replay"
    );
    r.reply(
        &replay,
        gzipped(batch_answer(
            &replay,
            vec![entry("a", EntryStatus::Created)],
        )),
    )
    .unwrap();
    assert_eq!(r.o.item("a").state, SyncState::Sent);
    r.finish();
}

#[test]
fn a_server_that_did_not_say_so_gets_plain_manifests() {
    let mut o = FakeOutbox::default();
    o.queue("a", &[]);
    let mut r = Run::new(o, &[]);
    r.pull();
    let b = r.expect("batch");
    assert!(!b
        .request
        .headers
        .iter()
        .any(|(k, _)| k == "content-encoding"));
    assert_eq!(b.request.body, r.o.batches[0].0.body.as_bytes());
}

#[test]
fn page_size_and_accept_encoding_options_shape_the_pull() {
    let options = SyncOptions {
        page_size: Some(200),
        accept_gzip: true,
        ..SyncOptions::default()
    };
    let mut r = Run::with_options(FakeOutbox::default(), &[], options);
    let j = r.expect("pull");
    assert_eq!(j.request.path, "/api/v1/sync?cursor=0&limit=200");
    assert!(j
        .request
        .headers
        .contains(&("accept-encoding".into(), "gzip".into())));
    // A damaged compressed answer is a protocol error, not a crash.
    let mut bad = page(false, 1);
    bad.headers.push(("content-encoding".into(), "gzip".into()));
    assert!(matches!(r.reply(&j, bad), Err(SyncError::Protocol(_))));
}
