//! Records and enums crossing the FFI boundary, shaped for screens: display strings are
//! Vietnamese and come from the core; points are `f64` in points (8.5), never hundredths; counts
//! and bytes are `i64` and years `i32`, so that Kotlin and Swift code need no unsigned types.

use hoctap_domain::engine::Status;
use hoctap_domain::labels;
use hoctap_domain::model::{Model, Schooling, Sex, SubjectKind as CoreSubjectKind};
use hoctap_domain::state::{SubjectStatus, SyncState};
use hoctap_sync::run::Stage;

/// The five learning-society models (mô hình học tập).
/// What a data directory holds, as far as its database file tells (`data_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DataState {
    /// No data yet.
    New,
    /// Clear data (from a version without encryption): encrypted by `open_encrypted`.
    Clear,
    /// Encrypted data: only `open_encrypted` with its key opens it.
    Encrypted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LearningModel {
    /// Gia đình học tập — a household.
    GiaDinh,
    /// Dòng họ học tập — a clan.
    DongHo,
    /// Cộng đồng học tập — a hamlet community.
    CongDong,
    /// Đơn vị học tập — a school, office or enterprise.
    DonVi,
    /// Công dân học tập — an adult.
    CongDan,
}

impl From<Model> for LearningModel {
    fn from(m: Model) -> Self {
        match m {
            Model::GiaDinh => LearningModel::GiaDinh,
            Model::DongHo => LearningModel::DongHo,
            Model::CongDong => LearningModel::CongDong,
            Model::DonVi => LearningModel::DonVi,
            Model::CongDan => LearningModel::CongDan,
        }
    }
}

impl From<LearningModel> for Model {
    fn from(m: LearningModel) -> Self {
        match m {
            LearningModel::GiaDinh => Model::GiaDinh,
            LearningModel::DongHo => Model::DongHo,
            LearningModel::CongDong => Model::CongDong,
            LearningModel::DonVi => Model::DonVi,
            LearningModel::CongDan => Model::CongDan,
        }
    }
}

/// What an assessment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SubjectKind {
    Household,
    Clan,
    Hamlet,
    Unit,
    Member,
}

impl From<CoreSubjectKind> for SubjectKind {
    fn from(k: CoreSubjectKind) -> Self {
        match k {
            CoreSubjectKind::Household => SubjectKind::Household,
            CoreSubjectKind::Clan => SubjectKind::Clan,
            CoreSubjectKind::Hamlet => SubjectKind::Hamlet,
            CoreSubjectKind::Unit => SubjectKind::Unit,
            CoreSubjectKind::Member => SubjectKind::Member,
        }
    }
}

impl From<SubjectKind> for CoreSubjectKind {
    fn from(k: SubjectKind) -> Self {
        match k {
            SubjectKind::Household => CoreSubjectKind::Household,
            SubjectKind::Clan => CoreSubjectKind::Clan,
            SubjectKind::Hamlet => CoreSubjectKind::Hamlet,
            SubjectKind::Unit => CoreSubjectKind::Unit,
            SubjectKind::Member => CoreSubjectKind::Member,
        }
    }
}

/// A subject: a household for Gia đình học tập, a member for Công dân học tập, …
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SubjectRef {
    pub kind: SubjectKind,
    pub id: String,
}

/// Sex as on the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MemberSex {
    Male,
    Female,
    Other,
}

impl From<Sex> for MemberSex {
    fn from(s: Sex) -> Self {
        match s {
            Sex::Male => MemberSex::Male,
            Sex::Female => MemberSex::Female,
            Sex::Other => MemberSex::Other,
        }
    }
}

impl From<MemberSex> for Sex {
    fn from(s: MemberSex) -> Self {
        match s {
            MemberSex::Male => Sex::Male,
            MemberSex::Female => Sex::Female,
            MemberSex::Other => Sex::Other,
        }
    }
}

/// Schooling situation in the assessment year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MemberSchooling {
    /// Chưa đến tuổi đi học.
    Preschool,
    /// Đang đi học.
    InSchool,
    /// Bỏ học / không đi học.
    OutOfSchool,
    /// Đã học xong.
    Finished,
    /// Chưa từng đi học.
    Never,
}

