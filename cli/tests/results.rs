//! Honest results (issue 10) as `hoctap` users see them: a template's result is a practice
//! result that never reads "đạt"/"ĐẠT" (text or JSON labels) and never counts as passed; levels
//! print their Vietnamese titles; a set whose period does not include the year is refused for a
//! new assessment (exit 2) while `score` only warns; a 4-year-old cannot be assessed for Công
//! dân học tập and is never counted in `hoctap summary`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn hoctap(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
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

fn text(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn photo(rel: &str) -> String {
    format!(
        "{}/../../shared/testdata/photos/{rel}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn repo(rel: &str) -> String {
    format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// No "đạt" in any case ("Đạt", "ĐẠT", "chưa đạt").
fn never_says_dat(s: &str) {
    assert!(!s.to_lowercase().contains("đạt"), "reads “đạt”:\n{s}");
}

/// Every indicator of template-gia-dinh but the derived 1.1 and 2.1, at 9 (4.1 yes).
const TEMPLATE_GIA_DINH_9: &str = r#"{"items": {"1.2": 9, "1.3": 9, "2.2": 9, "2.3": 9,
    "3.1": 9, "3.2": 9, "4.1": true, "4.2": 9}}"#;

/// A hamlet and a household with the given members; returns (household id, member ids).
fn household(d: &Path, members: &[(&str, &str)]) -> (String, Vec<String>) {
    json(&hoctap(d, &["hamlet", "add", "Thôn Đông", "--json"], None));
    let hh = json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "Thôn Đông",
            "--head",
            members[0].0,
            "--json",
        ],
        None,
    ));
    // `household add --json` gives the household, possibly wrapped with near-duplicates.
    let hh = hh.get("household").unwrap_or(&hh)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ids = members
        .iter()
        .map(|(name, year)| {
            let m = json(&hoctap(
                d,
                &[
                    "member",
                    "add",
                    &hh,
                    "--name",
                    name,
                    "--birth-year",
                    year,
                    "--literate",
                    "co",
                    "--json",
                ],
                None,
            ));
            m["id"].as_str().unwrap().to_string()
        })
        .collect();
    (hh, ids)
}

