//! Building the [`Model`]: names, types, dates and the amendment chain.
//!
//! The base contract is read first, then each amendment in chain order. Every
//! declaration registers its name in one namespace (a clause and a party may
//! not share a name, which keeps `by CLAUSE` and `PARTY` unambiguous);
//! clause names are registered before any clause body is resolved so that
//! `notwithstanding` may point forward.

use std::collections::HashMap;

use crate::calendar::{Date, PeriodUnit};
use crate::diagnostic::{suggest, Code, Diagnostic};
use crate::money::{Currency, Money, Rate};
use crate::source::Span;
use crate::syntax::ast::{self, CmpOp, Literal, Operand};
use rust_decimal::RoundingStrategy;

use super::model::*;

/// The longest amendment chain accepted.
pub const MAX_AMENDMENT_CHAIN: usize = 64;

/// Expected kinds for slots, used for messages and type checks.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Want {
    Money(Option<Currency>),
    Percent,
    Date,
    Duration,
}

impl Want {
    fn ty(self) -> ValueType {
        match self {
            Want::Money(c) => ValueType::Money(c),
            Want::Percent => ValueType::Percent,
            Want::Date => ValueType::Date,
            Want::Duration => ValueType::Duration,
        }
    }
}

/// Describes a type for messages.
pub fn describe_type(model: &Model, ty: ValueType) -> String {
    match ty {
        ValueType::Money(Some(c)) if c.is_quantity() => format!("a quantity of {c}"),
        ValueType::Money(Some(c)) => format!("an amount in {c}"),
        ValueType::Money(None) => "an amount of money".to_owned(),
        ValueType::Percent => "a percentage".to_owned(),
        ValueType::Date => "a date".to_owned(),
        ValueType::Duration => "a duration".to_owned(),
        ValueType::Number => "a number".to_owned(),
        ValueType::Bool => "true or false".to_owned(),
        ValueType::Text => "a text".to_owned(),
        ValueType::Enum(t) => format!(
            "one of the values of `{}`",
            model.types.get(t).map_or("?", |t| t.name.as_str())
        ),
    }
}

fn example(ty: ValueType) -> &'static str {
    match ty {
        ValueType::Money(_) => "USD 5 million",
        ValueType::Percent => "20%",
        ValueType::Date => "2026-04-27",
        ValueType::Duration => "90 days",
        ValueType::Number => "12",
        ValueType::Bool => "true",
        ValueType::Text => "\"text\"",
        ValueType::Enum(_) => "one of the defined values",
    }
}

/// Converts a literal to a value (enum values need the model, so they are names, not literals).
pub fn literal_value(literal: &Literal) -> Value {
    match literal {
        Literal::Money(m) => Value::Money(*m),
        Literal::Percent(r) => Value::Percent(*r),
        Literal::Date(d) => Value::Date(*d),
        Literal::Duration(d) => Value::Duration(*d),
        Literal::Number(n) => Value::Number(*n),
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Text(t) => Value::Text(t.clone()),
    }
}

/// Resolves names against a model and records diagnostics.
pub(crate) struct Resolver<'m> {
    pub model: &'m mut Model,
    pub diagnostics: Vec<Diagnostic>,
    /// Names local to the clause being read (its `let` lines), seen before the model's.
    pub locals: Vec<(String, Symbol)>,
    /// Whether the slot being read may hold a value computed per payment
    /// period (a periodic payment's amount, its floor and its per-period cap).
    pub periodic_ok: bool,
    /// `payments under NAME` read before clause names were registered: (span, name).
    pub pending_clauses: Vec<(Span, String)>,
    /// While resolving the amount of a payment `on each EVENT`: the event, whose
    /// occurrence's data `EVENT.ARG` reads.
    pub occurrence: Option<EventId>,
    /// Lets whose formulas were reported as wrong: a use of one is not reported
    /// again as an unknown name, which would only repeat the first error.
    pub failed_lets: Vec<String>,
}

impl<'m> Resolver<'m> {
    pub fn new(model: &'m mut Model) -> Self {
        Resolver {
            model,
            diagnostics: Vec::new(),
            locals: Vec::new(),
            periodic_ok: false,
            pending_clauses: Vec::new(),
            occurrence: None,
            failed_lets: Vec::new(),
        }
    }