impl From<Schooling> for MemberSchooling {
    fn from(s: Schooling) -> Self {
        match s {
            Schooling::Preschool => MemberSchooling::Preschool,
            Schooling::InSchool => MemberSchooling::InSchool,
            Schooling::OutOfSchool => MemberSchooling::OutOfSchool,
            Schooling::Finished => MemberSchooling::Finished,
            Schooling::Never => MemberSchooling::Never,
        }
    }
}

impl From<MemberSchooling> for Schooling {
    fn from(s: MemberSchooling) -> Self {
        match s {
            MemberSchooling::Preschool => Schooling::Preschool,
            MemberSchooling::InSchool => Schooling::InSchool,
            MemberSchooling::OutOfSchool => Schooling::OutOfSchool,
            MemberSchooling::Finished => Schooling::Finished,
            MemberSchooling::Never => Schooling::Never,
        }
    }
}

/// Where a household stands for a year (model Gia đình học tập).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HouseholdStatus {
    /// Chưa đăng ký.
    NotRegistered,
    /// Đã đăng ký, chưa đánh giá.
    Registered,
    /// Đang đánh giá (a draft, including a correction being made).
    Draft,
    /// Đã chốt, chưa gửi (queued, sending, or held back by a problem).
    Finalized,
    /// Đã gửi: the server acknowledged this exact content.
    Sent,
    /// Cần sửa: a reviewer returned it with a comment.
    NeedsCorrection,
    /// Đã được công nhận. Not produced yet: the server does not send recognition decisions
    /// yet; kept so that shells handle it from the start.
    Recognised,
}

impl From<SubjectStatus> for HouseholdStatus {
    fn from(s: SubjectStatus) -> Self {
        match s {
            SubjectStatus::NotRegistered => HouseholdStatus::NotRegistered,
            SubjectStatus::Registered => HouseholdStatus::Registered,
            SubjectStatus::Draft => HouseholdStatus::Draft,
            SubjectStatus::Finalized => HouseholdStatus::Finalized,
            SubjectStatus::Sent => HouseholdStatus::Sent,
            SubjectStatus::NeedsCorrection => HouseholdStatus::NeedsCorrection,
            SubjectStatus::Recognised => HouseholdStatus::Recognised,
        }
    }
}

/// Result status of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ResultStatus {
    Passed,
    Failed,
    /// Some answer, member fact or photo is missing (or the set itself is incomplete).
    Incomplete,
}

impl From<Status> for ResultStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Passed => ResultStatus::Passed,
            Status::Failed => ResultStatus::Failed,
            Status::Incomplete => ResultStatus::Incomplete,
        }
    }
}

/// Where an indicator's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ValueSource {
    Answered,
    /// Computed from the members' data.
    Derived,
    /// A computed value replaced by the cadre, with a reason.
    Overridden,
    Missing,
}

/// How an indicator is answered on screen.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum AnswerKind {
    /// A number of points from 0 to `max`, in steps of `step` (a stepper or a slider).
    Points { step: f64 },
    /// Có / Không: yes earns `max`.
    YesNo,
    /// Computed from the members' data; the cadre may override it with a reason.
    Derived { rule: String },
}

/// An answer the cadre gives.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum AnswerInput {
    /// Points for a points indicator.
    Points { points: f64 },
    /// Có / Không for a yes/no indicator.
    YesNo { yes: bool },
    /// Replace a derived value; the reason is required.
    Override { points: f64, reason: String },
    /// Remove the answer (a derived indicator goes back to its computed value); the note stays.
    Clear,
}

/// Draft or finalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AssessmentState {
    Draft,
    Finalized,
}

/// Outbox state of a finalized assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OutboxState {
    /// Finalized before the device was enrolled; queued at the next sync.
    Local,
    Queued,
    Sending,
    Sent,
    NeedsCorrection,
    /// Held back: the server refused it or a photo cannot be read; `detail` says why.
    Wedged,
}

