//! Registrations and assessments: drafts that autosave every answer, finalization that freezes a
//! canonical JSON form with its SHA-256, corrections as new revisions pointing to their parent,
//! and where each subject stands for a year.
//!
//! Lifecycle (`hoctap_domain::state`): `draft` → `finalized` (immutable, enforced by triggers) →
//! outbox states. A finalized assessment is evaluated from its frozen content only
//! ([`answers_of`]), so what it reads never changes when the roster does.

use crate::codec::{self, Coded};
use crate::error::Entity;
use crate::{criteria, evidence, households, Db, Result, Store, StoreError};
use hoctap_domain::assessment::{answer_value, stored_value, CanonicalAssessment, FreezeMeta};
use hoctap_domain::criteria::LoadedSet;
use hoctap_domain::engine::{self, Answers, Evaluation, ItemAnswer, Reason, Status};
use hoctap_domain::model::{MemberFacts, Model, Points, Subject, SubjectKind};
use hoctap_domain::state::{AssessmentState, SubjectStatus, SyncState};
use hoctap_domain::text;
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

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
    pub state: AssessmentState,
    pub result_status: Option<Status>,
    pub total: Option<Points>,
    pub content_sha256: Option<String>,
    pub sync_state: SyncState,
    pub created_at: String,
    pub finalized_at: Option<String>,
}

impl AssessmentInfo {
    /// Finalized (frozen)?
    pub fn is_finalized(&self) -> bool {
        self.state == AssessmentState::Finalized
    }
}

/// What finalization produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finalized {
    pub id: String,
    pub content_sha256: String,
    pub evaluation: Evaluation,
}

const INFO_COLS: &str = "id, subject_kind, subject_id, model, year, criteria_id, criteria_version,
    criteria_sha256, parent_id, revision, state, result_status, total, content_sha256, sync_state,
    created_at, finalized_at";

fn info_from(r: &Row<'_>) -> rusqlite::Result<AssessmentInfo> {
    Ok(AssessmentInfo {
        id: r.get(0)?,
        subject: Subject {
            kind: codec::get(r, 1)?,
            id: r.get(2)?,
        },
        model: codec::get(r, 3)?,
        year: r.get(4)?,
        criteria_id: r.get(5)?,
        criteria_version: r.get(6)?,
        criteria_sha256: r.get(7)?,
        parent_id: r.get(8)?,
        revision: r.get(9)?,
        state: codec::get(r, 10)?,
        result_status: codec::get_opt(r, 11)?,
        total: r.get::<_, Option<u32>>(12)?.map(Points),
        content_sha256: r.get(13)?,
        sync_state: codec::get(r, 14)?,
        created_at: r.get(15)?,
        finalized_at: r.get(16)?,
    })
}

fn subject_table(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Household => "household",
        SubjectKind::Clan => "clan",
        SubjectKind::Hamlet => "hamlet",
        SubjectKind::Unit => "unit",
        SubjectKind::Member => "member",
    }
}

/// Fail unless the subject exists.
pub fn check_subject(db: &Db<'_>, subject: &Subject) -> Result<()> {
    // Removed (or merged) rows cannot be assessed any more.
    let sql = format!(
        "SELECT 1 FROM {} WHERE id = ?1 AND removed_at IS NULL",
        subject_table(subject.kind)
    );
    let found: Option<i64> = db
        .conn()
        .prepare_cached(&sql)?
        .query_row([&subject.id], |r| r.get(0))
        .optional()?;
    if found.is_none() {
        let entity = match subject.kind {
            SubjectKind::Household => Entity::Household,
            SubjectKind::Member => Entity::Member,
            SubjectKind::Hamlet => Entity::Hamlet,
            SubjectKind::Clan => Entity::Clan,
            SubjectKind::Unit => Entity::Unit,
        };
        return Err(StoreError::not_found(entity, subject.id.clone()));
    }
    Ok(())
}

