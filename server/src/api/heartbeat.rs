//! `POST /heartbeat`: the device reports its queue, storage and clock. Every field is checked
//! (`hoctap_domain::protocol_check`: RFC 3339 times, counters that fit, a short version) before
//! anything is stored; a bad one is 400 `bad_request`.

use super::auth::Device;
use super::body::{body_error, json, require_json};
use super::error::ApiFailure;
use super::{server_time, AppState};
use crate::db::devices;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use hoctap_domain::protocol::ErrorCode;
use hoctap_domain::protocol::{Heartbeat, HeartbeatResponse};

pub async fn heartbeat(
    State(state): State<AppState>,
    Device(device): Device,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HeartbeatResponse>, ApiFailure> {
    require_json(&headers)?;
    let hb: Heartbeat = json(&body.map_err(body_error)?)?;
    hb.check().map_err(|e| {
        ApiFailure::new(
            ErrorCode::BadRequest,
            format!("Báo cáo thiết bị không hợp lệ: {}", e.message_vi()),
            e.to_string(),
        )
    })?;
    devices::heartbeat(&state.db, &device.id, &hb).await?;
    Ok(Json(HeartbeatResponse {
        server_time: server_time(),
    }))
}
