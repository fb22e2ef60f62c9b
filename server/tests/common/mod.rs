//! Test harness: the real `hoctap-server` binary on loopback, over SQLite (always) or a fresh
//! PostgreSQL database (when `HOCTAP_TEST_PG_URL` is set), a tiny raw HTTP/1.1 client (so
//! malformed requests can be sent as they are) and fixtures built with the core.
#![allow(dead_code)]

pub mod pg;
pub mod proxy;

use hoctap_core::criteria::builtin;
use hoctap_core::engine::{AnswerValue, ItemAnswer};
use hoctap_core::model::Points;
use hoctap_core::store::assessments::{sha256_hex, CanonicalAssessment, Subject, SubjectKind};
use hoctap_core::store::households::{NewHousehold, NewMember};
use hoctap_core::store::units::NewHamlet;
use hoctap_core::store::Store;
use hoctap_core::sync::protocol::{HouseholdRecord, ManifestEntry, MemberRecord};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_hoctap-server");

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Define a test once per backend: `name_sqlite` always runs; `name_postgres` runs when
/// `HOCTAP_TEST_PG_URL` is set and passes trivially (printing why) otherwise.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn sqlite() {
                let f: fn(Backend) = $body;
                f(Backend::Sqlite);
            }
            #[test]
            fn postgres() {
                if std::env::var("HOCTAP_TEST_PG_URL").is_err() {
                    eprintln!("HOCTAP_TEST_PG_URL not set: PostgreSQL case skipped");
                    return;
                }
                let f: fn(Backend) = $body;
                f(Backend::Postgres);
            }
        }
    };
}

/// A data directory and database for one test.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub database: Option<String>,
    pg_name: Option<String>,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let (Some(name), Ok(base)) = (&self.pg_name, std::env::var("HOCTAP_TEST_PG_URL")) {
            pg::drop_pg_database(&base, name);
        }
    }
}

impl Env {
    pub fn new(backend: Backend) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let (pg_name, database) = match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let base = std::env::var("HOCTAP_TEST_PG_URL").expect("HOCTAP_TEST_PG_URL");
                let (name, url) = pg::create_pg_database(&base, "hoctap_t");
                (Some(name), Some(url))
            }
        };
        Env {
            dir,
            database,
            pg_name,
        }
    }

    fn base_args(&self) -> Vec<String> {
        let mut args = vec!["--data".to_string(), self.dir.path().display().to_string()];
        if let Some(db) = &self.database {
            args.push("--database".into());
            args.push(db.clone());
        }
        args
    }

    /// Run `hoctap-server admin ARGS…`: (exit code, stdout, stderr).
    pub fn admin(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(BIN)
            .arg("admin")
            .args(self.base_args())
            .args(args)
            .env_remove("HOCTAP_DATABASE_URL")
            .output()
            .expect("run admin");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Run an admin command that must succeed; its stdout.
    pub fn admin_ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.admin(args);
        assert_eq!(code, 0, "admin {args:?} failed: {err}\n{out}");
        out
    }

    /// Run an admin command with `--json` that must succeed; its JSON.
    pub fn admin_json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        let out = self.admin_ok(&args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }

    /// Start the server on a free port.
    pub fn serve(&self, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(self.base_args())
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("HOCTAP_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("read");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server { child, addr }
    }

    pub fn blob_path(&self, sha: &str) -> PathBuf {
        self.dir.path().join("blobs").join(sha)
    }

    pub fn partial_path(&self, sha: &str) -> PathBuf {
        self.dir.path().join("blobs").join("partial").join(sha)
    }
}

/// A running server, stopped (SIGKILL of this child only) on drop.
pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The typed error code of an error response.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_string()
    }
}

impl Server {
    /// Send one request (HTTP/1.1, `Connection: close`).
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("write head");
        // The server may answer (413) before reading a large body: ignore write errors then.
        let _ = stream.write_all(body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        parse_response(&raw, method == "HEAD")
    }

    pub fn get(&self, path: &str, token: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.request("GET", path, &[("Authorization", &auth)], b"")
    }

