//! The 办不成事 desk: a person raises a problem online, or the desk records it for them; the
//! desk (or the bureau) names the lead department; the lead answers within five working
//! days; the desk closes it with its resolution or refers it to the bureau's head.

use tongban_domain::ValidationErrors;
use tongban_domain::authz::{FeedbackReach, Permission};
use tongban_domain::codes::ResidentId;
use tongban_domain::feedback::desk::{
    self, ProblemAction, ProblemActor, ProblemError, ProblemInput, ProblemStatus,
};
use tongban_store::{
    FeedbackEvent, NewProblem, ProblemChange, ProblemQuery, ProblemRecord, StoreError,
};

use super::reach;
use crate::{Actor, App, AppError};

#[derive(Debug, Clone)]
pub struct ProblemFile {
    pub problem: ProblemRecord,
    pub status: ProblemStatus,
    pub events: Vec<FeedbackEvent>,
    pub role: Option<ProblemActor>,
    pub overdue: bool,
}

/// The person at the desk, as the clerk recorded them.
#[derive(Debug, Clone, Default)]
pub struct DeskPerson {
    pub name: String,
    pub phone: String,
    /// Optional: links the problem to their account, so they follow it online.
    pub id_number: String,
}

/// A person raises a problem online.
pub async fn raise_online(
    app: &App,
    actor: &Actor,
    input: &ProblemInput,
) -> Result<String, AppError> {
    let account = actor.account()?;
    actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    let draft = input.parse()?;
    let mut errors = ValidationErrors::new();
    check_references(app, &mut errors, &draft.case_nos, &draft.item_codes).await?;
    errors.into_result()?;
    Ok(app
        .store
        .record_problem(
            app.clock.now(),
            &account.id,
            &NewProblem {
                id: tongban_store::new_id(),
                category: draft.category.as_str().into(),
                text: draft.text,
                raiser_id: Some(account.id.clone()),
                raiser_name: account.name.clone(),
                raiser_phone: account.phone.clone().unwrap_or_default(),
                channel: "online".into(),
                intake_org_id: None,
                case_nos: draft.case_nos,
                item_codes: draft.item_codes,
                day: app.today(),
            },
        )
        .await?)
}

