//! `covenant consolidate CONTRACT.cov --as-of DATE [-o FILE]`

use std::path::{Path, PathBuf};

use super::{eprint_diagnostics, Exit};
use crate::calendar::Date;
use crate::consolidate::consolidate;
use crate::workspace::Workspace;

/// Prints (or writes) the contract as it stands on `as_of`; exit 1 when the chain has errors.
pub fn run(path: &Path, as_of: Date, output: Option<&PathBuf>, color: bool) -> Exit {
    let mut ws = Workspace::new();
    match consolidate(&mut ws, path, as_of) {
        Ok(c) => match output {
            Some(out) => match std::fs::write(out, &c.text) {
                Ok(()) => Exit::Success,
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", out.display());
                    Exit::Usage
                }
            },
            None => {
                super::out!("{}", c.text);
                Exit::Success
            }
        },
        Err(diagnostics) => {
            eprint_diagnostics(&diagnostics, &ws.sources, color);
            Exit::Failure
        }
    }
}
