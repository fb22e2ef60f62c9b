//! Units (đơn vị học tập): schools, offices, enterprises — in a hamlet, or at commune level.
//! Added on the device or pulled from the server; removal is soft, with history.

use crate::codec::{self, Coded};
use crate::error::Entity;
use crate::history::{self, Action, Entity as Row_};
use crate::{units, Db, Result, Store, StoreError};
use hoctap_domain::protocol::{UnitKind, UnitRecord};
use hoctap_domain::roster::{required_name, Field};
use hoctap_domain::state::AssessmentState;
use hoctap_domain::text;
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

/// A unit as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    /// `None` for a commune-level unit.
    pub hamlet_id: Option<String>,
    pub hamlet: Option<String>,
    pub commune_code: Option<String>,
    pub removed_at: Option<String>,
}

/// What is needed to add a unit.
#[derive(Debug, Clone)]
pub struct NewUnit {
    pub name: String,
    pub kind: UnitKind,
    pub hamlet_id: Option<String>,
    pub commune_code: Option<String>,
}

const COLS: &str = "u.id, u.name, u.kind, u.hamlet_id, t.name, u.commune_code, u.removed_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Unit> {
    Ok(Unit {
        id: r.get(0)?,
        name: r.get(1)?,
        // Units made before kinds were codes may have none: read as "other".
        kind: codec::get_opt(r, 2)?.unwrap_or(UnitKind::Other),
        hamlet_id: r.get(3)?,
        hamlet: r.get(4)?,
        commune_code: r.get(5)?,
        removed_at: r.get(6)?,
    })
}

/// Write a unit (the one statement that writes unit rows).
fn put(db: &Db<'_>, id: &str, u: &NewUnit, server: bool) -> Result<()> {
    let name = required_name(Field::UnitName, &u.name)?;
    if let Some(h) = &u.hamlet_id {
        units::get_hamlet(db, h)?;
    }
    let now = db.now();
    db.conn()
        .prepare_cached(
            "INSERT INTO unit (id, commune_code, hamlet_id, name, name_fold, kind, created_at,
                               created_offset, updated_at, server_known)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?9)
             ON CONFLICT (id) DO UPDATE SET commune_code = excluded.commune_code,
                 hamlet_id = excluded.hamlet_id, name = excluded.name,
                 name_fold = excluded.name_fold, kind = excluded.kind,
                 updated_at = excluded.updated_at, server_known = excluded.server_known",
        )?
        .execute(params![
            id,
            u.commune_code,
            u.hamlet_id,
            name,
            text::fold(&name),
            Coded(u.kind),
            now.utc,
            now.offset_minutes,
            server
        ])
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                StoreError::not_found(Entity::Commune, u.commune_code.clone().unwrap_or_default())
            }
            other => other.into(),
        })?;
    Ok(())
}

/// Add a unit; returns its id.
pub fn insert(db: &Db<'_>, u: &NewUnit) -> Result<String> {
    let id = db.new_id();
    put(db, &id, u, false)?;
    history::record(
        db,
        Row_::Unit,
        &id,
        Action::Add,
        None::<&()>,
        Some(&get(db, &id)?),
    )?;
    Ok(id)
}

/// A pulled unit, upserted by the server's id.
pub fn put_from_server(db: &Db<'_>, u: &UnitRecord) -> Result<()> {
    // The device's commune table may not list the unit's commune: keep the code only when
    // the row exists (the foreign key), the unit itself is what matters.
    let commune: Option<String> = match &u.commune_code {
        Some(c) => db
            .conn()
            .prepare_cached("SELECT code FROM commune WHERE code = ?1")?
            .query_row([c], |r| r.get(0))
            .optional()?,
        None => None,
    };
    let hamlet = match &u.hamlet_id {
        Some(h) if units::get_hamlet(db, h).is_ok() => Some(h.clone()),
        _ => None,
    };
    put(
        db,
        &u.id,
        &NewUnit {
            name: u.name.clone(),
            kind: u.kind,
            hamlet_id: hamlet,
            commune_code: commune,
        },
        true,
    )
}

