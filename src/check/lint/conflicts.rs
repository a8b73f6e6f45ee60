//! Rules that collide: conflicts, needless overrides, clashing licences and
//! double charges.
//!
//! Two statements can only collide on days both their versions are active
//! ([`time`]) and for occurrences where every condition on them holds
//! together ([`solve`]): their `where` conditions, and the `while` and
//! `unless` windows of both clauses, which share one value of each
//! condition and param on any given day.

use std::collections::BTreeMap;

use crate::check::model::{
    ActionId, Charge, ClauseId, ConditionId, Model, ParamId, PartyId, RExpr, ROperand, Value,
    ValueRef, ValueType,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::CmpOp;

use super::solve::{self, any_value, Constraint, Sat, Var};
use super::time::{self, describe_all, merge, Range};
use super::{
    action_name, clause_name, party_name, versions, where_constraint, window_constraints, At,
};

/// Values under which a permission and a prohibition both apply: a scenario
/// with `on date PARTY ACTION args`, after switching the conditions and
/// setting the params as given, meets both.
#[derive(Debug, Clone)]
pub struct Witness {
    /// A day both apply.
    pub date: chrono::NaiveDate,
    /// The action's arguments, in declaration order.
    pub args: Vec<Value>,
    /// Conditions the occurrence needs, with their values on that day.
    pub conditions: Vec<(ConditionId, bool)>,
    /// Params the occurrence needs, with their values.
    pub params: Vec<(ParamId, Value)>,
}

/// A permission and a prohibition of the same action by the same party that
/// can decide the same occurrence, with no `notwithstanding` between them.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// The permission statement.
    pub permission: Span,
    /// The prohibition statement.
    pub prohibition: Span,
    /// The permission's clause.
    pub permission_clause: ClauseId,
    /// The prohibition's clause.
    pub prohibition_clause: ClauseId,
    /// The party.
    pub party: PartyId,
    /// The action.
    pub action: ActionId,
    /// The days both can apply, merged and in order.
    pub ranges: Vec<Range>,
    /// An occurrence that meets both, when the search found one.
    pub witness: Option<Witness>,
    /// The assignment behind the witness (for messages).
    assignment: Vec<(Var, Value)>,
    /// Where the two statements meet: (clause, version, rule) of the
    /// permission, then of the prohibition, for each pair of versions.
    pairs: Vec<[usize; 6]>,
    /// Whether the analysis decided the overlap exactly (no search ran out of budget).
    pub exact: bool,
}

/// Every permission/prohibition pair that can decide the same occurrence
/// without a `notwithstanding` between them, one entry per pair of statements.
pub fn rule_conflicts(model: &Model) -> Vec<Conflict> {
    let all: Vec<(At<'_>, Option<Range>)> = versions(model)
        .map(|at| (at, time::active(model, at.history, at.version)))
        .collect();
    let mut found: BTreeMap<(Span, Span), Conflict> = BTreeMap::new();
    for (p, p_range) in &all {
        let Some(p_range) = p_range else { continue };
        for (pi, rp) in p
            .version
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.permits)
        {
            let args = model
                .actions
                .get(rp.action)
                .map(|a| a.args.as_slice())
                .unwrap_or_default();
            for (q, q_range) in &all {
                if rp.notwithstanding.contains(&q.clause) {
                    continue;
                }
                let Some(overlap) = q_range.and_then(|r| p_range.intersect(r)) else {
                    continue;
                };
                for (qi, rq) in q
                    .version
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| !r.permits && r.party == rp.party && r.action == rp.action)
                {
                    let mut constraints: Vec<Constraint<'_>> = Vec::new();
                    constraints.extend(where_constraint(&rp.condition));
                    constraints.extend(where_constraint(&rq.condition));
                    constraints.extend(window_constraints(p.version));
                    constraints.extend(window_constraints(q.version));
                    let sat = solve::solve(model, args, &constraints);
                    if !sat.possible() {
                        continue;
                    }
                    let entry = found.entry((rp.span, rq.span)).or_insert_with(|| Conflict {
                        permission: rp.span,
                        prohibition: rq.span,
                        permission_clause: p.clause,
                        prohibition_clause: q.clause,
                        party: rp.party,
                        action: rp.action,
                        ranges: Vec::new(),
                        witness: None,
                        assignment: Vec::new(),
                        pairs: Vec::new(),
                        exact: true,
                    });
                    entry.ranges.push(overlap);
                    entry
                        .pairs
                        .push([p.clause, p.index, pi, q.clause, q.index, qi]);
                    match sat {
                        Sat::Yes(assignment) => {
                            if entry.witness.is_none() {
                                entry.witness = Some(witness(overlap, args, &assignment));
                                entry.assignment = assignment;
                            }
                        }
                        Sat::Unknown => entry.exact = false,
                        Sat::No => {}
                    }
                }
            }
        }
    }
    let mut out: Vec<Conflict> = found.into_values().collect();
    for c in &mut out {
        c.ranges = merge(std::mem::take(&mut c.ranges));
    }
    out
}

