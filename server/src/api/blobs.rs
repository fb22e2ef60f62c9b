//! `HEAD /blobs/{sha256}` (how much is held) and `PUT /blobs/{sha256}` (append a chunk at the
//! held offset, `Content-Range: bytes START-END/TOTAL`, or the whole blob without it).
//!
//! Both answer within the device's scope only: a complete blob is "complete" to a device that
//! proved it holds it (it uploaded every byte, or an assessment of its names it); to any other
//! device it is unknown, and that device uploads it as its own partial upload, so no device learns
//! whether another hamlet's photo exists. The first chunk fixes TOTAL; partial uploads are
//! bounded per device and expire (`crate::blobs`).

use super::auth::Device;
use super::body::body_error;
use super::error::ApiFailure;
use super::AppState;
use crate::blobs::{BlobError, BlobId, BlobStore, Owner, Partial};
use crate::content_range::{parse_finish, parse_range};
use crate::db::assessments::{holds_blob, record_blob};
use crate::db::devices::DeviceAuth;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_RANGE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoctap_domain::protocol::{
    BlobStatus, ErrorCode, BLOB_STATUS_HEADER, MAX_BLOB, MAX_CHUNK, UPLOAD_OFFSET_HEADER,
};
use std::sync::Arc;

fn blob_id(raw: &str) -> Result<BlobId, ApiFailure> {
    BlobId::parse(raw).ok_or_else(|| {
        ApiFailure::bad_request("blob id must be 64 lower-case hex digits (its SHA-256)")
    })
}

fn owner(device: &DeviceAuth) -> Result<Owner, ApiFailure> {
    Owner::new(&device.id).ok_or_else(|| ApiFailure::internal("device id is not a UUID"))
}

fn offset_header(received: u64) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static(UPLOAD_OFFSET_HEADER),
        HeaderValue::from(received),
    )
}

fn status_header(complete: bool) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static(BLOB_STATUS_HEADER),
        HeaderValue::from_static(if complete { "complete" } else { "partial" }),
    )
}

/// Run a blob store call off the async threads.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn BlobStore) -> Result<T, BlobError> + Send + 'static,
) -> Result<Result<T, BlobError>, ApiFailure> {
    let store: Arc<dyn BlobStore> = state.blobs.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| ApiFailure::internal(format!("blob task failed: {e}")))
}

fn io_failure(id: &BlobId, e: &BlobError) -> ApiFailure {
    tracing::error!(error = %e, blob = id.as_str(), "blob store I/O error");
    ApiFailure::internal("blob store I/O error")
}

/// The size of the complete blob, when this device proved it holds it.
async fn complete_for(
    state: &AppState,
    device: &DeviceAuth,
    id: &BlobId,
) -> Result<Option<u64>, ApiFailure> {
    let task_id = id.clone();
    let size = blocking(state, move |s| s.complete(&task_id))
        .await?
        .map_err(|e| io_failure(id, &e))?;
    match size {
        Some(size) if holds_blob(&state.db, id.as_str(), &device.id).await? => Ok(Some(size)),
        _ => Ok(None),
    }
}

pub async fn head_blob(
    State(state): State<AppState>,
    Device(device): Device,
    Path(raw): Path<String>,
) -> Result<Response, ApiFailure> {
    let id = blob_id(&raw)?;
    if let Some(size) = complete_for(&state, &device, &id).await? {
        return Ok((StatusCode::OK, [offset_header(size), status_header(true)]).into_response());
    }
    let who = owner(&device)?;
    let task_id = id.clone();
    let partial: Option<Partial> = blocking(&state, move |s| s.partial(&who, &task_id))
        .await?
        .map_err(|e| io_failure(&id, &e))?;
    let held = partial.ok_or_else(|| ApiFailure::not_found("no such blob"))?;
    Ok((
        StatusCode::OK,
        [offset_header(held.received), status_header(false)],
    )
        .into_response())
}

