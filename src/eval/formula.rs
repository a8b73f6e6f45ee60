//! Computing `let` values once a scenario's params are bound.
//!
//! Lets are params with a formula (see [`crate::check::model::RFormula`]); they
//! are computed in declaration order, so each sees the params and the lets
//! above it. Arithmetic is exact: amounts keep every digit until a `rounded`
//! says otherwise, and an overflow or a division by zero is a diagnostic,
//! never a wrapped or infinite value.

use chrono::{Datelike, Months};
use rust_decimal::{Decimal, RoundingStrategy};

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::calendar::{Date, Duration, DurationUnit, Period};
use crate::check::model::{
    AggregateSource, MetricId, Model, RAggregate, RFormula, RWindow, Value, ValueRef,
};
use crate::check::scenario::{Figure, PlanEvent, PlanEventKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::money::{Money, Rate};
use crate::source::Span;
use crate::syntax::ast::{AggregateFn, ArithOp, CmpOp, RoundMode, RoundTarget};

/// A scenario's metric figures, by (metric, period start), as planned.
pub type Figures = BTreeMap<(MetricId, Date), Figure>;

/// What a formula may read besides literals: the bound params, and (for
/// aggregates) the contract's metrics and the scenario's figures.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Param and let values by param id.
    pub params: &'a [Value],
    /// The model and the figures; `None` where no scenario is known (aggregates then have no value).
    pub figures: Option<(&'a Model, &'a Figures)>,
    /// The scenario's events, in date order (for the dates of declared events).
    pub events: Option<&'a [PlanEvent]>,
    /// The payment period an amount is computed for (`None` outside payments).
    pub period: Option<&'a PeriodContext<'a>>,
    /// The occurrence a payment `on each EVENT` is being computed for: its
    /// data is `EVENT.ARG`, and its day is what `EVENT` means (see [`event_date`]).
    pub occurrence: Option<Occurrence<'a>>,
}

/// One occurrence of a declared event, as a formula computed for it sees it.
#[derive(Clone, Copy, Debug)]
pub struct Occurrence<'a> {
    /// The event.
    pub event: usize,
    /// Its day.
    pub date: Date,
    /// Its data, in declaration order.
    pub args: &'a [Value],
}

/// What an amount computed per payment period knows of its period.
pub struct PeriodContext<'a> {
    /// The payment period.
    pub period: Period,
    /// What the clauses computed before this one owe, period by period (for
    /// `payments under CLAUSE`).
    pub accruals: &'a [super::outcome::Accrual],
    /// The contract's last day, when a termination ends it.
    pub terminated: Option<Date>,
    /// Lets already computed for this period, by param id.
    memo: RefCell<BTreeMap<usize, Value>>,
    /// Metrics read for the period: (metric, its figure, whether one was given).
    pub figures_read: RefCell<Vec<(MetricId, Money, bool)>>,
}

impl<'a> PeriodContext<'a> {
    /// A fresh context for one payment period.
    pub fn new(
        period: Period,
        accruals: &'a [super::outcome::Accrual],
        terminated: Option<Date>,
    ) -> Self {
        PeriodContext {
            period,
            accruals,
            terminated,
            memo: RefCell::new(BTreeMap::new()),
            figures_read: RefCell::new(Vec::new()),
        }
    }

    /// The lets computed for the period, by param id.
    pub fn lets(&self) -> Vec<(usize, Value)> {
        self.memo
            .borrow()
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect()
    }
}

/// Computes every let from the bound params (and the scenario's figures), in place.
pub fn bind_lets(
    model: &Model,
    figures: Option<&Figures>,
    params: &mut [Value],
) -> Result<(), Diagnostic> {
    bind_lets_with_events(model, figures, None, params)
}

/// [`bind_lets`], also knowing the scenario's events (for lets that use the
/// date of a declared event).
pub fn bind_lets_with_events(
    model: &Model,
    figures: Option<&Figures>,
    events: Option<&[PlanEvent]>,
    params: &mut [Value],
) -> Result<(), Diagnostic> {
    for (i, param) in model.params.iter().enumerate() {
        let Some(formula) = &param.formula else {
            continue;
        };
        // Computed for each payment period, when the payment accrues.
        if param.periodic {
            continue;
        }
        let context = Context {
            params,
            figures: figures.map(|f| (model, f)),
            events,
            period: None,
            occurrence: None,
        };
        let value = compute(formula, &context).map_err(|(span, code, message)| {
            Diagnostic::error(code, span, message)
                .with_label(format!("cannot be computed for `{}`", param.name))
                .with_help("check the params this formula uses (a scenario may have set them)")
        })?;
        if let Some(slot) = params.get_mut(i) {
            *slot = value;
        }
    }
    Ok(())
}

/// The day an event's name stands for in a formula: in a formula computed
/// for an occurrence of that event, the occurrence's day; otherwise the day
/// of the event's first occurrence in the scenario, if it has one. Every
/// reading of an event's date in a formula goes through here.
pub fn event_date(event: usize, cx: &Context<'_>) -> Option<Date> {
    if let Some(o) = cx.occurrence.filter(|o| o.event == event) {
        return Some(o.date);
    }
    cx.events?
        .iter()
        .find(|e| matches!(&e.kind, PlanEventKind::Event { event: x, .. } if *x == event))
        .map(|e| e.date)
}

/// Whether a formula uses the date of an event that does not occur.
fn missing_event(f: &RFormula, cx: &Context<'_>) -> bool {
    match f {
        RFormula::EventDate(e, _) => event_date(*e, cx).is_none(),
        RFormula::EventArg(e, _, _) => cx.occurrence.is_none_or(|o| o.event != *e),
        RFormula::Binary(_, a, b, _) | RFormula::Compare(a, _, b, _) => {
            missing_event(a, cx) || missing_event(b, cx)
        }
        RFormula::ShareOf(_, of, _) => missing_event(of, cx),
        RFormula::Extremum(_, terms, _) => terms.iter().any(|t| missing_event(t, cx)),
        RFormula::Round(inner, ..) => missing_event(inner, cx),
        RFormula::Value(..)
        | RFormula::Aggregate(_)
        | RFormula::Figure(..)
        | RFormula::PeriodStart(_)
        | RFormula::Termination(_) => false,
    }
}

/// Whether a term of `greater of` / `lesser of` takes an average, minimum or
/// maximum over a window with nothing in it (the term is then left out).
fn empty_aggregate(f: &RFormula, cx: &Context<'_>) -> Result<bool, Failure> {
    Ok(match f {
        RFormula::Aggregate(a) => {
            a.function != AggregateFn::Sum
                && a.function != AggregateFn::Count
                && aggregate(a, cx)?.is_none()
        }
        RFormula::Binary(_, a, b, _) => empty_aggregate(a, cx)? || empty_aggregate(b, cx)?,
        RFormula::ShareOf(_, of, _) | RFormula::Round(of, ..) => empty_aggregate(of, cx)?,
        _ => false,
    })
}

/// Why a formula could not be computed: where, which code, and the message.
type Failure = (Span, Code, String);

