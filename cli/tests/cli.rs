//! The `hoctap` binary as users and scripts see it: outputs, JSON shapes and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn hoctap(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoctap"));
    cmd.arg("--data")
        .arg(data)
        .args(args)
        .env_remove("HOCTAP_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            pipe.write_all(s.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const IDS: [&str; 10] = [
    "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2",
];

fn answers(values: &[(&str, i64)]) -> String {
    let items: serde_json::Map<String, Value> = values
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect();
    serde_json::json!({ "items": items }).to_string()
}

fn score(input: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    hoctap(
        dir.path(),
        &[
            "score",
            "--criteria",
            "cdht-324",
            "--answers",
            "-",
            "--json",
        ],
        Some(input),
    )
}

#[test]
fn cdht_all_eights_passes_at_80() {
    let all8: Vec<(&str, i64)> = IDS.iter().map(|i| (*i, 8)).collect();
    let v = json(&score(&answers(&all8)));
    assert_eq!(v["status"], "passed");
    assert_eq!(v["total"], 80);
    assert_eq!(v["max"], 100);
    assert_eq!(v["criteria"]["id"], "cdht-324");
    assert_eq!(v["criteria"]["sha256"].as_str().unwrap().len(), 64);
    assert!(v["criteria"]["version"].is_u64());
    assert!(v.get("level").is_some());
    assert_eq!(v["reasons"].as_array().unwrap().len(), 0);
}

#[test]
fn cdht_94_with_one_indicator_at_4_fails_naming_it() {
    let mut vals: Vec<(&str, i64)> = IDS.iter().map(|i| (*i, 10)).collect();
    vals[5].1 = 4; // 2.2 → total 94
    let v = json(&score(&answers(&vals)));
    assert_eq!(v["total"], 94);
    assert_eq!(v["status"], "failed");
    let reasons = v["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0]["code"], "below_floor");
    assert_eq!(reasons[0]["item"], "2.2");
    assert!(reasons[0]["message"].as_str().unwrap().contains("2.2"));
}

#[test]
fn cdht_one_missing_indicator_is_incomplete() {
    let vals: Vec<(&str, i64)> = IDS
        .iter()
        .filter(|i| **i != "3.1")
        .map(|i| (*i, 9))
        .collect();
    let v = json(&score(&answers(&vals)));
    assert_eq!(v["status"], "incomplete");
    let reasons = v["reasons"].as_array().unwrap();
    assert!(reasons
        .iter()
        .any(|r| r["code"] == "missing_answer" && r["item"] == "3.1"));
}

#[test]
fn bad_answers_exit_2_naming_the_indicator() {
    let mut vals: Vec<(&str, i64)> = IDS.iter().map(|i| (*i, 8)).collect();
    vals[3].1 = 11; // 1.4
    let out = score(&answers(&vals));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("1.4"), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "invalid_input");

    vals[3].1 = -1;
    let out = score(&answers(&vals));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("1.4"));

    let out = score(r#"{"items": {"9.9": 5}}"#);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("9.9"));

    let out = score("điểm: tám");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("JSON"));
}

