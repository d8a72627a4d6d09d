//! Rating a case: by its applicant (online, mobile), through a window's one-time link (the
//! counter tablet and the receipt's QR code, no login), or by a 12345 rating call; adding to
//! a rating within five working days; anonymous ratings from a hall's poster.

use chrono::Duration;
use tongban_domain::authz::Permission;
use tongban_domain::case::CaseStatus;
use tongban_domain::feedback::evaluation::{
    self, Channel, EvaluationDraft, EvaluationInput, Level, Reason, SEEDED_REASONS, Stage,
};
use tongban_domain::feedback::rectification;
use tongban_store::{
    CaseRecord, EvaluationLink, EvaluationQuery, EvaluationRecord, EvaluationTotals, NewEvaluation,
    NewHallEvaluation, NewRectification, StoreError,
};

use super::{reach, rectify_working_days};
use crate::accounts::{new_token, token_hash};
use crate::{Actor, App, AppError};

/// How long a window's rating link lasts: long enough to rate the conclusion too.
pub const LINK_DAYS: i64 = 90;

/// A recorded rating, as the API answers it.
#[derive(Debug, Clone)]
pub struct Rated {
    pub id: String,
    pub level: Level,
    /// The rectification task it opened, and when its answer is due.
    pub rectification: Option<(String, chrono::NaiveDate)>,
}

/// What a case offers its rater: the stages still to rate, the ratings given, the reasons.
#[derive(Debug, Clone)]
pub struct RatingSheet {
    pub case: CaseRecord,
    pub open_stages: Vec<Stage>,
    pub ratings: Vec<EvaluationRecord>,
    pub reasons: Vec<Reason>,
    /// The ratings that may still be added to today.
    pub amendable: Vec<String>,
}

/// The reasons offered now; the seeded list the first time anyone asks.
pub async fn reasons(app: &App) -> Result<Vec<Reason>, AppError> {
    let all = app.store.evaluation_reasons(true).await?;
    if all.is_empty() {
        for (code, label, for_bad) in SEEDED_REASONS {
            let r = Reason {
                code: (*code).into(),
                label: (*label).into(),
                for_bad: *for_bad,
            };
            app.store
                .put_evaluation_reason(app.clock.now(), "system", &r, false)
                .await?;
        }
    }
    Ok(app.store.evaluation_reasons(false).await?)
}

/// Every reason the bureau has kept, retired ones too (for its page and for labels).
pub async fn all_reasons(app: &App) -> Result<Vec<Reason>, AppError> {
    reasons(app).await?;
    Ok(app.store.evaluation_reasons(true).await?)
}

/// The bureau adds or renames a reason, or retires one (it stays on old ratings).
pub async fn put_reason(
    app: &App,
    actor: &Actor,
    code: &str,
    label: &str,
    for_bad: bool,
    retired: bool,
) -> Result<(), AppError> {
    let cap = actor.principal.capability(Permission::SuperviseFeedback)?;
    let mut e = tongban_domain::ValidationErrors::new();
    let code = code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        e.add("code", "invalid", "代码为 1 至 32 位小写字母、数字或下划线");
    }
    let label = e.check(
        "label",
        tongban_domain::validation::required_text(label, 30),
    );
    e.into_result()?;
    let reason = Reason {
        code: code.to_owned(),
        label: label.unwrap_or_default(),
        for_bad,
    };
    app.store
        .put_evaluation_reason(app.clock.now(), cap.actor(), &reason, retired)
        .await?;
    Ok(())
}

/// The applicant's case by number: another person's case is not found (never "forbidden",
/// which would confirm it exists).
async fn own_case(app: &App, actor: &Actor, case_no: &str) -> Result<CaseRecord, AppError> {
    let account = actor.account()?;
    actor
        .principal
        .capability(Permission::ApplicantSelfService)
        .map_err(|_| AppError::NotFound)?;
    let case = app.store.case_by_no(case_no).await?;
    if case.applicant_id != account.id {
        return Err(AppError::NotFound);
    }
    Ok(case)
}

async fn sheet_for(app: &App, case: CaseRecord) -> Result<RatingSheet, AppError> {
    let ratings = app.store.evaluations_of_case(&case.id).await?;
    let open_stages = Stage::ALL
        .into_iter()
        .filter(|s| s.open_at(case.status) && !ratings.iter().any(|r| r.stage == s.as_str()))
        .collect();
    let today = app.today();
    let amendable = ratings
        .iter()
        .filter(|r| r.amend_until_date().is_ok_and(|d| today <= d))
        .map(|r| r.id.clone())
        .collect();
    Ok(RatingSheet {
        case,
        open_stages,
        ratings,
        reasons: reasons(app).await?,
        amendable,
    })
}

