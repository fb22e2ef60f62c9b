//! A roster file's bytes as a table of text cells with their line numbers, whatever the file is:
//! CSV in UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode Text") or
//! Windows-1258 (CP1258, converted to NFC UTF-8), separated by commas, semicolons (Excel in a
//! Vietnamese locale) or tabs; or the first sheet of an XLSX workbook, read from memory.
//! Anything else is a [`FileError`] that says how to save a file that can be read.

use super::problem::{FileError, Problem, RowProblem};
use crate::text;
use calamine::{Data, Reader, Xlsx};
use serde::Serialize;
use std::collections::BTreeMap;
use unicode_normalization::char::is_combining_mark;

crate::coded_enum! {
    /// What kind of file a roster came in.
    pub enum FileFormat("roster file format") {
        Csv = "csv",
        Xlsx = "xlsx",
    }
}

crate::coded_enum! {
    /// The character encoding of a text roster.
    pub enum TextEncoding("text encoding") {
        Utf8 = "utf-8",
        Utf16Le = "utf-16le",
        Utf16Be = "utf-16be",
        Windows1258 = "windows-1258",
    }
}

crate::coded_enum! {
    /// The field separator of a text roster.
    pub enum Delimiter("delimiter") {
        Comma = "comma",
        Semicolon = "semicolon",
        Tab = "tab",
    }
}

impl Delimiter {
    fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }
}

/// How a roster file was read, reported with the import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    pub format: FileFormat,
    /// Text files only.
    pub encoding: Option<TextEncoding>,
    /// The text began with a byte-order mark.
    pub bom: bool,
    /// Text files only.
    pub delimiter: Option<Delimiter>,
    /// The text was converted to UTF-8 (it was Windows-1258 or UTF-16).
    pub converted: bool,
    /// Workbooks only: the sheet read (the first).
    pub sheet: Option<String>,
}

impl SourceInfo {
    /// A note for the cadre when the file was converted or a sheet chosen.
    pub fn note_vi(&self) -> Option<String> {
        match (self.encoding, &self.sheet) {
            (Some(TextEncoding::Windows1258), _) => Some(
                "Tệp dùng bảng mã Windows-1258 (CP1258): đã chuyển sang Unicode (UTF-8) trước khi đọc; hãy kiểm tra lại dấu tiếng Việt.".into(),
            ),
            (Some(TextEncoding::Utf16Le | TextEncoding::Utf16Be), _) => {
                Some("Tệp dùng bảng mã UTF-16: đã chuyển sang UTF-8 trước khi đọc.".into())
            }
            (_, Some(sheet)) => Some(format!("Đã đọc trang tính đầu tiên «{sheet}».")),
            _ => None,
        }
    }
}

/// A data row: its line (row number in a sheet) and its cells as text.
#[derive(Debug, Clone)]
pub(crate) struct TableRow {
    pub line: u64,
    pub cells: Vec<String>,
}

