//! Who is asking: the session cookie (`hoctap_session`, HttpOnly, SameSite=Strict, Secure
//! unless the server is told it runs without TLS) resolved to a staff member; the CSRF token
//! every form sends back; login throttling per login name and per client address.

use super::WebState;
use crate::api::error::ApiFailure;
use crate::api::AppState;
use crate::db::staff::{self, Staff};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use hoctap_domain::protocol::ErrorCode;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "hoctap_session";
/// Name of the login form's CSRF cookie (double submit: there is no session yet).
pub const LOGIN_CSRF_COOKIE: &str = "hoctap_login_csrf";

/// The value of cookie `name` in the request, if any.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// A `Set-Cookie` value.
pub fn set_cookie(web: &WebState, name: &str, value: &str, max_age_secs: i64) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if web.secure_cookies { "; Secure" } else { "" }
    )
}

/// Equal without telling, through timing, where two tokens differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in staff member, for a page: without a session the browser goes to the login page.
pub struct WebStaff {
    pub staff: Staff,
    pub csrf: String,
}

/// Where a page without a session sends the browser.
pub struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to(&self.0).into_response()
    }
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<(Staff, String)>, sqlx::Error> {
    match cookie(&parts.headers, SESSION_COOKIE) {
        Some(token) => staff::session(&state.db, &token).await,
        None => Ok(None),
    }
}

impl FromRequestParts<AppState> for WebStaff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match resolve(parts, state).await {
            Ok(Some((staff, csrf))) => Ok(WebStaff { staff, csrf }),
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default();
                let to = if next.starts_with('/') && !next.starts_with("//") {
                    format!("/login?next={}", super::forms::url_encode(&next))
                } else {
                    "/login".to_string()
                };
                Err(ToLogin(to).into_response())
            }
            Err(e) => Err(super::pages::internal(&e.to_string())),
        }
    }
}

/// A signed-in staff member, for the JSON API: without a session, 401.
pub struct ApiStaff {
    pub staff: Staff,
}

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        match resolve(parts, state).await {
            Ok(Some((staff, _))) => Ok(ApiStaff { staff }),
            Ok(None) => Err(ApiFailure::new(
                ErrorCode::Unauthorized,
                "Hãy đăng nhập (phiên làm việc của cán bộ).",
                "no valid staff session cookie",
            )),
            Err(e) => Err(e.into()),
        }
    }
}
