//! The route table: every route with the access it requires, in one list. The router is
//! built from it, and the authorization test walks it for every role.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use tongban_domain::authz::{Permission, allows};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Current;
use crate::{AppState, WebError, api, assets, auth, csrf, page, pages};

/// What a route requires of the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Anyone may call; the request authenticates itself with credentials that are not a
    /// session (an OIDC client secret or access token), which the handler checks.
    OwnCredentials,
    /// Any logged-in account.
    LoggedIn,
    Permission(Permission),
    /// Any one of these permissions (the handler asks for the one it needs).
    AnyOf(&'static [Permission]),
}

impl Access {
    pub fn admits(self, current: &Current) -> bool {
        match self {
            Access::Public | Access::OwnCredentials => true,
            Access::LoggedIn => current.account.is_some(),
            Access::Permission(p) => allows(&current.principal, p),
            Access::AnyOf(ps) => ps.iter().any(|p| allows(&current.principal, *p)),
        }
    }
}

/// One row of the route table.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    /// A concrete path to request in tests.
    pub sample: &'static str,
    pub access: Access,
}

impl RouteSpec {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }
}

const SAMPLE_ID: &str = "00000000-0000-7000-8000-000000000000";

mod bundles;
mod feedback;
mod halls;

type Row = (RouteSpec, MethodRouter<AppState>);

/// One row of the table.
fn r(
    method: Method,
    path: &'static str,
    sample: &'static str,
    access: Access,
    mr: MethodRouter<AppState>,
) -> Row {
    (
        RouteSpec {
            method,
            path,
            sample,
            access,
        },
        mr,
    )
}

fn table(upload_limit: usize) -> Vec<Row> {
    let mut rows = core_table(upload_limit);
    rows.extend(feedback::table());
    rows.extend(bundles::table(upload_limit));
    rows.extend(halls::table());
    rows
}

