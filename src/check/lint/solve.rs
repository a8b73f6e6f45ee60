//! Deciding whether conditions can hold together, without a scenario.
//!
//! A question here is a list of resolved expressions (`where`, `while`,
//! `unless`), each required to be true or false. Their unknowns are the
//! action's arguments, the conditions (which a scenario may switch to any
//! value on any day) and the params (which a scenario may `set`). The answer
//! is an assignment that satisfies every expression, a proof that none does,
//! or "unknown" when the search runs out of budget.
//!
//! The search is exact because each unknown only needs a few candidate
//! values: every value of a defined type or of `true`/`false`; for text and
//! durations, the constants written in the question plus a fresh value per
//! unknown; for dates, amounts, numbers and percentages, the constants, plus
//! up to one value per unknown in each gap between them and beyond them.
//! Comparisons only tell values apart by their order and equality, so any
//! satisfying assignment can be moved, order kept, onto these candidates.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::calendar::{Duration, DurationUnit};
use crate::check::model::{Model, RExpr, ROperand, Value, ValueRef, ValueType};
use crate::money::{Currency, Money, Rate};
use crate::syntax::ast::CmpOp;

/// The most search steps one question may take before the answer is "unknown".
const BUDGET: usize = 200_000;

/// An unknown of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    /// The action argument at this index.
    Arg(usize),
    /// A condition's value on the day in question.
    Cond(usize),
    /// A param's value.
    Param(usize),
}

/// One expression and whether it must hold (`true`) or must not (`false`).
#[derive(Debug, Clone, Copy)]
pub struct Constraint<'a> {
    /// The expression.
    pub expr: &'a RExpr,
    /// Whether it must be true.
    pub holds: bool,
}

/// The answer to a question.
#[derive(Debug, Clone)]
pub enum Sat {
    /// These values satisfy every constraint.
    Yes(Vec<(Var, Value)>),
    /// No values do.
    No,
    /// The search ran out of budget (or a candidate value could not be formed).
    Unknown,
}

impl Sat {
    /// Whether the constraints may hold together (`Yes` or `Unknown`).
    pub fn possible(&self) -> bool {
        !matches!(self, Sat::No)
    }
}

