//! Store and engine benchmark on a generated commune: prints figures, asserts nothing.
//!
//! The commune has `HOCTAP_BENCH_HOUSEHOLDS` households (default 20,000) with exactly four
//! members each on average (80,000 members), in hamlets of 500 households. Names, birth years,
//! schooling and literacy are drawn from a seeded RNG, so every run builds the same roster
//! content. The roster goes in through the public API (`Store::import_roster`, one CSV per
//! hamlet) and the resulting file is cached under `target/bench-data/commune-<size>.db`, keyed
//! by [`GENERATOR_VERSION`] and the household count (kept in the `setting` table): a rerun skips
//! generation. Measurements that write run on a fresh copy of the cached file.
//!
//! What is measured, each against a reference measured in the same run (the table shows the
//! ratio operation / reference):
//!
//! | operation | reference | target |
//! |---|---|---|
//! | `Store::open` of the existing file (pragmas, migration check) | raw `rusqlite::Connection::open` + `SELECT count(*) FROM household` | ≤ 30 ms |
//! | `list_households`: one hamlet (500) sorted, all sorted, search in a hamlet, search everywhere | raw `SELECT id, head_name … ORDER BY sort_key` materialising as many rows into `Vec<(String, String)>` | ≤ 20 ms |
//! | `engine::evaluate` of cdht-324 (10 indicators) and gdht-448-2015 (4 members, derived items) | `serde_json::from_str` of the same answers as JSON | ≤ 50 µs |
//! | `Store::set_answer` (one autosave) and `Store::finalize` of a fully answered draft | bare `INSERT` + `COMMIT` on the same connection (WAL, `synchronous = FULL`): the fsync floor | ≤ 10 ms |
//!
//! Then the cost of encryption at rest (SQLCipher), clear and encrypted copies of the same commune
//! measured side by side in the same run: the one-time encryption of the clear file, open,
//! listings, search and one autosave, each with its overhead (encrypted / clear − 1). Writes are
//! bound by the fsync of `synchronous = FULL` (milliseconds), so their ratio mostly shows the
//! disk's noise; reads show the cipher's CPU cost (pages are decrypted once, then cached).
//!
//! Run with `cargo bench -p hoctap-store --bench store` or `scripts/bench` (`--quick`: 2,000
//! households).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::criteria::CriteriaSet;
use hoctap_domain::engine::{self, AnswerValue, Answers, ItemAnswer};
use hoctap_domain::model::{MemberFacts, Points, Schooling, Subject, SubjectKind};
use hoctap_domain::time::Clock;
use hoctap_domain::units::CommuneKind;
use hoctap_store::households::HouseholdQuery;
use hoctap_store::roster::ImportOptions;
use hoctap_store::settings;
use hoctap_store::units::NewHamlet;
use hoctap_store::{DbKey, Store};
use rand::distributions::WeightedIndex;
use rand::prelude::*;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bump when the generated content changes: cached files with another version are rebuilt.
const GENERATOR_VERSION: u32 = 2;
const SEED: u64 = 0x5048_4f43_5441_5031; // "HOCTAP1"
const HAMLET_SIZE: usize = 500;
/// Births are drawn relative to this year, so the content does not depend on the clock.
const REF_YEAR: i32 = 2025;
const SETTING_KEY: &str = "bench.generator";

// ---------------------------------------------------------------------------------------------
// Names

const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 30),
    ("Huỳnh", 20),
    ("Phan", 45),
    ("Vũ", 25),
    ("Võ", 14),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 6),
    ("Trương", 6),
    ("Lương", 4),
    ("Mai", 3),
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Ngọc", "Công", "Đình", "Xuân",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Thị", "Thị", "Thị", "Ngọc", "Thanh", "Minh", "Thu", "Hồng", "Kim", "Phương",
];
const GIVEN_MALE: &[&str] = &[
    "An", "Anh", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hải", "Hùng", "Khánh", "Long", "Minh",
    "Nam", "Quân", "Sơn", "Tâm", "Tuấn", "Thắng", "Hiếu", "Phúc", "Toàn", "Việt", "Hoàng", "Trung",
];
const GIVEN_FEMALE: &[&str] = &[
    "An", "Anh", "Ánh", "Chi", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngọc",
    "Phương", "Tâm", "Thảo", "Thu", "Trang", "Vân", "Yến", "Nhung", "Huyền", "Dung", "Oanh",
];
const HAMLET_NAMES: &[&str] = &[
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Thượng",
    "Hạ",
    "Phú Lộc",
    "An Bình",
    "Tân Lập",
    "Hòa Bình",
    "Đồng Tâm",
    "Quyết Thắng",
    "Yên Thịnh",
    "Phú Xuân",
    "Hưng Long",
    "Thanh Xuân",
    "Đoàn Kết",
    "Tiền Phong",
    "Bình Minh",
];

