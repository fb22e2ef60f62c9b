//! The app core through the FFI façade ([`AppShell`]), driven as a phone shell drives it: JSON
//! events in, JSON effects out, every `RunTask` effect run and its event dispatched back, the
//! view model read as JSON — against the real server on loopback. Enrollment by a QR image of
//! a real enrollment code, the roster arriving, search as you type, bad input from the shell,
//! and process death (the object dropped and reopened on the same directory).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_ffi::{AppShell, HoctapError};
use hoctap_test_support::{
    add_hamlet, cargo_built_server, enroll_code, qr_png, Backend, Env, Server,
};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;

/// A shell: dispatches, performs the effects it can (tasks run on this thread), renders.
struct Shell {
    app: Arc<AppShell>,
    effects: Vec<Value>,
}

impl Shell {
    fn open(dir: &Path) -> Shell {
        Shell::start(AppShell::open(dir.display().to_string(), "test".into(), None).unwrap())
    }

    /// A shell on data encrypted at rest with `key`.
    fn open_encrypted(dir: &Path, key: &[u8]) -> Shell {
        Shell::start(
            AppShell::open_encrypted(dir.display().to_string(), key.to_vec(), "test".into(), None)
                .unwrap(),
        )
    }

    fn start(app: Arc<AppShell>) -> Shell {
        let mut shell = Shell {
            app,
            effects: Vec::new(),
        };
        shell.send(json!("Started"));
        shell
    }

    /// Dispatch `event` and perform what follows, tasks included, until nothing is left.
    fn send(&mut self, event: Value) {
        let mut queue = vec![event];
        while let Some(event) = queue.pop() {
            let fx: Vec<Value> =
                serde_json::from_str(&self.app.dispatch(event.to_string()).unwrap()).unwrap();
            for effect in fx {
                if let Some(task) = effect.get("RunTask").map(|r| r["task"].clone()) {
                    let done = self.app.run_task(task.to_string()).unwrap();
                    queue.insert(0, serde_json::from_str(&done).unwrap());
                }
                self.effects.push(effect);
            }
        }
    }

    fn view(&self) -> Value {
        serde_json::from_str(&self.app.view().unwrap()).unwrap()
    }

    /// The screen's kind (`"Home"`, `"Households"` …) and its content.
    fn screen(&self) -> (String, Value) {
        let v = self.view();
        let (kind, content) = v["screen"]
            .as_object()
            .and_then(|o| o.iter().next())
            .map(|(k, c)| (k.clone(), c.clone()))
            .unwrap_or_else(|| panic!("{v}"));
        (kind, content)
    }
}

fn server() -> (Env, Server) {
    let env = Env::new(cargo_built_server(), Backend::Sqlite);
    env.admin_ok(&["init", "--province", "25", "--commune", "04831"]);
    add_hamlet(&env, "Thôn Đông");
    let roster = env.dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "hamlet,household,head,address,member,birth_year,sex\n\
         Thôn Đông,D01,Nguyễn Văn Bình,Xóm 1,Nguyễn Văn Bình,1975,nam\n\
         Thôn Đông,D02,Lê Thị Ánh,Xóm 2,Lê Thị Ánh,1968,nữ\n\
         Thôn Đông,D03,Đặng Văn Út,Xóm 2,Đặng Văn Út,1990,nam\n",
    )
    .unwrap();
    env.admin_ok(&["import", "roster", roster.to_str().unwrap()]);
    let server = env.serve(&[]);
    (env, server)
}

