//! 排队叫号: tickets, the order they are called in, and the steps a window takes on one.
//!
//! The order is one rule for every hall, a town's two windows and the district centre's 30
//! alike: a ticket transferred to a named window comes first at that window (a handover is
//! not a new wait); then priority tickets (older people, disabled people, pregnant women — a
//! box the clerk or the kiosk ticks, never a proof); then by *queue key*, which is the
//! moment the number was taken, except that a booked person's number counts from their
//! slot's start (`queue_key`). So a walk-in never waits past someone who took a number
//! later, and a booking is worth exactly its slot: arrive early and you wait for your slot
//! like anyone who came then; arrive late and you are a walk-in.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::org::WindowKind;

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called,
    Serving,
    Done,
    /// 过号: called and did not come.
    Missed,
    Cancelled,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 6] = [
        Self::Waiting,
        Self::Called,
        Self::Serving,
        Self::Done,
        Self::Missed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Called => "called",
            Self::Serving => "serving",
            Self::Done => "done",
            Self::Missed => "missed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "等候中",
            Self::Called => "已叫号",
            Self::Serving => "办理中",
            Self::Done => "已办结",
            Self::Missed => "过号",
            Self::Cancelled => "已取消",
        }
    }

    /// At a window now (called or being served).
    pub fn at_window(self) -> bool {
        matches!(self, Self::Called | Self::Serving)
    }
}

/// How the number was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketChannel {
    /// The hall's touch screen.
    Kiosk,
    /// A phone (the mobile page or the API).
    Mobile,
    /// A clerk took it for the person at the desk.
    Window,
}

impl TicketChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Mobile => "mobile",
            Self::Window => "window",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Kiosk, Self::Mobile, Self::Window]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Kiosk => "自助取号机",
            Self::Mobile => "手机取号",
            Self::Window => "窗口代取",
        }
    }
}

/// The letter a window kind's numbers start with, as halls print them.
pub fn prefix(kind: WindowKind) -> char {
    match kind {
        WindowKind::Comprehensive => 'A',
        WindowKind::Enterprise => 'Q',
        WindowKind::Assistance => 'B',
        WindowKind::Escalation => 'C',
    }
}

/// `A001`: the kind's letter and the day's sequence of that kind in the hall.
pub fn ticket_no(kind: WindowKind, seq: i64) -> String {
    format!("{}{seq:03}", prefix(kind))
}

/// A booking as the queue sees it: its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookedSlot {
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

/// The moment a ticket's place counts from: when it was taken, or for a booking honoured
/// within its slot (arrived before the slot ended) the slot's start.
pub fn queue_key(taken_at: DateTime<Utc>, booking: Option<BookedSlot>) -> DateTime<Utc> {
    match booking {
        Some(b) if taken_at < b.ends => b.starts,
        _ => taken_at,
    }
}

/// A waiting ticket, as the order needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: String,
    pub kind: WindowKind,
    pub priority: bool,
    pub key: DateTime<Utc>,
    /// The day's sequence, which breaks ties of equal keys in the order numbers were taken.
    pub seq: i64,
    /// A window the ticket was transferred to by name.
    pub assigned_window: Option<String>,
}

fn rank(w: &Waiting) -> (bool, DateTime<Utc>, i64) {
    (!w.priority, w.key, w.seq)
}

/// Which of `waiting` the window `window_id` of kind `kind` calls next, if any.
pub fn next_for_window<'a>(
    window_id: &str,
    kind: WindowKind,
    waiting: &'a [Waiting],
) -> Option<&'a Waiting> {
    let handed_over = waiting
        .iter()
        .filter(|w| w.assigned_window.as_deref() == Some(window_id))
        .min_by_key(|w| rank(w));
    handed_over.or_else(|| {
        waiting
            .iter()
            .filter(|w| w.assigned_window.is_none() && w.kind == kind)
            .min_by_key(|w| rank(w))
    })
}

/// How many are called before `ticket` in its queue (its kind's, or the named window's).
pub fn waiting_before(ticket: &Waiting, waiting: &[Waiting]) -> usize {
    waiting
        .iter()
        .filter(|w| w.id != ticket.id)
        .filter(|w| match (&ticket.assigned_window, &w.assigned_window) {
            (Some(mine), Some(theirs)) => mine == theirs,
            (None, None) => w.kind == ticket.kind,
            _ => false,
        })
        .filter(|w| rank(w) < rank(ticket))
        .count()
}

