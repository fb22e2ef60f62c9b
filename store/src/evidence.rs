//! Evidence photo rows and their links to an assessment's indicators. The photo *file* is made
//! durable first by the caller (`hoctap-evidence`: content-addressed, temp → fsync → rename);
//! then [`attach`] inserts its row and link in one transaction. So a row never points to a
//! missing file, and a file left without a row by a crash is an orphan that the evidence
//! clean-up removes.

use crate::codec::{self, Coded};
use crate::{assessments, Db, Result, Store, StoreError};
use hoctap_domain::engine::InputError;
use hoctap_domain::model::SubjectKind;
use hoctap_domain::plausibility::{self, Context, GeoPoint, Place, PlaceLevel};
use hoctap_domain::protocol::PhotoFacts;
use hoctap_domain::state::AssessmentState;
use rusqlite::params;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// What the device knows of a processed photo (from `hoctap-evidence`), as its row stores it.
/// Capture time and GPS live here, never in the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoRecord {
    /// SHA-256 of the stored JPEG (its file name).
    pub sha256: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub taken_at: Option<String>,
    pub gps_lat: Option<f64>,
    pub gps_lon: Option<f64>,
    pub make: Option<String>,
    pub model: Option<String>,
    /// 64-bit perceptual hash, hex.
    pub phash: String,
    /// SHA-256 of the file as captured.
    pub source_sha256: Option<String>,
}

/// A photo attached to an indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceRow {
    pub item_id: String,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub taken_at: Option<String>,
    pub gps_lat: Option<f64>,
    pub gps_lon: Option<f64>,
    pub phash: String,
    /// When the photo was attached to this indicator, RFC 3339 at the device's offset (a
    /// correction keeps its parent's times).
    pub attached_at: Option<String>,
}

/// One use of a photo as evidence, for finding near-identical photos across subjects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoUse {
    pub sha256: String,
    pub phash: String,
    pub assessment_id: String,
    pub item_id: String,
    pub subject_kind: SubjectKind,
    pub subject_id: String,
    /// Household head or member name.
    pub subject_name: Option<String>,
}

/// Fail unless a photo may be attached to `item_id` of assessment `id` (a draft whose set has
/// that indicator). Checked before a photo is processed, and again when it is attached.
pub fn check_attachable(db: &Db<'_>, id: &str, item_id: &str) -> Result<()> {
    let info = assessments::get(db, id)?;
    if info.is_finalized() {
        return Err(StoreError::Finalized(id.to_string()));
    }
    let set = assessments::set_of(db, &info)?;
    if set.indicator(item_id).is_none() {
        return Err(StoreError::Input(InputError::UnknownIndicator {
            item: item_id.to_string(),
            set: set.id.clone(),
        }));
    }
    Ok(())
}

