//! Errors of the offline store. Each says in Vietnamese what the cadre can do, then in English.

use crate::engine::InputError;
use crate::evidence::EvidenceError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Lỗi cơ sở dữ liệu / database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("Lỗi đọc ghi tệp {path} / I/O error: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("Không tìm thấy {kind} \"{id}\" / {kind} not found: {id}")]
    NotFound { kind: &'static str, id: String },
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Evidence(#[from] EvidenceError),
    #[error("Phiếu đánh giá {0} đã chốt, không sửa được; hãy tạo bản sửa / assessment {0} is finalized and cannot change; make a correction")]
    Finalized(String),
    #[error(
        "Không có bộ tiêu chí {id} (mã băm {sha256}) trên máy / criteria set not available here"
    )]
    CriteriaUnavailable { id: String, sha256: String },
    #[error("Cơ sở dữ liệu ở phiên bản {found}, mới hơn phiên bản ứng dụng hỗ trợ ({supported}); hãy cập nhật ứng dụng / database schema {found} is newer than supported {supported}")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("Nội dung phiếu {id} bị hỏng: mã băm không khớp / assessment {id} content does not match its hash")]
    Corrupt { id: String },
}

impl StoreError {
    /// True for errors caused by what the user typed or chose (CLI exit code 2).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            StoreError::NotFound { .. }
                | StoreError::Invalid(_)
                | StoreError::Input(_)
                | StoreError::Finalized(_)
                | StoreError::CriteriaUnavailable { .. }
                | StoreError::Evidence(
                    EvidenceError::UnsupportedFormat { .. }
                        | EvidenceError::TooLargeBytes { .. }
                        | EvidenceError::TooLargePixels { .. }
                        | EvidenceError::Damaged { .. }
                        | EvidenceError::InvalidOptions(_)
                )
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
