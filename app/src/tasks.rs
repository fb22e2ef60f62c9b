//! Long work off the caller's thread: the shell (or a test) receives an
//! [`crate::Effect::RunTask`], runs [`TaskRunner::run`] on a worker thread and dispatches the
//! [`Event::TaskFinished`] it returns. The runner opens its own connection to the data
//! directory, so the core keeps answering (and rendering) while a photo is processed or a
//! sync runs; SQLite's WAL mode serialises the writes.

use crate::core::AppOptions;
use crate::effect::{Task, TaskKind};
use crate::error::{ErrorInfo, ErrorKind};
use crate::event::{Event, SyncOutcome, TaskResult};
use crate::{persist, qr};
use hoctap_device::DataKey;
use hoctap_device::Device;
use hoctap_domain::time::Clock;
use hoctap_domain::url::server_base;
use hoctap_evidence::{IngestOptions, PhotoSource};
use hoctap_sync::{
    CancelHandle, Outcome, Progress, ProgressSink, ReqwestTransport, RetryPolicy, RunResult,
    SyncError, SyncOptions,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Receives progress of a running task as events to dispatch ([`Event::TaskProgress`]).
pub trait TaskProgress: Send + Sync {
    fn on_progress(&self, event: Event);
}

/// Ignores progress.
pub struct NoTaskProgress;

impl TaskProgress for NoTaskProgress {
    fn on_progress(&self, _: Event) {}
}

/// Runs tasks for one data directory; cheap to clone, safe from any thread.
#[derive(Clone)]
pub struct TaskRunner {
    dir: PathBuf,
    /// The data key when the directory is encrypted at rest.
    key: Option<DataKey>,
    options: AppOptions,
    clock: Arc<dyn Clock>,
    /// The running sync's cancel flag: a new one per sync task, so a cancel stops that run
    /// and never the runs after it.
    cancel: Arc<Mutex<CancelHandle>>,
}

struct SyncProgressEvents<'a> {
    task_id: &'a str,
    sink: &'a dyn TaskProgress,
}

impl ProgressSink for SyncProgressEvents<'_> {
    fn progress(&self, p: &Progress) {
        self.sink.on_progress(Event::TaskProgress {
            task_id: self.task_id.to_string(),
            message: p.message.clone(),
            fraction: None,
        });
    }
}

