//! Households and their members: adding, editing, moving, removing (softly, with history) and
//! restoring; finding a household by id or by its roster code; listing with diacritic-insensitive
//! search and Vietnamese name order; warnings about likely duplicates.
//!
//! A search matches the head's name, the household code and the members' names; the address and
//! phone only when asked. Removed rows are kept (and their history): they leave every list, count
//! and derived value, and can be restored.

use crate::codec::{self, Coded};
use crate::error::Entity;
use crate::history::{self, Action, Entity as Row_};
use crate::{units, Db, Result, Store, StoreError};
use hoctap_domain::model::{MemberFacts, Schooling, Sex};
use hoctap_domain::roster::{check_birth_year, optional_text, required_name, Field};
use hoctap_domain::state::AssessmentState;
use hoctap_domain::text;
use hoctap_domain::time::is_id;
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

/// A household as listed: enough for a row on a phone screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdRow {
    pub id: String,
    pub head: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub hamlet_id: String,
    pub hamlet: String,
    /// The household's code on the commune roster (e.g. `H004`).
    pub roster_code: Option<String>,
}

/// What is needed to add a household.
#[derive(Debug, Clone, Default)]
pub struct NewHousehold {
    pub hamlet_id: String,
    pub head: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub roster_code: Option<String>,
    pub legacy_code: Option<String>,
}

/// A change to a household's own fields: `None` keeps a field, `Some(None)` clears an optional
/// one.
#[derive(Debug, Clone, Default)]
pub struct HouseholdChange {
    pub head: Option<String>,
    pub address: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub roster_code: Option<Option<String>>,
}

/// A member of a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: String,
    pub household_id: String,
    pub name: String,
    pub birth_year: Option<i32>,
    pub sex: Option<Sex>,
    pub relation: Option<String>,
    pub schooling: Option<Schooling>,
    pub literate: Option<bool>,
    pub cdht: Option<bool>,
    pub cdht_group: Option<String>,
    pub unable_to_learn: bool,
}

impl Member {
    /// The facts the criteria engine reads.
    pub fn facts(&self) -> MemberFacts {
        MemberFacts {
            name: Some(self.name.clone()),
            birth_year: self.birth_year,
            sex: self.sex,
            schooling: self.schooling,
            literate: self.literate,
            cdht: self.cdht,
            unable_to_learn: self.unable_to_learn,
        }
    }

    /// The member as the fields of a new one (for edits).
    pub fn as_new(&self) -> NewMember {
        NewMember {
            name: self.name.clone(),
            birth_year: self.birth_year,
            sex: self.sex,
            relation: self.relation.clone(),
            schooling: self.schooling,
            literate: self.literate,
            cdht: self.cdht,
            cdht_group: self.cdht_group.clone(),
            unable_to_learn: self.unable_to_learn,
        }
    }
}

/// What is needed to add a member.
#[derive(Debug, Clone, Default)]
pub struct NewMember {
    pub name: String,
    pub birth_year: Option<i32>,
    pub sex: Option<Sex>,
    pub relation: Option<String>,
    pub schooling: Option<Schooling>,
    pub literate: Option<bool>,
    pub cdht: Option<bool>,
    pub cdht_group: Option<String>,
    pub unable_to_learn: bool,
}

/// A change to a member: `None` keeps a field, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct MemberChange {
    pub name: Option<String>,
    pub birth_year: Option<Option<i32>>,
    pub sex: Option<Option<Sex>>,
    pub relation: Option<Option<String>>,
    pub schooling: Option<Option<Schooling>>,
    pub literate: Option<Option<bool>>,
    pub cdht: Option<Option<bool>>,
    pub cdht_group: Option<Option<String>>,
    pub unable_to_learn: Option<bool>,
}

impl MemberChange {
    fn apply(&self, m: &NewMember) -> NewMember {
        NewMember {
            name: self.name.clone().unwrap_or_else(|| m.name.clone()),
            birth_year: self.birth_year.unwrap_or(m.birth_year),
            sex: self.sex.unwrap_or(m.sex),
            relation: self.relation.clone().unwrap_or_else(|| m.relation.clone()),
            schooling: self.schooling.unwrap_or(m.schooling),
            literate: self.literate.unwrap_or(m.literate),
            cdht: self.cdht.unwrap_or(m.cdht),
            cdht_group: self
                .cdht_group
                .clone()
                .unwrap_or_else(|| m.cdht_group.clone()),
            unable_to_learn: self.unable_to_learn.unwrap_or(m.unable_to_learn),
        }
    }
}

