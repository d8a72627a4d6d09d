//! Identity you can trust (issue 11): verifying a person at a window, taking an account back
//! for the person whose number it carries, and setting a password with a one-time code (an
//! SMS to reset it, a printed slip to claim an account registered at a window).
//!
//! The rules (levels, code shapes and limits) are the domain's `identity`; this module loads,
//! asks, stores and sends.

pub mod provider;
pub mod provincial;

use rand::RngCore;
use tongban_domain::account::AccountKind;
use tongban_domain::authz::Permission;
use tongban_domain::identity::{Assurance, CodePurpose, normalise_code, same_name};
use tongban_store::{Account, NewCode, StoreError, Verification};

use crate::accounts::token_hash;
use crate::{Actor, App, AppError};

/// The person a clerk identifies at a window for verification.
#[derive(Debug, Clone, Default)]
pub struct IdentityCheck {
    /// `enterprise` or anything else for a citizen.
    pub kind: String,
    pub id_number: String,
    pub name: String,
    pub phone: String,
    /// The clerk ticked that they saw the original document.
    pub id_checked: bool,
}

/// What a window verification did, for the clerk's page and the printed slip.
#[derive(Debug, Clone)]
pub struct Verified {
    pub account: Account,
    /// The account was created now (nobody had registered the number).
    pub created: bool,
    /// Someone else had registered the number under another name: their password no longer
    /// opens the account.
    pub reclaimed: bool,
    /// The claim code to print, when the person has no password of their own yet.
    pub claim_code: Option<String>,
}

/// Whether the account carries a password its owner set (a window registration or a
/// reclaimed account does not, until claimed).
pub fn has_own_password(account: &Account) -> bool {
    !account.password_hash.starts_with('!')
}

/// A clerk who saw the person's ID document verifies their account: created if nobody had
/// registered the number; raised to 窗口核验 if the name agrees; taken back for them if a
/// self-registration under the number carries another name (the registrant's password and
/// sessions end). A verified account with another name is refused: the clerk must recheck.
/// A claim code is handed over whenever the person has no password of their own.
pub async fn verify_at_window(
    app: &App,
    actor: &Actor,
    check: &IdentityCheck,
) -> Result<Verified, AppError> {
    actor.principal.capability(Permission::HandleIntake)?;
    let clerk = actor.account()?;
    let person = tongban_domain::case::WindowApplicant::parse(tongban_domain::case::WindowForm {
        kind: &check.kind,
        id_number: &check.id_number,
        name: &check.name,
        phone: &check.phone,
        id_checked: check.id_checked,
        mode: "in_person",
        consent: false,
        agent_name: "",
        agent_id: "",
        relationship: "",
    })?;
    let (account, created, reclaimed) =
        identified_at_window(app, clerk, &person, Purpose::Verification).await?;
    let claim_code = if has_own_password(&account) {
        None
    } else {
        Some(issue(app, &clerk.id, &account, CodePurpose::Claim).await?)
    };
    Ok(Verified {
        account,
        created,
        reclaimed,
        claim_code,
    })
}

/// Why a clerk identifies a person from their document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Filing a case for them (窗口收件): the case needs its owner, nothing more.
    Intake,
    /// 实名核验: the account becomes verified, so it must end up in this person's hands only.
    Verification,
}

