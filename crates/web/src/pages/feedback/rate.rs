//! Rating pages: the applicant's (from the case page and the invitation message), the
//! counter tablet's one-time link (no login), a hall poster's anonymous rating, and the
//! applicant's own ratings, tickets and problems.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_app::feedback::evaluations::{self, RatingSheet};
use tongban_domain::ValidationErrors;
use tongban_domain::feedback::evaluation::{Channel, EvaluationInput, Level, Reason, Stage};
use tongban_domain::feedback::rectification::RectificationStatus;

use super::{Pairs, all, one, summary, with_status};
use crate::auth::Current;
use crate::page::{Ctx, FormField, render};
use crate::{AppState, WebError};

/// A rating given, as the page shows it.
pub struct GivenRating {
    pub id: String,
    pub stage: &'static str,
    pub level: &'static str,
    pub bad: bool,
    pub reasons: String,
    pub comment: String,
    pub rated_on: String,
    pub amend_until: String,
    pub amendable: bool,
    pub task: Option<(String, &'static str)>,
    pub additions: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "feedback/rate.html")]
struct RatePage {
    /// Some stage has been rated (even where the ratings are not shown, on a tablet).
    rated_any: bool,
    ctx: Ctx,
    heading: String,
    case_no: Option<String>,
    item_name: String,
    department: String,
    action: String,
    /// The counter tablet: no account menu matters, the person hands it back.
    tablet: bool,
    stages: Vec<(&'static str, &'static str)>,
    levels: Vec<(i64, &'static str)>,
    bad_reasons: Vec<Reason>,
    good_reasons: Vec<Reason>,
    given: Vec<GivenRating>,
    chosen_stage: String,
    chosen_level: i64,
    chosen_reasons: Vec<String>,
    comment: String,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
    done: bool,
    add_action_prefix: String,
}

impl RatePage {
    fn error(&self, field: &str) -> String {
        self.fields_with_errors
            .iter()
            .find(|f| f.name == field)
            .and_then(|f| f.error.clone())
            .unwrap_or_default()
    }
}

const LABELS: &[(&str, &str)] = &[
    ("stage", "评价环节"),
    ("level", "满意程度"),
    ("reasons", "原因"),
    ("comment", "意见或建议"),
];

fn label_of(reasons: &[Reason], code: &str) -> String {
    reasons
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.label.clone())
        .unwrap_or_else(|| code.to_owned())
}

async fn given(state: &AppState, sheet: &RatingSheet) -> Result<Vec<GivenRating>, WebError> {
    let all = evaluations::all_reasons(state).await?;
    let mut out = Vec::new();
    for r in &sheet.ratings {
        let additions = evaluations::additions(state, &r.id)
            .await?
            .into_iter()
            .map(|a| {
                let codes: Vec<String> = serde_json::from_str(&a.reasons).unwrap_or_default();
                let labels: Vec<String> = codes.iter().map(|c| label_of(&all, c)).collect();
                (
                    crate::page::local_time(a.at),
                    [labels.join("、"), a.comment]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join("；"),
                )
            })
            .collect();
        let level = Level::from_number(r.level);
        out.push(GivenRating {
            id: r.id.clone(),
            stage: Stage::parse(&r.stage).map_or("", Stage::label),
            level: level.map_or("", Level::label),
            bad: level.is_some_and(Level::is_bad),
            reasons: r
                .reason_codes()
                .iter()
                .map(|c| label_of(&all, c))
                .collect::<Vec<_>>()
                .join("、"),
            comment: r.comment.clone(),
            rated_on: r.rated_on.clone(),
            amend_until: r.amend_until.clone(),
            amendable: sheet.amendable.contains(&r.id),
            task: r.rectification_id.clone().map(|id| {
                (
                    id,
                    r.rectification_status
                        .as_deref()
                        .and_then(RectificationStatus::parse)
                        .map_or("", RectificationStatus::label),
                )
            }),
            additions,
        });
    }
    Ok(out)
}

