//! `covenant report SCENARIO… [-o FILE] [--sweep PARAM=FROM..TO step STEP]… [--jobs N] [--as-of DATE]`

use std::path::PathBuf;

use super::{eprint_diagnostics, Exit};
use crate::calendar::Date;
use crate::eval::Options;
use crate::pipeline::{view, Viewed};
use crate::report::html::{render_html, Extras, ScenarioPage};
use crate::workspace::Workspace;

/// What `covenant report` was asked for.
#[derive(Debug)]
pub struct ReportArgs {
    /// Scenario files (a contract or amendment alone is drawn with no events).
    pub scenarios: Vec<PathBuf>,
    /// Where to write the HTML (standard output when absent).
    pub output: Option<PathBuf>,
    /// `--sweep` specs (one scenario only).
    pub sweep: Vec<String>,
    /// Threads for the sweep.
    pub jobs: Option<usize>,
    /// Stop the timeline at this date.
    pub as_of: Option<Date>,
}

/// Writes one self-contained HTML report of the scenarios; exit 1 when one does not check.
pub fn run(args: &ReportArgs, color: bool) -> Exit {
    let mut ws = Workspace::new();
    let options = Options { as_of: args.as_of };
    let mut viewed: Vec<(String, Viewed)> = Vec::new();
    let mut failed = false;
    for path in &args.scenarios {
        match view(&mut ws, path, options) {
            Ok((v, warnings)) => {
                eprint_diagnostics(&warnings, &ws.sources, color);
                viewed.push((path.display().to_string(), v));
            }
            Err(diagnostics) => {
                eprint_diagnostics(&diagnostics, &ws.sources, color);
                failed = true;
            }
        }
    }
    if failed {
        return Exit::Failure;
    }
    let mut extras = Extras::default();
    let sweep_result;
    if !args.sweep.is_empty() {
        use crate::strategy::{prepare, sweep};
        let [path] = args.scenarios.as_slice() else {
            eprintln!("error: --sweep reports on one scenario; give one file");
            return Exit::Usage;
        };
        let (prepared, _) = match prepare(&mut ws, path) {
            Ok(p) => p,
            Err(diagnostics) => {
                eprint_diagnostics(&diagnostics, &ws.sources, color);
                return Exit::Failure;
            }
        };
        if crate::strategy::unknown::has_unknowns(&prepared.model, &prepared.plan) {
            eprintln!("error: {} leaves facts unknown; a sweep would have to guess them, so report it without --sweep (or state the facts)", path.display());
            return Exit::Usage;
        }
        let mut axes = Vec::new();
        for spec in &args.sweep {
            match sweep::parse_axis(spec, &prepared.model, &mut ws) {
                Ok(a) => axes.push(a),
                Err(message) => {
                    eprintln!("error: {message}");
                    return Exit::Usage;
                }
            }
        }
        if sweep::Sweep::size(&axes) > sweep::MAX_SWEEP_POINTS {
            eprintln!(
                "error: the sweep has more than {} points; use larger steps",
                sweep::MAX_SWEEP_POINTS
            );
            return Exit::Usage;
        }
        let progress = super::Progress::new("points");
        sweep_result = sweep::run_sweep(
            &prepared,
            &ws.sources,
            axes,
            options,
            args.jobs.unwrap_or_else(super::default_jobs).max(1),
            &|done, total| progress.draw(done, total),
        );
        progress.finish();
        extras.sweep = Some((&sweep_result, path.display().to_string()));
    }
    let pages: Vec<ScenarioPage<'_>> = viewed
        .iter()
        .map(|(file, v)| ScenarioPage {
            file: file.clone(),
            evaluation: &v.evaluation,
            timeline: &v.timeline,
            conditional: v.conditional.as_ref(),
        })
        .collect();
    let html = render_html(&pages, &extras);
    match &args.output {
        Some(out) => match std::fs::write(out, html) {
            Ok(()) => {
                eprintln!("wrote {}", out.display());
                Exit::Success
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", out.display());
                Exit::Usage
            }
        },
        None => {
            super::out!("{html}");
            Exit::Success
        }
    }
}
