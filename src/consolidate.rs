//! The consolidated view: a contract and its amendments, as one contract as it
//! stands on a date.
//!
//! The amendment chain is cut at the date (amendments that take effect later
//! are left out and named in the header), the model is built, and each clause
//! is written out in the version that governs on the date. The text of every
//! statement, window and declaration is taken from where it was written, so
//! literals keep their spelling (`USD 38 billion`); payment modifiers are
//! rebuilt from their slots, since an `amend` block holds only the lines it
//! changes. A clause first added by an amendment gets a `from` window with the
//! day it took effect, which keeps `for` windows, `within` deadlines and
//! pro-rating counted from the same day as in the chain.
//!
//! The result is run through the formatter and checked again before it is
//! returned, so that what comes out is a valid, formatted `.cov` file.

use std::fmt::Write as _;
use std::path::Path;

use crate::calendar::Date;
use crate::check::model::{ClauseVersion, Model, Payment};
use crate::check::{build_model, load_chain, Loaded};
use crate::diagnostic::{has_errors, Code, Diagnostic};
use crate::format::format_source;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{AmendmentItem, Decl, Document};
use crate::workspace::Workspace;

/// A consolidated contract.
#[derive(Debug, Clone)]
pub struct Consolidated {
    /// The `.cov` text, formatted.
    pub text: String,
    /// The documents applied: (name, effective date).
    pub applied: Vec<(String, Date)>,
    /// Amendments left out because they take effect after the date.
    pub later: Vec<(String, Date)>,
}

/// The effective date written in an amendment, if any.
fn amendment_effective(document: &Document) -> Option<Date> {
    match document {
        Document::Amendment(a) => a.items.iter().find_map(|i| match i {
            AmendmentItem::Decl(Decl::Effective(d, _)) => Some(*d),
            _ => None,
        }),
        Document::Contract(c) => c.decls.iter().find_map(|d| match d {
            Decl::Effective(d, _) => Some(*d),
            _ => None,
        }),
        Document::Scenario(_) => None,
    }
}

fn document_name(document: &Document) -> String {
    match document {
        Document::Contract(c) => c.name.text.clone(),
        Document::Amendment(a) => a.name.text.clone(),
        Document::Scenario(s) => s.name.text.clone(),
    }
}

/// Consolidates the contract or amendment at `path` as it stands on `as_of`.
pub fn consolidate(
    ws: &mut Workspace,
    path: &Path,
    as_of: Date,
) -> Result<Consolidated, Vec<Diagnostic>> {
    let chain = load_chain(ws, path, None)?;
    let mut applied_chain: Vec<Loaded> = Vec::new();
    let mut later = Vec::new();
    for (i, loaded) in chain.iter().enumerate() {
        let effective = amendment_effective(&loaded.document).unwrap_or_default();
        if i > 0 && effective > as_of {
            later.push((document_name(&loaded.document), effective));
        } else if later.is_empty() {
            applied_chain.push(loaded.clone());
        }
    }
    let checked = build_model(&applied_chain);
    let Some(model) = checked.value.filter(|_| !has_errors(&checked.diagnostics)) else {
        return Err(checked.diagnostics);
    };
    let file = chain.first().map(|l| l.file).unwrap_or_default();
    if as_of < model.effective {
        return Err(vec![Diagnostic::whole_file(
            Code::EndBeforeStart,
            file,
            format!(
                "{} takes effect on {}, after {as_of}",
                model.name, model.effective
            ),
        )
        .with_help(format!("consolidate as of {} or later", model.effective))]);
    }
    let documents: Vec<(FileId, String, Date)> = applied_chain
        .iter()
        .map(|l| {
            (
                l.file,
                document_name(&l.document),
                amendment_effective(&l.document).unwrap_or(model.effective),
            )
        })
        .collect();
    let applied: Vec<(String, Date)> = documents.iter().map(|(_, n, d)| (n.clone(), *d)).collect();
    let raw = render(&model, &ws.sources, as_of, &documents, &later);
    let formatted = {
        let id = ws.add_text("<consolidated>", &raw);
        format_source(&raw, id)?
    };
    // The guard: what comes out must check as a contract on its own.
    let (id, parsed) = ws.parse_text("<consolidated>", &formatted);
    let document = parsed?;
    let again = build_model(&[Loaded {
        file: id,
        path: std::path::PathBuf::from("<consolidated>"),
        document,
    }]);
    if has_errors(&again.diagnostics) {
        return Err(again.diagnostics);
    }
    Ok(Consolidated {
        text: formatted,
        applied,
        later,
    })
}

