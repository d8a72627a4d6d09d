//! Storage of what people say about the service (issue 12): ratings and their additions,
//! rectification tasks, 12345 tickets and 办不成事 problems, each step a row of
//! `feedback_events` written with its audit row (and any message) in one transaction.
//! Every current status moves by an UPDATE guarded by the status the decision was taken on,
//! so two people acting at once cannot both move one task.

mod evaluations;
mod problems;
mod rectifications;
mod seed;
mod tickets;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AnyConnection, AssertSqlSafe};
use tongban_domain::audit::AuditEvent;
use tongban_domain::authz::{FeedbackReach, Scope};

pub use evaluations::{
    EvaluationAddition, EvaluationLink, EvaluationQuery, EvaluationRecord, EvaluationTotals,
    HallEvaluation, NewEvaluation, NewHallEvaluation,
};
pub use problems::{NewProblem, ProblemChange, ProblemQuery, ProblemRecord};
pub use rectifications::{
    NewRectification, RectificationChange, RectificationQuery, RectificationRecord,
};
pub use tickets::{NewTicket, TicketChange, TicketQuery, TicketRecord};

use crate::{StoreError, audit, new_id, ts};

/// One entry of a task's, ticket's or problem's record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedbackEvent {
    #[sqlx(try_from = "crate::DbTime")]
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The actor's name, when the actor is an account.
    pub actor_name: Option<String>,
    pub action: String,
    pub status_after: String,
    pub note: String,
}

/// A message to someone through the outbox, in the step's transaction.
#[derive(Debug, Clone)]
pub struct Notice {
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub link: String,
}

pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("日期格式错误 {s}: {e}")))
}

/// A list's WHERE clause, built from fixed fragments with numbered parameters, and its
/// values in order. Only text from this module enters the SQL; every value is bound.
#[derive(Debug, Default)]
pub(crate) struct Where {
    parts: Vec<String>,
    /// Sets of alternatives, one of each set must hold (the reach's unit paths, the levels
    /// of 差评); each combination is an arm of `page_ids_sql`.
    arm_sets: Vec<Vec<String>>,
    pub(crate) values: Vec<String>,
}

impl Where {
    fn next(&mut self, value: String) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// `column <op> value`.
    pub(crate) fn push(&mut self, column: &'static str, op: &'static str, value: String) {
        let p = self.next(value);
        self.parts.push(format!("{column} {op} {p}"));
    }

    /// A column compared with an integer value (bound as text would not compare as a number
    /// on PostgreSQL, so the number is checked here and written in).
    pub(crate) fn push_int(&mut self, column: &'static str, value: i64) {
        self.parts.push(format!("{column} = {value}"));
    }

    /// Within the reach: the handling path within its scope or the intake path within its
    /// own. Paths are compared as ranges (`p/` ≤ path < `p0`, '0' being the character after
    /// '/'), so both backends read them from an index. `false` when the reach covers
    /// nothing.
    pub(crate) fn reach(
        &mut self,
        reach: &FeedbackReach,
        handling: &'static str,
        intake: &'static str,
    ) -> bool {
        if reach.handling == Scope::All || reach.intake == Scope::All {
            return true;
        }
        let mut arms = Vec::new();
        for (scope, col) in [(&reach.handling, handling), (&reach.intake, intake)] {
            if let Scope::Within(root) = scope {
                let a = self.next(root.clone());
                let b = self.next(format!("{root}/"));
                let c = self.next(format!("{root}0"));
                arms.push(format!("{col} = {a} OR ({col} >= {b} AND {col} < {c})"));
            }
        }
        if arms.is_empty() {
            return false;
        }
        self.parts.push(format!("({})", arms.join(" OR ")));
        true
    }

    /// Within the reach as resolved to unit paths: each path becomes an arm of its own
    /// (`column = path`), so that a page is read in order from the `(path, time)` index arm
    /// by arm instead of sorting everything the reach covers (see `page_ids_sql`).
    pub(crate) fn arms(&mut self, arms: &Arms, handling: &'static str, intake: &'static str) {
        if let Arms::Paths {
            handling: h,
            intake: i,
        } = arms
        {
            let mut set = Vec::new();
            for (paths, col) in [(h, handling), (i, intake)] {
                for path in paths {
                    let p = self.next(path.clone());
                    set.push(format!("{col} = {p}"));
                }
            }
            self.arm_sets.push(set);
        }
    }

