//! The bureau's bundle editor: the bundles with their versions, a new draft from the one in
//! force, the definition edited as JSON with every problem listed while editing, and the
//! lifecycle steps (legality review by the Justice Bureau, publication by the bureau).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_app::bundles::{self, editor};
use tongban_domain::bundle::Bundle;
use tongban_domain::catalog::ReviewAction;
use tongban_store::BundleVersion;

use crate::auth::Current;
use crate::page::{Ctx, local_time, render};
use crate::pages::catalog::action_slug;
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "bundles/staff_index.html")]
struct IndexPage {
    ctx: Ctx,
    bundles: Vec<Bundle>,
    /// Versions waiting for this user: (version, status label).
    queue: Vec<(BundleVersion, &'static str)>,
}

/// `GET /staff/bundles`.
pub async fn staff_index(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    current
        .principal
        .capability(tongban_domain::authz::Permission::ViewCatalogWork)?;
    let queue = editor::queue(&state, &current)
        .await?
        .into_iter()
        .map(|v| {
            let label = v.status().map_or("未知", |s| s.label());
            (v, label)
        })
        .collect();
    render(&IndexPage {
        ctx,
        bundles: bundles::list(&state).await?,
        queue,
    })
}

#[derive(Template)]
#[template(path = "bundles/staff_versions.html")]
struct VersionsPage {
    ctx: Ctx,
    code: String,
    versions: Vec<(BundleVersion, &'static str, String)>,
    error: Option<String>,
    may_draft: bool,
}

async fn versions_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    code: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let versions = editor::versions(state, current, code)
        .await?
        .into_iter()
        .map(|v| {
            let label = v.status().map_or("未知", |s| s.label());
            let at = local_time(v.created_at);
            (v, label, at)
        })
        .collect();
    render(&VersionsPage {
        ctx,
        code: code.to_owned(),
        versions,
        error,
        may_draft: editor::may_draft(current),
    })
}

/// `GET /staff/bundles/{code}`.
pub async fn staff_versions(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    versions_page(&state, ctx, &current, &code, None).await
}

/// `POST /staff/bundles/{code}/drafts`.
pub async fn new_draft(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    match editor::new_draft(&state, &current, &code).await {
        Ok(v) => {
            Ok(crate::page::redirect(&format!("/staff/bundle-versions/{}", v.id)).into_response())
        }
        Err(tongban_app::AppError::Refused { detail, .. }) => {
            versions_page(&state, ctx, &current, &code, Some(detail)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "bundles/staff_version.html")]
struct VersionPage {
    ctx: Ctx,
    v: editor::VersionView,
    status: &'static str,
    document: String,
    actions: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn version_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    id: &str,
    document: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let v = editor::version(state, current, id).await?;
    let document = document.unwrap_or_else(|| {
        serde_json::from_str::<serde_json::Value>(&v.version.document)
            .and_then(|j| serde_json::to_string_pretty(&j))
            .unwrap_or_else(|_| v.version.document.clone())
    });
    render(&VersionPage {
        ctx,
        status: v.status.label(),
        actions: v
            .actions
            .iter()
            .map(|a| (action_slug(*a), a.label()))
            .collect(),
        document,
        error,
        v,
    })
}

/// `GET /staff/bundle-versions/{id}`.
pub async fn staff_version(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    version_page(&state, ctx, &current, &id, None, None).await
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    document: String,
}

/// `POST /staff/bundle-versions/{id}`: saves the definition; a wrong one comes back as typed.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
    Form(form): Form<SaveForm>,
) -> Result<Response, WebError> {
    match editor::save(&state, &current, &id, &form.document).await {
        Ok(()) => {
            Ok(crate::page::redirect(&format!("/staff/bundle-versions/{id}")).into_response())
        }
        Err(tongban_app::AppError::Validation(v)) => {
            version_page(
                &state,
                ctx,
                &current,
                &id,
                Some(form.document),
                Some(v.messages()),
            )
            .await
        }
        Err(tongban_app::AppError::Refused { detail, .. }) => {
            version_page(
                &state,
                ctx,
                &current,
                &id,
                Some(form.document),
                Some(detail),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    comment: String,
}

/// `POST /staff/bundle-versions/{id}/{action}`: submit, approve, return or publish.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    let action = [
        ReviewAction::Submit,
        ReviewAction::Approve,
        ReviewAction::Return,
        ReviewAction::Publish,
    ]
    .into_iter()
    .find(|a| action_slug(*a) == action)
    .ok_or(WebError::NotFound)?;
    match editor::act(&state, &current, &id, action, &form.comment).await {
        Ok(()) => {
            Ok(crate::page::redirect(&format!("/staff/bundle-versions/{id}")).into_response())
        }
        Err(tongban_app::AppError::Refused { detail, .. }) => {
            version_page(&state, ctx, &current, &id, None, Some(detail)).await
        }
        Err(e) => Err(e.into()),
    }
}