fn fail<T>(span: Span, message: impl Into<String>) -> Result<T, Failure> {
    Err((span, Code::FormulaError, message.into()))
}

/// The value of a formula under bound params.
pub fn compute(f: &RFormula, cx: &Context<'_>) -> Result<Value, Failure> {
    match f {
        RFormula::Value(ValueRef::Param(p), span) if cx.period.is_some() => param_in_period(*p, cx, *span),
        RFormula::Value(v, span) => value(v, cx.params, *span),
        RFormula::Aggregate(a) => match aggregate(a, cx)? {
            Some(v) => Ok(v),
            None => fail(a.span, empty_message(a, cx)),
        },
        RFormula::Figure(m, span) => figure(*m, cx, *span),
        RFormula::PeriodStart(span) => match cx.period {
            Some(pc) => Ok(Value::Date(pc.period.start)),
            None => fail(*span, "`this period` needs a payment period"),
        },
        RFormula::Termination(span) => match cx.period.map(|pc| pc.terminated) {
            Some(Some(last)) => last
                .succ_opt()
                .map_or_else(|| fail(*span, "the date falls outside the calendar"), |d| Ok(Value::Date(d))),
            Some(None) => fail(
                *span,
                "the contract is not ended by a termination in this scenario, so `termination` has no date",
            ),
            None => fail(*span, "`termination` is known only when payments accrue"),
        },
        RFormula::EventArg(e, i, span) => match cx
            .occurrence
            .filter(|o| o.event == *e)
            .and_then(|o| o.args.get(*i))
        {
            Some(v) => Ok(v.clone()),
            None => fail(
                *span,
                "this reads the data of an occurrence, but none is being paid for",
            ),
        },
        RFormula::EventDate(e, span) => match event_date(*e, cx) {
            Some(d) => Ok(Value::Date(d)),
            None => fail(
                *span,
                "the event does not occur in this scenario, so it has no date",
            ),
        },
        RFormula::Binary(op, a, b, span) => {
            let va = compute(a, cx)?;
            let vb = compute(b, cx)?;
            binary(*op, va, vb, *span)
        }
        RFormula::ShareOf(rate, of, span) => {
            let Value::Percent(Rate(r)) = value(rate, cx.params, *span)? else {
                return fail(*span, "the share is not a percentage");
            };
            let fraction = r / Decimal::ONE_HUNDRED;
            match compute(of, cx)? {
                Value::Money(m) => Ok(Value::Money(Money::new(
                    m.currency,
                    mul(m.amount, fraction, *span)?,
                ))),
                Value::Number(n) => Ok(Value::Number(mul(n, fraction, *span)?)),
                Value::Percent(Rate(p)) => Ok(Value::Percent(Rate(mul(p, fraction, *span)?))),
                _ => fail(*span, "a percentage is taken of an amount or a number"),
            }
        }
        RFormula::Extremum(greater, terms, span) => {
            let mut best: Option<Value> = None;
            for term in terms {
                // `earlier of` leaves out an event that does not occur; `later of` cannot.
                if !*greater && missing_event(term, cx) {
                    continue;
                }
                // A minimum, maximum or average over a window with nothing in
                // it is left out, as long as another term has a value.
                if empty_aggregate(term, cx)? {
                    continue;
                }
                let v = compute(term, cx)?;
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let ordering = order(&b, &v, term.span())?;
                        let take_new = if *greater {
                            ordering == std::cmp::Ordering::Less
                        } else {
                            ordering == std::cmp::Ordering::Greater
                        };
                        if take_new {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            best.map_or_else(
                || {
                    fail(
                        *span,
                        "none of these has a value (an event that does not occur, or a window with nothing in it)",
                    )
                },
                Ok,
            )
        }
        RFormula::Round(inner, mode, target, span) => round(inner, *mode, *target, cx, *span),
        RFormula::Compare(a, op, b, span) => {
            let va = compute(a, cx)?;
            let vb = compute(b, cx)?;
            let result = match op {
                CmpOp::Is => va == vb,
                CmpOp::IsNot => va != vb,
                _ => {
                    let o = order(&va, &vb, *span)?;
                    match op {
                        CmpOp::Lt => o.is_lt(),
                        CmpOp::Le => o.is_le(),
                        CmpOp::Gt => o.is_gt(),
                        _ => o.is_ge(),
                    }
                }
            };
            Ok(Value::Bool(result))
        }
    }
}

/// A let read inside a payment period: a let whose value depends on figures
/// or events is computed again for the period (its `since` windows then run
/// to the period's end, and a metric's name is its figure for the period).
fn param_in_period(p: usize, cx: &Context<'_>, span: Span) -> Result<Value, Failure> {
    let (Some(pc), Some((model, _))) = (cx.period, cx.figures) else {
        return value(&ValueRef::Param(p), cx.params, span);
    };
    let Some(formula) = model
        .params
        .get(p)
        .filter(|param| param.reads_scenario)
        .and_then(|param| param.formula.as_ref())
    else {
        return value(&ValueRef::Param(p), cx.params, span);
    };
    if let Some(v) = pc.memo.borrow().get(&p) {
        return Ok(v.clone());
    }
    let v = compute(formula, cx)?;
    pc.memo.borrow_mut().insert(p, v.clone());
    Ok(v)
}

/// Whether a formula reads figures or events (directly or through a let), so
/// that its value within a payment period may differ from its value for the scenario.
pub fn reads_scenario(f: &RFormula, model: &Model) -> bool {
    // A let's own flag is worked out when it is declared, so this never
    // walks a chain of lets more than once.
    let param = |v: &ValueRef| match v {
        ValueRef::Param(p) => model.params.get(*p).is_some_and(|p| p.reads_scenario),
        ValueRef::Lit(_) => false,
    };
    match f {
        RFormula::Figure(..)
        | RFormula::Aggregate(_)
        | RFormula::EventDate(..)
        | RFormula::EventArg(..)
        | RFormula::PeriodStart(_)
        | RFormula::Termination(_) => true,
        RFormula::Value(v, _) => param(v),
        RFormula::Binary(_, a, b, _) | RFormula::Compare(a, _, b, _) => {
            reads_scenario(a, model) || reads_scenario(b, model)
        }
        RFormula::ShareOf(rate, of, _) => param(rate) || reads_scenario(of, model),
        RFormula::Extremum(_, terms, _) => terms.iter().any(|t| reads_scenario(t, model)),
        RFormula::Round(inner, ..) => reads_scenario(inner, model),
    }
}

/// A metric's figure for the payment period: the figures overlapping it, each
/// counted by its share of days, as for a share; no figure counts as zero.
fn figure(metric: MetricId, cx: &Context<'_>, span: Span) -> Result<Value, Failure> {
    let (Some(pc), Some((model, figures))) = (cx.period, cx.figures) else {
        return fail(
            span,
            "a metric's name outside an aggregate is its figure for a payment period, and there is no payment period here",
        );
    };
    let Some(m) = model.metrics.get(metric) else {
        return fail(span, "unknown metric");
    };
    let period = pc.period;
    let from = period
        .start
        .checked_sub_days(chrono::Days::new(400))
        .unwrap_or(period.start);
    let mut total = Decimal::ZERO;
    let mut any = false;
    for (_, f) in figures.range((metric, from)..=(metric, period.end)) {
        let s = f.period.start.max(period.start);
        let e = f.period.end.min(period.end);
        if s > e {
            continue;
        }
        any = true;
        let overlap = (e - s).num_days() + 1;
        let length = f.period.days();
        let part = if overlap == length {
            f.amount.amount
        } else {
            div(
                mul(f.amount.amount, Decimal::from(overlap), span)?,
                Decimal::from(length),
                span,
            )?
        };
        total = add(total, part, span)?;
    }
    let money = Money::new(m.currency, total);
    let mut read = pc.figures_read.borrow_mut();
    if !read.iter().any(|(x, _, _)| *x == metric) {
        read.push((metric, money, any));
    }
    Ok(Value::Money(money))
}

fn empty_message(a: &RAggregate, cx: &Context<'_>) -> String {
    let what = match a.function {
        AggregateFn::Average => "average",
        AggregateFn::Minimum => "minimum",
        _ => "maximum",
    };
    let name = cx
        .figures
        .and_then(|(model, _)| match a.source {
            AggregateSource::Metric(m) => model.metrics.get(m).map(|m| m.name.clone()),
            AggregateSource::Event(e) | AggregateSource::EventArg(e, _) => {
                model.events.get(e).map(|e| e.name.clone())
            }
            AggregateSource::Payments(c, _) => model.clauses.get(c).map(|c| c.name.clone()),
            AggregateSource::Paid(payer, payee) => Some(format!(
                "payments made by {} to {}",
                model.parties.get(payer).map_or("?", |p| p.name.as_str()),
                model.parties.get(payee).map_or("?", |p| p.name.as_str())
            )),
        })
        .unwrap_or_default();
    match a.source {
        AggregateSource::Metric(_) => {
            format!("the window covers no whole period of `{name}`, so it has no {what}")
        }
        AggregateSource::Payments(..) => {
            format!("no payment period of `{name}` starts in the window, so it has no {what}")
        }
        _ => format!("`{name}` does not occur in the window, so it has no {what}"),
    }
}

/// The days of an aggregate's window, from the first to the last (inclusive);
/// `None` as the last day for a `since` window outside a payment period (it
/// then runs to the last figure or occurrence).
fn window_days(
    a: &RAggregate,
    cx: &Context<'_>,
    model: &Model,
) -> Result<(Date, Option<Date>), Failure> {
    let span = a.span;
    let day = |f: &RFormula| -> Result<Date, Failure> {
        match compute(f, cx)? {
            Value::Date(d) => Ok(d),
            _ => fail(span, "the window's day is not a date"),
        }
    };
    let period = cx.period.map(|pc| pc.period);
    match &a.window {
        RWindow::Before(length, before) => {
            let before = day(before)?;
            let Value::Duration(length) = value(length, cx.params, span)? else {
                return fail(span, "the window's length is not a duration");
            };
            let Some(first) = length.before(before) else {
                return fail(span, "the window starts before the calendar does");
            };
            let Some(last) = before.pred_opt() else {
                return fail(span, "the window ends before the calendar does");
            };
            Ok((first, Some(last)))
        }
        RWindow::Since(since) => {
            let first = match since {
                Some(f) => day(f)?,
                None => model.effective,
            };
            // Within a payment period, a running total up to the period's end.
            Ok((first, period.map(|p| p.end)))
        }
        RWindow::Current(unit) => {
            let Some(p) = period else {
                return fail(
                    span,
                    "a window of the current period needs a payment period",
                );
            };
            let first = match unit {
                None => p.start,
                Some(u) => {
                    Period::containing(*u, p.start, model.anchors()).map_or(p.start, |c| c.start)
                }
            };
            Ok((first, Some(p.end)))
        }
    }
}

/// An aggregate over its window: of a metric's figures (the metric's periods
/// the window covers, wholly or in part when counted pro rata by days, a
/// missing figure counting as zero, as it does for payments), or of an
/// event's occurrences on the window's days. `None` when an average, minimum
/// or maximum has nothing to work on.
fn aggregate(a: &RAggregate, cx: &Context<'_>) -> Result<Option<Value>, Failure> {
    let span = a.span;
    let Some((model, figures)) = cx.figures else {
        return fail(span, "an aggregate needs a scenario's figures");
    };
    let (first, last) = window_days(a, cx, model)?;
    let metric_id = match a.source {
        AggregateSource::Metric(m) => m,
        AggregateSource::Event(e) => return Ok(Some(occurrences(a, e, None, first, last, cx)?)),
        AggregateSource::EventArg(e, i) => {
            return occurrences_of(a, e, i, first, last, cx);
        }
        AggregateSource::Payments(c, _) => return payments_in_window(a, c, first, last, cx),
        AggregateSource::Paid(payer, payee) => {
            return paid_in_window(a, payer, payee, first, last, cx, model)
        }
    };
    let Some(metric) = model.metrics.get(metric_id) else {
        return fail(span, "unknown metric");
    };
    // An open window runs to the last figure given for the metric.
    let last = match last {
        Some(l) => l,
        None => figures
            .range((metric_id, Date::MIN)..=(metric_id, Date::MAX))
            .map(|(_, f)| f.period.end)
            .max()
            .unwrap_or(first),
    };
    let zero = Decimal::ZERO;
    let (mut sum, mut covered, mut counted) = (zero, zero, zero);
    let mut extremes: Option<(Decimal, Decimal)> = None;
    let mut period = Period::containing(metric.unit, first, model.anchors());
    let mut steps = 0usize;
    while let Some(p) = period {
        if p.start > last {
            break;
        }
        steps += 1;
        if steps > MAX_WINDOW_PERIODS {
            return fail(
                span,
                format!("the window covers more than {MAX_WINDOW_PERIODS} periods of the metric"),
            );
        }
        let overlap = (p.end.min(last) - p.start.max(first)).num_days() + 1;
        let whole = overlap == p.days();
        if overlap > 0 && (whole || a.pro_rata) {
            let weight = if whole {
                Decimal::ONE
            } else {
                Decimal::from(overlap) / Decimal::from(p.days())
            };
            let figure = figures.get(&(metric_id, p.start));
            let amount = mul(figure.map_or(zero, |f| f.amount.amount), weight, span)?;
            sum = add(sum, amount, span)?;
            covered = add(covered, weight, span)?;
            if figure.is_some() {
                counted = add(counted, weight, span)?;
            }
            extremes = Some(match extremes {
                None => (amount, amount),
                Some((low, high)) => (low.min(amount), high.max(amount)),
            });
        }
        period = p.next(model.anchors());
    }
    let money = |amount: Decimal| Value::Money(Money::new(metric.currency, amount));
    Ok(match a.function {
        AggregateFn::Sum => Some(money(sum)),
        AggregateFn::Count => Some(Value::Number(counted)),
        AggregateFn::Average if covered.is_zero() => None,
        AggregateFn::Average => Some(money(div(sum, covered, span)?)),
        AggregateFn::Minimum | AggregateFn::Maximum => match extremes {
            None => None,
            Some((low, _)) if a.function == AggregateFn::Minimum => Some(money(low)),
            Some((_, high)) => Some(money(high)),
        },
    })
}

/// The occurrences of an event on the window's days, with their data.
fn in_window<'e>(
    event: usize,
    first: Date,
    last: Option<Date>,
    cx: &Context<'e>,
) -> impl Iterator<Item = &'e [Value]> {
    cx.events
        .unwrap_or(&[])
        .iter()
        .filter_map(move |e| match &e.kind {
            PlanEventKind::Event { event: x, args }
                if *x == event && e.date >= first && last.is_none_or(|l| e.date <= l) =>
            {
                Some(args.as_slice())
            }
            _ => None,
        })
}

