//! The background jobs every `serve` instance runs. Each is safe on any number of instances
//! at once: claims are short-lived, updates are guarded, and refreshes only read.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::App;
use crate::notify::{Senders, run_outbox_worker};

/// Starts every job; abort the handles to stop them.
pub fn spawn_all(app: &App, senders: Senders) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(prune_login_failures(app.clone())),
        tokio::spawn(purge_drafts(app.clone())),
        tokio::spawn(follow_publications(app.clone())),
        tokio::spawn(expire_licences(app.clone())),
        tokio::spawn(seal_audit(app.clone())),
        tokio::spawn(escalate_feedback(app.clone())),
        tokio::spawn(advance_bundles(app.clone())),
        tokio::spawn(record_no_shows(app.clone())),
        tokio::spawn(run_outbox_worker(app.clone(), senders)),
    ]
}

/// Hourly clean-up of expired login-failure windows.
async fn prune_login_failures(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let cutoff = app.clock.now() - chrono::Duration::hours(1);
        if let Err(e) = app.store.prune_login_failures(cutoff).await {
            tracing::warn!(error = %e, "pruning login failures failed");
        }
    }
}

/// Hourly: files kept for application forms nobody finished within two days are deleted
/// (personal papers are not kept without a case to hold them).
async fn purge_drafts(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let cutoff = app.clock.now() - chrono::Duration::days(2);
        if let Err(e) = app.store.purge_drafts(cutoff).await {
            tracing::warn!(error = %e, "purging draft uploads failed");
        }
    }
}

/// Hourly: a sealed checkpoint of the audit trail once a day (`audit::checkpoints`).
async fn seal_audit(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match crate::audit::checkpoints::seal_if_due(&app).await {
            Ok(Some(c)) => tracing::info!(number = c.checkpoint.number, "audit checkpoint sealed"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "sealing the audit checkpoint failed"),
        }
    }
}

/// Every ten minutes: rectification tasks and 12345 tickets past their time are escalated
/// to the bureau (each once; the guarded UPDATE lets any number of instances run it).
async fn escalate_feedback(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match crate::feedback::escalate_overdue(&app).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "overdue feedback escalated"),
            Err(e) => tracing::warn!(error = %e, "escalating overdue feedback failed"),
        }
    }
}

/// Every five minutes: bookings whose slot passed without an arrival are recorded as
/// no-shows (for the hall's planning; nobody is penalised), tomorrow's bookings are reminded
/// (from 15:00, once each), and help requests unanswered
/// past two working days go to the bureau. A guarded UPDATE, so any number
/// of instances may run it.
async fn record_no_shows(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(300));
    loop {
        tick.tick().await;
        if let Err(e) = crate::halls::appointments::record_no_shows(&app).await {
            tracing::warn!(error = %e, "recording no-shows failed");
        }
        if let Err(e) = crate::halls::appointments::remind(&app).await {
            tracing::warn!(error = %e, "reminding bookings failed");
        }
        if let Err(e) = crate::halls::help::escalate(&app).await {
            tracing::warn!(error = %e, "escalating unanswered help requests failed");
        }
    }
}

/// Every ten minutes: bundles whose waiting members may start (`bundles::sweep`); the step
/// that concluded what they need starts them at once, this catches a crash in between.
async fn advance_bundles(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        if let Err(e) = crate::bundles::sweep(&app).await {
            tracing::warn!(error = %e, "advancing bundles failed");
        }
    }
}

/// Marks licences past their last valid day as expired (with audit rows), at start and
/// hourly; verification already reports them expired by date in between.
async fn expire_licences(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = app.clock.now();
        match app.store.expire_licences(now, app.today()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "licences expired"),
            Err(e) => tracing::warn!(error = %e, "expiring licences failed"),
        }
    }
}

/// Picks up items published and holiday arrangements entered through other instances, so
/// every instance answers the same within a few seconds.
async fn follow_publications(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(e) = app.catalog.refresh(&app.store).await {
            tracing::warn!(error = %e, "catalog index refresh failed");
        }
        if let Err(e) = app.calendar.refresh(&app.store).await {
            tracing::warn!(error = %e, "calendar refresh failed");
        }
    }
}
