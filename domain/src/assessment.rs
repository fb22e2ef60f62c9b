//! The canonical, frozen form of a finalized assessment — what is hashed, uploaded, verified and
//! re-scored — and the rules that go with it:
//!
//! - [`CanonicalAssessment::freeze`] builds it from a draft's answers, member facts, evidence and
//!   evaluation; [`CanonicalAssessment::seal`] gives its JSON (field order fixed by the structs,
//!   maps sorted, points in hundredths) and that JSON's SHA-256;
//! - [`CanonicalAssessment::input`] turns it back into engine input: **a finalized assessment is
//!   always evaluated from this snapshot**, never from live roster data, so its total, status,
//!   level and reasons read the same forever, on the device and on the server;
//! - [`merge_answer`] applies one change a cadre makes to an indicator's saved answer.

use crate::criteria::{AnswerKind, CriteriaSet, LoadedSet};
use crate::engine::{self, AnswerValue, Answers, Evaluation, InputError, ItemAnswer, Status};
use crate::model::{MemberFacts, Model, Points, Subject};
use crate::time::Stamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Version of the canonical form.
pub const FORMAT: u32 = 1;

/// The canonical, frozen form of a finalized assessment. Field order is fixed by this struct;
/// maps are sorted; numbers are hundredths of a point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanonicalAssessment {
    pub format: u32,
    pub id: String,
    pub parent_id: Option<String>,
    pub revision: u32,
    pub subject: Subject,
    pub model: Model,
    pub year: i32,
    pub criteria: CanonicalSet,
    pub answers: BTreeMap<String, CanonicalAnswer>,
    pub members: Vec<MemberFacts>,
    pub evidence: BTreeMap<String, Vec<String>>,
    pub result: CanonicalResult,
    pub created_at: String,
    pub finalized_at: String,
    pub finalized_offset: i32,
}

/// The set an assessment was scored with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanonicalSet {
    pub id: String,
    pub version: u32,
    pub sha256: String,
}

/// One indicator's frozen answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanonicalAnswer {
    /// Hundredths of a point, or 1/0 for yes/no.
    pub value: Option<u32>,
    pub note: Option<String>,
    pub override_reason: Option<String>,
}

/// The device's result, frozen with the answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanonicalResult {
    pub status: Status,
    /// Hundredths of a point.
    pub total: u32,
    pub max: u32,
    pub level: Option<String>,
    pub engine_version: String,
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// An answer value as stored and frozen: hundredths of a point, or 1/0 for yes/no.
pub fn stored_value(v: AnswerValue) -> u32 {
    match v {
        AnswerValue::Points(p) => p.0,
        AnswerValue::YesNo(b) => u32::from(b),
    }
}

/// A stored value read back for indicator `item` of `set`.
pub fn answer_value(set: &CriteriaSet, item: &str, stored: u32) -> AnswerValue {
    match set.indicator(item).map(|i| &i.answer) {
        Some(AnswerKind::YesNo) => AnswerValue::YesNo(stored != 0),
        _ => AnswerValue::Points(Points(stored)),
    }
}

/// What identifies an assessment besides its content.
#[derive(Debug, Clone)]
pub struct FreezeMeta<'a> {
    pub id: &'a str,
    pub parent_id: Option<&'a str>,
    pub revision: u32,
    pub subject: &'a Subject,
    pub model: Model,
    pub year: i32,
    pub set: &'a LoadedSet,
    pub created_at: &'a str,
    pub finalized: &'a Stamp,
}

impl CanonicalAssessment {
    /// Freeze a draft: its answers (with the member facts they were scored on), its evidence
    /// photo hashes per indicator, and the evaluation of exactly that input.
    pub fn freeze(
        meta: &FreezeMeta<'_>,
        answers: &Answers,
        evidence: BTreeMap<String, Vec<String>>,
        evaluation: &Evaluation,
    ) -> CanonicalAssessment {
        CanonicalAssessment {
            format: FORMAT,
            id: meta.id.to_string(),
            parent_id: meta.parent_id.map(str::to_string),
            revision: meta.revision,
            subject: meta.subject.clone(),
            model: meta.model,
            year: meta.year,
            criteria: CanonicalSet {
                id: meta.set.id.clone(),
                version: meta.set.version,
                sha256: meta.set.sha256().to_string(),
            },
            answers: answers
                .items
                .iter()
                .map(|(k, a)| {
                    (
                        k.clone(),
                        CanonicalAnswer {
                            value: a.value.map(stored_value),
                            note: a.note.clone(),
                            override_reason: a.override_reason.clone(),
                        },
                    )
                })
                .collect(),
            members: answers.members.clone(),
            evidence,
            result: CanonicalResult {
                status: evaluation.status,
                total: evaluation.total.0,
                max: evaluation.max.0,
                level: evaluation.level.clone(),
                engine_version: evaluation.engine_version.clone(),
            },
            created_at: meta.created_at.to_string(),
            finalized_at: meta.finalized.utc.clone(),
            finalized_offset: meta.finalized.offset_minutes,
        }
    }

