//! Back-office benchmark (`scripts/bench-backoffice`, issue 13): figures, printed, never asserted.
//!
//! 1. **Generate a province** straight into a database the real server migrated
//!    (`hoctap-server admin init --province 25`): the real commune codes of province 25
//!    (`admin units --province 25 --json`; Phú Thọ has 148), 45 hamlets a commune, N households
//!    (roster code, head with Vietnamese diacritics), 1–3 members each (2 on average), one
//!    Gia đình học tập assessment per household for 2026 (`gdht-448-2015` with its real
//!    SHA-256, device and server totals, ~1 % score mismatch, ~3 % flagged photos, review
//!    states received 60 % / returned 5 % / accepted 35 %, the returns' thread, a search key as
//!    the server folds it, the commune), evidence photos (rows, blob rows, photo facts) for
//!    one assessment in five, one device per hamlet. Set-based SQL: `generate_series` on
//!    PostgreSQL, a recursive CTE on SQLite; then `ANALYZE`. The assessments the dossier bench
//!    opens carry real canonical content (frozen and hashed by the domain crate); the others a
//!    short placeholder (nothing the queue, reports or exports read).
//! 2. **Database functions** the web app calls, timed in this process on the same database
//!    (`hoctap_server::db::review::{page, count, export_slice}`, `db::reports::report`):
//!    queue pages (filters, sorts, deep pages by cursor, a cursor from the middle of the data),
//!    counts, the province and commune reports, and the export read loop.
//! 3. **HTTP** against the release server (`hoctap-server-e2e serve`) once the web routes
//!    answer: a province admin and a commune reviewer log in through the login form, then
//!    dashboard, queue pages (same filters, next-page links followed, a mid-data cursor),
//!    dossiers, the province report and `/api/v1/staff/report`: p50 / p95 / max over N
//!    requests after one untimed first request (shown as "first"); exports of the whole
//!    province as CSV and XLSX: rows/s, bytes, the server's resident memory (VmRSS sampled
//!    every 10 ms, VmHWM before and after) against the targets and Kobo's published anchor
//!    (132,229 submissions exported in over 30 minutes ≈ 73 rows/s), in the same run.
//!
//! Environment: `HOCTAP_BENCH_QUICK=1` (3 communes, 20,000 households), `HOCTAP_BO_HOUSEHOLDS`
//! (PostgreSQL size, default 1,000,000), `HOCTAP_BO_SQLITE_HOUSEHOLDS` (default 200,000),
//! `HOCTAP_BO_COMMUNES` (default: every commune of province 25; SQLite gets at most 30),
//! `HOCTAP_BO_HAMLETS` (a commune, default 45), `HOCTAP_BO_REPS` (default 30, quick 10),
//! `HOCTAP_BO_BACKENDS` (`sqlite,postgres`), `HOCTAP_BO_PARTS` (`db,http,exports`),
//! `HOCTAP_BO_BUDGET_SECS` (a measure's repetitions stop after it, at least 5: default 30),
//! `HOCTAP_BO_EXPORT_SECS` (an export is read that long at most, then its rate so far is
//! reported: default 120), `HOCTAP_BO_REUSE=1` (keep the generated database
//! and reuse it next time when its size matches), PostgreSQL from `HOCTAP_BENCH_PG_URL`, else
//! `HOCTAP_TEST_PG_URL` (the database `hoctap_bench_backoffice` next to it is dropped and
//! recreated).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::model::{MemberFacts, Model, Subject, SubjectKind};
use hoctap_server::db::review::{self, Cursor, Filter, PageAt, ReviewState, Sort};
use hoctap_server::db::staff::Scope;
use hoctap_server::db::targets::TargetBook;
use hoctap_server::db::Db;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn bin() -> String {
    std::env::var("HOCTAP_BENCH_SERVER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_hoctap-server-e2e").to_string())
}

const PROVINCE: &str = "25";
const YEAR: i32 = 2026;
const CRITERIA: &str = "gdht-448-2015";
const PASSWORD: &str = "bench-mat-khau-2026";
/// Kobo's published anchor: 132,229 submissions exported in over 30 minutes.
const KOBO_ROWS: f64 = 132_229.0;
const KOBO_SECS: f64 = 1800.0;
const PAGE_TARGET_MS: f64 = 200.0;
const REPORT_TARGET_MS: f64 = 1000.0;
const EXPORT_TARGET_ROWS_PER_SEC: f64 = 50_000.0;
const EXPORT_TARGET_MIB: f64 = 150.0;
/// Assessments given real canonical content (the dossier bench opens them).
const DOSSIERS: usize = 100;
const PG_DATABASE: &str = "hoctap_bench_backoffice";
/// Rows a slice of the export loop, as the server's exports read them.
const EXPORT_SLICE: i64 = 5000;

// ---------------------------------------------------------------------------------------------
// Settings

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

struct Config {
    quick: bool,
    pg_base: Option<String>,
    backends: Vec<Backend>,
    reps: usize,
    reuse: bool,
    /// `HOCTAP_BO_PARTS`: which of `db`, `http`, `exports` run (all by default).
    parts: String,
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace(['_', ','], "").parse().ok())
        .filter(|&v: &usize| v > 0)
}

/// The size generated on one backend.
#[derive(Clone, Copy, Debug)]
struct Size {
    communes: usize,
    hamlets_per_commune: usize,
    households: usize,
}

impl Config {
    fn from_env() -> Config {
        let quick = std::env::var("HOCTAP_BENCH_QUICK").is_ok_and(|v| v == "1");
        let pg_base = std::env::var("HOCTAP_BENCH_PG_URL")
            .ok()
            .or_else(|| std::env::var("HOCTAP_TEST_PG_URL").ok())
            .filter(|u| !u.trim().is_empty());
        let wanted = std::env::var("HOCTAP_BO_BACKENDS")
            .unwrap_or_else(|_| "sqlite,postgres".into())
            .to_ascii_lowercase();
        let mut backends = Vec::new();
        if wanted.contains("sqlite") {
            backends.push(Backend::Sqlite);
        }
        if wanted.contains("postgres") {
            backends.push(Backend::Postgres);
        }
        Config {
            quick,
            pg_base,
            backends,
            reps: env_usize("HOCTAP_BO_REPS").unwrap_or(if quick { 10 } else { 30 }),
            reuse: std::env::var("HOCTAP_BO_REUSE").is_ok_and(|v| v == "1"),
            parts: std::env::var("HOCTAP_BO_PARTS")
                .unwrap_or_else(|_| "db,http,exports".into())
                .to_ascii_lowercase(),
        }
    }

    fn part(&self, name: &str) -> bool {
        self.parts.split(',').any(|p| p.trim() == name)
    }

