//! Batch evaluation for tools: scenarios as JSON Lines in, one JSON result
//! per line out, in input order, evaluated in parallel.
//!
//! Each input line mirrors a `.cov` scenario (see docs/json-schema.md,
//! `covenant.batch/1`); it is rendered to scenario text and goes through the
//! same parser and checker as a file, so a batch line and a file never
//! disagree. Contracts are loaded and checked once per distinct path; a
//! malformed line yields an error record for that line and the rest go on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::check::scenario::plan_scenario;
use crate::check::{build_model, load_chain, Model};
use crate::diagnostic::{has_errors, to_json, Diagnostic, JsonDiagnostic};
use crate::eval::{evaluate, Options};
use crate::report::json::{scenario_report, ScenarioReport};
use crate::source::SourceMap;
use crate::syntax::ast::Document;
use crate::syntax::parse_document;
use crate::workspace::Workspace;

/// One input line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchScenario {
    /// Echoed back in the result, to match answers to questions.
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    /// The contract or amendment file, relative to the current folder.
    pub contract: String,
    /// The scenario's name (default `batch`).
    #[serde(default)]
    pub name: Option<String>,
    /// `set PARAM = VALUE` lines: param name to a value as written in `.cov` (`"USD 20 billion"`).
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// Event lines without the leading `on`: `"2027-03-01 openai distribute via aws"`.
    #[serde(default)]
    pub events: Vec<String>,
    /// Metric figures: metric name to period to amount (`{"openai_revenue": {"2027": "USD 30 billion"}}`).
    #[serde(default)]
    pub figures: BTreeMap<String, BTreeMap<String, String>>,
    /// Expectation lines without the leading `expect`.
    #[serde(default)]
    pub expect: Vec<String>,
    /// Stop the timeline on this date (`YYYY-MM-DD`).
    #[serde(default)]
    pub as_of: Option<String>,
}

/// One output line.
#[derive(Debug, Serialize)]
pub struct BatchResult {
    /// Always `covenant.batch/1`.
    pub schema: &'static str,
    /// The 1-based input line.
    pub line: usize,
    /// The input's `id`, if any.
    pub id: Option<serde_json::Value>,
    /// Whether the scenario checked and evaluated (expectations may still fail).
    pub ok: bool,
    /// Why not, for a malformed line.
    pub error: Option<String>,
    /// Diagnostics from checking the line's scenario.
    pub diagnostics: Vec<JsonDiagnostic>,
    /// The evaluation, in the `covenant.report/1` scenario form.
    pub report: Option<ScenarioReport>,
}

impl BatchResult {
    fn error(
        line: usize,
        id: Option<serde_json::Value>,
        error: String,
        diagnostics: Vec<JsonDiagnostic>,
    ) -> Self {
        BatchResult {
            schema: "covenant.batch/1",
            line,
            id,
            ok: false,
            error: Some(error),
            diagnostics,
            report: None,
        }
    }
}

/// Renders a batch line as `.cov` scenario text. Values are written as in a
/// `.cov` file; a line break in one would start another line, so it is refused.
pub fn scenario_text(s: &BatchScenario) -> Result<String, String> {
    let mut pieces: Vec<&str> = vec![&s.contract];
    pieces.extend(s.name.iter().map(String::as_str));
    pieces.extend(s.set.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]));
    pieces.extend(s.events.iter().map(String::as_str));
    pieces.extend(s.expect.iter().map(String::as_str));
    for (m, periods) in &s.figures {
        pieces.push(m);
        pieces.extend(periods.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]));
    }
    if pieces.iter().any(|p| p.contains(['\n', '\r', '{', '}'])) {
        return Err("values must not contain line breaks or braces".to_owned());
    }
    if s.contract.contains('"') {
        return Err("the contract path must not contain a double quote".to_owned());
    }
    let mut t = format!(
        "scenario {} {{\n  contract \"{}\"\n",
        s.name.as_deref().unwrap_or("batch"),
        s.contract
    );
    for (k, v) in &s.set {
        t.push_str(&format!("  set {k} = {v}\n"));
    }
    for e in &s.events {
        t.push_str(&format!("  on {e}\n"));
    }
    for (m, periods) in &s.figures {
        for (p, a) in periods {
            t.push_str(&format!("  {m} for {p} is {a}\n"));
        }
    }
    for x in &s.expect {
        t.push_str(&format!("  expect {x}\n"));
    }
    t.push_str("}\n");
    Ok(t)
}

/// Contracts loaded once for the whole batch.
struct Contracts {
    sources: SourceMap,
    models: BTreeMap<PathBuf, Result<Model, Vec<JsonDiagnostic>>>,
}

fn load_contracts(records: &[Result<BatchScenario, String>]) -> Contracts {
    let mut ws = Workspace::new();
    let mut models = BTreeMap::new();
    for r in records.iter().flatten() {
        let path = crate::workspace::normalize(Path::new(&r.contract));
        if models.contains_key(&path) {
            continue;
        }
        let model = match load_chain(&mut ws, &path, None) {
            Ok(chain) => {
                let checked = build_model(&chain);
                checked
                    .value
                    .ok_or_else(|| to_json(&checked.diagnostics, &ws.sources))
            }
            Err(d) => Err(to_json(&d, &ws.sources)),
        };
        models.insert(path, model);
    }
    Contracts {
        sources: ws.sources,
        models,
    }
}

