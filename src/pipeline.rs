//! The pipeline from file reading to answers, as the CLI and tests use it.
//!
//! Each function runs the stages in order — load, parse, check, evaluate —
//! and stops at the first stage that reports errors, returning every
//! diagnostic met so far.

use std::path::{Path, PathBuf};

use crate::calendar::Date;
use std::collections::HashSet;

use crate::check::lint;
use crate::check::scenario::{action_call_public, check_scenario, check_scenario_at};
use crate::check::{check_contract_file, Checked, Depth};
use crate::diagnostic::Code;
use crate::diagnostic::{has_errors, Diagnostic};
use crate::eval::{compile, evaluate, Evaluation, Options};
use crate::source::Span;
use crate::syntax::ast::Document;
use crate::syntax::parse_action_query;
use crate::workspace::Workspace;

/// One scenario's run.
#[derive(Debug)]
pub struct ScenarioRun {
    /// The scenario file.
    pub path: PathBuf,
    /// Every diagnostic met (errors stop the run).
    pub diagnostics: Vec<Diagnostic>,
    /// The answers, when the scenario checked without errors.
    pub evaluation: Option<Evaluation>,
}

impl ScenarioRun {
    /// Whether the run had errors or a failed expectation.
    pub fn failed(&self) -> bool {
        has_errors(&self.diagnostics) || self.evaluation.as_ref().is_none_or(|e| e.failures() > 0)
    }
}

/// Checks and evaluates one scenario file.
pub fn run_scenario(ws: &mut Workspace, path: &Path, options: Options) -> ScenarioRun {
    let Checked {
        value,
        mut diagnostics,
    } = check_scenario(ws, path);
    let evaluation =
        value.and_then(
            |(model, plan)| match evaluate(&model, &plan, &ws.sources, options) {
                Ok(e) => Some(e),
                Err(mut d) => {
                    diagnostics.append(&mut d);
                    None
                }
            },
        );
    ScenarioRun {
        path: path.to_path_buf(),
        diagnostics,
        evaluation,
    }
}

/// What kind of document a file holds, if it parses.
pub fn document_kind(ws: &mut Workspace, path: &Path) -> Option<&'static str> {
    let (_, parsed) = ws.load(path, None);
    parsed.ok().map(|d| match d.as_ref() {
        Document::Contract(_) => "contract",
        Document::Amendment(_) => "amendment",
        Document::Scenario(_) => "scenario",
    })
}

/// Checks any `.cov` file as `covenant check` does: a contract or amendment
/// alone, a scenario with its contract; with the drafting analyses and the
/// contract's `allow` lines applied.
pub fn check_path(ws: &mut Workspace, path: &Path) -> Vec<Diagnostic> {
    check_one(ws, path).0
}

/// Checks several files together. Each is checked as by [`check_path`],
/// except that a declaration counts as used when any contract checked in the
/// same run uses it: a base contract checked beside its amendment is not
/// told that the condition only the amendment reads is unused.
pub fn check_files(ws: &mut Workspace, paths: &[PathBuf]) -> Vec<Vec<Diagnostic>> {
    let mut results = Vec::with_capacity(paths.len());
    let mut used: HashSet<Span> = HashSet::new();
    for path in paths {
        let (diagnostics, file_used) = check_one(ws, path);
        used.extend(file_used);
        results.push(diagnostics);
    }
    for diagnostics in &mut results {
        diagnostics.retain(|d| {
            !(matches!(d.code, Code::UnusedDeclaration | Code::IdleParty)
                && used.contains(&d.span()))
        });
    }
    results
}

/// One file's diagnostics, and the declarations its contract uses.
fn check_one(ws: &mut Workspace, path: &Path) -> (Vec<Diagnostic>, HashSet<Span>) {
    match document_kind(ws, path) {
        Some("scenario") => {
            let Checked {
                value,
                mut diagnostics,
            } = check_scenario_at(ws, path, Depth::Lint);
            let mut used = HashSet::new();
            // A scenario that checks may still fail to compile (an overflow, a param of the wrong currency).
            if let Some((model, plan)) = value {
                if let Err(mut d) = compile(&model, &plan, Options::default()) {
                    diagnostics.append(&mut d);
                }
                used = lint::used(&model);
            }
            (diagnostics, used)
        }
        Some(_) => {
            let Checked { value, diagnostics } = check_contract_file(ws, path, Depth::Lint);
            let used = value.map(|m| lint::used(&m)).unwrap_or_default();
            (diagnostics, used)
        }
        None => {
            let (_, parsed) = ws.load(path, None);
            (parsed.err().unwrap_or_default(), HashSet::new())
        }
    }
}

/// Explains a scenario's contract on a date, optionally for an action written as `PARTY ACTION [ARG VALUE]…`.
pub fn explain(
    ws: &mut Workspace,
    path: &Path,
    date: Date,
    action: Option<&str>,
) -> Result<String, Vec<Diagnostic>> {
    let Checked { value, diagnostics } = check_scenario(ws, path);
    let Some((mut model, plan)) = value else {
        return Err(diagnostics);
    };
    let call = match action {
        Some(text) => {
            let file = ws.add_text("<command line>", text);
            let parsed = parse_action_query(text, file)?;
            let mut errors = Vec::new();
            let call = action_call_public(&mut model, &parsed, &mut errors);
            match call {
                Some(c) if errors.is_empty() => Some((c, text.to_owned())),
                _ => return Err(errors),
            }
        }
        None => None,
    };
    let compiled = compile(&model, &plan, Options::default())?;
    Ok(crate::report::explain::explain(
        &compiled,
        &plan,
        &ws.sources,
        date,
        call.as_ref().map(|(c, t)| (c, t.clone())),
    ))
}

/// Every `.cov` file under the given paths (files are taken as they are), sorted.
pub fn find_cov_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out, 0);
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    // Symlink loops cannot recurse forever.
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') || n == "target");
            if !hidden {
                walk(&path, out, depth + 1);
            }
        } else if path.extension().is_some_and(|e| e == "cov") {
            out.push(path);
        }
    }
}
