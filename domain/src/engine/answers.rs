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

/// Input the engine refuses. Each names the indicator or member at fault. `Display` is the
/// English detail for logs; [`InputError::message_vi`] is what the cadre reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("answers are not valid JSON: {0}")]
    NotJson(String),
    #[error("answers must be a JSON object {{\"items\": …}}")]
    NotObject,
    #[error("unknown key \"{key}\"{} (allowed: {})", item.as_deref().map(|i| format!(" in indicator {i}")).unwrap_or_default(), allowed.join(", "))]
    UnknownKey {
        key: String,
        /// The indicator whose answer object has the key; `None` at the top level.
        item: Option<String>,
        allowed: Vec<&'static str>,
    },
    #[error("\"{field}\" has the wrong JSON type: {got}")]
    WrongJsonType {
        /// `year`, `items`, `members`, `evidence`, or `ITEM.note` / `ITEM.override_reason`.
        field: String,
        got: String,
    },
    #[error("evidence of indicator {item}: expected a photo count, got {got}")]
    BadPhotoCount { item: String, got: String },
    #[error("unknown indicator {item} in set {set}")]
    UnknownIndicator { item: String, set: String },
    #[error("indicator {item}: {value} out of range 0–{max}")]
    OutOfRange {
        item: String,
        value: String,
        max: String,
    },
    #[error("indicator {item}: negative value {value}")]
    Negative { item: String, value: String },
    #[error("indicator {item}: {value} is not a multiple of {step}")]
    BadStep {
        item: String,
        value: String,
        step: String,
    },
    #[error("indicator {item}: expected {}", expected.detail())]
    WrongKind { item: String, expected: Expected },
    #[error("indicator {item}: overriding a derived value needs a reason")]
    OverrideWithoutReason { item: String },
    #[error("indicator {item}: only derived indicators can be overridden")]
    OverrideNotAllowed { item: String },
    #[error("indicator {item} is missing from the set and cannot be answered")]
    MissingIndicator { item: String },
    #[error("member {index}: {detail}")]
    BadMember { index: usize, detail: String },
    #[error("member {index}: birth year {birth_year} is after the assessment year {year}")]
    BornAfterYear {
        index: usize,
        birth_year: i32,
        year: i32,
    },
    /// A new assessment may not start with this set for this year or subject.
    #[error("{0}")]
    NotAssessable(Box<crate::eligibility::NotAssessable>),
}

impl From<crate::eligibility::NotAssessable> for InputError {
    fn from(e: crate::eligibility::NotAssessable) -> Self {
        InputError::NotAssessable(Box::new(e))
    }
}

/// What kind of value an indicator expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// A number of points.
    Points,
    /// true / false.
    YesNo,
}

impl Expected {
    fn detail(self) -> &'static str {
        match self {
            Expected::Points => "a number of points",
            Expected::YesNo => "true/false",
        }
    }
    fn vi(self) -> &'static str {
        match self {
            Expected::Points => "một số điểm",
            Expected::YesNo => "có/không",
        }
    }
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
            | InputError::OverrideNotAllowed { item }
            | InputError::MissingIndicator { item }
            | InputError::BadPhotoCount { item, .. } => Some(item),
            InputError::UnknownKey { item, .. } => item.as_deref(),
            _ => None,
        }
    }

    /// What the cadre reads, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            InputError::NotJson(_) => "Dữ liệu câu trả lời không phải JSON hợp lệ".into(),
            InputError::NotObject => "Câu trả lời phải là một đối tượng JSON {\"items\": …}".into(),
            InputError::UnknownKey { key, item, allowed } => format!(
                "{}khóa \"{key}\" không được hỗ trợ (chỉ dùng: {})",
                item.as_deref()
                    .map(|i| format!("Chỉ số {i}: "))
                    .unwrap_or_default(),
                allowed.join(", ")
            ),
            InputError::WrongJsonType { field, .. } => {
                format!("Trường \"{field}\" có kiểu dữ liệu không đúng")
            }
            InputError::BadPhotoCount { item, .. } => {
                format!("Số ảnh của chỉ số {item} phải là số nguyên ≥ 0")
            }
            InputError::UnknownIndicator { item, set } => {
                format!("Chỉ số {item} không có trong bộ tiêu chí {set}")
            }
            InputError::OutOfRange { item, value, max } => {
                format!("Chỉ số {item}: điểm {value} nằm ngoài khoảng 0–{max}")
            }
            InputError::Negative { item, value } => format!("Chỉ số {item}: điểm {value} âm"),
            InputError::BadStep { item, value, step } => {
                format!("Chỉ số {item}: điểm {value} phải là bội của {step}")
            }
            InputError::WrongKind { item, expected } => {
                format!("Chỉ số {item}: cần {}", expected.vi())
            }
            InputError::OverrideWithoutReason { item } => {
                format!("Chỉ số {item}: sửa giá trị tính tự động phải có lý do bằng lời (không chỉ một con số)")
            }
            InputError::OverrideNotAllowed { item } => format!(
                "Chỉ số {item}: chỉ chỉ số tính tự động từ thành viên mới được sửa kèm lý do"
            ),
            InputError::MissingIndicator { item } => {
                format!("Chỉ số {item} còn thiếu trong bộ tiêu chí, không thể chấm")
            }
            InputError::BadMember { index, .. } => {
                format!("Thông tin thành viên thứ {index} không hợp lệ")
            }
            InputError::BornAfterYear {
                index,
                birth_year,
                year,
            } => format!("Thành viên thứ {index}: năm sinh {birth_year} sau năm đánh giá {year}"),
            InputError::NotAssessable(e) => e.message_vi(),
        }
    }

    /// English detail for logs and support.
    pub fn detail(&self) -> String {
        self.to_string()
    }
}

