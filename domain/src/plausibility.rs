//! Evidence plausibility: does a photo's capture time and position fit the assessment it is
//! attached to? A photo taken outside the assessment year, long before it was attached, after it
//! was attached (a wrong camera clock), with no capture time, or far from the place assessed is
//! **flagged** — on the assessment for the cadre, and to the reviewer on the server. A flag never
//! refuses a photo or an assessment: it is a hint for a person to look at, computed by the same
//! rule ([`check`]) on the device and on the server.
//!
//! Inputs are the photo's facts as the device stores them (capture time from EXIF, RFC 3339 when
//! the camera recorded its UTC offset or a naive local time when it did not; GPS position), the
//! assessment year, when the photo was attached, and where the subject is (a hamlet's or a
//! commune's [`Place`], set by the commune admin on the server — data, never guessed).
//!
//! What is *not* flagged: a photo without GPS. Many phones and apps strip the position (Zalo
//! and other messengers, the camera's location setting turned off, photos picked from a
//! gallery), so its absence says nothing about the photo; a position that is present and far
//! away does. A photo without a capture time is flagged (`no_capture_time`) because then none of
//! the time checks can be made; it is the mildest flag.
//!
//! Thresholds are data ([`Rules`]); the defaults are this project's choice, not an official
//! value (no official text sets them).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};

/// Mean Earth radius in kilometres (IUGG), for [`distance_km`].
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Largest radius a place may have, in kilometres: a sanity bound (the largest communes after
/// the 2025 merger are far smaller), so a typo such as `radius 3000` is refused.
pub const MAX_RADIUS_KM: f64 = 100.0;

/// A point on Earth in decimal degrees (WGS 84; south and west negative).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

// Bitwise equality: an equivalence relation (so `Eq` holds), exact for values that went through
// JSON unchanged, which is all the wire types need.
impl PartialEq for GeoPoint {
    fn eq(&self, other: &Self) -> bool {
        self.lat.to_bits() == other.lat.to_bits() && self.lon.to_bits() == other.lon.to_bits()
    }
}
impl Eq for GeoPoint {}

/// Where a hamlet or a commune is: a centre and a radius in kilometres. Set by the commune admin
/// on the server (`hoctap-server admin hamlet add|set --lat --lon --radius-km`) and sent to the
/// devices with the hamlet.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Place {
    pub lat: f64,
    pub lon: f64,
    pub radius_km: f64,
}

impl PartialEq for Place {
    fn eq(&self, other: &Self) -> bool {
        self.lat.to_bits() == other.lat.to_bits()
            && self.lon.to_bits() == other.lon.to_bits()
            && self.radius_km.to_bits() == other.radius_km.to_bits()
    }
}
impl Eq for Place {}

/// Why a place was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlaceError {
    #[error("latitude {0} is not within -90..=90")]
    Latitude(f64),
    #[error("longitude {0} is not within -180..=180")]
    Longitude(f64),
    #[error("radius {0} km is not within (0, {MAX_RADIUS_KM}]")]
    Radius(f64),
    #[error("a place needs latitude, longitude and radius together")]
    Incomplete,
}

impl PlaceError {
    /// What the admin reads, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            PlaceError::Latitude(v) => format!("Vĩ độ {v} không hợp lệ (từ -90 đến 90)"),
            PlaceError::Longitude(v) => format!("Kinh độ {v} không hợp lệ (từ -180 đến 180)"),
            PlaceError::Radius(v) => {
                format!("Bán kính {v} km không hợp lệ (lớn hơn 0, tối đa {MAX_RADIUS_KM} km)")
            }
            PlaceError::Incomplete => "Cần nhập đủ vĩ độ, kinh độ và bán kính".into(),
        }
    }
}

