//! The case (办件) rules: its state machine, the one-time-notice rule, deadlines with clock
//! stops for special procedures, and case numbers.
//!
//! Storage and pages are built on these in later work; this module decides, so that the
//! same rules hold for online applications, window intake and the API.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::calendar::WorkCalendar;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Applied, waiting for the intake decision.
    Submitted,
    /// A one-time notice (一次性告知) lists what is missing; waiting for the applicant.
    AwaitingSupplement,
    /// 受理: the clock runs.
    Accepted,
    /// A reviewer is examining it.
    InReview,
    /// 现场勘验 / 技术审查 / 听证论证: the clock stops.
    SpecialProcedure,
    /// Approved or denied, not yet concluded.
    Decided,
    /// 办结.
    Concluded,
    /// 送达: the result is in the applicant's hands.
    Delivered,
    /// 不予受理, with the legal reason.
    Refused,
    /// 撤回 by the applicant.
    Withdrawn,
    /// Approval on commitment revoked after a breach was found.
    Revoked,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 11] = [
        Self::Submitted,
        Self::AwaitingSupplement,
        Self::Accepted,
        Self::InReview,
        Self::SpecialProcedure,
        Self::Decided,
        Self::Concluded,
        Self::Delivered,
        Self::Refused,
        Self::Withdrawn,
        Self::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::AwaitingSupplement => "awaiting_supplement",
            Self::Accepted => "accepted",
            Self::InReview => "in_review",
            Self::SpecialProcedure => "special_procedure",
            Self::Decided => "decided",
            Self::Concluded => "concluded",
            Self::Delivered => "delivered",
            Self::Refused => "refused",
            Self::Withdrawn => "withdrawn",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "已提交，待受理",
            Self::AwaitingSupplement => "待补正材料",
            Self::Accepted => "已受理",
            Self::InReview => "审查中",
            Self::SpecialProcedure => "特别程序中（不计时）",
            Self::Decided => "已作出决定",
            Self::Concluded => "已办结",
            Self::Delivered => "已送达",
            Self::Refused => "不予受理",
            Self::Withdrawn => "已撤回",
            Self::Revoked => "已撤销",
        }
    }

    /// No further handling, except revocation of a result.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Delivered | Self::Refused | Self::Withdrawn | Self::Revoked
        )
    }

    /// Whether the time limit is running.
    pub fn clock_runs(self) -> bool {
        matches!(self, Self::Accepted | Self::InReview | Self::Decided)
    }

    /// Accepted and not yet concluded: the due dates apply (a special procedure only
    /// pauses them), so a calendar change recounts these.
    pub fn clock_started(self) -> bool {
        self.clock_runs() || self == Self::SpecialProcedure
    }
}

/// How close a case is to its due date, for inboxes and overdue lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Normal,
    /// 黄灯: `warn_days` working days or fewer are left.
    DueSoon,
    /// 红灯: past the due date.
    Overdue,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "",
            Self::DueSoon => "due-soon",
            Self::Overdue => "overdue",
        }
    }
}

/// Yellow when `warn_days` working days or fewer are left before `due`, red once `due`
/// has passed.
pub fn urgency(cal: &WorkCalendar, due: NaiveDate, today: NaiveDate, warn_days: u32) -> Urgency {
    if due < today {
        Urgency::Overdue
    } else if due <= cal.add_working_days(today, warn_days) {
        Urgency::DueSoon
    } else {
        Urgency::Normal
    }
}

/// Who may take an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseActor {
    Applicant,
    /// Window clerk (intake, delivery).
    Clerk,
    /// Department reviewer (review, decision).
    Reviewer,
}

/// What someone does to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CaseAction {
    Accept,
    /// 容缺受理: accepted with acceptable materials missing, to be supplied by a deadline.
    AcceptWithDeficiency {
        missing: Vec<String>,
    },
    Refuse {
        reason: String,
    },
    /// 一次性告知: everything missing or wrong, listed once.
    IssueNotice {
        items: Vec<String>,
    },
    /// The applicant supplies what the notice asked for.
    Supply,
    StartReview,
    /// One review stage (初审, 复审 …) passed with the reviewer's opinion, where the item
    /// has more than one; the last stage is the decision itself.
    PassReviewStage {
        opinion: String,
    },
    /// 退回 to an earlier step, with the reason on record.
    ReturnForRework {
        reason: String,
    },
    StartSpecialProcedure,
    EndSpecialProcedure,
    Decide {
        approve: bool,
    },
    /// 告知承诺: decided at once on the applicant's signed commitment.
    ApproveOnCommitment,
    /// 即办: an immediate item accepted, approved and concluded on the spot.
    ConcludeOnTheSpot,
    /// The applicant supplies the materials that deficiency acceptance let them owe.
    SupplyDeficiency,
    Conclude,
    Deliver,
    Withdraw {
        reason: String,
    },
    /// The commitment verification found the applicant's commitment true.
    ConfirmCommitment,
    /// A commitment breach found on verification revokes the result.
    Revoke {
        reason: String,
    },
}