/// The applicant's rating sheet for their case.
pub async fn sheet(app: &App, actor: &Actor, case_no: &str) -> Result<RatingSheet, AppError> {
    let case = own_case(app, actor, case_no).await?;
    sheet_for(app, case).await
}

/// Who rated, through which channel, at which window, by which clerk.
struct Rater<'a> {
    account_id: &'a str,
    channel: Channel,
    link: Option<&'a EvaluationLink>,
}

fn stage_refusal(stage: Stage, status: CaseStatus) -> AppError {
    AppError::Refused {
        code: "stage_not_open",
        detail: match stage {
            Stage::Acceptance => format!("办件当前为“{}”，受理后才能评价受理环节", status.label()),
            Stage::Conclusion => format!("办件当前为“{}”，办结后才能评价办结环节", status.label()),
        },
    }
}

/// The rating as the store records it, with its task if it is bad (a rating call's too).
pub(crate) async fn new_evaluation(
    app: &App,
    case: &CaseRecord,
    draft: &EvaluationDraft,
    channel: Channel,
    link: Option<&EvaluationLink>,
) -> Result<NewEvaluation, AppError> {
    if !draft.stage.open_at(case.status) {
        return Err(stage_refusal(draft.stage, case.status));
    }
    let cal = app.calendar.get();
    let today = app.today();
    let rectification = if evaluation::opens_rectification(draft.level, true) {
        let (verify_due, answer_due) =
            rectification::due_dates(&cal, today, rectify_working_days(app).await?);
        Some(NewRectification {
            id: tongban_store::new_id(),
            verify_due,
            answer_due,
            to_hall: evaluation::task_goes_to_hall(
                draft.stage,
                link.is_some_and(|l| l.window_id.is_some()),
            ),
        })
    } else {
        None
    };
    Ok(NewEvaluation {
        id: tongban_store::new_id(),
        case_id: case.id.clone(),
        stage: draft.stage.as_str().into(),
        level: draft.level.number(),
        reasons: draft.reasons.clone(),
        comment: draft.comment.clone(),
        channel: channel.as_str().into(),
        rater_id: case.applicant_id.clone(),
        window_id: link.and_then(|l| l.window_id.clone()),
        staff_id: link.and_then(|l| l.staff_id.clone()),
        rated_on: today,
        amend_until: evaluation::amend_until(&cal, today),
        rectification,
    })
}

/// A stage rated twice answers 409 with the stable code `already_rated`.
pub(crate) fn already_rated(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "already_rated",
            detail: "该办件的这一环节已经评价过；5 个工作日内可以追加评价".into(),
        },
        other => other.into(),
    }
}

async fn record(
    app: &App,
    case: &CaseRecord,
    input: &EvaluationInput,
    rater: Rater<'_>,
) -> Result<Rated, AppError> {
    let draft = input.parse(&reasons(app).await?)?;
    if app
        .store
        .evaluations_of_case(&case.id)
        .await?
        .iter()
        .any(|r| r.stage == draft.stage.as_str())
    {
        return Err(already_rated(StoreError::Conflict(String::new())));
    }
    let e = new_evaluation(app, case, &draft, rater.channel, rater.link).await?;
    app.store
        .record_evaluation(app.clock.now(), rater.account_id, &e)
        .await
        .map_err(already_rated)?;
    Ok(Rated {
        id: e.id,
        level: draft.level,
        rectification: e.rectification.map(|r| (r.id, r.answer_due)),
    })
}

/// The applicant rates their case (online or from the mobile page).
pub async fn rate(
    app: &App,
    actor: &Actor,
    case_no: &str,
    input: &EvaluationInput,
    channel: Channel,
) -> Result<Rated, AppError> {
    let case = own_case(app, actor, case_no).await?;
    let account = actor.account()?;
    record(
        app,
        &case,
        input,
        Rater {
            account_id: &account.id,
            channel,
            link: None,
        },
    )
    .await
}

/// A clerk hands the person a rating screen: a one-time link for this case (the counter
/// tablet opens it; the receipt prints it as a QR code), naming the window and the clerk.
pub async fn create_link(
    app: &App,
    actor: &Actor,
    case_no: &str,
    window_id: Option<&str>,
) -> Result<String, AppError> {
    actor.principal.capability(Permission::HandleIntake)?;
    let case = app.store.case_by_no(case_no).await?;
    if !crate::cases::can_view(actor, &case) {
        return Err(AppError::NotFound);
    }
    let token = new_token();
    let now = app.clock.now();
    app.store
        .create_evaluation_link(
            now,
            &token_hash(&token),
            &EvaluationLink {
                case_id: case.id,
                window_id: window_id.filter(|w| !w.is_empty()).map(str::to_owned),
                staff_id: actor.account.as_ref().map(|a| a.id.clone()),
            },
            now + Duration::days(LINK_DAYS),
        )
        .await?;
    Ok(token)
}

