//! Strategy analysis over the pipeline: what-if sweeps over params, unknown
//! facts answered conditionally, and the answers both compare.
//!
//! Both work the same way: the scenario's checked model and syntax are kept,
//! and the scenario is planned and evaluated again under other assumptions
//! (a param set to another value, an unknown condition taken as true or
//! false). Nothing here changes how one evaluation is computed; it only asks
//! the evaluator more questions and lines the answers up.

pub mod answers;
pub mod sweep;
pub mod unknown;

use std::path::Path;

use crate::check::scenario::{check_scenario, plan_scenario, Plan};
use crate::check::{Checked, Model};
use crate::diagnostic::{has_errors, Code, Diagnostic};
use crate::eval::{evaluate, Evaluation, Options};
use crate::source::{FileId, SourceMap};
use crate::syntax::ast::{self, Document, Literal, Name, Operand, ScenarioItem};
use crate::workspace::Workspace;

/// A scenario checked once, ready to be evaluated again under other assumptions.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The contract's model.
    pub model: Model,
    /// The scenario as written.
    pub scenario: ast::Scenario,
    /// The scenario's file.
    pub file: FileId,
    /// The scenario's own plan (its params as it sets them).
    pub plan: Plan,
}

/// Checks a scenario and keeps what later evaluations need; warnings come back beside it.
pub fn prepare(
    ws: &mut Workspace,
    path: &Path,
) -> Result<(Prepared, Vec<Diagnostic>), Vec<Diagnostic>> {
    let Checked { value, diagnostics } = check_scenario(ws, path);
    let Some((model, plan)) = value else {
        return Err(diagnostics);
    };
    let (file, parsed) = ws.load(path, None);
    let document = parsed?;
    let file = file.unwrap_or_default();
    let Document::Scenario(scenario) = document.as_ref() else {
        return Err(vec![Diagnostic::whole_file(
            Code::WrongDocument,
            file,
            format!("{} is not a scenario", path.display()),
        )]);
    };
    Ok((
        Prepared {
            model,
            scenario: scenario.clone(),
            file,
            plan,
        },
        diagnostics,
    ))
}

/// The scenario with some params set to other values, as if its first lines
/// were `set PARAM = VALUE` (replacing its own `set`s of them, so that figures
/// and growth paths written with the param follow it).
pub fn with_sets(scenario: &ast::Scenario, sets: &[(&str, &Literal)]) -> ast::Scenario {
    let mut scenario = scenario.clone();
    let span = scenario.name.span;
    scenario.items.retain(|item| match item {
        ScenarioItem::Set(name, _, _) => !sets.iter().any(|(p, _)| *p == name.text),
        _ => true,
    });
    let mut items: Vec<ScenarioItem> = sets
        .iter()
        .map(|(param, value)| {
            ScenarioItem::Set(
                Name {
                    text: (*param).to_owned(),
                    span,
                },
                Operand::Literal((*value).clone(), span),
                span,
            )
        })
        .collect();
    items.append(&mut scenario.items);
    scenario.items = items;
    scenario
}

/// Plans and evaluates another version of the prepared scenario against its contract.
pub fn evaluate_variant(
    prepared: &Prepared,
    scenario: &ast::Scenario,
    sources: &SourceMap,
    options: Options,
) -> Result<Evaluation, Vec<Diagnostic>> {
    let mut model = prepared.model.clone();
    let mut diagnostics = Vec::new();
    let plan = plan_scenario(&mut model, scenario, prepared.file, &mut diagnostics);
    match plan {
        Some(plan) if !has_errors(&diagnostics) => evaluate(&model, &plan, sources, options),
        _ => Err(diagnostics),
    }
}
