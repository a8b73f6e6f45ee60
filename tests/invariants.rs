//! Invariants of evaluation as property tests: caps and floors hold, owed
//! amounts are monotonic in the metric, equal tiers equal one rate, a no-op
//! amendment changes no answer, an unrelated clause changes no verdict,
//! evaluation is deterministic, and exact decimals never lose a cent.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]
#![allow(
    clippy::inconsistent_digit_grouping,
    reason = "amounts are written in cents: 5_000_000_00 is USD 5 million"
)]

use proptest::prelude::*;
use rust_decimal::Decimal;

use covenant::eval::{Evaluation, Limit, Options};
use covenant::pipeline::evaluate_texts;
use covenant::report::record::answers;
use covenant::workspace::Workspace;

fn eval(contract: &str, amendments: &[&str], scenario: &str) -> Evaluation {
    let mut ws = Workspace::new();
    match evaluate_texts(&mut ws, contract, amendments, scenario, Options::default()) {
        Ok(ev) => ev,
        Err(d) => {
            panic!("does not evaluate: {d:#?}\n--- contract\n{contract}\n--- scenario\n{scenario}")
        }
    }
}

/// Cents as a money literal: 123456 → `USD 1_234.56`.
fn usd(cents: u64) -> String {
    format!("USD {}.{:02}", cents / 100, cents % 100)
}

#[derive(Debug, Clone)]
struct Deal {
    rates: Vec<u32>,        // tenths of a percent, 0..=1000
    thresholds: Vec<u64>,   // cents, increasing
    floor: Option<u64>,     // cents per year
    cap_per: Option<u64>,   // cents per year, not below the floor
    cap_total: Option<u64>, // cents
    start_month: u32,       // clause starts on the 1st of this month of 2020
    figures: Vec<u64>,      // cents per year from 2020
}

fn deal() -> impl Strategy<Value = Deal> {
    (
        prop::collection::vec(0u32..=1000, 1..4),
        prop::collection::vec(1u64..5_000_000_00, 0..3),
        prop::option::of(0u64..2_000_000_00),
        prop::option::of(1u64..10_000_000_00),
        prop::option::of(1u64..30_000_000_00),
        1u32..=12,
        prop::collection::vec(0u64..20_000_000_00, 1..8),
    )
        .prop_map(
            |(rates, mut thresholds, floor, cap_per, cap_total, start_month, figures)| {
                thresholds.sort_unstable();
                thresholds.dedup();
                thresholds.truncate(rates.len().saturating_sub(1));
                let rates = rates.into_iter().take(thresholds.len() + 1).collect();
                let cap_per = match (floor, cap_per) {
                    (Some(f), Some(c)) => Some(c.max(f)),
                    (_, c) => c,
                };
                Deal {
                    rates,
                    thresholds,
                    floor,
                    cap_per,
                    cap_total,
                    start_month,
                    figures,
                }
            },
        )
}

fn rate(tenths: u32) -> String {
    format!("{}.{}%", tenths / 10, tenths % 10)
}

fn contract_text(d: &Deal) -> String {
    let mut share = rate(d.rates[0]);
    share.push_str(" of sales");
    for (t, r) in d.thresholds.iter().zip(d.rates.iter().skip(1)) {
        share.push_str(&format!(" up to {}, then {}", usd(*t), rate(*r)));
    }
    let mut modifiers = String::new();
    if let Some(f) = d.floor {
        modifiers.push_str(&format!("\n      at least {} per year", usd(f)));
    }
    if let Some(c) = d.cap_per {
        modifiers.push_str(&format!("\n      capped at {} per year", usd(c)));
    }
    if let Some(c) = d.cap_total {
        modifiers.push_str(&format!("\n      capped at {} in total", usd(c)));
    }
    format!(
        "contract deal {{\n  parties {{\n    payer\n    payee\n  }}\n  effective 2020-01-01\n  term until 2029-12-31\n  action sell\n  action ship\n  metric sales in USD per year\n  clause royalty {{\n    from 2020-{:02}-01\n    payer must pay payee {share}{modifiers}\n  }}\n  clause no_selling {{\n    payer must not sell\n    until 2024-12-31\n  }}\n}}\n",
        d.start_month
    )
}