impl CaseAction {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Accept => "受理",
            Self::AcceptWithDeficiency { .. } => "容缺受理",
            Self::Refuse { .. } => "不予受理",
            Self::IssueNotice { .. } => "一次性告知",
            Self::Supply => "补正材料",
            Self::StartReview => "开始审查",
            Self::PassReviewStage { .. } => "本级审查通过",
            Self::ReturnForRework { .. } => "退回",
            Self::StartSpecialProcedure => "启动特别程序",
            Self::EndSpecialProcedure => "结束特别程序",
            Self::Decide { .. } => "作出决定",
            Self::ApproveOnCommitment => "告知承诺审批",
            Self::ConcludeOnTheSpot => "即办办结",
            Self::SupplyDeficiency => "补齐容缺材料",
            Self::ConfirmCommitment => "承诺核查属实",
            Self::Conclude => "办结",
            Self::Deliver => "送达",
            Self::Withdraw { .. } => "撤回",
            Self::Revoke { .. } => "撤销",
        }
    }

    /// Who takes this action.
    pub fn actor(&self) -> CaseActor {
        match self {
            Self::Supply | Self::SupplyDeficiency | Self::Withdraw { .. } => CaseActor::Applicant,
            Self::Accept
            | Self::AcceptWithDeficiency { .. }
            | Self::Refuse { .. }
            | Self::IssueNotice { .. }
            | Self::ApproveOnCommitment
            | Self::ConcludeOnTheSpot
            | Self::Deliver => CaseActor::Clerk,
            Self::StartReview
            | Self::PassReviewStage { .. }
            | Self::ConfirmCommitment
            | Self::ReturnForRework { .. }
            | Self::StartSpecialProcedure
            | Self::EndSpecialProcedure
            | Self::Decide { .. }
            | Self::Conclude
            | Self::Revoke { .. } => CaseActor::Reviewer,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("“{}”的办件不能{}", from.label(), action)]
    NotAllowed {
        from: CaseStatus,
        action: &'static str,
    },
    #[error("{0}须写明理由")]
    ReasonRequired(&'static str),
    #[error("一次性告知须列明缺少或需更正的材料")]
    EmptyNotice,
    #[error("容缺受理须列明暂缺的材料")]
    EmptyDeficiency,
    #[error("“{0}”不是本事项可容缺受理的材料")]
    NotDeficiencyAcceptable(String),
    #[error("容缺材料尚未补齐（{0}），不能办结")]
    DeficiencyOutstanding(String),
    #[error("本办件没有待补齐的容缺材料")]
    NoDeficiency,
    #[error("尚有 {0} 级审查未完成，不能作出决定")]
    StagesPending(u8),
    #[error("本事项只有一级审查，请直接作出决定")]
    NoFurtherStage,
    #[error("本事项不适用告知承诺，或申请人未签署承诺书")]
    CommitmentNotSigned,
    #[error("本办件没有待核查的告知承诺")]
    NoVerification,
    #[error("只有即办件可以当场办结")]
    NotImmediate,
}

/// What the state machine needs to know about the item a case was filed under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemRules {
    /// 即办件.
    pub immediate: bool,
    /// Review stages before the decision; at least one.
    pub review_stages: u8,
    /// Materials marked 容缺后补: the only ones that may be missing at acceptance.
    pub deficiency_allowed: Vec<String>,
}

impl ItemRules {
    pub fn of(item: &crate::catalog::ServiceItem) -> Self {
        ItemRules {
            immediate: item.case_class == crate::catalog::CaseClass::Immediate,
            review_stages: item.review_stages.max(1),
            deficiency_allowed: item
                .materials
                .iter()
                .filter(|m| m.necessity == crate::catalog::Necessity::Deficiency)
                .map(|m| m.name.clone())
                .collect(),
        }
    }
}

/// Where a case stands beyond its status: kept with the case, changed only by `transition`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Progress {
    /// Review stages passed since the last return.
    #[serde(default)]
    pub stages_done: u8,
    /// Materials accepted as missing (容缺) and not supplied yet.
    #[serde(default)]
    pub deficiency_outstanding: Vec<String>,
    /// The applicant signed the item's commitment (告知承诺) when applying.
    #[serde(default)]
    pub commitment_signed: bool,
    /// A commitment verification task is open.
    #[serde(default)]
    pub verification_open: bool,
    /// The decision: approved (`true`) or denied.
    #[serde(default)]
    pub decision: Option<bool>,
}

