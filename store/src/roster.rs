//! Roster import on the device: a roster file (CSV or XLSX, read and checked by
//! [`hoctap_domain::roster::read`], whose docs list the columns) into hamlets, households and
//! members, all or nothing.
//!
//! Every row is checked before anything is written; any problem fails the whole file with every
//! problem found and its line. Hamlets named in the file must exist, unless
//! [`ImportOptions::create_hamlets`] asks for the missing ones to be added (in the same
//! transaction). A household whose code already exists in its hamlet is skipped (re-importing
//! the same roster is harmless).

use crate::households::{insert_household, insert_member, NewHousehold, NewMember};
use crate::units::{self, NewHamlet};
use crate::{Db, Result, Store};
pub use hoctap_domain::roster::RowProblem;
use hoctap_domain::roster::{self, Problem, Refusal, Roster, SourceInfo};
use hoctap_domain::text;
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::collections::BTreeMap;

/// How to import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Add the hamlets the file names that do not exist yet (otherwise each is a problem).
    pub create_hamlets: bool,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub households_added: u64,
    pub members_added: u64,
    pub households_skipped: u64,
    /// Data rows read.
    pub rows: u64,
    /// Names of the hamlets added (with [`ImportOptions::create_hamlets`]).
    pub hamlets_created: Vec<String>,
    /// Households newly linked to a clan named in the `clan` column (clans created by name).
    pub clan_links: u64,
    /// How the file was read (format, encoding, separator, whether it was converted).
    pub file: SourceInfo,
}

/// The hamlets of a roster: the ids of those that exist (by folded name), and those missing.
/// A missing hamlet is a problem unless the import may create it; a name the store cannot
/// resolve (ambiguous) is a problem.
fn find_hamlets(
    db: &Db<'_>,
    roster: &Roster,
    options: ImportOptions,
    problems: &mut Vec<RowProblem>,
) -> Result<(BTreeMap<String, String>, Vec<String>)> {
    let mut ids = BTreeMap::new();
    let mut missing = Vec::new();
    for hamlet in &roster.hamlets {
        match units::find_by_name(db, &hamlet.name) {
            Ok(Some(h)) => {
                ids.insert(text::fold(&hamlet.name), h.id);
            }
            Ok(None) if options.create_hamlets => missing.push(hamlet.name.clone()),
            Ok(None) => {
                let p = Problem::UnknownHamlet {
                    name: hamlet.name.clone(),
                    rows: hamlet.rows,
                    add_command: "hoctap hamlet add",
                };
                problems.push(roster.problem(hamlet.line, true, &p));
            }
            Err(e) if e.is_user_error() => {
                let p = Problem::Rejected {
                    message_vi: e.message_vi(),
                    detail: e.detail(),
                };
                problems.push(roster.problem(hamlet.line, true, &p));
            }
            Err(e) => return Err(e),
        }
    }
    Ok((ids, missing))
}

/// A value the store refuses, as a problem of its row.
fn rejected(roster: &Roster, line: u64, e: &crate::StoreError) -> RowProblem {
    roster.problem(
        line,
        false,
        &Problem::Rejected {
            message_vi: e.message_vi(),
            detail: e.detail(),
        },
    )
}

/// Import a roster file as part of `db`'s transaction. Hamlets are added only once every row
/// and hamlet has passed, but a value the store then refuses is still a refusal: on any
/// refusal the caller must not commit, as [`Store::import_roster`] does not.
pub fn import(
    db: &Db<'_>,
    bytes: &[u8],
    options: ImportOptions,
) -> Result<std::result::Result<ImportReport, Refusal>> {
    let roster = match roster::read(bytes, db.clock().current_year()) {
        Ok(r) => r,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut problems = Vec::new();
    let (mut hamlets, missing) = find_hamlets(db, &roster, options, &mut problems)?;
    let roster = match roster.checked(problems) {
        Ok(r) => r,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut report = ImportReport {
        households_added: 0,
        members_added: 0,
        households_skipped: 0,
        rows: roster.rows,
        hamlets_created: Vec::new(),
        clan_links: 0,
        file: roster.source.clone(),
    };
    for name in missing {
        let h = units::insert_hamlet(
            db,
            &NewHamlet {
                name: name.clone(),
                ..Default::default()
            },
        )?;
        hamlets.insert(text::fold(&name), h.id);
        report.hamlets_created.push(h.name);
    }
    let mut problems = Vec::new();
    for h in &roster.households {
        let Some(hamlet_id) = hamlets.get(&text::fold(&h.hamlet)) else {
            continue;
        };
        let existing: Option<String> = db
            .conn()
            .prepare_cached("SELECT id FROM household WHERE hamlet_id = ?1 AND roster_code = ?2")?
            .query_row([hamlet_id, &h.code], |r| r.get(0))
            .optional()?;
        if let Some(existing) = existing {
            report.households_skipped += 1;
            if let Some(clan) = &h.clan {
                report.clan_links += u64::from(crate::clans::link_by_name(db, clan, &existing)?);
            }
            continue;
        }
        let new = NewHousehold {
            hamlet_id: hamlet_id.clone(),
            head: h.head.clone(),
            address: h.address.clone(),
            phone: h.phone.clone(),
            roster_code: Some(h.code.clone()),
            legacy_code: None,
        };
        let household_id = match insert_household(db, &new) {
            Ok(id) => id,
            Err(e) if e.is_user_error() => {
                problems.push(rejected(&roster, h.line, &e));
                continue;
            }
            Err(e) => return Err(e),
        };
        report.households_added += 1;
        if let Some(clan) = &h.clan {
            report.clan_links += u64::from(crate::clans::link_by_name(db, clan, &household_id)?);
        }
        for m in &h.members {
            let member = NewMember {
                name: m.name.clone(),
                birth_year: m.birth_year,
                sex: m.sex,
                relation: m.relation.clone(),
                schooling: m.schooling,
                literate: m.literate,
                cdht: m.cdht,
                cdht_group: None,
                unable_to_learn: m.unable_to_learn,
            };
            match insert_member(db, &household_id, &member) {
                Ok(_) => report.members_added += 1,
                Err(e) if e.is_user_error() => problems.push(rejected(&roster, m.line, &e)),
                Err(e) => return Err(e),
            }
        }
    }
    Ok(roster.checked(problems).map(|_| report))
}

impl Store {
    /// Import a roster file (CSV or XLSX bytes; see [`hoctap_domain::roster`] for its columns)
    /// in one transaction. On any problem nothing is written (not even a hamlet) and every
    /// problem found is returned.
    pub fn import_roster(
        &self,
        bytes: &[u8],
        options: ImportOptions,
    ) -> Result<std::result::Result<ImportReport, Refusal>> {
        self.write_checked(|db| import(db, bytes, options))
    }
}
