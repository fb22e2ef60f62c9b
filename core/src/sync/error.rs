//! Sync errors, classed by what the driver should do about them.

use crate::store::StoreError;

/// Why a sync step failed. The class decides the driver's reaction: retry with backoff
/// (`Transient`, `RateLimited`), end the run (`Auth`, `NotEnrolled`, `Protocol`, `Store`), or stop
/// because the user asked (`Cancelled`). Failures of one record never surface here: that record
/// is wedged and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Máy chưa đăng ký với máy chủ; hãy quét mã QR đăng ký / device not enrolled")]
    NotEnrolled,
    #[error("Mất kết nối hoặc máy chủ tạm lỗi, sẽ thử lại / network or server trouble: {0}")]
    Transient(String),
    #[error("Máy chủ từ chối quyền của máy này (thu hồi hoặc sai mã); hãy đăng ký lại / not authorised: {0}")]
    Auth(String),
    #[error("Máy chủ đang bận, thử lại sau / rate limited")]
    RateLimited { retry_after_secs: Option<u64> },
    #[error("Máy chủ trả lời không đúng giao thức / protocol error: {0}")]
    Protocol(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("Đã hủy / cancelled")]
    Cancelled,
}

impl SyncError {
    /// Worth retrying after a pause.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SyncError::Transient(_) | SyncError::RateLimited { .. }
        )
    }
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        SyncError::Store(StoreError::Sqlite(e))
    }
}
