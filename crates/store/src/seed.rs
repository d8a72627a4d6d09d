//! Bulk data for load measurements (`tongban bench seed`): many cases with their timeline
//! events, spread over the published items, a year of days, every status and a thousand
//! applicants, written by a few set-based statements. Seeded rows bypass the use cases and
//! the audit trail on purpose: they are scenery for measuring lists, not records of anything.

use sqlx::AssertSqlSafe;

use crate::{Backend, Store, StoreError};

impl Store {
    /// Adds `count` cases (ids `seed-…`) and two events each; returns how many cases the
    /// database then holds. Every thousandth case belongs to `demo_applicant_login`, so its
    /// tracking pages can be opened by logging in as that account.
    pub async fn seed_cases(
        &self,
        count: u64,
        demo_applicant_login: &str,
    ) -> Result<i64, StoreError> {
        let pg = self.backend == Backend::Postgres;
        let mut tx = self.begin_write().await?;
        // A thousand applicants without passwords.
        let accounts = if pg {
            "INSERT INTO accounts (id, kind, login, name, password_hash, created_at) \
             SELECT 'seed-applicant-' || g, 'citizen', 'SEED' || lpad(g::text, 6, '0'), \
             '测试申请人' || g, '!seed', '2026-01-01T00:00:00.000000Z' \
             FROM generate_series(0, 999) g ON CONFLICT (login) DO NOTHING"
        } else {
            "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < 999) \
             INSERT OR IGNORE INTO accounts (id, kind, login, name, password_hash, created_at) \
             SELECT 'seed-applicant-' || i, 'citizen', 'SEED' || printf('%06d', i), \
             '测试申请人' || i, '!seed', '2026-01-01T00:00:00.000000Z' FROM g"
        };
        sqlx::query(accounts).execute(&mut *tx).await?;
        let items = "CREATE TEMPORARY TABLE seed_items AS \
             SELECT ROW_NUMBER() OVER (ORDER BY p.implementation_code) - 1 AS k, \
             p.implementation_code, p.version_id, v.name, v.org_unit_id \
             FROM published_items p JOIN item_versions v ON v.id = p.version_id";
        sqlx::query(items).execute(&mut *tx).await?;
        let demo: String = sqlx::query_scalar("SELECT id FROM accounts WHERE login = $1")
            .bind(demo_applicant_login)
            .fetch_one(&mut *tx)
            .await?;
        let start: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(&mut *tx)
            .await?;
        // Case i: item i mod n, day (i / n) mod 365 of 2026, sequence i / (n · 365) + 1 within
        // that item and day; status by i mod 10 (half concluded or delivered, the rest open).
        let statuses = "CASE i % 10 WHEN 0 THEN 'submitted' WHEN 1 THEN 'awaiting_supplement' \
             WHEN 2 THEN 'accepted' WHEN 3 THEN 'in_review' WHEN 4 THEN 'decided' \
             WHEN 5 THEN 'concluded' WHEN 6 THEN 'withdrawn' ELSE 'delivered' END";
        let insert = if pg {
            format!(
                "INSERT INTO cases (id, case_no, implementation_code, item_version_id, item_name, \
                 org_unit_id, applicant_id, status, channel, submitted_at, statutory_due, \
                 promised_due, updated_at) \
                 SELECT 'seed-' || i, s.implementation_code \
                 || to_char(date '2026-01-01' + ((i / n) % 365)::int, 'YYYYMMDD') \
                 || lpad((i / (n * 365) + 1 + 5000)::text, 4, '0'), \
                 s.implementation_code, s.version_id, s.name, s.org_unit_id, \
                 CASE WHEN i % 1000 = 0 THEN $2 ELSE 'seed-applicant-' || (i % 1000) END, \
                 {statuses}, CASE WHEN i % 3 = 0 THEN 'window' ELSE 'online' END, \
                 to_char(date '2026-01-01' + ((i / n) % 365)::int, 'YYYY-MM-DD') \
                 || 'T01:00:00.000000Z', \
                 to_char(date '2026-01-01' + ((i / n) % 365)::int + 20, 'YYYY-MM-DD'), \
                 to_char(date '2026-01-01' + ((i / n) % 365)::int + 10, 'YYYY-MM-DD'), \
                 '2026-01-01T01:00:00.000000Z' \
                 FROM generate_series($1::bigint, $1::bigint + $3::bigint - 1) i \
                 CROSS JOIN (SELECT COUNT(*) AS n FROM seed_items) c \
                 JOIN seed_items s ON s.k = i % n"
            )
        } else {
            format!(
                "WITH RECURSIVE g(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM g \
                 WHERE i < $1 + $3 - 1), c(n) AS (SELECT COUNT(*) FROM seed_items) \
                 INSERT INTO cases (id, case_no, implementation_code, item_version_id, \
                 item_name, org_unit_id, applicant_id, status, channel, submitted_at, \
                 statutory_due, promised_due, updated_at) \
                 SELECT 'seed-' || i, s.implementation_code \
                 || strftime('%Y%m%d', date('2026-01-01', '+' || ((i / n) % 365) || ' days')) \
                 || printf('%04d', i / (n * 365) + 1 + 5000), \
                 s.implementation_code, s.version_id, s.name, s.org_unit_id, \
                 CASE WHEN i % 1000 = 0 THEN $2 ELSE 'seed-applicant-' || (i % 1000) END, \
                 {statuses}, CASE WHEN i % 3 = 0 THEN 'window' ELSE 'online' END, \
                 date('2026-01-01', '+' || ((i / n) % 365) || ' days') || 'T01:00:00.000000Z', \
                 date('2026-01-01', '+' || ((i / n) % 365 + 20) || ' days'), \
                 date('2026-01-01', '+' || ((i / n) % 365 + 10) || ' days'), \
                 '2026-01-01T01:00:00.000000Z' \
                 FROM g CROSS JOIN c JOIN seed_items s ON s.k = i % n"
            )
        };
        sqlx::query(AssertSqlSafe(insert))
            .bind(start)
            .bind(&demo)
            .bind(i64::try_from(count).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        // Two timeline events each: the application and the status it now has.
        for (suffix, action, status, at) in [
            ("-1", "'submit'", "'submitted'", "c.submitted_at"),
            ("-2", "'seed'", "c.status", "c.updated_at"),
        ] {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO case_events (id, case_id, at, actor, action, status_after, detail) \
                 SELECT c.id || '{suffix}', c.id, {at}, c.applicant_id, {action}, {status}, '' \
                 FROM cases c WHERE c.id LIKE 'seed-%' AND NOT EXISTS \
                 (SELECT 1 FROM case_events e WHERE e.id = c.id || '{suffix}')"
            )))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DROP TABLE seed_items")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        // Fresh statistics, so the planner knows the tables' new size.
        sqlx::query("ANALYZE").execute(&self.writer).await?;
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(&self.reader)
            .await?)
    }
}
