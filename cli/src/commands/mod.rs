//! Subcommand implementations, one module per area, plus opening the data directory.

pub mod assess;
pub mod criteria;
pub mod demo;
pub mod evidence;
pub mod households;
pub mod score;
pub mod sync;

use crate::error::{CliError, CliResult};
use hoctap_core::store::Store;
use std::path::{Path, PathBuf};

/// The data directory: `--data`, else `$HOCTAP_DATA` (handled by clap), else the platform's
/// data directory (`~/.local/share/hoctap` on Linux).
pub fn data_dir(data: Option<&Path>) -> CliResult<PathBuf> {
    if let Some(d) = data {
        return Ok(d.to_path_buf());
    }
    dirs::data_dir().map(|d| d.join("hoctap")).ok_or_else(|| {
        CliError::Invalid(
            "Không xác định được thư mục dữ liệu; dùng --data DIR / no data directory: use --data DIR"
                .into(),
        )
    })
}

/// Open (creating if needed) the store in the data directory.
pub fn open_store(data: Option<&Path>) -> CliResult<Store> {
    let dir = data_dir(data)?;
    Store::open_dir(&dir).map_err(|e| match e {
        hoctap_core::store::StoreError::SchemaTooNew { .. } => CliError::Failure(e.to_string()),
        other => CliError::Failure(format!(
            "Không mở được dữ liệu ở {} / cannot open data: {other}",
            dir.display()
        )),
    })
}

/// The current year on this device.
pub fn this_year() -> i32 {
    hoctap_core::clock::current_year()
}