    /// What a name refers to here: a clause-local let first, then the model's names.
    pub fn symbol(&self, name: &str) -> Option<Symbol> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, s)| *s)
            .or_else(|| self.model.symbol(name))
    }

    /// Registers a name local to the clause being read; it may not hide another name.
    pub fn declare_local(&mut self, name: &ast::Name, symbol: Symbol) -> bool {
        if let Some(existing) = self.symbol(&name.text) {
            let d = Diagnostic::error(
                Code::DuplicateName,
                name.span,
                format!("`{}` is already declared as {}", name.text, existing.a_kind()),
            )
            .with_label("declared again here")
            .with_help("a clause's `let` needs a name of its own, so that no reader mistakes one value for another");
            self.error(d);
            return false;
        }
        self.locals.push((name.text.clone(), symbol));
        true
    }

    fn error(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Registers a name, reporting a duplicate.
    pub fn declare(&mut self, name: &ast::Name, symbol: Symbol) -> bool {
        if let Some((existing, span)) = self.model.symbols.get(&name.text) {
            let kind = existing.a_kind();
            let d = Diagnostic::error(Code::DuplicateName, name.span, format!("`{}` is already declared as {kind}", name.text))
                .with_label("declared again here")
                .with_secondary(*span, "first declared here")
                .with_help("every party, clause, action, metric, condition, param and defined value needs its own name");
            self.error(d);
            return false;
        }
        self.model
            .symbols
            .insert(name.text.clone(), (symbol, name.span));
        true
    }

    /// Looks up a name that must be of one kind.
    pub fn lookup(&mut self, name: &ast::Name, kind: &'static str) -> Option<Symbol> {
        match self.symbol(&name.text) {
            Some(s) if s.kind() == kind => Some(s),
            Some(other) => {
                // `an index`, `an action`; every other kind takes `a`.
                let a = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                let d = Diagnostic::error(
                    Code::UnknownName,
                    name.span,
                    format!("`{}` is {}, not {a} {kind}", name.text, other.a_kind()),
                )
                .with_label(format!("{a} {kind} is expected here"));
                let candidates = self.model.names_of_kind(kind);
                let help = match suggest(&name.text, candidates.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if candidates.is_empty() => format!("the contract declares no {kind}"),
                    None => format!("name {a} {kind}: {}", candidates.join(", ")),
                };
                self.error(d.with_help(help));
                None
            }
            None if self.failed_lets.contains(&name.text) => None,
            None => {
                let d = Diagnostic::error(
                    Code::UnknownName,
                    name.span,
                    format!("unknown {kind} `{}`", name.text),
                )
                .with_label(format!("no {kind} has this name"));
                let d = self.with_suggestion(d, &name.text, kind);
                self.error(d);
                None
            }
        }
    }

    fn with_suggestion(&self, d: Diagnostic, name: &str, kind: &'static str) -> Diagnostic {
        let candidates = self.model.names_of_kind(kind);
        match suggest(name, candidates.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(match kind {
                "party" => "declare it in the contract's `parties { … }` block".to_owned(),
                "action" => {
                    "declare it with `action NAME` (and its arguments) in the contract".to_owned()
                }
                "metric" => "declare it with `metric NAME in USD per year`".to_owned(),
                "index" => "declare it with `index NAME per year` and give its figures in scenarios: `cpi for 2026 is 301.2`".to_owned(),
                "condition" => "declare it with `condition NAME default true`".to_owned(),
                "param" => "declare it with `param NAME = VALUE` in the contract or an amendment"
                    .to_owned(),
                "clause" => {
                    if candidates.is_empty() {
                        "the contract declares no clauses".to_owned()
                    } else {
                        format!("the clauses are: {}", candidates.join(", "))
                    }
                }
                _ => format!("declare the {kind} before using it"),
            }),
        }
    }

    pub fn party(&mut self, name: &ast::Name) -> Option<PartyId> {
        match self.lookup(name, "party")? {
            Symbol::Party(id) => Some(id),
            _ => None,
        }
    }

    pub fn action(&mut self, name: &ast::Name) -> Option<ActionId> {
        match self.lookup(name, "action")? {
            Symbol::Action(id) => Some(id),
            _ => None,
        }
    }

    pub fn metric(&mut self, name: &ast::Name) -> Option<MetricId> {
        match self.lookup(name, "metric")? {
            Symbol::Metric(id) => Some(id),
            _ => None,
        }
    }

    pub fn clause(&mut self, name: &ast::Name) -> Option<ClauseId> {
        match self.lookup(name, "clause")? {
            Symbol::Clause(id) => Some(id),
            _ => None,
        }
    }

    /// A literal's value, a quantity stamped with its unit's declared rule.
    pub fn literal(&mut self, literal: &Literal, span: Span) -> Value {
        match literal_value(literal) {
            Value::Money(m) => Value::Money(self.amount(m, span)),
            other => other,
        }
    }

    /// An amount as the model counts it: a quantity gets its unit's declared
    /// rounding rule; a unit the contract does not declare is `unknown_name`.
    pub fn amount(&mut self, m: Money, span: Span) -> Money {
        Money::new(self.unit(m.currency, span), m.amount)
    }

    /// A currency as written, or a quantity unit with its declared rule.
    pub fn unit(&mut self, c: Currency, span: Span) -> Currency {
        if let Some(stamped) = self.model.stamp(c) {
            return stamped;
        }
        let units: Vec<&str> = self.model.units.iter().map(|(u, _)| u.as_str()).collect();
        let help = match suggest(c.as_str(), units.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "declare the unit first, like `unit {c} rounded down to whole units`, or write money with a currency code, like `USD 5_000`"
            ),
        };
        self.error(
            Diagnostic::error(
                Code::UnknownName,
                span,
                format!("no unit `{c}` is declared in this contract"),
            )
            .with_label("not a declared unit")
            .with_help(help),
        );
        c
    }

    /// The type named in `action x(arg: TYPE)` or `param x: TYPE`.
    pub fn type_name(&mut self, name: &ast::Name) -> Option<ValueType> {
        if let Some(unit) = Currency::quantity(&name.text).and_then(|c| self.model.stamp(c)) {
            return Some(ValueType::Money(Some(unit)));
        }
        Some(match name.text.as_str() {
            "money" => ValueType::Money(None),
            "percent" | "percentage" | "rate" => ValueType::Percent,
            "date" => ValueType::Date,
            "duration" => ValueType::Duration,
            "number" => ValueType::Number,
            "text" => ValueType::Text,
            "bool" | "boolean" | "condition" => ValueType::Bool,
            other => match self.symbol(other) {
                Some(Symbol::Type(t)) => ValueType::Enum(t),
                _ => {
                    let mut candidates = vec![
                        "money", "percent", "date", "duration", "number", "text", "bool",
                    ];
                    let defined = self.model.names_of_kind("defined type");
                    candidates.extend(defined.iter().copied());
                    let help = match suggest(other, candidates.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "types are money, percent, date, duration, number, text, bool, or a name defined with `define NAME as one of …`".to_owned(),
                    };
                    let candidates_owned: Vec<String> =
                        candidates.iter().map(|s| (*s).to_owned()).collect();
                    drop(candidates_owned);
                    self.error(
                        Diagnostic::error(
                            Code::UnknownName,
                            name.span,
                            format!("unknown type `{other}`"),
                        )
                        .with_label("not a type")
                        .with_help(help),
                    );
                    return None;
                }
            },
        })
    }

    /// A value for a param default, a `set`, or an argument: literals, or a defined value's name.
    pub fn plain_value(&mut self, operand: &Operand, expected: Option<ValueType>) -> Option<Value> {
        let value = match operand {
            Operand::Literal(l, span) => self.literal(l, *span),
            Operand::Name(n) => match self.symbol(&n.text) {
                Some(Symbol::Value(t, i)) => Value::Enum(t, i),
                _ => {
                    let mut d = Diagnostic::error(
                        Code::UnknownName,
                        n.span,
                        format!("unknown value `{}`", n.text),
                    )
                    .with_label("not a defined value");
                    if let Some(ValueType::Enum(t)) = expected {
                        if let Some(ty) = self.model.types.get(t) {
                            let help = match suggest(&n.text, ty.values.iter().map(String::as_str))
                            {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => {
                                    format!("`{}` is one of: {}", ty.name, ty.values.join(", "))
                                }
                            };
                            d = d.with_help(help);
                        }
                    }
                    self.error(d);
                    return None;
                }
            },
        };
        if let Some(expected) = expected {
            self.check_type(&value, expected, operand.span())?;
        }
        self.check_rate(&value, operand.span());
        Some(value)
    }

    fn check_type(&mut self, value: &Value, expected: ValueType, span: Span) -> Option<()> {
        let actual = value.value_type();
        if expected.accepts(actual) {
            return Some(());
        }
        if let (ValueType::Money(Some(a)), ValueType::Money(Some(b))) = (expected, actual) {
            self.error(
                Diagnostic::error(Code::CurrencyMismatch, span, format!("this amount is in {b}, but {a} is expected here"))
                    .with_label(format!("{b}, not {a}"))
                    .with_help(if a.is_quantity() || b.is_quantity() {
                        "a payment counts one unit throughout: write its caps, floors and thresholds in the same unit as the payment"
                    } else {
                        "one computation uses one currency; convert the amount or declare the metric in the same currency"
                    }),
            );
            return None;
        }
        let expected_text = describe_type(self.model, expected);
        let actual_text = describe_type(self.model, actual);
        self.error(
            Diagnostic::error(
                Code::TypeMismatch,
                span,
                format!("expected {expected_text}, found {actual_text}"),
            )
            .with_label(format!("this is {actual_text}"))
            .with_help(format!(
                "write {expected_text} here, like {}",
                example(expected)
            )),
        );
        None
    }

    fn check_rate(&mut self, value: &Value, span: Span) {
        if let Value::Percent(Rate(r)) = value {
            if *r > rust_decimal::Decimal::ONE_HUNDRED || r.is_sign_negative() {
                self.error(
                    Diagnostic::error(Code::RateOver100, span, format!("{}% is not a share between 0% and 100%", r.normalize()))
                        .with_label("out of range")
                        .with_help("a share of a metric is at most 100%; for a multiple, use a fixed sum or a formula"),
                );
            }
        }
    }

    /// A slot: a literal of the wanted type, or a param of that type.
    pub fn slot(&mut self, operand: &Operand, want: Want) -> Option<Slot> {
        let span = operand.span();
        let expected = want.ty();
        match operand {
            Operand::Literal(l, _) => {
                let value = self.literal(l, span);
                self.check_type(&value, expected, span)?;
                self.check_rate(&value, span);
                Some(Slot {
                    value: ValueRef::Lit(value),
                    span,
                })
            }
            Operand::Name(n) => match self.symbol(&n.text) {
                Some(Symbol::Param(p)) => {
                    let param = self.model.params.get(p)?.clone();
                    if param.periodic && !self.periodic_ok {
                        self.error(per_period_misuse(&n.text, span, param.span));
                        return None;
                    }
                    if !expected.accepts(param.ty) {
                        let d = Diagnostic::error(
                            Code::TypeMismatch,
                            span,
                            format!(
                                "{} `{}` is {}, but {} is expected here",
                                if param.formula.is_some() {
                                    "let"
                                } else {
                                    "param"
                                },
                                n.text,
                                describe_type(self.model, param.ty),
                                describe_type(self.model, expected)
                            ),
                        )
                        .with_label("wrong kind of value")
                        .with_secondary(param.span, "declared here")
                        .with_help(format!(
                            "use a param that holds {}",
                            describe_type(self.model, expected)
                        ));
                        self.error(d);
                        return None;
                    }
                    if let (ValueType::Money(Some(want_c)), Some(Value::Money(m))) =
                        (expected, &param.default)
                    {
                        if m.currency != want_c {
                            self.error(
                                Diagnostic::error(
                                    Code::CurrencyMismatch,
                                    span,
                                    format!(
                                        "param `{}` is in {}, but {want_c} is expected here",
                                        n.text, m.currency
                                    ),
                                )
                                .with_label("other currency")
                                .with_secondary(param.span, "declared here")
                                .with_help("one computation uses one currency"),
                            );
                            return None;
                        }
                    }
                    Some(Slot {
                        value: ValueRef::Param(p),
                        span,
                    })
                }
                Some(other) => {
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            span,
                            format!(
                                "`{}` is {}, but {} is expected here",
                                n.text,
                                other.a_kind(),
                                describe_type(self.model, expected)
                            ),
                        )
                        .with_label("not a value")
                        .with_help(format!(
                            "write {} here, like {}, or the name of a param",
                            describe_type(self.model, expected),
                            example(expected)
                        )),
                    );
                    None
                }
                None if self.failed_lets.contains(&n.text) => None,
                None => {
                    let params = self.model.names_of_kind("param");
                    let help = match suggest(&n.text, params.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "declare it with `param {} = {}`, or write the value itself",
                            n.text,
                            example(expected)
                        ),
                    };
                    self.error(
                        Diagnostic::error(
                            Code::UnknownName,
                            span,
                            format!("unknown param `{}`", n.text),
                        )
                        .with_label("no param has this name")
                        .with_help(help),
                    );
                    None
                }
            },
        }
    }

    /// The argument of `action` that names a licence's subject (`needs licence
    /// to product`, `the product of each release`): it must be declared, and
    /// hold a text or a defined value.
    pub fn subject_arg(
        &mut self,
        action: &str,
        args: &[(String, ValueType)],
        arg: &ast::Name,
        declared: Span,
    ) -> Option<usize> {
        let Some(i) = args.iter().position(|(a, _)| *a == arg.text) else {
            let help = match suggest(&arg.text, args.iter().map(|(a, _)| a.as_str())) {
                Some(s) => format!("did you mean `{s}`?"),
                None if args.is_empty() => format!("`{action}` takes no arguments; name the subject in quotes, like `\"ICE AGE 2 Game\"`, or declare an argument such as `action {action}(product: text)`"),
                None => format!(
                    "`{action}` takes: {}",
                    args.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>().join(", ")
                ),
            };
            let d = Diagnostic::error(
                Code::UnknownArgument,
                arg.span,
                format!(
                    "action `{action}` has no argument `{}` to name the licensed subject",
                    arg.text
                ),
            )
            .with_label("unknown argument");
            self.error(declared_at(d, declared, arg.span).with_help(help));
            return None;
        };
        let ty = args.get(i)?.1;
        if !matches!(ty, ValueType::Text | ValueType::Enum(_)) {
            let d = Diagnostic::error(
                Code::TypeMismatch,
                arg.span,
                format!(
                    "argument `{}` is {}, but a licensed subject is a text or a defined value",
                    arg.text,
                    describe_type(self.model, ty)
                ),
            )
            .with_label("not a subject");
            self.error(declared_at(d, declared, arg.span).with_help("declare the argument as `text` (`product: text`) or as a type defined with `define … as one of …`"));
            return None;
        }
        Some(i)
    }

    /// Resolves an `allow` line: the code must name a finding that can be
    /// silenced, the target (if any) a declared name, and the reason must say something.
    pub fn allow(&mut self, a: &ast::AllowDecl, scope: Option<Span>) -> Option<Allow> {
        let code = match Code::from_name(&a.code.text) {
            Some(code) if code.allowable() => code,
            Some(code) => {
                self.error(
                    Diagnostic::error(Code::BadAllow, a.code.span, format!("`{}` cannot be allowed: `allow` silences the checker's warnings and advice about a contract, not {}", code.name(), if matches!(code, Code::OutsideTerm | Code::IneffectiveEvent | Code::UnusedAllow) { "findings about scenarios or about `allow` lines" } else { "errors, which must be fixed" }))
                        .with_label("not a finding that can be silenced")
                        .with_help(format!("fix the problem instead; the findings that can be allowed are: {}", allowable_names().join(", "))),
                );
                return None;
            }
            None => {
                let names = allowable_names();
                let help = match suggest(&a.code.text, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the findings that can be allowed are: {}", names.join(", ")),
                };
                self.error(
                    Diagnostic::error(
                        Code::BadAllow,
                        a.code.span,
                        format!("there is no finding `{}` to allow", a.code.text),
                    )
                    .with_label("not a code")
                    .with_help(help),
                );
                return None;
            }
        };
        if a.reason.text.trim().is_empty() {
            self.error(
                Diagnostic::error(Code::BadAllow, a.reason.span, "an `allow` line must say why the finding is acceptable")
                    .with_label("empty reason")
                    .with_help("write the reason a reader of the contract needs, like `because \"the carve-out is meant to override the exclusivity\"`"),
            );
            return None;
        }
        if let Some(t) = &a.target {
            if self.model.symbol(&t.text).is_none() {
                let d = Diagnostic::error(
                    Code::UnknownName,
                    t.span,
                    format!("`allow … for {}` names nothing declared", t.text),
                )
                .with_label("no clause or declaration has this name");
                let candidates: Vec<&str> = self.model.symbols.keys().map(String::as_str).collect();
                let d = match suggest(&t.text, candidates) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => {
                        d.with_help("name the clause, party or declaration the finding is about")
                    }
                };
                self.error(d);
                return None;
            }
        }
        Some(Allow {
            code,
            target: a.target.as_ref().map(|t| t.text.clone()),
            reason: a.reason.text.clone(),
            scope,
            span: a.span,
        })
    }

    /// Resolves an expression; `args` are the action's arguments in scope (empty for windows).
    pub fn expr(&mut self, e: &ast::Expr, args: &[(String, ValueType)]) -> Option<RExpr> {
        Some(match e {
            ast::Expr::Atom(o) => {
                let (op, ty) = self.operand(o, args)?;
                if ty != ValueType::Bool {
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            o.span(),
                            format!("this is {}, not a condition", describe_type(self.model, ty)),
                        )
                        .with_label("not true or false")
                        .with_help(
                            "compare it with `is`, `is not`, `in`, `<`, … or name a condition",
                        ),
                    );
                    return None;
                }
                RExpr::Atom(op)
            }
            ast::Expr::Compare(a, op, b, span) => {
                let (ra, ta) = self.operand(a, args)?;
                let (rb, tb) = self.operand(b, args)?;
                self.comparable(ta, tb, *span, b.span())?;
                if !matches!(op, CmpOp::Is | CmpOp::IsNot) && !ta.is_ordered() {
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            *span,
                            format!(
                                "{} has no order, so `<` and `>` do not apply",
                                describe_type(self.model, ta)
                            ),
                        )
                        .with_label("not ordered")
                        .with_help("use `is`, `is not` or `in [ … ]`"),
                    );
                    return None;
                }
                RExpr::Compare(ra, *op, rb)
            }
            ast::Expr::In(a, items, span) => {
                let (ra, ta) = self.operand(a, args)?;
                let mut out = Vec::new();
                for item in items {
                    let (ri, ti) = self.operand(item, args)?;
                    self.comparable(ta, ti, *span, item.span())?;
                    out.push(ri);
                }
                RExpr::In(ra, out)
            }
            ast::Expr::Not(inner, _) => RExpr::Not(Box::new(self.expr(inner, args)?)),
            ast::Expr::And(items, _) => RExpr::And(
                items
                    .iter()
                    .map(|i| self.expr(i, args))
                    .collect::<Option<Vec<_>>>()?,
            ),
            ast::Expr::Or(items, _) => RExpr::Or(
                items
                    .iter()
                    .map(|i| self.expr(i, args))
                    .collect::<Option<Vec<_>>>()?,
            ),
        })
    }

    fn comparable(&mut self, a: ValueType, b: ValueType, span: Span, at: Span) -> Option<()> {
        if a.accepts(b) {
            return Some(());
        }
        let code = match (a, b) {
            (ValueType::Money(Some(_)), ValueType::Money(Some(_))) => Code::CurrencyMismatch,
            _ => Code::TypeMismatch,
        };
        self.error(
            Diagnostic::error(
                code,
                at,
                format!(
                    "cannot compare {} with {}",
                    describe_type(self.model, a),
                    describe_type(self.model, b)
                ),
            )
            .with_label("different kind")
            .with_secondary(span, "in this comparison")
            .with_help(
                "both sides of a comparison must be of the same kind (and the same currency)",
            ),
        );
        None
    }

    fn operand(
        &mut self,
        o: &Operand,
        args: &[(String, ValueType)],
    ) -> Option<(ROperand, ValueType)> {
        match o {
            Operand::Literal(l, span) => {
                let v = self.literal(l, *span);
                self.check_rate(&v, *span);
                let ty = v.value_type();
                Some((ROperand::Value(ValueRef::Lit(v)), ty))
            }
            Operand::Name(n) => {
                if let Some(i) = args.iter().position(|(a, _)| *a == n.text) {
                    return Some((ROperand::Arg(i), args.get(i)?.1));
                }
                match self.symbol(&n.text) {
                    Some(Symbol::Param(p)) => {
                        let param = self.model.params.get(p)?;
                        if param.periodic {
                            let d = per_period_misuse(&n.text, n.span, param.span);
                            self.error(d);
                            return None;
                        }
                        Some((ROperand::Value(ValueRef::Param(p)), param.ty))
                    }
                    Some(Symbol::Value(t, i)) => Some((
                        ROperand::Value(ValueRef::Lit(Value::Enum(t, i))),
                        ValueType::Enum(t),
                    )),
                    Some(Symbol::Condition(c)) => Some((ROperand::Condition(c), ValueType::Bool)),
                    Some(other) => {
                        self.error(
                            Diagnostic::error(Code::TypeMismatch, n.span, format!("`{}` is {}; it cannot be used in a condition", n.text, other.a_kind()))
                                .with_label("not a value")
                                .with_help("conditions compare the action's arguments, params, defined values and conditions"),
                        );
                        None
                    }
                    None if self.failed_lets.contains(&n.text) => None,
                    None => {
                        let mut candidates: Vec<&str> =
                            args.iter().map(|(a, _)| a.as_str()).collect();
                        let others: Vec<String> = self
                            .model
                            .symbols
                            .iter()
                            .filter(|(_, (s, _))| {
                                matches!(
                                    s,
                                    Symbol::Param(_) | Symbol::Value(..) | Symbol::Condition(_)
                                )
                            })
                            .map(|(k, _)| k.clone())
                            .collect();
                        candidates.extend(others.iter().map(String::as_str));
                        candidates.sort_unstable();
                        let help = match suggest(&n.text, candidates.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None if args.is_empty() => {
                                "name a condition, a param or a defined value".to_owned()
                            }
                            None => format!(
                                "the action's arguments are: {}",
                                args.iter()
                                    .map(|(a, _)| a.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        };
                        self.error(
                            Diagnostic::error(
                                Code::UnknownName,
                                n.span,
                                format!("unknown name `{}`", n.text),
                            )
                            .with_label("not declared")
                            .with_help(help),
                        );
                        None
                    }
                }
            }
        }
    }
}

/// Points at the action's declaration, unless the problem is written on that very line.
fn declared_at(d: Diagnostic, declared: Span, at: Span) -> Diagnostic {
    if declared.start <= at.start && at.end <= declared.end {
        d
    } else {
        d.with_secondary(declared, "declared here")
    }
}

/// The codes an `allow` line may name.
fn allowable_names() -> Vec<&'static str> {
    Code::ALL
        .iter()
        .filter(|c| c.allowable())
        .map(|c| c.name())
        .collect()
}

