//! Case numbers (办件编号).

use chrono::NaiveDate;

/// 办件编号: implementation code + `yyyyMMdd` + 4-digit daily sequence (43 characters).
pub fn case_number(implementation_code: &str, date: NaiveDate, seq: u32) -> String {
    format!("{implementation_code}{}{seq:04}", date.format("%Y%m%d"))
}
