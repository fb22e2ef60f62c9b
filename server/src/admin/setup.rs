//! Setting up a server: province and commune (official codes), hamlets, roster import, users.

use super::{print_json, AdminError};
use crate::db::{now, roster, Db};
use crate::{roster_csv, units};
use hoctap_domain::protocol::HouseholdRecord;
use serde_json::json;
use std::path::Path;

pub async fn init(db: &Db, province: &str, commune: &str) -> Result<(), AdminError> {
    let Some((p_code, p_name)) = units::province(province) else {
        return Err(AdminError::Invalid(format!(
            "Không có tỉnh mã \"{province}\". Xem danh sách: `hoctap-server admin units` / unknown province code; list them with `hoctap-server admin units`"
        )));
    };
    let Some(c) = units::commune(p_code, commune) else {
        return Err(AdminError::Invalid(format!(
            "Tỉnh {p_name} không có xã/phường mã \"{commune}\". Xem danh sách: `hoctap-server admin units --province {p_code}` / unknown commune code in this province"
        )));
    };
    db.set_setting("province", p_code).await?;
    db.set_setting("commune", c.code).await?;
    println!(
        "Đã thiết lập: {} ({}) — {} ({}) / initialised",
        c.name, c.code, p_name, p_code
    );
    Ok(())
}

pub fn units(province: Option<&str>, json_out: bool) -> Result<(), AdminError> {
    match province {
        None => {
            let list = units::provinces();
            if json_out {
                let v: Vec<_> = list
                    .iter()
                    .map(|(code, name)| json!({"code": code, "name": name}))
                    .collect();
                return print_json(&v);
            }
            for (code, name) in list {
                println!("{code}\t{name}");
            }
        }
        Some(p) => {
            let Some((code, _)) = units::province(p) else {
                return Err(AdminError::Invalid(format!(
                    "Không có tỉnh mã \"{p}\" / unknown province code (`hoctap-server admin units`)"
                )));
            };
            let list: Vec<_> = units::communes()
                .filter(|c| c.province_code == code)
                .collect();
            if json_out {
                let v: Vec<_> = list
                    .iter()
                    .map(|c| json!({"code": c.code, "name": c.name, "kind": c.kind}))
                    .collect();
                return print_json(&v);
            }
            for c in list {
                println!("{}\t{}", c.code, c.name);
            }
        }
    }
    Ok(())
}

pub async fn hamlet_add(db: &Db, name: &str, kind: &str, json_out: bool) -> Result<(), AdminError> {
    let kind = hoctap_domain::units::HamletKind::from_code(kind).ok_or_else(|| {
        AdminError::Invalid(format!("Loại thôn không hợp lệ: {kind} (thon, to_dan_pho)"))
    })?;
    if name.trim().is_empty() {
        return Err(AdminError::Invalid(
            "Tên thôn trống / empty hamlet name".into(),
        ));
    }
    let commune = db.setting("commune").await?;
    let Some(h) = roster::add_hamlet(db, name, kind, commune.as_deref()).await? else {
        return Err(AdminError::Invalid(format!(
            "Thôn \"{name}\" đã có / hamlet already exists"
        )));
    };
    if json_out {
        return print_json(&h);
    }
    println!("Đã thêm thôn {} ({}) / hamlet added", h.name, h.id);
    Ok(())
}

pub async fn hamlet_list(db: &Db, json_out: bool) -> Result<(), AdminError> {
    let list = roster::hamlets(db).await?;
    if json_out {
        return print_json(&list);
    }
    for h in list {
        println!("{}\t{}\t{}", h.id, h.kind, h.name);
    }
    Ok(())
}

pub async fn import_roster(db: &Db, file: &Path, json_out: bool) -> Result<(), AdminError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        AdminError::Invalid(format!(
            "Không đọc được tệp {} / cannot read: {e}",
            file.display()
        ))
    })?;
    let problems_out = |problems: Vec<roster_csv::RowProblem>| {
        if json_out {
            let _ = print_json(&json!({"imported": false, "problems": problems}));
        } else {
            for p in &problems {
                eprintln!("{}:{}: {}", file.display(), p.line, p.message);
            }
        }
        AdminError::Invalid(format!(
            "Tệp danh sách có {} lỗi, chưa nhập gì / roster has errors, nothing imported",
            problems.len()
        ))
    };
    let households = roster_csv::parse(&text).map_err(problems_out)?;
    let mut hamlet_ids = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    for h in &households {
        if hamlet_ids.contains_key(&h.hamlet) {
            continue;
        }
        match roster::find_hamlet(db, &h.hamlet).await? {
            Some(found) => {
                hamlet_ids.insert(h.hamlet.clone(), found.id);
            }
            None => problems.push(roster_csv::RowProblem {
                line: 0,
                message: format!(
                    "Thôn \"{}\" chưa có; thêm bằng `hoctap-server admin hamlet add` / unknown hamlet",
                    h.hamlet
                ),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(problems_out(problems));
    }
    let (mut added, mut skipped, mut members) = (0u64, 0u64, 0u64);
    let mut tx = db.begin_write().await?;
    for h in households {
        let hamlet_id = hamlet_ids.get(&h.hamlet).cloned().unwrap_or_default();
        if roster::roster_code_exists(&mut tx, &hamlet_id, &h.code).await? {
            skipped += 1;
            continue;
        }
        members += h.members.len() as u64;
        added += 1;
        let rec = HouseholdRecord {
            id: crate::clock::new_id(),
            hamlet_id,
            head: h.head,
            address: h.address,
            phone: h.phone,
            roster_code: Some(h.code),
            members: h.members,
        };
        roster::upsert_household(&mut tx, &rec, "roster").await?;
    }
    tx.commit().await?;
    if json_out {
        return print_json(&json!({
            "households_added": added, "members_added": members, "households_skipped": skipped
        }));
    }
    println!("Đã nhập {added} hộ, {members} thành viên; bỏ qua {skipped} hộ đã có / imported");
    Ok(())
}

pub async fn user_add(db: &Db, name: &str, role: &str, json_out: bool) -> Result<(), AdminError> {
    let name = hoctap_domain::text::clean(name);
    if name.is_empty() {
        return Err(AdminError::Invalid("Tên trống / empty name".into()));
    }
    let id = crate::clock::new_id();
    let mut tx = db.begin_write().await?;
    let exists = sqlx::query("SELECT 1 FROM users WHERE name = $1")
        .bind(&name)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return Err(AdminError::Invalid(format!(
            "Người dùng \"{name}\" đã có / user already exists"
        )));
    }
    sqlx::query("INSERT INTO users (id, name, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(&name)
        .bind(role)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if json_out {
        return print_json(&json!({"id": id, "name": name, "role": role}));
    }
    println!("Đã thêm người dùng {name} ({role}) / user added: {id}");
    Ok(())
}