fn scenario_text(figures: &[u64]) -> String {
    let mut s = String::from("scenario s {\n  contract \"x.cov\"\n  on 2023-05-01 payer sell\n");
    for (i, f) in figures.iter().enumerate() {
        s.push_str(&format!("  sales for {} is {}\n", 2020 + i, usd(*f)));
    }
    s.push_str("  expect payer sell on 2024-06-01 is forbidden\n  expect payer ship on 2024-06-01 is permitted\n}\n");
    s
}

fn cents(d: Decimal) -> Decimal {
    d * Decimal::from(100)
}

/// Pro-rated limits are exact decimals of 28 digits; computing them in cents
/// here rather than in dollars there can differ in the last digit, far below
/// any reported cent.
fn tolerance() -> Decimal {
    Decimal::new(1, 15)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn caps_and_floors_hold(d in deal()) {
        let ev = eval(&contract_text(&d), &[], &scenario_text(&d.figures));
        let mut total = Decimal::ZERO;
        for a in &ev.accruals {
            let fraction = Decimal::from(a.days_in_force) / Decimal::from(a.days_in_period);
            total += a.owed.amount;
            if let Some(c) = d.cap_per {
                prop_assert!(cents(a.owed.amount) <= Decimal::from(c) * fraction + tolerance(), "{} over the per-period cap", a.label);
            }
            let cut_by_total = a.limits.contains(&Limit::TotalCap) || a.limits.contains(&Limit::CapExhausted);
            if let (Some(f), false) = (d.floor, cut_by_total) {
                // The cap was reached exactly in an earlier period: nothing owed, floors included.
                let exhausted = d.cap_total.is_some_and(|c| cents(a.total.amount - a.owed.amount) >= Decimal::from(c));
                prop_assert!(exhausted || cents(a.owed.amount) + tolerance() >= Decimal::from(f) * fraction, "{} under the floor", a.label);
            }
            prop_assert!(a.owed.amount >= Decimal::ZERO);
        }
        if let Some(c) = d.cap_total {
            prop_assert!(cents(total) <= Decimal::from(c));
        }
    }

    #[test]
    fn owed_is_monotonic_in_the_metric(d in deal(), year in 0usize..8, extra in 1u64..5_000_000_00) {
        let year = year % d.figures.len();
        let before = eval(&contract_text(&d), &[], &scenario_text(&d.figures));
        let mut more = d.figures.clone();
        more[year] += extra;
        let after = eval(&contract_text(&d), &[], &scenario_text(&more));
        let label = (2020 + year).to_string();
        let owed = |ev: &Evaluation| ev.accruals.iter().find(|a| a.label == label).map_or(Decimal::ZERO, |a| a.owed.amount);
        prop_assert!(owed(&after) >= owed(&before));
        let total = |ev: &Evaluation| ev.accruals.iter().map(|a| a.owed.amount).sum::<Decimal>();
        prop_assert!(total(&after) >= total(&before));
    }

    #[test]
    fn equal_tiers_equal_one_rate(r in 0u32..=1000, thresholds in prop::collection::vec(1u64..5_000_000_00, 1..4), figures in prop::collection::vec(0u64..20_000_000_00, 1..6)) {
        let mut thresholds = thresholds;
        thresholds.sort_unstable();
        thresholds.dedup();
        let tiered = Deal { rates: vec![r; thresholds.len() + 1], thresholds, floor: None, cap_per: None, cap_total: None, start_month: 1, figures: figures.clone() };
        let single = Deal { rates: vec![r], thresholds: Vec::new(), ..tiered.clone() };
        let a = eval(&contract_text(&tiered), &[], &scenario_text(&figures));
        let b = eval(&contract_text(&single), &[], &scenario_text(&figures));
        let owed = |ev: &Evaluation| ev.accruals.iter().map(|a| a.owed.amount).collect::<Vec<_>>();
        prop_assert_eq!(owed(&a), owed(&b));
    }

    #[test]
    fn a_no_op_amendment_changes_no_answer(d in deal(), month in 1u32..=12, year in 2020u32..2029) {
        let contract = contract_text(&d);
        let amendment = format!("amendment noop {{\n  amends deal from \"x.cov\"\n  effective {year}-{month:02}-01\n  amend royalty {{\n  }}\n}}\n");
        let scenario = scenario_text(&d.figures);
        let plain = eval(&contract, &[], &scenario);
        let amended = eval(&contract, &[&amendment], &scenario);
        // Everything but the record of which version governs must be equal.
        let relevant = |ev: &Evaluation| answers(ev).into_iter().filter(|a| a.key != "status").collect::<Vec<_>>();
        prop_assert_eq!(relevant(&plain), relevant(&amended));
    }

    #[test]
    fn a_clause_about_another_action_changes_no_verdict(d in deal(), from_year in 2020u32..2030) {
        let contract = contract_text(&d);
        let extra = format!("  clause shipping {{\n    payer must not ship\n    from {from_year}-01-01\n  }}\n}}\n");
        let with_extra = contract.trim_end().trim_end_matches('}').to_owned() + &extra;
        let scenario = "scenario s {\n  contract \"x.cov\"\n  on 2021-03-01 payer sell\n  on 2026-03-01 payer sell\n  expect payer sell on 2024-06-01 is forbidden\n  expect payer sell on 2025-06-01 is permitted\n}\n";
        let a = eval(&contract, &[], scenario);
        let b = eval(&with_extra, &[], scenario);
        let verdicts = |ev: &Evaluation| ev.events.iter().map(|e| e.verdict.clone()).collect::<Vec<_>>();
        prop_assert_eq!(verdicts(&a), verdicts(&b));
        prop_assert_eq!(a.failures(), 0);
        prop_assert_eq!(b.failures(), 0);
    }
}

