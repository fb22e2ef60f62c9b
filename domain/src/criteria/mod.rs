//! Criteria sets as versioned data: the types a `criteria/*.toml` file deserialises into, the
//! loader with whole-file validation (`load`), and the sets built into the core (`builtin`).
//!
//! A set is never code: provinces copy a template, fill it in, validate it and publish it.

pub mod builtin;
pub mod load;
pub mod loaded;

pub use load::{parse_set, ValidationProblem, ValidationReport};
pub use loaded::{stats, LoadedSet};

use crate::model::{Model, Points};
use serde::{Deserialize, Serialize};

crate::coded_enum! {
    /// Status of a set's content relative to the official text.
    pub enum SetStatus("criteria set status") {
        /// Every item and rule transcribed from the issuing document.
        Official = "official",
        /// Some items verified verbatim, others missing (marked `missing = true`).
        Partial = "partial",
        /// A template for a province to complete: "Mẫu — không phải bộ tiêu chí chính thức".
        Template = "template",
    }
}

/// The document that issued a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuingDocument {
    /// e.g. "324/QĐ-KHVN".
    pub number: Option<String>,
    /// ISO date "YYYY-MM-DD" when known.
    pub date: Option<String>,
    pub issuer: Option<String>,
}

/// A note on where a value came from: every inferred value carries one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceNote {
    /// What the note is about, e.g. "indicator.max", "rules.pass_total", "1.1".
    pub about: String,
    /// `verified` (read in the source) or `inferred` (a hypothesis).
    pub kind: NoteKind,
    pub text: String,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Verified,
    Inferred,
}

/// How an indicator is answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerKind {
    /// Points from 0 to `max` in multiples of `step`.
    Points { step: Points },
    /// Yes earns `max`, no earns 0.
    YesNo,
    /// Computed from the household's member data; the cadre may override with a reason.
    Derived(DerivedRule),
}

/// Which members a derived indicator counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFilter {
    /// Inclusive age range, age = assessment year − birth year.
    pub age_min: Option<u32>,
    pub age_max: Option<u32>,
    /// Leave out members marked unable to learn (ốm đau, bệnh tật, không có khả năng học tập).
    pub exclude_unable: bool,
}

/// The condition a counted member must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberCondition {
    /// Schooling is `in_school` or `finished`.
    InSchool,
    /// Meets the literacy standard.
    Literate,
    /// Recognised as Công dân học tập.
    Cdht,
}

/// What a derived indicator scores when no member is counted (e.g. a household without children).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenNone {
    /// Full points (nothing to fail).
    Full,
    /// Zero points.
    Zero,
}

/// How the share of counted members meeting the condition turns into points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DerivedScoring {
    /// `max` if share ≥ `min_share`, else 0.
    Threshold,
    /// `max × share`, rounded down to the indicator's step.
    Proportional,
}

/// A derived indicator: the share of counted members meeting a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerivedRule {
    pub filter: MemberFilter,
    pub condition: MemberCondition,
    pub scoring: DerivedScoring,
    /// Share in 0.0..=1.0 needed for `Threshold` scoring.
    pub min_share: f64,
    pub when_none: WhenNone,
    /// Vietnamese explanation shown with the computed value.
    pub explanation: String,
}

/// Evidence photos an indicator asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EvidenceRule {
    pub required: bool,
    /// Minimum number of photos when required.
    pub min_photos: u32,
}

/// One indicator (chỉ số), numbered as in the official text ("1.1", "2.3").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub id: String,
    /// Vietnamese text, verbatim where the source was read.
    pub text: String,
    /// Scoring guidance for the cadre (Vietnamese).
    pub guidance: Option<String>,
    /// `None` only for a `missing` indicator whose points are unknown.
    pub max: Option<Points>,
    pub answer: AnswerKind,
    /// Per-indicator floor overriding `rules.indicator_floor`.
    pub floor: Option<Points>,
    pub evidence: EvidenceRule,
    /// Known to exist in the official set but its text or points were not found.
    pub missing: bool,
}

/// One criterion (tiêu chí) grouping indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub id: String,
    pub title: String,
    /// Declared maximum; must equal the sum of its indicators' maxima when all are known.
    pub max: Option<Points>,
    /// Minimum subtotal for the criterion to be met.
    pub min_points: Option<Points>,
    pub missing: bool,
    pub indicators: Vec<Indicator>,
}

/// A recognition level (mức độ 1 / 2, tiêu biểu). Levels are checked in order; the result's level
/// is the last one whose conditions all hold (only for a passed assessment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// Machine code, e.g. "muc_1", "muc_2", "tieu_bieu".
    pub code: String,
    pub title: String,
    pub min_total: Option<Points>,
    /// Floor every indicator must reach for this level.
    pub indicator_floor: Option<Points>,
}

/// Pass rules of a set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// Total needed to pass; `None` when the official threshold is unknown (the set can then
    /// never report `passed`).
    pub pass_total: Option<Points>,
    /// No indicator may score below this.
    pub indicator_floor: Option<Points>,
    /// Indicators that fail the whole assessment when they score 0 (or "no").
    pub knockout: Vec<String>,
    pub levels: Vec<Level>,
}

