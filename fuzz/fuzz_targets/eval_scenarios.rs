//! Generated scenarios against the bundled OpenAI–Microsoft contract chain.
#![no_main]

use covenant::eval::Options;
use covenant::pipeline::evaluate_texts;
use covenant::workspace::Workspace;
use covenant_fuzz::{scenario_text, FDate, FLine, FMoney, OPENAI_MICROSOFT};
use libfuzzer_sys::fuzz_target;

const PARTNERSHIP: &str = include_str!("../../contracts/openai-microsoft/2019-partnership.cov");
const AMENDMENT: &str = include_str!("../../contracts/openai-microsoft/2026-amendment.cov");

fuzz_target!(|input: (Vec<FLine>, Option<FMoney>, Option<FDate>)| {
    let (lines, cap, as_of) = input;
    let scenario = scenario_text(&lines, &OPENAI_MICROSOFT, cap.as_ref());
    let as_of = as_of.and_then(|d| chrono::NaiveDate::parse_from_str(&d.text(), "%Y-%m-%d").ok());
    let mut ws = Workspace::new();
    match evaluate_texts(
        &mut ws,
        PARTNERSHIP,
        &[AMENDMENT],
        &scenario,
        Options { as_of },
    ) {
        Ok(ev) => {
            // The reports must render too.
            let _ = covenant::report::render_evaluation(&ev, "fuzz.cov");
            let _ = covenant::report::record::answers(&ev);
        }
        Err(diagnostics) => covenant_fuzz::assert_no_internal_error(&diagnostics, &ws.sources),
    }
});
