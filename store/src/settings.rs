//! Device settings: a small key → text table for state that is not a row of its own (the
//! enrollment, the pull cursor, the photo upload in progress, summary targets).

use crate::{Db, Result};
use rusqlite::OptionalExtension;

/// A setting's value.
pub fn get(db: &Db<'_>, key: &str) -> Result<Option<String>> {
    Ok(db
        .conn()
        .prepare_cached("SELECT value FROM setting WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Set a setting.
pub fn set(db: &Db<'_>, key: &str, value: &str) -> Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute([key, value])?;
    Ok(())
}

/// Remove a setting (only if it still has `value`, when given).
pub fn remove(db: &Db<'_>, key: &str, value: Option<&str>) -> Result<()> {
    db.conn()
        .prepare_cached("DELETE FROM setting WHERE key = ?1 AND (?2 IS NULL OR value = ?2)")?
        .execute(rusqlite::params![key, value])?;
    Ok(())
}

/// Setting holding the deployment's targets (JSON object: model code → percent or null).
const KEY_TARGETS: &str = "app.targets";

/// The targets in force: the defaults with this device's overrides.
pub fn targets(db: &Db<'_>) -> Result<hoctap_domain::targets::Targets> {
    use hoctap_domain::model::Model;
    use hoctap_domain::targets::Targets;
    let overrides: std::collections::BTreeMap<Model, Option<f64>> = match get(db, KEY_TARGETS)? {
        Some(json) => {
            serde_json::from_str(&json).map_err(|_| crate::StoreError::CorruptSetting {
                key: KEY_TARGETS.into(),
            })?
        }
        None => Default::default(),
    };
    Ok(Targets::with_overrides(&overrides))
}

/// Save the targets in force.
pub fn set_targets(db: &Db<'_>, targets: &hoctap_domain::targets::Targets) -> Result<()> {
    let map: std::collections::BTreeMap<_, _> = targets.iter().collect();
    let json = serde_json::to_string(&map)
        .map_err(|e| crate::StoreError::Internal(format!("targets: {e}")))?;
    set(db, KEY_TARGETS, &json)
}

/// Save the targets the server sent (the device's commune's, this year) as the targets in force:
/// the defaults with the server's values; a value outside 0–100 % is left out (logged).
pub fn set_server_targets(
    db: &Db<'_>,
    sent: &std::collections::BTreeMap<hoctap_domain::model::Model, Option<f64>>,
) -> Result<()> {
    let mut t = hoctap_domain::targets::Targets::default();
    for (model, percent) in sent {
        if let Err(e) = t.set(*model, *percent) {
            tracing::warn!(%model, error = %e, "target from the server skipped");
        }
    }
    set_targets(db, &t)
}

impl crate::Store {
    /// The targets in force.
    pub fn targets(&self) -> Result<hoctap_domain::targets::Targets> {
        self.read(targets)
    }

    /// Set (or clear) one model's target.
    pub fn set_target(
        &self,
        model: hoctap_domain::model::Model,
        percent: Option<f64>,
    ) -> Result<std::result::Result<(), hoctap_domain::targets::BadTarget>> {
        self.write_checked(|db| {
            let mut t = targets(db)?;
            if let Err(e) = t.set(model, percent) {
                return Ok(Err(e));
            }
            set_targets(db, &t)?;
            Ok(Ok(()))
        })
    }
}
