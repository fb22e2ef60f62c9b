//! Criteria sets are parsed and hashed once, then shared: answering and evaluating an
//! assessment parses and hashes its set zero times (process-wide counters; this file holds a
//! single test so that no other test moves them meanwhile).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::criteria::stats;
use hoctap_domain::engine::{AnswerValue, ItemAnswer};
use hoctap_domain::model::{Points, Subject, SubjectKind};
use hoctap_store::households::{NewHousehold, NewMember};
use hoctap_store::units::NewHamlet;
use hoctap_store::Store;

#[test]
fn set_answer_parses_and_hashes_zero_times_after_the_first_load() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).unwrap();
    // An installed set (the path that used to re-parse the TOML on every call).
    // An installed version newer than the built-in one (so the installed one is used).
    let src =
        include_str!("../../criteria/cdht-324.toml").replace("version = 2\n", "version = 3\n");
    let set = store.install_criteria(&src, "cdht-324-v3.toml").unwrap();
    assert_eq!(set.version, 3);
    // The built-in sets are parsed once per process, on first use (here, not mid-measure).
    assert!(hoctap_domain::criteria::builtin::builtin_set("cdht-324").is_some());
    let hamlet = store
        .add_hamlet(&NewHamlet {
            name: "Thôn Bắc".into(),
            ..Default::default()
        })
        .unwrap();
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: hamlet.id,
            head: "Trần Văn Bảy".into(),
            ..Default::default()
        })
        .unwrap();
    let m = store
        .add_member(
            &hh.id,
            &NewMember {
                name: "Trần Văn Bảy".into(),
                birth_year: Some(1970),
                ..Default::default()
            },
        )
        .unwrap();
    let a = store
        .start_assessment(&Subject::new(SubjectKind::Member, m.id), &set, 2026)
        .unwrap();
    // First use loads what it needs.
    store.set_answer(&a.id, "1.1", points(5)).unwrap();
    let (parses, hashes) = (stats::parses(), stats::hashes());
    for (i, ind) in set.indicators().enumerate() {
        store
            .set_answer(&a.id, &ind.id, points(u32::try_from(i % 10).unwrap()))
            .unwrap();
        store.evaluate_assessment(&a.id).unwrap();
        assert_eq!(
            store.criteria_set("cdht-324").unwrap().sha256(),
            set.sha256()
        );
    }
    store.finalize(&a.id).unwrap();
    store.evaluate_assessment(&a.id).unwrap();
    assert_eq!(
        (stats::parses() - parses, stats::hashes() - hashes),
        (0, 0),
        "answering, evaluating and finalizing must not parse or hash the set again"
    );

    // A second store on the same file loads the set once, then not again.
    drop(store);
    let store = Store::open_dir(dir.path()).unwrap();
    store.evaluate_assessment(&a.id).unwrap();
    let (parses, hashes) = (stats::parses(), stats::hashes());
    for _ in 0..20 {
        store.evaluate_assessment(&a.id).unwrap();
    }
    assert_eq!((stats::parses() - parses, stats::hashes() - hashes), (0, 0));
}

fn points(p: u32) -> ItemAnswer {
    ItemAnswer {
        value: Some(AnswerValue::Points(Points::whole(p))),
        ..Default::default()
    }
}
