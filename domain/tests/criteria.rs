//! Criteria loader tests: every shipped file validates, a broken file reports all of its
//! problems with correct lines, and the content hash ignores formatting.
// Tests read files; the domain itself may not (clippy.toml).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use hoctap_domain::criteria::builtin::{
    builtin_by_sha256, builtin_set, builtin_sets, ARCHIVED_FILES, BUILTIN_FILES,
};
use hoctap_domain::criteria::load::parse_set;
use hoctap_domain::criteria::{AnswerKind, NoteKind, SetStatus};
use hoctap_domain::criteria::{CriteriaSet, ValidationReport};
use hoctap_domain::model::{Model, Points};
use std::path::Path;

fn load_file(path: &Path) -> Result<CriteriaSet, ValidationReport> {
    let src = std::fs::read_to_string(path).expect("read criteria file");
    parse_set(&src, &path.display().to_string())
}

fn repo_criteria(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("criteria")
        .join(file)
}

#[test]
fn every_shipped_file_validates_from_disk() {
    for (file, _) in BUILTIN_FILES {
        let set = load_file(&repo_criteria(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(format!("{}.toml", set.id), *file);
        assert!(
            set.notes.iter().any(|n| n.kind == NoteKind::Inferred),
            "{file}"
        );
        if set.status == SetStatus::Template {
            assert!(set
                .title
                .starts_with("Mẫu — không phải bộ tiêu chí chính thức"));
            assert!(!set.is_incomplete(), "{file}");
        }
        for t in set.indicators().map(|i| &i.text) {
            assert!(unicode_normalization::UnicodeNormalization::nfc(t.as_str()).eq(t.chars()));
        }
    }
    assert_eq!(builtin_sets().len(), BUILTIN_FILES.len());
    for (file, _) in ARCHIVED_FILES {
        let set = load_file(&repo_criteria(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(format!("archive/{}.v{}.toml", set.id, set.version), *file);
    }
}

#[test]
fn cdht_content() {
    let set = load_file(&repo_criteria("cdht-324.toml")).expect("valid");
    assert_eq!(set.model, Model::CongDan);
    assert_eq!(set.status, SetStatus::Official);
    assert_eq!(set.document.number.as_deref(), Some("324/QĐ-KHVN"));
    assert_eq!(set.rules.pass_total, Some(Points::whole(80)));
    assert_eq!(set.rules.indicator_floor, Some(Points::whole(5)));
    assert!(set.rules.levels.is_empty());
    let ids: Vec<&str> = set.indicators().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2"]
    );
    assert!(set.indicators().all(|i| i.max == Some(Points::whole(10))
        && i.answer
            == AnswerKind::Points {
                step: Points::whole(1)
            }));
    assert!(!set.is_incomplete());
    assert!(set
        .notes
        .iter()
        .any(|n| n.about == "indicator.max" && n.kind == NoteKind::Inferred));
    // Version 2: the age bound is data, marked inferred, and equal to the report's population.
    assert_eq!(set.version, 2);
    let bounds = set.eligibility.as_ref().expect("[eligibility]");
    assert_eq!(
        bounds.age_min.map(i64::from),
        Some(i64::from(hoctap_domain::eligibility::ADULT_AGE))
    );
    assert_eq!(bounds.age_max, None);
    assert!(set
        .notes
        .iter()
        .any(|n| n.about == "eligibility.age_min" && n.kind == NoteKind::Inferred));
    assert!(set.covers_year(2026) && set.covers_year(2021) && set.covers_year(2030));
    assert!(!set.covers_year(2020) && !set.covers_year(2031));
}

#[test]
fn gdht_content() {
    let set = load_file(&repo_criteria("gdht-448-2015.toml")).expect("valid");
    assert_eq!(set.status, SetStatus::Partial);
    assert_eq!(set.document.date.as_deref(), Some("2015-12-01"));
    assert!(set.rules.pass_total.is_none());
    assert!(set.is_incomplete());
    let i11 = set.indicator("1.1").expect("1.1");
    let AnswerKind::Derived(rule) = &i11.answer else {
        panic!("1.1 must be derived");
    };
    assert_eq!(
        (rule.filter.age_min, rule.filter.age_max),
        (Some(6), Some(14))
    );
    assert!(rule.filter.exclude_unable);
    assert!(set.indicator("2.3").expect("2.3").missing);
    assert!(set.criteria[2].missing && set.criteria[3].missing);
    assert!(set
        .notes
        .iter()
        .any(|n| n.about.contains("age") && n.kind == NoteKind::Inferred));
}

/// A broken file; the comment on each line names the problem expected there.
const BROKEN: &str = r#"schema = 1
id = "broken"
model = "gia_dinh_x"
title = "Hỏng"
version = 1
status = "official"
total_max = 90
colour = "red"

[rules]
pass_total = 120
indicator_floor = 12
knockout = ["1.1", "7.7"]

[[rules.levels]]
code = "muc_1"
title = "Mức 1"
min_total = 50

[[criteria]]
id = "1"
title = "Một"
max = 25
min_points = 40

[[criteria.indicators]]
id = "1.1"
text = "A"
max = 10
answer = "points"
step = 3

[[criteria.indicators]]
id = "2.2"
text = "B"
max = 10
answer = "maybe"

[[criteria.indicators]]
id = "1.1"
text = "C"
max = 10
answer = "derived"
evidence_min = "two"
wat = 1

[criteria.indicators.derived]
age_min = 60
age_max = 19
condition = "literate"
scoring = "threshold"
min_share = 1.5
when_none = "full"
explanation = "x"

[[criteria]]
id = "1"
title = "Trùng"
missing = true
"#;

fn line_of(needle: &str, nth: usize) -> usize {
    BROKEN
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(nth)
        .map(|(i, _)| i + 1)
        .unwrap_or_else(|| panic!("{needle} not in BROKEN"))
}

#[test]
fn broken_file_reports_every_problem_with_lines() {
    let report = parse_set(BROKEN, "broken.toml").unwrap_err();
    let text = report.to_string();
    let has = |line: usize, fragment: &str| {
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.line == line && p.message.contains(fragment)),
            "expected line {line} with {fragment:?} in:\n{text}"
        );
    };
    has(line_of("model =", 0), "gia_dinh_x");
    has(line_of("colour", 0), "colour");
    has(line_of("wat = 1", 0), "wat");
    has(line_of("pass_total = 120", 0), "pass_total");
    has(line_of("indicator_floor = 12", 0), "indicator_floor");
    has(line_of("knockout", 0), "7.7");
    has(line_of("min_total = 50", 0), "min_total");
    has(line_of("max = 25", 0), "max");
    has(line_of("min_points = 40", 0), "min_points");
    has(line_of("step = 3", 0), "step");
    has(line_of("id = \"2.2\"", 0), "2.2");
    has(line_of("answer = \"maybe\"", 0), "maybe");
    has(line_of("id = \"1.1\"", 1), "1.1");
    has(line_of("evidence_min = \"two\"", 0), "evidence_min");
    has(line_of("age_min = 60", 0), "age_min");
    has(line_of("min_share = 1.5", 0), "min_share");
    has(line_of("id = \"1\"", 1), "\"1\"");
    has(line_of("missing = true", 0), "missing");
    assert!(report.problems.len() >= 18, "{text}");
    // Sorted by line, one "file:line: message" per line.
    assert!(report.problems.windows(2).all(|w| w[0].line <= w[1].line));
    assert_eq!(text.lines().count(), report.problems.len());
    assert!(text.lines().all(|l| l.starts_with("broken.toml:")));
}

#[test]
fn missing_keys_and_wrong_types() {
    let src = "schema = 1\nid = \"x\"\nversion = \"1\"\n\n[[criteria]]\nid = 1\n";
    let report = parse_set(src, "m.toml").unwrap_err();
    let text = report.to_string();
    for (line, frag) in [
        (1, "`model`"),
        (1, "`title`"),
        (1, "`status`"),
        (3, "version"),
        (5, "`title`"),
        (5, "`max`"),
        (6, "criteria[1].id"),
    ] {
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.line == line && p.message.contains(frag)),
            "expected line {line} with {frag:?} in:\n{text}"
        );
    }
}