impl Place {
    /// A checked place: latitude −90..=90, longitude −180..=180, radius in (0, [`MAX_RADIUS_KM`]].
    pub fn new(lat: f64, lon: f64, radius_km: f64) -> Result<Place, PlaceError> {
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            return Err(PlaceError::Latitude(lat));
        }
        if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
            return Err(PlaceError::Longitude(lon));
        }
        if !(radius_km.is_finite() && radius_km > 0.0 && radius_km <= MAX_RADIUS_KM) {
            return Err(PlaceError::Radius(radius_km));
        }
        Ok(Place {
            lat,
            lon,
            radius_km,
        })
    }

    /// A place from three optional stored columns: `Ok(None)` when all are absent, an error when
    /// only some are present or a value is out of range.
    pub fn from_parts(
        lat: Option<f64>,
        lon: Option<f64>,
        radius_km: Option<f64>,
    ) -> Result<Option<Place>, PlaceError> {
        match (lat, lon, radius_km) {
            (None, None, None) => Ok(None),
            (Some(lat), Some(lon), Some(r)) => Place::new(lat, lon, r).map(Some),
            _ => Err(PlaceError::Incomplete),
        }
    }

    /// Whether the values are in range (what [`Place::new`] checks), for places read from the
    /// wire or a database.
    pub fn is_valid(&self) -> bool {
        Place::new(self.lat, self.lon, self.radius_km).is_ok()
    }

    /// The centre.
    pub fn centre(&self) -> GeoPoint {
        GeoPoint {
            lat: self.lat,
            lon: self.lon,
        }
    }
}

crate::coded_enum! {
    /// Which place a distance is measured from.
    pub enum PlaceLevel("place level") {
        /// The hamlet (thôn, tổ dân phố) of the subject.
        Hamlet = "hamlet",
        /// The commune, when the hamlet has no place.
        Commune = "commune",
    }
}

impl PlaceLevel {
    /// Vietnamese noun ("thôn", "xã").
    pub fn label_vi(self) -> &'static str {
        match self {
            PlaceLevel::Hamlet => "thôn",
            PlaceLevel::Commune => "xã",
        }
    }
}

/// Thresholds of the rule: data, with defaults that are **this project's choice, not an
/// official value**. Missing fields of a serialized `Rules` take the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// A photo taken more than this many days before it was attached is flagged
    /// (default 365: one assessment cycle).
    pub max_age_days: u32,
    /// A capture time later than the attachment by more than this is flagged as a wrong clock
    /// (default 60 minutes: clocks drift, and naive capture times are read at the device's
    /// offset).
    pub clock_tolerance_minutes: u32,
    /// Added to a place's radius before a photo counts as far (default 0.5 km: phone GPS indoors
    /// and households at the edge of a hamlet).
    pub margin_km: f64,
}

impl Rules {
    /// The project's defaults (see the fields).
    pub const PROJECT_DEFAULT: Rules = Rules {
        max_age_days: 365,
        clock_tolerance_minutes: 60,
        margin_km: 0.5,
    };
}

impl Default for Rules {
    fn default() -> Self {
        Rules::PROJECT_DEFAULT
    }
}

/// What is known of one photo.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PhotoInput<'a> {
    /// Capture time as stored: RFC 3339 with offset, or naive local time
    /// (`2008-10-22T16:28:39`).
    pub taken_at: Option<&'a str>,
    pub gps: Option<GeoPoint>,
    /// When the photo was attached, RFC 3339 (with the device's offset, or UTC).
    pub attached_at: Option<&'a str>,
}

/// What the photo is checked against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Context {
    /// The assessment year.
    pub year: i32,
    /// Where the subject is, if the server set it.
    pub place: Option<(PlaceLevel, Place)>,
}

