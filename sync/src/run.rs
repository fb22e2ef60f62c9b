//! The driver: runs a [`SyncMachine`] over a [`Transport`] with exponential backoff and jitter,
//! progress reporting and cancellation, and logs every run in the store.
//!
//! Reactions by error class: transient (no response, 5xx) → retry the same job after
//! `base × 2^n` (± 50 % jitter) up to `max_retries` in a row, then end the run as `offline`;
//! rate-limited → wait `Retry-After` (bounded) and retry; auth → end the run at once; protocol or
//! store errors → end the run. Record-level refusals never reach here (the record is wedged).

use crate::error::SyncError;
use crate::http::HttpResponse;
use crate::machine::{BlobSource, Job, JobKind, Phase, SyncMachine, SyncOptions, SyncReport};
use crate::outbox::StoreOutbox;
use crate::transport::{Transport, TransportError};
use hoctap_store::outbox::{self as dao, RunEnd};
use hoctap_store::Store;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Shared flag to stop a run from another thread (a UI button, the OS ending background work).
#[derive(Debug, Clone, Default)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

hoctap_domain::coded_enum! {
    /// What a run is doing, for a status bar.
    pub enum Stage("sync stage") {
        Pull = "pull",
        Photos = "photos",
        Assessments = "assessments",
        Heartbeat = "heartbeat",
        /// Waiting before a retry.
        Waiting = "waiting",
        Done = "done",
    }
}

impl From<Phase> for Stage {
    fn from(p: Phase) -> Stage {
        match p {
            Phase::Pull => Stage::Pull,
            Phase::Blobs => Stage::Photos,
            Phase::Batches => Stage::Assessments,
            Phase::Heartbeat => Stage::Heartbeat,
            Phase::Done => Stage::Done,
        }
    }
}

/// One progress event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub phase: Stage,
    pub photo_bytes_sent: u64,
    pub photos_uploaded: u64,
    pub sent: u64,
    /// Vietnamese line for a status bar.
    pub message: String,
}

/// Receives progress events.
pub trait ProgressSink: Send + Sync {
    fn progress(&self, event: &Progress);
}

/// Ignores progress.
pub struct NoProgress;
impl ProgressSink for NoProgress {
    fn progress(&self, _: &Progress) {}
}

/// Retry policy.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max_delay: Duration,
    /// Consecutive failures of one job before the run ends as offline.
    pub max_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retries: 6,
        }
    }
}

hoctap_domain::coded_enum! {
    /// How a run ended.
    pub enum Outcome("sync outcome") {
        /// Everything that could be sent was sent.
        Done = "done",
        /// The network or server kept failing: try again later.
        Offline = "offline",
        /// The device's token was refused: enroll again.
        Auth = "auth",
        /// The user or the OS stopped it.
        Cancelled = "cancelled",
        /// A protocol or storage error.
        Failed = "failed",
    }
}

/// Result of a run.
#[derive(Debug, Serialize)]
pub struct RunResult {
    pub outcome: Outcome,
    /// Vietnamese message for an outcome other than `Done`.
    pub message: Option<String>,
    /// What ended the run, for logs and for the shell to classify.
    #[serde(skip)]
    pub error: Option<SyncError>,
    pub report: SyncReport,
}

/// Delay before retry number `attempt` (1-based), with ±50 % jitter from `seed`.
pub fn backoff(policy: &RetryPolicy, attempt: u32, seed: u64) -> Duration {
    let exp = policy.base.saturating_mul(
        1u32.checked_shl(attempt.saturating_sub(1).min(16))
            .unwrap_or(u32::MAX),
    );
    let capped = exp.min(policy.max_delay);
    // xorshift for jitter: no RNG dependency, different per attempt.
    let mut x = seed ^ (u64::from(attempt) << 32) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    let factor = 0.5 + (x % 1000) as f64 / 1000.0; // 0.5 ..< 1.5
    capped.mul_f64(factor)
}

fn sleep_cancellable(d: Duration, cancel: &CancelHandle) -> bool {
    let step = Duration::from_millis(50);
    let mut left = d;
    while !left.is_zero() {
        if cancel.is_cancelled() {
            return false;
        }
        let s = left.min(step);
        std::thread::sleep(s);
        left = left.saturating_sub(s);
    }
    !cancel.is_cancelled()
}

fn event(m: &SyncMachine, phase: Stage, message: String) -> Progress {
    let r = m.report();
    Progress {
        phase,
        photo_bytes_sent: r.photo_bytes_sent,
        photos_uploaded: r.photos_uploaded,
        sent: r.sent,
        message,
    }
}

/// Run one sync to completion (or until it must stop), logging it in the store.
pub fn run_sync(
    store: &Store,
    transport: &dyn Transport,
    blobs: Arc<dyn BlobSource>,
    options: SyncOptions,
    policy: &RetryPolicy,
    progress: &dyn ProgressSink,
    cancel: &CancelHandle,
) -> RunResult {
    let run_id = store.write(dao::start_run).ok();
    let result = drive(store, transport, blobs, options, policy, progress, cancel);
    if let Some(id) = run_id {
        let detail = result.error.as_ref().map(SyncError::detail);
        let end = RunEnd {
            outcome: result.outcome.code(),
            detail: detail.as_deref(),
            clock_skew_ms: result.report.clock_skew_ms,
            uploaded: result.report.sent,
            bytes_sent: result.report.photo_bytes_sent,
        };
        if let Err(e) = store.write(|db| dao::finish_run(db, id, &end)) {
            tracing::warn!(error = %e, "could not log the end of a sync run");
        }
    }
    result
}

