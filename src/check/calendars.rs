//! The contract's own calendars: `fiscal year starts MONTH DAY` and
//! `holidays DATE, …`. They are read right after the effective date, before
//! anything counts with them; fiscal-year units used without a declared start
//! are reported once the whole chain is read.

use chrono::Datelike;

use super::model::{Charge, Model};
use super::resolve::Resolver;
use crate::calendar::{is_business_day, Date, FiscalStart, PeriodUnit};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

/// Reads the contract's fiscal start and holiday list into the model.
pub(crate) fn declare_calendars(r: &mut Resolver<'_>, decls: &[ast::Decl]) {
    let mut fiscal_line: Option<Span> = None;
    let mut holidays: Vec<(Date, Span)> = Vec::new();
    for d in decls {
        match d {
            ast::Decl::FiscalYear(f) => {
                if let Some(first) = fiscal_line {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::Redundant,
                            f.span,
                            "the fiscal year's start is declared twice",
                        )
                        .with_label("second declaration")
                        .with_secondary(first, "first declared here")
                        .with_help("keep one `fiscal year starts MONTH DAY` line"),
                    );
                    continue;
                }
                fiscal_line = Some(f.span);
                match FiscalStart::new(f.month, f.day) {
                    Some(start) => r.model.fiscal_start = Some(start),
                    None => r.diagnostics.push(
                        Diagnostic::error(
                            Code::InvalidDate,
                            f.date_span,
                            if f.month == 2 && f.day == 29 {
                                "a fiscal year cannot start on February 29, which most years do not have".to_owned()
                            } else {
                                "this day does not exist in that month".to_owned()
                            },
                        )
                        .with_label("no such day every year")
                        .with_help("start the fiscal year on a day every year has, like `fiscal year starts July 1` or `fiscal year starts March 1`"),
                    ),
                }
            }
            ast::Decl::Holidays(days, _) => holidays.extend(days.iter().copied()),
            _ => {}
        }
    }
    let effective = r.model.effective;
    let mut kept: Vec<Date> = Vec::new();
    for (day, span) in holidays {
        let why = if kept.contains(&day) {
            Some(format!("{day} is listed twice"))
        } else if !is_business_day(day, &[]) {
            let weekday = if day.weekday() == chrono::Weekday::Sat {
                "Saturday"
            } else {
                "Sunday"
            };
            Some(format!(
                "{day} is a {weekday}, which is never a business day"
            ))
        } else if day < effective {
            Some(format!("{day} is before the effective date {effective}"))
        } else {
            None
        };
        if let Some(why) = why {
            r.diagnostics.push(
                Diagnostic::warning(Code::IdleHoliday, span, format!("{why}: listing it as a holiday changes no deadline"))
                    .with_label("changes nothing")
                    .with_help("list only the weekdays within the contract's life that are not business days; if the holiday is observed on another day (a Saturday holiday observed on the Friday), list that day"),
            );
        } else {
            kept.push(day);
        }
        // Weekend and early days change no count, but keeping them is harmless.
        if !r.model.holidays.contains(&day) {
            r.model.holidays.push(day);
        }
    }
    r.model.holidays.sort_unstable();
}

/// Reports each use of `fiscal year` in a contract that does not say when its fiscal year starts.
/// (A start that was declared but invalid is reported where it is written, not at each use.)
pub(crate) fn check_fiscal_uses(r: &mut Resolver<'_>, declared: bool) {
    if declared || r.model.fiscal_start.is_some() {
        return;
    }
    let uses = fiscal_uses(r.model);
    for (span, what) in uses {
        r.diagnostics.push(
            Diagnostic::error(Code::NoFiscalYear, span, format!("{what} counts in fiscal years, but the contract does not say when its fiscal year starts"))
                .with_label("fiscal year")
                .with_help("add a line such as `fiscal year starts July 1` to the contract (write `fiscal year starts January 1` for calendar years)"),
        );
    }
}

fn fiscal_uses(model: &Model) -> Vec<(Span, &'static str)> {
    let mut out = Vec::new();
    for m in &model.metrics {
        if m.unit == PeriodUnit::FiscalYear {
            out.push((m.span, "this metric"));
        }
    }
    for clause in &model.clauses {
        for v in &clause.versions {
            for p in &v.payments {
                let metric_unit = match &p.charge {
                    Charge::Share { metric, .. } | Charge::Shortfall { metric, .. } => {
                        model.metrics.get(*metric).map(|m| m.unit)
                    }
                    _ => None,
                };
                let fiscal = p.every == Some(PeriodUnit::FiscalYear)
                    || [p.cap_per_unit, p.floor_unit]
                        .iter()
                        .any(|u| u.is_some_and(|(u, _)| u == PeriodUnit::FiscalYear));
                if fiscal
                    && metric_unit != Some(PeriodUnit::FiscalYear)
                    && !out.iter().any(|(s, _)| *s == p.span)
                {
                    out.push((p.span, "this payment"));
                }
            }
        }
    }
    out
}
