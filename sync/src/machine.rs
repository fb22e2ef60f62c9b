//! The sans-IO sync engine. It does no I/O of its own: [`SyncMachine::next_job`] looks at the
//! [`Outbox`] and says which HTTP request to make next; [`SyncMachine::complete`] takes the
//! response and records what it means through the outbox; [`SyncMachine::failed`] is told when a
//! request got no response. Time comes from an injected [`Clock`], photo bytes from a
//! [`BlobSource`]. Any transport can drive it — reqwest here, a platform HTTP stack or an iOS
//! background `URLSession` on a phone — and tests drive it with scripted replies, no sockets.
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

use crate::error::SyncError;
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::outbox::Outbox;
use hoctap_domain::protocol::{
    ApiError, BatchRequest, BatchResponse, BlobStatus, EntryStatus, ErrorCode, Heartbeat,
    HeartbeatResponse, SyncResponse, API_PREFIX, BLOB_STATUS_HEADER, GZIP, UPLOAD_OFFSET_HEADER,
};
use hoctap_domain::time::{self, Clock};
use hoctap_store::apply::Applied;
use hoctap_store::outbox::{Batch, EntryOutcome};
use serde::Serialize;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// Where photo bytes come from: the device's photo folder, or memory in tests.
pub trait BlobSource: Send + Sync {
    /// `len` bytes of the photo `sha256` from `offset`; an error when the file is missing or
    /// shorter than that.
    fn read_range(&self, sha256: &str, offset: u64, len: u64) -> std::io::Result<Vec<u8>>;
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
    /// Records per roster page (`None`: the server's default). After a cut, the pull resumes
    /// after the last page applied.
    pub page_size: Option<u32>,
    /// Ask for compressed answers (`Accept-Encoding: gzip`) and inflate them here. For
    /// transports that do not do it themselves (reqwest does; a raw platform stack may not).
    pub accept_gzip: bool,
    /// Compress manifests (`Content-Encoding: gzip`) when the server says it takes them.
    pub gzip_manifests: bool,
    /// Upload photo bytes. `false` (a metered network while the cadre keeps photos for Wi-Fi):
    /// the run pulls, sends only the assessments whose photos the server already holds (or that
    /// have none) and heartbeats; the rest wait in the queue for a run with photos.
    pub photos: bool,
    pub app_version: String,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            chunk_size: 256 * 1024,
            batch_size: 50,
            page_size: None,
            accept_gzip: false,
            gzip_manifests: true,
            photos: true,
            app_version: hoctap_domain::ENGINE_VERSION.to_string(),
        }
    }
}

/// Largest answer inflated from gzip (a roster page is far smaller): guards the device's memory.
const MAX_INFLATED: u64 = 64 * 1024 * 1024;

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

hoctap_domain::coded_enum! {
    /// Phase of a run, for progress displays.
    pub enum Phase("sync phase") {
        /// Pulling the roster, criteria and returned assessments.
        Pull = "pull",
        /// Uploading photos.
        Blobs = "photos",
        /// Sending finalized assessments.
        Batches = "assessments",
        /// Reporting the device's state.
        Heartbeat = "heartbeat",
        /// Finished.
        Done = "done",
    }
}

#[derive(Debug)]
struct BlobTask {
    sha256: String,
    /// `None` until probed.
    offset: Option<u64>,
    total: u64,
}

/// The sync engine for one run.
pub struct SyncMachine {
    options: SyncOptions,
    token: String,
    clock: Arc<dyn Clock>,
    blob_source: Arc<dyn BlobSource>,
    phase: Phase,
    blobs: VecDeque<BlobTask>,
    /// Assessments already put in a manifest during this run (never twice per run).
    tried: HashSet<String>,
    /// Batch size after a whole-manifest refusal: 1, to isolate the bad record.
    split: bool,
    /// Assessments sent again in this run after an `incomplete` answer (once each).
    retried: HashSet<String>,
    /// The photo whose upload is open (remembered by the outbox), as last read or written.
    open_blob: Option<String>,
    /// The server said (in a pulled page) that it takes gzip-compressed request bodies.
    server_takes_gzip: bool,
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

/// Compress a request body (gzip, level 6).
fn gzip(body: &[u8]) -> Result<Vec<u8>, SyncError> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::new(6),
    );
    enc.write_all(body)
        .and_then(|()| enc.finish())
        .map_err(|e| SyncError::Protocol(format!("cannot compress a manifest: {e}")))
}

