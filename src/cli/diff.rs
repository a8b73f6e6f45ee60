//! `covenant diff OLD.cov NEW.cov [--scenarios PATH…]` and `covenant diff AMENDMENT.cov`.

use std::path::PathBuf;

use serde::Serialize;

use super::{eprint_diagnostics, Exit, Format};
use crate::pipeline::diff;
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
pub fn run(files: &[PathBuf], scenarios: &[PathBuf], format: Format, color: bool) -> Exit {
    let mut ws = Workspace::new();
    let (old, new) = match files {
        [new] => (None, new),
        [old, new] => (Some(old.as_path()), new),
        _ => {
            eprintln!("error: give one amendment, or two files: covenant diff OLD.cov NEW.cov");
            return Exit::Usage;
        }
    };
    let result = diff(&mut ws, old, new, scenarios);
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
