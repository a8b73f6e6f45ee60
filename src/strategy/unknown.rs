//! Unknown facts: conditional answers instead of guesses.
//!
//! A scenario line `on DATE CONDITION becomes unknown` says that from DATE
//! (until the scenario next switches it) nobody knows whether the condition
//! holds. Each such line is one unknown fact, true or false. The scenario is
//! evaluated once for every combination of the facts — as if each line said
//! `becomes true` or `becomes false` — and every answer is compared across
//! those cases:
//!
//! - an answer that is the same in every case is settled;
//! - otherwise it is open, and is stated as a function of the facts it
//!   depends on: "active if microsoft_can_honor is true from 2029-03-01,
//!   otherwise inactive". A fact is one an answer depends on when flipping that
//!   fact alone changes the answer in some case; the answer is then a function
//!   of those facts only.
//!
//! The facts some open answer depends on are exactly the smallest set that
//! settles every open answer: an answer that depends on a fact cannot be
//! settled without it, and knowing all of them settles every answer. Nothing
//! is weighed or guessed: no probabilities, only cases.

use super::answers::{key_answers, AnswerKind, KeyAnswer};
use super::{with_sets, Prepared};
use crate::calendar::Date;
use crate::check::model::Model;
use crate::check::scenario::plan_scenario;
use crate::diagnostic::{has_errors, Code, Diagnostic};
use crate::eval::{compile, evaluate, Evaluation, Options};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{self, EventKind, ScenarioItem};

/// The most unknown facts one scenario may hold (2^8 = 256 cases).
pub const MAX_UNKNOWN_FACTS: usize = 8;

/// One unknown fact: a condition's value from a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The condition.
    pub condition: String,
    /// From when its value is unknown.
    pub from: Date,
    /// The last day it stays unknown, when the scenario switches it again later.
    pub until: Option<Date>,
    /// The `becomes unknown` line.
    pub span: Span,
}

impl Fact {
    /// "microsoft_can_honor is true from 2029-03-01" (or false).
    pub fn state(&self, value: bool) -> String {
        match self.until {
            Some(u) => format!("{} is {value} from {} to {u}", self.condition, self.from),
            None => format!("{} is {value} from {}", self.condition, self.from),
        }
    }

    /// "microsoft_can_honor from 2029-03-01".
    pub fn name(&self) -> String {
        match self.until {
            Some(u) => format!("{} from {} to {u}", self.condition, self.from),
            None => format!("{} from {}", self.condition, self.from),
        }
    }
}

/// An answer across the cases.
#[derive(Debug, Clone)]
pub struct ConditionalAnswer {
    /// The question.
    pub key: String,
    /// Its kind.
    pub kind: AnswerKind,
    /// The answer when settled.
    pub settled: Option<String>,
    /// The facts it depends on (indices into the facts), when open.
    pub depends_on: Vec<usize>,
    /// When open: each answer with the cases that give it, each case a value
    /// per fact it depends on (`None`: either value).
    pub cases: Vec<(String, Vec<Vec<Option<bool>>>)>,
    /// For expectations: whether it holds in every case, in some, or in none.
    pub holds: Option<Holds>,
}

/// Whether an expectation holds across the cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// In every case.
    Always,
    /// In some cases only.
    Sometimes,
    /// In no case.
    Never,
}

impl ConditionalAnswer {
    /// The answer in words: settled, or "A if F is true from D, otherwise B".
    pub fn describe(&self, facts: &[Fact]) -> String {
        if let Some(s) = &self.settled {
            return s.clone();
        }
        let mut parts = Vec::new();
        let last = self.cases.len().saturating_sub(1);
        for (i, (value, assignments)) in self.cases.iter().enumerate() {
            if i == last && i > 0 {
                parts.push(format!("otherwise {value}"));
                continue;
            }
            let when: Vec<String> = assignments
                .iter()
                .map(|a| {
                    self.depends_on
                        .iter()
                        .zip(a)
                        .filter_map(|(f, v)| Some(facts.get(*f)?.state((*v)?)))
                        .collect::<Vec<_>>()
                        .join(" and ")
                })
                .collect();
            parts.push(format!("{value} if {}", when.join(", or if ")));
        }
        parts.join("; ")
    }
}

/// A scenario's answers under its unknown facts.
#[derive(Debug, Clone)]
pub struct Conditional {
    /// The unknown facts, in the order written.
    pub facts: Vec<Fact>,
    /// How many cases were evaluated (2 to the number of facts).
    pub cases: usize,
    /// Every answer, settled or open, in report order.
    pub answers: Vec<ConditionalAnswer>,
    /// The smallest set of facts that settles every open answer (indices into `facts`).
    pub settle: Vec<usize>,
    /// Each clause's days in force in every case, and in some cases only.
    pub clause_days: Vec<ClauseDays>,
}