#[test]
fn unknown_set_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = hoctap(
        dir.path(),
        &["score", "--criteria", "nope", "--answers", "-"],
        Some("{}"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope"));
    let out = hoctap(dir.path(), &["household", "frobnicate"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = hoctap(dir.path(), &["--help"], None);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unopenable_data_dir_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = hoctap(&file, &["hamlet", "list"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn households_add_list_search_show() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&hoctap(d, &["hamlet", "add", "Thôn Đông", "--json"], None));
    // A name typed in NFD (as some keyboards send it) is stored NFC.
    let nfd = "Nguye\u{302}\u{303}n Thi\u{323} \u{110}a\u{300}o";
    let added = json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "thon dong",
            "--head",
            nfd,
            "--json",
        ],
        None,
    ));
    assert_eq!(added["head"], "Nguyễn Thị Đào");
    json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "Thôn Đông",
            "--head",
            "Trần Văn An",
            "--json",
        ],
        None,
    ));
    let list = json(&hoctap(d, &["household", "list", "--json"], None));
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    // Given name first: An before Đào.
    assert_eq!(rows[0]["head"], "Trần Văn An");
    assert!(rows
        .iter()
        .all(|r| r["id"].is_string() && r["head"].is_string()));
    let found = json(&hoctap(
        d,
        &["household", "list", "--search", "DAO", "--json"],
        None,
    ));
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], added["id"]);
    let id = added["id"].as_str().unwrap();
    let m = json(&hoctap(
        d,
        &[
            "member",
            "add",
            id,
            "--name",
            "Lê Văn Bình",
            "--birth-year",
            "2015",
            "--schooling",
            "in_school",
            "--json",
        ],
        None,
    ));
    assert_eq!(m["name"], "Lê Văn Bình");
    let shown = json(&hoctap(d, &["household", "show", id, "--json"], None));
    assert_eq!(shown["members"].as_array().unwrap().len(), 1);
    let out = hoctap(
        d,
        &["household", "show", "00000000-0000-0000-0000-000000000000"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let out = hoctap(
        d,
        &["member", "add", id, "--name", "X", "--birth-year", "3000"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn roster_import_reports_the_line_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&hoctap(d, &["hamlet", "add", "Thôn Tây"], None));
    let csv = dir.path().join("roster.csv");
    std::fs::write(
        &csv,
        "hamlet,household,head,member,birth_year,sex\n\
         Thôn Tây,H1,Ngô Văn Tài,Ngô Văn Tài,1970,nam\n\
         Thôn Tây,H2,Mai Thị Hạnh,Mai Thị Hạnh,1975,nữ\n\
         Thôn Tây,H2,,Mai Văn Lộc,2010,robot\n",
    )
    .unwrap();
    let out = hoctap(d, &["import", "roster", csv.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(":4:"), "{}", stderr(&out));
    let list = json(&hoctap(d, &["household", "list", "--json"], None));
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[test]
fn criteria_list_show_validate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let list = json(&hoctap(d, &["criteria", "list", "--json"], None));
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"cdht-324") && ids.contains(&"gdht-448-2015"),
        "{ids:?}"
    );
    let shown = json(&hoctap(
        d,
        &["criteria", "show", "cdht-324", "--json"],
        None,
    ));
    assert_eq!(shown["model"], "cong_dan");
    let bad = d.join("bad.toml");
    std::fs::write(
        &bad,
        "schema = 1\nid = \"x\"\nmodel = \"gia_dinh\"\ntitle = \"X\"\nversion = 1\nstatus = \"template\"\ncolour = \"red\"\n\
         [[criteria]]\nid = \"1\"\ntitle = \"A\"\nmax = 20\n\
         [[criteria.indicators]]\nid = \"1.1\"\ntext = \"a\"\nmax = 10\nanswer = \"points\"\n",
    )
    .unwrap();
    let out = hoctap(d, &["criteria", "validate", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(":7:"), "unknown key on line 7: {err}");
    assert!(err.contains("colour"), "{err}");
    let good = env!("CARGO_MANIFEST_DIR").to_string() + "/../criteria/cdht-324.toml";
    let out = hoctap(d, &["criteria", "validate", &good], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn assess_interactively_then_finalize_and_summarise() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&hoctap(d, &["hamlet", "add", "Thôn Nam"], None));
    let hh = json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "Thôn Nam",
            "--head",
            "Đặng Văn Hùng",
            "--json",
        ],
        None,
    ));
    let hid = hh["id"].as_str().unwrap();
    let m = json(&hoctap(
        d,
        &[
            "member",
            "add",
            hid,
            "--name",
            "Đặng Văn Hùng",
            "--birth-year",
            "1980",
            "--json",
        ],
        None,
    ));
    let mid = m["id"].as_str().unwrap();
    // Typed answers for 1.1–3.1, one of them wrong first (12) and typed again; input ends
    // before 3.2.
    let input = "9\n8\n12\n8\n8\n8\n8\n8\n8\n8\n";
    let out = hoctap(
        d,
        &["assess", mid, "--criteria", "cdht-324", "--json"],
        Some(input),
    );
    let v = json(&out);
    assert_eq!(
        v["evaluation"]["status"], "incomplete",
        "3.2 was never answered"
    );
    let aid = v["assessment"]["id"].as_str().unwrap().to_string();
    // Resume: the saved answers are kept; only 3.2 is needed now (Enter keeps the others).
    let resume = "\n\n\n\n\n\n\n\n\n7\n";
    let v = json(&hoctap(
        d,
        &["assess", mid, "--criteria", "cdht-324", "--json"],
        Some(resume),
    ));
    assert_eq!(v["assessment"]["id"], aid.as_str());
    assert_eq!(v["evaluation"]["status"], "passed");
    assert_eq!(v["evaluation"]["total"], 80);
    let fin = json(&hoctap(d, &["finalize", &aid, "--json"], None));
    assert_eq!(fin["content_sha256"].as_str().unwrap().len(), 64);
    let out = hoctap(
        d,
        &["assess", mid, "--criteria", "cdht-324", "--answers", "-"],
        Some(r#"{"items":{"1.1":1}}"#),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "finalized: no silent second assessment"
    );
    let s = json(&hoctap(d, &["summary", "--json"], None));
    let cd = s["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "cong_dan")
        .unwrap()
        .clone();
    assert_eq!(cd["registered"], 1);
    assert_eq!(cd["assessed"], 1);
    assert_eq!(cd["passed"], 1);
    assert_eq!(cd["all"], 1);
    assert_eq!(cd["percentage"], 100.0);
    // Targets in force: Decision 387's until a server sends its own; none for Công dân học tập.
    assert_eq!(cd["target_percent"], serde_json::Value::Null);
    assert_eq!(cd["meets_target"], serde_json::Value::Null);
    let gd = s["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "gia_dinh")
        .unwrap()
        .clone();
    assert_eq!(gd["target_percent"], 70.0);
    let table = String::from_utf8(hoctap(d, &["summary"], None).stdout).unwrap();
    assert!(
        table.contains("Chỉ tiêu") && table.contains("70%"),
        "{table}"
    );
}

fn photo(rel: &str) -> String {
    format!(
        "{}/../../shared/testdata/photos/{rel}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn evidence_ingest_writes_clean_jpegs_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let v = json(&hoctap(
        dir.path(),
        &[
            "evidence",
            "ingest",
            &photo("phones/nokia-8.3-4608x1976.jpg"),
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
        None,
    ));
    for key in [
        "path", "sha256", "width", "height", "bytes", "taken_at", "gps", "make", "model", "phash",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["width"], 1600);
    assert_eq!(v["taken_at"], "2022-08-14T14:12:31+03:00");
    assert!(v["gps"]["lat"].as_f64().unwrap() > 60.0);
    let path = v["path"].as_str().unwrap();
    assert!(path.starts_with(out.to_str().unwrap()));
    let bytes = std::fs::read(path).unwrap();
    assert!(
        !bytes.windows(4).any(|w| w == b"Exif"),
        "no EXIF in the output"
    );
    assert!(
        !dir.path().join("hoctap.db").exists(),
        "--out touches no database"
    );
    // Smaller and lower quality on request.
    let small = json(&hoctap(
        dir.path(),
        &[
            "evidence",
            "ingest",
            &photo("phones/nokia-8.3-4608x1976.jpg"),
            "--out",
            out.to_str().unwrap(),
            "--max-edge",
            "800",
            "--quality",
            "60",
            "--json",
        ],
        None,
    ));
    assert_eq!(small["width"], 800);
    assert!(small["bytes"].as_u64().unwrap() < v["bytes"].as_u64().unwrap());
    // Refused input: exit 2 with a Vietnamese message, nothing written.
    let heic = dir.path().join("x.heic");
    std::fs::write(&heic, b"\0\0\0\x18ftypheic\0\0\0\0mif1heic").unwrap();
    let before = std::fs::read_dir(&out).unwrap().count();
    let r = hoctap(
        dir.path(),
        &[
            "evidence",
            "ingest",
            heic.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(stderr(&r).contains("HEIC"), "{}", stderr(&r));
    let truncated = dir.path().join("t.jpg");
    let full = std::fs::read(photo("gps/DSCN0010.jpg")).unwrap();
    std::fs::write(&truncated, &full[..full.len() / 3]).unwrap();
    let r = hoctap(
        dir.path(),
        &[
            "evidence",
            "ingest",
            truncated.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), before);
}

#[test]
fn evidence_add_attaches_to_a_draft() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&hoctap(d, &["hamlet", "add", "Thôn Ảnh"], None));
    let hh = json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "Thôn Ảnh",
            "--head",
            "Kiều Văn Chụp",
            "--json",
        ],
        None,
    ));
    let m = json(&hoctap(
        d,
        &[
            "member",
            "add",
            hh["id"].as_str().unwrap(),
            "--name",
            "Kiều Văn Chụp",
            "--birth-year",
            "1979",
            "--json",
        ],
        None,
    ));
    let a = json(&hoctap(
        d,
        &[
            "assess",
            m["id"].as_str().unwrap(),
            "--criteria",
            "cdht-324",
            "--answers",
            "-",
            "--json",
        ],
        Some(r#"{"items":{"1.1":8}}"#),
    ));
    let aid = a["assessment"]["id"].as_str().unwrap();
    let p = json(&hoctap(
        d,
        &[
            "evidence",
            "add",
            aid,
            "1.1",
            &photo("gps/DSCN0021.jpg"),
            "--json",
        ],
        None,
    ));
    assert_eq!(p["item_id"], "1.1");
    let listed = json(&hoctap(d, &["evidence", "list", aid, "--json"], None));
    assert_eq!(listed["1.1"].as_array().unwrap().len(), 1);
    let r = hoctap(
        d,
        &["evidence", "add", aid, "7.7", &photo("gps/DSCN0021.jpg")],
        None,
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(stderr(&r).contains("7.7"));
    let pairs = json(&hoctap(d, &["evidence", "similar", "--json"], None));
    assert_eq!(pairs.as_array().unwrap().len(), 0);
}

/// Regression: a finalized `gdht-448-2015` household assessment (44 points) read 34 in `show`
/// once an out-of-school child was added to the household. It must read the same forever.
#[test]
fn show_of_a_finalized_assessment_ignores_later_member_changes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&hoctap(d, &["hamlet", "add", "Thôn Đông", "--json"], None));
    let hh = json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "Thôn Đông",
            "--head",
            "Nguyễn Văn Hùng",
            "--json",
        ],
        None,
    ));
    let hh = hh["id"].as_str().unwrap().to_string();
    for (name, year) in [("Nguyễn Văn Hùng", "1980"), ("Lê Thị Mai", "1983")] {
        json(&hoctap(
            d,
            &[
                "member",
                "add",
                &hh,
                "--name",
                name,
                "--birth-year",
                year,
                "--schooling",
                "finished",
                "--literate",
                "co",
                "--json",
            ],
            None,
        ));
    }
    let a = json(&hoctap(
        d,
        &[
            "assess",
            &hh,
            "--criteria",
            "gdht-448-2015",
            "--year",
            "2020",
            "--answers",
            "-",
            "--json",
        ],
        Some(&answers(&[("1.2", 8), ("1.3", 8), ("2.2", 8)])),
    ));
    let id = a["assessment"]["id"].as_str().unwrap().to_string();
    let fin = json(&hoctap(d, &["finalize", &id, "--json"], None));
    assert_eq!(fin["evaluation"]["total"], 44);
    let before = json(&hoctap(d, &["show", &id, "--json"], None));
    json(&hoctap(
        d,
        &[
            "member",
            "add",
            &hh,
            "--name",
            "Nguyễn Văn Tí",
            "--birth-year",
            "2012",
            "--schooling",
            "out_of_school",
            "--json",
        ],
        None,
    ));
    let after = json(&hoctap(d, &["show", &id, "--json"], None));
    assert_eq!(after["evaluation"]["total"], 44);
    for key in ["total", "status", "level", "reasons", "items", "subtotals"] {
        assert_eq!(after["evaluation"][key], before["evaluation"][key], "{key}");
    }
    assert_eq!(after["evaluation"], fin["evaluation"]);
    // Plain text reads the same total.
    let text = hoctap(d, &["show", &id], None);
    ok(&text);
    assert!(String::from_utf8_lossy(&text.stdout).contains("44 / 100"));
}
