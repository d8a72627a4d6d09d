//! What the bureau edits of a hall (三(二)4–6, 延时错时服务): its address, phone and map
//! position, its weekly periods (regular, 延时, 错时), and its windows.

use chrono::NaiveTime;

use crate::ValidationErrors;
use crate::org::{HoursKind, OpeningPeriod, WindowKind, parse_weekdays};

/// A hall's contact and map position.
#[derive(Debug, Clone, PartialEq)]
pub struct HallContact {
    pub address: String,
    pub phone: String,
    /// WGS-84 latitude and longitude, both or neither.
    pub position: Option<(f64, f64)>,
}

impl HallContact {
    pub fn parse(
        address: &str,
        phone: &str,
        lat: &str,
        lng: &str,
    ) -> Result<Self, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let address = address.trim();
        if address.is_empty() || address.chars().count() > 100 {
            e.add("address", "length", "请填写地址（100 字以内）");
        }
        let phone = phone.trim();
        if phone.chars().count() > 40
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || "-— ()（）转".contains(c))
        {
            e.add("phone", "phone", "电话只填数字和“-”，例如 0953-5039000");
        }
        let position = match (lat.trim(), lng.trim()) {
            ("", "") => None,
            (la, lo) => match (la.parse::<f64>(), lo.parse::<f64>()) {
                (Ok(la), Ok(lo))
                    if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo) =>
                {
                    Some((la, lo))
                }
                _ => {
                    e.add(
                        "lat",
                        "position",
                        "经纬度须为数字：纬度 -90 到 90，经度 -180 到 180（如 37.42、106.06）",
                    );
                    None
                }
            },
        };
        if e.is_empty() {
            Ok(HallContact {
                address: address.to_owned(),
                phone: phone.to_owned(),
                position,
            })
        } else {
            Err(e)
        }
    }
}

/// A period as typed: `1-5` and `09:00`–`12:00`, its kind and note.
pub fn parse_period(
    weekdays: &str,
    opens: &str,
    closes: &str,
    kind: &str,
    note: &str,
) -> Result<(OpeningPeriod, String), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let days = parse_weekdays(weekdays.trim()).filter(|d| !d.is_empty());
    if days.is_none() {
        e.add("weekdays", "weekdays", "星期写作 1-5 或 6,7（1 为周一）");
    }
    let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
    let (o, c) = (time(opens), time(closes));
    match (o, c) {
        (Some(o), Some(c)) if o < c => {}
        (Some(_), Some(_)) => e.add("closes", "order", "结束时间须晚于开始时间"),
        _ => e.add("opens", "time", "时间写作 09:00 这样的格式"),
    }
    let kind = HoursKind::parse(kind.trim());
    if kind.is_none() {
        e.add("kind", "required", "请选择正常办公、延时服务或错时服务");
    }
    if note.trim().chars().count() > 50 {
        e.add("note", "too_long", "说明不超过 50 字");
    }
    match (days, o, c, kind) {
        (Some(weekdays), Some(opens), Some(closes), Some(kind)) if e.is_empty() => Ok((
            OpeningPeriod {
                weekdays,
                opens,
                closes,
                kind,
            },
            note.trim().to_owned(),
        )),
        _ => Err(e),
    }
}

/// Refuses a period that shares a weekday and overlaps in time with one the hall has.
pub fn check_no_overlap(
    existing: &[OpeningPeriod],
    new: &OpeningPeriod,
) -> Result<(), ValidationErrors> {
    let clash = existing.iter().find(|p| {
        p.weekdays.iter().any(|d| new.weekdays.contains(d))
            && p.opens < new.closes
            && new.opens < p.closes
    });
    match clash {
        Some(p) => {
            let mut e = ValidationErrors::new();
            e.add(
                "opens",
                "overlap",
                format!(
                    "与已有时段 {} {}（{}）重叠",
                    p.weekdays_label(),
                    p.hours_label(),
                    p.kind.label()
                ),
            );
            Err(e)
        }
        None => Ok(()),
    }
}

/// A new window's number (two digits, not taken) and kind.
pub fn parse_window(
    number: &str,
    kind: &str,
    taken: &[String],
) -> Result<(String, WindowKind), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let n = number
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=99).contains(n));
    let number = n.map(|n| format!("{n:02}"));
    match &number {
        None => e.add("number", "number", "窗口号须为 1 到 99"),
        Some(no) if taken.contains(no) => e.add("number", "taken", format!("{no} 号窗口已存在")),
        _ => {}
    }
    let kind = WindowKind::parse(kind.trim());
    if kind.is_none() {
        e.add("kind", "required", "请选择窗口类型");
    }
    match (number, kind) {
        (Some(n), Some(k)) if e.is_empty() => Ok((n, k)),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_checked_by_field() {
        assert!(HallContact::parse("红寺堡区新民街道", "0953-5039000", "37.42", "106.06").is_ok());
        let e = HallContact::parse("", "call me", "95", "1").unwrap_err();
        assert_eq!(e.errors.len(), 3);
        let (p, note) = parse_period("1-5", "18:00", "19:30", "extended", "延时服务").unwrap();
        assert_eq!((p.weekdays.len(), note.as_str()), (5, "延时服务"));
        assert!(parse_period("1-5", "19:30", "18:00", "extended", "").is_err());
        assert!(parse_period("8", "09:00", "12:00", "regular", "").is_err());
        let (late, _) = parse_period("1-5", "11:00", "13:00", "extended", "").unwrap();
        let (sat, _) = parse_period("6", "11:00", "13:00", "staggered", "").unwrap();
        assert!(check_no_overlap(std::slice::from_ref(&p), &late).is_ok());
        let (morning, _) = parse_period("1-5", "09:00", "12:00", "regular", "").unwrap();
        assert!(check_no_overlap(std::slice::from_ref(&morning), &late).is_err());
        assert!(
            check_no_overlap(std::slice::from_ref(&morning), &morning).is_err(),
            "a duplicate overlaps itself"
        );
        assert!(check_no_overlap(&[morning], &sat).is_ok());
        assert_eq!(
            parse_window("3", "assistance", &["01".into()]).unwrap().0,
            "03"
        );
        assert!(parse_window("1", "assistance", &["01".into()]).is_err());
        assert!(parse_window("1", "bank", &[]).is_err());
    }
}
