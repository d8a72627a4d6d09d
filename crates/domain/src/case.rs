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
    Conclude,
    Deliver,
    Withdraw {
        reason: String,
    },
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
            Self::ReturnForRework { .. } => "退回",
            Self::StartSpecialProcedure => "启动特别程序",
            Self::EndSpecialProcedure => "结束特别程序",
            Self::Decide { .. } => "作出决定",
            Self::ApproveOnCommitment => "告知承诺审批",
            Self::Conclude => "办结",
            Self::Deliver => "送达",
            Self::Withdraw { .. } => "撤回",
            Self::Revoke { .. } => "撤销",
        }
    }

    /// Who takes this action.
    pub fn actor(&self) -> CaseActor {
        match self {
            Self::Supply | Self::Withdraw { .. } => CaseActor::Applicant,
            Self::Accept
            | Self::AcceptWithDeficiency { .. }
            | Self::Refuse { .. }
            | Self::IssueNotice { .. }
            | Self::ApproveOnCommitment
            | Self::Deliver => CaseActor::Clerk,
            Self::StartReview
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
}

/// The status after `action`, or why not. Reasons and notice items are required where the
/// plan requires them to be on record.
pub fn transition(from: CaseStatus, action: &CaseAction) -> Result<CaseStatus, CaseError> {
    use CaseAction as A;
    use CaseStatus as S;
    let reason_needed = |r: &str, what| {
        if r.trim().is_empty() {
            Err(CaseError::ReasonRequired(what))
        } else {
            Ok(())
        }
    };
    let next = match (from, action) {
        (S::Submitted, A::Accept | A::AcceptWithDeficiency { .. }) => S::Accepted,
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
        (S::Submitted, A::ApproveOnCommitment) => S::Decided,
        (S::Accepted, A::StartReview) => S::InReview,
        (S::InReview, A::ReturnForRework { reason }) => {
            reason_needed(reason, "退回")?;
            S::Accepted
        }
        (S::InReview, A::StartSpecialProcedure) => S::SpecialProcedure,
        (S::SpecialProcedure, A::EndSpecialProcedure) => S::InReview,
        (S::InReview, A::Decide { .. }) => S::Decided,
        (S::Decided, A::Conclude) => S::Concluded,
        (S::Concluded, A::Deliver) => S::Delivered,
        (
            S::Submitted | S::AwaitingSupplement | S::Accepted | S::InReview | S::SpecialProcedure,
            A::Withdraw { reason },
        ) => {
            reason_needed(reason, "撤回")?;
            S::Withdrawn
        }
        (S::Decided | S::Concluded | S::Delivered, A::Revoke { reason }) => {
            reason_needed(reason, "撤销")?;
            S::Revoked
        }
        _ => {
            return Err(CaseError::NotAllowed {
                from,
                action: action.label(),
            });
        }
    };
    Ok(next)
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

    #[test]
    fn the_whole_path_and_its_refusals() {
        use CaseAction as A;
        let mut s = CaseStatus::Submitted;
        for a in [
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
        ] {
            s = transition(s, &a).unwrap();
        }
        assert_eq!(s, CaseStatus::Delivered);
        assert_eq!(
            transition(CaseStatus::Submitted, &A::Decide { approve: true }),
            Err(CaseError::NotAllowed {
                from: CaseStatus::Submitted,
                action: "作出决定"
            })
        );
        assert_eq!(
            transition(CaseStatus::Submitted, &A::Refuse { reason: " ".into() }),
            Err(CaseError::ReasonRequired("不予受理"))
        );
        assert_eq!(
            transition(CaseStatus::Submitted, &A::IssueNotice { items: vec![] }),
            Err(CaseError::EmptyNotice)
        );
        assert!(transition(CaseStatus::Decided, &A::Withdraw { reason: "x".into() }).is_err());
        assert_eq!(
            transition(CaseStatus::Submitted, &A::ApproveOnCommitment),
            Ok(CaseStatus::Decided)
        );
        assert_eq!(
            transition(
                CaseStatus::Delivered,
                &A::Revoke {
                    reason: "承诺不实".into()
                }
            ),
            Ok(CaseStatus::Revoked)
        );
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
            Just(A::StartReview),
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

    proptest! {
        /// No sequence of actions delivers a result that was never decided, and nothing
        /// moves a refused or withdrawn case.
        #[test]
        fn no_illegal_state_is_reachable(actions in proptest::collection::vec(action(), 0..20)) {
            let mut s = CaseStatus::Submitted;
            let mut decided = false;
            for a in &actions {
                let before = s;
                if let Ok(next) = transition(s, a) {
                    prop_assert!(!matches!(before, CaseStatus::Refused | CaseStatus::Withdrawn | CaseStatus::Revoked));
                    if next == CaseStatus::Decided { decided = true; }
                    if matches!(next, CaseStatus::Concluded | CaseStatus::Delivered) {
                        prop_assert!(decided);
                    }
                    s = next;
                }
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
