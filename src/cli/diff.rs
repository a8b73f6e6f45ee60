//! `covenant diff OLD.cov NEW.cov [--scenarios PATH…]`, `covenant diff AMENDMENT.cov`
//! and `covenant diff FILE --interpretation NAME` (one contract, two readings).

use std::path::PathBuf;

use serde::Serialize;

use super::{eprint_diagnostics, Exit, Format};
use crate::pipeline::{diff, diff_interpretations};
use crate::report::diff::{
    render_contract_diff, render_scenario_diffs, ContractDiff, ScenarioDiff,
};
use crate::workspace::Workspace;

#[derive(Serialize)]
struct DiffReport<'a> {
    schema: &'static str,
    differs: bool,
    contract: Option<&'a ContractDiff>,
    scenarios: &'a [ScenarioDiff],
}

/// Prints the diff; exit 0 when nothing differs, 1 when something does, 2 when the inputs have errors.
pub fn run(
    files: &[PathBuf],
    scenarios: &[PathBuf],
    interpretations: &[String],
    format: Format,
    color: bool,
) -> Exit {
    let mut ws = Workspace::new();
    if !interpretations.is_empty() {
        let [file] = files else {
            eprintln!("error: with --interpretation, give one contract (or amendment): covenant diff FILE --interpretation NAME");
            return Exit::Usage;
        };
        let result = diff_interpretations(&mut ws, file, interpretations, scenarios);
        return report(&result, &ws, scenarios, format, color);
    }
    let (old, new) = match files {
        [new] => (None, new),
        [old, new] => (Some(old.as_path()), new),
        _ => {
            eprintln!("error: give one amendment, or two files: covenant diff OLD.cov NEW.cov");
            return Exit::Usage;
        }
    };
    let result = diff(&mut ws, old, new, scenarios);
    report(&result, &ws, scenarios, format, color)
}

/// Prints a diff's result and chooses the exit code.
fn report(
    result: &crate::pipeline::DiffRun,
    ws: &Workspace,
    scenarios: &[PathBuf],
    format: Format,
    color: bool,
) -> Exit {
    if result.contract.is_none() {
        eprint_diagnostics(&result.diagnostics, &ws.sources, color);
        return Exit::Usage;
    }
    match format {
        Format::Text => {
            if let Some(c) = &result.contract {
                super::out!("{}", render_contract_diff(c));
            }
            if !scenarios.is_empty() {
                super::out!("{}", render_scenario_diffs(&result.scenarios));
            }
        }
        Format::Json => {
            let report = DiffReport {
                schema: "covenant.diff/1",
                differs: result.differs(),
                contract: result.contract.as_ref(),
                scenarios: &result.scenarios,
            };
            super::outln!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
    }
    if result.differs() {
        Exit::Failure
    } else {
        Exit::Success
    }
}
