//! `POST /enroll`: a one-time code becomes a device with a bearer token and a hamlet scope.

use super::body::{body_error, json};
use super::error::ApiFailure;
use super::{server_time, AppState};
use crate::db::devices;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
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
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EnrollResponse>, ApiFailure> {
    let req: EnrollRequest = json(&body.map_err(body_error)?)?;
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
            commune_code: state.db.setting("commune").await?,
            hamlets: enrolled.hamlets,
        },
        server_time: server_time(),
    }))
}
