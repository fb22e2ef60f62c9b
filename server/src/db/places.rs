//! Evidence plausibility on the server: where hamlets are (set by the commune admin, sent to
//! devices with the hamlet), what devices report of each evidence photo (capture time, GPS,
//! when attached — outside the hashed content), and the reviewer's flags computed from both with
//! the domain's rule (`hoctap_domain::plausibility`). Flags never refuse an assessment.

use super::{next_seq, placeholders, Db, MAX_BINDS};
use hoctap_domain::plausibility::{self, Context, Flag, GeoPoint, Place, PlaceLevel, Rules};
use hoctap_domain::protocol::{EntryResult, EntryStatus, ManifestEntry, PhotoFacts};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Longest capture or attachment time string kept (anything longer is not a timestamp).
const MAX_TIME_LEN: usize = 64;

/// A hamlet's place from a row with `center_lat`, `center_lon` and `radius_km`; incomplete or
/// out-of-range values read as no place.
pub fn place_from(r: &AnyRow) -> Result<Option<Place>, sqlx::Error> {
    let lat: Option<f64> = r.try_get("center_lat")?;
    let lon: Option<f64> = r.try_get("center_lon")?;
    let radius: Option<f64> = r.try_get("radius_km")?;
    Ok(Place::from_parts(lat, lon, radius).ok().flatten())
}

