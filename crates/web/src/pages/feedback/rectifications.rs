//! Rectification tasks: the department's and the bureau's lists (overdue in red), a task's
//! record with the forms of the steps the viewer may take, and the rater's view of it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use tongban_app::feedback::rectifications::{self, TaskFile};
use tongban_domain::feedback::evaluation::{Level, Stage};
use tongban_domain::feedback::rectification::{Outcome, RectificationActor, RectificationStatus};
use tongban_domain::mask::{mask_name, mask_phone};
use tongban_store::RectificationQuery;

use super::{Pairs, one, step_error, urgency_class, with_status};
use crate::auth::Current;
use crate::page::{Ctx, local_time, render};
use crate::{AppState, WebError};

pub struct ListRow {
    pub id: String,
    pub case_no: String,
    pub item_name: String,
    pub department: String,
    pub level: &'static str,
    pub status: &'static str,
    pub verify_due: String,
    pub answer_due: String,
    pub class: &'static str,
    pub escalated: bool,
}

#[derive(Template)]
#[template(path = "feedback/rectifications.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<ListRow>,
    show: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Query(pairs): Query<Pairs>,
) -> Result<Response, WebError> {
    let show = one(&pairs, "show");
    let q = RectificationQuery {
        open_only: show.is_empty(),
        escalated_only: show == "escalated",
        limit: 200,
        ..Default::default()
    };
    let rows = rectifications::list(&state, &current, &q)
        .await?
        .into_iter()
        .map(|t| {
            let overdue = rectifications::is_overdue(&state, &t);
            ListRow {
                class: urgency_class(overdue, t.escalated_at.is_some()),
                escalated: t.escalated_at.is_some(),
                level: Level::from_number(t.level).map_or("", Level::label),
                status: RectificationStatus::parse(&t.status)
                    .map_or("", RectificationStatus::label),
                id: t.id,
                case_no: t.case_no,
                item_name: t.item_name,
                department: t.org_name,
                verify_due: t.verify_due,
                answer_due: t.answer_due,
            }
        })
        .collect();
    render(&ListPage { ctx, rows, show })
}

#[derive(Template)]
#[template(path = "feedback/rectification.html")]
struct FilePage {
    ctx: Ctx,
    f: TaskFile,
    action: String,
    status: &'static str,
    level: &'static str,
    stage: &'static str,
    rater: String,
    phone: String,
    /// The forms the viewer may use: (action, button label, asks for an outcome).
    steps: Vec<(&'static str, &'static str, bool)>,
    outcomes: Vec<(&'static str, &'static str)>,
    events: Vec<(String, String, String, &'static str, String)>,
    form_error: Option<String>,
    is_rater: bool,
    /// What was typed into a refused step's form: (action, outcome, note).
    kept: (String, String, String),
    additions: Vec<(String, String, String)>,
}

impl FilePage {
    /// The note typed into `action`'s form before it was refused.
    fn kept_note(&self, action: &str) -> &str {
        if self.kept.0 == action {
            &self.kept.2
        } else {
            ""
        }
    }

    fn kept_outcome(&self, action: &str, outcome: &str) -> bool {
        self.kept.0 == action && self.kept.1 == outcome
    }
}

fn steps_for(f: &TaskFile) -> Vec<(&'static str, &'static str, bool)> {
    use RectificationStatus as S;
    let mut out = Vec::new();
    match (f.role, f.status) {
        (
            Some(RectificationActor::Department | RectificationActor::Bureau),
            S::AwaitingVerification,
        ) => {
            out.push(("verify", "记录回访核实", false));
        }
        (Some(RectificationActor::Department | RectificationActor::Bureau), S::Rectifying) => {
            out.push(("answer", "记录整改或解释说明", true));
        }
        (
            Some(RectificationActor::Department | RectificationActor::Bureau),
            S::AwaitingFeedback,
        ) => {
            out.push(("feedback", "记录向评价人反馈", false));
        }
        (Some(RectificationActor::Rater), S::AwaitingRater) => {
            out.push(("accept", "认可处理结果", false));
            if f.task.appealed == 0 {
                out.push(("appeal", "不认可，申诉（仅一次）", false));
            }
        }
        _ => {}
    }
    if f.role == Some(RectificationActor::Bureau)
        && matches!(f.status, S::AwaitingRater | S::AwaitingReview)
        && f.may_close
    {
        out.push(("close", "审核通过，办结", false));
        out.push(("return", "退回重新整改", false));
    }
    if f.role.is_some() && f.status != S::Closed {
        out.push(("note", "补充说明（更正以新记录方式保存）", false));
    }
    out
}

fn action_label(a: &str) -> &'static str {
    match a {
        "open" => "生成整改任务",
        "verify" => "回访核实",
        "answer" => "整改或解释说明",
        "feedback" => "向评价人反馈",
        "accept" => "评价人认可",
        "appeal" => "评价人申诉",
        "close" => "审核办结",
        "return" => "退回重新整改",
        "escalate" => "逾期督办",
        _ => "补充说明",
    }
}

