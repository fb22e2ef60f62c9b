//! `hoctap score`: pure evaluation of answers against a set, no database. A calculator: it scores
//! any set for any year, but warns (on stderr) when the set's period does not include the year,
//! since a new assessment would be refused (`hoctap_domain::eligibility`).

use crate::error::{read_input, CliResult};
use crate::output;
use crate::ScoreArgs;
use hoctap_domain::criteria::LoadedSet;
use hoctap_domain::eligibility::check_new_assessment;
use hoctap_domain::engine::{evaluate, Answers};

pub fn run(args: &ScoreArgs) -> CliResult {
    let set = super::criteria::resolve_pure(&args.criteria)?;
    let text = read_input(&args.answers)?;
    let answers = Answers::from_json(&set, &text, args.year.unwrap_or_else(super::this_year))?;
    warn_if_not_assessable(&set, &answers);
    let evaluation = evaluate(&set, &answers)?;
    if args.json {
        output::json(&evaluation)
    } else {
        output::evaluation_text(&evaluation);
        Ok(())
    }
}

/// Warn when an assessment with these inputs could not be started: the set's period does not
/// include the year, or a member given is outside the set's eligibility (the evaluation also
/// reports the latter as `ineligible`).
fn warn_if_not_assessable(set: &LoadedSet, answers: &Answers) {
    if let Err(e) = check_new_assessment(set, answers.year, &answers.members) {
        errln!(
            "Cảnh báo: {} (chỉ tính thử, không tạo phiếu đánh giá)",
            e.message_vi()
        );
    }
}
