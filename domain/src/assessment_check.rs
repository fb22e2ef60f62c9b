//! Strict reading of uploaded canonical content: what a receiver (the server) checks before it
//! believes a finalized assessment, so that it never trusts what a device sends.
//!
//! [`CanonicalAssessment::parse_canonical`] reads the content and re-derives its canonical form:
//! the bytes must be exactly what [`CanonicalAssessment::seal`] writes (so the hash covers the one
//! canonical form, never a pretty-printed or reordered copy), with no key the form does not have.
//! [`CanonicalAssessment::validate`] then checks the values the type system lets through: the
//! format version, ids, revision and parent, the model against the subject, the assessment year,
//! the finalization time and offset, member birth years and evidence names. Each refusal is a
//! [`ContentError`] with a Vietnamese message for the cadre and an English `Display` for logs.
//!
//! Checks that need the criteria set (the set's model, the answers) or the receiver's records
//! (the parent revision) are the receiver's: see `hoctap-server`'s intake.

use crate::assessment::{CanonicalAssessment, FORMAT};
use crate::model::{Model, SubjectKind};
use crate::protocol::is_sha256_hex;
use crate::roster::BIRTH_YEAR_MIN;
use crate::time::{is_id, parse_rfc3339};
use serde_json::Value;

/// Earliest assessment year accepted (the learning-society programme dates from 2005; earlier
/// years are impossible for this software).
pub const YEAR_MIN: i32 = 2000;
/// Latest assessment year accepted.
pub const YEAR_MAX: i32 = 2100;
/// Westernmost offset from UTC that exists (UTC−12:00), in minutes.
pub const OFFSET_MIN: i32 = -720;
/// Easternmost offset from UTC that exists (UTC+14:00), in minutes.
pub const OFFSET_MAX: i32 = 840;

