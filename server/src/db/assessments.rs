//! Uploaded assessments (with both scores and the review state), their evidence references,
//! blob completeness, stored batch answers for replay, and published criteria sets.

use super::{flag, in_list, next_seq, now, placeholders, Db, MAX_BINDS};
use hoctap_domain::protocol::ReturnedRecord;
use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};

/// What the server already holds for an assessment id.
#[derive(Debug, Clone)]
pub struct Existing {
    pub content_sha256: String,
    pub server_status: Option<String>,
    pub server_total: Option<i64>,
    pub mismatch: bool,
}

/// The stored assessments among `ids`, by id (one query per [`MAX_BINDS`] ids).
pub async fn existing_many(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, Existing>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT id, content_sha256, server_status, server_total, mismatch FROM assessments
             WHERE id IN ({})",
            in_list(chunk.len())
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            let existing = Existing {
                content_sha256: r.try_get(1)?,
                server_status: r.try_get(2)?,
                server_total: r.try_get(3)?,
                mismatch: r.try_get::<i64, _>(4)? != 0,
            };
            out.insert(r.try_get(0)?, existing);
        }
    }
    Ok(out)
}

/// An assessment to store.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    pub id: String,
    pub device_id: String,
    /// The device's commune: every staff query is scoped by it.
    pub commune_code: Option<String>,
    /// Scored with a template set (a practice result: never counted as passed).
    pub practice: bool,
    pub subject_kind: &'static str,
    pub subject_id: String,
    /// `None` for a clan and for a commune-level unit.
    pub hamlet_id: Option<String>,
    pub model: &'static str,
    pub year: i64,
    pub criteria_id: String,
    pub criteria_version: i64,
    pub criteria_sha256: String,
    pub content: String,
    pub content_sha256: String,
    pub device_status: &'static str,
    pub device_total: i64,
    pub server_status: Option<&'static str>,
    pub server_total: Option<i64>,
    pub mismatch: bool,
    pub evidence: Vec<String>,
    /// The assessment this one corrects (from the content; need not be held).
    pub parent_id: Option<String>,
    pub revision: i64,
}

/// Columns bound per assessment row.
const ASSESSMENT_COLUMNS: usize = 23;

/// Store assessments and their evidence references with multi-row `INSERT`s.
pub async fn insert_many(
    conn: &mut AnyConnection,
    all: &[NewAssessment],
) -> Result<(), sqlx::Error> {
    let received_at = now();
    for chunk in all.chunks(MAX_BINDS / ASSESSMENT_COLUMNS) {
        let sql = format!(
            "INSERT INTO assessments (id, device_id, subject_kind, subject_id, hamlet_id, model,
                 year, criteria_id, criteria_version, criteria_sha256, content, content_sha256,
                 device_status, device_total, server_status, server_total, mismatch,
                 evidence_count, received_at, parent_id, revision, commune_code, practice)
             VALUES {}",
            placeholders(chunk.len(), ASSESSMENT_COLUMNS)
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for a in chunk {
            query = query
                .bind(a.id.as_str())
                .bind(a.device_id.as_str())
                .bind(a.subject_kind)
                .bind(a.subject_id.as_str())
                .bind(a.hamlet_id.as_deref())
                .bind(a.model)
                .bind(a.year)
                .bind(a.criteria_id.as_str())
                .bind(a.criteria_version)
                .bind(a.criteria_sha256.as_str())
                .bind(a.content.as_str())
                .bind(a.content_sha256.as_str())
                .bind(a.device_status)
                .bind(a.device_total)
                .bind(a.server_status)
                .bind(a.server_total)
                .bind(flag(a.mismatch))
                .bind(i64::try_from(a.evidence.len()).unwrap_or(i64::MAX))
                .bind(received_at.as_str())
                .bind(a.parent_id.as_deref())
                .bind(a.revision)
                .bind(a.commune_code.as_deref())
                .bind(flag(a.practice));
        }
        query.execute(&mut *conn).await?;
    }
    // The new rows (a correction may have arrived first) and the parents they correct.
    let touched: Vec<&str> = all
        .iter()
        .flat_map(|a| std::iter::once(a.id.as_str()).chain(a.parent_id.as_deref()))
        .collect();
    super::review::mark_superseded(&mut *conn, &touched).await?;
    let evidence: Vec<(&str, &str)> = all
        .iter()
        .flat_map(|a| a.evidence.iter().map(|sha| (a.id.as_str(), sha.as_str())))
        .collect();
    for chunk in evidence.chunks(MAX_BINDS / 2) {
        let sql = format!(
            "INSERT INTO assessment_evidence (assessment_id, sha256) VALUES {}
             ON CONFLICT (assessment_id, sha256) DO NOTHING",
            placeholders(chunk.len(), 2)
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (id, sha) in chunk {
            query = query.bind(*id).bind(*sha);
        }
        query.execute(&mut *conn).await?;
    }
    let ids: Vec<&str> = all.iter().map(|a| a.id.as_str()).collect();
    for chunk in ids.chunks(MAX_BINDS) {
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "UPDATE assessments SET evidence_present = ({PRESENT}) WHERE id IN ({})",
            in_list(chunk.len())
        )));
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// How many of the assessment's evidence photos are held complete: the one definition of
/// `assessments.evidence_present`, kept current at intake and when an upload completes.
const PRESENT: &str = "SELECT COUNT(*) FROM assessment_evidence e
    JOIN blobs b ON b.sha256 = e.sha256 AND b.complete = 1
    WHERE e.assessment_id = assessments.id";

