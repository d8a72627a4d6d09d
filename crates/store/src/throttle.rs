//! Storage of failed-login counts, shared by every instance. The policy is the domain's.

use chrono::{DateTime, Utc};
use sqlx::Row;
use tongban_domain::throttle::FailureCount;

use crate::{Store, StoreError, parse_ts, ts};

impl Store {
    pub async fn login_failures(&self, key: &str) -> Result<Option<FailureCount>, StoreError> {
        let row = sqlx::query("SELECT count, window_start FROM login_failures WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.reader)
            .await?;
        match row {
            Some(row) => {
                let count: i64 = row.try_get("count")?;
                Ok(Some(FailureCount {
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                    window_start: parse_ts(&row.try_get::<String, _>("window_start")?)?,
                }))
            }
            None => Ok(None),
        }
    }

    pub async fn set_login_failures(&self, key: &str, f: FailureCount) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO login_failures (key, count, window_start) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET count = excluded.count, \
             window_start = excluded.window_start",
        )
        .bind(key)
        .bind(i64::from(f.count))
        .bind(ts(f.window_start))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Forgets windows that ended before `before`, so the table stays small.
    pub async fn prune_login_failures(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM login_failures WHERE window_start < $1")
                .bind(ts(before))
                .execute(&self.writer)
                .await?
                .rows_affected(),
        )
    }
}
