//! Writing to the terminal without panicking: `println!` panics when stdout is closed
//! (`hoctap-server admin device list --json | head`), so every admin output goes through these
//! macros, which ignore write errors (a reader that stopped reading is not a failure).

/// `println!` that never panics.
#[macro_export]
macro_rules! outln {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `eprintln!` that never panics.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}
