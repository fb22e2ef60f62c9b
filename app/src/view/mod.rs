//! View models: everything a screen shows, as plain records (strings ready to show, numbers,
//! lists, optional values), built from the store by the core. The shell draws them and keeps
//! nothing else. One [`ViewModel`] per render: the current screen's view, the title, whether
//! back navigates, the sync bar, an open dialog and a message.

pub mod assessment;
pub mod roster;
pub mod sync;

pub use assessment::*;
pub use roster::*;
pub use sync::*;

use crate::error::ErrorKind;

/// What the shell draws.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ViewModel {
    pub screen: ScreenView,
    /// Title bar text.
    pub title: String,
    /// Back navigates within the app (false on the first screen: back closes the app).
    pub can_go_back: bool,
    /// The year being assessed.
    pub year: i32,
    pub sync: SyncBar,
    pub dialog: Option<DialogView>,
    pub message: Option<MessageView>,
}

/// The current screen.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ScreenView {
    Enrollment(EnrollmentView),
    Home(HomeView),
    Households(HouseholdListView),
    Household(HouseholdView),
    HouseholdForm(HouseholdFormView),
    MemberForm(MemberFormView),
    Clans(ClanListView),
    Clan(SubjectPageView),
    Hamlet(SubjectPageView),
    Units(UnitListView),
    Unit(SubjectPageView),
    Assessment(AssessmentView),
    Outbox(OutboxView),
    Returned(ReturnedView),
    Summary(SummaryView),
    Settings(SettingsView),
    /// The screen's data could not be read (it was removed, or the database failed).
    Unavailable(UnavailableView),
}

/// A screen whose data could not be read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnavailableView {
    pub message: String,
}

/// What a confirmation dialog is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DialogKind {
    ConfirmFinalize,
    ConfirmDiscardDraft,
    ConfirmRemoveMember,
    ConfirmRemoveHousehold,
}

/// A confirmation dialog.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DialogView {
    pub kind: DialogKind,
    pub title: String,
    pub body: String,
    pub confirm_label: String,
    pub cancel_label: String,
}

/// How a message reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MessageLevel {
    Info,
    Success,
    Warning,
    Error,
}

/// A message at the bottom of the screen (dismissed with `DismissMessage`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MessageView {
    pub level: MessageLevel,
    /// Vietnamese, ready to show.
    pub text: String,
    /// For errors: what kind (the shell may offer "Thử lại", "Giải phóng bộ nhớ"…).
    pub error_kind: Option<ErrorKind>,
}

/// The sync bar: what waits, what went wrong, when it last worked.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SyncBar {
    pub enrolled: bool,
    /// Finalized and not acknowledged yet (queued or being sent).
    pub queued: i64,
    /// Set aside with a reason (need "Thử lại" or "Giữ làm nháp").
    pub problems: i64,
    /// Returned by a reviewer for correction.
    pub returned: i64,
    /// When the last complete sync ended (RFC 3339), `None` before the first.
    pub last_sync: Option<String>,
    pub running: bool,
    /// A sync run's progress line while it runs.
    pub progress: Option<String>,
    /// The server refused this device: enroll again.
    pub needs_reenroll: bool,
    /// Whether the platform reports a connection.
    pub online: bool,
    /// One line for the bar ("3 phiếu chờ gửi", "Đang đồng bộ…").
    pub label: String,
}
