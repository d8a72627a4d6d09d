//! The hours a hall keeps on one day: its weekly periods, the State Council's holidays and
//! swapped working days, and the closures the bureau enters for one hall.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::calendar::{DayKind, WorkCalendar};
use crate::org::OpeningPeriod;

/// What a hall keeps on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayHours {
    pub date: NaiveDate,
    /// The periods that apply, in time order; empty when closed.
    pub periods: Vec<OpeningPeriod>,
    /// Why the hall is closed all day, in Chinese (a holiday, a closure, the weekend).
    pub closed_because: Option<String>,
}

impl DayHours {
    pub fn is_open_at(&self, local: NaiveDateTime) -> bool {
        local.date() == self.date && crate::org::is_open(&self.periods, local)
    }

    /// `09:00–12:00、14:30–18:00` for a page, or the reason it is closed.
    pub fn label(&self) -> String {
        if let Some(why) = &self.closed_because {
            return why.clone();
        }
        self.periods
            .iter()
            .map(|p| format!("{}（{}）", p.hours_label(), p.kind.label()))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// The hours on `date`. A statutory holiday or a closure shuts the hall whatever its week
/// says; a swapped working day (调休, a weekend day worked) keeps Monday's hours, as the
/// arrangement means the day is worked like a weekday.
pub fn hours_on(
    periods: &[OpeningPeriod],
    calendar: &WorkCalendar,
    closures: &[(NaiveDate, String)],
    date: NaiveDate,
) -> DayHours {
    if let Some((_, why)) = closures.iter().find(|(d, _)| *d == date) {
        return DayHours {
            date,
            periods: Vec::new(),
            closed_because: Some(format!("闭厅：{why}")),
        };
    }
    let weekday = match calendar.day_kind(date) {
        DayKind::Holiday { name } => {
            return DayHours {
                date,
                periods: Vec::new(),
                closed_because: Some(format!("{name}假期休息")),
            };
        }
        DayKind::SwappedWorking { .. } => 1,
        DayKind::Working | DayKind::Weekend => date.weekday().number_from_monday() as u8,
    };
    let mut today: Vec<OpeningPeriod> = periods
        .iter()
        .filter(|p| p.weekdays.contains(&weekday))
        .cloned()
        .collect();
    today.sort_by_key(|p| p.opens);
    let closed_because = today.is_empty().then(|| "当日不办公".to_owned());
    DayHours {
        date,
        periods: today,
        closed_because,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{HoursKind, parse_weekdays};
    use chrono::NaiveTime;

    fn p(days: &str, o: (u32, u32), c: (u32, u32), kind: HoursKind) -> OpeningPeriod {
        OpeningPeriod {
            weekdays: parse_weekdays(days).unwrap(),
            opens: NaiveTime::from_hms_opt(o.0, o.1, 0).unwrap(),
            closes: NaiveTime::from_hms_opt(c.0, c.1, 0).unwrap(),
            kind,
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn holidays_closures_and_swapped_days() {
        let cal = crate::calendar::shipped_calendar();
        let week = vec![
            p("1-5", (9, 0), (12, 0), HoursKind::Regular),
            p("1-5", (18, 0), (19, 0), HoursKind::Extended),
            p("6", (9, 0), (12, 0), HoursKind::Staggered),
        ];
        // 2026-10-01 is 国庆节, a Thursday.
        let national = hours_on(&week, &cal, &[], d(2026, 10, 1));
        assert!(national.periods.is_empty());
        assert!(national.closed_because.unwrap().contains("国庆"));
        // An ordinary Saturday keeps the staggered morning only.
        let sat = hours_on(&week, &cal, &[], d(2026, 11, 28));
        assert_eq!(sat.periods.len(), 1);
        assert_eq!(sat.periods[0].kind, HoursKind::Staggered);
        // A Sunday is closed.
        assert!(
            hours_on(&week, &cal, &[], d(2026, 11, 29))
                .closed_because
                .is_some()
        );
        // A closure shuts a working day.
        let shut = hours_on(
            &week,
            &cal,
            &[(d(2026, 12, 2), "停电检修".into())],
            d(2026, 12, 2),
        );
        assert_eq!(shut.closed_because.as_deref(), Some("闭厅：停电检修"));
        // The working day in time order, extended hours included.
        let wed = hours_on(&week, &cal, &[], d(2026, 12, 2));
        assert_eq!(wed.periods.len(), 2);
        let at = |h, m| d(2026, 12, 2).and_hms_opt(h, m, 0).unwrap();
        assert!(wed.is_open_at(at(18, 30)));
        assert!(!wed.is_open_at(at(13, 0)));
    }

    #[test]
    fn a_swapped_working_saturday_keeps_weekday_hours() {
        let cal = crate::calendar::shipped_calendar();
        let swapped = (2019..=2026)
            .flat_map(|y| (1..=366).filter_map(move |n| NaiveDate::from_yo_opt(y, n)))
            .find(|day| matches!(cal.day_kind(*day), DayKind::SwappedWorking { .. }))
            .expect("the shipped arrangements swap some weekend days");
        let week = vec![p("1-5", (9, 0), (12, 0), HoursKind::Regular)];
        let h = hours_on(&week, &cal, &[], swapped);
        assert_eq!(h.periods.len(), 1);
    }
}
