//! `hoctap-core`: the domain model, criteria engine, offline store, evidence photos and sync logic
//! of Sổ Học Tập. No FFI and no UI live here; shells (CLI, UniFFI bindings, server) sit on top.

pub mod clock;
pub mod criteria;
pub mod engine;
pub mod evidence;
pub mod model;
pub mod store;
pub mod sync;
pub mod text;

/// Version of the evaluation engine, recorded with every evaluation.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