/// Runs of days, each from its first day to its last, in date order.
pub type Runs = Vec<(Date, Date)>;

/// When a clause is in force across the cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseDays {
    /// The clause's name.
    pub clause: String,
    /// Runs of days it is in force in every case.
    pub always: Runs,
    /// Runs of days it is in force in some cases only.
    pub sometimes: Runs,
}

/// Splits the days of a clause's runs in each case into those in force in
/// every case and those in force in some only.
fn split_days(cases: &[Runs]) -> (Runs, Runs) {
    let mut cuts: Vec<Date> = cases
        .iter()
        .flatten()
        .flat_map(|(a, b)| [Some(*a), b.succ_opt()])
        .flatten()
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let inside = |runs: &[(Date, Date)], d: Date| {
        let i = runs.partition_point(|(_, end)| *end < d);
        runs.get(i).is_some_and(|(start, _)| *start <= d)
    };
    let (mut always, mut sometimes): (Runs, Runs) = (Vec::new(), Vec::new());
    for pair in cuts.windows(2) {
        let [a, b] = pair else { continue };
        let Some(end) = b.pred_opt() else { continue };
        let count = cases.iter().filter(|runs| inside(runs, *a)).count();
        let target = if count == cases.len() {
            &mut always
        } else if count > 0 {
            &mut sometimes
        } else {
            continue;
        };
        match target.last_mut() {
            Some((_, last)) if last.succ_opt() == Some(*a) => *last = end,
            _ => target.push((*a, end)),
        }
    }
    (always, sometimes)
}

impl Conditional {
    /// The open answers.
    pub fn open(&self) -> impl Iterator<Item = &ConditionalAnswer> {
        self.answers.iter().filter(|a| a.settled.is_none())
    }
}

/// The unknown facts a scenario states, in the order written.
pub fn facts(scenario: &ast::Scenario) -> Vec<Fact> {
    let events: Vec<&ast::Event> = scenario
        .items
        .iter()
        .filter_map(|i| match i {
            ScenarioItem::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::BecomesUnknown(name) => {
                // Known again from the next switch of the same condition.
                let until = events
                    .iter()
                    .filter(|o| o.date > e.date)
                    .filter(|o| match &o.kind {
                        EventKind::Becomes(n, _) | EventKind::BecomesUnknown(n) => {
                            n.text == name.text
                        }
                        _ => false,
                    })
                    .map(|o| o.date)
                    .min()
                    .and_then(|d| d.pred_opt());
                Some(Fact {
                    condition: name.text.clone(),
                    from: e.date,
                    until,
                    span: e.span,
                })
            }
            _ => None,
        })
        .collect()
}

/// The scenario with a `becomes unknown` line on the contract's effective date
/// for each condition declared without a default that the scenario does not
/// switch on or before that day. Such a condition is an unknown fact like any other.
pub fn with_unknown_defaults(model: &Model, scenario: &ast::Scenario) -> ast::Scenario {
    let mut scenario = scenario.clone();
    let switched_at_start = |name: &str| {
        scenario.items.iter().any(|i| match i {
            ScenarioItem::Event(e) => {
                e.date <= model.effective
                    && matches!(&e.kind, EventKind::Becomes(n, _) | EventKind::BecomesUnknown(n) if n.text == name)
            }
            _ => false,
        })
    };
    let injected: Vec<ScenarioItem> = model
        .conditions
        .iter()
        .filter(|c| c.unknown && !switched_at_start(&c.name))
        .map(|c| {
            ScenarioItem::Event(ast::Event {
                date: model.effective,
                kind: EventKind::BecomesUnknown(ast::Name {
                    text: c.name.clone(),
                    span: c.span,
                }),
                span: c.span,
            })
        })
        .collect();
    if !injected.is_empty() {
        let rest = std::mem::take(&mut scenario.items);
        scenario.items = injected.into_iter().chain(rest).collect();
    }
    scenario
}

/// Whether a scenario leaves some fact unknown: a `becomes unknown` line, or a
/// condition declared without a default.
pub fn has_unknowns(model: &Model, plan: &crate::check::scenario::Plan) -> bool {
    model.conditions.iter().any(|c| c.unknown)
        || plan.events.iter().any(|e| {
            matches!(
                e.kind,
                crate::check::scenario::PlanEventKind::Unknown { .. }
            )
        })
}

