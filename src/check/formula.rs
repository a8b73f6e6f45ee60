//! `let` values: their formulas resolved against params and earlier lets,
//! with kinds and currencies checked before any scenario runs.
//!
//! A let is stored as a param whose value is computed (see
//! [`crate::eval::formula`]), so every slot that accepts a param accepts a
//! let, and sweeps, reports and the compiled program need nothing new.

use super::model::{ClauseId, Model, Param, RFormula, Symbol, ValueRef, ValueType};
use super::resolve::{describe_type, Resolver};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, ArithOp, CmpOp, Formula, Operand, RoundTarget};

/// Declares a let: resolves and types its formula, then registers the name
/// (after the formula, so that a let cannot refer to itself). `scope` names
/// the clause of a clause-level let, whose name is then local to that clause.
pub(crate) fn declare_let(r: &mut Resolver<'_>, decl: &ast::LetDecl, scope: Option<&str>) {
    let Some((formula, ty)) = resolve(r, &decl.formula) else {
        r.failed_lets.push(decl.name.text.clone());
        return;
    };
    let periodic = is_periodic(&formula, r.model);
    let reads_scenario = crate::eval::formula::reads_scenario(&formula, r.model);
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
            periodic,
            hidden: false,
            reads_scenario,
            span: decl.span,
        });
    }
}

/// A payment's amount written as a formula (`greater of (USD 250_000, 8% of
/// net_sales)`): resolved like a let's formula, it must give money, and is
/// kept as a hidden let that the payment's amount slot reads.
pub(crate) fn declare_amount(
    r: &mut Resolver<'_>,
    f: &Formula,
    statement: Span,
) -> Option<super::model::Slot> {
    let (formula, ty) = resolve(r, f)?;
    if !matches!(ty, ValueType::Money(_)) {
        return mismatch(
            r,
            f.span(),
            format!(
                "a payment's amount must be an amount of money, but this formula gives {}",
                describe_type(r.model, ty)
            ),
            "write an amount, like `greater of (USD 250_000, 8% of net_sales)` or `price × seats`",
        );
    }
    let periodic = is_periodic(&formula, r.model);
    let reads_scenario = crate::eval::formula::reads_scenario(&formula, r.model);
    let id = r.model.params.len();
    r.model.params.push(Param {
        name: "the payment's amount".to_owned(),
        ty,
        default: None,
        formula: Some(formula),
        periodic,
        hidden: true,
        reads_scenario,
        span: statement,
    });
    Some(super::model::Slot {
        value: ValueRef::Param(id),
        span: f.span(),
    })
}

