//! The visual report: one self-contained HTML file per run of `covenant report`.
//!
//! Everything is inline — styles, charts drawn by hand as SVG, and a few lines
//! of script — and a Content-Security-Policy forbids every fetch, so the file
//! can be opened anywhere and forwarded as it is. Text (titles, labels,
//! amounts) is real text, selectable and searchable; every chart has a title,
//! axes with units and a legend. Elements carry `id`s and `data-` attributes
//! with exact values, which is what the browser test reads back.
//!
//! The first script records any script error or `console.error` into
//! `#console-errors`, so that a headless browser's DOM dump shows whether the
//! page ran cleanly.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::svg::{colour, esc, money_scale, position, tick_label, ticks};
use super::timeline::Timeline;
use crate::calendar::Date;
use crate::eval::{Accrual, Evaluation};
use crate::strategy::answers::AnswerKind;
use crate::strategy::sweep::Sweep;

/// One scenario in the report.
#[derive(Debug)]
pub struct ScenarioPage<'a> {
    /// The scenario file, as given.
    pub file: String,
    /// Its answers.
    pub evaluation: &'a Evaluation,
    /// Its timeline.
    pub timeline: &'a Timeline,
    /// Its conditional answers, when it leaves facts unknown.
    pub conditional: Option<&'a crate::strategy::unknown::Conditional>,
}

