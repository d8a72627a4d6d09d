//! 整改: the loop a bad real-name rating opens. The department verifies with the rater
//! within one working day (a call note), rectifies or explains within the bureau's limit
//! (15 working days by default), and tells the rater, who accepts or appeals once; the
//! bureau reviews and closes, or returns it. Every step is a new entry: nothing is edited.

use chrono::NaiveDate;
use serde::Serialize;

use crate::ValidationErrors;
use crate::calendar::WorkCalendar;

/// Working days the department has to call the rater.
pub const VERIFY_WORKING_DAYS: u32 = 1;
/// The default limit to rectify or explain (the bureau may set another).
pub const DEFAULT_RECTIFY_WORKING_DAYS: u32 = 15;
pub const NOTE_MAX: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RectificationStatus {
    /// 待核实: the department is to call the rater.
    AwaitingVerification,
    /// 整改中: verified; rectify or explain.
    Rectifying,
    /// 待反馈: the answer is recorded; the rater is to be told.
    AwaitingFeedback,
    /// 待确认: the rater was told and may accept or appeal.
    AwaitingRater,
    /// 待审核: the rater accepted; the bureau reviews.
    AwaitingReview,
    /// 已办结.
    Closed,
}

impl RectificationStatus {
    pub const ALL: [Self; 6] = [
        Self::AwaitingVerification,
        Self::Rectifying,
        Self::AwaitingFeedback,
        Self::AwaitingRater,
        Self::AwaitingReview,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingVerification => "awaiting_verification",
            Self::Rectifying => "rectifying",
            Self::AwaitingFeedback => "awaiting_feedback",
            Self::AwaitingRater => "awaiting_rater",
            Self::AwaitingReview => "awaiting_review",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::AwaitingVerification => "待核实",
            Self::Rectifying => "整改中",
            Self::AwaitingFeedback => "待反馈",
            Self::AwaitingRater => "待评价人确认",
            Self::AwaitingReview => "待审批服务管理局审核",
            Self::Closed => "已办结",
        }
    }

    /// The department's clock runs (its time can pass and escalate).
    pub fn department_owes(self) -> bool {
        matches!(
            self,
            Self::AwaitingVerification | Self::Rectifying | Self::AwaitingFeedback
        )
    }
}

/// Who takes a step of the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RectificationActor {
    /// The rated department's staff.
    Department,
    /// The person who gave the rating.
    Rater,
    /// 审批服务管理局.
    Bureau,
}

/// How the department answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 已整改: something was changed.
    Rectified,
    /// 已解释说明: nothing was wrong, and why.
    Explained,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rectified => "rectified",
            Self::Explained => "explained",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Rectified, Self::Explained]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Rectified => "已整改",
            Self::Explained => "解释说明",
        }
    }
}

/// A step of the loop, each with its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RectificationAction {
    /// The department called the rater: what they said.
    Verify { note: String },
    /// The department rectified or explained.
    Answer { outcome: String, note: String },
    /// The department told the rater the answer (how, and what was said).
    Feedback { note: String },
    /// The rater accepts the answer.
    Accept {
        #[serde(default)]
        note: String,
    },
    /// The rater appeals, once, with a reason.
    Appeal { note: String },
    /// The bureau closes it with its opinion.
    Close { note: String },
    /// The bureau sends it back to the department with its opinion.
    Return { note: String },
    /// Anyone of the loop adds a note or corrects an earlier entry (a new entry; nothing is
    /// edited).
    Note { note: String },
}

