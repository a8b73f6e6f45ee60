//! `covenant test [PATH…]`: every scenario under the paths, one line each.

use std::path::PathBuf;

use serde::Serialize;

use super::{eprint_diagnostics, Exit, Format};
use crate::diagnostic::{has_errors, to_json, JsonDiagnostic};
use crate::eval::Options;
use crate::pipeline::{document_kind, find_cov_files, run_scenario};
use crate::workspace::Workspace;

#[derive(Serialize)]
struct TestReport {
    schema: &'static str,
    scenarios: Vec<TestResult>,
    passed: usize,
    failed: usize,
}

#[derive(Serialize)]
struct TestResult {
    file: String,
    scenario: Option<String>,
    passed: bool,
    expectations: usize,
    failed_expectations: Vec<FailedExpectation>,
    diagnostics: Vec<JsonDiagnostic>,
}

#[derive(Serialize)]
struct FailedExpectation {
    text: String,
    actual: String,
}

/// Runs every scenario found; exit 1 when any fails.
pub fn run(paths: &[PathBuf], format: Format, color: bool) -> Exit {
    let mut ws = Workspace::new();
    let files = find_cov_files(paths);
    let mut passed = 0usize;
    let mut failed = 0usize;
    let mut results = Vec::new();
    for file in files {
        let kind = document_kind(&mut ws, &file);
        match kind {
            Some("scenario") => {}
            Some(_) => continue,
            None => {
                // A file that does not parse cannot be classified: count it as a failure.
                let (_, parsed) = ws.load(&file, None);
                let diagnostics = parsed.err().unwrap_or_default();
                failed += 1;
                match format {
                    Format::Text => {
                        super::outln!("FAIL  {}  (does not parse)", file.display());
                        eprint_diagnostics(&diagnostics, &ws.sources, color);
                    }
                    Format::Json => results.push(TestResult {
                        file: file.display().to_string(),
                        scenario: None,
                        passed: false,
                        expectations: 0,
                        failed_expectations: Vec::new(),
                        diagnostics: to_json(&diagnostics, &ws.sources),
                    }),
                }
                continue;
            }
        }
        let run = run_scenario(&mut ws, &file, Options::default());
        let ok = !run.failed();
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
        let name = run.evaluation.as_ref().map(|e| e.scenario.clone());
        let count = run.evaluation.as_ref().map_or(0, |e| e.expectations.len());
        let failures: Vec<FailedExpectation> = run
            .evaluation
            .as_ref()
            .map(|e| {
                e.expectations
                    .iter()
                    .filter(|x| !x.passed)
                    .map(|x| FailedExpectation {
                        text: x.text.clone(),
                        actual: x.actual.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        match format {
            Format::Text => {
                let label = if ok { "PASS" } else { "FAIL" };
                let detail = if has_errors(&run.diagnostics) {
                    "does not check".to_owned()
                } else if count == 0 {
                    "no expectations".to_owned()
                } else if failures.is_empty() {
                    format!("{count} expectation{}", if count == 1 { "" } else { "s" })
                } else {
                    format!("{} of {count} expectations failed", failures.len())
                };
                super::outln!(
                    "{label}  {}  {}  ({detail})",
                    file.display(),
                    name.as_deref().unwrap_or("?")
                );
                for f in &failures {
                    super::outln!(
                        "        expected: {}\n        found:    {}",
                        f.text,
                        f.actual
                    );
                }
                eprint_diagnostics(&run.diagnostics, &ws.sources, color);
            }
            Format::Json => results.push(TestResult {
                file: file.display().to_string(),
                scenario: name,
                passed: ok,
                expectations: count,
                failed_expectations: failures,
                diagnostics: to_json(&run.diagnostics, &ws.sources),
            }),
        }
    }
    match format {
        Format::Text => super::outln!("{passed} passed, {failed} failed"),
        Format::Json => {
            let report = TestReport {
                schema: "covenant.test/1",
                scenarios: results,
                passed,
                failed,
            };
            super::outln!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
    }
    if failed > 0 {
        Exit::Failure
    } else {
        Exit::Success
    }
}
