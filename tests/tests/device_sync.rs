//! The device (`hoctap-device`: store, photo pipeline, sync) against the real server on loopback,
//! on both backends: enrollment, roster pull, assessing, finalizing, syncing, a reviewer's return,
//! the correction and its upload; then faults — connections cut at random points by a proxy for
//! hundreds of sync runs, the server killed and restarted mid-sync, two devices syncing the same
//! hamlet at once — after which the server holds exactly one copy of every assessment and the
//! device has lost nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::proxy::{FaultProxy, Faults};
use common::*;
use hoctap_device::Device;
use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::engine::{AnswerValue, ItemAnswer};
use hoctap_domain::model::{Points, Subject, SubjectKind};
use hoctap_domain::state::SyncState;
use hoctap_evidence::{IngestOptions, PhotoSource};
use hoctap_store::households::{HouseholdQuery, NewHousehold, NewMember};
use hoctap_store::Store;
use hoctap_sync::run::NoProgress;
use hoctap_sync::{CancelHandle, Outcome, ReqwestTransport, RetryPolicy, RunResult, SyncOptions};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

const ROSTER: &str = "hamlet,household,head,address,member,birth_year,sex,schooling,literate\n\
Thôn Đông,D01,Nguyễn Văn Bình,Xóm 1,Nguyễn Văn Bình,1975,nam,finished,có\n\
Thôn Đông,D01,,,Trần Thị Hoa,1978,nữ,finished,có\n\
Thôn Đông,D01,,,Nguyễn Minh Anh,2014,nữ,in_school,\n\
Thôn Đông,D02,Lê Thị Ánh,Xóm 2,Lê Thị Ánh,1968,nữ,finished,có\n\
Thôn Tây,T01,Phạm Đức Anh,Xóm 3,Phạm Đức Anh,1982,nam,finished,có\n";

fn fast_policy(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(5),
        max_delay: Duration::from_millis(100),
        max_retries,
    }
}

fn sync(device: &Device, url: &str, policy: &RetryPolicy) -> RunResult {
    let transport = ReqwestTransport::new(url).expect("transport");
    device.sync(
        &transport,
        SyncOptions {
            chunk_size: 64 * 1024,
            ..SyncOptions::default()
        },
        policy,
        &NoProgress,
        &CancelHandle::new(),
    )
}

fn server_env(b: Backend) -> Env {
    let env = SERVER.env(b);
    env.admin_ok(&["init", "--province", "25", "--commune", "04831"]);
    add_hamlet(&env, "Thôn Đông");
    add_hamlet(&env, "Thôn Tây");
    let roster = env.dir.path().join("roster.csv");
    std::fs::write(&roster, ROSTER).expect("roster");
    env.admin_ok(&["import", "roster", roster.to_str().expect("path")]);
    env
}

fn new_device(env: &Env, url: &str, hamlets: &[&str]) -> (tempfile::TempDir, Device) {
    let dir = tempfile::tempdir().expect("device dir");
    let device = Device::open(dir.path()).expect("device");
    let code = enroll_code(env, hamlets);
    let transport = ReqwestTransport::new(url).expect("transport");
    device
        .enroll(&transport, url, &code, Some("test phone".into()))
        .expect("enroll");
    (dir, device)
}

fn answer_all(store: &Store, id: &str, points: u32) {
    let set = builtin_set("cdht-324").expect("set");
    let items: BTreeMap<String, ItemAnswer> = set
        .indicators()
        .map(|i| {
            (
                i.id.clone(),
                ItemAnswer {
                    value: Some(AnswerValue::Points(Points::whole(points))),
                    ..Default::default()
                },
            )
        })
        .collect();
    store.set_answers(id, &items).expect("answers");
}

fn shared_photo(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/photos")
        .join(rel)
}

