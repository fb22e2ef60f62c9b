//! `hoctap-server admin import roster` reads what the device reads: semicolons, BOM, XLSX and
//! Windows-1258 files; every problem reported in Vietnamese with its line; files that are not
//! rosters refused with how to save one; hamlets created on request. The households reach a
//! device through `/sync` with their diacritics intact.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use serde_json::Value;

/// Write `bytes` as `name` in the test's directory; its path.
fn file(env: &Env, name: &str, bytes: &[u8]) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    path.to_str().expect("path").to_string()
}

/// Import, expecting a refusal (exit 2): (stdout, stderr).
fn refused(env: &Env, args: &[&str]) -> (String, String) {
    let mut all = vec!["import", "roster"];
    all.extend_from_slice(args);
    let (code, out, err) = env.admin(&all);
    assert_eq!(code, 2, "{out}\n{err}");
    (out, err)
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

const ROWS: &str = "Thôn;Mã hộ;Chủ hộ;Địa chỉ;Họ tên;Năm sinh;Học vấn\r\n\
                    Thôn Đông;Đ1;Trần Văn Bình;Xóm Giữa, số 5;Trần Văn Bình;1975;đã học xong\r\n\
                    Thôn Đông;Đ1;;;Lê Thị Cúc;2012;đang đi học\r\n";

/// A household as pulled: (code, head, address, [(member, birth year)]).
type Pulled = (String, String, Value, Vec<(String, Value)>);

/// The households a device of Thôn Đông pulls.
fn pulled(s: &Setup) -> Vec<Pulled> {
    let v = s.server.get("/api/v1/sync?cursor=0", &s.token).json();
    let mut out: Vec<_> = v["households"]
        .as_array()
        .expect("households")
        .iter()
        .map(|h| {
            let mut members: Vec<(String, Value)> = h["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| {
                    (
                        m["name"].as_str().expect("name").to_string(),
                        m["birth_year"].clone(),
                    )
                })
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            (
                h["roster_code"].as_str().expect("code").to_string(),
                h["head"].as_str().expect("head").to_string(),
                h["address"].clone(),
                members,
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn expected_dong() -> Vec<Pulled> {
    vec![(
        "Đ1".into(),
        "Trần Văn Bình".into(),
        Value::from("Xóm Giữa, số 5"),
        vec![
            ("Lê Thị Cúc".into(), Value::from(2012)),
            ("Trần Văn Bình".into(), Value::from(1975)),
        ],
    )]
}

both_backends!(semicolon_and_bom_files_import, |b| {
    let s = SERVER.setup(b);
    let f = file(&s.env, "excel-vi.csv", ROWS.as_bytes());
    let v = s.env.admin_json(&["import", "roster", &f]);
    assert_eq!(v["file"]["delimiter"], "semicolon");
    assert_eq!(v["households_added"], 1);
    assert_eq!(v["members_added"], 2);
    assert_eq!(pulled(&s), expected_dong());
    // The same roster with a BOM and commas: nothing new, nothing misread.
    let comma = ROWS
        .replace(';', ",")
        .replace("Xóm Giữa, số 5", "\"Xóm Giữa, số 5\"");
    let bytes = [b"\xEF\xBB\xBF".as_slice(), comma.as_bytes()].concat();
    let f = file(&s.env, "utf8-bom.csv", &bytes);
    let v = s.env.admin_json(&["import", "roster", &f]);
    assert_eq!(v["file"]["bom"], true);
    assert_eq!(v["households_skipped"], 1);
    assert_eq!(v["rows"], 2);
});

both_backends!(xlsx_file_imports, |b| {
    use rust_xlsxwriter::Workbook;
    let s = SERVER.setup(b);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "DANH SÁCH HỘ GIA ĐÌNH").expect("cell");
    for (c, h) in ["Thôn", "Mã hộ", "Chủ hộ", "Địa chỉ", "Họ tên", "Năm sinh"]
        .iter()
        .enumerate()
    {
        sheet.write(1, c as u16, *h).expect("cell");
    }
    let rows = [
        [
            "Thôn Đông",
            "Đ1",
            "Trần Văn Bình",
            "Xóm Giữa, số 5",
            "Trần Văn Bình",
        ],
        ["Thôn Đông", "Đ1", "", "", "Lê Thị Cúc"],
    ];
    for (i, (row, year)) in rows.iter().zip([1975.0, 2012.0]).enumerate() {
        let r = 2 + i as u32;
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write(r, c as u16, *v).expect("cell");
            }
        }
        sheet.write_number(r, 5, year).expect("cell");
    }
    let f = file(
        &s.env,
        "danh-sach.xlsx",
        &book.save_to_buffer().expect("xlsx"),
    );
    let v = s.env.admin_json(&["import", "roster", &f]);
    assert_eq!(v["file"]["format"], "xlsx");
    assert_eq!(pulled(&s), expected_dong(), "1975.0 read as 1975");
});

both_backends!(windows_1258_file_imports_with_diacritics, |b| {
    let s = SERVER.setup(b);
    let bytes = cp1258(ROWS);
    assert!(std::str::from_utf8(&bytes).is_err());
    let f = file(&s.env, "cp1258.csv", &bytes);
    let out = s.env.admin_ok(&["import", "roster", &f]);
    assert!(out.contains("Windows-1258"), "{out}");
    assert_eq!(pulled(&s), expected_dong());
    let v = s.env.admin_json(&["import", "roster", &f]);
    assert_eq!(v["file"]["encoding"], "windows-1258");
    assert_eq!(v["file"]["converted"], true);
});

both_backends!(every_bad_row_is_reported, |b| {
    let env = SERVER.env(b);
    add_hamlet(&env, "Thôn Đông");
    let mut csv = String::from("thon,ma_ho,chu_ho,ho_ten,gioi_tinh\n");
    for i in 0..80 {
        csv.push_str(&format!("Thôn Đông,H{i},Chủ hộ {i},Chủ hộ {i},robot\n"));
    }
    let f = file(&env, "roster.csv", csv.as_bytes());
    let (out, _) = refused(&env, &[&f, "--json"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    let problems = v["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 80);
    let lines: Vec<u64> = problems.iter().filter_map(|p| p["line"].as_u64()).collect();
    assert_eq!(lines, (2..=81).collect::<Vec<u64>>());
    assert!(problems
        .iter()
        .all(|p| p["code"] == "invalid_sex" && p["column"] == "gioi_tinh"));
    let (_, err) = refused(&env, &[&f]);
    assert_eq!(err.matches("roster.csv:").count(), 80, "{err}");
    assert!(
        err.contains("roster.csv:81: cột gioi_tinh: Giới tính không hợp lệ: \"robot\""),
        "{err}"
    );
    assert!(err.contains("80 lỗi"), "{err}");
});

both_backends!(csv_mistakes_in_vietnamese_with_lines, |b| {
    let env = SERVER.env(b);
    add_hamlet(&env, "Thôn Đông");
    let f = file(
        &env,
        "broken.csv",
        "thon;ma_ho;chu_ho\n\
         Thôn Đông;H1;Ngô Văn Tài\n\
         Thôn Đông;H2\n\
         Thôn Đông;H3;\"Mai Thị Hạnh\n\
         Thôn Đông;H4;Đỗ Văn Hải\n"
            .as_bytes(),
    );
    let (_, err) = refused(&env, &[&f]);
    assert!(
        err.contains("broken.csv:3: Dòng có 2 ô nhưng dòng tiêu đề có 3 ô"),
        "{err}"
    );
    assert!(
        err.contains("broken.csv:4: Dấu ngoặc kép (\") mở ở dòng này không được đóng"),
        "{err}"
    );
    for english in ["record", "found", "expected"] {
        assert!(!err.contains(english), "{english}: {err}");
    }
});

both_backends!(garbage_is_refused_with_how_to_save, |b| {
    let env = SERVER.env(b);
    let garbage: Vec<u8> = (0..2048u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .chain([0, 0])
        .collect();
    let f = file(&env, "garbage.csv", &garbage);
    let (_, err) = refused(&env, &[&f]);
    assert!(err.contains("không phải văn bản"), "{err}");
    assert!(err.contains("CSV UTF-8") && err.contains("xlsx"), "{err}");
    let (out, _) = refused(&env, &[&f, "--json"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["error"]["code"], "binary");
    assert_eq!(v["imported"], false);
});

both_backends!(hamlets_created_on_request, |b| {
    let s = SERVER.setup(b);
    let f = file(
        &s.env,
        "new.csv",
        "thon,ma_ho,chu_ho\nThôn Mới,M1,Đinh Văn Nam\nThôn Đông,D1,Lý Văn Quang\n".as_bytes(),
    );
    let (_, err) = refused(&s.env, &[&f]);
    assert!(
        err.contains("new.csv:2: cột thon: Thôn \"Thôn Mới\" chưa có (1 dòng)"),
        "{err}"
    );
    assert!(
        err.contains("--create-hamlets") && err.contains("hoctap-server admin hamlet add"),
        "{err}"
    );
    let hamlets = s.env.admin_json(&["hamlet", "list"]);
    assert_eq!(hamlets.as_array().map(Vec::len), Some(2), "nothing created");
    assert_eq!(pulled(&s).len(), 0, "nothing imported");

    let v = s
        .env
        .admin_json(&["import", "roster", &f, "--create-hamlets"]);
    assert_eq!(v["hamlets_created"], serde_json::json!(["Thôn Mới"]));
    assert_eq!(v["households_added"], 2);
    let hamlets = s.env.admin_json(&["hamlet", "list"]);
    let moi = hamlets
        .as_array()
        .expect("hamlets")
        .iter()
        .find(|h| h["name"] == "Thôn Mới")
        .expect("created");
    assert_eq!(moi["commune_code"], "04831", "in the server's commune");
    assert_eq!(pulled(&s).len(), 1, "the Đông household reaches the device");
});

both_backends!(clan_column_links_households_to_clans, |b| {
    let s = SERVER.setup(b);
    let rows = "thon;ma_ho;chu_ho;ho_ten;nam_sinh;dong_ho\n\
Thôn Đông;D01;Nguyễn Văn Bình;Nguyễn Văn Bình;1975;Họ Nguyễn\n\
Thôn Tây;T01;Nguyễn Văn An;Nguyễn Văn An;1980;họ nguyen\n";
    let f = file(&s.env, "clans.csv", rows.as_bytes());
    let v = s.env.admin_json(&["import", "roster", &f]);
    assert_eq!(v["clan_links"], 2, "{v}");
    let clans = s.env.admin_json(&["clan", "list"]);
    let clans = clans.as_array().expect("clans");
    assert_eq!(clans.len(), 1, "{clans:?}");
    assert_eq!(clans[0]["name"], "Họ Nguyễn");
    let v = s.env.admin_json(&["import", "roster", &f]);
    assert_eq!(v["clan_links"], 0, "{v}");
});