/// Whether a formula has a value only for a payment period: it reads a
/// metric's figure for the period, a window relative to the period, or a let
/// that does.
pub(crate) fn is_periodic(f: &RFormula, model: &super::model::Model) -> bool {
    match f {
        RFormula::Figure(..) | RFormula::PeriodStart(_) | RFormula::Termination(_) => true,
        RFormula::Aggregate(a) => match &a.window {
            super::model::RWindow::Current(_) => true,
            _ if matches!(a.source, super::model::AggregateSource::Payments(..)) => true,
            super::model::RWindow::Before(length, day) => {
                matches!(length, ValueRef::Param(p) if model.params.get(*p).is_some_and(|p| p.periodic))
                    || is_periodic(day, model)
            }
            super::model::RWindow::Since(Some(day)) => is_periodic(day, model),
            super::model::RWindow::Since(None) => false,
        },
        RFormula::Value(ValueRef::Param(p), _) => model.params.get(*p).is_some_and(|p| p.periodic),
        RFormula::Value(..) | RFormula::EventDate(..) | RFormula::EventArg(..) => false,
        RFormula::Binary(_, a, b, _) | RFormula::Compare(a, _, b, _) => {
            is_periodic(a, model) || is_periodic(b, model)
        }
        RFormula::ShareOf(rate, of, _) => {
            matches!(rate, ValueRef::Param(p) if model.params.get(*p).is_some_and(|p| p.periodic))
                || is_periodic(of, model)
        }
        RFormula::Extremum(_, terms, _) => terms.iter().any(|t| is_periodic(t, model)),
        RFormula::Round(inner, ..) => is_periodic(inner, model),
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
        // The day a termination ends the contract: computed per scenario, so a
        // let that reads it is computed when payments accrue (`on termination`).
        Formula::Operand(Operand::Name(n))
            if n.text == "termination" && r.symbol(&n.text).is_none() =>
        {
            Some((RFormula::Termination(n.span), ValueType::Date))
        }
        Formula::Operand(Operand::Name(n))
            if matches!(r.symbol(&n.text), Some(Symbol::Metric(_))) =>
        {
            let Some(Symbol::Metric(m)) = r.symbol(&n.text) else {
                return None;
            };
            let currency = r.model.metrics.get(m)?.currency;
            Some((
                RFormula::Figure(m, n.span),
                ValueType::Money(Some(currency)),
            ))
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
            let is_quantity = matches!(ty, ValueType::Money(Some(c)) if c.is_quantity());
            let fits = matches!(
                (ty, target),
                (ValueType::Money(_), RoundTarget::Cents)
                    | (
                        ValueType::Money(_) | ValueType::Number | ValueType::Percent,
                        RoundTarget::WholeUnits | RoundTarget::Places(_)
                    )
                    | (ValueType::Duration, RoundTarget::Whole(_))
            ) && !(is_quantity && *target == RoundTarget::Cents);
            if !fits {
                let wanted = match target {
                    RoundTarget::Cents if is_quantity => {
                        "money (a quantity rounds to whole units or to decimal places)"
                    }
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

/// The clause of `payments under CLAUSE`. Top-level lets are read before
/// clause names are registered; such a name is looked up once they are (see
/// `resolve_payment_sources`), and stands as `usize::MAX` until then.
fn payments_clause(r: &mut Resolver<'_>, name: &ast::Name) -> Option<ClauseId> {
    match r.symbol(&name.text) {
        Some(Symbol::Clause(c)) => Some(c),
        Some(_) => {
            r.lookup(name, "clause");
            None
        }
        None => {
            r.pending_clauses.push((name.span, name.text.clone()));
            Some(usize::MAX)
        }
    }
}

/// `FN of SOURCE WINDOW`: an amount in the metric's currency (or of the
/// event's argument), a number for `count` or a number argument.
fn aggregate(r: &mut Resolver<'_>, a: &ast::Aggregate) -> Option<(RFormula, ValueType)> {
    use super::model::AggregateSource;
    if a.payments {
        // Amounts of money either way: what was paid, or what a clause owes.
        let ty = if a.function == ast::AggregateFn::Count {
            ValueType::Number
        } else {
            ValueType::Money(None)
        };
        let source = match &a.paid_to {
            Some(payee) => {
                let payer = r.party(&a.metric);
                let payee = r.party(payee);
                AggregateSource::Paid(payer?, payee?)
            }
            None => AggregateSource::Payments(payments_clause(r, &a.metric)?, a.metric.span),
        };
        let window = window(r, a)?;
        return Some((
            RFormula::Aggregate(super::model::RAggregate {
                function: a.function,
                source,
                window,
                pro_rata: a.pro_rata,
                span: a.span,
            }),
            ty,
        ));
    }
    let (source, ty) = match (r.symbol(&a.metric.text), &a.arg) {
        (Some(Symbol::Metric(m)), None) => {
            let currency = r.model.metrics.get(m)?.currency;
            (AggregateSource::Metric(m), ValueType::Money(Some(currency)))
        }
        (Some(Symbol::Event(e)), None) => {
            if a.function != ast::AggregateFn::Count {
                return mismatch(
                    r,
                    a.metric.span,
                    format!(
                        "an event's occurrences can be counted, but `{}` alone has no amount to add up",
                        a.metric.text
                    ),
                    "write `count of EVENT …`, or name the argument to add up: `sum of claim.amount …`",
                );
            }
            (AggregateSource::Event(e), ValueType::Number)
        }
        (Some(Symbol::Event(e)), Some(arg)) => {
            let args = &r.model.events.get(e)?.args;
            let Some((i, (_, ty))) = args.iter().enumerate().find(|(_, (n, _))| *n == arg.text)
            else {
                let known: Vec<String> = args.iter().map(|(n, _)| format!("`{n}`")).collect();
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        arg.span,
                        format!("event `{}` has no argument `{}`", a.metric.text, arg.text),
                    )
                    .with_label("not one of its arguments")
                    .with_help(if known.is_empty() {
                        "this event is declared without data; declare it with arguments, like `event deal(price: money)`".to_owned()
                    } else {
                        format!("its arguments are {}", known.join(", "))
                    }),
                );
                return None;
            };
            let ty = *ty;
            if !matches!(ty, ValueType::Money(_) | ValueType::Number) {
                return mismatch(
                    r,
                    arg.span,
                    format!(
                        "`{}.{}` is {}; only money and number arguments can be added up",
                        a.metric.text,
                        arg.text,
                        describe_type(r.model, ty)
                    ),
                    "aggregate a money or number argument, or count the occurrences with `count of EVENT`",
                );
            }
            let ty = if a.function == ast::AggregateFn::Count {
                ValueType::Number
            } else {
                ty
            };
            (AggregateSource::EventArg(e, i), ty)
        }
        (Some(Symbol::Metric(_)), Some(arg)) => {
            return mismatch(
                r,
                arg.span,
                format!("metric `{}` has no arguments", a.metric.text),
                "aggregate the metric itself, like `sum of net_sales in this period`",
            );
        }
        _ => {
            r.lookup(&a.metric, "metric or event");
            return None;
        }
    };
    let window = window(r, a)?;
    Some((
        RFormula::Aggregate(super::model::RAggregate {
            function: a.function,
            source,
            window,
            pro_rata: a.pro_rata,
            span: a.span,
        }),
        ty,
    ))
}

/// An aggregate's window, resolved.
fn window(r: &mut Resolver<'_>, a: &ast::Aggregate) -> Option<super::model::RWindow> {
    use super::model::RWindow;
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
    // The window's day is a date formula: a date, a param or let, or an
    // event's name (its first occurrence), computed through the same context.
    let day = |r: &mut Resolver<'_>, o: &Operand| -> Option<Box<RFormula>> {
        let (f, ty) = resolve(r, &Formula::Operand(o.clone()))?;
        if ty != ValueType::Date {
            return mismatch(
                r,
                o.span(),
                format!("expected a date, found {}", describe_type(r.model, ty)),
                "a window is `over the 12 months before DATE` or `since DATE`",
            );
        }
        Some(Box::new(f))
    };
    Some(match &a.window {
        ast::AggregateWindow::Before(length, d) => {
            RWindow::Before(typed(r, length, ValueType::Duration)?, day(r, d)?)
        }
        ast::AggregateWindow::BeforePeriod(length, span) => RWindow::Before(
            typed(r, length, ValueType::Duration)?,
            Box::new(RFormula::PeriodStart(*span)),
        ),
        ast::AggregateWindow::BeforeTermination(length, span) => RWindow::Before(
            typed(r, length, ValueType::Duration)?,
            Box::new(RFormula::Termination(*span)),
        ),
        ast::AggregateWindow::Since(Some(d)) => RWindow::Since(Some(day(r, d)?)),
        ast::AggregateWindow::Since(None) => RWindow::Since(None),
        ast::AggregateWindow::Current(unit, span) => {
            if *unit == Some(crate::calendar::PeriodUnit::FiscalYear)
                && r.model.fiscal_start.is_none()
            {
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::NoFiscalYear,
                        *span,
                        "the current fiscal year is used, but the contract does not say when its fiscal year starts",
                    )
                    .with_label("which fiscal year?")
                    .with_help("add `fiscal year starts MONTH DAY` to the contract"),
                );
                return None;
            }
            RWindow::Current(*unit)
        }
    })
}

