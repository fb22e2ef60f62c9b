//! The figures of the dashboard and the year-end report, per model and place, for one year:
//! assessed, passed and approved subjects (each counted once, by its latest revision; practice
//! results never pass) against an explicit denominator — households on the roster, adults
//! (18 or more in the year, known birth year) for Công dân học tập, clans, hamlets, units —
//! and the place's target ([`super::targets::TargetBook`]). Registration (phiếu đăng ký) stays
//! on the devices and is not sent to the server: it is reported as not collected, not as zero.
//!
//! A province-wide scope has one row per commune; a commune scope one per hamlet (clans and
//! commune-level units on a row of their own).

use super::staff::Scope;
use super::targets::{Population, Target, TargetBook};
use super::Db;
use hoctap_domain::eligibility::ADULT_AGE;
use hoctap_domain::model::Model;
use hoctap_domain::targets::percentage;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

/// How a figure stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// At or above the target.
    Green,
    /// At least four fifths of the target.
    Amber,
    /// Below four fifths of the target.
    Red,
    /// A target, but nothing to measure yet (no denominator).
    NoData,
    /// No target.
    None,
}

impl Light {
    fn of(percent: Option<f64>, target: Option<&Target>) -> Light {
        match (percent, target) {
            (Some(p), Some(t)) if p >= t.percent => Light::Green,
            (Some(p), Some(t)) if p >= t.percent * 0.8 => Light::Amber,
            (Some(_), Some(_)) => Light::Red,
            (None, Some(_)) => Light::NoData,
            (_, None) => Light::None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Light::Green => "Đạt chỉ tiêu",
            Light::Amber => "Gần đạt (≥ 4/5 chỉ tiêu)",
            Light::Red => "Chưa đạt",
            Light::NoData => "Chưa có số liệu",
            Light::None => "Không có chỉ tiêu",
        }
    }
}

/// One model's figures in one place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub model: Model,
    /// Not sent by devices: always `None` (shown as "not collected").
    pub registered: Option<i64>,
    pub assessed: i64,
    pub passed: i64,
    /// Approved by the commune and passed: proposed for recognition.
    pub approved: i64,
    pub denominator: i64,
    /// `approved / denominator`, one decimal.
    pub percent_approved: Option<f64>,
    /// `passed / denominator`, one decimal.
    pub percent_passed: Option<f64>,
    pub target: Option<Target>,
    pub light: Light,
}

/// The figures of one place (a commune or a hamlet).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceFigures {
    /// A commune code or a hamlet id; `None` for what has no hamlet (clans, commune-level
    /// units) in a commune report.
    pub place: Option<String>,
    pub name: String,
    pub figures: Vec<Figures>,
}

/// A hamlet's completeness for Gia đình học tập.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completeness {
    pub hamlet_id: String,
    pub hamlet: String,
    /// Households on the roster.
    pub expected: i64,
    /// Households with an assessment received for the year.
    pub received: i64,
    pub approved: i64,
}

/// The dashboard / report of a scope for a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub year: i32,
    pub scope: Scope,
    pub total: Vec<Figures>,
    pub rows: Vec<PlaceFigures>,
    /// Per hamlet, in a commune scope only.
    pub completeness: Vec<Completeness>,
    /// Finalized assessments devices of the scope still hold unsent (their last heartbeat).
    pub unsent_on_devices: i64,
    /// When the figures were counted (RFC 3339, UTC).
    pub computed_at: String,
    /// Data changed since: newer figures are being counted (the page says so).
    pub stale: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    assessed: i64,
    passed: i64,
    approved: i64,
    denominator: i64,
}

type Grid = BTreeMap<(Option<String>, Model), Counts>;

/// What a report counts in a scope and year before targets are applied: the part worth
/// keeping between requests ([`crate::figures_cache`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    grid: Grid,
    names: BTreeMap<Option<String>, String>,
    completeness: Vec<Completeness>,
    /// When it was counted (RFC 3339, UTC).
    pub computed_at: String,
}

/// The report of `scope` for `year`, counted now.
pub async fn report(
    db: &Db,
    scope: &Scope,
    year: i32,
    targets: &TargetBook,
) -> Result<Report, sqlx::Error> {
    let counted = count(db, scope, year).await?;
    let unsent = unsent(db, scope).await?;
    Ok(assemble(&counted, scope, year, targets, unsent, false))
}

