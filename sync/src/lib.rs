//! `hoctap-sync`: a device's sync with the aggregation server.
//!
//! - `machine` (sans-IO): decides the next HTTP request and what each response means. It reads
//!   and writes only through the [`Outbox`] trait, takes time from an injected clock and photo
//!   bytes from a [`BlobSource`]; it opens no socket, reads no file and never sleeps, so tests
//!   drive it with scripted replies;
//! - `outbox`: the [`Outbox`] trait and its implementation over the device store;
//! - `http`: the request and response values the machine deals in;
//! - `transport`: the [`Transport`] trait and its reqwest (rustls) implementation;
//! - `run`: the driver — backoff with jitter, progress, cancellation, the run log;
//! - `enroll`: trading a one-time code for a device token.

pub mod enroll;
pub mod error;
pub mod http;
pub mod machine;
pub mod outbox;
pub mod run;
pub mod transport;

pub use error::SyncError;
pub use http::{HttpRequest, HttpResponse, Method};
pub use machine::{BlobSource, Job, JobKind, Phase, SyncMachine, SyncOptions, SyncReport};
pub use outbox::{Outbox, StoreOutbox};
pub use run::{run_sync, CancelHandle, Outcome, Progress, ProgressSink, RetryPolicy, RunResult};
pub use transport::{ReqwestTransport, Transport, TransportError};
