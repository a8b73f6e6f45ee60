//! `let` values: their formulas resolved against params and earlier lets,
//! with kinds and currencies checked before any scenario runs.
//!
//! A let is stored as a param whose value is computed (see
//! [`crate::eval::formula`]), so every slot that accepts a param accepts a
//! let, and sweeps, reports and the compiled program need nothing new.

use super::model::{Param, RFormula, Symbol, ValueRef, ValueType};
use super::resolve::{describe_type, literal_value, Resolver};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, ArithOp, CmpOp, Formula, Operand, RoundTarget};

/// Declares a let: resolves and types its formula, then registers the name
/// (after the formula, so that a let cannot refer to itself). `scope` names
/// the clause of a clause-level let, whose name is then local to that clause.
pub(crate) fn declare_let(r: &mut Resolver<'_>, decl: &ast::LetDecl, scope: Option<&str>) {
    let Some((formula, ty)) = resolve(r, &decl.formula) else {
        return;
    };
    let id = r.model.params.len();
    let declared = match scope {
        Some(_) => r.declare_local(&decl.name, Symbol::Param(id)),
        None => r.declare(&decl.name, Symbol::Param(id)),
    };
    if declared {
        let name = match scope {
            Some(clause) => format!("{clause}.{}", decl.name.text),
            None => decl.name.text.clone(),
        };
        r.model.params.push(Param {
            name,
            ty,
            default: None,
            formula: Some(formula),
            span: decl.span,
        });
    }
}

/// Resolves the amount of a payment `on each EVENT`: a formula in which
/// `EVENT.ARG` is the data of the occurrence paid for, and `EVENT` its day.
pub(crate) fn resolve_occurrence(
    r: &mut Resolver<'_>,
    f: &Formula,
    event: super::model::EventId,
) -> Option<(RFormula, ValueType)> {
    let outer = r.occurrence.replace(event);
    let resolved = resolve(r, f);
    r.occurrence = outer;
    resolved
}

/// `EVENT.ARG`: an argument of the occurrence being paid for.
fn field(
    r: &mut Resolver<'_>,
    event: &ast::Name,
    arg: &ast::Name,
    span: Span,
) -> Option<(RFormula, ValueType)> {
    let found = match r.symbol(&event.text) {
        Some(s) => s,
        None => r.lookup(event, "event")?,
    };
    let Symbol::Event(id) = found else {
        r.diagnostics.push(
            Diagnostic::error(
                Code::NotAnEvent,
                event.span,
                format!(
                    "`{}` is a {}, not a declared event, so `{}.{}` reads nothing",
                    event.text,
                    found.kind(),
                    event.text,
                    arg.text
                ),
            )
            .with_label("not an event")
            .with_help(
                "`EVENT.ARG` reads the data of an event declared with `event NAME(ARG: TYPE, …)`",
            ),
        );
        return None;
    };
    let decl = r.model.events.get(id)?;
    let Some(index) = decl.args.iter().position(|(n, _)| *n == arg.text) else {
        let known: Vec<String> = decl.args.iter().map(|(n, _)| format!("`{n}`")).collect();
        let help = if known.is_empty() {
            format!(
                "`{}` is declared without data; declare it as `event {}(NAME: TYPE, …)`",
                event.text, event.text
            )
        } else {
            format!("`{}` carries {}", event.text, known.join(", "))
        };
        r.diagnostics.push(
            Diagnostic::error(
                Code::UnknownName,
                arg.span,
                format!("`{}` has no argument `{}`", event.text, arg.text),
            )
            .with_label("not in the event's data")
            .with_secondary(decl.span, "declared here")
            .with_help(help),
        );
        return None;
    };
    let ty = decl.args.get(index)?.1;
    if r.occurrence != Some(id) {
        r.diagnostics.push(
            Diagnostic::error(
                Code::NoOccurrence,
                span,
                format!(
                    "`{}.{}` is the data of one {}, but this formula is not computed for each {}",
                    event.text, arg.text, event.text, event.text
                ),
            )
            .with_label("which occurrence?")
            .with_help(format!(
                "an event's data is read in the amount of a payment made `on each {}`; a let has one value per scenario",
                event.text
            )),
        );
        return None;
    }
    Some((RFormula::EventArg(id, index, span), ty))
}

