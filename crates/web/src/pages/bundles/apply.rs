//! Applying for a bundle on a page, online or at a comprehensive window: first the
//! questions (a GET form, so it works without JavaScript and can be bookmarked), then one
//! form with the fields and materials the answers call for, posted once.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Response};
use tongban_app::bundles::{self, BundlePlan};
use tongban_domain::ValidationErrors;
use tongban_domain::authz::{Permission, allows};
use tongban_domain::bundle::{FieldKind, FieldSpec, MergedMaterial, Question};
use tongban_domain::catalog::MaterialSource;

use crate::auth::Current;
use crate::page::{Ctx, render};
use crate::pages::cases::read_multipart;
use crate::window_fields::WindowFields;
use crate::{AppState, WebError};
use tongban_app::accounts::new_token;

/// An input of the merged form, with what was typed and its error.
struct InputRow {
    name: String,
    label: String,
    input_type: &'static str,
    inputmode: &'static str,
    hint: &'static str,
    value: String,
    required: bool,
    error: Option<String>,
}

/// A material's file input.
struct FileRow {
    index: usize,
    name: String,
    necessity: String,
    /// Where a licence may stand for it, in words.
    licence: Option<String>,
    used_by: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "bundles/apply.html")]
struct ApplyPage {
    ctx: Ctx,
    code: String,
    name: String,
    questions: Vec<Question>,
    answers: BTreeMap<String, String>,
    /// The questions' errors (an answer missing or not offered).
    answer_errors: Vec<String>,
    /// `None` until every question is answered.
    plan: Option<BundlePlan>,
    inputs: Vec<InputRow>,
    files: Vec<FileRow>,
    /// Errors not beside a field (the summary lists every one).
    errors: Vec<String>,
    submission: String,
    window: Option<WindowFields>,
}

impl ApplyPage {
    fn checked(&self, q: &str, v: &str) -> bool {
        self.answers.get(q).is_some_and(|a| a == v)
    }

    fn member_names(&self) -> Vec<String> {
        self.plan.as_ref().map_or_else(Vec::new, |p| {
            p.members
                .iter()
                .map(|m| p.guide.member_name(&m.implementation_code))
                .collect()
        })
    }
}

fn input_of(
    f: &FieldSpec,
    values: &BTreeMap<String, String>,
    errors: &ValidationErrors,
) -> InputRow {
    let (input_type, inputmode, hint) = match f.kind {
        FieldKind::Text => ("text", "text", ""),
        FieldKind::IdNumber => ("text", "text", "18 位，末位可能是 X"),
        FieldKind::CreditCode => ("text", "text", "18 位统一社会信用代码"),
        FieldKind::Phone => ("tel", "tel", "11 位手机号码"),
        // Typed, not a picker: a picker's format follows the phone's locale, while people
        // write dates every way (the domain reads them all).
        FieldKind::Date => ("text", "numeric", "如 2026-03-01 或 20260301"),
    };
    InputRow {
        name: format!("f.{}", f.key),
        label: f.label.clone(),
        input_type,
        inputmode,
        hint,
        value: values.get(&f.key).cloned().unwrap_or_default(),
        required: f.required,
        error: errors
            .message_for(&format!("form.{}", f.key))
            .map(str::to_owned),
    }
}

fn files_of(plan: &BundlePlan, errors: &ValidationErrors) -> Vec<FileRow> {
    plan.materials
        .iter()
        .enumerate()
        .map(|(index, m): (usize, &MergedMaterial)| FileRow {
            index,
            name: m.name.clone(),
            necessity: m.necessity.label().to_owned(),
            licence: match &m.source {
                MaterialSource::Government { licence_type }
                    if !licence_type.is_empty() && m.waivable =>
                {
                    Some(format!(
                        "已持有电子{licence_type}的免提交；由本一件事中前置事项核发的，办结后自动调取"
                    ))
                }
                _ => None,
            },
            used_by: m
                .required_by
                .iter()
                .map(|c| plan.guide.member_name(c))
                .collect::<Vec<_>>()
                .join("、"),
            error: errors
                .message_for(&format!("file_{index}.name"))
                .or_else(|| errors.message_for(&format!("file_{index}")))
                .map(str::to_owned),
        })
        .collect()
}

