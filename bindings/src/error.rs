//! The one error type of the façade: a small set of cases a shell can act on, each with a
//! Vietnamese message to show the cadre as it is. The core's typed errors (`StoreError`,
//! `EvidenceError`, `SyncError`, `InputError`) are mapped by their kind and carry their own
//! `message_vi()`; their English `detail()` goes to the log.
//!
//! Exposed as a flat UniFFI error: in Kotlin `HoctapException.InvalidInput` etc., whose `message`
//! is the Vietnamese text; in Swift `HoctapError.InvalidInput(message:)`.

use hoctap_device::{DeviceError, Kind};
use hoctap_domain::engine::InputError;
use hoctap_evidence::EvidenceError;
use hoctap_store::StoreError;
use hoctap_sync::SyncError;

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
    /// The data key does not open the data (a wrong key: the key store entry was replaced or
    /// lost), encrypted data was opened without a key, or the key is not 32 bytes. Nothing was
    /// changed; the data stays encrypted and intact.
    #[error("{message}")]
    Key { message: String },
    /// A bug or an unexpected storage problem: report it.
    #[error("{message}")]
    Internal { message: String },
}

/// Result of a façade call.
pub type Result<T, E = HoctapError> = std::result::Result<T, E>;

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

impl From<DeviceError> for HoctapError {
    fn from(e: DeviceError) -> Self {
        let message = e.message_vi();
        tracing::debug!(detail = %e.detail(), "façade error");
        let key_problem = match &e {
            DeviceError::Store(StoreError::WrongKey { .. } | StoreError::KeyRequired { .. }) => {
                true
            }
            DeviceError::Key(k) => k.is_user_error(),
            _ => false,
        };
        if key_problem {
            return HoctapError::Key { message };
        }
        match e.kind() {
            Kind::Input => HoctapError::InvalidInput { message },
            Kind::NotFound => HoctapError::NotFound { message },
            Kind::Conflict | Kind::Busy => HoctapError::Conflict { message },
            Kind::Photo => HoctapError::Photo { message },
            Kind::StorageFull => HoctapError::StorageFull { message },
            Kind::NotEnrolled => HoctapError::NotEnrolled,
            Kind::Network | Kind::Cancelled => HoctapError::Network { message },
            Kind::Auth => HoctapError::Auth { message },
            Kind::Internal => HoctapError::Internal { message },
        }
    }
}

impl From<StoreError> for HoctapError {
    fn from(e: StoreError) -> Self {
        DeviceError::from(e).into()
    }
}

impl From<EvidenceError> for HoctapError {
    fn from(e: EvidenceError) -> Self {
        DeviceError::from(e).into()
    }
}

impl From<SyncError> for HoctapError {
    fn from(e: SyncError) -> Self {
        DeviceError::from(e).into()
    }
}

impl From<InputError> for HoctapError {
    fn from(e: InputError) -> Self {
        HoctapError::invalid(e.message_vi())
    }
}
