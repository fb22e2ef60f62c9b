//! Re-scoring an uploaded assessment with the same engine as the device: the set named by the
//! content (built in or published, matched by content hash) and the input frozen in the content
//! (`CanonicalAssessment::evaluate`, the one owner of that conversion). The result is compared
//! with the device's. Built-in sets are found by hash among every shipped version, archived
//! ones included (`builtin_by_sha256`), so assessments pinned to an older version re-score.

use crate::db::{assessments, Db};
use hoctap_domain::assessment::CanonicalAssessment;
use hoctap_domain::criteria::builtin::builtin_by_sha256;
use hoctap_domain::criteria::{parse_set, LoadedSet};
use hoctap_domain::engine::{InputError, Status};
use hoctap_domain::labels;
use serde::Serialize;
use std::collections::HashMap;
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

/// The model of a built-in set known by `id` (any version, archived ones included).
pub fn model_of_known_id(id: &str) -> Option<hoctap_domain::model::Model> {
    hoctap_domain::criteria::builtin::builtin_versions(id)
        .first()
        .map(|set| set.model)
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

/// How an uploaded assessment's result reads for a person (`admin assessments`): a template's
/// result is a practice result ("Kết quả tham khảo (bộ mẫu): …", never "Đạt"), levels read as
/// their titles. The codes stay beside them in the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultLabels {
    /// The server's result (re-evaluated from the frozen content with the set it names).
    pub label: String,
    /// The device's frozen result.
    pub device_label: String,
    /// Scored with a template set: a practice result.
    pub practice: bool,
    /// Level code and title of the server's result.
    pub level: Option<String>,
    pub level_title: Option<String>,
}

/// The labels of an uploaded assessment; `set` is the set its content names, when the server
/// has it.
pub fn result_labels(set: Option<&LoadedSet>, content: &CanonicalAssessment) -> ResultLabels {
    let device_label = labels::stored_result_label(content.result.status, set.map(|s| s.set()));
    match set.map(|s| content.evaluate(s)) {
        Some(Ok(eval)) => ResultLabels {
            label: eval.label,
            device_label,
            practice: eval.practice,
            level: eval.level,
            level_title: eval.level_title,
        },
        Some(Err(_)) => ResultLabels {
            label: "Câu trả lời không hợp lệ với bộ tiêu chí".into(),
            practice: set.is_some_and(|s| s.is_practice()),
            device_label,
            level: None,
            level_title: None,
        },
        None => ResultLabels {
            label: "Chưa chấm lại được (máy chủ chưa có bộ tiêu chí)".into(),
            device_label,
            practice: false,
            level: None,
            level_title: None,
        },
    }
}

/// Labels of every uploaded assessment, by id; each set is looked up once.
pub async fn labels_by_assessment(db: &Db) -> Result<HashMap<String, ResultLabels>, sqlx::Error> {
    let contents = assessments::contents(db).await?;
    let mut sets: HashMap<(String, String), Option<Arc<LoadedSet>>> = HashMap::new();
    let mut out = HashMap::with_capacity(contents.len());
    let mut conn = db.pool.acquire().await?;
    for (id, json) in contents {
        let Ok(content) = CanonicalAssessment::from_json(&json) else {
            continue;
        };
        let key = (content.criteria.id.clone(), content.criteria.sha256.clone());
        let set = match sets.get(&key) {
            Some(set) => set.clone(),
            None => {
                let set = match builtin_matching(&content) {
                    Some(set) => Some(set),
                    None => {
                        let published =
                            assessments::published_source(&mut conn, &content.criteria.sha256)
                                .await?;
                        find_set(&content, published.as_deref())
                    }
                };
                sets.insert(key, set.clone());
                set
            }
        };
        out.insert(id, result_labels(set.as_deref(), &content));
    }
    Ok(out)
}