/// Why uploaded canonical content is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    /// Not JSON, or not the shape of a canonical assessment.
    #[error("content is not a canonical assessment: {0}")]
    Malformed(String),
    /// A key the canonical form does not have (path from the top, e.g. `answers.1.1.extra`).
    #[error("unknown key `{0}` in the content")]
    UnknownKey(String),
    /// The bytes are not the canonical form of what they say (spacing, key order, escapes).
    #[error("content is not in canonical form: re-serialised, its bytes differ")]
    NotCanonical,
    /// Another version of the canonical form.
    #[error("canonical format {found}, expected {FORMAT}")]
    Format { found: u32 },
    /// An id that is not a UUID.
    #[error("`{field}` is not a UUID")]
    Id { field: &'static str },
    /// The assessment names itself as its parent.
    #[error("the assessment names itself as its parent")]
    OwnParent,
    /// A revision below 1, a first revision with a parent, or a later one without.
    #[error("revision {revision} {}", if *has_parent { "with a parent" } else { "without a parent" })]
    Revision { revision: u32, has_parent: bool },
    /// The model does not assess this kind of subject.
    #[error("model {model} does not assess a {kind}")]
    ModelSubject { model: Model, kind: SubjectKind },
    /// An assessment year outside [`YEAR_MIN`]–[`YEAR_MAX`].
    #[error("assessment year {0} outside {YEAR_MIN}–{YEAR_MAX}")]
    Year(i32),
    /// A time that is not an RFC 3339 moment.
    #[error("`{field}` is not an RFC 3339 time: {value:?}")]
    Time { field: &'static str, value: String },
    /// An offset from UTC that no place has.
    #[error("offset {0} min outside {OFFSET_MIN}–{OFFSET_MAX}")]
    Offset(i32),
    /// A member born before [`BIRTH_YEAR_MIN`] or after the assessment year.
    #[error("member birth year {year} outside {BIRTH_YEAR_MIN}–{max}")]
    BirthYear { year: i32, max: i32 },
    /// An evidence photo name that is not a lower-case hex SHA-256, or an empty indicator id.
    #[error("evidence entry {0:?} is not an indicator with SHA-256 photo names")]
    Evidence(String),
    /// The criteria set named is not an id with a SHA-256.
    #[error("the criteria set named is not an id with a SHA-256")]
    Set,
}

impl ContentError {
    /// What the cadre reads.
    pub fn message_vi(&self) -> String {
        match self {
            ContentError::Malformed(e) => format!("Nội dung phiếu không đúng định dạng: {e}"),
            ContentError::UnknownKey(k) => {
                format!("Nội dung phiếu có trường không được phép: \"{k}\".")
            }
            ContentError::NotCanonical => {
                "Nội dung phiếu không ở dạng chuẩn (đã bị định dạng lại hoặc sửa tay).".to_string()
            }
            ContentError::Format { found } => {
                format!("Phiếu dùng định dạng phiên bản {found}; máy chủ nhận phiên bản {FORMAT}.")
            }
            ContentError::Id { field } => format!("Mã {} trong phiếu không hợp lệ.", id_vi(field)),
            ContentError::OwnParent => "Phiếu sửa không thể sửa chính nó.".to_string(),
            ContentError::Revision {
                revision,
                has_parent,
            } => {
                if *revision < 1 {
                    format!("Số lần sửa {revision} không hợp lệ (phải từ 1).")
                } else if *has_parent {
                    "Phiếu sửa phải có số lần sửa từ 2 trở lên.".to_string()
                } else {
                    format!("Phiếu lần sửa {revision} phải ghi phiếu gốc (parent_id).")
                }
            }
            ContentError::ModelSubject { model, kind } => format!(
                "Mô hình {} không dùng để đánh giá {}.",
                model.title_vi(),
                kind_vi(*kind)
            ),
            ContentError::Year(y) => {
                format!("Năm đánh giá {y} không hợp lệ ({YEAR_MIN}–{YEAR_MAX}).")
            }
            ContentError::Time { field, .. } => {
                format!("Thời điểm {} trong phiếu không hợp lệ.", time_vi(field))
            }
            ContentError::Offset(m) => format!("Múi giờ {m} phút không tồn tại."),
            ContentError::BirthYear { year, max } => {
                format!("Năm sinh {year} của thành viên không hợp lệ ({BIRTH_YEAR_MIN}–{max}).")
            }
            ContentError::Evidence(_) => "Mã ảnh minh chứng trong phiếu không hợp lệ.".to_string(),
            ContentError::Set => "Bộ tiêu chí ghi trong phiếu không hợp lệ.".to_string(),
        }
    }
}

fn id_vi(field: &str) -> &'static str {
    match field {
        "parent_id" => "phiếu gốc",
        "subject.id" => "đối tượng",
        _ => "phiếu",
    }
}

fn time_vi(field: &str) -> &'static str {
    match field {
        "created_at" => "tạo phiếu",
        _ => "hoàn tất",
    }
}

fn kind_vi(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Household => "hộ gia đình",
        SubjectKind::Clan => "dòng họ",
        SubjectKind::Hamlet => "thôn",
        SubjectKind::Unit => "đơn vị",
        SubjectKind::Member => "một người",
    }
}

/// The first key of `sent` (a path) that `canonical` lacks.
fn unknown_key(sent: &Value, canonical: &Value, path: &str) -> Option<String> {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (sent, canonical) {
        (Value::Object(s), Value::Object(c)) => s.iter().find_map(|(k, v)| match c.get(k) {
            None => Some(join(k)),
            Some(cv) => unknown_key(v, cv, &join(k)),
        }),
        (Value::Array(s), Value::Array(c)) => s
            .iter()
            .zip(c)
            .enumerate()
            .find_map(|(i, (sv, cv))| unknown_key(sv, cv, &join(&i.to_string()))),
        _ => None,
    }
}

