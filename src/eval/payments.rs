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

use super::outcome::{Accrual, Limit, OccurrenceData};
use super::program::Program;

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
    let mut out = Vec::new();
    for (cid, clause) in program.model.clauses.iter().enumerate() {
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
        for k in 0..payment_count {
            accrue_payment(program, plan, cid, k, stop, notes, &mut out)?;
        }
    }
    Ok(out)
}

/// What has accrued so far under one payment statement, across all its versions.
struct Running {
    total: Decimal,
    /// For cumulative tiers: the metric counted so far (in-force days only).
    metric_total: Decimal,
    /// For cumulative tiers: what the tiers have given so far, before floors and caps.
    tiers_owed: Decimal,
    /// For `recouping … first`: how much of the advance has been recouped so far.
    recouped: Decimal,
}

fn accrue_payment(
    program: &Program<'_>,
    plan: &Plan,
    cid: ClauseId,
    k: usize,
    stop: Option<Date>,
    notes: &mut Vec<String>,
    out: &mut Vec<Accrual>,
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
    let mut running = Running {
        total: Decimal::ZERO,
        metric_total: Decimal::ZERO,
        tiers_owed: Decimal::ZERO,
        recouped: Decimal::ZERO,
    };

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
            let amount = program.money(amount, payment.currency)?;
            let terms = match cause.and_then(|c| model.events.get(c)) {
                Some(e) => format!("fixed sum {amount} on termination caused by {}", e.name),
                None => format!("fixed sum {amount}"),
            };
            let period = Period {
                start: date,
                end: date,
                unit: PeriodUnit::Month,
                ordinal: 0,
            };
            let mut accrual = settle(
                program,
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
    let mut count = 0usize;
    let mut missing: Vec<Period> = Vec::new();
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
                    },
                    &mut running,
                    &mut missing,
                )?;
                accrual.payment = k;
                out.push(accrual);
            }
        }
        match period.next(model.anchors()) {
            Some(next) => period = next,
            None => break,
        }
    }
    if !missing.is_empty() {
        notes.push(format!(
            "{}: no figure was given for {}, so nothing (or only the floor) is owed for {}",
            clause.name,
            join_runs(&missing),
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
        let context = super::formula::Context {
            params: &program.params,
            figures: Some((model, &plan.figures)),
            events: Some(&plan.events),
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
        let period = Period {
            start: e.date,
            end: e.date,
            unit: PeriodUnit::Month,
            ordinal: 0,
        };
        // A formula that comes out below zero (a deductible larger than the claim) owes nothing.
        let owed = computed.amount.max(Decimal::ZERO);
        let mut accrual = settle(
            program,
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
            format!("{} on each {name}", super::formula::describe(model, amount)),
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

/// The metric's figure for a payment period: figures overlapping it, each counted pro-rata by days.
fn metric_base(plan: &Plan, metric: MetricId, period: Period, currency: Currency) -> Option<Money> {
    let from = period
        .start
        .checked_sub_days(chrono::Days::new(400))
        .unwrap_or(period.start);
    let mut total = Decimal::ZERO;
    let mut any = false;
    for (_, f) in plan.figures.range((metric, from)..=(metric, period.end)) {
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
}

/// A fixed sum or commitment after its escalator, with the escalator in words
/// (`USD 100,000 increasing 3% each contract year from year 6`) and the contract year.
fn escalate(
    program: &Program<'_>,
    payment: &Payment,
    amount: Money,
    last_active: Date,
) -> Result<(Money, String, Option<u32>), Diagnostic> {
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

#[allow(clippy::too_many_arguments)]
fn period_accrual(
    program: &Program<'_>,
    plan: &Plan,
    clause: &Clause,
    version: usize,
    payment: &Payment,
    at: PeriodDays,
    running: &mut Running,
    missing: &mut Vec<Period>,
) -> Result<Accrual, Diagnostic> {
    let PeriodDays {
        period,
        days,
        last_active,
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
    let (computed, currency, base, metric_name, figure_missing, terms) = match &payment.charge {
        Charge::Share {
            metric,
            rates,
            thresholds,
        } => {
            let m = program.model.metrics.get(*metric);
            let currency = m.map_or(Currency(*b"XXX"), |m| m.currency);
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
            let base = metric_base(plan, *metric, period, currency);
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
            let currency = m.map_or(Currency(*b"XXX"), |m| m.currency);
            let commitment = program.money(commitment, Some(currency))?;
            let (commitment, shown, year) = escalate(program, payment, commitment, last_active)?;
            let name = m.map(|m| m.name.clone());
            let mut terms = format!(
                "shortfall of {} below {shown}",
                name.as_deref().unwrap_or("?")
            );
            if let Some(year) = year {
                // The year's commitment is not otherwise visible once the figure exceeds it.
                terms.push_str(&format!(" ({commitment} in contract year {year})"));
            }
            let base = metric_base(plan, *metric, period, currency);
            let computed = match base {
                Some(b) => fraction((commitment.amount - b.amount).max(Decimal::ZERO))
                    .ok_or_else(|| overflow(span))?,
                None => {
                    missing.push(period);
                    Decimal::ZERO
                }
            };
            (computed, currency, base, name, base.is_none(), terms)
        }
        // Paid per occurrence, never per period (see `occurrences`).
        Charge::OnEach { .. } => (
            Decimal::ZERO,
            payment.currency.unwrap_or(Currency(*b"XXX")),
            None,
            None,
            false,
            String::new(),
        ),
        Charge::Fixed { amount, .. } => {
            let amount = program.money(amount, payment.currency)?;
            let (amount, shown, _) = escalate(program, payment, amount, last_active)?;
            (
                fraction(amount.amount).ok_or_else(|| overflow(span))?,
                amount.currency,
                None,
                None,
                false,
                format!("fixed sum {shown}"),
            )
        }
    };
    let label = period.long_label();
    let terms = match &payment.recoup {
        Some(advance) => format!(
            "{terms}, recouping {} first",
            program.money(advance, Some(currency))?
        ),
        None => terms,
    };
    settle(
        program,
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
    )
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
    running: &mut Running,
    terms: String,
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
    if let Some(floor) = &payment.floor {
        let floor = scale(program.money(floor, Some(currency))?.amount)?;
        if owed < floor {
            owed = floor;
            limits.push(Limit::Floor);
        }
    }
    if let Some(cap) = &payment.cap_per {
        let cap = scale(program.money(cap, Some(currency))?.amount)?;
        if owed > cap {
            owed = cap;
            limits.push(Limit::PeriodCap);
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
    let due = match &payment.due {
        Some(d) => program
            .duration(d)?
            .after_skipping(period.end, &program.model.holidays)
            .unwrap_or(period.end),
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
        let usd = Currency(*b"USD");
        let fee = |year| escalated(d("100000"), d("0.03"), 6, year, usd);
        assert_eq!(fee(1), Some(d("100000")));
        assert_eq!(fee(5), Some(d("100000")));
        assert_eq!(fee(6), Some(d("103000")));
        assert_eq!(fee(8), Some(d("109272.70")));
        // 109,272.70 x 1.03 = 112,550.881, rounded to the cent before year 10.
        assert_eq!(fee(9), Some(d("112550.88")));
        assert_eq!(fee(10), Some(d("115927.41")));
        // Yen have no minor unit: each year is rounded to whole yen.
        let yen = escalated(d("1000"), d("0.025"), 2, 3, Currency(*b"JPY"));
        assert_eq!(yen, Some(d("1051")));
    }

    #[test]
    fn negative_base_owes_nothing() {
        assert_eq!(tiered(d("-100"), &[d("0.2")], &[]), Some(Decimal::ZERO));
    }
}
