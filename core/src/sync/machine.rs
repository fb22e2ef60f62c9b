//! The sans-IO sync engine. It never touches the network: [`SyncMachine::next_job`] looks at the
//! store and says which HTTP request to make next; [`SyncMachine::complete`] takes the response
//! and records what it means; [`SyncMachine::failed`] is told when a request got no response.
//! Any transport can drive it — reqwest here, a platform HTTP stack or an iOS background
//! `URLSession` on a phone — and tests drive it without sockets.
//!
//! Order of a run: pull (`GET /sync` until `more` is false) → photos (`PUT` chunks; a photo
//! counts once the server verified its hash) → manifests
//! (`PUT /batches/{id}` of finalized assessments whose photos are all confirmed, the body stored
//! and replayed verbatim until answered) → heartbeat. Nothing is marked sent until the server
//! acknowledged that exact content hash.
//!
//! Photo uploads probe (`HEAD`) only when the server may hold part of the photo: after a chunk
//! got no answer in this run, or for the one photo whose upload an earlier run began and did not
//! finish (remembered in the `setting` table, since photos go one at a time). A fresh photo is
//! `PUT` from offset 0 at once, saving a round trip per photo on slow links. Should the server
//! hold it anyway (another device sent the same photo), it answers `409 offset_mismatch` with
//! its offset, or `200 complete`, and the upload goes on from there: correct in every case, at
//! the cost of at most one chunk.

use super::apply::{apply_page, Applied};
use super::error::SyncError;
use super::protocol::{
    ApiError, BatchRequest, BatchResponse, BlobStatus, EntryStatus, ErrorCode, Heartbeat,
    HeartbeatResponse, HouseholdRecord, ManifestEntry, MemberRecord, SyncResponse,
    BLOB_STATUS_HEADER, UPLOAD_OFFSET_HEADER,
};
use super::state;
use crate::store::{Store, StoreError};
use crate::{clock, text};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Setting that names the photo whose upload has begun and is not confirmed yet.
const KEY_BLOB_OPEN: &str = "sync.blob_open";

/// HTTP methods the protocol uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    Get,
    Head,
    Put,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Put => "PUT",
            Method::Post => "POST",
        }
    }
}

/// A request to make, relative to the server's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    /// Path and query, starting with `/api/v1`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A response as received.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A header's value by (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a job is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobKind {
    Pull {
        cursor: i64,
    },
    BlobProbe {
        sha256: String,
    },
    BlobChunk {
        sha256: String,
        offset: u64,
        len: u64,
        total: u64,
    },
    Batch {
        batch_id: String,
        assessments: Vec<String>,
    },
    Heartbeat,
}

/// One request of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub kind: JobKind,
    pub request: HttpRequest,
}

/// Tuning of a run.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Bytes per photo chunk: after a cut, at most this much is sent again.
    pub chunk_size: u64,
    /// Assessments per manifest.
    pub batch_size: usize,
    pub app_version: String,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            chunk_size: 256 * 1024,
            batch_size: 50,
            app_version: crate::ENGINE_VERSION.to_string(),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pulled: Applied,
    pub photos_uploaded: u64,
    pub photo_bytes_sent: u64,
    pub sent: u64,
    pub duplicates: u64,
    pub incomplete: u64,
    pub wedged: u64,
    pub returned: u64,
    pub clock_skew_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Pull,
    Blobs,
    Batches,
    Heartbeat,
    Done,
}

#[derive(Debug)]
struct BlobTask {
    sha256: String,
    /// `None` until probed.
    offset: Option<u64>,
    total: u64,
    path: PathBuf,
}

/// The sync engine for one run.
pub struct SyncMachine {
    options: SyncOptions,
    token: String,
    evidence_dir: Option<PathBuf>,
    phase: Phase,
    blobs: VecDeque<BlobTask>,
    /// Assessments already put in a manifest during this run (never twice per run).
    tried: HashSet<String>,
    /// Batch size after a whole-manifest refusal: 1, to isolate the bad record.
    split: bool,
    /// Assessments sent again in this run after an `incomplete` answer (once each).
    retried: HashSet<String>,
    /// The photo named by [`KEY_BLOB_OPEN`], as last read or written.
    open_blob: Option<String>,
    report: SyncReport,
}

fn api_error(resp: &HttpResponse) -> Option<ApiError> {
    serde_json::from_slice(&resp.body).ok()
}