/// A step a window takes on a ticket (calling is `next_for_window`'s choice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketAction {
    /// 重呼: say the number again.
    Recall,
    /// 过号: called and not come.
    Skip,
    /// The person came back after missing their call: back in line from now.
    Requeue,
    Start,
    /// The case filed at the window while serving this number.
    Link {
        case_no: String,
    },
    /// End of service, with the case filed from it if one was.
    End {
        case_no: Option<String>,
    },
    /// To another window by name, or to another kind's queue (`to_kind` is the named
    /// window's kind once the application has looked it up).
    Transfer {
        to_window: Option<String>,
        to_kind: Option<WindowKind>,
    },
    /// The person leaves (their own ticket, or a clerk for them).
    Cancel,
}

impl TicketAction {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Recall => "重呼",
            Self::Skip => "过号",
            Self::Requeue => "过号重排",
            Self::Start => "开始办理",
            Self::Link { .. } => "关联办件",
            Self::End { .. } => "办理结束",
            Self::Transfer { .. } => "转窗口",
            Self::Cancel => "取消",
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Recall => "recall",
            Self::Skip => "skip",
            Self::Requeue => "requeue",
            Self::Start => "start",
            Self::Link { .. } => "link",
            Self::End { .. } => "end",
            Self::Transfer { .. } => "transfer",
            Self::Cancel => "cancel",
        }
    }
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("{number} 号当前{status}，不能{action}")]
    WrongStatus {
        number: String,
        status: &'static str,
        action: &'static str,
    },
    #[error("{number} 号不在本窗口，不能{action}")]
    OtherWindow {
        number: String,
        action: &'static str,
    },
    #[error("本窗口还有 {number} 号未办结，请先结束办理或过号")]
    WindowBusy { number: String },
    #[error("不能转到本窗口自己")]
    TransferToSelf,
    #[error("转窗口须选择目标窗口或窗口类型")]
    NoTarget,
}

/// A ticket's state as a step needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketState {
    pub number: String,
    pub status: TicketStatus,
    /// The window that called it, while at a window.
    pub window: Option<String>,
}

/// What a step leaves: the new status and where the ticket waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stepped {
    pub status: TicketStatus,
    /// `Some` when the ticket goes back to a queue: its kind and named window.
    pub requeued: Option<(WindowKind, Option<String>)>,
    /// The key restarts from now (a missed number back in line).
    pub key_from_now: bool,
}

/// The one rule for a window's steps: `acting_window` is the clerk's window (`None` for the
/// person cancelling their own ticket).
pub fn step(
    ticket: &TicketState,
    acting_window: Option<&str>,
    action: &TicketAction,
) -> Result<Stepped, QueueError> {
    use TicketStatus as S;
    let wrong = || QueueError::WrongStatus {
        number: ticket.number.clone(),
        status: ticket.status.label(),
        action: action.label(),
    };
    let mine = || {
        if ticket.window.as_deref() == acting_window {
            Ok(())
        } else {
            Err(QueueError::OtherWindow {
                number: ticket.number.clone(),
                action: action.label(),
            })
        }
    };
    let to = |status| Stepped {
        status,
        requeued: None,
        key_from_now: false,
    };
    match (ticket.status, action) {
        (S::Called, TicketAction::Recall) => mine().map(|()| to(S::Called)),
        (S::Called, TicketAction::Skip) => mine().map(|()| to(S::Missed)),
        (S::Called, TicketAction::Start) => mine().map(|()| to(S::Serving)),
        (S::Serving, TicketAction::End { .. }) => mine().map(|()| to(S::Done)),
        (S::Serving, TicketAction::Link { .. }) => mine().map(|()| to(S::Serving)),
        (S::Called | S::Serving, TicketAction::Transfer { to_window, to_kind }) => {
            mine()?;
            if to_window.is_some() && to_window.as_deref() == acting_window {
                return Err(QueueError::TransferToSelf);
            }
            let kind = to_kind.ok_or(QueueError::NoTarget)?;
            Ok(Stepped {
                status: S::Waiting,
                requeued: Some((kind, to_window.clone())),
                key_from_now: false,
            })
        }
        (S::Missed, TicketAction::Requeue) => Ok(Stepped {
            status: S::Waiting,
            requeued: None,
            key_from_now: true,
        }),
        (S::Waiting, TicketAction::Cancel) => Ok(to(S::Cancelled)),
        _ => Err(wrong()),
    }
}

