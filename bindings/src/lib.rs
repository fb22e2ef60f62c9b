//! `hoctap-ffi`: the UniFFI façade over the core (`hoctap-device`, `hoctap-domain`) that the
//! Android and iOS shells call.
//!
//! One object, [`HoctapApp`], opened on the app's data directory and shared by every screen and
//! worker; records shaped for screens (Vietnamese labels from the core, points as numbers,
//! photos as file paths); one error enum, [`HoctapError`], of what the user can act on. The
//! shells render, capture photos and schedule work; they never score, validate or write SQL.
//!
//! Every call blocks (database, photo processing, network) and must run off the UI thread.
//! Calls are safe from any thread: the store sits behind a mutex, and a sync uses its own
//! connection. The API is documented for shell developers in `bindings/README.md`.

mod app;
mod error;
mod roster;
mod shell;
mod sync;
mod types;
mod view;

pub use app::{current_year, data_state, default_target, HoctapApp};
pub use error::{HoctapError, Result};
pub use shell::AppShell;
pub use sync::{CancelToken, SyncProgress};
pub use types::*;

uniffi::setup_scaffolding!();
