//! The subcommands. Each opens the store from the global settings, does one thing, and
//! reports in plain words.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use rand::RngCore;
use tongban_domain::account::{AccountKind, Role};
use tongban_domain::codes::{Password, Username};
use tongban_domain::validation::required_text;
use tongban_store::{KeyStore, NewAccount, NewSession, SessionKind, Store, demo};
use tongban_web::{AppState, Clock, SystemClock, WebConfig};

use crate::{Global, ServeArgs};

async fn open(global: &Global) -> anyhow::Result<Store> {
    let url = global.database_url()?;
    Store::open(&url)
        .await
        .with_context(|| format!("无法打开数据库 {}", redact(&url)))
}

/// Hides a password in a database URL before it is printed or logged.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn hash_with_random_salt(p: &Password) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    tongban_domain::password::hash_password(p, &salt)
}

/// Where this instance keeps the secret halves of seal keys.
fn key_store(global: &Global) -> anyhow::Result<KeyStore> {
    KeyStore::open(&global.data_dir.join("keys")).context("无法打开密钥目录")
}

async fn load_demo(store: &Store, keys: &KeyStore) -> anyhow::Result<()> {
    demo::load(store, SystemClock.now(), &hash_with_random_salt)
        .await
        .context("演示数据加载失败")?;
    tongban_web::licences::load_demo(store, keys, SystemClock.now())
        .await
        .map_err(|e| anyhow::anyhow!("演示证照加载失败：{e}"))?;
    tracing::info!(
        "演示数据已加载：组织机构、服务大厅与演示账户（密码 {}）",
        demo::DEMO_PASSWORD
    );
    Ok(())
}

pub async fn serve(global: &Global, args: ServeArgs) -> anyhow::Result<()> {
    let store = open(global).await?;
    let keys = key_store(global)?;
    if !args.no_demo && store.is_empty().await? {
        load_demo(&store, &keys).await?;
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("无法监听 {}", args.listen))?;
    let addr = listener.local_addr()?;
    let state = AppState::new(
        store.clone(),
        WebConfig {
            secure_cookies: args.secure_cookies,
            ..WebConfig::default()
        },
        keys,
    )
    .await
    .context("服务事项目录索引建立失败")?;
    let pruner = tokio::spawn(prune_login_failures(store.clone(), state.clock.clone()));
    let follower = tokio::spawn(follow_publications(state.clone()));
    let expirer = tokio::spawn(expire_licences(state.clone()));
    let notifier = tokio::spawn(tongban_web::notify::run_outbox_worker(
        state.clone(),
        Box::new(tongban_web::notify::LogSender),
    ));
    tracing::info!("通办已启动：http://{addr}/");
    println!("通办已启动：http://{addr}/  （Ctrl+C 停止）");
    tongban_web::serve(listener, state, shutdown_signal()).await?;
    pruner.abort();
    follower.abort();
    expirer.abort();
    notifier.abort();
    store.close().await;
    tracing::info!("通办已停止");
    Ok(())
}

/// Hourly clean-up of expired login-failure windows; harmless to run on every instance.
async fn prune_login_failures(store: Store, clock: Arc<dyn Clock>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let cutoff = clock.now() - chrono::Duration::hours(1);
        if let Err(e) = store.prune_login_failures(cutoff).await {
            tracing::warn!(error = %e, "pruning login failures failed");
        }
    }
}

/// Marks licences past their last valid day as expired (with audit rows), at start and
/// hourly; verification already reports them expired by date in between.
async fn expire_licences(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = state.clock.now();
        let today = tongban_domain::calendar::district_date(now);
        match state.store.expire_licences(now, today).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "licences expired"),
            Err(e) => tracing::warn!(error = %e, "expiring licences failed"),
        }
    }
}

/// Picks up items published and holiday arrangements entered through other instances, so
/// every instance answers the same within a few seconds.
async fn follow_publications(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(e) = state.catalog.refresh(&state.store).await {
            tracing::warn!(error = %e, "catalog index refresh failed");
        }
        if let Err(e) = state.calendar.refresh(&state.store).await {
            tracing::warn!(error = %e, "calendar refresh failed");
        }
    }
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

