//! Regression tests for what the `roster_read` fuzz target found (fuzz/README.md, "Findings").
//! Each input is a committed file; before the fix it panicked ("attempt to multiply with
//! overflow" or "attempt to subtract with overflow" in calamine's cell reference and dimension
//! parsers) in any build with overflow checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::roster::{read, FileError, Refusal};

fn refused_as_bad_workbook(name: &str, bytes: &[u8]) {
    match read(bytes, 2026) {
        Err(Refusal::File(FileError::BadWorkbook(why))) => {
            assert!(why.contains("cell reference"), "{name}: {why}");
        }
        Err(other) => panic!("{name}: refused, but not as a bad workbook: {other:?}"),
        Ok(_) => panic!("{name}: read, but its cell references are outside the sheet"),
    }
}

/// A nine-letter column (`HOUSEHOLD2`: 26^9 > u32::MAX), the fuzzer's finding made small (its
/// own input is `fuzz/corpus/roster_read/repro-calamine-column-overflow.bin`).
#[test]
fn column_letters_past_the_grid_are_a_typed_error() {
    refused_as_bad_workbook(
        "column-overflow.xlsx",
        include_bytes!("data/roster-fuzz/column-overflow.xlsx"),
    );
}

/// A twelve-digit row number on a row and its cell.
#[test]
fn row_numbers_past_the_grid_are_a_typed_error() {
    refused_as_bad_workbook(
        "row-overflow.xlsx",
        include_bytes!("data/roster-fuzz/row-overflow.xlsx"),
    );
}

/// The sheet's `<dimension ref = 'A1:ZZZZZZZ1'/>` (spaces around `=`, single quotes), which
/// calamine reads before any cell.
#[test]
fn a_dimension_past_the_grid_is_a_typed_error() {
    refused_as_bad_workbook(
        "dimension-overflow.xlsx",
        include_bytes!("data/roster-fuzz/dimension-overflow.xlsx"),
    );
}

/// A reversed `<dimension ref="A9:E3"/>`: calamine subtracts the start from the end ("attempt
/// to subtract with overflow"); the fuzzer's input is
/// `fuzz/corpus/roster_read/repro-calamine-dimension-reversed.bin`.
#[test]
fn a_reversed_dimension_is_a_typed_error() {
    refused_as_bad_workbook(
        "dimension-reversed.xlsx",
        include_bytes!("data/roster-fuzz/dimension-reversed.xlsx"),
    );
}

/// A shared-string table claiming `uniqueCount="93333333333333333"`: calamine reserves that
/// many strings before reading one (the fuzzer's input, which asked for more than 512 MiB in a
/// 1 KB file, is `fuzz/corpus/roster_read/repro-calamine-unique-count.bin`).
#[test]
fn a_huge_shared_string_count_is_a_typed_error() {
    refused_as_bad_workbook(
        "unique-count.xlsx",
        include_bytes!("data/roster-fuzz/unique-count.xlsx"),
    );
}

/// The last cell of the grid (`XFD1048576`) and a full-grid dimension are still read.
#[test]
fn references_inside_the_grid_still_read() {
    let roster = read(include_bytes!("data/roster-fuzz/grid-corner.xlsx"), 2026)
        .expect("a workbook with valid references");
    assert_eq!(roster.households.len(), 1);
    assert_eq!(roster.households[0].code, "D1");
}
