//! Batch intake: created / duplicate / conflict / incomplete / rejected, replay, re-scoring and
//! the mismatch flag, scope checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use hoctap_domain::assessment::sha256_hex;

fn results(r: &Resp) -> Vec<serde_json::Value> {
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["results"].as_array().cloned().unwrap_or_default()
}

both_backends!(created_duplicate_conflict_and_replay, |b| {
    let s = SERVER.setup(b);
    let entry = simple(&s.dong);
    let batch = new_uuid();
    let r = s
        .server
        .batch(&s.token, &batch, std::slice::from_ref(&entry));
    let res = results(&r);
    assert_eq!(res[0]["status"], "created", "{res:?}");
    assert_eq!(res[0]["id"], entry.id.as_str());
    assert_eq!(res[0]["server_score"]["status"], "passed");
    assert_eq!(res[0]["server_score"]["total"], 8000);
    assert_eq!(res[0]["server_score"]["mismatch"], false);
    let first = r.text();

    // Replay: same id, same body → the stored answer, byte for byte.
    let again = s
        .server
        .batch(&s.token, &batch, std::slice::from_ref(&entry));
    assert_eq!(again.status, 200);
    assert_eq!(again.text(), first);

    // Same batch id, other body → 409.
    let other = simple(&s.dong);
    let r = s.server.batch(&s.token, &batch, &[other]);
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "conflict");

    // New batch with the same assessment → duplicate; changed content → conflict.
    let changed = rewrite(&entry, |c| c.finalized_offset += 60);
    let r = s
        .server
        .batch(&s.token, &new_uuid(), &[entry.clone(), changed]);
    let res = results(&r);
    assert_eq!(res[0]["status"], "duplicate");
    assert_eq!(res[0]["server_score"]["total"], 8000);
    assert_eq!(res[1]["status"], "conflict");
    assert_eq!(res[1]["code"], "conflict");

    // The household created on the device is now on the roster of the hamlet.
    let sync = s.server.get("/api/v1/sync?cursor=0", &s.token).json();
    let households = sync["households"].as_array().expect("households");
    assert_eq!(households.len(), 1);
    assert_eq!(households[0]["head"], "Nguyễn Văn An");
    assert_eq!(households[0]["members"][0]["birth_year"], 1980);

    // Listed for review with both scores.
    let list = s.env.admin_json(&["assessments"]);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["id"], entry.id.as_str());
    assert_eq!(list[0]["household"], "Nguyễn Văn An");
    assert_eq!(list[0]["status"], "passed");
    assert_eq!(list[0]["server_total"], 80.0);
    assert_eq!(list[0]["device_total"], 80.0);
    assert_eq!(list[0]["mismatch"], false);
    assert_eq!(list[0]["review_state"], "received");
});

both_backends!(mismatch_is_flagged, |b| {
    let s = SERVER.setup(b);
    let entry = simple(&s.dong);
    // The device claims another result than its answers give.
    let lying = rewrite(&entry, |c| {
        c.result.total = 9000;
        c.result.status = hoctap_domain::engine::Status::Passed;
    });
    let low = rewrite(&simple(&s.dong), |c| {
        c.result.status = hoctap_domain::engine::Status::Failed;
    });
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), &[lying.clone(), low.clone()]),
    );
    assert_eq!(res[0]["status"], "created");
    assert_eq!(res[0]["server_score"]["total"], 8000);
    assert_eq!(res[0]["server_score"]["mismatch"], true);
    assert_eq!(res[1]["server_score"]["status"], "passed");
    assert_eq!(res[1]["server_score"]["mismatch"], true);
    let list = s.env.admin_json(&["assessments"]);
    let row = list
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["id"] == lying.id.as_str())
        .expect("listed");
    assert_eq!(row["mismatch"], true);
    assert_eq!(row["device_total"], 90.0);
    assert_eq!(row["server_total"], 80.0);
});

both_backends!(incomplete_until_blobs_arrive, |b| {
    let s = SERVER.setup(b);
    let photo_a = b"jpeg bytes A".to_vec();
    let photo_b = b"jpeg bytes B".to_vec();
    let (sha_a, sha_b) = (sha256_hex(&photo_a), sha256_hex(&photo_b));
    let entry = fixture(&FixtureOptions {
        points: 800,
        evidence: &[sha_a.clone(), sha_b.clone()],
        hamlet_id: &s.dong,
    });
    s.server.upload(&s.token, &photo_a);
    // B only partly uploaded: still missing.
    let r = s
        .server
        .put_blob(&s.token, &sha_b, Some("bytes 0-3/12"), &photo_b[..4]);
    assert_eq!(r.status, 200);
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), std::slice::from_ref(&entry)),
    );
    assert_eq!(res[0]["status"], "incomplete");
    assert_eq!(res[0]["missing_blobs"], serde_json::json!([sha_b]));
    let r = s
        .server
        .put_blob(&s.token, &sha_b, Some("bytes 4-11/12"), &photo_b[4..]);
    assert_eq!(r.json()["complete"], true);
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), std::slice::from_ref(&entry)),
    );
    assert_eq!(res[0]["status"], "created", "{res:?}");
    let list = s.env.admin_json(&["assessments"]);
    assert_eq!(list[0]["evidence_expected"], 2);
    assert_eq!(list[0]["evidence_present"], 2);
});

