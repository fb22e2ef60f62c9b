//! Builds the screen-shaped records from the core: the assessment view model (criteria grouped,
//! texts, answers, derived values, photos, live result), household rows with their status for a
//! year, members, the outbox. Read-only; every function takes the store it reads.

use crate::error::{HoctapError, Result};
use crate::types::*;
use hoctap_core::criteria::{AnswerKind as CoreAnswerKind, CriteriaSet, SetStatus};
use hoctap_core::engine::{self, AnswerValue, Evaluation, Status, ValueSource as CoreSource};
use hoctap_core::model::{Model, Points};
use hoctap_core::store::assessments::{AssessmentInfo, Subject, SubjectKind as CoreKind};
use hoctap_core::store::households::Member;
use hoctap_core::store::Store;
use hoctap_core::sync::state;
use rusqlite::params;
use std::collections::HashMap;

/// Points as a screen number (8.5).
pub fn pts(p: Points) -> f64 {
    p.as_f64()
}

/// Warning shown above an assessment whose set cannot report "đạt".
pub fn set_notice(set: &CriteriaSet) -> Option<String> {
    match set.status {
        SetStatus::Template => Some(
            "Mẫu — không phải bộ tiêu chí chính thức; kết quả chỉ để tham khảo".to_string(),
        ),
        _ if set.is_incomplete() => Some(
            "Bộ tiêu chí chưa đầy đủ (thiếu chỉ số hoặc ngưỡng công nhận chính thức): kết quả sẽ là “chưa đủ thông tin”"
                .to_string(),
        ),
        _ => None,
    }
}

pub fn set_info(set: &CriteriaSet) -> CriteriaSetInfo {
    CriteriaSetInfo {
        id: set.id.clone(),
        model: set.model.into(),
        title: set.title.clone(),
        version: i32::try_from(set.version).unwrap_or(i32::MAX),
        status: match set.status {
            SetStatus::Official => "official",
            SetStatus::Partial => "partial",
            SetStatus::Template => "template",
        }
        .to_string(),
        notice: set_notice(set),
        max: pts(set.max_total()),
    }
}

fn status_of(s: Status) -> ResultStatus {
    match s {
        Status::Passed => ResultStatus::Passed,
        Status::Failed => ResultStatus::Failed,
        Status::Incomplete => ResultStatus::Incomplete,
    }
}

fn result_status_code(code: &str) -> Option<ResultStatus> {
    match code {
        "passed" => Some(ResultStatus::Passed),
        "failed" => Some(ResultStatus::Failed),
        "incomplete" => Some(ResultStatus::Incomplete),
        _ => None,
    }
}

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Passed => "Đạt",
        Status::Failed => "Chưa đạt",
        Status::Incomplete => "Chưa đủ thông tin",
    }
}

const BLOCKING: [&str; 3] = ["missing_answer", "missing_member_data", "missing_evidence"];

/// The live result of an evaluation.
pub fn result_view(set: &CriteriaSet, ev: &Evaluation) -> ResultView {
    let level_title = ev.level.as_ref().and_then(|code| {
        set.rules
            .levels
            .iter()
            .find(|l| &l.code == code)
            .map(|l| l.title.clone())
    });
    ResultView {
        status: status_of(ev.status),
        label: status_label(ev.status).to_string(),
        total: pts(ev.total),
        max: pts(ev.max),
        total_label: format!("{}/{} điểm", ev.total, ev.max),
        pass_total: set.rules.pass_total.map(pts),
        level: ev.level.clone(),
        level_title,
        reasons: ev
            .reasons
            .iter()
            .map(|r| ReasonView {
                code: r.code.clone(),
                item: r.item.clone(),
                message: r.message.clone(),
            })
            .collect(),
        can_finalize: !ev
            .reasons
            .iter()
            .any(|r| BLOCKING.contains(&r.code.as_str())),
    }
}

/// Display name of a subject (household head, member or hamlet name).
pub fn subject_name(store: &Store, subject: &Subject) -> Option<String> {
    match subject.kind {
        CoreKind::Household => store.household(&subject.id).ok().map(|h| h.head),
        CoreKind::Member => store.member(&subject.id).ok().map(|m| m.name),
        CoreKind::Hamlet => store.hamlet(&subject.id).ok().map(|h| h.name),
        CoreKind::Clan | CoreKind::Unit => None,
    }
}

fn photo_view(p: &hoctap_core::store::evidence::EvidencePhoto) -> PhotoView {
    PhotoView {
        sha256: p.sha256.clone(),
        path: p.path.display().to_string(),
        thumb_path: p.thumb_path.display().to_string(),
        width: i32::try_from(p.width).unwrap_or(i32::MAX),
        height: i32::try_from(p.height).unwrap_or(i32::MAX),
        taken_at: p.taken_at.clone(),
        has_gps: p.gps_lat.is_some() && p.gps_lon.is_some(),
    }
}

