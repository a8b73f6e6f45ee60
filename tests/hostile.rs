//! Bad input never crashes: generated hostile files through the real binary.
//!
//! Every case must end with a diagnostic and exit code 1 (or 2 for usage
//! errors), never a panic (101), a stack overflow (a signal) or a hang.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("covenant-hostile-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir.join(name)
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch(name);
    let mut f = std::fs::File::create(&path).expect("create scratch file");
    f.write_all(bytes).expect("write scratch file");
    path
}

fn covenant(args: &[&str]) -> Output {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(["--color", "never"])
        .args(args)
        .output()
        .expect("run covenant");
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{args:?} took {:?}",
        start.elapsed()
    );
    out
}

fn check_file(path: &Path) -> (i32, String) {
    let out = covenant(&["check", path.to_str().expect("utf-8 temp path")]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        !stderr.contains("panicked"),
        "panic on {}:\n{stderr}",
        path.display()
    );
    (code, stderr)
}

fn assert_diagnosed(name: &str, bytes: &[u8], code: &str) {
    let path = write(name, bytes);
    let (exit, stderr) = check_file(&path);
    assert_eq!(exit, 1, "{name}: exit {exit}\n{stderr}");
    assert!(
        stderr.contains(code),
        "{name}: expected {code} in:\n{stderr}"
    );
}

#[test]
fn empty_file() {
    assert_diagnosed("empty.cov", b"", "covenant::syntax");
}

#[test]
fn binary_garbage() {
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_diagnosed("binary.cov", &bytes, "covenant::invalid_utf8");
}

#[test]
fn nul_bytes_in_valid_utf8() {
    assert_diagnosed("nul.cov", b"contract x {\0\0\0}", "covenant::syntax");
}

