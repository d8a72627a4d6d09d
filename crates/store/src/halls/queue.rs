//! The queue's tickets: taken with the day's next number of their kind, each step a guarded
//! update with its event and audit row. A window holds one ticket at a time, which a partial
//! unique index (`queue_one_per_window`) keeps true across instances.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AnyConnection, Row};
use tongban_domain::audit::AuditEvent;
use tongban_domain::hall::queue::{TicketChannel, TicketStatus, Waiting, prefix};
use tongban_domain::org::WindowKind;

use super::day;
use crate::{Store, StoreError, audit, new_id, outbox, parse_ts, ts};

#[derive(Debug, Clone)]
pub struct NewQueueTicket {
    pub id: String,
    pub hall_id: String,
    pub day: NaiveDate,
    pub kind: WindowKind,
    pub implementation_code: Option<String>,
    pub priority: bool,
    /// A booking honoured by this ticket (it must still be booked).
    pub appointment_id: Option<String>,
    pub account_id: Option<String>,
    pub channel: TicketChannel,
    pub queue_key: DateTime<Utc>,
}

/// A ticket as lists and steps read it.
#[derive(Debug, Clone)]
pub struct QueueTicket {
    pub id: String,
    pub hall_id: String,
    pub day: String,
    pub ticket_no: String,
    pub seq: i64,
    pub kind: WindowKind,
    pub implementation_code: Option<String>,
    pub priority: bool,
    pub appointment_id: Option<String>,
    pub account_id: Option<String>,
    pub channel: TicketChannel,
    pub queue_key: DateTime<Utc>,
    pub status: TicketStatus,
    pub window_id: Option<String>,
    pub window_number: Option<String>,
    pub assigned_window_id: Option<String>,
    pub taken_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub recalls: i64,
    pub transfers: i64,
    pub case_no: Option<String>,
    pub version: i64,
}

impl QueueTicket {
    pub fn waiting(&self) -> Waiting {
        Waiting {
            id: self.id.clone(),
            kind: self.kind,
            priority: self.priority,
            key: self.queue_key,
            seq: self.seq,
            assigned_window: self.assigned_window_id.clone(),
        }
    }
}

/// A step decided by the application, written if the ticket has not moved since.
#[derive(Debug, Clone)]
pub struct QueueChange {
    pub id: String,
    pub version: i64,
    pub action: &'static str,
    pub status: TicketStatus,
    pub window_id: Option<String>,
    pub assigned_window_id: Option<String>,
    pub kind: WindowKind,
    pub queue_key: DateTime<Utc>,
    pub called: bool,
    pub started: bool,
    pub ended: bool,
    pub recall: bool,
    pub transfer: bool,
    pub case_no: Option<String>,
    pub served_by: Option<String>,
    pub note: String,
    /// Told to the ticket's holder (a called number), when they took it logged in.
    pub tell: Option<(String, String)>,
}

/// What the hall's screen shows of one window.
#[derive(Debug, Clone)]
pub struct BoardCall {
    pub ticket_no: String,
    pub window_number: String,
    pub status: TicketStatus,
    pub called_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT t.id, t.hall_id, t.day, t.ticket_no, t.seq, t.window_kind, \
     t.implementation_code, t.priority, t.appointment_id, t.account_id, t.channel, t.queue_key, \
     t.status, t.window_id, w.number AS window_number, t.assigned_window_id, t.taken_at, \
     t.called_at, t.started_at, t.ended_at, t.recalls, t.transfers, c.case_no, t.version \
     FROM queue_tickets t LEFT JOIN windows w ON w.id = t.window_id \
     LEFT JOIN cases c ON c.id = t.case_id";

fn opt_ts(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    r.try_get::<Option<String>, _>(col)?
        .map(|s| parse_ts(&s))
        .transpose()
}

fn ticket_from(r: &sqlx::any::AnyRow) -> Result<QueueTicket, StoreError> {
    let kind: String = r.try_get("window_kind")?;
    let status: String = r.try_get("status")?;
    let channel: String = r.try_get("channel")?;
    Ok(QueueTicket {
        id: r.try_get("id")?,
        hall_id: r.try_get("hall_id")?,
        day: r.try_get("day")?,
        ticket_no: r.try_get("ticket_no")?,
        seq: r.try_get("seq")?,
        kind: WindowKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("未知窗口类型 {kind}")))?,
        implementation_code: r.try_get("implementation_code")?,
        priority: r.try_get::<i64, _>("priority")? != 0,
        appointment_id: r.try_get("appointment_id")?,
        account_id: r.try_get("account_id")?,
        channel: TicketChannel::parse(&channel)
            .ok_or_else(|| StoreError::Corrupt(format!("未知取号渠道 {channel}")))?,
        queue_key: parse_ts(&r.try_get::<String, _>("queue_key")?)?,
        status: TicketStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("未知号票状态 {status}")))?,
        window_id: r.try_get("window_id")?,
        window_number: r.try_get("window_number")?,
        assigned_window_id: r.try_get("assigned_window_id")?,
        taken_at: parse_ts(&r.try_get::<String, _>("taken_at")?)?,
        called_at: opt_ts(r, "called_at")?,
        started_at: opt_ts(r, "started_at")?,
        ended_at: opt_ts(r, "ended_at")?,
        recalls: r.try_get("recalls")?,
        transfers: r.try_get("transfers")?,
        case_no: r.try_get("case_no")?,
        version: r.try_get("version")?,
    })
}

