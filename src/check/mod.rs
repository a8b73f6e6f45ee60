//! Check: from parsed documents to a resolved [`Model`] and scenario [`Plan`].
//!
//! This stage resolves every name (with "did you mean" suggestions), checks
//! types, units and currencies, validates dates and windows, and flattens the
//! amendment chain into clause histories. It collects every problem it finds
//! rather than stopping at the first; the evaluator only ever sees input that
//! checked without errors.
//!
//! The steps, in order: [`load_chain`] → [`build_model`] (names, types,
//! dates, amendments) → [`scenario::plan_scenario`] for a scenario → at
//! [`Depth::Lint`] only, [`lint::lint`] (drafting mistakes in the model) →
//! [`allows::apply`] (the contract's `allow` lines silence findings).

pub mod allows;
mod calendars;
pub(crate) mod formula;
pub mod lint;
pub mod model;
mod resolve;
pub mod scenario;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use model::*;
pub use resolve::{describe_type, MAX_AMENDMENT_CHAIN};
pub use scenario::{check_scenario, Plan};

use crate::diagnostic::{has_errors, Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, AmendmentItem, Document};
use crate::workspace::{relative_to, Workspace};
use resolve::{clause_items, day_before, declare, empty_model, new_version, BodyBuilder, Resolver};

/// The most clauses one contract may declare.
pub const MAX_CLAUSES: usize = 50_000;

/// A loaded document with the file it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file.
    pub file: FileId,
    /// Its path.
    pub path: PathBuf,
    /// The parsed document.
    pub document: Arc<Document>,
}

/// Loads a file and follows its amendment chain down to the base contract.
/// Returns the chain base-first.
pub fn load_chain(
    ws: &mut Workspace,
    path: &Path,
    referenced_from: Option<Span>,
) -> Result<Vec<Loaded>, Vec<Diagnostic>> {
    let mut chain: Vec<Loaded> = Vec::new();
    // Problems deep in a chain are reported where the user started: the
    // scenario's `contract` line (or the first file's `amends` line).
    let mut origin: Option<Span> = referenced_from;
    let mut next = Some((path.to_path_buf(), referenced_from, None::<ast::Name>));
    while let Some((path, from_span, expected_name)) = next.take() {
        if chain.len() >= MAX_AMENDMENT_CHAIN {
            let span = origin.or(from_span).unwrap_or_default();
            let mut d = Diagnostic::error(Code::LimitExceeded, span, format!("this contract's amendment chain has more than {MAX_AMENDMENT_CHAIN} documents, Covenant's limit"))
                .with_label("the chain starts here")
                .with_help("consolidate older amendments into the base contract, then amend the consolidated contract");
            if let Some(f) = from_span.filter(|f| Some(*f) != origin) {
                d = d.with_secondary(
                    f,
                    format!("still going here, {MAX_AMENDMENT_CHAIN} documents in"),
                );
            }
            return Err(vec![d]);
        }
        let normalized = crate::workspace::normalize(&path);
        if let Some(first) = chain.iter().position(|l| l.path == normalized) {
            let span = origin.or(from_span).unwrap_or_default();
            let names: Vec<String> = chain
                .iter()
                .filter_map(|l| document_name(&l.document).map(str::to_owned))
                .collect();
            let mut d = Diagnostic::error(Code::AmendmentCycle, span, format!("the amendment chain refers back to itself: {} → {}", names.join(" → "), names.get(first).cloned().unwrap_or_default()))
                .with_label("this chain never reaches a contract")
                .with_help("each amendment must amend an earlier document, ending at a contract; break the cycle");
            if let Some(f) = from_span.filter(|f| Some(*f) != origin) {
                d = d.with_secondary(f, "this line leads back into the chain");
            }
            return Err(vec![d]);
        }
        let (file, parsed) = ws.load(&normalized, from_span);
        let document = parsed?;
        if origin.is_none() {
            origin = document_amends_span(&document);
        }
        let file = file.unwrap_or_default();
        if let (Some(expected), Some(actual)) = (&expected_name, document_name(&document)) {
            if expected.text != actual {
                return Err(vec![Diagnostic::error(
                    Code::WrongDocument,
                    expected.span,
                    format!(
                        "this amendment amends `{}`, but the file holds `{actual}`",
                        expected.text
                    ),
                )
                .with_label("name does not match the file")
                .with_secondary(document_name_span(&document), "the file's document")
                .with_help(format!(
                    "write `amends {actual} from …`, or point to the right file"
                ))]);
            }
        }
        match document.as_ref() {
            Document::Contract(_) => {}
            Document::Amendment(a) => {
                let amends = a.items.iter().find_map(|i| match i {
                    AmendmentItem::Amends {
                        name,
                        path: p,
                        span,
                    } => Some((name.clone(), p.clone(), *span)),
                    _ => None,
                });
                match amends {
                    Some((name, p, _)) => {
                        next = Some((relative_to(&normalized, &p.text), Some(p.span), Some(name)))
                    }
                    None => {
                        return Err(vec![Diagnostic::error(
                            Code::MissingDeclaration,
                            a.name.span,
                            format!("amendment `{}` does not say what it amends", a.name.text),
                        )
                        .with_label("no `amends` line")
                        .with_help("add `amends CONTRACT from \"contract.cov\"`")]);
                    }
                }
            }
            Document::Scenario(s) => {
                return Err(vec![Diagnostic::error(
                    Code::WrongDocument,
                    from_span.unwrap_or(s.name.span),
                    format!(
                        "{} is a scenario, not a contract or amendment",
                        normalized.display()
                    ),
                )
                .with_label("expected a contract or amendment here")
                .with_help(if chain.is_empty() {
                    "point to the contract or amendment file the scenario is about"
                } else {
                    "an amendment amends a contract or another amendment; point to that file"
                })]);
            }
        }
        chain.push(Loaded {
            file,
            path: normalized,
            document,
        });
    }
    chain.reverse();
    Ok(chain)
}