/// The status and progress after `action`, or why not. Reasons and notice items are
/// required where the plan requires them to be on record.
pub fn transition(
    from: CaseStatus,
    rules: &ItemRules,
    progress: &Progress,
    action: &CaseAction,
) -> Result<(CaseStatus, Progress), CaseError> {
    use CaseAction as A;
    use CaseStatus as S;
    let reason_needed = |r: &str, what| {
        if r.trim().is_empty() {
            Err(CaseError::ReasonRequired(what))
        } else {
            Ok(())
        }
    };
    let mut p = progress.clone();
    let next = match (from, action) {
        (S::Submitted, A::Accept) => S::Accepted,
        (S::Submitted, A::AcceptWithDeficiency { missing }) => {
            let missing: Vec<String> = missing
                .iter()
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
                .collect();
            if missing.is_empty() {
                return Err(CaseError::EmptyDeficiency);
            }
            if let Some(m) = missing
                .iter()
                .find(|m| !rules.deficiency_allowed.contains(m))
            {
                return Err(CaseError::NotDeficiencyAcceptable(m.clone()));
            }
            p.deficiency_outstanding = missing;
            S::Accepted
        }
        (S::Submitted, A::Refuse { reason }) => {
            reason_needed(reason, "不予受理")?;
            S::Refused
        }
        (S::Submitted, A::IssueNotice { items }) => {
            if items.iter().all(|i| i.trim().is_empty()) {
                return Err(CaseError::EmptyNotice);
            }
            S::AwaitingSupplement
        }
        (S::AwaitingSupplement, A::Supply) => S::Submitted,
        (S::Submitted, A::ApproveOnCommitment) => {
            if !progress.commitment_signed {
                return Err(CaseError::CommitmentNotSigned);
            }
            p.decision = Some(true);
            p.verification_open = true;
            S::Decided
        }
        (S::Submitted, A::ConcludeOnTheSpot) => {
            if !rules.immediate {
                return Err(CaseError::NotImmediate);
            }
            p.decision = Some(true);
            S::Concluded
        }
        (S::Accepted, A::StartReview) => S::InReview,
        (S::InReview, A::PassReviewStage { opinion }) => {
            reason_needed(opinion, "审查意见")?;
            if progress.stages_done + 1 >= rules.review_stages.max(1) {
                return Err(CaseError::NoFurtherStage);
            }
            p.stages_done += 1;
            S::InReview
        }
        (S::InReview, A::ReturnForRework { reason }) => {
            reason_needed(reason, "退回")?;
            p.stages_done = 0;
            S::Accepted
        }
        (S::InReview, A::StartSpecialProcedure) => S::SpecialProcedure,
        (S::SpecialProcedure, A::EndSpecialProcedure) => S::InReview,
        (S::InReview, A::Decide { approve }) => {
            let pending = rules
                .review_stages
                .max(1)
                .saturating_sub(progress.stages_done + 1);
            if pending > 0 {
                return Err(CaseError::StagesPending(pending));
            }
            p.decision = Some(*approve);
            S::Decided
        }
        (S::Accepted | S::InReview | S::SpecialProcedure | S::Decided, A::SupplyDeficiency) => {
            if progress.deficiency_outstanding.is_empty() {
                return Err(CaseError::NoDeficiency);
            }
            p.deficiency_outstanding.clear();
            from
        }
        (S::Decided, A::Conclude) => {
            if !progress.deficiency_outstanding.is_empty() {
                return Err(CaseError::DeficiencyOutstanding(
                    progress.deficiency_outstanding.join("、"),
                ));
            }
            S::Concluded
        }
        (S::Concluded, A::Deliver) => S::Delivered,
        (
            S::Submitted | S::AwaitingSupplement | S::Accepted | S::InReview | S::SpecialProcedure,
            A::Withdraw { reason },
        ) => {
            reason_needed(reason, "撤回")?;
            S::Withdrawn
        }
        (S::Decided | S::Concluded | S::Delivered, A::ConfirmCommitment) => {
            if !progress.verification_open {
                return Err(CaseError::NoVerification);
            }
            p.verification_open = false;
            from
        }
        (S::Decided | S::Concluded | S::Delivered, A::Revoke { reason }) => {
            reason_needed(reason, "撤销")?;
            p.verification_open = false;
            S::Revoked
        }
        _ => {
            return Err(CaseError::NotAllowed {
                from,
                action: action.label(),
            });
        }
    };
    Ok((next, p))
}

/// Working days an applicant has to supply materials owed under deficiency acceptance.
pub const DEFICIENCY_SUPPLY_WORKING_DAYS: u32 = 5;

/// Working days within which a department verifies a commitment (告知承诺核查).
pub const COMMITMENT_VERIFICATION_WORKING_DAYS: u32 = 20;

/// The person at a window, as the clerk identified them: the number checked by its check
/// digit, the document seen (the clerk's tick), how they are helped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowApplicant {
    pub kind: crate::account::AccountKind,
    /// Resident ID number or credit code, canonical: the account's login.
    pub login: String,
    pub name: String,
    pub phone: Option<String>,
    pub assistance: Assistance,
}

/// The window form's fields for one applicant, as entered.
#[derive(Debug, Clone, Copy)]
pub struct WindowForm<'a> {
    /// `enterprise` (credit code); anything else a citizen (resident ID).
    pub kind: &'a str,
    pub id_number: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub id_checked: bool,
    pub mode: &'a str,
    pub consent: bool,
    pub agent_name: &'a str,
    pub agent_id: &'a str,
    pub relationship: &'a str,
}