    /// The canonical JSON and its SHA-256.
    pub fn seal(&self) -> Result<(String, String), serde_json::Error> {
        let json = serde_json::to_string(self)?;
        let sha = sha256_hex(json.as_bytes());
        Ok((json, sha))
    }

    /// Read canonical JSON.
    pub fn from_json(json: &str) -> Result<CanonicalAssessment, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The engine input frozen in this content: answers, member facts and evidence counts.
    pub fn input(&self, set: &CriteriaSet) -> Answers {
        Answers {
            year: self.year,
            items: self
                .answers
                .iter()
                .map(|(id, a)| {
                    (
                        id.clone(),
                        ItemAnswer {
                            value: a.value.map(|v| answer_value(set, id, v)),
                            note: a.note.clone(),
                            override_reason: a.override_reason.clone(),
                        },
                    )
                })
                .collect(),
            members: self.members.clone(),
            evidence: Some(
                self.evidence
                    .iter()
                    .map(|(k, v)| (k.clone(), u32::try_from(v.len()).unwrap_or(u32::MAX)))
                    .collect(),
            ),
        }
    }

    /// Evaluate the frozen input with `set` (the set whose hash the content names).
    pub fn evaluate(&self, set: &LoadedSet) -> Result<Evaluation, InputError> {
        engine::evaluate(set, &self.input(set))
    }

    /// Every evidence photo the content references, once each, sorted.
    pub fn photo_hashes(&self) -> Vec<String> {
        let mut all: Vec<String> = self.evidence.values().flatten().cloned().collect();
        all.sort();
        all.dedup();
        all
    }
}

/// One change a cadre makes to an indicator.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerChange {
    /// Points for a points indicator (clears an override reason).
    Points(Points),
    /// Có / Không for a yes/no indicator (clears an override reason).
    YesNo(bool),
    /// Replace a derived value, with the reason.
    Override { points: Points, reason: String },
    /// Remove the value (a derived indicator goes back to its computed value); the note stays.
    Clear,
    /// Set or clear the note; the value stays.
    Note(Option<String>),
}

/// The saved answer after `change`.
pub fn merge_answer(current: ItemAnswer, change: AnswerChange) -> ItemAnswer {
    match change {
        AnswerChange::Points(p) => ItemAnswer {
            value: Some(AnswerValue::Points(p)),
            override_reason: None,
            ..current
        },
        AnswerChange::YesNo(b) => ItemAnswer {
            value: Some(AnswerValue::YesNo(b)),
            override_reason: None,
            ..current
        },
        AnswerChange::Override { points, reason } => ItemAnswer {
            value: Some(AnswerValue::Points(points)),
            override_reason: Some(reason),
            ..current
        },
        AnswerChange::Clear => ItemAnswer {
            value: None,
            override_reason: None,
            ..current
        },
        AnswerChange::Note(note) => ItemAnswer { note, ..current },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_note_and_clears_override() {
        let a = ItemAnswer {
            value: Some(AnswerValue::Points(Points(500))),
            note: Some("ghi chú".into()),
            override_reason: Some("lý do".into()),
        };
        let b = merge_answer(a.clone(), AnswerChange::Points(Points(800)));
        assert_eq!(b.value, Some(AnswerValue::Points(Points(800))));
        assert_eq!(b.note.as_deref(), Some("ghi chú"));
        assert_eq!(b.override_reason, None);
        let c = merge_answer(b, AnswerChange::Note(None));
        assert_eq!(c.value, Some(AnswerValue::Points(Points(800))));
        assert_eq!(c.note, None);
        let d = merge_answer(a, AnswerChange::Clear);
        assert_eq!(d.value, None);
        assert_eq!(d.note.as_deref(), Some("ghi chú"));
    }
}
