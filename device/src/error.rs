//! Errors of device operations: the store's, the photo pipeline's, sync's or the data key's,
//! each keeping its own typed variants (`message_vi()` for the cadre, `detail()` for logs, a class for shells).

use crate::key::KeyError;
use hoctap_evidence::EvidenceError;
use hoctap_store::StoreError;
use hoctap_sync::SyncError;

/// A device operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Evidence(#[from] EvidenceError),
    #[error("{0}")]
    Sync(#[from] SyncError),
    #[error("{0}")]
    Key(#[from] KeyError),
}

impl DeviceError {
    /// What the cadre reads, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            DeviceError::Store(e) => e.message_vi(),
            DeviceError::Evidence(e) => e.message_vi(),
            DeviceError::Sync(e) => e.message_vi(),
            DeviceError::Key(e) => e.message_vi(),
        }
    }

    /// English detail for logs and support.
    pub fn detail(&self) -> String {
        self.to_string()
    }
}

/// What a shell can do about an error: one classification over the store's, the photo
/// pipeline's and sync's errors (the CLI's exit code, the FFI error case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Something typed or chosen is not acceptable.
    Input,
    /// The thing named does not exist.
    NotFound,
    /// The action does not fit the current state.
    Conflict,
    /// The photo is unsupported, damaged, too large or cannot be opened.
    Photo,
    /// The device is (nearly) full.
    StorageFull,
    /// Another writer holds the database: retry shortly.
    Busy,
    /// Not enrolled with a server.
    NotEnrolled,
    /// No connection, or the server is temporarily failing.
    Network,
    /// The server refused this device or code.
    Auth,
    /// Stopped on request.
    Cancelled,
    /// A bug, a damaged database, an I/O failure or a protocol error.
    Internal,
}

impl Kind {
    /// Caused by what the user typed or chose (CLI exit code 2).
    pub fn is_user_error(self) -> bool {
        matches!(
            self,
            Kind::Input
                | Kind::NotFound
                | Kind::Conflict
                | Kind::Photo
                | Kind::NotEnrolled
                | Kind::Auth
        )
    }
}

/// The kind of a store error.
pub fn store_kind(e: &StoreError) -> Kind {
    use hoctap_store::error::ErrorClass;
    match e.class() {
        ErrorClass::Input => Kind::Input,
        ErrorClass::NotFound => Kind::NotFound,
        ErrorClass::Conflict => Kind::Conflict,
        ErrorClass::StorageFull => Kind::StorageFull,
        ErrorClass::Busy => Kind::Busy,
        ErrorClass::Internal => Kind::Internal,
    }
}

/// The kind of an evidence error.
pub fn evidence_kind(e: &EvidenceError) -> Kind {
    use hoctap_evidence::error::EvidenceClass;
    match e.class() {
        EvidenceClass::Photo | EvidenceClass::Unreadable => Kind::Photo,
        EvidenceClass::StorageFull => Kind::StorageFull,
        EvidenceClass::Internal => Kind::Internal,
    }
}

/// The kind of a sync error.
pub fn sync_kind(e: &SyncError) -> Kind {
    match e {
        SyncError::NotEnrolled => Kind::NotEnrolled,
        SyncError::Transient(_) | SyncError::RateLimited { .. } => Kind::Network,
        SyncError::Auth(_) | SyncError::EnrollRefused(_) => Kind::Auth,
        SyncError::Cancelled => Kind::Cancelled,
        SyncError::BadServerUrl(_) | SyncError::NotAnEnrollmentCode => Kind::Input,
        SyncError::Protocol(_) => Kind::Internal,
        SyncError::Store(e) => store_kind(e),
    }
}

impl DeviceError {
    /// What a shell can do about it.
    pub fn kind(&self) -> Kind {
        match self {
            DeviceError::Store(e) => store_kind(e),
            DeviceError::Evidence(e) => evidence_kind(e),
            DeviceError::Sync(e) => sync_kind(e),
            DeviceError::Key(e) if e.is_user_error() => Kind::Input,
            DeviceError::Key(_) => Kind::Internal,
        }
    }

    /// Caused by what the user typed or chose (CLI exit code 2).
    pub fn is_user_error(&self) -> bool {
        self.kind().is_user_error()
    }
}
