//! 12345 热线 tickets: what a call is about, its time limit by kind, and its life from the
//! operator's record to the department's answer and the call back.

use chrono::NaiveDate;
use serde::Serialize;

use crate::ValidationErrors;
use crate::calendar::WorkCalendar;
use crate::codes::{Phone, ResidentId};
use crate::feedback::evaluation::{Level, check_comment};

pub const TEXT_MAX: usize = 2000;
pub const NAME_MAX: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    Consultation,
    HelpRequest,
    Complaint,
    Suggestion,
    Praise,
    /// 好差评 by telephone: it becomes a rating of the case it names.
    Evaluation,
}

impl TicketKind {
    pub const ALL: [Self; 6] = [
        Self::Consultation,
        Self::HelpRequest,
        Self::Complaint,
        Self::Suggestion,
        Self::Praise,
        Self::Evaluation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consultation => "consultation",
            Self::HelpRequest => "help_request",
            Self::Complaint => "complaint",
            Self::Suggestion => "suggestion",
            Self::Praise => "praise",
            Self::Evaluation => "evaluation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Consultation => "咨询",
            Self::HelpRequest => "求助",
            Self::Complaint => "投诉",
            Self::Suggestion => "建议",
            Self::Praise => "表扬",
            Self::Evaluation => "好差评",
        }
    }

    /// Working days the department has to answer (the usual 12345 limits: a question the
    /// next working day, a request for help in three, a complaint in five, a suggestion in
    /// ten).
    pub fn limit(self) -> u32 {
        match self {
            Self::Consultation => 1,
            Self::HelpRequest => 3,
            Self::Complaint | Self::Evaluation | Self::Praise => 5,
            Self::Suggestion => 10,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// 待派单: no department could be found from the item or case; the bureau chooses.
    Unrouted,
    /// 办理中: with the department.
    Assigned,
    /// 待回访: answered; the caller is to be called back.
    Answered,
    /// 已办结: called back, satisfaction recorded.
    Closed,
}

impl TicketStatus {
    pub const ALL: [Self; 4] = [Self::Unrouted, Self::Assigned, Self::Answered, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unrouted => "unrouted",
            Self::Assigned => "assigned",
            Self::Answered => "answered",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Unrouted => "待派单",
            Self::Assigned => "办理中",
            Self::Answered => "待回访",
            Self::Closed => "已办结",
        }
    }
}

/// A call as the operator records it.
#[derive(Debug, Clone, Default)]
pub struct TicketInput {
    pub kind: String,
    pub caller_name: String,
    pub caller_phone: String,
    /// Optional.
    pub caller_id_number: String,
    pub case_no: String,
    pub implementation_code: String,
    /// A department's org-unit code, when neither a case nor an item says who.
    pub department: String,
    pub text: String,
    /// For a 好差评 call: the level the caller gave.
    pub level: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketDraft {
    pub kind: TicketKind,
    pub caller_name: String,
    pub caller_phone: String,
    pub caller_id_number: Option<String>,
    pub case_no: Option<String>,
    pub implementation_code: Option<String>,
    pub department: Option<String>,
    pub text: String,
    pub level: Option<Level>,
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

impl TicketInput {
    pub fn parse(&self) -> Result<TicketDraft, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = TicketKind::parse(self.kind.trim());
        if kind.is_none() {
            e.add(
                "kind",
                "invalid",
                "请选择来电类别：咨询、求助、投诉、建议、表扬或好差评",
            );
        }
        let caller_name = self.caller_name.trim().to_owned();
        if caller_name.chars().count() > NAME_MAX {
            e.add(
                "caller_name",
                "too_long",
                format!("不能超过 {NAME_MAX} 个字"),
            );
        }
        let caller_phone = match opt(&self.caller_phone) {
            None => {
                e.add("caller_phone", "required", "请填写来电号码，以便回访");
                String::new()
            }
            Some(p) => match callback_phone(&p) {
                Some(p) => p,
                None => {
                    e.add("caller_phone", "invalid", CALLBACK_PHONE_HINT);
                    String::new()
                }
            },
        };
        let caller_id_number = opt(&self.caller_id_number)
            .and_then(|n| e.check("caller_id_number", ResidentId::parse(&n)))
            .map(|id| id.as_str().to_owned());
        let text = check_comment(&mut e, "text", &self.text, TEXT_MAX);
        if text.is_empty() && e.message_for("text").is_none() {
            e.add("text", "required", "请记录来电内容");
        }
        let level = match (kind, self.level) {
            (Some(TicketKind::Evaluation), None) => {
                e.add("level", "required", "好差评来电须记录满意程度（1 至 5）");
                None
            }
            (Some(TicketKind::Evaluation), Some(n)) => {
                let l = Level::from_number(n);
                if l.is_none() {
                    e.add("level", "invalid", "满意程度应为 1 至 5");
                }
                l
            }
            (_, Some(_)) => {
                e.add("level", "unexpected", "只有好差评来电记录满意程度");
                None
            }
            (_, None) => None,
        };
        let case_no = opt(&self.case_no);
        if kind == Some(TicketKind::Evaluation) && case_no.is_none() {
            e.add("case_no", "required", "好差评来电须说明评价的办件编号");
        }
        if case_no.as_ref().is_some_and(|c| c.len() > 64) {
            e.add("case_no", "invalid", "办件编号格式不正确");
        }
        let implementation_code = opt(&self.implementation_code);
        if implementation_code.as_ref().is_some_and(|c| c.len() > 64) {
            e.add("implementation_code", "invalid", "事项编码格式不正确");
        }
        let department = opt(&self.department);
        if department.as_ref().is_some_and(|c| c.len() > 64) {
            e.add("department", "invalid", "部门编码格式不正确");
        }
        e.into_result()?;
        Ok(TicketDraft {
            kind: kind.expect("checked"),
            caller_name,
            caller_phone,
            caller_id_number,
            case_no,
            implementation_code,
            department,
            text,
            level,
        })
    }
}

/// How satisfied the caller was with the answer, asked on the call back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    Basic,
    Dissatisfied,
}

