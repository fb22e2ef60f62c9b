//! Setting up a server: province and commune (official codes), hamlets, roster import, users.

use super::{print_json, AdminError};
use crate::cli::PlaceArgs;
use crate::db::{places, roster, Db};
use crate::{roster_file, units};
use hoctap_domain::plausibility::Place;
use hoctap_domain::roster::{problem_lines, Refusal, SHOWN_PROBLEMS};
use serde_json::json;
use std::path::Path;

/// `admin init --province P [--commune C]`: the province this server serves, and its one
/// commune when it serves only one.
pub async fn init(db: &Db, province: &str, commune: Option<&str>) -> Result<(), AdminError> {
    let Some((p_code, p_name)) = units::province(province) else {
        return Err(AdminError::Invalid(format!(
            "Không có tỉnh mã \"{province}\". Xem danh sách: `hoctap-server admin units` / unknown province code; list them with `hoctap-server admin units`"
        )));
    };
    let c = match commune {
        None => None,
        Some(commune) => Some(units::commune(p_code, commune).ok_or_else(|| {
            AdminError::Invalid(format!(
                "Tỉnh {p_name} không có xã/phường mã \"{commune}\". Xem danh sách: `hoctap-server admin units --province {p_code}` / unknown commune code in this province"
            ))
        })?),
    };
    // Another province on a server that holds data would silently re-home it: refuse. So
    // would narrowing a server that holds several communes' data to one of them.
    if has_data(db).await? {
        if let Some(held) = db.setting("province").await? {
            if held != p_code {
                return Err(AdminError::Invalid(format!(
                    "Máy chủ này đã phục vụ tỉnh mã {held} và đã có dữ liệu; không đổi sang {p_name} ({p_code}) được. Hãy dùng một máy chủ (thư mục dữ liệu hoặc cơ sở dữ liệu) khác / this server already serves another province and holds data"
                )));
            }
        }
        if let (Some(c), Some(held)) = (&c, db.setting("commune").await?) {
            if held != c.code {
                let held_name = units::communes()
                    .find(|x| x.code == held)
                    .map_or_else(|| held.clone(), |x| format!("{} ({held})", x.name));
                return Err(AdminError::Invalid(format!(
                    "Máy chủ này đã phục vụ {held_name} và đã có dữ liệu; không đổi sang {} ({}) được. Hãy dùng một máy chủ (thư mục dữ liệu hoặc cơ sở dữ liệu) khác / this server already serves another commune and holds data",
                    c.name, c.code
                )));
            }
        }
        if let Some(c) = &c {
            let others = sqlx::query("SELECT 1 FROM hamlets WHERE commune_code <> $1 LIMIT 1")
                .bind(c.code)
                .fetch_optional(&db.pool)
                .await?;
            if others.is_some() {
                return Err(AdminError::Invalid(
                    "Máy chủ đã có dữ liệu của nhiều xã: không thu về một xã được / the server holds several communes' data".into(),
                ));
            }
        }
    }
    db.set_setting("province", p_code).await?;
    match &c {
        Some(c) => {
            db.set_setting("commune", c.code).await?;
            roster::assign_commune(db, c.code).await?;
            outln!(
                "Đã thiết lập: {} ({}) — {} ({}) / initialised for one commune",
                c.name,
                c.code,
                p_name,
                p_code
            );
        }
        None => {
            db.clear_setting("commune").await?;
            outln!(
                "Đã thiết lập: toàn tỉnh {} ({}) / initialised for the whole province",
                p_name,
                p_code
            );
        }
    }
    Ok(())
}

/// The commune a new hamlet (or account) of this server belongs to: the one given, which must
/// be of the server's province, else the server's own commune.
pub async fn commune_for(db: &Db, given: Option<&str>) -> Result<String, AdminError> {
    let province = db.setting("province").await?.ok_or_else(|| {
        AdminError::Invalid(
            "Máy chủ chưa thiết lập tỉnh: chạy `hoctap-server admin init --province P` trước / run `admin init` first".into(),
        )
    })?;
    match given {
        Some(code) => units::commune(&province, code)
            .map(|c| c.code.to_string())
            .ok_or_else(|| {
                AdminError::Invalid(format!(
                    "Tỉnh mã {province} không có xã/phường mã \"{code}\" (`hoctap-server admin units --province {province}`) / unknown commune in this province"
                ))
            }),
        None => db.setting("commune").await?.ok_or_else(|| {
            AdminError::Invalid(
                "Máy chủ phục vụ cả tỉnh: cần --commune <mã xã> / this server serves a province: give --commune".into(),
            )
        }),
    }
}

