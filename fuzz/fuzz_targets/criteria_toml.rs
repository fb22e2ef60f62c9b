//! Fuzz target: a criteria set file (`criteria/*.toml` format) through the loader's whole-file
//! validation; a set that loads is hashed and scored with no answers and with every indicator
//! at its maximum, as a device would right after installing it.

#![no_main]

use hoctap_domain::criteria::{parse_set, AnswerKind, LoadedSet};
use hoctap_domain::engine::{evaluate, AnswerValue, Answers, ItemAnswer};
use libfuzzer_sys::fuzz_target;
// Links the harness crate: its capped global allocator.
use hoctap_fuzz as _;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match parse_set(src, "fuzz.toml") {
        Err(report) => {
            // Every problem renders (line numbers from spans, Vietnamese and English).
            let _ = report.to_string();
        }
        Ok(set) => {
            let loaded = LoadedSet::new(set);
            let _ = loaded.sha256();
            let _ = evaluate(&loaded, &Answers::default());
            let mut full = Answers {
                year: 2026,
                ..Answers::default()
            };
            for i in loaded.set().indicators() {
                let value = match i.answer {
                    AnswerKind::YesNo => Some(AnswerValue::YesNo(true)),
                    AnswerKind::Points { .. } => i.max.map(AnswerValue::Points),
                    _ => None,
                };
                let answer = ItemAnswer {
                    value,
                    ..ItemAnswer::default()
                };
                full.items.insert(i.id.clone(), answer);
            }
            let _ = evaluate(&loaded, &full);
        }
    }
});
