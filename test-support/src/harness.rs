//! The real server binary on loopback, over SQLite (always) or a fresh PostgreSQL database
//! (when `HOCTAP_TEST_PG_URL` is set); its admin commands; a tiny raw HTTP/1.1 client (so
//! malformed requests can be sent as they are); a commune with two hamlets and an enrolled device.

use crate::pg;
use hoctap_domain::assessment::sha256_hex;
use hoctap_domain::protocol::ManifestEntry;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Define a test once per backend, in a module `name`: `name::sqlite` always runs;
/// `name::postgres` is `#[ignore]`d (reported as ignored, never as passed) and runs with
/// `--include-ignored`, which needs `HOCTAP_TEST_PG_URL` — without it the case fails, saying so.
/// The body is a non-capturing closure (or a function) taking the [`Backend`]; the test file's
/// items are in scope (`use super::*`).
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                let f: fn($crate::Backend) = $body;
                f($crate::Backend::Sqlite);
            }
            #[test]
            #[ignore = "needs PostgreSQL: set HOCTAP_TEST_PG_URL and run with --include-ignored"]
            fn postgres() {
                $crate::pg::test_pg_url();
                let f: fn($crate::Backend) = $body;
                f($crate::Backend::Postgres);
            }
        }
    };
}

/// The server binary a test crate runs: `Harness::new(env!("CARGO_BIN_EXE_<name>"))`.
#[derive(Debug, Clone, Copy)]
pub struct Harness {
    pub bin: &'static str,
}

impl Harness {
    pub const fn new(bin: &'static str) -> Harness {
        Harness { bin }
    }

    /// A fresh data directory and database.
    pub fn env(&self, backend: Backend) -> Env {
        Env::new(self.bin, backend)
    }

    /// A running server with a commune, two hamlets and a device enrolled in Thôn Đông.
    pub fn setup(&self, backend: Backend) -> Setup {
        self.setup_with(backend, &[])
    }

    /// Like [`Harness::setup`], with extra `serve` arguments.
    pub fn setup_with(&self, backend: Backend, serve_args: &[&str]) -> Setup {
        Setup::new(self.env(backend), serve_args)
    }
}

/// A data directory and database for one test, and the server binary to run on them.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub database: Option<String>,
    bin: PathBuf,
    /// (database name, base URL) of a throw-away PostgreSQL database, dropped on drop.
    pg: Option<(String, String)>,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((name, base)) = &self.pg {
            pg::drop_pg_database(base, name);
        }
    }
}

impl Env {
    /// A fresh data directory (and, for PostgreSQL, a fresh database next to
    /// `HOCTAP_TEST_PG_URL`) for the server binary `bin`.
    pub fn new(bin: impl Into<PathBuf>, backend: Backend) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let (pg, database) = match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let base = pg::test_pg_url();
                let (name, url) = pg::create_pg_database(&base, "hoctap_t");
                (Some((name, base)), Some(url))
            }
        };
        Env {
            dir,
            database,
            bin: bin.into(),
            pg,
        }
    }

    /// The server binary.
    pub fn bin(&self) -> &Path {
        &self.bin
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
        let out = Command::new(&self.bin)
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
        let mut child = Command::new(&self.bin)
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

    /// Where the server keeps device `device_id`'s partial upload of a blob.
    pub fn partial_path(&self, device_id: &str, sha: &str) -> PathBuf {
        self.dir
            .path()
            .join("blobs")
            .join("partial")
            .join(device_id)
            .join(sha)
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
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

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

impl Setup {
    /// Initialise `env` (Phú Thọ, commune 04831), add the two hamlets, start the server with
    /// `serve_args` and enroll a device in Thôn Đông.
    pub fn new(env: Env, serve_args: &[&str]) -> Setup {
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
}

/// The `hoctap-server` binary for a test crate that cannot name it with `CARGO_BIN_EXE_…` (the
/// app core's and the FFI façade's tests): `HOCTAP_SERVER_BIN`, else built once with cargo in
/// the test's own profile (debug or release) and found beside the test's `deps` directory.
pub fn cargo_built_server() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(p) = std::env::var("HOCTAP_SERVER_BIN") {
            return PathBuf::from(p);
        }
        // target/<profile>/deps/<test> → target/<profile>
        let exe = std::env::current_exe().expect("test exe");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("profile dir")
            .to_path_buf();
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args([
            "build",
            "-q",
            "-p",
            "hoctap-server",
            "--bin",
            "hoctap-server",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile_dir.file_name().and_then(|n| n.to_str()) == Some("release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build for the server");
        assert!(status.success(), "building hoctap-server failed");
        let bin = profile_dir.join("hoctap-server");
        assert!(bin.exists(), "no server binary at {}", bin.display());
        bin
    })
    .clone()
}

/// A QR code of `text` as a grayscale PNG (8 px modules, quiet zone of 4), as a phone camera or
/// a printed enrollment sheet would present it to the QR decoder.
pub fn qr_png(text: &str) -> Vec<u8> {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let modules = code.width();
    let scale = 8;
    let quiet = 4;
    let size = (modules + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; size * size];
    for y in 0..modules {
        for x in 0..modules {
            if colors[y * modules + x] == qrcode::Color::Dark {
                for dy in 0..scale {
                    for dx in 0..scale {
                        let px = (x + quiet) * scale + dx;
                        let py = (y + quiet) * scale + dy;
                        pixels[py * size + px] = 0;
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, size as u32, size as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&pixels).unwrap();
    }
    out
}