/// The response with its body inflated when it came gzip-compressed and the transport left it
/// so; a body that inflates past [`MAX_INFLATED`] is refused.
fn inflated(mut resp: HttpResponse) -> Result<HttpResponse, SyncError> {
    use std::io::Read;
    let gzipped = resp
        .header("content-encoding")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(GZIP));
    if !gzipped {
        return Ok(resp);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(resp.body.as_slice())
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|e| SyncError::Protocol(format!("damaged compressed answer: {e}")))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(SyncError::Protocol("compressed answer too large".into()));
    }
    resp.body = out;
    resp.headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("content-encoding"));
    Ok(resp)
}

fn parse<T: serde::de::DeserializeOwned>(resp: &HttpResponse) -> Result<T, SyncError> {
    serde_json::from_slice(&resp.body)
        .map_err(|e| SyncError::Protocol(format!("unreadable response: {e}")))
}

impl SyncMachine {
    /// Start a run with the device token. Assessments left `sending` by an interrupted run, or
    /// finalized before enrollment, go back to the queue (a manifest still waiting for its
    /// answer is replayed as it was).
    pub fn new(
        outbox: &mut dyn Outbox,
        token: String,
        options: SyncOptions,
        clock: Arc<dyn Clock>,
        blob_source: Arc<dyn BlobSource>,
    ) -> Result<SyncMachine, SyncError> {
        outbox.requeue_interrupted()?;
        Ok(SyncMachine {
            options,
            token,
            clock,
            blob_source,
            phase: Phase::Pull,
            blobs: VecDeque::new(),
            tried: HashSet::new(),
            split: false,
            retried: HashSet::new(),
            open_blob: outbox.open_blob()?,
            server_takes_gzip: false,
            report: SyncReport::default(),
        })
    }

    fn now(&self) -> String {
        time::rfc3339(self.clock.now())
    }

    /// What the run has done so far.
    pub fn report(&self) -> &SyncReport {
        &self.report
    }

    /// The phase the run is in.
    pub fn phase(&self) -> Phase {
        self.phase
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
        if self.options.accept_gzip {
            headers.push(("accept-encoding".into(), GZIP.into()));
        }
        for (k, v) in extra {
            headers.push((k.to_string(), v.clone()));
        }
        HttpRequest {
            method,
            path: format!("{API_PREFIX}{path}"),
            headers,
            body,
        }
    }

    /// The request for the roster page after `cursor`.
    fn pull_job(&self, cursor: i64) -> Job {
        let limit = self
            .options
            .page_size
            .map(|n| format!("&limit={n}"))
            .unwrap_or_default();
        let request = self.request(
            Method::Get,
            format!("/sync?cursor={cursor}{limit}"),
            Vec::new(),
            &[],
        );
        Job {
            kind: JobKind::Pull { cursor },
            request,
        }
    }

    /// Read the answer to a pull job: a checked page, not yet applied. With
    /// [`SyncMachine::prefetch`] and [`SyncMachine::apply_page`] a driver can fetch the next
    /// page while this one is written ([`SyncMachine::complete`] does both steps in one).
    pub fn read_page(&mut self, resp: HttpResponse) -> Result<SyncResponse, SyncError> {
        let resp = inflated(resp)?;
        if resp.status != 200 {
            return Err(classify(&resp));
        }
        let page: SyncResponse = parse(&resp)?;
        self.server_takes_gzip = page.request_encodings.iter().any(|e| e == GZIP);
        Ok(page)
    }

    /// The job that will follow `page` once it is applied, when more pages wait: a driver may
    /// send it while the page is written, and hand its answer to [`SyncMachine::complete`]
    /// only if [`SyncMachine::next_job`] then asks for the same request.
    pub fn prefetch(&self, page: &SyncResponse) -> Option<Job> {
        page.more.then(|| self.pull_job(page.cursor))
    }