/// The call as the hall's screen shows it: `请 A012 号到 3 号窗口`.
pub fn call_text(ticket_no: &str, window_number: &str) -> String {
    format!("请 {ticket_no} 号到 {} 号窗口", window_label(window_number))
}

/// The call as it is spoken: every digit of the number read out (`A零一二`), the window as a
/// number (`十二号窗口`), which is how halls' callers say it.
pub fn spoken_call(ticket_no: &str, window_number: &str) -> String {
    let number: String = ticket_no
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => DIGITS[d as usize].to_owned(),
            None => c.to_string(),
        })
        .collect();
    let window = window_label(window_number)
        .parse::<u32>()
        .map(chinese_number)
        .unwrap_or_else(|_| window_number.to_owned());
    format!("请{number}号到{window}号窗口办理")
}

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

fn window_label(number: &str) -> &str {
    let t = number.trim_start_matches('0');
    if t.is_empty() { number } else { t }
}

/// 1–999 as spoken: 三, 十二, 二十, 一百零五.
fn chinese_number(n: u32) -> String {
    match n {
        0..=9 => DIGITS[n as usize].to_owned(),
        10..=19 => format!(
            "十{}",
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        ),
        20..=99 => format!(
            "{}十{}",
            DIGITS[(n / 10) as usize],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        ),
        _ => {
            let rest = n % 100;
            let tail = match rest {
                0 => String::new(),
                1..=9 => format!("零{}", DIGITS[rest as usize]),
                10..=19 => format!("一{}", chinese_number(rest)),
                _ => chinese_number(rest),
            };
            format!("{}百{tail}", chinese_number(n / 100))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn w(id: &str, priority: bool, key: i64, seq: i64) -> Waiting {
        Waiting {
            id: id.into(),
            kind: WindowKind::Comprehensive,
            priority,
            key: at(key),
            seq,
            assigned_window: None,
        }
    }

    #[test]
    fn priority_then_key_then_number() {
        let q = vec![w("a", false, 0, 1), w("b", false, 1, 2), w("c", true, 5, 3)];
        assert_eq!(
            next_for_window("W1", WindowKind::Comprehensive, &q)
                .unwrap()
                .id,
            "c"
        );
        assert_eq!(waiting_before(&q[1], &q), 2);
        assert_eq!(waiting_before(&q[2], &q), 0);
        let other_kind = next_for_window("W9", WindowKind::Enterprise, &q);
        assert!(other_kind.is_none());
    }

    #[test]
    fn a_handover_comes_first_at_its_window_only() {
        let mut q = vec![w("a", true, 0, 1), w("b", false, 9, 2)];
        q[1].assigned_window = Some("W2".into());
        assert_eq!(
            next_for_window("W2", WindowKind::Comprehensive, &q)
                .unwrap()
                .id,
            "b"
        );
        assert_eq!(
            next_for_window("W1", WindowKind::Comprehensive, &q)
                .unwrap()
                .id,
            "a"
        );
        assert_eq!(waiting_before(&q[1], &q), 0);
    }

    #[test]
    fn a_booking_counts_from_its_slot_while_it_lasts() {
        let slot = BookedSlot {
            starts: at(30),
            ends: at(60),
        };
        assert_eq!(
            queue_key(at(10), Some(slot)),
            at(30),
            "early: waits for the slot"
        );
        assert_eq!(
            queue_key(at(45), Some(slot)),
            at(30),
            "within: from the slot"
        );
        assert_eq!(queue_key(at(61), Some(slot)), at(61), "late: a walk-in");
        assert_eq!(queue_key(at(5), None), at(5));
    }

    #[test]
    fn steps_belong_to_the_calling_window() {
        let called = TicketState {
            number: "A001".into(),
            status: TicketStatus::Called,
            window: Some("W1".into()),
        };
        assert_eq!(
            step(&called, Some("W1"), &TicketAction::Start)
                .unwrap()
                .status,
            TicketStatus::Serving
        );
        assert!(matches!(
            step(&called, Some("W2"), &TicketAction::Skip),
            Err(QueueError::OtherWindow { .. })
        ));
        assert!(matches!(
            step(&called, Some("W1"), &TicketAction::End { case_no: None }),
            Err(QueueError::WrongStatus { .. })
        ));
        let t = TicketAction::Transfer {
            to_window: Some("W3".into()),
            to_kind: Some(WindowKind::Assistance),
        };
        let s = step(&called, Some("W1"), &t).unwrap();
        assert_eq!(s.status, TicketStatus::Waiting);
        assert_eq!(
            s.requeued,
            Some((WindowKind::Assistance, Some("W3".into())))
        );
        let to_self = TicketAction::Transfer {
            to_window: Some("W1".into()),
            to_kind: Some(WindowKind::Comprehensive),
        };
        let nowhere = TicketAction::Transfer {
            to_window: None,
            to_kind: None,
        };
        assert_eq!(
            step(&called, Some("W1"), &nowhere),
            Err(QueueError::NoTarget)
        );
        assert_eq!(
            step(&called, Some("W1"), &to_self),
            Err(QueueError::TransferToSelf)
        );
        let missed = TicketState {
            status: TicketStatus::Missed,
            ..called
        };
        assert!(
            step(&missed, Some("W7"), &TicketAction::Requeue)
                .unwrap()
                .key_from_now
        );
    }

    #[test]
    fn calls_are_said_as_halls_say_them() {
        assert_eq!(call_text("A012", "03"), "请 A012 号到 3 号窗口");
        assert_eq!(spoken_call("A012", "03"), "请A零一二号到三号窗口办理");
        assert_eq!(spoken_call("Q105", "12"), "请Q一零五号到十二号窗口办理");
        assert_eq!(spoken_call("B001", "20"), "请B零零一号到二十号窗口办理");
        assert_eq!(chinese_number(105), "一百零五");
        assert_eq!(chinese_number(110), "一百一十");
        assert_eq!(ticket_no(WindowKind::Enterprise, 7), "Q007");
    }

    /// One event of a simulated hall: someone takes a number, or a window calls.
    #[derive(Debug, Clone)]
    enum Ev {
        Take {
            priority: bool,
            booked: Option<(i64, i64)>,
        },
        Call {
            window: usize,
        },
    }

    fn events() -> impl Strategy<Value = Vec<Ev>> {
        prop::collection::vec(
            prop_oneof![
                3 => (any::<bool>(), prop::option::of((0i64..40, 0i64..60))).prop_map(|(p, b)| Ev::Take {
                    priority: p && b.is_none(),
                    booked: b,
                }),
                2 => (0usize..3).prop_map(|window| Ev::Call { window }),
            ],
            1..80,
        )
    }

    proptest! {
        /// Nobody waits past someone whose number counts from later, except for priority;
        /// a walk-in's number counts from when it was taken; everyone waiting is called in
        /// the end.
        #[test]
        fn calls_follow_the_queue(evs in events()) {
            let mut waiting: Vec<Waiting> = Vec::new();
            let mut called: Vec<Waiting> = Vec::new();
            let mut seq = 0;
            for (minute, ev) in evs.iter().enumerate() {
                let now = at(minute as i64);
                match ev {
                    Ev::Take { priority, booked } => {
                        seq += 1;
                        let slot = booked.map(|(s, len)| BookedSlot {
                            starts: at(s),
                            ends: at(s + 30 + len % 30),
                        });
                        waiting.push(Waiting {
                            id: seq.to_string(),
                            kind: WindowKind::Comprehensive,
                            priority: *priority,
                            key: queue_key(now, slot),
                            seq,
                            assigned_window: None,
                        });
                        if slot.is_none() {
                            prop_assert_eq!(waiting.last().unwrap().key, now);
                        }
                    }
                    Ev::Call { window } => {
                        let id = format!("W{window}");
                        if let Some(next) = next_for_window(&id, WindowKind::Comprehensive, &waiting).cloned() {
                            for other in &waiting {
                                prop_assert!(
                                    other.priority <= next.priority
                                        && (other.priority != next.priority || other.key >= next.key),
                                    "{:?} called before {:?}", next, other
                                );
                            }
                            prop_assert_eq!(waiting_before(&next, &waiting), 0);
                            waiting.retain(|w| w.id != next.id);
                            called.push(next);
                        }
                    }
                }
            }
            while let Some(next) = next_for_window("W0", WindowKind::Comprehensive, &waiting).cloned() {
                waiting.retain(|w| w.id != next.id);
                called.push(next);
            }
            prop_assert!(waiting.is_empty());
            prop_assert_eq!(called.len() as i64, seq);
        }
    }
}
