//! The organisation as people read it: the three-level units, the halls with their windows
//! and hours, and, for staff, the part of it their scope covers.

use tongban_domain::authz::{Permission, Scope};
use tongban_domain::org::{HallKind, OrgUnit};
use tongban_store::{Hall, StaffMember};

use crate::{Actor, App, AppError};

/// Every unit, in tree order (public).
pub async fn units(app: &App) -> Result<Vec<OrgUnit>, AppError> {
    Ok(app.store.list_org_units(&Scope::All).await?)
}

/// Halls of the given kinds (all when empty), with hours and windows (public).
pub async fn halls(app: &App, kinds: &[HallKind]) -> Result<Vec<Hall>, AppError> {
    Ok(app.store.list_halls(kinds, &Scope::All).await?)
}

/// Every hall's id and name (public), for lists' filters.
pub async fn hall_names(app: &App) -> Result<Vec<(String, String)>, AppError> {
    Ok(app.store.hall_names().await?)
}

/// The part of the organisation a staff member's scope covers.
#[derive(Debug)]
pub struct ScopeView {
    pub scope: Scope,
    pub units: Vec<OrgUnit>,
    pub staff: Vec<StaffMember>,
    pub halls: Vec<Hall>,
}

pub async fn scope_of(app: &App, actor: &Actor) -> Result<ScopeView, AppError> {
    let cap = actor.principal.capability(Permission::ViewOrgScope)?;
    let scope = cap.scope();
    Ok(ScopeView {
        units: app.store.list_org_units(scope).await?,
        staff: app.store.list_staff(scope).await?,
        halls: app.store.list_halls(&[], scope).await?,
        scope: scope.clone(),
    })
}

/// Whether the database answers (readiness).
pub async fn ready(app: &App) -> Result<(), AppError> {
    app.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "database not ready");
        AppError::Unavailable
    })
}