/// `FN of payments under CLAUSE WINDOW`: over what the clause owes for each of
/// its payment periods that starts in the window (the day that places an
/// accrual in a period for `owes … for PERIOD` and netting).
fn payments_in_window(
    a: &RAggregate,
    clause: usize,
    first: Date,
    last: Option<Date>,
    cx: &Context<'_>,
) -> Result<Option<Value>, Failure> {
    let span = a.span;
    let (Some(pc), Some((model, _))) = (cx.period, cx.figures) else {
        return fail(
            span,
            "what a clause's payments owe is known only while payments accrue",
        );
    };
    let Some(name) = model.clauses.get(clause).map(|c| c.name.as_str()) else {
        return fail(span, "unknown clause");
    };
    let values: Vec<Value> = pc
        .accruals
        .iter()
        .filter(|x| {
            x.clause == name && x.period.start >= first && last.is_none_or(|l| x.period.start <= l)
        })
        .map(|x| Value::Money(x.owed))
        .collect();
    if a.function == AggregateFn::Count {
        return Ok(Some(Value::Number(Decimal::from(values.len()))));
    }
    let currency = model
        .clauses
        .get(clause)
        .into_iter()
        .flat_map(|c| &c.versions)
        .flat_map(|v| &v.payments)
        .find_map(|p| p.currency)
        .unwrap_or(crate::money::Currency::iso(*b"XXX"));
    fold_values(a, values, Value::Money(Money::new(currency, Decimal::ZERO)))
}

