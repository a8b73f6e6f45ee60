//! The record/compare cycle end to end through the binary: record outcomes,
//! edit the contract, see exactly which answers changed, accept them.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn covenant(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run covenant")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A private copy of the OpenAI–Microsoft fixtures to edit.
fn scratch_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("covenant-record-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).expect("scratch dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/openai-microsoft");
    for file in [
        "2019-partnership.cov",
        "2026-amendment.cov",
        "scenarios/aws-launch-2025.cov",
        "scenarios/aws-launch-2027.cov",
        "scenarios/cap-reached.cov",
    ] {
        std::fs::copy(root.join(file), dir.join(file)).expect("copy fixture");
    }
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn record_edit_review_accept() {
    let dir = scratch_copy("cycle");

    // Unrecorded scenarios pass on their expectations and are listed as unrecorded.
    let out = covenant(&dir, &["test", "."]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).ends_with("3 passed, 0 failed (3 unrecorded)\n"),
        "{}",
        stdout(&out)
    );
    let out = covenant(&dir, &["test", "--require-recorded", "."]);
    assert_eq!(out.status.code(), Some(1));

    // Record, then an unchanged contract passes against the recording.
    let out = covenant(&dir, &["test", "--record", "."]);
    assert_eq!(out.status.code(), Some(0));
    let golden =
        std::fs::read_to_string(dir.join("scenarios/cap-reached.outcome")).expect("golden written");
    assert!(golden.starts_with("# covenant outcome v1\n"));
    assert!(
        golden.contains("\nrevenue_share 2030 owed: USD 1,000,000,000\n"),
        "{golden}"
    );
    assert!(
        golden.contains("\nrevenue_share cap reached: 2030\n"),
        "{golden}"
    );
    let out = covenant(&dir, &["test", "--require-recorded", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("matches its recorded outcome"));

    // Raise the cap: only the capped answers change, and the report says which.
    edit(
        &dir.join("scenarios/cap-reached.cov"),
        "set revenue_cap = USD 20 billion",
        "set revenue_cap = USD 21 billion",
    );
    let out = covenant(&dir, &["test", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("revenue_share 2030 owed: USD 1,000,000,000 → USD 2,000,000,000"),
        "{text}"
    );
    assert!(
        text.contains("param revenue_cap: USD 20,000,000,000 → USD 21,000,000,000"),
        "{text}"
    );
    assert!(
        !text.contains("revenue_share 2027 owed"),
        "an unchanged answer was reported:\n{text}"
    );

    // Review: keep it, so it still fails; then accept all.
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(&dir)
        .args(["test", "--review", "."])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"k\n").expect("answer");
    }
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("accept the new outcome?"));
    let out = covenant(&dir, &["test", "--accept", "."]);
    assert!(
        stdout(&out).contains("changed answers accepted")
            || stdout(&out).contains("changed answer accepted"),
        "{}",
        stdout(&out)
    );
    // The written expectation about 2030 now fails (1 billion is no longer owed), but the outcome is recorded.
    let out = covenant(&dir, &["test", "."]);
    let text = stdout(&out);
    assert!(text.contains("matches its recorded outcome"), "{text}");
    let golden =
        std::fs::read_to_string(dir.join("scenarios/cap-reached.outcome")).expect("golden");
    assert!(
        golden.contains("\nrevenue_share 2030 owed: USD 2,000,000,000\n"),
        "{golden}"
    );
}

#[test]
fn junit_and_json_for_ci() {
    let dir = scratch_copy("junit");
    edit(
        &dir.join("scenarios/aws-launch-2027.cov"),
        "USD 6 billion for 2027",
        "USD 7 billion for 2027",
    );
    let out = covenant(&dir, &["test", "--format", "junit", "."]);
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"covenant\" tests=\"3\" failures=\"1\""), "{xml}");
    assert!(
        xml.contains("<testcase classname=\"scenarios\" name=\"cap_reached\""),
        "{xml}"
    );
    assert!(xml.contains("<failure message=\"1 of 3 expectations failed\" type=\"covenant\">expected: openai owes microsoft USD 7 billion"), "{xml}");
    assert_eq!(xml.matches("<testcase").count(), 3);
    assert_eq!(
        xml.matches("</testcase>").count() + xml.matches("\"/>").count(),
        3
    );

    let out = covenant(&dir, &["test", "--format", "json", "."]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["schema"], "covenant.test/1");
    assert_eq!(json["failed"], 1);
    assert_eq!(json["unrecorded"], 3);
}

#[test]
fn diff_exit_codes() {
    let dir = scratch_copy("diff");
    let out = covenant(
        &dir,
        &[
            "diff",
            "2026-amendment.cov",
            "2026-amendment.cov",
            "--scenarios",
            "scenarios",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = covenant(&dir, &["diff", "2026-amendment.cov", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["schema"], "covenant.diff/1");
    assert_eq!(json["differs"], true);
    let out = covenant(&dir, &["diff", "2019-partnership.cov"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a contract alone has no base to compare with"
    );
}
