//! Bulk ratings and tickets for load measurements (`tongban bench seed --ratings N
//! --tickets N`), over the seeded cases, by set-based statements that read the same on both
//! backends. Scenery for measuring lists, outside the use cases and the audit trail.

use crate::{Store, StoreError};

impl Store {
    /// Adds up to `ratings` ratings (two per seeded case: acceptance and conclusion; one in
    /// twenty bad, each with its task) and up to `tickets` tickets; returns the counts the
    /// database then holds.
    pub async fn seed_feedback(
        &self,
        ratings: u64,
        tickets: u64,
    ) -> Result<(i64, i64), StoreError> {
        let mut tx = self.begin_write().await?;
        let cases = i64::try_from(ratings.div_ceil(2)).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO evaluations (id, case_id, case_no, stage, level, reasons, comment, \
             channel, rater_id, implementation_code, item_name, org_unit_id, org_path, \
             intake_path, hall_id, window_id, staff_id, rated_on, rated_at, amend_until) \
             SELECT 'seed-ev-' || c.id || '-' || s.stage, c.id, c.case_no, s.stage, \
             CASE WHEN c.rn % 20 = 0 THEN 1 WHEN c.rn % 20 = 1 THEN 2 \
             WHEN c.rn % 20 < 4 THEN 3 WHEN c.rn % 20 < 9 THEN 4 ELSE 5 END, \
             CASE WHEN c.rn % 20 < 2 THEN '[\"long_wait\"]' ELSE '[]' END, '', \
             CASE WHEN c.channel = 'window' THEN 'window' ELSE 'online' END, c.applicant_id, \
             c.implementation_code, c.item_name, c.org_unit_id, o.path, NULL, NULL, NULL, NULL, \
             SUBSTR(c.submitted_at, 1, 10), c.submitted_at, SUBSTR(c.submitted_at, 1, 10) \
             FROM (SELECT id, case_no, channel, applicant_id, implementation_code, item_name, \
             org_unit_id, submitted_at, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM cases \
             WHERE id LIKE 'seed-%' AND NOT EXISTS \
             (SELECT 1 FROM evaluations x WHERE x.case_id = cases.id) ORDER BY id LIMIT $1) c \
             JOIN org_units o ON o.id = c.org_unit_id \
             CROSS JOIN (SELECT 'acceptance' AS stage UNION ALL SELECT 'conclusion') s",
        )
        .bind(cases)
        .execute(&mut *tx)
        .await?;
        sqlx::query(super::evaluations::KEEP_NAMES)
            .bind("")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO rectifications (id, evaluation_id, org_unit_id, org_path, intake_path, \
             status, appealed, opened_at, verify_due, answer_due, closed_at, updated_at, \
             level, channel, rated_on, hall_id) \
             SELECT 'seed-rt-' || e.id, e.id, e.org_unit_id, e.org_path, NULL, \
             CASE WHEN e.stage = 'acceptance' THEN 'closed' ELSE 'rectifying' END, 0, \
             e.rated_at, e.rated_on, e.rated_on, \
             CASE WHEN e.stage = 'acceptance' THEN e.rated_at END, e.rated_at, e.level, \
             e.channel, e.rated_on, COALESCE(e.hall_id, '') \
             FROM evaluations e WHERE e.id LIKE 'seed-ev-%' AND e.level <= 2 AND NOT EXISTS \
             (SELECT 1 FROM rectifications r WHERE r.evaluation_id = e.id)",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO tickets (id, ticket_no, kind, status, caller_name, caller_phone, \
             caller_id_number, caller_account_id, case_id, implementation_code, org_unit_id, \
             org_path, intake_path, text, level, evaluation_id, returned, satisfaction, due, \
             created_at, created_by, updated_at) \
             SELECT 'seed-tk-' || c.id, 'RS' || SUBSTR(c.case_no, 1, 40) || c.rn, \
             CASE c.rn % 5 WHEN 0 THEN 'consultation' WHEN 1 THEN 'help_request' \
             WHEN 2 THEN 'complaint' WHEN 3 THEN 'suggestion' ELSE 'praise' END, \
             CASE WHEN c.rn % 3 = 0 THEN 'assigned' ELSE 'closed' END, '来电人', '13900000000', \
             NULL, c.applicant_id, c.id, c.implementation_code, c.org_unit_id, o.path, NULL, \
             '来电内容', NULL, NULL, 0, NULL, SUBSTR(c.submitted_at, 1, 10), c.submitted_at, \
             'seed', c.submitted_at \
             FROM (SELECT id, case_no, applicant_id, implementation_code, org_unit_id, \
             submitted_at, ROW_NUMBER() OVER (ORDER BY id DESC) AS rn FROM cases \
             WHERE id LIKE 'seed-%' AND NOT EXISTS \
             (SELECT 1 FROM tickets t WHERE t.case_id = cases.id) ORDER BY id DESC LIMIT $1) c \
             JOIN org_units o ON o.id = c.org_unit_id",
        )
        .bind(i64::try_from(tickets).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.recount_evaluations().await?;
        sqlx::query("ANALYZE").execute(&self.writer).await?;
        let e: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM evaluations")
            .fetch_one(&self.reader)
            .await?;
        let t: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
            .fetch_one(&self.reader)
            .await?;
        Ok((e, t))
    }
}