/// Classify a non-success response of a request that is not about one record.
fn classify(resp: &HttpResponse) -> SyncError {
    let err = api_error(resp);
    let detail = err
        .as_ref()
        .map(|e| format!("{:?}: {}", e.code, e.message))
        .unwrap_or_else(|| format!("HTTP {}", resp.status));
    match resp.status {
        401 | 403 => SyncError::Auth(detail),
        429 => SyncError::RateLimited {
            retry_after_secs: resp
                .header("retry-after")
                .and_then(|v| v.trim().parse().ok()),
        },
        408 | 500..=599 => SyncError::Transient(detail),
        _ => SyncError::Protocol(detail),
    }
}

fn parse<T: serde::de::DeserializeOwned>(resp: &HttpResponse) -> Result<T, SyncError> {
    serde_json::from_slice(&resp.body)
        .map_err(|e| SyncError::Protocol(format!("unreadable response: {e}")))
}

fn now_plus_secs(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn skew_ms(server_time: &str) -> Option<i64> {
    let server = chrono::DateTime::parse_from_rfc3339(server_time).ok()?;
    Some((server.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds())
}

/// Where the photo with this hash is stored on the device.
fn photo_file(dir: &Path, sha256: &str) -> PathBuf {
    crate::evidence::store::photo_path(dir, sha256)
}

impl SyncMachine {
    /// Start a run. Fails with [`SyncError::NotEnrolled`] before enrollment. Assessments left
    /// `sending` by an interrupted run go back to the queue (their batch is replayed).
    pub fn new(store: &Store, options: SyncOptions) -> Result<SyncMachine, SyncError> {
        let enrollment = state::enrollment(store)?.ok_or(SyncError::NotEnrolled)?;
        store.conn().execute(
            "UPDATE assessment SET sync_state = 'queued'
             WHERE state = 'finalized' AND sync_state IN ('local', 'sending')
               AND id NOT IN (SELECT i.assessment_id FROM outbox_batch_item i
                              JOIN outbox_batch b ON b.id = i.batch_id WHERE b.answered_at IS NULL)",
            [],
        )?;
        Ok(SyncMachine {
            options,
            token: enrollment.token,
            evidence_dir: store.evidence_dir(),
            phase: Phase::Pull,
            blobs: VecDeque::new(),
            tried: HashSet::new(),
            split: false,
            retried: HashSet::new(),
            open_blob: store.setting(KEY_BLOB_OPEN)?,
            report: SyncReport::default(),
        })
    }

    /// What the run has done so far.
    pub fn report(&self) -> &SyncReport {
        &self.report
    }

    /// Human-readable phase, for progress displays.
    pub fn phase(&self) -> &'static str {
        match self.phase {
            Phase::Pull => "pull",
            Phase::Blobs => "photos",
            Phase::Batches => "assessments",
            Phase::Heartbeat => "heartbeat",
            Phase::Done => "done",
        }
    }

    fn request(
        &self,
        method: Method,
        path: String,
        body: Vec<u8>,
        extra: &[(&str, String)],
    ) -> HttpRequest {
        let mut headers = vec![(
            "authorization".to_string(),
            format!("Bearer {}", self.token),
        )];
        if method == Method::Post || path.starts_with("/batches/") {
            headers.push(("content-type".into(), "application/json".into()));
        }
        for (k, v) in extra {
            headers.push((k.to_string(), v.clone()));
        }
        HttpRequest {
            method,
            path: format!("{}{}", super::protocol::API_PREFIX, path),
            headers,
            body,
        }
    }

    /// The next request to make, or `None` when the run is complete.
    pub fn next_job(&mut self, store: &Store) -> Result<Option<Job>, SyncError> {
        loop {
            match self.phase {
                Phase::Pull => {
                    let cursor = state::cursor(store)?;
                    let request = self.request(
                        Method::Get,
                        format!("/sync?cursor={cursor}"),
                        Vec::new(),
                        &[],
                    );
                    return Ok(Some(Job {
                        kind: JobKind::Pull { cursor },
                        request,
                    }));
                }
                Phase::Blobs => {
                    if self.blobs.is_empty() {
                        self.plan_blobs(store)?;
                        if self.blobs.is_empty() {
                            self.phase = Phase::Batches;
                            continue;
                        }
                    }
                    let Some(task) = self.blobs.front() else {
                        continue;
                    };
                    let sha = task.sha256.clone();
                    match task.offset {
                        None => {
                            let request = self.request(
                                Method::Head,
                                format!("/blobs/{sha}"),
                                Vec::new(),
                                &[],
                            );
                            return Ok(Some(Job {
                                kind: JobKind::BlobProbe { sha256: sha },
                                request,
                            }));
                        }
                        Some(offset) => {
                            if self.open_blob.as_deref() != Some(sha.as_str()) {
                                store.set_setting(KEY_BLOB_OPEN, &sha)?;
                                self.open_blob = Some(sha.clone());
                            }
                            let Some(task) = self.blobs.front() else {
                                continue;
                            };
                            let total = task.total;
                            let len = self.options.chunk_size.min(total.saturating_sub(offset));
                            let body = match read_range(&task.path, offset, len) {
                                Ok(b) => b,
                                Err(e) => {
                                    self.wedge_for_blob(store, &sha, &format!(
                                        "Không đọc được ảnh minh chứng {sha}: {e} / cannot read photo"
                                    ))?;
                                    self.blobs.pop_front();
                                    continue;
                                }
                            };
                            // The server may hold every byte without having verified them (it
                            // stopped between the last write and the check): ask it to finish
                            // with an empty `bytes */TOTAL` instead of an impossible range.
                            let range = if len == 0 {
                                format!("bytes */{total}")
                            } else {
                                format!("bytes {offset}-{}/{total}", offset + len - 1)
                            };
                            let request = self.request(
                                Method::Put,
                                format!("/blobs/{sha}"),
                                body,
                                &[
                                    ("content-type", "application/octet-stream".into()),
                                    ("content-range", range),
                                ],
                            );
                            return Ok(Some(Job {
                                kind: JobKind::BlobChunk {
                                    sha256: sha,
                                    offset,
                                    len,
                                    total,
                                },
                                request,
                            }));
                        }
                    }
                }
                Phase::Batches => match self.plan_batch(store)? {
                    Some((batch_id, body, ids)) => {
                        let request = self.request(
                            Method::Put,
                            format!("/batches/{batch_id}"),
                            body.into_bytes(),
                            &[],
                        );
                        return Ok(Some(Job {
                            kind: JobKind::Batch {
                                batch_id,
                                assessments: ids,
                            },
                            request,
                        }));
                    }
                    None => {
                        self.phase = Phase::Heartbeat;
                        continue;
                    }
                },
                Phase::Heartbeat => {
                    let counts = state::counts(store)?;
                    let beat = Heartbeat {
                        queue_length: counts.pending(),
                        free_bytes: None,
                        app_version: self.options.app_version.clone(),
                        last_sync: state::last_sync(store)?,
                        device_time: clock::now().utc,
                    };
                    let body = serde_json::to_vec(&beat)
                        .map_err(|e| SyncError::Protocol(e.to_string()))?;
                    let request = self.request(Method::Post, "/heartbeat".into(), body, &[]);
                    return Ok(Some(Job {
                        kind: JobKind::Heartbeat,
                        request,
                    }));
                }
                Phase::Done => return Ok(None),
            }
        }
    }

    /// Photos still to upload: referenced by queued assessments and not confirmed yet.
    fn plan_blobs(&mut self, store: &Store) -> Result<(), SyncError> {
        let now = clock::now().utc;
        let mut stmt = store.conn().prepare_cached(
            "SELECT DISTINCT e.photo_sha256, p.bytes FROM evidence e
             JOIN assessment a ON a.id = e.assessment_id
             JOIN photo p ON p.sha256 = e.photo_sha256
             WHERE a.state = 'finalized' AND a.sync_state = 'queued'
               AND (a.sync_next_at IS NULL OR a.sync_next_at <= ?1)
               AND e.photo_sha256 NOT IN (SELECT sha256 FROM blob_upload)
             ORDER BY e.photo_sha256",
        )?;
        let rows: Vec<(String, i64)> = stmt
            .query_map([&now], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (sha, bytes) in rows {
            if self.tried_blob(&sha) {
                continue;
            }
            let Some(dir) = &self.evidence_dir else {
                return Err(SyncError::Protocol(
                    "in-memory store has no photo files".into(),
                ));
            };
            // Probe only the photo an earlier run left half sent (see the module docs).
            let offset = (self.open_blob.as_deref() != Some(sha.as_str())).then_some(0);
            self.blobs.push_back(BlobTask {
                path: photo_file(dir, &sha),
                sha256: sha,
                offset,
                total: u64::try_from(bytes).unwrap_or(0),
            });
        }
        // Mark them planned for this run so a photo the server keeps refusing is not retried in
        // a loop.
        for t in &self.blobs {
            self.tried.insert(format!("blob:{}", t.sha256));
        }
        Ok(())
    }

    fn tried_blob(&self, sha: &str) -> bool {
        self.tried.contains(&format!("blob:{sha}"))
    }

    /// The server verified a photo: record it and close its upload.
    fn confirm_blob(&mut self, store: &Store, sha: &str) -> Result<(), SyncError> {
        confirm_blob(store, sha)?;
        self.close_blob(store, sha)
    }

    /// Forget that the upload of `sha` is open.
    fn close_blob(&mut self, store: &Store, sha: &str) -> Result<(), SyncError> {
        if self.open_blob.as_deref() == Some(sha) {
            store.conn().execute(
                "DELETE FROM setting WHERE key = ?1 AND value = ?2",
                params![KEY_BLOB_OPEN, sha],
            )?;
            self.open_blob = None;
        }
        Ok(())
    }

    /// Wedge every queued assessment that references a photo.
    fn wedge_for_blob(&mut self, store: &Store, sha: &str, reason: &str) -> Result<(), SyncError> {
        self.close_blob(store, sha)?;
        let n = store.conn().execute(
            "UPDATE assessment SET sync_state = 'wedged', sync_detail = ?2
             WHERE state = 'finalized' AND sync_state = 'queued'
               AND id IN (SELECT assessment_id FROM evidence WHERE photo_sha256 = ?1)",
            params![sha, reason],
        )?;
        self.report.wedged += u64::try_from(n).unwrap_or(0);
        Ok(())
    }

    /// The open (unanswered) batch, or a new one of queued assessments whose photos are all
    /// confirmed. Returns (batch id, exact body, assessment ids).
    fn plan_batch(
        &mut self,
        store: &Store,
    ) -> Result<Option<(String, String, Vec<String>)>, SyncError> {
        let open: Option<(String, String)> = store
            .conn()
            .prepare_cached(
                "SELECT id, body FROM outbox_batch WHERE answered_at IS NULL ORDER BY created_at LIMIT 1",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((id, body)) = open {
            let ids: Vec<String> = store
                .conn()
                .prepare_cached("SELECT assessment_id FROM outbox_batch_item WHERE batch_id = ?1")?
                .query_map([&id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if ids.iter().all(|i| self.tried.contains(i)) && !ids.is_empty() {
                // Already sent in this run without an answer: leave it for the next run.
                return Ok(None);
            }
            self.tried.extend(ids.iter().cloned());
            return Ok(Some((id, body, ids)));
        }
        let now = clock::now().utc;
        let limit = if self.split {
            1
        } else {
            self.options.batch_size.max(1)
        };
        let mut stmt = store.conn().prepare_cached(
            "SELECT a.id, a.content, a.content_sha256, a.subject_kind, a.subject_id
             FROM assessment a
             WHERE a.state = 'finalized' AND a.sync_state = 'queued'
               AND (a.sync_next_at IS NULL OR a.sync_next_at <= ?1)
               AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.assessment_id = a.id
                               AND e.photo_sha256 NOT IN (SELECT sha256 FROM blob_upload))
             ORDER BY a.finalized_at, a.id",
        )?;
        let candidates: Vec<(String, String, String, String, String)> = stmt
            .query_map([&now], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut entries = Vec::new();
        for (id, content, sha, kind, subject) in candidates {
            if self.tried.contains(&id) {
                continue;
            }
            if entries.len() >= limit {
                break;
            }
            let evidence: Vec<String> = store
                .evidence_of(&id)?
                .into_values()
                .flatten()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let household = unknown_household(store, &kind, &subject)?;
            entries.push(ManifestEntry {
                id,
                content_sha256: sha,
                content,
                evidence,
                household,
            });
        }
        if entries.is_empty() {
            return Ok(None);
        }
        let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        let body = serde_json::to_string(&BatchRequest {
            assessments: entries,
        })
        .map_err(|e| SyncError::Protocol(e.to_string()))?;
        let batch_id = clock::new_id();
        let tx = Transaction::new_unchecked(store.conn(), TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO outbox_batch (id, body, created_at) VALUES (?1, ?2, ?3)",
            params![batch_id, body, now],
        )?;
        for id in &ids {
            tx.execute(
                "INSERT INTO outbox_batch_item (batch_id, assessment_id, content_sha256)
                 SELECT ?1, id, content_sha256 FROM assessment WHERE id = ?2",
                params![batch_id, id],
            )?;
            tx.execute(
                "UPDATE assessment SET sync_state = 'sending', sync_attempts = sync_attempts + 1
                 WHERE id = ?1",
                [id],
            )?;
        }
        tx.commit()?;
        self.tried.extend(ids.iter().cloned());
        Ok(Some((batch_id, body, ids)))
    }

    /// Record the response to `job`. Record-level refusals wedge that record and return `Ok`;
    /// anything that concerns the whole run is an error the driver acts on.
    pub fn complete(
        &mut self,
        store: &Store,
        job: &Job,
        resp: HttpResponse,
    ) -> Result<(), SyncError> {
        match &job.kind {
            JobKind::Pull { .. } => {
                if resp.status != 200 {
                    return Err(classify(&resp));
                }
                let page: SyncResponse = parse(&resp)?;
                if let Some(skew) = skew_ms(&page.server_time) {
                    state::record_skew(store, skew)?;
                    self.report.clock_skew_ms = Some(skew);
                }
                let applied = apply_page(store, &page)?;
                self.report.returned += applied.returned;
                let p = &mut self.report.pulled;
                p.hamlets += applied.hamlets;
                p.households += applied.households;
                p.members += applied.members;
                p.criteria += applied.criteria;
                p.returned += applied.returned;
                if !page.more {
                    self.phase = Phase::Blobs;
                }
                Ok(())
            }
            JobKind::BlobProbe { sha256 } => {
                let Some(task) = self.blobs.front_mut().filter(|t| &t.sha256 == sha256) else {
                    return Ok(());
                };
                match resp.status {
                    404 => task.offset = Some(0),
                    200 | 204 => {
                        if resp.header(BLOB_STATUS_HEADER) == Some("complete") {
                            self.confirm_blob(store, sha256)?;
                            self.blobs.pop_front();
                        } else {
                            let held = resp
                                .header(UPLOAD_OFFSET_HEADER)
                                .and_then(|v| v.trim().parse::<u64>().ok())
                                .unwrap_or(0);
                            task.offset = Some(held.min(task.total));
                        }
                    }
                    _ => return Err(classify(&resp)),
                }
                Ok(())
            }
            JobKind::BlobChunk { sha256, len, .. } => {
                let code = api_error(&resp).map(|e| e.code);
                match (resp.status, code) {
                    (200 | 201 | 204, _) => {
                        self.report.photo_bytes_sent += len;
                        let status: BlobStatus = parse(&resp)?;
                        if status.complete {
                            self.confirm_blob(store, sha256)?;
                            self.report.photos_uploaded += 1;
                            self.blobs.pop_front();
                        } else if let Some(task) = self.blobs.front_mut() {
                            task.offset = Some(status.received);
                        }
                        Ok(())
                    }
                    (409, _) => {
                        // Offset mismatch: the server says where to resume.
                        if let Some(task) = self.blobs.front_mut() {
                            task.offset = resp
                                .header(UPLOAD_OFFSET_HEADER)
                                .and_then(|v| v.trim().parse().ok());
                        }
                        Ok(())
                    }
                    (422, Some(ErrorCode::HashMismatch))
                        if self.tried.insert(format!("rehash:{sha256}")) =>
                    {
                        // The server discarded what it held; send the photo again from the
                        // start, once per run, before calling it a bad record.
                        if let Some(task) = self.blobs.front_mut() {
                            task.offset = Some(0);
                        }
                        Ok(())
                    }
                    (422, Some(ErrorCode::HashMismatch)) | (413, _) | (400, _) => {
                        let reason = format!(
                            "Máy chủ không nhận ảnh {sha256} (HTTP {}) / server refused the photo",
                            resp.status
                        );
                        self.wedge_for_blob(store, sha256, &reason)?;
                        self.blobs.pop_front();
                        Ok(())
                    }
                    _ => Err(classify(&resp)),
                }
            }
            JobKind::Batch {
                batch_id,
                assessments,
            } => self.complete_batch(store, batch_id, assessments, resp),
            JobKind::Heartbeat => {
                if resp.status == 200 {
                    if let Ok(r) = parse::<HeartbeatResponse>(&resp) {
                        if let Some(skew) = skew_ms(&r.server_time) {
                            state::record_skew(store, skew)?;
                            self.report.clock_skew_ms = Some(skew);
                        }
                    }
                    state::record_last_sync(store)?;
                    self.phase = Phase::Done;
                    Ok(())
                } else {
                    Err(classify(&resp))
                }
            }
        }
    }

    fn complete_batch(
        &mut self,
        store: &Store,
        batch_id: &str,
        ids: &[String],
        resp: HttpResponse,
    ) -> Result<(), SyncError> {
        match resp.status {
            200 => {}
            400 | 413 | 422 => {
                // The whole manifest was refused. Find the bad record: abandon this batch and
                // send one assessment per manifest; a single refused record is wedged.
                let reason = format!(
                    "Máy chủ từ chối phiếu: {} / server refused",
                    api_error(&resp)
                        .map(|e| e.message)
                        .unwrap_or_else(|| format!("HTTP {}", resp.status))
                );
                let tx = Transaction::new_unchecked(store.conn(), TransactionBehavior::Immediate)?;
                if ids.len() == 1 {
                    tx.execute(
                        "UPDATE assessment SET sync_state = 'wedged', sync_detail = ?2 WHERE id = ?1",
                        params![ids[0], reason],
                    )?;
                    self.report.wedged += 1;
                } else {
                    for id in ids {
                        tx.execute(
                            "UPDATE assessment SET sync_state = 'queued' WHERE id = ?1",
                            [id],
                        )?;
                        self.tried.remove(id);
                    }
                    self.split = true;
                }
                tx.execute(
                    "DELETE FROM outbox_batch_item WHERE batch_id = ?1",
                    [batch_id],
                )?;
                tx.execute("DELETE FROM outbox_batch WHERE id = ?1", [batch_id])?;
                tx.commit()?;
                return Ok(());
            }
            _ => return Err(classify(&resp)),
        }
        let answer: BatchResponse = parse(&resp)?;
        let sent_hashes: Vec<(String, String)> = store
            .conn()
            .prepare_cached(
                "SELECT assessment_id, content_sha256 FROM outbox_batch_item WHERE batch_id = ?1",
            )?
            .query_map([batch_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let now = clock::now().utc;
        let tx = Transaction::new_unchecked(store.conn(), TransactionBehavior::Immediate)?;
        let mut answered = HashSet::new();
        for r in &answer.results {
            // Only what this batch sent, with the hash it sent, can be acknowledged.
            if !sent_hashes.iter().any(|(id, _)| id == &r.id) {
                continue;
            }
            answered.insert(r.id.clone());
            match r.status {
                EntryStatus::Created | EntryStatus::Duplicate => {
                    let (status, total) = r
                        .server_score
                        .as_ref()
                        .map(|s| (Some(s.status.code()), Some(s.total)))
                        .unwrap_or((None, None));
                    tx.execute(
                        "UPDATE assessment SET sync_state = 'sent', sent_at = ?2, sync_detail = NULL,
                             server_status = ?3, server_total = ?4
                         WHERE id = ?1 AND content_sha256 = (SELECT content_sha256
                             FROM outbox_batch_item WHERE batch_id = ?5 AND assessment_id = ?1)",
                        params![r.id, now, status, total, batch_id],
                    )?;
                    tx.execute(
                        "UPDATE household SET server_known = 1 WHERE id IN (
                             SELECT subject_id FROM assessment WHERE id = ?1 AND subject_kind = 'household'
                             UNION SELECT m.household_id FROM assessment a JOIN member m ON m.id = a.subject_id
                                   WHERE a.id = ?1 AND a.subject_kind = 'member')",
                        [&r.id],
                    )?;
                    if r.status == EntryStatus::Created {
                        self.report.sent += 1;
                    } else {
                        self.report.duplicates += 1;
                    }
                }
                EntryStatus::Incomplete => {
                    for sha in &r.missing_blobs {
                        tx.execute("DELETE FROM blob_upload WHERE sha256 = ?1", [sha])?;
                    }
                    // Upload the missing photos and send again once in this run; after that,
                    // back off so a server that keeps losing photos cannot loop us.
                    let again = self.retried.insert(r.id.clone());
                    if again {
                        self.tried.remove(&r.id);
                    }
                    tx.execute(
                        "UPDATE assessment SET sync_state = 'queued', sync_next_at = ?2,
                             sync_detail = ?3 WHERE id = ?1",
                        params![
                            r.id,
                            (!again).then(|| now_plus_secs(60)),
                            format!(
                                "Máy chủ thiếu {} ảnh / server misses photos",
                                r.missing_blobs.len()
                            )
                        ],
                    )?;
                    self.report.incomplete += 1;
                }
                EntryStatus::Conflict | EntryStatus::Rejected => {
                    let reason = format!(
                        "{}{}",
                        r.message
                            .clone()
                            .unwrap_or_else(|| "Máy chủ từ chối phiếu / refused".into()),
                        r.code.map(|c| format!(" ({c:?})")).unwrap_or_default()
                    );
                    tx.execute(
                        "UPDATE assessment SET sync_state = 'wedged', sync_detail = ?2 WHERE id = ?1",
                        params![r.id, text::clean(&reason)],
                    )?;
                    self.report.wedged += 1;
                }
            }
        }
        // Anything the server did not answer goes back to the queue.
        for (id, _) in &sent_hashes {
            if !answered.contains(id) {
                tx.execute(
                    "UPDATE assessment SET sync_state = 'queued' WHERE id = ?1 AND sync_state = 'sending'",
                    [id],
                )?;
            }
        }
        tx.execute(
            "UPDATE outbox_batch SET answered_at = ?2 WHERE id = ?1",
            params![batch_id, now],
        )?;
        tx.commit()?;
        // Photos the server reported missing: plan them again in this run.
        if self.report.incomplete > 0 {
            self.phase = Phase::Blobs;
            self.tried.retain(|k| !k.starts_with("blob:"));
        }
        Ok(())
    }

    /// Tell the machine that `job` got no usable response (connection cut, timeout). A cut photo
    /// chunk is probed again to learn how much arrived.
    pub fn failed(&mut self, job: &Job) {
        if let JobKind::BlobChunk { sha256, .. } = &job.kind {
            if let Some(task) = self.blobs.front_mut().filter(|t| &t.sha256 == sha256) {
                task.offset = None;
            }
        }
    }
}

fn confirm_blob(store: &Store, sha: &str) -> Result<(), StoreError> {
    store.conn().execute(
        "INSERT INTO blob_upload (sha256, confirmed_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![sha, clock::now().utc],
    )?;
    Ok(())
}

fn read_range(path: &Path, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    f.take(len).read_to_end(&mut buf)?;
    if (buf.len() as u64) < len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "photo file shorter than recorded",
        ));
    }
    Ok(buf)
}

/// The subject's household as a record, when the server does not know it yet.
fn unknown_household(
    store: &Store,
    kind: &str,
    subject: &str,
) -> Result<Option<HouseholdRecord>, StoreError> {
    let household_id: Option<String> = match kind {
        "household" => Some(subject.to_string()),
        "member" => store
            .conn()
            .prepare_cached("SELECT household_id FROM member WHERE id = ?1")?
            .query_row([subject], |r| r.get(0))
            .optional()?,
        _ => None,
    };
    let Some(hid) = household_id else {
        return Ok(None);
    };
    let known: Option<(i64, Option<String>)> = store
        .conn()
        .prepare_cached("SELECT server_known, roster_code FROM household WHERE id = ?1")?
        .query_row([&hid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((0, roster_code)) = known else {
        return Ok(None);
    };
    let row = store.household(&hid)?;
    let members = store
        .members(&hid)?
        .into_iter()
        .map(|m| MemberRecord {
            id: m.id,
            name: m.name,
            birth_year: m.birth_year,
            sex: m.sex,
            relation: m.relation,
            schooling: m.schooling,
            literate: m.literate,
            cdht: m.cdht,
            cdht_group: m.cdht_group,
            unable_to_learn: m.unable_to_learn,
        })
        .collect();
    Ok(Some(HouseholdRecord {
        id: row.id,
        hamlet_id: row.hamlet_id,
        head: row.head,
        address: row.address,
        phone: row.phone,
        roster_code,
        members,
    }))
}