/// The path span of an amendment's `amends` line.
fn document_amends_span(d: &Document) -> Option<Span> {
    match d {
        Document::Amendment(a) => a.items.iter().find_map(|i| match i {
            AmendmentItem::Amends { path, .. } => Some(path.span),
            _ => None,
        }),
        _ => None,
    }
}

fn document_name(d: &Document) -> Option<&str> {
    match d {
        Document::Contract(c) => Some(&c.name.text),
        Document::Amendment(a) => Some(&a.name.text),
        Document::Scenario(s) => Some(&s.name.text),
    }
}

fn document_name_span(d: &Document) -> Span {
    match d {
        Document::Contract(c) => c.name.span,
        Document::Amendment(a) => a.name.span,
        Document::Scenario(s) => s.name.span,
    }
}

/// How far to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// What evaluation needs: names, types, units, dates, amendments.
    Evaluate,
    /// Also the drafting analyses of [`lint`], as `covenant check` runs them.
    Lint,
}

/// The file of a model's last document (the one whose unused allows are reported).
pub fn final_file(model: &Model) -> FileId {
    model
        .amendments
        .last()
        .map_or(model.span.file, |a| a.span.file)
}

/// After a model is built: the lint (at [`Depth::Lint`]), then the allows.
pub(crate) fn finish(
    model: &Model,
    mut diagnostics: Vec<Diagnostic>,
    depth: Depth,
) -> Vec<Diagnostic> {
    if depth == Depth::Lint && !has_errors(&diagnostics) {
        diagnostics.extend(lint::lint(model).diagnostics);
    }
    let report_unused = (depth == Depth::Lint).then(|| final_file(model));
    allows::apply(model, diagnostics, report_unused)
}

/// The result of checking: the model if it could be built, and every finding.
#[derive(Debug)]
pub struct Checked<T> {
    /// The checked value, when there were no errors.
    pub value: Option<T>,
    /// Every error and warning.
    pub diagnostics: Vec<Diagnostic>,
}