#[expect(
    clippy::too_many_arguments,
    reason = "the page's parts, as the handlers have them"
)]
async fn page(
    state: &AppState,
    ctx: Ctx,
    sheet: &RatingSheet,
    action: String,
    tablet: bool,
    input: Option<&EvaluationInput>,
    errors: &ValidationErrors,
    form_error: Option<String>,
    done: bool,
) -> Result<Response, WebError> {
    let stages: Vec<_> = sheet
        .open_stages
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    let mut given = given(state, sheet).await?;
    if tablet {
        // A counter tablet passes from hand to hand: the next person sees nothing of what
        // the last one said, only which stages are still open.
        given.clear();
    }
    render(&RatePage {
        rated_any: !sheet.ratings.is_empty(),
        ctx,
        heading: if tablet {
            "请您评价本次服务".into()
        } else {
            "评价办件服务".into()
        },
        case_no: (!tablet).then(|| sheet.case.case_no.clone()),
        item_name: sheet.case.item_name.clone(),
        department: sheet.case.org_name.clone(),
        action,
        tablet,
        levels: Level::ALL.iter().map(|l| (l.number(), l.label())).collect(),
        bad_reasons: sheet
            .reasons
            .iter()
            .filter(|r| r.for_bad)
            .cloned()
            .collect(),
        good_reasons: sheet
            .reasons
            .iter()
            .filter(|r| !r.for_bad)
            .cloned()
            .collect(),
        chosen_stage: input
            .map(|i| i.stage.clone())
            .or_else(|| stages.last().map(|s| s.0.to_owned()))
            .unwrap_or_default(),
        chosen_level: input.and_then(|i| i.level).unwrap_or(0),
        chosen_reasons: input.map(|i| i.reasons.clone()).unwrap_or_default(),
        comment: input.map(|i| i.comment.clone()).unwrap_or_default(),
        stages,
        given,
        fields_with_errors: summary(errors, LABELS),
        form_error,
        done,
        add_action_prefix: "/me/evaluations/".into(),
    })
}

fn input_of(pairs: &Pairs) -> EvaluationInput {
    EvaluationInput {
        stage: one(pairs, "stage"),
        level: one(pairs, "level").trim().parse().ok(),
        reasons: all(pairs, "reasons"),
        comment: one(pairs, "comment"),
    }
}

#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

pub async fn rate_form(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    Query(d): Query<Done>,
) -> Result<Response, WebError> {
    let sheet = evaluations::sheet(&state, &current, &no).await?;
    page(
        &state,
        ctx,
        &sheet,
        format!("/me/cases/{no}/rate"),
        false,
        None,
        &ValidationErrors::new(),
        None,
        d.done == "1",
    )
    .await
}

/// What a refused rating shows: the fields' errors, or why the stage cannot be rated.
fn refusal(e: WebError) -> Result<(ValidationErrors, Option<String>, StatusCode), WebError> {
    match e {
        WebError::Validation(v) => Ok((v, None, StatusCode::UNPROCESSABLE_ENTITY)),
        WebError::Refused { detail, .. } | WebError::Conflict { detail, .. } => {
            Ok((ValidationErrors::new(), Some(detail), StatusCode::CONFLICT))
        }
        other => Err(other),
    }
}

pub async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let input = input_of(&pairs);
    match evaluations::rate(&state, &current, &no, &input, Channel::Online).await {
        Ok(_) => Ok(crate::page::redirect(&format!("/me/cases/{no}/rate?done=1")).into_response()),
        Err(e) => {
            let (errors, form_error, status) = refusal(e.into())?;
            let sheet = evaluations::sheet(&state, &current, &no).await?;
            let res = page(
                &state,
                ctx,
                &sheet,
                format!("/me/cases/{no}/rate"),
                false,
                Some(&input),
                &errors,
                form_error,
                false,
            )
            .await?;
            Ok(with_status(res, status))
        }
    }
}

