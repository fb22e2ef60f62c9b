//! `hoctap hamlet …`, `hoctap household …`, `hoctap member add`.

use crate::error::{CliError, CliResult};
use crate::output;
use crate::MemberAddArgs;
use hoctap_domain::roster;
use hoctap_domain::units::HamletKind;
use hoctap_store::households::{HouseholdQuery, HouseholdRow, NewHousehold, NewMember};
use hoctap_store::units::NewHamlet;
use std::path::Path;

pub fn hamlet_add(
    data: Option<&Path>,
    name: &str,
    kind: Option<String>,
    commune: Option<String>,
    json: bool,
) -> CliResult {
    let kind = match kind.as_deref() {
        None => None,
        Some(k) => Some(HamletKind::from_code(k).ok_or_else(|| {
            CliError::invalid(format!(
                "--kind: \"{k}\" không hợp lệ (thon: thôn, to_dan_pho: tổ dân phố)"
            ))
        })?),
    };
    let dev = super::open_device(data)?;
    let store = dev.store();
    let h = store.add_hamlet(&NewHamlet {
        name: name.into(),
        kind,
        commune_code: commune,
        ..Default::default()
    })?;
    if json {
        output::json(&h)
    } else {
        outln!("Đã thêm thôn / hamlet added: {} ({})", h.name, h.id);
        Ok(())
    }
}

pub fn hamlet_list(data: Option<&Path>, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let hamlets = store.hamlets()?;
    if json {
        return output::json(&hamlets);
    }
    for h in hamlets {
        let n = store.count_households(Some(&h.id))?;
        // Names usually carry their kind ("Thôn Đông"); say it only when they do not.
        let kind = h.kind.label();
        let shown =
            if hoctap_domain::text::fold(&h.name).starts_with(&hoctap_domain::text::fold(kind)) {
                h.name.clone()
            } else {
                format!("{} ({kind})", h.name)
            };
        outln!("{}  {shown}  ({n} hộ)", h.id);
    }
    Ok(())
}

/// A household as `household add`/`edit --json` print it: the row's keys, plus the households
/// that look like duplicates of it.
#[derive(serde::Serialize)]
pub struct WithSimilar<'a> {
    #[serde(flatten)]
    pub row: &'a HouseholdRow,
    pub similar: &'a [HouseholdRow],
}

/// Say which households look like duplicates of one just added or changed.
pub fn warn_similar_households(similar: &[HouseholdRow]) {
    for h in similar {
        errln!(
            "Có thể trùng: trong thôn đã có hộ {} {}({}) — kiểm tra có trùng không",
            h.head,
            h.roster_code
                .as_deref()
                .map(|c| format!("mã {c} "))
                .unwrap_or_default(),
            h.id
        );
    }
}

pub fn household_add(
    data: Option<&Path>,
    hamlet: &str,
    head: &str,
    address: Option<String>,
    phone: Option<String>,
    code: Option<String>,
    json: bool,
) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let hamlet = store.resolve_hamlet(hamlet)?;
    let similar = store.similar_households(&hamlet.id, head, None)?;
    let row = store.add_household(&NewHousehold {
        hamlet_id: hamlet.id,
        head: head.into(),
        address,
        phone,
        roster_code: code,
        ..Default::default()
    })?;
    // Warnings go to stderr in both modes (stdout stays one JSON document).
    warn_similar_households(&similar);
    if json {
        output::json(&WithSimilar {
            row: &row,
            similar: &similar,
        })
    } else {
        outln!(
            "Đã thêm hộ / household added: {} {}({})",
            row.head,
            row.roster_code
                .as_deref()
                .map(|c| format!("mã {c} "))
                .unwrap_or_default(),
            row.id
        );
        Ok(())
    }
}

pub fn household_list(
    data: Option<&Path>,
    hamlet: Option<String>,
    search: Option<String>,
    search_address: bool,
    json: bool,
) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let hamlet_id = match hamlet {
        Some(h) => Some(store.resolve_hamlet(&h)?.id),
        None => None,
    };
    let rows = store.list_households(&HouseholdQuery {
        hamlet_id,
        search,
        search_address,
        ..Default::default()
    })?;
    if json {
        return output::json(&rows);
    }
    for r in &rows {
        outln!(
            "{}  {:<8} {:<28} {:<16} {}",
            r.id,
            r.roster_code.as_deref().unwrap_or("—"),
            r.head,
            r.hamlet,
            r.address.as_deref().unwrap_or("")
        );
    }
    outln!("{} hộ", rows.len());
    Ok(())
}

