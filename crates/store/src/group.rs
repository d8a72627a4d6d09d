//! Group commit: concurrent submissions and case steps queue here and the writing tasks
//! (one on SQLite, `POSTGRES_LANES` on PostgreSQL) write them in batches, so a batch shares
//! one fsync and one turn at its audit chain's head-row lock (on PostgreSQL, writers
//! otherwise queue on it row by row).
//! Submissions are written with a few multi-row statements; case steps one after another,
//! a step refused (its case moved since it was decided) writing nothing and leaving the
//! others standing, and the audit rows of the steps that landed appended together at the
//! end (any other failure rewrites the batch one savepoint per step). A caller hears back
//! only after its batch's commit is durable.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::{Acquire, AnyPool, Executor};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::StoreError;
use crate::audit::AuditBatch;
use crate::bundles::cases::{BundleCaseRecord, NewBundleCase, insert_bundles_batch_in};
use crate::cases::{CaseChange, CaseRecord, NewCase, insert_cases_batch_in, record_case_action_in};

/// The most submissions or steps one commit carries.
const MAX_BATCH: usize = 256;

/// Writing tasks per instance on PostgreSQL. Each writes on its own audit chain and its own
/// part of the counts (`crate::count_part`), so two lanes' batches never wait for each other's rows
/// nor lock shared rows in different orders; only steps on one case meet, and the later is
/// refused as stale, as between instances.
const POSTGRES_LANES: u32 = 3;

tokio::task_local! {
    /// The writing task this future runs in (0 outside the group writer).
    static LANE: u32;
}

/// The writing lane of the running task: 0 for every write outside the group writer.
pub(crate) fn lane() -> u32 {
    LANE.try_with(|l| *l).unwrap_or(0)
}

/// A write transaction of this lane: on PostgreSQL a lane other than 0 counts on its own
/// part (`SET LOCAL` lasts until the commit).
async fn begin_lane(
    pool: &AnyPool,
    backend: crate::Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    let mut tx = crate::begin_write(pool, backend).await?;
    let lane = lane();
    if backend == crate::Backend::Postgres && lane > 0 {
        tx.execute(sqlx::AssertSqlSafe(format!(
            "SET LOCAL tongban.part = '{}'",
            crate::count_part(lane)
        )))
        .await?;
    }
    Ok(tx)
}

struct Job {
    now: DateTime<Utc>,
    case: NewCase,
    reply: oneshot::Sender<Result<CaseRecord, StoreError>>,
}

struct Step {
    now: DateTime<Utc>,
    change: CaseChange,
    reply: oneshot::Sender<Result<(), StoreError>>,
}

struct BundleJob {
    now: DateTime<Utc>,
    bundle: NewBundleCase,
    reply: oneshot::Sender<Result<BundleCaseRecord, StoreError>>,
}

enum Work {
    Submit(Box<Job>),
    Act(Box<Step>),
    Bundle(Box<BundleJob>),
}

#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    sender: mpsc::Sender<Work>,
}

impl GroupCommit {
    /// Starts the writing tasks on `pool`: one on SQLite (the single-connection writer),
    /// `POSTGRES_LANES` on PostgreSQL, where one batch's statements run while another's
    /// commit waits for the disk.
    pub(crate) fn start(pool: AnyPool, backend: crate::Backend) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        let receiver = Arc::new(Mutex::new(receiver));
        let lanes = match backend {
            crate::Backend::Sqlite => 1,
            crate::Backend::Postgres => POSTGRES_LANES,
        };
        for lane in 0..lanes {
            tokio::spawn(LANE.scope(lane, run(pool.clone(), backend, receiver.clone())));
        }
        GroupCommit { sender }
    }

    pub(crate) async fn submit(
        &self,
        now: DateTime<Utc>,
        case: NewCase,
    ) -> Result<CaseRecord, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Work::Submit(Box::new(Job { now, case, reply })))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    pub(crate) async fn submit_bundle(
        &self,
        now: DateTime<Utc>,
        bundle: NewBundleCase,
    ) -> Result<BundleCaseRecord, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Work::Bundle(Box::new(BundleJob { now, bundle, reply })))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    pub(crate) async fn act(
        &self,
        now: DateTime<Utc>,
        change: CaseChange,
    ) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Work::Act(Box::new(Step { now, change, reply })))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Config("写入任务已停止".into())
}

fn failed(e: &StoreError) -> StoreError {
    StoreError::Config(format!("写入失败：{e}"))
}

async fn run(pool: AnyPool, backend: crate::Backend, receiver: Arc<Mutex<mpsc::Receiver<Work>>>) {
    loop {
        // A lane takes what has queued, then lets the next lane gather while it writes.
        let work = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else {
                return;
            };
            let mut work = vec![first];
            while work.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(w) => work.push(w),
                    Err(_) => break,
                }
            }
            work
        };
        let (mut jobs, mut steps, mut bundles) = (Vec::new(), Vec::new(), Vec::new());
        for w in work {
            match w {
                Work::Submit(job) => jobs.push(*job),
                Work::Act(step) => steps.push(*step),
                Work::Bundle(b) => bundles.push(*b),
            }
        }
        if !bundles.is_empty() {
            let batch: Vec<_> = bundles.iter().map(|b| (b.now, &b.bundle)).collect();
            match write_batch(&pool, backend, &batch).await {
                Ok(results) => {
                    for (b, result) in bundles.into_iter().zip(results) {
                        let _ = b.reply.send(result);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, batch = bundles.len(), "group commit failed");
                    for b in bundles {
                        let _ = b.reply.send(Err(failed(&e)));
                    }
                }
            }
        }
        if !jobs.is_empty() {
            let batch: Vec<_> = jobs.iter().map(|j| (j.now, &j.case)).collect();
            match write_batch(&pool, backend, &batch).await {
                Ok(results) => {
                    for (job, result) in jobs.into_iter().zip(results) {
                        let _ = job.reply.send(result);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, batch = jobs.len(), "group commit failed");
                    for job in jobs {
                        let _ = job.reply.send(Err(failed(&e)));
                    }
                }
            }
        }
        if !steps.is_empty() {
            match write_steps(&pool, backend, &steps).await {
                Ok(results) => {
                    for (step, result) in steps.into_iter().zip(results) {
                        let _ = step.reply.send(result);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, batch = steps.len(), "group commit failed");
                    for step in steps {
                        let _ = step.reply.send(Err(failed(&e)));
                    }
                }
            }
        }
    }
}

