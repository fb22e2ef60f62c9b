//! `GET /openapi.json`: the OpenAPI 3 description of this API (hand-written, embedded).

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

/// The document, checked to be valid JSON by a test.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub async fn openapi() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