/// Resolves a formula and infers its kind of value.
fn resolve(r: &mut Resolver<'_>, f: &Formula) -> Option<(RFormula, ValueType)> {
    match f {
        Formula::Operand(Operand::Name(n))
            if matches!(r.symbol(&n.text), Some(Symbol::Event(_))) =>
        {
            match r.symbol(&n.text) {
                Some(Symbol::Event(e)) => Some((RFormula::EventDate(e, n.span), ValueType::Date)),
                _ => None,
            }
        }
        Formula::Field(event, arg, span) => field(r, event, arg, *span),
        Formula::Operand(o) => {
            let (value, ty) = operand(r, o)?;
            Some((RFormula::Value(value, o.span()), ty))
        }
        Formula::Binary(a, op, b, span) => {
            let (fa, ta) = resolve(r, a)?;
            let (fb, tb) = resolve(r, b)?;
            let ty = arithmetic(r, *op, ta, tb, *span)?;
            Some((RFormula::Binary(*op, Box::new(fa), Box::new(fb), *span), ty))
        }
        Formula::ShareOf(rate, of, span) => {
            let (rate_value, rate_ty) = operand(r, rate)?;
            if rate_ty != ValueType::Percent {
                return mismatch(
                    r,
                    rate.span(),
                    format!(
                        "`… of` takes a percentage, found {}",
                        describe_type(r.model, rate_ty)
                    ),
                    "write a percentage like 25% before `of`",
                );
            }
            let (f_of, ty) = resolve(r, of)?;
            match ty {
                ValueType::Money(_) | ValueType::Number | ValueType::Percent => {
                    Some((RFormula::ShareOf(rate_value, Box::new(f_of), *span), ty))
                }
                other => mismatch(
                    r,
                    of.span(),
                    format!(
                        "a percentage is taken of an amount or a number, not of {}",
                        describe_type(r.model, other)
                    ),
                    "take the percentage of an amount, like 25% of annual_fee",
                ),
            }
        }
        Formula::Extremum(greater, terms, span) => {
            let mut resolved = Vec::with_capacity(terms.len());
            let mut ty: Option<ValueType> = None;
            for term in terms {
                let (ft, tt) = resolve(r, term)?;
                if !orderable(tt) {
                    return mismatch(
                        r,
                        term.span(),
                        format!("{} has no greater or lesser", describe_type(r.model, tt)),
                        "compare amounts, numbers, percentages, dates or durations",
                    );
                }
                ty = Some(match ty {
                    None => tt,
                    Some(so_far) => same_kind(r, so_far, tt, term.span(), *span)?,
                });
                resolved.push(ft);
            }
            Some((RFormula::Extremum(*greater, resolved, *span), ty?))
        }
        Formula::Round(inner, mode, target, span) => {
            let (fi, ty) = resolve(r, inner)?;
            let fits = matches!(
                (ty, target),
                (ValueType::Money(_), RoundTarget::Cents)
                    | (
                        ValueType::Money(_) | ValueType::Number | ValueType::Percent,
                        RoundTarget::WholeUnits | RoundTarget::Places(_)
                    )
                    | (ValueType::Duration, RoundTarget::Whole(_))
            );
            if !fits {
                let wanted = match target {
                    RoundTarget::Cents => "an amount of money",
                    RoundTarget::WholeUnits | RoundTarget::Places(_) => {
                        "an amount, a number or a percentage"
                    }
                    RoundTarget::Whole(_) => "a duration (or the time between two dates)",
                };
                return mismatch(
                    r,
                    *span,
                    format!(
                        "{} cannot be rounded this way; only {wanted} can",
                        describe_type(r.model, ty)
                    ),
                    "round amounts to cents or whole units, numbers to places, and durations to whole days, months or years",
                );
            }
            Some((RFormula::Round(Box::new(fi), *mode, *target, *span), ty))
        }
        Formula::Aggregate(a) => aggregate(r, a),
        Formula::Compare(a, op, b, span) => {
            let (fa, ta) = resolve(r, a)?;
            let (fb, tb) = resolve(r, b)?;
            same_kind(r, ta, tb, b.span(), *span)?;
            if !matches!(op, CmpOp::Is | CmpOp::IsNot) && !orderable(ta) {
                return mismatch(
                    r,
                    *span,
                    format!(
                        "{} cannot be compared with <, <=, > or >=",
                        describe_type(r.model, ta)
                    ),
                    "compare amounts, numbers, percentages, dates or durations",
                );
            }
            Some((
                RFormula::Compare(Box::new(fa), *op, Box::new(fb), *span),
                ValueType::Bool,
            ))
        }
    }
}

