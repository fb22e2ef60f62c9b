//! The device's side of sync, as stored: the enrollment (server, device id, token, scope), the
//! pull cursor, the measured clock skew, the outbox (finalized assessments and their states),
//! the manifests sent and their answers, the photos the server holds, and the log of runs.
//!
//! The sync machine (`hoctap-sync`) decides what each server answer means; the functions here
//! record its decisions, each in one transaction with whatever else must change with it.

use crate::codec::{self, Coded};
use crate::households::{self, Member};
use crate::{assessments, evidence, settings, Db, Result, Store, StoreError};
use hoctap_domain::engine::Status;
use hoctap_domain::model::{Model, SubjectKind};
use hoctap_domain::protocol::{HouseholdRecord, ManifestEntry, MemberRecord, Scope};
use hoctap_domain::state::{AssessmentState, OutboxCounts, SyncState};
use hoctap_domain::text;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

const KEY_ENROLLMENT: &str = "sync.enrollment";
/// Setting holding the pull cursor.
pub const KEY_CURSOR: &str = "sync.cursor";
const KEY_SKEW: &str = "sync.clock_skew_ms";
const KEY_LAST_SYNC: &str = "sync.last_sync";
/// Setting that names the photo whose upload has begun and is not confirmed yet.
const KEY_BLOB_OPEN: &str = "sync.blob_open";

/// What enrollment gave this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub server: String,
    pub device_id: String,
    pub token: String,
    pub scope: Scope,
    pub enrolled_at: String,
}

/// One finalized assessment as the outbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxItem {
    pub id: String,
    pub subject_kind: SubjectKind,
    pub subject_id: String,
    /// Household head or member name, for display.
    pub subject_name: Option<String>,
    pub model: Model,
    pub year: i32,
    pub revision: u32,
    pub state: SyncState,
    /// Why it is wedged, or the reviewer's comment when returned.
    pub detail: Option<String>,
    pub attempts: u32,
    pub photos: u32,
    pub content_sha256: String,
    pub finalized_at: String,
    pub sent_at: Option<String>,
    /// The correction made of it: it is superseded ("đã sửa") and counts no more.
    pub corrected_by: Option<String>,
}

/// One reviewer comment of an assessment's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: String,
    pub assessment_id: String,
    pub author: Option<String>,
    pub body: String,
    pub at: String,
}

/// A manifest stored until the server answers it: replayed byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: String,
    /// The exact request body.
    pub body: String,
    pub assessments: Vec<String>,
}

/// A photo still to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobToSend {
    pub sha256: String,
    pub bytes: u64,
}

/// What the sync machine decided for one entry of an answered manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    /// The server holds this exact content (`duplicate`: it already did).
    Sent {
        id: String,
        server_status: Option<Status>,
        /// Hundredths of a point.
        server_total: Option<u32>,
    },
    /// Send again (after `next_at`, when given), the server lacking these photos.
    Requeue {
        id: String,
        next_at: Option<String>,
        detail: String,
        forget_blobs: Vec<String>,
    },
    /// Set aside with the reason; never blocks the others.
    Wedge { id: String, reason: String },
}

fn bad_setting(key: &str) -> StoreError {
    StoreError::CorruptSetting {
        key: key.to_string(),
    }
}

/// The enrollment, if this device is enrolled.
pub fn enrollment(db: &Db<'_>) -> Result<Option<Enrollment>> {
    match settings::get(db, KEY_ENROLLMENT)? {
        None => Ok(None),
        Some(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|_| bad_setting(KEY_ENROLLMENT)),
    }
}

/// Save the enrollment (replacing any earlier one) and reset the pull cursor.
pub fn save_enrollment(db: &Db<'_>, e: &Enrollment) -> Result<()> {
    let json = serde_json::to_string(e).map_err(|_| bad_setting(KEY_ENROLLMENT))?;
    settings::set(db, KEY_ENROLLMENT, &json)?;
    settings::set(db, KEY_CURSOR, "0")
}