/// A household with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdDetail {
    #[serde(flatten)]
    pub household: HouseholdRow,
    pub legacy_code: Option<String>,
    /// When it was removed (still shown by id, with its history).
    pub removed_at: Option<String>,
    pub members: Vec<Member>,
}

/// Filters for [`Store::list_households`].
#[derive(Debug, Clone, Default)]
pub struct HouseholdQuery {
    pub hamlet_id: Option<String>,
    /// Matched, ignoring case and diacritics, against the head's name, the household code and
    /// the members' names (and the address and phone with `search_address`).
    pub search: Option<String>,
    pub search_address: bool,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// What a removal did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// Drafts of the household or its members that were discarded with it.
    pub drafts_discarded: u64,
}

const ROW_SQL: &str = "SELECT h.id, h.head_name, h.address, h.phone, h.hamlet_id, t.name,
                              h.roster_code
                       FROM household h JOIN hamlet t ON t.id = h.hamlet_id";

fn row_from(r: &Row<'_>) -> rusqlite::Result<HouseholdRow> {
    Ok(HouseholdRow {
        id: r.get(0)?,
        head: r.get(1)?,
        address: r.get(2)?,
        phone: r.get(3)?,
        hamlet_id: r.get(4)?,
        hamlet: r.get(5)?,
        roster_code: r.get(6)?,
    })
}

fn member_from(r: &Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        id: r.get(0)?,
        household_id: r.get(1)?,
        name: r.get(2)?,
        birth_year: r.get(3)?,
        sex: codec::get_opt(r, 4)?,
        relation: r.get(5)?,
        schooling: codec::get_opt(r, 6)?,
        literate: r.get(7)?,
        cdht: r.get(8)?,
        cdht_group: r.get(9)?,
        unable_to_learn: r.get(10)?,
    })
}

const MEMBER_COLS: &str = "id, household_id, name, birth_year, sex, relation, schooling, literate,
                           cdht, cdht_group, unable_to_learn";

/// Where a household row comes from, which decides how a clashing roster code is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Added or changed on this device (by hand or by import): a roster code already used in
    /// the hamlet is refused; the household is sent to the server with its next assessment.
    Local,
    /// Pulled from the server, which is authoritative: upserted by id, marked as known to the
    /// server; a roster code a local household already holds is left off rather than refused.
    Server,
}

/// Write a household: insert it with `id`, or update the row with that id. The one statement
/// that writes household rows.
pub fn put_household(db: &Db<'_>, id: &str, new: &NewHousehold, origin: Origin) -> Result<()> {
    let head = required_name(Field::HouseholdHead, &new.head)?;
    let address = optional_text(new.address.as_deref());
    let phone = optional_text(new.phone.as_deref());
    let roster_code = optional_text(new.roster_code.as_deref());
    let now = db.now();
    let server = origin == Origin::Server;
    db.conn()
        .prepare_cached(
            "INSERT INTO household (id, hamlet_id, head_name, sort_key, search_fold, address, phone,
                                    roster_code, legacy_code, created_at, created_offset,
                                    updated_at, server_known)
             VALUES (?1, ?2, ?3, ?4, '', ?5, ?6,
                     CASE WHEN ?11 AND EXISTS (SELECT 1 FROM household WHERE hamlet_id = ?2
                          AND roster_code = ?7 AND id <> ?1) THEN NULL ELSE ?7 END,
                     ?8, ?9, ?10, ?9, ?11)
             ON CONFLICT (id) DO UPDATE SET hamlet_id = excluded.hamlet_id,
                 head_name = excluded.head_name, sort_key = excluded.sort_key,
                 address = excluded.address, phone = excluded.phone,
                 roster_code = excluded.roster_code, updated_at = excluded.updated_at,
                 server_known = excluded.server_known",
        )?
        .execute(params![
            id,
            new.hamlet_id,
            head,
            text::name_sort_key(&head),
            address,
            phone,
            roster_code,
            optional_text(new.legacy_code.as_deref()),
            now.utc,
            now.offset_minutes,
            server
        ])
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                StoreError::not_found(Entity::Hamlet, new.hamlet_id.clone())
            }
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                StoreError::DuplicateRosterCode {
                    code: new.roster_code.clone().unwrap_or_default(),
                }
            }
            other => other.into(),
        })?;
    refresh_search(db, id)
}