/// The blobs among `shas` held complete that `device` proved it holds (it uploaded them, or
/// an assessment of its names them): a device never learns of another device's photos.
pub async fn complete_blobs(
    conn: &mut AnyConnection,
    device_id: &str,
    shas: &[&str],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut out = HashSet::new();
    for chunk in shas.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT b.sha256 FROM blobs b
             JOIN blob_holders h ON h.sha256 = b.sha256 AND h.device_id = $1
             WHERE b.complete = 1 AND b.sha256 IN ({})",
            (2..chunk.len() + 2)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(device_id);
        for sha in chunk {
            query = query.bind(*sha);
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.insert(r.try_get(0)?);
        }
    }
    Ok(out)
}

/// Whether `device` proved it holds the complete blob `sha256`.
pub async fn holds_blob(db: &Db, sha256: &str, device_id: &str) -> Result<bool, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    Ok(!complete_blobs(&mut conn, device_id, &[sha256])
        .await?
        .is_empty())
}

/// Record a complete blob of `bytes` bytes, and that `device` holds it (it sent every byte).
pub async fn record_blob(
    db: &Db,
    sha256: &str,
    bytes: u64,
    device_id: &str,
) -> Result<(), sqlx::Error> {
    let stamp = now();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO blobs (sha256, bytes, complete, created_at, completed_at)
         VALUES ($1, $2, 1, $3, $3)
         ON CONFLICT (sha256) DO UPDATE SET bytes = excluded.bytes, complete = 1,
             completed_at = COALESCE(blobs.completed_at, excluded.completed_at)",
    )
    .bind(sha256)
    .bind(i64::try_from(bytes).unwrap_or(i64::MAX))
    .bind(&stamp)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO blob_holders (sha256, device_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (sha256, device_id) DO NOTHING",
    )
    .bind(sha256)
    .bind(device_id)
    .bind(&stamp)
    .execute(&mut *tx)
    .await?;
    // Only the fixed count is formatted into the SQL.
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE assessments SET evidence_present = ({PRESENT})
         WHERE id IN (SELECT assessment_id FROM assessment_evidence WHERE sha256 = $1)"
    )))
    .bind(sha256)
    .execute(&mut *tx)
    .await?;
    super::touch_queue(&mut tx).await?;
    tx.commit().await
}

/// A stored batch: who sent it, the hash of its body and the answer given.
pub struct StoredBatch {
    pub device_id: String,
    pub request_sha256: String,
    pub response: String,
}

