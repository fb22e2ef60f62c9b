//! Evidence photos (minh chứng): a fast, faithful and safe photo pipeline.
//!
//! A photo from a cheap Android phone goes through:
//!
//! 1. **limits before decoding** — file size ([`IngestOptions::max_bytes`]), format sniffed from
//!    magic bytes (HEIC/HEIF/AVIF, WebP, … → [`EvidenceError::UnsupportedFormat`] with a
//!    Vietnamese hint), pixel count read from the header ([`IngestOptions::max_pixels`]), free
//!    disk space ([`IngestOptions::disk_reserve`]);
//! 2. **tolerant EXIF** ([`exif`]) — orientation, capture time, GPS, make, model go into the
//!    returned record, never into the output file;
//! 3. **planar decode** ([`decode`]) — a JPEG becomes its Y, Cb, Cr planes at their own
//!    resolution (no chroma upsampling, no colour conversion); when the photo is ≥ 2× the target
//!    the IDCT also runs at 1/2, 1/4 or 1/8 scale (shrink-on-load, libjpeg's `jidctred`);
//! 4. **resize** ([`resize`]) — each plane Lanczos3 (SIMD) straight to the exact target, never
//!    upscaling; interleaved as YCbCr;
//! 5. **orient** ([`orient`]) — the 8 EXIF orientations, applied on the small image;
//! 6. **encode** ([`encode`]) — baseline JPEG, quality 80, no metadata segments; a 320 px
//!    thumbnail; a 64-bit perceptual hash of it ([`phash`]);
//! 7. **store** ([`store`]) — content-addressed by the SHA-256 of the output, crash-safe writes,
//!    idempotent; [`gc_orphans`] removes what the DB no longer references; with a key
//!    ([`ingest_with_key`]) photo and thumbnail are sealed at rest ([`seal`]:
//!    XChaCha20-Poly1305), still named by the clear JPEG's SHA-256.
//!
//! [`process`] does 1–6 in memory; [`ingest`] adds reading the source and step 7.
//!
//! # Dependencies and why
//!
//! * `jpeg-decoder` — pure Rust, vendored with three marked patches (`vendor/jpeg-decoder/
//!   PATCHES.md`): a libjpeg-accurate reduced IDCT for shrink-on-load, planar output, and a
//!   strict mode that refuses corrupt compressed data instead of decoding garbage. Its
//!   `rayon` feature was measured: no gain over the built-in std-thread worker, so it stays off.
//! * `fast_image_resize` — SIMD (SSE4.1/AVX2/NEON) separable convolution, Lanczos3.
//! * `jpeg-encoder` — pure Rust baseline encoder with AVX2; writes no metadata segments.
//!   Optimised Huffman tables were measured: −1.7 % bytes for +15 % CPU, so they stay off.
//! * `png` — the reference PNG decoder (rare input, correctness first).
//! * `kamadak-exif` — tolerant EXIF parsing (`continue_on_error`, partial results).
//! * `fs4` — free space of a file system (`statvfs` via `rustix`, no libc FFI of our own).
//! * `chacha20poly1305`, `getrandom`, `zeroize` — photo files encrypted at rest (RustCrypto's
//!   XChaCha20-Poly1305: a random 192-bit nonce per file is safe, no nonce bookkeeping).
//!
//! # Performance
//!
//! `cargo bench -p hoctap-evidence --bench evidence_vs_vips` compares against `vipsthumbnail` on the
//! 12 MP test photo (4032×3024 → 1600×1200, q80, stripped), interleaved in one run. On the
//! 2-core dev machine ours took ≈0.7× vips' wall and CPU time (also on one core), ≈41 MB peak
//! RSS against vips' ≈50 MB, +0.35 % bytes, and luma PSNR/SSIM 39.31 dB / 0.9777 against vips'
//! 39.23 dB / 0.9776 versus a full-resolution f32 Lanczos3 reference. vips decodes this photo at
//! full size too (its shrink-on-load also leaves ≥ 2× for the resize); the planar decode is what
//! saves the memory. The photo's encode and the thumbnail branch run on two threads, as do the
//! luma and chroma resizes.

