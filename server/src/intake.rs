//! Batch intake: each manifest entry is checked (hash, canonical form, scope, evidence), compared
//! with what the server holds (created / duplicate / conflict), re-scored and stored, all inside
//! the batch's one transaction.
//!
//! A batch runs in three steps. [`check`] does the checks that need no database, for every
//! entry. [`BatchCache::prefetch`] then looks up, in one query per kind for the whole batch,
//! what the entries name: held assessments, complete blobs, households and members (with their
//! hamlets), hamlets. [`process_entry`] decides each entry in order from those answers and
//! queues what it stores; the cache records the queued writes as if done, so a later entry sees
//! exactly what it would have seen had every earlier entry been stored at once. Finally
//! [`BatchCache::write_assessments`] and [`BatchCache::write_households`] store the queue: assessments and their evidence with multi-row
//! `INSERT`s, then the device-created households, which take change numbers, last, so the
//! change counter stays locked only for the end of the transaction.
//!
//! The cache also keeps what would otherwise be repeated per entry: the criteria set an
//! assessment names is looked up, parsed and hashed once per batch, and a device-created
//! household that an earlier entry of the same batch already queued with identical content is
//! neither looked up nor stored again (every member of a household usually arrives in the same
//! batch, each entry carrying the household). Results are the same as without the cache.

use crate::clock;
use crate::db::assessments::{self, Existing, NewAssessment};
use crate::db::devices::DeviceAuth;
use crate::db::roster;
use crate::rescore;
use hoctap_domain::assessment::{sha256_hex, CanonicalAssessment};
use hoctap_domain::criteria::LoadedSet;
use hoctap_domain::model::SubjectKind;
use hoctap_domain::protocol::{
    is_sha256_hex, EntryResult, EntryStatus, ErrorCode, HouseholdRecord, ManifestEntry, ServerScore,
};
use sqlx::AnyConnection;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// An entry that passed the checks needing no database.
pub struct Checked {
    content: CanonicalAssessment,
    /// Every blob the entry names (its evidence list and the content's).
    blobs: BTreeSet<String>,
}

/// What one batch has looked up, and what it will store (see the module docs). Valid only
/// inside the batch's transaction.
#[derive(Default)]
pub struct BatchCache {
    /// Criteria set by (id, SHA-256) named in contents: `None` when the server has no such set.
    sets: HashMap<(String, String), Option<Arc<LoadedSet>>>,
    /// Hamlet id → exists.
    hamlets: HashMap<String, bool>,
    /// Assessment id → what is held (or queued), `None` when nothing.
    assessments: HashMap<String, Option<Existing>>,
    /// Blob name → held complete.
    blobs: HashMap<String, bool>,
    /// Household id → its hamlet, `None` when unknown.
    households: HashMap<String, Option<String>>,
    /// Member id → its household, `None` when unknown.
    members: HashMap<String, Option<String>>,
    /// Households queued by this batch, exactly as queued.
    stored: HashMap<String, HouseholdRecord>,
    /// Households to store, in order.
    pending_households: Vec<HouseholdRecord>,
    /// Assessments to store, in order.
    pending_assessments: Vec<NewAssessment>,
}

impl BatchCache {
    pub fn new() -> BatchCache {
        BatchCache::default()
    }

    /// Look up everything the checked entries name, one query per kind.
    pub async fn prefetch(
        &mut self,
        conn: &mut AnyConnection,
        entries: &[(&ManifestEntry, &Checked)],
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = entries.iter().map(|(e, _)| e.id.as_str()).collect();
        let held = assessments::existing_many(conn, &ids).await?;
        for id in ids {
            self.assessments
                .insert(id.to_string(), held.get(id).cloned());
        }
        let blobs: BTreeSet<&str> = entries
            .iter()
            .flat_map(|(_, c)| c.blobs.iter().map(String::as_str))
            .collect();
        let blobs: Vec<&str> = blobs.into_iter().collect();
        let complete = assessments::complete_blobs(conn, &blobs).await?;
        for b in blobs {
            self.blobs.insert(b.to_string(), complete.contains(b));
        }
        let (households, members) = named_roster(entries);
        self.fetch_households(conn, &households).await?;
        self.fetch_members(conn, &members).await?;
        Ok(())
    }

