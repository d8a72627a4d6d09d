//! 帮办代办 and 上门服务: a person (or their family, or village staff at a window) asks;
//! the bureau or the clerks of the person's town answer within two working days by
//! assigning staff and a time, or decline with a reason; the helper records what was done.

use chrono::NaiveDateTime;
use tongban_domain::account::Role;
use tongban_domain::authz::{Permission, Principal, Scope, intake_scope, local_hall_unit};
use tongban_domain::hall::assistance::{self, HelpAction, HelpForm, HelpRequest};
use tongban_domain::org::{OrgKind, path_within};
use tongban_store::{HelpChange, HelpRecord, NewHelpRequest, StaffMember, StoreError};

use super::local_now;
use crate::{Actor, App, AppError};

/// Who answers requests: the bureau for all, a clerk for the people of their unit.
fn reach(principal: &Principal) -> Scope {
    match principal.role() {
        Some(Role::BureauAdmin) => Scope::All,
        Some(Role::WindowClerk) => intake_scope(principal),
        _ => Scope::Nothing,
    }
}

/// Records a request for `org_code` (the town or village the person lives in).
pub async fn request(
    app: &App,
    actor: &Actor,
    form: &HelpForm<'_>,
    org_code: &str,
) -> Result<String, AppError> {
    let applicant = actor
        .principal
        .capability(Permission::ApplicantSelfService)
        .is_ok();
    if !applicant {
        actor.principal.capability(Permission::HandleIntake)?;
    }
    let parsed = HelpRequest::parse(form);
    let unit = match app.store.org_unit_by_code(org_code.trim()).await {
        Ok(u)
            if matches!(
                u.kind,
                OrgKind::Town | OrgKind::Village | OrgKind::Government
            ) =>
        {
            Some(u)
        }
        _ => None,
    };
    let request = match (parsed, &unit) {
        (Ok(r), Some(_)) => r,
        (parsed, unit) => {
            let mut e = parsed.err().unwrap_or_default();
            if unit.is_none() {
                e.add("org_unit", "required", "请选择所在乡镇或村（社区）");
            }
            return Err(e.into());
        }
    };
    let unit = unit.expect("checked above");
    let today = app.today();
    Ok(app
        .store
        .record_help_request(
            app.clock.now(),
            actor.principal.account_id().unwrap_or("system"),
            &NewHelpRequest {
                id: tongban_store::new_id(),
                request,
                day: today,
                due: assistance::answer_due(&app.calendar.get(), today),
                org_unit_id: unit.id,
                account_id: applicant
                    .then(|| actor.principal.account_id().unwrap_or_default().to_owned()),
            },
        )
        .await?)
}

/// Requests the actor answers, open first.
pub async fn queue(app: &App, actor: &Actor) -> Result<Vec<HelpRecord>, AppError> {
    actor.principal.capability(Permission::HandleIntake)?;
    Ok(app
        .store
        .help_requests(&reach(&actor.principal), 200)
        .await?)
}

/// One's own requests.
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<HelpRecord>, AppError> {
    let cap = actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    Ok(app.store.help_requests_of(cap.actor()).await?)
}

/// A request, for staff who answer it, with the staff it may be assigned to.
pub async fn view(
    app: &App,
    actor: &Actor,
    request_no: &str,
) -> Result<(HelpRecord, Vec<StaffMember>), AppError> {
    actor.principal.capability(Permission::HandleIntake)?;
    let r = app.store.help_request(request_no).await?;
    let scope = reach(&actor.principal);
    if !scope.covers(&r.org_path) {
        return Err(AppError::NotFound);
    }
    // Who can go: clerks of the person's village or town, or of the district's units.
    let staff = app
        .store
        .list_staff(&Scope::All)
        .await?
        .into_iter()
        .filter(|s| !s.disabled && s.role == Role::WindowClerk)
        .filter(|s| path_within(&r.org_path, &s.org_path) || !local_hall_unit(&s.org_path))
        .collect();
    Ok((r, staff))
}

