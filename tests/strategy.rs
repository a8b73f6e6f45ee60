//! Strategy analysis: growth paths, sweeps, consolidated contracts, reports
//! and unknown facts, on the OpenAI–Microsoft fixtures and small contracts.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::path::Path;
use std::str::FromStr;

use covenant::diagnostic::{render, Code};
use covenant::eval::Options;
use covenant::pipeline::evaluate_texts;
use covenant::report::sweep::{render_sweep_csv, render_sweep_text, sweep_report};
use covenant::strategy::prepare;
use covenant::strategy::sweep::{parse_axis, run_sweep, Sweep};
use covenant::workspace::Workspace;
use rust_decimal::Decimal;

fn at_root() {
    let _ = std::env::set_current_dir(env!("CARGO_MANIFEST_DIR"));
}

fn sweep(path: &str, specs: &[&str], jobs: usize) -> Sweep {
    at_root();
    let mut ws = Workspace::new();
    let (prepared, _) = prepare(&mut ws, Path::new(path))
        .unwrap_or_else(|d| panic!("{}", render(&d, &ws.sources, false)));
    let axes = specs
        .iter()
        .map(|s| parse_axis(s, &prepared.model, &mut ws).expect("a valid sweep"))
        .collect();
    run_sweep(
        &prepared,
        &ws.sources,
        axes,
        Options::default(),
        jobs,
        &|_, _| {},
    )
}

// ------------------------------------------------------------ growth paths

const ROYALTY: &str = r#"
contract c {
  parties {
    maker
    brand
  }
  effective 2027-01-01
  term until 2040-12-31
  metric sales in USD per year
  metric quarterly in USD per quarter
  clause royalty {
    maker must pay brand 10% of sales every year
  }
  clause quarterly_royalty {
    maker must pay brand 1% of quarterly every quarter
  }
}
"#;

fn owed(scenario: &str) -> Vec<(String, String, Decimal)> {
    let mut ws = Workspace::new();
    let ev = evaluate_texts(&mut ws, ROYALTY, &[], scenario, Options::default())
        .unwrap_or_else(|d| panic!("{}", render(&d, &ws.sources, false)));
    ev.accruals
        .iter()
        .filter(|a| !a.figure_missing)
        .map(|a| (a.clause.clone(), a.label.clone(), a.base.unwrap().amount))
        .collect()
}

fn errors(scenario: &str) -> Vec<Code> {
    let mut ws = Workspace::new();
    match evaluate_texts(&mut ws, ROYALTY, &[], scenario, Options::default()) {
        Ok(_) => Vec::new(),
        Err(d) => d.iter().filter(|d| d.is_error()).map(|d| d.code).collect(),
    }
}

#[test]
fn a_growth_path_compounds_exactly() {
    let figures = owed(
        "scenario s { contract \"x\"\n sales from 2027 is USD 100 growing 7% per year until 2036 }",
    );
    assert_eq!(figures.len(), 10);
    let mut expected = Decimal::from(100);
    for (i, (_, label, base)) in figures.iter().enumerate() {
        assert_eq!(label, &(2027 + i).to_string());
        // Exact: 100 × 1.07^n with every digit, no rounding on the way.
        assert_eq!(*base, expected, "{label}");
        expected *= Decimal::from_str("1.07").unwrap();
    }
    let last = figures.last().unwrap().2;
    assert_eq!(last, Decimal::from_str("183.8459212420154507").unwrap());
}

