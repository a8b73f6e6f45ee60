//! Renderings of a sweep: a text table, CSV and the versioned JSON schema
//! `covenant.sweep/1`.
//!
//! Every point answers the same questions, so the answers line up as
//! columns. An answer that is the same at every point is said once above the
//! table; the table shows only the answers that vary, and the section after it
//! names where each one changes, folding a run of changes at every step (an
//! amount that follows the param) into one line.

use std::fmt::Write as _;

use serde::Serialize;

use crate::strategy::answers::{AnswerKind, KeyAnswer};
use crate::strategy::sweep::{Sweep, SweepPoint};

/// The JSON schema identifier of sweep reports.
pub const SWEEP_SCHEMA: &str = "covenant.sweep/1";

/// A question answered at the points of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// The question.
    pub key: String,
    /// Its kind (`end`, `total`, `cap`, `owed`, `verdict`, `expectation`, `breaches`).
    pub kind: &'static str,
    /// Whether its answer differs between points.
    pub varies: bool,
    /// The currency, for money answers.
    pub currency: Option<String>,
    #[serde(skip)]
    answer_kind: Option<AnswerKind>,
    /// Where the answer usually stands in a point's list (points answer in the same order).
    #[serde(skip)]
    hint: usize,
}

impl Column {
    /// The answer's kind.
    pub fn answer_kind(&self) -> Option<AnswerKind> {
        self.answer_kind
    }
}

/// The questions of a sweep in first-answered order, each marked as varying or not.
pub fn columns(sweep: &Sweep) -> Vec<Column> {
    let mut out: Vec<Column> = Vec::new();
    for p in &sweep.points {
        // Most points answer the same questions in the same order: skip the search then.
        let same =
            p.answers.len() == out.len() && p.answers.iter().zip(&out).all(|(a, c)| a.key == c.key);
        if same {
            continue;
        }
        for (i, a) in p.answers.iter().enumerate() {
            if !out.iter().any(|c| c.key == a.key) {
                out.push(Column {
                    key: a.key.clone(),
                    kind: a.kind.key(),
                    varies: false,
                    currency: a.money.map(|m| m.currency.to_string()),
                    answer_kind: Some(a.kind),
                    hint: i,
                });
            }
        }
    }
    for c in &mut out {
        let mut values = sweep.points.iter().map(|p| value_in(p, c));
        let first = values.next();
        c.varies = first.is_some_and(|f| values.any(|v| v != f));
    }
    out
}

/// A point's answer to a question, or a dash when it has none.
pub fn value_of<'a>(point: &'a SweepPoint, key: &str) -> &'a str {
    if point.error.is_some() {
        return "error";
    }
    point
        .answers
        .iter()
        .find(|a| a.key == key)
        .map_or("—", |a| a.value.as_str())
}

fn answer_of<'a>(point: &'a SweepPoint, key: &str) -> Option<&'a KeyAnswer> {
    point.answers.iter().find(|a| a.key == key)
}

/// A point's answer to a column's question, looked up where it usually stands first.
fn answer_in<'a>(point: &'a SweepPoint, column: &Column) -> Option<&'a KeyAnswer> {
    match point.answers.get(column.hint) {
        Some(a) if a.key == column.key => Some(a),
        _ => answer_of(point, &column.key),
    }
}

/// [`value_of`] for a column.
pub fn value_in<'a>(point: &'a SweepPoint, column: &Column) -> &'a str {
    if point.error.is_some() {
        return "error";
    }
    answer_in(point, column).map_or("—", |a| a.value.as_str())
}

/// A short form for table cells: `pass`/`FAIL` for expectations, the verdict word for verdicts.
pub fn cell(point: &SweepPoint, column: &Column) -> String {
    if let Some(e) = &point.error {
        return format!("error: {e}");
    }
    match (column.answer_kind, answer_in(point, column)) {
        (_, None) => "—".to_owned(),
        (Some(AnswerKind::Expectation), Some(a)) => match a.passed {
            Some(true) => "pass".to_owned(),
            _ => "FAIL".to_owned(),
        },
        (Some(AnswerKind::Verdict), Some(a)) if a.value.starts_with("permitted") => {
            "permitted".to_owned()
        }
        (_, Some(a)) => a.value.clone(),
    }
}

