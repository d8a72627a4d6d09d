//! The audit trail's storage: appending rows in the caller's transaction and reading them
//! back for display and verification. The chain arithmetic is the domain's.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use tongban_domain::audit::checkpoint::{
    ChainHead, Checkpoint, CheckpointBreak, SealedCheckpoint, SealedHeads,
};
use tongban_domain::audit::{self, AuditEntry, AuditEvent, ChainBreak, ChainVerifier};

use crate::{Store, StoreError, ts};

/// The result of `audit verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub rows_checked: i64,
    pub first_break: Option<ChainBreak>,
    /// The chain (0 to `AUDIT_CHAINS - 1`) where `first_break` is.
    pub chain: Option<i64>,
    /// Where the rows depart from a sealed checkpoint (a recomputed chain, a cut tail).
    pub checkpoint_break: Option<CheckpointBreak>,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none() && self.checkpoint_break.is_none()
    }
}

/// The chain this process appends to, chosen at random once, and the next ones for its
/// other writing lanes (`group`): instances sharing a database mostly write to different
/// chains (two on one chain only queue, as they all did before).
fn own_chain() -> i64 {
    static CHAIN: std::sync::LazyLock<i64> = std::sync::LazyLock::new(|| {
        i64::from(uuid::Uuid::new_v4().as_bytes()[0]) % audit::AUDIT_CHAINS
    });
    (*CHAIN + i64::from(crate::group::lane())) % audit::AUDIT_CHAINS
}

