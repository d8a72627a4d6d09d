//! Applying, a case with its timeline and materials, and the steps taken on it.

use super::*;

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

/// The `Idempotency-Key` header, trimmed; `None` when absent or blank.
pub(super) fn idempotency_key(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
}

/// The API's materials (base64 in JSON) as uploads; undecodable content is reported by
/// field and left out.
pub(super) fn decode_uploads(
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
    let key = idempotency_key(&headers);
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
            keep_draft: false,
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
            status: case.status.as_str().to_owned(),
            statutory_due: case.statutory_due.to_string(),
            promised_due: case.promised_due.to_string(),
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
    /// The material's id within the case, for `url`.
    id: String,
    name: String,
    filename: String,
    content_type: String,
    sha256: String,
    size: i64,
    /// 免提交: the identifier of the applicant's licence that stands for this material.
    waived_by: Option<String>,
    /// The desk's check: `unchecked`, `passed` (合格) or `failed` (不合格, see `note`).
    status: String,
    note: String,
    /// Where the bytes are: `GET` it with the same credentials.
    url: String,
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
    let view = tongban_app::cases::view(&state, &current, &case_no).await?;
    Ok(Json(case_view(view)))
}

/// The JSON of a case, as `get_case` and every step answer it.
fn case_view(view: tongban_app::cases::CaseView) -> CaseView {
    let tongban_app::cases::CaseView {
        case,
        events,
        materials,
    } = view;
    let label = case.status.label().to_owned();
    CaseView {
        status_label: label,
        deficiency_owed: case.progress.deficiency_outstanding.clone(),
        deficiency_due: case.deficiency_due.map(|d| d.to_string()),
        decision: case.progress.decision,
        verification_due: case.verification_due.map(|d| d.to_string()),
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
                url: format!("/api/v1/cases/{}/materials/{}", case.case_no, m.id),
                id: m.id,
                status: m.check.as_str().to_owned(),
                note: m.check_note,
                name: m.name,
                filename: m.filename,
                content_type: m.content_type,
                sha256: m.sha256,
                size: m.size,
                waived_by: m.waived_by,
            })
            .collect(),
        case_no: case.case_no,
        status: case.status.as_str().to_owned(),
        implementation_code: case.implementation_code,
        item_name: case.item_name,
        department: case.org_name,
        situation: case.situation,
        channel: case.channel,
        submitted_at: case.submitted_at.to_rfc3339(),
        statutory_due: case.statutory_due.to_string(),
        promised_due: case.promised_due.to_string(),
    }
}

/// Take an action on a case: `{"action": "accept"}`, `{"action": "issue_notice", "items":
/// [{"material", "problem": "missing"|"invalid", "note"}]}` (only the item's own materials),
/// `{"action": "refuse", "reason"}`, `{"action": "supply"}`, `{"action": "start_review"}`,
/// `{"action": "start_special_procedure", "procedure", "reason"}` (a procedure the item
/// lists), `{"action": "end_special_procedure", "result"}`, `{"action": "decide",
/// "approve", "opinion", "reason"}` (the reason when refusing), `{"action": "conclude"}`,
/// `{"action": "deliver", "method": "window"|"post"|"electronic", "tracking_no"}` (the
/// tracking number when posted), `{"action": "withdraw", "reason"}` and the others of the
/// case state machine. `supply` and `supply_deficiency` carry `"materials": [{"name",
/// "filename", "content_base64"}]`, stored in the same transaction as the step, and must
/// answer what is owed. Who may take which action follows the permission table: applicants
/// their own cases, window clerks within their intake scope, reviewers their department's
/// cases. A missing or wrong field is 422 naming it; a step the case's state forbids is 409.
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
        Some(v) => serde_json::from_value(v).map_err(|_| {
            WebError::Validation({
                let mut e = tongban_domain::ValidationErrors::new();
                e.add(
                    "materials",
                    "invalid",
                    "materials 须为 [{\"name\", \"filename\", \"content_base64\"}]",
                );
                e
            })
        })?,
        None => Vec::new(),
    };
    let action: tongban_domain::case::CaseAction =
        serde_json::from_value(serde_json::Value::Object(body))
            .map_err(|e| super::json_problem(&e.to_string()))?;
    let uploads = decode_uploads(materials, &mut errors);
    let materials = tongban_app::cases::check_uploads(uploads, &mut errors);
    errors.into_result()?;
    let after = tongban_app::cases::act(&state, &current, &case_no, action, materials).await?;
    let view = tongban_app::cases::view_after(&state, &current, after).await?;
    Ok(Json(case_view(view)))
}

/// One material of a case, as stored: its bytes with their content type, to the applicant
/// and to staff whose scope covers the case (404 to anyone else). Every opening is on the
/// audit trail.
#[utoipa::path(get, path = "/api/v1/cases/{case_no}/materials/{id}", tag = "cases",
    params(("case_no" = String, Path, description = "43 位办件编号"),
           ("id" = String, Path, description = "材料编号（见办件的 materials[].id）")),
    responses(
        (status = 200, description = "材料文件", content_type = "application/octet-stream"),
        (status = 404, description = "不存在或无权查看", content_type = "application/problem+json"),
    ))]
