//! Targets as data: the share of subjects to be recognised per province (overridable per
//! commune), model, population and due year, loaded from a TOML file
//! (`criteria/targets/*.toml`). A year's target is the one due that year or next after it
//! (a 2026 dashboard measures against the 2030 target); where a place has none, Decision
//! 387/QĐ-TTg's national 2025 targets apply, labelled as such.

use super::staff::{audit, AuditAction};
use super::Db;
use hoctap_domain::model::Model;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;

hoctap_domain::coded_enum! {
    /// Whom a Công dân học tập target counts (other models: everyone of the model).
    pub enum Population("target population") {
        All = "",
        /// Người lao động.
        Workers = "workers",
        /// Cán bộ, công chức, viên chức.
        Officials = "officials",
    }
}

impl Population {
    pub fn label_vi(self) -> &'static str {
        match self {
            Population::All => "",
            Population::Workers => "người lao động",
            Population::Officials => "cán bộ, công chức, viên chức",
        }
    }
}

/// One target in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub model: Model,
    pub population: Population,
    pub due_year: i32,
    /// Percent, one decimal.
    pub percent: f64,
    pub source: String,
    /// Set for a commune's own target.
    pub commune_code: Option<String>,
}

/// A targets file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    province: String,
    #[serde(default)]
    commune: Option<String>,
    source: String,
    target: Vec<TargetLine>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetLine {
    model: String,
    #[serde(default)]
    population: String,
    due: i32,
    percent: f64,
}

