//! Encryption at rest on the command line: `key generate`, `--key-file`, `$HOCTAP_PASSPHRASE`,
//! the first keyed command encrypting a clear directory (database and photos), and the exit
//! codes and messages of a missing, wrong or malformed key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const NAME: &str = "Nguyễn Thị Đào";

fn hoctap(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoctap"));
    cmd.arg("--data")
        .arg(data)
        .args(args)
        .env_remove("HOCTAP_DATA")
        .env_remove("HOCTAP_KEY_FILE")
        .env_remove("HOCTAP_PASSPHRASE")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn photo() -> String {
    format!(
        "{}/../../shared/testdata/photos/gps/DSCN0010.jpg",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn assert_nothing_clear(dir: &Path) {
    for (name, bytes) in files(dir) {
        assert!(!bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "{name} is a JPEG");
        assert!(!contains(&bytes, NAME.as_bytes()), "{name} holds the name");
        assert!(!contains(&bytes, b"SQLite format 3"), "{name} is clear");
    }
}

/// A hamlet, a household and a photo in the data directory's photo folder; the photo's SHA-256.
fn fill(d: &Path, env: &[(&str, &str)]) -> String {
    json(&hoctap(d, &["hamlet", "add", "Thôn Đông", "--json"], env));
    json(&hoctap(
        d,
        &[
            "household",
            "add",
            "--hamlet",
            "Thôn Đông",
            "--head",
            NAME,
            "--json",
        ],
        env,
    ));
    let p = json(&hoctap(d, &["evidence", "ingest", &photo(), "--json"], env));
    p["sha256"].as_str().unwrap().to_string()
}

#[test]
fn a_key_file_encrypts_a_clear_directory_and_is_needed_from_then_on() {
    let tmp = tempfile::tempdir().unwrap();
    let d = &tmp.path().join("data");
    let sha = fill(d, &[]);
    assert!(files(d).iter().any(|(_, b)| contains(b, NAME.as_bytes())));
    assert_eq!(
        json(&hoctap(d, &["key", "status", "--json"], &[]))["state"],
        "clear"
    );

    let key = tmp.path().join("k.hex");
    let key = key.to_str().unwrap();
    assert!(hoctap(d, &["key", "generate", key], &[]).status.success());
    let again = hoctap(d, &["key", "generate", key], &[]);
    assert_eq!(again.status.code(), Some(2), "never overwrites a key file");
    assert!(
        stderr(&again).contains("không ghi đè"),
        "{}",
        stderr(&again)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The first keyed command encrypts database and photos, and finds everything.
    let list = json(&hoctap(
        d,
        &["--key-file", key, "household", "list", "--json"],
        &[],
    ));
    assert_eq!(list[0]["head"], NAME, "{list}");
    assert_nothing_clear(d);
    assert_eq!(
        json(&hoctap(d, &["key", "status", "--json"], &[]))["state"],
        "encrypted"
    );
    // The key from the environment, and the photo back out as a JPEG.
    let out = tmp.path().join("out.jpg");
    let exported = hoctap(
        d,
        &["evidence", "export", &sha, out.to_str().unwrap()],
        &[("HOCTAP_KEY_FILE", key)],
    );
    assert!(exported.status.success(), "{}", stderr(&exported));
    assert!(std::fs::read(&out)
        .unwrap()
        .starts_with(&[0xFF, 0xD8, 0xFF]));

    // Without a key: exit 2, saying which option to use.
    let before = files(d);
    let no_key = hoctap(d, &["household", "list"], &[]);
    assert_eq!(no_key.status.code(), Some(2), "{}", stderr(&no_key));
    let e = stderr(&no_key);
    assert!(
        e.starts_with("Lỗi: Dữ liệu trên máy đã được mã hoá") && e.contains("--key-file"),
        "{e}"
    );
    assert!(
        e.contains("detail: database") && e.contains("is encrypted"),
        "{e}"
    );

    // A wrong key: exit 2, nothing changed.
    let other = tmp.path().join("other.hex");
    let other = other.to_str().unwrap();
    assert!(hoctap(d, &["key", "generate", other], &[]).status.success());
    let wrong = hoctap(d, &["--key-file", other, "household", "list"], &[]);
    assert_eq!(wrong.status.code(), Some(2));
    let e = stderr(&wrong);
    assert!(
        e.starts_with("Lỗi: Khoá hoặc mật khẩu không đúng") && e.contains("the key does not open"),
        "{e}"
    );
    // A passphrase on a directory encrypted with a key file: exit 2, no salt file written.
    let pass = hoctap(
        d,
        &["household", "list"],
        &[("HOCTAP_PASSPHRASE", "mật khẩu")],
    );
    assert_eq!(pass.status.code(), Some(2));
    assert!(stderr(&pass).contains("tệp khoá"), "{}", stderr(&pass));
    // A malformed key file: exit 2.
    let bad = tmp.path().join("bad.key");
    std::fs::write(&bad, "not a key").unwrap();
    let out = hoctap(
        d,
        &["--key-file", bad.to_str().unwrap(), "household", "list"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("không hợp lệ"), "{}", stderr(&out));
    let missing = hoctap(
        d,
        &["--key-file", "/nonexistent/k", "household", "list"],
        &[],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(files(d), before, "a refused command changed the files");
}

#[test]
fn a_passphrase_makes_the_key_with_argon2id() {
    let tmp = tempfile::tempdir().unwrap();
    let d = &tmp.path().join("data");
    let pass = [("HOCTAP_PASSPHRASE", "mật khẩu của thôn")];
    fill(d, &pass);
    assert_nothing_clear(d);
    let status = json(&hoctap(d, &["key", "status", "--json"], &[]));
    assert_eq!(status["state"], "encrypted");
    assert_eq!(status["passphrase_file"], true);
    let kdf: Value = serde_json::from_slice(&std::fs::read(d.join("hoctap.kdf")).unwrap()).unwrap();
    assert_eq!(kdf["kdf"], "argon2id");
    assert_eq!(kdf["m_kib"], 65536);

    let list = json(&hoctap(d, &["household", "list", "--json"], &pass));
    assert_eq!(list[0]["head"], NAME);
    let wrong = hoctap(
        d,
        &["household", "list"],
        &[("HOCTAP_PASSPHRASE", "mật khẩu sai")],
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(stderr(&wrong).contains("không đúng"), "{}", stderr(&wrong));
    let empty = hoctap(d, &["household", "list"], &[("HOCTAP_PASSPHRASE", " ")]);
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("Mật khẩu không được để trống"));
    // --passphrase without a terminal: exit 2, pointing at the environment variable.
    let tty = hoctap(d, &["--passphrase", "household", "list"], &[]);
    assert_eq!(tty.status.code(), Some(2), "{}", stderr(&tty));
    assert!(
        stderr(&tty).contains("HOCTAP_PASSPHRASE"),
        "{}",
        stderr(&tty)
    );
}
