//! Catalog work for staff: the upper-level entries, drafting and adjusting implementation
//! lists, legality review, publication, version history and diffs.
//!
//! Every transition is decided by `tongban_domain::catalog::next_status`; publication also
//! needs `ServiceItem::validate` and `four_sames` to pass. Departments act only on their own
//! items (scope); the Justice Bureau reviews; the Approval Services Bureau publishes.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_domain::authz::Permission;
use tongban_domain::catalog::{CatalogEntry, FieldChange, ItemList, ReviewAction, describe, diff};
use tongban_store::ItemVersion;

use crate::auth::Current;
use crate::page::{Ctx, local_time, render};
use crate::{AppState, WebError};
use tongban_app::catalog::work;

struct VersionRow {
    id: String,
    name: String,
    org_name: String,
    version: i64,
    status: &'static str,
    updated: String,
}

fn rows(versions: Vec<ItemVersion>) -> Vec<VersionRow> {
    versions
        .into_iter()
        .map(|v| VersionRow {
            name: v.item.name.clone(),
            org_name: v.item.org_name.clone(),
            version: v.version,
            status: v.status.label(),
            updated: local_time(v.updated_at),
            id: v.id,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "catalog/work.html")]
struct WorkPage {
    ctx: Ctx,
    sections: Vec<(&'static str, &'static str, Vec<VersionRow>)>,
    published: usize,
    can_draft: bool,
}

pub async fn catalog_work(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let w = work::work(&state, &current).await?;
    render(&WorkPage {
        sections: vec![
            ("草稿与退回修改", "drafts", rows(w.drafts)),
            ("合法性审查中", "in-review", rows(w.in_review)),
            ("审查通过、待发布", "approved", rows(w.approved)),
        ],
        published: w.published,
        can_draft: w.can_draft,
        ctx,
    })
}

#[derive(Deserialize)]
pub struct EntriesQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "catalog/entries.html")]
struct EntriesPage {
    ctx: Ctx,
    q: String,
    entries: Vec<CatalogEntry>,
    total: i64,
    page: i64,
    pages: i64,
    can_draft: bool,
}

pub async fn catalog_entries(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Query(query): Query<EntriesQuery>,
) -> Result<Response, WebError> {
    let per_page = 30;
    // Far past the last page is the last page's neighbourhood, not an overflow.
    let page = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let (entries, total) =
        work::entries(&state, &current, &query.q, per_page, (page - 1) * per_page).await?;
    render(&EntriesPage {
        q: query.q,
        entries,
        total,
        page,
        pages: (total + per_page - 1) / per_page,
        can_draft: current.principal.capability(Permission::DraftItems).is_ok(),
        ctx,
    })
}

/// A first draft of the implementation list for an upper-level entry, implemented by the
/// drafter's own unit: the four fixed elements come from the entry, the rest is to fill in.
pub async fn draft_from_entry(
    State(state): State<AppState>,
    current: Current,
    Path(catalog_code): Path<String>,
) -> Result<Response, WebError> {
    let v = work::draft_from_entry(&state, &current, &catalog_code).await?;
    Ok(crate::page::redirect(&format!("/catalog/versions/{}", v.id)).into_response())
}

#[derive(Template)]
#[template(path = "catalog/version.html")]
struct VersionPage {
    ctx: Ctx,
    v: ItemVersion,
    status: &'static str,
    elements: Vec<(String, String)>,
    problems: Vec<String>,
    changes: Vec<FieldChange>,
    can_edit: bool,
    actions: Vec<(&'static str, &'static str)>,
    form_error: Option<String>,
}

pub(crate) fn action_slug(a: ReviewAction) -> &'static str {
    match a {
        ReviewAction::Submit => "submit",
        ReviewAction::Approve => "approve",
        ReviewAction::Return => "return",
        ReviewAction::Publish => "publish",
    }
}