/// Decides whether `constraints` can all hold for an occurrence of an action
/// with arguments `args` (empty for windows).
pub fn solve(model: &Model, args: &[(String, ValueType)], constraints: &[Constraint<'_>]) -> Sat {
    let mut vars: Vec<Var> = Vec::new();
    let mut constants: Vec<Value> = Vec::new();
    for c in constraints {
        collect(c.expr, &mut vars, &mut constants);
    }
    let types: Option<Vec<ValueType>> = vars.iter().map(|v| var_type(model, args, *v)).collect();
    let Some(types) = types else {
        return Sat::Unknown;
    };
    let Some(domains) = domains(model, &types, &constants) else {
        return Sat::Unknown;
    };
    let mut search = Search {
        vars: &vars,
        domains: &domains,
        constraints,
        assigned: vec![None; vars.len()],
        steps: 0,
    };
    match search.run(0) {
        Some(true) => Sat::Yes(
            vars.iter()
                .copied()
                .zip(search.assigned)
                .filter_map(|(v, a)| a.map(|a| (v, a)))
                .collect(),
        ),
        Some(false) => Sat::No,
        None => Sat::Unknown,
    }
}

/// A value of the given type to use where nothing constrains it.
pub fn any_value(ty: ValueType) -> Value {
    match ty {
        ValueType::Money(c) => Value::Money(Money::new(c.unwrap_or(USD), Decimal::ZERO)),
        ValueType::Percent => Value::Percent(Rate(Decimal::ZERO)),
        ValueType::Date => Value::Date(chrono::NaiveDate::default()),
        ValueType::Duration => Value::Duration(Duration {
            count: 1,
            unit: DurationUnit::Day,
        }),
        ValueType::Number => Value::Number(Decimal::ZERO),
        ValueType::Bool => Value::Bool(false),
        ValueType::Text => Value::Text(String::new()),
        ValueType::Enum(t) => Value::Enum(t, 0),
    }
}

const USD: Currency = Currency::iso(*b"USD");

fn var_type(model: &Model, args: &[(String, ValueType)], v: Var) -> Option<ValueType> {
    match v {
        Var::Arg(i) => args.get(i).map(|(_, t)| *t),
        Var::Cond(_) => Some(ValueType::Bool),
        Var::Param(p) => model.params.get(p).map(|p| p.ty),
    }
}

fn operand_var(o: &ROperand) -> Option<Var> {
    match o {
        ROperand::Arg(i) => Some(Var::Arg(*i)),
        ROperand::Condition(c) => Some(Var::Cond(*c)),
        ROperand::Value(ValueRef::Param(p)) => Some(Var::Param(*p)),
        ROperand::Value(ValueRef::Lit(_)) => None,
    }
}

fn collect_operand(o: &ROperand, vars: &mut Vec<Var>, constants: &mut Vec<Value>) {
    match (operand_var(o), o) {
        (Some(v), _) if !vars.contains(&v) => vars.push(v),
        (Some(_), _) => {}
        (None, ROperand::Value(ValueRef::Lit(value))) => constants.push(value.clone()),
        _ => {}
    }
}

/// Every unknown (in order of appearance) and every literal of an expression.
pub fn collect(e: &RExpr, vars: &mut Vec<Var>, constants: &mut Vec<Value>) {
    match e {
        RExpr::Atom(o) => collect_operand(o, vars, constants),
        RExpr::Compare(a, _, b) => {
            collect_operand(a, vars, constants);
            collect_operand(b, vars, constants);
        }
        RExpr::In(a, items) => {
            collect_operand(a, vars, constants);
            for i in items {
                collect_operand(i, vars, constants);
            }
        }
        RExpr::Not(inner) => collect(inner, vars, constants),
        RExpr::And(items) | RExpr::Or(items) => {
            for i in items {
                collect(i, vars, constants);
            }
        }
    }
}

/// The candidate values of each unknown.
fn domains(model: &Model, types: &[ValueType], constants: &[Value]) -> Option<Vec<Vec<Value>>> {
    let count = |pred: &dyn Fn(&ValueType) -> bool| types.iter().filter(|t| pred(t)).count().max(1);
    let k_money = count(&|t| matches!(t, ValueType::Money(_)));
    let k_percent = count(&|t| *t == ValueType::Percent);
    let k_number = count(&|t| *t == ValueType::Number);
    let k_date = count(&|t| *t == ValueType::Date);
    let k_duration = count(&|t| *t == ValueType::Duration);
    let k_text = count(&|t| *t == ValueType::Text);

    // Currencies in play; an unknown of plain `money` may also be in a currency
    // no constant uses, where every ordered comparison is false.
    let mut currencies: BTreeSet<Currency> = BTreeSet::new();
    for c in constants {
        if let Value::Money(m) = c {
            currencies.insert(m.currency);
        }
    }
    for t in types {
        if let ValueType::Money(Some(c)) = t {
            currencies.insert(*c);
        }
    }
    if types.contains(&ValueType::Money(None)) {
        let fresh = ["XXX", "XTS", "ZZZ", "QQQ"]
            .iter()
            .filter_map(|c| Currency::parse(c))
            .find(|c| !currencies.contains(c))?;
        currencies.insert(fresh);
    }
    let mut money_reps: Vec<(Currency, Vec<Decimal>)> = Vec::new();
    for cur in &currencies {
        let points: BTreeSet<Decimal> = constants
            .iter()
            .filter_map(|c| match c {
                Value::Money(m) if m.currency == *cur => Some(m.amount),
                _ => None,
            })
            .chain(std::iter::once(Decimal::ZERO))
            .collect();
        money_reps.push((*cur, ordered_decimals(points, k_money, None)?));
    }

    let mut out = Vec::with_capacity(types.len());
    for t in types {
        let domain: Vec<Value> = match t {
            ValueType::Bool => vec![Value::Bool(false), Value::Bool(true)],
            ValueType::Enum(ty) => {
                let n = model.types.get(*ty).map_or(0, |t| t.values.len());
                (0..n).map(|i| Value::Enum(*ty, i)).collect()
            }
            ValueType::Money(want) => money_reps
                .iter()
                .filter(|(c, _)| want.is_none_or(|w| w == *c))
                .flat_map(|(c, reps)| reps.iter().map(|a| Value::Money(Money::new(*c, *a))))
                .collect(),
            ValueType::Percent => {
                let points = constants
                    .iter()
                    .filter_map(|c| match c {
                        Value::Percent(r) => Some(r.0),
                        _ => None,
                    })
                    .chain([Decimal::ZERO, Decimal::ONE_HUNDRED])
                    .collect();
                ordered_decimals(points, k_percent, Some(Decimal::ONE_HUNDRED))?
                    .into_iter()
                    .map(|d| Value::Percent(Rate(d)))
                    .collect()
            }
            ValueType::Number => {
                let points = constants
                    .iter()
                    .filter_map(|c| match c {
                        Value::Number(n) => Some(*n),
                        _ => None,
                    })
                    .chain(std::iter::once(Decimal::ZERO))
                    .collect();
                ordered_decimals(points, k_number, None)?
                    .into_iter()
                    .map(Value::Number)
                    .collect()
            }
            ValueType::Date => {
                let points: BTreeSet<chrono::NaiveDate> = constants
                    .iter()
                    .filter_map(|c| match c {
                        Value::Date(d) => Some(*d),
                        _ => None,
                    })
                    .collect();
                ordered_dates(points, k_date)?
                    .into_iter()
                    .map(Value::Date)
                    .collect()
            }
            ValueType::Duration => {
                let consts: Vec<Value> = constants
                    .iter()
                    .filter(|c| matches!(c, Value::Duration(_)))
                    .cloned()
                    .collect();
                let mut d = dedup(consts);
                let mut n = 1u32;
                let mut added = 0;
                while added < k_duration {
                    let v = Value::Duration(Duration {
                        count: n,
                        unit: DurationUnit::Day,
                    });
                    if !d.contains(&v) {
                        d.push(v);
                        added += 1;
                    }
                    n += 1;
                }
                d
            }
            ValueType::Text => {
                let consts: Vec<Value> = constants
                    .iter()
                    .filter(|c| matches!(c, Value::Text(_)))
                    .cloned()
                    .collect();
                let mut d = dedup(consts);
                let mut n = 1;
                let mut added = 0;
                while added < k_text {
                    let v = Value::Text(format!("other text {n}"));
                    if !d.contains(&v) {
                        d.push(v);
                        added += 1;
                    }
                    n += 1;
                }
                d
            }
        };
        out.push(domain);
    }
    Some(out)
}

fn dedup(values: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The points themselves, `k` values inside each gap between them, and `k`
/// above the highest when there is no upper bound. Values below zero are
/// left out: amounts, numbers and percentages are never negative.
fn ordered_decimals(
    points: BTreeSet<Decimal>,
    k: usize,
    max: Option<Decimal>,
) -> Option<Vec<Decimal>> {
    let points: Vec<Decimal> = points
        .into_iter()
        .filter(|p| !p.is_sign_negative() && max.is_none_or(|m| *p <= m))
        .collect();
    let mut out = Vec::new();
    let parts = Decimal::from(u64::try_from(k).ok()?.checked_add(1)?);
    for pair in points.windows(2) {
        let [a, b] = pair else { continue };
        out.push(*a);
        let step = b.checked_sub(*a)?.checked_div(parts)?;
        for j in 1..=k {
            let v = a.checked_add(step.checked_mul(Decimal::from(u64::try_from(j).ok()?))?)?;
            // Too fine a gap for exact decimals to split: give up rather than
            // miss a value a scenario might write (the answer becomes "unknown").
            if v <= *a || v >= *b {
                return None;
            }
            out.push(v);
        }
    }
    let last = *points.last()?;
    out.push(last);
    if max.is_none() {
        for j in 1..=k {
            out.push(last.checked_add(Decimal::from(u64::try_from(j).ok()?))?);
        }
    }
    Some(out)
}

/// Dates as [`ordered_decimals`], within the years a date can be written in (0000 to 9999).
fn ordered_dates(points: BTreeSet<chrono::NaiveDate>, k: usize) -> Option<Vec<chrono::NaiveDate>> {
    let lo = chrono::NaiveDate::from_ymd_opt(0, 1, 1)?;
    let hi = chrono::NaiveDate::from_ymd_opt(9999, 12, 31)?;
    let mut points: Vec<chrono::NaiveDate> = points
        .into_iter()
        .filter(|d| *d >= lo && *d <= hi)
        .collect();
    points.push(lo);
    points.push(hi);
    points.sort_unstable();
    points.dedup();
    let mut out = Vec::new();
    for pair in points.windows(2) {
        let [a, b] = pair else { continue };
        out.push(*a);
        let mut d = *a;
        for _ in 0..k {
            match d.succ_opt() {
                Some(next) if next < *b => {
                    out.push(next);
                    d = next;
                }
                _ => break,
            }
        }
    }
    out.push(hi);
    Some(out)
}

struct Search<'a> {
    vars: &'a [Var],
    domains: &'a [Vec<Value>],
    constraints: &'a [Constraint<'a>],
    assigned: Vec<Option<Value>>,
    steps: usize,
}

