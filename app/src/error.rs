//! Errors of the app core: what went wrong opening the data directory, and the one shape in
//! which any failure reaches a screen ([`ErrorInfo`]: a kind, a Vietnamese message for the
//! cadre, an English detail for logs).

use hoctap_device::{DeviceError, Kind};
use hoctap_evidence::EvidenceError;
use hoctap_store::StoreError;
use hoctap_sync::SyncError;
use serde::{Deserialize, Serialize};

/// What a shell (or the core) can do about a failure: the device layer's classification, as a
/// plain enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Input,
    NotFound,
    Conflict,
    Photo,
    StorageFull,
    Busy,
    NotEnrolled,
    Network,
    Auth,
    Cancelled,
    Internal,
}

impl From<Kind> for ErrorKind {
    fn from(k: Kind) -> ErrorKind {
        match k {
            Kind::Input => ErrorKind::Input,
            Kind::NotFound => ErrorKind::NotFound,
            Kind::Conflict => ErrorKind::Conflict,
            Kind::Photo => ErrorKind::Photo,
            Kind::StorageFull => ErrorKind::StorageFull,
            Kind::Busy => ErrorKind::Busy,
            Kind::NotEnrolled => ErrorKind::NotEnrolled,
            Kind::Network => ErrorKind::Network,
            Kind::Auth => ErrorKind::Auth,
            Kind::Cancelled => ErrorKind::Cancelled,
            Kind::Internal => ErrorKind::Internal,
        }
    }
}

/// A failure as a screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub kind: ErrorKind,
    /// Vietnamese, for the cadre, ready to show.
    pub message: String,
    /// English, for logs and support.
    pub detail: String,
}

impl ErrorInfo {
    /// An input problem found by the core itself.
    pub fn input(message: impl Into<String>, detail: impl Into<String>) -> ErrorInfo {
        ErrorInfo {
            kind: ErrorKind::Input,
            message: message.into(),
            detail: detail.into(),
        }
    }

    /// An internal failure with an English detail.
    pub fn internal(detail: impl Into<String>) -> ErrorInfo {
        ErrorInfo {
            kind: ErrorKind::Internal,
            message: "Lỗi nội bộ của ứng dụng; hãy báo cho cán bộ phụ trách".into(),
            detail: detail.into(),
        }
    }
}

impl From<&DeviceError> for ErrorInfo {
    fn from(e: &DeviceError) -> ErrorInfo {
        ErrorInfo {
            kind: e.kind().into(),
            message: e.message_vi(),
            detail: e.detail(),
        }
    }
}

impl From<DeviceError> for ErrorInfo {
    fn from(e: DeviceError) -> ErrorInfo {
        ErrorInfo::from(&e)
    }
}

impl From<StoreError> for ErrorInfo {
    fn from(e: StoreError) -> ErrorInfo {
        ErrorInfo::from(DeviceError::Store(e))
    }
}

impl From<SyncError> for ErrorInfo {
    fn from(e: SyncError) -> ErrorInfo {
        ErrorInfo::from(DeviceError::Sync(e))
    }
}

impl From<EvidenceError> for ErrorInfo {
    fn from(e: EvidenceError) -> ErrorInfo {
        ErrorInfo::from(DeviceError::Evidence(e))
    }
}

/// The core could not start on a data directory.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The data directory path is empty.
    #[error("empty data directory path")]
    EmptyDataDir,
    /// The device (database, photo folder) could not be opened.
    #[error("cannot open the data directory: {0}")]
    Open(#[from] DeviceError),
}

impl AppError {
    /// What the cadre reads, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            AppError::EmptyDataDir => "Thư mục dữ liệu không được để trống".into(),
            AppError::Open(e) => e.message_vi(),
        }
    }

    /// English detail for logs.
    pub fn detail(&self) -> String {
        self.to_string()
    }

    /// As a screen shows it.
    pub fn info(&self) -> ErrorInfo {
        match self {
            AppError::EmptyDataDir => ErrorInfo::input(self.message_vi(), self.detail()),
            AppError::Open(e) => e.into(),
        }
    }
}
