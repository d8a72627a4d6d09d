//! `GET /api/v1/bundles` and `GET /api/v1/bundles/{code}` (issue 13): the published
//! 一件事 and each one's questionnaire, merged form and merged materials; applying for one
//! and reading the application.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tongban_app::bundles;
use tongban_domain::authz::{Permission, allows};
use tongban_domain::bundle::{Bundle, Question};
use tongban_domain::catalog::MaterialSource;
use utoipa::ToSchema;

use super::{ApiJson, MaterialUpload};
use crate::AppState;
use crate::auth::Current;
use crate::error::WebError;

/// A member item of a bundle.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleItemView {
    implementation_code: String,
    name: String,
    /// The item's situation this bundle applies it in ("" if none).
    situation: String,
    /// `{"question","any_of"}` when the item applies only on those answers.
    #[schema(value_type = Option<Object>)]
    condition: Option<serde_json::Value>,
    /// Implementation codes of the members that must conclude first.
    depends_on: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BundleSummary {
    code: String,
    name: String,
    /// `person` or `enterprise`.
    audience: String,
    items: Vec<BundleItemView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BundleList {
    bundles: Vec<BundleSummary>,
}

fn items_of(b: &Bundle) -> Vec<BundleItemView> {
    b.members
        .iter()
        .map(|m| BundleItemView {
            implementation_code: m.implementation_code.clone(),
            name: m.name.clone(),
            situation: m.situation.clone(),
            condition: m
                .condition
                .as_ref()
                .and_then(|c| serde_json::to_value(c).ok()),
            depends_on: m.depends_on.clone(),
        })
        .collect()
}

/// The published bundles.
#[utoipa::path(get, path = "/api/v1/bundles", tag = "bundles",
    responses((status = 200, body = BundleList)))]
pub async fn list_bundles(State(state): State<AppState>) -> Result<Json<BundleList>, WebError> {
    let bundles = bundles::list(&state).await?;
    Ok(Json(BundleList {
        bundles: bundles
            .iter()
            .map(|b| BundleSummary {
                code: b.code.clone(),
                name: b.name.clone(),
                audience: b.audience.as_str().into(),
                items: items_of(b),
            })
            .collect(),
    }))
}

/// A field of the merged form.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleFieldView {
    key: String,
    label: String,
    /// `text`, `id_number`, `credit_code`, `phone` or `date`.
    kind: String,
    required: bool,
}

/// A material of the bundle, collected once.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleMaterialView {
    name: String,
    /// `必要`, `容缺后补` or `非必要`.
    necessity: String,
    /// The licence type that stands for it, when a licence does.
    licence_type: Option<String>,
    /// The members that ask for it.
    required_by: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BundleView {
    code: String,
    name: String,
    audience: String,
    summary: String,
    lead_department: String,
    promised_working_days: u32,
    version: i64,
    #[schema(value_type = Vec<Object>)]
    questionnaire: Vec<Question>,
    form: Vec<BundleFieldView>,
    materials: Vec<BundleMaterialView>,
    items: Vec<BundleItemView>,
    /// 一业一照一码: the combined licence issued when every member concludes.
    combined_licence: Option<String>,
}

/// A bundle's questionnaire, merged form and merged materials.
#[utoipa::path(get, path = "/api/v1/bundles/{code}", tag = "bundles",
    params(("code" = String, Path, description = "一件事编码，如 YJS-CHUSHENG")),
    responses((status = 200, body = BundleView),
        (status = 404, description = "没有这个一件事", content_type = "application/problem+json")))]
