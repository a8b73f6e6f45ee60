//! The checker's findings: one folder per code in `tests/corpus/findings/`.
//!
//! Each folder is named after the code it tests. A file named `report-*.cov`
//! must be reported with that code; a file named `near-*.cov` is a near miss
//! that must not be. Every file's rendered diagnostics (no colour, paths
//! relative to the crate root) are snapshot, empty for a clean near miss.
//! Contracts that the cases amend or evaluate live in each folder's
//! `support/` (not tested themselves).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::path::{Path, PathBuf};

use covenant::diagnostic::{render, Code};
use covenant::pipeline::check_path;
use covenant::workspace::Workspace;

fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[test]
fn findings_corpus() {
    let _ = std::env::set_current_dir(env!("CARGO_MANIFEST_DIR"));
    insta::glob!("corpus/findings/*/*.cov", |path| {
        let path = relative(path);
        let folder = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let code =
            Code::from_name(folder).unwrap_or_else(|| panic!("{folder} is not a diagnostic code"));
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let mut ws = Workspace::new();
        let diagnostics = check_path(&mut ws, &path);
        let rendered = render(&diagnostics, &ws.sources, false);
        let reported = diagnostics.iter().any(|d| d.code == code);
        if name.starts_with("report-") {
            assert!(
                reported,
                "{} must report {code}:\n{rendered}",
                path.display()
            );
        } else if name.starts_with("near-") {
            assert!(
                !reported,
                "{} is a near miss and must not report {code}:\n{rendered}",
                path.display()
            );
        } else {
            panic!("{} should be named report-… or near-…", path.display());
        }
        insta::assert_snapshot!(rendered);
    });
}

/// Every checker finding has a folder with at least one case that reports it and one near miss.
#[test]
fn every_finding_has_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/findings");
    let findings = [
        Code::RuleConflict,
        Code::NeedlessNotwithstanding,
        Code::LicenceConflict,
        Code::DoubleCharge,
        Code::DeadClause,
        Code::ImpossibleDeadline,
        Code::CapAboveTotal,
        Code::AmendmentAfterEnd,
        Code::RemovedClauseNamed,
        Code::UnusedDeclaration,
        Code::IdleParty,
        Code::PeriodMismatch,
        Code::OutsideTerm,
        Code::BadAllow,
        Code::UnusedAllow,
        Code::TierOrder,
        Code::EndBeforeStart,
        Code::DuplicateFigure,
        Code::NoTerminationRight,
        Code::IneffectiveEvent,
        Code::UngrantedLicence,
    ];
    for code in findings {
        let names: Vec<String> = std::fs::read_dir(root.join(code.name()))
            .unwrap_or_else(|_| panic!("no folder for {code}"))
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("report-")),
            "{code} has no case that reports it"
        );
        assert!(
            names.iter().any(|n| n.starts_with("near-")),
            "{code} has no near miss"
        );
    }
}
