//! The audit trail as the bureau and supervisors read it: the latest entries and whether the
//! hash chain holds.

pub mod checkpoints;

use tongban_domain::authz::Permission;
use tongban_store::AuditReport;

use crate::{Actor, App, AppError};

/// The chain's check and the newest `limit` entries, with who their actors are.
pub struct Trail {
    pub report: AuditReport,
    pub rows: Vec<tongban_domain::audit::AuditEntry>,
    /// Actor id → name (empty when the actor is not an account).
    pub names: std::collections::HashMap<String, String>,
}

pub async fn trail(app: &App, actor: &Actor, limit: i64) -> Result<Trail, AppError> {
    actor.principal.capability(Permission::ViewAuditTrail)?;
    // Against the sealed checkpoints where this instance holds the audit key.
    let report = match checkpoints::verify(app, None, &[]).await {
        Err(AppError::Refused { .. }) => app.store.verify_audit().await?,
        other => other?,
    };
    let rows = app.store.recent_audit(limit, None).await?;
    let names =
        crate::accounts::display_names(app, rows.iter().map(|r| r.actor.clone()).collect()).await?;
    Ok(Trail {
        report,
        rows,
        names,
    })
}
