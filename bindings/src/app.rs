//! `HoctapApp`: the object a phone shell opens once and calls from any thread. It owns the
//! device store behind a mutex (the core `Store` is `Send` but not `Sync`), so calls are
//! serialised and each one is short; a sync runs on its own database connection so that the
//! screens keep working while photos upload over a slow link.
//!
//! Every method blocks (disk, photo processing or network) and must be called off the UI thread.

use crate::error::{HoctapError, Result};
use crate::sync::{CancelToken, ForeignProgress, SyncProgress, UploadSession};
use crate::types::*;
use crate::view;
use hoctap_device::{DataKey, Device};
use hoctap_domain::assessment::AnswerChange;
use hoctap_domain::model::{Model, Points, Subject, SubjectKind as CoreKind};
use hoctap_domain::state::SubjectStatus;
use hoctap_domain::targets::percent_text;
use hoctap_domain::time::Clock;
use hoctap_domain::url::server_base;
use hoctap_evidence::{IngestOptions, PhotoSource};
use hoctap_store::households::{HouseholdQuery, NewHousehold, NewMember};
use hoctap_store::outbox::Enrollment;
use hoctap_store::{StoreError, SystemClock};
use hoctap_sync::enroll as core_enroll;
use hoctap_sync::{
    HttpResponse, JobKind, Outcome, ReqwestTransport, RetryPolicy, StoreOutbox, SyncError,
    SyncOptions,
};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Folder (inside the data directory) of request bodies handed out by `next_upload_job`.
const UPLOAD_DIR: &str = "upload-jobs";

/// Decision 387/QĐ-TTg targets for 2025 (the domain's defaults; per deployment: see
/// [`HoctapApp::set_target`]).
pub fn default_target(model: Model) -> Option<f64> {
    hoctap_domain::targets::default_target(model)
}

/// Clears the "sync running" flag when a sync ends, however it ends.
struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The app: one per data directory, shared by every screen and worker.
#[derive(uniffi::Object)]
pub struct HoctapApp {
    data_dir: PathBuf,
    /// The data key when the data is encrypted at rest (zeroed when the app is dropped).
    key: Option<DataKey>,
    options: AppOptions,
    device: Mutex<Device>,
    upload: Mutex<Option<UploadSession>>,
    syncing: AtomicBool,
}

impl HoctapApp {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Device> {
        // A panic while holding the lock cannot leave a half-done change: every change is one
        // SQLite transaction, rolled back when dropped. So a poisoned lock is safe to reuse.
        self.device.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_upload(&self) -> MutexGuard<'_, Option<UploadSession>> {
        self.upload.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A second connection to the same database, for long work (network, photo processing) that
    /// must not hold up the screens' calls. SQLite in WAL mode serialises the writes.
    fn side_device(&self) -> Result<Device> {
        open_device(&self.data_dir, self.key.as_ref())
    }

    fn open_inner(
        data_dir: String,
        key: Option<DataKey>,
        options: AppOptions,
    ) -> Result<Arc<Self>> {
        if data_dir.trim().is_empty() {
            return Err(HoctapError::invalid("Thư mục dữ liệu không được để trống"));
        }
        let data_dir = PathBuf::from(data_dir);
        let device = open_device(&data_dir, key.as_ref())?;
        // Request bodies of an upload session (batch JSON with names, decrypted photo chunks)
        // are clear text and belong to a session that ended with the last process: gone now.
        clear_upload_dir(&data_dir.join(UPLOAD_DIR));
        Ok(Arc::new(HoctapApp {
            data_dir,
            key,
            options,
            device: Mutex::new(device),
            upload: Mutex::new(None),
            syncing: AtomicBool::new(false),
        }))
    }

    fn ingest_options(&self) -> IngestOptions {
        IngestOptions {
            disk_reserve: u64::try_from(self.options.photo_disk_reserve).unwrap_or(0),
            ..IngestOptions::default()
        }
    }

    fn sync_options(&self) -> SyncOptions {
        SyncOptions {
            chunk_size: u64::try_from(self.options.sync_chunk_size)
                .ok()
                .filter(|n| *n > 0)
                .unwrap_or(256 * 1024),
            ..SyncOptions::default()
        }
    }

