//! `hoctap import roster FILE [--create-hamlets]`: a roster file (CSV or XLSX, any usual
//! encoding and separator; read by `hoctap_domain::roster`) into this device, all or nothing.

use crate::error::{CliError, CliResult};
use crate::output;
use hoctap_domain::roster::{problem_lines, Refusal, SHOWN_PROBLEMS};
use hoctap_store::roster::ImportOptions;
use serde_json::json;
use std::path::Path;

/// The file's bytes (`-`: standard input); a missing or unreadable file is the user's error.
fn read_bytes(path: &str) -> CliResult<Vec<u8>> {
    use std::io::Read;
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| {
            CliError::invalid("Không đọc được dữ liệu vào chuẩn")
                .with_detail(format!("cannot read standard input: {e}"))
        })?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| {
        CliError::invalid(format!("Không đọc được tệp {path}"))
            .with_detail(format!("cannot read {path}: {e}"))
    })
}

pub fn roster(data: Option<&Path>, file: &str, create_hamlets: bool, json: bool) -> CliResult {
    let bytes = read_bytes(file)?;
    let dev = super::open_device(data)?;
    let options = ImportOptions { create_hamlets };
    let refusal = match dev.store().import_roster(&bytes, options)? {
        Ok(report) => {
            if json {
                return output::json(&report);
            }
            if let Some(note) = report.file.note_vi() {
                outln!("{note}");
            }
            if !report.hamlets_created.is_empty() {
                outln!(
                    "Đã thêm {} thôn mới / hamlets created: {}",
                    report.hamlets_created.len(),
                    report.hamlets_created.join(", ")
                );
            }
            if report.clan_links > 0 {
                outln!(
                    "Đã gắn {} hộ vào dòng họ theo cột dòng họ / households linked to clans",
                    report.clan_links
                );
            }
            outln!(
                "Đã nhập / imported: {} hộ mới, {} thành viên; {} hộ đã có được bỏ qua ({} dòng)",
                report.households_added,
                report.members_added,
                report.households_skipped,
                report.rows
            );
            return Ok(());
        }
        Err(refusal) => refusal,
    };
    match refusal {
        Refusal::File(e) => {
            let err = CliError::invalid(format!("{file}: {}", e.message_vi()))
                .with_detail(format!("{file}: {}", e.detail()));
            if json {
                output::json(&json!({
                    "imported": false,
                    "error": {"code": e.code(), "message": err.message, "detail": err.detail},
                    "problems": [],
                }))?;
                return Err(err.reported());
            }
            Err(err)
        }
        Refusal::Rows { source, problems } => {
            let mut lines = problem_lines(file, &problems, SHOWN_PROBLEMS);
            if let Some(note) = source.note_vi() {
                lines.push(note);
            }
            let err = CliError::invalid(lines.join("\n")).with_detail(format!(
                "{file}: nothing imported, {} problem(s)",
                problems.len()
            ));
            if json {
                output::json(&json!({"imported": false, "problems": problems, "file": source}))?;
                // Every problem is in the JSON: stderr gets one line, not the list again.
                return Err(CliError::invalid(format!(
                    "{file}: không nhập gì, {} lỗi (xem \"problems\")",
                    problems.len()
                ))
                .with_detail(err.detail.unwrap_or_default())
                .reported());
            }
            Err(err)
        }
    }
}
