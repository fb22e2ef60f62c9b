//! Test helper: writes and finalizes assessments in a loop, as a phone would, and prints
//! `FINALIZED <id> <sha256>` only after each finalization has committed. The crash-safety test
//! kills it with SIGKILL at random moments and checks that every reported assessment survived.
//!
//! Usage: `crash-writer DATA_DIR HOUSEHOLD_ID SEED [KEY_HEX]` — with a key (64 hex digits) the
//! store is opened encrypted (SQLCipher), as a phone's is.

use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::engine::{AnswerValue, ItemAnswer};
use hoctap_domain::model::{Points, Subject, SubjectKind};
use hoctap_store::households::NewMember;
use hoctap_store::{DbKey, Store};
use rand::{Rng, SeedableRng};
use std::io::Write;

fn main() {
    if let Err(e) = run() {
        eprintln!("crash-writer: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, household, seed, key) = match args.as_slice() {
        [_, dir, household, seed] => (dir, household, seed, None),
        [_, dir, household, seed, key] => (dir, household, seed, Some(parse_key(key)?)),
        _ => return Err("usage: crash-writer DATA_DIR HOUSEHOLD_ID SEED [KEY_HEX]".into()),
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed.parse()?);
    let dir = std::path::Path::new(dir);
    let store = match &key {
        Some(key) => Store::open_dir_with_key(dir, key)?,
        None => Store::open_dir(dir)?,
    };
    let set = builtin_set("cdht-324").ok_or("cdht-324 missing")?;
    let stdout = std::io::stdout();
    writeln!(stdout.lock(), "READY")?;
    for n in 0.. {
        let member = store.add_member(
            household,
            &NewMember {
                name: format!("Người thử {seed}-{n}"),
                birth_year: Some(1960 + (n % 40)),
                ..Default::default()
            },
        )?;
        let subject = Subject {
            kind: SubjectKind::Member,
            id: member.id,
        };
        let info = store.start_assessment(&subject, &set, 2026)?;
        // Answers arrive one at a time, each autosaved in its own transaction.
        for ind in set.indicators() {
            let v = rng.gen_range(0..=10);
            store.set_answer(
                &info.id,
                &ind.id,
                ItemAnswer {
                    value: Some(AnswerValue::Points(Points::whole(v))),
                    note: (v < 5).then(|| "Cần cố gắng thêm".to_string()),
                    override_reason: None,
                },
            )?;
        }
        let done = store.finalize(&info.id)?;
        let mut out = stdout.lock();
        writeln!(out, "FINALIZED {} {}", done.id, done.content_sha256)?;
        out.flush()?;
    }
    Ok(())
}

/// A key from 64 hex digits.
fn parse_key(text: &str) -> Result<DbKey, Box<dyn std::error::Error>> {
    let mut key = [0u8; 32];
    if text.len() != 64 || !text.is_ascii() {
        return Err("a key is 64 hex digits".into());
    }
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2).ok_or("short key")?, 16)?;
    }
    Ok(DbKey::from_bytes(key))
}