pub async fn put_blob(
    State(state): State<AppState>,
    Device(device): Device,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let id = blob_id(&raw)?;
    let body = body.map_err(body_error)?;
    let len = body.len() as u64;
    if len > MAX_CHUNK {
        return Err(ApiFailure::too_large(format!(
            "a chunk may hold at most {MAX_CHUNK} bytes"
        )));
    }
    let (start, total) = match headers.get(CONTENT_RANGE) {
        None => (0, len),
        // `bytes */TOTAL` with an empty body: "finish if you hold every byte" — the server may
        // have stopped between writing the last chunk and verifying it.
        Some(v) if len == 0 && v.to_str().ok().and_then(parse_finish).is_some() => {
            let total = v.to_str().ok().and_then(parse_finish).unwrap_or(0);
            (total, total)
        }
        Some(v) => {
            let (start, end, total) = v.to_str().ok().and_then(parse_range).ok_or_else(|| {
                ApiFailure::bad_request("Content-Range must be `bytes START-END/TOTAL`")
            })?;
            if end < start || end >= total || end - start + 1 != len {
                return Err(ApiFailure::bad_request(
                    "Content-Range does not match the body length or total",
                ));
            }
            (start, total)
        }
    };
    if total > MAX_BLOB {
        return Err(ApiFailure::too_large(format!(
            "a blob may hold at most {MAX_BLOB} bytes"
        )));
    }
    let complete = |size: u64| {
        let status = BlobStatus {
            sha256: id.as_str().to_string(),
            received: size,
            complete: true,
        };
        (
            StatusCode::OK,
            [offset_header(size), status_header(true)],
            Json(status),
        )
            .into_response()
    };
    // Idempotent for a device that holds the blob; any other device sends its own bytes.
    if let Some(size) = complete_for(&state, &device, &id).await? {
        return Ok(complete(size));
    }
    let who = owner(&device)?;
    let task_id = id.clone();
    let limits = state.partial_limits;
    let outcome = blocking(&state, move |s| {
        s.append(&who, &task_id, start, &body, total, &limits)
    })
    .await?;
    match outcome {
        Ok(held) if held.complete => {
            record_blob(&state.db, id.as_str(), held.received, &device.id).await?;
            Ok(complete(held.received))
        }
        Ok(held) => {
            let status = BlobStatus {
                sha256: id.as_str().to_string(),
                received: held.received,
                complete: false,
            };
            Ok((
                StatusCode::OK,
                [offset_header(held.received), status_header(false)],
                Json(status),
            )
                .into_response())
        }
        Err(BlobError::OffsetMismatch { held, got }) => Err(ApiFailure::new(
            ErrorCode::OffsetMismatch,
            "Vị trí tải lên không khớp với máy chủ; hãy hỏi lại máy chủ rồi gửi tiếp.",
            format!("upload starts at {got} but the server holds {held} bytes"),
        )
        .with_header(offset_header(held).0, offset_header(held).1)),
        Err(BlobError::TotalMismatch { held, got }) => Err(ApiFailure::new(
            ErrorCode::BadRequest,
            "Kích thước ảnh khai báo khác với lần gửi đầu; hãy gửi lại ảnh từ đầu.",
            format!("Content-Range TOTAL {got} differs from the {held} the first chunk declared"),
        )),
        Err(BlobError::Quota { partials, bytes }) => Err(ApiFailure::new(
            ErrorCode::RateLimited,
            "Máy chủ đang giữ quá nhiều ảnh tải dở của thiết bị này; hãy gửi nốt các ảnh đang dở rồi thử lại sau.",
            format!(
                "the device holds {partials} partial uploads declaring {bytes} bytes (limits: {} uploads, {} bytes); finish them or wait for them to expire",
                state.partial_limits.max_partials, state.partial_limits.max_bytes
            ),
        )
        .with_header(RETRY_AFTER, HeaderValue::from(60u32))),
        Err(BlobError::HashMismatch { actual }) => Err(ApiFailure::new(
            ErrorCode::HashMismatch,
            "Ảnh tải lên bị hỏng (mã kiểm tra không khớp); hãy gửi lại từ đầu.",
            format!("content hashes to {actual}; the partial upload was discarded"),
        )
        .with_header(offset_header(0).0, offset_header(0).1)),
        Err(e @ BlobError::Io(_)) => Err(io_failure(&id, &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes 0-9/10"), Some((0, 9, 10)));
        assert_eq!(parse_range("bytes 10-19/100"), Some((10, 19, 100)));
        assert_eq!(parse_range("bytes -1-9/10"), None);
        assert_eq!(parse_range("bytes 0-9/*"), None);
        assert_eq!(parse_range("0-9/10"), None);
        assert_eq!(parse_range("bytes +1-9/10"), None);
    }
}
