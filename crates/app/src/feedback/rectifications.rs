//! The rectification loop: who is acting decides their part (the rated department, the
//! rater, the bureau), the domain decides the step, the store records it guarded by the
//! status it was decided on.

use tongban_domain::authz::{FeedbackReach, Permission};
use tongban_domain::feedback::rectification::{
    self, RectificationAction, RectificationActor, RectificationError, RectificationStatus,
    TaskState,
};
use tongban_store::{
    FeedbackEvent, Notice, RectificationChange, RectificationQuery, RectificationRecord,
};

use super::{reach, rectify_working_days};
use crate::{Actor, App, AppError};

/// A task with its record, and what the actor may do now.
#[derive(Debug, Clone)]
pub struct TaskFile {
    pub task: RectificationRecord,
    pub status: RectificationStatus,
    pub events: Vec<FeedbackEvent>,
    /// The part the actor plays in this task, if any.
    pub role: Option<RectificationActor>,
    pub overdue: bool,
    /// The rating's reasons, as their labels.
    pub reasons: Vec<String>,
    /// What the rater added later (追加评价): when, reasons (labels), comment.
    pub additions: Vec<(chrono::DateTime<chrono::Utc>, Vec<String>, String)>,
    /// The bureau may close now (the rater accepted, or let their time pass).
    pub may_close: bool,
}

/// The part the actor plays in a task, or `None` when it is not theirs to see.
fn role_in(actor: &Actor, task: &RectificationRecord) -> Option<Option<RectificationActor>> {
    if actor
        .account
        .as_ref()
        .is_some_and(|a| a.id == task.rater_id)
    {
        return Some(Some(RectificationActor::Rater));
    }
    let reach = FeedbackReach::of(&actor.principal);
    if actor
        .principal
        .capability(Permission::SuperviseFeedback)
        .is_ok()
    {
        return Some(Some(RectificationActor::Bureau));
    }
    if !reach.covers(Some(&task.org_path), task.intake_path.as_deref()) {
        return None;
    }
    let department = actor
        .principal
        .capability(Permission::RespondToFeedback)
        .is_ok()
        && reach.handling.covers(&task.org_path);
    Some(department.then_some(RectificationActor::Department))
}

fn status_of(task: &RectificationRecord) -> Result<RectificationStatus, AppError> {
    RectificationStatus::parse(&task.status).ok_or_else(|| {
        AppError::internal(tongban_store::StoreError::Corrupt(format!(
            "整改状态 {}",
            task.status
        )))
    })
}

fn overdue(app: &App, task: &RectificationRecord, status: RectificationStatus) -> bool {
    let parse = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    match (parse(&task.verify_due), parse(&task.answer_due)) {
        (Some(v), Some(a)) => rectification::is_overdue(status, v, a, app.today()),
        _ => false,
    }
}

pub async fn file(app: &App, actor: &Actor, id: &str) -> Result<TaskFile, AppError> {
    actor.account()?;
    let task = app.store.rectification(id).await?;
    let role = role_in(actor, &task).ok_or(AppError::NotFound)?;
    let status = status_of(&task)?;
    let events = app
        .store
        .feedback_events(&format!("rectification:{id}"))
        .await?;
    let known = super::evaluations::all_reasons(app).await?;
    let labels = |codes: Vec<String>| -> Vec<String> {
        codes
            .into_iter()
            .map(|c| {
                known
                    .iter()
                    .find(|k| k.code == c)
                    .map_or(c, |k| k.label.clone())
            })
            .collect()
    };
    let additions = app
        .store
        .evaluation_additions(&task.evaluation_id)
        .await?
        .into_iter()
        .map(|a| {
            let codes: Vec<String> = serde_json::from_str(&a.reasons).unwrap_or_default();
            (a.at, labels(codes), a.comment)
        })
        .collect();
    let state = task_state(app, &task, status);
    Ok(TaskFile {
        overdue: overdue(app, &task, status),
        reasons: labels(serde_json::from_str(&task.reasons).unwrap_or_default()),
        additions,
        may_close: status == RectificationStatus::AwaitingReview
            || (status == RectificationStatus::AwaitingRater && state.rater_lapsed),
        task,
        status,
        events,
        role,
    })
}

/// The task's state as the domain judges a step on it.
fn task_state(app: &App, task: &RectificationRecord, status: RectificationStatus) -> TaskState {
    let told_on = tongban_domain::calendar::district_date(task.updated_at);
    TaskState {
        status,
        appealed: task.appealed != 0,
        rater_lapsed: rectification::rater_lapsed(&app.calendar.get(), told_on, app.today()),
    }
}

fn refused(e: RectificationError) -> AppError {
    match e {
        RectificationError::Invalid(v) => AppError::Validation(v),
        RectificationError::NotYours(_) => AppError::Forbidden,
        other => AppError::Refused {
            code: "rectification_step",
            detail: other.to_string(),
        },
    }
}

/// Takes a step of the loop; returns the task as it then stands.
pub async fn act(
    app: &App,
    actor: &Actor,
    id: &str,
    action: RectificationAction,
) -> Result<TaskFile, AppError> {
    let account = actor.account()?;
    let task = app.store.rectification(id).await?;
    let role = role_in(actor, &task).ok_or(AppError::NotFound)?;
    // A note is anyone's of the loop; the bureau also takes the department's steps when
    // it must (a department without staff on the platform).
    let by = match (role, action.actor()) {
        (Some(RectificationActor::Bureau), Some(RectificationActor::Department)) => {
            RectificationActor::Department
        }
        (Some(r), _) => r,
        (None, _) => return Err(AppError::Forbidden),
    };
    let status = status_of(&task)?;
    let state = task_state(app, &task, status);
    let step = rectification::step(state, by, &action).map_err(refused)?;
    let answer_due = if step.restart_answer_clock {
        Some(
            app.calendar
                .get()
                .add_working_days(app.today(), rectify_working_days(app).await?),
        )
    } else {
        None
    };
    let notices = if step.tell_rater {
        vec![Notice {
            recipient: task.rater_id.clone(),
            subject: format!("您对“{}”的评价有了反馈", task.item_name),
            body: format!(
                "{}：{}。如对处理结果不满意，可在评价记录中申诉一次。",
                action.label(),
                action.note().trim()
            ),
            link: format!("/me/rectifications/{id}"),
        }]
    } else {
        Vec::new()
    };
    let changed = app
        .store
        .record_rectification_step(
            app.clock.now(),
            &account.id,
            &RectificationChange {
                id: id.into(),
                from_status: status.as_str().into(),
                to_status: step.state.status.as_str().into(),
                appealed: step.state.appealed,
                outcome: step.outcome.map(|o| o.as_str().into()),
                answer_due,
                action: action.as_str().into(),
                note: action.note().trim().into(),
                notices,
            },
        )
        .await?;
    if !changed {
        return Err(AppError::Refused {
            code: "rectification_step",
            detail: "整改任务刚刚被他人办理，请刷新后再试".into(),
        });
    }
    file(app, actor, id).await
}

/// Tasks within the actor's reach.
pub async fn list(
    app: &App,
    actor: &Actor,
    q: &RectificationQuery,
) -> Result<Vec<RectificationRecord>, AppError> {
    let reach = reach(actor)?;
    Ok(app.store.list_rectifications(&reach, q).await?)
}

/// Whether a listed task is overdue today (for colouring lists).
pub fn is_overdue(app: &App, task: &RectificationRecord) -> bool {
    status_of(task).is_ok_and(|s| overdue(app, task, s))
}
