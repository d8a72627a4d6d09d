//! Licence pages: the holder's wallet (卡包) with downloads and presentation (亮证), the
//! public verification pages a QR code opens, and revocation by the issuing department.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tongban_domain::authz::Permission;
use tongban_domain::licence::{Verdict, verdict};
use tongban_domain::mask::{mask_id_number, mask_name};
use tongban_store::{LicenceRecord, StoreError};

use crate::auth::Current;
use crate::licences;
use crate::page::{Ctx, absolute_url, download, qr_svg, render};
use crate::{AppState, WebError};

struct WalletRow {
    record: LicenceRecord,
    verdict: Verdict,
}

#[derive(Template)]
#[template(path = "licences/wallet.html")]
struct WalletPage {
    ctx: Ctx,
    rows: Vec<WalletRow>,
}

/// The holder's licences, with today's status of each.
pub async fn wallet(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let account = current.account()?;
    let rows = licences::wallet(&state, &account.login)
        .await?
        .into_iter()
        .map(|(record, verdict)| WalletRow { record, verdict })
        .collect();
    render(&WalletPage { ctx, rows })
}

/// The holder's own licence, or not found (also for other people's licences).
async fn own(state: &AppState, current: &Current, id: &str) -> Result<LicenceRecord, WebError> {
    let account = current.account()?;
    let record = state.store.licence(id).await?;
    if record.sealed.licence.holder_id != account.login {
        return Err(WebError::NotFound);
    }
    Ok(record)
}

#[derive(Template)]
#[template(path = "licences/show.html")]
struct LicencePage {
    ctx: Ctx,
    record: LicenceRecord,
    verdict: Verdict,
    /// Field labels from the licence type.
    fields: Vec<(String, String)>,
    /// A presentation just made: its QR (SVG), link and deadline.
    presentation: Option<(String, String, String)>,
}

async fn licence_page(
    state: &AppState,
    ctx: Ctx,
    record: LicenceRecord,
    presentation: Option<(String, String, String)>,
) -> Result<Response, WebError> {
    let keys = state
        .seal_keys
        .covering(&state.store, &[record.sealed.seal.key_id.as_str()])
        .await?;
    let v = verdict(
        &record.sealed,
        keys.get(&record.sealed.seal.key_id).map(String::as_str),
        record.revoked(),
        crate::cases::today(state),
    );
    let fields = labelled_fields(state, &record).await?;
    render(&LicencePage {
        ctx,
        record,
        verdict: v,
        fields,
        presentation,
    })
}

/// The licence's data items with their type's labels.
async fn labelled_fields(
    state: &AppState,
    record: &LicenceRecord,
) -> Result<Vec<(String, String)>, WebError> {
    let types = state.store.licence_types().await?;
    let ty = types
        .iter()
        .find(|t| t.code == record.sealed.licence.type_code);
    Ok(record
        .sealed
        .licence
        .fields
        .iter()
        .map(|(k, val)| {
            let label = ty
                .and_then(|t| t.fields.iter().find(|f| &f.key == k))
                .map(|f| f.label.clone())
                .unwrap_or_else(|| k.clone());
            (label, val.clone())
        })
        .collect())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let record = own(&state, &current, &id).await?;
    licence_page(&state, ctx, record, None).await
}

/// The signed JSON: the licence and its seal, verifiable with `/api/v1/seals`.
pub async fn download_json(
    State(state): State<AppState>,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let record = own(&state, &current, &id).await?;
    let body = serde_json::to_vec_pretty(&record.sealed).map_err(WebError::internal)?;
    Ok(download(body, "application/json", "licence.json"))
}

/// The licence as a PDF with a QR code to its public status page.
pub async fn download_pdf(
    State(state): State<AppState>,
    current: Current,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let record = own(&state, &current, &id).await?;
    let url = absolute_url(
        &state,
        &headers,
        &format!("/licences/{}/status", record.sealed.licence.identifier),
    );
    let fields = labelled_fields(&state, &record).await?;
    let pdf = crate::licence_pdf::render(&record.sealed, &fields, &url)?;
    Ok(download(pdf, "application/pdf", "licence.pdf"))
}