/// A file as a header and rows; rows that could not be split into cells are `problems`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub header_line: u64,
    pub header: Vec<String>,
    pub rows: Vec<TableRow>,
    pub problems: Vec<RowProblem>,
}

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Read a roster file into a table, by its content (whatever its name says).
pub(crate) fn read_table(bytes: &[u8]) -> Result<(Table, SourceInfo), FileError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::Empty);
    }
    if bytes.starts_with(b"%PDF") {
        return Err(FileError::Pdf);
    }
    if bytes.starts_with(OLE) {
        return Err(FileError::OldExcel);
    }
    if bytes.starts_with(ZIP) {
        return read_zip(bytes);
    }
    let (text, encoding, bom) = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    if text.trim_start().starts_with('<') {
        return Err(FileError::Markup);
    }
    let (table, delimiter) = csv_table(&text);
    if table.header.is_empty() && table.problems.is_empty() {
        return Err(FileError::Empty);
    }
    Ok((
        table,
        SourceInfo {
            format: FileFormat::Csv,
            encoding: Some(encoding),
            bom,
            delimiter: Some(delimiter),
            converted: encoding != TextEncoding::Utf8,
            sheet: None,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Text

/// The file as NFC text: UTF-8 (BOM dropped), UTF-16 with a BOM, or else Windows-1258 when it
/// reads as Vietnamese.
fn decode(bytes: &[u8]) -> Result<(String, TextEncoding, bool), FileError> {
    let (text, encoding, bom) = if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        let t = std::str::from_utf8(rest).map_err(|_| FileError::UnknownEncoding)?;
        (t.to_string(), TextEncoding::Utf8, true)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        let t = encoding_rs::UTF_16LE
            .decode_without_bom_handling_and_without_replacement(rest)
            .ok_or(FileError::UnknownEncoding)?;
        (t.into_owned(), TextEncoding::Utf16Le, true)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        let t = encoding_rs::UTF_16BE
            .decode_without_bom_handling_and_without_replacement(rest)
            .ok_or(FileError::UnknownEncoding)?;
        (t.into_owned(), TextEncoding::Utf16Be, true)
    } else if let Ok(t) = std::str::from_utf8(bytes) {
        (t.to_string(), TextEncoding::Utf8, false)
    } else {
        if has_binary(bytes.iter().map(|&b| char::from(b))) {
            return Err(FileError::Binary);
        }
        let t = encoding_rs::WINDOWS_1258
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or(FileError::UnknownEncoding)?;
        if !plausible_vietnamese(&t) {
            return Err(FileError::UnknownEncoding);
        }
        (t.into_owned(), TextEncoding::Windows1258, false)
    };
    if has_binary(text.chars()) {
        return Err(FileError::Binary);
    }
    Ok((text::nfc(&text), encoding, bom))
}

/// Control characters no spreadsheet writes into text (NUL betrays UTF-16 without a BOM).
fn has_binary(mut chars: impl Iterator<Item = char>) -> bool {
    chars.any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
}

/// Whether Windows-1258 text reads as Vietnamese: its non-ASCII characters are letters or tone
/// marks (no C1 controls, which bytes undefined in the code page decode to), with at least one
/// letter or mark only Vietnamese uses.
fn plausible_vietnamese(t: &str) -> bool {
    const VIETNAMESE: &str = "ăâđêôơưĂÂĐÊÔƠƯ\u{300}\u{301}\u{303}\u{309}\u{323}";
    let mut letters = 0usize;
    let mut others = 0usize;
    let mut vietnamese = false;
    for c in t.chars().filter(|c| !c.is_ascii()) {
        if ('\u{80}'..='\u{9f}').contains(&c) {
            return false;
        }
        if c.is_alphabetic() || is_combining_mark(c) {
            letters += 1;
        } else {
            others += 1;
        }
        vietnamese |= VIETNAMESE.contains(c);
    }
    vietnamese && others * 10 <= letters
}

/// The separator: the one that splits a header line (one of the first lines, in case a title
/// comes first) into the required columns; else the one most used on the first line (outside
/// quotes); a comma when none is. (Excel's `sep=;` first line is read before this.)
fn sniff(body: &str) -> Delimiter {
    let all = [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab];
    let mut lines = body.lines().filter(|l| !l.trim().is_empty());
    let first = lines.clone().next().unwrap_or_default();
    for line in lines.by_ref().take(TITLE_ROWS + 1) {
        for d in all {
            let cells: Vec<String> = line
                .split(char::from(d.byte()))
                .map(|c| c.trim().trim_matches('"').to_string())
                .collect();
            if super::is_header(&cells) {
                return d;
            }
        }
    }
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in first.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    all[best]
}

/// Split CSV text into a table (the csv crate, lenient about quotes, with every quoting mistake
/// it passes over reported here in Vietnamese).
fn csv_table(text: &str) -> (Table, Delimiter) {
    let mut body = text;
    let mut line_offset = 0u64;
    let first = text.lines().next().unwrap_or("");
    let declared = first.trim().strip_prefix("sep=").and_then(|s| match s {
        "," => Some(Delimiter::Comma),
        ";" => Some(Delimiter::Semicolon),
        "" if first.contains('\t') => Some(Delimiter::Tab),
        _ => None,
    });
    if declared.is_some() {
        body = text.split_once('\n').map_or("", |(_, rest)| rest);
        line_offset = 1;
    }
    let delimiter = declared.unwrap_or_else(|| sniff(body));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter.byte())
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let total_lines = line_offset + body.lines().count() as u64;
    let mut table = Table::default();
    let mut records: Vec<(u64, u64, csv::StringRecord)> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let (byte, line) = record.position().map_or((0, 0), |p| (p.byte(), p.line()));
                records.push((byte, line + line_offset, record.clone()));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line()) + line_offset;
                table.problems.push(RowProblem::new(
                    line,
                    None,
                    &Problem::UnreadableRow {
                        detail: e.to_string(),
                    },
                ));
            }
        }
    }
    let mut rows = Vec::new();
    for (i, (byte, line, rec)) in records.iter().enumerate() {
        let end = records
            .get(i + 1)
            .map_or(body.len(), |(next, _, _)| *next as usize);
        let raw = body.get(*byte as usize..end).unwrap_or_default();
        if let Some((offset_lines, problem)) = check_quotes(raw, delimiter.byte(), total_lines) {
            table
                .problems
                .push(RowProblem::new(line + offset_lines, None, &problem));
            continue;
        }
        let cells: Vec<String> = rec.iter().map(str::to_string).collect();
        if !cells.iter().all(|c| c.trim().is_empty()) {
            rows.push(TableRow { line: *line, cells });
        }
    }
    let Some((header, rows)) = split_header(rows) else {
        return (table, delimiter);
    };
    let width = last_filled(&header.cells);
    table.header_line = header.line;
    table.header = header.cells;
    for row in rows {
        let found = last_filled(&row.cells);
        if row.cells.len() < width || found > width {
            let found = if found > width {
                found
            } else {
                row.cells.len()
            };
            table.problems.push(RowProblem::new(
                row.line,
                None,
                &Problem::FieldCount {
                    expected: width,
                    found,
                },
            ));
            continue;
        }
        table.rows.push(row);
    }
    (table, delimiter)
}

