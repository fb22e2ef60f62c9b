//! Evidence photos on a device: attaching to a draft's indicator, what finalization freezes,
//! refusals, orphan clean-up and reuse detection across households.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_device::{Device, DeviceError};
use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::criteria::{parse_set, LoadedSet};
use hoctap_domain::engine::{AnswerValue, ItemAnswer, ReasonCode, Status};
use hoctap_domain::model::{Points, Subject, SubjectKind};
use hoctap_evidence::{IngestOptions, PhotoSource};
use hoctap_store::households::{NewHousehold, NewMember};
use hoctap_store::units::NewHamlet;
use hoctap_store::{Store, StoreError};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn photos() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/photos")
}

fn opts() -> IngestOptions {
    IngestOptions {
        disk_reserve: 0,
        ..IngestOptions::default()
    }
}

fn member(store: &Store, hamlet: &str, name: &str) -> String {
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: hamlet.into(),
            head: name.into(),
            ..Default::default()
        })
        .unwrap();
    store
        .add_member(
            &hh.id,
            &NewMember {
                name: name.into(),
                birth_year: Some(1980),
                ..Default::default()
            },
        )
        .unwrap()
        .id
}

fn setup() -> (tempfile::TempDir, Device, String) {
    let dir = tempfile::tempdir().unwrap();
    let dev = Device::open(dir.path()).unwrap();
    let hamlet = dev
        .store()
        .add_hamlet(&NewHamlet {
            name: "Thôn Ảnh".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    (dir, dev, hamlet)
}

fn answer_all(store: &Store, id: &str, set: &LoadedSet) {
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
    store.set_answers(id, &items).unwrap();
}

#[test]
fn attach_list_finalize_and_refuse_after() {
    let (_dir, dev, hamlet) = setup();
    let store = dev.store();
    let m = member(store, &hamlet, "Trịnh Văn Ảnh");
    let set = builtin_set("cdht-324").unwrap();
    let subject = Subject {
        kind: SubjectKind::Member,
        id: m,
    };
    let a = store.start_assessment(&subject, &set, 2026).unwrap();
    let p = dev
        .attach_photo(
            &a.id,
            "1.1",
            PhotoSource::Path(&photos().join("gps/DSCN0010.jpg")),
            &opts(),
        )
        .unwrap();
    assert!(p.path.exists() && p.thumb_path.exists());
    assert!(p.gps_lat.is_some(), "capture facts go to the row");
    // Same photo again on the same indicator: no duplicate.
    dev.attach_photo(
        &a.id,
        "1.1",
        PhotoSource::Path(&photos().join("gps/DSCN0010.jpg")),
        &opts(),
    )
    .unwrap();
    let bytes = std::fs::read(photos().join("phones/iphone6-3264x2448.jpg")).unwrap();
    dev.attach_photo(&a.id, "1.1", PhotoSource::Bytes(&bytes), &opts())
        .unwrap();
    let listed = dev.photos_of(&a.id).unwrap();
    assert_eq!(listed["1.1"].len(), 2);
    // Unknown indicator and damaged input are typed errors; nothing is attached.
    let err = dev
        .attach_photo(&a.id, "9.9", PhotoSource::Bytes(&bytes), &opts())
        .unwrap_err();
    assert!(err.is_user_error() && err.to_string().contains("9.9"));
    let err = dev
        .attach_photo(&a.id, "1.2", PhotoSource::Bytes(&bytes[..5000]), &opts())
        .unwrap_err();
    assert!(matches!(err, DeviceError::Evidence(_)), "{err:?}");
    assert!(err.is_user_error());
    assert_eq!(dev.photos_of(&a.id).unwrap().len(), 1);

    answer_all(store, &a.id, &set);
    let fin = store.finalize(&a.id).unwrap();
    let content = store.content_of(&a.id).unwrap();
    assert_eq!(
        content.evidence["1.1"].len(),
        2,
        "photo hashes are part of the frozen content"
    );
    assert_eq!(fin.evaluation.status, Status::Passed);
    // Finalized: no more attaching or removing, not even through SQL.
    assert!(matches!(
        dev.attach_photo(&a.id, "1.2", PhotoSource::Bytes(&bytes), &opts()),
        Err(DeviceError::Store(StoreError::Finalized(_)))
    ));
    assert!(matches!(
        store.remove_photo(&a.id, "1.1", &p.sha256),
        Err(StoreError::Finalized(_))
    ));
    // (That the database itself refuses, triggers included, is tested in the store crate.)
}

#[test]
fn evidence_rules_block_finalization_until_photos_are_attached() {
    let (_dir, dev, hamlet) = setup();
    let store = dev.store();
    let m = member(store, &hamlet, "Đoàn Thị Minh");
    let src = include_str!("../../criteria/cdht-324.toml")
        .replace("id = \"1.1\"\n", "id = \"1.1\"\nevidence_min = 1\n");
    let src = src.replace("version = 1\n", "version = 2\n");
    let set = LoadedSet::new(parse_set(&src, "cdht-324-photos.toml").unwrap());
    assert_eq!(set.indicator("1.1").unwrap().evidence.min_photos, 1);
    store
        .install_criteria(&src, "cdht-324-photos.toml")
        .unwrap();
    let subject = Subject {
        kind: SubjectKind::Member,
        id: m,
    };
    let a = store.start_assessment(&subject, &set, 2026).unwrap();
    answer_all(store, &a.id, &set);
    let eval = store.evaluate_assessment(&a.id).unwrap();
    assert_eq!(eval.status, Status::Incomplete);
    assert!(eval
        .reasons
        .iter()
        .any(|r| r.code == ReasonCode::MissingEvidence && r.item.as_deref() == Some("1.1")));
    assert!(store.finalize(&a.id).is_err());
    dev.attach_photo(
        &a.id,
        "1.1",
        PhotoSource::Path(&photos().join("gps/DSCN0021.jpg")),
        &opts(),
    )
    .unwrap();
    assert_eq!(
        store.finalize(&a.id).unwrap().evaluation.status,
        Status::Passed
    );
}

#[test]
fn gc_removes_only_unreferenced_photos() {
    let (_dir, dev, hamlet) = setup();
    let store = dev.store();
    let m = member(store, &hamlet, "Mạc Văn Dọn");
    let set = builtin_set("cdht-324").unwrap();
    let a = store
        .start_assessment(
            &Subject {
                kind: SubjectKind::Member,
                id: m,
            },
            &set,
            2026,
        )
        .unwrap();
    let keep = dev
        .attach_photo(
            &a.id,
            "1.1",
            PhotoSource::Path(&photos().join("gps/DSCN0010.jpg")),
            &opts(),
        )
        .unwrap();
    let drop = dev
        .attach_photo(
            &a.id,
            "1.2",
            PhotoSource::Path(&photos().join("gps/DSCN0021.jpg")),
            &opts(),
        )
        .unwrap();
    assert!(store.remove_photo(&a.id, "1.2", &drop.sha256).unwrap());
    let gc = dev.gc_evidence().unwrap();
    assert_eq!(gc.rows_removed, 1);
    assert!(gc.files_removed >= 2, "{gc:?}");
    assert!(!drop.path.exists() && !drop.thumb_path.exists());
    assert!(keep.path.exists() && keep.thumb_path.exists());
}

#[test]
fn the_same_picture_for_two_households_is_flagged() {
    let (_dir, dev, hamlet) = setup();
    let store = dev.store();
    let set = builtin_set("cdht-324").unwrap();
    let big = photos().join("phones/phone-12mp-4032x3024.jpg");
    let mut ids = Vec::new();
    for (name, edge) in [("Hà Văn Một", 1600), ("Hà Văn Hai", 1200)] {
        let m = member(store, &hamlet, name);
        let a = store
            .start_assessment(
                &Subject {
                    kind: SubjectKind::Member,
                    id: m,
                },
                &set,
                2026,
            )
            .unwrap();
        // The same scene, stored at different sizes: different files, near-identical content.
        let o = IngestOptions {
            max_edge: edge,
            ..opts()
        };
        dev.attach_photo(&a.id, "1.1", PhotoSource::Path(&big), &o)
            .unwrap();
        ids.push(a.id);
    }
    // An unrelated photo for a third household.
    let m = member(store, &hamlet, "Hà Văn Ba");
    let a = store
        .start_assessment(
            &Subject {
                kind: SubjectKind::Member,
                id: m,
            },
            &set,
            2026,
        )
        .unwrap();
    dev.attach_photo(
        &a.id,
        "1.1",
        PhotoSource::Path(&photos().join("gps/DSCN0010.jpg")),
        &opts(),
    )
    .unwrap();
    let pairs = dev.similar_evidence(6).unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    let found: Vec<&str> = vec![
        pairs[0].a.assessment_id.as_str(),
        pairs[0].b.assessment_id.as_str(),
    ];
    assert!(found.contains(&ids[0].as_str()) && found.contains(&ids[1].as_str()));
    assert_ne!(pairs[0].a.sha256, pairs[0].b.sha256);
}
