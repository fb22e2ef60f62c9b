//! The roster as a cadre corrects it with `hoctap`: household codes usable wherever an id is,
//! search over names and codes (the address only when asked), duplicate warnings, edits, moves,
//! soft removals with history (refused while a finalized assessment depends on the row), unique
//! hamlet names, clans and units that can be registered, the set-aside queue's commands, and
//! the traps of the old CLI (a commune the device does not know, an override reason that is a
//! number, Ctrl-C during sync).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn hoctap(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
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

fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(out));
    stderr(out)
}

/// A data directory with Thôn Đông and Thôn Tây, H004 (Đỗ Văn Nam, living in "Xóm Đông") with
/// two adults, and Trần Văn An at "Đông Hòa".
fn village() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for h in ["Thôn Đông", "Thôn Tây"] {
        json(&hoctap(d, &["hamlet", "add", h, "--json"], None));
    }
    let h = json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "Thôn Đông",
            "--head",
            "Đỗ Văn Nam",
            "--address",
            "Xóm Đông",
            "--code",
            "H004",
            "--json",
        ],
        None,
    ));
    assert_eq!(h["roster_code"], "H004");
    let id = h["id"].as_str().unwrap().to_string();
    for (name, year) in [("Đỗ Văn Nam", "1980"), ("Lê Thị Mai", "1983")] {
        json(&hoctap(
            d,
            &[
                "member",
                "add",
                "H004",
                "--name",
                name,
                "--birth-year",
                year,
                "--schooling",
                "đã học xong",
                "--literate",
                "có",
                "--json",
            ],
            None,
        ));
    }
    json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "Thôn Đông",
            "--head",
            "Trần Văn An",
            "--address",
            "Đông Hòa",
            "--json",
        ],
        None,
    ));
    (dir, id)
}

fn heads(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| h["head"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn household_codes_work_wherever_an_id_does() {
    let (dir, id) = village();
    let d = dir.path();
    let shown = json(&hoctap(d, &["household", "show", "H004", "--json"], None));
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["members"].as_array().unwrap().len(), 2);
    // Any case; in text output the code is shown beside the head.
    let text = hoctap(d, &["household", "show", "h004"], None);
    assert!(String::from_utf8_lossy(&text.stdout).contains("mã H004"));
    let listed = hoctap(d, &["household", "list"], None);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("H004"));
    // Registering by code names the household.
    let r = json(&hoctap(
        d,
        &["register", "H004", "--model", "gia_dinh", "--json"],
        None,
    ));
    assert_eq!(r["subject"]["id"], id.as_str());
    // An unknown code says what was not found.
    let err = refused(&hoctap(d, &["household", "show", "H999"], None));
    assert!(err.contains("H999"), "{err}");
    // The same code in another hamlet makes the code ambiguous: both are listed.
    json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "Thôn Tây",
            "--head",
            "Hồ Văn Tư",
            "--code",
            "H004",
            "--json",
        ],
        None,
    ));
    let err = refused(&hoctap(d, &["household", "show", "H004"], None));
    assert!(
        err.contains("Thôn Đông") && err.contains("Thôn Tây"),
        "{err}"
    );
    // The id still works.
    json(&hoctap(d, &["household", "show", &id, "--json"], None));
}

#[test]
fn search_matches_names_and_codes_and_the_address_only_when_asked() {
    let (dir, _) = village();
    let d = dir.path();
    let list = |args: &[&str]| {
        let mut all = vec!["household", "list", "--json"];
        all.extend_from_slice(args);
        heads(&json(&hoctap(d, &all, None)))
    };
    // "đỗ" is Đỗ Văn Nam, not every "Đông" address.
    assert_eq!(list(&["--search", "đỗ"]), ["Đỗ Văn Nam"]);
    assert_eq!(list(&["--search", "do"]), ["Đỗ Văn Nam"]);
    assert_eq!(list(&["--search", "h004"]), ["Đỗ Văn Nam"]);
    // A member's name finds the household.
    assert_eq!(list(&["--search", "le thi mai"]), ["Đỗ Văn Nam"]);
    assert!(list(&["--search", "dong hoa"]).is_empty());
    assert_eq!(
        list(&["--search", "dong hoa", "--address"]),
        ["Trần Văn An"]
    );
}

#[test]
fn duplicates_are_warned_about_and_hamlet_names_are_unique() {
    let (dir, _) = village();
    let d = dir.path();
    let out = hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "thon dong",
            "--head",
            "do van nam",
            "--json",
        ],
        None,
    );
    let v = json(&out);
    assert_eq!(v["similar"].as_array().unwrap().len(), 1, "{v}");
    assert!(stderr(&out).contains("Đỗ Văn Nam"), "{}", stderr(&out));
    let out = hoctap(
        d,
        &["member", "add", "H004", "--name", "Le Thi Mai", "--json"],
        None,
    );
    json(&out);
    assert!(stderr(&out).contains("Lê Thị Mai"), "{}", stderr(&out));
    // A second "Thôn Đông", however spelled, is refused.
    let err = refused(&hoctap(d, &["hamlet", "add", "THÔN ĐÔNG"], None));
    assert!(err.contains("Thôn Đông"), "{err}");
    // A commune this device does not know yet: a hint, not a foreign-key error.
    let err = refused(&hoctap(
        d,
        &[
            "hamlet",
            "add",
            "Thôn Bắc",
            "--kind",
            "thon",
            "--commune",
            "04831",
        ],
        None,
    ));
    assert!(
        err.contains("04831") && err.contains("hoctap enroll"),
        "{err}"
    );
    assert!(!err.contains("FOREIGN KEY"), "{err}");
}