/// The arguments of an action or event declaration, each name once, with its type.
fn declared_args(
    r: &mut Resolver<'_>,
    declared: &[(ast::Name, ast::Name)],
) -> Vec<(String, ValueType)> {
    let mut args: Vec<(String, ValueType)> = Vec::new();
    for (name, ty) in declared {
        if args.iter().any(|(n, _)| *n == name.text) {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    name.span,
                    format!("argument `{}` is declared twice", name.text),
                )
                .with_label("again")
                .with_help("give each argument its own name"),
            );
            continue;
        }
        if let Some(t) = r.type_name(ty) {
            args.push((name.text.clone(), t));
        }
    }
    args
}

/// A blank model for the builder to fill in.
pub(crate) fn empty_model(contract: &ast::Contract) -> Model {
    Model {
        name: contract.name.text.clone(),
        title: contract.title.as_ref().map(|t| t.text.clone()),
        document: contract.name.text.clone(),
        span: contract.span,
        parties: Vec::new(),
        effective: Date::default(),
        term: Term {
            last_day: None,
            length: None,
            renewal: None,
            span: contract.span,
        },
        types: Vec::new(),
        actions: Vec::new(),
        metrics: Vec::new(),
        indexes: Vec::new(),
        conditions: Vec::new(),
        events: Vec::new(),
        params: Vec::new(),
        terminations: Vec::new(),
        nettings: Vec::new(),
        clauses: Vec::new(),
        amendments: Vec::new(),
        allows: Vec::new(),
        interpretations: Vec::new(),
        symbols: HashMap::new(),
        fiscal_start: None,
        holidays: Vec::new(),
        units: Vec::new(),
    }
}

/// Declares the quantity units (`unit shares rounded down to whole units`)
/// before anything else, so that amounts anywhere in the contract may use them.
pub(crate) fn declare_units(r: &mut Resolver<'_>, decls: &[ast::Decl]) {
    for decl in decls {
        let ast::Decl::Unit(u) = decl else { continue };
        let Some(unit) = Currency::quantity(&u.name.text) else {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::LimitExceeded,
                    u.name.span,
                    format!(
                        "the unit name `{}` is longer than {} characters",
                        u.name.text,
                        crate::money::MAX_UNIT_NAME
                    ),
                )
                .with_label("too long")
                .with_help("give the unit a shorter name, like `shares` or `barrels`"),
            );
            continue;
        };
        if let Some((_, first)) = r.model.units.iter().find(|(c, _)| *c == unit) {
            let first = *first;
            r.diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    u.name.span,
                    format!("unit `{}` is declared twice", u.name.text),
                )
                .with_label("declared again here")
                .with_secondary(first, "first declared here")
                .with_help("declare each unit once, with one rounding rule"),
            );
            continue;
        }
        // Whole units, half-up, unless the contract says otherwise (Covenant's rule).
        let (mode, places) = match u.rounding {
            None => (RoundingStrategy::MidpointAwayFromZero, 0),
            Some((mode, target, at)) => {
                let places = match target {
                    ast::RoundTarget::WholeUnits => 0,
                    ast::RoundTarget::Places(p) => p,
                    ast::RoundTarget::Cents | ast::RoundTarget::Whole(_) => {
                        r.diagnostics.push(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                at,
                                format!("a unit rounds to whole units or to decimal places, not to {}", match target {
                                    ast::RoundTarget::Cents => "cents",
                                    _ => "days, months or years",
                                }),
                            )
                            .with_label("not a rounding for a quantity")
                            .with_help(format!("write `unit {} rounded down to whole units` or `rounded half-up to 3 decimal places`", u.name.text)),
                        );
                        // Declared all the same, so that its amounts raise no more errors.
                        0
                    }
                };
                (crate::eval::formula::strategy(mode), places)
            }
        };
        r.model.units.push((unit.with_rule(mode, places), u.span));
    }
}

