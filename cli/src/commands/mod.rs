//! Subcommand implementations, one module per area, plus opening the data directory.

pub mod assess;
pub mod criteria;
pub mod demo;
pub mod evidence;
pub mod groups;
pub mod households;
pub mod import;
pub mod key;
pub mod roster_edit;
pub mod score;
pub mod sync;

use crate::error::{CliError, CliResult};
use hoctap_device::Device;
use hoctap_domain::time::Clock;
use hoctap_store::StoreError;
use std::path::{Path, PathBuf};

/// The data directory: `--data`, else `$HOCTAP_DATA` (handled by clap), else the platform's
/// data directory (`~/.local/share/hoctap` on Linux).
pub fn data_dir(data: Option<&Path>) -> CliResult<PathBuf> {
    if let Some(d) = data {
        return Ok(d.to_path_buf());
    }
    dirs::data_dir().map(|d| d.join("hoctap")).ok_or_else(|| {
        CliError::invalid("Không xác định được thư mục dữ liệu; dùng --data DIR")
            .with_detail("no data directory: use --data DIR")
    })
}

/// Open (creating if needed) the data directory, with the key the command line gives
/// (`commands::key`): encrypted, or clear without a key.
pub fn open_device(data: Option<&Path>) -> CliResult<Device> {
    use hoctap_device::DeviceError;
    let dir = data_dir(data)?;
    let opened = match key::data_key(&dir)? {
        Some(k) => Device::open_with_key(&dir, &k),
        None => Device::open(&dir),
    };
    opened.map_err(|e| match e {
        DeviceError::Store(e @ StoreError::KeyRequired { .. }) => CliError::invalid(format!(
            "{} — dùng --key-file TỆP hoặc --passphrase (script: $HOCTAP_KEY_FILE, ${})",
            e.message_vi(),
            key::PASSPHRASE_ENV
        ))
        .with_detail(e.detail()),
        DeviceError::Store(
            e @ (StoreError::SchemaTooNew { .. }
            | StoreError::WrongKey { .. }
            | StoreError::EncryptionFailed { .. }),
        ) => e.into(),
        e @ DeviceError::Key(_) => e.into(),
        other => CliError::failure(format!("Không mở được dữ liệu ở {}", dir.display()))
            .with_detail(other.detail()),
    })
}

/// The current year on this device.
pub fn this_year() -> i32 {
    hoctap_store::SystemClock.current_year()
}
