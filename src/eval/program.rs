//! The compiled form of a contract under one scenario's params and facts.
//!
//! Compiling resolves every param, turns each clause's versions and windows
//! into sorted day intervals, and indexes action rules by action, so that a
//! question like "is this action permitted on this date" is a few binary
//! searches instead of a walk over the syntax tree.

use rust_decimal::Decimal;

use crate::calendar::{Date, Duration};
use crate::check::model::*;
use crate::check::scenario::{ActionCall, Plan, PlanEventKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::money::{Currency, Money, Rate};
use crate::syntax::ast::CmpOp;

use super::outcome::Verdict;

/// A day interval `[start, end]`, both inclusive, governed by one clause version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
    /// Index of the clause version in force.
    pub version: usize,
}

/// A condition's values over time.
#[derive(Debug, Clone, Default)]
pub struct ConditionTimeline {
    /// Value before any switch.
    pub default: bool,
    /// Switches in date order: from this date on, this value.
    pub changes: Vec<(Date, bool)>,
    /// Days from which the scenario says the value is unknown (until the next
    /// switch). A single evaluation keeps the earlier value; the strategy layer
    /// evaluates each possibility instead (`crate::strategy::unknown`).
    pub unknown_from: Vec<Date>,
}

impl ConditionTimeline {
    /// The value on `date`.
    pub fn at(&self, date: Date) -> bool {
        let i = self.changes.partition_point(|(d, _)| *d <= date);
        match i.checked_sub(1).and_then(|j| self.changes.get(j)) {
            Some((_, v)) => *v,
            None => self.default,
        }
    }
}

/// An action rule, indexed for fast verdicts.
#[derive(Debug, Clone)]
pub struct IndexedRule {
    /// The clause.
    pub clause: ClauseId,
    /// Who.
    pub party: PartyId,
    /// Permission or prohibition.
    pub permits: bool,
    /// Condition on the occurrence.
    pub condition: Option<RExpr>,
    /// Overridden prohibitions (for permissions).
    pub notwithstanding: Vec<ClauseId>,
    /// Intervals in which the rule's version is active.
    pub intervals: Vec<(Date, Date)>,
    /// The statement.
    pub span: crate::source::Span,
}

/// A contract compiled for one scenario.
#[derive(Debug, Clone)]
pub struct Program<'m> {
    /// The model.
    pub model: &'m Model,
    /// Bound params.
    pub params: Vec<Value>,
    /// Conditions over time.
    pub conditions: Vec<ConditionTimeline>,
    /// The contract's last day in force (`None`: beyond the horizon).
    pub last_day: Option<Date>,
    /// The last day the timeline covers.
    pub horizon: Date,
    /// Active intervals per clause.
    pub intervals: Vec<Vec<Interval>>,
    /// Action rules indexed by action.
    pub rules_by_action: Vec<Vec<IndexedRule>>,
}

/// An error met while binding params (they are checked against their uses here).
pub type BindResult<T> = Result<T, Diagnostic>;

impl<'m> Program<'m> {
    /// Resolves a slot to its value.
    pub fn value<'a>(&'a self, slot: &'a Slot) -> Option<&'a Value> {
        match &slot.value {
            ValueRef::Lit(v) => Some(v),
            ValueRef::Param(p) => self.params.get(*p),
        }
    }

    /// A slot holding money.
    pub fn money(&self, slot: &Slot, currency: Option<Currency>) -> BindResult<Money> {
        match self.value(slot) {
            Some(Value::Money(m)) => {
                if let Some(c) = currency {
                    if m.currency != c {
                        return Err(Diagnostic::error(
                            Code::CurrencyMismatch,
                            slot.span,
                            format!(
                                "this amount is in {}, but the payment is in {c}",
                                m.currency
                            ),
                        )
                        .with_label(format!("{} here", m.currency))
                        .with_help("set the param in the payment's currency"));
                    }
                }
                Ok(*m)
            }
            _ => Err(type_error(slot, "an amount of money")),
        }
    }

    /// A slot holding a percentage.
    pub fn rate(&self, slot: &Slot) -> BindResult<Rate> {
        match self.value(slot) {
            Some(Value::Percent(r)) => {
                if r.0 > Decimal::ONE_HUNDRED || r.0.is_sign_negative() {
                    return Err(Diagnostic::error(
                        Code::RateOver100,
                        slot.span,
                        format!("{r} is not a share between 0% and 100%"),
                    )
                    .with_label("out of range")
                    .with_help("set the param to a percentage between 0% and 100%"));
                }
                Ok(*r)
            }
            _ => Err(type_error(slot, "a percentage")),
        }
    }

    /// A slot holding a date.
    pub fn date(&self, slot: &Slot) -> BindResult<Date> {
        match self.value(slot) {
            Some(Value::Date(d)) => Ok(*d),
            _ => Err(type_error(slot, "a date")),
        }
    }

    /// A slot holding a duration.
    pub fn duration(&self, slot: &Slot) -> BindResult<Duration> {
        match self.value(slot) {
            Some(Value::Duration(d)) => Ok(*d),
            _ => Err(type_error(slot, "a duration")),
        }
    }

    /// Whether clause `clause` is active on `date`, and which version governs.
    pub fn active_version(&self, clause: ClauseId, date: Date) -> Option<usize> {
        let intervals = self.intervals.get(clause)?;
        let i = intervals.partition_point(|iv| iv.end < date);
        intervals
            .get(i)
            .filter(|iv| iv.start <= date)
            .map(|iv| iv.version)
    }

