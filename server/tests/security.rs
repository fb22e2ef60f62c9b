//! Authorization and hostile input: bad and revoked tokens, oversize bodies, malformed JSON,
//! unknown routes, rate limiting — always typed JSON errors, never a bare 500.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

both_backends!(tokens, |b| {
    let s = SERVER.setup(b);
    let r = s.server.request("GET", "/api/v1/sync?cursor=0", &[], b"");
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "unauthorized");
    for auth in [
        "Bearer ",
        "Bearer nope",
        "Basic abc",
        &format!("Bearer  {}x", s.token),
    ] {
        let r = s.server.request(
            "GET",
            "/api/v1/sync?cursor=0",
            &[("Authorization", auth)],
            b"",
        );
        assert_eq!(r.status, 401, "{auth}");
    }
    assert_eq!(s.server.get("/api/v1/sync?cursor=0", &s.token).status, 200);
    // The scheme is case-insensitive (RFC 9110 §11.1).
    for scheme in ["bearer", "BEARER", "bEaReR"] {
        let auth = format!("{scheme} {}", s.token);
        let r = s.server.request(
            "GET",
            "/api/v1/sync?cursor=0",
            &[("Authorization", &auth)],
            b"",
        );
        assert_eq!(r.status, 200, "{auth}");
    }
    let list = s.env.admin_json(&["device", "list"]);
    assert_eq!(list[0]["id"], s.device_id.as_str());
    assert_eq!(list[0]["revoked"], false);
    s.env.admin_ok(&["device", "revoke", &s.device_id]);
    let r = s.server.get("/api/v1/sync?cursor=0", &s.token);
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "unauthorized");
    let hb = serde_json::json!({"queue_length": 0, "free_bytes": null, "app_version": "0.1.0",
        "last_sync": null, "device_time": "2026-01-01T00:00:00Z"})
    .to_string();
    let r = s
        .server
        .send_json("POST", "/api/v1/heartbeat", Some(&s.token), &hb);
    assert_eq!(r.status, 401);
    let list = s.env.admin_json(&["device", "list"]);
    assert_eq!(list[0]["revoked"], true);
    let (code, _, err) = s.env.admin(&["device", "revoke", "no-such-device"]);
    assert_eq!(code, 2, "{err}");
});

both_backends!(heartbeat_recorded, |b| {
    let s = SERVER.setup(b);
    let hb = serde_json::json!({"queue_length": 4, "free_bytes": 123456, "app_version": "0.2.0",
        "last_sync": "2026-01-01T00:00:00Z", "device_time": "2026-01-01T00:00:05Z"})
    .to_string();
    let r = s
        .server
        .send_json("POST", "/api/v1/heartbeat", Some(&s.token), &hb);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["server_time"].is_string());
    let list = s.env.admin_json(&["device", "list"]);
    assert_eq!(list[0]["queue_length"], 4);
    assert_eq!(list[0]["free_bytes"], 123456);
    assert_eq!(list[0]["app_version"], "0.2.0");
    assert!(list[0]["last_heartbeat_at"].is_string());
    let r = s.server.send_json(
        "POST",
        "/api/v1/heartbeat",
        Some(&s.token),
        "{\"queue_length\": -1}",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "bad_request");
});

both_backends!(hostile_bodies, |b| {
    let s = SERVER.setup(b);
    let big = vec![b'['; hoctap_domain::protocol::MAX_JSON_BODY + 10];
    let auth = format!("Bearer {}", s.token);
    let r = s.server.request(
        "PUT",
        &format!("/api/v1/batches/{}", new_uuid()),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &big,
    );
    assert_eq!(r.status, 413);
    assert_eq!(r.code(), "too_large");
    for body in [
        "",
        "null",
        "{",
        "[]",
        "{\"code\": \"x\", \"device_name\": 7}",
        "\u{0}",
    ] {
        let r = s.server.send_json("POST", "/api/v1/enroll", None, body);
        assert_eq!(r.status, 400, "{body:?}");
        assert_eq!(r.code(), "bad_request");
    }
    // A JSON endpoint wants a JSON content type: none, or another one, is a typed 415.
    for headers in [&[][..], &[("Content-Type", "text/plain")][..]] {
        let r = s.server.request("POST", "/api/v1/enroll", headers, b"{}");
        assert_eq!(r.status, 415, "{headers:?}");
        assert_eq!(r.code(), "unsupported_media_type");
    }
    let r = s.server.request(
        "POST",
        "/api/v1/enroll",
        &[("Content-Type", "application/json; charset=utf-8")],
        b"{}",
    );
    assert_eq!(r.status, 400);
    let r = s.server.get("/api/v1/nothing-here", &s.token);
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "not_found");
    let r = s
        .server
        .request("DELETE", "/api/v1/sync", &[("Authorization", &auth)], b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.code(), "bad_request");
});

both_backends!(rate_limited, |b| {
    let s = SERVER.setup_with(b, &["--rate-limit", "5"]);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(s.server.get("/api/v1/sync?cursor=0", &s.token));
    }
    let limited = statuses
        .iter()
        .find(|r| r.status == 429)
        .expect("some request limited");
    assert_eq!(limited.code(), "rate_limited");
    assert!(limited.header("retry-after").is_some());
    assert!(statuses.iter().take(5).all(|r| r.status == 200));
});
