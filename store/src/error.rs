//! Errors of the device store: typed variants carrying their data. `Display` is the English
//! detail for logs; [`StoreError::message_vi`] is what a cadre reads; [`StoreError::class`] says
//! what a shell can do about it (CLI exit code, FFI error case).

use hoctap_domain::criteria::ValidationReport;
use hoctap_domain::engine::{InputError, Reason};
use hoctap_domain::model::{Model, SubjectKind};
use hoctap_domain::roster::FieldError;
use hoctap_domain::state::SyncState;

/// What kind of thing was not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Hamlet,
    Household,
    Member,
    Clan,
    Unit,
    Subject,
    Assessment,
    CriteriaSet,
    Commune,
    Province,
    Photo,
}

impl Entity {
    /// Vietnamese name.
    pub fn vi(self) -> &'static str {
        match self {
            Entity::Hamlet => "thôn",
            Entity::Household => "hộ gia đình",
            Entity::Member => "thành viên",
            Entity::Clan => "dòng họ",
            Entity::Unit => "đơn vị",
            Entity::Subject => "đối tượng",
            Entity::Assessment => "phiếu đánh giá",
            Entity::CriteriaSet => "bộ tiêu chí",
            Entity::Commune => "xã",
            Entity::Province => "tỉnh",
            Entity::Photo => "ảnh minh chứng",
        }
    }

    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            Entity::Hamlet => "hamlet",
            Entity::Household => "household",
            Entity::Member => "member",
            Entity::Clan => "clan",
            Entity::Unit => "unit",
            Entity::Subject => "subject",
            Entity::Assessment => "assessment",
            Entity::CriteriaSet => "criteria set",
            Entity::Commune => "commune",
            Entity::Province => "province",
            Entity::Photo => "photo",
        }
    }
}

/// What a shell can do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Something the user typed or chose is not acceptable: fix it and retry (CLI exit 2).
    Input,
    /// The thing named does not exist (CLI exit 2).
    NotFound,
    /// The action does not fit the current state (finalized, already corrected …) (CLI exit 2).
    Conflict,
    /// The disk is full: free space (CLI exit 1).
    StorageFull,
    /// The database is busy with another writer: retry shortly (CLI exit 1).
    Busy,
    /// A bug, a damaged database or an I/O failure: report it (CLI exit 1).
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("I/O error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{} not found: {id}", entity.en())]
    NotFound { entity: Entity, id: String },
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Field(#[from] FieldError),
    #[error("invalid criteria set:\n{0}")]
    InvalidCriteria(ValidationReport),
    #[error("assessment {0} is finalized and cannot change; make a correction")]
    Finalized(String),
    #[error("assessment {0} is still a draft")]
    NotFinalized(String),
    #[error("subject already has a finalized assessment for {year} ({id}): make a correction")]
    AlreadyFinalized { year: i32, id: String },
    #[error("assessment {id} is already corrected by {child}")]
    AlreadyCorrected { id: String, child: String },
    #[error("assessment {id} is neither set aside nor returned ({state})")]
    NotSetAside { id: String, state: SyncState },
    #[error("cannot finalize: {} missing", reasons.len())]
    NotFinalizable { reasons: Vec<Reason> },
    #[error("model {model} does not apply to a {}", kind.code())]
    ModelMismatch { model: Model, kind: SubjectKind },
    #[error("hamlet \"{name}\" already exists")]
    HamletExists { name: String },
    #[error("hamlet name \"{name}\" matches several hamlets: {}", candidates.join(", "))]
    HamletAmbiguous {
        name: String,
        candidates: Vec<String>,
    },
    #[error("a local hamlet \"{name}\" has another id than the server's")]
    HamletClash { name: String },
    #[error("household code {code} already exists in the hamlet")]
    DuplicateRosterCode { code: String },
    #[error("code {code} names several households: {}", candidates.join("; "))]
    AmbiguousCode {
        code: String,
        candidates: Vec<String>,
    },
    #[error("{} {id} has {finalized} finalized assessment(s) and cannot be removed", entity.en())]
    InUse {
        entity: Entity,
        id: String,
        finalized: u64,
    },
    #[error("invalid {what} \"{value}\" (allowed: {})", allowed.join(", "))]
    BadCode {
        what: &'static str,
        value: String,
        allowed: Vec<&'static str>,
    },
    #[error("corrupt setting {key}")]
    CorruptSetting { key: String },
    #[error("criteria set {id} (sha256 {sha256}) is not available on this device")]
    CriteriaUnavailable { id: String, sha256: String },
    #[error("database schema {found} is newer than supported {supported}")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("assessment {id} content does not match its hash")]
    Corrupt { id: String },
    #[error("database {path} is encrypted: open it with its key")]
    KeyRequired { path: String },
    #[error("the key does not open database {path} (a wrong key, or not a database)")]
    WrongKey { path: String },
    #[error("database {path} could not be encrypted (it is left clear and intact): {detail}")]
    EncryptionFailed { path: String, detail: String },
    #[error("internal: {0}")]
    Internal(String),
    #[error("internal: a read or write was started inside another")]
    NestedTransaction,
}

