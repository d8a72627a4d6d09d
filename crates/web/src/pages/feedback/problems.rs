//! The 办不成事 desk: a person raises a problem online, or the desk records it for them; the
//! lists; a problem's record with its steps (assign, answer, close, refer).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use tongban_app::feedback::problems::{self, DeskPerson, ProblemFile};
use tongban_domain::ValidationErrors;
use tongban_domain::feedback::desk::{
    ProblemActor, ProblemCategory, ProblemInput, ProblemStatus, Resolution,
};
use tongban_store::ProblemQuery;

use super::{Pairs, one, step_error, summary, urgency_class, with_status};
use crate::auth::Current;
use crate::page::{Ctx, FormField, local_time, render};
use crate::{AppState, WebError};

const LABELS: &[(&str, &str)] = &[
    ("category", "问题类别"),
    ("text", "问题"),
    ("case_nos", "相关办件编号"),
    ("item_codes", "相关事项编码"),
    ("raiser_name", "反映人姓名"),
    ("raiser_phone", "联系电话"),
    ("raiser_id_number", "身份证号码"),
];

#[derive(Template)]
#[template(path = "feedback/problem_new.html")]
struct NewPage {
    ctx: Ctx,
    /// At the desk (the clerk records the person) or online (the person themselves).
    desk: bool,
    action: &'static str,
    categories: Vec<(&'static str, &'static str)>,
    v: Pairs,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
}

impl NewPage {
    fn person_fields(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        vec![
            ("raiser_name", "姓名", ""),
            ("raiser_phone", "联系电话", "手机号码或带区号的固定电话"),
            (
                "raiser_id_number",
                "身份证号码（选填）",
                "填写后本人登录即可查看办理进度",
            ),
        ]
    }

    fn val(&self, k: &str) -> String {
        one(&self.v, k)
    }

    fn error(&self, field: &str) -> String {
        self.fields_with_errors
            .iter()
            .find(|f| f.name == field)
            .and_then(|f| f.error.clone())
            .unwrap_or_default()
    }
}

fn categories() -> Vec<(&'static str, &'static str)> {
    ProblemCategory::ALL
        .iter()
        .map(|c| (c.as_str(), c.label()))
        .collect()
}

fn new_page(ctx: Ctx, desk: bool, v: Pairs, errors: &ValidationErrors) -> NewPage {
    NewPage {
        ctx,
        desk,
        action: if desk { "/staff/problems" } else { "/problems" },
        categories: categories(),
        v,
        fields_with_errors: summary(errors, LABELS),
        form_error: None,
    }
}

pub async fn online_form(ctx: Ctx) -> Result<Response, WebError> {
    render(&new_page(ctx, false, Vec::new(), &ValidationErrors::new()))
}

pub async fn desk_form(ctx: Ctx) -> Result<Response, WebError> {
    render(&new_page(ctx, true, Vec::new(), &ValidationErrors::new()))
}

fn input_of(pairs: &Pairs) -> ProblemInput {
    ProblemInput {
        category: one(pairs, "category"),
        text: one(pairs, "text"),
        case_nos: one(pairs, "case_nos"),
        item_codes: one(pairs, "item_codes"),
    }
}

async fn raised(
    ctx: Ctx,
    desk: bool,
    pairs: Pairs,
    result: Result<String, tongban_app::AppError>,
) -> Result<Response, WebError> {
    match result {
        Ok(no) => Ok(crate::page::redirect(&if desk {
            format!("/staff/problems/{no}")
        } else {
            format!("/me/problems/{no}")
        })
        .into_response()),
        Err(e) => match WebError::from(e) {
            WebError::Validation(v) => Ok(with_status(
                render(&new_page(ctx, desk, pairs, &v))?,
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            )),
            other => Err(other),
        },
    }
}

pub async fn raise_online(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let r = problems::raise_online(&state, &current, &input_of(&pairs)).await;
    raised(ctx, false, pairs, r).await
}

pub async fn raise_at_desk(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let person = DeskPerson {
        name: one(&pairs, "raiser_name"),
        phone: one(&pairs, "raiser_phone"),
        id_number: one(&pairs, "raiser_id_number"),
    };
    let r = problems::raise_at_desk(&state, &current, &person, &input_of(&pairs)).await;
    raised(ctx, true, pairs, r).await
}

pub struct Row {
    pub no: String,
    pub category: &'static str,
    pub status: &'static str,
    pub lead: String,
    pub due: String,
    pub created: String,
    pub class: &'static str,
}

