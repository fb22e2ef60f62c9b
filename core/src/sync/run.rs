//! The driver: runs a [`SyncMachine`] over a [`Transport`] with exponential backoff and jitter,
//! progress reporting and cancellation, and logs every run in the store.
//!
//! Reactions by error class: transient (no response, 5xx) → retry the same job after
//! `base × 2^n` (± 50 % jitter) up to `max_retries` in a row, then end the run as `offline`;
//! rate-limited → wait `Retry-After` (bounded) and retry; auth → end the run at once; protocol or
//! store errors → end the run. Record-level refusals never reach here (the record is wedged).

use super::error::SyncError;
use super::machine::{JobKind, SyncMachine, SyncOptions, SyncReport};
use super::transport::Transport;
use crate::clock;
use crate::store::Store;
use rusqlite::params;
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

/// One progress event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// `pull`, `photos`, `assessments`, `heartbeat`, `done`, or `waiting` during a backoff.
    pub phase: String,
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

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything that could be sent was sent.
    Done,
    /// The network or server kept failing: try again later.
    Offline,
    /// The device's token was refused: enroll again.
    Auth,
    /// The user or the OS stopped it.
    Cancelled,
    /// A protocol or storage error.
    Failed,
}

/// Result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub outcome: Outcome,
    /// Vietnamese message for an outcome other than `Done`.
    pub message: Option<String>,
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

fn event(m: &SyncMachine, phase: &str, message: String) -> Progress {
    let r = m.report();
    Progress {
        phase: phase.to_string(),
        photo_bytes_sent: r.photo_bytes_sent,
        photos_uploaded: r.photos_uploaded,
        sent: r.sent,
        message,
    }
}

/// Run one sync to completion (or until it must stop).
pub fn run_sync(
    store: &Store,
    transport: &dyn Transport,
    options: SyncOptions,
    policy: &RetryPolicy,
    progress: &dyn ProgressSink,
    cancel: &CancelHandle,
) -> RunResult {
    let started = clock::now().utc;
    let run_id = store
        .conn()
        .execute("INSERT INTO sync_run (started_at) VALUES (?1)", [&started])
        .map(|_| store.conn().last_insert_rowid())
        .ok();
    let result = drive(store, transport, options, policy, progress, cancel);
    if let Some(id) = run_id {
        let outcome = serde_json::to_value(result.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = store.conn().execute(
            "UPDATE sync_run SET ended_at = ?2, outcome = ?3, detail = ?4, clock_skew_ms = ?5,
                 uploaded = ?6, bytes_sent = ?7 WHERE id = ?1",
            params![
                id,
                clock::now().utc,
                outcome,
                result.message,
                result.report.clock_skew_ms,
                i64::try_from(result.report.sent).unwrap_or(i64::MAX),
                i64::try_from(result.report.photo_bytes_sent).unwrap_or(i64::MAX)
            ],
        );
    }
    result
}

fn drive(
    store: &Store,
    transport: &dyn Transport,
    options: SyncOptions,
    policy: &RetryPolicy,
    progress: &dyn ProgressSink,
    cancel: &CancelHandle,
) -> RunResult {
    let mut machine = match SyncMachine::new(store, options) {
        Ok(m) => m,
        Err(e) => {
            return RunResult {
                outcome: match e {
                    SyncError::NotEnrolled => Outcome::Auth,
                    _ => Outcome::Failed,
                },
                message: Some(e.to_string()),
                report: SyncReport::default(),
            }
        }
    };
    let end = |m: &SyncMachine, outcome: Outcome, message: Option<String>| RunResult {
        outcome,
        message,
        report: m.report().clone(),
    };
    let seed = u64::from(std::process::id()) ^ (chrono::Utc::now().timestamp_subsec_nanos() as u64);
    let mut failures = 0u32;
    loop {
        if cancel.is_cancelled() {
            return end(
                &machine,
                Outcome::Cancelled,
                Some(SyncError::Cancelled.to_string()),
            );
        }
        let job = match machine.next_job(store) {
            Ok(Some(job)) => job,
            Ok(None) => {
                progress.progress(&event(&machine, "done", "Đồng bộ xong".into()));
                return end(&machine, Outcome::Done, None);
            }
            Err(e) => return end(&machine, Outcome::Failed, Some(e.to_string())),
        };
        let label = match &job.kind {
            JobKind::Pull { .. } => "Đang nhận dữ liệu từ máy chủ".to_string(),
            JobKind::BlobProbe { .. } | JobKind::BlobChunk { .. } => {
                "Đang gửi ảnh minh chứng".into()
            }
            JobKind::Batch { assessments, .. } => format!("Đang gửi {} phiếu", assessments.len()),
            JobKind::Heartbeat => "Đang báo trạng thái".into(),
        };
        progress.progress(&event(&machine, machine.phase(), label));
        let outcome = match transport.send(&job.request) {
            Ok(resp) => machine.complete(store, &job, resp),
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
                        return end(&machine, Outcome::Offline, Some(e.to_string()));
                    }
                    let delay = match e {
                        SyncError::RateLimited {
                            retry_after_secs: Some(s),
                        } => Duration::from_secs(s).min(policy.max_delay),
                        _ => backoff(policy, failures, seed),
                    };
                    progress.progress(&event(
                        &machine,
                        "waiting",
                        format!("Mất kết nối, thử lại sau {} giây", delay.as_secs().max(1)),
                    ));
                    if !sleep_cancellable(delay, cancel) {
                        return end(
                            &machine,
                            Outcome::Cancelled,
                            Some(SyncError::Cancelled.to_string()),
                        );
                    }
                }
                SyncError::Auth(_) | SyncError::NotEnrolled => {
                    return end(&machine, Outcome::Auth, Some(e.to_string()))
                }
                SyncError::Cancelled => {
                    return end(&machine, Outcome::Cancelled, Some(e.to_string()))
                }
                SyncError::Protocol(_) | SyncError::Store(_) => {
                    return end(&machine, Outcome::Failed, Some(e.to_string()))
                }
            },
        }
    }
}
