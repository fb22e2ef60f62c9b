//! Engine tests: answers JSON, scoring, derived indicators, rules, levels, determinism.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::criteria::{CriteriaSet, LoadedSet};
use hoctap_domain::engine::{evaluate, Answers, Evaluation, InputError, Status, ValueSource};
use hoctap_domain::model::Points;
use std::sync::Arc;

const CDHT_IDS: [&str; 10] = [
    "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2",
];

fn cdht() -> Arc<LoadedSet> {
    builtin_set("cdht-324").expect("cdht-324 shipped")
}

fn gdht() -> Arc<LoadedSet> {
    builtin_set("gdht-448-2015").expect("gdht-448-2015 shipped")
}

fn cdht_json(scores: &[f64]) -> String {
    let items: Vec<String> = CDHT_IDS
        .iter()
        .zip(scores)
        .map(|(id, s)| format!("\"{id}\": {s}"))
        .collect();
    format!("{{\"year\": 2026, \"items\": {{{}}}}}", items.join(", "))
}

fn eval_json(set: &LoadedSet, json: &str) -> Evaluation {
    let answers = Answers::from_json(set, json, 2026).expect("valid answers");
    evaluate(set, &answers).expect("evaluates")
}

fn codes(e: &Evaluation) -> Vec<(&str, Option<&str>)> {
    e.reasons
        .iter()
        .map(|r| (r.code.code(), r.item.as_deref()))
        .collect()
}

#[test]
fn cdht_all_eights_pass_with_80() {
    let set = cdht();
    let e = eval_json(&set, &cdht_json(&[8.0; 10]));
    assert_eq!(e.status, Status::Passed, "{:?}", e.reasons);
    assert_eq!(e.total, Points::whole(80));
    assert_eq!(e.max, Points::whole(100));
    assert!(e.reasons.is_empty());
    assert_eq!(e.level, None);
    assert_eq!(e.items.len(), 10);
    assert_eq!(e.subtotals.len(), 3);
    assert_eq!(e.subtotals[0].total, Points::whole(32));
    assert_eq!(e.subtotals[2].total, Points::whole(16));
    assert_eq!(e.criteria.id, "cdht-324");
    assert_eq!(e.criteria.sha256, set.sha256());
    assert_eq!(e.engine_version, hoctap_domain::ENGINE_VERSION);
    assert!(e.items.iter().all(|i| i.source == ValueSource::Answered));
}

#[test]
fn cdht_one_indicator_at_4_fails_below_floor() {
    let set = cdht();
    // 9 × 10 + 4 = 94
    let mut s = [10.0; 10];
    s[4] = 4.0;
    let e = eval_json(&set, &cdht_json(&s));
    assert_eq!(e.total, Points::whole(94));
    assert_eq!(e.status, Status::Failed);
    assert_eq!(codes(&e), vec![("below_floor", Some("2.1"))]);
    assert_eq!(
        e.reasons[0].message,
        "Chỉ số 2.1 đạt 4 điểm, dưới mức tối thiểu 5 điểm"
    );
}

#[test]
fn cdht_79_without_low_indicator_fails_below_total() {
    let set = cdht();
    let mut s = [8.0; 10];
    s[9] = 7.0;
    let e = eval_json(&set, &cdht_json(&s));
    assert_eq!(e.total, Points::whole(79));
    assert_eq!(e.status, Status::Failed);
    assert_eq!(codes(&e), vec![("below_total", None)]);
    assert!(e.reasons[0].message.contains("79"));
}

#[test]
fn cdht_missing_answer_is_incomplete() {
    let set = cdht();
    let e = eval_json(&set, &cdht_json(&[9.0; 9]));
    assert_eq!(e.status, Status::Incomplete);
    assert_eq!(codes(&e), vec![("missing_answer", Some("3.2"))]);
    assert!(e.reasons[0].message.contains("3.2"));
    let last = e.items.last().expect("items");
    assert_eq!(last.points, None);
    assert_eq!(last.source, ValueSource::Missing);
}

#[test]
fn incomplete_still_reports_rule_failures() {
    let set = cdht();
    let mut s = [9.0; 9];
    s[0] = 3.0;
    let e = eval_json(&set, &cdht_json(&s));
    assert_eq!(e.status, Status::Incomplete);
    assert_eq!(
        codes(&e),
        vec![
            ("missing_answer", Some("3.2")),
            ("below_floor", Some("1.1"))
        ]
    );
    // 8 answered at 2 points each + one unanswered (max 10) = 26 < 80: hopeless → below_total.
    let e = eval_json(&set, &cdht_json(&[2.0; 9]));
    assert!(codes(&e).contains(&("below_total", None)));
}