async fn linked(app: &App, token: &str) -> Result<(EvaluationLink, CaseRecord), AppError> {
    let link = app
        .store
        .evaluation_link(app.clock.now(), &token_hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let case = app.store.case_by_id(&link.case_id).await?;
    Ok((link, case))
}

/// The rating sheet a link opens (no login).
pub async fn sheet_by_link(app: &App, token: &str) -> Result<RatingSheet, AppError> {
    let (_, case) = linked(app, token).await?;
    sheet_for(app, case).await
}

/// A rating through a window's link: real-name (the case's applicant), channel window.
pub async fn rate_by_link(
    app: &App,
    token: &str,
    input: &EvaluationInput,
) -> Result<Rated, AppError> {
    let (link, case) = linked(app, token).await?;
    let rater = case.applicant_id.clone();
    record(
        app,
        &case,
        input,
        Rater {
            account_id: &rater,
            channel: Channel::Window,
            link: Some(&link),
        },
    )
    .await
}

/// The rater adds to their rating within five working days (追评): never a new level.
pub async fn add_to(
    app: &App,
    actor: &Actor,
    evaluation_id: &str,
    reason_codes: &[String],
    comment: &str,
) -> Result<(), AppError> {
    let account = actor.account()?;
    let found = app.store.evaluation_by_id(evaluation_id).await?;
    if found.rater_id != account.id {
        return Err(AppError::NotFound);
    }
    let (reasons, comment) =
        evaluation::parse_addition(reason_codes, comment, &reasons(app).await?)?;
    let added = app
        .store
        .add_to_evaluation(
            app.clock.now(),
            &account.id,
            evaluation_id,
            app.today(),
            &reasons,
            &comment,
        )
        .await?;
    if !added {
        return Err(AppError::Refused {
            code: "amend_closed",
            detail: format!(
                "评价后 {} 个工作日内可以追加评价（截至 {}），现已超过",
                evaluation::AMEND_WORKING_DAYS,
                found.amend_until
            ),
        });
    }
    Ok(())
}

/// Additions of a rating.
pub async fn additions(
    app: &App,
    evaluation_id: &str,
) -> Result<Vec<tongban_store::EvaluationAddition>, AppError> {
    Ok(app.store.evaluation_additions(evaluation_id).await?)
}

/// An anonymous rating from a hall's poster: counted for the hall, kept apart.
pub async fn rate_hall(
    app: &App,
    hall_id: &str,
    address: &str,
    level: Option<i64>,
    reason_codes: &[String],
    comment: &str,
) -> Result<(), AppError> {
    let input = EvaluationInput {
        stage: "acceptance".into(),
        level,
        reasons: reason_codes.to_vec(),
        comment: comment.into(),
    };
    let draft = input.parse(&reasons(app).await?)?;
    // Counted per device, hall and day by a digest; the address itself is not kept.
    let source = token_hash(&format!("hall-rating:{address}:{hall_id}:{}", app.today()));
    if app.store.hall_evaluations_from(&source).await? >= evaluation::ANONYMOUS_PER_DAY {
        return Err(AppError::Refused {
            code: "too_many_anonymous",
            detail: format!(
                "同一设备每天对同一大厅最多匿名评价 {} 次，感谢您的反馈",
                evaluation::ANONYMOUS_PER_DAY
            ),
        });
    }
    app.store
        .record_hall_evaluation(
            app.clock.now(),
            &NewHallEvaluation {
                hall_id: hall_id.into(),
                source,
                level: draft.level.number(),
                reasons: draft.reasons,
                comment: draft.comment,
                rated_on: app.today(),
            },
        )
        .await?;
    Ok(())
}

/// Ratings within the actor's reach and filters, with their totals.
pub async fn list(
    app: &App,
    actor: &Actor,
    q: &EvaluationQuery,
) -> Result<(Vec<EvaluationRecord>, EvaluationTotals), AppError> {
    let reach = reach(actor)?;
    let rows = app.store.list_evaluations(&reach, q).await?;
    let totals = app.store.evaluation_totals(&reach, q).await?;
    Ok((rows, totals))
}

/// Ratings alone (the API's list, which needs no totals).
pub async fn rows(
    app: &App,
    actor: &Actor,
    q: &EvaluationQuery,
) -> Result<Vec<EvaluationRecord>, AppError> {
    let reach = reach(actor)?;
    Ok(app.store.list_evaluations(&reach, q).await?)
}

/// Anonymous hall ratings within the actor's reach.
pub async fn hall_ratings(
    app: &App,
    actor: &Actor,
) -> Result<Vec<tongban_store::HallEvaluation>, AppError> {
    let reach = reach(actor)?;
    Ok(app.store.list_hall_evaluations(&reach, 100).await?)
}

/// The person's own ratings.
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<EvaluationRecord>, AppError> {
    let account = actor.account()?;
    actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    Ok(app
        .store
        .list_evaluations(
            &tongban_domain::authz::FeedbackReach {
                handling: tongban_domain::authz::Scope::All,
                intake: tongban_domain::authz::Scope::All,
            },
            &EvaluationQuery {
                rater: Some(account.id.clone()),
                limit: 200,
                ..Default::default()
            },
        )
        .await?)
}

/// A ratings list's filters as a page's query string or the API's give them.
#[derive(Debug, Clone, Default)]
pub struct EvaluationFilter {
    /// A department's org-unit code (e.g. `D-SJJ`).
    pub department: String,
    pub hall: String,
    pub window: String,
    /// A staff member's login.
    pub staff: String,
    pub channel: String,
    pub level: String,
    pub bad_only: bool,
    pub from: String,
    pub to: String,
    pub page: String,
}

impl EvaluationFilter {
    /// From a query string's pairs (unknown keys are ignored).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = Self::default();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "department" => f.department = v,
                "hall" => f.hall = v,
                "window" => f.window = v,
                "staff" => f.staff = v,
                "channel" => f.channel = v,
                "level" => f.level = v,
                "bad" => f.bad_only = v == "1",
                "from" => f.from = v,
                "to" => f.to = v,
                "page" => f.page = v,
                _ => {}
            }
        }
        f
    }
}

