//! Tongban's persistence: one repository API over SQLite and PostgreSQL.
//!
//! Storage persists; the domain decides. This crate speaks the domain's words
//! (`create_account`, `append_audit`) and never lets driver types out. Both backends run the
//! same query text through sqlx's `Any` driver (`$1` placeholders, `RETURNING`, integers and
//! 0/1 booleans only); only the migrations differ per dialect.
//!
//! Every write that changes state appends its audit row in the same transaction, so the trail
//! and the data cannot disagree.
//!
//! **Invariant:** on SQLite all writes go through a single-connection writer pool, so our own
//! process never sees `SQLITE_BUSY`; reads use a separate pool and run beside it under WAL.

mod accounts;
mod audit;
mod bundles;
mod calendar;
mod cases;
mod catalog;
mod deliveries;
mod drafts;
mod error;
mod feedback;
mod group;
mod halls;
mod identity;
mod licences;
mod oidc;
mod org;
mod outbox;
mod seed;
mod sessions;
mod throttle;

pub mod demo;
pub mod demo_bundles;
pub mod demo_catalog;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnectionMetadata;
use sqlx::{AnyPool, Executor};

pub use accounts::{Account, NewAccount, PersonSummary, StaffChange, StaffMember};
pub use audit::AuditReport;
pub use bundles::{
    BundleCaseRecord, BundleChildRecord, BundleVersion, NewBundleCase, NewBundleChild,
    PublishedBundle,
};
pub use calendar::CalendarDay;
pub use cases::{
    CaseChange, CaseEvent, CaseRecord, DeadlineCount, FollowUp, MaterialRecord, NewCase,
    NewMaterial,
};
pub use catalog::{ImportSummary, ItemVersion, PublishedItem};
pub use deliveries::{DeliveryRecord, DueDelivery};
pub use error::StoreError;
pub use feedback::{
    EvaluationAddition, EvaluationLink, EvaluationQuery, EvaluationRecord, EvaluationTotals,
    FeedbackEvent, HallEvaluation, NewEvaluation, NewHallEvaluation, NewProblem, NewRectification,
    NewTicket, Notice, ProblemChange, ProblemQuery, ProblemRecord, RectificationChange,
    RectificationQuery, RectificationRecord, TicketChange, TicketQuery, TicketRecord,
};
pub use halls::{
    AgentRecord, AppointmentRecord, BoardCall, CallOutcome, HandoverRecord, HelpChange, HelpRecord,
    NewAppointment, NewHelpRequest, NewQueueTicket, PaperCase, PaperPlace, QueueChange,
    QueueTicket, WindowPlace,
};
pub use identity::{NewCode, SMS_CODE_TOPIC, Verification};
pub use licences::{KeyStore, LicenceRecord, NewLicence, SealKeyRecord};
pub use oidc::{OidcClient, OidcGrant, RpState};
pub use org::{Hall, NewHall, NewOrgUnit, NewWindow, Window};
pub use outbox::{Message, OutboxMessage};
pub use sessions::{NewSession, Session, SessionKind};

/// Which database the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The handle every other crate uses to reach the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    reader: AnyPool,
    writer: AnyPool,
    backend: Backend,
    /// Batches this instance's concurrent submissions into shared commits (both backends:
    /// on SQLite it shares the fsync, on PostgreSQL also the audit chain's head-row lock).
    group: group::GroupCommit,
    /// On SQLite, a shared lock on the database's lock file for as long as any clone of this
    /// store lives, so `restore` can tell that the database is in use.
    _in_use: Option<std::sync::Arc<std::fs::File>>,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The SQLite URL for a database file under `data_dir`.
pub fn sqlite_url_in(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("tongban.db").display()
    )
}

