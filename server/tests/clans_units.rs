//! Clans (dòng họ) and units (đơn vị): admin commands, `/sync` in the device's scope (a clan
//! only to devices covering every hamlet of its households; a hamlet unit to its hamlet's
//! devices; a commune-level unit to devices covering every hamlet), clan / unit / hamlet
//! assessments accepted or refused record by record, device-created clans and units, and the
//! review list naming the real subject.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use hoctap_domain::model::MemberFacts;
use hoctap_domain::protocol::{ClanRecord, UnitKind, UnitRecord};
use hoctap_test_support::fixtures::{clan_assessment, hamlet_assessment, unit_assessment};
use serde_json::Value;

/// Two households in Thôn Đông (D01, D02), one more (H01) in each hamlet.
const ROSTER: &str = "thon,ma_ho,chu_ho,ho_ten,nam_sinh
Thôn Đông,D01,Nguyễn Văn An,Nguyễn Văn An,1970
Thôn Đông,D01,,Nguyễn Thị Bình,1975
Thôn Đông,D02,Nguyễn Văn Cường,Nguyễn Văn Cường,1980
Thôn Đông,H01,Trần Văn Dũng,Trần Văn Dũng,1965
Thôn Tây,H01,Trần Văn Em,Trần Văn Em,1968
";

pub fn import_roster(env: &Env, csv: &str) {
    let path = env.dir.path().join("roster.csv");
    std::fs::write(&path, csv).expect("write roster");
    env.admin_ok(&["import", "roster", path.to_str().expect("path")]);
}

fn results(r: &Resp) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["results"].as_array().cloned().unwrap_or_default()
}

fn sync_all(s: &Setup, token: &str) -> Value {
    s.server.get("/api/v1/sync?cursor=0", token).json()
}

fn names(v: &Value, kind: &str) -> Vec<String> {
    let mut out: Vec<String> = v[kind]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The id of the household with `code` in `hamlet` (from a device that sees both hamlets).
fn household_id(sync: &Value, hamlet: &str, code: &str) -> String {
    sync["households"]
        .as_array()
        .expect("households")
        .iter()
        .find(|h| h["hamlet_id"] == hamlet && h["roster_code"] == code)
        .and_then(|h| h["id"].as_str())
        .expect("household")
        .to_string()
}

/// Clans "Họ Nguyễn" (Đông only) and "Họ Trần" (Đông and Tây); units in Đông, in Tây and at
/// commune level. Returns (clan ids, unit ids) by name.
fn clans_and_units(s: &Setup) -> (Value, Value) {
    let env = &s.env;
    import_roster(env, ROSTER);
    let nguyen = env.admin_json(&[
        "clan",
        "add",
        "Họ Nguyễn",
        "--household",
        "D01",
        "--household",
        "D02",
    ]);
    assert_eq!(nguyen["household_ids"].as_array().map(Vec::len), Some(2));
    // H01 is a code in both hamlets: ambiguous alone, fine with its hamlet.
    let (code, _, err) = env.admin(&["clan", "add", "Họ Trần", "--household", "H01"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("THÔN/H01"), "{err}");
    let tran = env.admin_json(&[
        "clan",
        "add",
        "Họ Trần",
        "--household",
        "Thôn Đông/H01",
        "--household",
        "thon tay/H01",
    ]);
    assert_eq!(tran["households"].as_array().map(Vec::len), Some(2));
    // Names are unique ignoring case and diacritics; unknown households are refused.
    let (code, _, _) = env.admin(&["clan", "add", "HO NGUYEN", "--household", "D01"]);
    assert_eq!(code, 2);
    let (code, _, err) = env.admin(&["clan", "add", "Họ Lê", "--household", "X99"]);
    assert_eq!(code, 2);
    assert!(err.contains("X99"), "{err}");

    let school = env.admin_json(&[
        "unit",
        "add",
        "Trường Tiểu học Đông",
        "--kind",
        "school",
        "--hamlet",
        "Thôn Đông",
    ]);
    assert_eq!(school["kind"], "school");
    assert_eq!(school["hamlet_id"], s.dong.as_str());
    assert_eq!(school["commune_code"], "04831");
    env.admin_json(&[
        "unit",
        "add",
        "Hợp tác xã Tây",
        "--kind",
        "enterprise",
        "--hamlet",
        "Thôn Tây",
    ]);
    let office = env.admin_json(&["unit", "add", "UBND xã", "--kind", "office"]);
    assert!(office["hamlet_id"].is_null(), "commune level: {office}");
    let (code, _, _) = env.admin(&["unit", "add", "ubnd xa", "--kind", "office"]);
    assert_eq!(code, 2, "same name at commune level");
    let (code, _, _) = env.admin(&["unit", "add", "X", "--kind", "farm"]);
    assert_eq!(code, 2);

    let clans = env.admin_json(&["clan", "list"]);
    assert_eq!(clans.as_array().map(Vec::len), Some(2));
    let tran = clans
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == "Họ Trần"))
        .expect("Họ Trần");
    assert_eq!(
        tran["hamlets"],
        serde_json::json!(["Thôn Đông", "Thôn Tây"])
    );
    let units = env.admin_json(&["unit", "list"]);
    assert_eq!(units.as_array().map(Vec::len), Some(3));
    assert!(units[0]["hamlet"].is_null(), "commune-level first: {units}");
    let text = env.admin_ok(&["unit", "list"]);
    assert!(
        text.contains("Trường học") && text.contains("Cấp xã"),
        "{text}"
    );
    (clans, units)
}

