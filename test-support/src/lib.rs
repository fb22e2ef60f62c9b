//! Test and benchmark support shared by the server's integration tests (`server/tests`) and the
//! end-to-end tests and benchmark (`tests/`, package `hoctap-e2e`):
//!
//! - [`harness`]: the real server binary on loopback, over SQLite (always) or a fresh PostgreSQL
//!   database (when `HOCTAP_TEST_PG_URL` is set), its admin commands, a tiny raw HTTP/1.1
//!   client (so malformed requests can be sent as they are) and the [`both_backends!`] macro;
//! - [`pg`]: throw-away PostgreSQL databases;
//! - [`proxy`]: a fault-injecting TCP proxy;
//! - [`fixtures`]: finalized assessments built with the domain alone, as a device uploads them.
//!
//! The server binary is a parameter ([`Harness`], [`Env::new`]): each test crate passes its own
//! `env!("CARGO_BIN_EXE_…")`. Only domain-level dependencies: the server package dev-depends on
//! this crate and must not pull in the device stack (reqwest, the photo pipeline, the store).
// Test code: a failed expectation here is a failed test, so it may unwrap, expect and panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod fixtures;
pub mod harness;
pub mod pg;
pub mod proxy;

pub use fixtures::{fixture, new_uuid, rewrite, simple, FixtureOptions};
pub use harness::{
    add_hamlet, cargo_built_server, enroll_code, enroll_device, qr_png, Backend, Env, Harness,
    Resp, Server, Setup,
};
