//! Resumable evidence uploads: chunks, offsets, hash verification, idempotence, HEAD, limits and
//! path tricks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use hoctap_domain::assessment::sha256_hex;
use hoctap_domain::protocol::{MAX_BLOB, MAX_CHUNK};

fn photo(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

both_backends!(resumable_chunks, |b| {
    let s = SERVER.setup(b);
    let data = photo(3000);
    let sha = sha256_hex(&data);
    let head = |s: &Setup| {
        let auth = format!("Bearer {}", s.token);
        s.server.request(
            "HEAD",
            &format!("/api/v1/blobs/{sha}"),
            &[("Authorization", &auth)],
            b"",
        )
    };
    assert_eq!(head(&s).status, 404);

    let r = s
        .server
        .put_blob(&s.token, &sha, Some("bytes 0-999/3000"), &data[..1000]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["received"], 1000);
    assert_eq!(r.json()["complete"], false);
    let h = head(&s);
    assert_eq!(h.status, 200);
    assert_eq!(h.header("upload-offset"), Some("1000"));
    assert_eq!(h.header("blob-status"), Some("partial"));
    assert!(s.env.partial_path(&s.device_id, &sha).exists());

    // Wrong offset: 409 with the held offset.
    let r = s
        .server
        .put_blob(&s.token, &sha, Some("bytes 2000-2999/3000"), &data[2000..]);
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "offset_mismatch");
    assert_eq!(r.header("upload-offset"), Some("1000"));

    // Resume from the held offset, finish.
    let r = s.server.put_blob(
        &s.token,
        &sha,
        Some("bytes 1000-1999/3000"),
        &data[1000..2000],
    );
    assert_eq!(r.json()["received"], 2000);
    let r = s
        .server
        .put_blob(&s.token, &sha, Some("bytes 2000-2999/3000"), &data[2000..]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["complete"], true);
    assert_eq!(std::fs::read(s.env.blob_path(&sha)).expect("stored"), data);
    assert!(!s.env.partial_path(&s.device_id, &sha).exists());
    let h = head(&s);
    assert_eq!(h.header("blob-status"), Some("complete"));
    assert_eq!(h.header("upload-offset"), Some("3000"));

    // Idempotent: a complete blob PUT again is 200 complete, whatever the range.
    let r = s.server.put_blob(&s.token, &sha, None, &data);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["complete"], true);
    let r = s
        .server
        .put_blob(&s.token, &sha, Some("bytes 0-999/3000"), &data[..1000]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["complete"], true);
});

