//! `HEAD /blobs/{sha256}` (how much is held) and `PUT /blobs/{sha256}` (append a chunk at the
//! held offset, `Content-Range: bytes START-END/TOTAL`, or the whole blob without it).

use super::auth::Device;
use super::body::body_error;
use super::error::ApiFailure;
use super::AppState;
use crate::blobs::{BlobError, BlobId, BlobState};
use crate::db::assessments::{forget_blob, record_blob};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_RANGE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoctap_domain::protocol::{
    BlobStatus, ErrorCode, BLOB_STATUS_HEADER, MAX_BLOB, MAX_CHUNK, UPLOAD_OFFSET_HEADER,
};

fn blob_id(raw: &str) -> Result<BlobId, ApiFailure> {
    BlobId::parse(raw).ok_or_else(|| {
        ApiFailure::bad_request("blob id must be 64 lower-case hex digits (its SHA-256)")
    })
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

async fn state_of(state: &AppState, id: &BlobId) -> Result<Option<BlobState>, ApiFailure> {
    let store = state.blobs.clone();
    let id = id.clone();
    tokio::task::spawn_blocking(move || store.state(&id))
        .await
        .map_err(|e| ApiFailure::internal(format!("blob task failed: {e}")))?
        .map_err(|e| ApiFailure::internal(e.to_string()))
}

pub async fn head_blob(
    State(state): State<AppState>,
    Device(_device): Device,
    Path(raw): Path<String>,
) -> Result<Response, ApiFailure> {
    let id = blob_id(&raw)?;
    let held = state_of(&state, &id)
        .await?
        .ok_or_else(|| ApiFailure::not_found("no such blob"))?;
    if held.complete {
        // Keep the database in step with the files (a crash between rename and update).
        record_blob(&state.db, id.as_str(), held.received, true).await?;
    }
    Ok((
        StatusCode::OK,
        [offset_header(held.received), status_header(held.complete)],
    )
        .into_response())
}

/// `bytes START-END/TOTAL` → (start, end inclusive, total).
fn parse_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let parse = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    Some((parse(start)?, parse(end)?, parse(total)?))
}

/// `bytes */TOTAL` → total.
fn parse_finish(value: &str) -> Option<u64> {
    let total = value.trim().strip_prefix("bytes */")?;
    (!total.is_empty() && total.bytes().all(|b| b.is_ascii_digit()))
        .then(|| total.parse().ok())
        .flatten()
}

pub async fn put_blob(
    State(state): State<AppState>,
    Device(_device): Device,
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
    let store = state.blobs.clone();
    let task_id = id.clone();
    let outcome = tokio::task::spawn_blocking(move || store.append(&task_id, start, &body, total))
        .await
        .map_err(|e| ApiFailure::internal(format!("blob task failed: {e}")))?;
    match outcome {
        Ok(held) => {
            record_blob(&state.db, id.as_str(), held.received, held.complete).await?;
            let status = BlobStatus {
                sha256: id.as_str().to_string(),
                received: held.received,
                complete: held.complete,
            };
            Ok((
                StatusCode::OK,
                [offset_header(held.received), status_header(held.complete)],
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
        Err(BlobError::HashMismatch { actual }) => {
            forget_blob(&state.db, id.as_str()).await?;
            Err(ApiFailure::new(
                ErrorCode::HashMismatch,
                "Ảnh tải lên bị hỏng (mã kiểm tra không khớp); hãy gửi lại từ đầu.",
                format!("content hashes to {actual}; the partial upload was discarded"),
            )
            .with_header(offset_header(0).0, offset_header(0).1))
        }
        Err(BlobError::Io(e)) => {
            tracing::error!(error = %e, blob = id.as_str(), "blob store I/O error");
            Err(ApiFailure::internal("blob store I/O error"))
        }
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
