//! Case handling shared by the API and the pages: submitting an application, who may see a
//! case, and taking an action on it. The rules are the domain's; this module gathers what
//! they need from the store and the request, and records what they decided.

use chrono::NaiveDate;
use tongban_domain::ValidationErrors;
use tongban_domain::account::AccountKind;
use tongban_domain::authz::Permission;
use tongban_domain::calendar::WorkCalendar;
use tongban_domain::case::{
    Assistance, CaseAction, CaseFacts, CaseStatus, ClockEffect, ItemRules, Progress, Transition,
    follow_up_date, sha256_hex, sniff_upload, step,
};
use tongban_domain::catalog::{TimeLimit, TimeUnit};
use tongban_domain::validation::{FieldRule, required_text};
use tongban_store::{CaseChange, CaseRecord, NewCase, NewMaterial, StoreError};

mod materials;
mod queries;
mod window_supply;

pub use materials::{OpenedMaterial, check_material, open_material, waived_licence};
pub use queries::{
    CaseFile, CaseView, Deadlines, DecisionDocument, DepartmentDeadlines, Inbox, InboxRow, Notices,
    PrintedNotice, Reader, Receipt, deadlines, decision_document, deficiency_late, events, file,
    inbox, mine, notices, readable, receipt, search, view, view_after,
};
pub use window_supply::{OwedAtWindow, find_for_window, owed_materials, supply_at_window};

use crate::Actor;
use crate::{App, AppError};

/// One uploaded material, as the channel received it.
#[derive(Debug)]
pub struct Upload {
    /// Where errors about the material's name go, e.g. `materials[0]`.
    pub field: String,
    /// Where errors about its content go.
    pub content_field: String,
    pub name: String,
    pub filename: String,
    /// `None` when the channel could not read the content (already reported).
    pub bytes: Option<Vec<u8>>,
}

/// An application as a channel received it.
#[derive(Debug)]
pub struct Submission {
    pub implementation_code: String,
    pub situation: String,
    /// The item's form fields as JSON.
    pub form: String,
    pub uploads: Vec<Upload>,
    pub idempotency_key: Option<String>,
    /// The applicant ticked the item's commitment text (告知承诺).
    pub commitment_signed: bool,
    /// Filed at a window by a clerk for the person standing there; `None` online.
    pub on_behalf: Option<OnBehalf>,
    /// A page's form: files sent are kept for the draft (named by the idempotency key), so a
    /// form refused for another reason never asks for them again, and a file left in a field
    /// of another situation is set aside. The API resends instead, and is told.
    pub keep_draft: bool,
}

/// A window application: whose it is (identity checked by the clerk) and how they were
/// helped.
#[derive(Debug)]
pub struct OnBehalf {
    pub applicant: tongban_store::Account,
    pub assistance: Assistance,
}

/// The applicant at the window: found by ID number or registered for them, without a
/// password, so the case has its owner and they can claim it online
/// (`identity::identified_at_window`: the document the clerk saw decides whose the number is).
pub async fn window_applicant(
    app: &App,
    current: &Actor,
    form: tongban_domain::case::WindowForm<'_>,
) -> Result<OnBehalf, AppError> {
    // Only window staff file for someone else; checked before anything is registered.
    current.principal.capability(Permission::HandleIntake)?;
    let person = tongban_domain::case::WindowApplicant::parse(form)?;
    let (applicant, _, _) = crate::identity::identified_at_window(
        app,
        current.account()?,
        &person,
        crate::identity::Purpose::Intake,
    )
    .await?;
    Ok(OnBehalf {
        applicant,
        assistance: person.assistance,
    })
}

/// The due date of `limit` counted from `from`.
pub fn due(cal: &WorkCalendar, from: NaiveDate, limit: &TimeLimit) -> NaiveDate {
    match limit.unit {
        TimeUnit::WorkingDays => cal.add_working_days(from, limit.days),
        TimeUnit::NaturalDays => from + chrono::Days::new(u64::from(limit.days)),
    }
}

