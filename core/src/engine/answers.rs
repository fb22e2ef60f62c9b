//! Engine input: answers per indicator, member facts, assessment year and evidence counts, plus
//! their JSON form and typed input errors.
//!
//! JSON form (what `hoctap score --answers` reads):
//! ```json
//! {"year": 2026,
//!  "items": {"1.1": 8, "1.2": 7.5, "3.1": true,
//!            "2.1": {"value": 10, "override_reason": "…", "note": "…"}},
//!  "members": [{"name": "…", "birth_year": 2015, "schooling": "in_school", "literate": true}],
//!  "evidence": {"1.1": 2}}
//! ```
//! A bare number answers a points indicator, a bare boolean a yes/no indicator; the object form
//! adds a note, and on a derived indicator an override (which needs `override_reason`).
//! `evidence` is optional; when present, evidence rules are checked.

use crate::model::{MemberFacts, Points};
use std::collections::BTreeMap;

/// A value given for an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerValue {
    Points(Points),
    YesNo(bool),
}

/// One indicator's answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemAnswer {
    /// `None`: not answered yet (a draft may hold only a note).
    pub value: Option<AnswerValue>,
    pub note: Option<String>,
    /// Required when `value` overrides a derived indicator.
    pub override_reason: Option<String>,
}

/// Everything an evaluation reads besides the set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers {
    /// Assessment year, used for members' ages. Defaults to the current year where read from JSON.
    pub year: i32,
    pub items: BTreeMap<String, ItemAnswer>,
    pub members: Vec<MemberFacts>,
    /// Photos attached per indicator; `None` skips evidence checks (pure scoring).
    pub evidence: Option<BTreeMap<String, u32>>,
}

/// Input the engine refuses. Each names the indicator at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("Dữ liệu không phải JSON hợp lệ: {0} / answers are not valid JSON")]
    NotJson(String),
    #[error("Cấu trúc câu trả lời không hợp lệ: {0} / malformed answers")]
    Malformed(String),
    #[error("Chỉ số {item} không có trong bộ tiêu chí {set} / unknown indicator {item}")]
    UnknownIndicator { item: String, set: String },
    #[error("Chỉ số {item}: điểm {value} nằm ngoài khoảng 0–{max} / indicator {item}: {value} out of range 0–{max}")]
    OutOfRange {
        item: String,
        value: String,
        max: String,
    },
    #[error("Chỉ số {item}: điểm {value} âm / indicator {item}: negative value {value}")]
    Negative { item: String, value: String },
    #[error("Chỉ số {item}: điểm {value} phải là bội của {step} / indicator {item}: {value} is not a multiple of {step}")]
    BadStep {
        item: String,
        value: String,
        step: String,
    },
    #[error("Chỉ số {item}: cần {expected} / indicator {item}: expected {expected}")]
    WrongKind { item: String, expected: String },
    #[error("Chỉ số {item}: sửa giá trị tính tự động phải có lý do / indicator {item}: overriding a derived value needs a reason")]
    OverrideWithoutReason { item: String },
    #[error("Chỉ số {item} còn thiếu trong bộ tiêu chí, không thể chấm / indicator {item} is missing from the set and cannot be answered")]
    MissingIndicator { item: String },
    #[error("Thành viên thứ {index}: {detail} / member {index}: {detail}")]
    BadMember { index: usize, detail: String },
}

impl InputError {
    /// The indicator this error is about, if any.
    pub fn item(&self) -> Option<&str> {
        match self {
            InputError::UnknownIndicator { item, .. }
            | InputError::OutOfRange { item, .. }
            | InputError::Negative { item, .. }
            | InputError::BadStep { item, .. }
            | InputError::WrongKind { item, .. }
            | InputError::OverrideWithoutReason { item }
            | InputError::MissingIndicator { item } => Some(item),
            _ => None,
        }
    }
}