both_backends!(hash_mismatch_discards, |b| {
    let s = SERVER.setup(b);
    let data = photo(100);
    let wrong = sha256_hex(b"something else");
    let r = s
        .server
        .put_blob(&s.token, &wrong, Some("bytes 0-49/100"), &data[..50]);
    assert_eq!(r.status, 200);
    let r = s
        .server
        .put_blob(&s.token, &wrong, Some("bytes 50-99/100"), &data[50..]);
    assert_eq!(r.status, 422);
    assert_eq!(r.code(), "hash_mismatch");
    assert!(!s.env.partial_path(&s.device_id, &wrong).exists());
    assert!(!s.env.blob_path(&wrong).exists());
    let auth = format!("Bearer {}", s.token);
    let h = s.server.request(
        "HEAD",
        &format!("/api/v1/blobs/{wrong}"),
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(h.status, 404);
    // Whole-blob upload with the right name works.
    s.server.upload(&s.token, &data);
});

both_backends!(limits_and_bad_ranges, |b| {
    let s = SERVER.setup(b);
    let big = photo(usize::try_from(MAX_CHUNK).unwrap_or(0) + 1);
    let sha = sha256_hex(&big);
    let r = s.server.put_blob(&s.token, &sha, None, &big);
    assert_eq!(r.status, 413);
    assert_eq!(r.code(), "too_large");
    let r = s.server.put_blob(
        &s.token,
        &sha,
        Some(&format!("bytes 0-9/{}", MAX_BLOB + 1)),
        &big[..10],
    );
    assert_eq!(r.status, 413);
    assert_eq!(r.code(), "too_large");
    for range in [
        "bytes 0-9",
        "bytes 5-2/10",
        "bytes 0-4/10",
        "items 0-9/10",
        "bytes 0-9/5",
    ] {
        let r = s.server.put_blob(&s.token, &sha, Some(range), &big[..10]);
        assert_eq!(r.status, 400, "{range}");
        assert_eq!(r.code(), "bad_request");
    }
});

both_backends!(path_tricks_refused, |b| {
    let s = SERVER.setup(b);
    let sha = sha256_hex(b"x");
    let auth = format!("Bearer {}", s.token);
    for bad in [
        sha.to_uppercase(),
        sha[..63].to_string(),
        format!("{sha}0"),
        "..%2F..%2Fserver.db".to_string(),
        "%2E%2E".to_string(),
        format!("..%2F{}", &sha[..61]),
    ] {
        let r = s.server.request(
            "PUT",
            &format!("/api/v1/blobs/{bad}"),
            &[("Authorization", &auth)],
            b"x",
        );
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert_eq!(r.code(), "bad_request");
        let h = s.server.request(
            "HEAD",
            &format!("/api/v1/blobs/{bad}"),
            &[("Authorization", &auth)],
            b"",
        );
        assert_eq!(h.status, 400, "{bad}");
    }
    // Nothing was written outside the blob folders.
    let names: Vec<_> = std::fs::read_dir(s.env.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("server.db"))
        .collect();
    assert_eq!(names, vec!["blobs".to_string()]);
    // Unauthenticated blob calls are refused.
    let r = s.server.put_blob("nope", &sha, None, b"x");
    assert_eq!(r.status, 401);
});

both_backends!(finish_after_a_crash_before_verification, |b| {
    // A server killed after writing and syncing the last chunk but before checking the hash
    // leaves a partial file that holds every byte. The device learns the offset (= total) and
    // asks the server to finish with an empty `bytes */TOTAL`.
    let s = SERVER.setup(b);
    let data = photo(150_000);
    let sha = sha256_hex(&data);
    let partial = s.env.partial_path(&s.device_id, &sha);
    std::fs::create_dir_all(partial.parent().expect("dir")).expect("mkdir");
    std::fs::write(&partial, &data).expect("partial");
    let auth = format!("Bearer {}", s.token);
    let head = s.server.request(
        "HEAD",
        &format!("/api/v1/blobs/{sha}"),
        &[("authorization", &auth)],
        b"",
    );
    assert_eq!(head.status, 200);
    assert_eq!(head.header("upload-offset"), Some("150000"));
    assert_eq!(head.header("blob-status"), Some("partial"));
    let range = "bytes */150000";
    let r = s.server.put_blob(&s.token, &sha, Some(range), b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["complete"], true);
    assert!(s.env.blob_path(&sha).exists() && !partial.exists());
    // Again: idempotent.
    let r = s.server.put_blob(&s.token, &sha, Some(range), b"");
    assert_eq!(
        (r.status, r.json()["complete"].as_bool()),
        (200, Some(true))
    );
    // A partial whose bytes are wrong is discarded with 422, and the upload starts over.
    let other = photo(1000);
    let other_sha = sha256_hex(&photo(1001));
    let p2 = s.env.partial_path(&s.device_id, &other_sha);
    std::fs::write(&p2, &other).expect("bad partial");
    let r = s
        .server
        .put_blob(&s.token, &other_sha, Some("bytes */1000"), b"");
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.code(), "hash_mismatch");
    assert!(!p2.exists());
    // `*/TOTAL` with a body is not a finish request.
    let r = s.server.put_blob(&s.token, &sha, Some(range), b"x");
    assert_eq!(r.status, 400);
});

fn head_blob(s: &Setup, token: &str, sha: &str) -> Resp {
    let auth = format!("Bearer {token}");
    s.server.request(
        "HEAD",
        &format!("/api/v1/blobs/{sha}"),
        &[("Authorization", &auth)],
        b"",
    )
}

both_backends!(total_is_fixed_by_the_first_chunk, |b| {
    let s = SERVER.setup(b);
    let data = photo(3000);
    let sha = sha256_hex(&data);
    let r = s
        .server
        .put_blob(&s.token, &sha, Some("bytes 0-999/3000"), &data[..1000]);
    assert_eq!(r.status, 200, "{}", r.text());
    // A later chunk declaring another TOTAL (larger, or one it would complete) is refused.
    for range in ["bytes 1000-1999/5000", "bytes 1000-1999/2000"] {
        let r = s
            .server
            .put_blob(&s.token, &sha, Some(range), &data[1000..2000]);
        assert_eq!(r.status, 400, "{range}: {}", r.text());
        assert_eq!(r.code(), "bad_request");
        assert!(r.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("3000")));
        let h = head_blob(&s, &s.token, &sha);
        assert_eq!(h.header("upload-offset"), Some("1000"));
        assert_eq!(h.header("blob-status"), Some("partial"));
    }
    // The finish request (`bytes */TOTAL`) cannot change it either.
    let r = s.server.put_blob(&s.token, &sha, Some("bytes */1000"), b"");
    assert_ne!(r.status, 200, "{}", r.text());
    assert!(!s.env.blob_path(&sha).exists());
    // The declared TOTAL still completes it.
    let r = s
        .server
        .put_blob(&s.token, &sha, Some("bytes 1000-2999/3000"), &data[1000..]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("blob-status"), Some("complete"));
    assert_eq!(std::fs::read(s.env.blob_path(&sha)).expect("blob"), data);
});

