//! What people read about cases: an applicant's own cases, a case file with everything on
//! it, the one-time notices, staff inboxes and the time-limit follow-up. Each query checks
//! who is asking before it reads.

use std::sync::Arc;

use tongban_domain::authz::{Permission, Scope};
use tongban_domain::case::{CaseAction, CaseFilter, CaseStatus, Urgency, urgency};
use tongban_domain::catalog::ServiceItem;
use tongban_store::{Account, CaseEvent, CaseRecord, FollowUp, LicenceRecord, MaterialRecord};

use super::{DueExplanation, can_view, explain_promised};
use crate::{Actor, App, AppError};

/// A case with everything recorded on it.
#[derive(Debug)]
pub struct CaseFile {
    pub case: CaseRecord,
    pub applicant: Account,
    pub events: Vec<CaseEvent>,
    pub materials: Vec<MaterialRecord>,
    /// Licences issued on the case.
    pub licences: Vec<LicenceRecord>,
    /// The implementation list the case was filed under.
    pub version: std::sync::Arc<ServiceItem>,
    /// The item as published now, if it still is.
    pub published: Option<Arc<ServiceItem>>,
    pub explanation: Option<DueExplanation>,
    /// The clerk who took the application at a window (首问责任人).
    pub first_responder: Option<String>,
    /// Owed 容缺 materials are past their date.
    pub deficiency_late: bool,
    /// Who took each timeline step (经办人), by account id.
    pub actor_names: std::collections::HashMap<String, String>,
    /// The day the latest one-time notice asks its papers by, while it is open.
    pub supply_by: Option<chrono::NaiveDate>,
}

/// The day a notice issued at `at` asks its papers by, as the printed notice says.
fn supply_by(app: &App, at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    app.calendar.get().add_working_days(
        tongban_domain::calendar::district_date(at),
        app.settings.deficiency_supply_working_days,
    )
}

/// Who is reading a case file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The applicant, on their tracking page: their own cases only.
    Applicant,
    /// Staff whose work the case falls in.
    Staff,
}

/// The cases the actor applied for, newest first.
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<CaseRecord>, AppError> {
    let account = actor.account()?;
    Ok(app.store.cases_of_applicant(&account.id).await?)
}

/// The case numbered `case_no`, if `reader` may see it; anyone else is told it does not
/// exist.
pub async fn readable(
    app: &App,
    actor: &Actor,
    case_no: &str,
    reader: Reader,
) -> Result<CaseRecord, AppError> {
    let case = app.store.case_by_no(case_no).await?;
    let may = match reader {
        Reader::Applicant => actor
            .account
            .as_ref()
            .is_some_and(|a| a.id == case.applicant_id),
        Reader::Staff => {
            can_view(actor, &case)
                && actor
                    .principal
                    .capability(Permission::StaffWorkbench)
                    .is_ok()
        }
    };
    if may {
        Ok(case)
    } else {
        Err(AppError::NotFound)
    }
}

/// Everything on one case, for `reader`.
pub async fn file(
    app: &App,
    actor: &Actor,
    case_no: &str,
    reader: Reader,
) -> Result<CaseFile, AppError> {
    let case = readable(app, actor, case_no, reader).await?;
    let (events, materials) = app.store.case_events_and_materials(&case.id).await?;
    let version = crate::catalog::versions::item_of_case(app, &case).await?;
    let applicant = app.store.account(&case.applicant_id).await?;
    let first_responder = match &case.first_responder {
        Some(id) => Some(app.store.account(id).await?.name),
        None => None,
    };
    let actor_names =
        crate::accounts::display_names(app, events.iter().map(|e| e.actor.clone()).collect())
            .await?;
    let supply_by = (case.status == CaseStatus::AwaitingSupplement)
        .then(|| events.iter().rev().find(|e| e.action == "issue_notice"))
        .flatten()
        .map(|e| supply_by(app, e.at));
    Ok(CaseFile {
        supply_by,
        actor_names,
        explanation: explain_promised(app, &events, &version),
        materials,
        licences: app.store.licences_of_case(&case.id).await?,
        published: app.catalog.get().get(&case.implementation_code),
        deficiency_late: deficiency_late(app, &case),
        first_responder,
        applicant,
        events,
        version,
        case,
    })
}

/// Whether materials owed under deficiency acceptance are past their date.
pub fn deficiency_late(app: &App, case: &CaseRecord) -> bool {
    let today = app.today();
    case.deficiency_due.is_some_and(|d| d < today)
}

/// The events of a case the actor may read.
pub async fn events(
    app: &App,
    actor: &Actor,
    case_no: &str,
    reader: Reader,
) -> Result<(CaseRecord, Vec<CaseEvent>), AppError> {
    let case = readable(app, actor, case_no, reader).await?;
    let events = app.store.case_events(&case.id).await?;
    Ok((case, events))
}

