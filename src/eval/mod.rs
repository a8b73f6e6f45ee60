//! Eval: the timeline interpreter.
//!
//! Evaluation runs in a fixed order, each step using only what the earlier
//! ones produced, which is what makes it total and deterministic:
//!
//! 1. bind params and compute the horizon (the last day anything asks about);
//! 2. work out when the contract ends (term, renewals, non-renewal notices,
//!    terminations by notice) — this depends only on events, never on clauses;
//! 3. build condition timelines and each clause's active day intervals
//!    (versions × windows × conditions, clipped to the term);
//! 4. index action rules (the compiled [`Program`]) and decide each event;
//! 5. check obligations' deadlines, accrue payments, settle recorded payments;
//! 6. answer the expectations.
//!
//! Nothing here panics on any checked input: arithmetic is checked and an
//! overflow becomes a diagnostic.

pub mod formula;
pub mod outcome;
pub mod payments;
pub mod program;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::calendar::{Date, Duration, DurationUnit, Period};
use crate::check::model::*;
use crate::check::scenario::{ActionCall, Expect, Plan, PlanEventKind};
use crate::diagnostic::Diagnostic;
use crate::money::{round_money, Currency, Money};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::StatusWord;

pub use outcome::*;
pub use program::{Interval, Program};

/// How to evaluate.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Stop the timeline at this date.
    pub as_of: Option<Date>,
}

/// How a let computed per payment period is listed among the params: its
/// values are in the terms of the payments that use it.
pub const PER_PERIOD: &str = "computed per payment period";

/// Caps the number of renewals computed, so that a one-day renewal over a long horizon stays bounded.
pub const MAX_RENEWALS: usize = 100_000;

/// A contract compiled for a scenario, with the contract's end worked out.
#[derive(Debug, Clone)]
pub struct Compiled<'m> {
    /// The compiled program.
    pub program: Program<'m>,
    /// How the contract ends.
    pub end: ContractEnd,
    /// The last day the timeline covers.
    pub timeline_end: Date,
    /// Remarks met while compiling.
    pub notes: Vec<String>,
}

/// Binds params, works out the contract's end and compiles the clauses into day intervals and rule indexes.
pub fn compile<'m>(
    model: &'m Model,
    plan: &Plan,
    options: Options,
) -> Result<Compiled<'m>, Vec<Diagnostic>> {
    let horizon_hint = horizon(model, plan, options.as_of);
    let mut params = plan.params.clone();
    formula::bind_lets_with_events(model, Some(&plan.figures), Some(&plan.events), &mut params)
        .map_err(|d| vec![d])?;
    let mut program = Program {
        model,
        params,
        conditions: Vec::new(),
        last_day: None,
        horizon: horizon_hint,
        intervals: Vec::new(),
        rules_by_action: Vec::new(),
        holdings: program::Holdings::default(),
        terminated: false,
        termination_cause: None,
    };
    let cutoff = options.as_of.unwrap_or(NaiveDate::MAX);
    // Conditions first: a termination right may hold only in an event's window.
    program.conditions = program::condition_timelines(model, plan, cutoff);
    program::computed_timelines(&mut program, plan, cutoff);
    let mut notes = Vec::new();
    let (end, cause) =
        contract_end(&program, plan, horizon_hint, cutoff, &mut notes).map_err(|d| vec![d])?;
    program.last_day = end.last_day;
    program.terminated = end.last_day.is_some() && end.reason.contains(" terminated on ");
    program.termination_cause = cause.filter(|_| program.terminated);
    let timeline_end = match (end.last_day, options.as_of) {
        (Some(last), Some(a)) => last.min(a),
        (Some(last), None) => last,
        (None, _) => horizon_hint,
    };
    program.horizon = timeline_end;
    let clip = end.last_day.unwrap_or(timeline_end);
    program.intervals = clause_intervals(&program, clip).map_err(|d| vec![d])?;
    program.rules_by_action = index_rules(&program);
    program.holdings = program::licence_holdings(&program, plan, cutoff);
    Ok(Compiled {
        program,
        end,
        timeline_end,
        notes,
    })
}

/// Evaluates a checked scenario against its model.
pub fn evaluate(
    model: &Model,
    plan: &Plan,
    sources: &SourceMap,
    options: Options,
) -> Result<Evaluation, Vec<Diagnostic>> {
    let Compiled {
        program,
        end,
        timeline_end,
        mut notes,
    } = compile(model, plan, options)?;
    notes.splice(0..0, plan.notes.iter().cloned());
    let cutoff = options.as_of.unwrap_or(NaiveDate::MAX);
    let mut evaluation = Evaluation {
        scenario: plan.name.clone(),
        scenario_title: plan.title.clone(),
        contract: model.name.clone(),
        contract_title: model.title.clone(),
        effective: model.effective,
        amendments: model
            .amendments
            .iter()
            .map(|a| (a.name.clone(), a.effective))
            .collect(),
        end,
        horizon: timeline_end,
        as_of: options.as_of,
        params: model
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.hidden)
            .map(|(i, p)| ParamValue {
                name: p.name.clone(),
                value: if p.periodic {
                    PER_PERIOD.to_owned()
                } else {
                    program
                        .params
                        .get(i)
                        .map(|v| model.show_value(v))
                        .unwrap_or_default()
                },
                set_by_scenario: plan.params_set.get(i).copied().unwrap_or(false),
                computed: p.formula.is_some(),
            })
            .collect(),
        events: Vec::new(),
        accruals: Vec::new(),
        netting: Vec::new(),
        status_changes: Vec::new(),
        breaches: Vec::new(),
        expectations: Vec::new(),
        clause_states: Vec::new(),
        notes: Vec::new(),
        interpretations: interpretation_notes(&program),
    };

    run_events(&program, plan, sources, cutoff, &mut evaluation);
    check_obligations(&program, plan, sources, timeline_end, &mut evaluation);
    evaluation
        .breaches
        .sort_by(|a, b| a.date.cmp(&b.date).then(a.clause.cmp(&b.clause)));
    // A contract still in force at the horizon has its running period unfinished, as under --as-of.
    let stop = options.as_of.or(if evaluation.end.last_day.is_none() {
        Some(timeline_end)
    } else {
        None
    });
    evaluation.accruals =
        payments::accruals(&program, plan, stop, &mut notes).map_err(|d| vec![d])?;
    occurrence_effects(&program, plan, cutoff, &mut evaluation);
    evaluation.netting = netting(model, &evaluation.accruals);
    evaluation.status_changes = status_changes(&program, &evaluation);
    evaluation.expectations = plan
        .expectations
        .iter()
        .map(|x| expectation(&program, plan, &evaluation, x, sources))
        .collect();
    evaluation.clause_states = clause_states_on(&program, timeline_end);
    evaluation.notes = notes;
    Ok(evaluation)
}

