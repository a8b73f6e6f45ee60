//! Baseline benchmarks: parse+check of the fixtures and of a generated
//! 1,000-clause contract, evaluation of a generated 10,000-event scenario, and
//! the "is this action permitted on this date" query against the fixture with
//! a hand-written Rust function as the floor. Figures go in docs/PERFORMANCE.md.

#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "benchmark harness"
)]

use std::hint::black_box;
use std::path::PathBuf;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use covenant::check::scenario::{plan_scenario, ActionCall};
use covenant::check::{build_model, Loaded, Model, Value};
use covenant::eval::{compile, evaluate, Options};
use covenant::syntax::ast::Document;
use covenant::syntax::parse_document;
use covenant::workspace::Workspace;

const PARTNERSHIP: &str = include_str!("../contracts/openai-microsoft/2019-partnership.cov");
const AMENDMENT: &str = include_str!("../contracts/openai-microsoft/2026-amendment.cov");

fn loaded(ws: &mut Workspace, name: &str, text: &str) -> Loaded {
    let (file, parsed) = ws.parse_text(name, text);
    Loaded {
        file,
        path: PathBuf::from(name),
        document: parsed.expect("bench input parses"),
    }
}

fn fixture_model(ws: &mut Workspace) -> Model {
    let chain = vec![
        loaded(ws, "2019-partnership.cov", PARTNERSHIP),
        loaded(ws, "2026-amendment.cov", AMENDMENT),
    ];
    build_model(&chain).value.expect("fixture checks")
}

/// A contract with `clauses` clauses: prohibitions, permissions with carve-outs and tiered payments.
fn generated_contract(clauses: usize) -> String {
    let mut s = String::from(
        "contract generated \"Generated\" {\n  parties {\n    licensor\n    licensee\n  }\n  effective 2020-01-01\n  term until 2039-12-31\n  define channel as one of web, retail, wholesale, oem\n  action sell(via: channel, units: number)\n  metric net_sales in USD per quarter\n  condition active default true\n",
    );
    for i in 0..clauses {
        match i % 4 {
            0 => s.push_str(&format!("  clause c{i} \"Exclusivity {i}\" {{\n    licensee must not sell where via is not web and units > {i}\n    from 2021-01-01\n    until 2035-12-31\n  }}\n")),
            1 => s.push_str(&format!("  clause c{i} {{\n    licensee may sell where via in [retail, oem] notwithstanding c{}\n    while active\n  }}\n", i - 1)),
            2 => s.push_str(&format!("  clause c{i} {{\n    licensee must pay licensor 8% of net_sales up to USD 5 million, then 5%\n      capped at USD {} million in total\n      due 30 days after period end\n  }}\n", 10 + i)),
            _ => s.push_str(&format!("  clause c{i} {{\n    licensor grants licensee a non-exclusive licence to \"Patent {i}\"\n    for 5 years\n  }}\n")),
        }
    }
    s.push_str("}\n");
    s
}

/// A scenario of `events` action events plus quarterly figures, against the OpenAI–Microsoft amendment.
fn generated_scenario(events: usize) -> String {
    let mut s = String::from("scenario generated {\n  contract \"2026-amendment.cov\"\n");
    let start = NaiveDate::from_ymd_opt(2019, 8, 1).expect("date");
    let providers = ["azure", "aws", "google_cloud", "oracle"];
    for i in 0..events {
        let date = start + chrono::Days::new((i % 4800) as u64);
        s.push_str(&format!(
            "  on {date} openai distribute via {}\n",
            providers[i % 4]
        ));
    }
    for year in 2020..=2032 {
        s.push_str(&format!(
            "  openai_revenue for {year} is USD {} billion\n",
            10 + (year - 2020) * 5
        ));
    }
    s.push_str("}\n");
    s
}

fn parse_check(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_check");
    group.throughput(Throughput::Bytes(
        (PARTNERSHIP.len() + AMENDMENT.len()) as u64,
    ));
    group.bench_function("openai_microsoft_fixtures", |b| {
        b.iter(|| {
            let mut ws = Workspace::new();
            black_box(fixture_model(&mut ws))
        })
    });
    let text = generated_contract(1_000);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("generated_1000_clauses", |b| {
        b.iter(|| {
            let mut ws = Workspace::new();
            let chain = vec![loaded(&mut ws, "generated.cov", &text)];
            let checked = build_model(&chain);
            assert!(checked.value.is_some(), "{:?}", checked.diagnostics.first());
            black_box(checked.value)
        })
    });
    group.finish();
}

fn eval(c: &mut Criterion) {
    let mut ws = Workspace::new();
    let model = fixture_model(&mut ws);
    let text = generated_scenario(10_000);
    let file = ws.add_text("generated-scenario.cov", &text);
    let Ok(Document::Scenario(scenario)) = parse_document(&text, file) else {
        panic!("scenario parses")
    };
    let mut diagnostics = Vec::new();
    let mut planning_model = model.clone();
    let plan = plan_scenario(&mut planning_model, &scenario, file, &mut diagnostics).expect("plan");
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let mut group = c.benchmark_group("eval");
    group.throughput(Throughput::Elements(plan.events.len() as u64));
    group.bench_function("scenario_10000_events", |b| {
        b.iter(|| {
            black_box(evaluate(&model, &plan, &ws.sources, Options::default()).expect("evaluates"))
        })
    });
    group.finish();
}

/// The fixture's rules by hand: Azure exclusivity until the amendment, nothing after.
fn hand_written_permitted(via_is_azure: bool, day: NaiveDate) -> bool {
    let effective = NaiveDate::from_ymd_opt(2019, 7, 22).expect("date");
    let amendment = NaiveDate::from_ymd_opt(2026, 4, 27).expect("date");
    let end = NaiveDate::from_ymd_opt(2032, 12, 31).expect("date");
    !(day >= effective && day < amendment && day <= end && !via_is_azure)
}

fn query(c: &mut Criterion) {
    let mut ws = Workspace::new();
    let model = fixture_model(&mut ws);
    let text = "scenario q {\n  contract \"2026-amendment.cov\"\n}\n";
    let file = ws.add_text("q.cov", text);
    let Ok(Document::Scenario(scenario)) = parse_document(text, file) else {
        panic!("scenario parses")
    };
    let mut diagnostics = Vec::new();
    let mut planning_model = model.clone();
    let plan = plan_scenario(&mut planning_model, &scenario, file, &mut diagnostics).expect("plan");
    let compiled = compile(&model, &plan, Options::default()).expect("compiles");
    let aws = model.types[0]
        .values
        .iter()
        .position(|v| v == "aws")
        .expect("aws");
    let call = ActionCall {
        party: 0,
        action: 0,
        args: vec![Value::Enum(0, aws)],
    };
    let days: Vec<NaiveDate> = (0..1024)
        .map(|i| NaiveDate::from_ymd_opt(2019, 1, 1).expect("date") + chrono::Days::new(i * 5))
        .collect();
    let mut group = c.benchmark_group("permitted_query");
    group.throughput(Throughput::Elements(days.len() as u64));
    group.bench_function("covenant_1024_queries", |b| {
        b.iter_batched(
            || (),
            |()| {
                days.iter()
                    .filter(|d| compiled.program.verdict(&call, **d).permitted)
                    .count()
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("hand_written_1024_queries", |b| {
        b.iter(|| {
            days.iter()
                .filter(|d| hand_written_permitted(black_box(false), **d))
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, parse_check, eval, query);
criterion_main!(benches);
