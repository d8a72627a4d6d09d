//! The binary's maintenance commands, run as a person would run them.

use std::process::Command;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

fn tongban(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tongban"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("TONGBAN_DATABASE")
        .output()
        .expect("run tongban")
}

#[tokio::test]
async fn audit_verify_finds_a_row_changed_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = tongban(dir.path(), &["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tongban(dir.path(), &["audit", "verify"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("审计日志完整"));

    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.path().join("tongban.db").display());
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect_with(AnyConnectOptions::from_str(&url).unwrap())
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let out = tongban(dir.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("第 4 条审计记录被篡改"), "{stdout}");
}

#[test]
fn demo_refuses_a_loaded_database_and_backup_restores() {
    let dir = tempfile::tempdir().unwrap();
    assert!(tongban(dir.path(), &["demo"]).status.success());
    let again = tongban(dir.path(), &["demo"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("未加载演示数据"));

    let backup = dir.path().join("backup.db");
    let out = tongban(dir.path(), &["backup", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other = tempfile::tempdir().unwrap();
    let out = tongban(other.path(), &["restore", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tongban(other.path(), &["audit", "verify"]);
    assert!(out.status.success());
}

#[test]
fn user_add_validates_and_creates() {
    let dir = tempfile::tempdir().unwrap();
    assert!(tongban(dir.path(), &["demo"]).status.success());
    let run = |role: &str, password: &str| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_tongban"))
            .arg("--data-dir")
            .arg(dir.path())
            .args([
                "user",
                "add",
                "--username",
                "clerk_taiyang",
                "--name",
                "杨光",
                "--org",
                "640303101000",
                "--role",
                role,
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let bad = run("janitor", "Taiyang2026");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("角色“janitor”不存在"));
    let ok = run("window_clerk", "Taiyang2026");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("太阳山镇"));
}

#[test]
fn help_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let out = tongban(dir.path(), &["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "serve", "migrate", "demo", "user", "backup", "restore", "audit",
    ] {
        assert!(text.contains(cmd), "{cmd} missing from --help");
    }
    assert!(text.contains("红寺堡区"));
}

#[test]
fn import_reports_bad_rows_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert!(tongban(dir.path(), &["migrate"]).status.success());
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "catalog_code,name,kind,legal_basis\n000117051000,食品经营许可,行政许可,\nSHORT,某事项,01,\n000117052000,,99,\n",
    )
    .unwrap();
    let out = tongban(dir.path(), &["import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("第 3 行") && err.contains("第 4 行"), "{err}");
    assert!(err.contains("未导入任何数据"));

    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        r#"[{"catalog_code":"000117051000","name":"食品经营许可","kind":"01"},{"catalog_code":"000117052000","name":"公共场所卫生许可","kind":"行政许可"}]"#,
    )
    .unwrap();
    let out = tongban(dir.path(), &["import", good.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("新增 2 项"));
    let again = tongban(dir.path(), &["import", good.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("更新 2 项"));

    let real = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/guangan_district_service_items.csv"
    );
    let out = tongban(dir.path(), &["import", real]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("共 1135 项"));
}

#[test]
fn import_reads_spreadsheets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["catalog_code", "name", "kind"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["000117051000", "食品经营许可", "01"].iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    book.save(&path).unwrap();
    let out = tongban(dir.path(), &["import", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("新增 1 项"));
}

/// The platform, started as an operator starts it, until the test drops it.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(data_dir: &std::path::Path) -> Running {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tongban"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--no-demo"])
        .env_remove("TONGBAN_DATABASE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start tongban serve");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("通办已启动"), "{line}");
    Running(child)
}

#[test]
fn restore_is_refused_while_the_platform_runs() {
    let dir = tempfile::tempdir().unwrap();
    assert!(tongban(dir.path(), &["migrate"]).status.success());
    let backup = dir.path().join("backup.db");
    assert!(
        tongban(dir.path(), &["backup", backup.to_str().unwrap()])
            .status
            .success()
    );
    let running = serve(dir.path());
    let out = tongban(dir.path(), &["restore", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("正在被通办平台使用"), "{stderr}");
    drop(running);
    let out = tongban(dir.path(), &["restore", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tongban(dir.path(), &["audit", "verify"]).status.success());
}

#[test]
fn an_absolute_sqlite_url_in_a_new_directory_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new").join("place").join("t.db");
    let url = format!("sqlite://{}", db.display());
    let out = tongban(dir.path(), &["--database", &url, "migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.is_file());
}

#[test]
fn config_check_prints_the_effective_configuration_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tongban.toml");
    std::fs::write(
        &file,
        "database = \"postgres://tb:s3cret@db.internal/tongban\"\n\
         public_origin = \"https://zwfw.example.gov.cn/\"\n\
         trusted_proxies = [\"10.0.0.0/8\"]\n\
         [time_limits]\n\
         deficiency_supply_working_days = 7\n",
    )
    .unwrap();
    let out = tongban(
        dir.path(),
        &["--config", file.to_str().unwrap(), "config", "check"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("public_origin = \"https://zwfw.example.gov.cn\""));
    assert!(stdout.contains("tb:***@db.internal"), "{stdout}");
    assert!(!stdout.contains("s3cret"));
    assert!(stdout.contains("deficiency_supply_working_days = 7"));
    assert!(stdout.contains("\"10.0.0.0/8\""));
    // A flag overrides the file.
    let out = tongban(
        dir.path(),
        &[
            "--config",
            file.to_str().unwrap(),
            "--public-origin",
            "https://other.example.gov.cn",
            "config",
            "check",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("https://other.example.gov.cn"));
    // A misspelt key is refused, in Chinese, naming the file.
    std::fs::write(&file, "public_orign = \"https://x.example\"\n").unwrap();
    let out = tongban(
        dir.path(),
        &["--config", file.to_str().unwrap(), "config", "check"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("配置文件") && stderr.contains("错误："),
        "{stderr}"
    );
}

#[test]
fn errors_are_one_chinese_sentence_without_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = tongban(
        dir.path(),
        &["--database", "mysql://nobody@127.0.0.1/none", "migrate"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("错误：无法打开数据库"), "{stderr}");
    assert!(stderr.contains("不支持的数据库地址"), "{stderr}");
    assert!(!stderr.contains("Caused by"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no ANSI codes when not on a terminal"
    );
}

#[test]
fn keys_list_on_a_fresh_directory_says_there_are_none() {
    let dir = tempfile::tempdir().unwrap();
    let out = tongban(dir.path(), &["keys", "list"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("尚未公布任何印章密钥"));
}

#[test]
fn a_postgres_backup_without_pg_dump_fails_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.dump");
    let out = Command::new(env!("CARGO_BIN_EXE_tongban"))
        .args(["--database", "postgres://nobody@127.0.0.1:1/none", "backup"])
        .arg(&file)
        .env("PATH", "")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    assert!(!file.exists());
}

#[test]
fn restoring_a_missing_or_foreign_file_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let out = tongban(dir.path(), &["restore", "/nonexistent/backup.db"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("找不到备份文件"));
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let out = tongban(dir.path(), &["restore", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("不是通办数据库备份"), "{stderr}");
}

#[test]
fn a_busy_port_is_reported_before_anything_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = tongban(dir.path(), &["serve", "--listen", &addr]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("端口可能已被占用"), "{stderr}");
    assert!(
        !dir.path().join("tongban.db").exists(),
        "nothing was loaded"
    );
}

/// A database administrator recomputes every hash after changing a row, then cuts the tail:
/// the chain alone looks whole both times, the sealed checkpoint does not let either pass.
#[tokio::test]
async fn audit_verify_finds_a_recomputed_chain_and_a_cut_tail_after_a_checkpoint() {
    use sqlx::Row;
    let dir = tempfile::tempdir().unwrap();
    assert!(tongban(dir.path(), &["demo"]).status.success());
    let out = tongban(dir.path(), &["audit", "seal"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("已封存第 1 号审计检查点"));
    let ok = tongban(dir.path(), &["audit", "verify"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );

    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.path().join("tongban.db").display());
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect_with(AnyConnectOptions::from_str(&url).unwrap())
        .await
        .unwrap();
    let backup: Vec<(i64, i64, String, String)> =
        sqlx::query("SELECT part, seq, actor, hash FROM audit_log ORDER BY part, seq")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect();
    // The chain with the most rows: change its third row and recompute every later hash
    // and the head, as an administrator with the chain's rule could.
    let chain = backup
        .iter()
        .fold(std::collections::HashMap::<i64, i64>::new(), |mut m, r| {
            *m.entry(r.0).or_default() += 1;
            m
        })
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .unwrap()
        .0;
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, target, detail FROM audit_log WHERE part = $1 ORDER BY seq",
    )
    .bind(chain)
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut prev = tongban_domain::audit::GENESIS_HASH.to_owned();
    for r in &rows {
        let seq: i64 = r.get(0);
        let actor: String = if seq == 3 { "mallory".into() } else { r.get(2) };
        let event = tongban_domain::audit::AuditEvent::new(
            actor.clone(),
            r.get::<String, _>(3),
            r.get::<String, _>(4),
            r.get::<String, _>(5),
        );
        let hash = tongban_domain::audit::chain_hash(&prev, seq, &r.get::<String, _>(1), &event);
        sqlx::query("UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3 WHERE part = $4 AND seq = $5")
            .bind(&actor)
            .bind(&prev)
            .bind(&hash)
            .bind(chain)
            .bind(seq)
            .execute(&pool)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_heads SET hash = $1 WHERE part = $2")
        .bind(&prev)
        .bind(chain)
        .execute(&pool)
        .await
        .unwrap();
    let out = tongban(dir.path(), &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("与第 1 号检查点封存的不一致"), "{stdout}");

    // Put the rows back, then cut the chain's last two rows and set its head back to match.
    for (part, seq, actor, hash) in backup.iter().filter(|r| r.0 == chain) {
        let prev_hash = backup
            .iter()
            .find(|r| r.0 == *part && r.1 == seq - 1)
            .map(|r| r.3.clone())
            .unwrap_or_else(|| tongban_domain::audit::GENESIS_HASH.to_owned());
        sqlx::query("UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3 WHERE part = $4 AND seq = $5")
            .bind(actor)
            .bind(prev_hash)
            .bind(hash)
            .bind(part)
            .bind(seq)
            .execute(&pool)
            .await
            .unwrap();
    }
    let last = backup
        .iter()
        .filter(|r| r.0 == chain)
        .map(|r| r.1)
        .max()
        .unwrap();
    let keep = backup
        .iter()
        .find(|r| r.0 == chain && r.1 == last - 2)
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE part = $1 AND seq > $2")
        .bind(chain)
        .bind(last - 2)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_heads SET seq = $1, hash = $2 WHERE part = $3")
        .bind(last - 2)
        .bind(&keep.3)
        .bind(chain)
        .execute(&pool)
        .await
        .unwrap();
    let out = tongban(dir.path(), &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("封存的第"), "{stdout}");
    assert!(stdout.contains("之前被截断"), "{stdout}");
    // Dropping the checkpoint too is no way out: the copy beside the key still has it.
    sqlx::query("DELETE FROM audit_checkpoints")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let out = tongban(dir.path(), &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("第 1 号审计检查点缺失"), "{stdout}");
}