struct Person {
    name: String,
    birth_year: i32,
    male: bool,
    relation: &'static str,
}

struct Gen {
    rng: StdRng,
    family: WeightedIndex<u32>,
}

impl Gen {
    fn new() -> Gen {
        Gen {
            rng: StdRng::seed_from_u64(SEED),
            family: WeightedIndex::new(FAMILY.iter().map(|(_, w)| *w))
                .expect("family-name weights are positive"),
        }
    }

    fn family(&mut self) -> &'static str {
        FAMILY[self.family.sample(&mut self.rng)].0
    }

    fn pick(&mut self, list: &[&'static str]) -> &'static str {
        list.choose(&mut self.rng)
            .copied()
            .expect("name lists are not empty")
    }

    fn name(&mut self, family: &str, male: bool) -> String {
        let (middle, given) = if male {
            (self.pick(MIDDLE_MALE), self.pick(GIVEN_MALE))
        } else {
            (self.pick(MIDDLE_FEMALE), self.pick(GIVEN_FEMALE))
        };
        format!("{family} {middle} {given}")
    }

    /// A household of `size` people: head, spouse, maybe a parent of the head, children.
    fn household(&mut self, size: usize) -> Vec<Person> {
        let head_male = self.rng.gen_bool(0.75);
        let head_family = self.family();
        let head_year = self.rng.gen_range(1950..=1995);
        let mut people = vec![Person {
            name: self.name(head_family, head_male),
            birth_year: head_year,
            male: head_male,
            relation: "chủ hộ",
        }];
        let mut father_family = head_family;
        if size >= 2 {
            let spouse_family = self.family();
            if !head_male {
                father_family = spouse_family;
            }
            people.push(Person {
                name: self.name(spouse_family, !head_male),
                birth_year: (head_year + self.rng.gen_range(-6..=6)).min(2000),
                male: !head_male,
                relation: if head_male { "vợ" } else { "chồng" },
            });
        }
        if size >= 5 && head_year >= 1965 {
            let male = self.rng.gen_bool(0.3);
            let family = if male { head_family } else { self.family() };
            people.push(Person {
                name: self.name(family, male),
                birth_year: head_year - self.rng.gen_range(22..=32),
                male,
                relation: if male { "bố" } else { "mẹ" },
            });
        }
        while people.len() < size {
            let male = self.rng.gen_bool(0.51);
            let year = (head_year + self.rng.gen_range(20..=38)).min(REF_YEAR);
            people.push(Person {
                name: self.name(father_family, male),
                birth_year: year,
                male,
                relation: "con",
            });
        }
        people
    }

    /// Schooling, literacy, cdht and unable-to-learn for someone of `age`.
    fn facts(&mut self, age: i32) -> (&'static str, &'static str, &'static str, &'static str) {
        let r: f64 = self.rng.gen();
        let schooling = match age {
            a if a < 6 => "preschool",
            a if a <= 17 => {
                if r < 0.97 {
                    "in_school"
                } else {
                    "out_of_school"
                }
            }
            a if a <= 24 && r < 0.35 => "in_school",
            a if a >= 60 && r < 0.12 => "never",
            _ if r < 0.90 => "finished",
            _ if r < 0.96 => "out_of_school",
            _ => "never",
        };
        let literate = match (age, schooling) {
            (a, _) if a < 6 => "",
            (a, "in_school") if a < 9 => "",
            (_, "never") => {
                if self.rng.gen_bool(0.4) {
                    "có"
                } else {
                    "không"
                }
            }
            _ => "có",
        };
        let cdht = if age >= 15 {
            if self.rng.gen_bool(0.3) {
                "có"
            } else {
                "không"
            }
        } else {
            ""
        };
        let unable = if self.rng.gen_bool(0.01) {
            "có"
        } else {
            "không"
        };
        (schooling, literate, cdht, unable)
    }
}

fn hamlet_name(i: usize) -> String {
    let base = HAMLET_NAMES[i % HAMLET_NAMES.len()];
    match i / HAMLET_NAMES.len() {
        0 => format!("Thôn {base}"),
        k => format!("Thôn {base} {}", k + 1),
    }
}

/// The roster CSV of one hamlet (`count` households starting at household number `first`).
fn hamlet_csv(gen: &mut Gen, hamlet: &str, hamlet_no: usize, count: usize) -> (String, usize) {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "hamlet",
        "household",
        "head",
        "address",
        "phone",
        "member",
        "birth_year",
        "sex",
        "relation",
        "schooling",
        "literate",
        "cdht",
        "unable_to_learn",
    ])
    .expect("write CSV header");
    let mut members = 0;
    let mut pending_delta = None;
    for i in 0..count {
        // Sizes 2..=6, paired so that every two households have exactly eight members.
        let size = match pending_delta.take() {
            Some(d) => 4 - d,
            None if i + 1 < count => {
                let d: i64 = gen.rng.gen_range(-2..=2);
                pending_delta = Some(d);
                4 + d
            }
            None => 4,
        } as usize;
        let people = gen.household(size);
        members += people.len();
        let code = format!("T{hamlet_no:02}-{:04}", i + 1);
        let address = format!("Xóm {}, {hamlet}", i / 60 + 1);
        let phone = if gen.rng.gen_bool(0.7) {
            format!("09{:08}", gen.rng.gen_range(0..100_000_000u32))
        } else {
            String::new()
        };
        for (k, p) in people.iter().enumerate() {
            let (schooling, literate, cdht, unable) = gen.facts(REF_YEAR - p.birth_year);
            let first = k == 0;
            w.write_record([
                hamlet,
                &code,
                if first { &people[0].name } else { "" },
                if first { &address } else { "" },
                if first { &phone } else { "" },
                &p.name,
                &p.birth_year.to_string(),
                if p.male { "nam" } else { "nữ" },
                p.relation,
                schooling,
                literate,
                cdht,
                unable,
            ])
            .expect("write CSV row");
        }
    }
    let bytes = w.into_inner().expect("flush CSV");
    (String::from_utf8(bytes).expect("CSV is UTF-8"), members)
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Build the commune into `path` (a temporary name, renamed by the caller).
fn generate(path: &Path, households: usize, key: &str) -> (usize, usize) {
    remove_db(path);
    let store = Store::open(path).expect("create the bench database");
    store
        .add_province("40", "Nghệ An")
        .expect("add the province");
    store
        .add_commune("17000", "40", "Xã Yên Thành", CommuneKind::Xa, (None, None))
        .expect("add the commune");
    let mut gen = Gen::new();
    let hamlets = households.div_ceil(HAMLET_SIZE);
    let mut members = 0;
    for h in 0..hamlets {
        let name = hamlet_name(h);
        store
            .add_hamlet(&NewHamlet {
                name: name.clone(),
                kind: None,
                commune_code: Some("17000".into()),
                local_code: Some(format!("T{:02}", h + 1)),
                legacy_commune_code: None,
            })
            .expect("add a hamlet");
        let count = HAMLET_SIZE.min(households - h * HAMLET_SIZE);
        let (csv, m) = hamlet_csv(&mut gen, &name, h + 1, count);
        let report = store
            .import_roster(csv.as_bytes(), ImportOptions::default())
            .expect("import the roster")
            .unwrap_or_else(|problems| panic!("generated roster refused: {problems:?}"));
        assert_eq!(report.households_added as usize, count);
        members += m;
    }
    store
        .write(|db| settings::set(db, SETTING_KEY, key))
        .expect("record the key");
    store
        .conn_for_tests()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("checkpoint");
    drop(store);
    (hamlets, members)
}