#[test]
fn edit_move_remove_restore_with_history() {
    let (dir, id) = village();
    let d = dir.path();
    let v = json(&hoctap(
        d,
        &[
            "household",
            "edit",
            "H004",
            "--phone",
            "0912 345 678",
            "--address",
            "",
            "--json",
        ],
        None,
    ));
    assert_eq!(v["phone"], "0912 345 678");
    assert_eq!(v["address"], Value::Null);
    let v = json(&hoctap(
        d,
        &[
            "household",
            "move",
            "H004",
            "--hamlet",
            "Thôn Tây",
            "--json",
        ],
        None,
    ));
    assert_eq!(v["hamlet"], "Thôn Tây");
    let members = json(&hoctap(d, &["household", "show", "H004", "--json"], None));
    let mai = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Lê Thị Mai")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = json(&hoctap(
        d,
        &["member", "edit", &mai, "--birth-year", "1984", "--json"],
        None,
    ));
    assert_eq!(v["birth_year"], 1984);
    json(&hoctap(d, &["member", "remove", &mai, "--json"], None));
    let shown = json(&hoctap(d, &["household", "show", "H004", "--json"], None));
    assert_eq!(shown["members"].as_array().unwrap().len(), 1);
    json(&hoctap(d, &["member", "restore", &mai, "--json"], None));

    json(&hoctap(d, &["household", "remove", "H004", "--json"], None));
    let all = heads(&json(&hoctap(d, &["household", "list", "--json"], None)));
    assert_eq!(all, ["Trần Văn An"]);
    // Still shown by id, marked removed; restored.
    let shown = json(&hoctap(d, &["household", "show", &id, "--json"], None));
    assert!(shown["removed_at"].is_string(), "{shown}");
    // By its code too, though it is off the roster.
    json(&hoctap(
        d,
        &["household", "history", "H004", "--json"],
        None,
    ));
    json(&hoctap(
        d,
        &["household", "restore", "H004", "--json"],
        None,
    ));
    let history = json(&hoctap(
        d,
        &["household", "history", "H004", "--json"],
        None,
    ));
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["entity"] == "household")
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["add", "edit", "move", "remove", "restore"]);
    assert!(history
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["entity"] == "member" && c["action"] == "remove"));
}

#[test]
fn a_household_with_a_finalized_assessment_cannot_be_removed() {
    let (dir, _) = village();
    let d = dir.path();
    let answers = r#"{"items": {"1.2": 8, "1.3": 8, "2.2": 8}}"#;
    let a = json(&hoctap(
        d,
        &[
            "assess",
            "H004",
            "--criteria",
            "gdht-448-2015",
            "--year",
            "2020",
            "--answers",
            "-",
            "--json",
        ],
        Some(answers),
    ));
    let aid = a["assessment"]["id"].as_str().unwrap().to_string();
    json(&hoctap(d, &["finalize", &aid, "--json"], None));
    let err = refused(&hoctap(d, &["household", "remove", "H004"], None));
    assert!(err.contains("đã chốt"), "{err}");
    let shown = json(&hoctap(d, &["household", "show", "H004", "--json"], None));
    assert!(shown["removed_at"].is_null());
    // A member may leave (the finalized household assessment froze its facts and reads the
    // same); a member who is the subject of a finalized assessment may not.
    let before = json(&hoctap(d, &["show", &aid, "--json"], None));
    let m = shown["members"][0]["id"].as_str().unwrap().to_string();
    json(&hoctap(d, &["member", "remove", &m, "--json"], None));
    let after = json(&hoctap(d, &["show", &aid, "--json"], None));
    assert_eq!(before["evaluation"], after["evaluation"]);
}

