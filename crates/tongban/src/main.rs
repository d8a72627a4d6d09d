//! The `tongban` binary: command line, configuration and wiring. It owns no rules; it reads
//! the configuration, opens the store, and hands both to the web layer or a maintenance
//! command.

mod commands;
mod config;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Configuration file (TOML). Without it, ./tongban.toml is read when present.
    /// 配置文件。
    #[arg(long, env = "TONGBAN_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// Directory for the embedded SQLite database, backups and keys [default: ./tongban-data].
    /// 数据目录：内置 SQLite 数据库等文件存放于此。
    #[arg(long, env = "TONGBAN_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB. Defaults to
    /// sqlite://DATA_DIR/tongban.db. 数据库地址；生产环境请使用 PostgreSQL。
    #[arg(long, env = "TONGBAN_DATABASE", global = true)]
    pub database: Option<String>,

    /// Log filter, e.g. `info` or `tongban=debug,tower_http=debug` [default: info].
    #[arg(long, env = "TONGBAN_LOG", global = true)]
    pub log: Option<String>,

    /// Log format: text for people (coloured only on a terminal), json for collectors.
    #[arg(long, env = "TONGBAN_LOG_FORMAT", global = true, value_enum)]
    pub log_format: Option<config::LogFormat>,

    /// Address to listen on [default: 127.0.0.1:8080]. 监听地址。
    #[arg(long, env = "TONGBAN_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,

    /// The address people reach the platform at, e.g. https://zwfw.example.gov.cn; every
    /// link and QR code is built from it [default: http://LISTEN]. 对外访问地址。
    #[arg(long, env = "TONGBAN_PUBLIC_ORIGIN", global = true)]
    pub public_origin: Option<String>,

    /// Load balancers whose X-Forwarded-For is believed, comma-separated addresses or
    /// networks (e.g. 10.0.0.0/8,127.0.0.1). 可信代理。
    #[arg(long, env = "TONGBAN_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,

    /// Mark cookies Secure; set when served over HTTPS (implied by an https public origin).
    /// 仅通过 HTTPS 发送 Cookie。
    #[arg(long, env = "TONGBAN_SECURE_COOKIES", global = true)]
    pub secure_cookies: bool,

    /// The platform operator's unified social credit code. 平台运营单位统一社会信用代码。
    #[arg(long, env = "TONGBAN_PLATFORM_CREDIT_CODE", global = true)]
    pub platform_credit_code: Option<String>,
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
    /// Single sign-on: the government systems that sign people in through Tongban (OpenID
    /// Connect). 统一身份认证接入系统管理。
    #[command(subcommand)]
    Oidc(OidcCommand),
    /// Configuration. 配置。
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Load measurements. 性能测试。
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Add many cases with their timeline events (spread over the published items, a year,
    /// every status, a thousand applicants) to measure lists at scale; loads the demo data
    /// first into an empty database. Never on a production database. 生成压测用办件数据。
    Seed {
        /// How many cases to add.
        #[arg(long, default_value_t = 1_000_000)]
        cases: u64,
        /// Also add this many 好差评 ratings over the seeded cases (two per case; one in
        /// twenty bad, each with its rectification task).
        #[arg(long, default_value_t = 0)]
        ratings: u64,
        /// Also add this many 12345 tickets over the seeded cases.
        #[arg(long, default_value_t = 0)]
        tickets: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (file, environment and flags), passwords masked;
    /// exit 1 if it is invalid. 检查并显示生效的配置。
    Check,
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
    /// Do not load demonstration data into an empty database. 不加载演示数据。
    #[arg(long, env = "TONGBAN_NO_DEMO")]
    pub no_demo: bool,

    /// For tests and rehearsals only: the platform's clock starts at this instant (RFC 3339)
    /// and runs on from there, so a browser suite sees a hall open whenever it runs.
    #[arg(long, env = "TONGBAN_CLOCK_START", hide = true)]
    pub clock_start: Option<String>,
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
pub enum OidcCommand {
    /// Registered clients. 接入系统。
    #[command(subcommand)]
    Client(OidcClientCommand),
}

#[derive(Debug, Subcommand)]
pub enum OidcClientCommand {
    /// Register a client; prints its client id and secret (shown once). 登记接入系统。
    Add {
        /// The system's name as people see it on the consent page. 系统名称。
        #[arg(long)]
        name: String,
        /// An exact redirect URI (repeat for several). 回调地址。
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
    },
    /// List the registered clients. 列出接入系统。
    List,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain and the sealed checkpoints; report the first altered or missing
    /// row, a chain recomputed or cut after a checkpoint, or a checkpoint dropped or forged.
    /// Exit status 1 if anything is wrong. 核验审计日志哈希链与封存检查点。
    Verify {
        /// A copy of `GET /api/v1/audit/checkpoints` saved earlier: its checkpoints must
        /// still be in the database, unchanged. 此前保存的公布检查点副本。
        #[arg(long)]
        published: Option<std::path::PathBuf>,
        /// The published audit public key (hex), when this machine does not hold the audit
        /// key. 审计公钥。
        #[arg(long)]
        audit_key: Option<String>,
    },
    /// Seal a checkpoint of the trail now with the audit key (created on first use, kept in
    /// DATA_DIR/keys); `serve` also seals one daily. 立即封存审计检查点。
    Seal,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match config::Config::load(&cli.global) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("错误：{e:#}");
            eprintln!("请检查配置文件、TONGBAN_* 环境变量和命令行参数（tongban config check）。");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = init_logging(&config) {
        eprintln!("错误：日志设置无效（{e}）。例：--log info 或 --log tongban=debug");
        return ExitCode::from(2);
    }
    // Two cores run the whole district: two workers, and at most two blocking threads for
    // Argon2, which also caps the memory the allocator keeps per hashing thread.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误：无法启动运行时（{e}）");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, &config)) {
        Ok(code) => code,
        Err(e) => {
            // People read Chinese sentences: ours, the context and the platform's own causes
            // (e.g. why a restore was refused). A library's English cause stays for
            // `--log debug`.
            let (ours, theirs): (Vec<String>, Vec<String>) = e
                .chain()
                .map(|c| c.to_string())
                .partition(|m| !m.is_ascii());
            eprintln!("错误：{}", ours.join("：").replace("：配置错误：", "："));
            if !theirs.is_empty() {
                if tracing::enabled!(tracing::Level::DEBUG) {
                    tracing::debug!(cause = %theirs.join(": "), "command failed");
                } else {
                    eprintln!("（加 --log debug 可查看详细原因）");
                }
            }
            ExitCode::FAILURE
        }
    }
}

fn init_logging(config: &config::Config) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    match config.log_format {
        config::LogFormat::Json => builder.json().with_ansi(false).init(),
        config::LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
    Ok(())
}

async fn run(command: Command, config: &config::Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => commands::serve(config, args).await,
        Command::Migrate => commands::migrate(config).await,
        Command::Demo => commands::demo(config).await,
        Command::User(UserCommand::Add {
            username,
            name,
            org,
            role,
        }) => commands::user_add(config, &username, &name, &org, &role).await,
        Command::Token(TokenCommand::Add { user, label }) => {
            commands::token_add(config, &user, &label).await
        }
        Command::Import { file } => commands::import(config, &file).await,
        Command::Backup { file } => commands::backup(config, &file).await,
        Command::Restore { file } => commands::restore(config, &file).await,
        Command::Audit(AuditCommand::Verify {
            published,
            audit_key,
        }) => {
            return commands::audit_verify(config, published.as_deref(), audit_key.as_deref())
                .await;
        }
        Command::Audit(AuditCommand::Seal) => commands::audit_seal(config).await,
        Command::Oidc(OidcCommand::Client(OidcClientCommand::Add {
            name,
            redirect_uris,
        })) => commands::oidc_client_add(config, &name, &redirect_uris).await,
        Command::Oidc(OidcCommand::Client(OidcClientCommand::List)) => {
            commands::oidc_client_list(config).await
        }
        Command::Keys(KeysCommand::List) => commands::keys_list(config).await,
        Command::Keys(KeysCommand::Rotate { org }) => commands::keys_rotate(config, &org).await,
        Command::Bench(BenchCommand::Seed {
            cases,
            ratings,
            tickets,
        }) => commands::bench_seed(config, cases, ratings, tickets).await,
        Command::Config(ConfigCommand::Check) => {
            print!("{}", config.describe());
            Ok(())
        }
    }?;
    Ok(ExitCode::SUCCESS)
}