    /// Look up households not yet known to the cache.
    async fn fetch_households(
        &mut self,
        conn: &mut AnyConnection,
        ids: &[&str],
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.households.contains_key(*id))
            .collect();
        let found = roster::household_hamlets(conn, &ids).await?;
        for id in ids {
            self.households
                .insert(id.to_string(), found.get(id).cloned());
        }
        Ok(())
    }

    /// Look up members (and their households) not yet known to the cache.
    async fn fetch_members(
        &mut self,
        conn: &mut AnyConnection,
        ids: &[&str],
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.members.contains_key(*id))
            .collect();
        let found = roster::member_households(conn, &ids).await?;
        for id in ids {
            let household = found.get(id).map(|(household, hamlet)| {
                self.households
                    .entry(household.clone())
                    .or_insert_with(|| Some(hamlet.clone()));
                household.clone()
            });
            self.members.insert(id.to_string(), household);
        }
        Ok(())
    }

    /// The hamlet of a household, if the server knows (or this batch queued) it.
    async fn household_hamlet(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        self.fetch_households(conn, &[id]).await?;
        Ok(self.households.get(id).cloned().flatten())
    }

    /// The hamlet of a member's household, if the server knows (or this batch queued) it.
    async fn member_hamlet(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        self.fetch_members(conn, &[id]).await?;
        match self.members.get(id).cloned().flatten() {
            Some(household) => self.household_hamlet(conn, &household).await,
            None => Ok(None),
        }
    }

    /// Whether a blob is held complete.
    async fn blob_complete(
        &mut self,
        conn: &mut AnyConnection,
        sha256: &str,
    ) -> Result<bool, sqlx::Error> {
        if let Some(&known) = self.blobs.get(sha256) {
            return Ok(known);
        }
        let complete = !assessments::complete_blobs(conn, &[sha256])
            .await?
            .is_empty();
        self.blobs.insert(sha256.to_string(), complete);
        Ok(complete)
    }

    /// What is held (or queued) under an assessment id.
    async fn existing(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<Existing>, sqlx::Error> {
        if let Some(known) = self.assessments.get(id) {
            return Ok(known.clone());
        }
        let held = assessments::existing_many(conn, &[id]).await?.remove(id);
        self.assessments.insert(id.to_string(), held.clone());
        Ok(held)
    }

    async fn hamlet_exists(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<bool, sqlx::Error> {
        if let Some(&known) = self.hamlets.get(id) {
            return Ok(known);
        }
        let exists = roster::hamlet_exists(conn, id).await?;
        self.hamlets.insert(id.to_string(), exists);
        Ok(exists)
    }

    /// The set the content names (built in, or published and matched by hash), once per batch.
    async fn set_for(
        &mut self,
        conn: &mut AnyConnection,
        content: &CanonicalAssessment,
    ) -> Result<Option<Arc<LoadedSet>>, sqlx::Error> {
        let key = (content.criteria.id.clone(), content.criteria.sha256.clone());
        if let Some(set) = self.sets.get(&key) {
            return Ok(set.clone());
        }
        let set = match rescore::builtin_matching(content) {
            Some(set) => Some(set),
            None => {
                let published =
                    assessments::published_source(conn, &content.criteria.sha256).await?;
                rescore::find_set(content, published.as_deref())
            }
        };
        self.sets.insert(key, set.clone());
        Ok(set)
    }

    /// Whether this batch already queued exactly this household.
    fn already_stored(&self, h: &HouseholdRecord) -> bool {
        self.stored.get(&h.id) == Some(h)
    }

    /// Queue a household upsert and record its effect: the household lives in its hamlet, its
    /// members in it, and members it held before but no longer lists are gone.
    fn queue_household(&mut self, h: &HouseholdRecord) {
        let listed: HashSet<&str> = h.members.iter().map(|m| m.id.as_str()).collect();
        for (id, household) in self.members.iter_mut() {
            if household.as_deref() == Some(h.id.as_str()) && !listed.contains(id.as_str()) {
                *household = None;
            }
        }
        for m in &h.members {
            self.members.insert(m.id.clone(), Some(h.id.clone()));
        }
        self.households
            .insert(h.id.clone(), Some(h.hamlet_id.clone()));
        self.stored.insert(h.id.clone(), h.clone());
        self.pending_households.push(h.clone());
    }

    /// Queue an assessment insert and record it as held.
    fn queue_assessment(&mut self, a: NewAssessment) {
        self.assessments.insert(
            a.id.clone(),
            Some(Existing {
                content_sha256: a.content_sha256.clone(),
                server_status: a.server_status.map(str::to_string),
                server_total: a.server_total,
                mismatch: a.mismatch,
            }),
        );
        self.pending_assessments.push(a);
    }

    /// Store the queued assessments and their evidence (multi-row `INSERT`s).
    pub async fn write_assessments(&self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        assessments::insert_many(conn, &self.pending_assessments).await
    }

    /// Store the queued households, in order (multi-row statements when they are disjoint).
    /// Each takes a change number, which locks the
    /// counter until the transaction commits: call this last.
    pub async fn write_households(
        &self,
        conn: &mut AnyConnection,
        device_id: &str,
    ) -> Result<(), sqlx::Error> {
        let origin = format!("device:{device_id}");
        roster::upsert_households(conn, &self.pending_households, &origin).await
    }
}

/// The household and member ids the entries may ask about (sent households and their members,
/// household and member subjects).
fn named_roster<'a>(entries: &[(&'a ManifestEntry, &'a Checked)]) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut households = BTreeSet::new();
    let mut members = BTreeSet::new();
    for (entry, checked) in entries {
        if let Some(h) = &entry.household {
            households.insert(h.id.as_str());
            members.extend(h.members.iter().map(|m| m.id.as_str()));
        }
        let subject = &checked.content.subject;
        match subject.kind {
            SubjectKind::Household => {
                households.insert(subject.id.as_str());
            }
            SubjectKind::Member => {
                members.insert(subject.id.as_str());
            }
            _ => {}
        }
    }
    (
        households.into_iter().collect(),
        members.into_iter().collect(),
    )
}

