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
    assert!(
        stdout(&out).contains("0 passed, 1 failed"),
        "{}",
        stdout(&out)
    );
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

#[test]
fn fmt_check_passes_on_the_bundled_files() {
    let out = covenant(&[
        "fmt",
        "--check",
        "contracts",
        "tests/corpus/eval",
        "tests/corpus/support",
        "tests/corpus/check_errors",
        "tests/corpus/warnings",
    ]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.trim_end().ends_with("files would be reformatted"),
        "{text}"
    );
    assert!(text.starts_with("0 of "), "{text}");
}

#[test]
fn fmt_check_names_unformatted_files_and_fmt_rewrites_them() {
    let dir = std::env::temp_dir().join(format!("covenant-cli-fmt-{}", std::process::id()));
    let nested = dir.join("scenarios");
    std::fs::create_dir_all(&nested).unwrap();
    let messy = "contract c {  parties { a b }\n\n\n   effective 2025-01-01 // start\n}";
    let tidy =
        "contract c {\n  parties {\n    a\n    b\n  }\n\n  effective 2025-01-01  // start\n}\n";
    let messy_path = nested.join("messy.cov");
    let tidy_path = dir.join("tidy.cov");
    std::fs::write(&messy_path, messy).unwrap();
    std::fs::write(&tidy_path, tidy).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a .cov file").unwrap();
    let dir_arg = dir.display().to_string();

    let check = covenant(&["fmt", "--check", &dir_arg]);
    let text = stdout(&check);
    assert_eq!(check.status.code(), Some(1), "{text}");
    assert!(text.contains("messy.cov: would be reformatted"), "{text}");
    assert!(!text.contains("tidy.cov"), "{text}");
    assert!(text.contains("1 of 2 files would be reformatted"), "{text}");
    assert_eq!(std::fs::read_to_string(&messy_path).unwrap(), messy);

    let fmt = covenant(&["fmt", &dir_arg]);
    let text = stdout(&fmt);
    assert_eq!(fmt.status.code(), Some(0), "{text}");
    assert!(text.contains("messy.cov: reformatted"), "{text}");
    assert_eq!(std::fs::read_to_string(&messy_path).unwrap(), tidy);
    assert_eq!(std::fs::read_to_string(&tidy_path).unwrap(), tidy);

    let again = covenant(&["fmt", "--check", &dir_arg]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fmt_leaves_a_file_that_does_not_parse_untouched() {
    let dir = std::env::temp_dir().join(format!("covenant-cli-fmt-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = "contract c {\n   effective 2025-13-01\n}\n";
    let path = dir.join("broken.cov");
    std::fs::write(&path, broken).unwrap();
    let path_arg = path.display().to_string();
    for args in [vec!["fmt", &path_arg], vec!["fmt", "--check", &path_arg]] {
        let out = covenant(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(stdout(&out).contains("does not parse"), "{}", stdout(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("covenant::invalid_date"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fmt_of_a_missing_path_is_a_usage_error() {
    let out = covenant(&["fmt", "--check", "no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    let out = covenant(&["fmt"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn batch_jsonl_line_that_is_not_utf8_is_an_error_record() {
    let good = r#"{"id":"a","contract":"contracts/openai-microsoft/2026-amendment.cov"}"#;
    let mut input = Vec::new();
    input.extend_from_slice(good.as_bytes());
    input.extend_from_slice(b"\n\xff\xfe{ binary\n");
    input.extend_from_slice(good.as_bytes());
    input.push(b'\n');
    let path = std::env::temp_dir().join(format!("covenant-jsonl-{}.jsonl", std::process::id()));
    std::fs::write(&path, &input).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["eval", "--jsonl"])
        .arg(&path)
        .output()
        .expect("run");
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(1), "the bad line fails the batch");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 3, "the lines after the bad one are evaluated");
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[1]["ok"], false);
    assert_eq!(lines[1]["line"], 2);
    assert!(lines[1]["error"]
        .as_str()
        .unwrap_or("")
        .contains("not UTF-8"));
    assert_eq!(lines[2]["ok"], true);
}

#[test]
fn batch_jsonl_in_order_with_error_records() {
    use std::io::Write;
    use std::process::Stdio;
    let good = r#"{"id":"a","contract":"contracts/openai-microsoft/2026-amendment.cov","set":{"revenue_cap":"USD 20 billion"},"figures":{"openai_revenue":{"2027":"USD 30 billion","2028":"USD 40 billion","2029":"USD 25 billion","2030":"USD 60 billion"}},"expect":["openai owes microsoft USD 1 billion for 2030 under revenue_share"]}"#;
    let mut input = String::new();
    for i in 0..40 {
        match i % 4 {
            1 => input.push_str("{ not json\n"),
            3 => input.push_str(
                &good
                    .replace("USD 1 billion for 2030", "USD 2 billion for 2030")
                    .replace("\"a\"", "\"b\""),
            ),
            _ => input.push_str(good),
        }
        if i % 4 != 1 {
            input.push('\n');
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["eval", "--jsonl", "-", "--jobs", "3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(1),
        "malformed lines and a failed expectation fail the batch"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 40);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["line"], i + 1, "results come back in input order");
        assert_eq!(l["schema"], "covenant.batch/1");
        match i % 4 {
            1 => {
                assert_eq!(l["ok"], false);
                assert!(l["error"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("not a batch scenario"));
            }
            3 => {
                assert_eq!(l["ok"], true);
                assert_eq!(l["report"]["summary"]["failed"], 1);
            }
            _ => {
                assert_eq!(l["ok"], true);
                assert_eq!(l["report"]["summary"]["failed"], 0);
                let y2030 = l["report"]["payments"]
                    .as_array()
                    .and_then(|ps| ps.iter().find(|p| p["period"] == "2030"))
                    .cloned()
                    .unwrap_or_default();
                assert_eq!(y2030["owed"]["amount"], "1000000000.00");
            }
        }
    }
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
