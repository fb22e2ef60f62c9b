//! `PUT /batches/{batch_uuid}`: a manifest of finalized assessments, processed in one
//! transaction. The answer is stored: replaying the same batch id with the same body returns it
//! verbatim; the same id with another body is a 409 conflict. A batch whose every entry lies
//! outside the device's hamlets is refused whole with 403 (nothing is stored).

use super::auth::Device;
use super::body::{body_error, json, require_json};
use super::error::ApiFailure;
use super::{server_time, AppState};
use crate::db::assessments;
use crate::intake;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hoctap_domain::assessment::sha256_hex;
use hoctap_domain::protocol::{
    BatchRequest, BatchResponse, EntryStatus, ErrorCode, MAX_BATCH_ENTRIES,
};

fn json_response(body: String) -> Response {
    (StatusCode::OK, [(CONTENT_TYPE, "application/json")], body).into_response()
}

/// A failed write: a unique violation means a concurrent request stored the same batch or
/// assessment first, so the client should retry (and then gets the stored answer, or
/// `duplicate`); anything else is an internal error.
fn write_failure(e: sqlx::Error) -> ApiFailure {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return ApiFailure::new(
                ErrorCode::Unavailable,
                "Máy chủ đang bận, vui lòng thử lại.",
                "concurrent upload of the same batch or assessments; retry",
            );
        }
    }
    e.into()
}

pub async fn put_batch(
    State(state): State<AppState>,
    Device(device): Device,
    Path(batch_uuid): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let batch_uuid = uuid::Uuid::parse_str(&batch_uuid)
        .map_err(|_| ApiFailure::bad_request("batch id must be a UUID"))?
        .hyphenated()
        .to_string();
    require_json(&headers)?;
    let body = body.map_err(body_error)?;
    let request_sha256 = sha256_hex(&body);
    let req: BatchRequest = json(&body)?;
    if req.assessments.len() > MAX_BATCH_ENTRIES {
        return Err(ApiFailure::too_large(format!(
            "a batch may hold at most {MAX_BATCH_ENTRIES} assessments"
        )));
    }

    let mut tx = state.db.begin_write().await?;
    if let Some(stored) = assessments::batch(&mut tx, &batch_uuid).await? {
        if stored.device_id == device.id && stored.request_sha256 == request_sha256 {
            return Ok(json_response(stored.response));
        }
        return Err(ApiFailure::conflict(
            "this batch id was already used with another body",
        ));
    }
    let (results, cache) = intake::process_batch(&mut tx, &device, &req.assessments).await?;
    if !results.is_empty()
        && results
            .iter()
            .all(|r| r.status == EntryStatus::Rejected && r.code == Some(ErrorCode::Forbidden))
    {
        return Err(ApiFailure::forbidden(
            "every assessment of the batch lies outside the device's hamlets",
        ));
    }
    let response = BatchResponse {
        batch_id: batch_uuid.clone(),
        results,
        server_time: server_time(),
    };
    let text = serde_json::to_string(&response)
        .map_err(|e| ApiFailure::internal(format!("serialise: {e}")))?;
    if let Err(e) =
        assessments::store_batch(&mut tx, &batch_uuid, &device.id, &request_sha256, &text).await
    {
        // Another request with the same batch id won the race: the client retries and gets
        // the stored answer (or a conflict).
        return Err(write_failure(e));
    }
    // A concurrent batch may have stored one of these assessments since they were looked up.
    if let Err(e) = cache.write_assessments(&mut tx).await {
        return Err(write_failure(e));
    }
    // What the device knows of each photo (for the reviewer's plausibility flags).
    crate::db::places::store_facts(&mut tx, &req.assessments, &response.results).await?;
    // Last: the change numbers of households, clans, units and aliases lock the counter
    // until commit.
    cache.write_roster(&mut tx, &device.id).await?;
    cache.index_assessments(&mut tx).await?;
    // What the back office counts changed (its cached figures are checked against this).
    crate::db::touch_figures(&mut tx).await?;
    tx.commit().await?;
    Ok(json_response(text))
}