fn witness(range: Range, args: &[(String, ValueType)], assignment: &[(Var, Value)]) -> Witness {
    let arg_values = args
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| {
            assignment
                .iter()
                .find(|(v, _)| *v == Var::Arg(i))
                .map_or_else(|| any_value(*ty), |(_, value)| value.clone())
        })
        .collect();
    let conditions = assignment
        .iter()
        .filter_map(|(v, value)| match (v, value) {
            (Var::Cond(c), Value::Bool(b)) => Some((*c, *b)),
            _ => None,
        })
        .collect();
    let params = assignment
        .iter()
        .filter_map(|(v, value)| match v {
            Var::Param(p) => Some((*p, value.clone())),
            _ => None,
        })
        .collect();
    Witness {
        date: range.from,
        args: arg_values,
        conditions,
        params,
    }
}

/// The most statements of one kind (across all clause versions) that are
/// compared pairwise; beyond it the comparison would grow with the square of
/// the contract and is skipped, with a warning that says so.
pub const MAX_STATEMENTS: usize = 1_000;

/// Runs every analysis of this module.
pub fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    let count = |f: &dyn Fn(&crate::check::model::ClauseVersion) -> usize| -> usize {
        versions(model).map(|at| f(at.version)).sum()
    };
    let rules = count(&|v| v.rules.len());
    if rules <= MAX_STATEMENTS {
        for c in rule_conflicts(model) {
            out.push(conflict_diagnostic(model, &c));
        }
        notwithstanding(model, out);
    } else {
        out.push(too_many(
            model,
            rules,
            "permissions and prohibitions",
            "rule_conflict",
        ));
    }
    let licences_count = count(&|v| v.licences.len());
    if licences_count <= MAX_STATEMENTS {
        licences(model, out);
    } else {
        out.push(too_many(
            model,
            licences_count,
            "licences",
            "licence_conflict",
        ));
    }
    let payments = count(&|v| v.payments.len());
    if payments <= MAX_STATEMENTS {
        charges(model, out);
    } else {
        out.push(too_many(model, payments, "payments", "double_charge"));
    }
}

fn too_many(model: &Model, n: usize, what: &str, code: &str) -> Diagnostic {
    // A point at the start of the contract: the finding is about all of it.
    let at = Span {
        end: model.span.start,
        ..model.span
    };
    Diagnostic::warning(
        Code::LimitExceeded,
        at,
        format!("the contract has {n} {what} across its clause versions; Covenant compares at most {MAX_STATEMENTS} with each other, so `{code}` is not checked"),
    )
    .with_help("split the contract, or check its parts separately")
}

