//! Sync benchmarks (`scripts/bench-sync`): figures for the sync issue, printed, never asserted.
//!
//! 1. **Ingest with re-scoring**: N real finalized assessments made with the device store (not
//!    timed) are uploaded in batches over loopback to the release server (`hoctap-server-e2e`,
//!    the server's own entry point built in this package), by one client and by
//!    several concurrent clients, on SQLite and on PostgreSQL (`HOCTAP_BENCH_PG_URL`, else
//!    `HOCTAP_TEST_PG_URL`). References measured in the same run: a bare `INSERT` of the same
//!    rows in the same batches through the same backend (sqlx `AnyPool`, one transaction per
//!    batch) and the domain's parse + `evaluate` alone; ODK Central's published ~41
//!    submissions/s on a 2 GB server is printed beside them as a constant.
//! 2. **Wire overhead**: a device with real photos syncs through a counting proxy that splits
//!    the upstream byte stream into HTTP requests: bytes sent ÷ (photo bytes + manifest content
//!    bytes), with what the overhead is made of.
//! 3. **Slow, lossy link**: `tc netem rate 256kbit delay 300ms loss 2%` on a veth pair into a
//!    network namespace holding the server (root and `ip netns` needed); otherwise a shaping
//!    proxy (256 kbit/s token bucket + 300 ms delay, no loss). Upload time ÷ (payload ÷ bandwidth).
//! 4. **Resume after a cut**: the proxy cuts the connection in the middle of a large photo;
//!    bytes of photo sent again vs the chunk size.
//!
//! Environment: `HOCTAP_BENCH_ONLY=5` (only the listed parts, comma-separated),
//! `HOCTAP_BENCH_QUICK=1` (small sizes, no netem), `HOCTAP_BENCH_N` (assessments
//! for ingest, default 5,000), `HOCTAP_BENCH_BATCH` (default 100), `HOCTAP_BENCH_CLIENTS`
//! (default 4), `HOCTAP_BENCH_NETEM=0` (never try netem), `HOCTAP_BENCH_SERVER_BIN` (another
//! server binary to measure, e.g. an older release build).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_device::Device;
use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::engine::{AnswerValue, ItemAnswer};
use hoctap_domain::model::{Points, Subject, SubjectKind};
use hoctap_domain::protocol::{
    BatchRequest, BatchResponse, EntryStatus, HouseholdRecord, ManifestEntry, MemberRecord,
};
use hoctap_evidence::{IngestOptions, PhotoSource};
use hoctap_store::households::{NewHousehold, NewMember};
use hoctap_store::units::NewHamlet;
use hoctap_store::Store;
use hoctap_sync::run::NoProgress;
use hoctap_sync::{
    CancelHandle, HttpRequest, Method, Outcome, ReqwestTransport, RetryPolicy, RunResult,
    SyncOptions, Transport,
};
use hoctap_test_support::pg;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// The server binary: `HOCTAP_BENCH_SERVER_BIN` (to compare builds), else the one cargo built
/// (`hoctap-server-e2e`, the server's own entry point rebuilt in this package).
fn bin() -> String {
    std::env::var("HOCTAP_BENCH_SERVER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_hoctap-server-e2e").to_string())
}
/// ODK Central's published figure: ~41 submissions/s on a 2 GB server.
const ODK_CENTRAL_PER_SEC: f64 = 41.0;
const INGEST_TARGET: f64 = 2000.0;
const WIRE_TARGET: f64 = 1.05;
const SLOW_TARGET: f64 = 1.3;
const LINK_BITS_PER_SEC: f64 = 256_000.0;
const LINK_DELAY: Duration = Duration::from_millis(300);

// ---------------------------------------------------------------------------------------------
// Settings and the final table

struct Config {
    quick: bool,
    n: usize,
    batch: usize,
    clients: usize,
    pg_url: Option<String>,
    netem: bool,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&v: &usize| v > 0)
        .unwrap_or(default)
}

impl Config {
    fn from_env() -> Config {
        let quick = std::env::var("HOCTAP_BENCH_QUICK").is_ok_and(|v| v == "1");
        Config {
            quick,
            n: if quick {
                500
            } else {
                env_usize("HOCTAP_BENCH_N", 5000)
            },
            batch: env_usize("HOCTAP_BENCH_BATCH", 100).clamp(1, 1000),
            clients: env_usize("HOCTAP_BENCH_CLIENTS", 4).clamp(1, 16),
            pg_url: std::env::var("HOCTAP_BENCH_PG_URL")
                .ok()
                .or_else(|| std::env::var("HOCTAP_TEST_PG_URL").ok())
                .filter(|u| !u.is_empty()),
            netem: !quick && std::env::var("HOCTAP_BENCH_NETEM").map_or(true, |v| v != "0"),
        }
    }
}

struct Row {
    measure: String,
    ours: String,
    target: String,
    reference: String,
    ratio: String,
    ok: Option<bool>,
}

#[derive(Default)]
struct Table(Vec<Row>);

impl Table {
    fn add(
        &mut self,
        measure: &str,
        ours: String,
        target: &str,
        reference: String,
        ratio: f64,
        ok: bool,
    ) {
        self.0.push(Row {
            measure: measure.into(),
            ours,
            target: target.into(),
            reference,
            ratio: format!("{ratio:.2}"),
            ok: Some(ok),
        });
    }

    fn skip(&mut self, measure: &str, why: &str) {
        self.0.push(Row {
            measure: measure.into(),
            ours: "—".into(),
            target: "—".into(),
            reference: why.into(),
            ratio: "—".into(),
            ok: None,
        });
    }

