//! `hoctap register`, `assess` (from a file or interactive Vietnamese prompts, saving every
//! answer as it is given), `finalize`, `correct`, `show` and `summary`.

use crate::error::{read_input, CliError, CliResult};
use crate::output;
use crate::{AssessArgs, RegisterArgs};
use hoctap_domain::criteria::{AnswerKind, LoadedSet};
use hoctap_domain::engine::answers::is_override_reason;
use hoctap_domain::engine::{AnswerValue, Answers, ItemAnswer};
use hoctap_domain::model::{Model, Points, SubjectKind};
use hoctap_domain::targets::percent_text;
use hoctap_domain::text;
use hoctap_store::assessments::AssessmentInfo;
use hoctap_store::Store;
use serde::Serialize;
use std::io::{BufRead, Write};
use std::path::Path;

fn model_arg(code: &str) -> CliResult<Model> {
    Model::from_code(code).ok_or_else(|| {
        CliError::invalid(format!(
            "Mô hình không hợp lệ: {code} (gia_dinh, dong_ho, cong_dong, don_vi, cong_dan)"
        ))
    })
}

pub fn register(data: Option<&Path>, a: &RegisterArgs) -> CliResult {
    let model = model_arg(&a.model)?;
    let year = a.year.unwrap_or_else(super::this_year);
    let dev = super::open_device(data)?;
    let store = dev.store();
    let subject = store.resolve_subject(SubjectKind::for_model(model), &a.subject)?;
    let id = store.register(&subject, model, year)?;
    if a.json {
        output::json(&serde_json::json!({
            "registration": id, "subject": subject, "model": model, "year": year
        }))
    } else {
        outln!(
            "Đã đăng ký {} năm {year} / registered: {id}",
            model.title_vi()
        );
        Ok(())
    }
}

#[derive(Serialize)]
struct AssessOutput<'a> {
    assessment: &'a AssessmentInfo,
    evaluation: &'a hoctap_domain::engine::Evaluation,
}

pub fn assess(data: Option<&Path>, a: &AssessArgs) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let set = super::criteria::resolve(data, &a.criteria)?;
    let year = a.year.unwrap_or_else(super::this_year);
    let subject = store.resolve_subject(SubjectKind::for_model(set.model), &a.subject)?;
    // Read and check the answers file before creating anything.
    let from_file = match &a.answers {
        Some(path) => {
            let answers = Answers::from_json(&set, &read_input(path)?, year)?;
            if !answers.members.is_empty() {
                return Err(CliError::invalid(
                    "Thành viên lấy từ danh sách hộ, không từ tệp câu trả lời; bỏ \"members\"",
                ));
            }
            Some(answers)
        }
        None => None,
    };
    let info = store.start_assessment(&subject, &set, year)?;
    match from_file {
        Some(answers) => store.set_answers(&info.id, &answers.items)?,
        None => interactive(store, &info, &set)?,
    }
    let info = store.assessment(&info.id)?;
    let evaluation = store.evaluate_assessment(&info.id)?;
    if a.json {
        output::json(&AssessOutput {
            assessment: &info,
            evaluation: &evaluation,
        })
    } else {
        outln!("Phiếu đánh giá / assessment: {}", info.id);
        output::evaluation_text(&evaluation);
        outln!(
            "Chốt phiếu bằng / finalize with: hoctap finalize {}",
            info.id
        );
        Ok(())
    }
}

