//! Window staff records (三(二)6: 窗口人员保持相对稳定，原则上两年内不调整): when someone was
//! posted, the training they attended, and the warning before a move within two years.

use chrono::{Months, NaiveDate};

/// Years a window post is kept before its holder is moved.
pub const MIN_POSTING_YEARS: u32 = 2;

/// The first day a move no longer cuts a posting short.
pub fn stable_until(posted_on: NaiveDate) -> NaiveDate {
    posted_on
        .checked_add_months(Months::new(12 * MIN_POSTING_YEARS))
        .unwrap_or(NaiveDate::MAX)
}

/// Whether moving someone posted on `posted_on` is allowed on `today`: after two years
/// always, before that only when the bureau confirms it knowingly.
pub fn check_move(
    posted_on: Option<NaiveDate>,
    today: NaiveDate,
    confirmed: bool,
) -> Result<(), String> {
    match posted_on {
        Some(p) if today < stable_until(p) && !confirmed => Err(format!(
            "该工作人员 {} 上岗，未满两年（{} 满两年）；窗口人员原则上两年内不调整，确需调动请勾选确认",
            p.format("%Y年%m月%d日"),
            stable_until(p).format("%Y年%m月%d日")
        )),
        _ => Ok(()),
    }
}

/// A training session as recorded: its day, title and hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Training {
    pub day: NaiveDate,
    pub title: String,
    pub hours: f64,
}

impl Training {
    pub fn parse(
        day: Option<NaiveDate>,
        title: &str,
        hours: &str,
        today: NaiveDate,
    ) -> Result<Self, crate::ValidationErrors> {
        let mut e = crate::ValidationErrors::new();
        let day = match day {
            Some(d) if d <= today => Some(d),
            Some(_) => {
                e.add("day", "future", "培训日期不能晚于今天");
                None
            }
            None => {
                e.add("day", "required", "请填写培训日期，例如 2026-11-20");
                None
            }
        };
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 100 {
            e.add("title", "length", "请填写培训内容（100 字以内）");
        }
        let hours = match hours.trim().parse::<f64>() {
            Ok(h) if (0.5..=200.0).contains(&h) => Some(h),
            _ => {
                e.add("hours", "range", "学时须在 0.5 到 200 之间");
                None
            }
        };
        match (day, hours) {
            (Some(day), Some(hours)) if e.is_empty() => Ok(Training {
                day,
                title: title.to_owned(),
                hours,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_move_within_two_years_needs_confirming() {
        let posted = d(2025, 3, 1);
        assert_eq!(stable_until(posted), d(2027, 3, 1));
        assert!(
            check_move(Some(posted), d(2026, 11, 27), false)
                .unwrap_err()
                .contains("未满两年")
        );
        assert!(check_move(Some(posted), d(2026, 11, 27), true).is_ok());
        assert!(check_move(Some(posted), d(2027, 3, 1), false).is_ok());
        assert!(
            check_move(None, d(2026, 11, 27), false).is_ok(),
            "no posting recorded"
        );
        // 29 February keeps its anniversary on the last day of February.
        assert_eq!(stable_until(d(2024, 2, 29)), d(2026, 2, 28));
    }

    #[test]
    fn trainings_are_checked() {
        let today = d(2026, 11, 27);
        assert!(Training::parse(Some(d(2026, 11, 20)), "政务服务礼仪", "4", today).is_ok());
        let e = Training::parse(Some(d(2026, 12, 20)), " ", "0", today).unwrap_err();
        assert_eq!(e.errors.len(), 3);
    }
}
