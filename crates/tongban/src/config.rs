//! The effective configuration: built-in defaults, then the configuration file
//! (`--config FILE`, `TONGBAN_CONFIG`, or `./tongban.toml` when present), then `TONGBAN_*`
//! environment variables and command-line flags, each overriding the one before.
//! `tongban config check` prints the result with secrets masked.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use tongban_app::Settings;
use tongban_web::WebConfig;

use crate::Global;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people: plain text, coloured only on a terminal.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where notifications beyond the in-app inbox go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SenderKind {
    /// Written to the log (number masked): no gateway configured.
    Log,
    /// Not sent at all (the in-app inbox still gets every notification).
    None,
    /// SMS through the HTTP gateway at `sms_gateway_url` (README: the format).
    Gateway,
    /// E-mail through the SMTP relay at `smtp_url`.
    Smtp,
}

/// The configuration file, every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database: Option<String>,
    log: Option<String>,
    log_format: Option<LogFormat>,
    listen: Option<SocketAddr>,
    public_origin: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    secure_cookies: Option<bool>,
    request_timeout_secs: Option<u64>,
    upload_limit_mib: Option<usize>,
    platform_credit_code: Option<String>,
    time_limits: TimeLimitsFile,
    throttle: ThrottleFile,
    notifications: NotificationsFile,
    provincial_login: Option<ProvincialLoginFile>,
}

