//! `covenant test [PATH…]`: every scenario under the paths, one line each,
//! checked against its written expectations and, when one exists, its
//! recorded outcome (`NAME.outcome` beside the scenario).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{eprint_diagnostics, Exit, Format};
use crate::diagnostic::{has_errors, render, to_json, JsonDiagnostic};
use crate::eval::Options;
use crate::pipeline::{document_kind, find_cov_files, run_scenario};
use crate::report::record::{answers, compare, golden_path, parse_golden, render_golden, Change};
use crate::workspace::Workspace;

/// What to do with recorded outcomes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recording {
    /// Write every scenario's outcome (`--record`).
    pub record: bool,
    /// Ask, for each changed outcome, whether to accept it (`--review`).
    pub review: bool,
    /// Accept every changed outcome (`--accept`).
    pub accept: bool,
    /// An unrecorded scenario fails (`--require-recorded`).
    pub require_recorded: bool,
}

/// Output formats of `covenant test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    /// One line per scenario.
    Text,
    /// The `covenant.test/1` JSON schema.
    Json,
    /// JUnit XML, for CI systems.
    Junit,
}

impl From<Format> for TestFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Text => TestFormat::Text,
            Format::Json => TestFormat::Json,
        }
    }
}

#[derive(Serialize)]
struct TestReport {
    schema: &'static str,
    scenarios: Vec<TestResult>,
    passed: usize,
    failed: usize,
    unrecorded: usize,
}

#[derive(Serialize)]
struct TestResult {
    file: String,
    scenario: Option<String>,
    passed: bool,
    expectations: usize,
    failed_expectations: Vec<FailedExpectation>,
    /// `recorded`, `unrecorded`, `changed`, `accepted` or `written`.
    outcome: &'static str,
    changed_answers: Vec<String>,
    diagnostics: Vec<JsonDiagnostic>,
    #[serde(skip)]
    rendered_diagnostics: String,
}

#[derive(Serialize)]
struct FailedExpectation {
    text: String,
    actual: String,
}

/// Runs every scenario found; exit 1 when any fails.
pub fn run(paths: &[PathBuf], format: TestFormat, recording: Recording, color: bool) -> Exit {
    let mut ws = Workspace::new();
    let files = find_cov_files(paths);
    let mut results = Vec::new();
    for file in files {
        match document_kind(&mut ws, &file) {
            Some("scenario") => {}
            Some(_) => continue,
            None => {
                // A file that does not parse cannot be classified: count it as a failure.
                let (_, parsed) = ws.load(&file, None);
                let diagnostics = parsed.err().unwrap_or_default();
                let result = TestResult {
                    file: file.display().to_string(),
                    scenario: None,
                    passed: false,
                    expectations: 0,
                    failed_expectations: Vec::new(),
                    outcome: "unrecorded",
                    changed_answers: Vec::new(),
                    diagnostics: to_json(&diagnostics, &ws.sources),
                    rendered_diagnostics: render(&diagnostics, &ws.sources, false),
                };
                if format == TestFormat::Text {
                    super::outln!("FAIL  {}  (does not parse)", file.display());
                    eprint_diagnostics(&diagnostics, &ws.sources, color);
                }
                results.push(result);
                continue;
            }
        }
        let result = run_one(&mut ws, &file, recording, format, color);
        results.push(result);
    }
    let passed = results.iter().filter(|r| r.passed).count();
    let failed = results.len() - passed;
    let unrecorded = results
        .iter()
        .filter(|r| r.outcome == "unrecorded" && r.scenario.is_some())
        .count();
    match format {
        TestFormat::Text => {
            let extra = if unrecorded > 0 {
                format!(" ({unrecorded} unrecorded)")
            } else {
                String::new()
            };
            super::outln!("{passed} passed, {failed} failed{extra}");
        }
        TestFormat::Json => {
            let report = TestReport {
                schema: "covenant.test/1",
                scenarios: results,
                passed,
                failed,
                unrecorded,
            };
            super::outln!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        TestFormat::Junit => super::out!("{}", junit(&results, passed, failed)),
    }
    if failed > 0 {
        Exit::Failure
    } else {
        Exit::Success
    }
}

fn run_one(
    ws: &mut Workspace,
    file: &Path,
    recording: Recording,
    format: TestFormat,
    color: bool,
) -> TestResult {
    let run = run_scenario(ws, file, Options::default());
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
    let mut ok = !run.failed();
    let mut outcome = "unrecorded";
    let mut changes: Vec<Change> = Vec::new();
    if let Some(ev) = &run.evaluation {
        let current = answers(ev);
        let golden = golden_path(file);
        let text = render_golden(&ev.scenario, &file.display().to_string(), &current);
        if recording.record {
            outcome = write_golden(&golden, &text);
        } else if let Ok(old) = std::fs::read_to_string(&golden) {
            changes = compare(&parse_golden(&old), &current);
            outcome = "recorded";
            if !changes.is_empty() {
                let accept =
                    recording.accept || (recording.review && ask(file, &ev.scenario, &changes));
                if accept {
                    outcome = if write_golden(&golden, &text) == "written" {
                        "accepted"
                    } else {
                        "changed"
                    };
                } else {
                    outcome = "changed";
                }
            }
            if outcome == "changed" {
                ok = false;
            }
        } else if recording.require_recorded {
            ok = false;
        }
    }
    if format == TestFormat::Text {
        let label = if ok { "PASS" } else { "FAIL" };
        let detail = if has_errors(&run.diagnostics) {
            "does not check".to_owned()
        } else {
            let mut parts = Vec::new();
            if count == 0 {
                parts.push("no expectations".to_owned());
            } else if failures.is_empty() {
                parts.push(format!(
                    "{count} expectation{}",
                    if count == 1 { "" } else { "s" }
                ));
            } else {
                parts.push(format!("{} of {count} expectations failed", failures.len()));
            }
            parts.push(match outcome {
                "changed" => format!(
                    "{} answer{} changed",
                    changes.len(),
                    if changes.len() == 1 { "" } else { "s" }
                ),
                "accepted" => format!(
                    "{} changed answer{} accepted",
                    changes.len(),
                    if changes.len() == 1 { "" } else { "s" }
                ),
                "written" => "outcome recorded".to_owned(),
                "recorded" => "matches its recorded outcome".to_owned(),
                _ if recording.require_recorded => "unrecorded: no outcome file".to_owned(),
                _ => "unrecorded".to_owned(),
            });
            parts.join(", ")
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
        if outcome == "changed" {
            for c in &changes {
                super::outln!("        {c}");
            }
        }
        eprint_diagnostics(&run.diagnostics, &ws.sources, color);
    }
    TestResult {
        file: file.display().to_string(),
        scenario: name,
        passed: ok,
        expectations: count,
        failed_expectations: failures,
        outcome,
        changed_answers: changes.iter().map(ToString::to_string).collect(),
        diagnostics: to_json(&run.diagnostics, &ws.sources),
        rendered_diagnostics: render(&run.diagnostics, &ws.sources, false),
    }
}

fn write_golden(path: &Path, text: &str) -> &'static str {
    match std::fs::write(path, text) {
        Ok(()) => "written",
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            "unrecorded"
        }
    }
}