/// Whether the server holds anything tied to its commune (hamlets, households, devices,
/// clans, units, assessments).
async fn has_data(db: &Db) -> Result<bool, AdminError> {
    for table in [
        "hamlets",
        "households",
        "devices",
        "clans",
        "units",
        "assessments",
    ] {
        // Only a fixed table name is formatted into the SQL.
        let sql = format!("SELECT 1 FROM {table} LIMIT 1");
        if sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_optional(&db.pool)
            .await?
            .is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
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
                outln!("{code}\t{name}");
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
                outln!("{}\t{}", c.code, c.name);
            }
        }
    }
    Ok(())
}

pub async fn hamlet_add(
    db: &Db,
    name: &str,
    kind: &str,
    commune: Option<&str>,
    place: &PlaceArgs,
    json_out: bool,
) -> Result<(), AdminError> {
    let kind = hoctap_domain::units::HamletKind::from_code(kind).ok_or_else(|| {
        AdminError::Invalid(format!("Loại thôn không hợp lệ: {kind} (thon, to_dan_pho)"))
    })?;
    if name.trim().is_empty() {
        return Err(AdminError::Invalid(
            "Tên thôn trống / empty hamlet name".into(),
        ));
    }
    let place = place_of(place)?;
    // A server not set up yet (no province) keeps hamlets without a commune, as before
    // version 5; `admin init --commune` later gives them the commune.
    let commune = if commune.is_none() && db.setting("province").await?.is_none() {
        None
    } else {
        Some(commune_for(db, commune).await?)
    };
    let Some(mut h) = roster::add_hamlet(db, name, kind, commune.as_deref()).await? else {
        return Err(AdminError::Invalid(format!(
            "Thôn \"{name}\" đã có / hamlet already exists"
        )));
    };
    if place.is_some() {
        places::set_hamlet_place(db, &h.id, place).await?;
        h.place = place;
    }
    if json_out {
        return print_json(&h);
    }
    outln!("Đã thêm {} ({}) / hamlet added", h.name, h.id);
    if let Some(p) = &h.place {
        outln!("{}", place_line(p));
    }
    Ok(())
}

/// A place from the command line: all three values or none, in range.
fn place_of(args: &PlaceArgs) -> Result<Option<Place>, AdminError> {
    Place::from_parts(args.lat, args.lon, args.radius_km).map_err(|e| {
        AdminError::Invalid(format!(
            "{} (--lat --lon --radius-km) / {e}",
            e.message_vi()
        ))
    })
}

fn place_line(p: &Place) -> String {
    format!(
        "Vị trí / place: {:.6}, {:.6}, bán kính / radius {} km",
        p.lat, p.lon, p.radius_km
    )
}

/// `admin hamlet set HAMLET --lat --lon --radius-km | --clear-place`.
pub async fn hamlet_set(
    db: &Db,
    hamlet: &str,
    place: &PlaceArgs,
    clear: bool,
    json_out: bool,
) -> Result<(), AdminError> {
    let place = place_of(place)?;
    if place.is_none() && !clear {
        return Err(AdminError::Invalid(
            "Cần --lat, --lon và --radius-km, hoặc --clear-place / give --lat --lon --radius-km, or --clear-place".into(),
        ));
    }
    let Some(mut h) = roster::find_hamlet(db, hamlet).await? else {
        return Err(AdminError::Invalid(format!(
            "Không có thôn \"{hamlet}\" / unknown hamlet"
        )));
    };
    if !places::set_hamlet_place(db, &h.id, place).await? {
        return Err(AdminError::Invalid(format!(
            "Không có thôn \"{hamlet}\" / unknown hamlet"
        )));
    }
    h.place = place;
    if json_out {
        return print_json(&h);
    }
    match &h.place {
        Some(p) => outln!(
            "Đã đặt vị trí thôn {} / place set. {}",
            h.name,
            place_line(p)
        ),
        None => outln!("Đã xoá vị trí thôn {} / place cleared", h.name),
    }
    Ok(())
}