/// The cached commune file, generated if missing or from another generator version.
fn commune(households: usize) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let label = if households.is_multiple_of(1000) {
        format!("{}k", households / 1000)
    } else {
        households.to_string()
    };
    let path = dir.join(format!("commune-{label}.db"));
    let key = format!("v{GENERATOR_VERSION};households={households};seed={SEED:x}");
    if path.exists() {
        if let Ok(store) = Store::open(&path) {
            if store
                .read(|db| settings::get(db, SETTING_KEY))
                .ok()
                .flatten()
                .as_deref()
                == Some(key.as_str())
            {
                println!("commune: cached {} ({key})", path.display());
                return path;
            }
        }
    }
    let tmp = dir.join(format!("commune-{label}.db.tmp"));
    let t = Instant::now();
    let (hamlets, members) = generate(&tmp, households, &key);
    remove_db(&path);
    std::fs::rename(&tmp, &path).expect("move the generated file into place");
    println!(
        "commune: GENERATED {} — {households} households, {members} members, {hamlets} hamlets in {:.1} s ({key})",
        path.display(),
        t.elapsed().as_secs_f64()
    );
    path
}

// ---------------------------------------------------------------------------------------------
// Measuring

#[derive(Clone)]
struct Stats {
    median: Duration,
    p95: Duration,
    min: Duration,
    max: Duration,
    n: usize,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    assert!(!v.is_empty(), "no samples");
    v.sort();
    let n = v.len();
    let p95 = ((n as f64 * 0.95).ceil() as usize).clamp(1, n) - 1;
    Stats {
        median: v[n / 2],
        p95: v[p95],
        min: v[0],
        max: v[n - 1],
        n,
    }
}

