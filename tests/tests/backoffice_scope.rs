//! Every staff page and action of the back office, tried across places, on both backends: a
//! province server (Phú Thọ, 25) with two communes — A (Xã Đà Bắc, 04831) and B (Xã Đức Nhàn,
//! 04846) — each with a real device that uploads finalized assessments with an evidence photo;
//! five staff (province admin, province viewer, commune admin of A, reviewers of A and of B)
//! signed in through the login form. For each role: which pages answer 200 and which 403 for
//! commune B's data (dashboard, reports, queue, dossier, photos and previews, decisions, bulk
//! actions, exports, users, the staff JSON API); no session → pages redirect to the login
//! page, the API answers 401 JSON; a POST without the session's CSRF token → 403; reviewer A's
//! queue, search, exports and bulk approval never reach B's rows; a commune admin creates only
//! staff of their own commune with a commune role. Then sessions (logout, a password change
//! ending every session), the audit trail of every write, and login throttling: the 11th
//! attempt within a minute is 429 with `Retry-After`, a correct password included, until the
//! bucket refills.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hoctap_device::Device;
use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::engine::{AnswerValue, ItemAnswer};
use hoctap_domain::model::{Points, Subject, SubjectKind};
use hoctap_evidence::{IngestOptions, PhotoSource};
use hoctap_store::households::{NewHousehold, NewMember};
use hoctap_sync::run::NoProgress;
use hoctap_sync::{CancelHandle, Outcome, ReqwestTransport, RetryPolicy, SyncOptions};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

const A: &str = "04831";
const B: &str = "04846";
const PASSWORD: &str = "mat-khau-thu-nghiem-1";

// ---------------------------------------------------------------------------------------------
// Devices

fn sync(device: &Device, url: &str) -> hoctap_sync::RunResult {
    let transport = ReqwestTransport::new(url).expect("transport");
    device.sync(
        &transport,
        SyncOptions::default(),
        &RetryPolicy {
            base: Duration::from_millis(5),
            max_delay: Duration::from_millis(100),
            max_retries: 3,
        },
        &NoProgress,
        &CancelHandle::new(),
    )
}

fn photo(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/photos")
        .join(rel)
}

/// What a device uploaded: each assessment's id and its photo's SHA-256.
struct Uploaded {
    ids: Vec<String>,
    shas: Vec<String>,
}

/// A started Công dân học tập assessment of `subject` for 2026 with every indicator at 8
/// points (not finalized).
fn answered(
    store: &hoctap_store::Store,
    set: &hoctap_domain::criteria::LoadedSet,
    subject: &Subject,
) -> hoctap_store::assessments::AssessmentInfo {
    let a = store.start_assessment(subject, set, 2026).expect("start");
    let items: BTreeMap<String, ItemAnswer> = set
        .indicators()
        .map(|i| {
            (
                i.id.clone(),
                ItemAnswer {
                    value: Some(AnswerValue::Points(Points::whole(8))),
                    ..Default::default()
                },
            )
        })
        .collect();
    store.set_answers(&a.id, &items).expect("answers");
    a
}

/// A real device enrolled for `hamlet_id` makes a household headed by `members[0]`, assesses
/// each member (Công dân học tập) with one evidence photo (`Landscape_{first_photo + i}.jpg`:
/// no two assessments share a photo), finalizes and syncs.
fn device_uploads(
    env: &Env,
    url: &str,
    hamlet_id: &str,
    members: &[&str],
    first_photo: usize,
) -> Uploaded {
    let dir = tempfile::tempdir().expect("device dir");
    let device = Device::open(dir.path()).expect("device");
    device
        .enroll(
            &ReqwestTransport::new(url).expect("transport"),
            url,
            &enroll_code(env, &[hamlet_id]),
            None,
        )
        .expect("enroll");
    let r = sync(&device, url);
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    let store = device.store();
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: hamlet_id.to_string(),
            head: members[0].into(),
            ..Default::default()
        })
        .expect("household");
    let set = builtin_set("cdht-324").expect("set");
    let options = IngestOptions {
        disk_reserve: 0,
        ..IngestOptions::default()
    };
    let mut out = Uploaded {
        ids: Vec::new(),
        shas: Vec::new(),
    };
    for (i, name) in members.iter().enumerate() {
        let member = store
            .add_member(
                &hh.id,
                &NewMember {
                    name: (*name).into(),
                    birth_year: Some(1980),
                    ..Default::default()
                },
            )
            .expect("member");
        let subject = Subject {
            kind: SubjectKind::Member,
            id: member.id,
        };
        let a = answered(store, &set, &subject);
        let p = device
            .attach_photo(
                &a.id,
                "1.1",
                PhotoSource::Path(&photo(&format!(
                    "orientation/Landscape_{}.jpg",
                    first_photo + i
                ))),
                &options,
            )
            .expect("photo");
        store.finalize(&a.id).expect("finalize");
        out.ids.push(a.id.to_string());
        out.shas.push(p.sha256.to_string());
    }
    let r = sync(&device, url);
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    assert_eq!(r.report.sent, members.len() as u64, "{:?}", r.report);
    out
}

// ---------------------------------------------------------------------------------------------
// Admin commands with a password, and the database