fn evaluate_one(
    contracts: &Contracts,
    line: usize,
    record: &Result<BatchScenario, String>,
) -> BatchResult {
    let record = match record {
        Ok(r) => r,
        Err(e) => return BatchResult::error(line, None, e.clone(), Vec::new()),
    };
    let id = record.id.clone();
    let path = crate::workspace::normalize(Path::new(&record.contract));
    let model = match contracts.models.get(&path) {
        Some(Ok(m)) => m,
        Some(Err(d)) => {
            return BatchResult::error(
                line,
                id,
                format!(
                    "the contract {} cannot be loaded or does not check",
                    record.contract
                ),
                d.clone(),
            )
        }
        None => {
            return BatchResult::error(
                line,
                id,
                "internal: contract not loaded".to_owned(),
                Vec::new(),
            )
        }
    };
    let as_of = match record
        .as_of
        .as_deref()
        .map(|d| Date::parse_from_str(d, "%Y-%m-%d"))
    {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            return BatchResult::error(
                line,
                id,
                "as_of is not a date like 2026-04-27".to_owned(),
                Vec::new(),
            )
        }
    };
    let text = match scenario_text(record) {
        Ok(t) => t,
        Err(e) => return BatchResult::error(line, id, e, Vec::new()),
    };
    let mut sources = contracts.sources.clone();
    let file = sources.add(
        format!("<batch line {line}>"),
        format!("<batch line {line}>"),
        std::sync::Arc::from(text.as_str()),
    );
    let document = match parse_document(&text, file) {
        Ok(d) => d,
        Err(d) => {
            return BatchResult::error(
                line,
                id,
                "the scenario does not parse".to_owned(),
                to_json(&d, &sources),
            )
        }
    };
    let Document::Scenario(scenario) = &document else {
        return BatchResult::error(line, id, "internal: not a scenario".to_owned(), Vec::new());
    };
    let mut model = model.clone();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let plan = plan_scenario(&mut model, scenario, file, &mut diagnostics);
    let json_diagnostics = to_json(&diagnostics, &sources);
    let Some(plan) = plan.filter(|_| !has_errors(&diagnostics)) else {
        return BatchResult::error(
            line,
            id,
            "the scenario does not check".to_owned(),
            json_diagnostics,
        );
    };
    match evaluate(&model, &plan, &sources, Options { as_of }) {
        Ok(ev) => BatchResult {
            schema: "covenant.batch/1",
            line,
            id,
            ok: true,
            error: None,
            diagnostics: json_diagnostics,
            report: Some(scenario_report(
                &ev,
                &format!("<batch line {line}>"),
                &sources,
            )),
        },
        Err(d) => BatchResult::error(
            line,
            id,
            "the scenario cannot be evaluated".to_owned(),
            to_json(&d, &sources),
        ),
    }
}

/// Evaluates JSON Lines text with `jobs` threads; calls `emit` with each
/// result line in input order and `progress` with the count done so far.
pub fn run_batch(
    input: &[u8],
    jobs: usize,
    emit: &mut dyn FnMut(&str),
    progress: &(dyn Fn(usize, usize) + Sync),
) -> (usize, usize) {
    // Lines are read as bytes so that one line that is not UTF-8 gets its own
    // error record instead of stopping the whole batch.
    let lines: Vec<(usize, Option<&str>)> = input
        .split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, l)| {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            (i + 1, std::str::from_utf8(l).ok())
        })
        .filter(|(_, l)| !l.is_some_and(|t| t.trim().is_empty()))
        .collect();
    let records: Vec<Result<BatchScenario, String>> = lines
        .iter()
        .map(|(_, l)| match l {
            Some(l) => serde_json::from_str::<BatchScenario>(l)
                .map_err(|e| format!("not a batch scenario: {e}")),
            None => Err("the line is not UTF-8 text; write each line as UTF-8 JSON".to_owned()),
        })
        .collect();
    let contracts = load_contracts(&records);
    let total = records.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let mut results: Vec<Option<String>> = vec![None; total];
    let jobs = jobs.clamp(1, 256);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let mut out: Vec<(usize, String)> = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let (Some((line, _)), Some(record)) = (lines.get(i), records.get(i)) else {
                            break;
                        };
                        let result = evaluate_one(&contracts, *line, record);
                        out.push((i, serde_json::to_string(&result).unwrap_or_default()));
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        progress(n, total);
                    }
                    out
                })
            })
            .collect();
        for w in workers {
            if let Ok(out) = w.join() {
                for (i, text) in out {
                    if let Some(slot) = results.get_mut(i) {
                        *slot = Some(text);
                    }
                }
            }
        }
    });
    // A line counts as passed when it evaluated and none of its expectations failed.
    let mut passed = 0;
    for r in results.into_iter().flatten() {
        if r.contains("\"ok\":true") && !r.contains("\"passed\":false") {
            passed += 1;
        }
        emit(&r);
    }
    (passed, total - passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_scenario_text() {
        let s: BatchScenario = serde_json::from_str(
            r#"{"contract":"c.cov","name":"n","set":{"cap":"USD 1"},"events":["2027-03-01 a b"],"figures":{"m":{"2027":"USD 2"}},"expect":["contract ends on 2030-01-01"]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            scenario_text(&s).as_deref(),
            Ok("scenario n {\n  contract \"c.cov\"\n  set cap = USD 1\n  on 2027-03-01 a b\n  m for 2027 is USD 2\n  expect contract ends on 2030-01-01\n}\n")
        );
        let bad: BatchScenario =
            serde_json::from_str(r#"{"contract":"c.cov","events":["x }\n scenario"]}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert!(scenario_text(&bad).is_err());
    }
}