crate::coded_enum! {
    /// Kinds of [`Flag`] (stable codes for JSON and the bindings).
    pub enum FlagKind("evidence flag") {
        /// Captured in another year than the assessment's.
        TakenOutsideYear = "taken_outside_year",
        /// Captured more than `max_age_days` before it was attached.
        TakenLongBefore = "taken_long_before",
        /// The capture time is after the attachment: the camera's clock is wrong.
        TakenAfterAttach = "taken_after_attach",
        /// No (readable) capture time: the time checks cannot be made.
        NoCaptureTime = "no_capture_time",
        /// GPS position farther from the place than its radius (plus the margin).
        FarFromPlace = "far_from_place",
    }
}

/// One reason to look twice at a photo, with its numbers. Never a refusal.
#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    TakenOutsideYear {
        taken_year: i32,
        year: i32,
    },
    TakenLongBefore {
        age_days: i64,
        max_age_days: u32,
    },
    TakenAfterAttach {
        ahead_minutes: i64,
    },
    NoCaptureTime,
    FarFromPlace {
        level: PlaceLevel,
        /// Great-circle distance from the place's centre, km.
        distance_km: f64,
        radius_km: f64,
    },
}

impl Flag {
    /// Its kind.
    pub fn kind(&self) -> FlagKind {
        match self {
            Flag::TakenOutsideYear { .. } => FlagKind::TakenOutsideYear,
            Flag::TakenLongBefore { .. } => FlagKind::TakenLongBefore,
            Flag::TakenAfterAttach { .. } => FlagKind::TakenAfterAttach,
            Flag::NoCaptureTime => FlagKind::NoCaptureTime,
            Flag::FarFromPlace { .. } => FlagKind::FarFromPlace,
        }
    }

    /// What the cadre and the reviewer read, in Vietnamese, with the numbers.
    pub fn message_vi(&self) -> String {
        match self {
            Flag::TakenOutsideYear { taken_year, year } => {
                format!("Ảnh chụp năm {taken_year}, không thuộc năm đánh giá {year}")
            }
            Flag::TakenLongBefore {
                age_days,
                max_age_days,
            } => format!(
                "Ảnh chụp {} ngày trước khi gắn (quá {} ngày)",
                crate::labels::int_vi(*age_days),
                crate::labels::int_vi(i64::from(*max_age_days))
            ),
            Flag::TakenAfterAttach { ahead_minutes } => format!(
                "Giờ chụp ghi sau lúc gắn ảnh {} — đồng hồ máy ảnh có thể sai",
                duration_vi(*ahead_minutes)
            ),
            Flag::NoCaptureTime => {
                "Ảnh không ghi thời điểm chụp, không kiểm tra được ngày chụp".into()
            }
            Flag::FarFromPlace {
                level,
                distance_km,
                radius_km,
            } => format!(
                "Ảnh chụp cách {} {} km (bán kính {} km)",
                level.label_vi(),
                km_vi(*distance_km),
                km_vi(*radius_km)
            ),
        }
    }
}

/// JSON: `{"code": "far_from_place", "message": "Ảnh chụp cách thôn …", …numbers}`.
impl Serialize for Flag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = match self {
            Flag::TakenOutsideYear { .. } | Flag::TakenLongBefore { .. } => 4,
            Flag::TakenAfterAttach { .. } => 3,
            Flag::NoCaptureTime => 2,
            Flag::FarFromPlace { .. } => 5,
        };
        let mut st = s.serialize_struct("Flag", fields)?;
        st.serialize_field("code", &self.kind())?;
        st.serialize_field("message", &self.message_vi())?;
        match self {
            Flag::TakenOutsideYear { taken_year, year } => {
                st.serialize_field("taken_year", taken_year)?;
                st.serialize_field("year", year)?;
            }
            Flag::TakenLongBefore {
                age_days,
                max_age_days,
            } => {
                st.serialize_field("age_days", age_days)?;
                st.serialize_field("max_age_days", max_age_days)?;
            }
            Flag::TakenAfterAttach { ahead_minutes } => {
                st.serialize_field("ahead_minutes", ahead_minutes)?;
            }
            Flag::NoCaptureTime => {}
            Flag::FarFromPlace {
                level,
                distance_km,
                radius_km,
            } => {
                st.serialize_field("level", level)?;
                st.serialize_field("distance_km", &round1(*distance_km))?;
                st.serialize_field("radius_km", radius_km)?;
            }
        }
        st.end()
    }
}

