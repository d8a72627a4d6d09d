//! 排队叫号: taking a number (kiosk, phone, or a clerk for the person at the desk), a
//! window calling the next, its steps on the ticket it holds, the hall's screen.
//!
//! The order is the domain's (`hall::queue`); the store only keeps tickets and refuses a
//! step on a ticket that moved meanwhile, so two windows calling at once never get the same
//! person, on one instance or several.

use chrono::Duration;
use tongban_domain::authz::{Permission, may_serve_at};
use tongban_domain::hall::appointment::{Slot, may_check_in};
use tongban_domain::hall::queue::{
    self, BookedSlot, TicketAction, TicketChannel, TicketState, TicketStatus, Waiting,
};
use tongban_domain::org::WindowKind;
use tongban_store::{
    BoardCall, CallOutcome, NewQueueTicket, QueueChange, QueueTicket, StoreError, WindowPlace,
};

use super::{kinds_of, local_now, window_for};
use crate::{Actor, App, AppError};

/// What a person asks for when taking a number.
#[derive(Debug, Clone)]
pub struct TicketRequest {
    pub kind: WindowKind,
    pub implementation_code: Option<String>,
    pub priority: bool,
    /// A booking's id or its code, to be honoured by this number.
    pub appointment: Option<String>,
    /// How it was taken; a clerk's own numbers are `Window` whatever is asked.
    pub channel: TicketChannel,
}

/// A number just taken.
#[derive(Debug, Clone)]
pub struct TakenTicket {
    pub ticket: QueueTicket,
    pub hall_name: String,
    /// People called before this number in its queue now.
    pub waiting_before: usize,
}

impl TakenTicket {
    /// 1 for the next to be called.
    pub fn position(&self) -> usize {
        self.waiting_before + 1
    }
}

/// How long before the first period of the day numbers may be taken (people come early).
const EARLY_MINUTES: i64 = 60;

fn refused(code: &'static str, detail: impl Into<String>) -> AppError {
    AppError::Refused {
        code,
        detail: detail.into(),
    }
}

fn queue_refused(e: queue::QueueError) -> AppError {
    let code = match e {
        queue::QueueError::WindowBusy { .. } => "window_busy",
        queue::QueueError::OtherWindow { .. } => "other_window",
        queue::QueueError::TransferToSelf => "transfer_to_self",
        queue::QueueError::NoTarget => "transfer_target",
        queue::QueueError::WrongStatus { .. } => "ticket_status",
    };
    refused(code, e.to_string())
}

