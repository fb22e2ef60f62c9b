//! Roster CSV as the device reads it (`core/src/store/roster.rs`): the same columns and
//! aliases, one row per member, checked as a whole before anything is written.

use hoctap_core::clock;
use hoctap_core::model::{Schooling, Sex};
use hoctap_core::sync::protocol::MemberRecord;
use hoctap_core::text;
use std::collections::BTreeMap;

const COLUMNS: &[(&str, &str)] = &[
    ("hamlet", "thon"),
    ("household", "ma_ho"),
    ("head", "chu_ho"),
    ("address", "dia_chi"),
    ("phone", "dien_thoai"),
    ("member", "ho_ten"),
    ("birth_year", "nam_sinh"),
    ("sex", "gioi_tinh"),
    ("relation", "quan_he"),
    ("schooling", "hoc_van"),
    ("literate", "biet_chu"),
    ("cdht", "cdht"),
    ("unable_to_learn", "khong_kha_nang_hoc"),
];

/// A household read from the file (members in file order).
#[derive(Debug, Clone)]
pub struct RosterHousehold {
    pub hamlet: String,
    pub code: String,
    pub head: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub members: Vec<MemberRecord>,
}

/// A bad row: its 1-based line and what is wrong.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RowProblem {
    pub line: u64,
    pub message: String,
}

fn yes_no(v: &str) -> Option<Option<bool>> {
    match text::fold(v).as_str() {
        "" => Some(None),
        "co" | "yes" | "1" | "true" | "x" => Some(Some(true)),
        "khong" | "no" | "0" | "false" => Some(Some(false)),
        _ => None,
    }
}

fn sex(v: &str) -> Option<Option<Sex>> {
    match text::fold(v).as_str() {
        "" => Some(None),
        "nam" | "male" | "m" => Some(Some(Sex::Male)),
        "nu" | "female" | "f" => Some(Some(Sex::Female)),
        "khac" | "other" => Some(Some(Sex::Other)),
        _ => None,
    }
}

fn schooling(v: &str) -> Option<Option<Schooling>> {
    let f = text::fold(v);
    if f.is_empty() {
        return Some(None);
    }
    if let Some(s) = Schooling::from_code(&f) {
        return Some(Some(s));
    }
    match f.as_str() {
        "mam non" | "chua den tuoi di hoc" => Some(Some(Schooling::Preschool)),
        "dang hoc" | "dang di hoc" => Some(Some(Schooling::InSchool)),
        "bo hoc" | "khong di hoc" => Some(Some(Schooling::OutOfSchool)),
        "da hoc xong" | "tot nghiep" => Some(Some(Schooling::Finished)),
        "chua di hoc" | "chua tung di hoc" => Some(Some(Schooling::Never)),
        _ => None,
    }
}

/// Parse a roster file; every problem (at most 50) or the households in file order.
pub fn parse(csv_text: &str) -> Result<Vec<RosterHousehold>, Vec<RowProblem>> {
    let body = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body.as_bytes());
    let mut problems = Vec::new();
    let headers = reader.headers().map_err(|e| {
        vec![RowProblem {
            line: 1,
            message: format!("Dòng tiêu đề không đọc được: {e} / unreadable header"),
        }]
    })?;
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        let f = text::fold(h).replace(' ', "_");
        match COLUMNS.iter().find(|(en, vi)| *en == f || *vi == f) {
            Some((en, _)) => {
                index.insert(en, i);
            }
            None => problems.push(RowProblem {
                line: 1,
                message: format!("Cột không biết: \"{h}\" / unknown column"),
            }),
        }
    }
    for required in ["hamlet", "household"] {
        if !index.contains_key(required) {
            problems.push(RowProblem {
                line: 1,
                message: format!("Thiếu cột {required} / missing column {required}"),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out: Vec<RosterHousehold> = Vec::new();
    let mut by_key: BTreeMap<(String, String), usize> = BTreeMap::new();
    for record in reader.records() {
        if problems.len() >= 50 {
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(RowProblem {
                    line: e.position().map_or(0, |p| p.line()),
                    message: format!("Dòng không đọc được: {e} / unreadable row"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |col: &str| -> String {
            index
                .get(col)
                .and_then(|&i| record.get(i))
                .map(text::clean)
                .unwrap_or_default()
        };
        let mut bad = |message: String| problems.push(RowProblem { line, message });
        let (hamlet, code) = (get("hamlet"), get("household"));
        if hamlet.is_empty() || code.is_empty() {
            bad("Thiếu tên thôn hoặc mã hộ / hamlet and household code are required".into());
            continue;
        }
        let key = (text::fold(&hamlet), code.clone());
        let head = get("head");
        if !by_key.contains_key(&key) && head.is_empty() {
            bad(format!(
                "Hộ {code}: dòng đầu tiên phải có tên chủ hộ / first row of a household needs its head"
            ));
            continue;
        }
        let birth_year = match get("birth_year") {
            s if s.is_empty() => None,
            s => match s.parse::<i32>() {
                Ok(y) if (1900..=clock::current_year()).contains(&y) => Some(y),
                _ => {
                    bad(format!(
                        "Năm sinh không hợp lệ: \"{s}\" / invalid birth year"
                    ));
                    continue;
                }
            },
        };
        let Some(sex) = sex(&get("sex")) else {
            bad(format!(
                "Giới tính không hợp lệ: \"{}\" (nam, nữ, khác) / invalid sex",
                get("sex")
            ));
            continue;
        };
        let Some(schooling) = schooling(&get("schooling")) else {
            bad(format!(
                "Học vấn không hợp lệ: \"{}\" / invalid schooling",
                get("schooling")
            ));
            continue;
        };
        let mut flags = [None, None, None];
        let mut flag_error = false;
        for (slot, col) in flags
            .iter_mut()
            .zip(["literate", "cdht", "unable_to_learn"])
        {
            match yes_no(&get(col)) {
                Some(v) => *slot = v,
                None => {
                    bad(format!(
                        "Cột {col}: \"{}\" phải là có/không / must be yes or no",
                        get(col)
                    ));
                    flag_error = true;
                }
            }
        }
        if flag_error {
            continue;
        }
        let at = *by_key.entry(key).or_insert_with(|| {
            out.push(RosterHousehold {
                hamlet: hamlet.clone(),
                code: code.clone(),
                head: head.clone(),
                address: Some(get("address")).filter(|s| !s.is_empty()),
                phone: Some(get("phone")).filter(|s| !s.is_empty()),
                members: Vec::new(),
            });
            out.len() - 1
        });
        let name = get("member");
        if !name.is_empty() {
            out[at].members.push(MemberRecord {
                id: clock::new_id(),
                name,
                birth_year,
                sex,
                relation: Some(get("relation")).filter(|s| !s.is_empty()),
                schooling,
                literate: flags[0],
                cdht: flags[1],
                cdht_group: None,
                unable_to_learn: flags[2].unwrap_or(false),
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}
