//! The `tongban` binary: command line, configuration and wiring. It owns no rules; it reads
//! the configuration, opens the store, and hands both to the web layer or a maintenance
//! command.

mod commands;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// 通办 — 红寺堡区一体化政务服务平台 (Tongban, the integrated government-services platform
/// of Hongsibu District, Wuzhong, Ningxia).
///
/// Every setting can also come from an environment variable named after it, e.g.
/// TONGBAN_DATABASE, TONGBAN_DATA_DIR, TONGBAN_LISTEN.
#[derive(Debug, Parser)]
#[command(name = "tongban", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Directory for the embedded SQLite database, backups and keys.
    /// 数据目录：内置 SQLite 数据库等文件存放于此。
    #[arg(
        long,
        env = "TONGBAN_DATA_DIR",
        default_value = "./tongban-data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB. Defaults to
    /// sqlite://DATA_DIR/tongban.db. 数据库地址；生产环境请使用 PostgreSQL。
    #[arg(long, env = "TONGBAN_DATABASE", global = true)]
    pub database: Option<String>,

    /// Log filter, e.g. `info` or `tongban=debug,tower_http=debug`.
    #[arg(long, env = "TONGBAN_LOG", default_value = "info", global = true)]
    pub log: String,
}

impl Global {
    /// The database URL, creating the data directory for SQLite.
    pub fn database_url(&self) -> anyhow::Result<String> {
        match &self.database {
            Some(url) => Ok(url.clone()),
            None => {
                std::fs::create_dir_all(&self.data_dir)?;
                Ok(tongban_store::sqlite_url_in(&self.data_dir))
            }
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the platform: web pages and the JSON API. On an empty database the demonstration
    /// data is loaded first, unless --no-demo. 启动平台。
    Serve(ServeArgs),
    /// Bring the database schema up to date, then exit. 执行数据库迁移。
    Migrate,
    /// Load the demonstration data (organisation, halls, demo accounts) into an empty
    /// database. 加载演示数据。
    Demo,
    /// Manage staff accounts. 管理工作人员账户。
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for integrating systems. 管理系统接口令牌。
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a consistent copy of the SQLite database to FILE while the platform runs. For
    /// PostgreSQL, prints the pg_dump command to use. 在线备份。
    Backup { file: PathBuf },
    /// Replace the SQLite database with the backup in FILE (stop the platform first). For
    /// PostgreSQL, prints the pg_restore command to use. 从备份恢复。
    Restore { file: PathBuf },
    /// Import the upper-level catalog (基本目录) from a CSV, XLSX or JSON file. Every row is
    /// checked first; if any row is bad, each is reported with its line and nothing is
    /// imported. 导入上级政务服务事项基本目录。
    Import { file: PathBuf },
    /// Audit trail commands. 审计日志。
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Seal keys of the licence library: secret halves stay in DATA_DIR/keys, public halves
    /// are published at /api/v1/seals. 电子印章密钥管理。
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List published keys (current and rotated-out) and whether this instance holds each
    /// key's secret. 列出密钥。
    List,
    /// Create a new key for a department (or PLATFORM) and retire its current one; licences
    /// sealed by the old key keep verifying. 创建或轮换密钥。
    Rotate {
        /// Org unit code, e.g. D-SJJ, or PLATFORM for the platform's own seal.
        #[arg(long)]
        org: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. 监听地址。
    #[arg(long, env = "TONGBAN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Do not load demonstration data into an empty database. 不加载演示数据。
    #[arg(long, env = "TONGBAN_NO_DEMO")]
    pub no_demo: bool,
    /// Mark cookies Secure; set when served over HTTPS. 仅通过 HTTPS 发送 Cookie。
    #[arg(long, env = "TONGBAN_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account. The password is read from standard input (one line).
    /// 新增工作人员账户，密码从标准输入读取。
    Add {
        /// Login name: 3–32 lower-case letters, digits, `_`, `.`, `-`.
        #[arg(long)]
        username: String,
        /// Real name. 姓名。
        #[arg(long)]
        name: String,
        /// Org unit code, e.g. D-SPJ or 640303200000 (see /org). 所属单位编码。
        #[arg(long)]
        org: String,
        /// window_clerk, reviewer, bureau_admin, legal_reviewer or supervisor.
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a one-year API token acting as the named account; printed once.
    Add {
        /// The account's login (staff user name, ID number or credit code).
        #[arg(long)]
        user: String,
        /// What the token is for, e.g. the integrating system's name.
        #[arg(long)]
        label: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; report the first altered or missing row. Exit status 1 if the
    /// chain is broken. 核验审计日志哈希链。
    Verify,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&cli.global.log)?)
        .with_target(false)
        .init();
    // Two cores run the whole district: two workers, and at most two blocking threads for
    // Argon2, which also caps the memory the allocator keeps per hashing thread.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => commands::serve(&cli.global, args).await,
            Command::Migrate => commands::migrate(&cli.global).await,
            Command::Demo => commands::demo(&cli.global).await,
            Command::User(UserCommand::Add {
                username,
                name,
                org,
                role,
            }) => commands::user_add(&cli.global, &username, &name, &org, &role).await,
            Command::Token(TokenCommand::Add { user, label }) => {
                commands::token_add(&cli.global, &user, &label).await
            }
            Command::Import { file } => commands::import(&cli.global, &file).await,
            Command::Backup { file } => commands::backup(&cli.global, &file).await,
            Command::Restore { file } => commands::restore(&cli.global, &file).await,
            Command::Audit(AuditCommand::Verify) => commands::audit_verify(&cli.global).await,
            Command::Keys(KeysCommand::List) => commands::keys_list(&cli.global).await,
            Command::Keys(KeysCommand::Rotate { org }) => {
                commands::keys_rotate(&cli.global, &org).await
            }
        }
    })
}
