//! Interpretations (`interpret NAME: "WORD" as READING …`): the day-count
//! conventions they choose, and that without one nothing changes.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use covenant::eval::{Evaluation, Options};
use covenant::pipeline::evaluate_texts;
use covenant::workspace::Workspace;

fn contract(interpret: &str) -> String {
    format!(
        r#"contract letter {{
  parties {{ a b }}
  effective 2025-01-01
  term until 2025-12-31
  action act
  action report
  {interpret}
  clause window {{
    a must not act
    until 2025-06-30
  }}
  clause deadline {{
    a must report within 10 days
  }}
}}"#
    )
}

fn eval(interpret: &str, scenario_lines: &str) -> Evaluation {
    let mut ws = Workspace::new();
    let scenario = format!("scenario s {{\n  contract \"x.cov\"\n{scenario_lines}\n}}");
    evaluate_texts(
        &mut ws,
        &contract(interpret),
        &[],
        &scenario,
        Options::default(),
    )
    .unwrap_or_else(|d| panic!("{d:?}"))
}

#[test]
fn without_an_interpretation_until_is_inclusive_and_within_counts_from_the_next_day() {
    let ev = eval(
        "",
        "on 2025-01-11 a report\nexpect window is active on 2025-06-30\nexpect no breach of deadline\nexpect contract ends on 2025-12-31",
    );
    assert_eq!(ev.failures(), 0, "{:?}", ev.expectations);
    assert!(ev.interpretations.is_empty());
    assert!(ev.expectations.iter().all(|x| x.interpretations.is_empty()));
}

#[test]
fn until_read_as_exclusive_ends_the_window_and_the_term_a_day_earlier() {
    let ev = eval(
        r#"interpret ex: "until" as exclusive because "side letter""#,
        "expect window is inactive on 2025-06-30\nexpect window is active on 2025-06-29\nexpect contract ends on 2025-12-30",
    );
    assert_eq!(ev.failures(), 0, "{:?}", ev.expectations);
    assert!(ev
        .expectations
        .iter()
        .all(|x| x.interpretations == vec!["ex".to_owned()]));
    let note = ev.interpretations.first().expect("one interpretation");
    assert!(note.contract_end);
    assert_eq!(note.clauses, vec!["window".to_owned()]);
}

#[test]
fn a_clause_reading_takes_precedence_over_the_contract_wide_one() {
    let ev = eval(
        r#"interpret ex: "until" as exclusive because "side letter"
  interpret inc: "until" as inclusive for window because "through""#,
        "expect window is active on 2025-06-30\nexpect contract ends on 2025-12-30",
    );
    assert_eq!(ev.failures(), 0, "{:?}", ev.expectations);
    let names: Vec<&Vec<String>> = ev.expectations.iter().map(|x| &x.interpretations).collect();
    assert_eq!(names, vec![&vec!["inc".to_owned()], &vec!["ex".to_owned()]]);
}

#[test]
fn within_read_as_inclusive_counts_the_start_day() {
    let ev = eval(
        r#"interpret one: "within" as inclusive for deadline because "day one is the signing day""#,
        "on 2025-01-11 a report\nexpect breach of deadline",
    );
    assert_eq!(ev.failures(), 0, "{:?}", ev.expectations);
    let breach = ev.breaches.first().expect("a breach");
    assert_eq!(breach.date.to_string(), "2025-01-11");
    assert!(
        breach.text.contains("deadline 2025-01-10 missed"),
        "{}",
        breach.text
    );
    assert!(
        breach.text.contains("(interpretation one:"),
        "{}",
        breach.text
    );
}

#[test]
fn a_verdict_on_the_day_the_readings_differ_depends_on_the_interpretation() {
    let ev = eval(
        r#"interpret ex: "until" as exclusive for window because "side letter""#,
        "on 2025-06-30 a act\nexpect a act on 2025-06-30 is permitted\nexpect a act on 2025-06-29 is forbidden by window",
    );
    assert_eq!(ev.failures(), 0, "{:?}", ev.expectations);
    for x in &ev.expectations {
        assert_eq!(x.interpretations, vec!["ex".to_owned()], "{}", x.text);
    }
}

#[test]
fn explain_names_the_readings_and_what_a_verdict_depends_on() {
    let _ = std::env::set_current_dir(env!("CARGO_MANIFEST_DIR"));
    let mut ws = Workspace::new();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).expect("a date");
    let text = covenant::pipeline::explain(
        &mut ws,
        std::path::Path::new("contracts/interpretations/scenarios/exclusive.cov"),
        date,
        Some("target solicit"),
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    assert!(
        text.contains("interpretation until_reading: \"until\" read as exclusive"),
        "{text}"
    );
    assert!(
        text.contains("reads \"until\" by interpretation until_reading"),
        "{text}"
    );
    assert!(
        text.contains("depends on interpretation: until_reading"),
        "{text}"
    );
}