async fn version_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    id: &str,
    form_error: Option<String>,
) -> Result<Response, WebError> {
    let r = work::review(state, current, id).await?;
    let has_error = form_error.is_some();
    let mut res = render(&VersionPage {
        status: r.version.status.label(),
        elements: describe(&r.version.item),
        can_edit: r.can_edit,
        problems: r.problems,
        changes: r.changes,
        actions: r
            .actions
            .into_iter()
            .map(|a| (action_slug(a), a.label()))
            .collect(),
        form_error,
        v: r.version,
        ctx,
    })?;
    if has_error {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn show_version(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    version_page(&state, ctx, &current, &id, None).await
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    comment: String,
}

/// Submit a draft for legality review (department).
pub async fn submit_version(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    act_on_version(state, ctx, current, id, ReviewAction::Submit, form).await
}

/// Pass legality review (Justice Bureau).
pub async fn approve_version(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    act_on_version(state, ctx, current, id, ReviewAction::Approve, form).await
}

/// Return with comments (Justice Bureau).
pub async fn return_version(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    act_on_version(state, ctx, current, id, ReviewAction::Return, form).await
}

/// Publish a reviewed version (Approval Services Bureau).
pub async fn publish_version(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    act_on_version(state, ctx, current, id, ReviewAction::Publish, form).await
}

async fn act_on_version(
    state: AppState,
    ctx: Ctx,
    current: Current,
    id: String,
    action: ReviewAction,
    form: ActionForm,
) -> Result<Response, WebError> {
    let v = match work::act(&state, &current, &id, action, &form.comment)
        .await
        .map_err(WebError::from)
    {
        Ok(v) => v,
        // The version page again, with why the step was refused.
        Err(WebError::Refused { detail, .. }) => {
            return version_page(&state, ctx, &current, &id, Some(detail)).await;
        }
        Err(e) => return Err(e),
    };
    Ok(crate::page::redirect(&format!("/catalog/versions/{}", v.id)).into_response())
}

#[derive(Template)]
#[template(path = "catalog/edit.html")]
struct EditPage {
    ctx: Ctx,
    v: ItemVersion,
    document: String,
    errors: Vec<String>,
}

pub async fn edit_version_form(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let v = work::editable(&state, &current, &id).await?;
    let document = serde_json::to_string_pretty(&v.item).map_err(WebError::internal)?;
    render(&EditPage {
        ctx,
        v,
        document,
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    document: String,
}

/// Saves the edited implementation list. The codes and the implementing unit cannot be
/// changed here; completeness is checked when the draft is submitted.
pub async fn save_version(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    let errors = match work::save(&state, &current, &id, &form.document)
        .await
        .map_err(WebError::from)
    {
        Ok(v) => {
            return Ok(
                crate::page::redirect(&format!("/catalog/versions/{}", v.id)).into_response(),
            );
        }
        Err(WebError::Validation(v)) => v,
        Err(e) => return Err(e),
    };
    let v = work::editable(&state, &current, &id).await?;
    let mut res = render(&EditPage {
        errors: errors.errors.iter().map(|e| e.message.clone()).collect(),
        document: form.document,
        v,
        ctx,
    })?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Template)]
#[template(path = "catalog/history.html")]
struct HistoryPage {
    ctx: Ctx,
    name: String,
    code: String,
    versions: Vec<(ItemVersion, Option<String>)>,
    can_adjust: bool,
    lists: Vec<ItemList>,
}

pub async fn item_history(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let h = work::history(&state, &current, &code).await?;
    let history = h.versions;
    let first = history.first().ok_or(WebError::NotFound)?;
    let name = first.item.name.clone();
    let can_adjust = h.can_adjust;
    let lists = h.lists;
    let versions = history
        .iter()
        .enumerate()
        .map(|(i, v)| (v.clone(), history.get(i + 1).map(|older| older.id.clone())))
        .collect();
    render(&HistoryPage {
        ctx,
        name,
        code,
        versions,
        can_adjust,
        lists,
    })
}

#[derive(Deserialize)]
pub struct DiffQuery {
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "catalog/diff.html")]
struct DiffPage {
    ctx: Ctx,
    name: String,
    code: String,
    from: i64,
    to: i64,
    changes: Vec<FieldChange>,
}

/// A readable diff between any two versions of one item.
pub async fn item_diff(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(code): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, WebError> {
    let (a, b) = work::pair(&state, &current, &code, &q.from, &q.to).await?;
    render(&DiffPage {
        name: b.item.name.clone(),
        changes: diff(&a.item, &b.item),
        from: a.version,
        to: b.version,
        code,
        ctx,
    })
}

#[derive(Deserialize)]
pub struct AdjustForm {
    #[serde(default)]
    reason: String,
}

/// 动态调整: a department's change request to a published item, as a new draft version.
pub async fn adjust_item(
    State(state): State<AppState>,
    current: Current,
    Path(code): Path<String>,
    Form(form): Form<AdjustForm>,
) -> Result<Response, WebError> {
    let v = work::adjust(&state, &current, &code, &form.reason).await?;
    Ok(crate::page::redirect(&format!("/catalog/versions/{}", v.id)).into_response())
}
