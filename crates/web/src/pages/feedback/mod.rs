//! The pages of 好差评, 整改, 12345 and 办不成事 (issue 12): `rate` for the people who rate
//! (their case page, the counter tablet's link, a hall's poster), `evaluations` for the
//! staff's rating lists and the bureau's settings, `rectifications`, `tickets` and `problems`
//! for the loops. Every handler calls one use case of `tongban_app::feedback`.

pub mod evaluations;
pub mod problems;
pub mod rate;
pub mod rectifications;
pub mod tickets;

use axum::http::StatusCode;
use axum::response::Response;
use tongban_domain::ValidationErrors;

use crate::WebError;
use crate::page::FormField;

/// A form's repeated fields (`reasons=a&reasons=b`) as pairs.
pub(crate) type Pairs = Vec<(String, String)>;

pub(crate) fn one(pairs: &Pairs, key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub(crate) fn all(pairs: &Pairs, key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The summary entries of a form's errors, each linking to its field, labelled by `labels`.
pub(crate) fn summary(
    errors: &ValidationErrors,
    labels: &[(&'static str, &'static str)],
) -> Vec<FormField> {
    errors
        .errors
        .iter()
        .map(|e| {
            let (name, label) = labels
                .iter()
                .find(|(n, _)| *n == e.field)
                .copied()
                .unwrap_or(("body", "提交内容"));
            let mut f = FormField::new(name, label);
            f.error = Some(e.message.clone());
            f
        })
        .collect()
}

/// A step refused on a page: the page is shown again with the reason (422 for a field, 409
/// for the state), anything else is the usual error page.
pub(crate) fn step_error(e: WebError) -> Result<(StatusCode, String), WebError> {
    match e {
        WebError::Validation(v) => Ok((StatusCode::UNPROCESSABLE_ENTITY, v.messages())),
        WebError::Refused { detail, .. } | WebError::Conflict { detail, .. } => {
            Ok((StatusCode::CONFLICT, detail))
        }
        WebError::Forbidden => Ok((StatusCode::FORBIDDEN, "这一步不由您办理".into())),
        other => Err(other),
    }
}

pub(crate) fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

/// The row class of a list entry: red when overdue or escalated.
pub(crate) fn urgency_class(overdue: bool, escalated: bool) -> &'static str {
    if overdue || escalated { "overdue" } else { "" }
}
