//! Targets for the share of subjects recognised per model, against which summaries and
//! dashboards show progress. Targets vary by province and year, so they are data: the defaults
//! here are Decision 387/QĐ-TTg's national targets for 2025 (`../shared/domain/criteria-facts.md`),
//! and a deployment overrides any of them (a device receives its province's from the server).

use crate::model::Model;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the default targets come from.
pub const DEFAULT_SOURCE: &str = "Quyết định 387/QĐ-TTg (25/3/2022), chỉ tiêu năm 2025";

/// Decision 387/QĐ-TTg's target for 2025, in percent: 70 % of families, 65 % of clans, 65 % of
/// hamlet communities, 80 % of units. Công dân học tập is targeted per group of people (workers,
/// unit staff), not per adult, so it has no default.
pub fn default_target(model: Model) -> Option<f64> {
    match model {
        Model::GiaDinh => Some(70.0),
        Model::DongHo => Some(65.0),
        Model::CongDong => Some(65.0),
        Model::DonVi => Some(80.0),
        Model::CongDan => None,
    }
}

/// The targets in force: one optional percentage per model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Targets(BTreeMap<Model, Option<f64>>);

/// A target outside 0–100 %.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("target {0}% is outside 0–100")]
pub struct BadTarget(pub f64);

impl BadTarget {
    /// What the cadre reads.
    pub fn message_vi(&self) -> String {
        format!("Chỉ tiêu {}% không hợp lệ (0–100)", self.0)
    }
}

impl Default for Targets {
    fn default() -> Self {
        Targets(
            Model::ALL
                .iter()
                .map(|m| (*m, default_target(*m)))
                .collect(),
        )
    }
}

impl Targets {
    /// The defaults with `overrides` applied (a model mapped to `None` has no target).
    pub fn with_overrides(overrides: &BTreeMap<Model, Option<f64>>) -> Targets {
        let mut t = Targets::default();
        for (m, p) in overrides {
            t.0.insert(*m, *p);
        }
        t
    }

    /// The target of a model, in percent.
    pub fn get(&self, model: Model) -> Option<f64> {
        self.0.get(&model).copied().flatten()
    }

    /// Set (or clear) a model's target.
    pub fn set(&mut self, model: Model, percent: Option<f64>) -> Result<(), BadTarget> {
        if let Some(p) = percent {
            if !(0.0..=100.0).contains(&p) || p.is_nan() {
                return Err(BadTarget(p));
            }
        }
        self.0.insert(model, percent);
        Ok(())
    }

    /// Every model's target, in model order.
    pub fn iter(&self) -> impl Iterator<Item = (Model, Option<f64>)> + '_ {
        self.0.iter().map(|(m, p)| (*m, *p))
    }

    /// Whether `percentage` meets the model's target (`None` without a target or a figure).
    pub fn met(&self, model: Model, percentage: Option<f64>) -> Option<bool> {
        Some(percentage? >= self.get(model)?)
    }
}

/// `part / whole × 100`, rounded to one decimal; `None` when `whole` is 0.
pub fn percentage(part: u64, whole: u64) -> Option<f64> {
    // Counts are far below 2^52, so the conversions are exact.
    (whole > 0).then(|| ((part as f64) * 1000.0 / (whole as f64)).round() / 10.0)
}

/// A percentage for people: "62.5", "70" (no trailing ".0").
pub fn percent_text(p: f64) -> String {
    let s = format!("{p:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_overrides_and_checks() {
        let mut t = Targets::default();
        assert_eq!(t.get(Model::GiaDinh), Some(70.0));
        assert_eq!(t.get(Model::CongDan), None);
        assert!(t.set(Model::GiaDinh, Some(101.0)).is_err());
        assert!(t.set(Model::GiaDinh, Some(f64::NAN)).is_err());
        assert!(t.set(Model::GiaDinh, Some(85.0)).is_ok());
        assert_eq!(t.met(Model::GiaDinh, Some(85.0)), Some(true));
        assert_eq!(t.met(Model::GiaDinh, Some(84.9)), Some(false));
        assert_eq!(t.met(Model::CongDan, Some(99.0)), None);
        let o = Targets::with_overrides(&[(Model::DonVi, None)].into_iter().collect());
        assert_eq!(o.get(Model::DonVi), None);
        assert_eq!(o.get(Model::DongHo), Some(65.0));
        assert_eq!(percentage(1, 3), Some(33.3));
        assert_eq!(percentage(1, 0), None);
        assert_eq!(percent_text(70.0), "70");
        assert_eq!(percent_text(62.5), "62.5");
    }
}
