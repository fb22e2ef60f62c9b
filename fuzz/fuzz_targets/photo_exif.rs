//! Fuzz target: EXIF metadata of an evidence photo (`hoctap_evidence::exif::read_metadata`,
//! JPEG or PNG container): never fails, and whatever it returns is in range.

#![no_main]

use libfuzzer_sys::fuzz_target;
// Links the harness crate: its capped global allocator.
use hoctap_fuzz as _;

fuzz_target!(|data: &[u8]| {
    let m = hoctap_evidence::exif::read_metadata(data);
    assert!((1..=8).contains(&m.orientation));
    if let Some(g) = m.gps {
        assert!((-90.0..=90.0).contains(&g.lat) && (-180.0..=180.0).contains(&g.lon));
        assert!(g.alt.is_none_or(f64::is_finite));
    }
});