/// Applies the declarations shared by contracts and amendments.
pub(crate) fn declare(r: &mut Resolver<'_>, decl: &ast::Decl, effective: Date) {
    match decl {
        ast::Decl::Parties(parties, _) => {
            for p in parties {
                let id = r.model.parties.len();
                if r.declare(&p.name, Symbol::Party(id)) {
                    r.model.parties.push(Party {
                        name: p.name.text.clone(),
                        title: p.title.as_ref().map(|t| t.text.clone()),
                        span: p.name.span,
                    });
                }
            }
        }
        ast::Decl::Define(d) => {
            let id = r.model.types.len();
            if r.declare(&d.name, Symbol::Type(id)) {
                let mut values = Vec::new();
                for v in &d.values {
                    if r.declare(v, Symbol::Value(id, values.len())) {
                        values.push(v.text.clone());
                    }
                }
                r.model.types.push(EnumType {
                    name: d.name.text.clone(),
                    values,
                    span: d.span,
                });
            }
        }
        ast::Decl::Action(a) => {
            let args = declared_args(r, &a.args);
            let licence = a.licence.as_ref().and_then(|need| {
                let subject = match &need.subject {
                    ast::LicenceSubject::Text(t) => NeededSubject::Fixed(t.text.clone()),
                    ast::LicenceSubject::Arg(n) => {
                        NeededSubject::Arg(r.subject_arg(&a.name.text, &args, n, a.span)?)
                    }
                };
                Some(NeedsLicence {
                    subject,
                    span: need.span,
                })
            });
            let id = r.model.actions.len();
            if r.declare(&a.name, Symbol::Action(id)) {
                r.model.actions.push(Action {
                    name: a.name.text.clone(),
                    args,
                    licence,
                    span: a.span,
                });
            }
        }
        ast::Decl::Event(a) => {
            let args = declared_args(r, &a.args);
            let id = r.model.events.len();
            if r.declare(&a.name, Symbol::Event(id)) {
                r.model.events.push(Action {
                    name: a.name.text.clone(),
                    args,
                    licence: None,
                    span: a.span,
                });
            }
        }
        ast::Decl::Metric(m) => {
            if m.unit == PeriodUnit::ContractMonth {
                r.diagnostics.push(
                    Diagnostic::error(Code::PeriodMismatch, m.span, "a metric is reported per calendar year, quarter or month, or per fiscal year, not per contract month")
                        .with_label("per contract month")
                        .with_help("declare the metric per month; a payment `every contract month` adds up the figures that fall in each contract month"),
                );
            }
            if m.unit == PeriodUnit::ContractYear {
                r.diagnostics.push(
                    Diagnostic::error(Code::PeriodMismatch, m.span, "a metric is reported per calendar year, quarter or month, not per contract year")
                        .with_label("per contract year")
                        .with_help("declare the metric per month or quarter; a payment `every contract year` adds up the figures that fall in each contract year"),
                );
            }
            let currency = r.unit(m.currency, m.currency_span);
            let id = r.model.metrics.len();
            if r.declare(&m.name, Symbol::Metric(id)) {
                r.model.metrics.push(Metric {
                    name: m.name.text.clone(),
                    currency,
                    unit: m.unit,
                    key: m.key.as_ref().map(|k| k.text.clone()),
                    span: m.span,
                });
            }
        }
        ast::Decl::Index(i) => {
            if !matches!(
                i.unit,
                PeriodUnit::Year | PeriodUnit::Quarter | PeriodUnit::Month
            ) {
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::PeriodMismatch,
                        i.span,
                        format!(
                            "an index is published per calendar year, quarter or month, not per {}",
                            i.unit
                        ),
                    )
                    .with_label(format!("per {}", i.unit))
                    .with_help("declare the index per year, quarter or month, as it is published"),
                );
            }
            let id = r.model.indexes.len();
            if r.declare(&i.name, Symbol::Index(id)) {
                r.model.indexes.push(Index {
                    name: i.name.text.clone(),
                    unit: i.unit,
                    span: i.span,
                });
            }
        }
        ast::Decl::Condition(c) => {
            // Without a default the value is unknown until a scenario sets it;
            // scenarios are then answered in every case (`crate::strategy::unknown`).
            // A warning, since a forgotten default and an open question read alike.
            let source = match &c.metric_test {
                None => ConditionSource::Declared,
                Some(t) => {
                    let Some(metric) = r.metric(&t.metric) else {
                        return;
                    };
                    let currency = r.model.metrics.get(metric).map(|m| m.currency);
                    let Some(threshold) = r.slot(&t.threshold, Want::Money(currency)) else {
                        return;
                    };
                    let over = match &t.aggregate {
                        None => None,
                        Some(a) => {
                            let Some(over) = super::formula::condition_aggregate(r, a) else {
                                return;
                            };
                            Some(over)
                        }
                    };
                    ConditionSource::Metric {
                        metric,
                        op: t.op,
                        threshold,
                        settles: t.settles,
                        over,
                    }
                }
            };
            let computed = source != ConditionSource::Declared;
            if c.default.is_none() && !computed {
                r.diagnostics.push(
                    Diagnostic::warning(Code::MissingDefault, c.span, format!("condition `{}` has no default value, so it is unknown until a scenario sets it", c.name.text))
                        .with_label("no `default true` or `default false`")
                        .with_help("scenarios are answered in every case the unknown allows; add `default true` or `default false` if the value is known"),
                );
            }
            let id = r.model.conditions.len();
            if r.declare(&c.name, Symbol::Condition(id)) {
                r.model.conditions.push(Condition {
                    name: c.name.text.clone(),
                    default: c.default.unwrap_or(false),
                    unknown: c.default.is_none() && !computed,
                    span: c.span,
                    source,
                });
            }
        }
        ast::Decl::Param(p) => {
            let (ty, default) = match &p.kind {
                ast::ParamKind::Default(value) => match r.plain_value(value, None) {
                    Some(v) => (v.value_type(), Some(v)),
                    None => return,
                },
                ast::ParamKind::Required(ty) => match r.type_name(ty) {
                    Some(t) => (t, None),
                    None => return,
                },
            };
            let id = r.model.params.len();
            if r.declare(&p.name, Symbol::Param(id)) {
                r.model.params.push(Param {
                    name: p.name.text.clone(),
                    ty,
                    default,
                    formula: None,
                    periodic: false,
                    hidden: false,
                    reads_scenario: false,
                    span: p.span,
                });
            }
        }
        ast::Decl::Let(l) => super::formula::declare_let(r, l, None),
        ast::Decl::Netting(n) => {
            let first = r.party(&n.first);
            let second = r.party(&n.second);
            if let (Some(first), Some(second)) = (first, second) {
                if first == second {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::DuplicateName,
                            n.second.span,
                            format!("`{}` cannot net payments with itself", n.second.text),
                        )
                        .with_label("the same party twice")
                        .with_help("name the two parties whose payments to each other are netted"),
                    );
                } else {
                    r.model.nettings.push(Netting {
                        first,
                        second,
                        unit: n.unit,
                        span: n.span,
                    });
                }
            }
        }
        ast::Decl::Termination(t) => {
            let party = r.party(&t.party);
            let notice = r.slot(&t.notice, Want::Duration);
            let window = match &t.window {
                Some(ast::Window::After {
                    within,
                    length,
                    event,
                    span,
                }) => match event_window_condition(r, *within, length, event, *span) {
                    Some(id) => Some(id),
                    None => return,
                },
                _ => None,
            };
            let window_event = window
                .and_then(|c| r.model.conditions.get(c))
                .and_then(|c| match c.source {
                    ConditionSource::EventWindow { event, .. } => Some(event),
                    _ => None,
                });
            if let (Some(party), Some(notice)) = (party, notice) {
                r.model.terminations.push(TerminationRight {
                    party,
                    notice,
                    convenience: t.convenience,
                    from: effective,
                    window,
                    window_event,
                    span: t.span,
                });
            }
        }
        ast::Decl::Term(t) => {
            let last_day = match t.length {
                ast::TermLength::Until(d) => Some(d),
                ast::TermLength::For(dur) => dur.last_day_from(r.model.effective),
            };
            if let Some(last) = last_day {
                if last < r.model.effective {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::EndBeforeStart,
                            t.span,
                            format!(
                                "the term ends on {last}, before the effective date {}",
                                r.model.effective
                            ),
                        )
                        .with_label("ends before it starts")
                        .with_help("the term's last day must be on or after the effective date"),
                    );
                }
            }
            let renewal = t.renewal.as_ref().map(|rn| Renewal {
                every: rn.every,
                notice: rn.notice,
            });
            if let Some(rn) = &t.renewal {
                if rn.every.count == 0 {
                    r.diagnostics.push(
                        Diagnostic::error(Code::InvalidNumber, rn.span, "a renewal period of zero length never advances")
                            .with_label("zero")
                            .with_help("renew for at least one day, e.g. `renews every 1 year unless notice 60 days`"),
                    );
                }
            }
            let length = match t.length {
                ast::TermLength::For(d) => Some(d),
                ast::TermLength::Until(_) => None,
            };
            r.model.term = Term {
                last_day,
                length,
                renewal,
                span: t.span,
            };
        }
        // Effective dates, clauses and allows are handled by the caller, which
        // knows the document (allows may name clauses, registered later).
        // The contract's calendars are read before everything else (`calendars`).
        ast::Decl::Effective(..)
        | ast::Decl::Clause(_)
        | ast::Decl::Allow(_)
        | ast::Decl::FiscalYear(_)
        | ast::Decl::Holidays(..)
        | ast::Decl::Interpret(_)
        | ast::Decl::Unit(_) => {}
    }
}