/// Insert a household added on this device (single adds and roster import); returns its id.
pub fn insert_household(db: &Db<'_>, new: &NewHousehold) -> Result<String> {
    let id = db.new_id();
    put_household(db, &id, new, Origin::Local)?;
    history::record(
        db,
        Row_::Household,
        &id,
        Action::Add,
        None::<&()>,
        Some(&get_household(db, &id)?),
    )?;
    Ok(id)
}

/// Write a member of a household: insert it with `id`, or update the row with that id.
/// Refreshes the household's search text.
pub fn put_member(db: &Db<'_>, household_id: &str, id: &str, new: &NewMember) -> Result<()> {
    write_member(db, household_id, id, new)?;
    refresh_search(db, household_id)
}

/// [`put_member`] without the search refresh, for a caller that writes a household's members
/// together and then calls [`refresh_search`] once (a pulled roster page). The one statement
/// that writes member rows.
pub fn write_member(db: &Db<'_>, household_id: &str, id: &str, new: &NewMember) -> Result<()> {
    let name = required_name(Field::MemberName, &new.name)?;
    check_birth_year(new.birth_year, db.clock().current_year())?;
    let exists: Option<i64> = db
        .conn()
        .prepare_cached("SELECT 1 FROM household WHERE id = ?1")?
        .query_row([household_id], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::not_found(Entity::Household, household_id));
    }
    let now = db.now();
    db.conn()
        .prepare_cached(
            "INSERT INTO member (id, household_id, name, sort_key, birth_year, sex, relation,
                                 schooling, literate, cdht, cdht_group, unable_to_learn,
                                 created_at, created_offset, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?13)
             ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id,
                 name = excluded.name, sort_key = excluded.sort_key,
                 birth_year = excluded.birth_year, sex = excluded.sex,
                 relation = excluded.relation, schooling = excluded.schooling,
                 literate = excluded.literate, cdht = excluded.cdht,
                 cdht_group = excluded.cdht_group, unable_to_learn = excluded.unable_to_learn,
                 updated_at = excluded.updated_at",
        )?
        .execute(params![
            id,
            household_id,
            name,
            text::name_sort_key(&name),
            new.birth_year,
            new.sex.map(Coded),
            optional_text(new.relation.as_deref()),
            new.schooling.map(Coded),
            new.literate,
            new.cdht,
            optional_text(new.cdht_group.as_deref()),
            new.unable_to_learn,
            now.utc,
            now.offset_minutes
        ])?;
    Ok(())
}

/// Insert a member added on this device; returns its id.
pub fn insert_member(db: &Db<'_>, household_id: &str, new: &NewMember) -> Result<String> {
    let id = db.new_id();
    put_member(db, household_id, &id, new)?;
    history::record(
        db,
        Row_::Member,
        &id,
        Action::Add,
        None::<&()>,
        Some(&get_member(db, &id)?),
    )?;
    mark_changed(db, household_id)?;
    Ok(id)
}

fn fold_join(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|p| text::fold(p))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("|")
}