    fn print(&self) {
        println!("\n| measure | ours | target | reference | ratio | OK/OVER |");
        println!("|---|---|---|---|---|---|");
        for r in &self.0 {
            let ok = match r.ok {
                Some(true) => "OK",
                Some(false) => "OVER",
                None if r.ours == "—" => "skipped",
                None => "reference",
            };
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                r.measure, r.ours, r.target, r.reference, r.ratio, ok
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The server under test

/// A data directory, optionally a PostgreSQL database (dropped on drop), and the admin CLI.
struct ServerEnv {
    dir: tempfile::TempDir,
    database: Option<String>,
    pg: Option<(String, String)>,
}

impl Drop for ServerEnv {
    fn drop(&mut self) {
        if let Some((name, base)) = &self.pg {
            pg::drop_pg_database(base, name);
        }
    }
}

impl ServerEnv {
    fn new(pg_base: Option<&str>) -> ServerEnv {
        let dir = tempfile::tempdir().expect("server tempdir");
        let (database, pg) = match pg_base {
            None => (None, None),
            Some(base) => {
                let (name, url) = pg::create_pg_database(base, "hoctap_bench");
                (Some(url), Some((name, base.to_string())))
            }
        };
        let env = ServerEnv { dir, database, pg };
        env.admin_plain(&["init", "--province", "25", "--commune", "04831"]);
        env
    }

    fn base_args(&self) -> Vec<String> {
        let mut args = vec!["--data".to_string(), self.dir.path().display().to_string()];
        if let Some(db) = &self.database {
            args.push("--database".into());
            args.push(db.clone());
        }
        args
    }

    /// An admin command with `--json` that must succeed.
    fn admin(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        self.admin_plain(&args)
    }

    /// An admin command that must succeed; its stdout as JSON (`Null` if it is not JSON).
    fn admin_plain(&self, args: &[&str]) -> serde_json::Value {
        let out = Command::new(bin())
            .arg("admin")
            .args(self.base_args())
            .args(args)
            .env_remove("HOCTAP_DATABASE_URL")
            .output()
            .expect("run hoctap-server admin");
        assert!(
            out.status.success(),
            "admin {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }

    fn hamlet(&self, name: &str) -> String {
        self.admin(&["hamlet", "add", name])["id"]
            .as_str()
            .expect("hamlet id")
            .to_string()
    }

    fn enroll_code(&self, hamlet: &str) -> String {
        self.admin(&["enroll-code", "--hamlet", hamlet])["code"]
            .as_str()
            .expect("enroll code")
            .to_string()
    }

    /// Start `serve` (optionally prefixed, e.g. by `ip netns exec NS`) listening on `listen`.
    fn serve(&self, prefix: &[&str], listen: &str) -> Server {
        let mut cmd = match prefix.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(bin());
                c
            }
            None => Command::new(bin()),
        };
        let mut child = cmd
            .arg("serve")
            .args(self.base_args())
            .args(["--listen", listen, "--rate-limit", "1000000"])
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

/// A running server; killed (this child only) on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Enroll a device over HTTP (no store): its token.
fn enroll_token(transport: &dyn Transport, code: &str) -> String {
    let body = serde_json::json!({"code": code, "device_name": "bench", "app_version": "bench"});
    let resp = transport
        .send(&HttpRequest {
            method: Method::Post,
            path: "/api/v1/enroll".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        })
        .expect("enroll request");
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let v: serde_json::Value = serde_json::from_slice(&resp.body).expect("enroll JSON");
    v["token"].as_str().expect("token").to_string()
}

// ---------------------------------------------------------------------------------------------
// 1. Ingest with re-scoring

fn cdht_answers(points: u32) -> BTreeMap<String, ItemAnswer> {
    let set = builtin_set("cdht-324").expect("cdht-324");
    set.indicators()
        .map(|i| {
            let max = i.max.map_or(0, |m| m.0);
            (
                i.id.clone(),
                ItemAnswer {
                    value: Some(AnswerValue::Points(Points(points.min(max)))),
                    ..Default::default()
                },
            )
        })
        .collect()
}

/// `n` real finalized assessments (Công dân học tập, two members per device-created household),
/// as manifest entries for the server hamlet `hamlet_id`.
fn generate(n: usize, hamlet_id: &str) -> Vec<ManifestEntry> {
    let store = Store::open_in_memory().expect("store");
    let hamlet = store
        .add_hamlet(&NewHamlet {
            name: "Thôn Đông".into(),
            ..Default::default()
        })
        .expect("hamlet");
    let set = builtin_set("cdht-324").expect("cdht-324");
    let mut out = Vec::with_capacity(n);
    let mut i = 0usize;
    while out.len() < n {
        let hh = store
            .add_household(&NewHousehold {
                hamlet_id: hamlet.id.clone(),
                head: format!("Nguyễn Văn Hộ {i}"),
                address: Some(format!("Xóm {}", i % 7 + 1)),
                ..Default::default()
            })
            .expect("household");
        let mut members = Vec::new();
        for (k, name) in ["Nguyễn Văn Hộ", "Trần Thị Hoa"].iter().enumerate() {
            members.push(
                store
                    .add_member(
                        &hh.id,
                        &NewMember {
                            name: format!("{name} {i}"),
                            birth_year: Some(1960 + (i as i32 + k as i32) % 40),
                            literate: Some(true),
                            ..Default::default()
                        },
                    )
                    .expect("member"),
            );
        }
        let record = HouseholdRecord {
            id: hh.id.clone(),
            hamlet_id: hamlet_id.to_string(),
            head: hh.head.clone(),
            address: hh.address.clone(),
            phone: None,
            roster_code: None,
            members: members
                .iter()
                .map(|m| MemberRecord {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    birth_year: m.birth_year,
                    sex: m.sex,
                    relation: m.relation.clone(),
                    schooling: m.schooling,
                    literate: m.literate,
                    cdht: m.cdht,
                    cdht_group: None,
                    unable_to_learn: false,
                })
                .collect(),
        };
        for m in &members {
            if out.len() >= n {
                break;
            }
            let subject = Subject {
                kind: SubjectKind::Member,
                id: m.id.clone(),
            };
            let a = store.start_assessment(&subject, &set, 2026).expect("start");
            store
                .set_answers(&a.id, &cdht_answers(500 + (i % 6) as u32 * 100))
                .expect("answers");
            let fin = store.finalize(&a.id).expect("finalize");
            // The stored content is exactly its sealed form (checked against the hash here).
            let (content, sha) = store
                .content_of(&a.id)
                .expect("content")
                .seal()
                .expect("seal");
            assert_eq!(sha, fin.content_sha256);
            out.push(ManifestEntry {
                id: a.id,
                content_sha256: fin.content_sha256,
                content,
                evidence: Vec::new(),
                household: Some(record.clone()),
                ..ManifestEntry::default()
            });
        }
        i += 1;
    }
    out
}

/// Upload `entries` in batches of `batch` by `clients` concurrent clients (batches dealt
/// round-robin); every entry must come back `created`. Returns the wall time.
fn upload(url: &str, tokens: &[String], entries: &[ManifestEntry], batch: usize) -> Duration {
    let bodies: Vec<String> = entries
        .chunks(batch)
        .map(|c| {
            serde_json::to_string(&BatchRequest {
                assessments: c.to_vec(),
            })
            .expect("batch JSON")
        })
        .collect();
    let clients = tokens.len();
    let start = Instant::now();
    std::thread::scope(|s| {
        for (c, token) in tokens.iter().enumerate() {
            let bodies = &bodies;
            s.spawn(move || {
                let t = ReqwestTransport::new(url).expect("transport");
                for body in bodies.iter().skip(c).step_by(clients) {
                    let resp = t
                        .send(&HttpRequest {
                            method: Method::Put,
                            path: format!("/api/v1/batches/{}", uuid::Uuid::now_v7()),
                            headers: vec![
                                ("authorization".into(), format!("Bearer {token}")),
                                ("content-type".into(), "application/json".into()),
                            ],
                            body: body.clone().into_bytes(),
                        })
                        .expect("batch request");
                    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
                    let answer: BatchResponse =
                        serde_json::from_slice(&resp.body).expect("batch answer");
                    for r in &answer.results {
                        assert_eq!(r.status, EntryStatus::Created, "{r:?}");
                        assert!(r.server_score.is_some(), "not re-scored: {r:?}");
                    }
                }
            });
        }
    });
    start.elapsed()
}

/// Reference: a bare `INSERT` of the same rows, same batches, one transaction per batch, through
/// the same backend (a scratch SQLite file or PostgreSQL database) with sqlx `AnyPool`.
fn bare_insert(entries: &[ManifestEntry], batch: usize, pg_base: Option<&str>) -> Duration {
    let dir = tempfile::tempdir().expect("tempdir");
    let pg = pg_base.map(|base| pg::create_pg_database(base, "hoctap_bench"));
    let url = match &pg {
        Some((_, url)) => url.clone(),
        None => format!("sqlite://{}?mode=rwc", dir.path().join("bare.db").display()),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let elapsed = rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .expect("connect bare");
        if pg.is_none() {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .expect("WAL");
        }
        sqlx::query("CREATE TABLE bare (id TEXT PRIMARY KEY, content TEXT NOT NULL, content_sha256 TEXT NOT NULL)")
            .execute(&pool)
            .await
            .expect("create bare");
        let start = Instant::now();
        for chunk in entries.chunks(batch) {
            let mut tx = pool.begin().await.expect("begin");
            for e in chunk {
                sqlx::query("INSERT INTO bare (id, content, content_sha256) VALUES ($1, $2, $3)")
                    .bind(&e.id)
                    .bind(&e.content)
                    .bind(&e.content_sha256)
                    .execute(&mut *tx)
                    .await
                    .expect("insert");
            }
            tx.commit().await.expect("commit");
        }
        let elapsed = start.elapsed();
        pool.close().await;
        elapsed
    });
    if let (Some((name, _)), Some(base)) = (&pg, pg_base) {
        pg::drop_pg_database(base, name);
    }
    elapsed
}

/// Reference: the domain's parse + re-score alone (what the server does per entry, no I/O).
fn evaluate_only(entries: &[ManifestEntry]) -> Duration {
    let start = Instant::now();
    for e in entries {
        let content: hoctap_domain::assessment::CanonicalAssessment =
            serde_json::from_str(&e.content).expect("content");
        let set = hoctap_server::rescore::find_set(&content, None).expect("set");
        let r = hoctap_server::rescore::rescore(&set, &content).expect("rescore");
        std::hint::black_box(r);
    }
    start.elapsed()
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn ingest(cfg: &Config, table: &mut Table) {
    println!(
        "== 1. ingest with re-scoring: {} assessments, batches of {}",
        cfg.n, cfg.batch
    );
    let t = Instant::now();
    // The hamlet id is the server's; every fresh server gets a new one, so entries are made
    // per server (households are device-created and carry the hamlet).
    let backends: Vec<(&str, Option<&str>)> = {
        let mut v = vec![("SQLite", None)];
        if let Some(url) = cfg.pg_url.as_deref() {
            v.push(("PostgreSQL", Some(url)));
        }
        v
    };
    let mut entries_cache: Option<(String, Vec<ManifestEntry>)> = None;
    for (name, pg) in &backends {
        let mut rates = Vec::new();
        for clients in [1usize, cfg.clients] {
            let env = ServerEnv::new(*pg);
            // Same hamlet name → different id per server: regenerate only the household
            // records' hamlet id, not the assessments.
            let hamlet = env.hamlet("Thôn Đông");
            let entries = match &mut entries_cache {
                Some((_, e)) => e
                    .iter()
                    .cloned()
                    .map(|mut m| {
                        if let Some(h) = &mut m.household {
                            h.hamlet_id = hamlet.clone();
                        }
                        m
                    })
                    .collect::<Vec<_>>(),
                None => {
                    let e = generate(cfg.n, &hamlet);
                    println!(
                        "   generated {} assessments in {:.1} s (not timed)",
                        e.len(),
                        t.elapsed().as_secs_f64()
                    );
                    entries_cache = Some((hamlet.clone(), e.clone()));
                    e
                }
            };
            let server = env.serve(&[], "127.0.0.1:0");
            let boot = ReqwestTransport::new(&server.url()).expect("transport");
            let tokens: Vec<String> = (0..clients)
                .map(|_| enroll_token(&boot, &env.enroll_code("Thôn Đông")))
                .collect();
            let d = upload(&server.url(), &tokens, &entries, cfg.batch);
            let r = rate(entries.len(), d);
            println!(
                "   {name:<10} {clients} client(s): {:>7.2} s  {:>8.0} assessments/s",
                d.as_secs_f64(),
                r
            );
            rates.push((clients, r));
        }
        let (_, entries) = entries_cache.as_ref().expect("entries");
        let bare = rate(entries.len(), bare_insert(entries, cfg.batch, *pg));
        println!("   {name:<10} reference: bare INSERT of the same rows {bare:>8.0} rows/s");
        for (clients, r) in rates {
            table.add(
                &format!("ingest+rescore {name}, {clients} client(s)"),
                format!("{r:.0}/s"),
                "≥ 2000/s",
                format!("ODK Central 41/s; bare INSERT {bare:.0}/s"),
                r / INGEST_TARGET,
                r >= INGEST_TARGET,
            );
        }
    }
    if cfg.pg_url.is_none() {
        table.skip(
            "ingest+rescore PostgreSQL",
            "HOCTAP_BENCH_PG_URL / HOCTAP_TEST_PG_URL not set",
        );
    }
    if let Some((_, entries)) = &entries_cache {
        let ev = rate(entries.len(), evaluate_only(entries));
        println!("   reference: core parse + evaluate alone {ev:.0}/s; ODK Central {ODK_CENTRAL_PER_SEC}/s");
        table.0.push(Row {
            measure: "reference: core parse+evaluate".into(),
            ours: format!("{ev:.0}/s"),
            target: "—".into(),
            reference: format!("ODK Central {ODK_CENTRAL_PER_SEC}/s"),
            ratio: format!("{:.0}", ev / ODK_CENTRAL_PER_SEC),
            ok: None,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// A counting, cutting, shaping proxy

/// Bytes of one kind of request as they went upstream.
#[derive(Debug, Default, Clone, Copy)]
struct KindBytes {
    requests: u64,
    head: u64,
    body: u64,
}

#[derive(Debug, Clone, Copy)]
struct Shape {
    bits_per_sec: f64,
    delay: Duration,
}

#[derive(Default)]
struct ProxyStats {
    upstream: u64,
    /// Bytes the server sent back (answers), as they crossed the link.
    downstream: u64,
    kinds: BTreeMap<&'static str, KindBytes>,
    connections: u64,
    cut_done: bool,
}

struct Proxy {
    addr: String,
    stats: Arc<Mutex<ProxyStats>>,
    stop: Arc<AtomicBool>,
}

fn kind_of(request_line: &str) -> &'static str {
    let mut it = request_line.split(' ');
    let (m, p) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
    let p = p.strip_prefix("/api/v1").unwrap_or(p);
    match (m, p.split(['/', '?']).nth(1).unwrap_or("")) {
        ("GET", "sync") => "GET /sync",
        ("HEAD", "blobs") => "HEAD /blobs",
        ("PUT", "blobs") => "PUT /blobs",
        ("PUT", "batches") => "PUT /batches",
        ("POST", "heartbeat") => "POST /heartbeat",
        ("POST", "enroll") => "POST /enroll",
        _ => "other",
    }
}

/// Splits one connection's upstream bytes into requests (Content-Length bodies only: that is
/// all the device's client sends).
#[derive(Default)]
struct Splitter {
    head: Vec<u8>,
    body_left: u64,
    kind: &'static str,
}

impl Splitter {
    fn feed(&mut self, mut data: &[u8], stats: &mut ProxyStats) {
        while !data.is_empty() {
            if self.body_left > 0 {
                let n = (data.len() as u64).min(self.body_left);
                stats.kinds.entry(self.kind).or_default().body += n;
                self.body_left -= n;
                data = &data[n as usize..];
                continue;
            }
            // In a head: look for its end.
            let before = self.head.len();
            self.head.extend_from_slice(data);
            let Some(end) = self.head.windows(4).position(|w| w == b"\r\n\r\n") else {
                return;
            };
            let head_len = end + 4;
            let text = String::from_utf8_lossy(&self.head[..head_len]).into_owned();
            self.kind = kind_of(text.lines().next().unwrap_or(""));
            let k = stats.kinds.entry(self.kind).or_default();
            k.requests += 1;
            k.head += head_len as u64;
            self.body_left = text
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(0);
            let used = head_len - before;
            self.head.clear();
            data = &data[used..];
        }
    }
}

impl Proxy {
    /// Forward to `target`. `cut_at`: the connection carrying upstream byte number `cut_at`
    /// (counted over all connections) is cut there, once. `shape`: upstream rate and delay.
    fn start(target: &str, cut_at: Option<u64>, shape: Option<Shape>) -> Proxy {
        Self::start_with(target, cut_at, shape, None)
    }

    /// Like [`Proxy::start`], with the answers (downstream) shaped too.
    fn start_with(
        target: &str,
        cut_at: Option<u64>,
        shape: Option<Shape>,
        down_shape: Option<Shape>,
    ) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let proxy = Proxy {
            addr: listener.local_addr().expect("addr").to_string(),
            stats: Arc::new(Mutex::new(ProxyStats::default())),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (stats, stop, target) = (proxy.stats.clone(), proxy.stop.clone(), target.to_string());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        stats.lock().expect("stats").connections += 1;
                        let (stats, target) = (stats.clone(), target.clone());
                        std::thread::spawn(move || {
                            pipe(client, &target, stats, cut_at, shape, down_shape)
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        proxy
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn snapshot(&self) -> (u64, BTreeMap<&'static str, KindBytes>, u64) {
        let s = self.stats.lock().expect("stats");
        (s.upstream, s.kinds.clone(), s.connections)
    }

    /// (upstream, downstream) bytes so far.
    fn bytes(&self) -> (u64, u64) {
        let s = self.stats.lock().expect("stats");
        (s.upstream, s.downstream)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Pace `n` bytes sent at `now` on a link shaped by `sh`, given when it is next free.
fn pace(sh: Shape, at: Instant, n: usize, free_at: &mut Instant) {
    let ready = (at + sh.delay).max(*free_at);
    *free_at = ready + Duration::from_secs_f64(n as f64 * 8.0 / sh.bits_per_sec);
    let now = Instant::now();
    if *free_at > now {
        std::thread::sleep(*free_at - now);
    }
}

fn pipe(
    client: TcpStream,
    target: &str,
    stats: Arc<Mutex<ProxyStats>>,
    cut_at: Option<u64>,
    shape: Option<Shape>,
    down_shape: Option<Shape>,
) {
    let Ok(server) = TcpStream::connect(target) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = server.set_nodelay(true);
    let _ = client.set_nodelay(true);
    let (Ok(mut c_read), Ok(s_write), Ok(mut s_read), Ok(mut c_write)) = (
        client.try_clone(),
        server.try_clone(),
        server.try_clone(),
        client.try_clone(),
    ) else {
        return;
    };
    // Downstream: counted, paced when shaped.
    let down_stats = stats.clone();
    let down = std::thread::spawn(move || {
        let mut buf = vec![
            0u8;
            if down_shape.is_some() {
                1460
            } else {
                64 * 1024
            }
        ];
        let mut free_at = Instant::now();
        loop {
            let n = match s_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if let Some(sh) = down_shape {
                pace(sh, Instant::now(), n, &mut free_at);
            }
            down_stats.lock().expect("stats").downstream += n as u64;
            if c_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = c_write.shutdown(Shutdown::Write);
    });
    // Upstream: count, split into requests, maybe cut, maybe shape (through a timed queue).
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = std::thread::spawn(move || {
        let mut s_write = s_write;
        let mut free_at = Instant::now();
        for (at, data) in rx {
            if let Some(sh) = shape {
                pace(sh, at, data.len(), &mut free_at);
            }
            if s_write.write_all(&data).is_err() {
                break;
            }
        }
        let _ = s_write.shutdown(Shutdown::Write);
    });
    let mut splitter = Splitter::default();
    // Shaped links read packet-sized pieces so the pacing is smooth.
    let mut buf = vec![0u8; if shape.is_some() { 1460 } else { 64 * 1024 }];
    loop {
        let n = match c_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut allowed = n;
        let mut cut = false;
        {
            let mut s = stats.lock().expect("stats");
            if let Some(at) = cut_at {
                if !s.cut_done && s.upstream + n as u64 >= at {
                    allowed = usize::try_from(at.saturating_sub(s.upstream)).unwrap_or(0);
                    cut = true;
                    s.cut_done = true;
                }
            }
            s.upstream += allowed as u64;
            splitter.feed(&buf[..allowed], &mut s);
        }
        if allowed > 0 && tx.send((Instant::now(), buf[..allowed].to_vec())).is_err() {
            break;
        }
        if cut {
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
            break;
        }
    }
    drop(tx);
    let _ = writer.join();
    let _ = down.join();
}

// ---------------------------------------------------------------------------------------------
// Devices with photos

fn photo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/photos")
}

/// Source photos, cycling; `edge` varies so every attached photo is a different stored file.
fn photo_sources() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = ["orientation", "gps"]
        .iter()
        .flat_map(|d| std::fs::read_dir(photo_dir().join(d)).expect("photo dir"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("jpg")))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no photos in {}", photo_dir().display());
    v
}

/// An enrolled device (pulled once, directly), with `n` assessments of device-created
/// households, each with `photos(i)` photos of long edge about `edge`.
struct BenchDevice {
    _dir: tempfile::TempDir,
    device: Device,
    photo_bytes: u64,
    content_bytes: u64,
    largest_photo: u64,
}

fn make_device(
    env: &ServerEnv,
    url: &str,
    n: usize,
    photos: impl Fn(usize) -> usize,
    edge: u32,
    sources: &[PathBuf],
) -> BenchDevice {
    let dir = tempfile::tempdir().expect("device dir");
    let device = Device::open(dir.path()).expect("device");
    let store = device.store();
    let transport = ReqwestTransport::new(url).expect("transport");
    device
        .enroll(
            &transport,
            url,
            &env.enroll_code("Thôn Đông"),
            Some("bench phone".into()),
        )
        .expect("enroll");
    let r = device.sync(
        &transport,
        SyncOptions::default(),
        &RetryPolicy::default(),
        &NoProgress,
        &CancelHandle::new(),
    );
    assert_eq!(r.outcome, Outcome::Done, "first pull: {:?}", r.message);
    let hamlet = store
        .hamlets()
        .expect("hamlets")
        .into_iter()
        .next()
        .expect("pulled hamlet")
        .id;
    let set = builtin_set("cdht-324").expect("cdht-324");
    let mut k = 0usize;
    for i in 0..n {
        let hh = store
            .add_household(&NewHousehold {
                hamlet_id: hamlet.clone(),
                head: format!("Lê Văn Ảnh {i}"),
                ..Default::default()
            })
            .expect("household");
        let m = store
            .add_member(
                &hh.id,
                &NewMember {
                    name: format!("Lê Văn Ảnh {i}"),
                    birth_year: Some(1980),
                    ..Default::default()
                },
            )
            .expect("member");
        let a = store
            .start_assessment(
                &Subject {
                    kind: SubjectKind::Member,
                    id: m.id,
                },
                &set,
                2026,
            )
            .expect("start");
        store
            .set_answers(&a.id, &cdht_answers(800))
            .expect("answers");
        for p in 0..photos(i) {
            let options = IngestOptions {
                max_edge: edge - (k as u32 % 64) * 8,
                disk_reserve: 0,
                ..IngestOptions::default()
            };
            let src = &sources[k % sources.len()];
            k += 1;
            device
                .attach_photo(
                    &a.id,
                    ["1.1", "2.1"][p % 2],
                    PhotoSource::Path(src),
                    &options,
                )
                .expect("attach photo");
        }
        store.finalize(&a.id).expect("finalize");
    }
    let photo_bytes: i64 = store
        .conn_for_tests()
        .query_row("SELECT COALESCE(SUM(bytes), 0) FROM photo", [], |r| {
            r.get(0)
        })
        .expect("photo bytes");
    let largest: i64 = store
        .conn_for_tests()
        .query_row("SELECT COALESCE(MAX(bytes), 0) FROM photo", [], |r| {
            r.get(0)
        })
        .expect("largest");
    let content_bytes: i64 = store
        .conn_for_tests()
        .query_row(
            "SELECT COALESCE(SUM(length(CAST(content AS BLOB))), 0) FROM assessment
             WHERE state = 'finalized'",
            [],
            |r| r.get(0),
        )
        .expect("content bytes");
    BenchDevice {
        _dir: dir,
        device,
        photo_bytes: photo_bytes as u64,
        content_bytes: content_bytes as u64,
        largest_photo: largest as u64,
    }
}

fn sync_through(device: &Device, url: &str, options: SyncOptions) -> RunResult {
    let transport = ReqwestTransport::new(url).expect("transport");
    let policy = RetryPolicy {
        base: Duration::from_millis(50),
        max_delay: Duration::from_secs(2),
        max_retries: 8,
    };
    device.sync(
        &transport,
        options,
        &policy,
        &NoProgress,
        &CancelHandle::new(),
    )
}

fn print_kinds(kinds: &BTreeMap<&'static str, KindBytes>) {
    println!(
        "   {:<16} {:>8} {:>12} {:>12}",
        "request", "count", "head bytes", "body bytes"
    );
    for (k, v) in kinds {
        println!("   {k:<16} {:>8} {:>12} {:>12}", v.requests, v.head, v.body);
    }
}

// 2. Wire overhead
fn wire(cfg: &Config, table: &mut Table, sources: &[PathBuf]) {
    let n = if cfg.quick { 5 } else { 20 };
    println!("== 2. bytes on the wire: {n} assessments with 1–2 photos each");
    let env = ServerEnv::new(None);
    env.hamlet("Thôn Đông");
    let server = env.serve(&[], "127.0.0.1:0");
    let dev = make_device(&env, &server.url(), n, |i| 1 + i % 2, 1600, sources);
    let proxy = Proxy::start(&server.addr, None, None);
    let r = sync_through(&dev.device, &proxy.url(), SyncOptions::default());
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    assert_eq!(r.report.sent as usize, n, "all sent");
    let (wire, kinds, conns) = proxy.snapshot();
    let payload = dev.photo_bytes + dev.content_bytes;
    let ratio = wire as f64 / payload as f64;
    println!(
        "   payload {} B (photos {} B, manifest content {} B); sent {} B over {} connection(s); ratio {:.4}",
        payload, dev.photo_bytes, dev.content_bytes, wire, conns, ratio
    );
    print_kinds(&kinds);
    let heads: u64 = kinds.values().map(|k| k.head).sum();
    let batch_body = kinds.get("PUT /batches").map_or(0, |k| k.body);
    let blob_body = kinds.get("PUT /blobs").map_or(0, |k| k.body);
    let other_body: u64 = kinds
        .iter()
        .filter(|(k, _)| !matches!(**k, "PUT /batches" | "PUT /blobs"))
        .map(|(_, v)| v.body)
        .sum();
    println!(
        "   overhead {} B = request heads {} B + manifest envelope {} B (JSON escaping of content, ids, evidence lists, households) + photo bytes sent twice {} B + pull/heartbeat bodies {} B",
        wire.saturating_sub(payload),
        heads,
        batch_body as i64 - dev.content_bytes as i64,
        blob_body as i64 - dev.photo_bytes as i64,
        other_body
    );
    table.add(
        "wire bytes ÷ payload",
        format!("{ratio:.4}"),
        "≤ 1.05",
        format!("payload {:.2} MB", payload as f64 / 1e6),
        ratio / WIRE_TARGET,
        ratio <= WIRE_TARGET,
    );
}

// 4. Resume after a cut
fn cut(cfg: &Config, table: &mut Table, sources: &[PathBuf]) {
    println!("== 4. cut in the middle of a large photo, then resume");
    let env = ServerEnv::new(None);
    env.hamlet("Thôn Đông");
    let server = env.serve(&[], "127.0.0.1:0");
    let big: Vec<PathBuf> = std::fs::read_dir(photo_dir().join("phones"))
        .expect("phones dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("jpg")))
        .collect();
    let src = if cfg.quick { sources.to_vec() } else { big };
    let dev = make_device(&env, &server.url(), 1, |_| 1, 4096, &src);
    let options = SyncOptions::default();
    let chunk = options.chunk_size;
    // The pull and the probe come first (well under 2 kB); cut at 60 % of the photo.
    let cut_at = 2048 + dev.largest_photo * 6 / 10;
    let proxy = Proxy::start(&server.addr, Some(cut_at), None);
    let r = sync_through(&dev.device, &proxy.url(), options);
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    let (_, kinds, conns) = proxy.snapshot();
    let sent = kinds.get("PUT /blobs").map_or(0, |k| k.body);
    let resent = sent.saturating_sub(dev.photo_bytes);
    println!(
        "   photo {} B, chunk {} B, cut at upstream byte {cut_at}; photo bytes sent {} B over {} connection(s); sent again {} B",
        dev.photo_bytes, chunk, sent, conns, resent
    );
    print_kinds(&kinds);
    table.add(
        "bytes re-sent after a cut",
        format!("{resent} B"),
        "≤ 1 chunk",
        format!("chunk {chunk} B, photo {} B", dev.photo_bytes),
        resent as f64 / chunk as f64,
        resent <= chunk,
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Slow link

/// A network namespace holding the server, joined to the host by a veth pair whose host end
/// carries `netem`. Deleted on drop.
struct NetNs {
    name: String,
    host_if: String,
    server_ip: String,
}

fn run(cmd: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .output()
        .map_err(|e| format!("{}: {e}", cmd[0]))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{}` failed: {}",
            cmd.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl NetNs {
    fn create() -> Result<NetNs, String> {
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        if !is_root {
            return Err("not root".into());
        }
        let id = std::process::id() % 100_000;
        let ns = NetNs {
            name: format!("hoctap-bench-{id}"),
            host_if: format!("hbh{id}"),
            server_ip: format!("10.231.{}.2", id % 250),
        };
        let peer = format!("hbn{id}");
        let host_ip = format!("10.231.{}.1/24", id % 250);
        let server_cidr = format!("{}/24", ns.server_ip);
        run(&["ip", "netns", "add", &ns.name])?;
        // From here on, drop deletes the namespace (and the veth pair with it).
        let steps: Vec<Vec<&str>> = vec![
            vec![
                "ip",
                "link",
                "add",
                &ns.host_if,
                "type",
                "veth",
                "peer",
                "name",
                &peer,
            ],
            vec!["ip", "link", "set", &peer, "netns", &ns.name],
            vec!["ip", "addr", "add", &host_ip, "dev", &ns.host_if],
            vec!["ip", "link", "set", &ns.host_if, "up"],
            vec![
                "ip",
                "netns",
                "exec",
                &ns.name,
                "ip",
                "addr",
                "add",
                &server_cidr,
                "dev",
                &peer,
            ],
            vec![
                "ip", "netns", "exec", &ns.name, "ip", "link", "set", &peer, "up",
            ],
            vec![
                "ip", "netns", "exec", &ns.name, "ip", "link", "set", "lo", "up",
            ],
            vec![
                "tc",
                "qdisc",
                "add",
                "dev",
                &ns.host_if,
                "root",
                "netem",
                "rate",
                "256kbit",
                "delay",
                "300ms",
                "loss",
                "2%",
            ],
        ];
        for s in steps {
            run(&s)?;
        }
        Ok(ns)
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = run(&["ip", "link", "del", &self.host_if]);
        let _ = run(&["ip", "netns", "del", &self.name]);
    }
}

fn slow(cfg: &Config, table: &mut Table, sources: &[PathBuf]) {
    // Quick mode still sends ~0.5 MB (≈16 s at 256 kbit/s): with less, the fixed round trips
    // (300 ms each) would dominate and the ratio would say nothing about throughput.
    let (n, per) = if cfg.quick { (2, 2) } else { (5, 2) };
    println!("== 3. slow lossy link: {n} assessments × {per} photos");
    let env = ServerEnv::new(None);
    env.hamlet("Thôn Đông");
    let netns = if cfg.netem {
        match NetNs::create() {
            Ok(ns) => Some(ns),
            Err(why) => {
                println!("   netem: skipped ({why}); using the shaping proxy");
                None
            }
        }
    } else {
        println!(
            "   netem: skipped ({}); using the shaping proxy",
            if cfg.quick {
                "--quick"
            } else {
                "HOCTAP_BENCH_NETEM=0"
            }
        );
        None
    };
    // Photos are made against a direct server first (not timed), then the timed sync goes over
    // the shaped path to the same data directory.
    let (label, dev, secs, proxy_stats) = {
        let direct = env.serve(&[], "127.0.0.1:0");
        let dev = make_device(&env, &direct.url(), n, |_| per, 1024, sources);
        drop(direct);
        match &netns {
            Some(ns) => {
                // The device talks to the server's address in the namespace: through the veth.
                let listen = format!("{}:0", ns.server_ip);
                let server = env.serve(&["ip", "netns", "exec", &ns.name], &listen);
                let t = Instant::now();
                let r = sync_through(&dev.device, &server.url(), SyncOptions::default());
                let secs = t.elapsed().as_secs_f64();
                assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
                ("netem 256kbit 300ms 2% loss", dev, secs, None)
            }
            None => {
                let server = env.serve(&[], "127.0.0.1:0");
                let proxy = Proxy::start(
                    &server.addr,
                    None,
                    Some(Shape {
                        bits_per_sec: LINK_BITS_PER_SEC,
                        delay: LINK_DELAY,
                    }),
                );
                let t = Instant::now();
                let r = sync_through(&dev.device, &proxy.url(), SyncOptions::default());
                let secs = t.elapsed().as_secs_f64();
                assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
                (
                    "proxy 256kbit + 300ms, no loss",
                    dev,
                    secs,
                    Some(proxy.snapshot()),
                )
            }
        }
    };
    let payload = dev.photo_bytes + dev.content_bytes;
    let ideal = payload as f64 * 8.0 / LINK_BITS_PER_SEC;
    let ratio = secs / ideal;
    println!("   {label}: payload {payload} B, ideal {ideal:.1} s, took {secs:.1} s ({ratio:.2}×)");
    if let Some((wire, kinds, conns)) = proxy_stats {
        println!("   {wire} B sent over {conns} connection(s)");
        print_kinds(&kinds);
    }
    table.add(
        &format!("slow link upload time ({label})"),
        format!("{secs:.1} s"),
        "≤ 1.3 × ideal",
        format!("payload ÷ 256 kbit/s = {ideal:.1} s"),
        ratio / SLOW_TARGET,
        ratio <= SLOW_TARGET,
    );
}

// ---------------------------------------------------------------------------------------------
// 5. A new device's first pull on 2G: compressed roster pages

/// A generated commune roster (CSV in the import format): `hamlets` × `per` households of four
/// members, names drawn from a seeded RNG.
fn commune_csv(hamlets: usize, per: usize) -> (Vec<String>, String) {
    use rand::{Rng, SeedableRng};
    const FAMILY: &[&str] = &[
        "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ",
    ];
    const MIDDLE: &[&str] = &["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Hữu", "Quang"];
    const GIVEN: &[&str] = &[
        "An", "Bình", "Cường", "Dũng", "Đào", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Oanh",
        "Phúc", "Quỳnh", "Sơn", "Thảo", "Uyên", "Việt", "Xuân", "Yến",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x2047_2047);
    let name = |rng: &mut rand::rngs::StdRng| {
        format!(
            "{} {} {}",
            FAMILY[rng.gen_range(0..FAMILY.len())],
            MIDDLE[rng.gen_range(0..MIDDLE.len())],
            GIVEN[rng.gen_range(0..GIVEN.len())]
        )
    };
    let names: Vec<String> = (1..=hamlets).map(|h| format!("Thôn Số {h:02}")).collect();
    let mut csv = String::from(
        "thon,ma_ho,chu_ho,dia_chi,ho_ten,nam_sinh,gioi_tinh,quan_he,hoc_van,biet_chu\n",
    );
    for (h, hamlet) in names.iter().enumerate() {
        for i in 0..per {
            let head = name(&mut rng);
            let code = format!("H{:02}{:04}", h + 1, i + 1);
            let address = format!("Xóm {}, {hamlet}", i % 12 + 1);
            let rows: [(String, i32, &str, &str, &str); 4] = [
                (
                    head.clone(),
                    rng.gen_range(1950..1990),
                    "nam",
                    "chủ hộ",
                    "đã học xong",
                ),
                (
                    name(&mut rng),
                    rng.gen_range(1952..1992),
                    "nữ",
                    "vợ",
                    "đã học xong",
                ),
                (
                    name(&mut rng),
                    rng.gen_range(2008..2020),
                    "nam",
                    "con",
                    "đang đi học",
                ),
                (
                    name(&mut rng),
                    rng.gen_range(2010..2022),
                    "nữ",
                    "con",
                    "đang đi học",
                ),
            ];
            for (member, year, sex, relation, school) in rows {
                csv.push_str(&format!(
                    "{hamlet},{code},{head},\"{address}\",{member},{year},{sex},{relation},{school},có\n"
                ));
            }
        }
    }
    (names, csv)
}

/// The pages a device would pull (plain JSON, `limit` records a page): their bytes and the
/// sum of each page's gzip -6 size.
fn pages_reference(url: &str, token: &str, limit: u32) -> (u64, u64, u64) {
    use std::io::Write as _;
    let t = ReqwestTransport::with_compression(url, false).expect("transport");
    let (mut plain, mut gz, mut pages, mut cursor) = (0u64, 0u64, 0u64, 0i64);
    loop {
        let resp = t
            .send(&HttpRequest {
                method: Method::Get,
                path: format!("/api/v1/sync?cursor={cursor}&limit={limit}"),
                headers: vec![("authorization".into(), format!("Bearer {token}"))],
                body: vec![],
            })
            .expect("page");
        assert_eq!(resp.status, 200);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        enc.write_all(&resp.body).expect("gzip");
        gz += enc.finish().expect("gzip").len() as u64;
        plain += resp.body.len() as u64;
        pages += 1;
        let v: serde_json::Value = serde_json::from_slice(&resp.body).expect("page JSON");
        cursor = v["cursor"].as_i64().expect("cursor");
        if !v["more"].as_bool().unwrap_or(false) {
            return (plain, gz, pages);
        }
    }
}

/// What one first pull cost.
struct Pulled {
    secs: f64,
    up: u64,
    down: u64,
    households: u64,
    pages: u64,
}

/// A fresh device enrolled with `code` (directly), the transport to pull through `via` and the
/// run's options.
fn pull_setup(
    direct: &str,
    via: &str,
    code: &str,
    compression: bool,
    page: Option<u32>,
) -> (tempfile::TempDir, Device, ReqwestTransport, SyncOptions) {
    let dir = tempfile::tempdir().expect("device dir");
    let device = Device::open(dir.path()).expect("device");
    let enroll = ReqwestTransport::new(direct).expect("transport");
    device.enroll(&enroll, direct, code, None).expect("enroll");
    let transport = ReqwestTransport::with_compression(via, compression).expect("transport");
    let options = SyncOptions {
        page_size: page,
        ..SyncOptions::default()
    };
    (dir, device, transport, options)
}

/// When the pull phase ended, with the proxy's (upstream, downstream) byte counts then.
type PullEnd = (Instant, (u64, u64));

/// Marks the end of the pull phase of a run: (pull jobs seen, when the phase ended).
struct PullWatch<'a> {
    proxy: &'a Proxy,
    state: Mutex<(u64, Option<PullEnd>)>,
}

impl hoctap_sync::ProgressSink for PullWatch<'_> {
    fn progress(&self, event: &hoctap_sync::Progress) {
        let mut s = self.state.lock().expect("watch");
        if event.phase == hoctap_sync::run::Stage::Pull {
            s.0 += 1;
        } else if s.1.is_none() {
            s.1 = Some((Instant::now(), self.proxy.bytes()));
        }
    }
}

/// A fresh device enrolled with `code` pulls its whole roster through `proxy`: the product's
/// own driver (`Device::sync`, which writes each page while fetching the next), timed up to the
/// end of its pull phase.
fn first_pull(
    direct: &str,
    proxy: &Proxy,
    code: &str,
    compression: bool,
    page: Option<u32>,
) -> Pulled {
    let (_dir, device, transport, options) =
        pull_setup(direct, &proxy.url(), code, compression, page);
    let watch = PullWatch {
        proxy,
        state: Mutex::new((0, None)),
    };
    let (start, before) = (Instant::now(), proxy.bytes());
    let run = device.sync(
        &transport,
        options,
        &hoctap_sync::RetryPolicy::default(),
        &watch,
        &hoctap_sync::CancelHandle::new(),
    );
    assert!(run.error.is_none(), "first pull: {:?}", run.error);
    let (pages, end) = watch.state.into_inner().expect("watch");
    let (at, (up, down)) = end.expect("the run left its pull phase");
    Pulled {
        secs: (at - start).as_secs_f64(),
        up: up - before.0,
        down: down - before.1,
        households: run.report.pulled.households,
        pages,
    }
}

/// The "before": a fresh device pulls through `via` the way devices did until now, one page
/// after another, each written before the next is asked for (the machine driven directly, pull
/// phase only, timed).
fn first_pull_sequential(
    direct: &str,
    via: &str,
    code: &str,
    compression: bool,
    page: Option<u32>,
) -> Pulled {
    let (_dir, device, transport, options) = pull_setup(direct, via, code, compression, page);
    let mut machine = device.sync_machine(options).expect("machine");
    let mut outbox = hoctap_sync::StoreOutbox(device.store());
    let mut pages = 0;
    let t = Instant::now();
    while machine.phase() == hoctap_sync::Phase::Pull {
        let Some(job) = machine.next_job(&mut outbox).expect("next job") else {
            break;
        };
        let resp = transport.send(&job.request).expect("pull over the link");
        machine.complete(&mut outbox, &job, resp).expect("page");
        pages += 1;
    }
    Pulled {
        secs: t.elapsed().as_secs_f64(),
        up: 0,
        down: 0,
        households: machine.report().pulled.households,
        pages,
    }
}

fn pull(cfg: &Config, table: &mut Table) {
    let (hamlets, per) = if cfg.quick { (2, 1000) } else { (20, 1000) };
    println!(
        "== 5. first pull: a commune of {hamlets} hamlets × {per} households × 4 members, over 256 kbit/s + 300 ms"
    );
    let env = ServerEnv::new(None);
    let (names, csv) = commune_csv(hamlets, per);
    for n in &names {
        env.hamlet(n);
    }
    let file = env.dir.path().join("roster.csv");
    std::fs::write(&file, &csv).expect("write roster");
    let t = Instant::now();
    env.admin_plain(&["import", "roster", &file.display().to_string()]);
    println!(
        "   roster imported in {:.1} s (not timed below)",
        t.elapsed().as_secs_f64()
    );
    let server = env.serve(&[], "127.0.0.1:0");
    let direct = server.url();
    let commune_code = |env: &ServerEnv| {
        let mut args = vec!["enroll-code"];
        for n in &names {
            args.push("--hamlet");
            args.push(n);
        }
        env.admin(&args)["code"].as_str().expect("code").to_string()
    };
    let link = Shape {
        bits_per_sec: LINK_BITS_PER_SEC,
        delay: LINK_DELAY,
    };
    let down_link = Shape {
        bits_per_sec: LINK_BITS_PER_SEC,
        delay: Duration::ZERO,
    };
    // Reference pages, read directly with a token of each scope.
    let direct_t = ReqwestTransport::new(&direct).expect("transport");
    let hamlet_token = enroll_token(&direct_t, &env.enroll_code(&names[0]));
    let commune_token = enroll_token(&direct_t, &commune_code(&env));
    let default_page = 2000;
    for (scope, token, households) in [
        ("one hamlet", &hamlet_token, per as u64),
        ("whole commune", &commune_token, (hamlets * per) as u64),
    ] {
        let (plain, gz6, pages) = pages_reference(&direct, token, default_page);
        let ideal = gz6 as f64 * 8.0 / LINK_BITS_PER_SEC;
        println!(
            "   {scope}: JSON {plain} B in {pages} page(s) of ≤ {default_page}; gzip -6 {gz6} B ({:.1}×); ideal {ideal:.1} s",
            plain as f64 / gz6 as f64
        );
        // Before: plain JSON, 500 records a page (what devices pulled until now).
        let before_slow = scope == "one hamlet"
            || !cfg.quick && std::env::var("HOCTAP_BENCH_SLOW_BEFORE").is_ok();
        let before = if before_slow {
            let proxy = Proxy::start_with(&server.addr, None, Some(link), Some(down_link));
            let code = if scope == "one hamlet" {
                env.enroll_code(&names[0])
            } else {
                commune_code(&env)
            };
            let mut p = first_pull_sequential(&direct, &proxy.url(), &code, false, Some(500));
            (p.up, p.down) = proxy.bytes();
            p
        } else {
            // Plain JSON of a whole commune takes many minutes at 256 kbit/s: its bytes are
            // counted on an unshaped path and its time estimated from them.
            let proxy = Proxy::start_with(&server.addr, None, None, None);
            let mut p =
                first_pull_sequential(&direct, &proxy.url(), &commune_code(&env), false, Some(500));
            (p.up, p.down) = proxy.bytes();
            p.secs = (p.up + p.down) as f64 * 8.0 / LINK_BITS_PER_SEC
                + p.pages as f64 * LINK_DELAY.as_secs_f64();
            p
        };
        assert_eq!(
            before.households, households,
            "{scope}: all households pulled"
        );
        // Now: compressed answers, the server's page size.
        let proxy = Proxy::start_with(&server.addr, None, Some(link), Some(down_link));
        let code = if scope == "one hamlet" {
            env.enroll_code(&names[0])
        } else {
            commune_code(&env)
        };
        let now = first_pull(&direct, &proxy, &code, true, None);
        // The same pull on an unshaped path: what the server and the device spend themselves.
        let local = {
            let proxy = Proxy::start_with(&server.addr, None, None, None);
            let code = if scope == "one hamlet" {
                env.enroll_code(&names[0])
            } else {
                commune_code(&env)
            };
            first_pull(&direct, &proxy, &code, true, None)
        };
        println!(
            "   {scope}: unshaped (server and device work only) {:.2} s in {} page(s)",
            local.secs, local.pages
        );
        assert_eq!(now.households, households, "{scope}: all households pulled");
        let wire = now.up + now.down;
        println!(
            "   {scope}: before {} B in {:.1} s{} ({} pages); now {} B ({} up, {} down) in {:.1} s ({} pages)",
            before.up + before.down,
            before.secs,
            if before_slow { "" } else { " (estimated)" },
            before.pages,
            wire,
            now.up,
            now.down,
            now.secs,
            now.pages
        );
        let bytes_ratio = wire as f64 / gz6 as f64;
        table.add(
            &format!("first pull, {scope}: bytes on the wire"),
            format!("{wire} B (before: {} B)", before.up + before.down),
            "≤ 1.1 × gzip -6",
            format!("gzip -6 of the JSON = {gz6} B"),
            bytes_ratio / 1.1,
            bytes_ratio <= 1.1,
        );
        let time_ratio = now.secs / ideal;
        table.add(
            &format!("first pull, {scope}: time at 256 kbit/s + 300 ms"),
            format!(
                "{:.1} s (before: {:.1} s{})",
                now.secs,
                before.secs,
                if before_slow { "" } else { ", estimated" }
            ),
            "≤ 1.3 × ideal",
            format!("gzip -6 bytes ÷ 256 kbit/s = {ideal:.1} s"),
            time_ratio / SLOW_TARGET,
            time_ratio <= SLOW_TARGET,
        );
    }
    if !cfg.quick {
        // The page size, by measurement: the whole commune at each size.
        println!("   page size (whole commune, compressed, 256 kbit/s + 300 ms):");
        for size in [500u32, 1000, 2000, 5000] {
            let proxy = Proxy::start_with(&server.addr, None, Some(link), Some(down_link));
            let p = first_pull(&direct, &proxy, &commune_code(&env), true, Some(size));
            let (up, down) = (p.up, p.down);
            println!(
                "     {size:>5} records/page: {:>3} pages, {:.1} s, {} B; a cut loses at most one page (≈ {:.1} s)",
                p.pages,
                p.secs,
                up + down,
                p.secs / p.pages.max(1) as f64
            );
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let cfg = Config::from_env();
    println!(
        "hoctap sync benchmarks ({}; server {})",
        if cfg.quick { "quick" } else { "full" },
        bin()
    );
    let sources = photo_sources();
    let mut table = Table::default();
    // `HOCTAP_BENCH_ONLY=5` (or `1,3`): only those parts; all of them by default.
    let only = std::env::var("HOCTAP_BENCH_ONLY").unwrap_or_default();
    let wanted = |part: &str| only.trim().is_empty() || only.split(',').any(|p| p.trim() == part);
    if wanted("1") {
        ingest(&cfg, &mut table);
    }
    if wanted("2") {
        wire(&cfg, &mut table, &sources);
    }
    if wanted("4") {
        cut(&cfg, &mut table, &sources);
    }
    if wanted("3") {
        slow(&cfg, &mut table, &sources);
    }
    if wanted("5") {
        pull(&cfg, &mut table);
    }
    table.print();
}
