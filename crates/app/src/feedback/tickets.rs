//! 12345 tickets: an operator (or an integrating system with an operator's token) records a
//! call; it is routed to the department from the case or the item, else the bureau chooses;
//! the department answers; the operator calls back. A rating call becomes a rating of the
//! case it names, if the caller is its applicant.

use tongban_domain::authz::{FeedbackReach, Permission};
use tongban_domain::feedback::evaluation::{EvaluationDraft, Stage};
use tongban_domain::feedback::ticket::{
    self, TicketAction, TicketActor, TicketDraft, TicketError, TicketInput, TicketKind,
    TicketStatus,
};
use tongban_store::{
    FeedbackEvent, NewTicket, StoreError, TicketChange, TicketQuery, TicketRecord,
};

use super::evaluations::{already_rated, new_evaluation};
use super::reach;
use crate::{Actor, App, AppError};

#[derive(Debug, Clone)]
pub struct TicketCreated {
    pub ticket_no: String,
    pub department: Option<String>,
    pub due: Option<chrono::NaiveDate>,
    pub evaluation_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TicketFile {
    pub ticket: TicketRecord,
    pub kind: TicketKind,
    pub status: TicketStatus,
    pub events: Vec<FeedbackEvent>,
    pub overdue: bool,
    /// The part the actor may play.
    pub role: Option<TicketActor>,
}

fn not_found_field(field: &str, message: &str) -> AppError {
    AppError::field(field, "not_found", message)
}

/// Records a call; returns its number, where it went and by when.
pub async fn record(
    app: &App,
    actor: &Actor,
    input: &TicketInput,
) -> Result<TicketCreated, AppError> {
    let cap = actor.principal.capability(Permission::RecordTickets)?;
    let draft: TicketDraft = input.parse()?;
    let case = match &draft.case_no {
        Some(no) => Some(match app.store.case_by_no(no).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => {
                return Err(not_found_field("case_no", "没有这个办件编号，请核对"));
            }
            Err(e) => return Err(e.into()),
        }),
        None => None,
    };
    let item_unit = match (&case, &draft.implementation_code) {
        (None, Some(code)) => match app.store.published_item(code).await {
            Ok(p) => Some(
                app.store
                    .org_unit_by_code(&p.item.org_code)
                    .await
                    .map(|o| (o.id, o.name))?,
            ),
            Err(StoreError::NotFound) => {
                return Err(not_found_field(
                    "implementation_code",
                    "没有这个已公布的事项，请核对事项编码",
                ));
            }
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    let chosen = match (&case, &item_unit, &draft.department) {
        (None, None, Some(code)) => match app.store.org_unit_by_code(code).await {
            Ok(o) => Some((o.id, o.name)),
            Err(StoreError::NotFound) => {
                return Err(not_found_field("department", "没有这个部门编码"));
            }
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    let department = case
        .as_ref()
        .map(|c| (c.org_unit_id.clone(), c.org_name.clone()))
        .or(item_unit)
        .or(chosen);
    let caller_account_id = match &draft.caller_id_number {
        Some(n) => app.store.account_by_login(n).await.ok().map(|a| a.id),
        None => None,
    };
    let evaluation = match (draft.kind, &case, draft.level) {
        (TicketKind::Evaluation, Some(case), Some(level)) => {
            if caller_account_id.as_deref() != Some(case.applicant_id.as_str()) {
                return Err(AppError::field(
                    "caller_id_number",
                    "not_applicant",
                    "好差评来电须由办件申请人本人评价：请核对并填写申请人的身份证号码",
                ));
            }
            let stage = if Stage::Conclusion.open_at(case.status) {
                Stage::Conclusion
            } else {
                Stage::Acceptance
            };
            let e = new_evaluation(
                app,
                case,
                &EvaluationDraft {
                    stage,
                    level,
                    reasons: Vec::new(),
                    comment: draft.text.clone(),
                },
                tongban_domain::feedback::evaluation::Channel::Hotline,
                None,
            )
            .await?;
            Some(e)
        }
        _ => None,
    };
    let today = app.today();
    let due = department
        .as_ref()
        .map(|_| ticket::due(&app.calendar.get(), draft.kind, today));
    let evaluation_id = evaluation.as_ref().map(|e| e.id.clone());
    let ticket_no = app
        .store
        .record_ticket(
            app.clock.now(),
            cap.actor(),
            &NewTicket {
                id: tongban_store::new_id(),
                kind: draft.kind.as_str().into(),
                caller_name: draft.caller_name.clone(),
                caller_phone: draft.caller_phone.clone(),
                caller_id_number: draft.caller_id_number.clone(),
                caller_account_id,
                case_id: case.as_ref().map(|c| c.id.clone()),
                implementation_code: case
                    .as_ref()
                    .map(|c| c.implementation_code.clone())
                    .or(draft.implementation_code.clone()),
                org_unit_id: department.as_ref().map(|d| d.0.clone()),
                text: draft.text.clone(),
                level: draft.level.map(|l| l.number()),
                due,
                day: today,
                evaluation,
            },
        )
        .await
        .map_err(already_rated)?;
    Ok(TicketCreated {
        ticket_no,
        department: department.map(|d| d.1),
        due,
        evaluation_id,
    })
}

fn role_in(actor: &Actor, t: &TicketRecord) -> Option<Option<TicketActor>> {
    let p = &actor.principal;
    if p.capability(Permission::SuperviseFeedback).is_ok() {
        return Some(Some(TicketActor::Bureau));
    }
    if p.capability(Permission::RecordTickets).is_ok() {
        return Some(Some(TicketActor::Operator));
    }
    if actor
        .account
        .as_ref()
        .is_some_and(|a| t.caller_account_id.as_deref() == Some(a.id.as_str()))
        && p.capability(Permission::ApplicantSelfService).is_ok()
    {
        return Some(None);
    }
    let reach = FeedbackReach::of(p);
    if !reach.covers(t.org_path.as_deref(), t.intake_path.as_deref()) {
        return None;
    }
    let department = p.capability(Permission::RespondToFeedback).is_ok()
        && t.org_path
            .as_deref()
            .is_some_and(|o| reach.handling.covers(o));
    Some(department.then_some(TicketActor::Department))
}

fn status_of(t: &TicketRecord) -> Result<(TicketKind, TicketStatus), AppError> {
    match (TicketKind::parse(&t.kind), TicketStatus::parse(&t.status)) {
        (Some(k), Some(s)) => Ok((k, s)),
        _ => Err(AppError::internal(StoreError::Corrupt(format!(
            "工单 {} {}",
            t.kind, t.status
        )))),
    }
}

pub fn is_overdue(app: &App, t: &TicketRecord) -> bool {
    t.status == TicketStatus::Assigned.as_str()
        && t.due
            .as_deref()
            .is_some_and(|d| d < app.today().format("%Y-%m-%d").to_string().as_str())
}

pub async fn file(app: &App, actor: &Actor, ticket_no: &str) -> Result<TicketFile, AppError> {
    actor.account()?;
    let ticket = app.store.ticket_by_no(ticket_no).await?;
    let role = role_in(actor, &ticket).ok_or(AppError::NotFound)?;
    let (kind, status) = status_of(&ticket)?;
    let events = app
        .store
        .feedback_events(&format!("ticket:{}", ticket.id))
        .await?;
    Ok(TicketFile {
        overdue: is_overdue(app, &ticket),
        ticket,
        kind,
        status,
        events,
        role,
    })
}

fn refused(e: TicketError) -> AppError {
    match e {
        TicketError::Invalid(v) => AppError::Validation(v),
        TicketError::NotYours(_) => AppError::Forbidden,
        other => AppError::Refused {
            code: "ticket_step",
            detail: other.to_string(),
        },
    }
}

pub async fn act(
    app: &App,
    actor: &Actor,
    ticket_no: &str,
    action: TicketAction,
) -> Result<TicketFile, AppError> {
    let account = actor.account()?;
    let t = app.store.ticket_by_no(ticket_no).await?;
    let by = role_in(actor, &t)
        .ok_or(AppError::NotFound)?
        .ok_or(AppError::Forbidden)?;
    let (kind, status) = status_of(&t)?;
    let step = ticket::step(status, t.returned != 0, by, &action).map_err(refused)?;
    let org_unit_id = match &action {
        TicketAction::Assign { department, .. } => {
            match app.store.org_unit_by_code(department.trim()).await {
                Ok(o) => Some(o.id),
                Err(StoreError::NotFound) => {
                    return Err(not_found_field("department", "没有这个部门编码"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => None,
    };
    let due = step
        .start_clock
        .then(|| ticket::due(&app.calendar.get(), kind, app.today()));
    let returned = t.returned != 0
        || (step.status == TicketStatus::Assigned && status == TicketStatus::Answered);
    let changed = app
        .store
        .record_ticket_step(
            app.clock.now(),
            &account.id,
            &TicketChange {
                id: t.id.clone(),
                from_status: status.as_str().into(),
                to_status: step.status.as_str().into(),
                org_unit_id: org_unit_id.or_else(|| {
                    (step.start_clock && status == TicketStatus::Answered)
                        .then(|| t.org_unit_id.clone())
                        .flatten()
                }),
                due,
                returned,
                satisfaction: step.satisfaction.map(|s| s.as_str().into()),
                action: action.as_str().into(),
                note: action.note().trim().into(),
                notices: Vec::new(),
            },
        )
        .await?;
    if !changed {
        return Err(AppError::Refused {
            code: "ticket_step",
            detail: "工单刚刚被他人办理，请刷新后再试".into(),
        });
    }
    file(app, actor, ticket_no).await
}

pub async fn list(
    app: &App,
    actor: &Actor,
    q: &TicketQuery,
) -> Result<Vec<TicketRecord>, AppError> {
    let reach = reach(actor)?;
    Ok(app.store.list_tickets(&reach, q).await?)
}

/// The caller's own tickets (matched by the ID number the operator recorded).
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<TicketRecord>, AppError> {
    let account = actor.account()?;
    actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    Ok(app
        .store
        .list_tickets(
            &FeedbackReach::of(&actor.principal),
            &TicketQuery {
                caller_account: Some(account.id.clone()),
                limit: 200,
                ..Default::default()
            },
        )
        .await?)
}
