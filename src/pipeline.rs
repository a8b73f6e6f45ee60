//! The pipeline from file reading to answers, as the CLI and tests use it.
//!
//! Each function runs the stages in order — load, parse, check, evaluate —
//! and stops at the first stage that reports errors, returning every
//! diagnostic met so far.

use std::path::{Path, PathBuf};

use crate::calendar::Date;
use std::collections::HashSet;

use crate::check::lint;
use crate::check::scenario::{action_call_public, check_scenario, check_scenario_at};
use crate::check::{check_contract_file, Checked, Depth};
use crate::diagnostic::Code;
use crate::diagnostic::{has_errors, Diagnostic};
use crate::eval::{compile, evaluate, Evaluation, Options};
use crate::source::Span;
use crate::syntax::ast::Document;
use crate::syntax::parse_action_query;
use crate::workspace::Workspace;

/// One scenario's run.
#[derive(Debug)]
pub struct ScenarioRun {
    /// The scenario file.
    pub path: PathBuf,
    /// Every diagnostic met (errors stop the run).
    pub diagnostics: Vec<Diagnostic>,
    /// The answers, when the scenario checked without errors. With unknown
    /// facts, its expectations are the conditional ones (holding in every
    /// case), and the rest assumes each unknown condition keeps its earlier value.
    pub evaluation: Option<Evaluation>,
    /// The conditional answers, when the scenario states unknown facts.
    pub conditional: Option<crate::strategy::unknown::Conditional>,
}

impl ScenarioRun {
    /// Whether the run had errors or a failed expectation.
    pub fn failed(&self) -> bool {
        has_errors(&self.diagnostics) || self.evaluation.as_ref().is_none_or(|e| e.failures() > 0)
    }
}

/// Checks and evaluates one scenario file; a scenario with unknown facts is
/// evaluated in every case they allow (see [`crate::strategy::unknown`]).
pub fn run_scenario(ws: &mut Workspace, path: &Path, options: Options) -> ScenarioRun {
    let Checked {
        value,
        mut diagnostics,
    } = check_scenario(ws, path);
    let mut conditional = None;
    let evaluation = value.and_then(|(model, plan)| {
        let unknown = crate::strategy::unknown::has_unknowns(&model, &plan);
        let mut evaluation = match evaluate(&model, &plan, &ws.sources, options) {
            Ok(e) => e,
            Err(mut d) => {
                diagnostics.append(&mut d);
                return None;
            }
        };
        if unknown {
            match conditional_for(ws, path, model, plan, options, &mut evaluation) {
                Ok(c) => conditional = c,
                Err(mut d) => {
                    diagnostics.append(&mut d);
                    return None;
                }
            }
        }
        Some(evaluation)
    });
    ScenarioRun {
        path: path.to_path_buf(),
        diagnostics,
        evaluation,
        conditional,
    }
}

/// What kind of document a file holds, if it parses.
pub fn document_kind(ws: &mut Workspace, path: &Path) -> Option<&'static str> {
    let (_, parsed) = ws.load(path, None);
    parsed.ok().map(|d| match d.as_ref() {
        Document::Contract(_) => "contract",
        Document::Amendment(_) => "amendment",
        Document::Scenario(_) => "scenario",
    })
}

/// Checks any `.cov` file as `covenant check` does: a contract or amendment
/// alone, a scenario with its contract; with the drafting analyses and the
/// contract's `allow` lines applied.
pub fn check_path(ws: &mut Workspace, path: &Path) -> Vec<Diagnostic> {
    check_one(ws, path).0
}

/// Checks several files together. Each is checked as by [`check_path`],
/// except that a declaration counts as used when any contract checked in the
/// same run uses it: a base contract checked beside its amendment is not
/// told that the condition only the amendment reads is unused.
pub fn check_files(ws: &mut Workspace, paths: &[PathBuf]) -> Vec<Vec<Diagnostic>> {
    let mut results = Vec::with_capacity(paths.len());
    let mut used: HashSet<Span> = HashSet::new();
    for path in paths {
        let (diagnostics, file_used) = check_one(ws, path);
        used.extend(file_used);
        results.push(diagnostics);
    }
    for diagnostics in &mut results {
        diagnostics.retain(|d| {
            !(matches!(d.code, Code::UnusedDeclaration | Code::IdleParty)
                && used.contains(&d.span()))
        });
    }
    results
}

