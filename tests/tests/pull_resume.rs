//! A first pull over a link that keeps breaking: connections cut at random points (inside a
//! compressed page, its request or its answer), run after run. Every page is applied with its
//! cursor in one transaction, so a cut never costs more than the page in flight: the device never
//! asks for a cursor it has already passed, and ends with the whole roster.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::proxy::{FaultProxy, Faults};
use common::*;
use hoctap_device::Device;
use hoctap_sync::run::NoProgress;
use hoctap_sync::{CancelHandle, Outcome, ReqwestTransport, RetryPolicy, SyncOptions};
use std::time::Duration;

const HOUSEHOLDS: usize = 400;

fn roster() -> String {
    let mut csv = String::from("hamlet,household,head,address,member,birth_year,sex\n");
    for i in 0..HOUSEHOLDS {
        let head = format!("Nguyễn Văn Hộ {i}");
        csv.push_str(&format!(
            "Thôn Đông,D{i:04},{head},Xóm {},{head},1970,nam\n",
            i % 9
        ));
        csv.push_str(&format!("Thôn Đông,D{i:04},,,Trần Thị Vợ {i},1972,nữ\n"));
    }
    csv
}

/// A server with Thôn Đông and its roster, serving on loopback.
fn commune(b: Backend) -> (Env, Server) {
    let env = SERVER.env(b);
    env.admin_ok(&["init", "--province", "25", "--commune", "04831"]);
    add_hamlet(&env, "Thôn Đông");
    let file = env.dir.path().join("roster.csv");
    std::fs::write(&file, roster()).unwrap();
    env.admin_ok(&["import", "roster", &file.display().to_string()]);
    let server = env.serve(&[]);
    (env, server)
}

/// A fresh device enrolled for Thôn Đông (directly, not through a proxy); nothing pulled yet.
fn enrolled_device(env: &Env, server: &Server) -> (tempfile::TempDir, Device) {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::open(dir.path()).unwrap();
    let direct = ReqwestTransport::new(&server.url()).unwrap();
    device
        .enroll(
            &direct,
            &server.url(),
            &enroll_code(env, &["Thôn Đông"]),
            None,
        )
        .unwrap();
    (dir, device)
}

both_backends!(a_cut_pull_resumes_after_the_last_applied_page, |b| {
    let (env, server) = commune(b);
    for seed in [1u64, 2, 3] {
        let (_dir, device) = enrolled_device(&env, &server);
        let proxy = FaultProxy::start(
            &server.addr,
            // Every connection (the client keeps one alive for many requests) is cut after a
            // random number of bytes: a few pages get through each, then the link breaks.
            Faults {
                cut_probability: 1.0,
                max_bytes: 8_000,
            },
            seed,
        );
        let transport = ReqwestTransport::new(&proxy.url()).unwrap();
        let options = SyncOptions {
            page_size: Some(25),
            ..SyncOptions::default()
        };
        let policy = RetryPolicy {
            base: Duration::from_millis(2),
            max_delay: Duration::from_millis(20),
            max_retries: 4,
        };
        let mut runs = 0;
        loop {
            runs += 1;
            assert!(runs < 200, "seed {seed}: no progress after {runs} runs");
            let r = device.sync(
                &transport,
                options.clone(),
                &policy,
                &NoProgress,
                &CancelHandle::new(),
            );
            match r.outcome {
                Outcome::Done => break,
                Outcome::Offline => continue,
                other => panic!("seed {seed}: {other:?} {:?}", r.message),
            }
        }
        assert_eq!(
            device.store().count_households(None).unwrap() as usize,
            HOUSEHOLDS,
            "seed {seed}: the whole roster"
        );
        let cursors = proxy.pull_cursors.lock().unwrap().clone();
        let cuts = proxy.cuts.load(std::sync::atomic::Ordering::SeqCst);
        assert!(cuts > 0, "seed {seed}: the link must break at least once");
        // Never back to an earlier page: each request asks for the cursor after the last page
        // applied, which only moves forward.
        for w in cursors.windows(2) {
            assert!(w[0] <= w[1], "seed {seed}: cursor went back: {cursors:?}");
        }
        // A page is asked for again only when its fetch was cut: at most one repeat per cut.
        let distinct = {
            let mut d = cursors.clone();
            d.dedup();
            d.len() as u64
        };
        let repeats = cursors.len() as u64 - distinct;
        assert!(
            repeats <= cuts,
            "seed {seed}: {repeats} repeated page requests for {cuts} cuts: {cursors:?}"
        );
        assert!(distinct as usize >= HOUSEHOLDS / 25, "{cursors:?}");
    }
});

/// Records, for every `GET /sync`, its cursor and the thread that sent it.
struct Recording {
    inner: ReqwestTransport,
    pulls: std::sync::Mutex<Vec<(String, std::thread::ThreadId)>>,
}

impl hoctap_sync::Transport for Recording {
    fn send(
        &self,
        request: &hoctap_sync::HttpRequest,
    ) -> Result<hoctap_sync::HttpResponse, hoctap_sync::TransportError> {
        if let Some(q) = request.path.split("/sync?").nth(1) {
            let cursor = q
                .split('&')
                .find_map(|kv| kv.strip_prefix("cursor="))
                .unwrap_or_default()
                .to_string();
            self.pulls
                .lock()
                .unwrap()
                .push((cursor, std::thread::current().id()));
        }
        self.inner.send(request)
    }
}

both_backends!(
    each_page_is_fetched_while_the_previous_one_is_written,
    |b| {
        let (env, server) = commune(b);
        let (_dir, device) = enrolled_device(&env, &server);
        let transport = Recording {
            inner: ReqwestTransport::new(&server.url()).unwrap(),
            pulls: std::sync::Mutex::new(Vec::new()),
        };
        let options = SyncOptions {
            page_size: Some(50),
            ..SyncOptions::default()
        };
        let r = device.sync(
            &transport,
            options,
            &RetryPolicy::default(),
            &NoProgress,
            &CancelHandle::new(),
        );
        assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
        assert_eq!(
            device.store().count_households(None).unwrap() as usize,
            HOUSEHOLDS
        );
        let pulls = transport.pulls.into_inner().unwrap();
        // 400 households at 50 a page (and the hamlet and criteria records): at least 8 pages,
        // each asked for once, in order.
        assert!(pulls.len() >= HOUSEHOLDS / 50, "{pulls:?}");
        let cursors: Vec<i64> = pulls
            .iter()
            .map(|(c, _)| c.parse::<i64>().unwrap_or(0))
            .collect();
        assert!(
            cursors.windows(2).all(|w| w[0] < w[1]),
            "each page once, in order: {cursors:?}"
        );
        // The first page is asked for by the driver; every later one by the thread that fetches
        // it while the page before it is written.
        let driver = pulls[0].1;
        assert!(
            pulls[1..].iter().all(|(_, t)| *t != driver),
            "later pages must be fetched off the writing thread: {pulls:?}"
        );
    }
);