/// Time `f` `reps` times (after one warm-up call).
fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> Stats {
    black_box(f());
    stats(
        (0..reps)
            .map(|_| {
                let t = Instant::now();
                black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

/// Time `f` in `batches` batches of `per` calls; each sample is the mean time of one call.
fn time_batched<T>(batches: usize, per: usize, mut f: impl FnMut() -> T) -> Stats {
    for _ in 0..per {
        black_box(f());
    }
    stats(
        (0..batches)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..per {
                    black_box(f());
                }
                t.elapsed() / per as u32
            })
            .collect(),
    )
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}

fn fmt_target(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{} µs", d.as_micros())
    } else {
        format!("{} ms", d.as_millis())
    }
}

struct Line {
    op: String,
    s: Stats,
    target: Duration,
    reference: String,
    r: Stats,
}

struct Report {
    lines: Vec<Line>,
}

impl Report {
    fn add(&mut self, op: &str, s: Stats, target: Duration, reference: &str, r: Stats) {
        println!(
            "  {op}: median {} p95 {} (min {} max {}, n={}) | {reference}: median {} | ratio {:.1}×",
            fmt(s.median),
            fmt(s.p95),
            fmt(s.min),
            fmt(s.max),
            s.n,
            fmt(r.median),
            ratio(&s, &r)
        );
        self.lines.push(Line {
            op: op.to_string(),
            s,
            target,
            reference: reference.to_string(),
            r,
        });
    }

    fn print(&self) -> usize {
        let headers = [
            "operation",
            "median",
            "p95",
            "target",
            "reference",
            "ref median",
            "ratio",
            "",
        ];
        let rows: Vec<[String; 8]> = self
            .lines
            .iter()
            .map(|l| {
                [
                    l.op.clone(),
                    fmt(l.s.median),
                    fmt(l.s.p95),
                    format!("≤ {}", fmt_target(l.target)),
                    l.reference.clone(),
                    fmt(l.r.median),
                    format!("{:.1}×", ratio(&l.s, &l.r)),
                    if l.s.p95 <= l.target { "OK" } else { "OVER" }.to_string(),
                ]
            })
            .collect();
        let width = |i: usize| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..headers.len()).map(width).collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                .collect();
            println!("| {} |", parts.join(" | "));
        };
        line(&headers.map(String::from));
        line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
        for r in &rows {
            line(r);
        }
        rows.iter().filter(|r| r[7] == "OVER").count()
    }
}

fn ratio(s: &Stats, r: &Stats) -> f64 {
    s.median.as_secs_f64() / r.median.as_secs_f64().max(1e-9)
}

