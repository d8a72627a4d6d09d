//! Registering, logging in and out, and who the token belongs to.

use super::*;

/// A registration: `kind` is `citizen` or `enterprise`. The registration page posts the same
/// fields as a form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterBody {
    /// `citizen` or `enterprise`.
    #[serde(default)]
    #[schema(required)]
    pub kind: String,
    #[serde(default)]
    #[schema(required)]
    pub name: String,
    /// Citizens: 18-character resident ID number (GB 11643).
    #[serde(default)]
    pub id_number: String,
    /// Enterprises: 18-character unified social credit code (GB 32100).
    #[serde(default)]
    pub credit_code: String,
    /// Enterprises: the legal representative's name.
    #[serde(default)]
    pub legal_representative: String,
    #[serde(default)]
    #[schema(required)]
    pub phone: String,
    #[serde(default)]
    #[schema(required)]
    pub password: String,
}

impl From<RegisterBody> for RegistrationInput {
    fn from(b: RegisterBody) -> Self {
        RegistrationInput {
            kind: b.kind,
            name: b.name,
            id_number: b.id_number,
            credit_code: b.credit_code,
            legal_representative: b.legal_representative,
            phone: b.phone,
            password: b.password,
        }
    }
}

/// An account as the API shows it; numbers are masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    id: String,
    /// `citizen`, `enterprise` or `staff`.
    kind: String,
    name: String,
    /// Masked ID number or credit code; the user name for staff.
    login: String,
    phone: Option<String>,
    role: Option<String>,
    org_unit: Option<String>,
    /// How far the identity is known: `self_registered`, `window_verified`,
    /// `provider_verified` or `legal_representative_verified`. Licences need a verified one.
    assurance: String,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> Self {
        AccountView {
            id: a.id.clone(),
            kind: a.kind.as_str().to_owned(),
            name: a.name.clone(),
            login: match a.kind {
                tongban_domain::account::AccountKind::Staff => a.login.clone(),
                _ => mask_id_number(&a.login),
            },
            phone: a.phone.as_deref().map(mask_phone),
            role: a.role.map(|r| r.as_str().to_owned()),
            org_unit: a.org_name.clone(),
            assurance: a.assurance.as_str().to_owned(),
        }
    }
}

/// Register a citizen or an enterprise.
#[utoipa::path(post, path = "/api/v1/accounts", request_body = RegisterBody, tag = "accounts",
    responses(
        (status = 201, description = "账户已创建", body = AccountView),
        (status = 422, description = "字段校验失败，errors 列出每个字段", content_type = "application/problem+json"),
        (status = 409, description = "证件号码已注册", content_type = "application/problem+json"),
    ))]
pub async fn register_account(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RegisterBody>,
) -> Result<Response, WebError> {
    let reg = Registration::parse(&RegistrationInput::from(body))?;
    let account = tongban_app::accounts::register(&state, reg).await?;
    Ok((StatusCode::CREATED, Json(AccountView::from(&account))).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SessionBody {
    /// ID number, credit code or staff user name.
    #[serde(default)]
    #[schema(required)]
    login: String,
    #[serde(default)]
    #[schema(required)]
    password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    token_type: &'static str,
    /// RFC 3339 UTC.
    expires_at: String,
    account: AccountView,
}

/// Log in and get a bearer token.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = SessionBody, tag = "sessions",
    responses(
        (status = 201, description = "已登录", body = SessionCreated),
        (status = 401, description = "账号或密码不正确", content_type = "application/problem+json"),
        (status = 429, description = "失败次数过多，稍后再试", content_type = "application/problem+json"),
    ))]
pub async fn create_session(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<SessionBody>,
) -> Result<Response, WebError> {
    let mut errors = tongban_domain::ValidationErrors::new();
    if body.login.trim().is_empty() {
        errors.add("login", "required", "请输入账号");
    }
    if body.password.is_empty() {
        errors.add("password", "required", "请输入密码");
    }
    errors.into_result()?;
    let (token, session, account) = tongban_app::accounts::log_in(
        &state,
        &body.login,
        &body.password,
        &client_address(&state, &parts),
        SessionKind::Bearer,
        "移动端/接口",
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(SessionCreated {
            token,
            token_type: "Bearer",
            expires_at: session.expires_at.to_rfc3339(),
            account: AccountView::from(&account),
        }),
    )
        .into_response())
}

/// Revoke the bearer token used for this request.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "sessions",
    responses((status = 204, description = "已注销"), (status = 401, description = "未登录")))]
pub async fn delete_current_session(
    State(state): State<AppState>,
    current: Current,
) -> Result<StatusCode, WebError> {
    let session = current.session.as_ref().ok_or(WebError::Unauthorized)?;
    tongban_app::accounts::revoke_session(&state, &current, &session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account behind the token.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = AccountView), (status = 401, description = "未登录")))]
pub async fn me(current: Current) -> Result<Json<AccountView>, WebError> {
    Ok(Json(AccountView::from(current.account()?)))
}
