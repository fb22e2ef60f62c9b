//! Encryption at rest of a whole data directory: the database (SQLCipher) and every photo and
//! thumbnail file (XChaCha20-Poly1305), read raw, hold no member name and no JPEG; a clear
//! directory with photos is encrypted on its first keyed open without loss, including after a
//! kill between the database and the photos; a wrong key or passphrase is a typed error and
//! changes no byte of any file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_device::{DataKey, DataState, Device, DeviceError, KeyError, Kind};
use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::engine::{AnswerValue, ItemAnswer};
use hoctap_domain::model::{Points, Subject, SubjectKind};
use hoctap_evidence::seal::JPEG_MAGIC;
use hoctap_evidence::{IngestOptions, PhotoSource};
use hoctap_store::households::{NewHousehold, NewMember};
use hoctap_store::units::NewHamlet;
use hoctap_store::{Store, StoreError, DB_FILE};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const HEAD: &str = "Nguyễn Thị Hồng Nhung";
const ASCII_MEMBER: &str = "Tran Van Binh";
const HAMLET: &str = "Thôn Đông Sơn";

fn photos() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/photos")
}

fn opts() -> IngestOptions {
    IngestOptions {
        disk_reserve: 0,
        ..IngestOptions::default()
    }
}

/// A hamlet, a household of two members, a finalized assessment with two photos; returns the
/// assessment id and the photos' SHA-256.
fn fill(dev: &Device) -> (String, Vec<String>) {
    let store = dev.store();
    let hamlet = store
        .add_hamlet(&NewHamlet {
            name: HAMLET.into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: hamlet,
            head: HEAD.into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    store
        .add_member(
            &hh,
            &NewMember {
                name: HEAD.into(),
                birth_year: Some(1979),
                ..Default::default()
            },
        )
        .unwrap();
    let member = store
        .add_member(
            &hh,
            &NewMember {
                name: ASCII_MEMBER.into(),
                birth_year: Some(1975),
                ..Default::default()
            },
        )
        .unwrap()
        .id;
    let set = builtin_set("cdht-324").unwrap();
    let a = store
        .start_assessment(&Subject::new(SubjectKind::Member, member), &set, 2026)
        .unwrap();
    let mut shas = Vec::new();
    for file in ["gps/DSCN0010.jpg", "orientation/Landscape_6.jpg"] {
        let p = dev
            .attach_photo(
                &a.id,
                "1.1",
                PhotoSource::Path(&photos().join(file)),
                &opts(),
            )
            .unwrap();
        shas.push(p.sha256);
    }
    for ind in set.indicators() {
        store
            .set_answer(
                &a.id,
                &ind.id,
                ItemAnswer {
                    value: Some(AnswerValue::Points(Points::whole(8))),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    store.finalize(&a.id).unwrap();
    (a.id, shas)
}

/// Every file under `dir` (recursively), by relative path, as bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// No file under `dir` holds a name, a clear SQLite header or a JPEG: none starts with the JPEG
/// marker `FF D8 FF`, and none holds the first 32 bytes of any stored photo or thumbnail (a
/// JPEG's marker and header, exact: random ciphertext of a few hundred KB holds the 3-byte
/// marker by chance with a probability of a few percent, a 32-byte header never), nor the
/// `JFIF` / `Exif` identifiers.
fn assert_nothing_clear(dir: &Path, jpegs: &[Vec<u8>]) {
    let files = files(dir);
    assert!(files.contains_key(DB_FILE), "{:?}", files.keys());
    let photo_files = files.keys().filter(|k| k.ends_with(".jpg")).count();
    assert!(
        photo_files >= 4,
        "photos and thumbnails: {:?}",
        files.keys()
    );
    let mut needles: Vec<Vec<u8>> = [
        HEAD.as_bytes(),
        ASCII_MEMBER.as_bytes(),
        HAMLET.as_bytes(),
        b"SQLite format 3",
        b"JFIF\0",
        b"Exif\0\0",
    ]
    .iter()
    .map(|n| n.to_vec())
    .collect();
    needles.extend(jpegs.iter().map(|j| j[..32].to_vec()));
    for (name, bytes) in &files {
        assert!(!bytes.starts_with(JPEG_MAGIC), "{name} is a clear JPEG");
        for needle in &needles {
            assert!(
                !contains(bytes, needle),
                "{name} holds {:?} in clear",
                String::from_utf8_lossy(needle)
            );
        }
    }
}

/// The clear JPEGs (photo and thumbnail) of `shas`, read through the device.
fn jpegs(dev: &Device, shas: &[String]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for sha in shas {
        let photo = dev.photo_bytes(sha).unwrap();
        let thumb = dev.thumbnail_bytes(sha).unwrap();
        assert!(photo.starts_with(JPEG_MAGIC) && thumb.starts_with(JPEG_MAGIC));
        out.push(photo);
        out.push(thumb);
    }
    out
}

#[test]
fn an_encrypted_directory_keeps_no_name_and_no_jpeg_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    let dev = Device::open_with_key(dir.path(), &key).unwrap();
    assert!(dev.is_encrypted());
    let (id, shas) = fill(&dev);
    let clear = jpegs(&dev, &shas);
    // With the write-ahead log still open, and after closing.
    assert_nothing_clear(dir.path(), &clear);
    drop(dev);
    assert_nothing_clear(dir.path(), &clear);
    assert_eq!(
        Device::data_state(dir.path()).unwrap(),
        DataState::Encrypted
    );

    let dev = Device::open_with_key(dir.path(), &key).unwrap();
    dev.store().verify(&id).unwrap();
    assert_eq!(jpegs(&dev, &shas), clear);
    assert_eq!(dev.photos_of(&id).unwrap()["1.1"].len(), 2);
}

#[test]
fn a_clear_directory_with_photos_is_encrypted_on_its_first_keyed_open_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let (id, shas, clear, listed) = {
        let dev = Device::open(dir.path()).unwrap();
        let (id, shas) = fill(&dev);
        let clear = jpegs(&dev, &shas);
        let listed = dev.photos_of(&id).unwrap();
        (id, shas, clear, listed)
    };
    // The clear directory holds names and JPEGs: the checks below mean something.
    let before = files(dir.path());
    assert!(before.values().any(|b| contains(b, HEAD.as_bytes())));
    assert!(before.values().any(|b| b.starts_with(JPEG_MAGIC)));
    assert_eq!(Device::data_state(dir.path()).unwrap(), DataState::Clear);

    let key = DataKey::generate().unwrap();
    let dev = Device::open_with_key(dir.path(), &key).unwrap();
    assert_eq!(jpegs(&dev, &shas), clear, "photos lost or changed");
    assert_eq!(dev.photos_of(&id).unwrap(), listed, "photo rows changed");
    dev.store().verify(&id).unwrap();
    assert!(dev.store().integrity_ok().unwrap());
    drop(dev);
    assert_nothing_clear(dir.path(), &clear);

    // Keyless, the directory is refused; with the key, everything is there.
    let e = Device::open(dir.path()).err().unwrap();
    assert!(
        matches!(e, DeviceError::Store(StoreError::KeyRequired { .. })),
        "{e:?}"
    );
    let dev = Device::open_with_key(dir.path(), &key).unwrap();
    assert_eq!(jpegs(&dev, &shas), clear);
}

#[test]
fn a_kill_between_database_and_photos_is_finished_on_the_next_keyed_open() {
    let dir = tempfile::tempdir().unwrap();
    let (shas, clear) = {
        let dev = Device::open(dir.path()).unwrap();
        let (_, shas) = fill(&dev);
        let clear = jpegs(&dev, &shas);
        (shas, clear)
    };
    let key = DataKey::generate().unwrap();
    // What a kill right after the database's swap leaves: the database encrypted, the photos
    // clear, and a temp file of an interrupted photo rewrite.
    drop(Store::open_dir_with_key(dir.path(), &key.db_key().unwrap()).unwrap());
    let shard = dir.path().join("evidence").join(&shas[0][..2]);
    std::fs::write(shard.join(".tmp-1-0-0.part"), &clear[0][..100]).unwrap();
    assert!(files(dir.path())
        .iter()
        .any(|(n, b)| n.ends_with(".jpg") && b.starts_with(JPEG_MAGIC)));

    let dev = Device::open_with_key(dir.path(), &key).unwrap();
    assert_eq!(jpegs(&dev, &shas), clear);
    drop(dev);
    assert_nothing_clear(dir.path(), &clear);
}

#[test]
fn a_wrong_key_or_passphrase_is_a_typed_error_and_changes_no_byte() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::from_passphrase(dir.path(), "mật khẩu đúng").unwrap();
    let (id, shas) = {
        let dev = Device::open_with_key(dir.path(), &key).unwrap();
        fill(&dev)
    };
    let before = files(dir.path());

    let check = |e: DeviceError| {
        assert!(
            matches!(e, DeviceError::Store(StoreError::WrongKey { .. })),
            "{e:?}"
        );
        assert_eq!(e.kind(), Kind::Input);
        assert_eq!(
            e.message_vi(),
            "Khoá hoặc mật khẩu không đúng, không mở được dữ liệu đã mã hoá (dữ liệu vẫn nguyên vẹn)"
        );
        assert!(
            e.detail().contains("the key does not open"),
            "{}",
            e.detail()
        );
        assert_eq!(files(dir.path()), before, "a wrong key changed the files");
    };
    check(
        Device::open_with_key(dir.path(), &DataKey::generate().unwrap())
            .err()
            .unwrap(),
    );
    let wrong = DataKey::from_passphrase(dir.path(), "mật khẩu sai").unwrap();
    check(Device::open_with_key(dir.path(), &wrong).err().unwrap());
    // The same passphrase typed in another Unicode form (NFD) is the same key.
    let nfd = "ma\u{323}\u{302}t kha\u{302}\u{309}u đu\u{301}ng";
    let same = DataKey::from_passphrase(dir.path(), nfd).unwrap();
    let dev = Device::open_with_key(dir.path(), &same).unwrap();
    dev.store().verify(&id).unwrap();
    let rows = dev.store().photo_rows(&id).unwrap();
    assert_eq!(
        dev.photo_bytes(&shas[0]).unwrap().len() as u64,
        rows["1.1"][0].bytes
    );
}

#[test]
fn a_passphrase_on_a_directory_encrypted_with_a_key_file_writes_no_salt() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    drop(Device::open_with_key(dir.path(), &key).unwrap());
    let before = files(dir.path());
    let e = DataKey::from_passphrase(dir.path(), "mật khẩu").unwrap_err();
    assert!(matches!(e, KeyError::NoPassphraseFile { .. }), "{e:?}");
    assert!(e.is_user_error());
    assert!(e.message_vi().contains("tệp khoá"), "{}", e.message_vi());
    assert_eq!(files(dir.path()), before);
    assert!(matches!(
        DataKey::from_passphrase(dir.path(), "  "),
        Err(KeyError::EmptyPassphrase)
    ));
}