fn id_of(list: &Value, name: &str) -> String {
    list.as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == name))
        .and_then(|x| x["id"].as_str())
        .unwrap_or_else(|| panic!("{name} in {list}"))
        .to_string()
}

both_backends!(clans_and_units_reach_devices_in_scope, |b| {
    let s = SERVER.setup(b);
    clans_and_units(&s);
    // Thôn Đông only: the clan wholly in Đông and Đông's unit.
    let dong = sync_all(&s, &s.token);
    assert_eq!(names(&dong, "clans"), ["Họ Nguyễn"]);
    assert_eq!(names(&dong, "units"), ["Trường Tiểu học Đông"]);
    let clan: ClanRecord = serde_json::from_value(dong["clans"][0].clone()).expect("ClanRecord");
    assert_eq!(clan.household_ids.len(), 2);
    let unit: UnitRecord = serde_json::from_value(dong["units"][0].clone()).expect("UnitRecord");
    assert_eq!(unit.kind, UnitKind::School);
    // Both hamlets (every hamlet of the commune): everything.
    let (_, both) = enroll_device(&s.env, &s.server, &["Thôn Đông", "Thôn Tây"]);
    let all = sync_all(&s, &both);
    assert_eq!(names(&all, "clans"), ["Họ Nguyễn", "Họ Trần"]);
    assert_eq!(
        names(&all, "units"),
        ["Hợp tác xã Tây", "Trường Tiểu học Đông", "UBND xã"]
    );
    // Thôn Tây only: no clan (Họ Trần has a household in Đông), Tây's unit.
    let (_, tay) = enroll_device(&s.env, &s.server, &["Thôn Tây"]);
    let west = sync_all(&s, &tay);
    assert!(names(&west, "clans").is_empty(), "{west}");
    assert_eq!(names(&west, "units"), ["Hợp tác xã Tây"]);

    // Incremental and paged like every kind: nothing new after the cursor, then a new unit.
    let cursor = dong["cursor"].as_i64().expect("cursor");
    let again = s
        .server
        .get(&format!("/api/v1/sync?cursor={cursor}"), &s.token)
        .json();
    assert!(
        again.get("clans").is_none() && again.get("units").is_none(),
        "{again}"
    );
    s.env.admin_json(&[
        "unit",
        "add",
        "Nhà văn hoá",
        "--kind",
        "other",
        "--hamlet",
        "Thôn Đông",
    ]);
    let next = s
        .server
        .get(&format!("/api/v1/sync?cursor={cursor}"), &s.token)
        .json();
    assert_eq!(names(&next, "units"), ["Nhà văn hoá"]);
    let mut seen = Vec::new();
    let mut cursor = 0;
    loop {
        let page = s
            .server
            .get(&format!("/api/v1/sync?cursor={cursor}&limit=1"), &both)
            .json();
        seen.extend(names(&page, "clans"));
        seen.extend(names(&page, "units"));
        cursor = page["cursor"].as_i64().expect("cursor");
        if page["more"] != true {
            break;
        }
    }
    seen.sort();
    assert_eq!(seen.len(), 6, "{seen:?}");
});