/// A clause body being assembled, with the payment that modifiers attach to.
pub(crate) struct BodyBuilder {
    /// The clause's name (clause-level lets are shown as `CLAUSE.NAME`).
    pub clause: String,
    pub version: ClauseVersion,
    /// Index in `version.payments` of the payment the next modifier applies to.
    pub current_payment: Option<usize>,
    /// Whether modifiers may apply to the clause's only payment even without a preceding statement (`amend`).
    pub amending: bool,
    /// In an `amend` block: whether a payment line already replaced the clause's payment.
    pub replaced_payment: bool,
    /// In an `amend` block: whether a licence line already replaced the clause's licences.
    pub replaced_licence: bool,
    /// The block being read (the clause, or the `replace`/`amend`/`add clause` block): the scope of its `allow` lines.
    pub block: Span,
}

/// Resolves clause items into a version.
pub(crate) fn clause_items(r: &mut Resolver<'_>, b: &mut BodyBuilder, items: &[ast::ClauseItem]) {
    let outer_locals = r.locals.len();
    for item in items {
        match item {
            ast::ClauseItem::Let(l) => {
                let clause = b.clause.clone();
                super::formula::declare_let(r, l, Some(&clause));
            }
            ast::ClauseItem::Window(w) => window(r, b, w),
            ast::ClauseItem::Statement(s) => statement(r, b, s),
            ast::ClauseItem::Modifier(m) => modifier(r, b, m),
            ast::ClauseItem::Allow(a) => {
                let scope = Some(b.block);
                if let Some(allow) = r.allow(a, scope) {
                    b.version.allows.push(allow);
                }
            }
        }
    }
    r.locals.truncate(outer_locals);
    for p in &b.version.payments {
        check_payment(r, p);
    }
}

fn window(r: &mut Resolver<'_>, b: &mut BodyBuilder, w: &ast::Window) {
    let amending = b.amending;
    let w_span = w.span();
    let set = |r: &mut Resolver<'_>, target: &mut Option<Slot>, slot: Option<Slot>, what: &str| {
        if let Some(slot) = slot {
            if let (Some(prev), false) = (target.as_ref(), amending) {
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::Redundant,
                        w_span,
                        format!(
                            "this clause already has {} `{what}` window",
                            if what == "until" { "an" } else { "a" }
                        ),
                    )
                    .with_label("second window of the same kind")
                    .with_secondary(prev.span, "first one")
                    .with_help(
                        "keep one; to change a window in an amendment, use `amend CLAUSE { … }`",
                    ),
                );
                return;
            }
            *target = Some(slot);
        }
    };
    match w {
        ast::Window::From(ast::Operand::Name(n), span)
            if matches!(r.symbol(&n.text), Some(Symbol::Event(_))) =>
        {
            if let Some(Symbol::Event(event)) = r.symbol(&n.text) {
                let name = format!("from {}", n.text);
                let id = event_condition(r, name, *span, ConditionSource::EventFrom { event });
                if amending {
                    b.version.windows.while_.clear();
                }
                b.version
                    .windows
                    .while_
                    .push((RExpr::Atom(ROperand::Condition(id)), *span));
            }
        }
        ast::Window::From(o, _) => {
            let s = r.slot(o, Want::Date);
            set(r, &mut b.version.windows.from, s, "from");
        }
        ast::Window::Until(o, _) => {
            let s = r.slot(o, Want::Date);
            set(r, &mut b.version.windows.until, s, "until");
        }
        ast::Window::For(o, _) => {
            let s = r.slot(o, Want::Duration);
            set(r, &mut b.version.windows.for_, s, "for");
        }
        ast::Window::After {
            within,
            length,
            event,
            span,
        } => {
            if let Some(id) = event_window_condition(r, *within, length, event, *span) {
                if amending {
                    b.version.windows.while_.clear();
                }
                b.version
                    .windows
                    .while_
                    .push((RExpr::Atom(ROperand::Condition(id)), *span));
            }
        }
        ast::Window::While(e, span) => {
            if let Some(e) = r.expr(e, &[]) {
                if amending {
                    b.version.windows.while_.clear();
                }
                b.version.windows.while_.push((e, *span));
            }
        }
        ast::Window::Unless(e, span) => {
            if let Some(e) = r.expr(e, &[]) {
                if amending {
                    b.version.windows.unless.clear();
                }
                b.version.windows.unless.push((e, *span));
            }
        }
    }
    if let (
        Some(Slot {
            value: ValueRef::Lit(Value::Date(from)),
            ..
        }),
        Some(Slot {
            value: ValueRef::Lit(Value::Date(until)),
            span,
        }),
    ) = (&b.version.windows.from, &b.version.windows.until)
    {
        if until < from {
            let from_span = b
                .version
                .windows
                .from
                .as_ref()
                .map(|f| f.span)
                .unwrap_or(*span);
            let d = Diagnostic::error(Code::EndBeforeStart, *span, format!("the window ends on {until}, before it starts on {from}"))
                .with_label("ends before it starts")
                .with_secondary(from_span, "starts here")
                .with_help("`from` and `until` are both inclusive; the `until` date must not be earlier than the `from` date");
            r.diagnostics.push(d);
            b.version.windows.until = None;
        }
    }
}

/// The condition standing for `within|for LENGTH after EVENT`: true in the
/// windows the event's occurrences open.
fn event_window_condition(
    r: &mut Resolver<'_>,
    within: bool,
    length: &ast::Operand,
    event: &ast::Name,
    span: Span,
) -> Option<ConditionId> {
    let length_slot = r.slot(length, Want::Duration);
    let found = match r.symbol(&event.text) {
        Some(s) => s,
        None => r.lookup(event, "event")?,
    };
    let event_id = match found {
        Symbol::Event(id) => id,
        other => {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::NotAnEvent,
                    event.span,
                    format!("`{}` is {} {}, not a declared event", event.text, if other.kind().starts_with('a') { "an" } else { "a" }, other.kind()),
                )
                .with_label("not an event")
                .with_help(format!(
                    "declare the event at the top of the contract: `event {}(…)`; a window after a date is `from DATE` with `for DURATION`",
                    event.text
                )),
            );
            return None;
        }
    };
    let length = length_slot?;
    let shown = match &length.value {
        ValueRef::Lit(v) => r.model.show_value(v),
        ValueRef::Param(p) => r
            .model
            .params
            .get(*p)
            .map_or("?".to_owned(), |x| x.name.clone()),
    };
    let name = format!(
        "{} {shown} after {}",
        if within { "within" } else { "for" },
        event.text
    );
    Some(event_condition(
        r,
        name,
        span,
        ConditionSource::EventWindow {
            event: event_id,
            length,
            within,
        },
    ))
}

/// A condition that an event window stands for: false by default, true in
/// the windows the event's occurrences open. Not declared by name, so that
/// scenarios cannot switch it.
fn event_condition(
    r: &mut Resolver<'_>,
    name: String,
    span: Span,
    source: ConditionSource,
) -> ConditionId {
    if let Some(i) = r
        .model
        .conditions
        .iter()
        .position(|c| c.name == name && c.source == source)
    {
        return i;
    }
    r.model.conditions.push(Condition {
        name,
        default: false,
        unknown: false,
        span,
        source,
    });
    r.model.conditions.len() - 1
}

fn rule_condition(
    r: &mut Resolver<'_>,
    action: Option<ActionId>,
    condition: &Option<ast::Expr>,
) -> Option<Option<RExpr>> {
    let args = action
        .and_then(|a| r.model.actions.get(a))
        .map(|a| a.args.clone())
        .unwrap_or_default();
    match condition {
        Some(e) => r.expr(e, &args).map(Some),
        None => Some(None),
    }
}

