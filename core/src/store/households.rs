//! Households and their members, clans linking households, and units (schools, offices);
//! listing with diacritic-insensitive search and Vietnamese name order.

use super::{Result, Store, StoreError};
use crate::model::{MemberFacts, Schooling, Sex};
use crate::{clock, text};
use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::Serialize;
use std::collections::HashMap;

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
    let sex: Option<String> = r.get(4)?;
    let schooling: Option<String> = r.get(6)?;
    Ok(Member {
        id: r.get(0)?,
        household_id: r.get(1)?,
        name: r.get(2)?,
        birth_year: r.get(3)?,
        sex: sex.as_deref().and_then(sex_from_code),
        relation: r.get(5)?,
        schooling: schooling.as_deref().and_then(Schooling::from_code),
        literate: r.get(7)?,
        cdht: r.get(8)?,
        cdht_group: r.get(9)?,
        unable_to_learn: r.get(10)?,
    })
}

const MEMBER_COLS: &str = "id, household_id, name, birth_year, sex, relation, schooling, literate,
                           cdht, cdht_group, unable_to_learn";

/// Parse a sex code (`male`, `female`, `other`).
pub fn sex_from_code(code: &str) -> Option<Sex> {
    match code {
        "male" => Some(Sex::Male),
        "female" => Some(Sex::Female),
        "other" => Some(Sex::Other),
        _ => None,
    }
}

pub(crate) fn sex_code(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Other => "other",
    }
}

fn opt_clean(s: &Option<String>) -> Option<String> {
    s.as_deref().map(text::clean).filter(|s| !s.is_empty())
}

/// Check a birth year against the device's year.
fn check_birth_year(y: Option<i32>) -> Result<()> {
    if let Some(y) = y {
        let now = clock::current_year();
        if !(1900..=now).contains(&y) {
            return Err(StoreError::Invalid(format!(
                "Năm sinh {y} không hợp lệ (1900–{now}) / birth year out of range"
            )));
        }
    }
    Ok(())
}

/// Insert a household inside an open transaction (shared by single adds and roster import).
pub(crate) fn insert_household(tx: &Transaction<'_>, new: &NewHousehold) -> Result<String> {
    let head = text::clean(&new.head);
    if head.is_empty() {
        return Err(StoreError::Invalid(
            "Tên chủ hộ không được để trống / head of household is empty".into(),
        ));
    }
    let address = opt_clean(&new.address);
    let phone = opt_clean(&new.phone);
    let id = clock::new_id();
    let now = clock::now();
    let search = search_fold(&head, address.as_deref(), phone.as_deref(), &[]);
    tx.prepare_cached(
        "INSERT INTO household (id, hamlet_id, head_name, sort_key, search_fold, address, phone,
                                roster_code, legacy_code, created_at, created_offset, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10)",
    )?
    .execute(params![
        id,
        new.hamlet_id,
        head,
        text::name_sort_key(&head),
        search,
        address,
        phone,
        opt_clean(&new.roster_code),
        opt_clean(&new.legacy_code),
        now.utc,
        now.offset_minutes
    ])
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
        {
            StoreError::NotFound {
                kind: "thôn / hamlet",
                id: new.hamlet_id.clone(),
            }
        }
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            StoreError::Invalid(format!(
                "Mã hộ {} đã có trong thôn / household code already exists in the hamlet",
                new.roster_code.as_deref().unwrap_or("")
            ))
        }
        other => other.into(),
    })?;
    Ok(id)
}

/// Insert a member inside an open transaction and refresh the household's search text.
pub(crate) fn insert_member(
    tx: &Transaction<'_>,
    household_id: &str,
    new: &NewMember,
) -> Result<String> {
    let name = text::clean(&new.name);
    if name.is_empty() {
        return Err(StoreError::Invalid(
            "Tên thành viên không được để trống / member name is empty".into(),
        ));
    }
    check_birth_year(new.birth_year)?;
    let exists: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM household WHERE id = ?1")?
        .query_row([household_id], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::NotFound {
            kind: "hộ gia đình / household",
            id: household_id.to_string(),
        });
    }
    let id = clock::new_id();
    let now = clock::now();
    tx.prepare_cached(
        "INSERT INTO member (id, household_id, name, sort_key, birth_year, sex, relation, schooling,
                             literate, cdht, cdht_group, unable_to_learn, created_at, created_offset)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        id,
        household_id,
        name,
        text::name_sort_key(&name),
        new.birth_year,
        new.sex.map(sex_code),
        opt_clean(&new.relation),
        new.schooling.map(Schooling::code),
        new.literate,
        new.cdht,
        opt_clean(&new.cdht_group),
        new.unable_to_learn,
        now.utc,
        now.offset_minutes
    ])?;
    refresh_search(tx, household_id)?;
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

