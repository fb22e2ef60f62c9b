//! CLI errors and their exit codes: 2 for invalid input or usage, 1 for any other failure.
//! The message is Vietnamese (what the core's typed error says for people); the English detail
//! of the same error goes with it for logs and support.

use hoctap_device::{DeviceError, Kind};
use hoctap_domain::criteria::ValidationReport;
use hoctap_domain::engine::InputError;
use hoctap_store::StoreError;
use hoctap_sync::SyncError;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for failures that are not the user's input (I/O, database, network).
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for invalid input or usage.
pub const EXIT_INVALID: i32 = 2;

/// A CLI failure.
#[derive(Debug)]
pub struct CliError {
    /// The user's input or usage is wrong (exit 2); otherwise exit 1.
    pub invalid: bool,
    /// Vietnamese, for people.
    pub message: String,
    /// English detail, for logs.
    pub detail: Option<String>,
    /// A JSON report of the problem was already printed on stdout.
    pub reported: bool,
}

impl CliError {
    /// The user's input or usage is wrong (exit 2).
    pub fn invalid(message: impl Into<String>) -> CliError {
        CliError {
            invalid: true,
            message: message.into(),
            detail: None,
            reported: false,
        }
    }

    /// Something else failed (exit 1).
    pub fn failure(message: impl Into<String>) -> CliError {
        CliError {
            invalid: false,
            message: message.into(),
            detail: None,
            reported: false,
        }
    }

    /// With an English detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> CliError {
        self.detail = Some(detail.into());
        self
    }

    /// Mark the problem as already reported in JSON on stdout.
    pub fn reported(mut self) -> CliError {
        self.reported = true;
        self
    }

    /// [`CliError::reported`] when `json` (one JSON document on stdout, never two).
    pub fn reported_if(mut self, json: bool) -> CliError {
        self.reported = json;
        self
    }

    pub fn exit_code(&self) -> i32 {
        if self.invalid {
            EXIT_INVALID
        } else {
            EXIT_FAILURE
        }
    }

    /// Stable machine code for `--json` error output.
    pub fn code(&self) -> &'static str {
        if self.invalid {
            "invalid_input"
        } else {
            "failure"
        }
    }

    fn of_kind(kind: Kind, message: String, detail: String) -> CliError {
        CliError {
            invalid: kind.is_user_error(),
            message,
            detail: Some(detail),
            reported: false,
        }
    }
}

impl From<DeviceError> for CliError {
    fn from(e: DeviceError) -> Self {
        CliError::of_kind(e.kind(), e.message_vi(), e.detail())
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        DeviceError::from(e).into()
    }
}

impl From<SyncError> for CliError {
    fn from(e: SyncError) -> Self {
        DeviceError::from(e).into()
    }
}

impl From<InputError> for CliError {
    fn from(e: InputError) -> Self {
        CliError::invalid(e.message_vi()).with_detail(e.detail())
    }
}

impl From<ValidationReport> for CliError {
    fn from(report: ValidationReport) -> Self {
        CliError::invalid(format!(
            "Tệp bộ tiêu chí có {} lỗi:\n{report}",
            report.problems.len()
        ))
    }
}

/// Read a file (or `-` for standard input) as UTF-8 text; a missing or unreadable file is the
/// user's error.
pub fn read_input(path: &str) -> Result<String, CliError> {
    use std::io::Read;
    if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            CliError::invalid("Không đọc được dữ liệu vào chuẩn")
                .with_detail(format!("cannot read standard input: {e}"))
        })?;
        return Ok(s);
    }
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::invalid(format!("Không đọc được tệp {path}"))
            .with_detail(format!("cannot read {path}: {e}"))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::invalid(format!("Tệp {path} không phải văn bản UTF-8"))
            .with_detail(format!("{path} is not UTF-8 text"))
    })
}

pub type CliResult<T = ()> = Result<T, CliError>;
