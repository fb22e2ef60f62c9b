//! Bounds on what a device sends (`protocol`): the receiver checks every record against them
//! before it believes it. Ids are UUIDs, names are not empty, text and lists are bounded
//! ([`MAX_TEXT_CHARS`] and the other `MAX_*` constants of `protocol`), birth years lie between
//! [`BIRTH_YEAR_MIN`] and the current year, times are RFC 3339 and counters fit a signed 64-bit
//! column. Each refusal is a [`RecordError`] with a Vietnamese message and an English `Display`.

use crate::protocol::{
    ClanRecord, EnrollRequest, HamletRecord, Heartbeat, HouseholdRecord, MemberRecord, UnitRecord,
    MAX_CLAN_HOUSEHOLDS, MAX_CODE_CHARS, MAX_LABEL_CHARS, MAX_MEMBERS, MAX_PHONE_CHARS,
    MAX_TEXT_CHARS,
};
use crate::roster::BIRTH_YEAR_MIN;
use crate::time::{is_id, parse_rfc3339};

/// Largest counter a device may report (the server stores counters as signed 64-bit numbers).
pub const MAX_COUNTER: u64 = i64::MAX as u64;

/// Why a record sent by a device is refused. `field` is the record's field as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("`{field}` is empty")]
    Empty { field: &'static str },
    #[error("`{field}` is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("`{field}` lists more than {max} items")]
    TooMany { field: &'static str, max: usize },
    #[error("`{field}` is not a UUID")]
    Id { field: &'static str },
    #[error("`{field}`: birth year {year} outside {BIRTH_YEAR_MIN}–{max}")]
    BirthYear {
        field: &'static str,
        year: i32,
        max: i32,
    },
    #[error("`{field}` is not an RFC 3339 time")]
    Time { field: &'static str },
    #[error("`{field}` is larger than {MAX_COUNTER}")]
    Counter { field: &'static str },
    #[error("`{field}` holds a control character")]
    Control { field: &'static str },
}

impl RecordError {
    /// What the cadre reads.
    pub fn message_vi(&self) -> String {
        match self {
            RecordError::Empty { field } => format!("Trường \"{field}\" không được để trống."),
            RecordError::TooLong { field, max } => {
                format!("Trường \"{field}\" dài quá {max} ký tự.")
            }
            RecordError::TooMany { field, max } => {
                format!("Trường \"{field}\" có quá {max} mục.")
            }
            RecordError::Id { field } => format!("Mã \"{field}\" không hợp lệ."),
            RecordError::BirthYear { year, max, .. } => {
                format!("Năm sinh {year} không hợp lệ ({BIRTH_YEAR_MIN}–{max}).")
            }
            RecordError::Time { field } => {
                format!("Thời điểm \"{field}\" không hợp lệ (cần dạng RFC 3339).")
            }
            RecordError::Counter { field } => format!("Số \"{field}\" quá lớn."),
            RecordError::Control { field } => {
                format!("Trường \"{field}\" chứa ký tự điều khiển không được phép.")
            }
        }
    }
}

fn id(field: &'static str, value: &str) -> Result<(), RecordError> {
    if is_id(value) {
        Ok(())
    } else {
        Err(RecordError::Id { field })
    }
}

/// A bounded text without control characters; `required` ones must hold more than spaces.
fn text(field: &'static str, value: &str, max: usize, required: bool) -> Result<(), RecordError> {
    if required && value.trim().is_empty() {
        return Err(RecordError::Empty { field });
    }
    if value.chars().count() > max {
        return Err(RecordError::TooLong { field, max });
    }
    if value.chars().any(char::is_control) {
        return Err(RecordError::Control { field });
    }
    Ok(())
}

fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<(), RecordError> {
    value.map_or(Ok(()), |v| text(field, v, max, false))
}

fn time(field: &'static str, value: &str) -> Result<(), RecordError> {
    if parse_rfc3339(value).is_some() {
        Ok(())
    } else {
        Err(RecordError::Time { field })
    }
}

fn counter(field: &'static str, value: u64) -> Result<(), RecordError> {
    if value <= MAX_COUNTER {
        Ok(())
    } else {
        Err(RecordError::Counter { field })
    }
}

impl MemberRecord {
    /// Check a member a device sends; `current_year` bounds the birth year.
    pub fn check(&self, current_year: i32) -> Result<(), RecordError> {
        id("members.id", &self.id)?;
        text("members.name", &self.name, MAX_TEXT_CHARS, true)?;
        if let Some(year) = self.birth_year {
            if !(BIRTH_YEAR_MIN..=current_year).contains(&year) {
                return Err(RecordError::BirthYear {
                    field: "members.birth_year",
                    year,
                    max: current_year,
                });
            }
        }
        optional("members.relation", self.relation.as_deref(), MAX_TEXT_CHARS)?;
        optional(
            "members.cdht_group",
            self.cdht_group.as_deref(),
            MAX_TEXT_CHARS,
        )
    }
}

impl HouseholdRecord {
    /// Check a household a device sends, with its members.
    pub fn check(&self, current_year: i32) -> Result<(), RecordError> {
        id("household.id", &self.id)?;
        id("household.hamlet_id", &self.hamlet_id)?;
        text("household.head", &self.head, MAX_TEXT_CHARS, true)?;
        optional("household.address", self.address.as_deref(), MAX_TEXT_CHARS)?;
        optional("household.phone", self.phone.as_deref(), MAX_PHONE_CHARS)?;
        optional(
            "household.roster_code",
            self.roster_code.as_deref(),
            MAX_CODE_CHARS,
        )?;
        if self.members.len() > MAX_MEMBERS {
            return Err(RecordError::TooMany {
                field: "household.members",
                max: MAX_MEMBERS,
            });
        }
        self.members.iter().try_for_each(|m| m.check(current_year))
    }
}

impl ClanRecord {
    /// Check a clan a device sends.
    pub fn check(&self) -> Result<(), RecordError> {
        id("clan.id", &self.id)?;
        text("clan.name", &self.name, MAX_TEXT_CHARS, true)?;
        if self.household_ids.is_empty() {
            return Err(RecordError::Empty {
                field: "clan.household_ids",
            });
        }
        if self.household_ids.len() > MAX_CLAN_HOUSEHOLDS {
            return Err(RecordError::TooMany {
                field: "clan.household_ids",
                max: MAX_CLAN_HOUSEHOLDS,
            });
        }
        self.household_ids
            .iter()
            .try_for_each(|h| id("clan.household_ids", h))
    }
}

impl UnitRecord {
    /// Check a unit a device sends.
    pub fn check(&self) -> Result<(), RecordError> {
        id("unit.id", &self.id)?;
        text("unit.name", &self.name, MAX_TEXT_CHARS, true)?;
        if let Some(h) = &self.hamlet_id {
            id("unit.hamlet_id", h)?;
        }
        optional(
            "unit.commune_code",
            self.commune_code.as_deref(),
            MAX_CODE_CHARS,
        )
    }
}

impl HamletRecord {
    /// Check a hamlet a device sends (one it made before enrolling).
    pub fn check(&self) -> Result<(), RecordError> {
        id("hamlet.id", &self.id)?;
        text("hamlet.name", &self.name, MAX_TEXT_CHARS, true)?;
        optional(
            "hamlet.commune_code",
            self.commune_code.as_deref(),
            MAX_CODE_CHARS,
        )
    }
}

impl Heartbeat {
    /// Check a heartbeat: times are RFC 3339, counters fit, the version is a short label.
    pub fn check(&self) -> Result<(), RecordError> {
        counter("queue_length", self.queue_length)?;
        if let Some(free) = self.free_bytes {
            counter("free_bytes", free)?;
        }
        text("app_version", &self.app_version, MAX_LABEL_CHARS, true)?;
        if let Some(last) = &self.last_sync {
            time("last_sync", last)?;
        }
        time("device_time", &self.device_time)
    }
}

impl EnrollRequest {
    /// Check an enrollment request: short labels, a code that is not empty.
    pub fn check(&self) -> Result<(), RecordError> {
        text("code", &self.code, MAX_LABEL_CHARS, true)?;
        optional("device_name", self.device_name.as_deref(), MAX_LABEL_CHARS)?;
        optional("app_version", self.app_version.as_deref(), MAX_LABEL_CHARS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat() -> Heartbeat {
        Heartbeat {
            queue_length: 3,
            free_bytes: Some(1000),
            app_version: "0.1.0".into(),
            last_sync: None,
            device_time: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn heartbeat_bounds() {
        assert_eq!(beat().check(), Ok(()));
        for bad in ["yesterday", "", "+275760-09-13T00:00:00Z"] {
            let hb = Heartbeat {
                device_time: bad.into(),
                ..beat()
            };
            assert_eq!(
                hb.check(),
                Err(RecordError::Time {
                    field: "device_time"
                }),
                "{bad:?}"
            );
        }
        let hb = Heartbeat {
            queue_length: 1 << 63,
            ..beat()
        };
        assert_eq!(
            hb.check(),
            Err(RecordError::Counter {
                field: "queue_length"
            })
        );
        let hb = Heartbeat {
            app_version: "x".repeat(MAX_LABEL_CHARS + 1),
            ..beat()
        };
        assert!(matches!(hb.check(), Err(RecordError::TooLong { .. })));
    }

    #[test]
    fn household_bounds() {
        let member = MemberRecord {
            id: "0190d2a0-0000-7000-8000-000000000001".into(),
            name: "Nguyễn Văn An".into(),
            birth_year: Some(1980),
            sex: None,
            relation: None,
            schooling: None,
            literate: None,
            cdht: None,
            cdht_group: None,
            unable_to_learn: false,
        };
        let h = HouseholdRecord {
            id: "0190d2a0-0000-7000-8000-000000000002".into(),
            hamlet_id: "0190d2a0-0000-7000-8000-000000000003".into(),
            head: "Nguyễn Văn An".into(),
            address: None,
            phone: None,
            roster_code: None,
            members: vec![member.clone()],
        };
        assert_eq!(h.check(2026), Ok(()));
        let old = HouseholdRecord {
            members: vec![MemberRecord {
                birth_year: Some(1850),
                ..member.clone()
            }],
            ..h.clone()
        };
        assert!(matches!(
            old.check(2026),
            Err(RecordError::BirthYear { year: 1850, .. })
        ));
        let long = HouseholdRecord {
            head: "a".repeat(MAX_TEXT_CHARS + 1),
            ..h.clone()
        };
        assert!(matches!(long.check(2026), Err(RecordError::TooLong { .. })));
        let many = HouseholdRecord {
            members: vec![member; MAX_MEMBERS + 1],
            ..h
        };
        assert!(matches!(many.check(2026), Err(RecordError::TooMany { .. })));
    }
}
