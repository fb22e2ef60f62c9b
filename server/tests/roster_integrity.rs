//! Household and member data a device sends never delete or overwrite the server's roster: a
//! stale copy (or a hostile one) leaves every member and every stored assessment intact; its
//! differences become proposals staff list (`admin roster changes`), apply or dismiss; removing
//! a member is an explicit, recorded action whose assessments keep their subject.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use hoctap_domain::protocol::{HouseholdRecord, ManifestEntry, MemberRecord};
use hoctap_test_support::fixtures::member_assessment;
use serde_json::Value;

fn results(r: &Resp) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["results"].as_array().cloned().unwrap_or_default()
}

fn households(s: &Setup, token: &str) -> Vec<HouseholdRecord> {
    serde_json::from_value(
        s.server.get("/api/v1/sync?cursor=0", token).json()["households"].clone(),
    )
    .expect("households")
}

fn member(name: &str, birth_year: i32) -> MemberRecord {
    MemberRecord {
        id: new_uuid(),
        name: name.into(),
        birth_year: Some(birth_year),
        sex: None,
        relation: None,
        schooling: None,
        literate: Some(true),
        cdht: None,
        cdht_group: None,
        unable_to_learn: false,
    }
}

/// An assessment of `m` carrying `household` (the device's copy).
fn about(m: &MemberRecord, household: &HouseholdRecord) -> ManifestEntry {
    let mut e = member_assessment(&m.id, &m.name, m.birth_year.unwrap_or(1980));
    e.household = Some(household.clone());
    e
}

fn names(h: &HouseholdRecord) -> Vec<&str> {
    h.members.iter().map(|m| m.name.as_str()).collect()
}

