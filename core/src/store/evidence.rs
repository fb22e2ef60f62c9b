//! Evidence photos linked to an assessment's indicators. The photo file is made durable first
//! (content-addressed, temp → fsync → rename, by `crate::evidence`), then its row and link are
//! inserted in one transaction: a row never points to a missing file, and a file left without a
//! row by a crash is an orphan that [`Store::gc_evidence`] removes.

use super::{Result, Store, StoreError};
use crate::clock;
use crate::evidence::{self, IngestOptions, PhotoSource};
use rusqlite::{params, Transaction, TransactionBehavior};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

/// A photo attached to an indicator, as a screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidencePhoto {
    pub item_id: String,
    pub sha256: String,
    pub path: PathBuf,
    pub thumb_path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub taken_at: Option<String>,
    pub gps_lat: Option<f64>,
    pub gps_lon: Option<f64>,
    pub phash: String,
}

/// Two near-identical photos used as evidence for different subjects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimilarPair {
    pub distance: u32,
    pub a: SimilarSide,
    pub b: SimilarSide,
}

/// One side of a [`SimilarPair`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimilarSide {
    pub sha256: String,
    pub assessment_id: String,
    pub item_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    /// Household head or member name.
    pub subject_name: Option<String>,
}

/// What [`Store::gc_evidence`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvidenceGc {
    pub rows_removed: u64,
    pub files_removed: u64,
    pub bytes_freed: u64,
}

impl Store {
    fn evidence_dir_or_err(&self) -> Result<PathBuf> {
        self.evidence_dir().ok_or_else(|| {
            StoreError::Invalid(
                "Kho ảnh cần cơ sở dữ liệu trên đĩa / photos need an on-disk store".into(),
            )
        })
    }

