//! What a case step sets in motion beyond its status and progress: the clock, the licence,
//! its delivery or revocation, the check of the one-time-notice rule and the message to the
//! applicant. `step` decides them with the transition, so the application layer only
//! carries them out and the store only records them.

use super::{CaseAction, CaseError, CaseStatus, ItemRules, Progress, transition};

/// A step's status, progress and effects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub to: CaseStatus,
    pub progress: Progress,
    pub effects: Effects,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effects {
    pub clock: ClockEffect,
    /// 谁办理、谁入库: an approved case that concludes issues its licence in the same step.
    pub issue_licence: bool,
    /// An online applicant's result is the licence now in their wallet: that is its
    /// delivery (电子送达), recorded by the platform at once. A window's applicant is handed
    /// the paper (or it is posted), so their case waits for the clerk's 送达.
    pub deliver_electronically: bool,
    /// A revoked result takes the licences issued on it with it, for this reason.
    pub revoke_licences: Option<&'static str>,
    /// A later notice is compared with the first (一次性告知): see `notice_breach`.
    pub check_notice_rule: bool,
    /// What the applicant is told.
    pub notification: Notification,
}

/// What the step does to the time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockEffect {
    /// Nothing: the clock goes on (or stays stopped) as before.
    Unchanged,
    /// Acceptance starts the clock: the due dates are counted from today.
    Start,
    /// A special procedure ended: the due dates move by the working days it took.
    MoveByStop,
}

/// A message to the applicant, in the platform's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub subject: String,
    pub body: String,
    /// Where in the platform the applicant follows it.
    pub link: String,
}

impl Notification {
    /// The message when a case is filed.
    pub fn submitted(item_name: &str, case_no: &str) -> Self {
        Notification {
            subject: format!("您的“{item_name}”申请已提交"),
            body: format!("办件编号 {case_no}，请留意受理结果。"),
            link: tracking_link(case_no),
        }
    }

    /// The message when a step moves the case.
    pub fn progressed(item_name: &str, case_no: &str, to: CaseStatus) -> Self {
        // 好差评: after the intake decision and after conclusion the applicant is invited to
        // rate that stage, by the same message (in-app, and the SMS or e-mail link).
        let invite = match to {
            CaseStatus::Accepted | CaseStatus::Refused => Some("受理"),
            CaseStatus::Concluded => Some("办结"),
            _ => None,
        };
        match invite {
            Some(stage) => Notification {
                subject: format!("您的“{item_name}”办件有新进展，欢迎评价"),
                body: format!(
                    "办件编号 {case_no}，当前状态：{}。欢迎对{stage}环节的服务作出评价（非常满意至非常不满意），您的意见会用于改进服务。",
                    to.label()
                ),
                link: format!("/me/cases/{case_no}/rate"),
            },
            None => Notification {
                subject: format!("您的“{item_name}”办件有新进展"),
                body: format!("办件编号 {case_no}，当前状态：{}。", to.label()),
                link: tracking_link(case_no),
            },
        }
    }
}

fn tracking_link(case_no: &str) -> String {
    format!("/me/cases/{case_no}")
}

/// Why a licence is revoked with the result it was issued on.
pub const RESULT_REVOKED: &str = "办理结果已被撤销";

/// The case a step is taken on, as far as its effects depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts<'a> {
    pub item_name: &'a str,
    pub case_no: &'a str,
    /// Applied online (not at a window).
    pub online: bool,
}

/// `transition`, with the effects of the step.
pub fn step(
    from: CaseStatus,
    rules: &ItemRules,
    progress: &Progress,
    action: &CaseAction,
    case: CaseFacts<'_>,
) -> Result<Transition, CaseError> {
    let (to, progress) = transition(from, rules, progress, action)?;
    let clock = match action {
        CaseAction::Accept
        | CaseAction::AcceptWithDeficiency { .. }
        | CaseAction::ConcludeOnTheSpot
        | CaseAction::ApproveOnCommitment => ClockEffect::Start,
        CaseAction::EndSpecialProcedure { .. } => ClockEffect::MoveByStop,
        _ => ClockEffect::Unchanged,
    };
    let issue_licence = to == CaseStatus::Concluded && progress.decision == Some(true);
    let effects = Effects {
        clock,
        issue_licence,
        deliver_electronically: issue_licence && case.online,
        revoke_licences: (to == CaseStatus::Revoked).then_some(RESULT_REVOKED),
        check_notice_rule: matches!(action, CaseAction::IssueNotice { .. }),
        notification: Notification::progressed(case.item_name, case.case_no, to),
    };
    Ok(Transition {
        to,
        progress,
        effects,
    })
}
