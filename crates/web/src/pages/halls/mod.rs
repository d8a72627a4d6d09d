//! A hall's day as pages (issue 16): the hall today, the kiosk and its slip, the hall's
//! screen, booking (never required), one's bookings and numbers. The window's desk is
//! `desk.rs`; the bureau's closures and capacities `manage.rs`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_app::halls::{self, HallToday, appointments, queue};
use tongban_domain::hall::queue::TicketChannel;
use tongban_domain::org::WindowKind;
use tongban_store::{AppointmentRecord, QueueTicket};

use crate::AppState;
use crate::auth::Current;
use crate::error::WebError;
use crate::page::{Ctx, redirect, render};

pub mod agents;
mod desk;
pub mod help;
mod manage;
pub mod paper;

pub use desk::{call, choose_window, desk, duty, take_for_person, ticket_action};
pub use manage::{
    edit_hall, manage, manage_hall, save_staff_record, set_capacity, set_closure, staff_record,
};

/// The message of a refusal or of field errors, for a page; other errors pass on.
pub(crate) fn message_of(e: tongban_app::AppError) -> Result<String, WebError> {
    match e {
        tongban_app::AppError::Validation(v) => Ok(v.messages()),
        tongban_app::AppError::Refused { detail, .. } => Ok(detail),
        other => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "halls/show.html")]
struct HallPage {
    ctx: Ctx,
    t: HallToday,
}

/// `GET /halls/{id}`: today's hours, open now, the queue, what the hall handles.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(hall_id): Path<String>,
) -> Result<Response, WebError> {
    let t = halls::hall_today(&state, &hall_id).await?;
    render(&HallPage { ctx, t })
}

#[derive(Template)]
#[template(path = "halls/kiosk.html")]
struct KioskPage {
    ctx: Ctx,
    t: HallToday,
    error: Option<String>,
    code: String,
}

/// `GET /halls/{id}/kiosk`: the touch screen (and the phone page): one big button per
/// window kind, the priority box, a booking code.
pub async fn kiosk(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(hall_id): Path<String>,
) -> Result<Response, WebError> {
    let t = halls::hall_today(&state, &hall_id).await?;
    render(&KioskPage {
        ctx,
        t,
        error: None,
        code: String::new(),
    })
}

#[derive(Deserialize)]
pub struct KioskForm {
    #[serde(default)]
    window_kind: String,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    appointment: String,
}

/// `POST /halls/{id}/kiosk`: takes the number and shows its slip.
pub async fn kiosk_take(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(hall_id): Path<String>,
    Form(form): Form<KioskForm>,
) -> Result<Response, WebError> {
    let kind = WindowKind::parse(&form.window_kind).unwrap_or(WindowKind::Comprehensive);
    let req = queue::TicketRequest {
        kind,
        implementation_code: None,
        priority: form.priority.is_some(),
        appointment: Some(form.appointment.clone()),
        channel: TicketChannel::Kiosk,
    };
    match queue::take_ticket(&state, &current, &hall_id, req).await {
        Ok(t) => Ok(redirect(&format!("/queue-tickets/{}", t.ticket.id)).into_response()),
        Err(e) => {
            let error = Some(message_of(e)?);
            let t = halls::hall_today(&state, &hall_id).await?;
            let mut page = render(&KioskPage {
                ctx,
                t,
                error,
                code: form.appointment,
            })?;
            *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
    }
}

#[derive(Template)]
#[template(path = "halls/slip.html")]
struct SlipPage {
    ctx: Ctx,
    ticket: QueueTicket,
    hall: String,
    hall_id: String,
    waiting_before: usize,
    taken: String,
    /// A booked number that counts from its slot's start, later than it was taken.
    counts_from: Option<String>,
}

/// `GET /queue-tickets/{id}`: the number's slip, refreshed every 20 seconds while waiting
/// (the id is unguessable; it shows only the number and the queue).
pub async fn slip(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ticket_id): Path<String>,
) -> Result<Response, WebError> {
    let (ticket, hall, waiting_before) = queue::slip(&state, &ticket_id).await?;
    render(&SlipPage {
        ctx,
        counts_from: (ticket.queue_key > ticket.taken_at)
            .then(|| crate::page::local_time(ticket.queue_key)),
        taken: crate::page::local_time(ticket.taken_at),
        hall_id: ticket.hall_id.clone(),
        ticket,
        hall,
        waiting_before,
    })
}

#[derive(Template)]
#[template(path = "halls/display.html")]
struct DisplayPage {
    ctx: Ctx,
    board: queue::Board,
}

/// `GET /halls/{id}/display`: the hall's screen. It reloads itself every five seconds
/// without JavaScript through the `Refresh` response header: a wall screen nobody operates
/// (a page people read and use, like the slip, never reloads on its own).
pub async fn display(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(hall_id): Path<String>,
) -> Result<Response, WebError> {
    let board = queue::board(&state, &hall_id).await?;
    let mut page = render(&DisplayPage { ctx, board })?;
    page.headers_mut().insert(
        axum::http::header::REFRESH,
        axum::http::HeaderValue::from_static("5"),
    );
    Ok(page)
}

#[derive(Deserialize)]
pub struct BookingQuery {
    #[serde(default)]
    date: String,
}

#[derive(Template)]
#[template(path = "halls/book.html")]
struct BookingPage {
    ctx: Ctx,
    day: appointments::DaySlots,
    date: String,
    /// The next 14 days with their labels, for the day choice.
    days: Vec<(String, String)>,
    error: Option<String>,
}