/// Reference for listings: the bare indexed query, materialising `rows` rows.
fn raw_rows(
    conn: &rusqlite::Connection,
    hamlet: Option<&str>,
    rows: usize,
) -> Vec<(String, String)> {
    let (sql, param): (&str, Option<&str>) = match hamlet {
        Some(h) => (
            "SELECT id, head_name FROM household WHERE hamlet_id = ?1 ORDER BY sort_key LIMIT ?2",
            Some(h),
        ),
        None => (
            "SELECT id, head_name FROM household WHERE ?1 IS NULL ORDER BY sort_key LIMIT ?2",
            None,
        ),
    };
    let mut stmt = conn
        .prepare_cached(sql)
        .expect("prepare the reference query");
    let out: Vec<(String, String)> = stmt
        .query_map(rusqlite::params![param, rows as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("run the reference query")
        .collect::<rusqlite::Result<_>>()
        .expect("read the reference rows");
    assert_eq!(out.len(), rows, "reference materialises as many rows");
    out
}

fn points(p: u32) -> ItemAnswer {
    ItemAnswer {
        value: Some(AnswerValue::Points(Points::whole(p))),
        ..Default::default()
    }
}

fn cdht_items(rng: &mut StdRng, set: &CriteriaSet) -> BTreeMap<String, ItemAnswer> {
    set.indicators()
        .map(|i| (i.id.clone(), points(rng.gen_range(5..=10))))
        .collect()
}

fn answers_json(answers: &Answers) -> String {
    let items: serde_json::Map<String, serde_json::Value> = answers
        .items
        .iter()
        .map(|(k, a)| {
            let v = match a.value {
                Some(AnswerValue::Points(p)) => serde_json::json!(p.as_f64()),
                Some(AnswerValue::YesNo(b)) => serde_json::json!(b),
                None => serde_json::Value::Null,
            };
            (k.clone(), v)
        })
        .collect();
    serde_json::json!({
        "year": answers.year,
        "items": items,
        "members": answers.members,
    })
    .to_string()
}

fn vm_hwm() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
}

fn main() {
    let households: usize = std::env::var("HOCTAP_BENCH_HOUSEHOLDS")
        .ok()
        .map(|v| v.parse().expect("HOCTAP_BENCH_HOUSEHOLDS must be a number"))
        .unwrap_or(20_000);
    assert!(households >= 2, "need at least two households");
    println!("hoctap store bench: {households} households (HOCTAP_BENCH_HOUSEHOLDS)");
    let cached = commune(households);
    let cached_bytes = std::fs::metadata(&cached).map(|m| m.len()).unwrap_or(0);

    // A fresh working copy for everything that writes; the cache stays pristine.
    let work = cached.with_file_name("work.db");
    remove_db(&work);
    std::fs::copy(&cached, &work).expect("copy the commune to a working file");

    let mut report = Report { lines: Vec::new() };
    let ms = |v: u64| Duration::from_millis(v);

    // 1. Open.
    println!("open:");
    let open = time(40, || Store::open(&work).expect("open the store"));
    let open_ref = time(40, || {
        let c = rusqlite::Connection::open(&work).expect("open raw");
        let n: i64 = c
            .query_row("SELECT count(*) FROM household", [], |r| r.get(0))
            .expect("count households");
        n
    });
    report.add(
        "Store::open (existing file)",
        open,
        ms(30),
        "raw open + count(*)",
        open_ref,
    );

    let store = Store::open(&work).expect("open the store");
    let hamlets = store.hamlets().expect("list hamlets");
    let hamlet = hamlets
        .get(hamlets.len() / 2)
        .expect("at least one hamlet")
        .id
        .clone();
    let hamlet_rows = store
        .count_households(Some(&hamlet))
        .expect("count households") as usize;
    let total = store.count_households(None).expect("count households") as usize;
    println!(
        "data: {} hamlets, {total} households, {} members, hamlet for listings: {} ({hamlet_rows} households)",
        hamlets.len(),
        store
            .conn_for_tests()
            .query_row("SELECT count(*) FROM member", [], |r| r.get::<_, i64>(0))
            .expect("count members"),
        hamlets[hamlets.len() / 2].name
    );

    // 2. Listings.
    println!("listings:");
    let cases: [(&str, Option<&str>, Option<&str>); 5] = [
        ("list hamlet sorted", Some(&hamlet), None),
        ("list all sorted", None, None),
        (
            "search hamlet \"nguyen van\"",
            Some(&hamlet),
            Some("nguyen van"),
        ),
        ("search all \"nguyen van\"", None, Some("nguyen van")),
        ("search all \"dung\"", None, Some("dung")),
    ];
    for (label, hamlet_id, search) in cases {
        let q = HouseholdQuery {
            hamlet_id: hamlet_id.map(str::to_string),
            search: search.map(str::to_string),
            ..Default::default()
        };
        let n = store.list_households(&q).expect("list households").len();
        let reps = if n > 5000 { 20 } else { 40 };
        let s = time(reps, || store.list_households(&q).expect("list households"));
        let r = time(reps, || raw_rows(store.conn_for_tests(), hamlet_id, n));
        report.add(
            &format!("{label} ({n} rows)"),
            s,
            ms(20),
            &format!("raw query, {n} rows"),
            r,
        );
    }

    // 3. Engine.
    println!("engine:");
    let mut rng = StdRng::seed_from_u64(SEED ^ 1);
    let year = hoctap_store::SystemClock.current_year();
    let cdht = builtin_set("cdht-324").expect("cdht-324 is built in");
    let cdht_answers = Answers {
        year,
        items: cdht_items(&mut rng, &cdht),
        members: Vec::new(),
        evidence: None,
    };
    let cdht_json = answers_json(&cdht_answers);
    let eval = engine::evaluate(&cdht, &cdht_answers).expect("evaluate cdht-324");
    println!("  cdht-324 → {:?}, total {}", eval.status, eval.total);
    let s = time_batched(20, 500, || engine::evaluate(&cdht, &cdht_answers));
    let r = time_batched(20, 500, || {
        serde_json::from_str::<serde_json::Value>(&cdht_json).expect("parse answers JSON")
    });
    report.add(
        "evaluate cdht-324 (10 items)",
        s,
        Duration::from_micros(50),
        "serde_json::from_str answers",
        r,
    );

    let gdht = builtin_set("gdht-448-2015").expect("gdht-448-2015 is built in");
    let member = |by: i32, schooling: Schooling, literate: bool| MemberFacts {
        name: Some("Nguyễn Văn An".into()),
        birth_year: Some(by),
        schooling: Some(schooling),
        literate: Some(literate),
        ..Default::default()
    };
    let gdht_answers = Answers {
        year,
        items: gdht
            .indicators()
            .filter(|i| {
                !i.missing && matches!(i.answer, hoctap_domain::criteria::AnswerKind::Points { .. })
            })
            .map(|i| (i.id.clone(), points(8)))
            .collect(),
        members: vec![
            member(year - 42, Schooling::Finished, true),
            member(year - 39, Schooling::Finished, true),
            member(year - 12, Schooling::InSchool, true),
            member(year - 8, Schooling::InSchool, true),
        ],
        evidence: None,
    };
    let gdht_json = answers_json(&gdht_answers);
    let eval = engine::evaluate(&gdht, &gdht_answers).expect("evaluate gdht-448-2015");
    println!("  gdht-448-2015 → {:?}, total {}", eval.status, eval.total);
    let s = time_batched(20, 500, || engine::evaluate(&gdht, &gdht_answers));
    let r = time_batched(20, 500, || {
        serde_json::from_str::<serde_json::Value>(&gdht_json).expect("parse answers JSON")
    });
    report.add(
        "evaluate gdht-448 (4 members)",
        s,
        Duration::from_micros(50),
        "serde_json::from_str answers",
        r,
    );

    // 4. Autosave and finalize, on distinct members of the working copy.
    println!("autosave and finalize:");
    let reps = 30;
    let member_ids: Vec<String> = {
        let mut stmt = store
            .conn_for_tests()
            // Adults only: cdht-324 (version 2 on) refuses to assess a child.
            .prepare("SELECT id FROM member WHERE ?2 - birth_year >= ?3 ORDER BY rowid LIMIT ?1")
            .expect("prepare member query");
        stmt.query_map(
            rusqlite::params![reps as i64 * 7, year, hoctap_domain::eligibility::ADULT_AGE],
            |r| r.get(0),
        )
        .expect("query members")
        .collect::<rusqlite::Result<Vec<String>>>()
        .expect("read members")
        .into_iter()
        .step_by(7)
        .collect()
    };
    let drafts: Vec<String> = member_ids
        .iter()
        .map(|m| {
            let subject = Subject {
                kind: SubjectKind::Member,
                id: m.clone(),
            };
            store
                .start_assessment(&subject, &cdht, year)
                .expect("start a draft")
                .id
        })
        .collect();
    let ids: Vec<String> = cdht.indicators().map(|i| i.id.clone()).collect();
    // Answer all but the last indicator in one go, then time the last one as a single autosave.
    let (last, rest) = ids.split_last().expect("cdht-324 has indicators");
    for d in &drafts {
        let items: BTreeMap<String, ItemAnswer> =
            rest.iter().map(|i| (i.clone(), points(8))).collect();
        store.set_answers(d, &items).expect("save answers");
    }
    let mut saves = Vec::new();
    for d in &drafts {
        let t = Instant::now();
        store
            .set_answer(d, last, points(rng.gen_range(5..=10)))
            .expect("autosave one answer");
        saves.push(t.elapsed());
    }
    let mut fins = Vec::new();
    for d in &drafts {
        let t = Instant::now();
        let f = store.finalize(d).expect("finalize");
        fins.push(t.elapsed());
        black_box(f);
    }
    let mut k = 0u32;
    let fsync = time(reps, || {
        k += 1;
        let c = store.conn_for_tests();
        c.execute_batch("BEGIN IMMEDIATE").expect("begin");
        c.execute(
            "INSERT INTO setting (key, value) VALUES (?1, 'x')",
            [format!("bench.fsync.{k}")],
        )
        .expect("insert");
        c.execute_batch("COMMIT").expect("commit");
    });
    report.add(
        "set_answer (1 autosave)",
        stats(saves),
        ms(10),
        "INSERT + COMMIT (fsync floor)",
        fsync.clone(),
    );
    report.add(
        "finalize cdht-324",
        stats(fins),
        ms(10),
        "INSERT + COMMIT (fsync floor)",
        fsync,
    );
    drop(store);

    // 5. Encryption at rest: the same operations on a clear and an encrypted copy.
    let enc = encryption_overhead(&cached, &hamlet, &cdht, year);

    // 6. Size and memory.
    println!();
    println!(
        "database: {:.1} MB ({total} households) — {}",
        cached_bytes as f64 / 1e6,
        cached.display()
    );
    if let Some(hwm) = vm_hwm() {
        println!("peak RSS (VmHWM): {hwm}");
    }
    println!();
    let over = report.print();
    println!();
    println!(
        "{}",
        if over == 0 {
            "all targets met (p95 ≤ target)".to_string()
        } else {
            format!("{over} target(s) OVER (p95 > target)")
        }
    );
    println!();
    enc.print();
    remove_db(&work);
}

/// Clear and encrypted figures of the same operations.
struct Overhead {
    rows: Vec<(String, Stats, Stats)>,
    migration: Duration,
    clear_bytes: u64,
    encrypted_bytes: u64,
}

impl Overhead {
    fn add(&mut self, op: &str, clear: Stats, encrypted: Stats) {
        println!(
            "  {op}: clear median {} p95 {} | encrypted median {} p95 {} | overhead {:+.0} %",
            fmt(clear.median),
            fmt(clear.p95),
            fmt(encrypted.median),
            fmt(encrypted.p95),
            (ratio(&encrypted, &clear) - 1.0) * 100.0
        );
        self.rows.push((op.to_string(), clear, encrypted));
    }

    fn print(&self) {
        println!("encryption at rest (SQLCipher, same data, same run):");
        println!(
            "  one-time encryption of the clear file (export, verify, swap): {} ms; file {:.1} MB clear, {:.1} MB encrypted",
            self.migration.as_millis(),
            self.clear_bytes as f64 / 1e6,
            self.encrypted_bytes as f64 / 1e6
        );
        let w = self
            .rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(9);
        println!(
            "| {:w$} | clear median | encrypted median | ratio | overhead |",
            "operation"
        );
        println!(
            "| {} | ------------ | ---------------- | ----- | -------- |",
            "-".repeat(w)
        );
        for (op, c, e) in &self.rows {
            let r = ratio(e, c);
            println!(
                "| {op}{} | {:>12} | {:>16} | {:>4.2}× | {:>+7.0} % |",
                " ".repeat(w - op.chars().count()),
                fmt(c.median),
                fmt(e.median),
                r,
                (r - 1.0) * 100.0
            );
        }
    }
}

/// Time the same operations on a clear and an encrypted copy of the commune, alternating.
fn encryption_overhead(
    cached: &Path,
    hamlet: &str,
    cdht: &hoctap_domain::criteria::LoadedSet,
    year: i32,
) -> Overhead {
    println!("encryption at rest (clear vs encrypted copy):");
    let clear_path = cached.with_file_name("work-clear.db");
    let enc_path = cached.with_file_name("work-encrypted.db");
    for p in [&clear_path, &enc_path] {
        remove_db(p);
        std::fs::copy(cached, p).expect("copy the commune");
    }
    let key = DbKey::from_bytes([0x5A; 32]);
    let t = Instant::now();
    drop(Store::open_with_key(&enc_path, &key).expect("encrypt the copy"));
    let migration = t.elapsed();
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut out = Overhead {
        rows: Vec::new(),
        migration,
        clear_bytes: size(&clear_path),
        encrypted_bytes: size(&enc_path),
    };

    let oc = time(30, || Store::open(&clear_path).expect("open clear"));
    let oe = time(30, || {
        Store::open_with_key(&enc_path, &key).expect("open encrypted")
    });
    out.add("Store::open", oc, oe);

    let clear = Store::open(&clear_path).expect("open clear");
    let encrypted = Store::open_with_key(&enc_path, &key).expect("open encrypted");
    assert!(encrypted.is_encrypted());
    let queries: [(&str, Option<&str>, Option<&str>); 4] = [
        ("list hamlet sorted", Some(hamlet), None),
        ("list all sorted", None, None),
        (
            "search hamlet \"nguyen van\"",
            Some(hamlet),
            Some("nguyen van"),
        ),
        ("search all \"nguyen van\"", None, Some("nguyen van")),
    ];
    for (label, hamlet_id, search) in queries {
        let q = HouseholdQuery {
            hamlet_id: hamlet_id.map(str::to_string),
            search: search.map(str::to_string),
            ..Default::default()
        };
        let n = clear.list_households(&q).expect("list").len();
        assert_eq!(encrypted.list_households(&q).expect("list").len(), n);
        let reps = if n > 5000 { 15 } else { 30 };
        let c = time(reps, || clear.list_households(&q).expect("list clear"));
        let e = time(reps, || {
            encrypted.list_households(&q).expect("list encrypted")
        });
        out.add(&format!("{label} ({n} rows)"), c, e);
    }

    // One autosave on each of 20 drafts, clear and encrypted alternately.
    let member_ids: Vec<String> = {
        let mut stmt = clear
            .conn_for_tests()
            .prepare(
                "SELECT id FROM member WHERE ?2 - birth_year >= ?3 ORDER BY rowid DESC LIMIT ?1",
            )
            .expect("prepare member query");
        stmt.query_map(
            rusqlite::params![20i64 * 5, year, hoctap_domain::eligibility::ADULT_AGE],
            |r| r.get(0),
        )
        .expect("query members")
        .collect::<rusqlite::Result<Vec<String>>>()
        .expect("read members")
        .into_iter()
        .step_by(5)
        .collect()
    };
    let ids: Vec<String> = cdht.indicators().map(|i| i.id.clone()).collect();
    let draft = |store: &Store, m: &String| {
        let subject = Subject {
            kind: SubjectKind::Member,
            id: m.clone(),
        };
        store
            .start_assessment(&subject, cdht, year)
            .expect("start a draft")
            .id
    };
    let (mut sc, mut se, mut fc, mut fe) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, m) in member_ids.iter().enumerate() {
        let (dc, de) = (draft(&clear, m), draft(&encrypted, m));
        for (j, item) in ids.iter().enumerate() {
            // Alternating one by one, so a slow moment of the disk hits both alike.
            for (store, d, saves) in [(&clear, &dc, &mut sc), (&encrypted, &de, &mut se)] {
                let t = Instant::now();
                store
                    .set_answer(d, item, points(5 + ((i + j) % 6) as u32))
                    .expect("autosave");
                saves.push(t.elapsed());
            }
        }
        for (store, d, fins) in [(&clear, &dc, &mut fc), (&encrypted, &de, &mut fe)] {
            let t = Instant::now();
            black_box(store.finalize(d).expect("finalize"));
            fins.push(t.elapsed());
        }
    }
    out.add("set_answer (1 autosave)", stats(sc), stats(se));
    out.add("finalize cdht-324", stats(fc), stats(fe));
    drop(clear);
    drop(encrypted);
    remove_db(&clear_path);
    remove_db(&enc_path);
    out
}
