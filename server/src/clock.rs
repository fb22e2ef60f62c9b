//! The server's clock: UTC now, UUIDv7 ids, the calendar year in Vietnam (UTC+7).

use chrono::{Datelike, Utc};

/// A new UUIDv7, lower-case hyphenated.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether a string is a well-formed UUID (any version).
pub fn is_id(s: &str) -> bool {
    hoctap_domain::time::is_id(s)
}

/// The current calendar year in Vietnam (UTC+7).
pub fn current_year() -> i32 {
    (Utc::now() + chrono::Duration::hours(7)).year()
}
