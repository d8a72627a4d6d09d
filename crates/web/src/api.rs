//! The JSON API under `/api/v1`, for the mobile app and integrating systems. Errors are
//! RFC 9457 problem+json (see `error.rs`); the OpenAPI document is generated from these
//! handlers' annotations and served at `/api/openapi.json`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tongban_domain::account::{Registration, RegistrationInput};
use tongban_domain::authz::{Permission, allows};
use tongban_domain::mask::{mask_id_number, mask_phone};
use tongban_domain::org::OrgUnit;
use tongban_store::{Account, SessionKind};
use utoipa::{OpenApi, ToSchema};

use crate::auth::{Current, client_address};
use crate::{AppState, WebError};

/// `Json<T>` whose rejections are problem+json in Chinese.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(WebError::BadRequest(
                "请求须为 JSON（Content-Type: application/json）".into(),
            )),
            Err(JsonRejection::JsonSyntaxError(_)) => {
                Err(WebError::BadRequest("JSON 格式错误".into()))
            }
            Err(JsonRejection::JsonDataError(e)) => Err(WebError::BadRequest(format!(
                "JSON 字段类型不正确：{}",
                e.body_text()
            ))),
            Err(e) => Err(WebError::BadRequest(format!(
                "请求无法读取：{}",
                e.body_text()
            ))),
        }
    }
}

/// A registration: `kind` is `citizen` or `enterprise`. The registration page posts the same
/// fields as a form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterBody {
    /// `citizen` or `enterprise`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
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
    pub phone: String,
    #[serde(default)]
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
    login: String,
    #[serde(default)]
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

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgUnitView {
    code: String,
    name: String,
    /// `government`, `department`, `town` or `village`.
    kind: String,
    /// `district`, `town` or `village`.
    level: String,
    parent_code: Option<String>,
    credit_code: Option<String>,
}

/// The three-level organisation.
#[utoipa::path(get, path = "/api/v1/org-units", tag = "organisation",
    responses((status = 200, body = Vec<OrgUnitView>)))]