/// How a case's promised due date was counted, in words people read.
#[derive(Debug, Clone)]
pub struct DueExplanation {
    pub accepted_on: String,
    pub days: u32,
    pub due: String,
    /// Non-working days passed over, with why.
    pub skipped: Vec<String>,
    /// Weekend days worked under the arrangement, which counted.
    pub swapped: Vec<String>,
    /// Working days added for special procedures (clock stopped).
    pub stopped: u32,
}

/// The acceptance day and the clock stops recorded on a case's timeline, and the day a
/// special procedure still running began. Only ended procedures move the due dates (the
/// step that ends one stores the moved dates), so every view reads the same dates.
pub fn clock_from_events(
    events: &[tongban_store::CaseEvent],
) -> (
    Option<NaiveDate>,
    Vec<tongban_domain::case::ClockStop>,
    Option<NaiveDate>,
) {
    use tongban_domain::case::ClockStop;
    let mut accepted = None;
    let mut stops = Vec::new();
    let mut open: Option<NaiveDate> = None;
    for e in events {
        let day = tongban_domain::calendar::district_date(e.at);
        match e.action.as_str() {
            "accept"
            | "accept_with_deficiency"
            | "approve_on_commitment"
            | "conclude_on_the_spot" => accepted = Some(day),
            "start_special_procedure" => open = Some(day),
            "end_special_procedure" => {
                if let Some(start) = open.take() {
                    stops.push(ClockStop { start, end: day });
                }
            }
            _ => {}
        }
    }
    (accepted, stops, open)
}

/// The statutory and promised due dates counted from acceptance, special procedures' days
/// added back for working-day limits.
fn dues_with_stops(
    cal: &WorkCalendar,
    accepted: NaiveDate,
    stops: &[tongban_domain::case::ClockStop],
    item: &tongban_domain::catalog::ServiceItem,
) -> (NaiveDate, NaiveDate) {
    let count = |limit: &TimeLimit| match limit.unit {
        TimeUnit::WorkingDays => tongban_domain::case::due_date(cal, accepted, limit.days, stops),
        TimeUnit::NaturalDays => due(cal, accepted, limit),
    };
    (count(&item.statutory_limit), count(&item.promised_limit))
}

/// The promised due date's explanation, once the case has been accepted.
pub fn explain_promised(
    app: &App,
    events: &[tongban_store::CaseEvent],
    item: &tongban_domain::catalog::ServiceItem,
) -> Option<DueExplanation> {
    use tongban_domain::calendar::DayKind;
    let (accepted, stops, _) = clock_from_events(events);
    let accepted = accepted?;
    if item.promised_limit.unit != TimeUnit::WorkingDays {
        return None;
    }
    let (e, stopped) = tongban_domain::case::explain_due(
        &app.calendar.get(),
        accepted,
        item.promised_limit.days,
        &stops,
    );
    let md = |d: NaiveDate| d.format("%m-%d").to_string();
    Some(DueExplanation {
        accepted_on: accepted.format("%Y-%m-%d").to_string(),
        days: item.promised_limit.days,
        due: e.due.format("%Y-%m-%d").to_string(),
        skipped: e
            .skipped
            .iter()
            .map(|(d, k)| match k {
                DayKind::Holiday { name } => format!("{}（{name}假期）", md(*d)),
                _ => format!("{}（周末）", md(*d)),
            })
            .collect(),
        swapped: e
            .swapped_counted
            .iter()
            .map(|d| format!("{}（调休上班）", md(*d)))
            .collect(),
        stopped,
    })
}

