//! Applying what the server sent (`GET /sync`) to the device store, in one transaction per page:
//! hamlets, households and members upserted by their server ids (never deleting anything the
//! device holds), criteria sets validated and installed, assessments returned for correction
//! marked with the reviewer's comment, and the cursor advanced.

use crate::codec::Coded;
use crate::households::{self, NewHousehold, NewMember, Origin};
use crate::outbox::{self, KEY_CURSOR};
use crate::{criteria, settings, Db, Result, Store, StoreError};
use hoctap_domain::criteria::{parse_set, LoadedSet};
use hoctap_domain::protocol::{HamletRecord, HouseholdRecord, SyncResponse};
use hoctap_domain::text;
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// What one page (or a whole pull) changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub hamlets: u64,
    pub households: u64,
    pub members: u64,
    pub criteria: u64,
    pub returned: u64,
}

impl Applied {
    /// Add another page's counts.
    pub fn add(&mut self, other: &Applied) {
        self.hamlets += other.hamlets;
        self.households += other.households;
        self.members += other.members;
        self.criteria += other.criteria;
        self.returned += other.returned;
    }
}

fn upsert_hamlet(db: &Db<'_>, h: &HamletRecord) -> Result<()> {
    let name = text::clean(&h.name);
    let now = db.now();
    db.conn()
        .prepare_cached(
            "INSERT INTO hamlet (id, commune_code, name, name_fold, sort_key, kind, created_at, created_offset)
             VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_fold = excluded.name_fold,
                 sort_key = excluded.sort_key, kind = excluded.kind",
        )?
        .execute(params![
            h.id,
            name,
            text::fold(&name),
            text::label_sort_key(&name),
            Coded(h.kind),
            now.utc,
            now.offset_minutes
        ])
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                StoreError::HamletClash { name }
            }
            other => other.into(),
        })?;
    Ok(())
}

fn upsert_household(db: &Db<'_>, h: &HouseholdRecord) -> Result<u64> {
    let household = NewHousehold {
        hamlet_id: h.hamlet_id.clone(),
        head: h.head.clone(),
        address: h.address.clone(),
        phone: h.phone.clone(),
        roster_code: h.roster_code.clone(),
        legacy_code: None,
    };
    match households::put_household(db, &h.id, &household, Origin::Server) {
        Ok(()) => {}
        // One unusable record (an empty name) never blocks the rest of the roster.
        Err(e @ StoreError::Field(_)) => {
            tracing::warn!(id = %h.id, error = %e, "pulled household skipped");
            return Ok(0);
        }
        Err(e) => return Err(e),
    }
    let mut members = 0;
    for m in &h.members {
        let member = NewMember {
            name: m.name.clone(),
            birth_year: m.birth_year,
            sex: m.sex,
            relation: m.relation.clone(),
            schooling: m.schooling,
            literate: m.literate,
            cdht: m.cdht,
            cdht_group: m.cdht_group.clone(),
            unable_to_learn: m.unable_to_learn,
        };
        match households::put_member(db, &h.id, &m.id, &member) {
            Ok(()) => members += 1,
            Err(e @ StoreError::Field(_)) => {
                tracing::warn!(id = %m.id, error = %e, "pulled member skipped");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(members)
}

/// Apply one page of `GET /sync` and advance the cursor, in `db`'s transaction.
pub fn apply_page(db: &Db<'_>, page: &SyncResponse) -> Result<Applied> {
    let mut applied = Applied::default();
    for h in &page.hamlets {
        upsert_hamlet(db, h)?;
        applied.hamlets += 1;
    }
    for h in &page.households {
        applied.members += upsert_household(db, h)?;
        applied.households += 1;
    }
    for c in &page.criteria {
        // A published set is validated and its hash checked before it is installed; one that
        // fails is left out (logged), never half-installed.
        match parse_set(&c.source, &c.id).map(LoadedSet::new) {
            Ok(set) if set.sha256() == c.sha256 => {
                criteria::put(db, &set, &c.source)?;
                applied.criteria += 1;
            }
            Ok(_) => tracing::warn!(id = %c.id, "published criteria set hash differs; skipped"),
            Err(report) => {
                tracing::warn!(id = %c.id, %report, "published criteria set invalid; skipped")
            }
        }
    }
    for r in &page.returned {
        applied.returned += outbox::mark_returned(db, &r.assessment_id, &r.comment)?;
    }
    settings::set(db, KEY_CURSOR, &page.cursor.to_string())?;
    Ok(applied)
}

impl Store {
    /// Apply one page of `GET /sync` atomically (see [`apply_page`]).
    pub fn apply_page(&self, page: &SyncResponse) -> Result<Applied> {
        self.write(|db| apply_page(db, page))
    }
}