/// The counter tablet's rating screen, opened by the clerk's one-time link.
pub async fn tablet_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Query(d): Query<Done>,
) -> Result<Response, WebError> {
    let sheet = evaluations::sheet_by_link(&state, &token).await?;
    page(
        &state,
        ctx,
        &sheet,
        format!("/rate/{token}"),
        true,
        None,
        &ValidationErrors::new(),
        None,
        d.done == "1",
    )
    .await
}

pub async fn tablet_rate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let input = input_of(&pairs);
    match evaluations::rate_by_link(&state, &token, &input).await {
        Ok(_) => Ok(crate::page::redirect(&format!("/rate/{token}?done=1")).into_response()),
        Err(e) => {
            let (errors, form_error, status) = refusal(e.into())?;
            let sheet = evaluations::sheet_by_link(&state, &token).await?;
            let res = page(
                &state,
                ctx,
                &sheet,
                format!("/rate/{token}"),
                true,
                Some(&input),
                &errors,
                form_error,
                false,
            )
            .await?;
            Ok(with_status(res, status))
        }
    }
}

/// The clerk opens the rating screen for a case (on the counter tablet, or prints it).
pub async fn create_link(
    State(state): State<AppState>,
    current: Current,
    Path(no): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let window = one(&pairs, "window");
    let token = evaluations::create_link(&state, &current, &no, Some(window.as_str())).await?;
    Ok(crate::page::redirect(&format!("/rate/{token}")).into_response())
}

/// Adds to one's own rating within five working days.
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let case_no = one(&pairs, "case_no");
    let back = if case_no.chars().all(|c| c.is_ascii_alphanumeric()) && !case_no.is_empty() {
        format!("/me/cases/{case_no}/rate")
    } else {
        "/me/feedback".into()
    };
    match evaluations::add_to(
        &state,
        &current,
        &id,
        &all(&pairs, "reasons"),
        &one(&pairs, "comment"),
    )
    .await
    {
        Ok(()) => Ok(crate::page::redirect(&format!("{back}?done=1")).into_response()),
        // Back on the case's rating page with the reason, not on a bare error page.
        Err(e) if !case_no.is_empty() && back.starts_with("/me/cases/") => {
            let (_, form_error, status) = match refusal(e.into())? {
                (v, None, s) => (
                    ValidationErrors::new(),
                    v.errors
                        .first()
                        .map(|e| format!("追加评价未保存：{}", e.message)),
                    s,
                ),
                other => other,
            };
            let sheet = evaluations::sheet(&state, &current, &case_no).await?;
            let res = page(
                &state,
                ctx,
                &sheet,
                format!("/me/cases/{case_no}/rate"),
                false,
                None,
                &ValidationErrors::new(),
                form_error,
                false,
            )
            .await?;
            Ok(with_status(res, status))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "feedback/hall_rate.html")]
struct HallRatePage {
    ctx: Ctx,
    hall_name: String,
    action: String,
    levels: Vec<(i64, &'static str)>,
    reasons: Vec<Reason>,
    chosen_level: i64,
    chosen_reasons: Vec<String>,
    comment: String,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
    done: bool,
}

async fn hall_name(state: &AppState, hall_id: &str) -> Result<String, WebError> {
    tongban_app::org::halls(state, &[])
        .await?
        .into_iter()
        .find(|h| h.id == hall_id)
        .map(|h| h.name)
        .ok_or(WebError::NotFound)
}

#[derive(Template)]
#[template(path = "feedback/hall_poster.html")]
struct HallPosterPage {
    ctx: Ctx,
    hall_name: String,
    url: String,
    qr: String,
}

/// The poster a hall prints and hangs: its rating page's address and QR code.
pub async fn hall_poster(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(hall): Path<String>,
) -> Result<Response, WebError> {
    let hall_name = hall_name(&state, &hall).await?;
    let url = crate::page::absolute_url(&state, &format!("/rate/hall/{hall}"));
    render(&HallPosterPage {
        ctx,
        qr: crate::page::qr_svg(&url)?,
        url,
        hall_name,
    })
}

/// A hall poster's QR code: rate the hall without logging in (anonymous, kept apart).
pub async fn hall_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(hall): Path<String>,
    Query(d): Query<Done>,
) -> Result<Response, WebError> {
    render(&HallRatePage {
        ctx,
        hall_name: hall_name(&state, &hall).await?,
        action: format!("/rate/hall/{hall}"),
        levels: Level::ALL.iter().map(|l| (l.number(), l.label())).collect(),
        reasons: evaluations::reasons(&state).await?,
        chosen_level: 0,
        chosen_reasons: Vec::new(),
        comment: String::new(),
        fields_with_errors: Vec::new(),
        form_error: None,
        done: d.done == "1",
    })
}

