//! Structurally generated contracts and scenarios: print, check, evaluate.
#![no_main]

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
});
