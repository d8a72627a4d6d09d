//! Identity: verifying a person at a window, resetting a password by SMS code and claiming
//! an account with the slip a window printed (issue 11).

use tongban_domain::identity::CodePurpose;

use super::*;

/// A person identified at a window from their original document.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IdentityCheckBody {
    /// `citizen` (resident ID) or `enterprise` (credit code).
    #[serde(default)]
    #[schema(required)]
    pub kind: String,
    /// The number on the document.
    #[serde(default)]
    #[schema(required)]
    pub id_number: String,
    /// The name on the document.
    #[serde(default)]
    #[schema(required)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    /// The clerk saw the original document (must be true).
    #[serde(default)]
    #[schema(required)]
    pub id_checked: bool,
}

impl From<&IdentityCheckBody> for tongban_app::identity::IdentityCheck {
    fn from(b: &IdentityCheckBody) -> Self {
        Self {
            kind: b.kind.clone(),
            id_number: b.id_number.clone(),
            name: b.name.clone(),
            phone: b.phone.clone(),
            id_checked: b.id_checked,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityVerified {
    account: AccountView,
    /// The account was registered now.
    created: bool,
    /// A self-registration under this number with another name was taken back.
    reclaimed: bool,
    /// The one-time claim code to print for the person, when they have no password yet
    /// (valid 7 days, 5 tries).
    claim_code: Option<String>,
}

/// Verify a person's identity at a window (window staff).
#[utoipa::path(post, path = "/api/v1/identity-verifications", request_body = IdentityCheckBody,
    tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "已核验", body = IdentityVerified),
        (status = 401, description = "未登录", content_type = "application/problem+json"),
        (status = 403, description = "仅窗口工作人员", content_type = "application/problem+json"),
        (status = 422, description = "字段校验失败或姓名与已核验账号不一致", content_type = "application/problem+json"),
    ))]
pub async fn verify_identity(
    State(state): State<AppState>,
    current: Current,
    ApiJson(body): ApiJson<IdentityCheckBody>,
) -> Result<Json<IdentityVerified>, WebError> {
    let v = tongban_app::identity::verify_at_window(&state, &current, &(&body).into()).await?;
    Ok(Json(IdentityVerified {
        account: AccountView::from(&v.account),
        created: v.created,
        reclaimed: v.reclaimed,
        claim_code: v.claim_code,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetRequestBody {
    /// ID number or credit code.
    #[serde(default)]
    #[schema(required)]
    pub login: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    detail: &'static str,
}

/// The answer to every code request, whether or not the account exists.
pub const RESET_SENT: &str = "如该账号存在且登记了手机号码，验证码已发送至该手机，10 分钟内有效。\
     如未收到，请 15 分钟后再试（为防冒用，获取次数有限），或携带身份证件到任一窗口办理。";

/// Ask for a password-reset code by SMS. The answer never says whether the account exists.
#[utoipa::path(post, path = "/api/v1/password-resets", request_body = ResetRequestBody,
    tag = "accounts",
    responses(
        (status = 202, description = "已受理（账号存在与否答复相同）", body = Accepted),
        (status = 422, description = "未填写账号", content_type = "application/problem+json"),
    ))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<ResetRequestBody>,
) -> Result<Response, WebError> {
    tongban_app::identity::request_reset(&state, &body.login, &client_address(&state, &parts))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { detail: RESET_SENT })).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CodePasswordBody {
    /// ID number or credit code.
    #[serde(default)]
    #[schema(required)]
    pub login: String,
    /// The SMS code (reset) or the printed claim code (claim).
    #[serde(default)]
    #[schema(required)]
    pub code: String,
    /// The new password: at least 8 characters with letters and digits.
    #[serde(default)]
    #[schema(required)]
    pub password: String,
}

async fn set_with_code(
    state: &AppState,
    purpose: CodePurpose,
    body: &CodePasswordBody,
) -> Result<StatusCode, WebError> {
    tongban_app::identity::set_password_with_code(
        state,
        purpose,
        &body.login,
        &body.code,
        &body.password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set a new password with the SMS code; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/password-resets/confirm", request_body = CodePasswordBody,
    tag = "accounts",
    responses(
        (status = 204, description = "密码已重设"),
        (status = 422, description = "验证码不正确或已失效，或密码不符合要求", content_type = "application/problem+json"),
    ))]
pub async fn confirm_password_reset(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CodePasswordBody>,
) -> Result<StatusCode, WebError> {
    set_with_code(&state, CodePurpose::Reset, &body).await
}

/// Claim an account registered at a window with the printed claim code, setting its password.
#[utoipa::path(post, path = "/api/v1/account-claims", request_body = CodePasswordBody,
    tag = "accounts",
    responses(
        (status = 204, description = "账号已认领"),
        (status = 422, description = "认领码不正确或已失效，或密码不符合要求", content_type = "application/problem+json"),
    ))]
pub async fn claim_account(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CodePasswordBody>,
) -> Result<StatusCode, WebError> {
    set_with_code(&state, CodePurpose::Claim, &body).await
}