both_backends!(a_stale_household_deletes_nothing, |b| {
    let s = SERVER.setup(b);
    // A second device of the same hamlet.
    let (_, other) = enroll_device(&s.env, &s.server, &["Thôn Đông"]);

    // Device 1 makes a household of two and assesses its head.
    let an = member("Nguyễn Văn An", 1970);
    let binh = member("Trần Thị Bình", 1972);
    let first_copy = HouseholdRecord {
        id: new_uuid(),
        hamlet_id: s.dong.clone(),
        head: an.name.clone(),
        address: Some("Xóm 1".into()),
        phone: None,
        roster_code: None,
        members: vec![an.clone(), binh.clone()],
    };
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), &[about(&an, &first_copy)]),
    );
    assert_eq!(res[0]["status"], "created", "{res:?}");

    // Device 2 pulls it, adds a member and stores an assessment of her.
    let mut pulled = households(&s, &other)
        .into_iter()
        .find(|h| h.id == first_copy.id)
        .expect("pulled");
    let cuc = member("Nguyễn Thị Cúc", 1995);
    pulled.members.push(cuc.clone());
    let res = results(&s.server.batch(&other, &new_uuid(), &[about(&cuc, &pulled)]));
    assert_eq!(res[0]["status"], "created", "{res:?}");
    let held = households(&s, &s.token);
    assert_eq!(
        names(&held[0]),
        ["Nguyễn Văn An", "Trần Thị Bình", "Nguyễn Thị Cúc"]
    );

    // Device 1 sends a stale copy: only An, the head renamed, the address gone.
    let stale = HouseholdRecord {
        head: "Nguyễn Văn Ân".into(),
        address: None,
        members: vec![MemberRecord {
            birth_year: Some(1971),
            ..an.clone()
        }],
        ..first_copy.clone()
    };
    let again = member_assessment(&an.id, &an.name, 1970);
    let again = ManifestEntry {
        household: Some(stale),
        ..rewrite(&again, |c| c.finalized_offset += 60)
    };
    let res = results(&s.server.batch(&s.token, &new_uuid(), &[again]));
    assert_eq!(res[0]["status"], "created", "{res:?}");
    assert!(
        res[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("đề xuất")),
        "the device is told its changes are proposals: {res:?}"
    );

    // Every member is intact, nothing overwritten.
    let after = households(&s, &s.token);
    assert_eq!(after.len(), 1);
    let h = &after[0];
    assert_eq!(
        names(h),
        ["Nguyễn Văn An", "Trần Thị Bình", "Nguyễn Thị Cúc"]
    );
    assert_eq!(h.head, "Nguyễn Văn An");
    assert_eq!(h.address.as_deref(), Some("Xóm 1"));
    assert_eq!(h.members[0].birth_year, Some(1970));
    // Every stored assessment still has its household.
    let list = s.env.admin_json(&["assessments"]);
    let rows = list.as_array().expect("list");
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert_eq!(row["household"], "Nguyễn Văn An", "{row}");
    }

    // Staff see what the stale copy proposed: head, address, An's birth year, two removals.
    let pending = s.env.admin_json(&["roster", "changes"]);
    let pending = pending.as_array().expect("changes");
    let find = |kind: &str, field: Option<&str>, member: Option<&str>| {
        pending
            .iter()
            .find(|c| {
                c["kind"] == kind
                    && field.is_none_or(|f| c["field"] == f)
                    && member.is_none_or(|m| c["member_id"] == m)
            })
            .cloned()
            .unwrap_or_else(|| panic!("{kind} {field:?} {member:?} in {pending:?}"))
    };
    let head = find("household_field", Some("head"), None);
    assert_eq!(head["old_value"], "Nguyễn Văn An");
    assert_eq!(head["new_value"], "Nguyễn Văn Ân");
    assert_eq!(head["state"], "pending");
    assert_eq!(head["device_id"], s.device_id.as_str());
    let address = find("household_field", Some("address"), None);
    let year = find("member_field", Some("birth_year"), Some(&an.id));
    assert_eq!(year["new_value"], 1971);
    let drop_binh = find("member_removal", None, Some(&binh.id));
    find("member_removal", None, Some(&cuc.id));
    assert_eq!(pending.len(), 5, "{pending:?}");
    // The same stale copy again adds no second proposal.
    let once_more = ManifestEntry {
        household: Some(HouseholdRecord {
            head: "Nguyễn Văn Ân".into(),
            address: None,
            members: vec![MemberRecord {
                birth_year: Some(1971),
                ..an.clone()
            }],
            ..first_copy.clone()
        }),
        ..rewrite(&member_assessment(&an.id, &an.name, 1970), |c| {
            c.finalized_offset += 120
        })
    };
    results(&s.server.batch(&s.token, &new_uuid(), &[once_more]));
    assert_eq!(
        s.env
            .admin_json(&["roster", "changes"])
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    // The added member is on record too (applied at once).
    let all = s.env.admin_json(&["roster", "changes", "--all"]);
    assert!(all
        .as_array()
        .expect("all")
        .iter()
        .any(|c| c["kind"] == "member_added"
            && c["member_id"] == cuc.id.as_str()
            && c["state"] == "applied"));

    // Staff apply the head, dismiss the address, and accept Bình's removal.
    let applied = s
        .env
        .admin_json(&["roster", "apply", head["id"].as_str().expect("id")]);
    assert_eq!(applied["state"], "applied");
    s.env.admin_json(&[
        "roster",
        "dismiss",
        address["id"].as_str().expect("id"),
        "--note",
        "địa chỉ vẫn đúng",
    ]);
    s.env
        .admin_json(&["roster", "apply", drop_binh["id"].as_str().expect("id")]);
    let (code, _, err) = s
        .env
        .admin(&["roster", "apply", drop_binh["id"].as_str().expect("id")]);
    assert_eq!(code, 2, "decided already: {err}");
    let _ = year;
    let after = households(&s, &s.token);
    let h = &after[0];
    assert_eq!(h.head, "Nguyễn Văn Ân");
    assert_eq!(h.address.as_deref(), Some("Xóm 1"));
    assert_eq!(names(h), ["Nguyễn Văn An", "Nguyễn Thị Cúc"]);
    // A device syncing from its cursor receives the household again, without Bình.
    let list = s.env.admin_json(&["assessments"]);
    for row in list.as_array().expect("list") {
        assert_eq!(row["household"], "Nguyễn Văn Ân", "{row}");
    }
    assert_eq!(
        s.env
            .admin_json(&["roster", "changes"])
            .as_array()
            .map(Vec::len),
        Some(2)
    );
});

