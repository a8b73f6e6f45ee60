//! Computing `let` values once a scenario's params are bound.
//!
//! Lets are params with a formula (see [`crate::check::model::RFormula`]); they
//! are computed in declaration order, so each sees the params and the lets
//! above it. Arithmetic is exact: amounts keep every digit until a `rounded`
//! says otherwise, and an overflow or a division by zero is a diagnostic,
//! never a wrapped or infinite value.

use chrono::{Datelike, Months};
use rust_decimal::{Decimal, RoundingStrategy};

use std::collections::BTreeMap;

use crate::calendar::{Date, Duration, DurationUnit, Period};
use crate::check::model::{MetricId, Model, RAggregate, RFormula, Value, ValueRef};
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
        let context = Context {
            params,
            figures: figures.map(|f| (model, f)),
            events,
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
        RFormula::Value(..) | RFormula::Aggregate(_) => false,
    }
}

/// A formula in words, as reports show it: params and lets by name, an
/// event's data as `EVENT.ARG` (`lesser of (0.5% of delivery.value × …, …)`).
pub fn describe(model: &Model, f: &RFormula) -> String {
    let value = |v: &ValueRef| match v {
        ValueRef::Lit(v) => model.show_value(v),
        ValueRef::Param(p) => model
            .params
            .get(*p)
            .map_or_else(|| "?".to_owned(), |p| p.name.clone()),
    };
    let event = |e: usize| model.events.get(e);
    // Operands of `×` and `÷` that are sums are bracketed; so is anything rounded or compared inside.
    let inner = |g: &RFormula, tight: bool| {
        let text = describe(model, g);
        let bracket = match g {
            RFormula::Binary(op, ..) => tight && matches!(op, ArithOp::Add | ArithOp::Sub),
            RFormula::Round(..) | RFormula::Compare(..) => true,
            _ => false,
        };
        if bracket {
            format!("({text})")
        } else {
            text
        }
    };
    match f {
        RFormula::Value(v, _) => value(v),
        RFormula::EventDate(e, _) => event(*e).map_or_else(String::new, |e| e.name.clone()),
        RFormula::EventArg(e, i, _) => event(*e)
            .map(|e| {
                let arg = e.args.get(*i).map_or("?", |(n, _)| n.as_str());
                format!("{}.{arg}", e.name)
            })
            .unwrap_or_default(),
        RFormula::Binary(op, a, b, _) => {
            let (sign, tight) = match op {
                ArithOp::Add => ("+", false),
                ArithOp::Sub => ("-", false),
                ArithOp::Mul => ("×", true),
                ArithOp::Div => ("÷", true),
            };
            format!(
                "{} {sign} {}",
                inner(a, tight),
                inner(b, tight || *op == ArithOp::Sub)
            )
        }
        RFormula::ShareOf(rate, of, _) => format!("{} of {}", value(rate), inner(of, true)),
        RFormula::Extremum(greater, terms, _) => {
            let dates = terms
                .first()
                .is_some_and(|t| matches!(t, RFormula::EventDate(..)));
            let word = match (greater, dates) {
                (true, false) => "greater",
                (false, false) => "lesser",
                (true, true) => "later",
                (false, true) => "earlier",
            };
            let list: Vec<String> = terms.iter().map(|t| describe(model, t)).collect();
            format!("{word} of ({})", list.join(", "))
        }
        RFormula::Round(g, mode, target, _) => {
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
            format!("{} rounded {mode} to {target}", describe(model, g))
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
            format!("{} {op} {}", describe(model, a), describe(model, b))
        }
        RFormula::Aggregate(a) => {
            let metric = model.metrics.get(a.metric).map_or("?", |m| m.name.as_str());
            let function = match a.function {
                AggregateFn::Sum => "sum",
                AggregateFn::Average => "average",
                AggregateFn::Minimum => "minimum",
                AggregateFn::Maximum => "maximum",
                AggregateFn::Count => "count",
            };
            let window = match (&a.length, &a.day) {
                (Some(l), Some(d)) => format!("over the {} before {}", value(l), value(d)),
                (_, Some(d)) => format!("since {}", value(d)),
                _ => "since effective".to_owned(),
            };
            format!("{function} of {metric} {window}")
        }
    }
}

