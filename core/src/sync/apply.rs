//! Applying what the server sent (`GET /sync`) to the device store, in one transaction per page:
//! hamlets, households and members upserted by their server ids (never deleting anything the
//! device holds), criteria sets validated and installed, and assessments returned for correction
//! marked with the reviewer's comment.

use super::protocol::{HamletRecord, HouseholdRecord, SyncResponse};
use crate::store::households::{refresh_search, sex_code};
use crate::store::{Result, Store, StoreError};
use crate::{clock, text};
use rusqlite::{params, Transaction, TransactionBehavior};
use serde::Serialize;

/// What one page changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub hamlets: u64,
    pub households: u64,
    pub members: u64,
    pub criteria: u64,
    pub returned: u64,
}

fn upsert_hamlet(tx: &Transaction<'_>, h: &HamletRecord) -> Result<()> {
    let name = text::clean(&h.name);
    let now = clock::now();
    let kind = if h.kind == "to_dan_pho" {
        "to_dan_pho"
    } else {
        "thon"
    };
    tx.prepare_cached(
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
        kind,
        now.utc,
        now.offset_minutes
    ])
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            StoreError::Invalid(format!(
                "Thôn \"{name}\" đã có trên máy với mã khác; không thể gộp / a local hamlet has the same name"
            ))
        }
        other => other.into(),
    })?;
    Ok(())
}

fn upsert_household(tx: &Transaction<'_>, h: &HouseholdRecord) -> Result<u64> {
    let head = text::clean(&h.head);
    let now = clock::now();
    let clean = |s: &Option<String>| s.as_deref().map(text::clean).filter(|s| !s.is_empty());
    tx.prepare_cached(
        "INSERT INTO household (id, hamlet_id, head_name, sort_key, search_fold, address, phone,
                                roster_code, created_at, created_offset, updated_at, server_known)
         VALUES (?1, ?2, ?3, ?4, '', ?5, ?6,
                 CASE WHEN EXISTS (SELECT 1 FROM household WHERE hamlet_id = ?2 AND roster_code = ?7
                                   AND id <> ?1) THEN NULL ELSE ?7 END,
                 ?8, ?9, ?8, 1)
         ON CONFLICT (id) DO UPDATE SET hamlet_id = excluded.hamlet_id,
             head_name = excluded.head_name, sort_key = excluded.sort_key,
             address = excluded.address, phone = excluded.phone,
             roster_code = excluded.roster_code, updated_at = excluded.updated_at,
             server_known = 1",
    )?
    .execute(params![
        h.id,
        h.hamlet_id,
        head,
        text::name_sort_key(&head),
        clean(&h.address),
        clean(&h.phone),
        clean(&h.roster_code),
        now.utc,
        now.offset_minutes
    ])?;
    let mut members = 0;
    for m in &h.members {
        let name = text::clean(&m.name);
        tx.prepare_cached(
            "INSERT INTO member (id, household_id, name, sort_key, birth_year, sex, relation,
                                 schooling, literate, cdht, cdht_group, unable_to_learn,
                                 created_at, created_offset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id,
                 name = excluded.name, sort_key = excluded.sort_key,
                 birth_year = excluded.birth_year, sex = excluded.sex,
                 relation = excluded.relation, schooling = excluded.schooling,
                 literate = excluded.literate, cdht = excluded.cdht,
                 cdht_group = excluded.cdht_group, unable_to_learn = excluded.unable_to_learn",
        )?
        .execute(params![
            m.id,
            h.id,
            name,
            text::name_sort_key(&name),
            m.birth_year,
            m.sex.map(sex_code),
            clean(&m.relation),
            m.schooling.map(crate::model::Schooling::code),
            m.literate,
            m.cdht,
            clean(&m.cdht_group),
            m.unable_to_learn,
            now.utc,
            now.offset_minutes
        ])?;
        members += 1;
    }
    refresh_search(tx, &h.id)?;
    Ok(members)
}

/// Apply one page of `GET /sync` and advance the cursor, atomically.
pub fn apply_page(store: &Store, page: &SyncResponse) -> Result<Applied> {
    // Validate criteria first (outside the transaction: parsing is pure).
    let mut sets = Vec::new();
    for c in &page.criteria {
        match crate::criteria::load::parse_set(&c.source, &c.id) {
            Ok(set) if set.sha256() == c.sha256 => sets.push((set, c)),
            Ok(_) => tracing::warn!(id = %c.id, "published criteria set hash differs; skipped"),
            Err(report) => {
                tracing::warn!(id = %c.id, %report, "published criteria set invalid; skipped")
            }
        }
    }
    let tx = Transaction::new_unchecked(store.conn(), TransactionBehavior::Immediate)?;
    let mut applied = Applied::default();
    for h in &page.hamlets {
        upsert_hamlet(&tx, h)?;
        applied.hamlets += 1;
    }
    for h in &page.households {
        applied.members += upsert_household(&tx, h)?;
        applied.households += 1;
    }
    let now = clock::now();
    for (set, record) in &sets {
        tx.prepare_cached(
            "INSERT INTO criteria_set (id, version, sha256, model, source, installed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id, version) DO UPDATE SET sha256 = excluded.sha256,
                 source = excluded.source, installed_at = excluded.installed_at",
        )?
        .execute(params![
            set.id,
            set.version,
            record.sha256,
            set.model.code(),
            record.source,
            now.utc
        ])?;
        applied.criteria += 1;
    }
    for r in &page.returned {
        let n = tx
            .prepare_cached(
                "UPDATE assessment SET sync_state = 'needs_correction', server_comment = ?2,
                     sync_detail = NULL
                 WHERE id = ?1 AND state = 'finalized'",
            )?
            .execute(params![r.assessment_id, text::clean(&r.comment)])?;
        applied.returned += u64::try_from(n).unwrap_or(0);
    }
    tx.prepare_cached(
        "INSERT INTO setting (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([super::state::KEY_CURSOR, &page.cursor.to_string()])?;
    tx.commit()?;
    Ok(applied)
}
