//! The one error type of the façade: a small set of cases a shell can act on, each with a
//! Vietnamese message to show the cadre as it is. The core's rich errors (`StoreError`,
//! `EvidenceError`, `SyncError`, `InputError`) are mapped here; the English glosses the core adds
//! for developers are dropped from the message.
//!
//! Exposed as a flat UniFFI error: in Kotlin `HoctapException.InvalidInput` etc., whose `message`
//! is the Vietnamese text; in Swift `HoctapError.InvalidInput(message:)`.

use hoctap_core::engine::InputError;
use hoctap_core::evidence::EvidenceError;
use hoctap_core::store::StoreError;
use hoctap_core::sync::SyncError;

/// What went wrong, grouped by what the user (or the shell) can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum HoctapError {
    /// Something typed or chosen is not acceptable (out-of-range points, empty name, a draft
    /// that cannot be finalized yet …): show the message next to the field.
    #[error("{message}")]
    InvalidInput { message: String },
    /// The household, member, assessment, hamlet, criteria set or upload job does not exist.
    #[error("{message}")]
    NotFound { message: String },
    /// The device is not enrolled: show the QR scanner.
    #[error("Máy chưa đăng ký với máy chủ; hãy quét mã QR đăng ký")]
    NotEnrolled,
    /// No connection or the server is temporarily failing: try again later.
    #[error("{message}")]
    Network { message: String },
    /// The server refused this device or code: enroll again.
    #[error("{message}")]
    Auth { message: String },
    /// The phone is (nearly) full: free some space.
    #[error("{message}")]
    StorageFull { message: String },
    /// The action does not fit the current state (finalized assessment changed, a sync already
    /// running, a correction already made …).
    #[error("{message}")]
    Conflict { message: String },
    /// The photo is unsupported (HEIC, WebP …), damaged, too large or cannot be opened.
    #[error("{message}")]
    Photo { message: String },
    /// A bug or an unexpected storage problem: report it.
    #[error("{message}")]
    Internal { message: String },
}

/// Result of a façade call.
pub type Result<T, E = HoctapError> = std::result::Result<T, E>;

/// The Vietnamese part of a core message: the core writes "tiếng Việt / English" or
/// "tiếng Việt. (english)"; the cadre reads only the first part.
pub fn vietnamese(message: &str) -> String {
    let mut s = message.trim();
    // "… (english gloss)" at the end (evidence errors).
    if s.ends_with(')') {
        if let Some(i) = s.rfind(" (") {
            let gloss = &s[i + 2..];
            if gloss.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                s = s[..i].trim_end();
            }
        }
    }
    // "tiếng Việt / English" (store, sync, input errors): the English part has no Vietnamese
    // letters (it may have an en dash or a "×").
    if let Some(i) = s.rfind(" / ") {
        let tail = &s[i + 3..];
        if !tail.chars().any(|c| c.is_alphabetic() && !c.is_ascii()) {
            s = &s[..i];
        }
    }
    s.to_string()
}

fn kind_vi(kind: &str) -> &str {
    kind.split(" / ").next().unwrap_or(kind).trim()
}

impl HoctapError {
    /// An invalid-input error with this (Vietnamese) message.
    pub fn invalid(message: impl Into<String>) -> Self {
        HoctapError::InvalidInput {
            message: message.into(),
        }
    }

    /// A not-found error with this (Vietnamese) message.
    pub fn not_found(message: impl Into<String>) -> Self {
        HoctapError::NotFound {
            message: message.into(),
        }
    }

    /// An internal error with this message.
    pub fn internal(message: impl Into<String>) -> Self {
        HoctapError::Internal {
            message: message.into(),
        }
    }
}

fn sqlite_error(e: &rusqlite::Error) -> HoctapError {
    if let rusqlite::Error::SqliteFailure(f, _) = e {
        match f.code {
            rusqlite::ErrorCode::DiskFull => {
                return HoctapError::StorageFull {
                    message: "Bộ nhớ máy đã đầy, không lưu được; hãy xoá bớt ảnh hoặc ứng dụng không dùng rồi thử lại".into(),
                }
            }
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                return HoctapError::Conflict {
                    message: "Dữ liệu đang bận (đồng bộ đang ghi); hãy thử lại sau giây lát"
                        .into(),
                }
            }
            _ => {}
        }
    }
    HoctapError::internal(format!("Lỗi cơ sở dữ liệu: {e}"))
}

fn io_is_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28)
}