/// One place where an answer changes between neighbouring points.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRun {
    /// The question.
    pub key: String,
    /// The values of the other axes, when the sweep is a grid (`other = value`).
    pub with: Vec<String>,
    /// The swept param.
    pub param: String,
    /// The param's value before the first change of the run.
    pub from: String,
    /// The param's value at the last change of the run.
    pub to: String,
    /// The answer before.
    pub before: String,
    /// The answer after.
    pub after: String,
    /// How many consecutive steps changed it (1: one threshold; more: it follows the param).
    pub steps: usize,
}

/// Where each varying answer changes along the last axis (with the other axes held), runs folded.
pub fn changes(sweep: &Sweep, columns: &[Column]) -> Vec<ChangeRun> {
    let Some(last) = sweep.axes.len().checked_sub(1) else {
        return Vec::new();
    };
    let Some(axis) = sweep.axes.get(last) else {
        return Vec::new();
    };
    let len = axis.values.len().max(1);
    let mut out = Vec::new();
    for c in columns.iter().filter(|c| c.varies) {
        for row in sweep.points.chunks(len) {
            let with: Vec<String> = row
                .first()
                .map(|p| {
                    let shown = sweep.shown(p);
                    sweep
                        .axes
                        .iter()
                        .zip(shown)
                        .take(last)
                        .map(|(a, v)| format!("{} = {v}", a.param))
                        .collect()
                })
                .unwrap_or_default();
            let mut run: Option<ChangeRun> = None;
            let mut previous_index = 0usize;
            for (i, pair) in row.windows(2).enumerate() {
                let [a, b] = pair else { continue };
                let (va, vb) = (value_in(a, c), value_in(b, c));
                if va == vb {
                    continue;
                }
                let shown_a = sweep.shown(a).get(last).cloned().unwrap_or_default();
                let shown_b = sweep.shown(b).get(last).cloned().unwrap_or_default();
                match run.as_mut() {
                    Some(r) if previous_index + 1 == i => {
                        r.to = shown_b;
                        r.after = vb.to_owned();
                        r.steps += 1;
                    }
                    _ => {
                        out.extend(run.take());
                        run = Some(ChangeRun {
                            key: c.key.clone(),
                            with: with.clone(),
                            param: axis.param.clone(),
                            from: shown_a,
                            to: shown_b,
                            before: va.to_owned(),
                            after: vb.to_owned(),
                            steps: 1,
                        });
                    }
                }
                previous_index = i;
            }
            out.extend(run);
        }
    }
    out
}