/// The stored batch with this id, if any.
pub async fn batch(
    conn: &mut AnyConnection,
    uuid: &str,
) -> Result<Option<StoredBatch>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT device_id, request_sha256, response FROM batches WHERE batch_uuid = $1",
    )
    .bind(uuid)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(StoredBatch {
            device_id: r.try_get(0)?,
            request_sha256: r.try_get(1)?,
            response: r.try_get(2)?,
        })
    })
    .transpose()
}

/// Store a batch's answer for replay.
pub async fn store_batch(
    conn: &mut AnyConnection,
    uuid: &str,
    device_id: &str,
    request_sha256: &str,
    response: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO batches (batch_uuid, device_id, request_sha256, response, received_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid)
    .bind(device_id)
    .bind(request_sha256)
    .bind(response)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// The TOML source of a published set with this content hash.
pub async fn published_source(
    conn: &mut AnyConnection,
    sha256: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT source FROM criteria_sets WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get::<String, _>(0)).transpose()
}

/// Outcome of publishing a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    New,
    /// The same content was already published.
    Same,
    /// This id and version were published with other content.
    VersionTaken,
}

/// Publish a validated criteria set.
pub async fn publish_criteria(
    db: &Db,
    set: &hoctap_domain::criteria::CriteriaSet,
    source: &str,
) -> Result<Published, sqlx::Error> {
    let sha = set.sha256();
    let mut tx = db.begin_write().await?;
    let row = sqlx::query("SELECT sha256 FROM criteria_sets WHERE id = $1 AND version = $2")
        .bind(&set.id)
        .bind(i64::from(set.version))
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(r) = row {
        let held: String = r.try_get(0)?;
        return Ok(if held == sha {
            Published::Same
        } else {
            Published::VersionTaken
        });
    }
    if sqlx::query("SELECT 1 FROM criteria_sets WHERE sha256 = $1")
        .bind(&sha)
        .fetch_optional(&mut *tx)
        .await?
        .is_some()
    {
        return Ok(Published::Same);
    }
    let seq = next_seq(&mut tx).await?;
    sqlx::query(
        "INSERT INTO criteria_sets (id, version, sha256, model, title, source, published_at, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&set.id)
    .bind(i64::from(set.version))
    .bind(&sha)
    .bind(set.model.code())
    .bind(&set.title)
    .bind(source)
    .bind(now())
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Published::New)
}

/// An assessment as `admin assessments` lists it. Totals are in points.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentSummary {
    pub id: String,
    pub device_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    /// The subject's own name: the member (Công dân học tập), the household's head, the
    /// hamlet's, the clan's or the unit's name, when known.
    pub subject_name: Option<String>,
    /// Head of the household assessed (or of the member's household), when known.
    pub household: Option<String>,
    /// The hamlet's name; for a clan the names of its households' hamlets; "Cấp xã" for a
    /// commune-level unit.
    pub hamlet: String,
    pub model: String,
    pub year: i64,
    pub criteria_id: String,
    pub status: Option<String>,
    pub server_total: Option<f64>,
    pub device_status: String,
    pub device_total: f64,
    pub mismatch: bool,
    pub evidence_expected: i64,
    pub evidence_present: i64,
    /// `received`, `returned`, `accepted`, or `corrected` once a correction supersedes it.
    pub review_state: String,
    /// The latest comment of this assessment's returns.
    pub review_comment: Option<String>,
    /// Every return of this assessment and of the revisions it corrects, oldest first.
    pub returns: Vec<ReturnEntry>,
    pub revision: i64,
    /// The assessment this one corrects (from its content), held or not.
    pub parent_id: Option<String>,
    /// The parent named is not held (the device never sent it): taken as a first revision.
    pub parent_missing: bool,
    /// The correction that supersedes this one ("đã sửa").
    pub superseded_by: Option<String>,
    /// The latest revision: what counts as the subject's assessment for the year.
    pub current: bool,
    pub received_at: String,
    /// Evidence photos worth a second look (taken outside the year, long before, far from the
    /// hamlet…), from the facts the device sent: hints for the reviewer, never a refusal.
    pub photo_flags: Vec<super::places::PhotoFlags>,
}

fn points(hundredths: i64) -> f64 {
    // Hundredths of a point fit f64 exactly.
    hundredths as f64 / 100.0
}