/// Takes a number at a hall. Anyone may, at the kiosk or on a phone; nothing asks for a
/// booking. A signed-in applicant's number is theirs (they are told when it is called); a
/// clerk who may work the hall takes it for the person at the desk.
pub async fn take_ticket(
    app: &App,
    actor: &Actor,
    hall_id: &str,
    req: TicketRequest,
) -> Result<TakenTicket, AppError> {
    let hall = app.store.hall(hall_id).await?;
    let now = local_now(app);
    let today = super::hours_of(app, &hall, now.date()).await?;
    if let Some(why) = &today.closed_because {
        return Err(refused("hall_closed", format!("{why}，今日不取号")));
    }
    let first = today.periods.first().map(|p| p.opens);
    let last = today.periods.iter().map(|p| p.closes).max();
    if let (Some(first), Some(last)) = (first, last) {
        if now.time() < first - Duration::minutes(EARLY_MINUTES) {
            return Err(refused(
                "hall_not_open",
                format!(
                    "大厅 {} 起取号",
                    (first - Duration::minutes(EARLY_MINUTES)).format("%H:%M")
                ),
            ));
        }
        if now.time() >= last {
            return Err(refused(
                "hall_closed",
                format!(
                    "今日办公已于 {} 结束，请下一个工作日再来",
                    last.format("%H:%M")
                ),
            ));
        }
    }
    let (channel, account_id) = if may_serve_at(&actor.principal, &hall.org_path) {
        (TicketChannel::Window, None)
    } else if actor
        .principal
        .capability(Permission::ApplicantSelfService)
        .is_ok()
    {
        (
            TicketChannel::Mobile,
            actor.principal.account_id().map(str::to_owned),
        )
    } else if matches!(actor.principal, tongban_domain::authz::Principal::Anonymous) {
        (
            match req.channel {
                TicketChannel::Mobile => TicketChannel::Mobile,
                _ => TicketChannel::Kiosk,
            },
            None,
        )
    } else {
        return Err(AppError::Forbidden);
    };
    let mut kind = req.kind;
    let mut implementation_code = req
        .implementation_code
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let mut booked = None;
    let mut appointment_id = None;
    let mut holder: Option<String> = None;
    if let Some(a) = req
        .appointment
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
    {
        let booking = match app.store.appointment(&a).await {
            Err(StoreError::NotFound) => app.store.appointment_by_code(&a).await,
            other => other,
        }
        .map_err(|e| match e {
            StoreError::NotFound => AppError::field(
                "appointment_id",
                "unknown",
                "没有这个预约号，请核对或直接取号",
            ),
            other => other.into(),
        })?;
        if booking.hall_id != hall.id {
            return Err(AppError::field(
                "appointment_id",
                "other_hall",
                "该预约不是本大厅的，请核对预约号，或直接取号",
            ));
        }
        if let Some(me) = actor.principal.account_id()
            && channel == TicketChannel::Mobile
            && booking.account_id != me
        {
            return Err(AppError::field(
                "appointment_id",
                "not_yours",
                "这不是您的预约",
            ));
        }
        let slot = Slot {
            starts: booking.slot,
            ends: booking.slot_ends,
            kind: tongban_domain::org::HoursKind::Regular,
        };
        if booking.status != tongban_domain::hall::appointment::BookingStatus::Booked {
            return Err(AppError::field(
                "appointment_id",
                "used",
                &format!("该预约{}，请直接取号", booking.status.label()),
            ));
        }
        if !may_check_in(booking.day, &slot, now) {
            return Err(AppError::field(
                "appointment_id",
                "not_today",
                &format!(
                    "该预约是 {} {}，现在不能用它取号；不预约也可直接取号",
                    booking.day,
                    slot.label()
                ),
            ));
        }
        let offset = tongban_domain::calendar::district_offset();
        let to_utc = |t| {
            booking
                .day
                .and_time(t)
                .and_local_timezone(offset)
                .single()
                .map(|t| t.with_timezone(&chrono::Utc))
        };
        if let (Some(starts), Some(ends)) = (to_utc(booking.slot), to_utc(booking.slot_ends)) {
            booked = Some(BookedSlot { starts, ends });
        }
        kind = booking.kind;
        implementation_code = implementation_code.or(booking.implementation_code.clone());
        // The number is the booking holder's whoever types the code, so they see it and
        // are told when it is called.
        holder = Some(booking.account_id.clone());
        appointment_id = Some(booking.id);
    }
    if !kinds_of(&hall).contains(&kind) {
        return Err(AppError::field(
            "window_kind",
            "no_such_window",
            &format!("{}没有{}", hall.name, kind.label()),
        ));
    }
    if let Some(code) = &implementation_code
        && app.catalog.get().get(code).is_none()
    {
        return Err(AppError::field(
            "implementation_code",
            "unknown_item",
            "没有这个已发布的事项",
        ));
    }
    let taken_at = app.clock.now();
    let ticket = app
        .store
        .take_ticket(
            taken_at,
            actor.principal.account_id().unwrap_or("kiosk"),
            &NewQueueTicket {
                id: tongban_store::new_id(),
                hall_id: hall.id.clone(),
                day: now.date(),
                kind,
                implementation_code,
                priority: req.priority,
                appointment_id,
                account_id: account_id.or(holder),
                channel,
                queue_key: queue::queue_key(taken_at, booked),
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                AppError::field("appointment_id", "used", "该预约已用过或已取消，请直接取号")
            }
            other => other.into(),
        })?;
    let waiting = app.store.hall_waiting(&hall.id).await?;
    let waiting_before = queue::waiting_before(&ticket.waiting(), &waiting);
    Ok(TakenTicket {
        ticket,
        hall_name: hall.name,
        waiting_before,
    })
}

/// A number called to a window.
#[derive(Debug, Clone)]
pub struct Called {
    pub ticket: QueueTicket,
    pub window_number: String,
    /// `请 A012 号到 3 号窗口`.
    pub text: String,
    /// As the caller says it.
    pub spoken: String,
}

fn called(ticket: QueueTicket, window_number: &str) -> Called {
    Called {
        text: queue::call_text(&ticket.ticket_no, window_number),
        spoken: queue::spoken_call(&ticket.ticket_no, window_number),
        window_number: window_number.to_owned(),
        ticket,
    }
}

