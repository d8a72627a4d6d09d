//! 帮办代办 and 上门服务 as pages: the request form (a person, their family, or a clerk for
//! them), one's requests, and the staff's queue and answer.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_app::halls::help;
use tongban_domain::hall::assistance::{HelpAction, HelpForm, HelpReason, Requester};
use tongban_domain::org::{OrgKind, OrgUnit};
use tongban_store::{HelpRecord, StaffMember};

use super::message_of;
use crate::AppState;
use crate::auth::Current;
use crate::error::WebError;
use crate::page::{Ctx, redirect, render};

#[derive(Debug, Default, Deserialize, Clone)]
pub struct HelpFields {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    requester: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    need: String,
    #[serde(default)]
    org_unit: String,
}

#[derive(Template)]
#[template(path = "halls/help_form.html")]
struct HelpFormPage {
    ctx: Ctx,
    f: HelpFields,
    /// Towns, each with its villages.
    towns: Vec<(OrgUnit, Vec<OrgUnit>)>,
    reasons: Vec<HelpReason>,
    requesters: Vec<Requester>,
    errors: Vec<(String, String)>,
}

async fn form_page(
    state: &AppState,
    ctx: Ctx,
    f: HelpFields,
    errors: Vec<(String, String)>,
) -> Result<Response, WebError> {
    let units = tongban_app::org::units(state).await?;
    let towns = units
        .iter()
        .filter(|u| u.kind == OrgKind::Town)
        .map(|t| {
            let villages = units
                .iter()
                .filter(|v| v.kind == OrgKind::Village && v.parent_id.as_deref() == Some(&t.id))
                .cloned()
                .collect();
            (t.clone(), villages)
        })
        .collect();
    let failed = !errors.is_empty();
    let mut p = render(&HelpFormPage {
        ctx,
        f,
        towns,
        reasons: HelpReason::ALL.to_vec(),
        requesters: Requester::ALL.to_vec(),
        errors,
    })?;
    if failed {
        *p.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(p)
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    form_page(
        &state,
        ctx,
        HelpFields {
            kind: "home_visit".into(),
            requester: "person".into(),
            ..HelpFields::default()
        },
        Vec::new(),
    )
    .await
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(f): Form<HelpFields>,
) -> Result<Response, WebError> {
    let form = HelpForm {
        kind: &f.kind,
        reason: &f.reason,
        requester: &f.requester,
        name: &f.name,
        phone: &f.phone,
        address: &f.address,
        need: &f.need,
    };
    match help::request(&state, &current, &form, &f.org_unit).await {
        Ok(no) if current.principal.role().is_some() => {
            Ok(redirect(&format!("/staff/help/{no}")).into_response())
        }
        Ok(_) => Ok(redirect("/me/help?sent=1").into_response()),
        Err(tongban_app::AppError::Validation(v)) => {
            let errors = v
                .errors
                .iter()
                .map(|e| (e.field.clone(), e.message.clone()))
                .collect();
            form_page(&state, ctx, f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "halls/my_help.html")]
struct MyHelpPage {
    ctx: Ctx,
    requests: Vec<HelpRecord>,
    sent: bool,
}

#[derive(Deserialize)]
pub struct SentQuery {
    #[serde(default)]
    sent: Option<String>,
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    axum::extract::Query(q): axum::extract::Query<SentQuery>,
) -> Result<Response, WebError> {
    render(&MyHelpPage {
        ctx,
        requests: help::mine(&state, &current).await?,
        sent: q.sent.is_some(),
    })
}

#[derive(Template)]
#[template(path = "halls/help_queue.html")]
struct QueuePage {
    ctx: Ctx,
    requests: Vec<HelpRecord>,
    today: chrono::NaiveDate,
}

pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    render(&QueuePage {
        ctx,
        requests: help::queue(&state, &current).await?,
        today: state.today(),
    })
}

#[derive(Template)]
#[template(path = "halls/help_request.html")]
struct RequestPage {
    ctx: Ctx,
    r: HelpRecord,
    staff: Vec<StaffMember>,
    error: Option<String>,
    today: chrono::NaiveDate,
}

async fn request_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    no: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let (r, staff) = help::view(state, current, no).await?;
    let failed = error.is_some();
    let mut p = render(&RequestPage {
        ctx,
        r,
        staff,
        error,
        today: state.today(),
    })?;
    if failed {
        *p.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(p)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    request_page(&state, ctx, &current, &no, None).await
}

#[derive(Deserialize)]
pub struct ActForm {
    action: String,
    #[serde(default)]
    staff: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    case_no: String,
    #[serde(default)]
    photos: String,
    #[serde(default)]
    identity_checked: Option<String>,
    #[serde(default)]
    note: String,
}

pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    Form(f): Form<ActForm>,
) -> Result<Response, WebError> {
    let action = match f.action.as_str() {
        "assign" => {
            let at = tongban_domain::bundle::form::parse_date(f.date.trim()).and_then(|d| {
                chrono::NaiveTime::parse_from_str(f.time.trim(), "%H:%M")
                    .ok()
                    .map(|t| d.and_time(t))
            });
            let Some(at) = at else {
                return request_page(
                    &state,
                    ctx,
                    &current,
                    &no,
                    Some("请填写安排的日期和时间（如 2026-12-01 与 09:30）".into()),
                )
                .await;
            };
            HelpAction::Assign {
                staff: f.staff.clone(),
                at,
            }
        }
        "decline" => HelpAction::Decline {
            reason: f.reason.clone(),
        },
        "record" => {
            let Ok(photos) = f.photos.trim().parse::<u32>().or_else(|_| {
                if f.photos.trim().is_empty() {
                    Ok(0)
                } else {
                    Err(())
                }
            }) else {
                return request_page(
                    &state,
                    ctx,
                    &current,
                    &no,
                    Some("拍照材料数须为整数".into()),
                )
                .await;
            };
            HelpAction::Record {
                case_no: Some(f.case_no.trim().to_owned()).filter(|c| !c.is_empty()),
                photos,
                identity_checked: f.identity_checked.is_some(),
                note: f.note.clone(),
            }
        }
        _ => return request_page(&state, ctx, &current, &no, Some("未知的操作".into())).await,
    };
    match help::act(&state, &current, &no, action).await {
        Ok(_) => Ok(redirect(&format!("/staff/help/{no}")).into_response()),
        Err(e) => {
            let msg = message_of(e)?;
            request_page(&state, ctx, &current, &no, Some(msg)).await
        }
    }
}
