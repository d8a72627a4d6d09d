//! The subcommands. Each opens the store from the configuration, does one thing, and
//! reports in plain words.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use tongban_app::{App, Clock, SystemClock};
use tongban_domain::account::{AccountKind, Role};
use tongban_domain::codes::{Password, Username};
use tongban_domain::validation::required_text;
use tongban_store::{KeyStore, NewAccount, NewSession, SessionKind, Store, demo};
use tongban_web::AppState;

use crate::ServeArgs;
use crate::config::{Config, SenderKind, redact};

async fn open(config: &Config) -> anyhow::Result<Store> {
    let url = &config.database;
    Store::open(url).await.with_context(|| {
        format!(
            "无法打开数据库 {}：请检查地址、权限，PostgreSQL 是否在运行",
            redact(url)
        )
    })
}

/// Where this instance keeps the secret halves of seal keys.
fn key_store(config: &Config) -> anyhow::Result<KeyStore> {
    KeyStore::open(&config.data_dir.join("keys")).with_context(|| {
        format!(
            "无法打开密钥目录 {}",
            config.data_dir.join("keys").display()
        )
    })
}

async fn load_demo(app: &App) -> anyhow::Result<()> {
    tongban_app::demo::load(app, &tongban_app::accounts::random_salt_hash)
        .await
        .context("演示数据加载失败")?;
    tracing::info!(
        "演示数据已加载：组织机构、服务大厅与演示账户（密码 {}）",
        demo::DEMO_PASSWORD
    );
    Ok(())
}

/// The application over the configured store.
async fn open_app(config: &Config, store: Store) -> anyhow::Result<App> {
    open_app_on(config, store, Arc::new(SystemClock)).await
}

async fn open_app_on(
    config: &Config,
    store: Store,
    clock: Arc<dyn tongban_app::Clock>,
) -> anyhow::Result<App> {
    App::new(store, config.settings.clone(), key_store(config)?, clock)
        .await
        .map_err(|e| anyhow::anyhow!("服务事项目录索引建立失败：{e}"))
}

pub async fn serve(config: &Config, args: ServeArgs) -> anyhow::Result<()> {
    // The port first: a busy port is reported before anything is loaded.
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| {
            format!(
                "无法监听 {}：该端口可能已被占用（另一个 tongban 正在运行？），可用 --listen 换一个端口",
                config.listen
            )
        })?;
    let addr = listener.local_addr()?;
    let store = open(config).await?;
    let clock: Arc<dyn tongban_app::Clock> = match &args.clock_start {
        Some(start) => {
            let at = chrono::DateTime::parse_from_rfc3339(start)
                .with_context(|| format!("TONGBAN_CLOCK_START 须为 RFC 3339 时间：{start}"))?
                .with_timezone(&chrono::Utc);
            tracing::warn!(%at, "时钟从指定时刻起走（仅用于测试与演练）");
            Arc::new(tongban_app::StartedClock::at(at))
        }
        None => Arc::new(SystemClock),
    };
    let app = open_app_on(config, store.clone(), clock).await?;
    if !args.no_demo && store.is_empty().await? {
        load_demo(&app).await?;
    }
    let senders = senders(config)?;
    let jobs = tongban_app::jobs::spawn_all(&app, senders);
    let state = AppState::new(app, config.web.clone());
    tracing::info!(listen = %addr, origin = %config.web.public_origin, "通办已启动");
    println!(
        "通办已启动：http://{addr}/ （对外地址 {}；Ctrl+C 停止）",
        config.web.public_origin
    );
    tongban_web::serve(listener, state, shutdown_signal()).await?;
    for job in jobs {
        job.abort();
    }
    store.close().await;
    tracing::info!("通办已停止");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    open(config).await?;
    println!("数据库已是最新结构。");
    Ok(())
}

pub async fn demo(config: &Config) -> anyhow::Result<()> {
    let store = open(config).await?;
    if !store.is_empty().await? {
        bail!("数据库中已有组织机构数据，未加载演示数据（演示数据只加载到空数据库）");
    }
    load_demo(&open_app(config, store.clone()).await?).await?;
    println!("演示数据已加载。演示账户密码：{}", demo::DEMO_PASSWORD);
    store.close().await;
    Ok(())
}

