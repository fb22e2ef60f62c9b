//! The history of the roster: every add, edit, move, removal, restoration and merge of a hamlet,
//! household, member, clan or unit, with the row before and after as JSON. Roster rows are never
//! deleted by a person: removal is soft (`removed_at`) and written here.

use crate::codec::{self, Coded};
use crate::{Db, Result, Store};
use rusqlite::params;
use serde::Serialize;

hoctap_domain::coded_enum! {
    /// What kind of roster row changed.
    pub enum Entity("roster entity") {
        Hamlet = "hamlet",
        Household = "household",
        Member = "member",
        Clan = "clan",
        Unit = "unit",
    }
}

hoctap_domain::coded_enum! {
    /// What happened to it.
    pub enum Action("roster action") {
        Add = "add",
        Edit = "edit",
        Move = "move",
        Remove = "remove",
        Restore = "restore",
        /// Matched to the server's row when the device first synced.
        Merge = "merge",
    }
}

/// One change, as the history shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub entity: Entity,
    pub entity_id: String,
    pub action: Action,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: String,
}

fn json(v: Option<&impl Serialize>) -> Option<String> {
    v.and_then(|v| serde_json::to_string(v).ok())
}

/// Record a change.
pub fn record(
    db: &Db<'_>,
    entity: Entity,
    id: &str,
    action: Action,
    before: Option<&impl Serialize>,
    after: Option<&impl Serialize>,
) -> Result<()> {
    let now = db.now();
    db.conn()
        .prepare_cached(
            "INSERT INTO roster_change (entity, entity_id, action, before, after, at, at_offset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            Coded(entity),
            id,
            Coded(action),
            json(before),
            json(after),
            now.utc,
            now.offset_minutes
        ])?;
    Ok(())
}

/// The changes of one row, oldest first.
pub fn of(db: &Db<'_>, entity: Entity, id: &str) -> Result<Vec<Change>> {
    let rows = db
        .conn()
        .prepare_cached(
            "SELECT entity, entity_id, action, before, after, at FROM roster_change
             WHERE entity = ?1 AND entity_id = ?2 ORDER BY id",
        )?
        .query_map(params![Coded(entity), id], |r| {
            let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
            Ok(Change {
                entity: codec::get(r, 0)?,
                entity_id: r.get(1)?,
                action: codec::get(r, 2)?,
                before: parse(r.get(3)?),
                after: parse(r.get(4)?),
                at: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

impl Store {
    /// The history of one roster row, oldest first.
    pub fn history(&self, entity: Entity, id: &str) -> Result<Vec<Change>> {
        self.read(|db| of(db, entity, id))
    }
}

/// Vietnamese for a kind of roster row, as history lists show it.
pub fn entity_label(e: Entity) -> &'static str {
    match e {
        Entity::Hamlet => "thôn",
        Entity::Household => "hộ",
        Entity::Member => "thành viên",
        Entity::Clan => "dòng họ",
        Entity::Unit => "đơn vị",
    }
}

/// Vietnamese for an action, as history lists show it.
pub fn label(a: Action) -> &'static str {
    match a {
        Action::Add => "thêm",
        Action::Edit => "sửa",
        Action::Move => "chuyển thôn",
        Action::Remove => "xoá",
        Action::Restore => "khôi phục",
        Action::Merge => "khớp với danh sách của xã",
    }
}
