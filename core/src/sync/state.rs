//! Device-side sync state kept in the store: the enrollment (server, device id, token, scope),
//! the pull cursor, the measured clock skew, and the outbox as the user sees it.

use crate::clock;
use crate::store::{Result, Store, StoreError};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::protocol::Scope;

const KEY_ENROLLMENT: &str = "sync.enrollment";
pub(crate) const KEY_CURSOR: &str = "sync.cursor";
const KEY_SKEW: &str = "sync.clock_skew_ms";
const KEY_LAST_SYNC: &str = "sync.last_sync";

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
    pub subject_kind: String,
    pub subject_id: String,
    /// Household head or member name, for display.
    pub subject_name: Option<String>,
    pub model: String,
    pub year: i32,
    pub revision: u32,
    /// `queued`, `sending`, `sent`, `needs_correction`, `wedged` (or `local` before enrollment).
    pub state: String,
    /// Why it is wedged, or the reviewer's comment when returned.
    pub detail: Option<String>,
    pub attempts: u32,
    pub photos: u32,
    pub content_sha256: String,
    pub finalized_at: String,
    pub sent_at: Option<String>,
}

/// Counts per outbox state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub needs_correction: u64,
    pub wedged: u64,
}

impl OutboxCounts {
    /// Not yet acknowledged by the server.
    pub fn pending(&self) -> u64 {
        self.queued + self.sending + self.wedged
    }
}

fn bad_setting(what: &str) -> StoreError {
    StoreError::Invalid(format!(
        "Cài đặt đồng bộ hỏng: {what} / corrupt sync setting"
    ))
}

/// The enrollment, if this device is enrolled.
pub fn enrollment(store: &Store) -> Result<Option<Enrollment>> {
    match store.setting(KEY_ENROLLMENT)? {
        None => Ok(None),
        Some(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|_| bad_setting("enrollment")),
    }
}

/// Save the enrollment (replacing any earlier one) and reset the pull cursor.
pub fn save_enrollment(store: &Store, e: &Enrollment) -> Result<()> {
    let json = serde_json::to_string(e).map_err(|_| bad_setting("enrollment"))?;
    store.set_setting(KEY_ENROLLMENT, &json)?;
    store.set_setting(KEY_CURSOR, "0")?;
    Ok(())
}

/// The pull cursor (0 before the first pull).
pub fn cursor(store: &Store) -> Result<i64> {
    Ok(store
        .setting(KEY_CURSOR)?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}

pub fn set_cursor(store: &Store, cursor: i64) -> Result<()> {
    store.set_setting(KEY_CURSOR, &cursor.to_string())
}

/// Record the clock skew (server minus device, milliseconds) measured now.
pub fn record_skew(store: &Store, skew_ms: i64) -> Result<()> {
    store.set_setting(KEY_SKEW, &skew_ms.to_string())
}

/// The last measured clock skew.
pub fn clock_skew_ms(store: &Store) -> Result<Option<i64>> {
    Ok(store.setting(KEY_SKEW)?.and_then(|s| s.parse().ok()))
}

pub fn record_last_sync(store: &Store) -> Result<()> {
    store.set_setting(KEY_LAST_SYNC, &clock::now().utc)
}

pub fn last_sync(store: &Store) -> Result<Option<String>> {
    store.setting(KEY_LAST_SYNC)
}

/// Every finalized assessment, newest first, with its outbox state.
pub fn outbox(store: &Store) -> Result<Vec<OutboxItem>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT a.id, a.subject_kind, a.subject_id,
                coalesce(h.head_name, m.name), a.model, a.year, a.revision, a.sync_state,
                coalesce(a.sync_detail, a.server_comment), a.sync_attempts,
                (SELECT count(*) FROM evidence e WHERE e.assessment_id = a.id),
                a.content_sha256, a.finalized_at, a.sent_at
         FROM assessment a
         LEFT JOIN household h ON a.subject_kind = 'household' AND h.id = a.subject_id
         LEFT JOIN member m ON a.subject_kind = 'member' AND m.id = a.subject_id
         WHERE a.state = 'finalized'
         ORDER BY a.finalized_at DESC, a.id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(OutboxItem {
                id: r.get(0)?,
                subject_kind: r.get(1)?,
                subject_id: r.get(2)?,
                subject_name: r.get(3)?,
                model: r.get(4)?,
                year: r.get(5)?,
                revision: r.get(6)?,
                state: r.get(7)?,
                detail: r.get(8)?,
                attempts: r.get(9)?,
                photos: r.get(10)?,
                content_sha256: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
                finalized_at: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
                sent_at: r.get(13)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Counts per state.
pub fn counts(store: &Store) -> Result<OutboxCounts> {
    let mut c = OutboxCounts::default();
    let mut stmt = store.conn().prepare_cached(
        "SELECT sync_state, count(*) FROM assessment WHERE state = 'finalized' GROUP BY sync_state",
    )?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (state, n) = row?;
        let n = u64::try_from(n).unwrap_or(0);
        match state.as_str() {
            "queued" | "local" => c.queued += n,
            "sending" => c.sending += n,
            "sent" => c.sent += n,
            "needs_correction" => c.needs_correction += n,
            "wedged" => c.wedged += n,
            _ => {}
        }
    }
    Ok(c)
}

/// Put a wedged assessment back in the queue (after the cause was fixed, e.g. on the server).
pub fn retry_wedged(store: &Store, id: &str) -> Result<bool> {
    let n = store.conn().execute(
        "UPDATE assessment SET sync_state = 'queued', sync_detail = NULL, sync_next_at = NULL
         WHERE id = ?1 AND sync_state = 'wedged'",
        params![id],
    )?;
    Ok(n == 1)
}