pub async fn list_org_units(
    State(state): State<AppState>,
) -> Result<Json<Vec<OrgUnitView>>, WebError> {
    let units = tongban_app::org::units(&state).await?;
    let code_of = |id: &Option<String>| -> Option<String> {
        id.as_ref()
            .and_then(|id| units.iter().find(|u| &u.id == id))
            .map(|u: &OrgUnit| u.code.clone())
    };
    Ok(Json(
        units
            .iter()
            .map(|u| OrgUnitView {
                code: u.code.clone(),
                name: u.name.clone(),
                kind: u.kind.as_str().to_owned(),
                level: u.level().as_str().to_owned(),
                parent_code: code_of(&u.parent_id),
                credit_code: u.credit_code.clone(),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoursView {
    /// ISO weekdays, 1 = Monday.
    weekdays: Vec<u8>,
    opens: String,
    closes: String,
    /// `regular`, `extended` (延时) or `staggered` (错时).
    kind: String,
    note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WindowView {
    number: String,
    name: String,
    /// `comprehensive`, `escalation`, `assistance` or `enterprise`.
    kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HallView {
    name: String,
    /// `district_centre`, `town_centre` or `village_point`.
    kind: String,
    org_unit: String,
    address: String,
    phone: String,
    hours: Vec<HoursView>,
    windows: Vec<WindowView>,
}

/// Service halls with opening hours and windows.
#[utoipa::path(get, path = "/api/v1/halls", tag = "organisation",
    responses((status = 200, body = Vec<HallView>)))]
pub async fn list_halls(State(state): State<AppState>) -> Result<Json<Vec<HallView>>, WebError> {
    let halls = tongban_app::org::halls(&state, &[]).await?;
    Ok(Json(
        halls
            .into_iter()
            .map(|h| HallView {
                name: h.name,
                kind: h.kind.as_str().to_owned(),
                org_unit: h.org_name,
                address: h.address,
                phone: h.phone,
                hours: h
                    .hours
                    .into_iter()
                    .map(|(p, note)| HoursView {
                        opens: p.opens.format("%H:%M").to_string(),
                        closes: p.closes.format("%H:%M").to_string(),
                        kind: p.kind.as_str().to_owned(),
                        weekdays: p.weekdays,
                        note,
                    })
                    .collect(),
                windows: h
                    .windows
                    .into_iter()
                    .map(|w| WindowView {
                        number: w.number,
                        name: w.name,
                        kind: w.kind.as_str().to_owned(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// One published item in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemSummary {
    /// 31-character implementation code.
    implementation_code: String,
    /// 12-character basic code.
    catalog_code: String,
    name: String,
    /// Implementing department's name.
    department: String,
    department_code: String,
    /// 事项类型 label, e.g. 行政许可.
    kind: String,
    /// 事项类型 national code, e.g. `01`.
    kind_code: String,
    /// Days; see `limit_unit`.
    statutory_limit: u32,
    promised_limit: u32,
    /// 工作日 or 自然日.
    limit_unit: String,
    audiences: Vec<String>,
    /// `district`, `town`, `village`.
    levels: Vec<String>,
    fully_online: bool,
    visits_required: u8,
}

impl From<&tongban_domain::catalog::ServiceItem> for ItemSummary {
    fn from(i: &tongban_domain::catalog::ServiceItem) -> Self {
        ItemSummary {
            implementation_code: i.implementation_code.clone(),
            catalog_code: i.catalog_code.clone(),
            name: i.name.clone(),
            department: i.org_name.clone(),
            department_code: i.org_code.clone(),
            kind: i.kind.label().to_owned(),
            kind_code: i.kind.code().to_owned(),
            statutory_limit: i.statutory_limit.days,
            promised_limit: i.promised_limit.days,
            limit_unit: i.promised_limit.unit.label().to_owned(),
            audiences: i.audiences.iter().map(|a| a.label().to_owned()).collect(),
            levels: i.levels.iter().map(|l| l.as_str().to_owned()).collect(),
            fully_online: i.fully_online,
            visits_required: i.visits_required,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemsPage {
    items: Vec<ItemSummary>,
    total: usize,
    page: usize,
    per_page: usize,
}

/// Search and browse published items. `q` accepts Chinese words, pinyin or pinyin
/// initials; `audience` is `person` or `organisation`; `department` an org-unit code;
/// `level` `district`, `town` or `village`.
#[utoipa::path(get, path = "/api/v1/items", tag = "catalog",
    params(
        ("q" = Option<String>, Query, description = "关键词、拼音或拼音首字母"),
        ("audience" = Option<String>, Query, description = "person / organisation"),
        ("department" = Option<String>, Query, description = "实施部门编码，如 D-SJJ"),
        ("level" = Option<String>, Query, description = "district / town / village"),
        ("theme" = Option<String>, Query, description = "主题或人生大事"),
        ("page" = Option<usize>, Query, description = "页码，从 1 开始"),
    ),
    responses((status = 200, body = ItemsPage)))]
pub async fn list_items(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<crate::pages::guide::GuideQuery>,
) -> Result<Json<ItemsPage>, WebError> {
    let per_page = crate::pages::guide::PER_PAGE;
    let result = state
        .catalog
        .get()
        .search(&q.to_search(per_page))
        .map_err(WebError::internal)?;
    Ok(Json(ItemsPage {
        items: result
            .items
            .iter()
            .map(|i| ItemSummary::from(i.as_ref()))
            .collect(),
        total: result.total,
        page: q.page.unwrap_or(1).max(1),
        per_page,
    }))
}

/// One published item's whole implementation list.
#[utoipa::path(get, path = "/api/v1/items/{implementation_code}", tag = "catalog",
    params(("implementation_code" = String, Path, description = "31 位实施编码")),
    responses(
        (status = 200, description = "实施清单全部要素", body = Object),
        (status = 404, description = "未发布或不存在", content_type = "application/problem+json"),
    ))]
pub async fn get_item(
    State(state): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<Json<tongban_domain::catalog::ServiceItem>, WebError> {
    let item = state.catalog.get().get(&code).ok_or(WebError::NotFound)?;
    Ok(Json(item.as_ref().clone()))
}

#[derive(Debug, Deserialize)]
pub struct AddWorkingDaysQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    days: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingDate {
    /// YYYY-MM-DD.
    date: String,
    /// False when the State Council arrangement for the due date's year is not yet entered,
    /// so only weekends were skipped.
    arrangement_known: bool,
}

/// The date N working days after `from` on the statutory-holiday calendar (day 1 is the
/// first working day after `from`; 0 is `from` itself).
#[utoipa::path(get, path = "/api/v1/calendar/add-working-days", tag = "calendar",
    params(
        ("from" = String, Query, description = "起算日 YYYY-MM-DD"),
        ("days" = u32, Query, description = "工作日数，0 至 3650"),
    ),
    responses(
        (status = 200, body = WorkingDate),
        (status = 422, description = "参数有误", content_type = "application/problem+json"),
    ))]
pub async fn add_working_days(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<AddWorkingDaysQuery>,
) -> Result<Json<WorkingDate>, WebError> {
    let mut errors = tongban_domain::ValidationErrors::new();
    let from = chrono::NaiveDate::parse_from_str(q.from.trim(), "%Y-%m-%d").ok();
    if from.is_none() {
        errors.add(
            "from",
            "format",
            "起算日格式应为 YYYY-MM-DD，例如 2026-11-27",
        );
    }
    let days = q.days.trim().parse::<u32>().ok().filter(|d| *d <= 3650);
    if days.is_none() {
        errors.add("days", "range", "工作日数应为 0 至 3650 之间的整数");
    }
    errors.into_result()?;
    let (Some(from), Some(days)) = (from, days) else {
        return Err(WebError::BadRequest("参数有误".into()));
    };
    let cal = state.calendar.get();
    let due = cal.add_working_days(from, days);
    Ok(Json(WorkingDate {
        date: due.format("%Y-%m-%d").to_string(),
        arrangement_known: cal.covers(chrono::Datelike::year(&due)),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MaterialUpload {
    /// The material's name as the item lists it, e.g. 营业执照.
    #[serde(default)]
    name: String,
    #[serde(default)]
    filename: String,
    /// The file, base64-encoded: PDF, JPEG, PNG or OFD, at most 10 MB.
    #[serde(default)]
    content_base64: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CaseBody {
    #[serde(default)]
    implementation_code: String,
    /// One of the item's 办事情形, when it has any.
    #[serde(default)]
    situation: String,
    /// The item's form fields.
    #[serde(default)]
    #[schema(value_type = Object)]
    form: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    materials: Vec<MaterialUpload>,
    /// The applicant signs the item's commitment text (告知承诺), where the item offers it.
    #[serde(default)]
    commitment_signed: bool,
    /// Window intake only (a clerk's token): the person applying, whose identity document
    /// the clerk checked (`id_checked`), and how they are helped (`mode`: `in_person`,
    /// `assisted` or `proxy` with `agent_name`, `agent_id`, `relationship`; `consent`).
    #[serde(default)]
    applicant: Option<crate::window_fields::WindowFields>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseCreated {
    /// 43-character case number.
    case_no: String,
    status: String,
    /// YYYY-MM-DD, counted in working days from the submission day; recounted on acceptance.
    statutory_due: String,
    promised_due: String,
}

/// The API's materials (base64 in JSON) as uploads; undecodable content is reported by
/// field and left out.
fn decode_uploads(
    materials: Vec<MaterialUpload>,
    errors: &mut tongban_domain::ValidationErrors,
) -> Vec<tongban_app::cases::Upload> {
    use base64::Engine;
    materials
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let bytes =
                match base64::engine::general_purpose::STANDARD.decode(m.content_base64.trim()) {
                    Ok(b) => Some(b),
                    Err(_) => {
                        errors.add(
                            &format!("materials[{i}].content_base64"),
                            "base64",
                            "文件内容不是有效的 Base64 编码",
                        );
                        None
                    }
                };
            tongban_app::cases::Upload {
                field: format!("materials[{i}]"),
                content_field: format!("materials[{i}].content_base64"),
                name: m.name,
                filename: m.filename,
                bytes,
            }
        })
        .collect()
}

/// Apply for a published item (一网通办). Send an `Idempotency-Key` header: a retry with the
/// same key returns the case already recorded instead of a second one.
#[utoipa::path(post, path = "/api/v1/cases", request_body = CaseBody, tag = "cases",
    params(("Idempotency-Key" = Option<String>, Header, description = "同一申请重试时保持不变")),
    responses(
        (status = 201, description = "已提交", body = CaseCreated),
        (status = 200, description = "同一 Idempotency-Key 已提交过，返回原办件", body = CaseCreated),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json"),
    ))]
pub async fn submit_case(
    State(state): State<AppState>,
    current: Current,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<CaseBody>,
) -> Result<Response, WebError> {
    let mut errors = tongban_domain::ValidationErrors::new();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned);
    let uploads = decode_uploads(body.materials, &mut errors);
    let on_behalf = match &body.applicant {
        Some(w) => Some(tongban_app::cases::window_applicant(&state, &current, w.form()).await?),
        None if allows(&current.principal, Permission::HandleIntake) => {
            errors.add(
                "applicant",
                "required",
                "窗口收件须提供申请人信息（证件号码、姓名、核验情况、办理方式）",
            );
            return Err(errors.into());
        }
        None => None,
    };
    let (case, created) = tongban_app::cases::submit(
        &state,
        &current,
        tongban_app::cases::Submission {
            implementation_code: body.implementation_code,
            situation: body.situation,
            form: serde_json::to_string(&body.form).unwrap_or_else(|_| "{}".into()),
            uploads,
            idempotency_key: key,
            commitment_signed: body.commitment_signed,
            on_behalf,
        },
        errors,
    )
    .await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(CaseCreated {
            case_no: case.case_no,
            status: case.status,
            statutory_due: case.statutory_due,
            promised_due: case.promised_due,
        }),
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventView {
    at: String,
    action: String,
    status: String,
    detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseMaterialView {
    name: String,
    filename: String,
    content_type: String,
    sha256: String,
    size: i64,
    /// 免提交: the identifier of the applicant's licence that stands for this material.
    waived_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    case_no: String,
    status: String,
    status_label: String,
    implementation_code: String,
    item_name: String,
    department: String,
    situation: String,
    channel: String,
    submitted_at: String,
    statutory_due: String,
    promised_due: String,
    /// Materials owed under 容缺受理, and by when.
    deficiency_owed: Vec<String>,
    deficiency_due: Option<String>,
    /// Approved (`true`), denied (`false`), or not decided yet.
    decision: Option<bool>,
    /// The due date of an open commitment verification (告知承诺核查).
    verification_due: Option<String>,
    events: Vec<CaseEventView>,
    materials: Vec<CaseMaterialView>,
}

/// A case, for its applicant or for staff whose scope covers the handling department.
#[utoipa::path(get, path = "/api/v1/cases/{case_no}", tag = "cases",
    params(("case_no" = String, Path, description = "43 位办件编号")),
    responses((status = 200, body = CaseView), (status = 404, description = "不存在或无权查看")))]
pub async fn get_case(
    State(state): State<AppState>,
    current: Current,
    axum::extract::Path(case_no): axum::extract::Path<String>,
) -> Result<Json<CaseView>, WebError> {
    let tongban_app::cases::CaseView {
        case,
        events,
        materials,
    } = tongban_app::cases::view(&state, &current, &case_no).await?;
    let label = tongban_domain::case::CaseStatus::parse(&case.status)
        .map(|s| s.label())
        .unwrap_or_default()
        .to_owned();
    Ok(Json(CaseView {
        status_label: label,
        deficiency_owed: case.progress.deficiency_outstanding.clone(),
        deficiency_due: case.deficiency_due.clone(),
        decision: case.progress.decision,
        verification_due: case.verification_due.clone(),
        events: events
            .into_iter()
            .map(|e| CaseEventView {
                at: e.at.to_rfc3339(),
                action: e.action,
                status: e.status_after,
                detail: e.detail,
            })
            .collect(),
        materials: materials
            .into_iter()
            .map(|m| CaseMaterialView {
                name: m.name,
                filename: m.filename,
                content_type: m.content_type,
                sha256: m.sha256,
                size: m.size,
                waived_by: m.waived_by,
            })
            .collect(),
        case_no: case.case_no,
        status: case.status,
        implementation_code: case.implementation_code,
        item_name: case.item_name,
        department: case.org_name,
        situation: case.situation,
        channel: case.channel,
        submitted_at: case.submitted_at.to_rfc3339(),
        statutory_due: case.statutory_due,
        promised_due: case.promised_due,
    }))
}

/// Take an action on a case: `{"action": "accept"}`, `{"action": "issue_notice", "items":
/// […]}`, `{"action": "refuse", "reason": …}`, `{"action": "supply"}`, `{"action":
/// "start_review"}`, `{"action": "decide", "approve": true}`, `{"action": "conclude"}`,
/// `{"action": "deliver"}`, `{"action": "withdraw", "reason": …}` and the others of the
/// case state machine. `supply` and `supply_deficiency` may carry `"materials": [{"name",
/// "filename", "content_base64"}]`, stored in the same transaction as the step. Who may take
/// which action follows the permission table: applicants their own cases, window clerks
/// intake anywhere, reviewers their department's cases.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/actions", tag = "cases",
    params(("case_no" = String, Path, description = "43 位办件编号")),
    request_body(content = Object, description = "{\"action\": …} 及其参数"),
    responses(
        (status = 200, body = CaseView),
        (status = 409, description = "当前状态不能进行该操作", content_type = "application/problem+json"),
    ))]
pub async fn act_on_case(
    State(state): State<AppState>,
    current: Current,
    axum::extract::Path(case_no): axum::extract::Path<String>,
    ApiJson(mut body): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<Json<CaseView>, WebError> {
    let mut errors = tongban_domain::ValidationErrors::new();
    let materials: Vec<MaterialUpload> = match body.remove("materials") {
        Some(v) => serde_json::from_value(v)
            .map_err(|e| WebError::BadRequest(format!("materials 格式不正确：{e}")))?,
        None => Vec::new(),
    };
    let action: tongban_domain::case::CaseAction =
        serde_json::from_value(serde_json::Value::Object(body))
            .map_err(|e| WebError::BadRequest(format!("未知的操作或参数不正确：{e}")))?;
    let uploads = decode_uploads(materials, &mut errors);
    let materials = tongban_app::cases::check_uploads(uploads, &mut errors);
    errors.into_result()?;
    tongban_app::cases::act(&state, &current, &case_no, action, &materials).await?;
    get_case(State(state), current, axum::extract::Path(case_no)).await
}

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
    /// The presentation code's payload (what follows `/v/` in the QR link).
    #[serde(default)]
    payload: String,
}

/// Check a licence presentation (亮证码): both seals against the published keys, the
/// presentation's deadline, and the library's revocations. No login needed.
#[utoipa::path(post, path = "/api/v1/licenses/verify", tag = "licences", request_body = VerifyBody,
    responses((status = 200, body = VerifyView)))]
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
        }
    }
}

/// The licence catalog (证照目录): every type the library knows.
#[utoipa::path(get, path = "/api/v1/license-types", tag = "licences",
    responses((status = 200, description = "证照类型列表", body = Object)))]
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
    responses((status = 200, description = "[{licence, seal, status}]", body = Object)))]
