//! `hoctap enroll`, `hoctap sync` (with a progress bar), `hoctap outbox`.

use crate::error::{CliError, CliResult};
use crate::output;
use hoctap_domain::url::server_base;
use hoctap_sync::enroll::parse_payload;
use hoctap_sync::run::{NoProgress, Outcome, Progress, ProgressSink, RetryPolicy};
use hoctap_sync::{CancelHandle, ReqwestTransport, SyncError, SyncOptions};
use std::path::Path;

fn transport(server: &str) -> CliResult<ReqwestTransport> {
    ReqwestTransport::new(server)
        .map_err(|e| CliError::failure("Không tạo được kết nối tới máy chủ").with_detail(e.0))
}

/// `hoctap enroll URL CODE` or `hoctap enroll --qr 'JSON'`.
pub fn enroll(
    data: Option<&Path>,
    url: Option<String>,
    code: Option<String>,
    qr: Option<String>,
    json: bool,
) -> CliResult {
    let (server, code) = match (qr, url, code) {
        (Some(payload), _, _) => {
            let p = parse_payload(&payload)?;
            (p.server, p.code)
        }
        (None, Some(url), Some(code)) => (url, code),
        _ => {
            return Err(CliError::invalid(
                "Cần địa chỉ máy chủ và mã đăng ký (hoctap enroll URL MÃ), hoặc --qr NỘI_DUNG",
            ))
        }
    };
    let server = server_base(&server).map_err(SyncError::from)?;
    let dev = super::open_device(data)?;
    let host = std::env::var("HOSTNAME").ok();
    let e = dev.enroll(&transport(&server)?, &server, &code, host)?;
    if json {
        output::json(&serde_json::json!({
            "device_id": e.device_id, "server": e.server, "scope": e.scope
        }))
    } else {
        outln!(
            "Đã đăng ký máy {} với {} — thôn: {}",
            e.device_id,
            e.server,
            e.scope
                .hamlets
                .iter()
                .map(|h| h.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(())
    }
}

struct Bar(indicatif::ProgressBar);

impl ProgressSink for Bar {
    fn progress(&self, e: &Progress) {
        self.0.set_message(format!(
            "{} — {} phiếu đã gửi, {} ảnh, {} KB",
            e.message,
            e.sent,
            e.photos_uploaded,
            e.photo_bytes_sent / 1024
        ));
        self.0.tick();
    }
}

/// The first Ctrl-C asks the run to stop after the step in flight (every step is saved as it
/// completes); a second one ends the process at once, which is as safe as a crash: the store's
/// transactions roll back and the next run resumes.
fn stop_on_ctrl_c(cancel: &CancelHandle) {
    let cancel = cancel.clone();
    let installed = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            #[allow(clippy::exit)] // The user insisted; nothing half-written survives a restart.
            std::process::exit(crate::error::EXIT_FAILURE);
        }
        cancel.cancel();
        errln!("\nĐang dừng đồng bộ sau bước hiện tại… (Ctrl-C lần nữa để thoát ngay)");
    });
    if let Err(e) = installed {
        errln!("(không bắt được Ctrl-C: {e})");
    }
}

