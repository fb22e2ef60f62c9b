//! Evidence plausibility on a device: real photos with known EXIF (`shared/testdata/photos`,
//! SOURCES.md) attached to an assessment, flagged — never refused — when taken outside the
//! assessment year, long before attachment, or far from the hamlet the server placed; and the
//! same facts prepared for the reviewer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use hoctap_device::Device;
use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::model::{Subject, SubjectKind};
use hoctap_domain::plausibility::FlagKind;
use hoctap_domain::protocol::SyncResponse;
use hoctap_domain::time::Clock;
use hoctap_evidence::{IngestOptions, PhotoSource};
use hoctap_store::households::{NewHousehold, NewMember};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const HAMLET: &str = "0190d2a0-0000-7000-8000-00000000d001";
/// DSCN0010.jpg (Nikon COOLPIX P6000): taken 2008-10-22 16:28:39 (no offset), GPS near Arezzo,
/// Italy (43.4674483, 11.8851267) — read independently with exiftool (evidence tests).
const DSCN0010: &str = "gps/DSCN0010.jpg";
const AREZZO: (f64, f64) = (43.467_448, 11.885_127);
/// Hoàn Kiếm, Hà Nội (about).
const HANOI: (f64, f64) = (21.028_5, 105.854_2);

fn photos() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/photos")
}

fn opts() -> IngestOptions {
    IngestOptions {
        disk_reserve: 0,
        ..IngestOptions::default()
    }
}

/// A clock stopped at one moment in Việt Nam (+07:00), with distinct ids.
struct FixedClock {
    now: DateTime<Utc>,
    next: AtomicU64,
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.now
    }
    fn offset_minutes(&self) -> i32 {
        420
    }
    fn new_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("0190d2a0-0000-7000-8000-{n:012x}")
    }
}

/// A device whose clock reads `now` (UTC), with the server's hamlet "Thôn Đông" placed at
/// `place` (lat, lon, radius km) — or not placed — and a member of a household there.
fn device(now: &str, place: Option<(f64, f64, f64)>) -> (tempfile::TempDir, Device, String) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock {
        now: hoctap_domain::time::parse_rfc3339(now).unwrap(),
        next: AtomicU64::new(1),
    });
    let dev = Device::open_with_clock(dir.path(), clock).unwrap();
    let mut hamlet = serde_json::json!({
        "id": HAMLET, "name": "Thôn Đông", "kind": "thon", "commune_code": null,
    });
    if let Some((lat, lon, radius_km)) = place {
        hamlet["place"] = serde_json::json!({"lat": lat, "lon": lon, "radius_km": radius_km});
    }
    let page: SyncResponse = serde_json::from_value(serde_json::json!({
        "cursor": 1, "more": false, "server_time": now, "hamlets": [hamlet],
        "households": [], "criteria": [], "returned": [],
    }))
    .unwrap();
    dev.store().apply_page(&page).unwrap();
    let store = dev.store();
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: HAMLET.into(),
            head: "Lê Thị Chứng".into(),
            ..Default::default()
        })
        .unwrap();
    let m = store
        .add_member(
            &hh.id,
            &NewMember {
                name: "Lê Thị Chứng".into(),
                birth_year: Some(1980),
                ..Default::default()
            },
        )
        .unwrap()
        .id;
    (dir, dev, m)
}

fn start(dev: &Device, member: &str, year: i32) -> String {
    let set = builtin_set("cdht-324").unwrap();
    let subject = Subject {
        kind: SubjectKind::Member,
        id: member.into(),
    };
    dev.store()
        .start_assessment(&subject, &set, year)
        .unwrap()
        .id
}

fn kinds(flags: &[hoctap_domain::plausibility::Flag]) -> Vec<FlagKind> {
    flags.iter().map(|f| f.kind()).collect()
}