fn core_table(upload_limit: usize) -> Vec<Row> {
    use Access::{LoggedIn, Public};
    use Permission as P;
    let _ = SAMPLE_ID;
    vec![
        // Public pages.
        r(Method::GET, "/", "/", Public, get(pages::public::home)),
        r(
            Method::GET,
            "/halls",
            "/halls",
            Public,
            get(pages::public::halls),
        ),
        r(Method::GET, "/org", "/org", Public, get(pages::public::org)),
        r(
            Method::GET,
            "/login",
            "/login",
            Public,
            get(pages::account::login_form),
        ),
        r(
            Method::POST,
            "/login",
            "/login",
            Public,
            post(pages::account::login),
        ),
        r(
            Method::GET,
            "/register",
            "/register",
            Public,
            get(pages::account::register_form),
        ),
        r(
            Method::POST,
            "/register",
            "/register",
            Public,
            post(pages::account::register),
        ),
        r(
            Method::GET,
            "/account/reset",
            "/account/reset",
            Public,
            get(pages::identity::reset_form),
        ),
        r(
            Method::POST,
            "/account/reset",
            "/account/reset",
            Public,
            post(pages::identity::request_reset),
        ),
        r(
            Method::GET,
            "/account/reset/confirm",
            "/account/reset/confirm",
            Public,
            get(pages::identity::reset_confirm_form),
        ),
        r(
            Method::POST,
            "/account/reset/confirm",
            "/account/reset/confirm",
            Public,
            post(pages::identity::reset_confirm),
        ),
        r(
            Method::GET,
            "/account/claim",
            "/account/claim",
            Public,
            get(pages::identity::claim_form),
        ),
        r(
            Method::POST,
            "/account/claim",
            "/account/claim",
            Public,
            post(pages::identity::claim),
        ),
        r(
            Method::GET,
            "/staff/identity",
            "/staff/identity",
            Access::Permission(P::HandleIntake),
            get(pages::identity::verify_form),
        ),
        r(
            Method::POST,
            "/staff/identity",
            "/staff/identity",
            Access::Permission(P::HandleIntake),
            post(pages::identity::verify),
        ),
        r(
            Method::POST,
            "/preferences/elder",
            "/preferences/elder",
            Public,
            post(pages::account::toggle_elder),
        ),
        r(
            Method::GET,
            "/guide",
            "/guide",
            Public,
            get(pages::guide::guide_index),
        ),
        r(
            Method::GET,
            "/guide/{code}",
            "/guide/0000000000000000000000000000000",
            Public,
            get(pages::guide::guide_item),
        ),
        r(
            Method::GET,
            "/guide/{code}/print",
            "/guide/0000000000000000000000000000000/print",
            Public,
            get(pages::guide::guide_print),
        ),
        r(
            Method::GET,
            "/guide/{code}/situation",
            "/guide/0000000000000000000000000000000/situation",
            Public,
            get(pages::guide::situation_guide),
        ),
        r(
            Method::GET,
            "/guide/{code}/qr.svg",
            "/guide/0000000000000000000000000000000/qr.svg",
            Public,
            get(pages::guide::guide_qr),
        ),
        r(
            Method::GET,
            "/lists",
            "/lists",
            Public,
            get(pages::lists::lists_index),
        ),
        r(
            Method::GET,
            "/lists/{name}",
            "/lists/licensing",
            Public,
            get(pages::lists::list_page),
        ),
        // Any account.
        r(
            Method::POST,
            "/logout",
            "/logout",
            LoggedIn,
            post(pages::account::logout),
        ),
        r(Method::GET, "/me", "/me", LoggedIn, get(pages::account::me)),
        r(
            Method::GET,
            "/me/messages",
            "/me/messages",
            LoggedIn,
            get(pages::messages::my_messages),
        ),
        r(
            Method::GET,
            "/me/notifications",
            "/me/notifications",
            Access::Permission(P::ApplicantSelfService),
            get(pages::notifications::show),
        ),
        r(
            Method::POST,
            "/me/notifications",
            "/me/notifications",
            Access::Permission(P::ApplicantSelfService),
            post(pages::notifications::save),
        ),
        r(
            Method::POST,
            "/me/sessions/{id}/revoke",
            "/me/sessions/00000000-0000-7000-8000-000000000000/revoke",
            LoggedIn,
            post(pages::account::revoke_session),
        ),
        // Cases.
        r(
            Method::GET,
            "/apply/{code}",
            "/apply/0000000000000000000000000000000",
            Access::Permission(P::ApplicantSelfService),
            get(pages::cases::apply_form),
        ),
        r(
            Method::POST,
            "/apply/{code}",
            "/apply/0000000000000000000000000000000",
            Access::Permission(P::ApplicantSelfService),
            post(pages::cases::apply).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::GET,
            "/me/cases",
            "/me/cases",
            Access::Permission(P::ApplicantSelfService),
            get(pages::cases::my_cases),
        ),
        r(
            Method::GET,
            "/me/cases/{no}",
            "/me/cases/0000000000000000000000000000000202611270001",
            Access::Permission(P::ApplicantSelfService),
            get(pages::cases::track_case),
        ),
        r(
            Method::POST,
            "/me/cases/{no}/supply",
            "/me/cases/0000000000000000000000000000000202611270001/supply",
            Access::Permission(P::ApplicantSelfService),
            post(pages::cases::supply).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::POST,
            "/me/cases/{no}/withdraw",
            "/me/cases/0000000000000000000000000000000202611270001/withdraw",
            Access::Permission(P::ApplicantSelfService),
            post(pages::cases::withdraw),
        ),
        r(
            Method::GET,
            "/cases/{no}/notice",
            "/cases/0000000000000000000000000000000202611270001/notice",
            LoggedIn,
            get(pages::cases::notice),
        ),
        r(
            Method::GET,
            "/cases/{no}/receipt",
            "/cases/0000000000000000000000000000000202611270001/receipt",
            LoggedIn,
            get(pages::cases::receipt),
        ),
        r(
            Method::GET,
            "/cases/{no}/decision",
            "/cases/0000000000000000000000000000000202611270001/decision",
            LoggedIn,
            get(pages::cases::decision),
        ),
        r(
            Method::GET,
            "/cases/{no}/materials/{id}",
            "/cases/0000000000000000000000000000000202611270001/materials/x",
            LoggedIn,
            get(pages::cases::material),
        ),
        r(
            Method::POST,
            "/staff/cases/{no}/materials/{id}/check",
            "/staff/cases/0000000000000000000000000000000202611270001/materials/x/check",
            Access::Permission(P::StaffWorkbench),
            post(pages::cases::check_material),
        ),
        r(
            Method::GET,
            "/staff/cases",
            "/staff/cases",
            Access::Permission(P::StaffWorkbench),
            get(pages::cases::inbox),
        ),
        r(
            Method::POST,
            "/staff/cases/search",
            "/staff/cases/search",
            Access::Permission(P::StaffWorkbench),
            post(pages::cases::search_cases),
        ),
        r(
            Method::GET,
            "/staff/supply",
            "/staff/supply",
            Access::Permission(P::HandleIntake),
            get(pages::window_supply::start),
        ),
        r(
            Method::POST,
            "/staff/supply/find",
            "/staff/supply/find",
            Access::Permission(P::HandleIntake),
            post(pages::window_supply::find),
        ),
        r(
            Method::POST,
            "/staff/supply",
            "/staff/supply",
            Access::Permission(P::HandleIntake),
            post(pages::window_supply::supply)
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::GET,
            "/staff/supply/done/{no}",
            "/staff/supply/done/0000000000000000000000000000000202611270001",
            Access::Permission(P::HandleIntake),
            get(pages::window_supply::done),
        ),
        r(
            Method::GET,
            "/staff/intake",
            "/staff/intake",
            Access::Permission(P::HandleIntake),
            get(pages::cases::intake_items),
        ),
        r(
            Method::GET,
            "/staff/intake/{code}",
            "/staff/intake/0000000000000000000000000000000",
            Access::Permission(P::HandleIntake),
            get(pages::cases::intake_form),
        ),
        r(
            Method::POST,
            "/staff/intake/{code}",
            "/staff/intake/0000000000000000000000000000000",
            Access::Permission(P::HandleIntake),
            post(pages::cases::intake).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::GET,
            "/staff/deadlines",
            "/staff/deadlines",
            Access::Permission(P::ViewDeadlines),
            get(pages::cases::deadlines),
        ),
        r(
            Method::GET,
            "/staff/cases/{no}",
            "/staff/cases/0000000000000000000000000000000202611270001",
            Access::Permission(P::StaffWorkbench),
            get(pages::cases::show_case_file),
        ),
        r(
            Method::POST,
            "/staff/cases/{no}/act",
            "/staff/cases/0000000000000000000000000000000202611270001/act",
            Access::Permission(P::StaffWorkbench),
            post(pages::cases::act_on_case_file),
        ),
        // Staff.
        r(
            Method::GET,
            "/staff",
            "/staff",
            Access::Permission(P::StaffWorkbench),
            get(pages::staff::workbench),
        ),
        r(
            Method::GET,
            "/staff/org",
            "/staff/org",
            Access::Permission(P::ViewOrgScope),
            get(pages::staff::org_scope),
        ),
        r(
            Method::GET,
            "/staff/people",
            "/staff/people",
            Access::Permission(P::ViewPersonalData),
            get(pages::staff::people_form),
        ),
        r(
            Method::POST,
            "/staff/people",
            "/staff/people",
            Access::Permission(P::ViewPersonalData),
            post(pages::staff::find_people),
        ),
        r(
            Method::GET,
            "/staff/people/{id}",
            "/staff/people/00000000-0000-7000-8000-000000000000",
            Access::Permission(P::ViewPersonalData),
            get(pages::staff::person_record),
        ),
        r(
            Method::GET,
            "/admin/audit",
            "/admin/audit",
            Access::Permission(P::ViewAuditTrail),
            get(pages::staff::audit_trail),
        ),
        r(
            Method::GET,
            "/admin/staff",
            "/admin/staff",
            Access::Permission(P::ManageStaff),
            get(pages::staff::staff_admin),
        ),
        r(
            Method::POST,
            "/admin/staff/{id}",
            "/admin/staff/x",
            Access::Permission(P::ManageStaff),
            post(pages::staff::administer_staff),
        ),
        r(
            Method::GET,
            "/admin/staff/new",
            "/admin/staff/new",
            Access::Permission(P::ManageStaff),
            get(pages::staff::new_staff_form),
        ),
        r(
            Method::POST,
            "/admin/staff/new",
            "/admin/staff/new",
            Access::Permission(P::ManageStaff),
            post(pages::staff::create_staff),
        ),
        r(
            Method::GET,
            "/admin/calendar",
            "/admin/calendar",
            Access::Permission(P::ManageCalendar),
            get(pages::calendar::calendar_form),
        ),
        r(
            Method::POST,
            "/admin/calendar",
            "/admin/calendar",
            Access::Permission(P::ManageCalendar),
            post(pages::calendar::enter_calendar),
        ),
        // Catalog work.
        r(
            Method::GET,
            "/catalog",
            "/catalog",
            Access::Permission(P::ViewCatalogWork),
            get(pages::catalog::catalog_work),
        ),
        r(
            Method::GET,
            "/catalog/entries",
            "/catalog/entries",
            Access::Permission(P::ViewCatalogWork),
            get(pages::catalog::catalog_entries),
        ),
        r(
            Method::POST,
            "/catalog/entries/{code}/draft",
            "/catalog/entries/000000000000/draft",
            Access::Permission(P::DraftItems),
            post(pages::catalog::draft_from_entry),
        ),
        r(
            Method::GET,
            "/catalog/versions/{id}",
            "/catalog/versions/00000000-0000-7000-8000-000000000000",
            Access::Permission(P::ViewCatalogWork),
            get(pages::catalog::show_version),
        ),
        r(
            Method::GET,
            "/catalog/versions/{id}/edit",
            "/catalog/versions/00000000-0000-7000-8000-000000000000/edit",
            Access::Permission(P::DraftItems),
            get(pages::catalog::edit_version_form),
        ),
        r(
            Method::POST,
            "/catalog/versions/{id}/edit",
            "/catalog/versions/00000000-0000-7000-8000-000000000000/edit",
            Access::Permission(P::DraftItems),
            post(pages::catalog::save_version),
        ),
        r(
            Method::POST,
            "/catalog/versions/{id}/submit",
            "/catalog/versions/00000000-0000-7000-8000-000000000000/submit",
            Access::Permission(P::DraftItems),
            post(pages::catalog::submit_version),
        ),
        r(
            Method::POST,
            "/catalog/versions/{id}/approve",
            "/catalog/versions/00000000-0000-7000-8000-000000000000/approve",
            Access::Permission(P::ReviewItems),
            post(pages::catalog::approve_version),
        ),
        r(
            Method::POST,
            "/catalog/versions/{id}/return",
            "/catalog/versions/00000000-0000-7000-8000-000000000000/return",
            Access::Permission(P::ReviewItems),
            post(pages::catalog::return_version),
        ),
        r(
            Method::POST,
            "/catalog/versions/{id}/publish",
            "/catalog/versions/00000000-0000-7000-8000-000000000000/publish",
            Access::Permission(P::PublishItems),
            post(pages::catalog::publish_version),
        ),
        r(
            Method::GET,
            "/catalog/items/{code}/history",
            "/catalog/items/0000000000000000000000000000000/history",
            Access::Permission(P::ViewCatalogWork),
            get(pages::catalog::item_history),
        ),
        r(
            Method::GET,
            "/catalog/items/{code}/diff",
            "/catalog/items/0000000000000000000000000000000/diff?from=a&to=b",
            Access::Permission(P::ViewCatalogWork),
            get(pages::catalog::item_diff),
        ),
        r(
            Method::POST,
            "/catalog/items/{code}/adjust",
            "/catalog/items/0000000000000000000000000000000/adjust",
            Access::Permission(P::DraftItems),
            post(pages::catalog::adjust_item),
        ),
        // JSON API.
        r(
            Method::GET,
            "/api/v1/cases",
            "/api/v1/cases",
            Access::Permission(P::StaffWorkbench),
            get(api::list_cases),
        ),
        r(
            Method::POST,
            "/api/v1/cases",
            "/api/v1/cases",
            // Applicants for themselves, window clerks for a person at the window; the
            // handler asks for the one permission or the other.
            Access::AnyOf(&[P::ApplicantSelfService, P::HandleIntake]),
            // Materials travel base64-encoded inside the body: 10 MB a file, about 36 MB in
            // all, so one request cannot hold more memory than a small box can spare.
            post(api::submit_case).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        ),
        // Licence library.
        r(
            Method::GET,
            "/api/v1/seals",
            "/api/v1/seals",
            Public,
            get(api::list_seals),
        ),
        r(
            Method::POST,
            "/api/v1/licenses/verify",
            "/api/v1/licenses/verify",
            Public,
            post(api::verify_license),
        ),
        r(
            Method::GET,
            "/api/v1/license-types",
            "/api/v1/license-types",
            Public,
            get(api::list_license_types),
        ),
        r(
            Method::POST,
            "/api/v1/license-types",
            "/api/v1/license-types",
            Access::Permission(P::ManageLicences),
            post(api::put_license_type),
        ),
        r(
            Method::POST,
            "/api/v1/licenses",
            "/api/v1/licenses",
            Access::Permission(P::ManageLicences),
            post(api::import_license),
        ),
        r(
            Method::GET,
            "/api/v1/me/licenses",
            "/api/v1/me/licenses",
            Access::Permission(P::ApplicantSelfService),
            get(api::my_licenses),
        ),
        r(
            Method::POST,
            "/api/v1/me/licenses/{identifier}/presentations",
            "/api/v1/me/licenses/1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K.00000001.001.0/presentations",
            Access::Permission(P::ApplicantSelfService),
            post(api::present_license),
        ),
        r(
            Method::GET,
            "/me/licences",
            "/me/licences",
            Access::Permission(P::ApplicantSelfService),
            get(pages::licences::wallet),
        ),
        r(
            Method::GET,
            "/me/licences/{id}",
            "/me/licences/1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K.00000001.001.0",
            Access::Permission(P::ApplicantSelfService),
            get(pages::licences::show),
        ),
        r(
            Method::GET,
            "/me/licences/{id}/json",
            "/me/licences/1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K.00000001.001.0/json",
            Access::Permission(P::ApplicantSelfService),
            get(pages::licences::download_json),
        ),
        r(
            Method::GET,
            "/me/licences/{id}/pdf",
            "/me/licences/1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K.00000001.001.0/pdf",
            Access::Permission(P::ApplicantSelfService),
            get(pages::licences::download_pdf),
        ),
        r(
            Method::POST,
            "/me/licences/{id}/present",
            "/me/licences/1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K.00000001.001.0/present",
            Access::Permission(P::ApplicantSelfService),
            post(pages::licences::present),
        ),
        r(
            Method::GET,
            "/v/{payload}",
            "/v/not-a-payload",
            Public,
            get(pages::licences::verify_page),
        ),
        r(
            Method::GET,
            "/verify",
            "/verify",
            Public,
            get(pages::licences::verify_form),
        ),
        r(
            Method::GET,
            "/licences/{id}/status",
            "/licences/1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K.00000001.001.0/status",
            Public,
            get(pages::licences::status_page),
        ),
        r(
            Method::POST,
            "/staff/licences/{id}/revoke",
            "/staff/licences/1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K.00000001.001.0/revoke",
            Access::Permission(P::ReviewCases),
            post(pages::licences::revoke),
        ),
        r(
            Method::POST,
            "/api/v1/cases/{case_no}/actions",
            "/api/v1/cases/0000000000000000000000000000000202611270001/actions",
            LoggedIn,
            post(api::act_on_case),
        ),
        r(
            Method::GET,
            "/api/v1/cases/{case_no}",
            "/api/v1/cases/0000000000000000000000000000000202611270001",
            LoggedIn,
            get(api::get_case),
        ),
        r(
            Method::GET,
            "/api/v1/cases/{case_no}/materials/{id}",
            "/api/v1/cases/0000000000000000000000000000000202611270001/materials/x",
            LoggedIn,
            get(api::get_case_material),
        ),
        r(
            Method::POST,
            "/api/v1/cases/{case_no}/materials/{id}/check",
            "/api/v1/cases/0000000000000000000000000000000202611270001/materials/x/check",
            Access::Permission(P::StaffWorkbench),
            post(api::check_case_material),
        ),
        r(
            Method::GET,
            "/api/v1/calendar/add-working-days",
            "/api/v1/calendar/add-working-days?from=2026-09-30&days=3",
            Public,
            get(api::add_working_days),
        ),
        r(
            Method::GET,
            "/api/v1/items",
            "/api/v1/items",
            Public,
            get(api::list_items),
        ),
        r(
            Method::GET,
            "/api/v1/items/{implementation_code}",
            "/api/v1/items/0000000000000000000000000000000",
            Public,
            get(api::get_item),
        ),
        r(
            Method::POST,
            "/api/v1/accounts",
            "/api/v1/accounts",
            Public,
            post(api::register_account),
        ),
        r(
            Method::POST,
            "/api/v1/sessions",
            "/api/v1/sessions",
            Public,
            post(api::create_session),
        ),
        // Single sign-on: the provider's endpoints (their paths are the discovery document's)
        // and the provincial login.
        r(
            Method::GET,
            "/.well-known/openid-configuration",
            "/.well-known/openid-configuration",
            Public,
            get(crate::oidc::discovery),
        ),
        r(
            Method::GET,
            "/oidc/jwks",
            "/oidc/jwks",
            Public,
            get(crate::oidc::jwks),
        ),
        r(
            Method::GET,
            "/oidc/authorize",
            "/oidc/authorize",
            Public,
            get(crate::oidc::authorize),
        ),
        r(
            Method::POST,
            "/oidc/authorize",
            "/oidc/authorize",
            LoggedIn,
            post(crate::oidc::decide),
        ),
        r(
            Method::POST,
            "/oidc/token",
            "/oidc/token",
            Access::OwnCredentials,
            post(crate::oidc::token),
        ),
        r(
            Method::GET,
            "/oidc/userinfo",
            "/oidc/userinfo",
            Access::OwnCredentials,
            get(crate::oidc::userinfo),
        ),
        r(
            Method::GET,
            "/oidc/logout",
            "/oidc/logout",
            Public,
            get(crate::oidc::logout),
        ),
        r(
            Method::GET,
            "/login/provincial",
            "/login/provincial",
            Public,
            get(crate::oidc::provincial_start),
        ),
        r(
            Method::GET,
            "/login/provincial/callback",
            "/login/provincial/callback",
            Public,
            get(crate::oidc::provincial_callback),
        ),
        r(
            Method::GET,
            "/api/v1/audit/checkpoints",
            "/api/v1/audit/checkpoints",
            Public,
            get(api::audit_checkpoints),
        ),
        r(
            Method::GET,
            "/audit/checkpoints",
            "/audit/checkpoints",
            Public,
            get(pages::public::audit_checkpoints),
        ),
        r(
            Method::POST,
            "/api/v1/password-resets",
            "/api/v1/password-resets",
            Public,
            post(api::request_password_reset),
        ),
        r(
            Method::POST,
            "/api/v1/password-resets/confirm",
            "/api/v1/password-resets/confirm",
            Public,
            post(api::confirm_password_reset),
        ),
        r(
            Method::POST,
            "/api/v1/account-claims",
            "/api/v1/account-claims",
            Public,
            post(api::claim_account),
        ),
        r(
            Method::POST,
            "/api/v1/identity-verifications",
            "/api/v1/identity-verifications",
            Access::Permission(P::HandleIntake),
            post(api::verify_identity),
        ),
        r(
            Method::DELETE,
            "/api/v1/sessions/current",
            "/api/v1/sessions/current",
            LoggedIn,
            delete(api::delete_current_session),
        ),
        r(
            Method::GET,
            "/api/v1/me",
            "/api/v1/me",
            LoggedIn,
            get(api::me),
        ),
        r(
            Method::GET,
            "/api/v1/org-units",
            "/api/v1/org-units",
            Public,
            get(api::list_org_units),
        ),
        r(
            Method::GET,
            "/api/v1/halls",
            "/api/v1/halls",
            Public,
            get(api::list_halls),
        ),
        r(
            Method::GET,
            "/api/openapi.json",
            "/api/openapi.json",
            Public,
            get(api::openapi),
        ),
        // Probes and assets.
        r(
            Method::GET,
            "/healthz",
            "/healthz",
            Public,
            get(api::healthz),
        ),
        r(Method::GET, "/readyz", "/readyz", Public, get(api::readyz)),
        r(
            Method::GET,
            "/static/app.css",
            "/static/app.css",
            Public,
            get(assets::app_css),
        ),
    ]
}

