//! The data key on the command line, and `hoctap key generate|status`.
//!
//! A data directory is encrypted when a command is given a key: `--key-file FILE` (or
//! `$HOCTAP_KEY_FILE`; 32 bytes or 64 hex digits), or a passphrase — `--passphrase` asks for it on
//! the terminal without echo (twice when it is new), `$HOCTAP_PASSPHRASE` gives it to scripts.
//! The passphrase becomes the key through argon2id with the directory's salt (`hoctap.kdf`). The
//! first command with a key encrypts a clear directory; without a key an encrypted one is refused
//! with a message saying which option to use.

use crate::error::{CliError, CliResult};
use crate::output;
use hoctap_device::{DataKey, DataState, Device, DeviceError};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// Environment variable giving the passphrase to scripts and tests.
pub const PASSPHRASE_ENV: &str = "HOCTAP_PASSPHRASE";

/// How this process was told to get the key.
#[derive(Debug, Clone, Default)]
pub struct KeyOptions {
    /// `--key-file` / `$HOCTAP_KEY_FILE`.
    pub key_file: Option<PathBuf>,
    /// `--passphrase`: ask on the terminal.
    pub passphrase: bool,
}

static OPTIONS: OnceLock<KeyOptions> = OnceLock::new();

/// Record the command line's key options (once, before any command runs).
pub fn set_options(options: KeyOptions) {
    let _ = OPTIONS.set(options);
}

/// Whether the command line gives a key at all.
pub fn key_given() -> bool {
    let o = OPTIONS.get().cloned().unwrap_or_default();
    o.key_file.is_some() || o.passphrase || std::env::var_os(PASSPHRASE_ENV).is_some()
}

/// The data key the command line gives for the data directory `dir`, if any.
pub fn data_key(dir: &Path) -> CliResult<Option<DataKey>> {
    let o = OPTIONS.get().cloned().unwrap_or_default();
    if let Some(file) = &o.key_file {
        return Ok(Some(
            DataKey::from_key_file(file).map_err(DeviceError::from)?,
        ));
    }
    if let Some(p) = std::env::var_os(PASSPHRASE_ENV) {
        let p = Zeroizing::new(p.into_string().map_err(|_| {
            CliError::invalid(format!("${PASSPHRASE_ENV} không phải văn bản UTF-8"))
                .with_detail(format!("${PASSPHRASE_ENV} is not UTF-8"))
        })?);
        return Ok(Some(
            DataKey::from_passphrase(dir, &p).map_err(DeviceError::from)?,
        ));
    }
    if o.passphrase {
        let p = ask(dir)?;
        return Ok(Some(
            DataKey::from_passphrase(dir, &p).map_err(DeviceError::from)?,
        ));
    }
    Ok(None)
}

/// Ask for the passphrase on the terminal, never echoed; twice when the directory has none yet.
fn ask(dir: &Path) -> CliResult<Zeroizing<String>> {
    let no_tty = |e: std::io::Error| {
        CliError::invalid(format!(
            "Không hỏi được mật khẩu (không có terminal); hãy dùng ${PASSPHRASE_ENV} hoặc --key-file"
        ))
        .with_detail(format!("cannot read a passphrase from the terminal: {e}"))
    };
    let first = Zeroizing::new(
        rpassword::prompt_password("Mật khẩu dữ liệu / data passphrase: ").map_err(no_tty)?,
    );
    let existing = DataKey::has_passphrase_file(dir)
        || Device::data_state(dir).map_err(CliError::from)? == DataState::Encrypted;
    if !existing {
        let again = Zeroizing::new(
            rpassword::prompt_password("Nhập lại mật khẩu / passphrase again: ").map_err(no_tty)?,
        );
        if *again != *first {
            return Err(CliError::invalid(
                "Hai lần nhập mật khẩu không khớp; dữ liệu chưa được mã hoá",
            )
            .with_detail("the two passphrases differ"));
        }
    }
    Ok(first)
}

/// `hoctap key generate FILE`: a new random key in a new file (64 hex digits, mode 0600).
pub fn generate(file: &Path) -> CliResult {
    let key = DataKey::generate().map_err(DeviceError::from)?;
    let mut text = Zeroizing::new(key.to_hex().to_string());
    text.push('\n');
    write_private(file, text.as_bytes()).map_err(|e| {
        let exists = e.kind() == std::io::ErrorKind::AlreadyExists;
        CliError {
            invalid: exists,
            message: if exists {
                format!("Tệp {} đã có; không ghi đè tệp khoá", file.display())
            } else {
                format!("Không ghi được tệp khoá {}", file.display())
            },
            detail: Some(format!("cannot write {}: {e}", file.display())),
            reported: false,
        }
    })?;
    outln!(
        "Đã tạo tệp khoá / key file written: {} — hãy cất giữ cẩn thận: mất khoá là mất dữ liệu",
        file.display()
    );
    Ok(())
}

#[cfg(unix)]
fn write_private(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// `hoctap key status`: whether the data directory is new, clear or encrypted.
pub fn status(data: Option<&Path>, json: bool) -> CliResult {
    let dir = super::data_dir(data)?;
    let state = Device::data_state(&dir)?;
    let passphrase_file = DataKey::has_passphrase_file(&dir);
    if json {
        #[derive(serde::Serialize)]
        struct Status {
            state: DataState,
            passphrase_file: bool,
        }
        return output::json(&Status {
            state,
            passphrase_file,
        });
    }
    outln!(
        "{}",
        match state {
            DataState::New => "Chưa có dữ liệu / no data yet",
            DataState::Clear => "Dữ liệu chưa mã hoá / clear (not encrypted)",
            DataState::Encrypted => "Dữ liệu đã mã hoá / encrypted",
        }
    );
    if passphrase_file {
        outln!("Khoá lấy từ mật khẩu / key from a passphrase (hoctap.kdf)");
    }
    Ok(())
}