pub async fn user_add(
    config: &Config,
    username: &str,
    name: &str,
    org: &str,
    role: &str,
) -> anyhow::Result<()> {
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("用户名：{e}"))?;
    let name = required_text(name, 40).map_err(|e| anyhow::anyhow!("姓名：{e}"))?;
    let role = Role::parse(role).with_context(|| {
        format!(
            "角色“{role}”不存在；可选：{}",
            Role::ALL
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    eprintln!("请输入新账户的密码（一行，至少 8 位，含字母和数字）：");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = Password::parse(line.trim_end_matches(['\r', '\n']))
        .map_err(|e| anyhow::anyhow!("密码：{e}"))?;
    let store = open(config).await?;
    let account = store
        .create_account(
            SystemClock.now(),
            "cli",
            &NewAccount {
                kind: AccountKind::Staff,
                login: username.as_str().to_owned(),
                name,
                phone: None,
                legal_representative: None,
                org_unit_code: Some(org.to_owned()),
                role: Some(role),
                password_hash: tongban_app::accounts::random_salt_hash(&password),
                assurance: tongban_domain::identity::Assurance::WindowVerified,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("创建失败：{e}"))?;
    println!(
        "已创建工作人员 {}（{}，{}）",
        account.login,
        role.label(),
        account.org_name.unwrap_or_default()
    );
    store.close().await;
    Ok(())
}

pub async fn token_add(config: &Config, user: &str, label: &str) -> anyhow::Result<()> {
    let store = open(config).await?;
    let account = store
        .account_by_login(user)
        .await
        .with_context(|| format!("账户 {user} 不存在"))?;
    let token = tongban_app::accounts::new_token();
    let now = SystemClock.now();
    let session = store
        .create_session(
            now,
            &NewSession {
                token_hash: tongban_app::accounts::token_hash(&token),
                account_id: account.id,
                kind: SessionKind::Api,
                label: label.to_owned(),
                address: "cli".into(),
                expires_at: now + chrono::Duration::days(365),
            },
        )
        .await?;
    println!(
        "接口令牌（只显示这一次，请妥善保存）：\n{token}\n有效期至 {}",
        session.expires_at.to_rfc3339()
    );
    store.close().await;
    Ok(())
}

/// Reads spreadsheet rows as text records, the first row being the header.
fn xlsx_records(path: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    use calamine::{Reader, open_workbook_auto};
    let mut book =
        open_workbook_auto(path).with_context(|| format!("无法打开 {}", path.display()))?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .context("工作簿中没有工作表")?;
    let range = book.worksheet_range(&sheet)?;
    Ok(range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect())
}

pub async fn import(config: &Config, file: &Path) -> anyhow::Result<()> {
    use tongban_domain::catalog::{
        ImportError, parse_catalog_csv, parse_catalog_json, parse_catalog_records,
    };
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    eprintln!("[1/3] 读取 {} …", file.display());
    let parsed = match ext.as_str() {
        "csv" => parse_catalog_csv(
            &std::fs::read_to_string(file)
                .with_context(|| format!("无法读取 {}", file.display()))?,
        ),
        "json" => parse_catalog_json(
            &std::fs::read_to_string(file)
                .with_context(|| format!("无法读取 {}", file.display()))?,
        ),
        "xlsx" | "xls" | "ods" => parse_catalog_records(&xlsx_records(file)?),
        other => bail!("不支持的文件类型“{other}”：请使用 .csv、.xlsx 或 .json"),
    };
    eprintln!("[2/3] 逐行校验 …");
    let entries = match parsed {
        Ok(e) => e,
        Err(ImportError::Rows(rows)) => {
            for r in rows.iter().take(50) {
                eprintln!("  第 {} 行：{}", r.line, r.reason);
            }
            if rows.len() > 50 {
                eprintln!("  ……另有 {} 行有误", rows.len() - 50);
            }
            bail!("{} 行数据有误，未导入任何数据", rows.len());
        }
        Err(e) => bail!("{e}"),
    };
    eprintln!("[3/3] 写入 {} 项 …", entries.len());
    let store = open(config).await?;
    let summary = store
        .import_catalog(SystemClock.now(), "cli", &entries)
        .await?;
    store.close().await;
    println!(
        "导入完成：共 {} 项，新增 {} 项，更新 {} 项。",
        entries.len(),
        summary.inserted,
        summary.updated
    );
    Ok(())
}

pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    let url = &config.database;
    if !url.starts_with("sqlite:") {
        if file.exists() {
            bail!("备份文件 {} 已存在，不会覆盖", file.display());
        }
        // PostgreSQL's own tool makes the consistent copy; without it there is no backup.
        let status = tokio::process::Command::new("pg_dump")
            .arg("--format=custom")
            .arg(format!("--file={}", file.display()))
            .arg(url)
            .status()
            .await;
        return match status {
            Ok(s) if s.success() => {
                println!("已用 pg_dump 备份到 {}", file.display());
                Ok(())
            }
            Ok(s) => bail!(
                "pg_dump 失败（退出码 {}），未写出备份",
                s.code().unwrap_or(-1)
            ),
            Err(_) => bail!(
                "找不到 pg_dump：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）后重试，或自行运行\n  pg_dump --format=custom --file={} '{}'",
                file.display(),
                redact(url)
            ),
        };
    }
    let store = open(config).await?;
    store.backup_sqlite(file).await.context("备份失败")?;
    store.close().await;
    println!("已备份到 {}", file.display());
    Ok(())
}

pub async fn restore(config: &Config, file: &Path) -> anyhow::Result<()> {
    if !file.is_file() {
        bail!("找不到备份文件 {}", file.display());
    }
    let url = &config.database;
    if !url.starts_with("sqlite:") {
        println!(
            "PostgreSQL 请使用 pg_restore 恢复（先停止平台）：\n  pg_restore --clean --if-exists --dbname='{}' {}",
            redact(url),
            file.display()
        );
        return Ok(());
    }
    let target = tongban_store::sqlite_path(url)
        .with_context(|| format!("数据库地址 {url} 没有指向文件"))?;
    tongban_store::restore_sqlite(file, &target)
        .await
        .context("恢复失败")?;
    println!("已从 {} 恢复到 {}", file.display(), target.display());
    // A restore rewinds the audit trail on purpose: the checkpoints sealed after the backup
    // are set aside (kept, renamed) rather than reported as a tampered trail.
    if let Some(kept) =
        tongban_app::audit::checkpoints::set_aside_copy(&key_store(config)?, SystemClock.now())
            .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        println!("恢复前封存的审计检查点副本已另存为 {kept}（恢复使审计日志回到备份时的状态）");
    }
    Ok(())
}

pub async fn audit_verify(
    config: &Config,
    published: Option<&std::path::Path>,
    audit_key: Option<&str>,
) -> anyhow::Result<std::process::ExitCode> {
    let published: Vec<tongban_domain::audit::checkpoint::SealedCheckpoint> = match published {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("无法读取 {}", path.display()))?;
            let doc: serde_json::Value =
                serde_json::from_str(&text).context("公布的检查点副本不是 JSON")?;
            serde_json::from_value(doc["checkpoints"].clone())
                .context("公布的检查点副本格式不对（应为 /api/v1/audit/checkpoints 的答复）")?
        }
        None => Vec::new(),
    };
    let store = open(config).await?;
    let app = open_app(config, store.clone()).await?;
    let report = tongban_app::audit::checkpoints::verify(&app, audit_key, &published)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    store.close().await;
    if report.is_intact() {
        println!(
            "审计日志完整：共核验 {} 条记录，哈希链无误，与全部封存检查点相符。",
            report.rows_checked
        );
        return Ok(std::process::ExitCode::SUCCESS);
    }
    if let Some(b) = &report.first_break {
        println!(
            "审计日志异常：第 {} 号审计链{b}（此前 {} 条记录无误）",
            report.chain.unwrap_or_default(),
            report.rows_checked
        );
    }
    if let Some(b) = &report.checkpoint_break {
        println!("审计日志异常：{b}");
    }
    Ok(std::process::ExitCode::FAILURE)
}

