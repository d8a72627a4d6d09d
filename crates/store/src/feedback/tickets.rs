//! 12345 tickets: numbered per day, routed to a department, answered, called back; a
//! rating call's rating is written in the ticket's transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;
use tongban_domain::authz::FeedbackReach;

use super::evaluations::insert_evaluation;
use super::{NewEvaluation, Notice, Where, date, record_event, tell_staff};
use crate::{Store, StoreError, ts};

#[derive(Debug, Clone)]
pub struct NewTicket {
    pub id: String,
    pub kind: String,
    pub caller_name: String,
    pub caller_phone: String,
    pub caller_id_number: Option<String>,
    pub caller_account_id: Option<String>,
    pub case_id: Option<String>,
    pub implementation_code: Option<String>,
    /// The responsible department's unit id, when known.
    pub org_unit_id: Option<String>,
    pub text: String,
    pub level: Option<i64>,
    pub due: Option<NaiveDate>,
    pub day: NaiveDate,
    /// A rating call's rating of the case it names.
    pub evaluation: Option<NewEvaluation>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketRecord {
    pub id: String,
    pub ticket_no: String,
    pub kind: String,
    pub status: String,
    pub caller_name: String,
    pub caller_phone: String,
    pub caller_id_number: Option<String>,
    pub caller_account_id: Option<String>,
    pub case_no: Option<String>,
    pub implementation_code: Option<String>,
    pub org_unit_id: Option<String>,
    pub org_name: Option<String>,
    pub org_path: Option<String>,
    pub intake_path: Option<String>,
    pub text: String,
    pub level: Option<i64>,
    pub evaluation_id: Option<String>,
    pub returned: i64,
    pub satisfaction: Option<String>,
    pub due: Option<String>,
    #[sqlx(try_from = "crate::DbTime")]
    pub created_at: DateTime<Utc>,
    pub escalated_at: Option<String>,
    pub closed_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TicketChange {
    pub id: String,
    pub from_status: String,
    pub to_status: String,
    /// A (new) department, with its path.
    pub org_unit_id: Option<String>,
    pub due: Option<NaiveDate>,
    pub returned: bool,
    pub satisfaction: Option<String>,
    pub action: String,
    pub note: String,
    pub notices: Vec<Notice>,
}

#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub department: Option<String>,
    pub open_only: bool,
    pub caller_account: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub offset: i64,
    pub limit: i64,
}

const SELECT: &str = "SELECT t.id, t.ticket_no, t.kind, t.status, t.caller_name, \
     t.caller_phone, t.caller_id_number, t.caller_account_id, c.case_no, \
     t.implementation_code, t.org_unit_id, o.name AS org_name, t.org_path, t.intake_path, \
     t.text, t.level, t.evaluation_id, t.returned, t.satisfaction, t.due, t.created_at, \
     t.escalated_at, t.closed_at FROM tickets t LEFT JOIN cases c ON c.id = t.case_id \
     LEFT JOIN org_units o ON o.id = t.org_unit_id";

impl Store {
    /// Records a call with its number of the day, its rating if it is one, and its first
    /// entry; returns the ticket number.
    pub async fn record_ticket(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        t: &NewTicket,
    ) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let key = format!("RX{}", t.day.format("%Y%m%d"));
        let seq = Self::next_number(&mut tx, &key).await?;
        let ticket_no = u32::try_from(seq)
            .ok()
            .and_then(|s| tongban_domain::feedback::ticket::ticket_number(t.day, s))
            .ok_or_else(|| StoreError::Exhausted(key.clone()))?;
        if let Some(e) = &t.evaluation {
            insert_evaluation(&mut tx, now, actor, e).await?;
        }
        let status = if t.org_unit_id.is_some() {
            "assigned"
        } else {
            "unrouted"
        };
        sqlx::query(
            "INSERT INTO tickets (id, ticket_no, kind, status, caller_name, caller_phone, \
             caller_id_number, caller_account_id, case_id, implementation_code, org_unit_id, \
             org_path, intake_path, text, level, evaluation_id, returned, due, created_at, \
             created_by, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             (SELECT path FROM org_units WHERE id = $11), \
             (SELECT i.path FROM cases c JOIN org_units i ON i.id = c.intake_org_id \
             WHERE c.id = $9), $12, $13, $14, 0, $15, $16, $17, $16",
        )
        .bind(&t.id)
        .bind(&ticket_no)
        .bind(&t.kind)
        .bind(status)
        .bind(&t.caller_name)
        .bind(&t.caller_phone)
        .bind(&t.caller_id_number)
        .bind(&t.caller_account_id)
        .bind(&t.case_id)
        .bind(&t.implementation_code)
        .bind(&t.org_unit_id)
        .bind(&t.text)
        .bind(t.level)
        .bind(t.evaluation.as_ref().map(|e| e.id.clone()))
        .bind(t.due.map(date))
        .bind(ts(now))
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        let subject = format!("ticket:{}", t.id);
        record_event(
            &mut tx,
            now,
            actor,
            &subject,
            "record",
            status,
            "登记来电",
            &[],
        )
        .await?;
        if let Some(unit) = &t.org_unit_id {
            tell_staff(
                &mut tx,
                now,
                &subject,
                "reviewer",
                Some(unit),
                "收到 12345 工单，请按时答复",
                &format!("工单 {ticket_no}"),
                &format!("/staff/tickets/{ticket_no}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ticket_no)
    }

    pub async fn ticket_by_no(&self, ticket_no: &str) -> Result<TicketRecord, StoreError> {
        Ok(
            sqlx::query_as(AssertSqlSafe(format!("{SELECT} WHERE t.ticket_no = $1")))
                .bind(ticket_no)
                .fetch_one(&self.reader)
                .await?,
        )
    }

    pub async fn record_ticket_step(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        c: &TicketChange,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let closed = (c.to_status == "closed").then(|| ts(now));
        let n = sqlx::query(
            "UPDATE tickets SET status = $1, org_unit_id = COALESCE($2, org_unit_id), \
             org_path = COALESCE((SELECT path FROM org_units WHERE id = $2), org_path), \
             due = COALESCE($3, due), returned = $4, \
             satisfaction = COALESCE($5, satisfaction), closed_at = $6, updated_at = $7, \
             escalated_at = CASE WHEN $3 IS NULL THEN escalated_at ELSE NULL END \
             WHERE id = $8 AND status = $9",
        )
        .bind(&c.to_status)
        .bind(&c.org_unit_id)
        .bind(c.due.map(date))
        .bind(i64::from(c.returned))
        .bind(&c.satisfaction)
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
        let subject = format!("ticket:{}", c.id);
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
        if let (Some(unit), true) = (&c.org_unit_id, c.due.is_some()) {
            tell_staff(
                &mut tx,
                now,
                &format!("{subject}:{}", ts(now)),
                "reviewer",
                Some(unit),
                "收到 12345 工单，请按时答复",
                "请在工单时限内答复。",
                "/staff/tickets",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn list_tickets(
        &self,
        reach: &FeedbackReach,
        q: &TicketQuery,
    ) -> Result<Vec<TicketRecord>, StoreError> {
        let mut w = Where::default();
        if let Some(a) = &q.caller_account {
            w.push("t.caller_account_id", "=", a.clone());
        } else {
            let Some(arms) = self.reach_arms(reach).await? else {
                return Ok(Vec::new());
            };
            w.arms(&arms, "t.org_path", "t.intake_path");
        }
        if let Some(s) = &q.status {
            w.push("t.status", "=", s.clone());
        }
        if let Some(k) = &q.kind {
            w.push("t.kind", "=", k.clone());
        }
        if let Some(d) = &q.department {
            w.push("t.org_unit_id", "=", d.clone());
        }
        if q.open_only {
            w.raw("t.status <> 'closed'");
        }
        if let Some(f) = q.from {
            w.push("t.created_at", ">=", date(f));
        }
        if let Some(t) = q.to {
            w.push("t.created_at", "<", date(t + chrono::Days::new(1)));
        }
        // The page's ids arm by arm from the `(path, created_at)` indexes, then only those
        // rows joined.
        let sql = format!(
            "{SELECT} WHERE t.id IN ({}) ORDER BY t.created_at DESC, t.id DESC",
            w.page_ids_sql("tickets t", "t", "created_at", q.limit, q.offset)
        );
        let mut query = sqlx::query_as(AssertSqlSafe(sql));
        for v in &w.values {
            query = query.bind(v.clone());
        }
        Ok(query.fetch_all(&self.reader).await?)
    }

    /// Marks open tickets past their date as escalated, once each; returns how many.
    pub async fn escalate_overdue_tickets(
        &self,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "UPDATE tickets SET escalated_at = $1 WHERE escalated_at IS NULL \
             AND status = 'assigned' AND due < $2 RETURNING id, ticket_no, status",
        )
        .bind(ts(now))
        .bind(date(today))
        .fetch_all(&mut *tx)
        .await?;
        for (id, no, status) in &rows {
            let subject = format!("ticket:{id}");
            record_event(
                &mut tx,
                now,
                "system",
                &subject,
                "escalate",
                status,
                "承办部门逾期未答复，已提交审批服务管理局督办",
                &[],
            )
            .await?;
            tell_staff(
                &mut tx,
                now,
                &format!("escalated:{subject}"),
                "bureau_admin",
                None,
                "12345 工单逾期，请督办",
                &format!("工单 {no} 承办部门逾期未答复。"),
                &format!("/staff/tickets/{no}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }
}
