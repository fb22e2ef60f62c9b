//! The household list through the app core on a commune of `HOCTAP_BENCH_HOUSEHOLDS` households
//! (default 20,000; four members each on average, hamlets of 500): prints figures, asserts
//! nothing.
//!
//! | operation | what is timed | reference (same run) | target |
//! |---|---|---|---|
//! | open the list (first page) | `dispatch(Open Households)` + `view()`, data changed since the last open (nothing cached) | `Store::list_households` of the same page (limit = page + 1) | p95 ≤ 20 ms |
//! | search keystroke, every hamlet | `dispatch(SearchChanged)` + `view()` for each prefix of typed names | `Store::list_households` with that search and page limit | p95 ≤ 20 ms |
//! | search keystroke, one hamlet | the same within a hamlet of 500 | the same query within the hamlet | p95 ≤ 20 ms |
//!
//! The ratio says what the core adds (statuses of the page's rows, the view model, the sync
//! bar) over the store's own query. The generated database is cached in
//! `target/bench-data/app-<n>.db` (copied fresh per run). Run: `cargo bench -p hoctap-app
//! --bench household_list` or `scripts/bench` (`--quick`: 2,000 households).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_app::{AppCore, AppOptions, Event, ScreenView, Target};
use hoctap_domain::model::{Schooling, Sex};
use hoctap_store::households::{self, HouseholdQuery, NewHousehold, NewMember};
use hoctap_store::units::NewHamlet;
use hoctap_store::Store;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const FAMILY: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Đinh", "Trương",
];
const MIDDLE: &[&str] = &[
    "Văn", "Văn", "Thị", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu",
];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương",
    "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Phong", "Phương",
    "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Việt", "Yến",
];
const HAMLET_SIZE: usize = 500;
const PAGE: i32 = 50;

/// A small seeded generator (xorshift): the same commune every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, l: &[&'a str]) -> &'a str {
        l[(self.next() % l.len() as u64) as usize]
    }
    fn name(&mut self) -> String {
        format!(
            "{} {} {}",
            self.pick(FAMILY),
            self.pick(MIDDLE),
            self.pick(GIVEN)
        )
    }
}

fn target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data")
}