/// The database file a SQLite URL names (`sqlite://rel.db`, `sqlite:///abs.db`,
/// `sqlite:file.db?mode=rwc`); `None` for other backends and in-memory databases.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// A SQLite URL that creates its file when missing (as the default data directory does),
/// with the file's directory created first. An explicit `mode=` is kept.
fn sqlite_create_url(url: &str) -> Result<String, StoreError> {
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Config(format!("无法创建数据库目录 {}：{e}", dir.display()))
        })?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`). Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let sqlite_url;
        let url = if url.starts_with("sqlite:") {
            sqlite_url = sqlite_create_url(url)?;
            sqlite_url.as_str()
        } else {
            url
        };
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "不支持的数据库地址“{url}”：请使用 sqlite://… 或 postgres://…"
            )));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let store = match backend {
            Backend::Sqlite => {
                let writer = AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(sqlite_pragmas)
                    .connect_with(options.clone())
                    .await?;
                let reader = AnyPoolOptions::new()
                    .max_connections(4)
                    .min_connections(0)
                    .idle_timeout(Duration::from_secs(60))
                    .after_connect(sqlite_pragmas)
                    .connect_with(options)
                    .await?;
                Store {
                    group: group::GroupCommit::start(writer.clone(), backend),
                    reader,
                    writer,
                    backend,
                    _in_use: match sqlite_path(url) {
                        Some(db) => Some(std::sync::Arc::new(lock_file(&db, false)?)),
                        None => None,
                    },
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(10)
                    .after_connect(postgres_part)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Store {
                    reader: pool.clone(),
                    group: group::GroupCommit::start(pool.clone(), backend),
                    writer: pool,
                    backend,
                    _in_use: None,
                }
            }
        };
        Ok(store)
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that read first could not upgrade when another process wrote
    /// meanwhile, and would fail with "database is locked" instead of waiting its turn.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        begin_write(&self.writer, self.backend).await
    }

    /// Connects and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations. Safe to run from several instances at once on PostgreSQL
    /// (sqlx takes an advisory lock).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATOR.run(&self.writer).await?,
            Backend::Postgres => POSTGRES_MIGRATOR.run(&self.writer).await?,
        }
        Ok(())
    }

    /// Answers when the database does: for `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// True when no organisation has been loaded yet: a fresh database.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM org_units")
            .fetch_one(&self.reader)
            .await?;
        Ok(n == 0)
    }

    /// A consistent copy of a SQLite database to `path` while the platform keeps running.
    pub async fn backup_sqlite(&self, path: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Config(
                "在线备份仅适用于 SQLite；PostgreSQL 请使用 pg_dump".into(),
            ));
        }
        if path.exists() {
            return Err(StoreError::Config(format!(
                "备份文件 {} 已存在，不会覆盖",
                path.display()
            )));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.display().to_string())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Closes both pools, flushing SQLite's WAL, and lets go of the database (a restore may
    /// proceed once every process has closed it).
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
        if let Some(lock) = &self._in_use {
            let _ = lock.unlock();
        }
    }
}

/// WAL lets readers run beside the writer; synchronous=FULL makes every acknowledged commit
/// survive power loss; foreign keys are off in SQLite unless asked for.
fn sqlite_pragmas(
    conn: &mut sqlx::AnyConnection,
    _meta: PoolConnectionMetadata,
) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + '_>> {
    Box::pin(async move {
        conn.execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
        )
        .await?;
        Ok(())
    })
}

/// Which part of the shared counts this process writes (`case_due_counts.part`, read by
/// the triggers from `tongban.part`): instances on one PostgreSQL then never lock one count
/// row in different orders, which deadlocked them. Random per process, so two instances
/// meet on a part about once in a million starts, and then only wait for each other.
fn postgres_part(
    conn: &mut sqlx::AnyConnection,
    _meta: PoolConnectionMetadata,
) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + '_>> {
    Box::pin(async move {
        conn.execute(sqlx::AssertSqlSafe(format!(
            "SET tongban.part = '{}'",
            count_part(0)
        )))
        .await?;
        Ok(())
    })
}

/// The count part of this process's writing lane `lane` (see `group`): the process's
/// random part, offset by a million per lane.
pub(crate) fn count_part(lane: u32) -> u64 {
    static PART: std::sync::LazyLock<u32> = std::sync::LazyLock::new(|| {
        let b = uuid::Uuid::new_v4().into_bytes();
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) % 1_000_000
    });
    u64::from(*PART) + u64::from(lane) * 1_000_000
}

