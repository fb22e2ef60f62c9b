//! Sync between a device and the aggregation server.
//!
//! - `protocol`: the wire messages, shared with the server;
//! - `state`: enrollment, cursor, clock skew and the outbox view kept in the store;
//! - `apply`: applying pulled roster, criteria and returned assessments;
//! - `machine`: the sans-IO engine (next request / apply response);
//! - `transport`: the HTTP trait and its reqwest implementation;
//! - `run`: the driver with backoff, progress and cancellation;
//! - `enroll`: trading a one-time code for a device token.

pub mod apply;
pub mod enroll;
pub mod error;
pub mod machine;
pub mod protocol;
pub mod run;
pub mod state;
pub mod transport;

pub use error::SyncError;
pub use machine::{
    HttpRequest, HttpResponse, Job, JobKind, Method, SyncMachine, SyncOptions, SyncReport,
};
pub use run::{run_sync, CancelHandle, Outcome, Progress, ProgressSink, RetryPolicy, RunResult};
pub use transport::{ReqwestTransport, Transport, TransportError};
