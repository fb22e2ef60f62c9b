//! `hoctap hamlet …`, `hoctap household …`, `hoctap member add`, `hoctap import roster`.

use crate::error::{read_input, CliError, CliResult};
use crate::output;
use crate::MemberAddArgs;
use hoctap_domain::roster;
use hoctap_domain::units::HamletKind;
use hoctap_store::households::{HouseholdQuery, NewHousehold, NewMember};
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
        outln!("{}  {}  ({n} hộ)", h.id, h.name);
    }
    Ok(())
}

pub fn household_add(
    data: Option<&Path>,
    hamlet: &str,
    head: &str,
    address: Option<String>,
    phone: Option<String>,
    json: bool,
) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let hamlet = store.resolve_hamlet(hamlet)?;
    let row = store.add_household(&NewHousehold {
        hamlet_id: hamlet.id,
        head: head.into(),
        address,
        phone,
        ..Default::default()
    })?;
    if json {
        output::json(&row)
    } else {
        outln!("Đã thêm hộ / household added: {} ({})", row.head, row.id);
        Ok(())
    }
}

pub fn household_list(
    data: Option<&Path>,
    hamlet: Option<String>,
    search: Option<String>,
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
        ..Default::default()
    })?;
    if json {
        return output::json(&rows);
    }
    for r in &rows {
        outln!(
            "{}  {:<28} {:<16} {}",
            r.id,
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
    let d = dev.store().household_detail(id)?;
    if json {
        return output::json(&d);
    }
    outln!("Hộ {} — chủ hộ {}", d.household.id, d.household.head);
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
    let m = dev.store().add_member(
        &a.household,
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
    if a.json {
        output::json(&m)
    } else {
        outln!("Đã thêm thành viên / member added: {} ({})", m.name, m.id);
        Ok(())
    }
}

pub fn import_roster(data: Option<&Path>, file: &str, json: bool) -> CliResult {
    let csv = read_input(file)?;
    let dev = super::open_device(data)?;
    match dev.store().import_roster(&csv)? {
        Ok(report) => {
            if json {
                output::json(&report)
            } else {
                outln!(
                    "Đã nhập / imported: {} hộ mới, {} thành viên; {} hộ đã có được bỏ qua ({} dòng)",
                    report.households_added,
                    report.members_added,
                    report.households_skipped,
                    report.rows
                );
                Ok(())
            }
        }
        Err(problems) => {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| format!("{file}:{}: {}", p.line, p.message))
                .collect();
            let message = format!(
                "Không nhập gì: tệp có {} dòng lỗi:\n{}",
                problems.len(),
                lines.join("\n")
            );
            let err = CliError::invalid(message)
                .with_detail(format!("nothing imported, {} bad row(s)", problems.len()));
            if json {
                output::json(&serde_json::json!({"imported": false, "problems": problems}))?;
                return Err(err.reported());
            }
            Err(err)
        }
    }
}
