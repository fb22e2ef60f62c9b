//! Events: what a person does (tap, type, back, pull to refresh, a photo captured or cancelled,
//! a QR code scanned), what the platform reports (app started, resumed, paused, network
//! changed) and what long work reports back ([`Event::TaskProgress`], [`Event::TaskFinished`]).
//! The core applies them one at a time, in order, each against the stored data — never
//! against a view the shell may still be showing.

use crate::error::ErrorInfo;
use hoctap_domain::model::{Model, Schooling, Sex, SubjectKind};
use hoctap_domain::state::SubjectStatus;
use serde::{Deserialize, Serialize};

/// Something the core is told.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// The process started (after [`crate::AppCore::open`]): restore, resume interrupted work.
    Started,
    /// The app came back to the foreground.
    Resumed,
    /// The app is going to the background (Android `onStop`): everything is saved now.
    Paused,
    /// System back (gesture or button).
    Back,
    /// A tap that opens a screen.
    Open {
        target: Target,
    },
    /// Pull to refresh.
    Refresh,
    /// The message at the bottom was dismissed.
    DismissMessage,
    /// The open dialog's confirm button.
    ConfirmDialog,
    /// The open dialog's cancel button (or a tap outside it).
    CancelDialog,
    /// The platform's connectivity changed.
    NetworkChanged {
        online: bool,
        unmetered: bool,
    },

    // Enrollment.
    EnrollServerChanged {
        text: String,
    },
    EnrollCodeChanged {
        text: String,
    },
    EnrollSubmit,
    /// "Quét mã QR": ask the platform's scanner.
    ScanQr,
    /// The scanner decoded a QR code's text.
    QrScanned {
        text: String,
    },
    /// A photo of a QR code (camera frame or picked image, JPEG or PNG): decoded in the core.
    QrImage {
        bytes: Vec<u8>,
    },
    /// The scanner was closed without a code.
    QrCancelled,

    // Household list.
    SearchChanged {
        text: String,
    },
    FilterChanged {
        status: Option<SubjectStatus>,
    },
    /// Scrolled to the end of the loaded rows.
    LoadMore,

    // Forms (household, member): every change is kept, so a form survives process death.
    HouseholdFormChanged {
        input: HouseholdInput,
    },
    MemberFormChanged {
        input: MemberInput,
    },
    SubmitForm,
    RemoveMember {
        member_id: String,
    },
    RemoveHousehold {
        household_id: String,
    },

    // Registrations and assessments.
    Register {
        subject: SubjectRef,
        model: Model,
    },
    /// Start (or resume) the assessment of a subject for the year with the model's set.
    StartAssessment {
        subject: SubjectRef,
        model: Model,
    },
    SetAnswer {
        indicator_id: String,
        answer: AnswerInput,
    },
    /// `+`/`−` on a points indicator: `steps` steps of the indicator's step from the value
    /// stored now (quick taps never work on a stale view).
    StepAnswer {
        indicator_id: String,
        steps: i32,
    },
    SetNote {
        indicator_id: String,
        note: Option<String>,
    },
    CapturePhoto {
        indicator_id: String,
    },
    PickPhoto {
        indicator_id: String,
    },
    /// The camera or gallery wrote the photo to the capture's `target_path`.
    PhotoCaptured {
        capture_id: String,
    },
    PhotoCancelled {
        capture_id: String,
    },
    RemovePhoto {
        indicator_id: String,
        sha256: String,
    },
    /// "Chốt phiếu": asks for confirmation first.
    Finalize,
    /// "Xoá bản nháp": asks for confirmation first.
    DiscardDraft,
    /// "Sửa phiếu": a correction of the open finalized assessment.
    Correct,

    // Outbox and sync.
    /// "Gửi ngay".
    SendNow,
    RetryItem {
        assessment_id: String,
    },
    KeepAsDraft {
        assessment_id: String,
    },

    // Settings.
    SetDeviceName {
        name: String,
    },
    SetPhotosWifiOnly {
        on: bool,
    },
    SetYear {
        year: i32,
    },
    /// "Đăng ký lại": open enrollment (data kept).
    Reenroll,

    // Long work reporting back (see `crate::tasks`).
    TaskProgress {
        task_id: String,
        message: String,
        fraction: Option<f64>,
    },
    TaskFinished {
        task_id: String,
        result: TaskResult,
    },
}

/// A screen a tap opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Home,
    Enrollment,
    /// Households of a hamlet (or of every hamlet).
    Households {
        hamlet_id: Option<String>,
    },
    Household {
        id: String,
    },
    NewHousehold {
        hamlet_id: String,
    },
    EditHousehold {
        id: String,
    },
    NewMember {
        household_id: String,
    },
    EditMember {
        member_id: String,
    },
    Clans,
    Clan {
        id: String,
    },
    /// The hamlet as a community (Cộng đồng học tập).
    Hamlet {
        id: String,
    },
    Units,
    Unit {
        id: String,
    },
    Assessment {
        id: String,
    },
    Outbox,
    Returned,
    Summary,
    Settings,
}

/// A subject by kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SubjectRef {
    pub kind: SubjectKind,
    pub id: String,
}

/// An answer typed or tapped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AnswerInput {
    Points {
        points: f64,
    },
    YesNo {
        yes: bool,
    },
    /// Replace a derived value, with the reason in words.
    Override {
        points: f64,
        reason: String,
    },
    Clear,
}

/// A household form's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdInput {
    pub head: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub roster_code: Option<String>,
}

/// A member form's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInput {
    pub name: String,
    pub birth_year: Option<i32>,
    pub sex: Option<Sex>,
    pub relation: Option<String>,
    pub schooling: Option<Schooling>,
    pub literate: Option<bool>,
    pub cdht: Option<bool>,
    pub unable_to_learn: bool,
}

/// How a sync run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    Done,
    Offline,
    Auth,
    Cancelled,
    Failed,
}

/// What a task reports when it ends.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum TaskResult {
    PhotoAttached {
        capture_id: String,
        assessment_id: String,
        indicator_id: String,
        sha256: String,
        newly_attached: bool,
    },
    PhotoFailed {
        capture_id: String,
        assessment_id: String,
        indicator_id: String,
        error: ErrorInfo,
    },
    SyncFinished {
        outcome: SyncOutcome,
        message: Option<String>,
        sent: i64,
        photos_uploaded: i64,
        returned: i64,
        households_received: i64,
        wedged: i64,
    },
    Enrolled {
        server: String,
        hamlets: Vec<String>,
    },
    EnrollFailed {
        error: ErrorInfo,
    },
    QrDecoded {
        text: String,
    },
    QrFailed {
        error: ErrorInfo,
    },
}
