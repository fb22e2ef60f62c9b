//! Per-model counts for a year, as reports upward need them: registered, assessed, passed, the
//! denominator (all households / clans / hamlets / units / adults) and the percentage passed.
//!
//! "Assessed" and "passed" count each subject once, by its latest finalized revision.
//! The Công dân học tập denominator counts members aged 18 or more in the year (an inference:
//! the official reports speak of "adults" without an age; documented in the CLI docs).

use super::{Result, Store};
use crate::model::Model;
use rusqlite::params;
use serde::Serialize;
use std::collections::BTreeMap;

/// Age from which a member counts as an adult for the Công dân học tập denominator.
pub const ADULT_AGE: i32 = 18;

/// One model's figures for a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    pub model: Model,
    pub title: String,
    pub registered: u64,
    pub assessed: u64,
    pub passed: u64,
    /// The denominator: every subject of the model on this device.
    pub all: u64,
    /// `passed / all × 100`, one decimal; `None` when `all` is 0.
    pub percentage: Option<f64>,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Store {
    /// Figures for every model in `year`.
    pub fn summary(&self, year: i32) -> Result<Vec<ModelSummary>> {
        let mut registered: BTreeMap<String, i64> = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT model, count(*) FROM registration WHERE year = ?1 GROUP BY model",
        )?;
        for row in stmt.query_map([year], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (m, n) = row?;
            registered.insert(m, n);
        }
        let mut results: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(
            "WITH latest AS (
                SELECT model, result_status, ROW_NUMBER() OVER (
                    PARTITION BY subject_kind, subject_id, model ORDER BY revision DESC) AS rn
                FROM assessment WHERE year = ?1 AND state = 'finalized')
             SELECT model, count(*), coalesce(sum(result_status = 'passed'), 0)
             FROM latest WHERE rn = 1 GROUP BY model",
        )?;
        for row in stmt.query_map([year], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (m, assessed, passed) = row?;
            results.insert(m, (assessed, passed));
        }
        let mut out = Vec::with_capacity(Model::ALL.len());
        for model in Model::ALL {
            let all: i64 = match model {
                Model::GiaDinh => self.conn.query_row("SELECT count(*) FROM household", [], |r| r.get(0))?,
                Model::DongHo => self.conn.query_row("SELECT count(*) FROM clan", [], |r| r.get(0))?,
                Model::CongDong => self.conn.query_row("SELECT count(*) FROM hamlet", [], |r| r.get(0))?,
                Model::DonVi => self.conn.query_row("SELECT count(*) FROM unit", [], |r| r.get(0))?,
                Model::CongDan => self.conn.query_row(
                    "SELECT count(*) FROM member WHERE birth_year IS NOT NULL AND ?1 - birth_year >= ?2",
                    params![year, ADULT_AGE],
                    |r| r.get(0),
                )?,
            };
            let (assessed, passed) = results.get(model.code()).copied().unwrap_or((0, 0));
            let percentage = (all > 0).then(|| {
                // Both counts are far below 2^52, so the conversion is exact.
                ((passed as f64) * 1000.0 / (all as f64)).round() / 10.0
            });
            out.push(ModelSummary {
                model,
                title: model.title_vi().to_string(),
                registered: count(registered.get(model.code()).copied().unwrap_or(0)),
                assessed: count(assessed),
                passed: count(passed),
                all: count(all),
                percentage,
            });
        }
        Ok(out)
    }
}