impl RectificationAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Verify { .. } => "verify",
            Self::Answer { .. } => "answer",
            Self::Feedback { .. } => "feedback",
            Self::Accept { .. } => "accept",
            Self::Appeal { .. } => "appeal",
            Self::Close { .. } => "close",
            Self::Return { .. } => "return",
            Self::Note { .. } => "note",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Verify { .. } => "核实（回访评价人）",
            Self::Answer { .. } => "整改或解释说明",
            Self::Feedback { .. } => "向评价人反馈",
            Self::Accept { .. } => "评价人认可",
            Self::Appeal { .. } => "评价人申诉",
            Self::Close { .. } => "审核办结",
            Self::Return { .. } => "退回重新整改",
            Self::Note { .. } => "补充说明",
        }
    }

    pub fn note(&self) -> &str {
        match self {
            Self::Verify { note }
            | Self::Answer { note, .. }
            | Self::Feedback { note }
            | Self::Accept { note }
            | Self::Appeal { note }
            | Self::Close { note }
            | Self::Return { note }
            | Self::Note { note } => note,
        }
    }

    /// Who may take it.
    pub fn actor(&self) -> Option<RectificationActor> {
        use RectificationActor as A;
        match self {
            Self::Verify { .. } | Self::Answer { .. } | Self::Feedback { .. } => {
                Some(A::Department)
            }
            Self::Accept { .. } | Self::Appeal { .. } => Some(A::Rater),
            Self::Close { .. } | Self::Return { .. } => Some(A::Bureau),
            Self::Note { .. } => None,
        }
    }
}

/// A task's state as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskState {
    pub status: RectificationStatus,
    pub appealed: bool,
    /// The rater was told the answer more than `RATER_WORKING_DAYS` ago and has neither
    /// accepted nor appealed: their silence counts as acceptance.
    pub rater_lapsed: bool,
}

/// How long the rater has to accept or appeal once told the answer.
pub const RATER_WORKING_DAYS: u32 = 5;

/// Whether a rater told the answer on `told_on` has let their time to answer pass by
/// `today` (then their silence counts as acceptance).
pub fn rater_lapsed(cal: &WorkCalendar, told_on: NaiveDate, today: NaiveDate) -> bool {
    today > cal.add_working_days(told_on, RATER_WORKING_DAYS)
}

/// What a step leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskStep {
    pub state: TaskState,
    /// The answer given with this step.
    pub outcome: Option<Outcome>,
    /// The department's time to answer starts again from today (an appeal, a return).
    pub restart_answer_clock: bool,
    /// The rater is told (the feedback, the closing).
    pub tell_rater: bool,
}

/// Why a step is refused, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RectificationError {
    #[error("{0}")]
    Invalid(ValidationErrors),
    #[error("您不能进行这一步：{0}")]
    NotYours(&'static str),
    #[error("整改任务当前为“{status}”，不能{action}")]
    NotNow {
        status: &'static str,
        action: &'static str,
    },
    #[error("每项整改只能申诉一次")]
    AlreadyAppealed,
    #[error("评价人收到反馈后 5 个工作日内可以认可或申诉，期满前不能办结或退回")]
    RaterMayAnswer,
}

fn note_required(action: &RectificationAction) -> Result<(), RectificationError> {
    let mut errors = ValidationErrors::new();
    let note = action.note().trim();
    let optional = matches!(action, RectificationAction::Accept { .. });
    if note.is_empty() && !optional {
        errors.add("note", "required", "请填写说明");
    } else if note.chars().count() > NOTE_MAX {
        errors.add("note", "too_long", format!("不能超过 {NOTE_MAX} 个字"));
    } else if note
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.add("note", "invalid_character", "含有不可见的控制字符");
    }
    if let RectificationAction::Answer { outcome, .. } = action
        && Outcome::parse(outcome).is_none()
    {
        errors.add("outcome", "invalid", "请选择处理结果：已整改或解释说明");
    }
    errors.into_result().map_err(RectificationError::Invalid)
}

