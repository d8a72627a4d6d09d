//! The working-day calendar (工作日 / 调休): statutory holidays and swapped working days from
//! the State Council's yearly arrangements, and deadline arithmetic on it.
//!
//! A day is a working day when it is a swapped working day (调休上班), or a Monday to Friday
//! that is not a holiday. Weekday arithmetic alone is never used for a year whose arrangement
//! is known; for a year without one, [`WorkCalendar::covers`] says so, so callers can warn.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Serialize;

/// Why a day is or is not a working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    Working,
    Weekend,
    /// A statutory holiday, with the festival's name.
    Holiday {
        name: String,
    },
    /// A weekend day that is worked under the arrangement (调休上班).
    SwappedWorking {
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("第 {line} 行：{reason}")]
    Row { line: usize, reason: String },
}

/// Holidays and swapped working days, by year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeMap<NaiveDate, String>,
    swapped: BTreeMap<NaiveDate, String>,
    years: BTreeSet<i32>,
}

/// How a due date was counted, for the case page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueDateExplanation {
    pub from: NaiveDate,
    pub days: u32,
    pub due: NaiveDate,
    /// Non-working days passed over, with why.
    pub skipped: Vec<(NaiveDate, DayKind)>,
    /// Weekend days that counted because they were worked.
    pub swapped_counted: Vec<NaiveDate>,
}

/// The years the calendar answers for. Outside them a date is refused rather than counted
/// (issue 11): a year like 9999 or -40 is a typing error, and far dates would only count
/// weekends with nothing known of their holidays.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// What a date outside `YEARS` is told.
pub const OUT_OF_RANGE: &str = "日期须在 1900 年至 2200 年之间";

/// Whether `date` lies within `YEARS`.
pub fn in_range(date: NaiveDate) -> bool {
    YEARS.contains(&date.year())
}

impl WorkCalendar {
    /// Reads `date,kind,name` rows (`kind` = `holiday` or `workday`), the format of
    /// `data/cn_holidays_2019_2026.csv`. Every year that appears is taken as covered.
    pub fn from_csv(text: &str) -> Result<Self, CalendarError> {
        // The range every date of the calendar lies in (`in_range`).
        let mut cal = WorkCalendar::default();
        for (i, line) in text.lines().enumerate().skip(1) {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let row = |reason: &str| CalendarError::Row {
                line: i + 1,
                reason: reason.to_owned(),
            };
            let mut parts = line.splitn(3, ',');
            let date = parts
                .next()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .ok_or_else(|| row("日期格式应为 YYYY-MM-DD"))?;
            if !in_range(date) {
                return Err(row(OUT_OF_RANGE));
            }
            let kind = parts.next().unwrap_or_default();
            let name = parts.next().unwrap_or_default().trim().to_owned();
            match kind {
                "holiday" => cal.add_holiday(date, name),
                "workday" => cal.add_swapped_working_day(date, name),
                _ => return Err(row("类型应为 holiday 或 workday")),
            }
        }
        Ok(cal)
    }

    pub fn add_holiday(&mut self, date: NaiveDate, name: String) {
        self.swapped.remove(&date);
        self.years.insert(date.year());
        self.holidays.insert(date, name);
    }

    pub fn add_swapped_working_day(&mut self, date: NaiveDate, name: String) {
        self.holidays.remove(&date);
        self.years.insert(date.year());
        self.swapped.insert(date, name);
    }