impl WindowApplicant {
    /// Every field checked at once; errors by field.
    pub fn parse(f: WindowForm<'_>) -> Result<Self, crate::ValidationErrors> {
        use crate::account::AccountKind;
        use crate::codes::{CreditCode, Phone, ResidentId};
        let mut e = crate::ValidationErrors::new();
        let kind = if f.kind == "enterprise" {
            AccountKind::Enterprise
        } else {
            AccountKind::Citizen
        };
        let login = match kind {
            AccountKind::Enterprise => e
                .check("id_number", CreditCode::parse(f.id_number))
                .map(|c| c.as_str().to_owned()),
            _ => e
                .check("id_number", ResidentId::parse(f.id_number))
                .map(|c| c.as_str().to_owned()),
        };
        let name = e.check("name", crate::validation::required_text(f.name, 100));
        let phone = if f.phone.trim().is_empty() {
            None
        } else {
            e.check("phone", Phone::parse(f.phone))
                .map(|p| p.as_str().to_owned())
        };
        if !f.id_checked {
            e.add(
                "id_checked",
                "required",
                "请核验申请人的身份证件（或营业执照）原件后勾选确认",
            );
        }
        let assistance = match Assistance::from_form(
            f.mode,
            f.consent,
            f.agent_name,
            f.agent_id,
            f.relationship,
        ) {
            Ok(a) => Some(a),
            Err(v) => {
                for x in v.errors {
                    e.add(&x.field, x.code, x.message);
                }
                None
            }
        };
        match (login, name, assistance) {
            (Some(login), Some(name), Some(assistance)) if e.is_empty() => Ok(WindowApplicant {
                kind,
                login,
                name,
                phone,
                assistance,
            }),
            _ => Err(e),
        }
    }

    /// An existing account is this person only if its name and kind agree with the
    /// document the clerk saw.
    pub fn is(&self, name: &str, kind: crate::account::AccountKind) -> bool {
        self.name == name && self.kind == kind
    }
}

/// When a follow-up (owed 容缺 materials, a commitment verification) is due after a step:
/// set `days` working days from `today` when the obligation starts, kept while it lasts,
/// cleared once it ends.
pub fn follow_up_date(
    cal: &WorkCalendar,
    open_after: bool,
    open_before: bool,
    current: Option<NaiveDate>,
    today: NaiveDate,
    days: u32,
) -> Option<NaiveDate> {
    match (open_after, open_before) {
        (false, _) => None,
        (true, true) => current,
        (true, false) => Some(cal.add_working_days(today, days)),
    }
}

/// 帮办代办: who acted at the window, for whom, and the applicant's consent on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Assistance {
    /// The applicant came in person and filed through the clerk.
    InPerson,
    /// 帮办: staff filled in and filed for an applicant who is present and agreed.
    Assisted,
    /// 代办: an agent acts for the applicant, who authorised it.
    Proxy {
        agent_name: String,
        /// The agent's resident ID number, checked by its check digit.
        agent_id: String,
        relationship: String,
    },
}

impl Assistance {
    /// Reads the window form's choice: `mode` is `in_person`, `assisted` or `proxy`; help
    /// and proxy handling need the applicant's consent ticked, proxy handling the agent.
    pub fn from_form(
        mode: &str,
        consent: bool,
        agent_name: &str,
        agent_id: &str,
        relationship: &str,
    ) -> Result<Self, crate::ValidationErrors> {
        let mut e = crate::ValidationErrors::new();
        let a = match mode {
            "in_person" => Some(Self::InPerson),
            "assisted" => Some(Self::Assisted),
            "proxy" => {
                let name = e.check(
                    "agent_name",
                    crate::validation::required_text(agent_name, 50),
                );
                let id = e.check("agent_id", crate::codes::ResidentId::parse(agent_id));
                let rel = e.check(
                    "relationship",
                    crate::validation::required_text(relationship, 50),
                );
                match (name, id, rel) {
                    (Some(agent_name), Some(id), Some(relationship)) => Some(Self::Proxy {
                        agent_name,
                        agent_id: id.as_str().to_owned(),
                        relationship,
                    }),
                    _ => None,
                }
            }
            _ => {
                e.add("mode", "unknown", "请选择办理方式");
                None
            }
        };
        if matches!(mode, "assisted" | "proxy") && !consent {
            e.add(
                "consent",
                "required",
                "帮办代办须经申请人同意，请确认已取得申请人同意（代办须有授权委托书）",
            );
        }
        e.into_result()?;
        a.ok_or_else(crate::ValidationErrors::new)
    }

