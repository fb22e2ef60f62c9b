//! Effects: what only the platform can do, asked for by the core. The shell performs each and,
//! where there is an answer, sends it back as an [`crate::Event`]. Long work is an
//! [`Effect::RunTask`]: the shell runs the [`Task`] off its UI thread with
//! [`crate::TaskRunner::run`] and dispatches the event it returns.

use serde::{Deserialize, Serialize};

/// Something the shell must do.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Effect {
    /// The view model changed: call [`crate::AppCore::view`] and draw it.
    Render,
    /// Open the camera; write the JPEG to `target_path`, then send
    /// [`crate::Event::PhotoCaptured`] (or `PhotoCancelled`) with `capture_id`. A photo written
    /// while the app was killed is found there at the next start.
    CapturePhoto {
        capture_id: String,
        target_path: String,
    },
    /// Open the gallery; copy the picked image to `target_path`, then send `PhotoCaptured`.
    PickPhoto {
        capture_id: String,
        target_path: String,
    },
    /// Open the QR scanner; send `QrScanned { text }`, `QrImage { bytes }` or `QrCancelled`.
    ScanQr,
    /// Run `task` off the UI thread ([`crate::TaskRunner::run`]) and dispatch its event.
    RunTask { task: Task },
    /// Let the OS run a sync when the constraint allows (Android WorkManager, iOS
    /// `BGProcessingTask`): a [`TaskKind::Sync`] task run by [`crate::TaskRunner`]. Records need
    /// any network; photos need `photos_network` (unmetered when the cadre chose Wi-Fi only).
    ScheduleSync {
        records_network: NetworkConstraint,
        photos_network: NetworkConstraint,
    },
    /// Show a system notification (the app may be in the background).
    Notify { title: String, body: String },
    /// Keep the screen on (while a photo is processed) or let it sleep again.
    KeepScreenOn { on: bool },
    /// Back on the first screen: let the OS close the app (move it to the background).
    CloseApp,
}

/// Which network a scheduled job may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkConstraint {
    Any,
    Unmetered,
}

/// Long work, described as data: the shell runs it on a worker thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Unique; the event reporting back carries it.
    pub id: String,
    pub kind: TaskKind,
}

/// What a task does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TaskKind {
    /// Process a captured or picked photo and attach it to an indicator of a draft (up to about
    /// a second on a cheap phone).
    ProcessPhoto {
        capture_id: String,
        assessment_id: String,
        indicator_id: String,
        path: String,
    },
    /// One sync run: pull, photos (unless `photos` is false: then only records whose photos the
    /// server already holds are sent), assessments, heartbeat.
    Sync { photos: bool },
    /// Enroll with a server and a one-time code.
    Enroll { server: String, code: String },
    /// Find and decode a QR code in an image.
    DecodeQr { bytes: Vec<u8> },
}