/// Count the figures of `scope` for `year`.
pub async fn count(db: &Db, scope: &Scope, year: i32) -> Result<Counted, sqlx::Error> {
    let computed_at = super::now();
    let by_commune = scope.commune.is_none();
    // The two large reads (current assessments, adults on the roster) run side by side, each
    // on its own connection: about half the time of one after the other on two cores.
    let (assessed, adults, others, names, completeness) = tokio::try_join!(
        count_assessments(db, scope, year, by_commune),
        count_denominators(db, scope, year, by_commune, &[Model::CongDan]),
        count_denominators(
            db,
            scope,
            year,
            by_commune,
            &[Model::GiaDinh, Model::CongDong, Model::DongHo, Model::DonVi],
        ),
        place_names(db, scope, by_commune),
        async {
            if by_commune {
                Ok(Vec::new())
            } else {
                completeness(db, scope, year).await
            }
        },
    )?;
    let mut grid: Grid = BTreeMap::new();
    for (key, c) in assessed {
        grid.insert(key, c);
    }
    for (key, n) in adults.into_iter().chain(others) {
        grid.entry(key).or_default().denominator = n;
    }
    Ok(Counted {
        grid,
        names,
        completeness,
        computed_at,
    })
}

/// The report from counted figures, the scope's targets and its devices' unsent count.
pub fn assemble(
    counted: &Counted,
    scope: &Scope,
    year: i32,
    targets: &TargetBook,
    unsent_on_devices: i64,
    stale: bool,
) -> Report {
    let by_commune = scope.commune.is_none();
    let mut places: BTreeMap<Option<String>, Vec<(Model, Counts)>> = BTreeMap::new();
    let mut total: BTreeMap<Model, Counts> = BTreeMap::new();
    for ((place, model), c) in &counted.grid {
        places.entry(place.clone()).or_default().push((*model, *c));
        let t = total.entry(*model).or_default();
        t.assessed += c.assessed;
        t.passed += c.passed;
        t.approved += c.approved;
        t.denominator += c.denominator;
    }
    // Every named place gets a row, with or without figures.
    for place in counted.names.keys() {
        places.entry(place.clone()).or_default();
    }
    let figures = |commune: Option<&str>, counts: &[(Model, Counts)]| -> Vec<Figures> {
        Model::ALL
            .iter()
            .map(|m| {
                let c = counts
                    .iter()
                    .find(|(x, _)| x == m)
                    .map(|(_, c)| *c)
                    .unwrap_or_default();
                let target = targets
                    .target(commune, *m, Population::All, year)
                    .or_else(|| {
                        // Công dân học tập: the workers' target is the broadest one.
                        (*m == Model::CongDan)
                            .then(|| targets.target(commune, *m, Population::Workers, year))
                            .flatten()
                    });
                let whole = u64::try_from(c.denominator).unwrap_or(0);
                let pa = percentage(u64::try_from(c.approved).unwrap_or(0), whole);
                Figures {
                    model: *m,
                    registered: None,
                    assessed: c.assessed,
                    passed: c.passed,
                    approved: c.approved,
                    denominator: c.denominator,
                    percent_approved: pa,
                    percent_passed: percentage(u64::try_from(c.passed).unwrap_or(0), whole),
                    light: Light::of(pa, target.as_ref()),
                    target,
                }
            })
            .collect()
    };
    let scope_commune = scope.commune.as_deref();
    let mut rows: Vec<PlaceFigures> = places
        .iter()
        .map(|(place, counts)| {
            let commune = if by_commune {
                place.as_deref()
            } else {
                scope_commune
            };
            PlaceFigures {
                place: place.clone(),
                name: counted
                    .names
                    .get(place)
                    .cloned()
                    .unwrap_or_else(|| match place {
                        Some(p) => p.clone(),
                        None => "Cấp xã / liên thôn (dòng họ, đơn vị cấp xã)".to_string(),
                    }),
                figures: figures(commune, counts),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.place.is_none(), hoctap_domain::text::fold(&a.name))
            .cmp(&(b.place.is_none(), hoctap_domain::text::fold(&b.name)))
    });
    let total_counts: Vec<(Model, Counts)> = total.into_iter().collect();
    Report {
        year,
        scope: scope.clone(),
        total: figures(scope_commune, &total_counts),
        rows,
        completeness: counted.completeness.clone(),
        unsent_on_devices,
        computed_at: counted.computed_at.clone(),
        stale,
    }
}

