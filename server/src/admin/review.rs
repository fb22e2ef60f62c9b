//! Criteria publishing and review: `admin criteria publish`, `admin assessments`,
//! `admin return`.

use super::{print_json, AdminError};
use crate::db::assessments::{self, Published};
use crate::db::Db;
use hoctap_domain::criteria::load;
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
    println!(
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

pub async fn list(db: &Db, json_out: bool) -> Result<(), AdminError> {
    let list = assessments::list(db).await?;
    if json_out {
        return print_json(&list);
    }
    for a in list {
        println!(
            "{}\t{}\t{}\t{}\tmáy chủ/server {} {}\tthiết bị/device {} {}\t{}\tảnh/evidence {}/{}\t{}",
            a.id,
            a.household.as_deref().unwrap_or(&a.subject_id),
            a.hamlet,
            a.criteria_id,
            a.status.as_deref().unwrap_or("-"),
            a.server_total.map_or("-".to_string(), |t| t.to_string()),
            a.device_status,
            a.device_total,
            if a.mismatch { "LỆCH/MISMATCH" } else { "khớp/match" },
            a.evidence_present,
            a.evidence_expected,
            a.review_state,
        );
    }
    Ok(())
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
    if !assessments::return_for_correction(db, id, &comment, reviewer).await? {
        return Err(AdminError::Invalid(format!(
            "Không có phiếu {id} / unknown assessment"
        )));
    }
    if json_out {
        return print_json(&json!({"id": id, "review_state": "returned", "comment": comment}));
    }
    println!("Đã trả phiếu {id} để sửa / returned for correction");
    Ok(())
}
