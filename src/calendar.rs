//! Civil dates, durations and periods: the calendar arithmetic contracts use.
//!
//! Dates are `chrono::NaiveDate` (proleptic Gregorian, no time zone: a
//! contract day is a calendar day). Month and year arithmetic clamps to the
//! month's end, so `2024-01-31 + 1 month = 2024-02-29`.
//!
//! Three calendars come from the contract itself: contract years and contract
//! months count from its effective date, fiscal years start on the day its
//! `fiscal year starts MONTH DAY` line names, and business days skip
//! Saturdays, Sundays and the dates of its `holidays` line. [`Anchors`]
//! carries the first two; the holiday list is passed where business days are
//! counted.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

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
    /// Business days: every day but Saturdays, Sundays and listed holidays.
    BusinessDay,
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
    /// `date + self`, or `None` past the calendar's range. Business days skip
    /// weekends only; use [`Duration::after_skipping`] where holidays count.
    pub fn after(self, date: Date) -> Option<Date> {
        self.after_skipping(date, &[])
    }

    /// `date + self`, business days skipping weekends and `holidays` too:
    /// `N business days after D` is the Nth business day after D, D itself not
    /// counted (so `1 business day after` a Friday is the Monday).
    pub fn after_skipping(self, date: Date, holidays: &[Date]) -> Option<Date> {
        match self.unit {
            DurationUnit::BusinessDay => business_days_after(date, self.count, holidays),
            DurationUnit::Day => date.checked_add_days(Days::new(u64::from(self.count))),
            DurationUnit::Week => date.checked_add_days(Days::new(u64::from(self.count) * 7)),
            DurationUnit::Month => date.checked_add_months(Months::new(self.count)),
            DurationUnit::Year => date.checked_add_months(Months::new(self.count.checked_mul(12)?)),
        }
    }

    /// `date - self`, or `None` before the calendar's range.
    pub fn before(self, date: Date) -> Option<Date> {
        match self.unit {
            DurationUnit::BusinessDay => business_days_before(date, self.count, &[]),
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
            DurationUnit::BusinessDay => "business day",
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
    /// A month counted from the contract's effective date.
    ContractMonth,
    /// A year starting on the contract's fiscal start (`fiscal year starts July 1`).
    FiscalYear,
}

/// The first day of every fiscal year: a month and a day of that month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FiscalStart {
    /// 1 to 12.
    pub month: u32,
    /// 1 to the month's length (February: 28).
    pub day: u32,
}

impl FiscalStart {
    /// The calendar year: 1 January.
    pub const JANUARY: FiscalStart = FiscalStart { month: 1, day: 1 };

    /// A fiscal start, if the day exists in every year (so never 29 February).
    pub fn new(month: u32, day: u32) -> Option<FiscalStart> {
        // 2023 is not a leap year: 29 February is refused.
        NaiveDate::from_ymd_opt(2023, month, day)?;
        Some(FiscalStart { month, day })
    }

    /// The fiscal year that ends in `year` (`FY2027`): with a 1 July start,
    /// 2026-07-01 to 2027-06-30; with a 1 January start, calendar 2027.
    pub fn year_ending_in(self, year: i32) -> Option<Period> {
        let start_year = if (self.month, self.day) == (1, 1) {
            year
        } else {
            year.checked_sub(1)?
        };
        let start = NaiveDate::from_ymd_opt(start_year, self.month, self.day)?;
        Some(Period {
            start,
            end: start.checked_add_months(Months::new(12))?.pred_opt()?,
            unit: PeriodUnit::FiscalYear,
            ordinal: u32::try_from(year).ok()?,
        })
    }
}

/// The months' English names, January first, as contracts write them.
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl fmt::Display for FiscalStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = MONTH_NAMES
            .get(self.month.saturating_sub(1) as usize)
            .unwrap_or(&"?");
        write!(f, "{month} {}", self.day)
    }
}

/// What a contract's own calendars count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Anchors {
    /// The effective date: contract years and months count from it.
    pub effective: Date,
    /// The first day of each fiscal year.
    pub fiscal: FiscalStart,
}