    /// As staff read it, with the agent's ID number masked.
    pub fn describe(&self) -> String {
        match self {
            Self::InPerson => "本人到窗口办理".to_owned(),
            Self::Assisted => "帮办：工作人员代为填报，申请人在场并同意".to_owned(),
            Self::Proxy {
                agent_name,
                agent_id,
                relationship,
            } => format!(
                "代办：{}（{}，身份证 {}）受申请人委托办理",
                crate::mask::mask_name(agent_name),
                relationship,
                crate::mask::mask_id_number(agent_id)
            ),
        }
    }
}

/// Items of a second one-time notice that breach the rule: a later notice may only concern
/// materials submitted after the first one. Returns the offending items.
pub fn notice_breaches(second_notice: &[String], supplied_after_first: &[String]) -> Vec<String> {
    second_notice
        .iter()
        .filter(|item| !supplied_after_first.iter().any(|s| s == *item))
        .cloned()
        .collect()
}

/// A period during which the clock stopped (special procedure), inclusive start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockStop {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Working days inside the clock stops.
pub fn stopped_working_days(cal: &WorkCalendar, stops: &[ClockStop]) -> u32 {
    stops
        .iter()
        .map(|s| {
            let before = s.start.checked_sub_days(Days::new(1)).unwrap_or(s.start);
            cal.working_days_between(before, s.end)
        })
        .sum()
}

/// The due date of `limit` working days counted from `accepted_on`, extended by every
/// working day that fell inside a clock stop.
pub fn due_date(
    cal: &WorkCalendar,
    accepted_on: NaiveDate,
    limit: u32,
    stops: &[ClockStop],
) -> NaiveDate {
    explain_due(cal, accepted_on, limit, stops).0.due
}

/// The due date with how it was counted: the calendar's explanation of `limit` plus the
/// stopped days, and how many working days the stops added.
pub fn explain_due(
    cal: &WorkCalendar,
    accepted_on: NaiveDate,
    limit: u32,
    stops: &[ClockStop],
) -> (crate::calendar::DueDateExplanation, u32) {
    let stopped = stopped_working_days(cal, stops);
    (cal.explain(accepted_on, limit + stopped), stopped)
}

