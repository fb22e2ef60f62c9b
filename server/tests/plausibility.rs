//! Evidence plausibility on the server: hamlet places set by the admin and sent to devices,
//! photo facts accepted beside the hashed content, and the reviewer's flags in
//! `admin assessments` — an old photo taken far away is flagged, never refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use hoctap_domain::plausibility::GeoPoint;
use hoctap_domain::protocol::PhotoFacts;

/// Hoàn Kiếm, Hà Nội (about).
const HANOI: (&str, &str) = ("21.0285", "105.8542");

fn codes(flags: &serde_json::Value) -> Vec<String> {
    flags
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

both_backends!(hamlet_places_are_set_checked_and_sent, |b| {
    let s = SERVER.setup(b);
    // Before: no place on the wire (older devices see exactly what they saw).
    let v = s.server.get("/api/v1/sync?cursor=0", &s.token).json();
    assert!(v["hamlets"][0].get("place").is_none(), "{v}");
    let cursor = v["cursor"].as_i64().unwrap();

    let h = s.env.admin_json(&[
        "hamlet",
        "set",
        "thon dong",
        "--lat",
        HANOI.0,
        "--lon",
        HANOI.1,
        "--radius-km",
        "1.5",
    ]);
    assert_eq!(h["id"], s.dong.as_str());
    assert_eq!(h["place"]["radius_km"], 1.5);
    // The hamlet is a change again: devices pull it with its place.
    let v = s
        .server
        .get(&format!("/api/v1/sync?cursor={cursor}"), &s.token)
        .json();
    let hamlets = v["hamlets"].as_array().unwrap();
    assert_eq!(hamlets.len(), 1, "{v}");
    assert_eq!(hamlets[0]["place"]["lat"], 21.0285);
    assert_eq!(hamlets[0]["place"]["lon"], 105.8542);
    let listed = s.env.admin_json(&["hamlet", "list"]);
    let dong = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == s.dong.as_str())
        .unwrap();
    assert_eq!(dong["place"]["radius_km"], 1.5);

    // A new hamlet with its place; out-of-range or partial places are refused (exit 2).
    let nam = s.env.admin_json(&[
        "hamlet",
        "add",
        "Thôn Nam",
        "--lat",
        "-8.5",
        "--lon",
        "115.2",
        "--radius-km",
        "3",
    ]);
    assert_eq!(nam["place"]["lat"], -8.5);
    let (code, _, err) = s.env.admin(&[
        "hamlet",
        "set",
        "Thôn Nam",
        "--lat",
        "95",
        "--lon",
        "105",
        "--radius-km",
        "2",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Vĩ độ 95"), "{err}");
    let (code, _, err) = s
        .env
        .admin(&["hamlet", "set", "Thôn Nam", "--lat", "21", "--lon", "105"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Cần nhập đủ"), "{err}");
    let (code, _, err) = s
        .env
        .admin(&["hamlet", "add", "Thôn Bắc", "--radius-km", "2"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = s
        .env
        .admin(&["hamlet", "set", "Thôn Không Có", "--clear-place"]);
    assert_eq!(code, 2);
    let cleared = s
        .env
        .admin_json(&["hamlet", "set", "Thôn Nam", "--clear-place"]);
    assert!(cleared.get("place").is_none(), "{cleared}");
});

both_backends!(
    an_old_far_photo_is_accepted_and_flagged_for_the_reviewer,
    |b| {
        let s = SERVER.setup(b);
        s.env.admin_ok(&[
            "hamlet",
            "set",
            "Thôn Đông",
            "--lat",
            HANOI.0,
            "--lon",
            HANOI.1,
            "--radius-km",
            "2",
        ]);
        let (old, near, bare) = (
            b"old photo from Italy".to_vec(),
            b"recent photo in the hamlet".to_vec(),
            b"photo without facts".to_vec(),
        );
        let shas: Vec<String> = [&old, &near, &bare]
            .iter()
            .map(|p| s.server.upload(&s.token, p))
            .collect();
        let mut entry = fixture(&FixtureOptions {
            points: 800,
            evidence: &shas,
            hamlet_id: &s.dong,
        });
        entry.photo_facts = vec![
            // DSCN0010.jpg of the shared photos: 2008, near Arezzo (Italy), naive time.
            PhotoFacts {
                sha256: shas[0].clone(),
                taken_at: Some("2008-10-22T16:28:39".into()),
                gps: Some(GeoPoint {
                    lat: 43.467_448,
                    lon: 11.885_127,
                }),
                attached_at: Some("2026-03-10T09:00:00.000+07:00".into()),
            },
            PhotoFacts {
                sha256: shas[1].clone(),
                taken_at: Some("2026-03-09T15:00:00+07:00".into()),
                gps: Some(GeoPoint {
                    lat: 21.03,
                    lon: 105.85,
                }),
                attached_at: Some("2026-03-10T09:00:00.000+07:00".into()),
            },
            // Not one of the entry's photos: dropped, not refused.
            PhotoFacts {
                sha256: "0".repeat(64),
                taken_at: Some("1999-01-01T00:00:00".into()),
                gps: None,
                attached_at: None,
            },
        ];
        let batch = new_uuid();
        let r = s
            .server
            .batch(&s.token, &batch, std::slice::from_ref(&entry));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["results"][0]["status"], "created", "{}", r.text());

        let list = s.env.admin_json(&["assessments"]);
        let row = &list[0];
        assert_eq!(row["id"], entry.id.as_str());
        let flagged = row["photo_flags"].as_array().unwrap();
        assert_eq!(flagged.len(), 1, "only the Italian photo: {row}");
        assert_eq!(flagged[0]["sha256"], shas[0].as_str());
        assert_eq!(flagged[0]["taken_at"], "2008-10-22T16:28:39");
        let flags = &flagged[0]["flags"];
        assert_eq!(
            codes(flags),
            ["taken_outside_year", "taken_long_before", "far_from_place"]
        );
        assert_eq!(
            flags[0]["message"],
            "Ảnh chụp năm 2008, không thuộc năm đánh giá 2026"
        );
        assert_eq!(flags[1]["age_days"], 6347);
        let km = flags[2]["distance_km"].as_f64().unwrap();
        assert!((8_720.0..8_730.0).contains(&km), "{km}");
        assert_eq!(
            flags[2]["message"],
            "Ảnh chụp cách thôn 8.725 km (bán kính 2 km)"
        );

        // Text for the reviewer: the row, then one indented line per flag.
        let text = s.env.admin_ok(&["assessments"]);
        let prefix = &shas[0][..12];
        assert!(
            text.contains(&format!(
                "\tảnh/photo {prefix}\tfar_from_place\tẢnh chụp cách thôn 8.725 km"
            )),
            "{text}"
        );
        assert_eq!(text.matches("ảnh/photo").count(), 3, "{text}");

        // Replaying the batch, or sending the entry again in another with other facts, changes
        // nothing: the facts stay as first stored.
        let replay = s
            .server
            .batch(&s.token, &batch, std::slice::from_ref(&entry));
        assert_eq!(replay.text(), r.text());
        let mut changed = entry.clone();
        changed.photo_facts.truncate(1);
        changed.photo_facts[0].taken_at = Some("2026-03-09T10:00:00+07:00".into());
        let dup = s.server.batch(&s.token, &new_uuid(), &[changed]);
        assert_eq!(dup.json()["results"][0]["status"], "duplicate");
        let again = s.env.admin_json(&["assessments"]);
        assert_eq!(again[0]["photo_flags"], list[0]["photo_flags"]);
    }
);

both_backends!(manifests_without_photo_facts_still_work, |b| {
    let s = SERVER.setup(b);
    let photo = b"a photo from an older device".to_vec();
    let sha = s.server.upload(&s.token, &photo);
    let entry = fixture(&FixtureOptions {
        points: 800,
        evidence: std::slice::from_ref(&sha),
        hamlet_id: &s.dong,
    });
    let body = serde_json::to_value(&entry).unwrap();
    assert!(body.get("photo_facts").is_none(), "not sent when empty");
    let r = s
        .server
        .batch(&s.token, &new_uuid(), std::slice::from_ref(&entry));
    assert_eq!(r.json()["results"][0]["status"], "created");
    let list = s.env.admin_json(&["assessments"]);
    assert_eq!(list[0]["photo_flags"], serde_json::json!([]));
});