/// The scope as a condition on a `commune_code` column (`$2`), always true province-wide.
fn scoped(col: &str) -> String {
    format!("($2 IS NULL OR {col} = $2)")
}

/// Assessed, passed and approved subjects per place and model.
async fn count_assessments(
    db: &Db,
    scope: &Scope,
    year: i32,
    by_commune: bool,
) -> Result<Vec<((Option<String>, Model), Counts)>, sqlx::Error> {
    let place = if by_commune {
        "a.commune_code"
    } else {
        "a.hamlet_id"
    };
    // Each subject once: its current (not superseded) assessments, the best of them.
    let sql = format!(
        "SELECT place, model, COUNT(*) AS assessed, SUM(passed) AS passed,
             SUM(approved) AS approved
         FROM (SELECT {place} AS place, a.model, a.subject_id,
                   MAX(CASE WHEN a.server_status = 'passed' AND a.practice = 0
                       THEN 1 ELSE 0 END) AS passed,
                   MAX(CASE WHEN a.server_status = 'passed' AND a.practice = 0
                       AND a.review_state = 'accepted' THEN 1 ELSE 0 END) AS approved
               FROM assessments a
               WHERE a.year = $1 AND a.superseded = 0 AND {}
               GROUP BY {place}, a.model, a.subject_id) s
         GROUP BY place, model",
        scoped("a.commune_code")
    );
    // Only fixed SQL is formatted into the query.
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(i64::from(year))
        .bind(scope.commune.as_deref())
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some(model) = Model::from_code(&r.try_get::<String, _>("model")?) else {
            continue;
        };
        out.push((
            (r.try_get("place")?, model),
            Counts {
                assessed: r.try_get("assessed")?,
                passed: r.try_get::<Option<i64>, _>("passed")?.unwrap_or(0),
                approved: r.try_get::<Option<i64>, _>("approved")?.unwrap_or(0),
                denominator: 0,
            },
        ));
    }
    Ok(out)
}

/// The denominators of `models` per place.
async fn count_denominators(
    db: &Db,
    scope: &Scope,
    year: i32,
    by_commune: bool,
    models: &[Model],
) -> Result<Vec<((Option<String>, Model), i64)>, sqlx::Error> {
    let (hamlet_place, unit_place) = if by_commune {
        ("t.commune_code", "u.commune_code")
    } else {
        ("t.id", "u.hamlet_id")
    };
    let queries: [(Model, String); 5] = [
        (
            Model::GiaDinh,
            format!(
                "SELECT {hamlet_place} AS place, COUNT(*) AS n FROM households h
                 JOIN hamlets t ON t.id = h.hamlet_id WHERE {} GROUP BY {hamlet_place}",
                scoped("t.commune_code")
            ),
        ),
        (
            Model::CongDan,
            format!(
                "SELECT {hamlet_place} AS place, COUNT(*) AS n FROM members m
                 JOIN households h ON h.id = m.household_id JOIN hamlets t ON t.id = h.hamlet_id
                 WHERE m.removed_at IS NULL AND m.birth_year IS NOT NULL
                   AND $1 - m.birth_year >= $3 AND {} GROUP BY {hamlet_place}",
                scoped("t.commune_code")
            ),
        ),
        (
            Model::CongDong,
            format!(
                "SELECT {hamlet_place} AS place, COUNT(*) AS n FROM hamlets t
                 WHERE $1 = $1 AND {} GROUP BY {hamlet_place}",
                scoped("t.commune_code")
            ),
        ),
        (
            Model::DongHo,
            if by_commune {
                format!(
                    "SELECT c.commune_code AS place, COUNT(*) AS n FROM clans c
                     WHERE $1 = $1 AND {} GROUP BY c.commune_code",
                    scoped("c.commune_code")
                )
            } else {
                // Clans have no hamlet: one row of their own (PostgreSQL refuses a constant
                // in GROUP BY).
                format!(
                    "SELECT CAST(NULL AS TEXT) AS place, COUNT(*) AS n FROM clans c
                     WHERE $1 = $1 AND {}",
                    scoped("c.commune_code")
                )
            },
        ),
        (
            Model::DonVi,
            format!(
                "SELECT {unit_place} AS place, COUNT(*) AS n FROM units u
                 WHERE $1 = $1 AND {} GROUP BY {unit_place}",
                scoped("u.commune_code")
            ),
        ),
    ];
    let mut out = Vec::new();
    for (model, sql) in queries.into_iter().filter(|(m, _)| models.contains(m)) {
        // Only fixed SQL is formatted into the query.
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .bind(i64::from(year))
            .bind(scope.commune.as_deref());
        if model == Model::CongDan {
            q = q.bind(i64::from(ADULT_AGE));
        }
        for r in q.fetch_all(&db.pool).await? {
            let place: Option<String> = r.try_get("place")?;
            out.push(((place, model), r.try_get("n")?));
        }
    }
    Ok(out)
}