impl CanonicalAssessment {
    /// Read uploaded content strictly: it must be exactly the canonical form of a canonical
    /// assessment (no other key, no other spacing or order) and pass [`Self::validate`].
    pub fn parse_canonical(json: &str) -> Result<CanonicalAssessment, ContentError> {
        let content: CanonicalAssessment =
            serde_json::from_str(json).map_err(|e| ContentError::Malformed(e.to_string()))?;
        let canonical =
            serde_json::to_string(&content).map_err(|e| ContentError::Malformed(e.to_string()))?;
        if canonical != json {
            let sent: Value =
                serde_json::from_str(json).map_err(|e| ContentError::Malformed(e.to_string()))?;
            let derived: Value = serde_json::from_str(&canonical)
                .map_err(|e| ContentError::Malformed(e.to_string()))?;
            return Err(match unknown_key(&sent, &derived, "") {
                Some(key) => ContentError::UnknownKey(key),
                None => ContentError::NotCanonical,
            });
        }
        content.validate()?;
        Ok(content)
    }

    /// Check the values of the content that its type lets through (see the module docs).
    pub fn validate(&self) -> Result<(), ContentError> {
        if self.format != FORMAT {
            return Err(ContentError::Format { found: self.format });
        }
        if !is_id(&self.id) {
            return Err(ContentError::Id { field: "id" });
        }
        if let Some(parent) = &self.parent_id {
            if !is_id(parent) {
                return Err(ContentError::Id { field: "parent_id" });
            }
            if parent == &self.id {
                return Err(ContentError::OwnParent);
            }
        }
        let has_parent = self.parent_id.is_some();
        if self.revision < 1 || has_parent != (self.revision > 1) {
            return Err(ContentError::Revision {
                revision: self.revision,
                has_parent,
            });
        }
        if !is_id(&self.subject.id) {
            return Err(ContentError::Id {
                field: "subject.id",
            });
        }
        if self.model.subject_kind() != self.subject.kind {
            return Err(ContentError::ModelSubject {
                model: self.model,
                kind: self.subject.kind,
            });
        }
        if !(YEAR_MIN..=YEAR_MAX).contains(&self.year) {
            return Err(ContentError::Year(self.year));
        }
        if self.criteria.id.trim().is_empty() || !is_sha256_hex(&self.criteria.sha256) {
            return Err(ContentError::Set);
        }
        for (field, value) in [
            ("created_at", &self.created_at),
            ("finalized_at", &self.finalized_at),
        ] {
            if parse_rfc3339(value).is_none() {
                return Err(ContentError::Time {
                    field,
                    value: value.clone(),
                });
            }
        }
        if !(OFFSET_MIN..=OFFSET_MAX).contains(&self.finalized_offset) {
            return Err(ContentError::Offset(self.finalized_offset));
        }
        for m in &self.members {
            if let Some(year) = m.birth_year {
                if !(BIRTH_YEAR_MIN..=self.year).contains(&year) {
                    return Err(ContentError::BirthYear {
                        year,
                        max: self.year,
                    });
                }
            }
        }
        for (item, photos) in &self.evidence {
            if item.trim().is_empty() || photos.iter().any(|p| !is_sha256_hex(p)) {
                return Err(ContentError::Evidence(item.clone()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{CanonicalResult, CanonicalSet};
    use crate::engine::Status;
    use crate::model::{MemberFacts, Subject};
    use std::collections::BTreeMap;

    fn sample() -> CanonicalAssessment {
        CanonicalAssessment {
            format: FORMAT,
            id: "0190d2a0-0000-7000-8000-000000000002".into(),
            parent_id: None,
            revision: 1,
            subject: Subject::new(SubjectKind::Member, "0190d2a0-0000-7000-8000-000000000001"),
            model: Model::CongDan,
            year: 2026,
            criteria: CanonicalSet {
                id: "cdht-324".into(),
                version: 1,
                sha256: "a".repeat(64),
            },
            answers: BTreeMap::new(),
            members: vec![MemberFacts {
                birth_year: Some(1980),
                ..MemberFacts::default()
            }],
            evidence: BTreeMap::new(),
            result: CanonicalResult {
                status: Status::Passed,
                total: 0,
                max: 0,
                level: None,
                engine_version: "1".into(),
            },
            created_at: "2026-11-20T02:00:00.000Z".into(),
            finalized_at: "2026-11-20T03:00:00.000Z".into(),
            finalized_offset: 420,
        }
    }

    fn parse(c: &CanonicalAssessment) -> Result<CanonicalAssessment, ContentError> {
        let (json, _) = c.seal().unwrap_or_default();
        CanonicalAssessment::parse_canonical(&json)
    }

    #[test]
    fn canonical_content_passes() {
        assert_eq!(parse(&sample()), Ok(sample()));
    }

    #[test]
    fn other_bytes_and_unknown_keys_are_refused() {
        let (json, _) = sample().seal().unwrap_or_default();
        let pretty = serde_json::to_string_pretty(&sample()).unwrap_or_default();
        assert_eq!(
            CanonicalAssessment::parse_canonical(&pretty),
            Err(ContentError::NotCanonical)
        );
        let extra = json.replacen("{\"format\"", "{\"extra\":1,\"format\"", 1);
        assert_eq!(
            CanonicalAssessment::parse_canonical(&extra),
            Err(ContentError::UnknownKey("extra".into()))
        );
        let nested = json.replacen("\"birth_year\":1980", "\"birth_year\":1980,\"x\":true", 1);
        assert!(matches!(
            CanonicalAssessment::parse_canonical(&nested),
            Err(ContentError::Malformed(_)) | Err(ContentError::UnknownKey(_))
        ));
        assert!(matches!(
            CanonicalAssessment::parse_canonical("[]"),
            Err(ContentError::Malformed(_))
        ));
    }

    /// One mutation of a good assessment and the error it must earn.
    type Case = (fn(&mut CanonicalAssessment), ContentError);

    #[test]
    fn impossible_values_are_refused() {
        let cases: Vec<Case> = vec![
            (|c| c.format = 2, ContentError::Format { found: 2 }),
            (
                |c| c.finalized_at = "not a date".into(),
                ContentError::Time {
                    field: "finalized_at",
                    value: "not a date".into(),
                },
            ),
            (|c| c.year = 99999, ContentError::Year(99999)),
            (
                |c| c.revision = 0,
                ContentError::Revision {
                    revision: 0,
                    has_parent: false,
                },
            ),
            (
                |c| c.revision = 2,
                ContentError::Revision {
                    revision: 2,
                    has_parent: false,
                },
            ),
            (
                |c| c.parent_id = Some("0190d2a0-0000-7000-8000-000000000009".into()),
                ContentError::Revision {
                    revision: 1,
                    has_parent: true,
                },
            ),
            (
                |c| {
                    c.parent_id = Some(c.id.clone());
                    c.revision = 2;
                },
                ContentError::OwnParent,
            ),
            (
                |c| c.model = Model::GiaDinh,
                ContentError::ModelSubject {
                    model: Model::GiaDinh,
                    kind: SubjectKind::Member,
                },
            ),
            (|c| c.id = "H004".into(), ContentError::Id { field: "id" }),
            (|c| c.finalized_offset = 1000, ContentError::Offset(1000)),
            (
                |c| c.members[0].birth_year = Some(2030),
                ContentError::BirthYear {
                    year: 2030,
                    max: 2026,
                },
            ),
            (
                |c| {
                    c.evidence.insert("1.1".into(), vec!["ABC".into()]);
                },
                ContentError::Evidence("1.1".into()),
            ),
        ];
        for (change, expected) in cases {
            let mut c = sample();
            change(&mut c);
            let got = parse(&c);
            assert_eq!(got, Err(expected.clone()));
            assert!(!expected.message_vi().is_empty());
        }
    }
}
