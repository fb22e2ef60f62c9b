//! Field scenarios that used to trap a cadre, against the real server on loopback, on both
//! backends: work done before enrolling reaches the server without duplicate hamlets or
//! households; a record the server refuses is set aside while the others go; set-aside items
//! are retried or kept as drafts; a clan and a unit are assessed and accepted; a returned and
//! corrected assessment counts once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hoctap_device::Device;
use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::criteria::{AnswerKind, LoadedSet};
use hoctap_domain::engine::{AnswerValue, ItemAnswer};
use hoctap_domain::model::{Model, Points, Subject, SubjectKind};
use hoctap_domain::protocol::UnitKind;
use hoctap_domain::state::SyncState;
use hoctap_evidence::{IngestOptions, PhotoSource};
use hoctap_store::households::{HouseholdQuery, MemberChange, NewHousehold, NewMember};
use hoctap_store::org_units::NewUnit;
use hoctap_store::units::NewHamlet;
use hoctap_store::Store;
use hoctap_sync::run::NoProgress;
use hoctap_sync::{CancelHandle, Outcome, ReqwestTransport, RetryPolicy, RunResult, SyncOptions};
use std::collections::BTreeMap;
use std::time::Duration;

const ROSTER: &str = "hamlet,household,head,address,member,birth_year,sex,schooling,literate\n\
Thôn Đông,D01,Nguyễn Văn Bình,Xóm 1,Nguyễn Văn Bình,1975,nam,finished,có\n\
Thôn Đông,D02,Lê Thị Ánh,Xóm 2,Lê Thị Ánh,1968,nữ,finished,có\n\
Thôn Tây,T01,Phạm Đức Anh,Xóm 3,Phạm Đức Anh,1982,nam,finished,có\n";

const YEAR: i32 = 2026;

fn policy() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(5),
        max_delay: Duration::from_millis(100),
        max_retries: 3,
    }
}

fn sync(device: &Device, url: &str) -> RunResult {
    let transport = ReqwestTransport::new(url).expect("transport");
    device.sync(
        &transport,
        SyncOptions::default(),
        &policy(),
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

fn enroll(device: &Device, env: &Env, url: &str, hamlets: &[&str]) {
    let code = enroll_code(env, hamlets);
    let transport = ReqwestTransport::new(url).expect("transport");
    device
        .enroll(&transport, url, &code, Some("test phone".into()))
        .expect("enroll");
}

/// Answer every indicator the cadre answers (derived ones come from the members) with
/// `points`, capped at each indicator's maximum; yes/no indicators with "có".
fn answer_all(store: &Store, id: &str, set: &LoadedSet, points: u32) {
    let items: BTreeMap<String, ItemAnswer> = set
        .indicators()
        .filter(|i| !i.missing && !matches!(i.answer, AnswerKind::Derived(_)))
        .map(|i| {
            let value = match i.answer {
                AnswerKind::YesNo => AnswerValue::YesNo(true),
                _ => AnswerValue::Points(Points::whole(points).min(i.max.unwrap_or(Points::ZERO))),
            };
            (
                i.id.clone(),
                ItemAnswer {
                    value: Some(value),
                    ..Default::default()
                },
            )
        })
        .collect();
    store.set_answers(id, &items).expect("answers");
}

/// Assess `subject` against `set_id`, with a photo on every indicator that needs one, and
/// finalize; the assessment id.
fn assess(device: &Device, subject: Subject, set_id: &str, points: u32) -> String {
    let store = device.store();
    let set = builtin_set(set_id).expect("set");
    let a = store.start_assessment(&subject, &set, YEAR).expect("start");
    answer_all(store, &a.id, &set, points);
    let photo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/photos/phones/iphone6-3264x2448.jpg");
    for ind in set.indicators().filter(|i| i.evidence.required) {
        for n in 0..ind.evidence.min_photos {
            // A different long edge gives a different stored photo.
            let options = IngestOptions {
                max_edge: 800 + 16 * n,
                disk_reserve: 0,
                ..IngestOptions::default()
            };
            device
                .attach_photo(&a.id, &ind.id, PhotoSource::Path(&photo), &options)
                .expect("photo");
        }
    }
    store.finalize(&a.id).expect("finalize").id
}

/// A household with one adult member; (household id, member id).
fn household(store: &Store, hamlet_id: &str, code: Option<&str>, head: &str) -> (String, String) {
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: hamlet_id.into(),
            head: head.into(),
            roster_code: code.map(Into::into),
            ..Default::default()
        })
        .expect("household");
    let m = store
        .add_member(
            &hh.id,
            &NewMember {
                name: head.into(),
                birth_year: Some(1975),
                ..Default::default()
            },
        )
        .expect("member");
    (hh.id, m.id)
}