#[test]
fn a_json_shell_enrolls_by_qr_image_lists_searches_and_survives_process_death() {
    let (env, server) = server();
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell::open(dir.path());
    assert_eq!(shell.screen().0, "Enrollment", "{}", shell.view());

    // What a shell might get wrong is refused, typed, and changes nothing.
    for bad in ["{nope", r#"{"Open":{"target":"Nowhere"}}"#, "42"] {
        match shell.app.dispatch(bad.into()) {
            Err(HoctapError::InvalidInput { message }) => {
                assert!(message.starts_with("Dữ liệu không đọc được"), "{message}")
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert!(matches!(
        shell.app.run_task("[]".into()),
        Err(HoctapError::InvalidInput { .. })
    ));
    assert_eq!(shell.screen().0, "Enrollment");

    // "Quét mã QR": the core asks the platform's scanner; the scanner hands back a photo of
    // the code, decoded in the core.
    shell.send(json!("ScanQr"));
    assert!(
        shell.effects.contains(&json!("ScanQr")),
        "{:?}",
        shell.effects
    );
    let code = enroll_code(&env, &["Thôn Đông"]);
    let payload = json!({"server": server.url(), "code": code}).to_string();
    shell.send(json!({"QrImage": {"bytes": qr_png(&payload)}}));
    let (kind, home) = shell.screen();
    assert_eq!(kind, "Home", "{}", shell.view());
    assert_eq!(home["hamlets"][0]["name"], "Thôn Đông", "{home}");
    assert!(shell.view()["sync"]["enrolled"].as_bool().unwrap());

    // The roster arrived: the list, then search as you type, without diacritics.
    shell.send(json!({"Open": {"target": {"Households": {"hamlet_id": null}}}}));
    let (kind, list) = shell.screen();
    assert_eq!(kind, "Households");
    let heads: Vec<&str> = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["head"].as_str().unwrap())
        .collect();
    assert_eq!(
        heads,
        ["Lê Thị Ánh", "Nguyễn Văn Bình", "Đặng Văn Út"],
        "Vietnamese order"
    );
    shell.send(json!({"SearchChanged": {"text": "dang van"}}));
    let (_, list) = shell.screen();
    assert_eq!(list["rows"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["rows"][0]["head"], "Đặng Văn Út");

    // The app goes to the background (the shell reports `onStop`), then the OS kills the
    // process: a new object on the same directory opens the same screen, search included.
    shell.send(json!("Paused"));
    drop(shell);
    let mut shell = Shell::open(dir.path());
    let (kind, list) = shell.screen();
    assert_eq!(kind, "Households", "{}", shell.view());
    assert!(shell.view()["can_go_back"].as_bool().unwrap());
    assert_eq!(list["search"], "dang van");
    shell.send(json!("Back"));
    assert_eq!(shell.screen().0, "Home");
}

/// A real phone photo from the shared test data (the repository is cloned with `shared/`
/// beside it).
fn photo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/photos/gps/DSCN0010.jpg")
}

impl Shell {
    /// The camera effect, for real: copy a phone photo where the core asked, report it.
    fn take_photos(&mut self, indicator: &str, n: u64) {
        for _ in 0..n {
            self.send(json!({"CapturePhoto": {"indicator_id": indicator}}));
            let capture = self
                .effects
                .iter()
                .rev()
                .find_map(|e| e.get("CapturePhoto"))
                .cloned()
                .expect("a camera effect");
            std::fs::copy(photo(), capture["target_path"].as_str().unwrap()).unwrap();
            self.send(json!({"PhotoCaptured": {"capture_id": capture["capture_id"]}}));
        }
    }

    /// Answer every open indicator of the assessment on screen (points at `fraction` of the
    /// maximum, yes for yes/no), with the photos each needs.
    fn answer_all(&mut self, fraction: f64) {
        let (_, a) = self.screen();
        for c in a["criteria"].as_array().unwrap() {
            for i in c["indicators"].as_array().unwrap() {
                let id = i["id"].as_str().unwrap();
                let kind = &i["answer_kind"];
                if kind.get("Points").is_some() {
                    let points = (i["max"].as_f64().unwrap() * fraction).round();
                    self.send(json!({"SetAnswer": {"indicator_id": id, "answer": {"Points": {"points": points}}}}));
                } else if kind == "YesNo" || kind.get("YesNo").is_some() {
                    self.send(json!({"SetAnswer": {"indicator_id": id, "answer": {"YesNo": {"yes": true}}}}));
                }
                let photos = i["min_photos"].as_u64().unwrap_or(0);
                let have = i["photos"].as_array().map_or(0, Vec::len) as u64;
                if photos > have {
                    self.take_photos(id, photos - have);
                }
            }
        }
    }

    /// "Chốt phiếu", confirmed; returns the finalized assessment.
    fn finalize(&mut self) -> Value {
        self.send(json!("Finalize"));
        assert!(!self.view()["dialog"].is_null(), "asks first");
        self.send(json!("ConfirmDialog"));
        let (kind, a) = self.screen();
        assert_eq!(kind, "Assessment");
        assert!(a["finalized"].as_bool().unwrap(), "{a}");
        a
    }

    fn tap(&mut self, target: Value) -> (String, Value) {
        self.send(json!({"Open": {"target": target}}));
        self.screen()
    }
}

#[test]
fn a_cadres_day_through_json_events_only() {
    let (env, server) = server();
    // The province publishes its Gia đình set (the template's numbers: not official).
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../criteria/template-gia-dinh.toml"
    ))
    .unwrap()
    .replacen("id = \"template-gia-dinh\"", "id = \"tinh-25-gia-dinh\"", 1)
    .replacen("version = 1", "version = 3", 1);
    let set = env.dir.path().join("tinh.toml");
    std::fs::write(&set, src).unwrap();
    env.admin_ok(&["criteria", "publish", set.to_str().unwrap()]);

    // Enroll by a QR image of a real enrollment code; the roster arrives. The data is
    // encrypted at rest with the key a shell keeps in the platform's key store.
    let dir = tempfile::tempdir().unwrap();
    let key = [7u8; 32];
    let mut shell = Shell::open_encrypted(dir.path(), &key);
    let code = enroll_code(&env, &["Thôn Đông"]);
    let payload = json!({"server": server.url(), "code": code}).to_string();
    shell.send(json!("ScanQr"));
    shell.send(json!({"QrImage": {"bytes": qr_png(&payload)}}));
    let (_, home) = shell.screen();
    let hamlet = home["hamlets"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(home["hamlets"][0]["households"], 3, "{home}");

    // A household and two members.
    shell.tap(json!({"NewHousehold": {"hamlet_id": hamlet}}));
    shell.send(json!({"HouseholdFormChanged": {"input": {"head": "Hoàng Văn Nam", "address": "Xóm 4", "phone": null, "roster_code": "D09"}}}));
    shell.send(json!("SubmitForm"));
    let (kind, hh) = shell.screen();
    assert_eq!(kind, "Household");
    let hid = hh["id"].as_str().unwrap().to_string();
    for (name, year, sex) in [
        ("Hoàng Văn Nam", 1980, "male"),
        ("Vũ Thị Lan", 1983, "female"),
    ] {
        shell.tap(json!({"NewMember": {"household_id": hid}}));
        shell.send(json!({"MemberFormChanged": {"input": {"name": name, "birth_year": year, "sex": sex, "relation": null, "schooling": "finished", "literate": true, "cdht": null, "unable_to_learn": false}}}));
        shell.send(json!("SubmitForm"));
    }
    let (_, hh) = shell.screen();
    let members = hh["members"].as_array().unwrap();
    assert_eq!(members.len(), 2, "{hh}");
    let adult = members[0]["id"].as_str().unwrap().to_string();

    // Register, then assess Gia đình with the province's set, photos included.
    let household = json!({"kind": "household", "id": hid});
    shell.send(json!({"Register": {"subject": household, "model": "gia_dinh"}}));
    let (_, hh) = shell.screen();
    assert_eq!(hh["gia_dinh"]["status"], "registered", "{hh}");
    shell.send(json!({"StartAssessment": {"subject": household, "model": "gia_dinh"}}));
    let (kind, a) = shell.screen();
    assert_eq!(kind, "Assessment");
    assert_eq!(
        a["criteria_version"], 3,
        "the published set: {}",
        a["criteria_title"]
    );
    shell.answer_all(0.9);
    let gd = shell.finalize();
    let gd_id = gd["id"].as_str().unwrap().to_string();
    let photos: usize = gd["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["indicators"].as_array().unwrap())
        .map(|i| i["photos"].as_array().unwrap().len())
        .sum();
    assert!(photos >= 1, "evidence attached");
    // The shell shows each photo through the core: the thumbnail of encrypted data is a JPEG.
    let first = gd["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["indicators"].as_array().unwrap())
        .flat_map(|i| i["photos"].as_array().unwrap())
        .next()
        .expect("a photo")
        .clone();
    let thumb = shell
        .app
        .thumbnail(first["sha256"].as_str().unwrap().to_string())
        .unwrap();
    assert_eq!(&thumb[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    assert!(matches!(
        shell.app.thumbnail("00".repeat(32)),
        Err(hoctap_ffi::HoctapError::NotFound { .. }) | Err(hoctap_ffi::HoctapError::Photo { .. })
    ));

    // Công dân học tập for one adult.
    shell.send(json!("Back"));
    let member = json!({"kind": "member", "id": adult});
    shell.send(json!({"StartAssessment": {"subject": member, "model": "cong_dan"}}));
    assert_eq!(shell.screen().1["model"], "cong_dan");
    shell.answer_all(1.0);
    shell.finalize();

    // "Gửi ngay" twice: one run; everything is sent.
    let (_, outbox) = shell.tap(json!("Outbox"));
    assert_eq!(outbox["queued"], 2, "{outbox}");
    // The OS ended an earlier background run: that cancel must not stop this one.
    shell.app.cancel_sync();
    shell.send(json!("SendNow"));
    shell.send(json!("SendNow"));
    let (_, outbox) = shell.screen();
    assert_eq!(outbox["queued"], 0, "{outbox}");
    assert_eq!(outbox["sent"], 2, "{outbox}");

    // The commune returns the household's assessment; the comment shows; corrected, resent.
    env.admin_ok(&["return", &gd_id, "--comment", "Chỉ số 1.2 chấm chưa đúng"]);
    shell.send(json!("Refresh"));
    assert_eq!(shell.view()["sync"]["returned"], 1, "{}", shell.view());
    let (kind, returned) = shell.tap(json!("Returned"));
    assert_eq!(kind, "Returned");
    assert!(
        returned.to_string().contains("Chỉ số 1.2 chấm chưa đúng"),
        "{returned}"
    );
    let (_, a) = shell.tap(json!({"Assessment": {"id": gd_id}}));
    assert_eq!(a["comments"][0]["body"], "Chỉ số 1.2 chấm chưa đúng");
    assert!(a["can_correct"].as_bool().unwrap());
    shell.send(json!("Correct"));
    let (_, fix) = shell.screen();
    assert!(fix["editable"].as_bool().unwrap(), "{fix}");
    assert_eq!(fix["revision"], 2);
    shell
        .send(json!({"SetAnswer": {"indicator_id": "1.2", "answer": {"Points": {"points": 6.0}}}}));
    shell.finalize();
    shell.send(json!("SendNow"));
    assert_eq!(shell.view()["sync"]["returned"], 0, "{}", shell.view());
    assert_eq!(shell.view()["sync"]["queued"], 0, "{}", shell.view());

    // The summary for the year.
    let (kind, summary) = shell.tap(json!("Summary"));
    assert_eq!(kind, "Summary");
    let row = |model: &str| {
        summary["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"] == model)
            .cloned()
            .unwrap_or_else(|| panic!("{summary}"))
    };
    assert_eq!(row("gia_dinh")["assessed"], 1, "{summary}");
    assert_eq!(row("gia_dinh")["all"], 4, "{summary}");
    assert_eq!(row("cong_dan")["assessed"], 1, "{summary}");

    // The commune adds a clan and a unit; they arrive with the next pull and are assessed.
    env.admin_ok(&[
        "clan",
        "add",
        "Họ Nguyễn",
        "--household",
        "D01",
        "--household",
        "D02",
    ]);
    env.admin_ok(&[
        "unit",
        "add",
        "Trường Tiểu học Đông",
        "--kind",
        "school",
        "--hamlet",
        "Thôn Đông",
    ]);
    shell.tap(json!("Home"));
    shell.send(json!("Refresh"));
    let (_, clans) = shell.tap(json!("Clans"));
    assert_eq!(clans["clans"][0]["name"], "Họ Nguyễn", "{clans}");
    let clan = clans["clans"][0]["id"].as_str().unwrap().to_string();
    shell.tap(json!({"Clan": {"id": clan}}));
    shell.send(
        json!({"StartAssessment": {"subject": {"kind": "clan", "id": clan}, "model": "dong_ho"}}),
    );
    let (kind, a) = shell.screen();
    assert_eq!(
        (kind.as_str(), &a["model"]),
        ("Assessment", &json!("dong_ho"))
    );
    shell.send(json!("Back"));
    shell.send(json!("Back"));
    shell.send(json!("Back"));
    let (_, units) = shell.tap(json!("Units"));
    assert_eq!(units["units"][0]["name"], "Trường Tiểu học Đông", "{units}");
    let unit = units["units"][0]["id"].as_str().unwrap().to_string();
    shell.tap(json!({"Unit": {"id": unit}}));
    shell.send(
        json!({"StartAssessment": {"subject": {"kind": "unit", "id": unit}, "model": "don_vi"}}),
    );
    assert_eq!(shell.screen().1["model"], "don_vi");

    // Names never reach the disk in clear; a wrong key opens nothing and changes nothing.
    drop(shell);
    let db = std::fs::read(dir.path().join("hoctap.db")).unwrap();
    assert!(
        !db.windows("Hoàng Văn Nam".len())
            .any(|w| w == "Hoàng Văn Nam".as_bytes()),
        "a name in clear in the database file"
    );
    assert!(matches!(
        AppShell::open_encrypted(
            dir.path().display().to_string(),
            vec![8u8; 32],
            "test".into(),
            None
        ),
        Err(HoctapError::Key { .. })
    ));
    let shell = Shell::open_encrypted(dir.path(), &key);
    assert_eq!(shell.screen().0, "Assessment", "{}", shell.view());
}