pub(crate) fn refresh_search(tx: &Transaction<'_>, household_id: &str) -> Result<()> {
    let (head, address, phone): (String, Option<String>, Option<String>) = tx
        .prepare_cached("SELECT head_name, address, phone FROM household WHERE id = ?1")?
        .query_row([household_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let names: Vec<String> = tx
        .prepare_cached("SELECT name FROM member WHERE household_id = ?1")?
        .query_map([household_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let now = clock::now();
    tx.prepare_cached("UPDATE household SET search_fold = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![
            household_id,
            search_fold(&head, address.as_deref(), phone.as_deref(), &names),
            now.utc
        ])?;
    Ok(())
}

impl Store {
    /// Add a household to a hamlet.
    pub fn add_household(&mut self, new: &NewHousehold) -> Result<HouseholdRow> {
        let tx = self.conn.transaction()?;
        let id = insert_household(&tx, new)?;
        tx.commit()?;
        self.household(&id)
    }

    /// A household's list row.
    pub fn household(&self, id: &str) -> Result<HouseholdRow> {
        self.conn
            .prepare_cached(&format!("{ROW_SQL} WHERE h.id = ?1"))?
            .query_row([id], row_from)
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "hộ gia đình / household",
                id: id.to_string(),
            })
    }

    /// A household with its members (members in Vietnamese name order).
    pub fn household_detail(&self, id: &str) -> Result<HouseholdDetail> {
        let household = self.household(id)?;
        let (roster_code, legacy_code) = self
            .conn
            .prepare_cached("SELECT roster_code, legacy_code FROM household WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(HouseholdDetail {
            household,
            roster_code,
            legacy_code,
            members: self.members(id)?,
        })
    }

    /// Members of a household in Vietnamese name order.
    pub fn members(&self, household_id: &str) -> Result<Vec<Member>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MEMBER_COLS} FROM member WHERE household_id = ?1 ORDER BY sort_key"
        ))?;
        let rows = stmt
            .query_map([household_id], member_from)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// A member by id.
    pub fn member(&self, id: &str) -> Result<Member> {
        self.conn
            .prepare_cached(&format!("SELECT {MEMBER_COLS} FROM member WHERE id = ?1"))?
            .query_row([id], member_from)
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "thành viên / member",
                id: id.to_string(),
            })
    }

    /// Add a member to a household.
    pub fn add_member(&mut self, household_id: &str, new: &NewMember) -> Result<Member> {
        let tx = self.conn.transaction()?;
        let id = insert_member(&tx, household_id, new)?;
        tx.commit()?;
        self.member(&id)
    }

    /// Households in Vietnamese order of the head's name (given name first), optionally within
    /// one hamlet and matching a search text.
    pub fn list_households(&self, q: &HouseholdQuery) -> Result<Vec<HouseholdRow>> {
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
        let hamlets: HashMap<String, String> = self
            .conn
            .prepare_cached("SELECT id, name FROM hamlet")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params![q.hamlet_id, needle, limit, offset])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let hamlet_id: String = r.get(4)?;
            // Foreign keys guarantee the hamlet; a row without one is left out, as the join did.
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
    pub fn count_households(&self, hamlet_id: Option<&str>) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM household WHERE (?1 IS NULL OR hamlet_id = ?1)")?
            .query_row([hamlet_id], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Add a clan (dòng họ) linking households.
    pub fn add_clan(&mut self, name: &str, household_ids: &[String]) -> Result<String> {
        let name = text::clean(name);
        if name.is_empty() {
            return Err(StoreError::Invalid(
                "Tên dòng họ không được để trống / clan name is empty".into(),
            ));
        }
        let tx = self.conn.transaction()?;
        let id = clock::new_id();
        let now = clock::now();
        tx.execute(
            "INSERT INTO clan (id, name, name_fold, created_at, created_offset) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, name, text::fold(&name), now.utc, now.offset_minutes],
        )?;
        for h in household_ids {
            tx.execute(
                "INSERT INTO clan_household (clan_id, household_id) VALUES (?1, ?2)",
                params![id, h],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
                {
                    StoreError::NotFound {
                        kind: "hộ gia đình / household",
                        id: h.clone(),
                    }
                }
                other => other.into(),
            })?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Add a unit (đơn vị: school, office, enterprise).
    pub fn add_unit(
        &self,
        name: &str,
        kind: Option<&str>,
        hamlet_id: Option<&str>,
    ) -> Result<String> {
        let name = text::clean(name);
        if name.is_empty() {
            return Err(StoreError::Invalid(
                "Tên đơn vị không được để trống / unit name is empty".into(),
            ));
        }
        let id = clock::new_id();
        let now = clock::now();
        self.conn.execute(
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
    pub fn clan_member_facts(&self, clan_id: &str) -> Result<Vec<MemberFacts>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MEMBER_COLS} FROM member WHERE household_id IN
               (SELECT household_id FROM clan_household WHERE clan_id = ?1) ORDER BY sort_key, id"
        ))?;
        let rows: Vec<Member> = stmt
            .query_map([clan_id], member_from)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows.iter().map(Member::facts).collect())
    }
}