#[test]
fn input_errors_name_the_indicator() {
    let set = cdht();
    let err = Answers::from_json(&set, r#"{"items": {"1.3": 11}}"#, 2026).unwrap_err();
    assert!(
        matches!(&err, InputError::OutOfRange { item, .. } if item == "1.3"),
        "{err:?}"
    );
    assert_eq!(err.item(), Some("1.3"));

    let err = Answers::from_json(&set, r#"{"items": {"2.2": -1}}"#, 2026).unwrap_err();
    assert!(
        matches!(&err, InputError::Negative { item, .. } if item == "2.2"),
        "{err:?}"
    );

    let err = Answers::from_json(&set, r#"{"items": {"9.9": 5}}"#, 2026).unwrap_err();
    assert!(
        matches!(&err, InputError::UnknownIndicator { item, set } if item == "9.9" && set == "cdht-324"),
        "{err:?}"
    );

    let err = Answers::from_json(&set, "not json {", 2026).unwrap_err();
    assert!(matches!(err, InputError::NotJson(_)), "{err:?}");

    let err = Answers::from_json(&set, r#"{"itemz": {}}"#, 2026).unwrap_err();
    assert!(
        matches!(&err, InputError::UnknownKey { key, item: None, .. } if key == "itemz"),
        "{err:?}"
    );
    assert!(err.message_vi().contains("itemz"), "{}", err.message_vi());

    let err = Answers::from_json(&set, r#"{"items": {"1.1": 7.5}}"#, 2026).unwrap_err();
    assert!(
        matches!(&err, InputError::BadStep { item, .. } if item == "1.1"),
        "{err:?}"
    );

    let err = Answers::from_json(&set, r#"{"items": {"1.1": true}}"#, 2026).unwrap_err();
    assert!(
        matches!(&err, InputError::WrongKind { item, .. } if item == "1.1"),
        "{err:?}"
    );

    let err = Answers::from_json(
        &set,
        r#"{"items": {"1.1": {"value": 5, "override_reason": "x"}}}"#,
        2026,
    )
    .unwrap_err();
    assert_eq!(err.item(), Some("1.1"));

    let err = Answers::from_json(&set, r#"{"items": {"1.1": {"valeu": 5}}}"#, 2026).unwrap_err();
    assert!(
        matches!(&err, InputError::UnknownKey { key, item: Some(i), .. } if key == "valeu" && i == "1.1"),
        "{err:?}"
    );

    let err =
        Answers::from_json(&set, r#"{"members": [{"name": "A", "age": 3}]}"#, 2026).unwrap_err();
    assert!(
        matches!(err, InputError::BadMember { index: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn object_form_with_note_and_default_year() {
    let set = cdht();
    let a = Answers::from_json(
        &set,
        r#"{"items": {"1.1": {"value": 8, "note": "đọc báo hằng ngày"}, "1.2": null}}"#,
        2031,
    )
    .expect("valid");
    assert_eq!(a.year, 2031);
    assert_eq!(a.items["1.1"].note.as_deref(), Some("đọc báo hằng ngày"));
    assert_eq!(a.items["1.2"].value, None);
}

// ----- gdht-448-2015: derived indicators, partial set -------------------------------------

fn gdht_json(members: &str, extra_items: &str) -> String {
    format!(
        r#"{{"year": 2026, "items": {{"1.2": 10, "1.3": 10, "2.2": 10{extra_items}}}, "members": [{members}]}}"#
    )
}

fn item<'a>(e: &'a Evaluation, id: &str) -> &'a hoctap_domain::engine::ItemResult {
    e.items.iter().find(|i| i.id == id).expect("item present")
}

const FAMILY: &str = r#"
    {"name": "Bố", "birth_year": 1980, "literate": true},
    {"name": "Mẹ", "birth_year": 1983, "literate": true},
    {"name": "An", "birth_year": 2014, "schooling": "in_school"},
    {"name": "Bình", "birth_year": 2018, "schooling": "in_school"},
    {"name": "Út", "birth_year": 2023, "schooling": "preschool"}
"#;

#[test]
fn gdht_derived_full_marks_but_never_passes() {
    let set = gdht();
    let e = eval_json(&set, &gdht_json(FAMILY, ""));
    let i11 = item(&e, "1.1");
    assert_eq!(i11.points, Some(Points::whole(10)));
    assert_eq!(i11.source, ValueSource::Derived);
    assert_eq!(
        i11.explanation.as_deref(),
        Some("2/2 trẻ trong độ tuổi 6–14 đang đi học")
    );
    let i21 = item(&e, "2.1");
    assert_eq!(i21.points, Some(Points::whole(10)));
    assert_eq!(
        i21.explanation.as_deref(),
        Some("2/2 người trong độ tuổi 19–60 đạt chuẩn biết chữ")
    );
    assert_eq!(e.total, Points::whole(50));
    // The set is partial: no pass_total, missing 2.3, criteria 3 and 4.
    assert_eq!(e.status, Status::Incomplete);
    let c = codes(&e);
    assert!(c.contains(&("set_incomplete", None)), "{c:?}");
    assert!(c.contains(&("set_incomplete", Some("2.3"))), "{c:?}");
    assert!(c.contains(&("set_incomplete", Some("3"))), "{c:?}");
    assert!(c.contains(&("set_incomplete", Some("4"))), "{c:?}");
    assert!(c.iter().all(|(code, _)| *code == "set_incomplete"), "{c:?}");
    assert_eq!(item(&e, "2.3").source, ValueSource::Missing);
}

#[test]
fn gdht_child_out_of_school_scores_zero() {
    let set = gdht();
    let members = r#"
        {"name": "An", "birth_year": 2014, "schooling": "in_school"},
        {"name": "Bình", "birth_year": 2016, "schooling": "out_of_school"},
        {"name": "Cúc", "birth_year": 2015, "schooling": "out_of_school", "unable_to_learn": true}
    "#;
    let e = eval_json(&set, &gdht_json(members, ""));
    let i11 = item(&e, "1.1");
    assert_eq!(i11.points, Some(Points::ZERO));
    assert_eq!(
        i11.explanation.as_deref(),
        Some("1/2 trẻ trong độ tuổi 6–14 đang đi học")
    );
}

#[test]
fn gdht_when_none_gives_full_points() {
    let set = gdht();
    let members = r#"{"name": "Ông", "birth_year": 1950, "literate": false}"#;
    let e = eval_json(&set, &gdht_json(members, ""));
    assert_eq!(item(&e, "1.1").points, Some(Points::whole(10)));
    assert_eq!(item(&e, "2.1").points, Some(Points::whole(10)));
    assert!(item(&e, "1.1")
        .explanation
        .as_deref()
        .is_some_and(|t| t.starts_with("Không có trẻ trong độ tuổi 6–14")));
}

#[test]
fn gdht_member_without_birth_year_is_incomplete() {
    let set = gdht();
    let members = r#"{"name": "Chị Hoa", "literate": true}, {"name": "An", "birth_year": 2014, "schooling": "in_school"}"#;
    let e = eval_json(&set, &gdht_json(members, ""));
    assert_eq!(e.status, Status::Incomplete);
    let c = codes(&e);
    assert!(c.contains(&("missing_member_data", Some("1.1"))), "{c:?}");
    assert!(c.contains(&("missing_member_data", Some("2.1"))), "{c:?}");
    let r = e
        .reasons
        .iter()
        .find(|r| r.code.code() == "missing_member_data")
        .expect("reason");
    assert!(r.message.contains("Chị Hoa"), "{}", r.message);
    assert_eq!(item(&e, "2.1").points, None);

    // A counted adult without the literacy fact is also missing data.
    let members = r#"{"name": "Bố", "birth_year": 1980}"#;
    let e = eval_json(&set, &gdht_json(members, ""));
    assert!(codes(&e).contains(&("missing_member_data", Some("2.1"))));
    assert_eq!(item(&e, "1.1").points, Some(Points::whole(10)));
}

#[test]
fn gdht_override_needs_reason() {
    let set = gdht();
    let members = r#"{"name": "Bố", "birth_year": 1980}"#;
    let json = gdht_json(
        members,
        r#", "2.1": {"value": 10, "override_reason": "Đã xem giấy chứng nhận biết chữ"}"#,
    );
    let e = eval_json(&set, &json);
    let i21 = item(&e, "2.1");
    assert_eq!(i21.points, Some(Points::whole(10)));
    assert_eq!(i21.source, ValueSource::Overridden);
    assert!(i21
        .explanation
        .as_deref()
        .is_some_and(|t| t.contains("Đã xem giấy chứng nhận biết chữ")));
    assert!(!codes(&e).contains(&("missing_member_data", Some("2.1"))));

    let err = Answers::from_json(&set, &gdht_json(members, r#", "2.1": 10"#), 2026).unwrap_err();
    assert_eq!(
        err,
        InputError::OverrideWithoutReason { item: "2.1".into() }
    );
    let err = Answers::from_json(
        &set,
        &gdht_json(
            members,
            r#", "2.1": {"value": 10, "override_reason": "  "}"#,
        ),
        2026,
    )
    .unwrap_err();
    assert_eq!(
        err,
        InputError::OverrideWithoutReason { item: "2.1".into() }
    );
    // A number is not a reason (the next score typed at the reason prompt).
    for not_words in ["9", " 7.5 ", "10/10", "-"] {
        let err = Answers::from_json(
            &set,
            &gdht_json(
                members,
                &format!(r#", "2.1": {{"value": 10, "override_reason": "{not_words}"}}"#),
            ),
            2026,
        )
        .unwrap_err();
        assert_eq!(
            err,
            InputError::OverrideWithoutReason { item: "2.1".into() },
            "{not_words:?}"
        );
    }
}

#[test]
fn gdht_answering_missing_indicator_is_refused() {
    let set = gdht();
    let err = Answers::from_json(&set, r#"{"items": {"2.3": 5}}"#, 2026).unwrap_err();
    assert_eq!(err, InputError::MissingIndicator { item: "2.3".into() });
}

// ----- templates: levels, knockout, evidence, proportional ---------------------------------

#[test]
fn template_levels_and_evidence() {
    let set = builtin_set("template-cong-dong").expect("shipped");
    let ids: Vec<String> = set.indicators().map(|i| i.id.clone()).collect();
    let all = |v: u32| {
        let items: Vec<String> = ids.iter().map(|id| format!("\"{id}\": {v}")).collect();
        format!("{{\"items\": {{{}}}}}", items.join(","))
    };
    let e = eval_json(&set, &all(10));
    assert_eq!(e.status, Status::Passed);
    assert_eq!(e.level.as_deref(), Some("muc_2"));
    let e = eval_json(&set, &all(8));
    assert_eq!(e.status, Status::Passed);
    assert_eq!(e.level.as_deref(), Some("muc_1"));

    // With evidence counts given, indicators needing photos are checked.
    let mut a = Answers::from_json(&set, &all(10), 2026).expect("valid");
    a.evidence = Some([("1.1".to_string(), 1), ("3.1".to_string(), 1)].into());
    let e = evaluate(&set, &a).expect("evaluates");
    assert_eq!(e.status, Status::Incomplete);
    assert_eq!(
        codes(&e),
        vec![
            ("missing_evidence", Some("1.2")),
            ("missing_evidence", Some("3.1"))
        ]
    );
    assert_eq!(e.level, None);
}

#[test]
fn template_knockout_and_proportional() {
    let set = builtin_set("template-dong-ho").expect("shipped");
    let members = r#"
        {"name": "A", "birth_year": 1970, "cdht": true},
        {"name": "B", "birth_year": 1975, "cdht": true},
        {"name": "C", "birth_year": 1990, "cdht": false},
        {"name": "D", "birth_year": 2015}
    "#;
    let json = format!(
        r#"{{"year": 2026, "items": {{"1.1": 10, "1.2": 10, "1.3": 10, "2.2": 10, "2.3": 10,
            "3.1": 10, "3.2": 10, "4.1": true, "4.2": false}}, "members": [{members}]}}"#
    );
    let e = eval_json(&set, &json);
    let i21 = item(&e, "2.1");
    // 20 × 2/3 = 13.33 → rounded down to 13.
    assert_eq!(i21.points, Some(Points::whole(13)));
    assert_eq!(
        i21.explanation.as_deref(),
        Some("2/3 người từ 18 tuổi trở lên được công nhận Công dân học tập")
    );
    assert_eq!(e.status, Status::Failed);
    let c = codes(&e);
    assert!(c.contains(&("knockout", Some("4.2"))), "{c:?}");
    assert!(c.contains(&("below_floor", Some("4.2"))), "{c:?}");
}

#[test]
fn evaluation_is_deterministic() {
    let set = gdht();
    let json = gdht_json(FAMILY, "");
    let a = eval_json(&set, &json);
    let b = eval_json(&set, &json);
    assert_eq!(a, b);
    let ja = serde_json::to_string(&a).expect("json");
    let jb = serde_json::to_string(&b).expect("json");
    assert_eq!(ja, jb);
    // Same answers on another thread give the same bytes.
    let set2 = Arc::clone(&set);
    let jc = std::thread::spawn(move || {
        serde_json::to_string(&eval_json(&set2, &gdht_json(FAMILY, ""))).expect("json")
    })
    .join()
    .expect("thread");
    assert_eq!(ja, jc);
}

#[test]
fn set_hash_follows_set_changes() {
    let set = cdht();
    let answers = Answers::from_json(&set, &cdht_json(&[8.0; 10]), 2026).expect("valid");
    let a = evaluate(&set, &answers).expect("ok");
    let mut changed: CriteriaSet = set.set().clone();
    changed.rules.pass_total = Some(Points::whole(70));
    let changed = LoadedSet::new(changed);
    let b = evaluate(&changed, &answers).expect("ok");
    assert_ne!(a.criteria.sha256, b.criteria.sha256);
    assert_eq!(b.criteria.sha256, changed.sha256());
    assert_eq!(
        evaluate(&set, &answers).expect("ok").criteria.sha256,
        set.sha256()
    );
}
