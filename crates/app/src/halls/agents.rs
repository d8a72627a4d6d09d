//! 企业服务站 and 综合代办: an enterprise asks for a service agent, the bureau assigns one, the
//! enterprise records what the agent may do and until when; the agent follows the
//! enterprise's cases across departments while that stands; the enterprise sees its agent
//! and every step the agent took on its cases.

use chrono::{DateTime, Utc};
use tongban_domain::account::Role;
use tongban_domain::authz::{Permission, Principal, Scope};
use tongban_domain::hall::agent::{AgentStatus, Authorisation};
use tongban_store::{AgentRecord, CaseRecord, StaffMember};

use crate::{Actor, App, AppError};

fn enterprise(actor: &Actor) -> Result<String, AppError> {
    match &actor.principal {
        Principal::Enterprise { account_id } => Ok(account_id.clone()),
        Principal::Anonymous => Err(AppError::Unauthorized),
        _ => Err(AppError::Forbidden),
    }
}

fn refused(detail: &str) -> AppError {
    AppError::Refused {
        code: "agent_status",
        detail: detail.into(),
    }
}

/// What the enterprise sees: its agent (if any), its cases, and the agent's steps on them.
#[derive(Debug, Clone)]
pub struct EnterpriseView {
    pub agent: Option<AgentRecord>,
    pub cases: Vec<CaseRecord>,
    /// (case number, what the agent did, when).
    pub done_by_agent: Vec<(String, String, DateTime<Utc>)>,
}

pub async fn my_agent(app: &App, actor: &Actor) -> Result<EnterpriseView, AppError> {
    let me = enterprise(actor)?;
    let agent = app.store.enterprise_agent(&me).await?;
    let cases = app.store.cases_of_applicant(&me).await?;
    let mut done = Vec::new();
    if let Some(agent_id) = agent.as_ref().and_then(|a| a.agent_id.clone()) {
        for c in cases.iter().take(50) {
            for e in app.store.case_events(&c.id).await? {
                if e.actor == agent_id {
                    done.push((
                        c.case_no.clone(),
                        tongban_domain::audit::action_label(&format!("case.{}", e.action)),
                        e.at,
                    ));
                }
            }
        }
    }
    done.sort_by_key(|d| std::cmp::Reverse(d.2));
    Ok(EnterpriseView {
        agent,
        cases,
        done_by_agent: done,
    })
}

pub async fn request(app: &App, actor: &Actor) -> Result<(), AppError> {
    let me = enterprise(actor)?;
    if !app.store.request_agent(app.clock.now(), &me).await? {
        return Err(refused("已申请或已有代办员"));
    }
    Ok(())
}

/// The enterprise's authorisation: `items` (implementation codes, blank for every matter)
/// until `expires_on`.
pub async fn authorise(
    app: &App,
    actor: &Actor,
    items: &str,
    expires_on: Option<chrono::NaiveDate>,
) -> Result<(), AppError> {
    let me = enterprise(actor)?;
    let a = Authorisation::parse(items, expires_on, app.today())
        .map_err(|m| AppError::field("expires_on", "authorisation", m))?;
    let catalog = app.catalog.get();
    if let Some(bad) = a.items.iter().find(|c| catalog.get(c).is_none()) {
        return Err(AppError::field(
            "items",
            "unknown_item",
            &format!("没有已发布的事项 {bad}"),
        ));
    }
    if !app.store.authorise_agent(app.clock.now(), &me, &a).await? {
        return Err(refused("还没有分配代办员，分配后才能授权"));
    }
    Ok(())
}

pub async fn end(app: &App, actor: &Actor) -> Result<(), AppError> {
    let me = enterprise(actor)?;
    if !app.store.end_agent(app.clock.now(), &me, &me).await? {
        return Err(refused("没有正在服务的代办员"));
    }
    Ok(())
}

/// The bureau's list of requests and agents, with the clerks who can be agents.
pub async fn queue(
    app: &App,
    actor: &Actor,
) -> Result<(Vec<AgentRecord>, Vec<StaffMember>), AppError> {
    actor.principal.capability(Permission::ManageHalls)?;
    let staff = app
        .store
        .list_staff(&Scope::All)
        .await?
        .into_iter()
        .filter(|s| !s.disabled && s.role == Role::WindowClerk)
        .collect();
    Ok((app.store.enterprise_agents().await?, staff))
}

pub async fn assign(
    app: &App,
    actor: &Actor,
    enterprise_id: &str,
    agent_login: &str,
) -> Result<(), AppError> {
    let cap = actor.principal.capability(Permission::ManageHalls)?;
    let (_, staff) = queue(app, actor).await?;
    let agent = staff
        .iter()
        .find(|s| s.login == agent_login)
        .ok_or_else(|| AppError::field("agent", "unknown", "请选择一位窗口工作人员作为代办员"))?;
    if !app
        .store
        .assign_agent(app.clock.now(), cap.actor(), enterprise_id, &agent.id)
        .await?
    {
        return Err(refused("该企业没有待分配的申请"));
    }
    Ok(())
}

/// The enterprises an agent serves, each with whether its authorisation stands today.
pub async fn clients(app: &App, actor: &Actor) -> Result<Vec<(AgentRecord, bool)>, AppError> {
    let cap = actor.principal.capability(Permission::HandleIntake)?;
    let today = app.today();
    Ok(app
        .store
        .clients_of(cap.actor())
        .await?
        .into_iter()
        .map(|c| {
            let ok = c
                .authorisation
                .as_ref()
                .is_some_and(|a| a.covers(None, today));
            (c, ok)
        })
        .collect())
}

/// An enterprise's cases across departments, for its agent, while authorised.
pub async fn client_cases(
    app: &App,
    actor: &Actor,
    enterprise_id: &str,
) -> Result<(AgentRecord, Vec<CaseRecord>), AppError> {
    let cap = actor.principal.capability(Permission::HandleIntake)?;
    let record = app
        .store
        .enterprise_agent(enterprise_id)
        .await?
        .filter(|r| r.status == AgentStatus::Assigned && r.agent_id.as_deref() == Some(cap.actor()))
        .ok_or(AppError::NotFound)?;
    let authorised = record
        .authorisation
        .as_ref()
        .is_some_and(|a| a.covers(None, app.today()));
    if !authorised {
        return Err(refused(
            "企业尚未授权或授权已过期，请企业在“我的代办员”中登记授权",
        ));
    }
    let cases = app.store.cases_of_applicant(enterprise_id).await?;
    Ok((record, cases))
}