/// Register a subject for a model in a year (idempotent). Returns the registration id.
pub fn register(db: &Db<'_>, subject: &Subject, model: Model, year: i32) -> Result<String> {
    if SubjectKind::for_model(model) != subject.kind {
        return Err(StoreError::ModelMismatch {
            model,
            kind: subject.kind,
        });
    }
    check_subject(db, subject)?;
    let now = db.now();
    db.conn()
        .prepare_cached(
            "INSERT INTO registration (id, subject_kind, subject_id, model, year, created_at, created_offset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (subject_kind, subject_id, model, year) DO NOTHING",
        )?
        .execute(params![
            db.new_id(),
            Coded(subject.kind),
            subject.id,
            Coded(model),
            year,
            now.utc,
            now.offset_minutes
        ])?;
    Ok(db
        .conn()
        .prepare_cached(
            "SELECT id FROM registration
             WHERE subject_kind = ?1 AND subject_id = ?2 AND model = ?3 AND year = ?4",
        )?
        .query_row(
            params![Coded(subject.kind), subject.id, Coded(model), year],
            |r| r.get(0),
        )?)
}

/// Start an assessment of a subject with a set for a year, or resume the open draft; registers
/// the subject for the year. A subject whose latest assessment is finalized gets an error:
/// corrections go through [`correct`].
pub fn start(db: &Db<'_>, subject: &Subject, set: &LoadedSet, year: i32) -> Result<AssessmentInfo> {
    register(db, subject, set.model, year)?;
    let existing: Option<(String, AssessmentState)> = db
        .conn()
        .prepare_cached(
            "SELECT id, state FROM assessment a
             WHERE subject_kind = ?1 AND subject_id = ?2 AND model = ?3 AND year = ?4
               AND NOT EXISTS (SELECT 1 FROM assessment c WHERE c.parent_id = a.id)
             ORDER BY revision DESC LIMIT 1",
        )?
        .query_row(
            params![Coded(subject.kind), subject.id, Coded(set.model), year],
            |r| Ok((r.get(0)?, codec::get(r, 1)?)),
        )
        .optional()?;
    let id = match existing {
        Some((id, AssessmentState::Draft)) => id,
        Some((id, AssessmentState::Finalized)) => {
            return Err(StoreError::AlreadyFinalized { year, id })
        }
        None => {
            // Issue 10 (honest results): only a NEW assessment is checked — the set's period must
            // include the year and the person assessed must be within the set's eligibility
            // (rules in `hoctap_domain::eligibility`); drafts resumed above are not re-checked.
            let people = if subject.kind == SubjectKind::Member {
                live_member_facts(db, subject)?
            } else {
                Vec::new()
            };
            hoctap_domain::eligibility::check_new_assessment(set, year, &people)
                .map_err(engine::InputError::from)?;
            let id = db.new_id();
            let now = db.now();
            db.conn()
                .prepare_cached(
                    "INSERT INTO assessment (id, subject_kind, subject_id, model, year, criteria_id,
                        criteria_version, criteria_sha256, created_at, created_offset, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9)",
                )?
                .execute(params![
                    id,
                    Coded(subject.kind),
                    subject.id,
                    Coded(set.model),
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
    get(db, &id)
}

/// An assessment's record.
pub fn get(db: &Db<'_>, id: &str) -> Result<AssessmentInfo> {
    db.conn()
        .prepare_cached(&format!("SELECT {INFO_COLS} FROM assessment WHERE id = ?1"))?
        .query_row([id], info_from)
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Assessment, id))
}

/// Assessments of a subject, newest revision first.
pub fn of_subject(db: &Db<'_>, subject: &Subject) -> Result<Vec<AssessmentInfo>> {
    let rows = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {INFO_COLS} FROM assessment WHERE subject_kind = ?1 AND subject_id = ?2
             ORDER BY year DESC, revision DESC"
        ))?
        .query_map(params![Coded(subject.kind), subject.id], info_from)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The set an assessment is pinned to.
pub fn set_of(db: &Db<'_>, info: &AssessmentInfo) -> Result<Arc<LoadedSet>> {
    criteria::exact(db, &info.criteria_id, &info.criteria_sha256)
}

