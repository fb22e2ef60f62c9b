//! Honest results (issue 10): a template's result is a practice result that never reads "đạt";
//! levels carry their Vietnamese titles; a set whose period does not include the year is refused
//! for new assessments; eligibility is data (`[eligibility]`), enforced at start and reported by
//! the engine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::criteria::builtin::{builtin_by_sha256, builtin_set};
use hoctap_domain::criteria::{parse_period, parse_set, LoadedSet};
use hoctap_domain::eligibility::{check_new_assessment, NotAssessable};
use hoctap_domain::engine::{evaluate, Answers, Evaluation, InputError, ReasonCode, Status};
use hoctap_domain::labels::{evaluation_label, PRACTICE_PREFIX};
use hoctap_domain::model::{MemberFacts, Points};
use std::sync::Arc;

const V1_CDHT: &str = "f4cf1cbcd13a4450e3fa476156b352d99d2e9cf173ac17aa6be50d91de4266e0";

fn set(id: &str) -> Arc<LoadedSet> {
    builtin_set(id).unwrap_or_else(|| panic!("{id} shipped"))
}

/// Every answerable indicator at `points` (yes/no answered yes), with these members.
fn all_at(set: &LoadedSet, points: u32, members: &str, year: i32) -> Evaluation {
    let items: Vec<String> = set
        .indicators()
        .filter(|i| !i.missing)
        .filter(|i| !matches!(i.answer, hoctap_domain::criteria::AnswerKind::Derived(_)))
        .map(|i| match i.answer {
            hoctap_domain::criteria::AnswerKind::YesNo => format!("\"{}\": true", i.id),
            _ => format!("\"{}\": {points}", i.id),
        })
        .collect();
    let json = format!(
        "{{\"year\": {year}, \"items\": {{{}}}, \"members\": [{members}]}}",
        items.join(", ")
    );
    let answers = Answers::from_json(set, &json, year).expect("valid answers");
    evaluate(set, &answers).expect("evaluates")
}

fn never_says_dat(text: &str) {
    let lower = text.to_lowercase();
    assert!(!lower.contains("đạt"), "reads “đạt”: {text}");
}

// ----- practice results ---------------------------------------------------------------------

#[test]
fn a_template_result_is_practice_and_never_reads_dat() {
    // Regression: finalizing with template-gia-dinh printed "Kết quả: ĐẠT — 89 / 100 — mức: muc_1".
    let s = set("template-gia-dinh");
    let adults = r#"{"name": "A", "birth_year": 1980, "literate": true}"#;
    let e = all_at(&s, 9, adults, 2026);
    assert_eq!(e.status, Status::Passed, "{:?}", e.reasons);
    assert!(e.practice);
    assert!(e.label.starts_with(PRACTICE_PREFIX), "{}", e.label);
    never_says_dat(&e.label);
    assert_eq!(e.level.as_deref(), Some("muc_1"));
    assert_eq!(e.level_title.as_deref(), Some("Gia đình học tập"));

    // Failed and incomplete practice results read as practice too.
    let failed = all_at(&s, 2, adults, 2026);
    assert_eq!(failed.status, Status::Failed);
    assert!(failed.label.starts_with(PRACTICE_PREFIX));
    never_says_dat(&failed.label);
    let empty = Answers::from_json(&s, "{\"items\": {}}", 2026).expect("valid");
    let incomplete = evaluate(&s, &empty).expect("evaluates");
    assert_eq!(incomplete.status, Status::Incomplete);
    assert!(incomplete.label.starts_with(PRACTICE_PREFIX));

    // JSON keeps the codes and adds the marker, the label and the level title.
    let v = serde_json::to_value(&e).expect("json");
    assert_eq!(v["status"], "passed");
    assert_eq!(v["practice"], true);
    assert_eq!(v["level"], "muc_1");
    assert_eq!(v["level_title"], "Gia đình học tập");
    never_says_dat(v["label"].as_str().expect("label"));

    for status in [Status::Passed, Status::Failed, Status::Incomplete] {
        never_says_dat(&evaluation_label(status, true, false));
        never_says_dat(&evaluation_label(status, true, true));
    }
}

#[test]
fn every_template_is_practice_and_official_sets_are_not() {
    for s in hoctap_domain::criteria::builtin::builtin_sets() {
        let e = all_at(&s, 10, "", 2026);
        assert_eq!(
            e.practice,
            s.status == hoctap_domain::criteria::SetStatus::Template,
            "{}",
            s.id
        );
        if e.practice {
            never_says_dat(&e.label);
        }
    }
    let e = all_at(&set("cdht-324"), 8, "", 2026);
    assert!(!e.practice);
    assert_eq!(e.label, "Đạt");
}