    /// Within the reach as resolved to unit paths, as two equality lists (`handling IN
    /// (…) OR intake IN (…)`), which each backend reads from an index on either column —
    /// for totals, which need every matching row rather than a page.
    pub(crate) fn paths_in(&mut self, arms: &Arms, handling: &'static str, intake: &'static str) {
        if let Arms::Paths {
            handling: h,
            intake: i,
        } = arms
        {
            let mut terms = Vec::new();
            for (paths, col) in [(h, handling), (i, intake)] {
                if paths.is_empty() {
                    continue;
                }
                let ps: Vec<String> = paths.iter().map(|p| self.next(p.clone())).collect();
                terms.push(format!("{col} IN ({})", ps.join(", ")));
            }
            self.parts.push(format!("({})", terms.join(" OR ")));
        }
    }

    /// One of `values` of an integer column, each its own arm (so a range such as 差评's two
    /// levels is still read in index order).
    pub(crate) fn int_arms(&mut self, column: &'static str, values: &[i64]) {
        self.arm_sets
            .push(values.iter().map(|v| format!("{column} = {v}")).collect());
    }

    /// The ids of one page, newest first by `time` (`alias.time`, `alias.id`): each arm
    /// brings at most `offset + limit` rows in index order, and only the page is kept, so
    /// a page costs about the same at a thousand rows or a million. The caller then joins
    /// only these ids. Without arms (a reach over everything) there is one arm.
    pub(crate) fn page_ids_sql(
        &self,
        from: &'static str,
        alias: &'static str,
        time: &'static str,
        limit: i64,
        offset: i64,
    ) -> String {
        let (limit, offset) = (limit.clamp(1, 500), offset.max(0));
        let per_arm = limit + offset;
        let arm = |cond: Option<&str>| {
            let mut parts: Vec<&str> = self.parts.iter().map(String::as_str).collect();
            parts.extend(cond);
            let wh = if parts.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", parts.join(" AND "))
            };
            format!(
                "SELECT * FROM (SELECT {alias}.id, {alias}.{time} FROM {from} {wh} \
                 ORDER BY {alias}.{time} DESC, {alias}.id DESC LIMIT {per_arm}) arm"
            )
        };
        let mut combos: Vec<String> = vec![String::new()];
        for set in &self.arm_sets {
            combos = combos
                .iter()
                .flat_map(|c| {
                    set.iter().map(move |x| {
                        if c.is_empty() {
                            x.clone()
                        } else {
                            format!("{c} AND {x}")
                        }
                    })
                })
                .collect();
        }
        if combos.is_empty() {
            // An empty set of alternatives: nothing can match.
            combos.push("1 = 0".to_owned());
        }
        let arms: Vec<String> = combos
            .iter()
            .map(|c| arm(Some(c.as_str()).filter(|c| !c.is_empty())))
            .collect();
        // UNION, not UNION ALL: a row can be in the reach both as handled and as taken in.
        format!(
            "SELECT id FROM ({}) firsts ORDER BY {time} DESC, id DESC LIMIT {limit} OFFSET {offset}",
            arms.join(" UNION ")
        )
    }

    pub(crate) fn raw(&mut self, fragment: &'static str) {
        self.parts.push(fragment.to_owned());
    }

    pub(crate) fn sql(&self) -> String {
        if self.parts.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.parts.join(" AND "))
        }
    }
}

/// A reach resolved to the paths of the units it covers, for lists read arm by arm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arms {
    /// Every unit: one arm, no path condition.
    All,
    /// The units' paths, as handling department and as intake unit.
    Paths {
        handling: Vec<String>,
        intake: Vec<String>,
    },
}