/// Sum, average, minimum or maximum of values of one kind; `None` for an
/// average, minimum or maximum of nothing.
fn fold_values(a: &RAggregate, values: Vec<Value>, zero: Value) -> Result<Option<Value>, Failure> {
    let span = a.span;
    let Some(head) = values.first().cloned() else {
        return Ok(match a.function {
            AggregateFn::Sum => Some(zero),
            _ => None,
        });
    };
    let mut best = head.clone();
    let mut sum = head;
    for v in values.iter().skip(1) {
        let o = order(&best, v, span)?;
        let take = match a.function {
            AggregateFn::Minimum => o.is_gt(),
            _ => o.is_lt(),
        };
        if take {
            best = v.clone();
        }
        sum = binary(ArithOp::Add, sum, v.clone(), span)?;
    }
    Ok(Some(match a.function {
        AggregateFn::Minimum | AggregateFn::Maximum => best,
        AggregateFn::Average => binary(
            ArithOp::Div,
            sum,
            Value::Number(Decimal::from(values.len())),
            span,
        )?,
        _ => sum,
    }))
}

/// `count of EVENT WINDOW`: how many times the event occurs in the window.
fn occurrences(
    _a: &RAggregate,
    event: usize,
    _arg: Option<usize>,
    first: Date,
    last: Option<Date>,
    cx: &Context<'_>,
) -> Result<Value, Failure> {
    Ok(Value::Number(Decimal::from(
        in_window(event, first, last, cx).count(),
    )))
}

/// `sum|average|minimum|maximum|count of EVENT.ARG WINDOW`: over the argument's
/// values in the occurrences on the window's days.
fn occurrences_of(
    a: &RAggregate,
    event: usize,
    arg: usize,
    first: Date,
    last: Option<Date>,
    cx: &Context<'_>,
) -> Result<Option<Value>, Failure> {
    if a.function == AggregateFn::Count {
        return occurrences(a, event, Some(arg), first, last, cx).map(Some);
    }
    let values: Vec<Value> = in_window(event, first, last, cx)
        .filter_map(|args| args.get(arg).cloned())
        .collect();
    // Nothing to add up is zero of the argument's kind: in the currency the
    // scenario uses for it elsewhere, when it is money.
    let zero = match in_window(event, Date::MIN, None, cx).find_map(|args| args.get(arg)) {
        Some(Value::Money(m)) => Value::Money(Money::new(m.currency, Decimal::ZERO)),
        _ => Value::Number(Decimal::ZERO),
    };
    fold_values(a, values, zero)
}

/// What the scenario records as paid by `payer` to `payee` on the window's
/// days (`on DATE PARTY pays PARTY MONEY`). With nothing paid, a sum is zero in
/// the currency the two use elsewhere in the scenario or the contract.
fn paid_in_window(
    a: &RAggregate,
    payer: usize,
    payee: usize,
    first: Date,
    last: Option<Date>,
    cx: &Context<'_>,
    model: &Model,
) -> Result<Option<Value>, Failure> {
    let paid = |e: &&PlanEvent| match &e.kind {
        PlanEventKind::Pays {
            payer: p,
            payee: q,
            amount,
        } if *p == payer && *q == payee => Some(*amount),
        _ => None,
    };
    let events = cx.events.unwrap_or(&[]);
    let values: Vec<Value> = events
        .iter()
        .filter(|e| e.date >= first && last.is_none_or(|l| e.date <= l))
        .filter_map(|e| paid(&e))
        .map(Value::Money)
        .collect();
    if a.function == AggregateFn::Count {
        return Ok(Some(Value::Number(Decimal::from(values.len()))));
    }
    let currency = events
        .iter()
        .find_map(|e| paid(&e))
        .map(|m| m.currency)
        .or_else(|| {
            model
                .clauses
                .iter()
                .flat_map(|c| &c.versions)
                .flat_map(|v| &v.payments)
                .find(|p| p.payer == payer && p.payee == payee)
                .and_then(|p| p.currency)
        });
    let zero = match currency {
        Some(c) => Value::Money(Money::new(c, Decimal::ZERO)),
        None => Value::Number(Decimal::ZERO),
    };
    fold_values(a, values, zero)
}

