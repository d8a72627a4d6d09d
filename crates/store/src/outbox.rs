//! The outbox and in-app messages. A notification is enqueued inside the transaction of the
//! change it announces, so it exists exactly when the change does; workers on any instance
//! deliver it afterwards.

use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Row};

use crate::{Store, StoreError, new_id, parse_ts, ts};

/// A notification to deliver.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub id: String,
    pub topic: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub link: String,
}

/// A message in someone's in-app inbox.
#[derive(Debug, Clone)]
pub struct Message {
    pub subject: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
}

/// Enqueues inside the caller's transaction; a repeated `dedupe_key` is ignored.
#[expect(clippy::too_many_arguments, reason = "one outbox row, field by field")]
pub(crate) async fn enqueue(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    topic: &str,
    recipient: &str,
    subject: &str,
    body: &str,
    link: &str,
    dedupe_key: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (id, topic, recipient, subject, body, link, dedupe_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(topic)
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(link)
    .bind(dedupe_key)
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Claims up to `limit` undelivered notifications (or ones whose claim went stale, e.g.
    /// a worker that died), for this worker to deliver.
    pub async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let stale = ts(now - Duration::minutes(5));
        let rows = sqlx::query(
            "UPDATE outbox SET claimed_at = $1 WHERE id IN (SELECT id FROM outbox \
             WHERE delivered_at IS NULL AND (claimed_at IS NULL OR claimed_at < $2) \
             ORDER BY created_at LIMIT $3) \
             RETURNING id, topic, recipient, subject, body, link",
        )
        .bind(ts(now))
        .bind(stale)
        .bind(limit)
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxMessage {
                    id: r.try_get("id")?,
                    topic: r.try_get("topic")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    link: r.try_get("link")?,
                })
            })
            .collect()
    }

    /// Someone's in-app messages, newest first.
    pub async fn messages_of(
        &self,
        account_id: &str,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject, body, link, created_at FROM messages WHERE account_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Message {
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    link: r.try_get("link")?,
                    created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
                })
            })
            .collect()
    }
}
