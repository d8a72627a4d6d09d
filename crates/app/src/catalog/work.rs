//! Catalog work as use cases: drafting an implementation list from an upper-level entry,
//! editing it, legality review, publication and adjustment, history and diffs.
//!
//! Every transition is decided by `tongban_domain::catalog::next_status`; submission and
//! publication also need `ServiceItem::validate`, and publication `four_sames`. Departments
//! act only on their own items (scope); the Justice Bureau reviews; the Approval Services
//! Bureau publishes.

use tongban_domain::authz::{Capability, Permission};
use tongban_domain::catalog::{
    CatalogEntry, FieldChange, ItemList, LifecycleError, ReviewAction, ServiceItem, VersionStatus,
    diff, four_sames, next_status,
};
use tongban_domain::codes::CreditCode;
use tongban_store::{ItemVersion, StoreError};

use crate::{Actor, App, AppError};

/// The version if it lies within the capability's scope, else not found (no hint it exists).
async fn version_in_scope(app: &App, cap: &Capability, id: &str) -> Result<ItemVersion, AppError> {
    let v = app.store.item_version(id).await?;
    if cap.scope().covers(&v.org_path) {
        Ok(v)
    } else {
        Err(AppError::NotFound)
    }
}

/// The actor's catalog work: versions to finish, to review, to publish.
#[derive(Debug)]
pub struct Work {
    pub drafts: Vec<ItemVersion>,
    pub in_review: Vec<ItemVersion>,
    pub approved: Vec<ItemVersion>,
    pub published: usize,
    pub can_draft: bool,
}

pub async fn work(app: &App, actor: &Actor) -> Result<Work, AppError> {
    let cap = actor.principal.capability(Permission::ViewCatalogWork)?;
    let scope = cap.scope();
    Ok(Work {
        drafts: app
            .store
            .versions_in(&[VersionStatus::Draft, VersionStatus::Returned], scope)
            .await?,
        in_review: app
            .store
            .versions_in(&[VersionStatus::InReview], scope)
            .await?,
        approved: app
            .store
            .versions_in(&[VersionStatus::Approved], scope)
            .await?,
        published: app.catalog.get().len(),
        can_draft: actor.principal.capability(Permission::DraftItems).is_ok(),
    })
}

/// A page of upper-level entries matching `q`, with the total.
pub async fn entries(
    app: &App,
    actor: &Actor,
    q: &str,
    per_page: i64,
    offset: i64,
) -> Result<(Vec<CatalogEntry>, i64), AppError> {
    actor.principal.capability(Permission::ViewCatalogWork)?;
    Ok(app.store.catalog_entries(q, per_page, offset).await?)
}

/// A first draft of the implementation list for an upper-level entry, implemented by the
/// drafter's own unit: the four fixed elements come from the entry, the rest is to fill in.
pub async fn draft_from_entry(
    app: &App,
    actor: &Actor,
    catalog_code: &str,
) -> Result<ItemVersion, AppError> {
    let cap = actor.principal.capability(Permission::DraftItems)?;
    let account = actor.account()?;
    let entry = app.store.catalog_entry(catalog_code).await?;
    let org = app
        .store
        .org_unit(account.org_unit_id.as_deref().ok_or(AppError::Forbidden)?)
        .await?;
    let credit = org
        .credit_code
        .as_deref()
        .and_then(|c| CreditCode::parse(c).ok())
        .ok_or_else(|| AppError::Refused {
            code: "no_credit_code",
            detail: format!("{} 没有统一社会信用代码，无法生成实施编码", org.name),
        })?;
    let item = ServiceItem::draft(&entry, &credit, org.level(), &org.code, &org.name);
    match app
        .store
        .create_draft(app.clock.now(), cap.actor(), &item, "")
        .await
    {
        Err(StoreError::Conflict(_)) => Err(AppError::Refused {
            code: "open_version",
            detail: "该事项已有未完成的版本，请先完成或查看该版本".into(),
        }),
        other => Ok(other?),
    }
}

