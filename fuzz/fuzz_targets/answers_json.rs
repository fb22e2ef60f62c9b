//! Fuzz target: the answers JSON (`hoctap score --answers`, the bindings' answer input) read
//! against every built-in criteria set, and each accepted input evaluated.

#![no_main]

use hoctap_domain::criteria::builtin::builtin_sets;
use hoctap_domain::engine::{evaluate, Answers};
use libfuzzer_sys::fuzz_target;
// Links the harness crate: its capped global allocator.
use hoctap_fuzz as _;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    for set in builtin_sets() {
        match Answers::from_json(&set, json, 2026) {
            Ok(answers) => {
                if let Err(e) = evaluate(&set, &answers) {
                    let _ = (e.to_string(), e.message_vi());
                }
            }
            Err(e) => {
                let _ = (e.to_string(), e.message_vi());
            }
        }
    }
});