/// `[provincial_login]`: the trusted identity provider people may sign in with.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvincialLoginFile {
    issuer: String,
    client_id: String,
    client_secret: String,
    #[serde(default)]
    label: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TimeLimitsFile {
    deficiency_supply_working_days: Option<u32>,
    commitment_verification_working_days: Option<u32>,
    due_soon_working_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ThrottleFile {
    window_minutes: Option<i64>,
    per_pair: Option<u32>,
    per_account: Option<u32>,
    per_address: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct NotificationsFile {
    sms: Option<SenderKind>,
    email: Option<SenderKind>,
    sms_gateway_url: Option<String>,
    sms_gateway_key: Option<String>,
    smtp_url: Option<String>,
    email_from: Option<String>,
}

/// Where notifications beyond the inbox go, resolved.
#[derive(Debug, Clone)]
pub struct Notifications {
    pub sms: SenderKind,
    pub email: SenderKind,
    pub sms_gateway_url: Option<String>,
    pub sms_gateway_key: Option<String>,
    pub smtp_url: Option<String>,
    pub email_from: String,
}

/// Everything a command needs, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file read, if any.
    pub source: Option<PathBuf>,
    pub data_dir: PathBuf,
    /// The database URL (SQLite under `data_dir` unless set).
    pub database: String,
    pub log: String,
    pub log_format: LogFormat,
    pub listen: SocketAddr,
    pub web: WebConfig,
    pub settings: Settings,
    pub notifications: Notifications,
}

impl Config {
    /// Resolves the configuration from the file, the environment and the flags.
    pub fn load(global: &Global) -> anyhow::Result<Config> {
        let (source, file) = match &global.config {
            Some(path) => (Some(path.clone()), read_file(path)?),
            None => {
                let default = PathBuf::from("tongban.toml");
                if default.is_file() {
                    (Some(default.clone()), read_file(&default)?)
                } else {
                    (None, FileConfig::default())
                }
            }
        };
        let data_dir = global
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./tongban-data"));
        let database = match global.database.clone().or(file.database) {
            Some(url) => url,
            None => tongban_store::sqlite_url_in(&data_dir),
        };
        let listen = global
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let public_origin = match global.public_origin.clone().or(file.public_origin) {
            Some(o) => parse_origin(&o)?,
            // Without one, the address this machine listens on; an unspecified address
            // (0.0.0.0) is not one anybody can open, so the loopback stands in for it.
            None if listen.ip().is_unspecified() => format!("http://127.0.0.1:{}", listen.port()),
            None => format!("http://{listen}"),
        };
        let proxies: Vec<String> = match &global.trusted_proxies {
            Some(list) => list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            None => file.trusted_proxies.unwrap_or_default(),
        };
        let trusted_proxies = proxies
            .iter()
            .map(|p| parse_network(p))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let defaults = WebConfig::default();
        let request_timeout = file
            .request_timeout_secs
            .map(Duration::from_secs)
            .unwrap_or(defaults.request_timeout);
        if request_timeout.is_zero() {
            bail!("request_timeout_secs 须大于 0");
        }
        let upload_limit_bytes = file
            .upload_limit_mib
            .map(|m| m * 1024 * 1024)
            .unwrap_or(defaults.upload_limit_bytes);
        if upload_limit_bytes < 1024 * 1024 {
            bail!("upload_limit_mib 至少为 1");
        }
        let mut settings = Settings::default();
        if let Some(code) = global
            .platform_credit_code
            .clone()
            .or(file.platform_credit_code)
        {
            settings.platform_credit_code = tongban_domain::codes::CreditCode::parse(&code)
                .map_err(|e| anyhow::anyhow!("platform_credit_code（平台统一社会信用代码）：{e}"))?
                .as_str()
                .to_owned();
        }
        let t = &file.time_limits;
        if let Some(d) = t.deficiency_supply_working_days {
            settings.deficiency_supply_working_days =
                positive(d, "deficiency_supply_working_days")?;
        }
        if let Some(d) = t.commitment_verification_working_days {
            settings.commitment_verification_working_days =
                positive(d, "commitment_verification_working_days")?;
        }
        if let Some(d) = t.due_soon_working_days {
            settings.due_soon_working_days = d;
        }
        let th = &file.throttle;
        if let Some(m) = th.window_minutes {
            if m <= 0 {
                bail!("throttle.window_minutes 须大于 0");
            }
            settings.throttle.window = chrono::Duration::minutes(m);
        }
        if let Some(n) = th.per_pair {
            settings.throttle.per_pair = positive(n, "throttle.per_pair")?;
        }
        if let Some(n) = th.per_account {
            settings.throttle.per_account = positive(n, "throttle.per_account")?;
        }
        if let Some(n) = th.per_address {
            settings.throttle.per_address = positive(n, "throttle.per_address")?;
        }
        if let Some(p) = &file.provincial_login {
            if !(p.issuer.starts_with("https://") || p.issuer.starts_with("http://")) {
                bail!("provincial_login.issuer 须为 http(s) 地址");
            }
            settings.provincial_login = Some(tongban_app::identity::provincial::ProvincialLogin {
                issuer: p.issuer.trim_end_matches('/').to_owned(),
                client_id: p.client_id.clone(),
                client_secret: p.client_secret.clone(),
                label: p.label.clone().unwrap_or_else(|| "省统一身份认证".into()),
            });
        }
        Ok(Config {
            source,
            data_dir,
            database,
            log: global
                .log
                .clone()
                .or(file.log)
                .unwrap_or_else(|| "info".into()),
            log_format: global
                .log_format
                .or(file.log_format)
                .unwrap_or(LogFormat::Text),
            listen,
            web: WebConfig {
                secure_cookies: global.secure_cookies
                    || file.secure_cookies.unwrap_or(false)
                    || public_origin.starts_with("https://"),
                public_origin,
                trusted_proxies,
                request_timeout,
                upload_limit_bytes,
            },
            settings,
            notifications: notifications(file.notifications)?,
        })
    }

    /// The effective configuration as a config file, with secrets masked.
    pub fn describe(&self) -> String {
        let s = &self.settings;
        let proxies: Vec<String> = self
            .web
            .trusted_proxies
            .iter()
            .map(|(n, l)| format!("\"{n}/{l}\""))
            .collect();
        let sender = |k: SenderKind| match k {
            SenderKind::Log => "log",
            SenderKind::None => "none",
            SenderKind::Gateway => "gateway",
            SenderKind::Smtp => "smtp",
        };
        let n = &self.notifications;
        format!(
            "# 生效的配置（来源：{source}；密码已隐去）\n\
             data_dir = \"{data_dir}\"\n\
             database = \"{database}\"\n\
             log = \"{log}\"\n\
             log_format = \"{log_format}\"\n\
             listen = \"{listen}\"\n\
             public_origin = \"{origin}\"\n\
             trusted_proxies = [{proxies}]\n\
             secure_cookies = {secure}\n\
             request_timeout_secs = {timeout}\n\
             upload_limit_mib = {upload}\n\
             platform_credit_code = \"{platform}\"\n\
             \n[time_limits]\n\
             deficiency_supply_working_days = {deficiency}\n\
             commitment_verification_working_days = {verification}\n\
             due_soon_working_days = {soon}\n\
             \n[throttle]\n\
             window_minutes = {window}\n\
             per_pair = {per_pair}\n\
             per_account = {per_account}\n\
             per_address = {per_address}\n\
             \n[notifications]\n\
             sms = \"{sms}\"\n\
             email = \"{email}\"\n\
             sms_gateway_url = \"{gateway}\"\n\
             sms_gateway_key = \"{gateway_key}\"\n\
             smtp_url = \"{smtp}\"\n\
             email_from = \"{from}\"\n",
            source = match &self.source {
                Some(p) => format!("默认值、{}、环境变量与命令行参数", p.display()),
                None => "默认值、环境变量与命令行参数（未使用配置文件）".to_owned(),
            },
            data_dir = self.data_dir.display(),
            database = redact(&self.database),
            log = self.log,
            log_format = match self.log_format {
                LogFormat::Text => "text",
                LogFormat::Json => "json",
            },
            listen = self.listen,
            origin = self.web.public_origin,
            proxies = proxies.join(", "),
            secure = self.web.secure_cookies,
            timeout = self.web.request_timeout.as_secs(),
            upload = self.web.upload_limit_bytes / (1024 * 1024),
            platform = s.platform_credit_code,
            deficiency = s.deficiency_supply_working_days,
            verification = s.commitment_verification_working_days,
            soon = s.due_soon_working_days,
            window = s.throttle.window.num_minutes(),
            per_pair = s.throttle.per_pair,
            per_account = s.throttle.per_account,
            per_address = s.throttle.per_address,
            sms = sender(n.sms),
            email = sender(n.email),
            gateway = n.sms_gateway_url.as_deref().unwrap_or_default(),
            gateway_key = if n.sms_gateway_key.is_some() {
                "***"
            } else {
                ""
            },
            smtp = n.smtp_url.as_deref().map(redact).unwrap_or_default(),
            from = n.email_from,
        )
    }
}

/// The notification channels: a gateway or relay needs its address.
fn notifications(f: NotificationsFile) -> anyhow::Result<Notifications> {
    let n = Notifications {
        sms: f.sms.unwrap_or(SenderKind::Log),
        email: f.email.unwrap_or(SenderKind::Log),
        sms_gateway_url: f.sms_gateway_url.filter(|u| !u.trim().is_empty()),
        sms_gateway_key: f.sms_gateway_key.filter(|k| !k.is_empty()),
        smtp_url: f.smtp_url.filter(|u| !u.trim().is_empty()),
        email_from: f
            .email_from
            .unwrap_or_else(|| "红寺堡区通办 <noreply@zwfw.hongsibu.example>".into()),
    };
    if n.sms == SenderKind::Smtp || n.email == SenderKind::Gateway {
        bail!("notifications: 短信用 gateway，邮件用 smtp");
    }
    if n.sms == SenderKind::Gateway && n.sms_gateway_url.is_none() {
        bail!("notifications.sms = \"gateway\" 需要 sms_gateway_url");
    }
    if n.email == SenderKind::Smtp && n.smtp_url.is_none() {
        bail!("notifications.email = \"smtp\" 需要 smtp_url");
    }
    Ok(n)
}

fn mask_password_parameter(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(i) = rest.to_ascii_lowercase().find("password=") {
        let value_start = i + "password=".len();
        out.push_str(&rest[..value_start]);
        out.push_str("***");
        let after = &rest[value_start..];
        let end = after.find(['&', ' ', ';']).unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取配置文件 {}", path.display()))?;
    toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("配置文件 {} 有误：{}", path.display(), e.message()))
}

fn positive(n: u32, key: &str) -> anyhow::Result<u32> {
    if n == 0 {
        bail!("{key} 须大于 0");
    }
    Ok(n)
}

/// `https://host[:port]`, without a path or trailing slash.
fn parse_origin(origin: &str) -> anyhow::Result<String> {
    let o = origin.trim().trim_end_matches('/');
    let rest = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))
        .with_context(|| format!("public_origin“{origin}”须以 http:// 或 https:// 开头"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        bail!(
            "public_origin“{origin}”只能是协议加主机名（和端口），例如 https://zwfw.example.gov.cn"
        );
    }
    Ok(o.to_owned())
}

