//! `covenant diff`: one case per kind of edit (rate, cap, window, party,
//! removed clause, added clause, layout only) under `tests/corpus/diff/`, each
//! an `old.cov`, a `new.cov` and scenarios; plus the OpenAI–Microsoft pair.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::path::{Path, PathBuf};

use covenant::pipeline::diff;
use covenant::report::diff::{render_contract_diff, render_scenario_diffs};
use covenant::workspace::Workspace;

fn at_root() {
    let _ = std::env::set_current_dir(env!("CARGO_MANIFEST_DIR"));
}

fn rendered(old: Option<&Path>, new: &Path, scenarios: &[PathBuf]) -> (bool, String) {
    let mut ws = Workspace::new();
    let run = diff(&mut ws, old, new, scenarios);
    assert!(run.diagnostics.is_empty(), "{:?}", run.diagnostics);
    let contract = run.contract.as_ref().expect("both versions check");
    let mut text = render_contract_diff(contract);
    if !scenarios.is_empty() {
        text.push_str(&render_scenario_diffs(&run.scenarios));
    }
    (run.differs(), text)
}

#[test]
fn each_kind_of_edit() {
    at_root();
    let mut cases: Vec<PathBuf> = std::fs::read_dir("tests/corpus/diff")
        .expect("corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 7, "{cases:?}");
    for case in cases {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let (differs, text) = rendered(
            Some(&case.join("old.cov")),
            &case.join("new.cov"),
            &[case.join("scenarios")],
        );
        assert_eq!(differs, name != "comments-and-layout", "{name}:\n{text}");
        insta::assert_snapshot!(format!("diff_{name}"), text);
    }
}

#[test]
fn openai_microsoft_2019_to_2026() {
    at_root();
    let dir = Path::new("contracts/openai-microsoft");
    let (differs, text) = rendered(
        Some(&dir.join("2019-partnership.cov")),
        &dir.join("2026-amendment.cov"),
        &[dir.join("scenarios")],
    );
    assert!(differs);
    for needle in [
        "event 2027-03-01 openai distribute via aws: forbidden by azure_exclusivity → permitted",
        "licence to \"OpenAI IP and models\" exclusivity: exclusive → non-exclusive",
        "payment cap in total: (none) → revenue_cap",
        "- clause azure_exclusivity (removed)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    insta::assert_snapshot!("diff_openai_microsoft", text);
}

#[test]
fn an_amendment_alone_is_compared_with_its_base() {
    at_root();
    let dir = Path::new("contracts/openai-microsoft");
    let (_, pair) = rendered(
        Some(&dir.join("2019-partnership.cov")),
        &dir.join("2026-amendment.cov"),
        &[],
    );
    let (differs, alone) = rendered(None, &dir.join("2026-amendment.cov"), &[]);
    assert!(differs);
    assert_eq!(pair, alone);
}

#[test]
fn a_contract_compared_with_itself_differs_in_nothing() {
    at_root();
    let file = Path::new("contracts/openai-microsoft/2026-amendment.cov");
    let (differs, text) = rendered(
        Some(file),
        file,
        &[PathBuf::from("contracts/openai-microsoft/scenarios")],
    );
    assert!(!differs, "{text}");
}

/// `covenant diff FILE --interpretation NAME`: the contract as written against
/// the same contract with the word read the other way.
#[test]
fn one_contract_read_two_ways() {
    at_root();
    let mut ws = Workspace::new();
    let run = covenant::pipeline::diff_interpretations(
        &mut ws,
        Path::new("contracts/interpretations/standstill.cov"),
        &["until_reading".to_owned()],
        &[PathBuf::from(
            "contracts/interpretations/scenarios/inclusive.cov",
        )],
    );
    assert!(run.diagnostics.is_empty(), "{:?}", run.diagnostics);
    assert!(run.differs());
    let mut text = render_contract_diff(run.contract.as_ref().expect("the contract checks"));
    text.push_str(&render_scenario_diffs(&run.scenarios));
    insta::assert_snapshot!(text);
}

#[test]
fn an_unknown_interpretation_is_reported() {
    at_root();
    let mut ws = Workspace::new();
    let run = covenant::pipeline::diff_interpretations(
        &mut ws,
        Path::new("contracts/interpretations/standstill.cov"),
        &["until_readng".to_owned()],
        &[],
    );
    assert!(run.contract.is_none());
    let d = run.diagnostics.first().expect("a diagnostic");
    assert_eq!(d.code.as_str(), "covenant::unknown_name");
    assert!(format!("{:?}", d.help).contains("until_reading"), "{d:?}");
}
