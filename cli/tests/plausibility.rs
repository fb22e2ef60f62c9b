//! `hoctap evidence add|list` and `hoctap show` with evidence plausibility flags: a real 2008
//! camera photo (shared/testdata/photos/gps/DSCN0010.jpg, taken 2008-10-22) attached to this
//! year's assessment is attached (exit 0) with a warning, listed with its flags, and shown on
//! the assessment; attaching it twice says so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::process::{Command, Output, Stdio};

fn hoctap(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoctap"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("HOCTAP_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            pipe.write_all(s.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> (String, String) {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(out: &Output) -> Value {
    let (stdout, _) = ok(out);
    serde_json::from_str(&stdout).unwrap()
}

fn photo(rel: &str) -> String {
    format!(
        "{}/../../shared/testdata/photos/{rel}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn codes(flags: &Value) -> Vec<String> {
    flags
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_old_photo_is_attached_with_a_warning_and_shown_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&hoctap(d, &["hamlet", "add", "Thôn Ảnh Cũ"], None));
    let hh = json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "Thôn Ảnh Cũ",
            "--head",
            "Đào Văn Cũ",
            "--json",
        ],
        None,
    ));
    let m = json(&hoctap(
        d,
        &[
            "member",
            "add",
            hh["household"]["id"]
                .as_str()
                .or(hh["id"].as_str())
                .unwrap(),
            "--name",
            "Đào Văn Cũ",
            "--birth-year",
            "1975",
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
    let year = a["assessment"]["year"].as_i64().unwrap();
    let old = photo("gps/DSCN0010.jpg");

    // Attached (exit 0) with a warning for each flag.
    let (stdout, stderr) = ok(&hoctap(d, &["evidence", "add", aid, "1.1", &old], None));
    assert!(stdout.starts_with("Đã gắn ảnh"), "{stdout}");
    assert!(
        stderr.contains(&format!(
            "Cảnh báo ảnh: Ảnh chụp năm 2008, không thuộc năm đánh giá {year}"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("ngày trước khi gắn (quá 365 ngày)"),
        "{stderr}"
    );

    // The same photo on the same indicator again: it says so, and attaches nothing.
    let (stdout, _) = ok(&hoctap(d, &["evidence", "add", aid, "1.1", &old], None));
    assert!(!stdout.contains("Đã gắn ảnh"), "{stdout}");
    assert!(
        stdout.contains("đã gắn cho chỉ số 1.1 từ trước"),
        "{stdout}"
    );
    let again = json(&hoctap(
        d,
        &["evidence", "add", aid, "1.1", &old, "--json"],
        None,
    ));
    assert_eq!(again["newly_attached"], false);
    assert_eq!(
        codes(&again["flags"]),
        ["taken_outside_year", "taken_long_before"]
    );

    // Listed with its flags (text and JSON); one photo only.
    let listed = json(&hoctap(d, &["evidence", "list", aid, "--json"], None));
    assert_eq!(listed["1.1"].as_array().unwrap().len(), 1);
    let flags = &listed["1.1"][0]["flags"];
    assert_eq!(codes(flags), ["taken_outside_year", "taken_long_before"]);
    assert_eq!(flags[0]["taken_year"], 2008);
    assert_eq!(flags[0]["year"], year);
    assert!(flags[1]["age_days"].as_i64().unwrap() > 365 * 16);
    let (text, _) = ok(&hoctap(d, &["evidence", "list", aid], None));
    assert!(text.contains("    Cảnh báo: Ảnh chụp năm 2008"), "{text}");

    // On the assessment.
    let shown = json(&hoctap(d, &["show", aid, "--json"], None));
    assert_eq!(shown["assessment"]["id"], aid);
    assert_eq!(shown["photo_flags"].as_array().unwrap().len(), 1);
    assert_eq!(shown["photo_flags"][0]["item_id"], "1.1");
    assert_eq!(
        codes(&shown["photo_flags"][0]["flags"]),
        ["taken_outside_year", "taken_long_before"]
    );
    let (text, _) = ok(&hoctap(d, &["show", aid], None));
    assert!(text.contains("Ảnh cần xem lại:"), "{text}");
    assert!(text.contains("Chỉ số 1.1, ảnh "), "{text}");

    // A photo with no EXIF capture time: attached, flagged as unverifiable, no GPS flag.
    let (_, stderr) = ok(&hoctap(
        d,
        &[
            "evidence",
            "add",
            aid,
            "1.2",
            &photo("orientation/Landscape_1.jpg"),
        ],
        None,
    ));
    assert!(stderr.contains("Ảnh không ghi thời điểm chụp"), "{stderr}");
}