/// Who a set may assess (the optional `[eligibility]` table). Only a person has an age, so the
/// age bounds are allowed only in a `cong_dan` set (the loader checks it); the subject's member
/// facts are the person's. Absent bounds admit everyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    /// Inclusive age bounds, age = assessment year − birth year.
    pub age_min: Option<u32>,
    pub age_max: Option<u32>,
}

impl Eligibility {
    /// Whether any bound is set.
    pub fn has_age_bounds(&self) -> bool {
        self.age_min.is_some() || self.age_max.is_some()
    }

    /// Whether `age` lies within the bounds.
    pub fn admits_age(&self, age: i32) -> bool {
        self.age_min.is_none_or(|a| i64::from(age) >= i64::from(a))
            && self.age_max.is_none_or(|a| i64::from(age) <= i64::from(a))
    }

    /// "từ 18 tuổi trở lên", "từ 18 đến 60 tuổi", "đến 60 tuổi".
    pub fn age_range_vi(&self) -> String {
        match (self.age_min, self.age_max) {
            (Some(a), Some(b)) => format!("từ {a} đến {b} tuổi"),
            (Some(a), None) => format!("từ {a} tuổi trở lên"),
            (None, Some(b)) => format!("đến {b} tuổi"),
            (None, None) => "mọi độ tuổi".into(),
        }
    }

    /// "18+", "18–60", "≤60".
    pub fn age_range_en(&self) -> String {
        match (self.age_min, self.age_max) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            (Some(a), None) => format!("{a}+"),
            (None, Some(b)) => format!("≤{b}"),
            (None, None) => "any age".into(),
        }
    }
}

/// A complete criteria set, as loaded from one TOML file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriteriaSet {
    /// Stable id, e.g. "cdht-324".
    pub id: String,
    pub model: Model,
    pub title: String,
    pub document: IssuingDocument,
    /// e.g. "2021-2030".
    pub period: Option<String>,
    /// Increases with every published change.
    pub version: u32,
    pub status: SetStatus,
    /// Declared total maximum; must equal the sum of known maxima.
    pub total_max: Option<Points>,
    pub notes: Vec<SourceNote>,
    pub criteria: Vec<Criterion>,
    pub rules: Rules,
    /// Who the set may assess; `None` admits every subject of the model. Left out of the JSON
    /// form (and so of the content hash) when absent, so sets without it hash as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<Eligibility>,
}

impl CriteriaSet {
    /// Every indicator in order.
    pub fn indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.criteria.iter().flat_map(|c| c.indicators.iter())
    }

    /// Look up an indicator by its official number.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators().find(|i| i.id == id)
    }

    /// Sum of all known indicator maxima.
    pub fn max_total(&self) -> Points {
        Points(self.indicators().filter_map(|i| i.max).map(|p| p.0).sum())
    }

    /// True when some indicator or criterion is marked missing, or no pass threshold is known.
    pub fn is_incomplete(&self) -> bool {
        self.rules.pass_total.is_none()
            || self.criteria.iter().any(|c| c.missing)
            || self.indicators().any(|i| i.missing)
    }

    /// Whether results of this set are practice results: a template ("Mẫu") is never a basis for
    /// recognition, so its results never read "đạt" (see `labels::evaluation_label`).
    pub fn is_practice(&self) -> bool {
        self.status == SetStatus::Template
    }

    /// The Vietnamese title of a level code of this set.
    pub fn level_title(&self, code: &str) -> Option<&str> {
        self.rules
            .levels
            .iter()
            .find(|l| l.code == code)
            .map(|l| l.title.as_str())
    }

    /// The first and last year of the set's `period` when it reads as years: `"2021-2030"`
    /// (hyphen, en or em dash, spaces allowed) or a single `"2026"`. `None` when there is no
    /// period or it is other text (then it is informative only).
    pub fn period_years(&self) -> Option<(i32, i32)> {
        parse_period(self.period.as_deref()?)
    }

    /// Whether a new assessment for `year` may use this set: true when the period (read as
    /// years) includes the year, or when the set has no period in years.
    pub fn covers_year(&self, year: i32) -> bool {
        self.period_years()
            .is_none_or(|(from, to)| from <= year && year <= to)
    }

    /// Hex SHA-256 of the set's canonical JSON form: formatting and comments in the TOML file do not
    /// change it, any change of content does.
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        loaded::stats::hashed();
        // Serialising plain data structures with string keys cannot fail.
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&canonical))
    }
}

/// `"2021-2030"`, `"2021 – 2030"`, `"2026"` → years; anything else → `None`.
pub fn parse_period(period: &str) -> Option<(i32, i32)> {
    fn year(s: &str) -> Option<i32> {
        let s = s.trim();
        (s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    }
    let mut parts = period.split(['-', '–', '—']);
    let first = year(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some((first, first)),
        (Some(last), None) => {
            let last = year(last)?;
            (first <= last).then_some((first, last))
        }
        _ => None,
    }
}