/// 办件编号: implementation code + `yyyyMMdd` + 4-digit daily sequence (43 characters).
pub fn case_number(implementation_code: &str, date: NaiveDate, seq: u32) -> String {
    format!("{implementation_code}{}{seq:04}", date.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::shipped_calendar;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rules() -> ItemRules {
        ItemRules {
            immediate: false,
            review_stages: 1,
            deficiency_allowed: vec!["健康证明".into()],
        }
    }

    /// Applies `actions` in turn from `Submitted`, failing on the first refusal.
    fn run(rules: &ItemRules, start: Progress, actions: &[CaseAction]) -> (CaseStatus, Progress) {
        let mut s = CaseStatus::Submitted;
        let mut p = start;
        for a in actions {
            (s, p) = transition(s, rules, &p, a).unwrap_or_else(|e| panic!("{a:?}: {e}"));
        }
        (s, p)
    }

    fn refusal(from: CaseStatus, rules: &ItemRules, p: &Progress, a: CaseAction) -> CaseError {
        transition(from, rules, p, &a).expect_err("should be refused")
    }

    #[test]
    fn the_whole_path_and_its_refusals() {
        use CaseAction as A;
        let p = Progress::default();
        let (s, p2) = run(
            &rules(),
            p.clone(),
            &[
                A::IssueNotice {
                    items: vec!["营业执照复印件".into()],
                },
                A::Supply,
                A::Accept,
                A::StartReview,
                A::StartSpecialProcedure,
                A::EndSpecialProcedure,
                A::Decide { approve: true },
                A::Conclude,
                A::Deliver,
            ],
        );
        assert_eq!(s, CaseStatus::Delivered);
        assert_eq!(p2.decision, Some(true));
        assert_eq!(
            refusal(
                CaseStatus::Submitted,
                &rules(),
                &p,
                A::Decide { approve: true }
            ),
            CaseError::NotAllowed {
                from: CaseStatus::Submitted,
                action: "作出决定"
            }
        );
        assert_eq!(
            refusal(
                CaseStatus::Submitted,
                &rules(),
                &p,
                A::Refuse { reason: " ".into() }
            ),
            CaseError::ReasonRequired("不予受理")
        );
        assert_eq!(
            refusal(
                CaseStatus::Submitted,
                &rules(),
                &p,
                A::IssueNotice { items: vec![] }
            ),
            CaseError::EmptyNotice
        );
        assert!(
            transition(
                CaseStatus::Decided,
                &rules(),
                &p,
                &A::Withdraw { reason: "x".into() }
            )
            .is_err()
        );
        assert_eq!(
            refusal(
                CaseStatus::InReview,
                &rules(),
                &p,
                A::ReturnForRework { reason: "".into() }
            ),
            CaseError::ReasonRequired("退回")
        );
        let (s, _) = run(
            &rules(),
            p.clone(),
            &[A::Withdraw {
                reason: "不再办理".into(),
            }],
        );
        assert_eq!(s, CaseStatus::Withdrawn);
        for a in [A::Accept, A::Supply, A::Deliver] {
            assert!(matches!(
                refusal(CaseStatus::Withdrawn, &rules(), &p, a),
                CaseError::NotAllowed { .. }
            ));
        }
    }

    #[test]
    fn deficiency_acceptance_only_for_marked_materials_and_blocks_conclusion() {
        use CaseAction as A;
        let p = Progress::default();
        assert_eq!(
            refusal(
                CaseStatus::Submitted,
                &rules(),
                &p,
                A::AcceptWithDeficiency {
                    missing: vec!["营业执照".into()]
                }
            ),
            CaseError::NotDeficiencyAcceptable("营业执照".into())
        );
        assert_eq!(
            refusal(
                CaseStatus::Submitted,
                &rules(),
                &p,
                A::AcceptWithDeficiency {
                    missing: vec![" ".into()]
                }
            ),
            CaseError::EmptyDeficiency
        );
        let (s, owed) = run(
            &rules(),
            p.clone(),
            &[
                A::AcceptWithDeficiency {
                    missing: vec!["健康证明".into()],
                },
                A::StartReview,
                A::Decide { approve: true },
            ],
        );
        assert_eq!(owed.deficiency_outstanding, vec!["健康证明".to_owned()]);
        assert_eq!(
            refusal(s, &rules(), &owed, A::Conclude),
            CaseError::DeficiencyOutstanding("健康证明".into())
        );
        let (s2, supplied) = transition(s, &rules(), &owed, &A::SupplyDeficiency).unwrap();
        assert_eq!(s2, CaseStatus::Decided);
        assert_eq!(
            refusal(s2, &rules(), &supplied, A::SupplyDeficiency),
            CaseError::NoDeficiency
        );
        assert_eq!(
            transition(s2, &rules(), &supplied, &A::Conclude).unwrap().0,
            CaseStatus::Concluded
        );
    }

    #[test]
    fn multi_stage_review_needs_every_stage_and_a_return_starts_over() {
        use CaseAction as A;
        let two = ItemRules {
            review_stages: 2,
            ..rules()
        };
        let (s, p) = run(&two, Progress::default(), &[A::Accept, A::StartReview]);
        assert_eq!(
            refusal(s, &two, &p, A::Decide { approve: true }),
            CaseError::StagesPending(1)
        );
        let pass = A::PassReviewStage {
            opinion: "材料齐全，同意".into(),
        };
        let (s, p) = transition(s, &two, &p, &pass).unwrap();
        assert_eq!((s, p.stages_done), (CaseStatus::InReview, 1));
        assert_eq!(
            refusal(s, &two, &p, pass.clone()),
            CaseError::NoFurtherStage
        );
        let (back, p0) = transition(
            s,
            &two,
            &p,
            &A::ReturnForRework {
                reason: "补充说明".into(),
            },
        )
        .unwrap();
        assert_eq!((back, p0.stages_done), (CaseStatus::Accepted, 0));
        assert_eq!(
            transition(s, &two, &p, &A::Decide { approve: false })
                .unwrap()
                .1
                .decision,
            Some(false)
        );
        assert_eq!(
            refusal(s, &rules(), &Progress::default(), pass),
            CaseError::NoFurtherStage
        );
    }

    #[test]
    fn commitment_approval_opens_a_verification_that_a_breach_closes_by_revoking() {
        use CaseAction as A;
        let unsigned = Progress::default();
        assert_eq!(
            refusal(
                CaseStatus::Submitted,
                &rules(),
                &unsigned,
                A::ApproveOnCommitment
            ),
            CaseError::CommitmentNotSigned
        );
        let signed = Progress {
            commitment_signed: true,
            ..Progress::default()
        };
        let (s, p) = run(&rules(), signed.clone(), &[A::ApproveOnCommitment]);
        assert_eq!(
            (s, p.verification_open, p.decision),
            (CaseStatus::Decided, true, Some(true))
        );
        let (s, p) = transition(s, &rules(), &p, &A::Conclude).unwrap();
        let (revoked, closed) = transition(
            s,
            &rules(),
            &p,
            &A::Revoke {
                reason: "经核查，经营场所与承诺不符".into(),
            },
        )
        .unwrap();
        assert_eq!(
            (revoked, closed.verification_open),
            (CaseStatus::Revoked, false)
        );
        let (kept, ok) = transition(s, &rules(), &p, &A::ConfirmCommitment).unwrap();
        assert_eq!((kept, ok.verification_open), (CaseStatus::Concluded, false));
        assert_eq!(
            refusal(kept, &rules(), &ok, A::ConfirmCommitment),
            CaseError::NoVerification
        );
    }

    #[test]
    fn proxy_handling_needs_a_valid_agent_and_consent() {
        let e =
            Assistance::from_form("proxy", false, "", "640303195803120241", "子女").unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["agent_name", "agent_id", "consent"]);
        let a =
            Assistance::from_form("proxy", true, "马小红", "64030319580312024X", "女儿").unwrap();
        assert_eq!(
            a.describe(),
            "代办：马**（女儿，身份证 640303********024X）受申请人委托办理"
        );
        assert_eq!(
            Assistance::from_form("in_person", false, "", "", ""),
            Ok(Assistance::InPerson)
        );
        assert!(Assistance::from_form("assisted", false, "", "", "").is_err());
        assert!(Assistance::from_form("robot", true, "", "", "").is_err());
    }

    #[test]
    fn a_window_applicant_is_checked_whole() {
        let form = WindowForm {
            kind: "citizen",
            id_number: "640303195803120241",
            name: "",
            phone: "12",
            id_checked: false,
            mode: "in_person",
            consent: false,
            agent_name: "",
            agent_id: "",
            relationship: "",
        };
        let fields: Vec<String> = WindowApplicant::parse(form)
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["id_number", "name", "phone", "id_checked"]);
        let ok = WindowApplicant::parse(WindowForm {
            id_number: "64030319580312024x",
            name: "马秀兰",
            phone: "",
            id_checked: true,
            ..form
        })
        .unwrap();
        assert_eq!(ok.login, "64030319580312024X");
        assert!(ok.is("马秀兰", crate::account::AccountKind::Citizen));
        assert!(!ok.is("张三", crate::account::AccountKind::Citizen));
    }

    #[test]
    fn follow_up_dates_start_stay_and_clear() {
        let cal = shipped_calendar();
        let fri = d("2026-11-27");
        assert_eq!(
            follow_up_date(&cal, true, false, None, fri, 5),
            Some(d("2026-12-04"))
        );
        let kept = Some(d("2026-12-01"));
        assert_eq!(follow_up_date(&cal, true, true, kept, fri, 5), kept);
        assert_eq!(follow_up_date(&cal, false, true, kept, fri, 5), None);
    }

    #[test]
    fn only_immediate_items_conclude_on_the_spot() {
        let p = Progress::default();
        assert_eq!(
            refusal(
                CaseStatus::Submitted,
                &rules(),
                &p,
                CaseAction::ConcludeOnTheSpot
            ),
            CaseError::NotImmediate
        );
        let immediate = ItemRules {
            immediate: true,
            ..rules()
        };
        let (s, p) = transition(
            CaseStatus::Submitted,
            &immediate,
            &p,
            &CaseAction::ConcludeOnTheSpot,
        )
        .unwrap();
        assert_eq!((s, p.decision), (CaseStatus::Concluded, Some(true)));
    }

    #[test]
    fn second_notice_may_only_concern_later_materials() {
        let breaches = notice_breaches(
            &["经营场所平面图".into(), "营业执照".into()],
            &["经营场所平面图".into()],
        );
        assert_eq!(breaches, vec!["营业执照".to_owned()]);
    }

    #[test]
    fn special_procedures_stop_the_clock() {
        let cal = shipped_calendar();
        // Accepted Monday 2026-11-16, 5 working days → Monday 11-23.
        assert_eq!(due_date(&cal, d("2026-11-16"), 5, &[]), d("2026-11-23"));
        // A site inspection Wed 11-18 to Thu 11-19 stops it for two working days.
        let stop = ClockStop {
            start: d("2026-11-18"),
            end: d("2026-11-19"),
        };
        assert_eq!(due_date(&cal, d("2026-11-16"), 5, &[stop]), d("2026-11-25"));
    }

    #[test]
    fn urgency_counts_working_days() {
        let cal = shipped_calendar();
        let fri = d("2026-11-27");
        assert_eq!(urgency(&cal, d("2026-11-26"), fri, 1), Urgency::Overdue);
        // One working day after Friday is Monday: due then is yellow, Tuesday is not.
        assert_eq!(urgency(&cal, d("2026-11-30"), fri, 1), Urgency::DueSoon);
        assert_eq!(urgency(&cal, d("2026-12-01"), fri, 1), Urgency::Normal);
        assert_eq!(urgency(&cal, d("2026-12-01"), fri, 2), Urgency::DueSoon);
        assert!(CaseStatus::SpecialProcedure.clock_started());
        assert!(!CaseStatus::Concluded.clock_started());
    }

    #[test]
    fn case_numbers_have_43_characters() {
        let n = case_number("11640303MB0000103K43A0102900001", d("2026-11-27"), 7);
        assert_eq!(n.len(), 43);
        assert!(n.ends_with("202611270007"));
    }

    fn action() -> impl Strategy<Value = CaseAction> {
        use CaseAction as A;
        prop_oneof![
            Just(A::Accept),
            Just(A::AcceptWithDeficiency {
                missing: vec!["健康证明".into()]
            }),
            Just(A::Refuse {
                reason: "不属于受理范围".into()
            }),
            Just(A::IssueNotice {
                items: vec!["身份证".into()]
            }),
            Just(A::Supply),
            Just(A::SupplyDeficiency),
            Just(A::StartReview),
            Just(A::PassReviewStage {
                opinion: "同意".into()
            }),
            Just(A::ConcludeOnTheSpot),
            Just(A::ConfirmCommitment),
            Just(A::ReturnForRework {
                reason: "材料不一致".into()
            }),
            Just(A::StartSpecialProcedure),
            Just(A::EndSpecialProcedure),
            any::<bool>().prop_map(|approve| A::Decide { approve }),
            Just(A::ApproveOnCommitment),
            Just(A::Conclude),
            Just(A::Deliver),
            Just(A::Withdraw {
                reason: "不再办理".into()
            }),
            Just(A::Revoke {
                reason: "承诺不实".into()
            }),
        ]
    }

    fn item_rules() -> impl Strategy<Value = ItemRules> {
        (any::<bool>(), 1u8..=3).prop_map(|(immediate, review_stages)| ItemRules {
            immediate,
            review_stages,
            deficiency_allowed: vec!["健康证明".into()],
        })
    }

    proptest! {
        /// Whatever the actions: nothing moves a refused, withdrawn or revoked case; nothing
        /// concludes without an approval or denial on record, nor while 容缺 materials are
        /// owed; a decision on a multi-stage item follows every stage; a verification task
        /// opens only with a commitment approval.
        #[test]
        fn no_illegal_state_is_reachable(
            rules in item_rules(),
            signed in any::<bool>(),
            actions in proptest::collection::vec(action(), 0..24),
        ) {
            let mut s = CaseStatus::Submitted;
            let mut p = Progress { commitment_signed: signed, ..Progress::default() };
            for a in &actions {
                let before = s;
                let Ok((next, np)) = transition(s, &rules, &p, a) else { continue };
                prop_assert!(!matches!(before, CaseStatus::Refused | CaseStatus::Withdrawn | CaseStatus::Revoked));
                prop_assert!(np.stages_done < rules.review_stages);
                if matches!(a, CaseAction::Decide { .. }) {
                    prop_assert_eq!(p.stages_done + 1, rules.review_stages);
                }
                if next == CaseStatus::Concluded && before != CaseStatus::Concluded {
                    prop_assert!(np.decision.is_some());
                    prop_assert!(np.deficiency_outstanding.is_empty());
                }
                if np.verification_open && !p.verification_open {
                    prop_assert!(matches!(a, CaseAction::ApproveOnCommitment) && signed);
                }
                s = next;
                p = np;
            }
        }
    }
}

