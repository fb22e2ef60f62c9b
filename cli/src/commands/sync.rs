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

/// `hoctap sync`: one full run.
pub fn sync(data: Option<&Path>, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let enrollment = store.enrollment()?.ok_or(SyncError::NotEnrolled)?;
    let transport = transport(&enrollment.server)?;
    let cancel = CancelHandle::new();
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
        outln!(
            "{}  {:<18} {:<24} {} {}{}",
            i.id,
            i.state.label(),
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
