//! The routes of 一件事一次办 (issue 13): the bundle list and guides, applying, the bundle
//! case, and their API.

use axum::http::Method;
use axum::routing::{get, post};

use super::{Access, Row, r};
use crate::api;
use crate::pages::bundles;

pub(super) fn table(upload_limit: usize) -> Vec<Row> {
    use Access::Public;
    use tongban_domain::authz::Permission as P;
    vec![
        r(
            Method::GET,
            "/bundles",
            "/bundles",
            Public,
            get(bundles::index),
        ),
        r(
            Method::GET,
            "/bundles/{code}",
            "/bundles/NOTHING",
            Public,
            get(bundles::guide),
        ),
        r(
            Method::GET,
            "/bundles/{code}/print",
            "/bundles/NOTHING/print",
            Public,
            get(bundles::print),
        ),
        r(
            Method::GET,
            "/bundles/{code}/qr.svg",
            "/bundles/NOTHING/qr.svg",
            Public,
            get(bundles::qr),
        ),
        r(
            Method::GET,
            "/bundles/{code}/apply",
            "/bundles/NOTHING/apply",
            Access::AnyOf(&[P::ApplicantSelfService, P::HandleIntake]),
            get(bundles::apply_form),
        ),
        r(
            Method::POST,
            "/bundles/{code}/apply",
            "/bundles/NOTHING/apply",
            Access::AnyOf(&[P::ApplicantSelfService, P::HandleIntake]),
            post(bundles::apply).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::GET,
            "/bundle-cases/{bundle_no}",
            "/bundle-cases/NOTHING",
            Access::LoggedIn,
            get(bundles::show),
        ),
        r(
            Method::POST,
            "/bundle-cases/{bundle_no}/delivery",
            "/bundle-cases/NOTHING/delivery",
            Access::Permission(P::HandleIntake),
            post(bundles::deliver),
        ),
        r(
            Method::POST,
            "/bundle-cases/{bundle_no}/supply",
            "/bundle-cases/NOTHING/supply",
            Access::Permission(P::ApplicantSelfService),
            post(bundles::supply).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::POST,
            "/api/v1/bundle-cases/{bundle_no}/supplements",
            "/api/v1/bundle-cases/NOTHING/supplements",
            Access::Permission(P::ApplicantSelfService),
            post(api::bundles::supply_bundle)
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::GET,
            "/staff/bundles",
            "/staff/bundles",
            Access::Permission(P::ViewCatalogWork),
            get(bundles::staff_index),
        ),
        r(
            Method::GET,
            "/staff/bundles/{code}",
            "/staff/bundles/NOTHING",
            Access::Permission(P::ViewCatalogWork),
            get(bundles::staff_versions),
        ),
        r(
            Method::POST,
            "/staff/bundles/{code}/drafts",
            "/staff/bundles/NOTHING/drafts",
            Access::Permission(P::PublishItems),
            post(bundles::new_draft),
        ),
        r(
            Method::GET,
            "/staff/bundle-versions/{id}",
            "/staff/bundle-versions/NOTHING",
            Access::Permission(P::ViewCatalogWork),
            get(bundles::staff_version),
        ),
        r(
            Method::POST,
            "/staff/bundle-versions/{id}",
            "/staff/bundle-versions/NOTHING",
            Access::Permission(P::PublishItems),
            post(bundles::save),
        ),
        r(
            Method::POST,
            "/staff/bundle-versions/{id}/{action}",
            "/staff/bundle-versions/NOTHING/submit",
            Access::AnyOf(&[P::PublishItems, P::ReviewItems]),
            post(bundles::act),
        ),
        r(
            Method::GET,
            "/me/bundle-cases",
            "/me/bundle-cases",
            Access::Permission(P::ApplicantSelfService),
            get(bundles::mine),
        ),
        r(
            Method::GET,
            "/api/v1/bundles",
            "/api/v1/bundles",
            Public,
            get(api::bundles::list_bundles),
        ),
        r(
            Method::GET,
            "/api/v1/bundles/{code}",
            "/api/v1/bundles/NOTHING",
            Public,
            get(api::bundles::get_bundle),
        ),
        r(
            Method::POST,
            "/api/v1/bundles/{code}/applications",
            "/api/v1/bundles/NOTHING/applications",
            // Applicants for themselves, window clerks for a person at the window.
            Access::AnyOf(&[P::ApplicantSelfService, P::HandleIntake]),
            post(api::bundles::apply_bundle)
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        ),
        r(
            Method::GET,
            "/api/v1/bundle-cases/{bundle_no}",
            "/api/v1/bundle-cases/NOTHING",
            Access::LoggedIn,
            get(api::bundles::get_bundle_case),
        ),
        r(
            Method::POST,
            "/api/v1/bundle-cases/{bundle_no}/delivery",
            "/api/v1/bundle-cases/NOTHING/delivery",
            Access::Permission(P::HandleIntake),
            post(api::bundles::deliver_bundle),
        ),
    ]
}