/// How many cells up to the last one that is not blank.
fn last_filled(cells: &[String]) -> usize {
    cells
        .iter()
        .rposition(|c| !c.trim().is_empty())
        .map_or(0, |p| p + 1)
}

/// How many rows may come before the header (a title, a date, an empty line).
const TITLE_ROWS: usize = 10;

/// The header and the data rows: the header is the first row naming both required columns
/// among the first few (a title above it is read past), else the first row.
fn split_header(mut rows: Vec<TableRow>) -> Option<(TableRow, Vec<TableRow>)> {
    let at = rows
        .iter()
        .take(TITLE_ROWS + 1)
        .position(|r| super::is_header(&r.cells))
        .unwrap_or(0);
    if at >= rows.len() {
        return None;
    }
    let mut data = rows.split_off(at);
    let header = data.remove(0);
    Some((header, data))
}

/// Quoting mistakes in one record's raw text, which the csv crate reads past: a quote never
/// closed (the crate then swallows the rest of the file), or text after a closing quote. The
/// number of lines into the record where it is, and the problem.
fn check_quotes(raw: &str, delimiter: u8, total_lines: u64) -> Option<(u64, Problem)> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    let mut lines = 0u64;
    let mut field_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        if field_start && b == b'"' {
            let open_line = lines;
            i += 1;
            loop {
                match bytes.get(i) {
                    None => {
                        return Some((
                            open_line,
                            Problem::UnclosedQuote {
                                last_line: total_lines,
                            },
                        ))
                    }
                    Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\n') => {
                        lines += 1;
                        i += 1;
                    }
                    Some(_) => i += 1,
                }
            }
            match bytes.get(i) {
                None | Some(b'\r' | b'\n') => {}
                Some(&c) if c == delimiter => {}
                Some(_) => return Some((lines, Problem::StrayQuote)),
            }
            field_start = false;
            continue;
        }
        field_start = b == delimiter || b == b'\n';
        if b == b'\n' {
            lines += 1;
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Workbooks

/// A ZIP file: an XLSX workbook's first sheet, or a refusal naming what it is.
/// Most cells a worksheet's rows may span once laid out, empty cells between filled ones
/// included (each row up to its last filled cell). A commune's roster is some 25 columns by a
/// few thousand rows; a phone lays out a million cells in well under 100 MB.
pub(crate) const MAX_SHEET_CELLS: u64 = 1_000_000;

fn read_zip(bytes: &[u8]) -> Result<(Table, SourceInfo), FileError> {
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if contains(b"application/vnd.oasis.opendocument") {
        return Err(FileError::Ods);
    }
    if !contains(b"xl/workbook.xml") {
        return Err(FileError::NotWorkbook);
    }
    check_references(bytes)?;
    let bad = |e: calamine::XlsxError| FileError::BadWorkbook(e.to_string());
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).map_err(bad)?;
    let Some(sheet) = book.sheet_names().into_iter().next() else {
        return Err(FileError::NoSheet);
    };
    // The first sheet's filled cells, one by one, kept sparse. calamine's `worksheet_range`
    // would lay out the whole rectangle between the outermost cells: two cells far apart (A1
    // and XFD1048576, in a file of a few hundred bytes) would ask for 17 billion cells.
    let mut reader = match book.worksheet_cells_reader(&sheet) {
        Ok(reader) => reader,
        // A chart sheet first: nothing to read, as an empty sheet.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Err(FileError::Empty),
        Err(e) => return Err(bad(e)),
    };
    let mut filled: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    let mut count: u64 = 0;
    while let Some(cell) = reader.next_cell().map_err(bad)? {
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.trim().is_empty() {
            continue;
        }
        count += 1;
        if count > MAX_SHEET_CELLS {
            return Err(FileError::TooLarge {
                max: MAX_SHEET_CELLS,
            });
        }
        let (row, col) = cell.get_position();
        filled.entry(row).or_default().insert(col, text);
    }
    drop(reader);
    // Columns keep their sheet positions (cells left of the filled area are empty), as in a
    // CSV file saved from the same sheet; the first filled column bounds nothing.
    let span: u64 = filled
        .values()
        .filter_map(|cells| cells.keys().next_back())
        .map(|&last| u64::from(last) + 1)
        .sum();
    if span > MAX_SHEET_CELLS {
        return Err(FileError::TooLarge {
            max: MAX_SHEET_CELLS,
        });
    }
    let rows: Vec<TableRow> = filled
        .into_iter()
        .map(|(row, cells)| {
            let width = cells.keys().next_back().map_or(0, |&c| c as usize + 1);
            let mut line = vec![String::new(); width];
            for (col, text) in cells {
                if let Some(slot) = line.get_mut(col as usize) {
                    *slot = text;
                }
            }
            TableRow {
                line: u64::from(row) + 1,
                cells: line,
            }
        })
        .collect();
    let Some((header, rows)) = split_header(rows) else {
        return Err(FileError::Empty);
    };
    let table = Table {
        header_line: header.line,
        header: header.cells,
        rows,
        problems: Vec::new(),
    };
    Ok((
        table,
        SourceInfo {
            format: FileFormat::Xlsx,
            encoding: None,
            bom: false,
            delimiter: None,
            converted: false,
            sheet: Some(sheet),
        },
    ))
}