pub async fn hamlet_list(db: &Db, json_out: bool) -> Result<(), AdminError> {
    let list = roster::hamlets(db).await?;
    if json_out {
        return print_json(&list);
    }
    // A province server names each hamlet's commune (names repeat across communes).
    let several = db.setting("commune").await?.is_none();
    for h in list {
        let commune = if several {
            format!("\t{}", h.commune_code.as_deref().unwrap_or("-"))
        } else {
            String::new()
        };
        match &h.place {
            Some(p) => outln!(
                "{}\t{}\t{}\t{:.6},{:.6} r={} km{commune}",
                h.id,
                h.kind,
                h.name,
                p.lat,
                p.lon,
                p.radius_km
            ),
            None => outln!("{}\t{}\t{}{commune}", h.id, h.kind, h.name),
        }
    }
    Ok(())
}

pub async fn import_roster(
    db: &Db,
    file: &Path,
    create_hamlets: bool,
    commune: Option<&str>,
    json_out: bool,
) -> Result<(), AdminError> {
    let bytes = std::fs::read(file).map_err(|e| {
        AdminError::Invalid(format!(
            "Không đọc được tệp {} / cannot read: {e}",
            file.display()
        ))
    })?;
    let name = file.display().to_string();
    let commune = match commune {
        Some(c) => Some(commune_for(db, Some(c)).await?),
        None => None,
    };
    if create_hamlets
        && commune.is_none()
        && db.setting("province").await?.is_some()
        && db.setting("commune").await?.is_none()
    {
        return Err(AdminError::Invalid(
            "Máy chủ phục vụ cả tỉnh: thêm thôn mới cần --commune <mã xã> / give --commune to create hamlets".into(),
        ));
    }
    let options = roster_file::ImportOptions {
        create_hamlets,
        commune,
    };
    let refusal = match roster_file::import(db, &bytes, options).await? {
        Ok(report) => {
            if json_out {
                return print_json(&report);
            }
            if let Some(note) = report.file.note_vi() {
                outln!("{note}");
            }
            if !report.hamlets_created.is_empty() {
                outln!(
                    "Đã thêm {} thôn mới / hamlets created: {}",
                    report.hamlets_created.len(),
                    report.hamlets_created.join(", ")
                );
            }
            if report.clan_links > 0 {
                outln!(
                    "Đã gắn {} hộ vào dòng họ theo cột dòng họ / households linked to clans",
                    report.clan_links
                );
            }
            outln!(
                "Đã nhập {} hộ, {} thành viên; bỏ qua {} hộ đã có ({} dòng) / imported",
                report.households_added,
                report.members_added,
                report.households_skipped,
                report.rows
            );
            return Ok(());
        }
        Err(refusal) => refusal,
    };
    match refusal {
        Refusal::File(e) => {
            let message = format!("Tệp {name}: {} / {}", e.message_vi(), e.detail());
            if json_out {
                print_json(&json!({
                    "imported": false,
                    "error": {"code": e.code(), "message": format!("Tệp {name}: {}", e.message_vi()), "detail": e.detail()},
                    "problems": [],
                }))?;
            }
            Err(AdminError::Invalid(message))
        }
        Refusal::Rows { source, problems } => {
            if json_out {
                print_json(&json!({"imported": false, "problems": problems, "file": source}))?;
            } else {
                for line in problem_lines(&name, &problems, SHOWN_PROBLEMS) {
                    errln!("{line}");
                }
                if let Some(note) = source.note_vi() {
                    errln!("{note}");
                }
            }
            Err(AdminError::Invalid(format!(
                "Tệp danh sách có {} lỗi, chưa nhập gì / roster has errors, nothing imported",
                problems.len()
            )))
        }
    }
}