pub async fn get_bundle(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<BundleView>, WebError> {
    let g = bundles::guide(&state, &code).await?;
    let b = &g.bundle;
    Ok(Json(BundleView {
        code: b.code.clone(),
        name: b.name.clone(),
        audience: b.audience.as_str().into(),
        summary: b.summary.clone(),
        lead_department: g.lead_name.clone(),
        promised_working_days: b.promised_days,
        version: g.version,
        questionnaire: b.questions.clone(),
        form: b
            .fields
            .iter()
            .map(|f| BundleFieldView {
                key: f.key.clone(),
                label: f.label.clone(),
                kind: serde_json::to_value(f.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                required: f.required,
            })
            .collect(),
        materials: g
            .materials
            .iter()
            .map(|m| BundleMaterialView {
                name: m.name.clone(),
                necessity: m.necessity.label().into(),
                licence_type: match &m.source {
                    MaterialSource::Government { licence_type } => Some(licence_type.clone()),
                    _ => None,
                },
                required_by: m.required_by.clone(),
            })
            .collect(),
        items: items_of(b),
        combined_licence: b.combined_licence.clone(),
    }))
}

/// An application for a bundle.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BundleApplicationBody {
    /// Question key → the chosen value, e.g. `{"in_hospital": "yes"}`.
    #[serde(default)]
    answers: BTreeMap<String, String>,
    /// Merged-form field key → value (text; dates as YYYY-MM-DD).
    #[serde(default)]
    #[schema(value_type = Object)]
    form: serde_json::Map<String, serde_json::Value>,
    /// Each material once, by its name in the bundle's merged list.
    #[serde(default)]
    materials: Vec<MaterialUpload>,
    /// Window intake only (a clerk's token): the person applying, as for `POST /api/v1/cases`.
    #[serde(default)]
    applicant: Option<crate::window_fields::WindowFields>,
}

/// A member's case in a bundle application.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleChildCase {
    /// Its case number; `null` while it waits for what it depends on.
    case_no: Option<String>,
    implementation_code: String,
    name: String,
    /// The case's status, or `waiting` / `cancelled`.
    status: String,
    status_label: String,
    /// Implementation codes of the members it waits for.
    depends_on: Vec<String>,
    /// Why it was refused, withdrawn or revoked.
    reason: Option<String>,
    /// Identifiers of the licences it issued.
    licences: Vec<String>,
}

/// One department's part of the combined notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleNoticeView {
    case_no: String,
    name: String,
    #[schema(value_type = Vec<Object>)]
    items: Vec<tongban_domain::case::NoticeItem>,
}

/// A bundle case: its status derived from its members'.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleCaseView {
    bundle_no: String,
    code: String,
    name: String,
    /// `in_progress`, `awaiting_supplement`, `concluded`, `delivered`, `partly_concluded`,
    /// `refused` or `withdrawn`.
    status: String,
    status_label: String,
    /// YYYY-MM-DD: the latest member's promised date, or the bundle's own promise if sooner.
    promised_due: String,
    cases: Vec<BundleChildCase>,
    /// One notice for the whole bundle (empty when nothing is asked for).
    notice: Vec<BundleNoticeView>,
    /// 一业一照一码: the 行业综合许可证 identifier, once issued.
    combined_licence: Option<String>,
    /// When the results were delivered together.
    delivered_at: Option<String>,
}

fn case_view(v: &bundles::BundleCaseView) -> BundleCaseView {
    BundleCaseView {
        bundle_no: v.record.bundle_no.clone(),
        code: v.record.bundle_code.clone(),
        name: v.record.bundle_name.clone(),
        status: v.status.as_str().into(),
        status_label: v.status.label().into(),
        promised_due: v.due.to_string(),
        cases: v
            .children
            .iter()
            .map(|c| BundleChildCase {
                case_no: c.case.as_ref().map(|c| c.case_no.clone()),
                implementation_code: c.record.implementation_code.clone(),
                name: c.record.item_name.clone(),
                status: c.state.as_str().into(),
                status_label: c.state.label().into(),
                depends_on: c.record.depends_on.clone(),
                reason: c.reason.clone(),
                licences: c
                    .licences
                    .iter()
                    .map(|l| l.sealed.licence.identifier.clone())
                    .collect(),
            })
            .collect(),
        notice: v
            .notice
            .iter()
            .map(|n| BundleNoticeView {
                case_no: n.case_no.clone(),
                name: n.item_name.clone(),
                items: n.items.clone(),
            })
            .collect(),
        combined_licence: v
            .combined_licence
            .as_ref()
            .map(|l| l.sealed.licence.identifier.clone()),
        delivered_at: v.record.delivered_at.map(|t| t.to_rfc3339()),
    }
}

/// Apply for a bundle (一件事一次办): one questionnaire, one form, each material once. Send an
/// `Idempotency-Key` header: a retry with the same key returns the application already
/// recorded.
#[utoipa::path(post, path = "/api/v1/bundles/{code}/applications", tag = "bundles",
    request_body = BundleApplicationBody,
    params(("code" = String, Path, description = "一件事编码"),
        ("Idempotency-Key" = Option<String>, Header, description = "同一申请重试时保持不变")),
    responses(
        (status = 201, description = "已提交", body = BundleCaseView),
        (status = 200, description = "同一 Idempotency-Key 已提交过，返回原申请", body = BundleCaseView),
        (status = 404, description = "没有这个一件事", content_type = "application/problem+json"),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json"),
    ))]
