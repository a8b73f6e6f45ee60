//! The text report: a short memo per scenario.
//!
//! Written for a reader, not a parser: sections in the order a lawyer asks
//! (what happened, what is owed, what changed, what was breached, did the
//! expectations hold), amounts grouped with thousands separators, and runs of
//! periods without a figure folded into one line.

use std::fmt::Write as _;

use crate::eval::{Accrual, Evaluation, Limit};

/// Renders one evaluation as a memo.
pub fn render_evaluation(ev: &Evaluation, file: &str) -> String {
    let mut out = render_header(ev, file);
    render_body(ev, &mut out);
    out
}

/// The memo's opening lines: scenario, file, contract and amendments, the end, the params.
pub fn render_header(ev: &Evaluation, file: &str) -> String {
    let mut out = String::new();
    let title = ev
        .scenario_title
        .as_deref()
        .map(|t| format!(" — {t}"))
        .unwrap_or_default();
    let _ = writeln!(out, "Scenario {}{title}", ev.scenario);
    let _ = writeln!(out, "  file: {file}");
    let contract_title = ev
        .contract_title
        .as_deref()
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  contract: {}{contract_title}, effective {}",
        ev.contract, ev.effective
    );
    for (name, date) in &ev.amendments {
        let _ = writeln!(out, "    amended by {name}, effective {date}");
    }
    match ev.end.last_day {
        Some(d) => {
            let _ = writeln!(out, "  ends: {d} — {}", ev.end.reason);
        }
        None => {
            let _ = writeln!(out, "  ends: not within the scenario — {}", ev.end.reason);
        }
    }
    if let Some(a) = ev.as_of {
        let _ = writeln!(out, "  as of: {a} (the timeline stops here)");
    }
    if !ev.params.is_empty() {
        let params: Vec<String> = ev
            .params
            .iter()
            .map(|p| {
                format!(
                    "{} = {}{}",
                    p.name,
                    p.value,
                    if p.computed {
                        " (computed)"
                    } else if p.set_by_scenario {
                        " (set by the scenario)"
                    } else {
                        " (default)"
                    }
                )
            })
            .collect();
        let _ = writeln!(out, "  params: {}", params.join("; "));
    }
    if !ev.interpretations.is_empty() {
        out.push_str("  interpretations:\n");
        for i in &ev.interpretations {
            let scope = i
                .clause
                .as_deref()
                .map(|c| format!(" for {c}"))
                .unwrap_or_default();
            let date = i
                .date
                .map(|d| format!(", recorded {d}"))
                .unwrap_or_default();
            let default = if i.departs_from_default {
                ""
            } else {
                " (Covenant's default)"
            };
            let _ = writeln!(
                out,
                "    {}: {}{default}{scope} — because {:?} ({}{date})",
                i.name,
                i.describe(),
                i.reason,
                i.document
            );
        }
    }
    out
}

/// `  [interpretation: A, B]` after an answer that depends on interpretations, or nothing.
fn reads(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!("  [interpretation: {}]", names.join(", "))
    }
}