pub async fn my_licenses(
    State(state): State<AppState>,
    current: Current,
) -> Result<Json<Vec<serde_json::Value>>, WebError> {
    current
        .principal
        .capability(Permission::ApplicantSelfService)?;
    let account = current.account()?;
    Ok(Json(
        tongban_app::licences::wallet(&state, &account.login)
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
    let (_, p) = tongban_app::licences::present_own(&state, &current, &identifier).await?;
    Ok((
        StatusCode::CREATED,
        Json(PresentationView {
            payload: p.encode(),
            until: p.until,
        }),
    )
        .into_response())
}

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, WebError> {
    tongban_app::org::ready(&state).await?;
    Ok("ready")
}

#[derive(OpenApi)]
#[openapi(
    info(title = "通办 Tongban API", description = "红寺堡区一体化政务服务平台接口。错误为 RFC 9457 application/problem+json，含稳定的 code 与中文 detail。"),
    paths(register_account, create_session, delete_current_session, me, list_org_units, list_halls, list_items, get_item, add_working_days, submit_case, get_case, act_on_case, list_seals, verify_license, list_license_types, put_license_type, import_license, my_licenses, present_license),
    components(schemas(RegisterBody, AccountView, SessionBody, SessionCreated, OrgUnitView, HallView, HoursView, WindowView, ItemSummary, ItemsPage, WorkingDate, CaseBody, MaterialUpload, CaseCreated, CaseView, CaseEventView, CaseMaterialView, SealKeyView, VerifyBody, VerifyView, LicenseImport, PresentationView, crate::window_fields::WindowFields)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The OpenAPI document as JSON text.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".into())
}

pub async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
        .into_response()
}
