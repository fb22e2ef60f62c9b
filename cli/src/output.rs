//! Output helpers: JSON to stdout (one document, pretty-printed, newline-terminated) and plain
//! Vietnamese text for people.

use crate::error::{CliError, CliResult};

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// `println!` that never panics: a closed stdout (`hoctap … | head`) is not an error worth a
/// crash, so write failures are ignored.
macro_rules! outln {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
use hoctap_domain::engine::Evaluation;
use serde::Serialize;

/// Print a value as JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> CliResult {
    let s = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failure("Lỗi xuất JSON").with_detail(e.to_string()))?;
    outln!("{s}");
    Ok(())
}

/// The result as a headline: "Kết quả: ĐẠT" for an official set, the practice label as it is
/// ("Kết quả tham khảo (bộ mẫu): …") for a template, which never reads "đạt".
pub fn result_headline(e: &Evaluation) -> String {
    if e.practice {
        e.label.clone()
    } else {
        format!("Kết quả: {}", e.label.to_uppercase())
    }
}

/// Print an evaluation for people. Levels read as their Vietnamese titles.
pub fn evaluation_text(e: &Evaluation) {
    let level = e
        .level_title
        .as_deref()
        .or(e.level.as_deref())
        .map(|l| {
            if e.practice {
                format!(" — mức (theo mẫu): {l}")
            } else {
                format!(" — mức: {l}")
            }
        })
        .unwrap_or_default();
    outln!(
        "{} — {} / {} điểm{level}",
        result_headline(e),
        e.total,
        e.max,
    );
    if e.practice {
        outln!("  (Bộ mẫu — không phải bộ tiêu chí chính thức: kết quả chỉ để tham khảo, không dùng để công nhận)");
    }
    for c in &e.subtotals {
        let max = c.max.map(|m| m.to_string()).unwrap_or_else(|| "?".into());
        outln!("  Tiêu chí {}: {} / {} — {}", c.id, c.total, max, c.title);
    }
    if !e.reasons.is_empty() {
        outln!("Lý do:");
        for r in &e.reasons {
            outln!("  - {}", r.message);
        }
    }
    outln!(
        "Bộ tiêu chí {} phiên bản {} (sha256 {}…)",
        e.criteria.id,
        e.criteria.version,
        e.criteria.sha256.get(..12).unwrap_or(&e.criteria.sha256)
    );
}
