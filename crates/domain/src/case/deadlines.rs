//! Time limits: due dates counted in working days with clock stops for special procedures,
//! urgency for inboxes, and the follow-up dates of owed materials and verifications.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::calendar::WorkCalendar;

/// How close a case is to its due date, for inboxes and overdue lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Normal,
    /// 黄灯: `warn_days` working days or fewer are left.
    DueSoon,
    /// 红灯: past the due date.
    Overdue,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "",
            Self::DueSoon => "due-soon",
            Self::Overdue => "overdue",
        }
    }
}

/// Yellow when `warn_days` working days or fewer are left before `due`, red once `due`
/// has passed.
pub fn urgency(cal: &WorkCalendar, due: NaiveDate, today: NaiveDate, warn_days: u32) -> Urgency {
    if due < today {
        Urgency::Overdue
    } else if due <= cal.add_working_days(today, warn_days) {
        Urgency::DueSoon
    } else {
        Urgency::Normal
    }
}

/// Working days an applicant has to supply materials owed under deficiency acceptance.
pub const DEFICIENCY_SUPPLY_WORKING_DAYS: u32 = 5;

/// Working days within which a department verifies a commitment (告知承诺核查).
pub const COMMITMENT_VERIFICATION_WORKING_DAYS: u32 = 20;

/// When a follow-up (owed 容缺 materials, a commitment verification) is due after a step:
/// set `days` working days from `today` when the obligation starts, kept while it lasts,
/// cleared once it ends.
pub fn follow_up_date(
    cal: &WorkCalendar,
    open_after: bool,
    open_before: bool,
    current: Option<NaiveDate>,
    today: NaiveDate,
    days: u32,
) -> Option<NaiveDate> {
    match (open_after, open_before) {
        (false, _) => None,
        (true, true) => current,
        (true, false) => Some(cal.add_working_days(today, days)),
    }
}

/// A period during which the clock stopped (special procedure), inclusive start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockStop {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Working days inside the clock stops that the limit would have counted: the day of
/// acceptance is not counted (day 1 is the next working day), so a stop on it adds nothing.
pub fn stopped_working_days(
    cal: &WorkCalendar,
    accepted_on: NaiveDate,
    stops: &[ClockStop],
) -> u32 {
    stops
        .iter()
        .filter(|s| s.end > accepted_on)
        .map(|s| {
            let start = s.start.max(accepted_on + Days::new(1));
            let before = start.checked_sub_days(Days::new(1)).unwrap_or(start);
            cal.working_days_between(before, s.end)
        })
        .sum()
}

/// The due date of `limit` working days counted from `accepted_on`, extended by every
/// working day that fell inside a clock stop.
pub fn due_date(
    cal: &WorkCalendar,
    accepted_on: NaiveDate,
    limit: u32,
    stops: &[ClockStop],
) -> NaiveDate {
    explain_due(cal, accepted_on, limit, stops).0.due
}

/// The due date with how it was counted: the calendar's explanation of `limit` plus the
/// stopped days, and how many working days the stops added.
pub fn explain_due(
    cal: &WorkCalendar,
    accepted_on: NaiveDate,
    limit: u32,
    stops: &[ClockStop],
) -> (crate::calendar::DueDateExplanation, u32) {
    let stopped = stopped_working_days(cal, accepted_on, stops);
    (cal.explain(accepted_on, limit + stopped), stopped)
}
