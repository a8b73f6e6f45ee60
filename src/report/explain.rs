//! `covenant explain`: why the contract stands as it does on one day.
//!
//! For every clause: active or not and why, the version that governs, and its
//! source. For an action: each rule about it, whether it applied, and the
//! verdict that follows.

use std::fmt::Write as _;

use crate::calendar::Date;
use crate::check::scenario::{ActionCall, Plan};
use crate::eval::{excerpt, Compiled};
use crate::source::{SourceMap, Span};

/// Renders the explanation for `date` (and `call`, if given).
pub fn explain(
    compiled: &Compiled<'_>,
    plan: &Plan,
    sources: &SourceMap,
    date: Date,
    call: Option<(&ActionCall, String)>,
) -> String {
    let program = &compiled.program;
    let model = program.model;
    let mut out = String::new();
    let _ = writeln!(out, "Scenario {} on {date}", plan.name);
    let in_force = date >= model.effective && compiled.end.last_day.is_none_or(|l| date <= l);
    let _ = writeln!(
        out,
        "  contract {} is {} (effective {}; {})",
        model.name,
        if in_force { "in force" } else { "not in force" },
        model.effective,
        compiled.end.reason
    );
    for a in &model.amendments {
        let state = if a.effective <= date {
            "applies"
        } else {
            "not yet in effect"
        };
        let _ = writeln!(
            out,
            "  amendment {} (effective {}) {state}",
            a.name, a.effective
        );
    }
    for i in &model.interpretations {
        let scope = i
            .clause
            .and_then(|c| model.clauses.get(c))
            .map(|c| format!(" for {}", c.name))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  interpretation {}: {}{scope} — because {:?}",
            i.name,
            i.describe(),
            i.reason
        );
    }
    if !model.conditions.is_empty() {
        out.push_str("\nConditions\n");
        for (i, c) in model.conditions.iter().enumerate() {
            let Some(t) = program.conditions.get(i) else {
                continue;
            };
            let value = t.at(date);
            let since = t
                .changes
                .iter()
                .rev()
                .find(|(d, _)| *d <= date)
                .map(|(d, _)| format!("switched on {d}"))
                .unwrap_or_else(|| "default".to_owned());
            let _ = writeln!(out, "  {} = {value} ({since})", c.name);
        }
    }
    if !model.params.is_empty() {
        out.push_str("\nParams\n");
        let mut values = plan.params.clone();
        // A let that cannot be computed was reported when the scenario was compiled.
        let _ = crate::eval::formula::bind_lets_with_events(
            model,
            Some(&plan.figures),
            Some(&plan.events),
            &mut values,
        );
        for (i, p) in model.params.iter().enumerate() {
            if p.hidden {
                continue;
            }
            let value = if p.periodic {
                "computed per payment period".to_owned()
            } else {
                values
                    .get(i)
                    .map(|v| model.show_value(v))
                    .unwrap_or_default()
            };
            let source = if p.formula.is_some() {
                "computed"
            } else if plan.params_set.get(i).copied().unwrap_or(false) {
                "set by the scenario"
            } else {
                "default"
            };
            let _ = writeln!(out, "  {} = {value} ({source})", p.name);
        }
    }
    out.push_str("\nClauses\n");
    let states = crate::eval::clause_states_on(program, date);
    for (cid, clause) in model.clauses.iter().enumerate() {
        let Some(state) = states.get(cid) else {
            continue;
        };
        let title = state
            .title
            .as_deref()
            .map(|t| format!(" {t:?}"))
            .unwrap_or_default();
        let version = state
            .version
            .as_deref()
            .map(|v| format!(", governed by {v}"))
            .unwrap_or_default();
        if state.active {
            let _ = writeln!(out, "  {}{title} — active{version}", clause.name);
            let _ = writeln!(out, "      {}", state.detail);
        } else {
            let _ = writeln!(out, "  {}{title} — inactive: {}", clause.name, state.detail);
        }
        for (word, i) in clause_readings(model, cid) {
            let _ = writeln!(
                out,
                "      reads \"{word}\" by interpretation {}: {}",
                i.name,
                i.describe()
            );
        }
        let governing = program.active_version(cid, date).or_else(|| {
            clause
                .versions
                .iter()
                .rposition(|v| v.in_force_from <= date)
        });
        if let Some(g) = governing {
            // An `amend` only shows what changed, so show the text it amends as well.
            let mut first = g;
            while first > 0
                && clause
                    .versions
                    .get(first)
                    .is_some_and(|v| v.origin.how == "amended")
            {
                first -= 1;
            }
            for v in clause.versions.iter().take(g + 1).skip(first) {
                source_block(&mut out, sources, v.span);
            }
        }
    }
    if let Some((call, text)) = call {
        let _ = writeln!(out, "\nAction: {text}");
        let verdict = program.verdict(call, date);
        let _ = writeln!(out, "  verdict: {}", verdict.explain());
        let mut depends: Vec<&str> = Vec::new();
        for (cid, clause) in model.clauses.iter().enumerate() {
            let named = verdict.forbidden_by.contains(&clause.name)
                || verdict.permitted_by.contains(&clause.name)
                || verdict.overridden.contains(&clause.name);
            for (word, i) in clause_readings(model, cid) {
                let turns_today = word == "until"
                    && clause.versions.iter().any(|v| {
                        v.windows.until.as_ref().and_then(|s| program.date(s).ok()) == Some(date)
                    });
                if (named || turns_today) && !depends.contains(&i.name.as_str()) {
                    depends.push(&i.name);
                }
            }
        }
        if !depends.is_empty() {
            let _ = writeln!(out, "  depends on interpretation: {}", depends.join(", "));
        }
        if let Some(l) = &verdict.licence {
            let need = model
                .actions
                .get(call.action)
                .and_then(|a| a.licence.as_ref())
                .map(|n| excerpt(sources, n.span))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  licence: the action {need}, here a licence to {:?}",
                l.subject
            );
        }
        let mut any = false;
        for (cid, clause) in model.clauses.iter().enumerate() {
            for (vi, v) in clause.versions.iter().enumerate() {
                for rule in v.rules.iter().filter(|r| r.action == call.action) {
                    any = true;
                    let kind = if rule.permits {
                        "permission"
                    } else {
                        "prohibition"
                    };
                    let status = if program.active_version(cid, date) != Some(vi) {
                        if v.in_force_from > date {
                            format!("not yet in force (from {})", v.in_force_from)
                        } else {
                            "not active on this day".to_owned()
                        }
                    } else if rule.party != call.party {
                        format!(
                            "binds {}, not {}",
                            program.party_name(rule.party),
                            program.party_name(call.party)
                        )
                    } else if let Some(c) = &rule.condition {
                        if program.holds(c, &call.args, date) {
                            "applies: its `where` condition holds".to_owned()
                        } else {
                            "does not apply: its `where` condition does not hold".to_owned()
                        }
                    } else {
                        "applies".to_owned()
                    };
                    let statement = excerpt(sources, rule.span);
                    let _ = writeln!(
                        out,
                        "  {kind} in {} [{} ({})]: {statement}\n      {status}",
                        clause.name, v.origin.document, v.origin.how
                    );
                }
            }
        }
        if !any && verdict.licence.is_some() {
            out.push_str("  no clause permits or prohibits this action\n");
        } else if !any {
            out.push_str("  no clause mentions this action, so it is permitted\n");
        }
    }
    out
}

