//! Vietnamese labels of every code a person reads: models, results, outbox and subject states,
//! sex, schooling, set status, hamlet kinds. One owner: the CLI, the bindings and the server all
//! call these, so a state never reads two ways.

use crate::criteria::{CriteriaSet, SetStatus};
use crate::engine::Status;
use crate::model::{Model, Schooling, Sex};
use crate::state::{SubjectStatus, SyncState};
use crate::units::HamletKind;

/// Vietnamese title of a model.
pub fn model_title(m: Model) -> &'static str {
    match m {
        Model::GiaDinh => "Gia đình học tập",
        Model::DongHo => "Dòng họ học tập",
        Model::CongDong => "Cộng đồng học tập",
        Model::DonVi => "Đơn vị học tập",
        Model::CongDan => "Công dân học tập",
    }
}

/// `6340` → `6.340`: an integer with the Vietnamese thousands separator (evidence flags, the
/// staff web app).
pub fn int_vi(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Result of an evaluation ("Đạt", "Chưa đạt", "Chưa đủ thông tin") of an official or partial
/// set. Use [`evaluation_label`] (or `Evaluation::label`) for what a person reads: it knows
/// practice results and ineligible subjects.
pub fn result_status(s: Status) -> &'static str {
    match s {
        Status::Passed => "Đạt",
        Status::Failed => "Chưa đạt",
        Status::Incomplete => "Chưa đủ thông tin",
    }
}

/// How a practice result (a template set's) begins: it is for reference, never a recognition.
pub const PRACTICE_PREFIX: &str = "Kết quả tham khảo (bộ mẫu)";

/// The result as a person reads it, wherever it is shown (CLI, phones, server listing):
/// - a template set's result is a practice result: "Kết quả tham khảo (bộ mẫu): đủ điều kiện
///   theo mẫu" / "… chưa đủ điều kiện theo mẫu" / "… chưa đủ thông tin" — never "Đạt";
/// - a person outside the set's eligibility: "Không thuộc diện đánh giá";
/// - otherwise [`result_status`].
pub fn evaluation_label(s: Status, practice: bool, ineligible: bool) -> String {
    if practice {
        let what = if ineligible {
            "không thuộc diện đánh giá"
        } else {
            match s {
                Status::Passed => "đủ điều kiện theo mẫu",
                Status::Failed => "chưa đủ điều kiện theo mẫu",
                Status::Incomplete => "chưa đủ thông tin",
            }
        };
        return format!("{PRACTICE_PREFIX}: {what}");
    }
    if ineligible {
        return "Không thuộc diện đánh giá".into();
    }
    result_status(s).to_string()
}

/// The label of a stored result (a status code and the set it was scored with), for listings
/// that do not re-evaluate: a template's result reads as practice.
pub fn stored_result_label(s: Status, set: Option<&CriteriaSet>) -> String {
    evaluation_label(s, set.is_some_and(CriteriaSet::is_practice), false)
}

/// Outbox state of a finalized assessment.
pub fn sync_state(s: SyncState) -> &'static str {
    match s {
        SyncState::Local => "Chưa gửi (máy chưa đăng ký)",
        SyncState::Queued => "Đang chờ gửi",
        SyncState::Sending => "Đang gửi",
        SyncState::Sent => "Đã gửi",
        SyncState::NeedsCorrection => "Cần sửa",
        SyncState::Wedged => "Bị giữ lại",
    }
}

/// Where a subject stands for a year.
pub fn subject_status(s: SubjectStatus) -> &'static str {
    match s {
        SubjectStatus::NotRegistered => "Chưa đăng ký",
        SubjectStatus::Registered => "Đã đăng ký",
        SubjectStatus::Draft => "Đang đánh giá",
        SubjectStatus::Finalized => "Đã chốt, chưa gửi",
        SubjectStatus::Sent => "Đã gửi",
        SubjectStatus::NeedsCorrection => "Cần sửa",
        SubjectStatus::Recognised => "Đã công nhận",
    }
}

/// Sex of a member.
pub fn sex(s: Sex) -> &'static str {
    match s {
        Sex::Male => "Nam",
        Sex::Female => "Nữ",
        Sex::Other => "Khác",
    }
}

/// Schooling situation of a member.
pub fn schooling(s: Schooling) -> &'static str {
    match s {
        Schooling::Preschool => "Chưa đến tuổi đi học",
        Schooling::InSchool => "Đang đi học",
        Schooling::OutOfSchool => "Bỏ học / không đi học",
        Schooling::Finished => "Đã học xong",
        Schooling::Never => "Chưa từng đi học",
    }
}

/// Status of a criteria set's content.
pub fn set_status(s: SetStatus) -> &'static str {
    match s {
        SetStatus::Official => "chính thức",
        SetStatus::Partial => "chưa đầy đủ",
        SetStatus::Template => "mẫu",
    }
}

/// Kind of hamlet.
pub fn hamlet_kind(k: HamletKind) -> &'static str {
    match k {
        HamletKind::Thon => "Thôn",
        HamletKind::ToDanPho => "Tổ dân phố",
    }
}

/// Warning shown with an assessment whose set cannot report "đạt": a template, or a set that
/// lacks official items or its pass threshold.
pub fn set_notice(set: &CriteriaSet) -> Option<&'static str> {
    match set.status {
        SetStatus::Template => {
            Some("Mẫu — không phải bộ tiêu chí chính thức; kết quả chỉ để tham khảo")
        }
        _ if set.is_incomplete() => Some(
            "Bộ tiêu chí chưa đầy đủ (thiếu chỉ số hoặc ngưỡng công nhận chính thức): kết quả sẽ là “chưa đủ thông tin”",
        ),
        _ => None,
    }
}

/// Kind of a unit (đơn vị).
pub fn unit_kind(k: crate::protocol::UnitKind) -> &'static str {
    match k {
        crate::protocol::UnitKind::School => "Trường học",
        crate::protocol::UnitKind::Office => "Cơ quan",
        crate::protocol::UnitKind::Enterprise => "Doanh nghiệp",
        crate::protocol::UnitKind::Other => "Đơn vị khác",
    }
}

/// How a criteria note was established.
pub fn note_kind(k: crate::criteria::NoteKind) -> &'static str {
    match k {
        crate::criteria::NoteKind::Verified => "đã đối chiếu văn bản",
        crate::criteria::NoteKind::Inferred => "suy luận, chưa có văn bản",
    }
}

/// An assessment superseded by its correction.
pub const SUPERSEDED: &str = "Đã sửa (có bản sửa)";