/// The last day anything in the scenario refers to (or `as_of`).
fn horizon(model: &Model, plan: &Plan, as_of: Option<Date>) -> Date {
    if let Some(a) = as_of {
        return a;
    }
    let mut h = model.effective;
    for e in &plan.events {
        h = h.max(e.date);
    }
    for f in plan.figures.values() {
        h = h.max(f.period.end);
    }
    for a in &model.amendments {
        h = h.max(a.effective);
    }
    for x in &plan.expectations {
        let d = match &x.kind {
            Expect::Verdict { date, .. }
            | Expect::Overdue { date, .. }
            | Expect::Status { date, .. }
            | Expect::Ends(date) => *date,
            Expect::Due { date, period, .. } => (*date).max(period.end),
            Expect::OwesOccurrence { date, .. } => *date,
            Expect::Owes { period, .. }
            | Expect::OwesNet { period, .. }
            | Expect::CapReached { period, .. } => period.end,
            Expect::Breach(_) | Expect::NoBreach(_) => h,
        };
        h = h.max(d);
    }
    h
}

fn contract_end(
    program: &Program<'_>,
    plan: &Plan,
    horizon: Date,
    cutoff: Date,
    notes: &mut Vec<String>,
) -> Result<(ContractEnd, Option<EventId>), Diagnostic> {
    let model = program.model;
    let mut renewals = Vec::new();
    let (term_last_day, reading) = term_last_day(model);
    let mut last_day = term_last_day;
    let mut reason = match term_last_day {
        Some(d) => format!(
            "the term ends on {d}{}",
            cite(reading.filter(|i| i.exclusive))
        ),
        None => "the contract has no fixed term".to_owned(),
    };
    let notices: Vec<(Date, PartyId)> = plan
        .events
        .iter()
        .filter(|e| e.date <= cutoff)
        .filter_map(|e| match e.kind {
            PlanEventKind::NonRenewal(p) => Some((e.date, p)),
            _ => None,
        })
        .collect();
    let terminations: Vec<(Date, PartyId, Option<EventId>)> = plan
        .events
        .iter()
        .filter(|e| e.date <= cutoff)
        .filter_map(|e| match e.kind {
            PlanEventKind::Terminates(p, cause) => Some((e.date, p, cause)),
            _ => None,
        })
        .collect();
    let last_termination = terminations
        .iter()
        .map(|(d, _, _)| *d)
        .max()
        .unwrap_or(horizon);
    let renew_until = horizon.max(last_termination);

    if let (Some(initial), Some(rn)) = (term_last_day, &model.term.renewal) {
        // Renewed terms are counted from one anchor, never from the previous
        // last day, so that a term starting on 29 February does not drift.
        let same_family = |a: &Duration, b: &Duration| {
            use DurationUnit::{Day, Month, Week, Year};
            matches!(
                (a.unit, b.unit),
                (Month | Year, Month | Year) | (Day | Week, Day | Week)
            )
        };
        let (anchor, base_months, base_days) = match model.term.length {
            Some(len) if same_family(&len, &rn.every) => {
                (model.effective, months_of(&len), days_of(&len))
            }
            _ => (initial.succ_opt().unwrap_or(initial), 0, 0),
        };
        let mut current = initial;
        let mut n: u32 = 0;
        loop {
            let (deadline, prior_to) = notice_deadline(model, current, rn.notice);
            if let Some((date, party)) = notices.iter().find(|(d, _)| *d <= deadline) {
                last_day = Some(current);
                reason = format!(
                    "{} gave notice of non-renewal on {date}, so the term ends on {current}{}",
                    program.party_name(*party),
                    prior_to
                        .filter(|i| i.departs_from_default())
                        .map(|i| format!(
                            " (notice due by {deadline}, interpretation {}: {})",
                            i.name,
                            i.describe()
                        ))
                        .unwrap_or_default()
                );
                break;
            }
            if current >= renew_until
                && notices.iter().all(|(d, _)| *d > deadline)
                && notices.is_empty()
            {
                last_day = None;
                reason = format!(
                    "the term renews automatically; the current term ends on {current} and renews unless a party gives notice of non-renewal by {deadline}{}",
                    cite(prior_to.filter(|i| i.departs_from_default()))
                );
                break;
            }
            if renewals.len() >= MAX_RENEWALS {
                last_day = None;
                reason = format!("the term renews more than {MAX_RENEWALS} times within the scenario; stopped counting at {current}");
                break;
            }
            n = n.saturating_add(1);
            let span = match rn.every.unit {
                DurationUnit::Month | DurationUnit::Year => Duration {
                    count: base_months.saturating_add(months_of(&rn.every).saturating_mul(n)),
                    unit: DurationUnit::Month,
                },
                // Renewal periods cannot be written in business days.
                DurationUnit::Day | DurationUnit::Week | DurationUnit::BusinessDay => Duration {
                    count: base_days.saturating_add(days_of(&rn.every).saturating_mul(n)),
                    unit: DurationUnit::Day,
                },
            };
            let Some(next) = span.last_day_from(anchor) else {
                break;
            };
            renewals.push((current.succ_opt().unwrap_or(current), next));
            current = next;
        }
    } else if !notices.is_empty() {
        notes.push(
            "a notice of non-renewal was given, but the contract does not renew automatically"
                .to_owned(),
        );
    }

    let mut cause = None;
    for (date, party, stated) in terminations {
        let right = model.terminations.iter().rfind(|t| {
            t.party == party
                && t.from <= date
                && t.window
                    .is_none_or(|c| program.conditions.get(c).is_some_and(|tl| tl.at(date)))
        });
        let Some(right) = right else {
            let windows: Vec<String> = model
                .terminations
                .iter()
                .filter(|t| t.party == party)
                .filter_map(|t| t.window.and_then(|c| model.conditions.get(c)))
                .map(|c| format!("`{}`", c.name))
                .collect();
            let hint = if windows.is_empty() {
                String::new()
            } else {
                format!(" (its right holds only {})", windows.join(" or "))
            };
            notes.push(format!("{} terminates on {date}, but has no termination right in force that day{hint}; the termination has no effect", program.party_name(party)));
            continue;
        };
        if last_day.is_some_and(|l| date > l) {
            notes.push(format!("{} terminates on {date}, after the contract already ended; the termination has no effect", program.party_name(party)));
            continue;
        }
        let notice = program.duration(&right.notice)?;
        let Some(end) = notice.after(date) else {
            continue;
        };
        if last_day.is_some_and(|l| end >= l) {
            notes.push(format!("{} terminates on {date} with {notice} notice, but the contract already ends on or before {end}; the termination changes nothing", program.party_name(party)));
        }
        if last_day.is_none_or(|l| end < l) {
            last_day = Some(end);
            // The cause: the event the scenario states, else the event whose
            // window the right exists in (Covenant's rule).
            cause = stated.or(right.window_event);
            if let Some(e) = stated.and_then(|e| model.events.get(e).map(|x| (e, x))) {
                let occurred = plan.events.iter().any(|x| {
                    x.date <= date
                        && matches!(&x.kind, PlanEventKind::Event { event, .. } if *event == e.0)
                });
                if !occurred {
                    notes.push(format!("{} terminates on {date} because of {}, but no {} occurs on or before that day; the termination is still taken to be caused by it", program.party_name(party), e.1.name, e.1.name));
                }
            }
            let caused = cause.and_then(|e| model.events.get(e)).map_or_else(
                || ",".to_owned(),
                |e| format!(", a termination caused by {},", e.name),
            );
            reason = format!(
                "{} terminated on {date} with {notice} notice{caused} so the contract ends on {end}",
                program.party_name(party)
            );
        }
    }
    if let Some(l) = last_day {
        renewals.retain(|(renewed_on, _)| *renewed_on <= l);
    }
    Ok((
        ContractEnd {
            last_day,
            reason,
            renewals,
        },
        cause,
    ))
}