/// A copy of a photo in `dir` with every `from` in its bytes replaced by `to` (same length):
/// how a capture date in EXIF is changed without touching the shared files.
fn with_exif_date(src: &Path, dir: &Path, from: &str, to: &str) -> PathBuf {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(src).unwrap();
    let mut replaced = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from.as_bytes() {
            bytes[i..i + from.len()].copy_from_slice(to.as_bytes());
            replaced += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(replaced >= 2, "DateTimeOriginal and DateTimeDigitized");
    let out = dir.join("crafted.jpg");
    std::fs::write(&out, bytes).unwrap();
    out
}

#[test]
fn the_2008_italy_photo_is_flagged_on_a_2026_assessment_but_attached() {
    let (_dir, dev, m) = device("2026-03-10T02:00:00.000Z", Some((HANOI.0, HANOI.1, 2.0)));
    let a = start(&dev, &m, 2026);
    let p = dev
        .attach_photo(
            &a,
            "1.1",
            PhotoSource::Path(&photos().join(DSCN0010)),
            &opts(),
        )
        .unwrap();
    assert!(p.newly_attached, "flagged, never refused");
    assert_eq!(
        kinds(&p.flags),
        [
            FlagKind::TakenOutsideYear,
            FlagKind::TakenLongBefore,
            FlagKind::FarFromPlace
        ]
    );
    assert_eq!(
        p.flags[0].message_vi(),
        "Ảnh chụp năm 2008, không thuộc năm đánh giá 2026"
    );
    assert!(
        p.flags[2]
            .message_vi()
            .starts_with("Ảnh chụp cách thôn 8.7"),
        "{}",
        p.flags[2].message_vi()
    );
    assert_eq!(
        p.attached_at.as_deref(),
        Some("2026-03-10T09:00:00.000+07:00")
    );
    // Listed with the same flags; the assessment still counts the photo.
    let listed = dev.photos_of(&a).unwrap();
    assert_eq!(listed["1.1"][0].flags, p.flags);
    let json = serde_json::to_value(&listed).unwrap();
    assert_eq!(json["1.1"][0]["flags"][0]["code"], "taken_outside_year");
    assert_eq!(json["1.1"][0]["flags"][2]["level"], "hamlet");

    // Attached again to the same indicator: nothing new, and it says so.
    let again = dev
        .attach_photo(
            &a,
            "1.1",
            PhotoSource::Path(&photos().join(DSCN0010)),
            &opts(),
        )
        .unwrap();
    assert!(!again.newly_attached);
    assert_eq!(again.flags, p.flags);

    // The facts the reviewer's server gets: as stored, outside the hashed content.
    let facts = dev.store().photo_facts(&a).unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].sha256, p.sha256);
    assert_eq!(facts[0].taken_at.as_deref(), Some("2008-10-22T16:28:39"));
    let gps = facts[0].gps.unwrap();
    assert!((gps.lat - AREZZO.0).abs() < 1e-5 && (gps.lon - AREZZO.1).abs() < 1e-5);
    assert_eq!(
        facts[0].attached_at.as_deref(),
        Some("2026-03-10T09:00:00.000+07:00")
    );
}

#[test]
fn a_recent_photo_taken_in_the_hamlet_is_not_flagged() {
    let dir = tempfile::tempdir().unwrap();
    // The same camera photo with its capture date set to the day before attachment, and the
    // hamlet placed where it was taken.
    let recent = with_exif_date(
        &photos().join(DSCN0010),
        dir.path(),
        "2008:10:22",
        "2026:03:09",
    );
    let (_d, dev, m) = device(
        "2026-03-10T02:00:00.000Z",
        Some((AREZZO.0 + 0.005, AREZZO.1, 1.0)),
    );
    let a = start(&dev, &m, 2026);
    let p = dev
        .attach_photo(&a, "1.1", PhotoSource::Path(&recent), &opts())
        .unwrap();
    assert_eq!(p.taken_at.as_deref(), Some("2026-03-09T16:28:39"));
    assert!(p.flags.is_empty(), "{:?}", p.flags);
    assert!(dev.photos_of(&a).unwrap()["1.1"][0].flags.is_empty());
}

#[test]
fn without_a_place_only_time_is_checked_and_missing_gps_is_no_flag() {
    let (_dir, dev, m) = device("2026-03-10T02:00:00.000Z", None);
    let a = start(&dev, &m, 2026);
    // Far away, but the server set no place for the hamlet: no distance flag.
    let p = dev
        .attach_photo(
            &a,
            "1.1",
            PhotoSource::Path(&photos().join(DSCN0010)),
            &opts(),
        )
        .unwrap();
    assert_eq!(
        kinds(&p.flags),
        [FlagKind::TakenOutsideYear, FlagKind::TakenLongBefore]
    );
    // No EXIF at all (orientation sample): no capture time is flagged, no GPS is not.
    let p = dev
        .attach_photo(
            &a,
            "1.2",
            PhotoSource::Path(&photos().join("orientation/Landscape_1.jpg")),
            &opts(),
        )
        .unwrap();
    assert_eq!(p.taken_at, None);
    assert_eq!(kinds(&p.flags), [FlagKind::NoCaptureTime]);
}

#[test]
fn an_assessment_of_the_photos_year_flags_only_the_place() {
    // Nokia 8.3 5G: taken 2022-08-14T14:12:31+03:00 in Helsinki. Assessing 2022 the next day:
    // a one-day-old photo with a known offset, but thousands of km from the hamlet.
    let (_dir, dev, m) = device("2022-08-15T05:00:00.000Z", Some((HANOI.0, HANOI.1, 3.0)));
    let a = start(&dev, &m, 2022);
    let p = dev
        .attach_photo(
            &a,
            "1.1",
            PhotoSource::Path(&photos().join("phones/nokia-8.3-4608x1976.jpg")),
            &opts(),
        )
        .unwrap();
    assert_eq!(kinds(&p.flags), [FlagKind::FarFromPlace]);
}