/// One transaction for the steps, in the order they arrived: a second step on the same case
/// sees the first and is refused if it moved the case. No savepoints are needed in the
/// usual run: a step refused as stale has written nothing (its conditional update matched
/// no row). Any other failure sends the whole batch to `write_steps_one_by_one`.
async fn write_steps(
    pool: &AnyPool,
    backend: crate::Backend,
    steps: &[Step],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let mut tx = begin_lane(pool, backend).await?;
    let mut results = Vec::with_capacity(steps.len());
    let mut audit = AuditBatch::default();
    for step in steps {
        match record_case_action_in(&mut tx, step.now, &step.change, &mut audit).await {
            Ok(()) => results.push(Ok(())),
            Err(e) if is_stale(&e) => results.push(Err(e)),
            Err(e) => {
                tracing::debug!(error = %e, "a step failed; writing the batch step by step");
                tx.rollback().await?;
                return write_steps_one_by_one(pool, backend, steps).await;
            }
        }
    }
    // The steps that landed chain their audit rows in one go, in the order they were written.
    audit.write(&mut tx).await?;
    tx.commit().await?;
    Ok(results)
}

/// The careful path: each step in its own savepoint, so a step that fails for any reason
/// leaves the others standing.
async fn write_steps_one_by_one(
    pool: &AnyPool,
    backend: crate::Backend,
    steps: &[Step],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let mut tx = begin_lane(pool, backend).await?;
    let mut results = Vec::with_capacity(steps.len());
    let mut audit = AuditBatch::default();
    for step in steps {
        let mut savepoint = tx.begin().await?;
        let mut own = AuditBatch::default();
        match record_case_action_in(&mut savepoint, step.now, &step.change, &mut own).await {
            Ok(()) => {
                savepoint.commit().await?;
                audit.extend(own);
                results.push(Ok(()));
            }
            Err(e) => {
                savepoint.rollback().await?;
                results.push(Err(e));
            }
        }
    }
    audit.write(&mut tx).await?;
    tx.commit().await?;
    Ok(results)
}

/// A step decided on a state its case has left: refused before anything was written.
fn is_stale(e: &StoreError) -> bool {
    matches!(e, StoreError::Conflict(what) if what == crate::cases::STALE_STEP)
}

/// What the writer inserts in batches: single submissions and bundle applications. Both
/// are written with a few multi-row statements for the whole batch, and again one per
/// savepoint when that fails.
trait Batched: Sized {
    type Record;
    async fn insert_in(
        conn: &mut sqlx::AnyConnection,
        jobs: &[(DateTime<Utc>, &Self)],
    ) -> Result<Vec<Result<Self::Record, StoreError>>, StoreError>;
}

impl Batched for NewCase {
    type Record = CaseRecord;
    async fn insert_in(
        conn: &mut sqlx::AnyConnection,
        jobs: &[(DateTime<Utc>, &Self)],
    ) -> Result<Vec<Result<CaseRecord, StoreError>>, StoreError> {
        insert_cases_batch_in(conn, jobs).await
    }
}

impl Batched for NewBundleCase {
    type Record = BundleCaseRecord;
    async fn insert_in(
        conn: &mut sqlx::AnyConnection,
        jobs: &[(DateTime<Utc>, &Self)],
    ) -> Result<Vec<Result<BundleCaseRecord, StoreError>>, StoreError> {
        insert_bundles_batch_in(conn, jobs).await
    }
}

/// One transaction for the batch, written with a few multi-row statements; if that fails
/// (say, a key another process just took), the batch is written again one item per
/// savepoint, so only the bad one is refused.
async fn write_batch<T: Batched>(
    pool: &AnyPool,
    backend: crate::Backend,
    batch: &[(DateTime<Utc>, &T)],
) -> Result<Vec<Result<T::Record, StoreError>>, StoreError> {
    let mut tx = begin_lane(pool, backend).await?;
    match T::insert_in(&mut tx, batch).await {
        Ok(results) => {
            tx.commit().await?;
            return Ok(results);
        }
        Err(e) => {
            tracing::debug!(error = %e, "batch insert failed; writing one by one");
            tx.rollback().await?;
        }
    }
    let mut tx = begin_lane(pool, backend).await?;
    let mut results = Vec::with_capacity(batch.len());
    for one in batch {
        let mut savepoint = tx.begin().await?;
        let written = T::insert_in(&mut savepoint, std::slice::from_ref(one))
            .await
            .and_then(|mut r| r.pop().unwrap_or(Err(StoreError::NotFound)));
        match written {
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