pub async fn hall_rate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(hall): Path<String>,
    parts: axum::http::request::Parts,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let name = hall_name(&state, &hall).await?;
    let address = crate::auth::client_address(&state, &parts);
    let level = one(&pairs, "level").trim().parse().ok();
    let reasons = all(&pairs, "reasons");
    let comment = one(&pairs, "comment");
    match evaluations::rate_hall(&state, &hall, &address, level, &reasons, &comment).await {
        Ok(()) => Ok(crate::page::redirect(&format!("/rate/hall/{hall}?done=1")).into_response()),
        Err(e) => {
            let (errors, form_error, status) = refusal(e.into())?;
            let res = render(&HallRatePage {
                ctx,
                hall_name: name,
                action: format!("/rate/hall/{hall}"),
                levels: Level::ALL.iter().map(|l| (l.number(), l.label())).collect(),
                reasons: evaluations::reasons(&state).await?,
                chosen_level: level.unwrap_or(0),
                chosen_reasons: reasons,
                comment,
                fields_with_errors: summary(&errors, LABELS),
                form_error,
                done: false,
            })?;
            Ok(with_status(res, status))
        }
    }
}

/// One of my ratings: case number, item, stage, level, day, and its task (id, status).
type MyRating = (
    String,
    String,
    &'static str,
    &'static str,
    String,
    Option<(String, &'static str)>,
);

#[derive(Template)]
#[template(path = "feedback/mine.html")]
struct MinePage {
    ctx: Ctx,
    ratings: Vec<MyRating>,
    tickets: Vec<(String, &'static str, &'static str, String)>,
    problems: Vec<(String, &'static str, &'static str, String)>,
}

/// 我的评价与诉求: one's ratings (with their rectification), tickets and problems.
pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    use tongban_domain::feedback::desk::{ProblemCategory, ProblemStatus};
    use tongban_domain::feedback::ticket::{TicketKind, TicketStatus};
    let ratings = evaluations::mine(&state, &current)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.case_no,
                r.item_name,
                Stage::parse(&r.stage).map_or("", Stage::label),
                Level::from_number(r.level).map_or("", Level::label),
                r.rated_on,
                r.rectification_id.map(|id| {
                    (
                        id,
                        r.rectification_status
                            .as_deref()
                            .and_then(RectificationStatus::parse)
                            .map_or("", RectificationStatus::label),
                    )
                }),
            )
        })
        .collect();
    let tickets = tongban_app::feedback::tickets::mine(&state, &current)
        .await?
        .into_iter()
        .map(|t| {
            (
                t.ticket_no,
                TicketKind::parse(&t.kind).map_or("", TicketKind::label),
                TicketStatus::parse(&t.status).map_or("", TicketStatus::label),
                crate::page::local_time(t.created_at),
            )
        })
        .collect();
    let problems = tongban_app::feedback::problems::mine(&state, &current)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.problem_no,
                ProblemCategory::parse(&p.category).map_or("", ProblemCategory::label),
                ProblemStatus::parse(&p.status).map_or("", ProblemStatus::label),
                crate::page::local_time(p.created_at),
            )
        })
        .collect();
    render(&MinePage {
        ctx,
        ratings,
        tickets,
        problems,
    })
}
