//! Screens about the server: enrollment, the outbox, returned assessments, the year's summary
//! and settings.

use hoctap_domain::model::{Model, SubjectKind};
use hoctap_domain::state::SyncState;

/// Enrollment: scan the QR code, or type the server and code.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EnrollmentView {
    pub server: String,
    pub code: String,
    /// Enrolling now (network).
    pub busy: bool,
    /// Decoding a QR image.
    pub decoding_qr: bool,
    /// Why the last try failed, in Vietnamese.
    pub error: Option<String>,
    /// Re-enrolling after the server refused this device (the data on it is kept).
    pub reenroll: bool,
    pub help: String,
}

/// What can be done about an outbox item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OutboxAction {
    /// Put a set-aside item back in the queue.
    Retry,
    /// Keep it as a local draft to fix (a correction).
    KeepAsDraft,
    /// Open it.
    Open,
}

/// One finalized assessment in the outbox.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OutboxItemView {
    pub id: String,
    pub subject_kind: SubjectKind,
    pub subject_name: String,
    pub model: Model,
    pub model_title: String,
    pub year: i32,
    pub revision: i32,
    pub state: SyncState,
    pub state_label: String,
    /// Why it is set aside, or the reviewer's comment.
    pub reason: Option<String>,
    pub photos: i64,
    pub finalized_at: String,
    pub sent_at: Option<String>,
    pub superseded: bool,
    pub actions: Vec<OutboxAction>,
}

/// The outbox.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OutboxView {
    pub queued: i64,
    pub sent: i64,
    pub returned: i64,
    pub problems: i64,
    pub items: Vec<OutboxItemView>,
    /// "Gửi ngay" is offered (enrolled, something to send, no sync running).
    pub can_send_now: bool,
    pub empty_label: Option<String>,
}

/// A returned assessment with its comment thread.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReturnedItemView {
    pub id: String,
    pub subject_name: String,
    pub model_title: String,
    pub year: i32,
    pub revision: i32,
    pub comments: Vec<crate::view::CommentView>,
}

/// Returned for correction.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReturnedView {
    pub items: Vec<ReturnedItemView>,
    pub empty_label: Option<String>,
}

/// One model's figures for the year.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SummaryRowView {
    pub model: Model,
    pub title: String,
    pub registered: i64,
    pub assessed: i64,
    pub passed: i64,
    pub all: i64,
    pub percentage: Option<f64>,
    pub target_percent: Option<f64>,
    pub meets_target: Option<bool>,
    pub label: String,
}

/// The year's summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SummaryView {
    pub year: i32,
    pub rows: Vec<SummaryRowView>,
}

/// Settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SettingsView {
    pub device_name: String,
    pub photos_wifi_only: bool,
    pub server: Option<String>,
    pub device_id: Option<String>,
    pub enrolled_at: Option<String>,
    /// Bytes used by the database and the photos.
    pub storage_bytes: i64,
    /// "12,3 MB".
    pub storage_label: String,
    pub app_version: String,
    pub year: i32,
}
