//! Offline store behaviour: migrations, Vietnamese search and sort, assessment lifecycle,
//! immutability, corrections, roster import atomicity and the yearly summary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::engine::{AnswerValue, ItemAnswer, Status};
use hoctap_domain::model::{Points, Schooling, Subject, SubjectKind};
use hoctap_domain::state::AssessmentState;
use hoctap_store::households::{HouseholdQuery, NewHousehold, NewMember};
use hoctap_store::schema;
use hoctap_store::units::NewHamlet;
use hoctap_store::{Store, StoreError};
use rusqlite::Connection;
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

fn nfd(s: &str) -> String {
    s.nfd().collect()
}

fn hamlet(store: &Store, name: &str) -> String {
    store
        .add_hamlet(&NewHamlet {
            name: name.into(),
            ..Default::default()
        })
        .unwrap()
        .id
}

fn household(store: &mut Store, hamlet_id: &str, head: &str) -> String {
    store
        .add_household(&NewHousehold {
            hamlet_id: hamlet_id.into(),
            head: head.into(),
            ..Default::default()
        })
        .unwrap()
        .id
}

/// Everything about a schema that matters, in a comparable form.
fn schema_fingerprint(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    let mut stmt = conn
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .unwrap();
    let objects: Vec<(String, String, String, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (kind, name, _table, sql) in objects {
        match kind.as_str() {
            "table" => {
                let mut cols = conn
                    .prepare(&format!("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo('{name}')"))
                    .unwrap();
                let cols: Vec<String> = cols
                    .query_map([], |r| {
                        Ok(format!(
                            "{}:{}:{}:{:?}:{}",
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, Option<String>>(3)?,
                            r.get::<_, i64>(4)?
                        ))
                    })
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                out.push(format!("table {name}: {}", cols.join(", ")));
                let mut fks = conn
                    .prepare(&format!("SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('{name}') ORDER BY \"from\""))
                    .unwrap();
                let fks: Vec<String> = fks
                    .query_map([], |r| {
                        Ok(format!(
                            "{}.{}->{}:{}",
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                            r.get::<_, String>(3)?
                        ))
                    })
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                out.push(format!("fk {name}: {}", fks.join(", ")));
                // CHECK constraints and STRICT/WITHOUT ROWID live in the CREATE text: compare the
                // constraint words, ignoring layout and comments.
                let sql: String = sql
                    .unwrap_or_default()
                    .lines()
                    .map(|l| l.split("--").next().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut checks = check_constraints(&sql);
                checks.sort();
                out.push(format!("checks {name}: {}", checks.join(" | ")));
            }
            _ => {
                let norm: String = sql
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(format!("{kind} {name}: {norm}"));
            }
        }
    }
    out
}

/// Every `CHECK (…)` expression in a CREATE statement, white space normalised.
fn check_constraints(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(at) = rest.find("CHECK") {
        let after = &rest[at..];
        let Some(open) = after.find('(') else { break };
        let mut depth = 0;
        let mut end = open;
        for (i, c) in after[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push(
            after[..=end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        );
        rest = &after[end + 1..];
    }
    out
}

#[test]
fn upgraded_database_equals_fresh_one() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    {
        let mut conn = Connection::open(&old).unwrap();
        schema::migrate_from(&mut conn, 0, 1).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        conn.execute(
            "INSERT INTO hamlet (id, name, name_fold, sort_key, created_at, created_offset)
             VALUES ('h1', 'Thôn Đông', 'thon dong', x'00', '2025-01-01T00:00:00Z', 420)",
            [],
        )
        .unwrap();
    }
    let upgraded = Store::open(&old).unwrap();
    let fresh = Store::open(&dir.path().join("fresh.db")).unwrap();
    let a = schema_fingerprint(upgraded.conn_for_tests());
    let b = schema_fingerprint(fresh.conn_for_tests());
    assert!(a.len() > 20, "fingerprint too small: {a:?}");
    assert_eq!(a, b);
    // Data from version 1 survives, and the new column has its default.
    let state: String = upgraded
        .conn_for_tests()
        .query_row("SELECT name FROM hamlet WHERE id = 'h1'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(state, "Thôn Đông");
    let v: i64 = upgraded
        .conn_for_tests()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, schema::CURRENT_VERSION);
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
    }
    match Store::open(&path) {
        Err(StoreError::SchemaTooNew { found: 999, .. }) => {}
        other => panic!("expected SchemaTooNew, got {:?}", other.err()),
    }
}

#[test]
fn text_is_stored_nfc_and_search_ignores_diacritics() {
    let mut store = Store::open_in_memory().unwrap();
    let h = hamlet(&store, &nfd("Thôn Đồng Tâm"));
    assert_eq!(store.hamlet(&h).unwrap().name, "Thôn Đồng Tâm");
    // Found by name typed NFC, NFD or without diacritics.
    assert_eq!(store.resolve_hamlet("Thôn Đồng Tâm").unwrap().id, h);
    assert_eq!(store.resolve_hamlet(&nfd("Thôn Đồng Tâm")).unwrap().id, h);
    assert_eq!(store.resolve_hamlet("thon dong tam").unwrap().id, h);

    let names = [
        "Nguyễn Thị Đào",
        "Trần Văn Dũng",
        "Lê Thị Ánh",
        "Phạm Đức Anh",
    ];
    for (i, n) in names.iter().enumerate() {
        // Alternate NFC and NFD input, as different keyboards send.
        let input = if i % 2 == 0 { n.to_string() } else { nfd(n) };
        household(&mut store, &h, &input);
    }
    let all = store.list_households(&HouseholdQuery::default()).unwrap();
    for row in &all {
        assert_eq!(row.head, row.head.nfc().collect::<String>(), "stored NFC");
    }
    let search = |q: &str| -> Vec<String> {
        store
            .list_households(&HouseholdQuery {
                search: Some(q.into()),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|r| r.head)
            .collect()
    };
    assert_eq!(search("dao"), vec!["Nguyễn Thị Đào"]);
    assert_eq!(search("ĐÀO"), vec!["Nguyễn Thị Đào"]);
    assert_eq!(search(&nfd("Đào")), vec!["Nguyễn Thị Đào"]);
    assert_eq!(search("dung"), vec!["Trần Văn Dũng"]);
    // "d" matches both d and đ.
    assert_eq!(search("duc"), vec!["Phạm Đức Anh"]);
    // Wildcards are literal.
    assert!(search("%").is_empty());
    assert_eq!(search("thi").len(), 2);
}

#[test]
fn households_sort_the_vietnamese_way() {
    let mut store = Store::open_in_memory().unwrap();
    let h = hamlet(&store, "Thôn Bắc");
    let other = hamlet(&store, "Thôn Nam");
    let names = [
        "Nguyễn Văn Đức",
        "Trần Văn Bình",
        "Phạm Thị Ánh",
        "Đỗ Anh",
        "Lê Văn An",
        "Nguyễn Thị An",
        "Nguyễn Văn Dũng",
    ];
    for (i, n) in names.iter().enumerate() {
        let input = if i % 2 == 0 { n.to_string() } else { nfd(n) };
        household(&mut store, &h, &input);
    }
    household(&mut store, &other, "Bùi Văn Ân");
    let rows = store
        .list_households(&HouseholdQuery {
            hamlet_id: Some(h.clone()),
            ..Default::default()
        })
        .unwrap();
    let heads: Vec<&str> = rows.iter().map(|r| r.head.as_str()).collect();
    assert_eq!(
        heads,
        [
            "Nguyễn Thị An",
            "Lê Văn An",
            "Đỗ Anh",
            "Phạm Thị Ánh",
            "Trần Văn Bình",
            "Nguyễn Văn Dũng",
            "Nguyễn Văn Đức"
        ]
    );
    // Across hamlets: "Ân" (â) after "Anh" (a…) and before "Bình".
    let all = store.list_households(&HouseholdQuery::default()).unwrap();
    let pos = |n: &str| all.iter().position(|r| r.head == n).unwrap();
    assert!(pos("Phạm Thị Ánh") < pos("Bùi Văn Ân"));
    assert!(pos("Bùi Văn Ân") < pos("Trần Văn Bình"));
}

fn cdht_subject(store: &mut Store) -> (Subject, String) {
    let h = hamlet(store, "Thôn Trung");
    let hh = household(store, &h, "Hoàng Văn Minh");
    let m = store
        .add_member(
            &hh,
            &NewMember {
                name: "Hoàng Văn Minh".into(),
                birth_year: Some(1980),
                ..Default::default()
            },
        )
        .unwrap();
    (
        Subject {
            kind: SubjectKind::Member,
            id: m.id,
        },
        hh,
    )
}

fn points(v: u32) -> ItemAnswer {
    ItemAnswer {
        value: Some(AnswerValue::Points(Points::whole(v))),
        ..Default::default()
    }
}

#[test]
fn assessment_lifecycle_finalize_is_immutable_and_corrections_are_revisions() {
    let mut store = Store::open_in_memory().unwrap();
    let (subject, _) = cdht_subject(&mut store);
    let set = builtin_set("cdht-324").unwrap();
    let a = store.start_assessment(&subject, &set, 2026).unwrap();
    assert_eq!(a.state, AssessmentState::Draft);
    // Resuming returns the same draft.
    assert_eq!(
        store.start_assessment(&subject, &set, 2026).unwrap().id,
        a.id
    );

    let ids = [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1",
    ];
    let items: BTreeMap<String, ItemAnswer> =
        ids.iter().map(|i| (i.to_string(), points(8))).collect();
    store.set_answers(&a.id, &items).unwrap();
    // One answer missing: cannot finalize, and the message names it.
    match store.finalize(&a.id) {
        Err(e @ StoreError::NotFinalizable { .. }) => {
            assert!(e.message_vi().contains("3.2"), "{}", e.message_vi())
        }
        other => panic!("expected refusal, got {other:?}"),
    }
    // Out-of-range input is refused and nothing is written.
    let err = store.set_answer(&a.id, "3.2", points(11)).unwrap_err();
    assert!(matches!(err, StoreError::Input(_)), "{err:?}");
    assert!(err.to_string().contains("3.2"));
    store.set_answer(&a.id, "3.2", points(8)).unwrap();

    let fin = store.finalize(&a.id).unwrap();
    assert_eq!(fin.evaluation.status, Status::Passed);
    assert_eq!(fin.evaluation.total, Points::whole(80));
    assert_eq!(fin.content_sha256.len(), 64);
    store.verify(&a.id).unwrap();
    // Finalizing again is idempotent.
    assert_eq!(
        store.finalize(&a.id).unwrap().content_sha256,
        fin.content_sha256
    );

    // Immutable: through the API and even through raw SQL.
    assert!(matches!(
        store.set_answer(&a.id, "1.1", points(10)),
        Err(StoreError::Finalized(_))
    ));
    let raw = store.conn_for_tests().execute(
        "UPDATE answer SET value = 1000 WHERE assessment_id = ?1",
        [&a.id],
    );
    assert!(
        raw.is_err(),
        "trigger must refuse changing a finalized answer"
    );
    let raw = store
        .conn_for_tests()
        .execute("DELETE FROM assessment WHERE id = ?1", [&a.id]);
    assert!(raw.is_err(), "a finalized assessment is never deleted");
    for sql in [
        "DELETE FROM evidence WHERE assessment_id = ?1",
        "INSERT INTO evidence (assessment_id, item_id, photo_sha256, position, created_at)
         SELECT ?1, '1.1', sha256, 9, 'x' FROM photo LIMIT 1",
    ] {
        let raw = store.conn_for_tests().execute(sql, [&a.id]);
        assert!(
            !matches!(raw, Ok(n) if n > 0),
            "evidence of a finalized assessment is frozen"
        );
    }
    // Starting again for the same year is refused: corrections are explicit.
    assert!(store.start_assessment(&subject, &set, 2026).is_err());

    // A correction is a new revision pointing to its parent, with the answers copied.
    let c = store.correct(&a.id).unwrap();
    assert_eq!(c.parent_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(c.revision, 2);
    assert_eq!(c.state, AssessmentState::Draft);
    assert!(
        store.correct(&a.id).is_err(),
        "only the latest revision can be corrected"
    );
    store.set_answer(&c.id, "1.1", points(4)).unwrap();
    let fin2 = store.finalize(&c.id).unwrap();
    assert_eq!(fin2.evaluation.status, Status::Failed);
    assert_ne!(fin2.content_sha256, fin.content_sha256);
    // The parent is untouched.
    store.verify(&a.id).unwrap();
    assert_eq!(
        store.content_of(&a.id).unwrap().answers["1.1"].value,
        Some(800)
    );
    let content = store.content_of(&c.id).unwrap();
    assert_eq!(content.parent_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(content.answers["1.1"].value, Some(400));
}

#[test]
fn tampered_content_is_detected() {
    let mut store = Store::open_in_memory().unwrap();
    let (subject, _) = cdht_subject(&mut store);
    let set = builtin_set("cdht-324").unwrap();
    let a = store.start_assessment(&subject, &set, 2026).unwrap();
    let items: BTreeMap<String, ItemAnswer> = set
        .indicators()
        .map(|i| (i.id.clone(), points(9)))
        .collect();
    store.set_answers(&a.id, &items).unwrap();
    store.finalize(&a.id).unwrap();
    // Bypass the triggers to simulate on-disk damage.
    store
        .conn_for_tests()
        .execute_batch("PRAGMA recursive_triggers = OFF; DROP TRIGGER answer_frozen_update;")
        .unwrap();
    store
        .conn_for_tests()
        .execute(
            "UPDATE answer SET value = 1000 WHERE assessment_id = ?1 AND item_id = '1.1'",
            [&a.id],
        )
        .unwrap();
    assert!(matches!(
        store.verify(&a.id),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn derived_indicators_read_members_from_the_store() {
    let mut store = Store::open_in_memory().unwrap();
    let h = hamlet(&store, "Thôn Tây");
    let hh = household(&mut store, &h, "Vũ Văn Hải");
    for (name, year, schooling, literate) in [
        ("Vũ Văn Hải", 1975, Some(Schooling::Finished), Some(true)),
        ("Đinh Thị Lan", 1978, Some(Schooling::Finished), Some(true)),
        ("Vũ Minh Khôi", 2016, Some(Schooling::InSchool), None),
    ] {
        store
            .add_member(
                &hh,
                &NewMember {
                    name: name.into(),
                    birth_year: Some(year),
                    schooling,
                    literate,
                    ..Default::default()
                },
            )
            .unwrap();
    }
    let set = builtin_set("gdht-448-2015").unwrap();
    let subject = Subject {
        kind: SubjectKind::Household,
        id: hh,
    };
    // The set is for 2016–2020: a new assessment must be for one of those years.
    let a = store.start_assessment(&subject, &set, 2020).unwrap();
    let eval = store.evaluate_assessment(&a.id).unwrap();
    let item = |id: &str| eval.items.iter().find(|i| i.id == id).unwrap().clone();
    assert_eq!(
        item("1.1").points,
        Some(Points::whole(10)),
        "{:?}",
        item("1.1")
    );
    assert_eq!(
        item("2.1").points,
        Some(Points::whole(10)),
        "{:?}",
        item("2.1")
    );
    // The partial official set can never pass.
    assert_ne!(eval.status, Status::Passed);
}

#[test]
fn roster_import_is_all_or_nothing_with_line_numbers() {
    use hoctap_store::roster::ImportOptions;
    let store = Store::open_in_memory().unwrap();
    hamlet(&store, "Thôn Đông");
    let bad = "thon,ma_ho,chu_ho,ho_ten,nam_sinh,gioi_tinh\n\
               Thôn Đông,H1,Nguyễn Văn A,Nguyễn Văn A,1970,nam\n\
               Thôn Đông,H1,,Trần Thị B,1972,nữ\n\
               Thôn Đông,H2,Lê Văn C,Lê Văn C,19x0,nam\n";
    let refusal = store
        .import_roster(bad.as_bytes(), ImportOptions::default())
        .unwrap()
        .unwrap_err();
    let hoctap_domain::roster::Refusal::Rows { problems, .. } = refusal else {
        panic!("{refusal:?}");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 4);
    assert_eq!(problems[0].column.as_deref(), Some("nam_sinh"));
    assert!(problems[0].message.contains("19x0"));
    assert_eq!(
        store.count_households(None).unwrap(),
        0,
        "nothing half-imported"
    );

    let good = bad.replace("19x0", "1980");
    let report = store
        .import_roster(good.as_bytes(), ImportOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(report.households_added, 2);
    assert_eq!(report.members_added, 3);
    // Importing the same roster again adds nothing.
    let again = store
        .import_roster(good.as_bytes(), ImportOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(again.households_added, 0);
    assert_eq!(again.households_skipped, 2);
    assert_eq!(store.count_households(None).unwrap(), 2);

    // An unknown hamlet is a problem, unless asked to create it; a refused file adds no hamlet.
    let west = "thon,ma_ho,chu_ho\nThôn Tây,T1,Ngô Văn Tài\nThôn Tây,T2,\n";
    let create = ImportOptions {
        create_hamlets: true,
    };
    assert!(store
        .import_roster(west.as_bytes(), create)
        .unwrap()
        .is_err());
    assert_eq!(store.hamlets().unwrap().len(), 1, "nothing written");
    let west = "thon,ma_ho,chu_ho\nThôn Tây,T1,Ngô Văn Tài\n";
    let refusal = store
        .import_roster(west.as_bytes(), ImportOptions::default())
        .unwrap()
        .unwrap_err();
    assert!(
        refusal_text(&refusal).contains("--create-hamlets"),
        "{refusal:?}"
    );
    let report = store
        .import_roster(west.as_bytes(), create)
        .unwrap()
        .unwrap();
    assert_eq!(report.hamlets_created, vec!["Thôn Tây".to_string()]);
    assert_eq!(store.hamlets().unwrap().len(), 2);
}

fn refusal_text(r: &hoctap_domain::roster::Refusal) -> String {
    match r {
        hoctap_domain::roster::Refusal::Rows { problems, .. } => problems
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join("\n"),
        hoctap_domain::roster::Refusal::File(e) => e.message_vi(),
    }
}

#[test]
fn summary_counts_latest_revisions() {
    let mut store = Store::open_in_memory().unwrap();
    let (subject, hh) = cdht_subject(&mut store);
    let set = builtin_set("cdht-324").unwrap();
    let a = store.start_assessment(&subject, &set, 2026).unwrap();
    let items: BTreeMap<String, ItemAnswer> = set
        .indicators()
        .map(|i| (i.id.clone(), points(8)))
        .collect();
    store.set_answers(&a.id, &items).unwrap();
    store.finalize(&a.id).unwrap();
    let c = store.correct(&a.id).unwrap();
    store.set_answer(&c.id, "2.2", points(3)).unwrap();
    store.finalize(&c.id).unwrap();
    store
        .register(
            &Subject {
                kind: SubjectKind::Household,
                id: hh,
            },
            hoctap_domain::model::Model::GiaDinh,
            2026,
        )
        .unwrap();
    let s = store.summary(2026).unwrap();
    let cong_dan = s.iter().find(|m| m.model.code() == "cong_dan").unwrap();
    assert_eq!(cong_dan.registered, 1);
    assert_eq!(cong_dan.assessed, 1, "two revisions count once");
    assert_eq!(cong_dan.passed, 0, "the latest revision failed");
    assert_eq!(cong_dan.all, 1);
    assert_eq!(cong_dan.percentage, Some(0.0));
    let gia_dinh = s.iter().find(|m| m.model.code() == "gia_dinh").unwrap();
    assert_eq!(
        (gia_dinh.registered, gia_dinh.assessed, gia_dinh.all),
        (1, 0, 1)
    );
    assert_eq!(gia_dinh.percentage, Some(0.0));
}

/// A device that installed (or pulled) an older version of a set starts new assessments with
/// the newer built-in version once the app is updated; the installed set wins only a tie.
#[test]
fn a_newer_builtin_version_beats_an_older_installed_one() {
    let store = Store::open_in_memory().expect("store");
    let v1 = include_str!("../../criteria/archive/cdht-324.v1.toml");
    let installed = store
        .install_criteria(v1, "cdht-324.v1.toml")
        .expect("install v1");
    assert_eq!(installed.version, 1);
    let newest = store.criteria_set("cdht-324").expect("newest");
    let builtin = hoctap_domain::criteria::builtin::builtin_set("cdht-324").expect("builtin");
    assert!(builtin.version > 1, "the shipped set is newer than v1");
    assert_eq!(newest.sha256(), builtin.sha256());
}

/// A removed household (and its members) leaves the summary's denominators, as it leaves the
/// lists: numerators and denominators count the same population.
#[test]
fn removed_rows_leave_the_summary() {
    use hoctap_domain::model::Model;
    let store = Store::open_in_memory().expect("store");
    let hamlet = store
        .add_hamlet(&hoctap_store::units::NewHamlet {
            name: "Thôn Đông".into(),
            ..Default::default()
        })
        .expect("hamlet");
    let mut ids = Vec::new();
    for head in ["Nguyễn Văn Bình", "Lê Thị Ánh"] {
        let h = store
            .add_household(&hoctap_store::households::NewHousehold {
                hamlet_id: hamlet.id.clone(),
                head: head.into(),
                ..Default::default()
            })
            .expect("household");
        store
            .add_member(
                &h.id,
                &hoctap_store::households::NewMember {
                    name: head.into(),
                    birth_year: Some(1970),
                    ..Default::default()
                },
            )
            .expect("member");
        ids.push(h.id);
    }
    let all = |model: Model| {
        store
            .summary(2026)
            .expect("summary")
            .into_iter()
            .find(|m| m.model == model)
            .expect("model")
            .all
    };
    assert_eq!((all(Model::GiaDinh), all(Model::CongDan)), (2, 2));
    store.remove_household(&ids[1]).expect("remove");
    assert_eq!((all(Model::GiaDinh), all(Model::CongDan)), (1, 1));
    store.restore_household(&ids[1]).expect("restore");
    assert_eq!((all(Model::GiaDinh), all(Model::CongDan)), (2, 2));
}
