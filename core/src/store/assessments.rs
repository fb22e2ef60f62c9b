//! Registrations and assessments: drafts that autosave every answer, finalization that freezes a
//! canonical JSON form with its SHA-256, and corrections as new revisions pointing to their parent.
//!
//! Lifecycle: `draft` → `finalized` (immutable, enforced by triggers) → sync states
//! (`local` → `queued` → `sending` → `sent`, or `needs_correction` / `wedged`).

use super::{Result, Store, StoreError};
use crate::criteria::{builtin, load, AnswerKind, CriteriaSet};
use crate::engine::{self, AnswerValue, Answers, Evaluation, ItemAnswer, Status};
use crate::model::{MemberFacts, Model, Points};
use crate::{clock, text};
use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What an assessment or registration is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Household,
    Clan,
    Hamlet,
    Unit,
    Member,
}

impl SubjectKind {
    pub fn code(self) -> &'static str {
        match self {
            SubjectKind::Household => "household",
            SubjectKind::Clan => "clan",
            SubjectKind::Hamlet => "hamlet",
            SubjectKind::Unit => "unit",
            SubjectKind::Member => "member",
        }
    }

    pub fn from_code(code: &str) -> Option<SubjectKind> {
        [
            SubjectKind::Household,
            SubjectKind::Clan,
            SubjectKind::Hamlet,
            SubjectKind::Unit,
            SubjectKind::Member,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }

    /// The subject a model assesses.
    pub fn for_model(model: Model) -> SubjectKind {
        match model {
            Model::GiaDinh => SubjectKind::Household,
            Model::DongHo => SubjectKind::Clan,
            Model::CongDong => SubjectKind::Hamlet,
            Model::DonVi => SubjectKind::Unit,
            Model::CongDan => SubjectKind::Member,
        }
    }

    fn table(self) -> &'static str {
        match self {
            SubjectKind::Household => "household",
            SubjectKind::Clan => "clan",
            SubjectKind::Hamlet => "hamlet",
            SubjectKind::Unit => "unit",
            SubjectKind::Member => "member",
        }
    }
}

/// A subject: its kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: String,
}

/// An assessment's record (without its answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentInfo {
    pub id: String,
    pub subject: Subject,
    pub model: Model,
    pub year: i32,
    pub criteria_id: String,
    pub criteria_version: u32,
    pub criteria_sha256: String,
    pub parent_id: Option<String>,
    pub revision: u32,
    /// `draft` or `finalized`.
    pub state: String,
    pub result_status: Option<String>,
    pub total: Option<Points>,
    pub content_sha256: Option<String>,
    pub sync_state: String,
    pub created_at: String,
    pub finalized_at: Option<String>,
}

/// What finalization produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finalized {
    pub id: String,
    pub content_sha256: String,
    pub evaluation: Evaluation,
}

/// The canonical, frozen form of a finalized assessment: what is hashed, uploaded and verified.
/// Field order is fixed by this struct; maps are sorted; numbers are hundredths of a point.
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanonicalSet {
    pub id: String,
    pub version: u32,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanonicalAnswer {
    /// Hundredths of a point, or 1/0 for yes/no.
    pub value: Option<u32>,
    pub note: Option<String>,
    pub override_reason: Option<String>,
}

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

const INFO_COLS: &str = "id, subject_kind, subject_id, model, year, criteria_id, criteria_version,
    criteria_sha256, parent_id, revision, state, result_status, total, content_sha256, sync_state,
    created_at, finalized_at";

fn info_from(r: &Row<'_>) -> rusqlite::Result<AssessmentInfo> {
    let kind: String = r.get(1)?;
    let model: String = r.get(3)?;
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown {what}").into(),
        )
    };
    Ok(AssessmentInfo {
        id: r.get(0)?,
        subject: Subject {
            kind: SubjectKind::from_code(&kind).ok_or_else(|| bad(1, "subject kind"))?,
            id: r.get(2)?,
        },
        model: Model::from_code(&model).ok_or_else(|| bad(3, "model"))?,
        year: r.get(4)?,
        criteria_id: r.get(5)?,
        criteria_version: r.get(6)?,
        criteria_sha256: r.get(7)?,
        parent_id: r.get(8)?,
        revision: r.get(9)?,
        state: r.get(10)?,
        result_status: r.get(11)?,
        total: r.get::<_, Option<u32>>(12)?.map(Points),
        content_sha256: r.get(13)?,
        sync_state: r.get(14)?,
        created_at: r.get(15)?,
        finalized_at: r.get(16)?,
    })
}

