//! Window staff records: posting dates and training sessions, each change audited.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tongban_domain::audit::AuditEvent;
use tongban_domain::hall::staff::Training;

use crate::{Store, StoreError, audit, new_id, ts};

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| StoreError::Corrupt(format!("日期 {s}")))
}

impl Store {
    pub async fn posting_of(&self, account_id: &str) -> Result<Option<NaiveDate>, StoreError> {
        let d: Option<String> =
            sqlx::query_scalar("SELECT posted_on FROM staff_postings WHERE account_id = $1")
                .bind(account_id)
                .fetch_optional(&self.reader)
                .await?;
        d.map(|d| date(&d)).transpose()
    }

    /// Every recorded posting, by account.
    pub async fn postings(&self) -> Result<Vec<(String, NaiveDate)>, StoreError> {
        let rows = sqlx::query("SELECT account_id, posted_on FROM staff_postings")
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("account_id")?,
                    date(&r.try_get::<String, _>("posted_on")?)?,
                ))
            })
            .collect()
    }

    pub async fn set_posting(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        account_id: &str,
        posted_on: NaiveDate,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO staff_postings (account_id, posted_on, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id) DO UPDATE SET posted_on = $2, updated_at = $3",
        )
        .bind(account_id)
        .bind(posted_on.format("%Y-%m-%d").to_string())
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "staff.posting",
                format!("account:{account_id}"),
                posted_on.to_string(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_training(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        account_id: &str,
        t: &Training,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO staff_trainings (id, account_id, day, title, hours_tenths, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(account_id)
        .bind(t.day.format("%Y-%m-%d").to_string())
        .bind(&t.title)
        .bind((t.hours * 10.0).round() as i64)
        .bind(actor)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "staff.training",
                format!("account:{account_id}"),
                &t.title,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn trainings_of(&self, account_id: &str) -> Result<Vec<Training>, StoreError> {
        let rows = sqlx::query("SELECT day, title, hours_tenths FROM staff_trainings WHERE account_id = $1 ORDER BY day DESC")
            .bind(account_id)
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Training {
                    day: date(&r.try_get::<String, _>("day")?)?,
                    title: r.try_get("title")?,
                    hours: r.try_get::<i64, _>("hours_tenths")? as f64 / 10.0,
                })
            })
            .collect()
    }
}
