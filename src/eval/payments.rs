//! Payment accrual: periods, tiers, floors, caps and due dates.
//!
//! Order within a period (LANGUAGE.md §4): marginal tiers on the period's
//! figure, pro-rated by the days the clause was in force, then the floor,
//! then the per-period cap, then the headroom under the total cap. Amounts
//! stay unrounded; only reports round.
//!
//! The payment forms of docs/language.md §4.6 fit into the first step: bracket
//! tiers (`tiers on the whole amount`) pick one rate for the whole figure;
//! cumulative tiers (`tiers cumulative`) apply the tiers to the running total
//! since the payment started and owe the growth of what the tiers give; a
//! shortfall owes what the figure falls short of its commitment; an escalator
//! compounds a fixed sum (or a commitment) once per contract year, rounded to
//! the minor unit at each step so that every year's sum is a figure a person
//! can recompute from the year before.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::calendar::{days_inclusive, Date, Period, PeriodUnit};
use crate::check::model::*;
use crate::check::scenario::{Figure, Plan, PlanEventKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::money::{Currency, Money};

use super::formula;
use super::outcome::{Accrual, Carry, CarryKind, Limit, OccurrenceData};
use super::program::Program;
use crate::syntax::ast::CreditKind;

/// Largest number of periods one payment clause may accrue over (100 years of months is 1,200).
pub const MAX_PERIODS: usize = 100_000;

fn overflow(span: crate::source::Span) -> Diagnostic {
    Diagnostic::error(
        Code::LimitExceeded,
        span,
        "an amount under this payment grows beyond what Covenant can represent exactly",
    )
    .with_label("amount overflows here")
    .with_help(
        "amounts are exact decimals of up to 28 digits; check the figures and rates for a typo",
    )
}

/// Computes every accrual of every payment clause, in clause order then period order.
pub fn accruals(
    program: &Program<'_>,
    plan: &Plan,
    stop: Option<Date>,
    notes: &mut Vec<String>,
) -> Result<Vec<Accrual>, Diagnostic> {
    let mut out: Vec<Accrual> = Vec::new();
    // A clause whose amounts read what another clause's payments owe is
    // computed after it; reports keep the clauses' order.
    for cid in crate::check::formula::clause_order(program.model) {
        let Some(clause) = program.model.clauses.get(cid) else {
            continue;
        };
        let Some(intervals) = program.intervals.get(cid) else {
            continue;
        };
        if intervals.is_empty() {
            continue;
        }
        let payment_count = clause
            .versions
            .iter()
            .map(|v| v.payments.len())
            .max()
            .unwrap_or(0);
        let mut own = Vec::new();
        for k in 0..payment_count {
            accrue_payment(program, plan, cid, k, stop, notes, &mut own, &out)?;
        }
        out.extend(own);
    }
    let position = |name: &str| {
        program
            .model
            .clauses
            .iter()
            .position(|c| c.name == name)
            .unwrap_or(usize::MAX)
    };
    out.sort_by_key(|a| position(&a.clause));
    Ok(out)
}

/// What has accrued so far under one payment statement, across all its versions.
struct Running<'d> {
    /// What the clauses computed before this one owe (for `payments under CLAUSE`).
    done: &'d [Accrual],
    total: Decimal,
    /// For a keyed share: what this key has accrued (`total` is then shared by all keys).
    key_total: Decimal,
    /// For cumulative tiers: the metric counted so far (in-force days only).
    metric_total: Decimal,
    /// For cumulative tiers: what the tiers have given so far, before floors and caps.
    tiers_owed: Decimal,
    /// For `recouping … first`: how much of the advance has been recouped so far.
    recouped: Decimal,
    /// For credits and carried shortfalls (§4.7.6): the balance, oldest first,
    /// each part with the last period end that may still use it.
    lots: Vec<(Decimal, Option<Date>)>,
    /// For make-up: what the payee owes back in the period just settled.
    made_up: Decimal,
    /// For make-up: everything owed back so far.
    made_up_total: Decimal,
    /// For `adjusted by INDEX`: the index periods without a figure that a contract year needed.
    index_missing: Vec<String>,
    /// For an amount computed per period: periods whose formula read a metric
    /// with no figure (counted as zero), with the metric's name.
    zeroed: Vec<(Period, String)>,
}