#[test]
fn a_growth_path_rounds_only_on_output() {
    let mut ws = Workspace::new();
    let ev = evaluate_texts(
        &mut ws,
        ROYALTY,
        &[],
        "scenario s { contract \"x\"\n sales from 2027 is USD 1 growing 33% per year until 2030 }",
        Options::default(),
    )
    .unwrap();
    let y2030 = ev.accruals.iter().find(|a| a.label == "2030").unwrap();
    // 1.33^3 = 2.352637; 10% of it is 0.2352637, kept exact, shown as 0.24.
    assert_eq!(y2030.owed.amount, Decimal::from_str("0.2352637").unwrap());
    assert_eq!(y2030.owed.to_string(), "USD 0.24");
    let total: Decimal = ev.accruals.iter().map(|a| a.owed.amount).sum();
    // 0.1 × (1 + 1.33 + 1.7689 + 2.352637), summed unrounded.
    assert_eq!(total, Decimal::from_str("0.64515370").unwrap());
}

#[test]
fn a_shrinking_path_and_a_yearly_step_for_a_quarterly_metric() {
    let figures = owed(
        "scenario s { contract \"x\"\n sales from 2027 is USD 1000 shrinking 10% per year until 2029 }",
    );
    let bases: Vec<Decimal> = figures.iter().map(|f| f.2).collect();
    assert_eq!(
        bases,
        vec![Decimal::from(1000), Decimal::from(900), Decimal::from(810)]
    );
    // A quarterly metric growing 20% a year: each quarter of 2028 is 1.2 × its quarter in 2027.
    let figures = owed(
        "scenario s { contract \"x\"\n quarterly from 2027-Q3 is USD 100 growing 20% per year until 2028-Q4 }",
    );
    let shown: Vec<(String, Decimal)> = figures.iter().map(|f| (f.1.clone(), f.2)).collect();
    let d = |n: i64| Decimal::from(n);
    assert_eq!(
        shown,
        vec![
            ("2027-Q3".to_owned(), d(100)),
            ("2027-Q4".to_owned(), d(100)),
            ("2028-Q1".to_owned(), d(100)),
            ("2028-Q2".to_owned(), d(100)),
            ("2028-Q3".to_owned(), d(120)),
            ("2028-Q4".to_owned(), d(120)),
        ]
    );
}

#[test]
fn growth_paths_that_cannot_hold_are_errors() {
    // Compounding per month is shorter than the metric's year.
    assert_eq!(
        errors("scenario s { contract \"x\"\n sales from 2027 is USD 1 growing 1% per month until 2030 }"),
        vec![Code::PeriodMismatch]
    );
    // Periods of another unit than the metric's.
    assert_eq!(
        errors("scenario s { contract \"x\"\n sales from 2027-Q1 is USD 1 growing 1% per year until 2030-Q1 }"),
        vec![Code::PeriodMismatch]
    );
    // Ends before it starts.
    assert_eq!(
        errors("scenario s { contract \"x\"\n sales from 2030 is USD 1 growing 1% per year until 2027 }"),
        vec![Code::EndBeforeStart]
    );
    // Overlaps a figure.
    assert_eq!(
        errors("scenario s { contract \"x\"\n sales for 2028 is USD 5\n sales from 2027 is USD 1 growing 1% per year until 2030 }"),
        vec![Code::DuplicateFigure]
    );
    // Grows by more than 100% a year: allowed.
    assert_eq!(
        errors("scenario s { contract \"x\"\n sales from 2027 is USD 1 growing 150% per year until 2030 }"),
        vec![]
    );
    // Shrinks by more than everything.
    assert_eq!(
        errors("scenario s { contract \"x\"\n sales from 2027 is USD 1 shrinking 150% per year until 2030 }"),
        vec![Code::RateOver100]
    );
    // Another currency.
    assert_eq!(
        errors("scenario s { contract \"x\"\n sales from 2027 is EUR 1 growing 1% per year until 2030 }"),
        vec![Code::CurrencyMismatch]
    );
}

