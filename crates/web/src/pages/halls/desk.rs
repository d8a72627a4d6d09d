//! The window's desk: choose the window one works, call the next, recall, skip, start,
//! end with the case filed, transfer, put a missed number back, take a number for the
//! person at the desk.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_app::halls::{self, queue};
use tongban_domain::hall::queue::TicketChannel;
use tongban_domain::org::WindowKind;
use tongban_store::Hall;

use super::message_of;
use crate::AppState;
use crate::auth::Current;
use crate::error::WebError;
use crate::page::{Ctx, redirect, render};

#[derive(Template)]
#[template(path = "halls/choose_window.html")]
struct ChoosePage {
    ctx: Ctx,
    halls: Vec<Hall>,
    current: Option<String>,
}

/// `GET /staff/queue`: the windows of the halls one may work; one's window of today first.
pub async fn choose_window(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let halls = halls::workable_halls(&state, &current).await?;
    let duty = queue::duty_window(&state, &current).await?;
    render(&ChoosePage {
        ctx,
        halls,
        current: duty,
    })
}

/// `POST /staff/queue/{window}/duty`: one works this window from now.
pub async fn duty(
    State(state): State<AppState>,
    current: Current,
    Path(window_id): Path<String>,
) -> Result<Response, WebError> {
    queue::take_duty(&state, &current, &window_id).await?;
    Ok(redirect(&format!("/staff/queue/{window_id}")).into_response())
}

#[derive(Template)]
#[template(path = "halls/desk.html")]
struct DeskPage {
    ctx: Ctx,
    d: queue::Desk,
    message: Option<String>,
    error: Option<String>,
}

async fn desk_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    window_id: &str,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let d = queue::desk(state, current, window_id).await?;
    render(&DeskPage {
        ctx,
        d,
        message,
        error,
    })
}

#[derive(Deserialize)]
pub struct DeskQuery {
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    err: Option<String>,
}

/// `GET /staff/queue/{window}`: the desk, with the outcome of the step just taken (every
/// step answers with a redirect here, so a refresh never repeats it).
pub async fn desk(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(window_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<DeskQuery>,
) -> Result<Response, WebError> {
    let clip = |s: Option<String>| s.map(|s| s.chars().take(200).collect::<String>());
    desk_page(&state, ctx, &current, &window_id, clip(q.msg), clip(q.err)).await
}

/// Back to the desk, saying what happened.
fn back(window_id: &str, outcome: Result<String, String>) -> Result<Response, WebError> {
    let query = match &outcome {
        Ok(m) => serde_urlencoded::to_string([("msg", m)]),
        Err(e) => serde_urlencoded::to_string([("err", e)]),
    }
    .unwrap_or_default();
    Ok(redirect(&format!("/staff/queue/{window_id}?{query}")).into_response())
}

/// `POST /staff/queue/{window}/call`: the next number, said aloud by the hall's screen.
pub async fn call(
    State(state): State<AppState>,
    current: Current,
    Path(window_id): Path<String>,
) -> Result<Response, WebError> {
    match queue::call_next(&state, &current, &window_id).await {
        Ok(Some(c)) => back(&window_id, Ok(c.text)),
        Ok(None) => back(&window_id, Ok("现在没有人在等候".into())),
        Err(e) => back(&window_id, Err(message_of(e)?)),
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    action: String,
    #[serde(default)]
    case_no: Option<String>,
    /// A window id, or `kind:<kind>` for a kind's queue.
    #[serde(default)]
    to: Option<String>,
}

/// `POST /staff/queue/{window}/tickets/{ticket}`.
pub async fn ticket_action(
    State(state): State<AppState>,
    current: Current,
    Path((window_id, ticket_id)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    let (to_window, to_kind) = match form.to.as_deref().map(str::trim) {
        Some(t) if t.starts_with("kind:") => (None, Some(t.trim_start_matches("kind:"))),
        Some(t) if !t.is_empty() => (Some(t.to_owned()), None),
        _ => (None, None),
    };
    let action =
        match crate::api::halls::parse_action(&form.action, form.case_no, to_window, to_kind) {
            Ok(a) => a,
            Err(WebError::Validation(v)) => return back(&window_id, Err(v.messages())),
            Err(e) => return Err(e),
        };
    let label = action.label();
    match queue::act(&state, &current, &window_id, &ticket_id, action).await {
        Ok(t) => back(&window_id, Ok(format!("{} 已{label}", t.ticket_no))),
        Err(e) => back(&window_id, Err(message_of(e)?)),
    }
}

#[derive(Deserialize)]
pub struct TakeForm {
    window_kind: String,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    appointment: String,
}

/// `POST /staff/queue/{window}/take`: a number for the person at the desk (who has no
/// phone and did not use the kiosk).
pub async fn take_for_person(
    State(state): State<AppState>,
    current: Current,
    Path(window_id): Path<String>,
    Form(form): Form<TakeForm>,
) -> Result<Response, WebError> {
    let d = queue::desk(&state, &current, &window_id).await?;
    let req = queue::TicketRequest {
        kind: WindowKind::parse(&form.window_kind).unwrap_or(d.place.window.kind),
        implementation_code: None,
        priority: form.priority.is_some(),
        appointment: Some(form.appointment),
        channel: TicketChannel::Window,
    };
    match queue::take_ticket(&state, &current, &d.place.hall_id, req).await {
        Ok(t) => back(
            &window_id,
            Ok(format!(
                "已取号 {}（前面还有 {} 人）",
                t.ticket.ticket_no, t.waiting_before
            )),
        ),
        Err(e) => back(&window_id, Err(message_of(e)?)),
    }
}
