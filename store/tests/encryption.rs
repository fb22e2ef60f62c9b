//! Encryption at rest of the device database (SQLCipher): a new encrypted store, the bytes on
//! disk, wrong and missing keys (refused, nothing changed), and the one-time encryption of a
//! clear database — same schema, same rows, triggers still enforcing immutability, leftovers of
//! a killed migration removed, refused while the database is open elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::engine::{AnswerValue, ItemAnswer};
use hoctap_domain::model::{Points, Subject, SubjectKind};
use hoctap_store::encryption::{self, FileState};
use hoctap_store::error::ErrorClass;
use hoctap_store::households::{HouseholdQuery, NewHousehold, NewMember};
use hoctap_store::units::NewHamlet;
use hoctap_store::{DbKey, Store, StoreError, DB_FILE};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;

/// A head of household with diacritics (NFC) and a member with an ASCII name.
const HEAD: &str = "Nguyễn Thị Hồng Nhung";
const ASCII_MEMBER: &str = "Tran Van Binh";

fn key(b: u8) -> DbKey {
    DbKey::from_bytes([b; 32])
}

/// A hamlet, a household, two members and a finalized assessment of one of them.
fn fill(store: &Store) -> String {
    let hamlet = store
        .add_hamlet(&NewHamlet {
            name: "Thôn Đông Sơn".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    let hh = store
        .add_household(&NewHousehold {
            hamlet_id: hamlet,
            head: HEAD.into(),
            address: Some("Xóm 3".into()),
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
    let info = store
        .start_assessment(&Subject::new(SubjectKind::Member, member), &set, 2026)
        .unwrap();
    for ind in set.indicators() {
        store
            .set_answer(
                &info.id,
                &ind.id,
                ItemAnswer {
                    value: Some(AnswerValue::Points(Points::whole(8))),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    store.finalize(&info.id).unwrap();
    info.id
}

/// Every file of the directory, by name, as bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// No name, and no clear SQLite header, in any file of `dir`.
fn assert_nothing_clear(dir: &Path) {
    let files = files(dir);
    assert!(files.contains_key(DB_FILE), "{:?}", files.keys());
    for (name, bytes) in &files {
        for needle in [HEAD.as_bytes(), ASCII_MEMBER.as_bytes(), b"SQLite format 3"] {
            assert!(
                !contains(bytes, needle),
                "{name} holds {:?} in clear",
                String::from_utf8_lossy(needle)
            );
        }
    }
}

fn schema(conn: &Connection) -> Vec<(String, String, String, Option<String>)> {
    let mut stmt = conn
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Every row of every table, as text, table by table.
fn all_rows(conn: &Connection) -> Vec<String> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1"))
            .unwrap();
        let n = stmt.column_count();
        let rows: Vec<String> = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect();
                Ok(format!("{t}: {}", cells.join(" | ")))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        out.extend(rows);
    }
    out
}

#[test]
fn a_new_encrypted_store_keeps_nothing_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = Store::open_dir_with_key(dir.path(), &key(1)).unwrap();
        assert!(store.is_encrypted());
        let mode: String = store
            .conn_for_tests()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let id = fill(&store);
        // Also while the write-ahead log still holds the latest pages.
        assert_nothing_clear(dir.path());
        id
    };
    assert_nothing_clear(dir.path());
    let path = dir.path().join(DB_FILE);
    assert_eq!(encryption::file_state(&path).unwrap(), FileState::Encrypted);

    let store = Store::open_dir_with_key(dir.path(), &key(1)).unwrap();
    store.verify(&id).unwrap();
    assert!(store.integrity_ok().unwrap());
    let found = store
        .list_households(&HouseholdQuery {
            search: Some("hong nhung".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].head, HEAD);
}

#[test]
fn wrong_or_missing_key_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open_dir_with_key(dir.path(), &key(1)).unwrap();
        fill(&store);
    }
    let before = files(dir.path());

    let e = Store::open_dir_with_key(dir.path(), &key(2)).err().unwrap();
    assert!(matches!(e, StoreError::WrongKey { .. }), "{e:?}");
    assert_eq!(e.class(), ErrorClass::Input);
    assert!(e.message_vi().contains("không đúng"), "{}", e.message_vi());
    assert_eq!(files(dir.path()), before, "a wrong key changed the files");

    let e = Store::open_dir(dir.path()).err().unwrap();
    assert!(matches!(e, StoreError::KeyRequired { .. }), "{e:?}");
    assert!(e.message_vi().contains("mã hoá"), "{}", e.message_vi());
    assert_eq!(
        files(dir.path()),
        before,
        "a keyless open changed the files"
    );

    // The right key still opens everything.
    let store = Store::open_dir_with_key(dir.path(), &key(1)).unwrap();
    assert_eq!(store.count_households(None).unwrap(), 1);
}

#[test]
fn a_clear_database_is_encrypted_on_its_first_keyed_open_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let (id, schema_before, rows_before) = {
        let store = Store::open(&path).unwrap();
        let id = fill(&store);
        let c = store.conn_for_tests();
        (id, schema(c), all_rows(c))
    };
    assert_eq!(encryption::file_state(&path).unwrap(), FileState::Clear);
    // The clear file holds the names: the test below means something.
    assert!(files(dir.path())
        .values()
        .any(|b| contains(b, HEAD.as_bytes())));

    let store = Store::open_with_key(&path, &key(3)).unwrap();
    assert!(store.is_encrypted());
    let c = store.conn_for_tests();
    assert_eq!(schema(c), schema_before, "schema changed");
    assert_eq!(all_rows(c), rows_before, "rows changed");
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, hoctap_store::schema::CURRENT_VERSION);
    store.verify(&id).unwrap();
    assert!(store.integrity_ok().unwrap());
    // The immutability triggers came along.
    let e = c
        .execute("UPDATE assessment SET total = 0 WHERE id = ?1", [&id])
        .unwrap_err();
    assert!(e.to_string().contains("finalized"), "{e}");
    let e = c
        .execute("DELETE FROM assessment WHERE id = ?1", [&id])
        .unwrap_err();
    assert!(e.to_string().contains("never deleted"), "{e}");
    // Writes keep working, in WAL mode again.
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    store
        .add_hamlet(&NewHamlet {
            name: "Thôn Mới".into(),
            ..Default::default()
        })
        .unwrap();
    drop(store);

    assert_nothing_clear(dir.path());
    assert!(!dir.path().join("hoctap.db.encrypting").exists());
    assert_eq!(encryption::file_state(&path).unwrap(), FileState::Encrypted);
    let store = Store::open_with_key(&path, &key(3)).unwrap();
    assert_eq!(store.hamlets().unwrap().len(), 2);
}

#[test]
fn leftovers_of_a_killed_migration_are_removed_and_it_runs_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let store = Store::open(&path).unwrap();
        fill(&store);
    }
    // What a kill during the export leaves: a partial copy and its journal.
    std::fs::write(dir.path().join("hoctap.db.encrypting"), b"partial copy").unwrap();
    std::fs::write(dir.path().join("hoctap.db.encrypting-journal"), b"journal").unwrap();
    // The clear data is still what opens without a key.
    assert_eq!(
        Store::open(&path).unwrap().count_households(None).unwrap(),
        1
    );

    let store = Store::open_with_key(&path, &key(4)).unwrap();
    assert_eq!(store.count_households(None).unwrap(), 1);
    drop(store);
    let names: Vec<String> = files(dir.path()).into_keys().collect();
    assert!(
        names.iter().all(|n| !n.contains("encrypting")),
        "leftovers: {names:?}"
    );
    assert_nothing_clear(dir.path());
}

