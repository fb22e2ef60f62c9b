//! Batch intake: each manifest entry is checked (hash, canonical form, scope, evidence), compared
//! with what the server holds (created / duplicate / conflict), re-scored and stored, all inside
//! the batch's one transaction.
//!
//! A [`BatchCache`] lives for one batch (one transaction) and saves work that would otherwise be
//! repeated per entry: the criteria set an assessment names is looked up, parsed and hashed once
//! per batch, hamlet existence is asked once, and a device-created household that an earlier
//! entry of the same batch already stored with identical content is neither looked up nor
//! stored again (every member of a household usually arrives in the same batch, each entry
//! carrying the household). Results are the same as without the cache.

use crate::db::assessments::{self, NewAssessment};
use crate::db::devices::DeviceAuth;
use crate::db::roster;
use crate::rescore;
use hoctap_core::clock;
use hoctap_core::criteria::CriteriaSet;
use hoctap_core::store::assessments::{sha256_hex, CanonicalAssessment, SubjectKind};
use hoctap_core::sync::protocol::{
    is_sha256_hex, EntryResult, EntryStatus, ErrorCode, HouseholdRecord, ManifestEntry, ServerScore,
};
use sqlx::AnyConnection;
use std::collections::{BTreeSet, HashMap};

/// What one batch has already looked up or stored (see the module docs). Valid only inside the
/// batch's transaction.
#[derive(Default)]
pub struct BatchCache {
    /// Criteria set by (id, SHA-256) named in contents: `None` when the server has no such set.
    sets: HashMap<(String, String), Option<CriteriaSet>>,
    /// Hamlet id → exists.
    hamlets: HashMap<String, bool>,
    /// Households stored by this batch, exactly as stored.
    stored: HashMap<String, HouseholdRecord>,
}

impl BatchCache {
    pub fn new() -> BatchCache {
        BatchCache::default()
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
    ) -> Result<Option<CriteriaSet>, sqlx::Error> {
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

    /// Whether this batch already stored exactly this household.
    fn already_stored(&self, h: &HouseholdRecord) -> bool {
        self.stored.get(&h.id) == Some(h)
    }
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

fn status_from_code(code: &str) -> Option<hoctap_core::engine::Status> {
    use hoctap_core::engine::Status;
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

/// Process one entry. Database errors abort the whole batch.
pub async fn process_entry(
    conn: &mut AnyConnection,
    device: &DeviceAuth,
    entry: &ManifestEntry,
    cache: &mut BatchCache,
) -> Result<EntryResult, sqlx::Error> {
    let id = entry.id.as_str();
    if !is_sha256_hex(&entry.content_sha256)
        || sha256_hex(entry.content.as_bytes()) != entry.content_sha256
    {
        return Ok(rejected(
            id,
            ErrorCode::Invalid,
            "Nội dung phiếu không khớp mã kiểm tra (content_sha256).",
        ));
    }
    let content: CanonicalAssessment = match serde_json::from_str(&entry.content) {
        Ok(c) => c,
        Err(e) => {
            return Ok(rejected(
                id,
                ErrorCode::Invalid,
                format!("Nội dung phiếu không đúng định dạng: {e}"),
            ))
        }
    };
    if content.id != entry.id || !clock::is_id(&content.id) {
        return Ok(rejected(
            id,
            ErrorCode::Invalid,
            "Mã phiếu trong nội dung khác mã phiếu gửi kèm.",
        ));
    }
    let mut blobs: BTreeSet<String> = entry.evidence.iter().cloned().collect();
    blobs.extend(content.evidence.values().flatten().cloned());
    if blobs.iter().any(|b| !is_sha256_hex(b)) {
        return Ok(rejected(
            id,
            ErrorCode::Invalid,
            "Mã ảnh minh chứng không hợp lệ.",
        ));
    }

    // Where the subject lives, and whether this device may act there.
    if let Some(h) = &entry.household {
        if !household_ok(h) {
            return Ok(rejected(
                id,
                ErrorCode::Invalid,
                "Thông tin hộ gửi kèm không hợp lệ.",
            ));
        }
        if !device.may_act_in(&h.hamlet_id) {
            return Ok(rejected(
                id,
                ErrorCode::Forbidden,
                "Hộ gửi kèm thuộc thôn ngoài phạm vi của thiết bị.",
            ));
        }
        // A household this batch stored unchanged is held in its own (checked) hamlet, with
        // every one of its members: the lookups below would only confirm that.
        let fresh = !cache.already_stored(h);
        let held = if fresh {
            roster::household_hamlet(&mut *conn, &h.id).await?
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
            if let Some(held) = roster::member_hamlet(&mut *conn, &m.id).await? {
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
            _ => roster::household_hamlet(&mut *conn, &subject.id).await?,
        },
        SubjectKind::Member => match &entry.household {
            Some(h) if h.members.iter().any(|m| m.id == subject.id) => Some(h.hamlet_id.clone()),
            _ => roster::member_hamlet(&mut *conn, &subject.id).await?,
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

    if let Some(held) = assessments::existing(&mut *conn, id).await? {
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
        if !assessments::blob_complete(&mut *conn, b).await? {
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
            roster::upsert_household(&mut *conn, h, &format!("device:{}", device.id)).await?;
            cache.stored.insert(h.id.clone(), h.clone());
        }
    }
    let evidence: Vec<String> = blobs.into_iter().collect();
    assessments::insert(
        &mut *conn,
        &NewAssessment {
            id,
            device_id: &device.id,
            subject_kind: subject.kind.code(),
            subject_id: &subject.id,
            hamlet_id: &hamlet,
            model: content.model.code(),
            year: i64::from(content.year),
            criteria_id: &content.criteria.id,
            criteria_version: i64::from(content.criteria.version),
            criteria_sha256: &content.criteria.sha256,
            content: &entry.content,
            content_sha256: &entry.content_sha256,
            device_status: content.result.status.code(),
            device_total: i64::from(content.result.total),
            server_status: score.as_ref().map(|s| s.status.code()),
            server_total: score.as_ref().map(|s| i64::from(s.total)),
            mismatch: score.as_ref().is_some_and(|s| s.mismatch),
            evidence: &evidence,
        },
    )
    .await?;
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
