//! 窗口代收补正材料: the person who comes back with the missing paper, at any comprehensive
//! window. Step one finds the case by its number and the person's ID number (both posted,
//! never in a URL); step two checks the identity document and takes the files.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_app::cases::{self, OwedAtWindow, Upload};
use tongban_domain::ValidationErrors;
use tongban_domain::mask::mask_id_number;

use crate::auth::Current;
use crate::page::{Ctx, FormField, render, with_errors};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "cases/window_supply.html")]
struct WindowSupplyPage {
    ctx: Ctx,
    fields: Vec<FormField>,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
    /// Step two: the case found, the person's number (kept in a hidden field) masked for
    /// display, and the errors of the files.
    found: Option<OwedAtWindow>,
    id_number: String,
    id_masked: String,
    file_errors: Vec<String>,
}

fn lookup_fields(case_no: &str, id_number: &str, errors: &ValidationErrors) -> Vec<FormField> {
    vec![
        FormField::new("case_no", "办件编号")
            .hint("43 位，见受理回执或一次性告知书")
            .with(case_no, errors),
        FormField::new("id_number", "申请人证件号码")
            .hint("身份证号码或统一社会信用代码")
            .with(id_number, errors),
    ]
}

fn page(
    ctx: Ctx,
    case_no: &str,
    id_number: &str,
    errors: &ValidationErrors,
    form_error: Option<String>,
    found: Option<OwedAtWindow>,
) -> Result<Response, WebError> {
    let fields = lookup_fields(case_no, id_number, errors);
    render(&WindowSupplyPage {
        fields_with_errors: with_errors(&fields),
        fields,
        form_error,
        id_masked: mask_id_number(&id_number.trim().to_ascii_uppercase()),
        id_number: id_number.to_owned(),
        file_errors: errors
            .errors
            .iter()
            .filter(|e| e.field != "case_no" && e.field != "id_number")
            .map(|e| e.message.clone())
            .collect(),
        found,
        ctx,
    })
}

pub async fn start(ctx: Ctx, _current: Current) -> Result<Response, WebError> {
    page(ctx, "", "", &ValidationErrors::new(), None, None)
}

#[derive(Deserialize)]
pub struct Lookup {
    #[serde(default)]
    case_no: String,
    #[serde(default)]
    id_number: String,
}

/// Step one: the case and what the person owes, or why not.
pub async fn find(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(f): Form<Lookup>,
) -> Result<Response, WebError> {
    match cases::find_for_window(&state, &current, &f.case_no, &f.id_number)
        .await
        .map_err(WebError::from)
    {
        Ok(found) => page(
            ctx,
            &f.case_no,
            &f.id_number,
            &ValidationErrors::new(),
            None,
            Some(found),
        ),
        Err(WebError::Validation(errors)) => {
            page(ctx, &f.case_no, &f.id_number, &errors, None, None)
        }
        Err(WebError::Refused { detail, .. }) => page(
            ctx,
            &f.case_no,
            &f.id_number,
            &ValidationErrors::new(),
            Some(detail),
            None,
        ),
        Err(e) => Err(e),
    }
}

/// Step two: the identity checked and the files taken, as one step on the case.
pub async fn supply(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let (fields, files) = super::cases::read_multipart(multipart).await?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (case_no, id_number) = (get("case_no"), get("id_number"));
    let found = match cases::find_for_window(&state, &current, &case_no, &id_number)
        .await
        .map_err(WebError::from)
    {
        Ok(found) => found,
        Err(WebError::Validation(errors)) => {
            return page(ctx, &case_no, &id_number, &errors, None, None);
        }
        Err(e) => return Err(e),
    };
    let uploads: Vec<Upload> = files
        .into_iter()
        .filter_map(|(field, filename, bytes)| {
            let i: usize = field.strip_prefix("file_")?.parse().ok()?;
            Some(Upload {
                name: found.owed.get(i)?.clone(),
                field: field.clone(),
                content_field: field,
                filename,
                bytes: Some(bytes),
            })
        })
        .collect();
    let mut errors = ValidationErrors::new();
    let materials = cases::check_uploads(uploads, &mut errors);
    if !errors.is_empty() {
        return page(ctx, &case_no, &id_number, &errors, None, Some(found));
    }
    match cases::supply_at_window(
        &state,
        &current,
        &case_no,
        &id_number,
        get("id_checked") == "yes",
        materials,
    )
    .await
    .map_err(WebError::from)
    {
        Ok(case) => Ok(
            crate::page::redirect(&format!("/staff/supply/done/{}", case.case_no)).into_response(),
        ),
        Err(WebError::Validation(errors)) => {
            page(ctx, &case_no, &id_number, &errors, None, Some(found))
        }
        Err(WebError::Refused { detail, .. } | WebError::Conflict { detail, .. }) => page(
            ctx,
            &case_no,
            &id_number,
            &ValidationErrors::new(),
            Some(detail),
            Some(found),
        ),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "cases/window_supply_done.html")]
struct DonePage {
    ctx: Ctx,
    case_no: String,
}

/// What the clerk tells the person: received, and where the case goes next. The case itself
/// may lie outside this window's scope, so only its number is shown.
pub async fn done(
    ctx: Ctx,
    _current: Current,
    axum::extract::Path(case_no): axum::extract::Path<String>,
) -> Result<Response, WebError> {
    if case_no.len() != 43 || !case_no.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(WebError::NotFound);
    }
    render(&DonePage { ctx, case_no })
}