use crate::criteria::{AnswerKind, CriteriaSet, Indicator};
use serde_json::Value;

const TOP_KEYS: &[&str] = &["year", "items", "members", "evidence"];
const ITEM_KEYS: &[&str] = &["value", "note", "override_reason"];

impl Answers {
    /// Read answers from their JSON form (see the module docs) and validate them against `set`.
    /// `default_year` is used when the JSON has no `year`.
    pub fn from_json(
        set: &CriteriaSet,
        json: &str,
        default_year: i32,
    ) -> Result<Answers, InputError> {
        let root: Value =
            serde_json::from_str(json).map_err(|e| InputError::NotJson(e.to_string()))?;
        let Value::Object(root) = root else {
            return Err(InputError::NotObject);
        };
        if let Some(k) = root.keys().find(|k| !TOP_KEYS.contains(&k.as_str())) {
            return Err(InputError::UnknownKey {
                key: k.clone(),
                item: None,
                allowed: TOP_KEYS.to_vec(),
            });
        }
        let year = match root.get("year") {
            None | Some(Value::Null) => default_year,
            Some(v) => v
                .as_i64()
                .and_then(|y| i32::try_from(y).ok())
                .ok_or_else(|| InputError::WrongJsonType {
                    field: "year".into(),
                    got: v.to_string(),
                })?,
        };

        let mut items = BTreeMap::new();
        match root.get("items") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (id, v) in map {
                    let ind = lookup(set, id)?;
                    items.insert(id.clone(), parse_item(ind, v)?);
                }
            }
            Some(other) => {
                return Err(InputError::WrongJsonType {
                    field: "items".into(),
                    got: other.to_string(),
                })
            }
        }

        let members = match root.get("members") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    serde_json::from_value::<MemberFacts>(m.clone()).map_err(|e| {
                        InputError::BadMember {
                            index: i + 1,
                            detail: e.to_string(),
                        }
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => {
                return Err(InputError::WrongJsonType {
                    field: "members".into(),
                    got: other.to_string(),
                })
            }
        };

        let evidence = match root.get("evidence") {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => {
                let mut out = BTreeMap::new();
                for (id, v) in map {
                    lookup(set, id)?;
                    let n = v
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| InputError::BadPhotoCount {
                            item: id.clone(),
                            got: v.to_string(),
                        })?;
                    out.insert(id.clone(), n);
                }
                Some(out)
            }
            Some(other) => {
                return Err(InputError::WrongJsonType {
                    field: "evidence".into(),
                    got: other.to_string(),
                })
            }
        };

        let answers = Answers {
            year,
            items,
            members,
            evidence,
        };
        answers.validate(set)?;
        Ok(answers)
    }

    /// Check these answers against `set`: every answered indicator exists, is not missing,
    /// has the right kind, range and step; overrides only on derived indicators, with a reason;
    /// evidence only for known indicators; members born no later than the assessment year.
    pub fn validate(&self, set: &CriteriaSet) -> Result<(), InputError> {
        for (id, ans) in &self.items {
            let ind = lookup(set, id)?;
            check_value(ind, ans)?;
        }
        if let Some(ev) = &self.evidence {
            for id in ev.keys() {
                if set.indicator(id).is_none() {
                    return Err(unknown(set, id));
                }
            }
        }
        for (i, m) in self.members.iter().enumerate() {
            if let Some(b) = m.birth_year {
                if b > self.year {
                    return Err(InputError::BornAfterYear {
                        index: i + 1,
                        birth_year: b,
                        year: self.year,
                    });
                }
            }
        }
        Ok(())
    }
}

fn unknown(set: &CriteriaSet, id: &str) -> InputError {
    InputError::UnknownIndicator {
        item: id.to_string(),
        set: set.id.clone(),
    }
}

/// An answerable indicator of `set`.
fn lookup<'a>(set: &'a CriteriaSet, id: &str) -> Result<&'a Indicator, InputError> {
    let ind = set.indicator(id).ok_or_else(|| unknown(set, id))?;
    if ind.missing {
        return Err(InputError::MissingIndicator {
            item: id.to_string(),
        });
    }
    Ok(ind)
}

