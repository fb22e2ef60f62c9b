//! Sync across the FFI: the progress callback implemented by the shell (a foreign trait), the
//! cancel handle, and the state of a sans-IO upload-job session (one core `SyncMachine` per run,
//! with the jobs handed out and not yet answered).

use crate::types::SyncProgressEvent;
use hoctap_sync::{CancelHandle, Job, Progress, ProgressSink, SyncMachine};
use std::path::PathBuf;
use std::sync::Arc;

/// Receives progress events of [`crate::HoctapApp::sync`]. Implemented in Kotlin or Swift.
/// Called on the thread that runs `sync`; keep it quick and post to the UI thread yourself.
#[uniffi::export(with_foreign)]
pub trait SyncProgress: Send + Sync {
    /// One event: phase, a Vietnamese status line and counters so far.
    fn on_progress(&self, event: SyncProgressEvent);
}

/// Stops a running sync from another thread (a "Dừng" button, the OS ending background work).
/// The run stops before its next request, or during a retry pause.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelToken {
    handle: CancelHandle,
}

#[uniffi::export]
impl CancelToken {
    /// A fresh token (not cancelled).
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(CancelToken::default())
    }

    /// Ask the sync using this token to stop.
    pub fn cancel(&self) {
        self.handle.cancel();
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.handle.is_cancelled()
    }
}

impl CancelToken {
    pub(crate) fn handle(&self) -> &CancelHandle {
        &self.handle
    }
}

/// Forwards the core's progress events to the foreign callback.
pub(crate) struct ForeignProgress(pub Arc<dyn SyncProgress>);

impl ProgressSink for ForeignProgress {
    fn progress(&self, event: &Progress) {
        self.0.on_progress(SyncProgressEvent {
            phase: event.phase.into(),
            message: event.message.clone(),
            photos_uploaded: i64::try_from(event.photos_uploaded).unwrap_or(i64::MAX),
            photo_bytes_sent: i64::try_from(event.photo_bytes_sent).unwrap_or(i64::MAX),
            sent: i64::try_from(event.sent).unwrap_or(i64::MAX),
        });
    }
}

/// A sans-IO upload session: the run's machine and the job handed out, by job id.
pub(crate) struct UploadSession {
    pub machine: SyncMachine,
    /// Base URL of the server.
    pub server: String,
    /// The job handed out and not yet completed or failed (at most one: the protocol is
    /// sequential), with its body file.
    pub pending: Option<(String, Job, Option<PathBuf>)>,
}