pub async fn get_case_material(
    State(state): State<AppState>,
    current: Current,
    axum::extract::Path((case_no, id)): axum::extract::Path<(String, String)>,
) -> Result<Response, WebError> {
    let opened = tongban_app::cases::open_material(&state, &current, &case_no, &id).await?;
    let m = opened.material;
    Ok(crate::page::file_response(
        opened.bytes,
        &m.content_type,
        &crate::page::material_filename(&m.name, &case_no, &m.filename),
        false,
    ))
}

/// The check of a material at the desk: `{"passed": true}` (合格) or `{"passed": false,
/// "note": "复印件不清晰"}` (不合格 needs the note: 422 naming `note`). By the clerk who
/// takes the case in or a reviewer of its department; audited.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MaterialCheckRequest {
    passed: bool,
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{case_no}/materials/{id}/check", tag = "cases",
    params(("case_no" = String, Path, description = "43 位办件编号"),
           ("id" = String, Path, description = "材料编号")),
    request_body = MaterialCheckRequest,
    responses(
        (status = 200, body = CaseView),
        (status = 422, description = "不合格未写明原因", content_type = "application/problem+json"),
    ))]
pub async fn check_case_material(
    State(state): State<AppState>,
    current: Current,
    axum::extract::Path((case_no, id)): axum::extract::Path<(String, String)>,
    ApiJson(body): ApiJson<MaterialCheckRequest>,
) -> Result<Json<CaseView>, WebError> {
    tongban_app::cases::check_material(&state, &current, &case_no, &id, body.passed, &body.note)
        .await?;
    get_case(State(state), current, axum::extract::Path(case_no)).await
}

/// One case in a staff list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    case_no: String,
    item_name: String,
    implementation_code: String,
    /// Masked: name and ID number.
    applicant: String,
    /// `online` or `window`.
    channel: String,
    /// The unit whose hall took it in, when it came through a window.
    hall: Option<String>,
    status: String,
    status_label: String,
    promised_due: String,
    /// Working days to the promised date (negative: overdue); absent while no clock runs.
    working_days_left: Option<i64>,
}

/// One page of a staff case list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    items: Vec<CaseSummary>,
    page: u32,
    /// Another page follows (`page=` one more).
    has_more: bool,
}

/// Staff case list, scoped as the inbox is (a town's clerk: what the town's halls took in;
/// a reviewer: the department's), soonest promised date first, 50 a page. Filters:
/// `status` (comma-separated), `item` (implementation code), `channel` (`online`/`window`),
/// `hall` (code of the unit whose hall took it in), `overdue=1`, `owed=1` (容缺 materials
/// owed), `from`/`to` (submission dates, `YYYY-MM-DD`), `mine=1` (cases I took in or acted
/// on), `page` (1–200). A wrong filter is 422 naming it.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    params(
        ("status" = Option<String>, Query, description = "状态，逗号分隔，如 accepted,in_review"),
        ("item" = Option<String>, Query, description = "事项实施编码"),
        ("channel" = Option<String>, Query, description = "online 或 window"),
        ("hall" = Option<String>, Query, description = "受理大厅所在单位代码"),
        ("overdue" = Option<String>, Query, description = "1：只看已超期"),
        ("owed" = Option<String>, Query, description = "1：只看容缺待补"),
        ("from" = Option<String>, Query, description = "提交日期起，YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "提交日期止，YYYY-MM-DD"),
        ("mine" = Option<String>, Query, description = "1：我经办的"),
        ("page" = Option<u32>, Query, description = "页码，1–200"),
    ),
    responses(
        (status = 200, body = CaseList),
        (status = 422, description = "筛选条件有误", content_type = "application/problem+json"),
    ))]
pub async fn list_cases(
    State(state): State<AppState>,
    current: Current,
    axum::extract::Query(pairs): axum::extract::Query<Vec<(String, String)>>,
) -> Result<Json<CaseList>, WebError> {
    let input = tongban_domain::case::CaseFilterInput::from_pairs(&pairs);
    let filter = tongban_domain::case::CaseFilter::parse(&input)?;
    let inbox = tongban_app::cases::inbox(&state, &current, &filter).await?;
    Ok(Json(CaseList {
        items: inbox
            .rows
            .into_iter()
            .map(|r| {
                let c = r.case;
                CaseSummary {
                    applicant: format!(
                        "{}（{}）",
                        tongban_domain::mask::mask_name(&c.applicant_name),
                        mask_id_number(&c.applicant_login)
                    ),
                    status_label: c.status.label().to_owned(),
                    status: c.status.as_str().to_owned(),
                    promised_due: c.promised_due.to_string(),
                    working_days_left: r.days_left,
                    hall: c.intake_name,
                    channel: c.channel,
                    case_no: c.case_no,
                    item_name: c.item_name,
                    implementation_code: c.implementation_code,
                }
            })
            .collect(),
        page: inbox.page,
        has_more: inbox.has_more,
    }))
}