#[test]
fn syntax_error_reports_line() {
    let src = "schema = 1\nid = \"x\"\n\n[rules\npass_total = 1\n";
    let report = parse_set(src, "s.toml").unwrap_err();
    assert_eq!(report.problems[0].line, 4, "{report}");
    assert!(report.problems[0].message.contains("TOML"));
}

#[test]
fn sha256_ignores_formatting_and_follows_content() {
    let (_, src) = BUILTIN_FILES[0];
    let a = parse_set(src, "a.toml").expect("valid");
    // Same content: comments stripped, extra blank lines and spaces, integers as floats.
    let reformatted: String = src
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| {
            let l = l.replacen(" = ", "   =   ", 1);
            if l.starts_with("max = 10") || l.starts_with("max   =   10") {
                "max = 10.0   # same value".to_string()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let b = parse_set(&reformatted, "b.toml").expect("valid");
    assert_eq!(a, b);
    assert_eq!(a.sha256(), b.sha256());
    assert_eq!(a.sha256().len(), 64);

    // Raise criterion 3 and indicator 3.2 by 10 points (and the total accordingly).
    let changed = src
        .replacen("max = 20", "max = 30", 1)
        .replace("total_max = 100", "total_max = 110");
    // Criterion 3 max 30 needs its indicators to sum to 30: raise 3.2 to 20.
    let changed = {
        let idx = changed.find("id = \"3.2\"").expect("3.2");
        let (head, tail) = changed.split_at(idx);
        format!("{head}{}", tail.replacen("max = 10", "max = 20", 1))
    };
    let c = parse_set(&changed, "c.toml").unwrap_or_else(|r| panic!("{r}"));
    assert_ne!(a.sha256(), c.sha256());
}

#[test]
fn readme_example_validates() {
    let readme = include_str!("../../criteria/README.md");
    let start = readme.find("```toml\n").expect("example") + "```toml\n".len();
    let len = readme[start..].find("```").expect("end of example");
    let set = parse_set(&readme[start..start + len], "README.md").unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(set.id, "template-vi-du");
    assert_eq!(
        set.indicator("1.2").map(|i| &i.answer),
        Some(&AnswerKind::Points { step: Points(50) })
    );
}

/// Assessments already on devices and servers are pinned to the content hash of the set they
/// were made with. These hashes were computed by the released code (before the core was split);
/// a change of the canonical serialisation, or an edit of a shipped file in place, would orphan
/// every assessment made since: ship a changed set as a new version (or a new file) instead,
/// and keep the old one in `criteria/archive/`.
#[test]
fn builtin_set_hashes_stay_compatible() {
    // (id, version, sha256, current): every version ever shipped. The current ones are what
    // listings and new assessments use; all of them resolve by hash.
    let pinned = [
        (
            "cdht-324",
            1,
            "f4cf1cbcd13a4450e3fa476156b352d99d2e9cf173ac17aa6be50d91de4266e0",
            false,
        ),
        (
            "cdht-324",
            2,
            "0444c97ad10a3022df02443128fa6aa05c423427283cb08b3dae0e56f599ac42",
            true,
        ),
        (
            "gdht-448-2015",
            1,
            "e5127b0345d8f586bbc845495ab9f8d6dc03745ca79638a5d03a013deb8ad4fc",
            true,
        ),
        (
            "template-gia-dinh",
            1,
            "310eca330dbd46157808bfe23bf1a4bd901873f26b81e20ecfe717bc41eea468",
            true,
        ),
        (
            "template-dong-ho",
            1,
            "1ce4a8e43d6e8bad9d7dbee2d0f7712b5e87a196928e6e06df3fc79ad838803a",
            true,
        ),
        (
            "template-cong-dong",
            1,
            "ce6cb493f909366bc527740c2d436b48ea8fed6ccc717fda8d40393c219e73d8",
            true,
        ),
        (
            "template-don-vi",
            1,
            "d442a1d3ed067736cd94406224ce2cd3505a9685da8b25822ca2535796fdfc66",
            false,
        ),
        (
            "template-don-vi",
            2,
            "3ab557a9a19d78beae1882e6f7937331da9cc4942139b08b32b10e886eb76fee",
            true,
        ),
    ];
    for (id, version, sha, current) in pinned {
        let set = builtin_by_sha256(sha).unwrap_or_else(|| panic!("{id} v{version} resolves"));
        assert_eq!((set.id.as_str(), set.version), (id, version));
        assert_eq!(set.sha256(), sha, "{id} v{version}");
        assert_eq!(
            set.set().sha256(),
            sha,
            "{id} v{version}: the cached hash is the computed one"
        );
        if current {
            let newest = builtin_set(id).expect(id);
            assert_eq!(newest.sha256(), sha, "{id}: newest version");
            assert!(builtin_sets().iter().any(|s| s.sha256() == sha));
        } else {
            assert!(
                !builtin_sets().iter().any(|s| s.sha256() == sha),
                "{id} v{version} is archived, never listed"
            );
        }
    }
    // Every shipped version is pinned above.
    assert_eq!(
        pinned.len(),
        BUILTIN_FILES.len() + ARCHIVED_FILES.len(),
        "pin the hash of every new built-in version"
    );
}