both_backends!(clan_unit_and_hamlet_assessments, |b| {
    let s = SERVER.setup(b);
    let (clans, units) = clans_and_units(&s);
    let (nguyen, tran) = (id_of(&clans, "Họ Nguyễn"), id_of(&clans, "Họ Trần"));
    let school = id_of(&units, "Trường Tiểu học Đông");
    let west = id_of(&units, "Hợp tác xã Tây");
    let office = id_of(&units, "UBND xã");
    let members = vec![MemberFacts {
        name: Some("Nguyễn Văn An".into()),
        birth_year: Some(1970),
        sex: None,
        schooling: None,
        literate: Some(true),
        cdht: Some(true),
        unable_to_learn: false,
    }];

    // The Đông device: its clan, unit and hamlet are stored; the rest is refused record by
    // record, never the batch.
    let ok_clan = clan_assessment(&nguyen, members.clone());
    let ok_unit = unit_assessment(&school);
    let ok_hamlet = hamlet_assessment(&s.dong);
    let far_clan = clan_assessment(&tran, members.clone());
    let far_unit = unit_assessment(&west);
    let commune_unit = unit_assessment(&office);
    let unknown_clan = clan_assessment(&new_uuid(), Vec::new());
    let batch = [
        ok_clan.clone(),
        far_clan.clone(),
        ok_unit.clone(),
        far_unit,
        commune_unit.clone(),
        ok_hamlet.clone(),
        unknown_clan,
    ];
    let res = results(&s.server.batch(&s.token, &new_uuid(), &batch));
    let statuses: Vec<(&str, &str)> = res
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap_or_default(),
                r["code"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("created", ""),
            ("rejected", "forbidden"),
            ("created", ""),
            ("rejected", "forbidden"),
            ("rejected", "forbidden"),
            ("created", ""),
            ("rejected", "invalid"),
        ],
        "{res:?}"
    );
    assert!(res[1]["message"]
        .as_str()
        .is_some_and(|m| m.contains("mọi thôn của dòng họ")));
    assert!(res[4]["message"]
        .as_str()
        .is_some_and(|m| m.contains("cấp xã")));
    assert!(
        res[0]["server_score"]["total"].is_u64(),
        "re-scored: {res:?}"
    );
    assert_eq!(res[0]["server_score"]["mismatch"], false);

    // A device covering both hamlets may assess the clan across them and the commune's unit.
    let (_, both) = enroll_device(&s.env, &s.server, &["Thôn Đông", "Thôn Tây"]);
    let res = results(&s.server.batch(
        &both,
        &new_uuid(),
        &[far_clan.clone(), commune_unit.clone()],
    ));
    assert!(res.iter().all(|r| r["status"] == "created"), "{res:?}");

    // The review list names the real subject.
    let list = s.env.admin_json(&["assessments"]);
    let row = |id: &str| {
        list.as_array()
            .and_then(|a| a.iter().find(|x| x["id"] == id))
            .cloned()
            .unwrap_or_else(|| panic!("{id} listed"))
    };
    let clan_row = row(&ok_clan.id);
    assert_eq!(clan_row["subject_kind"], "clan");
    assert_eq!(clan_row["subject_name"], "Họ Nguyễn");
    assert_eq!(clan_row["hamlet"], "Thôn Đông");
    assert_eq!(row(&far_clan.id)["hamlet"], "Thôn Đông, Thôn Tây");
    assert_eq!(row(&ok_unit.id)["subject_name"], "Trường Tiểu học Đông");
    assert_eq!(row(&commune_unit.id)["hamlet"], "Cấp xã");
    assert_eq!(row(&commune_unit.id)["subject_name"], "UBND xã");
    let hamlet_row = row(&ok_hamlet.id);
    assert_eq!(hamlet_row["subject_name"], "Thôn Đông");
    assert_eq!(hamlet_row["hamlet"], "Thôn Đông");
    let text = s.env.admin_ok(&["assessments"]);
    assert!(
        text.contains("Họ Nguyễn") && text.contains("UBND xã"),
        "{text}"
    );
    assert!(!text.contains(&s.dong), "hamlets by name, not id: {text}");
});

