//! The compiled form of a contract under one scenario's params and facts.
//!
//! Compiling resolves every param, turns each clause's versions and windows
//! into sorted day intervals, and indexes action rules by action, so that a
//! question like "is this action permitted on this date" is a few binary
//! searches instead of a walk over the syntax tree.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::calendar::{Date, Duration};
use crate::check::model::*;
use crate::check::scenario::{ActionCall, Plan, PlanEventKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::money::{Currency, Money, Rate};
use crate::syntax::ast::CmpOp;

use super::outcome::{LicenceCheck, Verdict};

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
    /// Licences held, for actions that need one.
    pub holdings: Holdings,
    /// Whether the contract ends by a termination (on `last_day`), which is
    /// when sums due `on termination` fall due.
    pub terminated: bool,
    /// The event that caused that termination: the one the scenario states
    /// (`terminates because EVENT`), else the event whose window the right exercised exists in.
    pub termination_cause: Option<EventId>,
}

/// Where a licence held comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceSource {
    /// A licence statement of this clause.
    Clause(ClauseId),
    /// A licence per item of this clause, opened by an occurrence of its action on this day.
    PerItem(ClauseId, ActionId, Date),
    /// A scenario event: this grantor granted it on this day.
    Grant(PartyId, Date),
}

/// A licence held over a day interval `[start, end]`, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
    /// Where it comes from.
    pub source: LicenceSource,
}

/// Licences held, compiled: per licensee and subject, disjoint day intervals
/// in date order, so that "does this party hold this licence on this day" is
/// one hash lookup and one binary search.
#[derive(Debug, Clone, Default)]
pub struct Holdings {
    by_party: HashMap<PartyId, HashMap<String, Vec<Held>>>,
}

impl Holdings {
    /// The licence `party` holds to `subject` on `date`, if any.
    pub fn find(&self, party: PartyId, subject: &str, date: Date) -> Option<&Held> {
        let list = self.by_party.get(&party)?.get(subject)?;
        let i = list.partition_point(|h| h.end < date);
        list.get(i).filter(|h| h.start <= date)
    }

    fn add(&mut self, party: PartyId, subject: String, held: Held) {
        if held.start <= held.end {
            self.by_party
                .entry(party)
                .or_default()
                .entry(subject)
                .or_default()
                .push(held);
        }
    }

    /// Sorts each list and makes its intervals disjoint: where two overlap,
    /// the one that starts first (or is listed first) covers the overlap.
    fn finish(&mut self) {
        for subjects in self.by_party.values_mut() {
            for list in subjects.values_mut() {
                list.sort_by_key(|h| h.start);
                let mut out: Vec<Held> = Vec::with_capacity(list.len());
                for h in list.drain(..) {
                    match out.last() {
                        Some(last) if h.end <= last.end => {}
                        Some(last) if h.start <= last.end => {
                            if let Some(start) = last.end.succ_opt() {
                                out.push(Held { start, ..h });
                            }
                        }
                        _ => out.push(h),
                    }
                }
                *list = out;
            }
        }
    }
}

/// A licensed subject as text: a text argument's words, or a defined value's name.
pub fn subject_text(model: &Model, value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        other => model.show_value(other),
    }
}