impl Search<'_> {
    /// Assigns unknowns from `i` on: `Some(true)` when every constraint holds,
    /// `Some(false)` when none of the remaining choices works, `None` out of budget.
    fn run(&mut self, i: usize) -> Option<bool> {
        self.steps += 1;
        if self.steps > BUDGET {
            return None;
        }
        let mut all_true = true;
        for c in self.constraints {
            match self.eval(c.expr) {
                Some(v) if v != c.holds => return Some(false),
                Some(_) => {}
                None => all_true = false,
            }
        }
        if all_true {
            // Unknowns not yet chosen do not matter; give them any candidate.
            for j in i..self.vars.len() {
                if let Some(slot) = self.assigned.get_mut(j) {
                    if slot.is_none() {
                        *slot = self.domains.get(j).and_then(|d| d.first().cloned());
                    }
                }
            }
            return Some(true);
        }
        let Some(domain) = self.domains.get(i) else {
            // Every unknown is assigned, so every constraint was decided above.
            return Some(false);
        };
        for value in domain {
            if let Some(slot) = self.assigned.get_mut(i) {
                *slot = Some(value.clone());
            }
            if self.run(i + 1)? {
                return Some(true);
            }
        }
        if let Some(slot) = self.assigned.get_mut(i) {
            *slot = None;
        }
        Some(false)
    }

    fn value(&self, o: &ROperand) -> Option<Value> {
        match operand_var(o) {
            Some(v) => {
                let i = self.vars.iter().position(|x| *x == v)?;
                self.assigned.get(i)?.clone()
            }
            None => match o {
                ROperand::Value(ValueRef::Lit(v)) => Some(v.clone()),
                _ => None,
            },
        }
    }

    /// Three-valued evaluation with the evaluator's semantics (`Program::holds`):
    /// `None` while an unknown it depends on is unassigned.
    fn eval(&self, e: &RExpr) -> Option<bool> {
        match e {
            RExpr::Atom(o) => self.value(o).map(|v| v == Value::Bool(true)),
            RExpr::Compare(a, op, b) => {
                let (a, b) = (self.value(a)?, self.value(b)?);
                Some(compare(&a, *op, &b))
            }
            RExpr::In(a, items) => {
                let a = self.value(a)?;
                let mut unknown = false;
                for i in items {
                    match self.value(i) {
                        Some(v) if v == a => return Some(true),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    None
                } else {
                    Some(false)
                }
            }
            RExpr::Not(inner) => self.eval(inner).map(|v| !v),
            RExpr::And(items) => {
                let mut unknown = false;
                for i in items {
                    match self.eval(i) {
                        Some(false) => return Some(false),
                        Some(true) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    None
                } else {
                    Some(true)
                }
            }
            RExpr::Or(items) => {
                let mut unknown = false;
                for i in items {
                    match self.eval(i) {
                        Some(true) => return Some(true),
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    None
                } else {
                    Some(false)
                }
            }
        }
    }
}

/// A comparison as the evaluator decides it: values of different kinds (or
/// amounts in different currencies) are never ordered, and never equal.
pub fn compare(a: &Value, op: CmpOp, b: &Value) -> bool {
    let order = match (a, b) {
        (Value::Money(x), Value::Money(y)) if x.currency == y.currency => {
            Some(x.amount.cmp(&y.amount))
        }
        (Value::Percent(x), Value::Percent(y)) => Some(x.0.cmp(&y.0)),
        (Value::Number(x), Value::Number(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        _ => None,
    };
    match op {
        CmpOp::Is => a == b,
        CmpOp::IsNot => a != b,
        CmpOp::Lt => order.is_some_and(|o| o.is_lt()),
        CmpOp::Le => order.is_some_and(|o| o.is_le()),
        CmpOp::Gt => order.is_some_and(|o| o.is_gt()),
        CmpOp::Ge => order.is_some_and(|o| o.is_ge()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_contract_file, Depth};
    use crate::workspace::Workspace;

    /// A model whose single clause holds one rule per `where` condition given.
    fn model(decls: &str, wheres: &[&str]) -> Model {
        let rules: String = wheres
            .iter()
            .map(|w| format!("    a must not act where {w}\n"))
            .collect();
        let text = format!(
            "contract t {{\n  parties {{ a }}\n  effective 2025-01-01\n{decls}\n  clause c {{\n{rules}  }}\n}}\n"
        );
        let mut ws = Workspace::new();
        let _ = ws.parse_text("t.cov", &text);
        let checked = check_contract_file(&mut ws, std::path::Path::new("t.cov"), Depth::Evaluate);
        match checked.value {
            Some(m) => m,
            None => panic!("{text}: {:?}", checked.diagnostics),
        }
    }

    fn all_hold(m: &Model) -> Sat {
        let version = &m.clauses[0].versions[0];
        let constraints: Vec<Constraint<'_>> = version
            .rules
            .iter()
            .filter_map(|r| r.condition.as_ref())
            .map(|expr| Constraint { expr, holds: true })
            .collect();
        solve(m, &m.actions[0].args, &constraints)
    }

    #[test]
    fn defined_values_are_enumerated() {
        let decls = "  define p as one of azure, aws\n  action act(via: p)";
        assert!(matches!(
            all_hold(&model(decls, &["via is not azure", "via is azure"])),
            Sat::No
        ));
        let Sat::Yes(values) = all_hold(&model(decls, &["via is not azure", "via in [aws]"]))
        else {
            panic!("satisfiable")
        };
        assert_eq!(values, vec![(Var::Arg(0), Value::Enum(0, 1))]);
    }

    #[test]
    fn amounts_between_two_thresholds_are_found() {
        let decls = "  action act(amount: money)";
        let Sat::Yes(values) = all_hold(&model(decls, &["amount > USD 5", "amount < USD 6"]))
        else {
            panic!("satisfiable")
        };
        let Some((_, Value::Money(m))) = values.first() else {
            panic!("an amount")
        };
        assert!(m.amount > Decimal::from(5) && m.amount < Decimal::from(6));
        assert!(matches!(
            all_hold(&model(decls, &["amount > USD 5", "amount <= USD 5"])),
            Sat::No
        ));
    }

    #[test]
    fn plain_money_may_be_in_another_currency() {
        // Neither equal to, below nor above USD 5: only an amount in another currency.
        let decls = "  action act(amount: money)";
        let m = model(
            decls,
            &[
                "amount is not USD 5",
                "not (amount < USD 5)",
                "not (amount > USD 5)",
            ],
        );
        let Sat::Yes(values) = all_hold(&m) else {
            panic!("satisfiable")
        };
        assert!(
            matches!(values.first(), Some((_, Value::Money(m))) if m.currency.as_str() != "USD")
        );
    }

    #[test]
    fn adjacent_days_leave_no_day_between() {
        let decls = "  action act(day: date)";
        assert!(matches!(
            all_hold(&model(decls, &["day > 2025-01-01", "day < 2025-01-02"])),
            Sat::No
        ));
        assert!(matches!(
            all_hold(&model(decls, &["day > 2025-01-01", "day < 2025-01-03"])),
            Sat::Yes(_)
        ));
    }

    #[test]
    fn two_unknowns_ordered_inside_one_gap() {
        // amount and the param both between 1 and 2, amount strictly above it.
        let decls = "  action act(amount: money)\n  param limit = USD 0";
        let m = model(
            decls,
            &[
                "amount > USD 1",
                "amount < USD 2",
                "limit > USD 1",
                "limit < USD 2",
                "amount > limit",
            ],
        );
        assert!(matches!(all_hold(&m), Sat::Yes(_)));
    }
}