    fn size(&self, backend: Backend, available: usize) -> Size {
        let hamlets_per_commune = env_usize("HOCTAP_BO_HAMLETS").unwrap_or(45);
        if self.quick {
            return Size {
                communes: 3.min(available),
                hamlets_per_commune,
                households: 20_000,
            };
        }
        let communes = env_usize("HOCTAP_BO_COMMUNES")
            .unwrap_or(available)
            .min(available);
        match backend {
            Backend::Postgres => Size {
                communes,
                hamlets_per_commune,
                households: env_usize("HOCTAP_BO_HOUSEHOLDS").unwrap_or(1_000_000),
            },
            Backend::Sqlite => Size {
                communes: communes.min(30),
                hamlets_per_commune,
                households: env_usize("HOCTAP_BO_SQLITE_HOUSEHOLDS").unwrap_or(200_000),
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Figures and the final table

/// Latencies of one measure, milliseconds.
struct Stats {
    first: f64,
    p50: f64,
    p95: f64,
    max: f64,
    n: usize,
}

fn stats(first: Duration, mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        if samples.is_empty() {
            return f64::NAN;
        }
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        ms(samples[i])
    };
    Stats {
        first: ms(first),
        p50: at(0.50),
        p95: at(0.95),
        max: samples.last().map_or(f64::NAN, |d| ms(*d)),
        n: samples.len(),
    }
}

/// Time `f` once (reported as "first"), then `reps` times — or fewer, at least 5, once the
/// measure has taken [`budget`] (a slow query at full size would otherwise take hours).
fn time_reps(reps: usize, mut f: impl FnMut(usize)) -> Stats {
    let start = Instant::now();
    let t = Instant::now();
    f(0);
    let first = t.elapsed();
    let mut samples = Vec::with_capacity(reps);
    for i in 1..=reps {
        if i > 5 && start.elapsed() > budget() {
            break;
        }
        let t = Instant::now();
        f(i);
        samples.push(t.elapsed());
    }
    stats(first, samples)
}

/// Time one measure may take before its repetitions stop (`HOCTAP_BO_BUDGET_SECS`, 30 s).
fn budget() -> Duration {
    Duration::from_secs(env_usize("HOCTAP_BO_BUDGET_SECS").unwrap_or(30) as u64)
}

/// Longest an export is read before it is stopped and its rate so far reported
/// (`HOCTAP_BO_EXPORT_SECS`, 120 s; every slice costs about the same, so the rate holds).
fn export_budget() -> Duration {
    Duration::from_secs(env_usize("HOCTAP_BO_EXPORT_SECS").unwrap_or(120) as u64)
}

struct Line {
    backend: String,
    layer: &'static str,
    measure: String,
    figures: String,
    target: String,
    ratio: String,
    verdict: &'static str,
}

#[derive(Default)]
struct Table(Vec<Line>);

impl Table {
    fn latency(
        &mut self,
        backend: &str,
        layer: &'static str,
        measure: &str,
        s: &Stats,
        target_ms: f64,
    ) {
        println!(
            "  {layer:4} {measure:<58} first {:>8.1}  p50 {:>8.1}  p95 {:>8.1}  max {:>8.1} ms  (n={})",
            s.first, s.p50, s.p95, s.max, s.n
        );
        self.0.push(Line {
            backend: backend.to_string(),
            layer,
            measure: measure.to_string(),
            figures: format!(
                "p50 {:.1} / p95 {:.1} / max {:.1} ms (first {:.1})",
                s.p50, s.p95, s.max, s.first
            ),
            target: format!("p95 ≤ {target_ms:.0} ms"),
            ratio: format!("{:.2}", s.p95 / target_ms),
            verdict: if s.p95 <= target_ms { "OK" } else { "OVER" },
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn figure(
        &mut self,
        backend: &str,
        layer: &'static str,
        measure: &str,
        figures: String,
        target: String,
        ratio: String,
        verdict: &'static str,
    ) {
        println!("  {layer:4} {measure:<58} {figures}");
        self.0.push(Line {
            backend: backend.to_string(),
            layer,
            measure: measure.to_string(),
            figures,
            target,
            ratio,
            verdict,
        });
    }

    fn skip(&mut self, backend: &str, layer: &'static str, measure: &str, why: &str) {
        println!("  {layer:4} {measure:<58} skipped: {why}");
        self.0.push(Line {
            backend: backend.to_string(),
            layer,
            measure: measure.to_string(),
            figures: "—".into(),
            target: "—".into(),
            ratio: "—".into(),
            verdict: "skipped",
        });
    }

    fn print(&self) {
        println!("\n| backend | layer | measure | ours | target | ratio | OK/OVER |");
        println!("|---|---|---|---|---|---|---|");
        for l in &self.0 {
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                l.backend, l.layer, l.measure, l.figures, l.target, l.ratio, l.verdict
            );
        }
        println!(
            "\nratio = ours ÷ target (latency: p95 ÷ target; throughput: target ÷ ours; memory: \
             peak ÷ target) — below 1 is within the target. Figures only: nothing here fails."
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The server's command line and process

struct Env {
    data: PathBuf,
    url: String,
    _tmp: Option<tempfile::TempDir>,
}

impl Env {
    fn base_args(&self) -> Vec<String> {
        vec![
            "--data".into(),
            self.data.display().to_string(),
            "--database".into(),
            self.url.clone(),
        ]
    }

    fn admin(&self, args: &[&str], password: Option<&str>) -> Result<String, String> {
        let mut cmd = Command::new(bin());
        cmd.arg("admin")
            .args(self.base_args())
            .args(args)
            .env_remove("HOCTAP_DATABASE_URL")
            .env_remove("HOCTAP_PASSWORD");
        if let Some(p) = password {
            cmd.env("HOCTAP_PASSWORD", p);
        }
        let out = cmd.output().expect("run hoctap-server admin");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    fn serve(&self) -> Server {
        let mut child = Command::new(bin())
            .arg("serve")
            .args(self.base_args())
            .args(["--listen", "127.0.0.1:0", "--rate-limit", "1000000"])
            .env_remove("HOCTAP_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start hoctap-server");
        let stdout = child.stdout.take().expect("server stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read server banner");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected server banner {line:?}"))
            .to_string();
        Server { child, addr }
    }
}

/// A running server; this child only is killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` or `VmHWM` of a process, KiB.
fn proc_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// A small HTTP/1.1 client: keep-alive, cookies, forms, streamed bodies (nothing buffered when
// only counted)

struct Http {
    addr: String,
    conn: Option<BufReader<TcpStream>>,
    cookies: BTreeMap<String, String>,
    /// Read timeout of new connections (an export stops after its budget); 600 s when unset.
    timeout: Option<Duration>,
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Body bytes received (also when not kept).
    bytes: u64,
    /// The sink stopped the read before the end of the body.
    stopped: bool,
}

/// What to do with a piece of a body.
enum Piece {
    Keep,
    Count,
    Stop,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Http {
    fn new(addr: &str) -> Http {
        Http {
            addr: addr.to_string(),
            conn: None,
            cookies: BTreeMap::new(),
            timeout: None,
        }
    }

    fn get(&mut self, path: &str) -> Resp {
        self.request("GET", path, None, &mut |_| Piece::Keep)
    }

    /// A request; `sink` sees each piece of the body and says whether to keep it, or to stop
    /// reading (the connection is then dropped).
    fn request(
        &mut self,
        method: &str,
        path: &str,
        form: Option<&str>,
        sink: &mut dyn FnMut(&[u8]) -> Piece,
    ) -> Resp {
        for attempt in 0..2 {
            match self.try_request(method, path, form, sink) {
                Ok(r) => return r,
                Err(e)
                    if self.timeout.is_some()
                        && matches!(
                            e.kind(),
                            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                        ) =>
                {
                    // Nothing (more) came within the time allowed: stopped, never retried.
                    self.conn = None;
                    return Resp {
                        status: 0,
                        headers: Vec::new(),
                        body: Vec::new(),
                        bytes: 0,
                        stopped: true,
                    };
                }
                Err(e) if attempt == 0 => {
                    // A kept-alive connection the server closed: once more on a new one.
                    let _ = e;
                    self.conn = None;
                }
                Err(e) => panic!("{method} {path}: {e}"),
            }
        }
        unreachable!()
    }

    fn try_request(
        &mut self,
        method: &str,
        path: &str,
        form: Option<&str>,
        sink: &mut dyn FnMut(&[u8]) -> Piece,
    ) -> std::io::Result<Resp> {
        if self.conn.is_none() {
            let s = TcpStream::connect(&self.addr)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(self.timeout.unwrap_or(Duration::from_secs(600))))?;
            self.conn = Some(BufReader::with_capacity(256 * 1024, s));
        }
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            head.push_str(&format!("Cookie: {}\r\n", c.join("; ")));
        }
        if let Some(body) = form {
            head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        if let Some(body) = form {
            head.push_str(body);
        }
        let conn = self.conn.as_mut().expect("connection");
        conn.get_mut().write_all(head.as_bytes())?;
        let mut line = String::new();
        if conn.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            conn.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let mut body = Vec::new();
        let mut bytes = 0u64;
        let stopped = std::cell::Cell::new(false);
        let mut take = |piece: &[u8], body: &mut Vec<u8>| {
            bytes += piece.len() as u64;
            match sink(piece) {
                Piece::Keep => body.extend_from_slice(piece),
                Piece::Count => {}
                Piece::Stop => stopped.set(true),
            }
        };
        const BUF: usize = 64 * 1024;
        let mut buf = vec![0u8; BUF];
        let close = get("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        if method == "HEAD" || status == 204 || status == 304 {
        } else if get("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            loop {
                line.clear();
                conn.read_line(&mut line)?;
                let size =
                    usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                        .map_err(|_| std::io::Error::other(format!("bad chunk size {line:?}")))?;
                if size == 0 {
                    // Trailers, then the empty line.
                    loop {
                        line.clear();
                        conn.read_line(&mut line)?;
                        if line.trim_end().is_empty() {
                            break;
                        }
                    }
                    break;
                }
                let mut left = size;
                while left > 0 {
                    let n = conn.read(&mut buf[..left.min(BUF)])?;
                    if n == 0 {
                        return Err(std::io::Error::other("cut inside a chunk"));
                    }
                    take(&buf[..n], &mut body);
                    left -= n;
                    if stopped.get() {
                        break;
                    }
                }
                if stopped.get() {
                    break;
                }
                line.clear();
                conn.read_line(&mut line)?;
            }
        } else if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
            let mut left = len;
            while left > 0 {
                let n = conn.read(&mut buf[..left.min(BUF)])?;
                if n == 0 {
                    return Err(std::io::Error::other("cut inside the body"));
                }
                take(&buf[..n], &mut body);
                left -= n;
                if stopped.get() {
                    break;
                }
            }
        } else {
            loop {
                let n = conn.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                take(&buf[..n], &mut body);
                if stopped.get() {
                    break;
                }
            }
            self.conn = None;
        }
        if close || stopped.get() {
            self.conn = None;
        }
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                if let Some((name, value)) = v.split(';').next().and_then(|c| c.split_once('=')) {
                    if value.is_empty() || v.to_ascii_lowercase().contains("max-age=0") {
                        self.cookies.remove(name.trim());
                    } else {
                        self.cookies
                            .insert(name.trim().to_string(), value.trim().to_string());
                    }
                }
            }
        }
        Ok(Resp {
            status,
            headers,
            body,
            bytes,
            stopped: stopped.get(),
        })
    }

    /// Log in through the login form; whether a session cookie came back.
    fn login(&mut self, login: &str, password: &str) -> Result<(), String> {
        let page = self.get("/login");
        if page.status != 200 {
            return Err(format!("GET /login answered {}", page.status));
        }
        let html = page.text();
        let csrf = hidden_value(&html, "csrf")
            .or_else(|| self.cookies.get("hoctap_login_csrf").cloned())
            .ok_or("no csrf field on the login page")?;
        let form = format!(
            "login={}&password={}&csrf={}",
            form_encode(login),
            form_encode(password),
            form_encode(&csrf)
        );
        let r = self.request("POST", "/login", Some(&form), &mut |_| Piece::Keep);
        if self.cookies.contains_key("hoctap_session") {
            Ok(())
        } else {
            Err(format!(
                "login answered {} without a session cookie",
                r.status
            ))
        }
    }
}

fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `value` of the input named `name` in an HTML page.
fn hidden_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let v = tag.find("value=\"")? + 7;
    let len = tag[v..].find('"')?;
    Some(unescape(&tag[v..v + len]))
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// The first link of a page whose target holds `after=` (the next page), unescaped.
fn next_link(html: &str) -> Option<String> {
    let mut rest = html;
    while let Some(i) = rest.find("href=\"") {
        rest = &rest[i + 6..];
        let end = rest.find('"')?;
        let href = unescape(&rest[..end]);
        if href.contains("after=") {
            return Some(href);
        }
        rest = &rest[end..];
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Names

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Hà", "Tạ", "Lương",
];
const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quang", "Xuân", "Thu", "Kim", "Công",
];
const GIVEN: &[&str] = &[
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Ngân",
    "Phúc",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Trang",
    "Tuấn",
    "Việt",
    "Yến",
    "Đào",
    "Đông",
    "Lộc",
    "Nhung",
    "Oanh",
    "Quỳnh",
    "Thủy",
    "Tiến",
    "Uyên",
    "Vân",
    "Xuyến",
    "Ánh",
    "Bảo",
    "Chiến",
    "Duyên",
    "Hằng",
    "Kiên",
    "Lợi",
    "Mạnh",
    "Nghĩa",
    "Phượng",
    "Sáng",
    "Toàn",
    "Trọng",
    "Tường",
    "Vượng",
    "Hậu",
    "Ổn",
    "Ước",
];

fn fold(s: &str) -> String {
    hoctap_domain::text::fold(&hoctap_domain::text::clean(s))
}

// ---------------------------------------------------------------------------------------------
// Generation

/// SQL that differs between the backends.
struct Dialect(Backend);

impl Dialect {
    /// A fixed-width id in the canonical UUID spelling: kind `k`, number `n` (an expression).
    fn id(&self, kind: u32, n: &str) -> String {
        match self.0 {
            Backend::Postgres => {
                format!("'{kind:08x}-0000-7000-8000-' || lpad(to_hex({n}), 12, '0')")
            }
            Backend::Sqlite => format!("printf('{kind:08x}-0000-7000-8000-%012x', {n})"),
        }
    }

    /// `INSERT INTO {target} SELECT {select} FROM <1..n as s(n)> {rest}`.
    fn series_insert(&self, target: &str, select: &str, n: usize, rest: &str) -> String {
        match self.0 {
            Backend::Postgres => format!(
                "INSERT INTO {target} SELECT {select} FROM generate_series(1::bigint, {n}::bigint) AS s(n) {rest}"
            ),
            Backend::Sqlite => format!(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n})
                 INSERT INTO {target} SELECT {select} FROM s {rest}"
            ),
        }
    }

    /// A stored stamp (RFC 3339 UTC, milliseconds) `secs` (an expression) after `base`.
    fn stamp(&self, base: &str, secs: &str) -> String {
        match self.0 {
            Backend::Postgres => format!(
                "to_char(timestamp '{base}' + ({secs}) * interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
            ),
            Backend::Sqlite => {
                format!("strftime('%Y-%m-%dT%H:%M:%fZ', '{base}', '+' || ({secs}) || ' seconds')")
            }
        }
    }

    fn hex64(&self, n: &str) -> String {
        match self.0 {
            Backend::Postgres => format!("lpad(to_hex({n}), 64, '0')"),
            Backend::Sqlite => format!("printf('%064x', {n})"),
        }
    }

    fn pad7(&self, n: &str) -> String {
        match self.0 {
            Backend::Postgres => format!("lpad(({n})::text, 7, '0')"),
            Backend::Sqlite => format!("printf('%07d', {n})"),
        }
    }
}

async fn exec(conn: &mut sqlx::AnyConnection, sql: &str) {
    sqlx::query(AssertSqlSafe(sql.to_string()))
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
}

/// Generate the province into a freshly migrated database. Returns (rows written, seconds).
async fn generate(db: &Db, backend: Backend, size: Size, communes: &[(String, String)]) -> u64 {
    let d = Dialect(backend);
    let mut conn = db.pool.acquire().await.expect("connection");
    let c = size.communes;
    let hpc = size.hamlets_per_commune;
    let h = c * hpc;
    let n = size.households;
    let mut rows = 0u64;
    let step =
        |what: &str, t: Instant| println!("    {what:<44} {:>7.1} s", t.elapsed().as_secs_f64());

    // Name and commune tables (indexed by number), folded names beside the names.
    exec(&mut conn, "DROP TABLE IF EXISTS bench_communes").await;
    exec(&mut conn, "DROP TABLE IF EXISTS bench_names").await;
    exec(
        &mut conn,
        "CREATE TABLE bench_communes (i BIGINT PRIMARY KEY, code TEXT NOT NULL)",
    )
    .await;
    exec(
        &mut conn,
        "CREATE TABLE bench_names (part TEXT NOT NULL, i BIGINT NOT NULL, name TEXT NOT NULL,
             folded TEXT NOT NULL, PRIMARY KEY (part, i))",
    )
    .await;
    for (i, (code, _)) in communes.iter().take(c).enumerate() {
        sqlx::query("INSERT INTO bench_communes (i, code) VALUES ($1, $2)")
            .bind(i as i64)
            .bind(code.as_str())
            .execute(&mut *conn)
            .await
            .expect("commune");
    }
    for (part, list) in [("f", FAMILY), ("m", MIDDLE), ("g", GIVEN)] {
        for (i, name) in list.iter().enumerate() {
            sqlx::query("INSERT INTO bench_names (part, i, name, folded) VALUES ($1, $2, $3, $4)")
                .bind(part)
                .bind(i as i64)
                .bind(*name)
                .bind(fold(name))
                .execute(&mut *conn)
                .await
                .expect("name");
        }
    }
    let (nf, nm, ng) = (FAMILY.len(), MIDDLE.len(), GIVEN.len());
    // The household's hamlet number (1-based) and the hamlet's commune index, from `s.n`.
    let hamlet_of = format!("((s.n - 1) * {h} / {n} + 1)");
    let name_joins = format!(
        "JOIN bench_names f ON f.part = 'f' AND f.i = (s.n * 31) % {nf}
         JOIN bench_names m ON m.part = 'm' AND m.i = (s.n * 17 + s.n / 7) % {nm}
         JOIN bench_names g ON g.part = 'g' AND g.i = (s.n * 13 + s.n / 97) % {ng}"
    );
    let created = "2026-01-05T01:00:00.000Z";

    let t = Instant::now();
    exec(
        &mut conn,
        &d.series_insert(
            "hamlets (id, name, name_key, kind, commune_code, created_at, seq)",
            &format!(
                "{}, 'Thôn ' || ((s.n - 1) % {hpc} + 1), bc.code || '|thon ' || ((s.n - 1) % {hpc} + 1),
                 'thon', bc.code, '{created}', s.n",
                d.id(1, "s.n")
            ),
            h,
            &format!("JOIN bench_communes bc ON bc.i = (s.n - 1) / {hpc}"),
        ),
    )
    .await;
    exec(
        &mut conn,
        &d.series_insert(
            "devices (id, token_sha256, name, app_version, enrolled_at, last_seen_at,
                 last_heartbeat_at, queue_length, free_bytes, commune_code)",
            &format!(
                "{}, {}, 'Máy thôn ' || s.n, '1.0.0', '{created}', '2026-09-30T09:00:00.000Z',
                 '2026-09-30T09:00:00.000Z', s.n % 4, 8000000000, bc.code",
                d.id(2, "s.n"),
                d.hex64("s.n + 1000000000")
            ),
            h,
            &format!("JOIN bench_communes bc ON bc.i = (s.n - 1) / {hpc}"),
        ),
    )
    .await;
    exec(
        &mut conn,
        &d.series_insert(
            "device_hamlets (device_id, hamlet_id)",
            &format!("{}, {}", d.id(2, "s.n"), d.id(1, "s.n")),
            h,
            "",
        ),
    )
    .await;
    rows += 3 * h as u64;
    step(&format!("{h} hamlets, {h} devices"), t);

    let t = Instant::now();
    exec(
        &mut conn,
        &d.series_insert(
            "households (id, hamlet_id, head, address, phone, roster_code, origin, updated_at, seq)",
            &format!(
                "{}, {}, f.name || ' ' || m.name || ' ' || g.name, 'Xóm ' || (s.n % 12 + 1), NULL,
                 'HK' || {}, 'roster', '{created}', {h} + s.n",
                d.id(3, "s.n"),
                d.id(1, &hamlet_of),
                d.pad7("s.n")
            ),
            n,
            &name_joins,
        ),
    )
    .await;
    rows += n as u64;
    step(&format!("{n} households"), t);

    // Members: the head (everyone), a spouse (two households in three), a child (one in
    // three): 2 a household on average.
    let t = Instant::now();
    let members: [(u32, i64, &str, String, String, &str, &str); 3] = [
        (
            4,
            1,
            "",
            "f.name || ' ' || m.name || ' ' || g.name".into(),
            "1950 + s.n % 40".into(),
            "Chủ hộ",
            "finished",
        ),
        (
            5,
            2,
            "WHERE s.n % 3 >= 1",
            "f2.name || ' Thị ' || g2.name".into(),
            "1952 + s.n % 40".into(),
            "Vợ",
            "finished",
        ),
        (
            6,
            3,
            "WHERE s.n % 3 = 2",
            "f.name || ' ' || m.name || ' ' || g2.name".into(),
            "2000 + s.n % 22".into(),
            "Con",
            "in_school",
        ),
    ];
    let mut member_rows = 0u64;
    for (kind, pos, filter, name, birth, relation, schooling) in &members {
        let joins = format!(
            "{name_joins}
             JOIN bench_names f2 ON f2.part = 'f' AND f2.i = (s.n * 7 + 3) % {nf}
             JOIN bench_names g2 ON g2.part = 'g' AND g2.i = (s.n * 11 + 5) % {ng}
             {filter}"
        );
        let sex = if *pos == 2 {
            "'female'"
        } else {
            "CASE WHEN s.n % 2 = 0 THEN 'male' ELSE 'female' END"
        };
        exec(
            &mut conn,
            &d.series_insert(
                "members (id, household_id, position, name, birth_year, sex, relation, schooling,
                     literate, cdht, cdht_group, unable_to_learn, seq)",
                &format!(
                    "{}, {}, {pos}, {name}, {birth}, {sex}, '{relation}', '{schooling}', 1, NULL,
                     NULL, 0, {} + s.n",
                    d.id(*kind, "s.n"),
                    d.id(3, "s.n"),
                    h + n * (*pos as usize)
                ),
                n,
                &joins,
            ),
        )
        .await;
        member_rows += match pos {
            1 => n as u64,
            2 => (n - n / 3) as u64,
            _ => (n / 3) as u64,
        };
    }
    rows += member_rows;
    step(&format!("~{member_rows} members"), t);

