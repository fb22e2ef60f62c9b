//! Builds the screen-shaped records from the core: the assessment view model (criteria grouped,
//! texts, answers, derived values, photos, live result), household rows with their status for a
//! year, members. Read-only; every function takes the device it reads. Labels, statuses and
//! rules come from the domain; this module only reshapes.

use crate::error::Result;
use crate::types::*;
use hoctap_device::{Device, EvidencePhoto};
use hoctap_domain::criteria::{AnswerKind as CoreAnswerKind, CriteriaSet, LoadedSet};
use hoctap_domain::engine::{self, AnswerValue, Evaluation, ValueSource as CoreSource};
use hoctap_domain::labels;
use hoctap_domain::model::{Points, Subject};
use hoctap_store::assessments::{AssessmentInfo, SubjectYear};
use hoctap_store::households::Member;
use hoctap_store::Store;
use std::collections::HashMap;

/// Points as a screen number (8.5).
pub fn pts(p: Points) -> f64 {
    p.as_f64()
}

/// Warning shown above an assessment whose set cannot report "đạt".
pub fn set_notice(set: &CriteriaSet) -> Option<String> {
    labels::set_notice(set).map(str::to_string)
}

pub fn set_info(set: &CriteriaSet) -> CriteriaSetInfo {
    CriteriaSetInfo {
        id: set.id.clone(),
        model: set.model.into(),
        title: set.title.clone(),
        version: i32::try_from(set.version).unwrap_or(i32::MAX),
        status: set.status.code().to_string(),
        notice: set_notice(set),
        max: pts(set.max_total()),
    }
}

/// The live result of an evaluation. The label is the domain's (`Evaluation::label`): a
/// template's result reads as a practice result, never "Đạt"; the level reads as its title.
pub fn result_view(set: &CriteriaSet, ev: &Evaluation) -> ResultView {
    ResultView {
        status: ev.status.into(),
        label: ev.label.clone(),
        total: pts(ev.total),
        max: pts(ev.max),
        total_label: ev.total_label(),
        pass_total: set.rules.pass_total.map(pts),
        level: ev.level.clone(),
        level_title: ev.level_title_in(set),
        reasons: ev
            .reasons
            .iter()
            .map(|r| ReasonView {
                code: r.code.code().to_string(),
                item: r.item.clone(),
                message: r.message.clone(),
            })
            .collect(),
        can_finalize: ev.can_finalize(),
        practice: ev.practice,
    }
}

/// Display name of a subject (household head, member, hamlet, clan or unit name).
pub fn subject_name(store: &Store, subject: &Subject) -> Option<String> {
    store.subject_name(subject)
}

fn photo_view(p: &EvidencePhoto) -> PhotoView {
    PhotoView {
        sha256: p.sha256.clone(),
        path: p.path.display().to_string(),
        thumb_path: p.thumb_path.display().to_string(),
        width: i32::try_from(p.width).unwrap_or(i32::MAX),
        height: i32::try_from(p.height).unwrap_or(i32::MAX),
        taken_at: p.taken_at.clone(),
        has_gps: p.gps_lat.is_some() && p.gps_lon.is_some(),
        attached_at: p.attached_at.clone(),
        flags: p
            .flags
            .iter()
            .map(|f| PhotoFlag {
                code: f.kind().code().to_string(),
                message: f.message_vi(),
            })
            .collect(),
    }
}

/// The assessment screen's view model. A finalized assessment reads as frozen (the store
/// evaluates it from its canonical content).
pub fn assessment_view(dev: &Device, id: &str) -> Result<AssessmentView> {
    let store = dev.store();
    let info = store.assessment(id)?;
    let set = store.criteria_for(&info)?;
    let answers = store.answers_of(&info, &set)?;
    let finalized = info.is_finalized();
    let ev = store.evaluate_assessment(id)?;
    let photos = dev.photos_of(id)?;
    let outbox = if finalized {
        store.outbox_item(id)?
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
    let outbox_state = outbox.as_ref().map(|o| OutboxState::from(o.state));
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
        outbox_label: outbox.as_ref().map(|o| o.state.label().to_string()),
        outbox_state,
        outbox_detail: outbox.and_then(|o| o.detail),
        criteria,
        result: result_view(&set, &ev),
        id: info.id,
    })
}

/// A one-line summary of an assessment.
pub fn assessment_line(store: &Store, info: &AssessmentInfo) -> Result<AssessmentLine> {
    let finalized = info.is_finalized();
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
        outbox_state: finalized.then(|| OutboxState::from(info.sync_state)),
        total: match (finalized, info.total) {
            (true, Some(t)) => Some(pts(t)),
            _ => store
                .evaluate_assessment(&info.id)
                .ok()
                .map(|e| pts(e.total)),
        },
        result_status: info.result_status.map(Into::into),
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
pub fn household_row(r: hoctap_store::households::HouseholdRow, st: SubjectYear) -> HouseholdRow {
    let status = st.status();
    HouseholdRow {
        id: r.id,
        head: r.head,
        address: r.address,
        phone: r.phone,
        hamlet_id: r.hamlet_id,
        hamlet: r.hamlet,
        roster_code: r.roster_code,
        status: status.into(),
        status_label: status.label().to_string(),
        assessment_id: st.assessment_id,
        total: st.total.map(pts),
        comment: st.comment,
    }
}

/// Ids of every criteria set on the device (built in, pulled or installed), with the set.
pub fn sets(store: &Store) -> Result<Vec<std::sync::Arc<LoadedSet>>> {
    Ok(store.criteria_sets()?.into_iter().map(|(s, _)| s).collect())
}
