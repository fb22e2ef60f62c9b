//! Crash safety: a writer process that creates, answers and finalizes assessments is killed
//! with SIGKILL at 200 random moments. After each kill the database passes
//! `PRAGMA integrity_check`, and every assessment the writer reported finalized is present,
//! still finalized, with the same content hash, and intact (content matches hash and rows).
//! The same again on an encrypted store (SQLCipher): the directory starts clear, the writer's
//! first keyed open encrypts it, and every later kill hits the encrypted database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_store::encryption::{self, FileState};
use hoctap_store::households::NewHousehold;
use hoctap_store::units::NewHamlet;
use hoctap_store::{DbKey, Store, DB_FILE};
use rand::{Rng, SeedableRng};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const KILLS: u64 = 200;

#[test]
fn sigkill_at_200_random_moments_loses_nothing_reported() {
    kill_rounds(None);
}

#[test]
fn sigkill_at_200_random_moments_on_an_encrypted_store_loses_nothing_reported() {
    kill_rounds(Some([0xA7; 32]));
}

/// The store as the app opens it after a crash: with the key when there is one.
fn open(dir: &std::path::Path, key: Option<[u8; 32]>) -> Store {
    match key {
        Some(k) => Store::open_dir_with_key(dir, &DbKey::from_bytes(k)).unwrap(),
        None => Store::open_dir(dir).unwrap(),
    }
}

fn kill_rounds(key: Option<[u8; 32]>) {
    let key_hex: Option<String> = key.map(|k| k.iter().map(|b| format!("{b:02x}")).collect());
    let dir = tempfile::tempdir().unwrap();
    let household = {
        let store = Store::open_dir(dir.path()).unwrap();
        let hamlet = store
            .add_hamlet(&NewHamlet {
                name: "Thôn Thử Nghiệm".into(),
                ..Default::default()
            })
            .unwrap();
        store
            .add_household(&NewHousehold {
                hamlet_id: hamlet.id,
                head: "Nguyễn Văn Thử".into(),
                ..Default::default()
            })
            .unwrap()
            .id
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let mut reported: Vec<(String, String)> = Vec::new();
    let mut kills_mid_work = 0;
    for round in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash-writer"))
            .arg(dir.path())
            .arg(&household)
            .arg(round.to_string())
            .args(key_hex.iter())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until the writer has opened the database, then let it run a random while.
        let ready = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(ready, "READY");
        std::thread::sleep(Duration::from_micros(rng.gen_range(0..250_000)));
        let still_running = child.try_wait().unwrap().is_none();
        assert!(
            still_running,
            "writer exited early: {:?}",
            child
                .wait_with_output()
                .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        );
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        let mut this_round = Vec::new();
        for line in rx.try_iter() {
            let parts: Vec<&str> = line.split(' ').collect();
            if let ["FINALIZED", id, sha] = parts.as_slice() {
                this_round.push((id.to_string(), sha.to_string()));
            }
        }
        if this_round.is_empty() {
            kills_mid_work += 1;
        }
        // Open as the app would after a crash.
        let store = open(dir.path(), key);
        assert!(
            store.integrity_ok().unwrap(),
            "integrity_check after kill {round}"
        );
        for (id, sha) in &this_round {
            let info = store.assessment(id).unwrap();
            assert!(info.is_finalized(), "{id} after kill {round}");
            assert_eq!(info.content_sha256.as_deref(), Some(sha.as_str()));
            store.verify(id).unwrap();
        }
        reported.extend(this_round);
    }
    // At the end, everything ever reported is still there and intact.
    let store = open(dir.path(), key);
    if key.is_some() {
        let state = encryption::file_state(&dir.path().join(DB_FILE)).unwrap();
        assert_eq!(state, FileState::Encrypted);
        assert!(store.is_encrypted());
    }
    assert!(store.integrity_ok().unwrap());
    for (id, sha) in &reported {
        let info = store.assessment(id).unwrap();
        assert_eq!(info.content_sha256.as_deref(), Some(sha.as_str()));
        store.verify(id).unwrap();
    }
    let c = store.outbox_counts().unwrap();
    let finalized = c.queued + c.sending + c.sent + c.needs_correction + c.wedged;
    assert!(finalized as usize >= reported.len());
    assert!(
        !reported.is_empty(),
        "the writer must have finalized something"
    );
    eprintln!(
        "{KILLS} kills{}: {} assessments reported finalized and verified; {kills_mid_work} kills before any finalization in their round",
        if key.is_some() { " (encrypted store)" } else { "" },
        reported.len()
    );
}