/// `FN of METRIC WINDOW`: an amount in the metric's currency, or a number for `count`.
fn aggregate(r: &mut Resolver<'_>, a: &ast::Aggregate) -> Option<(RFormula, ValueType)> {
    let metric = match r.symbol(&a.metric.text) {
        Some(Symbol::Metric(m)) => m,
        _ => {
            r.lookup(&a.metric, "metric");
            return None;
        }
    };
    let currency = r.model.metrics.get(metric)?.currency;
    let typed = |r: &mut Resolver<'_>, o: &Operand, want: ValueType| {
        let (v, ty) = operand(r, o)?;
        if ty == want {
            Some(v)
        } else {
            mismatch(
                r,
                o.span(),
                format!(
                    "expected {}, found {}",
                    describe_type(r.model, want),
                    describe_type(r.model, ty)
                ),
                "a window is `over the 12 months before DATE` or `since DATE`",
            )
        }
    };
    let (length, day) = match &a.window {
        ast::AggregateWindow::Before(length, day) => (
            Some(typed(r, length, ValueType::Duration)?),
            Some(typed(r, day, ValueType::Date)?),
        ),
        ast::AggregateWindow::Since(Some(day)) => (None, Some(typed(r, day, ValueType::Date)?)),
        ast::AggregateWindow::Since(None) => (None, None),
    };
    let ty = match a.function {
        ast::AggregateFn::Count => ValueType::Number,
        _ => ValueType::Money(Some(currency)),
    };
    Some((
        RFormula::Aggregate(super::model::RAggregate {
            function: a.function,
            metric,
            length,
            day,
            pro_rata: a.pro_rata,
            span: a.span,
        }),
        ty,
    ))
}

/// A literal, param or earlier let inside a formula.
fn operand(r: &mut Resolver<'_>, o: &Operand) -> Option<(ValueRef, ValueType)> {
    match o {
        Operand::Literal(l, _) => {
            let v = literal_value(l);
            let ty = v.value_type();
            Some((ValueRef::Lit(v), ty))
        }
        Operand::Name(n) => match r.symbol(&n.text) {
            Some(Symbol::Param(p)) => {
                let ty = r.model.params.get(p)?.ty;
                Some((ValueRef::Param(p), ty))
            }
            Some(Symbol::Value(t, i)) => Some((
                ValueRef::Lit(super::model::Value::Enum(t, i)),
                ValueType::Enum(t),
            )),
            Some(other) => {
                let why = match other {
                    Symbol::Metric(_) => "a metric has a figure per period, and a let has one value per scenario",
                    Symbol::Condition(_) => "a condition changes over time, and a let has one value per scenario; use the condition in `while` or `unless`",
                    _ => "a let is computed from literals, params and other lets",
                };
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        n.span,
                        format!(
                            "`{}` is a {}; it cannot be used in a formula",
                            n.text,
                            other.kind()
                        ),
                    )
                    .with_label("not a value")
                    .with_help(why),
                );
                None
            }
            None => {
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        n.span,
                        format!("unknown name `{}` in a formula", n.text),
                    )
                    .with_label("not a param or let declared above")
                    .with_help(
                        "a formula uses literals, params and lets declared above it; declare the value first",
                    ),
                );
                None
            }
        },
    }
}

