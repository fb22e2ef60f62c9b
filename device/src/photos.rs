//! Evidence photos on a device: processed and made durable in the photo folder first (sealed
//! when the directory is encrypted), then recorded and linked in the store; listed with their
//! file paths; read back as JPEG bytes (`photo_bytes`, `thumbnail_bytes`: the only way to see an
//! encrypted photo); cleaned up; compared.

use crate::{Device, DeviceError};
use hoctap_domain::plausibility::{self, Context, Flag, GeoPoint, PhotoInput, Rules};
use hoctap_evidence::{self as evidence, IngestOptions, PhotoSource};
use hoctap_store::evidence::{EvidenceRow, PhotoRecord};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    /// `false` when the same photo was already attached to this indicator.
    #[serde(skip)]
    pub newly_attached: bool,
    /// When it was attached to this indicator (RFC 3339 at the device's offset).
    pub attached_at: Option<String>,
    /// Reasons to look twice at the photo (taken outside the assessment year, long before it was
    /// attached, far from the hamlet…): shown to the cadre, sent to the reviewer, never a
    /// refusal. Empty when nothing is worth a look.
    pub flags: Vec<Flag>,
}

impl EvidencePhoto {
    fn from_row(dir: &Path, r: EvidenceRow, ctx: &Context) -> EvidencePhoto {
        let flags = flags_of(&r, ctx);
        EvidencePhoto {
            flags,
            attached_at: r.attached_at,
            path: evidence::store::photo_path(dir, &r.sha256),
            thumb_path: evidence::store::thumb_path(dir, &r.sha256),
            item_id: r.item_id,
            sha256: r.sha256,
            width: r.width,
            height: r.height,
            bytes: r.bytes,
            taken_at: r.taken_at,
            gps_lat: r.gps_lat,
            gps_lon: r.gps_lon,
            phash: r.phash,
            newly_attached: false,
        }
    }
}

/// The plausibility flags of a stored photo link (the domain's rule, the project's default
/// thresholds — the same the server applies for the reviewer).
fn flags_of(r: &EvidenceRow, ctx: &Context) -> Vec<Flag> {
    plausibility::check(
        &PhotoInput {
            taken_at: r.taken_at.as_deref(),
            gps: r
                .gps_lat
                .zip(r.gps_lon)
                .map(|(lat, lon)| GeoPoint { lat, lon }),
            attached_at: r.attached_at.as_deref(),
        },
        ctx,
        &Rules::PROJECT_DEFAULT,
    )
}

/// Two near-identical photos used as evidence for different subjects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimilarPair {
    pub distance: u32,
    pub a: SimilarSide,
    pub b: SimilarSide,
}

/// One side of a [`SimilarPair`].
pub type SimilarSide = hoctap_store::evidence::PhotoUse;

/// What [`Device::gc_evidence`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvidenceGc {
    pub rows_removed: u64,
    pub files_removed: u64,
    pub bytes_freed: u64,
}

impl Device {
    /// Process a photo (file path or bytes) and attach it to `item_id` of a draft. The draft
    /// and indicator are checked before the photo is processed; the file is durable before its
    /// row is written. Attaching the same photo twice to the same indicator is a no-op.
    pub fn attach_photo(
        &self,
        assessment_id: &str,
        item_id: &str,
        source: PhotoSource<'_>,
        options: &IngestOptions,
    ) -> Result<EvidencePhoto, DeviceError> {
        self.store.check_attachable(assessment_id, item_id)?;
        let dir = self.evidence_dir();
        let photo = match self.photo_key() {
            Some(key) => evidence::ingest_with_key(source, options, &dir, key)?,
            None => evidence::ingest(source, options, &dir)?,
        };
        let record = PhotoRecord {
            sha256: photo.sha256.clone(),
            bytes: photo.bytes,
            width: photo.width,
            height: photo.height,
            taken_at: photo.taken_at.clone(),
            gps_lat: photo.gps.map(|g| g.lat),
            gps_lon: photo.gps.map(|g| g.lon),
            make: photo.make.clone(),
            model: photo.model.clone(),
            phash: evidence::phash::to_hex(photo.phash),
            source_sha256: Some(photo.source_sha256.clone()),
        };
        let newly_attached = self
            .store
            .attach_photo_record(assessment_id, item_id, &record)?;
        // The link as stored (its first attachment time when it was already there), checked
        // against the assessment's year and place.
        let ctx = self.store.plausibility_context(assessment_id)?;
        let row = self
            .store
            .photo_rows(assessment_id)?
            .remove(item_id)
            .and_then(|rows| rows.into_iter().find(|r| r.sha256 == photo.sha256));
        let attached_at = row.as_ref().and_then(|r| r.attached_at.clone());
        let flags = row.as_ref().map(|r| flags_of(r, &ctx)).unwrap_or_default();
        Ok(EvidencePhoto {
            attached_at,
            flags,
            item_id: item_id.to_string(),
            sha256: photo.sha256,
            path: photo.path,
            thumb_path: photo.thumb_path,
            width: photo.width,
            height: photo.height,
            bytes: photo.bytes,
            taken_at: photo.taken_at,
            gps_lat: record.gps_lat,
            gps_lon: record.gps_lon,
            phash: record.phash,
            newly_attached,
        })
    }

