//! What travels is compressed: JSON answers (gzip, zstd) as the client offers, manifests sent
//! gzip-compressed; an inflated body stays within the same limits (a small body that inflates
//! past them is refused with 413 and never held whole); an empty cursor is the start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use std::io::{Read, Write};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Peak resident memory of a process (VmHWM), in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

both_backends!(answers_are_compressed_as_offered, |b| {
    let s = SERVER.setup(b);
    for i in 0..40 {
        s.server
            .batch(&s.token, &new_uuid(), &[simple(&s.dong)])
            .json();
        let _ = i;
    }
    let auth = format!("Bearer {}", s.token);
    let plain = s.server.request(
        "GET",
        "/api/v1/sync?cursor=0",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    let page = plain.json();
    assert_eq!(page["request_encodings"], serde_json::json!(["gzip"]));

    let gz = s.server.request(
        "GET",
        "/api/v1/sync?cursor=0",
        &[("Authorization", &auth), ("Accept-Encoding", "gzip")],
        b"",
    );
    assert_eq!(gz.status, 200);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let inflated: serde_json::Value = serde_json::from_slice(&gunzip(&gz.body)).unwrap();
    assert_eq!(inflated["households"], page["households"]);
    assert!(
        gz.body.len() * 3 < plain.body.len(),
        "{} gzipped vs {} plain",
        gz.body.len(),
        plain.body.len()
    );

    let zs = s.server.request(
        "GET",
        "/api/v1/sync?cursor=0",
        &[("Authorization", &auth), ("Accept-Encoding", "zstd")],
        b"",
    );
    assert_eq!(zs.header("content-encoding"), Some("zstd"));
    assert!(zs.body.len() < plain.body.len());

    // A client that takes both (the device's transport) gets zstd: smaller at the same cost.
    let both = s.server.request(
        "GET",
        "/api/v1/sync?cursor=0",
        &[("Authorization", &auth), ("Accept-Encoding", "gzip, zstd")],
        b"",
    );
    assert_eq!(both.header("content-encoding"), Some("zstd"));
});

both_backends!(a_gzipped_manifest_round_trips_and_replays, |b| {
    let s = SERVER.setup(b);
    let entry = simple(&s.dong);
    let batch = new_uuid();
    let json = serde_json::json!({ "assessments": [entry] }).to_string();
    let auth = format!("Bearer {}", s.token);
    let path = format!("/api/v1/batches/{batch}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("Content-Encoding", "gzip"),
    ];
    let r = s
        .server
        .request("PUT", &path, &headers, &gzip(json.as_bytes()));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["results"][0]["status"], "created");
    // The same manifest uncompressed is the same request: the stored answer, byte for byte.
    let again = s.server.send_json("PUT", &path, Some(&s.token), &json);
    assert_eq!(again.status, 200);
    assert_eq!(again.text(), r.text());
    // An encoding the server does not take is a typed refusal.
    let mut br = headers;
    br[2] = ("Content-Encoding", "br");
    let r = s.server.request("PUT", &path, &br, json.as_bytes());
    assert_eq!(r.status, 415, "{}", r.text());
    assert_eq!(r.code(), "unsupported_media_type");
    assert!(r.text().contains("nén"), "{}", r.text());
    // Damaged gzip: a typed refusal too.
    let mut bad = gzip(json.as_bytes());
    let n = bad.len();
    bad.truncate(n / 2);
    let r = s.server.request("PUT", &path, &headers, &bad);
    assert!(
        r.status == 400 || r.status == 413,
        "{} {}",
        r.status,
        r.text()
    );
    assert!(!r.code().is_empty());
});

both_backends!(a_decompression_bomb_is_refused_in_bounded_memory, |b| {
    let s = SERVER.setup(b);
    let auth = format!("Bearer {}", s.token);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("Content-Encoding", "gzip"),
    ];
    // 256 MiB of spaces inside a JSON array: about 250 KB on the wire.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(b"{\"assessments\": [").unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..256 {
        enc.write_all(&chunk).unwrap();
    }
    enc.write_all(b"]}").unwrap();
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let pid = s.server.child.id();
    let before = peak_rss_kib(pid);
    let r = s.server.request(
        "PUT",
        &format!("/api/v1/batches/{}", new_uuid()),
        &headers,
        &bomb,
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.code(), "too_large");
    let after = peak_rss_kib(pid);
    // The limit is 8 MiB of JSON: the server never holds the 256 MiB.
    assert!(
        after.saturating_sub(before) < 48 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB"
    );
    // And it still serves.
    assert_eq!(s.server.get("/api/v1/sync?cursor=0", &s.token).status, 200);
});

both_backends!(an_empty_cursor_is_the_start, |b| {
    let s = SERVER.setup(b);
    s.server.batch(&s.token, &new_uuid(), &[simple(&s.dong)]);
    let empty = s.server.get("/api/v1/sync?cursor=", &s.token);
    assert_eq!(empty.status, 200, "{}", empty.text());
    let zero = s.server.get("/api/v1/sync?cursor=0", &s.token);
    let (e, z) = (empty.json(), zero.json());
    assert_eq!(e["households"], z["households"]);
    assert_eq!(e["cursor"], z["cursor"]);
    let none = s.server.get("/api/v1/sync", &s.token);
    assert_eq!(none.json()["households"], z["households"]);
    for bad in ["-1", "abc", "1.5"] {
        let r = s
            .server
            .get(&format!("/api/v1/sync?cursor={bad}"), &s.token);
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.code(), "bad_request");
    }
});
