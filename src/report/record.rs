//! Recorded outcomes: a scenario's answers as stable, line-oriented text.
//!
//! Each answer is one `key: value` line — `revenue_share 2027 owed: USD
//! 6,000,000,000` — so that a golden file reads well in a code review and a
//! change is reported answer by answer (`old → new`), not as a text diff of
//! the whole file. Keys are unique except for the list kinds (`status`,
//! `breach`), which are compared as multisets.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::eval::Evaluation;

/// The first line of every golden file; bump the version when the line format changes.
pub const GOLDEN_HEADER: &str = "# covenant outcome v1";

/// Kinds whose lines may repeat; compared as multisets.
const LIST_KINDS: &[&str] = &["status", "breach"];

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// What is answered (`revenue_share 2027 owed`).
    pub key: String,
    /// The answer (`USD 6,000,000,000`).
    pub value: String,
}

/// A difference between two sets of answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The same question, another answer.
    Changed {
        /// The question.
        key: String,
        /// The old answer.
        old: String,
        /// The new answer.
        new: String,
    },
    /// A question only the new outcome answers.
    Added {
        /// The question.
        key: String,
        /// The answer.
        value: String,
    },
    /// A question only the old outcome answered.
    Removed {
        /// The question.
        key: String,
        /// The answer.
        value: String,
    },
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Changed { key, old, new } => write!(f, "{key}: {old} → {new}"),
            Change::Added { key, value } => write!(f, "+ {key}: {value}"),
            Change::Removed { key, value } => write!(f, "- {key}: {value}"),
        }
    }
}

/// Keys never contain `": "`, so the first one on a line separates key from value.
fn clean_key(key: &str) -> String {
    key.replace(": ", ":").replace('\n', " ")
}

fn clean_value(value: &str) -> String {
    value.replace('\n', " ")
}

/// Every answer of an evaluation, in report order.
pub fn answers(ev: &Evaluation) -> Vec<Answer> {
    let mut out: Vec<Answer> = Vec::new();
    let mut push = |key: String, value: String| {
        out.push(Answer {
            key: clean_key(&key),
            value: clean_value(&value),
        });
    };
    push(
        "contract ends".to_owned(),
        ev.end.last_day.map_or_else(
            || format!("not within the scenario ({})", ev.end.reason),
            |d| d.to_string(),
        ),
    );
    for i in &ev.interpretations {
        push(format!("interpretation {}", i.name), i.describe());
    }
    for p in &ev.params {
        let kind = if p.computed { "let" } else { "param" };
        push(format!("{kind} {}", p.name), p.value.clone());
    }
    let mut seen_events: HashMap<String, usize> = HashMap::new();
    for e in &ev.events {
        let base = format!("event {} {}", e.date, e.text);
        let n = seen_events.entry(base.clone()).or_insert(0);
        *n += 1;
        let key = if *n == 1 {
            base
        } else {
            format!("{base} (#{n})")
        };
        push(key, e.effect.clone());
    }
    let mut payers: Vec<(String, String)> = Vec::new();
    for a in &ev.accruals {
        let clause = if a.payment == 0 {
            a.clause.clone()
        } else {
            format!("{}#{}", a.clause, a.payment + 1)
        };
        // A share of a keyed metric answers per key (§3.7.1).
        let clause = match (&a.key_word, &a.key) {
            (Some(w), Some(k)) => format!("{clause} for {w} {k:?}"),
            _ => clause,
        };
        let parties = format!("{} pays {}", a.payer, a.payee);
        if !payers.iter().any(|(c, _)| *c == clause) {
            push(format!("{clause} parties"), parties.clone());
            payers.push((clause.clone(), parties));
        }
        if a.make_up {
            push(
                format!("{clause} {} make-up", a.label),
                format!("{} owes {} {}", a.payer, a.payee, a.owed),
            );
            continue;
        }
        if let Some(o) = a.occurrence.as_ref().filter(|o| !o.data.is_empty()) {
            let data: Vec<String> = o.data.iter().map(|(k, v)| format!("{k} {v}")).collect();
            push(format!("{clause} {} data", a.label), data.join(", "));
        }
        push(format!("{clause} {} owed", a.label), a.owed.to_string());
        push(format!("{clause} {} due", a.label), a.due.to_string());
        if let Some(c) = &a.carry {
            push(format!("{clause} {} carried", a.label), c.describe());
        }
        if a.cap_reached {
            push(format!("{clause} cap reached"), a.label.clone());
        }
    }
    for n in &ev.netting {
        let (payer, payee, net) = n.net();
        push(
            format!("net {} and {} {}", n.first, n.second, n.label),
            format!("{payer} pays {payee} {net}"),
        );
    }
    for s in &ev.status_changes {
        push("status".to_owned(), format!("{} {}", s.date, s.text));
    }
    for b in &ev.breaches {
        push(
            "breach".to_owned(),
            format!("{} {}: {}", b.date, b.clause, b.text),
        );
    }
    let mut seen_expect: HashMap<String, usize> = HashMap::new();
    for x in &ev.expectations {
        let base = format!("answer to `{}`", x.text);
        let n = seen_expect.entry(base.clone()).or_insert(0);
        *n += 1;
        let key = if *n == 1 {
            base
        } else {
            format!("{base} (#{n})")
        };
        push(key, x.actual.clone());
    }
    // A key that repeats outside the list kinds (two cap lines, say) keeps its first answer.
    let mut seen = std::collections::HashSet::new();
    out.retain(|a| LIST_KINDS.contains(&a.key.as_str()) || seen.insert(a.key.clone()));
    out
}

