//! A hall's day as JSON (issue 16): a hall today, taking a number, the public queue, a
//! window's calls and steps, the slots of a day, bookings.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use tongban_app::halls::{self, appointments, queue};
use tongban_domain::hall::queue::{TicketAction, TicketChannel};
use tongban_domain::org::WindowKind;
use tongban_store::{AppointmentRecord, QueueTicket};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::Current;
use crate::error::WebError;

fn kind_of(field: &str, s: &str) -> Result<WindowKind, WebError> {
    WindowKind::parse(s.trim()).ok_or_else(|| {
        tongban_app::AppError::field(
            field,
            "unknown_kind",
            "窗口类型须为 comprehensive、enterprise、assistance 或 escalation",
        )
        .into()
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodView {
    opens: String,
    closes: String,
    /// `regular`, `extended` (延时) or `staggered` (错时).
    kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueLengthView {
    window_kind: String,
    label: String,
    waiting: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HallDetail {
    id: String,
    name: String,
    kind: String,
    org_unit: String,
    address: String,
    phone: String,
    /// Whether the hall is open at this moment (its hours today, holidays and closures).
    open_now: bool,
    /// Today (district time), `YYYY-MM-DD`.
    today: String,
    /// Today's periods, in time order; empty when closed.
    today_hours: Vec<PeriodView>,
    /// Why the hall is closed today, if it is.
    closed_because: Option<String>,
    /// The week's periods.
    hours: Vec<super::org::HoursView>,
    windows: Vec<super::org::WindowView>,
    queue: Vec<QueueLengthView>,
}

/// A hall today: hours, whether it is open now, queue lengths.
#[utoipa::path(get, path = "/api/v1/halls/{hall_id}", tag = "halls",
    params(("hall_id" = String, Path, description = "大厅标识")),
    responses((status = 200, body = HallDetail),
        (status = 404, description = "没有这个大厅", content_type = "application/problem+json")))]
pub async fn get_hall(
    State(state): State<AppState>,
    Path(hall_id): Path<String>,
) -> Result<Json<HallDetail>, WebError> {
    let t = halls::hall_today(&state, &hall_id).await?;
    Ok(Json(HallDetail {
        id: t.hall.id.clone(),
        name: t.hall.name.clone(),
        kind: t.hall.kind.as_str().to_owned(),
        org_unit: t.hall.org_name.clone(),
        address: t.hall.address.clone(),
        phone: t.hall.phone.clone(),
        open_now: t.open_now,
        today: t.today.date.to_string(),
        today_hours: t
            .today
            .periods
            .iter()
            .map(|p| PeriodView {
                opens: p.opens.format("%H:%M").to_string(),
                closes: p.closes.format("%H:%M").to_string(),
                kind: p.kind.as_str().to_owned(),
            })
            .collect(),
        closed_because: t.today.closed_because.clone(),
        hours: super::org::hours_view(&t.hall),
        windows: super::org::windows_view(&t.hall),
        queue: t
            .waiting
            .iter()
            .map(|(k, n)| QueueLengthView {
                window_kind: k.as_str().to_owned(),
                label: k.label().to_owned(),
                waiting: *n,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct QueueTicketBody {
    /// `comprehensive`, `enterprise`, `assistance` or `escalation`.
    window_kind: String,
    /// The item the person comes for, if they know it.
    implementation_code: Option<String>,
    /// Older people, disabled people, pregnant women: ticked, never proved.
    #[serde(default)]
    priority: bool,
    /// A booking (its id or its eight-digit code) this number honours.
    appointment_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueTicketTaken {
    ticket_no: String,
    /// 1 for the next to be called.
    position: usize,
    waiting_before: usize,
    ticket_id: String,
    hall: String,
    window_kind: String,
    priority: bool,
    /// `kiosk`, `mobile` or `window`.
    channel: String,
}

/// Takes a number. Anyone may (a kiosk calls this without a token); a signed-in
/// applicant's number is theirs, a clerk's is taken for the person at the desk. Nothing
/// requires a booking.
#[utoipa::path(post, path = "/api/v1/halls/{hall_id}/tickets", tag = "halls",
    request_body = QueueTicketBody,
    params(("hall_id" = String, Path, description = "大厅标识")),
    responses((status = 201, body = QueueTicketTaken),
        (status = 404, description = "没有这个大厅", content_type = "application/problem+json"),
        (status = 409, description = "大厅未开放", content_type = "application/problem+json"),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json")))]
pub async fn take_ticket(
    State(state): State<AppState>,
    current: Current,
    Path(hall_id): Path<String>,
    ApiJson(body): ApiJson<QueueTicketBody>,
) -> Result<Response, WebError> {
    let kind = kind_of("window_kind", &body.window_kind)?;
    let t = queue::take_ticket(
        &state,
        &current,
        &hall_id,
        queue::TicketRequest {
            kind,
            implementation_code: body.implementation_code,
            priority: body.priority,
            appointment: body.appointment_id,
            // Without a token the caller is a hall's machine; a signed-in applicant's
            // number is a phone's, a clerk's the window's, whatever is asked.
            channel: TicketChannel::Kiosk,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(QueueTicketTaken {
            position: t.position(),
            waiting_before: t.waiting_before,
            ticket_no: t.ticket.ticket_no.clone(),
            ticket_id: t.ticket.id.clone(),
            hall: t.hall_name.clone(),
            window_kind: t.ticket.kind.as_str().to_owned(),
            priority: t.ticket.priority,
            channel: t.ticket.channel.as_str().to_owned(),
        }),
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AtWindowView {
    ticket_no: String,
    window: String,
    /// `called` or `serving`.
    status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    window_kind: String,
    label: String,
    waiting: i64,
    /// The numbers at this kind's windows now.
    serving: Vec<AtWindowView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallView {
    ticket_no: String,
    window: String,
    /// `请 A012 号到 3 号窗口`.
    text: String,
    /// As the caller says it.
    spoken: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HallQueue {
    hall_id: String,
    hall: String,
    queues: Vec<QueueView>,
    /// The latest calls, newest first.
    calls: Vec<CallView>,
}

/// The public queue: per window kind, how many wait and the numbers being served.
#[utoipa::path(get, path = "/api/v1/halls/{hall_id}/queue", tag = "halls",
    params(("hall_id" = String, Path, description = "大厅标识")),
    responses((status = 200, body = HallQueue),
        (status = 404, description = "没有这个大厅", content_type = "application/problem+json")))]
pub async fn get_queue(
    State(state): State<AppState>,
    Path(hall_id): Path<String>,
) -> Result<Json<HallQueue>, WebError> {
    let b = queue::board(&state, &hall_id).await?;
    Ok(Json(HallQueue {
        hall_id: b.hall_id,
        hall: b.hall_name,
        queues: b
            .lines
            .iter()
            .map(|l| QueueView {
                window_kind: l.kind.as_str().to_owned(),
                label: l.kind.label().to_owned(),
                waiting: l.waiting,
                serving: l
                    .at_windows
                    .iter()
                    .map(|(t, w, serving)| AtWindowView {
                        ticket_no: t.clone(),
                        window: w.clone(),
                        status: if *serving { "serving" } else { "called" }.to_owned(),
                    })
                    .collect(),
            })
            .collect(),
        calls: b
            .calls
            .iter()
            .map(|(c, text, spoken)| CallView {
                ticket_no: c.ticket_no.clone(),
                window: c.window_number.clone(),
                text: text.clone(),
                spoken: spoken.clone(),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalledView {
    ticket_no: String,
    ticket_id: String,
    window: String,
    text: String,
    spoken: String,
    priority: bool,
    implementation_code: Option<String>,
}

/// Calls the next number to this window (a clerk who may work the hall); 204 when nobody
/// waits. Refused (409) while the window still holds a number.
#[utoipa::path(post, path = "/api/v1/windows/{window_id}/call-next", tag = "halls",
    params(("window_id" = String, Path, description = "窗口标识")),
    responses((status = 200, body = CalledView),
        (status = 204, description = "没有人在等"),
        (status = 404, description = "没有这个窗口", content_type = "application/problem+json"),
        (status = 409, description = "本窗口还有号未办结", content_type = "application/problem+json")))]
pub async fn call_next(
    State(state): State<AppState>,
    current: Current,
    Path(window_id): Path<String>,
) -> Result<Response, WebError> {
    match queue::call_next(&state, &current, &window_id).await? {
        Some(c) => Ok(Json(CalledView {
            ticket_no: c.ticket.ticket_no.clone(),
            ticket_id: c.ticket.id.clone(),
            window: c.window_number,
            text: c.text,
            spoken: c.spoken,
            priority: c.ticket.priority,
            implementation_code: c.ticket.implementation_code,
        })
        .into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct QueueActionBody {
    /// `recall`, `skip`, `requeue`, `start`, `end` or `transfer`.
    action: String,
    /// With `end`: the case filed from this visit.
    case_no: Option<String>,
    /// With `transfer`: a window of the same hall.
    to_window: Option<String>,
    /// With `transfer` without a window: the kind's queue.
    to_kind: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueTicketView {
    id: String,
    ticket_no: String,
    status: String,
    window_kind: String,
    window: Option<String>,
    priority: bool,
    taken_at: String,
    called_at: Option<String>,
    started_at: Option<String>,
    ended_at: Option<String>,
    recalls: i64,
    transfers: i64,
    case_no: Option<String>,
}

fn ticket_view(t: QueueTicket) -> QueueTicketView {
    let rfc = |d: chrono::DateTime<chrono::Utc>| d.to_rfc3339();
    QueueTicketView {
        id: t.id,
        ticket_no: t.ticket_no,
        status: t.status.as_str().to_owned(),
        window_kind: t.kind.as_str().to_owned(),
        window: t.window_number,
        priority: t.priority,
        taken_at: rfc(t.taken_at),
        called_at: t.called_at.map(rfc),
        started_at: t.started_at.map(rfc),
        ended_at: t.ended_at.map(rfc),
        recalls: t.recalls,
        transfers: t.transfers,
        case_no: t.case_no,
    }
}

pub(crate) fn parse_action(
    action: &str,
    case_no: Option<String>,
    to_window: Option<String>,
    to_kind: Option<&str>,
) -> Result<TicketAction, WebError> {
    let blank = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(match action.trim() {
        "recall" => TicketAction::Recall,
        "skip" => TicketAction::Skip,
        "requeue" => TicketAction::Requeue,
        "start" => TicketAction::Start,
        "end" => TicketAction::End {
            case_no: blank(case_no),
        },
        "transfer" => {
            let to_window = blank(to_window);
            let to_kind = match to_kind.map(str::trim).filter(|s| !s.is_empty()) {
                Some(k) => Some(kind_of("to_kind", k)?),
                None if to_window.is_some() => None,
                None => {
                    return Err(tongban_app::AppError::field(
                        "to_window",
                        "required",
                        "转窗口须选择目标窗口或窗口类型",
                    )
                    .into());
                }
            };
            TicketAction::Transfer { to_window, to_kind }
        }
        _ => {
            return Err(tongban_app::AppError::field(
                "action",
                "unknown",
                "操作须为 recall、skip、requeue、start、end 或 transfer",
            )
            .into());
        }
    })
}

/// A step on a ticket at this window: recall, skip (过号), requeue a missed number, start,
/// end (with the case filed), transfer.
#[utoipa::path(post, path = "/api/v1/windows/{window_id}/tickets/{ticket_id}/actions", tag = "halls",
    request_body = QueueActionBody,
    params(("window_id" = String, Path, description = "窗口标识"),
        ("ticket_id" = String, Path, description = "号票标识")),
    responses((status = 200, body = QueueTicketView),
        (status = 404, description = "没有这个窗口或号", content_type = "application/problem+json"),
        (status = 409, description = "当前状态不允许", content_type = "application/problem+json"),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json")))]
pub async fn act_on_ticket(
    State(state): State<AppState>,
    current: Current,
    Path((window_id, ticket_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<QueueActionBody>,
) -> Result<Json<QueueTicketView>, WebError> {
    let action = parse_action(
        &body.action,
        body.case_no,
        body.to_window,
        body.to_kind.as_deref(),
    )?;
    let t = queue::act(&state, &current, &window_id, &ticket_id, action).await?;
    Ok(Json(ticket_view(t)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SlotsQuery {
    /// `YYYY-MM-DD`; today when absent.
    date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookingSlotView {
    window_kind: String,
    /// `HH:MM`.
    starts: String,
    ends: String,
    /// `regular`, `extended` (延时) or `staggered` (错时).
    hours_kind: String,
    capacity: i64,
    booked: i64,
    left: i64,
    /// Still ahead (past slots are listed, not offered).
    bookable: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DaySlotsView {
    hall_id: String,
    date: String,
    closed_because: Option<String>,
    slots: Vec<BookingSlotView>,
}

pub(crate) fn parse_date(field: &str, s: &str) -> Result<NaiveDate, WebError> {
    tongban_domain::bundle::form::parse_date(s.trim()).ok_or_else(|| {
        tongban_app::AppError::field(field, "date", "日期格式应为 2026-12-02").into()
    })
}

/// The half-hours of a day that may be booked, per window kind (public).
#[utoipa::path(get, path = "/api/v1/halls/{hall_id}/slots", tag = "halls",
    params(("hall_id" = String, Path, description = "大厅标识"), SlotsQuery),
    responses((status = 200, body = DaySlotsView),
        (status = 404, description = "没有这个大厅", content_type = "application/problem+json"),
        (status = 422, description = "日期格式错误", content_type = "application/problem+json")))]
pub async fn get_slots(
    State(state): State<AppState>,
    Path(hall_id): Path<String>,
    Query(q): Query<SlotsQuery>,
) -> Result<Json<DaySlotsView>, WebError> {
    let date = match q.date.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => parse_date("date", d)?,
        None => state.today(),
    };
    let d = appointments::slots(&state, &hall_id, date).await?;
    Ok(Json(DaySlotsView {
        hall_id: d.hall.id.clone(),
        date: date.to_string(),
        closed_because: d.hours.closed_because.clone(),
        slots: d
            .slots
            .iter()
            .map(|s| BookingSlotView {
                window_kind: s.kind.as_str().to_owned(),
                starts: s.slot.starts.format("%H:%M").to_string(),
                ends: s.slot.ends.format("%H:%M").to_string(),
                hours_kind: s.slot.kind.as_str().to_owned(),
                capacity: s.capacity,
                booked: s.booked,
                left: s.left(),
                bookable: s.bookable,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AppointmentBody {
    hall_id: String,
    window_kind: String,
    implementation_code: Option<String>,
    /// `YYYY-MM-DD`.
    date: String,
    /// The slot's start, `HH:MM`.
    slot: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentView {
    id: String,
    /// Typed at the kiosk to take the booked number.
    code: String,
    hall_id: String,
    hall: String,
    window_kind: String,
    implementation_code: Option<String>,
    date: String,
    starts: String,
    ends: String,
    /// `booked`, `arrived`, `cancelled` or `no_show`.
    status: String,
}

fn appointment_view(a: AppointmentRecord) -> AppointmentView {
    AppointmentView {
        id: a.id,
        code: a.code,
        hall_id: a.hall_id,
        hall: a.hall_name,
        window_kind: a.kind.as_str().to_owned(),
        implementation_code: a.implementation_code,
        date: a.day.to_string(),
        starts: a.slot.format("%H:%M").to_string(),
        ends: a.slot_ends.format("%H:%M").to_string(),
        status: a.status.as_str().to_owned(),
    }
}

pub(crate) fn parse_slot(s: &str) -> Result<NaiveTime, WebError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| {
        tongban_app::AppError::field("slot", "time", "时段应写作 09:30 这样的开始时间").into()
    })
}

/// Books a slot (a signed-in applicant). Never required: walk-ins are served as surely.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "halls",
    request_body = AppointmentBody,
    responses((status = 201, body = AppointmentView),
        (status = 422, description = "字段校验失败（时段已满、已过、不在办公时间等）", content_type = "application/problem+json")))]
pub async fn book(
    State(state): State<AppState>,
    current: Current,
    ApiJson(body): ApiJson<AppointmentBody>,
) -> Result<Response, WebError> {
    let kind = kind_of("window_kind", &body.window_kind)?;
    let date = parse_date("date", &body.date)?;
    let slot = parse_slot(&body.slot)?;
    let a = appointments::book(
        &state,
        &current,
        appointments::BookingRequest {
            hall_id: body.hall_id,
            kind,
            implementation_code: body.implementation_code,
            date,
            slot,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(appointment_view(a))).into_response())
}

/// Cancels one's own booking (no reason asked, no penalty).
#[utoipa::path(delete, path = "/api/v1/appointments/{id}", tag = "halls",
    params(("id" = String, Path, description = "预约标识")),
    responses((status = 200, body = AppointmentView),
        (status = 404, description = "没有这个预约", content_type = "application/problem+json"),
        (status = 409, description = "预约已使用或已取消", content_type = "application/problem+json")))]
pub async fn cancel(
    State(state): State<AppState>,
    current: Current,
    Path(id): Path<String>,
) -> Result<Json<AppointmentView>, WebError> {
    Ok(Json(appointment_view(
        appointments::cancel(&state, &current, &id).await?,
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentList {
    appointments: Vec<AppointmentView>,
}

/// One's bookings from today on.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "halls",
    responses((status = 200, body = AppointmentList)))]
pub async fn mine(
    State(state): State<AppState>,
    current: Current,
) -> Result<Json<AppointmentList>, WebError> {
    Ok(Json(AppointmentList {
        appointments: appointments::mine(&state, &current)
            .await?
            .into_iter()
            .map(appointment_view)
            .collect(),
    }))
}
