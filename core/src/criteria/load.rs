//! Loading a criteria set from TOML, with validation that reports every problem in one run.
//! (Being written.)

/// One problem found in a criteria file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationProblem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Every problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationReport {
    pub problems: Vec<ValidationProblem>,
}