    pub fn send_json(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        self.request(method, path, &headers, body.as_bytes())
    }

    /// Enroll with a code; the response JSON.
    pub fn enroll(&self, code: &str) -> Resp {
        self.send_json(
            "POST",
            "/api/v1/enroll",
            None,
            &serde_json::json!({"code": code, "device_name": "test", "app_version": "0.1.0"})
                .to_string(),
        )
    }

    /// PUT a blob chunk.
    pub fn put_blob(&self, token: &str, sha: &str, range: Option<&str>, data: &[u8]) -> Resp {
        let auth = format!("Bearer {token}");
        let mut headers = vec![("Authorization", auth.as_str())];
        if let Some(r) = range {
            headers.push(("Content-Range", r));
        }
        self.request("PUT", &format!("/api/v1/blobs/{sha}"), &headers, data)
    }

    /// Upload a whole blob.
    pub fn upload(&self, token: &str, data: &[u8]) -> String {
        let sha = sha256_hex(data);
        let r = self.put_blob(token, &sha, None, data);
        assert_eq!(r.status, 200, "{}", r.text());
        sha
    }

    pub fn batch(&self, token: &str, uuid: &str, entries: &[ManifestEntry]) -> Resp {
        let body = serde_json::json!({ "assessments": entries }).to_string();
        self.send_json(
            "PUT",
            &format!("/api/v1/batches/{uuid}"),
            Some(token),
            &body,
        )
    }
}

fn parse_response(raw: &[u8], head_only: bool) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if head_only {
        body.clear();
    } else if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(pos) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..pos]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[pos + 2..pos + 2 + size]);
        data = &data[pos + 2 + size + 2..];
    }
    out
}

/// A server set up with a commune, two hamlets (Thôn Đông, Thôn Tây) and a device enrolled in
/// Thôn Đông.
pub struct Setup {
    pub env: Env,
    pub server: Server,
    pub dong: String,
    pub tay: String,
    pub token: String,
    pub device_id: String,
}

