//! 办不成事 problems: raised online or at the desk, assigned to a lead department, answered,
//! confirmed, referred to the bureau's head when unresolved.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;
use tongban_domain::authz::FeedbackReach;

use super::{Notice, Where, date, record_event, tell_staff};
use crate::{Store, StoreError, ts};

#[derive(Debug, Clone)]
pub struct NewProblem {
    pub id: String,
    pub category: String,
    pub text: String,
    pub raiser_id: Option<String>,
    pub raiser_name: String,
    pub raiser_phone: String,
    /// `online` or `desk`.
    pub channel: String,
    /// The desk's unit, when raised at a desk.
    pub intake_org_id: Option<String>,
    pub case_nos: Vec<String>,
    pub item_codes: Vec<String>,
    pub day: NaiveDate,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProblemRecord {
    pub id: String,
    pub problem_no: String,
    pub category: String,
    pub status: String,
    pub text: String,
    pub raiser_id: Option<String>,
    pub raiser_name: String,
    pub raiser_phone: String,
    pub channel: String,
    pub intake_path: Option<String>,
    pub lead_id: Option<String>,
    pub lead_name: Option<String>,
    pub lead_path: Option<String>,
    pub assisting: String,
    pub case_nos: String,
    pub item_codes: String,
    pub resolution: Option<String>,
    pub adjustment: Option<String>,
    pub due: Option<String>,
    #[sqlx(try_from = "crate::DbTime")]
    pub created_at: DateTime<Utc>,
    pub escalated_at: Option<String>,
    pub closed_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ProblemChange {
    pub id: String,
    pub from_status: String,
    pub to_status: String,
    pub lead_id: Option<String>,
    /// Org-unit names of the assisting departments, comma-joined.
    pub assisting: Option<String>,
    pub due: Option<NaiveDate>,
    pub resolution: Option<String>,
    pub adjustment: Option<String>,
    pub action: String,
    pub note: String,
    pub notices: Vec<Notice>,
}

#[derive(Debug, Clone, Default)]
pub struct ProblemQuery {
    pub status: Option<String>,
    pub open_only: bool,
    pub raiser: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

const SELECT: &str = "SELECT p.id, p.problem_no, p.category, p.status, p.text, p.raiser_id, \
     p.raiser_name, p.raiser_phone, p.channel, p.intake_path, p.lead_id, o.name AS lead_name, \
     p.lead_path, p.assisting, p.case_nos, p.item_codes, p.resolution, p.adjustment, p.due, \
     p.created_at, p.escalated_at, p.closed_at FROM problems p \
     LEFT JOIN org_units o ON o.id = p.lead_id";

impl Store {
    pub async fn record_problem(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        p: &NewProblem,
    ) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let key = format!("BC{}", p.day.format("%Y%m%d"));
        let seq = Self::next_number(&mut tx, &key).await?;
        if seq > 9999 {
            return Err(StoreError::Exhausted(key));
        }
        let problem_no = format!("{key}{seq:04}");
        sqlx::query(
            "INSERT INTO problems (id, problem_no, category, status, text, raiser_id, \
             raiser_name, raiser_phone, channel, intake_path, assisting, case_nos, item_codes, \
             created_at, updated_at) SELECT $1, $2, $3, 'raised', $4, $5, $6, $7, $8, \
             (SELECT path FROM org_units WHERE id = $9), '', $10, $11, $12, $12",
        )
        .bind(&p.id)
        .bind(&problem_no)
        .bind(&p.category)
        .bind(&p.text)
        .bind(&p.raiser_id)
        .bind(&p.raiser_name)
        .bind(&p.raiser_phone)
        .bind(&p.channel)
        .bind(&p.intake_org_id)
        .bind(p.case_nos.join(","))
        .bind(p.item_codes.join(","))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        let subject = format!("problem:{}", p.id);
        record_event(
            &mut tx,
            now,
            actor,
            &subject,
            "raise",
            "raised",
            "登记问题",
            &[],
        )
        .await?;
        tell_staff(
            &mut tx,
            now,
            &subject,
            "bureau_admin",
            None,
            "办不成事窗口收到新问题",
            &format!("问题 {problem_no}，请分派牵头部门。"),
            &format!("/staff/problems/{problem_no}"),
        )
        .await?;
        tx.commit().await?;
        Ok(problem_no)
    }

    pub async fn problem_by_no(&self, problem_no: &str) -> Result<ProblemRecord, StoreError> {
        Ok(
            sqlx::query_as(AssertSqlSafe(format!("{SELECT} WHERE p.problem_no = $1")))
                .bind(problem_no)
                .fetch_one(&self.reader)
                .await?,
        )
    }

    pub async fn record_problem_step(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        c: &ProblemChange,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let closed = (c.to_status == "closed").then(|| ts(now));
        let n = sqlx::query(
            "UPDATE problems SET status = $1, lead_id = COALESCE($2, lead_id), \
             lead_path = COALESCE((SELECT path FROM org_units WHERE id = $2), lead_path), \
             assisting = COALESCE($3, assisting), due = COALESCE($4, due), \
             resolution = COALESCE($5, resolution), adjustment = COALESCE($6, adjustment), \
             closed_at = $7, updated_at = $8, \
             escalated_at = CASE WHEN $1 = 'referred' THEN $8 ELSE escalated_at END \
             WHERE id = $9 AND status = $10",
        )
        .bind(&c.to_status)
        .bind(&c.lead_id)
        .bind(&c.assisting)
        .bind(c.due.map(date))
        .bind(&c.resolution)
        .bind(&c.adjustment)
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
        let subject = format!("problem:{}", c.id);
        record_event(
            &mut tx,
            now,
            actor,
            &subject,
            &c.action,
            &c.to_status,
            &c.note,
            &c.notices,
        )
        .await?;
        if let Some(unit) = &c.lead_id {
            tell_staff(
                &mut tx,
                now,
                &format!("{subject}:{}", ts(now)),
                "reviewer",
                Some(unit),
                "办不成事窗口分派问题，请牵头办理",
                "请在 5 个工作日内答复。",
                "/staff/problems",
            )
            .await?;
        }
        if c.to_status == "referred" {
            tell_staff(
                &mut tx,
                now,
                &format!("{subject}:referred:{}", ts(now)),
                "bureau_admin",
                None,
                "办不成事问题提交局领导督办",
                "窗口与牵头部门未能解决，请督办。",
                "/staff/problems",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn list_problems(
        &self,
        reach: &FeedbackReach,
        q: &ProblemQuery,
    ) -> Result<Vec<ProblemRecord>, StoreError> {
        let mut w = Where::default();
        if let Some(r) = &q.raiser {
            w.push("p.raiser_id", "=", r.clone());
        } else if !w.reach(reach, "p.lead_path", "p.intake_path") {
            return Ok(Vec::new());
        }
        if let Some(s) = &q.status {
            w.push("p.status", "=", s.clone());
        }
        if q.open_only {
            w.raw("p.status <> 'closed'");
        }
        let sql = format!(
            "{SELECT} {} ORDER BY p.created_at DESC, p.id DESC LIMIT {} OFFSET {}",
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
}