#[test]
fn an_event_line_before_a_growth_path_keeps_its_arguments() {
    let contract = ROYALTY.replace(
        "metric sales in USD per year",
        "metric sales in USD per year\n  define place as one of north, south\n  action ship(to: place)",
    );
    let mut ws = Workspace::new();
    let ev = evaluate_texts(
        &mut ws,
        &contract,
        &[],
        "scenario s { contract \"x\"\n on 2027-01-05 maker ship to north\n sales from 2027 is USD 10 growing 10% per year until 2028 }",
        Options::default(),
    )
    .unwrap_or_else(|d| panic!("{}", render(&d, &ws.sources, false)));
    assert_eq!(ev.events.len(), 1);
    assert_eq!(ev.accruals.iter().filter(|a| !a.figure_missing).count(), 2);
}

// ------------------------------------------------------------------ sweeps

#[test]
fn sweep_of_the_revenue_cap() {
    let s = sweep(
        "contracts/openai-microsoft/scenarios/cap-reached.cov",
        &["revenue_cap=USD 10 billion..USD 40 billion step USD 1 billion"],
        2,
    );
    assert_eq!(s.points.len(), 31);
    // The 2030 payment is zero for every cap up to the USD 19 billion owed by the end of 2029.
    let zero_2030: Vec<String> = s
        .points
        .iter()
        .filter(|p| {
            p.answers
                .iter()
                .any(|a| a.key == "revenue_share 2030 owed" && a.value == "USD 0")
        })
        .map(|p| s.shown(p).join(""))
        .collect();
    assert_eq!(
        zero_2030.last().map(String::as_str),
        Some("USD 19,000,000,000")
    );
    insta::assert_snapshot!(render_sweep_text(
        &s,
        "contracts/openai-microsoft/scenarios/cap-reached.cov"
    ));
}

#[test]
fn sweep_results_do_not_depend_on_the_number_of_threads() {
    let specs = ["revenue_cap=USD 0..USD 60 billion step USD 750 million"];
    let one = sweep(
        "contracts/openai-microsoft/scenarios/cap-reached.cov",
        &specs,
        1,
    );
    let four = sweep(
        "contracts/openai-microsoft/scenarios/cap-reached.cov",
        &specs,
        4,
    );
    assert_eq!(render_sweep_csv(&one), render_sweep_csv(&four));
}

#[test]
fn sweep_grid_of_a_cap_and_a_growth_rate() {
    let s = sweep(
        "tests/corpus/strategy/projection.cov",
        &[
            "royalty_cap=EUR 4 million..6 million step 1 million",
            "growth=0%..20% step 10%",
        ],
        2,
    );
    assert_eq!(s.points.len(), 9);
    insta::assert_snapshot!("grid_csv", render_sweep_csv(&s));
    insta::assert_snapshot!(
        "grid_text",
        render_sweep_text(&s, "tests/corpus/strategy/projection.cov")
    );
    let json = serde_json::to_value(sweep_report(&s, "projection.cov")).unwrap();
    assert_eq!(json["schema"], "covenant.sweep/1");
    assert_eq!(json["points"][4]["params"][1], "10%");
    assert_eq!(
        json["points"][4]["answers"]["royalty 2030 owed"]["amount"],
        "1331000.00"
    );
}

#[test]
fn sweep_specs_are_checked() {
    at_root();
    let mut ws = Workspace::new();
    let (prepared, _) = prepare(
        &mut ws,
        Path::new("contracts/openai-microsoft/scenarios/cap-reached.cov"),
    )
    .unwrap();
    let mut err = |spec: &str| parse_axis(spec, &prepared.model, &mut ws).unwrap_err();
    assert!(err("revenue_cop=USD 1..USD 2 step USD 1").contains("did you mean `revenue_cap`?"));
    assert!(err("revenue_cap=USD 1..USD 2").contains("has no step"));
    assert!(err("revenue_cap=20%..30% step 1%").contains("holds an amount in USD"));
    assert!(err("revenue_cap=USD 1..USD 2 step USD 0").contains("greater than zero"));
    assert!(err("revenue_cap=USD 5..USD 2 step USD 1").contains("no values"));
    assert!(err("revenue_cap=USD 1..EUR 2 step USD 1").contains("amount in USD"));
}

fn covenant(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run covenant")
}

