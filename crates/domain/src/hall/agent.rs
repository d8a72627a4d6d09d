//! 企业服务站 and 综合代办: an enterprise asks for a service agent (代办员); the bureau
//! assigns one; the enterprise records what the agent may do for it (every matter, or the
//! items it lists) and until when. The agent follows and files the enterprise's cases only
//! while that authorisation stands; the enterprise sees who its agent is and all they did.

use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Asked for; the bureau has not assigned anyone yet.
    Requested,
    Assigned,
    /// The enterprise ended it (or the bureau did).
    Ended,
}

impl AgentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Assigned => "assigned",
            Self::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Requested, Self::Assigned, Self::Ended]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Requested => "已申请，待分配代办员",
            Self::Assigned => "已分配代办员",
            Self::Ended => "已结束",
        }
    }
}

/// What the enterprise authorised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authorisation {
    /// Empty: every matter; else the implementation codes of the items.
    pub items: Vec<String>,
    pub expires_on: NaiveDate,
}

impl Authorisation {
    /// Checks an authorisation as the enterprise writes it on `today`.
    pub fn parse(
        items: &str,
        expires_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Self, &'static str> {
        let Some(expires_on) = expires_on else {
            return Err("请填写授权截止日期");
        };
        if expires_on <= today {
            return Err("授权截止日期须晚于今天");
        }
        if today
            .checked_add_months(chrono::Months::new(12))
            .is_some_and(|limit| expires_on > limit)
        {
            return Err("授权最长一年，到期后可续签");
        }
        let items: Vec<String> = items
            .split([',', '，', '、', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(Authorisation { items, expires_on })
    }

    /// Whether it lets the agent act on `item` on `today` (`None`: following the
    /// enterprise's cases in general).
    pub fn covers(&self, item: Option<&str>, today: NaiveDate) -> bool {
        today <= self.expires_on
            && match item {
                None => true,
                Some(code) => self.items.is_empty() || self.items.iter().any(|i| i == code),
            }
    }

    pub fn scope_label(&self) -> String {
        if self.items.is_empty() {
            "全部事项".into()
        } else {
            format!("{} 个指定事项", self.items.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn an_authorisation_has_a_scope_and_an_end() {
        let today = d(11, 27);
        assert!(Authorisation::parse("", None, today).is_err());
        assert!(Authorisation::parse("", Some(today), today).is_err());
        assert!(
            Authorisation::parse(
                "",
                Some(NaiveDate::from_ymd_opt(2028, 1, 1).unwrap()),
                today
            )
            .is_err()
        );
        let all = Authorisation::parse(" ", Some(d(12, 31)), today).unwrap();
        assert!(all.covers(Some("X"), today) && all.covers(None, d(12, 31)));
        assert!(
            !all.covers(None, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()),
            "expired"
        );
        let some = Authorisation::parse("A1，B2、C3", Some(d(12, 31)), today).unwrap();
        assert_eq!(some.items, ["A1", "B2", "C3"]);
        assert!(some.covers(Some("B2"), today) && !some.covers(Some("D4"), today));
        assert_eq!(some.scope_label(), "3 个指定事项");
    }
}
