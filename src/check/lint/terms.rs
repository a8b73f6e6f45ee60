//! Terms that can never matter: clauses that are never active, deadlines
//! that fall outside their clause, per-period caps the total cap makes moot.

use chrono::NaiveDate;

use crate::check::model::{DeadlineSlot, Model, Slot, Value, ValueRef};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

use super::solve::{self, Sat};
use super::time::{self, Range};
use super::{versions, window_constraints, At};

/// Runs every analysis of this module.
pub fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    dead_clauses(model, out);
    deadlines(model, out);
    caps(model, out);
}

/// A window for messages: `until 2020-12-31`, `from 2035-01-01 on`, `from A to B`.
fn describe_window(r: Range) -> String {
    match (r.from == NaiveDate::MIN, r.until) {
        (true, Some(u)) => format!("until {u}"),
        (true, None) => "every day".to_owned(),
        (false, _) => r.describe(),
    }
}

fn window_labels(v: &crate::check::model::ClauseVersion) -> Vec<(Span, &'static str)> {
    let w = &v.windows;
    [(&w.from, "from"), (&w.until, "until"), (&w.for_, "for")]
        .into_iter()
        .filter_map(|(slot, what)| slot.as_ref().map(|s| (s.span, what)))
        .collect()
}

fn dead_clauses(model: &Model, out: &mut Vec<Diagnostic>) {
    let term = time::contract_range(model);
    let mut seen: Vec<Vec<Span>> = Vec::new();
    for at in versions(model) {
        let At {
            history,
            version: v,
            ..
        } = at;
        let Some(in_force) = time::in_force(model, v) else {
            // Superseded on the day it began, or after the term: not a window's doing.
            continue;
        };
        let window = time::window(model, history, v);
        let active = window.and_then(|w| w.intersect(in_force));
        let labels = window_labels(v);
        let mut key: Vec<Span> = labels.iter().map(|(s, _)| *s).collect();
        let diagnostic = match (window, active) {
            (Some(w), None) => {
                let Some((primary, _)) = labels.first().copied() else {
                    continue;
                };
                if w.intersect(term).is_none() {
                    let mut d = Diagnostic::warning(
                        Code::DeadClause,
                        primary,
                        format!(
                            "`{}` can never be active: its window ({}) lies wholly outside the contract's term ({})",
                            history.name,
                            describe_window(w),
                            term.describe()
                        ),
                    )
                    .with_label("outside the term");
                    for (span, what) in labels.iter().skip(1) {
                        d = d.with_secondary(*span, format!("`{what}` window"));
                    }
                    d.with_secondary(model.term.span, "the contract's term")
                        .with_help("a clause applies only while the contract is in force: check the window's dates, or the term's")
                } else {
                    let mut d = Diagnostic::warning(
                        Code::DeadClause,
                        primary,
                        format!(
                            "this version of `{}` can never be active: it governs {} ({} by `{}`), but its window allows only {}",
                            history.name,
                            in_force.describe(),
                            v.origin.how,
                            v.origin.document,
                            describe_window(w)
                        ),
                    )
                    .with_label("never meets the version's time in force");
                    for (span, what) in labels.iter().skip(1) {
                        d = d.with_secondary(*span, format!("`{what}` window"));
                    }
                    d.with_secondary(v.name_span, "this version")
                        .with_help("check the window's dates against the date this version takes effect and the date it is replaced or removed")
                }
            }
            (None, _) => {
                let Some((primary, _)) = labels.first().copied() else {
                    continue;
                };
                let mut d = Diagnostic::warning(
                    Code::DeadClause,
                    primary,
                    format!(
                        "`{}` can never be active: its windows allow no day at all",
                        history.name
                    ),
                )
                .with_label("empty window");
                for (span, what) in labels.iter().skip(1) {
                    d = d.with_secondary(*span, format!("`{what}` window"));
                }
                d.with_help("a `for` window must be at least a day long, and an `until` date must not come before the `from` date")
            }
            (Some(_), Some(_)) => {
                let constraints = window_constraints(v);
                if constraints.is_empty()
                    || !matches!(solve::solve(model, &[], &constraints), Sat::No)
                {
                    continue;
                }
                let spans: Vec<Span> = v
                    .windows
                    .while_
                    .iter()
                    .chain(v.windows.unless.iter())
                    .map(|(_, s)| *s)
                    .collect();
                key = spans.clone();
                let Some(primary) = spans.first().copied() else {
                    continue;
                };
                let mut d = Diagnostic::warning(
                    Code::DeadClause,
                    primary,
                    format!(
                        "`{}` can never be active: its `while` and `unless` conditions never hold on the same day",
                        history.name
                    ),
                )
                .with_label("never holds with the others");
                for span in spans.iter().skip(1) {
                    d = d.with_secondary(*span, "");
                }
                d.with_help("a clause is active only on days every `while` holds and no `unless` does; remove the condition that contradicts the others")
            }
        };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(diagnostic);
    }
}

