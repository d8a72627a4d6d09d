//! Ratings: the reasons list, a case's ratings with what they name, additions, the rating
//! links of the counter tablet, and anonymous hall ratings kept apart.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;
use tongban_domain::audit::AuditEvent;
use tongban_domain::authz::FeedbackReach;
use tongban_domain::feedback::evaluation::Reason;

use super::{NewRectification, Where, date, parse_date, record_event};
use crate::{Store, StoreError, audit, new_id, ts};

/// A rating to record, with everything it names, and the task it opens if it is bad.
#[derive(Debug, Clone)]
pub struct NewEvaluation {
    pub id: String,
    pub case_id: String,
    pub stage: String,
    pub level: i64,
    pub reasons: Vec<String>,
    pub comment: String,
    pub channel: String,
    pub rater_id: String,
    pub window_id: Option<String>,
    pub staff_id: Option<String>,
    pub rated_on: NaiveDate,
    pub amend_until: NaiveDate,
    pub rectification: Option<NewRectification>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationRecord {
    pub id: String,
    pub case_id: String,
    pub case_no: String,
    pub stage: String,
    pub level: i64,
    /// Reason codes, JSON array text.
    pub reasons: String,
    pub comment: String,
    pub channel: String,
    pub rater_id: String,
    pub rater_name: String,
    pub implementation_code: String,
    pub item_name: String,
    pub org_unit_id: String,
    pub org_name: String,
    pub org_path: String,
    pub intake_path: Option<String>,
    pub hall_name: Option<String>,
    pub window_name: Option<String>,
    pub staff_name: Option<String>,
    pub rated_on: String,
    #[sqlx(try_from = "crate::DbTime")]
    pub rated_at: DateTime<Utc>,
    pub amend_until: String,
    pub rectification_id: Option<String>,
    pub rectification_status: Option<String>,
    pub rectification_due: Option<String>,
}

impl EvaluationRecord {
    pub fn reason_codes(&self) -> Vec<String> {
        serde_json::from_str(&self.reasons).unwrap_or_default()
    }

