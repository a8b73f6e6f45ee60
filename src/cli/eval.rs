//! `covenant eval SCENARIO… [--as-of DATE] [--format text|json|csv] [--sweep PARAM=FROM..TO step STEP]… [--jobs N]`

use std::path::PathBuf;

use clap::ValueEnum;

use super::{eprint_diagnostics, Exit, Format};
use crate::calendar::Date;
use crate::diagnostic::to_json;
use crate::eval::Options;
use crate::pipeline::run_scenario;
use crate::report::{render_evaluation, scenario_report, Report, SCHEMA};
use crate::workspace::Workspace;

/// The output formats of `covenant eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    /// For people.
    Text,
    /// For tools (versioned schemas, see docs/json-schema.md).
    Json,
    /// A table for spreadsheets (sweeps only).
    Csv,
}

/// Evaluates each scenario; exit 1 on input errors or failed expectations.
pub fn run(scenarios: &[PathBuf], as_of: Option<Date>, format: EvalFormat, color: bool) -> Exit {
    let format = match format {
        EvalFormat::Text => Format::Text,
        EvalFormat::Json => Format::Json,
        EvalFormat::Csv => {
            eprintln!("error: --format csv is for sweeps; add --sweep PARAM=FROM..TO step STEP");
            return Exit::Usage;
        }
    };
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
                    match &run.conditional {
                        // Unknown facts: conditional answers, never a guessed memo.
                        Some(c) => super::out!(
                            "{}{}",
                            crate::report::text::render_header(ev, &name),
                            crate::strategy::unknown::render_conditional_text(c)
                        ),
                        None => super::out!("{}", render_evaluation(ev, &name)),
                    }
                }
            }
            Format::Json => {
                all_diagnostics.extend(to_json(&run.diagnostics, &ws.sources));
                if let Some(ev) = &run.evaluation {
                    let mut report = scenario_report(ev, &name, &ws.sources);
                    report.conditional = run
                        .conditional
                        .as_ref()
                        .map(crate::report::json::conditional_json);
                    reports.push(report);
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
        let mut buf = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut buf) {
            eprintln!("error: cannot read standard input: {e}");
            return Exit::Usage;
        }
        buf
    } else {
        match std::fs::read(input) {
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

/// Evaluates one scenario at every point of the sweep and prints the table.
///
/// Exit 0 when every point was evaluated (failed expectations at some points
/// are answers of the sweep, not errors), 1 when the scenario does not check
/// or a point could not be evaluated, 2 for a bad `--sweep`.
pub fn run_sweep(
    scenarios: &[PathBuf],
    as_of: Option<Date>,
    format: EvalFormat,
    specs: &[String],
    jobs: Option<usize>,
    color: bool,
) -> Exit {
    use crate::report::sweep::{render_sweep_csv, render_sweep_text, sweep_report};
    use crate::strategy::{prepare, sweep};

    let [path] = scenarios else {
        eprintln!("error: --sweep evaluates one scenario; give one file");
        return Exit::Usage;
    };
    if jobs == Some(0) {
        eprintln!("error: --jobs needs at least 1");
        return Exit::Usage;
    }
    let mut ws = Workspace::new();
    let (prepared, warnings) = match prepare(&mut ws, path) {
        Ok(p) => p,
        Err(diagnostics) => {
            eprint_diagnostics(&diagnostics, &ws.sources, color);
            return Exit::Failure;
        }
    };
    eprint_diagnostics(&warnings, &ws.sources, color);
    if crate::strategy::unknown::has_unknowns(&prepared.model, &prepared.plan) {
        eprintln!("error: {} leaves facts unknown; a sweep would have to guess them, so evaluate it without --sweep (or state the facts)", path.display());
        return Exit::Usage;
    }
    let mut axes = Vec::new();
    for spec in specs {
        match sweep::parse_axis(spec, &prepared.model, &mut ws) {
            Ok(axis) => {
                if axes.iter().any(|a: &sweep::Axis| a.param == axis.param) {
                    eprintln!("error: `{}` is swept twice", axis.param);
                    return Exit::Usage;
                }
                axes.push(axis);
            }
            Err(message) => {
                eprintln!("error: {message}");
                return Exit::Usage;
            }
        }
    }
    let size = sweep::Sweep::size(&axes);
    if size > sweep::MAX_SWEEP_POINTS {
        eprintln!(
            "error: the sweep has {size} points, more than {}; use larger steps",
            sweep::MAX_SWEEP_POINTS
        );
        return Exit::Usage;
    }
    let progress = super::Progress::new("points");
    let result = sweep::run_sweep(
        &prepared,
        &ws.sources,
        axes,
        Options { as_of },
        jobs.unwrap_or_else(super::default_jobs),
        &|done, total| progress.draw(done, total),
    );
    progress.finish();
    let name = path.display().to_string();
    match format {
        EvalFormat::Text => super::out!("{}", render_sweep_text(&result, &name)),
        EvalFormat::Csv => super::out!("{}", render_sweep_csv(&result)),
        EvalFormat::Json => super::outln!(
            "{}",
            serde_json::to_string_pretty(&sweep_report(&result, &name)).unwrap_or_default()
        ),
    }
    if result.points.iter().any(|p| p.error.is_some()) {
        Exit::Failure
    } else {
        Exit::Success
    }
}