/// The one-time notices of a case, oldest first, with the applicant and the item's
/// consultation phone, for the printable 一次性告知书 (the person's own document).
#[derive(Debug)]
pub struct Notices {
    pub case: CaseRecord,
    pub applicant: Account,
    pub notices: Vec<PrintedNotice>,
    pub consult_phone: String,
}

/// One notice as printed: when, what, by whom (经办人) and the day to supply by.
#[derive(Debug)]
pub struct PrintedNotice {
    pub at: chrono::DateTime<chrono::Utc>,
    pub items: Vec<tongban_domain::case::NoticeItem>,
    pub clerk: String,
    pub supply_by: chrono::NaiveDate,
}

pub async fn notices(app: &App, actor: &Actor, case_no: &str) -> Result<Notices, AppError> {
    let case = app.store.case_by_no(case_no).await?;
    if !can_view(actor, &case) {
        return Err(AppError::NotFound);
    }
    let mut notices = Vec::new();
    for e in app.store.case_events(&case.id).await? {
        if let Ok(CaseAction::IssueNotice { items }) = serde_json::from_str(&e.detail) {
            notices.push(PrintedNotice {
                at: e.at,
                items,
                clerk: app.store.account(&e.actor).await?.name,
                supply_by: supply_by(app, e.at),
            });
        }
    }
    if notices.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(Notices {
        applicant: app.store.account(&case.applicant_id).await?,
        consult_phone: crate::catalog::versions::item_of_case(app, &case)
            .await?
            .consult_phone
            .clone(),
        notices,
        case,
    })
}

