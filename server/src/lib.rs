//! `hoctap-server`: the aggregation server of Sổ Học Tập. Devices enroll with a one-time code,
//! pull their hamlets' roster and published criteria (`/sync`), upload evidence photos in
//! resumable chunks (`/blobs`) and batches of finalized assessments (`/batches`), which the
//! server checks, re-scores with the core engine and keeps for review. Admin commands act on
//! the database directly.

#[macro_use]
pub mod output;

pub mod admin;
pub mod api;
pub mod blobs;
pub mod cli;
pub mod clock;
pub mod content_range;
pub mod db;
pub mod figures_cache;
pub mod intake;
pub mod qr;
pub mod rescore;
pub mod roster_file;
pub mod units;
pub mod web;
