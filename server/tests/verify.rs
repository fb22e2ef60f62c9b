//! The server verifies, never trusts, the content of an uploaded assessment: the bytes must be
//! the canonical form (re-derived and compared byte for byte), with no unknown key, the current
//! format, possible dates and years, a revision of at least 1, a model that matches its subject
//! and its criteria set, and a parent that is an earlier revision of the same subject — each
//! refusal `rejected`/`invalid` with its reason in Vietnamese, nothing stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use hoctap_domain::assessment::{sha256_hex, CanonicalAssessment};
use hoctap_domain::model::{Model, Subject, SubjectKind};
use hoctap_domain::protocol::ManifestEntry;
use hoctap_test_support::fixtures::correction;
use serde_json::Value;

fn results(r: &Resp) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["results"].as_array().cloned().unwrap_or_default()
}

/// An entry whose content is `text`, hashed as it is.
fn with_text(entry: &ManifestEntry, text: String) -> ManifestEntry {
    ManifestEntry {
        content_sha256: sha256_hex(text.as_bytes()),
        content: text,
        ..entry.clone()
    }
}

/// The content as JSON, changed by `f`, hashed as serde_json writes it.
fn edit_json(entry: &ManifestEntry, f: impl FnOnce(&mut Value)) -> ManifestEntry {
    let mut v: Value = serde_json::from_str(&entry.content).expect("json");
    f(&mut v);
    with_text(entry, serde_json::to_string(&v).expect("json"))
}

fn stored_ids(s: &Setup) -> Vec<String> {
    s.env
        .admin_json(&["assessments"])
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_string))
        .collect()
}

both_backends!(content_is_checked_strictly, |b| {
    let s = SERVER.setup(b);
    let good = simple(&s.dong);
    let pretty = {
        let c = CanonicalAssessment::from_json(&good.content).expect("content");
        with_text(&good, serde_json::to_string_pretty(&c).expect("pretty"))
    };
    let unknown = edit_json(&simple(&s.dong), |v| {
        v["extra"] = Value::from(1);
    });
    let format2 = rewrite(&simple(&s.dong), |c| c.format = 2);
    let not_a_date = rewrite(&simple(&s.dong), |c| c.finalized_at = "not a date".into());
    let far_year = rewrite(&simple(&s.dong), |c| c.year = 99999);
    let revision0 = rewrite(&simple(&s.dong), |c| c.revision = 0);
    let wrong_model = rewrite(&simple(&s.dong), |c| c.model = Model::GiaDinh);
    // A household assessed as Gia đình học tập, scored with the Công dân học tập set.
    let wrong_set = {
        let e = simple(&s.dong);
        let household = e.household.clone().expect("household").id;
        rewrite(&e, |c| {
            c.model = Model::GiaDinh;
            c.subject = Subject::new(SubjectKind::Household, household.clone());
        })
    };
    // The same, naming a version of the set the server does not hold (a made-up hash).
    let unknown_version = {
        let e = simple(&s.dong);
        let household = e.household.clone().expect("household").id;
        rewrite(&e, |c| {
            c.model = Model::GiaDinh;
            c.subject = Subject::new(SubjectKind::Household, household.clone());
            c.criteria.sha256 = "0".repeat(64);
        })
    };
    let cases: [(&ManifestEntry, &str); 10] = [
        (&pretty, "dạng chuẩn"),
        (&unknown, "extra"),
        (&format2, "phiên bản 2"),
        (&not_a_date, "hoàn tất"),
        (&far_year, "99999"),
        (&revision0, "Số lần sửa 0"),
        (&wrong_model, "Gia đình học tập"),
        (&wrong_set, "cdht-324"),
        (&unknown_version, "cdht-324"),
        (&good, ""),
    ];
    let entries: Vec<ManifestEntry> = cases.iter().map(|(e, _)| (*e).clone()).collect();
    let res = results(&s.server.batch(&s.token, &new_uuid(), &entries));
    for ((entry, reason), r) in cases.iter().zip(&res) {
        assert_eq!(r["id"], entry.id.as_str());
        if reason.is_empty() {
            assert_eq!(r["status"], "created", "{r}");
            continue;
        }
        assert_eq!(r["status"], "rejected", "{reason}: {r}");
        assert_eq!(r["code"], "invalid", "{reason}: {r}");
        let message = r["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{reason:?} in {message:?}");
    }
    assert_eq!(
        stored_ids(&s),
        std::slice::from_ref(&good.id),
        "only the good one is stored"
    );
});

both_backends!(a_parent_must_be_an_earlier_revision_of_the_subject, |b| {
    let s = SERVER.setup(b);
    // A device of Thôn Tây and its assessment of one of its people.
    let (_, tay_token) = enroll_device(&s.env, &s.server, &["Thôn Tây"]);
    let theirs = simple(&s.tay);

    // A Thôn Đông device names that assessment (not yet received) as the parent of a
    // "correction" of its own person: taken as a first revision, as any unknown parent …
    let claim = rewrite(&simple(&s.dong), |c| {
        c.parent_id = Some(theirs.id.clone());
        c.revision = 2;
    });
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), std::slice::from_ref(&claim)),
    );
    assert_eq!(res[0]["status"], "created", "{res:?}");
    // … but when Thôn Tây's assessment arrives it is not "corrected" by it, and its own
    // correction is still taken.
    let res = results(
        &s.server
            .batch(&tay_token, &new_uuid(), std::slice::from_ref(&theirs)),
    );
    assert_eq!(res[0]["status"], "created", "{res:?}");
    let list = s.env.admin_json(&["assessments"]);
    let row = |id: &str| {
        list.as_array()
            .and_then(|a| a.iter().find(|x| x["id"] == id))
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {list}"))
    };
    assert_eq!(row(&theirs.id)["current"], true, "{list}");
    assert_eq!(row(&theirs.id)["superseded_by"], Value::Null);
    assert_eq!(row(&claim.id)["parent_id"], Value::Null);
    let fix = correction(&theirs);
    let res = results(
        &s.server
            .batch(&tay_token, &new_uuid(), std::slice::from_ref(&fix)),
    );
    assert_eq!(res[0]["status"], "created", "{res:?}");
    let list = s.env.admin_json(&["assessments"]);
    let parent = list
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == theirs.id.as_str()))
        .expect("listed");
    assert_eq!(parent["superseded_by"], fix.id.as_str());

    // Held parents: another hamlet's assessment, the same subject in another year, and a
    // parent that is not an earlier revision are refused.
    let held_elsewhere = rewrite(&simple(&s.dong), |c| {
        c.parent_id = Some(fix.id.clone());
        c.revision = 3;
    });
    let other_year = rewrite(&correction(&claim), |c| c.year -= 1);
    let mut not_earlier = correction(&fix);
    not_earlier = rewrite(&not_earlier, |c| c.revision = 2);
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), &[held_elsewhere, other_year]),
    );
    for r in &res {
        assert_eq!(r["status"], "rejected", "{r}");
        assert_eq!(r["code"], "invalid", "{r}");
        assert!(
            r["message"]
                .as_str()
                .is_some_and(|m| m.contains("lần đánh giá trước")),
            "{r}"
        );
    }
    let res = results(&s.server.batch(&tay_token, &new_uuid(), &[not_earlier]));
    assert_eq!(res[0]["status"], "rejected", "{res:?}");
    assert_eq!(res[0]["code"], "invalid", "{res:?}");
});
