//! Property tests for the conflict analysis (`covenant::rule_conflict`).
//!
//! Random contracts (with or without an amendment) and scenarios are built
//! from permissions and prohibitions with `where` conditions over defined
//! values, amounts and a money param, windows with literal dates, `for`
//! windows, `while`/`unless` conditions and `notwithstanding` lists.
//!
//! - Soundness: whenever evaluation meets a permission and a prohibition
//!   that both apply to one event, the permission not naming the
//!   prohibition's clause in `notwithstanding`, `covenant check` has
//!   reported a `rule_conflict` labelling both statements.
//! - Exactness on the fragment: every conflict reported with an example
//!   really happens — a scenario built from the example meets both rules.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::collections::HashSet;
use std::path::Path;

use covenant::check::lint::rule_conflicts;
use covenant::check::scenario::{check_scenario, PlanEventKind};
use covenant::check::{Model, Value};
use covenant::diagnostic::{has_errors, render, Code};
use covenant::eval::{compile, Options};
use covenant::pipeline::check_path;
use covenant::source::Span;
use covenant::workspace::Workspace;
use proptest::prelude::*;

const DATES: &[&str] = &[
    "2024-06-01",
    "2025-01-01",
    "2025-07-01",
    "2026-01-01",
    "2027-03-15",
    "2028-01-01",
    "2031-06-01",
];
const REGIONS: &[&str] = &["north", "south", "east"];
const VIAS: &[&str] = &["retail", "online"];
const AMOUNTS: &[u32] = &[0, 10, 50, 100];
const ACTIONS: &[&str] = &["ship", "spend", "plain"];
const PARTIES: &[&str] = &["alpha", "beta"];

/// A `where`/`while` expression over what the action (if any) offers.
fn expr(action: usize) -> BoxedStrategy<String> {
    let leaf = match action {
        0 => prop_oneof![
            (0..REGIONS.len()).prop_map(|i| format!("region is {}", REGIONS[i])),
            (0..REGIONS.len()).prop_map(|i| format!("region is not {}", REGIONS[i])),
            proptest::sample::subsequence(REGIONS.to_vec(), 1..=2)
                .prop_map(|v| format!("region in [{}]", v.join(", "))),
            (0..VIAS.len()).prop_map(|i| format!("via is {}", VIAS[i])),
            Just("go".to_owned()),
            Just("flag".to_owned()),
        ]
        .boxed(),
        1 => prop_oneof![
            (0..4usize, 0..AMOUNTS.len()).prop_map(|(o, a)| format!(
                "amount {} USD {}",
                [">", "<=", "is", ">="][o],
                AMOUNTS[a]
            )),
            (0..3usize).prop_map(|o| format!("amount {} limit", [">=", "<", "is not"][o])),
            Just("go".to_owned()),
        ]
        .boxed(),
        _ => prop_oneof![
            Just("go".to_owned()),
            Just("stop".to_owned()),
            Just("flag".to_owned())
        ]
        .boxed(),
    };
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| format!("not ({e})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} or {b})")),
        ]
    })
    .boxed()
}

#[derive(Debug, Clone)]
struct Rule {
    permit: bool,
    party: usize,
    action: usize,
    condition: Option<String>,
    /// Indexes into the clause names known where the rule is written.
    notwithstanding: Vec<usize>,
}

fn rule() -> impl Strategy<Value = Rule> {
    // Mostly one party, so that rules meet often enough to test something.
    let party = prop_oneof![4 => Just(0usize), 1 => Just(1usize)];
    (any::<bool>(), party, 0..ACTIONS.len())
        .prop_flat_map(|(permit, party, action)| {
            (
                Just(permit),
                Just(party),
                Just(action),
                proptest::option::weighted(0.6, expr(action)),
                proptest::collection::vec(0..8usize, 0..=1),
            )
        })
        .prop_map(|(permit, party, action, condition, notwithstanding)| Rule {
            permit,
            party,
            action,
            condition,
            notwithstanding,
        })
}

