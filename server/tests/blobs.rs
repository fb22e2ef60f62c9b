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