impl From<EvidenceError> for HoctapError {
    fn from(e: EvidenceError) -> Self {
        let message = vietnamese(&e.to_string());
        match &e {
            EvidenceError::UnsupportedFormat { .. }
            | EvidenceError::TooLargeBytes { .. }
            | EvidenceError::TooLargePixels { .. }
            | EvidenceError::Damaged { .. } => HoctapError::Photo { message },
            EvidenceError::StorageFull { .. } => HoctapError::StorageFull { message },
            EvidenceError::Io { path, source } => {
                if io_is_full(source) {
                    HoctapError::StorageFull {
                        message: "Bộ nhớ máy đã đầy, không lưu được ảnh; hãy xoá bớt ảnh hoặc ứng dụng không dùng rồi thử lại".into(),
                    }
                } else if source.kind() == std::io::ErrorKind::NotFound
                    || source.kind() == std::io::ErrorKind::PermissionDenied
                {
                    HoctapError::Photo {
                        message: format!(
                            "Không mở được tệp ảnh {}; hãy chụp lại hoặc chọn ảnh khác",
                            path.display()
                        ),
                    }
                } else {
                    HoctapError::Internal { message }
                }
            }
            EvidenceError::InvalidOptions(_) => HoctapError::Internal { message },
        }
    }
}

impl From<InputError> for HoctapError {
    fn from(e: InputError) -> Self {
        HoctapError::invalid(vietnamese(&e.to_string()))
    }
}

impl From<StoreError> for HoctapError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Sqlite(e) => sqlite_error(&e),
            StoreError::Io { path, source } => {
                if io_is_full(&source) {
                    HoctapError::StorageFull {
                        message: "Bộ nhớ máy đã đầy, không lưu được; hãy xoá bớt ảnh hoặc ứng dụng không dùng rồi thử lại".into(),
                    }
                } else {
                    HoctapError::internal(format!("Lỗi đọc ghi tệp {path}: {source}"))
                }
            }
            StoreError::NotFound { kind, id } => {
                HoctapError::not_found(format!("Không tìm thấy {} \"{id}\"", kind_vi(kind)))
            }
            StoreError::Invalid(m) => HoctapError::invalid(vietnamese(&m)),
            StoreError::Input(e) => e.into(),
            StoreError::Evidence(e) => e.into(),
            e @ StoreError::Finalized(_) => HoctapError::Conflict {
                message: vietnamese(&e.to_string()),
            },
            e @ StoreError::CriteriaUnavailable { .. } => {
                HoctapError::not_found(vietnamese(&e.to_string()))
            }
            e @ (StoreError::SchemaTooNew { .. } | StoreError::Corrupt { .. }) => {
                HoctapError::internal(vietnamese(&e.to_string()))
            }
        }
    }
}

impl From<SyncError> for HoctapError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::NotEnrolled => HoctapError::NotEnrolled,
            e
            @ (SyncError::Transient(_) | SyncError::RateLimited { .. } | SyncError::Cancelled) => {
                HoctapError::Network {
                    message: vietnamese(&e.to_string()),
                }
            }
            e @ SyncError::Auth(_) => HoctapError::Auth {
                message: vietnamese(&e.to_string()),
            },
            e @ SyncError::Protocol(_) => HoctapError::internal(vietnamese(&e.to_string())),
            SyncError::Store(e) => e.into(),
        }
    }
}

impl From<rusqlite::Error> for HoctapError {
    fn from(e: rusqlite::Error) -> Self {
        sqlite_error(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::vietnamese;

    #[test]
    fn english_glosses_are_dropped() {
        assert_eq!(
            vietnamese("Phiếu đánh giá X đã chốt, không sửa được; hãy tạo bản sửa / assessment X is finalized and cannot change; make a correction"),
            "Phiếu đánh giá X đã chốt, không sửa được; hãy tạo bản sửa"
        );
        assert_eq!(
            vietnamese("Ảnh bị hỏng hoặc không đọc được; hãy chụp lại hoặc chọn ảnh khác. (damaged image: eof)"),
            "Ảnh bị hỏng hoặc không đọc được; hãy chụp lại hoặc chọn ảnh khác."
        );
        assert_eq!(
            vietnamese(
                "Chỉ số 1.2: điểm 11 nằm ngoài khoảng 0–10 / indicator 1.2: 11 out of range 0–10"
            ),
            "Chỉ số 1.2: điểm 11 nằm ngoài khoảng 0–10"
        );
        assert_eq!(vietnamese("Đồng bộ xong"), "Đồng bộ xong");
        assert_eq!(vietnamese("Thôn Đông / Thôn Tây"), "Thôn Đông / Thôn Tây");
    }
}
