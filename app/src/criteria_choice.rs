//! Which criteria set a new assessment of a model in a year uses: among the sets on the device
//! (built in, pulled, installed) for the model whose period covers the year, an official one
//! before a partial one before a template, then the newest version. `None` when the device has
//! none — the screens then say so instead of offering an assessment.

use hoctap_domain::criteria::{LoadedSet, SetStatus};
use hoctap_domain::model::Model;
use hoctap_store::{Result, Store};
use std::sync::Arc;

fn rank(s: SetStatus) -> u8 {
    match s {
        SetStatus::Official => 0,
        SetStatus::Partial => 1,
        SetStatus::Template => 2,
    }
}

/// The set for a new assessment of `model` in `year`, if the device has one.
pub fn set_for(store: &Store, model: Model, year: i32) -> Result<Option<Arc<LoadedSet>>> {
    Ok(store
        .criteria_sets()?
        .into_iter()
        .map(|(s, _)| s)
        .filter(|s| s.model == model && s.covers_year(year))
        .min_by(|a, b| {
            rank(a.status)
                .cmp(&rank(b.status))
                .then(b.version.cmp(&a.version))
        }))
}

/// Why there is no assessment to start, in Vietnamese.
pub fn none_message(model: Model, year: i32) -> String {
    format!(
        "Chưa có bộ tiêu chí {} áp dụng cho năm {year} trên máy; hãy đồng bộ để nhận bộ tiêu \
         chí mới",
        model.title_vi()
    )
}