    /// Whether `year`'s arrangement is known.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(name) = self.holidays.get(&date) {
            return DayKind::Holiday { name: name.clone() };
        }
        if let Some(name) = self.swapped.get(&date) {
            return DayKind::SwappedWorking { name: name.clone() };
        }
        match date.weekday() {
            Weekday::Sat | Weekday::Sun => DayKind::Weekend,
            _ => DayKind::Working,
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        matches!(
            self.day_kind(date),
            DayKind::Working | DayKind::SwappedWorking { .. }
        )
    }

    /// The date `days` working days after `from`: day 1 is the first working day after
    /// `from`. Zero days is `from` itself (即办).
    pub fn add_working_days(&self, from: NaiveDate, days: u32) -> NaiveDate {
        self.explain(from, days).due
    }

    /// Working days in (`from`, `to`]: how many of the limit `to` has used.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d + Days::new(1);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// `add_working_days` with every skipped and swapped day recorded.
    pub fn explain(&self, from: NaiveDate, days: u32) -> DueDateExplanation {
        let mut skipped = Vec::new();
        let mut swapped_counted = Vec::new();
        let mut d = from;
        let mut left = days;
        while left > 0 {
            d = d + Days::new(1);
            match self.day_kind(d) {
                DayKind::Working => left -= 1,
                DayKind::SwappedWorking { .. } => {
                    swapped_counted.push(d);
                    left -= 1;
                }
                other => skipped.push((d, other)),
            }
        }
        DueDateExplanation {
            from,
            days,
            due: d,
            skipped,
            swapped_counted,
        }
    }
}

/// The arrangements shipped with the product (2019–2026, State Council notices).
/// The district's UTC offset: Asia/Shanghai, eight hours, without daylight saving.
pub fn district_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The calendar day in the district at instant `t`: the day that deadlines count from.
pub fn district_date(t: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    t.with_timezone(&district_offset()).date_naive()
}

pub fn shipped_calendar() -> WorkCalendar {
    WorkCalendar::from_csv(include_str!("../../../data/cn_holidays_2019_2026.csv"))
        .expect("the shipped holiday data is well-formed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn national_day_2024_is_skipped_and_the_swapped_saturday_counts() {
        let cal = shipped_calendar();
        assert!(cal.covers(2024) && cal.covers(2026) && !cal.covers(2027));
        // 2024: 10-01..10-07 off; Sunday 09-29 and Saturday 10-12 worked.
        assert_eq!(cal.add_working_days(d("2024-09-27"), 1), d("2024-09-29"));
        assert_eq!(cal.add_working_days(d("2024-09-30"), 1), d("2024-10-08"));
        let e = cal.explain(d("2024-09-30"), 5);
        assert_eq!(e.due, d("2024-10-12"));
        assert_eq!(e.swapped_counted, vec![d("2024-10-12")]);
        assert!(e.skipped.iter().any(|(day, k)| *day == d("2024-10-01")
            && *k
                == DayKind::Holiday {
                    name: "国庆节".into()
                }));
        assert_eq!(cal.add_working_days(d("2024-09-30"), 0), d("2024-09-30"));
    }

    #[test]
    fn spring_festival_2026() {
        let cal = shipped_calendar();
        // Saturday 02-14 is worked; 02-15..02-23 are off.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        let e = cal.explain(d("2026-02-13"), 2);
        assert_eq!(e.due, d("2026-02-24"));
        assert_eq!(e.swapped_counted, vec![d("2026-02-14")]);
        assert_eq!(e.skipped.len(), 9);
    }

    #[test]
    fn bad_rows_are_named() {
        assert_eq!(
            WorkCalendar::from_csv("date,kind,name\n2027-13-01,holiday,元旦\n"),
            Err(CalendarError::Row {
                line: 2,
                reason: "日期格式应为 YYYY-MM-DD".into()
            })
        );
        assert!(WorkCalendar::from_csv("date,kind,name\n2027-01-01,day,元旦\n").is_err());
    }

    #[test]
    fn next_year_can_be_entered() {
        let mut cal = shipped_calendar();
        cal.add_holiday(d("2027-01-01"), "元旦".into());
        assert!(cal.covers(2027));
        assert_eq!(cal.add_working_days(d("2026-12-31"), 1), d("2027-01-04"));
    }

    proptest! {
        #[test]
        fn adding_then_counting_agrees(offset in 0u32..(8 * 366), days in 0u32..60) {
            let cal = shipped_calendar();
            let from = d("2019-01-01") + Days::new(u64::from(offset));
            let due = cal.add_working_days(from, days);
            prop_assert_eq!(cal.working_days_between(from, due), days);
            if days > 0 {
                // No due date falls on a holiday or weekend unless it is a swapped working day.
                prop_assert!(cal.is_working_day(due));
                let off = matches!(cal.day_kind(due), DayKind::Holiday { .. } | DayKind::Weekend);
                prop_assert!(!off, "{} is not a working day", due);
            }
        }
    }
}