both_backends!(removal_is_explicit_and_keeps_assessments, |b| {
    let s = SERVER.setup(b);
    let entry = simple(&s.dong);
    let h = entry.household.clone().expect("household");
    let m = h.members[0].clone();
    assert_eq!(
        results(
            &s.server
                .batch(&s.token, &new_uuid(), std::slice::from_ref(&entry))
        )[0]["status"],
        "created"
    );
    let (code, _, err) = s
        .env
        .admin(&["roster", "remove-member", &m.id, "--reason", " "]);
    assert_eq!(code, 2, "a reason is required: {err}");
    let removed = s.env.admin_json(&[
        "roster",
        "remove-member",
        &m.id,
        "--reason",
        "Chuyển đi nơi khác",
        "--by",
        "Cán bộ xã",
    ]);
    assert_eq!(removed["kind"], "member_removal");
    assert_eq!(removed["state"], "applied");
    assert_eq!(removed["note"], "Chuyển đi nơi khác");
    assert_eq!(removed["decided_by"], "Cán bộ xã");
    assert!(households(&s, &s.token)[0].members.is_empty());
    let list = s.env.admin_json(&["assessments"]);
    assert_eq!(list[0]["household"], "Nguyễn Văn An");
    assert_eq!(list[0]["subject_name"], "Nguyễn Văn An");
    // A device's copy that still lists the member does not bring it back, and a new
    // assessment of the removed member is still about the same person.
    let again = rewrite(&entry, |c| c.finalized_offset += 60);
    let again = ManifestEntry {
        id: new_uuid(),
        ..again
    };
    let again = rewrite(&again, |c| c.id = again.id.clone());
    assert_eq!(
        results(&s.server.batch(&s.token, &new_uuid(), &[again]))[0]["status"],
        "created"
    );
    assert!(households(&s, &s.token)[0].members.is_empty());
    let (code, _, _) = s
        .env
        .admin(&["roster", "remove-member", &m.id, "--reason", "lần nữa"]);
    assert_eq!(code, 2, "already removed");
});

both_backends!(a_member_is_never_moved_by_a_device, |b| {
    let s = SERVER.setup(b);
    let first = simple(&s.dong);
    let home = first.household.clone().expect("household");
    let m = home.members[0].clone();
    results(&s.server.batch(&s.token, &new_uuid(), &[first]));
    // Another household, new, lists the same member: she stays where she is.
    let other_head = member("Lê Văn Dũng", 1960);
    let elsewhere = HouseholdRecord {
        id: new_uuid(),
        hamlet_id: s.dong.clone(),
        head: other_head.name.clone(),
        address: None,
        phone: None,
        roster_code: None,
        members: vec![other_head.clone(), m.clone()],
    };
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), &[about(&other_head, &elsewhere)]),
    );
    assert_eq!(res[0]["status"], "created", "{res:?}");
    let all = households(&s, &s.token);
    let home_after = all.iter().find(|h| h.id == home.id).expect("home");
    let new_after = all.iter().find(|h| h.id == elsewhere.id).expect("new");
    assert_eq!(names(home_after), ["Nguyễn Văn An"]);
    assert_eq!(names(new_after), ["Lê Văn Dũng"]);
    let pending = s.env.admin_json(&["roster", "changes"]);
    let moving = pending
        .as_array()
        .and_then(|p| p.iter().find(|c| c["kind"] == "member_move"))
        .cloned()
        .expect("move proposed");
    assert_eq!(moving["member_id"], m.id.as_str());
    assert_eq!(moving["old_value"], home.id.as_str());
    assert_eq!(moving["household_id"], elsewhere.id.as_str());
    s.env
        .admin_json(&["roster", "apply", moving["id"].as_str().expect("id")]);
    let all = households(&s, &s.token);
    let new_after = all.iter().find(|h| h.id == elsewhere.id).expect("new");
    assert_eq!(names(new_after), ["Lê Văn Dũng", "Nguyễn Văn An"]);
});
