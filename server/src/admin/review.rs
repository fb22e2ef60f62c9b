//! Criteria publishing and review: `admin criteria publish`, `admin assessments`,
//! `admin return`.

use super::{print_json, AdminError};
use crate::db::assessments::{self, Published, Returned};
use crate::db::Db;
use crate::rescore;
use hoctap_domain::criteria::load;
use serde::Serialize;
use serde_json::json;
use std::path::Path;

pub async fn publish(db: &Db, file: &Path, json_out: bool) -> Result<(), AdminError> {
    let src = std::fs::read_to_string(file).map_err(|e| {
        AdminError::Invalid(format!(
            "Không đọc được tệp {} / cannot read: {e}",
            file.display()
        ))
    })?;
    let set = load::parse_set(&src, &file.display().to_string()).map_err(|report| {
        AdminError::Invalid(format!(
            "Bộ tiêu chí không hợp lệ / invalid criteria set:\n{report}"
        ))
    })?;
    let outcome = assessments::publish_criteria(db, &set, &src).await?;
    if outcome == Published::VersionTaken {
        return Err(AdminError::Invalid(format!(
            "{} phiên bản {} đã công bố với nội dung khác; hãy tăng version / version already published with other content",
            set.id, set.version
        )));
    }
    let new = outcome == Published::New;
    if json_out {
        return print_json(&json!({
            "id": set.id, "version": set.version, "sha256": set.sha256(), "published": new
        }));
    }
    outln!(
        "{} {} v{} ({}) / {}",
        if new {
            "Đã công bố"
        } else {
            "Đã có sẵn"
        },
        set.id,
        set.version,
        set.sha256(),
        if new {
            "published"
        } else {
            "already published"
        }
    );
    Ok(())
}

/// A listed assessment with its result as a person reads it (labels, level title).
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    summary: &'a assessments::AssessmentSummary,
    #[serde(flatten)]
    result: Option<&'a rescore::ResultLabels>,
}

pub async fn list(db: &Db, current: bool, json_out: bool) -> Result<(), AdminError> {
    let mut list = assessments::list(db).await?;
    // Counts and `--current` take the latest revision only: a corrected assessment once.
    let corrected = list.iter().filter(|a| !a.current).count();
    if current {
        list.retain(|a| a.current);
    }
    // Results read as labels: a template's as a practice result, levels as their titles.
    let labels = rescore::labels_by_assessment(db).await?;
    if json_out {
        let rows: Vec<Listed<'_>> = list
            .iter()
            .map(|a| Listed {
                summary: a,
                result: labels.get(&a.id),
            })
            .collect();
        return print_json(&rows);
    }
    let current_count = list.iter().filter(|a| a.current).count();
    for a in list {
        let l = labels.get(&a.id);
        let level = l
            .and_then(|l| l.level_title.as_deref().map(|t| (t, l.practice)))
            .map(|(t, practice)| {
                if practice {
                    format!(" — mức (theo mẫu): {t}")
                } else {
                    format!(" — mức: {t}")
                }
            })
            .unwrap_or_default();
        outln!(
            "{}\t{}\t{}\t{}\tmáy chủ/server {} {}{level}\tthiết bị/device {} {}\t{}\tảnh/evidence {}/{}\t{}",
            a.id,
            a.subject_name.as_deref().unwrap_or(&a.subject_id),
            a.hamlet,
            a.criteria_id,
            l.map_or_else(|| a.status.as_deref().unwrap_or("-"), |l| l.label.as_str()),
            a.server_total.map_or("-".to_string(), |t| t.to_string()),
            l.map_or(a.device_status.as_str(), |l| l.device_label.as_str()),
            a.device_total,
            if a.mismatch { "LỆCH/MISMATCH" } else { "khớp/match" },
            a.evidence_present,
            a.evidence_expected,
            review_state_text(&a.review_state),
        );
        // Revisions and the review trail, one indented line each.
        if let Some(parent) = &a.parent_id {
            outln!(
                "\tsửa phiếu/corrects {parent} (lần/revision {}){}",
                a.revision,
                if a.parent_missing {
                    " — máy chủ chưa nhận phiếu gốc / parent never received"
                } else {
                    ""
                }
            );
        }
        if let Some(by) = &a.superseded_by {
            outln!("\tđã sửa bằng/corrected by {by}");
        }
        for r in &a.returns {
            outln!(
                "\ttrả lại/returned {}\t{}\t{}{}",
                r.returned_at,
                r.reviewer.as_deref().unwrap_or("-"),
                r.comment,
                if r.assessment_id == a.id {
                    String::new()
                } else {
                    format!("\t(phiếu/on {})", r.assessment_id)
                }
            );
        }
        // Plausibility flags of its photos, one indented line each (never a refusal).
        for p in &a.photo_flags {
            for f in &p.flags {
                outln!(
                    "\tảnh/photo {}\t{}\t{}",
                    p.sha256.get(..12).unwrap_or(&p.sha256),
                    f.kind(),
                    f.message_vi()
                );
            }
        }
    }
    outln!(
        "Tổng/total: {current_count} phiếu hiện hành/current; {corrected} bản đã sửa/corrected{}",
        if current {
            " (không liệt kê/not listed)"
        } else {
            ""
        }
    );
    Ok(())
}

/// The review state as a person reads it.
fn review_state_text(state: &str) -> &str {
    match state {
        "received" => "đã nhận/received",
        "returned" => "đã trả lại/returned",
        "accepted" => "đã duyệt/accepted",
        "corrected" => "đã sửa/corrected",
        other => other,
    }
}

pub async fn return_assessment(
    db: &Db,
    id: &str,
    comment: &str,
    reviewer: Option<&str>,
    json_out: bool,
) -> Result<(), AdminError> {
    let comment = hoctap_domain::text::clean(comment);
    if comment.is_empty() {
        return Err(AdminError::Invalid(
            "Cần ghi nhận xét khi trả phiếu / a comment is required".into(),
        ));
    }
    let entry = match assessments::return_for_correction(db, id, &comment, reviewer).await? {
        Returned::Done(entry) => entry,
        Returned::Unknown => {
            return Err(AdminError::Invalid(format!(
                "Không có phiếu {id} / unknown assessment"
            )))
        }
        Returned::Superseded(by) => {
            return Err(AdminError::Invalid(format!(
                "Phiếu {id} đã được sửa bằng phiếu {by}; hãy xem và trả phiếu {by} / already corrected: return the correction instead"
            )))
        }
    };
    if json_out {
        return print_json(&json!({
            "id": id, "review_state": "returned", "comment": comment, "return_id": entry.id,
            "reviewer": entry.reviewer, "returned_at": entry.returned_at,
        }));
    }
    outln!("Đã trả phiếu {id} để sửa / returned for correction");
    Ok(())
}
