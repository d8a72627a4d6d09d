//! 12345 tickets: the operator's call form, the lists (a department its own, the bureau and
//! operators all; overdue in red), and a ticket's record with its steps.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use tongban_app::feedback::tickets::{self, TicketFile};
use tongban_domain::ValidationErrors;
use tongban_domain::feedback::ticket::{
    Satisfaction, TicketActor, TicketInput, TicketKind, TicketStatus,
};
use tongban_domain::mask::{mask_name, mask_phone};
use tongban_store::TicketQuery;

use super::{Pairs, one, step_error, summary, urgency_class, with_status};
use crate::auth::Current;
use crate::page::{Ctx, FormField, local_time, render};
use crate::{AppState, WebError};

pub struct Row {
    pub ticket_no: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub department: String,
    pub due: String,
    pub created: String,
    pub class: &'static str,
}

#[derive(Template)]
#[template(path = "feedback/tickets.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    may_record: bool,
    show: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Query(pairs): Query<Pairs>,
) -> Result<Response, WebError> {
    let show = one(&pairs, "show");
    let rows = tickets::list(
        &state,
        &current,
        &TicketQuery {
            open_only: show.is_empty(),
            limit: 200,
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .map(|t| Row {
        class: urgency_class(tickets::is_overdue(&state, &t), t.escalated_at.is_some()),
        kind: TicketKind::parse(&t.kind).map_or("", TicketKind::label),
        status: TicketStatus::parse(&t.status).map_or("", TicketStatus::label),
        department: t.org_name.unwrap_or_else(|| "待派单".into()),
        due: t.due.unwrap_or_default(),
        created: local_time(t.created_at),
        ticket_no: t.ticket_no,
    })
    .collect();
    render(&ListPage {
        ctx,
        rows,
        may_record: tongban_domain::authz::allows(
            &current.principal,
            tongban_domain::authz::Permission::RecordTickets,
        ),
        show,
    })
}

#[derive(Template)]
#[template(path = "feedback/ticket_new.html")]
struct NewPage {
    ctx: Ctx,
    kinds: Vec<(&'static str, &'static str)>,
    v: Pairs,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
}

impl NewPage {
    fn text_fields(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        vec![
            ("caller_name", "来电人称呼", "如 王女士（选填）"),
            (
                "caller_phone",
                "来电号码",
                "手机号码或带区号的固定电话，用于回访",
            ),
            (
                "caller_id_number",
                "身份证号码",
                "选填；好差评来电须填办件申请人本人的",
            ),
            ("case_no", "办件编号", "选填"),
            ("implementation_code", "事项编码", "选填"),
            ("department", "部门编码", "选填，如 D-SJJ"),
            (
                "level",
                "满意程度（好差评来电）",
                "1 非常不满意 至 5 非常满意",
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

const LABELS: &[(&str, &str)] = &[
    ("kind", "来电类别"),
    ("caller_name", "来电人"),
    ("caller_phone", "来电号码"),
    ("caller_id_number", "身份证号码"),
    ("case_no", "办件编号"),
    ("implementation_code", "事项编码"),
    ("department", "部门编码"),
    ("text", "来电内容"),
    ("level", "满意程度"),
];

fn kinds() -> Vec<(&'static str, &'static str)> {
    TicketKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect()
}

pub async fn new_form(ctx: Ctx) -> Result<Response, WebError> {
    render(&NewPage {
        ctx,
        kinds: kinds(),
        v: Vec::new(),
        fields_with_errors: Vec::new(),
        form_error: None,
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let input = TicketInput {
        kind: one(&pairs, "kind"),
        caller_name: one(&pairs, "caller_name"),
        caller_phone: one(&pairs, "caller_phone"),
        caller_id_number: one(&pairs, "caller_id_number"),
        case_no: one(&pairs, "case_no"),
        implementation_code: one(&pairs, "implementation_code"),
        department: one(&pairs, "department"),
        text: one(&pairs, "text"),
        level: one(&pairs, "level").trim().parse().ok(),
    };
    match tickets::record(&state, &current, &input).await {
        Ok(t) => {
            Ok(crate::page::redirect(&format!("/staff/tickets/{}", t.ticket_no)).into_response())
        }
        Err(e) => {
            let (errors, form_error, status) = match WebError::from(e) {
                WebError::Validation(v) => (v, None, axum::http::StatusCode::UNPROCESSABLE_ENTITY),
                other => {
                    let (s, m) = step_error(other)?;
                    (ValidationErrors::new(), Some(m), s)
                }
            };
            let res = render(&NewPage {
                ctx,
                kinds: kinds(),
                v: pairs,
                fields_with_errors: summary(&errors, LABELS),
                form_error,
            })?;
            Ok(with_status(res, status))
        }
    }
}

#[derive(Template)]
#[template(path = "feedback/ticket.html")]
struct FilePage {
    ctx: Ctx,
    f: TicketFile,
    kind: &'static str,
    status: &'static str,
    caller: String,
    steps: Vec<(&'static str, &'static str)>,
    satisfactions: Vec<(&'static str, &'static str)>,
    departments: Vec<(String, String)>,
    events: Vec<(String, String, String, &'static str, String)>,
    form_error: Option<String>,
}

fn steps_for(f: &TicketFile) -> Vec<(&'static str, &'static str)> {
    use TicketStatus as S;
    let mut out = Vec::new();
    let bureau = f.role == Some(TicketActor::Bureau);
    if bureau && matches!(f.status, S::Unrouted | S::Assigned) {
        out.push(("assign", "派单或改派"));
    }
    if (bureau || f.role == Some(TicketActor::Department)) && f.status == S::Assigned {
        out.push(("answer", "部门答复"));
    }
    if (bureau || f.role == Some(TicketActor::Operator)) && f.status == S::Answered {
        out.push(("call_back", "回访来电人"));
    }
    if f.role.is_some() && f.status != S::Closed {
        out.push(("note", "补充说明"));
    }
    out
}

fn event_label(a: &str) -> String {
    match a {
        "record" => "登记来电",
        "assign" => "派单",
        "answer" => "部门答复",
        "call_back" => "回访",
        "escalate" => "逾期督办",
        _ => "补充说明",
    }
    .into()
}

async fn file_page(
    state: &AppState,
    ctx: Ctx,
    f: TicketFile,
    form_error: Option<String>,
) -> Result<FilePage, WebError> {
    let departments = tongban_app::org::units(state)
        .await?
        .into_iter()
        .filter(|u| u.code.starts_with("D-"))
        .map(|u| (u.code, u.name))
        .collect();
    let staff_side = matches!(f.role, Some(TicketActor::Bureau | TicketActor::Operator));
    Ok(FilePage {
        ctx,
        kind: f.kind.label(),
        status: f.status.label(),
        caller: if staff_side {
            format!("{} {}", f.ticket.caller_name, f.ticket.caller_phone)
        } else {
            format!(
                "{} {}",
                mask_name(&f.ticket.caller_name),
                mask_phone(&f.ticket.caller_phone)
            )
        },
        steps: steps_for(&f),
        satisfactions: Satisfaction::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        departments,
        events: f
            .events
            .iter()
            .map(|e| {
                (
                    local_time(e.at),
                    e.actor_name.clone().unwrap_or_else(|| "系统".into()),
                    event_label(&e.action),
                    TicketStatus::parse(&e.status_after).map_or("", TicketStatus::label),
                    e.note.clone(),
                )
            })
            .collect(),
        form_error,
        f,
    })
}

pub async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    let f = tickets::file(&state, &current, &no).await?;
    render(&file_page(&state, ctx, f, None).await?)
}

pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let action = crate::api::ticket_action(
        &one(&pairs, "action"),
        one(&pairs, "department"),
        one(&pairs, "satisfaction"),
        one(&pairs, "note"),
    )?;
    match tickets::act(&state, &current, &no, action).await {
        Ok(_) => Ok(crate::page::redirect(&format!("/staff/tickets/{no}")).into_response()),
        Err(e) => {
            let (status, message) = step_error(e.into())?;
            let f = tickets::file(&state, &current, &no).await?;
            Ok(with_status(
                render(&file_page(&state, ctx, f, Some(message)).await?)?,
                status,
            ))
        }
    }
}
