//! A finalized assessment reads the same forever: it is evaluated from its frozen canonical
//! content, never from the roster as it is now (regression: a `gdht-448-2015` household
//! finalized at 44 points read 34 once an out-of-school child was added to the household).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::assessment::{CanonicalAssessment, FreezeMeta};
use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::engine::{evaluate, AnswerValue, Answers, ItemAnswer};
use hoctap_domain::model::{MemberFacts, Model, Points, Schooling, Subject, SubjectKind};
use hoctap_domain::time::Stamp;
use std::collections::BTreeMap;

fn adult(name: &str, birth_year: i32) -> MemberFacts {
    MemberFacts {
        name: Some(name.into()),
        birth_year: Some(birth_year),
        schooling: Some(Schooling::Finished),
        literate: Some(true),
        ..Default::default()
    }
}

#[test]
fn a_frozen_assessment_ignores_later_roster_changes() {
    let set = builtin_set("gdht-448-2015").expect("shipped");
    let mut items = BTreeMap::new();
    for id in ["1.2", "1.3", "2.2"] {
        items.insert(
            id.to_string(),
            ItemAnswer {
                value: Some(AnswerValue::Points(Points::whole(8))),
                ..Default::default()
            },
        );
    }
    let answers = Answers {
        year: 2026,
        items,
        members: vec![adult("Nguyễn Văn Hùng", 1980), adult("Lê Thị Mai", 1983)],
        evidence: Some(BTreeMap::new()),
    };
    let at_finalization = evaluate(&set, &answers).expect("evaluates");
    assert_eq!(at_finalization.total, Points::whole(44));

    let subject = Subject::new(
        SubjectKind::Household,
        "0190d2a0-0000-7000-8000-000000000001",
    );
    let finalized = Stamp {
        utc: "2026-11-20T03:00:00.000Z".into(),
        offset_minutes: 420,
    };
    let content = CanonicalAssessment::freeze(
        &FreezeMeta {
            id: "0190d2a0-0000-7000-8000-000000000002",
            parent_id: None,
            revision: 1,
            subject: &subject,
            model: Model::GiaDinh,
            year: 2026,
            set: &set,
            created_at: "2026-11-20T02:00:00.000Z",
            finalized: &finalized,
        },
        &answers,
        BTreeMap::new(),
        &at_finalization,
    );
    let (json, sha) = content.seal().expect("seal");

    // The roster changes afterwards: an out-of-school child joins the household. Scored live,
    // the household would now read 34 (indicator 1.1 falls to 0) …
    let mut live = answers.clone();
    live.members.push(MemberFacts {
        name: Some("Nguyễn Văn Tí".into()),
        birth_year: Some(2016),
        schooling: Some(Schooling::OutOfSchool),
        ..Default::default()
    });
    assert_eq!(
        evaluate(&set, &live).expect("evaluates").total,
        Points::whole(34)
    );

    // … but the finalized assessment reads from its frozen content: same total, status, level,
    // reasons and items, byte for byte, and the same hash.
    let read_back = CanonicalAssessment::from_json(&json).expect("canonical JSON");
    let now = read_back.evaluate(&set).expect("evaluates");
    assert_eq!(now, at_finalization);
    assert_eq!(now.total, Points::whole(44));
    assert_eq!(read_back.seal().expect("seal"), (json, sha));
    assert_eq!(read_back.result.total, at_finalization.total.0);
    assert_eq!(read_back.result.status, at_finalization.status);
    assert_eq!(read_back.result.level, at_finalization.level);
}
