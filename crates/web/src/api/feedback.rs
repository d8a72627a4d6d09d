//! 好差评, rectification and 12345 tickets over the API (issue 12).

use axum::extract::{Path, Query};
use tongban_app::AppError;
use tongban_app::feedback::{evaluations, rectifications, tickets};
use tongban_domain::feedback::evaluation::{Channel, EvaluationInput};
use tongban_domain::feedback::rectification::RectificationAction;
use tongban_domain::feedback::ticket::{TicketAction, TicketInput};
use tongban_domain::mask::mask_name;

use super::*;

/// A rating of one stage of a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationBody {
    /// `acceptance` or `conclusion`.
    #[serde(default)]
    #[schema(required)]
    pub stage: String,
    /// 1 非常不满意, 2 不满意, 3 基本满意, 4 满意, 5 非常满意.
    #[serde(default)]
    #[schema(required, minimum = 1, maximum = 5)]
    pub level: Option<i64>,
    /// Reason codes from `GET /api/v1/evaluation-reasons`; a level of 1 or 2 needs one or a
    /// comment.
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RectificationRef {
    id: String,
    /// The day the department must have rectified or explained by.
    due: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationCreated {
    id: String,
    level: i64,
    /// The rectification task a bad rating opened, else null.
    rectification: Option<RectificationRef>,
}

/// Rate a stage of one's own case (the applicant). A case that is not the caller's is 404.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/evaluations", request_body = EvaluationBody,
    tag = "feedback", params(("case_no" = String, Path, description = "办件编号")),
    responses(
        (status = 201, description = "已评价", body = EvaluationCreated),
        (status = 404, description = "办件不存在或不是本人的", content_type = "application/problem+json"),
        (status = 409, description = "该环节已评价，或尚未到该环节", content_type = "application/problem+json"),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json"),
    ))]