/// Builds the model of a contract and its amendments (chain base-first).
pub fn build_model(chain: &[Loaded]) -> Checked<Model> {
    let Some(Document::Contract(contract)) = chain.first().map(|l| l.document.as_ref()) else {
        return Checked {
            value: None,
            diagnostics: vec![Diagnostic::error(
                Code::WrongDocument,
                Span::default(),
                "the chain does not start with a contract",
            )],
        };
    };
    let mut model = empty_model(contract);
    let mut r = Resolver::new(&mut model);

    // The effective date first: terms and termination rights count from it.
    let effective = contract.decls.iter().find_map(|d| match d {
        ast::Decl::Effective(date, _) => Some(*date),
        _ => None,
    });
    match effective {
        Some(e) => r.model.effective = e,
        None => r.diagnostics.push(
            Diagnostic::error(
                Code::MissingDeclaration,
                contract.name.span,
                format!("contract `{}` has no effective date", contract.name.text),
            )
            .with_label("no `effective` line")
            .with_help("add `effective 2026-01-01` with the date the contract takes effect"),
        ),
    }
    let effective = r.model.effective;
    check_single_effective(&mut r, &contract.decls);
    calendars::declare_calendars(&mut r, &contract.decls);

    resolve::declare_units(&mut r, &contract.decls);
    for decl in &contract.decls {
        declare(&mut r, decl, effective);
    }
    // Register every clause name before resolving bodies so `notwithstanding` may point forward.
    let clause_decls: Vec<&ast::ClauseDecl> = contract
        .decls
        .iter()
        .filter_map(|d| match d {
            ast::Decl::Clause(c) => Some(c),
            _ => None,
        })
        .collect();
    if clause_decls.len() > MAX_CLAUSES {
        let span = clause_decls
            .get(MAX_CLAUSES)
            .map_or(contract.name.span, |c| c.name.span);
        return Checked {
            value: None,
            diagnostics: vec![Diagnostic::error(
                Code::LimitExceeded,
                span,
                format!(
                    "the contract has {} clauses; Covenant reads at most {MAX_CLAUSES}",
                    clause_decls.len()
                ),
            )
            .with_label("one clause too many")
            .with_help("split the deal into several contracts")],
        };
    }
    let mut registered = Vec::new();
    for c in &clause_decls {
        let id = r.model.clauses.len();
        if r.declare(&c.name, Symbol::Clause(id)) {
            r.model.clauses.push(Clause {
                name: c.name.text.clone(),
                versions: Vec::new(),
                removed: None,
            });
            registered.push((id, *c));
        }
    }
    formula::resolve_payment_sources(&mut r);
    // Top-level allows may name clauses, so they are read once every clause name is known.
    resolve_allows(&mut r, &contract.decls);
    for (id, c) in registered {
        let origin = Origin {
            document: contract.name.text.clone(),
            how: "original",
        };
        let mut b = BodyBuilder {
            clause: c.name.text.clone(),
            version: new_version(
                c.title.as_ref().map(|t| t.text.clone()),
                effective,
                origin,
                c.span,
                c.name.span,
            ),
            current_payment: None,
            amending: false,
            replaced_payment: false,
            replaced_licence: false,
            block: c.span,
        };
        clause_items(&mut r, &mut b, &c.body);
        if let Some(clause) = r.model.clauses.get_mut(id) {
            clause.versions.push(b.version);
        }
    }
    resolve_interpretations(&mut r, &contract.decls, &contract.name.text);

    let mut previous_effective = effective;
    for loaded in chain.iter().skip(1) {
        let Document::Amendment(a) = loaded.document.as_ref() else {
            continue;
        };
        apply_amendment(&mut r, a, &mut previous_effective);
    }
    let fiscal_declared = contract
        .decls
        .iter()
        .any(|d| matches!(d, ast::Decl::FiscalYear(_)));
    calendars::check_fiscal_uses(&mut r, fiscal_declared);
    unused_interpretations(&mut r);
    formula::resolve_payment_sources(&mut r);
    let cycles = formula::payment_cycles(r.model);
    r.diagnostics.extend(cycles);

    let diagnostics = r.diagnostics;
    if has_errors(&diagnostics) {
        Checked {
            value: None,
            diagnostics,
        }
    } else {
        Checked {
            value: Some(model),
            diagnostics,
        }
    }
}