fn booking_days(today: chrono::NaiveDate) -> Vec<(String, String)> {
    const NAMES: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    (0..=tongban_domain::hall::appointment::BOOKING_DAYS_AHEAD)
        .map(|n| {
            let d = today + chrono::Duration::days(n);
            use chrono::Datelike;
            (
                d.to_string(),
                format!(
                    "{}（{}）",
                    d.format("%m月%d日"),
                    NAMES[d.weekday().num_days_from_monday() as usize]
                ),
            )
        })
        .collect()
}

async fn booking_page(
    state: &AppState,
    ctx: Ctx,
    hall_id: &str,
    date: chrono::NaiveDate,
    error: Option<String>,
) -> Result<Response, WebError> {
    let day = appointments::slots(state, hall_id, date).await?;
    let failed = error.is_some();
    let mut page = render(&BookingPage {
        ctx,
        day,
        date: date.to_string(),
        days: booking_days(state.today()),
        error,
    })?;
    if failed {
        *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(page)
}

/// `GET /halls/{id}/book?date=`: the day's free half-hours per window kind.
pub async fn booking_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(hall_id): Path<String>,
    Query(q): Query<BookingQuery>,
) -> Result<Response, WebError> {
    let asked = q.date.trim();
    match tongban_domain::bundle::form::parse_date(asked)
        .filter(|d| tongban_domain::calendar::in_range(*d))
    {
        Some(date) => booking_page(&state, ctx, &hall_id, date, None).await,
        None if asked.is_empty() => booking_page(&state, ctx, &hall_id, state.today(), None).await,
        None => {
            let msg = format!(
                "没有“{}”这个日期，下面是今天的时段",
                asked.chars().take(20).collect::<String>()
            );
            booking_page(&state, ctx, &hall_id, state.today(), Some(msg)).await
        }
    }
}

#[derive(Deserialize)]
pub struct BookForm {
    #[serde(default)]
    date: String,
    /// `kind@HH:MM`: one radio group across the kinds.
    #[serde(default)]
    choice: String,
}

/// `POST /halls/{id}/book`.
pub async fn book(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(hall_id): Path<String>,
    Form(form): Form<BookForm>,
) -> Result<Response, WebError> {
    let date = tongban_domain::bundle::form::parse_date(form.date.trim())
        .filter(|d| tongban_domain::calendar::in_range(*d))
        .unwrap_or_else(|| state.today());
    let parsed = form.choice.split_once('@').and_then(|(k, t)| {
        Some((
            WindowKind::parse(k)?,
            chrono::NaiveTime::parse_from_str(t, "%H:%M").ok()?,
        ))
    });
    let Some((kind, slot)) = parsed else {
        return booking_page(&state, ctx, &hall_id, date, Some("请选择一个时段".into())).await;
    };
    let req = appointments::BookingRequest {
        hall_id: hall_id.clone(),
        kind,
        implementation_code: None,
        date,
        slot,
    };
    match appointments::book(&state, &current, req).await {
        Ok(_) => Ok(redirect("/me/appointments?booked=1").into_response()),
        Err(e) => {
            let msg = message_of(e)?;
            booking_page(&state, ctx, &hall_id, date, Some(msg)).await
        }
    }
}

#[derive(Template)]
#[template(path = "halls/my_appointments.html")]
struct MyAppointmentsPage {
    ctx: Ctx,
    appointments: Vec<AppointmentRecord>,
    booked: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct BookedQuery {
    #[serde(default)]
    booked: Option<String>,
}

pub async fn my_appointments(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Query(q): Query<BookedQuery>,
) -> Result<Response, WebError> {
    render(&MyAppointmentsPage {
        ctx,
        appointments: appointments::mine(&state, &current).await?,
        booked: q.booked.is_some(),
        error: None,
    })
}

pub async fn cancel_appointment(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    match appointments::cancel(&state, &current, &id).await {
        Ok(_) => Ok(redirect("/me/appointments").into_response()),
        Err(e) => {
            let error = Some(message_of(e)?);
            render(&MyAppointmentsPage {
                ctx,
                appointments: appointments::mine(&state, &current).await?,
                booked: false,
                error,
            })
        }
    }
}

#[derive(Template)]
#[template(path = "halls/my_tickets.html")]
struct MyTicketsPage {
    ctx: Ctx,
    tickets: Vec<(QueueTicket, usize)>,
}

pub async fn my_tickets(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    render(&MyTicketsPage {
        ctx,
        tickets: queue::my_tickets(&state, &current).await?,
    })
}

pub async fn cancel_ticket(
    State(state): State<AppState>,
    current: Current,
    Path(ticket_id): Path<String>,
) -> Result<Response, WebError> {
    queue::cancel_own(&state, &current, &ticket_id).await?;
    Ok(redirect("/me/tickets").into_response())
}

/// A period's value as the hall editor's remove form names it.
pub fn period_key(p: &tongban_domain::org::OpeningPeriod) -> String {
    format!(
        "{}|{}|{}|{}",
        tongban_domain::org::format_weekdays(&p.weekdays),
        p.opens.format("%H:%M"),
        p.closes.format("%H:%M"),
        p.kind.as_str()
    )
}

/// A person's name as lists show it (`马*`).
pub fn masked(name: &str) -> String {
    tongban_domain::mask::mask_name(name)
}