/// Refuses a workbook with a cell reference far outside Excel's grid (column XFD, row
/// 1 048 576), or a shared-string count past [`MAX_UNIQUE_COUNT_DIGITS`], before calamine
/// reads it. calamine 0.38 adds up a reference's letters and digits in a `u32`
/// without checking (tafia/calamine#694): `r="HOUSEHOLD1"` or `r="A99999999999"` panics where
/// overflow checks are on (tests, debug builds) and otherwise puts the cell at a wrapped
/// position the file never named. Found by the `roster_read` fuzz target (fuzz/README.md).
///
/// No reference inside the grid has more than 3 letters or 7 digits in a row, so every part of
/// the archive is streamed once and the value of each `r` and `ref` attribute (cells, rows,
/// dimension, merged ranges) checked for that; calamine resolves the sheet's part name from the
/// workbook's relationships, so no part is skipped by its name.
fn check_references(bytes: &[u8]) -> Result<(), FileError> {
    use std::io::Read;
    let bad = |e: &dyn std::fmt::Display| FileError::BadWorkbook(e.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let mut chunk = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).map_err(|e| bad(&e))?;
        let mut scan = ReferenceScan::default();
        loop {
            let n = part.read(&mut chunk).map_err(|e| bad(&e))?;
            if n == 0 {
                break;
            }
            if !scan.feed(&chunk[..n]) {
                return Err(FileError::BadWorkbook(format!(
                    "{}: a cell reference far outside the sheet (the last cell is XFD1048576), or \
                     more than 999,999 distinct texts",
                    part.name().unwrap_or_default()
                )));
            }
        }
    }
    Ok(())
}

