//! The formatter round trip: any text that parses formats without a fault,
//! and formatting the output again changes nothing.
#![no_main]

use covenant::format::format_source;
use covenant::source::FileId;
use covenant::syntax::parse_document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if parse_document(text, FileId(0)).is_err() {
        return;
    }
    let once = match format_source(text, FileId(0)) {
        Ok(t) => t,
        Err(d) => panic!(
            "internal error: text that parses does not format: {:?}",
            d.first().map(|d| &d.message)
        ),
    };
    let twice = format_source(&once, FileId(0)).unwrap_or_default();
    assert_eq!(once, twice, "formatting is not idempotent");
});
