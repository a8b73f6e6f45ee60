//! The contract's timeline: its term, each clause's active windows (by
//! version), amendments, condition switches and scenario events with breaches
//! marked. Built once from a compiled scenario, drawn by the HTML report as
//! SVG and by `covenant timeline` as text.

use std::fmt::Write as _;

use crate::calendar::Date;
use crate::check::model::Model;
use crate::eval::{Compiled, Evaluation};

/// A clause's active window under one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
    /// Index of the version (0: as first written).
    pub version: usize,
    /// Where the version comes from (`openai_microsoft_2026 (amended)`).
    pub label: String,
}

/// One clause's row.
#[derive(Debug, Clone)]
pub struct ClauseRow {
    /// The clause's name.
    pub name: String,
    /// Its latest title.
    pub title: Option<String>,
    /// Its active windows in date order.
    pub windows: Vec<Window>,
}

/// A condition that changes value within the timeline.
#[derive(Debug, Clone)]
pub struct ConditionRow {
    /// The condition's name.
    pub name: String,
    /// Spans of days and the value then (`None`: unknown).
    pub spans: Vec<(Date, Date, Option<bool>)>,
}

/// Something that happens on a day.
#[derive(Debug, Clone)]
pub struct Marker {
    /// The day.
    pub date: Date,
    /// What happened.
    pub text: String,
    /// Whether it is (or caused) a breach.
    pub breach: bool,
}

/// A contract's timeline under a scenario.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// The contract's name.
    pub contract: String,
    /// Its title.
    pub title: Option<String>,
    /// The first day shown (the effective date).
    pub start: Date,
    /// The last day shown.
    pub end: Date,
    /// The contract's last day in force, when within the timeline.
    pub last_day: Option<Date>,
    /// Clauses in declaration order.
    pub clauses: Vec<ClauseRow>,
    /// Amendments: (name, effective date).
    pub amendments: Vec<(String, Date)>,
    /// Conditions that change value.
    pub conditions: Vec<ConditionRow>,
    /// Events and breaches in date order.
    pub markers: Vec<Marker>,
}

