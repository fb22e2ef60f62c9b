//! [`AppCore`]: the one entry type. `dispatch(event)` applies an event against the store and
//! returns the effects the platform must perform; `view()` is the current screen's view model.
//! Events are applied one at a time, in order (the shell calls `dispatch` from one thread, or
//! under a lock); long work never runs here but as [`Effect::RunTask`], reported back as
//! events — so a render never waits on a photo or the network, and a test drives the core
//! deterministically by running each task itself.

use crate::effect::{Effect, NetworkConstraint, Task, TaskKind};
use crate::error::{AppError, ErrorInfo, ErrorKind};
use crate::event::Event;
use crate::persist::{self, PendingCapture, Prefs};
use crate::screen::Screen;
use crate::tasks::TaskRunner;
use crate::view::{
    DialogKind, DialogView, MessageLevel, MessageView, ScreenView, SyncBar, UnavailableView,
    ViewModel,
};
use hoctap_device::{DataKey, Device};
use hoctap_domain::time::Clock;
use hoctap_store::SystemClock;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Folder (in the data directory) where the camera and gallery write photos for the core.
pub const CAPTURE_DIR: &str = "captures";

/// How the core runs.
#[derive(Debug, Clone, PartialEq)]
pub struct AppOptions {
    /// Shown in settings and sent at enrollment.
    pub app_version: String,
    /// The device's name at enrollment unless the cadre set one.
    pub device_name: Option<String>,
    /// Bytes kept free on the device when a photo is stored (default 200 MiB).
    pub photo_disk_reserve: i64,
    /// Household list rows per page (default 50).
    pub page_size: i32,
    /// Sync: photo chunk size in bytes (default 256 KiB).
    pub sync_chunk_size: i64,
    /// Sync: consecutive failures before a run ends as offline (default 6).
    pub sync_max_retries: i32,
    /// Sync: first retry pause in ms (default 500).
    pub sync_retry_base_ms: i64,
    /// The year assessed unless the cadre picks one (`None`: the device's current year).
    pub year: Option<i32>,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            device_name: None,
            photo_disk_reserve: 200 * 1024 * 1024,
            page_size: 50,
            sync_chunk_size: 256 * 1024,
            sync_max_retries: 6,
            sync_retry_base_ms: 500,
            year: None,
        }
    }
}

/// The device on `dir`, with `key` when it is encrypted at rest.
pub(crate) fn open_device(
    dir: &Path,
    key: Option<&DataKey>,
    clock: Arc<dyn Clock>,
) -> Result<Device, hoctap_device::DeviceError> {
    match key {
        Some(k) => Device::open_with_key_and_clock(dir, k, clock),
        None => Device::open_with_clock(dir, clock),
    }
}

/// An open confirmation dialog and what it is about.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dialog {
    pub kind: DialogKind,
    pub target: String,
}

/// The household list rows loaded for the screen on top (pages appended by `LoadMore`).
#[derive(Debug, Clone, Default)]
pub(crate) struct ListCache {
    pub key: String,
    pub generation: u64,
    pub view: Option<crate::view::HouseholdListView>,
}

/// The phone app's core for one data directory.
pub struct AppCore {
    pub(crate) device: Device,
    pub(crate) dir: PathBuf,
    /// The data key when the directory is encrypted at rest (tasks open it with the same key).
    pub(crate) key: Option<DataKey>,
    pub(crate) options: AppOptions,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) prefs: Prefs,
    pub(crate) nav: Vec<Screen>,
    pub(crate) dialog: Option<Dialog>,
    pub(crate) message: Option<MessageView>,
    pub(crate) captures: BTreeMap<String, PendingCapture>,
    pub(crate) sync_task: Option<String>,
    pub(crate) sync_progress: Option<String>,
    pub(crate) enroll_task: Option<String>,
    pub(crate) qr_task: Option<String>,
    pub(crate) enroll_error: Option<String>,
    pub(crate) needs_reenroll: bool,
    pub(crate) online: bool,
    pub(crate) unmetered: bool,
    pub(crate) screen_on: bool,
    /// Bumped by every change of data, so cached parts of the view are rebuilt.
    pub(crate) generation: u64,
    pub(crate) list: ListCache,
    pub(crate) sync_bar: Option<(u64, SyncBar)>,
    view: ViewModel,
}

impl AppCore {
    /// Open the core on a data directory (as `hoctap_device::Device::open` takes it), restoring
    /// the navigation stack, the open assessment and photo captures in flight. Then dispatch
    /// [`Event::Started`].
    pub fn open(data_dir: &Path, options: AppOptions) -> Result<AppCore, AppError> {
        Self::open_with_clock(data_dir, options, Arc::new(SystemClock))
    }