impl From<SyncState> for OutboxState {
    fn from(s: SyncState) -> Self {
        match s {
            SyncState::Local => OutboxState::Local,
            SyncState::Queued => OutboxState::Queued,
            SyncState::Sending => OutboxState::Sending,
            SyncState::Sent => OutboxState::Sent,
            SyncState::NeedsCorrection => OutboxState::NeedsCorrection,
            SyncState::Wedged => OutboxState::Wedged,
        }
    }
}

/// Vietnamese label of a sex (the domain's).
pub fn sex_label(s: Sex) -> &'static str {
    labels::sex(s)
}

/// Vietnamese label of a schooling situation (the domain's).
pub fn schooling_label(s: Schooling) -> &'static str {
    labels::schooling(s)
}

/// A hamlet (thôn / tổ dân phố) with its number of households.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HamletView {
    pub id: String,
    pub name: String,
    /// `thon` or `to_dan_pho`.
    pub kind: String,
    /// "Thôn" or "Tổ dân phố".
    pub kind_label: String,
    pub households: i64,
}

/// A row of the household list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdRow {
    pub id: String,
    pub head: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub hamlet_id: String,
    pub hamlet: String,
    /// The commune's household code (mã hộ, e.g. "H004"), shown beside the head's name.
    pub roster_code: Option<String>,
    pub status: HouseholdStatus,
    pub status_label: String,
    /// The latest assessment of the year (draft or finalized), if any.
    pub assessment_id: Option<String>,
    /// Its total, once evaluated at finalization.
    pub total: Option<f64>,
    /// The reviewer's comment when returned for correction.
    pub comment: Option<String>,
}

/// A household member.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub birth_year: Option<i32>,
    /// Age in the year asked for (year − birth year).
    pub age: Option<i32>,
    pub sex: Option<MemberSex>,
    pub sex_label: Option<String>,
    pub relation: Option<String>,
    pub schooling: Option<MemberSchooling>,
    pub schooling_label: Option<String>,
    pub literate: Option<bool>,
    pub cdht: Option<bool>,
    pub unable_to_learn: bool,
}

/// A short line for an assessment in a list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AssessmentLine {
    pub id: String,
    pub model: LearningModel,
    pub model_title: String,
    pub year: i32,
    pub revision: i32,
    pub state: AssessmentState,
    pub outbox_state: Option<OutboxState>,
    pub total: Option<f64>,
    pub result_status: Option<ResultStatus>,
}

/// A household with its members and assessments.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HouseholdDetail {
    pub id: String,
    pub head: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub hamlet_id: String,
    pub hamlet: String,
    pub roster_code: Option<String>,
    pub status: HouseholdStatus,
    pub status_label: String,
    /// In Vietnamese name order.
    pub members: Vec<MemberView>,
    /// Every assessment of the household and its members, newest year and revision first.
    pub assessments: Vec<AssessmentLine>,
}

/// What is needed to add a household.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewHouseholdInput {
    pub hamlet_id: String,
    pub head: String,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// What is needed to add a member.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewMemberInput {
    pub name: String,
    pub birth_year: Option<i32>,
    pub sex: Option<MemberSex>,
    pub relation: Option<String>,
    pub schooling: Option<MemberSchooling>,
    pub literate: Option<bool>,
    pub cdht: Option<bool>,
    pub unable_to_learn: bool,
}

/// A criteria set available on the device.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CriteriaSetInfo {
    pub id: String,
    pub model: LearningModel,
    pub title: String,
    pub version: i32,
    /// `official`, `partial` or `template`.
    pub status: String,
    /// Vietnamese warning when the set is incomplete or a template (it can never report "đạt").
    pub notice: Option<String>,
    pub max: f64,
}

