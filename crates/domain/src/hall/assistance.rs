//! 帮办代办 and 上门服务: a person, their family or village staff asks for help — at a window,
//! or a visit at home for someone who cannot come (older, disabled, ill). The bureau or the
//! town answers within `ANSWER_WORKING_DAYS` by assigning staff and a time (or declining,
//! with a reason); the visit's result is recorded: the case filed at home, the papers
//! photographed, the identity checked.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::codes::Phone;
use crate::validation::ValidationErrors;

/// Every request is answered within this many working days.
pub const ANSWER_WORKING_DAYS: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HelpKind {
    /// 帮办代办 at a window: someone walks the person through, or acts for them.
    AtWindow,
    /// 上门服务.
    HomeVisit,
}

impl HelpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AtWindow => "at_window",
            Self::HomeVisit => "home_visit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::AtWindow, Self::HomeVisit]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::AtWindow => "到窗口帮办代办",
            Self::HomeVisit => "上门服务",
        }
    }
}

/// Why the person needs help (a home visit needs one of the first three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HelpReason {
    Elderly,
    Disabled,
    Ill,
    Other,
}

impl HelpReason {
    pub const ALL: [HelpReason; 4] = [Self::Elderly, Self::Disabled, Self::Ill, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Elderly => "elderly",
            Self::Disabled => "disabled",
            Self::Ill => "ill",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Elderly => "老年人",
            Self::Disabled => "残疾人",
            Self::Ill => "患病行动不便",
            Self::Other => "其他困难",
        }
    }
}

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    Person,
    Family,
    VillageStaff,
}

impl Requester {
    pub const ALL: [Requester; 3] = [Self::Person, Self::Family, Self::VillageStaff];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Family => "family",
            Self::VillageStaff => "village_staff",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Person => "本人",
            Self::Family => "家属",
            Self::VillageStaff => "村（社区）工作人员",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HelpStatus {
    Requested,
    /// Staff and a time assigned: the answer.
    Assigned,
    /// Helped; the result is recorded.
    Done,
    /// Declined with a reason (also an answer).
    Declined,
}

impl HelpStatus {
    pub const ALL: [HelpStatus; 4] = [Self::Requested, Self::Assigned, Self::Done, Self::Declined];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Assigned => "assigned",
            Self::Done => "done",
            Self::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Requested => "待安排",
            Self::Assigned => "已安排",
            Self::Done => "已办理",
            Self::Declined => "未能安排",
        }
    }
}

/// A request as typed, checked whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRequest {
    pub kind: HelpKind,
    pub reason: HelpReason,
    pub requester: Requester,
    pub name: String,
    pub phone: String,
    /// Where to visit (a home visit), or empty.
    pub address: String,
    /// What they need done, in their words.
    pub need: String,
}

/// The raw fields of a request.
#[derive(Debug, Clone, Default)]
pub struct HelpForm<'a> {
    pub kind: &'a str,
    pub reason: &'a str,
    pub requester: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub address: &'a str,
    pub need: &'a str,
}

fn text(
    errors: &mut ValidationErrors,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    required: bool,
) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errors.add(field, "required", format!("请填写{label}"));
    } else if v.chars().count() > max {
        errors.add(field, "too_long", format!("{label}不超过 {max} 字"));
    }
    v.to_owned()
}

impl HelpRequest {
    pub fn parse(f: &HelpForm<'_>) -> Result<Self, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = HelpKind::parse(f.kind);
        if kind.is_none() {
            e.add("kind", "required", "请选择到窗口帮办代办或上门服务");
        }
        let reason = HelpReason::parse(f.reason);
        if reason.is_none() {
            e.add("reason", "required", "请选择需要帮助的原因");
        }
        let requester = Requester::parse(f.requester);
        if requester.is_none() {
            e.add("requester", "required", "请选择由谁申请");
        }
        let name = text(&mut e, "name", "需要帮助的人的姓名", f.name, 30, true);
        let phone = match Phone::parse(f.phone) {
            Ok(p) => p.as_str().to_owned(),
            Err(_) => {
                e.add("phone", "phone", "请填写 11 位手机号码，以便工作人员联系");
                String::new()
            }
        };
        let home = kind == Some(HelpKind::HomeVisit);
        let address = text(&mut e, "address", "上门地址", f.address, 100, home);
        let need = text(&mut e, "need", "要办的事", f.need, 500, true);
        if home && reason == Some(HelpReason::Other) {
            e.add(
                "reason",
                "home_visit_reason",
                "上门服务面向老年人、残疾人和患病行动不便的群众；其他困难请选择到窗口帮办代办",
            );
        }
        match (kind, reason, requester) {
            (Some(kind), Some(reason), Some(requester)) if e.is_empty() => Ok(HelpRequest {
                kind,
                reason,
                requester,
                name,
                phone,
                address,
                need,
            }),
            _ => Err(e),
        }
    }
}

