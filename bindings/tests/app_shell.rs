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
        let app = AppShell::open(dir.display().to_string(), "test".into(), None).unwrap();
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