fn render_body(ev: &Evaluation, out: &mut String) {
    out.push_str("\nEvents\n");
    if ev.events.is_empty() {
        out.push_str("  none\n");
    }
    for e in &ev.events {
        let _ = writeln!(out, "  {}  {} — {}", e.date, e.text, e.effect);
    }

    out.push_str("\nPayments\n");
    if ev.accruals.is_empty() {
        out.push_str("  none\n");
    }
    let mut groups: Vec<(String, Vec<&Accrual>)> = Vec::new();
    for a in &ev.accruals {
        let key = format!("{} #{}", a.clause, a.payment);
        // A share of a keyed metric has a table per key (§3.7.1).
        let key = match &a.key {
            Some(k) => format!("{key} {k:?}"),
            None => key,
        };
        // Make-up credits owed back (§4.7.6) get a table of their own, after the payment's.
        let key = if a.make_up {
            format!("{key} make-up")
        } else {
            key
        };
        match groups.last_mut() {
            Some((k, list)) if *k == key => list.push(a),
            _ => match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.push(a),
                None => groups.push((key, vec![a])),
            },
        }
    }
    for (_, list) in &groups {
        let (Some(first), Some(last)) = (list.first(), list.last()) else {
            continue;
        };
        // The heading gives the latest terms; rows under other terms (before an amendment) say theirs.
        let whose = match (&first.key_word, &first.key) {
            (Some(w), Some(k)) => format!(" for {w} {k:?}"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {}{whose}: {} pays {} — {}{}",
            first.clause,
            first.payer,
            first.payee,
            last.terms,
            reads(&ev.readings_for_clause(&first.clause))
        );
        payment_table(out, list, &last.terms);
    }

    // Shown only for contracts that ask for it with `net payments between …`.
    if !ev.netting.is_empty() {
        out.push_str("\nNetting\n");
        for n in &ev.netting {
            let (payer, payee, net) = n.net();
            let net = if net.amount.is_zero() {
                "even".to_owned()
            } else {
                format!("{payer} pays {payee} {net}")
            };
            let _ = writeln!(
                out,
                "  {}: {} owes {} {}; {} owes {} {}; net: {net}",
                n.label, n.first, n.second, n.first_owes, n.second, n.first, n.second_owes
            );
        }
    }

    out.push_str("\nStatus changes\n");
    for s in &ev.status_changes {
        let names = s
            .clause
            .as_deref()
            .map(|c| ev.readings_for_clause(c))
            .unwrap_or_default();
        let _ = writeln!(out, "  {}  {}{}", s.date, s.text, reads(&names));
    }

    out.push_str("\nBreaches\n");
    if ev.breaches.is_empty() {
        out.push_str("  none\n");
    }
    for b in &ev.breaches {
        let _ = writeln!(
            out,
            "  {}  {} — {}{}",
            b.date,
            b.clause,
            b.text,
            reads(&ev.readings_for_clause(&b.clause))
        );
    }

    if ev.as_of.is_some() {
        out.push_str("\nClauses on the as-of date\n");
        for c in &ev.clause_states {
            let state = if c.active { "active" } else { "inactive" };
            let version = c
                .version
                .as_deref()
                .map(|v| format!(" [{v}]"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {} — {state}{version}: {}", c.clause, c.detail);
        }
    }

    out.push_str("\nExpectations\n");
    if ev.expectations.is_empty() {
        out.push_str("  none\n");
    }
    for x in &ev.expectations {
        if x.passed {
            let _ = writeln!(out, "  pass  {}{}", x.text, reads(&x.interpretations));
        } else {
            let _ = writeln!(
                out,
                "  FAIL  {}{}\n          found: {}",
                x.text,
                reads(&x.interpretations),
                x.actual
            );
        }
    }
    let failed = ev.failures();
    let total = ev.expectations.len();
    if total > 0 {
        let _ = writeln!(out, "  {} of {total} expectations passed", total - failed);
    }

    if !ev.notes.is_empty() {
        out.push_str("\nNotes\n");
        for n in &ev.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
}

fn payment_table(out: &mut String, list: &[&Accrual], heading_terms: &str) {
    let header = [
        "period", "figure", "in force", "computed", "owed", "total", "headroom", "due",
    ];
    let mut rows: Vec<[String; 8]> = Vec::new();
    let mut remarks: Vec<Option<String>> = Vec::new();
    let mut i = 0;
    while i < list.len() {
        let Some(a) = list.get(i) else { break };
        // Fold a run of periods with no figure and nothing owed into one row.
        if a.figure_missing && a.owed.amount.is_zero() {
            let mut j = i;
            while list
                .get(j + 1)
                .is_some_and(|b| b.figure_missing && b.owed.amount.is_zero())
            {
                j += 1;
            }
            if j > i {
                let last = list.get(j).map_or(a.label.clone(), |b| b.label.clone());
                rows.push([
                    format!("{} – {last}", a.label),
                    "no figure".into(),
                    String::new(),
                    String::new(),
                    a.owed.to_string(),
                    list.get(j).map_or(String::new(), |b| b.total.to_string()),
                    headroom(list.get(j).copied()),
                    String::new(),
                ]);
                remarks.push(None);
                i = j + 1;
                continue;
            }
        }
        let figure = match (&a.base, a.figure_missing) {
            (Some(b), _) => b.to_string(),
            (None, true) => "no figure".into(),
            (None, false) => "—".into(),
        };
        rows.push([
            a.label.clone(),
            figure,
            format!("{}/{} days", a.days_in_force, a.days_in_period),
            a.computed.to_string(),
            a.owed.to_string(),
            a.total.to_string(),
            headroom(Some(a)),
            a.due.to_string(),
        ]);
        let mut remark: Vec<String> = Vec::new();
        if let Some(o) = a.occurrence.as_ref().filter(|o| !o.data.is_empty()) {
            let data: Vec<String> = o
                .data
                .iter()
                .map(|(k, v)| format!("{}.{k} {v}", o.event))
                .collect();
            remark.push(data.join(", "));
        }
        if a.terms != heading_terms {
            remark.push(format!("terms then: {}", a.terms));
        }
        if !a.values.is_empty() {
            remark.push(a.values.join(", "));
        }
        remark.extend(
            a.limits
                .iter()
                // The carried balance below says it, with the amounts.
                .filter(|l| !(a.carry.is_some() && **l == Limit::CarriedForward))
                .map(|l| l.describe().to_owned()),
        );
        if let Some(c) = &a.carry {
            remark.push(c.describe());
        }
        if a.cap_reached {
            remark.push("total cap reached".to_owned());
        }
        remarks.push((!remark.is_empty()).then(|| remark.join("; ")));
        i += 1;
    }
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::from("    ");
        for (k, (cell, w)) in cells.iter().zip(widths.iter()).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            // Amount columns read better right-aligned.
            if (1..=6).contains(&k) {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad));
            }
            s.push_str("  ");
        }
        s.trim_end().to_owned()
    };
    let header_cells: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let _ = writeln!(out, "{}", line(&header_cells));
    for (row, remark) in rows.iter().zip(remarks.iter()) {
        let _ = writeln!(out, "{}", line(row));
        if let Some(r) = remark {
            let _ = writeln!(out, "      ↳ {r}");
        }
    }
}

fn headroom(a: Option<&Accrual>) -> String {
    a.and_then(|a| a.headroom)
        .map(|h| h.to_string())
        .unwrap_or_else(|| "—".into())
}