/// Every route and its access rule.
pub fn route_specs() -> Vec<RouteSpec> {
    table(0).into_iter().map(|(spec, _)| spec).collect()
}

async fn guard(
    State(spec): State<RouteSpec>,
    current: Current,
    req: Request,
    next: Next,
) -> Response {
    if spec.access.admits(&current) {
        return next.run(req).await;
    }
    if current.account.is_some() {
        return WebError::Forbidden.into_response();
    }
    if spec.is_api() || spec.method != Method::GET {
        return WebError::Unauthorized.into_response();
    }
    // A person who followed a link to a protected page logs in and comes straight back.
    let next_path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    crate::page::redirect(&format!(
        "/login?next={}",
        serde_urlencoded::to_string([("", next_path)])
            .map(|s| s.trim_start_matches('=').to_owned())
            .unwrap_or_default()
    ))
    .into_response()
}

pub fn router(state: AppState) -> Router {
    let mut router: Router<AppState> = Router::new();
    for (spec, method_router) in table(state.config.upload_limit_bytes) {
        let path = spec.path;
        let guarded = method_router.route_layer(middleware::from_fn_with_state(spec, guard));
        router = router.route(path, guarded);
    }
    router
        .fallback(page::not_found)
        .layer(middleware::from_fn(crate::hardening::rejections_as_problems))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(middleware::from_fn(page::html_errors))
        .layer(middleware::from_fn_with_state(state.clone(), auth::resolve_session))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::hardening::cache_and_transport,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"),
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
