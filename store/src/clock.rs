//! The system clock: UTC now with the device's current offset, and UUIDv7 ids (time-ordered,
//! made offline without coordination).

use chrono::{DateTime, Local, Utc};
use hoctap_domain::time::Clock;

/// The device's real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn offset_minutes(&self) -> i32 {
        Local::now().offset().local_minus_utc() / 60
    }

    fn new_id(&self) -> String {
        uuid::Uuid::now_v7().to_string()
    }
}