    // One assessment a household. Received times spread over Feb–Sep 2026 in an order that
    // mixes communes (n × 7919 mod N is a permutation when N is not a multiple of 7919).
    let t = Instant::now();
    let spacing = (20_000_000 / n).max(1);
    let received = d.stamp(
        "2026-02-01 00:00:00",
        &format!("((s.n * 7919) % {n}) * {spacing}"),
    );
    let set = builtin_set(CRITERIA).expect("built-in gdht-448-2015");
    // The search key is built in SQL the way the server folds it (`review::index_search`).
    assert_eq!(
        fold("HK0000123"),
        "hk0000123",
        "roster codes fold to lower case"
    );
    assert_eq!(
        fold("Nguyễn Văn Hùng HK0000123"),
        format!(
            "{} {} {} hk0000123",
            fold("Nguyễn"),
            fold("Văn"),
            fold("Hùng")
        ),
        "a name folds part by part"
    );
    let placeholder = "{\"bench\":\"placeholder content: only the dossier bench rows hold real canonical content\"}";
    let placeholder_sha = hoctap_domain::assessment::sha256_hex(placeholder.as_bytes());
    let status = "CASE WHEN (s.n * 29) % 100 < 72 THEN 'passed' WHEN (s.n * 29) % 100 < 90 THEN 'failed' ELSE 'incomplete' END";
    let total = "CASE WHEN (s.n * 29) % 100 < 72 THEN 7000 + (s.n * 37) % 3001 ELSE 3000 + (s.n * 37) % 4000 END";
    let state = "CASE WHEN (s.n * 13) % 100 < 60 THEN 'received' WHEN (s.n * 13) % 100 < 65 THEN 'returned' ELSE 'accepted' END";
    let decided = "CASE WHEN (s.n * 13) % 100 < 60 THEN NULL ELSE '2026-10-01T02:00:00.000Z' END";
    let decided_by = format!(
        "CASE WHEN (s.n * 13) % 100 < 60 THEN NULL ELSE {} END",
        d.id(9, "1 + (s.n % 7)")
    );
    exec(
        &mut conn,
        &d.series_insert(
            "assessments (id, device_id, subject_kind, subject_id, hamlet_id, model, year,
                 criteria_id, criteria_version, criteria_sha256, content, content_sha256,
                 device_status, device_total, server_status, server_total, mismatch,
                 evidence_count, review_state, parent_id, revision, received_at, commune_code,
                 decided_by, decided_at, search_key, photo_flags, superseded, practice,
                 evidence_present, subject_name, roster_code)",
            &format!(
                "{id}, {device}, 'household', {subject}, {hamlet}, 'gia_dinh', {YEAR},
                 '{CRITERIA}', {version}, '{sha}', '{placeholder}', '{placeholder_sha}',
                 {status}, {total} + CASE WHEN s.n % 97 = 0 THEN 250 ELSE 0 END,
                 {status}, {total}, CASE WHEN s.n % 97 = 0 THEN 1 ELSE 0 END,
                 CASE WHEN s.n % 5 = 0 THEN 1 ELSE 0 END, {state}, NULL, 1, {received},
                 bc.code, {decided_by}, {decided},
                 f.folded || ' ' || m.folded || ' ' || g.folded || ' hk' || {code},
                 CASE WHEN s.n % 35 = 0 THEN 1 ELSE 0 END, 0, 0,
                 CASE WHEN s.n % 5 = 0 AND s.n % 1000 <> 0 THEN 1 ELSE 0 END,
                 f.name || ' ' || m.name || ' ' || g.name, 'HK' || {code}",
                id = d.id(7, "s.n"),
                device = d.id(2, &hamlet_of),
                subject = d.id(3, "s.n"),
                hamlet = d.id(1, &hamlet_of),
                version = set.version,
                sha = set.sha256(),
                code = d.pad7("s.n"),
            ),
            n,
            &format!("{name_joins} JOIN bench_communes bc ON bc.i = ({hamlet_of} - 1) / {hpc}"),
        ),
    )
    .await;
    rows += n as u64;
    step(&format!("{n} assessments"), t);

    // The returns' thread of the returned ones; evidence of one in five (blob rows for all but
    // one in a thousand: "missing evidence"), photo facts (flagged ones taken in 2024).
    let t = Instant::now();
    let seq0 = h + 4 * n;
    exec(
        &mut conn,
        &d.series_insert(
            "assessment_returns (id, assessment_id, device_id, comment, reviewer, returned_at, seq)",
            &format!(
                "{}, {}, {}, 'Ảnh minh chứng chưa rõ, đề nghị chụp lại', 'Cán bộ xã',
                 '2026-10-01T02:00:00.000Z', {seq0} + s.n",
                d.id(8, "s.n"),
                d.id(7, "s.n"),
                d.id(2, &hamlet_of)
            ),
            n,
            "WHERE (s.n * 13) % 100 >= 60 AND (s.n * 13) % 100 < 65",
        ),
    )
    .await;
    exec(
        &mut conn,
        &d.series_insert(
            "blobs (sha256, bytes, complete, created_at, completed_at)",
            &format!("{}, 306000, 1, '{created}', '{created}'", d.hex64("s.n")),
            n,
            "WHERE s.n % 5 = 0 AND s.n % 1000 <> 0",
        ),
    )
    .await;
    exec(
        &mut conn,
        &d.series_insert(
            "assessment_evidence (assessment_id, sha256)",
            &format!("{}, {}", d.id(7, "s.n"), d.hex64("s.n")),
            n,
            "WHERE s.n % 5 = 0",
        ),
    )
    .await;
    exec(
        &mut conn,
        &d.series_insert(
            "blob_holders (sha256, device_id, created_at)",
            &format!("{}, {}, '{created}'", d.hex64("s.n"), d.id(2, &hamlet_of)),
            n,
            "WHERE s.n % 5 = 0",
        ),
    )
    .await;
    exec(
        &mut conn,
        &d.series_insert(
            "assessment_photo_facts (assessment_id, sha256, taken_at, gps_lat, gps_lon, attached_at)",
            &format!(
                "{}, {}, CASE WHEN s.n % 35 = 0 THEN '2024-05-01T08:00:00+07:00'
                     ELSE '2026-06-01T08:00:00+07:00' END, NULL, NULL, '2026-06-01T08:05:00+07:00'",
                d.id(7, "s.n"),
                d.hex64("s.n")
            ),
            n,
            "WHERE s.n % 5 = 0",
        ),
    )
    .await;
    let returned = sqlx::query("SELECT COUNT(*) FROM assessment_returns")
        .fetch_one(&mut *conn)
        .await
        .expect("count")
        .get::<i64, _>(0);
    rows += returned as u64 + 4 * (n as u64 / 5);
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'seq'")
        .bind((seq0 + n) as i64)
        .execute(&mut *conn)
        .await
        .expect("counter");
    step("returns, evidence, blobs, photo facts", t);

    // Real canonical content for the assessments the dossier bench opens.
    let t = Instant::now();
    for k in dossier_numbers(n) {
        real_content(&mut conn, &d, k).await;
    }
    step(&format!("{DOSSIERS} dossiers with real content"), t);

    exec(&mut conn, "DROP TABLE bench_names").await;
    exec(&mut conn, "DROP TABLE bench_communes").await;
    let t = Instant::now();
    exec(&mut conn, "ANALYZE").await;
    step("ANALYZE", t);
    rows
}