pub async fn audit_seal(config: &Config) -> anyhow::Result<()> {
    let store = open(config).await?;
    let app = open_app(config, store.clone()).await?;
    let sealed = tongban_app::audit::checkpoints::seal(&app, "cli")
        .await
        .map_err(|e| anyhow::anyhow!("封存失败：{e}"))?;
    store.close().await;
    println!(
        "已封存第 {} 号审计检查点（{}，{} 条审计链），摘要 {}",
        sealed.checkpoint.number,
        sealed.checkpoint.at,
        sealed.checkpoint.heads.len(),
        sealed.checkpoint.digest()
    );
    Ok(())
}

pub async fn oidc_client_add(
    config: &Config,
    name: &str,
    redirect_uris: &[String],
) -> anyhow::Result<()> {
    let store = open(config).await?;
    let app = open_app(config, store.clone()).await?;
    let (id, secret) =
        tongban_app::identity::provider::add_client(&app, "cli", name, redirect_uris)
            .await
            .map_err(|e| anyhow::anyhow!("登记失败：{e}"))?;
    store.close().await;
    println!("已登记接入系统“{name}”");
    println!("client_id     {id}");
    println!("client_secret {secret}");
    println!(
        "（密钥只显示这一次，请妥善交给对方系统；发现地址 {}/.well-known/openid-configuration）",
        config.web.public_origin.trim_end_matches('/')
    );
    Ok(())
}