fn network_error(e: impl std::fmt::Display) -> ErrorInfo {
    ErrorInfo {
        kind: ErrorKind::Network,
        message: "Không kết nối được máy chủ; hãy kiểm tra mạng rồi thử lại".into(),
        detail: e.to_string(),
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl TaskRunner {
    pub(crate) fn new(
        dir: PathBuf,
        key: Option<DataKey>,
        options: AppOptions,
        clock: Arc<dyn Clock>,
    ) -> TaskRunner {
        TaskRunner {
            dir,
            key,
            options,
            clock,
            cancel: Arc::new(Mutex::new(CancelHandle::new())),
        }
    }

    /// Run a task to its end; the event to dispatch.
    pub fn run(&self, task: Task) -> Event {
        self.run_with_progress(task, &NoTaskProgress)
    }

    /// Run a task, reporting progress (sync phases) to `progress`.
    pub fn run_with_progress(&self, task: Task, progress: &dyn TaskProgress) -> Event {
        let result = match task.kind {
            TaskKind::ProcessPhoto {
                capture_id,
                assessment_id,
                indicator_id,
                path,
            } => match self.attach(&assessment_id, &indicator_id, &path) {
                Ok((sha256, newly_attached)) => TaskResult::PhotoAttached {
                    capture_id,
                    assessment_id,
                    indicator_id,
                    sha256,
                    newly_attached,
                },
                Err(error) => TaskResult::PhotoFailed {
                    capture_id,
                    assessment_id,
                    indicator_id,
                    error,
                },
            },
            TaskKind::Sync { photos } => self.sync(&task.id, photos, progress),
            TaskKind::Enroll { server, code } => match self.enroll(&server, &code) {
                Ok((server, hamlets)) => TaskResult::Enrolled { server, hamlets },
                Err(error) => TaskResult::EnrollFailed { error },
            },
            TaskKind::DecodeQr { bytes } => match qr::decode_qr(&bytes) {
                Ok(text) => TaskResult::QrDecoded { text },
                Err(error) => TaskResult::QrFailed { error },
            },
        };
        Event::TaskFinished {
            task_id: task.id,
            result,
        }
    }

    /// Stop a running sync before its next request (the OS is ending background time).
    pub fn cancel_sync(&self) {
        self.cancel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .cancel();
    }

    fn device(&self) -> Result<Device, ErrorInfo> {
        Ok(crate::core::open_device(
            &self.dir,
            self.key.as_ref(),
            Arc::clone(&self.clock),
        )?)
    }

    fn attach(
        &self,
        assessment: &str,
        indicator: &str,
        path: &str,
    ) -> Result<(String, bool), ErrorInfo> {
        let device = self.device()?;
        let options = IngestOptions {
            disk_reserve: u64::try_from(self.options.photo_disk_reserve).unwrap_or(0),
            ..IngestOptions::default()
        };
        let photo = device.attach_photo(
            assessment,
            indicator,
            PhotoSource::Path(Path::new(path)),
            &options,
        )?;
        Ok((photo.sha256, photo.newly_attached))
    }

    fn enroll(&self, server: &str, code: &str) -> Result<(String, Vec<String>), ErrorInfo> {
        let server = server_base(server).map_err(SyncError::from)?;
        let transport = ReqwestTransport::new(&server).map_err(network_error)?;
        let device = self.device()?;
        let name = persist::load_prefs(device.store())?
            .device_name
            .or_else(|| self.options.device_name.clone());
        let e = device.enroll(&transport, &server, code, name)?;
        Ok((
            e.server,
            e.scope.hamlets.iter().map(|h| h.name.clone()).collect(),
        ))
    }

    fn sync_options(&self) -> SyncOptions {
        SyncOptions {
            chunk_size: u64::try_from(self.options.sync_chunk_size)
                .ok()
                .filter(|n| *n > 0)
                .unwrap_or(256 * 1024),
            app_version: self.options.app_version.clone(),
            ..SyncOptions::default()
        }
    }

    fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_millis(
                u64::try_from(self.options.sync_retry_base_ms).unwrap_or(500),
            ),
            max_retries: u32::try_from(self.options.sync_max_retries).unwrap_or(6),
            ..RetryPolicy::default()
        }
    }

    fn sync(&self, task_id: &str, photos: bool, progress: &dyn TaskProgress) -> TaskResult {
        let failed = |e: ErrorInfo| TaskResult::SyncFinished {
            outcome: match e.kind {
                ErrorKind::Network => SyncOutcome::Offline,
                ErrorKind::NotEnrolled | ErrorKind::Auth => SyncOutcome::Auth,
                _ => SyncOutcome::Failed,
            },
            message: Some(e.message),
            sent: 0,
            photos_uploaded: 0,
            returned: 0,
            households_received: 0,
            wedged: 0,
        };
        let device = match self.device() {
            Ok(d) => d,
            Err(e) => return failed(e),
        };
        let server = match device.store().enrollment() {
            Ok(Some(e)) => e.server,
            Ok(None) => return failed(SyncError::NotEnrolled.into()),
            Err(e) => return failed(e.into()),
        };
        let transport = match ReqwestTransport::new(&server) {
            Ok(t) => t,
            Err(e) => return failed(network_error(e)),
        };
        let sink = SyncProgressEvents {
            task_id,
            sink: progress,
        };
        let cancel = CancelHandle::new();
        *self.cancel.lock().unwrap_or_else(|p| p.into_inner()) = cancel.clone();
        let options = SyncOptions {
            photos,
            ..self.sync_options()
        };
        let r: RunResult = device.sync(&transport, options, &self.policy(), &sink, &cancel);
        TaskResult::SyncFinished {
            outcome: match r.outcome {
                Outcome::Done => SyncOutcome::Done,
                Outcome::Offline => SyncOutcome::Offline,
                Outcome::Auth => SyncOutcome::Auth,
                Outcome::Cancelled => SyncOutcome::Cancelled,
                Outcome::Failed => SyncOutcome::Failed,
            },
            message: r.message,
            sent: count(r.report.sent),
            photos_uploaded: count(r.report.photos_uploaded),
            returned: count(r.report.returned),
            households_received: count(r.report.pulled.households),
            wedged: count(r.report.wedged),
        }
    }
}
