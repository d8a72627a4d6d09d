//! Case pages: applying online (一网通办), the applicant's tracking page with the one-time
//! notice and supplying materials, and the staff inbox and case file with its actions.
//! Every check and transition goes through `crate::cases`, the same path as the API.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tongban_domain::ValidationErrors;
use tongban_domain::authz::Permission;
use tongban_domain::case::{CaseAction, CaseStatus, urgency};
use tongban_domain::catalog::ServiceItem;
use tongban_domain::mask::{mask_id_number, mask_name};
use tongban_store::{CaseEvent, CaseRecord, MaterialRecord};

use crate::auth::{Current, new_token};
use crate::cases::{self, Submission, Upload};
use crate::page::{Ctx, local_time, render};
use crate::{AppState, WebError};

/// Reads a multipart form: text fields by name, files as (field, filename, bytes).
async fn read_multipart(
    mut mp: Multipart,
) -> Result<(Vec<(String, String)>, Vec<(String, String, Vec<u8>)>), WebError> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let bad = |_| WebError::BadRequest("上传内容无法读取，请重新选择文件".into());
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(filename) => {
                let bytes = field.bytes().await.map_err(bad)?;
                if !filename.is_empty() && !bytes.is_empty() {
                    files.push((name, filename, bytes.to_vec()));
                }
            }
            None => fields.push((name, field.text().await.map_err(bad)?)),
        }
    }
    Ok((fields, files))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "cases/apply.html")]
struct ApplyPage {
    ctx: Ctx,
    item: Arc<ServiceItem>,
    submission: String,
    situation: String,
    note: String,
    commitment: bool,
    errors: Vec<String>,
    /// At a window: who is applying and how they are helped; `None` online.
    window: Option<cases::WindowFields>,
    /// Online: materials the applicant's licences stand for, and data read from them.
    reuse: crate::licences::Reuse,
}

impl cases::WindowFields {
    fn read(fields: &[(String, String)]) -> Self {
        let f = |n| field(fields, n).trim().to_owned();
        cases::WindowFields {
            kind: f("kind"),
            id_number: f("id_number").to_uppercase(),
            name: f("name"),
            phone: f("phone"),
            id_checked: field(fields, "id_checked") == "yes",
            mode: f("mode"),
            consent: field(fields, "consent") == "yes",
            agent_name: f("agent_name"),
            agent_id: f("agent_id").to_uppercase(),
            relationship: f("relationship"),
        }
    }
}

fn published(state: &AppState, code: &str) -> Result<Arc<ServiceItem>, WebError> {
    state.catalog.get().get(code).ok_or(WebError::NotFound)
}

pub async fn apply_form(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let item = published(&state, &code)?;
    let reuse = crate::licences::reuse(&state, &current.account()?.login, &item, None).await?;
    render(&ApplyPage {
        reuse,
        ctx,
        item,
        submission: new_token(),
        situation: String::new(),
        note: String::new(),
        commitment: false,
        errors: Vec::new(),
        window: None,
    })
}

/// Files are posted as `file_{i}`, one per material of the item.
pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let item = published(&state, &code)?;
    let (fields, files) = read_multipart(multipart).await?;
    let mut form = ApplyForm::read(&item, &fields, files);
    let sub = form.submission(&code, None);
    let result = cases::submit(&state, &current, sub, ValidationErrors::new()).await;
    match result {
        Ok((case, _)) => Ok(Redirect::to(&format!("/me/cases/{}", case.case_no)).into_response()),
        Err(WebError::Validation(v)) => form.rerender(ctx, item, None, v),
        Err(e) => Err(e),
    }
}

/// What the application form posted, kept to re-render it with the errors.
struct ApplyForm {
    situation: String,
    note: String,
    submission: String,
    commitment: bool,
    uploads: Vec<Upload>,
}

impl ApplyForm {
    fn read(
        item: &ServiceItem,
        fields: &[(String, String)],
        files: Vec<(String, String, Vec<u8>)>,
    ) -> Self {
        ApplyForm {
            situation: field(fields, "situation").to_owned(),
            note: field(fields, "note").to_owned(),
            submission: field(fields, "submission").to_owned(),
            commitment: field(fields, "commitment") == "yes",
            uploads: uploads_for(item, files),
        }
    }

