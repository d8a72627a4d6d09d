//! Staff's rating lists (scoped by reach, filterable, exportable as XLSX) and the bureau's
//! settings: the reasons list and the days to rectify.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use tongban_app::feedback::evaluations::{self, EvaluationFilter};
use tongban_domain::ValidationErrors;
use tongban_domain::feedback::evaluation::{Channel, Level, Reason, Stage};
use tongban_domain::feedback::rectification::RectificationStatus;
use tongban_domain::mask::mask_name;
use tongban_store::EvaluationTotals;

use super::{Pairs, one, with_status};
use crate::auth::Current;
use crate::page::{Ctx, render};
use crate::{AppState, WebError};

pub struct Row {
    pub case_no: String,
    pub item_name: String,
    pub department: String,
    pub hall: String,
    pub window: String,
    pub staff: String,
    pub channel: &'static str,
    pub stage: &'static str,
    pub level: &'static str,
    pub bad: bool,
    pub reasons: String,
    pub comment: String,
    pub rater: String,
    pub rated_on: String,
    pub task: Option<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "feedback/evaluations.html")]
struct ListPage {
    ctx: Ctx,
    f: EvaluationFilter,
    errors: ValidationErrors,
    departments: Vec<(String, String)>,
    halls: Vec<(String, String)>,
    channels: Vec<(&'static str, &'static str)>,
    levels: Vec<(i64, &'static str)>,
    rows: Vec<Row>,
    totals: EvaluationTotals,
    good_rate: String,
    rectified_rate: String,
    followed_rate: String,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    export: String,
    hall_ratings: Vec<(String, &'static str, String, String)>,
}

impl ListPage {
    fn error(&self, field: &str) -> String {
        self.errors
            .message_for(field)
            .unwrap_or_default()
            .to_owned()
    }
}

fn rate(part: i64, whole: i64) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

fn label_of(reasons: &[Reason], code: &str) -> String {
    reasons
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.label.clone())
        .unwrap_or_else(|| code.to_owned())
}

fn row(r: tongban_store::EvaluationRecord, reasons: &[Reason]) -> Row {
    let level = Level::from_number(r.level);
    Row {
        reasons: r
            .reason_codes()
            .iter()
            .map(|c| label_of(reasons, c))
            .collect::<Vec<_>>()
            .join("、"),
        case_no: r.case_no,
        item_name: r.item_name,
        department: r.org_name,
        hall: r.hall_name.unwrap_or_default(),
        window: r.window_name.unwrap_or_default(),
        staff: r.staff_name.unwrap_or_default(),
        channel: Channel::parse(&r.channel).map_or("", Channel::label),
        stage: Stage::parse(&r.stage).map_or("", Stage::label),
        level: level.map_or("", Level::label),
        bad: level.is_some_and(Level::is_bad),
        comment: r.comment,
        rater: mask_name(&r.rater_name),
        rated_on: r.rated_on,
        task: r.rectification_id.map(|id| {
            (
                id,
                r.rectification_status
                    .as_deref()
                    .and_then(RectificationStatus::parse)
                    .map_or("", RectificationStatus::label),
            )
        }),
    }
}

fn query_string(pairs: &Pairs, page: Option<i64>) -> String {
    let mut kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, v)| k != "page" && k != "format" && !v.is_empty())
        .cloned()
        .collect();
    if let Some(p) = page {
        kept.push(("page".into(), p.to_string()));
    }
    serde_urlencoded::to_string(&kept).unwrap_or_default()
}