/// Compiles the licences held under the contract and the scenario: licence
/// statements over their clause's active days, licences per item from each
/// occurrence of their action on a day their clause version is active (for
/// their duration, within the clause's active days), and licences granted by
/// scenario events from their day to the contract's end. Only built when some
/// action needs a licence.
pub fn licence_holdings(program: &Program<'_>, plan: &Plan, cutoff: Date) -> Holdings {
    let model = program.model;
    let mut holdings = Holdings::default();
    if model.actions.iter().all(|a| a.licence.is_none()) {
        return holdings;
    }
    let mut per_item: Vec<(ClauseId, usize, &Licence, &PerItemLicence)> = Vec::new();
    for (cid, clause) in model.clauses.iter().enumerate() {
        let intervals = program.intervals.get(cid).map_or(&[][..], Vec::as_slice);
        for iv in intervals {
            let Some(v) = clause.versions.get(iv.version) else {
                continue;
            };
            for l in v.licences.iter().filter(|l| l.per_item.is_none()) {
                holdings.add(
                    l.licensee,
                    l.subject.clone(),
                    Held {
                        start: iv.start,
                        end: iv.end,
                        source: LicenceSource::Clause(cid),
                    },
                );
            }
        }
        for (vi, v) in clause.versions.iter().enumerate() {
            for l in &v.licences {
                if let Some(p) = &l.per_item {
                    per_item.push((cid, vi, l, p));
                }
            }
        }
    }
    let until = program.last_day.unwrap_or(program.horizon);
    for e in &plan.events {
        if e.date > cutoff {
            break;
        }
        match &e.kind {
            PlanEventKind::Action(call) => {
                for (cid, vi, l, p) in &per_item {
                    if call.action != p.action || program.active_version(*cid, e.date) != Some(*vi)
                    {
                        continue;
                    }
                    let (Some(value), Ok(duration)) =
                        (call.args.get(p.arg), program.duration(&p.duration))
                    else {
                        continue;
                    };
                    let Some(last) = duration.last_day_from(e.date) else {
                        continue;
                    };
                    let subject = subject_text(model, value);
                    let intervals = program.intervals.get(*cid).map_or(&[][..], Vec::as_slice);
                    for iv in intervals
                        .iter()
                        .filter(|iv| iv.end >= e.date && iv.start <= last)
                    {
                        holdings.add(
                            l.licensee,
                            subject.clone(),
                            Held {
                                start: iv.start.max(e.date),
                                end: iv.end.min(last),
                                source: LicenceSource::PerItem(*cid, p.action, e.date),
                            },
                        );
                    }
                }
            }
            PlanEventKind::Grant {
                grantor,
                licensee,
                subject,
            } => holdings.add(
                *licensee,
                subject.clone(),
                Held {
                    start: e.date.max(model.effective),
                    end: until,
                    source: LicenceSource::Grant(*grantor, e.date),
                },
            ),
            _ => {}
        }
    }
    holdings.finish();
    holdings
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
        let licence = self.licence_check(call, date);
        Verdict {
            permitted: forbidden_by.is_empty() && licence.as_ref().is_none_or(|l| !l.missing()),
            forbidden_by,
            permitted_by,
            overridden,
            licence,
        }
    }

    /// For an action that needs a licence: whether the party holds it on `date`, and under what.
    pub fn licence_check(&self, call: &ActionCall, date: Date) -> Option<LicenceCheck> {
        let need = self.model.actions.get(call.action)?.licence.as_ref()?;
        let subject = match &need.subject {
            NeededSubject::Fixed(s) => s.clone(),
            NeededSubject::Arg(i) => call
                .args
                .get(*i)
                .map(|v| subject_text(self.model, v))
                .unwrap_or_default(),
        };
        let held = self.holdings.find(call.party, &subject, date);
        let (held, clause) = match held.map(|h| h.source) {
            None => (None, None),
            Some(LicenceSource::Clause(c)) => {
                let name = self.clause_name(c);
                (Some(format!("under {name}")), Some(name))
            }
            Some(LicenceSource::PerItem(c, action, on)) => {
                let name = self.clause_name(c);
                let action = self
                    .model
                    .actions
                    .get(action)
                    .map_or("", |a| a.name.as_str());
                (
                    Some(format!("under {name}, from the {action} on {on}")),
                    Some(name),
                )
            }
            Some(LicenceSource::Grant(grantor, on)) => (
                Some(format!("granted by {} on {on}", self.party_name(grantor))),
                None,
            ),
        };
        Some(LicenceCheck {
            party: self.party_name(call.party),
            subject,
            date,
            held,
            clause,
        })
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

/// Fills in the timelines of the conditions the contract computes: a
/// condition `when METRIC OP AMOUNT` takes, from the day after each period
/// with a figure ends, whether that figure compares with the amount; an event
/// window holds from each occurrence's day to the window's last day (windows
/// of several occurrences join); `from EVENT` holds from the first occurrence on.
pub fn computed_timelines(program: &mut Program<'_>, plan: &Plan, until: Date) {
    let model = program.model;
    for (id, c) in model.conditions.iter().enumerate() {
        let changes: Vec<(Date, bool)> = match &c.source {
            ConditionSource::Declared => continue,
            ConditionSource::Metric {
                metric,
                op,
                threshold,
                settles,
                over,
            } => {
                let Some(m) = model.metrics.get(*metric) else {
                    continue;
                };
                let Ok(limit) = program.money(threshold, Some(m.currency)) else {
                    continue;
                };
                let compare = |value: Decimal| {
                    let ord = value.cmp(&limit.amount);
                    match op {
                        CmpOp::Is => ord.is_eq(),
                        CmpOp::IsNot => !ord.is_eq(),
                        CmpOp::Lt => ord.is_lt(),
                        CmpOp::Le => ord.is_le(),
                        CmpOp::Gt => ord.is_gt(),
                        CmpOp::Ge => ord.is_ge(),
                    }
                };
                let mut changes = if let Some((aggregate, unit)) = over {
                    aggregate_changes(program, plan, *metric, aggregate, *unit, until, compare)
                } else {
                    let mut out: Vec<(Date, bool)> = Vec::new();
                    for f in plan
                        .figures
                        .range((*metric, Date::MIN)..=(*metric, Date::MAX))
                        .map(|(_, f)| f)
                    {
                        let Some(day) = f.period.end.succ_opt() else {
                            continue;
                        };
                        if day > until {
                            break;
                        }
                        out.push((day, compare(f.amount.amount)));
                    }
                    out
                };
                // A settling condition keeps the first value that settles it.
                if let Some(pos) = settles.and_then(|v| changes.iter().position(|(_, h)| *h == v)) {
                    changes.truncate(pos + 1);
                }
                changes
            }
            ConditionSource::EventWindow {
                event,
                length,
                within,
            } => {
                let Ok(length) = program.duration(length) else {
                    continue;
                };
                // Each occurrence's window, joined where they overlap or touch.
                let mut spans: Vec<(Date, Date)> = Vec::new();
                for e in &plan.events {
                    if e.date > until {
                        break;
                    }
                    if !matches!(&e.kind, PlanEventKind::Event { event: x, .. } if x == event) {
                        continue;
                    }
                    let last = if *within {
                        length.after(e.date)
                    } else {
                        length.last_day_from(e.date)
                    };
                    let Some(last) = last else {
                        spans.push((e.date, Date::MAX));
                        continue;
                    };
                    if last < e.date {
                        continue;
                    }
                    match spans.last_mut() {
                        Some((_, end)) if end.succ_opt().is_none_or(|n| e.date <= n) => {
                            *end = (*end).max(last);
                        }
                        _ => spans.push((e.date, last)),
                    }
                }
                let mut out = Vec::new();
                for (start, end) in spans {
                    out.push((start, true));
                    if let Some(after) = end.succ_opt() {
                        out.push((after, false));
                    }
                }
                out
            }
            ConditionSource::EventFrom { event } => plan
                .events
                .iter()
                .find(|e| {
                    e.date <= until
                        && matches!(&e.kind, PlanEventKind::Event { event: x, .. } if x == event)
                })
                .map(|e| vec![(e.date, true)])
                .unwrap_or_default(),
        };
        if let Some(t) = program.conditions.get_mut(id) {
            t.changes = changes;
        }
    }
}

/// A condition computed from an aggregate of a metric over each UNIT: on the
/// day after each UNIT with a figure ends, whether the aggregate over it
/// compares with the threshold (a UNIT without a figure changes nothing).
fn aggregate_changes(
    program: &Program<'_>,
    plan: &Plan,
    metric: MetricId,
    aggregate: &RAggregate,
    unit: crate::calendar::PeriodUnit,
    until: Date,
    compare: impl Fn(Decimal) -> bool,
) -> Vec<(Date, bool)> {
    let model = program.model;
    let mut out = Vec::new();
    let mut figures = plan
        .figures
        .range((metric, Date::MIN)..=(metric, Date::MAX))
        .map(|(_, f)| f.period);
    let Some(first) = figures.next() else {
        return out;
    };
    let last = plan
        .figures
        .range((metric, Date::MIN)..=(metric, Date::MAX))
        .map(|(_, f)| f.period.end)
        .max()
        .unwrap_or(first.end);
    let formula = RFormula::Aggregate(aggregate.clone());
    let mut period = crate::calendar::Period::containing(unit, first.start, model.anchors());
    let mut steps = 0usize;
    while let Some(p) = period {
        steps += 1;
        if p.start > last || steps > super::payments::MAX_PERIODS {
            break;
        }
        let Some(day) = p.end.succ_opt() else {
            break;
        };
        if day > until {
            break;
        }
        let any = plan
            .figures
            .range((metric, Date::MIN)..=(metric, p.end))
            .any(|(_, f)| f.period.end >= p.start);
        if any {
            let pc = super::formula::PeriodContext::new(p, &[], None);
            let cx = super::formula::Context {
                params: &program.params,
                figures: Some((model, &plan.figures)),
                events: Some(&plan.events),
                period: Some(&pc),
                occurrence: None,
            };
            if let Ok(Value::Money(v)) = super::formula::compute(&formula, &cx) {
                out.push((day, compare(v.amount)));
            }
        }
        period = p.next(model.anchors());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::scenario::check_scenario;
    use crate::eval::{compile, Options};
    use crate::workspace::Workspace;

    fn d(s: &str) -> Date {
        Date::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn held(start: &str, end: &str, source: LicenceSource) -> Held {
        Held {
            start: d(start),
            end: d(end),
            source,
        }
    }

    #[test]
    fn overlapping_licences_become_disjoint_and_the_earlier_one_covers_the_overlap() {
        let mut h = Holdings::default();
        let clause = LicenceSource::Clause(0);
        let grant = LicenceSource::Grant(1, d("2027-03-01"));
        h.add(0, "X".into(), held("2027-03-01", "2030-12-31", grant));
        h.add(0, "X".into(), held("2026-01-01", "2028-06-30", clause));
        // Wholly inside the clause's licence: adds nothing.
        h.add(0, "X".into(), held("2026-02-01", "2026-03-01", grant));
        // Ends before it starts: never held.
        h.add(0, "Y".into(), held("2027-01-02", "2027-01-01", clause));
        h.finish();
        let at = |s: &str| h.find(0, "X", d(s)).map(|x| (x.start, x.source));
        assert_eq!(at("2025-12-31"), None);
        assert_eq!(at("2026-01-01"), Some((d("2026-01-01"), clause)));
        assert_eq!(at("2028-06-30"), Some((d("2026-01-01"), clause)));
        assert_eq!(at("2028-07-01"), Some((d("2028-07-01"), grant)));
        assert_eq!(at("2030-12-31"), Some((d("2028-07-01"), grant)));
        assert_eq!(at("2031-01-01"), None);
        assert_eq!(h.find(1, "X", d("2027-01-01")), None);
        assert_eq!(h.find(0, "Y", d("2027-01-01")), None);
        assert_eq!(
            h.find(0, "x", d("2027-01-01")),
            None,
            "subjects are exact texts"
        );
    }

    const CONTRACT: &str = r#"
contract deal {
  parties { studio publisher rival }
  effective 2026-01-01
  term until 2030-12-31
  action publish needs licence to "Game"
  action release(product: text)
  action sell(product: text) needs licence to product
  action show
  clause game {
    studio grants publisher a non-exclusive licence to "Game"
    until 2027-12-31
  }
  clause embargo {
    publisher must not publish
    from 2027-06-01
    until 2027-06-30
  }
  clause merchandise {
    studio grants publisher a non-exclusive licence to the product of each release for 1 year
  }
}
"#;

    const SCENARIO: &str = r#"
scenario s {
  contract "deal.cov"
  on 2026-03-10 rival release product "Mug"
}
"#;

    #[test]
    fn verdicts_need_the_licence_and_still_obey_prohibitions() {
        let mut ws = Workspace::new();
        let _ = ws.parse_text("deal.cov", CONTRACT);
        let _ = ws.parse_text("s.cov", SCENARIO);
        let checked = check_scenario(&mut ws, std::path::Path::new("s.cov"));
        let Some((model, plan)) = checked.value else {
            panic!("{:?}", checked.diagnostics);
        };
        let Ok(compiled) = compile(&model, &plan, Options::default()) else {
            panic!("does not compile");
        };
        let p = &compiled.program;
        let call = |party: usize, action: usize, args: Vec<Value>| ActionCall {
            party,
            action,
            args,
        };
        let publish = call(1, 0, vec![]);
        let v = p.verdict(&publish, d("2026-05-01"));
        assert!(v.permitted);
        assert_eq!(
            v.explain(),
            "permitted: publisher holds a licence to \"Game\" under game"
        );
        // Licensed, but the embargo still forbids it.
        let v = p.verdict(&publish, d("2027-06-15"));
        assert!(!v.permitted);
        assert_eq!(v.forbidden_by, vec!["embargo".to_owned()]);
        assert!(v.licence.as_ref().is_some_and(|l| !l.missing()));
        // After the licence: forbidden, naming it.
        let v = p.verdict(&publish, d("2028-01-01"));
        assert_eq!(
            v.explain(),
            "forbidden: publisher holds no licence to \"Game\" on 2028-01-01"
        );
        // Another party never holds it.
        assert!(!p.verdict(&call(2, 0, vec![]), d("2026-05-01")).permitted);
        // An action that needs no licence is unchanged.
        let v = p.verdict(&call(2, 3, vec![]), d("2026-05-01"));
        assert_eq!(v.licence, None);
        assert_eq!(v.explain(), "permitted (no active clause forbids it)");
        // A release by any party opens the licensee's licence to that product, for one year.
        let mug = |party| call(party, 2, vec![Value::Text("Mug".into())]);
        assert!(!p.verdict(&mug(1), d("2026-03-09")).permitted);
        assert!(p.verdict(&mug(1), d("2026-03-10")).permitted);
        assert!(p.verdict(&mug(1), d("2027-03-09")).permitted);
        assert!(!p.verdict(&mug(1), d("2027-03-10")).permitted);
        assert!(!p.verdict(&mug(2), d("2026-06-01")).permitted);
        let v = p.verdict(&mug(1), d("2026-06-01"));
        assert_eq!(
            v.licence.and_then(|l| l.clause),
            Some("merchandise".to_owned())
        );
    }

    const EVENTS: &str = r#"
contract deal {
  parties { buyer seller }
  effective 2026-01-01
  term until 2030-12-31
  action audit
  event claim(amount: money)
  metric orders in USD per quarter
  condition low when orders < USD 100
  buyer may terminate with 10 days notice within 5 days after claim
  clause within_window {
    buyer may audit
    within 10 days after claim
  }
  clause for_window {
    buyer may audit
    for 10 days after claim
  }
  clause from_first {
    buyer may audit
    from claim
  }
  clause while_low {
    buyer may audit
    while low
  }
  clause fee {
    seller must pay buyer USD 7 on termination
  }
}
"#;

    fn events_program(scenario: &str) -> (Model, Plan) {
        let mut ws = Workspace::new();
        let _ = ws.parse_text("deal.cov", EVENTS);
        let _ = ws.parse_text("s.cov", scenario);
        let checked = check_scenario(&mut ws, std::path::Path::new("s.cov"));
        match checked.value {
            Some(v) => v,
            None => panic!("{:?}", checked.diagnostics),
        }
    }

    #[test]
    fn event_windows_join_and_metric_conditions_follow_figures() {
        let (model, plan) = events_program(
            r#"
scenario s {
  contract "deal.cov"
  on 2026-03-01 claim amount USD 5
  on 2026-03-11 claim amount USD 6
  on 2026-06-01 claim amount USD 7
  orders for 2026-Q1 is USD 50
  orders for 2026-Q3 is USD 100
}
"#,
        );
        let Ok(compiled) = compile(&model, &plan, Options::default()) else {
            panic!("does not compile");
        };
        let p = &compiled.program;
        let cond = |name: &str| {
            let i = model
                .conditions
                .iter()
                .position(|c| c.name == name)
                .unwrap_or(usize::MAX);
            p.conditions.get(i).cloned().unwrap_or_default()
        };
        // `within`: 03-01..03-11 and 03-11..03-21 touch, so they join.
        let within = cond("within 10 days after claim");
        assert_eq!(
            within.changes,
            vec![
                (d("2026-03-01"), true),
                (d("2026-03-22"), false),
                (d("2026-06-01"), true),
                (d("2026-06-12"), false)
            ]
        );
        // `for`: 03-01..03-10 and 03-11..03-20 are adjacent days, so they join too.
        let for_ = cond("for 10 days after claim");
        assert_eq!(
            for_.changes,
            vec![
                (d("2026-03-01"), true),
                (d("2026-03-21"), false),
                (d("2026-06-01"), true),
                (d("2026-06-11"), false)
            ]
        );
        assert_eq!(cond("from claim").changes, vec![(d("2026-03-01"), true)]);
        // The Q2 figure is missing: the Q1 value carries on until Q3 is reported.
        let low = cond("low");
        assert!(!low.at(d("2026-03-31")));
        assert!(low.at(d("2026-04-01")));
        assert!(low.at(d("2026-09-30")));
        assert!(!low.at(d("2026-10-01")));
        // No termination: nothing is due on termination.
        assert!(!p.terminated);
    }

    #[test]
    fn a_termination_right_holds_only_in_its_window() {
        let (model, plan) = events_program(
            r#"
scenario s {
  contract "deal.cov"
  on 2026-03-01 claim amount USD 5
  on 2026-03-07 buyer terminates
  on 2026-03-06 buyer terminates
}
"#,
        );
        let Ok(compiled) = compile(&model, &plan, Options::default()) else {
            panic!("does not compile");
        };
        // 03-07 is a day after the window (03-01 + 5 days = 03-06); 03-06 is its last day.
        assert_eq!(compiled.program.last_day, Some(d("2026-03-16")));
        assert!(compiled.program.terminated);
    }
}