/// What a commune-level unit lists as its hamlet.
pub const COMMUNE_LEVEL: &str = "Cấp xã";

/// One return of an assessment: the review trail, never overwritten.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnEntry {
    pub id: String,
    /// The revision it was made on.
    pub assessment_id: String,
    pub comment: String,
    pub reviewer: Option<String>,
    pub returned_at: String,
}

/// Every return, by assessment id, oldest first.
async fn returns_by_assessment(db: &Db) -> Result<HashMap<String, Vec<ReturnEntry>>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, assessment_id, comment, reviewer, returned_at FROM assessment_returns
         ORDER BY seq",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out: HashMap<String, Vec<ReturnEntry>> = HashMap::new();
    for r in &rows {
        let entry = ReturnEntry {
            id: r.try_get("id")?,
            assessment_id: r.try_get("assessment_id")?,
            comment: r.try_get("comment")?,
            reviewer: r.try_get("reviewer")?,
            returned_at: r.try_get("returned_at")?,
        };
        out.entry(entry.assessment_id.clone())
            .or_default()
            .push(entry);
    }
    Ok(out)
}

/// Every uploaded assessment (every revision; `current` marks the latest), newest first, each
/// with its subject's name and its review trail.
pub async fn list(db: &Db) -> Result<Vec<AssessmentSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.id, a.device_id, a.subject_kind, a.subject_id, t.name AS hamlet, a.model, a.year,
             a.criteria_id, a.server_status, a.server_total, a.device_status, a.device_total,
             a.mismatch, a.evidence_count, a.review_state, a.received_at, a.parent_id,
             a.revision, COALESCE(h.head, mh.head) AS head, m.name AS member_name,
             st.name AS hamlet_name, c.name AS clan_name, u.name AS unit_name,
             (SELECT nx.id FROM assessments nx WHERE nx.parent_id = a.id) AS superseded_by,
             (SELECT COUNT(*) FROM assessments p WHERE p.id = a.parent_id) AS parent_held,
             a.evidence_present AS present
         FROM assessments a
         LEFT JOIN hamlets t ON t.id = a.hamlet_id
         LEFT JOIN households h ON a.subject_kind = 'household' AND h.id = a.subject_id
         LEFT JOIN members m ON a.subject_kind = 'member' AND m.id = a.subject_id
         LEFT JOIN households mh ON mh.id = m.household_id
         LEFT JOIN hamlets st ON a.subject_kind = 'hamlet' AND st.id = a.subject_id
         LEFT JOIN clans c ON a.subject_kind = 'clan' AND c.id = a.subject_id
         LEFT JOIN units u ON a.subject_kind = 'unit' AND u.id = a.subject_id
         ORDER BY a.received_at DESC, a.id DESC",
    )
    .fetch_all(&db.pool)
    .await?;
    let returns = returns_by_assessment(db).await?;
    let clan_hamlets = super::clans::clan_hamlet_names(db).await?;
    let parents: HashMap<String, String> = rows
        .iter()
        .filter_map(|r| {
            let id = r.try_get::<String, _>("id").ok()?;
            let parent = r.try_get::<Option<String>, _>("parent_id").ok()??;
            Some((id, parent))
        })
        .collect();
    let mut flags = super::places::flags_by_assessment(db).await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            let subject_kind: String = r.try_get("subject_kind")?;
            let subject_id: String = r.try_get("subject_id")?;
            let head: Option<String> = r.try_get("head")?;
            let subject_name = match subject_kind.as_str() {
                "member" => r.try_get("member_name")?,
                "hamlet" => r.try_get("hamlet_name")?,
                "clan" => r.try_get("clan_name")?,
                "unit" => r.try_get("unit_name")?,
                _ => head.clone(),
            };
            let hamlet = match r.try_get::<Option<String>, _>("hamlet")? {
                Some(name) => name,
                None if subject_kind == "clan" => clan_hamlets
                    .get(&subject_id)
                    .map(|names| names.join(", "))
                    .unwrap_or_default(),
                None => COMMUNE_LEVEL.to_string(),
            };
            // The thread: this revision's returns after those of the revisions it corrects.
            let mut chain = vec![id.clone()];
            while let Some(parent) = chain.last().and_then(|c| parents.get(c)) {
                if chain.contains(parent) || chain.len() > 1000 {
                    break;
                }
                chain.push(parent.clone());
            }
            let mut thread: Vec<ReturnEntry> = chain
                .iter()
                .rev()
                .flat_map(|a| returns.get(a).cloned().unwrap_or_default())
                .collect();
            thread.sort_by(|a, b| a.returned_at.cmp(&b.returned_at));
            let own = returns.get(&id).cloned().unwrap_or_default();
            let superseded_by: Option<String> = r.try_get("superseded_by")?;
            let parent_id: Option<String> = r.try_get("parent_id")?;
            let review_state: String = r.try_get("review_state")?;
            Ok(AssessmentSummary {
                photo_flags: flags.remove(&id).unwrap_or_default(),
                id,
                device_id: r.try_get("device_id")?,
                subject_kind,
                subject_id,
                subject_name,
                household: head,
                hamlet,
                model: r.try_get("model")?,
                year: r.try_get("year")?,
                criteria_id: r.try_get("criteria_id")?,
                status: r.try_get("server_status")?,
                server_total: r.try_get::<Option<i64>, _>("server_total")?.map(points),
                device_status: r.try_get("device_status")?,
                device_total: points(r.try_get("device_total")?),
                mismatch: r.try_get::<i64, _>("mismatch")? != 0,
                evidence_expected: r.try_get("evidence_count")?,
                evidence_present: r.try_get("present")?,
                review_state: if superseded_by.is_some() {
                    "corrected".to_string()
                } else {
                    review_state
                },
                review_comment: own.last().map(|r| r.comment.clone()),
                returns: thread,
                revision: r.try_get("revision")?,
                parent_missing: parent_id.is_some() && r.try_get::<i64, _>("parent_held")? == 0,
                parent_id,
                current: superseded_by.is_none(),
                superseded_by,
                received_at: r.try_get("received_at")?,
            })
        })
        .collect()
}

