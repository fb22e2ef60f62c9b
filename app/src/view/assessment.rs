//! The assessment screen: criteria and indicators with every answer kind, derived values with
//! their explanation and override, notes, evidence photos per indicator (attached, and those
//! still being captured or processed), the live total, result, level and reasons, the outbox
//! state and the reviewers' comment thread, and what the cadre may do now.

use crate::error::ErrorInfo;
use crate::persist::PendingCapture;
use hoctap_device::{Device, EvidencePhoto};
use hoctap_domain::criteria::{AnswerKind as CoreAnswerKind, CriteriaSet};
use hoctap_domain::engine::{self, AnswerValue, Evaluation, ValueSource as CoreSource};
use hoctap_domain::labels;
use hoctap_domain::model::{Model, Points, Subject, SubjectKind};
use hoctap_domain::state::SyncState;
use hoctap_store::Store;
use std::collections::HashMap;

/// Points as a screen number (8.5).
pub fn pts(p: Points) -> f64 {
    p.as_f64()
}

/// How an indicator is answered.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum AnswerKind {
    /// Points from 0 to the indicator's max, in steps of `step`.
    Points { step: f64 },
    /// Có / Không.
    YesNo,
    /// Computed from the members (`rule` says how); may be overridden with a reason.
    Derived { rule: String },
}

/// Where a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ValueSource {
    Answered,
    Derived,
    Overridden,
    Missing,
}

/// An attached evidence photo.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PhotoView {
    pub sha256: String,
    pub path: String,
    pub thumb_path: String,
    pub width: i32,
    pub height: i32,
    pub taken_at: Option<String>,
    pub has_gps: bool,
    /// Plausibility flags, Vietnamese, shown next to the thumbnail (never a refusal).
    pub flags: Vec<String>,
}

/// A photo on its way: asked of the camera or gallery, or being processed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PendingPhotoView {
    pub capture_id: String,
    /// "Đang chờ ảnh từ máy ảnh…" / "Đang xử lý ảnh…".
    pub label: String,
    pub processing: bool,
}

/// One indicator.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IndicatorView {
    pub id: String,
    pub text: String,
    pub guidance: Option<String>,
    pub max: Option<f64>,
    pub answer_kind: AnswerKind,
    pub answered_points: Option<f64>,
    pub answered_yes: Option<bool>,
    pub note: Option<String>,
    pub override_reason: Option<String>,
    /// The value counted.
    pub points: Option<f64>,
    pub source: ValueSource,
    /// The counts behind a derived value ("2/2 trẻ trong độ tuổi đi học").
    pub explanation: Option<String>,
    pub evidence_required: bool,
    pub min_photos: i32,
    pub photos: Vec<PhotoView>,
    pub pending_photos: Vec<PendingPhotoView>,
    /// The official text is missing from the set.
    pub missing: bool,
    /// Reasons about this indicator (Vietnamese).
    pub problems: Vec<String>,
}

/// One criterion and its indicators.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CriterionView {
    pub id: String,
    pub title: String,
    pub total: f64,
    pub max: Option<f64>,
    pub min_points: Option<f64>,
    pub met: bool,
    pub indicators: Vec<IndicatorView>,
}

/// The live result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResultView {
    /// "Đạt", "Chưa đạt", "Chưa đủ thông tin", a practice result's label…
    pub label: String,
    pub total: f64,
    pub max: f64,
    /// "72/100 điểm".
    pub total_label: String,
    pub level_title: Option<String>,
    pub reasons: Vec<String>,
    pub can_finalize: bool,
    /// Scored with a template set: for reference only.
    pub practice: bool,
}

/// A reviewer's comment.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CommentView {
    pub author: Option<String>,
    pub body: String,
    pub at: String,
}

/// The assessment screen.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AssessmentView {
    pub id: String,
    pub subject_kind: SubjectKind,
    pub subject_id: String,
    pub subject_name: String,
    pub model: Model,
    pub model_title: String,
    pub year: i32,
    pub criteria_title: String,
    pub criteria_version: i32,
    /// A warning about the set (incomplete, a template).
    pub criteria_notice: Option<String>,
    pub revision: i32,
    pub finalized: bool,
    pub editable: bool,
    pub outbox_state: Option<SyncState>,
    pub outbox_label: Option<String>,
    /// Why it is set aside, or the reviewer's last comment.
    pub outbox_detail: Option<String>,
    pub criteria: Vec<CriterionView>,
    pub result: ResultView,
    pub comments: Vec<CommentView>,
    /// "Sửa phiếu" is offered (finalized, not corrected yet).
    pub can_correct: bool,
    /// "Xoá bản nháp" is offered.
    pub can_discard: bool,
}

fn result_view(set: &CriteriaSet, ev: &Evaluation) -> ResultView {
    ResultView {
        label: ev.label.clone(),
        total: pts(ev.total),
        max: pts(ev.max),
        total_label: ev.total_label(),
        level_title: ev.level_title_in(set),
        reasons: ev.reasons.iter().map(|r| r.message.clone()).collect(),
        can_finalize: ev.can_finalize(),
        practice: ev.practice,
    }
}

/// Display name of a subject (its id when it is gone).
pub fn subject_name(store: &Store, subject: &Subject) -> String {
    store
        .subject_name(subject)
        .unwrap_or_else(|| subject.id.clone())
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
        flags: p.flags.iter().map(|f| f.message_vi()).collect(),
    }
}

/// The assessment screen's view model; `pending` are the captures of this assessment not
/// attached yet.
pub fn build(
    dev: &Device,
    id: &str,
    pending: &[&PendingCapture],
) -> Result<AssessmentView, ErrorInfo> {
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
                            pending_photos: pending
                                .iter()
                                .filter(|c| c.indicator_id == ind.id)
                                .map(|c| PendingPhotoView {
                                    capture_id: c.capture_id.clone(),
                                    processing: c.task_id.is_some(),
                                    label: if c.task_id.is_some() {
                                        "Đang xử lý ảnh…".into()
                                    } else {
                                        "Đang chờ ảnh…".into()
                                    },
                                })
                                .collect(),
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
    let comments = store
        .comments(id)?
        .into_iter()
        .map(|c| CommentView {
            author: c.author,
            body: c.body,
            at: c.at,
        })
        .collect();
    let corrected = outbox.as_ref().and_then(|o| o.corrected_by.clone());
    Ok(AssessmentView {
        id: info.id.clone(),
        subject_name: subject_name(store, &info.subject),
        subject_kind: info.subject.kind,
        subject_id: info.subject.id.clone(),
        model: info.model,
        model_title: info.model.title_vi().to_string(),
        year: info.year,
        criteria_title: set.title.clone(),
        criteria_version: i32::try_from(set.version).unwrap_or(i32::MAX),
        criteria_notice: labels::set_notice(&set).map(str::to_string),
        revision: i32::try_from(info.revision).unwrap_or(i32::MAX),
        finalized,
        editable: !finalized,
        outbox_state: outbox.as_ref().map(|o| o.state),
        outbox_label: outbox.as_ref().map(|o| {
            if o.corrected_by.is_some() {
                labels::SUPERSEDED.to_string()
            } else {
                o.state.label().to_string()
            }
        }),
        outbox_detail: outbox.as_ref().and_then(|o| o.detail.clone()),
        criteria,
        result: result_view(&set, &ev),
        comments,
        can_correct: finalized && corrected.is_none(),
        can_discard: !finalized,
    })
}