/// A step: assign staff and a time, decline with a reason, or record the visit.
pub async fn act(
    app: &App,
    actor: &Actor,
    request_no: &str,
    action: HelpAction,
) -> Result<HelpRecord, AppError> {
    let (r, staff) = view(app, actor, request_no).await?;
    let now: NaiveDateTime = local_now(app);
    let status =
        assistance::step(r.status, r.kind, &action, now).map_err(|e| AppError::Refused {
            code: "help_status",
            detail: e.to_string(),
        })?;
    let me = actor.principal.account_id().unwrap_or_default().to_owned();
    let mut change = HelpChange {
        id: r.id.clone(),
        version: r.version,
        action: "",
        status,
        assigned_to: None,
        visit_at: None,
        declined_reason: None,
        case_no: None,
        photos: r.photos,
        identity_checked: r.identity_checked,
        result_note: None,
        tell: None,
    };
    match &action {
        HelpAction::Assign { staff: login, at } => {
            let who = staff
                .iter()
                .find(|s| s.login == *login)
                .ok_or_else(|| AppError::field("staff", "unknown", "请选择能前往的工作人员"))?;
            change.action = "assign";
            change.assigned_to = Some(who.id.clone());
            change.visit_at = Some(at.format("%Y-%m-%d %H:%M").to_string());
            change.tell = Some((
                "帮办代办已安排".into(),
                format!(
                    "{}：{} 将于 {} {}。",
                    r.kind.label(),
                    who.name,
                    at.format("%m月%d日 %H:%M"),
                    if r.kind == assistance::HelpKind::HomeVisit {
                        "上门"
                    } else {
                        "在窗口等您"
                    }
                ),
            ));
        }
        HelpAction::Decline { reason } => {
            change.action = "decline";
            change.declined_reason = Some(reason.trim().chars().take(300).collect());
            change.tell = Some((
                "帮办代办未能安排".into(),
                format!("原因：{}", reason.trim()),
            ));
        }
        HelpAction::Record {
            case_no,
            photos,
            identity_checked,
            note,
        } => {
            if r.visit_at
                .as_deref()
                .and_then(|at| at.get(..10))
                .is_some_and(|day| day > now.date().to_string().as_str())
            {
                return Err(AppError::Refused {
                    code: "help_status",
                    detail: "还没到安排的日期，办理后再记录结果".into(),
                });
            }
            // The case filed must be this person's: their own account when they asked
            // online, else an applicant of the same name.
            if let Some(no) = case_no {
                let theirs = match app.store.case_by_no(no.trim()).await {
                    Ok(c) => match &r.account_id {
                        Some(a) if r.requester == assistance::Requester::Person => {
                            c.applicant_id == *a
                        }
                        _ => c.applicant_name == r.name,
                    },
                    Err(_) => false,
                };
                if !theirs {
                    return Err(AppError::field(
                        "case_no",
                        "unknown",
                        "没有这位群众的这个办件编号，请核对",
                    ));
                }
            }
            change.action = "record";
            change.case_no = case_no.clone();
            change.photos = i64::from(*photos);
            change.identity_checked = *identity_checked;
            change.result_note = Some(note.trim().chars().take(500).collect());
        }
    }
    if !app
        .store
        .step_help_request(app.clock.now(), &me, &change)
        .await?
    {
        return Err(AppError::Refused {
            code: "help_moved",
            detail: "该请求已被他人处理，请刷新".into(),
        });
    }
    app.store
        .help_request(request_no)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound,
            other => other.into(),
        })
}

/// Requests unanswered past two working days go to the bureau, once (a job).
pub async fn escalate(app: &App) -> Result<u64, AppError> {
    Ok(app
        .store
        .escalate_unanswered_help(app.clock.now(), app.today())
        .await?)
}