/// 好差评 list: what the actor's reach covers, with the good-rating, rectification and
/// follow-up rates over the same filters; `format=xlsx` downloads the page's filters as a
/// spreadsheet (up to 5,000 rows).
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Query(pairs): Query<Pairs>,
) -> Result<Response, WebError> {
    let f = EvaluationFilter::from_pairs(&pairs);
    let reasons = evaluations::all_reasons(&state).await?;
    let (query, errors) = match evaluations::query_of(&state, &f).await {
        Ok(q) => (Some(q), ValidationErrors::new()),
        Err(tongban_app::AppError::Validation(v)) => (None, v),
        Err(e) => return Err(e.into()),
    };
    if one(&pairs, "format") == "xlsx"
        && let Some(mut q) = query.clone()
    {
        q.offset = 0;
        q.limit = 5000;
        let (rows, _) = evaluations::list(&state, &current, &q).await?;
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| row(r, &reasons))
            .map(|r| {
                vec![
                    r.rated_on,
                    r.case_no,
                    r.item_name,
                    r.department,
                    r.hall,
                    r.window,
                    r.staff,
                    r.channel.into(),
                    r.stage.into(),
                    r.level.into(),
                    r.reasons,
                    r.comment,
                    r.task.map(|t| t.1.to_owned()).unwrap_or_default(),
                ]
            })
            .collect();
        let headings: Vec<String> = [
            "评价日期",
            "办件编号",
            "事项",
            "部门",
            "大厅",
            "窗口",
            "经办人",
            "渠道",
            "环节",
            "评价",
            "原因",
            "意见",
            "整改",
        ]
        .map(str::to_owned)
        .to_vec();
        let body = crate::page::xlsx_table("好差评", "好差评明细", &headings, &rows)
            .map_err(|e| WebError::Internal(Box::new(e)))?;
        return Ok(crate::page::download(
            body,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "evaluations.xlsx",
        ));
    }
    let (rows, totals, page) = match &query {
        Some(q) => {
            let (rows, totals) = evaluations::list(&state, &current, q).await?;
            (rows, totals, q.offset / evaluations::PER_PAGE + 1)
        }
        None => (Vec::new(), EvaluationTotals::default(), 1),
    };
    let full = rows.len() as i64 == evaluations::PER_PAGE;
    let departments = tongban_app::org::units(&state)
        .await?
        .into_iter()
        .filter(|u| {
            u.level() == tongban_domain::org::OrgLevel::District && u.code.starts_with("D-")
        })
        .map(|u| (u.code, u.name))
        .collect();
    let halls = tongban_app::org::hall_names(&state).await?;
    let hall_ratings = evaluations::hall_ratings(&state, &current)
        .await?
        .into_iter()
        .take(20)
        .map(|h| {
            (
                h.hall_name,
                Level::from_number(h.level).map_or("", Level::label),
                h.comment,
                crate::page::local_time(h.rated_at),
            )
        })
        .collect();
    render(&ListPage {
        ctx,
        errors,
        departments,
        halls,
        channels: Channel::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        levels: Level::ALL.iter().map(|l| (l.number(), l.label())).collect(),
        rows: rows.into_iter().map(|r| row(r, &reasons)).collect(),
        good_rate: rate(totals.good, totals.ratings),
        rectified_rate: rate(totals.closed_tasks, totals.bad),
        followed_rate: rate(totals.followed_up, totals.bad),
        totals,
        prev: (page > 1).then(|| {
            format!(
                "/staff/evaluations?{}",
                query_string(&pairs, Some(page - 1))
            )
        }),
        next: (full && page < 200).then(|| {
            format!(
                "/staff/evaluations?{}",
                query_string(&pairs, Some(page + 1))
            )
        }),
        export: format!(
            "/staff/evaluations?{}&format=xlsx",
            query_string(&pairs, None)
        ),
        page,
        f,
        hall_ratings,
    })
}

#[derive(Template)]
#[template(path = "feedback/settings.html")]
struct SettingsPage {
    ctx: Ctx,
    reasons: Vec<Reason>,
    retired: Vec<String>,
    days: u32,
    form_error: Option<String>,
    saved: bool,
}

pub async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(pairs): Query<Pairs>,
) -> Result<Response, WebError> {
    settings_page(&state, ctx, None, one(&pairs, "saved") == "1").await
}

async fn settings_page(
    state: &AppState,
    ctx: Ctx,
    form_error: Option<String>,
    saved: bool,
) -> Result<Response, WebError> {
    let all = evaluations::all_reasons(state).await?;
    let live: Vec<String> = evaluations::reasons(state)
        .await?
        .into_iter()
        .map(|r| r.code)
        .collect();
    render(&SettingsPage {
        ctx,
        retired: all
            .iter()
            .filter(|r| !live.contains(&r.code))
            .map(|r| r.code.clone())
            .collect(),
        reasons: all,
        days: tongban_app::feedback::rectify_working_days(state).await?,
        form_error,
        saved,
    })
}

/// Saves one change: the days to rectify, or a reason added, renamed or retired.
pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let result = match one(&pairs, "what").as_str() {
        "days" => {
            tongban_app::feedback::set_rectify_working_days(&state, &current, &one(&pairs, "days"))
                .await
                .map(|_| ())
        }
        "reason" => {
            evaluations::put_reason(
                &state,
                &current,
                &one(&pairs, "code"),
                &one(&pairs, "label"),
                one(&pairs, "for_bad") == "1",
                one(&pairs, "retired") == "1",
            )
            .await
        }
        _ => Err(tongban_app::AppError::field(
            "what",
            "unknown",
            "不认识的设置项",
        )),
    };
    match result {
        Ok(()) => Ok(crate::page::redirect("/staff/feedback/settings?saved=1").into_response()),
        Err(e) => {
            let (status, message) = super::step_error(e.into())?;
            let res = settings_page(&state, ctx, Some(message), false).await?;
            Ok(with_status(res, status))
        }
    }
}