    /// Evaluates a resolved expression for an occurrence with `args` on `date`.
    pub fn holds(&self, e: &RExpr, args: &[Value], date: Date) -> bool {
        match e {
            RExpr::Atom(o) => matches!(self.operand(o, args, date), Some(Value::Bool(true))),
            RExpr::Compare(a, op, b) => {
                let (Some(a), Some(b)) = (self.operand(a, args, date), self.operand(b, args, date))
                else {
                    return false;
                };
                match op {
                    CmpOp::Is => a == b,
                    CmpOp::IsNot => a != b,
                    CmpOp::Lt => compare(&a, &b).is_some_and(|o| o.is_lt()),
                    CmpOp::Le => compare(&a, &b).is_some_and(|o| o.is_le()),
                    CmpOp::Gt => compare(&a, &b).is_some_and(|o| o.is_gt()),
                    CmpOp::Ge => compare(&a, &b).is_some_and(|o| o.is_ge()),
                }
            }
            RExpr::In(a, items) => {
                let Some(a) = self.operand(a, args, date) else {
                    return false;
                };
                items
                    .iter()
                    .any(|i| self.operand(i, args, date).as_ref() == Some(&a))
            }
            RExpr::Not(inner) => !self.holds(inner, args, date),
            RExpr::And(items) => items.iter().all(|i| self.holds(i, args, date)),
            RExpr::Or(items) => items.iter().any(|i| self.holds(i, args, date)),
        }
    }

    fn operand(&self, o: &ROperand, args: &[Value], date: Date) -> Option<Value> {
        match o {
            ROperand::Value(ValueRef::Lit(v)) => Some(v.clone()),
            ROperand::Value(ValueRef::Param(p)) => self.params.get(*p).cloned(),
            ROperand::Arg(i) => args.get(*i).cloned(),
            ROperand::Condition(c) => self.conditions.get(*c).map(|t| Value::Bool(t.at(date))),
        }
    }

    /// The verdict on `call` on `date`: prohibitions beat permissions unless
    /// a matching permission names the prohibiting clause in `notwithstanding`.
    pub fn verdict(&self, call: &ActionCall, date: Date) -> Verdict {
        let mut prohibitions: Vec<ClauseId> = Vec::new();
        let mut permissions: Vec<(ClauseId, &[ClauseId])> = Vec::new();
        for rule in self.applicable(call, date) {
            if rule.permits {
                permissions.push((rule.clause, &rule.notwithstanding));
            } else {
                prohibitions.push(rule.clause);
            }
        }
        let mut forbidden_by = Vec::new();
        let mut overridden = Vec::new();
        for p in prohibitions {
            let name = self.clause_name(p);
            let is_overridden = permissions.iter().any(|(_, nw)| nw.contains(&p));
            let list = if is_overridden {
                &mut overridden
            } else {
                &mut forbidden_by
            };
            if !list.contains(&name) {
                list.push(name);
            }
        }
        let mut permitted_by: Vec<String> = Vec::new();
        for (c, _) in &permissions {
            let name = self.clause_name(*c);
            if !permitted_by.contains(&name) {
                permitted_by.push(name);
            }
        }
        Verdict {
            permitted: forbidden_by.is_empty(),
            forbidden_by,
            permitted_by,
            overridden,
        }
    }

    /// The permissions and prohibitions that apply to `call` on `date`: the
    /// party's rules about the action, in an active version, whose `where` holds.
    pub fn applicable(&self, call: &ActionCall, date: Date) -> Vec<&IndexedRule> {
        let Some(rules) = self.rules_by_action.get(call.action) else {
            return Vec::new();
        };
        rules
            .iter()
            .filter(|rule| rule.party == call.party && in_intervals(&rule.intervals, date))
            .filter(|rule| {
                rule.condition
                    .as_ref()
                    .is_none_or(|c| self.holds(c, &call.args, date))
            })
            .collect()
    }

    /// A clause's name.
    pub fn clause_name(&self, c: ClauseId) -> String {
        self.model
            .clauses
            .get(c)
            .map(|c| c.name.clone())
            .unwrap_or_default()
    }

    /// A party's name.
    pub fn party_name(&self, p: PartyId) -> String {
        self.model
            .parties
            .get(p)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    }
}

fn in_intervals(intervals: &[(Date, Date)], date: Date) -> bool {
    let i = intervals.partition_point(|(_, end)| *end < date);
    intervals.get(i).is_some_and(|(start, _)| *start <= date)
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Money(x), Value::Money(y)) if x.currency == y.currency => {
            Some(x.amount.cmp(&y.amount))
        }
        (Value::Percent(x), Value::Percent(y)) => Some(x.0.cmp(&y.0)),
        (Value::Number(x), Value::Number(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn type_error(slot: &Slot, wanted: &str) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        slot.span,
        format!("expected {wanted} here"),
    )
    .with_label("wrong kind of value")
    .with_help(format!("set the param to {wanted}"))
}

/// Builds the condition timelines from the plan's events.
pub fn condition_timelines(model: &Model, plan: &Plan, until: Date) -> Vec<ConditionTimeline> {
    let mut timelines: Vec<ConditionTimeline> = model
        .conditions
        .iter()
        .map(|c| ConditionTimeline {
            default: c.default,
            changes: Vec::new(),
            unknown_from: if c.unknown {
                vec![model.effective]
            } else {
                Vec::new()
            },
        })
        .collect();
    for e in &plan.events {
        if e.date > until {
            break;
        }
        if let PlanEventKind::Becomes { condition, value } = e.kind {
            if let Some(t) = timelines.get_mut(condition) {
                // Two switches on one day: the later line wins.
                if t.changes.last().is_some_and(|(d, _)| *d == e.date) {
                    t.changes.pop();
                }
                t.changes.push((e.date, value));
            }
        }
        if let PlanEventKind::Unknown { condition } = e.kind {
            if let Some(t) = timelines.get_mut(condition) {
                t.unknown_from.push(e.date);
            }
        }
    }
    timelines
}