/// Household numbers whose assessment gets real content: spread over the data, none with
/// evidence (n % 5 ≠ 0).
fn dossier_numbers(n: usize) -> Vec<usize> {
    let every = (n / DOSSIERS).max(1);
    (0..DOSSIERS)
        .map(|i| i * every + 1 + (i % 3))
        .filter(|&k| k <= n && k % 5 != 0)
        .collect()
}

fn fixed_id(kind: u32, n: usize) -> String {
    format!("{kind:08x}-0000-7000-8000-{n:012x}")
}

/// A finalized Gia đình học tập assessment of `household` frozen and sealed by the domain
/// crate, as a device makes one: every indicator the set holds answered (points vary with
/// `k`), the members' facts frozen with it. (The test fixtures answer every indicator, and
/// `gdht-448-2015` has indicators marked missing, which cannot be answered.)
fn freeze_household(
    id: &str,
    household: &str,
    members: Vec<MemberFacts>,
    k: usize,
) -> (
    String,
    String,
    hoctap_domain::assessment::CanonicalAssessment,
) {
    use hoctap_domain::assessment::{CanonicalAssessment, FreezeMeta};
    use hoctap_domain::criteria::AnswerKind;
    use hoctap_domain::engine::{evaluate, AnswerValue, Answers, ItemAnswer};
    use hoctap_domain::model::Points;
    use hoctap_domain::time::Stamp;
    let set = builtin_set(CRITERIA).expect("set");
    let points = 600 + (k as u32 % 5) * 100;
    let items: BTreeMap<String, ItemAnswer> = set
        .indicators()
        .filter(|i| !i.missing)
        .filter_map(|i| {
            let max = i.max.map_or(0, |m| m.0);
            let value = match &i.answer {
                AnswerKind::Points { step } => {
                    let step = step.0.max(1);
                    AnswerValue::Points(Points(points.min(max) / step * step))
                }
                AnswerKind::YesNo => AnswerValue::YesNo(true),
                AnswerKind::Derived(_) => return None,
            };
            Some((
                i.id.clone(),
                ItemAnswer {
                    value: Some(value),
                    note: None,
                    override_reason: None,
                },
            ))
        })
        .collect();
    let answers = Answers {
        year: YEAR,
        items,
        members,
        evidence: Some(BTreeMap::new()),
    };
    let evaluation = evaluate(&set, &answers).expect("answers evaluate");
    let finalized = Stamp::new(
        hoctap_domain::time::parse_rfc3339("2026-06-01T03:00:00Z").expect("time"),
        420,
    );
    let subject = Subject::new(SubjectKind::Household, household);
    let content = CanonicalAssessment::freeze(
        &FreezeMeta {
            id,
            parent_id: None,
            revision: 1,
            subject: &subject,
            model: set.model,
            year: YEAR,
            set: &set,
            created_at: &finalized.utc,
            finalized: &finalized,
        },
        &answers,
        BTreeMap::new(),
        &evaluation,
    );
    let (text, sha) = content.seal().expect("seal");
    (text, sha, content)
}