/// The cached commune, generated through the store's API on first use.
fn commune(n: usize) -> PathBuf {
    let path = target_dir().join(format!("app-{n}.db"));
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(target_dir()).unwrap();
    let tmp = target_dir().join(format!("app-{n}.db.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let t = Instant::now();
    {
        let store = Store::open(&tmp).unwrap();
        let mut rng = Rng(0x4150_5042_454e_4348);
        let hamlets: Vec<String> = (0..n.div_ceil(HAMLET_SIZE))
            .map(|i| {
                store
                    .add_hamlet(&NewHamlet {
                        name: format!("Thôn {}", i + 1),
                        ..Default::default()
                    })
                    .unwrap()
                    .id
            })
            .collect();
        store
            .write(|db| {
                for i in 0..n {
                    let head = rng.name();
                    let id = households::insert_household(
                        db,
                        &NewHousehold {
                            hamlet_id: hamlets[i / HAMLET_SIZE].clone(),
                            head: head.clone(),
                            address: Some(format!("Xóm {}", i % 12 + 1)),
                            roster_code: Some(format!("H{i:05}")),
                            ..Default::default()
                        },
                    )?;
                    let members = 2 + (rng.next() % 5) as usize;
                    for m in 0..members {
                        let name = if m == 0 { head.clone() } else { rng.name() };
                        households::insert_member(
                            db,
                            &id,
                            &NewMember {
                                name,
                                birth_year: Some(1950 + (rng.next() % 70) as i32),
                                sex: Some(if rng.next().is_multiple_of(2) {
                                    Sex::Male
                                } else {
                                    Sex::Female
                                }),
                                schooling: Some(Schooling::Finished),
                                literate: Some(true),
                                ..Default::default()
                            },
                        )?;
                    }
                }
                Ok(())
            })
            .unwrap();
    }
    std::fs::rename(&tmp, &path).unwrap();
    println!(
        "generated {n} households in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    path
}

struct Stats {
    p50: Duration,
    p95: Duration,
    n: usize,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let n = v.len();
    let p95 = ((n as f64 * 0.95).ceil() as usize).clamp(1, n) - 1;
    Stats {
        p50: v[n / 2],
        p95: v[p95],
        n,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn line(op: &str, s: &Stats, reference: &Stats) {
    let ratio = s.p50.as_secs_f64() / reference.p50.as_secs_f64().max(1e-9);
    let verdict = if s.p95 <= Duration::from_millis(20) {
        "OK"
    } else {
        "OVER"
    };
    println!(
        "| {op} | {} | {} | ≤ 20 ms | {} | {} | {ratio:.1}× | {verdict} | n={} |",
        ms(s.p50),
        ms(s.p95),
        ms(reference.p50),
        ms(reference.p95),
        s.n
    );
}

fn rows(core: &AppCore) -> usize {
    match core.view().screen {
        ScreenView::Households(l) => l.rows.len(),
        other => panic!("not the list: {other:?}"),
    }
}

fn main() {
    let n: usize = std::env::var("HOCTAP_BENCH_HOUSEHOLDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let cached = commune(n);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&cached, dir.path().join(hoctap_store::DB_FILE)).unwrap();
    let options = AppOptions {
        year: Some(2026),
        page_size: PAGE,
        ..AppOptions::default()
    };
    let t = Instant::now();
    let mut core = AppCore::open(dir.path(), options).unwrap();
    core.dispatch(Event::Started);
    core.dispatch(Event::Open {
        target: Target::Home,
    });
    println!("households: {n}; core opened in {}", ms(t.elapsed()));
    // The store's own query, on its own connection to the same file.
    let store = Store::open(&dir.path().join(hoctap_store::DB_FILE)).unwrap();
    let first_hamlet = store.hamlets().unwrap()[0].id.clone();
    let page_query = |hamlet: Option<String>, search: Option<String>| HouseholdQuery {
        hamlet_id: hamlet,
        search,
        search_address: false,
        limit: Some(PAGE as u32 + 1),
        offset: Some(0),
    };

    println!(
        "| operation | p50 | p95 | target | store p50 | store p95 | ratio (p50) | | samples |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");

    // Open the list: first page, nothing cached (the data changed: Refresh bumps it).
    let reps = 60;
    let mut app = Vec::new();
    for _ in 0..reps {
        core.dispatch(Event::Refresh);
        let t = Instant::now();
        core.dispatch(Event::Open {
            target: Target::Households { hamlet_id: None },
        });
        black_box(core.view());
        app.push(t.elapsed());
        assert_eq!(rows(&core), PAGE as usize);
        core.dispatch(Event::Back);
    }
    let reference: Vec<Duration> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            black_box(store.list_households(&page_query(None, None)).unwrap());
            t.elapsed()
        })
        .collect();
    line(
        "open the list, first page (all hamlets)",
        &stats(app),
        &stats(reference),
    );

    // Keystrokes: names typed letter by letter, with and without diacritics.
    let typed = [
        "nguyen van hung",
        "Trần Thị Lan",
        "le minh",
        "H0123",
        "đặng ngọc",
    ];
    let prefixes: Vec<String> = typed
        .iter()
        .flat_map(|w| {
            let chars: Vec<char> = w.chars().collect();
            (1..=chars.len()).map(move |k| chars[..k].iter().collect::<String>())
        })
        .collect();
    for (label, hamlet) in [
        ("search keystroke, all hamlets", None),
        (
            "search keystroke, one hamlet (500)",
            Some(first_hamlet.clone()),
        ),
    ] {
        core.dispatch(Event::Open {
            target: Target::Households {
                hamlet_id: hamlet.clone(),
            },
        });
        let mut app = Vec::new();
        for _round in 0..2 {
            for p in &prefixes {
                let t = Instant::now();
                core.dispatch(Event::SearchChanged { text: p.clone() });
                black_box(core.view());
                app.push(t.elapsed());
            }
            core.dispatch(Event::SearchChanged {
                text: String::new(),
            });
        }
        let mut reference = Vec::new();
        for _round in 0..2 {
            for p in &prefixes {
                let t = Instant::now();
                black_box(
                    store
                        .list_households(&page_query(hamlet.clone(), Some(p.clone())))
                        .unwrap(),
                );
                reference.push(t.elapsed());
            }
        }
        line(label, &stats(app), &stats(reference));
        core.dispatch(Event::Back);
    }
    let _ = Path::new(".");
}
