//! Identifiers and timestamps: UUIDv7 ids (time-ordered, made offline without coordination) and
//! UTC timestamps recorded together with the device's UTC offset at that moment.

use chrono::{Local, SecondsFormat, Utc};

/// A new UUIDv7, lower-case hyphenated.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A moment as stored: RFC 3339 in UTC (`2026-11-22T01:02:03.456Z`) and the device's offset from
/// UTC in minutes (Vietnam: 420).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub utc: String,
    pub offset_minutes: i32,
}

/// Now, with the device's current offset.
pub fn now() -> Stamp {
    let local = Local::now();
    Stamp {
        utc: local
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Millis, true),
        offset_minutes: local.offset().local_minus_utc() / 60,
    }
}

/// The current calendar year on the device.
pub fn current_year() -> i32 {
    use chrono::Datelike;
    Local::now().year()
}

/// Whether a string is a well-formed UUID (any version), as ids from users are checked.
pub fn is_id(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}