pub async fn rate_case(
    State(state): State<AppState>,
    current: Current,
    Path(case_no): Path<String>,
    ApiJson(body): ApiJson<EvaluationBody>,
) -> Result<Response, WebError> {
    let input = EvaluationInput {
        stage: body.stage,
        level: body.level,
        reasons: body.reasons,
        comment: body.comment,
    };
    let rated = evaluations::rate(&state, &current, &case_no, &input, Channel::Mobile).await?;
    Ok((
        StatusCode::CREATED,
        Json(EvaluationCreated {
            id: rated.id,
            level: rated.level.number(),
            rectification: rated.rectification.map(|(id, due)| RectificationRef {
                id,
                due: due.to_string(),
            }),
        }),
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonView {
    code: String,
    label: String,
    /// Offered with levels 1 and 2.
    for_bad: bool,
}

/// The reasons a rating may tick, as the bureau keeps them.
#[utoipa::path(get, path = "/api/v1/evaluation-reasons", tag = "feedback",
    responses((status = 200, body = [ReasonView])))]
pub async fn list_evaluation_reasons(
    State(state): State<AppState>,
) -> Result<Json<Vec<ReasonView>>, WebError> {
    Ok(Json(
        evaluations::reasons(&state)
            .await?
            .into_iter()
            .map(|r| ReasonView {
                code: r.code,
                label: r.label,
                for_bad: r.for_bad,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    id: String,
    case_no: String,
    stage: String,
    level: i64,
    reasons: Vec<String>,
    comment: String,
    channel: String,
    item_name: String,
    implementation_code: String,
    department: String,
    hall: Option<String>,
    window: Option<String>,
    staff: Option<String>,
    /// The rater's name, masked.
    rater: String,
    rated_on: String,
    rectification_id: Option<String>,
    rectification_status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationList {
    items: Vec<EvaluationView>,
    page: i64,
    /// Another page follows.
    has_more: bool,
}

pub(crate) fn evaluation_view(e: tongban_store::EvaluationRecord) -> EvaluationView {
    EvaluationView {
        reasons: e.reason_codes(),
        id: e.id,
        case_no: e.case_no,
        stage: e.stage,
        level: e.level,
        comment: e.comment,
        channel: e.channel,
        item_name: e.item_name,
        implementation_code: e.implementation_code,
        department: e.org_name,
        hall: e.hall_name,
        window: e.window_name,
        staff: e.staff_name,
        rater: mask_name(&e.rater_name),
        rated_on: e.rated_on,
        rectification_id: e.rectification_id,
        rectification_status: e.rectification_status,
    }
}

/// Ratings within the caller's reach (a department its own, a clerk their unit's halls, the
/// bureau and supervisors all), newest first, 50 a page.
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "feedback",
    params(
        ("department" = Option<String>, Query, description = "部门单位代码，如 D-SJJ"),
        ("level" = Option<String>, Query, description = "满意程度 1–5"),
        ("from" = Option<String>, Query, description = "评价日期起，YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "评价日期止，YYYY-MM-DD"),
        ("channel" = Option<String>, Query, description = "online、window、mobile 或 hotline"),
        ("hall" = Option<String>, Query, description = "大厅 id"),
        ("window" = Option<String>, Query, description = "窗口 id"),
        ("staff" = Option<String>, Query, description = "经办人账号"),
        ("bad" = Option<String>, Query, description = "1：只看差评"),
        ("page" = Option<String>, Query, description = "页码，1–200"),
    ),
    responses(
        (status = 200, body = EvaluationList),
        (status = 422, description = "筛选条件有误", content_type = "application/problem+json"),
    ))]
pub async fn list_evaluations(
    State(state): State<AppState>,
    current: Current,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<EvaluationList>, WebError> {
    let q =
        evaluations::query_of(&state, &evaluations::EvaluationFilter::from_pairs(&pairs)).await?;
    let page = q.offset / evaluations::PER_PAGE + 1;
    // One row past the page says whether another follows.
    let mut rows = evaluations::rows(
        &state,
        &current,
        &tongban_store::EvaluationQuery {
            limit: q.limit + 1,
            ..q.clone()
        },
    )
    .await?;
    let has_more = rows.len() as i64 > q.limit;
    rows.truncate(usize::try_from(q.limit).unwrap_or(0));
    Ok(Json(EvaluationList {
        items: rows.into_iter().map(evaluation_view).collect(),
        page,
        has_more,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackEventView {
    at: String,
    actor: Option<String>,
    action: String,
    status: String,
    note: String,
}

fn event_views(events: Vec<tongban_store::FeedbackEvent>) -> Vec<FeedbackEventView> {
    events
        .into_iter()
        .map(|e| FeedbackEventView {
            at: e.at.to_rfc3339(),
            actor: e.actor_name,
            action: e.action,
            status: e.status_after,
            note: e.note,
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RectificationView {
    id: String,
    status: String,
    status_label: String,
    case_no: String,
    item_name: String,
    department: String,
    level: i64,
    /// The rating's reason codes (as `GET /api/v1/evaluations` gives them).
    reasons: Vec<String>,
    /// The same reasons, as their labels.
    reason_labels: Vec<String>,
    /// The rater's comment.
    comment: String,
    /// What the rater added later.
    additions: Vec<RatingAdditionView>,
    verify_due: String,
    answer_due: String,
    overdue: bool,
    escalated: bool,
    appealed: bool,
    outcome: Option<String>,
    events: Vec<FeedbackEventView>,
}

/// An addition to a rating (追加评价).
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingAdditionView {
    at: String,
    reasons: Vec<String>,
    comment: String,
}

fn rectification_view(f: rectifications::TaskFile) -> RectificationView {
    RectificationView {
        reasons: serde_json::from_str(&f.task.reasons).unwrap_or_default(),
        reason_labels: f.reasons,
        comment: f.task.comment.clone(),
        additions: f
            .additions
            .into_iter()
            .map(|(at, reasons, comment)| RatingAdditionView {
                at: at.to_rfc3339(),
                reasons,
                comment,
            })
            .collect(),
        status_label: f.status.label().into(),
        status: f.status.as_str().into(),
        overdue: f.overdue,
        escalated: f.task.escalated_at.is_some(),
        appealed: f.task.appealed != 0,
        id: f.task.id,
        case_no: f.task.case_no,
        item_name: f.task.item_name,
        department: f.task.org_name,
        level: f.task.level,
        verify_due: f.task.verify_due,
        answer_due: f.task.answer_due,
        outcome: f.task.outcome,
        events: event_views(f.events),
    }
}

/// A rectification task with its record (its department, the rater, the bureau).
#[utoipa::path(get, path = "/api/v1/rectifications/{id}", tag = "feedback",
    params(("id" = String, Path)),
    responses((status = 200, body = RectificationView),
        (status = 404, description = "不存在或无权查看", content_type = "application/problem+json")))]
pub async fn get_rectification(
    State(state): State<AppState>,
    current: Current,
    Path(id): Path<String>,
) -> Result<Json<RectificationView>, WebError> {
    Ok(Json(rectification_view(
        rectifications::file(&state, &current, &id).await?,
    )))
}

/// A step of the loop.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectificationActionBody {
    /// `verify`, `answer`, `feedback` (the department); `accept`, `appeal` (the rater);
    /// `close`, `return` (the bureau); `note` (anyone of the loop).
    #[serde(default)]
    #[schema(required)]
    pub action: String,
    /// `rectified` or `explained`, with `answer`.
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub note: String,
}

pub(crate) fn rectification_action(
    action: &str,
    outcome: String,
    note: String,
) -> Result<RectificationAction, WebError> {
    use RectificationAction as A;
    Ok(match action {
        "verify" => A::Verify { note },
        "answer" => A::Answer { outcome, note },
        "feedback" => A::Feedback { note },
        "accept" => A::Accept { note },
        "appeal" => A::Appeal { note },
        "close" => A::Close { note },
        "return" => A::Return { note },
        "note" => A::Note { note },
        _ => {
            return Err(AppError::field(
                "action",
                "unknown",
                "不认识的操作：应为 verify、answer、feedback、accept、appeal、close、return 或 note",
            )
            .into());
        }
    })
}

/// Take a step of a rectification task.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/actions", tag = "feedback",
    params(("id" = String, Path)), request_body = RectificationActionBody,
    responses((status = 200, body = RectificationView),
        (status = 403, description = "不是本人可办的步骤", content_type = "application/problem+json"),
        (status = 404, description = "不存在或无权查看", content_type = "application/problem+json"),
        (status = 409, description = "当前状态不允许", content_type = "application/problem+json"),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json")))]
pub async fn act_on_rectification(
    State(state): State<AppState>,
    current: Current,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RectificationActionBody>,
) -> Result<Json<RectificationView>, WebError> {
    let action = rectification_action(&body.action, body.outcome, body.note)?;
    Ok(Json(rectification_view(
        rectifications::act(&state, &current, &id, action).await?,
    )))
}

/// A 12345 call as the operator records it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketBody {
    /// `consultation` 咨询, `help_request` 求助, `complaint` 投诉, `suggestion` 建议,
    /// `praise` 表扬, `evaluation` 好差评.
    #[serde(default)]
    #[schema(required)]
    pub kind: String,
    #[serde(default)]
    pub caller_name: String,
    #[serde(default)]
    #[schema(required)]
    pub caller_phone: String,
    /// Optional; for `evaluation` the applicant's ID number.
    #[serde(default)]
    pub caller_id_number: String,
    #[serde(default)]
    pub case_no: String,
    #[serde(default)]
    pub implementation_code: String,
    /// A department's org-unit code when neither the case nor the item says who.
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    #[schema(required)]
    pub text: String,
    /// For `evaluation`: 1–5.
    #[serde(default)]
    pub level: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketCreated {
    ticket_no: String,
    /// The responsible department's name; null until the bureau routes it.
    department: Option<String>,
    /// The day the department must answer by.
    due: Option<String>,
}

/// Record a 12345 call (an operator, or an integrating system with an operator's token).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "feedback", request_body = TicketBody,
    responses(
        (status = 201, body = TicketCreated),
        (status = 409, description = "好差评来电：该环节已评价", content_type = "application/problem+json"),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json"),
    ))]
pub async fn create_ticket(
    State(state): State<AppState>,
    current: Current,
    ApiJson(b): ApiJson<TicketBody>,
) -> Result<Response, WebError> {
    let input = TicketInput {
        kind: b.kind,
        caller_name: b.caller_name,
        caller_phone: b.caller_phone,
        caller_id_number: b.caller_id_number,
        case_no: b.case_no,
        implementation_code: b.implementation_code,
        department: b.department,
        text: b.text,
        level: b.level,
    };
    let t = tickets::record(&state, &current, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(TicketCreated {
            ticket_no: t.ticket_no,
            department: t.department,
            due: t.due.map(|d| d.to_string()),
        }),
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    ticket_no: String,
    kind: String,
    status: String,
    status_label: String,
    caller_name: String,
    caller_phone: String,
    case_no: Option<String>,
    implementation_code: Option<String>,
    department: Option<String>,
    text: String,
    level: Option<i64>,
    due: Option<String>,
    overdue: bool,
    escalated: bool,
    satisfaction: Option<String>,
    /// The rating a 好差评 call became.
    evaluation_id: Option<String>,
    events: Vec<FeedbackEventView>,
}

fn ticket_view(f: tickets::TicketFile) -> TicketView {
    let t = f.ticket;
    TicketView {
        status_label: f.status.label().into(),
        status: f.status.as_str().into(),
        kind: f.kind.as_str().into(),
        overdue: f.overdue,
        escalated: t.escalated_at.is_some(),
        ticket_no: t.ticket_no,
        caller_name: mask_name(&t.caller_name),
        caller_phone: mask_phone(&t.caller_phone),
        case_no: t.case_no,
        implementation_code: t.implementation_code,
        department: t.org_name,
        text: t.text,
        level: t.level,
        due: t.due,
        satisfaction: t.satisfaction,
        evaluation_id: t.evaluation_id,
        events: event_views(f.events),
    }
}

/// A ticket with its record.
#[utoipa::path(get, path = "/api/v1/tickets/{ticket_no}", tag = "feedback",
    params(("ticket_no" = String, Path)),
    responses((status = 200, body = TicketView),
        (status = 404, description = "不存在或无权查看", content_type = "application/problem+json")))]
pub async fn get_ticket(
    State(state): State<AppState>,
    current: Current,
    Path(ticket_no): Path<String>,
) -> Result<Json<TicketView>, WebError> {
    Ok(Json(ticket_view(
        tickets::file(&state, &current, &ticket_no).await?,
    )))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketActionBody {
    /// `assign` (the bureau, with `department`), `answer` (the department), `call_back`
    /// (the operator, with `satisfaction`: `satisfied`, `basic`, `dissatisfied`), `note`.
    #[serde(default)]
    #[schema(required)]
    pub action: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub satisfaction: String,
    #[serde(default)]
    pub note: String,
}

pub(crate) fn ticket_action(
    action: &str,
    department: String,
    satisfaction: String,
    note: String,
) -> Result<TicketAction, WebError> {
    Ok(match action {
        "assign" => TicketAction::Assign { department, note },
        "answer" => TicketAction::Answer { note },
        "call_back" => TicketAction::CallBack { satisfaction, note },
        "note" => TicketAction::Note { note },
        _ => {
            return Err(AppError::field(
                "action",
                "unknown",
                "不认识的操作：应为 assign、answer、call_back 或 note",
            )
            .into());
        }
    })
}

/// Take a step on a ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{ticket_no}/actions", tag = "feedback",
    params(("ticket_no" = String, Path)), request_body = TicketActionBody,
    responses((status = 200, body = TicketView),
        (status = 403, description = "不是本人可办的步骤", content_type = "application/problem+json"),
        (status = 404, description = "不存在或无权查看", content_type = "application/problem+json"),
        (status = 409, description = "当前状态不允许", content_type = "application/problem+json"),
        (status = 422, description = "字段校验失败", content_type = "application/problem+json")))]
pub async fn act_on_ticket(
    State(state): State<AppState>,
    current: Current,
    Path(ticket_no): Path<String>,
    ApiJson(b): ApiJson<TicketActionBody>,
) -> Result<Json<TicketView>, WebError> {
    let action = ticket_action(&b.action, b.department, b.satisfaction, b.note)?;
    Ok(Json(ticket_view(
        tickets::act(&state, &current, &ticket_no, action).await?,
    )))
}