#[test]
fn evaluation_is_deterministic_across_runs_and_threads() {
    let d = Deal {
        rates: vec![80, 50],
        thresholds: vec![5_000_000_00],
        floor: Some(100_00),
        cap_per: Some(900_000_00),
        cap_total: Some(2_000_000_00),
        start_month: 4,
        figures: vec![7_000_000_00, 123_456_78, 19_999_999_99],
    };
    let contract = contract_text(&d);
    let scenario = scenario_text(&d.figures);
    let json = |ev: &Evaluation| {
        let ws = Workspace::new();
        serde_json::to_string(&covenant::report::scenario_report(ev, "s.cov", &ws.sources))
            .expect("json")
    };
    let first = json(&eval(&contract, &[], &scenario));
    for _ in 0..3 {
        assert_eq!(json(&eval(&contract, &[], &scenario)), first);
    }
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (c, s) = (contract.clone(), scenario.clone());
            std::thread::spawn(move || json(&eval(&c, &[], &s)))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().expect("thread"), first);
    }
}

#[test]
fn a_hundred_years_of_months_lose_no_cent() {
    // 1,200 monthly figures with cents, a rate that makes thirds, and a fixed monthly fee.
    let mut scenario = String::from("scenario century {\n  contract \"x.cov\"\n");
    let mut expected_share = Decimal::ZERO;
    let rate = Decimal::new(3_333_333, 7); // 0.3333333 = 33.33333%
    for month in 0..1200u32 {
        let (year, m) = (2000 + month / 12, month % 12 + 1);
        let figure = Decimal::new(i64::from(month * 7919 % 1_000_000 + 1), 2);
        expected_share += figure * rate;
        scenario.push_str(&format!("  sales for {year}-{m:02} is USD {figure}\n"));
    }
    scenario.push_str("}\n");
    let contract = "contract century {\n  parties {\n    a\n    b\n  }\n  effective 2000-01-01\n  term 100 years\n  metric sales in USD per month\n  clause share {\n    a must pay b 33.33333% of sales\n  }\n  clause fee {\n    a must pay b USD 0.01 every month\n  }\n}\n";
    let ev = eval(contract, &[], &scenario);
    let total = |clause: &str| {
        ev.accruals
            .iter()
            .filter(|a| a.clause == clause)
            .map(|a| a.owed.amount)
            .sum::<Decimal>()
    };
    assert_eq!(
        ev.accruals.iter().filter(|a| a.clause == "share").count(),
        1200
    );
    assert_eq!(total("share"), expected_share);
    assert_eq!(total("fee"), Decimal::new(1200, 2));
    let last = ev
        .accruals
        .iter()
        .rfind(|a| a.clause == "fee")
        .expect("fees");
    assert_eq!(last.total.amount, Decimal::new(1200, 2));
}
