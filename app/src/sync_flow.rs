//! Enrollment (typed or scanned; QR images decoded in the core), sync runs ("Gửi ngay", pull to
//! refresh, after enrolling; one at a time: a second tap while one runs does nothing), the
//! outbox's actions, a revoked device (enroll again, data kept) and what tasks report back.

use crate::core::AppCore;
use crate::effect::{Effect, TaskKind};
use crate::error::ErrorInfo;
use crate::event::{SyncOutcome, TaskResult};
use crate::persist;
use crate::screen::Screen;
use crate::view::MessageLevel;
use hoctap_domain::url::server_base;

impl AppCore {
    pub(crate) fn on_enroll_field(
        &mut self,
        server_text: Option<String>,
        code_text: Option<String>,
    ) {
        if let Some(Screen::Enrollment { server, code }) = self.top_mut() {
            if let Some(t) = server_text {
                *server = t;
            }
            if let Some(t) = code_text {
                *code = t;
            }
            self.enroll_error = None;
        }
    }

    pub(crate) fn on_enroll_submit(&mut self, fx: &mut Vec<Effect>) {
        if self.enroll_task.is_some() {
            return;
        }
        let Some(Screen::Enrollment { server, code }) = self.top().cloned() else {
            return;
        };
        if server.trim().is_empty() {
            self.enroll_error =
                Some("Hãy nhập địa chỉ máy chủ (ví dụ https://khuyenhoc.phutho.vn)".into());
            return;
        }
        if let Err(e) = server_base(&server) {
            self.enroll_error = Some(ErrorInfo::from(hoctap_sync::SyncError::from(e)).message);
            return;
        }
        if code.trim().is_empty() {
            self.enroll_error = Some("Hãy nhập mã đăng ký do xã cấp".into());
            return;
        }
        self.enroll_error = None;
        let id = self.run_task(
            TaskKind::Enroll {
                server: server.trim().to_string(),
                code: code.trim().to_string(),
            },
            fx,
        );
        self.enroll_task = Some(id);
    }

    pub(crate) fn on_qr_text(&mut self, text: &str, fx: &mut Vec<Effect>) {
        match hoctap_sync::enroll::parse_payload(text) {
            Ok(p) => {
                if !matches!(self.top(), Some(Screen::Enrollment { .. })) {
                    self.push(Screen::Enrollment {
                        server: String::new(),
                        code: String::new(),
                    });
                }
                self.on_enroll_field(Some(p.server), Some(p.code));
                self.on_enroll_submit(fx);
            }
            Err(e) => self.enroll_error = Some(ErrorInfo::from(e).message),
        }
    }

    pub(crate) fn on_qr_image(&mut self, bytes: Vec<u8>, fx: &mut Vec<Effect>) {
        if self.qr_task.is_some() {
            return;
        }
        let id = self.run_task(TaskKind::DecodeQr { bytes }, fx);
        self.qr_task = Some(id);
    }

    pub(crate) fn on_reenroll(&mut self) {
        let server = self
            .device
            .store()
            .enrollment()
            .ok()
            .flatten()
            .map(|e| e.server)
            .unwrap_or_default();
        self.push(Screen::Enrollment {
            server,
            code: String::new(),
        });
    }

    /// Start a sync run unless one runs.
    pub(crate) fn start_sync(&mut self, photos: bool, fx: &mut Vec<Effect>) {
        if self.sync_task.is_some() {
            return;
        }
        let id = self.run_task(TaskKind::Sync { photos }, fx);
        self.sync_task = Some(id);
        self.sync_progress = Some("Đang kết nối máy chủ…".into());
    }

    pub(crate) fn on_send_now(&mut self, fx: &mut Vec<Effect>) {
        if self.sync_task.is_some() {
            // "Gửi ngay" tapped again while sending: one run is enough.
            return;
        }
        match self.device.store().enrollment() {
            Ok(Some(_)) if !self.needs_reenroll => {}
            Ok(_) => {
                return self.show(
                    MessageLevel::Warning,
                    "Máy chưa đăng ký với máy chủ của xã; hãy đăng ký trước khi gửi",
                )
            }
            Err(e) => return self.show_error(e),
        }
        if !self.online {
            self.show(
                MessageLevel::Warning,
                "Không có mạng; phiếu sẽ được gửi tự động khi có mạng",
            );
            return self.schedule_sync(fx);
        }
        // Asked for now: photos go too, unless the cadre keeps them for Wi-Fi and this network
        // is metered.
        let photos = !self.prefs.photos_wifi_only || self.unmetered;
        self.start_sync(photos, fx);
        if !photos {
            self.schedule_sync(fx);
        }
    }