#[test]
fn migration_waits_for_other_connections_and_leaves_clear_data_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let other = Store::open(&path).unwrap();
    fill(&other);
    let rows = all_rows(other.conn_for_tests());

    let e = Store::open_with_key(&path, &key(5)).err().unwrap();
    assert_eq!(e.class(), ErrorClass::Busy, "{e:?}");
    assert_eq!(encryption::file_state(&path).unwrap(), FileState::Clear);
    assert_eq!(all_rows(other.conn_for_tests()), rows);
    drop(other);

    let store = Store::open_with_key(&path, &key(5)).unwrap();
    assert_eq!(all_rows(store.conn_for_tests()), rows);
}

#[test]
fn a_fresh_encrypted_schema_equals_a_fresh_clear_one() {
    let dir = tempfile::tempdir().unwrap();
    let clear = Store::open(&dir.path().join("clear.db")).unwrap();
    let encrypted = Store::open_with_key(&dir.path().join("enc.db"), &key(6)).unwrap();
    assert_eq!(
        schema(clear.conn_for_tests()),
        schema(encrypted.conn_for_tests())
    );
    let sync: i64 = encrypted
        .conn_for_tests()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "synchronous = FULL");
}

#[test]
fn two_first_opens_at_once_take_turns_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let store = Store::open(&path).unwrap();
        fill(&store);
    }
    let households = Store::open(&path).unwrap().count_households(None).unwrap();
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                Store::open_with_key(&path, &key(7)).map(|s| s.count_households(None).unwrap())
            })
        })
        .collect();
    for open in opens {
        // Each open either sees the encrypted data or was told the file was busy; none lost it.
        match open.join().unwrap() {
            Ok(n) => assert_eq!(n, households),
            Err(e) => assert!(
                format!("{e:?}").contains("busy") || format!("{e:?}").contains("Busy"),
                "{e:?}"
            ),
        }
    }
    assert_eq!(encryption::file_state(&path).unwrap(), FileState::Encrypted);
    let store = Store::open_with_key(&path, &key(7)).unwrap();
    assert_eq!(store.count_households(None).unwrap(), households);
    assert_nothing_clear(dir.path());
}