    /// The submission to make; the uploads move into it (a re-rendered form asks for them
    /// again, as browsers do not keep chosen files).
    fn submission(&mut self, code: &str, on_behalf: Option<cases::OnBehalf>) -> Submission {
        Submission {
            implementation_code: code.to_owned(),
            situation: self.situation.clone(),
            form: serde_json::json!({ "note": self.note }).to_string(),
            uploads: std::mem::take(&mut self.uploads),
            idempotency_key: (!self.submission.is_empty()).then(|| self.submission.clone()),
            commitment_signed: self.commitment,
            on_behalf,
        }
    }

    fn rerender(
        self,
        ctx: Ctx,
        item: Arc<ServiceItem>,
        window: Option<cases::WindowFields>,
        v: tongban_domain::ValidationErrors,
    ) -> Result<Response, WebError> {
        let mut res = render(&ApplyPage {
            ctx,
            item,
            submission: self.submission,
            situation: self.situation,
            note: self.note,
            commitment: self.commitment,
            errors: v.errors.iter().map(|e| e.message.clone()).collect(),
            window,
            reuse: crate::licences::Reuse::default(),
        })?;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok(res)
    }
}

#[derive(Template)]
#[template(path = "cases/intake_items.html")]
struct IntakeItemsPage {
    ctx: Ctx,
    q: String,
    items: Vec<Arc<ServiceItem>>,
}

#[derive(Deserialize)]
pub struct IntakeQuery {
    #[serde(default)]
    q: String,
}

/// 综窗无差别受理: a window clerk picks any published item of any department.
pub async fn intake_items(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(query): axum::extract::Query<IntakeQuery>,
) -> Result<Response, WebError> {
    let q = query.q.trim().to_owned();
    let items = state
        .catalog
        .get()
        .items()
        .iter()
        .filter(|i| q.is_empty() || i.name.contains(&q) || i.org_name.contains(&q))
        .cloned()
        .collect();
    render(&IntakeItemsPage { ctx, q, items })
}

pub async fn intake_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let item = published(&state, &code)?;
    render(&ApplyPage {
        ctx,
        item,
        submission: new_token(),
        situation: String::new(),
        note: String::new(),
        commitment: false,
        errors: Vec::new(),
        window: Some(cases::WindowFields {
            kind: "citizen".into(),
            mode: "in_person".into(),
            ..cases::WindowFields::default()
        }),
        reuse: crate::licences::Reuse::default(),
    })
}

/// A window clerk files an application for the person at the window: their identity is
/// checked (number by its check digit, the document seen by the clerk), an account is found
/// or registered for them, and how they were helped is recorded with their consent.
pub async fn intake(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let item = published(&state, &code)?;
    let (fields, files) = read_multipart(multipart).await?;
    let mut form = ApplyForm::read(&item, &fields, files);
    let w = cases::WindowFields::read(&fields);
    match cases::window_applicant(&state, &current, &w).await {
        Ok(on_behalf) => {
            let sub = form.submission(&code, Some(on_behalf));
            match cases::submit(&state, &current, sub, ValidationErrors::new()).await {
                Ok((case, _)) => {
                    Ok(Redirect::to(&format!("/staff/cases/{}", case.case_no)).into_response())
                }
                Err(WebError::Validation(v)) => form.rerender(ctx, item, Some(w), v),
                Err(e) => Err(e),
            }
        }
        Err(WebError::Validation(v)) => form.rerender(ctx, item, Some(w), v),
        Err(e) => Err(e),
    }
}

/// Pairs posted files with the item's materials by field name (`file_3` is material 3).
fn uploads_for(item: &ServiceItem, files: Vec<(String, String, Vec<u8>)>) -> Vec<Upload> {
    files
        .into_iter()
        .filter_map(|(name, filename, bytes)| {
            let i: usize = name.strip_prefix("file_")?.parse().ok()?;
            let material = item.materials.get(i)?;
            Some(Upload {
                field: name.clone(),
                content_field: name,
                name: material.name.clone(),
                filename,
                bytes: Some(bytes),
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "cases/mine.html")]
struct MyCasesPage {
    ctx: Ctx,
    cases: Vec<CaseRecord>,
}

impl MyCasesPage {
    fn label(&self, status: &str) -> &'static str {
        status_label(status)
    }
}

/// Whether materials owed under deficiency acceptance are past their date (flagged).
fn deficiency_late(state: &AppState, case: &CaseRecord) -> bool {
    let today = cases::today(state);
    case.deficiency_due
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .is_some_and(|d| d < today)
}

fn status_label(status: &str) -> &'static str {
    CaseStatus::parse(status)
        .map(CaseStatus::label)
        .unwrap_or("未知")
}

pub async fn my_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let account = current.account()?;
    let cases = state.store.cases_of_applicant(&account.id).await?;
    render(&MyCasesPage { ctx, cases })
}

