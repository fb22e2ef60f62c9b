//! `GET /sync?cursor=C[&limit=N]`: the changes after a cursor in the device's hamlets, paged.
//! An absent or empty `cursor` means "from the start". `limit` (1–5000, default
//! [`DEFAULT_LIMIT`]) sets the page size in records of any kind.

use super::auth::Device;
use super::error::ApiFailure;
use super::{server_time, AppState};
use crate::db::targets::TargetBook;
use crate::db::{devices, roster, Db};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use hoctap_domain::model::Model;
use hoctap_domain::protocol::{SyncResponse, GZIP};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Default page size (records of any kind; a household record carries its members). Chosen by
/// measurement (`scripts/bench-sync`, first pull over 256 kbit/s + 300 ms): 2,000 households are
/// about 180 KB gzipped, so a hamlet of 1,000 comes in one round trip and a cut loses at most a
/// few seconds of transfer.
pub const DEFAULT_LIMIT: i64 = 2000;
/// Largest page a device may ask for.
pub const MAX_LIMIT: i64 = 5000;

#[derive(Debug, Deserialize)]
pub struct SyncQuery {
    /// Text, so that `cursor=` (empty) can mean the start.
    #[serde(default)]
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// The cursor of a query: absent or empty is 0.
fn cursor_of(q: &SyncQuery) -> Result<i64, ApiFailure> {
    match q.cursor.as_deref().map(str::trim) {
        None | Some("") => Ok(0),
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|c| *c >= 0)
            .ok_or_else(|| ApiFailure::bad_request("cursor must be an integer >= 0")),
    }
}

pub async fn sync(
    State(state): State<AppState>,
    Device(device): Device,
    query: Result<Query<SyncQuery>, QueryRejection>,
) -> Result<Json<SyncResponse>, ApiFailure> {
    let Query(q) = query.map_err(|e| ApiFailure::bad_request(format!("bad query: {e}")))?;
    let cursor = cursor_of(&q)?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiFailure::bad_request(format!(
            "limit must be within 1..={MAX_LIMIT}"
        )));
    }
    let page = roster::changes(&state.db, &device.id, cursor, limit).await?;
    let targets = targets_for(&state.db, &device.id).await?;
    Ok(Json(SyncResponse {
        cursor: page.cursor,
        more: page.more,
        server_time: server_time(),
        hamlets: page.hamlets,
        households: page.households,
        criteria: page.criteria,
        returned: page.returned,
        clans: page.clans,
        units: page.units,
        request_encodings: vec![GZIP.to_string()],
        targets,
    }))
}

/// The targets in force this year (Vietnam's calendar) for the device's commune: its own, else
/// the province's, else the national defaults ([`TargetBook::for_device`]). Sent on every page,
/// so a device gets targets loaded after its first pull on its next sync. `None` on a server
/// without a province.
async fn targets_for(
    db: &Db,
    device_id: &str,
) -> Result<Option<BTreeMap<Model, Option<f64>>>, sqlx::Error> {
    let Some(province) = db.setting("province").await? else {
        return Ok(None);
    };
    let commune = {
        let mut conn = db.pool.acquire().await?;
        devices::commune_of(&mut conn, device_id).await?
    };
    let book = TargetBook::load(db, &province).await?;
    Ok(Some(book.for_device(
        commune.as_deref(),
        crate::clock::current_year(),
    )))
}
