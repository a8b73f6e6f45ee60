//! Structurally generated contracts and scenarios: print, check (with the
//! drafting analyses of `covenant check`), evaluate.
#![no_main]

use covenant::check::{build_model, lint, Loaded};
use covenant::eval::Options;
use covenant::pipeline::evaluate_texts;
use covenant::workspace::Workspace;
use covenant_fuzz::{scenario_text, FContract, FLine, FUZZED};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (FContract, Vec<FLine>)| {
    let (contract, lines) = input;
    let contract = contract.text();
    let scenario = scenario_text(&lines, &FUZZED, None);
    let mut ws = Workspace::new();
    if let Err(diagnostics) = evaluate_texts(&mut ws, &contract, &[], &scenario, Options::default())
    {
        covenant_fuzz::assert_no_internal_error(&diagnostics, &ws.sources);
    }
    // The analyses `covenant check` adds (conflicts, dead clauses, …) run on
    // the model alone, so they are fuzzed on every contract that builds one.
    let mut ws = Workspace::new();
    let (file, parsed) = ws.parse_text("fuzzed.cov", &contract);
    if let Ok(document) = parsed {
        let chain = [Loaded {
            file,
            path: "fuzzed.cov".into(),
            document,
        }];
        if let Some(model) = build_model(&chain).value {
            let findings = lint::lint(&model);
            covenant_fuzz::assert_no_internal_error(&findings.diagnostics, &ws.sources);
        }
    }
});