/// Builds the timeline of a compiled scenario and its evaluation.
pub fn timeline(model: &Model, compiled: &Compiled<'_>, ev: &Evaluation) -> Timeline {
    let program = &compiled.program;
    let clauses = model
        .clauses
        .iter()
        .enumerate()
        .map(|(cid, c)| ClauseRow {
            name: c.name.clone(),
            title: c.versions.last().and_then(|v| v.title.clone()),
            windows: program
                .intervals
                .get(cid)
                .map(|ivs| {
                    ivs.iter()
                        .map(|iv| Window {
                            start: iv.start,
                            end: iv.end,
                            version: iv.version,
                            label: c
                                .versions
                                .get(iv.version)
                                .map(|v| format!("{} ({})", v.origin.document, v.origin.how))
                                .unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let mut markers: Vec<Marker> = ev
        .events
        .iter()
        .map(|e| Marker {
            date: e.date,
            text: format!("{} — {}", e.text, e.effect),
            breach: ev
                .breaches
                .iter()
                .any(|b| b.date == e.date && b.text.starts_with(&e.text)),
        })
        .collect();
    for b in &ev.breaches {
        if !ev
            .events
            .iter()
            .any(|e| b.date == e.date && b.text.starts_with(&e.text))
        {
            markers.push(Marker {
                date: b.date,
                text: format!("breach of {}: {}", b.clause, b.text),
                breach: true,
            });
        }
    }
    markers.sort_by_key(|m| m.date);
    let mut end = ev.horizon;
    if let Some(m) = markers.last() {
        end = end.max(m.date);
    }
    let start = model.effective.min(end);
    let conditions = model
        .conditions
        .iter()
        .zip(&program.conditions)
        .filter(|(_, t)| !t.changes.is_empty() || !t.unknown_from.is_empty())
        .map(|(c, t)| {
            // Switches and the days the value becomes unknown, in date order.
            // Unknowns first, so that a switch on the same day wins (as it does in the scenario).
            let mut switches: Vec<(Date, Option<bool>)> = t
                .unknown_from
                .iter()
                .map(|d| (*d, None))
                .chain(t.changes.iter().map(|(d, v)| (*d, Some(*v))))
                .collect();
            switches.sort_by_key(|(d, _)| *d);
            let mut spans = Vec::new();
            let mut from = start;
            let mut value = Some(t.default);
            for (d, v) in switches {
                if d > from {
                    spans.push((from, d.pred_opt().unwrap_or(d), value));
                }
                from = d;
                value = v;
            }
            if from <= end {
                spans.push((from, end, value));
            }
            ConditionRow {
                name: c.name.clone(),
                spans,
            }
        })
        .collect();
    Timeline {
        contract: model.name.clone(),
        title: model.title.clone(),
        start,
        end,
        last_day: ev.end.last_day,
        clauses,
        amendments: ev.amendments.clone(),
        conditions,
        markers,
    }
}

/// Glyphs for a clause's versions, so that a change of version shows in the bar.
const VERSION_GLYPHS: [char; 4] = ['█', '▓', '▒', '░'];

/// Draws the timeline as text, `width` columns for the bars.
pub fn render_timeline_text(t: &Timeline, width: usize) -> String {
    let width = width.max(20);
    let days = (t.end - t.start).num_days().max(1) + 1;
    // The column of a day, and the days a column covers.
    let column = |d: Date| -> usize {
        let n = (d - t.start).num_days().clamp(0, days - 1);
        usize::try_from(n.saturating_mul(i64::try_from(width).unwrap_or(1)) / days).unwrap_or(0)
    };
    let column_days = |c: usize| -> (Date, Date) {
        let w = i64::try_from(width).unwrap_or(1);
        let c = i64::try_from(c).unwrap_or(0);
        // Offsets stay within the timeline's days, so these additions stay in the calendar.
        let shift = |n: i64| {
            t.start
                .checked_add_days(chrono::Days::new(u64::try_from(n).unwrap_or(0)))
                .unwrap_or(t.end)
        };
        let first = shift((c * days + w - 1) / w);
        let last = shift(((c + 1) * days + w - 1) / w - 1);
        (first, last)
    };
    let names = t
        .clauses
        .iter()
        .map(|c| c.name.chars().count())
        .chain(t.conditions.iter().map(|c| c.name.chars().count()))
        .chain([10])
        .max()
        .unwrap_or(10);
    let mut out = String::new();
    let title = t
        .title
        .as_deref()
        .map(|x| format!(" ({x})"))
        .unwrap_or_default();
    let _ = writeln!(out, "Timeline of {}{title}", t.contract);
    let _ = writeln!(
        out,
        "  {} to {}{}",
        t.start,
        t.end,
        match t.last_day {
            Some(l) => format!("; the contract's last day is {l}"),
            None => "; the contract is still in force at the end".to_owned(),
        }
    );
    out.push('\n');
    // A year scale: a tick at the column of each 1 January that fits.
    let mut scale = vec![' '; width];
    let mut labels = vec![' '; width + 6];
    let mut year = chrono::Datelike::year(&t.start) + 1;
    let step = {
        let years = (chrono::Datelike::year(&t.end) - chrono::Datelike::year(&t.start)).max(1);
        let fit = i32::try_from(width / 6).unwrap_or(1).max(1);
        ((years + fit - 1) / fit).max(1)
    };
    while let Some(jan) = chrono::NaiveDate::from_ymd_opt(year, 1, 1) {
        if jan > t.end {
            break;
        }
        let c = column(jan);
        if let Some(s) = scale.get_mut(c) {
            *s = '|';
        }
        for (i, ch) in year.to_string().chars().enumerate() {
            if let Some(l) = labels.get_mut(c + i) {
                *l = ch;
            }
        }
        year += step;
    }
    let pad = " ".repeat(names + 4);
    let _ = writeln!(out, "{pad}{}", labels.iter().collect::<String>().trim_end());
    let _ = writeln!(out, "{pad}{}", scale.iter().collect::<String>().trim_end());
    let bar = |windows: &dyn Fn(Date, Date) -> Option<char>| -> String {
        (0..width)
            .map(|c| {
                let (a, b) = column_days(c);
                windows(a, b).unwrap_or('·')
            })
            .collect()
    };
    let term_end = t.last_day.unwrap_or(t.end);
    let _ = writeln!(
        out,
        "  {:<names$}  {}",
        "term",
        bar(&|a, b| (a <= term_end && b >= t.start).then_some('━'))
    );
    for c in &t.clauses {
        let line = bar(&|a, b| {
            c.windows
                .iter()
                .filter(|w| w.start <= b && w.end >= a)
                .map(|w| w.version)
                .max()
                .map(|v| VERSION_GLYPHS.get(v).copied().unwrap_or('░'))
        });
        let _ = writeln!(out, "  {:<names$}  {line}", c.name);
    }
    for c in &t.conditions {
        let line = bar(&|a, b| {
            let values: Vec<Option<bool>> = c
                .spans
                .iter()
                .filter(|(s, e, _)| *s <= b && *e >= a)
                .map(|(_, _, v)| *v)
                .collect();
            match values.as_slice() {
                [] => None,
                vs if vs.iter().any(Option::is_none) => Some('?'),
                vs if vs.iter().all(|v| *v == Some(true)) => Some('+'),
                vs if vs.iter().all(|v| *v == Some(false)) => Some('-'),
                _ => Some('±'),
            }
        });
        let _ = writeln!(out, "  {:<names$}  {line}", c.name);
    }
    let mut marks = vec!['·'; width];
    for (_, d) in &t.amendments {
        if let Some(m) = marks.get_mut(column(*d)) {
            *m = '▼';
        }
    }
    if !t.amendments.is_empty() {
        let _ = writeln!(
            out,
            "  {:<names$}  {}",
            "amendments",
            marks.iter().collect::<String>()
        );
    }
    if !t.markers.is_empty() {
        let mut marks = vec!['·'; width];
        for m in &t.markers {
            if let Some(slot) = marks.get_mut(column(m.date)) {
                *slot = if m.breach || *slot == '✖' {
                    '✖'
                } else {
                    '●'
                };
            }
        }
        let _ = writeln!(
            out,
            "  {:<names$}  {}",
            "events",
            marks.iter().collect::<String>()
        );
    }
    out.push_str("\nKey: █ ▓ ▒ a clause in force under its first, second, third version; ");
    out.push_str("+ - a condition true or false; ▼ an amendment; ● an event; ✖ a breach\n");
    out.push_str("\nVersions\n");
    for c in &t.clauses {
        let mut seen: Vec<usize> = Vec::new();
        for w in &c.windows {
            if seen.contains(&w.version) {
                continue;
            }
            seen.push(w.version);
            let glyph = VERSION_GLYPHS.get(w.version).copied().unwrap_or('░');
            let _ = writeln!(
                out,
                "  {glyph} {:<names$}  from {}: {}",
                c.name, w.start, w.label
            );
        }
        if c.windows.is_empty() {
            let _ = writeln!(out, "    {:<names$}  never in force", c.name);
        }
    }
    if !t.amendments.is_empty() {
        out.push_str("\nAmendments\n");
        for (n, d) in &t.amendments {
            let _ = writeln!(out, "  ▼ {d}  {n}");
        }
    }
    if !t.markers.is_empty() {
        out.push_str("\nEvents\n");
        for m in &t.markers {
            let _ = writeln!(
                out,
                "  {} {}  {}",
                if m.breach { '✖' } else { '●' },
                m.date,
                m.text
            );
        }
    }
    out
}
