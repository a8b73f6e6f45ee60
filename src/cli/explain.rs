//! `covenant explain SCENARIO --on DATE [PARTY ACTION [ARG VALUE]…]`

use std::path::Path;

use super::{eprint_diagnostics, Exit};
use crate::calendar::Date;
use crate::pipeline::explain;
use crate::workspace::Workspace;

/// Prints the explanation; exit 1 when the scenario or the action has errors.
pub fn run(scenario: &Path, on: Date, action: &[String], color: bool) -> Exit {
    let mut ws = Workspace::new();
    let action_text = action.join(" ");
    let action = (!action_text.trim().is_empty()).then_some(action_text.as_str());
    match explain(&mut ws, scenario, on, action) {
        Ok(text) => {
            super::out!("{text}");
            Exit::Success
        }
        Err(diagnostics) => {
            eprint_diagnostics(&diagnostics, &ws.sources, color);
            Exit::Failure
        }
    }
}