/// Kinds of uploaded material the platform accepts, recognised by content, not by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    Pdf,
    Jpeg,
    Png,
    /// OFD (GB/T 33190), a zip container.
    Ofd,
}

impl UploadKind {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Ofd => "application/ofd",
        }
    }
}

/// The largest file one material may be.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("文件为空")]
    Empty,
    #[error("文件超过 10 MB，请压缩或分开上传")]
    TooLarge,
    #[error("只接受 PDF、JPEG、PNG 或 OFD 文件（按文件内容识别）")]
    UnsupportedType,
}

impl crate::validation::FieldRule for UploadError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge => "too_large",
            Self::UnsupportedType => "unsupported_type",
        }
    }
}

/// Recognises an upload by its first bytes; an OFD must also be named `.ofd`, since any zip
/// starts alike.
pub fn sniff_upload(bytes: &[u8], filename: &str) -> Result<UploadKind, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge);
    }
    if bytes.starts_with(b"%PDF-") {
        Ok(UploadKind::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(UploadKind::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Ok(UploadKind::Png)
    } else if bytes.starts_with(b"PK\x03\x04") && filename.to_ascii_lowercase().ends_with(".ofd") {
        Ok(UploadKind::Ofd)
    } else {
        Err(UploadError::UnsupportedType)
    }
}

/// The SHA-256 of an upload, as lower-case hex: its identity for deduplication and the record.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod upload_tests {
    use super::*;

    #[test]
    fn uploads_are_recognised_by_content() {
        assert_eq!(sniff_upload(b"%PDF-1.7 ...", "a.jpg"), Ok(UploadKind::Pdf));
        assert_eq!(
            sniff_upload(&[0xFF, 0xD8, 0xFF, 0xE0], "x"),
            Ok(UploadKind::Jpeg)
        );
        assert_eq!(
            sniff_upload(b"PK\x03\x04rest", "证照.OFD"),
            Ok(UploadKind::Ofd)
        );
        assert_eq!(
            sniff_upload(b"PK\x03\x04rest", "a.zip"),
            Err(UploadError::UnsupportedType)
        );
        assert_eq!(
            sniff_upload(b"MZ\x90\x00", "a.pdf"),
            Err(UploadError::UnsupportedType)
        );
        assert_eq!(sniff_upload(b"", "a.pdf"), Err(UploadError::Empty));
        assert_eq!(
            sniff_upload(&vec![b'%'; MAX_UPLOAD_BYTES + 1], "a.pdf"),
            Err(UploadError::TooLarge)
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
