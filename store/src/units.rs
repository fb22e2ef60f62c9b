//! Administrative units in the two-tier structure in force since 1 July 2025:
//! province (official code) → commune (official code) → hamlet (thôn / tổ dân phố, local id).
//! There is no district tier; records from before July 2025 keep their legacy codes.

use crate::codec::{self, Coded};
use crate::error::Entity;
use crate::{Db, Result, Store, StoreError};
use hoctap_domain::protocol::HamletRecord;
use hoctap_domain::roster::{required_name, Field};
use hoctap_domain::text;
use hoctap_domain::time::is_id;
use hoctap_domain::units::{CommuneKind, HamletKind};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

/// A hamlet (thôn) or urban residential group (tổ dân phố).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hamlet {
    pub id: String,
    pub name: String,
    pub kind: HamletKind,
    pub commune_code: Option<String>,
    pub local_code: Option<String>,
}

/// What is needed to add a hamlet.
#[derive(Debug, Clone, Default)]
pub struct NewHamlet {
    pub name: String,
    /// `thon` when not given.
    pub kind: Option<HamletKind>,
    pub commune_code: Option<String>,
    pub local_code: Option<String>,
    pub legacy_commune_code: Option<String>,
}

fn hamlet_from_row(r: &Row<'_>) -> rusqlite::Result<Hamlet> {
    Ok(Hamlet {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: codec::get(r, 2)?,
        commune_code: r.get(3)?,
        local_code: r.get(4)?,
    })
}

const HAMLET_COLS: &str = "id, name, kind, commune_code, local_code";

/// Add or rename a province by its official code.
pub fn put_province(db: &Db<'_>, code: &str, name: &str) -> Result<()> {
    let code = required_name(Field::ProvinceCode, code)?;
    db.conn()
        .prepare_cached(
            "INSERT INTO province (code, name) VALUES (?1, ?2)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name",
        )?
        .execute(params![code, text::clean(name)])?;
    Ok(())
}

/// Add or update a commune (xã, phường or đặc khu) by its official code.
pub fn put_commune(
    db: &Db<'_>,
    code: &str,
    province_code: &str,
    name: &str,
    kind: CommuneKind,
    legacy: (Option<&str>, Option<&str>),
) -> Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO commune (code, province_code, name, kind, legacy_district_code, legacy_commune_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind",
        )?
        .execute(params![
            code.trim(),
            province_code.trim(),
            text::clean(name),
            Coded(kind),
            legacy.0,
            legacy.1
        ])
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                StoreError::not_found(Entity::Province, province_code.trim())
            }
            other => other.into(),
        })?;
    Ok(())
}

/// Add a hamlet. Names are unique on the device (compared after NFC cleaning and, when no exact
/// match exists, ignoring case and diacritics).
pub fn insert_hamlet(db: &Db<'_>, new: &NewHamlet) -> Result<Hamlet> {
    let name = required_name(Field::HamletName, &new.name)?;
    if let Some(existing) = find_by_name(db, &name)? {
        // Named as the device has it ("Thôn Đông"), whatever the spelling typed ("THÔN ĐÔNG").
        return Err(StoreError::HamletExists {
            name: existing.name,
        });
    }
    let kind = new.kind.unwrap_or(HamletKind::Thon);
    let id = db.new_id();
    let now = db.now();
    db.conn()
        .prepare_cached(
            "INSERT INTO hamlet (id, commune_code, local_code, name, name_fold, sort_key, kind,
                                 legacy_commune_code, created_at, created_offset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            id,
            new.commune_code,
            new.local_code,
            name,
            text::fold(&name),
            text::label_sort_key(&name),
            Coded(kind),
            new.legacy_commune_code,
            now.utc,
            now.offset_minutes
        ])
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                StoreError::not_found(
                    Entity::Commune,
                    new.commune_code.clone().unwrap_or_default(),
                )
            }
            other => other.into(),
        })?;
    get_hamlet(db, &id)
}

/// After upgrading from a schema that did not say which hamlets came from the server: the
/// hamlets of the enrolled device's scope did (their ids are the server's).
pub fn mark_scope_server_known(db: &Db<'_>) -> Result<()> {
    let Some(e) = crate::outbox::enrollment(db)? else {
        return Ok(());
    };
    let mut stmt = db
        .conn()
        .prepare_cached("UPDATE hamlet SET server_known = 1 WHERE id = ?1")?;
    for h in &e.scope.hamlets {
        stmt.execute([&h.id])?;
    }
    Ok(())
}