/// A timeline entry as people read it.
struct TimelineRow {
    at: String,
    action: String,
    status: &'static str,
    detail: String,
}

fn timeline(events: Vec<CaseEvent>) -> Vec<TimelineRow> {
    events
        .into_iter()
        .map(|e| {
            let action: Option<CaseAction> = serde_json::from_str(&e.detail).ok();
            let detail = match &action {
                Some(CaseAction::IssueNotice { items }) => format!("需补正：{}", items.join("；")),
                Some(CaseAction::Refuse { reason })
                | Some(CaseAction::ReturnForRework { reason })
                | Some(CaseAction::Withdraw { reason })
                | Some(CaseAction::Revoke { reason }) => reason.clone(),
                Some(CaseAction::Decide { approve }) => {
                    if *approve { "准予" } else { "不予许可" }.to_owned()
                }
                _ => {
                    if action.is_none() {
                        e.detail.clone()
                    } else {
                        String::new()
                    }
                }
            };
            TimelineRow {
                at: local_time(e.at),
                action: match (&action, e.action.as_str()) {
                    (Some(a), _) => a.label().to_owned(),
                    (None, "notice_breach") => "违反一次性告知（已记录）".to_owned(),
                    (None, _) => "提交申请".to_owned(),
                },
                status: status_label(&e.status_after),
                detail,
            }
        })
        .collect()
}

/// The latest one-time notice's items, while the case waits for them.
fn open_notice(case: &CaseRecord, events: &[CaseEvent]) -> Vec<String> {
    if case.status != CaseStatus::AwaitingSupplement.as_str() {
        return Vec::new();
    }
    events
        .iter()
        .rev()
        .find_map(|e| match serde_json::from_str::<CaseAction>(&e.detail) {
            Ok(CaseAction::IssueNotice { items }) => Some(items),
            _ => None,
        })
        .unwrap_or_default()
}

fn next_step(status: &str) -> &'static str {
    match CaseStatus::parse(status) {
        Some(CaseStatus::Submitted) => "等待窗口工作人员受理，一般在 1 个工作日内处理。",
        Some(CaseStatus::AwaitingSupplement) => "请按一次性告知补正材料后提交，无需重新申请。",
        Some(CaseStatus::Accepted) | Some(CaseStatus::InReview) => "部门正在审查，请留意办理进度。",
        Some(CaseStatus::SpecialProcedure) => {
            "正在进行现场勘验、技术审查或听证，这段时间不计入办理时限。"
        }
        Some(CaseStatus::Decided) => "已作出决定，即将办结。",
        Some(CaseStatus::Concluded) => "已办结，等待送达办理结果。",
        Some(CaseStatus::Delivered) => "办理结果已送达。",
        Some(CaseStatus::Refused) => {
            "不予受理，理由见下方办理记录。如有疑问可到“办不成事”反映窗口。"
        }
        Some(CaseStatus::Withdrawn) => "申请已撤回。",
        Some(CaseStatus::Revoked) => "办理结果已被撤销，理由见下方办理记录。",
        None => "",
    }
}

#[derive(Template)]
#[template(path = "cases/track.html")]
struct TrackPage {
    ctx: Ctx,
    case: CaseRecord,
    status: &'static str,
    next: &'static str,
    notice: Vec<String>,
    timeline: Vec<TimelineRow>,
    materials: Vec<MaterialRecord>,
    item: Option<Arc<ServiceItem>>,
    explanation: Option<cases::DueExplanation>,
    /// Licences issued on this case (in the applicant's wallet).
    licences: Vec<tongban_store::LicenceRecord>,
    deficiency_late: bool,
}