/// Freeze a real Gia đình học tập assessment of household `k` (its members from the
/// database) under the generated assessment's id, and store it with its results.
async fn real_content(conn: &mut sqlx::AnyConnection, _d: &Dialect, k: usize) {
    let household = fixed_id(3, k);
    let rows = sqlx::query(
        "SELECT name, birth_year FROM members WHERE household_id = $1 ORDER BY position",
    )
    .bind(&household)
    .fetch_all(&mut *conn)
    .await
    .expect("members");
    let members: Vec<MemberFacts> = rows
        .iter()
        .map(|r| MemberFacts {
            name: r.get::<Option<String>, _>(0),
            birth_year: r.get::<Option<i64>, _>(1).map(|y| y as i32),
            sex: None,
            schooling: None,
            literate: Some(true),
            cdht: None,
            unable_to_learn: false,
        })
        .collect();
    let id = fixed_id(7, k);
    let (text, sha, content) = freeze_household(&id, &household, members, k);
    let set = builtin_set(CRITERIA).expect("set");
    let server = content.evaluate(&set).expect("evaluate");
    sqlx::query(
        "UPDATE assessments SET content = $1, content_sha256 = $2, device_status = $3,
             device_total = $4, server_status = $5, server_total = $6, mismatch = 0
         WHERE id = $7",
    )
    .bind(&text)
    .bind(&sha)
    .bind(content.result.status.to_string())
    .bind(i64::from(content.result.total))
    .bind(server.status.to_string())
    .bind(i64::from(server.total.0))
    .bind(&id)
    .execute(&mut *conn)
    .await
    .expect("store real content");
}

// ---------------------------------------------------------------------------------------------
// One backend

struct Prepared {
    env: Env,
    size: Size,
    communes: Vec<(String, String)>,
    pg: Option<String>,
}

fn pg_url(base: &str) -> String {
    let (prefix, _) = base
        .rsplit_once('/')
        .expect("PostgreSQL URL ends with /dbname");
    format!("{prefix}/{PG_DATABASE}")
}

fn block_on<F: std::future::Future>(rt: &tokio::runtime::Runtime, f: F) -> F::Output {
    rt.block_on(f)
}

fn size_tag(size: Size) -> String {
    format!(
        "v1:{}x{}x{}",
        size.communes, size.hamlets_per_commune, size.households
    )
}