/// `hoctap sync`: one full run.
pub fn sync(data: Option<&Path>, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let enrollment = store.enrollment()?.ok_or(SyncError::NotEnrolled)?;
    let transport = transport(&enrollment.server)?;
    let cancel = CancelHandle::new();
    stop_on_ctrl_c(&cancel);
    let policy = RetryPolicy::default();
    let result = if json {
        dev.sync(
            &transport,
            SyncOptions::default(),
            &policy,
            &NoProgress,
            &cancel,
        )
    } else {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        let sink = Bar(bar);
        let r = dev.sync(&transport, SyncOptions::default(), &policy, &sink, &cancel);
        sink.0.finish_and_clear();
        r
    };
    let counts = store.outbox_counts()?;
    if json {
        output::json(&serde_json::json!({
            "outcome": result.outcome, "message": result.message, "report": result.report,
            "outbox": counts
        }))?;
    } else {
        let r = &result.report;
        outln!(
            "Đồng bộ: {} phiếu mới gửi, {} đã có trên máy chủ, {} ảnh ({} KB); nhận {} hộ, {} bộ tiêu chí, {} phiếu trả về.",
            r.sent,
            r.duplicates,
            r.photos_uploaded,
            r.photo_bytes_sent / 1024,
            r.pulled.households,
            r.pulled.criteria,
            r.returned
        );
        outln!(
            "Hàng đợi: {} chờ gửi, {} đã gửi, {} cần sửa, {} bị giữ lại.",
            counts.queued + counts.sending,
            counts.sent,
            counts.needs_correction,
            counts.wedged
        );
        if let Some(skew) = r.clock_skew_ms {
            if skew.abs() > 5 * 60 * 1000 {
                outln!(
                    "Cảnh báo: đồng hồ máy lệch {} phút so với máy chủ.",
                    skew / 60_000
                );
            }
        }
    }
    match (result.outcome, result.error) {
        (Outcome::Done, _) => Ok(()),
        (_, Some(e)) => Err(CliError::from(e).reported_if(json)),
        (Outcome::Cancelled, _) => Err(CliError::failure(
            "Đã dừng đồng bộ theo yêu cầu. Không mất gì: phiếu chưa gửi vẫn được giữ; chạy lại `hoctap sync` để tiếp tục.",
        )
        .with_detail("sync cancelled by the user (Ctrl-C)")
        .reported_if(json)),
        (outcome, None) => Err(CliError::failure(format!("Đồng bộ dừng: {outcome}"))),
    }
}

/// `hoctap outbox`: every finalized assessment and its upload state.
pub fn outbox(data: Option<&Path>, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let items = store.outbox()?;
    let counts = store.outbox_counts()?;
    if json {
        return output::json(&serde_json::json!({"counts": counts, "items": items}));
    }
    for i in &items {
        let state = if i.corrected_by.is_some() {
            hoctap_domain::labels::SUPERSEDED
        } else {
            i.state.label()
        };
        outln!(
            "{}  {:<18} {:<24} {} {}{}",
            i.id,
            state,
            i.subject_name.as_deref().unwrap_or(&i.subject_id),
            i.model,
            i.year,
            i.detail
                .as_deref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default()
        );
    }
    outln!(
        "{} chờ gửi, {} đã gửi, {} cần sửa, {} bị giữ lại",
        counts.queued + counts.sending,
        counts.sent,
        counts.needs_correction,
        counts.wedged
    );
    Ok(())
}

/// `hoctap outbox retry ID` / `hoctap outbox retry --all`: put set-aside assessments back in
/// the queue (after the cause was fixed, e.g. the hamlet was added to the device's scope).
pub fn outbox_retry(data: Option<&Path>, id: Option<String>, all: bool, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let requeued =
        match (id, all) {
            (Some(id), false) => {
                if store.retry_wedged(&id)? {
                    1
                } else {
                    return Err(CliError::invalid(format!(
                        "Phiếu {id} không ở trạng thái bị giữ lại, không cần gửi lại"
                    )));
                }
            }
            (None, true) => store.retry_all_wedged()?,
            _ => return Err(CliError::invalid(
                "Cho biết mã phiếu cần gửi lại, hoặc dùng --all để gửi lại mọi phiếu bị giữ lại",
            )),
        };
    if json {
        return output::json(&serde_json::json!({ "requeued": requeued }));
    }
    outln!("Đã đưa {requeued} phiếu trở lại hàng chờ gửi; chạy `hoctap sync` để gửi.");
    Ok(())
}

/// `hoctap outbox keep ID`: keep a set-aside or returned assessment as a local draft to fix;
/// the original is superseded and never sent again.
pub fn outbox_keep(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let info = dev.store().keep_as_draft(id)?;
    if json {
        return output::json(&serde_json::json!({ "draft": info.id, "parent": id }));
    }
    outln!(
        "Đã giữ lại thành phiếu nháp {} (lần sửa {}); sửa rồi hoàn tất để gửi lại.",
        info.id,
        info.revision
    );
    Ok(())
}
