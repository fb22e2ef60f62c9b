//! Rules for roster data, shared by every door it comes in through (typed on a phone, the CLI,
//! a roster file imported on the device or on the server, a pulled page): the import columns,
//! how a file and its cells are read, and what a household or member field may hold.
//!
//! A roster file ([`read`]: bytes in, households out, or every problem) is one row per member; a
//! row with an empty member column only declares a household. It may be CSV (UTF-8 with or
//! without BOM, UTF-16 with BOM, or Windows-1258 converted to UTF-8; comma, semicolon or tab,
//! sniffed from the header line or Excel's `sep=` line) or the first sheet of an XLSX workbook.
//! Header names, in any order, in English or Vietnamese with or without diacritics (`Năm sinh`,
//! `nam_sinh`):
//!
//! | column | alias | required | meaning |
//! |---|---|---|---|
//! | `hamlet` | `thon` | yes | hamlet name (must exist, or be created on request) |
//! | `household` | `ma_ho` | yes | the household's code on the roster; rows with the same hamlet and code are one household |
//! | `head` | `chu_ho` | on a household's first row | head of household |
//! | `address` | `dia_chi` | no | |
//! | `phone` | `dien_thoai` | no | |
//! | `member` | `ho_ten` | with any member column | member's full name |
//! | `birth_year` | `nam_sinh` | no | e.g. 1980 |
//! | `sex` | `gioi_tinh` | no | [`SEX_HINT`] |
//! | `relation` | `quan_he` | no | to the head: chủ hộ, vợ, con, … |
//! | `schooling` | `hoc_van` | no | [`SCHOOLING_HINT`] |
//! | `literate` | `biet_chu` | no | [`YES_NO_HINT`] |
//! | `cdht` | | no | recognised Công dân học tập, yes/no |
//! | `unable_to_learn` | `khong_kha_nang_hoc` | no | yes/no |
//!
//! Row-number and note columns ([`IGNORED_COLUMNS`]: `STT`, `Ghi chú`) are read past, and so
//! are title rows above the header (the header is the first row naming both required columns).

mod cells;
mod fields;
mod file;
mod problem;
mod read;

pub use cells::{birth_year, schooling, sex, yes_no, SCHOOLING_HINT, SEX_HINT, YES_NO_HINT};
pub use fields::{
    check_birth_year, optional_text, required_name, Field, FieldError, BIRTH_YEAR_MIN,
};
pub use file::{Delimiter, FileFormat, SourceInfo, TextEncoding};
pub use problem::{
    problem_lines, FileError, FileErrorCode, Problem, ProblemCode, RowProblem, HOW_TO_SAVE,
    SHOWN_PROBLEMS,
};
pub use read::{read, Refusal, Roster, RosterHamlet, RosterHousehold, RosterMember};

/// The roster columns: (English header, Vietnamese alias without diacritics). The device's and
/// the server's importers read the same files through this list; the first two are required.
pub const COLUMNS: &[(&str, &str)] = &[
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
    ("clan", "dong_ho"),
];

/// Columns a commune's spreadsheet often has that the import reads past (folded, `_` for
/// spaces): row numbers (STT) and notes.
pub const IGNORED_COLUMNS: &[&str] = &["stt", "tt", "so_tt", "so_thu_tu", "ghi_chu"];

/// A header cell as compared with [`COLUMNS`]: folded, spaces and hyphens as `_`.
fn column_key(header: &str) -> String {
    crate::text::fold(header).replace([' ', '-'], "_")
}

/// Whether a row is a header: it names both required columns.
fn is_header(cells: &[String]) -> bool {
    let keys: Vec<String> = cells.iter().map(|c| column_key(c)).collect();
    COLUMNS
        .iter()
        .take(2)
        .all(|(en, vi)| keys.iter().any(|k| k == en || k == vi))
}

/// The accepted column names, for messages: `thon (hamlet), ma_ho (household), …`.
fn column_list() -> String {
    COLUMNS
        .iter()
        .map(|(en, vi)| {
            if en == vi {
                (*en).to_string()
            } else {
                format!("{vi} ({en})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