fn statement(r: &mut Resolver<'_>, b: &mut BodyBuilder, s: &ast::Statement) {
    match s {
        ast::Statement::Prohibition {
            party,
            action,
            condition,
            span,
        }
        | ast::Statement::Permission {
            party,
            action,
            condition,
            span,
            ..
        } => {
            let party = r.party(party);
            let action = r.action(action);
            let condition = rule_condition(r, action, condition);
            let (notwithstanding, notwithstanding_spans) = match s {
                ast::Statement::Permission {
                    notwithstanding, ..
                } => notwithstanding
                    .iter()
                    .filter_map(|n| r.clause(n).map(|c| (c, n.span)))
                    .unzip(),
                _ => (Vec::new(), Vec::new()),
            };
            if let (Some(party), Some(action), Some(condition)) = (party, action, condition) {
                let permits = matches!(s, ast::Statement::Permission { .. });
                b.version.rules.push(ActionRule {
                    party,
                    action,
                    condition,
                    permits,
                    notwithstanding,
                    notwithstanding_spans,
                    span: *span,
                });
            }
        }
        ast::Statement::Obligation {
            party,
            action,
            condition,
            deadline,
            span,
        } => {
            let party = r.party(party);
            let action = r.action(action);
            let condition = rule_condition(r, action, condition);
            let deadline = match deadline {
                ast::Deadline::By(o) => r.slot(o, Want::Date).map(DeadlineSlot::By),
                ast::Deadline::Within(o) => r.slot(o, Want::Duration).map(DeadlineSlot::Within),
            };
            if let (Some(party), Some(action), Some(condition), Some(deadline)) =
                (party, action, condition, deadline)
            {
                b.version.obligations.push(Obligation {
                    party,
                    action,
                    condition,
                    deadline,
                    span: *span,
                });
            }
        }
        ast::Statement::Licence {
            grantor,
            licensee,
            exclusive,
            subject,
            per_item,
            span,
        } => {
            let grantor = r.party(grantor);
            let licensee = r.party(licensee);
            let per_item = match per_item {
                Some(p) => {
                    let Some(action) = r.action(&p.action) else {
                        return;
                    };
                    let Some(decl) = r.model.actions.get(action).cloned() else {
                        return;
                    };
                    let arg = r.subject_arg(&decl.name, &decl.args, &p.arg, decl.span);
                    let duration = r.slot(&p.duration, Want::Duration);
                    let (Some(arg), Some(duration)) = (arg, duration) else {
                        return;
                    };
                    Some(PerItemLicence {
                        action,
                        arg,
                        duration,
                    })
                }
                None => None,
            };
            if let (Some(grantor), Some(licensee)) = (grantor, licensee) {
                if b.amending && !b.replaced_licence {
                    b.version.licences.clear();
                    b.replaced_licence = true;
                }
                b.version.licences.push(Licence {
                    grantor,
                    licensee,
                    exclusive: *exclusive,
                    subject: subject.text.clone(),
                    per_item,
                    span: *span,
                });
            }
        }
        ast::Statement::Designation {
            holder,
            role,
            of,
            span,
        } => {
            let holder = r.party(holder);
            let of = r.party(of);
            if let (Some(holder), Some(of)) = (holder, of) {
                b.version.designations.push(Designation {
                    holder,
                    role: role.text.clone(),
                    of,
                    span: *span,
                });
            }
        }
        ast::Statement::Payment {
            payer,
            payee,
            amount,
            span,
        } => {
            let payer = r.party(payer);
            let payee = r.party(payee);
            let charge = match amount {
                // `8% of royalty_base`, where the base is a let (or param)
                // rather than a metric: a share of an amount, computed per period.
                ast::PaymentAmount::Share {
                    rate,
                    metric,
                    tiers,
                } if tiers.is_empty()
                    && matches!(r.symbol(&metric.text), Some(Symbol::Param(_))) =>
                {
                    let formula = ast::Formula::ShareOf(
                        rate.clone(),
                        Box::new(ast::Formula::Operand(Operand::Name(metric.clone()))),
                        rate.span().to(metric.span),
                    );
                    let slot = super::formula::declare_amount(r, &formula, *span);
                    let currency = slot.as_ref().and_then(|s| slot_currency(r.model, s));
                    slot.map(|amount| {
                        (
                            Charge::Fixed {
                                amount,
                                on: None,
                                on_termination: false,
                                cause: None,
                            },
                            currency,
                        )
                    })
                }
                ast::PaymentAmount::Share {
                    rate,
                    metric,
                    tiers,
                } => {
                    let metric_id = r.metric(metric);
                    let currency = metric_id
                        .and_then(|m| r.model.metrics.get(m))
                        .map(|m| m.currency);
                    let mut rates = Vec::new();
                    let mut thresholds = Vec::new();
                    rates.extend(r.slot(rate, Want::Percent));
                    for (threshold, next) in tiers {
                        thresholds.extend(r.slot(threshold, Want::Money(currency)));
                        rates.extend(r.slot(next, Want::Percent));
                    }
                    metric_id.map(|metric| {
                        (
                            Charge::Share {
                                metric,
                                rates,
                                thresholds,
                            },
                            currency,
                        )
                    })
                }
                ast::PaymentAmount::Shortfall { metric, commitment } => {
                    let metric_id = r.metric(metric);
                    let currency = metric_id
                        .and_then(|m| r.model.metrics.get(m))
                        .map(|m| m.currency);
                    // A commitment of the wrong kind is already reported; keep the
                    // payment with a placeholder so that its modifiers are still checked.
                    let commitment = r.slot(commitment, Want::Money(currency)).unwrap_or(Slot {
                        value: ValueRef::Lit(Value::Money(crate::money::Money::zero(
                            currency.unwrap_or(Currency::iso(*b"XXX")),
                        ))),
                        span: commitment.span(),
                    });
                    metric_id.map(|metric| (Charge::Shortfall { metric, commitment }, currency))
                }
                ast::PaymentAmount::Formula(formula) => {
                    // A formula that is reported keeps the payment with a
                    // placeholder, so that its modifiers are still checked.
                    let slot = super::formula::declare_amount(r, formula, *span);
                    let currency = slot.as_ref().and_then(|s| slot_currency(r.model, s));
                    let amount = slot.unwrap_or(Slot {
                        value: ValueRef::Lit(Value::Money(crate::money::Money::zero(
                            Currency::iso(*b"XXX"),
                        ))),
                        span: formula.span(),
                    });
                    Some((
                        Charge::Fixed {
                            amount,
                            on: None,
                            on_termination: false,
                            cause: None,
                        },
                        currency,
                    ))
                }
                ast::PaymentAmount::Fixed {
                    amount,
                    on,
                    on_termination,
                    cause,
                } => {
                    r.periodic_ok = on.is_none();
                    let slot = r.slot(amount, Want::Money(None));
                    r.periodic_ok = false;
                    let currency = slot.as_ref().and_then(|s| slot_currency(r.model, s));
                    let on = on.as_ref().and_then(|o| r.slot(o, Want::Date));
                    let on_termination = *on_termination;
                    let cause = match cause {
                        Some(n) => event_id(r, n, "a termination caused by an event names a declared event: `on termination caused by change_of_control`").map(Some),
                        None => Some(None),
                    };
                    slot.zip(cause).map(|(amount, cause)| {
                        (
                            Charge::Fixed {
                                amount,
                                on,
                                on_termination,
                                cause,
                            },
                            currency,
                        )
                    })
                }
                ast::PaymentAmount::OnEach { amount, event } => {
                    let id = event_id(r, event, "a payment is made `on each EVENT` of an event declared with `event NAME(ARG: TYPE, …)`");
                    let resolved = id.and_then(|id| {
                        super::formula::resolve_occurrence(r, amount, id).map(|f| (id, f))
                    });
                    match resolved {
                        Some((event, (formula, ValueType::Money(currency)))) => Some((
                            Charge::OnEach {
                                event,
                                amount: formula,
                            },
                            currency,
                        )),
                        Some((_, (_, other))) => {
                            let shown = describe_type(r.model, other);
                            r.diagnostics.push(
                                Diagnostic::error(
                                    Code::TypeMismatch,
                                    amount.span(),
                                    format!("a payment is an amount of money, but this is {shown}"),
                                )
                                .with_label("not an amount")
                                .with_help("compute an amount, like `0.5% of delivery.value` or `claim.amount`"),
                            );
                            None
                        }
                        None => None,
                    }
                }
            };
            // An unknown party is already reported; keep the payment with a
            // placeholder so that its modifiers are still checked, not misreported.
            if let Some((charge, currency)) = charge {
                let payer = payer.unwrap_or(usize::MAX);
                let payee = payee.unwrap_or(usize::MAX);
                let payment = Payment {
                    payer,
                    payee,
                    charge,
                    every: None,
                    due: None,
                    due_each: None,
                    cap_total: None,
                    cap_per: None,
                    floor: None,
                    cap_per_unit: None,
                    floor_unit: None,
                    whole_amount: None,
                    cumulative: None,
                    escalator: None,
                    recoup: None,
                    credit: None,
                    index: None,
                    cap_per_key: None,
                    currency,
                    span: *span,
                };
                // In an `amend` block the first payment line replaces the clause's
                // only payment (keeping its modifiers unless restated); later ones add.
                let replaces = if b.amending && !b.replaced_payment && b.version.payments.len() == 1
                {
                    Some(0)
                } else {
                    None
                };
                match replaces {
                    Some(i) => {
                        if let Some(slot) = b.version.payments.get_mut(i) {
                            let old = std::mem::replace(slot, payment);
                            slot.every = old.every;
                            slot.due = old.due;
                            slot.due_each = old.due_each;
                            slot.cap_total = old.cap_total;
                            slot.cap_per = old.cap_per;
                            slot.floor = old.floor;
                            slot.cap_per_unit = old.cap_per_unit;
                            slot.floor_unit = old.floor_unit;
                            slot.whole_amount = old.whole_amount;
                            slot.cumulative = old.cumulative;
                            slot.escalator = old.escalator;
                            slot.credit = old.credit;
                            slot.index = old.index;
                            slot.cap_per_key = old.cap_per_key;
                        }
                        b.current_payment = Some(i);
                        b.replaced_payment = true;
                    }
                    None => {
                        b.version.payments.push(payment);
                        b.current_payment = Some(b.version.payments.len() - 1);
                    }
                }
            }
        }
    }
}

/// A let computed per payment period, used where one value is needed.
pub(crate) fn per_period_misuse(name: &str, at: Span, declared: Span) -> Diagnostic {
    Diagnostic::error(
        Code::PerPeriod,
        at,
        format!("`{name}` is computed per payment period, so it has no single value here"),
    )
    .with_label("one value per payment period")
    .with_secondary(declared, "declared here: it reads a figure, window or payments of the payment period")
    .with_help(
        "use it as a payment's amount, floor or cap; here, use a let that reads the metric only inside an aggregate over a window with fixed dates",
    )
}

fn slot_currency(model: &Model, slot: &Slot) -> Option<Currency> {
    match &slot.value {
        ValueRef::Lit(Value::Money(m)) => Some(m.currency),
        ValueRef::Param(p) => match model.params.get(*p) {
            Some(Param {
                default: Some(Value::Money(m)),
                ..
            }) => Some(m.currency),
            Some(Param {
                ty: ValueType::Money(c),
                ..
            }) => *c,
            _ => None,
        },
        _ => None,
    }
}

