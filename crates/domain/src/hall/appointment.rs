//! 预约: optional half-hour bookings. A booking is never required anywhere; it only lets a
//! person's number count from their slot's start (`queue::queue_key`). Cancelling and not
//! coming are recorded, never penalised.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use super::hours::DayHours;
use crate::org::HoursKind;

/// A slot's length.
pub const SLOT_MINUTES: i64 = 30;
/// How far ahead a slot may be booked, in days.
pub const BOOKING_DAYS_AHEAD: i64 = 14;
/// Bookings one person may hold at one hall on one day.
pub const PER_PERSON_PER_DAY: i64 = 2;

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Booked,
    /// Came, and took their number with it.
    Arrived,
    Cancelled,
    /// The slot ended without them (recorded, no penalty).
    NoShow,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 4] =
        [Self::Booked, Self::Arrived, Self::Cancelled, Self::NoShow];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::Arrived => "arrived",
            Self::Cancelled => "cancelled",
            Self::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Booked => "已预约",
            Self::Arrived => "已到场取号",
            Self::Cancelled => "已取消",
            Self::NoShow => "未到场",
        }
    }
}

/// One bookable half-hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    /// Regular, or 延时 / 错时 hours.
    pub kind: HoursKind,
}

impl Slot {
    pub fn label(&self) -> String {
        format!(
            "{}–{}",
            self.starts.format("%H:%M"),
            self.ends.format("%H:%M")
        )
    }
}

/// The day's half-hours inside its opening periods (a period's last part shorter than a
/// slot is left to walk-ins).
pub fn slots_of(day: &DayHours) -> Vec<Slot> {
    let step = Duration::minutes(SLOT_MINUTES);
    let mut out = Vec::new();
    for p in &day.periods {
        let mut start = p.opens;
        loop {
            let (end, wrapped) = start.overflowing_add_signed(step);
            if wrapped != 0 || end > p.closes {
                break;
            }
            out.push(Slot {
                starts: start,
                ends: end,
                kind: p.kind,
            });
            start = end;
        }
    }
    out.sort_by_key(|s| s.starts);
    out.dedup_by_key(|s| s.starts);
    out
}

/// Why a booking is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("{0}，当天不能预约")]
    Closed(String),
    #[error("{0} 不是该大厅当天的预约时段")]
    NoSuchSlot(String),
    #[error("该时段已开始或已过去，请选择之后的时段")]
    Past,
    #[error("只能预约 {BOOKING_DAYS_AHEAD} 天以内的时段")]
    TooFarAhead,
    #[error("该时段已约满，请选择其他时段；不预约也可直接到大厅取号")]
    Full,
    #[error("您在该大厅当天已有 {PER_PERSON_PER_DAY} 个预约")]
    TooMany,
}

/// Whether `starts` on `day` may be booked at `now` (district local time), with `booked`
/// of `capacity` taken and the person holding `mine` bookings at the hall that day.
pub fn check_booking(
    day: &DayHours,
    starts: NaiveTime,
    now: NaiveDateTime,
    capacity: i64,
    booked: i64,
    mine: i64,
) -> Result<Slot, BookingError> {
    if let Some(why) = &day.closed_because {
        return Err(BookingError::Closed(why.clone()));
    }
    let slot = slots_of(day)
        .into_iter()
        .find(|s| s.starts == starts)
        .ok_or_else(|| BookingError::NoSuchSlot(starts.format("%H:%M").to_string()))?;
    if day.date.and_time(slot.starts) <= now {
        return Err(BookingError::Past);
    }
    if day.date > now.date() + Duration::days(BOOKING_DAYS_AHEAD) {
        return Err(BookingError::TooFarAhead);
    }
    if mine >= PER_PERSON_PER_DAY {
        return Err(BookingError::TooMany);
    }
    if booked >= capacity {
        return Err(BookingError::Full);
    }
    Ok(slot)
}

/// A booking may be used to take a number until its slot ends; after that the person takes
/// a number as anyone does.
pub fn may_check_in(day: NaiveDate, slot: &Slot, now: NaiveDateTime) -> bool {
    now.date() == day && now < day.and_time(slot.ends)
}

/// The default capacity of a slot for a window kind: one booking per window per half-hour,
/// so most of every window's time stays for walk-ins.
pub fn default_capacity(windows_of_kind: usize) -> i64 {
    windows_of_kind as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{OpeningPeriod, parse_weekdays};

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn day() -> DayHours {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        DayHours {
            date: d,
            periods: vec![
                OpeningPeriod {
                    weekdays: parse_weekdays("1-5").unwrap(),
                    opens: t(9, 0),
                    closes: t(12, 0),
                    kind: HoursKind::Regular,
                },
                OpeningPeriod {
                    weekdays: parse_weekdays("1-5").unwrap(),
                    opens: t(18, 0),
                    closes: t(19, 15),
                    kind: HoursKind::Extended,
                },
            ],
            closed_because: None,
        }
    }

    #[test]
    fn slots_fill_the_periods() {
        let s = slots_of(&day());
        assert_eq!(s.len(), 6 + 2);
        assert_eq!(s[0].label(), "09:00–09:30");
        assert_eq!(s[7].kind, HoursKind::Extended);
        assert_eq!(s[7].label(), "18:30–19:00");
    }

    #[test]
    fn bookings_are_checked() {
        let d = day();
        let morning = d.date.and_time(t(8, 0));
        assert!(check_booking(&d, t(9, 30), morning, 2, 1, 0).is_ok());
        assert_eq!(
            check_booking(&d, t(9, 30), morning, 2, 2, 0),
            Err(BookingError::Full)
        );
        assert_eq!(
            check_booking(&d, t(9, 45), morning, 2, 0, 0),
            Err(BookingError::NoSuchSlot("09:45".into()))
        );
        assert_eq!(
            check_booking(&d, t(9, 0), d.date.and_time(t(9, 0)), 2, 0, 0),
            Err(BookingError::Past)
        );
        assert_eq!(
            check_booking(&d, t(9, 0), morning, 2, 0, 2),
            Err(BookingError::TooMany)
        );
        let early = (d.date - Duration::days(20)).and_time(t(8, 0));
        assert_eq!(
            check_booking(&d, t(9, 0), early, 2, 0, 0),
            Err(BookingError::TooFarAhead)
        );
        let closed = DayHours {
            periods: vec![],
            closed_because: Some("元旦假期休息".into()),
            ..d
        };
        assert!(matches!(
            check_booking(&closed, t(9, 0), morning, 2, 0, 0),
            Err(BookingError::Closed(_))
        ));
        let slot = slots_of(&day())[0];
        assert!(may_check_in(
            day().date,
            &slot,
            day().date.and_time(t(9, 29))
        ));
        assert!(!may_check_in(
            day().date,
            &slot,
            day().date.and_time(t(9, 30))
        ));
    }
}