/// The pull cursor (0 before the first pull).
pub fn cursor(db: &Db<'_>) -> Result<i64> {
    Ok(settings::get(db, KEY_CURSOR)?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}

/// Record the clock skew (server minus device, milliseconds) measured now.
pub fn record_skew(db: &Db<'_>, skew_ms: i64) -> Result<()> {
    settings::set(db, KEY_SKEW, &skew_ms.to_string())
}

/// The last measured clock skew.
pub fn clock_skew_ms(db: &Db<'_>) -> Result<Option<i64>> {
    Ok(settings::get(db, KEY_SKEW)?.and_then(|s| s.parse().ok()))
}

/// Record the end of a complete sync.
pub fn record_last_sync(db: &Db<'_>, at: &str) -> Result<()> {
    settings::set(db, KEY_LAST_SYNC, at)
}

/// When the last complete sync ended.
pub fn last_sync(db: &Db<'_>) -> Result<Option<String>> {
    settings::get(db, KEY_LAST_SYNC)
}

/// The photo whose upload has begun and is not confirmed.
pub fn open_blob(db: &Db<'_>) -> Result<Option<String>> {
    settings::get(db, KEY_BLOB_OPEN)
}

/// Remember (or, with `None`, forget only if it is still `sha`) the photo being uploaded.
pub fn set_open_blob(db: &Db<'_>, sha: &str, open: bool) -> Result<()> {
    if open {
        settings::set(db, KEY_BLOB_OPEN, sha)
    } else {
        settings::remove(db, KEY_BLOB_OPEN, Some(sha))
    }
}

const ITEM_SQL: &str = "SELECT a.id, a.subject_kind, a.subject_id,
                    coalesce(h.head_name, m.name, replace(t.name, ' (' || t.id || ')', ''), c.name, u.name),
                    a.model, a.year,
                    a.revision, a.sync_state,
                    coalesce(a.sync_detail, a.server_comment), a.sync_attempts,
                    (SELECT count(*) FROM evidence e WHERE e.assessment_id = a.id),
                    a.content_sha256, a.finalized_at, a.sent_at,
                    (SELECT k.id FROM assessment k WHERE k.parent_id = a.id)
             FROM assessment a
             LEFT JOIN household h ON a.subject_kind = 'household' AND h.id = a.subject_id
             LEFT JOIN member m ON a.subject_kind = 'member' AND m.id = a.subject_id
             LEFT JOIN hamlet t ON a.subject_kind = 'hamlet' AND t.id = a.subject_id
             LEFT JOIN clan c ON a.subject_kind = 'clan' AND c.id = a.subject_id
             LEFT JOIN unit u ON a.subject_kind = 'unit' AND u.id = a.subject_id
             WHERE a.state = ?1 AND (?2 IS NULL OR a.id = ?2)
             ORDER BY a.finalized_at DESC, a.id";

fn item_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        id: r.get(0)?,
        subject_kind: codec::get(r, 1)?,
        subject_id: r.get(2)?,
        subject_name: r.get(3)?,
        model: codec::get(r, 4)?,
        year: r.get(5)?,
        revision: r.get(6)?,
        state: codec::get(r, 7)?,
        detail: r.get(8)?,
        attempts: r.get(9)?,
        photos: r.get(10)?,
        content_sha256: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
        finalized_at: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
        sent_at: r.get(13)?,
        corrected_by: r.get(14)?,
    })
}

