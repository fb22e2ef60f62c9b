//! Staff accounts and targets from the command line: `admin user add|password|list`,
//! `admin targets load`. Passwords come from `HOCTAP_PASSWORD` or one line of standard input,
//! never from the command line (it would stay in the shell history and the process list).

use super::{print_json, AdminError};
use crate::db::staff::{self, NewStaff, Role};
use crate::db::{targets, Db};
use serde_json::json;
use std::io::BufRead;
use std::path::Path;

/// `admin user add`'s arguments.
pub struct UserAdd<'a> {
    pub login: &'a str,
    pub role: &'a str,
    pub commune: Option<&'a str>,
    pub name: Option<&'a str>,
    pub no_password: bool,
}

/// The password to set: `HOCTAP_PASSWORD`, else one line of standard input.
fn read_password() -> Result<String, AdminError> {
    let given = match std::env::var("HOCTAP_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| {
                AdminError::Invalid(format!("Không đọc được mật khẩu / cannot read: {e}"))
            })?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if given.is_empty() {
        return Err(AdminError::Invalid(
            "Chưa có mật khẩu: đặt HOCTAP_PASSWORD hoặc gõ một dòng vào đầu vào chuẩn (hoặc dùng --no-password) / no password given".into(),
        ));
    }
    Ok(given)
}

fn hashed(password: &str) -> Result<String, AdminError> {
    staff::hash_password(password)
        .map_err(|e| AdminError::Invalid(format!("{} / {e}", e.message_vi())))
}

pub async fn user_add(db: &Db, args: UserAdd<'_>, json_out: bool) -> Result<(), AdminError> {
    let role = match args.role {
        "admin" => Role::CommuneAdmin,
        "reviewer" => Role::CommuneReviewer,
        r => Role::from_code(r).ok_or_else(|| {
            AdminError::Invalid(format!(
                "Vai trò không hợp lệ: {r} (province_admin, province_viewer, commune_admin, commune_reviewer) / unknown role"
            ))
        })?,
    };
    if !staff::valid_login(args.login) {
        return Err(AdminError::Invalid(
            "Tên đăng nhập cần 3–64 ký tự: chữ không dấu, số, . _ - @ / login: 3–64 of a-z 0-9 . _ - @".into(),
        ));
    }
    let province = db.setting("province").await?.ok_or_else(|| {
        AdminError::Invalid(
            "Máy chủ chưa thiết lập tỉnh: chạy `hoctap-server admin init` trước / run `admin init` first".into(),
        )
    })?;
    let commune = if role.is_commune() {
        Some(super::setup::commune_for(db, args.commune).await?)
    } else {
        if args.commune.is_some() {
            return Err(AdminError::Invalid(
                "Vai trò cấp tỉnh không gắn với xã: bỏ --commune / a province role has no commune"
                    .into(),
            ));
        }
        None
    };
    let password_hash = if args.no_password {
        None
    } else {
        Some(hashed(&read_password()?)?)
    };
    let display = hoctap_domain::text::clean(args.name.unwrap_or(args.login));
    let added = staff::add(
        db,
        &NewStaff {
            login: args.login,
            display_name: &display,
            role,
            province_code: &province,
            commune_code: commune.as_deref(),
            password_hash,
            created_by: None,
        },
    )
    .await?
    .ok_or_else(|| {
        AdminError::Invalid(format!(
            "Tên đăng nhập \"{}\" đã có / login already exists",
            args.login
        ))
    })?;
    if json_out {
        return print_json(&added);
    }
    outln!(
        "Đã thêm tài khoản {} ({}, {}) / staff account added: {}",
        added.login,
        role.label_vi(),
        added.commune_code.as_deref().unwrap_or("toàn tỉnh"),
        added.id
    );
    Ok(())
}

pub async fn user_password(db: &Db, login: &str) -> Result<(), AdminError> {
    let (who, _) = staff::by_login(db, login).await?.ok_or_else(|| {
        AdminError::Invalid(format!("Không có tài khoản \"{login}\" / unknown login"))
    })?;
    let hash = hashed(&read_password()?)?;
    staff::set_password(db, &who.id, &hash, None).await?;
    outln!("Đã đặt mật khẩu cho {login} / password set");
    Ok(())
}

pub async fn user_list(db: &Db, json_out: bool) -> Result<(), AdminError> {
    let province = db.setting("province").await?.unwrap_or_default();
    let all = staff::list(
        db,
        &staff::Scope {
            province,
            commune: None,
        },
    )
    .await?;
    if json_out {
        return print_json(&all);
    }
    for s in &all {
        outln!(
            "{}\t{}\t{}\t{}{}",
            s.login,
            s.display_name,
            s.role.label_vi(),
            s.commune_code.as_deref().unwrap_or("toàn tỉnh"),
            if s.has_password {
                ""
            } else {
                "\t(chưa có mật khẩu / no password)"
            }
        );
    }
    Ok(())
}

pub async fn targets_load(db: &Db, file: &Path, json_out: bool) -> Result<(), AdminError> {
    let src = std::fs::read_to_string(file).map_err(|e| {
        AdminError::Invalid(format!(
            "Không đọc được tệp {} / cannot read: {e}",
            file.display()
        ))
    })?;
    let (province, commune, list) =
        targets::parse(&src).map_err(|e| AdminError::Invalid(e.to_string()))?;
    if let Some(held) = db.setting("province").await? {
        if held != province {
            return Err(AdminError::Invalid(format!(
                "Tệp chỉ tiêu của tỉnh mã {province}, máy chủ phục vụ tỉnh mã {held} / the file is for another province"
            )));
        }
    }
    if let Some(c) = &commune {
        if crate::units::commune(&province, c).is_none() {
            return Err(AdminError::Invalid(format!(
                "Tỉnh mã {province} không có xã mã {c} / unknown commune"
            )));
        }
    }
    targets::replace(db, &province, commune.as_deref(), &list, None).await?;
    if json_out {
        return print_json(&json!({
            "province": province, "commune": commune, "targets": list.len()
        }));
    }
    outln!(
        "Đã nạp {} chỉ tiêu cho {} / targets loaded",
        list.len(),
        commune.map_or_else(|| format!("tỉnh mã {province}"), |c| format!("xã mã {c}"))
    );
    Ok(())
}