/// The source text of a span on one line: comments dropped and blanks folded,
/// except inside quoted text, whose every character is kept.
fn excerpt(sources: &SourceMap, span: Span) -> String {
    let text = sources.slice(span);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut blank = false;
    while let Some(c) = chars.next() {
        if quoted {
            out.push(c);
            if c == '\\' {
                out.extend(chars.next());
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        if c == '/' && chars.peek() == Some(&'/') {
            for rest in chars.by_ref() {
                if rest == '\n' {
                    break;
                }
            }
            blank = true;
            continue;
        }
        if c.is_whitespace() {
            blank = true;
            continue;
        }
        if blank && !out.is_empty() {
            out.push(' ');
        }
        blank = false;
        if c == '"' {
            quoted = true;
        }
        out.push(c);
    }
    out
}

/// A title as a quoted `.cov` string.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A declaration's text as written, and the document it comes from when that is an amendment.
fn written(
    sources: &SourceMap,
    span: Span,
    documents: &[(FileId, String, Date)],
) -> (String, Option<String>) {
    let origin = documents
        .iter()
        .skip(1)
        .find(|(f, _, _)| *f == span.file)
        .map(|(_, n, d)| format!("from {n}, effective {d}"));
    (excerpt(sources, span), origin)
}

fn line(out: &mut String, depth: usize, text: &str, comment: Option<&str>) {
    let indent = "  ".repeat(depth);
    match comment {
        Some(c) => {
            let _ = writeln!(out, "{indent}{text}  // {c}");
        }
        None => {
            let _ = writeln!(out, "{indent}{text}");
        }
    }
}

fn render(
    model: &Model,
    sources: &SourceMap,
    as_of: Date,
    documents: &[(FileId, String, Date)],
    later: &[(String, Date)],
) -> String {
    let mut out = String::new();
    let title = model.title.as_deref().unwrap_or(&model.name);
    let _ = writeln!(out, "// {title}, as it stands on {as_of}.");
    let _ = writeln!(
        out,
        "// Consolidated by `covenant consolidate` from {}.",
        documents
            .iter()
            .map(|(_, n, d)| format!("{n} (effective {d})"))
            .collect::<Vec<_>>()
            .join(", then ")
    );
    if !later.is_empty() {
        let _ = writeln!(
            out,
            "// Not applied, taking effect after {as_of}: {}.",
            later
                .iter()
                .map(|(n, d)| format!("{n} (effective {d})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let removed: Vec<String> = model
        .clauses
        .iter()
        .filter(|c| governing(&c.versions, as_of).is_none())
        .filter_map(|c| {
            let last = c.versions.last()?;
            let until = last.in_force_until?;
            (until < as_of).then(|| format!("{} (last in force {until})", c.name))
        })
        .collect();
    if !removed.is_empty() {
        let _ = writeln!(out, "// Removed before {as_of}: {}.", removed.join(", "));
    }
    match later.first() {
        Some((name, effective)) => {
            let _ = writeln!(
                out,
                "// It gives the same answers as the amendment chain from {as_of} until {name} takes effect on {effective}."
            );
        }
        None => {
            let _ = writeln!(
                out,
                "// It gives the same answers as the amendment chain on {as_of} and later."
            );
        }
    }
    let _ = writeln!(
        out,
        "contract {}{} {{",
        model.name,
        model
            .title
            .as_deref()
            .map(|t| format!(" {}", quoted(t)))
            .unwrap_or_default()
    );
    line(&mut out, 1, "parties {", None);
    for p in &model.parties {
        let (_, origin) = written(sources, p.span, documents);
        let title = p
            .title
            .as_deref()
            .map(|t| format!(" {}", quoted(t)))
            .unwrap_or_default();
        line(
            &mut out,
            2,
            &format!("{}{title}", p.name),
            origin.as_deref(),
        );
    }
    line(&mut out, 1, "}", None);
    line(&mut out, 1, &format!("effective {}", model.effective), None);
    let (term, origin) = written(sources, model.term.span, documents);
    if !term.is_empty() {
        line(&mut out, 1, &term, origin.as_deref());
    }
    let spans = model
        .types
        .iter()
        .map(|t| t.span)
        .chain(model.units.iter().map(|(_, span)| *span))
        .chain(model.actions.iter().map(|a| a.span))
        .chain(model.events.iter().map(|e| e.span))
        .chain(model.metrics.iter().map(|m| m.span))
        // An event window's condition is written in its clause, not declared.
        .chain(
            model
                .conditions
                .iter()
                .filter(|c| {
                    !matches!(
                        c.source,
                        crate::check::model::ConditionSource::EventWindow { .. }
                            | crate::check::model::ConditionSource::EventFrom { .. }
                    )
                })
                .map(|c| c.span),
        )
        // A clause's own lets are written inside the clause, with its text.
        .chain(
            model
                .params
                .iter()
                .filter(|p| !p.name.contains('.') && !p.hidden)
                .map(|p| p.span),
        )
        .chain(model.terminations.iter().map(|t| t.span))
        .chain(model.interpretations.iter().map(|i| i.span));
    let mut first = true;
    for span in spans {
        if first {
            out.push('\n');
            first = false;
        }
        let (text, origin) = written(sources, span, documents);
        line(&mut out, 1, &text, origin.as_deref());
    }
    for clause in &model.clauses {
        let Some(vi) = governing(&clause.versions, as_of) else {
            continue;
        };
        let Some(v) = clause.versions.get(vi) else {
            continue;
        };
        out.push('\n');
        let effective_of = |doc: &str| {
            documents
                .iter()
                .find(|(_, n, _)| n == doc)
                .map_or(model.effective, |(_, _, d)| *d)
        };
        let mut origin = format!(
            "{}: {} in {}, effective {}",
            clause.name,
            v.origin.how,
            v.origin.document,
            effective_of(&v.origin.document)
        );
        if let Some(first) = clause.versions.first().filter(|_| vi > 0) {
            let _ = write!(
                origin,
                "; first in {}, effective {}",
                first.origin.document,
                effective_of(&first.origin.document)
            );
        }
        line(&mut out, 1, &format!("// {origin}"), None);
        let title = v
            .title
            .as_deref()
            .map(|t| format!(" {}", quoted(t)))
            .unwrap_or_default();
        line(
            &mut out,
            1,
            &format!("clause {}{title} {{", clause.name),
            None,
        );
        clause_body(&mut out, model, sources, clause, v, as_of);
        line(&mut out, 1, "}", None);
    }
    out.push_str("}\n");
    out
}

/// The version that governs on `date`: in force then, not removed before it.
fn governing(versions: &[ClauseVersion], date: Date) -> Option<usize> {
    versions
        .iter()
        .rposition(|v| v.in_force_from <= date)
        .filter(|i| {
            versions
                .get(*i)
                .is_some_and(|v| v.in_force_until.is_none_or(|u| u >= date))
        })
}

fn clause_body(
    out: &mut String,
    model: &Model,
    sources: &SourceMap,
    clause: &crate::check::model::Clause,
    v: &ClauseVersion,
    as_of: Date,
) {
    let text = |span: Span| excerpt(sources, span);
    for r in &v.rules {
        let mut statement = text(r.span);
        // A permission may override a clause removed before the date; that
        // clause is not in the consolidated contract, and overrides nothing then.
        if !r.notwithstanding.is_empty() {
            let kept: Vec<&str> = r
                .notwithstanding
                .iter()
                .filter_map(|c| model.clauses.get(*c))
                .filter(|c| governing(&c.versions, as_of).is_some())
                .map(|c| c.name.as_str())
                .collect();
            if kept.len() < r.notwithstanding.len() {
                if let Some(at) = statement.rfind(" notwithstanding ") {
                    statement.truncate(at);
                    if !kept.is_empty() {
                        statement.push_str(&format!(" notwithstanding {}", kept.join(", ")));
                    }
                }
            }
        }
        line(out, 2, &statement, None);
    }
    for o in &v.obligations {
        line(out, 2, &text(o.span), None);
    }
    for l in &v.licences {
        line(out, 2, &text(l.span), None);
    }
    for d in &v.designations {
        line(out, 2, &text(d.span), None);
    }
    for p in &v.payments {
        line(out, 2, &text(p.span), None);
        for m in modifiers(sources, p) {
            line(out, 3, &m, None);
        }
    }
    let w = &v.windows;
    let first_start = clause.versions.first().map(|f| f.in_force_from);
    match &w.from {
        Some(s) => line(out, 2, &format!("from {}", text(s.span)), None),
        // Added by an amendment: the clause starts when that amendment took effect.
        None => {
            if let Some(start) = first_start.filter(|d| *d > model.effective) {
                line(
                    out,
                    2,
                    &format!("from {start}"),
                    Some("the day the clause was added"),
                );
            }
        }
    }
    if let Some(s) = &w.until {
        line(out, 2, &format!("until {}", text(s.span)), None);
    }
    if let Some(s) = &w.for_ {
        line(out, 2, &format!("for {}", text(s.span)), None);
    }
    for (_, span) in w.while_.iter().chain(&w.unless) {
        line(out, 2, &text(*span), None);
    }
}

/// A payment's modifiers, rebuilt from its slots.
fn modifiers(sources: &SourceMap, p: &Payment) -> Vec<String> {
    let text = |span: Span| excerpt(sources, span);
    let mut out = Vec::new();
    if let Some(u) = p.every {
        out.push(format!("every {u}"));
    }
    if let Some(s) = &p.due {
        match &p.due_each {
            // The line as written: `due 30 days after each delivery`.
            Some((_, span)) => out.push(text(*span)),
            None => out.push(format!("due {} after period end", text(s.span))),
        }
    }
    if let Some(s) = &p.cap_total {
        out.push(format!("capped at {} in total", text(s.span)));
    }
    if let (Some(s), Some((u, _))) = (&p.cap_per, &p.cap_per_unit) {
        out.push(format!("capped at {} per {u}", text(s.span)));
    }
    if let (Some(s), Some((u, _))) = (&p.floor, &p.floor_unit) {
        out.push(format!("at least {} per {u}", text(s.span)));
    }
    if p.whole_amount.is_some() {
        out.push("tiers on the whole amount".to_owned());
    }
    if p.cumulative.is_some() {
        out.push("tiers cumulative".to_owned());
    }
    if let Some(e) = &p.escalator {
        out.push(text(e.span));
    }
    out
}