/// Checks that `path` is a healthy SQLite database, then replaces the database at
/// `target_url` with it. The platform must not be running.
pub async fn restore_sqlite(backup: &Path, target_db: &Path) -> Result<(), StoreError> {
    sqlx::any::install_default_drivers();
    // Held until the copy is done: no instance may open the database meanwhile.
    let _exclusive = lock_file(target_db, true)?;
    let url = format!("sqlite://{}?mode=ro", backup.display());
    let options = AnyConnectOptions::from_str(&url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let not_a_backup = |_| {
        StoreError::Config(format!(
            "{} 不是通办数据库备份（无法作为 SQLite 数据库读取）",
            backup.display()
        ))
    };
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .map_err(not_a_backup)?;
    let migrated: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .map_err(not_a_backup)?;
    pool.close().await;
    if check != "ok" || migrated == 0 {
        return Err(StoreError::Config(format!(
            "{} 不是完整的通办数据库备份（完整性检查：{check}）",
            backup.display()
        )));
    }
    for suffix in ["-wal", "-shm"] {
        let side = target_db.with_file_name(format!(
            "{}{suffix}",
            target_db
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("tongban.db")
        ));
        if side.exists() {
            std::fs::remove_file(&side).map_err(|e| StoreError::Config(e.to_string()))?;
        }
    }
    std::fs::copy(backup, target_db).map_err(|e| StoreError::Config(e.to_string()))?;
    Ok(())
}

/// Locks `DB.lock` beside the database file: shared while a store has the database open,
/// exclusive (without waiting) for a restore. The operating system drops the lock when the
/// process ends, however it ends.
fn lock_file(db: &Path, exclusive: bool) -> Result<std::fs::File, StoreError> {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)
        .map_err(|e| StoreError::Config(format!("无法创建锁文件 {}：{e}", db.display())))?;
    let taken = if exclusive {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match taken {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Config(if exclusive {
            format!(
                "数据库 {} 正在被通办平台使用：请先停止所有使用该数据库的 tongban 进程，再执行恢复",
                db.display()
            )
        } else {
            format!("数据库 {} 正在恢复中，请等恢复完成后再启动", db.display())
        })),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Config(format!(
            "无法锁定 {}：{e}",
            db.display()
        ))),
    }
}

/// Times are stored as RFC 3339 UTC text with microseconds, so text order is time order.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("时间格式错误 {s}: {e}")))
}

/// An instant as the database holds it (RFC 3339 text: sqlx `Any` has no time type), so
/// row structs can derive their mapping: `#[sqlx(try_from = "DbTime")] at: DateTime<Utc>`.
#[derive(Debug, Clone, Copy)]
pub struct DbTime(DateTime<Utc>);

impl sqlx::Type<sqlx::Any> for DbTime {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <String as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <String as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for DbTime {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let text = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
        Ok(DbTime(parse_ts(&text)?))
    }
}

impl From<DbTime> for DateTime<Utc> {
    fn from(t: DbTime) -> Self {
        t.0
    }
}

/// A new sortable identifier.
/// The org-unit scope filter on a query joined to `org_units o`: the unit at `$1` and
/// everything below it, or everywhere when `$1` is empty. Bind `scope_args` as `$1, $2`.
pub(crate) const IN_SCOPE: &str = "($1 = '' OR o.path = $1 OR o.path LIKE $2)";

/// The two parameters of `IN_SCOPE` for a scope, or `None` for a scope that covers nothing
/// (the caller answers with nothing, without asking the database).
pub(crate) fn scope_args(scope: &tongban_domain::authz::Scope) -> Option<(String, String)> {
    use tongban_domain::authz::Scope;
    match scope {
        Scope::All => Some((String::new(), String::new())),
        Scope::Within(root) => Some((root.clone(), format!("{root}/%"))),
        Scope::Nothing => None,
    }
}

/// `'a','b'` for an `IN (…)` list of names from a fixed set in the code (never from input).
pub(crate) fn fixed_names(names: impl IntoIterator<Item = &'static str>) -> String {
    names
        .into_iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `INSERT INTO {table_and_columns} VALUES ($1, …), (…) {suffix}` for `rows` rows of
/// `columns` values: one statement for many rows, on both backends.
pub(crate) fn multi_row_insert(
    table_and_columns: &str,
    columns: usize,
    rows: usize,
    suffix: &str,
) -> String {
    let mut sql = format!("INSERT INTO {table_and_columns} VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..columns {
            if c > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", r * columns + c + 1));
        }
        sql.push(')');
    }
    if !suffix.is_empty() {
        sql.push(' ');
        sql.push_str(suffix);
    }
    sql
}

/// Splits rows for multi-row statements into runs of 32, then 16, 8, 4, 2 and 1, so a few
/// statement shapes serve every batch size and stay in the connection's prepared-statement
/// cache (preparing a fresh 1,000-parameter statement per batch cost more than the insert).
pub(crate) fn statement_chunks<T>(rows: &[T]) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut rest = rows;
    for size in [32, 16, 8, 4, 2, 1] {
        while rest.len() >= size {
            let (head, tail) = rest.split_at(size);
            out.push(head);
            rest = tail;
            if size < 32 {
                break;
            }
        }
    }
    out
}

pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// A new sortable row id (UUID v7).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