/// Checks each upload's name and content (recognised by its bytes, within the size limit);
/// every problem goes into `errors`, and the good ones come back ready to store.
pub fn check_uploads(uploads: Vec<Upload>, errors: &mut ValidationErrors) -> Vec<NewMaterial> {
    let mut materials = Vec::new();
    for u in uploads {
        let name = errors.check(&format!("{}.name", u.field), required_text(&u.name, 100));
        let filename = errors.check(
            &format!("{}.filename", u.field),
            required_text(&u.filename, 200),
        );
        // The content is checked even when the name is wrong, so every problem is listed.
        let kind = u.bytes.as_ref().and_then(|b| {
            sniff_upload(b, &u.filename)
                .map_err(|e| {
                    let what = if u.name.trim().is_empty() {
                        u.filename.trim()
                    } else {
                        u.name.trim()
                    };
                    errors.add(&u.content_field, e.code(), format!("“{what}”：{e}"));
                })
                .ok()
        });
        if let (Some(name), Some(filename), Some(bytes), Some(kind)) =
            (name, filename, u.bytes, kind)
        {
            materials.push(NewMaterial {
                name,
                filename,
                content_type: kind.content_type().to_owned(),
                sha256: sha256_hex(&bytes),
                content: bytes,
                waived_by: None,
            });
        }
    }
    materials
}

/// Keeps the valid files of a form refused before it reached [`submit`] (a window form
/// whose applicant could not be identified); what is wrong with a file joins `errors`.
pub async fn keep_uploads(
    app: &App,
    current: &Actor,
    draft: &str,
    uploads: Vec<Upload>,
    errors: &mut ValidationErrors,
) -> Result<(), AppError> {
    let materials = check_uploads(uploads, errors);
    if !draft.is_empty() && draft.len() <= 100 && !materials.is_empty() {
        app.store
            .keep_draft_uploads(app.clock.now(), &current.account()?.id, draft, &materials)
            .await?;
    }
    Ok(())
}

/// The files kept for the current user's draft form: (material, file name).
pub async fn kept_uploads(
    app: &App,
    current: &Actor,
    draft: &str,
) -> Result<Vec<(String, String)>, AppError> {
    if draft.is_empty() || draft.len() > 100 {
        return Ok(Vec::new());
    }
    Ok(app
        .store
        .draft_uploads(&current.account()?.id, draft)
        .await?
        .into_iter()
        .map(|m| (m.name, m.filename))
        .collect())
}

