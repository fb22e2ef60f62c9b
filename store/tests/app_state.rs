//! What the phone app core keeps in the store: its own state (`ui_state`, surviving a reopen)
//! and the household list page with statuses, filtered by status through the domain's rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::model::{Model, Subject, SubjectKind};
use hoctap_domain::state::SubjectStatus;
use hoctap_store::household_page::PageQuery;
use hoctap_store::households::{HouseholdQuery, NewHousehold};
use hoctap_store::units::NewHamlet;
use hoctap_store::Store;

#[test]
fn ui_state_survives_reopen_and_lists_by_prefix() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open_dir(dir.path()).unwrap();
        store.put_ui_state("nav", "[\"home\"]").unwrap();
        store.put_ui_state("task.b", "2").unwrap();
        store.put_ui_state("task.a", "1").unwrap();
        store.put_ui_state("nav", "[\"home\",\"outbox\"]").unwrap();
    }
    let store = Store::open_dir(dir.path()).unwrap();
    assert_eq!(
        store.ui_state("nav").unwrap().as_deref(),
        Some("[\"home\",\"outbox\"]")
    );
    let tasks = store.ui_state_with_prefix("task.").unwrap();
    assert_eq!(
        tasks,
        vec![("task.a".into(), "1".into()), ("task.b".into(), "2".into())]
    );
    store.remove_ui_state("task.a").unwrap();
    store.remove_ui_state("missing").unwrap();
    assert_eq!(store.ui_state("task.a").unwrap(), None);
}

#[test]
fn household_page_filters_by_status_in_name_order() {
    let store = Store::open_in_memory().unwrap();
    let hamlet = store
        .add_hamlet(&NewHamlet {
            name: "Thôn Đông".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    let add = |head: &str| {
        store
            .add_household(&NewHousehold {
                hamlet_id: hamlet.clone(),
                head: head.into(),
                ..Default::default()
            })
            .unwrap()
            .id
    };
    let an = add("Trần Văn An");
    let binh = add("Lê Thị Bình");
    let cuong = add("Nguyễn Văn Cường");
    let _dung = add("Phạm Thị Dung");
    let set = builtin_set("gdht-448-2015").unwrap();
    store
        .register(
            &Subject::new(SubjectKind::Household, binh.clone()),
            Model::GiaDinh,
            2020,
        )
        .unwrap();
    let draft = store
        .start_assessment(
            &Subject::new(SubjectKind::Household, cuong.clone()),
            &set,
            2020,
        )
        .unwrap();
    let q = |status| PageQuery {
        list: HouseholdQuery::default(),
        year: 2020,
        status,
    };
    let ids = |rows: Vec<(hoctap_store::households::HouseholdRow, _)>| {
        rows.into_iter().map(|(r, _)| r.id).collect::<Vec<_>>()
    };
    let all = store.household_page(&q(None)).unwrap();
    assert_eq!(all.len(), 4);
    // Name order by given name: An, Bình, Cường, Dung.
    assert_eq!(all[0].0.id, an);
    assert_eq!(all[0].1.status(), SubjectStatus::NotRegistered);
    assert_eq!(all[1].1.status(), SubjectStatus::Registered);
    assert_eq!(all[2].1.status(), SubjectStatus::Draft);
    assert_eq!(all[2].1.assessment_id.as_deref(), Some(draft.id.as_str()));
    assert_eq!(
        ids(store
            .household_page(&q(Some(SubjectStatus::Registered)))
            .unwrap()),
        vec![binh.clone()]
    );
    assert_eq!(
        ids(store
            .household_page(&q(Some(SubjectStatus::Draft)))
            .unwrap()),
        vec![cuong.clone()]
    );
    let not_registered = store
        .household_page(&q(Some(SubjectStatus::NotRegistered)))
        .unwrap();
    assert_eq!(not_registered.len(), 2);
    assert!(store
        .household_page(&q(Some(SubjectStatus::Sent)))
        .unwrap()
        .is_empty());
    // Paging and search apply with a filter too.
    let mut paged = q(Some(SubjectStatus::NotRegistered));
    paged.list.limit = Some(1);
    paged.list.offset = Some(1);
    assert_eq!(ids(store.household_page(&paged).unwrap()).len(), 1);
    let mut searched = q(Some(SubjectStatus::Draft));
    searched.list.search = Some("cuong".into());
    assert_eq!(ids(store.household_page(&searched).unwrap()), vec![cuong]);
    searched.list.search = Some("binh".into());
    assert!(store.household_page(&searched).unwrap().is_empty());
}
