//! Corpus tests: one folder of `.cov` inputs per kind, one insta snapshot per file.
//!
//! - `tests/corpus/eval/`: scenarios that must check and evaluate; the text
//!   and JSON reports are snapshot.
//! - `tests/corpus/parse_errors/`: files that must fail to parse.
//! - `tests/corpus/check_errors/`: files that parse but must fail checking.
//! - `tests/corpus/warnings/`: files that check with warnings only.
//! - `tests/corpus/support/`: contracts the cases point at (not tested themselves).
//!
//! The checker's findings have their own corpus, `tests/corpus/findings/`,
//! tested by `tests/findings.rs`; the coverage test below counts it too.
//!
//! Diagnostics are rendered without colour, and file names are relative to
//! the crate root so that snapshots do not depend on where the repo lives.
//! Adding a case is adding a file; review new snapshots with `cargo insta review`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use covenant::diagnostic::{has_errors, render, Code};
use covenant::eval::Options;
use covenant::pipeline::{check_path, run_scenario};
use covenant::report::{render_evaluation, scenario_report};
use covenant::workspace::Workspace;

fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Runs from the crate root so that relative paths in diagnostics are stable.
fn at_root() {
    let _ = std::env::set_current_dir(env!("CARGO_MANIFEST_DIR"));
}

#[test]
fn eval_corpus() {
    at_root();
    insta::glob!("corpus/eval/*.cov", |path| {
        let path = relative(path);
        let mut ws = Workspace::new();
        let run = run_scenario(&mut ws, &path, Options::default());
        let rendered = render(&run.diagnostics, &ws.sources, false);
        assert!(
            !has_errors(&run.diagnostics),
            "{} should evaluate:\n{rendered}",
            path.display()
        );
        let Some(ev) = run.evaluation else {
            panic!("{} produced no evaluation", path.display())
        };
        assert_eq!(
            ev.failures(),
            0,
            "{} has failing expectations:\n{}",
            path.display(),
            render_evaluation(&ev, &path.display().to_string())
        );
        let text = render_evaluation(&ev, &path.display().to_string());
        insta::assert_snapshot!("text", text);
        let json = scenario_report(&ev, &path.display().to_string(), &ws.sources);
        insta::assert_json_snapshot!("json", json);
    });
}

#[test]
fn parse_error_corpus() {
    at_root();
    insta::glob!("corpus/parse_errors/*.cov", |path| {
        let path = relative(path);
        let mut ws = Workspace::new();
        let (_, parsed) = ws.load(&path, None);
        let Err(diagnostics) = parsed else {
            panic!("{} should not parse", path.display())
        };
        assert!(has_errors(&diagnostics));
        insta::assert_snapshot!(render(&diagnostics, &ws.sources, false));
    });
}

#[test]
fn check_error_corpus() {
    at_root();
    insta::glob!("corpus/check_errors/*.cov", |path| {
        let path = relative(path);
        let mut ws = Workspace::new();
        let (_, parsed) = ws.load(&path, None);
        assert!(
            parsed.is_ok(),
            "{} should parse; its errors belong to the checker",
            path.display()
        );
        let diagnostics = check_path(&mut ws, &path);
        assert!(
            has_errors(&diagnostics),
            "{} should fail checking",
            path.display()
        );
        insta::assert_snapshot!(render(&diagnostics, &ws.sources, false));
    });
}

#[test]
fn warning_corpus() {
    at_root();
    insta::glob!("corpus/warnings/*.cov", |path| {
        let path = relative(path);
        let mut ws = Workspace::new();
        let diagnostics = check_path(&mut ws, &path);
        let rendered = render(&diagnostics, &ws.sources, false);
        assert!(
            !has_errors(&diagnostics),
            "{} should check without errors:\n{rendered}",
            path.display()
        );
        assert!(
            !diagnostics.is_empty(),
            "{} should report a warning",
            path.display()
        );
        insta::assert_snapshot!(rendered);
    });
}

/// Every diagnostic code is exercised by at least one corpus case (or a dedicated test).
#[test]
fn every_code_is_covered() {
    at_root();
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut folders: Vec<PathBuf> = [
        "tests/corpus/parse_errors",
        "tests/corpus/check_errors",
        "tests/corpus/warnings",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    // The checker's findings, one folder per code (tests/findings.rs).
    for entry in std::fs::read_dir("tests/corpus/findings")
        .into_iter()
        .flatten()
        .flatten()
    {
        folders.push(entry.path());
    }
    for folder in folders {
        for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|e| e == "cov") {
                files.push(entry.path());
            }
        }
    }
    for path in files {
        let mut ws = Workspace::new();
        for d in check_path(&mut ws, &path) {
            seen.insert(d.code.as_str());
        }
    }
    // Covered by tests in tests/hostile.rs (generated inputs), not by corpus files.
    let elsewhere = [Code::Io, Code::FileTooLarge];
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !elsewhere.contains(c))
        .map(|c| c.as_str())
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(missing.is_empty(), "no corpus case reports: {missing:?}");
}