/// A unit by id (also a removed one).
pub fn get(db: &Db<'_>, id: &str) -> Result<Unit> {
    db.conn()
        .prepare_cached(&format!(
            "SELECT {COLS} FROM unit u LEFT JOIN hamlet t ON t.id = u.hamlet_id WHERE u.id = ?1"
        ))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Unit, id))
}

/// A unit by id, or by its name when exactly one unit has it (ignoring case and diacritics).
pub fn resolve(db: &Db<'_>, id_or_name: &str) -> Result<Unit> {
    if let Ok(u) = get(db, id_or_name.trim()) {
        return Ok(u);
    }
    let ids: Vec<String> = db
        .conn()
        .prepare_cached("SELECT id FROM unit WHERE name_fold = ?1 AND removed_at IS NULL")?
        .query_map([text::fold(id_or_name)], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    match ids.as_slice() {
        [one] => get(db, one),
        [] => Err(StoreError::not_found(Entity::Unit, id_or_name)),
        many => Err(StoreError::AmbiguousCode {
            code: id_or_name.to_string(),
            candidates: many.to_vec(),
        }),
    }
}

/// Every unit (not removed), in name order.
pub fn list(db: &Db<'_>) -> Result<Vec<Unit>> {
    let rows = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {COLS} FROM unit u LEFT JOIN hamlet t ON t.id = u.hamlet_id
             WHERE u.removed_at IS NULL ORDER BY u.name_fold, u.id"
        ))?
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Change a unit (with history).
pub fn edit(db: &Db<'_>, id: &str, change: &NewUnit) -> Result<Unit> {
    let before = get(db, id)?;
    put(db, id, change, false)?;
    let after = get(db, id)?;
    history::record(
        db,
        Row_::Unit,
        id,
        Action::Edit,
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Remove a unit softly, refused while it has a finalized assessment.
pub fn remove(db: &Db<'_>, id: &str) -> Result<()> {
    let before = get(db, id)?;
    let finalized: i64 = db
        .conn()
        .prepare_cached(
            "SELECT count(*) FROM assessment
             WHERE state = ?2 AND subject_kind = 'unit' AND subject_id = ?1",
        )?
        .query_row(params![id, Coded(AssessmentState::Finalized)], |r| r.get(0))?;
    if finalized > 0 {
        return Err(StoreError::InUse {
            entity: Entity::Unit,
            id: id.to_string(),
            finalized: u64::try_from(finalized).unwrap_or(0),
        });
    }
    db.conn()
        .prepare_cached("UPDATE unit SET removed_at = ?2, server_known = 0 WHERE id = ?1")?
        .execute(params![id, db.now().utc])?;
    history::record(
        db,
        Row_::Unit,
        id,
        Action::Remove,
        Some(&before),
        None::<&()>,
    )?;
    Ok(())
}

/// The unit as a record to send with its assessment when the server does not know it.
pub fn unknown_to_server(db: &Db<'_>, id: &str) -> Result<Option<UnitRecord>> {
    let known: Option<bool> = db
        .conn()
        .prepare_cached("SELECT server_known FROM unit WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if known != Some(false) {
        return Ok(None);
    }
    let u = get(db, id)?;
    Ok(Some(UnitRecord {
        id: u.id,
        name: u.name,
        kind: u.kind,
        hamlet_id: u.hamlet_id,
        commune_code: u.commune_code,
    }))
}

impl Store {
    /// Add a unit (đơn vị: school, office, enterprise).
    pub fn add_unit(&self, u: &NewUnit) -> Result<Unit> {
        self.write(|db| {
            let id = insert(db, u)?;
            get(db, &id)
        })
    }

    /// A unit by id or name.
    pub fn unit(&self, id_or_name: &str) -> Result<Unit> {
        self.read(|db| resolve(db, id_or_name))
    }

    /// Every unit on the device.
    pub fn units(&self) -> Result<Vec<Unit>> {
        self.read(list)
    }

    /// Change a unit.
    pub fn edit_unit(&self, id: &str, change: &NewUnit) -> Result<Unit> {
        self.write(|db| edit(db, id, change))
    }

    /// Remove a unit (softly).
    pub fn remove_unit(&self, id: &str) -> Result<()> {
        self.write(|db| remove(db, id))
    }
}