fn modifier(r: &mut Resolver<'_>, b: &mut BodyBuilder, m: &ast::Modifier) {
    let target = match b.current_payment {
        Some(i) => Some(i),
        None if b.amending && b.version.payments.len() == 1 => Some(0),
        None => None,
    };
    let Some(index) = target else {
        let several = b.amending && b.version.payments.len() > 1;
        let d = if several {
            Diagnostic::error(Code::AmbiguousPayment, m.span(), "this clause has several payment statements, so the modifier does not say which one it changes")
                .with_label("which payment?")
                .with_help("use `replace CLAUSE { … }` and write the clause's payments in full, each with its own modifiers")
        } else {
            Diagnostic::error(
                Code::AmbiguousPayment,
                m.span(),
                "a payment modifier must follow a payment statement",
            )
            .with_label("applies to no payment")
            .with_help("put the modifier on the line after `PARTY must pay …`")
        };
        r.diagnostics.push(d);
        return;
    };
    let currency = b.version.payments.get(index).and_then(|p| p.currency);
    // Changed in place: a payment is large, and contracts have many modifier lines.
    let Some(payment) = b.version.payments.get_mut(index) else {
        return;
    };
    match m {
        ast::Modifier::Every(unit, _) => payment.every = Some(*unit),
        ast::Modifier::Due(o, each, span) => {
            payment.due = r.slot(o, Want::Duration);
            payment.due_each = match each {
                Some(n) => event_id(
                    r,
                    n,
                    "`due DURATION after each EVENT` names the event the payment is made on",
                )
                .map(|e| (e, *span)),
                None => None,
            };
        }
        ast::Modifier::CapTotal(o, _) => payment.cap_total = r.slot(o, Want::Money(currency)),
        ast::Modifier::CapPer(o, unit, span) => {
            payment.cap_per_unit = Some((*unit, *span));
            r.periodic_ok = true;
            payment.cap_per = r.slot(o, Want::Money(currency));
            r.periodic_ok = false;
        }
        ast::Modifier::Floor(o, unit, span) => {
            payment.floor_unit = Some((*unit, *span));
            r.periodic_ok = true;
            payment.floor = r.slot(o, Want::Money(currency));
            r.periodic_ok = false;
        }
        ast::Modifier::WholeAmount(span) => payment.whole_amount = Some(*span),
        ast::Modifier::Cumulative(span) => payment.cumulative = Some(*span),
        ast::Modifier::Recoup(o, _) => payment.recoup = r.slot(o, Want::Money(currency)),
        ast::Modifier::CapPerKey(o, word, span) => {
            if let Some(slot) = r.slot(o, Want::Money(currency)) {
                payment.cap_per_key = Some((slot, word.text.clone(), *span));
            }
        }
        ast::Modifier::Index(a) => {
            let index = match r.lookup(&a.index, "index") {
                Some(Symbol::Index(id)) => Some(id),
                _ => None,
            };
            let cap = a.cap.as_ref().and_then(|o| r.slot(o, Want::Percent));
            let floor = a.floor.as_ref().and_then(|o| r.slot(o, Want::Percent));
            if let Some(index) = index {
                payment.index = Some(IndexLink {
                    index,
                    base: a.base.map(|(p, _)| p),
                    cap,
                    floor,
                    never_decreasing: a.never_decreasing,
                    span: a.span,
                });
            }
            if let (Some((base, span)), Some(i)) =
                (a.base, index.and_then(|i| r.model.indexes.get(i)))
            {
                if base.unit != i.unit {
                    r.diagnostics.push(
                        Diagnostic::error(Code::PeriodMismatch, span, format!("`{}` is published per {}, but the base is a {}", i.name, i.unit, base.unit))
                            .with_label(format!("a {}", base.unit))
                            .with_secondary(i.span, "declared here")
                            .with_help("name a base period of the index's own unit, like `from base 2025` for a yearly index"),
                    );
                }
            }
        }
        ast::Modifier::Credit { kind, within, span } => {
            let within = within.as_ref().and_then(|o| r.slot(o, Want::Duration));
            if let Some(old) = &payment.credit {
                if old.kind != *kind {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::PaymentFormMismatch,
                            *span,
                            "a payment carries one kind of credit or shortfall forward, and this one already has another",
                        )
                        .with_label("a second carry-forward rule")
                        .with_secondary(old.span, "the first")
                        .with_help("keep the line the clause means: an excess credited against later shortfalls, a shortfall credited against later excess, or a shortfall carried forward"),
                    );
                    return;
                }
            }
            payment.credit = Some(Credit {
                kind: *kind,
                within,
                span: *span,
            });
        }
        ast::Modifier::Escalator {
            rate,
            from_year,
            span,
        } => {
            let from = match from_year {
                Some((year, year_span)) if *year < 2 => {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::InvalidPeriod,
                            *year_span,
                            format!("contract year {year} cannot be the first year increased"),
                        )
                        .with_label("the base year or earlier")
                        .with_help("year 1 pays the sum as written, so increases start in year 2 at the earliest; write `from year 2` or leave `from year N` out"),
                    );
                    None
                }
                Some((year, _)) => Some(*year),
                None => Some(2),
            };
            if let (Some(rate), Some(from_year)) = (r.slot(rate, Want::Percent), from) {
                payment.escalator = Some(Escalator {
                    rate,
                    from_year,
                    span: *span,
                });
            }
        }
    }
}

fn literal_money(slot: &Option<Slot>) -> Option<(rust_decimal::Decimal, Span)> {
    match slot {
        Some(Slot {
            value: ValueRef::Lit(Value::Money(m)),
            span,
        }) => Some((m.amount, *span)),
        _ => None,
    }
}

fn check_payment(r: &mut Resolver<'_>, p: &Payment) {
    // Floors and per-period caps are checked once the whole clause is read, so
    // that `every` may come before or after them.
    let every = p.every.or_else(|| match &p.charge {
        Charge::Share { metric, .. } | Charge::Shortfall { metric, .. } => {
            r.model.metrics.get(*metric).map(|m| m.unit)
        }
        Charge::Fixed { .. } | Charge::OnEach { .. } => None,
    });
    check_payment_form(r, p);
    check_occurrence_payment(r, p);
    let carry_unit = match &p.credit {
        Some(Credit {
            kind: ast::CreditKind::CarryForward(unit),
            span,
            ..
        }) => Some((*unit, *span)),
        _ => None,
    };
    if let Some(every) = every {
        for (unit, span) in p
            .cap_per_unit
            .iter()
            .chain(p.floor_unit.iter())
            .chain(carry_unit.iter())
        {
            if *unit != every {
                let carried = carry_unit.is_some_and(|(_, s)| s == *span);
                let (message, label, help) = if carried {
                    (
                        format!("the shortfall is carried to the next {unit}, but the payment is made every {every}"),
                        format!("next {unit}"),
                        format!("write `carried forward to the next {every}`, or change the payment's `every`"),
                    )
                } else {
                    (
                        format!("this limit is per {unit}, but the payment is made every {every}"),
                        format!("per {unit}"),
                        format!("write the limit per {every}, or change the payment's `every`"),
                    )
                };
                r.diagnostics.push(
                    Diagnostic::error(Code::PeriodMismatch, *span, message)
                        .with_label(label)
                        .with_help(help),
                );
            }
        }
    }
    if let Charge::Share { thresholds, .. } = &p.charge {
        let mut previous: Option<(rust_decimal::Decimal, Span)> = None;
        for t in thresholds {
            if let Some((value, span)) = literal_money(&Some(t.clone())) {
                if let Some((prev, prev_span)) = previous {
                    if value <= prev {
                        r.diagnostics.push(
                            Diagnostic::error(
                                Code::TierOrder,
                                span,
                                "tier thresholds must increase",
                            )
                            .with_label("not above the previous threshold")
                            .with_secondary(prev_span, "previous threshold")
                            .with_help("list the tiers from the lowest threshold to the highest"),
                        );
                    }
                }
                previous = Some((value, span));
            }
        }
    }
    if let Charge::Fixed { on: Some(on), .. } = &p.charge {
        if p.every.is_some() {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::Redundant,
                    on.span,
                    "a fixed sum is paid either `on DATE` or `every UNIT`, not both",
                )
                .with_label("one-off date")
                .with_help("remove `every …` for a one-off payment, or `on …` for a periodic one"),
            );
        }
    }
    if let Charge::Fixed {
        on: None,
        amount,
        on_termination,
        ..
    } = &p.charge
    {
        if *on_termination && p.every.is_some() {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::Redundant,
                    amount.span,
                    "a sum due on termination is paid once, not `every UNIT`",
                )
                .with_label("paid on termination")
                .with_help("remove `every …`, or `on termination` for a periodic payment"),
            );
        }
        if p.every.is_none() && !*on_termination {
            let d = if computed_amount(r.model, amount) {
                Diagnostic::error(
                    Code::MissingDeclaration,
                    amount.span,
                    "an amount computed per period needs `every UNIT`",
                )
                .with_label("for which periods?")
                .with_help("add `every quarter` (or the payment's period) on the next line")
            } else {
                Diagnostic::error(Code::MissingDeclaration, amount.span, "a fixed sum needs `on DATE` or `every UNIT`")
                    .with_label("when is it paid?")
                    .with_help("write `USD 1 million on 2027-01-01` for a one-off payment or add `every year` on the next line")
            };
            r.diagnostics.push(d);
        }
    }
    if let (Some((floor, floor_span)), Some((cap, cap_span))) =
        (literal_money(&p.floor), literal_money(&p.cap_per))
    {
        if floor > cap {
            r.diagnostics.push(
                Diagnostic::error(Code::EndBeforeStart, floor_span, "the floor is above the per-period cap")
                    .with_label("floor")
                    .with_secondary(cap_span, "cap")
                    .with_help("a period owes at least the floor and at most the cap, so the floor must not exceed the cap"),
            );
        }
    }
    if let Charge::Share { metric, .. } | Charge::Shortfall { metric, .. } = &p.charge {
        if let (Some(every), Some(m)) = (p.every, r.model.metrics.get(*metric)) {
            let rank = |u: PeriodUnit| match u {
                PeriodUnit::Month | PeriodUnit::ContractMonth => 1,
                PeriodUnit::Quarter => 2,
                PeriodUnit::Year | PeriodUnit::ContractYear | PeriodUnit::FiscalYear => 3,
            };
            if rank(m.unit) > rank(every) {
                r.diagnostics.push(
                    Diagnostic::warning(Code::PeriodMismatch, p.span, format!("`{}` is reported per {}, but this payment is made every {every}", m.name, m.unit))
                        .with_label("finer than the metric")
                        .with_secondary(m.span, "declared here")
                        .with_help("each payment period then takes the metric's figure pro-rata by days; report the metric per payment period to avoid it"),
                );
            }
        }
    }
}

/// Whether a payment's amount is a formula written in the payment (or a share of a let).
fn computed_amount(model: &Model, amount: &Slot) -> bool {
    matches!(amount.value, ValueRef::Param(p) if model.params.get(p).is_some_and(|p| p.hidden))
}