/// A capture time as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureTime {
    /// The camera recorded its UTC offset.
    Offset(DateTime<FixedOffset>),
    /// Local time with no offset.
    Naive(NaiveDateTime),
}

impl CaptureTime {
    /// Parse `2022-08-14T14:12:31+03:00` (or `Z`) or `2008-10-22T16:28:39` (fractional seconds
    /// allowed); `None` for anything else.
    pub fn parse(s: &str) -> Option<CaptureTime> {
        let s = s.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(CaptureTime::Offset(t));
        }
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(CaptureTime::Naive)
    }

    /// The calendar year as the camera wrote it (its own local date).
    pub fn local_year(&self) -> i32 {
        match self {
            CaptureTime::Offset(t) => t.year(),
            CaptureTime::Naive(t) => t.year(),
        }
    }

    /// The moment, reading a naive time at `offset` (the device's).
    pub fn instant(&self, offset: FixedOffset) -> Option<DateTime<Utc>> {
        match self {
            CaptureTime::Offset(t) => Some(t.with_timezone(&Utc)),
            CaptureTime::Naive(t) => offset
                .from_local_datetime(t)
                .single()
                .map(|t| t.with_timezone(&Utc)),
        }
    }
}

/// Great-circle (haversine) distance in kilometres.
pub fn distance_km(a: GeoPoint, b: GeoPoint) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The flags of one photo, in [`FlagKind`] order; empty when nothing is worth a look.
pub fn check(photo: &PhotoInput<'_>, ctx: &Context, rules: &Rules) -> Vec<Flag> {
    let mut flags = Vec::new();
    match photo.taken_at.and_then(CaptureTime::parse) {
        None => flags.push(Flag::NoCaptureTime),
        Some(taken) => {
            let taken_year = taken.local_year();
            if taken_year != ctx.year {
                flags.push(Flag::TakenOutsideYear {
                    taken_year,
                    year: ctx.year,
                });
            }
            let attached = photo
                .attached_at
                .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok());
            if let Some(attached) = attached {
                if let Some(instant) = taken.instant(*attached.offset()) {
                    let minutes = (attached.with_timezone(&Utc) - instant).num_minutes();
                    let age_days = minutes.div_euclid(24 * 60);
                    if minutes < -i64::from(rules.clock_tolerance_minutes) {
                        flags.push(Flag::TakenAfterAttach {
                            ahead_minutes: -minutes,
                        });
                    } else if age_days > i64::from(rules.max_age_days) {
                        flags.push(Flag::TakenLongBefore {
                            age_days,
                            max_age_days: rules.max_age_days,
                        });
                    }
                }
            }
        }
    }
    if let (Some(gps), Some((level, place))) = (photo.gps, ctx.place) {
        let d = distance_km(gps, place.centre());
        if d > place.radius_km + rules.margin_km.max(0.0) {
            flags.push(Flag::FarFromPlace {
                level,
                distance_km: d,
                radius_km: place.radius_km,
            });
        }
    }
    flags.sort_by_key(Flag::kind);
    flags
}

/// The flags of a photo as a device reports it in a manifest ([`crate::protocol::PhotoFacts`]).
pub fn check_facts(facts: &crate::protocol::PhotoFacts, ctx: &Context, rules: &Rules) -> Vec<Flag> {
    check(
        &PhotoInput {
            taken_at: facts.taken_at.as_deref(),
            gps: facts.gps,
            attached_at: facts.attached_at.as_deref(),
        },
        ctx,
        rules,
    )
}