    pub fn amend_until_date(&self) -> Result<NaiveDate, StoreError> {
        parse_date(&self.amend_until)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationAddition {
    #[sqlx(try_from = "crate::DbTime")]
    pub at: DateTime<Utc>,
    pub reasons: String,
    pub comment: String,
}

/// A list's filters (each optional) and page.
#[derive(Debug, Clone, Default)]
pub struct EvaluationQuery {
    pub department: Option<String>,
    pub hall: Option<String>,
    pub window: Option<String>,
    pub staff: Option<String>,
    pub channel: Option<String>,
    pub level: Option<i64>,
    /// Only 差评 (levels 1 and 2).
    pub bad_only: bool,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub rater: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvaluationTotals {
    pub ratings: i64,
    pub good: i64,
    pub bad: i64,
    /// Bad real-name ratings whose task is closed.
    pub closed_tasks: i64,
    /// Bad real-name ratings whose department has verified with the rater (回访).
    pub followed_up: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationLink {
    pub case_id: String,
    pub window_id: Option<String>,
    pub staff_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewHallEvaluation {
    pub hall_id: String,
    /// A digest of the device, hall and day (never the address itself).
    pub source: String,
    pub level: i64,
    pub reasons: Vec<String>,
    pub comment: String,
    pub rated_on: NaiveDate,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HallEvaluation {
    pub hall_name: String,
    pub level: i64,
    pub reasons: String,
    pub comment: String,
    #[sqlx(try_from = "crate::DbTime")]
    pub rated_at: DateTime<Utc>,
}

/// The names a rating shows are kept on it (migration 0019), so a list joins only its task.
const SELECT: &str = "SELECT e.id, e.case_id, e.case_no, e.stage, e.level, e.reasons, \
     e.comment, e.channel, e.rater_id, e.rater_name, e.implementation_code, \
     e.item_name, e.org_unit_id, e.org_name, e.org_path, e.intake_path, \
     e.hall_name, e.window_name, e.staff_name, e.rated_on, \
     e.rated_at, e.amend_until, r.id AS rectification_id, r.status AS rectification_status, \
     r.answer_due AS rectification_due \
     FROM evaluations e LEFT JOIN rectifications r ON r.evaluation_id = e.id";

/// Writes the names of what ratings name onto them (`$1`: one rating's id, or `''` for every
/// rating still without them, after a bulk load).
pub(crate) const KEEP_NAMES: &str = "UPDATE evaluations SET \
     rater_name = COALESCE((SELECT a.name FROM accounts a WHERE a.id = evaluations.rater_id), ''), \
     org_name = COALESCE((SELECT o.name FROM org_units o WHERE o.id = evaluations.org_unit_id), ''), \
     hall_name = (SELECT h.name FROM service_halls h WHERE h.id = evaluations.hall_id), \
     window_name = (SELECT w.name FROM windows w WHERE w.id = evaluations.window_id), \
     staff_name = (SELECT a.name FROM accounts a WHERE a.id = evaluations.staff_id) \
     WHERE evaluations.id = $1 OR ($1 = '' AND evaluations.rater_name = '')";

impl Store {
    /// The reasons offered now, in the bureau's order.
    pub async fn evaluation_reasons(&self, with_retired: bool) -> Result<Vec<Reason>, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT code, label, for_bad FROM evaluation_reasons \
             WHERE retired = 0 OR $1 = 1 ORDER BY sort, code",
        )
        .bind(i64::from(with_retired))
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(code, label, for_bad)| Reason {
                code,
                label,
                for_bad: for_bad != 0,
            })
            .collect())
    }

    /// Adds a reason, or brings a retired one back with its new label.
    pub async fn put_evaluation_reason(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        reason: &Reason,
        retired: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO evaluation_reasons (code, label, for_bad, sort, retired) \
             VALUES ($1, $2, $3, (SELECT COALESCE(MAX(sort), 0) + 1 FROM evaluation_reasons), $4) \
             ON CONFLICT (code) DO UPDATE SET label = excluded.label, \
             for_bad = excluded.for_bad, retired = excluded.retired",
        )
        .bind(&reason.code)
        .bind(&reason.label)
        .bind(i64::from(reason.for_bad))
        .bind(i64::from(retired))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                if retired {
                    "evaluation.reason_retire"
                } else {
                    "evaluation.reason_put"
                },
                format!("reason:{}", reason.code),
                &reason.label,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a rating (its case's item, department, intake unit and hall copied from the
    /// case), the task it opens and the message about it, in one transaction with the audit
    /// rows. A stage already rated is `Conflict`.
    pub async fn record_evaluation(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        e: &NewEvaluation,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_evaluation(&mut tx, now, actor, e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds reasons or a comment to a rating, while `today` is within its five working days
    /// (checked again here, so a late addition cannot slip in between check and write).
    pub async fn add_to_evaluation(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        evaluation_id: &str,
        today: NaiveDate,
        reasons: &[String],
        comment: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let open: Option<String> =
            sqlx::query_scalar("SELECT id FROM evaluations WHERE id = $1 AND amend_until >= $2")
                .bind(evaluation_id)
                .bind(date(today))
                .fetch_optional(&mut *tx)
                .await?;
        if open.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO evaluation_additions (id, evaluation_id, at, reasons, comment) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(evaluation_id)
        .bind(ts(now))
        .bind(serde_json::to_string(reasons).unwrap_or_else(|_| "[]".into()))
        .bind(comment)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "evaluation.add",
                format!("evaluation:{evaluation_id}"),
                "",
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn evaluation_by_id(&self, id: &str) -> Result<EvaluationRecord, StoreError> {
        Ok(
            sqlx::query_as(AssertSqlSafe(format!("{SELECT} WHERE e.id = $1")))
                .bind(id)
                .fetch_one(&self.reader)
                .await?,
        )
    }

    pub async fn evaluations_of_case(
        &self,
        case_id: &str,
    ) -> Result<Vec<EvaluationRecord>, StoreError> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "{SELECT} WHERE e.case_id = $1 ORDER BY e.rated_at"
        )))
        .bind(case_id)
        .fetch_all(&self.reader)
        .await?)
    }

    pub async fn evaluation_additions(
        &self,
        evaluation_id: &str,
    ) -> Result<Vec<EvaluationAddition>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT at, reasons, comment FROM evaluation_additions WHERE evaluation_id = $1 \
             ORDER BY at",
        )
        .bind(evaluation_id)
        .fetch_all(&self.reader)
        .await?)
    }

    /// Ratings within the reach and the filters, newest first: the page's ids first, read
    /// arm by arm from the `(path, rated_at)` indexes, then only those rows joined.
    pub async fn list_evaluations(
        &self,
        reach: &FeedbackReach,
        q: &EvaluationQuery,
    ) -> Result<Vec<EvaluationRecord>, StoreError> {
        let Some(arms) = self.reach_arms(reach).await? else {
            return Ok(Vec::new());
        };
        let mut w = evaluation_filter(&EvaluationQuery {
            bad_only: false,
            ..q.clone()
        });
        w.arms(&arms, "e.org_path", "e.intake_path");
        if q.bad_only {
            w.int_arms("e.level", &[1, 2]);
        }
        let sql = format!(
            "{SELECT} WHERE e.id IN ({}) ORDER BY e.rated_at DESC, e.id DESC",
            w.page_ids_sql("evaluations e", "e", "rated_at", q.limit, q.offset)
        );
        let mut query = sqlx::query_as(AssertSqlSafe(sql));
        for v in &w.values {
            query = query.bind(v.clone());
        }
        Ok(query.fetch_all(&self.reader).await?)
    }

    /// Counts within the reach and filters: ratings, good and bad, and how many bad ones
    /// reached a closed task and a follow-up call. Ratings are summed from the per-day
    /// counts (`evaluation_counts`, kept with every rating) unless a filter those counts do
    /// not carry (window, staff member, rater) narrows the list to few rows anyway; tasks
    /// are counted from the tasks, which only bad ratings have.
    pub async fn evaluation_totals(
        &self,
        reach: &FeedbackReach,
        q: &EvaluationQuery,
    ) -> Result<EvaluationTotals, StoreError> {
        let Some(arms) = self.reach_arms(reach).await? else {
            return Ok(EvaluationTotals::default());
        };
        let mut w = evaluation_filter(q);
        w.paths_in(&arms, "e.org_path", "e.intake_path");
        let narrow = q.window.is_some() || q.staff.is_some() || q.rater.is_some();
        let (from, n) = if narrow {
            ("evaluations e", "1")
        } else {
            ("evaluation_counts e", "e.n")
        };
        // Sums cast back to BIGINT: PostgreSQL sums BIGINTs as NUMERIC.
        let sql = format!(
            "SELECT CAST(COALESCE(SUM({n}), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN e.level >= 4 THEN {n} ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN e.level <= 2 THEN {n} ELSE 0 END), 0) AS BIGINT) \
             FROM {from} {}",
            w.sql()
        );
        let mut query = sqlx::query_as::<_, (i64, i64, i64)>(AssertSqlSafe(sql));
        for v in &w.values {
            query = query.bind(v.clone());
        }
        let (ratings, good, bad) = query.fetch_one(&self.reader).await?;
        // Tasks carry their rating's filtered columns (migration 0018), so they are counted
        // alone unless a narrow filter needs the rating's row.
        let from = if narrow {
            "rectifications r JOIN evaluations e ON e.id = r.evaluation_id"
        } else {
            "rectifications e"
        };
        let status = if narrow { "r.status" } else { "e.status" };
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN {status} = 'closed' THEN 1 ELSE 0 END), 0) \
             AS BIGINT), CAST(COALESCE(SUM(CASE WHEN {status} <> 'awaiting_verification' \
             THEN 1 ELSE 0 END), 0) AS BIGINT) FROM {from} {}",
            w.sql()
        );
        let mut query = sqlx::query_as::<_, (i64, i64)>(AssertSqlSafe(sql));
        for v in &w.values {
            query = query.bind(v.clone());
        }
        let (closed_tasks, followed_up) = query.fetch_one(&self.reader).await?;
        Ok(EvaluationTotals {
            ratings,
            good,
            bad,
            closed_tasks,
            followed_up,
        })
    }

    /// Rebuilds the per-day rating counts from the ratings (after a bulk load; the same
    /// statement migration 0018 ran), returning how many ratings they count.
    pub async fn recount_evaluations(&self) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM evaluation_counts")
            .execute(&mut *tx)
            .await?;
        sqlx::query(RECOUNT).execute(&mut *tx).await?;
        let n: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM evaluation_counts")
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// A rating link for a case (the counter tablet, the receipt's QR code).
    pub async fn create_evaluation_link(
        &self,
        now: DateTime<Utc>,
        token_hash: &str,
        link: &EvaluationLink,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO evaluation_links (token_hash, case_id, window_id, staff_id, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(&link.case_id)
        .bind(&link.window_id)
        .bind(&link.staff_id)
        .bind(ts(now))
        .bind(ts(expires_at))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn evaluation_link(
        &self,
        now: DateTime<Utc>,
        token_hash: &str,
    ) -> Result<Option<EvaluationLink>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT case_id, window_id, staff_id FROM evaluation_links \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(&self.reader)
        .await?)
    }

    pub async fn record_hall_evaluation(
        &self,
        now: DateTime<Utc>,
        e: &NewHallEvaluation,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let n = sqlx::query(
            "INSERT INTO hall_evaluations (id, hall_id, hall_path, level, reasons, comment, \
             rated_on, rated_at, source) SELECT $1, h.id, o.path, $3, $4, $5, $6, $7, $8 \
             FROM service_halls h JOIN org_units o ON o.id = h.org_unit_id WHERE h.id = $2",
        )
        .bind(&id)
        .bind(&e.hall_id)
        .bind(e.level)
        .bind(serde_json::to_string(&e.reasons).unwrap_or_else(|_| "[]".into()))
        .bind(&e.comment)
        .bind(date(e.rated_on))
        .bind(ts(now))
        .bind(&e.source)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                "anonymous",
                "evaluation.anonymous",
                format!("hall:{}", e.hall_id),
                e.level.to_string(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many anonymous ratings came from `source` (a device, hall and day's digest).
    pub async fn hall_evaluations_from(&self, source: &str) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM hall_evaluations WHERE source = $1")
                .bind(source)
                .fetch_one(&self.reader)
                .await?,
        )
    }

    /// Anonymous hall ratings within the reach (by the hall's unit), newest first.
    pub async fn list_hall_evaluations(
        &self,
        reach: &FeedbackReach,
        limit: i64,
    ) -> Result<Vec<HallEvaluation>, StoreError> {
        let mut w = Where::default();
        if !w.reach(reach, "x.hall_path", "x.hall_path") {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT h.name AS hall_name, x.level, x.reasons, x.comment, x.rated_at \
             FROM hall_evaluations x JOIN service_halls h ON h.id = x.hall_id {} \
             ORDER BY x.rated_at DESC LIMIT {}",
            w.sql(),
            limit.clamp(1, 500)
        );
        let mut query = sqlx::query_as(AssertSqlSafe(sql));
        for v in &w.values {
            query = query.bind(v.clone());
        }
        Ok(query.fetch_all(&self.reader).await?)
    }
}

