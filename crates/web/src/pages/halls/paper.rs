//! 就近办 paper as pages: the clerk's paper desk (the cases whose paper is here, the lists
//! sent and to sign), a list, and signing it received.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use tongban_app::halls::handovers::{self, PaperDesk};
use tongban_store::HandoverRecord;

use super::message_of;
use crate::AppState;
use crate::auth::Current;
use crate::error::WebError;
use crate::page::{Ctx, redirect, render};

#[derive(Template)]
#[template(path = "halls/paper.html")]
struct PaperPage {
    ctx: Ctx,
    d: PaperDesk,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    error: Option<String>,
) -> Result<Response, WebError> {
    let d = handovers::desk(state, current).await?;
    let failed = error.is_some();
    let mut p = render(&PaperPage { ctx, d, error })?;
    if failed {
        *p.status_mut() = axum::http::StatusCode::CONFLICT;
    }
    Ok(p)
}

pub async fn desk(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    page(&state, ctx, &current, None).await
}

/// `POST /staff/paper`: `case` (repeated, the ticked case numbers) and `paper_<case no>`.
pub async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let items: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k == "case")
        .map(|(_, no)| {
            let paper = fields
                .iter()
                .find(|(k, _)| *k == format!("paper_{no}"))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (no.clone(), paper)
        })
        .collect();
    match handovers::send(&state, &current, &items).await {
        Ok(no) => Ok(redirect(&format!("/staff/paper/{no}")).into_response()),
        Err(e) => {
            let msg = message_of(e)?;
            page(&state, ctx, &current, Some(msg)).await
        }
    }
}

#[derive(Template)]
#[template(path = "halls/paper_list.html")]
struct ListPage {
    ctx: Ctx,
    h: HandoverRecord,
    /// The actor is at the receiving unit (only they see the button to sign).
    receiver: bool,
    sent: String,
    received: String,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    no: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let h = handovers::list(state, current, no).await?;
    let at = current
        .account
        .as_ref()
        .and_then(|a| a.org_path.clone())
        .unwrap_or_default();
    let receiver = tongban_domain::hall::handover::may_receive(
        tongban_domain::hall::handover::HandoverStatus::Sent,
        &h.to_path,
        &at,
    )
    .is_ok();
    render(&ListPage {
        ctx,
        receiver,
        sent: crate::page::local_time(h.sent_at),
        received: h
            .received_at
            .map(crate::page::local_time)
            .unwrap_or_default(),
        h,
        error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    list_page(&state, ctx, &current, &no, None).await
}

pub async fn receive(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    match handovers::receive(&state, &current, &no).await {
        Ok(()) => Ok(redirect(&format!("/staff/paper/{no}")).into_response()),
        Err(e) => {
            let msg = message_of(e)?;
            list_page(&state, ctx, &current, &no, Some(msg)).await
        }
    }
}