/// The scenario with each unknown fact set to the value of its bit in `case`.
fn resolved(scenario: &ast::Scenario, case: usize) -> ast::Scenario {
    let mut scenario = scenario.clone();
    let mut n = 0usize;
    for item in &mut scenario.items {
        if let ScenarioItem::Event(e) = item {
            if let EventKind::BecomesUnknown(name) = &e.kind {
                let value = (case >> n) & 1 == 1;
                e.kind = EventKind::Becomes(name.clone(), value);
                n += 1;
            }
        }
    }
    scenario
}

/// The answers of one case: those of [`key_answers`], and each clause's active windows.
fn case_answers(
    prepared: &Prepared,
    scenario: &ast::Scenario,
    sources: &SourceMap,
    options: Options,
) -> Result<(Evaluation, Vec<KeyAnswer>, Vec<Runs>), Vec<Diagnostic>> {
    let mut model = prepared.model.clone();
    let mut diagnostics = Vec::new();
    let plan = plan_scenario(&mut model, scenario, prepared.file, &mut diagnostics);
    let plan = match plan {
        Some(plan) if !has_errors(&diagnostics) => plan,
        _ => return Err(diagnostics),
    };
    let compiled = compile(&model, &plan, options)?;
    let ev = evaluate(&model, &plan, sources, options)?;
    let mut answers = key_answers(&ev);
    let mut all_runs = Vec::new();
    for (cid, clause) in model.clauses.iter().enumerate() {
        // Versions aside: the days the clause is active.
        let mut runs: Vec<(Date, Date)> = Vec::new();
        for iv in compiled.program.intervals.get(cid).into_iter().flatten() {
            match runs.last_mut() {
                Some((_, end)) if end.succ_opt() == Some(iv.start) => *end = iv.end,
                _ => runs.push((iv.start, iv.end)),
            }
        }
        let windows: Vec<String> = runs
            .iter()
            .map(|(a, b)| format!("from {a} to {b}"))
            .collect();
        all_runs.push(runs);
        answers.push(KeyAnswer {
            key: format!("{} active", clause.name),
            kind: AnswerKind::Verdict,
            value: if windows.is_empty() {
                "never".to_owned()
            } else {
                windows.join(", ")
            },
            money: None,
            passed: None,
        });
    }
    Ok((ev, answers, all_runs))
}

