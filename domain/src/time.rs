//! Moments as the device records them, and the clock that gives them. The domain never reads a
//! clock: the I/O layers pass a [`Clock`] (the system one in `hoctap-store`; a fixed one in tests).

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// A moment as stored: RFC 3339 in UTC (`2026-11-22T01:02:03.456Z`) and the device's offset from
/// UTC in minutes at that moment (Vietnam: 420).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub utc: String,
    pub offset_minutes: i32,
}

impl Stamp {
    /// A stamp for `at` with the given offset.
    pub fn new(at: DateTime<Utc>, offset_minutes: i32) -> Stamp {
        Stamp {
            utc: rfc3339(at),
            offset_minutes,
        }
    }
}

/// A moment in the stored form (`2026-11-22T01:02:03.456Z`).
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parse an RFC 3339 moment into UTC.
pub fn parse_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// `at + secs`, in the stored form.
pub fn plus_secs(at: DateTime<Utc>, secs: i64) -> String {
    rfc3339(at + Duration::seconds(secs))
}

/// Server time minus device time, in milliseconds (`None` for an unreadable server time).
pub fn skew_ms(server_time: &str, device_now: DateTime<Utc>) -> Option<i64> {
    Some((parse_rfc3339(server_time)? - device_now).num_milliseconds())
}

/// Time and identifiers for the layers that record things. Implementations: the system clock
/// (`hoctap_store::SystemClock`) and fixed or stepping clocks in tests.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
    /// The device's offset from UTC now, in minutes.
    fn offset_minutes(&self) -> i32;
    /// A new time-ordered unique id (UUIDv7, lower-case hyphenated).
    fn new_id(&self) -> String;

    /// Now, as stored.
    fn stamp(&self) -> Stamp {
        Stamp::new(self.now(), self.offset_minutes())
    }

    /// The current calendar year at the device's offset.
    fn current_year(&self) -> i32 {
        use chrono::Datelike;
        (self.now() + Duration::minutes(i64::from(self.offset_minutes()))).year()
    }
}

/// Whether a string is a UUID (any version) in its one canonical spelling: lower-case,
/// hyphenated, no braces or `urn:uuid:` — so one id can never enter storage spelled twice.
pub fn is_id(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok_and(|u| u.hyphenated().to_string() == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_and_format() {
        let now = parse_rfc3339("2026-11-22T01:02:03.456Z").unwrap_or_default();
        assert_eq!(rfc3339(now), "2026-11-22T01:02:03.456Z");
        assert_eq!(skew_ms("2026-11-22T01:02:05.456Z", now), Some(2000));
        assert_eq!(skew_ms("yesterday", now), None);
        assert_eq!(plus_secs(now, 60), "2026-11-22T01:03:03.456Z");
        assert!(is_id("0190d2a0-0000-7000-8000-000000000000"));
        assert!(!is_id("H004"));
        // Other spellings of the same UUID are not ids.
        for other in [
            "0190D2A0-0000-7000-8000-000000000000",
            "{0190d2a0-0000-7000-8000-000000000000}",
            "urn:uuid:0190d2a0-0000-7000-8000-000000000000",
            "0190d2a0000070008000000000000000",
        ] {
            assert!(!is_id(other), "{other}");
        }
    }
}
