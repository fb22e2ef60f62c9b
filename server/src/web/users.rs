//! Staff accounts of a place (`/users`), for its admins: the list, and a form to add an
//! account of the admin's place (a commune admin adds only staff of their commune, with a
//! commune role).

use super::layout::{commune_name, message, page};
use super::pages;
use super::session::{same_token, WebStaff};
use crate::api::AppState;
use crate::db::staff::{self, NewStaff, Role};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

fn list_page(state_list: &[staff::Staff], who: &WebStaff, error: Option<&str>) -> maud::Markup {
    let province_admin = who.staff.role == Role::ProvinceAdmin;
    page(
        "Tài khoản",
        Some((&who.staff, &who.csrf)),
        html! {
            h1 { "Tài khoản cán bộ" }
            @if let Some(e) = error { (message("error", e)) }
            table {
                thead { tr { th { "Tên đăng nhập" } th { "Họ tên" } th { "Vai trò" } th { "Địa bàn" } th { "Mật khẩu" } } }
                tbody {
                    @for s in state_list {
                        tr {
                            td { (s.login) } td { (s.display_name) } td { (s.role.label_vi()) }
                            td { (commune_name(s.commune_code.as_deref())) }
                            td { @if s.has_password { "Đã đặt" } @else { span.badge.warn { "Chưa đặt" } } }
                        }
                    }
                }
            }
            h2 { "Thêm tài khoản" }
            form.card.narrow method="post" action="/users" {
                input type="hidden" name="csrf" value=(who.csrf);
                p { label { "Tên đăng nhập (chữ không dấu, số, . _ - @)" input type="text" name="login" required; } }
                p { label { "Họ tên" input type="text" name="name" required; } }
                p { label { "Vai trò" select name="role" {
                    @for r in Role::ALL {
                        @if province_admin || r.is_commune() { option value=(r.code()) { (r.label_vi()) } }
                    }
                } } }
                @if province_admin {
                    p { label { "Mã xã (cho vai trò cấp xã)" input type="text" name="commune"; } }
                }
                p { label { "Mật khẩu ban đầu (ít nhất " (staff::MIN_PASSWORD) " ký tự)" input type="password" name="password" autocomplete="new-password" required; } }
                p { button type="submit" { "Thêm" } }
            }
        },
    )
}

/// `GET /users`.
pub async fn users(State(state): State<AppState>, who: WebStaff) -> Response {
    if !who.staff.role.may_admin() {
        return pages::forbidden("user list by a non-admin");
    }
    match staff::list(&state.db, &who.staff.scope()).await {
        Ok(list) => list_page(&list, &who, None).into_response(),
        Err(e) => pages::db_error(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    password: String,
}

async fn refused(state: &AppState, who: &WebStaff, text: &str) -> Response {
    match staff::list(&state.db, &who.staff.scope()).await {
        Ok(list) => (StatusCode::BAD_REQUEST, list_page(&list, who, Some(text))).into_response(),
        Err(e) => pages::db_error(&e),
    }
}

/// `POST /users`.
pub async fn add_user(
    State(state): State<AppState>,
    who: WebStaff,
    Form(form): Form<AddForm>,
) -> Response {
    if !same_token(&who.csrf, &form.csrf) {
        return pages::stale_form("user add without the session's CSRF token");
    }
    if !who.staff.role.may_admin() {
        return pages::forbidden("user add by a non-admin");
    }
    let Some(role) = Role::from_code(&form.role) else {
        return refused(&state, &who, "Vai trò không hợp lệ.").await;
    };
    // A commune admin creates commune staff of their own commune only.
    let commune = match (&who.staff.commune_code, role.is_commune()) {
        (Some(mine), true) => Some(mine.clone()),
        (Some(_), false) => return pages::forbidden("commune admin creating a province role"),
        (None, true) => {
            let c = form.commune.trim();
            if crate::units::commune(&who.staff.province_code, c).is_none() {
                return refused(&state, &who, "Mã xã không thuộc tỉnh.").await;
            }
            Some(c.to_string())
        }
        (None, false) => None,
    };
    let login = form.login.trim().to_string();
    if !staff::valid_login(&login) {
        return refused(
            &state,
            &who,
            "Tên đăng nhập cần 3–64 ký tự: chữ không dấu, số, . _ - @",
        )
        .await;
    }
    let name = hoctap_domain::text::clean(&form.name);
    if name.is_empty() {
        return refused(&state, &who, "Cần họ tên.").await;
    }
    let password = form.password.clone();
    let hash = match tokio::task::spawn_blocking(move || staff::hash_password(&password)).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return refused(&state, &who, &e.message_vi()).await,
        Err(e) => return pages::internal(&e.to_string()),
    };
    let added = staff::add(
        &state.db,
        &NewStaff {
            login: &login,
            display_name: &name,
            role,
            province_code: &who.staff.province_code,
            commune_code: commune.as_deref(),
            password_hash: Some(hash),
            created_by: Some(&who.staff.id),
        },
    )
    .await;
    match added {
        Ok(Some(_)) => Redirect::to("/users").into_response(),
        Ok(None) => refused(&state, &who, "Tên đăng nhập đã có.").await,
        Err(e) => pages::db_error(&e),
    }
}
