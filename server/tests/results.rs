//! Honest results on the server (issue 10): `admin assessments` reads results as labels (a
//! template's as a practice result, never "Đạt"; levels as titles), and an assessment pinned to
//! an archived built-in version (`cdht-324` version 1) is still re-scored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use hoctap_domain::assessment::CanonicalAssessment;
use hoctap_domain::criteria::builtin::{builtin_by_sha256, builtin_set};
use hoctap_server::rescore::{find_set, result_labels};
use hoctap_test_support::fixtures::{assessment, SubjectOptions};

const CDHT_V1: &str = "f4cf1cbcd13a4450e3fa476156b352d99d2e9cf173ac17aa6be50d91de4266e0";

fn content(entry: &hoctap_domain::protocol::ManifestEntry) -> CanonicalAssessment {
    CanonicalAssessment::from_json(&entry.content).expect("canonical content")
}

#[test]
fn a_template_result_reads_as_practice_with_its_level_title() {
    use hoctap_domain::model::{Subject, SubjectKind};
    let entry = assessment(&SubjectOptions {
        set: "template-cong-dong",
        subject: Subject::new(SubjectKind::Hamlet, "01a00000-0000-7000-8000-000000000001"),
        members: Vec::new(),
        points: 1000,
    });
    let mut c = content(&entry);
    let set = find_set(&c, None).expect("built-in template");
    // Photos on every indicator that asks for them.
    for ind in set.indicators().filter(|i| i.evidence.required) {
        let photos = (0..ind.evidence.min_photos)
            .map(|n| format!("{n:064x}"))
            .collect();
        c.evidence.insert(ind.id.clone(), photos);
    }
    let l = result_labels(Some(&set), &c);
    assert!(l.practice);
    assert!(l.label.starts_with("Kết quả tham khảo (bộ mẫu)"), "{l:?}");
    assert!(
        l.device_label.starts_with("Kết quả tham khảo (bộ mẫu)"),
        "{l:?}"
    );
    assert!(!l.label.to_lowercase().contains("đạt"), "{l:?}");
    assert!(!l.device_label.to_lowercase().contains("đạt"), "{l:?}");
    assert_eq!(l.level.as_deref(), Some("muc_2"));
    assert_eq!(l.level_title.as_deref(), Some("Mức 2"));

    // Without the set, the server says it could not re-score.
    let l = result_labels(None, &c);
    assert!(l.label.contains("chưa có bộ tiêu chí"), "{l:?}");
}

both_backends!(
    the_review_list_reads_labels_and_archived_versions_rescore,
    |b| {
        let s = SERVER.setup(b);
        let current = simple(&s.dong);
        assert_eq!(
            content(&current).criteria.sha256,
            builtin_set("cdht-324").expect("cdht-324").sha256()
        );
        // The same answers, made with cdht-324 version 1 (as devices did before version 2).
        let v1 = builtin_by_sha256(CDHT_V1).expect("archived v1");
        let old = rewrite(&simple(&s.dong), |c| {
            c.criteria.version = v1.version;
            c.criteria.sha256 = v1.sha256().to_string();
        });
        let r = s
            .server
            .batch(&s.token, &new_uuid(), &[current.clone(), old.clone()]);
        assert_eq!(r.status, 200, "{}", r.text());
        for res in r.json()["results"].as_array().expect("results") {
            assert_eq!(res["status"], "created", "{res}");
            assert_eq!(res["server_score"]["status"], "passed", "{res}");
            assert_eq!(res["server_score"]["mismatch"], false, "{res}");
        }

        let list = s.env.admin_json(&["assessments"]);
        for entry in [&current, &old] {
            let row = list
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["id"] == entry.id.as_str())
                .expect("listed");
            assert_eq!(row["status"], "passed", "the code is kept");
            assert_eq!(row["label"], "Đạt");
            assert_eq!(row["device_label"], "Đạt");
            assert_eq!(row["practice"], false);
        }
        let text = s.env.admin_ok(&["assessments"]);
        assert!(text.contains("máy chủ/server Đạt 80"), "{text}");
        assert!(!text.contains("passed"), "labels, not codes: {text}");
    }
);