impl Satisfaction {
    pub const ALL: [Self; 3] = [Self::Satisfied, Self::Basic, Self::Dissatisfied];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Satisfied => "satisfied",
            Self::Basic => "basic",
            Self::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Satisfied => "满意",
            Self::Basic => "基本满意",
            Self::Dissatisfied => "不满意",
        }
    }
}

/// A step on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TicketAction {
    /// The bureau sends it to a department (by org-unit code).
    Assign {
        department: String,
        #[serde(default)]
        note: String,
    },
    /// The department answers.
    Answer { note: String },
    /// The operator called the caller back.
    CallBack { satisfaction: String, note: String },
    /// A note or correction (a new entry; nothing is edited).
    Note { note: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketActor {
    Operator,
    Department,
    Bureau,
}

impl TicketAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Assign { .. } => "assign",
            Self::Answer { .. } => "answer",
            Self::CallBack { .. } => "call_back",
            Self::Note { .. } => "note",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Assign { .. } => "派单",
            Self::Answer { .. } => "部门答复",
            Self::CallBack { .. } => "回访",
            Self::Note { .. } => "补充说明",
        }
    }

    pub fn note(&self) -> &str {
        match self {
            Self::Assign { note, .. }
            | Self::Answer { note }
            | Self::CallBack { note, .. }
            | Self::Note { note } => note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("{0}")]
    Invalid(ValidationErrors),
    #[error("您不能进行这一步：{0}")]
    NotYours(&'static str),
    #[error("工单当前为“{status}”，不能{action}")]
    NotNow {
        status: &'static str,
        action: &'static str,
    },
}

/// What a step does to a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketStep {
    pub status: TicketStatus,
    pub satisfaction: Option<Satisfaction>,
    /// The department's answer clock starts (a first assignment, or a reassignment).
    pub start_clock: bool,
}

/// The next status after `action` by `by`. A caller dissatisfied with the answer sends the
/// ticket back to the department once; after a second answer the call back closes it.
pub fn step(
    status: TicketStatus,
    returned_before: bool,
    by: TicketActor,
    action: &TicketAction,
) -> Result<TicketStep, TicketError> {
    use TicketAction as A;
    use TicketStatus as S;
    let mut e = ValidationErrors::new();
    let note = check_comment(&mut e, "note", action.note(), TEXT_MAX);
    let needs_note = !matches!(action, A::Assign { .. });
    if needs_note && note.is_empty() && e.is_empty() {
        e.add("note", "required", "请填写说明");
    }
    let satisfaction = match action {
        A::CallBack { satisfaction, .. } => {
            let s = Satisfaction::parse(satisfaction);
            if s.is_none() {
                e.add(
                    "satisfaction",
                    "invalid",
                    "请选择来电人对答复的满意程度：满意、基本满意或不满意",
                );
            }
            s
        }
        _ => None,
    };
    if let A::Assign { department, .. } = action
        && department.trim().is_empty()
    {
        e.add("department", "required", "请选择承办部门");
    }
    e.into_result().map_err(TicketError::Invalid)?;
    let owner = match action {
        A::Assign { .. } => Some((TicketActor::Bureau, "由审批服务管理局派单")),
        A::Answer { .. } => Some((TicketActor::Department, "由承办部门答复")),
        A::CallBack { .. } => Some((TicketActor::Operator, "由 12345 话务员回访")),
        A::Note { .. } => None,
    };
    if let Some((who, why)) = owner
        && who != by
        // The bureau stands in for anyone.
        && by != TicketActor::Bureau
    {
        return Err(TicketError::NotYours(why));
    }
    let refuse = || TicketError::NotNow {
        status: status.label(),
        action: action.label(),
    };
    let next = match (status, action) {
        (S::Closed, _) => return Err(refuse()),
        (_, A::Note { .. }) => TicketStep {
            status,
            satisfaction: None,
            start_clock: false,
        },
        (S::Unrouted | S::Assigned, A::Assign { .. }) => TicketStep {
            status: S::Assigned,
            satisfaction: None,
            start_clock: true,
        },
        (S::Assigned, A::Answer { .. }) => TicketStep {
            status: S::Answered,
            satisfaction: None,
            start_clock: false,
        },
        (S::Answered, A::CallBack { .. }) => {
            let back = satisfaction == Some(Satisfaction::Dissatisfied) && !returned_before;
            TicketStep {
                status: if back { S::Assigned } else { S::Closed },
                satisfaction,
                start_clock: back,
            }
        }
        _ => return Err(refuse()),
    };
    Ok(next)
}