impl Anchors {
    /// Anchors with a calendar-year fiscal year.
    pub fn from_effective(effective: Date) -> Anchors {
        Anchors {
            effective,
            fiscal: FiscalStart::JANUARY,
        }
    }
}

/// Whether `date` is a business day: not a Saturday, Sunday or listed holiday.
pub fn is_business_day(date: Date, holidays: &[Date]) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&date)
}

/// The `n`th business day after `date` (`date` itself not counted); `date` when `n` is 0.
pub fn business_days_after(date: Date, n: u32, holidays: &[Date]) -> Option<Date> {
    let mut day = date;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt()?;
        if is_business_day(day, holidays) {
            left -= 1;
        }
    }
    Some(day)
}

/// The `n`th business day before `date` (`date` itself not counted).
pub fn business_days_before(date: Date, n: u32, holidays: &[Date]) -> Option<Date> {
    let mut day = date;
    let mut left = n;
    while left > 0 {
        day = day.pred_opt()?;
        if is_business_day(day, holidays) {
            left -= 1;
        }
    }
    Some(day)
}

impl fmt::Display for PeriodUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PeriodUnit::Month => "month",
            PeriodUnit::Quarter => "quarter",
            PeriodUnit::Year => "year",
            PeriodUnit::ContractYear => "contract year",
            PeriodUnit::ContractMonth => "contract month",
            PeriodUnit::FiscalYear => "fiscal year",
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
    /// For contract years and months, which one (1-based); for fiscal years,
    /// the calendar year the fiscal year ends in; otherwise 0.
    pub ordinal: u32,
}