/// A formula written back in words, for a payment's terms in reports:
/// `greater of (USD 250,000, 8% of net_sales)`.
pub fn show_formula(f: &RFormula, model: &Model) -> String {
    let value = |v: &ValueRef| match v {
        ValueRef::Lit(v) => model.show_value(v),
        ValueRef::Param(p) => model
            .params
            .get(*p)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
    };
    let nested = |f: &RFormula| match f {
        RFormula::Binary(..) | RFormula::Compare(..) | RFormula::Round(..) => {
            format!("({})", show_formula(f, model))
        }
        _ => show_formula(f, model),
    };
    match f {
        RFormula::Value(ValueRef::Param(p), _)
            if model.params.get(*p).is_some_and(|p| p.hidden) =>
        {
            model
                .params
                .get(*p)
                .and_then(|p| p.formula.as_ref())
                .map(|f| show_formula(f, model))
                .unwrap_or_default()
        }
        RFormula::Value(v, _) => value(v),
        RFormula::Figure(m, _) => model
            .metrics
            .get(*m)
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        RFormula::EventDate(e, _) => model
            .events
            .get(*e)
            .map(|e| e.name.clone())
            .unwrap_or_default(),
        RFormula::PeriodStart(_) => "this period".to_owned(),
        RFormula::Termination(_) => "termination".to_owned(),
        RFormula::Binary(op, a, b, _) => {
            let op = match op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
                ArithOp::Mul => "×",
                ArithOp::Div => "÷",
            };
            format!("{} {op} {}", nested(a), nested(b))
        }
        RFormula::ShareOf(rate, of, _) => match of.as_ref() {
            RFormula::Aggregate(_) => format!("{} of ({})", value(rate), show_formula(of, model)),
            _ => format!("{} of {}", value(rate), nested(of)),
        },
        RFormula::Extremum(greater, terms, _) => format!(
            "{} of ({})",
            if *greater { "greater" } else { "lesser" },
            terms
                .iter()
                .map(|t| show_formula(t, model))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        RFormula::Round(inner, mode, target, _) => {
            let mode = match mode {
                RoundMode::Down => "down",
                RoundMode::Up => "up",
                RoundMode::HalfUp => "half-up",
                RoundMode::HalfEven => "half-even",
            };
            let target = match target {
                RoundTarget::Cents => "cents".to_owned(),
                RoundTarget::WholeUnits => "whole units".to_owned(),
                RoundTarget::Places(n) => format!("{n} decimal places"),
                RoundTarget::Whole(u) => format!(
                    "whole {}s",
                    Duration { count: 1, unit: *u }
                        .to_string()
                        .trim_start_matches("1 ")
                ),
            };
            format!("{} rounded {mode} to {target}", nested(inner))
        }
        RFormula::Compare(a, op, b, _) => {
            let op = match op {
                CmpOp::Is => "is",
                CmpOp::IsNot => "is not",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            };
            format!("{} {op} {}", nested(a), nested(b))
        }
        RFormula::EventArg(e, i, _) => model
            .events
            .get(*e)
            .map(|e| {
                let arg = e.args.get(*i).map_or("?", |(n, _)| n.as_str());
                format!("{}.{arg}", e.name)
            })
            .unwrap_or_default(),
        RFormula::Aggregate(a) => {
            let function = match a.function {
                AggregateFn::Sum => "sum",
                AggregateFn::Average => "average",
                AggregateFn::Minimum => "minimum",
                AggregateFn::Maximum => "maximum",
                AggregateFn::Count => "count",
            };
            let source = match a.source {
                AggregateSource::Metric(m) => model
                    .metrics
                    .get(m)
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
                AggregateSource::Event(e) => model
                    .events
                    .get(e)
                    .map(|e| e.name.clone())
                    .unwrap_or_default(),
                AggregateSource::Payments(c, _) => format!(
                    "payments under {}",
                    model.clauses.get(c).map(|c| c.name.as_str()).unwrap_or("")
                ),
                AggregateSource::Paid(payer, payee) => format!(
                    "payments made by {} to {}",
                    model.parties.get(payer).map_or("", |p| p.name.as_str()),
                    model.parties.get(payee).map_or("", |p| p.name.as_str())
                ),
                AggregateSource::EventArg(e, i) => model
                    .events
                    .get(e)
                    .map(|e| {
                        format!(
                            "{}.{}",
                            e.name,
                            e.args.get(i).map(|(n, _)| n.as_str()).unwrap_or("")
                        )
                    })
                    .unwrap_or_default(),
            };
            let window = match &a.window {
                RWindow::Before(length, day) => {
                    format!(
                        "over the {} before {}",
                        value(length),
                        show_formula(day, model)
                    )
                }
                RWindow::Since(Some(day)) => format!("since {}", show_formula(day, model)),
                RWindow::Since(None) => "since effective".to_owned(),
                RWindow::Current(None) => "in this period".to_owned(),
                RWindow::Current(Some(unit)) => format!("in the current {unit}"),
            };
            format!("{function} of {source} {window}")
        }
    }
}

/// The most periods of a metric one aggregate's window may cover (a century of days).
const MAX_WINDOW_PERIODS: usize = 36_600;

fn value(v: &ValueRef, params: &[Value], span: Span) -> Result<Value, Failure> {
    match v {
        ValueRef::Lit(v) => Ok(v.clone()),
        ValueRef::Param(p) => params
            .get(*p)
            .cloned()
            .map_or_else(|| fail(span, "a param has no value"), Ok),
    }
}

fn add(a: Decimal, b: Decimal, span: Span) -> Result<Decimal, Failure> {
    a.checked_add(b)
        .map_or_else(|| fail(span, "the result is too large to represent"), Ok)
}

fn sub(a: Decimal, b: Decimal, span: Span) -> Result<Decimal, Failure> {
    a.checked_sub(b)
        .map_or_else(|| fail(span, "the result is too large to represent"), Ok)
}

fn mul(a: Decimal, b: Decimal, span: Span) -> Result<Decimal, Failure> {
    a.checked_mul(b)
        .map_or_else(|| fail(span, "the result is too large to represent"), Ok)
}

fn div(a: Decimal, b: Decimal, span: Span) -> Result<Decimal, Failure> {
    if b.is_zero() {
        return fail(span, "this divides by zero");
    }
    a.checked_div(b)
        .map_or_else(|| fail(span, "the result is too large to represent"), Ok)
}

/// Amounts of one currency, or the currency mismatch a required param can still bring.
fn same_currency(a: Money, b: Money, span: Span) -> Result<(), Failure> {
    if a.currency == b.currency {
        Ok(())
    } else {
        Err((
            span,
            Code::CurrencyMismatch,
            format!(
                "this formula mixes {} and {} (as the params are set)",
                a.currency, b.currency
            ),
        ))
    }
}

