//! 企业服务站 and 综合代办 as pages: the enterprise's `/me/agent` (ask, authorise, end, see
//! everything done), the bureau's assignments and each agent's enterprises at
//! `/staff/agents`, and an enterprise's cases for its agent.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_app::halls::agents::{self, EnterpriseView};
use tongban_domain::authz::{Permission, allows};
use tongban_store::{AgentRecord, CaseRecord, StaffMember};

use super::message_of;
use crate::AppState;
use crate::auth::Current;
use crate::error::WebError;
use crate::page::{Ctx, local_time, redirect, render};

#[derive(Template)]
#[template(path = "halls/my_agent.html")]
struct MyAgentPage {
    ctx: Ctx,
    v: EnterpriseView,
    done: Vec<(String, String, String)>,
    error: Option<String>,
    today: chrono::NaiveDate,
}

async fn my_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    error: Option<String>,
) -> Result<Response, WebError> {
    let v = agents::my_agent(state, current).await?;
    let done = v
        .done_by_agent
        .iter()
        .map(|(no, what, at)| (no.clone(), what.clone(), local_time(*at)))
        .collect();
    let failed = error.is_some();
    let mut p = render(&MyAgentPage {
        ctx,
        v,
        done,
        error,
        today: state.today(),
    })?;
    if failed {
        *p.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(p)
}

#[derive(Template)]
#[template(path = "halls/agent_for_enterprises.html")]
struct ForEnterprisesPage {
    ctx: Ctx,
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    // A person's account is told whom the service is for, and where a person finds help.
    if !matches!(
        current.principal,
        tongban_domain::authz::Principal::Enterprise { .. }
    ) {
        return render(&ForEnterprisesPage { ctx });
    }
    my_page(&state, ctx, &current, None).await
}

#[derive(Deserialize)]
pub struct MineForm {
    action: String,
    #[serde(default)]
    items: String,
    #[serde(default)]
    expires_on: String,
}

pub async fn act_mine(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(f): Form<MineForm>,
) -> Result<Response, WebError> {
    let outcome = match f.action.as_str() {
        "request" => agents::request(&state, &current).await,
        "authorise" => {
            let expires = tongban_domain::bundle::form::parse_date(f.expires_on.trim());
            agents::authorise(&state, &current, &f.items, expires).await
        }
        "end" => agents::end(&state, &current).await,
        _ => Err(tongban_app::AppError::field(
            "action",
            "unknown",
            "未知的操作",
        )),
    };
    match outcome {
        Ok(()) => Ok(redirect("/me/agent").into_response()),
        Err(e) => {
            let msg = message_of(e)?;
            my_page(&state, ctx, &current, Some(msg)).await
        }
    }
}

#[derive(Template)]
#[template(path = "halls/agents.html")]
struct AgentsPage {
    ctx: Ctx,
    /// The bureau's: every request and agent, and the clerks who can be agents.
    bureau: Option<(Vec<AgentRecord>, Vec<StaffMember>)>,
    /// The agent's own enterprises, with whether each authorisation stands.
    clients: Vec<(AgentRecord, bool)>,
    error: Option<String>,
}

async fn agents_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    error: Option<String>,
) -> Result<Response, WebError> {
    let bureau = if allows(&current.principal, Permission::ManageHalls) {
        Some(agents::queue(state, current).await?)
    } else {
        None
    };
    let clients = agents::clients(state, current).await?;
    let failed = error.is_some();
    let mut p = render(&AgentsPage {
        ctx,
        bureau,
        clients,
        error,
    })?;
    if failed {
        *p.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(p)
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    agents_page(&state, ctx, &current, None).await
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    agent: String,
}

pub async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(enterprise_id): Path<String>,
    Form(f): Form<AssignForm>,
) -> Result<Response, WebError> {
    match agents::assign(&state, &current, &enterprise_id, &f.agent).await {
        Ok(()) => Ok(redirect("/staff/agents").into_response()),
        Err(e) => {
            let msg = message_of(e)?;
            agents_page(&state, ctx, &current, Some(msg)).await
        }
    }
}

#[derive(Template)]
#[template(path = "halls/agent_cases.html")]
struct ClientPage {
    ctx: Ctx,
    client: AgentRecord,
    cases: Vec<CaseRecord>,
}

pub async fn client(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(enterprise_id): Path<String>,
) -> Result<Response, WebError> {
    match agents::client_cases(&state, &current, &enterprise_id).await {
        Ok((client, cases)) => render(&ClientPage { ctx, client, cases }),
        Err(e) => {
            let msg = message_of(e)?;
            agents_page(&state, ctx, &current, Some(msg)).await
        }
    }
}
