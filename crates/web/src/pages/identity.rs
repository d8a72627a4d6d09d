//! Identity pages: forgotten password (code by SMS), claiming an account with the slip a
//! window printed, and the window's identity verification with that slip (issue 11).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_domain::ValidationErrors;
use tongban_domain::identity::CodePurpose;
use tongban_domain::mask::mask_id_number;

use crate::api::RESET_SENT;
use crate::auth::{Current, client_address};
use crate::page::{Ctx, FormField, local_time, render, with_errors};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "identity/reset.html")]
struct ResetPage {
    ctx: Ctx,
    fields: Vec<FormField>,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
}

fn login_field(login: &str, errors: &ValidationErrors) -> FormField {
    FormField::new("login", "账号")
        .hint("个人填身份证号码，企业填统一社会信用代码")
        .autocomplete("username")
        .with(login, errors)
}

pub async fn reset_form(ctx: Ctx) -> Result<Response, WebError> {
    render(&ResetPage {
        ctx,
        fields: vec![login_field("", &ValidationErrors::new())],
        fields_with_errors: Vec::new(),
        form_error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginOnly {
    #[serde(default)]
    login: String,
}

/// Sends the code (if the account exists) and goes on to entering it, whatever happened.
pub async fn request_reset(
    State(state): State<AppState>,
    ctx: Ctx,
    parts: Parts,
    Form(form): Form<LoginOnly>,
) -> Result<Response, WebError> {
    match tongban_app::identity::request_reset(&state, &form.login, &client_address(&state, &parts))
        .await
        .map_err(WebError::from)
    {
        // The number is not carried in the address (history, logs): it is typed again.
        Ok(()) => Ok(crate::page::redirect("/account/reset/confirm?sent=1").into_response()),
        Err(WebError::Validation(errors)) => {
            let fields = vec![login_field(&form.login, &errors)];
            let mut res = render(&ResetPage {
                ctx,
                fields_with_errors: with_errors(&fields),
                fields,
                form_error: None,
            })?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "identity/set_password.html")]
struct SetPasswordPage {
    ctx: Ctx,
    title: &'static str,
    action: &'static str,
    sent: Option<&'static str>,
    fields: Vec<FormField>,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
}

fn code_fields(
    purpose: CodePurpose,
    login: &str,
    code: &str,
    errors: &ValidationErrors,
) -> Vec<FormField> {
    vec![
        login_field(login, errors),
        match purpose {
            CodePurpose::Reset => FormField::new("code", "短信验证码")
                .hint("6 位数字，10 分钟内有效")
                .autocomplete("one-time-code")
                .inputmode("numeric"),
            CodePurpose::Claim => FormField::new("code", "认领码")
                .hint("窗口打印的认领单上的 8 位认领码，如 AB3D-7KQP，7 天内有效")
                .autocomplete("one-time-code"),
        }
        // Kept when only the password was wrong, so the slip need not be read again.
        .with(code, errors),
        FormField::new("password", "新密码")
            .kind("password")
            .hint("至少 8 位，须同时包含字母和数字")
            .autocomplete("new-password")
            .with("", errors),
    ]
}

fn set_password_page(
    ctx: Ctx,
    purpose: CodePurpose,
    login: &str,
    code: &str,
    errors: &ValidationErrors,
    sent: bool,
) -> SetPasswordPage {
    let fields = code_fields(purpose, login, code, errors);
    let (title, action) = match purpose {
        CodePurpose::Reset => ("重设密码", "/account/reset/confirm"),
        CodePurpose::Claim => ("认领账号", "/account/claim"),
    };
    SetPasswordPage {
        ctx,
        title,
        action,
        sent: sent.then_some(RESET_SENT),
        fields_with_errors: with_errors(&fields),
        fields,
        form_error: None,
    }
}

#[derive(Deserialize)]
pub struct ConfirmQuery {
    #[serde(default)]
    login: String,
    #[serde(default)]
    sent: Option<String>,
}

pub async fn reset_confirm_form(
    ctx: Ctx,
    Query(q): Query<ConfirmQuery>,
) -> Result<Response, WebError> {
    let login: String = q.login.chars().take(40).collect();
    render(&set_password_page(
        ctx,
        CodePurpose::Reset,
        &login,
        "",
        &ValidationErrors::new(),
        q.sent.is_some(),
    ))
}

pub async fn claim_form(ctx: Ctx, Query(q): Query<ConfirmQuery>) -> Result<Response, WebError> {
    let login: String = q.login.chars().take(40).collect();
    render(&set_password_page(
        ctx,
        CodePurpose::Claim,
        &login,
        "",
        &ValidationErrors::new(),
        false,
    ))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

async fn set_with_code(
    state: &AppState,
    ctx: Ctx,
    purpose: CodePurpose,
    form: CodeForm,
) -> Result<Response, WebError> {
    match tongban_app::identity::set_password_with_code(
        state,
        purpose,
        &form.login,
        &form.code,
        &form.password,
    )
    .await
    .map_err(WebError::from)
    {
        Ok(()) => Ok(crate::page::redirect(match purpose {
            CodePurpose::Reset => "/login?reset=1",
            CodePurpose::Claim => "/login?claimed=1",
        })
        .into_response()),
        Err(WebError::Validation(errors)) => {
            let mut res = render(&set_password_page(
                ctx,
                purpose,
                &form.login,
                &form.code,
                &errors,
                false,
            ))?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

pub async fn reset_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    set_with_code(&state, ctx, CodePurpose::Reset, form).await
}

pub async fn claim(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    set_with_code(&state, ctx, CodePurpose::Claim, form).await
}

#[derive(Template)]
#[template(path = "identity/verify.html")]
struct VerifyPage {
    ctx: Ctx,
    enterprise: bool,
    fields: Vec<FormField>,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
    id_checked: bool,
    id_checked_error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct VerifyForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    id_checked: Option<String>,
}

fn verify_page(ctx: Ctx, form: &VerifyForm, errors: &ValidationErrors) -> VerifyPage {
    let enterprise = form.kind == "enterprise";
    let fields = vec![
        FormField::new(
            "id_number",
            if enterprise {
                "统一社会信用代码"
            } else {
                "身份证号码"
            },
        )
        .with(&form.id_number, errors),
        FormField::new("name", if enterprise { "企业名称" } else { "姓名" })
            .hint("按证件原件填写")
            .with(&form.name, errors),
        FormField {
            required: false,
            ..FormField::new("phone", "手机号码")
                .kind("tel")
                .inputmode("numeric")
                .hint(
                    "申请人本人的手机，用于接收验证码。收回他人注册的账号时，原登记的号码一律作废",
                )
                .with(&form.phone, errors)
        },
    ];
    // The checkbox is not a text field, but its error belongs in the summary too.
    let mut summary = with_errors(&fields);
    summary.extend(with_errors(&[
        FormField::new("id_checked", "核验证件原件").with("", errors)
    ]));
    let id_checked_error = errors
        .errors
        .iter()
        .find(|e| e.field == "id_checked")
        .map(|e| e.message.clone());
    let form_error = errors
        .errors
        .iter()
        .find(|e| e.field == "kind")
        .map(|e| e.message.clone());
    VerifyPage {
        ctx,
        enterprise,
        fields_with_errors: summary,
        fields,
        form_error,
        id_checked: form.id_checked.is_some(),
        id_checked_error,
    }
}

pub async fn verify_form(
    ctx: Ctx,
    Query(q): Query<crate::pages::account::KindQuery>,
) -> Result<Response, WebError> {
    let form = VerifyForm {
        kind: q.kind.unwrap_or_default(),
        ..Default::default()
    };
    render(&verify_page(ctx, &form, &ValidationErrors::new()))
}

#[derive(Template)]
#[template(path = "identity/slip.html")]
struct SlipPage {
    ctx: Ctx,
    name: String,
    login_masked: String,
    level: &'static str,
    created: bool,
    reclaimed: bool,
    claim_code: Option<String>,
    valid_until: String,
    claim_url: String,
}

pub async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(form): Form<VerifyForm>,
) -> Result<Response, WebError> {
    let check = tongban_app::identity::IdentityCheck {
        kind: form.kind.clone(),
        id_number: form.id_number.clone(),
        name: form.name.clone(),
        phone: form.phone.clone(),
        id_checked: form.id_checked.is_some(),
    };
    match tongban_app::identity::verify_at_window(&state, &current, &check)
        .await
        .map_err(WebError::from)
    {
        Ok(v) => {
            let mut res = render(&SlipPage {
                name: v.account.name.clone(),
                login_masked: mask_id_number(&v.account.login),
                level: v.account.assurance.label(),
                created: v.created,
                reclaimed: v.reclaimed,
                valid_until: local_time(state.clock.now() + CodePurpose::Claim.lifetime()),
                claim_url: crate::page::absolute_url(&state, "/account/claim"),
                claim_code: v.claim_code,
                ctx,
            })?;
            // The slip carries a one-time code: never kept by a cache.
            res.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(res)
        }
        Err(WebError::Validation(errors)) => {
            let mut res = render(&verify_page(ctx, &form, &errors))?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}
