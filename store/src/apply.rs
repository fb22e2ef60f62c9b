//! Applying what the server sent (`GET /sync`) to the device store, in one transaction per page:
//! hamlets, households, members, clans and units upserted by their server ids (never deleting
//! anything the device holds), criteria sets validated and installed, assessments returned for
//! correction marked and each reviewer comment kept, the server's targets saved as the targets in
//! force (when it sends them), and the cursor advanced.
//!
//! **Work done before enrolling is matched, never duplicated.** A pulled hamlet with an id the
//! device does not know takes over the device's own hamlet of the same name (ignoring case and
//! diacritics): its households, units and drafts move to the server's id, and the device's row is
//! kept as merged. A pulled household the device does not know is matched to a household made on
//! the device in that hamlet — by household code, else by the head's name — which keeps its own
//! id (finalized assessments name it and never change) and records the server's id; the server
//! does the same matching when that household reaches it with an assessment.

use crate::codec::Coded;
use crate::history::{self, Action, Entity as Row_};
use crate::households::{self, NewHousehold, NewMember, Origin};
use crate::outbox::{self, KEY_CURSOR};
use crate::{clans, org_units};
use crate::{criteria, settings, Db, Result, Store, StoreError};
use hoctap_domain::criteria::{parse_set, LoadedSet};
use hoctap_domain::protocol::{HamletRecord, HouseholdRecord, ReturnedRecord, SyncResponse};
use hoctap_domain::state::AssessmentState;
use hoctap_domain::text;
use rusqlite::params;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What one page (or a whole pull) changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub hamlets: u64,
    pub households: u64,
    pub members: u64,
    pub criteria: u64,
    pub returned: u64,
    #[serde(default)]
    pub clans: u64,
    #[serde(default)]
    pub units: u64,
    /// Rows made on this device that were matched to the server's.
    #[serde(default)]
    pub matched: u64,
}

impl Applied {
    /// Add another page's counts.
    pub fn add(&mut self, other: &Applied) {
        self.hamlets += other.hamlets;
        self.households += other.households;
        self.members += other.members;
        self.criteria += other.criteria;
        self.returned += other.returned;
        self.clans += other.clans;
        self.units += other.units;
        self.matched += other.matched;
    }
}

/// The device's own hamlet (made before enrolling) that a new server hamlet stands for.
fn local_hamlet_named(db: &Db<'_>, h: &HamletRecord) -> Result<Option<String>> {
    let known: Option<i64> = db
        .conn()
        .prepare_cached("SELECT 1 FROM hamlet WHERE id = ?1")?
        .query_row([&h.id], |r| r.get(0))
        .optional()?;
    if known.is_some() {
        return Ok(None);
    }
    Ok(db
        .conn()
        .prepare_cached(
            "SELECT id FROM hamlet WHERE server_known = 0 AND removed_at IS NULL AND name_fold = ?1
             ORDER BY created_at LIMIT 1",
        )?
        .query_row([text::fold(&h.name)], |r| r.get(0))
        .optional()?)
}

/// Move everything of the device's hamlet `local` to the server's hamlet `server`, and keep the
/// device's row as merged (a finalized Cộng đồng assessment of it still names it).
fn merge_hamlet(db: &Db<'_>, local: &str, server: &str) -> Result<()> {
    for sql in [
        "UPDATE household SET hamlet_id = ?2 WHERE hamlet_id = ?1",
        "UPDATE unit SET hamlet_id = ?2 WHERE hamlet_id = ?1",
        "UPDATE registration SET subject_id = ?2 WHERE subject_kind = 'hamlet' AND subject_id = ?1",
    ] {
        db.conn()
            .prepare_cached(sql)?
            .execute(params![local, server])?;
    }
    db.conn()
        .prepare_cached(
            "UPDATE assessment SET subject_id = ?2
             WHERE subject_kind = 'hamlet' AND subject_id = ?1 AND state = ?3",
        )?
        .execute(params![local, server, Coded(AssessmentState::Draft)])?;
    db.conn()
        .prepare_cached("UPDATE hamlet SET removed_at = ?2 WHERE id = ?1")?
        .execute(params![local, db.now().utc])?;
    history::record(
        db,
        Row_::Hamlet,
        local,
        Action::Merge,
        None::<&()>,
        Some(&serde_json::json!({ "into": server })),
    )
}

fn upsert_hamlet(db: &Db<'_>, h: &HamletRecord) -> Result<bool> {
    let local = local_hamlet_named(db, h)?;
    if let Some(l) = &local {
        // Free the name (`UNIQUE (commune_code, name)`) before the server's row takes it.
        db.conn()
            .prepare_cached("UPDATE hamlet SET name = name || ' (' || id || ')' WHERE id = ?1")?
            .execute([l])?;
    }
    write_hamlet(db, h)?;
    db.conn()
        .prepare_cached("UPDATE hamlet SET server_known = 1 WHERE id = ?1")?
        .execute([&h.id])?;
    if let Some(l) = &local {
        merge_hamlet(db, l, &h.id)?;
    }
    Ok(local.is_some())
}

