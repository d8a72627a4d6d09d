//! The bureau defines bundles: a new version drafted from the one in force, its definition
//! edited (JSON in, every problem named by field in Chinese), then the catalog's own
//! lifecycle — legality review by the Justice Bureau, publication by the bureau — with the
//! bundle's checks (references, no cycle, published members in their situations, waits for
//! the licences siblings issue, a promise no shorter than its chain) shown while editing
//! and required to submit and to publish.

use std::sync::Arc;

use tongban_domain::ValidationErrors;
use tongban_domain::authz::Permission;
use tongban_domain::bundle::Bundle;
use tongban_domain::catalog::{ReviewAction, ServiceItem, VersionStatus, next_status};
use tongban_store::{BundleVersion, StoreError};

use crate::{Actor, App, AppError};

/// Who takes each step on a bundle: the bureau drafts, submits and publishes, the legality
/// reviewer approves or returns.
fn permission(action: ReviewAction) -> Permission {
    match action {
        ReviewAction::Submit | ReviewAction::Publish => Permission::PublishItems,
        other => other.permission(),
    }
}

/// A version with what is wrong with it now and what the actor may do.
#[derive(Debug)]
pub struct VersionView {
    pub version: BundleVersion,
    pub status: VersionStatus,
    pub problems: Vec<String>,
    pub actions: Vec<ReviewAction>,
    pub can_edit: bool,
}

/// The bundle's checks against the catalog as published now.
pub fn problems(app: &App, bundle: &Bundle) -> ValidationErrors {
    let mut e = bundle.validate().err().unwrap_or_default();
    let catalog = app.catalog.get();
    let items: Vec<Arc<ServiceItem>> = bundle
        .members
        .iter()
        .filter_map(|m| catalog.get(&m.implementation_code))
        .collect();
    let item_of = |code: &str| {
        items
            .iter()
            .find(|i| i.implementation_code == code)
            .map(Arc::as_ref)
    };
    if let Err(more) = bundle.check_members(item_of) {
        e.errors.extend(more.errors);
    }
    e
}

fn described(e: &ValidationErrors) -> Vec<String> {
    e.errors
        .iter()
        .map(|x| format!("{}（{}）", x.message, x.field))
        .collect()
}

/// The versions waiting for the actor: in review for a legality reviewer, approved (to
/// publish) and returned (to mend) for the bureau.
pub async fn queue(app: &App, actor: &Actor) -> Result<Vec<BundleVersion>, AppError> {
    actor.principal.capability(Permission::ViewCatalogWork)?;
    let mut out = Vec::new();
    if actor.principal.capability(Permission::ReviewItems).is_ok() {
        out.extend(
            app.store
                .bundle_versions_in(VersionStatus::InReview)
                .await?,
        );
    }
    if actor.principal.capability(Permission::PublishItems).is_ok() {
        for s in [VersionStatus::Approved, VersionStatus::Returned] {
            out.extend(app.store.bundle_versions_in(s).await?);
        }
    }
    Ok(out)
}

/// Whether the actor may draft bundle versions (the bureau).
pub fn may_draft(actor: &Actor) -> bool {
    actor.principal.capability(Permission::PublishItems).is_ok()
}

/// Every version of a bundle, newest first.
pub async fn versions(
    app: &App,
    actor: &Actor,
    code: &str,
) -> Result<Vec<BundleVersion>, AppError> {
    actor.principal.capability(Permission::ViewCatalogWork)?;
    let v = app.store.bundle_versions(code).await?;
    if v.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(v)
}

/// A version as the editor and the reviewers see it.
pub async fn version(app: &App, actor: &Actor, id: &str) -> Result<VersionView, AppError> {
    actor.principal.capability(Permission::ViewCatalogWork)?;
    let version = match app.store.bundle_version(id).await {
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    let status = version.status()?;
    let problems = described(&problems(app, &version.bundle()?));
    let actions = [
        ReviewAction::Submit,
        ReviewAction::Approve,
        ReviewAction::Return,
        ReviewAction::Publish,
    ]
    .into_iter()
    .filter(|a| {
        next_status(status, *a, "意见").is_ok()
            && actor.principal.capability(permission(*a)).is_ok()
    })
    .collect();
    Ok(VersionView {
        can_edit: status.editable() && actor.principal.capability(Permission::PublishItems).is_ok(),
        version,
        status,
        problems,
        actions,
    })
}

/// A new draft from the version in force (the bureau); one open version at a time.
pub async fn new_draft(app: &App, actor: &Actor, code: &str) -> Result<BundleVersion, AppError> {
    let cap = actor.principal.capability(Permission::PublishItems)?;
    let published = match app.store.published_bundle(code).await {
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    match app
        .store
        .create_bundle_draft(app.clock.now(), cap.actor(), &published.bundle()?)
        .await
    {
        Err(StoreError::Conflict(_)) => Err(AppError::Refused {
            code: "open_version",
            detail: "该一件事已有未发布的版本，请先处理该版本".into(),
        }),
        other => Ok(other?),
    }
}

/// Saves an edited definition. The code cannot change here; the checks are shown on the
/// version and required when it is submitted.
pub async fn save(app: &App, actor: &Actor, id: &str, document: &str) -> Result<(), AppError> {
    let cap = actor.principal.capability(Permission::PublishItems)?;
    let v = match app.store.bundle_version(id).await {
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    let status = v.status()?;
    if !status.editable() {
        return Err(AppError::Refused {
            code: "not_editable",
            detail: format!("“{}”状态的版本不能修改", status.label()),
        });
    }
    let bundle: Bundle = serde_json::from_str(document).map_err(|e| {
        AppError::field(
            "document",
            "json",
            &format!("第 {} 行第 {} 列附近格式有误：{e}", e.line(), e.column()),
        )
    })?;
    if bundle.code != v.code {
        return Err(AppError::field(
            "document",
            "fixed",
            "一件事编码不能在此修改",
        ));
    }
    match app
        .store
        .update_bundle_draft(app.clock.now(), cap.actor(), id, status, &bundle)
        .await
    {
        Err(StoreError::Conflict(_)) => Err(AppError::Refused {
            code: "version_transition",
            detail: "该版本刚被他人处理，请刷新后查看".into(),
        }),
        other => Ok(other?),
    }
}

/// A lifecycle step; submitting and publishing need a definition without problems.
pub async fn act(
    app: &App,
    actor: &Actor,
    id: &str,
    action: ReviewAction,
    comment: &str,
) -> Result<(), AppError> {
    actor.principal.capability(Permission::ViewCatalogWork)?;
    let v = match app.store.bundle_version(id).await {
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    let cap = actor.principal.capability(permission(action))?;
    let from = v.status()?;
    let to = next_status(from, action, comment).map_err(|e| AppError::Refused {
        code: "version_transition",
        detail: e.to_string(),
    })?;
    if matches!(action, ReviewAction::Submit | ReviewAction::Publish) {
        let e = problems(app, &v.bundle()?);
        if !e.is_empty() {
            return Err(AppError::Refused {
                code: "version_incomplete",
                detail: format!("不能{}：{}", action.label(), described(&e).join("；")),
            });
        }
    }
    match app
        .store
        .transition_bundle_version(app.clock.now(), cap.actor(), id, from, to, comment.trim())
        .await
    {
        Err(StoreError::Conflict(_)) => Err(AppError::Refused {
            code: "version_transition",
            detail: "该版本刚被他人处理，请刷新后查看".into(),
        }),
        other => Ok(other?),
    }
}
