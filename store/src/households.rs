//! Households and their members, clans linking households, and units (schools, offices);
//! listing with diacritic-insensitive search and Vietnamese name order.

use crate::codec::{self, Coded};
use crate::error::Entity;
use crate::{units, Db, Result, Store, StoreError};
use hoctap_domain::model::{MemberFacts, Schooling, Sex};
use hoctap_domain::roster::{check_birth_year, optional_text, required_name, Field};
use hoctap_domain::text;
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

/// A household with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdDetail {
    #[serde(flatten)]
    pub household: HouseholdRow,
    pub roster_code: Option<String>,
    pub legacy_code: Option<String>,
    pub members: Vec<Member>,
}

/// Filters for [`Store::list_households`].
#[derive(Debug, Clone, Default)]
pub struct HouseholdQuery {
    pub hamlet_id: Option<String>,
    /// Matched, ignoring case and diacritics, against head, address, phone and member names.
    pub search: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

const ROW_SQL: &str = "SELECT h.id, h.head_name, h.address, h.phone, h.hamlet_id, t.name
                       FROM household h JOIN hamlet t ON t.id = h.hamlet_id";

fn row_from(r: &Row<'_>) -> rusqlite::Result<HouseholdRow> {
    Ok(HouseholdRow {
        id: r.get(0)?,
        head: r.get(1)?,
        address: r.get(2)?,
        phone: r.get(3)?,
        hamlet_id: r.get(4)?,
        hamlet: r.get(5)?,
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
    /// Added on this device (by hand or by import): a roster code already used in the hamlet is
    /// refused.
    Local,
    /// Pulled from the server, which is authoritative: upserted by id, marked as known to the
    /// server; a roster code a local household already holds is left off rather than refused.
    Server,
}

/// Write a household: insert it with `id`, or (pulled from the server) update the row with
/// that id. The one statement that writes household rows.
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
                 server_known = max(server_known, excluded.server_known)",
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
    Ok(id)
}

/// Write a member of a household: insert it with `id`, or update the row with that id. The one
/// statement that writes member rows. Refreshes the household's search text.
pub fn put_member(db: &Db<'_>, household_id: &str, id: &str, new: &NewMember) -> Result<()> {
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
    refresh_search(db, household_id)
}

/// Insert a member added on this device; returns its id.
pub fn insert_member(db: &Db<'_>, household_id: &str, new: &NewMember) -> Result<String> {
    let id = db.new_id();
    put_member(db, household_id, &id, new)?;
    Ok(id)
}

fn search_fold(
    head: &str,
    address: Option<&str>,
    phone: Option<&str>,
    members: &[String],
) -> String {
    let mut s = text::fold(head);
    for part in [address, phone].into_iter().flatten() {
        s.push('|');
        s.push_str(&text::fold(part));
    }
    for m in members {
        s.push('|');
        s.push_str(&text::fold(m));
    }
    s
}

/// Recompute a household's folded search text from its head, address, phone and members.
pub fn refresh_search(db: &Db<'_>, household_id: &str) -> Result<()> {
    let (head, address, phone): (String, Option<String>, Option<String>) = db
        .conn()
        .prepare_cached("SELECT head_name, address, phone FROM household WHERE id = ?1")?
        .query_row([household_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let names: Vec<String> = db
        .conn()
        .prepare_cached("SELECT name FROM member WHERE household_id = ?1")?
        .query_map([household_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let now = db.now();
    db.conn()
        .prepare_cached("UPDATE household SET search_fold = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![
            household_id,
            search_fold(&head, address.as_deref(), phone.as_deref(), &names),
            now.utc
        ])?;
    Ok(())
}

/// A household's list row.
pub fn get_household(db: &Db<'_>, id: &str) -> Result<HouseholdRow> {
    db.conn()
        .prepare_cached(&format!("{ROW_SQL} WHERE h.id = ?1"))?
        .query_row([id], row_from)
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Household, id))
}

/// A household with its members (members in Vietnamese name order).
pub fn household_detail(db: &Db<'_>, id: &str) -> Result<HouseholdDetail> {
    let household = get_household(db, id)?;
    let (roster_code, legacy_code) = db
        .conn()
        .prepare_cached("SELECT roster_code, legacy_code FROM household WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(HouseholdDetail {
        household,
        roster_code,
        legacy_code,
        members: members_of(db, id)?,
    })
}

/// Members of a household in Vietnamese name order.
pub fn members_of(db: &Db<'_>, household_id: &str) -> Result<Vec<Member>> {
    let rows = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {MEMBER_COLS} FROM member WHERE household_id = ?1 ORDER BY sort_key"
        ))?
        .query_map([household_id], member_from)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A member by id.
pub fn get_member(db: &Db<'_>, id: &str) -> Result<Member> {
    db.conn()
        .prepare_cached(&format!("SELECT {MEMBER_COLS} FROM member WHERE id = ?1"))?
        .query_row([id], member_from)
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Member, id))
}