    /// Write a page read by [`SyncMachine::read_page`]: records, cursor, clock skew, report.
    pub fn apply_page(
        &mut self,
        outbox: &mut dyn Outbox,
        page: &SyncResponse,
    ) -> Result<(), SyncError> {
        if let Some(skew) = time::skew_ms(&page.server_time, self.clock.now()) {
            outbox.record_skew(skew)?;
            self.report.clock_skew_ms = Some(skew);
        }
        let applied = outbox.apply_page(page)?;
        self.report.returned += applied.returned;
        self.report.pulled.add(&applied);
        if !page.more {
            self.phase = Phase::Blobs;
        }
        Ok(())
    }

    /// The next request to make, or `None` when the run is complete.
    pub fn next_job(&mut self, outbox: &mut dyn Outbox) -> Result<Option<Job>, SyncError> {
        loop {
            match self.phase {
                Phase::Pull => {
                    let cursor = outbox.cursor()?;
                    return Ok(Some(self.pull_job(cursor)));
                }
                Phase::Blobs => {
                    if self.blobs.is_empty() {
                        self.plan_blobs(outbox)?;
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
                                outbox.set_open_blob(&sha, true)?;
                                self.open_blob = Some(sha.clone());
                            }
                            let Some(task) = self.blobs.front() else {
                                continue;
                            };
                            let total = task.total;
                            let len = self.options.chunk_size.min(total.saturating_sub(offset));
                            let body = match self.blob_source.read_range(&sha, offset, len) {
                                Ok(b) if b.len() as u64 == len => b,
                                Ok(_) | Err(_) => {
                                    self.wedge_for_blob(
                                        outbox,
                                        &sha,
                                        &format!(
                                            "Không đọc được ảnh minh chứng {}… trên máy; hãy chụp lại ảnh cho phiếu này",
                                            sha.get(..12).unwrap_or(&sha)
                                        ),
                                    )?;
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
                Phase::Batches => match self.plan_batch(outbox)? {
                    Some((batch_id, body, ids)) => {
                        // The stored body is the JSON; it is compressed afresh for each send
                        // (deterministically), so a replay carries the same manifest.
                        let request = if self.options.gzip_manifests && self.server_takes_gzip {
                            self.request(
                                Method::Put,
                                format!("/batches/{batch_id}"),
                                gzip(body.as_bytes())?,
                                &[("content-encoding", GZIP.into())],
                            )
                        } else {
                            self.request(
                                Method::Put,
                                format!("/batches/{batch_id}"),
                                body.into_bytes(),
                                &[],
                            )
                        };
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
                    let beat = Heartbeat {
                        queue_length: outbox.pending()?,
                        free_bytes: None,
                        app_version: self.options.app_version.clone(),
                        last_sync: outbox.last_sync()?,
                        device_time: self.now(),
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
    fn plan_blobs(&mut self, outbox: &mut dyn Outbox) -> Result<(), SyncError> {
        if !self.options.photos {
            return Ok(());
        }
        let now = self.now();
        for b in outbox.blobs_to_send(&now)? {
            if self.tried_blob(&b.sha256) {
                continue;
            }
            // Probe only the photo an earlier run left half sent (see the module docs).
            let offset = (self.open_blob.as_deref() != Some(b.sha256.as_str())).then_some(0);
            self.blobs.push_back(BlobTask {
                sha256: b.sha256,
                offset,
                total: b.bytes,
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
    fn confirm_blob(&mut self, outbox: &mut dyn Outbox, sha: &str) -> Result<(), SyncError> {
        outbox.confirm_blob(sha)?;
        if self.open_blob.as_deref() == Some(sha) {
            self.open_blob = None;
        }
        Ok(())
    }

    /// Set aside every queued assessment that references a photo.
    fn wedge_for_blob(
        &mut self,
        outbox: &mut dyn Outbox,
        sha: &str,
        reason: &str,
    ) -> Result<(), SyncError> {
        if self.open_blob.as_deref() == Some(sha) {
            self.open_blob = None;
        }
        self.report.wedged += outbox.wedge_for_blob(sha, reason)?;
        Ok(())
    }

    /// The open (unanswered) manifest, or a new one of queued assessments whose photos are all
    /// confirmed. Returns (batch id, exact body, assessment ids).
    fn plan_batch(
        &mut self,
        outbox: &mut dyn Outbox,
    ) -> Result<Option<(String, String, Vec<String>)>, SyncError> {
        if let Some(open) = outbox.open_batch()? {
            if open.assessments.iter().all(|i| self.tried.contains(i))
                && !open.assessments.is_empty()
            {
                // Already sent in this run without an answer: leave it for the next run.
                return Ok(None);
            }
            self.tried.extend(open.assessments.iter().cloned());
            return Ok(Some((open.id, open.body, open.assessments)));
        }
        let now = self.now();
        let limit = if self.split {
            1
        } else {
            self.options.batch_size.max(1)
        };
        let entries = outbox.ready_entries(&now, limit, &self.tried)?;
        if entries.is_empty() {
            return Ok(None);
        }
        let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        let body = serde_json::to_string(&BatchRequest {
            assessments: entries,
        })
        .map_err(|e| SyncError::Protocol(e.to_string()))?;
        let batch = Batch {
            id: self.clock.new_id(),
            body,
            assessments: ids,
        };
        outbox.create_batch(&batch)?;
        self.tried.extend(batch.assessments.iter().cloned());
        Ok(Some((batch.id, batch.body, batch.assessments)))
    }

    /// Record the response to `job`. Record-level refusals set that record aside and return
    /// `Ok`; anything that concerns the whole run is an error the driver acts on.
    pub fn complete(
        &mut self,
        outbox: &mut dyn Outbox,
        job: &Job,
        resp: HttpResponse,
    ) -> Result<(), SyncError> {
        let resp = inflated(resp)?;
        match &job.kind {
            JobKind::Pull { .. } => {
                let page = self.read_page(resp)?;
                self.apply_page(outbox, &page)
            }
            JobKind::BlobProbe { sha256 } => {
                let Some(task) = self.blobs.front_mut().filter(|t| &t.sha256 == sha256) else {
                    return Ok(());
                };
                match resp.status {
                    404 => task.offset = Some(0),
                    200 | 204 => {
                        if resp.header(BLOB_STATUS_HEADER) == Some("complete") {
                            self.confirm_blob(outbox, sha256)?;
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
                            self.confirm_blob(outbox, sha256)?;
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
                    (422, Some(ErrorCode::HashMismatch)) | (413 | 400 | 403 | 422, _) => {
                        let reason = format!(
                            "Máy chủ không nhận ảnh minh chứng {}… (HTTP {})",
                            sha256.get(..12).unwrap_or(sha256),
                            resp.status
                        );
                        self.wedge_for_blob(outbox, sha256, &reason)?;
                        self.blobs.pop_front();
                        Ok(())
                    }
                    _ => Err(classify(&resp)),
                }
            }
            JobKind::Batch {
                batch_id,
                assessments,
            } => self.complete_batch(outbox, batch_id, assessments, resp),
            JobKind::Heartbeat => {
                if resp.status == 200 {
                    if let Ok(r) = parse::<HeartbeatResponse>(&resp) {
                        if let Some(skew) = time::skew_ms(&r.server_time, self.clock.now()) {
                            outbox.record_skew(skew)?;
                            self.report.clock_skew_ms = Some(skew);
                        }
                    }
                    outbox.record_last_sync(&self.now())?;
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
        outbox: &mut dyn Outbox,
        batch_id: &str,
        ids: &[String],
        resp: HttpResponse,
    ) -> Result<(), SyncError> {
        match resp.status {
            200 => {}
            400 | 403 | 413 | 422 => {
                // The whole manifest was refused (malformed, too large, invalid, or a record
                // outside the device's scope). Find the bad record: abandon this batch and send
                // one assessment per manifest; a single refused record is set aside. One
                // record's refusal never stops the others, nor becomes a device-wide failure.
                let reason = format!(
                    "Máy chủ từ chối phiếu: {}",
                    api_error(&resp)
                        .map(|e| e.message)
                        .unwrap_or_else(|| format!("HTTP {}", resp.status))
                );
                if let [only] = ids {
                    outbox.refuse_batch(batch_id, Some((only, &reason)), &[])?;
                    self.report.wedged += 1;
                } else {
                    outbox.refuse_batch(batch_id, None, ids)?;
                    for id in ids {
                        self.tried.remove(id);
                    }
                    self.split = true;
                }
                return Ok(());
            }
            _ => {
                let err = classify(&resp);
                if err.is_retryable() {
                    // Replay the same manifest (same id, same body) when the driver retries.
                    self.allow_replay(ids);
                }
                return Err(err);
            }
        }
        let answer: BatchResponse = parse(&resp)?;
        let sent: HashSet<String> = outbox
            .batch_hashes(batch_id)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let mut outcomes = Vec::with_capacity(answer.results.len());
        let mut incomplete = false;
        for r in &answer.results {
            // Only what this batch sent can be acknowledged.
            if !sent.contains(&r.id) {
                continue;
            }
            match r.status {
                EntryStatus::Created | EntryStatus::Duplicate => {
                    outcomes.push(EntryOutcome::Sent {
                        id: r.id.clone(),
                        server_status: r.server_score.as_ref().map(|s| s.status),
                        server_total: r.server_score.as_ref().map(|s| s.total),
                    });
                    if r.status == EntryStatus::Created {
                        self.report.sent += 1;
                    } else {
                        self.report.duplicates += 1;
                    }
                }
                EntryStatus::Incomplete => {
                    // Upload the missing photos and send again once in this run; after that,
                    // back off so a server that keeps losing photos cannot loop us.
                    let again = self.retried.insert(r.id.clone());
                    if again {
                        self.tried.remove(&r.id);
                    }
                    outcomes.push(EntryOutcome::Requeue {
                        id: r.id.clone(),
                        next_at: (!again).then(|| time::plus_secs(self.clock.now(), 60)),
                        detail: format!("Máy chủ thiếu {} ảnh", r.missing_blobs.len()),
                        forget_blobs: r.missing_blobs.clone(),
                    });
                    self.report.incomplete += 1;
                    incomplete = true;
                }
                EntryStatus::Conflict | EntryStatus::Rejected => {
                    // What the cadre reads (the server's Vietnamese message); the code is for logs.
                    tracing::info!(id = %r.id, code = ?r.code, "record set aside by the server");
                    let reason = r
                        .message
                        .clone()
                        .unwrap_or_else(|| "Máy chủ từ chối phiếu".into());
                    outcomes.push(EntryOutcome::Wedge {
                        id: r.id.clone(),
                        reason,
                    });
                    self.report.wedged += 1;
                }
            }
        }
        // Anything the server did not answer goes back to the queue (the outbox does it).
        outbox.record_answers(batch_id, &outcomes)?;
        // Photos the server reported missing: plan them again in this run.
        if incomplete {
            self.phase = Phase::Blobs;
            self.tried.retain(|k| !k.starts_with("blob:"));
        }
        Ok(())
    }

    /// Tell the machine that `job` got no usable response (connection cut, timeout). A cut photo
    /// chunk is probed again to learn how much arrived; a manifest is replayed as it was.
    pub fn failed(&mut self, job: &Job) {
        match &job.kind {
            JobKind::BlobChunk { sha256, .. } => {
                if let Some(task) = self.blobs.front_mut().filter(|t| &t.sha256 == sha256) {
                    task.offset = None;
                }
            }
            JobKind::Batch { assessments, .. } => self.allow_replay(assessments),
            JobKind::Pull { .. } | JobKind::BlobProbe { .. } | JobKind::Heartbeat => {}
        }
    }

    /// Let the unanswered manifest of these assessments be sent again in this run.
    fn allow_replay(&mut self, ids: &[String]) {
        for id in ids {
            self.tried.remove(id);
        }
    }
}
