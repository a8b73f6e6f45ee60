//! Measures evaluation at scale: N action events plus 100 years of monthly
//! figures against the OpenAI–Microsoft chain, timing each stage and reading
//! the process's peak memory. `cargo run --release --example scale -- 1000000`

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "a measuring tool"
)]

use std::time::Instant;

use covenant::check::scenario::plan_scenario;
use covenant::check::{build_model, Loaded};
use covenant::eval::{evaluate, Options};
use covenant::syntax::ast::Document;
use covenant::workspace::Workspace;

const PARTNERSHIP: &str = include_str!("../contracts/openai-microsoft/2019-partnership.cov");
const AMENDMENT: &str = include_str!("../contracts/openai-microsoft/2026-amendment.cov");

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Scenario text: `events` distribute events over 100 years, and 1,200 monthly figures.
pub fn scenario_text(events: usize) -> String {
    let mut s = String::with_capacity(events * 48 + 60_000);
    s.push_str("scenario scale {\n  contract \"2026-amendment.cov\"\n");
    let start = chrono::NaiveDate::from_ymd_opt(2019, 8, 1).unwrap();
    let providers = ["azure", "aws", "google_cloud", "oracle"];
    for i in 0..events {
        let date = start + chrono::Days::new((i % 36_500) as u64);
        s.push_str(&format!(
            "  on {date} openai distribute via {}\n",
            providers[i % 4]
        ));
    }
    s.push_str("}\n");
    s
}

/// The fixture chain with a 100-year term and monthly revenue, so that 1,200
/// monthly figures all fall inside it.
fn fixture_model(ws: &mut Workspace) -> covenant::check::Model {
    let partnership = PARTNERSHIP
        .replace("term until 2032-12-31", "term until 2119-12-31")
        .replace("per year", "per month");
    let mut chain = Vec::new();
    for (name, text) in [
        ("2019-partnership.cov", partnership.as_str()),
        ("2026-amendment.cov", AMENDMENT),
    ] {
        let (file, parsed) = ws.parse_text(name, text);
        chain.push(Loaded {
            file,
            path: name.into(),
            document: parsed.expect("parses"),
        });
    }
    build_model(&chain).value.expect("checks")
}

/// [`scenario_text`] with 100 years of monthly revenue figures added.
fn scenario_with_figures(events: usize) -> String {
    let mut text = scenario_text(events);
    text.truncate(text.len() - 2);
    for month in 0..1200 {
        text.push_str(&format!(
            "  openai_revenue for {}-{:02} is USD {} million\n",
            2020 + month / 12,
            month % 12 + 1,
            100 + month
        ));
    }
    text.push_str("}\n");
    text
}

/// Builds the plan without parsing the events: parse a short scenario, then
/// repeat its events with shifted dates. Measures evaluation alone, from an
/// already parsed (planned) scenario, without the parser's peak memory.
fn synthetic(events: usize) {
    let mut ws = Workspace::new();
    let mut model = fixture_model(&mut ws);
    let text = scenario_with_figures(4);
    let (file, parsed) = ws.parse_text("scale.cov", &text);
    let document = parsed.expect("parses");
    let Document::Scenario(scenario) = document.as_ref() else {
        panic!("a scenario")
    };
    let mut diagnostics = Vec::new();
    let mut plan = plan_scenario(&mut model, scenario, file, &mut diagnostics).expect("plans");
    let seeds = plan.events.clone();
    let start = chrono::NaiveDate::from_ymd_opt(2019, 8, 1).expect("date");
    plan.events = (0..events)
        .map(|i| {
            let mut e = seeds[i % seeds.len()].clone();
            e.date = start + chrono::Days::new((i % 36_500) as u64);
            e
        })
        .collect();
    plan.events.sort_by_key(|e| e.date);
    let rss_planned = peak_rss_mb();
    let t = Instant::now();
    let ev = evaluate(&model, &plan, &ws.sources, Options::default()).expect("evaluates");
    let eval = t.elapsed();
    println!(
        "synthetic plan: events {events}  evaluate {:.3} s  outcomes {}  peak RSS with the plan built {:.0} MB, after evaluation {:.0} MB",
        eval.as_secs_f64(),
        ev.events.len(),
        rss_planned,
        peak_rss_mb()
    );
}

fn main() {
    if std::env::args().nth(2).as_deref() == Some("--synthetic") {
        synthetic(
            std::env::args()
                .nth(1)
                .and_then(|a| a.parse().ok())
                .unwrap_or(1_000_000),
        );
        return;
    }
    let events: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut ws = Workspace::new();
    let mut model = fixture_model(&mut ws);
    let text = scenario_with_figures(events);
    let bytes = text.len();
    let t = Instant::now();
    let (file, parsed) = ws.parse_text("scale.cov", &text);
    let parse = t.elapsed();
    let document = parsed.expect("parses");
    let Document::Scenario(scenario) = document.as_ref() else {
        panic!("a scenario")
    };
    let t = Instant::now();
    let mut diagnostics = Vec::new();
    let plan = plan_scenario(&mut model, scenario, file, &mut diagnostics).expect("plans");
    let check = t.elapsed();
    drop(text);
    let rss_before = peak_rss_mb();
    let t = Instant::now();
    let ev = evaluate(&model, &plan, &ws.sources, Options::default()).expect("evaluates");
    let eval = t.elapsed();
    println!(
        "events {events}  text {:.1} MB  parse {:.3} s ({:.1} MB/s)  check {:.3} s  evaluate {:.3} s  outcomes {} events {} payments  peak RSS before eval {:.0} MB, after {:.0} MB",
        bytes as f64 / 1e6,
        parse.as_secs_f64(),
        bytes as f64 / 1e6 / parse.as_secs_f64(),
        check.as_secs_f64(),
        eval.as_secs_f64(),
        ev.events.len(),
        ev.accruals.len(),
        rss_before,
        peak_rss_mb()
    );
}