/// Evaluates every case of the scenario's unknown facts and lines the answers
/// up; `None` when the scenario states no unknown fact.
pub fn conditional(
    prepared: &Prepared,
    sets: &[(&str, &ast::Literal)],
    sources: &SourceMap,
    options: Options,
) -> Result<Option<(Conditional, Evaluation)>, Vec<Diagnostic>> {
    let scenario = with_unknown_defaults(&prepared.model, &prepared.scenario);
    let facts = facts(&scenario);
    if facts.is_empty() {
        return Ok(None);
    }
    if facts.len() > MAX_UNKNOWN_FACTS {
        let span = facts
            .get(MAX_UNKNOWN_FACTS)
            .map(|f| f.span)
            .unwrap_or_default();
        return Err(vec![Diagnostic::error(
            Code::LimitExceeded,
            span,
            format!(
                "the scenario has more than {MAX_UNKNOWN_FACTS} unknown facts; Covenant evaluates every case, 2 to the number of facts"
            ),
        )
        .with_label("one unknown too many")
        .with_help("split the question into several scenarios, or state some of the facts")]);
    }
    let base = with_sets(&scenario, sets);
    let cases = 1usize << facts.len();
    let mut results: Vec<Vec<KeyAnswer>> = Vec::with_capacity(cases);
    let mut runs: Vec<Vec<Runs>> = Vec::with_capacity(cases);
    let mut first: Option<Evaluation> = None;
    for case in 0..cases {
        let (ev, answers, case_runs) =
            case_answers(prepared, &resolved(&base, case), sources, options)?;
        if first.is_none() {
            first = Some(ev);
        }
        results.push(answers);
        runs.push(case_runs);
    }
    let clause_days = prepared
        .model
        .clauses
        .iter()
        .enumerate()
        .map(|(cid, c)| {
            let per_case: Vec<Runs> = runs
                .iter()
                .map(|r| r.get(cid).cloned().unwrap_or_default())
                .collect();
            let (always, sometimes) = split_days(&per_case);
            ClauseDays {
                clause: c.name.clone(),
                always,
                sometimes,
            }
        })
        .collect();
    // Every key any case answers, in the order of the first case that does.
    let mut keys: Vec<(String, AnswerKind)> = Vec::new();
    for r in &results {
        for a in r {
            if !keys.iter().any(|(k, _)| *k == a.key) {
                keys.push((a.key.clone(), a.kind));
            }
        }
    }
    let value = |case: usize, key: &str, kind: AnswerKind| -> (String, Option<bool>) {
        let missing = match kind {
            AnswerKind::Owed => "no amount (the clause is not in force then)",
            _ => "no answer",
        };
        results
            .get(case)
            .and_then(|r| r.iter().find(|a| a.key == key))
            .map_or((missing.to_owned(), None), |a| (a.value.clone(), a.passed))
    };
    let mut answers = Vec::new();
    let mut settle: Vec<usize> = Vec::new();
    for (key, kind) in keys {
        let values: Vec<(String, Option<bool>)> =
            (0..cases).map(|c| value(c, &key, kind)).collect();
        let holds = if kind == AnswerKind::Expectation {
            let passing = values.iter().filter(|(_, p)| *p == Some(true)).count();
            Some(if passing == cases {
                Holds::Always
            } else if passing == 0 {
                Holds::Never
            } else {
                Holds::Sometimes
            })
        } else {
            None
        };
        let first_value = values.first().map(|(v, _)| v.clone()).unwrap_or_default();
        if values.iter().all(|(v, _)| *v == first_value) {
            answers.push(ConditionalAnswer {
                key,
                kind,
                settled: Some(first_value),
                depends_on: Vec::new(),
                cases: Vec::new(),
                holds,
            });
            continue;
        }
        let depends_on: Vec<usize> = (0..facts.len())
            .filter(|f| {
                (0..cases)
                    .any(|c| values.get(c).map(|v| &v.0) != values.get(c ^ (1 << f)).map(|v| &v.0))
            })
            .collect();
        for f in &depends_on {
            if !settle.contains(f) {
                settle.push(*f);
            }
        }
        // One case per assignment of the facts it depends on (the others false).
        let mut grouped: Vec<(String, Vec<Vec<bool>>)> = Vec::new();
        for assignment in 0..(1usize << depends_on.len()) {
            let bits: Vec<bool> = (0..depends_on.len())
                .map(|i| (assignment >> i) & 1 == 1)
                .collect();
            let case = depends_on
                .iter()
                .zip(&bits)
                .filter(|(_, b)| **b)
                .fold(0usize, |c, (f, _)| c | (1 << f));
            let v = values.get(case).map(|v| v.0.clone()).unwrap_or_default();
            match grouped.iter_mut().find(|(x, _)| *x == v) {
                Some((_, list)) => list.push(bits),
                None => grouped.push((v, vec![bits])),
            }
        }
        // Lead with the case where every fact it depends on is true: it reads first.
        grouped
            .sort_by_key(|(_, list)| std::cmp::Reverse(list.iter().any(|b| b.iter().all(|x| *x))));
        let grouped = grouped
            .into_iter()
            .map(|(v, list)| (v, merge_cases(list)))
            .collect();
        answers.push(ConditionalAnswer {
            key,
            kind,
            settled: None,
            depends_on,
            cases: grouped,
            holds,
        });
    }
    settle.sort_unstable();
    let Some(first) = first else {
        return Ok(None);
    };
    Ok(Some((
        Conditional {
            facts,
            cases,
            answers,
            settle,
            clause_days,
        },
        first,
    )))
}

/// Folds cases that differ in one fact only into one case where that fact may
/// be either, until no two can be folded: `a and b, or a and not b` is `a`.
fn merge_cases(list: Vec<Vec<bool>>) -> Vec<Vec<Option<bool>>> {
    let mut terms: Vec<Vec<Option<bool>>> = list
        .into_iter()
        .map(|c| c.into_iter().map(Some).collect())
        .collect();
    loop {
        let mut merged = None;
        'search: for (i, a) in terms.iter().enumerate() {
            for (j, b) in terms.iter().enumerate().skip(i + 1) {
                let differ: Vec<usize> = a
                    .iter()
                    .zip(b)
                    .enumerate()
                    .filter(|(_, (x, y))| x != y)
                    .map(|(k, _)| k)
                    .collect();
                if let [k] = differ.as_slice() {
                    if a.get(*k).is_some_and(Option::is_some)
                        && b.get(*k).is_some_and(Option::is_some)
                    {
                        let mut m = a.clone();
                        if let Some(slot) = m.get_mut(*k) {
                            *slot = None;
                        }
                        merged = Some((i, j, m));
                        break 'search;
                    }
                }
            }
        }
        let Some((i, j, m)) = merged else {
            return terms;
        };
        terms.remove(j);
        if let Some(slot) = terms.get_mut(i) {
            *slot = m;
        }
    }
}