fn summary_row(d: &Path, year: &str, model: &str) -> Value {
    let s = json(&hoctap(d, &["summary", "--year", year, "--json"], None));
    s["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == model)
        .cloned()
        .unwrap()
}

#[test]
fn a_template_score_is_a_practice_result_with_level_titles() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = [
        "score",
        "--criteria",
        "template-gia-dinh",
        "--year",
        "2026",
        "--answers",
        "-",
    ];
    let out = text(&hoctap(d, &args, Some(TEMPLATE_GIA_DINH_9)));
    assert!(
        out.starts_with("Kết quả tham khảo (bộ mẫu): "),
        "practice headline:\n{out}"
    );
    never_says_dat(&out);
    assert!(out.contains("mức (theo mẫu): Gia đình học tập"), "{out}");
    assert!(!out.contains("muc_1"), "no raw level code:\n{out}");

    let mut with_json = args.to_vec();
    with_json.push("--json");
    let v = json(&hoctap(d, &with_json, Some(TEMPLATE_GIA_DINH_9)));
    assert_eq!(v["status"], "passed", "the code is kept");
    assert_eq!(v["practice"], true);
    assert_eq!(v["level"], "muc_1");
    assert_eq!(v["level_title"], "Gia đình học tập");
    never_says_dat(v["label"].as_str().unwrap());

    // Levels print their titles (template-cong-dong, every indicator at 10: "Mức 2").
    let shown = json(&hoctap(
        d,
        &["criteria", "show", "template-cong-dong", "--json"],
        None,
    ));
    let items: serde_json::Map<String, Value> = shown["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["indicators"].as_array().unwrap().iter())
        .map(|i| (i["id"].as_str().unwrap().to_string(), Value::from(10)))
        .collect();
    let answers = serde_json::json!({ "items": items }).to_string();
    let out = text(&hoctap(
        d,
        &[
            "score",
            "--criteria",
            "template-cong-dong",
            "--answers",
            "-",
        ],
        Some(&answers),
    ));
    assert!(out.contains("Mức 2"), "{out}");
    assert!(!out.contains("muc_2"), "{out}");
    never_says_dat(&out);
}

#[test]
fn a_finalized_template_assessment_never_reads_dat_and_is_not_counted_as_passed() {
    // Regression: finalizing with template-gia-dinh printed
    // "Kết quả: ĐẠT — 89 / 100 — mức: muc_1".
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (hh, _) = household(d, &[("Nguyễn Văn Bình", "1975")]);
    let a = json(&hoctap(
        d,
        &[
            "assess",
            &hh,
            "--criteria",
            "template-gia-dinh",
            "--year",
            "2026",
            "--answers",
            "-",
            "--json",
        ],
        Some(TEMPLATE_GIA_DINH_9),
    ));
    let id = a["assessment"]["id"].as_str().unwrap().to_string();
    assert_eq!(a["evaluation"]["practice"], true);
    never_says_dat(a["evaluation"]["label"].as_str().unwrap());
    for item in ["2.2", "3.1"] {
        json(&hoctap(
            d,
            &[
                "evidence",
                "add",
                &id,
                item,
                &photo("gps/DSCN0021.jpg"),
                "--json",
            ],
            None,
        ));
    }
    let shown = text(&hoctap(d, &["show", &id], None));
    assert!(shown.contains("Kết quả tham khảo (bộ mẫu)"), "{shown}");
    never_says_dat(&shown);

    let fin = text(&hoctap(d, &["finalize", &id], None));
    assert!(fin.contains("Kết quả tham khảo (bộ mẫu): "), "{fin}");
    assert!(fin.contains("mức (theo mẫu): Gia đình học tập"), "{fin}");
    assert!(!fin.contains("muc_1"), "{fin}");
    never_says_dat(&fin);
    // Finalizing again returns what was frozen, as JSON.
    let again = json(&hoctap(d, &["finalize", &id, "--json"], None));
    assert_eq!(again["evaluation"]["status"], "passed");
    assert_eq!(again["evaluation"]["practice"], true);
    assert_eq!(again["evaluation"]["level_title"], "Gia đình học tập");
    never_says_dat(again["evaluation"]["label"].as_str().unwrap());
    let shown = json(&hoctap(d, &["show", &id, "--json"], None));
    never_says_dat(shown["evaluation"]["label"].as_str().unwrap());

    // Assessed, never passed.
    let gd = summary_row(d, "2026", "gia_dinh");
    assert_eq!(
        (gd["assessed"].as_u64(), gd["passed"].as_u64()),
        (Some(1), Some(0))
    );
}

#[test]
fn gdht_448_2015_is_refused_for_2026_but_score_only_warns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (hh, _) = household(d, &[("Nguyễn Văn Bình", "1975")]);
    let args = [
        "assess",
        hh.as_str(),
        "--criteria",
        "gdht-448-2015",
        "--year",
        "2026",
        "--answers",
        "-",
    ];
    let out = hoctap(d, &args, Some(r#"{"items": {"1.2": 8}}"#));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in ["gdht-448-2015", "2016-2020", "2026", "template-gia-dinh"] {
        assert!(err.contains(needle), "{needle} in:\n{err}");
    }
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let out = hoctap(d, &with_json, Some(r#"{"items": {"1.2": 8}}"#));
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "invalid_input");
    // Nothing was created: not even the registration.
    let gd = summary_row(d, "2026", "gia_dinh");
    assert_eq!(gd["registered"], 0);
    // Within its period it is accepted.
    json(&hoctap(
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
        Some(r#"{"items": {"1.2": 8}}"#),
    ));

    // `score` is a calculator: it scores, and warns.
    let out = hoctap(
        d,
        &[
            "score",
            "--criteria",
            "gdht-448-2015",
            "--year",
            "2026",
            "--answers",
            "-",
            "--json",
        ],
        Some(r#"{"items": {"1.2": 8}}"#),
    );
    let v = json(&out);
    assert_eq!(v["criteria"]["id"], "gdht-448-2015");
    let warn = stderr(&out);
    assert!(
        warn.starts_with("Cảnh báo: ") && warn.contains("2016-2020") && warn.contains("2026"),
        "{warn}"
    );
}

#[test]
fn a_four_year_old_cannot_be_assessed_for_cdht_and_is_never_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, ids) = household(d, &[("Nguyễn Văn Bình", "1975"), ("Nguyễn Bé Na", "2022")]);
    let (adult, child) = (&ids[0], &ids[1]);
    let all9 = r#"{"items": {"1.1": 9, "1.2": 9, "1.3": 9, "1.4": 9, "2.1": 9, "2.2": 9,
        "2.3": 9, "3.1": 9, "3.2": 9, "2.4": 9}}"#;
    let assess = |who: &str, criteria: &str| {
        hoctap(
            d,
            &[
                "assess",
                who,
                "--criteria",
                criteria,
                "--year",
                "2026",
                "--answers",
                "-",
                "--json",
            ],
            Some(all9),
        )
    };

    // Regression: the child passed with 83 points.
    let out = assess(child, "cdht-324");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in ["Nguyễn Bé Na", "4 tuổi", "2022", "18 tuổi"] {
        assert!(err.contains(needle), "{needle} in:\n{err}");
    }

    // The adult passes.
    let a = json(&assess(adult, "cdht-324"));
    let id = a["assessment"]["id"].as_str().unwrap();
    assert_eq!(a["evaluation"]["label"], "Đạt");
    json(&hoctap(d, &["finalize", id, "--json"], None));

    // An assessment made with the archived version 1 (no age bound) still works, as old ones
    // on devices do — but the child never counts in the summary.
    let old = json(&assess(child, &repo("criteria/archive/cdht-324.v1.toml")));
    assert_eq!(old["evaluation"]["criteria"]["version"], 1);
    let old_id = old["assessment"]["id"].as_str().unwrap();
    json(&hoctap(d, &["finalize", old_id, "--json"], None));
    let cd = summary_row(d, "2026", "cong_dan");
    assert_eq!(cd["all"], 1, "adults only: {cd}");
    assert_eq!(cd["registered"], 1, "{cd}");
    assert_eq!(cd["assessed"], 1, "{cd}");
    assert_eq!(cd["passed"], 1, "{cd}");
    assert_eq!(cd["percentage"], 100.0, "{cd}");
    let table = text(&hoctap(d, &["summary", "--year", "2026"], None));
    assert!(table.contains("100.0%"), "{table}");

    // Pure scoring with the child as the member: reported, with a warning.
    let answers = r#"{"items": {"1.1": 9, "1.2": 9, "1.3": 9, "1.4": 9, "2.1": 9, "2.2": 9,
        "2.3": 9, "2.4": 9, "3.1": 9, "3.2": 9},
        "members": [{"name": "Nguyễn Bé Na", "birth_year": 2022}]}"#;
    let out = hoctap(
        d,
        &[
            "score",
            "--criteria",
            "cdht-324",
            "--year",
            "2026",
            "--answers",
            "-",
            "--json",
        ],
        Some(answers),
    );
    let v = json(&out);
    assert_eq!(v["status"], "failed");
    assert_eq!(v["reasons"][0]["code"], "ineligible");
    assert_eq!(v["label"], "Không thuộc diện đánh giá");
    assert!(stderr(&out).contains("4 tuổi"), "{}", stderr(&out));
}