/// The next state of a task after `action` by `by`, or why not.
pub fn step(
    state: TaskState,
    by: RectificationActor,
    action: &RectificationAction,
) -> Result<TaskStep, RectificationError> {
    use RectificationAction as A;
    use RectificationStatus as S;
    note_required(action)?;
    if let Some(needed) = action.actor()
        && needed != by
    {
        return Err(RectificationError::NotYours(match needed {
            RectificationActor::Department => "由被评价部门办理",
            RectificationActor::Rater => "由评价人本人确认",
            RectificationActor::Bureau => "由审批服务管理局审核",
        }));
    }
    let refuse = || RectificationError::NotNow {
        status: state.status.label(),
        action: action.label(),
    };
    let mut next = TaskStep {
        state,
        outcome: None,
        restart_answer_clock: false,
        tell_rater: false,
    };
    next.state.status = match (state.status, action) {
        (S::Closed, _) => return Err(refuse()),
        (_, A::Note { .. }) => state.status,
        (S::AwaitingVerification, A::Verify { .. }) => S::Rectifying,
        (S::Rectifying, A::Answer { outcome, .. }) => {
            next.outcome = Outcome::parse(outcome);
            S::AwaitingFeedback
        }
        (S::AwaitingFeedback, A::Feedback { .. }) => {
            next.tell_rater = true;
            S::AwaitingRater
        }
        (S::AwaitingRater, A::Accept { .. }) => S::AwaitingReview,
        (S::AwaitingRater, A::Appeal { .. }) => {
            if state.appealed {
                return Err(RectificationError::AlreadyAppealed);
            }
            next.state.appealed = true;
            next.restart_answer_clock = true;
            S::Rectifying
        }
        // The bureau closes once the rater accepted, or let their time to answer pass; never
        // while they may still appeal.
        (S::AwaitingReview, A::Close { .. }) | (S::AwaitingRater, A::Close { .. })
            if state.status == S::AwaitingReview || state.rater_lapsed =>
        {
            next.tell_rater = true;
            S::Closed
        }
        (S::AwaitingRater, A::Close { .. }) => {
            return Err(RectificationError::RaterMayAnswer);
        }
        // Returning, like closing, waits for the rater: they accept or appeal first.
        (S::AwaitingReview, A::Return { .. }) | (S::AwaitingRater, A::Return { .. })
            if state.status == S::AwaitingReview || state.rater_lapsed =>
        {
            next.restart_answer_clock = true;
            S::Rectifying
        }
        (S::AwaitingRater, A::Return { .. }) => {
            return Err(RectificationError::RaterMayAnswer);
        }
        _ => return Err(refuse()),
    };
    Ok(next)
}

/// The two due dates of a task opened on `opened_on`.
pub fn due_dates(cal: &WorkCalendar, opened_on: NaiveDate, limit: u32) -> (NaiveDate, NaiveDate) {
    (
        cal.add_working_days(opened_on, VERIFY_WORKING_DAYS),
        cal.add_working_days(opened_on, limit),
    )
}

/// The date the department owes its next step by, while it owes one.
pub fn owed_by(
    status: RectificationStatus,
    verify_due: NaiveDate,
    answer_due: NaiveDate,
) -> Option<NaiveDate> {
    match status {
        RectificationStatus::AwaitingVerification => Some(verify_due.min(answer_due)),
        s if s.department_owes() => Some(answer_due),
        _ => None,
    }
}

