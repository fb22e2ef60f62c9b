//! Admin commands: init with official codes, units, enroll-code JSON, criteria publish, review
//! list and return (which reaches the device through `/sync`), and the OpenAPI document.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

both_backends!(init_with_official_codes, |b| {
    let env = SERVER.env(b);
    let (code, _, err) = env.admin(&["init", "--province", "99", "--commune", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("admin units"), "{err}");
    let (code, _, err) = env.admin(&["init", "--province", "25", "--commune", "00004"]);
    assert_eq!(code, 2, "Ba Đình is in Hà Nội, not Phú Thọ");
    assert!(err.contains("admin units --province 25"), "{err}");
    let out = env.admin_ok(&["init", "--province", "25", "--commune", "07900"]);
    assert!(out.contains("Phường Việt Trì"), "{out}");
    let provinces = env.admin_json(&["units"]);
    assert_eq!(provinces.as_array().map(Vec::len), Some(34));
    let communes = env.admin_json(&["units", "--province", "25"]);
    assert!(communes
        .as_array()
        .is_some_and(|c| c.iter().any(|x| x["code"] == "07900")));
});

both_backends!(enroll_code_json_and_hamlets, |b| {
    let env = SERVER.env(b);
    env.admin_ok(&["init", "--province", "25", "--commune", "04831"]);
    let h = env.admin_json(&["hamlet", "add", "Thôn Đông"]);
    assert_eq!(h["commune_code"], "04831");
    let (code, _, _) = env.admin(&["hamlet", "add", "THON DONG"]);
    assert_eq!(code, 2, "same name ignoring case and diacritics");
    env.admin_json(&["hamlet", "add", "Tổ dân phố 3", "--kind", "to_dan_pho"]);
    let v = env.admin_json(&[
        "enroll-code",
        "--hamlet",
        "thon dong",
        "--hamlet",
        "Tổ dân phố 3",
        "--server",
        "https://khuyenhoc.example.vn/",
    ]);
    let code = v["code"].as_str().expect("code");
    assert_eq!(code.len(), 14);
    assert_eq!(v["payload"]["code"], code);
    assert_eq!(v["payload"]["server"], "https://khuyenhoc.example.vn");
    assert_eq!(v["hamlets"].as_array().map(Vec::len), Some(2));
    let payload: hoctap_domain::protocol::EnrollPayload =
        serde_json::from_value(v["payload"].clone()).expect("EnrollPayload");
    assert!(payload.hamlet.is_some_and(|h| h.contains("Thôn Đông")));
    // Text mode draws a QR code.
    let out = env.admin_ok(&["enroll-code", "--hamlet", "Thôn Đông"]);
    assert!(out.contains('▀') || out.contains('▄'), "{out}");
    let (code, _, err) = env.admin(&["enroll-code", "--hamlet", "Nowhere"]);
    assert_eq!(code, 2, "{err}");
    let users = env.admin_json(&[
        "user",
        "add",
        "lan.nguyen",
        "--name",
        "Nguyễn Thị Lan",
        "--role",
        "reviewer",
        "--no-password",
    ]);
    assert_eq!(users["role"], "commune_reviewer");
    assert_eq!(users["display_name"], "Nguyễn Thị Lan");
    assert_eq!(users["has_password"], false);
    // Taken login; a login with spaces and diacritics; an unknown role.
    for args in [
        &["user", "add", "lan.nguyen", "--no-password"][..],
        &["user", "add", "Nguyễn Thị Lan", "--no-password"][..],
        &["user", "add", "lan2", "--role", "boss", "--no-password"][..],
    ] {
        let (code, _, err) = env.admin(args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
});

both_backends!(criteria_publish_validates, |b| {
    let env = SERVER.env(b);
    let bad = env.dir.path().join("bad.toml");
    std::fs::write(&bad, "id = \"x\"\nversion = \"one\"\n").expect("write");
    let (code, _, err) = env.admin(&["criteria", "publish", bad.to_str().unwrap_or_default()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.toml:"), "{err}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../criteria/cdht-324.toml");
    let v = env.admin_json(&["criteria", "publish", path]);
    assert_eq!(v["id"], "cdht-324");
    assert_eq!(v["published"], true);
    let set = hoctap_domain::criteria::builtin::builtin_set("cdht-324").expect("set");
    assert_eq!(v["sha256"], set.sha256());
    let again = env.admin_json(&["criteria", "publish", path]);
    assert_eq!(again["published"], false);
    // Same id and version, other content: refused.
    let src = std::fs::read_to_string(path).expect("read");
    let changed = env.dir.path().join("changed.toml");
    std::fs::write(&changed, src.replacen("title = \"", "title = \"Sửa: ", 1)).expect("write");
    let (code, _, err) = env.admin(&["criteria", "publish", changed.to_str().unwrap_or_default()]);
    assert_eq!(code, 2, "{err}");
});

both_backends!(return_reaches_the_device, |b| {
    let s = SERVER.setup(b);
    let entry = simple(&s.dong);
    let r = s
        .server
        .batch(&s.token, &new_uuid(), std::slice::from_ref(&entry));
    assert_eq!(r.status, 200);
    let before = s.server.get("/api/v1/sync?cursor=0", &s.token).json();
    assert_eq!(before["returned"].as_array().map(Vec::len), Some(0));
    let cursor = before["cursor"].as_i64().expect("cursor");
    let (code, _, _) = s.env.admin(&["return", "no-such-id", "--comment", "x"]);
    assert_eq!(code, 2);
    s.env.admin_ok(&[
        "return",
        &entry.id,
        "--comment",
        "Thiếu ảnh minh chứng chỉ số 1.1",
        "--reviewer",
        "Lan",
    ]);
    let after = s
        .server
        .get(&format!("/api/v1/sync?cursor={cursor}"), &s.token)
        .json();
    let returned = after["returned"].as_array().expect("returned");
    assert_eq!(returned.len(), 1);
    assert_eq!(returned[0]["assessment_id"], entry.id.as_str());
    assert_eq!(returned[0]["comment"], "Thiếu ảnh minh chứng chỉ số 1.1");
    assert_eq!(returned[0]["reviewer"], "Lan");
    let list = s.env.admin_json(&["assessments"]);
    assert_eq!(list[0]["review_state"], "returned");
    // Another device of the same hamlet does not get it: it did not upload it.
    let (_id, other) = enroll_device(&s.env, &s.server, &["Thôn Đông"]);
    let v = s.server.get("/api/v1/sync?cursor=0", &other).json();
    assert_eq!(v["returned"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["households"].as_array().map(Vec::len), Some(1));
});

#[test]
fn openapi_document_is_served() {
    let s = SERVER.setup(Backend::Sqlite);
    let r = s.server.request("GET", "/api/v1/openapi.json", &[], b"");
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/enroll",
        "/sync",
        "/blobs/{sha256}",
        "/batches/{batch_uuid}",
        "/heartbeat",
    ] {
        assert!(paths.contains_key(p), "{p} documented");
    }
}

#[test]
fn sigterm_stops_cleanly() {
    let env = SERVER.env(Backend::Sqlite);
    let mut server = env.serve(&[]);
    let pid = server.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let started = std::time::Instant::now();
    loop {
        if let Some(code) = server.child.try_wait().expect("wait") {
            assert!(code.success(), "exit status {code:?}");
            break;
        }
        assert!(
            started.elapsed().as_secs() < 10,
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    eprintln!("stopped {:?} after SIGTERM", started.elapsed());
}

both_backends!(init_with_another_commune_refused_once_there_is_data, |b| {
    let env = SERVER.env(b);
    // No data yet: a wrong first choice may be corrected.
    env.admin_ok(&["init", "--province", "25", "--commune", "07900"]);
    env.admin_ok(&["init", "--province", "25", "--commune", "04831"]);
    let h = env.admin_json(&["hamlet", "add", "Thôn Đông"]);
    assert_eq!(h["commune_code"], "04831");
    // Same commune again: idempotent.
    let out = env.admin_ok(&["init", "--province", "25", "--commune", "04831"]);
    assert!(out.contains("04831"), "{out}");
    // Another commune on a server holding data: refused, nothing changed.
    let (code, _, err) = env.admin(&["init", "--province", "25", "--commune", "07900"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("đã có dữ liệu"), "{err}");
    assert!(err.contains("04831") && err.contains("07900"), "{err}");
    let h = env.admin_json(&["hamlet", "add", "Thôn Tây"]);
    assert_eq!(h["commune_code"], "04831");
});

/// Run an admin command whose stdout is closed before it writes: it must not panic.
fn closed_stdout(env: &Env, args: &[&str]) -> (i32, String) {
    let mut cmd = std::process::Command::new(env.bin());
    cmd.arg("admin")
        .args(["--data", &env.dir.path().display().to_string()]);
    if let Some(db) = &env.database {
        cmd.args(["--database", db]);
    }
    let mut child = cmd
        .args(args)
        .env_remove("HOCTAP_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run admin");
    // Close the only reading end, as `| head` does once it has its lines.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

both_backends!(admin_output_survives_a_closed_stdout, |b| {
    let s = SERVER.setup(b);
    for _ in 0..3 {
        enroll_device(&s.env, &s.server, &["Thôn Đông"]);
    }
    s.server
        .batch(&s.token, &new_uuid(), &[simple(&s.dong), simple(&s.dong)]);
    for args in [
        &["device", "list", "--json"][..],
        &["device", "list"],
        &["hamlet", "list"],
        &["assessments", "--json"],
        &["assessments"],
        &["clan", "list"],
        &["unit", "list", "--json"],
        &["units"],
        &["units", "--province", "25", "--json"],
    ] {
        let (code, err) = closed_stdout(&s.env, args);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(code, 0, "{args:?}: {err}");
    }
});

/// The OpenAPI document's schema for `name` documents every field the protocol type serialises
/// (all of them set), exactly so when `exact`, and requires those serde always writes.
fn schema_matches(
    doc: &serde_json::Value,
    name: &str,
    sample: &serde_json::Value,
    optional: &[&str],
    exact: bool,
) {
    let schema = &doc["components"]["schemas"][name];
    let props: std::collections::BTreeSet<&str> = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {name}"))
        .keys()
        .map(String::as_str)
        .collect();
    let fields: std::collections::BTreeSet<&str> = sample
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    if exact {
        assert_eq!(props, fields, "{name}: documented vs serialised");
    } else {
        assert!(
            fields.is_subset(&props),
            "{name}: {fields:?} not all in {props:?}"
        );
    }
    let required: std::collections::BTreeSet<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    let expected: std::collections::BTreeSet<&str> = fields
        .iter()
        .copied()
        .filter(|f| !optional.contains(f))
        .collect();
    if exact {
        assert_eq!(required, expected, "{name}: required fields");
    } else {
        assert!(
            expected.is_subset(&required) && optional.iter().all(|f| !required.contains(f)),
            "{name}: required {required:?}"
        );
    }
}

#[test]
fn openapi_documents_clans_units_and_returns() {
    use hoctap_domain::model::Model;
    use hoctap_domain::protocol::*;
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../src/api/openapi.json")).expect("openapi.json");
    let clan = ClanRecord {
        id: new_uuid(),
        name: "Họ Nguyễn".into(),
        household_ids: vec![new_uuid()],
    };
    let unit = UnitRecord {
        id: new_uuid(),
        name: "Trường Tiểu học".into(),
        kind: UnitKind::School,
        hamlet_id: Some(new_uuid()),
        commune_code: Some("04831".into()),
    };
    let returned = ReturnedRecord {
        assessment_id: new_uuid(),
        comment: "x".into(),
        reviewer: Some("Lan".into()),
        returned_at: "2026-01-01T00:00:00.000Z".into(),
        id: Some(new_uuid()),
    };
    schema_matches(
        &doc,
        "ClanRecord",
        &serde_json::to_value(&clan).expect("json"),
        &[],
        true,
    );
    schema_matches(
        &doc,
        "UnitRecord",
        &serde_json::to_value(&unit).expect("json"),
        &[],
        true,
    );
    schema_matches(
        &doc,
        "ReturnedRecord",
        &serde_json::to_value(&returned).expect("json"),
        &["id"],
        true,
    );
    let sync = SyncResponse {
        cursor: 1,
        more: false,
        server_time: "2026-01-01T00:00:00.000Z".into(),
        hamlets: Vec::new(),
        households: Vec::new(),
        criteria: Vec::new(),
        returned: vec![returned],
        clans: vec![clan.clone()],
        units: vec![unit.clone()],
        request_encodings: vec![GZIP.into()],
        targets: Some(
            [(Model::GiaDinh, Some(95.0)), (Model::CongDan, None)]
                .into_iter()
                .collect(),
        ),
    };
    schema_matches(
        &doc,
        "SyncResponse",
        &serde_json::to_value(&sync).expect("json"),
        &["clans", "units", "request_encodings", "targets"],
        false,
    );
    let entry = ManifestEntry {
        clan: Some(clan),
        unit: Some(unit),
        ..simple(&new_uuid())
    };
    schema_matches(
        &doc,
        "ManifestEntry",
        &serde_json::to_value(&entry).expect("json"),
        // `household` is always sent (null when none) but accepted absent.
        &["clan", "unit", "household"],
        false,
    );
    let kinds: Vec<&str> = doc["components"]["schemas"]["UnitRecord"]["properties"]["kind"]["enum"]
        .as_array()
        .expect("kind enum")
        .iter()
        .filter_map(|k| k.as_str())
        .collect();
    let codes: Vec<&str> = UnitKind::ALL.iter().map(|k| k.code()).collect();
    assert_eq!(kinds, codes);
    let models: Vec<&str> = doc["components"]["schemas"]["SyncResponse"]["properties"]["targets"]
        ["propertyNames"]["enum"]
        .as_array()
        .expect("target model enum")
        .iter()
        .filter_map(|k| k.as_str())
        .collect();
    let codes: Vec<&str> = Model::ALL.iter().map(|m| m.code()).collect();
    assert_eq!(models, codes);
}

#[test]
fn openapi_states_the_enforced_bounds() {
    use hoctap_domain::protocol::*;
    use hoctap_domain::protocol_check::MAX_COUNTER;
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../src/api/openapi.json")).expect("openapi.json");
    let schema = |name: &str| doc["components"]["schemas"][name]["properties"].clone();
    let n = |v: usize| serde_json::json!(v);
    // Every error code the server answers with is listed.
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("codes")
        .clone();
    for code in [
        ErrorCode::BadRequest,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::HeadersTooLarge,
        ErrorCode::RateLimited,
        ErrorCode::TooLarge,
        ErrorCode::HashMismatch,
    ] {
        assert!(
            codes.contains(&serde_json::to_value(code).expect("code")),
            "{code:?}"
        );
    }
    let member = schema("MemberRecord");
    assert_eq!(
        member["birth_year"]["minimum"],
        hoctap_domain::roster::BIRTH_YEAR_MIN
    );
    assert_eq!(member["name"]["maxLength"], n(MAX_TEXT_CHARS));
    assert_eq!(member["relation"]["maxLength"], n(MAX_TEXT_CHARS));
    let household = schema("HouseholdRecord");
    assert_eq!(household["head"]["maxLength"], n(MAX_TEXT_CHARS));
    assert_eq!(household["phone"]["maxLength"], n(MAX_PHONE_CHARS));
    assert_eq!(household["roster_code"]["maxLength"], n(MAX_CODE_CHARS));
    assert_eq!(household["members"]["maxItems"], n(MAX_MEMBERS));
    assert_eq!(
        schema("ClanRecord")["household_ids"]["maxItems"],
        n(MAX_CLAN_HOUSEHOLDS)
    );
    assert_eq!(
        schema("BatchRequest")["assessments"]["maxItems"],
        n(MAX_BATCH_ENTRIES)
    );
    let entry = schema("ManifestEntry");
    assert_eq!(entry["evidence"]["maxItems"], n(MAX_EVIDENCE));
    assert_eq!(entry["photo_facts"]["maxItems"], n(MAX_EVIDENCE));
    // `household` may be absent: not required.
    let required = doc["components"]["schemas"]["ManifestEntry"]["required"]
        .as_array()
        .expect("required");
    assert!(!required.iter().any(|r| r == "household"));
    let beat = schema("Heartbeat");
    assert_eq!(beat["queue_length"]["maximum"], MAX_COUNTER);
    assert_eq!(beat["free_bytes"]["maximum"], MAX_COUNTER);
    assert_eq!(beat["device_time"]["format"], "date-time");
    assert_eq!(beat["last_sync"]["format"], "date-time");
    assert_eq!(beat["app_version"]["maxLength"], n(MAX_LABEL_CHARS));
    let enroll = schema("EnrollRequest");
    for field in ["code", "device_name", "app_version"] {
        assert_eq!(enroll[field]["maxLength"], n(MAX_LABEL_CHARS), "{field}");
    }
    let paths = &doc["paths"];
    let put = &paths["/blobs/{sha256}"]["put"];
    assert_eq!(
        put["requestBody"]["content"]["application/octet-stream"]["schema"]["maxLength"],
        MAX_CHUNK
    );
    let too_large = put["responses"]["413"]["description"]
        .as_str()
        .expect("413");
    assert!(too_large.contains(&MAX_CHUNK.to_string()), "{too_large}");
    assert!(too_large.contains(&MAX_BLOB.to_string()), "{too_large}");
    // Statuses the server gives where it gives them.
    let head = &paths["/blobs/{sha256}"]["head"]["responses"];
    for status in ["200", "400", "401", "404", "429", "431"] {
        assert!(head.get(status).is_some(), "HEAD {status}");
    }
    for (path, method) in [
        ("/enroll", "post"),
        ("/heartbeat", "post"),
        ("/batches/{batch_uuid}", "put"),
    ] {
        let responses = &paths[path][method]["responses"];
        for status in ["400", "413", "415", "429", "431"] {
            assert!(responses.get(status).is_some(), "{method} {path}: {status}");
        }
    }
}
