//! `hoctap import roster` as a commune uses it: files as Excel and LibreOffice save them
//! (semicolons, BOM, XLSX, Windows-1258), every problem reported in Vietnamese with its line,
//! files that are not rosters refused with how to save one, hamlets created on request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn hoctap(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoctap"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("HOCTAP_DATA")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        stderr(out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A household as shown: (head, address, [(member, birth year, schooling)]).
type Shown = (String, Option<String>, Vec<(String, Value, Value)>);

/// A data directory with Thôn Đông, and a file in it.
struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        let d = Dir {
            tmp: tempfile::tempdir().unwrap(),
        };
        json(&d.run(&["hamlet", "add", "Thôn Đông", "--json"]));
        d
    }

    fn run(&self, args: &[&str]) -> Output {
        hoctap(self.tmp.path(), args)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn import(&self, file: &str, extra: &[&str]) -> Output {
        let mut args = vec!["import", "roster", file];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// Every household with its members.
    fn households(&self) -> Vec<Shown> {
        let list = json(&self.run(&["household", "list", "--json"]));
        let mut out = Vec::new();
        for h in list.as_array().unwrap() {
            let d = json(&self.run(&["household", "show", h["id"].as_str().unwrap(), "--json"]));
            let mut members: Vec<(String, Value, Value)> = d["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["name"].as_str().unwrap().to_string(),
                        m["birth_year"].clone(),
                        m["schooling"].clone(),
                    )
                })
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            out.push((
                h["head"].as_str().unwrap().to_string(),
                h["address"].as_str().map(str::to_string),
                members,
            ));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// Vietnamese as Windows-1258 writes it: precomposed base letters, tone marks combining.
fn cp1258(s: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization;
    const TONES: &str = "\u{300}\u{301}\u{303}\u{309}\u{323}";
    let mut split = String::new();
    for c in s.chars() {
        let d: String = c.nfd().collect();
        split.extend(d.chars().filter(|m| !TONES.contains(*m)).nfc());
        split.extend(d.chars().filter(|m| TONES.contains(*m)));
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&split);
    assert!(!unmappable, "{s}");
    bytes.into_owned()
}

const HEADER: &str = "Thôn;Mã hộ;Chủ hộ;Địa chỉ;Họ tên;Năm sinh;Giới tính;Học vấn";

fn expected_dong() -> Vec<Shown> {
    vec![(
        "Trần Văn Bình".into(),
        Some("Xóm Giữa, số 5".into()),
        vec![
            (
                "Lê Thị Cúc".into(),
                Value::from(2012),
                Value::from("in_school"),
            ),
            (
                "Trần Văn Bình".into(),
                Value::from(1975),
                Value::from("finished"),
            ),
        ],
    )]
}

fn semicolon_rows() -> String {
    format!(
        "{HEADER}\r\n\
         Thôn Đông;Đ1;Trần Văn Bình;Xóm Giữa, số 5;Trần Văn Bình;1975;nam;đã học xong\r\n\
         Thôn Đông;Đ1;;;Lê Thị Cúc;2012;nữ;đang đi học\r\n"
    )
}

#[test]
fn semicolon_separated_file_imports() {
    let d = Dir::new();
    let f = d.file("excel-vi.csv", semicolon_rows().as_bytes());
    let v = json(&d.import(&f, &["--json"]));
    assert_eq!(v["households_added"], 1);
    assert_eq!(v["members_added"], 2);
    assert_eq!(v["file"]["format"], "csv");
    assert_eq!(v["file"]["delimiter"], "semicolon");
    assert_eq!(v["file"]["converted"], false);
    assert_eq!(d.households(), expected_dong());
}

#[test]
fn utf8_file_with_bom_imports() {
    let d = Dir::new();
    let text = semicolon_rows()
        .replace(';', ",")
        .replace("Xóm Giữa, số 5", "\"Xóm Giữa, số 5\"");
    let bytes = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let f = d.file("excel-utf8.csv", &bytes);
    let v = json(&d.import(&f, &["--json"]));
    assert_eq!(v["file"]["bom"], true);
    assert_eq!(v["file"]["delimiter"], "comma");
    assert_eq!(
        v["members_added"], 2,
        "the BOM is not part of the first column's name"
    );
    assert_eq!(d.households(), expected_dong());
}

#[test]
fn xlsx_file_imports_with_numbers_as_years() {
    use rust_xlsxwriter::Workbook;
    let d = Dir::new();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Danh sách").unwrap();
    // A title above the header, as communes write them; an STT column.
    sheet
        .write(0, 0, "DANH SÁCH HỘ GIA ĐÌNH THÔN ĐÔNG")
        .unwrap();
    let header = [
        "STT",
        "Thôn",
        "Mã hộ",
        "Chủ hộ",
        "Địa chỉ",
        "Họ tên",
        "Năm sinh",
        "Học vấn",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write(2, c as u16, *h).unwrap();
    }
    let rows: [(f64, &str, &str, f64, &str); 2] = [
        (1.0, "Trần Văn Bình", "Trần Văn Bình", 1975.0, "đã học xong"),
        (2.0, "", "Lê Thị Cúc", 2012.0, "Đang đi học"),
    ];
    for (i, (stt, head, name, year, schooling)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        sheet.write_number(r, 0, *stt).unwrap();
        sheet.write(r, 1, "Thôn Đông").unwrap();
        sheet.write(r, 2, "Đ1").unwrap();
        sheet.write(r, 3, *head).unwrap();
        if i == 0 {
            sheet.write(r, 4, "Xóm Giữa, số 5").unwrap();
        }
        sheet.write(r, 5, *name).unwrap();
        sheet.write_number(r, 6, *year).unwrap();
        sheet.write(r, 7, *schooling).unwrap();
    }
    let f = d.file("danh-sach.xlsx", &book.save_to_buffer().unwrap());
    let v = json(&d.import(&f, &["--json"]));
    assert_eq!(v["file"]["format"], "xlsx");
    assert_eq!(v["file"]["sheet"], "Danh sách");
    assert_eq!(v["rows"], 2);
    assert_eq!(d.households(), expected_dong());

    // A bad cell is reported at its row number in the sheet, under its column's name.
    sheet_with_bad_year(&d);
}

fn sheet_with_bad_year(d: &Dir) {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Thôn", "Mã hộ", "Chủ hộ", "Họ tên", "Năm sinh"]
        .iter()
        .enumerate()
    {
        sheet.write(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["Thôn Đông", "Đ9", "Phạm Văn Dũng", "Phạm Văn Dũng"]
        .iter()
        .enumerate()
    {
        sheet.write(4, c as u16, *v).unwrap();
    }
    sheet.write_number(4, 4, 1875.0).unwrap();
    let f = d.file("bad.xlsx", &book.save_to_buffer().unwrap());
    let out = d.import(&f, &["--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["problems"][0]["line"], 5);
    assert_eq!(v["problems"][0]["column"], "Năm sinh");
    assert_eq!(v["problems"][0]["code"], "invalid_birth_year");
    assert!(v["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("1875"));
}

#[test]
fn windows_1258_file_imports_with_correct_diacritics() {
    let d = Dir::new();
    let bytes = cp1258(&semicolon_rows());
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    let f = d.file("cp1258.csv", &bytes);
    let out = d.import(&f, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Windows-1258"), "{}", stdout(&out));
    assert_eq!(d.households(), expected_dong(), "NFC text, as typed");
    // Again, in JSON: the conversion is reported.
    let v = json(&d.import(&f, &["--json"]));
    assert_eq!(v["file"]["encoding"], "windows-1258");
    assert_eq!(v["file"]["converted"], true);
    assert_eq!(v["households_skipped"], 1);
}

fn bad_years(n: usize) -> String {
    let mut csv = String::from("thon,ma_ho,chu_ho,ho_ten,nam_sinh\n");
    for i in 0..n {
        csv.push_str(&format!("Thôn Đông,H{i},Chủ hộ {i},Chủ hộ {i},19x{i}\n"));
    }
    csv
}

/// How many problems of `file` a text report lists (`FILE:LINE: …` lines).
fn listed(report: &str, file: &str) -> usize {
    report
        .lines()
        .filter_map(|l| l.strip_prefix(file)?.strip_prefix(':'))
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .count()
}

#[test]
fn every_bad_row_is_reported() {
    let d = Dir::new();
    let f = d.file("roster.csv", bad_years(80).as_bytes());
    let out = d.import(&f, &["--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["imported"], false);
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 80);
    let lines: Vec<u64> = problems
        .iter()
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, (2..=81).collect::<Vec<u64>>());
    assert!(problems.iter().all(|p| p["column"] == "nam_sinh"));
    // Text mode lists all 80, each with its line.
    let out = d.import(&f, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("80 lỗi"), "{err}");
    assert_eq!(listed(&err, &f), 80, "{err}");
    assert!(
        err.contains("roster.csv:81: cột nam_sinh: Năm sinh không hợp lệ: \"19x79\""),
        "{err}"
    );
    assert!(!err.contains("lỗi khác"), "{err}");
    assert_eq!(
        json(&d.run(&["household", "list", "--json"])),
        Value::Array(vec![])
    );

    // Past what text mode lists, it says how many more there are.
    let f = d.file("long.csv", bad_years(150).as_bytes());
    let err = stderr(&d.import(&f, &[]));
    assert_eq!(listed(&err, &f), 100, "{err}");
    assert!(err.contains("và 50 lỗi khác"), "{err}");
}

#[test]
fn csv_mistakes_are_explained_in_vietnamese_with_lines() {
    let d = Dir::new();
    let f = d.file(
        "broken.csv",
        "thon,ma_ho,chu_ho,ho_ten\n\
         Thôn Đông,H1,Ngô Văn Tài,Ngô Văn Tài\n\
         Thôn Đông,H2,Mai Thị Hạnh\n\
         Thôn Đông,H3,\"Đỗ\" Văn Hải,Đỗ Văn Hải\n\
         Thôn Đông,H4,Vũ Thị Lan,Vũ Thị Lan,thừa\n\
         Thôn Đông,H5,\"Hà Văn Long,Hà Văn Long\n\
         Thôn Đông,H6,Bùi Văn Minh,Bùi Văn Minh\n"
            .as_bytes(),
    );
    let out = d.import(&f, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("broken.csv:3: Dòng có 3 ô nhưng dòng tiêu đề có 4 ô"),
        "{err}"
    );
    assert!(
        err.contains("broken.csv:4: Dấu ngoặc kép (\") đặt sai chỗ"),
        "{err}"
    );
    assert!(err.contains("broken.csv:5: Dòng có 5 ô"), "{err}");
    assert!(
        err.contains("broken.csv:6: Dấu ngoặc kép (\") mở ở dòng này không được đóng"),
        "{err}"
    );
    // No raw English from the CSV reader.
    for english in ["record", "field", "found", "expected", "CSV error"] {
        assert!(
            !err.to_lowercase().contains(&english.to_lowercase()),
            "{english}: {err}"
        );
    }
    let v: Value = serde_json::from_slice(&d.import(&f, &["--json"]).stdout).unwrap();
    let codes: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "field_count",
            "stray_quote",
            "field_count",
            "unclosed_quote"
        ]
    );
}

#[test]
fn files_that_are_not_rosters_are_refused_with_how_to_save() {
    let d = Dir::new();
    let mut garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    garbage[10] = 0;
    let utf16: Vec<u8> = "thon\tma_ho\tchu_ho\nThôn Đông\tH1\tAn\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let old_excel = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0".to_vec();
    for (name, bytes, code) in [
        ("garbage.csv", garbage, "binary"),
        ("utf16.txt", utf16, "binary"),
        ("old.xls", old_excel, "old_excel"),
        ("scan.pdf", b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec(), "pdf"),
    ] {
        let f = d.file(name, &bytes);
        let out = d.import(&f, &[]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr(&out);
        assert!(err.contains(&format!("{f}: Tệp")), "{err}");
        assert!(
            err.contains("CSV UTF-8") && err.contains("xlsx"),
            "{name}: {err}"
        );
        let out = d.import(&f, &["--json"]);
        assert_eq!(out.status.code(), Some(2));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["imported"], false);
        assert_eq!(v["error"]["code"], code, "{name}");
    }
    let err = stderr(&d.import(&d.file("g.bin", &[0xFF, 0x00, 0x13, 0x37]), &[]));
    assert!(err.contains("không phải văn bản"), "{err}");
}

#[test]
fn hamlets_are_created_only_on_request() {
    let d = Dir::new();
    let f = d.file(
        "new.csv",
        "thon,ma_ho,chu_ho\nThôn Mới,M1,Đinh Văn Nam\nthon moi,M2,Đinh Thị Hoa\nThôn Đông,D1,Lý Văn Quang\n"
            .as_bytes(),
    );
    let out = d.import(&f, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("new.csv:2: cột thon: Thôn \"Thôn Mới\" chưa có (2 dòng)"),
        "{err}"
    );
    assert!(err.contains("--create-hamlets"), "{err}");
    assert_eq!(
        json(&d.run(&["hamlet", "list", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        json(&d.run(&["household", "list", "--json"])),
        Value::Array(vec![])
    );

    let v = json(&d.import(&f, &["--create-hamlets", "--json"]));
    assert_eq!(v["hamlets_created"], serde_json::json!(["Thôn Mới"]));
    assert_eq!(v["households_added"], 3);
    let hamlets = json(&d.run(&["hamlet", "list", "--json"]));
    let names: Vec<&str> = hamlets
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Thôn Đông", "Thôn Mới"]);
    let listed = json(&d.run(&["household", "list", "--hamlet", "Thôn Mới", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // An unknown hamlet is reported with the rows' own problems, all at once; with
    // --create-hamlets a refused file creates no hamlet.
    let f = d.file(
        "far.csv",
        "thon,ma_ho,chu_ho,ho_ten,nam_sinh\nThôn Xa,X1,Kim Văn Phú,Kim Văn Phú,19x0\n".as_bytes(),
    );
    let v: Value = serde_json::from_slice(&d.import(&f, &["--json"]).stdout).unwrap();
    let codes: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["invalid_birth_year", "unknown_hamlet"]);
    let out = d.import(&f, &["--create-hamlets", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["problems"].as_array().unwrap().len(), 1);
    assert_eq!(
        json(&d.run(&["hamlet", "list", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn command_line_and_import_accept_the_same_values() {
    let d = Dir::new();
    let f = d.file(
        "values.csv",
        "thon,ma_ho,chu_ho,ho_ten,gioi_tinh,hoc_van,biet_chu,cdht\n\
         Thôn Đông,V1,Hồ Văn Tâm,Hồ Văn Tâm,Nam,in school,x,không\n\
         Thôn Đông,V1,,Hồ Thị Thu,NỮ,Đang đi học,có,0\n"
            .as_bytes(),
    );
    json(&d.import(&f, &["--json"]));
    let household = json(&d.run(&["household", "list", "--json"]))[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (sex, schooling, literate, cdht) in [
        ("Nam", "in school", "x", "không"),
        ("NỮ", "Đang đi học", "có", "0"),
    ] {
        let m = json(&d.run(&[
            "member",
            "add",
            &household,
            "--name",
            "Hồ Văn Tú",
            "--sex",
            sex,
            "--schooling",
            schooling,
            "--literate",
            literate,
            "--cdht",
            cdht,
            "--json",
        ]));
        assert_eq!(m["schooling"], "in_school");
    }
    let show = json(&d.run(&["household", "show", &household, "--json"]));
    let facts = |names: &[&str]| -> Vec<String> {
        let mut f: Vec<String> = show["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| names.iter().any(|n| m["name"] == *n))
            .map(|m| {
                format!(
                    "{} {} {} {}",
                    m["sex"], m["schooling"], m["literate"], m["cdht"]
                )
            })
            .collect();
        f.sort();
        f
    };
    let imported = facts(&["Hồ Văn Tâm", "Hồ Thị Thu"]);
    assert_eq!(imported.len(), 2);
    assert_eq!(
        imported,
        facts(&["Hồ Văn Tú"]),
        "the same cells, the same facts"
    );
    // What the import refuses, the command line refuses too.
    let f = d.file(
        "bad.csv",
        "thon,ma_ho,chu_ho,ho_ten,hoc_van\nThôn Đông,V2,A,A,đại học\n".as_bytes(),
    );
    assert_eq!(d.import(&f, &[]).status.code(), Some(2));
    let out = d.run(&[
        "member",
        "add",
        &household,
        "--name",
        "B",
        "--schooling",
        "đại học",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn clan_column_links_households_to_clans() {
    let d = Dir::new();
    json(&d.run(&["hamlet", "add", "Thôn Tây", "--json"]));
    let rows = "thon;ma_ho;chu_ho;ho_ten;nam_sinh;dong_ho\n\
Thôn Đông;D01;Nguyễn Văn Bình;Nguyễn Văn Bình;1975;Họ Nguyễn\n\
Thôn Tây;T01;Nguyễn Văn An;Nguyễn Văn An;1980;họ nguyen\n\
Thôn Tây;T02;Lê Văn Cường;Lê Văn Cường;1982;\n";
    let f = d.file("clans.csv", rows.as_bytes());
    let v = json(&d.run(&["import", "roster", &f, "--json"]));
    assert_eq!(v["clan_links"], 2, "{v}");
    let clans = json(&d.run(&["clan", "list", "--json"]));
    let clans = clans.as_array().unwrap();
    assert_eq!(clans.len(), 1, "one clan, names folded: {clans:?}");
    assert_eq!(clans[0]["name"], "Họ Nguyễn");
    assert_eq!(clans[0]["household_ids"].as_array().unwrap().len(), 2);
    assert_eq!(
        clans[0]["hamlets"],
        serde_json::json!(["Thôn Đông", "Thôn Tây"])
    );
    // Importing again links nothing new (the households are skipped, the links exist).
    let v = json(&d.run(&["import", "roster", &f, "--json"]));
    assert_eq!(
        (v["households_skipped"].as_u64(), v["clan_links"].as_u64()),
        (Some(3), Some(0))
    );
    // The clan is assessable by its name.
    let out = d.run(&["register", "ho nguyen", "--model", "dong_ho", "--json"]);
    let v = json(&out);
    assert_eq!(v["subject"]["kind"], "clan");
}
