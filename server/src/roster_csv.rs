//! Roster CSV as the device reads it (`store/src/roster.rs`, rules in `hoctap_domain::roster`): the same columns and
//! aliases, one row per member, checked as a whole before anything is written.

use crate::clock;
use hoctap_domain::protocol::MemberRecord;
pub use hoctap_domain::roster::RowProblem;
use hoctap_domain::roster::{schooling, sex, yes_no, COLUMNS};
use hoctap_domain::text;
use std::collections::BTreeMap;

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