/// Rows per page of a ratings list.
pub const PER_PAGE: i64 = 50;

fn day(
    e: &mut tongban_domain::ValidationErrors,
    field: &str,
    s: &str,
) -> Option<chrono::NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) if tongban_domain::calendar::in_range(d) => Some(d),
        _ => {
            e.add(field, "invalid", "日期格式应为 2026-12-02");
            None
        }
    }
}

/// Checks every filter at once (names the field), resolving codes to ids.
pub async fn query_of(app: &App, f: &EvaluationFilter) -> Result<EvaluationQuery, AppError> {
    let mut e = tongban_domain::ValidationErrors::new();
    let level = match f.level.trim() {
        "" => None,
        s => match s.parse::<i64>().ok().and_then(Level::from_number) {
            Some(l) => Some(l.number()),
            None => {
                e.add("level", "invalid", "满意程度应为 1 至 5");
                None
            }
        },
    };
    let channel = match f.channel.trim() {
        "" => None,
        s => match Channel::parse(s) {
            Some(c) => Some(c.as_str().to_owned()),
            None => {
                e.add(
                    "channel",
                    "invalid",
                    "请选择评价渠道：网上、窗口、移动端或 12345 热线",
                );
                None
            }
        },
    };
    let from = day(&mut e, "from", &f.from);
    let to = day(&mut e, "to", &f.to);
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        e.add("to", "before_from", "结束日期不能早于开始日期");
    }
    let page = match f.page.trim() {
        "" => 1,
        p => p.parse::<i64>().unwrap_or(0),
    };
    if !(1..=200).contains(&page) {
        e.add(
            "page",
            "invalid",
            "页码应为 1 至 200，更早的记录请按日期筛选",
        );
    }
    let text = |s: &str| {
        let s = s.trim();
        (!s.is_empty() && s.len() <= 64).then(|| s.to_owned())
    };
    let department = match text(&f.department) {
        Some(code) => match app.store.org_unit_by_code(&code).await {
            Ok(o) => Some(o.id),
            Err(StoreError::NotFound) => {
                e.add("department", "not_found", "没有这个部门编码");
                None
            }
            Err(err) => return Err(err.into()),
        },
        None => None,
    };
    let staff = match text(&f.staff) {
        Some(login) => match app.store.account_by_login(&login).await {
            Ok(a) => Some(a.id),
            Err(StoreError::NotFound) => {
                e.add("staff", "not_found", "没有这个工作人员账号");
                None
            }
            Err(err) => return Err(err.into()),
        },
        None => None,
    };
    e.into_result()?;
    Ok(EvaluationQuery {
        department,
        hall: text(&f.hall),
        window: text(&f.window),
        staff,
        channel,
        level,
        bad_only: f.bad_only,
        from,
        to,
        rater: None,
        offset: (page - 1) * PER_PAGE,
        limit: PER_PAGE,
    })
}
