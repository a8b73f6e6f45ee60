//! `covenant timeline FILE [--width N]`

use std::path::Path;

use super::{eprint_diagnostics, Exit};
use crate::eval::Options;
use crate::pipeline::view;
use crate::report::timeline::render_timeline_text;
use crate::workspace::Workspace;

/// Draws the timeline of a contract (or of a scenario's contract under its events).
pub fn run(path: &Path, width: usize, color: bool) -> Exit {
    let mut ws = Workspace::new();
    match view(&mut ws, path, Options::default()) {
        Ok((viewed, warnings)) => {
            eprint_diagnostics(&warnings, &ws.sources, color);
            super::out!("{}", render_timeline_text(&viewed.timeline, width));
            Exit::Success
        }
        Err(diagnostics) => {
            eprint_diagnostics(&diagnostics, &ws.sources, color);
            Exit::Failure
        }
    }
}
