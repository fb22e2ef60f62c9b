//! Households a device made before it had the roster: one that duplicates a roster household
//! (same code, or same head ignoring case and diacritics) becomes an alias of it, never a
//! second household; its assessments count for the roster household; the roster's members are
//! never overwritten or removed from a device's copy (members it lacks are added).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use hoctap_domain::protocol::{ClanRecord, HouseholdRecord, ManifestEntry, MemberRecord};
use hoctap_test_support::fixtures::{clan_assessment, member_assessment};
use serde_json::Value;

const ROSTER: &str = "thon,ma_ho,chu_ho,ho_ten,nam_sinh
Thôn Đông,D01,Nguyễn Văn An,Nguyễn Văn An,1970
Thôn Đông,D01,,Nguyễn Thị Bình,1975
Thôn Đông,D02,Lê Văn Cường,Lê Văn Cường,1960
";

fn results(r: &Resp) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["results"].as_array().cloned().unwrap_or_default()
}

fn households(s: &Setup) -> Vec<HouseholdRecord> {
    serde_json::from_value(
        s.server.get("/api/v1/sync?cursor=0", &s.token).json()["households"].clone(),
    )
    .expect("households")
}

fn by_code(list: &[HouseholdRecord], code: &str) -> HouseholdRecord {
    list.iter()
        .find(|h| h.roster_code.as_deref() == Some(code))
        .cloned()
        .unwrap_or_else(|| panic!("{code} in {list:?}"))
}

/// Another assessment with the same content but a new id (as a device would make).
fn fresh(entry: &ManifestEntry) -> ManifestEntry {
    let id = new_uuid();
    let mut e = rewrite(entry, |c| {
        c.id = id.clone();
        c.finalized_offset += 60;
    });
    e.id = id;
    e
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

both_backends!(a_device_household_duplicating_the_roster_is_aliased, |b| {
    let s = SERVER.setup(b);
    let path = s.env.dir.path().join("roster.csv");
    std::fs::write(&path, ROSTER).expect("write");
    s.env
        .admin_ok(&["import", "roster", path.to_str().expect("path")]);
    let roster = households(&s);
    let d01 = by_code(&roster, "D01");
    let roster_an = d01
        .members
        .iter()
        .find(|m| m.name == "Nguyễn Văn An")
        .expect("An");

    // Made on the device before enrolling: the same head, spelled otherwise, no code; the
    // same An (another id, another birth year) and a member the roster lacks.
    let mut an = simple(&s.dong);
    let mine = an.household.as_mut().expect("household");
    mine.head = "NGUYEN VAN AN".into();
    let moi = member("Lê Thị Mới", 1995);
    mine.members.push(moi.clone());
    let device_household = mine.clone();
    let mut about_moi = member_assessment(&moi.id, &moi.name, 1995);
    about_moi.household = Some(device_household.clone());
    // In the same batch, a household of a hamlet outside the device's scope: refused alone.
    let outside = simple(&s.tay);
    let res = results(&s.server.batch(
        &s.token,
        &new_uuid(),
        &[an.clone(), about_moi.clone(), outside],
    ));
    assert_eq!(res[0]["status"], "created", "{res:?}");
    assert!(
        res[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("đã có trong danh sách")),
        "{res:?}"
    );
    assert_eq!(res[1]["status"], "created", "{res:?}");
    assert_eq!(res[2]["status"], "rejected", "{res:?}");
    assert_eq!(
        res[2]["code"], "forbidden",
        "record level, not the device: {res:?}"
    );

    // No second household; the roster's members kept as they were, the new one added.
    let after = households(&s);
    assert_eq!(after.len(), 2, "{after:?}");
    let d01_after = by_code(&after, "D01");
    assert_eq!(d01_after.id, d01.id);
    let names: Vec<&str> = d01_after.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Nguyễn Văn An", "Nguyễn Thị Bình", "Lê Thị Mới"]);
    let an_after = &d01_after.members[0];
    assert_eq!(an_after.id, roster_an.id);
    assert_eq!(
        an_after.birth_year,
        Some(1970),
        "never overwritten by the device's copy"
    );
    assert_eq!(d01_after.head, "Nguyễn Văn An");

    // Listed against the roster household and its member.
    let list = s.env.admin_json(&["assessments"]);
    let row = |id: &str| {
        list.as_array()
            .and_then(|a| a.iter().find(|x| x["id"] == id))
            .cloned()
            .expect("listed")
    };
    let a = row(&an.id);
    assert_eq!(a["subject_id"], roster_an.id.as_str());
    assert_eq!(a["subject_name"], "Nguyễn Văn An");
    assert_eq!(a["household"], "Nguyễn Văn An");
    assert_eq!(row(&about_moi.id)["subject_name"], "Lê Thị Mới");
    assert_eq!(row(&about_moi.id)["household"], "Nguyễn Văn An");

    // The device keeps sending its own copy: still no duplicate, the alias holds; a clan it
    // makes naming its household's id names the roster household.
    let again = fresh(&an);
    let clan = ClanRecord {
        id: new_uuid(),
        name: "Họ Nguyễn".into(),
        household_ids: vec![device_household.id.clone()],
    };
    let mut clan_entry = clan_assessment(&clan.id, Vec::new());
    clan_entry.clan = Some(clan);
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), &[again.clone(), clan_entry]),
    );
    assert!(res.iter().all(|r| r["status"] == "created"), "{res:?}");
    assert_eq!(households(&s).len(), 2);
    let sync = s.server.get("/api/v1/sync?cursor=0", &s.token).json();
    assert_eq!(
        sync["clans"][0]["household_ids"],
        serde_json::json!([d01.id])
    );
    let list = s.env.admin_json(&["assessments"]);
    let again_row = list
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == again.id.as_str()))
        .expect("listed");
    assert_eq!(again_row["subject_id"], roster_an.id.as_str());
});