fn file_page(
    ctx: Ctx,
    f: TaskFile,
    base: &str,
    form_error: Option<String>,
    kept: (String, String, String),
) -> FilePage {
    let is_rater = f.role == Some(RectificationActor::Rater);
    FilePage {
        kept,
        additions: f
            .additions
            .iter()
            .map(|(at, reasons, comment)| (local_time(*at), reasons.join("、"), comment.clone()))
            .collect(),
        ctx,
        action: format!("{base}/{}", f.task.id),
        status: f.status.label(),
        level: Level::from_number(f.task.level).map_or("", Level::label),
        stage: Stage::parse(&f.task.stage).map_or("", Stage::label),
        rater: if is_rater {
            f.task.rater_name.clone()
        } else {
            mask_name(&f.task.rater_name)
        },
        // The department calls the rater back: it needs the number; lists never show it.
        phone: match f.role {
            Some(RectificationActor::Department | RectificationActor::Bureau) => f
                .task
                .rater_phone
                .clone()
                .unwrap_or_else(|| "（未登记手机号码）".into()),
            _ => f
                .task
                .rater_phone
                .as_deref()
                .map(mask_phone)
                .unwrap_or_default(),
        },
        steps: steps_for(&f),
        outcomes: vec![
            (Outcome::Rectified.as_str(), Outcome::Rectified.label()),
            (Outcome::Explained.as_str(), Outcome::Explained.label()),
        ],
        events: f
            .events
            .iter()
            .map(|e| {
                (
                    local_time(e.at),
                    e.actor_name.clone().unwrap_or_else(|| "系统".into()),
                    action_label(&e.action).into(),
                    RectificationStatus::parse(&e.status_after)
                        .map_or("", RectificationStatus::label),
                    e.note.clone(),
                )
            })
            .collect(),
        form_error,
        is_rater,
        f,
    }
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    id: &str,
    base: &str,
) -> Result<Response, WebError> {
    let f = rectifications::file(state, current, id).await?;
    render(&file_page(ctx, f, base, None, Default::default()))
}

pub async fn staff_file(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    show(&state, ctx, &current, &id, "/staff/rectifications").await
}

pub async fn rater_file(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    show(&state, ctx, &current, &id, "/me/rectifications").await
}

async fn step(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    id: &str,
    base: &str,
    pairs: &Pairs,
) -> Result<Response, WebError> {
    let action = crate::api::rectification_action(
        &one(pairs, "action"),
        one(pairs, "outcome"),
        one(pairs, "note"),
    )?;
    match rectifications::act(state, current, id, action).await {
        Ok(_) => Ok(crate::page::redirect(&format!("{base}/{id}")).into_response()),
        Err(e) => {
            let (status, message) = step_error(e.into())?;
            let f = rectifications::file(state, current, id).await?;
            Ok(with_status(
                render(&file_page(
                    ctx,
                    f,
                    base,
                    Some(message),
                    (
                        one(pairs, "action"),
                        one(pairs, "outcome"),
                        one(pairs, "note"),
                    ),
                ))?,
                status,
            ))
        }
    }
}

pub async fn staff_step(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    step(&state, ctx, &current, &id, "/staff/rectifications", &pairs).await
}

pub async fn rater_step(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    step(&state, ctx, &current, &id, "/me/rectifications", &pairs).await
}
