//! `GET /sync?cursor=C[&limit=N]`: the changes after a cursor in the device's hamlets, paged.
//! `limit` (1–1000, default 500) is an addition to the protocol for small pages.

use super::auth::Device;
use super::error::ApiFailure;
use super::{server_time, AppState};
use crate::db::roster;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use hoctap_domain::protocol::SyncResponse;
use serde::Deserialize;

/// Default page size (records of any kind).
pub const DEFAULT_LIMIT: i64 = 500;

#[derive(Debug, Deserialize)]
pub struct SyncQuery {
    #[serde(default)]
    pub cursor: i64,
    pub limit: Option<i64>,
}

pub async fn sync(
    State(state): State<AppState>,
    Device(device): Device,
    query: Result<Query<SyncQuery>, QueryRejection>,
) -> Result<Json<SyncResponse>, ApiFailure> {
    let Query(q) = query.map_err(|e| ApiFailure::bad_request(format!("bad query: {e}")))?;
    if q.cursor < 0 {
        return Err(ApiFailure::bad_request("cursor must be >= 0"));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=1000).contains(&limit) {
        return Err(ApiFailure::bad_request("limit must be within 1..=1000"));
    }
    let page = roster::changes(&state.db, &device.id, q.cursor, limit).await?;
    Ok(Json(SyncResponse {
        cursor: page.cursor,
        more: page.more,
        server_time: server_time(),
        hamlets: page.hamlets,
        households: page.households,
        criteria: page.criteria,
        returned: page.returned,
    }))
}
