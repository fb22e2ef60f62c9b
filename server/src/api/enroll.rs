//! `POST /enroll`: a one-time code becomes a device with a bearer token and a hamlet scope.
//! Attempts are rate limited per client address (`--enroll-rate-limit`), so codes cannot be
//! tried in bulk; the request's fields are bounded (`hoctap_domain::protocol_check`).

use super::body::{body_error, json, require_json};
use super::conn::ClientAddr;
use super::error::ApiFailure;
use super::{server_time, AppState};
use crate::db::devices;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::header::{HeaderValue, RETRY_AFTER};
use axum::http::HeaderMap;
use axum::Json;
use hoctap_domain::assessment::sha256_hex;
use hoctap_domain::protocol::{EnrollRequest, EnrollResponse, ErrorCode, Scope};
use rand::RngCore;

/// A new random bearer token (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub async fn enroll(
    State(state): State<AppState>,
    ConnectInfo(ClientAddr(client)): ConnectInfo<ClientAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EnrollResponse>, ApiFailure> {
    if let Err(wait) = state
        .enroll_limiter
        .check(&super::ratelimit::client_key(client.ip()))
    {
        let secs = wait.as_secs().max(1);
        return Err(ApiFailure::new(
            ErrorCode::RateLimited,
            "Thử đăng ký quá nhiều lần, vui lòng chờ một chút.",
            format!("enrollment attempts from this address are rate limited; retry after {secs} s"),
        )
        .with_header(RETRY_AFTER, HeaderValue::from(secs)));
    }
    require_json(&headers)?;
    let req: EnrollRequest = json(&body.map_err(body_error)?)?;
    req.check().map_err(|e| {
        ApiFailure::new(
            ErrorCode::BadRequest,
            format!("Yêu cầu đăng ký không hợp lệ: {}", e.message_vi()),
            e.to_string(),
        )
    })?;
    let token = new_token();
    let enrolled = devices::enroll(
        &state.db,
        &req.code,
        &sha256_hex(token.as_bytes()),
        req.device_name.as_deref(),
        req.app_version.as_deref(),
    )
    .await?
    .ok_or_else(|| {
        ApiFailure::new(
            ErrorCode::Unauthorized,
            "Mã đăng ký không đúng, đã dùng hoặc đã hết hạn. Hãy xin mã mới.",
            "unknown, used or expired enrollment code",
        )
    })?;
    tracing::info!(device = %enrolled.device_id, "device enrolled");
    Ok(Json(EnrollResponse {
        device_id: enrolled.device_id,
        token,
        scope: Scope {
            province_code: state.db.setting("province").await?,
            commune_code: enrolled
                .hamlets
                .first()
                .and_then(|h| h.commune_code.clone()),
            hamlets: enrolled.hamlets,
        },
        server_time: server_time(),
    }))
}
