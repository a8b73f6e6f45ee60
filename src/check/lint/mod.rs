//! Lint: drafting mistakes found in a resolved [`Model`] before any scenario runs.
//!
//! The checker proper ([`super::build_model`]) makes sure a contract can be
//! evaluated. This stage asks whether it says what its drafters meant, and
//! runs only for `covenant check`, on a model that built without errors:
//!
//! 1. [`conflicts`]: rules that collide — a permission and a prohibition that
//!    can decide the same occurrence, a `notwithstanding` that overrides
//!    nothing, two licences of one subject where one is exclusive, two charges
//!    on one metric;
//! 2. [`terms`]: terms that can never matter — dead clauses, deadlines
//!    outside their clause, per-period caps above the total cap;
//! 3. [`loose`]: loose ends — declarations nothing uses, parties with no
//!    role, metrics reported more finely than they are paid.
//!
//! Time is reasoned about with [`time`] and conditions with [`solve`]; both
//! over-approximate whatever the text leaves open (a param may be set to
//! anything), so a finding that says "never" is never wrong, and on the
//! fragment described in docs/checker.md the analyses are exact.
//! Findings are warnings or advice; `allow` lines (see [`super::allows`])
//! silence them one at a time.

pub mod conflicts;
pub mod loose;
pub mod solve;
pub mod terms;
pub mod time;

use std::collections::HashSet;

use crate::check::model::{Clause, ClauseId, ClauseVersion, Model, RExpr, Value, ValueRef};
use crate::diagnostic::Diagnostic;
use crate::source::Span;

pub use conflicts::{rule_conflicts, Conflict, Witness};

/// What the lint found in one model.
#[derive(Debug, Default)]
pub struct Lint {
    /// Every finding, in a stable order.
    pub diagnostics: Vec<Diagnostic>,
    /// The name spans of declarations this model uses (parties: that have a role).
    /// `covenant check` on several files counts a declaration as used when any
    /// of the contracts checked together uses it, so that a base contract
    /// checked beside its amendment is not blamed for what the amendment uses.
    pub used: HashSet<Span>,
}

/// Runs every analysis on a model that checked without errors.
pub fn lint(model: &Model) -> Lint {
    let mut diagnostics = Vec::new();
    conflicts::check(model, &mut diagnostics);
    terms::check(model, &mut diagnostics);
    let used = loose::check(model, &mut diagnostics);
    Lint { diagnostics, used }
}

/// The name spans of the declarations a model uses, without running the other analyses.
pub fn used(model: &Model) -> HashSet<Span> {
    loose::check(model, &mut Vec::new())
}

/// A clause version with where it sits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'m> {
    /// The clause's index.
    pub clause: ClauseId,
    /// The clause.
    pub history: &'m Clause,
    /// The version's index in the clause's history.
    pub index: usize,
    /// The version.
    pub version: &'m ClauseVersion,
}

/// Every clause version of the model, in clause order then version order.
pub(crate) fn versions(model: &Model) -> impl Iterator<Item = At<'_>> {
    model
        .clauses
        .iter()
        .enumerate()
        .flat_map(|(clause, history)| {
            history
                .versions
                .iter()
                .enumerate()
                .map(move |(index, version)| At {
                    clause,
                    history,
                    index,
                    version,
                })
        })
}

/// The `while` (must hold) and `unless` (must not hold) windows of a version.
pub(crate) fn window_constraints(v: &ClauseVersion) -> Vec<solve::Constraint<'_>> {
    v.windows
        .while_
        .iter()
        .map(|(e, _)| solve::Constraint {
            expr: e,
            holds: true,
        })
        .chain(v.windows.unless.iter().map(|(e, _)| solve::Constraint {
            expr: e,
            holds: false,
        }))
        .collect()
}

/// A `where` condition as a constraint, if there is one.
pub(crate) fn where_constraint(condition: &Option<RExpr>) -> Option<solve::Constraint<'_>> {
    condition
        .as_ref()
        .map(|expr| solve::Constraint { expr, holds: true })
}

/// A clause's name, for messages.
pub(crate) fn clause_name(model: &Model, c: ClauseId) -> &str {
    model.clauses.get(c).map_or("?", |c| c.name.as_str())
}

/// A party's name, for messages.
pub(crate) fn party_name(model: &Model, p: usize) -> &str {
    model.parties.get(p).map_or("?", |p| p.name.as_str())
}

/// An action's name, for messages.
pub(crate) fn action_name(model: &Model, a: usize) -> &str {
    model.actions.get(a).map_or("?", |a| a.name.as_str())
}

/// A slot's value for messages: a literal as written, a param by name.
pub(crate) fn show_slot(model: &Model, value: &ValueRef) -> String {
    match value {
        ValueRef::Lit(v) => model.show_value(v),
        ValueRef::Param(p) => model
            .params
            .get(*p)
            .map_or("?".to_owned(), |p| format!("`{}`", p.name)),
    }
}

/// A slot's value when the text decides it: a literal, or a param's default
/// (with the param's name, so that the message can say so).
pub(crate) fn slot_value<'m>(
    model: &'m Model,
    value: &'m ValueRef,
) -> Option<(&'m Value, Option<&'m str>)> {
    match value {
        ValueRef::Lit(v) => Some((v, None)),
        ValueRef::Param(p) => {
            let param = model.params.get(*p)?;
            param
                .default
                .as_ref()
                .map(|d| (d, Some(param.name.as_str())))
        }
    }
}
