//! Case numbers (办件编号).

use chrono::NaiveDate;

/// The last daily sequence four digits hold. The standard gives no wider form, so the
/// 10,000th case of one item on one day is refused rather than numbered 44 characters long
/// (issue 11): no district files that many of one item in a day.
pub const MAX_DAILY_SEQ: u32 = 9999;

/// 办件编号: implementation code + `yyyyMMdd` + 4-digit daily sequence (43 characters);
/// `None` past `MAX_DAILY_SEQ`.
pub fn case_number(implementation_code: &str, date: NaiveDate, seq: u32) -> Option<String> {
    (1..=MAX_DAILY_SEQ)
        .contains(&seq)
        .then(|| format!("{implementation_code}{}{seq:04}", date.format("%Y%m%d")))
}