fn ended(m: Option<&SyncMachine>, outcome: Outcome, error: Option<SyncError>) -> RunResult {
    RunResult {
        outcome,
        message: error.as_ref().map(SyncError::message_vi),
        error,
        report: m.map(|m| m.report().clone()).unwrap_or_default(),
    }
}

/// A job sent ahead of its turn, with what came back.
type Fetched = (Job, Result<HttpResponse, TransportError>);

/// Apply a roster page while the next one is fetched on another thread, so the link carries
/// page n + 1 while the phone writes page n (over 2G the write would otherwise leave the link
/// idle for a large part of each page). The fetched answer is kept in `ahead`.
///
/// Not after a cancel (the run stops once this page is written), and without the second
/// thread when none can be started.
fn pull_page(
    machine: &mut SyncMachine,
    outbox: &mut StoreOutbox<'_>,
    transport: &dyn Transport,
    resp: HttpResponse,
    ahead: &mut Option<Fetched>,
    cancel: &CancelHandle,
) -> Result<(), SyncError> {
    let page = machine.read_page(resp)?;
    let next = machine.prefetch(&page).filter(|_| !cancel.is_cancelled());
    let Some(next) = next else {
        return machine.apply_page(outbox, &page);
    };
    std::thread::scope(|s| {
        let request = next.request.clone();
        let fetch = std::thread::Builder::new()
            .name("hoctap-prefetch".into())
            .spawn_scoped(s, move || transport.send(&request));
        let applied = machine.apply_page(outbox, &page);
        match fetch.map(|h| h.join()) {
            Ok(Ok(resp)) => *ahead = Some((next, resp)),
            // The page is asked for again on its turn.
            Ok(Err(_)) => tracing::warn!("the prefetch of the next roster page panicked"),
            Err(e) => tracing::warn!(error = %e, "no thread to prefetch the next roster page"),
        }
        applied
    })
}

fn drive(
    store: &Store,
    transport: &dyn Transport,
    blobs: Arc<dyn BlobSource>,
    options: SyncOptions,
    policy: &RetryPolicy,
    progress: &dyn ProgressSink,
    cancel: &CancelHandle,
) -> RunResult {
    let mut outbox = StoreOutbox(store);
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
    let seed =
        u64::from(std::process::id()) ^ (store.clock().now().timestamp_subsec_nanos() as u64);
    let mut failures = 0u32;
    let mut ahead: Option<Fetched> = None;
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
            Ok(None) => {
                progress.progress(&event(&machine, Stage::Done, "Đồng bộ xong".into()));
                return ended(Some(&machine), Outcome::Done, None);
            }
            Err(e) => return ended(Some(&machine), Outcome::Failed, Some(e)),
        };
        let label = match &job.kind {
            JobKind::Pull { .. } => match machine.report().pulled.households {
                0 => "Đang nhận dữ liệu từ máy chủ".to_string(),
                n => format!("Đang nhận danh sách: đã nhận {n} hộ"),
            },
            JobKind::BlobProbe { .. } | JobKind::BlobChunk { .. } => {
                "Đang gửi ảnh minh chứng".into()
            }
            JobKind::Batch { assessments, .. } => format!("Đang gửi {} phiếu", assessments.len()),
            JobKind::Heartbeat => "Đang báo trạng thái".into(),
        };
        progress.progress(&event(&machine, machine.phase().into(), label));
        // A page fetched while the previous one was written answers this job only if the
        // machine asks for exactly that request.
        let sent = match ahead.take() {
            Some((fetched, resp)) if fetched == job => resp,
            _ => transport.send(&job.request),
        };
        let outcome = match sent {
            Ok(resp) if matches!(job.kind, JobKind::Pull { .. }) => pull_page(
                &mut machine,
                &mut outbox,
                transport,
                resp,
                &mut ahead,
                cancel,
            ),
            Ok(resp) => machine.complete(&mut outbox, &job, resp),
            Err(e) => {
                machine.failed(&job);
                Err(SyncError::Transient(e.0))
            }
        };
        match outcome {
            Ok(()) => failures = 0,
            Err(e) => match e {
                SyncError::Transient(_) | SyncError::RateLimited { .. } => {
                    failures += 1;
                    if failures > policy.max_retries {
                        return ended(Some(&machine), Outcome::Offline, Some(e));
                    }
                    let delay = match e {
                        SyncError::RateLimited {
                            retry_after_secs: Some(s),
                        } => Duration::from_secs(s).min(policy.max_delay),
                        _ => backoff(policy, failures, seed),
                    };
                    progress.progress(&event(
                        &machine,
                        Stage::Waiting,
                        format!("Mất kết nối, thử lại sau {} giây", delay.as_secs().max(1)),
                    ));
                    if !sleep_cancellable(delay, cancel) {
                        return ended(
                            Some(&machine),
                            Outcome::Cancelled,
                            Some(SyncError::Cancelled),
                        );
                    }
                }
                SyncError::Auth(_) | SyncError::NotEnrolled | SyncError::EnrollRefused(_) => {
                    return ended(Some(&machine), Outcome::Auth, Some(e))
                }
                SyncError::Cancelled => return ended(Some(&machine), Outcome::Cancelled, Some(e)),
                SyncError::Protocol(_)
                | SyncError::Store(_)
                | SyncError::BadServerUrl(_)
                | SyncError::NotAnEnrollmentCode => {
                    return ended(Some(&machine), Outcome::Failed, Some(e))
                }
            },
        }
    }
}
