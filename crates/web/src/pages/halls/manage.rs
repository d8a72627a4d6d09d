//! The bureau's hall keeping: closures (a day the hall does not open) and how many may book
//! each half-hour per window kind.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_app::halls::{self, HallToday};
use tongban_domain::org::WindowKind;
use tongban_store::Hall;

use super::message_of;
use crate::AppState;
use crate::auth::Current;
use crate::error::WebError;
use crate::page::{Ctx, redirect, render};

#[derive(Template)]
#[template(path = "halls/manage.html")]
struct ManagePage {
    ctx: Ctx,
    halls: Vec<Hall>,
}

pub async fn manage(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    render(&ManagePage {
        ctx,
        halls: halls::managed_halls(&state, &current).await?,
    })
}

#[derive(Template)]
#[template(path = "halls/manage_hall.html")]
struct ManageHallPage {
    ctx: Ctx,
    t: HallToday,
    capacities: Vec<(WindowKind, i64, bool)>,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    hall_id: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let (t, capacities) = halls::managed_hall(state, current, hall_id).await?;
    let failed = error.is_some();
    let mut p = render(&ManageHallPage {
        ctx,
        t,
        capacities,
        error,
    })?;
    if failed {
        *p.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(p)
}

pub async fn manage_hall(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(hall_id): Path<String>,
) -> Result<Response, WebError> {
    page(&state, ctx, &current, &hall_id, None).await
}

#[derive(Deserialize)]
pub struct ClosureForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    reason: String,
    /// Present to reopen the day instead.
    #[serde(default)]
    reopen: Option<String>,
}

pub async fn set_closure(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(hall_id): Path<String>,
    Form(form): Form<ClosureForm>,
) -> Result<Response, WebError> {
    let Some(date) = tongban_domain::bundle::form::parse_date(form.date.trim())
        .filter(|d| tongban_domain::calendar::in_range(*d))
    else {
        return page(
            &state,
            ctx,
            &current,
            &hall_id,
            Some("日期格式应为 2026-12-02".into()),
        )
        .await;
    };
    let reason = if form.reopen.is_some() {
        None
    } else if form.reason.trim().is_empty() {
        return page(
            &state,
            ctx,
            &current,
            &hall_id,
            Some("请填写闭厅原因".into()),
        )
        .await;
    } else {
        Some(form.reason.as_str())
    };
    match halls::set_closure(&state, &current, &hall_id, date, reason).await {
        Ok(()) => Ok(redirect(&format!("/staff/halls/{hall_id}")).into_response()),
        Err(e) => {
            let msg = message_of(e)?;
            page(&state, ctx, &current, &hall_id, Some(msg)).await
        }
    }
}

#[derive(Deserialize)]
pub struct CapacityForm {
    window_kind: String,
    #[serde(default)]
    per_slot: String,
}

pub async fn set_capacity(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(hall_id): Path<String>,
    Form(form): Form<CapacityForm>,
) -> Result<Response, WebError> {
    let Some(kind) = WindowKind::parse(&form.window_kind) else {
        return page(
            &state,
            ctx,
            &current,
            &hall_id,
            Some("未知的窗口类型".into()),
        )
        .await;
    };
    let Ok(n) = form.per_slot.trim().parse::<i64>() else {
        return page(
            &state,
            ctx,
            &current,
            &hall_id,
            Some("每半小时可预约人数须为整数".into()),
        )
        .await;
    };
    match halls::set_capacity(&state, &current, &hall_id, kind, n).await {
        Ok(()) => Ok(redirect(&format!("/staff/halls/{hall_id}")).into_response()),
        Err(e) => {
            let msg = message_of(e)?;
            page(&state, ctx, &current, &hall_id, Some(msg)).await
        }
    }
}

#[derive(Template)]
#[template(path = "halls/staff_record.html")]
struct StaffRecordPage {
    ctx: Ctx,
    member: tongban_store::StaffMember,
    posted_on: Option<chrono::NaiveDate>,
    stable_until: Option<chrono::NaiveDate>,
    trainings: Vec<tongban_domain::hall::staff::Training>,
    total_hours: f64,
    error: Option<String>,
}

async fn record_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    id: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let (member, posted_on, trainings) =
        tongban_app::halls::staff::record(state, current, id).await?;
    let failed = error.is_some();
    let mut p = render(&StaffRecordPage {
        ctx,
        member,
        stable_until: posted_on.map(tongban_domain::hall::staff::stable_until),
        posted_on,
        total_hours: trainings.iter().map(|t| t.hours).fold(0.0, |a, b| a + b),
        trainings,
        error,
    })?;
    if failed {
        *p.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(p)
}

/// `GET /admin/staff/{id}/record`: posting date and training of a staff member.
pub async fn staff_record(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    record_page(&state, ctx, &current, &id, None).await
}

#[derive(Deserialize)]
pub struct RecordForm {
    action: String,
    #[serde(default)]
    posted_on: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    hours: String,
}

pub async fn save_staff_record(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
    Form(f): Form<RecordForm>,
) -> Result<Response, WebError> {
    let parse = |s: &str| tongban_domain::bundle::form::parse_date(s.trim());
    let outcome = match f.action.as_str() {
        "posting" => {
            tongban_app::halls::staff::set_posting(&state, &current, &id, parse(&f.posted_on)).await
        }
        "training" => {
            tongban_app::halls::staff::add_training(
                &state,
                &current,
                &id,
                parse(&f.day),
                &f.title,
                &f.hours,
            )
            .await
        }
        _ => Err(tongban_app::AppError::field(
            "action",
            "unknown",
            "未知的操作",
        )),
    };
    match outcome {
        Ok(()) => Ok(redirect(&format!("/admin/staff/{id}/record")).into_response()),
        Err(e) => {
            let msg = message_of(e)?;
            record_page(&state, ctx, &current, &id, Some(msg)).await
        }
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    what: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lng: String,
    #[serde(default)]
    weekdays: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    index: String,
    #[serde(default)]
    number: String,
}

/// `POST /staff/halls/{id}/edit`: contact, a period added or removed, a window added.
pub async fn edit_hall(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(hall_id): Path<String>,
    Form(f): Form<EditForm>,
) -> Result<Response, WebError> {
    use tongban_app::halls::HallEdit;
    let edit = match f.what.as_str() {
        "contact" => HallEdit::Contact {
            address: &f.address,
            phone: &f.phone,
            lat: &f.lat,
            lng: &f.lng,
        },
        "add_period" => HallEdit::AddPeriod {
            weekdays: &f.weekdays,
            opens: &f.opens,
            closes: &f.closes,
            kind: &f.kind,
            note: &f.note,
        },
        "remove_period" => HallEdit::RemovePeriod { period: &f.index },
        "add_window" => HallEdit::AddWindow {
            number: &f.number,
            kind: &f.kind,
        },
        _ => return page(&state, ctx, &current, &hall_id, Some("未知的修改".into())).await,
    };
    match tongban_app::halls::edit_hall(&state, &current, &hall_id, edit).await {
        Ok(()) => Ok(redirect(&format!("/staff/halls/{hall_id}")).into_response()),
        Err(e) => {
            let msg = message_of(e)?;
            page(&state, ctx, &current, &hall_id, Some(msg)).await
        }
    }
}
