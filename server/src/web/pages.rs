//! Pages every handler may answer with instead of its own: forbidden (outside the staff
//! member's place), not found, bad input and internal errors — HTML with the right status,
//! Vietnamese text, the English detail only in the log.

use super::layout::{message, page};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

fn error_page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = html! {
        h1 { (title) }
        (message("error", text))
        p { a href="/dashboard" { "Về trang tổng quan" } }
    };
    (status, page(title, None, body)).into_response()
}

/// 403: outside the signed-in person's place or role.
pub fn forbidden(detail: &str) -> Response {
    tracing::warn!(detail, "staff request refused: outside scope or role");
    error_page(
        StatusCode::FORBIDDEN,
        "Không có quyền",
        "Tài khoản của bạn không được xem hoặc thay đổi dữ liệu này (ngoài địa bàn hoặc vai trò được giao).",
    )
}

/// 403 for a form sent without this session's CSRF token: usually a page left open across a
/// new sign-in, or a form from another site.
pub fn stale_form(detail: &str) -> Response {
    tracing::warn!(detail, "staff form refused: CSRF token missing or stale");
    error_page(
        StatusCode::FORBIDDEN,
        "Biểu mẫu đã hết hạn",
        "Biểu mẫu này đã cũ (có thể bạn vừa đăng nhập lại). Hãy tải lại trang rồi làm lại.",
    )
}

/// 404.
pub fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Không tìm thấy",
        "Trang hoặc phiếu này không có.",
    )
}

/// 400 with what was wrong.
pub fn bad_request(text: &str) -> Response {
    error_page(StatusCode::BAD_REQUEST, "Yêu cầu không hợp lệ", text)
}

/// 500; the detail goes to the log only.
pub fn internal(detail: &str) -> Response {
    tracing::error!(detail, "staff page failed");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Máy chủ gặp lỗi",
        "Máy chủ gặp lỗi, vui lòng thử lại sau.",
    )
}

/// A database error as a page.
pub fn db_error(e: &sqlx::Error) -> Response {
    internal(&e.to_string())
}

/// A refusal carried through `?`-style helpers (a response is large: boxed).
pub struct Refused(pub Box<Response>);

impl From<Response> for Refused {
    fn from(r: Response) -> Self {
        Refused(Box::new(r))
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        *self.0
    }
}