pub mod decode;
pub mod encode;
pub mod error;
pub mod exif;
pub mod format;
pub mod orient;
pub mod phash;
pub mod resize;
pub mod seal;
pub mod store;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

pub use error::EvidenceError;
pub use exif::{Gps, PhotoMetadata};
pub use phash::{hamming, similar_pairs};
pub use seal::PhotoKey;
pub use store::{gc_orphans, gc_orphans_with, GcOptions, GcReport};

/// Settings of the pipeline. `Default` gives the project's standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOptions {
    /// Long edge of the stored photo in pixels (never upscaled). Default 1600.
    pub max_edge: u32,
    /// JPEG quality of the stored photo, 1..=100. Default 80.
    pub quality: u8,
    /// Long edge of the thumbnail. Default 320.
    pub thumb_edge: u32,
    /// JPEG quality of the thumbnail. Default 75.
    pub thumb_quality: u8,
    /// Largest accepted picture in pixels, read from the header before decoding. Default 50 M.
    pub max_pixels: u64,
    /// Largest accepted input file in bytes. Default 40 MiB.
    pub max_bytes: u64,
    /// Bytes that must stay free on the device after storing. Default 200 MiB.
    pub disk_reserve: u64,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_edge: 1600,
            quality: 80,
            thumb_edge: 320,
            thumb_quality: 75,
            max_pixels: 50_000_000,
            max_bytes: 40 * 1024 * 1024,
            disk_reserve: 200 * 1024 * 1024,
        }
    }
}

impl IngestOptions {
    fn validate(&self) -> Result<(), EvidenceError> {
        let bad = |m: &str| Err(EvidenceError::InvalidOptions(m.to_owned()));
        if !(1..=65_535).contains(&self.max_edge) || !(1..=65_535).contains(&self.thumb_edge) {
            return bad("cạnh dài phải từ 1 đến 65535 px");
        }
        if !(1..=100).contains(&self.quality) || !(1..=100).contains(&self.thumb_quality) {
            return bad("chất lượng JPEG phải từ 1 đến 100");
        }
        Ok(())
    }
}

/// Where the source photo comes from.
#[derive(Debug, Clone, Copy)]
pub enum PhotoSource<'a> {
    /// A file on disk (its size is checked before it is read).
    Path(&'a Path),
    /// Bytes already in memory.
    Bytes(&'a [u8]),
}

/// The in-memory result of [`process`].
#[derive(Debug, Clone)]
pub struct ProcessedPhoto {
    /// The stored JPEG (oriented, downscaled, no metadata).
    pub jpeg: Vec<u8>,
    /// Width of `jpeg`.
    pub width: u32,
    /// Height of `jpeg`.
    pub height: u32,
    /// The thumbnail JPEG.
    pub thumb_jpeg: Vec<u8>,
    /// Width of the thumbnail.
    pub thumb_width: u32,
    /// Height of the thumbnail.
    pub thumb_height: u32,
    /// Lowercase hex SHA-256 of `jpeg` (the photo's identity).
    pub sha256: String,
    /// Lowercase hex SHA-256 of the source bytes.
    pub source_sha256: String,
    /// Width of the source as stored (before orientation).
    pub source_width: u32,
    /// Height of the source as stored.
    pub source_height: u32,
    /// 64-bit perceptual hash (see [`phash`]).
    pub phash: u64,
    /// Metadata read from the source.
    pub metadata: PhotoMetadata,
}

/// A stored evidence photo: what the DB row records.
#[derive(Debug, Clone, Serialize)]
pub struct IngestedPhoto {
    /// Path of the stored photo.
    pub path: PathBuf,
    /// Path of its thumbnail.
    pub thumb_path: PathBuf,
    /// Lowercase hex SHA-256 of the stored photo.
    pub sha256: String,
    /// Width of the stored photo.
    pub width: u32,
    /// Height of the stored photo.
    pub height: u32,
    /// Size of the stored photo in bytes.
    pub bytes: u64,
    /// Capture time (RFC 3339 with offset, or naive local time).
    pub taken_at: Option<String>,
    /// GPS position at capture.
    pub gps: Option<Gps>,
    /// Camera maker.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
    /// Perceptual hash, serialised as 16 hex digits.
    #[serde(serialize_with = "serialize_phash")]
    pub phash: u64,
    /// Lowercase hex SHA-256 of the source file.
    pub source_sha256: String,
    /// `false` when an identical photo was already stored (idempotent re-ingest).
    pub newly_stored: bool,
}

fn serialize_phash<S: Serializer>(h: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&phash::to_hex(*h))
}