/// One file's diagnostics, and the declarations its contract uses.
fn check_one(ws: &mut Workspace, path: &Path) -> (Vec<Diagnostic>, HashSet<Span>) {
    match document_kind(ws, path) {
        Some("scenario") => {
            let Checked {
                value,
                mut diagnostics,
            } = check_scenario_at(ws, path, Depth::Lint);
            let mut used = HashSet::new();
            // A scenario that checks may still fail to compile (an overflow, a param of the wrong currency).
            if let Some((model, plan)) = value {
                if let Err(mut d) = compile(&model, &plan, Options::default()) {
                    diagnostics.append(&mut d);
                }
                used = lint::used(&model);
            }
            (diagnostics, used)
        }
        Some(_) => {
            let Checked {
                value,
                mut diagnostics,
            } = check_contract_file(ws, path, Depth::Lint);
            // Lets are computed with the params' defaults, so that a formula
            // that can never be computed is reported before any scenario runs.
            if let Some(model) = &value {
                diagnostics.extend(crate::eval::formula::check_defaults(model));
            }
            let used = value.map(|m| lint::used(&m)).unwrap_or_default();
            (diagnostics, used)
        }
        None => {
            let (_, parsed) = ws.load(path, None);
            (parsed.err().unwrap_or_default(), HashSet::new())
        }
    }
}

/// Explains a scenario's contract on a date, optionally for an action written as `PARTY ACTION [ARG VALUE]…`.
pub fn explain(
    ws: &mut Workspace,
    path: &Path,
    date: Date,
    action: Option<&str>,
) -> Result<String, Vec<Diagnostic>> {
    let Checked { value, diagnostics } = check_scenario(ws, path);
    let Some((mut model, plan)) = value else {
        return Err(diagnostics);
    };
    let call = match action {
        Some(text) => {
            let file = ws.add_text("<command line>", text);
            let parsed = parse_action_query(text, file)?;
            let mut errors = Vec::new();
            let call = action_call_public(&mut model, &parsed, &mut errors);
            match call {
                Some(c) if errors.is_empty() => Some((c, text.to_owned())),
                _ => return Err(errors),
            }
        }
        None => None,
    };
    let compiled = compile(&model, &plan, Options::default())?;
    let mut text = crate::report::explain::explain(
        &compiled,
        &plan,
        &ws.sources,
        date,
        call.as_ref().map(|(c, t)| (c, t.clone())),
    );
    if crate::strategy::unknown::has_unknowns(&model, &plan) {
        // Explain walks one timeline; say which, rather than let it pass for the only one.
        text.push_str("\nNote: the scenario leaves some conditions unknown; this explanation takes each at the value it had before it became unknown (false for a condition without a default). `covenant eval` gives the answers in every case.\n");
    }
    Ok(text)
}

/// Evaluates every case of a scenario's unknown facts and answers its
/// expectations in all of them (see [`crate::strategy::unknown`]).
fn conditional_for(
    ws: &mut Workspace,
    path: &Path,
    model: crate::check::Model,
    plan: crate::check::scenario::Plan,
    options: Options,
    evaluation: &mut Evaluation,
) -> Result<Option<crate::strategy::unknown::Conditional>, Vec<Diagnostic>> {
    let (file, parsed) = ws.load(path, None);
    let document = parsed?;
    let Document::Scenario(scenario) = document.as_ref() else {
        return Ok(None);
    };
    let prepared = crate::strategy::Prepared {
        model,
        scenario: scenario.clone(),
        file: file.unwrap_or_default(),
        plan,
    };
    let c = crate::strategy::unknown::conditional(&prepared, &[], &ws.sources, options)?;
    Ok(c.map(|(c, _)| {
        crate::strategy::unknown::apply_expectations(&c, evaluation);
        c
    }))
}

/// Every `.cov` file under the given paths (files are taken as they are), sorted.
pub fn find_cov_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out, 0);
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    // Symlink loops cannot recurse forever.
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') || n == "target");
            if !hidden {
                walk(&path, out, depth + 1);
            }
        } else if path.extension().is_some_and(|e| e == "cov") {
            out.push(path);
        }
    }
}