/// The account of the person a clerk identified from their document: created if nobody had
/// registered the number; taken back for them if only a self-registration with another name
/// held it (its password, sessions and phone are the registrant's, so they go). At intake an
/// account whose name agrees is used as it is. A verification raises it to the window level
/// — and a self-registered one is also taken back even when the name agrees, since knowing
/// a holder's name and number is all a squatter needs: the person present sets a new password
/// with the claim slip. Returns the account, whether it was created and whether it was taken
/// back. Intake and verification both go here.
pub async fn identified_at_window(
    app: &App,
    clerk: &Account,
    person: &tongban_domain::case::WindowApplicant,
    purpose: Purpose,
) -> Result<(Account, bool, bool), AppError> {
    let level = match person.kind {
        AccountKind::Enterprise => Assurance::LegalRepresentativeVerified,
        _ => Assurance::WindowVerified,
    };
    let now = app.clock.now();
    let found = match app.store.account_by_login(&person.login).await {
        Ok(existing) => {
            if existing.kind != person.kind {
                return Err(AppError::field(
                    "kind",
                    "mismatch",
                    "该号码已注册为另一类账号，请核对申请人类型",
                ));
            }
            let agrees = same_name(&existing.name, &person.name);
            if !agrees && existing.assurance.reaches_licences() {
                return Err(AppError::field(
                    "name",
                    "mismatch",
                    "姓名（名称）与已核验账号不一致，请再次核对证件原件",
                ));
            }
            let unverified = !existing.assurance.reaches_licences();
            let unchanged = agrees
                && (purpose == Purpose::Intake
                    || (existing.assurance >= level
                        && (person.phone.is_none() || person.phone == existing.phone)));
            if unchanged {
                return Ok((existing, false, false));
            }
            let reclaim = !agrees || (purpose == Purpose::Verification && unverified);
            app.store
                .verify_identity(
                    now,
                    &clerk.id,
                    &Verification {
                        account_id: existing.id.clone(),
                        level: existing.assurance.raised_to(level),
                        by: clerk.id.clone(),
                        name: person.name.clone(),
                        phone: person.phone.clone(),
                        reclaim,
                    },
                )
                .await?;
            if reclaim {
                tracing::warn!(account = %existing.id, clerk = %clerk.id,
                    "self-registered account taken back for the holder of its number");
            }
            (app.store.account(&existing.id).await?, false, reclaim)
        }
        Err(StoreError::NotFound) => {
            let account = app
                .store
                .create_account(
                    now,
                    &clerk.id,
                    &tongban_store::NewAccount {
                        kind: person.kind,
                        login: person.login.clone(),
                        name: person.name.clone(),
                        phone: person.phone.clone(),
                        legal_representative: None,
                        org_unit_code: None,
                        role: None,
                        password_hash: "!window-registered".into(),
                        assurance: level,
                    },
                )
                .await?;
            (account, true, false)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(found)
}

/// A new code of `purpose` for `account`, stored as a digest (an SMS one is enqueued to the
/// account's phone); returns the code as shown.
async fn issue(
    app: &App,
    actor: &str,
    account: &Account,
    purpose: CodePurpose,
) -> Result<String, AppError> {
    let mut random = vec![0u8; purpose.random_bytes()];
    rand::rng().fill_bytes(&mut random);
    let code = purpose.code_from(&random);
    let now = app.clock.now();
    app.store
        .issue_code(
            now,
            actor,
            &NewCode {
                account_id: account.id.clone(),
                purpose,
                code_hash: code_digest(&account.id, &code),
                expires_at: now + purpose.lifetime(),
                sms: (purpose == CodePurpose::Reset).then(|| {
                    format!(
                        "【红寺堡区政务服务】您的验证码为 {code}，{} 分钟内有效，用于重设登录密码。\
                         如非本人操作，请忽略本短信。",
                        purpose.lifetime().num_minutes()
                    )
                }),
            },
        )
        .await?;
    Ok(code)
}

/// A code's digest, bound to its account so equal codes of two accounts differ.
fn code_digest(account_id: &str, code: &str) -> String {
    token_hash(&format!("{account_id}:{}", normalise_code(code)))
}

/// 找回密码: sends a reset code by SMS to the phone on the account. The answer is the same
/// whether or not the account exists or has a phone, and requests are limited per account
/// and per address (silently: a refusal would tell that the account exists).
pub async fn request_reset(app: &App, login: &str, address: &str) -> Result<(), AppError> {
    let login = login.trim().to_ascii_uppercase();
    if login.is_empty() {
        return Err(AppError::field(
            "login",
            "required",
            "请输入身份证号码或统一社会信用代码",
        ));
    }
    let now = app.clock.now();
    let policy = app.settings.throttle;
    // Three codes an hour's quarter per account, then doubling waits; many more per address.
    for (key, free) in [
        (format!("code:{login}"), 3),
        (format!("codeaddr:{address}"), 30),
    ] {
        let counted = app
            .store
            .count_login_attempt(&key, now, policy.window, free, &policy.delay_ladder(free))
            .await?;
        if counted.is_none() {
            tracing::info!(address, "reset code request held back by throttling");
            return Ok(());
        }
    }
    match app.store.account_by_login(&login).await {
        Ok(account)
            if account.kind != AccountKind::Staff
                && account.phone.is_some()
                && !account.disabled =>
        {
            issue(app, "anonymous", &account, CodePurpose::Reset).await?;
        }
        Ok(_) | Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Sets the password of the account `login` with a one-time code of `purpose` (an SMS reset
/// code or a printed claim code). Every failure — no such account, no open code, a wrong,
/// spent or expired code — reads the same; each try is counted on the code before it is
/// compared.
pub async fn set_password_with_code(
    app: &App,
    purpose: CodePurpose,
    login: &str,
    code: &str,
    password: &str,
) -> Result<(), AppError> {
    let mut errors = tongban_domain::ValidationErrors::new();
    let password = errors.check("password", tongban_domain::codes::Password::parse(password));
    if normalise_code(code).is_empty() {
        errors.add(
            "code",
            "required",
            match purpose {
                CodePurpose::Reset => "请输入短信验证码",
                CodePurpose::Claim => "请输入认领单上的认领码",
            },
        );
    }
    let login = login.trim().to_ascii_uppercase();
    if login.is_empty() {
        errors.add("login", "required", "请输入身份证号码或统一社会信用代码");
    }
    let (Some(password), true) = (password, errors.is_empty()) else {
        return Err(errors.into());
    };
    let wrong = || {
        AppError::field(
            "code",
            "invalid",
            match purpose {
                CodePurpose::Reset => "验证码不正确或已失效，请重新获取",
                CodePurpose::Claim => "认领码不正确或已失效，请到窗口重新领取",
            },
        )
    };
    let now = app.clock.now();
    let account = match app.store.account_by_login(&login).await {
        Ok(a) if a.kind != AccountKind::Staff => a,
        Ok(_) | Err(StoreError::NotFound) => return Err(wrong()),
        Err(e) => return Err(e.into()),
    };
    let Some((code_id, digest)) = app.store.try_code(now, &account.id, purpose).await? else {
        return Err(wrong());
    };
    if !constant_time_eq(digest.as_bytes(), code_digest(&account.id, code).as_bytes()) {
        return Err(wrong());
    }
    let hash = crate::accounts::hash_password(password).await?;
    match app
        .store
        .use_code_for_password(now, &code_id, &account.id, &hash)
        .await
    {
        Err(StoreError::Conflict(_)) => Err(wrong()),
        other => Ok(other?),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses, saying how to verify, unless the account's identity is verified.
pub fn require_verified(account: &Account) -> Result<(), AppError> {
    if account.assurance.reaches_licences() {
        Ok(())
    } else {
        Err(AppError::Unverified)
    }
}