/// The case numbers and item codes a problem names must be real ones: a case on record, an
/// item published (else the desk would chase a typo).
async fn check_references(
    app: &App,
    errors: &mut ValidationErrors,
    case_nos: &[String],
    item_codes: &[String],
) -> Result<(), AppError> {
    for no in case_nos {
        match app.store.case_by_no(no).await {
            Ok(_) => {}
            Err(tongban_store::StoreError::NotFound) => {
                errors.add("case_nos", "unknown", format!("没有办件编号为 {no} 的办件"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let catalog = app.catalog.get();
    for code in item_codes {
        if catalog.get(code).is_none() {
            errors.add(
                "item_codes",
                "unknown",
                format!("事项编码 {code} 不是已发布的事项"),
            );
        }
    }
    Ok(())
}

/// The desk records a problem for the person in front of it.
pub async fn raise_at_desk(
    app: &App,
    actor: &Actor,
    person: &DeskPerson,
    input: &ProblemInput,
) -> Result<String, AppError> {
    let cap = actor.principal.capability(Permission::HandleDesk)?;
    let mut errors = match input.parse() {
        Ok(d) => {
            let mut e = tongban_domain::ValidationErrors::new();
            check_references(app, &mut e, &d.case_nos, &d.item_codes).await?;
            e
        }
        Err(e) => e,
    };
    let name = errors.check(
        "raiser_name",
        tongban_domain::validation::required_text(&person.name, 50),
    );
    let phone = tongban_domain::feedback::ticket::callback_phone(&person.phone);
    if phone.is_none() {
        errors.add(
            "raiser_phone",
            "invalid",
            tongban_domain::feedback::ticket::CALLBACK_PHONE_HINT,
        );
    }
    let id = if person.id_number.trim().is_empty() {
        None
    } else {
        errors.check(
            "raiser_id_number",
            ResidentId::parse(person.id_number.trim()),
        )
    };
    errors.into_result()?;
    let draft = input.parse()?;
    let raiser_id = match &id {
        Some(n) => app
            .store
            .account_by_login(n.as_str())
            .await
            .ok()
            .map(|a| a.id),
        None => None,
    };
    let clerk = actor.account()?;
    Ok(app
        .store
        .record_problem(
            app.clock.now(),
            cap.actor(),
            &NewProblem {
                id: tongban_store::new_id(),
                category: draft.category.as_str().into(),
                text: draft.text,
                raiser_id,
                raiser_name: name.unwrap_or_default(),
                raiser_phone: phone.unwrap_or_default(),
                channel: "desk".into(),
                intake_org_id: clerk.org_unit_id.clone(),
                case_nos: draft.case_nos,
                item_codes: draft.item_codes,
                day: app.today(),
            },
        )
        .await?)
}

fn role_in(actor: &Actor, p: &ProblemRecord) -> Option<Option<ProblemActor>> {
    let pr = &actor.principal;
    if pr.capability(Permission::SuperviseFeedback).is_ok() {
        return Some(Some(ProblemActor::Desk));
    }
    if actor
        .account
        .as_ref()
        .is_some_and(|a| p.raiser_id.as_deref() == Some(a.id.as_str()))
        && pr.capability(Permission::ApplicantSelfService).is_ok()
    {
        return Some(None);
    }
    let reach = FeedbackReach::of(pr);
    if !reach.covers(p.lead_path.as_deref(), p.intake_path.as_deref()) {
        return None;
    }
    if pr.capability(Permission::HandleDesk).is_ok()
        && p.intake_path
            .as_deref()
            .is_some_and(|i| reach.intake.covers(i))
    {
        return Some(Some(ProblemActor::Desk));
    }
    let lead = pr.capability(Permission::RespondToFeedback).is_ok()
        && p.lead_path
            .as_deref()
            .is_some_and(|l| reach.handling.covers(l));
    Some(lead.then_some(ProblemActor::Lead))
}

fn status_of(p: &ProblemRecord) -> Result<ProblemStatus, AppError> {
    ProblemStatus::parse(&p.status)
        .ok_or_else(|| AppError::internal(StoreError::Corrupt(format!("问题状态 {}", p.status))))
}

pub fn is_overdue(app: &App, p: &ProblemRecord) -> bool {
    p.status == ProblemStatus::Assigned.as_str()
        && p.due
            .as_deref()
            .is_some_and(|d| d < app.today().format("%Y-%m-%d").to_string().as_str())
}

pub async fn file(app: &App, actor: &Actor, problem_no: &str) -> Result<ProblemFile, AppError> {
    actor.account()?;
    let problem = app.store.problem_by_no(problem_no).await?;
    let role = role_in(actor, &problem).ok_or(AppError::NotFound)?;
    let status = status_of(&problem)?;
    let events = app
        .store
        .feedback_events(&format!("problem:{}", problem.id))
        .await?;
    Ok(ProblemFile {
        overdue: is_overdue(app, &problem),
        problem,
        status,
        events,
        role,
    })
}

fn refused(e: ProblemError) -> AppError {
    match e {
        ProblemError::Invalid(v) => AppError::Validation(v),
        ProblemError::NotYours(_) => AppError::Forbidden,
        other => AppError::Refused {
            code: "problem_step",
            detail: other.to_string(),
        },
    }
}

async fn unit_id(app: &App, field: &str, code: &str) -> Result<(String, String), AppError> {
    match app.store.org_unit_by_code(code.trim()).await {
        Ok(o) => Ok((o.id, o.name)),
        Err(StoreError::NotFound) => Err(AppError::field(field, "not_found", "没有这个部门编码")),
        Err(e) => Err(e.into()),
    }
}

pub async fn act(
    app: &App,
    actor: &Actor,
    problem_no: &str,
    action: ProblemAction,
) -> Result<ProblemFile, AppError> {
    let account = actor.account()?;
    let p = app.store.problem_by_no(problem_no).await?;
    let by = role_in(actor, &p)
        .ok_or(AppError::NotFound)?
        .ok_or(AppError::Forbidden)?;
    let status = status_of(&p)?;
    let step = desk::step(status, by, &action).map_err(refused)?;
    let (lead_id, assisting) = match &action {
        ProblemAction::Assign {
            lead, assisting, ..
        } => {
            let lead_code = lead.trim().to_owned();
            let lead = unit_id(app, "lead", lead).await?;
            let mut names = Vec::new();
            // The lead department is not also its own 协办.
            for a in assisting
                .iter()
                .filter(|a| !a.trim().is_empty() && a.trim() != lead_code)
            {
                names.push(unit_id(app, "assisting", a).await?.1);
            }
            (Some(lead.0), Some(names.join("、")))
        }
        _ => (None, None),
    };
    let due = step.start_clock.then(|| {
        app.calendar
            .get()
            .add_working_days(app.today(), desk::ANSWER_WORKING_DAYS)
    });
    let adjustment = match &action {
        ProblemAction::Close { adjustment, .. } if !adjustment.trim().is_empty() => {
            let code = adjustment.trim();
            if app.catalog.get().get(code).is_none() {
                return Err(AppError::field(
                    "adjustment",
                    "unknown",
                    &format!("事项编码 {code} 不是已发布的事项，请填写调整后的事项编码"),
                ));
            }
            Some(code.to_owned())
        }
        _ => None,
    };
    let notices = match (&p.raiser_id, step.status) {
        (Some(r), ProblemStatus::Closed) => vec![tongban_store::Notice {
            recipient: r.clone(),
            subject: format!("您反映的问题 {problem_no} 已办结"),
            body: action.note().trim().into(),
            link: format!("/me/problems/{problem_no}"),
        }],
        _ => Vec::new(),
    };
    let changed = app
        .store
        .record_problem_step(
            app.clock.now(),
            &account.id,
            &ProblemChange {
                id: p.id.clone(),
                from_status: status.as_str().into(),
                to_status: step.status.as_str().into(),
                lead_id,
                assisting,
                due,
                resolution: step.resolution.map(|r| r.as_str().into()),
                adjustment,
                action: action.as_str().into(),
                note: action.note().trim().into(),
                notices,
            },
        )
        .await?;
    if !changed {
        return Err(AppError::Refused {
            code: "problem_step",
            detail: "问题刚刚被他人办理，请刷新后再试".into(),
        });
    }
    file(app, actor, problem_no).await
}

pub async fn list(
    app: &App,
    actor: &Actor,
    q: &ProblemQuery,
) -> Result<Vec<ProblemRecord>, AppError> {
    let reach = reach(actor)?;
    Ok(app.store.list_problems(&reach, q).await?)
}

pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<ProblemRecord>, AppError> {
    let account = actor.account()?;
    actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    Ok(app
        .store
        .list_problems(
            &FeedbackReach::of(&actor.principal),
            &ProblemQuery {
                raiser: Some(account.id.clone()),
                limit: 200,
                ..Default::default()
            },
        )
        .await?)
}
