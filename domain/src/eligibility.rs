//! Who counts and who may be assessed.
//!
//! - **Reports.** The Công dân học tập figures (`hoctap summary`) are taken over members aged
//!   [`ADULT_AGE`] or more in the year, numerator and denominator alike. This is an inference:
//!   the official reports speak of "adults" without giving an age
//!   (`../shared/domain/official-criteria.md`); it is documented as such in `docs/CLI.md`. The
//!   shipped `cdht-324` set (version 2 on) carries the same bound in its `[eligibility]` table,
//!   marked inferred; a test keeps the two equal.
//! - **New assessments** ([`check_new_assessment`]): the set's `period` must include the year
//!   ([`CriteriaSet::covers_year`]) and the person assessed must be within the set's
//!   `[eligibility]` age bounds. Existing drafts and finalized assessments are never re-checked.
//! - **Evaluation** ([`subject_problems`]): the engine reports a person outside the bounds as
//!   `ineligible` (and a person without a birth year as `missing_member_data`), so a result is
//!   never "đạt" for someone the set does not admit.

use crate::criteria::builtin::builtin_sets;
use crate::criteria::{CriteriaSet, Eligibility};
use crate::labels;
use crate::model::{MemberFacts, Model};

/// Age from which a member counts as an adult for Công dân học tập (inferred, see module docs).
pub const ADULT_AGE: i32 = 18;

/// Age in `year` of someone born in `birth_year`.
pub fn age(birth_year: i32, year: i32) -> i32 {
    year.saturating_sub(birth_year)
}

/// Whether someone born in `birth_year` counts as an adult in `year`.
pub fn is_adult(birth_year: i32, year: i32) -> bool {
    age(birth_year, year) >= ADULT_AGE
}

/// Why a new assessment may not start with a set. `Display` is the English detail;
/// [`NotAssessable::message_vi`] is what the cadre reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAssessable {
    /// The set's period does not include the assessment year.
    #[error(
        "criteria set {set} v{version} is for {period}, not {year}; use instead: {}{}",
        if instead.is_empty() { "a set published for that year".to_string() } else { instead.join(", ") },
        if practice_sets.is_empty() { String::new() } else { format!(" (for practice only: {})", practice_sets.join(", ")) }
    )]
    OutOfPeriod {
        set: String,
        version: u32,
        period: String,
        year: i32,
        model: Model,
        /// Built-in official or partial sets of the same model whose period includes the year
        /// (ids), in display order.
        instead: Vec<String>,
        /// Built-in templates of the same model for the year (ids): practice results only.
        practice_sets: Vec<String>,
    },
    /// The person assessed is outside the set's age bounds.
    #[error("{} (born {birth_year}) is {age} in {year}; set {set} admits ages {}", name.as_deref().unwrap_or("the member"), bounds.age_range_en())]
    OutsideAgeBounds {
        set: String,
        /// The member's name, when known.
        name: Option<String>,
        birth_year: i32,
        year: i32,
        age: i32,
        bounds: Eligibility,
        model: Model,
    },
}

impl NotAssessable {
    /// What the cadre reads, in Vietnamese: which period or bound, which year or age, and what
    /// to do instead.
    pub fn message_vi(&self) -> String {
        match self {
            NotAssessable::OutOfPeriod {
                set,
                period,
                year,
                model,
                instead,
                practice_sets,
                ..
            } => {
                let model = labels::model_title(*model);
                let mut hint = if instead.is_empty() {
                    format!("hãy dùng bộ tiêu chí {model} do tỉnh ban hành cho năm {year}")
                } else {
                    format!(
                        "hãy dùng {} hoặc bộ tiêu chí {model} do tỉnh ban hành cho năm {year}",
                        instead.join(", ")
                    )
                };
                if !practice_sets.is_empty() {
                    hint.push_str(&format!(
                        "; để chấm thử (kết quả tham khảo): {}",
                        practice_sets.join(", ")
                    ));
                }
                format!(
                    "Bộ tiêu chí {set} áp dụng cho giai đoạn {period}, không dùng để đánh giá năm {year}; {hint}"
                )
            }
            NotAssessable::OutsideAgeBounds {
                set,
                name,
                birth_year,
                year,
                age,
                bounds,
                model,
            } => format!(
                "{} {age} tuổi (sinh năm {birth_year}) vào năm {year}, không thuộc diện đánh giá {}: bộ tiêu chí {set} chỉ áp dụng cho người {}",
                name.as_deref().unwrap_or("Thành viên"),
                labels::model_title(*model),
                bounds.age_range_vi()
            ),
        }
    }