/// Set (`Some`) or clear (`None`) where a hamlet is. The hamlet takes a new change number, so
/// devices pull it again with its place. `false` when there is no such hamlet.
pub async fn set_hamlet_place(
    db: &Db,
    hamlet_id: &str,
    place: Option<Place>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let seq = next_seq(&mut tx).await?;
    let done = sqlx::query(
        "UPDATE hamlets SET center_lat = $1, center_lon = $2, radius_km = $3, seq = $4
         WHERE id = $5",
    )
    .bind(place.map(|p| p.lat))
    .bind(place.map(|p| p.lon))
    .bind(place.map(|p| p.radius_km))
    .bind(seq)
    .bind(hamlet_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// The facts of an entry worth keeping: one per photo the entry lists as evidence, with
/// timestamps of a sane length and GPS in range (anything else is dropped, never refused).
fn usable_facts(entry: &ManifestEntry) -> Vec<PhotoFacts> {
    let listed: BTreeSet<&str> = entry.evidence.iter().map(String::as_str).collect();
    let mut by_sha: BTreeMap<&str, PhotoFacts> = BTreeMap::new();
    for f in &entry.photo_facts {
        if !listed.contains(f.sha256.as_str()) || by_sha.contains_key(f.sha256.as_str()) {
            continue;
        }
        let time = |t: &Option<String>| t.clone().filter(|t| t.len() <= MAX_TIME_LEN);
        by_sha.insert(
            &f.sha256,
            PhotoFacts {
                sha256: f.sha256.clone(),
                taken_at: time(&f.taken_at),
                gps: f.gps.filter(|g| {
                    g.lat.is_finite()
                        && g.lon.is_finite()
                        && (-90.0..=90.0).contains(&g.lat)
                        && (-180.0..=180.0).contains(&g.lon)
                }),
                attached_at: time(&f.attached_at),
            },
        );
    }
    by_sha.into_values().collect()
}

/// Store the photo facts of the entries this batch created (`results` answer `entries` in
/// order), with multi-row `INSERT`s. Call in the batch's transaction, after the assessments.
pub async fn store_facts(
    conn: &mut AnyConnection,
    entries: &[ManifestEntry],
    results: &[EntryResult],
) -> Result<(), sqlx::Error> {
    let rows: Vec<(&str, PhotoFacts)> = entries
        .iter()
        .zip(results)
        .filter(|(e, r)| r.status == EntryStatus::Created && r.id == e.id)
        .flat_map(|(e, _)| usable_facts(e).into_iter().map(move |f| (e.id.as_str(), f)))
        .collect();
    for chunk in rows.chunks(MAX_BINDS / 6) {
        let sql = format!(
            "INSERT INTO assessment_photo_facts
                 (assessment_id, sha256, taken_at, gps_lat, gps_lon, attached_at)
             VALUES {} ON CONFLICT (assessment_id, sha256) DO NOTHING",
            placeholders(chunk.len(), 6)
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (id, f) in chunk {
            query = query
                .bind(*id)
                .bind(f.sha256.clone())
                .bind(f.taken_at.clone())
                .bind(f.gps.map(|g| g.lat))
                .bind(f.gps.map(|g| g.lon))
                .bind(f.attached_at.clone());
        }
        query.execute(&mut *conn).await?;
    }
    let created: Vec<&str> = rows
        .iter()
        .map(|(id, _)| *id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    count_flags(conn, &created).await
}

/// A flagged evidence photo of an assessment, as the reviewer sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoFlags {
    pub sha256: String,
    pub taken_at: Option<String>,
    pub gps: Option<GeoPoint>,
    pub flags: Vec<Flag>,
}

/// The flagged photos of every assessment that has any, by assessment id: the device's photo
/// facts checked against the assessment year and the hamlet's place (time checks only when the
/// subject has no one hamlet: a clan, a commune-level unit), with the project's default
/// thresholds ([`Rules::PROJECT_DEFAULT`]).
pub async fn flags_by_assessment(db: &Db) -> Result<HashMap<String, Vec<PhotoFlags>>, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    flags_of(&mut conn, None).await
}

/// The flagged photos of the assessments `ids` (every assessment when `None`).
pub async fn flags_of(
    conn: &mut AnyConnection,
    ids: Option<&[&str]>,
) -> Result<HashMap<String, Vec<PhotoFlags>>, sqlx::Error> {
    const SELECT: &str = "SELECT f.assessment_id, f.sha256, f.taken_at, f.gps_lat, f.gps_lon,
                f.attached_at, a.year, t.center_lat, t.center_lon, t.radius_km
         FROM assessment_photo_facts f
         JOIN assessments a ON a.id = f.assessment_id
         LEFT JOIN hamlets t ON t.id = a.hamlet_id\n";
    // (No hamlet for a clan or a commune-level unit. No SQL comment in SELECT: a clause
    // appended after it would be commented out.)
    let mut rows = Vec::new();
    match ids {
        None => {
            rows = sqlx::query(AssertSqlSafe(format!(
                "{SELECT} ORDER BY f.assessment_id, f.sha256"
            )))
            .fetch_all(&mut *conn)
            .await?;
        }
        Some(ids) => {
            for chunk in ids.chunks(MAX_BINDS) {
                // Only numbered placeholders are formatted into the SQL.
                let mut q = sqlx::query(AssertSqlSafe(format!(
                    "{SELECT} WHERE f.assessment_id IN ({}) ORDER BY f.assessment_id, f.sha256",
                    super::in_list(chunk.len())
                )));
                for id in chunk {
                    q = q.bind(*id);
                }
                rows.extend(q.fetch_all(&mut *conn).await?);
            }
        }
    }
    let rules = Rules::PROJECT_DEFAULT;
    let mut out: HashMap<String, Vec<PhotoFlags>> = HashMap::new();
    for r in &rows {
        let lat: Option<f64> = r.try_get("gps_lat")?;
        let lon: Option<f64> = r.try_get("gps_lon")?;
        let facts = PhotoFacts {
            sha256: r.try_get("sha256")?,
            taken_at: r.try_get("taken_at")?,
            gps: lat.zip(lon).map(|(lat, lon)| GeoPoint { lat, lon }),
            attached_at: r.try_get("attached_at")?,
        };
        let year: i64 = r.try_get("year")?;
        let ctx = Context {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            place: place_from(r)?.map(|p| (PlaceLevel::Hamlet, p)),
        };
        let flags = plausibility::check_facts(&facts, &ctx, &rules);
        if flags.is_empty() {
            continue;
        }
        out.entry(r.try_get("assessment_id")?)
            .or_default()
            .push(PhotoFlags {
                sha256: facts.sha256,
                taken_at: facts.taken_at,
                gps: facts.gps,
                flags,
            });
    }
    Ok(out)
}

/// Count the flagged photos of the assessments `ids` into their `photo_flags` column (the
/// review queue filters on it). Call after their facts are stored.
pub async fn count_flags(conn: &mut AnyConnection, ids: &[&str]) -> Result<(), sqlx::Error> {
    let flags = flags_of(&mut *conn, Some(ids)).await?;
    for (id, photos) in flags {
        sqlx::query("UPDATE assessments SET photo_flags = $1 WHERE id = $2")
            .bind(i64::try_from(photos.len()).unwrap_or(i64::MAX))
            .bind(&id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
