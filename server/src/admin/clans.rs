//! `admin clan add | list` and `admin unit add | list`: clans (dòng họ) and units (đơn vị).

use super::{print_json, AdminError};
use crate::db::{clans, roster, Db};
use hoctap_domain::labels;
use hoctap_domain::protocol::UnitKind;
use serde_json::json;

/// The one household `spec` names: an id, a roster code, or `HAMLET/CODE`.
async fn household(db: &Db, spec: &str) -> Result<clans::NamedHousehold, AdminError> {
    let spec = spec.trim();
    let mut found = clans::households_named(db, spec, None).await?;
    if found.is_empty() {
        if let Some((hamlet, code)) = spec.rsplit_once('/') {
            let Some(h) = roster::find_hamlet(db, hamlet).await? else {
                return Err(AdminError::Invalid(format!(
                    "Không có thôn \"{hamlet}\" (xem `hoctap-server admin hamlet list`) / unknown hamlet"
                )));
            };
            found = clans::households_named(db, code.trim(), Some(&h.id)).await?;
        }
    }
    match found.len() {
        0 => Err(AdminError::Invalid(format!(
            "Không có hộ \"{spec}\" (mã hộ, THÔN/MÃ HỘ hoặc id) / unknown household"
        ))),
        1 => Ok(found.remove(0)),
        _ => Err(AdminError::Invalid(format!(
            "Mã hộ \"{spec}\" có ở nhiều thôn ({}); ghi THÔN/{spec} / household code used in several hamlets: write HAMLET/CODE",
            found
                .iter()
                .map(|h| h.hamlet.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

pub async fn clan_add(
    db: &Db,
    name: &str,
    specs: &[String],
    json_out: bool,
) -> Result<(), AdminError> {
    if name.trim().is_empty() {
        return Err(AdminError::Invalid(
            "Tên dòng họ trống / empty clan name".into(),
        ));
    }
    let mut households: Vec<clans::NamedHousehold> = Vec::new();
    for spec in specs {
        let h = household(db, spec).await?;
        if !households.iter().any(|o| o.id == h.id) {
            households.push(h);
        }
    }
    let ids: Vec<String> = households.iter().map(|h| h.id.clone()).collect();
    let Some(clan) = clans::add_clan(db, name, &ids).await? else {
        return Err(AdminError::Invalid(format!(
            "Dòng họ \"{name}\" đã có / clan already exists"
        )));
    };
    if json_out {
        return print_json(&json!({
            "id": clan.id, "name": clan.name, "household_ids": clan.household_ids,
            "households": households,
        }));
    }
    outln!(
        "Đã thêm dòng họ {} ({}) với {} hộ / clan added",
        clan.name,
        clan.id,
        households.len()
    );
    for h in &households {
        outln!(
            "\t{}\t{}\t{}",
            h.hamlet,
            h.roster_code.as_deref().unwrap_or("-"),
            h.head
        );
    }
    Ok(())
}

pub async fn clan_list(db: &Db, json_out: bool) -> Result<(), AdminError> {
    let list = clans::clans(db).await?;
    if json_out {
        return print_json(&list);
    }
    for c in list {
        outln!(
            "{}\t{}\t{} hộ/households\t{}",
            c.id,
            c.name,
            c.households.len(),
            c.hamlets.join(", ")
        );
    }
    Ok(())
}

pub async fn unit_add(
    db: &Db,
    name: &str,
    kind: &str,
    hamlet: Option<&str>,
    commune: Option<&str>,
    json_out: bool,
) -> Result<(), AdminError> {
    let kind = UnitKind::from_code(kind).ok_or_else(|| {
        AdminError::Invalid(format!(
            "Loại đơn vị không hợp lệ: {kind} (school, office, enterprise, other)"
        ))
    })?;
    if name.trim().is_empty() {
        return Err(AdminError::Invalid(
            "Tên đơn vị trống / empty unit name".into(),
        ));
    }
    let hamlet = match hamlet {
        Some(h) => match roster::find_hamlet(db, h).await? {
            Some(found) => Some(found),
            None => {
                return Err(AdminError::Invalid(format!(
                    "Không có thôn \"{h}\" (xem `hoctap-server admin hamlet list`) / unknown hamlet"
                )))
            }
        },
        None => None,
    };
    // The unit's commune: its hamlet's, else the one given (or the server's own).
    let commune = match &hamlet {
        Some(h) => h.commune_code.clone(),
        None if commune.is_none() && db.setting("province").await?.is_none() => None,
        None => Some(super::setup::commune_for(db, commune).await?),
    };
    let Some(unit) = clans::add_unit(
        db,
        name,
        kind,
        hamlet.as_ref().map(|h| h.id.as_str()),
        commune.as_deref(),
    )
    .await?
    else {
        return Err(AdminError::Invalid(format!(
            "Đơn vị \"{name}\" đã có ở {} / unit already exists there",
            hamlet.as_ref().map_or("cấp xã", |h| h.name.as_str())
        )));
    };
    if json_out {
        return print_json(&unit);
    }
    outln!(
        "Đã thêm {} {} ({}) — {} / unit added",
        labels::unit_kind(unit.kind).to_lowercase(),
        unit.name,
        unit.id,
        hamlet
            .as_ref()
            .map_or("cấp xã / commune level".to_string(), |h| h.name.clone())
    );
    Ok(())
}

pub async fn unit_list(db: &Db, json_out: bool) -> Result<(), AdminError> {
    let list = clans::units(db).await?;
    if json_out {
        return print_json(&list);
    }
    for u in list {
        outln!(
            "{}\t{}\t{}\t{}",
            u.unit.id,
            labels::unit_kind(u.unit.kind),
            u.unit.name,
            u.hamlet.as_deref().unwrap_or("Cấp xã")
        );
    }
    Ok(())
}
