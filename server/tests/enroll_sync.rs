//! Enrollment (one-time codes) and incremental, hamlet-scoped `/sync`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

both_backends!(enroll_code_is_one_time, |b| {
    let env = SERVER.env(b);
    env.admin_ok(&["init", "--province", "25", "--commune", "4831"]);
    add_hamlet(&env, "Thôn Đông");
    let server = env.serve(&[]);
    let code = enroll_code(&env, &["Thôn Đông"]);
    let r = server.enroll(&code.to_lowercase().replace('-', " "));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["scope"]["province_code"], "25");
    assert_eq!(v["scope"]["commune_code"], "04831");
    assert_eq!(v["scope"]["hamlets"][0]["name"], "Thôn Đông");
    assert_eq!(v["token"].as_str().map(str::len), Some(64));
    // Used once: refused now.
    let again = server.enroll(&code);
    assert_eq!(again.status, 401);
    assert_eq!(again.code(), "unauthorized");
    // Unknown code.
    let bad = server.enroll("AAAA-BBBB-CCCC");
    assert_eq!(bad.status, 401);
    assert!(!bad.json()["message"].as_str().unwrap_or("").is_empty());
    // Malformed body.
    let r = server.send_json("POST", "/api/v1/enroll", None, "{\"code\": 5}");
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "bad_request");
    // Expired code.
    let expired = env.admin_json(&["enroll-code", "--hamlet", "Thôn Đông", "--ttl-hours", "0"]);
    let r = server.enroll(expired["code"].as_str().unwrap_or_default());
    assert_eq!(r.status, 401);
});

both_backends!(sync_is_incremental_and_scoped, |b| {
    let s = SERVER.setup(b);
    let roster = s.env.dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "thon,ma_ho,chu_ho,ho_ten,nam_sinh,gioi_tinh,hoc_van,biet_chu\n\
         Thôn Đông,D1,Trần Văn Bình,Trần Văn Bình,1975,nam,finished,có\n\
         Thôn Đông,D1,,Lê Thị Cúc,2012,nữ,đang học,có\n\
         Thôn Đông,D2,Phạm Văn Dũng,,,,,\n\
         Thôn Tây,T1,Hoàng Văn Em,Hoàng Văn Em,1990,nam,,\n",
    )
    .expect("write roster");
    let report = s
        .env
        .admin_json(&["import", "roster", roster.to_str().unwrap_or_default()]);
    assert_eq!(report["households_added"], 3);
    assert_eq!(report["members_added"], 3);

    let r = s.server.get("/api/v1/sync?cursor=0", &s.token);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["more"], false);
    let hamlets = v["hamlets"].as_array().expect("hamlets");
    assert_eq!(hamlets.len(), 1, "only the device's hamlet");
    assert_eq!(hamlets[0]["id"], s.dong.as_str());
    let households = v["households"].as_array().expect("households");
    assert_eq!(households.len(), 2, "Thôn Tây is outside the scope");
    assert!(households.iter().all(|h| h["hamlet_id"] == s.dong.as_str()));
    let d1 = households
        .iter()
        .find(|h| h["roster_code"] == "D1")
        .expect("D1");
    assert_eq!(d1["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(d1["members"][1]["schooling"], "in_school");
    let cursor = v["cursor"].as_i64().expect("cursor");

    // Nothing new.
    let v = s
        .server
        .get(&format!("/api/v1/sync?cursor={cursor}"), &s.token)
        .json();
    assert_eq!(v["households"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["cursor"].as_i64(), Some(cursor));

    // A new household in Tây is not seen; one in Đông is, alone.
    std::fs::write(
        &roster,
        "thon,ma_ho,chu_ho\nThôn Tây,T2,Vũ Văn Giang\nThôn Đông,D3,Đỗ Thị Hoa\nThôn Đông,D1,Trần Văn Bình\n",
    )
    .expect("write roster");
    let report = s
        .env
        .admin_json(&["import", "roster", roster.to_str().unwrap_or_default()]);
    assert_eq!(report["households_skipped"], 1);
    let v = s
        .server
        .get(&format!("/api/v1/sync?cursor={cursor}"), &s.token)
        .json();
    let households = v["households"].as_array().expect("households");
    assert_eq!(households.len(), 1);
    assert_eq!(households[0]["head"], "Đỗ Thị Hoa");
    assert!(v["cursor"].as_i64() > Some(cursor));

    // Paging: one record per page walks everything, each exactly once.
    let mut cursor = 0;
    let mut seen = Vec::new();
    for _ in 0..20 {
        let v = s
            .server
            .get(&format!("/api/v1/sync?cursor={cursor}&limit=1"), &s.token)
            .json();
        for h in v["households"].as_array().into_iter().flatten() {
            seen.push(h["id"].as_str().unwrap_or_default().to_string());
        }
        cursor = v["cursor"].as_i64().expect("cursor");
        if v["more"] == false {
            break;
        }
    }
    assert_eq!(seen.len(), 3);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3);

    // Bad cursor.
    let r = s.server.get("/api/v1/sync?cursor=abc", &s.token);
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "bad_request");
});

both_backends!(sync_brings_published_criteria, |b| {
    let s = SERVER.setup(b);
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../criteria/template-gia-dinh.toml"
    ))
    .expect("criteria file");
    let bumped = src.replacen("version = 1", "version = 7", 1);
    assert_ne!(src, bumped, "the template has `version = 1`");
    let file = s.env.dir.path().join("set.toml");
    std::fs::write(&file, &bumped).expect("write");
    let v = s
        .env
        .admin_json(&["criteria", "publish", file.to_str().unwrap_or_default()]);
    assert_eq!(v["published"], true);
    assert_eq!(v["version"], 7);
    let sync = s.server.get("/api/v1/sync?cursor=0", &s.token).json();
    let criteria = sync["criteria"].as_array().expect("criteria");
    assert_eq!(criteria.len(), 1);
    assert_eq!(criteria[0]["version"], 7);
    assert_eq!(criteria[0]["sha256"], v["sha256"]);
    assert_eq!(criteria[0]["source"], bumped.as_str());
});