/// Rebuilds `evaluation_counts` (empty) from `evaluations`.
const RECOUNT: &str = "INSERT INTO evaluation_counts (org_unit_id, org_path, intake_path, \
     hall_id, rated_on, channel, level, n) SELECT org_unit_id, org_path, \
     COALESCE(intake_path, ''), COALESCE(hall_id, ''), rated_on, channel, level, COUNT(*) \
     FROM evaluations GROUP BY org_unit_id, org_path, COALESCE(intake_path, ''), \
     COALESCE(hall_id, ''), rated_on, channel, level";

/// The filters of a list (the caller adds the reach). Columns the per-day counts carry are
/// named as there (`e.org_unit_id`, `e.hall_id`, `e.channel`, `e.level`, `e.rated_on`), so
/// the same clause reads either table.
fn evaluation_filter(q: &EvaluationQuery) -> Where {
    let mut w = Where::default();
    if let Some(d) = &q.department {
        w.push("e.org_unit_id", "=", d.clone());
    }
    if let Some(h) = &q.hall {
        w.push("e.hall_id", "=", h.clone());
    }
    if let Some(x) = &q.window {
        w.push("e.window_id", "=", x.clone());
    }
    if let Some(s) = &q.staff {
        w.push("e.staff_id", "=", s.clone());
    }
    if let Some(c) = &q.channel {
        w.push("e.channel", "=", c.clone());
    }
    if let Some(l) = q.level {
        w.push_int("e.level", l);
    }
    if q.bad_only {
        w.raw("e.level <= 2");
    }
    if let Some(f) = q.from {
        w.push("e.rated_on", ">=", date(f));
    }
    if let Some(t) = q.to {
        w.push("e.rated_on", "<=", date(t));
    }
    if let Some(r) = &q.rater {
        w.push("e.rater_id", "=", r.clone());
    }
    w
}