/// Why a formula could not be computed: where, which code, and the message.
type Failure = (Span, Code, String);

fn fail<T>(span: Span, message: impl Into<String>) -> Result<T, Failure> {
    Err((span, Code::FormulaError, message.into()))
}

/// The value of a formula under bound params.
pub fn compute(f: &RFormula, cx: &Context<'_>) -> Result<Value, Failure> {
    match f {
        RFormula::Value(v, span) => value(v, cx.params, *span),
        RFormula::Aggregate(a) => aggregate(a, cx),
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
            best.map_or_else(|| fail(*span, "nothing to compare"), Ok)
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

/// An aggregate of a metric's figures over its window: the metric's periods
/// that the window covers (wholly, or in part when counted pro rata by days),
/// a missing figure counting as zero, as it does for payments.
fn aggregate(a: &RAggregate, cx: &Context<'_>) -> Result<Value, Failure> {
    let span = a.span;
    let Some((model, figures)) = cx.figures else {
        return fail(span, "an aggregate needs a scenario's figures");
    };
    let Some(metric) = model.metrics.get(a.metric) else {
        return fail(span, "unknown metric");
    };
    let day = |v: &Option<ValueRef>| -> Result<Option<Date>, Failure> {
        match v {
            None => Ok(None),
            Some(v) => match value(v, cx.params, span)? {
                Value::Date(d) => Ok(Some(d)),
                _ => fail(span, "the window's day is not a date"),
            },
        }
    };
    let (first, last) = match (&a.length, day(&a.day)?) {
        (Some(length), Some(before)) => {
            let Value::Duration(length) = value(length, cx.params, span)? else {
                return fail(span, "the window's length is not a duration");
            };
            let Some(first) = length.before(before) else {
                return fail(span, "the window starts before the calendar does");
            };
            let Some(last) = before.pred_opt() else {
                return fail(span, "the window ends before the calendar does");
            };
            (first, last)
        }
        (_, since) => {
            let first = since.unwrap_or(model.effective);
            // An open window runs to the last figure given for the metric.
            let last = figures
                .range((a.metric, Date::MIN)..=(a.metric, Date::MAX))
                .map(|(_, f)| f.period.end)
                .max()
                .unwrap_or(first);
            (first, last)
        }
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
            let figure = figures.get(&(a.metric, p.start));
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
    let empty = || -> Result<Value, Failure> {
        fail(
            span,
            format!(
                "the window covers no whole period of `{}`, so it has no {}",
                metric.name,
                match a.function {
                    AggregateFn::Average => "average",
                    AggregateFn::Minimum => "minimum",
                    _ => "maximum",
                }
            ),
        )
    };
    Ok(match a.function {
        AggregateFn::Sum => money(sum),
        AggregateFn::Count => Value::Number(counted),
        AggregateFn::Average if covered.is_zero() => return empty(),
        AggregateFn::Average => money(div(sum, covered, span)?),
        AggregateFn::Minimum | AggregateFn::Maximum => match extremes {
            None => return empty(),
            Some((low, _)) if a.function == AggregateFn::Minimum => money(low),
            Some((_, high)) => money(high),
        },
    })
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

fn strategy(mode: RoundMode) -> RoundingStrategy {
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
        RFormula::Aggregate(_) | RFormula::EventDate(..) | RFormula::EventArg(..) => false,
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
                occurrence: None,
            },
        ) else {
            panic!("1 / 0 has no value")
        };
        assert_eq!(code, Code::FormulaError);
        assert!(message.contains("zero"));
    }
}