/// Checks every field and records the application; `errors` may already hold the
/// channel's own findings. Returns the case and whether it was newly created.
pub async fn submit(
    app: &App,
    current: &Actor,
    mut sub: Submission,
    mut errors: ValidationErrors,
) -> Result<(CaseRecord, bool), AppError> {
    // Online the applicant files for themselves; at a window a clerk files for the person
    // whose identity they checked (the clerk is the first responder, 首问责任).
    // The clerk's unit is where the case was taken in (its hall's town or village).
    let (cap, account, first_responder, intake_org_id) = match &sub.on_behalf {
        None => (
            current
                .principal
                .capability(Permission::ApplicantSelfService)?,
            current.account()?,
            None,
            None,
        ),
        Some(b) => (
            current.principal.capability(Permission::HandleIntake)?,
            &b.applicant,
            Some(current.account()?.id.clone()),
            current.account()?.org_unit_id.clone(),
        ),
    };
    if sub.idempotency_key.as_ref().is_some_and(|k| k.len() > 100) {
        errors.add(
            "Idempotency-Key",
            "too_long",
            "Idempotency-Key 不能超过 100 个字符",
        );
    }
    let published = app.catalog.get();
    let item = published.get(sub.implementation_code.trim());
    match &item {
        None => errors.add(
            "implementation_code",
            "not_published",
            "事项不存在或尚未发布",
        ),
        Some(item) => {
            if !item.serves(account.kind) {
                errors.add(
                    "implementation_code",
                    "audience",
                    if account.kind == AccountKind::Citizen {
                        "本事项不面向个人办理"
                    } else {
                        "本事项不面向企业和组织办理"
                    },
                );
            }
            if !item.situations.is_empty()
                && !item.situations.iter().any(|s| s.name == sub.situation)
            {
                errors.add(
                    "situation",
                    "unknown_situation",
                    "请选择本事项的一种办事情形",
                );
            }
            if sub.commitment_signed && item.commitment.is_none() {
                errors.add("commitment", "not_offered", "本事项不适用告知承诺");
            }
        }
    }
    if sub.form.len() > 64 * 1024 {
        errors.add("form", "too_large", "表单内容过多");
    }
    if sub.uploads.len() > 30 {
        errors.add("materials", "too_many", "一次最多上传 30 份材料");
    }
    // Only the item's own materials, of the chosen situation, are taken (a paper it does
    // not ask for is nobody's to check, and would read as asked for).
    if let Some(item) = &item {
        let situation = Some(sub.situation.trim()).filter(|s| !s.is_empty());
        let wanted: Vec<String> = item
            .materials_for(situation)
            .into_iter()
            .map(|m| m.name.clone())
            .collect();
        // A page shows only the chosen situation's fields, but a browser still sends a file
        // chosen in a field of another situation before the person switched: the page's
        // form sets those aside; the API, which has no hidden fields, is told.
        if sub.keep_draft && situation.is_some() {
            sub.uploads.retain(|u| {
                let name = u.name.trim();
                name.is_empty()
                    || wanted.iter().any(|w| w == name)
                    || !item.materials.iter().any(|m| m.name == name)
            });
        }
        for u in &sub.uploads {
            let name = u.name.trim();
            if name.is_empty() || wanted.iter().any(|w| w == name) {
                continue;
            }
            let message = if item.materials.iter().any(|m| m.name == name) {
                format!("“{name}”不是“{}”情形所需的材料", sub.situation.trim())
            } else {
                format!("“{name}”不是本事项办事指南所列的申请材料")
            };
            errors.add(&format!("{}.name", u.field), "not_listed", message);
        }
    }
    let mut materials = check_uploads(sub.uploads, &mut errors);
    let draft = match (&sub.idempotency_key, sub.keep_draft) {
        (Some(key), true) => Some((current.account()?.id.clone(), key.clone())),
        _ => None,
    };
    if let Some((owner, key)) = &draft {
        if !materials.is_empty() {
            app.store
                .keep_draft_uploads(app.clock.now(), owner, key, &materials)
                .await?;
        }
        for kept in app.store.draft_uploads(owner, key).await? {
            let listed = item
                .as_ref()
                .is_some_and(|i| i.materials.iter().any(|m| m.name == kept.name));
            if listed && !materials.iter().any(|m| m.name == kept.name) {
                materials.push(kept);
            }
        }
    }
    errors.into_result()?;
    let item = item.ok_or(AppError::NotFound)?;
    let intake = Intake {
        first_responder,
        intake_org_id,
        assistance: sub
            .on_behalf
            .as_ref()
            .map(|b| serde_json::to_string(&b.assistance).unwrap_or_default())
            .unwrap_or_default(),
    };
    let new = new_case(
        app,
        account,
        &item,
        sub.situation.trim(),
        sub.form,
        materials,
        &intake,
        sub.commitment_signed,
        sub.idempotency_key,
    )
    .await?;
    let (case, created) = app.store.submit_case(app.clock.now(), &new).await?;
    if let Some((owner, key)) = &draft {
        // The case holds the files now; a draft left behind is purged by the daily job.
        if let Err(e) = app.store.drop_draft(owner, key).await {
            tracing::warn!(error = %e, "dropping a filed draft failed");
        }
    }
    tracing::info!(case.no = %case.case_no, actor = %cap.actor(), created, "case submitted");
    Ok((case, created))
}

/// Where and by whom an application was taken in: online, all `None`.
#[derive(Debug, Clone, Default)]
pub struct Intake {
    /// The window clerk who took it (首问责任).
    pub first_responder: Option<String>,
    /// The clerk's unit.
    pub intake_org_id: Option<String>,
    /// 帮办代办 as JSON; empty when the applicant acted.
    pub assistance: String,
}

impl Intake {
    /// `window` when a clerk took it, else `online`.
    pub fn channel(&self) -> &'static str {
        if self.first_responder.is_some() {
            "window"
        } else {
            "online"
        }
    }
}

