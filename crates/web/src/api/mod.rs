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

/// A JSON body that did not fit its shape, in Chinese and naming the field where serde
/// says which (its own words are English and are not passed on).
pub(crate) fn json_problem(serde_message: &str) -> WebError {
    let quoted = |after: &str| {
        serde_message
            .split_once(after)
            .and_then(|(_, rest)| rest.split('`').nth(1))
            .map(str::to_owned)
    };
    let mut errors = tongban_domain::ValidationErrors::new();
    if let Some(field) = quoted("missing field ") {
        errors.add(&field, "required", format!("缺少字段 {field}"));
    } else if let Some(value) = quoted("unknown variant ") {
        errors.add("action", "unknown", format!("不认识的取值“{value}”"));
    } else if let Some(field) = quoted("unknown field ") {
        errors.add(&field, "unknown", format!("不认识的字段 {field}"));
    } else if serde_message.contains("untagged enum NoticeItemRepr") {
        errors.add(
            "items",
            "invalid",
            "items 的每一项须为 {\"material\": 材料名称, \"problem\": \"missing\" 或 \"invalid\", \"note\": 补正说明}",
        );
    } else if serde_message.contains("expected a boolean") {
        errors.add(
            "body",
            "type",
            "是非字段（如 approve、passed）须为 true 或 false",
        );
    } else {
        errors.add(
            "body",
            "type",
            "字段类型不正确，请对照接口文档（/api/openapi.json）",
        );
    }
    WebError::Validation(errors)
}

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
            Err(JsonRejection::JsonDataError(e)) => Err(json_problem(&e.body_text())),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(WebError::PayloadTooLarge),
            Err(_) => Err(WebError::BadRequest(
                "请求无法读取，请检查请求体是否为 UTF-8 编码的 JSON".into(),
            )),
        }
    }
}

mod accounts;
mod audit;
pub mod bundles;
mod calendar;
mod cases;
mod contract;
use contract::SharedResponses;
mod catalog;
mod feedback;
pub mod halls;
mod identity;
mod licences;
mod org;

pub use accounts::*;
pub use audit::*;
pub use calendar::*;
pub use cases::*;
pub use catalog::*;
pub use feedback::*;
pub use identity::*;
pub use licences::*;
pub use org::*;

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
    paths(audit_checkpoints, register_account, create_session, verify_identity, request_password_reset, confirm_password_reset, claim_account, delete_current_session, me, list_org_units, list_halls, list_items, get_item, add_working_days, submit_case, list_cases, get_case, act_on_case, get_case_material, check_case_material, list_seals, verify_license, list_license_types, put_license_type, import_license, my_licenses, present_license, rate_case, list_evaluation_reasons, list_evaluations, get_rectification, act_on_rectification, create_ticket, get_ticket, act_on_ticket, bundles::list_bundles, bundles::get_bundle, bundles::apply_bundle, bundles::get_bundle_case, bundles::deliver_bundle, bundles::supply_bundle, halls::get_hall, halls::take_ticket, halls::get_queue, halls::call_next, halls::act_on_ticket, halls::get_slots, halls::book, halls::cancel, halls::mine),
    components(schemas(RegisterBody, AccountView, IdentityCheckBody, IdentityVerified, ResetRequestBody, Accepted, CodePasswordBody, SessionBody, SessionCreated, OrgUnitView, HallView, HoursView, WindowView, ItemSummary, ItemsPage, WorkingDate, CaseBody, MaterialUpload, CaseCreated, CaseView, CaseEventView, CaseMaterialView, CaseList, CaseSummary, MaterialCheckRequest, SealKeyView, VerifyBody, VerifyView, PermitView, LicenseImport, PresentationView, crate::window_fields::WindowFields, EvaluationBody, EvaluationCreated, RectificationRef, ReasonView, EvaluationView, EvaluationList, FeedbackEventView, RectificationView, RatingAdditionView, RectificationActionBody, TicketBody, TicketCreated, TicketView, TicketActionBody, bundles::BundleList, bundles::BundleSummary, bundles::BundleItemView, bundles::BundleView, bundles::BundleFieldView, bundles::BundleMaterialView, bundles::BundleApplicationBody, bundles::BundleChildCase, bundles::BundleNoticeView, bundles::BundleCaseView, bundles::BundleDeliveryBody, bundles::BundleSupplyBody, halls::HallDetail, halls::PeriodView, halls::QueueLengthView, halls::QueueTicketBody, halls::QueueTicketTaken, halls::AtWindowView, halls::QueueView, halls::CallView, halls::HallQueue, halls::CalledView, halls::QueueActionBody, halls::QueueTicketView, halls::BookingSlotView, halls::DaySlotsView, halls::AppointmentBody, halls::AppointmentView, halls::AppointmentList)),
    modifiers(&BearerAuth, &SharedResponses),
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