/// What `covenant diff` found.
#[derive(Debug)]
pub struct DiffRun {
    /// The contract-level changes, when both versions checked.
    pub contract: Option<crate::report::diff::ContractDiff>,
    /// Per scenario, the answers that differ.
    pub scenarios: Vec<crate::report::diff::ScenarioDiff>,
    /// Problems loading or checking the two versions.
    pub diagnostics: Vec<Diagnostic>,
}

impl DiffRun {
    /// Whether anything differs.
    pub fn differs(&self) -> bool {
        self.contract
            .as_ref()
            .is_some_and(|c| !c.changes.is_empty())
            || self.scenarios.iter().any(|s| !s.changes.is_empty())
    }
}

/// Compares two versions of a contract — `old` and `new`, or, with `old`
/// absent, the base of the amendment `new` and the amended contract — and
/// every scenario found under `scenarios` evaluated against each.
pub fn diff(ws: &mut Workspace, old: Option<&Path>, new: &Path, scenarios: &[PathBuf]) -> DiffRun {
    use crate::check::{build_model, load_chain};
    use crate::report::diff::contract_diff;

    let fail = |diagnostics: Vec<Diagnostic>| DiffRun {
        contract: None,
        scenarios: Vec::new(),
        diagnostics,
    };
    let new_chain = match load_chain(ws, new, None) {
        Ok(c) => c,
        Err(d) => return fail(d),
    };
    let old_chain = match old {
        Some(path) => match load_chain(ws, path, None) {
            Ok(c) => c,
            Err(d) => return fail(d),
        },
        None => {
            if new_chain.len() < 2 {
                let file = new_chain.first().map(|l| l.file).unwrap_or_default();
                return fail(vec![Diagnostic::whole_file(crate::diagnostic::Code::WrongDocument, file, format!("{} is a contract, not an amendment", new.display()))
                    .with_help("give two files (`covenant diff OLD.cov NEW.cov`), or one amendment to compare with its base")]);
            }
            new_chain[..new_chain.len() - 1].to_vec()
        }
    };
    let old_checked = build_model(&old_chain);
    let new_checked = build_model(&new_chain);
    let mut diagnostics: Vec<Diagnostic> = old_checked
        .diagnostics
        .into_iter()
        .chain(new_checked.diagnostics)
        .filter(Diagnostic::is_error)
        .collect();
    let (Some(old_model), Some(new_model)) = (old_checked.value, new_checked.value) else {
        return fail(diagnostics);
    };
    let contract = contract_diff(&old_model, &new_model, &ws.sources);
    let scenario_diffs = diff_scenarios(ws, &old_model, &new_model, scenarios, ("old", "new"));
    diagnostics.clear();
    DiffRun {
        contract: Some(contract),
        scenarios: scenario_diffs,
        diagnostics,
    }
}