pub async fn track_case(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    let account = current.account()?;
    let case = state.store.case_by_no(&no).await?;
    if case.applicant_id != account.id {
        return Err(WebError::NotFound);
    }
    let events = state.store.case_events(&case.id).await?;
    let version = state.store.item_version_for_case(&case.id).await?;
    render(&TrackPage {
        explanation: cases::explain_promised(&state, &events, &version),
        status: status_label(&case.status),
        next: next_step(&case.status),
        notice: open_notice(&case, &events),
        timeline: timeline(events),
        materials: state.store.case_materials(&case.id).await?,
        licences: state.store.licences_of_case(&case.id).await?,
        deficiency_late: deficiency_late(&state, &case),
        item: state.catalog.get().get(&case.implementation_code),
        case,
        ctx,
    })
}

/// The applicant supplies what the one-time notice asked for (the case returns to intake),
/// or the materials owed under deficiency acceptance; the files and the step are one
/// transaction.
pub async fn supply(
    State(state): State<AppState>,
    current: Current,
    Path(no): Path<String>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let account = current.account()?;
    let case = state.store.case_by_no(&no).await?;
    if case.applicant_id != account.id {
        return Err(WebError::NotFound);
    }
    // One file input per item asked for (`file_{i}` answers item i), so each material is
    // named by what it answers; the one-time-notice rule compares those names.
    let awaiting = case.status == CaseStatus::AwaitingSupplement.as_str();
    let asked = if awaiting {
        open_notice(&case, &state.store.case_events(&case.id).await?)
    } else {
        case.progress.deficiency_outstanding.clone()
    };
    let (_, files) = read_multipart(multipart).await?;
    let uploads: Vec<Upload> = files
        .into_iter()
        .filter_map(|(field, filename, bytes)| {
            let i: usize = field.strip_prefix("file_")?.parse().ok()?;
            Some(Upload {
                name: asked.get(i)?.clone(),
                field: field.clone(),
                content_field: field,
                filename,
                bytes: Some(bytes),
            })
        })
        .collect();
    let mut errors = ValidationErrors::new();
    let materials = cases::check_uploads(uploads, &mut errors);
    errors.into_result()?;
    if materials.is_empty() {
        let mut e = ValidationErrors::new();
        e.add("file_0", "required", "请选择要补正的材料文件");
        return Err(e.into());
    }
    // Owed 容缺 materials are supplied together: the step clears what is owed.
    if !awaiting && materials.len() < asked.len() {
        let mut e = ValidationErrors::new();
        for (i, m) in asked.iter().enumerate() {
            if !materials.iter().any(|x| &x.name == m) {
                e.add(&format!("file_{i}"), "required", format!("请上传“{m}”"));
            }
        }
        return Err(e.into());
    }
    let action = if awaiting {
        CaseAction::Supply
    } else {
        CaseAction::SupplyDeficiency
    };
    cases::act(&state, &current, &no, action, &materials).await?;
    Ok(Redirect::to(&format!("/me/cases/{no}")).into_response())
}

#[derive(Template)]
#[template(path = "cases/notice.html")]
struct NoticePage {
    ctx: Ctx,
    case: CaseRecord,
    applicant: String,
    /// Each notice with its time, latest last.
    notices: Vec<(String, Vec<String>)>,
    consult_phone: String,
}

/// 一次性告知书: every notice on the case, for the applicant or staff to print.
pub async fn notice(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    let case = state.store.case_by_no(&no).await?;
    if !cases::can_view(&current, &case) {
        return Err(WebError::NotFound);
    }
    let notices: Vec<(String, Vec<String>)> = state
        .store
        .case_events(&case.id)
        .await?
        .into_iter()
        .filter_map(|e| match serde_json::from_str::<CaseAction>(&e.detail) {
            Ok(CaseAction::IssueNotice { items }) => Some((local_time(e.at), items)),
            _ => None,
        })
        .collect();
    if notices.is_empty() {
        return Err(WebError::NotFound);
    }
    let applicant = state.store.account(&case.applicant_id).await?;
    let item = state.store.item_version_for_case(&case.id).await?;
    render(&NoticePage {
        ctx,
        applicant: format!(
            "{}（{}）",
            mask_name(&applicant.name),
            mask_id_number(&applicant.login)
        ),
        notices,
        consult_phone: item.consult_phone,
        case,
    })
}

