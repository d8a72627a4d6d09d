//! Storage of holiday arrangements entered through the platform, and the due dates that
//! change with them.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tongban_domain::audit::AuditEvent;

use crate::{Store, StoreError, audit, parse_ts, ts};

/// One entered day: (date, `holiday` or `workday`, festival name).
pub type CalendarDay = (NaiveDate, String, String);

impl Store {
    /// Every entered day, oldest first.
    pub async fn calendar_days(&self) -> Result<Vec<CalendarDay>, StoreError> {
        let rows = sqlx::query("SELECT day, kind, name FROM calendar_days ORDER BY day")
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|r| {
                let day: String = r.try_get("day")?;
                Ok((
                    NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                        .map_err(|e| StoreError::Corrupt(format!("{day}: {e}")))?,
                    r.try_get("kind")?,
                    r.try_get("name")?,
                ))
            })
            .collect()
    }

    /// A fingerprint of the entered days, so instances notice a change: (count, latest entry).
    pub async fn calendar_version(&self) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n, MAX(entered_at) AS latest FROM calendar_days")
            .fetch_one(&self.reader)
            .await?;
        let latest: Option<String> = row.try_get("latest")?;
        Ok((
            row.try_get("n")?,
            latest.as_deref().map(parse_ts).transpose()?,
        ))
    }

    /// Enters (or corrects) days of an arrangement, in one transaction with its audit row.
    pub async fn enter_calendar_days(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        days: &[CalendarDay],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (day, kind, name) in days {
            sqlx::query(
                "INSERT INTO calendar_days (day, kind, name, entered_by, entered_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, \
                 name = excluded.name, entered_by = excluded.entered_by, entered_at = excluded.entered_at",
            )
            .bind(day.format("%Y-%m-%d").to_string())
            .bind(kind)
            .bind(name)
            .bind(actor)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "calendar.enter",
                "calendar",
                format!("{} 天", days.len()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a case's due dates after a recount.
    pub async fn set_case_dues(
        &self,
        case_id: &str,
        statutory: NaiveDate,
        promised: NaiveDate,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE cases SET statutory_due = $1, promised_due = $2 WHERE id = $3")
            .bind(statutory.format("%Y-%m-%d").to_string())
            .bind(promised.format("%Y-%m-%d").to_string())
            .bind(case_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}
