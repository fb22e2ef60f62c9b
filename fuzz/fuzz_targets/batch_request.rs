//! Fuzz target: a `PUT /batches/{uuid}` body (`protocol::BatchRequest`) read as the server
//! reads it, then each entry verified without a database as `intake::check` does — content
//! hash, canonical content, blob names — re-scored, and its photo facts checked for
//! plausibility against a place.

#![no_main]

use hoctap_domain::assessment::{sha256_hex, CanonicalAssessment};
use hoctap_domain::plausibility::{check_facts, Context, Place, PlaceLevel, Rules};
use hoctap_domain::protocol::{is_sha256_hex, BatchRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = serde_json::from_slice::<BatchRequest>(data) else {
        return;
    };
    let place = Place::new(21.03, 105.85, 2.0).ok();
    for entry in &batch.assessments {
        let _hash_ok = is_sha256_hex(&entry.content_sha256)
            && sha256_hex(entry.content.as_bytes()) == entry.content_sha256;
        let _blobs_ok = entry.evidence.iter().all(|b| is_sha256_hex(b));
        let year = match CanonicalAssessment::from_json(&entry.content) {
            Ok(content) => {
                hoctap_fuzz::check_canonical(&content);
                content.year
            }
            Err(_) => 2026,
        };
        let ctx = Context {
            year,
            place: place.map(|p| (PlaceLevel::Hamlet, p)),
        };
        for facts in &entry.photo_facts {
            for flag in check_facts(facts, &ctx, &Rules::default()) {
                let _ = flag.message_vi();
            }
        }
    }
});
