//! `/me/notifications`: how a person is reached beyond the message centre (SMS to the phone
//! on the account, e-mail to an address they give), and what went out lately.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_domain::notify::Preferences;
use tongban_store::DeliveryRecord;

use crate::AppState;
use crate::auth::Current;
use crate::error::WebError;
use crate::page::{Ctx, FormField, redirect, render};

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    ctx: Ctx,
    prefs: Preferences,
    email: FormField,
    phone: Option<String>,
    deliveries: Vec<DeliveryRecord>,
    saved: bool,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    prefs: Preferences,
    email: FormField,
    saved: bool,
) -> Result<Response, WebError> {
    let failed = email.error.is_some();
    let mut p = render(&NotificationsPage {
        ctx,
        phone: current
            .account
            .as_ref()
            .and_then(|a| a.phone.as_deref())
            .map(tongban_domain::mask::mask_phone),
        deliveries: tongban_app::notify::deliveries(state, current).await?,
        fields_with_errors: crate::page::with_errors(std::slice::from_ref(&email)),
        form_error: None,
        prefs,
        email,
        saved,
    })?;
    if failed {
        *p.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(p)
}

fn email_field() -> FormField {
    let mut f = FormField::new("email", "电子邮箱");
    f.required = false;
    f.kind("email")
        .autocomplete("email")
        .hint("填写后，办件进度、叫号、预约提醒等也会发到这个邮箱；留空即不发邮件")
}

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Result<Response, WebError> {
    let prefs = tongban_app::notify::preferences(&state, &current).await?;
    let email = email_field().with(
        prefs.email.as_deref().unwrap_or_default(),
        &tongban_domain::ValidationErrors::new(),
    );
    page(&state, ctx, &current, prefs, email, q.saved.is_some()).await
}

#[derive(Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    sms: Option<String>,
    #[serde(default)]
    email: String,
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(form): Form<PreferencesForm>,
) -> Result<Response, WebError> {
    match tongban_app::notify::set_preferences(
        &state,
        &current,
        form.sms.is_some(),
        Some(&form.email),
    )
    .await
    {
        Ok(_) => Ok(redirect("/me/notifications?saved=1").into_response()),
        Err(tongban_app::AppError::Validation(v)) => {
            let prefs = Preferences {
                sms: form.sms.is_some(),
                email: Some(form.email.clone()),
            };
            let email = email_field().with(&form.email, &v);
            page(&state, ctx, &current, prefs, email, false).await
        }
        Err(e) => Err(e.into()),
    }
}