/// Recompute a household's folded search texts: `name_fold` (head, code, members: the default
/// search) and `search_fold` (with the address and phone too).
pub fn refresh_search(db: &Db<'_>, household_id: &str) -> Result<()> {
    let (head, address, phone, code): (String, Option<String>, Option<String>, Option<String>) = db
        .conn()
        .prepare_cached(
            "SELECT head_name, address, phone, roster_code FROM household WHERE id = ?1",
        )?
        .query_row([household_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let names: Vec<String> = db
        .conn()
        .prepare_cached("SELECT name FROM member WHERE household_id = ?1 AND removed_at IS NULL")?
        .query_map([household_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut name_parts = vec![Some(head.as_str()), code.as_deref()];
    name_parts.extend(names.iter().map(|n| Some(n.as_str())));
    let mut all_parts = name_parts.clone();
    all_parts.extend([address.as_deref(), phone.as_deref()]);
    let now = db.now();
    db.conn()
        .prepare_cached(
            "UPDATE household SET name_fold = ?2, search_fold = ?3, updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![
            household_id,
            fold_join(&name_parts),
            fold_join(&all_parts),
            now.utc
        ])?;
    Ok(())
}

/// Fill the search texts of households that have none yet (after the upgrade that added
/// `name_fold`): folding is Rust, so it cannot be done by the SQL migration.
pub fn refresh_missing_search(db: &Db<'_>) -> Result<u64> {
    let ids: Vec<String> = db
        .conn()
        .prepare_cached("SELECT id FROM household WHERE name_fold IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &ids {
        refresh_search(db, id)?;
    }
    Ok(ids.len() as u64)
}

/// Whether this device holds the household with changes the server has not received yet
/// (an edit, a member added: [`mark_changed`]), and whether it holds each of `member_ids`.
pub fn unsent_changes(db: &Db<'_>, household_id: &str) -> Result<bool> {
    let known: Option<bool> = db
        .conn()
        .prepare_cached("SELECT server_known FROM household WHERE id = ?1")?
        .query_row([household_id], |r| r.get(0))
        .optional()?;
    Ok(known == Some(false))
}

/// Whether this device holds a member with this id (in any household).
pub fn holds_member(db: &Db<'_>, id: &str) -> Result<bool> {
    Ok(db
        .conn()
        .prepare_cached("SELECT 1 FROM member WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The household changed on this device: send it with its next assessment. The time of the
/// change is kept, so that the server's acceptance of a batch built before it does not count
/// it as sent ([`crate::outbox`]).
fn mark_changed(db: &Db<'_>, household_id: &str) -> Result<()> {
    db.conn()
        .prepare_cached("UPDATE household SET server_known = 0, updated_at = ?2 WHERE id = ?1")?
        .execute(params![household_id, db.now().utc])?;
    Ok(())
}

/// A household's list row (also a removed one).
pub fn get_household(db: &Db<'_>, id: &str) -> Result<HouseholdRow> {
    db.conn()
        .prepare_cached(&format!("{ROW_SQL} WHERE h.id = ?1"))?
        .query_row([id], row_from)
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Household, id))
}

/// A household by its id, or by its roster code (`H004`, ignoring case) when that code names
/// one household on the device — one on the roster, else one removed (so that `restore H004`
/// and `history H004` work). Two households with the code in different hamlets are an error
/// listing both.
pub fn resolve_household(db: &Db<'_>, id_or_code: &str) -> Result<HouseholdRow> {
    let key = id_or_code.trim();
    if is_id(key) {
        if let Ok(h) = get_household(db, key) {
            return Ok(h);
        }
    }
    let mut found: Vec<HouseholdRow> = Vec::new();
    for removed in [false, true] {
        found = db
            .conn()
            .prepare_cached(&format!(
                "{ROW_SQL} WHERE h.roster_code = ?1 COLLATE NOCASE
                   AND (h.removed_at IS NOT NULL) = ?2
                 ORDER BY t.sort_key"
            ))?
            .query_map(params![key, removed], row_from)?
            .collect::<rusqlite::Result<_>>()?;
        if !found.is_empty() {
            break;
        }
    }
    match found.len() {
        0 => Err(StoreError::not_found(Entity::Household, key)),
        1 => Ok(found
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::not_found(Entity::Household, key))?),
        _ => Err(StoreError::AmbiguousCode {
            code: key.to_string(),
            candidates: found
                .iter()
                .map(|h| format!("{} ({}, {})", h.head, h.hamlet, h.id))
                .collect(),
        }),
    }
}

/// A household with its members (members in Vietnamese name order).
pub fn household_detail(db: &Db<'_>, id: &str) -> Result<HouseholdDetail> {
    let household = get_household(db, id)?;
    let (legacy_code, removed_at) = db
        .conn()
        .prepare_cached("SELECT legacy_code, removed_at FROM household WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(HouseholdDetail {
        household,
        legacy_code,
        removed_at,
        members: members_of(db, id)?,
    })
}

/// Members of a household in Vietnamese name order (not the removed ones).
pub fn members_of(db: &Db<'_>, household_id: &str) -> Result<Vec<Member>> {
    let rows = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {MEMBER_COLS} FROM member WHERE household_id = ?1 AND removed_at IS NULL
             ORDER BY sort_key"
        ))?
        .query_map([household_id], member_from)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A member by id (also a removed one).
pub fn get_member(db: &Db<'_>, id: &str) -> Result<Member> {
    db.conn()
        .prepare_cached(&format!("SELECT {MEMBER_COLS} FROM member WHERE id = ?1"))?
        .query_row([id], member_from)
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Member, id))
}

