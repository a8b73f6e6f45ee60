//! Counts pairs per rule. `cargo run --release --example pair_census -- FILE`
#![allow(clippy::expect_used, clippy::print_stdout, reason = "a measuring tool")]
use covenant::syntax::parser::{CovenantParser, Rule};
use pest::Parser;
use std::collections::BTreeMap;
fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let text = std::fs::read_to_string(path).expect("read");
    let pairs = CovenantParser::parse(Rule::file, &text).expect("parses");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in pairs.flatten() {
        *counts.entry(format!("{:?}", p.as_rule())).or_default() += 1;
    }
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by_key(|(_, c)| std::cmp::Reverse(*c));
    for (r, c) in v {
        println!("{c:8} {r}");
    }
}