impl Period {
    /// The period of `unit` that contains `date` (contract years and months
    /// count from the effective date, fiscal years from the fiscal start).
    pub fn containing(unit: PeriodUnit, date: Date, anchors: Anchors) -> Option<Period> {
        let effective = anchors.effective;
        let (start, end, ordinal) = match unit {
            PeriodUnit::FiscalYear => {
                let FiscalStart { month, day } = anchors.fiscal;
                let this_year = NaiveDate::from_ymd_opt(date.year(), month, day)?;
                let start = if date >= this_year {
                    this_year
                } else {
                    NaiveDate::from_ymd_opt(date.year().checked_sub(1)?, month, day)?
                };
                let end = start.checked_add_months(Months::new(12))?.pred_opt()?;
                (start, end, u32::try_from(end.year()).ok()?)
            }
            PeriodUnit::ContractMonth => {
                // As for contract years: each month's start is computed from
                // `effective`, so a 31st effective date clamps without drifting.
                let start_of = |n: u32| effective.checked_add_months(Months::new(n));
                let months = (date.year() - effective.year()) * 12 + date.month() as i32
                    - effective.month() as i32;
                let mut n = u32::try_from(months).unwrap_or(0);
                while n > 0 && start_of(n)? > date {
                    n -= 1;
                }
                while start_of(n + 1)? <= date {
                    n += 1;
                }
                (start_of(n)?, start_of(n + 1)?.pred_opt()?, n + 1)
            }
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
    pub fn next(self, anchors: Anchors) -> Option<Period> {
        Period::containing(self.unit, self.end.succ_opt()?, anchors)
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

    /// The stable label: `2027`, `2027-Q1`, `2027-03`, `contract year 3`,
    /// `contract month 14` or `FY2027` (the fiscal year that ends in 2027).
    pub fn label(self) -> String {
        match self.unit {
            PeriodUnit::Year => format!("{}", self.start.year()),
            PeriodUnit::Quarter => {
                format!("{}-Q{}", self.start.year(), self.start.month0() / 3 + 1)
            }
            PeriodUnit::Month => format!("{}-{:02}", self.start.year(), self.start.month()),
            PeriodUnit::ContractYear => format!("contract year {}", self.ordinal),
            PeriodUnit::ContractMonth => format!("contract month {}", self.ordinal),
            PeriodUnit::FiscalYear => format!("FY{}", self.ordinal),
        }
    }

    /// Parses a period literal (`2027`, `2027-Q1`, `2027-03`, `FY2027`). A
    /// fiscal year is read with a 1 January start: its dates depend on the
    /// contract, so the checker places it with [`Period::placed`].
    pub fn parse(text: &str) -> Option<Period> {
        if let Some(year) = text.strip_prefix("FY") {
            return FiscalStart::JANUARY.year_ending_in(year.parse().ok()?);
        }
        let year: i32 = text.get(0..4)?.parse().ok()?;
        let rest = text.get(4..)?;
        let never = Anchors::from_effective(NaiveDate::from_ymd_opt(year, 1, 1)?);
        if rest.is_empty() {
            Period::containing(PeriodUnit::Year, never.effective, never)
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

impl Period {
    /// The period with its dates taken from the contract's calendar: a fiscal
    /// year keeps its number and moves to the contract's fiscal start.
    pub fn placed(self, anchors: Anchors) -> Period {
        match self.unit {
            PeriodUnit::FiscalYear => i32::try_from(self.ordinal)
                .ok()
                .and_then(|y| anchors.fiscal.year_ending_in(y))
                .unwrap_or(self),
            _ => self,
        }
    }

    /// The label reports show: for fiscal years and contract months, with
    /// their dates, since the label alone depends on the contract's calendar:
    /// `FY2027 (2026-07-01 to 2027-06-30)`.
    pub fn long_label(self) -> String {
        match self.unit {
            PeriodUnit::FiscalYear | PeriodUnit::ContractMonth => {
                format!("{} ({} to {})", self.label(), self.start, self.end)
            }
            _ => self.label(),
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
        let p = Period::containing(
            PeriodUnit::ContractYear,
            d("2021-01-01"),
            Anchors::from_effective(effective),
        );
        assert_eq!(
            p.map(|p| (p.start, p.end, p.ordinal)),
            Some((d("2020-07-22"), d("2021-07-21"), 2))
        );
        let leap = d("2024-02-29");
        let p = Period::containing(
            PeriodUnit::ContractYear,
            d("2025-03-01"),
            Anchors::from_effective(leap),
        );
        assert_eq!(
            p.map(|p| (p.start, p.end, p.ordinal)),
            Some((d("2025-02-28"), d("2026-02-27"), 2))
        );
        let p = Period::containing(
            PeriodUnit::ContractYear,
            d("2028-02-29"),
            Anchors::from_effective(leap),
        );
        assert_eq!(p.map(|p| (p.start, p.ordinal)), Some((d("2028-02-29"), 5)));
    }

    fn july() -> Anchors {
        Anchors {
            effective: d("2025-07-01"),
            fiscal: FiscalStart { month: 7, day: 1 },
        }
    }

    #[test]
    fn fiscal_years_are_named_by_the_year_they_end_in() {
        let fy = |date: &str| Period::containing(PeriodUnit::FiscalYear, d(date), july());
        let want = Some((d("2026-07-01"), d("2027-06-30"), 2027));
        assert_eq!(fy("2026-07-01").map(|p| (p.start, p.end, p.ordinal)), want);
        assert_eq!(fy("2027-06-30").map(|p| (p.start, p.end, p.ordinal)), want);
        assert_eq!(fy("2026-06-30").map(|p| p.ordinal), Some(2026));
        assert_eq!(
            fy("2027-01-15").map(Period::label).as_deref(),
            Some("FY2027")
        );
        assert_eq!(
            fy("2027-01-15").map(Period::long_label).as_deref(),
            Some("FY2027 (2026-07-01 to 2027-06-30)")
        );
        // A literal is read with a January start and placed on the contract's calendar.
        let lit = Period::parse("FY2027");
        assert_eq!(
            lit.map(|p| (p.start, p.end)),
            Some((d("2027-01-01"), d("2027-12-31")))
        );
        assert_eq!(lit.map(|p| p.placed(july())), fy("2027-01-15"));
        // A fiscal year over a leap day has 366 days.
        assert_eq!(fy("2024-01-01").map(Period::days), Some(366));
        assert_eq!(fy("2024-07-01").map(Period::days), Some(365));
        // Walking on covers every day once.
        assert_eq!(
            fy("2026-07-01")
                .and_then(|p| p.next(july()))
                .map(|p| p.start),
            Some(d("2027-07-01"))
        );
    }

    #[test]
    fn fiscal_starts_mid_month_and_in_january() {
        let oct = Anchors {
            effective: d("2025-01-01"),
            fiscal: FiscalStart { month: 10, day: 1 },
        };
        // The US federal FY2027: 2026-10-01 to 2027-09-30.
        let p = Period::containing(PeriodUnit::FiscalYear, d("2027-09-30"), oct);
        assert_eq!(
            p.map(|p| (p.start, p.end, p.ordinal)),
            Some((d("2026-10-01"), d("2027-09-30"), 2027))
        );
        let jan = Anchors::from_effective(d("2025-01-01"));
        let p = Period::containing(PeriodUnit::FiscalYear, d("2027-05-05"), jan);
        assert_eq!(
            p.map(|p| (p.start, p.end, p.ordinal)),
            Some((d("2027-01-01"), d("2027-12-31"), 2027))
        );
        let mid = Anchors {
            effective: d("2025-01-01"),
            fiscal: FiscalStart { month: 4, day: 6 },
        };
        let p = Period::containing(PeriodUnit::FiscalYear, d("2027-04-05"), mid);
        assert_eq!(
            p.map(|p| (p.start, p.end, p.ordinal)),
            Some((d("2026-04-06"), d("2027-04-05"), 2027))
        );
        assert_eq!(FiscalStart::new(2, 29), None);
        assert_eq!(FiscalStart::new(2, 30), None);
        assert_eq!(FiscalStart::new(13, 1), None);
        assert_eq!(
            FiscalStart::new(2, 28),
            Some(FiscalStart { month: 2, day: 28 })
        );
    }

    #[test]
    fn contract_months_count_from_effective_and_clamp() {
        let a = Anchors::from_effective(d("2025-01-31"));
        let cm = |date: &str| {
            Period::containing(PeriodUnit::ContractMonth, d(date), a)
                .map(|p| (p.start, p.end, p.ordinal))
        };
        assert_eq!(
            cm("2025-01-31"),
            Some((d("2025-01-31"), d("2025-02-27"), 1))
        );
        assert_eq!(
            cm("2025-02-28"),
            Some((d("2025-02-28"), d("2025-03-30"), 2))
        );
        // Computed from the effective date each time: the 31st comes back.
        assert_eq!(
            cm("2025-03-31"),
            Some((d("2025-03-31"), d("2025-04-29"), 3))
        );
        assert_eq!(cm("2026-01-31").map(|p| p.2), Some(13));
        assert_eq!(
            Period::containing(PeriodUnit::ContractMonth, d("2025-03-31"), a)
                .map(Period::label)
                .as_deref(),
            Some("contract month 3")
        );
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        let bd = |n| dur(n, DurationUnit::BusinessDay);
        // 2027-06-30 is a Wednesday: +10 business days = 2027-07-14 (Wed) without holidays.
        assert_eq!(bd(10).after(d("2027-06-30")), Some(d("2027-07-14")));
        // With 2027-07-05 (Monday) a holiday: one more day, 2027-07-15.
        assert_eq!(
            bd(10).after_skipping(d("2027-06-30"), &[d("2027-07-05")]),
            Some(d("2027-07-15"))
        );
        // A holiday on a weekend changes nothing.
        assert_eq!(
            bd(10).after_skipping(d("2027-06-30"), &[d("2027-07-03")]),
            Some(d("2027-07-14"))
        );
        // The day itself is not counted: one business day after a Friday is the Monday.
        assert_eq!(bd(1).after(d("2027-07-02")), Some(d("2027-07-05")));
        // From a Saturday, the first business day is the Monday.
        assert_eq!(bd(1).after(d("2027-07-03")), Some(d("2027-07-05")));
        assert_eq!(bd(0).after(d("2027-07-03")), Some(d("2027-07-03")));
        assert_eq!(bd(5).before(d("2027-07-12")), Some(d("2027-07-05")));
        assert!(!is_business_day(d("2027-07-05"), &[d("2027-07-05")]));
        assert_eq!(bd(3).to_string(), "3 business days");
        assert_eq!(bd(1).to_string(), "1 business day");
    }
}