/// The frozen canonical content of every uploaded assessment, by id: `admin assessments` reads
/// each result's label and level title from it (`rescore::result_labels`).
pub async fn contents(db: &Db) -> Result<HashMap<String, String>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, content FROM assessments")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("content")?)))
        .collect()
}

/// What `admin return` did.
#[derive(Debug, Clone)]
pub enum Returned {
    /// A new return of the thread.
    Done(ReturnEntry),
    /// No such assessment.
    Unknown,
    /// A correction supersedes it: return the correction instead.
    Superseded(String),
}

/// Send an assessment back for correction: a new return in its thread (earlier ones are kept),
/// with its own change number, for the device that uploaded it.
pub async fn return_for_correction(
    db: &Db,
    id: &str,
    comment: &str,
    reviewer: Option<&str>,
) -> Result<Returned, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let Some(row) = sqlx::query(
        "SELECT a.device_id, (SELECT nx.id FROM assessments nx WHERE nx.parent_id = a.id) AS child
         FROM assessments a WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Returned::Unknown);
    };
    if let Some(child) = row.try_get::<Option<String>, _>("child")? {
        return Ok(Returned::Superseded(child));
    }
    let device_id: String = row.try_get("device_id")?;
    let entry = ReturnEntry {
        id: crate::clock::new_id(),
        assessment_id: id.to_string(),
        comment: comment.to_string(),
        reviewer: reviewer.map(str::to_string),
        returned_at: now(),
    };
    sqlx::query("UPDATE assessments SET review_state = 'returned' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let seq = next_seq(&mut tx).await?;
    sqlx::query(
        "INSERT INTO assessment_returns (id, assessment_id, device_id, comment, reviewer,
             returned_at, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&entry.id)
    .bind(id)
    .bind(&device_id)
    .bind(comment)
    .bind(reviewer)
    .bind(&entry.returned_at)
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Returned::Done(entry))
}

