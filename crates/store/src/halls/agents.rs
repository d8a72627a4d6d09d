//! An enterprise's service agent: one row per enterprise, each change an UPSERT or a guarded
//! update with its audit row (and the agent or the enterprise told).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tongban_domain::audit::AuditEvent;
use tongban_domain::hall::agent::{AgentStatus, Authorisation};

use crate::{Store, StoreError, audit, outbox, parse_ts, ts};

#[derive(Debug, Clone)]
pub struct AgentRecord {
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub status: AgentStatus,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub authorisation: Option<Authorisation>,
}

const SELECT: &str = "SELECT e.enterprise_id, en.name AS enterprise_name, e.status, e.agent_id, \
     ag.name AS agent_name, e.requested_at, e.items, e.expires_on FROM enterprise_agents e \
     JOIN accounts en ON en.id = e.enterprise_id LEFT JOIN accounts ag ON ag.id = e.agent_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<AgentRecord, StoreError> {
    let status: String = r.try_get("status")?;
    let expires: Option<String> = r.try_get("expires_on")?;
    let items: Option<String> = r.try_get("items")?;
    Ok(AgentRecord {
        enterprise_id: r.try_get("enterprise_id")?,
        enterprise_name: r.try_get("enterprise_name")?,
        status: AgentStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("未知代办状态 {status}")))?,
        agent_id: r.try_get("agent_id")?,
        agent_name: r.try_get("agent_name")?,
        requested_at: parse_ts(&r.try_get::<String, _>("requested_at")?)?,
        authorisation: match expires {
            Some(e) => Some(Authorisation {
                items: items
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                expires_on: NaiveDate::parse_from_str(&e, "%Y-%m-%d")
                    .map_err(|_| StoreError::Corrupt(format!("日期 {e}")))?,
            }),
            None => None,
        },
    })
}

impl Store {
    pub async fn enterprise_agent(
        &self,
        enterprise_id: &str,
    ) -> Result<Option<AgentRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE e.enterprise_id = $1"
        )))
        .bind(enterprise_id)
        .fetch_optional(&self.writer)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every enterprise's request or agent, requests first.
    pub async fn enterprise_agents(&self) -> Result<Vec<AgentRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} ORDER BY CASE e.status WHEN 'requested' THEN 0 WHEN 'assigned' THEN 1 ELSE 2 END, e.requested_at"
        )))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The enterprises an agent serves now.
    pub async fn clients_of(&self, agent_id: &str) -> Result<Vec<AgentRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE e.agent_id = $1 AND e.status = 'assigned' ORDER BY en.name"
        )))
        .bind(agent_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// An enterprise asks for an agent (again, after one ended); the bureau is told.
    pub async fn request_agent(
        &self,
        now: DateTime<Utc>,
        enterprise_id: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "INSERT INTO enterprise_agents (enterprise_id, status, requested_at) VALUES ($1, 'requested', $2) \
             ON CONFLICT (enterprise_id) DO UPDATE SET status = 'requested', agent_id = NULL, \
             requested_at = $2, assigned_at = NULL, items = NULL, expires_on = NULL, authorised_at = NULL \
             WHERE enterprise_agents.status = 'ended'",
        )
        .bind(enterprise_id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        crate::feedback::tell_staff(
            &mut tx,
            now,
            &format!("agent:{enterprise_id}:{}", ts(now)),
            "bureau_admin",
            None,
            "企业申请代办员",
            "有企业申请企业服务站代办员，请分配。",
            "/staff/agents",
        )
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                enterprise_id,
                "agent.request",
                format!("account:{enterprise_id}"),
                "",
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The bureau assigns (or changes) the agent of an enterprise that asked.
    pub async fn assign_agent(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        enterprise_id: &str,
        agent_id: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE enterprise_agents SET status = 'assigned', agent_id = $1, assigned_at = $2, assigned_by = $3 \
             WHERE enterprise_id = $4 AND status IN ('requested', 'assigned')",
        )
        .bind(agent_id)
        .bind(ts(now))
        .bind(actor)
        .bind(enterprise_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        outbox::enqueue(
            &mut tx,
            now,
            "agent.assigned",
            enterprise_id,
            "已为您分配代办员",
            "请在“我的代办员”中登记授权范围和期限，代办员即可为您办理。",
            "/me/agent",
            &format!("agent:{enterprise_id}:assigned:{}", ts(now)),
        )
        .await?;
        outbox::enqueue(
            &mut tx,
            now,
            "agent.assigned",
            agent_id,
            "您有新的代办企业",
            "企业登记授权后即可为其办理。",
            "/staff/agents",
            &format!("agent:{enterprise_id}:to:{agent_id}:{}", ts(now)),
        )
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "agent.assign",
                format!("account:{enterprise_id}"),
                agent_id,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The enterprise records (or renews) its authorisation.
    pub async fn authorise_agent(
        &self,
        now: DateTime<Utc>,
        enterprise_id: &str,
        a: &Authorisation,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE enterprise_agents SET items = $1, expires_on = $2, authorised_at = $3 \
             WHERE enterprise_id = $4 AND status = 'assigned'",
        )
        .bind(a.items.join(","))
        .bind(a.expires_on.format("%Y-%m-%d").to_string())
        .bind(ts(now))
        .bind(enterprise_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                enterprise_id,
                "agent.authorise",
                format!("account:{enterprise_id}"),
                format!("{} 至 {}", a.scope_label(), a.expires_on),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The enterprise ends its agent's service.
    pub async fn end_agent(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        enterprise_id: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE enterprise_agents SET status = 'ended' WHERE enterprise_id = $1 AND status <> 'ended'")
            .bind(enterprise_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(actor, "agent.end", format!("account:{enterprise_id}"), ""),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
