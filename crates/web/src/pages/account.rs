//! Pages for one's own account: log in and out, register, the account page, large-type
//! mode.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use tongban_domain::ValidationErrors;
use tongban_domain::account::{AccountKind, Registration, RegistrationInput};
use tongban_domain::mask::{mask_id_number, mask_phone};
use tongban_store::{Session, SessionKind};

use crate::api::RegisterBody;
use crate::auth::{Current, clear_session_cookie, client_address, session_cookie};
use crate::page::{Ctx, ELDER_COOKIE, FormField, local_time, render, with_errors};
use crate::{AppState, WebError};

/// Only same-site paths are followed after login or a preference switch, so a crafted link
/// cannot send people away: one leading `/`, no backslash (read as `/` by browsers), no
/// control character or blank (browsers drop tabs and newlines, so `/\t/evil` would become
/// `//evil`), and short enough for a header.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 1024
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            n.to_owned()
        }
        _ => String::new(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    fields: Vec<FormField>,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
    next: String,
    /// The trusted provider's button label, when one is configured.
    provincial: Option<String>,
    /// What just happened (password set, account claimed, logged out).
    notice: Option<&'static str>,
}

fn provincial_label(state: &AppState) -> Option<String> {
    state
        .settings
        .provincial_login
        .as_ref()
        .map(|p| p.label.clone())
}

