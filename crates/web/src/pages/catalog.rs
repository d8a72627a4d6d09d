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
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tongban_domain::ValidationErrors;
use tongban_domain::authz::{Capability, Permission};
use tongban_domain::catalog::{
    CatalogEntry, FieldChange, ItemList, LifecycleError, ReviewAction, ServiceItem, VersionStatus,
    describe, diff, four_sames, next_status,
};
use tongban_domain::codes::CreditCode;
use tongban_store::{ItemVersion, StoreError};

use crate::auth::Current;
use crate::page::{Ctx, local_time, render};
use crate::{AppState, WebError};

/// The version if it lies within the capability's scope, else 404 (no hint it exists).
async fn version_in_scope(
    state: &AppState,
    cap: &Capability,
    id: &str,
) -> Result<ItemVersion, WebError> {
    let v = state.store.item_version(id).await?;
    if cap.scope().covers(&v.org_path) {
        Ok(v)
    } else {
        Err(WebError::NotFound)
    }
}

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
    let cap = current.principal.capability(Permission::ViewCatalogWork)?;
    let root = cap.scope().root();
    let drafts = state
        .store
        .versions_in(&[VersionStatus::Draft, VersionStatus::Returned], root)
        .await?;
    let in_review = state
        .store
        .versions_in(&[VersionStatus::InReview], root)
        .await?;
    let approved = state
        .store
        .versions_in(&[VersionStatus::Approved], root)
        .await?;
    render(&WorkPage {
        sections: vec![
            ("草稿与退回修改", "drafts", rows(drafts)),
            ("合法性审查中", "in-review", rows(in_review)),
            ("审查通过、待发布", "approved", rows(approved)),
        ],
        published: state.catalog.get().len(),
        can_draft: current.principal.capability(Permission::DraftItems).is_ok(),
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
    current.principal.capability(Permission::ViewCatalogWork)?;
    let per_page = 30;
    let page = query.page.unwrap_or(1).max(1);
    let (entries, total) = state
        .store
        .catalog_entries(&query.q, per_page, (page - 1) * per_page)
        .await?;
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
    let cap = current.principal.capability(Permission::DraftItems)?;
    let account = current.account()?;
    let entry = state.store.catalog_entry(&catalog_code).await?;
    let org = state
        .store
        .org_unit(account.org_unit_id.as_deref().ok_or(WebError::Forbidden)?)
        .await?;
    let credit = org
        .credit_code
        .as_deref()
        .and_then(|c| CreditCode::parse(c).ok())
        .ok_or_else(|| {
            WebError::BadRequest(format!(
                "{} 没有统一社会信用代码，无法生成实施编码",
                org.name
            ))
        })?;
    let item = ServiceItem::draft(&entry, &credit, org.level(), &org.code, &org.name);
    let v = match state
        .store
        .create_draft(state.clock.now(), cap.actor(), &item, "")
        .await
    {
        Err(StoreError::Conflict(_)) => {
            return Err(WebError::Conflict {
                code: "open_version",
                detail: "该事项已有未完成的版本，请先完成或查看该版本".into(),
            });
        }
        other => other?,
    };
    Ok(Redirect::to(&format!("/catalog/versions/{}", v.id)).into_response())
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

fn action_slug(a: ReviewAction) -> &'static str {
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
    v: ItemVersion,
    form_error: Option<String>,
) -> Result<Response, WebError> {
    let mut problems: Vec<String> = match v.item.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e
            .errors
            .iter()
            .map(|x| format!("{}：{}", x.field, x.message))
            .collect(),
    };
    if let Ok(entry) = state.store.catalog_entry(&v.item.catalog_code).await
        && let Err(e) = four_sames(&entry, &v.item)
    {
        problems.extend(
            e.errors
                .iter()
                .map(|x| format!("四级四同 {}：{}", x.field, x.message)),
        );
    }
    let changes = match state.store.published_item(&v.implementation_code).await {
        Ok(p) if p.version_id != v.id => diff(&p.item, &v.item),
        _ => Vec::new(),
    };
    let p = &current.principal;
    let scope_ok = |perm| {
        p.capability(perm)
            .is_ok_and(|c: Capability| c.scope().covers(&v.org_path))
    };
    let actions = [
        ReviewAction::Submit,
        ReviewAction::Approve,
        ReviewAction::Return,
        ReviewAction::Publish,
    ]
    .into_iter()
    .filter(|a| next_status(v.status, *a, "意见").is_ok() && scope_ok(a.permission()))
    .map(|a| (action_slug(a), a.label()))
    .collect();
    let has_error = form_error.is_some();
    let mut res = render(&VersionPage {
        status: v.status.label(),
        elements: describe(&v.item),
        can_edit: v.status.editable() && scope_ok(Permission::DraftItems),
        problems,
        changes,
        actions,
        form_error,
        v,
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
    let cap = current.principal.capability(Permission::ViewCatalogWork)?;
    let v = version_in_scope(&state, &cap, &id).await?;
    version_page(&state, ctx, &current, v, None).await
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    comment: String,
}

/// The version page again, with why the action was refused.
async fn refuse(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    id: &str,
    msg: String,
) -> Result<Response, WebError> {
    let v = state.store.item_version(id).await?;
    version_page(state, ctx, current, v, Some(msg)).await
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
    let cap = current.principal.capability(action.permission())?;
    let v = version_in_scope(&state, &cap, &id).await?;
    let next = match next_status(v.status, action, &form.comment) {
        Ok(n) => n,
        Err(e @ (LifecycleError::NotAllowed { .. } | LifecycleError::CommentRequired)) => {
            return refuse(&state, ctx, &current, &id, e.to_string()).await;
        }
    };
    // A version goes to review, and out to the public, only when it is complete and agrees
    // with the upper-level catalog.
    if matches!(action, ReviewAction::Submit | ReviewAction::Publish) {
        let mut errors = v.item.validate().err().unwrap_or_default();
        if action == ReviewAction::Publish {
            let entry = state.store.catalog_entry(&v.item.catalog_code).await?;
            if let Err(e) = four_sames(&entry, &v.item) {
                errors.errors.extend(e.errors);
            }
        }
        if !errors.is_empty() {
            let msg = format!(
                "不能{}：{}",
                action.label(),
                errors
                    .errors
                    .iter()
                    .map(|e| format!("{}（{}）", e.message, e.field))
                    .collect::<Vec<_>>()
                    .join("；")
            );
            return refuse(&state, ctx, &current, &id, msg).await;
        }
    }
    match state
        .store
        .transition_version(
            state.clock.now(),
            cap.actor(),
            &v.id,
            v.status,
            next,
            form.comment.trim(),
        )
        .await
    {
        Err(StoreError::Conflict(_)) => {
            return refuse(
                &state,
                ctx,
                &current,
                &id,
                "该版本刚被他人处理，请刷新后查看".into(),
            )
            .await;
        }
        other => other?,
    }
    if next == VersionStatus::Published {
        // Searchable at once on this instance; the others follow the generation counter.
        state.catalog.refresh(&state.store).await?;
    }
    Ok(Redirect::to(&format!("/catalog/versions/{}", v.id)).into_response())
}

#[derive(Template)]
#[template(path = "catalog/edit.html")]
struct EditPage {
    ctx: Ctx,
    v: ItemVersion,
    document: String,
    errors: Vec<String>,
}

async fn editable_version(
    state: &AppState,
    current: &Current,
    id: &str,
) -> Result<(Capability, ItemVersion), WebError> {
    let cap = current.principal.capability(Permission::DraftItems)?;
    let v = version_in_scope(state, &cap, id).await?;
    if !v.status.editable() {
        return Err(WebError::Conflict {
            code: "not_editable",
            detail: format!("“{}”状态的版本不能修改", v.status.label()),
        });
    }
    Ok((cap, v))
}

pub async fn edit_version_form(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (_, v) = editable_version(&state, &current, &id).await?;
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
    let (cap, v) = editable_version(&state, &current, &id).await?;
    let mut errors = ValidationErrors::new();
    match serde_json::from_str::<ServiceItem>(&form.document) {
        Err(e) => errors.add(
            "document",
            "json",
            format!("第 {} 行第 {} 列附近格式有误：{e}", e.line(), e.column()),
        ),
        Ok(item) => {
            if item.implementation_code != v.item.implementation_code
                || item.catalog_code != v.item.catalog_code
                || item.org_code != v.item.org_code
            {
                errors.add(
                    "document",
                    "fixed",
                    "实施编码、基本编码和实施主体不能在此修改",
                );
            } else {
                state
                    .store
                    .update_draft(state.clock.now(), cap.actor(), &v.id, v.status, &item)
                    .await?;
                return Ok(Redirect::to(&format!("/catalog/versions/{}", v.id)).into_response());
            }
        }
    }
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
    let cap = current.principal.capability(Permission::ViewCatalogWork)?;
    let history: Vec<ItemVersion> = state
        .store
        .item_history(&code)
        .await?
        .into_iter()
        .filter(|v| cap.scope().covers(&v.org_path))
        .collect();
    let first = history.first().ok_or(WebError::NotFound)?;
    let name = first.item.name.clone();
    let can_adjust = first.status == VersionStatus::Published
        && current
            .principal
            .capability(Permission::DraftItems)
            .is_ok_and(|c| c.scope().covers(&first.org_path));
    let lists = ItemList::ALL
        .into_iter()
        .filter(|l| l.includes(&first.item))
        .collect();
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
    let cap = current.principal.capability(Permission::ViewCatalogWork)?;
    let a = version_in_scope(&state, &cap, &q.from).await?;
    let b = version_in_scope(&state, &cap, &q.to).await?;
    if a.implementation_code != code || b.implementation_code != code {
        return Err(WebError::NotFound);
    }
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
    let cap = current.principal.capability(Permission::DraftItems)?;
    let published = state.store.published_item(&code).await?;
    let current_version = state.store.item_version(&published.version_id).await?;
    if !cap.scope().covers(&current_version.org_path) {
        return Err(WebError::NotFound);
    }
    let reason = form.reason.trim();
    if reason.is_empty() {
        let mut e = ValidationErrors::new();
        e.add(
            "reason",
            "required",
            "请写明调整理由（法律法规调整、业务变化等）",
        );
        return Err(e.into());
    }
    let v = match state
        .store
        .create_draft(state.clock.now(), cap.actor(), &published.item, reason)
        .await
    {
        Err(StoreError::Conflict(_)) => {
            return Err(WebError::Conflict {
                code: "open_version",
                detail: "该事项已有未完成的调整，请先完成该版本".into(),
            });
        }
        other => other?,
    };
    Ok(Redirect::to(&format!("/catalog/versions/{}", v.id)).into_response())
}
