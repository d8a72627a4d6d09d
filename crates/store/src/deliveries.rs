//! Deliveries by SMS and e-mail: planned when a notification reaches the inbox (in the same
//! transaction), claimed by any instance's worker when due, marked sent, or tried again at
//! the time the domain's backoff gives. A person's channel preferences live here too.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use tongban_domain::audit::AuditEvent;
use tongban_domain::notify::{Channel, Preferences};

use crate::{OutboxMessage, Store, StoreError, audit, new_id, parse_ts, ts};

/// A delivery due now, with the notification's text.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: String,
    pub outbox_id: String,
    pub channel: Channel,
    pub address: String,
    /// Tries already made.
    pub attempts: u32,
    pub topic: String,
    pub subject: String,
    pub body: String,
    pub link: String,
}

/// A delivery as the person's record and the tests read it.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub channel: Channel,
    pub address: String,
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub topic: String,
}

impl Store {
    pub async fn notification_preferences(
        &self,
        account_id: &str,
    ) -> Result<Option<Preferences>, StoreError> {
        let row =
            sqlx::query("SELECT sms, email FROM notification_preferences WHERE account_id = $1")
                .bind(account_id)
                .fetch_optional(&self.reader)
                .await?;
        row.map(|r| {
            Ok(Preferences {
                sms: r.try_get::<i64, _>("sms")? != 0,
                email: r.try_get("email")?,
            })
        })
        .transpose()
    }

    pub async fn set_notification_preferences(
        &self,
        now: DateTime<Utc>,
        account_id: &str,
        prefs: &Preferences,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO notification_preferences (account_id, sms, email, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (account_id) \
             DO UPDATE SET sms = $2, email = $3, updated_at = $4",
        )
        .bind(account_id)
        .bind(i64::from(prefs.sms))
        .bind(&prefs.email)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                account_id,
                "account.notification_channels",
                format!("account:{account_id}"),
                format!(
                    "短信{} 邮件{}",
                    if prefs.sms { "开" } else { "关" },
                    if prefs.email.is_some() { "开" } else { "关" }
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Delivers a notification: into the inbox when `in_app`, and a pending delivery per
    /// channel, in one transaction; the notification is then delivered as far as the outbox
    /// is concerned (however often this runs, each lands once).
    pub async fn deliver_with_channels(
        &self,
        now: DateTime<Utc>,
        m: &OutboxMessage,
        in_app: bool,
        channels: &[(Channel, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if in_app {
            sqlx::query(
                "INSERT INTO messages (id, outbox_id, account_id, subject, body, link, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (outbox_id) DO NOTHING",
            )
            .bind(new_id())
            .bind(&m.id)
            .bind(&m.recipient)
            .bind(&m.subject)
            .bind(&m.body)
            .bind(&m.link)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
        for (channel, address) in channels {
            sqlx::query(
                "INSERT INTO deliveries (id, outbox_id, channel, address, status, next_at) \
                 VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT (outbox_id, channel) DO NOTHING",
            )
            .bind(new_id())
            .bind(&m.id)
            .bind(channel.as_str())
            .bind(address)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE outbox SET delivered_at = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(&m.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` deliveries due now (or whose claim went stale: a worker died).
    pub async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let stale = ts(now - Duration::minutes(5));
        let claimed: Vec<String> = sqlx::query_scalar(
            "UPDATE deliveries SET claimed_at = $1 WHERE id IN (SELECT id FROM deliveries \
             WHERE status = 'pending' AND next_at <= $1 AND (claimed_at IS NULL OR claimed_at < $2) \
             ORDER BY next_at LIMIT $3) RETURNING id",
        )
        .bind(ts(now))
        .bind(stale)
        .bind(limit)
        .fetch_all(&self.writer)
        .await?;
        let mut out = Vec::with_capacity(claimed.len());
        for id in claimed {
            let r = sqlx::query(
                "SELECT d.id, d.outbox_id, d.channel, d.address, d.attempts, o.topic, o.subject, \
                 o.body, o.link FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE d.id = $1",
            )
            .bind(&id)
            .fetch_one(&self.writer)
            .await?;
            let channel: String = r.try_get("channel")?;
            out.push(DueDelivery {
                id: r.try_get("id")?,
                outbox_id: r.try_get("outbox_id")?,
                channel: Channel::parse(&channel)
                    .ok_or_else(|| StoreError::Corrupt(format!("未知渠道 {channel}")))?,
                address: r.try_get("address")?,
                attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                topic: r.try_get("topic")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                link: r.try_get("link")?,
            });
        }
        Ok(out)
    }

    /// A delivery went out. A one-time code's text is forgotten with it (`forget_text`).
    pub async fn delivery_sent(
        &self,
        now: DateTime<Utc>,
        d: &DueDelivery,
        forget_text: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, sent_at = $1, \
             claimed_at = NULL WHERE id = $2",
        )
        .bind(ts(now))
        .bind(&d.id)
        .execute(&mut *tx)
        .await?;
        if forget_text {
            sqlx::query("UPDATE outbox SET body = '（已发送）' WHERE id = $1")
                .bind(&d.outbox_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A try failed: tried again at `retry_at`, or given up (`None`).
    pub async fn delivery_failed(
        &self,
        d: &DueDelivery,
        retry_at: Option<DateTime<Utc>>,
        error: &str,
    ) -> Result<(), StoreError> {
        let error: String = error.chars().take(500).collect();
        sqlx::query(
            "UPDATE deliveries SET attempts = attempts + 1, claimed_at = NULL, last_error = $1, \
             status = CASE WHEN $2 = 1 THEN 'pending' ELSE 'failed' END, \
             next_at = COALESCE($3, next_at) WHERE id = $4",
        )
        .bind(error)
        .bind(i64::from(retry_at.is_some()))
        .bind(retry_at.map(ts))
        .bind(&d.id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The deliveries of someone's notifications, newest first.
    pub async fn deliveries_of(
        &self,
        account_id: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.channel, d.address, d.status, d.attempts, d.last_error, d.sent_at, o.topic \
             FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.recipient = $1 \
             ORDER BY o.created_at DESC, d.channel LIMIT $2",
        )
        .bind(account_id)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let channel: String = r.try_get("channel")?;
                Ok(DeliveryRecord {
                    channel: Channel::parse(&channel)
                        .ok_or_else(|| StoreError::Corrupt(format!("未知渠道 {channel}")))?,
                    address: r.try_get("address")?,
                    status: r.try_get("status")?,
                    attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(0),
                    last_error: r.try_get("last_error")?,
                    sent_at: r
                        .try_get::<Option<String>, _>("sent_at")?
                        .map(|s| parse_ts(&s))
                        .transpose()?,
                    topic: r.try_get("topic")?,
                })
            })
            .collect()
    }
}
