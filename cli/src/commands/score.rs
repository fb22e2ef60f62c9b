//! `hoctap score`: pure evaluation of answers against a set, no database.

use crate::error::{read_input, CliResult};
use crate::output;
use crate::ScoreArgs;
use hoctap_domain::engine::{evaluate, Answers};

pub fn run(args: &ScoreArgs) -> CliResult {
    let set = super::criteria::resolve_pure(&args.criteria)?;
    let text = read_input(&args.answers)?;
    let answers = Answers::from_json(&set, &text, args.year.unwrap_or_else(super::this_year))?;
    let evaluation = evaluate(&set, &answers)?;
    if args.json {
        output::json(&evaluation)
    } else {
        output::evaluation_text(&evaluation);
        Ok(())
    }
}
