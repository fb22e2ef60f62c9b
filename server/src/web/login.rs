//! Signing in and out, and changing one's password. Login attempts are throttled per login
//! name and per client address (token buckets; a refused attempt is answered 429 with
//! `Retry-After`), the login form is protected by a double-submit CSRF cookie, and a failed
//! login never says whether the name exists.

use super::layout::{message, page};
use super::pages;
use super::session::{cookie, same_token, set_cookie, WebStaff, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::api::conn::ClientAddr;
use crate::api::ratelimit::client_key;
use crate::api::AppState;
use crate::db::staff::{self, SESSION_HOURS};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use rand::RngCore;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path of this site is a place to go back to.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/dashboard".to_string(),
    }
}

fn login_form(csrf: &str, next: &str, error: Option<&str>) -> Markup {
    page(
        "Đăng nhập",
        None,
        html! {
            h1 { "Đăng nhập" }
            @if let Some(e) = error { (message("error", e)) }
            form.card.narrow method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                p { label { "Tên đăng nhập" input type="text" name="login" autocomplete="username" required autofocus; } }
                p { label { "Mật khẩu" input type="password" name="password" autocomplete="current-password" required; } }
                p { button type="submit" { "Đăng nhập" } }
            }
            p.muted { "Dành cho cán bộ Hội Khuyến học, UBND xã và tỉnh. Quên mật khẩu: nhờ quản trị viên đặt lại." }
        },
    )
}

