//! Typed API errors: every failure is an [`ApiError`] JSON body with the HTTP status of its
//! [`ErrorCode`]. Also maps what axum and tower-http answer on their own (body too large,
//! unknown route, wrong method, …) into the same JSON, so a client never parses plain text.

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hoctap_domain::protocol::{ApiError, ErrorCode};

/// A failed request, ready to become a response.
#[derive(Debug)]
pub struct ApiFailure {
    pub error: ApiError,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiFailure {
    /// A failure with a Vietnamese message and an English detail.
    pub fn new(code: ErrorCode, message: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiFailure {
            error: ApiError {
                code,
                message: message.into(),
                detail: Some(detail.into()),
            },
            headers: Vec::new(),
        }
    }

    /// Add a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, "Yêu cầu không hợp lệ.", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "Thiết bị chưa được cấp quyền hoặc đã bị thu hồi. Hãy đăng ký lại với mã mới.",
            detail,
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(
            ErrorCode::Forbidden,
            "Thiết bị không được phép thao tác ngoài các thôn đã giao.",
            detail,
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, "Không tìm thấy.", detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(
            ErrorCode::Conflict,
            "Dữ liệu trùng mã nhưng khác nội dung.",
            detail,
        )
    }

    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::TooLarge, "Dữ liệu gửi lên quá lớn.", detail)
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            ErrorCode::Internal,
            "Máy chủ gặp lỗi, vui lòng thử lại sau.",
            detail,
        )
    }
}

impl From<sqlx::Error> for ApiFailure {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database error");
        ApiFailure::internal("database error")
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.code.status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.error).unwrap_or_default();
        let mut resp = Response::new(Body::from(body));
        *resp.status_mut() = status;
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in self.headers {
            resp.headers_mut().insert(name, value);
        }
        resp
    }
}

/// Turn any error response that is not already JSON (tower-http's 413, axum's 404/405/415…)
/// into a typed [`ApiError`].
pub async fn typed_errors(resp: Response) -> Response {
    let status = resp.status();
    if status.as_u16() < 400 {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let failure = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiFailure::too_large("request body too large"),
        // tower-http's decompression refuses an unknown `Content-Encoding` with 415 and an
        // `Accept-Encoding` header naming the ones it takes (RFC 9110 §15.5.16).
        StatusCode::UNSUPPORTED_MEDIA_TYPE
            if resp.headers().contains_key(header::ACCEPT_ENCODING) =>
        {
            ApiFailure::new(
                ErrorCode::UnsupportedMediaType,
                "Máy chủ không nhận dữ liệu nén theo cách này; hãy gửi không nén hoặc nén gzip.",
                "unsupported content encoding",
            )
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiFailure::new(
            ErrorCode::UnsupportedMediaType,
            "Dữ liệu gửi lên phải ở dạng JSON (Content-Type: application/json).",
            "unsupported media type",
        ),
        StatusCode::NOT_FOUND => ApiFailure::not_found("no such route"),
        StatusCode::UNAUTHORIZED => ApiFailure::unauthorized("unauthorized"),
        StatusCode::TOO_MANY_REQUESTS => ApiFailure::new(
            ErrorCode::RateLimited,
            "Gửi quá nhanh, vui lòng chờ một chút.",
            "rate limited",
        ),
        s if s.is_server_error() => ApiFailure::internal(format!("server error {s}")),
        s => ApiFailure::bad_request(format!("request refused with status {s}")),
    };
    let mut out = failure.into_response();
    // 405 keeps its status and `Allow` header (no error code of its own); every other refusal
    // takes its code's status (so axum's 422 becomes 400 bad_request).
    if status == StatusCode::METHOD_NOT_ALLOWED {
        *out.status_mut() = status;
    }
    for (name, value) in resp.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