/// Appends one row inside the caller's transaction. Taking the chain's head row first (an
/// UPDATE) locks it, so concurrent appenders to one chain queue up instead of forking it.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    event: AuditEvent,
) -> Result<AuditEntry, StoreError> {
    let chain = own_chain();
    let head =
        sqlx::query("UPDATE audit_heads SET seq = seq + 1 WHERE part = $1 RETURNING seq, hash")
            .bind(chain)
            .fetch_one(&mut *conn)
            .await?;
    let new_seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    // The head starts at (0, GENESIS_HASH), so the first row chains from genesis too.
    let entry = audit::next_entry(Some((new_seq - 1, &prev_hash)), ts(now), event);
    sqlx::query(
        "INSERT INTO audit_log (part, seq, at, actor, action, target, detail, prev_hash, hash) \
         VALUES ($9, $1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.seq)
    .bind(&entry.at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.detail)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .bind(chain)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_heads SET hash = $1 WHERE part = $2")
        .bind(&entry.hash)
        .bind(chain)
        .execute(&mut *conn)
        .await?;
    Ok(entry)
}

/// Audit rows gathered while a transaction writes several changes, appended together at its
/// end by `write` (one turn at the chain's head instead of one per change). A change
/// written in a savepoint gathers into its own batch and hands it on only once the
/// savepoint holds, so a refused change leaves no row.
#[derive(Debug, Default)]
pub(crate) struct AuditBatch(Vec<(DateTime<Utc>, AuditEvent)>);

impl AuditBatch {
    pub(crate) fn push(&mut self, at: DateTime<Utc>, event: AuditEvent) {
        self.0.push((at, event));
    }

    pub(crate) fn extend(&mut self, other: AuditBatch) {
        self.0.extend(other.0);
    }

    /// Appends the gathered rows inside the caller's transaction.
    pub(crate) async fn write(self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        append_many(conn, self.0).await
    }
}

/// Appends several rows at once inside the caller's transaction: one head update to reserve
/// their sequence numbers, the chain computed here, one multi-row insert, one head update.
/// The same chain as appending them one by one.
pub(crate) async fn append_many(
    conn: &mut AnyConnection,
    events: Vec<(DateTime<Utc>, AuditEvent)>,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let n = events.len() as i64;
    let chain = own_chain();
    let head =
        sqlx::query("UPDATE audit_heads SET seq = seq + $1 WHERE part = $2 RETURNING seq, hash")
            .bind(n)
            .bind(chain)
            .fetch_one(&mut *conn)
            .await?;
    let last_seq: i64 = head.try_get("seq")?;
    let mut prev_hash: String = head.try_get("hash")?;
    let mut seq = last_seq - n;
    let mut entries = Vec::with_capacity(events.len());
    for (at, event) in events {
        let entry = audit::next_entry(Some((seq, &prev_hash)), ts(at), event);
        seq = entry.seq;
        prev_hash = entry.hash.clone();
        entries.push(entry);
    }
    for chunk in crate::statement_chunks(&entries) {
        let sql = crate::multi_row_insert(
            "audit_log (part, seq, at, actor, action, target, detail, prev_hash, hash)",
            9,
            chunk.len(),
            "",
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(chain)
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
    sqlx::query("UPDATE audit_heads SET hash = $1 WHERE part = $2")
        .bind(&prev_hash)
        .bind(chain)
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
            Some(t) => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE target = $1 \
                 ORDER BY at DESC, seq DESC LIMIT $2"
                )))
                .bind(t)
                .bind(limit)
                .fetch_all(&self.reader)
                .await?
            }
            None => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY at DESC, seq DESC LIMIT $1"
                )))
                .bind(limit)
                .fetch_all(&self.reader)
                .await?
            }
        };
        rows.iter().map(entry_from).collect()
    }

    /// Walks every chain in pages and reports the first altered or missing row, or a
    /// missing chain head.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        self.verify_audit_against(&SealedHeads::default()).await
    }

    /// `verify_audit`, and every row at a sealed head must carry the sealed hash, and no
    /// chain may end before a sealed head.
    pub async fn verify_audit_against(
        &self,
        sealed: &SealedHeads,
    ) -> Result<AuditReport, StoreError> {
        let heads = sqlx::query("SELECT part, seq, hash FROM audit_heads ORDER BY part")
            .fetch_all(&self.reader)
            .await?;
        let mut rows_checked = 0;
        for chain in 0..audit::AUDIT_CHAINS {
            let head = heads
                .iter()
                .find(|h| h.try_get::<i64, _>("part").ok() == Some(chain));
            let Some(head) = head else {
                return Ok(AuditReport {
                    rows_checked,
                    first_break: Some(ChainBreak::HeadMissing),
                    chain: Some(chain),
                    checkpoint_break: None,
                });
            };
            let head_seq: i64 = head.try_get("seq")?;
            let head_hash: String = head.try_get("hash")?;
            let mut verifier = ChainVerifier::default();
            let mut checkpoint_break = None;
            const PAGE: i64 = 5000;
            let broken = 'rows: loop {
                let rows = sqlx::query(AssertSqlSafe(format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE part = $1 AND seq > $2 \
                     ORDER BY seq LIMIT $3"
                )))
                .bind(chain)
                .bind(verifier.checked())
                .bind(PAGE)
                .fetch_all(&self.reader)
                .await?;
                if rows.is_empty() {
                    break 'rows None;
                }
                for row in &rows {
                    let entry = entry_from(row)?;
                    if let Err(b) = verifier.push(&entry) {
                        break 'rows Some(b);
                    }
                    if checkpoint_break.is_none() {
                        checkpoint_break = sealed.check_row(chain, &entry).err();
                    }
                }
            };
            let checked = verifier.checked();
            let broken = broken.or_else(|| verifier.finish(Some((head_seq, &head_hash))).err());
            let checkpoint_break =
                checkpoint_break.or_else(|| sealed.check_end(chain, checked).err());
            rows_checked += checked;
            if broken.is_some() || checkpoint_break.is_some() {
                return Ok(AuditReport {
                    rows_checked,
                    first_break: broken,
                    chain: Some(chain),
                    checkpoint_break,
                });
            }
        }
        Ok(AuditReport {
            rows_checked,
            first_break: None,
            chain: None,
            checkpoint_break: None,
        })
    }

    /// Every chain's head now, as a checkpoint records them.
    pub async fn audit_chain_heads(&self) -> Result<Vec<ChainHead>, StoreError> {
        let rows = sqlx::query("SELECT part, seq, hash FROM audit_heads ORDER BY part")
            .fetch_all(&self.writer)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ChainHead {
                    chain: r.try_get("part")?,
                    seq: r.try_get("seq")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect()
    }

    /// The sealed checkpoints, oldest first.
    pub async fn audit_checkpoints(&self) -> Result<Vec<SealedCheckpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT number, body, public_key, signature FROM audit_checkpoints ORDER BY number",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let body: String = r.try_get("body")?;
                Ok(SealedCheckpoint {
                    checkpoint: parse_checkpoint(&body)?,
                    public_key: r.try_get("public_key")?,
                    signature: r.try_get("signature")?,
                })
            })
            .collect()
    }

    /// Stores a sealed checkpoint with its audit row; a number already taken (another
    /// instance sealed first) is `Conflict`.
    pub async fn record_checkpoint(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        sealed: &SealedCheckpoint,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let c = &sealed.checkpoint;
        let inserted = sqlx::query(
            "INSERT INTO audit_checkpoints (number, at, body, public_key, signature) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (number) DO NOTHING",
        )
        .bind(c.number)
        .bind(&c.at)
        .bind(c.canonical())
        .bind(&sealed.public_key)
        .bind(&sealed.signature)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict("checkpoint".into()));
        }
        append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "audit.checkpoint",
                format!("checkpoint:{}", c.number),
                c.digest(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A checkpoint from its canonical text (what was signed is what is stored).
fn parse_checkpoint(body: &str) -> Result<Checkpoint, StoreError> {
    let bad = || StoreError::Corrupt("审计检查点格式错误".into());
    let mut lines = body.lines();
    if lines.next() != Some("tongban-audit-checkpoint/1") {
        return Err(bad());
    }
    let number = lines.next().and_then(|l| l.parse().ok()).ok_or_else(bad)?;
    let at = lines.next().ok_or_else(bad)?.to_owned();
    let prev = lines.next().ok_or_else(bad)?.to_owned();
    let mut heads = Vec::new();
    for l in lines {
        let mut parts = l.splitn(3, ':');
        let (Some(chain), Some(seq), Some(hash)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        heads.push(ChainHead {
            chain: chain.parse().map_err(|_| bad())?,
            seq: seq.parse().map_err(|_| bad())?,
            hash: hash.to_owned(),
        });
    }
    let c = Checkpoint {
        number,
        at,
        heads,
        prev,
    };
    if c.canonical() != body {
        return Err(bad());
    }
    Ok(c)
}
