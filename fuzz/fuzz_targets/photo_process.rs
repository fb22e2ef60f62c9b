//! Fuzz target: the evidence photo pipeline from bytes (`hoctap_evidence::process`, what
//! `ingest` runs before writing files): sniff, limits, EXIF, planar JPEG / PNG decode,
//! shrink-on-load, resize, orient, encode, pHash. The long edge is picked from the input's
//! length (64, 200 or the default 1600 px) so that small inputs also reach the reduced IDCTs.
//!
//! `process` turns a panic of a stage into `EvidenceError::Damaged`, but libFuzzer's panic hook
//! aborts first: every panic is a finding here even though a user would only see an error.

#![no_main]

use hoctap_evidence::{process, IngestOptions};
use libfuzzer_sys::fuzz_target;
// Links the harness crate: its capped global allocator.
use hoctap_fuzz as _;

fuzz_target!(|data: &[u8]| {
    let defaults = IngestOptions::default();
    let options = IngestOptions {
        max_edge: [64, 200, defaults.max_edge][data.len() % 3],
        thumb_edge: 32,
        ..defaults
    };
    match process(data, &options) {
        Ok(photo) => {
            assert!(photo.width <= options.max_edge && photo.height <= options.max_edge);
            assert!(photo.width > 0 && photo.height > 0);
            assert!(photo.jpeg.starts_with(&[0xFF, 0xD8]));
        }
        Err(e) => {
            let _ = (e.to_string(), e.message_vi());
        }
    }
});
