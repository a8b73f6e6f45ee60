//! Civil dates, durations and periods: the calendar arithmetic contracts use.
//!
//! Dates are `chrono::NaiveDate` (proleptic Gregorian, no time zone: a
//! contract day is a calendar day). Month and year arithmetic clamps to the
//! month's end, so `2024-01-31 + 1 month = 2024-02-29`.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate};

/// A calendar date.
pub type Date = NaiveDate;

/// The unit of a written duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DurationUnit {
    /// Calendar days.
    Day,
    /// Seven days.
    Week,
    /// Calendar months, clamped to month end.
    Month,
    /// Calendar years (twelve months).
    Year,
}

/// A written duration such as `90 days` or `3 months`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    /// How many units.
    pub count: u32,
    /// Which unit.
    pub unit: DurationUnit,
}

impl Duration {
    /// `date + self`, or `None` past the calendar's range.
    pub fn after(self, date: Date) -> Option<Date> {
        match self.unit {
            DurationUnit::Day => date.checked_add_days(Days::new(u64::from(self.count))),
            DurationUnit::Week => date.checked_add_days(Days::new(u64::from(self.count) * 7)),
            DurationUnit::Month => date.checked_add_months(Months::new(self.count)),
            DurationUnit::Year => date.checked_add_months(Months::new(self.count.checked_mul(12)?)),
        }
    }

    /// `date - self`, or `None` before the calendar's range.
    pub fn before(self, date: Date) -> Option<Date> {
        match self.unit {
            DurationUnit::Day => date.checked_sub_days(Days::new(u64::from(self.count))),
            DurationUnit::Week => date.checked_sub_days(Days::new(u64::from(self.count) * 7)),
            DurationUnit::Month => date.checked_sub_months(Months::new(self.count)),
            DurationUnit::Year => date.checked_sub_months(Months::new(self.count.checked_mul(12)?)),
        }
    }

    /// The last day of a span of this length that starts on `start`
    /// (`for 2 years` from A ends the day before the second anniversary).
    pub fn last_day_from(self, start: Date) -> Option<Date> {
        self.after(start)?.pred_opt()
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.unit {
            DurationUnit::Day => "day",
            DurationUnit::Week => "week",
            DurationUnit::Month => "month",
            DurationUnit::Year => "year",
        };
        let plural = if self.count == 1 { "" } else { "s" };
        write!(f, "{} {word}{plural}", self.count)
    }
}

/// The unit of a metric or of a periodic payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodUnit {
    /// A calendar month.
    Month,
    /// A calendar quarter.
    Quarter,
    /// A calendar year.
    Year,
    /// A year counted from the contract's effective date.
    ContractYear,
}

impl fmt::Display for PeriodUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PeriodUnit::Month => "month",
            PeriodUnit::Quarter => "quarter",
            PeriodUnit::Year => "year",
            PeriodUnit::ContractYear => "contract year",
        })
    }
}

/// A concrete period: a span of days with a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    /// First day.
    pub start: Date,
    /// Last day (inclusive).
    pub end: Date,
    /// What kind of period it is.
    pub unit: PeriodUnit,
    /// For contract years, which one (1-based); otherwise 0.
    pub ordinal: u32,
}

impl Period {
    /// The calendar period of `unit` that contains `date` (contract years count from `effective`).
    pub fn containing(unit: PeriodUnit, date: Date, effective: Date) -> Option<Period> {
        let (start, end, ordinal) = match unit {
            PeriodUnit::Year => (
                NaiveDate::from_ymd_opt(date.year(), 1, 1)?,
                NaiveDate::from_ymd_opt(date.year(), 12, 31)?,
                0,
            ),
            PeriodUnit::Quarter => {
                let first_month = (date.month0() / 3) * 3 + 1;
                let start = NaiveDate::from_ymd_opt(date.year(), first_month, 1)?;
                (
                    start,
                    start.checked_add_months(Months::new(3))?.pred_opt()?,
                    0,
                )
            }
            PeriodUnit::Month => {
                let start = NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?;
                (
                    start,
                    start.checked_add_months(Months::new(1))?.pred_opt()?,
                    0,
                )
            }
            PeriodUnit::ContractYear => {
                // Anniversaries are computed from `effective` each time, never
                // from the previous one, so that 29 February does not drift.
                let anniversary =
                    |n: u32| effective.checked_add_months(Months::new(n.checked_mul(12)?));
                let mut n = u32::try_from(date.year() - effective.year()).unwrap_or(0);
                while n > 0 && anniversary(n)? > date {
                    n -= 1;
                }
                while anniversary(n + 1)? <= date {
                    n += 1;
                }
                (anniversary(n)?, anniversary(n + 1)?.pred_opt()?, n + 1)
            }
        };
        Some(Period {
            start,
            end,
            unit,
            ordinal,
        })
    }

    /// The period right after this one.
    pub fn next(self, effective: Date) -> Option<Period> {
        Period::containing(self.unit, self.end.succ_opt()?, effective)
    }