/// Answers from query or form fields named `a.<question>`.
fn answers_of(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("a.")?.to_owned(), v.clone())))
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    code: &str,
    answers: BTreeMap<String, String>,
    values: &BTreeMap<String, String>,
    errors: ValidationErrors,
    submission: String,
    window: Option<WindowFields>,
) -> Result<Response, WebError> {
    let guide = bundles::guide(state, code).await?;
    let asked = !answers.is_empty() || guide.bundle.questions.is_empty();
    let (plan, answer_errors) = if asked {
        match bundles::plan(state, code, &answers).await {
            Ok(p) => (Some(p), Vec::new()),
            Err(tongban_app::AppError::Validation(v)) => {
                (None, v.errors.into_iter().map(|e| e.message).collect())
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        (None, Vec::new())
    };
    let inputs = plan.as_ref().map_or_else(Vec::new, |p| {
        p.fields
            .iter()
            .map(|f| input_of(f, values, &errors))
            .collect()
    });
    let files = plan
        .as_ref()
        .map_or_else(Vec::new, |p| files_of(p, &errors));
    let window = window.or_else(|| {
        allows(&current.principal, Permission::HandleIntake).then(|| WindowFields {
            kind: "citizen".into(),
            mode: "in_person".into(),
            ..WindowFields::default()
        })
    });
    render(&ApplyPage {
        ctx,
        code: guide.bundle.code.clone(),
        name: guide.bundle.name.clone(),
        questions: guide.bundle.questions.clone(),
        answers,
        answer_errors,
        plan,
        inputs,
        files,
        errors: errors.errors.into_iter().map(|e| e.message).collect(),
        submission,
        window,
    })
}

/// `GET /bundles/{code}/apply`: the questions, then (with every answer) the one form.
pub async fn apply_form(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(code): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    // Online, what the account already knows is filled in; at a window the person differs.
    let known = match &current.account {
        Some(a) if !allows(&current.principal, Permission::HandleIntake) => bundles::prefill(a),
        _ => BTreeMap::new(),
    };
    page(
        &state,
        ctx,
        &current,
        &code,
        answers_of(&query),
        &known,
        ValidationErrors::new(),
        new_token(),
        None,
    )
    .await
}

/// `POST /bundles/{code}/apply`: one submission for every member.
pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let (fields, files) = read_multipart(multipart).await?;
    let answers = answers_of(&fields);
    let values: BTreeMap<String, String> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("f.")?.to_owned(), v.clone())))
        .collect();
    let submission = fields
        .iter()
        .find(|(k, _)| k == "submission")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let plan = bundles::plan(&state, &code, &answers).await?;
    let uploads = crate::pages::cases::numbered_uploads(files, |i| {
        plan.materials.get(i).map(|m| m.name.clone())
    });
    let clerk = allows(&current.principal, Permission::HandleIntake);
    let window = clerk.then(|| WindowFields::read(&fields));
    let on_behalf = match &window {
        Some(w) => match tongban_app::cases::window_applicant(&state, &current, w.form()).await {
            Ok(b) => Some(b),
            Err(tongban_app::AppError::Validation(v)) => {
                return page(
                    &state, ctx, &current, &code, answers, &values, v, submission, window,
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let result = bundles::apply(
        &state,
        &current,
        bundles::BundleApplication {
            code: code.clone(),
            answers: answers.clone(),
            form: values.clone(),
            uploads,
            idempotency_key: (!submission.is_empty()).then(|| submission.clone()),
            on_behalf,
        },
        ValidationErrors::new(),
    )
    .await;
    match result {
        Ok((no, _)) => Ok(crate::page::redirect(&format!("/bundle-cases/{no}")).into_response()),
        Err(tongban_app::AppError::Validation(v)) => {
            page(
                &state, ctx, &current, &code, answers, &values, v, submission, window,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