/// Save answers of a draft. Each is validated against the set first; text is stored NFC. `None`
/// as value with no note clears an answer.
pub fn set_answers(db: &Db<'_>, id: &str, items: &BTreeMap<String, ItemAnswer>) -> Result<()> {
    let info = get(db, id)?;
    if info.is_finalized() {
        return Err(StoreError::Finalized(id.to_string()));
    }
    let set = set_of(db, &info)?;
    let probe = Answers {
        year: info.year,
        items: items.clone(),
        members: Vec::new(),
        evidence: None,
    };
    probe.validate(&set)?;
    let now = db.now();
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
            db.conn()
                .prepare_cached("DELETE FROM answer WHERE assessment_id = ?1 AND item_id = ?2")?
                .execute(params![id, item])?;
            continue;
        }
        db.conn()
            .prepare_cached(
                "INSERT INTO answer (assessment_id, item_id, value, note, override_reason, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (assessment_id, item_id) DO UPDATE SET value = excluded.value,
                   note = excluded.note, override_reason = excluded.override_reason,
                   updated_at = excluded.updated_at",
            )?
            .execute(params![
                id,
                item,
                answer.value.map(stored_value),
                note,
                reason,
                now.utc
            ])?;
    }
    db.conn()
        .prepare_cached("UPDATE assessment SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, now.utc])?;
    Ok(())
}

/// The saved answer of one indicator of an assessment (empty when none).
pub fn answer_of(db: &Db<'_>, info: &AssessmentInfo, item: &str) -> Result<ItemAnswer> {
    let set = set_of(db, info)?;
    Ok(answers_of(db, info, &set)?
        .items
        .remove(item)
        .unwrap_or_default())
}

/// Member facts of a subject as they are now, for derived indicators of a draft.
pub fn live_member_facts(db: &Db<'_>, subject: &Subject) -> Result<Vec<MemberFacts>> {
    match subject.kind {
        SubjectKind::Household => Ok(households::members_of(db, &subject.id)?
            .iter()
            .map(households::Member::facts)
            .collect()),
        SubjectKind::Clan => households::clan_member_facts(db, &subject.id),
        SubjectKind::Member => Ok(vec![households::get_member(db, &subject.id)?.facts()]),
        SubjectKind::Hamlet | SubjectKind::Unit => Ok(Vec::new()),
    }
}

/// The engine input of an assessment. A draft reads its saved answers, the subject's member facts
/// now and its evidence counts; a finalized one reads its frozen content (checked against its
/// hash) and nothing else.
pub fn answers_of(db: &Db<'_>, info: &AssessmentInfo, set: &LoadedSet) -> Result<Answers> {
    if info.is_finalized() {
        return Ok(content_of(db, &info.id)?.input(set));
    }
    let mut stmt = db.conn().prepare_cached(
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
                value: value.map(|v| answer_value(set, &item, v)),
                note,
                override_reason,
            },
        );
    }
    let evidence = evidence::hashes_of(db, &info.id)?
        .into_iter()
        .map(|(k, v)| (k, u32::try_from(v.len()).unwrap_or(u32::MAX)))
        .collect();
    Ok(Answers {
        year: info.year,
        items,
        members: live_member_facts(db, &info.subject)?,
        evidence: Some(evidence),
    })
}

/// Evaluate an assessment: a draft as it stands, a finalized one from its frozen content.
pub fn evaluate(db: &Db<'_>, info: &AssessmentInfo) -> Result<Evaluation> {
    let set = set_of(db, info)?;
    let answers = answers_of(db, info, &set)?;
    Ok(engine::evaluate(&set, &answers)?)
}

