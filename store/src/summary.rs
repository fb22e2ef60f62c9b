//! Per-model counts for a year, as reports upward need them: registered, assessed, passed, the
//! denominator (all households / clans / hamlets / units / adults) and the percentage passed.
//!
//! "Assessed" and "passed" count each subject once, by its latest finalized revision. The Công
//! dân học tập denominator counts adults (`hoctap_domain::eligibility`).

use crate::codec::Coded;
use crate::{Db, Result, Store};
use hoctap_domain::eligibility::ADULT_AGE;
use hoctap_domain::engine::Status;
use hoctap_domain::model::Model;
use hoctap_domain::state::AssessmentState;
use hoctap_domain::targets::percentage;
use rusqlite::params;
use serde::Serialize;
use std::collections::BTreeMap;

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

/// Figures for every model in `year`.
pub fn summary(db: &Db<'_>, year: i32) -> Result<Vec<ModelSummary>> {
    let mut registered: BTreeMap<Model, i64> = BTreeMap::new();
    let mut stmt = db.conn().prepare_cached(
        "SELECT model, count(*) FROM registration WHERE year = ?1 GROUP BY model",
    )?;
    for row in stmt.query_map([year], |r| {
        Ok((crate::codec::get::<Model>(r, 0)?, r.get::<_, i64>(1)?))
    })? {
        let (m, n) = row?;
        registered.insert(m, n);
    }
    let mut results: BTreeMap<Model, (i64, i64)> = BTreeMap::new();
    let mut stmt = db.conn().prepare_cached(
        "WITH latest AS (
            SELECT model, result_status, ROW_NUMBER() OVER (
                PARTITION BY subject_kind, subject_id, model ORDER BY revision DESC) AS rn
            FROM assessment WHERE year = ?1 AND state = ?2)
         SELECT model, count(*), coalesce(sum(result_status = ?3), 0)
         FROM latest WHERE rn = 1 GROUP BY model",
    )?;
    for row in stmt.query_map(
        params![
            year,
            Coded(AssessmentState::Finalized),
            Coded(Status::Passed)
        ],
        |r| {
            Ok((
                crate::codec::get::<Model>(r, 0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        },
    )? {
        let (m, assessed, passed) = row?;
        results.insert(m, (assessed, passed));
    }
    let mut out = Vec::with_capacity(Model::ALL.len());
    for &model in Model::ALL {
        let sql = match model {
            Model::GiaDinh => {
                "SELECT count(*) FROM household WHERE ?1 IS NOT NULL AND ?2 IS NOT NULL"
            }
            Model::DongHo => "SELECT count(*) FROM clan WHERE ?1 IS NOT NULL AND ?2 IS NOT NULL",
            Model::CongDong => {
                "SELECT count(*) FROM hamlet WHERE ?1 IS NOT NULL AND ?2 IS NOT NULL"
            }
            Model::DonVi => "SELECT count(*) FROM unit WHERE ?1 IS NOT NULL AND ?2 IS NOT NULL",
            Model::CongDan => {
                "SELECT count(*) FROM member WHERE birth_year IS NOT NULL AND ?1 - birth_year >= ?2"
            }
        };
        let all: i64 = db
            .conn()
            .prepare_cached(sql)?
            .query_row(params![year, ADULT_AGE], |r| r.get(0))?;
        let (assessed, passed) = results.get(&model).copied().unwrap_or((0, 0));
        let (all, passed) = (count(all), count(passed));
        out.push(ModelSummary {
            model,
            title: model.title_vi().to_string(),
            registered: count(registered.get(&model).copied().unwrap_or(0)),
            assessed: count(assessed),
            passed,
            all,
            percentage: percentage(passed, all),
        });
    }
    Ok(out)
}

impl Store {
    /// Figures for every model in `year`.
    pub fn summary(&self, year: i32) -> Result<Vec<ModelSummary>> {
        self.read(|db| summary(db, year))
    }
}