/// Shows one scenario's changed answers and asks whether to accept them.
fn ask(file: &Path, scenario: &str, changes: &[Change]) -> bool {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "\n{scenario} ({}): {} answer(s) changed",
        file.display(),
        changes.len()
    );
    for c in changes {
        let _ = writeln!(err, "    {c}");
    }
    let _ = write!(
        err,
        "accept the new outcome? [a]ccept / [k]eep the recorded one: "
    );
    let _ = err.flush();
    // Answers may also be piped in, one line per scenario; end of input keeps.
    let stdin = std::io::stdin();
    let mut line = String::new();
    match stdin.lock().read_line(&mut line) {
        Ok(0) | Err(_) => false,
        Ok(_) => matches!(
            line.trim().to_ascii_lowercase().as_str(),
            "a" | "accept" | "y" | "yes"
        ),
    }
}

/// JUnit XML: one test case per scenario file.
fn junit(results: &[TestResult], passed: usize, failed: usize) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total = passed + failed;
    out.push_str(&format!(
        "<testsuites name=\"covenant\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\">\n"
    ));
    out.push_str(&format!("  <testsuite name=\"covenant test\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">\n"));
    for r in results {
        // The folder as a dotted class name, as JUnit viewers group by it (`contracts.openai-microsoft.scenarios`).
        let classname = Path::new(&r.file)
            .parent()
            .map(|p| {
                p.components()
                    .filter_map(|c| match c {
                        std::path::Component::Normal(s) => s.to_str(),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .unwrap_or_default();
        let name = r.scenario.clone().unwrap_or_else(|| r.file.clone());
        out.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" assertions=\"{}\"",
            crate::report::svg::esc(&classname),
            crate::report::svg::esc(&name),
            crate::report::svg::esc(&r.file),
            r.expectations
        ));
        if r.passed {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let mut body = String::new();
        for f in &r.failed_expectations {
            body.push_str(&format!("expected: {}\nfound:    {}\n", f.text, f.actual));
        }
        for c in &r.changed_answers {
            body.push_str(&format!("changed: {c}\n"));
        }
        body.push_str(&r.rendered_diagnostics);
        let message = if !r.failed_expectations.is_empty() {
            format!(
                "{} of {} expectations failed",
                r.failed_expectations.len(),
                r.expectations
            )
        } else if !r.changed_answers.is_empty() {
            format!(
                "{} answers differ from the recorded outcome",
                r.changed_answers.len()
            )
        } else if r.scenario.is_none() || !r.diagnostics.is_empty() {
            "the scenario does not check".to_owned()
        } else {
            "no recorded outcome".to_owned()
        };
        out.push_str(&format!(
            "      <failure message=\"{}\" type=\"covenant\">{}</failure>\n",
            crate::report::svg::esc(&message),
            crate::report::svg::esc(&body)
        ));
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