/// An evidence photo, as a thumbnail strip shows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoView {
    pub sha256: String,
    /// The stored photo (JPEG, long edge 1600). With encrypted data the file holds ciphertext:
    /// show `HoctapApp.photo_bytes(sha256)` instead.
    pub path: String,
    /// The thumbnail (JPEG, long edge 320). With encrypted data: `thumbnail_bytes(sha256)`.
    pub thumb_path: String,
    pub width: i32,
    pub height: i32,
    pub taken_at: Option<String>,
    pub has_gps: bool,
    /// When the photo was attached to this indicator (RFC 3339 at the device's offset).
    pub attached_at: Option<String>,
    /// Reasons to look twice at the photo (evidence plausibility: taken outside the assessment
    /// year, long before it was attached, with a wrong clock, without a capture time, far from
    /// the hamlet). Shown next to the thumbnail; never a refusal. Empty when nothing is worth a
    /// look.
    pub flags: Vec<PhotoFlag>,
}

/// One plausibility flag of an evidence photo.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PhotoFlag {
    /// Stable code: `taken_outside_year`, `taken_long_before`, `taken_after_attach`,
    /// `no_capture_time`, `far_from_place`.
    pub code: String,
    /// Vietnamese, with the numbers ("Ảnh chụp năm 2008, không thuộc năm đánh giá 2026").
    pub message: String,
}

/// One indicator (chỉ số) of the assessment screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IndicatorView {
    pub id: String,
    pub text: String,
    pub guidance: Option<String>,
    pub max: Option<f64>,
    pub answer_kind: AnswerKind,
    /// The points given (points indicators, or an override).
    pub answered_points: Option<f64>,
    /// The Có / Không given (yes/no indicators).
    pub answered_yes: Option<bool>,
    pub note: Option<String>,
    pub override_reason: Option<String>,
    /// Points counted in the total (answered, derived or overridden); `None` while missing.
    pub points: Option<f64>,
    pub source: ValueSource,
    /// For derived values: the counts behind them ("2/2 trẻ trong độ tuổi đi học …").
    pub explanation: Option<String>,
    pub evidence_required: bool,
    pub min_photos: i32,
    pub photos: Vec<PhotoView>,
    /// The indicator exists officially but its text or points were not found: it cannot be
    /// answered.
    pub missing: bool,
    /// Reasons of the result that are about this indicator (Vietnamese).
    pub problems: Vec<String>,
}

/// One criterion (tiêu chí) grouping indicators, with its subtotal.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CriterionView {
    pub id: String,
    pub title: String,
    pub total: f64,
    pub max: Option<f64>,
    pub min_points: Option<f64>,
    pub met: bool,
    pub indicators: Vec<IndicatorView>,
}

/// Why the result is not "passed".
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReasonView {
    /// `missing_answer`, `missing_member_data`, `missing_evidence`, `set_incomplete`,
    /// `below_total`, `below_floor`, `criterion_below_min`, `knockout`.
    pub code: String,
    pub item: Option<String>,
    pub message: String,
}

/// The live result.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ResultView {
    pub status: ResultStatus,
    /// "Đạt", "Chưa đạt", "Chưa đủ thông tin", "Không thuộc diện đánh giá"; for a template set
    /// "Kết quả tham khảo (bộ mẫu): …" (never "Đạt").
    pub label: String,
    pub total: f64,
    pub max: f64,
    /// "72/100 điểm".
    pub total_label: String,
    pub pass_total: Option<f64>,
    pub level: Option<String>,
    pub level_title: Option<String>,
    pub reasons: Vec<ReasonView>,
    /// True when nothing blocks finalization (no missing answer, member fact or photo, and the
    /// person is eligible).
    pub can_finalize: bool,
    /// Scored with a template set: a practice result, for reference only (never a recognition).
    pub practice: bool,
}

/// The assessment screen's view model.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AssessmentView {
    pub id: String,
    pub subject: SubjectRef,
    /// Household head or member name.
    pub subject_name: Option<String>,
    pub model: LearningModel,
    pub model_title: String,
    pub year: i32,
    pub criteria_id: String,
    pub criteria_title: String,
    pub criteria_version: i32,
    /// Vietnamese warning when the set is incomplete or a template.
    pub criteria_notice: Option<String>,
    pub revision: i32,
    pub parent_id: Option<String>,
    pub state: AssessmentState,
    /// False once finalized: answers and photos can no longer change (make a correction).
    pub editable: bool,
    pub outbox_state: Option<OutboxState>,
    pub outbox_label: Option<String>,
    /// The reviewer's comment (returned) or why it is held back (wedged).
    pub outbox_detail: Option<String>,
    pub criteria: Vec<CriterionView>,
    pub result: ResultView,
}