    /// English detail for logs and support.
    pub fn detail(&self) -> String {
        self.to_string()
    }
}

/// Built-in sets of the set's model that a new assessment for `year` may use: (official or
/// partial ones, templates), as ids.
fn alternatives(set: &CriteriaSet, year: i32) -> (Vec<String>, Vec<String>) {
    let (practice, real): (Vec<_>, Vec<_>) = builtin_sets()
        .into_iter()
        .filter(|s| s.model == set.model && s.id != set.id && s.covers_year(year))
        .partition(|s| s.is_practice());
    let ids = |v: Vec<std::sync::Arc<crate::criteria::LoadedSet>>| {
        v.iter().map(|s| s.id.clone()).collect::<Vec<_>>()
    };
    (ids(real), ids(practice))
}

/// Whether a new assessment for `year` may start with `set`, for a subject whose person is
/// described by `people` (the member assessed for Công dân học tập; empty for other subjects).
/// A person whose birth year is unknown is not refused here: the engine then reports the
/// missing birth year, which blocks finalization.
pub fn check_new_assessment(
    set: &CriteriaSet,
    year: i32,
    people: &[MemberFacts],
) -> Result<(), NotAssessable> {
    if !set.covers_year(year) {
        let (instead, practice_sets) = alternatives(set, year);
        return Err(NotAssessable::OutOfPeriod {
            set: set.id.clone(),
            version: set.version,
            period: set.period.clone().unwrap_or_default(),
            year,
            model: set.model,
            instead,
            practice_sets,
        });
    }
    if let Some(bounds) = set.eligibility.as_ref().filter(|e| e.has_age_bounds()) {
        for p in people {
            if let Some(birth_year) = p.birth_year {
                let age = age(birth_year, year);
                if !bounds.admits_age(age) {
                    return Err(NotAssessable::OutsideAgeBounds {
                        set: set.id.clone(),
                        name: p.name.clone().filter(|n| !n.trim().is_empty()),
                        birth_year,
                        year,
                        age,
                        bounds: bounds.clone(),
                        model: set.model,
                    });
                }
            }
        }
    }
    Ok(())
}

/// What the engine reports about the people evaluated against the set's eligibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectProblem {
    /// Outside the age bounds: Vietnamese message.
    Ineligible(String),
    /// Birth year unknown, so the bounds cannot be checked: Vietnamese message.
    MissingBirthYear(String),
}

/// Check every person in `people` (for a `cong_dan` set, the member assessed) against the
/// set's `[eligibility]` in `year`.
pub fn subject_problems(
    set: &CriteriaSet,
    year: i32,
    people: &[MemberFacts],
) -> Vec<SubjectProblem> {
    let Some(bounds) = set.eligibility.as_ref().filter(|e| e.has_age_bounds()) else {
        return Vec::new();
    };
    let model = labels::model_title(set.model);
    people
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let who = match &p.name {
                Some(n) if !n.trim().is_empty() => n.clone(),
                _ => format!("Thành viên thứ {}", i + 1),
            };
            match p.birth_year {
                None => Some(SubjectProblem::MissingBirthYear(format!(
                    "Chưa biết năm sinh của {who}: cần để biết người này có thuộc diện đánh giá {model} ({}) hay không",
                    bounds.age_range_vi()
                ))),
                Some(b) => {
                    let a = age(b, year);
                    (!bounds.admits_age(a)).then(|| {
                        SubjectProblem::Ineligible(format!(
                            "{who} {a} tuổi (sinh năm {b}) vào năm {year}: không thuộc diện đánh giá {model} (chỉ áp dụng cho người {}), không thể công nhận",
                            bounds.age_range_vi()
                        ))
                    })
                }
            }
        })
        .collect()
}