/// The sweep as a text report: the constant answers, the table, and where answers change.
pub fn render_sweep_text(sweep: &Sweep, file: &str) -> String {
    let mut out = String::new();
    let title = sweep
        .title
        .as_deref()
        .map(|t| format!(" — {t}"))
        .unwrap_or_default();
    let _ = writeln!(out, "Sweep of scenario {}{title}", sweep.scenario);
    let _ = writeln!(out, "  file: {file}");
    for a in &sweep.axes {
        let _ = writeln!(
            out,
            "  {} = {} ({} values)",
            a.param,
            a.range,
            a.values.len()
        );
    }
    let failed = sweep.points.iter().filter(|p| p.error.is_some()).count();
    let _ = writeln!(
        out,
        "  {} points evaluated{}",
        sweep.points.len(),
        if failed > 0 {
            format!(", {failed} with errors")
        } else {
            String::new()
        }
    );
    let cols = columns(sweep);
    out.push_str("\nThe same at every point\n");
    let mut constant_owed = 0usize;
    let mut any = false;
    for c in cols.iter().filter(|c| !c.varies) {
        if c.answer_kind == Some(AnswerKind::Owed) {
            constant_owed += 1;
            continue;
        }
        let value = sweep.points.first().map(|p| value_in(p, c)).unwrap_or("—");
        let _ = writeln!(out, "  {}: {value}", c.key);
        any = true;
    }
    if constant_owed > 0 {
        let _ = writeln!(
            out,
            "  and {constant_owed} period amount{} (listed with --format csv or json)",
            if constant_owed == 1 { "" } else { "s" }
        );
    } else if !any {
        out.push_str("  nothing\n");
    }

    let varying: Vec<&Column> = cols.iter().filter(|c| c.varies).collect();
    out.push_str("\nPoints\n");
    let mut headers: Vec<String> = sweep.axes.iter().map(|a| a.param.clone()).collect();
    let mut legend = Vec::new();
    for c in &varying {
        if c.answer_kind == Some(AnswerKind::Expectation) {
            legend.push(c.key.clone());
            headers.push(format!("expect #{}", legend.len()));
        } else {
            headers.push(c.key.clone());
        }
    }
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(sweep.points.len());
    for p in &sweep.points {
        let mut row = sweep.shown(p);
        if p.error.is_some() {
            row.push(cell(
                p,
                varying.first().copied().unwrap_or(&Column {
                    key: String::new(),
                    kind: "",
                    varies: true,
                    currency: None,
                    answer_kind: None,
                    hint: 0,
                }),
            ));
        } else {
            for c in &varying {
                row.push(cell(p, c));
            }
        }
        rows.push(row);
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, v) in widths.iter_mut().zip(row) {
            *w = (*w).max(v.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (v, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w.saturating_sub(v.chars().count());
            // Answers read best right-aligned; the params lead on the left.
            if i < sweep.axes.len() {
                let _ = write!(text, "  {v}{}", " ".repeat(pad));
            } else {
                let _ = write!(text, "  {}{v}", " ".repeat(pad));
            }
        }
        text.trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(&headers));
    for row in &rows {
        let _ = writeln!(out, "{}", line(row));
    }
    for (i, key) in legend.iter().enumerate() {
        let _ = writeln!(
            out,
            "  expect #{}: {}",
            i + 1,
            key.trim_start_matches("expect ")
        );
    }

    out.push_str("\nWhere answers change\n");
    let runs = changes(sweep, &cols);
    if runs.is_empty() {
        out.push_str("  nowhere: every point gives the same answers\n");
    }
    let mut last_key = String::new();
    for r in &runs {
        if r.key != last_key {
            let _ = writeln!(out, "  {}", r.key);
            last_key = r.key.clone();
        }
        let with = if r.with.is_empty() {
            String::new()
        } else {
            format!(" (with {})", r.with.join(", "))
        };
        if r.steps == 1 {
            let _ = writeln!(
                out,
                "    between {} = {} and {}{with}: {} → {}",
                r.param, r.from, r.to, r.before, r.after
            );
        } else {
            let _ = writeln!(
                out,
                "    from {} = {} to {}{with}: changes at each of {} steps, {} → {}",
                r.param, r.from, r.to, r.steps, r.before, r.after
            );
        }
    }
    out
}

/// Quotes a CSV field when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The sweep as CSV: one row per point, every answer a column; money as a
/// plain decimal with the currency in the header.
pub fn render_sweep_csv(sweep: &Sweep) -> String {
    let cols = columns(sweep);
    let mut out = String::new();
    let mut header: Vec<String> = sweep
        .axes
        .iter()
        .map(|a| match a.values.first() {
            Some(
                crate::syntax::ast::Literal::Money(_) | crate::syntax::ast::Literal::Percent(_),
            ) => {
                format!("{} ({})", a.param, a.unit)
            }
            _ => a.param.clone(),
        })
        .collect();
    for c in &cols {
        header.push(match &c.currency {
            Some(cur) => format!("{} ({cur})", c.key),
            None => c.key.clone(),
        });
    }
    header.push("failed expectations".to_owned());
    header.push("error".to_owned());
    let _ = writeln!(
        out,
        "{}",
        header
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(",")
    );
    for p in &sweep.points {
        let mut row: Vec<String> = sweep
            .axes
            .iter()
            .zip(&p.at)
            .map(|(a, i)| match a.values.get(*i) {
                Some(crate::syntax::ast::Literal::Money(m)) => m.amount.normalize().to_string(),
                Some(crate::syntax::ast::Literal::Percent(r)) => r.0.normalize().to_string(),
                _ => a.shown.get(*i).cloned().unwrap_or_default(),
            })
            .collect();
        for c in &cols {
            let v = match answer_in(p, c) {
                Some(a) => match (a.money, a.passed) {
                    (Some(m), _) => m.plain(),
                    (None, Some(true)) => "pass".to_owned(),
                    (None, Some(false)) => format!("fail: {}", a.value),
                    (None, None) => a.value.clone(),
                },
                None => String::new(),
            };
            row.push(v);
        }
        row.push(p.failures.to_string());
        row.push(p.error.clone().unwrap_or_default());
        let _ = writeln!(
            out,
            "{}",
            row.iter()
                .map(|v| csv_field(v))
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    out
}

/// A sweep as JSON (`covenant.sweep/1`).
#[derive(Debug, Serialize)]
pub struct SweepReport {
    /// Always [`SWEEP_SCHEMA`].
    pub schema: &'static str,
    /// The scenario file.
    pub file: String,
    /// The scenario's name.
    pub scenario: String,
    /// Its title.
    pub title: Option<String>,
    /// The swept params.
    pub params: Vec<JsonAxis>,
    /// Every question answered, in order.
    pub columns: Vec<Column>,
    /// Every point.
    pub points: Vec<JsonPoint>,
    /// Where answers change along the last param.
    pub changes: Vec<ChangeRun>,
}

/// A swept param in JSON.
#[derive(Debug, Serialize)]
pub struct JsonAxis {
    /// Its name.
    pub name: String,
    /// The range as given.
    pub range: String,
    /// Its values, shown.
    pub values: Vec<String>,
}

/// A point in JSON.
#[derive(Debug, Serialize)]
pub struct JsonPoint {
    /// The param values, in the order of `params`.
    pub params: Vec<String>,
    /// Answers by question; money as `{currency, amount}` with a decimal string.
    pub answers: serde_json::Map<String, serde_json::Value>,
    /// Failed expectations at this point.
    pub failed_expectations: usize,
    /// Why the point could not be evaluated.
    pub error: Option<String>,
}

/// Builds the JSON report of a sweep.
pub fn sweep_report(sweep: &Sweep, file: &str) -> SweepReport {
    let cols = columns(sweep);
    let points = sweep
        .points
        .iter()
        .map(|p| {
            let mut answers = serde_json::Map::new();
            for a in &p.answers {
                let value = match (a.money, a.passed) {
                    (Some(m), _) => serde_json::json!({
                        "currency": m.currency.to_string(),
                        "amount": m.plain(),
                    }),
                    (None, Some(passed)) => serde_json::json!({
                        "passed": passed,
                        "actual": a.value,
                    }),
                    (None, None) => serde_json::Value::String(a.value.clone()),
                };
                answers.insert(a.key.clone(), value);
            }
            JsonPoint {
                params: sweep.shown(p),
                answers,
                failed_expectations: p.failures,
                error: p.error.clone(),
            }
        })
        .collect();
    SweepReport {
        schema: SWEEP_SCHEMA,
        file: file.to_owned(),
        scenario: sweep.scenario.clone(),
        title: sweep.title.clone(),
        params: sweep
            .axes
            .iter()
            .map(|a| JsonAxis {
                name: a.param.clone(),
                range: a.range.clone(),
                values: a.shown.clone(),
            })
            .collect(),
        changes: changes(sweep, &cols),
        columns: cols,
        points,
    }
}