/// The device's enrollment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnrollmentInfo {
    pub server: String,
    pub device_id: String,
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    /// Names of the hamlets this device may act in.
    pub hamlets: Vec<String>,
    pub enrolled_at: String,
}

/// One finalized assessment in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxItemView {
    pub id: String,
    pub subject: SubjectRef,
    pub subject_name: Option<String>,
    pub model: LearningModel,
    pub model_title: String,
    pub year: i32,
    pub revision: i32,
    pub state: OutboxState,
    pub state_label: String,
    /// The reviewer's comment, or why it is held back.
    pub detail: Option<String>,
    pub attempts: i64,
    pub photos: i64,
    pub finalized_at: String,
    pub sent_at: Option<String>,
    /// The correction that supersedes this assessment ("Đã sửa"); it no longer counts.
    pub corrected_by: Option<String>,
}

/// The outbox screen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxView {
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub needs_correction: i64,
    pub wedged: i64,
    /// Newest first.
    pub items: Vec<OutboxItemView>,
}

/// Sync state for a status bar.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub server: Option<String>,
    pub last_sync: Option<String>,
    /// Not yet acknowledged by the server.
    pub pending: i64,
    pub needs_correction: i64,
    pub wedged: i64,
    /// Server clock minus device clock at the last sync, milliseconds.
    pub clock_skew_ms: Option<i64>,
    /// A `sync` or an upload-job session is running.
    pub running: bool,
    /// Vietnamese one-liner ("3 phiếu chờ gửi", "Đã gửi hết").
    pub label: String,
}

/// Phase of a sync run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncPhase {
    Pull,
    Photos,
    Assessments,
    Heartbeat,
    /// Waiting before a retry (no connection).
    Waiting,
    Done,
}

impl From<Stage> for SyncPhase {
    fn from(s: Stage) -> Self {
        match s {
            Stage::Pull => SyncPhase::Pull,
            Stage::Photos => SyncPhase::Photos,
            Stage::Assessments => SyncPhase::Assessments,
            Stage::Heartbeat => SyncPhase::Heartbeat,
            Stage::Waiting => SyncPhase::Waiting,
            Stage::Done => SyncPhase::Done,
        }
    }
}

/// One progress event of a sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgressEvent {
    pub phase: SyncPhase,
    /// Vietnamese line for a status bar.
    pub message: String,
    pub photos_uploaded: i64,
    pub photo_bytes_sent: i64,
    pub sent: i64,
}

/// How a sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncOutcome {
    /// Everything that could be sent was sent.
    Done,
    /// No connection or the server kept failing: try again later (WorkManager retry).
    Offline,
    /// The server refused this device: enroll again.
    Auth,
    /// Stopped by the cancel token.
    Cancelled,
    /// A protocol or storage problem: report it.
    Failed,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncResult {
    pub outcome: SyncOutcome,
    /// Vietnamese message when the outcome is not `Done`.
    pub message: Option<String>,
    pub sent: i64,
    pub photos_uploaded: i64,
    pub photo_bytes_sent: i64,
    /// Assessments returned for correction by a reviewer in this run.
    pub returned: i64,
    pub households_received: i64,
    pub wedged: i64,
}

/// An HTTP header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

/// One HTTP request of the sans-IO upload API, for a platform HTTP stack (iOS background
/// `URLSession`, OkHttp …).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UploadJob {
    pub job_id: String,
    /// `pull`, `blob_probe`, `blob_chunk`, `batch` or `heartbeat`.
    pub kind: String,
    /// `GET`, `HEAD`, `PUT` or `POST`.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    pub headers: Vec<HttpHeader>,
    /// The request body, written to a file (for `uploadTask(with:fromFile:)`); `None` when the
    /// request has no body. Deleted when the job is completed or failed.
    pub body_path: Option<String>,
    pub body_len: i64,
}

