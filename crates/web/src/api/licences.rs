//! The licence library: seal keys, verification, the licence catalog, imports, the wallet and presentations.

use super::*;

#[derive(Debug, Serialize, ToSchema)]
pub struct SealKeyView {
    key_id: String,
    /// The department's unit code (`PLATFORM` for the platform's own seal).
    org_code: String,
    /// `SM2-SM3`.
    algorithm: String,
    /// The signer ID used in Z_A (GM/T 0009 default).
    distinguishing_id: String,
    /// Uncompressed SEC1 public key (`04 || X || Y`), hex.
    public_key: String,
    created_at: String,
    /// Set once rotated out; licences it sealed still verify.
    retired_at: Option<String>,
}

/// Every published seal key, current and rotated-out: what a verifier needs to check
/// licences and presentation codes offline.
#[utoipa::path(get, path = "/api/v1/seals", tag = "licences",
    responses((status = 200, body = [SealKeyView])))]
pub async fn list_seals(State(state): State<AppState>) -> Result<Json<Vec<SealKeyView>>, WebError> {
    Ok(Json(
        tongban_app::licences::seal_keys(&state)
            .await?
            .into_iter()
            .map(|k| SealKeyView {
                key_id: k.key_id,
                org_code: k.org_code,
                algorithm: tongban_domain::seal::ALGORITHM.to_owned(),
                distinguishing_id: tongban_domain::seal::DIST_ID.to_owned(),
                public_key: k.public_key,
                created_at: k.created_at.to_rfc3339(),
                retired_at: k.retired_at.map(|t| t.to_rfc3339()),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyBody {
    /// The presentation code's payload (what follows `/v/` in the link), or a compact code
    /// (`TB1:…`, what the QR code holds).
    #[serde(default)]
    #[schema(required)]
    payload: String,
}

/// Check a licence presentation (亮证码): both seals against the published keys, the
/// presentation's deadline, and the library's revocations. No login needed.
#[utoipa::path(post, path = "/api/v1/licenses/verify", tag = "licences", request_body = VerifyBody,
    responses(
        (status = 200, body = VerifyView),
        (status = 400, description = "不是可读的亮证码", content_type = "application/problem+json"),
    ))]
pub async fn verify_license(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<VerifyBody>,
) -> Result<Json<VerifyView>, WebError> {
    let payload = body
        .payload
        .rsplit_once("/v/")
        .map(|(_, p)| p)
        .unwrap_or(&body.payload);
    Ok(Json(
        tongban_app::licences::verify_payload(&state, payload)
            .await?
            .into(),
    ))
}

/// What a verifier is told about a presentation.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyView {
    pub valid: bool,
    /// `valid`, `expired`, `revoked`, `forged` or `presentation_expired`.
    pub status: String,
    /// The standard's status code: 01 有效, 03 撤销, 05 失效, 99 其他.
    pub status_code: String,
    pub status_label: String,
    /// The issuing body, when the seal verified.
    pub issuer: Option<String>,
    pub licence_name: Option<String>,
    pub identifier: Option<String>,
    /// The holder's name and number, masked.
    pub holder: Option<String>,
    pub valid_until: Option<String>,
    pub presented_until: Option<String>,
    /// A 行业综合许可证's permits, each with its own standing (`status` as above).
    pub permits: Vec<PermitView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermitView {
    pub name: String,
    pub identifier: String,
    pub status: String,
    pub status_label: String,
}

impl From<tongban_app::licences::VerifyOutcome> for VerifyView {
    fn from(o: tongban_app::licences::VerifyOutcome) -> Self {
        VerifyView {
            valid: o.valid,
            status: o.status,
            status_code: o.status_code,
            status_label: o.status_label,
            issuer: o.issuer,
            licence_name: o.licence_name,
            identifier: o.identifier,
            holder: o.holder,
            valid_until: o.valid_until,
            presented_until: o.presented_until,
            permits: o
                .permits
                .into_iter()
                .map(|p| PermitView {
                    name: p.name,
                    identifier: p.identifier,
                    status: p.status,
                    status_label: p.status_label,
                })
                .collect(),
        }
    }
}

/// The licence catalog (证照目录): every type the library knows.
#[utoipa::path(get, path = "/api/v1/license-types", tag = "licences",
    responses((status = 200, description = "证照类型列表", body = [Object])))]
pub async fn list_license_types(
    State(state): State<AppState>,
) -> Result<Json<Vec<tongban_domain::licence::LicenceType>>, WebError> {
    Ok(Json(tongban_app::licences::types(&state).await?))
}

/// Define or update a licence type, e.g. one issued elsewhere that applicants commonly need
/// (居民身份证, 营业执照). For integrating systems with a bureau administrator's token.
#[utoipa::path(post, path = "/api/v1/license-types", tag = "licences",
    request_body(content = Object, description = "{code, name, issuer_org?, issuer_name, holder_kind: person|organisation, fields: [{key,label}], validity_years}"),
    responses((status = 201, description = "已保存"), (status = 422, description = "字段校验失败", content_type = "application/problem+json")))]
