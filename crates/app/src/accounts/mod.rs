//! Accounts and sessions as use cases: registering an applicant, logging in with
//! throttling, tokens and who an account acts as.
//!
//! Tokens are 32 random bytes; only their SM3 digest is stored. Login attempts are throttled
//! per account and per address through counts in the database, so every instance agrees.

use base64::Engine;
use chrono::Duration;
use rand::RngCore;
use sm3::{Digest, Sm3};
use tongban_domain::account::AccountKind;
use tongban_domain::audit::AuditEvent;
use tongban_domain::authz::Principal;
use tongban_domain::identity::Assurance;
use tongban_domain::mask::mask_id_number;
use tongban_domain::password::{decoy_hash, verify_password};
use tongban_domain::throttle::Decision;
use tongban_store::{Account, NewSession, Session, SessionKind, StoreError};

use crate::{App, AppError};

/// Who is acting: the principal the permission table reads, and the account behind it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub account: Option<Account>,
}

impl Actor {
    pub fn anonymous() -> Self {
        Actor {
            principal: Principal::Anonymous,
            account: None,
        }
    }

    /// The actor of a signed-in account.
    pub fn of(account: Account) -> Self {
        Actor {
            principal: principal_of(&account),
            account: Some(account),
        }
    }

    /// The account, or `Unauthorized`.
    pub fn account(&self) -> Result<&Account, AppError> {
        self.account.as_ref().ok_or(AppError::Unauthorized)
    }
}