both_backends!(rejected_entries, |b| {
    let s = SERVER.setup(b);
    let good = simple(&s.dong);
    let mut bad_hash = simple(&s.dong);
    bad_hash.content_sha256 = sha256_hex(b"other");
    let mut not_canonical = simple(&s.dong);
    not_canonical.content = "{\"not\": \"an assessment\"}".into();
    not_canonical.content_sha256 = sha256_hex(not_canonical.content.as_bytes());
    let mut unknown_subject = simple(&s.dong);
    unknown_subject.household = None;
    let outside = simple(&s.tay);
    let bad_answers = rewrite(&simple(&s.dong), |c| {
        if let Some(a) = c.answers.values_mut().next() {
            a.value = Some(99_999);
        }
    });
    let entries = [
        good,
        bad_hash,
        not_canonical,
        unknown_subject,
        outside,
        bad_answers,
    ];
    let res = results(&s.server.batch(&s.token, &new_uuid(), &entries));
    let statuses: Vec<_> = res
        .iter()
        .map(|r| (r["status"].clone(), r["code"].clone()))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("created".into(), serde_json::Value::Null),
            ("rejected".into(), "invalid".into()),
            ("rejected".into(), "invalid".into()),
            ("rejected".into(), "invalid".into()),
            ("rejected".into(), "forbidden".into()),
            ("rejected".into(), "invalid".into()),
        ]
    );
    assert!(res.iter().skip(1).all(|r| r["message"].is_string()));
});

both_backends!(cross_hamlet_writes_refused, |b| {
    let s = SERVER.setup(b);
    // Every entry outside the scope: the whole batch is 403 and nothing is stored.
    let outside = simple(&s.tay);
    let batch = new_uuid();
    let r = s
        .server
        .batch(&s.token, &batch, std::slice::from_ref(&outside));
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "forbidden");
    assert_eq!(
        s.env.admin_json(&["assessments"]).as_array().map(Vec::len),
        Some(0)
    );

    // A device of Thôn Tây stores a household there; the Đông device cannot move it or
    // assess its members by naming it as its own.
    let (_id, tay_token) = enroll_device(&s.env, &s.server, &["Thôn Tây"]);
    let res = results(
        &s.server
            .batch(&tay_token, &new_uuid(), std::slice::from_ref(&outside)),
    );
    assert_eq!(res[0]["status"], "created");
    let mut hijack = outside.clone();
    if let Some(h) = hijack.household.as_mut() {
        h.hamlet_id = s.dong.clone();
    }
    let hijack = rewrite(&hijack, |c| c.finalized_offset += 60);
    let r = s.server.batch(&s.token, &new_uuid(), &[hijack]);
    assert_eq!(r.status, 403, "{}", r.text());
    // Nor pull a Tây member into a household of its own hamlet.
    let mut poach = simple(&s.dong);
    let tay_member = outside.household.as_ref().map(|h| h.members[0].clone());
    if let (Some(h), Some(m)) = (poach.household.as_mut(), tay_member) {
        h.members.push(m);
    }
    let r = s.server.batch(&s.token, &new_uuid(), &[poach]);
    assert_eq!(r.status, 403, "{}", r.text());
    // And the Đông device does not see Tây's household in its sync.
    let sync = s.server.get("/api/v1/sync?cursor=0", &s.token).json();
    assert_eq!(sync["households"].as_array().map(Vec::len), Some(0));
});

both_backends!(batch_request_errors, |b| {
    let s = SERVER.setup(b);
    let r = s.server.send_json(
        "PUT",
        "/api/v1/batches/not-a-uuid",
        Some(&s.token),
        "{\"assessments\": []}",
    );
    assert_eq!(r.status, 400);
    let r = s.server.send_json(
        "PUT",
        &format!("/api/v1/batches/{}", new_uuid()),
        Some(&s.token),
        "{\"assessments\": [",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "bad_request");
    let r = s.server.send_json(
        "PUT",
        &format!("/api/v1/batches/{}", new_uuid()),
        Some(&s.token),
        "{\"assessments\": 3}",
    );
    assert_eq!(r.status, 400);
    let r = s.server.send_json(
        "PUT",
        &format!("/api/v1/batches/{}", new_uuid()),
        None,
        "{\"assessments\": []}",
    );
    assert_eq!(r.status, 401);
    let r = s.server.send_json(
        "PUT",
        &format!("/api/v1/batches/{}", new_uuid()),
        Some(&s.token),
        "{\"assessments\": []}",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["results"], serde_json::json!([]));
});

