//! Rectification tasks: their steps (guarded by the status they were decided on), lists by
//! reach, and the escalation of tasks past their time.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;
use tongban_domain::authz::FeedbackReach;

use super::{Notice, Where, date, record_event, tell_staff};
use crate::{Store, StoreError, ts};

/// The task a bad rating opens.
#[derive(Debug, Clone)]
pub struct NewRectification {
    pub id: String,
    pub verify_due: NaiveDate,
    pub answer_due: NaiveDate,
    /// The task is the rated window's hall's unit's, not the handling department's
    /// (`evaluation::task_goes_to_hall`).
    pub to_hall: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RectificationRecord {
    pub id: String,
    pub evaluation_id: String,
    pub status: String,
    pub appealed: i64,
    pub outcome: Option<String>,
    #[sqlx(try_from = "crate::DbTime")]
    pub opened_at: DateTime<Utc>,
    pub verify_due: String,
    pub answer_due: String,
    pub escalated_at: Option<String>,
    pub closed_at: Option<String>,
    pub org_unit_id: String,
    pub org_name: String,
    pub org_path: String,
    pub intake_path: Option<String>,
    pub case_no: String,
    pub item_name: String,
    pub level: i64,
    pub stage: String,
    pub comment: String,
    pub reasons: String,
    pub rater_id: String,
    pub rater_name: String,
    pub rater_phone: Option<String>,
    /// When the last step was taken (for a task awaiting the rater: when they were told).
    #[sqlx(try_from = "crate::DbTime")]
    pub updated_at: DateTime<Utc>,
}

/// A step to record on a task.
#[derive(Debug, Clone)]
pub struct RectificationChange {
    pub id: String,
    pub from_status: String,
    pub to_status: String,
    pub appealed: bool,
    pub outcome: Option<String>,
    /// A new date for the department's answer (an appeal, a return).
    pub answer_due: Option<NaiveDate>,
    pub action: String,
    pub note: String,
    pub notices: Vec<Notice>,
}

#[derive(Debug, Clone, Default)]
pub struct RectificationQuery {
    pub status: Option<String>,
    /// Only those still open.
    pub open_only: bool,
    pub escalated_only: bool,
    pub department: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

const SELECT: &str = "SELECT r.id, r.evaluation_id, r.status, r.appealed, r.outcome, \
     r.opened_at, r.verify_due, r.answer_due, r.escalated_at, r.closed_at, r.org_unit_id, \
     o.name AS org_name, r.org_path, r.intake_path, e.case_no, e.item_name, e.level, e.stage, \
     e.comment, e.reasons, e.rater_id, a.name AS rater_name, a.phone AS rater_phone, \
     r.updated_at FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id \
     JOIN org_units o ON o.id = r.org_unit_id JOIN accounts a ON a.id = e.rater_id";

/// Open tasks first, the most pressing first.
const ORDER: &str =
    "CASE WHEN r.status = 'closed' THEN 1 ELSE 0 END, r.answer_due, r.opened_at, r.id";

/// The statuses in which the department owes a step.
const DEPARTMENT_OWES: &str = "('awaiting_verification', 'rectifying', 'awaiting_feedback')";

impl Store {
    pub async fn rectification(&self, id: &str) -> Result<RectificationRecord, StoreError> {
        Ok(
            sqlx::query_as(AssertSqlSafe(format!("{SELECT} WHERE r.id = $1")))
                .bind(id)
                .fetch_one(&self.reader)
                .await?,
        )
    }

    /// Records a step if the task is still where the decision found it; `false` if it
    /// moved meanwhile.
    pub async fn record_rectification_step(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        c: &RectificationChange,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let closed = (c.to_status == "closed").then(|| ts(now));
        let n = sqlx::query(
            "UPDATE rectifications SET status = $1, appealed = $2, \
             outcome = COALESCE($3, outcome), answer_due = COALESCE($4, answer_due), \
             closed_at = COALESCE($5, closed_at), updated_at = $6, \
             escalated_at = CASE WHEN $4 IS NULL THEN escalated_at ELSE NULL END \
             WHERE id = $7 AND status = $8",
        )
        .bind(&c.to_status)
        .bind(i64::from(c.appealed))
        .bind(&c.outcome)
        .bind(c.answer_due.map(date))
        .bind(closed)
        .bind(ts(now))
        .bind(&c.id)
        .bind(&c.from_status)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        record_event(
            &mut tx,
            now,
            actor,
            &format!("rectification:{}", c.id),
            &c.action,
            &c.to_status,
            &c.note,
            &c.notices,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Tasks within the reach and filters: overdue and escalated ones first, then by due date.
    pub async fn list_rectifications(
        &self,
        reach: &FeedbackReach,
        q: &RectificationQuery,
    ) -> Result<Vec<RectificationRecord>, StoreError> {
        let Some(arms) = self.reach_arms(reach).await? else {
            return Ok(Vec::new());
        };
        let mut w = Where::default();
        w.paths_in(&arms, "r.org_path", "r.intake_path");
        if let Some(s) = &q.status {
            w.push("r.status", "=", s.clone());
        }
        if q.open_only {
            w.raw("r.status <> 'closed'");
        }
        if q.escalated_only {
            w.raw("r.escalated_at IS NOT NULL");
        }
        if let Some(d) = &q.department {
            w.push("r.org_unit_id", "=", d.clone());
        }
        // The page's ids from the tasks alone (few: only bad ratings have one), then only
        // those rows joined with their rating, department and rater.
        let sql = format!(
            "{SELECT} WHERE r.id IN (SELECT id FROM (SELECT r.id FROM rectifications r {} \
             ORDER BY {ORDER} LIMIT {} OFFSET {}) page) ORDER BY {ORDER}",
            w.sql(),
            q.limit.clamp(1, 500),
            q.offset.max(0)
        );
        let mut query = sqlx::query_as(AssertSqlSafe(sql));
        for v in &w.values {
            query = query.bind(v.clone());
        }
        Ok(query.fetch_all(&self.reader).await?)
    }

    /// Marks every task whose department missed its date (`today` is past it) as escalated,
    /// once, with an entry, an audit row and a message to the bureau; returns how many.
    pub async fn escalate_overdue_rectifications(
        &self,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let ids: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(format!(
            "UPDATE rectifications SET escalated_at = $1 WHERE escalated_at IS NULL \
             AND status IN {DEPARTMENT_OWES} AND (answer_due < $2 OR \
             (status = 'awaiting_verification' AND verify_due < $2)) RETURNING id, status"
        )))
        .bind(ts(now))
        .bind(date(today))
        .fetch_all(&mut *tx)
        .await?;
        for (id, status) in &ids {
            let subject = format!("rectification:{id}");
            record_event(
                &mut tx,
                now,
                "system",
                &subject,
                "escalate",
                status,
                "部门逾期未办理，已提交审批服务管理局督办",
                &[],
            )
            .await?;
            tell_staff(
                &mut tx,
                now,
                &format!("escalated:{subject}"),
                "bureau_admin",
                None,
                "整改任务逾期，请督办",
                "部门未在时限内回访核实或整改，请督促办理。",
                &format!("/staff/rectifications/{id}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }
}