/// The account and session a token opens, if it is live.
pub async fn session_of_token(
    app: &App,
    token: &str,
) -> Result<Option<(Session, Account)>, AppError> {
    match app
        .store
        .live_session(app.clock.now(), &token_hash(token))
        .await
    {
        Ok(found) => Ok(Some(found)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The digest under which a token is stored.
pub fn token_hash(token: &str) -> String {
    Sm3::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new unguessable token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A random 16-byte salt for password hashing.
pub fn new_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    salt
}

pub fn principal_of(account: &Account) -> Principal {
    match (account.kind, account.role) {
        (AccountKind::Citizen, _) => Principal::Citizen {
            account_id: account.id.clone(),
        },
        (AccountKind::Enterprise, _) => Principal::Enterprise {
            account_id: account.id.clone(),
        },
        (AccountKind::Staff, Some(role)) => Principal::Staff {
            account_id: account.id.clone(),
            role,
            org_path: account.org_path.clone().unwrap_or_default(),
        },
        // A staff account without a role holds no rights at all.
        (AccountKind::Staff, None) => Principal::Anonymous,
    }
}

/// Checks credentials with throttling; on success opens a session of `kind` and returns its
/// token. Attempts are counted per account and address, per account and per address
/// (`tongban_domain::throttle`); past a counter's free tries each attempt waits a doubling
/// delay, and a correct password during the wait is still refused.
pub async fn log_in(
    app: &App,
    login: &str,
    password: &str,
    address: &str,
    kind: SessionKind,
    label: &str,
) -> Result<(String, Session, Account), AppError> {
    let now = app.clock.now();
    let policy = app.settings.throttle;
    let login = login.trim().to_ascii_uppercase();
    // Every counter takes the attempt before the password is checked (one atomic statement
    // each), so parallel tries cannot pass a limit between reading and writing it.
    let keys = tongban_domain::throttle::keys_for(&login, address);
    for key in &keys {
        let free = policy.free_tries(key);
        let stored = key.key();
        let counted = app
            .store
            .count_login_attempt(
                &stored,
                now,
                policy.window,
                free,
                &policy.delay_ladder(free),
            )
            .await?;
        if counted.is_none() {
            let wait = match policy.decide(app.store.login_failures(&stored).await?, now) {
                Decision::Wait { retry_after } => retry_after,
                Decision::Allow => chrono::Duration::seconds(1),
            };
            return Err(AppError::TooManyAttempts {
                minutes: (wait.num_seconds() + 59).div_euclid(60).max(1),
            });
        }
    }
    // Staff user names are lower-case; ID numbers and credit codes upper-case.
    let account = match app.store.account_by_login(&login).await {
        Ok(a) => Some(a),
        Err(StoreError::NotFound) => match app
            .store
            .account_by_login(&login.to_ascii_lowercase())
            .await
        {
            Ok(a) => Some(a),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        Err(e) => return Err(e.into()),
    };
    let stored = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let candidate = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&candidate, &stored))
        .await
        .map_err(AppError::internal)?;
    match account {
        Some(account) if ok && !account.disabled => {
            // The account's own counters start afresh; the address keeps its count less
            // this attempt, so one NAT's honest logins never add up to its ceiling.
            for key in &keys[..2] {
                app.store.clear_login_failures(&key.key()).await?;
            }
            app.store.uncount_login_attempt(&keys[2].key()).await?;
            let (token, session) = open_session(app, &account, kind, label, address).await?;
            Ok((token, session, account))
        }
        _ => {
            // Failed logins are security events: on the trail, with the login masked.
            app.store
                .append_audit(
                    now,
                    AuditEvent::new(
                        "anonymous",
                        "session.login_failed",
                        format!("login:{}", mask_id_number(&login)),
                        address,
                    ),
                )
                .await?;
            Err(AppError::InvalidCredentials)
        }
    }
}

/// Opens a session of `kind` for an account whose identity was just established (a
/// password checked, or a trusted provider's sign-in); returns its token.
pub async fn open_session(
    app: &App,
    account: &Account,
    kind: SessionKind,
    label: &str,
    address: &str,
) -> Result<(String, Session), AppError> {
    if account.disabled {
        return Err(AppError::Forbidden);
    }
    let now = app.clock.now();
    let token = new_token();
    let session = app
        .store
        .create_session(
            now,
            &NewSession {
                token_hash: token_hash(&token),
                account_id: account.id.clone(),
                kind,
                label: label.chars().take(120).collect(),
                address: address.to_owned(),
                expires_at: now + session_lifetime(kind),
            },
        )
        .await?;
    Ok((token, session))
}

/// How long a session lives: a working day for browsers, a month for the mobile app, a year
/// for integrating systems (which are revoked explicitly).
pub fn session_lifetime(kind: SessionKind) -> Duration {
    match kind {
        SessionKind::Web => Duration::hours(12),
        SessionKind::Bearer => Duration::days(30),
        SessionKind::Api => Duration::days(365),
    }
}

/// Creates an applicant account from a validated registration. A taken number is a
/// `Conflict` naming the field it belongs to.
pub async fn register(
    app: &App,
    reg: tongban_domain::account::Registration,
) -> Result<Account, AppError> {
    use tongban_domain::account::Registration;
    let (password, new) = match reg {
        Registration::Citizen {
            name,
            id_number,
            phone,
            password,
        } => (
            password,
            tongban_store::NewAccount {
                kind: AccountKind::Citizen,
                login: id_number.as_str().to_owned(),
                name,
                phone: Some(phone.as_str().to_owned()),
                legal_representative: None,
                org_unit_code: None,
                role: None,
                password_hash: String::new(),
                assurance: Assurance::SelfRegistered,
            },
        ),
        Registration::Enterprise {
            name,
            credit_code,
            legal_representative,
            phone,
            password,
        } => (
            password,
            tongban_store::NewAccount {
                kind: AccountKind::Enterprise,
                login: credit_code.as_str().to_owned(),
                name,
                phone: Some(phone.as_str().to_owned()),
                legal_representative: Some(legal_representative),
                org_unit_code: None,
                role: None,
                password_hash: String::new(),
                assurance: Assurance::SelfRegistered,
            },
        ),
    };
    let kind = new.kind;
    let password_hash = hash_password(password).await?;
    match app
        .store
        .create_account(
            app.clock.now(),
            "",
            &tongban_store::NewAccount {
                password_hash,
                ..new
            },
        )
        .await
    {
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict {
            code: "already_registered",
            detail: match kind {
                AccountKind::Enterprise => "该统一社会信用代码已注册，请直接登录".into(),
                _ => "该身份证号码已注册。本人注册的，请直接登录或找回密码；不是本人注册或曾在窗口登记的，请携带身份证件到任一窗口核验后认领账号".into(),
            },
        }),
        other => Ok(other?),
    }
}

/// Argon2id off the async threads: it is deliberately slow.
pub async fn hash_password(password: tongban_domain::codes::Password) -> Result<String, AppError> {
    let salt = new_salt();
    tokio::task::spawn_blocking(move || tongban_domain::password::hash_password(&password, &salt))
        .await
        .map_err(AppError::internal)
}

/// Argon2id with a fresh random salt, on the calling thread (for the command line and demo
/// seeding, where nothing else waits).
pub fn random_salt_hash(p: &tongban_domain::codes::Password) -> String {
    tongban_domain::password::hash_password(p, &new_salt())
}

/// Ends one of the actor's own sessions (logging out, or revoking a device).
pub async fn revoke_session(app: &App, actor: &Actor, session_id: &str) -> Result<(), AppError> {
    let account = actor.account()?;
    Ok(app
        .store
        .revoke_session(app.clock.now(), &account.id, session_id)
        .await?)
}

/// The actor's live sessions.
pub async fn sessions(app: &App, actor: &Actor) -> Result<Vec<Session>, AppError> {
    let account = actor.account()?;
    Ok(app.store.sessions_of(app.clock.now(), &account.id).await?)
}

/// The actor's in-app messages, newest first.
pub async fn messages(app: &App, actor: &Actor) -> Result<Vec<tongban_store::Message>, AppError> {
    let account = actor.account()?;
    Ok(app.store.messages_of(&account.id, 100).await?)
}

/// People whose name or number matches, for staff who may see personal data (masked by the
/// page), among those with a case the searcher's work covers. Fewer than two characters
/// finds nothing.
pub async fn find_people(
    app: &App,
    actor: &Actor,
    query: &str,
) -> Result<Vec<tongban_store::PersonSummary>, AppError> {
    actor
        .principal
        .capability(tongban_domain::authz::Permission::ViewPersonalData)?;
    let q = query.trim();
    if q.chars().count() < 2 {
        return Err(AppError::field(
            "q",
            "too_short",
            "请至少输入两个字，或完整的证件号码",
        ));
    }
    let reach = tongban_domain::authz::PersonalDataReach::of(&actor.principal);
    Ok(app.store.find_people(q, &reach, 50).await?)
}

/// A person's whole record, if they have a case the viewer's work covers (otherwise not
/// found); the opening is audited.
pub async fn open_person(app: &App, actor: &Actor, id: &str) -> Result<Account, AppError> {
    let cap = actor
        .principal
        .capability(tongban_domain::authz::Permission::ViewPersonalData)?;
    let account = app
        .store
        .open_personal_record(
            app.clock.now(),
            cap.actor(),
            id,
            &tongban_domain::authz::PersonalDataReach::of(&actor.principal),
        )
        .await?;
    tracing::info!(viewer = %cap.actor(), target = %account.id, "personal record opened");
    Ok(account)
}

/// A new staff account, as the bureau enters it.
#[derive(Debug, Default, Clone)]
pub struct NewStaff {
    pub username: String,
    pub name: String,
    pub password: String,
    pub role: String,
    pub org_code: String,
}

/// Creates a staff account: every field checked at once, a taken user name or an unknown
/// unit reported on its field.
pub async fn create_staff(app: &App, actor: &Actor, form: &NewStaff) -> Result<Account, AppError> {
    use tongban_domain::account::Role;
    use tongban_domain::codes::{Password, Username};
    use tongban_domain::validation::required_text;
    let cap = actor
        .principal
        .capability(tongban_domain::authz::Permission::ManageStaff)?;
    let mut errors = tongban_domain::ValidationErrors::new();
    let username = errors.check("username", Username::parse(&form.username));
    let name = errors.check("name", required_text(&form.name, 40));
    let password = errors.check("password", Password::parse(&form.password));
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.add("role", "required", "请选择角色");
    }
    if form.org_code.is_empty() {
        errors.add("org_code", "required", "请选择所属单位");
    }
    let (Some(username), Some(name), Some(password), Some(role), true) =
        (username, name, password, role, errors.is_empty())
    else {
        return Err(errors.into());
    };
    let new = tongban_store::NewAccount {
        kind: AccountKind::Staff,
        login: username.as_str().to_owned(),
        name,
        phone: None,
        legal_representative: None,
        org_unit_code: Some(form.org_code.clone()),
        role: Some(role),
        password_hash: hash_password(password).await?,
        assurance: Assurance::WindowVerified,
    };
    match app
        .store
        .create_account(app.clock.now(), cap.actor(), &new)
        .await
    {
        Ok(a) => Ok(a),
        Err(StoreError::Conflict(_)) => {
            Err(AppError::field("username", "taken", "该用户名已被使用"))
        }
        Err(StoreError::Config(_)) => Err(AppError::field("org_code", "unknown", "所选单位不存在")),
        Err(e) => Err(e.into()),
    }
}