/// The golden file's text for a scenario's answers.
pub fn render_golden(scenario: &str, file: &str, answers: &[Answer]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{GOLDEN_HEADER}");
    // The file's path is left out so that recording from another folder writes the same bytes.
    let _ = file;
    let _ = writeln!(
        out,
        "# scenario {scenario}: written by `covenant test --record`, compared by `covenant test`"
    );
    for a in answers {
        let _ = writeln!(out, "{}: {}", a.key, a.value);
    }
    out
}

/// Reads a golden file back; `#` lines and blank lines are skipped.
pub fn parse_golden(text: &str) -> Vec<Answer> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(": ") {
            Some((k, v)) => Answer {
                key: k.to_owned(),
                value: v.to_owned(),
            },
            None => Answer {
                key: l.trim_end_matches(':').to_owned(),
                value: String::new(),
            },
        })
        .collect()
}

/// The answers that differ between `old` and `new`, in the order of `new` (removals where they stood in `old`).
pub fn compare(old: &[Answer], new: &[Answer]) -> Vec<Change> {
    let mut changes = Vec::new();
    let single_old: BTreeMap<&str, &str> = old
        .iter()
        .filter(|a| !is_list(&a.key))
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    let single_new: BTreeMap<&str, &str> = new
        .iter()
        .filter(|a| !is_list(&a.key))
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    // Multiset counts of list lines, to report each added or removed once.
    let mut list_old: HashMap<(&str, &str), usize> = HashMap::new();
    for a in old.iter().filter(|a| is_list(&a.key)) {
        *list_old
            .entry((a.key.as_str(), a.value.as_str()))
            .or_default() += 1;
    }
    let mut list_new: HashMap<(&str, &str), usize> = HashMap::new();
    for a in new.iter().filter(|a| is_list(&a.key)) {
        *list_new
            .entry((a.key.as_str(), a.value.as_str()))
            .or_default() += 1;
    }
    for a in old {
        if is_list(&a.key) {
            let k = (a.key.as_str(), a.value.as_str());
            if let Some(n) = list_new.get_mut(&k).filter(|n| **n > 0) {
                *n -= 1;
            } else {
                changes.push(Change::Removed {
                    key: a.key.clone(),
                    value: a.value.clone(),
                });
            }
        } else if !single_new.contains_key(a.key.as_str()) {
            changes.push(Change::Removed {
                key: a.key.clone(),
                value: a.value.clone(),
            });
        }
    }
    for a in new {
        if is_list(&a.key) {
            let k = (a.key.as_str(), a.value.as_str());
            if let Some(n) = list_old.get_mut(&k).filter(|n| **n > 0) {
                *n -= 1;
            } else {
                changes.push(Change::Added {
                    key: a.key.clone(),
                    value: a.value.clone(),
                });
            }
        } else {
            match single_old.get(a.key.as_str()) {
                Some(v) if *v == a.value => {}
                Some(v) => changes.push(Change::Changed {
                    key: a.key.clone(),
                    old: (*v).to_owned(),
                    new: a.value.clone(),
                }),
                None => changes.push(Change::Added {
                    key: a.key.clone(),
                    value: a.value.clone(),
                }),
            }
        }
    }
    changes
}

fn is_list(key: &str) -> bool {
    LIST_KINDS.contains(&key)
}

/// Where a scenario's golden file lives: beside it, `NAME.outcome`.
pub fn golden_path(scenario: &std::path::Path) -> std::path::PathBuf {
    scenario.with_extension("outcome")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(k: &str, v: &str) -> Answer {
        Answer {
            key: k.to_owned(),
            value: v.to_owned(),
        }
    }

    #[test]
    fn golden_round_trips() {
        let answers = vec![
            a("revenue_share 2027 owed", "USD 6,000,000,000"),
            a("status", "2026-04-27 x: y"),
            a("status", "2027-01-01 z"),
        ];
        let text = render_golden("s", "s.cov", &answers);
        assert_eq!(parse_golden(&text), answers);
    }

    #[test]
    fn changes_are_per_answer() {
        let old = vec![
            a("revenue_share 2027 owed", "USD 6,000,000,000"),
            a("status", "A"),
            a("status", "B"),
            a("gone", "1"),
        ];
        let new = vec![
            a("revenue_share 2027 owed", "USD 4,500,000,000"),
            a("status", "B"),
            a("status", "C"),
            a("new", "2"),
        ];
        let changes: Vec<String> = compare(&old, &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            changes,
            vec![
                "- status: A",
                "- gone: 1",
                "revenue_share 2027 owed: USD 6,000,000,000 → USD 4,500,000,000",
                "+ status: C",
                "+ new: 2",
            ]
        );
        assert!(compare(&new, &new).is_empty());
    }
}