fn member(id: &str) -> Subject {
    Subject {
        kind: SubjectKind::Member,
        id: id.into(),
    }
}

fn hamlet_names(store: &Store) -> Vec<String> {
    store
        .hamlets()
        .expect("hamlets")
        .into_iter()
        .map(|h| h.name)
        .collect()
}

fn server_assessments(env: &Env) -> Vec<serde_json::Value> {
    env.admin_json(&["assessments"])
        .as_array()
        .expect("list")
        .clone()
}

both_backends!(pre_enrollment_work_reaches_the_server_once, |b| {
    let env = server_env(b);
    let server = env.serve(&[]);
    let url = server.url();
    let dir = tempfile::tempdir().expect("dir");
    let device = Device::open(dir.path()).expect("device");
    let store = device.store();

    // Before enrolling: the cadre types the hamlet and two households — one the commune's
    // roster already has (D01, same head), one it does not — and finalizes three assessments.
    let dong = store
        .add_hamlet(&NewHamlet {
            name: "Thôn Đông".into(),
            ..Default::default()
        })
        .expect("hamlet");
    let (d01, binh) = household(store, &dong.id, Some("D01"), "Nguyễn Văn Bình");
    let (_, moi) = household(store, &dong.id, None, "Hồ Văn Mới");
    let a_binh = assess(&device, member(&binh), "cdht-324", 8);
    let a_moi = assess(&device, member(&moi), "cdht-324", 9);
    let a_dong = assess(
        &device,
        Subject {
            kind: SubjectKind::Hamlet,
            id: dong.id.clone(),
        },
        "template-cong-dong",
        5,
    );
    assert_eq!(store.outbox().expect("outbox").len(), 3);

    enroll(&device, &env, &url, &["Thôn Đông"]);
    let r = sync(&device, &url);
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    let counts = store.outbox_counts().expect("counts");
    assert_eq!(
        (counts.sent, counts.wedged, counts.pending()),
        (3, 0, 0),
        "all sent: {:?}",
        store.outbox().expect("outbox")
    );

    // One "Thôn Đông" on the device, the server's; the households stayed where they were
    // matched: D01 once (the server's household), Hồ Văn Mới added.
    assert_eq!(hamlet_names(store), ["Thôn Đông"]);
    let rows = store
        .list_households(&HouseholdQuery::default())
        .expect("list");
    let mut heads: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|r| (r.head.as_str(), r.roster_code.as_deref()))
        .collect();
    heads.sort();
    assert_eq!(
        heads,
        [
            ("Hồ Văn Mới", None),
            ("Lê Thị Ánh", Some("D02")),
            ("Nguyễn Văn Bình", Some("D01")),
        ]
    );
    assert!(rows.iter().any(|r| r.id == d01), "the device keeps its id");

    // The server holds each assessment once, for its own hamlet, and D01 once.
    let list = server_assessments(&env);
    assert_eq!(list.len(), 3, "{list:?}");
    for id in [&a_binh, &a_moi, &a_dong] {
        assert!(
            list.iter().any(|a| a["id"] == id.as_str()),
            "{id} on server"
        );
    }
    let hamlets = env.admin_json(&["hamlet", "list"]);
    let names: Vec<&str> = hamlets
        .as_array()
        .expect("hamlets")
        .iter()
        .filter_map(|h| h["name"].as_str())
        .collect();
    assert_eq!(
        names.iter().filter(|n| **n == "Thôn Đông").count(),
        1,
        "{names:?}"
    );

    // A second sync sends nothing and stays clean.
    let r = sync(&device, &url);
    assert_eq!((r.outcome, r.report.sent), (Outcome::Done, 0));
    assert_eq!(hamlet_names(store), ["Thôn Đông"]);
});