/// The kind of `a OP b`, or a diagnostic when the combination means nothing.
fn arithmetic(
    r: &mut Resolver<'_>,
    op: ArithOp,
    a: ValueType,
    b: ValueType,
    span: Span,
) -> Option<ValueType> {
    use ValueType::{Date, Duration, Money, Number, Percent};
    let result = match (op, a, b) {
        (ArithOp::Add | ArithOp::Sub, Money(_), Money(_)) => Some(same_kind(r, a, b, span, span)?),
        (ArithOp::Add | ArithOp::Sub, Number, Number) => Some(Number),
        (ArithOp::Add | ArithOp::Sub, Percent, Percent) => Some(Percent),
        (ArithOp::Add | ArithOp::Sub, Date, Duration) | (ArithOp::Add, Duration, Date) => {
            Some(Date)
        }
        (ArithOp::Sub, Date, Date) | (ArithOp::Add | ArithOp::Sub, Duration, Duration) => {
            Some(Duration)
        }
        (ArithOp::Mul, Money(c), Number | Percent) | (ArithOp::Mul, Number | Percent, Money(c)) => {
            Some(Money(c))
        }
        (ArithOp::Mul, Number, Number) => Some(Number),
        (ArithOp::Mul, Percent, Number | Percent) | (ArithOp::Mul, Number, Percent) => {
            Some(Percent)
        }
        (ArithOp::Mul, Duration, Number) | (ArithOp::Mul, Number, Duration) => Some(Duration),
        (ArithOp::Div, Money(c), Number | Percent) => Some(Money(c)),
        (ArithOp::Div, Money(_), Money(_)) => {
            same_kind(r, a, b, span, span)?;
            Some(Number)
        }
        (ArithOp::Div, Number, Number)
        | (ArithOp::Div, Percent, Percent)
        | (ArithOp::Div, Duration, Duration) => Some(Number),
        (ArithOp::Div, Percent, Number) => Some(Percent),
        _ => None,
    };
    if result.is_some() {
        return result;
    }
    let verb = match op {
        ArithOp::Add => "add",
        ArithOp::Sub => "subtract",
        ArithOp::Mul => "multiply",
        ArithOp::Div => "divide",
    };
    mismatch(
        r,
        span,
        format!(
            "cannot {verb} {} and {}",
            describe_type(r.model, a),
            describe_type(r.model, b)
        ),
        "amounts add to amounts of the same currency and scale by numbers or percentages; dates move by durations",
    )
}

/// Two kinds that must be the same (amounts in one currency); the common kind.
fn same_kind(
    r: &mut Resolver<'_>,
    a: ValueType,
    b: ValueType,
    at: Span,
    whole: Span,
) -> Option<ValueType> {
    match (a, b) {
        (ValueType::Money(Some(x)), ValueType::Money(Some(y))) if x != y => {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::CurrencyMismatch,
                    whole,
                    format!("this formula mixes {x} and {y}"),
                )
                .with_label(format!("{y} here, {x} before"))
                .with_help("one computation uses one currency; convert the amounts into one currency first"),
            );
            None
        }
        (ValueType::Money(x), ValueType::Money(y)) => Some(ValueType::Money(x.or(y))),
        (a, b) if a == b => Some(a),
        _ => mismatch(
            r,
            at,
            format!(
                "expected {}, found {}",
                describe_type(r.model, a),
                describe_type(r.model, b)
            ),
            "every term here must be the same kind of value",
        ),
    }
}

/// Kinds with an order.
fn orderable(ty: ValueType) -> bool {
    matches!(
        ty,
        ValueType::Money(_)
            | ValueType::Number
            | ValueType::Percent
            | ValueType::Date
            | ValueType::Duration
    )
}

/// Records a type mismatch and gives up on the formula.
fn mismatch<T>(r: &mut Resolver<'_>, span: Span, message: String, help: &str) -> Option<T> {
    r.diagnostics.push(
        Diagnostic::error(Code::TypeMismatch, span, message)
            .with_label("these do not combine")
            .with_help(help),
    );
    None
}
