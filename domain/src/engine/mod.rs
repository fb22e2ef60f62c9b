//! The criteria engine: evaluates a [`CriteriaSet`] against a subject's answers and member data.
//! Pure and deterministic: same set, same answers → same [`Evaluation`], byte for byte.
//!
//! - `answers`: the input types and their JSON form (`{"items": {...}, "members": [...]}`), with
//!   typed errors for out-of-range, negative, unknown or malformed values;
//! - `evaluate`: scoring, derived indicators, rules, levels and reasons.

pub mod answers;
pub mod evaluate;

pub use answers::{AnswerValue, Answers, Expected, InputError, ItemAnswer};
pub use evaluate::evaluate;

use crate::model::Points;
use serde::{Deserialize, Serialize};

crate::coded_enum! {
    /// Outcome of an evaluation.
    pub enum Status("result status") {
        Passed = "passed",
        Failed = "failed",
        /// Some answer, member fact, evidence photo or part of the set itself is missing.
        Incomplete = "incomplete",
    }
}

crate::coded_enum! {
    /// Why an assessment did not pass (stable, machine-readable).
    pub enum ReasonCode("reason code") {
        /// An indicator is not answered yet.
        MissingAnswer = "missing_answer",
        /// A derived indicator lacks a member fact (birth year, schooling …).
        MissingMemberData = "missing_member_data",
        /// An indicator has fewer evidence photos than it requires.
        MissingEvidence = "missing_evidence",
        /// The set itself lacks an official item or threshold.
        SetIncomplete = "set_incomplete",
        /// The total is below the pass threshold.
        BelowTotal = "below_total",
        /// An indicator is below its floor.
        BelowFloor = "below_floor",
        /// A criterion's subtotal is below its minimum.
        CriterionBelowMin = "criterion_below_min",
        /// A knock-out indicator scored 0.
        Knockout = "knockout",
        /// The person assessed is outside the set's `[eligibility]` (e.g. under its minimum
        /// age): the set does not apply to them at all.
        Ineligible = "ineligible",
    }
}

impl ReasonCode {
    /// Whether this reason keeps a draft from being finalized: something the cadre still has to
    /// enter, or a person the set does not apply to (an ineligible subject cannot be assessed).
    /// A set that is itself incomplete, or a failed result, does not block.
    pub fn blocks_finalization(self) -> bool {
        matches!(
            self,
            ReasonCode::MissingAnswer
                | ReasonCode::MissingMemberData
                | ReasonCode::MissingEvidence
                | ReasonCode::Ineligible
        )
    }
}

/// Why an assessment did not pass. `code` is stable and machine-readable; `message` is Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: ReasonCode,
    /// Indicator or criterion id the reason is about, if any.
    pub item: Option<String>,
    pub message: String,
}

/// Where an indicator's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    Answered,
    Derived,
    /// A derived value replaced by the cadre, with a reason.
    Overridden,
    Missing,
}

/// Per-indicator result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    pub id: String,
    pub points: Option<Points>,
    pub max: Option<Points>,
    pub source: ValueSource,
    /// For derived values: the counts behind them, in Vietnamese ("2/2 trẻ trong độ tuổi đi học").
    pub explanation: Option<String>,
}

/// Per-criterion subtotal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    pub id: String,
    pub title: String,
    pub total: Points,
    pub max: Option<Points>,
    pub min_points: Option<Points>,
    /// `false` when below `min_points`.
    pub met: bool,
}

/// Which set an evaluation used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRef {
    pub id: String,
    pub version: u32,
    pub sha256: String,
}

/// Full result of an evaluation. Its JSON form is the `hoctap score --json` output.
///
/// `status` is the engine's outcome code (also frozen in canonical content); what a person reads
/// is `label` (`labels::evaluation_label`). A template set's result is a **practice** result
/// (`practice = true`): its label reads "Kết quả tham khảo (bộ mẫu): …" and never "Đạt".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub status: Status,
    /// Scored with a template (status = "template"): for practice or reference only, never a
    /// recognition.
    #[serde(default)]
    pub practice: bool,
    /// The result as a person reads it ("Đạt", "Chưa đạt", "Kết quả tham khảo (bộ mẫu): …").
    #[serde(default)]
    pub label: String,
    pub total: Points,
    pub max: Points,
    /// Highest level reached (only when passed and the set defines levels): its code.
    pub level: Option<String>,
    /// The level's Vietnamese title from the set (`[[rules.levels]] title`).
    #[serde(default)]
    pub level_title: Option<String>,
    pub criteria: SetRef,
    pub engine_version: String,
    pub subtotals: Vec<CriterionResult>,
    pub items: Vec<ItemResult>,
    pub reasons: Vec<Reason>,
}

impl Evaluation {
    /// The reasons that keep this assessment from being finalized (what is still missing).
    pub fn blocking_reasons(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(|r| r.code.blocks_finalization())
    }

    /// Whether the assessment may be finalized as it stands.
    pub fn can_finalize(&self) -> bool {
        self.blocking_reasons().next().is_none()
    }

    /// The reached level's title: the evaluation's own, or (for evaluations frozen before
    /// titles were recorded) the set's title for the level code.
    pub fn level_title_in(&self, set: &crate::criteria::CriteriaSet) -> Option<String> {
        self.level_title.clone().or_else(|| {
            self.level
                .as_deref()
                .and_then(|code| set.level_title(code))
                .map(str::to_string)
        })
    }

    /// "total/max điểm", as a person reads it.
    pub fn total_label(&self) -> String {
        format!("{}/{} điểm", self.total, self.max)
    }
}