pub async fn apply_bundle(
    State(state): State<AppState>,
    current: Current,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<BundleApplicationBody>,
) -> Result<Response, WebError> {
    let mut errors = tongban_domain::ValidationErrors::new();
    let key = super::cases::idempotency_key(&headers);
    let mut form = BTreeMap::new();
    for (k, v) in body.form {
        match v {
            serde_json::Value::String(s) => {
                form.insert(k, s);
            }
            serde_json::Value::Null => {}
            _ => errors.add(&format!("form.{k}"), "type", format!("“{k}”须为文字")),
        }
    }
    let uploads = super::cases::decode_uploads(body.materials, &mut errors);
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
    let (bundle_no, created) = bundles::apply(
        &state,
        &current,
        bundles::BundleApplication {
            code,
            answers: body.answers,
            form,
            uploads,
            idempotency_key: key,
            on_behalf,
        },
        errors,
    )
    .await?;
    let v = bundles::view(&state, &current, &bundle_no).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(case_view(&v)),
    )
        .into_response())
}

/// A bundle case, for its applicant and the staff who handle or took in its members.
#[utoipa::path(get, path = "/api/v1/bundle-cases/{bundle_no}", tag = "bundles",
    params(("bundle_no" = String, Path, description = "一件事编号，如 YJS20261203000001")),
    responses((status = 200, body = BundleCaseView),
        (status = 404, description = "没有这个申请或无权查看", content_type = "application/problem+json")))]
pub async fn get_bundle_case(
    State(state): State<AppState>,
    current: Current,
    Path(bundle_no): Path<String>,
) -> Result<Json<BundleCaseView>, WebError> {
    let v = bundles::view(&state, &current, &bundle_no).await?;
    Ok(Json(case_view(&v)))
}

/// How a window hands over a bundle's results together.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BundleDeliveryBody {
    /// `window` (窗口领取) or `post` (邮寄).
    #[serde(default)]
    method: String,
    /// The tracking number, for `post`.
    #[serde(default)]
    tracking_no: String,
}

/// A window delivers every member's result at once (online applications are delivered
/// electronically, together, when the last member concludes).
#[utoipa::path(post, path = "/api/v1/bundle-cases/{bundle_no}/delivery", tag = "bundles",
    request_body = BundleDeliveryBody,
    params(("bundle_no" = String, Path, description = "一件事编号")),
    responses((status = 200, body = BundleCaseView),
        (status = 409, description = "尚未全部办结或已送达", content_type = "application/problem+json"),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json")))]
pub async fn deliver_bundle(
    State(state): State<AppState>,
    current: Current,
    Path(bundle_no): Path<String>,
    ApiJson(body): ApiJson<BundleDeliveryBody>,
) -> Result<Json<BundleCaseView>, WebError> {
    let v = bundles::deliver(
        &state,
        &current,
        &bundle_no,
        &body.method,
        &body.tracking_no,
    )
    .await?;
    Ok(Json(case_view(&v)))
}

/// Papers the bundle's notice asks for.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BundleSupplyBody {
    /// Each paper once, by its name in the notice; it reaches every item that asked for it.
    #[serde(default)]
    materials: Vec<MaterialUpload>,
}

/// The applicant answers the bundle's one notice (一次性告知 and 容缺后补) with each paper
/// once.
#[utoipa::path(post, path = "/api/v1/bundle-cases/{bundle_no}/supplements", tag = "bundles",
    request_body = BundleSupplyBody,
    params(("bundle_no" = String, Path, description = "一件事编号")),
    responses((status = 200, body = BundleCaseView),
        (status = 404, description = "没有这个申请或无权查看", content_type = "application/problem+json"),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json")))]
pub async fn supply_bundle(
    State(state): State<AppState>,
    current: Current,
    Path(bundle_no): Path<String>,
    ApiJson(body): ApiJson<BundleSupplyBody>,
) -> Result<Json<BundleCaseView>, WebError> {
    let mut errors = tongban_domain::ValidationErrors::new();
    let uploads = super::cases::decode_uploads(body.materials, &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let v = bundles::supply(&state, &current, &bundle_no, uploads).await?;
    Ok(Json(case_view(&v)))
}
