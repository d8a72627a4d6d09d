//! 帮办代办 and 上门服务 requests: numbered of the day (`BB` + day + four digits), told to the
//! bureau and the unit's clerks, each step a guarded update with its audit row.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tongban_domain::audit::AuditEvent;
use tongban_domain::authz::Scope;
use tongban_domain::hall::assistance::{HelpKind, HelpReason, HelpRequest, HelpStatus, Requester};

use crate::feedback::tell_staff;
use crate::{Store, StoreError, audit, outbox, parse_ts, ts};

#[derive(Debug, Clone)]
pub struct NewHelpRequest {
    pub id: String,
    pub request: HelpRequest,
    pub day: NaiveDate,
    pub due: NaiveDate,
    /// The town or village (or the district) the person lives in.
    pub org_unit_id: String,
    pub account_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct HelpRecord {
    pub id: String,
    pub request_no: String,
    pub kind: HelpKind,
    pub reason: HelpReason,
    pub requester: Requester,
    pub name: String,
    pub phone: String,
    pub address: String,
    pub need: String,
    pub org_unit_id: String,
    pub org_name: String,
    pub org_path: String,
    pub account_id: Option<String>,
    pub status: HelpStatus,
    pub due: NaiveDate,
    pub assigned_to: Option<String>,
    pub assigned_name: Option<String>,
    pub visit_at: Option<String>,
    pub declined_reason: Option<String>,
    pub case_no: Option<String>,
    pub photos: i64,
    pub identity_checked: bool,
    pub result_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub escalated: bool,
    pub version: i64,
}

/// A decided step, written if the request has not moved since.
#[derive(Debug, Clone)]
pub struct HelpChange {
    pub id: String,
    pub version: i64,
    pub action: &'static str,
    pub status: HelpStatus,
    pub assigned_to: Option<String>,
    pub visit_at: Option<String>,
    pub declined_reason: Option<String>,
    pub case_no: Option<String>,
    pub photos: i64,
    pub identity_checked: bool,
    pub result_note: Option<String>,
    /// Told to the person who asked (their account), if they asked online.
    pub tell: Option<(String, String)>,
}

const SELECT: &str = "SELECT r.id, r.request_no, r.kind, r.reason, r.requester, r.name, r.phone, \
     r.address, r.need, r.org_unit_id, o.name AS org_name, r.org_path, r.account_id, r.status, \
     r.due, r.assigned_to, a.name AS assigned_name, r.visit_at, r.declined_reason, r.case_no, \
     r.photos, r.identity_checked, r.result_note, r.created_at, r.escalated_at, r.version \
     FROM help_requests r JOIN org_units o ON o.id = r.org_unit_id \
     LEFT JOIN accounts a ON a.id = r.assigned_to";

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("未知{what} {v}"))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<HelpRecord, StoreError> {
    let kind: String = r.try_get("kind")?;
    let reason: String = r.try_get("reason")?;
    let requester: String = r.try_get("requester")?;
    let status: String = r.try_get("status")?;
    let due: String = r.try_get("due")?;
    Ok(HelpRecord {
        id: r.try_get("id")?,
        request_no: r.try_get("request_no")?,
        kind: HelpKind::parse(&kind).ok_or_else(|| corrupt("帮办类型", &kind))?,
        reason: HelpReason::parse(&reason).ok_or_else(|| corrupt("原因", &reason))?,
        requester: Requester::parse(&requester).ok_or_else(|| corrupt("申请人", &requester))?,
        name: r.try_get("name")?,
        phone: r.try_get("phone")?,
        address: r.try_get("address")?,
        need: r.try_get("need")?,
        org_unit_id: r.try_get("org_unit_id")?,
        org_name: r.try_get("org_name")?,
        org_path: r.try_get("org_path")?,
        account_id: r.try_get("account_id")?,
        status: HelpStatus::parse(&status).ok_or_else(|| corrupt("状态", &status))?,
        due: NaiveDate::parse_from_str(&due, "%Y-%m-%d").map_err(|_| corrupt("日期", &due))?,
        assigned_to: r.try_get("assigned_to")?,
        assigned_name: r.try_get("assigned_name")?,
        visit_at: r.try_get("visit_at")?,
        declined_reason: r.try_get("declined_reason")?,
        case_no: r.try_get("case_no")?,
        photos: r.try_get("photos")?,
        identity_checked: r.try_get::<i64, _>("identity_checked")? != 0,
        result_note: r.try_get("result_note")?,
        created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
        escalated: r.try_get::<Option<String>, _>("escalated_at")?.is_some(),
        version: r.try_get("version")?,
    })
}