/// Calls the next number to `window_id`; `None` when nobody waits for it.
pub async fn call_next(
    app: &App,
    actor: &Actor,
    window_id: &str,
) -> Result<Option<Called>, AppError> {
    let place = window_for(app, actor, window_id).await?;
    let me = actor.principal.account_id().unwrap_or_default().to_owned();
    let kind = place.window.kind;
    let choose = |waiting: &[Waiting]| {
        queue::next_for_window(window_id, kind, waiting).map(|w| w.id.clone())
    };
    let change = |ticket: &QueueTicket| {
        let text = queue::call_text(&ticket.ticket_no, &place.window.number);
        QueueChange {
            id: ticket.id.clone(),
            version: ticket.version,
            action: "call",
            status: TicketStatus::Called,
            window_id: Some(window_id.to_owned()),
            assigned_window_id: None,
            kind: ticket.kind,
            queue_key: ticket.queue_key,
            called: true,
            started: false,
            ended: false,
            recall: false,
            transfer: false,
            case_no: None,
            served_by: Some(me.clone()),
            note: format!("{} → {}号窗口", ticket.ticket_no, place.window.number),
            tell: Some((
                format!("请到{}号窗口", place.window.number),
                format!("{}：{}办理。", place.hall_name, text),
            )),
        }
    };
    match app
        .store
        .call_next_ticket(
            app.clock.now(),
            &me,
            &place.hall_id,
            window_id,
            &choose,
            &change,
        )
        .await?
    {
        CallOutcome::Called(ticket) => Ok(Some(called(*ticket, &place.window.number))),
        CallOutcome::NobodyWaiting => Ok(None),
        CallOutcome::WindowBusy(number) => {
            Err(queue_refused(queue::QueueError::WindowBusy { number }))
        }
    }
}

/// A step on the ticket a window holds (or a missed one, back in line).
pub async fn act(
    app: &App,
    actor: &Actor,
    window_id: &str,
    ticket_id: &str,
    action: TicketAction,
) -> Result<QueueTicket, AppError> {
    let place = window_for(app, actor, window_id).await?;
    let ticket = app.store.ticket(ticket_id).await?;
    if ticket.hall_id != place.hall_id {
        return Err(AppError::NotFound);
    }
    let state = TicketState {
        number: ticket.ticket_no.clone(),
        status: ticket.status,
        window: ticket.window_id.clone(),
    };
    let mut action = action;
    // A transfer names a window of this hall, or a kind the hall has.
    if let TicketAction::Transfer { to_window, to_kind } = &mut action {
        let explicit_kind = *to_kind;
        let hall = app.store.hall(&place.hall_id).await?;
        if let Some(w) = to_window.as_deref() {
            let target = hall
                .windows
                .iter()
                .find(|x| x.id == w)
                .ok_or_else(|| AppError::field("to_window", "unknown", "本大厅没有这个窗口"))?;
            if explicit_kind.is_some_and(|k| k != target.kind) {
                return Err(AppError::field(
                    "to_kind",
                    "conflict",
                    &format!("目标窗口是{}，与所选窗口类型不一致", target.kind.label()),
                ));
            }
            *to_kind = Some(target.kind);
        } else if let Some(k) = to_kind
            && !kinds_of(&hall).contains(k)
        {
            return Err(AppError::field(
                "to_kind",
                "no_such_window",
                &format!("本大厅没有{}", k.label()),
            ));
        }
    }
    let linked = match &action {
        TicketAction::End { case_no } => case_no.clone(),
        TicketAction::Link { case_no } => Some(case_no.clone()),
        _ => None,
    };
    // Only a case this hall took in can be the one filed at its window: any other number,
    // existing or not, gets the same answer (a window is no way to probe case numbers).
    if let Some(no) = &linked {
        let hall = app.store.hall(&place.hall_id).await?;
        let here = match app.store.case_by_no(no.trim()).await {
            Ok(c) => c.intake_path.as_deref() == Some(hall.org_path.as_str()),
            Err(_) => false,
        };
        if !here {
            return Err(AppError::field(
                "case_no",
                "unknown",
                "本大厅没有受理这个办件编号，请核对",
            ));
        }
    }
    let stepped = queue::step(&state, Some(window_id), &action).map_err(queue_refused)?;
    let me = actor.principal.account_id().unwrap_or_default().to_owned();
    let (kind, assigned) = match &stepped.requeued {
        Some((k, w)) => (*k, w.clone()),
        None => (ticket.kind, None),
    };
    let at_window = stepped.status.at_window();
    let recall = matches!(action, TicketAction::Recall);
    let change = QueueChange {
        id: ticket.id.clone(),
        version: ticket.version,
        action: action.code(),
        status: stepped.status,
        window_id: at_window.then(|| window_id.to_owned()),
        assigned_window_id: assigned,
        kind,
        queue_key: if stepped.key_from_now {
            app.clock.now()
        } else {
            ticket.queue_key
        },
        called: false,
        started: matches!(action, TicketAction::Start),
        ended: matches!(action, TicketAction::End { .. }),
        recall,
        transfer: matches!(action, TicketAction::Transfer { .. }),
        case_no: linked,
        served_by: None,
        note: format!("{} {}", ticket.ticket_no, action.label()),
        tell: recall.then(|| {
            (
                format!("请到{}号窗口", place.window.number),
                format!(
                    "{}：{}办理（重呼）。",
                    place.hall_name,
                    queue::call_text(&ticket.ticket_no, &place.window.number)
                ),
            )
        }),
    };
    if !app.store.step_ticket(app.clock.now(), &me, &change).await? {
        return Err(refused("ticket_moved", "该号状态已变化，请刷新后再操作"));
    }
    Ok(app.store.ticket(ticket_id).await?)
}