pub async fn oidc_client_list(config: &Config) -> anyhow::Result<()> {
    let store = open(config).await?;
    let app = open_app(config, store.clone()).await?;
    let clients = tongban_app::identity::provider::clients(&app)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    store.close().await;
    if clients.is_empty() {
        println!(
            "尚未登记接入系统：用 tongban oidc client add --name 名称 --redirect-uri 地址 登记。"
        );
    }
    for c in clients {
        println!("{}\t{}\t{}", c.client_id, c.name, c.redirect_uris.join(" "));
    }
    Ok(())
}

pub async fn keys_list(config: &Config) -> anyhow::Result<()> {
    let store = open(config).await?;
    let keys = key_store(config)?;
    let published = store.seal_keys().await?;
    if published.is_empty() {
        println!(
            "尚未公布任何印章密钥：部门签发第一张证照时会自动创建，或用 tongban keys rotate --org 单位编码 创建。"
        );
    }
    for k in published {
        let held = keys.load(&k.key_id)?.is_some();
        println!(
            "{}\t{}\t{}\t{}",
            k.key_id,
            k.org_code,
            match k.retired_at {
                Some(t) => format!("已轮换 {}", t.format("%Y-%m-%d")),
                None => "当前".to_owned(),
            },
            if held {
                "本机持有私钥"
            } else {
                "本机无私钥"
            }
        );
    }
    Ok(())
}

pub async fn keys_rotate(config: &Config, org: &str) -> anyhow::Result<()> {
    let store = open(config).await?;
    let keys = key_store(config)?;
    if org != tongban_app::licences::PLATFORM_ORG {
        store
            .org_unit_by_code(org)
            .await
            .with_context(|| format!("单位 {org} 不存在"))?;
    }
    let (key_id, _) =
        tongban_app::licences::create_key(&store, &keys, org, SystemClock.now(), "cli")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "已为 {org} 创建并公布新密钥 {key_id}；运行中的实例在一分钟内改用新密钥，旧密钥签发的证照仍可核验。"
    );
    Ok(())
}

pub async fn bench_seed(
    config: &Config,
    cases: u64,
    ratings: u64,
    tickets: u64,
) -> anyhow::Result<()> {
    let store = open(config).await?;
    if store.is_empty().await? {
        load_demo(&open_app(config, store.clone()).await?).await?;
    }
    let started = std::time::Instant::now();
    eprintln!("正在写入 {cases} 件压测办件 …");
    let total = store
        .seed_cases(cases, "64030319580312024X")
        .await
        .context("写入压测办件失败")?;
    println!(
        "已写入 {cases} 件（用时 {:.0} 秒）；数据库中共有 {total} 件办件。",
        started.elapsed().as_secs_f64()
    );
    if ratings > 0 || tickets > 0 {
        let started = std::time::Instant::now();
        let (e, t) = store
            .seed_feedback(ratings, tickets)
            .await
            .context("写入压测评价和工单失败")?;
        println!(
            "已写入评价和工单（用时 {:.0} 秒）；数据库中共有 {e} 条评价、{t} 张工单。",
            started.elapsed().as_secs_f64()
        );
    }
    store.close().await;
    Ok(())
}

/// The notification senders the configuration names (the log in the demonstration).
fn senders(config: &Config) -> anyhow::Result<tongban_app::notify::Senders> {
    use std::sync::Arc;
    use tongban_app::notify::{ChannelSender, LogSender, SmsGateway, SmtpSender};
    let n = &config.notifications;
    let sms: Option<Arc<dyn ChannelSender>> = match n.sms {
        SenderKind::None => None,
        SenderKind::Log => Some(Arc::new(LogSender)),
        _ => Some(Arc::new(
            SmsGateway::new(
                n.sms_gateway_url.as_deref().unwrap_or_default(),
                n.sms_gateway_key.as_deref().unwrap_or_default(),
            )
            .map_err(anyhow::Error::msg)?,
        )),
    };
    let email: Option<Arc<dyn ChannelSender>> = match n.email {
        SenderKind::None => None,
        SenderKind::Log => Some(Arc::new(LogSender)),
        _ => Some(Arc::new(
            SmtpSender::new(n.smtp_url.as_deref().unwrap_or_default(), &n.email_from)
                .map_err(anyhow::Error::msg)?,
        )),
    };
    Ok(tongban_app::notify::Senders {
        sms,
        email,
        link_base: config.web.public_origin.trim_end_matches('/').to_owned(),
    })
}