    /// Process a photo into the photo folder (sealed when the directory is encrypted) without
    /// recording it in the store (`hoctap evidence ingest`); unreferenced, it goes at the next
    /// clean-up.
    pub fn store_photo(
        &self,
        source: PhotoSource<'_>,
        options: &IngestOptions,
    ) -> Result<evidence::IngestedPhoto, DeviceError> {
        let dir = self.evidence_dir();
        Ok(match self.photo_key() {
            Some(key) => evidence::ingest_with_key(source, options, &dir, key)?,
            None => evidence::ingest(source, options, &dir)?,
        })
    }

    /// Photos of an assessment per indicator, in the order they were attached.
    pub fn photos_of(
        &self,
        assessment_id: &str,
    ) -> Result<BTreeMap<String, Vec<EvidencePhoto>>, DeviceError> {
        let dir = self.evidence_dir();
        let rows = self.store.photo_rows(assessment_id)?;
        let ctx = self.store.plausibility_context(assessment_id)?;
        Ok(rows
            .into_iter()
            .map(|(item, rows)| {
                (
                    item,
                    rows.into_iter()
                        .map(|r| EvidencePhoto::from_row(&dir, r, &ctx))
                        .collect(),
                )
            })
            .collect())
    }

    /// The stored photo `sha256` as JPEG bytes (decrypted when the directory is encrypted; its
    /// content checked against its name). A damaged file is `EvidenceError::DamagedFile`.
    pub fn photo_bytes(&self, sha256: &str) -> Result<Vec<u8>, DeviceError> {
        check_sha(sha256)?;
        Ok(evidence::store::read_photo(
            &self.evidence_dir(),
            sha256,
            self.photo_key(),
        )?)
    }

    /// The thumbnail of the stored photo `sha256` as JPEG bytes.
    pub fn thumbnail_bytes(&self, sha256: &str) -> Result<Vec<u8>, DeviceError> {
        check_sha(sha256)?;
        Ok(evidence::store::read_thumb(
            &self.evidence_dir(),
            sha256,
            self.photo_key(),
        )?)
    }

    /// Remove photo rows no assessment uses, then every file in the photo folder that no row
    /// references (and stale temp files).
    pub fn gc_evidence(&self) -> Result<EvidenceGc, DeviceError> {
        let (rows, referenced) = self.store.remove_unused_photos()?;
        let mut gc = EvidenceGc {
            rows_removed: rows,
            ..EvidenceGc::default()
        };
        let dir = self.evidence_dir();
        if dir.exists() {
            let r = evidence::gc_orphans(&dir, &referenced)?;
            gc.files_removed = (r.photos_removed + r.thumbs_removed + r.temps_removed) as u64;
            gc.bytes_freed = r.bytes_freed;
        }
        Ok(gc)
    }

    /// Near-identical photos (perceptual hashes within `max_distance` bits) used as evidence for
    /// different subjects — the same picture shown for two households.
    pub fn similar_evidence(&self, max_distance: u32) -> Result<Vec<SimilarPair>, DeviceError> {
        let uses = self.store.photo_uses()?;
        let hashes: Vec<(usize, u64)> = uses
            .iter()
            .enumerate()
            .filter_map(|(i, u)| evidence::phash::from_hex(&u.phash).map(|h| (i, h)))
            .collect();
        let mut out = Vec::new();
        for (i, j, distance) in evidence::similar_pairs(&hashes, max_distance) {
            let (Some(&(ai, _)), Some(&(bi, _))) = (hashes.get(i), hashes.get(j)) else {
                continue;
            };
            let (Some(a), Some(b)) = (uses.get(ai), uses.get(bi)) else {
                continue;
            };
            if (a.subject_kind, a.subject_id.as_str()) == (b.subject_kind, b.subject_id.as_str()) {
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

/// A photo is named by 64 lowercase hex digits: anything else names no file (and never a path
/// outside the photo folder).
fn check_sha(sha256: &str) -> Result<(), DeviceError> {
    if sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(hoctap_store::StoreError::not_found(hoctap_store::error::Entity::Photo, sha256).into())
    }
}