/// `10.0.0.0/8`, `192.168.1.5` (one address), `::1`.
fn parse_network(s: &str) -> anyhow::Result<(IpAddr, u8)> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let addr: IpAddr = addr
        .trim()
        .parse()
        .with_context(|| format!("trusted_proxies 中的“{s}”不是 IP 地址或网段"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => l
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|l| *l <= max)
            .with_context(|| format!("trusted_proxies 中“{s}”的前缀长度无效"))?,
        None => max,
    };
    Ok((addr, len))
}

/// Hides a password in a database URL before it is printed or logged: in the user-info
/// part (`user:secret@host`) and as a `password=` parameter (query or key-value form).
pub fn redact(url: &str) -> String {
    let url = &mask_password_parameter(url);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://./x.db"), "sqlite://./x.db");
        assert_eq!(
            redact("postgres://h/db?user=u&password=Top&sslmode=require"),
            "postgres://h/db?user=u&password=***&sslmode=require"
        );
        assert_eq!(
            redact("host=h user=u password=Top dbname=x"),
            "host=h user=u password=*** dbname=x"
        );
    }

    #[test]
    fn origins_are_scheme_and_host_only() {
        assert_eq!(
            parse_origin("https://zwfw.example.gov.cn/").unwrap(),
            "https://zwfw.example.gov.cn"
        );
        assert!(parse_origin("zwfw.example.gov.cn").is_err());
        assert!(parse_origin("https://a.example/path").is_err());
        assert!(parse_origin("https://user@a.example").is_err());
    }

    #[test]
    fn networks_parse_with_and_without_prefix() {
        assert_eq!(
            parse_network("10.0.0.0/8").unwrap(),
            ("10.0.0.0".parse().unwrap(), 8)
        );
        assert_eq!(parse_network("::1").unwrap(), ("::1".parse().unwrap(), 128));
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("example.com").is_err());
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        assert!(toml::from_str::<FileConfig>("public_orign = \"x\"").is_err());
        let f: FileConfig = toml::from_str(
            "public_origin = \"https://a.example\"\n[time_limits]\ndeficiency_supply_working_days = 7\n",
        )
        .unwrap();
        assert_eq!(f.time_limits.deficiency_supply_working_days, Some(7));
    }
}