#[test]
fn sweep_through_the_command_line() {
    let out = covenant(&[
        "eval",
        "contracts/openai-microsoft/scenarios/cap-reached.cov",
        "--sweep",
        "revenue_cap=USD 0..USD 49.9 billion step USD 100 million",
        "--format",
        "csv",
        "--jobs",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 501);
    // Piped: no progress line on stderr.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = covenant(&[
        "eval",
        "contracts/openai-microsoft/scenarios/cap-reached.cov",
        "--sweep",
        "revenue_cap=USD 19 billion..USD 20 billion step USD 1 billion",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(
        v["points"][0]["answers"]["revenue_share 2030 owed"]["amount"],
        "0.00"
    );
    assert_eq!(
        v["points"][1]["answers"]["revenue_share 2030 owed"]["amount"],
        "1000000000.00"
    );
}

#[test]
fn sweep_usage_errors_exit_2() {
    for args in [
        vec![
            "eval",
            "contracts/openai-microsoft/scenarios/cap-reached.cov",
            "--format",
            "csv",
        ],
        vec![
            "eval",
            "contracts/openai-microsoft/scenarios/cap-reached.cov",
            "--sweep",
            "nope=USD 1..USD 2 step USD 1",
        ],
        vec![
            "eval",
            "contracts/openai-microsoft/scenarios/cap-reached.cov",
            "contracts/openai-microsoft/scenarios/aws-launch-2027.cov",
            "--sweep",
            "revenue_cap=USD 1..USD 2 step USD 1",
        ],
    ] {
        let out = covenant(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
    }
}

// ------------------------------------------------------------ consolidation

mod consolidation {
    use super::*;
    use covenant::check::scenario::check_scenario_with;
    use covenant::check::{build_model, Loaded, Model};
    use covenant::consolidate::consolidate;
    use covenant::eval::compile;
    use covenant::format::format_source;

    fn consolidated(date: &str) -> (Workspace, String, Model) {
        at_root();
        let mut ws = Workspace::new();
        let c = consolidate(
            &mut ws,
            Path::new("contracts/openai-microsoft/2026-amendment.cov"),
            date.parse().unwrap(),
        )
        .unwrap_or_else(|d| panic!("{}", render(&d, &ws.sources, false)));
        let (file, parsed) = ws.parse_text("consolidated.cov", &c.text);
        let checked = build_model(&[Loaded {
            file,
            path: "consolidated.cov".into(),
            document: parsed.unwrap(),
        }]);
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        (ws, c.text, checked.value.unwrap())
    }

    #[test]
    fn the_openai_microsoft_chain_consolidated() {
        let (_, text, _) = consolidated("2027-01-01");
        insta::assert_snapshot!("consolidated_2027", text);
        let (_, before, _) = consolidated("2026-01-01");
        insta::assert_snapshot!("consolidated_2026_before_the_amendment", before);
    }

    #[test]
    fn quoted_slashes_and_overrides_of_removed_clauses() {
        let dir =
            std::env::temp_dir().join(format!("covenant-consolidate-edge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("base.cov"),
            r#"contract base {
  parties {
    a
    b "B // Co."
  }
  effective 2024-01-01
  term until 2030-12-31
  action ship
  clause no_shipping {
    a must not ship
  }
  clause waiver "Waiver // interim" {
    a may ship notwithstanding no_shipping  // a comment
  }
  clause portal {
    a grants b a non-exclusive licence to "https://example.test/api"
  }
}
"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("amendment.cov"),
            "amendment change {\n  amends base from \"base.cov\"\n  effective 2026-01-01\n  remove no_shipping\n}\n",
        )
        .unwrap();
        let mut ws = Workspace::new();
        let c = consolidate(
            &mut ws,
            &dir.join("amendment.cov"),
            "2027-01-01".parse().unwrap(),
        )
        .unwrap_or_else(|d| panic!("{}", render(&d, &ws.sources, false)));
        assert!(c.text.contains(r#"b "B // Co.""#), "{}", c.text);
        assert!(c.text.contains(r#"clause waiver "Waiver // interim" {"#));
        assert!(c.text.contains("a may ship\n"), "{}", c.text);
        assert!(c.text.contains(r#""https://example.test/api""#));
        // Before the removal, the override stays.
        let before = consolidate(
            &mut ws,
            &dir.join("amendment.cov"),
            "2025-01-01".parse().unwrap(),
        )
        .unwrap();
        assert!(before
            .text
            .contains("a may ship notwithstanding no_shipping\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_consolidated_file_is_formatted() {
        for date in ["2019-07-22", "2026-04-27", "2031-01-01"] {
            let (mut ws, text, _) = consolidated(date);
            let file = ws.add_text("again", &text);
            assert_eq!(format_source(&text, file).unwrap(), text, "{date}");
        }
    }

    #[test]
    fn it_answers_like_the_chain_from_its_date_on() {
        for date in ["2026-04-27", "2027-01-01", "2029-03-01"] {
            let (mut ws, _, model) = consolidated(date);
            let from: covenant::calendar::Date = date.parse().unwrap();
            let scenarios =
                covenant::pipeline::find_cov_files(
                    &["contracts/openai-microsoft/scenarios".into()],
                );
            assert!(scenarios.len() >= 3);
            for path in scenarios {
                let chain = check_scenario_with(
                    &mut ws,
                    &path,
                    None,
                    false,
                    covenant::check::Depth::Evaluate,
                );
                // Lenient: an expectation about a clause removed before the date does not apply.
                let cons = check_scenario_with(
                    &mut ws,
                    &path,
                    Some(&model),
                    true,
                    covenant::check::Depth::Evaluate,
                );
                let (Some((m1, p1)), Some((m2, p2))) = (chain.value, cons.value) else {
                    panic!("{} does not check against both", path.display())
                };
                let c1 = compile(&m1, &p1, Options::default()).unwrap();
                let c2 = compile(&m2, &p2, Options::default()).unwrap();
                assert_eq!(c1.end.last_day, c2.end.last_day);
                let last = c1.end.last_day.unwrap();
                // Every clause of the consolidated file is active on the same days.
                for (cid2, clause) in m2.clauses.iter().enumerate() {
                    let cid1 = m1.clause_id(&clause.name).unwrap();
                    let mut day = from;
                    while day <= last {
                        assert_eq!(
                            c1.program.active_version(cid1, day).is_some(),
                            c2.program.active_version(cid2, day).is_some(),
                            "{} on {day}",
                            clause.name
                        );
                        day = day.succ_opt().unwrap();
                    }
                }
                // Clauses left out are inactive from the date on.
                for (cid1, clause) in m1.clauses.iter().enumerate() {
                    if m2.clause_id(&clause.name).is_none() {
                        assert!(c1.program.active_version(cid1, from).is_none());
                    }
                }
                // Verdicts on every provider, every 30 days.
                for e in &p1.events {
                    let covenant::check::scenario::PlanEventKind::Action(call) = &e.kind else {
                        continue;
                    };
                    let mut day = from;
                    while day <= last {
                        assert_eq!(
                            c1.program.verdict(call, day).explain(),
                            c2.program.verdict(call, day).explain(),
                            "{day}"
                        );
                        day = day + chrono::Days::new(30);
                    }
                }
                // Payments for periods from the date on.
                let e1 =
                    covenant::eval::evaluate(&m1, &p1, &ws.sources, Options::default()).unwrap();
                let e2 =
                    covenant::eval::evaluate(&m2, &p2, &ws.sources, Options::default()).unwrap();
                let later = |ev: &covenant::eval::Evaluation| -> Vec<String> {
                    ev.accruals
                        .iter()
                        .filter(|a| a.period.start >= from)
                        .map(|a| {
                            format!(
                                "{} {} {} {} {} {:?}",
                                a.clause, a.label, a.owed, a.due, a.cap_reached, a.headroom
                            )
                        })
                        .collect()
                };
                assert_eq!(later(&e1), later(&e2), "{} from {date}", path.display());
            }
        }
    }
}

#[test]
fn consolidate_through_the_command_line() {
    let dir = std::env::temp_dir().join(format!("covenant-consolidate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("consolidated.cov");
    let out = covenant(&[
        "consolidate",
        "contracts/openai-microsoft/2026-amendment.cov",
        "--as-of",
        "2026-04-27",
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The scenario of the cap, pointed at the consolidated file, passes as against the chain.
    let scenario = std::fs::read_to_string("contracts/openai-microsoft/scenarios/cap-reached.cov")
        .unwrap()
        .replace("../2026-amendment.cov", "consolidated.cov");
    let scenario_file = dir.join("cap-reached.cov");
    std::fs::write(&scenario_file, scenario).unwrap();
    // Clean of errors and warnings; advice (an action the consolidated text no
    // longer restricts, once the amendment removed its only clause) is expected.
    let check = covenant(&["check", "--deny", "warnings", out_file.to_str().unwrap()]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let fmt = covenant(&["fmt", "--check", out_file.to_str().unwrap()]);
    assert_eq!(fmt.status.code(), Some(0));
    let eval = covenant(&["eval", scenario_file.to_str().unwrap()]);
    assert_eq!(eval.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&eval.stdout).contains("5 of 5 expectations passed"));
    let early = covenant(&[
        "consolidate",
        "contracts/openai-microsoft/2026-amendment.cov",
        "--as-of",
        "2019-01-01",
    ]);
    assert_eq!(early.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ timeline

#[test]
fn timeline_in_the_terminal() {
    let out = covenant(&[
        "timeline",
        "contracts/openai-microsoft/scenarios/cap-reached.cov",
    ]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("timeline_cap_reached", String::from_utf8_lossy(&out.stdout));
    let contract = covenant(&[
        "timeline",
        "contracts/openai-microsoft/2026-amendment.cov",
        "--width",
        "40",
    ]);
    assert_eq!(contract.status.code(), Some(0));
    let text = String::from_utf8_lossy(&contract.stdout);
    assert!(
        text.contains("▓ ip_licence         from 2026-04-27: openai_microsoft_2026 (replaced)"),
        "{text}"
    );
    assert!(text.contains("▼ 2026-04-27  openai_microsoft_2026"));
}

// ------------------------------------------------------------ unknown facts

mod unknown_facts {
    use super::*;
    use covenant::pipeline::run_scenario;
    use covenant::strategy::unknown::{render_conditional_text, Holds};

    fn run(path: &str) -> covenant::pipeline::ScenarioRun {
        at_root();
        let mut ws = Workspace::new();
        let run = run_scenario(&mut ws, Path::new(path), Options::default());
        assert!(
            run.evaluation.is_some(),
            "{}",
            render(&run.diagnostics, &ws.sources, false)
        );
        run
    }

    #[test]
    fn primary_partner_status_when_microsoft_can_honor_is_unknown_from_2029() {
        let r = run("contracts/openai-microsoft/scenarios/honor-unknown.cov");
        let c = r.conditional.as_ref().expect("conditional answers");
        assert_eq!(c.cases, 2);
        let status = c
            .answers
            .iter()
            .find(|a| a.key == "azure_primary active")
            .unwrap();
        assert_eq!(
            status.describe(&c.facts),
            "from 2026-04-27 to 2032-12-31 if microsoft_can_honor is true from 2029-03-01; otherwise from 2026-04-27 to 2029-02-28"
        );
        // The payments do not depend on it: settled, exactly.
        let y2029 = c
            .answers
            .iter()
            .find(|a| a.key == "revenue_share 2029 owed")
            .unwrap();
        assert_eq!(y2029.settled.as_deref(), Some("USD 5,000,000,000"));
        assert_eq!(r.evaluation.as_ref().unwrap().failures(), 0);
        insta::assert_snapshot!("honor_unknown", render_conditional_text(c));
    }

    #[test]
    fn verdicts_and_payments_split_and_the_smallest_settling_set() {
        let r = run("tests/corpus/strategy/honour-unknown.cov");
        let c = r.conditional.as_ref().unwrap();
        assert_eq!(c.cases, 8);
        let verdict = c
            .answers
            .iter()
            .find(|a| a.key == "2029-06-01 openai distribute via aws")
            .unwrap();
        assert_eq!(
            verdict.describe(&c.facts),
            "forbidden by azure_first if microsoft_can_honor is true from 2029-03-01; otherwise permitted (no active clause forbids it)"
        );
        let fee = c
            .answers
            .iter()
            .find(|a| a.key == "honour_fee 2030 owed")
            .unwrap();
        assert!(fee
            .describe(&c.facts)
            .starts_with("USD 100,000,000 if microsoft_can_honor is true from 2029-03-01 and regulator_approves is true from 2030-01-01; otherwise"));
        // press_leak changes nothing, so it is not in the smallest settling set.
        let settle: Vec<String> = c.settle.iter().map(|f| c.facts[*f].name()).collect();
        assert_eq!(
            settle,
            vec![
                "microsoft_can_honor from 2029-03-01".to_owned(),
                "regulator_approves from 2030-01-01".to_owned()
            ]
        );
        // The open expectation holds in some cases only: it fails the run, and says why.
        let open = c
            .answers
            .iter()
            .find(|a| a.key == "expect openai distribute via aws on 2029-06-01 is permitted")
            .unwrap();
        assert_eq!(open.holds, Some(Holds::Sometimes));
        let ev = r.evaluation.as_ref().unwrap();
        assert_eq!(ev.failures(), 1);
        insta::assert_snapshot!("honour_unknown", render_conditional_text(c));
    }

    #[test]
    fn a_condition_without_default_is_unknown_until_set() {
        let r = run("tests/corpus/strategy/undecided.cov");
        let c = r.conditional.as_ref().expect("conditional answers");
        let names: Vec<String> = c.facts.iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            vec!["microsoft_can_honor from 2025-01-01 to 2026-12-31"]
        );
        let status = c
            .answers
            .iter()
            .find(|a| a.key == "azure_primary active")
            .unwrap();
        assert_eq!(
            status.describe(&c.facts),
            "from 2025-01-01 to 2029-12-31 if microsoft_can_honor is true from 2025-01-01 to 2026-12-31; otherwise from 2027-01-01 to 2029-12-31"
        );
        // Settled from 2027, open before.
        let holds: Vec<Option<Holds>> = c
            .answers
            .iter()
            .filter(|a| a.key.starts_with("expect "))
            .map(|a| a.holds)
            .collect();
        assert_eq!(holds, vec![Some(Holds::Always), Some(Holds::Sometimes)]);
        // Checking the contract alone passes: no default is a warning, not an error.
        let out = covenant(&["check", "tests/corpus/support/undecided.cov"]);
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stderr).contains("covenant::missing_default"));
    }

    #[test]
    fn a_later_switch_ends_the_unknown() {
        let mut ws = Workspace::new();
        let (file, parsed) = ws.parse_text(
            "s.cov",
            "scenario s { contract \"x\"\n on 2029-03-01 microsoft_can_honor becomes unknown\n on 2030-01-01 microsoft_can_honor becomes true }",
        );
        let _ = file;
        let doc = parsed.unwrap();
        let covenant::syntax::ast::Document::Scenario(s) = doc.as_ref() else {
            panic!()
        };
        let facts = covenant::strategy::unknown::facts(s);
        assert_eq!(facts.len(), 1);
        assert_eq!(
            facts[0].name(),
            "microsoft_can_honor from 2029-03-01 to 2029-12-31"
        );
    }

    #[test]
    fn eval_prints_conditional_answers_and_json_carries_them() {
        let out = covenant(&[
            "eval",
            "contracts/openai-microsoft/scenarios/honor-unknown.cov",
        ]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.trim_end()
                .ends_with("whether microsoft_can_honor is true from 2029-03-01"),
            "{text}"
        );
        assert!(!text.contains("\nPayments\n"), "no guessed memo: {text}");
        let json = covenant(&[
            "eval",
            "--format",
            "json",
            "tests/corpus/strategy/honour-unknown.cov",
        ]);
        assert_eq!(json.status.code(), Some(1));
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let c = &v["scenarios"][0]["conditional"];
        assert_eq!(c["cases"], 8);
        assert_eq!(c["settle"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn a_date_param_sweeps_by_calendar_months_from_its_first_value() {
    let dir = std::env::temp_dir().join(format!("covenant-date-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("c.cov"),
        "contract c {\n  parties {\n    a\n    b\n  }\n  effective 2027-01-01\n  term until 2027-12-31\n  param launch = 2027-01-01\n  clause fee {\n    a must pay b USD 1 on launch\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("s.cov"), "scenario s {\n  contract \"c.cov\"\n}\n").unwrap();
    let mut ws = Workspace::new();
    let (prepared, _) = prepare(&mut ws, &dir.join("s.cov"))
        .unwrap_or_else(|d| panic!("{}", render(&d, &ws.sources, false)));
    let axis = parse_axis(
        "launch=2027-01-31..2027-06-30 step 1 month",
        &prepared.model,
        &mut ws,
    )
    .unwrap();
    // Counted from the first value, so month ends do not drift to the 28th.
    assert_eq!(
        axis.shown,
        vec![
            "2027-01-31",
            "2027-02-28",
            "2027-03-31",
            "2027-04-30",
            "2027-05-31",
            "2027-06-30"
        ]
    );
    assert_eq!(axis.unit, "days from 2027-01-31");
    let s = run_sweep(
        &prepared,
        &ws.sources,
        vec![axis],
        Options::default(),
        2,
        &|_, _| {},
    );
    let labels: Vec<String> = s
        .points
        .iter()
        .map(|p| {
            p.answers
                .iter()
                .find(|a| a.key.starts_with("fee on "))
                .map(|a| a.key.clone())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        labels.first().map(String::as_str),
        Some("fee on 2027-01-31 owed")
    );
    assert_eq!(
        labels.last().map(String::as_str),
        Some("fee on 2027-06-30 owed")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sweep_does_not_guess_unknown_facts() {
    let out = covenant(&[
        "eval",
        "contracts/openai-microsoft/scenarios/honor-unknown.cov",
        "--sweep",
        "revenue_cap=USD 1 billion..USD 2 billion step USD 1 billion",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("leaves facts unknown"));
}

#[test]
fn a_sweep_shows_where_a_verdict_flips() {
    let dir = std::env::temp_dir().join(format!("covenant-verdict-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("c.cov"),
        "contract c {\n  parties {\n    a\n    b\n  }\n  effective 2027-01-01\n  term until 2027-12-31\n  action sell(amount: money)\n  param limit = USD 100\n  clause cap_on_sales {\n    a must not sell where amount > limit\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("s.cov"),
        "scenario s {\n  contract \"c.cov\"\n  on 2027-03-01 a sell amount USD 150\n}\n",
    )
    .unwrap();
    let s = sweep(
        dir.join("s.cov").to_str().unwrap(),
        &["limit=USD 100..USD 200 step USD 50"],
        2,
    );
    let text = render_sweep_text(&s, "s.cov");
    assert!(
        text.contains("between limit = USD 100 and USD 150: forbidden by cap_on_sales → permitted (no active clause forbids it)"),
        "{text}"
    );
    assert!(
        text.contains("between limit = USD 100 and USD 150: cap_on_sales on 2027-03-01 → none"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