#[test]
fn twenty_thousand_nested_parentheses() {
    let text = format!(
        "contract x {{ clause c {{ a must not b where {}x{} }} }}",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    assert_diagnosed("parens.cov", text.as_bytes(), "covenant::nesting_too_deep");
}

#[test]
fn deep_braces_and_brackets() {
    assert_diagnosed(
        "braces.cov",
        "contract x ".to_owned().add_repeat("{", 50_000).as_bytes(),
        "covenant::nesting_too_deep",
    );
    assert_diagnosed(
        "brackets.cov",
        "contract x { clause c { a must not b where v in "
            .to_owned()
            .add_repeat("[", 50_000)
            .as_bytes(),
        "covenant::nesting_too_deep",
    );
}

#[test]
fn long_chains_of_not_and_or() {
    let nots = format!(
        "contract x {{ effective 2020-01-01 clause c {{ a must not b where {}x }} }}",
        "not ".repeat(200_000)
    );
    let (exit, stderr) = check_file(&write("nots.cov", nots.as_bytes()));
    assert_eq!(exit, 1, "{stderr}");
    let ors = format!(
        "contract x {{ effective 2020-01-01 clause c {{ a must not b where x{} }} }}",
        " or x".repeat(200_000)
    );
    let (exit, stderr) = check_file(&write("ors.cov", ors.as_bytes()));
    assert_eq!(exit, 1, "{stderr}");
}

#[test]
fn formulas_too_long_or_too_deep_are_limits_not_crashes() {
    // A 200,000-term sum would be a tree 200,000 deep for the checker to walk.
    let sum = format!(
        "contract x {{ parties {{ a b }} effective 2020-01-01 param p = 1 let total = p{} }}",
        " + 1".repeat(200_000)
    );
    assert_diagnosed("long-sum.cov", sum.as_bytes(), "covenant::limit_exceeded");
    let products = format!(
        "contract x {{ parties {{ a b }} effective 2020-01-01 let total = {}2{} }}",
        "(2 × ".repeat(60),
        ")".repeat(60)
    );
    let (exit, stderr) = check_file(&write("nested-products.cov", products.as_bytes()));
    assert_eq!(
        exit, 0,
        "sixty nested brackets are within the limits: {stderr}"
    );
    let extremes = format!(
        "contract x {{ parties {{ a b }} effective 2020-01-01 let top = {}1{} }}",
        "greater of (1, ".repeat(10_000),
        ")".repeat(10_000)
    );
    assert_diagnosed(
        "deep-extremes.cov",
        extremes.as_bytes(),
        "covenant::nesting_too_deep",
    );
}

#[test]
fn ten_megabyte_file() {
    let mut text = String::from("contract x {\n  effective 2020-01-01\n");
    while text.len() < 10 * 1024 * 1024 {
        text.push_str("  // a long comment that pads the file to ten megabytes of text\n");
    }
    text.push_str("  clause c { nobody must not anything }\n}\n");
    assert_diagnosed("ten.cov", text.as_bytes(), "covenant::unknown_name");
}

#[test]
fn a_five_megabyte_line() {
    let text = format!("contract x {{ parties {{ {} }} }}", "a".repeat(5_000_000));
    assert_diagnosed("line.cov", text.as_bytes(), "covenant::missing_declaration");
}

#[test]
fn file_over_the_size_limit() {
    let path = scratch("huge.cov");
    let f = std::fs::File::create(&path).expect("create");
    f.set_len(65 * 1024 * 1024).expect("sparse file");
    drop(f);
    let (exit, stderr) = check_file(&path);
    assert_eq!(exit, 1, "{stderr}");
    assert!(stderr.contains("covenant::file_too_large"), "{stderr}");
}

#[test]
fn huge_numbers_and_durations() {
    let text = "contract x { effective 2020-01-01 term 99999999999 years param p = USD 999999999999999999999999999999999 billion }";
    let path = write("numbers.cov", text.as_bytes());
    let (exit, stderr) = check_file(&path);
    assert_eq!(exit, 1, "{stderr}");
    assert!(stderr.contains("covenant::invalid_number"), "{stderr}");
}

#[test]
fn dates_at_the_edge_of_the_calendar() {
    let text = "contract x {\n  parties { a b }\n  effective 0001-01-01\n  term until 9999-12-31\n  metric m in USD per month\n  clause c {\n    a must pay b 10% of m\n      due 9999 years after period end\n  }\n}\n";
    let contract = write("edge.cov", text.as_bytes());
    let scenario = format!("scenario s {{\n  contract \"{}\"\n  m for 9999-12 is USD 10\n  expect a owes b USD 1 for 9999-12 under c\n}}\n", contract.display());
    let scenario = write("edge-scenario.cov", scenario.as_bytes());
    let out = covenant(&["eval", scenario.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}\n{stderr}",
        out.status
    );
}

#[test]
fn usage_errors_exit_two() {
    let out = covenant(&["check", "/definitely/not/here.cov"]);
    assert_eq!(out.status.code(), Some(2));
    let out = covenant(&["check", "--no-such-flag", "x.cov"]);
    assert_eq!(out.status.code(), Some(2));
    let out = covenant(&["eval"]);
    assert_eq!(out.status.code(), Some(2));
    let out = covenant(&["explain", "x.cov", "--on", "2026-02-30"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cyclic_amendments_are_an_error_not_a_loop() {
    let a = scratch("cycle-a.cov");
    let b = scratch("cycle-b.cov");
    std::fs::write(
        &a,
        "amendment a { amends b from \"cycle-b.cov\" effective 2020-01-01 }",
    )
    .expect("write");
    std::fs::write(
        &b,
        "amendment b { amends a from \"cycle-a.cov\" effective 2020-01-01 }",
    )
    .expect("write");
    let (exit, stderr) = check_file(&a);
    assert_eq!(exit, 1, "{stderr}");
    assert!(stderr.contains("covenant::amendment_cycle"), "{stderr}");
}

trait AddRepeat {
    fn add_repeat(self, piece: &str, n: usize) -> String;
}

impl AddRepeat for String {
    fn add_repeat(mut self, piece: &str, n: usize) -> String {
        self.push_str(&piece.repeat(n));
        self
    }
}

#[test]
fn too_many_clauses() {
    let mut text = String::from("contract x {\n  effective 2020-01-01\n");
    for i in 0..=50_000 {
        text.push_str(&format!("  clause c{i} {{\n  }}\n"));
    }
    text.push_str("}\n");
    assert_diagnosed("clauses.cov", text.as_bytes(), "covenant::limit_exceeded");
}
