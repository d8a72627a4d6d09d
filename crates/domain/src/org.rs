//! The three-level organisation: district departments, towns and villages, service halls,
//! their windows and opening hours.
//!
//! This module owns the shapes and the rules about them (which window kinds exist, whether a
//! hall is open at a given local time, whether one unit lies within another's scope). Where
//! the units come from (demo data, the database) is the store's business.

use chrono::{Datelike, NaiveDateTime, NaiveTime};
use serde::Serialize;

/// Where in the three-level network a unit sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgLevel {
    /// 红寺堡区 and its departments.
    District,
    /// 乡镇 / 街道.
    Town,
    /// 村 / 社区.
    Village,
}

impl OrgLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::District => "district",
            Self::Town => "town",
            Self::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "district" => Some(Self::District),
            "town" => Some(Self::Town),
            "village" => Some(Self::Village),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::District => "区级",
            Self::Town => "乡镇（街道）级",
            Self::Village => "村（社区）级",
        }
    }

    /// The national 行使层级 code (STANDARDS.md): 4 county, 5 town, 6 village.
    pub fn national_code(self) -> u8 {
        match self {
            Self::District => 4,
            Self::Town => 5,
            Self::Village => 6,
        }
    }
}

/// What kind of body a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// The district government itself (the root).
    Government,
    /// 区直部门 and units stationed in the district (驻红单位).
    Department,
    /// 乡镇 / 街道 / 开发区.
    Town,
    /// 村民委员会 / 社区居民委员会.
    Village,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Government => "government",
            Self::Department => "department",
            Self::Town => "town",
            Self::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "government" => Some(Self::Government),
            "department" => Some(Self::Department),
            "town" => Some(Self::Town),
            "village" => Some(Self::Village),
            _ => None,
        }
    }

    pub fn level(self) -> OrgLevel {
        match self {
            Self::Government | Self::Department => OrgLevel::District,
            Self::Town => OrgLevel::Town,
            Self::Village => OrgLevel::Village,
        }
    }
}

/// One organisation unit. `path` lists the codes from the root down to this unit, joined by
/// `/`, so "is A within B" is a prefix test that SQL can index and every instance agrees on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgUnit {
    pub id: String,
    /// The division code for towns and villages (12-digit NBS code); a short stable code for
    /// departments.
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<String>,
    pub path: String,
    /// Unified social credit code of the body, where it is one.
    pub credit_code: Option<String>,
}

impl OrgUnit {
    pub fn level(&self) -> OrgLevel {
        self.kind.level()
    }

    /// True when `other` is this unit or lies below it.
    pub fn contains_path(&self, other_path: &str) -> bool {
        path_within(other_path, &self.path)
    }
}

/// True when `path` equals `ancestor` or lies below it.
pub fn path_within(path: &str, ancestor: &str) -> bool {
    path == ancestor
        || (path.starts_with(ancestor) && path.as_bytes().get(ancestor.len()) == Some(&b'/'))
}

/// The kinds of service hall in the three-level network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HallKind {
    /// 区政务服务中心.
    DistrictCentre,
    /// 乡镇（街道）民生服务中心.
    TownCentre,
    /// 村（社区）代办点.
    VillagePoint,
}

impl HallKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DistrictCentre => "district_centre",
            Self::TownCentre => "town_centre",
            Self::VillagePoint => "village_point",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "district_centre" => Some(Self::DistrictCentre),
            "town_centre" => Some(Self::TownCentre),
            "village_point" => Some(Self::VillagePoint),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::DistrictCentre => "政务服务中心",
            Self::TownCentre => "民生服务中心",
            Self::VillagePoint => "便民代办点",
        }
    }
}

/// The kinds of window a hall has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    /// 综合受理窗口: accepts any item (无差别受理).
    Comprehensive,
    /// “办不成事”反映窗口.
    Escalation,
    /// 帮办代办窗口.
    Assistance,
    /// 企业服务站.
    Enterprise,
}

impl WindowKind {
    pub const ALL: [WindowKind; 4] = [
        Self::Comprehensive,
        Self::Escalation,
        Self::Assistance,
        Self::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Comprehensive => "comprehensive",
            Self::Escalation => "escalation",
            Self::Assistance => "assistance",
            Self::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Comprehensive => "综合受理窗口",
            Self::Escalation => "“办不成事”反映窗口",
            Self::Assistance => "帮办代办窗口",
            Self::Enterprise => "企业服务站",
        }
    }
}