/// A written decision against the applicant: 不予受理决定书 (refused at intake) or
/// 不予许可决定书 / 不予备案决定书 (denied on review), with the reason and the person's
/// remedies. The applicant and staff who may see the case read it.
#[derive(Debug)]
pub struct DecisionDocument {
    pub case: CaseRecord,
    pub applicant: Account,
    pub title: String,
    pub reason: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

pub async fn decision_document(
    app: &App,
    actor: &Actor,
    case_no: &str,
) -> Result<DecisionDocument, AppError> {
    let case = app.store.case_by_no(case_no).await?;
    if !can_view(actor, &case) {
        return Err(AppError::NotFound);
    }
    // The letter is named by what was refused: a licence (行政许可), a filing (备案), or
    // any other service (办理).
    let item = crate::catalog::versions::item_of_case(app, &case).await?;
    let denial = format!(
        "{}决定书",
        tongban_domain::case::denial_word(&case.item_name, item.kind)
    );
    let found = app
        .store
        .case_events(&case.id)
        .await?
        .into_iter()
        .rev()
        .find_map(|e| match serde_json::from_str::<CaseAction>(&e.detail) {
            Ok(CaseAction::Refuse { reason }) => Some(("不予受理决定书".to_owned(), reason, e.at)),
            Ok(CaseAction::Decide {
                approve: false,
                reason,
                ..
            }) => Some((denial.clone(), reason, e.at)),
            _ => None,
        });
    let Some((title, reason, at)) = found else {
        return Err(AppError::NotFound);
    };
    Ok(DecisionDocument {
        applicant: app.store.account(&case.applicant_id).await?,
        case,
        title,
        reason,
        at,
    })
}

/// A staff inbox: what the actor's role works on, soonest due first, one page of it.
#[derive(Debug)]
pub struct Inbox {
    pub title: &'static str,
    pub rows: Vec<InboxRow>,
    pub page: u32,
    /// Another page follows.
    pub has_more: bool,
}

/// One case of a list with its urgency and the working days left to its promised date
/// (`None` while its clock does not run).
#[derive(Debug)]
pub struct InboxRow {
    pub case: CaseRecord,
    pub urgency: Urgency,
    pub days_left: Option<i64>,
}

/// The inbox narrowed by `filter`: a window clerk's intake work (a town's clerk only what
/// the town's halls took in), a reviewer's department, a supervisor's district (read only).
pub async fn inbox(app: &App, actor: &Actor, filter: &CaseFilter) -> Result<Inbox, AppError> {
    use CaseStatus as S;
    let p = &actor.principal;
    p.capability(Permission::StaffWorkbench)?;
    let (defaults, scope, by_intake, title): (Vec<CaseStatus>, Scope, bool, _) =
        if p.capability(Permission::HandleIntake).is_ok() {
            (
                vec![S::Submitted, S::AwaitingSupplement, S::Concluded],
                tongban_domain::authz::intake_scope(p),
                true,
                "待受理、待补正和待送达的办件",
            )
        } else if let Ok(cap) = p.capability(Permission::ReviewCases) {
            (
                vec![S::Accepted, S::InReview, S::SpecialProcedure, S::Decided],
                cap.scope().clone(),
                false,
                "本部门待审查和待办结的办件",
            )
        } else {
            // Legality reviewers and supervisors read everything open, to follow up on delays.
            let open = S::ALL.into_iter().filter(|s| !s.is_final()).collect();
            (open, Scope::All, false, "全区在办件（只读）")
        };
    let statuses = filter.statuses_or(defaults);
    let viewer = actor.account()?.id.clone();
    let per_page = i64::from(tongban_domain::case::PAGE_SIZE);
    let mut cases = app
        .store
        .list_cases(
            &statuses,
            &scope,
            by_intake,
            filter,
            app.today(),
            &viewer,
            per_page + 1,
        )
        .await?;
    let has_more = cases.len() as i64 > per_page;
    cases.truncate(per_page as usize);
    Ok(Inbox {
        title,
        rows: with_urgency(app, cases),
        page: filter.page.max(1),
        has_more,
    })
}

fn with_urgency(app: &App, cases: Vec<CaseRecord>) -> Vec<InboxRow> {
    let cal = app.calendar.get();
    let today = app.today();
    let warn = app.settings.due_soon_working_days;
    cases
        .into_iter()
        .map(|c| {
            // Only a running clock can be late: a case not yet accepted, or already concluded,
            // has no promise to keep.
            let (urgency, days_left) = if c.status.clock_started() {
                let left = if c.promised_due >= today {
                    i64::from(cal.working_days_between(today, c.promised_due))
                } else {
                    -i64::from(cal.working_days_between(c.promised_due, today))
                };
                (urgency(&cal, c.promised_due, today, warn), Some(left))
            } else {
                (Urgency::Normal, None)
            };
            InboxRow {
                case: c,
                urgency,
                days_left,
            }
        })
        .collect()
}

/// One department's line on the time-limit follow-up.
#[derive(Debug)]
pub struct DepartmentDeadlines {
    pub department: String,
    pub open: usize,
    pub due_soon: usize,
    pub overdue_count: usize,
    /// The longest overdue of them (all of them up to `OVERDUE_LISTED` across departments).
    pub overdue: Vec<CaseRecord>,
}

/// How many overdue cases the follow-up lists by name; the counts are always exact.
pub const OVERDUE_LISTED: i64 = 200;

/// 限时办结 follow-up within the actor's scope.
#[derive(Debug)]
pub struct Deadlines {
    pub today: chrono::NaiveDate,
    /// Most overdue first: that is where the bureau follows up.
    pub departments: Vec<DepartmentDeadlines>,
    /// Materials owed under 容缺受理, with whether the supply date has passed.
    pub owed: Vec<(CaseRecord, bool)>,
    /// Open commitment verifications, with their urgency.
    pub verifications: Vec<(CaseRecord, Urgency)>,
    /// Breaches of the one-time-notice rule per department.
    pub breaches: Vec<(String, i64)>,
}

pub async fn deadlines(app: &App, actor: &Actor) -> Result<Deadlines, AppError> {
    let cap = actor.principal.capability(Permission::ViewDeadlines)?;
    let scope = cap.scope();
    let started: Vec<CaseStatus> = CaseStatus::ALL
        .into_iter()
        .filter(|s| s.clock_started())
        .collect();
    let cal = app.calendar.get();
    let today = app.today();
    let warn = app.settings.due_soon_working_days;
    // Counted by the database; the overdue cases listed are the longest overdue (a page
    // shows at most `OVERDUE_LISTED`, the counts are exact).
    let soon_until = cal.add_working_days(today, warn);
    let overdue = app
        .store
        .overdue_cases(&started, scope, today, OVERDUE_LISTED)
        .await?;
    let mut departments: Vec<DepartmentDeadlines> = app
        .store
        .deadline_counts(&started, scope, today, soon_until)
        .await?
        .into_iter()
        .map(|d| DepartmentDeadlines {
            overdue: overdue
                .iter()
                .filter(|c| c.org_name == d.org_name)
                .cloned()
                .collect(),
            overdue_count: usize::try_from(d.overdue).unwrap_or_default(),
            department: d.org_name,
            open: usize::try_from(d.open).unwrap_or_default(),
            due_soon: usize::try_from(d.due_soon).unwrap_or_default(),
        })
        .collect();
    departments.sort_by(|a, b| {
        (b.overdue_count, b.due_soon, b.open).cmp(&(a.overdue_count, a.due_soon, a.open))
    });
    // Owed papers come back through the windows: a clerk follows those of the cases their
    // halls took in, wherever they are handled.
    let (owed_scope, by_intake) = if actor.principal.capability(Permission::HandleIntake).is_ok() {
        (tongban_domain::authz::intake_scope(&actor.principal), true)
    } else {
        (scope.clone(), false)
    };
    let owed = app
        .store
        .cases_following_up(FollowUp::DeficiencyOwed, &owed_scope, by_intake, 500)
        .await?
        .into_iter()
        .map(|c| {
            let late = c.deficiency_due.is_some_and(|d| d < today);
            (c, late)
        })
        .collect();
    let verifications = app
        .store
        .cases_following_up(FollowUp::Verification, scope, false, 500)
        .await?
        .into_iter()
        .map(|c| {
            let u = urgency(&cal, c.verification_due.unwrap_or(today), today, warn);
            (c, u)
        })
        .collect();
    Ok(Deadlines {
        today,
        departments,
        owed,
        verifications,
        breaches: app.store.notice_breach_counts(scope).await?,
    })
}

/// A case as the API returns it: the record, its timeline and its materials.
#[derive(Debug)]
pub struct CaseView {
    pub case: CaseRecord,
    pub events: Vec<CaseEvent>,
    pub materials: Vec<MaterialRecord>,
}

/// One case for the applicant or staff who may see it.
pub async fn view(app: &App, actor: &Actor, case_no: &str) -> Result<CaseView, AppError> {
    view_after(app, actor, app.store.case_by_no(case_no).await?).await
}

/// The API's view of a case already read, or just left as `case` by a step (returned by
/// `act`): its timeline and materials read, the record not read again.
pub async fn view_after(app: &App, actor: &Actor, case: CaseRecord) -> Result<CaseView, AppError> {
    if !can_view(actor, &case) {
        return Err(AppError::NotFound);
    }
    let (events, materials) = app.store.case_events_and_materials(&case.id).await?;
    Ok(CaseView {
        events,
        materials,
        case,
    })
}

/// Staff search by case number, or by the applicant's ID number or name: the matching cases
/// this staff member may see (the term is posted, never put in a URL).
pub async fn search(app: &App, actor: &Actor, term: &str) -> Result<Vec<InboxRow>, AppError> {
    actor.principal.capability(Permission::StaffWorkbench)?;
    let term = term.trim();
    if term.chars().count() < 2 || term.chars().count() > 43 {
        return Err(AppError::field(
            "q",
            "invalid",
            "请输入办件编号、申请人证件号码或姓名（至少 2 个字）",
        ));
    }
    let mut found = Vec::new();
    if term.len() == 43 {
        match app.store.case_by_no(&term.to_ascii_uppercase()).await {
            Ok(c) => found.push(c),
            Err(tongban_store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    } else {
        // Only people with a case this staff member may see can match (the reach of their
        // handling and intake scopes, as people search).
        let reach = tongban_domain::authz::PersonalDataReach {
            handling: actor
                .principal
                .capability(Permission::StaffWorkbench)?
                .scope()
                .clone(),
            intake: tongban_domain::authz::intake_scope(&actor.principal),
        };
        for person in app.store.find_people(term, &reach, 20).await? {
            found.extend(app.store.cases_of_applicant(&person.id).await?);
            if found.len() >= 200 {
                break;
            }
        }
    }
    found.retain(|c| can_view(actor, c));
    found.sort_by(|a, b| {
        (a.promised_due, a.submitted_at, &a.id).cmp(&(b.promised_due, b.submitted_at, &b.id))
    });
    found.truncate(100);
    Ok(with_urgency(app, found))
}

/// A 受理回执 (acceptance receipt): what was received, when it was accepted and the promised
/// date, for the applicant or staff who may see the case, once it has been accepted.
#[derive(Debug)]
pub struct Receipt {
    pub case: CaseRecord,
    pub applicant: Account,
    pub materials: Vec<MaterialRecord>,
    pub accepted_at: chrono::DateTime<chrono::Utc>,
    /// Who accepted it (经办人).
    pub clerk: String,
}

pub async fn receipt(app: &App, actor: &Actor, case_no: &str) -> Result<Receipt, AppError> {
    let case = app.store.case_by_no(case_no).await?;
    if !can_view(actor, &case) {
        return Err(AppError::NotFound);
    }
    let events = app.store.case_events(&case.id).await?;
    let Some(accepted) = events.iter().rev().find(|e| {
        matches!(
            e.action.as_str(),
            "accept" | "accept_with_deficiency" | "approve_on_commitment" | "conclude_on_the_spot"
        )
    }) else {
        return Err(AppError::NotFound);
    };
    Ok(Receipt {
        applicant: app.store.account(&case.applicant_id).await?,
        // What the case was accepted on: a copy found 不合格 was not received as that paper.
        materials: app
            .store
            .case_materials(&case.id)
            .await?
            .into_iter()
            .filter(|m| m.check.usable())
            .collect(),
        accepted_at: accepted.at,
        clerk: app.store.account(&accepted.actor).await?.name,
        case,
    })
}
