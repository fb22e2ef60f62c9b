//! Clans (dòng họ): a clan links households, possibly across hamlets. Added and edited on the
//! device, or pulled from the server (which sends a clan only to devices that cover all of its
//! hamlets). Removal is soft, with history.

use crate::codec::Coded;
use crate::error::Entity;
use crate::history::{self, Action, Entity as Row_};
use crate::{Db, Result, Store, StoreError};
use hoctap_domain::protocol::ClanRecord;
use hoctap_domain::roster::{required_name, Field};
use hoctap_domain::state::AssessmentState;
use hoctap_domain::text;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A clan as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clan {
    pub id: String,
    pub name: String,
    /// Its households on this device.
    pub household_ids: Vec<String>,
    /// The hamlets those households are in (names, Vietnamese order).
    pub hamlets: Vec<String>,
    pub removed_at: Option<String>,
}

fn write_links(db: &Db<'_>, id: &str, household_ids: &[String], strict: bool) -> Result<()> {
    db.conn()
        .prepare_cached("DELETE FROM clan_household WHERE clan_id = ?1")?
        .execute([id])?;
    for h in household_ids {
        let known: Option<i64> = db
            .conn()
            .prepare_cached("SELECT 1 FROM household WHERE id = ?1 AND removed_at IS NULL")?
            .query_row([h], |r| r.get(0))
            .optional()?;
        if known.is_none() {
            if strict {
                return Err(StoreError::not_found(Entity::Household, h.clone()));
            }
            // A pulled clan may name households outside this device's hamlets.
            continue;
        }
        db.conn()
            .prepare_cached(
                "INSERT INTO clan_household (clan_id, household_id) VALUES (?1, ?2)
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![id, h])?;
    }
    Ok(())
}

/// Write a clan: insert it with `id`, or update the row with that id (the one statement that
/// writes clan rows), and its household links.
fn put(db: &Db<'_>, id: &str, name: &str, households: &[String], server: bool) -> Result<()> {
    let name = required_name(Field::ClanName, name)?;
    let now = db.now();
    db.conn()
        .prepare_cached(
            "INSERT INTO clan (id, name, name_fold, created_at, created_offset, updated_at,
                               server_known)
             VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_fold = excluded.name_fold,
                 updated_at = excluded.updated_at, server_known = excluded.server_known",
        )?
        .execute(params![
            id,
            name,
            text::fold(&name),
            now.utc,
            now.offset_minutes,
            server
        ])?;
    write_links(db, id, households, !server)
}

/// Add a clan linking households; returns its id.
pub fn insert(db: &Db<'_>, name: &str, household_ids: &[String]) -> Result<String> {
    let id = db.new_id();
    put(db, &id, name, household_ids, false)?;
    history::record(
        db,
        Row_::Clan,
        &id,
        Action::Add,
        None::<&()>,
        Some(&get(db, &id)?),
    )?;
    Ok(id)
}