pub async fn migrate(global: &Global) -> anyhow::Result<()> {
    open(global).await?;
    println!("数据库已是最新结构。");
    Ok(())
}

pub async fn demo(global: &Global) -> anyhow::Result<()> {
    let store = open(global).await?;
    if !store.is_empty().await? {
        bail!("数据库中已有组织机构数据，未加载演示数据（演示数据只加载到空数据库）");
    }
    load_demo(&store, &key_store(global)?).await?;
    println!("演示数据已加载。演示账户密码：{}", demo::DEMO_PASSWORD);
    store.close().await;
    Ok(())
}

pub async fn user_add(
    global: &Global,
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
    let store = open(global).await?;
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
                password_hash: hash_with_random_salt(&password),
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

pub async fn token_add(global: &Global, user: &str, label: &str) -> anyhow::Result<()> {
    let store = open(global).await?;
    let account = store
        .account_by_login(user)
        .await
        .with_context(|| format!("账户 {user} 不存在"))?;
    let token = tongban_web::new_token();
    let now = SystemClock.now();
    let session = store
        .create_session(
            now,
            &NewSession {
                token_hash: tongban_web::token_hash(&token),
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

pub async fn import(global: &Global, file: &Path) -> anyhow::Result<()> {
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
    let store = open(global).await?;
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

pub async fn backup(global: &Global, file: &Path) -> anyhow::Result<()> {
    let url = global.database_url()?;
    if !url.starts_with("sqlite:") {
        println!(
            "PostgreSQL 请使用 pg_dump 备份：\n  pg_dump --format=custom --file={} '{}'",
            file.display(),
            redact(&url)
        );
        return Ok(());
    }
    let store = open(global).await?;
    store.backup_sqlite(file).await.context("备份失败")?;
    store.close().await;
    println!("已备份到 {}", file.display());
    Ok(())
}

pub async fn restore(global: &Global, file: &Path) -> anyhow::Result<()> {
    let url = global.database_url()?;
    if !url.starts_with("sqlite:") {
        println!(
            "PostgreSQL 请使用 pg_restore 恢复（先停止平台）：\n  pg_restore --clean --if-exists --dbname='{}' {}",
            redact(&url),
            file.display()
        );
        return Ok(());
    }
    let target = match &global.database {
        Some(u) => Path::new(
            u.trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:")
                .split('?')
                .next()
                .unwrap_or_default(),
        )
        .to_path_buf(),
        None => global.data_dir.join("tongban.db"),
    };
    tongban_store::restore_sqlite(file, &target)
        .await
        .context("恢复失败")?;
    println!("已从 {} 恢复到 {}", file.display(), target.display());
    Ok(())
}

pub async fn audit_verify(global: &Global) -> anyhow::Result<()> {
    let store = open(global).await?;
    let report = store.verify_audit().await?;
    store.close().await;
    match report.first_break {
        None => {
            println!(
                "审计日志完整：共核验 {} 条记录，哈希链无误。",
                report.rows_checked
            );
            Ok(())
        }
        Some(b) => {
            println!(
                "审计日志异常：{b}（此前 {} 条记录无误）",
                report.rows_checked
            );
            std::process::exit(1);
        }
    }
}

pub async fn keys_list(global: &Global) -> anyhow::Result<()> {
    let store = open(global).await?;
    let keys = key_store(global)?;
    for k in store.seal_keys().await? {
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

pub async fn keys_rotate(global: &Global, org: &str) -> anyhow::Result<()> {
    let store = open(global).await?;
    let keys = key_store(global)?;
    if org != tongban_web::licences::PLATFORM_ORG {
        store
            .org_unit_by_code(org)
            .await
            .with_context(|| format!("单位 {org} 不存在"))?;
    }
    let (key_id, _) =
        tongban_web::licences::create_key(&store, &keys, org, SystemClock.now(), "cli")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("已为 {org} 创建并公布新密钥 {key_id}；旧密钥签发的证照仍可核验。");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://./x.db"), "sqlite://./x.db");
    }
}
