//! [`AppShell`]: the app core (`hoctap-app`) for a phone shell that renders and performs
//! effects. Events, effects, tasks and view models cross the boundary as JSON (serde's
//! externally tagged form, documented in `bindings/README.md`), as Crux passes them serialized:
//! one stable contract instead of a UniFFI type per screen record.
//!
//! The shell's loop: `dispatch(event)` → effects; on `Render` draw `view()`; on `RunTask` call
//! `run_task(task)` on a worker thread and `dispatch` the event it returns. `dispatch` and
//! `view` are quick (one store transaction at most); `run_task` blocks (photo processing, sync,
//! enrollment).

use crate::error::{HoctapError, Result};
use hoctap_app::{AppCore, AppError, AppOptions, Effect, Event, Task, TaskRunner};
use hoctap_device::DataKey;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

impl From<AppError> for HoctapError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Open(d) => d.into(),
            AppError::EmptyDataDir => HoctapError::InvalidInput {
                message: e.message_vi(),
            },
        }
    }
}

fn bad_json(what: &str, e: &serde_json::Error) -> HoctapError {
    tracing::warn!(error = %e, "unreadable {what} JSON from the shell");
    HoctapError::InvalidInput {
        message: format!("Dữ liệu không đọc được ({what}): {e}"),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| HoctapError::Internal {
        message: format!("Lỗi nội bộ khi chuyển dữ liệu: {e}"),
    })
}

/// The app core behind a phone shell. Safe from any thread: events are applied one at a time,
/// in the order `dispatch` is called.
#[derive(uniffi::Object)]
pub struct AppShell {
    core: Mutex<AppCore>,
    runner: TaskRunner,
}

impl AppShell {
    fn wrap(core: AppCore) -> Result<Arc<AppShell>> {
        let runner = core.task_runner();
        Ok(Arc::new(AppShell {
            core: Mutex::new(core),
            runner,
        }))
    }

    fn core(&self) -> MutexGuard<'_, AppCore> {
        // A panic inside a dispatch reaches the shell as `Internal` (UniFFI catches it). The
        // stored data is consistent (every change is one transaction), but the core's memory
        // is as the panic left it: the shell should open a new `AppShell` after `Internal`.
        // Until then, calls go on rather than fail on the poisoned lock.
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl AppShell {
    /// Open the core on the app's data directory, restoring where the cadre was (navigation,
    /// open assessment, photo captures in flight). Then dispatch `"Started"`.
    #[uniffi::constructor]
    pub fn open(
        data_dir: String,
        app_version: String,
        device_name: Option<String>,
    ) -> Result<Arc<AppShell>> {
        let options = AppOptions {
            app_version,
            device_name,
            ..AppOptions::default()
        };
        Self::wrap(AppCore::open(Path::new(&data_dir), options)?)
    }

    /// Like [`AppShell::open`], on data encrypted at rest with `key`: the 32 random bytes the
    /// shell keeps in the platform's key store (see `HoctapApp.open_encrypted`). Tasks (photos,
    /// sync) open the data with the same key. A key that does not open the data is
    /// `HoctapError::Key`, and nothing is changed.
    #[uniffi::constructor]
    pub fn open_encrypted(
        data_dir: String,
        key: Vec<u8>,
        app_version: String,
        device_name: Option<String>,
    ) -> Result<Arc<AppShell>> {
        let key = zeroize::Zeroizing::new(key);
        let key = DataKey::from_bytes(&key).map_err(hoctap_device::DeviceError::from)?;
        let options = AppOptions {
            app_version,
            device_name,
            ..AppOptions::default()
        };
        Self::wrap(AppCore::open_encrypted(Path::new(&data_dir), key, options)?)
    }

    /// Apply one event (JSON of `Event`); returns the effects to perform (JSON array of
    /// `Effect`). An unreadable event is `InvalidInput` and changes nothing.
    pub fn dispatch(&self, event_json: String) -> Result<String> {
        let event: Event = serde_json::from_str(&event_json).map_err(|e| bad_json("event", &e))?;
        let effects: Vec<Effect> = self.core().dispatch(event);
        to_json(&effects)
    }

    /// The current screen's view model (JSON of `ViewModel`).
    pub fn view(&self) -> Result<String> {
        let view = self.core().view();
        to_json(&view)
    }

    /// Run a task (JSON of `Task`, from a `RunTask` effect) on the calling thread — a worker,
    /// never the UI thread — and return the event to dispatch (JSON of `Event`).
    pub fn run_task(&self, task_json: String) -> Result<String> {
        let task: Task = serde_json::from_str(&task_json).map_err(|e| bad_json("task", &e))?;
        let event = self.runner.run(task);
        to_json(&event)
    }

    /// Stop a running sync task (the task then reports its end as an event).
    pub fn cancel_sync(&self) {
        self.runner.cancel_sync();
    }

    /// The thumbnail of a stored evidence photo (a `sha256` of a view's photo) as JPEG bytes,
    /// decrypted when the data is encrypted at rest: the only way for a shell to show it.
    /// Quick (one small file); call it off the UI thread all the same.
    pub fn thumbnail(&self, sha256: String) -> Result<Vec<u8>> {
        Ok(self.core().device().thumbnail_bytes(&sha256)?)
    }
}
