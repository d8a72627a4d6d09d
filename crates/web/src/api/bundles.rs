//! `GET /api/v1/bundles` and `GET /api/v1/bundles/{code}` (issue 13): the published
//! 一件事 and each one's questionnaire, merged form and merged materials.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use tongban_app::bundles;
use tongban_domain::bundle::{Bundle, Question};
use tongban_domain::catalog::MaterialSource;
use utoipa::ToSchema;

use crate::AppState;
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
