//! Semantic diff of two versions of a contract: what changed in its terms,
//! clause by clause, ignoring formatting and comments.
//!
//! Each clause is described as a list of named aspects (`licence to "X"
//! exclusivity`, `payment cap in total`, `until`, …) whose values are the
//! source text with whitespace folded and comments dropped; two versions are
//! compared aspect by aspect, so a change reads as "exclusivity: exclusive →
//! non-exclusive" rather than as a text diff.

use std::fmt::Write as _;

use serde::Serialize;

use crate::check::model::*;
use crate::eval::excerpt;
use crate::report::record::Change;
use crate::source::{SourceMap, Span};

/// How an item changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// In both, with different terms.
    Changed,
}

/// One aspect that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    /// Which term (`rate`, `cap in total`, `until`, `licence to "X" exclusivity`).
    pub aspect: String,
    /// The old value, if the aspect existed.
    pub old: Option<String>,
    /// The new value, if the aspect exists.
    pub new: Option<String>,
}

/// One changed item: a clause or a contract-level declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    /// `clause ip_licence`, `param revenue_cap`, `term`, …
    pub item: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The aspects that differ (for added and removed items: all of them).
    pub details: Vec<Detail>,
}

/// Every change between two contract versions, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractDiff {
    /// The old version's document name.
    pub old: String,
    /// The new version's document name.
    pub new: String,
    /// The changes.
    pub changes: Vec<ItemChange>,
}

type Aspects = Vec<(String, String)>;

fn text(sources: &SourceMap, span: Span) -> String {
    excerpt(sources, span)
}

/// The value part of a window line (`until 2032-12-31` → `2032-12-31`).
fn after_keyword(sources: &SourceMap, span: Span) -> String {
    let t = text(sources, span);
    t.split_once(' ')
        .map_or(t.clone(), |(_, rest)| rest.to_owned())
}

fn party(model: &Model, p: PartyId) -> String {
    model
        .parties
        .get(p)
        .map_or_else(|| "?".to_owned(), |p| p.name.clone())
}

fn action(model: &Model, a: ActionId) -> String {
    model
        .actions
        .get(a)
        .map_or_else(|| "?".to_owned(), |a| a.name.clone())
}

fn push_unique(aspects: &mut Aspects, key: String, value: String) {
    let mut k = key.clone();
    let mut n = 1;
    while aspects.iter().any(|(a, _)| *a == k) {
        n += 1;
        k = format!("{key} #{n}");
    }
    aspects.push((k, value));
}

/// A clause version's aspects.
fn clause_aspects(model: &Model, sources: &SourceMap, v: &ClauseVersion) -> Aspects {
    let mut a: Aspects = Vec::new();
    if let Some(t) = &v.title {
        a.push(("title".to_owned(), format!("{t:?}")));
    }
    let w = &v.windows;
    for (name, slot) in [("from", &w.from), ("until", &w.until), ("for", &w.for_)] {
        if let Some(s) = slot {
            a.push((name.to_owned(), text(sources, s.span)));
        }
    }
    for (_, span) in &w.while_ {
        push_unique(&mut a, "while".to_owned(), after_keyword(sources, *span));
    }
    for (_, span) in &w.unless {
        push_unique(&mut a, "unless".to_owned(), after_keyword(sources, *span));
    }
    for r in &v.rules {
        let kind = if r.permits {
            "permission"
        } else {
            "prohibition"
        };
        push_unique(
            &mut a,
            format!(
                "{kind} of {} {}",
                party(model, r.party),
                action(model, r.action)
            ),
            text(sources, r.span),
        );
    }
    for o in &v.obligations {
        push_unique(
            &mut a,
            format!(
                "obligation of {} to {}",
                party(model, o.party),
                action(model, o.action)
            ),
            text(sources, o.span),
        );
    }
    for l in &v.licences {
        let key = format!("licence to {:?}", l.subject);
        a.push((format!("{key} grantor"), party(model, l.grantor)));
        a.push((format!("{key} licensee"), party(model, l.licensee)));
        a.push((
            format!("{key} exclusivity"),
            if l.exclusive {
                "exclusive"
            } else {
                "non-exclusive"
            }
            .to_owned(),
        ));
    }
    for d in &v.designations {
        push_unique(
            &mut a,
            format!("designation {:?}", d.role),
            text(sources, d.span),
        );
    }
    for (k, p) in v.payments.iter().enumerate() {
        let key = if k == 0 {
            "payment".to_owned()
        } else {
            format!("payment #{}", k + 1)
        };
        a.push((format!("{key} payer"), party(model, p.payer)));
        a.push((format!("{key} payee"), party(model, p.payee)));
        match &p.charge {
            Charge::Share {
                metric,
                rates,
                thresholds,
            } => {
                let mut rate = String::new();
                for (i, r) in rates.iter().enumerate() {
                    if i > 0 {
                        rate.push_str(", then ");
                    }
                    rate.push_str(&text(sources, r.span));
                    if let Some(t) = thresholds.get(i) {
                        let _ = write!(rate, " up to {}", text(sources, t.span));
                    }
                }
                a.push((format!("{key} rate"), rate));
                a.push((
                    format!("{key} metric"),
                    model
                        .metrics
                        .get(*metric)
                        .map_or_else(String::new, |m| m.name.clone()),
                ));
            }
            Charge::Shortfall { metric, commitment } => {
                a.push((
                    format!("{key} shortfall of"),
                    model
                        .metrics
                        .get(*metric)
                        .map_or_else(String::new, |m| m.name.clone()),
                ));
                a.push((format!("{key} commitment"), text(sources, commitment.span)));
            }
            Charge::Fixed {
                amount,
                on,
                on_termination,
                cause,
            } => {
                a.push((format!("{key} amount"), text(sources, amount.span)));
                if *on_termination {
                    a.push((format!("{key} on"), "termination".to_owned()));
                }
                if let Some(e) = cause.and_then(|e| model.events.get(e)) {
                    a.push((format!("{key} caused by"), e.name.clone()));
                }
                if let Some(on) = on {
                    a.push((format!("{key} on"), text(sources, on.span)));
                }
            }
            Charge::OnEach { event, amount } => {
                a.push((format!("{key} amount"), text(sources, amount.span())));
                if let Some(e) = model.events.get(*event) {
                    a.push((format!("{key} on each"), e.name.clone()));
                }
            }
        }
        if let Some(e) = p.every {
            a.push((format!("{key} every"), e.to_string()));
        }
        if p.whole_amount.is_some() {
            a.push((format!("{key} tiers"), "on the whole amount".to_owned()));
        }
        if p.cumulative.is_some() {
            a.push((format!("{key} tiers count"), "cumulative".to_owned()));
        }
        if let Some(e) = &p.escalator {
            a.push((format!("{key} escalator"), text(sources, e.span)));
        }
        let slots = [
            ("due", &p.due),
            ("cap in total", &p.cap_total),
            ("cap per period", &p.cap_per),
            ("floor", &p.floor),
        ];
        for (name, slot) in slots {
            if let Some(s) = slot {
                a.push((format!("{key} {name}"), text(sources, s.span)));
            }
        }
    }
    a
}