/// Link a household to the clan named `name` (ignoring case and diacritics), adding the clan
/// when none has that name (the roster import's `clan` column). Whether a link was added.
pub fn link_by_name(db: &Db<'_>, name: &str, household_id: &str) -> Result<bool> {
    let name = required_name(Field::ClanName, name)?;
    let existing: Vec<String> = db
        .conn()
        .prepare_cached("SELECT id FROM clan WHERE name_fold = ?1 AND removed_at IS NULL")?
        .query_map([text::fold(&name)], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let id = match existing.as_slice() {
        [] => return insert(db, &name, &[household_id.to_string()]).map(|_| true),
        [one] => one.clone(),
        many => {
            return Err(StoreError::AmbiguousCode {
                code: name,
                candidates: many.to_vec(),
            })
        }
    };
    let n = db
        .conn()
        .prepare_cached(
            "INSERT INTO clan_household (clan_id, household_id) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![id, household_id])?;
    if n > 0 {
        db.conn()
            .prepare_cached("UPDATE clan SET server_known = 0, updated_at = ?2 WHERE id = ?1")?
            .execute(params![id, db.now().utc])?;
    }
    Ok(n > 0)
}

/// A pulled clan: upserted by the server's id; only its households on this device are linked.
pub fn put_from_server(db: &Db<'_>, c: &ClanRecord) -> Result<()> {
    put(db, &c.id, &c.name, &c.household_ids, true)
}

/// A clan by id (also a removed one).
pub fn get(db: &Db<'_>, id: &str) -> Result<Clan> {
    let (name, removed_at): (String, Option<String>) = db
        .conn()
        .prepare_cached("SELECT name, removed_at FROM clan WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Clan, id))?;
    let household_ids: Vec<String> = db
        .conn()
        .prepare_cached(
            "SELECT c.household_id FROM clan_household c JOIN household h ON h.id = c.household_id
             WHERE c.clan_id = ?1 AND h.removed_at IS NULL ORDER BY h.sort_key, h.id",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let hamlets: Vec<String> = db
        .conn()
        .prepare_cached(
            "SELECT DISTINCT t.name, t.sort_key FROM clan_household c
             JOIN household h ON h.id = c.household_id JOIN hamlet t ON t.id = h.hamlet_id
             WHERE c.clan_id = ?1 AND h.removed_at IS NULL ORDER BY t.sort_key",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Clan {
        id: id.to_string(),
        name,
        household_ids,
        hamlets,
        removed_at,
    })
}

/// Every clan (not removed), in name order.
pub fn list(db: &Db<'_>) -> Result<Vec<Clan>> {
    let ids: Vec<String> = db
        .conn()
        .prepare_cached("SELECT id FROM clan WHERE removed_at IS NULL ORDER BY name_fold, id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter().map(|id| get(db, id)).collect()
}

/// A clan by id, or by its name when exactly one clan has it (ignoring case and diacritics).
pub fn resolve(db: &Db<'_>, id_or_name: &str) -> Result<Clan> {
    if let Ok(c) = get(db, id_or_name.trim()) {
        return Ok(c);
    }
    let ids: Vec<String> = db
        .conn()
        .prepare_cached("SELECT id FROM clan WHERE name_fold = ?1 AND removed_at IS NULL")?
        .query_map([text::fold(id_or_name)], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    match ids.as_slice() {
        [one] => get(db, one),
        [] => Err(StoreError::not_found(Entity::Clan, id_or_name)),
        many => Err(StoreError::AmbiguousCode {
            code: id_or_name.to_string(),
            candidates: many.to_vec(),
        }),
    }
}

/// Rename a clan and/or set its households (with history).
pub fn edit(
    db: &Db<'_>,
    id: &str,
    name: Option<&str>,
    households: Option<&[String]>,
) -> Result<Clan> {
    let before = get(db, id)?;
    let name = name.unwrap_or(&before.name).to_string();
    let households = households
        .map(<[String]>::to_vec)
        .unwrap_or_else(|| before.household_ids.clone());
    put(db, id, &name, &households, false)?;
    let after = get(db, id)?;
    history::record(
        db,
        Row_::Clan,
        id,
        Action::Edit,
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Remove a clan softly, refused while it has a finalized assessment.
pub fn remove(db: &Db<'_>, id: &str) -> Result<()> {
    let before = get(db, id)?;
    let finalized: i64 = db
        .conn()
        .prepare_cached(
            "SELECT count(*) FROM assessment
             WHERE state = ?2 AND subject_kind = 'clan' AND subject_id = ?1",
        )?
        .query_row(params![id, Coded(AssessmentState::Finalized)], |r| r.get(0))?;
    if finalized > 0 {
        return Err(StoreError::InUse {
            entity: Entity::Clan,
            id: id.to_string(),
            finalized: u64::try_from(finalized).unwrap_or(0),
        });
    }
    db.conn()
        .prepare_cached("UPDATE clan SET removed_at = ?2, server_known = 0 WHERE id = ?1")?
        .execute(params![id, db.now().utc])?;
    history::record(
        db,
        Row_::Clan,
        id,
        Action::Remove,
        Some(&before),
        None::<&()>,
    )?;
    Ok(())
}

/// The clan as a record to send with its assessment when the server does not know it (made or
/// changed on this device).
pub fn unknown_to_server(db: &Db<'_>, id: &str) -> Result<Option<ClanRecord>> {
    let known: Option<bool> = db
        .conn()
        .prepare_cached("SELECT server_known FROM clan WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if known != Some(false) {
        return Ok(None);
    }
    let c = get(db, id)?;
    Ok(Some(ClanRecord {
        id: c.id,
        name: c.name,
        household_ids: c.household_ids,
    }))
}

impl Store {
    /// Add a clan (dòng họ) linking households.
    pub fn add_clan(&self, name: &str, household_ids: &[String]) -> Result<String> {
        self.write(|db| insert(db, name, household_ids))
    }

    /// A clan by id or name.
    pub fn clan(&self, id_or_name: &str) -> Result<Clan> {
        self.read(|db| resolve(db, id_or_name))
    }

    /// Every clan on the device.
    pub fn clans(&self) -> Result<Vec<Clan>> {
        self.read(list)
    }

    /// Rename a clan and/or set its households.
    pub fn edit_clan(
        &self,
        id: &str,
        name: Option<&str>,
        households: Option<&[String]>,
    ) -> Result<Clan> {
        self.write(|db| edit(db, id, name, households))
    }

    /// Remove a clan (softly).
    pub fn remove_clan(&self, id: &str) -> Result<()> {
        self.write(|db| remove(db, id))
    }
}