/// Compares one contract read two ways: as written, and with each named
/// interpretation's word read the other way (`covenant diff FILE
/// --interpretation NAME`). The "old" side is the other reading, the "new"
/// side the contract as written; the scenarios under `scenarios` are
/// evaluated under both and compared answer by answer, as for two versions.
pub fn diff_interpretations(
    ws: &mut Workspace,
    file: &Path,
    names: &[String],
    scenarios: &[PathBuf],
) -> DiffRun {
    use crate::check::{build_model, load_chain};
    use crate::report::diff::{ChangeKind, ContractDiff, Detail, ItemChange};

    let fail = |diagnostics: Vec<Diagnostic>| DiffRun {
        contract: None,
        scenarios: Vec::new(),
        diagnostics,
    };
    let chain = match load_chain(ws, file, None) {
        Ok(c) => c,
        Err(d) => return fail(d),
    };
    let checked = build_model(&chain);
    let Some(written) = checked.value else {
        return fail(
            checked
                .diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect(),
        );
    };
    let mut other = written.clone();
    let mut changes = Vec::new();
    let mut flipped = Vec::new();
    for name in names {
        let Some(i) = other.interpretations.iter_mut().find(|i| &i.name == name) else {
            let known: Vec<&str> = written
                .interpretations
                .iter()
                .map(|i| i.name.as_str())
                .collect();
            let file_id = chain.last().map(|l| l.file).unwrap_or_default();
            let help = match crate::diagnostic::suggest(name, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if known.is_empty() => "the contract records no interpretation; add an `interpret NAME: \"until\" as exclusive because \"…\"` line first".to_owned(),
                None => format!("the contract's interpretations are: {}", known.join(", ")),
            };
            return fail(vec![Diagnostic::whole_file(
                crate::diagnostic::Code::UnknownName,
                file_id,
                format!(
                    "{} records no interpretation named `{name}`",
                    file.display()
                ),
            )
            .with_help(help)]);
        };
        i.exclusive = !i.exclusive;
        flipped.push(format!("{} as {}", i.word.text(), i.reading()));
        changes.push(ItemChange {
            item: format!("interpretation {name}"),
            change: ChangeKind::Changed,
            details: vec![Detail {
                aspect: format!("\"{}\"", i.word.text()),
                old: Some(i.reading().to_owned()),
                new: Some(
                    if i.exclusive {
                        "inclusive"
                    } else {
                        "exclusive"
                    }
                    .to_owned(),
                ),
            }],
        });
    }
    let contract = ContractDiff {
        old: format!("{} reading {}", written.document, flipped.join(", ")),
        new: format!("{} as written", written.document),
        changes,
    };
    let scenario_diffs = diff_scenarios(
        ws,
        &other,
        &written,
        scenarios,
        ("other reading", "written"),
    );
    DiffRun {
        contract: Some(contract),
        scenarios: scenario_diffs,
        diagnostics: Vec::new(),
    }
}

/// Evaluates every scenario found under `scenarios` against two models and
/// compares the answers (labels name the two sides in problem notes).
fn diff_scenarios(
    ws: &mut Workspace,
    old_model: &crate::check::Model,
    new_model: &crate::check::Model,
    scenarios: &[PathBuf],
    labels: (&str, &str),
) -> Vec<crate::report::diff::ScenarioDiff> {
    use crate::check::scenario::check_scenario_with;
    use crate::report::diff::ScenarioDiff;
    use crate::report::record::{answers, compare};
    let mut scenario_diffs = Vec::new();
    for path in find_cov_files(scenarios) {
        if document_kind(ws, &path) != Some("scenario") {
            continue;
        }
        let mut problems = Vec::new();
        let mut outcome = |model: &crate::check::Model, label: &str, ws: &mut Workspace| {
            let checked =
                check_scenario_with(ws, &path, Some(model), true, crate::check::Depth::Evaluate);
            let Some((m, plan)) = checked.value else {
                let first = checked
                    .diagnostics
                    .iter()
                    .find(|d| d.is_error())
                    .map(|d| d.message.clone())
                    .unwrap_or_default();
                problems.push(format!(
                    "does not check against the {label} version: {first}"
                ));
                return None;
            };
            match evaluate(&m, &plan, &ws.sources, Options::default()) {
                Ok(ev) => {
                    for note in plan.notes.iter() {
                        let line = format!("{label} version: {note}");
                        if !problems.contains(&line) {
                            problems.push(line);
                        }
                    }
                    Some(ev)
                }
                Err(d) => {
                    problems.push(format!(
                        "cannot be evaluated against the {label} version: {}",
                        d.first().map(|d| d.message.clone()).unwrap_or_default()
                    ));
                    None
                }
            }
        };
        let old_ev = outcome(old_model, labels.0, ws);
        let new_ev = outcome(new_model, labels.1, ws);
        let name = new_ev
            .as_ref()
            .or(old_ev.as_ref())
            .map(|e| e.scenario.clone())
            .unwrap_or_else(|| path.display().to_string());
        let changes = match (&old_ev, &new_ev) {
            (Some(o), Some(n)) => compare(&answers(o), &answers(n)),
            _ => Vec::new(),
        };
        scenario_diffs.push(ScenarioDiff::new(
            path.display().to_string(),
            name,
            &changes,
            problems,
        ));
    }
    scenario_diffs
}

