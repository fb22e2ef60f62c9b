//! Roster import on the server: a roster file (CSV or XLSX) read and checked by
//! [`hoctap_domain::roster::read`], the device's reader, so both accept the same files and
//! report the same problems; then its households stored as roster records.
//!
//! Every row is checked, and every hamlet looked up, before anything is written. Missing
//! hamlets are problems unless [`ImportOptions::create_hamlets`] asks for them to be added;
//! they are added only once the whole file has passed, just before the one transaction that
//! writes the households (a database failure in that transaction leaves them added). A
//! household whose code already exists in its hamlet is skipped.

use crate::clock;
use crate::db::{roster, Db};
use hoctap_domain::protocol::{HouseholdRecord, MemberRecord};
use hoctap_domain::roster::{read, Problem, Refusal, RosterHousehold, SourceInfo};
use hoctap_domain::text;
use hoctap_domain::units::HamletKind;
use serde::Serialize;
use std::collections::BTreeMap;

/// How to import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Add the hamlets the file names that do not exist yet.
    pub create_hamlets: bool,
    /// The commune whose hamlets the file names (on a province server); `None`: the server's
    /// own commune, or any commune where the name is unique.
    pub commune: Option<String>,
}

/// What an import did (the same shape as the device's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub households_added: u64,
    pub members_added: u64,
    pub households_skipped: u64,
    /// Data rows read.
    pub rows: u64,
    /// Names of the hamlets added.
    pub hamlets_created: Vec<String>,
    /// Households newly linked to a clan named in the `clan` column (clans created by name).
    pub clan_links: u64,
    /// How the file was read.
    pub file: SourceInfo,
}

/// A household of the file as the record the roster tables store, with new ids.
fn record(h: &RosterHousehold, hamlet_id: &str) -> HouseholdRecord {
    HouseholdRecord {
        id: clock::new_id(),
        hamlet_id: hamlet_id.to_string(),
        head: h.head.clone(),
        address: h.address.clone(),
        phone: h.phone.clone(),
        roster_code: Some(h.code.clone()),
        members: h
            .members
            .iter()
            .map(|m| MemberRecord {
                id: clock::new_id(),
                name: m.name.clone(),
                birth_year: m.birth_year,
                sex: m.sex,
                relation: m.relation.clone(),
                schooling: m.schooling,
                literate: m.literate,
                cdht: m.cdht,
                cdht_group: None,
                unable_to_learn: m.unable_to_learn,
            })
            .collect(),
    }
}

/// Import a roster file; `Ok(Err(_))` when it was refused (nothing written).
pub async fn import(
    db: &Db,
    bytes: &[u8],
    options: ImportOptions,
) -> Result<Result<ImportReport, Refusal>, sqlx::Error> {
    let roster = match read(bytes, clock::current_year()) {
        Ok(r) => r,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut missing: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    let commune = match options.commune.clone() {
        Some(c) => Some(c),
        None => db.setting("commune").await?,
    };
    for h in &roster.hamlets {
        let found = match roster::find_hamlet_in(db, commune.as_deref(), &h.name).await? {
            roster::HamletMatch::One(found) => Some(found),
            roster::HamletMatch::None | roster::HamletMatch::Ambiguous(_) => None,
        };
        match found {
            Some(found) => {
                ids.insert(text::fold(&h.name), found.id);
            }
            None if options.create_hamlets => missing.push(h.name.clone()),
            None => problems.push(roster.problem(
                h.line,
                true,
                &Problem::UnknownHamlet {
                    name: h.name.clone(),
                    rows: h.rows,
                    add_command: "hoctap-server admin hamlet add",
                },
            )),
        }
    }
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
    if !missing.is_empty() {
        for name in missing {
            let id =
                match roster::add_hamlet(db, &name, HamletKind::Thon, commune.as_deref()).await? {
                    Some(added) => {
                        report.hamlets_created.push(added.name);
                        added.id
                    }
                    // Added meanwhile by someone else.
                    None => match roster::find_hamlet_in(db, commune.as_deref(), &name).await? {
                        roster::HamletMatch::One(h) => h.id,
                        _ => return Err(sqlx::Error::RowNotFound),
                    },
                };
            ids.insert(text::fold(&name), id);
        }
    }
    let mut tx = db.begin_write().await?;
    for h in &roster.households {
        let Some(hamlet_id) = ids.get(&text::fold(&h.hamlet)) else {
            continue;
        };
        if roster::roster_code_exists(&mut tx, hamlet_id, &h.code).await? {
            report.households_skipped += 1;
        } else {
            let rec = record(h, hamlet_id);
            roster::insert_household(&mut tx, &rec, "roster").await?;
            report.households_added += 1;
            report.members_added += rec.members.len() as u64;
        }
        // A clan column links the household (added now or before) to the clan of that name.
        if let Some(clan) = &h.clan {
            if crate::db::clans::link_roster_household(&mut tx, hamlet_id, &h.code, clan).await? {
                report.clan_links += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(Ok(report))
}
