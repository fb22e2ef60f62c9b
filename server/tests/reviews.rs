//! The review trail and corrections: every return is kept (a thread, each return its own
//! `/sync` record with an id), a correction is linked to its parent, which reads as corrected
//! and is counted once; a parent the server never received is no obstacle.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use hoctap_test_support::fixtures::correction;
use serde_json::Value;

fn results(r: &Resp) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["results"].as_array().cloned().unwrap_or_default()
}

fn row(list: &Value, id: &str) -> Value {
    list.as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("{id} in {list}"))
}

both_backends!(two_returns_make_a_thread, |b| {
    let s = SERVER.setup(b);
    let entry = simple(&s.dong);
    results(
        &s.server
            .batch(&s.token, &new_uuid(), std::slice::from_ref(&entry)),
    );
    let cursor = s.server.get("/api/v1/sync?cursor=0", &s.token).json()["cursor"]
        .as_i64()
        .expect("cursor");
    let first = s.env.admin_json(&[
        "return",
        &entry.id,
        "--comment",
        "Thiếu ảnh minh chứng chỉ số 1.1",
        "--reviewer",
        "Lan",
    ]);
    let second = s.env.admin_json(&[
        "return",
        &entry.id,
        "--comment",
        "Chỉ số 2.2 chấm quá cao",
        "--reviewer",
        "Minh",
    ]);
    assert_ne!(first["return_id"], second["return_id"]);

    // Both reach the device, each with its own id, in order.
    let page = s
        .server
        .get(&format!("/api/v1/sync?cursor={cursor}"), &s.token)
        .json();
    let returned = page["returned"].as_array().expect("returned");
    assert_eq!(returned.len(), 2, "{page}");
    let records: Vec<hoctap_domain::protocol::ReturnedRecord> =
        serde_json::from_value(page["returned"].clone()).expect("ReturnedRecord");
    assert_eq!(records[0].comment, "Thiếu ảnh minh chứng chỉ số 1.1");
    assert_eq!(records[0].reviewer.as_deref(), Some("Lan"));
    assert_eq!(records[1].comment, "Chỉ số 2.2 chấm quá cao");
    assert!(records.iter().all(|r| r.assessment_id == entry.id));
    assert_eq!(
        records[0].id.as_deref(),
        first["return_id"].as_str(),
        "the record carries the server's id of the return"
    );
    assert_ne!(records[0].id, records[1].id);
    // A third return comes alone after the cursor; nothing is re-sent.
    let cursor = page["cursor"].as_i64().expect("cursor");
    s.env
        .admin_ok(&["return", &entry.id, "--comment", "Xem lại chỉ số 3.1"]);
    let page = s
        .server
        .get(&format!("/api/v1/sync?cursor={cursor}"), &s.token)
        .json();
    assert_eq!(page["returned"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["returned"][0]["comment"], "Xem lại chỉ số 3.1");

    // The review list keeps the whole thread.
    let list = s.env.admin_json(&["assessments"]);
    let a = row(&list, &entry.id);
    assert_eq!(a["review_state"], "returned");
    let comments: Vec<&str> = a["returns"]
        .as_array()
        .expect("returns")
        .iter()
        .filter_map(|r| r["comment"].as_str())
        .collect();
    assert_eq!(
        comments,
        [
            "Thiếu ảnh minh chứng chỉ số 1.1",
            "Chỉ số 2.2 chấm quá cao",
            "Xem lại chỉ số 3.1"
        ]
    );
    assert_eq!(a["review_comment"], "Xem lại chỉ số 3.1");
    let text = s.env.admin_ok(&["assessments"]);
    assert!(
        text.contains("Thiếu ảnh minh chứng chỉ số 1.1")
            && text.contains("Chỉ số 2.2 chấm quá cao"),
        "{text}"
    );
});

both_backends!(a_correction_supersedes_its_parent, |b| {
    let s = SERVER.setup(b);
    let entry = simple(&s.dong);
    let other = simple(&s.dong);
    results(
        &s.server
            .batch(&s.token, &new_uuid(), &[entry.clone(), other.clone()]),
    );
    s.env.admin_ok(&[
        "return",
        &entry.id,
        "--comment",
        "Chỉ số 1.1 chấm chưa đúng",
    ]);

    // The device corrects it (a new revision naming its parent), with the household again.
    let fix = rewrite(&correction(&entry), |c| {
        if let Some(a) = c.answers.get_mut("1.1") {
            a.value = Some(600);
        }
    });
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), std::slice::from_ref(&fix)),
    );
    assert_eq!(res[0]["status"], "created", "{res:?}");
    assert!(res[0]["message"].is_null(), "parent held: {res:?}");

    let list = s.env.admin_json(&["assessments"]);
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(3),
        "every revision listed"
    );
    let parent = row(&list, &entry.id);
    assert_eq!(parent["review_state"], "corrected");
    assert_eq!(parent["superseded_by"], fix.id.as_str());
    assert_eq!(parent["current"], false);
    let child = row(&list, &fix.id);
    assert_eq!(child["parent_id"], entry.id.as_str());
    assert_eq!(child["revision"], 2);
    assert_eq!(child["current"], true);
    assert_eq!(child["parent_missing"], false);
    assert_eq!(child["review_state"], "received");
    // The correction's thread shows the return that caused it.
    assert_eq!(child["returns"][0]["comment"], "Chỉ số 1.1 chấm chưa đúng");
    assert_eq!(child["returns"][0]["assessment_id"], entry.id.as_str());
    // Counted once: the current list has the correction, not its parent.
    let current = s.env.admin_json(&["assessments", "--current"]);
    let ids: Vec<&str> = current
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{current}");
    assert!(ids.contains(&fix.id.as_str()) && !ids.contains(&entry.id.as_str()));
    let text = s.env.admin_ok(&["assessments"]);
    assert!(text.contains("đã sửa/corrected"), "{text}");
    assert!(
        text.contains("2 phiếu hiện hành/current; 1 bản đã sửa"),
        "{text}"
    );

    // The parent can no longer be returned (the correction can); a second correction of the
    // same parent is refused; the same correction again is a duplicate.
    let (code, _, err) = s.env.admin(&["return", &entry.id, "--comment", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&fix.id), "{err}");
    s.env
        .admin_ok(&["return", &fix.id, "--comment", "Vẫn thiếu ảnh"]);
    let again = rewrite(&correction(&entry), |c| c.finalized_offset += 60);
    let res = results(&s.server.batch(&s.token, &new_uuid(), &[again, fix.clone()]));
    assert_eq!(res[0]["status"], "rejected", "{res:?}");
    assert_eq!(res[0]["code"], "invalid");
    assert_eq!(res[1]["status"], "duplicate", "{res:?}");
    // A correction must be about the same subject as its parent.
    let stranger = rewrite(&correction(&other), |c| c.parent_id = Some(fix.id.clone()));
    let res = results(&s.server.batch(&s.token, &new_uuid(), &[stranger]));
    assert_eq!(res[0]["code"], "invalid", "{res:?}");
});