/// Runs the pipeline in memory: checks limits, reads metadata, decodes (planar, strict),
/// resizes, orients, encodes the photo and its thumbnail, hashes. Touches no disk.
pub fn process(bytes: &[u8], options: &IngestOptions) -> Result<ProcessedPhoto, EvidenceError> {
    options.validate()?;
    if bytes.len() as u64 > options.max_bytes {
        return Err(EvidenceError::TooLargeBytes {
            bytes: bytes.len() as u64,
            max: options.max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(EvidenceError::damaged("empty input"));
    }
    let format = format::sniff(bytes);
    if let format::Format::Unsupported(name) = format {
        return Err(EvidenceError::UnsupportedFormat {
            format: name.to_owned(),
        });
    }
    // Last line of defence: no panic of any stage may escape as a crash.
    catch_unwind(AssertUnwindSafe(|| process_image(bytes, format, options)))
        .unwrap_or_else(|_| Err(EvidenceError::damaged("panic while processing the image")))
}

fn process_image(
    bytes: &[u8],
    format: format::Format,
    options: &IngestOptions,
) -> Result<ProcessedPhoto, EvidenceError> {
    let metadata = exif::read_metadata(bytes);
    let decoded = decode::decode(bytes, format, options.max_edge, options.max_pixels)?;
    let (rw, rh) = resize::fit(
        decoded.source_width,
        decoded.source_height,
        options.max_edge,
    );
    let (source_width, source_height) = (decoded.source_width, decoded.source_height);
    let resized = resize::resize_decoded(decoded, rw, rh)?;
    let oriented = orient::apply(resized, metadata.orientation);
    let (width, height) = (oriented.width, oriented.height);
    let (tw, th) = resize::fit(width, height, options.thumb_edge);
    // The photo's encode and the thumbnail branch (resize, encode, pHash) are independent: run
    // them on two threads (phones have 4–8 cores; costs no extra memory).
    let (jpeg, thumb_branch) = std::thread::scope(|s| {
        let main = s.spawn(|| encode::encode_jpeg(&oriented, options.quality));
        let thumb = (|| {
            let thumb = resize::resize_ref(&oriented, tw, th)?;
            let thumb_jpeg = encode::encode_jpeg(&thumb, options.thumb_quality)?;
            Ok::<_, EvidenceError>((thumb_jpeg, phash::phash(&thumb)?))
        })();
        let main = main
            .join()
            .unwrap_or_else(|_| Err(EvidenceError::damaged("panic while encoding")));
        (main, thumb)
    });
    drop(oriented);
    let jpeg = jpeg?;
    let (thumb_jpeg, phash) = thumb_branch?;
    Ok(ProcessedPhoto {
        sha256: store::sha256_hex(&jpeg),
        source_sha256: store::sha256_hex(bytes),
        width,
        height,
        jpeg,
        thumb_width: tw,
        thumb_height: th,
        thumb_jpeg,
        source_width,
        source_height,
        phash,
        metadata,
    })
}

/// Ingests a photo into the content-addressed store under `store_dir`: checks limits and free
/// space, [`process`]es it, and writes photo and thumbnail crash-safely (see [`store`]).
/// Re-ingesting the same photo is idempotent. On error nothing is left in `store_dir`.
pub fn ingest(
    source: PhotoSource<'_>,
    options: &IngestOptions,
    store_dir: &Path,
) -> Result<IngestedPhoto, EvidenceError> {
    ingest_into(source, options, store_dir, None)
}

/// [`ingest`] into a folder encrypted at rest: photo and thumbnail are sealed with `key`
/// ([`seal`]); names, hashes and the returned record are those of the clear JPEG.
pub fn ingest_with_key(
    source: PhotoSource<'_>,
    options: &IngestOptions,
    store_dir: &Path,
    key: &PhotoKey,
) -> Result<IngestedPhoto, EvidenceError> {
    ingest_into(source, options, store_dir, Some(key))
}

fn ingest_into(
    source: PhotoSource<'_>,
    options: &IngestOptions,
    store_dir: &Path,
    key: Option<&PhotoKey>,
) -> Result<IngestedPhoto, EvidenceError> {
    options.validate()?;
    let owned;
    let bytes: &[u8] = match source {
        PhotoSource::Bytes(b) => b,
        PhotoSource::Path(p) => {
            let len = std::fs::metadata(p)
                .map_err(|e| EvidenceError::io(p, e))?
                .len();
            if len > options.max_bytes {
                return Err(EvidenceError::TooLargeBytes {
                    bytes: len,
                    max: options.max_bytes,
                });
            }
            owned = std::fs::read(p).map_err(|e| EvidenceError::io(p, e))?;
            &owned
        }
    };
    // The output is never larger than the input for camera photos; budget that much.
    store::check_free_space(store_dir, bytes.len() as u64, options.disk_reserve)?;
    let photo = process(bytes, options)?;
    let path = store::photo_path(store_dir, &photo.sha256);
    let thumb_path = store::thumb_path(store_dir, &photo.sha256);
    let newly_stored =
        store::write_file(&path, seal::Role::Photo, &photo.sha256, &photo.jpeg, key)?;
    if let Err(e) = store::write_file(
        &thumb_path,
        seal::Role::Thumb,
        &photo.sha256,
        &photo.thumb_jpeg,
        key,
    ) {
        if newly_stored {
            let _ = std::fs::remove_file(&path);
        }
        return Err(e);
    }
    Ok(IngestedPhoto {
        path,
        thumb_path,
        sha256: photo.sha256,
        width: photo.width,
        height: photo.height,
        bytes: photo.jpeg.len() as u64,
        taken_at: photo.metadata.taken_at,
        gps: photo.metadata.gps,
        make: photo.metadata.make,
        model: photo.metadata.model,
        phash: photo.phash,
        source_sha256: photo.source_sha256,
        newly_stored,
    })
}

/// A small JPEG preview of a stored evidence photo (already oriented and resized by the
/// pipeline): at most `edge` pixels on its long side, for the reviewer's dossier page. Decodes
/// with shrink-on-load, so a preview costs a fraction of a full decode.
pub fn preview(jpeg: &[u8], edge: u32, quality: u8) -> Result<Vec<u8>, EvidenceError> {
    let limits = IngestOptions::default();
    if jpeg.len() as u64 > limits.max_bytes {
        return Err(EvidenceError::TooLargeBytes {
            bytes: jpeg.len() as u64,
            max: limits.max_bytes,
        });
    }
    let format = format::sniff(jpeg);
    if let format::Format::Unsupported(name) = format {
        return Err(EvidenceError::UnsupportedFormat {
            format: name.to_owned(),
        });
    }
    catch_unwind(AssertUnwindSafe(|| {
        let decoded = decode::decode(jpeg, format, edge, limits.max_pixels)?;
        let (w, h) = resize::fit(decoded.source_width, decoded.source_height, edge);
        let small = resize::resize_decoded(decoded, w, h)?;
        encode::encode_jpeg(&small, quality)
    }))
    .unwrap_or_else(|_| Err(EvidenceError::damaged("panic while making a preview")))
}
