//! End to end through the binary: the README's commands on the bundled contracts.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::process::{Command, Output};

fn covenant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run covenant")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn test_command_passes_on_the_bundled_contracts() {
    let out = covenant(&["test", "contracts/"]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = text.lines().last().unwrap_or("");
    assert!(summary.ends_with(" passed, 0 failed"), "{summary}");
    for scenario in ["aws_launch_2027", "aws_launch_2025", "cap_reached"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("PASS") && l.contains(scenario)),
            "{scenario} missing:\n{text}"
        );
    }
}

#[test]
fn check_is_clean_on_the_fixtures() {
    let out = covenant(&[
        "check",
        "contracts/openai-microsoft/2019-partnership.cov",
        "contracts/openai-microsoft/2026-amendment.cov",
        "contracts/openai-microsoft/scenarios/cap-reached.cov",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn eval_json_carries_the_cap_and_verdicts() {
    let out = covenant(&[
        "eval",
        "--format",
        "json",
        "contracts/openai-microsoft/scenarios/cap-reached.cov",
        "contracts/openai-microsoft/scenarios/aws-launch-2027.cov",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["schema"], "covenant.report/1");
    let cap = &json["scenarios"][0];
    assert_eq!(cap["scenario"], "cap_reached");
    let y2030 = cap["payments"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["period"] == "2030"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(y2030["owed"]["amount"], "1000000000.00");
    assert_eq!(y2030["cap_reached"], true);
    assert_eq!(cap["summary"]["failed"], 0);
    let aws = &json["scenarios"][1];
    assert_eq!(aws["events"][0]["verdict"]["permitted"], true);
}

#[test]
fn eval_as_of_reports_clause_states() {
    let out = covenant(&[
        "eval",
        "--as-of",
        "2025-06-01",
        "contracts/openai-microsoft/scenarios/aws-launch-2025.cov",
    ]);
    let text = stdout(&out);
    assert!(text.contains("as of: 2025-06-01"), "{text}");
    assert!(text.contains("azure_exclusivity — active"), "{text}");
    assert!(text.contains("azure_primary — inactive"), "{text}");
}

#[test]
fn explain_names_the_deciding_clause() {
    let out = covenant(&[
        "explain",
        "contracts/openai-microsoft/scenarios/aws-launch-2025.cov",
        "--on",
        "2025-06-01",
        "openai",
        "distribute",
        "via",
        "aws",
    ]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("verdict: forbidden by azure_exclusivity"),
        "{text}"
    );
    assert!(text.contains("2019-partnership.cov"), "{text}");
    let out = covenant(&[
        "explain",
        "contracts/openai-microsoft/scenarios/aws-launch-2027.cov",
        "--on",
        "2027-03-01",
        "openai",
        "distribute",
        "via",
        "aws",
    ]);
    let text = stdout(&out);
    assert!(text.contains("verdict: permitted"), "{text}");
    assert!(
        text.contains("inactive: removed by openai_microsoft_2026"),
        "{text}"
    );
}

#[test]
fn explain_reports_a_bad_action_as_a_diagnostic() {
    let out = covenant(&[
        "explain",
        "contracts/openai-microsoft/scenarios/aws-launch-2025.cov",
        "--on",
        "2025-06-01",
        "openai",
        "distribut",
        "via",
        "aws",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("covenant::unknown_name") && err.contains("did you mean `distribute`?"),
        "{err}"
    );
}

#[test]
fn a_failing_expectation_fails_eval_and_test() {
    let dir = std::env::temp_dir().join(format!("covenant-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let root = env!("CARGO_MANIFEST_DIR");
    let scenario = dir.join("wrong.cov");
    std::fs::write(
        &scenario,
        format!(
            "scenario wrong {{\n  contract \"{root}/contracts/openai-microsoft/2026-amendment.cov\"\n  openai_revenue for 2027 is USD 30 billion\n  expect openai owes microsoft USD 5 billion for 2027 under revenue_share\n}}\n"
        ),
    )
    .expect("write scenario");
    let path = scenario.to_str().expect("utf-8 path");
    let out = covenant(&["eval", path]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("FAIL  openai owes microsoft USD 5 billion for 2027 under revenue_share"),
        "{text}"
    );
    assert!(
        text.contains("found: openai owes microsoft USD 6,000,000,000 for 2027"),
        "{text}"
    );
    let out = covenant(&["test", dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).ends_with("0 passed, 1 failed\n"));
}

#[test]
fn diagnostics_as_json() {
    let dir = std::env::temp_dir().join(format!("covenant-cli-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let file = dir.join("bad.cov");
    std::fs::write(&file, "contract x {\n  effective 2026-02-30\n}\n").expect("write");
    let out = covenant(&["check", "--format", "json", file.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let d = &json["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "covenant::invalid_date");
    assert_eq!(d["labels"][0]["line"], 2);
    assert_eq!(d["labels"][0]["column"], 13);
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "eval",
            "contracts/openai-microsoft/scenarios/cap-reached.cov",
            "contracts/software-licence/scenarios/strong-sales.cov",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn covenant");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0));
}

/// Every `.cov` file under `contracts/`, as paths relative to the crate root.
fn bundled_files() -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read contracts/")
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "cov") {
                out.push(p.to_string_lossy().into_owned());
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    walk(&root.join("contracts"), &mut out);
    out.into_iter()
        .map(|p| {
            p.strip_prefix(&format!("{}/", root.display()))
                .map(str::to_owned)
                .unwrap_or(p)
        })
        .collect()
}

#[test]
fn bundled_contracts_check_clean_with_warnings_denied() {
    let files = bundled_files();
    let mut args = vec!["check", "--deny", "advice"];
    args.extend(files.iter().map(String::as_str));
    let out = covenant(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each file alone too, with warnings denied (a base contract checked
    // without its amendment may get advice about what only the amendment uses).
    for file in &files {
        let out = covenant(&["check", "--deny", "warnings", file]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn deny_warnings_fails_a_check_that_only_has_warnings() {
    let file = "tests/corpus/findings/rule_conflict/report-same-clause.cov";
    let out = covenant(&["check", file]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("ok, with warnings"));
    let out = covenant(&["check", "--deny", "warnings", file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("fails: warnings denied"));
    // Advice alone passes `--deny warnings`, and fails `--deny advice`.
    let advice = "tests/corpus/findings/idle_party/report-never-named.cov";
    let out = covenant(&["check", "--deny", "warnings", advice]);
    assert_eq!(out.status.code(), Some(0));
    let out = covenant(&["check", "--deny", "advice", advice]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn explain_code_prints_every_page_and_refuses_unknown_codes() {
    let out = covenant(&["explain-code", "rule_conflict"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("# `covenant::rule_conflict`"), "{text}");
    assert!(
        text.contains("## Bad") && text.contains("## Fixed"),
        "{text}"
    );
    let out = covenant(&["explain-code", "covenant::unknown_name"]);
    assert!(stdout(&out).starts_with("# `covenant::unknown_name`"));
    let out = covenant(&["explain-code"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).lines().count() >= 46);
    let out = covenant(&["explain-code", "rule_conflit"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `rule_conflict`?"));
}

#[test]
fn json_diagnostics_carry_the_code_page() {
    let out = covenant(&[
        "check",
        "--format",
        "json",
        "tests/corpus/findings/rule_conflict/report-amendment-adds-permission.cov",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let d = &json["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "covenant::rule_conflict");
    assert_eq!(d["url"], "docs/codes/rule_conflict.md");
    // Both clauses are labelled, each in its own file.
    let files: Vec<&str> = d["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|l| l["file"].as_str())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("report-amendment-adds-permission.cov")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("support/partnership.cov")),
        "{files:?}"
    );
}
