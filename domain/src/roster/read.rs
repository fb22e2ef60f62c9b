//! A roster file's table as households and members, every row checked: the header mapped to
//! [`COLUMNS`], each cell read by the [`cells`](super::cells) readers, and every problem of every
//! row collected (no cap) before anything is returned.

use super::cells::{birth_year, schooling, sex, yes_no};
use super::fields::check_birth_year;
use super::file::{read_table, SourceInfo, Table, TableRow};
use super::problem::{FileError, Problem, RowProblem};
use super::{column_key, COLUMNS, IGNORED_COLUMNS};
use crate::model::{Schooling, Sex};
use crate::text;
use std::collections::BTreeMap;

/// A member as read from one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterMember {
    pub line: u64,
    pub name: String,
    pub birth_year: Option<i32>,
    pub sex: Option<Sex>,
    pub relation: Option<String>,
    pub schooling: Option<Schooling>,
    pub literate: Option<bool>,
    pub cdht: Option<bool>,
    pub unable_to_learn: bool,
}

/// A household: rows with the same hamlet (ignoring case and diacritics) and code, members in
/// file order; head, address and phone from its first row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterHousehold {
    /// Its first row.
    pub line: u64,
    pub hamlet: String,
    pub code: String,
    pub head: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// The clan (dòng họ) the household belongs to, by name (the first row that names one).
    pub clan: Option<String>,
    pub members: Vec<RosterMember>,
}

/// A hamlet named in the file (first spelling), where it first appears and on how many rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterHamlet {
    pub name: String,
    pub line: u64,
    pub rows: u64,
}

/// A roster file read: its households and hamlets, and the problems of its rows. An importer
/// adds what it finds (unknown hamlets) and imports only through [`Roster::checked`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub source: SourceInfo,
    /// Data rows read (blank rows not counted).
    pub rows: u64,
    /// The households of the rows without a problem.
    pub households: Vec<RosterHousehold>,
    /// Distinct hamlets in file order (also those named on rows with a problem).
    pub hamlets: Vec<RosterHamlet>,
    /// The hamlet column as headed in the file (for problems about hamlets).
    pub hamlet_column: String,
    /// The problems of its rows, in line order.
    problems: Vec<RowProblem>,
}

impl Roster {
    /// A problem found after reading (an unknown hamlet, a value the store refuses) at `line`.
    pub fn problem(&self, line: u64, about_hamlet: bool, problem: &Problem) -> RowProblem {
        let column = about_hamlet.then_some(self.hamlet_column.as_str());
        RowProblem::new(line, column, problem)
    }

    /// The problems of its rows found while reading.
    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    /// The roster, when neither its rows nor the importer (`more`) found a problem; otherwise
    /// the refusal with every problem, in line order.
    pub fn checked(self, more: Vec<RowProblem>) -> Result<Roster, Refusal> {
        if self.problems.is_empty() && more.is_empty() {
            return Ok(self);
        }
        let mut problems = self.problems;
        problems.extend(more);
        problems.sort_by_key(|p| p.line);
        Err(Refusal::Rows {
            source: self.source,
            problems,
        })
    }
}

/// Why a roster file was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a file this program can read (exit 2; the message says how to save one).
    File(FileError),
    /// Rows with problems, every one, in line order.
    Rows {
        source: SourceInfo,
        problems: Vec<RowProblem>,
    },
}

impl Refusal {
    /// One line for the cadre.
    pub fn message_vi(&self) -> String {
        match self {
            Refusal::File(e) => e.message_vi(),
            Refusal::Rows { problems, .. } => {
                format!("Tệp danh sách có {} lỗi, chưa nhập gì", problems.len())
            }
        }
    }

    /// English, for logs.
    pub fn detail(&self) -> String {
        match self {
            Refusal::File(e) => e.detail(),
            Refusal::Rows { problems, .. } => {
                format!("nothing imported, {} problem(s)", problems.len())
            }
        }
    }
}