/// Why a targets file was refused.
#[derive(Debug, thiserror::Error)]
pub enum TargetsError {
    #[error("Tệp chỉ tiêu không đọc được / unreadable targets file: {0}")]
    Parse(String),
    #[error("Tệp chỉ tiêu không hợp lệ / invalid targets file: {0}")]
    Invalid(String),
    #[error("Lỗi cơ sở dữ liệu / database error: {0}")]
    Db(#[from] sqlx::Error),
}

/// Parse a targets file: `(province, commune, source, targets)`.
pub fn parse(src: &str) -> Result<(String, Option<String>, Vec<Target>), TargetsError> {
    let file: TargetsFile = toml::from_str(src).map_err(|e| TargetsError::Parse(e.to_string()))?;
    let source = hoctap_domain::text::clean(&file.source);
    if source.is_empty() {
        return Err(TargetsError::Invalid("source trống / empty source".into()));
    }
    let mut out = Vec::new();
    for (i, t) in file.target.iter().enumerate() {
        let n = i + 1;
        let model = Model::from_code(&t.model).ok_or_else(|| {
            TargetsError::Invalid(format!(
                "target {n}: model \"{}\" (gia_dinh, dong_ho, cong_dong, don_vi, cong_dan)",
                t.model
            ))
        })?;
        let population = Population::from_code(&t.population).ok_or_else(|| {
            TargetsError::Invalid(format!("target {n}: population \"{}\"", t.population))
        })?;
        if model == Model::CongDan && population == Population::All {
            return Err(TargetsError::Invalid(format!(
                "target {n}: cong_dan cần population = \"workers\" hoặc \"officials\" / cong_dan needs a population"
            )));
        }
        if model != Model::CongDan && population != Population::All {
            return Err(TargetsError::Invalid(format!(
                "target {n}: population chỉ dùng cho cong_dan / population is for cong_dan only"
            )));
        }
        if !(0.0..=100.0).contains(&t.percent) || !t.percent.is_finite() {
            return Err(TargetsError::Invalid(format!(
                "target {n}: percent {} ngoài 0–100",
                t.percent
            )));
        }
        if !(2000..=2100).contains(&t.due) {
            return Err(TargetsError::Invalid(format!("target {n}: due {}", t.due)));
        }
        if out
            .iter()
            .any(|o: &Target| o.model == model && o.population == population && o.due_year == t.due)
        {
            return Err(TargetsError::Invalid(format!(
                "target {n}: {} {} {} đã có ở trên / listed twice",
                t.model, t.population, t.due
            )));
        }
        out.push(Target {
            model,
            population,
            due_year: t.due,
            percent: (t.percent * 10.0).round() / 10.0,
            source: source.clone(),
            commune_code: file.commune.clone(),
        });
    }
    Ok((file.province, file.commune, out))
}

/// Replace the targets of a place (a province, or one commune of it) with `targets`.
pub async fn replace(
    db: &Db,
    province: &str,
    commune: Option<&str>,
    targets: &[Target],
    by: Option<&str>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM targets WHERE province_code = $1 AND commune_code = $2")
        .bind(province)
        .bind(commune.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    for t in targets {
        sqlx::query(
            "INSERT INTO targets (province_code, commune_code, model, population, due_year,
                 percent_tenths, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(province)
        .bind(commune.unwrap_or(""))
        .bind(t.model.code())
        .bind(t.population.code())
        .bind(i64::from(t.due_year))
        .bind((t.percent * 10.0).round() as i64)
        .bind(&t.source)
        .execute(&mut *tx)
        .await?;
    }
    audit(
        &mut tx,
        by,
        AuditAction::TargetsLoaded,
        None,
        Some(&format!(
            "{province}/{}: {}",
            commune.unwrap_or("*"),
            targets.len()
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every target row of a province (its own and its communes').
async fn rows(db: &Db, province: &str) -> Result<Vec<Target>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT commune_code, model, population, due_year, percent_tenths, source FROM targets
         WHERE province_code = $1 ORDER BY due_year",
    )
    .bind(province)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let commune: String = r.try_get("commune_code")?;
            Ok(Target {
                model: super::code(r, "model")?,
                population: super::code(r, "population")?,
                due_year: i32::try_from(r.try_get::<i64, _>("due_year")?).unwrap_or(0),
                percent: r.try_get::<i64, _>("percent_tenths")? as f64 / 10.0,
                source: r.try_get("source")?,
                commune_code: (!commune.is_empty()).then_some(commune),
            })
        })
        .collect()
}

/// The targets of a province, ready to answer for any commune and year.
#[derive(Debug, Clone, Default)]
pub struct TargetBook {
    rows: Vec<Target>,
}

impl TargetBook {
    pub async fn load(db: &Db, province: &str) -> Result<TargetBook, sqlx::Error> {
        Ok(TargetBook {
            rows: rows(db, province).await?,
        })
    }

    /// The target in force for `year` in `commune` (or the province): the commune's own when it
    /// has any for the model and population, else the province's; the one due in `year` or
    /// soonest after, else the latest; else the national default (Decision 387, 2025).
    pub fn target(
        &self,
        commune: Option<&str>,
        model: Model,
        population: Population,
        year: i32,
    ) -> Option<Target> {
        let pick = |commune: Option<&str>| {
            let mine: Vec<&Target> = self
                .rows
                .iter()
                .filter(|t| {
                    t.model == model
                        && t.population == population
                        && t.commune_code.as_deref() == commune
                })
                .collect();
            mine.iter()
                .filter(|t| t.due_year >= year)
                .min_by_key(|t| t.due_year)
                .or_else(|| mine.iter().max_by_key(|t| t.due_year))
                .map(|t| (*t).clone())
        };
        commune
            .and_then(|c| pick(Some(c)))
            .or_else(|| pick(None))
            .or_else(|| {
                (population == Population::All)
                    .then(|| hoctap_domain::targets::default_target(model))
                    .flatten()
                    .map(|percent| Target {
                        model,
                        population,
                        due_year: 2025,
                        percent,
                        source: hoctap_domain::targets::DEFAULT_SOURCE.to_string(),
                        commune_code: None,
                    })
            })
    }

    /// Each model's target for `year` (everyone of the model), as the device's summary shows
    /// them: model code → percent.
    pub fn for_device(&self, commune: Option<&str>, year: i32) -> BTreeMap<Model, Option<f64>> {
        Model::ALL
            .iter()
            .map(|m| {
                (
                    *m,
                    self.target(commune, *m, Population::All, year)
                        .map(|t| t.percent),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(model: Model, due: i32, percent: f64, commune: Option<&str>) -> Target {
        Target {
            model,
            population: Population::All,
            due_year: due,
            percent,
            source: "test".into(),
            commune_code: commune.map(str::to_string),
        }
    }

    #[test]
    fn year_takes_the_next_due_target_and_commune_overrides() {
        let book = TargetBook {
            rows: vec![
                t(Model::GiaDinh, 2025, 85.0, None),
                t(Model::GiaDinh, 2030, 95.0, None),
                t(Model::GiaDinh, 2030, 90.0, Some("C1")),
            ],
        };
        let p = |c, y| {
            book.target(c, Model::GiaDinh, Population::All, y)
                .map(|t| t.percent)
        };
        assert_eq!(p(None, 2024), Some(85.0));
        assert_eq!(p(None, 2025), Some(85.0));
        assert_eq!(p(None, 2026), Some(95.0));
        assert_eq!(p(None, 2031), Some(95.0));
        assert_eq!(p(Some("C1"), 2026), Some(90.0));
        assert_eq!(p(Some("C2"), 2026), Some(95.0));
        // No province row: the national default, with its source.
        let dong_ho = book
            .target(None, Model::DongHo, Population::All, 2026)
            .map(|t| (t.percent, t.source));
        assert_eq!(
            dong_ho,
            Some((65.0, hoctap_domain::targets::DEFAULT_SOURCE.to_string()))
        );
    }

    #[test]
    fn the_shipped_phu_tho_file_parses() {
        let src = include_str!("../../../criteria/targets/25-phu-tho-1767.toml");
        let (province, commune, targets) = parse(src).expect("parses");
        assert_eq!(province, "25");
        assert_eq!(commune, None);
        assert_eq!(targets.len(), 12);
        assert!(parse("province = \"25\"\nsource = \"x\"\n[[target]]\nmodel = \"gia_dinh\"\ndue = 2025\npercent = 101\n").is_err());
        assert!(parse("province = \"25\"\nsource = \"x\"\n[[target]]\nmodel = \"cong_dan\"\ndue = 2025\npercent = 60\n").is_err());
        let twice = "province = \"25\"\nsource = \"x\"\n[[target]]\nmodel = \"gia_dinh\"\ndue = 2030\npercent = 90\n[[target]]\nmodel = \"gia_dinh\"\ndue = 2030\npercent = 95\n";
        assert!(matches!(parse(twice), Err(TargetsError::Invalid(m)) if m.contains("target 2")));
    }
}