fn io_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28)
}

impl StoreError {
    /// What a shell can do about it.
    pub fn class(&self) -> ErrorClass {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => match f.code {
                rusqlite::ErrorCode::DiskFull => ErrorClass::StorageFull,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                    ErrorClass::Busy
                }
                _ => ErrorClass::Internal,
            },
            StoreError::Io { source, .. } if io_full(source) => ErrorClass::StorageFull,
            StoreError::NotFound { .. } | StoreError::CriteriaUnavailable { .. } => {
                ErrorClass::NotFound
            }
            StoreError::Input(_)
            | StoreError::Field(_)
            | StoreError::InvalidCriteria(_)
            | StoreError::NotFinalizable { .. }
            | StoreError::ModelMismatch { .. }
            | StoreError::HamletExists { .. }
            | StoreError::HamletAmbiguous { .. }
            | StoreError::DuplicateRosterCode { .. }
            | StoreError::AmbiguousCode { .. }
            | StoreError::BadCode { .. }
            // Asking for what the record's state rules out (as the façade documents them).
            | StoreError::NotFinalized(_)
            | StoreError::AlreadyFinalized { .. }
            | StoreError::AlreadyCorrected { .. }
            | StoreError::NotSetAside { .. }
            | StoreError::HamletClash { .. }
            // The key (passphrase, key file, a phone's keystore entry) is the caller's to fix.
            | StoreError::KeyRequired { .. }
            | StoreError::WrongKey { .. } => ErrorClass::Input,
            StoreError::Finalized(_) | StoreError::InUse { .. } => ErrorClass::Conflict,
            StoreError::Sqlite(_)
            | StoreError::Io { .. }
            | StoreError::CorruptSetting { .. }
            | StoreError::SchemaTooNew { .. }
            | StoreError::Corrupt { .. }
            | StoreError::EncryptionFailed { .. }
            | StoreError::Internal(_)
            | StoreError::NestedTransaction => ErrorClass::Internal,
        }
    }

    /// True for errors caused by what the user typed or chose (CLI exit code 2).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self.class(),
            ErrorClass::Input | ErrorClass::NotFound | ErrorClass::Conflict
        )
    }

    /// What the cadre reads, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self.class() {
            ErrorClass::StorageFull => {
                return "Bộ nhớ máy đã đầy, không lưu được; hãy xoá bớt ảnh hoặc ứng dụng không dùng rồi thử lại".into()
            }
            ErrorClass::Busy => {
                return "Dữ liệu đang bận (đồng bộ đang ghi); hãy thử lại sau giây lát".into()
            }
            _ => {}
        }
        match self {
            StoreError::Sqlite(_) => "Lỗi cơ sở dữ liệu trên máy; hãy báo cho cán bộ phụ trách".into(),
            StoreError::Io { path, .. } => format!("Lỗi đọc ghi tệp {path}"),
            StoreError::NotFound {
                entity: Entity::Commune,
                id,
            } => format!(
                "Xã có mã \"{id}\" chưa có trên máy này: mã xã được nhận khi đăng ký máy với máy \
                 chủ (hoctap enroll). Bỏ --commune để thêm thôn trước; khi đồng bộ, thôn sẽ được \
                 ghép với danh sách của xã"
            ),
            StoreError::NotFound { entity, id } => {
                format!("Không tìm thấy {} \"{id}\"", entity.vi())
            }
            StoreError::Input(e) => e.message_vi(),
            StoreError::Field(e) => e.message_vi(),
            StoreError::InvalidCriteria(report) => format!(
                "Bộ tiêu chí không hợp lệ ({} lỗi):\n{report}",
                report.problems.len()
            ),
            StoreError::Finalized(id) => {
                format!("Phiếu đánh giá {id} đã chốt, không sửa được; hãy tạo bản sửa")
            }
            StoreError::NotFinalized(id) => {
                format!("Phiếu {id} chưa chốt, cứ sửa trực tiếp")
            }
            StoreError::AlreadyFinalized { year, id } => format!(
                "Đối tượng đã có phiếu đánh giá năm {year} đã chốt ({id}); hãy tạo bản sửa"
            ),
            StoreError::AlreadyCorrected { id, child } => {
                format!("Phiếu {id} đã có bản sửa {child}")
            }
            StoreError::NotSetAside { id, state } => format!(
                "Phiếu {id} đang ở trạng thái \"{}\", không bị giữ lại hay trả về; muốn sửa \
                 phiếu đã gửi thì dùng hoctap correct",
                state.label()
            ),
            StoreError::NotFinalizable { reasons } => format!(
                "Chưa thể chốt phiếu: {}",
                reasons
                    .iter()
                    .map(|r| r.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            StoreError::ModelMismatch { model, kind } => format!(
                "Mô hình {} không áp dụng cho {}",
                model.title_vi(),
                subject_vi(*kind)
            ),
            StoreError::HamletExists { name } => format!("Thôn \"{name}\" đã có"),
            StoreError::HamletAmbiguous { name, candidates } => format!(
                "Tên thôn \"{name}\" khớp nhiều thôn: {} — hãy gõ đủ dấu",
                candidates.join(", ")
            ),
            StoreError::HamletClash { name } => format!(
                "Thôn \"{name}\" đã có trên máy với mã khác; không thể gộp"
            ),
            StoreError::DuplicateRosterCode { code } => {
                format!("Mã hộ {code} đã có trong thôn")
            }
            StoreError::AmbiguousCode { code, candidates } => format!(
                "Mã {code} có ở nhiều hộ: {} — hãy dùng mã số (id) của hộ",
                candidates.join("; ")
            ),
            StoreError::InUse {
                entity,
                finalized,
                ..
            } => format!(
                "Không thể xoá {}: đã có {finalized} phiếu đánh giá đã chốt dựa vào đó",
                entity.vi()
            ),
            StoreError::BadCode { what, value, allowed } => format!(
                "Giá trị \"{value}\" không hợp lệ cho {} (chỉ dùng: {})",
                what_vi(what),
                allowed.join(", ")
            ),
            StoreError::CorruptSetting { .. } => {
                "Cài đặt đồng bộ trên máy bị hỏng; hãy đăng ký lại máy".into()
            }
            StoreError::CriteriaUnavailable { id, .. } => format!(
                "Không có bộ tiêu chí {id} (đúng phiên bản đã dùng) trên máy; hãy đồng bộ để nhận lại"
            ),
            StoreError::SchemaTooNew { found, supported } => format!(
                "Cơ sở dữ liệu ở phiên bản {found}, mới hơn phiên bản ứng dụng hỗ trợ ({supported}); hãy cập nhật ứng dụng"
            ),
            StoreError::Corrupt { id } => {
                format!("Nội dung phiếu {id} bị hỏng: mã băm không khớp")
            }
            StoreError::KeyRequired { .. } => {
                "Dữ liệu trên máy đã được mã hoá; cần khoá (mật khẩu hoặc tệp khoá) để mở".into()
            }
            StoreError::WrongKey { .. } => {
                "Khoá hoặc mật khẩu không đúng, không mở được dữ liệu đã mã hoá (dữ liệu vẫn nguyên vẹn)"
                    .into()
            }
            StoreError::EncryptionFailed { .. } => {
                "Không mã hoá được dữ liệu trên máy; dữ liệu cũ vẫn nguyên vẹn. Hãy báo cho cán bộ phụ trách"
                    .into()
            }
            StoreError::Internal(_) | StoreError::NestedTransaction => {
                "Lỗi nội bộ của ứng dụng; hãy báo cho cán bộ phụ trách".into()
            }
        }
    }

    /// English detail for logs and support.
    pub fn detail(&self) -> String {
        self.to_string()
    }

    /// A not-found error.
    pub fn not_found(entity: Entity, id: impl Into<String>) -> StoreError {
        StoreError::NotFound {
            entity,
            id: id.into(),
        }
    }
}

fn subject_vi(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Household => "hộ gia đình",
        SubjectKind::Clan => "dòng họ",
        SubjectKind::Hamlet => "thôn",
        SubjectKind::Unit => "đơn vị",
        SubjectKind::Member => "cá nhân",
    }
}

fn what_vi(what: &str) -> &'static str {
    match what {
        "hamlet kind" => "loại thôn",
        "commune kind" => "loại đơn vị cấp xã",
        "model" => "mô hình",
        "sex" => "giới tính",
        "schooling" => "tình trạng đi học",
        _ => "trường này",
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