/// Read a roster file (CSV in UTF-8, UTF-16 or Windows-1258, any usual separator, or XLSX) and
/// check every row against the field rules, with `current_year` bounding birth years. Refused
/// at once when the file or its header cannot be read; otherwise the roster, with the problems
/// of its rows (see [`Roster::checked`]).
pub fn read(bytes: &[u8], current_year: i32) -> Result<Roster, Refusal> {
    let (table, source) = read_table(bytes).map_err(Refusal::File)?;
    let mut problems = table.problems.clone();
    if table.header.is_empty() {
        return Err(Refusal::Rows { source, problems });
    }
    let Some(columns) = map_header(&table, &mut problems) else {
        problems.sort_by_key(|p| p.line);
        return Err(Refusal::Rows { source, problems });
    };
    let mut reader = Rows {
        columns: &columns,
        current_year,
        problems,
        households: Vec::new(),
        by_key: BTreeMap::new(),
        hamlets: Vec::new(),
        hamlet_keys: BTreeMap::new(),
        rows: 0,
    };
    for row in &table.rows {
        reader.row(row);
    }
    let Rows {
        mut problems,
        households,
        hamlets,
        rows,
        ..
    } = reader;
    problems.sort_by_key(|p| p.line);
    Ok(Roster {
        source,
        rows,
        households,
        hamlets,
        hamlet_column: columns.header("hamlet").to_string(),
        problems,
    })
}

/// The header: which cell holds which column, as headed in the file.
struct Columns {
    /// Canonical (English) name → (index, header as written).
    index: BTreeMap<&'static str, (usize, String)>,
    /// Positions with no header, whose cells must stay empty.
    unnamed: Vec<usize>,
}

impl Columns {
    fn header(&self, column: &str) -> &str {
        self.index.get(column).map_or("", |(_, h)| h.as_str())
    }
}

/// Map the header row; `None` (with the problems) when it cannot be used.
fn map_header(table: &Table, problems: &mut Vec<RowProblem>) -> Option<Columns> {
    let line = table.header_line;
    let before = problems.len();
    let mut columns = Columns {
        index: BTreeMap::new(),
        unnamed: Vec::new(),
    };
    for (i, raw) in table.header.iter().enumerate() {
        let h = text::clean(raw);
        if h.is_empty() {
            columns.unnamed.push(i);
            continue;
        }
        let key = column_key(&h);
        if IGNORED_COLUMNS.contains(&key.as_str()) {
            continue;
        }
        match COLUMNS.iter().find(|(en, vi)| *en == key || *vi == key) {
            Some((en, _)) if columns.index.contains_key(en) => problems.push(RowProblem::new(
                line,
                Some(&h),
                &Problem::DuplicateColumn { header: h.clone() },
            )),
            Some((en, _)) => {
                columns.index.insert(en, (i, h));
            }
            None => problems.push(RowProblem::new(
                line,
                Some(&h),
                &Problem::UnknownColumn { header: h.clone() },
            )),
        }
    }
    for (column, alias) in COLUMNS.iter().take(2) {
        if !columns.index.contains_key(column) {
            problems.push(RowProblem::new(
                line,
                None,
                &Problem::MissingColumn { column, alias },
            ));
        }
    }
    (problems.len() == before).then_some(columns)
}

/// Reading the data rows.
struct Rows<'a> {
    columns: &'a Columns,
    current_year: i32,
    problems: Vec<RowProblem>,
    households: Vec<RosterHousehold>,
    /// (folded hamlet, code) → index in `households`.
    by_key: BTreeMap<(String, String), usize>,
    hamlets: Vec<RosterHamlet>,
    /// Folded hamlet → index in `hamlets`.
    hamlet_keys: BTreeMap<String, usize>,
    rows: u64,
}

/// Member columns: a value in any of them needs a member name.
const MEMBER_COLUMNS: [&str; 7] = [
    "birth_year",
    "sex",
    "relation",
    "schooling",
    "literate",
    "cdht",
    "unable_to_learn",
];