/// Finalize a draft: evaluate, freeze the canonical content and its SHA-256. Refused while an
/// answer, member fact or required photo is missing (a set that is itself incomplete does not
/// block). Finalizing a finalized assessment returns what it froze (idempotent). Runs inside
/// the caller's write transaction, so nothing changes between the check and the freeze.
pub fn finalize(db: &Db<'_>, id: &str) -> Result<Finalized> {
    let info = get(db, id)?;
    let set = set_of(db, &info)?;
    if info.is_finalized() {
        return Ok(Finalized {
            id: id.to_string(),
            content_sha256: info.content_sha256.clone().unwrap_or_default(),
            evaluation: evaluate(db, &info)?,
        });
    }
    let answers = answers_of(db, &info, &set)?;
    let evaluation = engine::evaluate(&set, &answers)?;
    let blocking: Vec<Reason> = evaluation.blocking_reasons().cloned().collect();
    if !blocking.is_empty() {
        return Err(StoreError::NotFinalizable { reasons: blocking });
    }
    let now = db.now();
    let content = CanonicalAssessment::freeze(
        &FreezeMeta {
            id: &info.id,
            parent_id: info.parent_id.as_deref(),
            revision: info.revision,
            subject: &info.subject,
            model: info.model,
            year: info.year,
            set: &set,
            created_at: &info.created_at,
            finalized: &now,
        },
        &answers,
        evidence::hashes_of(db, id)?,
        &evaluation,
    );
    let (json, sha) = content
        .seal()
        .map_err(|e| StoreError::Internal(format!("serialise canonical content: {e}")))?;
    db.conn()
        .prepare_cached(
            "UPDATE assessment SET state = ?8, result_status = ?2, total = ?3, content = ?4,
                 content_sha256 = ?5, finalized_at = ?6, finalized_offset = ?7, updated_at = ?6,
                 sync_state = ?9
             WHERE id = ?1 AND state = ?10",
        )?
        .execute(params![
            id,
            Coded(evaluation.status),
            evaluation.total.0,
            json,
            sha,
            now.utc,
            now.offset_minutes,
            Coded(AssessmentState::Finalized),
            Coded(SyncState::Queued),
            Coded(AssessmentState::Draft)
        ])?;
    Ok(Finalized {
        id: id.to_string(),
        content_sha256: sha,
        evaluation,
    })
}