fn expected(ind: &Indicator) -> Expected {
    match ind.answer {
        AnswerKind::YesNo => Expected::YesNo,
        AnswerKind::Points { .. } | AnswerKind::Derived(_) => Expected::Points,
    }
}

/// One item's JSON value: a number, a boolean, null, or `{"value", "note", "override_reason"}`.
fn parse_item(ind: &Indicator, v: &Value) -> Result<ItemAnswer, InputError> {
    match v {
        Value::Object(map) => {
            if let Some(k) = map.keys().find(|k| !ITEM_KEYS.contains(&k.as_str())) {
                return Err(InputError::UnknownKey {
                    key: k.clone(),
                    item: Some(ind.id.clone()),
                    allowed: ITEM_KEYS.to_vec(),
                });
            }
            let text = |key: &str| -> Result<Option<String>, InputError> {
                match map.get(key) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) => Ok(Some(s.clone())),
                    Some(other) => Err(InputError::WrongJsonType {
                        field: format!("{}.{key}", ind.id),
                        got: other.to_string(),
                    }),
                }
            };
            Ok(ItemAnswer {
                value: match map.get("value") {
                    None => None,
                    Some(v) => parse_value(ind, v)?,
                },
                note: text("note")?,
                override_reason: text("override_reason")?,
            })
        }
        other => Ok(ItemAnswer {
            value: parse_value(ind, other)?,
            note: None,
            override_reason: None,
        }),
    }
}

fn parse_value(ind: &Indicator, v: &Value) -> Result<Option<AnswerValue>, InputError> {
    let wrong = || InputError::WrongKind {
        item: ind.id.clone(),
        expected: expected(ind),
    };
    match (v, &ind.answer) {
        (Value::Null, _) => Ok(None),
        (Value::Bool(b), AnswerKind::YesNo) => Ok(Some(AnswerValue::YesNo(*b))),
        (Value::Number(n), AnswerKind::Points { .. } | AnswerKind::Derived(_)) => {
            let x = n.as_f64().ok_or_else(wrong)?;
            if x < 0.0 {
                return Err(InputError::Negative {
                    item: ind.id.clone(),
                    value: n.to_string(),
                });
            }
            let max = ind.max.unwrap_or(Points::ZERO);
            if x > max.as_f64() {
                return Err(InputError::OutOfRange {
                    item: ind.id.clone(),
                    value: n.to_string(),
                    max: max.to_string(),
                });
            }
            match Points::from_f64(x) {
                Some(p) => Ok(Some(AnswerValue::Points(p))),
                None => Err(InputError::BadStep {
                    item: ind.id.clone(),
                    value: n.to_string(),
                    step: step_of(ind).to_string(),
                }),
            }
        }
        _ => Err(wrong()),
    }
}

fn step_of(ind: &Indicator) -> Points {
    match ind.answer {
        AnswerKind::Points { step } => step,
        _ => Points::whole(1),
    }
}

/// Whether `reason` explains an override in words: not blank and not just a number (a cadre
/// who typed the score again at the reason prompt has given no reason).
pub fn is_override_reason(reason: &str) -> bool {
    reason.chars().any(char::is_alphabetic)
}

/// Kind, range, step and override checks of one answer.
fn check_value(ind: &Indicator, ans: &ItemAnswer) -> Result<(), InputError> {
    let derived = matches!(ind.answer, AnswerKind::Derived(_));
    if ans.override_reason.is_some() && !derived {
        return Err(InputError::OverrideNotAllowed {
            item: ind.id.clone(),
        });
    }
    let Some(value) = ans.value else {
        return Ok(());
    };
    if derived
        && !ans
            .override_reason
            .as_deref()
            .is_some_and(is_override_reason)
    {
        return Err(InputError::OverrideWithoutReason {
            item: ind.id.clone(),
        });
    }
    match (value, &ind.answer) {
        (AnswerValue::YesNo(_), AnswerKind::YesNo) => Ok(()),
        (AnswerValue::Points(p), AnswerKind::Points { .. } | AnswerKind::Derived(_)) => {
            let max = ind.max.unwrap_or(Points::ZERO);
            if p > max {
                return Err(InputError::OutOfRange {
                    item: ind.id.clone(),
                    value: p.to_string(),
                    max: max.to_string(),
                });
            }
            let step = step_of(ind);
            if step.0 > 0 && p.0 % step.0 != 0 {
                return Err(InputError::BadStep {
                    item: ind.id.clone(),
                    value: p.to_string(),
                    step: step.to_string(),
                });
            }
            Ok(())
        }
        _ => Err(InputError::WrongKind {
            item: ind.id.clone(),
            expected: expected(ind),
        }),
    }
}