/// Past its time: the department owes a step whose date has passed.
pub fn is_overdue(
    status: RectificationStatus,
    verify_due: NaiveDate,
    answer_due: NaiveDate,
    today: NaiveDate,
) -> bool {
    owed_by(status, verify_due, answer_due).is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RectificationActor as By;
    use proptest::prelude::*;

    fn note(s: &str) -> String {
        s.into()
    }

    fn start() -> TaskState {
        TaskState {
            status: RectificationStatus::AwaitingVerification,
            appealed: false,
            rater_lapsed: false,
        }
    }

    #[test]
    fn the_whole_loop_with_one_appeal() {
        let s = start();
        let s = step(
            s,
            By::Department,
            &RectificationAction::Verify {
                note: note("已电话联系"),
            },
        )
        .unwrap()
        .state;
        let answer = RectificationAction::Answer {
            outcome: "rectified".into(),
            note: note("已精简材料"),
        };
        let t = step(s, By::Department, &answer).unwrap();
        assert_eq!(t.outcome, Some(Outcome::Rectified));
        let s = step(
            t.state,
            By::Department,
            &RectificationAction::Feedback {
                note: note("已告知"),
            },
        )
        .unwrap()
        .state;
        let appeal = RectificationAction::Appeal {
            note: note("仍需跑两次"),
        };
        let t = step(s, By::Rater, &appeal).unwrap();
        assert!(t.restart_answer_clock);
        assert_eq!(t.state.status, RectificationStatus::Rectifying);
        let s = step(t.state, By::Department, &answer).unwrap().state;
        let s = step(
            s,
            By::Department,
            &RectificationAction::Feedback {
                note: note("再次告知"),
            },
        )
        .unwrap()
        .state;
        assert_eq!(
            step(s, By::Rater, &appeal).unwrap_err(),
            RectificationError::AlreadyAppealed
        );
        let s = step(
            s,
            By::Rater,
            &RectificationAction::Accept {
                note: String::new(),
            },
        )
        .unwrap()
        .state;
        let closed = step(
            s,
            By::Bureau,
            &RectificationAction::Close {
                note: note("整改到位"),
            },
        )
        .unwrap();
        assert_eq!(closed.state.status, RectificationStatus::Closed);
    }

    #[test]
    fn the_rater_has_five_working_days_to_answer() {
        let cal = crate::calendar::shipped_calendar();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Told on Friday 2026-03-06: five working days run to Friday 2026-03-13.
        assert!(!rater_lapsed(&cal, d("2026-03-06"), d("2026-03-13")));
        assert!(rater_lapsed(&cal, d("2026-03-06"), d("2026-03-16")));
    }

    #[test]
    fn each_step_is_its_owners() {
        let e = step(
            start(),
            By::Bureau,
            &RectificationAction::Verify { note: note("x") },
        );
        assert!(matches!(e, Err(RectificationError::NotYours(_))));
        let e = step(
            start(),
            By::Department,
            &RectificationAction::Verify { note: note(" ") },
        );
        assert!(matches!(e, Err(RectificationError::Invalid(_))));
    }

    fn any_action() -> impl Strategy<Value = (RectificationActor, RectificationAction)> {
        let by = prop_oneof![Just(By::Department), Just(By::Rater), Just(By::Bureau)];
        let action = prop_oneof![
            Just(RectificationAction::Verify { note: note("n") }),
            Just(RectificationAction::Answer {
                outcome: "explained".into(),
                note: note("n")
            }),
            Just(RectificationAction::Feedback { note: note("n") }),
            Just(RectificationAction::Accept {
                note: String::new()
            }),
            Just(RectificationAction::Appeal { note: note("n") }),
            Just(RectificationAction::Close { note: note("n") }),
            Just(RectificationAction::Return { note: note("n") }),
            Just(RectificationAction::Note { note: note("n") }),
        ];
        (by, action)
    }

    proptest! {
        /// Whatever is tried in whatever order: a closed task stays closed, the rater appeals at
        /// most once, and nothing closes before the rater was told an answer and then
        /// accepted it or let their time pass.
        #[test]
        fn the_loop_holds(
            steps in proptest::collection::vec(any_action(), 0..40),
            lapsed in any::<bool>(),
        ) {
            let mut s = start();
            s.rater_lapsed = lapsed;
            let mut appeals = 0;
            let mut told = false;
            for (by, action) in &steps {
                let before = s;
                match step(s, *by, action) {
                    Ok(t) => {
                        prop_assert_ne!(before.status, RectificationStatus::Closed);
                        if matches!(action, RectificationAction::Appeal { .. }) { appeals += 1; }
                        if matches!(action, RectificationAction::Feedback { .. }) { told = true; }
                        if t.state.status == RectificationStatus::Closed {
                            prop_assert!(told);
                            prop_assert!(
                                before.status == RectificationStatus::AwaitingReview || lapsed,
                                "closed while the rater could still answer"
                            );
                        }
                        s = t.state;
                    }
                    Err(_) => prop_assert_eq!(s, before),
                }
            }
            prop_assert!(appeals <= 1);
        }
    }
}
