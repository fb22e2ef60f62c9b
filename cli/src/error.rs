//! CLI errors and their exit codes: 2 for invalid input or usage, 1 for any other failure.
//! Messages are Vietnamese first, then English.

use hoctap_core::criteria::load::CriteriaError;
use hoctap_core::engine::InputError;
use hoctap_core::store::StoreError;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for failures that are not the user's input (I/O, database).
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for invalid input or usage.
pub const EXIT_INVALID: i32 = 2;

/// A CLI failure.
#[derive(Debug)]
pub enum CliError {
    /// The user's input or usage is wrong (exit 2).
    Invalid(String),
    /// Something else failed (exit 1).
    Failure(String),
    /// Invalid input whose JSON report was already printed on stdout (exit 2).
    InvalidReported(String),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Invalid(_) | CliError::InvalidReported(_) => EXIT_INVALID,
            CliError::Failure(_) => EXIT_FAILURE,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            CliError::Invalid(m) | CliError::Failure(m) | CliError::InvalidReported(m) => m,
        }
    }

    /// Stable machine code for `--json` error output.
    pub fn code(&self) -> &'static str {
        match self {
            CliError::Invalid(_) | CliError::InvalidReported(_) => "invalid_input",
            CliError::Failure(_) => "failure",
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        if e.is_user_error() {
            CliError::Invalid(e.to_string())
        } else {
            CliError::Failure(e.to_string())
        }
    }
}

impl From<InputError> for CliError {
    fn from(e: InputError) -> Self {
        CliError::Invalid(e.to_string())
    }
}

impl From<CriteriaError> for CliError {
    fn from(e: CriteriaError) -> Self {
        match e {
            CriteriaError::Invalid(report) => CliError::Invalid(report.to_string()),
            io @ CriteriaError::Io { .. } => CliError::Invalid(io.to_string()),
        }
    }
}

/// Read a file (or `-` for standard input) as UTF-8 text; a missing or unreadable file is the
/// user's error.
pub fn read_input(path: &str) -> Result<String, CliError> {
    use std::io::Read;
    if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            CliError::Invalid(format!(
                "Không đọc được dữ liệu vào chuẩn / cannot read standard input: {e}"
            ))
        })?;
        return Ok(s);
    }
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::Invalid(format!(
            "Không đọc được tệp {path} / cannot read {path}: {e}"
        ))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::Invalid(format!(
            "Tệp {path} không phải văn bản UTF-8 / {path} is not UTF-8 text"
        ))
    })
}

pub type CliResult<T = ()> = Result<T, CliError>;