impl crate::Store {
    /// The reach's units, or `None` when it covers nothing. Paths are read from the units
    /// as they are now; rows keep the path their unit had when they were written, and units
    /// are never moved (a reorganisation would add units, not rename paths).
    pub(crate) async fn reach_arms(
        &self,
        reach: &FeedbackReach,
    ) -> Result<Option<Arms>, StoreError> {
        if reach.handling == Scope::All || reach.intake == Scope::All {
            return Ok(Some(Arms::All));
        }
        let mut paths = [Vec::new(), Vec::new()];
        for (scope, out) in [&reach.handling, &reach.intake]
            .into_iter()
            .zip(paths.iter_mut())
        {
            if let (Some(args), Scope::Within(_)) = (crate::scope_args(scope), scope) {
                *out = sqlx::query_scalar(AssertSqlSafe(format!(
                    "SELECT o.path FROM org_units o WHERE {} ORDER BY o.path",
                    crate::IN_SCOPE
                )))
                .bind(args.0)
                .bind(args.1)
                .fetch_all(&self.reader)
                .await?;
            }
        }
        let [handling, intake] = paths;
        if handling.is_empty() && intake.is_empty() {
            return Ok(None);
        }
        Ok(Some(Arms::Paths { handling, intake }))
    }
}

/// Records one step: its entry, its audit row and any messages.
#[expect(clippy::too_many_arguments, reason = "one entry, field by field")]
pub(crate) async fn record_event(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    actor: &str,
    subject: &str,
    action: &str,
    status_after: &str,
    note: &str,
    notices: &[Notice],
) -> Result<(), StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO feedback_events (id, subject, at, actor, action, status_after, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(subject)
    .bind(ts(now))
    .bind(actor)
    .bind(action)
    .bind(status_after)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    for (i, n) in notices.iter().enumerate() {
        crate::outbox::enqueue(
            conn,
            now,
            "feedback",
            &n.recipient,
            &n.subject,
            &n.body,
            &n.link,
            &format!("{subject}:{id}:{i}"),
        )
        .await?;
    }
    audit::append(
        conn,
        now,
        AuditEvent::new(
            actor,
            format!("{}.{action}", subject_kind(subject)),
            subject,
            status_after,
        ),
    )
    .await?;
    Ok(())
}

fn subject_kind(subject: &str) -> &str {
    subject.split(':').next().unwrap_or(subject)
}

/// Messages to every active staff member of `role` (in `unit`, when given) about
/// `subject`: the bureau about what is escalated, a department about a new task.
#[expect(
    clippy::too_many_arguments,
    reason = "one message to a group, field by field"
)]
pub(crate) async fn tell_staff(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    key: &str,
    role: &str,
    unit: Option<&str>,
    title: &str,
    body: &str,
    link: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (id, topic, recipient, subject, body, link, dedupe_key, created_at) \
         SELECT $1 || a.id, 'feedback', a.id, $2, $3, $4, $5 || a.id, $6 FROM accounts a \
         WHERE a.role = $7 AND a.disabled = 0 AND ($8 = '' OR a.org_unit_id = $8) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(format!("{}-", new_id()))
    .bind(title)
    .bind(body)
    .bind(link)
    .bind(format!("{key}:"))
    .bind(ts(now))
    .bind(role)
    .bind(unit.unwrap_or(""))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl crate::Store {
    /// The entries of a task, ticket or problem (`rectification:<id>`, `ticket:<id>`,
    /// `problem:<id>`), oldest first.
    pub async fn feedback_events(&self, subject: &str) -> Result<Vec<FeedbackEvent>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT e.at, e.actor, a.name AS actor_name, e.action, e.status_after, e.note \
             FROM feedback_events e LEFT JOIN accounts a ON a.id = e.actor \
             WHERE e.subject = $1 ORDER BY e.at, e.id",
        )
        .bind(subject)
        .fetch_all(&self.reader)
        .await?)
    }

    /// A number of the day for tickets (`RX…`) or problems (`BC…`), unique across instances.
    pub(crate) async fn next_number(
        conn: &mut AnyConnection,
        key: &str,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO feedback_counters (key, n) VALUES ($1, 1) \
             ON CONFLICT (key) DO UPDATE SET n = feedback_counters.n + 1 RETURNING n",
        )
        .bind(key)
        .fetch_one(&mut *conn)
        .await?)
    }

    /// A bureau setting of the feedback loops (e.g. `rectify_working_days`).
    pub async fn feedback_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM feedback_settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.reader)
                .await?,
        )
    }

    pub async fn set_feedback_setting(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        key: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO feedback_settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(actor, "feedback.setting", format!("setting:{key}"), value),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
