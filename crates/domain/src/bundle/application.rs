//! An application for a bundle: its number and its members' case keys.

use chrono::NaiveDate;

/// The last daily sequence a bundle number holds.
pub const MAX_DAILY_BUNDLES: u32 = 999_999;

/// 一件事编号: `YJS` + `yyyyMMdd` + a 6-digit daily sequence; `None` past the last.
pub fn bundle_number(date: NaiveDate, seq: u32) -> Option<String> {
    (1..=MAX_DAILY_BUNDLES)
        .contains(&seq)
        .then(|| format!("YJS{}{seq:06}", date.format("%Y%m%d")))
}

/// The prefix whose counter numbers a day's bundles.
pub fn bundle_number_prefix(date: NaiveDate) -> String {
    format!("YJS{}", date.format("%Y%m%d"))
}

/// The idempotency key of a bundle's child case: a child is started once however often the
/// bundle is advanced (two instances advancing one bundle race to one case).
pub fn child_key(bundle_no: &str, position: usize) -> String {
    format!("bundle:{bundle_no}:{position}")
}
