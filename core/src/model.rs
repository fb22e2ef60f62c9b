//! Shared domain vocabulary: learning-society models, fixed-point points, and the member facts
//! that derived indicators are computed from. Pure data, no I/O.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The five learning-society models (mô hình học tập).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// Gia đình học tập — a household.
    GiaDinh,
    /// Dòng họ học tập — a clan.
    DongHo,
    /// Cộng đồng học tập cấp thôn — a hamlet community.
    CongDong,
    /// Đơn vị học tập — a school, office or enterprise.
    DonVi,
    /// Công dân học tập — an adult person.
    CongDan,
}

impl Model {
    pub const ALL: [Model; 5] = [
        Model::GiaDinh,
        Model::DongHo,
        Model::CongDong,
        Model::DonVi,
        Model::CongDan,
    ];

    /// Stable machine code, as used in files, JSON and the database.
    pub fn code(self) -> &'static str {
        match self {
            Model::GiaDinh => "gia_dinh",
            Model::DongHo => "dong_ho",
            Model::CongDong => "cong_dong",
            Model::DonVi => "don_vi",
            Model::CongDan => "cong_dan",
        }
    }

    /// Parse a machine code.
    pub fn from_code(code: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.code() == code)
    }

    /// Vietnamese display name.
    pub fn title_vi(self) -> &'static str {
        match self {
            Model::GiaDinh => "Gia đình học tập",
            Model::DongHo => "Dòng họ học tập",
            Model::CongDong => "Cộng đồng học tập",
            Model::DonVi => "Đơn vị học tập",
            Model::CongDan => "Công dân học tập",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Points in fixed point: hundredths of a point, so that half points add up exactly and
/// canonical hashes never depend on floating-point formatting. `Points(800)` is 8 points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(pub u32);

impl Points {
    pub const SCALE: u32 = 100;
    pub const ZERO: Points = Points(0);

    /// Whole points.
    pub fn whole(p: u32) -> Points {
        Points(p.saturating_mul(Self::SCALE))
    }

    /// From a JSON/TOML number; `None` if negative, not finite, or finer than 1/100.
    pub fn from_f64(v: f64) -> Option<Points> {
        if !v.is_finite() || v < 0.0 {
            return None;
        }
        let scaled = v * f64::from(Self::SCALE);
        let rounded = scaled.round();
        if (scaled - rounded).abs() > 1e-6 || rounded > f64::from(u32::MAX) {
            return None;
        }
        // Checked above: finite, non-negative, within u32.
        Some(Points(rounded as u32))
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / f64::from(Self::SCALE)
    }

    pub fn hundredths(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / Self::SCALE;
        let frac = self.0 % Self::SCALE;
        if frac == 0 {
            write!(f, "{whole}")
        } else if frac % 10 == 0 {
            write!(f, "{whole}.{}", frac / 10)
        } else {
            write!(f, "{whole}.{frac:02}")
        }
    }
}

impl Serialize for Points {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % Self::SCALE == 0 {
            s.serialize_u32(self.0 / Self::SCALE)
        } else {
            s.serialize_f64(self.as_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        Points::from_f64(v).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "điểm không hợp lệ / invalid points: {v} (must be ≥ 0, at most 2 decimals)"
            ))
        })
    }
}

/// Sex of a member, as recorded on the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Other,
}

/// Schooling situation of a member in the assessment year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schooling {
    /// Not yet of school age.
    Preschool,
    /// Attending school (đang đi học).
    InSchool,
    /// Of school age but not attending (bỏ học / không đi học).
    OutOfSchool,
    /// Finished schooling.
    Finished,
    /// Never attended.
    Never,
}

impl Schooling {
    pub fn code(self) -> &'static str {
        match self {
            Schooling::Preschool => "preschool",
            Schooling::InSchool => "in_school",
            Schooling::OutOfSchool => "out_of_school",
            Schooling::Finished => "finished",
            Schooling::Never => "never",
        }
    }
    pub fn from_code(code: &str) -> Option<Schooling> {
        [
            Schooling::Preschool,
            Schooling::InSchool,
            Schooling::OutOfSchool,
            Schooling::Finished,
            Schooling::Never,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// What the criteria engine may know about one household member. Every field is optional:
/// a derived indicator whose input is unknown for a counted member is reported as incomplete,
/// never guessed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schooling: Option<Schooling>,
    /// Meets the literacy standard (chuẩn biết chữ bậc 1 or higher).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literate: Option<bool>,
    /// Recognised as Công dân học tập.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdht: Option<bool>,
    /// Excluded from learning-related counts (ốm đau, bệnh tật, không có khả năng học tập).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unable_to_learn: bool,
}
