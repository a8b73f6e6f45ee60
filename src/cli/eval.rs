//! `covenant eval SCENARIO… [--as-of DATE] [--format text|json]`

use std::path::PathBuf;

use super::{eprint_diagnostics, Exit, Format};
use crate::calendar::Date;
use crate::diagnostic::to_json;
use crate::eval::Options;
use crate::pipeline::run_scenario;
use crate::report::{render_evaluation, scenario_report, Report, SCHEMA};
use crate::workspace::Workspace;

/// Evaluates each scenario; exit 1 on input errors or failed expectations.
pub fn run(scenarios: &[PathBuf], as_of: Option<Date>, format: Format, color: bool) -> Exit {
    let mut ws = Workspace::new();
    let mut failed = false;
    let mut reports = Vec::new();
    let mut all_diagnostics = Vec::new();
    let mut first = true;
    for path in scenarios {
        let run = run_scenario(&mut ws, path, Options { as_of });
        failed |= run.failed();
        let name = path.display().to_string();
        match format {
            Format::Text => {
                eprint_diagnostics(&run.diagnostics, &ws.sources, color);
                if let Some(ev) = &run.evaluation {
                    if !first {
                        super::emit("\n");
                    }
                    first = false;
                    super::out!("{}", render_evaluation(ev, &name));
                }
            }
            Format::Json => {
                all_diagnostics.extend(to_json(&run.diagnostics, &ws.sources));
                if let Some(ev) = &run.evaluation {
                    reports.push(scenario_report(ev, &name, &ws.sources));
                }
            }
        }
    }
    if format == Format::Json {
        let report = Report {
            schema: SCHEMA,
            scenarios: reports,
            diagnostics: all_diagnostics,
        };
        super::outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    }
    if failed {
        Exit::Failure
    } else {
        Exit::Success
    }
}