/// Ask for each indicator in turn on stderr/stdin, saving every answer at once (a crash or a
/// closed terminal loses nothing already typed). Enter keeps the current value; `q` stops.
fn interactive(store: &Store, info: &AssessmentInfo, set: &LoadedSet) -> CliResult {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut err = std::io::stderr();
    let current = store.answers_of(info, set)?;
    let evaluation = store.evaluate_assessment(&info.id)?;
    let _ = writeln!(
        err,
        "Đánh giá theo {} — Enter: giữ nguyên / bỏ qua, q: dừng (đã lưu từng câu).",
        set.title
    );
    'items: for ind in set.indicators() {
        if ind.missing {
            continue;
        }
        let max = ind.max.unwrap_or(Points::ZERO);
        let now = current.items.get(&ind.id).and_then(|a| a.value);
        let _ = writeln!(err, "\nChỉ số {} (tối đa {max} điểm): {}", ind.id, ind.text);
        if let Some(g) = &ind.guidance {
            let _ = writeln!(err, "  Hướng dẫn: {g}");
        }
        let derived = matches!(ind.answer, AnswerKind::Derived(_));
        if derived {
            if let Some(r) = evaluation.items.iter().find(|r| r.id == ind.id) {
                let _ = writeln!(
                    err,
                    "  Tính từ thành viên: {} điểm{}",
                    r.points
                        .map(|p| p.to_string())
                        .unwrap_or_else(|| "chưa tính được".into()),
                    r.explanation
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                );
            }
        }
        loop {
            let hint = match (&ind.answer, now) {
                (AnswerKind::YesNo, Some(AnswerValue::YesNo(b))) => {
                    format!("hiện tại: {}", if b { "có" } else { "không" })
                }
                (_, Some(AnswerValue::Points(p))) => format!("hiện tại: {p}"),
                _ => "chưa trả lời".into(),
            };
            let ask = match ind.answer {
                AnswerKind::YesNo => "Có/Không (c/k)",
                AnswerKind::Derived(_) => "Enter để dùng giá trị tính, hoặc nhập điểm để sửa",
                AnswerKind::Points { .. } => "Nhập điểm",
            };
            let _ = write!(err, "  {ask} [{hint}]: ");
            let _ = err.flush();
            let Some(Ok(line)) = lines.next() else {
                let _ = writeln!(err);
                break 'items;
            };
            let input = text::fold(&line);
            if input.is_empty() {
                break;
            }
            if input == "q" {
                break 'items;
            }
            let value = match ind.answer {
                AnswerKind::YesNo => match input.as_str() {
                    "c" | "co" | "y" | "yes" | "1" => Some(AnswerValue::YesNo(true)),
                    "k" | "khong" | "n" | "no" | "0" => Some(AnswerValue::YesNo(false)),
                    _ => None,
                },
                _ => input
                    .replace(',', ".")
                    .parse::<f64>()
                    .ok()
                    .and_then(Points::from_f64)
                    .map(AnswerValue::Points),
            };
            let Some(value) = value else {
                let _ = writeln!(err, "  Không hiểu \"{line}\", nhập lại.");
                continue;
            };
            let override_reason = if derived {
                let _ = write!(err, "  Lý do sửa giá trị tính tự động: ");
                let _ = err.flush();
                match lines.next() {
                    Some(Ok(r)) if is_override_reason(&r) => Some(r.trim().to_string()),
                    _ => {
                        let _ = writeln!(
                            err,
                            "  Cần lý do bằng lời (không phải một con số); giữ giá trị tính."
                        );
                        break;
                    }
                }
            } else {
                None
            };
            let answer = ItemAnswer {
                value: Some(value),
                note: current.items.get(&ind.id).and_then(|a| a.note.clone()),
                override_reason,
            };
            match store.set_answer(&info.id, &ind.id, answer) {
                Ok(()) => break,
                Err(e) if e.is_user_error() => {
                    let _ = writeln!(err, "  {}", e.message_vi());
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

pub fn finalize(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let done = dev.store().finalize(id)?;
    if json {
        output::json(&done)
    } else {
        outln!(
            "Đã chốt phiếu / finalized: {} (sha256 {})",
            done.id,
            done.content_sha256
        );
        output::evaluation_text(&done.evaluation);
        Ok(())
    }
}

pub fn correct(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let info = dev.store().correct(id)?;
    if json {
        output::json(&info)
    } else {
        outln!(
            "Bản sửa / correction: {} (lần {}, sửa cho {})",
            info.id,
            info.revision,
            info.parent_id.as_deref().unwrap_or("")
        );
        Ok(())
    }
}

pub fn show(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let info = store.assessment(id)?;
    let evaluation = store.evaluate_assessment(id)?;
    // Evidence photos worth a second look (plausibility flags), never a refusal.
    let flagged: Vec<hoctap_device::EvidencePhoto> = dev
        .photos_of(id)?
        .into_values()
        .flatten()
        .filter(|p| !p.flags.is_empty())
        .collect();
    // The reviewers' comments on this assessment's whole revision line, oldest first.
    let comments = store.comments(id)?;
    let outbox = store.outbox_item(id)?;
    if json {
        #[derive(Serialize)]
        struct ShowOutput<'a> {
            #[serde(flatten)]
            inner: AssessOutput<'a>,
            /// Flagged photos with their flags (`evidence list` has every photo).
            photo_flags: &'a [hoctap_device::EvidencePhoto],
            comments: &'a [hoctap_store::outbox::Comment],
            /// The correction that supersedes this assessment, if one was made.
            corrected_by: Option<&'a str>,
        }
        return output::json(&ShowOutput {
            inner: AssessOutput {
                assessment: &info,
                evaluation: &evaluation,
            },
            photo_flags: &flagged,
            comments: &comments,
            corrected_by: outbox.as_ref().and_then(|o| o.corrected_by.as_deref()),
        });
    }
    outln!(
        "Phiếu {} — {} năm {}, {} (lần {})",
        info.id,
        info.model.title_vi(),
        info.year,
        if info.is_finalized() {
            "đã chốt"
        } else {
            "nháp"
        },
        info.revision
    );
    if let Some(o) = &outbox {
        match &o.corrected_by {
            Some(k) => outln!("{} — bản sửa: {k}", hoctap_domain::labels::SUPERSEDED),
            None => outln!("Gửi: {}", o.state.label()),
        }
    }
    output::evaluation_text(&evaluation);
    if !comments.is_empty() {
        outln!("Ý kiến người duyệt:");
        for c in &comments {
            outln!(
                "  - {} {}: {}",
                c.at,
                c.author.as_deref().unwrap_or("người duyệt"),
                c.body
            );
        }
    }
    if !flagged.is_empty() {
        outln!("Ảnh cần xem lại:");
        for p in &flagged {
            for f in &p.flags {
                outln!(
                    "  - Chỉ số {}, ảnh {}: {}",
                    p.item_id,
                    p.sha256.get(..12).unwrap_or(&p.sha256),
                    f.message_vi()
                );
            }
        }
    }
    Ok(())
}

/// A summary row as `summary --json` prints it: the store's figures and the target in force.
#[derive(Serialize)]
struct SummaryRow<'a> {
    #[serde(flatten)]
    figures: &'a hoctap_store::summary::ModelSummary,
    /// The target in force (the province's once synced), in percent; `None`: no target.
    target_percent: Option<f64>,
    /// Whether `percentage` meets it (`None` without a target or a figure).
    meets_target: Option<bool>,
}

pub fn summary(data: Option<&Path>, year: Option<i32>, json: bool) -> CliResult {
    let year = year.unwrap_or_else(super::this_year);
    let dev = super::open_device(data)?;
    let models = dev.store().summary(year)?;
    let targets = dev.store().targets()?;
    if json {
        let rows: Vec<SummaryRow> = models
            .iter()
            .map(|m| SummaryRow {
                figures: m,
                target_percent: targets.get(m.model),
                meets_target: targets.met(m.model, m.percentage),
            })
            .collect();
        return output::json(&serde_json::json!({"year": year, "models": rows}));
    }
    outln!("Tổng hợp năm {year}:");
    outln!(
        "{:<20} {:>9} {:>9} {:>7} {:>8} {:>7} {:>9}",
        "Mô hình",
        "Đăng ký",
        "Đã chấm",
        "Đạt",
        "Tổng số",
        "Tỷ lệ",
        "Chỉ tiêu"
    );
    for m in models {
        outln!(
            "{:<20} {:>9} {:>9} {:>7} {:>8} {:>7} {:>9}",
            m.title,
            m.registered,
            m.assessed,
            m.passed,
            m.all,
            m.percentage
                .map(|p| format!("{p:.1}%"))
                .unwrap_or_else(|| "—".into()),
            targets
                .get(m.model)
                .map(|t| format!("{}%", percent_text(t)))
                .unwrap_or_else(|| "—".into())
        );
    }
    Ok(())
}