/// Assess a member with Công dân học tập, attach `photos` (file, indicator, long edge: a
/// different edge gives a different stored file) and finalize; returns the assessment id.
fn assess_member(
    device: &Device,
    member_id: &str,
    points: u32,
    photos: &[(&str, &str, u32)],
) -> String {
    let set = builtin_set("cdht-324").expect("set");
    let subject = Subject {
        kind: SubjectKind::Member,
        id: member_id.to_string(),
    };
    let store = device.store();
    let a = store.start_assessment(&subject, &set, 2026).expect("start");
    answer_all(store, &a.id, points);
    for (file, item, edge) in photos {
        let options = IngestOptions {
            max_edge: *edge,
            disk_reserve: 0,
            ..IngestOptions::default()
        };
        device
            .attach_photo(
                &a.id,
                item,
                PhotoSource::Path(&shared_photo(file)),
                &options,
            )
            .expect("photo");
    }
    store.finalize(&a.id).expect("finalize").id
}

/// Every photo the device attached is on the server, complete and hash-verified.
fn assert_server_has_photos(env: &Env, devices: &[&Device]) -> usize {
    let mut n = 0;
    for device in devices {
        for item in device.store().outbox().expect("outbox") {
            for (_, photos) in device.photos_of(&item.id).expect("photos") {
                for p in photos {
                    let bytes = std::fs::read(env.blob_path(&p.sha256))
                        .unwrap_or_else(|e| panic!("server lacks photo {}: {e}", p.sha256));
                    assert_eq!(hoctap_domain::assessment::sha256_hex(&bytes), p.sha256);
                    n += 1;
                }
            }
        }
    }
    n
}

/// A household created on the device (unknown to the server) with one adult; its member id.
fn device_household(store: &Store, hamlet_id: &str, head: &str) -> String {
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: hamlet_id.into(),
            head: head.into(),
            ..Default::default()
        })
        .expect("household");
    store
        .add_member(
            &hh.id,
            &NewMember {
                name: head.into(),
                birth_year: Some(1980),
                ..Default::default()
            },
        )
        .expect("member")
        .id
}

fn finalized_ids(store: &Store) -> HashSet<String> {
    store
        .outbox()
        .expect("outbox")
        .into_iter()
        .map(|i| i.id)
        .collect()
}

both_backends!(cadre_round_trip, |b| {
    let env = server_env(b);
    let server = env.serve(&[]);
    let url = server.url();
    let (_dir, device) = new_device(&env, &url, &["Thôn Đông"]);
    let store = device.store();

    // First sync pulls the hamlet's roster (not Thôn Tây's) and the criteria.
    let r = sync(&device, &url, &fast_policy(3));
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    assert_eq!(r.report.pulled.households, 2);
    let rows = store
        .list_households(&HouseholdQuery::default())
        .expect("list");
    let heads: Vec<&str> = rows.iter().map(|r| r.head.as_str()).collect();
    assert_eq!(heads, ["Lê Thị Ánh", "Nguyễn Văn Bình"]);
    assert!(store.clock_skew_ms().expect("skew").is_some());

    // Assess a member from the server's roster, and one of a household made on the device.
    let binh = store.members(&rows[1].id).expect("members");
    let binh = binh
        .iter()
        .find(|m| m.name == "Nguyễn Văn Bình")
        .expect("Bình");
    let a1 = assess_member(
        &device,
        &binh.id,
        8,
        &[
            ("phones/nokia-8.3-4608x1976.jpg", "1.1", 1600),
            ("gps/DSCN0010.jpg", "2.1", 1600),
        ],
    );
    let new_member = device_household(store, &rows[0].hamlet_id, "Hồ Văn Mới");
    let a2 = assess_member(
        &device,
        &new_member,
        9,
        &[("phones/iphone6-3264x2448.jpg", "3.1", 1600)],
    );
    assert_eq!(store.outbox_counts().expect("counts").queued, 2);

    let r = sync(&device, &url, &fast_policy(3));
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    assert_eq!(r.report.sent, 2);
    assert_eq!(r.report.photos_uploaded, 3);
    let counts = store.outbox_counts().expect("counts");
    assert_eq!((counts.sent, counts.pending()), (2, 0));
    assert_eq!(assert_server_has_photos(&env, &[&device]), 3);

    // The server holds both, re-scored identically.
    let list = env.admin_json(&["assessments"]);
    let list = list.as_array().expect("list");
    assert_eq!(list.len(), 2);
    for a in list {
        assert_eq!(a["status"], "passed", "{a}");
        assert_eq!(a["mismatch"], false);
        assert_eq!(a["evidence_present"], a["evidence_expected"], "{a}");
    }
    let photos: u64 = list
        .iter()
        .filter_map(|a| a["evidence_present"].as_u64())
        .sum();
    assert_eq!(photos, 3);

    // A reviewer returns one; the device sees the comment, corrects it as a new revision and
    // uploads it again.
    env.admin_ok(&["return", &a1, "--comment", "Chỉ số 1.1 chấm chưa đúng"]);
    let r = sync(&device, &url, &fast_policy(3));
    assert_eq!(r.outcome, Outcome::Done);
    assert_eq!(r.report.returned, 1);
    let item = store
        .outbox()
        .expect("outbox")
        .into_iter()
        .find(|i| i.id == a1)
        .expect("a1");
    assert_eq!(item.state, SyncState::NeedsCorrection);
    assert_eq!(item.detail.as_deref(), Some("Chỉ số 1.1 chấm chưa đúng"));
    let fix = store.correct(&a1).expect("correct");
    store
        .set_answer(
            &fix.id,
            "1.1",
            ItemAnswer {
                value: Some(AnswerValue::Points(Points::whole(6))),
                ..Default::default()
            },
        )
        .expect("fix");
    store.finalize(&fix.id).expect("finalize fix");
    let r = sync(&device, &url, &fast_policy(3));
    assert_eq!(r.outcome, Outcome::Done);
    assert_eq!(r.report.sent, 1);
    let list = env.admin_json(&["assessments"]);
    let ids: HashSet<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        HashSet::from([a1.as_str(), a2.as_str(), fix.id.as_str()])
    );

    // Syncing again sends nothing new.
    let r = sync(&device, &url, &fast_policy(3));
    assert_eq!((r.outcome, r.report.sent), (Outcome::Done, 0));
});