fn binary(op: ArithOp, a: Value, b: Value, span: Span) -> Result<Value, Failure> {
    use Value::{Date as D, Duration as Du, Money as M, Number as N, Percent as P};
    let fraction = |r: Rate| r.0 / Decimal::ONE_HUNDRED;
    Ok(match (op, a, b) {
        // A quantity times a price per unit is money; money over a quantity is a price per unit.
        (ArithOp::Mul, M(q), M(price)) | (ArithOp::Mul, M(price), M(q))
            if q.currency.is_quantity() && !price.currency.is_quantity() =>
        {
            M(Money::new(
                price.currency,
                mul(q.amount, price.amount, span)?,
            ))
        }
        (ArithOp::Div, M(total), M(q))
            if q.currency.is_quantity() && !total.currency.is_quantity() =>
        {
            M(Money::new(
                total.currency,
                div(total.amount, q.amount, span)?,
            ))
        }
        (ArithOp::Add, M(x), M(y)) => {
            same_currency(x, y, span)?;
            M(Money::new(x.currency, add(x.amount, y.amount, span)?))
        }
        (ArithOp::Sub, M(x), M(y)) => {
            same_currency(x, y, span)?;
            M(Money::new(x.currency, sub(x.amount, y.amount, span)?))
        }
        (ArithOp::Add, N(x), N(y)) => N(add(x, y, span)?),
        (ArithOp::Sub, N(x), N(y)) => N(sub(x, y, span)?),
        (ArithOp::Add, P(x), P(y)) => P(Rate(add(x.0, y.0, span)?)),
        (ArithOp::Sub, P(x), P(y)) => P(Rate(sub(x.0, y.0, span)?)),
        (ArithOp::Add, D(d), Du(du)) | (ArithOp::Add, Du(du), D(d)) => D(du
            .after(d)
            .map_or_else(|| fail(span, "the date falls outside the calendar"), Ok)?),
        (ArithOp::Sub, D(d), Du(du)) => D(du
            .before(d)
            .map_or_else(|| fail(span, "the date falls outside the calendar"), Ok)?),
        (ArithOp::Sub, D(later), D(earlier)) => Du(days_between(earlier, later, span)?),
        (ArithOp::Add, Du(x), Du(y)) => Du(combine(x, y, true, span)?),
        (ArithOp::Sub, Du(x), Du(y)) => Du(combine(x, y, false, span)?),
        (ArithOp::Mul, M(m), N(n)) | (ArithOp::Mul, N(n), M(m)) => {
            M(Money::new(m.currency, mul(m.amount, n, span)?))
        }
        (ArithOp::Mul, M(m), P(r)) | (ArithOp::Mul, P(r), M(m)) => {
            M(Money::new(m.currency, mul(m.amount, fraction(r), span)?))
        }
        (ArithOp::Mul, N(x), N(y)) => N(mul(x, y, span)?),
        (ArithOp::Mul, P(r), N(n)) | (ArithOp::Mul, N(n), P(r)) => P(Rate(mul(r.0, n, span)?)),
        (ArithOp::Mul, P(x), P(y)) => P(Rate(mul(x.0, fraction(y), span)?)),
        (ArithOp::Mul, Du(d), N(n)) | (ArithOp::Mul, N(n), Du(d)) => Du(scale(d, n, span)?),
        (ArithOp::Div, M(m), N(n)) => M(Money::new(m.currency, div(m.amount, n, span)?)),
        (ArithOp::Div, M(m), P(r)) => M(Money::new(m.currency, div(m.amount, fraction(r), span)?)),
        (ArithOp::Div, M(x), M(y)) => {
            same_currency(x, y, span)?;
            N(div(x.amount, y.amount, span)?)
        }
        (ArithOp::Div, N(x), N(y)) => N(div(x, y, span)?),
        (ArithOp::Div, P(x), P(y)) => N(div(x.0, y.0, span)?),
        (ArithOp::Div, P(r), N(n)) => P(Rate(div(r.0, n, span)?)),
        // `(delivered - due) / 1 day`: how many of one duration fit in another.
        (ArithOp::Div, Du(x), Du(y)) => {
            let ((x_days, x_n), (y_days, y_n)) = (exact(x), exact(y));
            if x_days != y_days {
                return fail(
                    span,
                    "days and months do not divide exactly (months differ in length)",
                );
            }
            N(div(Decimal::from(x_n), Decimal::from(y_n), span)?)
        }
        _ => return fail(span, "these values do not combine"),
    })
}

/// The days from `earlier` to `later`, which must not be before it.
fn days_between(earlier: Date, later: Date, span: Span) -> Result<Duration, Failure> {
    let days = (later - earlier).num_days();
    match u32::try_from(days) {
        Ok(count) => Ok(Duration {
            count,
            unit: DurationUnit::Day,
        }),
        Err(_) => fail(
            span,
            format!("{earlier} is after {later}, and durations are never negative"),
        ),
    }
}

/// A duration's length in its smallest exact unit: days (for days and weeks)
/// or months (for months and years). Days and months do not convert.
fn exact(d: Duration) -> (bool, u64) {
    match d.unit {
        // Business days are written only in `due` and `within` slots, never in
        // formulas; counted as days here so that the match stays total.
        DurationUnit::Day | DurationUnit::BusinessDay => (true, u64::from(d.count)),
        DurationUnit::Week => (true, u64::from(d.count) * 7),
        DurationUnit::Month => (false, u64::from(d.count)),
        DurationUnit::Year => (false, u64::from(d.count) * 12),
    }
}

fn combine(x: Duration, y: Duration, adding: bool, span: Span) -> Result<Duration, Failure> {
    if x.unit == y.unit {
        let count = if adding {
            x.count.checked_add(y.count)
        } else {
            x.count.checked_sub(y.count)
        };
        return count.map_or_else(
            || fail(span, "the duration would be negative or too long"),
            |count| {
                Ok(Duration {
                    count,
                    unit: x.unit,
                })
            },
        );
    }
    let ((x_days, x_n), (y_days, y_n)) = (exact(x), exact(y));
    if x_days != y_days {
        return fail(
            span,
            "days and months do not add up exactly (months differ in length); add each to a date instead",
        );
    }
    let total = if adding {
        x_n.checked_add(y_n)
    } else {
        x_n.checked_sub(y_n)
    };
    let unit = if x_days {
        DurationUnit::Day
    } else {
        DurationUnit::Month
    };
    match total.and_then(|t| u32::try_from(t).ok()) {
        Some(count) => Ok(Duration { count, unit }),
        None => fail(span, "the duration would be negative or too long"),
    }
}

fn scale(d: Duration, n: Decimal, span: Span) -> Result<Duration, Failure> {
    if n.fract() != Decimal::ZERO || n.is_sign_negative() {
        return fail(
            span,
            "a duration is multiplied by a whole, non-negative number",
        );
    }
    let factor = u32::try_from(n.mantissa() / 10_i128.pow(n.scale())).ok();
    match factor.and_then(|f| d.count.checked_mul(f)) {
        Some(count) => Ok(Duration {
            count,
            unit: d.unit,
        }),
        None => fail(span, "the duration would be too long"),
    }
}

fn order(a: &Value, b: &Value, span: Span) -> Result<std::cmp::Ordering, Failure> {
    match (a, b) {
        (Value::Money(x), Value::Money(y)) => {
            same_currency(*x, *y, span)?;
            Ok(x.amount.cmp(&y.amount))
        }
        (Value::Duration(x), Value::Duration(y)) => {
            let ((x_days, x_n), (y_days, y_n)) = (exact(*x), exact(*y));
            if x_days != y_days {
                return fail(
                    span,
                    "a duration in days and one in months cannot be compared (months differ in length)",
                );
            }
            Ok(x_n.cmp(&y_n))
        }
        (x, y) if std::mem::discriminant(x) == std::mem::discriminant(y) => Ok(x.cmp(y)),
        _ => fail(span, "these values cannot be compared"),
    }
}