/// After a clerk files a case at their window, the number they are serving gets it (no
/// number served, nothing to link).
pub async fn link_case(app: &App, actor: &Actor, case_no: &str) -> Result<(), AppError> {
    let Some(window) = duty_window(app, actor).await? else {
        return Ok(());
    };
    match app.store.window_ticket(&window).await? {
        Some(t) if t.status == TicketStatus::Serving => {
            act(
                app,
                actor,
                &window,
                &t.id,
                TicketAction::Link {
                    case_no: case_no.to_owned(),
                },
            )
            .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A person cancels their own waiting number.
pub async fn cancel_own(app: &App, actor: &Actor, ticket_id: &str) -> Result<(), AppError> {
    let cap = actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    let ticket = app.store.ticket(ticket_id).await?;
    if ticket.account_id.as_deref() != Some(cap.actor()) {
        return Err(AppError::NotFound);
    }
    let state = TicketState {
        number: ticket.ticket_no.clone(),
        status: ticket.status,
        window: ticket.window_id.clone(),
    };
    let stepped = queue::step(&state, None, &TicketAction::Cancel).map_err(queue_refused)?;
    let change = QueueChange {
        id: ticket.id.clone(),
        version: ticket.version,
        action: "cancel",
        status: stepped.status,
        window_id: None,
        assigned_window_id: None,
        kind: ticket.kind,
        queue_key: ticket.queue_key,
        called: false,
        started: false,
        ended: false,
        recall: false,
        transfer: false,
        case_no: None,
        served_by: None,
        note: format!("{} 本人取消", ticket.ticket_no),
        tell: None,
    };
    if !app
        .store
        .step_ticket(app.clock.now(), cap.actor(), &change)
        .await?
    {
        return Err(refused("ticket_moved", "该号已被叫到，不能取消"));
    }
    Ok(())
}

/// One queue as the public sees it.
#[derive(Debug, Clone)]
pub struct QueueLine {
    pub kind: WindowKind,
    pub waiting: i64,
    /// Numbers at windows of this kind now: (ticket, window number, serving?).
    pub at_windows: Vec<(String, String, bool)>,
}

/// A hall's screen and `GET /api/v1/halls/{id}/queue`.
#[derive(Debug, Clone)]
pub struct Board {
    pub hall_id: String,
    pub hall_name: String,
    pub lines: Vec<QueueLine>,
    /// The latest calls, newest first, with their text and spoken text.
    pub calls: Vec<(BoardCall, String, String)>,
}

pub async fn board(app: &App, hall_id: &str) -> Result<Board, AppError> {
    let hall = app.store.hall(hall_id).await?;
    let counts = app.store.waiting_counts(&hall.id).await?;
    let calls = app.store.board_calls(&hall.id).await?;
    let lines = kinds_of(&hall)
        .into_iter()
        .map(|k| QueueLine {
            kind: k,
            waiting: counts.iter().find(|(c, _)| *c == k).map_or(0, |(_, n)| *n),
            at_windows: calls
                .iter()
                .filter(|c| {
                    hall.windows
                        .iter()
                        .any(|w| w.number == c.window_number && w.kind == k)
                })
                .map(|c| {
                    (
                        c.ticket_no.clone(),
                        c.window_number.clone(),
                        c.status == TicketStatus::Serving,
                    )
                })
                .collect(),
        })
        .collect();
    Ok(Board {
        hall_id: hall.id,
        hall_name: hall.name,
        lines,
        calls: calls
            .into_iter()
            .map(|c| {
                let text = queue::call_text(&c.ticket_no, &c.window_number);
                let spoken = queue::spoken_call(&c.ticket_no, &c.window_number);
                (c, text, spoken)
            })
            .collect(),
    })
}

/// A window's desk: the window, what it holds, who waits, where a transfer can go.
#[derive(Debug, Clone)]
pub struct Desk {
    pub place: WindowPlace,
    pub current: Option<Called>,
    /// The next few numbers this window would call, in order.
    pub next: Vec<QueueTicket>,
    pub waiting_here: usize,
    /// Missed numbers of today, which the clerk can put back in line.
    pub missed: Vec<QueueTicket>,
    pub other_windows: Vec<tongban_store::Window>,
    pub kinds: Vec<WindowKind>,
}

pub async fn desk(app: &App, actor: &Actor, window_id: &str) -> Result<Desk, AppError> {
    let place = window_for(app, actor, window_id).await?;
    let hall = app.store.hall(&place.hall_id).await?;
    let current = app
        .store
        .window_ticket(window_id)
        .await?
        .map(|t| called(t, &place.window.number));
    let waiting = app.store.hall_waiting(&place.hall_id).await?;
    let mut mine: Vec<&Waiting> = waiting
        .iter()
        .filter(|w| {
            w.assigned_window.as_deref() == Some(window_id)
                || (w.assigned_window.is_none() && w.kind == place.window.kind)
        })
        .collect();
    let waiting_here = mine.len();
    // The window's own order: as `next_for_window` would call them one after another.
    let mut ordered = Vec::new();
    let mut rest: Vec<Waiting> = mine.drain(..).cloned().collect();
    while ordered.len() < 5 {
        let Some(n) = queue::next_for_window(window_id, place.window.kind, &rest).cloned() else {
            break;
        };
        rest.retain(|w| w.id != n.id);
        ordered.push(n.id);
    }
    let mut next = Vec::new();
    for id in ordered {
        next.push(app.store.ticket(&id).await?);
    }
    let missed = app
        .store
        .hall_tickets(
            &place.hall_id,
            local_now(app).date(),
            &[TicketStatus::Missed],
        )
        .await?;
    Ok(Desk {
        current,
        next,
        waiting_here,
        missed,
        other_windows: hall
            .windows
            .iter()
            .filter(|w| w.id != window_id)
            .cloned()
            .collect(),
        kinds: kinds_of(&hall),
        place,
    })
}

/// The clerk says which window they work today (the desk opens on it next time).
pub async fn take_duty(app: &App, actor: &Actor, window_id: &str) -> Result<(), AppError> {
    window_for(app, actor, window_id).await?;
    let me = actor.principal.account_id().unwrap_or_default();
    app.store
        .take_window_duty(app.clock.now(), window_id, me)
        .await?;
    Ok(())
}

/// The window the clerk last took duty at, if they still may work it.
pub async fn duty_window(app: &App, actor: &Actor) -> Result<Option<String>, AppError> {
    let Some(me) = actor.principal.account_id() else {
        return Ok(None);
    };
    let Some(w) = app.store.duty_window_of(me).await? else {
        return Ok(None);
    };
    Ok(window_for(app, actor, &w).await.ok().map(|_| w))
}

/// A person's numbers of today, each with how many are before it.
pub async fn my_tickets(app: &App, actor: &Actor) -> Result<Vec<(QueueTicket, usize)>, AppError> {
    let cap = actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    let tickets = app
        .store
        .tickets_of(cap.actor(), local_now(app).date())
        .await?;
    let mut out = Vec::new();
    for t in tickets {
        let before = if t.status == TicketStatus::Waiting {
            let waiting = app.store.hall_waiting(&t.hall_id).await?;
            queue::waiting_before(&t.waiting(), &waiting)
        } else {
            0
        };
        out.push((t, before));
    }
    Ok(out)
}

/// A number's slip (public by its unguessable id): the ticket, the hall's name, how many
/// are before it while it waits.
pub async fn slip(app: &App, ticket_id: &str) -> Result<(QueueTicket, String, usize), AppError> {
    let ticket = app.store.ticket(ticket_id).await?;
    let hall = app.store.hall(&ticket.hall_id).await?;
    let before = if ticket.status == TicketStatus::Waiting {
        let waiting = app.store.hall_waiting(&ticket.hall_id).await?;
        queue::waiting_before(&ticket.waiting(), &waiting)
    } else {
        0
    };
    Ok((ticket, hall.name, before))
}