/// Why a period of opening hours exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoursKind {
    /// Regular working hours.
    Regular,
    /// 延时服务: after regular hours.
    Extended,
    /// 错时服务: lunch-time or weekend hours.
    Staggered,
}

impl HoursKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Regular => "regular",
            Self::Extended => "extended",
            Self::Staggered => "staggered",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "regular" => Some(Self::Regular),
            "extended" => Some(Self::Extended),
            "staggered" => Some(Self::Staggered),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Regular => "正常办公",
            Self::Extended => "延时服务",
            Self::Staggered => "错时服务",
        }
    }
}

/// One period in a hall's week, in Asia/Shanghai local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpeningPeriod {
    /// ISO weekdays 1 (Monday) to 7 (Sunday).
    pub weekdays: Vec<u8>,
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    pub kind: HoursKind,
}

impl OpeningPeriod {
    /// Days as people read them: `周一至周五`, `周六`, `周一、周三`.
    pub fn weekdays_label(&self) -> String {
        const NAMES: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
        let mut days = self.weekdays.clone();
        days.sort_unstable();
        days.dedup();
        let contiguous = days.windows(2).all(|w| w[1] == w[0] + 1);
        let name = |d: u8| NAMES[usize::from(d.clamp(1, 7) - 1)];
        match days.as_slice() {
            [] => String::new(),
            [one] => name(*one).to_owned(),
            [first, .., last] if contiguous => format!("{}至{}", name(*first), name(*last)),
            _ => days.iter().map(|d| name(*d)).collect::<Vec<_>>().join("、"),
        }
    }

    pub fn hours_label(&self) -> String {
        format!(
            "{}–{}",
            self.opens.format("%H:%M"),
            self.closes.format("%H:%M")
        )
    }
}

/// Whether a hall with these periods is open at `local` (Asia/Shanghai wall-clock time).
/// Holidays are the work calendar's business and are not considered here.
pub fn is_open(periods: &[OpeningPeriod], local: NaiveDateTime) -> bool {
    let weekday = local.weekday().number_from_monday() as u8;
    let t = local.time();
    periods
        .iter()
        .any(|p| p.weekdays.contains(&weekday) && p.opens <= t && t < p.closes)
}

/// Parses `1-5` or `1,3,6` into ISO weekdays.
pub fn parse_weekdays(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        if let Some((a, b)) = part.split_once('-') {
            let (a, b): (u8, u8) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            if !(1..=7).contains(&a) || !(1..=7).contains(&b) || a > b {
                return None;
            }
            out.extend(a..=b);
        } else {
            let d: u8 = part.parse().ok()?;
            if !(1..=7).contains(&d) {
                return None;
            }
            out.push(d);
        }
    }
    Some(out)
}

/// Formats ISO weekdays back into the compact form `parse_weekdays` reads.
pub fn format_weekdays(days: &[u8]) -> String {
    days.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn paths_nest_by_segment() {
        assert!(path_within("640303/MZ/640303001000", "640303"));
        assert!(path_within("640303", "640303"));
        assert!(!path_within("6403031/x", "640303"));
        assert!(!path_within("640303", "640303/MZ"));
    }

    #[test]
    fn hall_hours_include_staggered_saturday() {
        let periods = vec![
            OpeningPeriod {
                weekdays: parse_weekdays("1-5").unwrap(),
                opens: t(9, 0),
                closes: t(17, 30),
                kind: HoursKind::Regular,
            },
            OpeningPeriod {
                weekdays: vec![6],
                opens: t(9, 0),
                closes: t(12, 0),
                kind: HoursKind::Staggered,
            },
        ];
        let sat_morning = NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_time(t(10, 0));
        let sun = NaiveDate::from_ymd_opt(2026, 11, 29)
            .unwrap()
            .and_time(t(10, 0));
        let fri_evening = NaiveDate::from_ymd_opt(2026, 11, 27)
            .unwrap()
            .and_time(t(17, 30));
        assert!(is_open(&periods, sat_morning));
        assert!(!is_open(&periods, sun));
        assert!(!is_open(&periods, fri_evening));
        assert_eq!(periods[0].weekdays_label(), "周一至周五");
        assert_eq!(periods[1].weekdays_label(), "周六");
        assert_eq!(periods[0].hours_label(), "09:00–17:30");
    }

    #[test]
    fn weekdays_parse_and_reject() {
        assert_eq!(parse_weekdays("1-3,6"), Some(vec![1, 2, 3, 6]));
        assert_eq!(parse_weekdays("0-3"), None);
        assert_eq!(parse_weekdays("5-1"), None);
        assert_eq!(format_weekdays(&[1, 2]), "1,2");
    }
}