/// Where [`ReferenceScan`] is in the XML: in text, in an element's name (its last 16 bytes),
/// between attributes, in an attribute's name (its first 4 bytes), before `=`, after `=`, or in
/// a checked value (closing quote).
#[derive(Debug, Clone, Copy, Default)]
enum ScanState {
    #[default]
    Text,
    Element,
    Space,
    Name([u8; 4], usize),
    BeforeEq,
    AfterEq,
    Value(u8),
}

/// A streaming check of `r="…"` / `ref='…'` attribute values: no run of more than 3 ASCII
/// letters or 7 digits, and a `<dimension>`'s range not reversed (calamine subtracts its start
/// from its end unchecked: `ref="A9:E3"`). Knows just enough XML for attributes (whitespace
/// around `=`, either quote, namespace prefixes); text that merely looks like such an attribute
/// is checked too, which no real workbook's text trips over.
#[derive(Debug, Default)]
struct ReferenceScan {
    state: ScanState,
    letters: u32,
    digits: u32,
    /// Whether the value being read is a shared-string table's `uniqueCount` (else a
    /// reference).
    unique_count: bool,
    /// The current element's name (last bytes; local name compared).
    element: Vec<u8>,
    /// The value being read, when it is short enough to be a range (longer: calamine refuses).
    value: Vec<u8>,
}

/// Most digits of a shared-string table's `uniqueCount`: calamine reserves that many strings
/// before reading one (24 bytes each), so `uniqueCount="93333333333333333"` in a file of 1 KB
/// asked for 2 EB (found by the `roster_read` fuzz target). 999,999 distinct texts is far more
/// than any roster holds.
const MAX_UNIQUE_COUNT_DIGITS: u32 = 6;

/// Longest value kept for the range order check (`XFD1048576:XFD1048576` is 21 bytes).
const MAX_RANGE_TEXT: usize = 32;

