//! The audit trail as the bureau and supervisors read it: the latest entries and whether the
//! hash chain holds.

use tongban_domain::authz::Permission;
use tongban_store::AuditReport;

use crate::{Actor, App, AppError};

/// The chain's check and the newest `limit` entries.
pub async fn trail(
    app: &App,
    actor: &Actor,
    limit: i64,
) -> Result<(AuditReport, Vec<tongban_domain::audit::AuditEntry>), AppError> {
    actor.principal.capability(Permission::ViewAuditTrail)?;
    let report = app.store.verify_audit().await?;
    let rows = app.store.recent_audit(limit, None).await?;
    Ok((report, rows))
}