pub async fn put_license_type(
    State(state): State<AppState>,
    current: Current,
    ApiJson(ty): ApiJson<tongban_domain::licence::LicenceType>,
) -> Result<Response, WebError> {
    tongban_app::licences::put_type(&state, &current, &ty).await?;
    Ok((StatusCode::CREATED, Json(ty)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LicenseImport {
    /// The licence type's code (must be in the catalog).
    #[serde(default)]
    type_code: String,
    #[serde(default)]
    holder_name: String,
    /// Resident ID number or unified social credit code, by the type's holder kind.
    #[serde(default)]
    holder_id: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    fields: std::collections::BTreeMap<String, String>,
}

/// Import a licence another system issued; the platform seals it as received so that
/// applicants can reuse it (免提交).
#[utoipa::path(post, path = "/api/v1/licenses", tag = "licences", request_body = LicenseImport,
    responses((status = 201, description = "已入库，返回带签章的证照", body = Object),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json")))]
pub async fn import_license(
    State(state): State<AppState>,
    current: Current,
    ApiJson(body): ApiJson<LicenseImport>,
) -> Result<Response, WebError> {
    use tongban_domain::licence::HolderKind;
    let cap = current.principal.capability(Permission::ManageLicences)?;
    let mut e = tongban_domain::ValidationErrors::new();
    let types = tongban_app::licences::types(&state).await?;
    let ty = types.iter().find(|t| t.code == body.type_code);
    if ty.is_none() {
        e.add("type_code", "unknown", "证照目录中没有这一证照类型");
    }
    let name = e.check(
        "holder_name",
        tongban_domain::validation::required_text(&body.holder_name, 100),
    );
    let holder_id = match ty.map(|t| t.holder_kind) {
        Some(HolderKind::Organisation) => e
            .check(
                "holder_id",
                tongban_domain::codes::CreditCode::parse(&body.holder_id),
            )
            .map(|c| c.as_str().to_owned()),
        _ => e
            .check(
                "holder_id",
                tongban_domain::codes::ResidentId::parse(&body.holder_id),
            )
            .map(|c| c.as_str().to_owned()),
    };
    let issued_on = chrono::NaiveDate::parse_from_str(&body.issued_on, "%Y-%m-%d").ok();
    if issued_on.is_none() {
        e.add("issued_on", "date", "发证日期格式应为 YYYY-MM-DD");
    }
    if body.fields.len() > 30
        || body
            .fields
            .iter()
            .any(|(k, v)| k.len() > 40 || v.chars().count() > 500)
    {
        e.add("fields", "too_large", "照面信息最多 30 项，每项 500 字以内");
    }
    e.into_result()?;
    let (Some(ty), Some(name), Some(holder_id), Some(issued_on)) = (ty, name, holder_id, issued_on)
    else {
        return Err(WebError::BadRequest("请求无效".into()));
    };
    let sealed = tongban_app::licences::import_licence(
        &state,
        cap.actor(),
        ty,
        tongban_app::licences::Imported {
            holder_name: name,
            holder_id,
            fields: body.fields,
            issued_on,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(sealed)).into_response())
}

/// The caller's own licences (卡包), sealed, with today's status.
#[utoipa::path(get, path = "/api/v1/me/licenses", tag = "licences",
    responses((status = 200, description = "[{licence, seal, status}]", body = [Object])))]
pub async fn my_licenses(
    State(state): State<AppState>,
    current: Current,
) -> Result<Json<Vec<serde_json::Value>>, WebError> {
    current
        .principal
        .capability(Permission::ApplicantSelfService)?;
    let account = current.account()?;
    Ok(Json(
        tongban_app::licences::wallet(&state, account)
            .await?
            .into_iter()
            .map(|(r, v)| {
                serde_json::json!({
                    "licence": r.sealed.licence,
                    "seal": r.sealed.seal,
                    "status": v.as_str(),
                    "status_code": v.status_code(),
                })
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PresentationView {
    /// Put in a QR code as `{base}/v/{payload}`, or POST to `/api/v1/licenses/verify`.
    payload: String,
    /// RFC 3339; the code is refused afterwards.
    until: String,
    /// The same presentation as a compact code for a QR code read at arm's length
    /// (`TB1:` + base45 of SM2-sealed CBOR, at most 500 characters, QR alphanumeric);
    /// POST it as `payload` to `/api/v1/licenses/verify`, or verify it offline.
    compact: String,
}

/// 亮证 from the mobile app: a presentation code for one of the caller's licences, valid for
/// a few minutes.
#[utoipa::path(post, path = "/api/v1/me/licenses/{identifier}/presentations", tag = "licences",
    params(("identifier" = String, Path, description = "GB/T 36904 证照标识")),
    responses((status = 201, body = PresentationView), (status = 404, description = "不存在或不是本人的证照"),
        (status = 409, description = "证照已撤销", content_type = "application/problem+json")))]
pub async fn present_license(
    State(state): State<AppState>,
    current: Current,
    axum::extract::Path(identifier): axum::extract::Path<String>,
) -> Result<Response, WebError> {
    let (_, p, compact) = tongban_app::licences::present_own(&state, &current, &identifier).await?;
    Ok((
        StatusCode::CREATED,
        Json(PresentationView {
            payload: p.encode(),
            until: p.until,
            compact,
        }),
    )
        .into_response())
}
