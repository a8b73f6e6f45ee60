//! Arbitrary bytes as a `.cov` file: parse, and render whatever diagnostics come out.
#![no_main]

use covenant::workspace::Workspace;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut ws = Workspace::new();
    let (_, parsed) = ws.parse_text("fuzz.cov", &text);
    if let Err(diagnostics) = parsed {
        covenant_fuzz::assert_no_internal_error(&diagnostics, &ws.sources);
    }
});
