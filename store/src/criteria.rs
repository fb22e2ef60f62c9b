//! Criteria sets on the device: those installed (published by the server or loaded from a file)
//! and those built in, each parsed and hashed once and then shared from a per-store cache keyed
//! by content hash. Looking a set up for an assessment — every answer, every evaluation — costs a
//! map lookup, never a parse or a hash (a test counts them).

use crate::error::Entity;
use crate::{Db, Result, Store, StoreError};
use hoctap_domain::criteria::builtin::{builtin_by_sha256, builtin_set};
use hoctap_domain::criteria::{parse_set, LoadedSet};
use rusqlite::{params, OptionalExtension};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Loaded sets by content hash.
#[derive(Debug, Default)]
pub struct Cache(RefCell<HashMap<String, Arc<LoadedSet>>>);

impl Cache {
    fn get(&self, sha256: &str) -> Option<Arc<LoadedSet>> {
        self.0.borrow().get(sha256).cloned()
    }

    fn put(&self, set: &Arc<LoadedSet>) {
        self.0
            .borrow_mut()
            .insert(set.sha256().to_string(), Arc::clone(set));
    }
}

/// Parse, validate and install a set's TOML text; returns the loaded set.
pub fn install(db: &Db<'_>, toml_src: &str, file: &str) -> Result<Arc<LoadedSet>> {
    let set = LoadedSet::new(parse_set(toml_src, file).map_err(StoreError::InvalidCriteria)?);
    put(db, &set, toml_src)?;
    Ok(set)
}

/// Install an already validated set with its source text (a published set).
pub fn put(db: &Db<'_>, set: &Arc<LoadedSet>, toml_src: &str) -> Result<()> {
    let now = db.now();
    db.conn()
        .prepare_cached(
            "INSERT INTO criteria_set (id, version, sha256, model, source, installed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id, version) DO UPDATE SET sha256 = excluded.sha256,
                 model = excluded.model, source = excluded.source,
                 installed_at = excluded.installed_at",
        )?
        .execute(params![
            set.id,
            set.version,
            set.sha256(),
            set.model.code(),
            toml_src,
            now.utc
        ])?;
    db.criteria.put(set);
    Ok(())
}

fn load_installed(db: &Db<'_>, sha256: &str, id: &str) -> Result<Option<Arc<LoadedSet>>> {
    let source: Option<String> = db
        .conn()
        .prepare_cached("SELECT source FROM criteria_set WHERE sha256 = ?1")?
        .query_row([sha256], |r| r.get(0))
        .optional()?;
    let Some(source) = source else {
        return Ok(None);
    };
    let set = LoadedSet::new(parse_set(&source, id).map_err(StoreError::InvalidCriteria)?);
    if set.sha256() != sha256 {
        return Ok(None);
    }
    db.criteria.put(&set);
    Ok(Some(set))
}

/// The newest version of the set with this id, installed (or pulled) on the device or built
/// in; an installed set wins a tie. A device that installed version 1 still starts new
/// assessments with a newer built-in version 2 once the app is updated.
pub fn newest(db: &Db<'_>, id: &str) -> Result<Arc<LoadedSet>> {
    let installed: Option<(String, u32)> = db
        .conn()
        .prepare_cached(
            "SELECT sha256, version FROM criteria_set WHERE id = ?1 ORDER BY version DESC LIMIT 1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let builtin = builtin_set(id);
    if let Some((sha, version)) = installed {
        if builtin.as_ref().is_none_or(|b| b.version <= version) {
            if let Some(set) = db.criteria.get(&sha) {
                return Ok(set);
            }
            if let Some(set) = load_installed(db, &sha, id)? {
                return Ok(set);
            }
        }
    }
    builtin.ok_or_else(|| StoreError::not_found(Entity::CriteriaSet, id))
}

/// The exact set (by content hash) an assessment was started with.
pub fn exact(db: &Db<'_>, id: &str, sha256: &str) -> Result<Arc<LoadedSet>> {
    if let Some(set) = db.criteria.get(sha256) {
        return Ok(set);
    }
    if let Some(set) = builtin_by_sha256(sha256) {
        db.criteria.put(&set);
        return Ok(set);
    }
    load_installed(db, sha256, id)?.ok_or_else(|| StoreError::CriteriaUnavailable {
        id: id.to_string(),
        sha256: sha256.to_string(),
    })
}

/// Ids of the sets installed on the device.
pub fn installed_ids(db: &Db<'_>) -> Result<Vec<String>> {
    let ids = db
        .conn()
        .prepare_cached("SELECT DISTINCT id FROM criteria_set ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Every set available: built in, then installed (the newest version of each id; an installed
/// set replaces a built-in one of the same id), each with where it comes from.
pub fn available(db: &Db<'_>) -> Result<Vec<(Arc<LoadedSet>, Source)>> {
    let mut sets: Vec<(Arc<LoadedSet>, Source)> = hoctap_domain::criteria::builtin::builtin_sets()
        .into_iter()
        .map(|s| (s, Source::Builtin))
        .collect();
    for id in installed_ids(db)? {
        let set = newest(db, &id)?;
        sets.retain(|(s, _)| s.id != set.id);
        sets.push((set, Source::Installed));
    }
    Ok(sets)
}

hoctap_domain::coded_enum! {
    /// Where a set on the device comes from.
    pub enum Source("criteria source") {
        /// Compiled into the app.
        Builtin = "builtin",
        /// Published by the server or installed from a file.
        Installed = "installed",
    }
}

impl Store {
    /// Install a criteria set (TOML text) on this device, after full validation.
    pub fn install_criteria(&self, toml_src: &str, file: &str) -> Result<Arc<LoadedSet>> {
        self.write(|db| install(db, toml_src, file))
    }

    /// The newest set with this id: installed on the device, else built in.
    pub fn criteria_set(&self, id: &str) -> Result<Arc<LoadedSet>> {
        self.read(|db| newest(db, id))
    }

    /// Every set available on the device (see [`available`]).
    pub fn criteria_sets(&self) -> Result<Vec<(Arc<LoadedSet>, Source)>> {
        self.read(available)
    }
}
