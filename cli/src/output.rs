//! Output helpers: JSON to stdout (one document, pretty-printed, newline-terminated) and plain
//! Vietnamese text for people.

use crate::error::{CliError, CliResult};
use hoctap_core::engine::{Evaluation, Status};
use serde::Serialize;

/// Print a value as JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> CliResult {
    let s =
        serde_json::to_string_pretty(value).map_err(|e| CliError::Failure(format!("JSON: {e}")))?;
    println!("{s}");
    Ok(())
}

/// Vietnamese word for a status.
pub fn status_vi(s: Status) -> &'static str {
    match s {
        Status::Passed => "ĐẠT",
        Status::Failed => "CHƯA ĐẠT",
        Status::Incomplete => "CHƯA ĐỦ THÔNG TIN",
    }
}

/// Print an evaluation for people.
pub fn evaluation_text(e: &Evaluation) {
    println!(
        "Kết quả: {} — {} / {} điểm{}",
        status_vi(e.status),
        e.total,
        e.max,
        e.level
            .as_deref()
            .map(|l| format!(" — mức: {l}"))
            .unwrap_or_default()
    );
    for c in &e.subtotals {
        let max = c.max.map(|m| m.to_string()).unwrap_or_else(|| "?".into());
        println!("  Tiêu chí {}: {} / {} — {}", c.id, c.total, max, c.title);
    }
    if !e.reasons.is_empty() {
        println!("Lý do:");
        for r in &e.reasons {
            println!("  - {}", r.message);
        }
    }
    println!(
        "Bộ tiêu chí {} phiên bản {} (sha256 {}…)",
        e.criteria.id,
        e.criteria.version,
        e.criteria.sha256.get(..12).unwrap_or(&e.criteria.sha256)
    );
}
