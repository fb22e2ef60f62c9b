//! The `Content-Range` header of a blob upload (`PUT /blobs/{sha256}`), parsed.
//!
//! Standard library only, with no `crate::` paths: the fuzz crate (`fuzz/`, target
//! `content_range`) compiles this very file on its own, without building the server.

/// `bytes START-END/TOTAL` → (start, end inclusive, total); `None` for anything else.
pub fn parse_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    Some((digits(start)?, digits(end)?, digits(total)?))
}

/// `bytes */TOTAL` → total (an empty "finish" request); `None` for anything else.
pub fn parse_finish(value: &str) -> Option<u64> {
    digits(value.trim().strip_prefix("bytes */")?)
}

/// A non-empty run of ASCII digits that fits a `u64` (no sign, no space).
fn digits(s: &str) -> Option<u64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}
