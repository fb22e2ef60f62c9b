//! Fuzz target: the server's `Content-Range` parser for blob uploads. The server module is
//! standard library only, so this target compiles that very file (no copy) without building
//! the server; it checks the handler's arithmetic on every parsed range and that a parsed
//! range prints back to what it read.

#![no_main]

#[path = "../../server/src/content_range.rs"]
mod content_range;

use content_range::{parse_finish, parse_range};
use libfuzzer_sys::fuzz_target;
// Links the harness crate: its capped global allocator.
use hoctap_fuzz as _;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    if let Some((start, end, total)) = parse_range(value) {
        // The handler's check (server/src/api/blobs.rs), which must not overflow.
        let len = data.len() as u64;
        let _accepted = !(end < start || end >= total || end - start + 1 != len);
        assert_eq!(
            parse_range(&format!("bytes {start}-{end}/{total}")),
            Some((start, end, total))
        );
        assert!(parse_finish(value).is_none(), "a range is never a finish");
    }
    if let Some(total) = parse_finish(value) {
        assert_eq!(parse_finish(&format!("bytes */{total}")), Some(total));
    }
});