fn literal_date(slot: &Slot) -> Option<NaiveDate> {
    match &slot.value {
        ValueRef::Lit(Value::Date(d)) => Some(*d),
        _ => None,
    }
}

/// Deadlines that fall on no day their clause is in force: the evaluator
/// checks an obligation only when its version governs on the deadline, so
/// such an obligation never binds.
fn deadlines(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<Span> = Vec::new();
    for at in versions(model) {
        for o in &at.version.obligations {
            if seen.contains(&o.span) {
                continue;
            }
            seen.push(o.span);
            // Every version that carries this obligation (an `amend` keeps it).
            let carriers: Vec<At<'_>> = at
                .history
                .versions
                .iter()
                .enumerate()
                .filter(|(_, v)| v.obligations.iter().any(|x| x.span == o.span))
                .map(|(index, version)| At {
                    index,
                    version,
                    ..at
                })
                .collect();
            let mut first_active: Option<Range> = None;
            let mut last_active: Option<Range> = None;
            let mut binds = false;
            let mut deadline_text = None;
            let (slot, is_by) = match &o.deadline {
                DeadlineSlot::By(s) => (s, true),
                DeadlineSlot::Within(s) => (s, false),
            };
            for c in &carriers {
                let Some(active) = time::active(model, c.history, c.version) else {
                    continue;
                };
                first_active = first_active.or(Some(active));
                last_active = Some(active);
                let deadline = if is_by {
                    literal_date(slot)
                } else {
                    within_deadline(model, c, slot)
                };
                let Some(deadline) = deadline else {
                    // A param decides the deadline: any day is possible.
                    binds = true;
                    break;
                };
                deadline_text = Some(deadline);
                if active.contains(deadline) {
                    binds = true;
                    break;
                }
            }
            let (Some(deadline), false, Some(first), Some(last)) =
                (deadline_text, binds, first_active, last_active)
            else {
                continue;
            };
            let name = &at.history.name;
            let message = if deadline < first.from {
                format!("the deadline {deadline} falls before `{name}` is in force ({}), so this obligation never binds: Covenant checks a deadline only on a day its clause is in force", first.describe())
            } else {
                let end = last.until.map_or_else(|| "?".to_owned(), |u| u.to_string());
                format!("the deadline {deadline} falls after `{name}` ends on {end}, so this obligation never binds: Covenant checks a deadline only on a day its clause is in force")
            };
            out.push(
                Diagnostic::warning(Code::ImpossibleDeadline, slot.span, message)
                    .with_label(format!("deadline {deadline}"))
                    .with_secondary(at.version.name_span, "the clause")
                    .with_help("move the deadline into the clause's time in force, or widen the clause's window to cover it"),
            );
        }
    }
}

/// `within DURATION` counted as the evaluator counts it: from the version's
/// `from` date, else from the day the clause first took effect.
fn within_deadline(model: &Model, at: &At<'_>, slot: &Slot) -> Option<NaiveDate> {
    let ValueRef::Lit(Value::Duration(d)) = &slot.value else {
        return None;
    };
    let first = at
        .history
        .versions
        .first()
        .map_or(model.effective, |v| v.in_force_from)
        .max(model.effective);
    let start = match &at.version.windows.from {
        Some(s) => literal_date(s)?.max(model.effective),
        None => first,
    };
    d.after(start)
}

/// A per-period cap above the total cap: the total cap stops payment before
/// any one period could reach the per-period cap.
fn caps(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<(Span, Span)> = Vec::new();
    for at in versions(model) {
        for p in &at.version.payments {
            let (Some(per), Some(total)) = (&p.cap_per, &p.cap_total) else {
                continue;
            };
            if seen.contains(&(per.span, total.span)) {
                continue;
            }
            seen.push((per.span, total.span));
            let (
                Some((Value::Money(per_m), per_param)),
                Some((Value::Money(total_m), total_param)),
            ) = (
                super::slot_value(model, &per.value),
                super::slot_value(model, &total.value),
            )
            else {
                continue;
            };
            if per_m.currency != total_m.currency || per_m.amount <= total_m.amount {
                continue;
            }
            let unit = p
                .cap_per_unit
                .map_or_else(|| "period".to_owned(), |(u, _)| u.to_string());
            let show = |m: &crate::money::Money, param: Option<&str>| match param {
                Some(name) => format!("{m}, `{name}`'s default"),
                None => m.to_string(),
            };
            out.push(
                Diagnostic::warning(
                    Code::CapAboveTotal,
                    per.span,
                    format!(
                        "the cap per {unit} ({}) is above the total cap ({}): the total cap stops payment before any {unit} could reach it",
                        show(per_m, per_param),
                        show(total_m, total_param)
                    ),
                )
                .with_label(format!("cap per {unit}"))
                .with_secondary(total.span, "total cap")
                .with_help("lower the per-period cap below the total cap, or drop it"),
            );
        }
    }
}