impl Store {
    pub async fn record_help_request(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        n: &NewHelpRequest,
    ) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let key = format!("BB{}", n.day.format("%Y%m%d"));
        let seq = Self::next_number(&mut tx, &key).await?;
        if seq > 9999 {
            return Err(StoreError::Exhausted(key));
        }
        let no = format!("{key}{seq:04}");
        let r = &n.request;
        sqlx::query(
            "INSERT INTO help_requests (id, request_no, kind, reason, requester, name, phone, \
             address, need, org_unit_id, org_path, account_id, status, due, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, o.id, o.path, $10, 'requested', $11, $12 \
             FROM org_units o WHERE o.id = $13",
        )
        .bind(&n.id)
        .bind(&no)
        .bind(r.kind.as_str())
        .bind(r.reason.as_str())
        .bind(r.requester.as_str())
        .bind(&r.name)
        .bind(&r.phone)
        .bind(&r.address)
        .bind(&r.need)
        .bind(&n.account_id)
        .bind(n.due.format("%Y-%m-%d").to_string())
        .bind(ts(now))
        .bind(&n.org_unit_id)
        .execute(&mut *tx)
        .await?;
        let body = format!(
            "{}：{}（{}），请于 {} 前安排。",
            r.kind.label(),
            r.name,
            r.reason.label(),
            n.due
        );
        let link = format!("/staff/help/{no}");
        tell_staff(
            &mut tx,
            now,
            &format!("help:{}:bureau", n.id),
            "bureau_admin",
            None,
            "新的帮办代办请求",
            &body,
            &link,
        )
        .await?;
        tell_staff(
            &mut tx,
            now,
            &format!("help:{}:unit", n.id),
            "window_clerk",
            Some(&n.org_unit_id),
            "新的帮办代办请求",
            &body,
            &link,
        )
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(actor, "help.request", format!("help:{}", n.id), &no),
        )
        .await?;
        tx.commit().await?;
        Ok(no)
    }

    pub async fn help_request(&self, request_no: &str) -> Result<HelpRecord, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE r.request_no = $1"
        )))
        .bind(request_no)
        .fetch_optional(&self.writer)
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// Requests within `scope` (by the unit the person lives in), open ones first by due day.
    pub async fn help_requests(
        &self,
        scope: &Scope,
        limit: i64,
    ) -> Result<Vec<HelpRecord>, StoreError> {
        let Some((path, below)) = crate::scope_args(scope) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE ($1 = '' OR r.org_path = $1 OR r.org_path LIKE $2) \
             ORDER BY CASE WHEN r.status IN ('requested', 'assigned') THEN 0 ELSE 1 END, r.due, r.created_at DESC \
             LIMIT $3"
        )))
        .bind(path)
        .bind(below)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Someone's own requests, newest first.
    pub async fn help_requests_of(&self, account_id: &str) -> Result<Vec<HelpRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE r.account_id = $1 ORDER BY r.created_at DESC LIMIT 50"
        )))
        .bind(account_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Writes a step if the request is still at `version`; `Ok(false)` if it moved.
    pub async fn step_help_request(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        c: &HelpChange,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let answered = matches!(c.status, HelpStatus::Assigned | HelpStatus::Declined);
        let moved = sqlx::query(
            "UPDATE help_requests SET status = $1, assigned_to = COALESCE($2, assigned_to), \
             visit_at = COALESCE($3, visit_at), declined_reason = COALESCE($4, declined_reason), \
             case_no = COALESCE($5, case_no), photos = $6, identity_checked = $7, \
             result_note = COALESCE($8, result_note), \
             answered_at = CASE WHEN $9 = 1 THEN COALESCE(answered_at, $10) ELSE answered_at END, \
             done_at = CASE WHEN $1 = 'done' THEN $10 ELSE done_at END, version = version + 1 \
             WHERE id = $11 AND version = $12",
        )
        .bind(c.status.as_str())
        .bind(&c.assigned_to)
        .bind(&c.visit_at)
        .bind(&c.declined_reason)
        .bind(&c.case_no)
        .bind(c.photos)
        .bind(i64::from(c.identity_checked))
        .bind(&c.result_note)
        .bind(i64::from(answered))
        .bind(ts(now))
        .bind(&c.id)
        .bind(c.version)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(false);
        }
        if let Some((subject, body)) = &c.tell {
            let holder: Option<String> =
                sqlx::query_scalar("SELECT account_id FROM help_requests WHERE id = $1")
                    .bind(&c.id)
                    .fetch_one(&mut *tx)
                    .await?;
            if let Some(holder) = holder {
                outbox::enqueue(
                    &mut tx,
                    now,
                    "help.answered",
                    &holder,
                    subject,
                    body,
                    "/me/help",
                    &format!("help:{}:{}:{}", c.id, c.action, c.version),
                )
                .await?;
            }
        }
        if let Some(staff) = &c.assigned_to {
            outbox::enqueue(
                &mut tx,
                now,
                "help.assigned",
                staff,
                "您有一项帮办代办任务",
                &format!("时间：{}", c.visit_at.as_deref().unwrap_or("")),
                "/staff/help",
                &format!("help:{}:assigned:{}", c.id, c.version),
            )
            .await?;
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                format!("help.{}", c.action),
                format!("help:{}", c.id),
                c.status.as_str(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Marks unanswered requests past their day once, telling the bureau; returns how many.
    pub async fn escalate_unanswered_help(
        &self,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let due: Vec<(String, String)> = sqlx::query(
            "SELECT id, request_no FROM help_requests WHERE status = 'requested' AND due < $1 \
             AND escalated_at IS NULL",
        )
        .bind(today.format("%Y-%m-%d").to_string())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("request_no")?)))
        .collect::<Result<_, StoreError>>()?;
        for (id, no) in &due {
            sqlx::query("UPDATE help_requests SET escalated_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tell_staff(
                &mut tx,
                now,
                &format!("help:{id}:overdue"),
                "bureau_admin",
                None,
                "帮办代办请求超过两个工作日未答复",
                &format!("请求 {no} 已超期，请尽快安排。"),
                &format!("/staff/help/{no}"),
            )
            .await?;
        }
        if !due.is_empty() {
            audit::append(
                &mut tx,
                now,
                AuditEvent::new("system", "help.escalate", "help", due.len().to_string()),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(due.len() as u64)
    }
}