both_backends!(one_refused_record_never_blocks_the_others, |b| {
    let env = server_env(b);
    let server = env.serve(&[]);
    let url = server.url();
    let dir = tempfile::tempdir().expect("dir");
    let device = Device::open(dir.path()).expect("device");
    let store = device.store();

    // Before enrolling, the cadre also typed a household of Thôn Tây — a hamlet this device
    // will not be enrolled for.
    let tay = store
        .add_hamlet(&NewHamlet {
            name: "Thôn Tây".into(),
            ..Default::default()
        })
        .expect("hamlet");
    let (_, outsider) = household(store, &tay.id, Some("T01"), "Phạm Đức Anh");
    let refused = assess(&device, member(&outsider), "cdht-324", 8);

    enroll(&device, &env, &url, &["Thôn Đông"]);
    let r = sync(&device, &url);
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    let item = store
        .outbox_item(&refused)
        .expect("item")
        .expect("finalized");
    assert_eq!(item.state, SyncState::Wedged, "{item:?}");
    assert!(item.detail.is_some(), "the reason is kept");

    // A new assessment of a hamlet in scope still goes: the set-aside one blocks nothing, and
    // the run does not turn into a device-wide auth failure.
    let binh = store
        .list_households(&HouseholdQuery {
            search: Some("D01".into()),
            ..Default::default()
        })
        .expect("search")
        .into_iter()
        .next()
        .expect("D01 pulled");
    let binh = store.members(&binh.id).expect("members")[0].id.clone();
    let ok = assess(&device, member(&binh), "cdht-324", 8);
    for _ in 0..2 {
        let r = sync(&device, &url);
        assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    }
    let item = store.outbox_item(&ok).expect("item").expect("finalized");
    assert_eq!(item.state, SyncState::Sent);
    assert_eq!(server_assessments(&env).len(), 1);

    // Retry puts it back; the server refuses it again; the cadre keeps it as a draft, which
    // supersedes it: nothing stays stuck and it is never sent.
    assert_eq!(store.retry_all_wedged().expect("retry"), 1);
    // Queued again, it is not set aside: "keep" is refused (as it is for a sent one).
    for id in [&refused, &ok] {
        let err = store.keep_as_draft(id).expect_err("not set aside");
        assert!(
            matches!(err, hoctap_store::StoreError::NotSetAside { .. }),
            "{err:?}"
        );
    }
    let r = sync(&device, &url);
    assert_eq!(r.outcome, Outcome::Done);
    assert_eq!(store.outbox_counts().expect("counts").wedged, 1);
    let draft = store.keep_as_draft(&refused).expect("keep");
    assert_eq!(draft.parent_id.as_deref(), Some(refused.as_str()));
    let counts = store.outbox_counts().expect("counts");
    assert_eq!((counts.wedged, counts.pending()), (0, 0));
    // A superseded original cannot be put back in the queue, and is never sent.
    assert!(!store.retry_wedged(&refused).expect("retry"));
    assert_eq!(store.retry_all_wedged().expect("retry all"), 0);
    let r = sync(&device, &url);
    assert_eq!((r.outcome, r.report.sent), (Outcome::Done, 0));
});

both_backends!(a_clan_and_a_unit_are_assessed_and_accepted, |b| {
    let env = server_env(b);
    let server = env.serve(&[]);
    let url = server.url();
    let dir = tempfile::tempdir().expect("dir");
    let device = Device::open(dir.path()).expect("device");
    let store = device.store();
    enroll(&device, &env, &url, &["Thôn Đông", "Thôn Tây"]);
    let r = sync(&device, &url);
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);

    // A clan spanning both hamlets, and a school of Thôn Đông.
    let d01 = store.resolve_household("D01").expect("D01");
    let t01 = store.resolve_household("T01").expect("T01");
    let clan = store
        .add_clan("Họ Nguyễn", &[d01.id.clone(), t01.id.clone()])
        .expect("clan");
    // The clan's derived indicator needs to know who is a Công dân học tập.
    for hh in [&d01.id, &t01.id] {
        for m in store.members(hh).expect("members") {
            store
                .edit_member(
                    &m.id,
                    &MemberChange {
                        cdht: Some(Some(true)),
                        ..Default::default()
                    },
                )
                .expect("edit member");
        }
    }
    let school = store
        .add_unit(&NewUnit {
            name: "Trường Tiểu học Đông".into(),
            kind: UnitKind::School,
            hamlet_id: Some(d01.hamlet_id.clone()),
            commune_code: None,
        })
        .expect("unit");
    let clan_subject = store
        .resolve_subject(SubjectKind::Clan, "họ nguyễn")
        .expect("clan by folded name");
    assert_eq!(clan_subject.id, clan);
    store
        .register(&clan_subject, Model::DongHo, YEAR)
        .expect("register clan");
    let a_clan = assess(&device, clan_subject, "template-dong-ho", 5);
    let a_unit = assess(
        &device,
        Subject {
            kind: SubjectKind::Unit,
            id: school.id.clone(),
        },
        "template-don-vi",
        20,
    );

    let r = sync(&device, &url);
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    let counts = store.outbox_counts().expect("counts");
    assert_eq!(
        (counts.sent, counts.wedged),
        (2, 0),
        "{:?}",
        store.outbox().expect("outbox")
    );
    let list = server_assessments(&env);
    let find = |id: &str| {
        list.iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("{id} on server: {list:?}"))
            .clone()
    };
    let c = find(&a_clan);
    assert_eq!(c["subject_kind"], "clan", "{c}");
    assert_eq!(c["subject_name"], "Họ Nguyễn", "{c}");
    let u = find(&a_unit);
    assert_eq!(u["subject_kind"], "unit", "{u}");
    assert_eq!(u["subject_name"], "Trường Tiểu học Đông", "{u}");
    // The photos' plausibility flags reach the reviewer for a clan too (no one hamlet: the
    // time checks still apply).
    assert!(
        c["photo_flags"].as_array().is_some_and(|f| !f.is_empty()),
        "{c}"
    );
    // Template sets are practice: never "đạt" on the server either — a unit can still reach
    // the template's bar (its staff indicator is scored from the unit's report).
    for a in [&c, &u] {
        assert_eq!(a["practice"], true, "{a}");
        let label = a["label"].as_str().expect("label").to_lowercase();
        assert!(!label.contains("đạt"), "{a}");
    }
    assert!(
        u["label"]
            .as_str()
            .is_some_and(|l| l.contains("đủ điều kiện theo mẫu") && !l.contains("chưa")),
        "{u}"
    );
});

