//! The audit trail's storage: appending rows in the caller's transaction and reading them
//! back for display and verification. The chain arithmetic is the domain's.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use tongban_domain::audit::{self, AuditEntry, AuditEvent, ChainBreak, ChainVerifier};

use crate::{Store, StoreError, ts};

/// The result of `audit verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub rows_checked: i64,
    pub first_break: Option<ChainBreak>,
}

/// Appends one row inside the caller's transaction. Taking the head row first (an UPDATE)
/// locks it, so concurrent appenders on every instance queue up instead of forking the chain.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    event: AuditEvent,
) -> Result<AuditEntry, StoreError> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let new_seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    // The head starts at (0, GENESIS_HASH), so the first row chains from genesis too.
    let entry = audit::next_entry(Some((new_seq - 1, &prev_hash)), ts(now), event);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.seq)
    .bind(&entry.at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.detail)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&entry.hash)
        .execute(&mut *conn)
        .await?;
    Ok(entry)
}

/// Appends several rows at once inside the caller's transaction: one head update to reserve
/// their sequence numbers, the chain computed here, one multi-row insert, one head update.
/// The same chain as appending them one by one.
pub(crate) async fn append_many(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    events: Vec<AuditEvent>,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let n = events.len() as i64;
    let head = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(&mut *conn)
        .await?;
    let last_seq: i64 = head.try_get("seq")?;
    let mut prev_hash: String = head.try_get("hash")?;
    let mut seq = last_seq - n;
    let at = ts(now);
    let mut entries = Vec::with_capacity(events.len());
    for event in events {
        let entry = audit::next_entry(Some((seq, &prev_hash)), at.clone(), event);
        seq = entry.seq;
        prev_hash = entry.hash.clone();
        entries.push(entry);
    }
    for chunk in crate::statement_chunks(&entries) {
        let sql = crate::multi_row_insert(
            "audit_log (seq, at, actor, action, target, detail, prev_hash, hash)",
            8,
            chunk.len(),
            "",
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.seq)
                .bind(&e.at)
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.target)
                .bind(&e.detail)
                .bind(&e.prev_hash)
                .bind(&e.hash);
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn entry_from(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        detail: row.try_get("detail")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const AUDIT_COLUMNS: &str = "seq, at, actor, action, target, detail, prev_hash, hash";

impl Store {
    /// Appends one audit row on its own, for events that change nothing else (a login, a
    /// view of personal data).
    pub async fn append_audit(
        &self,
        now: DateTime<Utc>,
        event: AuditEvent,
    ) -> Result<AuditEntry, StoreError> {
        let mut tx = self.begin_write().await?;
        let entry = append(&mut tx, now, event).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// The newest rows first, `limit` of them, optionally only those about `target`.
    pub async fn recent_audit(
        &self,
        limit: i64,
        target: Option<&str>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = match target {
            Some(t) => sqlx::query(AssertSqlSafe(format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE target = $1 ORDER BY seq DESC LIMIT $2"
            )))
            .bind(t)
            .bind(limit)
            .fetch_all(&self.reader)
            .await?,
            None => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"
                )))
                .bind(limit)
                .fetch_all(&self.reader)
                .await?
            }
        };
        rows.iter().map(entry_from).collect()
    }

    /// Walks the whole chain in pages and reports the first altered or missing row.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.reader)
            .await?;
        let head_seq: i64 = head.try_get("seq")?;
        let head_hash: String = head.try_get("hash")?;
        let mut verifier = ChainVerifier::default();
        const PAGE: i64 = 5000;
        loop {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
            )))
            .bind(verifier.checked())
            .bind(PAGE)
            .fetch_all(&self.reader)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                if let Err(b) = verifier.push(&entry_from(row)?) {
                    return Ok(AuditReport {
                        rows_checked: verifier.checked(),
                        first_break: Some(b),
                    });
                }
            }
        }
        let checked = verifier.checked();
        let first_break = verifier.finish(Some((head_seq, &head_hash))).err();
        Ok(AuditReport {
            rows_checked: checked,
            first_break,
        })
    }
}