    fn retry_policy(&self) -> RetryPolicy {
        let base = u64::try_from(self.options.sync_retry_base_ms).unwrap_or(500);
        RetryPolicy {
            base: Duration::from_millis(base),
            max_retries: u32::try_from(self.options.sync_max_retries).unwrap_or(6),
            ..RetryPolicy::default()
        }
    }

    fn enroll_with(&self, server: &str, code: &str) -> Result<EnrollmentInfo> {
        let server = server_base(server).map_err(SyncError::from)?;
        let transport = ReqwestTransport::new(&server).map_err(|e| HoctapError::Network {
            message: format!("Không kết nối được máy chủ: {e}"),
        })?;
        let side = self.side_device()?;
        let e = side.enroll(&transport, &server, code, self.options.device_name.clone())?;
        Ok(enrollment_info(&e))
    }

    fn upload_job_record(session: &UploadSession) -> Option<UploadJob> {
        let (id, job, path) = session.pending.as_ref()?;
        let kind = match &job.kind {
            JobKind::Pull { .. } => "pull",
            JobKind::BlobProbe { .. } => "blob_probe",
            JobKind::BlobChunk { .. } => "blob_chunk",
            JobKind::Batch { .. } => "batch",
            JobKind::Heartbeat => "heartbeat",
        };
        Some(UploadJob {
            job_id: id.clone(),
            kind: kind.to_string(),
            method: job.request.method.as_str().to_string(),
            url: format!("{}{}", session.server, job.request.path),
            headers: job
                .request
                .headers
                .iter()
                .map(|(k, v)| HttpHeader {
                    name: k.clone(),
                    value: v.clone(),
                })
                .collect(),
            body_path: path.as_ref().map(|p| p.display().to_string()),
            body_len: count(job.request.body.len() as u64),
        })
    }