/// A step on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpAction {
    /// Staff and the time they will help.
    Assign {
        staff: String,
        at: NaiveDateTime,
    },
    Decline {
        reason: String,
    },
    /// What was done: the case filed (its number), papers photographed, identity checked.
    Record {
        case_no: Option<String>,
        photos: u32,
        identity_checked: bool,
        note: String,
    },
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HelpError {
    #[error("该请求当前{0}，不能这样处理")]
    WrongStatus(&'static str),
    #[error("安排的时间不能早于现在")]
    PastTime,
    #[error("请说明未能安排的原因")]
    NoReason,
    #[error("上门服务须当面核验本人身份证件后再记录结果")]
    IdentityUnchecked,
}

/// The one rule for a request's steps.
pub fn step(
    status: HelpStatus,
    kind: HelpKind,
    action: &HelpAction,
    now: NaiveDateTime,
) -> Result<HelpStatus, HelpError> {
    use HelpStatus as S;
    match (status, action) {
        (S::Requested | S::Assigned, HelpAction::Assign { at, .. }) => {
            if *at < now {
                Err(HelpError::PastTime)
            } else {
                Ok(S::Assigned)
            }
        }
        (S::Requested | S::Assigned, HelpAction::Decline { reason }) => {
            if reason.trim().is_empty() {
                Err(HelpError::NoReason)
            } else {
                Ok(S::Declined)
            }
        }
        (
            S::Assigned,
            HelpAction::Record {
                identity_checked, ..
            },
        ) => {
            if kind == HelpKind::HomeVisit && !identity_checked {
                Err(HelpError::IdentityUnchecked)
            } else {
                Ok(S::Done)
            }
        }
        (s, _) => Err(HelpError::WrongStatus(s.label())),
    }
}

/// The day a request must be answered by.
pub fn answer_due(calendar: &crate::calendar::WorkCalendar, requested: NaiveDate) -> NaiveDate {
    calendar.add_working_days(requested, ANSWER_WORKING_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn form<'a>() -> HelpForm<'a> {
        HelpForm {
            kind: "home_visit",
            reason: "elderly",
            requester: "family",
            name: "马大爷",
            phone: "139 0953 1234",
            address: "大河乡龙源村三组 12 号",
            need: "办理高龄津贴",
        }
    }

    #[test]
    fn requests_are_checked_whole() {
        let r = HelpRequest::parse(&form()).unwrap();
        assert_eq!(r.phone, "13909531234");
        let e = HelpRequest::parse(&HelpForm {
            address: "",
            reason: "other",
            phone: "123",
            ..form()
        })
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["phone", "address", "reason"]);
        // At a window, no address is needed and any reason will do.
        assert!(
            HelpRequest::parse(&HelpForm {
                kind: "at_window",
                address: "",
                reason: "other",
                ..form()
            })
            .is_ok()
        );
    }

    #[test]
    fn steps_and_the_two_day_answer() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let now = d.and_hms_opt(10, 0, 0).unwrap();
        let assign = HelpAction::Assign {
            staff: "s".into(),
            at: now + chrono::Duration::hours(20),
        };
        assert_eq!(
            step(HelpStatus::Requested, HelpKind::HomeVisit, &assign, now),
            Ok(HelpStatus::Assigned)
        );
        let past = HelpAction::Assign {
            staff: "s".into(),
            at: now - chrono::Duration::hours(1),
        };
        assert_eq!(
            step(HelpStatus::Requested, HelpKind::HomeVisit, &past, now),
            Err(HelpError::PastTime)
        );
        let unchecked = HelpAction::Record {
            case_no: Some("x".into()),
            photos: 2,
            identity_checked: false,
            note: String::new(),
        };
        assert_eq!(
            step(HelpStatus::Assigned, HelpKind::HomeVisit, &unchecked, now),
            Err(HelpError::IdentityUnchecked)
        );
        assert!(
            step(HelpStatus::Requested, HelpKind::HomeVisit, &unchecked, now).is_err(),
            "a visit follows an assignment"
        );
        assert_eq!(
            step(
                HelpStatus::Requested,
                HelpKind::AtWindow,
                &HelpAction::Decline { reason: " ".into() },
                now
            ),
            Err(HelpError::NoReason)
        );
        assert!(step(HelpStatus::Done, HelpKind::AtWindow, &assign, now).is_err());
        // Friday the 27th: two working days later is Tuesday 1 December.
        let cal = crate::calendar::shipped_calendar();
        assert_eq!(
            answer_due(&cal, d),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }
}