#[derive(Template)]
#[template(path = "feedback/problems.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    may_record: bool,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let rows = problems::list(
        &state,
        &current,
        &ProblemQuery {
            limit: 200,
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .map(|p| Row {
        class: urgency_class(
            problems::is_overdue(&state, &p),
            p.status == ProblemStatus::Referred.as_str(),
        ),
        category: ProblemCategory::parse(&p.category).map_or("", ProblemCategory::label),
        status: ProblemStatus::parse(&p.status).map_or("", ProblemStatus::label),
        lead: p.lead_name.unwrap_or_else(|| "待分派".into()),
        due: p.due.unwrap_or_default(),
        created: local_time(p.created_at),
        no: p.problem_no,
    })
    .collect();
    render(&ListPage {
        ctx,
        rows,
        may_record: tongban_domain::authz::allows(
            &current.principal,
            tongban_domain::authz::Permission::HandleDesk,
        ),
    })
}

#[derive(Template)]
#[template(path = "feedback/problem.html")]
struct FilePage {
    ctx: Ctx,
    f: ProblemFile,
    category: &'static str,
    status: &'static str,
    resolution: &'static str,
    action: String,
    steps: Vec<(&'static str, &'static str)>,
    departments: Vec<(String, String)>,
    resolutions: Vec<(&'static str, &'static str)>,
    events: Vec<(String, String, String, &'static str, String)>,
    form_error: Option<String>,
    staff_view: bool,
}

fn steps_for(f: &ProblemFile) -> Vec<(&'static str, &'static str)> {
    use ProblemStatus as S;
    let mut out = Vec::new();
    let desk = f.role == Some(ProblemActor::Desk);
    if desk && matches!(f.status, S::Raised | S::Assigned | S::Referred) {
        out.push(("assign", "分派牵头部门"));
    }
    if f.role == Some(ProblemActor::Lead) && f.status == S::Assigned {
        out.push(("answer", "牵头部门答复"));
    }
    if desk && matches!(f.status, S::Answered | S::Referred) {
        out.push(("close", "与反映人确认后办结"));
    }
    if desk && f.status == S::Answered {
        out.push(("refer", "仍未解决，提交局领导督办"));
    }
    if f.role.is_some() && f.status != S::Closed {
        out.push(("note", "补充说明"));
    }
    out
}

fn event_label(a: &str) -> String {
    match a {
        "raise" => "登记问题",
        "assign" => "分派牵头部门",
        "answer" => "牵头部门答复",
        "close" => "确认办结",
        "refer" => "提交局领导督办",
        _ => "补充说明",
    }
    .into()
}

async fn file_page(
    state: &AppState,
    ctx: Ctx,
    f: ProblemFile,
    base: &str,
    form_error: Option<String>,
) -> Result<FilePage, WebError> {
    let departments = tongban_app::org::units(state)
        .await?
        .into_iter()
        .filter(|u| u.code.starts_with("D-"))
        .map(|u| (u.code, u.name))
        .collect();
    Ok(FilePage {
        ctx,
        category: ProblemCategory::parse(&f.problem.category).map_or("", ProblemCategory::label),
        status: f.status.label(),
        resolution: f
            .problem
            .resolution
            .as_deref()
            .and_then(Resolution::parse)
            .map_or("", Resolution::label),
        action: format!("{base}/{}", f.problem.problem_no),
        steps: steps_for(&f),
        departments,
        resolutions: Resolution::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        events: f
            .events
            .iter()
            .map(|e| {
                (
                    local_time(e.at),
                    e.actor_name.clone().unwrap_or_else(|| "系统".into()),
                    event_label(&e.action),
                    ProblemStatus::parse(&e.status_after).map_or("", ProblemStatus::label),
                    e.note.clone(),
                )
            })
            .collect(),
        form_error,
        staff_view: base.starts_with("/staff"),
        f,
    })
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    no: &str,
    base: &str,
) -> Result<Response, WebError> {
    let f = problems::file(state, current, no).await?;
    render(&file_page(state, ctx, f, base, None).await?)
}

pub async fn staff_file(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    show(&state, ctx, &current, &no, "/staff/problems").await
}

pub async fn raiser_file(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    show(&state, ctx, &current, &no, "/me/problems").await
}

pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    use tongban_domain::feedback::desk::ProblemAction as A;
    let note = one(&pairs, "note");
    let action = match one(&pairs, "action").as_str() {
        "assign" => A::Assign {
            lead: one(&pairs, "lead"),
            assisting: super::all(&pairs, "assisting"),
            note,
        },
        "answer" => A::Answer { note },
        "close" => A::Close {
            resolution: one(&pairs, "resolution"),
            note,
            adjustment: one(&pairs, "adjustment"),
        },
        "refer" => A::Refer { note },
        _ => A::Note { note },
    };
    match problems::act(&state, &current, &no, action).await {
        Ok(_) => Ok(crate::page::redirect(&format!("/staff/problems/{no}")).into_response()),
        Err(e) => {
            let (status, message) = step_error(e.into())?;
            let f = problems::file(&state, &current, &no).await?;
            Ok(with_status(
                render(&file_page(&state, ctx, f, "/staff/problems", Some(message)).await?)?,
                status,
            ))
        }
    }
}
