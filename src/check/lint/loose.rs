//! Loose ends: declarations nothing uses, parties with no role, and metrics
//! reported more finely than they are paid.

use std::collections::HashSet;

use chrono::Datelike;

use crate::calendar::PeriodUnit;
use crate::check::model::{
    AggregateSource, Charge, ConditionSource, DeadlineSlot, Model, NeededSubject, RExpr, RFormula,
    ROperand, RWindow, Slot, Symbol, Value, ValueRef, ValueType,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

use super::versions;

/// What the contract's statements refer to.
#[derive(Default)]
struct Uses {
    actions: HashSet<usize>,
    metrics: HashSet<usize>,
    conditions: HashSet<usize>,
    params: HashSet<usize>,
    types: HashSet<usize>,
    /// Parties that are obliged, permitted or paid.
    roles: HashSet<usize>,
    /// Parties named only as the party a role is held for.
    named: HashSet<usize>,
}

impl Uses {
    fn slot(&mut self, slot: &Slot) {
        self.value(&slot.value);
    }

    fn value(&mut self, v: &ValueRef) {
        match v {
            ValueRef::Param(p) => {
                self.params.insert(*p);
            }
            ValueRef::Lit(Value::Enum(t, _)) => {
                self.types.insert(*t);
            }
            ValueRef::Lit(_) => {}
        }
    }

    fn operand(&mut self, o: &ROperand) {
        match o {
            ROperand::Value(v) => self.value(v),
            ROperand::Condition(c) => {
                self.conditions.insert(*c);
            }
            ROperand::Arg(_) => {}
        }
    }

    fn expr(&mut self, e: &RExpr) {
        match e {
            RExpr::Atom(o) => self.operand(o),
            RExpr::Compare(a, _, b) => {
                self.operand(a);
                self.operand(b);
            }
            RExpr::In(a, items) => {
                self.operand(a);
                for i in items {
                    self.operand(i);
                }
            }
            RExpr::Not(inner) => self.expr(inner),
            RExpr::And(items) | RExpr::Or(items) => {
                for i in items {
                    self.expr(i);
                }
            }
        }
    }
}

fn uses(model: &Model) -> Uses {
    let mut u = Uses::default();
    for at in versions(model) {
        let v = at.version;
        for s in [&v.windows.from, &v.windows.until, &v.windows.for_]
            .into_iter()
            .flatten()
        {
            u.slot(s);
        }
        for (e, _) in v.windows.while_.iter().chain(v.windows.unless.iter()) {
            u.expr(e);
        }
        for r in &v.rules {
            u.actions.insert(r.action);
            u.roles.insert(r.party);
            if let Some(c) = &r.condition {
                u.expr(c);
            }
        }
        for o in &v.obligations {
            u.actions.insert(o.action);
            u.roles.insert(o.party);
            if let Some(c) = &o.condition {
                u.expr(c);
            }
            match &o.deadline {
                DeadlineSlot::By(s) | DeadlineSlot::Within(s) => u.slot(s),
            }
        }
        for l in &v.licences {
            u.roles.insert(l.grantor);
            u.roles.insert(l.licensee);
            if let Some(p) = &l.per_item {
                u.actions.insert(p.action);
                u.slot(&p.duration);
            }
        }
        for d in &v.designations {
            u.roles.insert(d.holder);
            u.named.insert(d.of);
        }
        for p in &v.payments {
            u.roles.insert(p.payer);
            u.roles.insert(p.payee);
            match &p.charge {
                Charge::Share {
                    metric,
                    rates,
                    thresholds,
                } => {
                    u.metrics.insert(*metric);
                    for s in rates.iter().chain(thresholds) {
                        u.slot(s);
                    }
                }
                Charge::Shortfall { metric, commitment } => {
                    u.metrics.insert(*metric);
                    u.slot(commitment);
                }
                Charge::Fixed { amount, on, .. } => {
                    u.slot(amount);
                    if let Some(s) = on {
                        u.slot(s);
                    }
                }
                Charge::OnEach { amount, .. } => formula_uses(amount, &mut u),
            }
            for s in [&p.due, &p.cap_total, &p.cap_per, &p.floor]
                .into_iter()
                .flatten()
            {
                u.slot(s);
            }
            if let Some(e) = &p.escalator {
                u.slot(&e.rate);
            }
        }
    }
    for t in &model.terminations {
        u.roles.insert(t.party);
        u.slot(&t.notice);
    }
    for (i, a) in model.actions.iter().enumerate() {
        // An action that needs a licence is governed by the licences, even with no rule.
        if a.licence.is_some() {
            u.actions.insert(i);
        }
        for (_, ty) in &a.args {
            if let ValueType::Enum(t) = ty {
                u.types.insert(*t);
            }
        }
    }
    for p in &model.params {
        if let ValueType::Enum(t) = p.ty {
            u.types.insert(t);
        }
    }
    // A let uses only params and lets above it, so one pass from the last
    // let back carries every use down to what its formula reads.
    for (id, p) in model.params.iter().enumerate().rev() {
        if let Some(formula) = &p.formula {
            if u.params.contains(&id) {
                formula_uses(formula, &mut u);
            }
        }
    }
    u
}

/// Records what a formula reads.
fn formula_uses(f: &RFormula, u: &mut Uses) {
    match f {
        RFormula::Value(v, _) => u.value(v),
        RFormula::EventDate(..) | RFormula::PeriodStart(_) | RFormula::Termination(_) => {}
        RFormula::Figure(m, _) => {
            u.metrics.insert(*m);
        }
        RFormula::EventArg(..) => {}
        RFormula::Binary(_, a, b, _) | RFormula::Compare(a, _, b, _) => {
            formula_uses(a, u);
            formula_uses(b, u);
        }
        RFormula::ShareOf(rate, of, _) => {
            u.value(rate);
            formula_uses(of, u);
        }
        RFormula::Extremum(_, terms, _) => {
            for t in terms {
                formula_uses(t, u);
            }
        }
        RFormula::Round(inner, ..) => formula_uses(inner, u),
        RFormula::Aggregate(a) => {
            if let AggregateSource::Metric(m) = a.source {
                u.metrics.insert(m);
            }
            match &a.window {
                RWindow::Before(length, day) => {
                    u.value(length);
                    formula_uses(day, u);
                }
                RWindow::Since(Some(day)) => formula_uses(day, u),
                RWindow::Since(None) | RWindow::Current(_) => {}
            }
        }
    }
}

/// Reports loose ends and returns the name spans of the declarations this
/// model uses (parties: those with a role).
pub fn check(model: &Model, out: &mut Vec<Diagnostic>) -> HashSet<Span> {
    let mut u = uses(model);
    // A condition computed from a metric uses the metric and its threshold.
    for c in &model.conditions {
        if let ConditionSource::Metric {
            metric, threshold, ..
        } = &c.source
        {
            u.metrics.insert(*metric);
            u.slot(threshold);
        }
    }
    let mut used = HashSet::new();
    let mut symbols: Vec<(&String, Symbol, Span)> = model
        .symbols
        .iter()
        .map(|(name, (symbol, span))| (name, *symbol, *span))
        .collect();
    symbols.sort_by_key(|(_, _, span)| *span);
    for (name, symbol, span) in symbols {
        let (is_used, why) = match symbol {
            Symbol::Party(p) => (u.roles.contains(&p), ""),
            Symbol::Action(a) => (
                u.actions.contains(&a),
                "no clause permits, forbids or requires it, so every occurrence is permitted and none is ever needed",
            ),
            Symbol::Metric(m) => (
                u.metrics.contains(&m),
                "no payment is a share of it, so the figures scenarios give for it change nothing",
            ),
            Symbol::Condition(c) => (
                u.conditions.contains(&c),
                "no `where`, `while` or `unless` reads it, so switching it changes nothing",
            ),
            Symbol::Param(p) if model.params.get(p).is_some_and(|p| p.formula.is_some()) => (
                u.params.contains(&p),
                "no clause or other let uses its value",
            ),
            Symbol::Param(p) => (
                u.params.contains(&p),
                "no clause uses its value, so setting it changes nothing",
            ),
            Symbol::Type(t) => (
                u.types.contains(&t),
                "no action argument or param has this type",
            ),
            Symbol::Index(i) => (
                versions(model).any(|at| {
                    at.version
                        .payments
                        .iter()
                        .any(|p| p.index.as_ref().is_some_and(|l| l.index == i))
                }),
                "no payment is adjusted by it, so the figures scenarios give for it change nothing",
            ),
            Symbol::Value(..) | Symbol::Clause(_) | Symbol::Event(_) => continue,
        };
        if is_used {
            used.insert(span);
            continue;
        }
        let d = match symbol {
            Symbol::Party(p) => {
                let message = if u.named.contains(&p) {
                    format!("party `{name}` is never obliged, permitted or paid: it is named only as the party a role is held for")
                } else {
                    format!("party `{name}` is never obliged, permitted or paid: no clause or termination right names it")
                };
                Diagnostic::advice(Code::IdleParty, span, message)
                    .with_label("no obligations, permissions or payments")
                    .with_help(format!("give `{name}` its terms, or if it is declared only so that scenarios can name it, say so with `allow idle_party for {name} because \"…\"`"))
            }
            _ => Diagnostic::advice(
                Code::UnusedDeclaration,
                span,
                format!(
                    "{} `{name}` is declared but nothing uses it: {why}",
                    match symbol {
                        Symbol::Param(p)
                            if model.params.get(p).is_some_and(|p| p.formula.is_some()) =>
                        {
                            "let"
                        }
                        other => other.kind(),
                    }
                ),
            )
            .with_label("unused")
            .with_help("remove the declaration, or use it where it was meant to matter"),
        };
        out.push(d);
    }
    metric_periods(model, out);
    ungranted_licences(model, out);
    used
}

/// An action that needs a licence no clause grants: forbidden on every day,
/// unless a scenario grants the licence. For a subject read from an
/// argument, reported when the contract grants no licence at all.
fn ungranted_licences(model: &Model, out: &mut Vec<Diagnostic>) {
    let licences: Vec<&crate::check::model::Licence> = versions(model)
        .flat_map(|at| at.version.licences.iter())
        .collect();
    for a in &model.actions {
        let Some(need) = &a.licence else { continue };
        let (granted, message, help) = match &need.subject {
            NeededSubject::Fixed(subject) => {
                let granted = licences
                    .iter()
                    .any(|l| l.per_item.is_none() && l.subject == *subject);
                let near = licences
                    .iter()
                    .filter(|l| l.per_item.is_none())
                    .map(|l| l.subject.as_str())
                    .find(|s| s.to_lowercase() == subject.to_lowercase());
                let help = match near {
                    Some(s) => format!("subjects are compared as exact text: the contract grants a licence to {s:?}; write the same words in both places"),
                    None => format!("grant it in a clause (`PARTY grants PARTY a licence to {subject:?}`), or, if only scenarios grant it (`on DATE PARTY grants PARTY a licence to {subject:?}`), say so with `allow ungranted_licence for {} because \"…\"`", a.name),
                };
                (
                    granted,
                    format!("`{}` needs a licence to {subject:?}, but no clause grants one: without a licence granted by a scenario, it is forbidden on every day", a.name),
                    help,
                )
            }
            NeededSubject::Arg(i) => (
                !licences.is_empty(),
                format!(
                    "`{}` needs a licence to its `{}`, but the contract grants no licence at all: without licences granted by scenarios, it is forbidden on every day",
                    a.name,
                    a.args.get(*i).map_or("?", |(n, _)| n.as_str())
                ),
                "grant the licences in a clause, one subject at a time or per item (`PARTY grants PARTY a licence to the product of each release for 18 months`)".to_owned(),
            ),
        };
        if !granted {
            let mut d = Diagnostic::warning(Code::UngrantedLicence, need.span, message)
                .with_label("no clause grants this licence");
            if let Some((_, name_span)) = model.symbols.get(&a.name) {
                d = d.with_secondary(*name_span, "the action");
            }
            out.push(d.with_help(help));
        }
    }
}

fn rank(u: PeriodUnit) -> u8 {
    match u {
        PeriodUnit::Month | PeriodUnit::ContractMonth => 1,
        PeriodUnit::Quarter => 2,
        PeriodUnit::Year | PeriodUnit::ContractYear | PeriodUnit::FiscalYear => 3,
    }
}

/// A metric reported more finely than it is paid. Covenant's rule: a
/// payment period takes the sum of the metric's figures that fall in it; a
/// figure whose period straddles the payment period's boundary counts
/// pro-rata by days; a period with no figure at all counts as nothing.
/// Aligned periods (quarters in a calendar year) are advice; contract years
/// that cut through the metric's periods are a warning, since figures are then split.
fn metric_periods(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<Span> = Vec::new();
    for at in versions(model) {
        for p in &at.version.payments {
            let (Charge::Share { metric, .. } | Charge::Shortfall { metric, .. }) = &p.charge
            else {
                continue;
            };
            let Some(m) = model.metrics.get(*metric) else {
                continue;
            };
            let every = p.every.unwrap_or(m.unit);
            if rank(every) <= rank(m.unit) || seen.contains(&p.span) {
                continue;
            }
            seen.push(p.span);
            let per = m.unit;
            let figures = match (per, every) {
                (PeriodUnit::Quarter, _) => "quarterly figures",
                (PeriodUnit::Month, PeriodUnit::Quarter) => "three monthly figures",
                _ => "monthly figures",
            };
            let e = model.effective;
            let fiscal = model.anchors().fiscal;
            let aligned = match every {
                PeriodUnit::ContractYear | PeriodUnit::ContractMonth => {
                    e.day() == 1 && (per == PeriodUnit::Month || (e.month() - 1) % 3 == 0)
                }
                PeriodUnit::FiscalYear => {
                    fiscal.day == 1 && (per == PeriodUnit::Month || (fiscal.month - 1) % 3 == 0)
                }
                _ => true,
            };
            let d = if aligned {
                Diagnostic::advice(
                    Code::PeriodMismatch,
                    p.span,
                    format!("`{}` is reported per {per} but paid every {every}: Covenant adds up the {figures} that fall in each {every} (a {per} with no figure counts as nothing) and applies tiers, floors and caps to that total", m.name),
                )
                .with_help(format!("nothing to change if the parties settle once a {every}; if they meant to settle every {per}, write `every {per}` and state floors and caps per {per}"))
            } else {
                Diagnostic::warning(
                    Code::PeriodMismatch,
                    p.span,
                    format!("`{}` is reported per {per} but paid every contract year from {e}: each contract year adds up the {figures} in it, and the {per}s that straddle its start are split between two contract years pro-rata by days", m.name),
                )
                .with_help(format!("pay every calendar year, or report `{}` per month so that each contract year is made of whole periods", m.name))
            };
            out.push(
                d.with_label(format!("paid every {every}"))
                    .with_secondary(m.span, format!("reported per {per}")),
            );
        }
    }
}