/// Inserts a rating inside the caller's transaction (a hotline ticket's too).
pub(crate) async fn insert_evaluation(
    tx: &mut sqlx::AnyConnection,
    now: DateTime<Utc>,
    actor: &str,
    e: &NewEvaluation,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "INSERT INTO evaluations (id, case_id, case_no, stage, level, reasons, comment, channel, \
         rater_id, implementation_code, item_name, org_unit_id, org_path, intake_path, hall_id, \
         window_id, staff_id, rated_on, rated_at, amend_until) \
         SELECT $1, c.id, c.case_no, $3, $4, $5, $6, $7, $8, c.implementation_code, c.item_name, \
         c.org_unit_id, o.path, COALESCE(i.path, (SELECT ho.path FROM windows w \
         JOIN service_halls h ON h.id = w.hall_id JOIN org_units ho ON ho.id = h.org_unit_id \
         WHERE w.id = $9)), \
         COALESCE((SELECT w.hall_id FROM windows w WHERE w.id = $9), \
         (SELECT h.id FROM service_halls h WHERE h.org_unit_id = c.intake_org_id \
         ORDER BY h.sort, h.id LIMIT 1)), $9, COALESCE($10, c.first_responder), $11, $12, $13 \
         FROM cases c JOIN org_units o ON o.id = c.org_unit_id \
         LEFT JOIN org_units i ON i.id = c.intake_org_id WHERE c.id = $2",
    )
    .bind(&e.id)
    .bind(&e.case_id)
    .bind(&e.stage)
    .bind(e.level)
    .bind(serde_json::to_string(&e.reasons).unwrap_or_else(|_| "[]".into()))
    .bind(&e.comment)
    .bind(&e.channel)
    .bind(&e.rater_id)
    .bind(&e.window_id)
    .bind(&e.staff_id)
    .bind(date(e.rated_on))
    .bind(ts(now))
    .bind(date(e.amend_until))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    sqlx::query(KEEP_NAMES)
        .bind(&e.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO evaluation_counts (org_unit_id, org_path, intake_path, hall_id, rated_on, \
         channel, level, n) SELECT org_unit_id, org_path, COALESCE(intake_path, ''), \
         COALESCE(hall_id, ''), rated_on, channel, level, 1 FROM evaluations WHERE id = $1 \
         ON CONFLICT (org_unit_id, org_path, intake_path, hall_id, rated_on, channel, level) \
         DO UPDATE SET n = evaluation_counts.n + 1",
    )
    .bind(&e.id)
    .execute(&mut *tx)
    .await?;
    audit::append(
        tx,
        now,
        AuditEvent::new(
            actor,
            "evaluation.rate",
            format!("evaluation:{}", e.id),
            format!("{} {}", e.stage, e.level),
        ),
    )
    .await?;
    if let Some(r) = &e.rectification {
        sqlx::query(
            "INSERT INTO rectifications (id, evaluation_id, org_unit_id, org_path, intake_path, \
             status, appealed, opened_at, verify_due, answer_due, updated_at, level, channel, \
             rated_on, hall_id) \
             SELECT $1, e.id, COALESCE(hu.id, e.org_unit_id), COALESCE(hu.path, e.org_path), \
             e.intake_path, 'awaiting_verification', 0, $2, $3, $4, $2, e.level, e.channel, \
             e.rated_on, COALESCE(e.hall_id, '') FROM evaluations e \
             LEFT JOIN windows w ON w.id = e.window_id AND $6 = 1 \
             LEFT JOIN service_halls h ON h.id = w.hall_id \
             LEFT JOIN org_units hu ON hu.id = h.org_unit_id WHERE e.id = $5",
        )
        .bind(&r.id)
        .bind(ts(now))
        .bind(date(r.verify_due))
        .bind(date(r.answer_due))
        .bind(&e.id)
        .bind(i64::from(r.to_hall))
        .execute(&mut *tx)
        .await?;
        let subject = format!("rectification:{}", r.id);
        record_event(
            tx,
            now,
            actor,
            &subject,
            "open",
            "awaiting_verification",
            "差评自动生成整改任务",
            &[],
        )
        .await?;
        let unit: String =
            sqlx::query_scalar("SELECT org_unit_id FROM rectifications WHERE id = $1")
                .bind(&r.id)
                .fetch_one(&mut *tx)
                .await?;
        super::tell_staff(
            tx,
            now,
            &subject,
            // A hall's task goes to its unit's bureau staff, a department's to its reviewers.
            if r.to_hall {
                "bureau_admin"
            } else {
                "reviewer"
            },
            Some(&unit),
            "收到一条差评，请在 1 个工作日内回访核实",
            &format!(
                "核实截止 {}，整改或说明截止 {}。",
                r.verify_due, r.answer_due
            ),
            &format!("/staff/rectifications/{}", r.id),
        )
        .await?;
    }
    Ok(())
}
