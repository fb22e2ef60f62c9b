//! Shared domain vocabulary: learning-society models, fixed-point points, and the member facts
//! that derived indicators are computed from. Pure data, no I/O.

use serde::{Deserialize, Serialize};
use std::fmt;

crate::coded_enum! {
    /// The five learning-society models (mô hình học tập).
    pub enum Model("model") {
        /// Gia đình học tập — a household.
        GiaDinh = "gia_dinh",
        /// Dòng họ học tập — a clan.
        DongHo = "dong_ho",
        /// Cộng đồng học tập cấp thôn — a hamlet community.
        CongDong = "cong_dong",
        /// Đơn vị học tập — a school, office or enterprise.
        DonVi = "don_vi",
        /// Công dân học tập — an adult person.
        CongDan = "cong_dan",
    }
}

impl Model {
    /// Vietnamese display name.
    pub fn title_vi(self) -> &'static str {
        crate::labels::model_title(self)
    }

    /// The kind of subject this model assesses.
    pub fn subject_kind(self) -> SubjectKind {
        SubjectKind::for_model(self)
    }
}

crate::coded_enum! {
    /// What an assessment or registration is about.
    pub enum SubjectKind("subject kind") {
        Household = "household",
        Clan = "clan",
        Hamlet = "hamlet",
        Unit = "unit",
        Member = "member",
    }
}

impl SubjectKind {
    /// The subject a model assesses.
    pub fn for_model(model: Model) -> SubjectKind {
        match model {
            Model::GiaDinh => SubjectKind::Household,
            Model::DongHo => SubjectKind::Clan,
            Model::CongDong => SubjectKind::Hamlet,
            Model::DonVi => SubjectKind::Unit,
            Model::CongDan => SubjectKind::Member,
        }
    }
}

/// A subject: its kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: String,
}

impl Subject {
    pub fn new(kind: SubjectKind, id: impl Into<String>) -> Subject {
        Subject {
            kind,
            id: id.into(),
        }
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
        } else if frac.is_multiple_of(10) {
            write!(f, "{whole}.{}", frac / 10)
        } else {
            write!(f, "{whole}.{frac:02}")
        }
    }
}

impl Serialize for Points {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(Self::SCALE) {
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

crate::coded_enum! {
    /// Sex of a member, as recorded on the roster.
    pub enum Sex("sex") {
        Male = "male",
        Female = "female",
        Other = "other",
    }
}

crate::coded_enum! {
    /// Schooling situation of a member in the assessment year.
    pub enum Schooling("schooling") {
        /// Not yet of school age.
        Preschool = "preschool",
        /// Attending school (đang đi học).
        InSchool = "in_school",
        /// Of school age but not attending (bỏ học / không đi học).
        OutOfSchool = "out_of_school",
        /// Finished schooling.
        Finished = "finished",
        /// Never attended.
        Never = "never",
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
