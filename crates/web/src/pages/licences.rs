//! Licence pages: the holder's wallet (卡包) with downloads and presentation (亮证), the
//! public verification pages a QR code opens, and revocation by the issuing department.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_domain::licence::Verdict;
use tongban_store::LicenceRecord;

use crate::auth::Current;
use crate::page::{Ctx, absolute_url, download, qr_svg, render};
use crate::{AppState, WebError};
use tongban_app::licences;

struct WalletRow {
    record: LicenceRecord,
    verdict: Verdict,
}

#[derive(Template)]
#[template(path = "licences/wallet.html")]
struct WalletPage {
    ctx: Ctx,
    rows: Vec<WalletRow>,
    /// Set instead of rows for an unverified account: how to verify.
    unverified: Option<&'static str>,
}

/// The holder's licences, with today's status of each.
pub async fn wallet(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let account = current.account()?;
    let (rows, unverified) = match licences::wallet(&state, account).await {
        Ok(rows) => (
            rows.into_iter()
                .map(|(record, verdict)| WalletRow { record, verdict })
                .collect(),
            None,
        ),
        Err(tongban_app::AppError::Unverified) => {
            (Vec::new(), Some(tongban_domain::identity::HOW_TO_VERIFY))
        }
        Err(e) => return Err(e.into()),
    };
    render(&WalletPage {
        ctx,
        rows,
        unverified,
    })
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
    presentation: Option<(String, String, String, String)>,
}

fn licence_page(
    ctx: Ctx,
    view: licences::LicenceView,
    presentation: Option<(String, String, String, String)>,
) -> Result<Response, WebError> {
    render(&LicencePage {
        ctx,
        record: view.record,
        verdict: view.verdict,
        fields: view.fields,
        presentation,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let view = licences::view_own(&state, &current, &id).await?;
    licence_page(ctx, view, None)
}

/// The signed JSON: the licence and its seal, verifiable with `/api/v1/seals`.
pub async fn download_json(
    State(state): State<AppState>,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let record = licences::own(&state, &current, &id).await?;
    let body = serde_json::to_vec_pretty(&record.sealed).map_err(WebError::internal)?;
    Ok(download(body, "application/json", "licence.json"))
}

/// The licence as a PDF with a QR code to its public status page.
pub async fn download_pdf(
    State(state): State<AppState>,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let record = licences::own(&state, &current, &id).await?;
    let url = absolute_url(
        &state,
        &format!("/licences/{}/status", record.sealed.licence.identifier),
    );
    let fields = licences::labelled_fields(&state, &record).await?;
    let pdf = crate::licence_pdf::render(&record.sealed, &fields, &url)?;
    Ok(download(pdf, "application/pdf", "licence.pdf"))
}

/// 亮证: a presentation code valid for a few minutes, shown as a QR code and a link.
pub async fn present(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (_, p, compact) = licences::present_own(&state, &current, &id).await?;
    let url = absolute_url(&state, &format!("/v/{}", p.encode()));
    // The QR holds the compact code: under 500 alphanumeric characters, a coarse symbol a
    // scanner reads at arm's length (the full link stays beside it).
    let svg = qr_svg(&compact)?;
    let until = crate::page::local_time(
        chrono::DateTime::parse_from_rfc3339(&p.until)
            .map_err(WebError::internal)?
            .with_timezone(&chrono::Utc),
    );
    let view = licences::view_own(&state, &current, &id).await?;
    licence_page(ctx, view, Some((svg, url, until, compact)))
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

#[derive(Template)]
#[template(path = "licences/verify_form.html")]
struct VerifyFormPage {
    ctx: Ctx,
    code: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    code: String,
}

/// `GET /verify`: a verifier types or pastes the code a scanner read (a compact `TB1:` code
/// or a presentation link); no login.
pub async fn verify_form(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<VerifyQuery>,
) -> Result<Response, WebError> {
    let code = q.code.trim().to_owned();
    if code.is_empty() {
        return render(&VerifyFormPage {
            ctx,
            code,
            error: None,
        });
    }
    let payload = code.rsplit_once("/v/").map_or(code.as_str(), |(_, p)| p);
    match licences::verify_payload(&state, payload).await {
        Ok(outcome) => render(&VerifyPage { ctx, outcome }),
        Err(tongban_app::AppError::Unreadable(message)) => render(&VerifyFormPage {
            ctx,
            code,
            error: Some(message),
        }),
        Err(e) => Err(e.into()),
    }
}

/// The status page a licence PDF's QR code opens: the library's current record.
pub async fn status_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let outcome = licences::status(&state, &id).await?;
    render(&VerifyPage { ctx, outcome })
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
    let case_no = licences::revoke(&state, &current, &id, &form.reason).await?;
    let back = if form.case_no.is_empty() {
        case_no
    } else {
        form.case_no
    };
    Ok(crate::page::redirect(&format!("/staff/cases/{back}")).into_response())
}