/// The returns for a device's assessments changed after `cursor`, in change order, at most
/// `limit`: each return of a thread is its own record.
pub async fn returned_changes(
    conn: &mut AnyConnection,
    device_id: &str,
    cursor: i64,
    limit: i64,
) -> Result<Vec<(i64, ReturnedRecord)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, assessment_id, comment, reviewer, returned_at, seq FROM assessment_returns
         WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(device_id)
    .bind(cursor)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("seq")?,
                ReturnedRecord {
                    assessment_id: r.try_get("assessment_id")?,
                    comment: r.try_get("comment")?,
                    reviewer: r.try_get("reviewer")?,
                    returned_at: r.try_get("returned_at")?,
                    id: Some(r.try_get("id")?),
                },
            ))
        })
        .collect()
}

/// A held assessment a correction names as its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    pub subject_kind: String,
    pub subject_id: String,
    pub model: String,
    pub year: i64,
    pub revision: i64,
}

impl Parent {
    /// Whether this assessment is an earlier revision of an assessment of `subject` (kind and
    /// resolved id) with `model` for `year`, at `revision`: what a correction's parent must be.
    pub fn precedes(
        &self,
        subject_kind: &str,
        subject_id: &str,
        model: &str,
        year: i64,
        revision: i64,
    ) -> bool {
        self.subject_kind == subject_kind
            && self.subject_id == subject_id
            && self.model == model
            && self.year == year
            && self.revision < revision
    }
}

/// The held assessments among `ids`, as parents.
pub async fn parents(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, Parent>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT id, subject_kind, subject_id, model, year, revision FROM assessments
             WHERE id IN ({})",
            in_list(chunk.len())
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.insert(
                r.try_get(0)?,
                Parent {
                    subject_kind: r.try_get(1)?,
                    subject_id: r.try_get(2)?,
                    model: r.try_get(3)?,
                    year: r.try_get(4)?,
                    revision: r.try_get(5)?,
                },
            );
        }
    }
    Ok(out)
}

/// Cut the parent link of these corrections (their claim on a parent proved false when the
/// parent arrived: another subject, model or year, or not an earlier revision).
pub async fn unlink_corrections(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<(), sqlx::Error> {
    for id in ids {
        tracing::warn!(correction = %id, "parent link cut: not an earlier revision of its subject");
        sqlx::query("UPDATE assessments SET parent_id = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The held corrections of the assessments among `ids`: parent id → the correction's id.
pub async fn corrections_of(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, String>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT parent_id, id FROM assessments WHERE parent_id IN ({})",
            in_list(chunk.len())
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.insert(r.try_get(0)?, r.try_get(1)?);
        }
    }
    Ok(out)
}

/// Settings key recording that revisions were read from the contents of assessments stored
/// before schema version 2.
const REVISIONS_BACKFILLED: &str = "revisions_backfilled";

/// Fill `parent_id` and `revision` of assessments stored before schema version 2 from their
/// content, once (a parent already claimed by another correction is left unlinked).
pub async fn backfill_revisions(pool: &sqlx::AnyPool) -> Result<(), sqlx::Error> {
    let done = sqlx::query("SELECT 1 FROM settings WHERE key = $1")
        .bind(REVISIONS_BACKFILLED)
        .fetch_optional(pool)
        .await?;
    if done.is_some() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let rows = sqlx::query("SELECT id, content FROM assessments WHERE parent_id IS NULL")
        .fetch_all(&mut *tx)
        .await?;
    for r in &rows {
        let id: String = r.try_get(0)?;
        let content: String = r.try_get(1)?;
        let Ok(c) = hoctap_domain::assessment::CanonicalAssessment::from_json(&content) else {
            continue;
        };
        if c.parent_id.is_none() && c.revision == 1 {
            continue;
        }
        sqlx::query(
            "UPDATE assessments SET parent_id = $1, revision = $2 WHERE id = $3
               AND NOT EXISTS (SELECT 1 FROM assessments o WHERE o.parent_id = $1)",
        )
        .bind(c.parent_id.as_deref())
        .bind(i64::from(c.revision))
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, '1') ON CONFLICT (key) DO NOTHING")
        .bind(REVISIONS_BACKFILLED)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
