//! The answers that matter for strategy work, drawn from one evaluation.
//!
//! A sweep compares these across points, and unknown facts compare them
//! across the worlds the unknowns allow, so both read the same list: the
//! contract's end, totals owed per payer and payee, when each total cap is
//! reached, each period's amount, each verdict, each expectation's answer and
//! the breaches. Keys are stable text so that two evaluations line up.

use crate::eval::Evaluation;
use crate::money::Money;

/// What kind of question an answer answers, for grouping and charting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AnswerKind {
    /// The contract's last day.
    End,
    /// Everything owed between two parties.
    Total,
    /// The period in which a total cap is reached.
    Cap,
    /// A period's amount under a clause.
    Owed,
    /// The verdict on an action taken as an event.
    Verdict,
    /// An expectation's answer.
    Expectation,
    /// The breaches found.
    Breaches,
}

impl AnswerKind {
    /// A stable key for machine formats.
    pub fn key(self) -> &'static str {
        match self {
            AnswerKind::End => "end",
            AnswerKind::Total => "total",
            AnswerKind::Cap => "cap",
            AnswerKind::Owed => "owed",
            AnswerKind::Verdict => "verdict",
            AnswerKind::Expectation => "expectation",
            AnswerKind::Breaches => "breaches",
        }
    }
}

/// One answer of one evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAnswer {
    /// The question, stable across evaluations (`revenue_share 2030 owed`).
    pub key: String,
    /// Its kind.
    pub kind: AnswerKind,
    /// The answer in words (`USD 1,000,000,000`, `permitted by …`).
    pub value: String,
    /// The exact amount, for answers that are money (charts read it).
    pub money: Option<Money>,
    /// For expectations, whether it held.
    pub passed: Option<bool>,
}

/// The answers of an evaluation, in report order, each key once.
pub fn key_answers(ev: &Evaluation) -> Vec<KeyAnswer> {
    let mut out: Vec<KeyAnswer> = Vec::new();
    let mut push = |key: String, kind: AnswerKind, value: String, money: Option<Money>| {
        add(&mut out, key, kind, value, money, None);
    };
    push(
        "contract ends".to_owned(),
        AnswerKind::End,
        ev.end
            .last_day
            .map_or_else(|| "not within the scenario".to_owned(), |d| d.to_string()),
        None,
    );
    // Totals per payer, payee and currency, in the order payments appear.
    let mut totals: Vec<(String, Money)> = Vec::new();
    let currencies = |payer: &str, payee: &str| {
        let mut cs: Vec<_> = ev
            .accruals
            .iter()
            .filter(|a| a.payer == payer && a.payee == payee)
            .map(|a| a.owed.currency)
            .collect();
        cs.sort_unstable();
        cs.dedup();
        cs.len()
    };
    for a in &ev.accruals {
        let mut key = format!("total {} → {}", a.payer, a.payee);
        if currencies(&a.payer, &a.payee) > 1 {
            key.push_str(&format!(" in {}", a.owed.currency));
        }
        match totals.iter_mut().find(|(k, _)| *k == key) {
            Some((_, m)) => m.amount += a.owed.amount,
            None => totals.push((key, a.owed)),
        }
    }
    for (key, m) in totals {
        push(key, AnswerKind::Total, m.to_string(), Some(m));
    }
    let clause_key = |a: &crate::eval::Accrual| {
        let clause = if a.payment == 0 {
            a.clause.clone()
        } else {
            format!("{}#{}", a.clause, a.payment + 1)
        };
        // Keys of a keyed metric and make-up credits answer on their own (§3.7.1, §4.7.6).
        let clause = match (&a.key_word, &a.key) {
            (Some(w), Some(k)) => format!("{clause} for {w} {k:?}"),
            _ => clause,
        };
        if a.make_up {
            format!("{clause} make-up")
        } else {
            clause
        }
    };
    let mut capped: Vec<String> = Vec::new();
    for a in ev.accruals.iter().filter(|a| a.cap.is_some()) {
        let c = clause_key(a);
        if !capped.contains(&c) {
            capped.push(c);
        }
    }
    for c in capped {
        let reached = ev
            .accruals
            .iter()
            .find(|a| clause_key(a) == c && a.cap_reached)
            .map_or_else(|| "not reached".to_owned(), |a| a.label.clone());
        push(
            format!("{c} cap reached in"),
            AnswerKind::Cap,
            reached,
            None,
        );
    }
    for a in &ev.accruals {
        push(
            format!("{} {} owed", clause_key(a), a.label),
            AnswerKind::Owed,
            a.owed.to_string(),
            Some(a.owed),
        );
    }
    for e in &ev.events {
        if let Some(v) = &e.verdict {
            push(
                format!("{} {}", e.date, e.text),
                AnswerKind::Verdict,
                v.explain(),
                None,
            );
        }
    }
    let mut expectations = Vec::new();
    for x in &ev.expectations {
        expectations.push((format!("expect {}", x.text), x.actual.clone(), x.passed));
    }
    let breaches = if ev.breaches.is_empty() {
        "none".to_owned()
    } else {
        ev.breaches
            .iter()
            .map(|b| format!("{} on {}", b.clause, b.date))
            .collect::<Vec<_>>()
            .join(", ")
    };
    push("breaches".to_owned(), AnswerKind::Breaches, breaches, None);
    for (key, actual, passed) in expectations {
        add(
            &mut out,
            key,
            AnswerKind::Expectation,
            actual,
            None,
            Some(passed),
        );
    }
    out
}

/// Adds an answer unless its key is already answered (the first answer stands).
fn add(
    out: &mut Vec<KeyAnswer>,
    key: String,
    kind: AnswerKind,
    value: String,
    money: Option<Money>,
    passed: Option<bool>,
) {
    if !out.iter().any(|a| a.key == key) {
        out.push(KeyAnswer {
            key,
            kind,
            value,
            money,
            passed,
        });
    }
}
