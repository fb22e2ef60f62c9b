//! `hoctap household edit|move|remove|restore|history` and `hoctap member edit|remove|restore`:
//! correcting the roster. Removal is soft (kept with its history, restorable) and refused while a
//! finalized assessment depends on the row.

use super::households::WithSimilar;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::{HouseholdEditArgs, MemberEditArgs};
use hoctap_domain::roster;
use hoctap_store::history::Entity;
use hoctap_store::households::{HouseholdChange, MemberChange};
use std::path::Path;

/// `Some("")` clears an optional field.
fn optional(v: &Option<String>) -> Option<Option<String>> {
    v.as_ref()
        .map(|s| Some(s.trim().to_string()).filter(|s| !s.is_empty()))
}

pub fn household_edit(data: Option<&Path>, a: &HouseholdEditArgs) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let h = store.resolve_household(&a.id)?;
    let change = HouseholdChange {
        head: a.head.clone(),
        address: optional(&a.address),
        phone: optional(&a.phone),
        roster_code: optional(&a.code),
    };
    let row = store.edit_household(&h.id, &change)?;
    let similar = store.similar_households(&row.hamlet_id, &row.head, Some(&row.id))?;
    super::households::warn_similar_households(&similar);
    if a.json {
        return output::json(&WithSimilar {
            row: &row,
            similar: &similar,
        });
    }
    outln!("Đã sửa hộ / household edited: {} ({})", row.head, row.id);
    Ok(())
}

pub fn household_move(data: Option<&Path>, id: &str, hamlet: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let h = store.resolve_household(id)?;
    let to = store.resolve_hamlet(hamlet)?;
    let row = store.move_household(&h.id, &to.id)?;
    if json {
        return output::json(&row);
    }
    outln!("Đã chuyển hộ {} sang {} / moved", row.head, row.hamlet);
    Ok(())
}

pub fn household_remove(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let h = store.resolve_household(id)?;
    let r = store.remove_household(&h.id)?;
    if json {
        return output::json(&serde_json::json!({"id": h.id, "removed": r}));
    }
    outln!(
        "Đã xoá hộ {} (giữ lịch sử; khôi phục: hoctap household restore {}){}",
        h.head,
        h.id,
        if r.drafts_discarded > 0 {
            format!("; bỏ {} phiếu nháp", r.drafts_discarded)
        } else {
            String::new()
        }
    );
    Ok(())
}

pub fn household_restore(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let h = store.resolve_household(id)?;
    let row = store.restore_household(&h.id)?;
    if json {
        return output::json(&row);
    }
    outln!("Đã khôi phục hộ {} ({})", row.head, row.id);
    Ok(())
}

pub fn household_history(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let h = store
        .resolve_household(id)
        .or_else(|_| store.household(id))?;
    let mut changes = store.history(Entity::Household, &h.id)?;
    for m in store.household_detail(&h.id)?.members {
        changes.extend(store.history(Entity::Member, &m.id)?);
    }
    changes.sort_by(|a, b| a.at.cmp(&b.at));
    if json {
        return output::json(&changes);
    }
    outln!("Lịch sử hộ {} ({}):", h.head, h.id);
    for c in &changes {
        outln!(
            "  {}  {} {} {}",
            c.at,
            hoctap_store::history::label(c.action),
            hoctap_store::history::entity_label(c.entity),
            c.entity_id
        );
    }
    Ok(())
}

fn flag(field: &str, v: Option<&str>) -> CliResult<Option<Option<bool>>> {
    match v {
        None => Ok(None),
        Some(v) => roster::yes_no(v)
            .map(Some)
            .ok_or_else(|| CliError::invalid(format!("--{field}: \"{v}\" phải là có hoặc không"))),
    }
}

pub fn member_edit(data: Option<&Path>, a: &MemberEditArgs) -> CliResult {
    let sex = match a.sex.as_deref() {
        None => None,
        Some(v) => Some(roster::sex(v).ok_or_else(|| {
            CliError::invalid(format!("--sex: \"{v}\" phải là nam, nữ hoặc khác"))
        })?),
    };
    let schooling = match a.schooling.as_deref() {
        None => None,
        Some(v) => Some(roster::schooling(v).ok_or_else(|| {
            CliError::invalid(format!(
                "--schooling: \"{v}\" không hợp lệ (mầm non, đang đi học, bỏ học, đã học xong, chưa đi học)"
            ))
        })?),
    };
    let change = MemberChange {
        name: a.name.clone(),
        birth_year: a.birth_year.map(Some),
        sex,
        relation: optional(&a.relation),
        schooling,
        literate: flag("literate", a.literate.as_deref())?,
        cdht: flag("cdht", a.cdht.as_deref())?,
        unable_to_learn: flag("unable-to-learn", a.unable_to_learn.as_deref())?
            .map(|v| v.unwrap_or(false)),
        ..MemberChange::default()
    };
    let dev = super::open_device(data)?;
    let m = dev.store().edit_member(&a.id, &change)?;
    if a.json {
        return output::json(&m);
    }
    outln!("Đã sửa thành viên / member edited: {} ({})", m.name, m.id);
    Ok(())
}

pub fn member_remove(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let m = store.member(id)?;
    let r = store.remove_member(id)?;
    if json {
        return output::json(&serde_json::json!({"id": id, "removed": r}));
    }
    outln!(
        "Đã xoá thành viên {} (giữ lịch sử; khôi phục: hoctap member restore {id})",
        m.name
    );
    Ok(())
}

pub fn member_restore(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let m = dev.store().restore_member(id)?;
    if json {
        return output::json(&m);
    }
    outln!("Đã khôi phục thành viên {} ({})", m.name, m.id);
    Ok(())
}
