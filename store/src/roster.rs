//! Roster import from CSV: households and their members, all or nothing.
//!
//! One row per member (a row with an empty `member` column only declares a household). Header
//! names, in any order (Vietnamese names without diacritics are accepted as aliases):
//!
//! | column | alias | required | meaning |
//! |---|---|---|---|
//! | `hamlet` | `thon` | yes | hamlet name (must exist: `hoctap hamlet add`) |
//! | `household` | `ma_ho` | yes | the household's code on the roster; rows with the same code are one household |
//! | `head` | `chu_ho` | on a household's first row | head of household |
//! | `address` | `dia_chi` | no | |
//! | `phone` | `dien_thoai` | no | |
//! | `member` | `ho_ten` | no | member's full name |
//! | `birth_year` | `nam_sinh` | no | e.g. 1980 |
//! | `sex` | `gioi_tinh` | no | `nam`/`male`, `nữ`/`nu`/`female`, `khác`/`other` |
//! | `relation` | `quan_he` | no | to the head: chủ hộ, vợ, con, … |
//! | `schooling` | `hoc_van` | no | `preschool`, `in_school`, `out_of_school`, `finished`, `never` (or mầm non, đang học, bỏ học, đã học xong, chưa đi học) |
//! | `literate` | `biet_chu` | no | `có`/`co`/`yes`/`1` or `không`/`khong`/`no`/`0` |
//! | `cdht` | | no | recognised Công dân học tập, same yes/no forms |
//! | `unable_to_learn` | `khong_kha_nang_hoc` | no | same yes/no forms |
//!
//! Every row is checked before anything is written; any bad row fails the whole file with its
//! line number. A household whose code already exists in its hamlet is skipped (re-importing
//! the same roster is harmless).

use crate::households::{insert_household, insert_member, NewHousehold, NewMember};
use crate::{units, Db, Result, Store};
pub use hoctap_domain::roster::RowProblem;
use hoctap_domain::roster::{schooling, sex, yes_no, BIRTH_YEAR_MIN, COLUMNS};
use hoctap_domain::text;
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::collections::BTreeMap;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub households_added: u64,
    pub members_added: u64,
    pub households_skipped: u64,
    pub rows: u64,
}

struct ParsedRow {
    line: u64,
    hamlet: String,
    code: String,
    household: NewHousehold,
    member: Option<NewMember>,
}