async fn event(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    ticket_id: &str,
    action: &str,
    window_id: Option<&str>,
    actor: &str,
    note: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO queue_events (id, ticket_id, at, action, window_id, actor, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(ticket_id)
    .bind(ts(now))
    .bind(action)
    .bind(window_id)
    .bind(actor)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a call found.
#[derive(Debug, Clone)]
pub enum CallOutcome {
    Called(Box<QueueTicket>),
    NobodyWaiting,
    /// The window still holds this number.
    WindowBusy(String),
}

fn waiting_from(r: &sqlx::any::AnyRow) -> Result<Waiting, StoreError> {
    let kind: String = r.try_get("window_kind")?;
    Ok(Waiting {
        id: r.try_get("id")?,
        kind: WindowKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("未知窗口类型 {kind}")))?,
        priority: r.try_get::<i64, _>("priority")? != 0,
        key: parse_ts(&r.try_get::<String, _>("queue_key")?)?,
        seq: r.try_get("seq")?,
        assigned_window: r.try_get("assigned_window_id")?,
    })
}

/// A step's event, the holder's message when it says one, and its audit row.
async fn record_step(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    actor: &str,
    c: &QueueChange,
) -> Result<(), StoreError> {
    event(
        conn,
        now,
        &c.id,
        c.action,
        c.window_id.as_deref(),
        actor,
        &c.note,
    )
    .await?;
    if let Some((subject, body)) = &c.tell {
        let holder: Option<String> =
            sqlx::query_scalar("SELECT account_id FROM queue_tickets WHERE id = $1")
                .bind(&c.id)
                .fetch_one(&mut *conn)
                .await?;
        if let Some(holder) = holder {
            outbox::enqueue(
                conn,
                now,
                "queue.called",
                &holder,
                subject,
                body,
                "/me/tickets",
                &format!("queue:{}:{}:{}", c.id, c.action, c.version),
            )
            .await?;
        }
    }
    audit::append(
        conn,
        now,
        AuditEvent::new(
            actor,
            format!("queue.{}", c.action),
            format!("ticket:{}", c.id),
            &c.note,
        ),
    )
    .await?;
    Ok(())
}

