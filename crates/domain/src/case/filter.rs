//! What a staff case list may be narrowed to, read from a query string and checked here so
//! the page and the API refuse the same things in the same words.

use chrono::NaiveDate;

use super::CaseStatus;
use crate::ValidationErrors;

/// The most cases one page of a list shows.
pub const PAGE_SIZE: u32 = 50;
/// Deeper pages are refused: narrow the list instead (a filter, a search).
pub const MAX_PAGE: u32 = 200;

/// A case list's filters. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only these statuses; empty: the list's own (an inbox's open statuses).
    pub statuses: Vec<CaseStatus>,
    /// One item, by implementation code.
    pub item: Option<String>,
    /// `online` or `window`.
    pub channel: Option<String>,
    /// Taken in at the halls of this unit (by code).
    pub hall: Option<String>,
    /// Past the promised date.
    pub overdue: bool,
    /// Materials owed under 容缺受理.
    pub owed: bool,
    /// Submitted on or after / on or before.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Cases the viewer took in at a window (我经办的).
    pub mine: bool,
    /// 1-based page.
    pub page: u32,
}

/// The raw query-string fields, as received.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CaseFilterInput {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub hall: String,
    #[serde(default)]
    pub overdue: String,
    #[serde(default)]
    pub owed: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub mine: String,
    #[serde(default)]
    pub page: String,
}

impl CaseFilterInput {
    /// The fields from a query string's pairs: `status` may repeat (each adds statuses),
    /// any other repeated field keeps its last value, unknown names are ignored.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut input = CaseFilterInput::default();
        for (k, v) in pairs {
            let slot = match k.as_str() {
                "status" => {
                    if !input.status.is_empty() && !v.trim().is_empty() {
                        input.status.push(',');
                    }
                    input.status.push_str(v);
                    continue;
                }
                "item" => &mut input.item,
                "channel" => &mut input.channel,
                "hall" => &mut input.hall,
                "overdue" => &mut input.overdue,
                "owed" => &mut input.owed,
                "from" => &mut input.from,
                "to" => &mut input.to,
                "mine" => &mut input.mine,
                "page" => &mut input.page,
                _ => continue,
            };
            *slot = v.clone();
        }
        input
    }
}

/// A yes/no field: 1/true/yes/on or 0/false/no/off (or absent); anything else is named.
fn flag(field: &str, v: &str, errors: &mut ValidationErrors) -> bool {
    match v.trim() {
        "1" | "true" | "yes" | "on" => true,
        "" | "0" | "false" | "no" | "off" => false,
        _ => {
            errors.add(field, "invalid", "只能是 1（是）或 0（否）");
            false
        }
    }
}

impl CaseFilter {
    /// The statuses to read when none was chosen: a list's own, unless a filter means
    /// others — 我经办的 is every case one touched, whatever became of it, and owed
    /// materials exist only on accepted cases not yet concluded.
    pub fn statuses_or(&self, list_default: Vec<CaseStatus>) -> Vec<CaseStatus> {
        if !self.statuses.is_empty() {
            self.statuses.clone()
        } else if self.mine {
            CaseStatus::ALL.to_vec()
        } else if self.owed {
            CaseStatus::ALL
                .into_iter()
                .filter(|s| s.clock_started())
                .collect()
        } else {
            list_default
        }
    }