/// Every staff account, for the bureau's administration page.
pub async fn all_staff(
    app: &App,
    actor: &Actor,
) -> Result<Vec<tongban_store::StaffMember>, AppError> {
    actor
        .principal
        .capability(tongban_domain::authz::Permission::ManageStaff)?;
    Ok(app
        .store
        .list_staff(&tongban_domain::authz::Scope::All)
        .await?)
}

/// What the bureau does to a staff account.
#[derive(Debug, Clone)]
pub enum StaffAdmin {
    /// 停用: the account can no longer log in, and its sessions end at once.
    Disable,
    Enable,
    /// 调整单位, by the unit's code; within two years of the staff member's posting only
    /// when `confirm_early` (窗口人员原则上两年内不调整).
    Move {
        org_code: String,
        confirm_early: bool,
    },
    /// 调整角色, by the role's name (`window_clerk` …).
    SetRole(String),
}

/// Carries out `change` on the staff account `staff_id`, audited. The administrator cannot
/// disable or demote their own account (the bureau would lock itself out).
pub async fn administer_staff(
    app: &App,
    actor: &Actor,
    staff_id: &str,
    change: StaffAdmin,
) -> Result<(), AppError> {
    use tongban_domain::account::Role;
    let cap = actor
        .principal
        .capability(tongban_domain::authz::Permission::ManageStaff)?;
    let own = actor.account()?.id == staff_id;
    let change = match change {
        StaffAdmin::Disable if own => {
            return Err(AppError::refused("不能停用自己的账号"));
        }
        StaffAdmin::Disable => tongban_store::StaffChange {
            disabled: Some(true),
            ..Default::default()
        },
        StaffAdmin::Enable => tongban_store::StaffChange {
            disabled: Some(false),
            ..Default::default()
        },
        StaffAdmin::Move {
            org_code: code,
            confirm_early,
        } => {
            let code = code.trim().to_owned();
            if code.is_empty() {
                return Err(AppError::field("org_code", "required", "请选择调入的单位"));
            }
            let posted = app.store.posting_of(staff_id).await?;
            tongban_domain::hall::staff::check_move(posted, app.today(), confirm_early)
                .map_err(AppError::refused)?;
            tongban_store::StaffChange {
                org_code: Some(code),
                ..Default::default()
            }
        }
        StaffAdmin::SetRole(role) => {
            let Some(role) = Role::parse(role.trim()) else {
                return Err(AppError::field("role", "required", "请选择角色"));
            };
            if own && role != Role::BureauAdmin {
                return Err(AppError::refused("不能取消自己的管理员角色"));
            }
            tongban_store::StaffChange {
                role: Some(role),
                ..Default::default()
            }
        }
    };
    match app
        .store
        .change_staff(app.clock.now(), cap.actor(), staff_id, &change)
        .await
    {
        Err(StoreError::NotFound) if change.org_code.is_some() => {
            Err(AppError::field("org_code", "unknown", "没有这个单位"))
        }
        other => Ok(other?),
    }
}

/// Who the ids that took steps are, by name, for timelines and the audit trail: an account's
/// name; the platform's own steps and visitors not logged in in words; anything else (a
/// login typed at a failed attempt) as it was recorded.
pub async fn display_names(
    app: &App,
    ids: Vec<String>,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let mut names = std::collections::HashMap::new();
    for id in ids {
        if names.contains_key(&id) {
            continue;
        }
        let name = match app.store.account(&id).await {
            Ok(a) => a.name,
            Err(StoreError::NotFound) => match id.as_str() {
                crate::cases::SYSTEM_ACTOR => "平台自动".to_owned(),
                "anonymous" => "未登录访客".to_owned(),
                _ => String::new(),
            },
            Err(e) => return Err(e.into()),
        };
        names.insert(id, name);
    }
    Ok(names)
}