/// When the department must answer a ticket routed on `from`.
pub fn due(cal: &WorkCalendar, kind: TicketKind, from: NaiveDate) -> NaiveDate {
    cal.add_working_days(from, kind.limit())
}

/// The ticket number: `RX` + the district's day + a four-digit sequence of that day.
pub fn ticket_number(day: NaiveDate, seq: u32) -> Option<String> {
    (1..=9999)
        .contains(&seq)
        .then(|| format!("RX{}{seq:04}", day.format("%Y%m%d")))
}

/// What a number to call back must look like, for the message.
pub const CALLBACK_PHONE_HINT: &str =
    "电话号码应为 11 位手机号码，或带区号的固定电话，如 0953-5012345";

/// A number someone can be called back on: a mobile number (`+86` allowed) or a landline
/// with its area code (11 or 12 digits from the leading 0); returned without spaces,
/// dashes or the country code.
pub fn callback_phone(input: &str) -> Option<String> {
    let s: String = input
        .trim()
        .trim_start_matches("+86")
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .collect();
    if let Ok(p) = Phone::parse(&s) {
        return Some(p.as_str().to_owned());
    }
    let landline = s.starts_with('0')
        && !s.starts_with("00")
        && (11..=12).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_digit());
    landline.then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_back_number_is_a_mobile_or_a_landline_with_its_area_code() {
        for ok in [
            "13909531234",
            "+86 139 0953 1234",
            "0953-5012345",
            "09535012345",
        ] {
            assert!(callback_phone(ok).is_some(), "{ok}");
        }
        for bad in [
            "1390953123",
            "12345678901",
            "13909531234567",
            "0953503",
            "0953503900",
            "0012345678",
        ] {
            assert!(callback_phone(bad).is_none(), "{bad}");
        }
    }

    fn input() -> TicketInput {
        TicketInput {
            kind: "complaint".into(),
            caller_name: "王女士".into(),
            caller_phone: "13995312345".into(),
            text: "窗口要求重复提交身份证复印件".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_call_is_checked_field_by_field() {
        assert!(input().parse().is_ok());
        let e = TicketInput {
            kind: "rant".into(),
            caller_phone: "12".into(),
            caller_id_number: "640303195803120241".into(),
            level: Some(3),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["kind", "caller_phone", "caller_id_number", "text", "level"]
        );
        let landline = TicketInput {
            caller_phone: "0953-5012345".into(),
            ..input()
        };
        assert!(landline.parse().is_ok());
    }

    #[test]
    fn a_rating_call_names_its_case_and_level() {
        let e = TicketInput {
            kind: "evaluation".into(),
            ..input()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["level", "case_no"]);
    }

    #[test]
    fn a_dissatisfied_caller_sends_it_back_once() {
        let cb = TicketAction::CallBack {
            satisfaction: "dissatisfied".into(),
            note: "仍未解决".into(),
        };
        let s = step(TicketStatus::Answered, false, TicketActor::Operator, &cb).unwrap();
        assert_eq!(s.status, TicketStatus::Assigned);
        let s = step(TicketStatus::Answered, true, TicketActor::Operator, &cb).unwrap();
        assert_eq!(s.status, TicketStatus::Closed);
        let answer = TicketAction::Answer {
            note: "已答复".into(),
        };
        assert!(matches!(
            step(
                TicketStatus::Assigned,
                false,
                TicketActor::Operator,
                &answer
            ),
            Err(TicketError::NotYours(_))
        ));
    }

    #[test]
    fn numbers_carry_the_day() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(ticket_number(d, 7).unwrap(), "RX202612020007");
        assert_eq!(ticket_number(d, 10_000), None);
    }
}
