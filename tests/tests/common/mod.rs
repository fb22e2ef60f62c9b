//! The shared test harness (`hoctap-test-support`: server process, raw HTTP client, throw-away
//! PostgreSQL databases, fault-injecting proxy) on this package's `hoctap-server-e2e` binary —
//! the real server, built here because the server package cannot dev-depend on the device stack.

pub use hoctap_test_support::*;

/// The server under test.
pub const SERVER: Harness = Harness::new(env!("CARGO_BIN_EXE_hoctap-server-e2e"));