pub(crate) fn strategy(mode: RoundMode) -> RoundingStrategy {
    match mode {
        RoundMode::Down => RoundingStrategy::ToZero,
        RoundMode::Up => RoundingStrategy::AwayFromZero,
        RoundMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        RoundMode::HalfEven => RoundingStrategy::MidpointNearestEven,
    }
}

fn round(
    inner: &RFormula,
    mode: RoundMode,
    target: RoundTarget,
    cx: &Context<'_>,
    span: Span,
) -> Result<Value, Failure> {
    // The time between two dates rounds by the calendar, so a subtraction of
    // dates is rounded from the dates themselves rather than from its days.
    if let (RoundTarget::Whole(unit), RFormula::Binary(ArithOp::Sub, a, b, _)) = (target, inner) {
        if let (Value::Date(later), Value::Date(earlier)) = (compute(a, cx)?, compute(b, cx)?) {
            return whole_between(earlier, later, unit, mode, span).map(Value::Duration);
        }
    }
    let places = |target: RoundTarget, minor: u32| match target {
        RoundTarget::Cents => minor,
        RoundTarget::Places(p) => p,
        RoundTarget::WholeUnits | RoundTarget::Whole(_) => 0,
    };
    match compute(inner, cx)? {
        Value::Money(m) => {
            let dp = places(target, m.currency.minor_digits());
            Ok(Value::Money(Money::new(
                m.currency,
                m.amount.round_dp_with_strategy(dp, strategy(mode)),
            )))
        }
        Value::Number(n) => Ok(Value::Number(
            n.round_dp_with_strategy(places(target, 0), strategy(mode)),
        )),
        Value::Percent(Rate(r)) => Ok(Value::Percent(Rate(
            r.round_dp_with_strategy(places(target, 0), strategy(mode)),
        ))),
        Value::Duration(d) => {
            let RoundTarget::Whole(unit) = target else {
                return fail(span, "a duration rounds to whole days, months or years");
            };
            let (in_days, n) = exact(d);
            let (count, divisor) = match (in_days, unit) {
                (true, DurationUnit::Day) => (n, 1),
                (true, DurationUnit::Week) => (n, 7),
                (false, DurationUnit::Month) => (n, 1),
                (false, DurationUnit::Year) => (n, 12),
                _ => {
                    return fail(
                        span,
                        "days cannot be rounded to months or years without dates (months differ in length); round the time between two dates instead",
                    )
                }
            };
            let whole = Decimal::from(count) / Decimal::from(divisor);
            let rounded = whole.round_dp_with_strategy(0, strategy(mode));
            let count = u32::try_from(rounded.mantissa() / 10_i128.pow(rounded.scale()))
                .map_or_else(|_| fail(span, "the duration would be too long"), Ok)?;
            Ok(Value::Duration(Duration { count, unit }))
        }
        _ => fail(span, "this value cannot be rounded"),
    }
}

/// Whole days, months or years from `earlier` to `later`, counted on the
/// calendar (a month is from one day-of-month to the same day of the next,
/// clamped to the month's end) and rounded by `mode` on what is left over.
fn whole_between(
    earlier: Date,
    later: Date,
    unit: DurationUnit,
    mode: RoundMode,
    span: Span,
) -> Result<Duration, Failure> {
    if later < earlier {
        return fail(
            span,
            format!("{earlier} is after {later}, and durations are never negative"),
        );
    }
    let step_months = match unit {
        DurationUnit::Day | DurationUnit::Week | DurationUnit::BusinessDay => {
            let days = days_between(earlier, later, span)?;
            let per = if unit == DurationUnit::Week { 7 } else { 1 };
            let whole = Decimal::from(days.count) / Decimal::from(per);
            let rounded = whole.round_dp_with_strategy(0, strategy(mode));
            let count = u32::try_from(rounded.mantissa() / 10_i128.pow(rounded.scale()))
                .map_or_else(|_| fail(span, "the duration would be too long"), Ok)?;
            return Ok(Duration { count, unit });
        }
        DurationUnit::Month => 1,
        DurationUnit::Year => 12,
    };
    let mark = |n: u32| earlier.checked_add_months(Months::new(n.saturating_mul(step_months)));
    // Start from the difference of the calendar months, then settle by at
    // most a step either way (a day-of-month later in the month falls short).
    let months =
        (later.year() - earlier.year()) * 12 + later.month0() as i32 - earlier.month0() as i32;
    let mut whole = u32::try_from(months.max(0)).unwrap_or(0) / step_months;
    while whole > 0 && mark(whole).is_none_or(|d| d > later) {
        whole -= 1;
    }
    while mark(whole + 1).is_some_and(|d| d <= later) {
        whole += 1;
    }
    let (Some(floor_day), Some(next_day)) = (mark(whole), mark(whole + 1)) else {
        return fail(span, "the date falls outside the calendar");
    };
    let rest = (later - floor_day).num_days();
    let step = (next_day - floor_day).num_days();
    let up = match mode {
        RoundMode::Down => false,
        RoundMode::Up => rest > 0,
        RoundMode::HalfUp => 2 * rest >= step,
        RoundMode::HalfEven => 2 * rest > step || (2 * rest == step && whole % 2 == 1),
    };
    Ok(Duration {
        count: whole + u32::from(up),
        unit,
    })
}

/// The lets that cannot be computed with the params' defaults, as
/// `covenant check` reports them before any scenario runs. Lets that use a
/// param without a default are left to the scenarios that set it.
pub fn check_defaults(model: &Model) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut params: Vec<Value> = Vec::with_capacity(model.params.len());
    let mut known: Vec<bool> = Vec::with_capacity(model.params.len());
    for param in &model.params {
        let computed = match (&param.formula, &param.default) {
            (Some(formula), _) if uses_only(formula, &known) => match compute(
                formula,
                &Context {
                    params: &params,
                    figures: None,
                    events: None,
                    period: None,
                    occurrence: None,
                },
            ) {
                Ok(v) => Some(v),
                Err((span, code, message)) => {
                    diagnostics.push(
                            Diagnostic::error(code, span, message)
                                .with_label(format!("cannot be computed for `{}`", param.name))
                                .with_help("with the params' defaults this formula has no value; change the formula or the defaults"),
                        );
                    None
                }
            },
            (None, Some(default)) => Some(default.clone()),
            _ => None,
        };
        known.push(computed.is_some());
        params.push(computed.unwrap_or(Value::Bool(false)));
    }
    diagnostics
}

