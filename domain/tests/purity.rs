//! The domain crate stays pure: no dependency that does I/O, and no I/O call in its sources.
//! (Clippy's `disallowed-methods` in `domain/clippy.toml` catches calls as they are written;
//! this test also catches a new dependency.)
// Tests read files; the domain itself may not (clippy.toml).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::path::Path;

#[test]
fn no_io_dependencies() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("read Cargo.toml");
    for forbidden in [
        "rusqlite", "sqlx", "reqwest", "tokio", "hyper", "axum", "jpeg", "png", "fs4", "tempfile",
        "dirs", "rand",
    ] {
        let deps = manifest
            .split("[dependencies]")
            .nth(1)
            .and_then(|s| s.split("\n[").next())
            .unwrap_or("");
        assert!(
            !deps.lines().any(|l| l.trim_start().starts_with(forbidden)),
            "hoctap-domain must not depend on {forbidden}"
        );
    }
}

#[test]
fn no_io_calls_in_sources() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    let mut checked = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            for forbidden in [
                "std::fs",
                "std::net",
                "std::process",
                "std::env::var",
                "Utc::now",
                "Local::now",
                "SystemTime",
                "Instant::now",
                "now_v7",
            ] {
                assert!(
                    !text.contains(forbidden),
                    "{}: uses {forbidden}; the domain does no I/O",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 10, "found only {checked} source files");
}