both_backends!(same_roster_code_and_roster_copies_only_gain_members, |b| {
    let s = SERVER.setup(b);
    let path = s.env.dir.path().join("roster.csv");
    std::fs::write(&path, ROSTER).expect("write");
    s.env
        .admin_ok(&["import", "roster", path.to_str().expect("path")]);
    let roster = households(&s);
    let d02 = by_code(&roster, "D02");

    // Same roster code, another spelling of the head: the roster household; its member
    // matched by name (case and diacritics ignored).
    let cuong = member("LE VAN CUONG", 1961);
    let copy = HouseholdRecord {
        id: new_uuid(),
        hamlet_id: s.dong.clone(),
        head: "Lê V. Cường".into(),
        address: None,
        phone: None,
        roster_code: Some("D02".into()),
        members: vec![cuong.clone()],
    };
    let mut about_cuong = member_assessment(&cuong.id, &cuong.name, 1961);
    about_cuong.household = Some(copy);
    let res = results(
        &s.server
            .batch(&s.token, &new_uuid(), &[about_cuong.clone()]),
    );
    assert_eq!(res[0]["status"], "created", "{res:?}");
    let after = households(&s);
    assert_eq!(after.len(), 2);
    assert_eq!(
        by_code(&after, "D02").members.len(),
        1,
        "matched, not added"
    );
    let list = s.env.admin_json(&["assessments"]);
    assert_eq!(list[0]["subject_id"], d02.members[0].id.as_str());
    assert_eq!(list[0]["subject_name"], "Lê Văn Cường");

    // The device's copy of a roster household (same id) with a member renamed and one left
    // out: nothing held changes or goes; a member the roster lacks is added.
    let d01 = by_code(&after, "D01");
    let mut copy = d01.clone();
    copy.members.truncate(1);
    copy.members[0].name = "Nguyễn Văn Ân".into();
    copy.head = "Nguyễn Văn Ân".into();
    let ut = member("Nguyễn Văn Út", 2010);
    copy.members.push(ut.clone());
    let mut about_ut = member_assessment(&ut.id, &ut.name, 2010);
    about_ut.household = Some(copy);
    let res = results(&s.server.batch(&s.token, &new_uuid(), &[about_ut]));
    assert_eq!(res[0]["status"], "created", "{res:?}");
    let d01_after = by_code(&households(&s), "D01");
    assert_eq!(d01_after.head, "Nguyễn Văn An");
    let names: Vec<&str> = d01_after.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Nguyễn Văn An", "Nguyễn Thị Bình", "Nguyễn Văn Út"]);

    // Households the device made itself are its own: two alike are two households.
    let mut first = simple(&s.dong);
    let mut second = simple(&s.dong);
    for e in [&mut first, &mut second] {
        if let Some(h) = e.household.as_mut() {
            h.head = "Phạm Văn Hai".into();
        }
    }
    let res = results(&s.server.batch(&s.token, &new_uuid(), &[first, second]));
    assert!(res.iter().all(|r| r["status"] == "created"), "{res:?}");
    assert_eq!(households(&s).len(), 4);
    // A roster code names one household, even between two of the device's own in one batch.
    let mut coded = [simple(&s.dong), simple(&s.dong)];
    for (e, head) in coded.iter_mut().zip(["Đỗ Văn Ba", "Đỗ Thị Tư"]) {
        if let Some(h) = e.household.as_mut() {
            h.head = head.into();
            h.roster_code = Some("M01".into());
        }
    }
    let res = results(&s.server.batch(&s.token, &new_uuid(), &coded));
    assert!(res.iter().all(|r| r["status"] == "created"), "{res:?}");
    let after = households(&s);
    assert_eq!(after.len(), 5, "{after:?}");
    assert_eq!(
        by_code(&after, "M01").members.len(),
        1,
        "same name: matched"
    );
});
