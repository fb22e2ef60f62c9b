//! `hoctap evidence ingest|add|list|remove|similar|gc|export`: the photo pipeline from a
//! terminal. In an encrypted data directory the photo files are sealed; `export` writes one out
//! as a clear JPEG.

use crate::error::{CliError, CliResult};
use crate::output;
use hoctap_device::DeviceError;
use hoctap_evidence::{self as evidence, IngestOptions, PhotoSource};
use std::path::Path;

fn options(max_edge: Option<u32>, quality: Option<u8>) -> IngestOptions {
    let mut o = IngestOptions::default();
    if let Some(e) = max_edge {
        o.max_edge = e;
    }
    if let Some(q) = quality {
        o.quality = q;
    }
    o
}

/// `hoctap evidence ingest FILE [--out DIR]`: process one photo; with `--out` into DIR (clear
/// files, no database), else into the data directory's photo store (still no database row;
/// sealed when the directory is encrypted).
pub fn ingest(
    data: Option<&Path>,
    file: &Path,
    out: Option<&Path>,
    max_edge: Option<u32>,
    quality: Option<u8>,
    json: bool,
) -> CliResult {
    let source = PhotoSource::Path(file);
    let options = options(max_edge, quality);
    let photo = match out {
        Some(d) => evidence::ingest(source, &options, d).map_err(DeviceError::from)?,
        None => {
            let dir = super::data_dir(data)?;
            let encrypted =
                hoctap_device::Device::data_state(&dir)? == hoctap_device::DataState::Encrypted;
            if encrypted || super::key::key_given() {
                super::open_device(data)?.store_photo(source, &options)?
            } else {
                evidence::ingest(source, &options, &dir.join(hoctap_device::EVIDENCE_DIR))
                    .map_err(DeviceError::from)?
            }
        }
    };
    if json {
        return output::json(&photo);
    }
    outln!(
        "Đã lưu ảnh / stored: {} ({}×{}, {} KB, sha256 {})",
        photo.path.display(),
        photo.width,
        photo.height,
        photo.bytes / 1024,
        photo.sha256
    );
    if let Some(t) = &photo.taken_at {
        outln!("Chụp lúc / taken at: {t}");
    }
    if let Some(g) = &photo.gps {
        outln!("Vị trí / GPS: {:.6}, {:.6}", g.lat, g.lon);
    }
    Ok(())
}

/// `hoctap evidence add ASSESSMENT INDICATOR FILE`.
pub fn add(
    data: Option<&Path>,
    assessment: &str,
    item: &str,
    file: &Path,
    max_edge: Option<u32>,
    quality: Option<u8>,
    json: bool,
) -> CliResult {
    let dev = super::open_device(data)?;
    let photo = dev.attach_photo(
        assessment,
        item,
        PhotoSource::Path(file),
        &options(max_edge, quality),
    )?;
    if json {
        #[derive(serde::Serialize)]
        struct Added<'a> {
            #[serde(flatten)]
            photo: &'a hoctap_device::EvidencePhoto,
            newly_attached: bool,
        }
        return output::json(&Added {
            photo: &photo,
            newly_attached: photo.newly_attached,
        });
    }
    if photo.newly_attached {
        outln!(
            "Đã gắn ảnh minh chứng cho chỉ số {item} / attached: {} ({}×{})",
            photo.sha256,
            photo.width,
            photo.height
        );
    } else {
        outln!(
            "Ảnh này đã gắn cho chỉ số {item} từ trước, không gắn lại / already attached: {}",
            photo.sha256
        );
    }
    // Plausibility flags: the photo is attached all the same (exit 0); the reviewer sees them.
    for f in &photo.flags {
        errln!("Cảnh báo ảnh: {}", f.message_vi());
    }
    Ok(())
}

/// `hoctap evidence list ASSESSMENT`.
pub fn list(data: Option<&Path>, assessment: &str, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let photos = dev.photos_of(assessment)?;
    if json {
        return output::json(&photos);
    }
    for (item, list) in &photos {
        for p in list {
            outln!(
                "{item}  {}  {}×{}  {}",
                p.sha256,
                p.width,
                p.height,
                p.path.display()
            );
            for f in &p.flags {
                outln!("    Cảnh báo: {}", f.message_vi());
            }
        }
    }
    Ok(())
}

/// `hoctap evidence remove ASSESSMENT INDICATOR SHA256`.
pub fn remove(data: Option<&Path>, assessment: &str, item: &str, sha256: &str) -> CliResult {
    let dev = super::open_device(data)?;
    if dev.store().remove_photo(assessment, item, sha256)? {
        outln!("Đã gỡ ảnh / removed");
        Ok(())
    } else {
        Err(CliError::invalid(format!(
            "Chỉ số {item} không có ảnh {sha256}"
        )))
    }
}

/// `hoctap evidence similar [--max-distance N]`.
pub fn similar(data: Option<&Path>, max_distance: u32, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let pairs = dev.similar_evidence(max_distance)?;
    if json {
        return output::json(&pairs);
    }
    if pairs.is_empty() {
        outln!("Không có ảnh trùng giữa các hộ / no near-identical photos across subjects");
    }
    for p in &pairs {
        outln!(
            "Khoảng cách {}: {} ({}, chỉ số {}) ~ {} ({}, chỉ số {})",
            p.distance,
            p.a.subject_name.as_deref().unwrap_or(&p.a.subject_id),
            p.a.assessment_id,
            p.a.item_id,
            p.b.subject_name.as_deref().unwrap_or(&p.b.subject_id),
            p.b.assessment_id,
            p.b.item_id
        );
    }
    Ok(())
}

/// `hoctap evidence gc`.
pub fn gc(data: Option<&Path>, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let r = dev.gc_evidence()?;
    if json {
        output::json(&r)
    } else {
        outln!(
            "Đã dọn {} tệp ({} KB), {} dòng / cleaned",
            r.files_removed,
            r.bytes_freed / 1024,
            r.rows_removed
        );
        Ok(())
    }
}

/// `hoctap evidence export SHA256 OUT [--thumbnail]`: a stored photo (or its thumbnail) as a
/// clear JPEG file, decrypted when the data directory is encrypted.
pub fn export(data: Option<&Path>, sha256: &str, out: &Path, thumbnail: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let bytes = if thumbnail {
        dev.thumbnail_bytes(sha256)?
    } else {
        dev.photo_bytes(sha256)?
    };
    std::fs::write(out, &bytes).map_err(|e| {
        CliError::failure(format!("Không ghi được tệp {}", out.display()))
            .with_detail(format!("cannot write {}: {e}", out.display()))
    })?;
    outln!(
        "Đã ghi / written: {} ({} KB)",
        out.display(),
        bytes.len() / 1024
    );
    Ok(())
}
