//! Helpers shared by the fuzz targets (`fuzz_targets/`): the built-in criteria sets a target
//! scores against, a minimal XLSX workbook around a fuzzed worksheet (so that the fuzzer reaches
//! the sheet parser instead of stopping at zip checksums it cannot forge), and the fixed place
//! that photo facts are checked against.
//!
//! It also installs the global allocator of every target, [`CappedAlloc`]: one allocation larger
//! than [`MAX_ALLOC`] aborts the run (a finding), since nothing an input may legitimately ask
//! for comes near it — the photo pipeline's largest buffer is a 50 MP picture's (≈200 MB).
//!
//! Fuzz harness code: a panic here *is* the finding, so invariants are plain `assert!`s.

use hoctap_domain::assessment::CanonicalAssessment;
use hoctap_domain::criteria::builtin::{builtin_set, builtin_sets};
use hoctap_domain::criteria::LoadedSet;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Cursor, Write};
use std::sync::Arc;

/// The largest single allocation a target may make (512 MiB).
pub const MAX_ALLOC: usize = 512 << 20;

/// The system allocator, refusing (by aborting, which libFuzzer reports with the input) any one
/// allocation above [`MAX_ALLOC`]. Without a sanitizer libFuzzer's own `-malloc_limit_mb` has
/// no hook to act on; `-rss_limit_mb` still bounds the total.
pub struct CappedAlloc;

fn check(size: usize) {
    if size > MAX_ALLOC {
        // No formatting (it could allocate): a fixed message, then abort.
        let _ = std::io::stderr().write_all(b"==hoctap-fuzz== single allocation above 512 MiB\n");
        std::process::abort();
    }
}

// SAFETY: every call is forwarded unchanged to `System`, after a size check that only aborts.
unsafe impl GlobalAlloc for CappedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: CappedAlloc = CappedAlloc;

/// The set a canonical assessment is re-scored with: the built-in one with its id, else the
/// first built-in set of its model (the server would use the published set with its hash; every
/// set must survive every content, so any set of the model is a fair stand-in).
pub fn set_for(content: &CanonicalAssessment) -> Option<Arc<LoadedSet>> {
    builtin_set(&content.criteria.id).or_else(|| {
        builtin_sets()
            .into_iter()
            .find(|s| s.set().model == content.model)
    })
}

/// Re-score a parsed canonical assessment as the server does, and check that its canonical
/// JSON is a fixed point: sealing what was read, reading that and sealing again gives the same
/// bytes and the same value.
pub fn check_canonical(content: &CanonicalAssessment) {
    if let Some(set) = set_for(content) {
        let _ = content.evaluate(&set);
    }
    let _ = content.photo_hashes();
    let (json, sha) = content.seal().expect("a read assessment seals");
    let again = CanonicalAssessment::from_json(&json).expect("sealed JSON reads back");
    assert_eq!(&again, content, "canonical JSON does not round-trip");
    let (json2, sha2) = again.seal().expect("seals again");
    assert_eq!(json, json2, "canonical JSON is not a fixed point");
    assert_eq!(sha, sha2);
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// First byte of a `roster_read` input that means "the rest is a worksheet, then a NUL, then
/// the shared strings": the target wraps them into a workbook with [`xlsx`].
pub const SHEET_MODE: u8 = 0x01;

/// A well-formed XLSX (stored, not deflated) with `sheet` as its first worksheet's XML and
/// `shared` as its shared strings.
pub fn xlsx(sheet: &[u8], shared: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", ROOT_RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", shared),
    ] {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(body).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

/// A `roster_read` input as the roster reader's bytes: raw, or a workbook in sheet mode.
pub fn roster_bytes(data: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match data.split_first() {
        Some((&SHEET_MODE, rest)) => {
            let (sheet, shared) = match rest.iter().position(|&b| b == 0) {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &[][..]),
            };
            std::borrow::Cow::Owned(xlsx(sheet, shared))
        }
        _ => std::borrow::Cow::Borrowed(data),
    }
}