/// The case an application records once its fields were checked: the materials the
/// applicant's valid licences stand for attached and their data prefilled (免提交 / 免填写),
/// the item version in force, the clocks counted from today. Shared by single applications
/// and a bundle's children (which start later with the licence a sibling just issued).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn new_case(
    app: &App,
    account: &tongban_store::Account,
    item: &tongban_domain::catalog::ServiceItem,
    situation: &str,
    form: String,
    mut materials: Vec<NewMaterial>,
    intake: &Intake,
    commitment_signed: bool,
    idempotency_key: Option<String>,
) -> Result<NewCase, AppError> {
    let reuse = crate::licences::reuse(
        app,
        account,
        item,
        (!situation.is_empty()).then_some(situation),
    )
    .await?;
    materials.extend(reuse.materials());
    let form = if reuse.prefilled.is_empty() {
        form
    } else {
        let mut form: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&form).unwrap_or_default();
        form.insert(
            "prefilled".to_owned(),
            reuse
                .prefilled
                .iter()
                .map(|(label, value, from)| {
                    serde_json::json!({"field": label, "value": value, "from": from})
                })
                .collect(),
        );
        serde_json::Value::Object(form).to_string()
    };
    let published = app.catalog.get();
    let version_id = match published.version_id(&item.implementation_code) {
        Some(id) => id.to_owned(),
        None => {
            app.store
                .published_item(&item.implementation_code)
                .await?
                .version_id
        }
    };
    let today = app.today();
    Ok(NewCase {
        implementation_code: item.implementation_code.clone(),
        item_version_id: version_id,
        item_name: item.name.clone(),
        org_code: item.org_code.clone(),
        applicant_id: account.id.clone(),
        situation: situation.to_owned(),
        form,
        status: CaseStatus::Submitted,
        channel: intake.channel().to_owned(),
        first_responder: intake.first_responder.clone(),
        intake_org_id: intake.intake_org_id.clone(),
        assistance: intake.assistance.clone(),
        progress: Progress {
            commitment_signed,
            ..Progress::default()
        },
        idempotency_key,
        submitted_on: today,
        statutory_due: due(&app.calendar.get(), today, &item.statutory_limit),
        promised_due: due(&app.calendar.get(), today, &item.promised_limit),
        materials,
        told_by_bundle: false,
    })
}

/// The applicant, window clerks (who take any item at any comprehensive window, 无差别受理)
/// and staff whose scope covers the handling department may see a case.
/// The units of a case that decide who may act on it.
pub fn units(case: &CaseRecord) -> tongban_domain::authz::CaseUnits<'_> {
    tongban_domain::authz::CaseUnits {
        applicant_id: &case.applicant_id,
        org_path: &case.org_path,
        intake_path: case.intake_path.as_deref(),
    }
}

pub fn can_view(current: &Actor, case: &CaseRecord) -> bool {
    current
        .account
        .as_ref()
        .is_some_and(|a| a.id == case.applicant_id)
        || (current
            .principal
            .capability(Permission::HandleIntake)
            .is_ok()
            && tongban_domain::authz::intake_scope(&current.principal)
                .covers_intake(case.intake_path.as_deref()))
        || current
            .principal
            .capability(Permission::StaffWorkbench)
            .is_ok_and(|c| c.scope().covers(&case.org_path))
}