/// Names of the places of the scope's rows: communes of the province (those with hamlets), or
/// the commune's hamlets.
async fn place_names(
    db: &Db,
    scope: &Scope,
    by_commune: bool,
) -> Result<BTreeMap<Option<String>, String>, sqlx::Error> {
    let mut out = BTreeMap::new();
    if by_commune {
        // Every commune of the province has a row, started or not (a year-end report counts
        // them all); codes held that are not in the official list keep their code as name.
        for c in crate::units::communes().filter(|c| c.province_code == scope.province) {
            out.insert(Some(c.code.to_string()), c.name.to_string());
        }
        let held: Vec<String> =
            sqlx::query("SELECT DISTINCT commune_code FROM hamlets WHERE commune_code IS NOT NULL")
                .fetch_all(&db.pool)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
        for h in held {
            out.entry(Some(h.clone())).or_insert(h);
        }
    } else {
        let rows = sqlx::query("SELECT id, name FROM hamlets WHERE commune_code = $1")
            .bind(scope.commune.as_deref())
            .fetch_all(&db.pool)
            .await?;
        for r in &rows {
            out.insert(Some(r.try_get("id")?), r.try_get("name")?);
        }
    }
    Ok(out)
}

async fn completeness(db: &Db, scope: &Scope, year: i32) -> Result<Vec<Completeness>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT t.id, t.name,
             (SELECT COUNT(*) FROM households h WHERE h.hamlet_id = t.id) AS expected,
             (SELECT COUNT(DISTINCT a.subject_id) FROM assessments a
              WHERE a.hamlet_id = t.id AND a.year = $1 AND a.model = $3 AND a.superseded = 0)
                 AS received,
             (SELECT COUNT(DISTINCT a.subject_id) FROM assessments a
              WHERE a.hamlet_id = t.id AND a.year = $1 AND a.model = $3 AND a.superseded = 0
                AND a.review_state = 'accepted') AS approved
         FROM hamlets t WHERE t.commune_code = $2 ORDER BY t.name_key",
    )
    .bind(i64::from(year))
    .bind(scope.commune.as_deref())
    .bind(Model::GiaDinh.code())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Completeness {
                hamlet_id: r.try_get("id")?,
                hamlet: r.try_get("name")?,
                expected: r.try_get("expected")?,
                received: r.try_get("received")?,
                approved: r.try_get("approved")?,
            })
        })
        .collect()
}

/// Finalized assessments the scope's devices still hold unsent (their last heartbeat).
pub async fn unsent(db: &Db, scope: &Scope) -> Result<i64, sqlx::Error> {
    // PostgreSQL sums BIGINTs as NUMERIC, which the Any driver cannot read: cast back.
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT CAST(COALESCE(SUM(queue_length), 0) AS BIGINT) FROM devices
         WHERE revoked_at IS NULL AND $1 = $1 AND {}",
        scoped("commune_code")
    )))
    .bind(0i64)
    .bind(scope.commune.as_deref())
    .fetch_one(&db.pool)
    .await?;
    row.try_get(0)
}