impl<'d> Running<'d> {
    fn new(done: &'d [Accrual]) -> Running<'d> {
        Running {
            done,
            zeroed: Vec::new(),
            total: Decimal::ZERO,
            key_total: Decimal::ZERO,
            metric_total: Decimal::ZERO,
            tiers_owed: Decimal::ZERO,
            recouped: Decimal::ZERO,
            lots: Vec::new(),
            made_up: Decimal::ZERO,
            made_up_total: Decimal::ZERO,
            index_missing: Vec::new(),
        }
    }

    fn balance(&self) -> Decimal {
        self.lots.iter().map(|(a, _)| *a).sum()
    }

    /// Drops the parts whose time ran out before `end`; returns how much.
    fn expire(&mut self, end: Date) -> Decimal {
        let mut gone = Decimal::ZERO;
        self.lots.retain(|(a, until)| match until {
            Some(u) if *u < end => {
                gone += *a;
                false
            }
            _ => true,
        });
        gone
    }

    /// Takes up to `wanted` from the balance, oldest part first.
    fn take(&mut self, wanted: Decimal) -> Decimal {
        let mut taken = Decimal::ZERO;
        for (a, _) in self.lots.iter_mut() {
            let t = (*a).min(wanted - taken).max(Decimal::ZERO);
            *a -= t;
            taken += t;
        }
        self.lots.retain(|(a, _)| !a.is_zero());
        taken
    }

    fn add(&mut self, amount: Decimal, until: Option<Date>) {
        if amount > Decimal::ZERO {
            self.lots.push((amount, until));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn accrue_payment(
    program: &Program<'_>,
    plan: &Plan,
    cid: ClauseId,
    k: usize,
    stop: Option<Date>,
    notes: &mut Vec<String>,
    out: &mut Vec<Accrual>,
    done: &[Accrual],
) -> Result<(), Diagnostic> {
    let model = program.model;
    let Some(clause) = model.clauses.get(cid) else {
        return Ok(());
    };
    let intervals: Vec<_> = program
        .intervals
        .get(cid)
        .map(|ivs| {
            ivs.iter()
                .filter(|iv| {
                    clause
                        .versions
                        .get(iv.version)
                        .is_some_and(|v| v.payments.len() > k)
                })
                .copied()
                .collect()
        })
        .unwrap_or_default();
    let (Some(first), Some(last)) = (intervals.first().copied(), intervals.last().copied()) else {
        return Ok(());
    };
    let payment_of = |version: usize| clause.versions.get(version).and_then(|v| v.payments.get(k));
    let Some(first_payment) = payment_of(first.version) else {
        return Ok(());
    };
    let mut running = Running::new(done);

    // Sums on each occurrence of an event: one accrual per occurrence on a day the clause is active.
    let on_each: Vec<EventId> = clause
        .versions
        .iter()
        .filter_map(|v| match v.payments.get(k).map(|p| &p.charge) {
            Some(Charge::OnEach { event, .. }) => Some(*event),
            _ => None,
        })
        .collect();
    if !on_each.is_empty() {
        return occurrences(
            program,
            plan,
            cid,
            k,
            &intervals,
            &on_each,
            stop,
            notes,
            out,
            &mut running,
        );
    }

    // One-off sums: accrue on their date if the clause is active then.
    let one_offs: Vec<(usize, Date)> = clause
        .versions
        .iter()
        .enumerate()
        .filter_map(|(vi, v)| match v.payments.get(k).map(|p| &p.charge) {
            Some(Charge::Fixed { on: Some(on), .. }) => program.date(on).ok().map(|d| (vi, d)),
            // Due on the last day of a contract ended by termination, and never otherwise.
            Some(Charge::Fixed {
                on_termination: true,
                cause,
                ..
            }) => program
                .last_day
                .filter(|_| program.terminated)
                .filter(|_| cause.is_none_or(|c| program.termination_cause == Some(c)))
                .map(|d| (vi, d)),
            _ => None,
        })
        .collect();
    let on_termination = clause.versions.iter().any(|v| {
        matches!(
            v.payments.get(k).map(|p| &p.charge),
            Some(Charge::Fixed {
                on_termination: true,
                ..
            })
        )
    });
    if on_termination && one_offs.is_empty() {
        // Say why a fee tied to a cause is not owed when the contract was terminated.
        let causes: Vec<String> = clause
            .versions
            .iter()
            .filter_map(|v| match v.payments.get(k).map(|p| &p.charge) {
                Some(Charge::Fixed {
                    on_termination: true,
                    cause: Some(c),
                    ..
                }) => model.events.get(*c).map(|e| e.name.clone()),
                _ => None,
            })
            .collect();
        if let (true, Some(cause)) = (program.terminated, causes.first()) {
            let actual = program
                .termination_cause
                .and_then(|c| model.events.get(c))
                .map_or(
                    "was not exercised under a right that an event opened, and the scenario states no cause".to_owned(),
                    |e| format!("was caused by {}", e.name),
                );
            notes.push(format!("{}: the sum due on termination caused by {cause} is not owed: the termination {actual}", clause.name));
        }
        return Ok(());
    }
    if !one_offs.is_empty() {
        let mut seen = Vec::new();
        for (_, date) in one_offs {
            if seen.contains(&date) || stop.is_some_and(|s| date > s) {
                continue;
            }
            seen.push(date);
            let Some(version) = intervals
                .iter()
                .find(|iv| iv.start <= date && date <= iv.end)
                .map(|iv| iv.version)
            else {
                notes.push(format!("{}: the sum due on {date} is not owed because the clause is not in force that day", clause.name));
                continue;
            };
            let Some(payment) = payment_of(version) else {
                continue;
            };
            let Charge::Fixed { amount, cause, .. } = &payment.charge else {
                continue;
            };
            let period = Period {
                start: date,
                end: date,
                unit: PeriodUnit::Month,
                ordinal: 0,
            };
            // A sum due on termination may be computed on the day (`3 ×
            // average of payments under services over the 12 months before termination`).
            let periodic = match amount.value {
                ValueRef::Param(p) => program.model.params.get(p).is_some_and(|p| p.periodic),
                ValueRef::Lit(_) => false,
            };
            let (amount, terms, values) = match per_period(program, amount).filter(|_| periodic) {
                Some(f) => {
                    let (m, terms, values, _) = compute_in_period(
                        program,
                        plan,
                        done,
                        f,
                        period,
                        amount.span,
                        payment.currency,
                    )?;
                    (
                        m,
                        terms.replacen("computed per period", "computed on the day", 1),
                        values,
                    )
                }
                None => {
                    let m = program.money(amount, payment.currency)?;
                    (m, format!("fixed sum {m}"), Vec::new())
                }
            };
            // A fee owed only for a termination with a given cause says so.
            let terms = match cause.and_then(|c| model.events.get(c)) {
                Some(e) => format!("{terms} on termination caused by {}", e.name),
                None => terms,
            };
            let mut accrual = settle(
                program,
                plan,
                clause,
                version,
                payment,
                period,
                format!("on {date}"),
                None,
                None,
                false,
                amount.amount,
                amount.currency,
                1,
                1,
                &mut running,
                terms,
                Decimal::ZERO,
                values,
            )?;
            accrual.payment = k;
            out.push(accrual);
        }
        return Ok(());
    }

    let unit = first_payment
        .every
        .unwrap_or_else(|| match &first_payment.charge {
            Charge::Share { metric, .. } | Charge::Shortfall { metric, .. } => model
                .metrics
                .get(*metric)
                .map_or(PeriodUnit::Year, |m| m.unit),
            Charge::Fixed { .. } | Charge::OnEach { .. } => PeriodUnit::Year,
        });
    let Some(mut period) = Period::containing(unit, first.start, model.anchors()) else {
        return Ok(());
    };
    // A share of a metric declared `by KEY` is computed for each key the
    // scenario gives, in the order it first gives them (§3.7.1); everything
    // else runs once, on the metric's total.
    let keyed =
        match &first_payment.charge {
            Charge::Share { metric, .. } => model
                .metrics
                .get(*metric)
                .and_then(|m| m.key.clone())
                .map(|word| {
                    (
                        *metric,
                        word,
                        plan.keys.get(metric).cloned().unwrap_or_default(),
                    )
                }),
            _ => None,
        };
    let lanes: Vec<Option<(usize, String)>> = match &keyed {
        Some((_, _, names)) if !names.is_empty() => {
            names.iter().cloned().enumerate().map(Some).collect()
        }
        _ => vec![None],
    };
    let mut runnings: Vec<Running> = lanes.iter().map(|_| Running::new(done)).collect();
    if let Some(r) = runnings.first_mut() {
        *r = running;
    }
    let mut missing: Vec<Vec<Period>> = lanes.iter().map(|_| Vec::new()).collect();
    // What the payment has accrued over all keys: the total cap is shared by
    // them, and so is an advance being recouped.
    let mut shared_total = Decimal::ZERO;
    let mut shared_recouped = Decimal::ZERO;
    let mut count = 0usize;
    while period.start <= last.end {
        count += 1;
        if count > MAX_PERIODS {
            return Err(Diagnostic::error(
                Code::LimitExceeded,
                first_payment.span,
                format!("this payment would accrue over more than {MAX_PERIODS} periods"),
            )
            .with_label("too many periods")
            .with_help("give the contract a shorter term or evaluate with --as-of"));
        }
        if stop.is_some_and(|s| period.end > s) {
            if period.start <= stop.unwrap_or(period.start) {
                notes.push(format!("{} {}: the period is still running on the last day the timeline covers, so nothing is accrued for it yet", clause.name, period.label()));
            }
            break;
        }
        // Days in force within the period, and the version on the last of them.
        let mut days = 0i64;
        let mut governing = None;
        for iv in &intervals {
            let s = iv.start.max(period.start);
            let e = iv.end.min(period.end);
            if s <= e {
                days += days_inclusive(s, e);
                governing = Some((iv.version, e));
            }
        }
        if let (Some((version, last_active)), true) = (governing, days > 0) {
            if let Some(payment) = payment_of(version) {
                // The clause's last period, when the clause (or the contract)
                // ends within the timeline: a carried shortfall is paid then.
                let last_period = period.end >= last.end
                    && (program.last_day.is_some() || last.end < program.horizon);
                for (lane, key) in lanes.iter().enumerate() {
                    let (Some(running), Some(missing)) =
                        (runnings.get_mut(lane), missing.get_mut(lane))
                    else {
                        continue;
                    };
                    if keyed.is_some() {
                        running.total = shared_total;
                        running.recouped = shared_recouped;
                    }
                    let mut accrual = period_accrual(
                        program,
                        plan,
                        clause,
                        version,
                        payment,
                        PeriodDays {
                            period,
                            days,
                            last_active,
                            last_period,
                            key: key.as_ref().map(|(k, _)| *k),
                        },
                        running,
                        missing,
                    )?;
                    accrual.payment = k;
                    if let (Some((_, word, _)), Some((_, name))) = (&keyed, key) {
                        // Several keys reaching the shared cap in one period take
                        // its headroom in the order the scenario first gave them.
                        shared_total = running.total;
                        shared_recouped = running.recouped;
                        accrual.key = Some(name.clone());
                        accrual.key_word = Some(word.clone());
                        // A key's table shows what that key accrued; the headroom is
                        // the shared cap's, or without one the key's own cap's.
                        let currency = accrual.owed.currency;
                        accrual.total = Money::new(currency, running.key_total);
                        if let (None, Some((cap, _, _))) =
                            (&payment.cap_total, &payment.cap_per_key)
                        {
                            let cap = program.money(cap, Some(currency))?;
                            accrual.cap = Some(cap);
                            accrual.headroom = Some(Money::new(
                                currency,
                                (cap.amount - running.key_total).max(Decimal::ZERO),
                            ));
                        }
                    }
                    let make_up = std::mem::take(&mut running.made_up);
                    let reverse = (!make_up.is_zero()).then(|| {
                        running.made_up_total += make_up;
                        let currency = accrual.owed.currency;
                        Accrual {
                            payer: accrual.payee.clone(),
                            payee: accrual.payer.clone(),
                            base: None,
                            figure_missing: false,
                            terms: "make-up: purchases above the commitment that earlier shortfall payments covered".to_owned(),
                            computed: Money::new(currency, make_up),
                            limits: Vec::new(),
                            owed: Money::new(currency, make_up),
                            total: Money::new(currency, running.made_up_total),
                            cap: None,
                            headroom: None,
                            cap_reached: false,
                            carry: None,
                            make_up: true,
                            ..accrual.clone()
                        }
                    });
                    out.push(accrual);
                    out.extend(reverse);
                }
            }
        }
        match period.next(model.anchors()) {
            Some(next) => period = next,
            None => break,
        }
    }
    let mut zeroed: Vec<(Period, String)> = runnings
        .iter()
        .flat_map(|r| r.zeroed.iter().cloned())
        .collect();
    zeroed.sort();
    zeroed.dedup();
    let mut zero_metrics: Vec<&str> = zeroed.iter().map(|(_, m)| m.as_str()).collect();
    zero_metrics.sort_unstable();
    zero_metrics.dedup();
    if !zero_metrics.is_empty() {
        let mut periods: Vec<Period> = zeroed.iter().map(|(p, _)| *p).collect();
        periods.dedup();
        notes.push(format!(
            "{}: no figure of {} was given for {}, so the amount's formula counted it as zero",
            clause.name,
            zero_metrics
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            join_runs(&periods),
        ));
    }
    for running in &runnings {
        if !running.index_missing.is_empty() {
            notes.push(format!(
                "{}: no figure was given for {}, so each contract year whose change needs it is not adjusted (a change of 0%)",
                clause.name,
                running.index_missing.join(", ")
            ));
        }
    }
    for (missing, key) in missing.iter().zip(lanes.iter()) {
        if missing.is_empty() {
            continue;
        }
        let whose = match (key, &keyed) {
            (Some((_, name)), Some((_, word, _))) => format!(" for {word} {name:?}"),
            _ => String::new(),
        };
        notes.push(format!(
            "{}: no figure was given{whose} for {}, so nothing (or only the floor) is owed for {}",
            clause.name,
            join_runs(missing),
            if missing.len() == 1 {
                "it"
            } else {
                "those periods"
            }
        ));
    }
    Ok(())
}

/// The sums of a payment `on each EVENT`: one per occurrence of the event on a
/// day the clause is active (by the version in force that day), computed with
/// that occurrence's data, due on its day (plus `due …`), and counted
/// against the total cap in date order. An occurrence on a day the clause is
/// not active owes nothing, and a note says why.
#[allow(clippy::too_many_arguments)]
fn occurrences(
    program: &Program<'_>,
    plan: &Plan,
    cid: ClauseId,
    k: usize,
    intervals: &[super::program::Interval],
    events: &[EventId],
    stop: Option<Date>,
    notes: &mut Vec<String>,
    out: &mut Vec<Accrual>,
    running: &mut Running,
) -> Result<(), Diagnostic> {
    let model = program.model;
    let Some(clause) = model.clauses.get(cid) else {
        return Ok(());
    };
    let mut same_day: Vec<(EventId, Date, usize)> = Vec::new();
    for e in &plan.events {
        let PlanEventKind::Event { event, args } = &e.kind else {
            continue;
        };
        if !events.contains(event) || stop.is_some_and(|s| e.date > s) {
            continue;
        }
        let name = model.events.get(*event).map_or("", |x| x.name.as_str());
        let n = match same_day
            .iter_mut()
            .find(|(x, d, _)| x == event && *d == e.date)
        {
            Some(entry) => {
                entry.2 += 1;
                entry.2
            }
            None => {
                same_day.push((*event, e.date, 1));
                1
            }
        };
        let label = if n == 1 {
            format!("{name} on {}", e.date)
        } else {
            format!("{name} on {} (#{n})", e.date)
        };
        let version = intervals
            .iter()
            .find(|iv| iv.start <= e.date && e.date <= iv.end)
            .map(|iv| iv.version);
        let payment = version.and_then(|v| clause.versions.get(v)?.payments.get(k));
        let (Some(version), Some(payment)) = (version, payment) else {
            notes.push(format!(
                "{}: the {label} owes nothing: {}",
                clause.name,
                super::inactive_reason(program, cid, e.date)
            ));
            continue;
        };
        let Charge::OnEach {
            event: paid_on,
            amount,
        } = &payment.charge
        else {
            continue;
        };
        if paid_on != event {
            continue;
        }
        // The occurrence's day is its period, so that `payments under CLAUSE
        // over the 12 months before claim` reads what was owed before this claim.
        let day = Period {
            start: e.date,
            end: e.date,
            unit: PeriodUnit::Month,
            ordinal: 0,
        };
        let at = super::formula::PeriodContext::new(
            day,
            running.done,
            program.last_day.filter(|_| program.terminated),
        );
        let context = super::formula::Context {
            params: &program.params,
            figures: Some((model, &plan.figures)),
            events: Some(&plan.events),
            period: Some(&at),
            occurrence: Some(super::formula::Occurrence {
                event: *event,
                date: e.date,
                args,
            }),
        };
        let value = super::formula::compute(amount, &context).map_err(|(span, code, message)| {
            Diagnostic::error(code, span, message)
                .with_label(format!("cannot be computed for the {label}"))
                .with_help("check the occurrence's data in the scenario, and the params the formula uses")
        })?;
        let Value::Money(computed) = value else {
            return Err(Diagnostic::error(
                Code::TypeMismatch,
                amount.span(),
                "this payment's amount is not an amount of money",
            )
            .with_label("not an amount")
            .with_help("compute an amount, like `0.5% of delivery.value`"));
        };
        if let Some(c) = payment.currency.filter(|c| *c != computed.currency) {
            return Err(Diagnostic::error(
                Code::CurrencyMismatch,
                amount.span(),
                format!(
                    "the {label} gives an amount in {}, but the payment is in {c}",
                    computed.currency
                ),
            )
            .with_label(format!("{} here", computed.currency))
            .with_help("give the occurrence's data in the payment's currency"));
        }
        let period = day;
        // A formula that comes out below zero (a deductible larger than the claim) owes nothing.
        let owed = computed.amount.max(Decimal::ZERO);
        let mut accrual = settle(
            program,
            plan,
            clause,
            version,
            payment,
            period,
            label,
            None,
            None,
            false,
            owed,
            computed.currency,
            1,
            1,
            running,
            format!(
                "{} on each {name}",
                super::formula::show_formula(amount, model)
            ),
            Decimal::ZERO,
            Vec::new(),
        )?;
        accrual.payment = k;
        let declared = model.events.get(*event);
        accrual.occurrence = Some(OccurrenceData {
            event: name.to_owned(),
            date: e.date,
            data: args
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let arg = declared
                        .and_then(|d| d.args.get(i))
                        .map_or(String::new(), |(n, _)| n.clone());
                    (arg, model.show_value(v))
                })
                .collect(),
        });
        out.push(accrual);
    }
    Ok(())
}

/// Lists periods, folding consecutive ones into ranges: `2019 – 2025, 2028 – 2032`.
fn join_runs(periods: &[Period]) -> String {
    let mut runs: Vec<(Period, Period)> = Vec::new();
    for p in periods {
        match runs.last_mut() {
            Some((_, last)) if last.end.succ_opt() == Some(p.start) => *last = *p,
            _ => runs.push((*p, *p)),
        }
    }
    runs.iter()
        .map(|(a, b)| {
            if a == b {
                a.label()
            } else {
                format!("{} – {}", a.label(), b.label())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The metric's figure for a payment period: figures overlapping it, each
/// counted pro-rata by days; for a key of a keyed metric, that key's figures.
fn metric_base(
    plan: &Plan,
    metric: MetricId,
    key: Option<usize>,
    period: Period,
    currency: Currency,
) -> Option<Money> {
    let from = period
        .start
        .checked_sub_days(chrono::Days::new(400))
        .unwrap_or(period.start);
    let mut total = Decimal::ZERO;
    let mut any = false;
    let figures: Box<dyn Iterator<Item = &Figure>> = match key {
        Some(k) => Box::new(
            plan.keyed_figures
                .range((metric, k, from)..=(metric, k, period.end))
                .map(|(_, f)| f),
        ),
        None => Box::new(
            plan.figures
                .range((metric, from)..=(metric, period.end))
                .map(|(_, f)| f),
        ),
    };
    for f in figures {
        let Figure {
            period: fp, amount, ..
        } = f;
        let s = fp.start.max(period.start);
        let e = fp.end.min(period.end);
        if s > e {
            continue;
        }
        any = true;
        let overlap = days_inclusive(s, e);
        let length = fp.days();
        if overlap == length {
            total = total.checked_add(amount.amount)?;
        } else {
            total = total.checked_add(
                amount
                    .amount
                    .checked_mul(Decimal::from(overlap))?
                    .checked_div(Decimal::from(length))?,
            )?;
        }
    }
    any.then_some(Money::new(currency, total))
}

/// Marginal tiers: each rate applies to the slice of the base between its thresholds.
pub fn tiered(base: Decimal, rates: &[Decimal], thresholds: &[Decimal]) -> Option<Decimal> {
    let base = base.max(Decimal::ZERO);
    let mut owed = Decimal::ZERO;
    let mut lower = Decimal::ZERO;
    for (i, rate) in rates.iter().enumerate() {
        let upper = thresholds.get(i).copied();
        let top = upper.map_or(base, |u| base.min(u));
        if top > lower {
            owed = owed.checked_add((top - lower).checked_mul(*rate)?)?;
        }
        match upper {
            Some(u) if base > u => lower = u,
            _ => break,
        }
    }
    Some(owed)
}

/// Bracket tiers: one rate for the whole base, the rate of the bracket it falls
/// in (a base equal to a threshold is in the bracket that threshold closes).
pub fn bracketed(base: Decimal, rates: &[Decimal], thresholds: &[Decimal]) -> Option<Decimal> {
    let base = base.max(Decimal::ZERO);
    let index = thresholds
        .iter()
        .position(|t| base <= *t)
        .unwrap_or(thresholds.len());
    let rate = rates.get(index).or_else(|| rates.last())?;
    base.checked_mul(*rate)
}

/// A sum increased by `rate` once per contract year from `from_year` on, for
/// contract year `year`: each step is rounded half away from zero to the
/// currency's minor unit before the next is applied.
pub fn escalated(
    amount: Decimal,
    rate: Decimal,
    from_year: u32,
    year: u32,
    currency: Currency,
) -> Option<Decimal> {
    let factor = Decimal::ONE.checked_add(rate)?;
    let mut value = amount;
    for _ in from_year..=year {
        value = crate::money::round_money(value.checked_mul(factor)?, currency);
    }
    Some(value)
}

/// A payment period with the days the clause was in force in it.
#[derive(Clone, Copy)]
struct PeriodDays {
    period: Period,
    /// Days in force within the period.
    days: i64,
    /// The last day in force within the period: it picks the contract year of an escalator.
    last_active: Date,
    /// The clause's last period: a shortfall carried forward is paid in it.
    last_period: bool,
    /// For a share of a keyed metric: which key (its position in `Plan::keys`).
    key: Option<usize>,
}

/// A fixed sum or commitment after its escalator, with the escalator in words
/// (`USD 100,000 increasing 3% each contract year from year 6`) and the contract year.
fn escalate(
    program: &Program<'_>,
    plan: &Plan,
    payment: &Payment,
    amount: Money,
    last_active: Date,
    running: &mut Running,
) -> Result<(Money, String, Option<u32>), Diagnostic> {
    if let Some(link) = &payment.index {
        return index_adjust(program, plan, payment, link, amount, last_active, running);
    }
    let Some(e) = &payment.escalator else {
        return Ok((amount, amount.to_string(), None));
    };
    let rate = program.rate(&e.rate)?;
    let year = Period::containing(
        PeriodUnit::ContractYear,
        last_active,
        program.model.anchors(),
    )
    .map_or(1, |p| p.ordinal);
    let value = escalated(
        amount.amount,
        rate.fraction(),
        e.from_year,
        year,
        amount.currency,
    )
    .ok_or_else(|| overflow(payment.span))?;
    Ok((
        Money::new(amount.currency, value),
        format!(
            "{amount} increasing {rate} each contract year from year {}",
            e.from_year
        ),
        Some(year),
    ))
}

/// The ratio of an index's figure for contract year `year` to its figure for
/// the year before, with the yearly limits applied, compounded from year 2 on
/// (§4.7.7). Exact: nothing is rounded until a report shows it.
fn index_adjust(
    program: &Program<'_>,
    plan: &Plan,
    payment: &Payment,
    link: &IndexLink,
    amount: Money,
    last_active: Date,
    running: &mut Running,
) -> Result<(Money, String, Option<u32>), Diagnostic> {
    let model = program.model;
    let anchors = model.anchors();
    let Some(index) = model.indexes.get(link.index) else {
        return Ok((amount, amount.to_string(), None));
    };
    let year =
        Period::containing(PeriodUnit::ContractYear, last_active, anchors).map_or(1, |p| p.ordinal);
    let base = link
        .base
        .or_else(|| Period::containing(index.unit, model.effective, anchors));
    let Some(base) = base else {
        return Ok((amount, amount.to_string(), None));
    };
    let cap = match &link.cap {
        Some(c) => Some(program.rate(c)?.fraction()),
        None => None,
    };
    let mut floor = match &link.floor {
        Some(f) => Some(program.rate(f)?.fraction()),
        None => None,
    };
    if link.never_decreasing {
        floor = Some(floor.map_or(Decimal::ZERO, |f| f.max(Decimal::ZERO)));
    }
    // The index period `k` years after the base: the same quarter or month a year later.
    let nth = |k: u32| -> Option<Period> {
        let start = base
            .start
            .checked_add_months(chrono::Months::new(k.checked_mul(12)?))?;
        Period::containing(index.unit, start, anchors)
    };
    let figure = |p: Period| plan.index_figures.get(&(link.index, p.start)).copied();
    let mut factor = Decimal::ONE;
    for k in 2..=year {
        let (Some(before), Some(now)) = (nth(k - 2), nth(k - 1)) else {
            break;
        };
        let change = match (figure(before), figure(now)) {
            (Some(a), Some(b)) if !a.is_zero() => {
                let mut change =
                    b.checked_div(a).ok_or_else(|| overflow(payment.span))? - Decimal::ONE;
                if let Some(c) = cap {
                    change = change.min(c);
                }
                if let Some(f) = floor {
                    change = change.max(f);
                }
                change
            }
            (a, b) => {
                for (p, f) in [(before, a), (now, b)] {
                    let label = format!("{} for {}", index.name, p.label());
                    if f.is_none() && !running.index_missing.contains(&label) {
                        running.index_missing.push(label);
                    }
                }
                Decimal::ZERO
            }
        };
        factor = factor
            .checked_mul(Decimal::ONE + change)
            .ok_or_else(|| overflow(payment.span))?;
    }
    let value = amount
        .amount
        .checked_mul(factor)
        .ok_or_else(|| overflow(payment.span))?;
    let adjusted = Money::new(amount.currency, value);
    let mut shown = format!(
        "{amount} adjusted by {} from base {}",
        index.name,
        base.label()
    );
    if let Some(c) = &link.cap {
        shown.push_str(&format!(", capped at {} per year", program.rate(c)?));
    }
    if let Some(f) = &link.floor {
        shown.push_str(&format!(", at least {} per year", program.rate(f)?));
    }
    if link.never_decreasing {
        shown.push_str(", never decreasing");
    }
    Ok((adjusted, shown, Some(year)))
}

#[allow(clippy::too_many_arguments)]
fn period_accrual(
    program: &Program<'_>,
    plan: &Plan,
    clause: &Clause,
    version: usize,
    payment: &Payment,
    at: PeriodDays,
    running: &mut Running<'_>,
    missing: &mut Vec<Period>,
) -> Result<Accrual, Diagnostic> {
    let PeriodDays {
        period,
        days,
        last_active,
        last_period,
        key,
    } = at;
    let span = payment.span;
    let period_days = period.days();
    let fraction = |x: Decimal| -> Option<Decimal> {
        if days == period_days {
            Some(x)
        } else {
            x.checked_mul(Decimal::from(days))?
                .checked_div(Decimal::from(period_days))
        }
    };
    // For §4.7.6: what the figure exceeds the commitment by, and a carried shortfall's balance.
    let mut excess = Decimal::ZERO;
    let mut carry: Option<Carry> = None;
    let mut carried_limit = false;
    let mut values = Vec::new();
    let (computed, currency, base, metric_name, figure_missing, terms) = match &payment.charge {
        Charge::Share {
            metric,
            rates,
            thresholds,
        } => {
            let m = program.model.metrics.get(*metric);
            let currency = m.map_or(Currency::iso(*b"XXX"), |m| m.currency);
            let rate_values = rates
                .iter()
                .map(|r| program.rate(r).map(|r| r.fraction()))
                .collect::<Result<Vec<_>, _>>()?;
            let threshold_values = thresholds
                .iter()
                .map(|t| program.money(t, Some(currency)).map(|m| m.amount))
                .collect::<Result<Vec<_>, _>>()?;
            if threshold_values.windows(2).any(|w| w[1] <= w[0]) {
                return Err(Diagnostic::error(
                    Code::TierOrder,
                    span,
                    "tier thresholds must increase",
                )
                .with_help("set the params so that each threshold is above the previous one"));
            }
            let mut terms = describe_tiers(program, rates, thresholds, currency);
            let apply: fn(Decimal, &[Decimal], &[Decimal]) -> Option<Decimal> =
                if payment.whole_amount.is_some() {
                    terms.push_str(", on the whole amount");
                    bracketed
                } else {
                    tiered
                };
            let base = metric_base(plan, *metric, key, period, currency);
            if base.is_none() {
                missing.push(period);
            }
            let computed = if payment.cumulative.is_some() {
                terms.push_str(", tiers cumulative");
                // The tiers apply to the running total; the period owes what
                // they give on the new total beyond what earlier periods owed
                // under them, never less than nothing.
                let counted = match base {
                    Some(b) => fraction(b.amount).ok_or_else(|| overflow(span))?,
                    None => Decimal::ZERO,
                };
                let total = running
                    .metric_total
                    .checked_add(counted)
                    .ok_or_else(|| overflow(span))?;
                let given =
                    apply(total, &rate_values, &threshold_values).ok_or_else(|| overflow(span))?;
                let owed = (given - running.tiers_owed).max(Decimal::ZERO);
                running.metric_total = total;
                running.tiers_owed = running
                    .tiers_owed
                    .checked_add(owed)
                    .ok_or_else(|| overflow(span))?;
                owed
            } else {
                match base {
                    Some(b) => fraction(
                        apply(b.amount, &rate_values, &threshold_values)
                            .ok_or_else(|| overflow(span))?,
                    )
                    .ok_or_else(|| overflow(span))?,
                    None => Decimal::ZERO,
                }
            };
            (
                computed,
                currency,
                base,
                m.map(|m| m.name.clone()),
                base.is_none(),
                terms,
            )
        }
        Charge::Shortfall { metric, commitment } => {
            let m = program.model.metrics.get(*metric);
            let currency = m.map_or(Currency::iso(*b"XXX"), |m| m.currency);
            let commitment = program.money(commitment, Some(currency))?;
            let (commitment, shown, year) =
                escalate(program, plan, payment, commitment, last_active, running)?;
            let name = m.map(|m| m.name.clone());
            let mut terms = format!(
                "shortfall of {} below {shown}",
                name.as_deref().unwrap_or("?")
            );
            if let Some(year) = year {
                // The year's commitment is not otherwise visible once the figure exceeds it.
                terms.push_str(&format!(" ({commitment} in contract year {year})"));
            }
            let base = metric_base(plan, *metric, None, period, currency);
            let carrying = matches!(
                payment.credit.as_ref().map(|c| c.kind),
                Some(CreditKind::CarryForward(_))
            );
            let computed = match base {
                Some(b) if carrying => {
                    // The figure first makes up the shortfall carried in (what it
                    // does not make up is owed now); the rest counts against
                    // this period's commitment, whose shortfall is carried on,
                    // or owed too in the clause's last period.
                    let carried_in = running.balance();
                    let made_up = carried_in.min(b.amount.max(Decimal::ZERO));
                    let unmet = carried_in - made_up;
                    let own =
                        fraction((commitment.amount - (b.amount - made_up)).max(Decimal::ZERO))
                            .ok_or_else(|| overflow(span))?;
                    running.lots.clear();
                    let (owed, added) = if last_period {
                        (unmet + own, Decimal::ZERO)
                    } else {
                        running.add(own, None);
                        (unmet, own)
                    };
                    carry = Some(Carry {
                        kind: CarryKind::Shortfall,
                        used: Money::new(currency, carried_in),
                        added: Money::new(currency, added),
                        expired: Money::zero(currency),
                        balance: Money::new(currency, running.balance()),
                    });
                    if !added.is_zero() {
                        carried_limit = true;
                    }
                    owed
                }
                Some(b) => {
                    excess = fraction((b.amount - commitment.amount).max(Decimal::ZERO))
                        .ok_or_else(|| overflow(span))?;
                    fraction((commitment.amount - b.amount).max(Decimal::ZERO))
                        .ok_or_else(|| overflow(span))?
                }
                None => {
                    missing.push(period);
                    if carrying {
                        // An unanswered figure leaves the carried shortfall where it was.
                        let balance = running.balance();
                        carry = Some(Carry {
                            kind: CarryKind::Shortfall,
                            used: Money::zero(currency),
                            added: Money::zero(currency),
                            expired: Money::zero(currency),
                            balance: Money::new(currency, balance),
                        });
                    }
                    Decimal::ZERO
                }
            };
            if carrying {
                terms.push_str(", carried forward to the next period");
            }
            (computed, currency, base, name, base.is_none(), terms)
        }
        // Paid per occurrence, never per period (see `occurrences`).
        Charge::OnEach { .. } => (
            Decimal::ZERO,
            payment.currency.unwrap_or(Currency::iso(*b"XXX")),
            None,
            None,
            false,
            String::new(),
        ),
        Charge::Fixed { amount, .. } => match per_period(program, amount) {
            Some(formula) => {
                let (amount, mut terms, read_values, read) = compute_in_period(
                    program,
                    plan,
                    running.done,
                    formula,
                    period,
                    amount.span,
                    payment.currency,
                )?;
                values = read_values;
                let (amount, shown, _) =
                    escalate(program, plan, payment, amount, last_active, running)?;
                if payment.escalator.is_some() {
                    terms = format!("{terms}; escalated: {shown}");
                }
                let (base, metric_name) = match read.as_slice() {
                    [(m, figure, given)] => {
                        if !given {
                            running.zeroed.push((period, m.clone()));
                        }
                        (Some(*figure), Some(m.clone()))
                    }
                    _ => {
                        for (m, _, given) in &read {
                            if !given {
                                running.zeroed.push((period, m.clone()));
                            }
                        }
                        (None, None)
                    }
                };
                (
                    fraction(amount.amount).ok_or_else(|| overflow(span))?,
                    amount.currency,
                    base,
                    metric_name,
                    false,
                    terms,
                )
            }
            None => {
                let amount = program.money(amount, payment.currency)?;
                let (amount, shown, _) =
                    escalate(program, plan, payment, amount, last_active, running)?;
                (
                    fraction(amount.amount).ok_or_else(|| overflow(span))?,
                    amount.currency,
                    None,
                    None,
                    false,
                    format!("fixed sum {shown}"),
                )
            }
        },
    };
    let label = period.long_label();
    let terms = match &payment.recoup {
        Some(advance) => format!(
            "{terms}, recouping {} first",
            program.money(advance, Some(currency))?
        ),
        None => terms,
    };
    let terms = match &payment.credit {
        Some(c) => {
            let within = match &c.within {
                Some(d) => format!(" for {}", program.duration(d)?),
                None => String::new(),
            };
            match c.kind {
                CreditKind::Excess => {
                    format!("{terms}, excess credited against later shortfalls{within}")
                }
                CreditKind::MakeUp => {
                    format!("{terms}, shortfall credited against later excess{within}")
                }
                CreditKind::CarryForward(_) => terms,
            }
        }
        None => terms,
    };
    let mut accrual = settle(
        program,
        plan,
        clause,
        version,
        payment,
        period,
        label,
        base,
        metric_name,
        figure_missing,
        computed,
        currency,
        days,
        period_days,
        running,
        terms,
        excess,
        values,
    )?;
    if carry.is_some() {
        accrual.carry = carry;
    }
    if carried_limit {
        accrual.limits.insert(0, Limit::CarriedForward);
    }
    Ok(accrual)
}

/// The formula behind a money slot whose value depends on the payment
/// period: a let (or an inline amount) that reads figures or events.
fn per_period<'m>(program: &Program<'m>, slot: &Slot) -> Option<&'m RFormula> {
    let ValueRef::Param(p) = slot.value else {
        return None;
    };
    let model = program.model;
    let param = model.params.get(p)?;
    param.formula.as_ref().filter(|_| param.reads_scenario)
}

/// A figure a formula read for a period: (metric, figure, whether one was given).
type FigureRead = (String, Money, bool);

/// Computes an amount for one payment period, with its terms in words (the
/// formula, then the figures and lets it read for the period).
fn compute_in_period(
    program: &Program<'_>,
    plan: &Plan,
    done: &[Accrual],
    f: &RFormula,
    period: Period,
    span: crate::source::Span,
    currency: Option<Currency>,
) -> Result<(Money, String, Vec<String>, Vec<FigureRead>), Diagnostic> {
    let model = program.model;
    let pc = formula::PeriodContext::new(
        period,
        done,
        program.last_day.filter(|_| program.terminated),
    );
    let cx = formula::Context {
        params: &program.params,
        figures: Some((model, &plan.figures)),
        events: Some(&plan.events),
        period: Some(&pc),
        occurrence: None,
    };
    let value = formula::compute(f, &cx).map_err(|(at, code, message)| {
        Diagnostic::error(code, at, message)
            .with_label(format!("cannot be computed for {}", period.long_label()))
            .with_help("check the figures and params this amount uses for that period")
    })?;
    let Value::Money(amount) = value else {
        return Err(Diagnostic::error(
            Code::TypeMismatch,
            span,
            "this amount is not an amount of money",
        )
        .with_help("a payment's amount must be money"));
    };
    if let Some(c) = currency {
        if amount.currency != c {
            return Err(Diagnostic::error(
                Code::CurrencyMismatch,
                span,
                format!(
                    "this amount is in {}, but the payment is in {c}",
                    amount.currency
                ),
            )
            .with_help("one payment is in one currency"));
        }
    }
    let read: Vec<FigureRead> = pc
        .figures_read
        .borrow()
        .iter()
        .filter_map(|(m, figure, given)| {
            model
                .metrics
                .get(*m)
                .map(|m| (m.name.clone(), *figure, *given))
        })
        .collect();
    // One metric's figure shows in the report's figure column; several are listed.
    let listed: &[FigureRead] = if read.len() > 1 { &read } else { &[] };
    let mut parts: Vec<String> = listed
        .iter()
        .map(|(m, figure, given)| {
            if *given {
                format!("{m} {figure}")
            } else {
                format!("{m} {figure} (no figure)")
            }
        })
        .collect();
    for (p, v) in pc.lets() {
        if let Some(param) = model.params.get(p).filter(|p| !p.hidden) {
            parts.push(format!("{} {}", param.name, model.show_value(&v)));
        }
    }
    let terms = format!("computed per period: {}", formula::show_formula(f, model));
    Ok((amount, terms, parts, read))
}

/// A floor or per-period cap: its value, computed for the period when it depends on it.
fn limit_money(
    program: &Program<'_>,
    plan: &Plan,
    done: &[Accrual],
    slot: &Slot,
    period: Period,
    currency: Currency,
    values: &mut Vec<String>,
) -> Result<Money, Diagnostic> {
    match per_period(program, slot) {
        Some(f) => {
            let (m, _, read, _) =
                compute_in_period(program, plan, done, f, period, slot.span, Some(currency))?;
            // What it read, then the let itself as the floor or cap for the period.
            for v in read {
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            if let ValueRef::Param(p) = slot.value {
                if let Some(param) = program.model.params.get(p) {
                    let own = format!("{} {m}", param.name);
                    if !values.contains(&own) {
                        values.push(own);
                    }
                }
            }
            Ok(m)
        }
        None => program.money(slot, Some(currency)),
    }
}

fn describe_tiers(
    program: &Program<'_>,
    rates: &[Slot],
    thresholds: &[Slot],
    currency: Currency,
) -> String {
    let mut text = String::new();
    for (i, r) in rates.iter().enumerate() {
        let rate = program
            .value(r)
            .map(|v| program.model.show_value(v))
            .unwrap_or_default();
        if i == 0 {
            text.push_str(&rate);
        } else {
            text.push_str(&format!(", then {rate}"));
        }
        if let Some(t) = thresholds.get(i) {
            let amount = program
                .money(t, Some(currency))
                .map(|m| m.to_string())
                .unwrap_or_default();
            text.push_str(&format!(" up to {amount}"));
        }
    }
    text
}

/// Applies floor, per-period cap and total cap, and fills in the accrual.
#[allow(clippy::too_many_arguments)]
fn settle(
    program: &Program<'_>,
    plan: &Plan,
    clause: &Clause,
    version: usize,
    payment: &Payment,
    period: Period,
    label: String,
    base: Option<Money>,
    metric: Option<String>,
    figure_missing: bool,
    computed: Decimal,
    currency: Currency,
    days: i64,
    period_days: i64,
    running: &mut Running<'_>,
    terms: String,
    excess: Decimal,
    mut values: Vec<String>,
) -> Result<Accrual, Diagnostic> {
    let span = payment.span;
    let scale = |x: Decimal| -> Result<Decimal, Diagnostic> {
        if days == period_days {
            Ok(x)
        } else {
            x.checked_mul(Decimal::from(days))
                .and_then(|v| v.checked_div(Decimal::from(period_days)))
                .ok_or_else(|| overflow(span))
        }
    };
    let mut owed = computed;
    let mut limits = Vec::new();
    // Credits carried forward (§4.7.6): which kind, until when a credit this
    // period earns may be used, and what ran out before this period.
    let credit = payment.credit.as_ref().and_then(|c| match c.kind {
        CreditKind::CarryForward(_) => None,
        kind => Some(kind),
    });
    let shortfall_form = matches!(payment.charge, Charge::Shortfall { .. });
    let until = match payment.credit.as_ref().and_then(|c| c.within.as_ref()) {
        Some(d) if credit.is_some() => {
            Some(program.duration(d)?.after(period.end).unwrap_or(period.end))
        }
        _ => None,
    };
    let expired = if credit.is_some() {
        running.expire(period.end)
    } else {
        Decimal::ZERO
    };
    let mut used = Decimal::ZERO;
    let mut added = Decimal::ZERO;
    match credit {
        // A shortfall payment: an earlier excess reduces the shortfall; this
        // period's excess (the figure above the commitment) is banked.
        Some(CreditKind::Excess) if shortfall_form => {
            if owed > Decimal::ZERO {
                used = running.take(owed);
                owed -= used;
                if !used.is_zero() {
                    limits.push(Limit::Credited);
                }
            } else if excess > Decimal::ZERO {
                running.add(excess, until);
                added = excess;
            }
        }
        // Make-up: this period's excess is first covered by shortfalls paid earlier.
        Some(CreditKind::MakeUp) if excess > Decimal::ZERO => {
            used = running.take(excess);
            running.made_up = used;
        }
        _ => {}
    }
    let mut floor_amount = None;
    if let Some(floor) = &payment.floor {
        let floor = scale(
            limit_money(
                program,
                plan,
                running.done,
                floor,
                period,
                currency,
                &mut values,
            )?
            .amount,
        )?;
        floor_amount = Some(floor);
        if owed < floor {
            // A share's excess credit pays for the top-up before the payer does.
            let mut topped = Decimal::ZERO;
            if credit == Some(CreditKind::Excess) && !shortfall_form {
                topped = running.take(floor - owed);
                used = topped;
            }
            owed = floor - topped;
            limits.push(Limit::Floor);
            if !topped.is_zero() {
                limits.push(Limit::Credited);
            }
        }
    }
    if let Some(cap) = &payment.cap_per {
        let cap = scale(
            limit_money(
                program,
                plan,
                running.done,
                cap,
                period,
                currency,
                &mut values,
            )?
            .amount,
        )?;
        if owed > cap {
            owed = cap;
            limits.push(Limit::PeriodCap);
        }
    }
    if credit == Some(CreditKind::Excess) && !shortfall_form {
        if let Some(floor) = floor_amount {
            if owed > floor {
                added = owed - floor;
                running.add(added, until);
            }
        }
    }
    // The advance is recouped from what the period gives after its floor and
    // per-period cap; only the rest is owed, and counts towards the total cap.
    if let Some(advance) = &payment.recoup {
        let advance = program.money(advance, Some(currency))?.amount;
        let left = (advance - running.recouped).max(Decimal::ZERO);
        let credit = owed.min(left).max(Decimal::ZERO);
        if !credit.is_zero() {
            running.recouped += credit;
            owed -= credit;
            limits.push(Limit::Recouped);
        }
    }
    // A cap per key (`capped at … per project in total`) counts this key's accruals only.
    if let Some((cap, _, _)) = &payment.cap_per_key {
        let cap = program.money(cap, Some(currency))?.amount;
        let headroom = (cap - running.key_total).max(Decimal::ZERO);
        if owed > headroom {
            owed = headroom;
            limits.push(Limit::KeyCap);
        }
    }
    let cap_total = match &payment.cap_total {
        Some(c) => Some(program.money(c, Some(currency))?),
        None => None,
    };
    let mut cap_reached = false;
    if let Some(cap) = cap_total {
        // Exhaustion is judged against the cap in force now, so an amendment
        // that raises the cap reopens headroom.
        if running.total >= cap.amount {
            if !owed.is_zero() {
                limits.push(Limit::CapExhausted);
            }
            owed = Decimal::ZERO;
        } else {
            let headroom = cap.amount - running.total;
            if owed >= headroom {
                if owed > headroom {
                    limits.push(Limit::TotalCap);
                }
                owed = headroom;
                cap_reached = true;
            }
        }
    }
    running.total = running
        .total
        .checked_add(owed)
        .ok_or_else(|| overflow(span))?;
    running.key_total += owed;
    // Make-up: what this period's shortfall actually owes is credited against later excess.
    if credit == Some(CreditKind::MakeUp) && owed > Decimal::ZERO {
        running.add(owed, until);
        added = owed;
    }
    let carry = credit.map(|kind| Carry {
        kind: match kind {
            CreditKind::MakeUp => CarryKind::MakeUpCredit,
            _ => CarryKind::ExcessCredit,
        },
        used: Money::new(currency, used),
        added: Money::new(currency, added),
        expired: Money::new(currency, expired),
        balance: Money::new(currency, running.balance()),
    });
    let due = match &payment.due {
        Some(d) => {
            let cid = program.model.clause_id(&clause.name);
            super::due_after(program.model, cid, period.end, program.duration(d)?)
                .0
                .unwrap_or(period.end)
        }
        None => period.end,
    };
    let v = clause.versions.get(version);
    Ok(Accrual {
        clause: clause.name.clone(),
        payment: 0,
        payer: program.party_name(payment.payer),
        payee: program.party_name(payment.payee),
        period,
        label,
        base,
        metric,
        figure_missing,
        terms,
        values,
        days_in_force: days,
        days_in_period: period_days,
        computed: Money::new(currency, computed),
        limits,
        owed: Money::new(currency, owed),
        total: Money::new(currency, running.total),
        cap: cap_total,
        headroom: cap_total
            .map(|c| Money::new(currency, (c.amount - running.total).max(Decimal::ZERO))),
        cap_reached,
        due,
        version: v
            .map(|v| format!("{} ({})", v.origin.document, v.origin.how))
            .unwrap_or_default(),
        carry,
        key: None,
        key_word: None,
        make_up: false,
        occurrence: None,
    })
}

/// Amounts owed by `payer` to `payee` that are past due on `date` after the
/// payments made up to that day, settled oldest first; per currency.
pub fn overdue(
    accruals: &[Accrual],
    plan: &Plan,
    model: &Model,
    payer: PartyId,
    payee: PartyId,
    date: Date,
) -> BTreeMap<Currency, Decimal> {
    let payer_name = model
        .parties
        .get(payer)
        .map(|p| p.name.as_str())
        .unwrap_or("");
    let payee_name = model
        .parties
        .get(payee)
        .map(|p| p.name.as_str())
        .unwrap_or("");
    let mut owed: Vec<(Date, Currency, Decimal)> = accruals
        .iter()
        .filter(|a| a.payer == payer_name && a.payee == payee_name && a.due <= date)
        .map(|a| (a.due, a.owed.currency, a.owed.amount))
        .collect();
    owed.sort_by_key(|(due, _, _)| *due);
    let mut paid: BTreeMap<Currency, Decimal> = BTreeMap::new();
    for e in &plan.events {
        if e.date > date {
            break;
        }
        if let crate::check::scenario::PlanEventKind::Pays {
            payer: p,
            payee: q,
            amount,
        } = &e.kind
        {
            if *p == payer && *q == payee {
                *paid.entry(amount.currency).or_default() += amount.amount;
            }
        }
    }
    let mut result: BTreeMap<Currency, Decimal> = BTreeMap::new();
    for (due, currency, amount) in owed {
        let credit = paid.entry(currency).or_default();
        let settled = (*credit).min(amount);
        *credit -= settled;
        // Overdue means unpaid after the due date: on the due date itself it is not yet late.
        if due < date {
            *result.entry(currency).or_default() += amount - settled;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn marginal_tiers() {
        // 8% up to 5m, then 5%: 7m owes 400k + 100k.
        let owed = tiered(d("7000000"), &[d("0.08"), d("0.05")], &[d("5000000")]);
        assert_eq!(owed, Some(d("500000")));
        let owed = tiered(d("4000000"), &[d("0.08"), d("0.05")], &[d("5000000")]);
        assert_eq!(owed, Some(d("320000")));
        let owed = tiered(
            d("20"),
            &[d("0.1"), d("0.2"), d("0.3")],
            &[d("10"), d("15")],
        );
        assert_eq!(owed, Some(d("1") + d("1") + d("1.5")));
    }

    #[test]
    fn equal_tiers_equal_single_rate() {
        for base in ["0", "1", "4999999.99", "5000000", "123456789.123"] {
            let a = tiered(
                d(base),
                &[d("0.2"), d("0.2"), d("0.2")],
                &[d("1000"), d("5000000")],
            );
            let b = tiered(d(base), &[d("0.2")], &[]);
            assert_eq!(a, b, "base {base}");
        }
    }

    #[test]
    fn bracket_tiers_charge_one_rate_on_the_whole_figure() {
        let rates = [d("0.03"), d("0.04"), d("0.05")];
        let thresholds = [d("10000000"), d("25000000")];
        // At a threshold the lower bracket still applies ("up to" includes it).
        assert_eq!(
            bracketed(d("10000000"), &rates, &thresholds),
            Some(d("300000"))
        );
        assert_eq!(
            bracketed(d("18500000"), &rates, &thresholds),
            Some(d("740000"))
        );
        assert_eq!(
            bracketed(d("30000000"), &rates, &thresholds),
            Some(d("1500000"))
        );
        assert_eq!(bracketed(d("-5"), &rates, &thresholds), Some(d("0")));
        // One rate: brackets and marginal tiers agree.
        assert_eq!(
            bracketed(d("123.45"), &[d("0.2")], &[]),
            tiered(d("123.45"), &[d("0.2")], &[])
        );
    }

    #[test]
    fn escalators_compound_from_the_rounded_year_before() {
        let usd = Currency::iso(*b"USD");
        let fee = |year| escalated(d("100000"), d("0.03"), 6, year, usd);
        assert_eq!(fee(1), Some(d("100000")));
        assert_eq!(fee(5), Some(d("100000")));
        assert_eq!(fee(6), Some(d("103000")));
        assert_eq!(fee(8), Some(d("109272.70")));
        // 109,272.70 x 1.03 = 112,550.881, rounded to the cent before year 10.
        assert_eq!(fee(9), Some(d("112550.88")));
        assert_eq!(fee(10), Some(d("115927.41")));
        // Yen have no minor unit: each year is rounded to whole yen.
        let yen = escalated(d("1000"), d("0.025"), 2, 3, Currency::iso(*b"JPY"));
        assert_eq!(yen, Some(d("1051")));
    }

    #[test]
    fn credits_are_used_oldest_first_and_expire() {
        let day = |s: &str| Date::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let mut r = Running::new(&[]);
        r.add(d("50"), Some(day("2026-12-31")));
        r.add(d("30"), None);
        r.add(Decimal::ZERO, None);
        assert_eq!(r.balance(), d("80"));
        // Oldest first: 40 comes out of the first credit.
        assert_eq!(r.take(d("40")), d("40"));
        assert_eq!(r.lots.first().map(|l| l.0), Some(d("10")));
        // The first credit's time runs out before a period ending in 2027.
        assert_eq!(r.expire(day("2027-12-31")), d("10"));
        assert_eq!(r.take(d("100")), d("30"));
        assert_eq!(r.balance(), Decimal::ZERO);
    }

    #[test]
    fn negative_base_owes_nothing() {
        assert_eq!(tiered(d("-100"), &[d("0.2")], &[]), Some(Decimal::ZERO));
    }
}
