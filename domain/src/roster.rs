//! Rules for roster data, shared by every door it comes in through (typed on a phone, the CLI,
//! a CSV import on the device or on the server, a pulled page): the import columns, how a cell is
//! read, and what a household or member field may hold.

use crate::model::{Schooling, Sex};
use crate::text;

/// The roster columns: (English header, Vietnamese alias without diacritics). The device's and
/// the server's importers read the same files through this list.
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
];

/// A bad row of an import: its 1-based line in the file and what is wrong (Vietnamese).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowProblem {
    pub line: u64,
    pub message: String,
}

/// Earliest birth year accepted.
pub const BIRTH_YEAR_MIN: i32 = 1900;

/// A yes/no cell: `Some(None)` when empty, `None` when unreadable.
pub fn yes_no(v: &str) -> Option<Option<bool>> {
    match text::fold(v).as_str() {
        "" => Some(None),
        "co" | "yes" | "1" | "true" | "x" => Some(Some(true)),
        "khong" | "no" | "0" | "false" => Some(Some(false)),
        _ => None,
    }
}

/// A sex cell (nam/nữ/khác or English): `Some(None)` when empty, `None` when unreadable.
pub fn sex(v: &str) -> Option<Option<Sex>> {
    match text::fold(v).as_str() {
        "" => Some(None),
        "nam" | "male" | "m" => Some(Some(Sex::Male)),
        "nu" | "female" | "f" => Some(Some(Sex::Female)),
        "khac" | "other" => Some(Some(Sex::Other)),
        _ => None,
    }
}

/// A schooling cell (code or Vietnamese words): `Some(None)` when empty, `None` when unreadable.
pub fn schooling(v: &str) -> Option<Option<Schooling>> {
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

/// What a roster field may not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("{0} is empty")]
    Empty(Field),
    #[error("birth year {year} outside {BIRTH_YEAR_MIN}–{max}")]
    BirthYear { year: i32, max: i32 },
}

/// A named roster field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    HouseholdHead,
    MemberName,
    HamletName,
    ClanName,
    UnitName,
    ProvinceCode,
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Field::HouseholdHead => "head of household",
            Field::MemberName => "member name",
            Field::HamletName => "hamlet name",
            Field::ClanName => "clan name",
            Field::UnitName => "unit name",
            Field::ProvinceCode => "province code",
        })
    }
}

impl Field {
    fn vi(self) -> &'static str {
        match self {
            Field::HouseholdHead => "Tên chủ hộ",
            Field::MemberName => "Tên thành viên",
            Field::HamletName => "Tên thôn",
            Field::ClanName => "Tên dòng họ",
            Field::UnitName => "Tên đơn vị",
            Field::ProvinceCode => "Mã tỉnh",
        }
    }
}

impl FieldError {
    /// What the cadre reads.
    pub fn message_vi(&self) -> String {
        match self {
            FieldError::Empty(f) => format!("{} không được để trống", f.vi()),
            FieldError::BirthYear { year, max } => {
                format!("Năm sinh {year} không hợp lệ ({BIRTH_YEAR_MIN}–{max})")
            }
        }
    }
}

/// A name or label as stored (NFC, trimmed, spaces collapsed), refused when empty.
pub fn required_name(field: Field, value: &str) -> Result<String, FieldError> {
    let v = text::clean(value);
    if v.is_empty() {
        Err(FieldError::Empty(field))
    } else {
        Ok(v)
    }
}

/// An optional text as stored: cleaned, and `None` when empty.
pub fn optional_text(value: Option<&str>) -> Option<String> {
    value.map(text::clean).filter(|s| !s.is_empty())
}

/// A birth year between [`BIRTH_YEAR_MIN`] and `current_year`.
pub fn check_birth_year(year: Option<i32>, current_year: i32) -> Result<(), FieldError> {
    match year {
        Some(y) if !(BIRTH_YEAR_MIN..=current_year).contains(&y) => Err(FieldError::BirthYear {
            year: y,
            max: current_year,
        }),
        _ => Ok(()),
    }
}