fn value_to_db(v: AnswerValue) -> u32 {
    match v {
        AnswerValue::Points(p) => p.0,
        AnswerValue::YesNo(b) => u32::from(b),
    }
}

fn value_from_db(set: &CriteriaSet, item: &str, v: u32) -> AnswerValue {
    match set.indicator(item).map(|i| &i.answer) {
        Some(AnswerKind::YesNo) => AnswerValue::YesNo(v != 0),
        _ => AnswerValue::Points(Points(v)),
    }
}

impl Store {
    /// Install a criteria set (TOML text) on this device, after full validation.
    pub fn install_criteria(&self, toml_src: &str, file: &str) -> Result<CriteriaSet> {
        let set = load::parse_set(toml_src, file)
            .map_err(|report| StoreError::Invalid(report.to_string()))?;
        let now = clock::now();
        self.conn.execute(
            "INSERT INTO criteria_set (id, version, sha256, model, source, installed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id, version) DO UPDATE SET sha256 = excluded.sha256,
                 source = excluded.source, installed_at = excluded.installed_at",
            params![
                set.id,
                set.version,
                set.sha256(),
                set.model.code(),
                toml_src,
                now.utc
            ],
        )?;
        Ok(set)
    }

    /// The newest set with this id: installed on the device, else built in.
    pub fn criteria_set(&self, id: &str) -> Result<CriteriaSet> {
        let installed: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT source FROM criteria_set WHERE id = ?1 ORDER BY version DESC LIMIT 1",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if let Some(src) = installed {
            return load::parse_set(&src, id)
                .map_err(|report| StoreError::Invalid(report.to_string()));
        }
        builtin::builtin_set(id).ok_or_else(|| StoreError::NotFound {
            kind: "bộ tiêu chí / criteria set",
            id: id.to_string(),
        })
    }

    /// The exact set (by content hash) an assessment was started with.
    pub fn criteria_for(&self, info: &AssessmentInfo) -> Result<CriteriaSet> {
        if let Ok(set) = self.criteria_set(&info.criteria_id) {
            if set.sha256() == info.criteria_sha256 {
                return Ok(set);
            }
        }
        let installed: Option<String> = self
            .conn
            .prepare_cached("SELECT source FROM criteria_set WHERE sha256 = ?1")?
            .query_row([&info.criteria_sha256], |r| r.get(0))
            .optional()?;
        if let Some(src) = installed {
            if let Ok(set) = load::parse_set(&src, &info.criteria_id) {
                return Ok(set);
            }
        }
        if let Some(set) = builtin::builtin_set(&info.criteria_id) {
            if set.sha256() == info.criteria_sha256 {
                return Ok(set);
            }
        }
        Err(StoreError::CriteriaUnavailable {
            id: info.criteria_id.clone(),
            sha256: info.criteria_sha256.clone(),
        })
    }

    fn check_subject(&self, subject: &Subject) -> Result<()> {
        let sql = format!("SELECT 1 FROM {} WHERE id = ?1", subject.kind.table());
        let found: Option<i64> = self
            .conn
            .prepare_cached(&sql)?
            .query_row([&subject.id], |r| r.get(0))
            .optional()?;
        if found.is_none() {
            return Err(StoreError::NotFound {
                kind: "đối tượng / subject",
                id: subject.id.clone(),
            });
        }
        Ok(())
    }

    /// Register a subject for a model in a year (idempotent). Returns the registration id.
    pub fn register(&self, subject: &Subject, model: Model, year: i32) -> Result<String> {
        if SubjectKind::for_model(model) != subject.kind {
            return Err(StoreError::Invalid(format!(
                "Mô hình {} không áp dụng cho {} / model does not apply to this subject",
                model.title_vi(),
                subject.kind.code()
            )));
        }
        self.check_subject(subject)?;
        let now = clock::now();
        let id = clock::new_id();
        self.conn
            .prepare_cached(
                "INSERT INTO registration (id, subject_kind, subject_id, model, year, created_at, created_offset)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (subject_kind, subject_id, model, year) DO NOTHING",
            )?
            .execute(params![
                id,
                subject.kind.code(),
                subject.id,
                model.code(),
                year,
                now.utc,
                now.offset_minutes
            ])?;
        Ok(self.conn.prepare_cached(
            "SELECT id FROM registration WHERE subject_kind = ?1 AND subject_id = ?2 AND model = ?3 AND year = ?4",
        )?
        .query_row(params![subject.kind.code(), subject.id, model.code(), year], |r| r.get(0))?)
    }

    /// Start an assessment of a subject with a set for a year, or resume the open draft.
    /// Registers the subject for the year if it was not yet. A subject whose latest assessment is
    /// finalized gets an error: corrections go through [`Store::correct`].
    pub fn start_assessment(
        &mut self,
        subject: &Subject,
        set: &CriteriaSet,
        year: i32,
    ) -> Result<AssessmentInfo> {
        self.register(subject, set.model, year)?;
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let existing: Option<(String, String)> = tx
            .prepare_cached(
                "SELECT id, state FROM assessment a
                 WHERE subject_kind = ?1 AND subject_id = ?2 AND model = ?3 AND year = ?4
                   AND NOT EXISTS (SELECT 1 FROM assessment c WHERE c.parent_id = a.id)
                 ORDER BY revision DESC LIMIT 1",
            )?
            .query_row(
                params![subject.kind.code(), subject.id, set.model.code(), year],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let id = match existing {
            Some((id, state)) if state == "draft" => id,
            Some((id, _)) => {
                return Err(StoreError::Invalid(format!(
                    "Đối tượng đã có phiếu đánh giá năm {year} đã chốt ({id}); hãy tạo bản sửa / already finalized for {year}: make a correction"
                )))
            }
            None => {
                let id = clock::new_id();
                let now = clock::now();
                tx.prepare_cached(
                    "INSERT INTO assessment (id, subject_kind, subject_id, model, year, criteria_id,
                        criteria_version, criteria_sha256, created_at, created_offset, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9)",
                )?
                .execute(params![
                    id,
                    subject.kind.code(),
                    subject.id,
                    set.model.code(),
                    year,
                    set.id,
                    set.version,
                    set.sha256(),
                    now.utc,
                    now.offset_minutes
                ])?;
                id
            }
        };
        tx.commit()?;
        self.assessment(&id)
    }

    /// An assessment's record.
    pub fn assessment(&self, id: &str) -> Result<AssessmentInfo> {
        self.conn
            .prepare_cached(&format!("SELECT {INFO_COLS} FROM assessment WHERE id = ?1"))?
            .query_row([id], info_from)
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "phiếu đánh giá / assessment",
                id: id.to_string(),
            })
    }

    /// Assessments of a subject, newest revision first.
    pub fn assessments_of(&self, subject: &Subject) -> Result<Vec<AssessmentInfo>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {INFO_COLS} FROM assessment WHERE subject_kind = ?1 AND subject_id = ?2
             ORDER BY year DESC, revision DESC"
        ))?;
        let rows = stmt
            .query_map(params![subject.kind.code(), subject.id], info_from)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Save answers of a draft (all or nothing, one transaction). Each is validated against the
    /// set first; text is stored NFC. `None` as value with no note clears an answer.
    pub fn set_answers(&mut self, id: &str, items: &BTreeMap<String, ItemAnswer>) -> Result<()> {
        let info = self.assessment(id)?;
        if info.state != "draft" {
            return Err(StoreError::Finalized(id.to_string()));
        }
        let set = self.criteria_for(&info)?;
        let probe = Answers {
            year: info.year,
            items: items.clone(),
            members: Vec::new(),
            evidence: None,
        };
        probe.validate(&set)?;
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let now = clock::now();
        for (item, answer) in items {
            let note = answer
                .note
                .as_deref()
                .map(text::clean)
                .filter(|s| !s.is_empty());
            let reason = answer
                .override_reason
                .as_deref()
                .map(text::clean)
                .filter(|s| !s.is_empty());
            if answer.value.is_none() && note.is_none() {
                tx.prepare_cached("DELETE FROM answer WHERE assessment_id = ?1 AND item_id = ?2")?
                    .execute(params![id, item])?;
                continue;
            }
            tx.prepare_cached(
                "INSERT INTO answer (assessment_id, item_id, value, note, override_reason, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (assessment_id, item_id) DO UPDATE SET value = excluded.value,
                   note = excluded.note, override_reason = excluded.override_reason,
                   updated_at = excluded.updated_at",
            )?
            .execute(params![
                id,
                item,
                answer.value.map(value_to_db),
                note,
                reason,
                now.utc
            ])?;
        }
        tx.prepare_cached("UPDATE assessment SET updated_at = ?2 WHERE id = ?1")?
            .execute(params![id, now.utc])?;
        tx.commit()?;
        Ok(())
    }

    /// Save one answer of a draft.
    pub fn set_answer(&mut self, id: &str, item: &str, answer: ItemAnswer) -> Result<()> {
        let mut items = BTreeMap::new();
        items.insert(item.to_string(), answer);
        self.set_answers(id, &items)
    }

    /// Member facts of a subject, for derived indicators.
    pub fn subject_member_facts(&self, subject: &Subject) -> Result<Vec<MemberFacts>> {
        match subject.kind {
            SubjectKind::Household => Ok(self
                .members(&subject.id)?
                .iter()
                .map(|m| m.facts())
                .collect()),
            SubjectKind::Clan => self.clan_member_facts(&subject.id),
            SubjectKind::Member => Ok(vec![self.member(&subject.id)?.facts()]),
            SubjectKind::Hamlet | SubjectKind::Unit => Ok(Vec::new()),
        }
    }

    /// Evidence photo hashes attached per indicator.
    pub fn evidence_of(&self, id: &str) -> Result<BTreeMap<String, Vec<String>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT item_id, photo_sha256 FROM evidence WHERE assessment_id = ?1 ORDER BY item_id, position",
        )?;
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in stmt.query_map([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (item, sha) = row?;
            out.entry(item).or_default().push(sha);
        }
        Ok(out)
    }

    /// The engine input of an assessment: saved answers, the subject's member facts now (a draft)
    /// or as frozen (finalized), and evidence counts.
    pub fn answers_of(&self, info: &AssessmentInfo, set: &CriteriaSet) -> Result<Answers> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT item_id, value, note, override_reason FROM answer WHERE assessment_id = ?1",
        )?;
        let mut items = BTreeMap::new();
        for row in stmt.query_map([&info.id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<u32>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })? {
            let (item, value, note, override_reason) = row?;
            items.insert(
                item.clone(),
                ItemAnswer {
                    value: value.map(|v| value_from_db(set, &item, v)),
                    note,
                    override_reason,
                },
            );
        }
        let evidence = self
            .evidence_of(&info.id)?
            .into_iter()
            .map(|(k, v)| (k, u32::try_from(v.len()).unwrap_or(u32::MAX)))
            .collect();
        Ok(Answers {
            year: info.year,
            items,
            members: self.subject_member_facts(&info.subject)?,
            evidence: Some(evidence),
        })
    }

    /// Evaluate an assessment as it stands.
    pub fn evaluate_assessment(&self, id: &str) -> Result<Evaluation> {
        let info = self.assessment(id)?;
        let set = self.criteria_for(&info)?;
        let answers = self.answers_of(&info, &set)?;
        Ok(engine::evaluate(&set, &answers)?)
    }

    /// Finalize a draft: evaluate, freeze the canonical content and its SHA-256, all in one
    /// transaction. Refused while an answer, member fact or required photo is missing (a set
    /// that is itself incomplete does not block finalization). Finalizing a finalized assessment
    /// returns its existing hash (idempotent).
    pub fn finalize(&mut self, id: &str) -> Result<Finalized> {
        let info = self.assessment(id)?;
        let set = self.criteria_for(&info)?;
        if info.state == "finalized" {
            let content = self.content_of(id)?;
            let answers = self.answers_of(&info, &set)?;
            let answers = Answers {
                members: content.members.clone(),
                ..answers
            };
            return Ok(Finalized {
                id: id.to_string(),
                content_sha256: info.content_sha256.unwrap_or_default(),
                evaluation: engine::evaluate(&set, &answers)?,
            });
        }
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        // Re-read inside the write transaction so nothing changes between check and freeze.
        let info = tx
            .prepare_cached(&format!("SELECT {INFO_COLS} FROM assessment WHERE id = ?1"))?
            .query_row([id], info_from)?;
        if info.state != "draft" {
            return Err(StoreError::Finalized(id.to_string()));
        }
        let answers = self.answers_of(&info, &set)?;
        let evaluation = engine::evaluate(&set, &answers)?;
        let blocking: Vec<String> = evaluation
            .reasons
            .iter()
            .filter(|r| {
                matches!(
                    r.code.as_str(),
                    "missing_answer" | "missing_member_data" | "missing_evidence"
                )
            })
            .map(|r| r.message.clone())
            .collect();
        if !blocking.is_empty() {
            return Err(StoreError::Invalid(format!(
                "Chưa thể chốt phiếu: {} / cannot finalize: something is missing",
                blocking.join("; ")
            )));
        }
        let now = clock::now();
        let created_at: String = tx
            .prepare_cached("SELECT created_at FROM assessment WHERE id = ?1")?
            .query_row([id], |r| r.get(0))?;
        let content = CanonicalAssessment {
            format: 1,
            id: info.id.clone(),
            parent_id: info.parent_id.clone(),
            revision: info.revision,
            subject: info.subject.clone(),
            model: info.model,
            year: info.year,
            criteria: CanonicalSet {
                id: info.criteria_id.clone(),
                version: info.criteria_version,
                sha256: info.criteria_sha256.clone(),
            },
            answers: answers
                .items
                .iter()
                .map(|(k, a)| {
                    (
                        k.clone(),
                        CanonicalAnswer {
                            value: a.value.map(value_to_db),
                            note: a.note.clone(),
                            override_reason: a.override_reason.clone(),
                        },
                    )
                })
                .collect(),
            members: answers.members.clone(),
            evidence: self.evidence_of(id)?,
            result: CanonicalResult {
                status: evaluation.status,
                total: evaluation.total.0,
                max: evaluation.max.0,
                level: evaluation.level.clone(),
                engine_version: evaluation.engine_version.clone(),
            },
            created_at,
            finalized_at: now.utc.clone(),
            finalized_offset: now.offset_minutes,
        };
        let json = serde_json::to_string(&content)
            .map_err(|e| StoreError::Invalid(format!("serialise: {e}")))?;
        let sha = sha256_hex(json.as_bytes());
        tx.prepare_cached(
            "UPDATE assessment SET state = 'finalized', result_status = ?2, total = ?3, content = ?4,
                 content_sha256 = ?5, finalized_at = ?6, finalized_offset = ?7, updated_at = ?6,
                 sync_state = 'queued'
             WHERE id = ?1 AND state = 'draft'",
        )?
        .execute(params![
            id,
            evaluation.status.code(),
            evaluation.total.0,
            json,
            sha,
            now.utc,
            now.offset_minutes
        ])?;
        tx.commit()?;
        Ok(Finalized {
            id: id.to_string(),
            content_sha256: sha,
            evaluation,
        })
    }

    /// The frozen canonical content of a finalized assessment, checked against its hash.
    pub fn content_of(&self, id: &str) -> Result<CanonicalAssessment> {
        let (content, sha): (Option<String>, Option<String>) = self
            .conn
            .prepare_cached("SELECT content, content_sha256 FROM assessment WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "phiếu đánh giá / assessment",
                id: id.to_string(),
            })?;
        let (Some(content), Some(sha)) = (content, sha) else {
            return Err(StoreError::Invalid(format!(
                "Phiếu {id} chưa chốt / assessment {id} is not finalized"
            )));
        };
        if sha256_hex(content.as_bytes()) != sha {
            return Err(StoreError::Corrupt { id: id.to_string() });
        }
        serde_json::from_str(&content).map_err(|_| StoreError::Corrupt { id: id.to_string() })
    }

    /// Check a finalized assessment end to end: content matches its hash, and the answer rows
    /// match the content.
    pub fn verify(&self, id: &str) -> Result<()> {
        let content = self.content_of(id)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT item_id, value, note, override_reason FROM answer WHERE assessment_id = ?1",
        )?;
        let rows: BTreeMap<String, CanonicalAnswer> = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    CanonicalAnswer {
                        value: r.get(1)?,
                        note: r.get(2)?,
                        override_reason: r.get(3)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        if rows != content.answers {
            return Err(StoreError::Corrupt { id: id.to_string() });
        }
        Ok(())
    }

    /// Start a correction of a finalized assessment: a new draft revision pointing to it, with its
    /// answers copied. Only the latest revision can be corrected.
    pub fn correct(&mut self, id: &str) -> Result<AssessmentInfo> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let info = tx
            .prepare_cached(&format!("SELECT {INFO_COLS} FROM assessment WHERE id = ?1"))?
            .query_row([id], info_from)
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "phiếu đánh giá / assessment",
                id: id.to_string(),
            })?;
        if info.state != "finalized" {
            return Err(StoreError::Invalid(format!(
                "Phiếu {id} chưa chốt, cứ sửa trực tiếp / assessment is still a draft"
            )));
        }
        let child: Option<String> = tx
            .prepare_cached("SELECT id FROM assessment WHERE parent_id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if let Some(child) = child {
            return Err(StoreError::Invalid(format!(
                "Phiếu {id} đã có bản sửa {child} / already corrected by {child}"
            )));
        }
        let new_id = clock::new_id();
        let now = clock::now();
        tx.prepare_cached(
            "INSERT INTO assessment (id, subject_kind, subject_id, model, year, criteria_id,
                criteria_version, criteria_sha256, parent_id, revision, created_at, created_offset, updated_at)
             SELECT ?2, subject_kind, subject_id, model, year, criteria_id, criteria_version,
                criteria_sha256, id, revision + 1, ?3, ?4, ?3 FROM assessment WHERE id = ?1",
        )?
        .execute(params![id, new_id, now.utc, now.offset_minutes])?;
        tx.prepare_cached(
            "INSERT INTO answer (assessment_id, item_id, value, note, override_reason, updated_at)
             SELECT ?2, item_id, value, note, override_reason, ?3 FROM answer WHERE assessment_id = ?1",
        )?
        .execute(params![id, new_id, now.utc])?;
        tx.prepare_cached(
            "INSERT INTO evidence (assessment_id, item_id, photo_sha256, position, created_at)
             SELECT ?2, item_id, photo_sha256, position, ?3 FROM evidence WHERE assessment_id = ?1",
        )?
        .execute(params![id, new_id, now.utc])?;
        tx.commit()?;
        self.assessment(&new_id)
    }

    /// Delete a draft (finalized assessments are never deleted).
    pub fn discard_draft(&self, id: &str) -> Result<()> {
        let info = self.assessment(id)?;
        if info.state != "draft" {
            return Err(StoreError::Finalized(id.to_string()));
        }
        self.conn.execute(
            "DELETE FROM assessment WHERE id = ?1 AND state = 'draft'",
            [id],
        )?;
        Ok(())
    }
}