/// Contract-level aspects, each an item of its own.
fn contract_items(model: &Model, sources: &SourceMap) -> Vec<(String, String)> {
    let mut items = vec![("effective date".to_owned(), model.effective.to_string())];
    items.push(("term".to_owned(), text(sources, model.term.span)));
    for p in &model.parties {
        items.push((
            format!("party {}", p.name),
            p.title
                .clone()
                .map_or_else(|| p.name.clone(), |t| format!("{} {t:?}", p.name)),
        ));
    }
    for t in &model.types {
        items.push((format!("define {}", t.name), t.values.join(", ")));
    }
    for a in &model.actions {
        items.push((format!("action {}", a.name), text(sources, a.span)));
    }
    for m in &model.metrics {
        items.push((format!("metric {}", m.name), text(sources, m.span)));
    }
    for c in &model.conditions {
        items.push((format!("condition {}", c.name), text(sources, c.span)));
    }
    for p in model.params.iter().filter(|p| !p.hidden) {
        let kind = if p.formula.is_some() { "let" } else { "param" };
        items.push((format!("{kind} {}", p.name), text(sources, p.span)));
    }
    for t in &model.terminations {
        let who = party(model, t.party);
        items.push((format!("termination right of {who}"), text(sources, t.span)));
    }
    for i in &model.interpretations {
        items.push((format!("interpretation {}", i.name), text(sources, i.span)));
    }
    items
}

/// The final version of each clause still in force at the end of the chain.
fn final_clauses(model: &Model) -> Vec<(&str, &ClauseVersion)> {
    model
        .clauses
        .iter()
        .filter_map(|c| {
            c.versions
                .last()
                .filter(|v| v.in_force_until.is_none())
                .map(|v| (c.name.as_str(), v))
        })
        .collect()
}

fn diff_aspects(old: &Aspects, new: &Aspects) -> Vec<Detail> {
    let mut details = Vec::new();
    for (k, v) in old {
        match new.iter().find(|(nk, _)| nk == k) {
            Some((_, nv)) if nv == v => {}
            Some((_, nv)) => details.push(Detail {
                aspect: k.clone(),
                old: Some(v.clone()),
                new: Some(nv.clone()),
            }),
            None => details.push(Detail {
                aspect: k.clone(),
                old: Some(v.clone()),
                new: None,
            }),
        }
    }
    for (k, v) in new {
        if !old.iter().any(|(ok, _)| ok == k) {
            details.push(Detail {
                aspect: k.clone(),
                old: None,
                new: Some(v.clone()),
            });
        }
    }
    details
}

