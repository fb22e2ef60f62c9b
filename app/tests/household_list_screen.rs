//! The household list: Vietnamese name order, search as the cadre types (case and diacritics
//! ignored, by name or household code), status filter chips, pages loaded on scroll (never all
//! rows at once), an empty hamlet, and a search that survives the app going to the background.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hoctap_app::{AppOptions, Event, HouseholdInput, SubjectRef, Target};
use hoctap_domain::model::{Model, SubjectKind};
use hoctap_domain::state::SubjectStatus;
use hoctap_store::households::NewHousehold;
use hoctap_store::units::NewHamlet;

#[test]
fn search_as_you_type_in_vietnamese_order_with_filters() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    phone.send(Event::Open {
        target: Target::Home,
    });
    phone.open_target(Target::Households {
        hamlet_id: Some(r.hamlet.clone()),
    });
    let list = phone.household_list();
    assert_eq!(list.hamlet_name.as_deref(), Some("Thôn Đông"));
    assert_eq!(list.total, 3);
    // Given name first: Ánh, Bình, Cường.
    let heads: Vec<String> = list.rows.iter().map(|x| x.head.clone()).collect();
    assert_eq!(heads, ["Lê Thị Ánh", "Nguyễn Văn Bình", "Trần Văn Cường"]);
    assert!(list
        .rows
        .iter()
        .all(|x| x.status == SubjectStatus::NotRegistered));
    assert_eq!(list.filters.len(), 7);
    // Typing "cươ" then "cuong" (no diacritics) finds Cường; a member's name finds the household.
    for (typed, expect) in [("c", 1), ("cươ", 1), ("CUONG", 1), ("hoa", 1), ("xyz", 0)] {
        phone.send(Event::SearchChanged { text: typed.into() });
        let l = phone.household_list();
        assert_eq!(l.rows.len(), expect, "search {typed:?}: {:?}", l.rows);
        assert_eq!(l.search, typed);
        if expect == 0 {
            assert!(l.empty_label.unwrap().contains("xyz"));
        }
    }
    phone.send(Event::SearchChanged {
        text: String::new(),
    });
    // Register one, start a draft for another: the filter chips find them.
    phone.send(Event::Register {
        subject: SubjectRef {
            kind: SubjectKind::Household,
            id: r.anh.clone(),
        },
        model: Model::GiaDinh,
    });
    phone.open_target(Target::Household {
        id: r.cuong.clone(),
    });
    phone.send(Event::StartAssessment {
        subject: SubjectRef {
            kind: SubjectKind::Household,
            id: r.cuong.clone(),
        },
        model: Model::GiaDinh,
    });
    phone.send(Event::Back);
    phone.send(Event::Back);
    let l = phone.household_list();
    let status = |id: &str| l.rows.iter().find(|x| x.id == id).unwrap().status;
    assert_eq!(status(&r.anh), SubjectStatus::Registered);
    assert_eq!(status(&r.cuong), SubjectStatus::Draft);
    phone.send(Event::FilterChanged {
        status: Some(SubjectStatus::Draft),
    });
    let l = phone.household_list();
    assert_eq!(
        l.rows.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
        vec![r.cuong.clone()]
    );
    assert!(l
        .filters
        .iter()
        .any(|f| f.selected && f.status == Some(SubjectStatus::Draft)));
    phone.send(Event::FilterChanged {
        status: Some(SubjectStatus::NotRegistered),
    });
    assert_eq!(phone.household_list().rows.len(), 1);
    // The search and filter come back after the app was sent to the background and killed.
    phone.send(Event::SearchChanged {
        text: "binh".into(),
    });
    phone.send(Event::Paused);
    phone.restart();
    let l = phone.household_list();
    assert_eq!(l.search, "binh");
    assert_eq!(l.filter, Some(SubjectStatus::NotRegistered));
    assert_eq!(l.rows.len(), 1);
}

#[test]
fn pages_load_on_scroll_and_never_all_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open_with(
        dir.path(),
        AppOptions {
            page_size: 20,
            ..options()
        },
    );
    let hamlet = phone
        .store()
        .add_hamlet(&NewHamlet {
            name: "Thôn Lớn".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    for i in 0..55 {
        phone
            .store()
            .add_household(&NewHousehold {
                hamlet_id: hamlet.clone(),
                head: format!("Nguyễn Văn Hộ {i:03}"),
                ..Default::default()
            })
            .unwrap();
    }
    phone.send(Event::Open {
        target: Target::Home,
    });
    phone.open_target(Target::Households {
        hamlet_id: Some(hamlet.clone()),
    });
    let l = phone.household_list();
    assert_eq!(l.rows.len(), 20);
    assert!(l.has_more);
    assert_eq!(l.total, 55);
    phone.send(Event::LoadMore);
    assert_eq!(phone.household_list().rows.len(), 40);
    phone.send(Event::LoadMore);
    let l = phone.household_list();
    assert_eq!(l.rows.len(), 55);
    assert!(!l.has_more);
    let mut ids: Vec<String> = l.rows.iter().map(|x| x.id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 55, "no row twice across pages");
    phone.send(Event::LoadMore);
    assert_eq!(phone.household_list().rows.len(), 55);
    // A new search starts from its first page.
    phone.send(Event::SearchChanged {
        text: "hộ 05".into(),
    });
    assert_eq!(phone.household_list().rows.len(), 5);
}

#[test]
fn an_empty_hamlet_says_what_to_do_and_a_household_can_be_added() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let hamlet = phone
        .store()
        .add_hamlet(&NewHamlet {
            name: "Thôn Mới".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    phone.send(Event::Open {
        target: Target::Home,
    });
    let home = match phone.view().screen {
        hoctap_app::ScreenView::Home(h) => h,
        other => panic!("{other:?}"),
    };
    assert_eq!(home.hamlets.len(), 1);
    assert_eq!(home.hamlets[0].households, 0);
    phone.open_target(Target::Households {
        hamlet_id: Some(hamlet.clone()),
    });
    let l = phone.household_list();
    assert!(l.rows.is_empty());
    assert!(l.empty_label.unwrap().contains("chưa có hộ"));
    phone.open_target(Target::NewHousehold {
        hamlet_id: hamlet.clone(),
    });
    // An empty name is refused with the store's message; the form stays.
    phone.send(Event::SubmitForm);
    assert!(!phone.message().is_empty());
    assert!(matches!(
        phone.view().screen,
        hoctap_app::ScreenView::HouseholdForm(_)
    ));
    phone.send(Event::HouseholdFormChanged {
        input: HouseholdInput {
            head: "Đỗ Thị Én".into(),
            address: Some("Xóm Mới".into()),
            ..Default::default()
        },
    });
    phone.send(Event::SubmitForm);
    let h = phone.household();
    assert_eq!(h.head, "Đỗ Thị Én");
    phone.send(Event::Back);
    assert_eq!(phone.household_list().rows.len(), 1);
}
