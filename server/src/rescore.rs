//! Re-scoring an uploaded assessment with the same engine as the device: the set named by the
//! content (built in or published, matched by content hash) and the input frozen in the content
//! (`CanonicalAssessment::evaluate`, the one owner of that conversion). The result is compared
//! with the device's.

use hoctap_domain::assessment::CanonicalAssessment;
use hoctap_domain::criteria::builtin::builtin_by_sha256;
use hoctap_domain::criteria::{parse_set, LoadedSet};
use hoctap_domain::engine::{InputError, Status};
use std::sync::Arc;

/// The server's score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rescored {
    pub status: Status,
    /// Hundredths of a point.
    pub total: u32,
    /// Differs from the device's result.
    pub mismatch: bool,
}

/// The built-in set the content names, if its id and hash match.
pub fn builtin_matching(content: &CanonicalAssessment) -> Option<Arc<LoadedSet>> {
    builtin_by_sha256(&content.criteria.sha256).filter(|s| s.id == content.criteria.id)
}

/// The set an assessment names: built in with the same hash, else the published source given.
pub fn find_set(content: &CanonicalAssessment, published: Option<&str>) -> Option<Arc<LoadedSet>> {
    if let Some(set) = builtin_matching(content) {
        return Some(set);
    }
    let set = LoadedSet::new(parse_set(published?, &content.criteria.id).ok()?);
    (set.sha256() == content.criteria.sha256).then_some(set)
}

/// Evaluate the content with `set` and compare with the device's result.
pub fn rescore(set: &LoadedSet, content: &CanonicalAssessment) -> Result<Rescored, InputError> {
    let eval = content.evaluate(set)?;
    Ok(Rescored {
        status: eval.status,
        total: eval.total.0,
        mismatch: eval.status != content.result.status || eval.total.0 != content.result.total,
    })
}
