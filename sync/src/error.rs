//! Sync errors, classed by what the driver should do about them. `Display` is the English
//! detail for logs; [`SyncError::message_vi`] is what the cadre reads.

use hoctap_domain::url::BadServerUrl;
use hoctap_store::StoreError;

/// Why a sync step failed. The class decides the driver's reaction: retry with backoff
/// (`Transient`, `RateLimited`), end the run (`Auth`, `NotEnrolled`, `Protocol`, `Store`), or stop
/// because the user asked (`Cancelled`). Failures of one record never surface here: that record
/// is set aside and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("device not enrolled")]
    NotEnrolled,
    #[error("network or server trouble: {0}")]
    Transient(String),
    #[error("not authorised: {0}")]
    Auth(String),
    #[error("rate limited (retry after {retry_after_secs:?} s)")]
    RateLimited { retry_after_secs: Option<u64> },
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    BadServerUrl(#[from] BadServerUrl),
    #[error("enrollment code refused by the server (HTTP {0})")]
    EnrollRefused(u16),
    #[error("not an enrollment QR code")]
    NotAnEnrollmentCode,
}

impl SyncError {
    /// Worth retrying after a pause.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SyncError::Transient(_) | SyncError::RateLimited { .. }
        )
    }

    /// What the cadre reads, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            SyncError::NotEnrolled => "Máy chưa đăng ký với máy chủ; hãy quét mã QR đăng ký".into(),
            SyncError::Transient(_) => "Mất kết nối hoặc máy chủ tạm lỗi; sẽ thử lại sau".into(),
            SyncError::Auth(_) => {
                "Máy chủ từ chối quyền của máy này (đã thu hồi hoặc sai mã); hãy đăng ký lại".into()
            }
            SyncError::RateLimited { .. } => "Máy chủ đang bận, thử lại sau".into(),
            SyncError::Protocol(_) => {
                "Máy chủ trả lời không đúng giao thức; hãy báo cho cán bộ phụ trách".into()
            }
            SyncError::Store(e) => e.message_vi(),
            SyncError::Cancelled => "Đã hủy đồng bộ".into(),
            SyncError::BadServerUrl(e) => e.message_vi(),
            SyncError::EnrollRefused(_) => {
                "Mã đăng ký sai, đã dùng hoặc hết hạn; hãy xin mã mới".into()
            }
            SyncError::NotAnEnrollmentCode => "Mã QR không phải mã đăng ký Sổ Học Tập".into(),
        }
    }

    /// English detail for logs and support.
    pub fn detail(&self) -> String {
        self.to_string()
    }
}