both_backends!(a_returned_then_corrected_assessment_counts_once, |b| {
    let env = server_env(b);
    let server = env.serve(&[]);
    let url = server.url();
    let dir = tempfile::tempdir().expect("dir");
    let device = Device::open(dir.path()).expect("device");
    let store = device.store();
    enroll(&device, &env, &url, &["Thôn Đông"]);
    assert_eq!(sync(&device, &url).outcome, Outcome::Done);
    let d01 = store.resolve_household("D01").expect("D01");
    let binh = store.members(&d01.id).expect("members")[0].id.clone();
    let first = assess(&device, member(&binh), "cdht-324", 8);
    assert_eq!(sync(&device, &url).outcome, Outcome::Done);

    // Returned twice: both comments are kept, in order.
    env.admin_ok(&["return", &first, "--comment", "Thiếu ảnh chỉ số 1.1"]);
    assert_eq!(sync(&device, &url).report.returned, 1);
    let fix = store.correct(&first).expect("correct");
    store.finalize(&fix.id).expect("finalize");
    assert_eq!(sync(&device, &url).outcome, Outcome::Done);
    env.admin_ok(&["return", &fix.id, "--comment", "Ảnh mờ, chụp lại"]);
    assert_eq!(sync(&device, &url).report.returned, 1);
    let bodies: Vec<String> = store
        .comments(&fix.id)
        .expect("comments")
        .into_iter()
        .map(|c| c.body)
        .collect();
    assert_eq!(bodies, ["Thiếu ảnh chỉ số 1.1", "Ảnh mờ, chụp lại"]);
    // The same thread from any revision of the line, the first included.
    assert_eq!(store.comments(&first).expect("comments").len(), 2);
    let fix2 = store.correct(&fix.id).expect("correct again");
    store.finalize(&fix2.id).expect("finalize");
    assert_eq!(sync(&device, &url).outcome, Outcome::Done);

    // On the device: the originals read "đã sửa" and only the last revision counts.
    let item = store.outbox_item(&first).expect("item").expect("first");
    assert_eq!(item.corrected_by.as_deref(), Some(fix.id.as_str()));
    let counts = store.outbox_counts().expect("counts");
    assert_eq!((counts.sent, counts.needs_correction), (1, 0));
    let cong_dan = store
        .summary(YEAR)
        .expect("summary")
        .into_iter()
        .find(|m| m.model == Model::CongDan)
        .expect("cong dan");
    assert_eq!((cong_dan.assessed, cong_dan.passed), (1, 1));

    // On the server: three rows linked as one line, counted once.
    let list = server_assessments(&env);
    assert_eq!(list.len(), 3, "{list:?}");
    let current: Vec<&serde_json::Value> = list.iter().filter(|a| a["current"] == true).collect();
    assert_eq!(current.len(), 1, "{list:?}");
    assert_eq!(current[0]["id"], fix2.id.as_str());
    assert_eq!(current[0]["parent_id"], fix.id.as_str());
});
