//! Tolerant EXIF reading (crate `kamadak-exif`).
//!
//! Only what the evidence record needs is extracted: orientation, capture time (with its UTC
//! offset when the camera wrote one), GPS position, make and model. Broken or partial EXIF never
//! loses the picture: whatever parses is kept, the rest is `None`. The values go into the returned
//! metadata (later a DB row), never into the output JPEG.

use std::io::Cursor;

use exif::{In, Tag, Value};
use serde::Serialize;

/// A GPS position in decimal degrees (south and west negative); altitude in metres above sea
/// level when recorded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Gps {
    /// Latitude, −90..=90.
    pub lat: f64,
    /// Longitude, −180..=180.
    pub lon: f64,
    /// Altitude in metres (negative below sea level), if present.
    pub alt: Option<f64>,
}

/// Metadata read from the source photo.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PhotoMetadata {
    /// EXIF orientation 1..=8 (1 when absent or invalid).
    pub orientation: u16,
    /// Capture time as RFC 3339 (`2008-10-22T16:29:49+07:00`) when the offset is known, or a
    /// naive local time (`2008-10-22T16:29:49`) when it is not.
    pub taken_at: Option<String>,
    /// GPS position, if present and plausible.
    pub gps: Option<Gps>,
    /// Camera maker.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
}

/// Reads metadata from a JPEG or PNG container; never fails (missing data is `None`).
pub fn read_metadata(bytes: &[u8]) -> PhotoMetadata {
    let parsed = std::panic::catch_unwind(|| {
        let mut reader = exif::Reader::new();
        reader.continue_on_error(true);
        reader
            .read_from_container(&mut Cursor::new(bytes))
            .or_else(|e| e.distill_partial_result(|_| {}))
            .ok()
    });
    match parsed {
        Ok(Some(exif)) => from_exif(&exif),
        _ => PhotoMetadata {
            orientation: 1,
            ..PhotoMetadata::default()
        },
    }
}

fn from_exif(exif: &exif::Exif) -> PhotoMetadata {
    let field = |tag| exif.get_field(tag, In::PRIMARY).map(|f| &f.value);
    let orientation = field(Tag::Orientation)
        .and_then(|v| v.get_uint(0))
        .filter(|o| (1..=8).contains(o))
        .map_or(1, |o| o as u16);
    let taken_at =
        taken_at(field(Tag::DateTimeOriginal), field(Tag::OffsetTimeOriginal)).or_else(|| {
            taken_at(
                field(Tag::DateTimeDigitized),
                field(Tag::OffsetTimeDigitized),
            )
        });
    let gps = gps(
        field(Tag::GPSLatitude),
        field(Tag::GPSLatitudeRef),
        field(Tag::GPSLongitude),
        field(Tag::GPSLongitudeRef),
    )
    .map(|mut g| {
        g.alt = altitude(field(Tag::GPSAltitude), field(Tag::GPSAltitudeRef));
        g
    });
    PhotoMetadata {
        orientation,
        taken_at,
        gps,
        make: field(Tag::Make).and_then(ascii),
        model: field(Tag::Model).and_then(ascii),
    }
}

/// First ASCII component, trimmed of NULs and spaces; `None` when empty or not text.
fn ascii(value: &Value) -> Option<String> {
    let Value::Ascii(parts) = value else {
        return None;
    };
    let raw = parts.first()?;
    let s = String::from_utf8_lossy(raw);
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_owned())
}

fn taken_at(datetime: Option<&Value>, offset: Option<&Value>) -> Option<String> {
    let Value::Ascii(parts) = datetime? else {
        return None;
    };
    let dt = exif::DateTime::from_ascii(parts.first()?).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(dt.year.into(), dt.month.into(), dt.day.into())?;
    let naive = date.and_hms_opt(dt.hour.into(), dt.minute.into(), dt.second.into())?;
    let local = naive.format("%Y-%m-%dT%H:%M:%S").to_string();
    match offset.and_then(ascii).and_then(|o| parse_offset(&o)) {
        Some(minutes) => {
            let sign = if minutes < 0 { '-' } else { '+' };
            let m = minutes.unsigned_abs();
            Some(format!("{local}{sign}{:02}:{:02}", m / 60, m % 60))
        }
        None => Some(local),
    }
}

/// Parses `+07:00` / `-05:30` into minutes east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() < 6 || b[3] != b':' {
        return None;
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let h: i32 = s.get(1..3)?.parse().ok()?;
    let m: i32 = s.get(4..6)?.parse().ok()?;
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

fn rationals(value: &Value) -> Option<Vec<f64>> {
    let out: Vec<f64> = match value {
        Value::Rational(v) => v
            .iter()
            .map(|r| (r.denom != 0).then(|| f64::from(r.num) / f64::from(r.denom)))
            .collect::<Option<_>>()?,
        Value::SRational(v) => v
            .iter()
            .map(|r| (r.denom != 0).then(|| f64::from(r.num) / f64::from(r.denom)))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    out.iter().all(|x| x.is_finite()).then_some(out)
}

fn dms(value: &Value) -> Option<f64> {
    let v = rationals(value)?;
    let deg = *v.first()?;
    let min = v.get(1).copied().unwrap_or(0.0);
    let sec = v.get(2).copied().unwrap_or(0.0);
    Some(deg + min / 60.0 + sec / 3600.0)
}

fn gps(
    lat: Option<&Value>,
    lat_ref: Option<&Value>,
    lon: Option<&Value>,
    lon_ref: Option<&Value>,
) -> Option<Gps> {
    let mut lat = dms(lat?)?;
    let mut lon = dms(lon?)?;
    if lat_ref
        .and_then(ascii)
        .is_some_and(|r| r.eq_ignore_ascii_case("S"))
    {
        lat = -lat;
    }
    if lon_ref
        .and_then(ascii)
        .is_some_and(|r| r.eq_ignore_ascii_case("W"))
    {
        lon = -lon;
    }
    let plausible = lat.abs() <= 90.0 && lon.abs() <= 180.0 && !(lat == 0.0 && lon == 0.0);
    plausible.then_some(Gps {
        lat,
        lon,
        alt: None,
    })
}

fn altitude(alt: Option<&Value>, alt_ref: Option<&Value>) -> Option<f64> {
    let a = *rationals(alt?)?.first()?;
    let below = alt_ref.and_then(|v| v.get_uint(0)) == Some(1);
    Some(if below { -a } else { a })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+07:00"), Some(420));
        assert_eq!(parse_offset("-05:30"), Some(-330));
        assert_eq!(parse_offset("07:00"), None);
        assert_eq!(parse_offset("+99:00"), None);
    }

    #[test]
    fn garbage_is_tolerated() {
        let m = read_metadata(b"\xFF\xD8\xFF\xE1\x00\x10Exif\0\0MM\0*garbage");
        assert_eq!(m.orientation, 1);
        assert!(m.taken_at.is_none());
    }
}