/// How many working days before the due date a case turns yellow.
const DUE_SOON_WORKING_DAYS: u32 = 1;

struct InboxRow {
    case: CaseRecord,
    status: &'static str,
    /// `overdue`, `due-soon` or empty.
    urgency: &'static str,
}

#[derive(Template)]
#[template(path = "cases/inbox.html")]
struct InboxPage {
    ctx: Ctx,
    rows: Vec<InboxRow>,
    title: &'static str,
}

/// Staff inbox, soonest due first, overdue marked: intake for window clerks, review for
/// reviewers within their scope.
pub async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    use CaseStatus as S;
    let p = &current.principal;
    let (statuses, scope, title): (Vec<CaseStatus>, Option<String>, _) =
        if p.capability(Permission::HandleIntake).is_ok() {
            (
                vec![S::Submitted, S::AwaitingSupplement, S::Concluded],
                None,
                "待受理、待补正和待送达的办件",
            )
        } else if let Ok(cap) = p.capability(Permission::ReviewCases) {
            (
                vec![S::Accepted, S::InReview, S::SpecialProcedure, S::Decided],
                cap.scope().root().map(str::to_owned),
                "本部门待审查和待办结的办件",
            )
        } else {
            // Legality reviewers and supervisors read everything open, to follow up on delays.
            let open = S::ALL.into_iter().filter(|s| !s.is_final()).collect();
            (open, None, "全区在办件（只读）")
        };
    let cases = state
        .store
        .cases_in(&statuses, scope.as_deref(), 500)
        .await?;
    let cal = state.calendar.get();
    let today = cases::today(&state);
    let rows = cases
        .into_iter()
        .map(|c| {
            let due =
                chrono::NaiveDate::parse_from_str(&c.promised_due, "%Y-%m-%d").unwrap_or(today);
            InboxRow {
                status: status_label(&c.status),
                urgency: urgency(&cal, due, today, DUE_SOON_WORKING_DAYS).as_str(),
                case: c,
            }
        })
        .collect();
    render(&InboxPage { ctx, rows, title })
}

/// One department's line on the time-limit page.
struct DepartmentDeadlines {
    department: String,
    open: usize,
    due_soon: usize,
    overdue: Vec<CaseRecord>,
}