#[derive(Debug, Clone)]
struct Clause {
    rules: Vec<Rule>,
    from: Option<usize>,
    until: Option<usize>,
    for_months: Option<u32>,
    while_: Option<String>,
    unless: Option<String>,
}

fn clause() -> impl Strategy<Value = Clause> {
    (
        proptest::collection::vec(rule(), 1..=3),
        proptest::option::weighted(0.3, 0..DATES.len()),
        proptest::option::weighted(0.3, 0..DATES.len()),
        proptest::option::weighted(0.15, 1..30u32),
        proptest::option::weighted(0.2, expr(2)),
        proptest::option::weighted(0.15, expr(2)),
    )
        .prop_map(|(rules, from, until, for_months, while_, unless)| {
            // Keep `from` on or before `until`: the other order is an error, not a conflict.
            let (from, until) = match (from, until) {
                (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
                other => other,
            };
            Clause {
                rules,
                from,
                until,
                for_months,
                while_,
                unless,
            }
        })
}

fn render_rule(r: &Rule, names: &[String]) -> String {
    let mut s = format!(
        "{} {} {}",
        PARTIES[r.party],
        if r.permit { "may" } else { "must not" },
        ACTIONS[r.action]
    );
    if let Some(c) = &r.condition {
        s.push_str(&format!(" where {c}"));
    }
    if r.permit && !names.is_empty() {
        let named: Vec<&str> = r
            .notwithstanding
            .iter()
            .map(|i| names[i % names.len()].as_str())
            .collect();
        if !named.is_empty() {
            s.push_str(&format!(" notwithstanding {}", named.join(", ")));
        }
    }
    s
}

fn render_body(c: &Clause, names: &[String]) -> String {
    let mut lines: Vec<String> = c.rules.iter().map(|r| render_rule(r, names)).collect();
    if let Some(i) = c.from {
        lines.push(format!("from {}", DATES[i]));
    }
    if let Some(i) = c.until {
        lines.push(format!("until {}", DATES[i]));
    }
    if let Some(m) = c.for_months {
        lines.push(format!("for {m} months"));
    }
    if let Some(e) = &c.while_ {
        lines.push(format!("while {e}"));
    }
    if let Some(e) = &c.unless {
        lines.push(format!("unless {e}"));
    }
    lines
        .iter()
        .map(|l| format!("    {l}\n"))
        .collect::<String>()
}

#[derive(Debug, Clone)]
struct Amendment {
    effective: usize,
    remove: Option<usize>,
    replace: Option<(usize, Clause)>,
    add: Vec<Clause>,
}

#[derive(Debug, Clone)]
struct Event {
    day: i64,
    party: usize,
    action: usize,
    region: usize,
    via: usize,
    amount: usize,
}

#[derive(Debug, Clone)]
struct Case {
    term: usize,
    clauses: Vec<Clause>,
    amendment: Option<Amendment>,
    limit: Option<usize>,
    switches: Vec<(i64, bool, bool)>,
    events: Vec<Event>,
}

fn case() -> impl Strategy<Value = Case> {
    let amendment = (
        1..5usize,
        proptest::option::of(0..6usize),
        proptest::option::weighted(0.4, (0..6usize, clause())),
        proptest::collection::vec(clause(), 0..=2),
    )
        .prop_map(|(effective, remove, replace, add)| Amendment {
            effective,
            remove,
            replace,
            add,
        });
    let party = prop_oneof![4 => Just(0usize), 1 => Just(1usize)];
    let event = (
        0..3300i64,
        party,
        0..3usize,
        0..3usize,
        0..2usize,
        0..6usize,
    )
        .prop_map(|(day, party, action, region, via, amount)| Event {
            day,
            party,
            action,
            region,
            via,
            amount,
        });
    (
        0..3usize,
        proptest::collection::vec(clause(), 1..=4),
        proptest::option::weighted(0.5, amendment),
        proptest::option::of(0..AMOUNTS.len()),
        proptest::collection::vec((0..3300i64, any::<bool>(), any::<bool>()), 0..=3),
        proptest::collection::vec(event, 1..=20),
    )
        .prop_map(|(term, clauses, amendment, limit, switches, events)| Case {
            term,
            clauses,
            amendment,
            limit,
            switches,
            events,
        })
}

fn day(offset: i64) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    (start + chrono::Duration::days(offset)).to_string()
}

