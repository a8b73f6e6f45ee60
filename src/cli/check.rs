//! `covenant check FILE…`

use std::path::PathBuf;

use serde::Serialize;

use super::{eprint_diagnostics, Deny, Exit, Format};
use crate::diagnostic::{has_errors, to_json, JsonDiagnostic, Severity};
use crate::pipeline::check_files;
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

/// Checks each file; exit 1 when any has errors, or findings at or above the `deny` level.
pub fn run(files: &[PathBuf], format: Format, deny: Option<Deny>, color: bool) -> Exit {
    let mut ws = Workspace::new();
    let mut failed = false;
    let mut results = Vec::new();
    // Checking a contract and a scenario that uses it reports the contract's
    // warnings once, not once per file that reaches it.
    let mut seen = std::collections::HashSet::new();
    let denied = match deny {
        None => Severity::Error,
        Some(Deny::Warnings) => Severity::Warning,
        Some(Deny::Advice) => Severity::Advice,
    };
    let checked = check_files(&mut ws, files);
    for (file, mut diagnostics) in files.iter().zip(checked) {
        diagnostics.retain(|d| seen.insert((d.code, d.span(), d.message.clone())));
        let errors = has_errors(&diagnostics);
        let denied_here = diagnostics.iter().any(|d| d.severity >= denied);
        failed |= denied_here;
        match format {
            Format::Text => {
                eprint_diagnostics(&diagnostics, &ws.sources, color);
                let worst = diagnostics.iter().map(|d| d.severity).max();
                let status = match (errors, worst, denied_here) {
                    (true, _, _) => "has errors",
                    (false, None, _) => "ok",
                    (false, Some(Severity::Warning), true) => "fails: warnings denied",
                    (false, Some(Severity::Advice), true) => "fails: advice denied",
                    (false, Some(Severity::Advice), false) => "ok, with advice",
                    (false, Some(_), _) => "ok, with warnings",
                };
                super::outln!("{}: {status}", file.display());
            }
            Format::Json => results.push(FileResult {
                file: file.display().to_string(),
                ok: !denied_here,
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
