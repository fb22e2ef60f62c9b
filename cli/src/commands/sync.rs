//! `hoctap enroll`, `hoctap sync` (with a progress bar), `hoctap outbox`.

use crate::error::{CliError, CliResult};
use crate::output;
use hoctap_core::sync::enroll::{enroll as enroll_device, parse_payload};
use hoctap_core::sync::run::{NoProgress, Outcome, Progress, ProgressSink, RetryPolicy};
use hoctap_core::sync::{run_sync, state, CancelHandle, ReqwestTransport, SyncError, SyncOptions};
use std::path::Path;

fn sync_error(e: SyncError) -> CliError {
    match e {
        SyncError::Auth(_) | SyncError::NotEnrolled => CliError::Invalid(e.to_string()),
        SyncError::Store(s) => s.into(),
        other => CliError::Failure(other.to_string()),
    }
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
            return Err(CliError::Invalid(
                "Cần URL và MÃ, hoặc --qr NỘI_DUNG / need URL and CODE, or --qr PAYLOAD".into(),
            ))
        }
    };
    if !(server.starts_with("http://") || server.starts_with("https://")) {
        return Err(CliError::Invalid(format!(
            "Địa chỉ máy chủ phải bắt đầu bằng http:// hoặc https:// / bad server URL: {server}"
        )));
    }
    let store = super::open_store(data)?;
    let transport = ReqwestTransport::new(&server).map_err(|e| CliError::Failure(e.0))?;
    let host = std::env::var("HOSTNAME").ok();
    let e = enroll_device(&store, &transport, &server, &code, host).map_err(sync_error)?;
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
    let store = super::open_store(data)?;
    let enrollment =
        state::enrollment(&store)?.ok_or_else(|| sync_error(SyncError::NotEnrolled))?;
    let transport =
        ReqwestTransport::new(&enrollment.server).map_err(|e| CliError::Failure(e.0))?;
    let cancel = CancelHandle::new();
    let policy = RetryPolicy::default();
    let result = if json {
        run_sync(
            &store,
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
        let r = run_sync(
            &store,
            &transport,
            SyncOptions::default(),
            &policy,
            &sink,
            &cancel,
        );
        sink.0.finish_and_clear();
        r
    };
    let counts = state::counts(&store)?;
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
            "Hàng đợi: {} chờ gửi, {} đã gửi, {} cần sửa, {} bị kẹt.",
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
    match result.outcome {
        Outcome::Done => Ok(()),
        Outcome::Auth => Err(CliError::Invalid(result.message.unwrap_or_default())),
        _ => Err(CliError::Failure(result.message.unwrap_or_default())),
    }
}

/// `hoctap outbox`: every finalized assessment and its upload state.
pub fn outbox(data: Option<&Path>, json: bool) -> CliResult {
    let store = super::open_store(data)?;
    let items = state::outbox(&store)?;
    let counts = state::counts(&store)?;
    if json {
        return output::json(&serde_json::json!({"counts": counts, "items": items}));
    }
    for i in &items {
        let state = match i.state.as_str() {
            "queued" | "local" => "chờ gửi",
            "sending" => "đang gửi",
            "sent" => "đã gửi",
            "needs_correction" => "cần sửa",
            "wedged" => "bị kẹt",
            other => other,
        };
        outln!(
            "{}  {:<10} {:<24} {} {}{}",
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
        "{} chờ gửi, {} đã gửi, {} cần sửa, {} bị kẹt",
        counts.queued + counts.sending,
        counts.sent,
        counts.needs_correction,
        counts.wedged
    );
    Ok(())
}