impl ReferenceScan {
    /// Scans the next bytes; false as soon as a value is out of bounds.
    fn feed(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            let space = b.is_ascii_whitespace();
            self.state = match self.state {
                ScanState::Value(quote) if b == quote => {
                    if self.is_dimension() && !range_in_order(&self.value) {
                        return false;
                    }
                    ScanState::Text
                }
                ScanState::Value(quote) => {
                    if b.is_ascii_alphabetic() {
                        if self.digits > 0 {
                            (self.letters, self.digits) = (0, 0);
                        }
                        self.letters += 1;
                    } else if b.is_ascii_digit() {
                        self.digits += 1;
                    } else {
                        (self.letters, self.digits) = (0, 0);
                    }
                    let too_long = if self.unique_count {
                        self.digits > MAX_UNIQUE_COUNT_DIGITS
                    } else {
                        self.letters > 3 || self.digits > 7
                    };
                    if too_long {
                        return false;
                    }
                    if self.value.len() <= MAX_RANGE_TEXT {
                        self.value.push(b);
                    }
                    ScanState::Value(quote)
                }
                _ if b == b'<' => {
                    self.element.clear();
                    ScanState::Element
                }
                ScanState::Element if space => ScanState::Space,
                ScanState::Element if b == b'>' || b == b'/' => ScanState::Text,
                ScanState::Element => {
                    if self.element.len() == 16 {
                        self.element.remove(0);
                    }
                    self.element.push(b);
                    ScanState::Element
                }
                ScanState::Text | ScanState::Space if space => ScanState::Space,
                ScanState::Space if b.is_ascii_alphabetic() => ScanState::Name([b, 0, 0, 0], 1),
                ScanState::Text | ScanState::Space => ScanState::Text,
                ScanState::Name(name, len) if b == b'=' || space => {
                    // "uniq": `uniqueCount` (the first 4 bytes of a name are kept).
                    self.unique_count = &name[..len] == b"uniq";
                    let reference = matches!(&name[..len], b"r" | b"ref" | b"uniq");
                    match (reference, space) {
                        (false, true) => ScanState::Space,
                        (false, false) => ScanState::Text,
                        (true, true) => ScanState::BeforeEq,
                        (true, false) => ScanState::AfterEq,
                    }
                }
                ScanState::Name(mut name, len) => {
                    if len < name.len() {
                        name[len] = b;
                    }
                    ScanState::Name(name, (len + 1).min(name.len()))
                }
                ScanState::BeforeEq if space => ScanState::BeforeEq,
                ScanState::BeforeEq if b == b'=' => ScanState::AfterEq,
                ScanState::AfterEq if space => ScanState::AfterEq,
                ScanState::AfterEq if b == b'"' || b == b'\'' => {
                    (self.letters, self.digits) = (0, 0);
                    self.value.clear();
                    ScanState::Value(b)
                }
                ScanState::BeforeEq | ScanState::AfterEq => ScanState::Text,
            };
        }
        true
    }

    /// Whether the current element is a `<dimension>` (with or without a namespace prefix).
    fn is_dimension(&self) -> bool {
        let local = match self.element.iter().rposition(|&b| b == b':') {
            Some(i) => &self.element[i + 1..],
            None => &self.element[..],
        };
        local == b"dimension"
    }
}

/// Whether a range `A1:C3` has its end at or after its start on both axes; anything that is not
/// two plain references (calamine refuses those itself) counts as in order.
fn range_in_order(value: &[u8]) -> bool {
    fn position(part: &[u8]) -> Option<(u64, u64)> {
        let letters = part.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let (col, row) = part.split_at(letters);
        if row.is_empty() || !row.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let col = col.iter().fold(0u64, |n, b| {
            n * 26 + u64::from(b.to_ascii_uppercase() - b'A') + 1
        });
        let row = row.iter().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
        Some((row, col))
    }
    if value.len() > MAX_RANGE_TEXT {
        return true;
    }
    let mut parts = value.split(|&b| b == b':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(start), Some(end), None) => match (position(start), position(end)) {
            (Some((r1, c1)), Some((r2, c2))) => r2 >= r1 && c2 >= c1,
            _ => true,
        },
        _ => true,
    }
}

