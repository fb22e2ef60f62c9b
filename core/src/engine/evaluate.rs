//! Evaluation of a set against answers. (Being written.)

use super::{Answers, Evaluation, InputError};
use crate::criteria::CriteriaSet;

/// Evaluate `set` against `answers`.
pub fn evaluate(_set: &CriteriaSet, _answers: &Answers) -> Result<Evaluation, InputError> {
    Err(InputError::Malformed("engine not written yet".into()))
}