/// Create a hamlet; its id.
pub fn add_hamlet(env: &Env, name: &str) -> String {
    env.admin_json(&["hamlet", "add", name])["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// A one-time code for these hamlets.
pub fn enroll_code(env: &Env, hamlets: &[&str]) -> String {
    let mut args = vec!["enroll-code"];
    for h in hamlets {
        args.push("--hamlet");
        args.push(h);
    }
    env.admin_json(&args)["code"]
        .as_str()
        .expect("code")
        .to_string()
}

/// Enroll a device for these hamlets: (device id, token).
pub fn enroll_device(env: &Env, server: &Server, hamlets: &[&str]) -> (String, String) {
    let code = enroll_code(env, hamlets);
    let r = server.enroll(&code);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    (
        v["device_id"].as_str().expect("device_id").to_string(),
        v["token"].as_str().expect("token").to_string(),
    )
}

pub fn setup_with(backend: Backend, serve_args: &[&str]) -> Setup {
    let env = Env::new(backend);
    env.admin_ok(&["init", "--province", "25", "--commune", "04831"]);
    let dong = add_hamlet(&env, "Thôn Đông");
    let tay = add_hamlet(&env, "Thôn Tây");
    let server = env.serve(serve_args);
    let (device_id, token) = enroll_device(&env, &server, &["Thôn Đông"]);
    Setup {
        env,
        server,
        dong,
        tay,
        token,
        device_id,
    }
}

pub fn setup(backend: Backend) -> Setup {
    setup_with(backend, &[])
}

/// What a fixture assessment is made of.
pub struct FixtureOptions<'a> {
    /// Points for every indicator of `cdht-324` (hundredths).
    pub points: u32,
    /// Evidence photos (their bytes' SHA-256) attached to indicator 1.1.
    pub evidence: &'a [String],
    /// Server hamlet the member's household belongs to.
    pub hamlet_id: &'a str,
}

/// A real finalized assessment (Công dân học tập, `cdht-324`, of a member of a household created
/// on the device), as the device would upload it: exact canonical content, its hash, the
/// evidence list and the device-created household.
pub fn fixture(opts: &FixtureOptions<'_>) -> ManifestEntry {
    let mut store = Store::open_in_memory().expect("store");
    let hamlet = store
        .add_hamlet(&NewHamlet {
            name: "Thôn Đông".into(),
            ..Default::default()
        })
        .expect("hamlet");
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: hamlet.id.clone(),
            head: "Nguyễn Văn An".into(),
            address: Some("Xóm 1".into()),
            ..Default::default()
        })
        .expect("household");
    let member = store
        .add_member(
            &hh.id,
            &NewMember {
                name: "Nguyễn Văn An".into(),
                birth_year: Some(1980),
                literate: Some(true),
                ..Default::default()
            },
        )
        .expect("member");
    let set = builtin::builtin_set("cdht-324").expect("cdht-324");
    let info = store
        .start_assessment(
            &Subject {
                kind: SubjectKind::Member,
                id: member.id.clone(),
            },
            &set,
            2026,
        )
        .expect("start");
    let items: BTreeMap<String, ItemAnswer> = set
        .indicators()
        .map(|i| {
            let max = i.max.map_or(0, |m| m.0);
            (
                i.id.clone(),
                ItemAnswer {
                    value: Some(AnswerValue::Points(Points(opts.points.min(max)))),
                    note: None,
                    override_reason: None,
                },
            )
        })
        .collect();
    store.set_answers(&info.id, &items).expect("answers");
    for (pos, sha) in opts.evidence.iter().enumerate() {
        store
            .conn()
            .execute(
                "INSERT INTO photo (sha256, bytes, width, height, phash, created_at, created_offset)
                 VALUES (?1, 10, 1, 1, '0000000000000000', '2026-01-01T00:00:00.000Z', 420)",
                [sha],
            )
            .expect("photo");
        store
            .conn()
            .execute(
                "INSERT INTO evidence (assessment_id, item_id, photo_sha256, position, created_at)
                 VALUES (?1, '1.1', ?2, ?3, '2026-01-01T00:00:00.000Z')",
                rusqlite::params![info.id, sha, pos as i64],
            )
            .expect("evidence");
    }
    let fin = store.finalize(&info.id).expect("finalize");
    let content: String = store
        .conn()
        .query_row(
            "SELECT content FROM assessment WHERE id = ?1",
            [&info.id],
            |r| r.get(0),
        )
        .expect("content");
    assert_eq!(sha256_hex(content.as_bytes()), fin.content_sha256);
    ManifestEntry {
        id: info.id,
        content_sha256: fin.content_sha256,
        content,
        evidence: opts.evidence.to_vec(),
        household: Some(HouseholdRecord {
            id: hh.id,
            hamlet_id: opts.hamlet_id.to_string(),
            head: hh.head,
            address: hh.address,
            phone: None,
            roster_code: None,
            members: vec![MemberRecord {
                id: member.id,
                name: member.name,
                birth_year: member.birth_year,
                sex: member.sex,
                relation: member.relation,
                schooling: member.schooling,
                literate: member.literate,
                cdht: member.cdht,
                cdht_group: None,
                unable_to_learn: false,
            }],
        }),
    }
}

/// A fixture with 8 points per indicator (passes), no evidence, in `hamlet_id`.
pub fn simple(hamlet_id: &str) -> ManifestEntry {
    fixture(&FixtureOptions {
        points: 800,
        evidence: &[],
        hamlet_id,
    })
}

/// Change the canonical content and re-hash it (a self-consistent entry with other content).
pub fn rewrite(entry: &ManifestEntry, f: impl FnOnce(&mut CanonicalAssessment)) -> ManifestEntry {
    let mut content: CanonicalAssessment = serde_json::from_str(&entry.content).expect("content");
    f(&mut content);
    let text = serde_json::to_string(&content).expect("json");
    ManifestEntry {
        content_sha256: sha256_hex(text.as_bytes()),
        content: text,
        ..entry.clone()
    }
}

pub fn new_uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}