/// A workbook cell as the text a CSV cell would hold: whole numbers without `.0` (a year typed
/// as 1980 is stored as 1980.0), dates as dd/mm/yyyy, booleans as có/không.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => text::nfc(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "có" } else { "không" }.into(),
        Data::DateTime(d) => {
            let v = d.as_f64();
            // A year typed into a cell formatted as a date.
            if d.is_datetime() && !(1900.0..=2100.0).contains(&v) {
                let (y, m, day, ..) = d.to_ymd_hms_milli();
                format!("{day:02}/{m:02}/{y}")
            } else {
                number_text(v)
            }
        }
        Data::Error(e) => e.to_string(),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> (Table, SourceInfo) {
        read_table(text.as_bytes()).unwrap()
    }

    #[test]
    fn sniffs_the_separator() {
        assert_eq!(
            table("a;b;c\n1;2,5;3\n").1.delimiter,
            Some(Delimiter::Semicolon)
        );
        assert_eq!(table("a,b\n1,2\n").1.delimiter, Some(Delimiter::Comma));
        assert_eq!(table("a\tb\n1\t2\n").1.delimiter, Some(Delimiter::Tab));
        assert_eq!(
            table("\"x;y\",b\n1,2\n").1.delimiter,
            Some(Delimiter::Comma)
        );
        let (t, s) = table("sep=;\na;b\n1;2\n");
        assert_eq!(s.delimiter, Some(Delimiter::Semicolon));
        assert_eq!(t.header_line, 2);
        assert_eq!(t.rows[0].line, 3);
    }

    #[test]
    fn quoting_mistakes_have_lines() {
        let (t, _) = table("a,b,c\n1,2,3\n4,\"x,5\n6,7,8\n9,10,11\n");
        assert_eq!(t.problems.len(), 1, "{:?}", t.problems);
        assert_eq!(t.problems[0].line, 3);
        assert_eq!(t.problems[0].code, super::super::ProblemCode::UnclosedQuote);
        assert!(t.problems[0].message.contains("dòng 5"), "{:?}", t.problems);
        let (t, _) = table("a,b,c\n1,\"x\"y,3\n\"multi\nline\",2,3\n");
        assert_eq!(t.problems.len(), 1, "{:?}", t.problems);
        assert_eq!(t.problems[0].line, 2);
        assert_eq!(t.problems[0].code, super::super::ProblemCode::StrayQuote);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].cells[0], "multi\nline");
    }

    #[test]
    fn field_counts() {
        let (t, _) = table("a,b,c,\n1,2,3\n1,2\n1,2,3,,\n1,2,3,4\n");
        let lines: Vec<u64> = t.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 5]);
        assert_eq!(t.rows.len(), 2);
    }

    /// Vietnamese as Windows-1258 writes it: precomposed letters, tone marks combining.
    fn cp1258(s: &str) -> Vec<u8> {
        use unicode_normalization::UnicodeNormalization;
        const TONES: &str = "\u{300}\u{301}\u{303}\u{309}\u{323}";
        let mut split = String::new();
        for c in s.chars() {
            let d: String = c.nfd().collect();
            let tone: String = d.chars().filter(|m| TONES.contains(*m)).collect();
            split.extend(d.chars().filter(|m| !TONES.contains(*m)).nfc());
            split.push_str(&tone);
        }
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&split);
        assert!(!unmappable, "{s}");
        bytes.into_owned()
    }

    #[test]
    fn encodings() {
        let (text, enc, bom) = decode("\u{feff}Thôn".as_bytes()).unwrap();
        assert_eq!(
            (text.as_str(), enc, bom),
            ("Thôn", TextEncoding::Utf8, true)
        );
        let cp = cp1258("Nguyễn Thị Đào, Thôn Đông");
        let (text, enc, _) = decode(&cp).unwrap();
        assert_eq!(text, "Nguyễn Thị Đào, Thôn Đông");
        assert_eq!(enc, TextEncoding::Windows1258);
        let utf16: Vec<u8> = "thon\tma_ho\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode(&utf16), Err(FileError::Binary), "UTF-16 without BOM");
        let with_bom: Vec<u8> = [0xFF, 0xFE].into_iter().chain(utf16).collect();
        assert_eq!(decode(&with_bom).unwrap().1, TextEncoding::Utf16Le);
        // Latin-1 bytes that are not Vietnamese.
        assert_eq!(decode(b"caf\xe9 \xa9\xae"), Err(FileError::UnknownEncoding));
        assert_eq!(read_table(b"%PDF-1.7\n").err(), Some(FileError::Pdf));
        assert_eq!(read_table(OLE).err(), Some(FileError::OldExcel));
        assert_eq!(read_table(b"<html><table>").err(), Some(FileError::Markup));
        assert_eq!(read_table(b" \n").err(), Some(FileError::Empty));
    }
}