/// Households in Vietnamese order of the head's name (given name first), optionally within
/// one hamlet and matching a search text; removed ones left out.
pub fn list_households(db: &Db<'_>, q: &HouseholdQuery) -> Result<Vec<HouseholdRow>> {
    // The folded texts are already lower case without diacritics, so a plain substring test
    // with the folded search text matches what `LIKE '%…%'` would, without its per-character
    // case folding and escapes.
    let needle = q
        .search
        .as_deref()
        .map(text::fold)
        .filter(|s| !s.is_empty());
    let limit = q.limit.map_or(-1, i64::from);
    let offset = q.offset.map_or(0, i64::from);
    // One statement per shape, so that each gets the plan that suits it (all take the same five
    // parameters; ties in name order are broken by id):
    // - one hamlet: the (hamlet_id, sort_key) index range, a few hundred rows;
    // - everyone, no search: the covering partial `household_list` index alone;
    // - everyone, with a search: one pass over the table, then sort the matches (walking the
    //   name index instead would look up every household in the table, in random order).
    // Hamlet names are read once (a commune has tens of hamlets) rather than joined per row.
    let sql = match (q.hamlet_id.is_some(), needle.is_some()) {
        (true, _) => {
            "SELECT id, head_name, address, phone, hamlet_id, roster_code FROM household
             WHERE hamlet_id = ?1 AND removed_at IS NULL
               AND (?2 IS NULL OR instr(CASE WHEN ?5 THEN search_fold ELSE name_fold END, ?2) > 0)
             ORDER BY sort_key, id LIMIT ?3 OFFSET ?4"
        }
        (false, false) => {
            "SELECT id, head_name, address, phone, hamlet_id, roster_code FROM household
             WHERE ?1 IS NULL AND ?2 IS NULL AND ?5 IS NOT NULL AND removed_at IS NULL
             ORDER BY sort_key, id LIMIT ?3 OFFSET ?4"
        }
        (false, true) => {
            "SELECT id, head_name, address, phone, hamlet_id, roster_code FROM household NOT INDEXED
             WHERE ?1 IS NULL AND removed_at IS NULL
               AND instr(CASE WHEN ?5 THEN search_fold ELSE name_fold END, ?2) > 0
             ORDER BY sort_key, id LIMIT ?3 OFFSET ?4"
        }
    };
    let hamlets = units::hamlet_names(db)?;
    let mut stmt = db.conn().prepare_cached(sql)?;
    let mut rows = stmt.query(params![
        q.hamlet_id,
        needle,
        limit,
        offset,
        q.search_address
    ])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let hamlet_id: String = r.get(4)?;
        // Foreign keys guarantee the hamlet; a row without one is left out, as a join would.
        let Some(hamlet) = hamlets.get(&hamlet_id) else {
            continue;
        };
        out.push(HouseholdRow {
            id: r.get(0)?,
            head: r.get(1)?,
            address: r.get(2)?,
            phone: r.get(3)?,
            hamlet_id,
            hamlet: hamlet.clone(),
            roster_code: r.get(5)?,
        });
    }
    Ok(out)
}

