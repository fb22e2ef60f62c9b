//! What a household or member field may hold, whichever door it comes in through (typed on a
//! phone, the CLI, a roster file, a pulled page).

use crate::text;

/// Earliest birth year accepted.
pub const BIRTH_YEAR_MIN: i32 = 1900;

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