    /// Checks every field, naming each wrong one.
    pub fn parse(input: &CaseFilterInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut f = CaseFilter {
            overdue: flag("overdue", &input.overdue, &mut errors),
            owed: flag("owed", &input.owed, &mut errors),
            mine: flag("mine", &input.mine, &mut errors),
            page: 1,
            ..CaseFilter::default()
        };
        for s in input
            .status
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match CaseStatus::parse(s) {
                Some(status) => f.statuses.push(status),
                None => errors.add("status", "unknown", format!("没有“{s}”这种办件状态")),
            }
        }
        let item = input.item.trim();
        if !item.is_empty() {
            if item.len() > 40 || !item.bytes().all(|b| b.is_ascii_alphanumeric()) {
                errors.add("item", "invalid", "事项须为实施编码（字母和数字）");
            } else {
                f.item = Some(item.to_owned());
            }
        }
        match input.channel.trim() {
            "" => {}
            c @ ("online" | "window") => f.channel = Some(c.to_owned()),
            _ => errors.add(
                "channel",
                "unknown",
                "渠道只能是网上申请（online）或窗口受理（window）",
            ),
        }
        let hall = input.hall.trim();
        if !hall.is_empty() {
            if hall.len() > 20 || !hall.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                errors.add("hall", "invalid", "大厅须为所在单位的代码");
            } else {
                f.hall = Some(hall.to_owned());
            }
        }
        let day = |field: &str, v: &str, errors: &mut ValidationErrors| {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add(field, "invalid", "日期格式应为 2026-12-01");
                    None
                }
            }
        };
        f.from = day("from", &input.from, &mut errors);
        f.to = day("to", &input.to, &mut errors);
        if let (Some(from), Some(to)) = (f.from, f.to)
            && from > to
        {
            errors.add("to", "before_from", "结束日期不能早于开始日期");
        }
        let page = input.page.trim();
        if !page.is_empty() {
            match page.parse::<u32>() {
                Ok(p) if (1..=MAX_PAGE).contains(&p) => f.page = p,
                _ => errors.add(
                    "page",
                    "invalid",
                    format!("页码应在 1 到 {MAX_PAGE} 之间；更早的办件请用筛选或搜索查找"),
                ),
            }
        }
        errors.into_result().map(|()| f)
    }

    /// Cases skipped before this page.
    pub fn offset(&self) -> u32 {
        (self.page.max(1) - 1) * PAGE_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_wrong_field_is_named() {
        let input = CaseFilterInput {
            status: "accepted,lost".into(),
            channel: "fax".into(),
            from: "2026-13-01".into(),
            page: "0".into(),
            item: "x'; DROP".into(),
            ..Default::default()
        };
        let e = CaseFilter::parse(&input).unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["status", "item", "channel", "from", "page"]);
        let ok = CaseFilter::parse(&CaseFilterInput {
            status: "accepted, in_review".into(),
            overdue: "1".into(),
            page: "3".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.statuses, [CaseStatus::Accepted, CaseStatus::InReview]);
        assert!(ok.overdue && !ok.owed);
        assert_eq!(ok.offset(), 2 * PAGE_SIZE);
        let pairs = |p: &[(&str, &str)]| {
            CaseFilterInput::from_pairs(
                &p.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<Vec<_>>(),
            )
        };
        let repeated = CaseFilter::parse(&pairs(&[
            ("status", "submitted"),
            ("status", "accepted"),
            ("mine", "1"),
        ]))
        .unwrap();
        assert_eq!(
            repeated.statuses,
            [CaseStatus::Submitted, CaseStatus::Accepted]
        );
        assert!(repeated.mine);
        let e = CaseFilter::parse(&pairs(&[("overdue", "2")])).unwrap_err();
        assert_eq!(e.errors[0].field, "overdue");
    }

    proptest! {
        /// Whatever arrives, the filter either names what is wrong or holds only safe
        /// values: codes of letters and digits, known statuses and channels, a page in range.
        #[test]
        fn parsed_filters_hold_only_safe_values(
            status in ".{0,30}", item in ".{0,50}", channel in ".{0,10}", hall in ".{0,25}",
            page in ".{0,6}",
        ) {
            let input = CaseFilterInput { status, item, channel, hall, page, ..Default::default() };
            if let Ok(f) = CaseFilter::parse(&input) {
                prop_assert!(f.item.iter().all(|i| i.bytes().all(|b| b.is_ascii_alphanumeric())));
                prop_assert!(f.hall.iter().all(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')));
                prop_assert!(f.channel.iter().all(|c| c == "online" || c == "window"));
                prop_assert!((1..=MAX_PAGE).contains(&f.page));
            }
        }
    }
}

#[cfg(test)]
mod implied_statuses {
    use super::*;

    #[test]
    fn mine_and_owed_reach_past_the_lists_own_statuses() {
        let own = vec![CaseStatus::Submitted];
        let plain = CaseFilter::default();
        assert_eq!(plain.statuses_or(own.clone()), own);
        let mine = CaseFilter {
            mine: true,
            ..CaseFilter::default()
        };
        assert_eq!(mine.statuses_or(own.clone()).len(), CaseStatus::ALL.len());
        let owed = CaseFilter {
            owed: true,
            ..CaseFilter::default()
        };
        assert!(owed.statuses_or(own.clone()).contains(&CaseStatus::Decided));
        assert!(
            !owed
                .statuses_or(own.clone())
                .contains(&CaseStatus::Submitted)
        );
        let chosen = CaseFilter {
            owed: true,
            statuses: vec![CaseStatus::Accepted],
            ..CaseFilter::default()
        };
        assert_eq!(chosen.statuses_or(own), vec![CaseStatus::Accepted]);
    }
}