/// Extra sections after the scenarios.
#[derive(Debug, Default)]
pub struct Extras<'a> {
    /// A sweep of the (single) scenario, with its file.
    pub sweep: Option<(&'a Sweep, String)>,
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  margin: 0; color: #1d232a; background: #f6f7f9; line-height: 1.45; }
header, main, footer { max-width: 1040px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 36px 0 8px; border-bottom: 2px solid #1f5fa8; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 24px 0 8px; color: #33404d; }
section.card { background: #fff; border: 1px solid #dde2e8; border-radius: 8px; padding: 4px 22px 18px; margin: 22px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: #5b6875; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 6px 0 10px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e4e8ec; vertical-align: top; }
th { background: #eef2f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.fail td, span.fail { color: #a61b1b; } tr.pass td:first-child, span.pass { color: #1e7b3c; }
tr.breach td { color: #a61b1b; }
figure { margin: 10px 0 18px; }
figcaption { font-size: 13px; color: #5b6875; }
svg { max-width: 100%; height: auto; background: #fff; font-family: inherit; }
svg text { fill: #1d232a; font-size: 12px; }
svg .title { font-size: 15px; font-weight: 600; }
svg .axis line, svg .axis path { stroke: #8a96a3; }
svg .grid { stroke: #e4e8ec; }
svg .muted { fill: #5b6875; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; margin: 4px 0; }
.legend span.swatch { display: inline-block; width: 14px; height: 10px; margin-right: 6px; vertical-align: middle; border-radius: 2px; }
.note { color: #5b6875; font-size: 14px; }
footer { color: #5b6875; font-size: 13px; padding: 20px 24px 40px; }
#console-errors:empty { display: none; }
.scroll { overflow-x: auto; }
td.date { white-space: nowrap; }
#console-errors { color: #a61b1b; }
"#;

/// Records script errors into `#console-errors`, before anything else runs.
const RECORDER: &str = r#"(function () {
  var errors = [];
  function record(text) {
    errors.push(text);
    var box = document.getElementById("console-errors");
    if (box) { box.textContent = errors.join("\n"); }
  }
  window.addEventListener("error", function (e) { record("error: " + e.message); });
  window.addEventListener("unhandledrejection", function (e) { record("unhandled rejection: " + e.reason); });
  var original = console.error;
  console.error = function () {
    record("console.error: " + Array.prototype.join.call(arguments, " "));
    if (original) { original.apply(console, arguments); }
  };
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("console-errors");
    if (box && errors.length) { box.textContent = errors.join("\n"); }
  });
})();"#;

/// Marks the page as ready, and highlights a clause's row and bars together on hover.
const BEHAVIOUR: &str = r#"(function () {
  var rows = document.querySelectorAll("[data-clause]");
  rows.forEach(function (el) {
    el.addEventListener("mouseenter", function () {
      document.querySelectorAll('[data-clause="' + el.getAttribute("data-clause") + '"]').forEach(function (x) { x.classList.add("hover"); });
    });
    el.addEventListener("mouseleave", function () {
      document.querySelectorAll(".hover").forEach(function (x) { x.classList.remove("hover"); });
    });
  });
  document.body.setAttribute("data-ready", "yes");
})();"#;

/// Renders the whole report.
pub fn render_html(pages: &[ScenarioPage<'_>], extras: &Extras<'_>) -> String {
    let mut out = String::new();
    let names: Vec<&str> = pages
        .iter()
        .map(|p| p.evaluation.scenario.as_str())
        .collect();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <title>Covenant report — {}</title>\n<script>{RECORDER}</script>\n<style>{STYLE}\n.hover {{ opacity: 0.75; }}</style>\n</head>\n<body>\n",
        esc(&names.join(", "))
    );
    let _ = writeln!(
        out,
        "<header><h1>Covenant report</h1><p class=\"note\">{} scenario{} — {}. Generated by covenant {}; the page needs no network.</p></header>",
        pages.len(),
        if pages.len() == 1 { "" } else { "s" },
        esc(&names.join(", ")),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("<main>\n");
    for page in pages {
        scenario_section(&mut out, page);
    }
    if let Some((sweep, file)) = &extras.sweep {
        sweep_section(&mut out, sweep, file);
    }
    out.push_str("</main>\n<footer><pre id=\"console-errors\"></pre>Amounts are exact and rounded only for display, half away from zero to the currency's minor unit. Charts place amounts approximately; the tables give them exactly.</footer>\n");
    let _ = write!(out, "<script>{BEHAVIOUR}</script>\n</body>\n</html>\n");
    out
}

/// An id-safe form of a name.
fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn scenario_section(out: &mut String, page: &ScenarioPage<'_>) {
    let ev = page.evaluation;
    let id = slug(&ev.scenario);
    let _ = writeln!(
        out,
        "<section class=\"card scenario\" id=\"scenario-{id}\" data-scenario=\"{}\">",
        esc(&ev.scenario)
    );
    let title = ev
        .scenario_title
        .as_deref()
        .map(|t| format!(" — {}", esc(t)))
        .unwrap_or_default();
    let _ = writeln!(out, "<h2>Scenario {}{title}</h2>", esc(&ev.scenario));
    out.push_str("<dl class=\"facts\">");
    let _ = write!(out, "<dt>File</dt><dd>{}</dd>", esc(&page.file));
    let _ = write!(
        out,
        "<dt>Contract</dt><dd>{}{}, effective {}</dd>",
        esc(&ev.contract),
        ev.contract_title
            .as_deref()
            .map(|t| format!(" ({})", esc(t)))
            .unwrap_or_default(),
        ev.effective
    );
    for (name, date) in &ev.amendments {
        let _ = write!(
            out,
            "<dt>Amended by</dt><dd>{}, effective {date}</dd>",
            esc(name)
        );
    }
    let _ = write!(
        out,
        "<dt>Ends</dt><dd id=\"ends-{id}\" data-last-day=\"{}\">{} — {}</dd>",
        ev.end.last_day.map(|d| d.to_string()).unwrap_or_default(),
        ev.end
            .last_day
            .map_or_else(|| "not within the scenario".to_owned(), |d| d.to_string()),
        esc(&ev.end.reason)
    );
    for p in &ev.params {
        let _ = write!(
            out,
            "<dt>Param {}</dt><dd>{}{}</dd>",
            esc(&p.name),
            esc(&p.value),
            if p.computed {
                " (computed by the contract)"
            } else if p.set_by_scenario {
                " (set by the scenario)"
            } else {
                " (the contract's default)"
            }
        );
    }
    out.push_str("</dl>\n");

    if let Some(c) = page.conditional {
        conditional_section(out, c, &id);
        out.push_str("<p class=\"note\"><strong>Below, each unknown condition keeps the value it had before it became unknown</strong> (false for a condition without a default): the charts and tables show that one case, and the timeline hatches the days a clause is in force in some cases only; the conditional answers above give every case.</p>\n");
    }

    out.push_str("<h3>Timeline</h3>\n");
    timeline_svg(out, page.timeline, &id, page.conditional);

    out.push_str("<h3>Payments</h3>\n");
    payments(out, ev, &id);

    out.push_str("<h3>Verdicts</h3>\n");
    verdicts(out, ev, &id);

    out.push_str("<h3>Expectations</h3>\n");
    expectations(out, ev, &id);

    if !ev.notes.is_empty() {
        out.push_str("<h3>Notes</h3>\n<ul class=\"note\">");
        for n in &ev.notes {
            let _ = write!(out, "<li>{}</li>", esc(n));
        }
        out.push_str("</ul>\n");
    }
    if let Some(c) = page.conditional {
        settle_section(out, c, &id);
    }
    out.push_str("</section>\n");
}

// ----------------------------------------------------------------- unknown facts

fn conditional_section(out: &mut String, c: &crate::strategy::unknown::Conditional, id: &str) {
    use crate::strategy::unknown::Holds;
    let _ = write!(
        out,
        "<h3>Unknown facts and conditional answers</h3><p class=\"note\">The scenario leaves {} fact{} unknown, so each answer below is given for every case ({} in all), with no probabilities: an answer that differs between cases says on which facts it turns.</p><ul class=\"facts-unknown\">",
        c.facts.len(),
        if c.facts.len() == 1 { "" } else { "s" },
        c.cases
    );
    for f in &c.facts {
        let _ = write!(out, "<li>{}</li>", esc(&f.name()));
    }
    out.push_str("</ul>");
    let _ = write!(
        out,
        "<table class=\"conditional\" id=\"conditional-{id}\"><thead><tr><th>question</th><th>answer</th></tr></thead><tbody>"
    );
    for a in c.open() {
        let holds = match a.holds {
            Some(Holds::Always) => " (holds in every case)",
            Some(Holds::Sometimes) => " (holds in some cases only)",
            Some(Holds::Never) => " (holds in no case)",
            None => "",
        };
        let _ = write!(
            out,
            "<tr class=\"open\" data-key=\"{}\"><td>{}{holds}</td><td>{}</td></tr>",
            esc(&a.key),
            esc(&a.key),
            esc(&a.describe(&c.facts))
        );
    }
    out.push_str("</tbody></table>");
}

/// The report's last word on unknown facts: the smallest set that settles every open answer.
fn settle_section(out: &mut String, c: &crate::strategy::unknown::Conditional, id: &str) {
    out.push_str("<h3>What would settle the open answers</h3>");
    let _ = write!(
        out,
        "<p><strong>To settle every open answer, find out:</strong></p><ul class=\"settle\" id=\"settle-{id}\" data-facts=\"{}\">",
        c.settle.len()
    );
    if c.settle.is_empty() {
        out.push_str("<li>nothing: no answer depends on the unknown facts</li>");
    }
    for f in &c.settle {
        if let Some(f) = c.facts.get(*f) {
            let _ = write!(out, "<li>whether {}</li>", esc(&f.state(true)));
        }
    }
    out.push_str("</ul>\n");
}

// ----------------------------------------------------------------- timeline

fn timeline_svg(
    out: &mut String,
    t: &Timeline,
    id: &str,
    conditional: Option<&crate::strategy::unknown::Conditional>,
) {
    const WIDTH: f64 = 980.0;
    const LEFT: f64 = 190.0;
    const RIGHT: f64 = 24.0;
    const ROW: f64 = 24.0;
    const TOP: f64 = 64.0;
    let plot = WIDTH - LEFT - RIGHT;
    let days = ((t.end - t.start).num_days() + 1).max(1) as f64;
    let x = |d: Date| LEFT + ((d - t.start).num_days() as f64).clamp(0.0, days) / days * plot;
    let x_end =
        |d: Date| LEFT + (((d - t.start).num_days() + 1) as f64).clamp(0.0, days) / days * plot;
    let rows = 1 + t.clauses.len() + t.conditions.len() + 1;
    let height = TOP + rows as f64 * ROW + 46.0;
    let chart_title = format!(
        "Timeline of {} from {} to {}",
        t.title.as_deref().unwrap_or(&t.contract),
        t.start,
        t.end
    );
    let _ = writeln!(
        out,
        "<figure><svg id=\"timeline-{id}\" class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-labelledby=\"timeline-{id}-title\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    let _ = writeln!(
        out,
        "<title id=\"timeline-{id}-title\">{}</title><text class=\"title\" x=\"{LEFT}\" y=\"22\">{}</text><defs><pattern id=\"hatch-{id}\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#e9edf1\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#7f8c8d\" stroke-width=\"4\"/></pattern></defs>",
        esc(&chart_title),
        esc(&chart_title)
    );
    // Year grid and axis.
    let axis_y = TOP + rows as f64 * ROW + 6.0;
    let _ = writeln!(
        out,
        "<g class=\"axis\"><line x1=\"{LEFT}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\"/>",
        LEFT + plot
    );
    let first_year = chrono::Datelike::year(&t.start);
    let last_year = chrono::Datelike::year(&t.end);
    let step = ((last_year - first_year) / 14 + 1).max(1);
    let mut year = first_year + 1;
    while year <= last_year {
        if let Some(jan) = chrono::NaiveDate::from_ymd_opt(year, 1, 1) {
            let px = x(jan);
            let _ = writeln!(
                out,
                "<line class=\"grid\" x1=\"{px:.1}\" y1=\"{TOP}\" x2=\"{px:.1}\" y2=\"{axis_y}\"/><line x1=\"{px:.1}\" y1=\"{axis_y}\" x2=\"{px:.1}\" y2=\"{}\"/><text x=\"{px:.1}\" y=\"{}\" text-anchor=\"middle\">{year}</text>",
                axis_y + 5.0,
                axis_y + 19.0
            );
        }
        year += step;
    }
    let _ = writeln!(
        out,
        "<text class=\"muted\" x=\"{}\" y=\"{}\" text-anchor=\"end\">date (calendar year)</text></g>",
        LEFT + plot,
        axis_y + 36.0
    );
    let mut row = 0usize;
    let row_y = |r: usize| TOP + r as f64 * ROW;
    // The term.
    let term_end = t.last_day.unwrap_or(t.end);
    let y = row_y(row);
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">term</text><rect class=\"term\" x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"8\" fill=\"#33404d\"><title>The contract is in force from {} to {}</title></rect>",
        LEFT - 10.0,
        y + 15.0,
        y + 8.0,
        (x_end(term_end) - LEFT).max(1.0),
        t.start,
        term_end
    );
    row += 1;
    for c in &t.clauses {
        let y = row_y(row);
        let _ = writeln!(
            out,
            "<g class=\"clause-row\" data-clause=\"{}\"><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            esc(&c.name),
            LEFT - 10.0,
            y + 15.0,
            esc(&c.name)
        );
        for w in &c.windows {
            let x0 = x(w.start);
            let width = (x_end(w.end) - x0).max(1.5);
            let _ = writeln!(
                out,
                "<rect class=\"window\" data-clause=\"{}\" data-start=\"{}\" data-end=\"{}\" data-version=\"{}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"16\" rx=\"3\" fill=\"{}\"><title>{}: active from {} to {} under {}</title></rect>",
                esc(&c.name),
                w.start,
                w.end,
                w.version,
                y + 4.0,
                colour(w.version),
                esc(&c.name),
                w.start,
                w.end,
                esc(&w.label)
            );
        }
        // Days in force in some cases of the unknown facts only: hatched over the single case.
        let uncertain = conditional
            .and_then(|k| k.clause_days.iter().find(|d| d.clause == c.name))
            .map(|d| d.sometimes.as_slice())
            .unwrap_or_default();
        for (a, b) in uncertain {
            let x0 = x(*a);
            let width = (x_end(*b) - x0).max(1.5);
            let _ = writeln!(
                out,
                "<rect class=\"window uncertain\" data-clause=\"{}\" data-start=\"{a}\" data-end=\"{b}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"16\" rx=\"3\" fill=\"url(#hatch-{id})\" stroke=\"#7f8c8d\"><title>{}: in force from {a} to {b} in some cases of the unknown facts only</title></rect>",
                esc(&c.name),
                y + 4.0,
                esc(&c.name)
            );
        }
        out.push_str("</g>\n");
        row += 1;
    }
    for c in &t.conditions {
        let y = row_y(row);
        let _ = writeln!(
            out,
            "<g class=\"condition-row\" data-condition=\"{}\"><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-style=\"italic\">{}</text>",
            esc(&c.name),
            LEFT - 10.0,
            y + 15.0,
            esc(&c.name)
        );
        for (s, e, v) in &c.spans {
            let (fill, word) = match v {
                Some(true) => ("#9fd3ae", "true"),
                Some(false) => ("#f2b8b5", "false"),
                None => ("#d9d9d9", "unknown"),
            };
            let x0 = x(*s);
            let _ = writeln!(
                out,
                "<rect class=\"condition {word}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"10\" fill=\"{fill}\"><title>{} is {word} from {s} to {e}</title></rect>",
                y + 7.0,
                (x_end(*e) - x0).max(1.5),
                esc(&c.name)
            );
        }
        out.push_str("</g>\n");
        row += 1;
    }
    // Amendments: a dashed line across every row, labelled at the top.
    for (i, (name, date)) in t.amendments.iter().enumerate() {
        let px = x(*date);
        let _ = writeln!(
            out,
            "<g class=\"amendment\" data-amendment=\"{}\" data-date=\"{date}\"><line x1=\"{px:.1}\" y1=\"{}\" x2=\"{px:.1}\" y2=\"{axis_y}\" stroke=\"#8e44ad\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/><text x=\"{:.1}\" y=\"{}\" fill=\"#8e44ad\">{} ({date})</text><title>Amendment {} takes effect on {date}</title></g>",
            esc(name),
            TOP - 14.0,
            px + 4.0,
            TOP - 16.0 + (i % 2) as f64 * 12.0,
            esc(name),
            esc(name)
        );
    }
    // Events.
    let y = row_y(row) + 12.0;
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">events</text>",
        LEFT - 10.0,
        y + 4.0
    );
    // With unknown facts, a breach of the case shown may not happen in every case.
    let open_breaches = conditional.and_then(|c| {
        c.answers
            .iter()
            .find(|a| a.key == "breaches" && a.settled.is_none())
            .map(|a| a.describe(&c.facts))
    });
    let breach_word = if open_breaches.is_some() {
        "Breach in the case shown (not in every case)"
    } else {
        "Breach"
    };
    for m in &t.markers {
        let px = x(m.date);
        if m.breach {
            let _ = writeln!(
                out,
                "<g class=\"event breach\" data-date=\"{}\"><path d=\"M{:.1} {:.1} l10 10 m0 -10 l-10 10\" stroke=\"#c0392b\" stroke-width=\"3\"/><title>{breach_word} on {}: {}</title></g>",
                m.date,
                px - 5.0,
                y - 5.0,
                m.date,
                esc(&m.text)
            );
        } else {
            let _ = writeln!(
                out,
                "<g class=\"event\" data-date=\"{}\"><circle cx=\"{px:.1}\" cy=\"{y:.1}\" r=\"5.5\" fill=\"#1f5fa8\"/><title>{}: {}</title></g>",
                m.date,
                m.date,
                esc(&m.text)
            );
        }
    }
    out.push_str("</svg>\n<figcaption><div class=\"legend\">");
    let mut versions = 0usize;
    for c in &t.clauses {
        for w in &c.windows {
            versions = versions.max(w.version + 1);
        }
    }
    for v in 0..versions.max(1) {
        let _ = write!(
            out,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>clause in force, {} version</span>",
            colour(v),
            match v {
                0 => "first".to_owned(),
                1 => "second".to_owned(),
                2 => "third".to_owned(),
                n => format!("{}th", n + 1),
            }
        );
    }
    if conditional.is_some() {
        out.push_str("<span><span class=\"swatch\" style=\"background:repeating-linear-gradient(45deg,#7f8c8d 0 3px,#e9edf1 3px 6px)\"></span>clause in force in some cases only</span><span><span class=\"swatch\" style=\"background:#d9d9d9\"></span>condition unknown</span>");
    }
    out.push_str("<span><span class=\"swatch\" style=\"background:#9fd3ae\"></span>condition true</span><span><span class=\"swatch\" style=\"background:#f2b8b5\"></span>condition false</span><span><span class=\"swatch\" style=\"background:#8e44ad\"></span>amendment takes effect</span><span><span class=\"swatch\" style=\"background:#1f5fa8;border-radius:50%\"></span>event</span><span><span class=\"swatch\" style=\"background:#c0392b\"></span>breach</span>");
    out.push_str("</div></figcaption></figure>\n");
    if !t.markers.is_empty() {
        out.push_str(
            "<table class=\"events\"><thead><tr><th>date</th><th>event</th></tr></thead><tbody>",
        );
        for m in &t.markers {
            let _ = write!(
                out,
                "<tr class=\"{}\"><td class=\"num\">{}</td><td>{}{}</td></tr>",
                if m.breach { "breach" } else { "event" },
                m.date,
                if m.breach {
                    if open_breaches.is_some() {
                        "breach in the case shown: "
                    } else {
                        "breach: "
                    }
                } else {
                    ""
                },
                esc(&m.text)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    if let Some(text) = open_breaches {
        let _ = writeln!(
            out,
            "<p class=\"note\">Breaches depend on the unknown facts: {}.</p>",
            esc(&text)
        );
    }
}

// ----------------------------------------------------------------- payments

fn payments(out: &mut String, ev: &Evaluation, id: &str) {
    let mut groups: Vec<(String, Vec<&Accrual>)> = Vec::new();
    for a in &ev.accruals {
        let key = if a.payment == 0 {
            a.clause.clone()
        } else {
            format!("{}#{}", a.clause, a.payment + 1)
        };
        // Keys of a keyed metric and make-up credits have tables of their own (§3.7.1, §4.7.6).
        // No quotes: the key is also an attribute that the page's script puts in a selector.
        let key = match (&a.key_word, &a.key) {
            (Some(w), Some(k)) => format!("{key} for {w} {}", k.replace(['"', '\\', '\''], "")),
            _ => key,
        };
        let key = if a.make_up {
            format!("{key} make-up")
        } else {
            key
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(a),
            None => groups.push((key, vec![a])),
        }
    }
    if groups.is_empty() {
        out.push_str("<p class=\"note\">No payments under this contract.</p>\n");
        return;
    }
    for (key, accruals) in groups {
        if accruals
            .iter()
            .all(|a| a.figure_missing && a.owed.amount.is_zero())
        {
            let _ = writeln!(
                out,
                "<p class=\"note\">{}: the scenario gives no figures, so nothing is owed.</p>",
                esc(&key)
            );
            continue;
        }
        payment_chart(out, &key, &accruals, id);
        payment_table(out, &key, &accruals, id);
    }
}

fn payment_chart(out: &mut String, key: &str, accruals: &[&Accrual], id: &str) {
    const WIDTH: f64 = 980.0;
    const HEIGHT: f64 = 340.0;
    const LEFT: f64 = 84.0;
    const RIGHT: f64 = 24.0;
    const TOP: f64 = 54.0;
    const BOTTOM: f64 = 62.0;
    let Some(first) = accruals.first() else {
        return;
    };
    let currency = first.owed.currency;
    let cap = accruals.iter().find_map(|a| a.cap);
    let max = accruals
        .iter()
        .map(|a| position(a.total.amount).max(position(a.owed.amount)))
        .chain(cap.map(|c| position(c.amount)))
        .fold(0.0f64, f64::max);
    let (divisor, word) = money_scale(max);
    let tick_values = ticks(max / divisor);
    let top_value = tick_values.last().copied().unwrap_or(1.0).max(1e-9);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |amount: Decimal| {
        TOP + plot_h - (position(amount) / divisor / top_value * plot_h).min(plot_h)
    };
    let n = accruals.len().max(1) as f64;
    let slot = plot_w / n;
    let cx = |i: usize| LEFT + slot * (i as f64 + 0.5);
    let unit = if word.is_empty() {
        currency.to_string()
    } else if currency.is_quantity() {
        // `thousands of shares`, not `shares thousands`.
        format!("{word} of {currency}")
    } else {
        format!("{currency} {word}")
    };
    let chart_id = format!("payments-{id}-{}", slug(key));
    let title = format!(
        "{key}: {} pays {} — amount per period and running total ({unit})",
        first.payer, first.payee
    );
    let _ = writeln!(
        out,
        "<figure><svg id=\"{chart_id}\" class=\"payments-chart\" data-clause=\"{}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-labelledby=\"{chart_id}-title\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{chart_id}-title\">{}</title><text class=\"title\" x=\"{LEFT}\" y=\"22\">{}</text>",
        esc(key),
        esc(&title),
        esc(&title)
    );
    // Y axis with grid.
    out.push_str("<g class=\"axis\">");
    for v in &tick_values {
        let py = TOP + plot_h - v / top_value * plot_h;
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{py:.1}\" x2=\"{}\" y2=\"{py:.1}\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT + plot_w,
            LEFT - 8.0,
            py + 4.0,
            tick_label(*v)
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{}\"/><line x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        TOP + plot_h,
        TOP + plot_h,
        LEFT + plot_w,
        TOP + plot_h
    );
    let _ = write!(
        out,
        "<text class=\"muted\" transform=\"translate(18 {:.1}) rotate(-90)\" text-anchor=\"middle\">amount ({})</text>",
        TOP + plot_h / 2.0,
        esc(&unit)
    );
    // X axis labels: every period when they fit, else every k-th.
    let every = ((n * 42.0 / plot_w).ceil() as usize).max(1);
    for (i, a) in accruals.iter().enumerate() {
        if i % every == 0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                cx(i),
                TOP + plot_h + 18.0,
                esc(&a.label)
            );
        }
    }
    let _ = write!(
        out,
        "<text class=\"muted\" x=\"{}\" y=\"{}\" text-anchor=\"end\">payment period ({})</text></g>",
        LEFT + plot_w,
        HEIGHT - 8.0,
        first.period.unit
    );
    // Bars: owed per period.
    let bar_w = (slot * 0.6).max(1.0);
    for (i, a) in accruals.iter().enumerate() {
        let top = y(a.owed.amount);
        let _ = write!(
            out,
            "<rect class=\"bar\" data-period=\"{}\" data-owed=\"{}\" x=\"{:.1}\" y=\"{top:.1}\" width=\"{bar_w:.1}\" height=\"{:.1}\" fill=\"#1f5fa8\"><title>{}: {} owed{}</title></rect>",
            esc(&a.label),
            a.owed.plain(),
            cx(i) - bar_w / 2.0,
            (TOP + plot_h - top).max(0.0),
            esc(&a.label),
            a.owed,
            if a.figure_missing { " (no figure)" } else { "" }
        );
    }
    // Running total.
    let points: Vec<String> = accruals
        .iter()
        .enumerate()
        .map(|(i, a)| format!("{:.1},{:.1}", cx(i), y(a.total.amount)))
        .collect();
    let _ = write!(
        out,
        "<polyline class=\"running-total\" points=\"{}\" fill=\"none\" stroke=\"#d9822b\" stroke-width=\"2.5\"/>",
        points.join(" ")
    );
    for (i, a) in accruals.iter().enumerate() {
        let _ = write!(
            out,
            "<circle class=\"total-point\" data-period=\"{}\" data-total=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#d9822b\"><title>{}: {} in total</title></circle>",
            esc(&a.label),
            a.total.plain(),
            cx(i),
            y(a.total.amount),
            esc(&a.label),
            a.total
        );
    }
    // The cap and where it is reached.
    if let Some(cap) = cap {
        let py = y(cap.amount);
        let _ = write!(
            out,
            "<g class=\"cap\" data-cap=\"{}\"><line x1=\"{LEFT}\" y1=\"{py:.1}\" x2=\"{}\" y2=\"{py:.1}\" stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/><text x=\"{}\" y=\"{:.1}\" fill=\"#c0392b\">total cap {}</text></g>",
            cap.plain(),
            LEFT + plot_w,
            LEFT + 6.0,
            py - 6.0,
            cap
        );
        if let Some((i, a)) = accruals.iter().enumerate().find(|(_, a)| a.cap_reached) {
            let _ = write!(
                out,
                "<g class=\"cap-reached\" data-period=\"{}\"><circle cx=\"{:.1}\" cy=\"{py:.1}\" r=\"7\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2.5\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#c0392b\">cap reached in {}</text></g>",
                esc(&a.label),
                cx(i),
                cx(i),
                py - 14.0,
                esc(&a.label)
            );
        }
    }
    out.push_str("</svg><figcaption><div class=\"legend\"><span><span class=\"swatch\" style=\"background:#1f5fa8\"></span>owed for the period</span><span><span class=\"swatch\" style=\"background:#d9822b\"></span>running total owed</span>");
    if cap.is_some() {
        out.push_str("<span><span class=\"swatch\" style=\"background:#c0392b\"></span>total cap (dashed) and the period it is reached</span>");
    }
    out.push_str("</div></figcaption></figure>\n");
}

fn payment_table(out: &mut String, key: &str, accruals: &[&Accrual], id: &str) {
    out.push_str("<div class=\"scroll\">");
    let _ = write!(
        out,
        "<table class=\"payments\" id=\"payments-table-{id}-{}\" data-clause=\"{}\"><thead><tr><th>period</th><th class=\"num\">figure</th><th class=\"num\">owed</th><th class=\"num\">total</th><th class=\"num\">headroom</th><th>due</th><th>note</th></tr></thead><tbody>",
        slug(key),
        esc(key)
    );
    for a in accruals {
        let note: Vec<&str> = a
            .limits
            .iter()
            .map(|l| l.describe())
            .chain(a.cap_reached.then_some("total cap reached"))
            .chain(a.figure_missing.then_some("no figure"))
            .collect();
        let _ = write!(
            out,
            "<tr data-period=\"{}\" data-owed=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num owed\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"date\">{}</td><td>{}</td></tr>",
            esc(&a.label),
            a.owed.plain(),
            esc(&a.label),
            a.base.map(|b| b.to_string()).unwrap_or_default(),
            a.owed,
            a.total,
            a.headroom.map(|h| h.to_string()).unwrap_or_default(),
            a.due,
            esc(&note.join("; "))
        );
    }
    out.push_str("</tbody></table></div>\n");
}

// ----------------------------------------------------------------- verdicts

fn verdicts(out: &mut String, ev: &Evaluation, id: &str) {
    let mut rows = Vec::new();
    for e in &ev.events {
        if let Some(v) = &e.verdict {
            rows.push((e.date, e.text.clone(), v.permitted, v.explain(), "event"));
        }
    }
    for x in &ev.expectations {
        if x.text.contains(" is permitted") || x.text.contains(" is forbidden") {
            let permitted = x.actual.starts_with("permitted");
            rows.push((
                Date::default(),
                x.text.clone(),
                permitted,
                x.actual.clone(),
                "question",
            ));
        }
    }
    if rows.is_empty() {
        out.push_str("<p class=\"note\">The scenario takes no action and asks about none.</p>\n");
    } else {
        let _ = write!(
            out,
            "<table class=\"verdicts\" id=\"verdicts-{id}\"><thead><tr><th>date</th><th>action</th><th>verdict</th></tr></thead><tbody>"
        );
        for (date, text, permitted, explain, kind) in rows {
            let _ = write!(
                out,
                "<tr class=\"{}\" data-kind=\"{kind}\" data-verdict=\"{}\"><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                if permitted { "permitted" } else { "breach" },
                if permitted { "permitted" } else { "forbidden" },
                if kind == "event" {
                    date.to_string()
                } else {
                    "(asked)".to_owned()
                },
                esc(&text),
                esc(&explain)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    if ev.breaches.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"note\" id=\"breaches-{id}\" data-breaches=\"0\">No breaches.</p>"
        );
    } else {
        let _ = write!(
            out,
            "<table class=\"breaches\" id=\"breaches-{id}\" data-breaches=\"{}\"><thead><tr><th>date</th><th>clause</th><th>breach</th></tr></thead><tbody>",
            ev.breaches.len()
        );
        for b in &ev.breaches {
            let _ = write!(
                out,
                "<tr class=\"breach\"><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                b.date,
                esc(&b.clause),
                esc(&b.text)
            );
        }
        out.push_str("</tbody></table>\n");
    }
}

fn expectations(out: &mut String, ev: &Evaluation, id: &str) {
    if ev.expectations.is_empty() {
        out.push_str("<p class=\"note\">The scenario states no expectations.</p>\n");
        return;
    }
    let passed = ev.expectations.iter().filter(|x| x.passed).count();
    let _ = write!(
        out,
        "<p id=\"expectations-summary-{id}\" data-passed=\"{passed}\" data-total=\"{}\">{passed} of {} expectations hold.</p><table class=\"expectations\" id=\"expectations-{id}\"><thead><tr><th>result</th><th>expected</th><th>found</th></tr></thead><tbody>",
        ev.expectations.len(),
        ev.expectations.len()
    );
    for x in &ev.expectations {
        let _ = write!(
            out,
            "<tr class=\"{}\" data-passed=\"{}\"><td>{}</td><td>{}</td><td>{}</td></tr>",
            if x.passed { "pass" } else { "fail" },
            x.passed,
            if x.passed { "pass" } else { "FAIL" },
            esc(&x.text),
            esc(&x.actual)
        );
    }
    out.push_str("</tbody></table>\n");
}

// ----------------------------------------------------------------- sweeps

fn sweep_section(out: &mut String, sweep: &Sweep, file: &str) {
    use super::sweep::{changes, columns};
    let cols = columns(sweep);
    let _ = writeln!(
        out,
        "<section class=\"card sweep\" id=\"sweep\" data-points=\"{}\"><h2>Sweep of {}</h2><p class=\"note\">{} — {}; {} points.</p>",
        sweep.points.len(),
        esc(&sweep.scenario),
        esc(file),
        esc(&sweep
            .axes
            .iter()
            .map(|a| format!("{} = {}", a.param, a.range))
            .collect::<Vec<_>>()
            .join("; ")),
        sweep.points.len()
    );
    // Chart the varying money answers against the first param (the other params held at their first value).
    let Some(axis) = sweep.axes.first() else {
        out.push_str("</section>\n");
        return;
    };
    let series: Vec<&super::sweep::Column> = cols
        .iter()
        .filter(|c| {
            c.varies && matches!(c.answer_kind(), Some(AnswerKind::Total | AnswerKind::Owed))
        })
        .take(8)
        .collect();
    let line: Vec<&crate::strategy::sweep::SweepPoint> = sweep
        .points
        .iter()
        .filter(|p| p.at.iter().skip(1).all(|i| *i == 0))
        .collect();
    if !series.is_empty() && line.len() > 1 {
        sweep_chart(out, sweep, &series, &line, axis);
    }
    // The table of varying answers.
    let varying: Vec<&super::sweep::Column> = cols.iter().filter(|c| c.varies).collect();
    out.push_str("<h3>Points</h3><div class=\"scroll\"><table class=\"sweep-points\" id=\"sweep-points\"><thead><tr>");
    for a in &sweep.axes {
        let _ = write!(out, "<th>{}</th>", esc(&a.param));
    }
    for c in &varying {
        let _ = write!(out, "<th class=\"num\">{}</th>", esc(&c.key));
    }
    out.push_str("</tr></thead><tbody>");
    for p in &sweep.points {
        out.push_str("<tr>");
        for v in sweep.shown(p) {
            let _ = write!(out, "<td class=\"num\">{}</td>", esc(&v));
        }
        for c in &varying {
            let _ = write!(
                out,
                "<td class=\"num\" data-key=\"{}\">{}</td>",
                esc(&c.key),
                esc(&super::sweep::cell(p, c))
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>\n<h3>Where answers change</h3><ul class=\"changes\">");
    for r in changes(sweep, &cols) {
        let with = if r.with.is_empty() {
            String::new()
        } else {
            format!(" (with {})", r.with.join(", "))
        };
        let text = if r.steps == 1 {
            format!(
                "{}: between {} = {} and {}{with}: {} → {}",
                r.key, r.param, r.from, r.to, r.before, r.after
            )
        } else {
            format!(
                "{}: from {} = {} to {}{with}: changes at each of {} steps, {} → {}",
                r.key, r.param, r.from, r.to, r.steps, r.before, r.after
            )
        };
        let _ = write!(out, "<li>{}</li>", esc(&text));
    }
    out.push_str("</ul></section>\n");
}

fn sweep_chart(
    out: &mut String,
    sweep: &Sweep,
    series: &[&super::sweep::Column],
    line: &[&crate::strategy::sweep::SweepPoint],
    axis: &crate::strategy::sweep::Axis,
) {
    const WIDTH: f64 = 980.0;
    const HEIGHT: f64 = 380.0;
    const LEFT: f64 = 84.0;
    const RIGHT: f64 = 24.0;
    const TOP: f64 = 50.0;
    const BOTTOM: f64 = 64.0;
    let value = |p: &crate::strategy::sweep::SweepPoint, key: &str| {
        p.answers
            .iter()
            .find(|a| a.key == key)
            .and_then(|a| a.money)
    };
    let xs: Vec<f64> = line
        .iter()
        .map(|p| {
            p.at.first()
                .and_then(|i| axis.numeric.get(*i))
                .map_or(0.0, |d| position(*d))
        })
        .collect();
    let (xmin, xmax) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let xspan = (xmax - xmin).max(1e-9);
    let max = line
        .iter()
        .flat_map(|p| series.iter().filter_map(|c| value(p, &c.key)))
        .map(|m| position(m.amount))
        .fold(0.0f64, f64::max);
    let currency = line
        .iter()
        .flat_map(|p| series.iter().filter_map(|c| value(p, &c.key)))
        .map(|m| m.currency.to_string())
        .next()
        .unwrap_or_default();
    let (divisor, word) = money_scale(max);
    let yticks = ticks(max / divisor);
    let top_value = yticks.last().copied().unwrap_or(1.0).max(1e-9);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let px = |v: f64| LEFT + (v - xmin) / xspan * plot_w;
    let py = |v: f64| TOP + plot_h - (v / divisor / top_value * plot_h).min(plot_h);
    let unit = if word.is_empty() {
        currency.clone()
    } else {
        format!("{currency} {word}")
    };
    let x_unit = if axis.unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", axis.unit)
    };
    let held = if sweep.axes.len() > 1 {
        format!(
            ", with {}",
            sweep
                .axes
                .iter()
                .skip(1)
                .map(|a| format!(
                    "{} = {}",
                    a.param,
                    a.shown.first().cloned().unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        String::new()
    };
    let title = format!("Swept answers against {}{held}", axis.param);
    let _ = writeln!(
        out,
        "<figure><svg id=\"sweep-chart\" class=\"sweep-chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-labelledby=\"sweep-chart-title\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"sweep-chart-title\">{}</title><text class=\"title\" x=\"{LEFT}\" y=\"22\">{}</text><g class=\"axis\">",
        esc(&title),
        esc(&title)
    );
    for v in &yticks {
        let y = TOP + plot_h - v / top_value * plot_h;
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT + plot_w,
            LEFT - 8.0,
            y + 4.0,
            tick_label(*v)
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{}\"/><line x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        TOP + plot_h,
        TOP + plot_h,
        LEFT + plot_w,
        TOP + plot_h
    );
    let every = ((line.len() as f64 * 90.0 / plot_w).ceil() as usize).max(1);
    for (i, p) in line.iter().enumerate() {
        if i % every == 0 {
            let shown =
                p.at.first()
                    .and_then(|j| axis.shown.get(*j))
                    .cloned()
                    .unwrap_or_default();
            let x = xs.get(i).copied().unwrap_or(xmin);
            let _ = write!(
                out,
                "<line x1=\"{:.1}\" y1=\"{}\" x2=\"{:.1}\" y2=\"{}\"/><text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
                px(x),
                TOP + plot_h,
                px(x),
                TOP + plot_h + 5.0,
                px(x),
                TOP + plot_h + 18.0,
                esc(&compact(&shown))
            );
        }
    }
    let _ = write!(
        out,
        "<text class=\"muted\" transform=\"translate(18 {:.1}) rotate(-90)\" text-anchor=\"middle\">amount ({})</text><text class=\"muted\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}{}</text></g>",
        TOP + plot_h / 2.0,
        esc(&unit),
        LEFT + plot_w,
        HEIGHT - 10.0,
        esc(&axis.param),
        esc(&x_unit)
    );
    for (si, c) in series.iter().enumerate() {
        let pts: Vec<String> = line
            .iter()
            .zip(&xs)
            .filter_map(|(p, x)| {
                value(p, &c.key).map(|m| format!("{:.1},{:.1}", px(*x), py(position(m.amount))))
            })
            .collect();
        let _ = write!(
            out,
            "<polyline class=\"series\" data-key=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
            esc(&c.key),
            pts.join(" "),
            colour(si)
        );
        // Points are marked (and carry their exact value) while they stay readable.
        for (p, x) in line.iter().zip(&xs).filter(|_| line.len() <= 400) {
            if let Some(m) = value(p, &c.key) {
                let shown =
                    p.at.first()
                        .and_then(|j| axis.shown.get(*j))
                        .cloned()
                        .unwrap_or_default();
                let _ = write!(
                    out,
                    "<circle class=\"sweep-point\" data-key=\"{}\" data-param=\"{}\" data-value=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{}\"><title>{} = {}: {} {}</title></circle>",
                    esc(&c.key),
                    esc(&shown),
                    m.plain(),
                    px(*x),
                    py(position(m.amount)),
                    colour(si),
                    esc(&axis.param),
                    esc(&shown),
                    esc(&c.key),
                    m
                );
            }
        }
    }
    out.push_str("</svg><figcaption><div class=\"legend\">");
    for (si, c) in series.iter().enumerate() {
        let _ = write!(
            out,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            colour(si),
            esc(&c.key)
        );
    }
    out.push_str("</div></figcaption></figure>\n");
}

/// A shorter label for an axis tick: `USD 20,000,000,000` → `USD 20bn`.
fn compact(shown: &str) -> String {
    let Some((cur, amount)) = shown.split_once(' ') else {
        return shown.to_owned();
    };
    let Ok(v) = amount.replace(',', "").parse::<f64>() else {
        return shown.to_owned();
    };
    let (d, w) = match v.abs() {
        a if a >= 1e9 => (1e9, "bn"),
        a if a >= 1e6 => (1e6, "m"),
        a if a >= 1e4 => (1e3, "k"),
        _ => return shown.to_owned(),
    };
    format!("{cur} {}{w}", tick_label(v / d))
}
