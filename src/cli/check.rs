//! `covenant check FILE…`

use std::path::PathBuf;

use serde::Serialize;

use super::{eprint_diagnostics, Exit, Format};
use crate::diagnostic::{has_errors, to_json, JsonDiagnostic};
use crate::pipeline::check_path;
use crate::workspace::Workspace;

#[derive(Serialize)]
struct CheckReport {
    schema: &'static str,
    files: Vec<FileResult>,
}

#[derive(Serialize)]
struct FileResult {
    file: String,
    ok: bool,
    diagnostics: Vec<JsonDiagnostic>,
}

/// Checks each file; exit 1 when any has errors.
pub fn run(files: &[PathBuf], format: Format, color: bool) -> Exit {
    let mut ws = Workspace::new();
    let mut failed = false;
    let mut results = Vec::new();
    // Checking a contract and a scenario that uses it reports the contract's
    // warnings once, not once per file that reaches it.
    let mut seen = std::collections::HashSet::new();
    for file in files {
        let mut diagnostics = check_path(&mut ws, file);
        diagnostics.retain(|d| seen.insert((d.code, d.span(), d.message.clone())));
        let errors = has_errors(&diagnostics);
        failed |= errors;
        match format {
            Format::Text => {
                eprint_diagnostics(&diagnostics, &ws.sources, color);
                let status = if errors {
                    "has errors"
                } else if diagnostics.is_empty() {
                    "ok"
                } else {
                    "ok, with warnings"
                };
                super::outln!("{}: {status}", file.display());
            }
            Format::Json => results.push(FileResult {
                file: file.display().to_string(),
                ok: !errors,
                diagnostics: to_json(&diagnostics, &ws.sources),
            }),
        }
    }
    if format == Format::Json {
        let report = CheckReport {
            schema: "covenant.check/1",
            files: results,
        };
        super::outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    }
    if failed {
        Exit::Failure
    } else {
        Exit::Success
    }
}
