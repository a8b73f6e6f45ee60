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

/// `covenant eval --jsonl FILE|-`: one JSON result per input line, in order.
pub fn run_jsonl(input: &std::path::Path, jobs: Option<usize>) -> Exit {
    use std::io::{IsTerminal, Read, Write};
    let text = if input.as_os_str() == "-" {
        let mut buf = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut buf) {
            eprintln!("error: cannot read standard input: {e}");
            return Exit::Usage;
        }
        buf
    } else {
        match std::fs::read_to_string(input) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", input.display());
                return Exit::Usage;
            }
        }
    };
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let show_progress = std::io::stderr().is_terminal();
    // A progress line redrawn in place, only on a terminal and at most every 1%.
    let progress = |done: usize, total: usize| {
        if show_progress && (done == total || done % (total / 100).max(1) == 0) {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{done}/{total} scenarios evaluated");
            if done == total {
                let _ = writeln!(err);
            }
        }
    };
    let mut emit = |line: &str| super::outln!("{line}");
    let (_, failed) = crate::batch::run_batch(&text, jobs, &mut emit, &progress);
    if failed > 0 {
        Exit::Failure
    } else {
        Exit::Success
    }
}