pub fn household_show(data: Option<&Path>, id: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let found = match store.resolve_household(id) {
        Ok(h) => h,
        // A removed household is still shown by its id.
        Err(e) => store.household(id).map_err(|_| e)?,
    };
    let d = store.household_detail(&found.id)?;
    if json {
        return output::json(&d);
    }
    outln!(
        "Hộ {} {}— chủ hộ {}",
        d.household.id,
        d.household
            .roster_code
            .as_deref()
            .map(|c| format!("(mã {c}) "))
            .unwrap_or_default(),
        d.household.head
    );
    if let Some(at) = &d.removed_at {
        outln!(
            "ĐÃ XOÁ lúc {at} (khôi phục: hoctap household restore {})",
            d.household.id
        );
    }
    outln!("Thôn: {}", d.household.hamlet);
    if let Some(a) = &d.household.address {
        outln!("Địa chỉ: {a}");
    }
    if let Some(p) = &d.household.phone {
        outln!("Điện thoại: {p}");
    }
    outln!("Thành viên ({}):", d.members.len());
    for m in &d.members {
        outln!(
            "  {}  {}{}{}",
            m.id,
            m.name,
            m.birth_year
                .map(|y| format!(", sinh {y}"))
                .unwrap_or_default(),
            m.relation
                .as_deref()
                .map(|r| format!(", {r}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// A yes/no option, read as the roster import reads the cell (có/không, yes/no, 1/0 …).
fn yes_no(field: &str, v: Option<&str>) -> CliResult<Option<bool>> {
    match v.map(roster::yes_no) {
        None => Ok(None),
        Some(Some(b)) => Ok(b),
        Some(None) => Err(CliError::invalid(format!(
            "--{field}: \"{}\" phải là có hoặc không",
            v.unwrap_or_default()
        ))),
    }
}

pub fn member_add(data: Option<&Path>, a: &MemberAddArgs) -> CliResult {
    let sex = match a.sex.as_deref().map(roster::sex) {
        None => None,
        Some(Some(s)) => s,
        Some(None) => {
            return Err(CliError::invalid(format!(
                "--sex: \"{}\" phải là nam, nữ hoặc khác",
                a.sex.as_deref().unwrap_or_default()
            )))
        }
    };
    let schooling = match a.schooling.as_deref().map(roster::schooling) {
        None => None,
        Some(Some(s)) => s,
        Some(None) => {
            return Err(CliError::invalid(format!(
                "--schooling: \"{}\" không hợp lệ (preschool, in_school, out_of_school, finished, never — hoặc: mầm non, đang đi học, bỏ học, đã học xong, chưa đi học)",
                a.schooling.as_deref().unwrap_or_default()
            )))
        }
    };
    let dev = super::open_device(data)?;
    let store = dev.store();
    let household = store.resolve_household(&a.household)?;
    let similar = store.similar_members(&household.id, &a.name, a.birth_year, None)?;
    let m = store.add_member(
        &household.id,
        &NewMember {
            name: a.name.clone(),
            birth_year: a.birth_year,
            sex,
            relation: a.relation.clone(),
            schooling,
            literate: yes_no("literate", a.literate.as_deref())?,
            cdht: yes_no("cdht", a.cdht.as_deref())?,
            cdht_group: a.cdht_group.clone(),
            unable_to_learn: a.unable_to_learn,
        },
    )?;
    // The warning goes to stderr in both modes (stdout stays one JSON document).
    for s in &similar {
        errln!(
            "Có thể trùng: hộ đã có {} ({}{}) — kiểm tra có phải cùng một người không",
            s.name,
            s.id,
            s.birth_year
                .map(|y| format!(", sinh {y}"))
                .unwrap_or_default()
        );
    }
    if a.json {
        output::json(&m)
    } else {
        outln!("Đã thêm thành viên / member added: {} ({})", m.name, m.id);
        Ok(())
    }
}