/// A stored UTC moment (`2026-03-10T02:00:00.000Z`) written at the device's offset
/// (`2026-03-10T09:00:00.000+07:00`), as [`PhotoInput::attached_at`] and the manifest's
/// `attached_at` carry it; `None` for an unreadable moment or offset.
pub fn at_offset(utc: &str, offset_minutes: i32) -> Option<String> {
    let offset = FixedOffset::east_opt(offset_minutes.checked_mul(60)?)?;
    let t = crate::time::parse_rfc3339(utc)?;
    Some(
        t.with_timezone(&offset)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Kilometres for reading: one decimal (comma) under 10 km, whole kilometres above.
fn km_vi(km: f64) -> String {
    if km < 10.0 {
        let tenths = (km * 10.0).round() as i64;
        if tenths % 10 == 0 {
            crate::labels::int_vi(tenths / 10)
        } else {
            format!("{},{}", crate::labels::int_vi(tenths / 10), tenths % 10)
        }
    } else {
        crate::labels::int_vi(km.round() as i64)
    }
}

/// `90` → `1 giờ 30 phút`; `3000` → `2 ngày`.
fn duration_vi(minutes: i64) -> String {
    if minutes >= 2 * 24 * 60 {
        format!("{} ngày", crate::labels::int_vi(minutes / (24 * 60)))
    } else if minutes >= 60 {
        let (h, m) = (minutes / 60, minutes % 60);
        if m == 0 {
            format!("{h} giờ")
        } else {
            format!("{h} giờ {m} phút")
        }
    } else {
        format!("{minutes} phút")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DSCN0010.jpg of the shared test photos: near Arezzo, Italy, 2008-10-22 (naive time).
    const ITALY: GeoPoint = GeoPoint {
        lat: 43.467_448_333,
        lon: 11.885_126_667,
    };
    /// Hoàn Kiếm, Hà Nội (about).
    const HANOI: Place = Place {
        lat: 21.028_5,
        lon: 105.854_2,
        radius_km: 2.0,
    };

    fn ctx(year: i32, place: Option<Place>) -> Context {
        Context {
            year,
            place: place.map(|p| (PlaceLevel::Hamlet, p)),
        }
    }

    fn kinds(flags: &[Flag]) -> Vec<&'static str> {
        flags.iter().map(|f| f.kind().code()).collect()
    }

    #[test]
    fn the_2008_italy_photo_attached_in_2026_is_flagged_three_ways() {
        let photo = PhotoInput {
            taken_at: Some("2008-10-22T16:28:39"),
            gps: Some(ITALY),
            attached_at: Some("2026-03-10T09:00:00.000+07:00"),
        };
        let flags = check(&photo, &ctx(2026, Some(HANOI)), &Rules::default());
        assert_eq!(
            kinds(&flags),
            ["taken_outside_year", "taken_long_before", "far_from_place"]
        );
        let Flag::TakenLongBefore { age_days, .. } = flags[1] else {
            panic!("{flags:?}")
        };
        // 2008-10-22 16:28:39 +07:00 → 2026-03-10 09:00 +07:00.
        assert_eq!(age_days, 6347);
        let Flag::FarFromPlace { distance_km, .. } = flags[2] else {
            panic!("{flags:?}")
        };
        // Arezzo → Hoàn Kiếm, checked independently: 8,725 km.
        assert!((8_720.0..8_730.0).contains(&distance_km), "{distance_km}");
        assert_eq!(
            flags[0].message_vi(),
            "Ảnh chụp năm 2008, không thuộc năm đánh giá 2026"
        );
        assert_eq!(
            flags[1].message_vi(),
            "Ảnh chụp 6.347 ngày trước khi gắn (quá 365 ngày)"
        );
        assert_eq!(
            flags[2].message_vi(),
            "Ảnh chụp cách thôn 8.725 km (bán kính 2 km)"
        );
    }

    #[test]
    fn a_recent_photo_in_place_is_not_flagged() {
        let photo = PhotoInput {
            taken_at: Some("2026-03-09T15:00:00+07:00"),
            gps: Some(GeoPoint {
                lat: 21.03,
                lon: 105.85,
            }),
            attached_at: Some("2026-03-10T02:00:00.000Z"),
        };
        assert!(check(&photo, &ctx(2026, Some(HANOI)), &Rules::default()).is_empty());
        // No place known: the position is not checked at all.
        let far = PhotoInput {
            gps: Some(ITALY),
            ..photo
        };
        assert!(check(&far, &ctx(2026, None), &Rules::default()).is_empty());
    }

    #[test]
    fn years_are_the_cameras_local_dates() {
        // 31 Dec 2025 23:30 in Hà Nội is 2025 for the camera, though 16:30 UTC.
        let late = PhotoInput {
            taken_at: Some("2025-12-31T23:30:00+07:00"),
            attached_at: Some("2026-01-02T08:00:00+07:00"),
            ..PhotoInput::default()
        };
        assert_eq!(
            kinds(&check(&late, &ctx(2026, None), &Rules::default())),
            ["taken_outside_year"]
        );
        assert!(check(&late, &ctx(2025, None), &Rules::default()).is_empty());
        // 1 Jan 2026 00:30 at +07:00 is still 2025 in UTC, but the camera's year is 2026.
        let early = PhotoInput {
            taken_at: Some("2026-01-01T00:30:00+07:00"),
            attached_at: Some("2026-01-02T08:00:00+07:00"),
            ..PhotoInput::default()
        };
        assert!(check(&early, &ctx(2026, None), &Rules::default()).is_empty());
        let naive = PhotoInput {
            taken_at: Some("2026-01-01T00:30:00"),
            ..early
        };
        assert!(check(&naive, &ctx(2026, None), &Rules::default()).is_empty());
    }

    #[test]
    fn age_counts_whole_days_against_the_threshold() {
        let rules = Rules::default();
        let at = |taken: &'static str| PhotoInput {
            taken_at: Some(taken),
            attached_at: Some("2026-12-20T10:00:00+07:00"),
            ..PhotoInput::default()
        };
        // Exactly 365 days: not yet flagged; 366: flagged. (Year 2025, so also outside year.)
        assert_eq!(
            kinds(&check(
                &at("2025-12-20T10:00:00+07:00"),
                &ctx(2025, None),
                &rules
            )),
            Vec::<&str>::new()
        );
        let flags = check(&at("2025-12-19T10:00:00+07:00"), &ctx(2025, None), &rules);
        assert_eq!(
            flags,
            [Flag::TakenLongBefore {
                age_days: 366,
                max_age_days: 365
            }]
        );
        // Thresholds are data.
        let strict = Rules {
            max_age_days: 30,
            ..rules
        };
        assert_eq!(
            kinds(&check(
                &at("2026-11-01T10:00:00+07:00"),
                &ctx(2026, None),
                &strict
            )),
            ["taken_long_before"]
        );
        assert!(check(&at("2026-11-01T10:00:00+07:00"), &ctx(2026, None), &rules).is_empty());
    }

    #[test]
    fn naive_times_are_read_at_the_devices_offset() {
        // Naive 10:30 at the device's +07:00 is 03:30 UTC: 30 min after an attachment at
        // 03:00 UTC, within the clock tolerance.
        let photo = PhotoInput {
            taken_at: Some("2026-05-01T10:30:00"),
            attached_at: Some("2026-05-01T10:00:00+07:00"),
            ..PhotoInput::default()
        };
        assert!(check(&photo, &ctx(2026, None), &Rules::default()).is_empty());
        // The same naive time against an attachment written in UTC (03:00Z) reads 10:30 UTC:
        // 7 h 30 min ahead.
        let utc = PhotoInput {
            attached_at: Some("2026-05-01T03:00:00.000Z"),
            ..photo
        };
        let flags = check(&utc, &ctx(2026, None), &Rules::default());
        assert_eq!(flags, [Flag::TakenAfterAttach { ahead_minutes: 450 }]);
        assert_eq!(
            flags[0].message_vi(),
            "Giờ chụp ghi sau lúc gắn ảnh 7 giờ 30 phút — đồng hồ máy ảnh có thể sai"
        );
        // An offset time is exact whatever the attachment's offset.
        let offset = PhotoInput {
            taken_at: Some("2026-05-01T10:30:00+07:00"),
            ..utc
        };
        assert!(check(&offset, &ctx(2026, None), &Rules::default()).is_empty());
    }

    #[test]
    fn a_camera_clock_in_the_future_is_flagged() {
        let photo = PhotoInput {
            taken_at: Some("2026-08-01T09:00:00+07:00"),
            attached_at: Some("2026-05-01T09:00:00+07:00"),
            ..PhotoInput::default()
        };
        let flags = check(&photo, &ctx(2026, None), &Rules::default());
        assert_eq!(kinds(&flags), ["taken_after_attach"]);
        assert!(flags[0].message_vi().contains("92 ngày"), "{flags:?}");
    }

    #[test]
    fn missing_data() {
        let rules = Rules::default();
        // No capture time: the one absent-data flag.
        let none = PhotoInput::default();
        assert_eq!(
            check(&none, &ctx(2026, Some(HANOI)), &rules),
            [Flag::NoCaptureTime]
        );
        let garbage = PhotoInput {
            taken_at: Some("hôm qua"),
            ..none
        };
        assert_eq!(
            kinds(&check(&garbage, &ctx(2026, None), &rules)),
            ["no_capture_time"]
        );
        // No GPS: not flagged (many phones and messengers strip it).
        let no_gps = PhotoInput {
            taken_at: Some("2026-03-09T15:00:00+07:00"),
            attached_at: Some("2026-03-10T09:00:00+07:00"),
            gps: None,
        };
        assert!(check(&no_gps, &ctx(2026, Some(HANOI)), &rules).is_empty());
        // No attachment time (an older device): only the year is checked.
        let old = PhotoInput {
            taken_at: Some("2008-10-22T16:28:39"),
            ..PhotoInput::default()
        };
        assert_eq!(
            kinds(&check(&old, &ctx(2026, None), &rules)),
            ["taken_outside_year"]
        );
    }

    #[test]
    fn distances() {
        let hn = HANOI.centre();
        assert!(distance_km(hn, hn).abs() < 1e-9);
        // Hà Nội → Thành phố Hồ Chí Minh (Bến Thành) ≈ 1,144 km great-circle.
        let hcm = GeoPoint {
            lat: 10.772_5,
            lon: 106.698_0,
        };
        let d = distance_km(hn, hcm);
        assert!((1_140.0..1_148.0).contains(&d), "{d}");
        assert!((distance_km(hcm, hn) - d).abs() < 1e-9);
        // One degree of latitude ≈ 111.2 km.
        let north = GeoPoint {
            lat: hn.lat + 1.0,
            lon: hn.lon,
        };
        assert!((distance_km(hn, north) - 111.19).abs() < 0.05);
        // Antipodes stay finite.
        let anti = GeoPoint {
            lat: -21.0285,
            lon: 105.8542 - 180.0,
        };
        assert!((distance_km(hn, anti) - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1.0);
    }

    #[test]
    fn radius_and_margin_decide_far() {
        let place = Place::new(21.0, 105.8, 2.0).unwrap();
        let at = |km_north: f64| PhotoInput {
            taken_at: Some("2026-03-09T15:00:00+07:00"),
            attached_at: Some("2026-03-10T09:00:00+07:00"),
            gps: Some(GeoPoint {
                lat: 21.0 + km_north / 111.195,
                lon: 105.8,
            }),
        };
        let c = Context {
            year: 2026,
            place: Some((PlaceLevel::Commune, place)),
        };
        assert!(
            check(&at(2.4), &c, &Rules::default()).is_empty(),
            "within the margin"
        );
        let flags = check(&at(3.0), &c, &Rules::default());
        assert_eq!(kinds(&flags), ["far_from_place"]);
        assert_eq!(
            flags[0].message_vi(),
            "Ảnh chụp cách xã 3 km (bán kính 2 km)"
        );
        let flags = check(&at(2.6), &c, &Rules::default());
        assert_eq!(
            flags[0].message_vi(),
            "Ảnh chụp cách xã 2,6 km (bán kính 2 km)"
        );
        let no_margin = Rules {
            margin_km: 0.0,
            ..Rules::default()
        };
        assert_eq!(kinds(&check(&at(2.2), &c, &no_margin)), ["far_from_place"]);
    }

    #[test]
    fn places_are_checked() {
        assert!(Place::new(21.0, 105.8, 3.0).is_ok());
        assert_eq!(
            Place::new(91.0, 105.8, 3.0),
            Err(PlaceError::Latitude(91.0))
        );
        assert_eq!(
            Place::new(21.0, 181.0, 3.0),
            Err(PlaceError::Longitude(181.0))
        );
        assert_eq!(Place::new(21.0, 105.8, 0.0), Err(PlaceError::Radius(0.0)));
        assert_eq!(
            Place::new(21.0, 105.8, 500.0),
            Err(PlaceError::Radius(500.0))
        );
        assert!(Place::new(f64::NAN, 105.8, 3.0).is_err());
        assert_eq!(Place::from_parts(None, None, None), Ok(None));
        assert_eq!(
            Place::from_parts(Some(21.0), None, Some(3.0)),
            Err(PlaceError::Incomplete)
        );
        assert!(PlaceError::Radius(0.0).message_vi().contains("Bán kính"));
    }

    #[test]
    fn flags_serialize_with_code_message_and_numbers() {
        let f = Flag::FarFromPlace {
            level: PlaceLevel::Hamlet,
            distance_km: 9_012.345,
            radius_km: 2.0,
        };
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["code"], "far_from_place");
        assert_eq!(v["message"], "Ảnh chụp cách thôn 9.012 km (bán kính 2 km)");
        assert_eq!(v["distance_km"], 9012.3);
        assert_eq!(v["level"], "hamlet");
        let v = serde_json::to_value(Flag::NoCaptureTime).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "no_capture_time", "message": Flag::NoCaptureTime.message_vi()})
        );
    }

    #[test]
    fn rules_are_data_with_documented_defaults() {
        let r: Rules = serde_json::from_str(r#"{"max_age_days": 180}"#).unwrap();
        assert_eq!(r.max_age_days, 180);
        assert_eq!(r.clock_tolerance_minutes, 60);
        assert_eq!(Rules::default(), Rules::PROJECT_DEFAULT);
    }

    #[test]
    fn stamps_at_the_devices_offset() {
        assert_eq!(
            at_offset("2026-03-10T02:00:00.000Z", 420).as_deref(),
            Some("2026-03-10T09:00:00.000+07:00")
        );
        assert_eq!(
            at_offset("2026-03-10T02:00:00.000Z", 0).as_deref(),
            Some("2026-03-10T02:00:00.000Z")
        );
        assert_eq!(at_offset("later", 420), None);
        assert_eq!(at_offset("2026-03-10T02:00:00.000Z", 100_000), None);
    }

    #[test]
    fn vietnamese_numbers() {
        assert_eq!(crate::labels::int_vi(6340), "6.340");
        assert_eq!(crate::labels::int_vi(1_234_567), "1.234.567");
        assert_eq!(crate::labels::int_vi(999), "999");
        assert_eq!(km_vi(0.96), "1");
        assert_eq!(km_vi(1.46), "1,5");
        assert_eq!(duration_vi(45), "45 phút");
        assert_eq!(duration_vi(120), "2 giờ");
    }
}
