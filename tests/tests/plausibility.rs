//! Evidence plausibility end to end, on both backends: the commune admin places a hamlet on the
//! server, a real device pulls the place, attaches real camera photos (2008 in Italy; 2014 with
//! no GPS) to this year's assessment — flagged on the device, never refused — finalizes and
//! syncs; the reviewer sees the very same flags in `admin assessments`.
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
use std::time::Duration;

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

fn shared_photo(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/photos")
        .join(rel)
}

both_backends!(flags_reach_the_reviewer, |b| {
    let env = SERVER.env(b);
    env.admin_ok(&["init", "--province", "25", "--commune", "04831"]);
    let dong = add_hamlet(&env, "Thôn Đông");
    // Hoàn Kiếm, Hà Nội, 2 km around.
    env.admin_ok(&[
        "hamlet",
        "set",
        "Thôn Đông",
        "--lat",
        "21.0285",
        "--lon",
        "105.8542",
        "--radius-km",
        "2",
    ]);
    let server = env.serve(&[]);
    let url = server.url();
    let dir = tempfile::tempdir().expect("device dir");
    let device = Device::open(dir.path()).expect("device");
    let code = enroll_code(&env, &["Thôn Đông"]);
    device
        .enroll(
            &ReqwestTransport::new(&url).expect("transport"),
            &url,
            &code,
            None,
        )
        .expect("enroll");
    let r = sync(&device, &url);
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);

    // A household made on the device, in the placed hamlet.
    let store = device.store();
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: dong.clone(),
            head: "Vũ Thị Xa".into(),
            ..Default::default()
        })
        .expect("household");
    let member = store
        .add_member(
            &hh.id,
            &NewMember {
                name: "Vũ Thị Xa".into(),
                birth_year: Some(1985),
                ..Default::default()
            },
        )
        .expect("member");
    let set = builtin_set("cdht-324").expect("set");
    let subject = Subject {
        kind: SubjectKind::Member,
        id: member.id,
    };
    let a = store.start_assessment(&subject, &set, 2026).expect("start");
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
    let options = IngestOptions {
        disk_reserve: 0,
        ..IngestOptions::default()
    };
    let italy = device
        .attach_photo(
            &a.id,
            "1.1",
            PhotoSource::Path(&shared_photo("gps/DSCN0010.jpg")),
            &options,
        )
        .expect("attached, not refused");
    let codes = |flags: &serde_json::Value| -> Vec<String> {
        flags
            .as_array()
            .expect("flags")
            .iter()
            .map(|f| f["code"].as_str().expect("code").to_string())
            .collect()
    };
    let italy_flags = serde_json::to_value(&italy.flags).expect("json");
    assert_eq!(
        codes(&italy_flags),
        ["taken_outside_year", "taken_long_before", "far_from_place"],
        "the place was pulled: {italy_flags}"
    );
    // A 2014 camera photo without GPS: old, but no position to doubt.
    let olympus = device
        .attach_photo(
            &a.id,
            "2.1",
            PhotoSource::Path(&shared_photo("phones/phone-12mp-4032x3024.jpg")),
            &options,
        )
        .expect("attached");
    let olympus_flags = serde_json::to_value(&olympus.flags).expect("json");
    assert_eq!(
        codes(&olympus_flags),
        ["taken_outside_year", "taken_long_before"]
    );
    store
        .finalize(&a.id)
        .expect("flags never block finalization");

    let r = sync(&device, &url);
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
    assert_eq!(r.report.sent, 1);

    // The reviewer sees the same flags, computed by the server from the facts sent.
    let list = env.admin_json(&["assessments"]);
    assert_eq!(list[0]["id"], a.id.as_str());
    assert_eq!(list[0]["status"], "passed");
    let flagged = list[0]["photo_flags"].as_array().expect("photo_flags");
    assert_eq!(flagged.len(), 2, "{}", list[0]);
    for (photo, flags) in [(&italy, &italy_flags), (&olympus, &olympus_flags)] {
        let row = flagged
            .iter()
            .find(|f| f["sha256"] == photo.sha256.as_str())
            .expect("flagged on the server");
        assert_eq!(&row["flags"], flags, "device and server agree");
    }
});
