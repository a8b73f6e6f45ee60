//! The pages of the diagnostic codes (docs/codes/CODE.md, printed by
//! `covenant explain-code CODE`): every code has one, with a bad and a fixed
//! example; and where the examples are whole contracts, the bad one really
//! reports the code and the fixed one does not.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::path::Path;

use covenant::diagnostic::{render, Code};
use covenant::pipeline::check_path;
use covenant::workspace::Workspace;

/// The first fenced block after `heading`.
fn example<'a>(page: &'a str, heading: &str) -> Option<&'a str> {
    let after = page.split_once(heading)?.1;
    let fence = after.split_once("```")?.1;
    let body = fence.split_once('\n')?.1;
    Some(body.split_once("```")?.0)
}

fn codes_reported(text: &str) -> (Vec<Code>, String) {
    let mut ws = Workspace::new();
    let _ = ws.parse_text("example.cov", text);
    let diagnostics = check_path(&mut ws, Path::new("example.cov"));
    let rendered = render(&diagnostics, &ws.sources, false);
    (diagnostics.iter().map(|d| d.code).collect(), rendered)
}

#[test]
fn every_code_has_a_page_with_a_bad_and_a_fixed_example() {
    for code in Code::ALL {
        let page = code.page();
        assert!(
            page.starts_with(&format!("# `{}`", code.as_str())),
            "docs/codes/{}.md should start with its code",
            code.name()
        );
        assert!(
            page.to_lowercase().contains(&code.summary().to_lowercase()),
            "docs/codes/{}.md should give the code's summary",
            code.name()
        );
        for heading in ["## Bad", "## Fixed"] {
            assert!(
                example(page, heading).is_some_and(|e| !e.trim().is_empty()),
                "docs/codes/{}.md has no example under {heading}",
                code.name()
            );
        }
    }
}

#[test]
fn whole_contract_examples_do_what_their_page_says() {
    let mut runnable = 0;
    let mut wrong = Vec::new();
    for code in Code::ALL {
        let page = code.page();
        let (Some(bad), Some(fixed)) = (example(page, "## Bad"), example(page, "## Fixed")) else {
            continue;
        };
        if !bad.starts_with("contract ") {
            continue;
        }
        runnable += 1;
        let (codes, rendered) = codes_reported(bad);
        if !codes.contains(code) {
            wrong.push(format!(
                "the bad example of {code} does not report it:\n{bad}\n{rendered}"
            ));
        }
        let (codes, rendered) = codes_reported(fixed);
        if codes.contains(code) {
            wrong.push(format!(
                "the fixed example of {code} still reports it:\n{fixed}\n{rendered}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    assert!(
        runnable >= 25,
        "only {runnable} pages have runnable examples"
    );
}
