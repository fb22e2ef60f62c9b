//! Through the store: a finalized assessment's total, status, level and reasons never change
//! after the household's members change (the store evaluates it from its frozen content).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::engine::{AnswerValue, ItemAnswer};
use hoctap_domain::model::{Points, Schooling, Subject, SubjectKind};
use hoctap_store::households::{NewHousehold, NewMember};
use hoctap_store::units::NewHamlet;
use hoctap_store::Store;
use std::collections::BTreeMap;

#[test]
fn finalized_household_reads_the_same_after_a_member_is_added() {
    let store = Store::open_in_memory().unwrap();
    let hamlet = store
        .add_hamlet(&NewHamlet {
            name: "Thôn Đông".into(),
            ..Default::default()
        })
        .unwrap();
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: hamlet.id,
            head: "Nguyễn Văn Hùng".into(),
            ..Default::default()
        })
        .unwrap();
    for (name, year) in [("Nguyễn Văn Hùng", 1980), ("Lê Thị Mai", 1983)] {
        store
            .add_member(
                &hh.id,
                &NewMember {
                    name: name.into(),
                    birth_year: Some(year),
                    schooling: Some(Schooling::Finished),
                    literate: Some(true),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    let set = builtin_set("gdht-448-2015").unwrap();
    let subject = Subject::new(SubjectKind::Household, hh.id.clone());
    // The set is for 2016–2020: a new assessment must be for one of those years.
    let a = store.start_assessment(&subject, &set, 2020).unwrap();
    let items: BTreeMap<String, ItemAnswer> = ["1.2", "1.3", "2.2"]
        .iter()
        .map(|id| {
            (
                id.to_string(),
                ItemAnswer {
                    value: Some(AnswerValue::Points(Points::whole(8))),
                    ..Default::default()
                },
            )
        })
        .collect();
    store.set_answers(&a.id, &items).unwrap();
    let fin = store.finalize(&a.id).unwrap();
    assert_eq!(fin.evaluation.total, Points::whole(44));

    // An out-of-school child joins the household after finalization.
    store
        .add_member(
            &hh.id,
            &NewMember {
                name: "Nguyễn Văn Tí".into(),
                birth_year: Some(2012),
                schooling: Some(Schooling::OutOfSchool),
                ..Default::default()
            },
        )
        .unwrap();

    let again = store.evaluate_assessment(&a.id).unwrap();
    assert_eq!(
        again, fin.evaluation,
        "a finalized assessment reads as frozen"
    );
    let info = store.assessment(&a.id).unwrap();
    assert_eq!(info.total, Some(Points::whole(44)));
    let input = store.answers_of(&info, &set).unwrap();
    assert_eq!(
        input.members.len(),
        2,
        "the frozen member facts, not today's roster"
    );
    // Finalizing again (idempotent) reports the same, too.
    assert_eq!(store.finalize(&a.id).unwrap().evaluation, fin.evaluation);

    // A correction starts from today's roster: the child now counts.
    let c = store.correct(&a.id).unwrap();
    assert_eq!(
        store.evaluate_assessment(&c.id).unwrap().total,
        Points::whole(34)
    );
}
