//! Storage of server-side sessions and API tokens. Only a digest of each token is stored, so
//! a copy of the database does not let anyone log in.

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row};
use tongban_domain::audit::AuditEvent;

use crate::accounts::{ACCOUNT_COLUMNS, Account};
use crate::{Store, StoreError, audit, new_id, parse_ts, ts};

/// How a session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A browser session behind an HttpOnly cookie.
    Web,
    /// A bearer token from `POST /api/v1/sessions` (mobile app).
    Bearer,
    /// A long-lived token for an integrating system.
    Api,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Bearer => "bearer",
            Self::Api => "api",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "web" => Some(Self::Web),
            "bearer" => Some(Self::Bearer),
            "api" => Some(Self::Api),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub account_id: String,
    pub kind: SessionKind,
    pub label: String,
    pub address: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub account_id: String,
    pub kind: SessionKind,
    pub label: String,
    pub address: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

fn session_from(row: &sqlx::any::AnyRow) -> Result<Session, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(Session {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        kind: SessionKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("未知会话类型 {kind}")))?,
        label: row.try_get("label")?,
        address: row.try_get("address")?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        expires_at: parse_ts(&row.try_get::<String, _>("expires_at")?)?,
    })
}

impl Store {
    /// Opens a session and records the login.
    pub async fn create_session(
        &self,
        now: DateTime<Utc>,
        new: &NewSession,
    ) -> Result<Session, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, account_id, kind, label, address, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(&new.token_hash)
        .bind(&new.account_id)
        .bind(new.kind.as_str())
        .bind(&new.label)
        .bind(&new.address)
        .bind(ts(now))
        .bind(ts(new.expires_at))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                &new.account_id,
                "session.open",
                format!("session:{id}"),
                new.kind.as_str(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(Session {
            id,
            account_id: new.account_id.clone(),
            kind: new.kind,
            label: new.label.clone(),
            address: new.address.clone(),
            created_at: now,
            expires_at: new.expires_at,
        })
    }

    /// The live session for a token digest with its account, or `NotFound` when the token
    /// is unknown, revoked, expired or its account disabled.
    pub async fn live_session(
        &self,
        now: DateTime<Utc>,
        token_hash: &str,
    ) -> Result<(Session, Account), StoreError> {
        // One statement for both: every authenticated request asks this first.
        let row = sqlx::query(AssertSqlSafe(format!(
            "{ACCOUNT_COLUMNS}, s.id AS session_id, s.kind AS session_kind, s.label, s.address, \
             s.created_at AS session_created_at, s.expires_at FROM sessions s \
             JOIN accounts a ON a.id = s.account_id LEFT JOIN org_units o ON o.id = a.org_unit_id \
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2"
        )))
        .bind(token_hash)
        .bind(ts(now))
        .fetch_one(&self.reader)
        .await?;
        let account = crate::accounts::account_from(&row)?;
        if account.disabled {
            return Err(StoreError::NotFound);
        }
        let kind: String = row.try_get("session_kind")?;
        let session = Session {
            id: row.try_get("session_id")?,
            account_id: account.id.clone(),
            kind: SessionKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("未知会话类型 {kind}")))?,
            label: row.try_get("label")?,
            address: row.try_get("address")?,
            created_at: parse_ts(&row.try_get::<String, _>("session_created_at")?)?,
            expires_at: parse_ts(&row.try_get::<String, _>("expires_at")?)?,
        };
        Ok((session, account))
    }

    /// Live sessions of one account, newest first.
    pub async fn sessions_of(
        &self,
        now: DateTime<Utc>,
        account_id: &str,
    ) -> Result<Vec<Session>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, account_id, kind, label, address, created_at, expires_at FROM sessions \
             WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
             ORDER BY created_at DESC",
        )
        .bind(account_id)
        .bind(ts(now))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(session_from).collect()
    }

    /// Revokes a session of `account_id` (an account can only revoke its own); `NotFound`
    /// when there is no such live session.
    pub async fn revoke_session(
        &self,
        now: DateTime<Utc>,
        account_id: &str,
        session_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND account_id = $3 \
             AND revoked_at IS NULL",
        )
        .bind(ts(now))
        .bind(session_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                account_id,
                "session.revoke",
                format!("session:{session_id}"),
                "",
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
