//! The Approval Services Bureau enters a year's holiday arrangement when the State Council
//! publishes it; every open case's due dates are recounted at once.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_domain::authz::Permission;
use tongban_domain::calendar::WorkCalendar;

use crate::auth::Current;
use crate::page::{Ctx, render};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    ctx: Ctx,
    years: Vec<i32>,
    days: String,
    error: Option<String>,
    recounted: Option<usize>,
}

#[derive(Deserialize)]
pub struct Done {
    recounted: Option<usize>,
}

pub async fn calendar_form(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    current.principal.capability(Permission::ManageCalendar)?;
    render(&CalendarPage {
        ctx,
        years: state.calendar.get().years().collect(),
        days: String::new(),
        error: None,
        recounted: done.recounted,
    })
}

#[derive(Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    days: String,
}

/// Lines `YYYY-MM-DD,holiday|workday,名称`, as in the shipped data.
pub async fn enter_calendar(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(form): Form<CalendarForm>,
) -> Result<Response, WebError> {
    current.principal.capability(Permission::ManageCalendar)?;
    let parsed = WorkCalendar::from_csv(&format!("date,kind,name\n{}", form.days.trim()));
    let days: Vec<(chrono::NaiveDate, String, String)> = match parsed {
        Ok(_) => form
            .days
            .lines()
            .filter_map(|l| {
                let mut p = l.trim().splitn(3, ',');
                let day = chrono::NaiveDate::parse_from_str(p.next()?, "%Y-%m-%d").ok()?;
                Some((
                    day,
                    p.next()?.to_owned(),
                    p.next().unwrap_or_default().trim().to_owned(),
                ))
            })
            .collect(),
        Err(e) => {
            let mut res = render(&CalendarPage {
                ctx,
                years: state.calendar.get().years().collect(),
                error: Some(format!("{e}（第 1 行为表头，从第 2 行起是您输入的内容）")),
                days: form.days,
                recounted: None,
            })?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };
    let recounted = tongban_app::calendar::enter_days(&state, &current, &days).await?;
    Ok(crate::page::redirect(&format!("/admin/calendar?recounted={recounted}")).into_response())
}
