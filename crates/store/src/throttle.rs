//! Storage of login-attempt counters, shared by every instance. The policy is the domain's;
//! this file only makes "count this attempt if it may be made now" one atomic statement.

use chrono::{DateTime, Duration, Utc};
use sqlx::{AssertSqlSafe, Row};
use tongban_domain::throttle::FailureCount;

use crate::{Store, StoreError, parse_ts, ts};

impl Store {
    pub async fn login_failures(&self, key: &str) -> Result<Option<FailureCount>, StoreError> {
        let row =
            sqlx::query("SELECT count, window_start, next_at FROM login_failures WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.writer)
                .await?;
        match row {
            Some(row) => {
                let count: i64 = row.try_get("count")?;
                let window_start = parse_ts(&row.try_get::<String, _>("window_start")?)?;
                let next_at: String = row.try_get("next_at")?;
                Ok(Some(FailureCount {
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                    window_start,
                    next_at: if next_at.is_empty() {
                        window_start
                    } else {
                        parse_ts(&next_at)?
                    },
                }))
            }
            None => Ok(None),
        }
    }

    /// Counts an attempt on `key` at `now` if one may be made now — the counter's window is
    /// over (it starts afresh) or its wait has passed — and sets the wait after it from
    /// `ladder` (the waits after the `free`-th attempt on, the last repeated). One UPSERT,
    /// so parallel attempts are counted one by one and none slips past a wait another has
    /// just set. `None` when the attempt must wait.
    pub async fn count_login_attempt(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
        free: u32,
        ladder: &[Duration],
    ) -> Result<Option<u32>, StoreError> {
        // The next wait for the counter's new count `c`, as SQL over bound instants.
        let next_for = |c: &str, first_param: usize| {
            let mut sql = format!("CASE WHEN {c} < {free} THEN $2");
            for i in 0..ladder.len().saturating_sub(1) {
                sql.push_str(&format!(
                    " WHEN {c} = {} THEN ${}",
                    u64::from(free) + i as u64,
                    first_param + i
                ));
            }
            sql.push_str(&format!(
                " ELSE ${} END",
                first_param + ladder.len().saturating_sub(1)
            ));
            sql
        };
        let stale = "login_failures.window_start <= $3";
        let sql = format!(
            "INSERT INTO login_failures (key, count, window_start, next_at) \
             VALUES ($1, 1, $2, {first}) \
             ON CONFLICT (key) DO UPDATE SET \
             count = CASE WHEN {stale} THEN 1 ELSE login_failures.count + 1 END, \
             window_start = CASE WHEN {stale} THEN $2 ELSE login_failures.window_start END, \
             next_at = CASE WHEN {stale} THEN {first} ELSE {next} END \
             WHERE {stale} OR login_failures.next_at <= $2 \
             RETURNING count",
            first = next_for("1", 4),
            next = next_for("login_failures.count + 1", 4),
        );
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .bind(key.to_owned())
            .bind(ts(now))
            .bind(ts(now - window));
        for d in ladder {
            q = q.bind(ts(now + *d));
        }
        if ladder.is_empty() {
            q = q.bind(ts(now));
        }
        let row = q.fetch_optional(&self.writer).await?;
        Ok(match row {
            Some(r) => Some(u32::try_from(r.try_get::<i64, _>("count")?).unwrap_or(u32::MAX)),
            None => None,
        })
    }

    /// Takes back one counted attempt (a successful login from a shared address).
    pub async fn uncount_login_attempt(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE login_failures SET count = count - 1 WHERE key = $1 AND count > 0")
            .bind(key)
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