    /// Process a photo (file path or bytes) and attach it to `item_id` of a draft. Attaching the
    /// same photo twice to the same indicator is a no-op.
    pub fn attach_photo(
        &self,
        assessment_id: &str,
        item_id: &str,
        source: PhotoSource<'_>,
        options: &IngestOptions,
    ) -> Result<EvidencePhoto> {
        let info = self.assessment(assessment_id)?;
        if info.state != "draft" {
            return Err(StoreError::Finalized(assessment_id.to_string()));
        }
        let set = self.criteria_for(&info)?;
        if set.indicator(item_id).is_none() {
            return Err(StoreError::Input(
                crate::engine::InputError::UnknownIndicator {
                    item: item_id.to_string(),
                    set: set.id.clone(),
                },
            ));
        }
        let dir = self.evidence_dir_or_err()?;
        let photo = evidence::ingest(source, options, &dir)?;
        let now = clock::now();
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        tx.prepare_cached(
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
            photo.gps.map(|g| g.lat),
            photo.gps.map(|g| g.lon),
            photo.make,
            photo.model,
            evidence::phash::to_hex(photo.phash),
            photo.source_sha256,
            now.utc,
            now.offset_minutes
        ])?;
        tx.prepare_cached(
            "INSERT INTO evidence (assessment_id, item_id, photo_sha256, position, created_at)
             VALUES (?1, ?2, ?3,
                     (SELECT coalesce(max(position), 0) + 1 FROM evidence
                      WHERE assessment_id = ?1 AND item_id = ?2), ?4)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![assessment_id, item_id, photo.sha256, now.utc])?;
        tx.prepare_cached("UPDATE assessment SET updated_at = ?2 WHERE id = ?1")?
            .execute(params![assessment_id, now.utc])?;
        tx.commit()?;
        Ok(EvidencePhoto {
            item_id: item_id.to_string(),
            sha256: photo.sha256,
            path: photo.path,
            thumb_path: photo.thumb_path,
            width: photo.width,
            height: photo.height,
            bytes: photo.bytes,
            taken_at: photo.taken_at,
            gps_lat: photo.gps.map(|g| g.lat),
            gps_lon: photo.gps.map(|g| g.lon),
            phash: evidence::phash::to_hex(photo.phash),
        })
    }

    /// Detach a photo from an indicator of a draft (the file goes at the next clean-up if
    /// nothing else uses it).
    pub fn remove_photo(&self, assessment_id: &str, item_id: &str, sha256: &str) -> Result<bool> {
        let info = self.assessment(assessment_id)?;
        if info.state != "draft" {
            return Err(StoreError::Finalized(assessment_id.to_string()));
        }
        let n = self.conn.execute(
            "DELETE FROM evidence WHERE assessment_id = ?1 AND item_id = ?2 AND photo_sha256 = ?3",
            params![assessment_id, item_id, sha256],
        )?;
        Ok(n == 1)
    }

    /// Photos of an assessment per indicator, in the order they were attached.
    pub fn photos_of(&self, assessment_id: &str) -> Result<BTreeMap<String, Vec<EvidencePhoto>>> {
        let dir = self.evidence_dir().unwrap_or_default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.item_id, p.sha256, p.width, p.height, p.bytes, p.taken_at, p.gps_lat,
                    p.gps_lon, p.phash
             FROM evidence e JOIN photo p ON p.sha256 = e.photo_sha256
             WHERE e.assessment_id = ?1 ORDER BY e.item_id, e.position",
        )?;
        let mut out: BTreeMap<String, Vec<EvidencePhoto>> = BTreeMap::new();
        for row in stmt.query_map([assessment_id], |r| {
            let sha: String = r.get(1)?;
            Ok(EvidencePhoto {
                item_id: r.get(0)?,
                path: evidence::store::photo_path(&dir, &sha),
                thumb_path: evidence::store::thumb_path(&dir, &sha),
                sha256: sha,
                width: r.get(2)?,
                height: r.get(3)?,
                bytes: r.get::<_, i64>(4).map(|b| u64::try_from(b).unwrap_or(0))?,
                taken_at: r.get(5)?,
                gps_lat: r.get(6)?,
                gps_lon: r.get(7)?,
                phash: r.get(8)?,
            })
        })? {
            let p = row?;
            out.entry(p.item_id.clone()).or_default().push(p);
        }
        Ok(out)
    }

    /// Remove photo rows no assessment uses, then every file in the evidence folder that no row
    /// references (and stale temp files).
    pub fn gc_evidence(&self) -> Result<EvidenceGc> {
        let rows = self.conn.execute(
            "DELETE FROM photo WHERE sha256 NOT IN (SELECT photo_sha256 FROM evidence)",
            [],
        )?;
        let referenced: HashSet<String> = self
            .conn
            .prepare("SELECT sha256 FROM photo")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut gc = EvidenceGc {
            rows_removed: u64::try_from(rows).unwrap_or(0),
            ..Default::default()
        };
        if let Some(dir) = self.evidence_dir() {
            if dir.exists() {
                let r = evidence::gc_orphans(&dir, &referenced)?;
                gc.files_removed = (r.photos_removed + r.thumbs_removed + r.temps_removed) as u64;
                gc.bytes_freed = r.bytes_freed;
            }
        }
        Ok(gc)
    }

    /// Near-identical photos (perceptual hashes within `max_distance` bits) used as evidence for
    /// different subjects — the same picture shown for two households.
    pub fn similar_evidence(&self, max_distance: u32) -> Result<Vec<SimilarPair>> {
        let mut stmt = self.conn.prepare(
            "SELECT p.sha256, p.phash, e.assessment_id, e.item_id, a.subject_kind, a.subject_id,
                    coalesce(h.head_name, m.name)
             FROM evidence e
             JOIN photo p ON p.sha256 = e.photo_sha256
             JOIN assessment a ON a.id = e.assessment_id
             LEFT JOIN household h ON a.subject_kind = 'household' AND h.id = a.subject_id
             LEFT JOIN member m ON a.subject_kind = 'member' AND m.id = a.subject_id
             ORDER BY p.sha256, e.assessment_id",
        )?;
        let rows: Vec<(SimilarSide, String)> = stmt
            .query_map([], |r| {
                Ok((
                    SimilarSide {
                        sha256: r.get(0)?,
                        assessment_id: r.get(2)?,
                        item_id: r.get(3)?,
                        subject_kind: r.get(4)?,
                        subject_id: r.get(5)?,
                        subject_name: r.get(6)?,
                    },
                    r.get::<_, String>(1)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let hashes: Vec<(usize, u64)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, (_, h))| evidence::phash::from_hex(h).map(|h| (i, h)))
            .collect();
        let mut out = Vec::new();
        for (i, j, distance) in evidence::similar_pairs(&hashes, max_distance) {
            let (a, b) = (&rows[hashes[i].0].0, &rows[hashes[j].0].0);
            if (a.subject_kind.as_str(), a.subject_id.as_str())
                == (b.subject_kind.as_str(), b.subject_id.as_str())
            {
                continue;
            }
            out.push(SimilarPair {
                distance,
                a: a.clone(),
                b: b.clone(),
            });
        }
        out.sort_by(|x, y| {
            x.distance
                .cmp(&y.distance)
                .then(x.a.sha256.cmp(&y.a.sha256))
        });
        Ok(out)
    }
}