/// Compares two contract versions (both resolved models share `sources`).
pub fn contract_diff(old: &Model, new: &Model, sources: &SourceMap) -> ContractDiff {
    let mut changes = Vec::new();
    let old_items = contract_items(old, sources);
    let new_items = contract_items(new, sources);
    for (k, v) in &old_items {
        match new_items.iter().find(|(nk, _)| nk == k) {
            Some((_, nv)) if nv == v => {}
            Some((_, nv)) => changes.push(ItemChange {
                item: k.clone(),
                change: ChangeKind::Changed,
                details: vec![Detail {
                    aspect: k.clone(),
                    old: Some(v.clone()),
                    new: Some(nv.clone()),
                }],
            }),
            None => changes.push(ItemChange {
                item: k.clone(),
                change: ChangeKind::Removed,
                details: vec![Detail {
                    aspect: k.clone(),
                    old: Some(v.clone()),
                    new: None,
                }],
            }),
        }
    }
    for (k, v) in &new_items {
        if !old_items.iter().any(|(ok, _)| ok == k) {
            changes.push(ItemChange {
                item: k.clone(),
                change: ChangeKind::Added,
                details: vec![Detail {
                    aspect: k.clone(),
                    old: None,
                    new: Some(v.clone()),
                }],
            });
        }
    }
    let old_clauses = final_clauses(old);
    let new_clauses = final_clauses(new);
    for (name, v) in &old_clauses {
        let old_aspects = clause_aspects(old, sources, v);
        match new_clauses.iter().find(|(n, _)| n == name) {
            Some((_, nv)) => {
                let details = diff_aspects(&old_aspects, &clause_aspects(new, sources, nv));
                if !details.is_empty() {
                    changes.push(ItemChange {
                        item: format!("clause {name}"),
                        change: ChangeKind::Changed,
                        details,
                    });
                }
            }
            None => changes.push(ItemChange {
                item: format!("clause {name}"),
                change: ChangeKind::Removed,
                details: diff_aspects(&old_aspects, &Vec::new()),
            }),
        }
    }
    for (name, v) in &new_clauses {
        if !old_clauses.iter().any(|(n, _)| n == name) {
            changes.push(ItemChange {
                item: format!("clause {name}"),
                change: ChangeKind::Added,
                details: diff_aspects(&Vec::new(), &clause_aspects(new, sources, v)),
            });
        }
    }
    ContractDiff {
        old: old.document.clone(),
        new: new.document.clone(),
        changes,
    }
}

/// Renders a contract diff for people.
pub fn render_contract_diff(diff: &ContractDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Contract changes: {} → {}", diff.old, diff.new);
    if diff.changes.is_empty() {
        out.push_str("  no change in the contract's terms\n");
    }
    for c in &diff.changes {
        let mark = match c.change {
            ChangeKind::Added => "+",
            ChangeKind::Removed => "-",
            ChangeKind::Changed => "~",
        };
        let word = match c.change {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        };
        let single = c.details.len() == 1 && c.details.first().is_some_and(|d| d.aspect == c.item);
        if single {
            if let Some(d) = c.details.first() {
                let _ = writeln!(out, "  {mark} {}: {}", c.item, describe(d, c.change));
            }
            continue;
        }
        let _ = writeln!(out, "  {mark} {} ({word})", c.item);
        for d in &c.details {
            let _ = writeln!(out, "      {}: {}", d.aspect, describe(d, c.change));
        }
    }
    out
}

/// An aspect's change in words; for a wholly added or removed item, just its value.
fn describe(d: &Detail, change: ChangeKind) -> String {
    match (&d.old, &d.new) {
        (_, Some(n)) if change == ChangeKind::Added => n.clone(),
        (Some(o), _) if change == ChangeKind::Removed => o.clone(),
        (Some(o), Some(n)) => format!("{o} → {n}"),
        (None, Some(n)) => format!("(none) → {n}"),
        (Some(o), None) => format!("{o} → (none)"),
        (None, None) => String::new(),
    }
}

/// One scenario's answers that differ between the two versions.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioDiff {
    /// The scenario file.
    pub file: String,
    /// The scenario's name.
    pub scenario: String,
    /// Each answer that differs, as `key: old → new`, `+ key: new` or `- key: old`.
    pub changes: Vec<String>,
    /// Problems evaluating it against either version.
    pub problems: Vec<String>,
}

impl ScenarioDiff {
    /// Builds the record from answer changes.
    pub fn new(file: String, scenario: String, changes: &[Change], problems: Vec<String>) -> Self {
        ScenarioDiff {
            file,
            scenario,
            changes: changes.iter().map(ToString::to_string).collect(),
            problems,
        }
    }
}

/// Renders the scenario part of a diff.
pub fn render_scenario_diffs(diffs: &[ScenarioDiff]) -> String {
    let mut out = String::new();
    let changed = diffs.iter().filter(|d| !d.changes.is_empty()).count();
    let _ = writeln!(
        out,
        "\nScenario answers: {} scenario(s), {changed} with changes",
        diffs.len()
    );
    for d in diffs {
        if d.changes.is_empty() && d.problems.is_empty() {
            let _ = writeln!(out, "  {} ({}): no answer changed", d.scenario, d.file);
            continue;
        }
        let _ = writeln!(out, "  {} ({})", d.scenario, d.file);
        for c in &d.changes {
            let _ = writeln!(out, "      {c}");
        }
        for p in &d.problems {
            let _ = writeln!(out, "      note: {p}");
        }
    }
    out
}