both_backends!(revoked_device_stops_with_auth, |b| {
    let env = server_env(b);
    let server = env.serve(&[]);
    let url = server.url();
    let (_dir, device) = new_device(&env, &url, &["Thôn Đông"]);
    let store = device.store();
    let device_id = store.enrollment().expect("e").expect("enrolled").device_id;
    env.admin_ok(&["device", "revoke", &device_id]);
    let r = sync(&device, &url, &fast_policy(3));
    assert_eq!(r.outcome, Outcome::Auth);
    // Nothing is lost: an assessment made now stays queued.
    let rows = store
        .list_households(&HouseholdQuery::default())
        .expect("list");
    assert!(rows.is_empty(), "revoked before the first pull");
});

/// Hundreds of sync runs through a proxy that cuts connections at random points, with the
/// server killed and restarted during the runs, and two devices on the same hamlet syncing at
/// the same time.
fn faults(b: Backend) {
    let env = server_env(b);
    let mut server = env.serve(&[]);
    let proxy = FaultProxy::start(
        &server.addr,
        Faults {
            cut_probability: 0.5,
            max_bytes: 160_000,
        },
        0xFA17,
    );
    let url = proxy.url();
    // A device is not `Sync`: each sync thread below gets one device by `&mut`.
    let (_d1, mut s1) = new_device(&env, &server.url(), &["Thôn Đông"]);
    let (_d2, mut s2) = new_device(&env, &server.url(), &["Thôn Đông"]);
    // Point both devices at the proxy from now on.
    for s in [&s1, &s2] {
        let mut e = s.store().enrollment().expect("e").expect("enrolled");
        e.server = url.clone();
        s.store().save_enrollment(&e).expect("save");
    }
    let first = sync(&s1, &url, &fast_policy(50));
    assert_eq!(first.outcome, Outcome::Done, "{:?}", first.message);
    let second = sync(&s2, &url, &fast_policy(50));
    assert_eq!(second.outcome, Outcome::Done, "{:?}", second.message);
    let hamlet = s1
        .store()
        .list_households(&HouseholdQuery::default())
        .expect("list")[0]
        .hamlet_id
        .clone();

    let runs: usize = std::env::var("HOCTAP_FAULT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for run in 0..runs {
        // Each device keeps assessing new people between syncs.
        for (n, s) in [&s1, &s2].into_iter().enumerate() {
            if run % 3 == n {
                let m = device_household(s.store(), &hamlet, &format!("Người {n}-{run}"));
                // A distinct photo per assessment (another size is another file).
                let edge = 900 + 4 * run as u32 + n as u32;
                assess_member(
                    s,
                    &m,
                    5 + (run % 6) as u32,
                    &[("phones/iphone6-3264x2448.jpg", "1.1", edge)],
                );
            }
        }
        if run > 0 && run % 40 == 0 {
            // Kill the server while both devices are syncing, then start it again.
            let url1 = url.clone();
            let url2 = url.clone();
            let (a, b2) = (&mut s1, &mut s2);
            let (r1, r2, restarted) = std::thread::scope(|scope| {
                let h1 = scope.spawn(move || sync(a, &url1, &fast_policy(60)));
                let h2 = scope.spawn(move || sync(b2, &url2, &fast_policy(60)));
                std::thread::sleep(Duration::from_millis(15));
                drop(std::mem::replace(&mut server, env.serve(&[])));
                proxy.set_target(&server.addr);
                (h1.join().expect("d1"), h2.join().expect("d2"), true)
            });
            assert!(restarted);
            for r in [r1, r2] {
                *outcomes.entry(format!("{:?}", r.outcome)).or_default() += 1;
            }
        } else {
            let (a, b2) = (&mut s1, &mut s2);
            let url = &url;
            let (r1, r2) = std::thread::scope(|scope| {
                let h1 = scope.spawn(move || sync(a, url, &fast_policy(4)));
                let h2 = scope.spawn(move || sync(b2, url, &fast_policy(4)));
                (h1.join().expect("d1"), h2.join().expect("d2"))
            });
            for r in [r1, r2] {
                assert_ne!(r.outcome, Outcome::Failed, "{:?}", r.message);
                assert_ne!(r.outcome, Outcome::Auth, "{:?}", r.message);
                *outcomes.entry(format!("{:?}", r.outcome)).or_default() += 1;
            }
        }
    }
    // Calm network: everything drains.
    proxy.set_faults(Faults {
        cut_probability: 0.0,
        max_bytes: 1,
    });
    for s in [&s1, &s2] {
        let r = sync(s, &url, &fast_policy(10));
        assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
        let c = s.store().outbox_counts().expect("counts");
        let stuck: Vec<_> = s
            .store()
            .outbox()
            .expect("outbox")
            .into_iter()
            .filter(|i| i.state != SyncState::Sent)
            .map(|i| (i.id, i.state, i.detail))
            .collect();
        assert_eq!(c.pending(), 0, "{c:?} {stuck:?}");
        assert_eq!(c.wedged, 0, "{stuck:?}");
        assert!(s.store().integrity_ok().expect("integrity"));
    }
    let device_ids: HashSet<String> = finalized_ids(s1.store())
        .union(&finalized_ids(s2.store()))
        .cloned()
        .collect();
    let list = env.admin_json(&["assessments"]);
    let list = list.as_array().expect("list");
    let server_ids: Vec<&str> = list.iter().filter_map(|a| a["id"].as_str()).collect();
    let unique: HashSet<&str> = server_ids.iter().copied().collect();
    assert_eq!(unique.len(), server_ids.len(), "exactly one copy of each");
    assert_eq!(
        unique,
        device_ids
            .iter()
            .map(String::as_str)
            .collect::<HashSet<_>>(),
        "the server has every finalized assessment of both devices"
    );
    for a in list {
        assert_eq!(a["evidence_present"], a["evidence_expected"], "{a}");
        assert_eq!(a["evidence_expected"], 1, "{a}");
        assert_eq!(a["mismatch"], false);
    }
    let photos = assert_server_has_photos(&env, &[&s1, &s2]);
    assert_eq!(photos, unique.len());
    let cuts = proxy.cuts.load(std::sync::atomic::Ordering::SeqCst);
    assert!(cuts >= 50, "the proxy must actually cut: {cuts}");
    eprintln!(
        "{runs} fault rounds × 2 devices: {} connections cut, outcomes {outcomes:?}, {} assessments on the server",
        proxy.cuts.load(std::sync::atomic::Ordering::SeqCst),
        unique.len()
    );
}

both_backends!(cuts_restarts_and_two_devices_lose_nothing, faults);