/// Number of households (optionally in one hamlet), removed ones left out.
pub fn count_households(db: &Db<'_>, hamlet_id: Option<&str>) -> Result<u64> {
    let n: i64 = db
        .conn()
        .prepare_cached(
            "SELECT count(*) FROM household
             WHERE (?1 IS NULL OR hamlet_id = ?1) AND removed_at IS NULL",
        )?
        .query_row([hamlet_id], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Households of a hamlet whose head has the same name, ignoring case and diacritics (a
/// likely duplicate), other than `except`.
pub fn similar_households(
    db: &Db<'_>,
    hamlet_id: &str,
    head: &str,
    except: Option<&str>,
) -> Result<Vec<HouseholdRow>> {
    let key = text::name_sort_key(&text::clean(head));
    let rows = db
        .conn()
        .prepare_cached(&format!(
            "{ROW_SQL} WHERE h.hamlet_id = ?1 AND h.removed_at IS NULL
               AND (?3 IS NULL OR h.id <> ?3) AND h.head_name IS NOT NULL"
        ))?
        .query_map(params![hamlet_id, key, except], row_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let folded = text::fold(head);
    Ok(rows
        .into_iter()
        .filter(|h| text::fold(&h.head) == folded)
        .collect())
}

/// Members of a household with the same name (ignoring case and diacritics) and birth year as
/// the one given (a likely duplicate), other than `except`.
pub fn similar_members(
    db: &Db<'_>,
    household_id: &str,
    name: &str,
    birth_year: Option<i32>,
    except: Option<&str>,
) -> Result<Vec<Member>> {
    let folded = text::fold(name);
    Ok(members_of(db, household_id)?
        .into_iter()
        .filter(|m| except != Some(m.id.as_str()))
        // Same folded name, and birth years that do not tell them apart (equal, or one unknown).
        .filter(|m| {
            text::fold(&m.name) == folded
                && (m.birth_year == birth_year || m.birth_year.is_none() || birth_year.is_none())
        })
        .collect())
}

/// Finalized assessments whose subject is this household or one of its members.
fn finalized_of_household(db: &Db<'_>, household_id: &str) -> Result<u64> {
    let n: i64 = db
        .conn()
        .prepare_cached(
            "SELECT count(*) FROM assessment WHERE state = ?2 AND (
                 (subject_kind = 'household' AND subject_id = ?1)
                 OR (subject_kind = 'member' AND subject_id IN
                     (SELECT id FROM member WHERE household_id = ?1)))",
        )?
        .query_row(
            params![household_id, Coded(AssessmentState::Finalized)],
            |r| r.get(0),
        )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Discard the drafts whose subject is this household or one of its members (or only `member`).
fn discard_drafts(db: &Db<'_>, household_id: &str, member: Option<&str>) -> Result<u64> {
    let ids: Vec<String> = db
        .conn()
        .prepare_cached(
            "SELECT id FROM assessment WHERE state = ?3 AND (
                 (?2 IS NULL AND subject_kind = 'household' AND subject_id = ?1)
                 OR (subject_kind = 'member' AND subject_id IN
                     (SELECT id FROM member WHERE household_id = ?1 AND (?2 IS NULL OR id = ?2))))",
        )?
        .query_map(
            params![household_id, member, Coded(AssessmentState::Draft)],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    for id in &ids {
        crate::assessments::discard_draft(db, id)?;
    }
    Ok(ids.len() as u64)
}

/// Change a household's own fields (with history).
pub fn edit_household(db: &Db<'_>, id: &str, change: &HouseholdChange) -> Result<HouseholdRow> {
    let before = get_household(db, id)?;
    let legacy: Option<String> = db
        .conn()
        .prepare_cached("SELECT legacy_code FROM household WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?;
    let new = NewHousehold {
        hamlet_id: before.hamlet_id.clone(),
        head: change.head.clone().unwrap_or_else(|| before.head.clone()),
        address: change
            .address
            .clone()
            .unwrap_or_else(|| before.address.clone()),
        phone: change.phone.clone().unwrap_or_else(|| before.phone.clone()),
        roster_code: change
            .roster_code
            .clone()
            .unwrap_or_else(|| before.roster_code.clone()),
        legacy_code: legacy,
    };
    put_household(db, id, &new, Origin::Local)?;
    let after = get_household(db, id)?;
    history::record(
        db,
        Row_::Household,
        id,
        Action::Edit,
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Move a household to another hamlet (with history). Its assessments stay its own.
pub fn move_household(db: &Db<'_>, id: &str, hamlet_id: &str) -> Result<HouseholdRow> {
    let before = get_household(db, id)?;
    units::get_hamlet(db, hamlet_id)?;
    let legacy: Option<String> = db
        .conn()
        .prepare_cached("SELECT legacy_code FROM household WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?;
    let new = NewHousehold {
        hamlet_id: hamlet_id.to_string(),
        head: before.head.clone(),
        address: before.address.clone(),
        phone: before.phone.clone(),
        roster_code: before.roster_code.clone(),
        legacy_code: legacy,
    };
    put_household(db, id, &new, Origin::Local)?;
    let after = get_household(db, id)?;
    history::record(
        db,
        Row_::Household,
        id,
        Action::Move,
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Remove a household softly (with history), with its drafts — refused while a finalized
/// assessment of it or of one of its members exists.
pub fn remove_household(db: &Db<'_>, id: &str) -> Result<Removed> {
    let before = get_household(db, id)?;
    let finalized = finalized_of_household(db, id)?;
    if finalized > 0 {
        return Err(StoreError::InUse {
            entity: Entity::Household,
            id: id.to_string(),
            finalized,
        });
    }
    let drafts_discarded = discard_drafts(db, id, None)?;
    db.conn()
        .prepare_cached(
            "UPDATE household SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL",
        )?
        .execute(params![id, db.now().utc])?;
    mark_changed(db, id)?;
    history::record(
        db,
        Row_::Household,
        id,
        Action::Remove,
        Some(&before),
        None::<&()>,
    )?;
    Ok(Removed { drafts_discarded })
}

/// Restore a removed household (with history).
pub fn restore_household(db: &Db<'_>, id: &str) -> Result<HouseholdRow> {
    get_household(db, id)?;
    db.conn()
        .prepare_cached("UPDATE household SET removed_at = NULL WHERE id = ?1")?
        .execute([id])?;
    let after = get_household(db, id)?;
    history::record(
        db,
        Row_::Household,
        id,
        Action::Restore,
        None::<&()>,
        Some(&after),
    )?;
    Ok(after)
}

/// Change a member (with history).
pub fn edit_member(db: &Db<'_>, id: &str, change: &MemberChange) -> Result<Member> {
    let before = get_member(db, id)?;
    let new = change.apply(&before.as_new());
    put_member(db, &before.household_id, id, &new)?;
    let after = get_member(db, id)?;
    history::record(
        db,
        Row_::Member,
        id,
        Action::Edit,
        Some(&before),
        Some(&after),
    )?;
    mark_changed(db, &before.household_id)?;
    Ok(after)
}

/// Remove a member softly (with history), with their drafts — refused while a finalized
/// assessment of the member exists (a household's finalized assessment froze its member facts
/// and does not depend on the roster any more).
pub fn remove_member(db: &Db<'_>, id: &str) -> Result<Removed> {
    let before = get_member(db, id)?;
    let finalized: i64 = db
        .conn()
        .prepare_cached(
            "SELECT count(*) FROM assessment
             WHERE state = ?2 AND subject_kind = 'member' AND subject_id = ?1",
        )?
        .query_row(params![id, Coded(AssessmentState::Finalized)], |r| r.get(0))?;
    if finalized > 0 {
        return Err(StoreError::InUse {
            entity: Entity::Member,
            id: id.to_string(),
            finalized: u64::try_from(finalized).unwrap_or(0),
        });
    }
    let drafts_discarded = discard_drafts(db, &before.household_id, Some(id))?;
    db.conn()
        .prepare_cached("UPDATE member SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL")?
        .execute(params![id, db.now().utc])?;
    refresh_search(db, &before.household_id)?;
    mark_changed(db, &before.household_id)?;
    history::record(
        db,
        Row_::Member,
        id,
        Action::Remove,
        Some(&before),
        None::<&()>,
    )?;
    Ok(Removed { drafts_discarded })
}

/// Restore a removed member (with history).
pub fn restore_member(db: &Db<'_>, id: &str) -> Result<Member> {
    let m = get_member(db, id)?;
    db.conn()
        .prepare_cached("UPDATE member SET removed_at = NULL WHERE id = ?1")?
        .execute([id])?;
    refresh_search(db, &m.household_id)?;
    history::record(db, Row_::Member, id, Action::Restore, None::<&()>, Some(&m))?;
    Ok(m)
}

/// Member facts of every member (not removed) of the households (not removed) of a clan.
pub fn clan_member_facts(db: &Db<'_>, clan_id: &str) -> Result<Vec<MemberFacts>> {
    let rows: Vec<Member> = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {MEMBER_COLS} FROM member WHERE removed_at IS NULL AND household_id IN
               (SELECT c.household_id FROM clan_household c JOIN household h ON h.id = c.household_id
                WHERE c.clan_id = ?1 AND h.removed_at IS NULL)
             ORDER BY sort_key, id"
        ))?
        .query_map([clan_id], member_from)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows.iter().map(Member::facts).collect())
}

/// The household a member belongs to.
pub fn household_of_member(db: &Db<'_>, member_id: &str) -> Result<Option<String>> {
    Ok(db
        .conn()
        .prepare_cached("SELECT household_id FROM member WHERE id = ?1")?
        .query_row([member_id], |r| r.get(0))
        .optional()?)
}

impl Store {
    /// Add a household to a hamlet.
    pub fn add_household(&self, new: &NewHousehold) -> Result<HouseholdRow> {
        self.write(|db| {
            let id = insert_household(db, new)?;
            get_household(db, &id)
        })
    }

    /// The name a person knows a subject by: the household head, the member's, hamlet's,
    /// clan's or unit's name; `None` when the subject is gone.
    pub fn subject_name(&self, subject: &hoctap_domain::model::Subject) -> Option<String> {
        use hoctap_domain::model::SubjectKind;
        match subject.kind {
            SubjectKind::Household => self.household(&subject.id).ok().map(|h| h.head),
            SubjectKind::Member => self.member(&subject.id).ok().map(|m| m.name),
            SubjectKind::Hamlet => self.hamlet(&subject.id).ok().map(|h| h.name),
            SubjectKind::Clan => self.clan(&subject.id).ok().map(|c| c.name),
            SubjectKind::Unit => self.unit(&subject.id).ok().map(|u| u.name),
        }
    }

    /// A household's list row.
    pub fn household(&self, id: &str) -> Result<HouseholdRow> {
        self.read(|db| get_household(db, id))
    }

    /// A household by id or roster code (see [`resolve_household`]).
    pub fn resolve_household(&self, id_or_code: &str) -> Result<HouseholdRow> {
        self.read(|db| resolve_household(db, id_or_code))
    }

    /// A household with its members (members in Vietnamese name order).
    pub fn household_detail(&self, id: &str) -> Result<HouseholdDetail> {
        self.read(|db| household_detail(db, id))
    }

    /// Members of a household in Vietnamese name order.
    pub fn members(&self, household_id: &str) -> Result<Vec<Member>> {
        self.read(|db| members_of(db, household_id))
    }

    /// A member by id.
    pub fn member(&self, id: &str) -> Result<Member> {
        self.read(|db| get_member(db, id))
    }

    /// Add a member to a household.
    pub fn add_member(&self, household_id: &str, new: &NewMember) -> Result<Member> {
        self.write(|db| {
            let id = insert_member(db, household_id, new)?;
            get_member(db, &id)
        })
    }

    /// Households in Vietnamese order (see [`list_households`]).
    pub fn list_households(&self, q: &HouseholdQuery) -> Result<Vec<HouseholdRow>> {
        self.read(|db| list_households(db, q))
    }

    /// Number of households (optionally in one hamlet).
    pub fn count_households(&self, hamlet_id: Option<&str>) -> Result<u64> {
        self.read(|db| count_households(db, hamlet_id))
    }

    /// Likely duplicates of a household about to be added or changed.
    pub fn similar_households(
        &self,
        hamlet_id: &str,
        head: &str,
        except: Option<&str>,
    ) -> Result<Vec<HouseholdRow>> {
        self.read(|db| similar_households(db, hamlet_id, head, except))
    }

    /// Likely duplicates of a member about to be added or changed.
    pub fn similar_members(
        &self,
        household_id: &str,
        name: &str,
        birth_year: Option<i32>,
        except: Option<&str>,
    ) -> Result<Vec<Member>> {
        self.read(|db| similar_members(db, household_id, name, birth_year, except))
    }

    /// Change a household's fields.
    pub fn edit_household(&self, id: &str, change: &HouseholdChange) -> Result<HouseholdRow> {
        self.write(|db| edit_household(db, id, change))
    }

    /// Move a household to another hamlet.
    pub fn move_household(&self, id: &str, hamlet_id: &str) -> Result<HouseholdRow> {
        self.write(|db| move_household(db, id, hamlet_id))
    }

    /// Remove a household (softly; see [`remove_household`]).
    pub fn remove_household(&self, id: &str) -> Result<Removed> {
        self.write(|db| remove_household(db, id))
    }

    /// Restore a removed household.
    pub fn restore_household(&self, id: &str) -> Result<HouseholdRow> {
        self.write(|db| restore_household(db, id))
    }

    /// Change a member.
    pub fn edit_member(&self, id: &str, change: &MemberChange) -> Result<Member> {
        self.write(|db| edit_member(db, id, change))
    }

    /// Remove a member (softly; see [`remove_member`]).
    pub fn remove_member(&self, id: &str) -> Result<Removed> {
        self.write(|db| remove_member(db, id))
    }

    /// Restore a removed member.
    pub fn restore_member(&self, id: &str) -> Result<Member> {
        self.write(|db| restore_member(db, id))
    }

    /// Member facts of every member of the households linked to a clan.
    pub fn clan_member_facts(&self, clan_id: &str) -> Result<Vec<MemberFacts>> {
        self.read(|db| clan_member_facts(db, clan_id))
    }
}