impl Store {
    /// Takes the day's next number of the ticket's kind; a booking it honours is marked
    /// arrived in the same transaction (refused as `Conflict` if no longer booked).
    pub async fn take_ticket(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        t: &NewQueueTicket,
    ) -> Result<QueueTicket, StoreError> {
        let mut tx = self.begin_write().await?;
        let p = prefix(t.kind).to_string();
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO queue_counters (hall_id, day, prefix, n) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (hall_id, day, prefix) DO UPDATE SET n = queue_counters.n + 1 \
             RETURNING n",
        )
        .bind(&t.hall_id)
        .bind(day(t.day))
        .bind(&p)
        .fetch_one(&mut *tx)
        .await?;
        let number = tongban_domain::hall::queue::ticket_no(t.kind, seq);
        if let Some(a) = &t.appointment_id {
            let moved = sqlx::query(
                "UPDATE appointments SET status = 'arrived', ticket_id = $1, updated_at = $2 \
                 WHERE id = $3 AND status = 'booked'",
            )
            .bind(&t.id)
            .bind(ts(now))
            .bind(a)
            .execute(&mut *tx)
            .await?;
            if moved.rows_affected() == 0 {
                return Err(StoreError::Conflict("appointment".into()));
            }
        }
        sqlx::query(
            "INSERT INTO queue_tickets (id, hall_id, day, ticket_no, seq, window_kind, \
             implementation_code, priority, appointment_id, account_id, channel, queue_key, \
             status, taken_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             'waiting', $13)",
        )
        .bind(&t.id)
        .bind(&t.hall_id)
        .bind(day(t.day))
        .bind(&number)
        .bind(seq)
        .bind(t.kind.as_str())
        .bind(&t.implementation_code)
        .bind(i64::from(t.priority))
        .bind(&t.appointment_id)
        .bind(&t.account_id)
        .bind(t.channel.as_str())
        .bind(ts(t.queue_key))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        event(&mut tx, now, &t.id, "take", None, actor, t.channel.as_str()).await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(actor, "queue.take", format!("ticket:{}", t.id), &number),
        )
        .await?;
        tx.commit().await?;
        self.ticket(&t.id).await
    }

    pub async fn ticket(&self, id: &str) -> Result<QueueTicket, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE t.id = $1")))
            .bind(id)
            .fetch_optional(&self.writer)
            .await?
            .ok_or(StoreError::NotFound)?;
        ticket_from(&row)
    }

    /// Tickets of a hall's day in the given statuses, in the order numbers were taken.
    pub async fn hall_tickets(
        &self,
        hall_id: &str,
        on: NaiveDate,
        statuses: &[TicketStatus],
    ) -> Result<Vec<QueueTicket>, StoreError> {
        let list = crate::fixed_names(statuses.iter().map(|s| s.as_str()));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE t.hall_id = $1 AND t.day = $2 AND t.status IN ({list}) \
             ORDER BY t.taken_at, t.seq"
        )))
        .bind(hall_id)
        .bind(day(on))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(ticket_from).collect()
    }

    /// Everyone waiting in a hall, as the order needs them (any day: a ticket left waiting
    /// at closing is still someone's place until a clerk ends it).
    pub async fn hall_waiting(&self, hall_id: &str) -> Result<Vec<Waiting>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, window_kind, priority, queue_key, seq, assigned_window_id \
             FROM queue_tickets WHERE hall_id = $1 AND status = 'waiting'",
        )
        .bind(hall_id)
        .fetch_all(&self.writer)
        .await?;
        rows.iter().map(waiting_from).collect()
    }

    /// The ticket a window holds now (called or being served).
    pub async fn window_ticket(&self, window_id: &str) -> Result<Option<QueueTicket>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE t.window_id = $1 AND t.status IN ('called', 'serving')"
        )))
        .bind(window_id)
        .fetch_optional(&self.writer)
        .await?;
        row.as_ref().map(ticket_from).transpose()
    }

    /// What a hall's screen shows: each window's current call, newest first.
    pub async fn board_calls(&self, hall_id: &str) -> Result<Vec<BoardCall>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.ticket_no, w.number, t.status, t.called_at FROM queue_tickets t \
             JOIN windows w ON w.id = t.window_id \
             WHERE t.hall_id = $1 AND t.status IN ('called', 'serving') \
             ORDER BY t.called_at DESC",
        )
        .bind(hall_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(BoardCall {
                    ticket_no: r.try_get("ticket_no")?,
                    window_number: r.try_get("number")?,
                    status: TicketStatus::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("未知号票状态 {status}")))?,
                    called_at: parse_ts(&r.try_get::<String, _>("called_at")?)?,
                })
            })
            .collect()
    }

    /// Waiting counts per window kind in a hall.
    pub async fn waiting_counts(
        &self,
        hall_id: &str,
    ) -> Result<Vec<(WindowKind, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT window_kind, COUNT(*) AS n FROM queue_tickets \
             WHERE hall_id = $1 AND status = 'waiting' GROUP BY window_kind",
        )
        .bind(hall_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("window_kind")?;
                Ok((
                    WindowKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("未知窗口类型 {kind}")))?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Writes a step if the ticket is still at `version`; `Ok(false)` when it moved (another
    /// window called it first), `Conflict` when the window already holds a ticket.
    pub async fn step_ticket(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        c: &QueueChange,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let case_id: Option<String> = match &c.case_no {
            Some(no) => Some(
                sqlx::query_scalar("SELECT id FROM cases WHERE case_no = $1")
                    .bind(no)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?,
            ),
            None => None,
        };
        let flag = |b: bool| i64::from(b);
        let moved = sqlx::query(
            "UPDATE queue_tickets SET status = $1, window_id = $2, assigned_window_id = $3, \
             window_kind = $4, queue_key = $5, \
             called_at = CASE WHEN $6 = 1 THEN COALESCE(called_at, $7) ELSE called_at END, \
             started_at = CASE WHEN $8 = 1 THEN $7 ELSE started_at END, \
             ended_at = CASE WHEN $9 = 1 THEN $7 ELSE ended_at END, \
             recalls = recalls + $10, transfers = transfers + $11, \
             case_id = COALESCE($12, case_id), served_by = COALESCE($13, served_by), \
             version = version + 1 WHERE id = $14 AND version = $15",
        )
        .bind(c.status.as_str())
        .bind(&c.window_id)
        .bind(&c.assigned_window_id)
        .bind(c.kind.as_str())
        .bind(ts(c.queue_key))
        .bind(flag(c.called))
        .bind(ts(now))
        .bind(flag(c.started))
        .bind(flag(c.ended))
        .bind(flag(c.recall))
        .bind(flag(c.transfer))
        .bind(&case_id)
        .bind(&c.served_by)
        .bind(&c.id)
        .bind(c.version)
        .execute(&mut *tx)
        .await;
        let moved = match moved {
            Ok(m) => m,
            Err(e) => {
                let e = StoreError::from(e);
                return Err(match e {
                    StoreError::Conflict(_) => StoreError::Conflict("window_busy".into()),
                    other => other,
                });
            }
        };
        if moved.rows_affected() == 0 {
            return Ok(false);
        }
        record_step(&mut tx, now, actor, c).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Calls the next number to `window_id` in one transaction: the hall's waiting tickets
    /// are read under the hall's lock (PostgreSQL: its row `FOR UPDATE`; SQLite: the one
    /// writer), `choose` (the domain's order) picks one, and it is called. So however many
    /// windows and instances call at once, each caller gets a different person and nobody
    /// is skipped or retried. `change` builds the step from the chosen ticket.
    pub async fn call_next_ticket(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        hall_id: &str,
        window_id: &str,
        choose: &(dyn Fn(&[Waiting]) -> Option<String> + Send + Sync),
        change: &(dyn Fn(&QueueTicket) -> QueueChange + Send + Sync),
    ) -> Result<CallOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("SELECT id FROM service_halls WHERE id = $1 FOR UPDATE")
                .bind(hall_id)
                .execute(&mut *tx)
                .await?;
        }
        let busy: Option<String> = sqlx::query_scalar(
            "SELECT ticket_no FROM queue_tickets WHERE window_id = $1 \
             AND status IN ('called', 'serving')",
        )
        .bind(window_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(number) = busy {
            return Ok(CallOutcome::WindowBusy(number));
        }
        let rows = sqlx::query(
            "SELECT id, window_kind, priority, queue_key, seq, assigned_window_id \
             FROM queue_tickets WHERE hall_id = $1 AND status = 'waiting'",
        )
        .bind(hall_id)
        .fetch_all(&mut *tx)
        .await?;
        let waiting = rows
            .iter()
            .map(waiting_from)
            .collect::<Result<Vec<_>, _>>()?;
        let Some(id) = choose(&waiting) else {
            return Ok(CallOutcome::NobodyWaiting);
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE t.id = $1")))
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        let c = change(&ticket_from(&row)?);
        let moved = sqlx::query(
            "UPDATE queue_tickets SET status = 'called', window_id = $1, assigned_window_id = NULL, \
             called_at = COALESCE(called_at, $2), served_by = COALESCE($3, served_by), \
             version = version + 1 WHERE id = $4 AND status = 'waiting'",
        )
        .bind(window_id)
        .bind(ts(now))
        .bind(&c.served_by)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Err(StoreError::Corrupt(format!("号票 {id} 在加锁后仍被改动")));
        }
        record_step(&mut tx, now, actor, &c).await?;
        tx.commit().await?;
        Ok(CallOutcome::Called(Box::new(self.ticket(&id).await?)))
    }

    /// A person's tickets of a day, newest first.
    pub async fn tickets_of(
        &self,
        account_id: &str,
        on: NaiveDate,
    ) -> Result<Vec<QueueTicket>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE t.account_id = $1 AND t.day = $2 ORDER BY t.taken_at DESC"
        )))
        .bind(account_id)
        .bind(day(on))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(ticket_from).collect()
    }
}