#[derive(Template)]
#[template(path = "cases/deadlines.html")]
struct DeadlinesPage {
    ctx: Ctx,
    today: String,
    departments: Vec<DepartmentDeadlines>,
    /// Materials owed under 容缺受理, with whether the supply date has passed.
    owed: Vec<(CaseRecord, bool)>,
    /// Open commitment verifications, with their urgency.
    verifications: Vec<(CaseRecord, &'static str)>,
    /// Breaches of the one-time-notice rule per department.
    breaches: Vec<(String, i64)>,
}

/// 限时办结 follow-up within the viewer's scope: per department, the open cases, how many
/// are due within a working day and which are overdue; materials owed after deficiency
/// acceptance (flagged once their date passed); commitment verifications to do.
pub async fn deadlines(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    use tongban_store::FollowUp;
    let cap = current.principal.capability(Permission::ViewDeadlines)?;
    let scope = cap.scope().root().map(str::to_owned);
    let started: Vec<CaseStatus> = CaseStatus::ALL
        .into_iter()
        .filter(|s| s.clock_started())
        .collect();
    let cal = state.calendar.get();
    let today = cases::today(&state);
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap_or(today);
    let mut departments: Vec<DepartmentDeadlines> = Vec::new();
    for c in state
        .store
        .cases_in(&started, scope.as_deref(), 10_000)
        .await?
    {
        let u = urgency(&cal, day(&c.promised_due), today, DUE_SOON_WORKING_DAYS);
        let i = match departments.iter().position(|d| d.department == c.org_name) {
            Some(i) => i,
            None => {
                departments.push(DepartmentDeadlines {
                    department: c.org_name.clone(),
                    open: 0,
                    due_soon: 0,
                    overdue: Vec::new(),
                });
                departments.len() - 1
            }
        };
        let d = &mut departments[i];
        d.open += 1;
        match u {
            tongban_domain::case::Urgency::Overdue => d.overdue.push(c),
            tongban_domain::case::Urgency::DueSoon => d.due_soon += 1,
            tongban_domain::case::Urgency::Normal => {}
        }
    }
    // Most overdue first: that is where the bureau follows up.
    departments.sort_by(|a, b| {
        (b.overdue.len(), b.due_soon, b.open).cmp(&(a.overdue.len(), a.due_soon, a.open))
    });
    let owed = state
        .store
        .cases_following_up(FollowUp::DeficiencyOwed, scope.as_deref(), 500)
        .await?
        .into_iter()
        .map(|c| {
            let late = c.deficiency_due.as_deref().is_some_and(|d| day(d) < today);
            (c, late)
        })
        .collect();
    let verifications = state
        .store
        .cases_following_up(FollowUp::Verification, scope.as_deref(), 500)
        .await?
        .into_iter()
        .map(|c| {
            let due = day(c.verification_due.as_deref().unwrap_or_default());
            (c, urgency(&cal, due, today, DUE_SOON_WORKING_DAYS).as_str())
        })
        .collect();
    let breaches = state.store.notice_breach_counts(scope.as_deref()).await?;
    render(&DeadlinesPage {
        ctx,
        breaches,
        today: today.format("%Y-%m-%d").to_string(),
        departments,
        owed,
        verifications,
    })
}

#[derive(Template)]
#[template(path = "cases/file.html")]
struct CaseFilePage {
    ctx: Ctx,
    case: CaseRecord,
    status: &'static str,
    applicant: String,
    timeline: Vec<TimelineRow>,
    materials: Vec<MaterialRecord>,
    actions: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    explanation: Option<cases::DueExplanation>,
    /// Materials the item lets intake accept as missing (容缺).
    deficiency_allowed: Vec<String>,
    /// 帮办代办, as staff read it (agent's number masked).
    assistance: String,
    /// 首问责任: the clerk who took the application at a window.
    first_responder: Option<String>,
    /// The item's commitment text, where it offers 告知承诺.
    commitment: Option<String>,
    /// Licences issued on this case, and whether this staff member may revoke them.
    licences: Vec<tongban_store::LicenceRecord>,
    may_revoke: bool,
    /// The date to supply owed 容缺 materials has passed.
    deficiency_late: bool,
    /// A one-time notice was issued (its printable form exists).
    has_notice: bool,
}

/// The actions a staff member could take now, as (slug, label): those the state machine
/// allows on this case under its item, and the staff member's role covers.
fn staff_actions(
    current: &Current,
    case: &CaseRecord,
    item: &ServiceItem,
) -> Vec<(&'static str, &'static str)> {
    use tongban_domain::case::{ItemRules, transition};
    let Some(status) = CaseStatus::parse(&case.status) else {
        return Vec::new();
    };
    let rules = ItemRules::of(item);
    let x = || "x".to_owned();
    let candidates = [
        ("accept", CaseAction::Accept),
        (
            "accept_with_deficiency",
            CaseAction::AcceptWithDeficiency {
                missing: rules.deficiency_allowed.clone(),
            },
        ),
        ("conclude_on_the_spot", CaseAction::ConcludeOnTheSpot),
        ("approve_on_commitment", CaseAction::ApproveOnCommitment),
        ("issue_notice", CaseAction::IssueNotice { items: vec![x()] }),
        ("refuse", CaseAction::Refuse { reason: x() }),
        ("start_review", CaseAction::StartReview),
        (
            "pass_review_stage",
            CaseAction::PassReviewStage { opinion: x() },
        ),
        (
            "return_for_rework",
            CaseAction::ReturnForRework { reason: x() },
        ),
        ("start_special_procedure", CaseAction::StartSpecialProcedure),
        ("end_special_procedure", CaseAction::EndSpecialProcedure),
        ("decide", CaseAction::Decide { approve: true }),
        ("conclude", CaseAction::Conclude),
        ("deliver", CaseAction::Deliver),
        ("confirm_commitment", CaseAction::ConfirmCommitment),
        ("revoke", CaseAction::Revoke { reason: x() }),
    ];
    candidates
        .into_iter()
        .filter(|(_, a)| {
            transition(status, &rules, &case.progress, a).is_ok()
                && match a.actor() {
                    tongban_domain::case::CaseActor::Clerk => current
                        .principal
                        .capability(Permission::HandleIntake)
                        .is_ok(),
                    tongban_domain::case::CaseActor::Reviewer => current
                        .principal
                        .capability(Permission::ReviewCases)
                        .is_ok_and(|c| c.scope().covers(&case.org_path)),
                    tongban_domain::case::CaseActor::Applicant => false,
                }
        })
        .map(|(slug, a)| (slug, a.label()))
        .collect()
}

async fn case_file(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    no: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let case = state.store.case_by_no(no).await?;
    if !cases::can_view(current, &case)
        || current
            .principal
            .capability(Permission::StaffWorkbench)
            .is_err()
    {
        return Err(WebError::NotFound);
    }
    let applicant = state.store.account(&case.applicant_id).await?;
    let events = state.store.case_events(&case.id).await?;
    let has_notice = events.iter().any(|e| e.action == "issue_notice");
    let version = state.store.item_version_for_case(&case.id).await?;
    let has_error = error.is_some();
    let mut res = render(&CaseFilePage {
        explanation: cases::explain_promised(state, &events, &version),
        status: status_label(&case.status),
        applicant: format!(
            "{}（{}）",
            mask_name(&applicant.name),
            mask_id_number(&applicant.login)
        ),
        timeline: timeline(events),
        materials: state.store.case_materials(&case.id).await?,
        actions: staff_actions(current, &case, &version),
        deficiency_allowed: tongban_domain::case::ItemRules::of(&version).deficiency_allowed,
        assistance: serde_json::from_str::<tongban_domain::case::Assistance>(&case.assistance)
            .map(|a| a.describe())
            .unwrap_or_default(),
        first_responder: match &case.first_responder {
            Some(id) => Some(state.store.account(id).await?.name),
            None => None,
        },
        commitment: version.commitment.clone(),
        licences: state.store.licences_of_case(&case.id).await?,
        deficiency_late: deficiency_late(state, &case),
        has_notice,
        may_revoke: current
            .principal
            .capability(Permission::ReviewCases)
            .is_ok_and(|c| c.scope().covers(&case.org_path)),
        error,
        case,
        ctx,
    })?;
    if has_error {
        *res.status_mut() = StatusCode::CONFLICT;
    }
    Ok(res)
}

pub async fn show_case_file(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    case_file(&state, ctx, &current, &no, None).await
}

/// The case file's action forms post `action` and its arguments; `missing` may repeat
/// (one checkbox per material), so the body is read as pairs.
pub async fn act_on_case_file(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let reason = field(&form, "reason").trim().to_owned();
    let lines = |name| {
        field(&form, name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let action = match field(&form, "action") {
        "accept" => CaseAction::Accept,
        "accept_with_deficiency" => CaseAction::AcceptWithDeficiency {
            missing: form
                .iter()
                .filter(|(k, _)| k == "missing")
                .map(|(_, v)| v.clone())
                .collect(),
        },
        "conclude_on_the_spot" => CaseAction::ConcludeOnTheSpot,
        "approve_on_commitment" => CaseAction::ApproveOnCommitment,
        "issue_notice" => CaseAction::IssueNotice {
            items: lines("items"),
        },
        "refuse" => CaseAction::Refuse { reason },
        "start_review" => CaseAction::StartReview,
        "pass_review_stage" => CaseAction::PassReviewStage { opinion: reason },
        "return_for_rework" => CaseAction::ReturnForRework { reason },
        "start_special_procedure" => CaseAction::StartSpecialProcedure,
        "end_special_procedure" => CaseAction::EndSpecialProcedure,
        "decide" => CaseAction::Decide {
            approve: field(&form, "approve") != "no",
        },
        "conclude" => CaseAction::Conclude,
        "deliver" => CaseAction::Deliver,
        "confirm_commitment" => CaseAction::ConfirmCommitment,
        "revoke" => CaseAction::Revoke { reason },
        _ => return Err(WebError::BadRequest("未知的操作".into())),
    };
    match cases::act(&state, &current, &no, action, &[]).await {
        Ok(()) => Ok(Redirect::to(&format!("/staff/cases/{no}")).into_response()),
        Err(WebError::Conflict { detail, .. }) => {
            case_file(&state, ctx, &current, &no, Some(detail)).await
        }
        Err(e) => Err(e),
    }
}