/// A version with what stands in its way and what the actor may do with it now.
#[derive(Debug)]
pub struct VersionReview {
    pub version: ItemVersion,
    /// Completeness and 四级四同 problems, as "field：message".
    pub problems: Vec<String>,
    /// Changes against the published version, if another one is published.
    pub changes: Vec<FieldChange>,
    pub can_edit: bool,
    /// The review steps the status allows and the actor's role and scope cover.
    pub actions: Vec<ReviewAction>,
}

pub async fn review(app: &App, actor: &Actor, id: &str) -> Result<VersionReview, AppError> {
    let cap = actor.principal.capability(Permission::ViewCatalogWork)?;
    let v = version_in_scope(app, &cap, id).await?;
    let mut problems: Vec<String> = match v.item.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e
            .errors
            .iter()
            .map(|x| format!("{}：{}", x.field, x.message))
            .collect(),
    };
    if let Ok(entry) = app.store.catalog_entry(&v.item.catalog_code).await
        && let Err(e) = four_sames(&entry, &v.item)
    {
        problems.extend(
            e.errors
                .iter()
                .map(|x| format!("四级四同 {}：{}", x.field, x.message)),
        );
    }
    let changes = match app.store.published_item(&v.implementation_code).await {
        Ok(p) if p.version_id != v.id => diff(&p.item, &v.item),
        _ => Vec::new(),
    };
    let p = &actor.principal;
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
    .collect();
    Ok(VersionReview {
        can_edit: v.status.editable() && scope_ok(Permission::DraftItems),
        problems,
        changes,
        actions,
        version: v,
    })
}

/// Takes a review step on a version. Refusals (the status does not allow it, a comment is
/// missing, the list is incomplete or disagrees with the upper catalog, someone else moved
/// it first) say why.
pub async fn act(
    app: &App,
    actor: &Actor,
    id: &str,
    action: ReviewAction,
    comment: &str,
) -> Result<ItemVersion, AppError> {
    let cap = actor.principal.capability(action.permission())?;
    let v = version_in_scope(app, &cap, id).await?;
    let next = next_status(v.status, action, comment).map_err(|e| match e {
        LifecycleError::NotAllowed { .. } | LifecycleError::CommentRequired => AppError::Refused {
            code: "version_transition",
            detail: e.to_string(),
        },
    })?;
    // A version goes to review, and out to the public, only when it is complete and agrees
    // with the upper-level catalog.
    if matches!(action, ReviewAction::Submit | ReviewAction::Publish) {
        let mut errors = v.item.validate().err().unwrap_or_default();
        if action == ReviewAction::Publish {
            let entry = app.store.catalog_entry(&v.item.catalog_code).await?;
            if let Err(e) = four_sames(&entry, &v.item) {
                errors.errors.extend(e.errors);
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Refused {
                code: "version_incomplete",
                detail: format!(
                    "不能{}：{}",
                    action.label(),
                    errors
                        .errors
                        .iter()
                        .map(|e| format!("{}（{}）", e.message, e.field))
                        .collect::<Vec<_>>()
                        .join("；")
                ),
            });
        }
    }
    match app
        .store
        .transition_version(
            app.clock.now(),
            cap.actor(),
            &v.id,
            v.status,
            next,
            comment.trim(),
        )
        .await
    {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Refused {
                code: "version_transition",
                detail: "该版本刚被他人处理，请刷新后查看".into(),
            });
        }
        other => other?,
    }
    if next == VersionStatus::Published {
        // Searchable at once on this instance; the others follow the generation counter.
        app.catalog.refresh(&app.store).await?;
    }
    Ok(v)
}