/// The frozen canonical content and its hash as stored (`None` for a draft), unverified.
pub fn stored_content(db: &Db<'_>, id: &str) -> Result<Option<(String, String)>> {
    let (content, sha): (Option<String>, Option<String>) = db
        .conn()
        .prepare_cached("SELECT content, content_sha256 FROM assessment WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Assessment, id))?;
    Ok(content.zip(sha))
}

/// The frozen canonical content of a finalized assessment, checked against its hash.
pub fn content_of(db: &Db<'_>, id: &str) -> Result<CanonicalAssessment> {
    let (content, sha) =
        stored_content(db, id)?.ok_or_else(|| StoreError::NotFinalized(id.to_string()))?;
    if hoctap_domain::assessment::sha256_hex(content.as_bytes()) != sha {
        return Err(StoreError::Corrupt { id: id.to_string() });
    }
    CanonicalAssessment::from_json(&content).map_err(|_| StoreError::Corrupt { id: id.to_string() })
}

/// Check a finalized assessment end to end: content matches its hash, and the answer rows
/// match the content.
pub fn verify(db: &Db<'_>, id: &str) -> Result<()> {
    let content = content_of(db, id)?;
    let rows: BTreeMap<String, hoctap_domain::assessment::CanonicalAnswer> = db
        .conn()
        .prepare_cached(
            "SELECT item_id, value, note, override_reason FROM answer WHERE assessment_id = ?1",
        )?
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                hoctap_domain::assessment::CanonicalAnswer {
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
/// answers and photos copied. Only the latest revision can be corrected.
pub fn correct(db: &Db<'_>, id: &str) -> Result<AssessmentInfo> {
    let info = get(db, id)?;
    if !info.is_finalized() {
        return Err(StoreError::NotFinalized(id.to_string()));
    }
    let child: Option<String> = db
        .conn()
        .prepare_cached("SELECT id FROM assessment WHERE parent_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if let Some(child) = child {
        return Err(StoreError::AlreadyCorrected {
            id: id.to_string(),
            child,
        });
    }
    let new_id = db.new_id();
    let now = db.now();
    db.conn()
        .prepare_cached(
            "INSERT INTO assessment (id, subject_kind, subject_id, model, year, criteria_id,
                criteria_version, criteria_sha256, parent_id, revision, created_at, created_offset, updated_at)
             SELECT ?2, subject_kind, subject_id, model, year, criteria_id, criteria_version,
                criteria_sha256, id, revision + 1, ?3, ?4, ?3 FROM assessment WHERE id = ?1",
        )?
        .execute(params![id, new_id, now.utc, now.offset_minutes])?;
    db.conn()
        .prepare_cached(
            "INSERT INTO answer (assessment_id, item_id, value, note, override_reason, updated_at)
             SELECT ?2, item_id, value, note, override_reason, ?3 FROM answer WHERE assessment_id = ?1",
        )?
        .execute(params![id, new_id, now.utc])?;
    evidence::copy_links(db, id, &new_id)?;
    get(db, &new_id)
}

/// Delete a draft (finalized assessments are never deleted).
pub fn discard_draft(db: &Db<'_>, id: &str) -> Result<()> {
    let info = get(db, id)?;
    if info.is_finalized() {
        return Err(StoreError::Finalized(id.to_string()));
    }
    evidence::unlink_all(db, id)?;
    db.conn()
        .prepare_cached("DELETE FROM assessment WHERE id = ?1 AND state = ?2")?
        .execute(params![id, Coded(AssessmentState::Draft)])?;
    Ok(())
}

/// Where one subject stands for a model and year.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubjectYear {
    pub registered: bool,
    /// The latest assessment (a correction supersedes its parent).
    pub assessment_id: Option<String>,
    pub state: Option<AssessmentState>,
    pub sync_state: Option<SyncState>,
    /// The frozen total of a finalized assessment.
    pub total: Option<Points>,
    /// The reviewer's comment (returned) or why it is held back (wedged).
    pub comment: Option<String>,
}

impl SubjectYear {
    /// The status this amounts to.
    pub fn status(&self) -> SubjectStatus {
        SubjectStatus::of(self.registered, self.state.map(|s| (s, self.sync_state)))
    }
}

/// Where every subject of a model with a registration or an assessment stands for `year`,
/// keyed by subject id.
pub fn statuses(db: &Db<'_>, model: Model, year: i32) -> Result<HashMap<String, SubjectYear>> {
    let kind = SubjectKind::for_model(model);
    let mut out: HashMap<String, SubjectYear> = HashMap::new();
    let mut stmt = db.conn().prepare_cached(
        "SELECT subject_id FROM registration
         WHERE subject_kind = ?1 AND model = ?2 AND year = ?3",
    )?;
    for row in stmt.query_map(params![Coded(kind), Coded(model), year], |r| {
        r.get::<_, String>(0)
    })? {
        out.entry(row?).or_default().registered = true;
    }
    let mut stmt = db.conn().prepare_cached(
        "SELECT a.subject_id, a.id, a.state, a.sync_state, a.total,
                coalesce(a.server_comment, a.sync_detail)
         FROM assessment a
         WHERE a.subject_kind = ?1 AND a.model = ?2 AND a.year = ?3
           AND NOT EXISTS (SELECT 1 FROM assessment c WHERE c.parent_id = a.id)",
    )?;
    let rows = stmt.query_map(params![Coded(kind), Coded(model), year], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            codec::get::<AssessmentState>(r, 2)?,
            codec::get::<SyncState>(r, 3)?,
            r.get::<_, Option<u32>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    for row in rows {
        let (subject, id, state, sync, total, comment) = row?;
        let e = out.entry(subject).or_default();
        e.assessment_id = Some(id);
        e.total = total.map(Points);
        e.comment = matches!(sync, SyncState::NeedsCorrection | SyncState::Wedged)
            .then_some(comment)
            .flatten();
        e.state = Some(state);
        e.sync_state = (state == AssessmentState::Finalized).then_some(sync);
    }
    Ok(out)
}

impl Store {
    /// Register a subject for a model in a year (idempotent). Returns the registration id.
    pub fn register(&self, subject: &Subject, model: Model, year: i32) -> Result<String> {
        self.write(|db| register(db, subject, model, year))
    }

    /// Start an assessment, or resume the open draft (see [`start`]).
    pub fn start_assessment(
        &self,
        subject: &Subject,
        set: &LoadedSet,
        year: i32,
    ) -> Result<AssessmentInfo> {
        self.write(|db| start(db, subject, set, year))
    }

    /// An assessment's record.
    pub fn assessment(&self, id: &str) -> Result<AssessmentInfo> {
        self.read(|db| get(db, id))
    }

    /// Assessments of a subject, newest revision first.
    pub fn assessments_of(&self, subject: &Subject) -> Result<Vec<AssessmentInfo>> {
        self.read(|db| of_subject(db, subject))
    }

    /// The exact set (by content hash) an assessment was started with.
    pub fn criteria_for(&self, info: &AssessmentInfo) -> Result<Arc<LoadedSet>> {
        self.read(|db| set_of(db, info))
    }

    /// Save answers of a draft, all or nothing (see [`set_answers`]).
    pub fn set_answers(&self, id: &str, items: &BTreeMap<String, ItemAnswer>) -> Result<()> {
        self.write(|db| set_answers(db, id, items))
    }

    /// Save one answer of a draft.
    pub fn set_answer(&self, id: &str, item: &str, answer: ItemAnswer) -> Result<()> {
        let mut items = BTreeMap::new();
        items.insert(item.to_string(), answer);
        self.set_answers(id, &items)
    }

    /// Apply one change to an indicator's saved answer (the note or value kept as the change
    /// says, `hoctap_domain::assessment::merge_answer`), in one transaction.
    pub fn change_answer(
        &self,
        id: &str,
        item: &str,
        change: hoctap_domain::assessment::AnswerChange,
    ) -> Result<()> {
        self.write(|db| {
            let info = get(db, id)?;
            let current = answer_of(db, &info, item)?;
            let merged = hoctap_domain::assessment::merge_answer(current, change);
            let mut items = BTreeMap::new();
            items.insert(item.to_string(), merged);
            set_answers(db, id, &items)
        })
    }

    /// The engine input of an assessment (see [`answers_of`]).
    pub fn answers_of(&self, info: &AssessmentInfo, set: &LoadedSet) -> Result<Answers> {
        self.read(|db| answers_of(db, info, set))
    }

    /// Member facts of a subject as they are now.
    pub fn subject_member_facts(&self, subject: &Subject) -> Result<Vec<MemberFacts>> {
        self.read(|db| live_member_facts(db, subject))
    }

    /// Evaluate an assessment: a draft as it stands, a finalized one as frozen.
    pub fn evaluate_assessment(&self, id: &str) -> Result<Evaluation> {
        self.read(|db| {
            let info = get(db, id)?;
            evaluate(db, &info)
        })
    }

    /// Finalize a draft (see [`finalize`]).
    pub fn finalize(&self, id: &str) -> Result<Finalized> {
        self.write(|db| finalize(db, id))
    }

    /// The frozen canonical content of a finalized assessment, checked against its hash.
    pub fn content_of(&self, id: &str) -> Result<CanonicalAssessment> {
        self.read(|db| content_of(db, id))
    }

    /// Check a finalized assessment end to end.
    pub fn verify(&self, id: &str) -> Result<()> {
        self.read(|db| verify(db, id))
    }

    /// Start a correction of a finalized assessment.
    pub fn correct(&self, id: &str) -> Result<AssessmentInfo> {
        self.write(|db| correct(db, id))
    }

    /// Delete a draft (finalized assessments are never deleted).
    pub fn discard_draft(&self, id: &str) -> Result<()> {
        self.write(|db| discard_draft(db, id))
    }

    /// Where every subject of a model stands for `year` (see [`statuses`]).
    pub fn statuses(&self, model: Model, year: i32) -> Result<HashMap<String, SubjectYear>> {
        self.read(|db| statuses(db, model, year))
    }
}