    fn take_pending(
        session: &mut UploadSession,
        job_id: &str,
    ) -> Result<(hoctap_sync::Job, Option<PathBuf>)> {
        match session.pending.take() {
            Some((id, job, path)) if id == job_id => Ok((job, path)),
            other => {
                session.pending = other;
                Err(HoctapError::not_found(format!(
                    "Không tìm thấy yêu cầu gửi \"{job_id}\"; hãy lấy yêu cầu tiếp theo"
                )))
            }
        }
    }
}

/// The device of `dir`: encrypted with `key`, or clear without one.
fn open_device(dir: &Path, key: Option<&DataKey>) -> Result<Device> {
    Ok(match key {
        Some(k) => Device::open_with_key(dir, k)?,
        None => Device::open(dir)?,
    })
}

fn enrollment_info(e: &Enrollment) -> EnrollmentInfo {
    EnrollmentInfo {
        server: e.server.clone(),
        device_id: e.device_id.clone(),
        province_code: e.scope.province_code.clone(),
        commune_code: e.scope.commune_code.clone(),
        hamlets: e.scope.hamlets.iter().map(|h| h.name.clone()).collect(),
        enrolled_at: e.enrolled_at.clone(),
    }
}

fn remove_body(path: Option<PathBuf>) {
    if let Some(p) = path {
        // A body file left behind is removed when the next session starts.
        let _ = std::fs::remove_file(p);
    }
}

fn clear_upload_dir(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn subject(s: &SubjectRef) -> Subject {
    Subject {
        kind: s.kind.into(),
        id: s.id.clone(),
    }
}

fn points(v: f64) -> Result<Points> {
    Points::from_f64(v).ok_or_else(|| {
        HoctapError::invalid(format!(
            "Điểm {v} không hợp lệ (phải ≥ 0, tối đa 2 chữ số thập phân)"
        ))
    })
}

#[uniffi::export]
impl HoctapApp {
    /// Open (creating if needed) the app's data in `data_dir` (the database `hoctap.db` and the
    /// `evidence/` photo folder), with the default options.
    #[uniffi::constructor]
    pub fn open(data_dir: String) -> Result<Arc<Self>> {
        Self::open_with_options(data_dir, AppOptions::default())
    }

    /// Open with explicit options (see `default_app_options()`). Clear data only: encrypted
    /// data is refused with `HoctapError::Key` (use `open_encrypted`).
    #[uniffi::constructor]
    pub fn open_with_options(data_dir: String, options: AppOptions) -> Result<Arc<Self>> {
        Self::open_inner(data_dir, None, options)
    }

    /// Open the app's data encrypted at rest with `key`: exactly 32 random bytes that the shell
    /// creates once and keeps in the platform's key store (Android: wrapped by an Android
    /// Keystore AES key; iOS: a Keychain item, this device only) — getting the key is the
    /// shell's effect, the core never sees the key store. The database is encrypted with
    /// SQLCipher and every photo file with XChaCha20-Poly1305, under keys derived from this one.
    /// Clear data from an earlier version is encrypted on this first keyed open, without loss.
    /// A key that does not open the data is `HoctapError::Key`, and nothing is changed.
    #[uniffi::constructor]
    pub fn open_encrypted(
        data_dir: String,
        key: Vec<u8>,
        options: AppOptions,
    ) -> Result<Arc<Self>> {
        let key = zeroize::Zeroizing::new(key);
        let key = DataKey::from_bytes(&key).map_err(hoctap_device::DeviceError::from)?;
        Self::open_inner(data_dir, Some(key), options)
    }

    /// Whether the data is encrypted at rest (opened with `open_encrypted`).
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// The stored photo `sha256` as JPEG bytes, decrypted: how a shell shows a photo of
    /// encrypted data (its `path` holds ciphertext). `HoctapError::Photo` when the file is
    /// damaged.
    pub fn photo_bytes(&self, sha256: String) -> Result<Vec<u8>> {
        Ok(self.lock().photo_bytes(&sha256)?)
    }

    /// The thumbnail of the stored photo `sha256` as JPEG bytes, decrypted (see `photo_bytes`).
    pub fn thumbnail_bytes(&self, sha256: String) -> Result<Vec<u8>> {
        Ok(self.lock().thumbnail_bytes(&sha256)?)
    }

    /// The data directory this app was opened on.
    pub fn data_dir(&self) -> String {
        self.data_dir.display().to_string()
    }

    // ---- enrollment -------------------------------------------------------------------------

    /// Enroll with the payload of a scanned QR code (the JSON `{"server", "code", "hamlet"}` from
    /// `hoctap-server admin enroll-code`). Network call.
    pub fn enroll_qr(&self, payload: String) -> Result<EnrollmentInfo> {
        let p = core_enroll::parse_payload(&payload)?;
        self.enroll_with(&p.server, &p.code)
    }

    /// Enroll with a server address and a typed code. Network call.
    pub fn enroll(&self, server_url: String, code: String) -> Result<EnrollmentInfo> {
        if code.trim().is_empty() {
            return Err(HoctapError::invalid("Hãy nhập mã đăng ký"));
        }
        self.enroll_with(&server_url, &code)
    }

    /// The enrollment, or `None` before enrolling.
    pub fn enrollment(&self) -> Result<Option<EnrollmentInfo>> {
        let dev = self.lock();
        Ok(dev.store().enrollment()?.as_ref().map(enrollment_info))
    }

    // ---- hamlets and households -------------------------------------------------------------

    /// Hamlets on the device, in Vietnamese order, with their number of households.
    pub fn hamlets(&self) -> Result<Vec<HamletView>> {
        let dev = self.lock();
        let store = dev.store();
        let mut out = Vec::new();
        for h in store.hamlets()? {
            let n = store.count_households(Some(&h.id))?;
            out.push(HamletView {
                kind_label: h.kind.label().to_string(),
                households: count(n),
                id: h.id,
                name: h.name,
                kind: h.kind.code().to_string(),
            });
        }
        Ok(out)
    }

    /// Households (of one hamlet, or all), matching `search` ignoring case and diacritics (over
    /// the head's name, the household code and the members' names), in Vietnamese order of the
    /// head's given name; each with its Gia đình học tập status for `year`.
    pub fn households(
        &self,
        hamlet_id: Option<String>,
        search: Option<String>,
        year: i32,
    ) -> Result<Vec<HouseholdRow>> {
        self.search_households(hamlet_id, search, false, year)
    }

    /// As [`HoctapApp::households`], and with `include_address` the address and phone are
    /// searched too (only when the cadre asks: "đỗ" would otherwise match every "Đông").
    pub fn search_households(
        &self,
        hamlet_id: Option<String>,
        search: Option<String>,
        include_address: bool,
        year: i32,
    ) -> Result<Vec<HouseholdRow>> {
        let dev = self.lock();
        let store = dev.store();
        let rows = store.list_households(&HouseholdQuery {
            hamlet_id,
            search,
            search_address: include_address,
            ..HouseholdQuery::default()
        })?;
        let statuses = store.statuses(Model::GiaDinh, year)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let st = statuses.get(&r.id).cloned().unwrap_or_default();
                view::household_row(r, st)
            })
            .collect())
    }

    /// A household with its members (ages in `year`), its status for `year` and every
    /// assessment of the household and of its members.
    pub fn household(&self, id: String, year: i32) -> Result<HouseholdDetail> {
        let dev = self.lock();
        let store = dev.store();
        let d = store.household_detail(&id)?;
        let st = store
            .statuses(Model::GiaDinh, year)?
            .remove(&id)
            .unwrap_or_default();
        let status: SubjectStatus = st.status();
        let mut infos = store.assessments_of(&Subject::new(CoreKind::Household, id.clone()))?;
        for m in &d.members {
            infos.extend(store.assessments_of(&Subject::new(CoreKind::Member, m.id.clone()))?);
        }
        infos.sort_by(|a, b| {
            b.year
                .cmp(&a.year)
                .then(b.revision.cmp(&a.revision))
                .then(b.id.cmp(&a.id))
        });
        let assessments = infos
            .iter()
            .map(|i| view::assessment_line(store, i))
            .collect::<Result<Vec<_>>>()?;
        Ok(HouseholdDetail {
            id: d.household.id,
            head: d.household.head,
            address: d.household.address,
            phone: d.household.phone,
            hamlet_id: d.household.hamlet_id,
            hamlet: d.household.hamlet,
            roster_code: d.household.roster_code.clone(),
            status: status.into(),
            status_label: status.label().to_string(),
            members: d
                .members
                .iter()
                .map(|m| view::member_view(m, year))
                .collect(),
            assessments,
        })
    }

    /// Add a household to a hamlet (a family the roster missed).
    pub fn add_household(&self, input: NewHouseholdInput) -> Result<HouseholdRow> {
        let dev = self.lock();
        let r = dev.store().add_household(&NewHousehold {
            hamlet_id: input.hamlet_id,
            head: input.head,
            address: input.address,
            phone: input.phone,
            ..NewHousehold::default()
        })?;
        // Just added: no registration or assessment yet (not registered).
        Ok(view::household_row(r, Default::default()))
    }

    /// Add a member to a household (ages in the member view are for the current year).
    pub fn add_member(&self, household_id: String, input: NewMemberInput) -> Result<MemberView> {
        let dev = self.lock();
        let m = dev.store().add_member(
            &household_id,
            &NewMember {
                name: input.name,
                birth_year: input.birth_year,
                sex: input.sex.map(Into::into),
                relation: input.relation,
                schooling: input.schooling.map(Into::into),
                literate: input.literate,
                cdht: input.cdht,
                cdht_group: None,
                unable_to_learn: input.unable_to_learn,
            },
        )?;
        Ok(view::member_view(&m, SystemClock.current_year()))
    }

    /// Register a subject for a model and year (đăng ký). Idempotent.
    pub fn register(&self, subject: SubjectRef, model: LearningModel, year: i32) -> Result<()> {
        let dev = self.lock();
        dev.store()
            .register(&self::subject(&subject), model.into(), year)?;
        Ok(())
    }

    // ---- criteria and assessments -----------------------------------------------------------

    /// Criteria sets available on the device (built in, pulled or installed), optionally for
    /// one model; the newest version of each.
    pub fn criteria_sets(&self, model: Option<LearningModel>) -> Result<Vec<CriteriaSetInfo>> {
        let dev = self.lock();
        Ok(view::sets(dev.store())?
            .iter()
            .filter(|set| model.is_none_or(|m| Model::from(m) == set.model))
            .map(|set| view::set_info(set))
            .collect())
    }

    /// Start (or resume) the assessment of `subject` against a criteria set for `year`:
    /// registers the subject and returns the screen's view model.
    pub fn start_assessment(
        &self,
        subject: SubjectRef,
        criteria_id: String,
        year: i32,
    ) -> Result<AssessmentView> {
        let dev = self.lock();
        let set = dev.store().criteria_set(&criteria_id)?;
        let info = dev
            .store()
            .start_assessment(&self::subject(&subject), &set, year)?;
        view::assessment_view(&dev, &info.id)
    }

    /// The view model of an assessment (draft or finalized).
    pub fn assessment(&self, assessment_id: String) -> Result<AssessmentView> {
        let dev = self.lock();
        view::assessment_view(&dev, &assessment_id)
    }

    /// Save one answer (autosaved at once) and return the refreshed view model with the live
    /// total and result. The indicator's note is kept.
    pub fn set_answer(
        &self,
        assessment_id: String,
        indicator_id: String,
        answer: AnswerInput,
    ) -> Result<AssessmentView> {
        let change = match answer {
            AnswerInput::Points { points: p } => AnswerChange::Points(points(p)?),
            AnswerInput::YesNo { yes } => AnswerChange::YesNo(yes),
            AnswerInput::Override { points: p, reason } => AnswerChange::Override {
                points: points(p)?,
                reason,
            },
            AnswerInput::Clear => AnswerChange::Clear,
        };
        let dev = self.lock();
        dev.store()
            .change_answer(&assessment_id, &indicator_id, change)?;
        view::assessment_view(&dev, &assessment_id)
    }

    /// Set or clear (`None`) the note of an indicator; returns the refreshed view model.
    pub fn set_note(
        &self,
        assessment_id: String,
        indicator_id: String,
        note: Option<String>,
    ) -> Result<AssessmentView> {
        let dev = self.lock();
        dev.store()
            .change_answer(&assessment_id, &indicator_id, AnswerChange::Note(note))?;
        view::assessment_view(&dev, &assessment_id)
    }

    /// Process a photo file (a camera capture) and attach it to an indicator of a draft; returns
    /// the refreshed view model. Takes about a second for a 12 MP photo on a cheap phone; other
    /// calls are not held up meanwhile (the photo is processed on its own connection).
    pub fn attach_photo(
        &self,
        assessment_id: String,
        indicator_id: String,
        path: String,
    ) -> Result<AssessmentView> {
        self.side_device()?.attach_photo(
            &assessment_id,
            &indicator_id,
            PhotoSource::Path(Path::new(&path)),
            &self.ingest_options(),
        )?;
        view::assessment_view(&self.lock(), &assessment_id)
    }

    /// Like `attach_photo`, from bytes in memory (a picked image).
    pub fn attach_photo_bytes(
        &self,
        assessment_id: String,
        indicator_id: String,
        bytes: Vec<u8>,
    ) -> Result<AssessmentView> {
        self.side_device()?.attach_photo(
            &assessment_id,
            &indicator_id,
            PhotoSource::Bytes(&bytes),
            &self.ingest_options(),
        )?;
        view::assessment_view(&self.lock(), &assessment_id)
    }

    /// Detach a photo (by its `sha256`) from an indicator of a draft; returns the refreshed view
    /// model. Unknown photos are ignored.
    pub fn remove_photo(
        &self,
        assessment_id: String,
        indicator_id: String,
        sha256: String,
    ) -> Result<AssessmentView> {
        let dev = self.lock();
        dev.store()
            .remove_photo(&assessment_id, &indicator_id, &sha256)?;
        view::assessment_view(&dev, &assessment_id)
    }

    /// Finalize (chốt) a draft: refused with `InvalidInput` while an answer, member fact or
    /// required photo is missing. Queued for the next sync. Idempotent.
    pub fn finalize(&self, assessment_id: String) -> Result<AssessmentView> {
        let dev = self.lock();
        dev.store().finalize(&assessment_id)?;
        view::assessment_view(&dev, &assessment_id)
    }

    /// Start a correction of a finalized assessment (after a reviewer returned it, or a mistake
    /// was found): a new draft revision with the answers and photos copied.
    pub fn correct(&self, assessment_id: String) -> Result<AssessmentView> {
        let dev = self.lock();
        let info = dev.store().correct(&assessment_id)?;
        view::assessment_view(&dev, &info.id)
    }

    /// Delete a draft (finalized assessments are never deleted).
    pub fn discard_draft(&self, assessment_id: String) -> Result<()> {
        let dev = self.lock();
        dev.store().discard_draft(&assessment_id)?;
        Ok(())
    }

    // ---- outbox and sync --------------------------------------------------------------------

    /// Every finalized assessment with its outbox state, newest first, and counts.
    pub fn outbox(&self) -> Result<OutboxView> {
        let dev = self.lock();
        let store = dev.store();
        let c = store.outbox_counts()?;
        let items = store
            .outbox()?
            .into_iter()
            .map(|o| {
                let model = o.model;
                OutboxItemView {
                    subject: SubjectRef {
                        kind: o.subject_kind.into(),
                        id: o.subject_id,
                    },
                    subject_name: o.subject_name,
                    model: model.into(),
                    model_title: model.title_vi().to_string(),
                    year: o.year,
                    revision: i32::try_from(o.revision).unwrap_or(i32::MAX),
                    state: o.state.into(),
                    state_label: if o.corrected_by.is_some() {
                        hoctap_domain::labels::SUPERSEDED.to_string()
                    } else {
                        o.state.label().to_string()
                    },
                    corrected_by: o.corrected_by,
                    detail: o.detail,
                    attempts: i64::from(o.attempts),
                    photos: i64::from(o.photos),
                    finalized_at: o.finalized_at,
                    sent_at: o.sent_at,
                    id: o.id,
                }
            })
            .collect();
        Ok(OutboxView {
            queued: count(c.queued),
            sending: count(c.sending),
            sent: count(c.sent),
            needs_correction: count(c.needs_correction),
            wedged: count(c.wedged),
            items,
        })
    }

    /// Sync state for a status bar.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        let dev = self.lock();
        let store = dev.store();
        let e = store.enrollment()?;
        let c = store.outbox_counts()?;
        let running = self.syncing.load(Ordering::SeqCst) || self.lock_upload().is_some();
        let pending = count(c.pending());
        let label = if e.is_none() {
            "Chưa đăng ký với máy chủ".to_string()
        } else if running {
            "Đang đồng bộ…".to_string()
        } else if c.needs_correction > 0 {
            format!("{} phiếu cần sửa", c.needs_correction)
        } else if pending > 0 {
            format!("{pending} phiếu chờ gửi")
        } else {
            "Đã gửi hết".to_string()
        };
        Ok(SyncStatus {
            enrolled: e.is_some(),
            server: e.map(|e| e.server),
            last_sync: store.last_sync()?,
            pending,
            needs_correction: count(c.needs_correction),
            wedged: count(c.wedged),
            clock_skew_ms: store.clock_skew_ms()?,
            running,
            label,
        })
    }

    /// Put a held-back (wedged) assessment back in the queue. Returns whether it was wedged.
    pub fn retry_wedged(&self, assessment_id: String) -> Result<bool> {
        let dev = self.lock();
        Ok(dev.store().retry_wedged(&assessment_id)?)
    }

    /// Run one sync to its end: pull the roster, criteria and returned assessments, upload
    /// photos (resumable chunks), then finalized assessments, then a heartbeat. Retries with
    /// backoff while offline. Progress goes to `progress`; `cancel` stops it. Runs on its own
    /// database connection: other calls keep working meanwhile. Only one sync (or upload-job
    /// session) at a time: a second one fails with `Conflict`.
    pub fn sync(
        &self,
        progress: Arc<dyn SyncProgress>,
        cancel: Arc<CancelToken>,
    ) -> Result<SyncResult> {
        {
            // Decided under the upload lock, as `next_upload_job` does: never both at once.
            let up = self.lock_upload();
            if up.is_some() {
                return Err(HoctapError::Conflict {
                    message: "Đang gửi theo từng yêu cầu (nền); hãy chờ xong rồi đồng bộ".into(),
                });
            }
            if self.syncing.swap(true, Ordering::SeqCst) {
                return Err(HoctapError::Conflict {
                    message: "Đang đồng bộ; hãy chờ lần đồng bộ này xong".into(),
                });
            }
        }
        let _running = Running(&self.syncing);
        let side = self.side_device()?;
        let enrollment = side.store().enrollment()?.ok_or(HoctapError::NotEnrolled)?;
        let transport =
            ReqwestTransport::new(&enrollment.server).map_err(|e| HoctapError::Network {
                message: format!("Không kết nối được máy chủ: {e}"),
            })?;
        let r = side.sync(
            &transport,
            self.sync_options(),
            &self.retry_policy(),
            &ForeignProgress(progress),
            cancel.handle(),
        );
        Ok(SyncResult {
            outcome: match r.outcome {
                Outcome::Done => SyncOutcome::Done,
                Outcome::Offline => SyncOutcome::Offline,
                Outcome::Auth => SyncOutcome::Auth,
                Outcome::Cancelled => SyncOutcome::Cancelled,
                Outcome::Failed => SyncOutcome::Failed,
            },
            message: r.message.clone(),
            sent: count(r.report.sent),
            photos_uploaded: count(r.report.photos_uploaded),
            photo_bytes_sent: count(r.report.photo_bytes_sent),
            returned: count(r.report.returned),
            households_received: count(r.report.pulled.households),
            wedged: count(r.report.wedged),
        })
    }

    /// Sans-IO sync, one HTTP request at a time, for a platform HTTP stack (iOS background
    /// `URLSession`): the next request to make, with its body written to a file, or `None` when
    /// the run is complete (the session then ends). Asking again before completing returns the
    /// same job. Send it, then call `complete_upload_job` with the response, or
    /// `fail_upload_job` when no response came.
    pub fn next_upload_job(&self) -> Result<Option<UploadJob>> {
        let dev = self.lock();
        let mut up = self.lock_upload();
        if self.syncing.load(Ordering::SeqCst) {
            return Err(HoctapError::Conflict {
                message: "Đang đồng bộ; hãy chờ lần đồng bộ này xong".into(),
            });
        }
        let dir = self.data_dir.join(UPLOAD_DIR);
        if up.is_none() {
            let enrollment = dev.store().enrollment()?.ok_or(HoctapError::NotEnrolled)?;
            let machine = dev.sync_machine(self.sync_options())?;
            clear_upload_dir(&dir);
            *up = Some(UploadSession {
                machine,
                server: enrollment.server,
                pending: None,
            });
        }
        let Some(session) = up.as_mut() else {
            return Err(HoctapError::internal("upload session missing"));
        };
        if session.pending.is_some() {
            return Ok(Self::upload_job_record(session));
        }
        match session.machine.next_job(&mut StoreOutbox(dev.store())) {
            Ok(Some(job)) => {
                let id = dev.store().clock().new_id();
                let path = if job.request.body.is_empty() {
                    None
                } else {
                    std::fs::create_dir_all(&dir).map_err(|e| {
                        HoctapError::from(StoreError::Io {
                            path: dir.display().to_string(),
                            source: e,
                        })
                    })?;
                    let p = dir.join(format!("{id}.body"));
                    std::fs::write(&p, &job.request.body).map_err(|e| {
                        HoctapError::from(StoreError::Io {
                            path: p.display().to_string(),
                            source: e,
                        })
                    })?;
                    Some(p)
                };
                session.pending = Some((id, job, path));
                Ok(Self::upload_job_record(session))
            }
            Ok(None) => {
                *up = None;
                Ok(None)
            }
            Err(e) => {
                *up = None;
                Err(e.into())
            }
        }
    }

    /// The response to a job from `next_upload_job`: `status`, headers and body as received.
    /// A refusal of one record never fails here (that record is held back). `Network` (5xx,
    /// 429): wait and ask `next_upload_job` again, which repeats the request. `Auth`: enroll
    /// again (the session ends). Unknown `job_id` (e.g. the app was restarted): `NotFound`.
    pub fn complete_upload_job(
        &self,
        job_id: String,
        status: i32,
        headers: Vec<HttpHeader>,
        body: Vec<u8>,
    ) -> Result<UploadProgress> {
        let status = u16::try_from(status)
            .ok()
            .filter(|s| (100..=599).contains(s))
            .ok_or_else(|| HoctapError::invalid(format!("Mã HTTP không hợp lệ: {status}")))?;
        let dev = self.lock();
        let mut up = self.lock_upload();
        let Some(session) = up.as_mut() else {
            return Err(HoctapError::not_found(
                "Không có phiên gửi nào đang chạy; hãy lấy yêu cầu tiếp theo",
            ));
        };
        let (job, path) = Self::take_pending(session, &job_id)?;
        remove_body(path);
        let resp = HttpResponse {
            status,
            headers: headers
                .into_iter()
                .map(|h| (h.name.to_ascii_lowercase(), h.value))
                .collect(),
            body,
        };
        match session
            .machine
            .complete(&mut StoreOutbox(dev.store()), &job, resp)
        {
            Ok(()) => {
                let r = session.machine.report();
                Ok(UploadProgress {
                    sent: count(r.sent),
                    photos_uploaded: count(r.photos_uploaded),
                    photo_bytes_sent: count(r.photo_bytes_sent),
                    returned: count(r.returned),
                })
            }
            Err(e) if e.is_retryable() => Err(e.into()),
            Err(e) => {
                *up = None;
                Err(e.into())
            }
        }
    }

    /// A job from `next_upload_job` got no response (connection cut, timeout): the next job
    /// retries it (a cut photo chunk resumes where the server says).
    pub fn fail_upload_job(&self, job_id: String) -> Result<()> {
        let mut up = self.lock_upload();
        let Some(session) = up.as_mut() else {
            return Err(HoctapError::not_found(
                "Không có phiên gửi nào đang chạy; hãy lấy yêu cầu tiếp theo",
            ));
        };
        let (job, path) = Self::take_pending(session, &job_id)?;
        remove_body(path);
        session.machine.failed(&job);
        Ok(())
    }

    /// End the upload-job session early (the OS is ending background time). Nothing is lost:
    /// the next session starts from what the store records.
    pub fn end_upload_session(&self) {
        let mut up = self.lock_upload();
        if let Some(session) = up.take() {
            if let Some((_, _, path)) = session.pending {
                remove_body(path);
            }
        }
    }

    // ---- summary ----------------------------------------------------------------------------

    /// Figures for `year` per model (over the hamlets on this device) against the targets.
    pub fn summary(&self, year: i32) -> Result<SummaryView> {
        let dev = self.lock();
        let store = dev.store();
        let targets = store.targets()?;
        let rows = store
            .summary(year)?
            .into_iter()
            .map(|s| {
                let target = targets.get(s.model);
                let meets_target = targets.met(s.model, s.percentage);
                let mut label = format!("{}/{} đạt", s.passed, s.all);
                if let Some(p) = s.percentage {
                    label.push_str(&format!(" ({}%)", percent_text(p)));
                }
                if let Some(t) = target {
                    label.push_str(&format!(" — chỉ tiêu {}%", percent_text(t)));
                }
                SummaryRow {
                    model: s.model.into(),
                    title: s.title,
                    registered: count(s.registered),
                    assessed: count(s.assessed),
                    passed: count(s.passed),
                    all: count(s.all),
                    percentage: s.percentage,
                    target_percent: target,
                    meets_target,
                    label,
                }
            })
            .collect();
        Ok(SummaryView { year, rows })
    }

    /// The targets in force (defaults: Decision 387/QĐ-TTg for 2025; configurable).
    pub fn targets(&self) -> Result<Vec<ModelTarget>> {
        let dev = self.lock();
        let targets = dev.store().targets()?;
        Ok(targets
            .iter()
            .map(|(m, percent)| ModelTarget {
                model: m.into(),
                percent,
            })
            .collect())
    }

    /// Set a model's target percentage (`None`: no target) for this deployment.
    pub fn set_target(&self, model: LearningModel, percent: Option<f64>) -> Result<()> {
        let dev = self.lock();
        dev.store()
            .set_target(model.into(), percent)?
            .map_err(|e| HoctapError::invalid(e.message_vi()))
    }
}

/// The device's current year (for the year pickers).
#[uniffi::export]
pub fn current_year() -> i32 {
    SystemClock.current_year()
}

/// Whether the data directory holds no data yet, clear data, or encrypted data (reads the
/// database file's header; opens nothing). A shell upgrading from a clear version opens with
/// `HoctapApp.open_encrypted` either way: clear data is encrypted on that open.
#[uniffi::export]
pub fn data_state(data_dir: String) -> Result<DataState> {
    Ok(match Device::data_state(Path::new(&data_dir))? {
        hoctap_device::DataState::New => DataState::New,
        hoctap_device::DataState::Clear => DataState::Clear,
        hoctap_device::DataState::Encrypted => DataState::Encrypted,
    })
}