fn prepare(cfg: &Config, backend: Backend, rt: &tokio::runtime::Runtime) -> Option<Prepared> {
    let (env, pg) = match backend {
        Backend::Sqlite => {
            let (tmp, data) = if cfg.reuse {
                let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../target/bench-data/backoffice-sqlite");
                std::fs::create_dir_all(&dir).expect("bench data dir");
                (None, dir)
            } else {
                let t = tempfile::tempdir().expect("tempdir");
                let p = t.path().to_path_buf();
                (Some(t), p)
            };
            let url = hoctap_server::db::sqlite_url(&data);
            (
                Env {
                    data,
                    url,
                    _tmp: tmp,
                },
                None,
            )
        }
        Backend::Postgres => {
            let base = cfg.pg_base.clone()?;
            let tmp = tempfile::tempdir().expect("tempdir");
            let data = tmp.path().to_path_buf();
            (
                Env {
                    data,
                    url: pg_url(&base),
                    _tmp: Some(tmp),
                },
                Some(base),
            )
        }
    };
    // The province's communes, from the server itself.
    let units = env_units(&env);
    let probe_size = cfg.size(backend, units.len());
    let tag = size_tag(probe_size);
    let reusable = cfg.reuse
        && block_on(rt, async {
            match &pg {
                Some(base) => {
                    // Only a database that exists can be reused.
                    let Ok(db) = Db::open(&pg_url(base)).await else {
                        return false;
                    };
                    db.setting("bench_generated").await.ok().flatten() == Some(tag.clone())
                }
                None => match Db::open(&env.url).await {
                    Ok(db) => {
                        db.setting("bench_generated").await.ok().flatten() == Some(tag.clone())
                    }
                    Err(_) => false,
                },
            }
        });
    let size = probe_size;
    println!(
        "\n== {}: {} communes × {} hamlets, {} households{}",
        backend.name(),
        size.communes,
        size.hamlets_per_commune,
        size.households,
        if reusable { " (reused)" } else { "" }
    );
    if !reusable {
        match &pg {
            Some(base) => block_on(rt, async {
                hoctap_server::db::scratch::drop(base, PG_DATABASE)
                    .await
                    .expect("drop bench db");
                hoctap_server::db::scratch::create(base, PG_DATABASE)
                    .await
                    .expect("create bench db");
            }),
            None => {
                for f in ["server.db", "server.db-wal", "server.db-shm"] {
                    let _ = std::fs::remove_file(env.data.join(f));
                }
            }
        }
        let t = Instant::now();
        env.admin(&["init", "--province", PROVINCE], None)
            .expect("admin init");
        println!(
            "    {:<44} {:>7.1} s",
            "admin init (migrations)",
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let rows = block_on(rt, async {
            let db = Db::open(&env.url).await.expect("open");
            let rows = generate(&db, backend, size, &units).await;
            db.set_setting("bench_generated", &tag).await.expect("tag");
            db.pool.close().await;
            rows
        });
        let secs = t.elapsed().as_secs_f64();
        println!(
            "  generated {rows} rows in {secs:.1} s ({:.0} rows/s){}",
            rows as f64 / secs,
            match backend {
                Backend::Sqlite => String::new(),
                Backend::Postgres => String::new(),
            }
        );
        // Staff (the real command: argon2id hash and all), and the province's targets.
        let commune = units[0].0.clone();
        env.admin(
            &["user", "add", "bench-tinh", "--role", "province_admin"],
            Some(PASSWORD),
        )
        .expect("add province admin");
        env.admin(
            &[
                "user",
                "add",
                "bench-xa",
                "--role",
                "commune_reviewer",
                "--commune",
                &commune,
            ],
            Some(PASSWORD),
        )
        .expect("add commune reviewer");
        let targets = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../criteria/targets/25-phu-tho-1767.toml");
        if let Err(e) = env.admin(&["targets", "load", &targets.display().to_string()], None) {
            println!("  (targets not loaded: {})", e.trim());
        }
    }
    Some(Prepared {
        env,
        size,
        communes: units,
        pg,
    })
}

fn env_units(env: &Env) -> Vec<(String, String)> {
    let out = Command::new(bin())
        .args(["admin", "units", "--province", PROVINCE, "--json"])
        .output()
        .expect("admin units");
    assert!(
        out.status.success(),
        "admin units: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = env;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("units JSON");
    let list = v
        .as_array()
        .cloned()
        .or_else(|| v["communes"].as_array().cloned())
        .expect("a list of communes");
    list.iter()
        .map(|c| {
            let code = c["code"]
                .as_str()
                .or_else(|| c["commune_code"].as_str())
                .expect("code");
            let name = c["name"]
                .as_str()
                .or_else(|| c["commune_name"].as_str())
                .unwrap_or("");
            (code.to_string(), name.to_string())
        })
        .collect()
}

/// Queue filters measured on both layers: (label, filter, sort, query string).
fn queue_cases(commune: &str, q_name: &str, q_code: &str) -> Vec<(String, Filter, Sort, String)> {
    let f = Filter::default;
    vec![
        ("none".into(), f(), Sort::Newest, String::new()),
        (
            "model=gia_dinh".into(),
            Filter {
                model: Some(Model::GiaDinh),
                ..f()
            },
            Sort::Newest,
            "model=gia_dinh".into(),
        ),
        (
            "year=2026".into(),
            Filter {
                year: Some(YEAR),
                ..f()
            },
            Sort::Newest,
            format!("year={YEAR}"),
        ),
        (
            "state=received".into(),
            Filter {
                state: Some(ReviewState::Received),
                ..f()
            },
            Sort::Newest,
            "state=received".into(),
        ),
        (
            "mismatch".into(),
            Filter {
                mismatch: true,
                ..f()
            },
            Sort::Newest,
            "mismatch=1".into(),
        ),
        (
            "flagged".into(),
            Filter {
                flagged: true,
                ..f()
            },
            Sort::Newest,
            "flagged=1".into(),
        ),
        (
            "missing evidence".into(),
            Filter {
                missing_evidence: true,
                ..f()
            },
            Sort::Newest,
            "missing=1".into(),
        ),
        (
            "ever returned".into(),
            Filter {
                ever_returned: true,
                ..f()
            },
            Sort::Newest,
            "returned=1".into(),
        ),
        (
            format!("q={q_name}"),
            Filter {
                q: Some(q_name.into()),
                ..f()
            },
            Sort::Newest,
            format!("q={}", form_encode(q_name)),
        ),
        (
            format!("q={q_code} (roster code)"),
            Filter {
                q: Some(q_code.into()),
                ..f()
            },
            Sort::Newest,
            format!("q={}", form_encode(q_code)),
        ),
        (
            format!("commune={commune}"),
            Filter {
                commune: Some(commune.into()),
                ..f()
            },
            Sort::Newest,
            format!("commune={commune}"),
        ),
        (
            format!("commune={commune} state=received model year"),
            Filter {
                commune: Some(commune.into()),
                state: Some(ReviewState::Received),
                model: Some(Model::GiaDinh),
                year: Some(YEAR),
                ..f()
            },
            Sort::Newest,
            format!("commune={commune}&state=received&model=gia_dinh&year={YEAR}"),
        ),
        (
            "sort=oldest".into(),
            f(),
            Sort::Oldest,
            "sort=oldest".into(),
        ),
        ("sort=name".into(), f(), Sort::Name, "sort=name".into()),
        (
            "sort=score_low".into(),
            f(),
            Sort::ScoreLow,
            "sort=score_low".into(),
        ),
    ]
}

fn run_backend(cfg: &Config, backend: Backend, table: &mut Table) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let name = backend.name();
    let Some(p) = prepare(cfg, backend, &rt) else {
        table.skip(
            name,
            "all",
            "every measure",
            "HOCTAP_BENCH_PG_URL / HOCTAP_TEST_PG_URL not set",
        );
        return;
    };
    let reps = cfg.reps;
    let n = p.size.households;
    let commune = p.communes[0].0.clone();
    let other_commune = p.communes[p.size.communes / 2].0.clone();
    let province = Scope {
        province: PROVINCE.into(),
        commune: None,
    };
    let commune_scope = Scope {
        province: PROVINCE.into(),
        commune: Some(commune.clone()),
    };
    // A name three parts long present in the data, and a roster-code fragment.
    let q_name = fold(&format!("{} {} {}", FAMILY[0], MIDDLE[0], GIVEN[10]));
    let q_code = format!("hk{:07}", n / 2 + 3);
    let cases = queue_cases(&other_commune, &q_name, &q_code);

    println!("  load average before measuring: {}", loadavg());
    let db = block_on(&rt, Db::open(&p.env.url)).expect("open database");
    let counts = block_on(&rt, async {
        let mut out = BTreeMap::new();
        for (label, filter, _, _) in &cases {
            out.insert(
                label.clone(),
                review::count(&db, &province, filter).await.expect("count"),
            );
        }
        out
    });
    println!("  rows per filter (province): {counts:?}");

    // A cursor from the middle of the data (newest first), and the ids the dossier opens.
    let middle = block_on(&rt, async {
        let r = sqlx::query(
            "SELECT received_at, id FROM assessments WHERE superseded = 0
             ORDER BY received_at DESC, id DESC LIMIT 1 OFFSET $1",
        )
        .bind((n / 2) as i64)
        .fetch_one(&db.pool)
        .await
        .expect("middle row");
        Cursor {
            key: r.get(0),
            id: r.get(1),
        }
    });
    let dossiers: Vec<String> = dossier_numbers(n)
        .into_iter()
        .map(|k| fixed_id(7, k))
        .collect();
    let commune_dossiers: Vec<String> = block_on(&rt, async {
        sqlx::query("SELECT id FROM assessments WHERE commune_code = $1 ORDER BY id LIMIT 50")
            .bind(&commune)
            .fetch_all(&db.pool)
            .await
            .expect("commune ids")
            .iter()
            .map(|r| r.get(0))
            .collect()
    });

    // ---- Database functions, in this process
    if cfg.part("db") {
        println!("  -- database functions (hoctap_server::db), in the bench process");
        let targets = block_on(&rt, TargetBook::load(&db, PROVINCE)).expect("targets");
        let s = time_reps(reps.min(10), |_| {
            block_on(
                &rt,
                hoctap_server::db::reports::report(&db, &province, YEAR, &targets),
            )
            .expect("report");
        });
        table.latency(
            name,
            "db",
            "reports::report, province, counted afresh (what a background refresh costs; pages serve kept figures)",
            &s,
            REPORT_TARGET_MS,
        );
        let s = time_reps(reps, |_| {
            block_on(
                &rt,
                hoctap_server::db::reports::report(&db, &commune_scope, YEAR, &targets),
            )
            .expect("report");
        });
        table.latency(
            name,
            "db",
            "reports::report, one commune, counted afresh",
            &s,
            PAGE_TARGET_MS,
        );
        for (label, filter, sort, _) in &cases {
            let s = time_reps(reps, |_| {
                block_on(
                    &rt,
                    review::page(&db, &province, filter, *sort, &PageAt::First),
                )
                .expect("page");
            });
            table.latency(
                name,
                "db",
                &format!("queue page 1, province, {label}"),
                &s,
                PAGE_TARGET_MS,
            );
        }
        for (label, filter) in [
            ("none", Filter::default()),
            (
                "state=received",
                Filter {
                    state: Some(ReviewState::Received),
                    ..Filter::default()
                },
            ),
        ] {
            let s = time_reps(reps, |_| {
                block_on(&rt, review::count(&db, &province, &filter)).expect("count");
            });
            table.latency(
                name,
                "db",
                &format!("queue count, province, {label}, counted afresh (pages keep it per data version)"),
                &s,
                PAGE_TARGET_MS,
            );
        }
        for (label, filter) in [
            ("none", Filter::default()),
            (
                &*format!("q={q_name}"),
                Filter {
                    q: Some(q_name.clone()),
                    ..Filter::default()
                },
            ),
        ] {
            let s = time_reps(reps, |_| {
                block_on(
                    &rt,
                    review::page(&db, &commune_scope, &filter, Sort::Newest, &PageAt::First),
                )
                .expect("page");
            });
            table.latency(
                name,
                "db",
                &format!("queue page 1, commune reviewer, {label}"),
                &s,
                PAGE_TARGET_MS,
            );
        }
        // Deep pages: follow the next cursors.
        let mut at = PageAt::First;
        let mut samples = Vec::new();
        let mut first = Duration::ZERO;
        let start = Instant::now();
        for i in 0..=reps {
            if i > 5 && start.elapsed() > budget() {
                break;
            }
            let t = Instant::now();
            let page = block_on(
                &rt,
                review::page(&db, &province, &Filter::default(), Sort::Newest, &at),
            )
            .expect("page");
            let d = t.elapsed();
            if i == 0 {
                first = d
            } else {
                samples.push(d)
            }
            match page.next {
                Some(c) => at = PageAt::After(c),
                None => break,
            }
        }
        table.latency(
            name,
            "db",
            &format!("queue pages 2..{}, following next cursors", reps + 1),
            &stats(first, samples),
            PAGE_TARGET_MS,
        );
        let mid = PageAt::After(middle.clone());
        let s = time_reps(reps, |_| {
            block_on(
                &rt,
                review::page(&db, &province, &Filter::default(), Sort::Newest, &mid),
            )
            .expect("page");
        });
        table.latency(
            name,
            "db",
            &format!("queue page after a mid-data cursor (row {})", n / 2),
            &s,
            PAGE_TARGET_MS,
        );
        let s = time_reps(reps, |i| {
            let id = &dossiers[i % dossiers.len()];
            assert!(
                block_on(&rt, review::dossier(&db, id))
                    .expect("dossier")
                    .is_some(),
                "dossier {id}"
            );
        });
        table.latency(
            name,
            "db",
            "review::dossier (the dossier's row)",
            &s,
            PAGE_TARGET_MS,
        );
        let back = PageAt::Before(middle.clone());
        let s = time_reps(reps, |_| {
            block_on(
                &rt,
                review::page(&db, &province, &Filter::default(), Sort::Newest, &back),
            )
            .expect("page");
        });
        table.latency(
            name,
            "db",
            "queue page before a mid-data cursor (previous)",
            &s,
            PAGE_TARGET_MS,
        );
        // The export read loop: every row of the province in slices, one connection.
        let (rows, secs, complete) = block_on(&rt, async {
            let mut conn = db.pool.acquire().await.expect("conn");
            let t = Instant::now();
            let mut after: Option<Cursor> = None;
            let mut rows = 0usize;
            let mut complete = true;
            loop {
                if t.elapsed() > export_budget() {
                    complete = false;
                    break;
                }
                let slice = review::export_slice(
                    &mut conn,
                    &province,
                    &Filter::default(),
                    after.as_ref(),
                    EXPORT_SLICE,
                )
                .await
                .expect("slice");
                rows += slice.len();
                match slice.last() {
                    Some(r) if slice.len() == EXPORT_SLICE as usize => {
                        after = Some(Cursor {
                            key: r.received_at.clone(),
                            id: r.id.clone(),
                        })
                    }
                    _ => break,
                }
            }
            (rows, t.elapsed().as_secs_f64(), complete)
        });
        let per_sec = rows as f64 / secs;
        table.figure(
            name,
            "db",
            "export read loop (review::export_slice, 5000-row slices)",
            format!(
                "{rows} rows in {secs:.2} s = {per_sec:.0} rows/s{}",
                if complete {
                    String::new()
                } else {
                    format!(
                        " (stopped after {} s of {n}; whole province ≈ {:.0} s)",
                        export_budget().as_secs(),
                        n as f64 / per_sec
                    )
                }
            ),
            format!("≥ {EXPORT_TARGET_ROWS_PER_SEC:.0} rows/s"),
            format!("{:.2}", EXPORT_TARGET_ROWS_PER_SEC / per_sec),
            if per_sec >= EXPORT_TARGET_ROWS_PER_SEC {
                "OK"
            } else {
                "OVER"
            },
        );
    }
    block_on(&rt, db.pool.close());

    // ---- HTTP against the release server
    println!("  -- HTTP, release server (hoctap-server serve)");
    let server = p.env.serve();
    let mut probe = Http::new(&server.addr);
    let login_page = probe.get("/login");
    if login_page.status == 404 {
        table.skip(
            name,
            "http",
            "every page",
            "the web routes are not in this build (GET /login → 404)",
        );
        finish(cfg, &p, &rt);
        return;
    }
    let mut admin = Http::new(&server.addr);
    if let Err(e) = admin.login("bench-tinh", PASSWORD) {
        table.skip(
            name,
            "http",
            "every page",
            &format!("province admin login failed: {e}"),
        );
        finish(cfg, &p, &rt);
        return;
    }
    let mut reviewer = Http::new(&server.addr);
    if let Err(e) = reviewer.login("bench-xa", PASSWORD) {
        println!("  commune reviewer login failed: {e}");
    }
    if cfg.part("http") {
        let page = |client: &mut Http, path: &str, label: &str, target: f64, table: &mut Table| {
            let mut status = 0;
            let mut bytes = 0;
            let s = time_reps(reps, |_| {
                let r = client.get(path);
                status = r.status;
                bytes = r.bytes;
            });
            if status == 200 {
                table.latency(
                    name,
                    "http",
                    &format!("{label} ({} KB)", bytes / 1024),
                    &s,
                    target,
                );
            } else {
                table.skip(name, "http", label, &format!("GET {path} → {status}"));
            }
        };
        page(
            &mut admin,
            &format!("/dashboard?year={YEAR}"),
            "GET /dashboard, province admin",
            PAGE_TARGET_MS,
            table,
        );
        page(
            &mut reviewer,
            &format!("/dashboard?year={YEAR}"),
            "GET /dashboard, commune reviewer",
            PAGE_TARGET_MS,
            table,
        );
        page(
            &mut admin,
            &format!("/reports?year={YEAR}"),
            "GET /reports, province report",
            REPORT_TARGET_MS,
            table,
        );
        page(
            &mut admin,
            &format!("/api/v1/staff/report?year={YEAR}"),
            "GET /api/v1/staff/report, province",
            REPORT_TARGET_MS,
            table,
        );
        page(
            &mut reviewer,
            &format!("/reports?year={YEAR}"),
            "GET /reports, commune reviewer",
            PAGE_TARGET_MS,
            table,
        );
        for (label, _, _, qs) in &cases {
            let path = if qs.is_empty() {
                "/queue".to_string()
            } else {
                format!("/queue?{qs}")
            };
            page(
                &mut admin,
                &path,
                &format!("GET /queue, province, {label}"),
                PAGE_TARGET_MS,
                table,
            );
        }
        page(
            &mut reviewer,
            "/queue",
            "GET /queue, commune reviewer, none",
            PAGE_TARGET_MS,
            table,
        );
        page(
            &mut reviewer,
            &format!("/queue?q={}", form_encode(&q_name)),
            &format!("GET /queue, commune reviewer, q={q_name}"),
            PAGE_TARGET_MS,
            table,
        );
        // Deep pages through the page's own next links.
        let mut path = "/queue".to_string();
        let mut samples = Vec::new();
        let mut first = Duration::ZERO;
        let mut followed = 0;
        let start = Instant::now();
        for i in 0..=reps {
            if i > 5 && start.elapsed() > budget() {
                break;
            }
            let t = Instant::now();
            let r = admin.get(&path);
            let d = t.elapsed();
            if i == 0 {
                first = d
            } else {
                samples.push(d)
            }
            match next_link(&r.text()) {
                Some(next) => {
                    path = next;
                    followed += 1;
                }
                None => break,
            }
        }
        if followed > 0 {
            table.latency(
                name,
                "http",
                &format!(
                    "GET /queue pages 2..{}, following next links",
                    samples.len() + 1
                ),
                &stats(first, samples),
                PAGE_TARGET_MS,
            );
        } else {
            table.skip(
                name,
                "http",
                "GET /queue next links",
                "no link with after= on the first page",
            );
        }
        page(
            &mut admin,
            &format!("/queue?after={}", form_encode(&middle.encode())),
            &format!("GET /queue?after=<mid-data cursor, row {}>", n / 2),
            PAGE_TARGET_MS,
            table,
        );
        page(
            &mut admin,
            &format!(
                "/queue?q={}&after={}",
                form_encode(&q_name),
                form_encode(&middle.encode())
            ),
            "GET /queue?q=…&after=<mid-data cursor>",
            PAGE_TARGET_MS,
            table,
        );
        // Dossiers: a different assessment each time.
        for (client, ids, label) in [
            (
                &mut admin,
                &dossiers,
                "GET /assessments/{id}, province admin (real content)",
            ),
            (
                &mut reviewer,
                &commune_dossiers,
                "GET /assessments/{id}, commune reviewer",
            ),
        ] {
            if ids.is_empty() {
                continue;
            }
            let mut status = 0;
            let mut bytes = 0;
            let s = time_reps(reps, |i| {
                let r = client.get(&format!("/assessments/{}", ids[i % ids.len()]));
                status = r.status;
                bytes = r.bytes;
            });
            if status == 200 {
                table.latency(
                    name,
                    "http",
                    &format!("{label} ({} KB)", bytes / 1024),
                    &s,
                    PAGE_TARGET_MS,
                );
            } else {
                table.skip(name, "http", label, &format!("→ {status}"));
            }
        }
    }
    // Exports of the whole province, with the server's memory.
    for (path, what) in [
        ("/exports/queue.csv", "CSV"),
        ("/exports/queue.xlsx", "XLSX"),
    ] {
        if cfg.part("exports") {
            export(&server, &mut admin, path, what, n, name, table);
        }
    }
    drop(server);
    println!("  load average after measuring: {}", loadavg());
    finish(cfg, &p, &rt);
}

fn export(
    server: &Server,
    client: &mut Http,
    path: &str,
    what: &str,
    expected: usize,
    name: &str,
    table: &mut Table,
) {
    let pid = server.pid();
    let rss_before = proc_kib(pid, "VmRSS");
    let hwm_before = proc_kib(pid, "VmHWM");
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(rss_before));
    let sampler = {
        let stop = stop.clone();
        let peak = peak.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(proc_kib(pid, "VmRSS"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    // A fresh connection that gives up when nothing arrives within the budget (a workbook
    // sends its first byte only after its last row).
    client.conn = None;
    client.timeout = Some(export_budget() + Duration::from_secs(5));
    let mut newlines = 0u64;
    let mut first_byte: Option<Duration> = None;
    let t = Instant::now();
    let r = client.request("GET", path, None, &mut |piece| {
        if first_byte.is_none() && !piece.is_empty() {
            first_byte = Some(t.elapsed());
        }
        newlines += piece.iter().filter(|&&b| b == b'\n').count() as u64;
        if t.elapsed() > export_budget() {
            Piece::Stop
        } else {
            Piece::Count
        }
    });
    let secs = t.elapsed().as_secs_f64();
    client.timeout = None;
    client.conn = None;
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let hwm_after = proc_kib(pid, "VmHWM");
    if r.status != 200 && !(r.status == 0 && r.stopped) {
        table.skip(
            name,
            "http",
            &format!("export {what} (GET {path})"),
            &format!("→ {}", r.status),
        );
        return;
    }
    println!(
        "    {what}: {} ({})",
        r.header("content-type").unwrap_or("?"),
        r.header("content-disposition").unwrap_or("")
    );
    // CSV: one line a row after the header; XLSX: the rows the filter selects.
    let rows = if what == "CSV" {
        newlines.saturating_sub(1) as f64
    } else if r.stopped {
        // A workbook is sent once its last row is written: nothing countable before that.
        0.0
    } else {
        expected as f64
    };
    let per_sec = rows / secs;
    let note = if !r.stopped {
        String::new()
    } else if rows > 0.0 {
        format!(
            " — stopped after {:.0} s of {expected} rows; whole province ≈ {:.0} s",
            secs,
            expected as f64 / per_sec
        )
    } else {
        format!(
            " — no byte in {secs:.0} s (the workbook is sent after its last row), so < {:.0} rows/s",
            expected as f64 / secs
        )
    };
    if r.stopped {
        // Let the server notice the closed connection and end its read before the next measure.
        std::thread::sleep(Duration::from_secs(5));
    }
    let peak_mib = peak.load(Ordering::Relaxed) as f64 / 1024.0;
    let kobo = KOBO_ROWS / KOBO_SECS;
    table.figure(
        name,
        "http",
        &format!("export {what}, whole province (GET {path})"),
        format!(
            "{rows:.0} rows, {:.1} MB in {secs:.1} s = {per_sec:.0} rows/s (first byte {}; {:.0}× Kobo's {kobo:.0} rows/s){note}",
            r.bytes as f64 / 1e6,
            first_byte.map_or("none".to_string(), |d| format!("{:.0} ms", d.as_secs_f64() * 1000.0)),
            per_sec / kobo
        ),
        format!("≥ {EXPORT_TARGET_ROWS_PER_SEC:.0} rows/s"),
        format!("{:.2}", EXPORT_TARGET_ROWS_PER_SEC / per_sec),
        if per_sec >= EXPORT_TARGET_ROWS_PER_SEC { "OK" } else { "OVER" },
    );
    table.figure(
        name,
        "http",
        &format!("server memory during the {what} export"),
        format!(
            "VmRSS {:.0} MiB before, peak {peak_mib:.0} MiB (sampled 10 ms); VmHWM {:.0} → {:.0} MiB",
            rss_before as f64 / 1024.0,
            hwm_before as f64 / 1024.0,
            hwm_after as f64 / 1024.0
        ),
        format!("≤ {EXPORT_TARGET_MIB:.0} MiB"),
        format!("{:.2}", peak_mib / EXPORT_TARGET_MIB),
        if peak_mib <= EXPORT_TARGET_MIB { "OK" } else { "OVER" },
    );
}

fn finish(cfg: &Config, p: &Prepared, rt: &tokio::runtime::Runtime) {
    if cfg.reuse {
        println!(
            "  (database kept for HOCTAP_BO_REUSE=1: {})",
            redact(&p.env.url)
        );
        return;
    }
    if let Some(base) = &p.pg {
        let _ = block_on(rt, hoctap_server::db::scratch::drop(base, PG_DATABASE));
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(a)) if a > s => format!("{}://…@{}", &url[..s], &url[a + 1..]),
        _ => url.to_string(),
    }
}

/// The 1, 5 and 15-minute load averages (other work on the machine shows in the figures).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn disk_free(path: &Path) -> String {
    Command::new("df")
        .args(["-h", "--output=avail"])
        .arg(path)
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

fn main() {
    let cfg = Config::from_env();
    println!(
        "Back-office benchmark ({}): {} repetitions a measure; {} cores; disk free {}",
        if cfg.quick { "quick" } else { "full" },
        cfg.reps,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        disk_free(Path::new("/"))
    );
    let mut table = Table::default();
    for backend in cfg.backends.clone() {
        if backend == Backend::Postgres && cfg.pg_base.is_none() {
            table.skip(
                "PostgreSQL",
                "all",
                "every measure",
                "HOCTAP_BENCH_PG_URL / HOCTAP_TEST_PG_URL not set",
            );
            continue;
        }
        run_backend(&cfg, backend, &mut table);
    }
    table.print();
}
