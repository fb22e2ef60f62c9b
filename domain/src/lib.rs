//! `hoctap-domain`: what Sổ Học Tập knows, with no I/O. The model, criteria sets as versioned data
//! (types, loader with whole-file validation, the built-in sets), the pure engine, the canonical
//! assessment and its hash, the wire protocol, the states and their lifecycle, targets,
//! eligibility, roster files and field rules, Vietnamese text and labels.
//!
//! No database, network, filesystem or clock: time comes in through [`time::Clock`], files as
//! text or bytes. `clippy.toml` in this folder forbids the std and chrono calls that would do
//! I/O, and a test checks the dependency list, so the rule holds as the crate grows.

pub mod assessment;
pub mod assessment_check;
pub mod code;
pub mod criteria;
pub mod eligibility;
pub mod engine;
pub mod labels;
pub mod model;
pub mod plausibility;
pub mod protocol;
pub mod protocol_check;
pub mod roster;
pub mod state;
pub mod targets;
pub mod text;
pub mod time;
pub mod units;
pub mod url;

/// Version of the evaluation engine, recorded with every evaluation.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
