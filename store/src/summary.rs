//! Per-model counts for a year, as reports upward need them: registered, assessed, passed, the
//! denominator (all households / clans / hamlets / units / adults) and the percentage passed.
//!
//! "Assessed" and "passed" count each subject once, by its latest finalized revision.
//!
//! Honest counts (issue 10):
//! - **Practice results are never "passed".** An assessment made with a template set
//!   (status = "template") is a practice result: it counts as assessed, never as passed.
//! - **One population for Công dân học tập.** Every figure of the model — registered, assessed,
//!   passed and the denominator — counts only members aged
//!   [`hoctap_domain::eligibility::ADULT_AGE`] (18) or more in the year, with a known birth
//!   year, so a person outside it (a child) is never counted, whatever set an old assessment was
//!   made with. Sets may carry their own `[eligibility]` bounds (enforced when an assessment
//!   starts); the report uses the one domain constant, which the shipped `cdht-324` (version
//!   2) matches (a domain test keeps them equal).

use crate::codec::Coded;
use crate::{criteria, Db, Result, Store, StoreError};
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

/// SQL condition: the row's subject counts for its model in the year (`?1`): it is on the
/// roster (not removed; a member also not of a removed household) and, for Công dân học tập
/// (`?2`), a member with a known birth year aged `?3` or more. The denominators below count the
/// same population, so numerators and denominators always agree.
const COUNTED: &str = "(CASE
    WHEN model = ?2 THEN EXISTS (SELECT 1 FROM member m JOIN household h ON h.id = m.household_id
        WHERE m.id = subject_id AND m.removed_at IS NULL AND h.removed_at IS NULL
          AND m.birth_year IS NOT NULL AND ?1 - m.birth_year >= ?3)
    WHEN subject_kind = 'household' THEN EXISTS (SELECT 1 FROM household h
        WHERE h.id = subject_id AND h.removed_at IS NULL)
    WHEN subject_kind = 'clan' THEN EXISTS (SELECT 1 FROM clan c
        WHERE c.id = subject_id AND c.removed_at IS NULL)
    WHEN subject_kind = 'unit' THEN EXISTS (SELECT 1 FROM unit u
        WHERE u.id = subject_id AND u.removed_at IS NULL)
    -- A hamlet merged into the server's still stands for it.
    ELSE 1 END)";

/// Figures for every model in `year`.
pub fn summary(db: &Db<'_>, year: i32) -> Result<Vec<ModelSummary>> {
    let mut registered: BTreeMap<Model, i64> = BTreeMap::new();
    let mut stmt = db.conn().prepare_cached(&format!(
        "SELECT model, count(*) FROM registration WHERE year = ?1 AND {COUNTED} GROUP BY model"
    ))?;
    for row in stmt.query_map(params![year, Coded(Model::CongDan), ADULT_AGE], |r| {
        Ok((crate::codec::get::<Model>(r, 0)?, r.get::<_, i64>(1)?))
    })? {
        let (m, n) = row?;
        registered.insert(m, n);
    }
    // Latest finalized revisions of counted subjects, by model and the set they were made with
    // (to leave out practice results from "passed").
    let mut results: BTreeMap<Model, (i64, i64)> = BTreeMap::new();
    let mut stmt = db.conn().prepare_cached(&format!(
        "WITH latest AS (
            SELECT model, subject_kind, subject_id, result_status, criteria_id, criteria_sha256,
                ROW_NUMBER() OVER (
                    PARTITION BY subject_kind, subject_id, model ORDER BY revision DESC) AS rn
            FROM assessment WHERE year = ?1 AND state = ?4)
         SELECT model, criteria_id, criteria_sha256, count(*), coalesce(sum(result_status = ?5), 0)
         FROM latest WHERE rn = 1 AND {COUNTED}
         GROUP BY model, criteria_id, criteria_sha256"
    ))?;
    let rows = stmt
        .query_map(
            params![
                year,
                Coded(Model::CongDan),
                ADULT_AGE,
                Coded(AssessmentState::Finalized),
                Coded(Status::Passed)
            ],
            |r| {
                Ok((
                    crate::codec::get::<Model>(r, 0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (m, criteria_id, sha256, assessed, passed) in rows {
        let practice = match criteria::exact(db, &criteria_id, &sha256) {
            Ok(set) => set.is_practice(),
            // A set no longer on the device: its stored status is all there is.
            Err(StoreError::CriteriaUnavailable { .. }) => false,
            Err(e) => return Err(e),
        };
        let entry = results.entry(m).or_insert((0, 0));
        entry.0 += assessed;
        if !practice {
            entry.1 += passed;
        }
    }
    let mut out = Vec::with_capacity(Model::ALL.len());
    for &model in Model::ALL {
        let sql = match model {
            Model::GiaDinh => {
                "SELECT count(*) FROM household
                 WHERE removed_at IS NULL AND ?1 IS NOT NULL AND ?2 IS NOT NULL"
            }
            Model::DongHo => {
                "SELECT count(*) FROM clan
                 WHERE removed_at IS NULL AND ?1 IS NOT NULL AND ?2 IS NOT NULL"
            }
            Model::CongDong => {
                "SELECT count(*) FROM hamlet
                 WHERE removed_at IS NULL AND ?1 IS NOT NULL AND ?2 IS NOT NULL"
            }
            Model::DonVi => {
                "SELECT count(*) FROM unit
                 WHERE removed_at IS NULL AND ?1 IS NOT NULL AND ?2 IS NOT NULL"
            }
            Model::CongDan => {
                "SELECT count(*) FROM member m JOIN household h ON h.id = m.household_id
                 WHERE m.removed_at IS NULL AND h.removed_at IS NULL
                   AND m.birth_year IS NOT NULL AND ?1 - m.birth_year >= ?2"
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
