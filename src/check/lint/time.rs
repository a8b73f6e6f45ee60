//! When a clause version can be active, worked out without a scenario.
//!
//! The evaluator turns each version into day intervals: its time in force,
//! clipped to the contract's term and to its `from`, `until` and `for`
//! windows (section 8.1 of the language reference). This module does the
//! same with what the text alone decides, and errs on the side of "longer":
//!
//! - a window date or duration given by a param could be anything a scenario
//!   sets, so it bounds nothing;
//! - a term that renews, or has no end, is open-ended, and a termination
//!   can only shorten it, so the written term is the longest it runs.
//!
//! So every day a clause is active in some scenario lies in its [`Range`];
//! with literal dates the range is exactly the days it can be active.

use chrono::NaiveDate;

use crate::check::model::{Clause, ClauseVersion, Model, Slot, Value, ValueRef};

/// A span of days, both ends inclusive; `until: None` runs on without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First day.
    pub from: NaiveDate,
    /// Last day, if any.
    pub until: Option<NaiveDate>,
}

impl Range {
    /// Every day.
    pub const ALL: Range = Range {
        from: NaiveDate::MIN,
        until: None,
    };

    /// The days in both, if any.
    pub fn intersect(self, other: Range) -> Option<Range> {
        let from = self.from.max(other.from);
        let until = match (self.until, other.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Range::new(from, until)
    }

    /// The range, unless it is empty.
    pub fn new(from: NaiveDate, until: Option<NaiveDate>) -> Option<Range> {
        match until {
            Some(u) if u < from => None,
            _ => Some(Range { from, until }),
        }
    }

    /// Whether `date` lies in the range.
    pub fn contains(self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|u| date <= u)
    }

    /// `from 2026-04-27 to 2032-12-31`, or `from 2026-04-27 on`.
    pub fn describe(self) -> String {
        match self.until {
            Some(u) if u == self.from => format!("on {u}"),
            Some(u) => format!("from {} to {u}", self.from),
            None => format!("from {} on", self.from),
        }
    }
}

/// Merges ranges that overlap or touch, in date order.
pub fn merge(mut ranges: Vec<Range>) -> Vec<Range> {
    ranges.sort_by_key(|r| r.from);
    let mut out: Vec<Range> = Vec::new();
    for r in ranges {
        if let Some(last) = out.last_mut() {
            let touches = match last.until {
                None => true,
                Some(u) => u.succ_opt().is_none_or(|next| r.from <= next),
            };
            if touches {
                last.until = match (last.until, r.until) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                continue;
            }
        }
        out.push(r);
    }
    out
}

/// Describes merged ranges: `from A to B and from C on`.
pub fn describe_all(ranges: &[Range]) -> String {
    let parts: Vec<String> = ranges.iter().map(|r| r.describe()).collect();
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The longest the contract can be in force: from its effective date to the
/// written term's last day (open-ended when it renews or has no end).
pub fn contract_range(model: &Model) -> Range {
    let until = match &model.term.renewal {
        Some(_) => None,
        None => model.term.last_day,
    };
    Range {
        from: model.effective,
        until,
    }
}

/// The days a version governs its clause (within the contract's term), if any.
pub fn in_force(model: &Model, v: &ClauseVersion) -> Option<Range> {
    let own = Range::new(v.in_force_from.max(model.effective), v.in_force_until)?;
    own.intersect(contract_range(model))
}

fn literal_date(slot: &Option<Slot>) -> Option<NaiveDate> {
    match slot {
        Some(Slot {
            value: ValueRef::Lit(Value::Date(d)),
            ..
        }) => Some(*d),
        _ => None,
    }
}

/// The days a version's `from`, `until` and `for` windows allow, counted
/// exactly as the evaluator counts them (a `for` window runs from the
/// `from` date, else from the day the clause first took effect).
pub fn window(model: &Model, clause: &Clause, v: &ClauseVersion) -> Option<Range> {
    let from = literal_date(&v.windows.from);
    let mut until = literal_date(&v.windows.until);
    if let Some(Slot {
        value: ValueRef::Lit(Value::Duration(d)),
        ..
    }) = &v.windows.for_
    {
        // A `from` given by a param moves the start of `for`: no bound then.
        let start = match (&v.windows.from, from) {
            (Some(_), None) => None,
            (_, Some(f)) => Some(f),
            (None, None) => Some(
                clause
                    .versions
                    .first()
                    .map_or(model.effective, |first| first.in_force_from),
            ),
        };
        if let Some(last) = start.and_then(|s| d.last_day_from(s.max(model.effective))) {
            until = Some(until.map_or(last, |u| u.min(last)));
        }
    }
    Range::new(from.unwrap_or(NaiveDate::MIN), until)
}

/// The days a version can be active: in force, and within its windows.
/// `while` and `unless` conditions are left to the caller, which decides
/// them together with whatever else must hold on the same day.
pub fn active(model: &Model, clause: &Clause, v: &ClauseVersion) -> Option<Range> {
    in_force(model, v)?.intersect(window(model, clause, v)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => d,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn ranges_intersect_and_merge() {
        let a = Range {
            from: d("2025-01-01"),
            until: Some(d("2025-06-30")),
        };
        let b = Range {
            from: d("2025-07-01"),
            until: None,
        };
        assert_eq!(a.intersect(b), None);
        assert_eq!(
            merge(vec![b, a]),
            vec![Range {
                from: d("2025-01-01"),
                until: None
            }]
        );
        assert_eq!(
            describe_all(&merge(vec![a])),
            "from 2025-01-01 to 2025-06-30"
        );
        assert_eq!(b.describe(), "from 2025-07-01 on");
    }
}