fn result(id: &str, status: EntryStatus) -> EntryResult {
    EntryResult {
        id: id.to_string(),
        status,
        code: None,
        message: None,
        missing_blobs: Vec::new(),
        server_score: None,
    }
}

fn rejected(id: &str, code: ErrorCode, message: impl Into<String>) -> EntryResult {
    EntryResult {
        code: Some(code),
        message: Some(message.into()),
        ..result(id, EntryStatus::Rejected)
    }
}

fn status_from_code(code: &str) -> Option<hoctap_domain::engine::Status> {
    use hoctap_domain::engine::Status;
    [Status::Passed, Status::Failed, Status::Incomplete]
        .into_iter()
        .find(|s| s.code() == code)
}

/// Basic shape checks on a device-created household.
fn household_ok(h: &HouseholdRecord) -> bool {
    clock::is_id(&h.id)
        && !h.head.trim().is_empty()
        && h.members
            .iter()
            .all(|m| clock::is_id(&m.id) && !m.name.trim().is_empty())
}

/// The checks of one entry that need no database: hash, canonical form, id, blob names, shape
/// and scope of a sent household. `Err` is the entry's answer.
pub fn check(device: &DeviceAuth, entry: &ManifestEntry) -> Result<Checked, EntryResult> {
    let id = entry.id.as_str();
    if !is_sha256_hex(&entry.content_sha256)
        || sha256_hex(entry.content.as_bytes()) != entry.content_sha256
    {
        return Err(rejected(
            id,
            ErrorCode::Invalid,
            "Nội dung phiếu không khớp mã kiểm tra (content_sha256).",
        ));
    }
    let content: CanonicalAssessment = match serde_json::from_str(&entry.content) {
        Ok(c) => c,
        Err(e) => {
            return Err(rejected(
                id,
                ErrorCode::Invalid,
                format!("Nội dung phiếu không đúng định dạng: {e}"),
            ))
        }
    };
    if content.id != entry.id || !clock::is_id(&content.id) {
        return Err(rejected(
            id,
            ErrorCode::Invalid,
            "Mã phiếu trong nội dung khác mã phiếu gửi kèm.",
        ));
    }
    let mut blobs: BTreeSet<String> = entry.evidence.iter().cloned().collect();
    blobs.extend(content.evidence.values().flatten().cloned());
    if blobs.iter().any(|b| !is_sha256_hex(b)) {
        return Err(rejected(
            id,
            ErrorCode::Invalid,
            "Mã ảnh minh chứng không hợp lệ.",
        ));
    }

    // Where the subject lives, and whether this device may act there.
    if let Some(h) = &entry.household {
        if !household_ok(h) {
            return Err(rejected(
                id,
                ErrorCode::Invalid,
                "Thông tin hộ gửi kèm không hợp lệ.",
            ));
        }
        if !device.may_act_in(&h.hamlet_id) {
            return Err(rejected(
                id,
                ErrorCode::Forbidden,
                "Hộ gửi kèm thuộc thôn ngoài phạm vi của thiết bị.",
            ));
        }
    }
    Ok(Checked { content, blobs })
}