fn fresh_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// `GET /login`.
pub async fn login_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let csrf = fresh_token();
    let next = safe_next(q.next.as_deref());
    let mut resp = login_form(&csrf, &next, None).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(&state.web, LOGIN_CSRF_COOKIE, &csrf, 3600)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<ClientAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let refuse = |status: StatusCode, text: &str| {
        let csrf = fresh_token();
        let mut resp = (status, login_form(&csrf, &next, Some(text))).into_response();
        if let Ok(v) =
            HeaderValue::from_str(&set_cookie(&state.web, LOGIN_CSRF_COOKIE, &csrf, 3600))
        {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
        resp
    };
    let cookie_csrf = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if cookie_csrf.is_empty() || !same_token(&cookie_csrf, &form.csrf) {
        return refuse(
            StatusCode::FORBIDDEN,
            "Phiên đăng nhập đã hết hạn; hãy thử lại.",
        );
    }
    let login = form.login.trim().to_string();
    // Throttle failures by address and by name: guessing one account from many addresses, or
    // many accounts from one address, both slow down; a correct login never counts.
    let address = format!("ip:{}", client_key(addr.0.ip()));
    let name = format!("login:{}", login.to_lowercase());
    for (limiter, key) in [
        (&state.web.address_limiter, &address),
        (&state.web.login_limiter, &name),
    ] {
        if let Err(wait) = limiter.peek(key) {
            let mut resp = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "Đăng nhập sai quá nhiều lần; hãy chờ một lúc rồi thử lại.",
            );
            if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return resp;
        }
    }
    let found = match staff::by_login(&state.db, &login).await {
        Ok(f) => f,
        Err(e) => return pages::db_error(&e),
    };
    let password = form.password;
    // The hash is checked on a blocking thread (argon2id takes tens of milliseconds).
    let ok_staff = match found {
        Some((s, Some(hash))) if !s.disabled => {
            let ok = tokio::task::spawn_blocking(move || staff::verify_password(&password, &hash))
                .await
                .unwrap_or(false);
            ok.then_some(s)
        }
        _ => {
            // Same work whether or not the name exists.
            let _ =
                tokio::task::spawn_blocking(move || staff::verify_password(&password, DUMMY_HASH))
                    .await;
            None
        }
    };
    let Some(who) = ok_staff else {
        state.web.address_limiter.charge(&address);
        state.web.login_limiter.charge(&name);
        return refuse(
            StatusCode::UNAUTHORIZED,
            "Tên đăng nhập hoặc mật khẩu không đúng.",
        );
    };
    let session = match staff::start_session(&state.db, &who.id).await {
        Ok(s) => s,
        Err(e) => return pages::db_error(&e),
    };
    let mut resp = Redirect::to(&next).into_response();
    for c in [
        set_cookie(
            &state.web,
            SESSION_COOKIE,
            &session.token,
            SESSION_HOURS * 3600,
        ),
        set_cookie(&state.web, LOGIN_CSRF_COOKIE, "", 0),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// A valid argon2id hash of a random password, verified when the login does not exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zf0lFJHhCbG4kYkq1WqZ6Qm0GJ0b3nqQ0h7S7s1mGkI";

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    who: WebStaff,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !same_token(&who.csrf, &form.csrf) {
        return pages::stale_form("logout without the session's CSRF token");
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = staff::end_session(&state.db, &token, &who.staff.id).await {
            return pages::db_error(&e);
        }
    }
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(&state.web, SESSION_COOKIE, "", 0)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

fn password_form(who: &WebStaff, msg: Option<(&str, &str)>) -> Markup {
    page(
        "Đổi mật khẩu",
        Some((&who.staff, &who.csrf)),
        html! {
            h1 { "Đổi mật khẩu" }
            @if let Some((kind, text)) = msg { (message(kind, text)) }
            form.card.narrow method="post" action="/account/password" {
                input type="hidden" name="csrf" value=(who.csrf);
                p { label { "Mật khẩu hiện tại" input type="password" name="current" autocomplete="current-password" required; } }
                p { label { "Mật khẩu mới (ít nhất " (staff::MIN_PASSWORD) " ký tự)" input type="password" name="new" autocomplete="new-password" required; } }
                p { button type="submit" { "Đổi mật khẩu" } }
            }
        },
    )
}

/// `GET /account/password`.
pub async fn password_page(who: WebStaff) -> Markup {
    password_form(&who, None)
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

/// `POST /account/password`: checks the current password; ends every session of the account
/// (this one too: the person signs in again with the new password).
pub async fn change_password(
    State(state): State<AppState>,
    who: WebStaff,
    Form(form): Form<PasswordForm>,
) -> Response {
    if !same_token(&who.csrf, &form.csrf) {
        return pages::stale_form("password change without the session's CSRF token");
    }
    let hash = match staff::by_login(&state.db, &who.staff.login).await {
        Ok(Some((_, Some(h)))) => h,
        Ok(_) => return pages::forbidden("account without password"),
        Err(e) => return pages::db_error(&e),
    };
    let current = form.current.clone();
    let ok = tokio::task::spawn_blocking(move || staff::verify_password(&current, &hash))
        .await
        .unwrap_or(false);
    if !ok {
        return (
            StatusCode::BAD_REQUEST,
            password_form(&who, Some(("error", "Mật khẩu hiện tại không đúng."))),
        )
            .into_response();
    }
    let new = form.new.clone();
    let hashed = match tokio::task::spawn_blocking(move || staff::hash_password(&new)).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => {
            return (
                StatusCode::BAD_REQUEST,
                password_form(&who, Some(("error", &e.message_vi()))),
            )
                .into_response()
        }
        Err(e) => return pages::internal(&e.to_string()),
    };
    match staff::set_password(&state.db, &who.staff.id, &hashed, Some(&who.staff.id)).await {
        Ok(_) => Redirect::to("/login").into_response(),
        Err(e) => pages::db_error(&e),
    }
}

/// `GET /`: the dashboard, or the login page.
pub async fn root() -> Redirect {
    Redirect::to("/dashboard")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(
            safe_next(Some("/queue?model=gia_dinh")),
            "/queue?model=gia_dinh"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("https://evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("/\\evil")), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
    }

    #[test]
    fn the_dummy_hash_is_a_real_argon2_hash() {
        use argon2::password_hash::phc::PasswordHash;
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
