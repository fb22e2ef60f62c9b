//! Request bodies read by hand so that every refusal is a typed error: the raw bytes (too large
//! → 413) and JSON parsed from them (malformed → 400 `bad_request`, never axum's 415/422).

use super::error::ApiFailure;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde::de::DeserializeOwned;

/// Map a failure to read the body.
pub fn body_error(e: BytesRejection) -> ApiFailure {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiFailure::too_large("request body too large")
    } else {
        ApiFailure::bad_request(format!("cannot read the body: {e}"))
    }
}

/// Parse a JSON body.
pub fn json<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiFailure> {
    serde_json::from_slice(body)
        .map_err(|e| ApiFailure::bad_request(format!("malformed JSON body: {e}")))
}