/// Decide one checked entry and queue what it stores. Database errors abort the whole batch.
pub async fn process_entry(
    conn: &mut AnyConnection,
    device: &DeviceAuth,
    entry: &ManifestEntry,
    checked: Checked,
    cache: &mut BatchCache,
) -> Result<EntryResult, sqlx::Error> {
    let id = entry.id.as_str();
    let Checked { content, blobs } = checked;
    if let Some(h) = &entry.household {
        // A household this batch queued unchanged is held in its own (checked) hamlet, with
        // every one of its members: the lookups below would only confirm that.
        let fresh = !cache.already_stored(h);
        let held = if fresh {
            cache.household_hamlet(&mut *conn, &h.id).await?
        } else {
            None
        };
        if let Some(held) = held {
            if !device.may_act_in(&held) {
                return Ok(rejected(
                    id,
                    ErrorCode::Forbidden,
                    "Hộ này thuộc thôn ngoài phạm vi của thiết bị.",
                ));
            }
        }
        // A member the server holds elsewhere must not be pulled into this household from a
        // hamlet outside the scope.
        for m in h.members.iter().filter(|_| fresh) {
            if let Some(held) = cache.member_hamlet(&mut *conn, &m.id).await? {
                if !device.may_act_in(&held) {
                    return Ok(rejected(
                        id,
                        ErrorCode::Forbidden,
                        "Thành viên gửi kèm thuộc thôn ngoài phạm vi của thiết bị.",
                    ));
                }
            }
        }
        if !cache.hamlet_exists(&mut *conn, &h.hamlet_id).await? {
            return Ok(rejected(
                id,
                ErrorCode::Invalid,
                "Thôn của hộ gửi kèm không tồn tại.",
            ));
        }
    }
    let subject = &content.subject;
    let hamlet = match subject.kind {
        SubjectKind::Household => match &entry.household {
            Some(h) if h.id == subject.id => Some(h.hamlet_id.clone()),
            _ => cache.household_hamlet(&mut *conn, &subject.id).await?,
        },
        SubjectKind::Member => match &entry.household {
            Some(h) if h.members.iter().any(|m| m.id == subject.id) => Some(h.hamlet_id.clone()),
            _ => cache.member_hamlet(&mut *conn, &subject.id).await?,
        },
        SubjectKind::Hamlet => cache
            .hamlet_exists(&mut *conn, &subject.id)
            .await?
            .then(|| subject.id.clone()),
        SubjectKind::Clan | SubjectKind::Unit => {
            return Ok(rejected(
                id,
                ErrorCode::Invalid,
                "Máy chủ chưa nhận phiếu dòng họ / đơn vị.",
            ))
        }
    };
    let Some(hamlet) = hamlet else {
        return Ok(rejected(
            id,
            ErrorCode::Invalid,
            "Máy chủ chưa biết đối tượng được đánh giá; hãy gửi kèm thông tin hộ.",
        ));
    };
    if !device.may_act_in(&hamlet) {
        return Ok(rejected(
            id,
            ErrorCode::Forbidden,
            "Đối tượng thuộc thôn ngoài phạm vi của thiết bị.",
        ));
    }

    if let Some(held) = cache.existing(&mut *conn, id).await? {
        if held.content_sha256 == entry.content_sha256 {
            let server_score = match (held.server_status.as_deref(), held.server_total) {
                (Some(s), Some(t)) => status_from_code(s).map(|status| ServerScore {
                    status,
                    total: u32::try_from(t).unwrap_or(0),
                    mismatch: held.mismatch,
                }),
                _ => None,
            };
            return Ok(EntryResult {
                server_score,
                ..result(id, EntryStatus::Duplicate)
            });
        }
        return Ok(EntryResult {
            code: Some(ErrorCode::Conflict),
            message: Some("Máy chủ đã có phiếu này với nội dung khác; không ghi đè.".into()),
            ..result(id, EntryStatus::Conflict)
        });
    }

    let mut missing = Vec::new();
    for b in &blobs {
        if !cache.blob_complete(&mut *conn, b).await? {
            missing.push(b.clone());
        }
    }
    if !missing.is_empty() {
        return Ok(EntryResult {
            message: Some("Còn thiếu ảnh minh chứng; hãy gửi ảnh rồi gửi lại phiếu.".into()),
            missing_blobs: missing,
            ..result(id, EntryStatus::Incomplete)
        });
    }

    let (score, message) = match cache.set_for(&mut *conn, &content).await? {
        None => (
            None,
            Some("Máy chủ chưa có bộ tiêu chí của phiếu; chưa chấm lại được.".to_string()),
        ),
        Some(set) => match rescore::rescore(&set, &content) {
            Ok(s) => (Some(s), None),
            Err(e) => {
                return Ok(rejected(
                    id,
                    ErrorCode::Invalid,
                    format!("Câu trả lời không hợp lệ với bộ tiêu chí: {e}"),
                ))
            }
        },
    };

    if let Some(h) = &entry.household {
        if !cache.already_stored(h) {
            cache.queue_household(h);
        }
    }
    cache.queue_assessment(NewAssessment {
        id: id.to_string(),
        device_id: device.id.clone(),
        subject_kind: subject.kind.code(),
        subject_id: subject.id.clone(),
        hamlet_id: hamlet,
        model: content.model.code(),
        year: i64::from(content.year),
        criteria_id: content.criteria.id.clone(),
        criteria_version: i64::from(content.criteria.version),
        criteria_sha256: content.criteria.sha256.clone(),
        content: entry.content.clone(),
        content_sha256: entry.content_sha256.clone(),
        device_status: content.result.status.code(),
        device_total: i64::from(content.result.total),
        server_status: score.as_ref().map(|s| s.status.code()),
        server_total: score.as_ref().map(|s| i64::from(s.total)),
        mismatch: score.as_ref().is_some_and(|s| s.mismatch),
        evidence: blobs.into_iter().collect(),
    });
    Ok(EntryResult {
        message,
        server_score: score.map(|s| ServerScore {
            status: s.status,
            total: s.total,
            mismatch: s.mismatch,
        }),
        ..result(id, EntryStatus::Created)
    })
}

/// Check, look up and decide every entry of a batch, in order. The returned cache holds what
/// the batch will store ([`BatchCache::write_assessments`], [`BatchCache::write_households`]). Database errors abort the whole batch.
pub async fn process_batch(
    conn: &mut AnyConnection,
    device: &DeviceAuth,
    entries: &[ManifestEntry],
) -> Result<(Vec<EntryResult>, BatchCache), sqlx::Error> {
    let checked: Vec<Result<Checked, EntryResult>> =
        entries.iter().map(|e| check(device, e)).collect();
    let mut cache = BatchCache::new();
    let passed: Vec<(&ManifestEntry, &Checked)> = entries
        .iter()
        .zip(&checked)
        .filter_map(|(e, c)| c.as_ref().ok().map(|c| (e, c)))
        .collect();
    cache.prefetch(&mut *conn, &passed).await?;
    let mut results = Vec::with_capacity(entries.len());
    for (entry, checked) in entries.iter().zip(checked) {
        results.push(match checked {
            Ok(checked) => process_entry(&mut *conn, device, entry, checked, &mut cache).await?,
            Err(answer) => answer,
        });
    }
    Ok((results, cache))
}