/// Describes the arguments and facts under which both rules apply: every
/// value of a lone argument of a small type (which says the whole overlap
/// in a few words), else an example; and the condition values the overlap
/// needs (a condition either value of which would do is not mentioned).
fn occurrence_text(model: &Model, c: &Conflict) -> String {
    let Some(action) = model.actions.get(c.action) else {
        return String::new();
    };
    let arg_vars: Vec<usize> = c
        .assignment
        .iter()
        .filter_map(|(v, _)| match v {
            Var::Arg(i) => Some(*i),
            _ => None,
        })
        .collect();
    let mut needed: Vec<String> = Vec::new();
    let mut example: Vec<String> = Vec::new();
    for (v, value) in &c.assignment {
        match (v, value) {
            (Var::Cond(id), Value::Bool(b)) => {
                let flipped = fixed(ROperand::Condition(*id), Value::Bool(!*b));
                let name = model.conditions.get(*id).map_or("?", |x| x.name.as_str());
                if hits(model, c, &flipped) == Some(false) {
                    needed.push(format!("`{name}` is {b}"));
                }
            }
            (Var::Param(id), _) => {
                if let Some(p) = model.params.get(*id) {
                    example.push(format!("`{}` is {}", p.name, model.show_value(value)));
                }
            }
            _ => {}
        }
    }
    let mut text = String::new();
    let lone = match arg_vars.as_slice() {
        [i] if c.exact => projection(model, c, *i).map(|values| (*i, values)),
        _ => None,
    };
    if let Some((i, values)) = lone {
        let name = action.args.get(i).map_or("?", |(n, _)| n.as_str());
        let shown: Vec<String> = values.iter().map(|v| model.show_value(v)).collect();
        let list = match shown.as_slice() {
            [one] => one.clone(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
            [] => String::new(),
        };
        text.push_str(&format!(" where {name} is {list}"));
    } else {
        for i in &arg_vars {
            if let (Some((name, _)), Some(value)) = (
                action.args.get(*i),
                c.witness.as_ref().and_then(|w| w.args.get(*i)),
            ) {
                example.insert(0, format!("{name} is {}", model.show_value(value)));
            }
        }
    }
    if !needed.is_empty() {
        text.push_str(&format!(" while {}", needed.join(" and ")));
    }
    if !example.is_empty() {
        text.push_str(&format!(", for example where {}", example.join(" and ")));
    }
    text
}

/// `operand is value`, as a resolved expression.
fn fixed(operand: ROperand, value: Value) -> RExpr {
    RExpr::Compare(operand, CmpOp::Is, ROperand::Value(ValueRef::Lit(value)))
}

/// Whether both rules of the conflict still meet when `extra` must hold too
/// (`None` when a search ran out of budget).
fn hits(model: &Model, c: &Conflict, extra: &RExpr) -> Option<bool> {
    let args = model
        .actions
        .get(c.action)
        .map(|a| a.args.as_slice())
        .unwrap_or_default();
    let version = |clause: usize, v: usize| model.clauses.get(clause)?.versions.get(v);
    for [pc, pv, pr, qc, qv, qr] in &c.pairs {
        let (Some(p), Some(q)) = (version(*pc, *pv), version(*qc, *qv)) else {
            continue;
        };
        let (Some(rp), Some(rq)) = (p.rules.get(*pr), q.rules.get(*qr)) else {
            continue;
        };
        let mut constraints = vec![Constraint {
            expr: extra,
            holds: true,
        }];
        constraints.extend(where_constraint(&rp.condition));
        constraints.extend(where_constraint(&rq.condition));
        constraints.extend(window_constraints(p));
        constraints.extend(window_constraints(q));
        match solve::solve(model, args, &constraints) {
            Sat::Yes(_) => return Some(true),
            Sat::No => {}
            Sat::Unknown => return None,
        }
    }
    Some(false)
}

/// Every value of argument `i` (of a defined type or true/false) under which
/// both rules apply on some day; `None` when the type is not small.
fn projection(model: &Model, c: &Conflict, i: usize) -> Option<Vec<Value>> {
    let action = model.actions.get(c.action)?;
    let candidates: Vec<Value> = match action.args.get(i)?.1 {
        ValueType::Enum(t) => (0..model.types.get(t)?.values.len())
            .map(|k| Value::Enum(t, k))
            .collect(),
        ValueType::Bool => vec![Value::Bool(false), Value::Bool(true)],
        _ => return None,
    };
    let mut out = Vec::new();
    for value in candidates {
        if hits(model, c, &fixed(ROperand::Arg(i), value.clone()))? {
            out.push(value);
        }
    }
    Some(out)
}

fn conflict_diagnostic(model: &Model, c: &Conflict) -> Diagnostic {
    let p = clause_name(model, c.permission_clause);
    let q = clause_name(model, c.prohibition_clause);
    let both = if c.exact { "both" } else { "possibly both" };
    let clauses = if p == q {
        format!("two statements of `{q}`")
    } else {
        format!("`{q}` and `{p}`")
    };
    let message = format!(
        "{} {clauses} {both} apply to {} `{}`{}; the prohibition wins",
        describe_all(&c.ranges),
        party_name(model, c.party),
        action_name(model, c.action),
        occurrence_text(model, c),
    );
    let help = if p == q {
        "a clause that permits and forbids the same thing reads as a mistake: narrow the permission's or the prohibition's `where` condition so that they never meet".to_owned()
    } else {
        format!("if `{p}` is meant to override `{q}`, write `notwithstanding {q}` after the permission; otherwise narrow a `where` condition or a window so that the two never meet")
    };
    Diagnostic::warning(Code::RuleConflict, c.permission, message)
        .with_label(format!("`{p}` permits it"))
        .with_secondary(c.prohibition, format!("`{q}` forbids it, and wins"))
        .with_help(help)
}

/// Two licences that clash: their versions, the days, and whether the days are exact.
type LicencePair<'m> = (At<'m>, At<'m>, Vec<Range>, bool);
/// Two charges that clash: the days, whether exact, and (version, payment) indexes of each.
type ChargePair = (Vec<Range>, bool, usize, usize, usize, usize);

/// `notwithstanding X` where X never prohibits what the permission permits,
/// or where X is removed while the permission still names it.
fn notwithstanding(model: &Model, out: &mut Vec<Diagnostic>) {
    let all: Vec<At<'_>> = versions(model).collect();
    let mut seen: Vec<Span> = Vec::new();
    for p in &all {
        let p_range = time::active(model, p.history, p.version);
        for rp in p.version.rules.iter().filter(|r| r.permits) {
            let args = model
                .actions
                .get(rp.action)
                .map(|a| a.args.clone())
                .unwrap_or_default();
            for (x, name_span) in rp.notwithstanding.iter().zip(&rp.notwithstanding_spans) {
                if seen.contains(name_span) {
                    continue;
                }
                let x_name = clause_name(model, *x);
                if let (Some(removal), Some(range)) =
                    (model.clauses.get(*x).and_then(|c| c.removed), p_range)
                {
                    if range.until.is_none_or(|u| u >= removal.date) {
                        seen.push(*name_span);
                        out.push(
                            Diagnostic::warning(
                                Code::RemovedClauseNamed,
                                *name_span,
                                format!("`{x_name}` is removed from {}, but `{}` still names it: from then on `notwithstanding {x_name}` overrides nothing", removal.date, clause_name(model, p.clause)),
                            )
                            .with_label("names a removed clause")
                            .with_secondary(removal.span, format!("`{x_name}` removed here"))
                            .with_help(format!("drop `{x_name}` from the `notwithstanding` list when the clause goes (replace or amend `{}` in the same amendment), or keep `{x_name}`", clause_name(model, p.clause))),
                        );
                        continue;
                    }
                }
                let mut prohibits_at_all = false;
                let mut meets = false;
                for q in all.iter().filter(|q| q.clause == *x) {
                    for rq in q
                        .version
                        .rules
                        .iter()
                        .filter(|r| !r.permits && r.party == rp.party && r.action == rp.action)
                    {
                        prohibits_at_all = true;
                        let overlap = p_range
                            .zip(time::active(model, q.history, q.version))
                            .and_then(|(a, b)| a.intersect(b));
                        if overlap.is_none() {
                            continue;
                        }
                        let mut constraints: Vec<Constraint<'_>> = Vec::new();
                        constraints.extend(where_constraint(&rp.condition));
                        constraints.extend(where_constraint(&rq.condition));
                        constraints.extend(window_constraints(p.version));
                        constraints.extend(window_constraints(q.version));
                        if solve::solve(model, &args, &constraints).possible() {
                            meets = true;
                        }
                    }
                }
                if meets || p_range.is_none() {
                    continue;
                }
                seen.push(*name_span);
                let who = party_name(model, rp.party);
                let what = action_name(model, rp.action);
                let message = if prohibits_at_all {
                    format!("`{x_name}` prohibits {who} `{what}` only where or when this permission does not apply, so `notwithstanding {x_name}` overrides nothing")
                } else {
                    format!("`{x_name}` never prohibits {who} `{what}`, so `notwithstanding {x_name}` overrides nothing")
                };
                let x_span = model
                    .clauses
                    .get(*x)
                    .and_then(|c| c.versions.first())
                    .map_or(*name_span, |v| v.name_span);
                out.push(
                    Diagnostic::warning(Code::NeedlessNotwithstanding, *name_span, message)
                        .with_label("overrides nothing")
                        .with_secondary(x_span, format!("`{x_name}` is here"))
                        .with_help("name the clause that holds the prohibition this permission should override, or drop the `notwithstanding`"),
                );
            }
        }
    }
}

/// An exclusive licence and another licence of the same subject, by the same
/// grantor to someone else, in force on the same days.
fn licences(model: &Model, out: &mut Vec<Diagnostic>) {
    let all: Vec<At<'_>> = versions(model).collect();
    let mut found: BTreeMap<(Span, Span), LicencePair<'_>> = BTreeMap::new();
    for a in &all {
        let Some(a_range) = time::active(model, a.history, a.version) else {
            continue;
        };
        for (ia, la) in a
            .version
            .licences
            .iter()
            .enumerate()
            .filter(|(_, l)| l.exclusive)
        {
            for b in &all {
                let Some(overlap) =
                    time::active(model, b.history, b.version).and_then(|r| r.intersect(a_range))
                else {
                    continue;
                };
                for (ib, lb) in b.version.licences.iter().enumerate().filter(|(_, l)| {
                    l.span != la.span
                        && l.grantor == la.grantor
                        && l.subject == la.subject
                        && l.licensee != la.licensee
                }) {
                    // Two exclusive licences are one finding, reported from the one written first.
                    if lb.exclusive && (b.clause, ib) < (a.clause, ia) {
                        continue;
                    }
                    let mut constraints = window_constraints(a.version);
                    constraints.extend(window_constraints(b.version));
                    let sat = solve::solve(model, &[], &constraints);
                    if !sat.possible() {
                        continue;
                    }
                    let entry =
                        found
                            .entry((la.span, lb.span))
                            .or_insert((*a, *b, Vec::new(), true));
                    entry.2.push(overlap);
                    if matches!(sat, Sat::Unknown) {
                        entry.3 = false;
                    }
                }
            }
        }
    }
    for ((la_span, lb_span), (a, b, ranges, exact)) in found {
        let (Some(la), Some(lb)) = (
            a.version.licences.iter().find(|l| l.span == la_span),
            b.version.licences.iter().find(|l| l.span == lb_span),
        ) else {
            continue;
        };
        let ranges = merge(ranges);
        let kind = if lb.exclusive {
            "an exclusive"
        } else {
            "a non-exclusive"
        };
        let both = if exact { "" } else { "possibly " };
        let message = format!(
            "{} {both}`{}` grants {} an exclusive licence to {:?} while `{}` grants {} {kind} licence to the same subject: the exclusive licence is not exclusive",
            describe_all(&ranges),
            a.history.name,
            party_name(model, la.licensee),
            la.subject,
            b.history.name,
            party_name(model, lb.licensee),
        );
        out.push(
            Diagnostic::warning(Code::LicenceConflict, la_span, message)
                .with_label(format!("exclusive to {}", party_name(model, la.licensee)))
                .with_secondary(lb_span, format!("also to {}", party_name(model, lb.licensee)))
                .with_help("make one licence follow the other (windows that do not overlap), give them different subjects, or make the first one non-exclusive"),
        );
    }
}

/// Two payment clauses charging the same payer a share of the same metric
/// on the same days: each figure is charged twice. (Two payments written in
/// one clause are one term, read together, and not reported.)
fn charges(model: &Model, out: &mut Vec<Diagnostic>) {
    let all: Vec<At<'_>> = versions(model).collect();
    let mut found: BTreeMap<(Span, Span), ChargePair> = BTreeMap::new();
    for (ai, a) in all.iter().enumerate() {
        let Some(a_range) = time::active(model, a.history, a.version) else {
            continue;
        };
        for (ki, pa) in a.version.payments.iter().enumerate() {
            let Charge::Share { metric, .. } = &pa.charge else {
                continue;
            };
            for (bi, b) in all.iter().enumerate() {
                let Some(overlap) =
                    time::active(model, b.history, b.version).and_then(|r| r.intersect(a_range))
                else {
                    continue;
                };
                for (kj, pb) in b.version.payments.iter().enumerate() {
                    let same = matches!(&pb.charge, Charge::Share { metric: m, .. } if m == metric);
                    // Each pair of clauses once, the later clause labelled as the second
                    // charge. Two payments of one clause are one term, read together.
                    if !same || pb.payer != pa.payer || b.clause <= a.clause {
                        continue;
                    }
                    let mut constraints = window_constraints(a.version);
                    constraints.extend(window_constraints(b.version));
                    let sat = solve::solve(model, &[], &constraints);
                    if !sat.possible() {
                        continue;
                    }
                    let entry = found.entry((pa.span, pb.span)).or_insert((
                        Vec::new(),
                        true,
                        ai,
                        ki,
                        bi,
                        kj,
                    ));
                    entry.0.push(overlap);
                    if matches!(sat, Sat::Unknown) {
                        entry.1 = false;
                    }
                }
            }
        }
    }
    for ((sa, sb), (ranges, exact, ai, ki, bi, kj)) in found {
        let (Some(a), Some(b)) = (all.get(ai), all.get(bi)) else {
            continue;
        };
        let (Some(pa), Some(pb)) = (a.version.payments.get(ki), b.version.payments.get(kj)) else {
            continue;
        };
        let Charge::Share {
            metric, rates: ra, ..
        } = &pa.charge
        else {
            continue;
        };
        let Charge::Share { rates: rb, .. } = &pb.charge else {
            continue;
        };
        let rate = |rates: &Vec<crate::check::model::Slot>| {
            rates
                .first()
                .map_or("?".to_owned(), |s| super::show_slot(model, &s.value))
        };
        let metric_name = model.metrics.get(*metric).map_or("?", |m| m.name.as_str());
        let clauses = format!("`{}` and `{}`", a.history.name, b.history.name);
        let both = if exact { "both" } else { "possibly both" };
        let message = format!(
            "{} {clauses} {both} charge {} a share of `{metric_name}` ({} to {} and {} to {}): each period's figure is charged twice",
            describe_all(&ranges),
            party_name(model, pa.payer),
            rate(ra),
            party_name(model, pa.payee),
            rate(rb),
            party_name(model, pb.payee),
        );
        out.push(
            Diagnostic::warning(Code::DoubleCharge, sb, message)
                .with_label("charges the same figure again")
                .with_secondary(sa, "first charge")
                .with_help("if one is meant to replace the other, use `replace` or `amend` in the amendment, or end one clause's window where the other's begins; if both charges are agreed, say so with `allow double_charge because \"…\"`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witness_fills_unconstrained_arguments() {
        let args = vec![
            ("via".to_owned(), ValueType::Bool),
            ("n".to_owned(), ValueType::Number),
        ];
        let w = witness(
            Range {
                from: chrono::NaiveDate::default(),
                until: None,
            },
            &args,
            &[(Var::Arg(1), Value::Number(rust_decimal::Decimal::ONE))],
        );
        assert_eq!(
            w.args,
            vec![
                Value::Bool(false),
                Value::Number(rust_decimal::Decimal::ONE)
            ]
        );
    }
}