    /// Number of days in the period.
    pub fn days(self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// Whether `date` lies in the period.
    pub fn contains(self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }

    /// Whether every day of `other` lies in this period.
    pub fn covers(self, other: Period) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The stable label: `2027`, `2027-Q1`, `2027-03` or `contract year 3`.
    pub fn label(self) -> String {
        match self.unit {
            PeriodUnit::Year => format!("{}", self.start.year()),
            PeriodUnit::Quarter => {
                format!("{}-Q{}", self.start.year(), self.start.month0() / 3 + 1)
            }
            PeriodUnit::Month => format!("{}-{:02}", self.start.year(), self.start.month()),
            PeriodUnit::ContractYear => format!("contract year {}", self.ordinal),
        }
    }

    /// Parses a period literal (`2027`, `2027-Q1`, `2027-03`).
    pub fn parse(text: &str) -> Option<Period> {
        let year: i32 = text.get(0..4)?.parse().ok()?;
        let rest = text.get(4..)?;
        let never = NaiveDate::from_ymd_opt(year, 1, 1)?;
        if rest.is_empty() {
            Period::containing(PeriodUnit::Year, never, never)
        } else if let Some(q) = rest.strip_prefix("-Q") {
            let q: u32 = q.parse().ok()?;
            if !(1..=4).contains(&q) {
                return None;
            }
            let start = NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1)?;
            Period::containing(PeriodUnit::Quarter, start, never)
        } else {
            let m: u32 = rest.strip_prefix('-')?.parse().ok()?;
            let start = NaiveDate::from_ymd_opt(year, m, 1)?;
            Period::containing(PeriodUnit::Month, start, never)
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Days from `a` to `b` inclusive of both ends (0 when `b < a`).
pub fn days_inclusive(a: Date, b: Date) -> i64 {
    ((b - a).num_days() + 1).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap_or_default()
    }

    fn dur(count: u32, unit: DurationUnit) -> Duration {
        Duration { count, unit }
    }

    #[test]
    fn month_arithmetic_clamps_to_month_end() {
        assert_eq!(
            dur(1, DurationUnit::Month).after(d("2024-01-31")),
            Some(d("2024-02-29"))
        );
        assert_eq!(
            dur(1, DurationUnit::Month).after(d("2023-01-31")),
            Some(d("2023-02-28"))
        );
        assert_eq!(
            dur(1, DurationUnit::Year).after(d("2024-02-29")),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            dur(2, DurationUnit::Week).after(d("2024-12-25")),
            Some(d("2025-01-08"))
        );
    }

    #[test]
    fn spans_end_the_day_before_the_anniversary() {
        assert_eq!(
            dur(5, DurationUnit::Year).last_day_from(d("2024-01-01")),
            Some(d("2028-12-31"))
        );
        assert_eq!(
            dur(2, DurationUnit::Year).last_day_from(d("2026-04-27")),
            Some(d("2028-04-26"))
        );
    }

    #[test]
    fn due_ninety_days_after_2027_is_march_30() {
        assert_eq!(
            dur(90, DurationUnit::Day).after(d("2027-12-31")),
            Some(d("2028-03-30"))
        );
    }

    #[test]
    fn leap_years() {
        assert_eq!(Period::parse("2024").map(Period::days), Some(366));
        assert_eq!(Period::parse("2100").map(Period::days), Some(365));
        assert_eq!(Period::parse("2000").map(Period::days), Some(366));
        assert_eq!(
            Period::parse("2024-02").map(|p| p.end),
            Some(d("2024-02-29"))
        );
    }

    #[test]
    fn periods_parse_and_label() {
        for text in ["2027", "2027-Q1", "2027-Q4", "2027-03", "2027-12"] {
            assert_eq!(
                Period::parse(text).map(Period::label).as_deref(),
                Some(text)
            );
        }
        assert_eq!(Period::parse("2027-Q5"), None);
        assert_eq!(Period::parse("2027-13"), None);
        assert_eq!(
            Period::parse("2027-Q3").map(|p| (p.start, p.end)),
            Some((d("2027-07-01"), d("2027-09-30")))
        );
    }

    #[test]
    fn contract_years_count_from_effective() {
        let effective = d("2019-07-22");
        let p = Period::containing(PeriodUnit::ContractYear, d("2021-01-01"), effective);
        assert_eq!(
            p.map(|p| (p.start, p.end, p.ordinal)),
            Some((d("2020-07-22"), d("2021-07-21"), 2))
        );
        let leap = d("2024-02-29");
        let p = Period::containing(PeriodUnit::ContractYear, d("2025-03-01"), leap);
        assert_eq!(
            p.map(|p| (p.start, p.end, p.ordinal)),
            Some((d("2025-02-28"), d("2026-02-27"), 2))
        );
        let p = Period::containing(PeriodUnit::ContractYear, d("2028-02-29"), leap);
        assert_eq!(p.map(|p| (p.start, p.ordinal)), Some((d("2028-02-29"), 5)));
    }
}
