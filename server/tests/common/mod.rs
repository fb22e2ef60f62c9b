//! The shared test harness (`hoctap-test-support`: server process, raw HTTP client, throw-away
//! PostgreSQL databases, fixtures) on this package's `hoctap-server` binary.

pub use hoctap_test_support::*;

/// The server under test.
pub const SERVER: Harness = Harness::new(env!("CARGO_BIN_EXE_hoctap-server"));
