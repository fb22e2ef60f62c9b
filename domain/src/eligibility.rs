//! Who counts: the population a model's figures are taken over.
//!
//! The Công dân học tập denominator counts members aged [`ADULT_AGE`] or more in the year. This is
//! an inference: the official reports speak of "adults" without giving an age
//! (`../shared/domain/official-criteria.md`); it is documented as such in `docs/CLI.md`.

/// Age from which a member counts as an adult for Công dân học tập (inferred, see module docs).
pub const ADULT_AGE: i32 = 18;

/// Age in `year` of someone born in `birth_year`.
pub fn age(birth_year: i32, year: i32) -> i32 {
    year.saturating_sub(birth_year)
}

/// Whether someone born in `birth_year` counts as an adult in `year`.
pub fn is_adult(birth_year: i32, year: i32) -> bool {
    age(birth_year, year) >= ADULT_AGE
}