const HEADER: &str = "  parties { alpha beta }
  effective 2025-01-01
  define area as one of north, south, east
  define channel as one of retail, online
  action ship(region: area, via: channel)
  action spend(amount: money)
  action plain
  condition go default true
  condition stop default false
  param limit = USD 50
  param flag = false
";

fn contract_text(c: &Case) -> String {
    let term = [
        "term until 2029-12-31",
        "term 3 years",
        "term 1 year renews every 1 year unless notice 30 days",
    ][c.term];
    let names: Vec<String> = (0..c.clauses.len()).map(|i| format!("c{i}")).collect();
    let mut s = format!("contract deal {{\n{HEADER}  {term}\n");
    for (i, clause) in c.clauses.iter().enumerate() {
        s.push_str(&format!(
            "  clause c{i} {{\n{}  }}\n",
            render_body(clause, &names)
        ));
    }
    s.push_str("}\n");
    s
}

fn amendment_text(c: &Case, a: &Amendment) -> String {
    let n = c.clauses.len();
    let mut names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    names.extend((0..a.add.len()).map(|i| format!("n{i}")));
    let mut s = format!(
        "amendment deal_2 {{\n  amends deal from \"contract.cov\"\n  effective {}\n",
        DATES[a.effective]
    );
    let removed = a.remove.map(|r| r % n);
    if let Some(r) = removed {
        s.push_str(&format!("  remove c{r}\n"));
    }
    if let Some((i, body)) = &a.replace {
        let i = i % n;
        if Some(i) != removed {
            s.push_str(&format!(
                "  replace c{i} {{\n{}  }}\n",
                render_body(body, &names)
            ));
        }
    }
    for (i, body) in a.add.iter().enumerate() {
        s.push_str(&format!(
            "  add clause n{i} {{\n{}  }}\n",
            render_body(body, &names)
        ));
    }
    s.push_str("}\n");
    s
}

fn event_line(e: &Event) -> String {
    let args = match e.action {
        0 => format!(" region {} via {}", REGIONS[e.region], VIAS[e.via]),
        1 => format!(" amount USD {}", [0, 10, 25, 50, 75, 100][e.amount]),
        _ => String::new(),
    };
    format!(
        "  on {} {} {}{args}\n",
        day(e.day),
        PARTIES[e.party],
        ACTIONS[e.action]
    )
}

fn scenario_text(c: &Case, target: &str) -> String {
    let mut s = format!("scenario run {{\n  contract \"{target}\"\n");
    if let Some(l) = c.limit {
        s.push_str(&format!("  set limit = USD {}\n", AMOUNTS[l]));
    }
    for (d, which, value) in &c.switches {
        let name = if *which { "go" } else { "stop" };
        s.push_str(&format!("  on {} {name} becomes {value}\n", day(*d)));
    }
    for e in &c.events {
        s.push_str(&event_line(e));
    }
    s.push_str("}\n");
    s
}

/// A value as a scenario writes it.
fn literal(model: &Model, v: &Value) -> String {
    match v {
        Value::Money(m) => format!("{} {}", m.currency, m.amount.normalize()),
        Value::Bool(b) => b.to_string(),
        Value::Enum(..) => model.show_value(v),
        other => model.show_value(other),
    }
}

/// The conflicting pairs (permission, prohibition) `covenant check` reported.
fn reported(ws: &mut Workspace, path: &Path) -> Option<HashSet<(Span, Span)>> {
    let diagnostics = check_path(ws, path);
    if has_errors(&diagnostics) {
        return None;
    }
    Some(
        diagnostics
            .iter()
            .filter(|d| d.code == Code::RuleConflict)
            .filter_map(|d| Some((d.labels.first()?.span, d.labels.get(1)?.span)))
            .collect(),
    )
}