/// Replaces an evaluation's expectation outcomes with the conditional ones: an
/// expectation holds only when it holds in every case, and an open one says
/// on which facts it turns.
pub fn apply_expectations(c: &Conditional, ev: &mut Evaluation) {
    for x in &mut ev.expectations {
        let key = format!("expect {}", x.text);
        if let Some(a) = c.answers.iter().find(|a| a.key == key) {
            x.passed = a.holds == Some(Holds::Always);
            if a.settled.is_none() {
                x.actual = a.describe(&c.facts);
            }
        }
    }
    ev.notes.push(format!(
        "the scenario leaves {} unknown; the expectations are answered in all {} cases, and the other answers here assume each unknown condition keeps its earlier value",
        c.facts
            .iter()
            .map(Fact::name)
            .collect::<Vec<_>>()
            .join(", "),
        c.cases
    ));
}

/// The conditional answers as text, after the scenario's header lines.
pub fn render_conditional_text(c: &Conditional) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nUnknown facts ({} cases evaluated: each fact true and false)",
        c.cases
    );
    for f in &c.facts {
        let _ = writeln!(out, "  {}", f.name());
    }
    out.push_str("\nOpen answers (they depend on the unknown facts)\n");
    let mut any = false;
    for a in c.open().filter(|a| a.kind != AnswerKind::Expectation) {
        any = true;
        let _ = writeln!(out, "  {}: {}", a.key, a.describe(&c.facts));
    }
    if !any {
        out.push_str("  none: every answer is the same whatever the facts are\n");
    }
    out.push_str("\nSettled answers (the same in every case)\n");
    let mut owed_zero = 0usize;
    for a in c
        .answers
        .iter()
        .filter(|a| a.settled.is_some() && a.kind != AnswerKind::Expectation)
    {
        // Periods with nothing owed in every case are counted, not listed.
        if a.kind == AnswerKind::Owed && a.settled.as_deref().is_some_and(|v| v.ends_with(" 0")) {
            owed_zero += 1;
            continue;
        }
        let _ = writeln!(out, "  {}: {}", a.key, a.settled.as_deref().unwrap_or(""));
    }
    if owed_zero > 0 {
        let _ = writeln!(out, "  and {owed_zero} period amounts of zero");
    }
    let expectations: Vec<&ConditionalAnswer> = c
        .answers
        .iter()
        .filter(|a| a.kind == AnswerKind::Expectation)
        .collect();
    if !expectations.is_empty() {
        out.push_str("\nExpectations\n");
        for a in &expectations {
            let mark = match a.holds {
                Some(Holds::Always) => "pass",
                Some(Holds::Sometimes) => "open",
                _ => "FAIL",
            };
            let text = a.key.trim_start_matches("expect ");
            let _ = writeln!(out, "  {mark}  {text}");
            if a.holds != Some(Holds::Always) {
                let _ = writeln!(out, "        found: {}", a.describe(&c.facts));
            }
        }
        let held = expectations
            .iter()
            .filter(|a| a.holds == Some(Holds::Always))
            .count();
        let _ = writeln!(
            out,
            "  {held} of {} expectations hold in every case",
            expectations.len()
        );
    }
    out.push_str("\nTo settle every open answer, find out\n");
    if c.settle.is_empty() {
        out.push_str("  nothing: no answer depends on the unknown facts\n");
    }
    for f in &c.settle {
        if let Some(f) = c.facts.get(*f) {
            let _ = writeln!(out, "  whether {}", f.state(true));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn days_in_force_in_every_case_and_in_some() {
        let cases = vec![
            vec![(d("2026-01-01"), d("2032-12-31"))],
            vec![(d("2026-01-01"), d("2029-02-28"))],
        ];
        let (always, sometimes) = split_days(&cases);
        assert_eq!(always, vec![(d("2026-01-01"), d("2029-02-28"))]);
        assert_eq!(sometimes, vec![(d("2029-03-01"), d("2032-12-31"))]);
    }

    #[test]
    fn cases_fold_into_the_facts_that_matter() {
        // a and b, or a and not b: a.
        let folded = merge_cases(vec![vec![true, true], vec![true, false]]);
        assert_eq!(folded, vec![vec![Some(true), None]]);
        // Nothing to fold.
        let kept = merge_cases(vec![vec![true, true], vec![false, false]]);
        assert_eq!(kept.len(), 2);
    }
}
