//! Fuzz target: canonical assessment JSON (the frozen, hashed content of a finalized
//! assessment) read, re-scored as the server does (`CanonicalAssessment::evaluate`), and
//! checked to be a fixed point of seal → read → seal.

#![no_main]

use hoctap_domain::assessment::{sha256_hex, CanonicalAssessment};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(content) = CanonicalAssessment::from_json(json) else {
        return;
    };
    hoctap_fuzz::check_canonical(&content);
    // Verification as the server does it: the bytes as sent hash to the named SHA-256, and
    // content that is already canonical seals to exactly itself.
    let (sealed, sha) = content.seal().expect("seals");
    if sealed == json {
        assert_eq!(sha, sha256_hex(data));
    }
});