/// The event a name declares, or a diagnostic (`covenant::not_an_event`, or an unknown name).
pub(crate) fn event_id(r: &mut Resolver<'_>, name: &ast::Name, help: &str) -> Option<EventId> {
    let found = match r.symbol(&name.text) {
        Some(s) => s,
        None => r.lookup(name, "event")?,
    };
    match found {
        Symbol::Event(id) => Some(id),
        other => {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::NotAnEvent,
                    name.span,
                    format!(
                        "`{}` is {} {}, not a declared event",
                        name.text,
                        if other.kind().starts_with('a') {
                            "an"
                        } else {
                            "a"
                        },
                        other.kind()
                    ),
                )
                .with_label("not an event")
                .with_help(help),
            );
            None
        }
    }
}

/// A payment `on each EVENT` is one sum per occurrence: no period, so no
/// `every`, floor or per-period cap; `due … after each EVENT` must name its
/// event, and only such a payment counts from an event.
fn check_occurrence_payment(r: &mut Resolver<'_>, p: &Payment) {
    let event = match &p.charge {
        Charge::OnEach { event, .. } => Some(*event),
        _ => None,
    };
    let name = |r: &Resolver<'_>, e: EventId| {
        r.model
            .events
            .get(e)
            .map_or(String::new(), |x| x.name.clone())
    };
    if let (Some((due_event, span)), Some(event)) = (p.due_each, event) {
        if due_event != event {
            let (a, b) = (name(r, due_event), name(r, event));
            r.diagnostics.push(
                Diagnostic::error(
                    Code::PaymentFormMismatch,
                    span,
                    format!(
                        "this payment is made on each {b}, so it cannot fall due after each {a}"
                    ),
                )
                .with_label(format!("after each {a}"))
                .with_secondary(p.span, "the payment")
                .with_help(format!("write `due … after each {b}`")),
            );
        }
    }
    if let (Some((due_event, span)), None) = (p.due_each, event) {
        let a = name(r, due_event);
        r.diagnostics.push(
            Diagnostic::error(
                Code::PaymentFormMismatch,
                span,
                format!("only a payment made `on each {a}` can fall due after each {a}"),
            )
            .with_label("no occurrence to count from")
            .with_secondary(p.span, "the payment")
            .with_help("write `due … after period end`, or make the payment `… on each EVENT`"),
        );
    }
    let Some(event) = event else {
        return;
    };
    let a = name(r, event);
    let mut refuse = |span: Span, what: &str, help: &str| {
        r.diagnostics.push(
            Diagnostic::error(
                Code::PaymentFormMismatch,
                span,
                format!("`{what}` applies to a payment made every period, but this one is made on each {a}"),
            )
            .with_label("no period here")
            .with_secondary(p.span, "the payment")
            .with_help(help),
        );
    };
    let cap_help = "cap one occurrence inside the amount (`lesser of (…, 10% of delivery.value)`), or all of them with `capped at MONEY in total`";
    if let Some((_, span)) = p.floor_unit {
        refuse(
            span,
            "at least … per …",
            "put a minimum for one occurrence inside the amount: `greater of (…, USD 1_000)`",
        );
    }
    if let Some((_, span)) = p.cap_per_unit {
        refuse(span, "capped at … per …", cap_help);
    }
    if p.every.is_some() {
        r.diagnostics.push(
            Diagnostic::error(
                Code::PaymentFormMismatch,
                p.span,
                format!("this payment is made on each {a}, so it has no `every …` period"),
            )
            .with_label(format!("made on each {a}"))
            .with_help(
                "remove `every …`: the payment is made once for each occurrence, on its day",
            ),
        );
    }
}

/// Tiers lines only fit a share, and an escalator only a periodic fixed sum or a shortfall.
fn check_payment_form(r: &mut Resolver<'_>, p: &Payment) {
    let form = match &p.charge {
        Charge::Share { .. } => "a share of a metric",
        Charge::Shortfall { .. } => "a shortfall",
        Charge::Fixed { on: Some(_), .. }
        | Charge::Fixed {
            on_termination: true,
            ..
        } => "a one-off sum",
        Charge::Fixed {
            on: None, amount, ..
        } if computed_amount(r.model, amount) => "an amount computed per period",
        Charge::Fixed { on: None, .. } => "a fixed sum",
        Charge::OnEach { .. } => "a sum on each occurrence of an event",
    };
    if !matches!(p.charge, Charge::Share { .. }) {
        for (span, what) in [
            (p.whole_amount, "tiers on the whole amount"),
            (p.cumulative, "tiers cumulative"),
        ] {
            if let Some(span) = span {
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::PaymentFormMismatch,
                        span,
                        format!("`{what}` applies to tiered rates, but this payment is {form}"),
                    )
                    .with_label("no tiers to apply it to")
                    .with_secondary(p.span, "the payment")
                    .with_help("tiers belong to a share: `8% of net_sales up to USD 5 million, then 5%`; remove this line"),
                );
            }
        }
    }
    if let Some((_, word, span)) = &p.cap_per_key {
        let key = match &p.charge {
            Charge::Share { metric, .. } => r
                .model
                .metrics
                .get(*metric)
                .and_then(|m| m.key.clone().map(|k| (m.name.clone(), k))),
            _ => None,
        };
        match key {
            None => r.diagnostics.push(
                Diagnostic::error(Code::PaymentFormMismatch, *span, format!("a cap per {word} needs a share of a metric reported by {word}"))
                    .with_label("no keys to cap")
                    .with_secondary(p.span, "the payment")
                    .with_help(format!("declare the metric `by {word}` (`metric revenue in USD per quarter by {word}`), or write one cap `capped at MONEY in total`")),
            ),
            Some((metric, key)) if key != *word => r.diagnostics.push(
                Diagnostic::error(Code::UnknownName, *span, format!("`{metric}` is reported by {key}, not by {word}"))
                    .with_label(format!("per {word}"))
                    .with_secondary(p.span, "the payment")
                    .with_help(format!("write `capped at MONEY per {key} in total`")),
            ),
            Some(_) => {}
        }
    }
    if let Some(link) = &p.index {
        let fits = !matches!(
            p.charge,
            Charge::Share { .. }
                | Charge::Fixed { on: Some(_), .. }
                | Charge::Fixed {
                    on_termination: true,
                    ..
                }
        );
        if !fits {
            r.diagnostics.push(
                Diagnostic::error(Code::PaymentFormMismatch, link.span, format!("an index adjusts a sum paid every period, but this payment is {form}"))
                    .with_label("nothing to adjust")
                    .with_secondary(p.span, "the payment")
                    .with_help("put `adjusted by …` under a fixed sum paid `every UNIT` or under a shortfall; a share follows its metric already"),
            );
        } else if let Some(e) = &p.escalator {
            r.diagnostics.push(
                Diagnostic::error(Code::PaymentFormMismatch, link.span, "this sum already increases by a fixed rate each contract year, so it cannot also follow an index")
                    .with_label("adjusted by an index")
                    .with_secondary(e.span, "and increased by a fixed rate")
                    .with_help("keep the line the clause means: `increasing RATE each contract year` or `adjusted by INDEX`; a cap on the index's yearly change is written `adjusted by cpi, capped at 3% per year`"),
            );
        }
    }
    if let Some(c) = &p.credit {
        let fits = match c.kind {
            ast::CreditKind::Excess => {
                matches!(p.charge, Charge::Share { .. } | Charge::Shortfall { .. })
            }
            ast::CreditKind::MakeUp | ast::CreditKind::CarryForward(_) => {
                matches!(p.charge, Charge::Shortfall { .. })
            }
        };
        if !fits {
            let (what, help) = match c.kind {
                ast::CreditKind::Excess => ("an excess credited against later shortfalls needs a minimum to exceed", "put it under a share with `at least MONEY per UNIT`, or under `the shortfall of METRIC below MONEY`"),
                ast::CreditKind::MakeUp => ("a shortfall credited against later excess needs a shortfall payment", "put it under `PARTY must pay PARTY the shortfall of METRIC below MONEY`"),
                ast::CreditKind::CarryForward(_) => ("a shortfall carried forward needs a shortfall payment", "put it under `PARTY must pay PARTY the shortfall of METRIC below MONEY`"),
            };
            r.diagnostics.push(
                Diagnostic::error(
                    Code::PaymentFormMismatch,
                    c.span,
                    format!("{what}, but this payment is {form}"),
                )
                .with_label("nothing to carry forward")
                .with_secondary(p.span, "the payment")
                .with_help(help),
            );
        } else if c.kind == ast::CreditKind::Excess
            && matches!(p.charge, Charge::Share { .. })
            && p.floor.is_none()
        {
            r.diagnostics.push(
                Diagnostic::error(Code::MissingDeclaration, c.span, "an excess is counted above a minimum, but this payment has no `at least MONEY per UNIT`")
                    .with_label("excess over what?")
                    .with_secondary(p.span, "the payment")
                    .with_help("add the minimum the clause guarantees, e.g. `at least USD 100_000 per year`, on a line of its own under the payment"),
            );
        }
    }
    if let Some(e) = &p.escalator {
        if matches!(
            p.charge,
            Charge::Share { .. }
                | Charge::OnEach { .. }
                | Charge::Fixed { on: Some(_), .. }
                | Charge::Fixed {
                    on_termination: true,
                    ..
                }
        ) {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::PaymentFormMismatch,
                    e.span,
                    format!("an escalator increases a sum paid every period, but this payment is {form}"),
                )
                .with_label("nothing to increase")
                .with_secondary(p.span, "the payment")
                .with_help("put `increasing …` under a fixed sum paid `every UNIT` or under a shortfall; a share grows with its metric"),
            );
        }
    }
}

/// A fresh version for a clause block.
pub(crate) fn new_version(
    title: Option<String>,
    from: Date,
    origin: Origin,
    span: Span,
    name_span: Span,
) -> ClauseVersion {
    ClauseVersion {
        title,
        in_force_from: from,
        in_force_until: None,
        origin,
        span,
        name_span,
        windows: Windows::default(),
        rules: Vec::new(),
        obligations: Vec::new(),
        licences: Vec::new(),
        designations: Vec::new(),
        payments: Vec::new(),
        allows: Vec::new(),
    }
}

/// The last day before `date`.
pub(crate) fn day_before(date: Date) -> Date {
    date.pred_opt().unwrap_or(date)
}
