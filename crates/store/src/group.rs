//! Group commit: concurrent submissions queue here and one task per instance writes them in
//! batches, one transaction each with a few multi-row statements, so a batch shares one
//! fsync (SQLite) and one turn at the audit chain's head-row lock (PostgreSQL, where
//! instances otherwise queue on it row by row). A submitter hears back only after the
//! batch's commit is durable.

use chrono::{DateTime, Utc};
use sqlx::{Acquire, AnyPool};
use tokio::sync::{mpsc, oneshot};

use crate::StoreError;
use crate::cases::{CaseRecord, NewCase, insert_cases_batch_in};

/// The most submissions one commit carries.
const MAX_BATCH: usize = 256;

struct Job {
    now: DateTime<Utc>,
    case: NewCase,
    reply: oneshot::Sender<Result<CaseRecord, StoreError>>,
}

#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    sender: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writing task on `pool` (the single-connection writer).
    pub(crate) fn start(pool: AnyPool, backend: crate::Backend) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, backend, receiver));
        GroupCommit { sender }
    }

    pub(crate) async fn submit(
        &self,
        now: DateTime<Utc>,
        case: NewCase,
    ) -> Result<CaseRecord, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job { now, case, reply })
            .await
            .map_err(|_| StoreError::Config("写入任务已停止".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Config("写入任务已停止".into()))?
    }
}

async fn run(pool: AnyPool, backend: crate::Backend, mut receiver: mpsc::Receiver<Job>) {
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        match write_batch(&pool, backend, &jobs).await {
            Ok(results) => {
                for (job, result) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, batch = jobs.len(), "group commit failed");
                let message = e.to_string();
                for job in jobs {
                    let _ = job
                        .reply
                        .send(Err(StoreError::Config(format!("写入失败：{message}"))));
                }
            }
        }
    }
}

/// One transaction for the batch, written with a few multi-row statements; if that fails
/// (say, a key another process just took), the batch is written again one submission per
/// savepoint, so only the bad one is refused.
async fn write_batch(
    pool: &AnyPool,
    backend: crate::Backend,
    jobs: &[Job],
) -> Result<Vec<Result<CaseRecord, StoreError>>, StoreError> {
    let mut tx = crate::begin_write(pool, backend).await?;
    let batch: Vec<_> = jobs.iter().map(|j| (j.now, &j.case)).collect();
    match insert_cases_batch_in(&mut tx, &batch).await {
        Ok(results) => {
            tx.commit().await?;
            return Ok(results);
        }
        Err(e) => {
            tracing::debug!(error = %e, "batch insert failed; writing one by one");
            tx.rollback().await?;
        }
    }
    write_one_by_one(pool, backend, jobs).await
}

async fn write_one_by_one(
    pool: &AnyPool,
    backend: crate::Backend,
    jobs: &[Job],
) -> Result<Vec<Result<CaseRecord, StoreError>>, StoreError> {
    let mut tx = crate::begin_write(pool, backend).await?;
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        let mut savepoint = tx.begin().await?;
        let one = insert_cases_batch_in(&mut savepoint, &[(job.now, &job.case)])
            .await
            .and_then(|mut r| r.pop().unwrap_or(Err(StoreError::NotFound)));
        match one {
            Ok(record) => {
                savepoint.commit().await?;
                results.push(Ok(record));
            }
            Err(e) => {
                savepoint.rollback().await?;
                results.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    Ok(results)
}