/// A version the actor may edit now.
pub async fn editable(app: &App, actor: &Actor, id: &str) -> Result<ItemVersion, AppError> {
    let cap = actor.principal.capability(Permission::DraftItems)?;
    let v = version_in_scope(app, &cap, id).await?;
    if !v.status.editable() {
        return Err(AppError::Refused {
            code: "not_editable",
            detail: format!("“{}”状态的版本不能修改", v.status.label()),
        });
    }
    Ok(v)
}

/// Saves an edited implementation list (its JSON document). The codes and the implementing
/// unit cannot be changed here; completeness is checked when the draft is submitted.
pub async fn save(
    app: &App,
    actor: &Actor,
    id: &str,
    document: &str,
) -> Result<ItemVersion, AppError> {
    let v = editable(app, actor, id).await?;
    let cap = actor.principal.capability(Permission::DraftItems)?;
    let item = serde_json::from_str::<ServiceItem>(document).map_err(|e| {
        AppError::field(
            "document",
            "json",
            &format!("第 {} 行第 {} 列附近格式有误：{e}", e.line(), e.column()),
        )
    })?;
    if item.implementation_code != v.item.implementation_code
        || item.catalog_code != v.item.catalog_code
        || item.org_code != v.item.org_code
    {
        return Err(AppError::field(
            "document",
            "fixed",
            "实施编码、基本编码和实施主体不能在此修改",
        ));
    }
    app.store
        .update_draft(app.clock.now(), cap.actor(), &v.id, v.status, &item)
        .await?;
    Ok(v)
}

/// An item's versions, newest first, with what the actor may do.
#[derive(Debug)]
pub struct History {
    pub versions: Vec<ItemVersion>,
    pub can_adjust: bool,
    pub lists: Vec<ItemList>,
}

pub async fn history(app: &App, actor: &Actor, code: &str) -> Result<History, AppError> {
    let cap = actor.principal.capability(Permission::ViewCatalogWork)?;
    let versions: Vec<ItemVersion> = app
        .store
        .item_history(code)
        .await?
        .into_iter()
        .filter(|v| cap.scope().covers(&v.org_path))
        .collect();
    let first = versions.first().ok_or(AppError::NotFound)?;
    let can_adjust = first.status == VersionStatus::Published
        && actor
            .principal
            .capability(Permission::DraftItems)
            .is_ok_and(|c| c.scope().covers(&first.org_path));
    let lists = ItemList::ALL
        .into_iter()
        .filter(|l| l.includes(&first.item))
        .collect();
    Ok(History {
        versions,
        can_adjust,
        lists,
    })
}

/// Two versions of one item, for a diff.
pub async fn pair(
    app: &App,
    actor: &Actor,
    code: &str,
    from: &str,
    to: &str,
) -> Result<(ItemVersion, ItemVersion), AppError> {
    let cap = actor.principal.capability(Permission::ViewCatalogWork)?;
    let a = version_in_scope(app, &cap, from).await?;
    let b = version_in_scope(app, &cap, to).await?;
    if a.implementation_code != code || b.implementation_code != code {
        return Err(AppError::NotFound);
    }
    Ok((a, b))
}

/// 动态调整: a department's change request to a published item, as a new draft version.
pub async fn adjust(
    app: &App,
    actor: &Actor,
    code: &str,
    reason: &str,
) -> Result<ItemVersion, AppError> {
    let cap = actor.principal.capability(Permission::DraftItems)?;
    let published = app.store.published_item(code).await?;
    let current = app.store.item_version(&published.version_id).await?;
    if !cap.scope().covers(&current.org_path) {
        return Err(AppError::NotFound);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field(
            "reason",
            "required",
            "请写明调整理由（法律法规调整、业务变化等）",
        ));
    }
    match app
        .store
        .create_draft(app.clock.now(), cap.actor(), &published.item, reason)
        .await
    {
        Err(StoreError::Conflict(_)) => Err(AppError::Refused {
            code: "open_version",
            detail: "该事项已有未完成的调整，请先完成该版本".into(),
        }),
        other => Ok(other?),
    }
}