#[test]
fn clans_and_units_can_be_created_and_registered() {
    let (dir, _) = village();
    let d = dir.path();
    // Before: registering a clan that does not exist names the kind, not "đối tượng".
    let err = refused(&hoctap(
        d,
        &["register", "Họ Đỗ", "--model", "dong_ho"],
        None,
    ));
    assert!(err.contains("dòng họ"), "{err}");
    let clan = json(&hoctap(
        d,
        &["clan", "add", "Họ Đỗ", "--household", "H004", "--json"],
        None,
    ));
    assert_eq!(clan["hamlets"], serde_json::json!(["Thôn Đông"]));
    let r = json(&hoctap(
        d,
        &["register", "ho do", "--model", "dong_ho", "--json"],
        None,
    ));
    assert_eq!(r["subject"]["kind"], "clan");
    assert_eq!(r["subject"]["id"], clan["id"]);
    let unit = json(&hoctap(
        d,
        &[
            "unit",
            "add",
            "Trường Mầm non Đông",
            "--kind",
            "school",
            "--hamlet",
            "Thôn Đông",
            "--json",
        ],
        None,
    ));
    assert_eq!(unit["kind"], "school");
    let r = json(&hoctap(
        d,
        &[
            "register",
            "Trường Mầm non Đông",
            "--model",
            "don_vi",
            "--json",
        ],
        None,
    ));
    assert_eq!(r["subject"]["id"], unit["id"]);
    let err = refused(&hoctap(
        d,
        &["unit", "add", "Công ty X", "--kind", "factory"],
        None,
    ));
    assert!(err.contains("factory"), "{err}");
    let listed = json(&hoctap(d, &["clan", "list", "--json"], None));
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[test]
fn outbox_retry_and_keep_refuse_what_is_not_set_aside() {
    let (dir, _) = village();
    let d = dir.path();
    let v = json(&hoctap(d, &["outbox", "retry", "--all", "--json"], None));
    assert_eq!(v["requeued"], 0);
    refused(&hoctap(d, &["outbox", "retry"], None));
    let err = refused(&hoctap(
        d,
        &["outbox", "retry", "01a23290-0f32-717d-9161-33ec4548f006"],
        None,
    ));
    assert!(err.contains("Không tìm thấy phiếu"), "{err}");
    // A draft is not set aside either.
    let a = json(&hoctap(
        d,
        &[
            "assess",
            "H004",
            "--criteria",
            "gdht-448-2015",
            "--year",
            "2020",
            "--answers",
            "-",
            "--json",
        ],
        Some(r#"{"items": {"1.2": 8}}"#),
    ));
    let aid = a["assessment"]["id"].as_str().unwrap();
    let err = refused(&hoctap(d, &["outbox", "retry", aid], None));
    assert!(err.contains("không ở trạng thái bị giữ lại"), "{err}");
    refused(&hoctap(d, &["outbox", "keep", aid], None));
}

/// The interactive override of a derived indicator (Gia đình học tập 1.1, from the members)
/// takes a reason in words; "9" typed at the reason prompt is no reason.
#[test]
fn an_override_reason_must_be_words() {
    let (dir, _) = village();
    let d = dir.path();
    // 1.1 is the first indicator: a value, then "9" as the reason, then stop.
    let out = hoctap(
        d,
        &[
            "assess",
            "H004",
            "--criteria",
            "gdht-448-2015",
            "--year",
            "2020",
            "--json",
        ],
        Some("5\n9\nq\n"),
    );
    let v = json(&out);
    assert!(
        stderr(&out).contains("Cần lý do bằng lời"),
        "{}",
        stderr(&out)
    );
    let item = v["evaluation"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "1.1")
        .unwrap()
        .clone();
    assert!(item["override_reason"].is_null(), "{item}");
    // Through a file, the same rule: a bare number is refused naming the indicator.
    let a = r#"{"items": {"1.1": {"value": 5, "override_reason": "9"}}}"#;
    let err = refused(&hoctap(
        d,
        &[
            "assess",
            "H004",
            "--criteria",
            "gdht-448-2015",
            "--year",
            "2020",
            "--answers",
            "-",
        ],
        Some(a),
    ));
    assert!(err.contains("1.1") && err.contains("lý do"), "{err}");
}

/// Ctrl-C during a sync says it is stopping (nothing is lost) instead of exiting silently; a
/// second Ctrl-C ends the process at once. The "server" answers the enrollment, then accepts
/// connections and never answers (a link that hangs), which is when a cadre presses Ctrl-C.
#[cfg(unix)]
#[test]
fn ctrl_c_during_sync_says_so() {
    use std::io::{BufRead, BufReader, Read};
    use std::net::TcpListener;
    use std::time::{Duration, Instant};
    let (dir, _) = village();
    let d = dir.path();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for (n, stream) in listener.incoming().flatten().enumerate() {
            if n > 0 {
                held.push(stream); // Never answered.
                continue;
            }
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let answer = serde_json::json!({
                "device_id": "01a23290-0000-7000-8000-000000000001",
                "token": "t0k3n",
                "scope": {"province_code": null, "commune_code": null, "hamlets": []},
                "server_time": "2026-12-01T00:00:00Z"
            })
            .to_string();
            let mut w = stream;
            let _ = write!(
                w,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    json(&hoctap(d, &["enroll", &url, "ABCD-EFGH", "--json"], None));
    let child = Command::new(env!("CARGO_BIN_EXE_hoctap"))
        .arg("--data")
        .arg(d)
        .arg("sync")
        .env_remove("HOCTAP_DATA")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    std::thread::sleep(Duration::from_millis(1500));
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "a second Ctrl-C ends it at once"
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Đang dừng đồng bộ"),
        "{}",
        stderr(&out)
    );
    // Nothing was lost: the data directory opens and lists as before.
    let listed = json(&hoctap(d, &["household", "list", "--json"], None));
    assert_eq!(listed.as_array().unwrap().len(), 2);
}