/// 亮证: a presentation code valid for a few minutes, shown as a QR code and a link.
pub async fn present(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let record = own(&state, &current, &id).await?;
    if record.revoked() {
        return Err(WebError::Conflict {
            code: "licence_revoked",
            detail: "已撤销的证照不能出示".into(),
        });
    }
    let p = licences::present(&state, record.clone()).await?;
    let url = absolute_url(&state, &headers, &format!("/v/{}", p.encode()));
    let svg = qr_svg(&url)?;
    let until = crate::page::local_time(
        chrono::DateTime::parse_from_rfc3339(&p.until)
            .map_err(WebError::internal)?
            .with_timezone(&chrono::Utc),
    );
    licence_page(&state, ctx, record, Some((svg, url, until))).await
}

#[derive(Template)]
#[template(path = "licences/verify.html")]
struct VerifyPage {
    ctx: Ctx,
    outcome: licences::VerifyOutcome,
}

/// What a scanned presentation code opens: no login, the verdict and masked details.
pub async fn verify_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(payload): Path<String>,
) -> Result<Response, WebError> {
    let outcome = licences::verify_payload(&state, &payload).await?;
    render(&VerifyPage { ctx, outcome })
}

/// The status page a licence PDF's QR code opens: the library's current record.
pub async fn status_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let record = match state.store.licence(&id).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => {
            let v = Verdict::Forged;
            return render(&VerifyPage {
                ctx,
                outcome: licences::VerifyOutcome {
                    valid: false,
                    status: v.as_str().into(),
                    status_code: v.status_code().into(),
                    status_label: "证照库中没有这一证照".into(),
                    issuer: None,
                    licence_name: None,
                    identifier: Some(id),
                    holder: None,
                    valid_until: None,
                    presented_until: None,
                },
            });
        }
        Err(e) => return Err(e.into()),
    };
    let keys = state
        .seal_keys
        .covering(&state.store, &[record.sealed.seal.key_id.as_str()])
        .await?;
    let v = verdict(
        &record.sealed,
        keys.get(&record.sealed.seal.key_id).map(String::as_str),
        record.revoked(),
        crate::cases::today(&state),
    );
    let l = &record.sealed.licence;
    render(&VerifyPage {
        ctx,
        outcome: licences::VerifyOutcome {
            valid: v == Verdict::Valid,
            status: v.as_str().into(),
            status_code: v.status_code().into(),
            status_label: v.label().into(),
            issuer: Some(l.issuer_name.clone()),
            licence_name: Some(l.type_name.clone()),
            identifier: Some(l.identifier.clone()),
            holder: Some(format!(
                "{}（{}）",
                mask_name(&l.holder_name),
                mask_id_number(&l.holder_id)
            )),
            valid_until: l.valid_until.clone(),
            presented_until: None,
        },
    })
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    case_no: String,
}

/// The issuing department revokes a licence, with the reason on record.
pub async fn revoke(
    State(state): State<AppState>,
    current: Current,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, WebError> {
    let cap = current.principal.capability(Permission::ReviewCases)?;
    let record = state.store.licence(&id).await?;
    let case_id = record.case_id.clone().ok_or(WebError::Forbidden)?;
    let case = state.store.case_by_id(&case_id).await?;
    if !cap.scope().covers(&case.org_path) {
        return Err(WebError::Forbidden);
    }
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        let mut e = tongban_domain::ValidationErrors::new();
        e.add("reason", "required", "撤销证照须写明理由（200 字以内）");
        return Err(e.into());
    }
    match state
        .store
        .revoke_licence(state.clock.now(), cap.actor(), &id, reason)
        .await
    {
        Err(StoreError::Conflict(_)) => {
            return Err(WebError::Conflict {
                code: "already_revoked",
                detail: "该证照已被撤销".into(),
            });
        }
        other => other?,
    }
    let back = if form.case_no.is_empty() {
        case.case_no
    } else {
        form.case_no
    };
    Ok(Redirect::to(&format!("/staff/cases/{back}")).into_response())
}
