//! Storage of identity: an account's assurance level, taking an account back for the person
//! a clerk identified, and one-time codes (their SM3 digests, with tries counted on the row).

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use tongban_domain::audit::AuditEvent;
use tongban_domain::identity::{Assurance, CodePurpose};

use crate::{Store, StoreError, audit, new_id, ts};

/// What a verification found the person to be (the document the clerk saw, or the
/// provider's word), and the code handed over with it, if any.
#[derive(Debug, Clone)]
pub struct Verification {
    pub account_id: String,
    pub level: Assurance,
    /// Who vouched: the clerk's account id or the provider's issuer.
    pub by: String,
    /// The account's name from now on; the phone given replaces the account's (on a
    /// reclaim, even an absent one: the registrant's number goes).
    pub name: String,
    pub phone: Option<String>,
    /// The account's credentials belonged to someone else (a self-registration under this
    /// number with another name): its password is cleared and its sessions end.
    pub reclaim: bool,
}

/// A one-time code to store: its digest, and for an SMS the text to send.
#[derive(Debug, Clone)]
pub struct NewCode {
    pub account_id: String,
    pub purpose: CodePurpose,
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
    /// An SMS to the account's phone through the outbox, sent by the sender only.
    pub sms: Option<String>,
}

/// The outbox topic of messages that only an SMS sender delivers (never the in-app inbox:
/// the person who needs a code cannot log in to read it).
pub use tongban_domain::notify::SMS_CODE_TOPIC;

impl Store {
    /// Records a verification with its audit row; a reclaim also ends every session, voids
    /// open codes and clears the password, in the same transaction.
    pub async fn verify_identity(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        v: &Verification,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE accounts SET assurance = $1, assured_at = $2, assured_by = $3, name = $4, \
             phone = COALESCE($5, phone) WHERE id = $6 AND kind <> 'staff'",
        )
        .bind(v.level.as_str())
        .bind(ts(now))
        .bind(&v.by)
        .bind(&v.name)
        .bind(&v.phone)
        .bind(&v.account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        if v.reclaim {
            // The registrant's phone goes with their password: a reset code must never reach
            // them. The holder's phone, if the clerk took one, replaces it.
            sqlx::query(
                "UPDATE accounts SET password_hash = '!reclaimed', phone = $2 WHERE id = $1",
            )
            .bind(&v.account_id)
            .bind(&v.phone)
            .execute(&mut *tx)
            .await?;
            end_sessions_and_codes(&mut tx, now, &v.account_id).await?;
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                if v.reclaim {
                    "account.reclaim"
                } else {
                    "account.verify"
                },
                format!("account:{}", v.account_id),
                v.level.as_str(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a new code for the account, voiding its earlier open codes of that purpose,
    /// and enqueues its SMS, in one transaction with the audit row (which never holds the
    /// code).
    pub async fn issue_code(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        code: &NewCode,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE account_codes SET expires_at = $1 WHERE account_id = $2 AND purpose = $3 \
             AND used_at IS NULL AND expires_at > $1",
        )
        .bind(ts(now))
        .bind(&code.account_id)
        .bind(code.purpose.as_str())
        .execute(&mut *tx)
        .await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO account_codes (id, account_id, purpose, code_hash, tries, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, 0, $5, $6)",
        )
        .bind(&id)
        .bind(&code.account_id)
        .bind(code.purpose.as_str())
        .bind(&code.code_hash)
        .bind(ts(now))
        .bind(ts(code.expires_at))
        .execute(&mut *tx)
        .await?;
        if let Some(text) = &code.sms {
            crate::outbox::enqueue(
                &mut tx,
                now,
                SMS_CODE_TOPIC,
                &code.account_id,
                "验证码",
                text,
                "",
                &format!("code:{id}"),
            )
            .await?;
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "account.code_issued",
                format!("account:{}", code.account_id),
                code.purpose.as_str(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts one try on the account's newest open code of `purpose` and returns its id and
    /// digest, if one may still be tried (`max_tries` not reached, not expired, not used).
    /// The count is taken before the code is compared, in one statement, so parallel guesses
    /// cannot pass the limit.
    pub async fn try_code(
        &self,
        now: DateTime<Utc>,
        account_id: &str,
        purpose: CodePurpose,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "UPDATE account_codes SET tries = tries + 1 WHERE id = (SELECT id FROM account_codes \
             WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 \
             ORDER BY created_at DESC LIMIT 1) AND tries < $4 AND used_at IS NULL \
             RETURNING id, code_hash",
        )
        .bind(account_id)
        .bind(purpose.as_str())
        .bind(ts(now))
        .bind(i64::from(purpose.max_tries()))
        .fetch_optional(&self.writer)
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get("id")?, r.try_get("code_hash")?)),
            None => None,
        })
    }

    /// Spends the code `code_id` and sets the account's password, ending its sessions; a code
    /// already spent (by a parallel request) is `Conflict`. A claim raises nothing: the
    /// level was set when the claim code was handed over.
    pub async fn use_code_for_password(
        &self,
        now: DateTime<Utc>,
        code_id: &str,
        account_id: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE account_codes SET used_at = $1 WHERE id = $2 AND account_id = $3 \
             AND used_at IS NULL",
        )
        .bind(ts(now))
        .bind(code_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict("code".into()));
        }
        sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        end_sessions_and_codes(&mut tx, now, account_id).await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                account_id,
                "account.password_set",
                format!("account:{account_id}"),
                "",
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Ends every live session of the account and voids its open codes.
async fn end_sessions_and_codes(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    account_id: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL")
        .bind(ts(now))
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE account_codes SET expires_at = $1 WHERE account_id = $2 AND used_at IS NULL \
         AND expires_at > $1",
    )
    .bind(ts(now))
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