/// Record a processed photo and link it to an indicator of a draft. Attaching the same photo
/// twice to the same indicator is a no-op. Returns whether a new link was made.
pub fn attach(db: &Db<'_>, id: &str, item_id: &str, photo: &PhotoRecord) -> Result<bool> {
    check_attachable(db, id, item_id)?;
    let now = db.now();
    db.conn()
        .prepare_cached(
            "INSERT INTO photo (sha256, bytes, width, height, taken_at, gps_lat, gps_lon, make, model,
                                phash, source_sha256, created_at, created_offset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (sha256) DO NOTHING",
        )?
        .execute(params![
            photo.sha256,
            i64::try_from(photo.bytes).unwrap_or(i64::MAX),
            photo.width,
            photo.height,
            photo.taken_at,
            photo.gps_lat,
            photo.gps_lon,
            photo.make,
            photo.model,
            photo.phash,
            photo.source_sha256,
            now.utc,
            now.offset_minutes
        ])?;
    let linked = db
        .conn()
        .prepare_cached(
            "INSERT INTO evidence (assessment_id, item_id, photo_sha256, position, created_at)
             VALUES (?1, ?2, ?3,
                     (SELECT coalesce(max(position), 0) + 1 FROM evidence
                      WHERE assessment_id = ?1 AND item_id = ?2), ?4)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![id, item_id, photo.sha256, now.utc])?;
    db.conn()
        .prepare_cached("UPDATE assessment SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, now.utc])?;
    Ok(linked == 1)
}

/// Detach a photo from an indicator of a draft. Returns whether it was attached.
pub fn detach(db: &Db<'_>, id: &str, item_id: &str, sha256: &str) -> Result<bool> {
    let info = assessments::get(db, id)?;
    if info.is_finalized() {
        return Err(StoreError::Finalized(id.to_string()));
    }
    let n = db
        .conn()
        .prepare_cached(
            "DELETE FROM evidence WHERE assessment_id = ?1 AND item_id = ?2 AND photo_sha256 = ?3",
        )?
        .execute(params![id, item_id, sha256])?;
    Ok(n == 1)
}

/// Photo hashes attached per indicator, in attachment order.
pub fn hashes_of(db: &Db<'_>, id: &str) -> Result<BTreeMap<String, Vec<String>>> {
    let mut stmt = db.conn().prepare_cached(
        "SELECT item_id, photo_sha256 FROM evidence WHERE assessment_id = ?1 ORDER BY item_id, position",
    )?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in stmt.query_map([id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (item, sha) = row?;
        out.entry(item).or_default().push(sha);
    }
    Ok(out)
}

/// Photos of an assessment per indicator, in the order they were attached.
pub fn rows_of(db: &Db<'_>, id: &str) -> Result<BTreeMap<String, Vec<EvidenceRow>>> {
    let mut stmt = db.conn().prepare_cached(
        "SELECT e.item_id, p.sha256, p.width, p.height, p.bytes, p.taken_at, p.gps_lat,
                p.gps_lon, p.phash, e.created_at, p.created_offset
         FROM evidence e JOIN photo p ON p.sha256 = e.photo_sha256
         WHERE e.assessment_id = ?1 ORDER BY e.item_id, e.position",
    )?;
    let mut out: BTreeMap<String, Vec<EvidenceRow>> = BTreeMap::new();
    for row in stmt.query_map([id], |r| {
        Ok(EvidenceRow {
            item_id: r.get(0)?,
            sha256: r.get(1)?,
            width: r.get(2)?,
            height: r.get(3)?,
            bytes: r.get::<_, i64>(4).map(|b| u64::try_from(b).unwrap_or(0))?,
            taken_at: r.get(5)?,
            gps_lat: r.get(6)?,
            gps_lon: r.get(7)?,
            phash: r.get(8)?,
            attached_at: plausibility::at_offset(&r.get::<_, String>(9)?, r.get(10)?),
        })
    })? {
        let p = row?;
        out.entry(p.item_id.clone()).or_default().push(p);
    }
    Ok(out)
}

/// Copy the photo links of one assessment to another (a correction starts with its parent's).
/// The links keep their attachment times: a photo attached a year ago is as old in the
/// correction (evidence plausibility measures a photo's age at attachment).
pub fn copy_links(db: &Db<'_>, from: &str, to: &str) -> Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO evidence (assessment_id, item_id, photo_sha256, position, created_at)
             SELECT ?2, item_id, photo_sha256, position, created_at FROM evidence
             WHERE assessment_id = ?1",
        )?
        .execute(params![from, to])?;
    Ok(())
}

/// What the photos of an assessment are checked against (`hoctap_domain::plausibility`): its
/// year, and where its subject is — the hamlet's place when the server set one, else the
/// commune's. A clan whose households live in several hamlets has no hamlet; a unit may sit at
/// commune level. Places with missing or out-of-range values count as unknown.
pub fn plausibility_context(db: &Db<'_>, id: &str) -> Result<Context> {
    let info = assessments::get(db, id)?;
    let row: Option<[Option<f64>; 6]> = {
        use rusqlite::OptionalExtension;
        db.conn()
            .prepare_cached(
                "WITH x(hamlet_id) AS (SELECT CASE ?1
                     WHEN 'hamlet' THEN ?2
                     WHEN 'household' THEN (SELECT hamlet_id FROM household WHERE id = ?2)
                     WHEN 'member' THEN (SELECT h.hamlet_id FROM member m
                                         JOIN household h ON h.id = m.household_id
                                         WHERE m.id = ?2)
                     WHEN 'unit' THEN (SELECT hamlet_id FROM unit WHERE id = ?2)
                     WHEN 'clan' THEN (SELECT CASE WHEN count(DISTINCT h.hamlet_id) = 1
                                                   THEN min(h.hamlet_id) END
                                       FROM clan_household c
                                       JOIN household h ON h.id = c.household_id
                                       WHERE c.clan_id = ?2)
                   END)
                 SELECT t.center_lat, t.center_lon, t.radius_km,
                        c.center_lat, c.center_lon, c.radius_km
                 FROM x
                 LEFT JOIN hamlet t ON t.id = x.hamlet_id
                 LEFT JOIN commune c ON c.code = coalesce(t.commune_code,
                     CASE ?1 WHEN 'unit' THEN (SELECT commune_code FROM unit WHERE id = ?2) END)",
            )?
            .query_row(params![Coded(info.subject.kind), info.subject.id], |r| {
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ])
            })
            .optional()?
    };
    let place = row.and_then(|[hl, hn, hr, cl, cn, cr]| {
        let hamlet = Place::from_parts(hl, hn, hr).ok().flatten();
        let commune = Place::from_parts(cl, cn, cr).ok().flatten();
        hamlet
            .map(|p| (PlaceLevel::Hamlet, p))
            .or(commune.map(|p| (PlaceLevel::Commune, p)))
    });
    Ok(Context {
        year: info.year,
        place,
    })
}