fn months_of(d: &Duration) -> u32 {
    match d.unit {
        DurationUnit::Year => d.count.saturating_mul(12),
        DurationUnit::Month => d.count,
        _ => 0,
    }
}

fn days_of(d: &Duration) -> u32 {
    match d.unit {
        DurationUnit::Week => d.count.saturating_mul(7),
        DurationUnit::Day => d.count,
        _ => 0,
    }
}

fn clause_intervals(program: &Program<'_>, clip: Date) -> Result<Vec<Vec<Interval>>, Diagnostic> {
    let model = program.model;
    let change_dates: Vec<Date> = {
        let mut v: Vec<Date> = program
            .conditions
            .iter()
            .flat_map(|c| c.changes.iter().map(|(d, _)| *d))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut all = Vec::with_capacity(model.clauses.len());
    for (cid, clause) in model.clauses.iter().enumerate() {
        let mut intervals: Vec<Interval> = Vec::new();
        let first_start = clause
            .versions
            .first()
            .map_or(model.effective, |v| v.in_force_from);
        for (vi, v) in clause.versions.iter().enumerate() {
            let mut start = v.in_force_from.max(model.effective);
            let mut end = v.in_force_until.unwrap_or(NaiveDate::MAX).min(clip);
            let from = match &v.windows.from {
                Some(s) => Some(program.date(s)?),
                None => None,
            };
            if let Some(f) = from {
                start = start.max(f);
            }
            if let Some(u) = &v.windows.until {
                end = end.min(until_last_day(model, cid, program.date(u)?).0);
            }
            if let Some(f) = &v.windows.for_ {
                let clause_start = from.unwrap_or(first_start).max(model.effective);
                let dur = program.duration(f)?;
                if let Some(last) = dur.last_day_from(clause_start) {
                    end = end.min(last);
                }
            }
            if start > end {
                continue;
            }
            if v.windows.while_.is_empty() && v.windows.unless.is_empty() {
                intervals.push(Interval {
                    start,
                    end,
                    version: vi,
                });
                continue;
            }
            // Split at condition switches and keep the pieces where the windows hold.
            let mut piece_start = start;
            let cuts = change_dates
                .iter()
                .copied()
                .filter(|d| *d > start && *d <= end)
                .chain(std::iter::once(end.succ_opt().unwrap_or(end)));
            for cut in cuts {
                let piece_end = cut.pred_opt().unwrap_or(cut).min(end);
                if piece_start <= piece_end {
                    let on = v
                        .windows
                        .while_
                        .iter()
                        .all(|(e, _)| program.holds(e, &[], piece_start))
                        && !v
                            .windows
                            .unless
                            .iter()
                            .any(|(e, _)| program.holds(e, &[], piece_start));
                    if on {
                        match intervals.last_mut() {
                            Some(last)
                                if last.version == vi
                                    && last.end.succ_opt() == Some(piece_start) =>
                            {
                                last.end = piece_end
                            }
                            _ => intervals.push(Interval {
                                start: piece_start,
                                end: piece_end,
                                version: vi,
                            }),
                        }
                    }
                }
                piece_start = cut;
            }
        }
        intervals.sort_by_key(|iv| iv.start);
        all.push(intervals);
    }
    Ok(all)
}

fn index_rules(program: &Program<'_>) -> Vec<Vec<program::IndexedRule>> {
    let model = program.model;
    let mut by_action: Vec<Vec<program::IndexedRule>> = vec![Vec::new(); model.actions.len()];
    for (cid, clause) in model.clauses.iter().enumerate() {
        for (vi, v) in clause.versions.iter().enumerate() {
            let intervals: Vec<(Date, Date)> = program
                .intervals
                .get(cid)
                .map(|ivs| {
                    ivs.iter()
                        .filter(|iv| iv.version == vi)
                        .map(|iv| (iv.start, iv.end))
                        .collect()
                })
                .unwrap_or_default();
            if intervals.is_empty() {
                continue;
            }
            for rule in &v.rules {
                if let Some(list) = by_action.get_mut(rule.action) {
                    list.push(program::IndexedRule {
                        clause: cid,
                        party: rule.party,
                        permits: rule.permits,
                        condition: rule.condition.clone(),
                        notwithstanding: rule.notwithstanding.clone(),
                        intervals: intervals.clone(),
                        span: rule.span,
                    });
                }
            }
        }
    }
    by_action
}

/// The source text of a span with whitespace folded, for reports.
pub fn excerpt(sources: &SourceMap, span: Span) -> String {
    let text = sources.slice(span);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        for word in line.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

fn run_events(
    program: &Program<'_>,
    plan: &Plan,
    sources: &SourceMap,
    cutoff: Date,
    ev: &mut Evaluation,
) {
    let model = program.model;
    let ended = program.last_day;
    for e in &plan.events {
        if e.date > cutoff {
            break;
        }
        let text = excerpt(sources, e.span);
        let text = text
            .split_once(' ')
            .and_then(|(_, rest)| rest.split_once(' '))
            .map_or(text.clone(), |(_, rest)| rest.to_owned());
        let after_end = ended.is_some_and(|l| e.date > l);
        let mut verdict = None;
        let effect = match &e.kind {
            PlanEventKind::Action(call) => {
                let v = program.verdict(call, e.date);
                for clause in &v.forbidden_by {
                    let span = model
                        .clause_id(clause)
                        .and_then(|c| {
                            let version = program.active_version(c, e.date)?;
                            let v = model.clauses.get(c)?.versions.get(version)?;
                            v.rules
                                .iter()
                                .find(|r| {
                                    !r.permits && r.action == call.action && r.party == call.party
                                })
                                .map(|r| r.span)
                        })
                        .unwrap_or_default();
                    ev.breaches.push(Breach {
                        date: e.date,
                        clause: clause.clone(),
                        text: format!("{text}: forbidden by {clause}"),
                        span,
                    });
                }
                if let Some(l) = v.licence.as_ref().filter(|l| l.missing()) {
                    let action = model.actions.get(call.action);
                    ev.breaches.push(Breach {
                        date: e.date,
                        clause: action.map(|a| a.name.clone()).unwrap_or_default(),
                        text: format!("{text}: {}", l.explain()),
                        span: action
                            .and_then(|a| a.licence.as_ref())
                            .map(|n| n.span)
                            .unwrap_or_default(),
                    });
                }
                let effect = if after_end {
                    format!("{}; the contract had already ended", v.explain())
                } else {
                    v.explain()
                };
                verdict = Some(v);
                effect
            }
            PlanEventKind::Grant {
                grantor,
                licensee,
                subject,
            } => {
                let mut breached = Vec::new();
                for (cid, clause) in model.clauses.iter().enumerate() {
                    let Some(vi) = program.active_version(cid, e.date) else {
                        continue;
                    };
                    let Some(v) = clause.versions.get(vi) else {
                        continue;
                    };
                    for l in &v.licences {
                        if l.exclusive
                            && l.per_item.is_none()
                            && l.grantor == *grantor
                            && l.subject == *subject
                            && l.licensee != *licensee
                        {
                            ev.breaches.push(Breach {
                                date: e.date,
                                clause: clause.name.clone(),
                                text: format!(
                                    "{text}: {} holds an exclusive licence to {subject:?} under {}",
                                    program.party_name(l.licensee),
                                    clause.name
                                ),
                                span: l.span,
                            });
                            breached.push(clause.name.clone());
                        }
                    }
                }
                if breached.is_empty() {
                    "no exclusive licence is infringed".to_owned()
                } else {
                    format!("breaches the exclusive licence of {}", breached.join(", "))
                }
            }
            PlanEventKind::Becomes { condition, value } => {
                let name = model
                    .conditions
                    .get(*condition)
                    .map_or("", |c| c.name.as_str());
                format!("{name} is {value} from {}", e.date)
            }
            PlanEventKind::Unknown { condition } => {
                let name = model
                    .conditions
                    .get(*condition)
                    .map_or("", |c| c.name.as_str());
                format!("{name} is unknown from {}", e.date)
            }
            PlanEventKind::Terminates(party, _) => match ev.end.last_day {
                Some(l)
                    if ev.end.reason.contains(&format!("terminated on {}", e.date))
                        && ev.end.reason.starts_with(&program.party_name(*party)) =>
                {
                    format!("termination by notice: the contract's last day is {l}")
                }
                _ => "no effect (see notes)".to_owned(),
            },
            PlanEventKind::NonRenewal(_) => match ev.end.last_day {
                Some(l) if ev.end.reason.contains("non-renewal") => {
                    format!("the term does not renew after {l}")
                }
                _ => "no effect on the end date".to_owned(),
            },
            PlanEventKind::Pays { amount, .. } => {
                format!("{amount} paid; settles the oldest amounts owed first")
            }
            PlanEventKind::Event { event, .. } => event_effect(program, *event, e.date),
        };
        ev.events.push(EventOutcome {
            date: e.date,
            text,
            verdict,
            effect,
            span: e.span,
        });
    }
}

/// Adds to each occurrence of a declared event what it owes under the
/// clauses that pay `on each` of it (or that it owes nothing under them).
fn occurrence_effects(program: &Program<'_>, plan: &Plan, cutoff: Date, ev: &mut Evaluation) {
    let model = program.model;
    let paying: Vec<(String, EventId)> = model
        .clauses
        .iter()
        .flat_map(|c| {
            c.versions.iter().flat_map(move |v| {
                v.payments.iter().filter_map(move |p| match p.charge {
                    Charge::OnEach { event, .. } => Some((c.name.clone(), event)),
                    _ => None,
                })
            })
        })
        .collect();
    if paying.is_empty() {
        return;
    }
    let events = plan.events.iter().take_while(|e| e.date <= cutoff);
    for (e, outcome) in events.zip(ev.events.iter_mut()) {
        let PlanEventKind::Event { event, .. } = &e.kind else {
            continue;
        };
        let Some(name) = model.events.get(*event).map(|x| x.name.as_str()) else {
            continue;
        };
        let mut clauses: Vec<&str> = paying
            .iter()
            .filter(|(_, x)| x == event)
            .map(|(c, _)| c.as_str())
            .collect();
        clauses.dedup();
        let mut owed = Vec::new();
        for clause in clauses {
            let found: Vec<&Accrual> = ev
                .accruals
                .iter()
                .filter(|a| {
                    a.clause == clause
                        && a.occurrence
                            .as_ref()
                            .is_some_and(|o| o.event == name && o.date == e.date)
                })
                .collect();
            if found.is_empty() {
                owed.push(format!("nothing is owed under {clause} (see notes)"));
            } else {
                for a in found {
                    owed.push(format!(
                        "{} {} under {clause}",
                        a.payer,
                        if a.owed.amount.is_zero() {
                            format!("owes {} nothing", a.payee)
                        } else {
                            format!("owes {} {}", a.payee, a.owed)
                        }
                    ));
                }
            }
        }
        if !owed.is_empty() {
            outcome.effect = if outcome.effect == NO_WINDOW {
                format!("recorded; {}", owed.join(", "))
            } else {
                format!("{}; {}", outcome.effect, owed.join(", "))
            };
        }
    }
}

/// The effect of an event that opens no window.
const NO_WINDOW: &str = "recorded; it opens no clause's window";

/// What an occurrence of a declared event does: the windows it opens or
/// keeps open, each with its last day.
fn event_effect(program: &Program<'_>, event: usize, date: Date) -> String {
    let mut opened = Vec::new();
    for (id, c) in program.model.conditions.iter().enumerate() {
        let of_event = match &c.source {
            ConditionSource::EventWindow { event: x, .. }
            | ConditionSource::EventFrom { event: x } => *x == event,
            _ => false,
        };
        let Some(t) = program.conditions.get(id).filter(|_| of_event) else {
            continue;
        };
        if !t.at(date) {
            continue;
        }
        let end = t
            .changes
            .iter()
            .find(|(d, v)| *d > date && !*v)
            .and_then(|(d, _)| d.pred_opt());
        opened.push(match end {
            Some(end) => format!("`{}` holds to {end}", c.name),
            None => format!("`{}` holds from now on", c.name),
        });
    }
    if opened.is_empty() {
        NO_WINDOW.to_owned()
    } else {
        format!("opens a window: {}", opened.join(", "))
    }
}

fn check_obligations(
    program: &Program<'_>,
    plan: &Plan,
    sources: &SourceMap,
    timeline_end: Date,
    ev: &mut Evaluation,
) {
    let model = program.model;
    for (cid, clause) in model.clauses.iter().enumerate() {
        let Some(intervals) = program.intervals.get(cid) else {
            continue;
        };
        if intervals.is_empty() {
            continue;
        }
        // As for `for` windows: the `from` date, else the day the clause first took effect.
        let first_in_force = clause
            .versions
            .first()
            .map_or(model.effective, |v| v.in_force_from)
            .max(model.effective);
        let mut checked: Vec<(Date, ActionId, PartyId)> = Vec::new();
        for (vi, v) in clause.versions.iter().enumerate() {
            let clause_start = match v.windows.from.as_ref().map(|s| program.date(s)) {
                Some(Ok(from)) => from.max(model.effective),
                _ => first_in_force,
            };
            for o in &v.obligations {
                let deadline = match &o.deadline {
                    DeadlineSlot::By(s) => program.date(s).ok(),
                    DeadlineSlot::Within(s) => program
                        .duration(s)
                        .ok()
                        .and_then(|d| within_deadline(model, cid, clause_start, d).0),
                };
                let Some(deadline) = deadline else { continue };
                // The obligation binds only if its version governs on the deadline.
                if program.active_version(cid, deadline) != Some(vi)
                    || checked.contains(&(deadline, o.action, o.party))
                {
                    continue;
                }
                checked.push((deadline, o.action, o.party));
                let met = plan.events.iter().any(|e| match &e.kind {
                    PlanEventKind::Action(ActionCall {
                        party,
                        action,
                        args,
                    }) => {
                        *party == o.party
                            && *action == o.action
                            && e.date >= clause_start
                            && e.date <= deadline
                            && o.condition
                                .as_ref()
                                .is_none_or(|c| program.holds(c, args, e.date))
                    }
                    _ => false,
                });
                let Some(breach_day) = deadline.succ_opt() else {
                    continue;
                };
                if !met && breach_day <= timeline_end {
                    ev.breaches.push(Breach {
                        date: breach_day,
                        clause: clause.name.clone(),
                        text: match (
                            &o.deadline,
                            model.reads_exclusive(Word::Within, Some(cid)).1,
                        ) {
                            (DeadlineSlot::Within(_), Some(i)) if !i.exclusive => format!(
                                "deadline {deadline} missed{}: {}",
                                cite(Some(i)),
                                excerpt(sources, o.span)
                            ),
                            _ => {
                                format!("deadline {deadline} missed: {}", excerpt(sources, o.span))
                            }
                        },
                        span: o.span,
                    });
                }
            }
        }
    }
}

/// ` (interpretation NAME: "until" read as exclusive)`, or nothing.
pub(crate) fn cite(reading: Option<&Interpretation>) -> String {
    match reading {
        Some(i) => format!(" (interpretation {}: {})", i.name, i.describe()),
        None => String::new(),
    }
}

/// The last day in force of a `term until DATE`, under the contract-wide
/// reading of "until" (inclusive by default: DATE itself; exclusive: the day before).
pub(crate) fn term_last_day(model: &Model) -> (Option<Date>, Option<&Interpretation>) {
    let Some(written) = model.term.last_day else {
        return (None, None);
    };
    if model.term.length.is_some() {
        return (Some(written), None);
    }
    match model.reads_exclusive(Word::Until, None) {
        (true, i) => (Some(written.pred_opt().unwrap_or(written)), i),
        (false, i) => (Some(written), i),
    }
}

/// The last active day of a clause's `until DATE` window, under the clause's
/// reading of "until", and the interpretation that chose it.
pub(crate) fn until_last_day(
    model: &Model,
    cid: ClauseId,
    written: Date,
) -> (Date, Option<&Interpretation>) {
    match model.reads_exclusive(Word::Until, Some(cid)) {
        (true, i) => (written.pred_opt().unwrap_or(written), i),
        (false, i) => (written, i),
    }
}

/// The last day in time of `within DURATION` from `start`: by default the
/// start day is not counted (`within 14 days` of 1 January is 15 January);
/// read as inclusive, it is day one (14 January).
pub(crate) fn within_deadline(
    model: &Model,
    cid: ClauseId,
    start: Date,
    duration: Duration,
) -> (Option<Date>, Option<&Interpretation>) {
    let (exclusive, reading) = model.reads_exclusive(Word::Within, Some(cid));
    (counted_after(model, start, duration, exclusive), reading)
}

/// The day `duration` after `start`, under the clause's reading of "after":
/// by default (`due 30 days after period end`) the start day is not counted;
/// read as inclusive, it is day one, so the day falls one day earlier.
pub(crate) fn due_after(
    model: &Model,
    cid: Option<ClauseId>,
    start: Date,
    duration: Duration,
) -> (Option<Date>, Option<&Interpretation>) {
    let (exclusive, reading) = model.reads_exclusive(Word::After, cid);
    (counted_after(model, start, duration, exclusive), reading)
}

/// Counts `duration` from `start`, the start day excluded (`exclusive`) or
/// counted as day one.
fn counted_after(model: &Model, start: Date, duration: Duration, exclusive: bool) -> Option<Date> {
    let after = duration.after_skipping(start, &model.holidays);
    if exclusive {
        return after;
    }
    // Read inclusive, the start day is day one of the period. For business
    // days that holds only when the start day is itself a business day.
    if duration.unit == DurationUnit::BusinessDay {
        let counted = u32::from(crate::calendar::is_business_day(start, &model.holidays));
        let n = duration.count.saturating_sub(counted);
        return crate::calendar::business_days_after(start, n, &model.holidays);
    }
    after.map(|d| d.pred_opt().unwrap_or(d).max(start))
}

/// The last day on which a notice of non-renewal is in time for a term ending
/// on `last_day`: by default the day `notice` before it, the last day counting
/// as one of the notice days; read as exclusive ("prior to" the last day, which
/// is then not counted) one day earlier.
pub(crate) fn notice_deadline(
    model: &Model,
    last_day: Date,
    notice: Duration,
) -> (Date, Option<&Interpretation>) {
    let (exclusive, reading) = model.reads_exclusive(Word::PriorTo, None);
    let deadline = notice.before(last_day).unwrap_or(last_day);
    if exclusive {
        (deadline.pred_opt().unwrap_or(deadline), reading)
    } else {
        (deadline, reading)
    }
}

/// The model's interpretations with the clauses, days and end they govern.
fn interpretation_notes(program: &Program<'_>) -> Vec<InterpretationNote> {
    let model = program.model;
    let mut notes: Vec<InterpretationNote> = model
        .interpretations
        .iter()
        .map(|i| InterpretationNote {
            name: i.name.clone(),
            word: i.word.text().to_owned(),
            reading: i.reading().to_owned(),
            departs_from_default: i.departs_from_default(),
            clause: i.clause.map(|c| program.clause_name(c)),
            date: i.date,
            reason: i.reason.clone(),
            document: i.document.clone(),
            clauses: Vec::new(),
            contract_end: false,
            days: Vec::new(),
        })
        .collect();
    let find = |notes: &mut Vec<InterpretationNote>, i: &Interpretation| {
        notes.iter().position(|n| n.name == i.name)
    };
    for (cid, clause) in model.clauses.iter().enumerate() {
        for v in &clause.versions {
            if let Some(written) = v.windows.until.as_ref().and_then(|s| program.date(s).ok()) {
                if let Some(pos) = model
                    .interpretation(Word::Until, Some(cid))
                    .and_then(|i| find(&mut notes, i))
                {
                    if let Some(n) = notes.get_mut(pos) {
                        if !n.clauses.contains(&clause.name) {
                            n.clauses.push(clause.name.clone());
                        }
                        n.days.push((clause.name.clone(), written));
                    }
                }
            }
            let within = v
                .obligations
                .iter()
                .any(|o| matches!(o.deadline, DeadlineSlot::Within(_)));
            let after = v.payments.iter().any(|p| p.due.is_some());
            for (word, used) in [(Word::Within, within), (Word::After, after)] {
                if !used {
                    continue;
                }
                if let Some(pos) = model
                    .interpretation(word, Some(cid))
                    .and_then(|i| find(&mut notes, i))
                {
                    if let Some(n) = notes.get_mut(pos) {
                        if !n.clauses.contains(&clause.name) {
                            n.clauses.push(clause.name.clone());
                        }
                    }
                }
            }
        }
    }
    if model.term.renewal.is_some() {
        if let Some(n) = model
            .interpretation(Word::PriorTo, None)
            .and_then(|i| find(&mut notes, i))
            .and_then(|pos| notes.get_mut(pos))
        {
            n.contract_end = true;
        }
    }
    if let (Some(_), Some(i)) = term_last_day(model) {
        if let Some(n) = find(&mut notes, i).and_then(|pos| notes.get_mut(pos)) {
            n.contract_end = true;
        }
    }
    notes
}

fn version_label(v: &ClauseVersion) -> String {
    format!("{} ({})", v.origin.document, v.origin.how)
}

fn status_changes(program: &Program<'_>, ev: &Evaluation) -> Vec<StatusChange> {
    let model = program.model;
    let mut out = vec![StatusChange {
        date: model.effective,
        clause: None,
        text: format!("{} takes effect", model.name),
    }];
    for a in &model.amendments {
        out.push(StatusChange {
            date: a.effective,
            clause: None,
            text: format!("amendment {} takes effect", a.name),
        });
    }
    for (cid, clause) in model.clauses.iter().enumerate() {
        let Some(intervals) = program.intervals.get(cid) else {
            continue;
        };
        let mut previous: Option<Interval> = None;
        for iv in intervals {
            let Some(v) = clause.versions.get(iv.version) else {
                continue;
            };
            let continuing = previous.is_some_and(|p| p.end.succ_opt() == Some(iv.start));
            if continuing {
                out.push(StatusChange {
                    date: iv.start,
                    clause: Some(clause.name.clone()),
                    text: format!("{} is now governed by {}", clause.name, version_label(v)),
                });
            } else if iv.start != model.effective {
                out.push(StatusChange {
                    date: iv.start,
                    clause: Some(clause.name.clone()),
                    text: format!("{} becomes active", clause.name),
                });
            }
            previous = Some(*iv);
        }
        // Report each gap and the final end, but not an end that is just the contract's end.
        for pair in intervals.windows(2) {
            if let [a, b] = pair {
                if a.end.succ_opt() != Some(b.start) {
                    out.push(StatusChange {
                        date: a.end,
                        clause: Some(clause.name.clone()),
                        text: lapse_text(program, cid, &clause.name, a.end),
                    });
                }
            }
        }
        if let Some(last) = intervals.last() {
            if Some(last.end) != program.last_day && last.end < program.horizon {
                out.push(StatusChange {
                    date: last.end,
                    clause: Some(clause.name.clone()),
                    text: lapse_text(program, cid, &clause.name, last.end),
                });
            }
        }
    }
    for (renewed_on, new_last) in &ev.end.renewals {
        out.push(StatusChange {
            date: *renewed_on,
            clause: None,
            text: format!("the term renews, now ending on {new_last}"),
        });
    }
    if let Some(l) = ev.end.last_day {
        if l <= program.horizon {
            out.push(StatusChange {
                date: l,
                clause: None,
                text: format!("the contract ends after this day: {}", ev.end.reason),
            });
        }
    }
    for e in &ev.events {
        if e.effect.contains(" is true from ") || e.effect.contains(" is false from ") {
            out.push(StatusChange {
                date: e.date,
                clause: None,
                text: e.effect.clone(),
            });
        }
    }
    out.sort_by_key(|s| s.date);
    out
}

fn lapse_text(program: &Program<'_>, cid: ClauseId, name: &str, last: Date) -> String {
    match last.succ_opt() {
        Some(next) => format!(
            "{name} lapses after this day: {}",
            inactive_reason(program, cid, next)
        ),
        None => format!("{name} lapses after this day"),
    }
}

/// Each clause's state on `on`: active or not, the governing version, and why.
pub fn clause_states_on(program: &Program<'_>, on: Date) -> Vec<ClauseState> {
    let model = program.model;
    model
        .clauses
        .iter()
        .enumerate()
        .map(|(cid, clause)| {
            let active = program.active_version(cid, on);
            let governing =
                active.or_else(|| clause.versions.iter().rposition(|v| v.in_force_from <= on));
            let v = governing.and_then(|i| clause.versions.get(i));
            let detail = match (active, v) {
                (Some(_), Some(v)) => describe_version(program, v),
                (None, _) => inactive_reason(program, cid, on),
                _ => String::new(),
            };
            ClauseState {
                clause: clause.name.clone(),
                title: v.and_then(|v| v.title.clone()),
                active: active.is_some(),
                version: v.map(version_label),
                detail,
            }
        })
        .collect()
}

fn describe_version(program: &Program<'_>, v: &ClauseVersion) -> String {
    let mut parts = Vec::new();
    for l in &v.licences {
        let subject = match &l.per_item {
            Some(p) => format!(
                "{} for {}",
                l.subject,
                program
                    .duration(&p.duration)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
            None => format!("{:?}", l.subject),
        };
        parts.push(format!(
            "{} grants {} {} licence to {subject}",
            program.party_name(l.grantor),
            program.party_name(l.licensee),
            if l.exclusive {
                "an exclusive"
            } else {
                "a non-exclusive"
            },
        ));
    }
    for d in &v.designations {
        parts.push(format!(
            "{} is {:?} of {}",
            program.party_name(d.holder),
            d.role,
            program.party_name(d.of)
        ));
    }
    for r in &v.rules {
        let action = program
            .model
            .actions
            .get(r.action)
            .map_or("", |a| a.name.as_str());
        parts.push(format!(
            "{} {} {action}{}",
            program.party_name(r.party),
            if r.permits { "may" } else { "must not" },
            if r.condition.is_some() {
                " (conditionally)"
            } else {
                ""
            }
        ));
    }
    for p in &v.payments {
        parts.push(format!(
            "{} pays {}",
            program.party_name(p.payer),
            program.party_name(p.payee)
        ));
    }
    for o in &v.obligations {
        let action = program
            .model
            .actions
            .get(o.action)
            .map_or("", |a| a.name.as_str());
        parts.push(format!("{} must {action}", program.party_name(o.party)));
    }
    parts.join("; ")
}

fn inactive_reason(program: &Program<'_>, cid: ClauseId, on: Date) -> String {
    let model = program.model;
    let Some(clause) = model.clauses.get(cid) else {
        return String::new();
    };
    if program.last_day.is_some_and(|l| on > l) {
        return "the contract has ended".to_owned();
    }
    if on < model.effective {
        return "the contract is not yet in effect".to_owned();
    }
    let Some((vi, v)) = clause
        .versions
        .iter()
        .enumerate()
        .rev()
        .find(|(_, v)| v.in_force_from <= on)
    else {
        return "not yet added to the contract".to_owned();
    };
    if v.in_force_until.is_some_and(|u| on > u) && clause.versions.len() == vi + 1 {
        let by = model
            .amendments
            .iter()
            .find(|a| Some(a.effective) == v.in_force_until.and_then(|u| u.succ_opt()))
            .map(|a| a.name.clone());
        return match by {
            Some(a) => format!("removed by {a}"),
            None => "removed".to_owned(),
        };
    }
    let mut reasons = Vec::new();
    if let Some(from) = v.windows.from.as_ref().and_then(|s| program.date(s).ok()) {
        if on < from {
            reasons.push(format!("it starts on {from}"));
        }
    }
    if let Some(written) = v.windows.until.as_ref().and_then(|s| program.date(s).ok()) {
        let (until, reading) = until_last_day(model, cid, written);
        if on > until {
            reasons.push(match reading.filter(|i| i.exclusive) {
                Some(i) => format!("it ran until {written}, that day excluded{}", cite(Some(i))),
                None => format!("it ran until {until}"),
            });
        }
    }
    for (e, _) in &v.windows.while_ {
        if !program.holds(e, &[], on) {
            let window = match e {
                RExpr::Atom(ROperand::Condition(c)) => model
                    .conditions
                    .get(*c)
                    .filter(|c| {
                        matches!(
                            c.source,
                            ConditionSource::EventWindow { .. } | ConditionSource::EventFrom { .. }
                        )
                    })
                    .map(|c| c.name.clone()),
                _ => None,
            };
            reasons.push(match window {
                Some(name) => format!("no `{name}` window is open"),
                None => "its `while` condition does not hold".to_owned(),
            });
        }
    }
    for (e, _) in &v.windows.unless {
        if program.holds(e, &[], on) {
            reasons.push("its `unless` condition holds".to_owned());
        }
    }
    if reasons.is_empty() {
        "its window does not cover this day".to_owned()
    } else {
        reasons.join("; ")
    }
}

fn money_eq(a: Money, b: Money) -> bool {
    a.currency == b.currency
        && round_money(a.amount, a.currency) == round_money(b.amount, b.currency)
}

/// Whether an accrual answers a question about `period`: its payment period
/// starts in it, and does not also start before it and run past it (a yearly
/// payment does not answer a question about one quarter).
fn in_period(period: Period, accrual: &Accrual) -> bool {
    let covers_more = accrual.period.start <= period.start && accrual.period.end > period.end;
    period.contains(accrual.period.start) && !covers_more
}

/// What each pair of parties with a `net payments` line owes the other per
/// netting period, in each currency. An accrual counts in the netting period
/// its own period starts in, as `owes … for PERIOD` counts it.
fn netting(model: &Model, accruals: &[Accrual]) -> Vec<NetPosition> {
    let mut rows = Vec::new();
    for n in &model.nettings {
        let name = |p: usize| {
            model
                .parties
                .get(p)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        };
        let (first, second) = (name(n.first), name(n.second));
        let mut periods: BTreeMap<(Date, Currency), (Period, Decimal, Decimal)> = BTreeMap::new();
        for a in accruals {
            let first_pays = a.payer == first && a.payee == second;
            let second_pays = a.payer == second && a.payee == first;
            if !first_pays && !second_pays {
                continue;
            }
            let Some(period) = Period::containing(n.unit, a.period.start, model.anchors()) else {
                continue;
            };
            let entry = periods.entry((period.start, a.owed.currency)).or_insert((
                period,
                Decimal::ZERO,
                Decimal::ZERO,
            ));
            if first_pays {
                entry.1 += a.owed.amount;
            } else {
                entry.2 += a.owed.amount;
            }
        }
        for ((_, currency), (period, first_owes, second_owes)) in periods {
            rows.push(NetPosition {
                first: first.clone(),
                second: second.clone(),
                period,
                label: period.label(),
                first_owes: Money::new(currency, first_owes),
                second_owes: Money::new(currency, second_owes),
            });
        }
    }
    rows
}

/// When a clause's payment periods are longer than the period asked about, says which one covers it.
fn covering_note(ev: &Evaluation, clause: &str, period: Period) -> Option<String> {
    ev.accruals
        .iter()
        .find(|a| {
            a.clause == clause
                && a.period.start <= period.start
                && period.end <= a.period.end
                && a.period.days() > period.days()
        })
        .map(|a| {
            format!(
                "{clause} is paid per {}; {} covers {period}, so ask about {}",
                a.period.unit, a.label, a.period
            )
        })
}

fn expectation(
    program: &Program<'_>,
    plan: &Plan,
    ev: &Evaluation,
    x: &crate::check::scenario::PlanExpectation,
    sources: &SourceMap,
) -> ExpectationOutcome {
    let model = program.model;
    let text = excerpt(sources, x.span);
    let text = text.strip_prefix("expect ").unwrap_or(&text).to_owned();
    let clause_readings = |c: &ClauseId| ev.readings_for_clause(&program.clause_name(*c));
    let interpretations = match &x.kind {
        Expect::Verdict { call, date, .. } => {
            ev.readings_for_verdict(&program.verdict(call, *date), *date)
        }
        Expect::Owes { clause, .. }
        | Expect::OwesOccurrence { clause, .. }
        | Expect::Status { clause, .. }
        | Expect::CapReached { clause, .. }
        | Expect::Due { clause, .. }
        | Expect::Breach(clause)
        | Expect::NoBreach(Some(clause)) => clause_readings(clause),
        Expect::Ends(_) => ev.readings_for_end(),
        Expect::Overdue { .. } | Expect::OwesNet { .. } | Expect::NoBreach(None) => {
            let mut names: Vec<String> = Vec::new();
            for i in &ev.interpretations {
                if !i.clauses.is_empty() && !names.contains(&i.name) {
                    names.push(i.name.clone());
                }
            }
            names
        }
    };
    let (passed, actual) = match &x.kind {
        Expect::Verdict {
            call,
            date,
            permitted,
            by,
            unlicensed,
        } => {
            let v = program.verdict(call, *date);
            // `by CLAUSE` names a forbidding clause for `forbidden`, and for
            // `permitted` a permitting one or the clause granting the licence the action needs.
            let by_ok = by.is_none_or(|c| {
                let name = program.clause_name(c);
                if *permitted {
                    v.permitted_by.contains(&name)
                        || v.licence.as_ref().and_then(|l| l.clause.as_ref()) == Some(&name)
                } else {
                    v.forbidden_by.contains(&name)
                }
            });
            let licence_ok = !*unlicensed || v.licence.as_ref().is_some_and(|l| l.missing());
            (
                v.permitted == *permitted && by_ok && licence_ok,
                v.explain(),
            )
        }
        Expect::Owes {
            payer,
            payee,
            amount,
            period,
            clause,
            key,
        } => {
            let name = program.clause_name(*clause);
            let payer_name = program.party_name(*payer);
            let payee_name = program.party_name(*payee);
            let in_clause: Vec<&Accrual> = ev
                .accruals
                .iter()
                .filter(|a| a.clause == name && in_period(*period, a))
                .filter(|a| key.is_none() || a.key == *key)
                .collect();
            // A clause may hold payments between different parties: count only this pair's.
            let matching: Vec<&Accrual> = in_clause
                .iter()
                .copied()
                .filter(|a| a.payer == payer_name && a.payee == payee_name)
                .collect();
            let parties_ok = !matching.is_empty() || in_clause.is_empty();
            let matching = if parties_ok {
                matching
            } else {
                in_clause.clone()
            };
            let mut total = Money::zero(amount.currency);
            let mut currency_ok = true;
            for a in &matching {
                if a.owed.currency == amount.currency {
                    total.amount += a.owed.amount;
                } else {
                    currency_ok = false;
                }
            }
            let covering = covering_note(ev, &name, *period);
            let actual = if let (true, Some(note)) = (matching.is_empty(), &covering) {
                note.clone()
            } else if matching.is_empty() {
                format!("nothing accrued under {name} for {period}")
            } else if !parties_ok {
                let a = matching
                    .first()
                    .map(|a| format!("{} owes {}", a.payer, a.payee))
                    .unwrap_or_default();
                format!("under {name}, {a}")
            } else {
                format!("{payer_name} owes {payee_name} {total} for {period}")
            };
            (
                covering.is_none() && parties_ok && currency_ok && money_eq(total, *amount),
                actual,
            )
        }
        Expect::OwesOccurrence {
            payer,
            payee,
            amount,
            event,
            date,
            clause,
        } => {
            let name = program.clause_name(*clause);
            let event_name = model.events.get(*event).map_or("", |e| e.name.as_str());
            let payer_name = program.party_name(*payer);
            let payee_name = program.party_name(*payee);
            let occurred = plan.events.iter().any(|e| {
                e.date == *date
                    && matches!(&e.kind, PlanEventKind::Event { event: x, .. } if x == event)
            });
            let found: Vec<&Accrual> = ev
                .accruals
                .iter()
                .filter(|a| {
                    a.clause == name
                        && a.occurrence
                            .as_ref()
                            .is_some_and(|o| o.event == event_name && o.date == *date)
                })
                .collect();
            let mine: Vec<&&Accrual> = found
                .iter()
                .filter(|a| a.payer == payer_name && a.payee == payee_name)
                .collect();
            let mut total = Money::zero(amount.currency);
            let mut currency_ok = true;
            for a in &mine {
                if a.owed.currency == amount.currency {
                    total.amount += a.owed.amount;
                } else {
                    currency_ok = false;
                }
            }
            if !occurred {
                (
                    false,
                    format!("no {event_name} occurs on {date} in this scenario"),
                )
            } else if mine.is_empty() && !found.is_empty() {
                let a = found
                    .first()
                    .map(|a| format!("{} owes {}", a.payer, a.payee))
                    .unwrap_or_default();
                (false, format!("under {name}, {a}"))
            } else if found.is_empty() {
                // The occurrence owes nothing under the clause (the notes say why).
                (
                    amount.amount.is_zero(),
                    format!("nothing is owed under {name} for the {event_name} on {date}"),
                )
            } else {
                (
                    currency_ok && money_eq(total, *amount),
                    format!(
                        "{payer_name} owes {payee_name} {total} for the {event_name} on {date}"
                    ),
                )
            }
        }
        Expect::OwesNet {
            payer,
            payee,
            amount,
            period,
        } => {
            let payer_name = program.party_name(*payer);
            let payee_name = program.party_name(*payee);
            let (mut owed, mut owing) = (Decimal::ZERO, Decimal::ZERO);
            let mut other_currencies = false;
            for a in ev.accruals.iter().filter(|a| in_period(*period, a)) {
                let direction = if a.payer == payer_name && a.payee == payee_name {
                    &mut owed
                } else if a.payer == payee_name && a.payee == payer_name {
                    &mut owing
                } else {
                    continue;
                };
                if a.owed.currency == amount.currency {
                    *direction += a.owed.amount;
                } else {
                    other_currencies = true;
                }
            }
            let net = Money::new(amount.currency, owed - owing);
            let actual = format!(
                "{payer_name} owes {payee_name} {} and is owed {}: net {net} for {period}{}",
                Money::new(amount.currency, owed),
                Money::new(amount.currency, owing),
                if other_currencies {
                    " (amounts in other currencies are not netted)"
                } else {
                    ""
                }
            );
            (!other_currencies && money_eq(net, *amount), actual)
        }
        Expect::Overdue {
            payer,
            payee,
            amount,
            date,
        } => {
            let overdue = payments::overdue(&ev.accruals, plan, model, *payer, *payee, *date);
            let value = overdue.get(&amount.currency).copied().unwrap_or_default();
            let others: Vec<String> = overdue
                .iter()
                .filter(|(c, v)| **c != amount.currency && !v.is_zero())
                .map(|(c, v)| Money::new(*c, *v).to_string())
                .collect();
            let shown = Money::new(amount.currency, value);
            let mut actual = format!("{shown} overdue on {date}");
            if !others.is_empty() {
                actual.push_str(&format!(" (and {})", others.join(", ")));
            }
            (money_eq(shown, *amount) && others.is_empty(), actual)
        }
        Expect::Status {
            clause,
            status,
            date,
        } => {
            let active = program.active_version(*clause, *date);
            let name = program.clause_name(*clause);
            match status {
                StatusWord::Active => {
                    (active.is_some(), state_text(program, *clause, *date, &name))
                }
                StatusWord::Inactive => {
                    (active.is_none(), state_text(program, *clause, *date, &name))
                }
                StatusWord::Exclusive | StatusWord::NonExclusive => {
                    let licences: Vec<bool> = active
                        .and_then(|vi| model.clauses.get(*clause)?.versions.get(vi))
                        .map(|v| v.licences.iter().map(|l| l.exclusive).collect())
                        .unwrap_or_default();
                    let want = matches!(status, StatusWord::Exclusive);
                    let actual = match (active, licences.as_slice()) {
                        (None, _) => format!("{name} is not active on {date}"),
                        (Some(_), []) => format!("{name} grants no licence"),
                        (Some(_), ls) => format!(
                            "{name} is {} on {date}",
                            if ls.iter().all(|e| *e) {
                                "exclusive"
                            } else {
                                "non-exclusive"
                            }
                        ),
                    };
                    (
                        !licences.is_empty() && licences.iter().all(|e| *e == want),
                        actual,
                    )
                }
            }
        }
        Expect::CapReached { clause, period } => {
            let name = program.clause_name(*clause);
            let reached = ev
                .accruals
                .iter()
                .find(|a| a.clause == name && a.cap_reached);
            match reached {
                Some(a) => (
                    in_period(*period, a),
                    if a.occurrence.is_some() {
                        format!("the cap of {name} is reached by the {}", a.label)
                    } else {
                        format!("the cap of {name} is reached in {}", a.label)
                    },
                ),
                None => (false, format!("the cap of {name} is never reached")),
            }
        }
        Expect::Ends(date) => match ev.end.last_day {
            Some(l) => (l == *date, format!("the contract ends on {l}")),
            None => (false, ev.end.reason.clone()),
        },
        Expect::Breach(clause) => {
            let name = program.clause_name(*clause);
            let found = ev.breaches.iter().find(|b| b.clause == name);
            match found {
                Some(b) => (true, format!("breach of {name} on {}", b.date)),
                None => (false, format!("no breach of {name}")),
            }
        }
        Expect::NoBreach(clause) => {
            let name = clause.map(|c| program.clause_name(c));
            let found = ev
                .breaches
                .iter()
                .find(|b| name.as_ref().is_none_or(|n| b.clause == *n));
            match found {
                Some(b) => (false, format!("breach of {} on {}", b.clause, b.date)),
                None => (
                    true,
                    match name {
                        Some(n) => format!("no breach of {n}"),
                        None => "no breach".to_owned(),
                    },
                ),
            }
        }
        Expect::Due {
            clause,
            period,
            date,
        } => {
            let name = program.clause_name(*clause);
            let found: Vec<&Accrual> = ev
                .accruals
                .iter()
                .filter(|a| a.clause == name && in_period(*period, a))
                .collect();
            match found.as_slice() {
                [] => (
                    false,
                    covering_note(ev, &name, *period)
                        .unwrap_or_else(|| format!("no payment under {name} for {period}")),
                ),
                many => {
                    let mut dues: Vec<String> = many.iter().map(|a| a.due.to_string()).collect();
                    dues.dedup();
                    // With several payment statements, the question is whether one of them falls due then.
                    (
                        many.iter().any(|a| a.due == *date),
                        format!("due on {}", dues.join(", ")),
                    )
                }
            }
        }
    };
    ExpectationOutcome {
        interpretations,
        text,
        passed,
        actual,
        span: x.span,
    }
}

fn state_text(program: &Program<'_>, clause: ClauseId, date: Date, name: &str) -> String {
    match program.active_version(clause, date) {
        Some(_) => format!("{name} is active on {date}"),
        None => format!(
            "{name} is inactive on {date}: {}",
            inactive_reason(program, clause, date)
        ),
    }
}