/// For each action event, the (permission, prohibition) pairs that applied without `notwithstanding`.
fn met(ws: &mut Workspace, path: &Path) -> Vec<(String, Span, Span)> {
    let checked = check_scenario(ws, path);
    let Some((model, plan)) = checked.value else {
        panic!(
            "{} checks for `check` but not for `eval`:\n{}",
            path.display(),
            render(&checked.diagnostics, &ws.sources, false)
        );
    };
    let Ok(compiled) = compile(&model, &plan, Options::default()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in &plan.events {
        let PlanEventKind::Action(call) = &e.kind else {
            continue;
        };
        let rules = compiled.program.applicable(call, e.date);
        for p in rules.iter().filter(|r| r.permits) {
            for q in rules.iter().filter(|r| !r.permits) {
                if !p.notwithstanding.contains(&q.clause) {
                    out.push((ws.sources.slice(e.span).to_owned(), p.span, q.span));
                }
            }
        }
    }
    out
}

/// Adds a generated file to the workspace; the generator only writes text that parses.
fn add(ws: &mut Workspace, name: &str, text: &str) {
    if let (_, Err(d)) = ws.parse_text(name, text) {
        panic!(
            "{text}\ndoes not parse:\n{}",
            render(&d, &ws.sources, false)
        );
    }
}

fn load(ws: &mut Workspace, c: &Case) -> &'static str {
    add(ws, "prop/contract.cov", &contract_text(c));
    match &c.amendment {
        Some(a) => {
            add(ws, "prop/amendment.cov", &amendment_text(c, a));
            "amendment.cov"
        }
        None => "contract.cov",
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_conflict_met_in_evaluation_was_reported(c in case()) {
        let mut ws = Workspace::new();
        let target = load(&mut ws, &c);
        let scenario = Path::new("prop/scenario.cov");
        add(&mut ws, "prop/scenario.cov", &scenario_text(&c, target));
        let Some(reported) = reported(&mut ws, scenario) else {
            // Random windows can be contradictory (an error, not a conflict).
            return Ok(());
        };
        for (event, p, q) in met(&mut ws, scenario) {
            prop_assert!(
                reported.contains(&(p, q)),
                "`{event}` met `{}` and `{}`, but check did not report the conflict\n{}\n{}",
                ws.sources.slice(p),
                ws.sources.slice(q),
                contract_text(&c),
                c.amendment.as_ref().map(|a| amendment_text(&c, a)).unwrap_or_default()
            );
        }
    }

    #[test]
    fn every_reported_example_really_conflicts(c in case()) {
        let mut ws = Workspace::new();
        let target = load(&mut ws, &c);
        let scenario = Path::new("prop/scenario.cov");
        add(&mut ws, "prop/scenario.cov", &format!("scenario s {{\n  contract \"{target}\"\n}}\n"));
        let checked = check_scenario(&mut ws, scenario);
        let Some((model, _)) = checked.value else {
            return Ok(());
        };
        for (n, conflict) in rule_conflicts(&model).iter().enumerate() {
            let Some(w) = &conflict.witness else { continue };
            if !conflict.exact {
                continue;
            }
            let action = &model.actions[conflict.action];
            let mut text = format!("scenario w{n} {{\n  contract \"{target}\"\n");
            for (p, v) in &w.params {
                text.push_str(&format!("  set {} = {}\n", model.params[*p].name, literal(&model, v)));
            }
            for (cond, v) in &w.conditions {
                text.push_str(&format!("  on {} {} becomes {v}\n", w.date, model.conditions[*cond].name));
            }
            let args: String = action
                .args
                .iter()
                .zip(&w.args)
                .map(|((name, _), v)| format!(" {name} {}", literal(&model, v)))
                .collect();
            text.push_str(&format!(
                "  on {} {} {}{args}\n}}\n",
                w.date,
                model.parties[conflict.party].name,
                action.name
            ));
            let path = format!("prop/witness-{n}.cov");
            add(&mut ws, &path, &text);
            let pairs = met(&mut ws, Path::new(&path));
            prop_assert!(
                pairs.iter().any(|(_, p, q)| *p == conflict.permission && *q == conflict.prohibition),
                "the example does not meet both rules:\n{text}\n{}",
                contract_text(&c)
            );
        }
    }
}