fn check_single_effective(r: &mut Resolver<'_>, decls: &[ast::Decl]) {
    let mut first: Option<Span> = None;
    for d in decls {
        if let ast::Decl::Effective(_, span) = d {
            match first {
                None => first = Some(*span),
                Some(f) => r.diagnostics.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        *span,
                        "the effective date is given twice",
                    )
                    .with_label("second effective date")
                    .with_secondary(f, "first one")
                    .with_help("keep one `effective` line"),
                ),
            }
        }
    }
}

fn apply_amendment(r: &mut Resolver<'_>, a: &ast::Amendment, previous_effective: &mut model::Date) {
    let decls: Vec<ast::Decl> = a
        .items
        .iter()
        .filter_map(|i| match i {
            AmendmentItem::Decl(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    let effective = decls.iter().find_map(|d| match d {
        ast::Decl::Effective(date, span) => Some((*date, *span)),
        _ => None,
    });
    let effective = match effective {
        Some((date, span)) => {
            if date < *previous_effective {
                r.diagnostics.push(
                    Diagnostic::error(Code::EndBeforeStart, span, format!("this amendment takes effect on {date}, before the document it amends ({previous_effective})"))
                        .with_label("too early")
                        .with_help("an amendment can only change the contract from its own effective date on; use a date on or after the amended document's"),
                );
            }
            after_end(r, a, date, span, &decls);
            date
        }
        None => {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::MissingDeclaration,
                    a.name.span,
                    format!("amendment `{}` has no effective date", a.name.text),
                )
                .with_label("no `effective` line")
                .with_help("add `effective DATE` with the day the amendment takes effect"),
            );
            *previous_effective
        }
    };
    *previous_effective = effective;
    check_single_effective(r, &decls);
    r.model.amendments.push(AmendmentInfo {
        name: a.name.text.clone(),
        title: a.title.as_ref().map(|t| t.text.clone()),
        effective,
        span: a.span,
    });
    r.model.document = a.name.text.clone();
    resolve::declare_units(r, &decls);
    for d in &decls {
        declare(r, d, effective);
    }
    // Register added clauses first so that any line of the amendment may name them.
    let mut added = Vec::new();
    for item in &a.items {
        if let AmendmentItem::AddClause(c) = item {
            match r.model.clause_id(&c.name.text) {
                Some(id) if !is_current(r.model, id) => added.push((id, c)),
                _ => {
                    let id = r.model.clauses.len();
                    if r.declare(&c.name, Symbol::Clause(id)) {
                        r.model.clauses.push(Clause {
                            name: c.name.text.clone(),
                            versions: Vec::new(),
                            removed: None,
                        });
                        added.push((id, c));
                    }
                }
            }
        }
    }
    for item in &a.items {
        match item {
            AmendmentItem::Remove(name, span) => {
                if let Some(id) = existing_clause(r, name, "remove") {
                    if let Some(clause) = r.model.clauses.get_mut(id) {
                        if let Some(v) = clause.versions.last_mut() {
                            v.in_force_until = Some(day_before(effective));
                        }
                        clause.removed = Some(Removal {
                            date: effective,
                            span: *span,
                        });
                    }
                }
            }
            AmendmentItem::Replace(c) => {
                if let Some(id) = existing_clause(r, &c.name, "replace") {
                    let old_title = r
                        .model
                        .clauses
                        .get(id)
                        .and_then(|cl| cl.versions.last())
                        .and_then(|v| v.title.clone());
                    let origin = Origin {
                        document: a.name.text.clone(),
                        how: "replaced",
                    };
                    let mut b = BodyBuilder {
                        clause: c.name.text.clone(),
                        version: new_version(
                            c.title.as_ref().map(|t| t.text.clone()).or(old_title),
                            effective,
                            origin,
                            c.span,
                            c.name.span,
                        ),
                        current_payment: None,
                        amending: false,
                        replaced_payment: false,
                        replaced_licence: false,
                        block: c.span,
                    };
                    clause_items(r, &mut b, &c.body);
                    push_version(r.model, id, b.version, effective);
                }
            }
            AmendmentItem::Amend(c) => {
                if let Some(id) = existing_clause(r, &c.name, "amend") {
                    let Some(current) = r
                        .model
                        .clauses
                        .get(id)
                        .and_then(|cl| cl.versions.last())
                        .cloned()
                    else {
                        continue;
                    };
                    let mut version = current;
                    version.in_force_from = effective;
                    version.in_force_until = None;
                    version.origin = Origin {
                        document: a.name.text.clone(),
                        how: "amended",
                    };
                    version.span = c.span;
                    version.name_span = c.name.span;
                    let mut b = BodyBuilder {
                        clause: c.name.text.clone(),
                        version,
                        current_payment: None,
                        amending: true,
                        replaced_payment: false,
                        replaced_licence: false,
                        block: c.span,
                    };
                    clause_items(r, &mut b, &c.body);
                    push_version(r.model, id, b.version, effective);
                }
            }
            AmendmentItem::AddClause(_) | AmendmentItem::Decl(_) | AmendmentItem::Amends { .. } => {
            }
        }
    }
    resolve_allows(r, &decls);
    resolve_interpretations(r, &decls, &a.name.text);
    for (id, c) in added {
        if let Some(clause) = r.model.clauses.get_mut(id) {
            clause.removed = None;
        }
        let origin = Origin {
            document: a.name.text.clone(),
            how: "added",
        };
        let mut b = BodyBuilder {
            clause: c.name.text.clone(),
            version: new_version(
                c.title.as_ref().map(|t| t.text.clone()),
                effective,
                origin,
                c.span,
                c.name.span,
            ),
            current_payment: None,
            amending: false,
            replaced_payment: false,
            replaced_licence: false,
            block: c.span,
        };
        clause_items(r, &mut b, &c.body);
        push_version(r.model, id, b.version, effective);
    }
}

/// Reads a document's top-level `allow` lines.
fn resolve_allows(r: &mut Resolver<'_>, decls: &[ast::Decl]) {
    for d in decls {
        if let ast::Decl::Allow(a) = d {
            if let Some(allow) = r.allow(a, None) {
                r.model.allows.push(allow);
            }
        }
    }
}

/// Reads a document's `interpret` lines. A line with the name of an earlier
/// interpretation restates it (an amendment may change a reading); another
/// name for the same word and scope is `covenant::conflicting_interpretations`.
fn resolve_interpretations(r: &mut Resolver<'_>, decls: &[ast::Decl], document: &str) {
    for d in decls {
        let ast::Decl::Interpret(i) = d else {
            continue;
        };
        let Some(word) = model::Word::from_text(&i.word.text) else {
            let known: Vec<String> = model::Word::ALL
                .iter()
                .map(|w| format!("\"{}\"", w.text()))
                .collect();
            r.diagnostics.push(
                Diagnostic::error(
                    Code::BadInterpretation,
                    i.word.span,
                    format!("Covenant has no counting convention for {:?}", i.word.text),
                )
                .with_label("not a word Covenant can read two ways")
                .with_help(format!(
                    "the words an `interpret` line can read are {}",
                    match known.split_last() {
                        Some((last, rest)) if !rest.is_empty() =>
                            format!("{} and {last}", rest.join(", ")),
                        _ => known.join(""),
                    }
                )),
            );
            continue;
        };
        if i.reason.text.trim().is_empty() {
            r.diagnostics.push(
                Diagnostic::error(Code::BadInterpretation, i.reason.span, "an interpretation must say why the word is read so")
                    .with_label("empty reason")
                    .with_help("write the reason a reader of the contract needs, like `because \"the notice letter treats the end date as the first day free of the restriction\"`"),
            );
            continue;
        }
        let clause = match &i.clause {
            None => None,
            Some(name) => match r.model.symbol(&name.text) {
                Some(Symbol::Clause(id)) => Some(id),
                _ => {
                    let names: Vec<&str> =
                        r.model.clauses.iter().map(|c| c.name.as_str()).collect();
                    let d = Diagnostic::error(
                        Code::UnknownClause,
                        name.span,
                        format!("`interpret … for {}` names no clause", name.text),
                    )
                    .with_label("no clause has this name");
                    let d = match crate::diagnostic::suggest(&name.text, names) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help("name a clause of the contract, or leave out `for …` to read the word so everywhere"),
                    };
                    r.diagnostics.push(d);
                    continue;
                }
            },
        };
        if let (model::Word::PriorTo, Some(name)) = (word, &i.clause) {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::BadInterpretation,
                    name.span,
                    "\"prior to\" is read for the notice of non-renewal, which belongs to the whole contract",
                )
                .with_label("no clause has a notice of non-renewal")
                .with_help("leave out `for …`: the reading applies to the `renews … unless notice …` line of the term"),
            );
            continue;
        }
        let interpretation = model::Interpretation {
            name: i.name.text.clone(),
            word,
            exclusive: i.exclusive,
            clause,
            date: i.date,
            reason: i.reason.text.clone(),
            document: document.to_owned(),
            span: i.span,
        };
        if let Some(pos) = r
            .model
            .interpretations
            .iter()
            .position(|x| x.name == i.name.text)
        {
            r.model.interpretations.remove(pos);
        }
        if let Some(other) = r
            .model
            .interpretations
            .iter()
            .find(|x| x.word == word && x.clause == clause)
        {
            let scope = match &i.clause {
                Some(c) => format!("in `{}`", c.text),
                None => "throughout the contract".to_owned(),
            };
            r.diagnostics.push(
                Diagnostic::error(
                    Code::ConflictingInterpretations,
                    i.name.span,
                    format!(
                        "`{}` and `{}` both say how to read \"{}\" {scope}",
                        i.name.text,
                        other.name,
                        word.text()
                    ),
                )
                .with_label(format!("reads it as {}", interpretation.reading()))
                .with_secondary(other.span, format!("reads it as {}", other.reading()))
                .with_help(format!("keep one reading; to change it in an amendment, restate it under the same name (`interpret {} …`)", other.name)),
            );
            continue;
        }
        r.model.interpretations.push(interpretation);
    }
}

