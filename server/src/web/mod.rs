//! The staff web app served by `hoctap-server`: server-rendered Vietnamese pages (maud: typed
//! templates compiled into the binary; no front-end build chain, no CDN, no script needed),
//! signed-in staff only, every query scoped to the staff member's place. See
//! `server/README.md` for the pages, roles and exports.

pub mod api;
pub mod dashboard;
pub mod dossier;
pub mod exports;
pub mod forms;
pub mod layout;
pub mod login;
pub mod pages;
pub mod queue;
pub mod session;
pub mod users;

use crate::api::ratelimit::RateLimiter;
use crate::api::AppState;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

/// What the web app needs besides the database.
pub struct WebState {
    /// Cookies carry `Secure` (the server is reached over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Failed logins per login name.
    pub login_limiter: RateLimiter,
    /// Failed logins per client address (larger: a commune office may share one address,
    /// and every browser behind a proxy has the proxy's).
    pub address_limiter: RateLimiter,
    /// The dashboard's and report's counted figures.
    pub figures: std::sync::Arc<crate::figures_cache::FiguresCache>,
}

impl WebState {
    /// Failed logins allowed per minute per login name (a bucket of this size). Only failures
    /// count: signing in never uses up anyone's attempts.
    pub const FAILURES_PER_LOGIN: u32 = 10;
    /// Failed logins allowed per minute per client address.
    pub const FAILURES_PER_ADDRESS: u32 = 30;

    pub fn new(secure_cookies: bool) -> WebState {
        WebState {
            secure_cookies,
            login_limiter: RateLimiter::new(Self::FAILURES_PER_LOGIN),
            address_limiter: RateLimiter::new(Self::FAILURES_PER_ADDRESS),
            figures: std::sync::Arc::new(crate::figures_cache::FiguresCache::new()),
        }
    }
}

async fn stylesheet() -> Response {
    let mut resp = layout::CSS.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    resp
}

/// The pages (outside `/api/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(login::root))
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", post(login::logout))
        .route(
            "/account/password",
            get(login::password_page).post(login::change_password),
        )
        .route("/dashboard", get(dashboard::dashboard))
        .route("/reports", get(dashboard::report_page))
        .route("/queue", get(queue::queue))
        .route(
            "/queue/bulk",
            get(queue::bulk_confirm).post(queue::bulk_apply),
        )
        .route("/assessments/{id}", get(dossier::dossier))
        .route("/assessments/{id}/decide", post(dossier::decide))
        .route("/assessments/{id}/photos/{sha256}", get(dossier::photo))
        .route("/exports/{file}", get(exports::export))
        .route("/users", get(users::users).post(users::add_user))
        .route("/static/app.css", get(stylesheet))
        .layer(axum::middleware::map_response(security_headers))
}

/// The staff JSON API routes (nested under `/api/v1`).
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/staff/report", get(api::report))
        .route("/staff/queue", get(api::queue))
        .route("/staff/assessments/{id}", get(api::assessment))
}

/// Headers every page carries: no framing by other sites, no sniffing, no referrer leaking
/// query strings (names searched), a strict content policy (no script at all is needed).
async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    resp
}