/// Households in Vietnamese order of the head's name (given name first), optionally within
/// one hamlet and matching a search text.
pub fn list_households(db: &Db<'_>, q: &HouseholdQuery) -> Result<Vec<HouseholdRow>> {
    // `search_fold` is already folded (lower case, no diacritics), so a plain substring test
    // with the folded search text matches exactly what `LIKE '%…%'` did, without LIKE's
    // per-character case folding and escapes.
    let needle = q
        .search
        .as_deref()
        .map(text::fold)
        .filter(|s| !s.is_empty());
    let limit = q.limit.map_or(-1, i64::from);
    let offset = q.offset.map_or(0, i64::from);
    // One statement per shape, so that each gets the plan that suits it (all take the same
    // four parameters; ties in name order are broken by id):
    // - one hamlet: the (hamlet_id, sort_key) index range, a few hundred rows;
    // - everyone, no search: the covering `household_list` index alone, no table lookups;
    // - everyone, with a search: one pass over the table, then sort the matches (walking the
    //   name index instead would look up every household in the table, in random order).
    // Hamlet names are read once (a commune has tens of hamlets) rather than joined per row.
    let sql = match (q.hamlet_id.is_some(), needle.is_some()) {
        (true, _) => {
            "SELECT id, head_name, address, phone, hamlet_id FROM household
             WHERE hamlet_id = ?1 AND (?2 IS NULL OR instr(search_fold, ?2) > 0)
             ORDER BY sort_key, id LIMIT ?3 OFFSET ?4"
        }
        (false, false) => {
            "SELECT id, head_name, address, phone, hamlet_id FROM household
             WHERE ?1 IS NULL AND ?2 IS NULL
             ORDER BY sort_key, id LIMIT ?3 OFFSET ?4"
        }
        (false, true) => {
            "SELECT id, head_name, address, phone, hamlet_id FROM household NOT INDEXED
             WHERE ?1 IS NULL AND instr(search_fold, ?2) > 0
             ORDER BY sort_key, id LIMIT ?3 OFFSET ?4"
        }
    };
    let hamlets = units::hamlet_names(db)?;
    let mut stmt = db.conn().prepare_cached(sql)?;
    let mut rows = stmt.query(params![q.hamlet_id, needle, limit, offset])?;
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
        });
    }
    Ok(out)
}

/// Number of households (optionally in one hamlet).
pub fn count_households(db: &Db<'_>, hamlet_id: Option<&str>) -> Result<u64> {
    let n: i64 = db
        .conn()
        .prepare_cached("SELECT count(*) FROM household WHERE (?1 IS NULL OR hamlet_id = ?1)")?
        .query_row([hamlet_id], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Add a clan (dòng họ) linking households; returns its id.
pub fn insert_clan(db: &Db<'_>, name: &str, household_ids: &[String]) -> Result<String> {
    let name = required_name(Field::ClanName, name)?;
    let id = db.new_id();
    let now = db.now();
    db.conn().execute(
        "INSERT INTO clan (id, name, name_fold, created_at, created_offset) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, name, text::fold(&name), now.utc, now.offset_minutes],
    )?;
    for h in household_ids {
        db.conn()
            .execute(
                "INSERT INTO clan_household (clan_id, household_id) VALUES (?1, ?2)",
                params![id, h],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
                {
                    StoreError::not_found(Entity::Household, h.clone())
                }
                other => other.into(),
            })?;
    }
    Ok(id)
}

/// Add a unit (đơn vị: school, office, enterprise); returns its id.
pub fn insert_unit(
    db: &Db<'_>,
    name: &str,
    kind: Option<&str>,
    hamlet_id: Option<&str>,
) -> Result<String> {
    let name = required_name(Field::UnitName, name)?;
    let id = db.new_id();
    let now = db.now();
    db.conn().execute(
        "INSERT INTO unit (id, hamlet_id, name, name_fold, kind, created_at, created_offset)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id,
            hamlet_id,
            name,
            text::fold(&name),
            kind,
            now.utc,
            now.offset_minutes
        ],
    )?;
    Ok(id)
}

/// Member facts of every member of the households linked to a clan.
pub fn clan_member_facts(db: &Db<'_>, clan_id: &str) -> Result<Vec<MemberFacts>> {
    let rows: Vec<Member> = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {MEMBER_COLS} FROM member WHERE household_id IN
               (SELECT household_id FROM clan_household WHERE clan_id = ?1) ORDER BY sort_key, id"
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

    /// A household's list row.
    pub fn household(&self, id: &str) -> Result<HouseholdRow> {
        self.read(|db| get_household(db, id))
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

    /// Add a clan (dòng họ) linking households.
    pub fn add_clan(&self, name: &str, household_ids: &[String]) -> Result<String> {
        self.write(|db| insert_clan(db, name, household_ids))
    }

    /// Add a unit (đơn vị: school, office, enterprise).
    pub fn add_unit(
        &self,
        name: &str,
        kind: Option<&str>,
        hamlet_id: Option<&str>,
    ) -> Result<String> {
        self.write(|db| insert_unit(db, name, kind, hamlet_id))
    }

    /// Member facts of every member of the households linked to a clan.
    pub fn clan_member_facts(&self, clan_id: &str) -> Result<Vec<MemberFacts>> {
        self.read(|db| clan_member_facts(db, clan_id))
    }
}
