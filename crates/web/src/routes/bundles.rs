//! The routes of 一件事一次办 (issue 13): the bundle list and guides, and their API.

use axum::http::Method;
use axum::routing::get;

use super::{Access, Row, r};
use crate::api;
use crate::pages::bundles;

pub(super) fn table() -> Vec<Row> {
    use Access::Public;
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
    ]
}