/// The assessment screen's view model.
pub fn assessment_view(store: &Store, id: &str) -> Result<AssessmentView> {
    let info = store.assessment(id)?;
    let set = store.criteria_for(&info)?;
    let mut answers = store.answers_of(&info, &set)?;
    let finalized = info.state == "finalized";
    if finalized {
        // A finalized assessment is shown as frozen: with the member facts it was scored on.
        answers.members = store.content_of(id)?.members;
    }
    let ev = engine::evaluate(&set, &answers)?;
    let photos = store.photos_of(id)?;
    let outbox = if finalized {
        state::outbox(store)?.into_iter().find(|o| o.id == info.id)
    } else {
        None
    };
    let items: HashMap<&str, &engine::ItemResult> =
        ev.items.iter().map(|i| (i.id.as_str(), i)).collect();
    let subtotals: HashMap<&str, &engine::CriterionResult> =
        ev.subtotals.iter().map(|c| (c.id.as_str(), c)).collect();
    let criteria = set
        .criteria
        .iter()
        .map(|c| {
            let sub = subtotals.get(c.id.as_str());
            CriterionView {
                id: c.id.clone(),
                title: c.title.clone(),
                total: sub.map_or(0.0, |s| pts(s.total)),
                max: c.max.map(pts),
                min_points: c.min_points.map(pts),
                met: sub.is_none_or(|s| s.met),
                indicators: c
                    .indicators
                    .iter()
                    .map(|ind| {
                        let res = items.get(ind.id.as_str());
                        let given = answers.items.get(&ind.id);
                        let (answered_points, answered_yes) = match given.and_then(|a| a.value) {
                            Some(AnswerValue::Points(p)) => (Some(pts(p)), None),
                            Some(AnswerValue::YesNo(b)) => (None, Some(b)),
                            None => (None, None),
                        };
                        IndicatorView {
                            id: ind.id.clone(),
                            text: ind.text.clone(),
                            guidance: ind.guidance.clone(),
                            max: ind.max.map(pts),
                            answer_kind: match &ind.answer {
                                CoreAnswerKind::Points { step } => {
                                    AnswerKind::Points { step: pts(*step) }
                                }
                                CoreAnswerKind::YesNo => AnswerKind::YesNo,
                                CoreAnswerKind::Derived(rule) => AnswerKind::Derived {
                                    rule: rule.explanation.clone(),
                                },
                            },
                            answered_points,
                            answered_yes,
                            note: given.and_then(|a| a.note.clone()),
                            override_reason: given.and_then(|a| a.override_reason.clone()),
                            points: res.and_then(|r| r.points).map(pts),
                            source: match res.map(|r| r.source) {
                                Some(CoreSource::Answered) => ValueSource::Answered,
                                Some(CoreSource::Derived) => ValueSource::Derived,
                                Some(CoreSource::Overridden) => ValueSource::Overridden,
                                Some(CoreSource::Missing) | None => ValueSource::Missing,
                            },
                            explanation: res.and_then(|r| r.explanation.clone()),
                            evidence_required: ind.evidence.required,
                            min_photos: i32::try_from(ind.evidence.min_photos).unwrap_or(i32::MAX),
                            photos: photos
                                .get(&ind.id)
                                .map(|ps| ps.iter().map(photo_view).collect())
                                .unwrap_or_default(),
                            missing: ind.missing,
                            problems: ev
                                .reasons
                                .iter()
                                .filter(|r| r.item.as_deref() == Some(ind.id.as_str()))
                                .map(|r| r.message.clone())
                                .collect(),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let outbox_state = outbox.as_ref().map(|o| OutboxState::from_code(&o.state));
    Ok(AssessmentView {
        subject_name: subject_name(store, &info.subject),
        subject: SubjectRef {
            kind: info.subject.kind.into(),
            id: info.subject.id.clone(),
        },
        model: info.model.into(),
        model_title: info.model.title_vi().to_string(),
        year: info.year,
        criteria_id: set.id.clone(),
        criteria_title: set.title.clone(),
        criteria_version: i32::try_from(set.version).unwrap_or(i32::MAX),
        criteria_notice: set_notice(&set),
        revision: i32::try_from(info.revision).unwrap_or(i32::MAX),
        parent_id: info.parent_id.clone(),
        state: if finalized {
            AssessmentState::Finalized
        } else {
            AssessmentState::Draft
        },
        editable: !finalized,
        outbox_label: outbox_state.map(|s| s.label().to_string()),
        outbox_state,
        outbox_detail: outbox.and_then(|o| o.detail),
        criteria,
        result: result_view(&set, &ev),
        id: info.id,
    })
}

/// A one-line summary of an assessment.
pub fn assessment_line(store: &Store, info: &AssessmentInfo) -> Result<AssessmentLine> {
    let finalized = info.state == "finalized";
    Ok(AssessmentLine {
        id: info.id.clone(),
        model: info.model.into(),
        model_title: info.model.title_vi().to_string(),
        year: info.year,
        revision: i32::try_from(info.revision).unwrap_or(i32::MAX),
        state: if finalized {
            AssessmentState::Finalized
        } else {
            AssessmentState::Draft
        },
        outbox_state: finalized.then(|| OutboxState::from_code(&info.sync_state)),
        total: match (finalized, info.total) {
            (true, Some(t)) => Some(pts(t)),
            _ => store
                .evaluate_assessment(&info.id)
                .ok()
                .map(|e| pts(e.total)),
        },
        result_status: info.result_status.as_deref().and_then(result_status_code),
    })
}

/// A member as a screen shows it, with the age in `year`.
pub fn member_view(m: &Member, year: i32) -> MemberView {
    MemberView {
        id: m.id.clone(),
        name: m.name.clone(),
        birth_year: m.birth_year,
        age: m.birth_year.map(|b| year - b),
        sex: m.sex.map(Into::into),
        sex_label: m.sex.map(|s| sex_label(s).to_string()),
        relation: m.relation.clone(),
        schooling: m.schooling.map(Into::into),
        schooling_label: m.schooling.map(|s| schooling_label(s).to_string()),
        literate: m.literate,
        cdht: m.cdht,
        unable_to_learn: m.unable_to_learn,
    }
}

/// A household list row: the stored household and where it stands for the year.
pub fn household_row(
    r: hoctap_core::store::households::HouseholdRow,
    st: YearStatus,
) -> HouseholdRow {
    let status = st.status();
    HouseholdRow {
        id: r.id,
        head: r.head,
        address: r.address,
        phone: r.phone,
        hamlet_id: r.hamlet_id,
        hamlet: r.hamlet,
        status,
        status_label: status.label().to_string(),
        assessment_id: st.assessment_id,
        total: st.total,
        comment: st.comment,
    }
}

/// Where one household stands for a year.
#[derive(Debug, Clone, Default)]
pub struct YearStatus {
    pub assessment_id: Option<String>,
    pub state: Option<String>,
    pub sync_state: Option<String>,
    pub total: Option<f64>,
    pub comment: Option<String>,
    pub registered: bool,
}

impl YearStatus {
    pub fn status(&self) -> HouseholdStatus {
        match (self.state.as_deref(), self.sync_state.as_deref()) {
            (Some("draft"), _) => HouseholdStatus::Draft,
            (Some(_), Some("sent")) => HouseholdStatus::Sent,
            (Some(_), Some("needs_correction")) => HouseholdStatus::NeedsCorrection,
            (Some(_), _) => HouseholdStatus::Finalized,
            (None, _) if self.registered => HouseholdStatus::Registered,
            (None, _) => HouseholdStatus::NotRegistered,
        }
    }
}

/// Status for `year` of every household with a registration or an assessment (Gia đình học
/// tập), keyed by household id. Read-only queries over the store's registration and assessment
/// tables (as the CLI's criteria listing does); a candidate for a core function later.
pub fn household_statuses(store: &Store, year: i32) -> Result<HashMap<String, YearStatus>> {
    let model = Model::GiaDinh.code();
    let mut out: HashMap<String, YearStatus> = HashMap::new();
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(
        "SELECT subject_id FROM registration
         WHERE subject_kind = 'household' AND model = ?1 AND year = ?2",
    )?;
    for row in stmt.query_map(params![model, year], |r| r.get::<_, String>(0))? {
        out.entry(row?).or_default().registered = true;
    }
    let mut stmt = conn.prepare_cached(
        "SELECT a.subject_id, a.id, a.state, a.sync_state, a.total,
                coalesce(a.server_comment, a.sync_detail)
         FROM assessment a
         WHERE a.subject_kind = 'household' AND a.model = ?1 AND a.year = ?2
           AND NOT EXISTS (SELECT 1 FROM assessment c WHERE c.parent_id = a.id)",
    )?;
    let rows = stmt.query_map(params![model, year], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<u32>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    for row in rows {
        let (household, id, st, sync, total, comment) = row?;
        let e = out.entry(household).or_default();
        e.assessment_id = Some(id);
        e.total = total.map(|t| pts(Points(t)));
        e.comment = if sync == "needs_correction" || sync == "wedged" {
            comment
        } else {
            None
        };
        e.state = Some(st);
        e.sync_state = Some(sync);
    }
    Ok(out)
}

/// Ids of the criteria sets installed on the device (pulled or installed by hand).
pub fn installed_set_ids(store: &Store) -> Result<Vec<String>> {
    let mut stmt = store
        .conn()
        .prepare_cached("SELECT DISTINCT id FROM criteria_set ORDER BY id")?;
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(HoctapError::from)?;
    Ok(ids)
}
