//! `allow CODE [for NAME] because "REASON"`: silencing findings one at a time.
//!
//! An allow written in a clause covers the findings of its code that point
//! into that clause block (any of their labels); one written at the top level
//! of a contract or amendment covers the whole contract. `for NAME` narrows
//! either to findings that also point at NAME: one of its clause blocks, or
//! its declaration. Errors are never silenced; the resolver already refused
//! an allow that names one.

use crate::check::model::{Allow, Model, Symbol};
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::source::{FileId, Span};

fn within(inner: Span, outer: Span) -> bool {
    inner.file == outer.file && outer.start <= inner.start && inner.end <= outer.end
}

/// Every allow of the model, each once (an `amend` carries a clause's allows into its new version).
pub fn all_allows(model: &Model) -> Vec<&Allow> {
    let mut out: Vec<&Allow> = Vec::new();
    let clause_allows = model
        .clauses
        .iter()
        .flat_map(|c| c.versions.iter())
        .flat_map(|v| v.allows.iter());
    for a in model.allows.iter().chain(clause_allows) {
        if !out.iter().any(|b| b.span == a.span) {
            out.push(a);
        }
    }
    out
}

/// The places a name points at: its declaration, and for a clause every block it was written in.
fn spans_of(model: &Model, name: &str) -> Vec<Span> {
    let mut out = Vec::new();
    if let Some((symbol, span)) = model.symbols.get(name) {
        out.push(*span);
        if let Symbol::Clause(c) = symbol {
            if let Some(clause) = model.clauses.get(*c) {
                out.extend(clause.versions.iter().map(|v| v.span));
            }
        }
    }
    out
}

fn covers(model: &Model, allow: &Allow, d: &Diagnostic) -> bool {
    if d.severity == Severity::Error || d.code != allow.code {
        return false;
    }
    let in_scope = match allow.scope {
        Some(block) => d.labels.iter().any(|l| within(l.span, block)),
        None => true,
    };
    let on_target = match &allow.target {
        Some(name) => {
            let targets = spans_of(model, name);
            d.labels
                .iter()
                .any(|l| targets.iter().any(|t| within(l.span, *t)))
        }
        None => true,
    };
    in_scope && on_target
}

/// Drops the findings an allow covers. When `report_unused` is set (a full
/// `covenant check`, where every finding has been computed), an allow
/// written in `final_file` that covers nothing is reported: it is stale, or
/// aimed at the wrong clause.
pub fn apply(
    model: &Model,
    diagnostics: Vec<Diagnostic>,
    report_unused: Option<FileId>,
) -> Vec<Diagnostic> {
    let allows = all_allows(model);
    let mut used = vec![false; allows.len()];
    let mut kept = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        match allows.iter().position(|a| covers(model, a, &d)) {
            Some(i) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
            None => kept.push(d),
        }
    }
    if let Some(file) = report_unused {
        for (a, was_used) in allows.iter().zip(used) {
            if was_used || a.span.file != file {
                continue;
            }
            let place = match (&a.scope, &a.target) {
                (Some(_), Some(t)) => format!("in this clause involving `{t}`"),
                (Some(_), None) => "in this clause".to_owned(),
                (None, Some(t)) => format!("involving `{t}`"),
                (None, None) => "in this contract".to_owned(),
            };
            kept.push(
                Diagnostic::warning(
                    Code::UnusedAllow,
                    a.span,
                    format!("this `allow` silences nothing: Covenant finds no `{}` {place}", a.code.name()),
                )
                .with_label("nothing to allow")
                .with_help("remove the line; if the finding moved, put the `allow` in the clause it now points at"),
            );
        }
    }
    kept
}