/// Warns about interpretations of a word that the clause they name, or (for
/// contract-wide ones) the whole contract, never uses.
fn unused_interpretations(r: &mut Resolver<'_>) {
    let mut findings = Vec::new();
    for i in &r.model.interpretations {
        let uses = |c: &Clause| {
            c.versions.iter().any(|v| match i.word {
                model::Word::Until => v.windows.until.is_some(),
                model::Word::Within => v
                    .obligations
                    .iter()
                    .any(|o| matches!(o.deadline, model::DeadlineSlot::Within(_))),
                model::Word::After => v.payments.iter().any(|p| p.due.is_some()),
                // The renewal notice belongs to the contract, never to a clause.
                model::Word::PriorTo => false,
            })
        };
        let used = match i.clause {
            Some(id) => r.model.clauses.get(id).is_some_and(uses),
            None => {
                r.model.clauses.iter().any(uses)
                    || (i.word == model::Word::Until
                        && r.model.term.last_day.is_some()
                        && r.model.term.length.is_none())
                    || (i.word == model::Word::PriorTo && r.model.term.renewal.is_some())
            }
        };
        if !used {
            let place = match i.clause.and_then(|c| r.model.clauses.get(c)) {
                Some(c) => format!("clause `{}` has", c.name),
                None => "the contract has".to_owned(),
            };
            findings.push(
                Diagnostic::warning(
                    Code::UnusedInterpretation,
                    i.span,
                    format!(
                        "interpretation `{}` reads \"{}\", but {place} no `{}` to read",
                        i.name,
                        i.word.text(),
                        i.word.text()
                    ),
                )
                .with_label("changes no answer")
                .with_help("remove the line, or name the clause whose wording it settles"),
            );
        }
    }
    r.diagnostics.extend(findings);
}

