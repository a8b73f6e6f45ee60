//! `covenant fmt [--check] PATH…`: lays files out in the canonical layout.

use std::path::PathBuf;

use super::{eprint_diagnostics, Exit};
use crate::format::format_source;
use crate::pipeline::find_cov_files;
use crate::workspace::Workspace;

/// Formats every `.cov` file under the paths, or with `check` only names the
/// files that would change; exit 1 when a file does not parse, cannot be
/// written, or (with `check`) is not formatted.
pub fn run(paths: &[PathBuf], check: bool, color: bool) -> Exit {
    let mut ws = Workspace::new();
    let mut failed = false;
    let mut changed = 0usize;
    let files = find_cov_files(paths);
    for file in &files {
        let (id, parsed) = ws.load(file, None);
        let text = id.and_then(|id| ws.sources.get(id).map(|f| (id, f.text.clone())));
        let formatted = match (parsed, text) {
            (Ok(_), Some((id, text))) => format_source(&text, id).map(|out| (out, text)),
            (Err(diagnostics), _) => Err(diagnostics),
            (Ok(_), None) => Err(Vec::new()),
        };
        let (output, text) = match formatted {
            Ok(pair) => pair,
            Err(diagnostics) => {
                // A file that does not parse is left untouched: its layout
                // cannot be known without its structure.
                eprint_diagnostics(&diagnostics, &ws.sources, color);
                super::outln!("{}: not formatted, it does not parse", file.display());
                failed = true;
                continue;
            }
        };
        if output == *text {
            continue;
        }
        changed += 1;
        if check {
            super::outln!("{}: would be reformatted", file.display());
            failed = true;
        } else if let Err(e) = std::fs::write(file, output) {
            eprintln!("error: cannot write {}: {e}", file.display());
            failed = true;
        } else {
            super::outln!("{}: reformatted", file.display());
        }
    }
    let verb = if check {
        "would be reformatted"
    } else {
        "reformatted"
    };
    super::outln!(
        "{changed} of {} file{} {verb}",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    if failed {
        Exit::Failure
    } else {
        Exit::Success
    }
}
