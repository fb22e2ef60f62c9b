//! Request bodies read by hand so that every refusal is a typed error: the media type (a JSON
//! endpoint needs `Content-Type: application/json` or another `…+json` type → else 415
//! `unsupported_media_type`), the raw bytes (too large → 413) and JSON parsed from them
//! (malformed → 400 `bad_request`, never axum's 415/422).

use super::error::ApiFailure;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use hoctap_domain::protocol::ErrorCode;
use serde::de::DeserializeOwned;

/// Refuse a body that does not say it is JSON (415).
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiFailure> {
    let media = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match media.as_deref() {
        Some("application/json") => Ok(()),
        Some(m) if m.starts_with("application/") && m.ends_with("+json") => Ok(()),
        other => Err(ApiFailure::new(
            ErrorCode::UnsupportedMediaType,
            "Dữ liệu gửi lên phải ở dạng JSON (Content-Type: application/json).",
            format!(
                "expected Content-Type: application/json, got {}",
                other.unwrap_or("none")
            ),
        )),
    }
}

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

#[cfg(test)]
mod tests {
    use super::require_json;
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn json_media_types() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert("content-type", HeaderValue::from_static(v));
            require_json(&h).is_ok()
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/problem+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(require_json(&HeaderMap::new()).is_err());
    }
}
