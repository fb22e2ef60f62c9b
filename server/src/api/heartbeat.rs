//! `POST /heartbeat`: the device reports its queue, storage and clock.

use super::auth::Device;
use super::body::{body_error, json};
use super::error::ApiFailure;
use super::{server_time, AppState};
use crate::db::devices;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use hoctap_domain::protocol::{Heartbeat, HeartbeatResponse};

pub async fn heartbeat(
    State(state): State<AppState>,
    Device(device): Device,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HeartbeatResponse>, ApiFailure> {
    let hb: Heartbeat = json(&body.map_err(body_error)?)?;
    devices::heartbeat(&state.db, &device.id, &hb).await?;
    Ok(Json(HeartbeatResponse {
        server_time: server_time(),
    }))
}