/// Warns when an amendment takes effect after the contract it amends has
/// already ended: it changes nothing unless it also extends the term.
fn after_end(
    r: &mut Resolver<'_>,
    a: &ast::Amendment,
    date: model::Date,
    span: Span,
    decls: &[ast::Decl],
) {
    let term = &r.model.term;
    let (Some(last), None) = (term.last_day, &term.renewal) else {
        return;
    };
    let extends = decls.iter().any(|d| matches!(d, ast::Decl::Term(_)));
    if date <= last || extends {
        return;
    }
    r.diagnostics.push(
        Diagnostic::warning(
            Code::AmendmentAfterEnd,
            span,
            format!(
                "amendment `{}` takes effect on {date}, but the contract it amends ended on {last}: none of its changes ever applies",
                a.name.text
            ),
        )
        .with_label("after the contract ended")
        .with_secondary(term.span, format!("the term ends on {last}"))
        .with_help("if the parties meant to revive the deal, give the amendment a new `term`; otherwise check the effective date"),
    );
}

fn is_current(model: &Model, id: ClauseId) -> bool {
    model
        .clauses
        .get(id)
        .and_then(|c| c.versions.last())
        .is_some_and(|v| v.in_force_until.is_none())
}

fn push_version(model: &mut Model, id: ClauseId, version: ClauseVersion, effective: model::Date) {
    if let Some(clause) = model.clauses.get_mut(id) {
        if let Some(last) = clause.versions.last_mut() {
            if last.in_force_until.is_none() {
                last.in_force_until = Some(day_before(effective));
            }
        }
        clause.versions.push(version);
    }
}