both_backends!(partial_uploads_have_a_per_device_quota, |b| {
    // Defaults: 16 partial uploads, 100 MiB declared in all.
    let s = SERVER.setup(b);
    let declared = format!("bytes 0-0/{MAX_BLOB}");
    let mut statuses = Vec::new();
    for i in 0..8u32 {
        let sha = sha256_hex(format!("big {i}").as_bytes());
        let r = s.server.put_blob(&s.token, &sha, Some(&declared), b"x");
        if r.status != 200 {
            assert_eq!(r.status, 429, "{}", r.text());
            assert_eq!(r.code(), "rate_limited");
            assert!(r.header("retry-after").is_some());
            assert!(r.json()["detail"]
                .as_str()
                .is_some_and(|d| d.contains("partial uploads")));
            assert!(!s.env.partial_path(&s.device_id, &sha).exists());
        }
        statuses.push(r.status);
    }
    // Five declared 20 MiB uploads fill the 100 MiB.
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 429, 429, 429]);
    // A chunk of an upload already held still goes on.
    let sha0 = sha256_hex(b"big 0");
    let r = s.server.put_blob(
        &s.token,
        &sha0,
        Some(&format!("bytes 1-1/{MAX_BLOB}")),
        b"y",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // The quota is the device's own: another device uploads.
    let (other_id, other) = enroll_device(&s.env, &s.server, &["Thôn Đông"]);
    let data = photo(500);
    let sha = sha256_hex(&data);
    let r = s
        .server
        .put_blob(&other, &sha, Some("bytes 0-99/500"), &data[..100]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(s.env.partial_path(&other_id, &sha).exists());

    // The count is bounded too: many small partial uploads.
    let s = SERVER.setup_with(b, &["--partial-uploads", "3"]);
    let mut statuses = Vec::new();
    for i in 0..5u32 {
        let sha = sha256_hex(format!("small {i}").as_bytes());
        let r = s
            .server
            .put_blob(&s.token, &sha, Some("bytes 0-0/1000"), b"x");
        statuses.push(r.status);
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    // A whole blob in one request is never partial: it needs no quota.
    s.server.upload(&s.token, &photo(700));
});

both_backends!(partial_uploads_expire, |b| {
    let s = SERVER.setup_with(
        b,
        &["--partial-ttl-secs", "1", "--cleanup-interval-secs", "1"],
    );
    let data = photo(2000);
    let sha = sha256_hex(&data);
    let r = s
        .server
        .put_blob(&s.token, &sha, Some("bytes 0-999/2000"), &data[..1000]);
    assert_eq!(r.status, 200, "{}", r.text());
    let done = s.server.upload(&s.token, &photo(300));
    let partial = s.env.partial_path(&s.device_id, &sha);
    assert!(partial.exists());
    let started = std::time::Instant::now();
    while partial.exists() {
        assert!(
            started.elapsed().as_secs() < 20,
            "partial upload still there after 20 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let total = partial.with_file_name(format!("{sha}.total"));
    assert!(!total.exists());
    assert_eq!(head_blob(&s, &s.token, &sha).status, 404);
    // Complete blobs are not touched.
    assert!(s.env.blob_path(&done).exists());
    assert_eq!(
        head_blob(&s, &s.token, &done).header("blob-status"),
        Some("complete")
    );
    // The upload starts again from zero.
    let r = s
        .server
        .put_blob(&s.token, &sha, Some("bytes 1000-1999/2000"), &data[1000..]);
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "offset_mismatch");
    assert_eq!(r.header("upload-offset"), Some("0"));
});

both_backends!(head_outside_scope_answers_like_a_missing_blob, |b| {
    let s = SERVER.setup(b);
    let data = photo(1200);
    let sha = s.server.upload(&s.token, &data);
    assert_eq!(
        head_blob(&s, &s.token, &sha).header("blob-status"),
        Some("complete")
    );
    // A device of the other hamlet.
    let (_id, other) = enroll_device(&s.env, &s.server, &["Thôn Tây"]);
    let missing = sha256_hex(b"never uploaded");
    let strip = |r: &Resp| {
        let mut h: Vec<(String, String)> = r
            .headers
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("date"))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        h.sort();
        (r.status, h, r.body.clone())
    };
    let existing = head_blob(&s, &other, &sha);
    let absent = head_blob(&s, &other, &missing);
    assert_eq!(existing.status, 404);
    assert_eq!(strip(&existing), strip(&absent));
    // A PUT of one chunk does not tell either: the device's own partial upload begins.
    let r = s
        .server
        .put_blob(&other, &sha, Some("bytes 0-99/1200"), &data[..100]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("blob-status"), Some("partial"));
    assert_eq!(r.json()["received"], 100);
    // Once it sent every byte it holds the blob, stored once.
    let r = s
        .server
        .put_blob(&other, &sha, Some("bytes 100-1199/1200"), &data[100..]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("blob-status"), Some("complete"));
    assert_eq!(
        head_blob(&s, &other, &sha).header("blob-status"),
        Some("complete")
    );
});