/// Whether a formula uses only params whose value is known.
fn uses_only(f: &RFormula, known: &[bool]) -> bool {
    let value_known = |v: &ValueRef| match v {
        ValueRef::Lit(_) => true,
        ValueRef::Param(p) => known.get(*p).copied().unwrap_or(false),
    };
    match f {
        RFormula::Value(v, _) => value_known(v),
        RFormula::Binary(_, a, b, _) | RFormula::Compare(a, _, b, _) => {
            uses_only(a, known) && uses_only(b, known)
        }
        RFormula::ShareOf(rate, of, _) => value_known(rate) && uses_only(of, known),
        RFormula::Extremum(_, terms, _) => terms.iter().all(|t| uses_only(t, known)),
        RFormula::Round(inner, ..) => uses_only(inner, known),
        // Figures and events come from scenarios, so `covenant check` alone cannot compute these.
        RFormula::Aggregate(_)
        | RFormula::EventDate(..)
        | RFormula::Figure(..)
        | RFormula::EventArg(..)
        | RFormula::PeriodStart(_)
        | RFormula::Termination(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use super::*;

    fn date(text: &str) -> Date {
        Date::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn months(a: &str, b: &str, mode: RoundMode) -> u32 {
        whole_between(date(a), date(b), DurationUnit::Month, mode, Span::default())
            .unwrap()
            .count
    }

    #[test]
    fn whole_months_follow_the_calendar() {
        // 2025-01-31 + 1 month clamps to 2025-02-28, so a month has passed on the 28th.
        assert_eq!(months("2025-01-31", "2025-02-27", RoundMode::Down), 0);
        assert_eq!(months("2025-01-31", "2025-02-28", RoundMode::Down), 1);
        assert_eq!(months("2025-01-01", "2027-03-10", RoundMode::Down), 26);
        assert_eq!(months("2025-01-01", "2027-03-10", RoundMode::Up), 27);
        assert_eq!(months("2025-01-01", "2025-01-01", RoundMode::Up), 0);
        // 9 of 31 days into the 27th month: nearest is 26; 16 of 31 rounds up.
        assert_eq!(months("2025-01-01", "2027-03-10", RoundMode::HalfUp), 26);
        assert_eq!(months("2025-01-01", "2027-03-17", RoundMode::HalfUp), 27);
        // Exactly half of a 30-day month: half-up goes up, half-even to the even count.
        assert_eq!(months("2025-04-01", "2025-04-16", RoundMode::HalfUp), 1);
        assert_eq!(months("2025-04-01", "2025-04-16", RoundMode::HalfEven), 0);
        assert_eq!(months("2025-03-01", "2025-04-16", RoundMode::HalfEven), 2);
    }

    #[test]
    fn a_later_start_is_an_error_not_a_negative_duration() {
        assert!(whole_between(
            date("2026-01-01"),
            date("2025-01-01"),
            DurationUnit::Month,
            RoundMode::Down,
            Span::default()
        )
        .is_err());
        assert!(days_between(date("2026-01-01"), date("2025-01-01"), Span::default()).is_err());
    }

    #[test]
    fn durations_add_only_in_units_of_fixed_length() {
        let d = |count, unit| Duration { count, unit };
        let sum = combine(
            d(1, DurationUnit::Year),
            d(1, DurationUnit::Month),
            true,
            Span::default(),
        )
        .unwrap();
        assert_eq!(sum, d(13, DurationUnit::Month));
        let sum = combine(
            d(2, DurationUnit::Week),
            d(3, DurationUnit::Day),
            true,
            Span::default(),
        )
        .unwrap();
        assert_eq!(sum, d(17, DurationUnit::Day));
        assert!(combine(
            d(1, DurationUnit::Month),
            d(3, DurationUnit::Day),
            true,
            Span::default()
        )
        .is_err());
        assert!(combine(
            d(1, DurationUnit::Day),
            d(3, DurationUnit::Day),
            false,
            Span::default()
        )
        .is_err());
    }

    #[test]
    fn money_rounds_by_the_stated_mode() {
        let usd = crate::money::Currency::parse("USD").unwrap();
        let price = Value::Money(Money::new(usd, Decimal::new(1_000_125, 3)));
        let round = |mode, target| {
            let f = RFormula::Round(
                Box::new(RFormula::Value(ValueRef::Param(0), Span::default())),
                mode,
                target,
                Span::default(),
            );
            compute(
                &f,
                &Context {
                    params: std::slice::from_ref(&price),
                    figures: None,
                    events: None,
                    period: None,
                    occurrence: None,
                },
            )
            .unwrap()
        };
        let amount = |v: Value| match v {
            Value::Money(m) => m.amount,
            _ => panic!("not money"),
        };
        assert_eq!(
            amount(round(RoundMode::HalfUp, RoundTarget::Cents)),
            Decimal::new(100_013, 2)
        );
        assert_eq!(
            amount(round(RoundMode::HalfEven, RoundTarget::Cents)),
            Decimal::new(100_012, 2)
        );
        assert_eq!(
            amount(round(RoundMode::Down, RoundTarget::WholeUnits)),
            Decimal::new(1_000, 0)
        );
        assert_eq!(
            amount(round(RoundMode::Up, RoundTarget::Places(1))),
            Decimal::new(10_002, 1)
        );
    }

    #[test]
    fn an_occurrence_gives_its_own_day_and_data() {
        use crate::check::scenario::{PlanEvent, PlanEventKind};
        let event = |e: usize, day: &str| PlanEvent {
            date: date(day),
            kind: PlanEventKind::Event {
                event: e,
                args: Vec::new(),
            },
            span: Span::default(),
        };
        let events = [
            event(0, "2026-01-10"),
            event(1, "2026-02-01"),
            event(0, "2026-03-15"),
        ];
        let data = [Value::Number(Decimal::new(25, 1))];
        let cx = Context {
            params: &[],
            figures: None,
            events: Some(&events),
            period: None,
            occurrence: Some(Occurrence {
                event: 0,
                date: date("2026-03-15"),
                args: &data,
            }),
        };
        // The event paid for is this occurrence's day; another event is its first day.
        assert_eq!(event_date(0, &cx), Some(date("2026-03-15")));
        assert_eq!(event_date(1, &cx), Some(date("2026-02-01")));
        let without = Context {
            occurrence: None,
            ..cx
        };
        assert_eq!(event_date(0, &without), Some(date("2026-01-10")));
        // `EVENT.ARG` reads the occurrence's data, and only for its own event.
        let arg = |e| RFormula::EventArg(e, 0, Span::default());
        assert_eq!(
            compute(&arg(0), &cx).ok(),
            Some(Value::Number(Decimal::new(25, 1)))
        );
        assert!(compute(&arg(1), &cx).is_err());
        assert!(compute(&arg(0), &without).is_err());
    }

    #[test]
    fn division_by_zero_is_reported() {
        let f = RFormula::Binary(
            ArithOp::Div,
            Box::new(RFormula::Value(
                ValueRef::Lit(Value::Number(Decimal::ONE)),
                Span::default(),
            )),
            Box::new(RFormula::Value(
                ValueRef::Lit(Value::Number(Decimal::ZERO)),
                Span::default(),
            )),
            Span::default(),
        );
        let Err((_, code, message)) = compute(
            &f,
            &Context {
                params: &[],
                figures: None,
                events: None,
                period: None,
                occurrence: None,
            },
        ) else {
            panic!("1 / 0 has no value")
        };
        assert_eq!(code, Code::FormulaError);
        assert!(message.contains("zero"));
    }
}
