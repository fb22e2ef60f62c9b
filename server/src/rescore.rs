//! Re-scoring an uploaded assessment with the core engine: the set named by the content (built
//! in or published, matched by content hash), the answers, members and evidence counts frozen in
//! the content. The result is compared with the device's.

use hoctap_core::criteria::{builtin, load, AnswerKind, CriteriaSet};
use hoctap_core::engine::{self, AnswerValue, Answers, InputError, ItemAnswer, Status};
use hoctap_core::model::Points;
use hoctap_core::store::assessments::CanonicalAssessment;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The server's score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rescored {
    pub status: Status,
    /// Hundredths of a point.
    pub total: u32,
    /// Differs from the device's result.
    pub mismatch: bool,
}

/// The built-in sets with their content hashes, computed once per process (hashing a set
/// serialises it whole).
fn builtins() -> &'static [(CriteriaSet, String)] {
    static SETS: OnceLock<Vec<(CriteriaSet, String)>> = OnceLock::new();
    SETS.get_or_init(|| {
        builtin::builtin_sets()
            .into_iter()
            .map(|s| {
                let sha = s.sha256();
                (s, sha)
            })
            .collect()
    })
}

/// The built-in set the content names, if its hash matches.
pub fn builtin_matching(content: &CanonicalAssessment) -> Option<CriteriaSet> {
    builtins()
        .iter()
        .find(|(s, sha)| s.id == content.criteria.id && *sha == content.criteria.sha256)
        .map(|(s, _)| s.clone())
}

/// The set an assessment names: built in with the same hash, else the published source given.
pub fn find_set(content: &CanonicalAssessment, published: Option<&str>) -> Option<CriteriaSet> {
    if let Some(set) = builtin_matching(content) {
        return Some(set);
    }
    let set = load::parse_set(published?, &content.criteria.id).ok()?;
    (set.sha256() == content.criteria.sha256).then_some(set)
}

/// Evaluate the content with `set` and compare with the device's result.
pub fn rescore(set: &CriteriaSet, content: &CanonicalAssessment) -> Result<Rescored, InputError> {
    let items: BTreeMap<String, ItemAnswer> = content
        .answers
        .iter()
        .map(|(id, a)| {
            let value = a.value.map(|v| match set.indicator(id).map(|i| &i.answer) {
                Some(AnswerKind::YesNo) => AnswerValue::YesNo(v != 0),
                _ => AnswerValue::Points(Points(v)),
            });
            (
                id.clone(),
                ItemAnswer {
                    value,
                    note: a.note.clone(),
                    override_reason: a.override_reason.clone(),
                },
            )
        })
        .collect();
    let evidence = content
        .evidence
        .iter()
        .map(|(k, v)| (k.clone(), u32::try_from(v.len()).unwrap_or(u32::MAX)))
        .collect();
    let answers = Answers {
        year: content.year,
        items,
        members: content.members.clone(),
        evidence: Some(evidence),
    };
    answers.validate(set)?;
    let eval = engine::evaluate(set, &answers)?;
    Ok(Rescored {
        status: eval.status,
        total: eval.total.0,
        mismatch: eval.status != content.result.status || eval.total.0 != content.result.total,
    })
}