/// Every finalized assessment, newest first, with its outbox state.
pub fn items(db: &Db<'_>) -> Result<Vec<OutboxItem>> {
    let rows = db
        .conn()
        .prepare_cached(ITEM_SQL)?
        .query_map(
            params![Coded(AssessmentState::Finalized), None::<String>],
            item_from,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// One finalized assessment's outbox entry (`None` for a draft).
pub fn item(db: &Db<'_>, id: &str) -> Result<Option<OutboxItem>> {
    Ok(db
        .conn()
        .prepare_cached(ITEM_SQL)?
        .query_row(params![Coded(AssessmentState::Finalized), id], item_from)
        .optional()?)
}

/// Counts per outbox state.
pub fn counts(db: &Db<'_>) -> Result<OutboxCounts> {
    let mut c = OutboxCounts::default();
    // A superseded assessment (a correction was made of it) counts no more: its correction
    // stands for it.
    let mut stmt = db.conn().prepare_cached(
        "SELECT sync_state, count(*) FROM assessment a WHERE state = ?1
           AND NOT EXISTS (SELECT 1 FROM assessment k WHERE k.parent_id = a.id)
         GROUP BY sync_state",
    )?;
    for row in stmt.query_map([Coded(AssessmentState::Finalized)], |r| {
        Ok((codec::get::<SyncState>(r, 0)?, r.get::<_, i64>(1)?))
    })? {
        let (state, n) = row?;
        c.add(state, u64::try_from(n).unwrap_or(0));
    }
    Ok(c)
}

/// Put a wedged assessment back in the queue (after the cause was fixed, e.g. on the server).
pub fn retry_wedged(db: &Db<'_>, id: &str) -> Result<bool> {
    let n = db
        .conn()
        .prepare_cached(
            "UPDATE assessment SET sync_state = ?2, sync_detail = NULL, sync_next_at = NULL
             WHERE id = ?1 AND sync_state = ?3
               AND NOT EXISTS (SELECT 1 FROM assessment k WHERE k.parent_id = assessment.id)",
        )?
        .execute(params![
            id,
            Coded(SyncState::Queued),
            Coded(SyncState::Wedged)
        ])?;
    Ok(n == 1)
}

/// Put every wedged assessment (not superseded by a correction) back in the queue; how many.
pub fn retry_all_wedged(db: &Db<'_>) -> Result<u64> {
    let n = db
        .conn()
        .prepare_cached(
            "UPDATE assessment SET sync_state = ?1, sync_detail = NULL, sync_next_at = NULL
             WHERE sync_state = ?2
               AND NOT EXISTS (SELECT 1 FROM assessment k WHERE k.parent_id = assessment.id)",
        )?
        .execute(params![Coded(SyncState::Queued), Coded(SyncState::Wedged)])?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// At the start of a run: assessments finalized before enrollment (`local`) or left `sending` by
/// an interrupted run, and not in a manifest still waiting for its answer, go back to the queue.
pub fn requeue_interrupted(db: &Db<'_>) -> Result<()> {
    db.conn()
        .prepare_cached(
            "UPDATE assessment SET sync_state = ?1
             WHERE state = ?2 AND sync_state IN (?3, ?4)
               AND id NOT IN (SELECT i.assessment_id FROM outbox_batch_item i
                              JOIN outbox_batch b ON b.id = i.batch_id WHERE b.answered_at IS NULL)",
        )?
        .execute(params![
            Coded(SyncState::Queued),
            Coded(AssessmentState::Finalized),
            Coded(SyncState::Local),
            Coded(SyncState::Sending)
        ])?;
    Ok(())
}

/// Photos still to upload: referenced by queued assessments due at `now` and not confirmed yet.
pub fn blobs_to_send(db: &Db<'_>, now: &str) -> Result<Vec<BlobToSend>> {
    let rows = db
        .conn()
        .prepare_cached(
            "SELECT DISTINCT e.photo_sha256, p.bytes FROM evidence e
             JOIN assessment a ON a.id = e.assessment_id
             JOIN photo p ON p.sha256 = e.photo_sha256
             WHERE a.state = ?2 AND a.sync_state = ?3
               AND (a.sync_next_at IS NULL OR a.sync_next_at <= ?1)
               -- A superseded assessment is never sent: its correction stands for it.
               AND NOT EXISTS (SELECT 1 FROM assessment k WHERE k.parent_id = a.id)
               AND e.photo_sha256 NOT IN (SELECT sha256 FROM blob_upload)
             ORDER BY e.photo_sha256",
        )?
        .query_map(
            params![
                now,
                Coded(AssessmentState::Finalized),
                Coded(SyncState::Queued)
            ],
            |r| {
                Ok(BlobToSend {
                    sha256: r.get(0)?,
                    bytes: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The server verified a photo: record it and close its upload.
pub fn confirm_blob(db: &Db<'_>, sha: &str) -> Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO blob_upload (sha256, confirmed_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute(params![sha, db.now().utc])?;
    set_open_blob(db, sha, false)
}

/// Set aside every queued assessment that references a photo the server refuses or the device
/// cannot read; returns how many.
pub fn wedge_for_blob(db: &Db<'_>, sha: &str, reason: &str) -> Result<u64> {
    set_open_blob(db, sha, false)?;
    let n = db
        .conn()
        .prepare_cached(
            "UPDATE assessment SET sync_state = ?3, sync_detail = ?2
             WHERE state = ?4 AND sync_state = ?5
               AND id IN (SELECT assessment_id FROM evidence WHERE photo_sha256 = ?1)",
        )?
        .execute(params![
            sha,
            text::clean(reason),
            Coded(SyncState::Wedged),
            Coded(AssessmentState::Finalized),
            Coded(SyncState::Queued)
        ])?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The oldest manifest the server has not answered yet.
pub fn open_batch(db: &Db<'_>) -> Result<Option<Batch>> {
    let open: Option<(String, String)> = db
        .conn()
        .prepare_cached(
            "SELECT id, body FROM outbox_batch WHERE answered_at IS NULL ORDER BY created_at LIMIT 1",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((id, body)) = open else {
        return Ok(None);
    };
    let assessments = db
        .conn()
        .prepare_cached("SELECT assessment_id FROM outbox_batch_item WHERE batch_id = ?1")?
        .query_map([&id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(Batch {
        id,
        body,
        assessments,
    }))
}

/// Up to `limit` manifest entries of queued assessments due at `now` whose photos the server
/// all holds, oldest first, leaving out `skip`.
pub fn ready_entries(
    db: &Db<'_>,
    now: &str,
    limit: usize,
    skip: &HashSet<String>,
) -> Result<Vec<ManifestEntry>> {
    let candidates: Vec<(String, String, String, SubjectKind, String)> = db
        .conn()
        .prepare_cached(
            "SELECT a.id, a.content, a.content_sha256, a.subject_kind, a.subject_id
             FROM assessment a
             WHERE a.state = ?2 AND a.sync_state = ?3
               AND (a.sync_next_at IS NULL OR a.sync_next_at <= ?1)
               -- A superseded assessment is never sent: its correction stands for it.
               AND NOT EXISTS (SELECT 1 FROM assessment k WHERE k.parent_id = a.id)
               AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.assessment_id = a.id
                               AND e.photo_sha256 NOT IN (SELECT sha256 FROM blob_upload))
             ORDER BY a.finalized_at, a.id",
        )?
        .query_map(
            params![
                now,
                Coded(AssessmentState::Finalized),
                Coded(SyncState::Queued)
            ],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    codec::get(r, 3)?,
                    r.get(4)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut entries = Vec::new();
    for (id, content, sha, kind, subject) in candidates {
        if skip.contains(&id) {
            continue;
        }
        if entries.len() >= limit {
            break;
        }
        let evidence: Vec<String> = evidence::hashes_of(db, &id)?
            .into_values()
            .flatten()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let household = unknown_household(db, kind, &subject)?;
        let photo_facts = evidence::photo_facts_of(db, &id)?;
        let clan = match kind {
            SubjectKind::Clan => crate::clans::unknown_to_server(db, &subject)?,
            _ => None,
        };
        let unit = match kind {
            SubjectKind::Unit => crate::org_units::unknown_to_server(db, &subject)?,
            _ => None,
        };
        let hamlet = match kind {
            SubjectKind::Hamlet => crate::units::unknown_to_server(db, &subject)?,
            _ => None,
        };
        entries.push(ManifestEntry {
            id,
            content_sha256: sha,
            content,
            evidence,
            household,
            photo_facts,
            hamlet,
            clan,
            unit,
        });
    }
    Ok(entries)
}

/// The subject's household as a record, when the server does not know it yet.
fn unknown_household(
    db: &Db<'_>,
    kind: SubjectKind,
    subject: &str,
) -> Result<Option<HouseholdRecord>> {
    let household_id = match kind {
        SubjectKind::Household => Some(subject.to_string()),
        SubjectKind::Member => households::household_of_member(db, subject)?,
        _ => None,
    };
    let Some(hid) = household_id else {
        return Ok(None);
    };
    let known: Option<(bool, Option<String>)> = db
        .conn()
        .prepare_cached("SELECT server_known, roster_code FROM household WHERE id = ?1")?
        .query_row([&hid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((false, roster_code)) = known else {
        return Ok(None);
    };
    let row = households::get_household(db, &hid)?;
    let members = households::members_of(db, &hid)?
        .into_iter()
        .map(member_record)
        .collect();
    Ok(Some(HouseholdRecord {
        id: row.id,
        hamlet_id: row.hamlet_id,
        head: row.head,
        address: row.address,
        phone: row.phone,
        roster_code,
        members,
    }))
}

fn member_record(m: Member) -> MemberRecord {
    MemberRecord {
        id: m.id,
        name: m.name,
        birth_year: m.birth_year,
        sex: m.sex,
        relation: m.relation,
        schooling: m.schooling,
        literate: m.literate,
        cdht: m.cdht,
        cdht_group: m.cdht_group,
        unable_to_learn: m.unable_to_learn,
    }
}

/// Store a new manifest, its entries with the hash each carries, and mark them `sending`.
pub fn create_batch(db: &Db<'_>, batch: &Batch) -> Result<()> {
    let now = db.now();
    db.conn()
        .prepare_cached("INSERT INTO outbox_batch (id, body, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![batch.id, batch.body, now.utc])?;
    for id in &batch.assessments {
        db.conn()
            .prepare_cached(
                "INSERT INTO outbox_batch_item (batch_id, assessment_id, content_sha256)
                 SELECT ?1, id, content_sha256 FROM assessment WHERE id = ?2",
            )?
            .execute(params![batch.id, id])?;
        db.conn()
            .prepare_cached(
                "UPDATE assessment SET sync_state = ?2, sync_attempts = sync_attempts + 1
                 WHERE id = ?1",
            )?
            .execute(params![id, Coded(SyncState::Sending)])?;
    }
    Ok(())
}

/// A manifest refused as a whole: forget it; set aside `wedge` (id, reason) and put `requeue`
/// back in the queue.
pub fn refuse_batch(
    db: &Db<'_>,
    batch_id: &str,
    wedge: Option<(&str, &str)>,
    requeue: &[String],
) -> Result<()> {
    if let Some((id, reason)) = wedge {
        db.conn()
            .prepare_cached(
                "UPDATE assessment SET sync_state = ?3, sync_detail = ?2 WHERE id = ?1",
            )?
            .execute(params![id, text::clean(reason), Coded(SyncState::Wedged)])?;
    }
    for id in requeue {
        db.conn()
            .prepare_cached("UPDATE assessment SET sync_state = ?2 WHERE id = ?1")?
            .execute(params![id, Coded(SyncState::Queued)])?;
    }
    db.conn()
        .prepare_cached("DELETE FROM outbox_batch_item WHERE batch_id = ?1")?
        .execute([batch_id])?;
    db.conn()
        .prepare_cached("DELETE FROM outbox_batch WHERE id = ?1")?
        .execute([batch_id])?;
    Ok(())
}

/// The assessments a manifest carried, with the content hash each was sent with.
pub fn batch_hashes(db: &Db<'_>, batch_id: &str) -> Result<Vec<(String, String)>> {
    let rows = db
        .conn()
        .prepare_cached(
            "SELECT assessment_id, content_sha256 FROM outbox_batch_item WHERE batch_id = ?1",
        )?
        .query_map([batch_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Record the server's answer to a manifest as the machine read it: each outcome, then every
/// entry left unanswered back to the queue, then the manifest closed.
pub fn record_answers(db: &Db<'_>, batch_id: &str, outcomes: &[EntryOutcome]) -> Result<()> {
    let now = db.now();
    for o in outcomes {
        match o {
            EntryOutcome::Sent {
                id,
                server_status,
                server_total,
            } => {
                // Only the exact content hash this manifest sent is acknowledged.
                db.conn()
                    .prepare_cached(
                        "UPDATE assessment SET sync_state = ?6, sent_at = ?2, sync_detail = NULL,
                             server_status = ?3, server_total = ?4
                         WHERE id = ?1 AND content_sha256 = (SELECT content_sha256
                             FROM outbox_batch_item WHERE batch_id = ?5 AND assessment_id = ?1)",
                    )?
                    .execute(params![
                        id,
                        now.utc,
                        server_status.map(Coded),
                        server_total,
                        batch_id,
                        Coded(SyncState::Sent)
                    ])?;
                db.conn()
                    .prepare_cached(
                        // Known as sent: not if it changed after this batch was built (the
                        // batch carried the older copy; the next assessment carries the new).
                        "UPDATE household SET server_known = 1 WHERE id IN (
                             SELECT subject_id FROM assessment WHERE id = ?1 AND subject_kind = 'household'
                             UNION SELECT m.household_id FROM assessment a JOIN member m ON m.id = a.subject_id
                                   WHERE a.id = ?1 AND a.subject_kind = 'member')
                           AND updated_at < (SELECT created_at FROM outbox_batch WHERE id = ?2)",
                    )?
                    .execute(params![id, batch_id])?;
            }
            EntryOutcome::Requeue {
                id,
                next_at,
                detail,
                forget_blobs,
            } => {
                for sha in forget_blobs {
                    db.conn()
                        .prepare_cached("DELETE FROM blob_upload WHERE sha256 = ?1")?
                        .execute([sha])?;
                }
                db.conn()
                    .prepare_cached(
                        "UPDATE assessment SET sync_state = ?4, sync_next_at = ?2, sync_detail = ?3
                         WHERE id = ?1",
                    )?
                    .execute(params![id, next_at, detail, Coded(SyncState::Queued)])?;
            }
            EntryOutcome::Wedge { id, reason } => {
                db.conn()
                    .prepare_cached(
                        "UPDATE assessment SET sync_state = ?3, sync_detail = ?2 WHERE id = ?1",
                    )?
                    .execute(params![id, text::clean(reason), Coded(SyncState::Wedged)])?;
            }
        }
    }
    db.conn()
        .prepare_cached(
            "UPDATE assessment SET sync_state = ?2
             WHERE sync_state = ?3 AND id IN (SELECT assessment_id FROM outbox_batch_item
                                              WHERE batch_id = ?1)",
        )?
        .execute(params![
            batch_id,
            Coded(SyncState::Queued),
            Coded(SyncState::Sending)
        ])?;
    db.conn()
        .prepare_cached("UPDATE outbox_batch SET answered_at = ?2 WHERE id = ?1")?
        .execute(params![batch_id, now.utc])?;
    Ok(())
}

/// Mark assessments returned by a reviewer, with the comment; returns how many were found.
pub fn mark_returned(db: &Db<'_>, id: &str, comment: &str) -> Result<u64> {
    let n = db
        .conn()
        .prepare_cached(
            "UPDATE assessment SET sync_state = ?3, server_comment = ?2, sync_detail = NULL
             WHERE id = ?1 AND state = ?4",
        )?
        .execute(params![
            id,
            text::clean(comment),
            Coded(SyncState::NeedsCorrection),
            Coded(AssessmentState::Finalized)
        ])?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Keep one reviewer comment (idempotent by its id).
pub fn put_comment(
    db: &Db<'_>,
    id: &str,
    assessment_id: &str,
    author: Option<&str>,
    body: &str,
    at: &str,
) -> Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO assessment_comment (id, assessment_id, author, body, at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![id, assessment_id, author, body, at])?;
    Ok(())
}

/// The reviewers' comments on the whole revision line of an assessment (the revisions it corrects
/// and those that correct it), oldest first.
pub fn comments_of(db: &Db<'_>, assessment_id: &str) -> Result<Vec<Comment>> {
    let rows = db
        .conn()
        .prepare_cached(
            "WITH RECURSIVE up(id, parent) AS (
                 SELECT id, parent_id FROM assessment WHERE id = ?1
                 UNION ALL SELECT a.id, a.parent_id FROM assessment a JOIN up ON a.id = up.parent),
             down(id) AS (
                 SELECT id FROM up WHERE parent IS NULL
                 UNION ALL SELECT a.id FROM assessment a JOIN down ON a.parent_id = down.id)
             SELECT c.id, c.assessment_id, c.author, c.body, c.at FROM assessment_comment c
             WHERE c.assessment_id IN (SELECT id FROM down) ORDER BY c.at, c.id",
        )?
        .query_map([assessment_id], |r| {
            Ok(Comment {
                id: r.get(0)?,
                assessment_id: r.get(1)?,
                author: r.get(2)?,
                body: r.get(3)?,
                at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Log the start of a sync run; returns its id.
pub fn start_run(db: &Db<'_>) -> Result<i64> {
    db.conn()
        .prepare_cached("INSERT INTO sync_run (started_at) VALUES (?1)")?
        .execute([db.now().utc])?;
    Ok(db.conn().last_insert_rowid())
}

/// How a logged run ended.
#[derive(Debug, Clone, Default)]
pub struct RunEnd<'a> {
    /// `done`, `offline`, `auth`, `cancelled`, `failed`.
    pub outcome: &'a str,
    pub detail: Option<&'a str>,
    pub clock_skew_ms: Option<i64>,
    pub uploaded: u64,
    pub bytes_sent: u64,
}

/// Log the end of a sync run.
pub fn finish_run(db: &Db<'_>, id: i64, end: &RunEnd<'_>) -> Result<()> {
    db.conn()
        .prepare_cached(
            "UPDATE sync_run SET ended_at = ?2, outcome = ?3, detail = ?4, clock_skew_ms = ?5,
                 uploaded = ?6, bytes_sent = ?7 WHERE id = ?1",
        )?
        .execute(params![
            id,
            db.now().utc,
            end.outcome,
            end.detail,
            end.clock_skew_ms,
            i64::try_from(end.uploaded).unwrap_or(i64::MAX),
            i64::try_from(end.bytes_sent).unwrap_or(i64::MAX)
        ])?;
    Ok(())
}

impl Store {
    /// The enrollment, if this device is enrolled.
    pub fn enrollment(&self) -> Result<Option<Enrollment>> {
        self.read(enrollment)
    }

    /// Save the enrollment and reset the pull cursor.
    pub fn save_enrollment(&self, e: &Enrollment) -> Result<()> {
        self.write(|db| save_enrollment(db, e))
    }

    /// Every finalized assessment with its outbox state, newest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.read(items)
    }

    /// One finalized assessment's outbox entry (`None` for a draft).
    pub fn outbox_item(&self, id: &str) -> Result<Option<OutboxItem>> {
        self.read(|db| item(db, id))
    }

    /// The reviewers' comments of an assessment (and of the revisions it corrects).
    pub fn comments(&self, assessment_id: &str) -> Result<Vec<Comment>> {
        self.read(|db| comments_of(db, assessment_id))
    }

    /// Counts per outbox state.
    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
        self.read(counts)
    }

    /// Put a wedged assessment back in the queue. Returns whether it was wedged.
    pub fn retry_wedged(&self, id: &str) -> Result<bool> {
        self.write(|db| {
            assessments::get(db, id)?;
            retry_wedged(db, id)
        })
    }

    /// Put every wedged assessment back in the queue; how many.
    pub fn retry_all_wedged(&self) -> Result<u64> {
        self.write(retry_all_wedged)
    }

    /// Keep a set-aside (or returned) assessment as a local draft: a correction of it that the
    /// cadre can fix; the original is superseded and never sent again.
    pub fn keep_as_draft(&self, id: &str) -> Result<assessments::AssessmentInfo> {
        self.write(|db| {
            let info = assessments::get(db, id)?;
            if !matches!(
                info.sync_state,
                SyncState::Wedged | SyncState::NeedsCorrection
            ) {
                return Err(StoreError::NotSetAside {
                    id: id.to_string(),
                    state: info.sync_state,
                });
            }
            assessments::correct(db, id)
        })
    }

    /// When the last complete sync ended.
    pub fn last_sync(&self) -> Result<Option<String>> {
        self.read(last_sync)
    }

    /// The last measured clock skew (server minus device, ms).
    pub fn clock_skew_ms(&self) -> Result<Option<i64>> {
        self.read(clock_skew_ms)
    }
}
