//! The criteria engine: evaluates a [`CriteriaSet`] against a subject's answers and member data.
//! Pure and deterministic: same set, same answers → same [`Evaluation`], byte for byte.
//!
//! - `answers`: the input types and their JSON form (`{"items": {...}, "members": [...]}`), with
//!   typed errors for out-of-range, negative, unknown or malformed values;
//! - `evaluate`: scoring, derived indicators, rules, levels and reasons.

pub mod answers;
pub mod evaluate;

pub use answers::{AnswerValue, Answers, InputError, ItemAnswer};
pub use evaluate::evaluate;

use crate::model::Points;
use serde::{Deserialize, Serialize};

/// Outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// Some answer, member fact, evidence photo or part of the set itself is missing.
    Incomplete,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Incomplete => "incomplete",
        }
    }
}

/// Why an assessment did not pass. `code` is stable and machine-readable; `message` is Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// One of: `missing_answer`, `missing_member_data`, `missing_evidence`, `set_incomplete`,
    /// `below_total`, `below_floor`, `criterion_below_min`, `knockout`.
    pub code: String,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub status: Status,
    pub total: Points,
    pub max: Points,
    /// Highest level reached (only when passed and the set defines levels).
    pub level: Option<String>,
    pub criteria: SetRef,
    pub engine_version: String,
    pub subtotals: Vec<CriterionResult>,
    pub items: Vec<ItemResult>,
    pub reasons: Vec<Reason>,
}