both_backends!(later_entries_of_a_batch_see_earlier_ones, |b| {
    let s = SERVER.setup(b);
    // The same assessment twice, then changed, in one batch.
    let entry = simple(&s.dong);
    let changed = rewrite(&entry, |c| c.finalized_offset += 60);
    let r = s
        .server
        .batch(&s.token, &new_uuid(), &[entry.clone(), entry, changed]);
    let res = results(&r);
    assert_eq!(res[0]["status"], "created", "{res:?}");
    assert_eq!(res[1]["status"], "duplicate", "{res:?}");
    assert_eq!(res[1]["server_score"]["total"], 8000);
    assert_eq!(res[1]["server_score"]["mismatch"], false);
    assert_eq!(res[2]["status"], "conflict", "{res:?}");

    // A household re-sent without its first member (and with another): the first member is
    // never removed by it, so a later entry about either member finds its subject; the
    // omission is a removal proposal for staff.
    let first = simple(&s.dong);
    let household = first.household.clone().expect("household");
    let gone = household.members[0].id.clone();
    let mut moved = simple(&s.dong);
    let kept = moved.household.as_ref().expect("household").members[0]
        .id
        .clone();
    if let Some(h) = &mut moved.household {
        h.id = household.id.clone();
        // Another person (one of the same name would be matched to the held one).
        h.members[0].name = "Nguyễn Văn Bảo".into();
    }
    let mut about_gone = rewrite(&simple(&s.dong), |c| c.subject.id = gone.clone());
    about_gone.household = None;
    let mut about_kept = rewrite(&simple(&s.dong), |c| c.subject.id = kept.clone());
    about_kept.household = None;
    let r = s.server.batch(
        &s.token,
        &new_uuid(),
        &[first, moved, about_gone, about_kept],
    );
    let res = results(&r);
    assert!(res.iter().all(|r| r["status"] == "created"), "{res:?}");
    let sync = s.server.get("/api/v1/sync?cursor=0", &s.token).json();
    let households = sync["households"].as_array().expect("households");
    let held = households
        .iter()
        .find(|h| h["id"] == household.id.as_str())
        .expect("household held");
    let members: Vec<&str> = held["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(members, [gone.as_str(), kept.as_str()]);
    let proposals = s.env.admin_json(&["roster", "changes"]);
    assert!(
        proposals
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["kind"] == "member_removal" && c["member_id"] == gone.as_str()),
        "{proposals:?}"
    );
});

both_backends!(household_may_be_absent, |b| {
    // The OpenAPI document lists `household` as optional: an entry without the key is taken.
    let s = SERVER.setup(b);
    let entry = hoctap_test_support::fixtures::hamlet_assessment(&s.dong);
    assert!(entry.household.is_none());
    let mut json = serde_json::to_value(&entry).expect("json");
    json.as_object_mut().expect("object").remove("household");
    let body = serde_json::json!({ "assessments": [json] }).to_string();
    assert!(!body.contains("\"household\""), "{body}");
    let r = s.server.send_json(
        "PUT",
        &format!("/api/v1/batches/{}", new_uuid()),
        Some(&s.token),
        &body,
    );
    let res = results(&r);
    assert_eq!(res[0]["status"], "created", "{res:?}");
});

both_backends!(household_records_are_bounded, |b| {
    // The bounds the OpenAPI document states for a sent household are the server's: a record
    // outside them is `rejected` / `invalid` and nothing of it is stored.
    use hoctap_domain::protocol::{MAX_MEMBERS, MAX_PHONE_CHARS, MAX_TEXT_CHARS};
    let s = SERVER.setup(b);
    let entry = simple(&s.dong);
    use chrono::Datelike;
    let next_year = chrono::Utc::now().year() + 1;
    type Edit = Box<dyn Fn(&mut hoctap_domain::protocol::HouseholdRecord)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "birth year 1850",
            Box::new(|h| h.members[0].birth_year = Some(1850)),
        ),
        (
            "birth year next year",
            Box::new(move |h| h.members[0].birth_year = Some(next_year)),
        ),
        (
            "head too long",
            Box::new(|h| h.head = "a".repeat(MAX_TEXT_CHARS + 1)),
        ),
        (
            "phone too long",
            Box::new(|h| h.phone = Some("0".repeat(MAX_PHONE_CHARS + 1))),
        ),
        (
            "too many members",
            Box::new(|h| {
                let m = h.members[0].clone();
                h.members = (0..=MAX_MEMBERS)
                    .map(|_| hoctap_domain::protocol::MemberRecord {
                        id: new_uuid(),
                        ..m.clone()
                    })
                    .collect();
                h.members[0].id = m.id.clone();
            }),
        ),
    ];
    for (what, edit) in &edits {
        let mut bad = entry.clone();
        edit(bad.household.as_mut().expect("household"));
        let r = s.server.batch(&s.token, &new_uuid(), &[bad]);
        let res = results(&r);
        assert_eq!(res[0]["status"], "rejected", "{what}: {res:?}");
        assert_eq!(res[0]["code"], "invalid", "{what}");
    }
    let sync = s.server.get("/api/v1/sync?cursor=0", &s.token).json();
    assert_eq!(sync["households"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        s.env.admin_json(&["assessments"]).as_array().map(Vec::len),
        Some(0)
    );
    let r = s.server.batch(&s.token, &new_uuid(), &[entry]);
    assert_eq!(results(&r)[0]["status"], "created");
});
