//! Fuzz target: a roster file (CSV in any encoding and separator, or XLSX) through
//! `hoctap_domain::roster::read`, then the importer's `checked` and every message. An input
//! starting with byte 0x01 is a worksheet's XML (then NUL, then shared strings) wrapped into a
//! well-formed workbook (`hoctap_fuzz::roster_bytes`), so the sheet parser is reached.

#![no_main]

use hoctap_domain::roster::{problem_lines, read, Refusal};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = hoctap_fuzz::roster_bytes(data);
    match read(&bytes, 2026).and_then(|r| {
        let _ = r.source.note_vi();
        r.checked(Vec::new())
    }) {
        Ok(roster) => {
            // What an importer gets always names its hamlet, code and head.
            for h in &roster.households {
                assert!(!h.hamlet.is_empty() && !h.code.is_empty() && !h.head.is_empty());
            }
        }
        Err(refusal) => {
            let _ = (refusal.message_vi(), refusal.detail());
            if let Refusal::Rows { problems, .. } = &refusal {
                let _ = problem_lines("fuzz.csv", problems, 20);
            }
        }
    }
});