/// The hamlet as a record when the server does not know it (made on the device before
/// enrolling, possibly merged since into the server's hamlet of the same name), else `None`.
pub fn unknown_to_server(db: &Db<'_>, id: &str) -> Result<Option<HamletRecord>> {
    let row: Option<(bool, Hamlet)> = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {HAMLET_COLS}, server_known FROM hamlet WHERE id = ?1"
        ))?
        .query_row([id], |r| Ok((r.get(5)?, hamlet_from_row(r)?)))
        .optional()?;
    Ok(row.filter(|(known, _)| !known).map(|(_, h)| HamletRecord {
        // A merged row's name was suffixed with its id to free the name for the server's.
        name: h
            .name
            .strip_suffix(&format!(" ({})", h.id))
            .map_or_else(|| h.name.clone(), str::to_string),
        id: h.id,
        kind: h.kind,
        commune_code: h.commune_code,
        place: None,
    }))
}

/// A hamlet by id.
pub fn get_hamlet(db: &Db<'_>, id: &str) -> Result<Hamlet> {
    db.conn()
        .prepare_cached(&format!("SELECT {HAMLET_COLS} FROM hamlet WHERE id = ?1"))?
        .query_row([id], hamlet_from_row)
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Hamlet, id))
}

/// Find a hamlet by name, ignoring case and diacritics when no exact (NFC) match exists.
/// An ambiguous folded name is an error that lists the candidates.
pub fn find_by_name(db: &Db<'_>, name: &str) -> Result<Option<Hamlet>> {
    let name = text::clean(name);
    let exact = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {HAMLET_COLS} FROM hamlet WHERE name = ?1 AND removed_at IS NULL"
        ))?
        .query_row([&name], hamlet_from_row)
        .optional()?;
    if exact.is_some() {
        return Ok(exact);
    }
    let found: Vec<Hamlet> = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {HAMLET_COLS} FROM hamlet WHERE name_fold = ?1 AND removed_at IS NULL
             ORDER BY sort_key"
        ))?
        .query_map([text::fold(&name)], hamlet_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.into_iter().next()),
        _ => Err(StoreError::HamletAmbiguous {
            name,
            candidates: found.into_iter().map(|h| h.name).collect(),
        }),
    }
}

/// A hamlet by id or name, or a not-found error.
pub fn resolve_hamlet(db: &Db<'_>, id_or_name: &str) -> Result<Hamlet> {
    if is_id(id_or_name) {
        if let Ok(h) = get_hamlet(db, id_or_name) {
            return Ok(h);
        }
    }
    find_by_name(db, id_or_name)?.ok_or_else(|| StoreError::not_found(Entity::Hamlet, id_or_name))
}

/// All hamlets in Vietnamese order.
pub fn list_hamlets(db: &Db<'_>) -> Result<Vec<Hamlet>> {
    let rows = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {HAMLET_COLS} FROM hamlet WHERE removed_at IS NULL ORDER BY sort_key"
        ))?
        .query_map([], hamlet_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Names of all hamlets by id (a commune has tens).
pub fn hamlet_names(db: &Db<'_>) -> Result<std::collections::HashMap<String, String>> {
    let rows = db
        .conn()
        .prepare_cached("SELECT id, name FROM hamlet")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

impl Store {
    /// Add a province by its official code.
    pub fn add_province(&self, code: &str, name: &str) -> Result<()> {
        self.write(|db| put_province(db, code, name))
    }

    /// Add a commune (xã, phường or đặc khu) by its official code.
    pub fn add_commune(
        &self,
        code: &str,
        province_code: &str,
        name: &str,
        kind: CommuneKind,
        legacy: (Option<&str>, Option<&str>),
    ) -> Result<()> {
        self.write(|db| put_commune(db, code, province_code, name, kind, legacy))
    }

    /// Add a hamlet.
    pub fn add_hamlet(&self, new: &NewHamlet) -> Result<Hamlet> {
        self.write(|db| insert_hamlet(db, new))
    }

    /// A hamlet by id.
    pub fn hamlet(&self, id: &str) -> Result<Hamlet> {
        self.read(|db| get_hamlet(db, id))
    }

    /// Find a hamlet by name (see [`find_by_name`]).
    pub fn hamlet_by_name(&self, name: &str) -> Result<Option<Hamlet>> {
        self.read(|db| find_by_name(db, name))
    }

    /// Find a hamlet by id or name, or fail with a clear error.
    pub fn resolve_hamlet(&self, id_or_name: &str) -> Result<Hamlet> {
        self.read(|db| resolve_hamlet(db, id_or_name))
    }

    /// All hamlets in Vietnamese order.
    pub fn hamlets(&self) -> Result<Vec<Hamlet>> {
        self.read(list_hamlets)
    }
}
