//! `hoctap clan …` and `hoctap unit …`: the subjects of Dòng họ học tập (a clan links households,
//! possibly across hamlets) and Đơn vị học tập (a school, office or enterprise, in a hamlet or at
//! commune level). Assess them with `hoctap assess CLAN_OR_UNIT --criteria …`.

use crate::error::{CliError, CliResult};
use crate::output;
use hoctap_domain::protocol::UnitKind;
use hoctap_domain::text;
use hoctap_store::org_units::NewUnit;
use std::path::Path;

fn households_of(store: &hoctap_store::Store, refs: &[String]) -> CliResult<Vec<String>> {
    refs.iter()
        .map(|r| Ok(store.resolve_household(r)?.id))
        .collect()
}

pub fn clan_add(data: Option<&Path>, name: &str, households: &[String], json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let ids = households_of(store, households)?;
    let id = store.add_clan(name, &ids)?;
    let clan = store.clan(&id)?;
    if json {
        return output::json(&clan);
    }
    outln!(
        "Đã thêm dòng họ / clan added: {} ({}) — {} hộ, thôn: {}",
        clan.name,
        clan.id,
        clan.household_ids.len(),
        clan.hamlets.join(", ")
    );
    Ok(())
}

pub fn clan_list(data: Option<&Path>, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let clans = dev.store().clans()?;
    if json {
        return output::json(&clans);
    }
    for c in &clans {
        outln!(
            "{}  {:<28} {} hộ — {}",
            c.id,
            c.name,
            c.household_ids.len(),
            c.hamlets.join(", ")
        );
    }
    outln!("{} dòng họ", clans.len());
    Ok(())
}

pub fn clan_show(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let clan = store.clan(id)?;
    if json {
        return output::json(&clan);
    }
    outln!("Dòng họ {} ({})", clan.name, clan.id);
    for h in &clan.household_ids {
        let row = store.household(h)?;
        outln!(
            "  {}  {:<28} {} {}",
            row.id,
            row.head,
            row.hamlet,
            row.roster_code.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

pub fn clan_edit(
    data: Option<&Path>,
    id: &str,
    name: Option<String>,
    households: &[String],
    json: bool,
) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let clan = store.clan(id)?;
    let ids = if households.is_empty() {
        None
    } else {
        Some(households_of(store, households)?)
    };
    let clan = store.edit_clan(&clan.id, name.as_deref(), ids.as_deref())?;
    if json {
        return output::json(&clan);
    }
    outln!(
        "Đã sửa dòng họ / clan edited: {} ({} hộ)",
        clan.name,
        clan.household_ids.len()
    );
    Ok(())
}

pub fn clan_remove(data: Option<&Path>, id: &str) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let clan = store.clan(id)?;
    store.remove_clan(&clan.id)?;
    outln!("Đã xoá dòng họ {}", clan.name);
    Ok(())
}

fn unit_kind(v: &str) -> CliResult<UnitKind> {
    match text::fold(v).as_str() {
        "school" | "truong" | "truong hoc" => Ok(UnitKind::School),
        "office" | "co quan" => Ok(UnitKind::Office),
        "enterprise" | "doanh nghiep" => Ok(UnitKind::Enterprise),
        "other" | "khac" => Ok(UnitKind::Other),
        _ => Err(CliError::invalid(format!(
            "--kind: \"{v}\" không hợp lệ (school: trường học, office: cơ quan, enterprise: doanh nghiệp, other: khác)"
        ))),
    }
}

pub fn unit_add(
    data: Option<&Path>,
    name: &str,
    kind: &str,
    hamlet: Option<String>,
    commune: Option<String>,
    json: bool,
) -> CliResult {
    let kind = unit_kind(kind)?;
    let dev = super::open_device(data)?;
    let store = dev.store();
    let hamlet_id = match hamlet {
        Some(h) => Some(store.resolve_hamlet(&h)?.id),
        None => None,
    };
    let u = store.add_unit(&NewUnit {
        name: name.to_string(),
        kind,
        hamlet_id,
        commune_code: commune,
    })?;
    if json {
        return output::json(&u);
    }
    outln!(
        "Đã thêm đơn vị / unit added: {} ({}, {}) {}",
        u.name,
        hoctap_domain::labels::unit_kind(u.kind),
        u.hamlet.as_deref().unwrap_or("cấp xã"),
        u.id
    );
    Ok(())
}

pub fn unit_list(data: Option<&Path>, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let units = dev.store().units()?;
    if json {
        return output::json(&units);
    }
    for u in &units {
        outln!(
            "{}  {:<32} {:<12} {}",
            u.id,
            u.name,
            hoctap_domain::labels::unit_kind(u.kind),
            u.hamlet.as_deref().unwrap_or("cấp xã")
        );
    }
    outln!("{} đơn vị", units.len());
    Ok(())
}

pub fn unit_show(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let u = dev.store().unit(id)?;
    if json {
        return output::json(&u);
    }
    outln!(
        "Đơn vị {} ({}) — {}, {}",
        u.name,
        u.id,
        hoctap_domain::labels::unit_kind(u.kind),
        u.hamlet.as_deref().unwrap_or("cấp xã")
    );
    Ok(())
}

pub fn unit_remove(data: Option<&Path>, id: &str) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let u = store.unit(id)?;
    store.remove_unit(&u.id)?;
    outln!("Đã xoá đơn vị {}", u.name);
    Ok(())
}