/// Takes `action` on the case if the actor may and the state machine allows it; materials
/// supplied with it are stored in the same transaction. Returns the case as the step (and an
/// electronic delivery after it) left it, so the answer needs no second read of it.
pub async fn act(
    app: &App,
    current: &Actor,
    case_no: &str,
    action: CaseAction,
    materials: Vec<NewMaterial>,
) -> Result<CaseRecord, AppError> {
    let case = app.store.case_by_no(case_no).await?;
    let allowed = tongban_domain::authz::may_act(&current.principal, action.actor(), units(&case));
    if !allowed {
        return Err(if can_view(current, &case) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    carry_out(app, &current.account()?.id, case, action, materials).await
}

/// Carries out `action` on `case` for `actor_id`, whose right to take it was established by
/// the caller (`act`, or the window that checked the applicant's identity). A member of a
/// bundle moves its bundle on (`bundles::advance`); a failure there leaves the step
/// standing, for the sweep to finish.
pub(crate) async fn carry_out(
    app: &App,
    actor_id: &str,
    case: CaseRecord,
    action: CaseAction,
    materials: Vec<NewMaterial>,
) -> Result<CaseRecord, AppError> {
    let bundle = app.store.bundle_of_case(&case.id).await?;
    let from = case.status;
    let after = record_step(app, actor_id, case, action, materials, bundle.is_some()).await?;
    if let Some(b) = bundle
        && after.status != from
        && let Err(e) = Box::pin(crate::bundles::advance(app, &b)).await
    {
        tracing::warn!(bundle = %b, error = %e, "advancing the bundle failed");
    }
    Ok(after)
}

/// A step the bundle itself takes on a member (delivering the results together).
pub(crate) async fn step_in_bundle(
    app: &App,
    actor_id: &str,
    case: CaseRecord,
    action: CaseAction,
) -> Result<CaseRecord, AppError> {
    record_step(app, actor_id, case, action, Vec::new(), true).await
}

/// The step itself. A bundle's member is not delivered on its own: the bundle delivers
/// its members' results together.
async fn record_step(
    app: &App,
    actor_id: &str,
    case: CaseRecord,
    action: CaseAction,
    materials: Vec<NewMaterial>,
    in_bundle: bool,
) -> Result<CaseRecord, AppError> {
    // A supply step supplies exactly the files that came with it, whatever the caller said.
    let action = action.with_supplied(materials.iter().map(|m| m.name.clone()).collect());
    let from = case.status;
    let item = crate::catalog::versions::item_of_case(app, &case).await?;
    // What the case holds, for the rules of intake (the only steps that ask): its usable
    // copies and this step's files.
    let held = if matches!(from, CaseStatus::Submitted) {
        let mut held: Vec<String> = app
            .store
            .case_materials(&case.id)
            .await?
            .into_iter()
            .filter(|m| m.check.usable())
            .map(|m| m.name)
            .collect();
        held.extend(materials.iter().map(|m| m.name.clone()));
        held
    } else {
        Vec::new()
    };
    let rules = ItemRules::for_case(&item, &case.situation, held);
    let action = action.named_by(&rules);
    let facts = CaseFacts {
        item_name: &case.item_name,
        case_no: &case.case_no,
        online: case.channel == "online",
    };
    let Transition {
        to,
        progress,
        effects,
    } = step(from, &rules, &case.progress, &action, facts).map_err(|e| {
        match e.field() {
            // A missing opinion or a material not on the list is the request's fault.
            Some(field) => AppError::field(&field, "case_rule", &e.to_string()),
            None => AppError::refused(e.to_string()),
        }
    })?;
    let cal = app.calendar.get();
    let today = app.today();

    let dues = match effects.clock {
        ClockEffect::Unchanged => None,
        ClockEffect::Start => Some((
            due(&cal, today, &item.statutory_limit),
            due(&cal, today, &item.promised_limit),
        )),
        // Ending a special procedure moves the due dates by the working days it took, once,
        // where every list and page reads them.
        ClockEffect::MoveByStop => {
            let events = app.store.case_events(&case.id).await?;
            match clock_from_events(&events) {
                (Some(accepted), mut stops, Some(start)) => {
                    stops.push(tongban_domain::case::ClockStop { start, end: today });
                    Some(dues_with_stops(&cal, accepted, &stops, &item))
                }
                _ => None,
            }
        }
    };
    // Follow-up dates: set when the obligation starts, kept while it lasts, cleared after.
    let deficiency_due = follow_up_date(
        &cal,
        !progress.deficiency_outstanding.is_empty(),
        !case.progress.deficiency_outstanding.is_empty(),
        case.deficiency_due,
        today,
        app.settings.deficiency_supply_working_days,
    );
    let verification_due = follow_up_date(
        &cal,
        progress.verification_open,
        case.progress.verification_open,
        case.verification_due,
        today,
        app.settings.commitment_verification_working_days,
    );
    let detail = serde_json::to_string(&action).unwrap_or_default();
    let action_name = serde_json::to_value(&action)
        .ok()
        .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_owned))
        .unwrap_or_default();
    let notice_breach = match &action {
        CaseAction::IssueNotice { items } if effects.check_notice_rule => {
            let events = app.store.case_events(&case.id).await?;
            match events.iter().find(|e| e.action == "issue_notice") {
                Some(first) => {
                    let supplied: Vec<String> = app
                        .store
                        .case_materials(&case.id)
                        .await?
                        .into_iter()
                        .filter(|m| m.added_at > first.at)
                        .map(|m| m.name)
                        .collect();
                    tongban_domain::case::notice_breach(items, &supplied)
                }
                None => None,
            }
        }
        _ => None,
    };
    let licence = if effects.issue_licence {
        crate::licences::issue_for_case(app, &case, &item, today).await?
    } else {
        None
    };
    let delivered_electronically =
        !in_bundle && effects.deliver_electronically && licence.is_some();
    let case_no = case.case_no.clone();
    // The record as the step leaves it: every column a step changes is set here.
    let mut after = case.clone();
    after.status = to;
    after.progress = progress.clone();
    if let Some((statutory, promised)) = dues {
        after.statutory_due = statutory;
        after.promised_due = promised;
    }
    after.deficiency_due = deficiency_due;
    after.verification_due = verification_due;
    let change = CaseChange {
        actor: actor_id.to_owned(),
        case_id: case.id.clone(),
        from,
        to,
        from_progress: case.progress.clone(),
        action: action_name,
        detail,
        progress,
        dues,
        deficiency_due,
        verification_due,
        materials,
        licence,
        revoke_licences: effects.revoke_licences.map(str::to_owned),
        notice_breach,
        notification: effects.notification,
    };
    match app.store.record_case_action(app.clock.now(), change).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::refused("该办件刚被他人处理，请刷新后再试"));
        }
        other => other?,
    }
    if delivered_electronically {
        let deliver = CaseAction::Deliver {
            method: "electronic".to_owned(),
            tracking_no: String::new(),
        };
        // A failure here leaves the case concluded, for a clerk to deliver by hand.
        match Box::pin(record_step(
            app,
            SYSTEM_ACTOR,
            after.clone(),
            deliver,
            Vec::new(),
            in_bundle,
        ))
        .await
        {
            Ok(delivered) => return Ok(delivered),
            Err(e) => {
                tracing::warn!(case.no = %case_no, error = %e, "electronic delivery not recorded");
            }
        }
    }
    Ok(after)
}

/// Who the platform's own steps (electronic delivery) are recorded as.
pub const SYSTEM_ACTOR: &str = "system";

/// Recounts the due dates of every case whose clock runs, after the calendar changed.
/// Returns how many were recounted.
pub async fn recount_open_cases(app: &App) -> Result<usize, AppError> {
    let cal = app.calendar.get();
    let mut n = 0;
    let started: Vec<CaseStatus> = CaseStatus::ALL
        .into_iter()
        .filter(|s| s.clock_started())
        .collect();
    for case in app
        .store
        .cases_in(&started, &tongban_domain::authz::Scope::All, i64::MAX)
        .await?
    {
        let events = app.store.case_events(&case.id).await?;
        let (Some(accepted), stops, _) = clock_from_events(&events) else {
            continue;
        };
        let item = crate::catalog::versions::item_of_case(app, &case).await?;
        let (statutory, promised) = dues_with_stops(&cal, accepted, &stops, &item);
        app.store
            .set_case_dues(&case.id, statutory, promised)
            .await?;
        n += 1;
    }
    Ok(n)
}