fn write_hamlet(db: &Db<'_>, h: &HamletRecord) -> Result<()> {
    let name = text::clean(&h.name);
    let now = db.now();
    // Where the hamlet is (evidence plausibility): the server's, replaced on every pull;
    // out-of-range values are dropped rather than trusted.
    let place = h.place.filter(hoctap_domain::plausibility::Place::is_valid);
    db.conn()
        .prepare_cached(
            "INSERT INTO hamlet (id, commune_code, name, name_fold, sort_key, kind, created_at, created_offset,
                                 center_lat, center_lon, radius_km)
             VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_fold = excluded.name_fold,
                 sort_key = excluded.sort_key, kind = excluded.kind,
                 center_lat = excluded.center_lat, center_lon = excluded.center_lon,
                 radius_km = excluded.radius_km",
        )?
        .execute(params![
            h.id,
            name,
            text::fold(&name),
            text::label_sort_key(&name),
            Coded(h.kind),
            now.utc,
            now.offset_minutes,
            place.map(|p| p.lat),
            place.map(|p| p.lon),
            place.map(|p| p.radius_km)
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

/// The device's own household (made before enrolling, not known to the server) that a pulled
/// household stands for: same hamlet, and the same household code — or, when either has no
/// code, the same head name ignoring case and diacritics.
/// `unmatched`: the hamlets that hold such households at all (read once per page, so a fresh
/// device does not scan a hamlet's households for every household it pulls).
fn local_household_for(
    db: &Db<'_>,
    h: &HouseholdRecord,
    unmatched: &HashSet<String>,
) -> Result<Option<String>> {
    let by_server_id: Option<String> = db
        .conn()
        .prepare_cached("SELECT id FROM household WHERE server_id = ?1")?
        .query_row([&h.id], |r| r.get(0))
        .optional()?;
    if by_server_id.is_some() {
        return Ok(by_server_id);
    }
    let known: Option<i64> = db
        .conn()
        .prepare_cached("SELECT 1 FROM household WHERE id = ?1")?
        .query_row([&h.id], |r| r.get(0))
        .optional()?;
    if known.is_some() || !unmatched.contains(&h.hamlet_id) {
        return Ok(None);
    }
    let candidates: Vec<(String, String, Option<String>)> = db
        .conn()
        .prepare_cached(
            "SELECT id, head_name, roster_code FROM household
             WHERE hamlet_id = ?1 AND server_known = 0 AND server_id IS NULL
               AND removed_at IS NULL",
        )?
        .query_map([&h.hamlet_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let code = h
        .roster_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let by_code = code.and_then(|code| {
        candidates
            .iter()
            .find(|(_, _, c)| c.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code)))
    });
    let head = text::fold(&h.head);
    let found = by_code.or_else(|| {
        candidates
            .iter()
            .find(|(_, name, c)| (code.is_none() || c.is_none()) && text::fold(name) == head)
    });
    Ok(found.map(|(id, _, _)| id.clone()))
}

/// A pulled household matched to the device's own: the device's row keeps its id, records the
/// server's, takes the server's fields, and takes the server's members — matched to its own by
/// name and birth year, the others added.
fn update_matched_household(db: &Db<'_>, local: &str, h: &HouseholdRecord) -> Result<u64> {
    db.conn()
        .prepare_cached("UPDATE household SET server_id = ?2 WHERE id = ?1")?
        .execute(params![local, h.id])?;
    let household = NewHousehold {
        hamlet_id: h.hamlet_id.clone(),
        head: h.head.clone(),
        address: h.address.clone(),
        phone: h.phone.clone(),
        roster_code: h.roster_code.clone(),
        legacy_code: None,
    };
    // Server fields, but still unknown to the server under this id: it goes up with its next
    // assessment, where the server matches it the same way.
    households::put_household(db, local, &household, Origin::Local)?;
    let mut members = 0;
    let mine = households::members_of(db, local)?;
    for m in &h.members {
        let same = mine.iter().find(|x| {
            x.id == m.id
                || (text::fold(&x.name) == text::fold(&m.name) && x.birth_year == m.birth_year)
        });
        let id = same.map_or(m.id.as_str(), |x| x.id.as_str());
        match households::put_member(db, local, id, &member_of(m)) {
            Ok(()) => members += 1,
            Err(e @ StoreError::Field(_)) => {
                tracing::warn!(id = %m.id, error = %e, "pulled member skipped");
            }
            Err(e) => return Err(e),
        }
    }
    history::record(
        db,
        Row_::Household,
        local,
        Action::Merge,
        None::<&()>,
        Some(&serde_json::json!({ "server_id": h.id })),
    )?;
    Ok(members)
}

fn member_of(m: &hoctap_domain::protocol::MemberRecord) -> NewMember {
    NewMember {
        name: m.name.clone(),
        birth_year: m.birth_year,
        sex: m.sex,
        relation: m.relation.clone(),
        schooling: m.schooling,
        literate: m.literate,
        cdht: m.cdht,
        cdht_group: m.cdht_group.clone(),
        unable_to_learn: m.unable_to_learn,
    }
}

/// Hamlets holding households made on this device and not yet matched to the server's.
fn hamlets_with_unmatched(db: &Db<'_>) -> Result<HashSet<String>> {
    Ok(db
        .conn()
        .prepare_cached(
            "SELECT DISTINCT hamlet_id FROM household
             WHERE server_known = 0 AND server_id IS NULL AND removed_at IS NULL",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

fn upsert_household(
    db: &Db<'_>,
    h: &HouseholdRecord,
    unmatched: &HashSet<String>,
    applied: &mut Applied,
) -> Result<u64> {
    if let Some(local) = local_household_for(db, h, unmatched)? {
        applied.matched += 1;
        return update_matched_household(db, &local, h);
    }
    // Changed here and not sent yet (a member renamed or added since the last upload): the
    // device's copy stands until its next assessment carries it to the server, which turns
    // the differences into proposals for staff; a pulled copy would erase the cadre's edits
    // and leave a new member's assessment unknown to the server. Only members this device
    // does not hold are added; the server sends the household again once staff decide.
    let keep_local = households::unsent_changes(db, &h.id)?;
    if !keep_local {
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
    }
    let mut members = 0;
    for m in &h.members {
        if keep_local && households::holds_member(db, &m.id)? {
            continue;
        }
        match households::write_member(db, &h.id, &m.id, &member_of(m)) {
            Ok(()) => members += 1,
            Err(e @ StoreError::Field(_)) => {
                tracing::warn!(id = %m.id, error = %e, "pulled member skipped");
            }
            Err(e) => return Err(e),
        }
    }
    households::refresh_search(db, &h.id)?;
    Ok(members)
}

/// Apply one page of `GET /sync` and advance the cursor, in `db`'s transaction.
pub fn apply_page(db: &Db<'_>, page: &SyncResponse) -> Result<Applied> {
    let mut applied = Applied::default();
    for h in &page.hamlets {
        if upsert_hamlet(db, h)? {
            applied.matched += 1;
        }
        applied.hamlets += 1;
    }
    let unmatched = if page.households.is_empty() {
        HashSet::new()
    } else {
        hamlets_with_unmatched(db)?
    };
    for h in &page.households {
        applied.members += upsert_household(db, h, &unmatched, &mut applied)?;
        applied.households += 1;
    }
    for c in &page.clans {
        match clans::put_from_server(db, c) {
            Ok(()) => applied.clans += 1,
            Err(e @ StoreError::Field(_)) => {
                tracing::warn!(id = %c.id, error = %e, "pulled clan skipped")
            }
            Err(e) => return Err(e),
        }
    }
    for u in &page.units {
        match org_units::put_from_server(db, u) {
            Ok(()) => applied.units += 1,
            Err(e @ StoreError::Field(_)) => {
                tracing::warn!(id = %u.id, error = %e, "pulled unit skipped")
            }
            Err(e) => return Err(e),
        }
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
        add_comment(db, r)?;
    }
    if let Some(targets) = &page.targets {
        settings::set_server_targets(db, targets)?;
    }
    settings::set(db, KEY_CURSOR, &page.cursor.to_string())?;
    Ok(applied)
}

/// Keep a reviewer's comment in the assessment's thread (once, whatever the replays).
fn add_comment(db: &Db<'_>, r: &ReturnedRecord) -> Result<()> {
    let exists: Option<i64> = db
        .conn()
        .prepare_cached("SELECT 1 FROM assessment WHERE id = ?1")?
        .query_row([&r.assessment_id], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Ok(());
    }
    let id = r.id.clone().unwrap_or_else(|| {
        hoctap_domain::assessment::sha256_hex(
            format!("{}\n{}\n{}", r.assessment_id, r.returned_at, r.comment).as_bytes(),
        )
    });
    outbox::put_comment(
        db,
        &id,
        &r.assessment_id,
        r.reviewer.as_deref(),
        &text::clean(&r.comment),
        &r.returned_at,
    )
}

impl Store {
    /// Apply one page of `GET /sync` atomically (see [`apply_page`]).
    pub fn apply_page(&self, page: &SyncResponse) -> Result<Applied> {
        self.write(|db| apply_page(db, page))
    }
}