/// A clause that an amendment line names; it must exist and still be in force.
fn existing_clause(r: &mut Resolver<'_>, name: &ast::Name, verb: &str) -> Option<ClauseId> {
    match r.model.symbol(&name.text) {
        Some(Symbol::Clause(id)) if is_current(r.model, id) => Some(id),
        Some(Symbol::Clause(_)) => {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::UnknownClause,
                    name.span,
                    format!(
                        "cannot {verb} `{}`: an earlier amendment removed it",
                        name.text
                    ),
                )
                .with_label("already removed")
                .with_help("use `add clause` to bring it back"),
            );
            None
        }
        _ => {
            let candidates: Vec<String> = r
                .model
                .clauses
                .iter()
                .enumerate()
                .filter(|(i, _)| is_current(r.model, *i))
                .map(|(_, c)| c.name.clone())
                .collect();
            let help =
                match crate::diagnostic::suggest(&name.text, candidates.iter().map(String::as_str))
                {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if candidates.is_empty() => {
                        "the amended contract has no clauses".to_owned()
                    }
                    None => format!(
                        "the amended contract's clauses are: {}",
                        candidates.join(", ")
                    ),
                };
            r.diagnostics.push(
                Diagnostic::error(
                    Code::UnknownClause,
                    name.span,
                    format!(
                        "cannot {verb} `{}`: the amended contract has no such clause",
                        name.text
                    ),
                )
                .with_label("no clause of this name")
                .with_help(help),
            );
            None
        }
    }
}

/// Loads and checks a contract or amendment file: its model and every finding.
pub fn check_contract_file(ws: &mut Workspace, path: &Path, depth: Depth) -> Checked<Model> {
    match load_chain(ws, path, None) {
        Ok(chain) => {
            let Checked { value, diagnostics } = build_model(&chain);
            match value {
                Some(model) => Checked {
                    diagnostics: finish(&model, diagnostics, depth),
                    value: Some(model),
                },
                None => Checked {
                    value: None,
                    diagnostics,
                },
            }
        }
        Err(diagnostics) => Checked {
            value: None,
            diagnostics,
        },
    }
}