impl Rows<'_> {
    fn row(&mut self, row: &TableRow) {
        self.rows += 1;
        let line = row.line;
        let columns = self.columns;
        let get = |col: &str| -> String {
            columns
                .index
                .get(col)
                .and_then(|(i, _)| row.cells.get(*i))
                .map(|c| text::clean(c))
                .unwrap_or_default()
        };
        let before = self.problems.len();
        let mut bad = |col: Option<&str>, p: Problem| {
            let header = col.map(|c| columns.header(c));
            self.problems.push(RowProblem::new(line, header, &p));
        };
        if let Some(i) = columns
            .unnamed
            .iter()
            .find(|&&i| row.cells.get(i).is_some_and(|c| !c.trim().is_empty()))
        {
            bad(None, Problem::UnnamedColumn { position: i + 1 });
        }
        let (hamlet, code, head) = (get("hamlet"), get("household"), get("head"));
        for (column, value) in [("hamlet", &hamlet), ("household", &code)] {
            if value.is_empty() {
                bad(Some(column), Problem::RequiredCell { column });
            }
        }
        let key = (text::fold(&hamlet), code.clone());
        let known = self.by_key.contains_key(&key);
        if !hamlet.is_empty() && !code.is_empty() && !known && head.is_empty() {
            bad(Some("head"), Problem::MissingHead { code: code.clone() });
        }
        let birth = get("birth_year");
        let birth_year = match birth_year(&birth) {
            Some(y) if check_birth_year(y, self.current_year).is_ok() => y,
            _ => {
                bad(
                    Some("birth_year"),
                    Problem::BirthYear {
                        value: birth,
                        max: self.current_year,
                    },
                );
                None
            }
        };
        let sex_cell = get("sex");
        let sex = sex(&sex_cell).unwrap_or_else(|| {
            bad(Some("sex"), Problem::Sex { value: sex_cell });
            None
        });
        let schooling_cell = get("schooling");
        let schooling = schooling(&schooling_cell).unwrap_or_else(|| {
            bad(
                Some("schooling"),
                Problem::Schooling {
                    value: schooling_cell,
                },
            );
            None
        });
        let mut flags = [None; 3];
        for (slot, col) in flags
            .iter_mut()
            .zip(["literate", "cdht", "unable_to_learn"])
        {
            let value = get(col);
            match yes_no(&value) {
                Some(v) => *slot = v,
                None => bad(Some(col), Problem::YesNo { value }),
            }
        }
        let name = get("member");
        if name.is_empty() && MEMBER_COLUMNS.iter().any(|c| !get(c).is_empty()) {
            bad(Some("member"), Problem::MissingMemberName);
        }
        if hamlet.is_empty() {
            return;
        }
        let at = match self.hamlet_keys.get(&key.0) {
            Some(&at) => at,
            None => {
                self.hamlets.push(RosterHamlet {
                    name: hamlet.clone(),
                    line,
                    rows: 0,
                });
                self.hamlet_keys
                    .insert(key.0.clone(), self.hamlets.len() - 1);
                self.hamlets.len() - 1
            }
        };
        if let Some(h) = self.hamlets.get_mut(at) {
            h.rows += 1;
        }
        if code.is_empty() || (!known && head.is_empty()) {
            return;
        }
        let at = *self.by_key.entry(key).or_insert_with(|| {
            self.households.push(RosterHousehold {
                line,
                hamlet: self
                    .hamlets
                    .get(at)
                    .map_or_else(|| hamlet.clone(), |h| h.name.clone()),
                code,
                head,
                address: Some(get("address")).filter(|s| !s.is_empty()),
                phone: Some(get("phone")).filter(|s| !s.is_empty()),
                clan: None,
                members: Vec::new(),
            });
            self.households.len() - 1
        });
        let clan = get("clan");
        if let Some(h) = self.households.get_mut(at).filter(|h| h.clan.is_none()) {
            h.clan = Some(clan).filter(|c| !c.is_empty());
        }
        if self.problems.len() > before || name.is_empty() {
            return;
        }
        if let Some(h) = self.households.get_mut(at) {
            h.members.push(RosterMember {
                line,
                name,
                birth_year,
                sex,
                relation: Some(get("relation")).filter(|s| !s.is_empty()),
                schooling,
                literate: flags[0],
                cdht: flags[1],
                unable_to_learn: flags[2].unwrap_or(false),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::ProblemCode;

    fn problems(csv: &str) -> Vec<RowProblem> {
        match read(csv.as_bytes(), 2026).and_then(|r| r.checked(Vec::new())) {
            Err(Refusal::Rows { problems, .. }) => problems,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn households_and_members() {
        let r = read(
            "STT;Thôn;Mã hộ;Chủ hộ;Họ tên;Năm sinh;Giới tính;Học vấn;Biết chữ\n\
             1;Thôn Đông;D1;Trần Văn Bình;Trần Văn Bình;1975;nam;đã học xong;có\n\
             2;thon dong;D1;;Lê Thị Cúc;2012;nữ;Đang đi học;x\n\
             3;Thôn Tây;T1;Hoàng Văn Em;;;;;\n"
                .as_bytes(),
            2026,
        )
        .unwrap();
        assert_eq!(r.rows, 3);
        assert_eq!(r.households.len(), 2);
        assert_eq!(r.households[0].members.len(), 2);
        assert_eq!(r.households[0].members[1].line, 3);
        assert_eq!(
            r.households[0].members[1].schooling,
            Some(Schooling::InSchool)
        );
        assert_eq!(r.hamlets.len(), 2);
        assert_eq!(
            (r.hamlets[0].name.as_str(), r.hamlets[0].rows),
            ("Thôn Đông", 2)
        );
        assert_eq!(r.hamlet_column, "Thôn");
    }

    #[test]
    fn every_problem_with_line_and_column() {
        let p = problems(
            "thon,ma_ho,chu_ho,ho_ten,nam_sinh,gioi_tinh\n\
             Thôn Đông,H1,,A,19x0,robot\n\
             ,H2,B,,1980,\n",
        );
        let got: Vec<(u64, Option<&str>, ProblemCode)> = p
            .iter()
            .map(|p| (p.line, p.column.as_deref(), p.code))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, Some("chu_ho"), ProblemCode::MissingHead),
                (2, Some("nam_sinh"), ProblemCode::InvalidBirthYear),
                (2, Some("gioi_tinh"), ProblemCode::InvalidSex),
                (3, Some("thon"), ProblemCode::RequiredCell),
                (3, Some("ho_ten"), ProblemCode::MissingMemberName),
            ]
        );
        assert!(p[1].message.contains("19x0"));
    }

    #[test]
    fn title_rows_above_the_header() {
        let r = read(
            "DANH SÁCH HỘ GIA ĐÌNH, THÔN ĐÔNG\n\nSTT;Thôn;Mã hộ;Chủ hộ;Địa chỉ\n1;Thôn Đông;D1;Lê Văn An;Số 5, ngõ 3\n"
                .as_bytes(),
            2026,
        )
        .unwrap();
        assert_eq!(r.source.delimiter, Some(super::super::Delimiter::Semicolon));
        assert_eq!(r.households[0].line, 4);
        assert_eq!(r.households[0].address.as_deref(), Some("Số 5, ngõ 3"));
    }

    #[test]
    fn header_problems() {
        let p = problems("thon,nam sinh,tuoi,thon\n");
        let codes: Vec<ProblemCode> = p.iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            vec![
                ProblemCode::UnknownColumn,
                ProblemCode::DuplicateColumn,
                ProblemCode::MissingColumn
            ]
        );
        assert!(p.iter().all(|p| p.line == 1));
    }
}
