//! `hoctap criteria list|show|validate|install`.

use crate::error::{read_input, CliError, CliResult};
use crate::output;
use hoctap_domain::criteria::{builtin, parse_set, AnswerKind, CriteriaSet, LoadedSet, SetStatus};
use hoctap_store::criteria::Source;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

#[derive(Serialize)]
struct SetListing {
    id: String,
    model: String,
    title: String,
    version: u32,
    status: SetStatus,
    document: Option<String>,
    indicators: usize,
    max: hoctap_domain::model::Points,
    sha256: String,
    source: Source,
}

fn listing(set: &LoadedSet, source: Source) -> SetListing {
    SetListing {
        id: set.id.clone(),
        model: set.model.code().into(),
        title: set.title.clone(),
        version: set.version,
        status: set.status,
        document: set.document.number.clone(),
        indicators: set.indicators().count(),
        max: set.max_total(),
        sha256: set.sha256().to_string(),
        source,
    }
}

/// Built-in sets, plus the sets installed in the data directory if it already exists.
fn all_sets(data: Option<&Path>) -> CliResult<Vec<(Arc<LoadedSet>, Source)>> {
    let dir = super::data_dir(data)?;
    if dir.join(hoctap_store::DB_FILE).exists() {
        let dev = super::open_device(data)?;
        return Ok(dev.store().criteria_sets()?);
    }
    Ok(builtin::builtin_sets()
        .into_iter()
        .map(|s| (s, Source::Builtin))
        .collect())
}

/// Read and validate a criteria file.
fn load_file(path: &str) -> CliResult<Arc<LoadedSet>> {
    let src = read_input(path)?;
    Ok(LoadedSet::new(parse_set(&src, path)?))
}

pub fn list(data: Option<&Path>, json: bool) -> CliResult {
    let sets = all_sets(data)?;
    if json {
        let rows: Vec<SetListing> = sets.iter().map(|(s, src)| listing(s, *src)).collect();
        return output::json(&rows);
    }
    for (s, src) in &sets {
        let status = hoctap_domain::labels::set_status(s.status);
        outln!(
            "{:<22} v{:<3} {:<10} {:<12} {}{}",
            s.id,
            s.version,
            s.model.code(),
            status,
            s.title,
            if *src == Source::Installed {
                " (đã cài)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// Find a set by id among installed and built-in sets, or load it from a `.toml` path.
pub fn resolve(data: Option<&Path>, id_or_path: &str) -> CliResult<Arc<LoadedSet>> {
    if id_or_path.ends_with(".toml") || Path::new(id_or_path).is_file() {
        return load_file(id_or_path);
    }
    all_sets(data)?
        .into_iter()
        .map(|(s, _)| s)
        .find(|s| s.id == id_or_path)
        .ok_or_else(|| unknown_set(id_or_path))
}

fn unknown_set(id: &str) -> CliError {
    CliError::invalid(format!(
        "Không có bộ tiêu chí \"{id}\" (xem `hoctap criteria list`)"
    ))
    .with_detail(format!("unknown criteria set {id}"))
}

/// Like [`resolve`] but without touching any database: built-in sets and files only.
pub fn resolve_pure(id_or_path: &str) -> CliResult<Arc<LoadedSet>> {
    if id_or_path.ends_with(".toml") || Path::new(id_or_path).is_file() {
        return load_file(id_or_path);
    }
    builtin::builtin_set(id_or_path).ok_or_else(|| unknown_set(id_or_path))
}

pub fn show(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let set = resolve(data, id)?;
    if json {
        #[derive(Serialize)]
        struct Shown<'a> {
            #[serde(flatten)]
            set: &'a CriteriaSet,
            sha256: String,
        }
        return output::json(&Shown {
            sha256: set.sha256().to_string(),
            set: set.set(),
        });
    }
    outln!("{} — {} (v{})", set.id, set.title, set.version);
    if let Some(n) = &set.document.number {
        outln!("Văn bản: {n}");
    }
    for c in &set.criteria {
        let max = c.max.map(|m| m.to_string()).unwrap_or_else(|| "?".into());
        outln!(
            "Tiêu chí {} ({} điểm){}: {}",
            c.id,
            max,
            if c.missing {
                " [chưa có nội dung]"
            } else {
                ""
            },
            c.title
        );
        for i in &c.indicators {
            let kind = match &i.answer {
                AnswerKind::Points { step } => format!("điểm, bước {step}"),
                AnswerKind::YesNo => "có/không".into(),
                AnswerKind::Derived(_) => "tính từ thành viên".into(),
            };
            let max = i.max.map(|m| m.to_string()).unwrap_or_else(|| "?".into());
            outln!(
                "  {} (0–{max}, {kind}){}: {}",
                i.id,
                if i.missing {
                    " [chưa có nội dung]"
                } else {
                    ""
                },
                i.text
            );
        }
    }
    if let Some(p) = set.rules.pass_total {
        if set.is_practice() {
            outln!("Đủ điều kiện theo mẫu (để tham khảo, không phải công nhận) khi tổng ≥ {p}");
        } else {
            outln!("Đạt khi tổng ≥ {p}");
        }
    } else {
        outln!("Ngưỡng đạt: chưa có trong văn bản");
    }
    if let Some(f) = set.rules.indicator_floor {
        outln!("Không chỉ số nào dưới {f}");
    }
    for n in &set.notes {
        outln!(
            "Ghi chú ({}, {}): {}",
            hoctap_domain::labels::note_kind(n.kind),
            n.about,
            n.text
        );
    }
    Ok(())
}

pub fn validate(file: &Path, json: bool) -> CliResult {
    let name = file.display().to_string();
    let src = read_input(&name)?;
    match parse_set(&src, &name).map(LoadedSet::new) {
        Ok(set) => {
            if json {
                output::json(&serde_json::json!({
                    "valid": true, "id": set.id, "version": set.version, "sha256": set.sha256(),
                    "problems": []
                }))
            } else {
                outln!(
                    "Hợp lệ / valid: {} v{} ({} chỉ số, sha256 {})",
                    set.id,
                    set.version,
                    set.indicators().count(),
                    set.sha256()
                );
                Ok(())
            }
        }
        Err(report) => {
            if json {
                let problems: Vec<_> = report
                    .problems
                    .iter()
                    .map(|p| serde_json::json!({"file": p.file, "line": p.line, "message": p.message}))
                    .collect();
                output::json(&serde_json::json!({"valid": false, "problems": problems}))?;
                return Err(CliError::from(report).reported());
            }
            Err(report.into())
        }
    }
}

pub fn install(data: Option<&Path>, file: &Path, json: bool) -> CliResult {
    let name = file.display().to_string();
    let src = read_input(&name)?;
    let dev = super::open_device(data)?;
    let set = dev.store().install_criteria(&src, &name)?;
    if json {
        output::json(&listing(&set, Source::Installed))
    } else {
        outln!("Đã cài / installed: {} v{}", set.id, set.version);
        Ok(())
    }
}