fn login_fields(login: &str, errors: &ValidationErrors) -> Vec<FormField> {
    vec![
        FormField::new("login", "账号")
            .hint("个人填身份证号码，企业填统一社会信用代码，工作人员填用户名")
            .autocomplete("username")
            .with(login, errors),
        FormField::new("password", "密码")
            .kind("password")
            .autocomplete("current-password")
            .with("", errors),
    ]
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    reset: Option<String>,
    claimed: Option<String>,
    registered: Option<String>,
    logged_out: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    let notice = if q.reset.is_some() {
        Some("密码已重设，请用新密码登录。")
    } else if q.claimed.is_some() {
        Some("账号已认领，请用您设置的密码登录。")
    } else if q.registered.is_some() {
        Some("注册成功，请登录。")
    } else if q.logged_out.is_some() {
        Some("您已退出登录。")
    } else {
        None
    };
    render(&LoginPage {
        ctx,
        fields: login_fields("", &ValidationErrors::new()),
        fields_with_errors: Vec::new(),
        form_error: None,
        next: safe_next(q.next.as_deref()),
        provincial: provincial_label(&state),
        notice,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let mut errors = ValidationErrors::new();
    if form.login.trim().is_empty() {
        errors.add("login", "required", "请输入账号");
    }
    if form.password.is_empty() {
        errors.add("password", "required", "请输入密码");
    }
    let next = safe_next(Some(&form.next));
    let fail = |ctx: Ctx, errors: ValidationErrors, form_error: Option<String>| {
        let fields = login_fields(&form.login, &errors);
        render(&LoginPage {
            ctx,
            fields_with_errors: with_errors(&fields),
            fields,
            form_error,
            next: next.clone(),
            provincial: provincial_label(&state),
            notice: None,
        })
    };
    if !errors.is_empty() {
        return fail(ctx, errors, None);
    }
    let agent = parts
        .headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("浏览器");
    match tongban_app::accounts::log_in(
        &state,
        &form.login,
        &form.password,
        &client_address(&state, &parts),
        SessionKind::Web,
        agent,
    )
    .await
    .map_err(WebError::from)
    {
        Ok((token, _session, account)) => {
            let target = if !next.is_empty() {
                next.clone()
            } else if account.kind == AccountKind::Staff {
                "/staff".to_owned()
            } else {
                "/me".to_owned()
            };
            let jar = jar.add(session_cookie(token, state.config.secure_cookies));
            Ok((jar, crate::page::redirect(&target)).into_response())
        }
        Err(e @ (WebError::InvalidCredentials | WebError::TooManyAttempts { .. })) => {
            let mut res = fail(ctx, ValidationErrors::new(), Some(e.to_string()))?;
            *res.status_mut() = e.status();
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    current: Current,
    jar: CookieJar,
) -> Result<Response, WebError> {
    if let Some(s) = &current.session {
        tongban_app::accounts::revoke_session(&state, &current, &s.id).await?;
    }
    Ok((jar.add(clear_session_cookie()), crate::page::redirect("/")).into_response())
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: Ctx,
    kind: &'static str,
    fields: Vec<FormField>,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
}

fn register_fields(
    kind: &str,
    input: &RegistrationInput,
    errors: &ValidationErrors,
) -> Vec<FormField> {
    let mut fields = Vec::new();
    if kind == "enterprise" {
        fields.push(
            FormField::new("name", "企业名称")
                .autocomplete("organization")
                .with(&input.name, errors),
        );
        fields.push(
            FormField::new("credit_code", "统一社会信用代码")
                .hint("18 位，见营业执照")
                .with(&input.credit_code, errors),
        );
        fields.push(
            FormField::new("legal_representative", "法定代表人")
                .with(&input.legal_representative, errors),
        );
    } else {
        fields.push(
            FormField::new("name", "姓名")
                .autocomplete("name")
                .with(&input.name, errors),
        );
        fields.push(
            FormField::new("id_number", "身份证号码")
                .hint("18 位，最后一位可能是 X")
                .with(&input.id_number, errors),
        );
    }
    fields.push(
        FormField::new("phone", "手机号码")
            .kind("tel")
            .autocomplete("tel")
            .inputmode("numeric")
            .with(&input.phone, errors),
    );
    fields.push(
        FormField::new("password", "设置密码")
            .kind("password")
            .hint("至少 8 位，须同时包含字母和数字")
            .autocomplete("new-password")
            .with("", errors),
    );
    fields
}

#[derive(Deserialize)]
pub struct KindQuery {
    pub kind: Option<String>,
}

fn kind_of(s: Option<&str>) -> &'static str {
    if s == Some("enterprise") {
        "enterprise"
    } else {
        "citizen"
    }
}

pub async fn register_form(ctx: Ctx, Query(q): Query<KindQuery>) -> Result<Response, WebError> {
    let kind = kind_of(q.kind.as_deref());
    render(&RegisterPage {
        ctx,
        kind,
        fields: register_fields(
            kind,
            &RegistrationInput::default(),
            &ValidationErrors::new(),
        ),
        fields_with_errors: Vec::new(),
        form_error: None,
    })
}

pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<RegisterBody>,
) -> Result<Response, WebError> {
    let kind = kind_of(Some(&form.kind));
    let input = RegistrationInput {
        kind: kind.to_owned(),
        ..RegistrationInput::from(form)
    };
    let errors = match Registration::parse(&input) {
        Ok(reg) => {
            let number_field = reg.number_field();
            match tongban_app::accounts::register(&state, reg)
                .await
                .map_err(WebError::from)
            {
                Ok(_) => return Ok(crate::page::redirect("/login?registered=1").into_response()),
                Err(WebError::Conflict { detail, .. }) => {
                    let mut errs = ValidationErrors::new();
                    errs.add(number_field, "already_registered", detail);
                    errs
                }
                Err(e) => return Err(e),
            }
        }
        Err(errors) => errors,
    };
    let fields = register_fields(kind, &input, &errors);
    let mut res = render(&RegisterPage {
        ctx,
        kind,
        fields_with_errors: with_errors(&fields),
        fields,
        form_error: None,
    })?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

struct SessionRow {
    id: String,
    kind: &'static str,
    label: String,
    created: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    ctx: Ctx,
    kind_label: &'static str,
    name: String,
    login_masked: String,
    phone_masked: String,
    legal_representative: Option<String>,
    org_name: Option<String>,
    sessions: Vec<SessionRow>,
    /// 实名核验等级, for applicants; and how to verify while it is self-registration.
    assurance: Option<&'static str>,
    how_to_verify: Option<&'static str>,
}

fn session_kind_label(s: &Session) -> &'static str {
    match s.kind {
        SessionKind::Web => "网页登录",
        SessionKind::Bearer => "移动端",
        SessionKind::Api => "系统接口令牌",
    }
}

pub async fn me(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let account = current.account()?;
    let sessions = tongban_app::accounts::sessions(&state, &current)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            current: current.session.as_ref().is_some_and(|c| c.id == s.id),
            kind: session_kind_label(&s),
            created: local_time(s.created_at),
            label: s.label,
            id: s.id,
        })
        .collect();
    render(&MePage {
        kind_label: account.kind.label(),
        name: account.name.clone(),
        login_masked: match account.kind {
            AccountKind::Staff => account.login.clone(),
            _ => mask_id_number(&account.login),
        },
        phone_masked: account.phone.as_deref().map(mask_phone).unwrap_or_default(),
        legal_representative: account.legal_representative.clone(),
        org_name: account.org_name.clone(),
        sessions,
        assurance: (account.kind != AccountKind::Staff).then(|| account.assurance.label()),
        how_to_verify: (account.kind != AccountKind::Staff
            && !account.assurance.reaches_licences())
        .then_some(tongban_domain::identity::HOW_TO_VERIFY),
        ctx,
    })
}

pub async fn revoke_session(
    State(state): State<AppState>,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    tongban_app::accounts::revoke_session(&state, &current, &id).await?;
    Ok(crate::page::redirect("/me").into_response())
}

#[derive(Deserialize)]
pub struct ElderForm {
    #[serde(default)]
    back: String,
}

/// Switches large-type mode and remembers it for a year on this device.
pub async fn toggle_elder(ctx: Ctx, jar: CookieJar, Form(form): Form<ElderForm>) -> Response {
    let mut c = Cookie::new(ELDER_COOKIE, if ctx.elder { "0" } else { "1" });
    c.set_path("/");
    c.set_same_site(SameSite::Lax);
    c.set_http_only(true);
    c.set_max_age(cookie::time::Duration::days(365));
    let back = safe_next(Some(&form.back));
    let back = if back.is_empty() {
        "/".to_owned()
    } else {
        back
    };
    (jar.add(c), crate::page::redirect(&back)).into_response()
}
