//! 好差评, 整改, 12345 and 办不成事 (issue 12): the use cases behind the pages and the API.
//! `evaluations`: rating a case (the applicant, the counter tablet's link, the hotline) and
//! anonymous hall ratings; `rectifications`: the loop a bad rating opens; `tickets`: the
//! hotline; `problems`: the 办不成事 desk. Each checks who is asking, asks the domain's state
//! machine and records the step with its entry, audit row and messages.

pub mod evaluations;
pub mod problems;
pub mod rectifications;
pub mod tickets;

use tongban_domain::authz::{FeedbackReach, Permission};
use tongban_domain::feedback::rectification::DEFAULT_RECTIFY_WORKING_DAYS;

use crate::{Actor, App, AppError};

/// The bureau's setting of the days a department has to rectify or explain.
pub const RECTIFY_DAYS_KEY: &str = "rectify_working_days";

/// What the actor's lists cover: staff with `ViewFeedback` by their reach.
pub(crate) fn reach(actor: &Actor) -> Result<FeedbackReach, AppError> {
    actor.principal.capability(Permission::ViewFeedback)?;
    Ok(FeedbackReach::of(&actor.principal))
}

/// Working days to rectify or explain, as the bureau set them.
pub async fn rectify_working_days(app: &App) -> Result<u32, AppError> {
    Ok(app
        .store
        .feedback_setting(RECTIFY_DAYS_KEY)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_RECTIFY_WORKING_DAYS))
}

/// The bureau sets the days to rectify (1 to 60 working days).
pub async fn set_rectify_working_days(
    app: &App,
    actor: &Actor,
    days: &str,
) -> Result<u32, AppError> {
    let cap = actor.principal.capability(Permission::SuperviseFeedback)?;
    let n: u32 = days
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=60).contains(n))
        .ok_or_else(|| AppError::field("days", "invalid", "整改时限应为 1 至 60 个工作日"))?;
    app.store
        .set_feedback_setting(
            app.clock.now(),
            cap.actor(),
            RECTIFY_DAYS_KEY,
            &n.to_string(),
        )
        .await?;
    Ok(n)
}

/// Marks rectifications and tickets past their time as escalated (a job of every `serve`).
pub async fn escalate_overdue(app: &App) -> Result<u64, AppError> {
    let now = app.clock.now();
    let today = app.today();
    Ok(app
        .store
        .escalate_overdue_rectifications(now, today)
        .await?
        + app.store.escalate_overdue_tickets(now, today).await?)
}