/// The words a clause uses whose reading an interpretation chooses, with that interpretation.
fn clause_readings(
    model: &crate::check::Model,
    cid: usize,
) -> Vec<(&'static str, &crate::check::model::Interpretation)> {
    use crate::check::model::{DeadlineSlot, Word};
    let Some(clause) = model.clauses.get(cid) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let until = clause.versions.iter().any(|v| v.windows.until.is_some());
    let within = clause.versions.iter().any(|v| {
        v.obligations
            .iter()
            .any(|o| matches!(o.deadline, DeadlineSlot::Within(_)))
    });
    let after = clause
        .versions
        .iter()
        .any(|v| v.payments.iter().any(|p| p.due.is_some()));
    for (word, used) in [
        (Word::Until, until),
        (Word::Within, within),
        (Word::After, after),
    ] {
        if let (true, Some(i)) = (used, model.interpretation(word, Some(cid))) {
            out.push((word.text(), i));
        }
    }
    out
}

fn source_block(out: &mut String, sources: &SourceMap, span: Span) {
    let Some(file) = sources.get(span.file) else {
        return;
    };
    let (line, _) = file.line_col(span.start);
    // Show whole lines, so that indentation reads as written.
    let line_start = file
        .text
        .get(..span.start as usize)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let text = file.text.get(line_start..span.end as usize).unwrap_or("");
    let _ = writeln!(out, "      --> {}:{line}", file.name);
    let lines: Vec<&str> = text.lines().collect();
    let shown = lines.len().min(12);
    for (i, l) in lines.iter().take(shown).enumerate() {
        let _ = writeln!(out, "      {:>4} | {}", line + i, l);
    }
    if lines.len() > shown {
        let _ = writeln!(out, "           | … {} more lines", lines.len() - shown);
    }
}
