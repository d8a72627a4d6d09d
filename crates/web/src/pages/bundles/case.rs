//! A bundle case's page, for its applicant and the staff who handle it: the status of the
//! whole and of each member, one combined notice, refusals explained, the results together,
//! and the window's one delivery.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_app::bundles::{self, BundleCaseView};
use tongban_domain::authz::{Permission, allows};

use crate::auth::Current;
use crate::page::{Ctx, local_time, render};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "bundles/case.html")]
struct CasePage {
    ctx: Ctx,
    v: BundleCaseView,
    /// A window clerk may hand the results over.
    clerk: bool,
    /// The applicant reads their own: links go to their tracking pages.
    own: bool,
    delivered_at: String,
    error: Option<String>,
    /// What the one notice asks for, each paper once, with the items that ask.
    requested: Vec<(String, String)>,
}

impl CasePage {
    fn delivery_label(&self) -> String {
        let d = &self.v.record.delivery;
        match d.split_once(':') {
            Some(("post", no)) => format!("邮寄（快递单号 {no}）"),
            _ if d == "window" => "窗口领取".into(),
            _ if d == "electronic" => "电子送达（已存入证照夹）".into(),
            _ => d.clone(),
        }
    }

    fn case_link(&self, no: &str) -> String {
        if self.own {
            format!("/me/cases/{no}")
        } else {
            format!("/staff/cases/{no}")
        }
    }
}

async fn show_with(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    no: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let v = bundles::view(state, current, no).await?;
    let own = current
        .account
        .as_ref()
        .is_some_and(|a| a.id == v.record.applicant_id);
    let requested = bundles::requested(&v)
        .into_iter()
        .map(|(m, by)| (m, by.join("、")))
        .collect();
    render(&CasePage {
        ctx,
        requested,
        clerk: allows(&current.principal, Permission::HandleIntake),
        own,
        delivered_at: v.record.delivered_at.map(local_time).unwrap_or_default(),
        v,
        error,
    })
}

/// `GET /bundle-cases/{no}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    show_with(&state, ctx, &current, &no, None).await
}

#[derive(Deserialize)]
pub struct DeliveryForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    tracking_no: String,
}

/// `POST /bundle-cases/{no}/delivery`: the window hands over every result at once.
pub async fn deliver(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    Form(form): Form<DeliveryForm>,
) -> Result<Response, WebError> {
    match bundles::deliver(&state, &current, &no, &form.method, &form.tracking_no).await {
        Ok(_) => Ok(crate::page::redirect(&format!("/bundle-cases/{no}")).into_response()),
        Err(tongban_app::AppError::Validation(v)) => {
            show_with(&state, ctx, &current, &no, Some(v.messages())).await
        }
        Err(tongban_app::AppError::Refused { detail, .. }) => {
            show_with(&state, ctx, &current, &no, Some(detail)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /bundle-cases/{no}/supply`: each paper the notice asks for, sent once, reaches
/// every item that asked for it.
pub async fn supply(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<Response, WebError> {
    let (_, files) = crate::pages::cases::read_multipart(multipart).await?;
    let v = bundles::view(&state, &current, &no).await?;
    let requested = bundles::requested(&v);
    let uploads =
        crate::pages::cases::numbered_uploads(files, |i| requested.get(i).map(|r| r.0.clone()));
    match bundles::supply(&state, &current, &no, uploads).await {
        Ok(_) => Ok(crate::page::redirect(&format!("/bundle-cases/{no}")).into_response()),
        Err(tongban_app::AppError::Validation(v)) => {
            show_with(&state, ctx, &current, &no, Some(v.messages())).await
        }
        Err(tongban_app::AppError::Refused { detail, .. }) => {
            show_with(&state, ctx, &current, &no, Some(detail)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "bundles/mine.html")]
struct MinePage {
    ctx: Ctx,
    bundles: Vec<BundleCaseView>,
}

/// `GET /me/bundle-cases`: the applicant's bundle applications.
pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let bundles = bundles::mine(&state, &current).await?;
    render(&MinePage { ctx, bundles })
}
