//! Window staff records, kept by the bureau: the posting date (a move within two years asks
//! for confirmation, `accounts::administer_staff`) and the training attended.

use chrono::NaiveDate;
use tongban_domain::authz::Permission;
use tongban_domain::hall::staff::Training;
use tongban_store::StaffMember;

use crate::{Actor, App, AppError};

/// Every posting recorded (the bureau's staff list shows them).
pub async fn postings(app: &App, actor: &Actor) -> Result<Vec<(String, NaiveDate)>, AppError> {
    actor.principal.capability(Permission::ManageStaff)?;
    Ok(app.store.postings().await?)
}

/// One staff member's record.
pub async fn record(
    app: &App,
    actor: &Actor,
    staff_id: &str,
) -> Result<(StaffMember, Option<NaiveDate>, Vec<Training>), AppError> {
    let cap = actor.principal.capability(Permission::ManageStaff)?;
    let member = app
        .store
        .list_staff(cap.scope())
        .await?
        .into_iter()
        .find(|s| s.id == staff_id)
        .ok_or(AppError::NotFound)?;
    Ok((
        member,
        app.store.posting_of(staff_id).await?,
        app.store.trainings_of(staff_id).await?,
    ))
}

pub async fn set_posting(
    app: &App,
    actor: &Actor,
    staff_id: &str,
    posted_on: Option<NaiveDate>,
) -> Result<(), AppError> {
    let cap = actor.principal.capability(Permission::ManageStaff)?;
    record(app, actor, staff_id).await?;
    let Some(on) = posted_on.filter(|d| *d <= app.today()) else {
        return Err(AppError::field(
            "posted_on",
            "date",
            "上岗日期须为不晚于今天的日期，例如 2025-03-01",
        ));
    };
    app.store
        .set_posting(app.clock.now(), cap.actor(), staff_id, on)
        .await?;
    Ok(())
}

pub async fn add_training(
    app: &App,
    actor: &Actor,
    staff_id: &str,
    day: Option<NaiveDate>,
    title: &str,
    hours: &str,
) -> Result<(), AppError> {
    let cap = actor.principal.capability(Permission::ManageStaff)?;
    record(app, actor, staff_id).await?;
    let t = Training::parse(day, title, hours, app.today())?;
    app.store
        .add_training(app.clock.now(), cap.actor(), staff_id, &t)
        .await?;
    Ok(())
}