/// Checks and evaluates texts held in memory: a contract, its amendments in
/// chain order, and a scenario (whose `contract` line is ignored). For tests,
/// fuzzing and batch input, where nothing is read from disk.
pub fn evaluate_texts(
    ws: &mut Workspace,
    contract: &str,
    amendments: &[&str],
    scenario: &str,
    options: Options,
) -> Result<Evaluation, Vec<Diagnostic>> {
    use crate::check::{build_model, scenario::plan_scenario, Loaded};
    let mut chain = Vec::new();
    for (i, text) in std::iter::once(&contract)
        .chain(amendments.iter())
        .enumerate()
    {
        let name = format!("<memory {i}>");
        let (file, parsed) = ws.parse_text(&name, text);
        chain.push(Loaded {
            file,
            path: PathBuf::from(name),
            document: parsed?,
        });
    }
    let checked = build_model(&chain);
    let Some(mut model) = checked.value else {
        return Err(checked.diagnostics);
    };
    let (file, parsed) = ws.parse_text("<memory scenario>", scenario);
    let document = parsed?;
    let Document::Scenario(s) = document.as_ref() else {
        return Err(vec![Diagnostic::whole_file(
            crate::diagnostic::Code::WrongDocument,
            file,
            "the text is not a scenario",
        )]);
    };
    let mut diagnostics = checked.diagnostics;
    let plan = plan_scenario(&mut model, s, file, &mut diagnostics);
    if has_errors(&diagnostics) {
        return Err(diagnostics);
    }
    let Some(plan) = plan else {
        return Err(diagnostics);
    };
    evaluate(&model, &plan, &ws.sources, options)
}

/// A scenario evaluated with its timeline, for the visual report and `covenant timeline`.
#[derive(Debug)]
pub struct Viewed {
    /// The answers.
    pub evaluation: Evaluation,
    /// The contract's timeline under the scenario.
    pub timeline: crate::report::timeline::Timeline,
    /// The conditional answers, when the scenario leaves facts unknown.
    pub conditional: Option<crate::strategy::unknown::Conditional>,
}

/// Evaluates a scenario — or a contract or amendment alone, as a scenario with
/// no events — and builds its timeline. Warnings come back beside the result.
pub fn view(
    ws: &mut Workspace,
    path: &Path,
    options: Options,
) -> Result<(Viewed, Vec<Diagnostic>), Vec<Diagnostic>> {
    use crate::check::{build_model, load_chain, scenario::plan_scenario};
    use crate::syntax::ast;
    let (model, plan, diagnostics) = if document_kind(ws, path) == Some("scenario") {
        let Checked { value, diagnostics } = check_scenario(ws, path);
        let Some((model, plan)) = value else {
            return Err(diagnostics);
        };
        (model, plan, diagnostics)
    } else {
        let chain = load_chain(ws, path, None)?;
        let checked = build_model(&chain);
        let Some(mut model) = checked.value else {
            return Err(checked.diagnostics);
        };
        let mut diagnostics = checked.diagnostics;
        let file = chain.last().map(|l| l.file).unwrap_or_default();
        // No scenario: the contract on its own, with its params' defaults.
        let scenario = ast::Scenario {
            name: ast::Name {
                text: "contract_alone".to_owned(),
                span: model.span,
            },
            title: None,
            items: Vec::new(),
            span: model.span,
        };
        let plan = plan_scenario(&mut model, &scenario, file, &mut diagnostics);
        match plan {
            Some(plan) if !has_errors(&diagnostics) => (model, plan, diagnostics),
            _ => return Err(diagnostics),
        }
    };
    let compiled = compile(&model, &plan, options)?;
    let mut evaluation = evaluate(&model, &plan, &ws.sources, options)?;
    let timeline = crate::report::timeline::timeline(&model, &compiled, &evaluation);
    drop(compiled);
    let unknown = plan.events.iter().any(|e| {
        matches!(
            e.kind,
            crate::check::scenario::PlanEventKind::Unknown { .. }
        )
    });
    let conditional = if unknown {
        conditional_for(ws, path, model, plan, options, &mut evaluation)?
    } else {
        None
    };
    Ok((
        Viewed {
            evaluation,
            timeline,
            conditional,
        },
        diagnostics,
    ))
}