/// Progress of an upload-job session after a completed job.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UploadProgress {
    pub sent: i64,
    pub photos_uploaded: i64,
    pub photo_bytes_sent: i64,
    pub returned: i64,
}

/// A target percentage for a model (per deployment; Decision 387/QĐ-TTg for 2025 by default).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ModelTarget {
    pub model: LearningModel,
    /// Percentage of subjects that should pass; `None`: no target.
    pub percent: Option<f64>,
}

/// One model's line of the summary.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SummaryRow {
    pub model: LearningModel,
    pub title: String,
    pub registered: i64,
    pub assessed: i64,
    pub passed: i64,
    /// The denominator: every household / clan / hamlet / unit / adult on the device.
    pub all: i64,
    /// `passed / all × 100`, one decimal; `None` when `all` is 0.
    pub percentage: Option<f64>,
    pub target_percent: Option<f64>,
    /// `percentage ≥ target`; `None` without a target or a denominator.
    pub meets_target: Option<bool>,
    /// "12/20 hộ đạt (60%) — chỉ tiêu 70%".
    pub label: String,
}

/// The summary screen for a year.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SummaryView {
    pub year: i32,
    pub rows: Vec<SummaryRow>,
}

/// Settings of an opened app.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AppOptions {
    /// Free space that must remain after storing a photo, in bytes (default 200 MiB).
    pub photo_disk_reserve: i64,
    /// Bytes per photo chunk when uploading (default 256 KiB).
    pub sync_chunk_size: i64,
    /// Consecutive failures of one request before a sync ends as `Offline` (default 6).
    pub sync_max_retries: i32,
    /// First retry delay in milliseconds, doubled each time (default 500).
    pub sync_retry_base_ms: i64,
    /// Name sent to the server at enrollment ("Điện thoại chị Lan").
    pub device_name: Option<String>,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            photo_disk_reserve: 200 * 1024 * 1024,
            sync_chunk_size: 256 * 1024,
            sync_max_retries: 6,
            sync_retry_base_ms: 500,
            device_name: None,
        }
    }
}

/// The default options (a function because records have no methods across the FFI).
#[uniffi::export]
pub fn default_app_options() -> AppOptions {
    AppOptions::default()
}

/// Changes to a household: only the fields given change (an empty string clears a text).
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct HouseholdChangeInput {
    pub head: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub roster_code: Option<String>,
}

/// Changes to a member: only the fields given change.
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct MemberChangeInput {
    pub name: Option<String>,
    pub birth_year: Option<i32>,
    pub sex: Option<MemberSex>,
    pub relation: Option<String>,
    pub schooling: Option<MemberSchooling>,
    pub literate: Option<bool>,
    pub cdht: Option<bool>,
    pub unable_to_learn: Option<bool>,
}

/// A clan (dòng họ): households linked across hamlets.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClanView {
    pub id: String,
    pub name: String,
    pub household_ids: Vec<String>,
    /// Names of the hamlets its households are in.
    pub hamlets: Vec<String>,
}

/// What kind of unit (đơn vị) an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OrgUnitKind {
    /// Trường học.
    School,
    /// Cơ quan.
    Office,
    /// Doanh nghiệp.
    Enterprise,
    /// Đơn vị khác.
    Other,
}

/// A unit (đơn vị học tập candidate): a school, office or enterprise.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    pub kind: OrgUnitKind,
    pub kind_label: String,
    /// `None` for a commune-level unit.
    pub hamlet_id: Option<String>,
    pub hamlet: Option<String>,
    pub commune_code: Option<String>,
}

/// What is needed to add a unit.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnitInput {
    pub name: String,
    pub kind: OrgUnitKind,
    /// The hamlet it belongs to; absent for a unit of the whole commune.
    pub hamlet_id: Option<String>,
    pub commune_code: Option<String>,
}

/// One reviewer comment of an assessment's thread.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CommentView {
    pub id: String,
    pub assessment_id: String,
    pub author: Option<String>,
    pub body: String,
    pub at: String,
}
