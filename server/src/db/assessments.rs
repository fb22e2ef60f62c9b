//! Uploaded assessments (with both scores and the review state), their evidence references,
//! blob completeness, stored batch answers for replay, and published criteria sets.

use super::{flag, in_list, next_seq, now, placeholders, Db, MAX_BINDS};
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
    pub subject_kind: &'static str,
    pub subject_id: String,
    pub hamlet_id: String,
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
}

/// Columns bound per assessment row.
const ASSESSMENT_COLUMNS: usize = 19;

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
                 evidence_count, received_at)
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
                .bind(a.hamlet_id.as_str())
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
                .bind(received_at.as_str());
        }
        query.execute(&mut *conn).await?;
    }
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
    Ok(())
}

/// The blobs among `shas` held complete (verified), one query per [`MAX_BINDS`] names.
pub async fn complete_blobs(
    conn: &mut AnyConnection,
    shas: &[&str],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut out = HashSet::new();
    for chunk in shas.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT sha256 FROM blobs WHERE complete = 1 AND sha256 IN ({})",
            in_list(chunk.len())
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for sha in chunk {
            query = query.bind(*sha);
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.insert(r.try_get(0)?);
        }
    }
    Ok(out)
}

/// Record how much of a blob is held, and whether it is complete.
pub async fn record_blob(
    db: &Db,
    sha256: &str,
    bytes: u64,
    complete: bool,
) -> Result<(), sqlx::Error> {
    let stamp = now();
    sqlx::query(
        "INSERT INTO blobs (sha256, bytes, complete, created_at, completed_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (sha256) DO UPDATE SET bytes = excluded.bytes, complete = excluded.complete,
             completed_at = COALESCE(blobs.completed_at, excluded.completed_at)",
    )
    .bind(sha256)
    .bind(i64::try_from(bytes).unwrap_or(i64::MAX))
    .bind(flag(complete))
    .bind(&stamp)
    .bind(complete.then_some(stamp.clone()))
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Forget a discarded partial blob.
pub async fn forget_blob(db: &Db, sha256: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM blobs WHERE sha256 = $1 AND complete = 0")
        .bind(sha256)
        .execute(&db.pool)
        .await?;
    Ok(())
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
    /// Head of the household assessed (or of the member's household), when known.
    pub household: Option<String>,
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
    pub review_state: String,
    pub review_comment: Option<String>,
    pub received_at: String,
}

fn points(hundredths: i64) -> f64 {
    // Hundredths of a point fit f64 exactly.
    hundredths as f64 / 100.0
}

/// Every uploaded assessment, newest first.
pub async fn list(db: &Db) -> Result<Vec<AssessmentSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.id, a.device_id, a.subject_kind, a.subject_id, t.name AS hamlet, a.model, a.year,
             a.criteria_id, a.server_status, a.server_total, a.device_status, a.device_total,
             a.mismatch, a.evidence_count, a.review_state, a.review_comment, a.received_at,
             COALESCE(h.head, mh.head) AS head,
             (SELECT COUNT(*) FROM assessment_evidence e JOIN blobs b ON b.sha256 = e.sha256
              WHERE e.assessment_id = a.id AND b.complete = 1) AS present
         FROM assessments a
         JOIN hamlets t ON t.id = a.hamlet_id
         LEFT JOIN households h ON a.subject_kind = 'household' AND h.id = a.subject_id
         LEFT JOIN members m ON a.subject_kind = 'member' AND m.id = a.subject_id
         LEFT JOIN households mh ON mh.id = m.household_id
         ORDER BY a.received_at DESC, a.id DESC",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AssessmentSummary {
                id: r.try_get("id")?,
                device_id: r.try_get("device_id")?,
                subject_kind: r.try_get("subject_kind")?,
                subject_id: r.try_get("subject_id")?,
                household: r.try_get("head")?,
                hamlet: r.try_get("hamlet")?,
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
                review_state: r.try_get("review_state")?,
                review_comment: r.try_get("review_comment")?,
                received_at: r.try_get("received_at")?,
            })
        })
        .collect()
}

/// Send an assessment back for correction; `false` when no such assessment.
pub async fn return_for_correction(
    db: &Db,
    id: &str,
    comment: &str,
    reviewer: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let seq = next_seq(&mut tx).await?;
    let done = sqlx::query(
        "UPDATE assessments SET review_state = 'returned', review_comment = $1, reviewer = $2,
             returned_at = $3, returned_seq = $4 WHERE id = $5",
    )
    .bind(comment)
    .bind(reviewer)
    .bind(now())
    .bind(seq)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}