both_backends!(a_correction_of_an_unknown_parent_is_a_first_revision, |b| {
    let s = SERVER.setup(b);
    // The device never managed to send the parent.
    let parent = simple(&s.dong);
    let fix = correction(&parent);
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), std::slice::from_ref(&fix)),
    );
    assert_eq!(res[0]["status"], "created", "{res:?}");
    assert!(
        res[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("chưa nhận phiếu gốc")),
        "{res:?}"
    );
    let list = s.env.admin_json(&["assessments"]);
    let child = row(&list, &fix.id);
    assert_eq!(child["parent_id"], parent.id.as_str());
    assert_eq!(child["parent_missing"], true);
    assert_eq!(child["current"], true);
    // When the parent arrives after all, it reads as corrected and is not counted.
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), std::slice::from_ref(&parent)),
    );
    assert_eq!(res[0]["status"], "created", "{res:?}");
    let list = s.env.admin_json(&["assessments"]);
    assert_eq!(row(&list, &parent.id)["review_state"], "corrected");
    assert_eq!(row(&list, &fix.id)["parent_missing"], false);
    let current = s.env.admin_json(&["assessments", "--current"]);
    assert_eq!(current.as_array().map(Vec::len), Some(1));
    assert_eq!(current[0]["id"], fix.id.as_str());
});