#[test]
fn level_titles_come_from_the_set() {
    let s = set("template-cong-dong");
    let e = all_at(&s, 10, "", 2026);
    assert_eq!(e.level.as_deref(), Some("muc_2"));
    assert_eq!(e.level_title.as_deref(), Some("Mức 2"));
    assert_eq!(s.level_title("muc_1"), Some("Mức 1"));
    assert_eq!(s.level_title("nope"), None);
    let dh = set("template-dong-ho");
    assert_eq!(
        dh.level_title("tieu_bieu"),
        Some("Dòng họ học tập tiêu biểu")
    );
}

// ----- period -------------------------------------------------------------------------------

#[test]
fn periods_read_as_years() {
    assert_eq!(parse_period("2021-2030"), Some((2021, 2030)));
    assert_eq!(parse_period("2016 – 2020"), Some((2016, 2020)));
    assert_eq!(parse_period("2021—2030"), Some((2021, 2030)));
    assert_eq!(parse_period("2026"), Some((2026, 2026)));
    assert_eq!(parse_period("2030-2021"), None);
    assert_eq!(parse_period("giai đoạn mới"), None);
    assert_eq!(parse_period("2021-2030-2040"), None);
    assert_eq!(parse_period("21-30"), None);
}

#[test]
fn an_out_of_period_set_is_refused_for_new_assessments_naming_what_to_use() {
    let gdht = set("gdht-448-2015");
    assert_eq!(gdht.period_years(), Some((2016, 2020)));
    assert!(gdht.covers_year(2016) && gdht.covers_year(2020));
    assert!(!gdht.covers_year(2026) && !gdht.covers_year(2015));
    assert_eq!(check_new_assessment(&gdht, 2019, &[]), Ok(()));

    let err = check_new_assessment(&gdht, 2026, &[]).unwrap_err();
    let NotAssessable::OutOfPeriod {
        period,
        year,
        instead,
        practice_sets,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((period.as_str(), *year), ("2016-2020", 2026));
    // No other built-in Gia đình set is official; the template is offered for practice only.
    assert!(instead.is_empty(), "{instead:?}");
    assert_eq!(practice_sets, &["template-gia-dinh".to_string()]);
    let vi = err.message_vi();
    for needle in ["gdht-448-2015", "2016-2020", "2026", "template-gia-dinh"] {
        assert!(vi.contains(needle), "{needle} in {vi}");
    }
    assert!(err.detail().contains("2016-2020") && err.detail().contains("2026"));
    // Through the engine's input error, as the store returns it.
    let input = InputError::from(err.clone());
    assert_eq!(input.message_vi(), vi);

    // A set with no period in years is never refused for its period.
    let src = include_str!("../../criteria/README.md");
    let start = src.find("```toml\n").expect("example") + "```toml\n".len();
    let len = src[start..].find("```").expect("end");
    let example = parse_set(&src[start..start + len], "README.md").expect("valid");
    assert!(example.period.is_none() && example.covers_year(1990));

    // Existing assessments are never re-checked: the engine scores the old set for any year.
    let e = all_at(&gdht, 8, "", 2026);
    assert_ne!(e.status, Status::Passed);
}

// ----- eligibility --------------------------------------------------------------------------

fn child() -> MemberFacts {
    MemberFacts {
        name: Some("Nguyễn Bé Na".into()),
        birth_year: Some(2022),
        ..Default::default()
    }
}

#[test]
fn a_four_year_old_cannot_be_assessed_for_cong_dan_hoc_tap() {
    let cdht = set("cdht-324");
    let err = check_new_assessment(&cdht, 2026, &[child()]).unwrap_err();
    assert!(matches!(
        &err,
        NotAssessable::OutsideAgeBounds {
            age: 4,
            birth_year: 2022,
            ..
        }
    ));
    let vi = err.message_vi();
    for needle in [
        "Nguyễn Bé Na",
        "4 tuổi",
        "2022",
        "18 tuổi",
        "Công dân học tập",
    ] {
        assert!(vi.contains(needle), "{needle} in {vi}");
    }
    // Adults and people without a known birth year may start (the latter is reported later).
    let adult = MemberFacts {
        birth_year: Some(2008),
        ..Default::default()
    };
    assert_eq!(check_new_assessment(&cdht, 2026, &[adult]), Ok(()));
    assert_eq!(
        check_new_assessment(&cdht, 2026, &[MemberFacts::default()]),
        Ok(())
    );
}

#[test]
fn the_engine_reports_an_ineligible_person_and_blocks_finalization() {
    // Regression: a 4-year-old assessed for Công dân học tập passed with 83 points.
    let cdht = set("cdht-324");
    let kid = r#"{"name": "Nguyễn Bé Na", "birth_year": 2022}"#;
    let e = all_at(&cdht, 9, kid, 2026);
    assert_eq!(e.status, Status::Failed);
    assert_eq!(e.total, Points::whole(90));
    assert_eq!(e.reasons[0].code, ReasonCode::Ineligible);
    assert!(
        e.reasons[0].message.contains("4 tuổi"),
        "{}",
        e.reasons[0].message
    );
    assert!(e.reasons.iter().any(|r| r.code.blocks_finalization()));
    assert_eq!(e.label, "Không thuộc diện đánh giá");
    never_says_dat(&e.label);
    assert_eq!(e.level, None);

    // Unanswered items do not hide it: ineligibility decides the status.
    let answers = Answers::from_json(
        &cdht,
        &format!("{{\"items\": {{}}, \"members\": [{kid}]}}"),
        2026,
    )
    .expect("valid");
    let e = evaluate(&cdht, &answers).expect("evaluates");
    assert_eq!(e.status, Status::Failed);
    assert_eq!(e.reasons[0].code, ReasonCode::Ineligible);

    // A birth year is needed to know.
    let e = all_at(&cdht, 9, r#"{"name": "Ẩn Danh"}"#, 2026);
    assert_eq!(e.status, Status::Incomplete);
    assert!(e
        .reasons
        .iter()
        .any(|r| r.code == ReasonCode::MissingMemberData && r.message.contains("Ẩn Danh")));

    // An adult passes; pure scoring without members is a calculator.
    let e = all_at(&cdht, 9, r#"{"name": "A", "birth_year": 1990}"#, 2026);
    assert_eq!((e.status, e.label.as_str()), (Status::Passed, "Đạt"));
    assert_eq!(all_at(&cdht, 9, "", 2026).status, Status::Passed);
    // 18 in the year is enough (age = year − birth year).
    let e = all_at(&cdht, 9, r#"{"birth_year": 2008}"#, 2026);
    assert_eq!(e.status, Status::Passed);
}

#[test]
fn the_archived_version_keeps_scoring_its_old_assessments_unchanged() {
    let v1 = builtin_by_sha256(V1_CDHT).expect("v1 still resolves");
    assert_eq!(v1.version, 1);
    assert!(v1.eligibility.is_none());
    // Its results (frozen on devices and servers) re-score exactly as before.
    let e = all_at(
        &v1,
        8,
        r#"{"name": "Nguyễn Bé Na", "birth_year": 2022}"#,
        2026,
    );
    assert_eq!(e.status, Status::Passed);
    assert_eq!(e.criteria.sha256, V1_CDHT);
    assert_eq!(e.criteria.version, 1);
}

#[test]
fn eligibility_is_validated_data() {
    let base = |model: &str, extra: &str| {
        format!(
            "schema = 1\nid = \"x\"\nmodel = \"{model}\"\ntitle = \"X\"\nversion = 1\nstatus = \"template\"\n\
             {extra}\n\
             [[criteria]]\nid = \"1\"\ntitle = \"A\"\nmax = 10\n\
             [[criteria.indicators]]\nid = \"1.1\"\ntext = \"a\"\nmax = 10\nanswer = \"points\"\n"
        )
    };
    let ok = parse_set(
        &base("cong_dan", "[eligibility]\nage_min = 16\nage_max = 60\n"),
        "ok.toml",
    )
    .unwrap_or_else(|r| panic!("{r}"));
    let bounds = ok.eligibility.as_ref().expect("bounds");
    assert_eq!((bounds.age_min, bounds.age_max), (Some(16), Some(60)));
    assert!(bounds.admits_age(16) && bounds.admits_age(60));
    assert!(!bounds.admits_age(15) && !bounds.admits_age(61));

    let report = parse_set(
        &base("gia_dinh", "[eligibility]\nage_min = 18\n"),
        "hh.toml",
    )
    .unwrap_err();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.line == 7 && p.message.contains("cong_dan")),
        "{report}"
    );
    let report = parse_set(
        &base(
            "cong_dan",
            "[eligibility]\nage_min = 60\nage_max = 18\ncolour = 1\n",
        ),
        "bad.toml",
    )
    .unwrap_err();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.line == 8 && p.message.contains("age_max")),
        "{report}"
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.line == 10 && p.message.contains("colour")),
        "{report}"
    );
    let report = parse_set(
        &base("cong_dan", "[eligibility]\nage_min = -1\n"),
        "neg.toml",
    )
    .unwrap_err();
    assert!(report.problems.iter().any(|p| p.line == 8), "{report}");

    // A set without the table hashes as if the field did not exist (old hashes stay valid).
    let plain = parse_set(&base("cong_dan", ""), "plain.toml").expect("valid");
    let json = serde_json::to_string(&plain).expect("json");
    assert!(!json.contains("eligibility"));
    assert!(serde_json::to_string(&ok)
        .expect("json")
        .contains("\"eligibility\""));
}