fn base_args(env: &Env) -> Vec<String> {
    let mut args = vec!["--data".to_string(), env.dir.path().display().to_string()];
    if let Some(db) = &env.database {
        args.push("--database".into());
        args.push(db.clone());
    }
    args
}

/// The login of a role's staff member (`pa` → `pa.staff`).
fn login_of(short: &str) -> String {
    format!("{short}.staff")
}

/// `admin user add LOGIN --role ROLE [--commune C]` with `HOCTAP_PASSWORD`.
fn add_staff(env: &Env, short: &str, role: &str, commune: Option<&str>) {
    let login = login_of(short);
    let login = login.as_str();
    let mut cmd = Command::new(env.bin());
    cmd.arg("admin")
        .args(base_args(env))
        .args(["user", "add", login, "--role", role])
        .env_remove("HOCTAP_DATABASE_URL")
        .env("HOCTAP_PASSWORD", PASSWORD);
    if let Some(c) = commune {
        cmd.args(["--commune", c]);
    }
    let out = cmd.output().expect("admin user add");
    assert!(
        out.status.success(),
        "user add {login}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Rows of a query on the server's database, every column read as optional text.
fn db_rows(env: &Env, sql: &str) -> Vec<Vec<Option<String>>> {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let url = env.database.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=ro",
            env.dir.path().join("server.db").display()
        )
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(&pool)
            .await
            .expect("query");
        let out = rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.try_get::<Option<String>, _>(i).expect("text column"))
                    .collect()
            })
            .collect();
        pool.close().await;
        out
    })
}

// ---------------------------------------------------------------------------------------------
// A browser: cookies, forms, the session's CSRF token

fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of the first hidden field `name` of a page.
fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

#[derive(Clone)]
struct Browser {
    cookies: BTreeMap<String, String>,
    /// The session's CSRF token (from any signed-in page).
    csrf: String,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            cookies: BTreeMap::new(),
            csrf: String::new(),
        }
    }

    fn send(&mut self, server: &Server, method: &str, path: &str, form: Option<&str>) -> Resp {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut headers = Vec::new();
        if !cookie.is_empty() {
            headers.push(("Cookie", cookie.as_str()));
        }
        if form.is_some() {
            headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        }
        let r = server.request(method, path, &headers, form.unwrap_or("").as_bytes());
        for (k, v) in &r.headers {
            if k != "set-cookie" {
                continue;
            }
            let pair = v.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || v.contains("Max-Age=0") {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_string(), value.trim().to_string());
                }
            }
        }
        r
    }

    fn get(&mut self, server: &Server, path: &str) -> Resp {
        self.send(server, "GET", path, None)
    }

    fn post(&mut self, server: &Server, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(server, "POST", path, Some(&body))
    }

    /// A POST carrying the session's CSRF token.
    fn post_csrf(&mut self, server: &Server, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(server, path, &all)
    }

    /// Submit the login form (its CSRF cookie and field taken from the login page).
    fn try_login(&mut self, server: &Server, short: &str, password: &str) -> Resp {
        let login = login_of(short);
        let login = login.as_str();
        if !self.cookies.contains_key("hoctap_login_csrf") {
            let page = self.get(server, "/login");
            assert_eq!(page.status, 200);
            assert_eq!(
                hidden(&page.text(), "csrf").as_ref(),
                self.cookies.get("hoctap_login_csrf"),
                "double submit: the form's field is the cookie's value"
            );
        }
        let csrf = self.cookies["hoctap_login_csrf"].clone();
        self.post(
            server,
            "/login",
            &[
                ("csrf", &csrf),
                ("login", login),
                ("password", password),
                ("next", "/dashboard"),
            ],
        )
    }

    fn login(server: &Server, login: &str, password: &str) -> Browser {
        let mut b = Browser::new();
        let r = b.try_login(server, login, password);
        assert_eq!(r.status, 303, "login {login}: {}", r.text());
        assert_eq!(r.header("location"), Some("/dashboard"));
        assert!(b.cookies.contains_key("hoctap_session"), "{login}");
        assert!(!b.cookies.contains_key("hoctap_login_csrf"));
        let page = b.get(server, "/dashboard");
        assert_eq!(page.status, 200, "{login}: {}", page.text());
        b.csrf = hidden(&page.text(), "csrf").expect("the logout form's CSRF token");
        b
    }
}

fn to_login(r: &Resp) -> bool {
    r.status == 303
        && r.header("location")
            .is_some_and(|l| l == "/login" || l.starts_with("/login?"))
}

/// The staff API's answers have exactly the fields the OpenAPI document names for them.
fn matches_schema(value: &serde_json::Value, schema: &str) {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../server/src/api/openapi.json")).expect("openapi");
    let props = doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {schema}"));
    let mut documented: Vec<&String> = props.keys().collect();
    let mut sent: Vec<&String> = value.as_object().expect("an object").keys().collect();
    documented.sort();
    sent.sort();
    assert_eq!(sent, documented, "{schema}: {value}");
}

// ---------------------------------------------------------------------------------------------

/// The five roles, in this order in every expectation below.
const ROLES: [&str; 5] = ["pa", "pv", "ca", "ra", "rb"];