/// A literal, param or earlier let inside a formula.
fn operand(r: &mut Resolver<'_>, o: &Operand) -> Option<(ValueRef, ValueType)> {
    match o {
        Operand::Literal(l, span) => {
            let v = r.literal(l, *span);
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
                    Symbol::Condition(_) => "a condition changes over time, and a let has one value per scenario; use the condition in `while` or `unless`",
                    _ => "a let is computed from literals, params and other lets",
                };
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        n.span,
                        format!(
                            "`{}` is {}; it cannot be used in a formula",
                            n.text,
                            other.a_kind()
                        ),
                    )
                    .with_label("not a value")
                    .with_help(why),
                );
                None
            }
            None if r.failed_lets.contains(&n.text) => None,
            None => {
                let mut known: Vec<&str> = r.model.names_of_kind("param");
                known.extend(r.model.names_of_kind("metric"));
                known.extend(r.model.names_of_kind("event"));
                known.push("termination");
                let help = match crate::diagnostic::suggest(&n.text, known) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "a formula uses literals, params and lets declared above it; declare the value first".to_owned(),
                };
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        n.span,
                        format!("unknown name `{}` in a formula", n.text),
                    )
                    .with_label("not a param or let declared above")
                    .with_help(help),
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
    let quantity = |t: ValueType| matches!(t, Money(Some(c)) if c.is_quantity());
    let result = match (op, a, b) {
        // A quantity times a price per unit is money: `units_sold × USD 4.50`.
        (ArithOp::Mul, Money(_), Money(price)) if quantity(a) && !quantity(b) => Some(Money(price)),
        (ArithOp::Mul, Money(price), Money(_)) if quantity(b) && !quantity(a) => Some(Money(price)),
        // Money divided by a quantity is the price of one unit.
        (ArithOp::Div, Money(price), Money(_)) if quantity(b) && !quantity(a) => Some(Money(price)),
        // A quantity per amount of money means nothing in a contract.
        (ArithOp::Div, Money(_), Money(Some(_))) if quantity(a) && !quantity(b) => None,
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
        if quantity(a) || quantity(b) {
            "a quantity adds to the same unit and scales by numbers or percentages; a quantity times a price per unit (like `units_sold × USD 4.50`) is money"
        } else {
            "amounts add to amounts of the same currency and scale by numbers or percentages; dates move by durations"
        },
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
            let help = if x.is_quantity() || y.is_quantity() {
                "an amount of one unit adds only to the same unit; to price a quantity, multiply it by a price per unit, like `units_sold × USD 4.50`"
            } else {
                "one computation uses one currency; convert the amounts into one currency first"
            };
            r.diagnostics.push(
                Diagnostic::error(
                    Code::CurrencyMismatch,
                    whole,
                    format!("this formula mixes {x} and {y}"),
                )
                .with_label(format!("{y} here, {x} before"))
                .with_help(help),
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

/// The clauses whose payments a formula reads (`payments under CLAUSE`),
/// directly or through the lets it reads, with where each is named.
pub fn payment_sources(f: &RFormula, model: &Model, out: &mut Vec<(ClauseId, Span)>) {
    let mut seen = vec![false; model.params.len()];
    sources_in(f, model, out, &mut seen);
}

/// [`payment_sources`], visiting each let once (a let may be read many times).
fn sources_in(f: &RFormula, model: &Model, out: &mut Vec<(ClauseId, Span)>, seen: &mut Vec<bool>) {
    use super::model::{AggregateSource, RWindow};
    let value = |v: &ValueRef, out: &mut Vec<(ClauseId, Span)>, seen: &mut Vec<bool>| {
        if let ValueRef::Param(p) = v {
            if seen.get(*p).copied().unwrap_or(true) {
                return;
            }
            if let Some(s) = seen.get_mut(*p) {
                *s = true;
            }
            if let Some(f) = model.params.get(*p).and_then(|p| p.formula.as_ref()) {
                sources_in(f, model, out, seen);
            }
        }
    };
    match f {
        RFormula::Value(v, _) => value(v, out, seen),
        RFormula::Figure(..)
        | RFormula::EventDate(..)
        | RFormula::EventArg(..)
        | RFormula::PeriodStart(_)
        | RFormula::Termination(_) => {}
        RFormula::Binary(_, a, b, _) | RFormula::Compare(a, _, b, _) => {
            sources_in(a, model, out, seen);
            sources_in(b, model, out, seen);
        }
        RFormula::ShareOf(rate, of, _) => {
            value(rate, out, seen);
            sources_in(of, model, out, seen);
        }
        RFormula::Extremum(_, terms, _) => {
            for t in terms {
                sources_in(t, model, out, seen);
            }
        }
        RFormula::Round(inner, ..) => sources_in(inner, model, out, seen),
        RFormula::Aggregate(a) => {
            if let AggregateSource::Payments(c, span) = a.source {
                out.push((c, span));
            }
            match &a.window {
                RWindow::Before(length, day) => {
                    value(length, out, seen);
                    sources_in(day, model, out, seen);
                }
                RWindow::Since(Some(day)) => sources_in(day, model, out, seen),
                RWindow::Since(None) | RWindow::Current(_) => {}
            }
        }
    }
}

/// The clauses one clause's payment amounts, floors and caps read, each with
/// the slot that reads it and where the clause is named.
fn clause_reads(model: &Model, cid: ClauseId) -> Vec<(ClauseId, Span, Span)> {
    let mut found = Vec::new();
    let Some(clause) = model.clauses.get(cid) else {
        return found;
    };
    for p in clause.versions.iter().flat_map(|v| &v.payments) {
        if let super::model::Charge::OnEach { amount, .. } = &p.charge {
            let mut out = Vec::new();
            payment_sources(amount, model, &mut out);
            found.extend(out.into_iter().map(|(c, at)| (c, amount.span(), at)));
        }
        let amount = match &p.charge {
            super::model::Charge::Fixed { amount, .. } => Some(amount),
            _ => None,
        };
        for slot in amount.into_iter().chain(&p.floor).chain(&p.cap_per) {
            if let ValueRef::Param(id) = slot.value {
                if let Some(f) = model.params.get(id).and_then(|p| p.formula.as_ref()) {
                    let mut out = Vec::new();
                    payment_sources(f, model, &mut out);
                    found.extend(out.into_iter().map(|(c, at)| (c, slot.span, at)));
                }
            }
        }
    }
    found
}

/// The order in which clauses' payments are computed: a clause after the
/// clauses whose payments its amounts read, otherwise in the contract's
/// order. A cycle (reported by `covenant check`) keeps the contract's order.
pub fn clause_order(model: &Model) -> Vec<ClauseId> {
    let n = model.clauses.len();
    let deps: Vec<Vec<ClauseId>> = (0..n)
        .map(|c| {
            clause_reads(model, c)
                .into_iter()
                .map(|(d, _, _)| d)
                .filter(|d| *d != c && *d < n)
                .collect()
        })
        .collect();
    if deps.iter().all(Vec::is_empty) {
        return (0..n).collect();
    }
    // Kahn's algorithm, taking the first ready clause in the contract's order;
    // on a cycle, the first clause not yet placed goes next.
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut readers: Vec<Vec<ClauseId>> = vec![Vec::new(); n];
    for (c, ds) in deps.iter().enumerate() {
        for d in ds {
            if let Some(r) = readers.get_mut(*d) {
                r.push(c);
            }
        }
    }
    let mut ready: std::collections::BTreeSet<ClauseId> =
        (0..n).filter(|c| waiting.get(*c) == Some(&0)).collect();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut next_unplaced = 0;
    while order.len() < n {
        let c = match ready.pop_first() {
            Some(c) => c,
            None => {
                while placed.get(next_unplaced).copied().unwrap_or(false) {
                    next_unplaced += 1;
                }
                if next_unplaced >= n {
                    break;
                }
                next_unplaced
            }
        };
        if placed.get(c).copied().unwrap_or(true) {
            continue;
        }
        if let Some(p) = placed.get_mut(c) {
            *p = true;
        }
        order.push(c);
        for r in readers.get(c).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(w) = waiting.get_mut(*r) {
                *w = w.saturating_sub(1);
                if *w == 0 && !placed.get(*r).copied().unwrap_or(true) {
                    ready.insert(*r);
                }
            }
        }
    }
    order
}

/// Clauses whose payments read each other's (or their own): each amount would
/// wait for the other, so neither can be computed.
pub fn payment_cycles(model: &Model) -> Vec<Diagnostic> {
    let n = model.clauses.len();
    let reads: Vec<Vec<(ClauseId, Span, Span)>> = (0..n).map(|c| clause_reads(model, c)).collect();
    let mut out = Vec::new();
    if reads.iter().all(Vec::is_empty) {
        return out;
    }
    let name = |c: ClauseId| model.clauses.get(c).map_or("", |c| c.name.as_str());
    for (c, rs) in reads.iter().enumerate() {
        for (d, slot, at) in rs {
            if *d == c {
                out.push(
                    Diagnostic::error(
                        Code::PaymentCycle,
                        *at,
                        format!(
                            "the payments under `{}` are computed from themselves",
                            name(c)
                        ),
                    )
                    .with_label("reads its own clause's payments")
                    .with_secondary(*slot, "in this amount")
                    .with_help(
                        "compute the amount from metrics, events or another clause's payments",
                    ),
                );
                continue;
            }
            // The path back from `d` to `c`, if there is one.
            let mut seen = vec![false; n];
            let mut stack = vec![*d];
            let mut back: Option<(Span, Span)> = None;
            while let Some(x) = stack.pop() {
                if seen.get(x).copied().unwrap_or(true) {
                    continue;
                }
                if let Some(s) = seen.get_mut(x) {
                    *s = true;
                }
                for (y, s2, at2) in reads.get(x).map(Vec::as_slice).unwrap_or(&[]) {
                    // The edge straight back from `d` is the clearest to show.
                    if *y == c && (x == *d || back.is_none()) {
                        back = Some((*at2, *s2));
                    }
                    stack.push(*y);
                }
            }
            // Reported once per pair, from the earlier clause.
            if let Some((other, _)) = back {
                if c < *d {
                    out.push(
                        Diagnostic::error(
                            Code::PaymentCycle,
                            *at,
                            format!(
                                "the payments under `{}` and `{}` are computed from each other",
                                name(c),
                                name(*d)
                            ),
                        )
                        .with_label(format!("`{}` reads `{}` here", name(c), name(*d)))
                        .with_secondary(other, "and the other way round here")
                        .with_help(
                            "one of the two amounts must be computed without the other's payments",
                        ),
                    );
                }
            }
        }
    }
    out
}

/// Looks up the clauses named by `payments under NAME` in top-level lets,
/// once every clause name is registered.
pub(crate) fn resolve_payment_sources(r: &mut Resolver<'_>) {
    let pending = std::mem::take(&mut r.pending_clauses);
    if pending.is_empty() {
        return;
    }
    let mut found: Vec<(Span, ClauseId)> = Vec::new();
    for (span, name) in &pending {
        let n = ast::Name {
            text: name.clone(),
            span: *span,
        };
        if let Some(Symbol::Clause(c)) = r.lookup(&n, "clause") {
            found.push((*span, c));
        }
    }
    for p in &mut r.model.params {
        if let Some(f) = &mut p.formula {
            fix_sources(f, &found);
        }
    }
}

fn fix_sources(f: &mut RFormula, found: &[(Span, ClauseId)]) {
    use super::model::{AggregateSource, RWindow};
    match f {
        RFormula::Aggregate(a) => {
            if let AggregateSource::Payments(c, span) = &mut a.source {
                if let Some((_, id)) = found.iter().find(|(s, _)| s == span) {
                    *c = *id;
                }
            }
            match &mut a.window {
                RWindow::Before(_, day) | RWindow::Since(Some(day)) => fix_sources(day, found),
                RWindow::Since(None) | RWindow::Current(_) => {}
            }
        }
        RFormula::Binary(_, a, b, _) | RFormula::Compare(a, _, b, _) => {
            fix_sources(a, found);
            fix_sources(b, found);
        }
        RFormula::ShareOf(_, of, _) | RFormula::Round(of, ..) => fix_sources(of, found),
        RFormula::Extremum(_, terms, _) => {
            for t in terms {
                fix_sources(t, found);
            }
        }
        RFormula::Value(..)
        | RFormula::Figure(..)
        | RFormula::EventDate(..)
        | RFormula::EventArg(..)
        | RFormula::PeriodStart(_)
        | RFormula::Termination(_) => {}
    }
}

/// `when FN of METRIC in the current UNIT OP AMOUNT`: the aggregate, taken over
/// each UNIT in turn (as over `in this period` of a payment every UNIT).
pub(crate) fn condition_aggregate(
    r: &mut Resolver<'_>,
    a: &ast::Aggregate,
) -> Option<(super::model::RAggregate, crate::calendar::PeriodUnit)> {
    let unit = match (&a.window, a.arg.is_some() || a.payments) {
        (ast::AggregateWindow::Current(Some(unit), _), false) => *unit,
        _ => {
            return mismatch(
                r,
                a.span,
                "a condition computed from a metric tests one period's figure, or an aggregate of the metric over `the current UNIT`".to_owned(),
                "write `when sum of net_sales in the current contract year >= USD 10 million`",
            )
        }
    };
    let (RFormula::Aggregate(mut agg), _) = aggregate(r, a)? else {
        return None;
    };
    if !matches!(agg.source, super::model::AggregateSource::Metric(_)) {
        return mismatch(
            r,
            a.metric.span,
            format!("`{}` is not a metric", a.metric.text),
            "a condition is computed from a metric's figures",
        );
    }
    if a.function == ast::AggregateFn::Count {
        return mismatch(
            r,
            a.span,
            "a count of periods is a number, and the condition compares with an amount".to_owned(),
            "use sum, average, minimum or maximum",
        );
    }
    agg.window = super::model::RWindow::Current(None);
    Some((agg, unit))
}
