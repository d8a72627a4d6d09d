//! Storage of single sign-on: registered clients, authorization codes (taken once,
//! atomically) and the relying party's pending sign-ins.

use chrono::{DateTime, Utc};
use sqlx::Row;
use tongban_domain::audit::AuditEvent;

use crate::{Store, StoreError, audit, parse_ts, ts};

/// A government system allowed to sign people in through Tongban.
#[derive(Debug, Clone)]
pub struct OidcClient {
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    pub redirect_uris: Vec<String>,
}

/// An authorization code's grant, as stored.
#[derive(Debug, Clone)]
pub struct OidcGrant {
    pub code_hash: String,
    pub client_id: String,
    pub account_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: String,
    pub code_challenge: String,
    pub auth_time: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A sign-in through the provincial provider, between leaving and coming back.
#[derive(Debug, Clone)]
pub struct RpState {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub next: String,
    pub expires_at: DateTime<Utc>,
}

macro_rules! client_select {
    () => {
        "SELECT client_id, name, secret_hash, redirect_uris FROM oidc_clients"
    };
}

fn client_from(r: &sqlx::any::AnyRow) -> Result<OidcClient, StoreError> {
    Ok(OidcClient {
        client_id: r.try_get("client_id")?,
        name: r.try_get("name")?,
        secret_hash: r.try_get("secret_hash")?,
        redirect_uris: r
            .try_get::<String, _>("redirect_uris")?
            .lines()
            .map(str::to_owned)
            .collect(),
    })
}

impl Store {
    /// Registers a client, audited.
    pub async fn add_oidc_client(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        c: &OidcClient,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO oidc_clients (client_id, name, secret_hash, redirect_uris, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&c.client_id)
        .bind(&c.name)
        .bind(&c.secret_hash)
        .bind(c.redirect_uris.join("\n"))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "oidc.client_add",
                format!("oidc_client:{}", c.client_id),
                &c.name,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn oidc_client(&self, client_id: &str) -> Result<OidcClient, StoreError> {
        let r = sqlx::query(concat!(client_select!(), " WHERE client_id = $1"))
            .bind(client_id)
            .fetch_one(&self.reader)
            .await?;
        client_from(&r)
    }

    pub async fn oidc_clients(&self) -> Result<Vec<OidcClient>, StoreError> {
        let rows = sqlx::query(concat!(client_select!(), " ORDER BY created_at"))
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(client_from).collect()
    }

    /// Stores a code's grant, with the sign-in's audit row.
    pub async fn add_oidc_grant(
        &self,
        now: DateTime<Utc>,
        g: &OidcGrant,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO oidc_codes (code_hash, client_id, account_id, redirect_uri, scope, nonce, \
             code_challenge, auth_time, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&g.code_hash)
        .bind(&g.client_id)
        .bind(&g.account_id)
        .bind(&g.redirect_uri)
        .bind(&g.scope)
        .bind(&g.nonce)
        .bind(&g.code_challenge)
        .bind(ts(g.auth_time))
        .bind(ts(g.expires_at))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                &g.account_id,
                "oidc.authorize",
                format!("oidc_client:{}", g.client_id),
                &g.scope,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the code once: marks it used and returns its grant if it was unused and live.
    pub async fn take_oidc_grant(
        &self,
        now: DateTime<Utc>,
        code_hash: &str,
    ) -> Result<Option<OidcGrant>, StoreError> {
        let row = sqlx::query(
            "UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL \
             AND expires_at > $1 RETURNING code_hash, client_id, account_id, redirect_uri, \
             scope, nonce, code_challenge, auth_time, expires_at",
        )
        .bind(ts(now))
        .bind(code_hash)
        .fetch_optional(&self.writer)
        .await?;
        row.map(|r| {
            Ok(OidcGrant {
                code_hash: r.try_get("code_hash")?,
                client_id: r.try_get("client_id")?,
                account_id: r.try_get("account_id")?,
                redirect_uri: r.try_get("redirect_uri")?,
                scope: r.try_get("scope")?,
                nonce: r.try_get("nonce")?,
                code_challenge: r.try_get("code_challenge")?,
                auth_time: parse_ts(&r.try_get::<String, _>("auth_time")?)?,
                expires_at: parse_ts(&r.try_get::<String, _>("expires_at")?)?,
            })
        })
        .transpose()
    }

    pub async fn add_rp_state(&self, s: &RpState) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oidc_rp_states (state, nonce, verifier, next, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.state)
        .bind(&s.nonce)
        .bind(&s.verifier)
        .bind(&s.next)
        .bind(ts(s.expires_at))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Takes a pending sign-in once (deleted as it is read), if it has not expired.
    pub async fn take_rp_state(
        &self,
        now: DateTime<Utc>,
        state: &str,
    ) -> Result<Option<RpState>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM oidc_rp_states WHERE state = $1 \
             RETURNING state, nonce, verifier, next, expires_at",
        )
        .bind(state)
        .fetch_optional(&self.writer)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let s = RpState {
            state: r.try_get("state")?,
            nonce: r.try_get("nonce")?,
            verifier: r.try_get("verifier")?,
            next: r.try_get("next")?,
            expires_at: parse_ts(&r.try_get::<String, _>("expires_at")?)?,
        };
        Ok((s.expires_at > now).then_some(s))
    }
}