both_backends!(device_created_clans_and_units, |b| {
    let s = SERVER.setup(b);
    import_roster(&s.env, ROSTER);
    let (_, both) = enroll_device(&s.env, &s.server, &["Thôn Đông", "Thôn Tây"]);
    let all = sync_all(&s, &both);
    let d01 = household_id(&all, &s.dong, "D01");
    let d02 = household_id(&all, &s.dong, "D02");
    let t01 = household_id(&all, &s.tay, "H01");

    // A clan made on the Đông device, sent with its assessment.
    let clan = ClanRecord {
        id: new_uuid(),
        name: "Họ Nguyễn Văn".into(),
        household_ids: vec![d01.clone()],
    };
    let mut first = clan_assessment(&clan.id, Vec::new());
    first.clan = Some(clan.clone());
    // A unit made on it, in its hamlet, and one at commune level (out of its scope).
    let unit = UnitRecord {
        id: new_uuid(),
        name: "Mẫu giáo Hoa Sen".into(),
        kind: UnitKind::School,
        hamlet_id: Some(s.dong.clone()),
        commune_code: None,
    };
    let mut school = unit_assessment(&unit.id);
    school.unit = Some(unit.clone());
    let commune = UnitRecord {
        id: new_uuid(),
        name: "Công ty May".into(),
        kind: UnitKind::Enterprise,
        hamlet_id: None,
        commune_code: None,
    };
    let mut factory = unit_assessment(&commune.id);
    factory.unit = Some(commune);
    // A clan naming a Tây household: outside the device's scope.
    let far = ClanRecord {
        id: new_uuid(),
        name: "Họ Trần".into(),
        household_ids: vec![d02.clone(), t01.clone()],
    };
    let mut far_entry = clan_assessment(&far.id, Vec::new());
    far_entry.clan = Some(far);
    // A clan record about another subject than the assessment's: invalid.
    let mut mismatched = clan_assessment(&new_uuid(), Vec::new());
    mismatched.clan = Some(clan.clone());
    let res = results(&s.server.batch(
        &s.token,
        &new_uuid(),
        &[first, school, factory, far_entry, mismatched],
    ));
    let statuses: Vec<&str> = res.iter().filter_map(|r| r["status"].as_str()).collect();
    assert_eq!(
        statuses,
        ["created", "created", "rejected", "rejected", "rejected"],
        "{res:?}"
    );
    assert_eq!(res[2]["code"], "forbidden");
    assert_eq!(res[3]["code"], "forbidden");
    assert_eq!(res[4]["code"], "invalid");

    // Stored, and pulled by the devices in scope like admin-made ones.
    let clans = s.env.admin_json(&["clan", "list"]);
    assert_eq!(clans.as_array().map(Vec::len), Some(1), "{clans}");
    assert_eq!(clans[0]["name"], "Họ Nguyễn Văn");
    assert!(clans[0]["origin"]
        .as_str()
        .is_some_and(|o| o.starts_with("device:")));
    let units = s.env.admin_json(&["unit", "list"]);
    assert_eq!(units.as_array().map(Vec::len), Some(1), "{units}");
    assert_eq!(units[0]["commune_code"], "04831");
    let dong = sync_all(&s, &s.token);
    assert_eq!(names(&dong, "clans"), ["Họ Nguyễn Văn"]);
    assert_eq!(names(&dong, "units"), ["Mẫu giáo Hoa Sen"]);

    // The clan grows with a later assessment (households added, none removed); the device
    // renames its own clan.
    let grown = ClanRecord {
        name: "Họ Nguyễn Văn (chi 2)".into(),
        household_ids: vec![d02.clone()],
        ..clan.clone()
    };
    let mut second = clan_assessment(&clan.id, Vec::new());
    second.clan = Some(grown);
    let res = results(&s.server.batch(&s.token, &new_uuid(), &[second]));
    assert_eq!(res[0]["status"], "created", "{res:?}");
    let clans = s.env.admin_json(&["clan", "list"]);
    assert_eq!(clans[0]["name"], "Họ Nguyễn Văn (chi 2)");
    let mut held: Vec<String> = clans[0]["households"]
        .as_array()
        .expect("households")
        .iter()
        .filter_map(|h| h["id"].as_str().map(str::to_string))
        .collect();
    held.sort();
    let mut expected = vec![d01, d02];
    expected.sort();
    assert_eq!(held, expected);
    // Once the clan spans Tây (from the device covering both), the Đông device may no longer
    // assess it, nor receive it.
    let wider = ClanRecord {
        household_ids: vec![t01],
        ..clan.clone()
    };
    let mut third = clan_assessment(&clan.id, Vec::new());
    third.clan = Some(wider);
    let res = results(&s.server.batch(&both, &new_uuid(), &[third]));
    assert_eq!(res[0]["status"], "created", "{res:?}");
    assert_eq!(
        clans_of(&s, &both)
            .iter()
            .find(|c| c.id == clan.id)
            .map(|c| c.household_ids.len()),
        Some(3)
    );
    let res = results(&s.server.batch(
        &s.token,
        &new_uuid(),
        &[clan_assessment(&clan.id, Vec::new()), simple(&s.dong)],
    ));
    assert_eq!(res[0]["code"], "forbidden", "{res:?}");
    assert_eq!(res[1]["status"], "created", "{res:?}");
    assert!(clans_of(&s, &s.token).is_empty());
});

fn clans_of(s: &Setup, token: &str) -> Vec<ClanRecord> {
    serde_json::from_value(sync_all(s, token)["clans"].clone()).unwrap_or_default()
}
