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

/// The device as `admin device list --json` shows it.
fn listed(s: &Setup) -> serde_json::Value {
    let list = s.env.admin_json(&["device", "list"]);
    list.as_array()
        .and_then(|l| l.iter().find(|d| d["id"] == s.device_id.as_str()))
        .cloned()
        .expect("device listed")
}

both_backends!(heartbeat_fields_checked_before_storing, |b| {
    let s = SERVER.setup(b);
    let good = serde_json::json!({"queue_length": 4, "free_bytes": 10, "app_version": "0.2.0",
        "last_sync": null, "device_time": "2026-01-01T00:00:05Z"});
    let r = s.server.send_json(
        "POST",
        "/api/v1/heartbeat",
        Some(&s.token),
        &good.to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let before = listed(&s);
    assert_eq!(before["device_time"], "2026-01-01T00:00:05Z");
    // Times that are not RFC 3339 (or lie outside what the server can represent).
    for bad in ["yesterday", "", "+275760-09-13T00:00:00Z"] {
        let mut hb = good.clone();
        hb["device_time"] = bad.into();
        hb["queue_length"] = 9.into();
        let r = s
            .server
            .send_json("POST", "/api/v1/heartbeat", Some(&s.token), &hb.to_string());
        assert_eq!(r.status, 400, "{bad:?}: {}", r.text());
        assert_eq!(r.code(), "bad_request");
        assert!(r.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("device_time")));
        let mut hb = good.clone();
        hb["last_sync"] = bad.into();
        let r = s
            .server
            .send_json("POST", "/api/v1/heartbeat", Some(&s.token), &hb.to_string());
        assert_eq!(r.status, 400, "last_sync {bad:?}: {}", r.text());
    }
    // Counters past a signed 64-bit column are refused, not clamped.
    for big in ["9223372036854775808", "18446744073709551615"] {
        for field in ["queue_length", "free_bytes"] {
            let body = good.to_string().replace(
                &format!("\"{field}\":{}", good[field]),
                &format!("\"{field}\":{big}"),
            );
            assert!(body.contains(big), "{body}");
            let r = s
                .server
                .send_json("POST", "/api/v1/heartbeat", Some(&s.token), &body);
            assert_eq!(r.status, 400, "{field} {big}: {}", r.text());
            assert_eq!(r.code(), "bad_request");
        }
    }
    // The largest one that fits is stored as it is.
    let body = good
        .to_string()
        .replace("\"queue_length\":4", "\"queue_length\":9223372036854775807");
    let r = s
        .server
        .send_json("POST", "/api/v1/heartbeat", Some(&s.token), &body);
    assert_eq!(r.status, 200, "{}", r.text());
    let after = listed(&s);
    assert_eq!(after["queue_length"], i64::MAX);
    assert_eq!(after["device_time"], "2026-01-01T00:00:05Z");
    assert_eq!(after["free_bytes"], 10);
});

/// Send a request with a header field of `size` bytes on a raw connection, writing and reading
/// at once (the server answers before it has read it all); the raw answer.
fn huge_header_request(addr: &str, size: usize) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let mut writer = stream.try_clone().expect("clone");
    let head = format!(
        "GET /api/v1/sync?cursor=0 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(size)
    );
    let sender = std::thread::spawn(move || {
        // The server closes once it has answered: a write error then is expected.
        let _ = writer.write_all(head.as_bytes());
    });
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    let _ = sender.join();
    raw
}

both_backends!(huge_header_is_a_typed_431, |b| {
    let s = SERVER.setup(b);
    let raw = huge_header_request(&s.server.addr, 1024 * 1024);
    let text = String::from_utf8_lossy(&raw).into_owned();
    assert!(text.starts_with("HTTP/1.1 431 "), "{text}");
    let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let err: serde_json::Value = serde_json::from_str(body).expect("ApiError JSON");
    assert_eq!(err["code"], "headers_too_large");
    assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(err["detail"].is_string());
    // The server still serves.
    assert_eq!(s.server.get("/api/v1/sync?cursor=0", &s.token).status, 200);
});

both_backends!(enroll_rate_limited_per_address, |b| {
    // The set-up's own enrollment takes one of the three attempts.
    let s = SERVER.setup_with(b, &["--enroll-rate-limit", "3"]);
    let code = enroll_code(&s.env, &["Thôn Đông"]);
    let mut statuses = Vec::new();
    for i in 0..4 {
        let r = s.server.enroll(&format!("WRONG{i}"));
        statuses.push(r.status);
        if r.status == 429 {
            assert_eq!(r.code(), "rate_limited");
            let wait: u64 = r
                .header("retry-after")
                .and_then(|v| v.parse().ok())
                .expect("Retry-After in seconds");
            assert!((1..=60).contains(&wait), "{wait}");
        } else {
            assert_eq!(r.code(), "unauthorized");
        }
    }
    assert_eq!(statuses, vec![401, 401, 429, 429]);
    // Even a valid code waits: the address is limited, not the code.
    let r = s.server.enroll(&code);
    assert_eq!(r.status, 429);
    assert_eq!(r.code(), "rate_limited");
    // Enrolled devices are not held up by it.
    assert_eq!(s.server.get("/api/v1/sync?cursor=0", &s.token).status, 200);
});