/// Parse and check every row; return all problems (at most 50) or the rows.
fn parse(db: &Db<'_>, csv_text: &str) -> std::result::Result<Vec<ParsedRow>, Vec<RowProblem>> {
    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![RowProblem {
                line: 1,
                message: format!("Dòng tiêu đề không đọc được: {e} / unreadable header"),
            }])
        }
    };
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
    let current_year = db.clock().current_year();
    let mut rows = Vec::new();
    let mut heads: BTreeMap<(String, String), bool> = BTreeMap::new();
    let mut hamlet_ids: BTreeMap<String, std::result::Result<String, String>> = BTreeMap::new();
    for record in reader.records() {
        if problems.len() >= 50 {
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(RowProblem {
                    line,
                    message: format!("Dòng không đọc được: {e} / unreadable row"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |col: &str| -> String {
            index
                .get(col)
                .and_then(|&i| record.get(i))
                .map(text::clean)
                .unwrap_or_default()
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut bad = |message: String| problems.push(RowProblem { line, message });
        let hamlet_name = get("hamlet");
        let code = get("household");
        if hamlet_name.is_empty() || code.is_empty() {
            bad("Thiếu tên thôn hoặc mã hộ / hamlet and household code are required".into());
            continue;
        }
        let hamlet_id = hamlet_ids
            .entry(hamlet_name.clone())
            .or_insert_with(|| match units::find_by_name(db, &hamlet_name) {
                Ok(Some(h)) => Ok(h.id),
                Ok(None) => Err(format!(
                    "Thôn \"{hamlet_name}\" chưa có; thêm bằng `hoctap hamlet add` / unknown hamlet"
                )),
                Err(e) => Err(e.message_vi()),
            })
            .clone();
        let hamlet_id = match hamlet_id {
            Ok(id) => id,
            Err(m) => {
                bad(m);
                continue;
            }
        };
        let head = get("head");
        let key = (hamlet_id.clone(), code.clone());
        let seen = heads.get(&key).copied();
        if seen.is_none() && head.is_empty() {
            bad(format!(
                "Hộ {code}: dòng đầu tiên phải có tên chủ hộ / first row of a household needs its head"
            ));
            continue;
        }
        heads.insert(key, true);
        let birth_year = match get("birth_year") {
            s if s.is_empty() => None,
            s => match s.parse::<i32>() {
                Ok(y) if (BIRTH_YEAR_MIN..=current_year).contains(&y) => Some(y),
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
        let mut flags = [None, None, Some(false)];
        let mut flag_error = false;
        for (slot, col) in flags
            .iter_mut()
            .zip(["literate", "cdht", "unable_to_learn"])
        {
            match yes_no(&get(col)) {
                Some(Some(v)) => *slot = Some(v),
                Some(None) => {}
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
        let member_name = get("member");
        let member = (!member_name.is_empty()).then(|| NewMember {
            name: member_name,
            birth_year,
            sex,
            relation: Some(get("relation")).filter(|s| !s.is_empty()),
            schooling,
            literate: flags[0],
            cdht: flags[1],
            cdht_group: None,
            unable_to_learn: flags[2].unwrap_or(false),
        });
        rows.push(ParsedRow {
            line,
            hamlet: hamlet_id.clone(),
            code: code.clone(),
            household: NewHousehold {
                hamlet_id,
                head,
                address: Some(get("address")).filter(|s| !s.is_empty()),
                phone: Some(get("phone")).filter(|s| !s.is_empty()),
                roster_code: Some(code),
                legacy_code: None,
            },
            member,
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Import a roster CSV (see the module docs for its columns) as part of `db`'s transaction.
/// On any bad row nothing is written and every problem found is returned.
pub fn import(
    db: &Db<'_>,
    csv_text: &str,
) -> Result<std::result::Result<ImportReport, Vec<RowProblem>>> {
    let rows = match parse(db, csv_text) {
        Ok(rows) => rows,
        Err(problems) => return Ok(Err(problems)),
    };
    let mut report = ImportReport::default();
    let mut ids: BTreeMap<(String, String), Option<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for row in &rows {
        report.rows += 1;
        let key = (row.hamlet.clone(), row.code.clone());
        let household_id = match ids.get(&key) {
            Some(id) => id.clone(),
            None => {
                let existing: Option<String> = db
                    .conn()
                    .prepare_cached(
                        "SELECT id FROM household WHERE hamlet_id = ?1 AND roster_code = ?2",
                    )?
                    .query_row([&row.hamlet, &row.code], |r| r.get(0))
                    .optional()?;
                let id = if existing.is_some() {
                    report.households_skipped += 1;
                    None
                } else {
                    match insert_household(db, &row.household) {
                        Ok(id) => {
                            report.households_added += 1;
                            Some(id)
                        }
                        Err(e) if e.is_user_error() => {
                            problems.push(RowProblem {
                                line: row.line,
                                message: e.message_vi(),
                            });
                            None
                        }
                        Err(e) => return Err(e),
                    }
                };
                ids.insert(key, id.clone());
                id
            }
        };
        if let (Some(hid), Some(member)) = (household_id, &row.member) {
            match insert_member(db, &hid, member) {
                Ok(_) => report.members_added += 1,
                Err(e) if e.is_user_error() => problems.push(RowProblem {
                    line: row.line,
                    message: e.message_vi(),
                }),
                Err(e) => return Err(e),
            }
        }
    }
    if problems.is_empty() {
        Ok(Ok(report))
    } else {
        Ok(Err(problems))
    }
}

impl Store {
    /// Import a roster CSV (see the module docs for its columns) in one transaction.
    /// On any bad row nothing is written and every problem found is returned.
    pub fn import_roster(
        &self,
        csv_text: &str,
    ) -> Result<std::result::Result<ImportReport, Vec<RowProblem>>> {
        self.write_checked(|db| import(db, csv_text))
    }
}