    /// Like [`AppCore::open`], on a given clock (tests).
    pub fn open_with_clock(
        data_dir: &Path,
        options: AppOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<AppCore, AppError> {
        Self::open_keyed(data_dir, None, options, clock)
    }

    /// Open the core on a data directory encrypted at rest with `key` (the key the shell keeps
    /// in the platform's key store; clear data is encrypted on this first keyed open). A key
    /// that does not open the data is `DeviceError::Key`, and nothing is changed. Tasks open
    /// the directory with the same key.
    pub fn open_encrypted(
        data_dir: &Path,
        key: DataKey,
        options: AppOptions,
    ) -> Result<AppCore, AppError> {
        Self::open_keyed(data_dir, Some(key), options, Arc::new(SystemClock))
    }

    fn open_keyed(
        data_dir: &Path,
        key: Option<DataKey>,
        options: AppOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<AppCore, AppError> {
        if data_dir.as_os_str().is_empty() {
            return Err(AppError::EmptyDataDir);
        }
        let device = open_device(data_dir, key.as_ref(), Arc::clone(&clock))?;
        let store = device.store();
        let load = || -> Result<_, ErrorInfo> {
            Ok((
                persist::load_prefs(store)?,
                persist::load_nav(store)?,
                persist::load_captures(store)?,
                persist::needs_reenroll(store)?,
                store.enrollment()?,
            ))
        };
        let (prefs, mut nav, captures, needs_reenroll, enrollment) = load().map_err(|e| {
            AppError::Open(hoctap_device::DeviceError::Store(
                hoctap_store::StoreError::Internal(e.detail),
            ))
        })?;
        if nav.is_empty() {
            nav.push(Screen::root(
                enrollment.is_some(),
                enrollment.map(|e| e.server),
            ));
        }
        let mut core = AppCore {
            device,
            dir: data_dir.to_path_buf(),
            key,
            options,
            clock,
            prefs,
            nav,
            dialog: None,
            message: None,
            captures: captures
                .into_iter()
                .map(|c| (c.capture_id.clone(), c))
                .collect(),
            sync_task: None,
            sync_progress: None,
            enroll_task: None,
            qr_task: None,
            enroll_error: None,
            needs_reenroll,
            online: true,
            unmetered: true,
            screen_on: false,
            generation: 0,
            list: ListCache::default(),
            sync_bar: None,
            view: ViewModel {
                screen: ScreenView::Unavailable(UnavailableView {
                    message: String::new(),
                }),
                title: String::new(),
                can_go_back: false,
                year: 0,
                sync: SyncBar::default(),
                dialog: None,
                message: None,
            },
        };
        core.render();
        Ok(core)
    }

    /// Apply one event; returns what the platform must do, [`Effect::Render`] last.
    pub fn dispatch(&mut self, event: Event) -> Vec<Effect> {
        let mut fx = Vec::new();
        let before = nav_shape(&self.nav);
        let prefs_before = self.prefs.clone();
        let pausing = matches!(event, Event::Paused);
        self.handle(event, &mut fx);
        if pausing || nav_shape(&self.nav) != before {
            if let Err(e) = persist::save_nav(self.device.store(), &self.nav) {
                self.show_error(e);
            }
        }
        if self.prefs != prefs_before {
            if let Err(e) = persist::save_prefs(self.device.store(), &self.prefs) {
                self.show_error(e);
            }
        }
        let processing = self.captures.values().any(|c| c.task_id.is_some());
        if processing != self.screen_on {
            self.screen_on = processing;
            fx.push(Effect::KeepScreenOn { on: processing });
        }
        self.render();
        fx.push(Effect::Render);
        fx
    }

    /// The current screen's view model.
    pub fn view(&self) -> ViewModel {
        self.view.clone()
    }

    /// What runs the [`Effect::RunTask`] tasks: `Send + Sync`, opens its own connection, so the
    /// shell runs it on a worker thread while the core keeps answering.
    pub fn task_runner(&self) -> TaskRunner {
        TaskRunner::new(
            self.dir.clone(),
            self.key.clone(),
            self.options.clone(),
            Arc::clone(&self.clock),
        )
    }

    /// The year being assessed.
    pub fn year(&self) -> i32 {
        self.prefs
            .year
            .or(self.options.year)
            .unwrap_or_else(|| self.clock.current_year())
    }

    /// The device (store, photo folder) the core works on — for tests and the FFI layer's
    /// diagnostics; screens never need it.
    pub fn device(&self) -> &Device {
        &self.device
    }

    pub(crate) fn top(&self) -> Option<&Screen> {
        self.nav.last()
    }

    pub(crate) fn top_mut(&mut self) -> Option<&mut Screen> {
        self.nav.last_mut()
    }

    pub(crate) fn new_id(&self) -> String {
        self.clock.new_id()
    }

    /// Data changed: rebuild cached parts of the view.
    pub(crate) fn touched(&mut self) {
        self.generation += 1;
    }

    pub(crate) fn show(&mut self, level: MessageLevel, text: impl Into<String>) {
        self.message = Some(MessageView {
            level,
            text: text.into(),
            error_kind: None,
        });
    }

    pub(crate) fn show_error(&mut self, e: impl Into<ErrorInfo>) {
        let e = e.into();
        tracing::warn!(kind = ?e.kind, detail = %e.detail, "app core error");
        self.message = Some(MessageView {
            level: if e.kind == ErrorKind::Input || e.kind == ErrorKind::NotFound {
                MessageLevel::Warning
            } else {
                MessageLevel::Error
            },
            text: e.message,
            error_kind: Some(e.kind),
        });
    }

    /// Start a task (the caller checked it is not running already).
    pub(crate) fn run_task(&mut self, kind: TaskKind, fx: &mut Vec<Effect>) -> String {
        let id = self.new_id();
        fx.push(Effect::RunTask {
            task: Task {
                id: id.clone(),
                kind,
            },
        });
        id
    }

    /// Ask the OS to sync when the network allows: records on any network; photos on an
    /// unmetered one when the cadre chose Wi-Fi only.
    pub(crate) fn schedule_sync(&self, fx: &mut Vec<Effect>) {
        if self.device.store().enrollment().ok().flatten().is_none() || self.needs_reenroll {
            return;
        }
        fx.push(Effect::ScheduleSync {
            records_network: NetworkConstraint::Any,
            photos_network: if self.prefs.photos_wifi_only {
                NetworkConstraint::Unmetered
            } else {
                NetworkConstraint::Any
            },
        });
    }

    fn render(&mut self) {
        let screen = match self.build_screen() {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(detail = %e.detail, "screen unavailable");
                ScreenView::Unavailable(UnavailableView { message: e.message })
            }
        };
        let sync = self.sync_bar();
        self.view = ViewModel {
            title: self.title(),
            can_go_back: self.nav.len() > 1,
            year: self.year(),
            sync,
            dialog: self.dialog.as_ref().map(dialog_view),
            message: self.message.clone(),
            screen,
        };
    }
}

/// The navigation stack as persisted at once: a search text alone is saved at `Paused` (a
/// keystroke is not worth an fsync).
fn nav_shape(nav: &[Screen]) -> Vec<Screen> {
    nav.iter()
        .map(|s| match s {
            Screen::Households {
                hamlet_id, filter, ..
            } => Screen::Households {
                hamlet_id: hamlet_id.clone(),
                search: String::new(),
                filter: *filter,
            },
            other => other.clone(),
        })
        .collect()
}

fn dialog_view(d: &Dialog) -> DialogView {
    let (title, body, confirm) = match d.kind {
        DialogKind::ConfirmFinalize => (
            "Chốt phiếu đánh giá?",
            "Sau khi chốt, phiếu không sửa được nữa (chỉ có thể tạo bản sửa) và sẽ được gửi \
             lên xã khi có mạng.",
            "Chốt phiếu",
        ),
        DialogKind::ConfirmDiscardDraft => (
            "Xoá bản nháp?",
            "Mọi câu trả lời và ảnh đã gắn của bản nháp này sẽ bị xoá.",
            "Xoá bản nháp",
        ),
        DialogKind::ConfirmRemoveMember => (
            "Xoá thành viên?",
            "Thành viên sẽ được đưa ra khỏi hộ (vẫn giữ lịch sử, có thể khôi phục).",
            "Xoá thành viên",
        ),
        DialogKind::ConfirmRemoveHousehold => (
            "Xoá hộ gia đình?",
            "Hộ sẽ được đưa ra khỏi danh sách (vẫn giữ lịch sử, có thể khôi phục).",
            "Xoá hộ",
        ),
    };
    DialogView {
        kind: d.kind,
        title: title.into(),
        body: body.into(),
        confirm_label: confirm.into(),
        cancel_label: "Huỷ".into(),
    }
}
