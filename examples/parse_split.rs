//! Splits parse time between pest and lowering. `cargo run --release --example parse_split -- FILE`

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a measuring tool"
)]

use std::time::Instant;

use covenant::source::FileId;
use covenant::syntax::parser::{CovenantParser, Rule};
use pest::Parser;

fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let text = std::fs::read_to_string(path).expect("read");
    let t = Instant::now();
    let pairs = CovenantParser::parse(Rule::file, &text).expect("parses");
    let pest_time = t.elapsed();
    let count = pairs.flatten().count();
    let t = Instant::now();
    let doc = covenant::syntax::parse_document(&text, FileId(0));
    let full = t.elapsed();
    println!(
        "{:.1} MB: pest {:.3} s ({} pairs), pest+lowering {:.3} s, ok {}",
        text.len() as f64 / 1e6,
        pest_time.as_secs_f64(),
        count,
        full.as_secs_f64(),
        doc.is_ok()
    );
}