both_backends!(every_staff_page_and_action_is_scoped, |b| {
    let env = SERVER.env(b);
    env.admin_ok(&["init", "--province", "25"]);
    let hamlet = |name: &str, commune: &str| {
        env.admin_json(&["hamlet", "add", name, "--commune", commune])["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let dong_a = hamlet("Thôn Đông", A);
    let bac_b = hamlet("Thôn Bắc", B);
    add_staff(&env, "pa", "province_admin", None);
    add_staff(&env, "pv", "province_viewer", None);
    add_staff(&env, "ca", "commune_admin", Some(A));
    add_staff(&env, "ra", "commune_reviewer", Some(A));
    add_staff(&env, "rb", "commune_reviewer", Some(B));
    let staff_ids: BTreeMap<String, String> = env
        .admin_json(&["user", "list"])
        .as_array()
        .expect("list")
        .iter()
        .map(|s| {
            (
                s["login"]
                    .as_str()
                    .expect("login")
                    .trim_end_matches(".staff")
                    .to_string(),
                s["id"].as_str().expect("id").to_string(),
            )
        })
        .collect();

    let mut server = env.serve(&[]);
    let url = server.url();
    let up_a = device_uploads(&env, &url, &dong_a, &["Nguyễn Văn An", "Nguyễn Thị Ánh"], 0);
    let up_b = device_uploads(&env, &url, &bac_b, &["Trần Thị Bình"], 2);
    let (id_a, sha_a) = (&up_a.ids[0], &up_a.shas[0]);
    let (id_b, sha_b) = (&up_b.ids[0], &up_b.shas[0]);

    // --- Without a session: pages go to the login page, the API answers 401 JSON.
    let mut anon = Browser::new();
    for path in [
        "/".to_string(),
        "/dashboard".into(),
        format!("/reports?commune={B}"),
        "/queue".into(),
        format!("/queue/bulk?action=approve&commune={B}"),
        format!("/assessments/{id_b}"),
        format!("/assessments/{id_b}/photos/{sha_b}?size=preview"),
        "/exports/queue.csv".into(),
        "/exports/report.xlsx".into(),
        "/users".into(),
        "/account/password".into(),
    ] {
        let r = anon.get(&server, &path);
        assert!(
            to_login(&r) || (path == "/" && r.header("location") == Some("/dashboard")),
            "{path}: {} {:?}",
            r.status,
            r.header("location")
        );
    }
    let r = anon.get(&server, "/queue?commune=04846");
    assert_eq!(
        r.header("location"),
        Some("/login?next=%2Fqueue%3Fcommune%3D04846"),
        "the login page brings the browser back"
    );
    for path in [
        "/assessments/x/decide".to_string(),
        format!("/assessments/{id_b}/decide"),
        "/queue/bulk".into(),
        "/users".into(),
        "/logout".into(),
        "/account/password".into(),
    ] {
        let r = anon.post(&server, &path, &[("csrf", "x"), ("action", "approve")]);
        assert!(to_login(&r), "POST {path}: {}", r.status);
    }
    for path in [
        "/api/v1/staff/report".to_string(),
        "/api/v1/staff/queue".into(),
        format!("/api/v1/staff/assessments/{id_b}"),
    ] {
        let r = anon.get(&server, &path);
        assert_eq!(r.status, 401, "{path}");
        assert!(r
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json")));
        assert_eq!(r.code(), "unauthorized");
    }
    // A made-up session cookie is no session.
    let mut forged = Browser::new();
    forged
        .cookies
        .insert("hoctap_session".into(), "0".repeat(64));
    assert!(to_login(&forged.get(&server, "/dashboard")));
    assert_eq!(forged.get(&server, "/api/v1/staff/queue").status, 401);

    // --- The login form: its CSRF cookie must match, a wrong password says nothing more.
    let mut stranger = Browser::new();
    stranger.get(&server, "/login");
    let r = stranger.post(
        &server,
        "/login",
        &[
            ("csrf", "not-the-cookie"),
            ("login", "pa"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(r.status, 403, "login without its CSRF cookie's value");
    assert!(!stranger.cookies.contains_key("hoctap_session"));

    // --- Sign in (5 logins from this address; the bucket holds 10).
    let mut who: BTreeMap<&str, Browser> = ROLES
        .iter()
        .map(|r| (*r, Browser::login(&server, r, PASSWORD)))
        .collect();

    // --- Reads of commune B: who may see them.
    let see_b = [200, 200, 403, 403, 200];
    let read_matrix: Vec<(String, [u16; 5])> = vec![
        (format!("/dashboard?commune={B}"), see_b),
        (format!("/reports?commune={B}"), see_b),
        (format!("/queue?commune={B}"), see_b),
        (format!("/queue?commune={B}&q=B%C3%ACnh"), see_b),
        (format!("/assessments/{id_b}"), see_b),
        (format!("/assessments/{id_b}/photos/{sha_b}"), see_b),
        (
            format!("/assessments/{id_b}/photos/{sha_b}?size=preview"),
            see_b,
        ),
        (format!("/exports/queue.csv?commune={B}"), see_b),
        (format!("/exports/queue.xlsx?commune={B}"), see_b),
        (format!("/exports/report.csv?commune={B}"), see_b),
        (format!("/exports/report.xlsx?commune={B}"), see_b),
        // Bulk actions: reviewers of the place only (never the viewer).
        (
            format!("/queue/bulk?action=approve&commune={B}"),
            [200, 403, 403, 403, 200],
        ),
        (
            format!("/queue/bulk?action=return&commune={B}"),
            [200, 403, 403, 403, 200],
        ),
        // Accounts: admins only, each of their own place.
        ("/users".into(), [200, 403, 200, 403, 403]),
        // Commune A's data: the mirror image.
        (format!("/dashboard?commune={A}"), [200, 200, 200, 200, 403]),
        (format!("/assessments/{id_a}"), [200, 200, 200, 200, 403]),
        (
            format!("/assessments/{id_a}/photos/{sha_a}?size=preview"),
            [200, 200, 200, 200, 403],
        ),
        // Another commune of the province, with no data: province staff only.
        ("/queue?commune=04849".into(), [200, 200, 403, 403, 403]),
        // Each one's own place.
        ("/dashboard".into(), [200; 5]),
        ("/reports".into(), [200; 5]),
        ("/queue".into(), [200; 5]),
        ("/account/password".into(), [200; 5]),
    ];
    for (path, expected) in &read_matrix {
        for (role, want) in ROLES.iter().zip(expected) {
            let r = who.get_mut(role).expect("role").get(&server, path);
            assert_eq!(r.status, *want, "{role} GET {path}: {}", r.text());
            if r.status == 200 && path.contains("/photos/") {
                assert_eq!(r.header("content-type"), Some("image/jpeg"), "{path}");
                assert_eq!(&r.body[..2], &[0xFF, 0xD8], "a JPEG");
            }
            if r.status == 200 && path.contains(".csv") {
                assert!(r.body.starts_with("\u{feff}".as_bytes()), "UTF-8 BOM");
            }
            if r.status == 200 && path.contains(".xlsx") {
                assert_eq!(&r.body[..2], b"PK", "a zip");
            }
        }
    }
    // The photo of another assessment is not served under B's id (404), nor B's under A's.
    let r = who
        .get_mut("pa")
        .unwrap()
        .get(&server, &format!("/assessments/{id_b}/photos/{sha_a}"));
    assert_eq!(r.status, 404);
    let r = who
        .get_mut("ra")
        .unwrap()
        .get(&server, &format!("/assessments/{id_a}/photos/{sha_b}"));
    assert_eq!(r.status, 404);

    // The staff JSON API: the same scope, errors as JSON.
    let api_matrix: Vec<(String, [u16; 5])> = vec![
        (format!("/api/v1/staff/report?commune={B}"), see_b),
        (format!("/api/v1/staff/queue?commune={B}"), see_b),
        (format!("/api/v1/staff/assessments/{id_b}"), see_b),
        (
            format!("/api/v1/staff/assessments/{id_a}"),
            [200, 200, 200, 200, 403],
        ),
        ("/api/v1/staff/report".into(), [200; 5]),
        ("/api/v1/staff/queue".into(), [200; 5]),
    ];
    for (path, expected) in &api_matrix {
        for (role, want) in ROLES.iter().zip(expected) {
            let r = who.get_mut(role).unwrap().get(&server, path);
            assert_eq!(r.status, *want, "{role} GET {path}: {}", r.text());
            assert!(
                r.header("content-type")
                    .is_some_and(|c| c.starts_with("application/json")),
                "{role} {path}"
            );
            if r.status == 403 {
                assert_eq!(r.code(), "forbidden", "{role} {path}");
            }
        }
    }
    let r = who.get_mut("pa").unwrap().get(
        &server,
        "/api/v1/staff/assessments/0190a5b2-0000-7000-8000-000000000000",
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "not_found");

    // --- Writes with a wrong CSRF token: 403, nothing changes.
    for role in ROLES {
        let br = who.get_mut(role).unwrap();
        for (path, fields) in [
            (
                format!("/assessments/{id_a}/decide"),
                vec![("action", "approve")],
            ),
            (
                "/queue/bulk".to_string(),
                vec![("action", "approve"), ("expected", "2"), ("filter", "")],
            ),
            (
                "/users".into(),
                vec![
                    ("login", "csrf_test"),
                    ("name", "X"),
                    ("role", "commune_reviewer"),
                    ("commune", A),
                    ("password", PASSWORD),
                ],
            ),
            (
                "/account/password".into(),
                vec![("current", PASSWORD), ("new", "another-password-1")],
            ),
            ("/logout".into(), vec![]),
        ] {
            let mut wrong = vec![("csrf", "0123456789abcdef")];
            wrong.extend(fields.iter().copied());
            let r = br.post(&server, &path, &wrong);
            assert_eq!(r.status, 403, "{role} POST {path} with a wrong CSRF token");
            let r = br.post(&server, &path, &fields);
            assert_eq!(r.status, 403, "{role} POST {path} without a CSRF token");
        }
        // Still signed in.
        assert_eq!(br.get(&server, "/dashboard").status, 200, "{role}");
    }
    let state_of = |browser: &mut Browser, id: &str| -> String {
        let r = browser.get(&server, &format!("/api/v1/staff/assessments/{id}"));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["row"]["review_state"]
            .as_str()
            .expect("state")
            .to_string()
    };
    {
        let pa = who.get_mut("pa").unwrap();
        for id in up_a.ids.iter().chain(&up_b.ids) {
            assert_eq!(state_of(pa, id), "received", "nothing decided yet");
        }
    }

    // --- Decisions on B's assessment, out of scope or by the viewer: 403.
    for (role, action, comment) in [
        ("ca", "approve", ""),
        ("ra", "approve", ""),
        ("ra", "return", "Sửa giúp"),
        ("pv", "approve", ""),
        ("pv", "return", "Sửa giúp"),
    ] {
        let r = who.get_mut(role).unwrap().post_csrf(
            &server,
            &format!("/assessments/{id_b}/decide"),
            &[("action", action), ("comment", comment)],
        );
        assert_eq!(r.status, 403, "{role} {action} on B");
    }
    // The viewer decides nothing, not even in a place it sees.
    let r = who.get_mut("pv").unwrap().post_csrf(
        &server,
        &format!("/assessments/{id_a}/decide"),
        &[("action", "approve")],
    );
    assert_eq!(r.status, 403, "viewer approves");
    // Bulk over B by staff of A, or by the viewer: 403.
    for role in ["ca", "ra", "pv"] {
        let r = who.get_mut(role).unwrap().post_csrf(
            &server,
            "/queue/bulk",
            &[
                ("action", "approve"),
                ("expected", "1"),
                ("filter", &format!("commune={B}")),
            ],
        );
        assert_eq!(r.status, 403, "{role} bulk over B");
    }
    let r = who.get_mut("pv").unwrap().post_csrf(
        &server,
        "/queue/bulk",
        &[("action", "approve"), ("expected", "3"), ("filter", "")],
    );
    assert_eq!(r.status, 403, "viewer bulk");
    {
        let pa = who.get_mut("pa").unwrap();
        for id in up_a.ids.iter().chain(&up_b.ids) {
            assert_eq!(state_of(pa, id), "received", "nothing decided by a refusal");
        }
    }

    // --- Reviewer A's queue, search and exports never reach B's rows.
    {
        let ra = who.get_mut("ra").unwrap();
        let page = ra.get(&server, "/queue").text();
        assert!(page.contains("Nguyễn Văn An") && page.contains("Nguyễn Thị Ánh"));
        assert!(!page.contains("Trần Thị Bình") && !page.contains(id_b.as_str()));
        let page = ra.get(&server, "/queue?q=B%C3%ACnh").text();
        assert!(page.contains("Không có phiếu nào."), "search of B's name");
        assert!(!page.contains(id_b.as_str()));
        let page = ra.get(&server, "/queue?q=tran%20thi").text();
        assert!(page.contains("Không có phiếu nào."));
        let api = ra.get(&server, "/api/v1/staff/queue?q=binh").json();
        assert_eq!(api["total"], 0, "{api}");
        assert_eq!(api["rows"].as_array().map(Vec::len), Some(0));
        let api = ra.get(&server, "/api/v1/staff/queue").json();
        assert_eq!(api["total"], 2, "{api}");
        let api = ra
            .get(&server, &format!("/api/v1/staff/queue?hamlet={bac_b}"))
            .json();
        assert_eq!(api["total"], 0, "B's hamlet through A's scope: {api}");
        let csv = ra.get(&server, "/exports/queue.csv").text();
        assert!(csv.contains(id_a.as_str()) && !csv.contains(id_b.as_str()));
        let csv = ra.get(&server, "/exports/report.csv").text();
        assert!(!csv.contains("Thôn Bắc"), "{csv}");
        let rb = who.get_mut("rb").unwrap();
        let api = rb.get(&server, "/api/v1/staff/queue?q=binh").json();
        assert_eq!(api["total"], 1, "B's reviewer finds it: {api}");
        matches_schema(&api, "QueuePage");
        matches_schema(&api["rows"][0], "QueueRow");
        let report = rb.get(&server, "/api/v1/staff/report").json();
        matches_schema(&report, "Report");
        matches_schema(&report["scope"], "StaffScope");
        matches_schema(&report["total"][0], "Figures");
        matches_schema(&report["total"][0]["target"], "Target");
        matches_schema(&report["rows"][0], "PlaceFigures");
        matches_schema(&report["completeness"][0], "Completeness");
        let dossier = rb
            .get(&server, &format!("/api/v1/staff/assessments/{id_b}"))
            .json();
        matches_schema(&dossier, "DossierRow");
        // The province sees both.
        let pa = who.get_mut("pa").unwrap();
        assert_eq!(pa.get(&server, "/api/v1/staff/queue").json()["total"], 3);
    }

    // --- Bulk approve by reviewer A over the unfiltered set: A's rows only.
    {
        let ra = who.get_mut("ra").unwrap();
        let confirm = ra.get(&server, "/queue/bulk?action=approve").text();
        let expected = hidden(&confirm, "expected").expect("expected count");
        assert_eq!(expected, "2", "the confirmation counts A's two");
        let filter = hidden(&confirm, "filter").unwrap_or_default();
        // A stale count is refused.
        let r = ra.post_csrf(
            &server,
            "/queue/bulk",
            &[
                ("action", "approve"),
                ("expected", "3"),
                ("filter", &filter),
            ],
        );
        assert_eq!(r.status, 400, "a count that changed since the confirmation");
        let r = ra.post_csrf(
            &server,
            "/queue/bulk",
            &[
                ("action", "approve"),
                ("expected", &expected),
                ("filter", &filter),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        // Again: nothing left to change, nothing of B touched.
        let r = ra.post_csrf(
            &server,
            "/queue/bulk",
            &[("action", "approve"), ("expected", "2"), ("filter", "")],
        );
        assert_eq!(r.status, 303);
    }
    {
        let pa = who.get_mut("pa").unwrap();
        for id in &up_a.ids {
            assert_eq!(state_of(pa, id), "accepted");
        }
        assert_eq!(state_of(pa, id_b), "received", "B untouched by A's bulk");
    }
    // B's reviewer returns B's assessment; the return is in its thread.
    {
        let rb = who.get_mut("rb").unwrap();
        let r = rb.post_csrf(
            &server,
            &format!("/assessments/{id_b}/decide"),
            &[("action", "return"), ("comment", "")],
        );
        assert_eq!(r.status, 400, "a return needs a comment");
        let r = rb.post_csrf(
            &server,
            &format!("/assessments/{id_b}/decide"),
            &[("action", "return"), ("comment", "Thiếu ảnh giấy khen")],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        let d = rb
            .get(&server, &format!("/api/v1/staff/assessments/{id_b}"))
            .json();
        assert_eq!(d["row"]["review_state"], "returned");
        assert_eq!(d["returns"][0]["comment"], "Thiếu ảnh giấy khen");
        matches_schema(&d["returns"][0], "ReturnEntry");
    }

    // --- Accounts: a commune admin creates staff of their own commune only.
    {
        let ca = who.get_mut("ca").unwrap();
        for role in ["province_admin", "province_viewer"] {
            let r = ca.post_csrf(
                &server,
                "/users",
                &[
                    ("login", "x_province"),
                    ("name", "X"),
                    ("role", role),
                    ("password", PASSWORD),
                ],
            );
            assert_eq!(r.status, 403, "commune admin creates {role}");
        }
        // Asking for commune B: the account is made in A (the form's commune is ignored).
        let r = ca.post_csrf(
            &server,
            "/users",
            &[
                ("login", "made_by_ca"),
                ("name", "Lê Văn Cường"),
                ("role", "commune_reviewer"),
                ("commune", B),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        let list = ca.get(&server, "/users").text();
        assert!(list.contains("made_by_ca"));
        assert!(
            !list.contains(">pa.staff<") && !list.contains(">rb.staff<"),
            "A's list only"
        );
        for role in ["ra", "pv", "rb"] {
            let r = who.get_mut(role).unwrap().post_csrf(
                &server,
                "/users",
                &[
                    ("login", "x_by_nonadmin"),
                    ("name", "X"),
                    ("role", "commune_reviewer"),
                    ("password", PASSWORD),
                ],
            );
            assert_eq!(r.status, 403, "{role} adds a user");
        }
        let pa = who.get_mut("pa").unwrap();
        let r = pa.post_csrf(
            &server,
            "/users",
            &[
                ("login", "made_by_pa"),
                ("name", "Phạm Thị Dung"),
                ("role", "commune_reviewer"),
                ("commune", B),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        let r = pa.post_csrf(
            &server,
            "/users",
            &[
                ("login", "bad_commune"),
                ("name", "X"),
                ("role", "commune_reviewer"),
                ("commune", "00004"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 400, "a commune of another province");
    }
    let listed = env.admin_json(&["user", "list"]);
    let commune_of = |login: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["login"] == login)
            .unwrap_or_else(|| panic!("no {login}: {listed}"))["commune_code"]
            .clone()
    };
    assert_eq!(commune_of("made_by_ca"), A, "made in the admin's commune");
    assert_eq!(commune_of("made_by_pa"), B);
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["login"] != "x_province"
            && s["login"] != "x_by_nonadmin"
            && s["login"] != "csrf_test"
            && s["login"] != "bad_commune"));

    // --- Logout ends the session: the old cookie goes to the login page.
    {
        let ra = who.get_mut("ra").unwrap();
        let old = ra.clone();
        let r = ra.post_csrf(&server, "/logout", &[]);
        assert!(to_login(&r), "{}", r.status);
        assert!(!ra.cookies.contains_key("hoctap_session"));
        let mut old = old;
        assert!(to_login(&old.get(&server, "/dashboard")));
        assert_eq!(old.get(&server, "/api/v1/staff/queue").status, 401);
    }

    // --- A password change ends every session of the account (logins 6 and 7 of 10).
    {
        let mut first = who.remove("rb").unwrap();
        let mut second = Browser::login(&server, "rb", PASSWORD);
        let r = first.post_csrf(
            &server,
            "/account/password",
            &[
                ("current", "wrong-password-00"),
                ("new", "mat-khau-moi-2026"),
            ],
        );
        assert_eq!(r.status, 400, "the current password is checked");
        assert_eq!(second.get(&server, "/dashboard").status, 200);
        let r = first.post_csrf(
            &server,
            "/account/password",
            &[("current", PASSWORD), ("new", "mat-khau-moi-2026")],
        );
        assert!(to_login(&r), "{} {}", r.status, r.text());
        assert!(
            to_login(&second.get(&server, "/dashboard")),
            "other session"
        );
        assert!(to_login(&first.get(&server, "/dashboard")), "this session");
        let mut again = Browser::new();
        assert_eq!(again.try_login(&server, "rb", PASSWORD).status, 401);
        Browser::login(&server, "rb", "mat-khau-moi-2026");
    }

    // --- Every write in the web app left an audit row with the staff member's id.
    let audit = db_rows(&env, "SELECT staff_id, action, object_id FROM audit_log");
    let has = |login: &str, action: &str, object: Option<&str>| {
        audit.iter().any(|r| {
            r[0].as_deref() == Some(staff_ids[login].as_str())
                && r[1].as_deref() == Some(action)
                && (object.is_none() || r[2].as_deref() == object)
        })
    };
    for role in ROLES {
        assert!(has(role, "login", None), "{role} login: {audit:?}");
    }
    assert!(has("ra", "bulk_approved", None), "{audit:?}");
    assert!(has("rb", "returned", Some(id_b.as_str())), "{audit:?}");
    assert!(has("ca", "staff_added", None), "{audit:?}");
    assert!(has("pa", "staff_added", None), "{audit:?}");
    assert!(has("rb", "password_set", Some(staff_ids["rb"].as_str())));
    assert!(has("ra", "logout", None), "{audit:?}");
    assert!(has("pa", "exported", None) && has("rb", "exported", None));
    // Only the command line (the five `admin user add`) writes without a staff member.
    let anonymous: Vec<_> = audit.iter().filter(|r| r[0].is_none()).collect();
    assert_eq!(anonymous.len(), 5, "{anonymous:?}");
    assert!(anonymous
        .iter()
        .all(|r| r[1].as_deref() == Some("staff_added")));
    // The decisions carry their staff member too.
    let decided = db_rows(
        &env,
        &format!("SELECT decided_by, review_state FROM assessments WHERE id = '{id_a}'"),
    );
    assert_eq!(decided[0][0].as_deref(), Some(staff_ids["ra"].as_str()));

    // --- Login throttling, on a fresh process (the buckets live in memory): 10 failed
    // attempts a minute per login name (30 per client address); the 11th is refused with
    // Retry-After, a correct password included, until the bucket has refilled (one attempt
    // every 6 s). Successful logins never count.
    drop(server);
    server = env.serve(&[]);
    // Many successful logins from one address (a commune office, a proxy) use up nothing.
    for _ in 0..40 {
        assert_eq!(
            Browser::new().try_login(&server, "pa", PASSWORD).status,
            303
        );
    }
    let mut guesser = Browser::new();
    for i in 1..=10 {
        let r = guesser.try_login(&server, "ca", "not-the-password");
        assert_eq!(r.status, 401, "attempt {i}");
        assert!(r.text().contains("Tên đăng nhập hoặc mật khẩu không đúng."));
    }
    let r = guesser.try_login(&server, "ca", "not-the-password");
    assert_eq!(r.status, 429, "the 11th attempt");
    let wait: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    let r = guesser.try_login(&server, "ca", PASSWORD);
    assert_eq!(r.status, 429, "a correct password waits too");
    assert!(!guesser.cookies.contains_key("hoctap_session"));
    // Another account from the same address still signs in (10 failures of 30 a minute).
    let mut colleague = Browser::new();
    assert_eq!(colleague.try_login(&server, "pa", PASSWORD).status, 303);
    // Failures against many names from one address empty the address's bucket: within a few
    // more than the 20 left (it refills at one every 2 s), an unknown name is refused 429.
    let refused_at = (0..40)
        .find(|i| {
            let r = Browser::new().try_login(&server, &format!("nobody{i}"), "not-the-password");
            assert!(
                r.status == 401 || r.status == 429,
                "guess {i}: {}",
                r.status
            );
            r.status == 429
        })
        .expect("the address is throttled");
    assert!(
        (20..=25).contains(&refused_at),
        "refused after {refused_at} guesses"
    );
    std::thread::sleep(Duration::from_secs(wait + 1));
    let r = guesser.try_login(&server, "ca", PASSWORD);
    assert_eq!(r.status, 303, "refilled: {}", r.text());
});

// ---------------------------------------------------------------------------------------------
// Kept figures and names follow the data

// The dashboard's figures and the queue's counts are kept between requests, and the queue
// shows each subject's name as kept on its assessment: each must follow the data. A decision
// moves the report's approved count and the queue's per-state counts at once; a staff-applied
// roster change (a member renamed) renames the member's assessment in the queue and its
// search; a photo's late upload is not needed here (intake refuses an entry until every photo
// is held).
both_backends!(kept_figures_and_names_follow_the_data, |b| {
    let env = SERVER.env(b);
    env.admin_ok(&["init", "--province", "25"]);
    let dong = env.admin_json(&["hamlet", "add", "Thôn Đông", "--commune", A])["id"]
        .as_str()
        .expect("id")
        .to_string();
    add_staff(&env, "pa", "province_admin", None);
    let server = env.serve(&[]);
    let url = server.url();

    // A device assesses two members, syncs, then renames one and assesses the other again
    // (the household travels with the new entry: the rename reaches staff as a proposal).
    let dir = tempfile::tempdir().expect("device dir");
    let device = Device::open(dir.path()).expect("device");
    device
        .enroll(
            &ReqwestTransport::new(&url).expect("transport"),
            &url,
            &enroll_code(&env, &[&dong]),
            None,
        )
        .expect("enroll");
    assert_eq!(sync(&device, &url).outcome, Outcome::Done);
    let store = device.store();
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: dong.clone(),
            head: "Lê Văn Hải".into(),
            ..Default::default()
        })
        .expect("household");
    let set = builtin_set("cdht-324").expect("set");
    let assess = |member_id: &str| -> String {
        let subject = Subject {
            kind: SubjectKind::Member,
            id: member_id.to_string(),
        };
        let a = answered(store, &set, &subject);
        store.finalize(&a.id).expect("finalize");
        a.id.to_string()
    };
    let mut ids = Vec::new();
    let mut members = Vec::new();
    for name in ["Lê Văn Hải", "Lê Thị Hoa"] {
        let m = store
            .add_member(
                &hh.id,
                &NewMember {
                    name: name.into(),
                    birth_year: Some(1980),
                    ..Default::default()
                },
            )
            .expect("member");
        ids.push(assess(&m.id));
        members.push(m.id);
    }
    assert_eq!(sync(&device, &url).outcome, Outcome::Done);

    let mut pa = Browser::login(&server, "pa", PASSWORD);
    let report = |pa: &mut Browser| {
        let r = pa.get(
            &server,
            &format!("/api/v1/staff/report?year=2026&commune={A}"),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        assert_eq!(
            v["stale"], false,
            "a commune counts quickly: never served stale"
        );
        assert!(
            v["computed_at"].as_str().is_some_and(|t| t.ends_with('Z')),
            "{v}"
        );
        let cd = v["total"]
            .as_array()
            .expect("total")
            .iter()
            .find(|f| f["model"] == "cong_dan")
            .cloned()
            .expect("cong_dan");
        (cd["assessed"].as_i64(), cd["approved"].as_i64())
    };
    let queue_total = |pa: &mut Browser, query: &str| {
        let r = pa.get(&server, &format!("/api/v1/staff/queue?{query}"));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    };
    assert_eq!(report(&mut pa), (Some(2), Some(0)));
    assert_eq!(report(&mut pa), (Some(2), Some(0)), "kept, the same");
    assert_eq!(queue_total(&mut pa, "state=received")["total"], 2);
    assert_eq!(queue_total(&mut pa, "state=accepted")["total"], 0);

    // Approving one moves both at once.
    let r = pa.post_csrf(
        &server,
        &format!("/assessments/{}/decide", ids[0]),
        &[("action", "approve")],
    );
    assert!(
        r.status == 303 || r.status == 200,
        "{}: {}",
        r.status,
        r.text()
    );
    assert_eq!(report(&mut pa), (Some(2), Some(1)));
    assert_eq!(queue_total(&mut pa, "state=received")["total"], 1);
    assert_eq!(queue_total(&mut pa, "state=accepted")["total"], 1);

    // Rename Hoa on the device; a new member's assessment carries the household to the
    // server.
    store
        .edit_member(
            &members[1],
            &hoctap_store::households::MemberChange {
                name: Some("Lê Thị Hoà Bình".into()),
                ..Default::default()
            },
        )
        .expect("rename");
    let nam = store
        .add_member(
            &hh.id,
            &NewMember {
                name: "Lê Văn Nam".into(),
                birth_year: Some(2001),
                ..Default::default()
            },
        )
        .expect("member");
    assess(&nam.id);
    let r = sync(&device, &url);
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    assert_eq!(
        r.report.sent,
        1,
        "{:?} {:?}",
        r.report,
        store.outbox().expect("outbox")
    );
    let pending = env.admin_json(&["roster", "changes"]);
    let rename = pending
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["kind"] == "member_field" && c["field"] == "name")
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "a rename proposal in {pending}; all: {}; assessments: {}",
                env.admin_json(&["roster", "changes", "--all"]),
                env.admin_json(&["assessments"])
            )
        });
    // Before staff apply it, the queue shows the held name.
    let found = queue_total(&mut pa, "q=hoa+binh");
    assert_eq!(found["total"], 0, "{found}");
    env.admin_json(&["roster", "apply", rename["id"].as_str().expect("id")]);
    let found = queue_total(&mut pa, "q=hoa+binh");
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["rows"][0]["id"], ids[1].as_str());
    assert_eq!(found["rows"][0]["subject_name"], "Lê Thị Hoà Bình");
    // The figures moved with the new assessment (three people assessed, one approved).
    assert_eq!(report(&mut pa), (Some(3), Some(1)));
    assert_eq!(queue_total(&mut pa, "")["total"], 3);
    drop(server);
});