    pub(crate) fn on_retry(&mut self, id: &str, fx: &mut Vec<Effect>) {
        match self.device.store().retry_wedged(id) {
            Ok(true) => {
                self.touched();
                self.show(MessageLevel::Info, "Phiếu đã được đưa lại vào hàng chờ gửi");
                self.schedule_sync(fx);
            }
            Ok(false) => {}
            Err(e) => self.show_error(e),
        }
    }

    pub(crate) fn on_task_finished(
        &mut self,
        task_id: &str,
        result: TaskResult,
        fx: &mut Vec<Effect>,
    ) {
        match result {
            TaskResult::PhotoAttached {
                capture_id,
                newly_attached,
                ..
            } => self.on_photo_attached(&capture_id, newly_attached),
            TaskResult::PhotoFailed {
                capture_id, error, ..
            } => self.on_photo_failed(&capture_id, error),
            TaskResult::Enrolled { server, hamlets } => {
                self.enroll_task = None;
                self.enroll_error = None;
                self.needs_reenroll = false;
                if let Err(e) = persist::set_needs_reenroll(self.device.store(), false) {
                    self.show_error(e);
                }
                self.touched();
                self.nav = vec![Screen::Home];
                self.show(
                    MessageLevel::Success,
                    format!(
                        "Đã đăng ký máy với {server} ({}); đang nhận danh sách hộ",
                        hamlets.join(", ")
                    ),
                );
                self.start_sync(true, fx);
            }
            TaskResult::EnrollFailed { error } => {
                self.enroll_task = None;
                self.enroll_error = Some(error.message);
            }
            TaskResult::QrDecoded { text } => {
                self.qr_task = None;
                self.on_qr_text(&text, fx);
            }
            TaskResult::QrFailed { error } => {
                self.qr_task = None;
                self.enroll_error = Some(error.message);
            }
            TaskResult::SyncFinished {
                outcome,
                message,
                sent,
                returned,
                ..
            } => {
                if self.sync_task.as_deref() == Some(task_id) {
                    self.sync_task = None;
                }
                self.sync_progress = None;
                self.touched();
                self.on_sync_finished(outcome, message, sent, returned, fx);
            }
        }
    }

    fn on_sync_finished(
        &mut self,
        outcome: SyncOutcome,
        message: Option<String>,
        sent: i64,
        returned: i64,
        fx: &mut Vec<Effect>,
    ) {
        match outcome {
            SyncOutcome::Done => {
                let mut text = if sent > 0 {
                    format!("Đã đồng bộ: gửi {sent} phiếu")
                } else {
                    "Đã đồng bộ".to_string()
                };
                if returned > 0 {
                    text.push_str(&format!("; {returned} phiếu bị trả về cần sửa"));
                    fx.push(Effect::Notify {
                        title: "Phiếu bị trả về".into(),
                        body: format!("{returned} phiếu cần sửa theo góp ý của xã"),
                    });
                }
                self.show(MessageLevel::Success, text);
            }
            SyncOutcome::Offline => {
                self.show(
                    MessageLevel::Warning,
                    message.unwrap_or_else(|| {
                        "Không kết nối được máy chủ; sẽ tự gửi lại khi có mạng".into()
                    }),
                );
                self.schedule_sync(fx);
            }
            SyncOutcome::Auth => {
                self.needs_reenroll = true;
                if let Err(e) = persist::set_needs_reenroll(self.device.store(), true) {
                    self.show_error(e);
                }
                self.show(
                    MessageLevel::Error,
                    "Máy chủ không chấp nhận máy này nữa (máy đã bị thu hồi hoặc hết hạn). Hãy \
                     đăng ký lại bằng mã mới; dữ liệu trên máy vẫn được giữ nguyên",
                );
                fx.push(Effect::Notify {
                    title: "Cần đăng ký lại".into(),
                    body: "Máy chủ của xã không chấp nhận máy này nữa; hãy đăng ký lại".into(),
                });
                self.on_reenroll();
            }
            SyncOutcome::Cancelled => self.show(MessageLevel::Info, "Đã dừng đồng bộ"),
            SyncOutcome::Failed => self.show(
                MessageLevel::Error,
                message.unwrap_or_else(|| "Đồng bộ không thành công".into()),
            ),
        }
    }
}