/// The facts of every photo of an assessment, for its manifest entry (outside the hashed
/// content): capture time, GPS, and when it was first attached, by photo hash.
pub fn photo_facts_of(db: &Db<'_>, id: &str) -> Result<Vec<PhotoFacts>> {
    let rows = db
        .conn()
        .prepare_cached(
            "SELECT p.sha256, p.taken_at, p.gps_lat, p.gps_lon, min(e.created_at), p.created_offset
             FROM evidence e JOIN photo p ON p.sha256 = e.photo_sha256
             WHERE e.assessment_id = ?1
             GROUP BY p.sha256 ORDER BY p.sha256",
        )?
        .query_map([id], |r| {
            let (lat, lon): (Option<f64>, Option<f64>) = (r.get(2)?, r.get(3)?);
            Ok(PhotoFacts {
                sha256: r.get(0)?,
                taken_at: r.get(1)?,
                gps: lat.zip(lon).map(|(lat, lon)| GeoPoint { lat, lon }),
                attached_at: plausibility::at_offset(&r.get::<_, String>(4)?, r.get(5)?),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Remove every photo link of a draft (before it is discarded).
pub fn unlink_all(db: &Db<'_>, id: &str) -> Result<()> {
    db.conn()
        .prepare_cached(
            "DELETE FROM evidence WHERE assessment_id = ?1
               AND (SELECT state FROM assessment WHERE id = ?1) = ?2",
        )?
        .execute(params![id, Coded(AssessmentState::Draft)])?;
    Ok(())
}

/// Remove photo rows no assessment uses; returns how many went, and the hashes still in use
/// (every file not among them may be deleted).
pub fn remove_unused(db: &Db<'_>) -> Result<(u64, HashSet<String>)> {
    let rows = db.conn().execute(
        "DELETE FROM photo WHERE sha256 NOT IN (SELECT photo_sha256 FROM evidence)",
        [],
    )?;
    let referenced: HashSet<String> = db
        .conn()
        .prepare_cached("SELECT sha256 FROM photo")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok((u64::try_from(rows).unwrap_or(0), referenced))
}

/// Every use of a photo as evidence, with its subject.
pub fn photo_uses(db: &Db<'_>) -> Result<Vec<PhotoUse>> {
    let rows = db
        .conn()
        .prepare_cached(
            "SELECT p.sha256, p.phash, e.assessment_id, e.item_id, a.subject_kind, a.subject_id,
                    coalesce(h.head_name, m.name)
             FROM evidence e
             JOIN photo p ON p.sha256 = e.photo_sha256
             JOIN assessment a ON a.id = e.assessment_id
             LEFT JOIN household h ON a.subject_kind = 'household' AND h.id = a.subject_id
             LEFT JOIN member m ON a.subject_kind = 'member' AND m.id = a.subject_id
             ORDER BY p.sha256, e.assessment_id",
        )?
        .query_map([], |r| {
            Ok(PhotoUse {
                sha256: r.get(0)?,
                phash: r.get(1)?,
                assessment_id: r.get(2)?,
                item_id: r.get(3)?,
                subject_kind: codec::get(r, 4)?,
                subject_id: r.get(5)?,
                subject_name: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The stored size of a photo, if the device has its row.
pub fn photo_bytes(db: &Db<'_>, sha256: &str) -> Result<Option<u64>> {
    use rusqlite::OptionalExtension;
    let n: Option<i64> = db
        .conn()
        .prepare_cached("SELECT bytes FROM photo WHERE sha256 = ?1")?
        .query_row([sha256], |r| r.get(0))
        .optional()?;
    Ok(n.map(|n| u64::try_from(n).unwrap_or(0)))
}

impl Store {
    /// Fail unless a photo may be attached (see [`check_attachable`]).
    pub fn check_attachable(&self, id: &str, item_id: &str) -> Result<()> {
        self.read(|db| check_attachable(db, id, item_id))
    }

    /// Record a processed photo and link it (see [`attach`]).
    pub fn attach_photo_record(
        &self,
        id: &str,
        item_id: &str,
        photo: &PhotoRecord,
    ) -> Result<bool> {
        self.write(|db| attach(db, id, item_id, photo))
    }

    /// Detach a photo from an indicator of a draft.
    pub fn remove_photo(&self, id: &str, item_id: &str, sha256: &str) -> Result<bool> {
        self.write(|db| detach(db, id, item_id, sha256))
    }

    /// Photo hashes attached per indicator.
    pub fn evidence_of(&self, id: &str) -> Result<BTreeMap<String, Vec<String>>> {
        self.read(|db| hashes_of(db, id))
    }

    /// Photos of an assessment per indicator.
    pub fn photo_rows(&self, id: &str) -> Result<BTreeMap<String, Vec<EvidenceRow>>> {
        self.read(|db| {
            assessments::get(db, id)?;
            rows_of(db, id)
        })
    }

    /// Remove unused photo rows (see [`remove_unused`]).
    pub fn remove_unused_photos(&self) -> Result<(u64, HashSet<String>)> {
        self.write(remove_unused)
    }

    /// Every use of a photo as evidence.
    pub fn photo_uses(&self) -> Result<Vec<PhotoUse>> {
        self.read(photo_uses)
    }

    /// What the photos of an assessment are checked against (see [`plausibility_context`]).
    pub fn plausibility_context(&self, id: &str) -> Result<Context> {
        self.read(|db| plausibility_context(db, id))
    }

    /// The photo facts of an assessment's manifest entry (see [`photo_facts_of`]).
    pub fn photo_facts(&self, id: &str) -> Result<Vec<PhotoFacts>> {
        self.read(|db| photo_facts_of(db, id))
    }
}
