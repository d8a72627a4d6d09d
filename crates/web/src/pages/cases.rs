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
    errors: Vec<String>,
}

fn published(state: &AppState, code: &str) -> Result<Arc<ServiceItem>, WebError> {
    state.catalog.get().get(code).ok_or(WebError::NotFound)
}

pub async fn apply_form(
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
        errors: Vec::new(),
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
    let uploads = uploads_for(&item, files);
    let situation = field(&fields, "situation").to_owned();
    let note = field(&fields, "note").to_owned();
    let submission = field(&fields, "submission").to_owned();
    let result = cases::submit(
        &state,
        &current,
        Submission {
            implementation_code: code.clone(),
            situation: situation.clone(),
            form: serde_json::json!({ "note": note }).to_string(),
            uploads,
            idempotency_key: (!submission.is_empty()).then(|| submission.clone()),
            channel: "online",
        },
        ValidationErrors::new(),
    )
    .await;
    match result {
        Ok((case, _)) => Ok(Redirect::to(&format!("/me/cases/{}", case.case_no)).into_response()),
        Err(WebError::Validation(v)) => {
            let mut res = render(&ApplyPage {
                ctx,
                item,
                submission,
                situation,
                note,
                errors: v.errors.iter().map(|e| e.message.clone()).collect(),
            })?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
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
                action: action
                    .map(|a| a.label().to_owned())
                    .unwrap_or_else(|| "提交申请".to_owned()),
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
        item: state.catalog.get().get(&case.implementation_code),
        case,
        ctx,
    })
}

/// The applicant supplies what the one-time notice asked for, then the case returns to
/// intake.
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
    let (_, files) = read_multipart(multipart).await?;
    let mut errors = ValidationErrors::new();
    let mut materials = Vec::new();
    for (i, (_, filename, bytes)) in files.into_iter().enumerate() {
        let field = format!("file_{i}");
        if let Some(kind) = errors.check(
            &field,
            tongban_domain::case::sniff_upload(&bytes, &filename),
        ) {
            materials.push(tongban_store::NewMaterial {
                name: format!("补正材料：{filename}"),
                filename,
                content_type: kind.content_type().to_owned(),
                sha256: tongban_domain::case::sha256_hex(&bytes),
                content: bytes,
            });
        }
    }
    errors.into_result()?;
    if materials.is_empty() {
        let mut e = ValidationErrors::new();
        e.add("file_0", "required", "请选择要补正的材料文件");
        return Err(e.into());
    }
    state
        .store
        .add_case_materials(state.clock.now(), &case.id, &materials)
        .await?;
    cases::act(&state, &current, &no, CaseAction::Supply).await?;
    Ok(Redirect::to(&format!("/me/cases/{no}")).into_response())
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
}

/// The actions a staff member could take now, as (slug, label).
fn staff_actions(current: &Current, case: &CaseRecord) -> Vec<(&'static str, &'static str)> {
    use tongban_domain::case::transition;
    let Some(status) = CaseStatus::parse(&case.status) else {
        return Vec::new();
    };
    let candidates: [(&str, CaseAction, Permission); 10] = [
        ("accept", CaseAction::Accept, Permission::HandleIntake),
        (
            "issue_notice",
            CaseAction::IssueNotice {
                items: vec!["x".into()],
            },
            Permission::HandleIntake,
        ),
        (
            "refuse",
            CaseAction::Refuse { reason: "x".into() },
            Permission::HandleIntake,
        ),
        (
            "start_review",
            CaseAction::StartReview,
            Permission::ReviewCases,
        ),
        (
            "return_for_rework",
            CaseAction::ReturnForRework { reason: "x".into() },
            Permission::ReviewCases,
        ),
        (
            "start_special_procedure",
            CaseAction::StartSpecialProcedure,
            Permission::ReviewCases,
        ),
        (
            "end_special_procedure",
            CaseAction::EndSpecialProcedure,
            Permission::ReviewCases,
        ),
        (
            "decide",
            CaseAction::Decide { approve: true },
            Permission::ReviewCases,
        ),
        ("conclude", CaseAction::Conclude, Permission::ReviewCases),
        ("deliver", CaseAction::Deliver, Permission::HandleIntake),
    ];
    candidates
        .into_iter()
        .filter(|(_, a, perm)| {
            transition(status, a).is_ok()
                && current.principal.capability(*perm).is_ok_and(|c| {
                    *perm == Permission::HandleIntake || c.scope().covers(&case.org_path)
                })
        })
        .map(|(slug, a, _)| (slug, a.label()))
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
        actions: staff_actions(current, &case),
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

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    /// One item per line.
    #[serde(default)]
    items: String,
    #[serde(default)]
    approve: String,
}

pub async fn act_on_case_file(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    Form(form): Form<ActForm>,
) -> Result<Response, WebError> {
    let reason = form.reason.trim().to_owned();
    let action = match form.action.as_str() {
        "accept" => CaseAction::Accept,
        "issue_notice" => CaseAction::IssueNotice {
            items: form
                .items
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        },
        "refuse" => CaseAction::Refuse { reason },
        "start_review" => CaseAction::StartReview,
        "return_for_rework" => CaseAction::ReturnForRework { reason },
        "start_special_procedure" => CaseAction::StartSpecialProcedure,
        "end_special_procedure" => CaseAction::EndSpecialProcedure,
        "decide" => CaseAction::Decide {
            approve: form.approve != "no",
        },
        "conclude" => CaseAction::Conclude,
        "deliver" => CaseAction::Deliver,
        _ => return Err(WebError::BadRequest("未知的操作".into())),
    };
    match cases::act(&state, &current, &no, action).await {
        Ok(()) => Ok(Redirect::to(&format!("/staff/cases/{no}")).into_response()),
        Err(WebError::Conflict { detail, .. }) => {
            case_file(&state, ctx, &current, &no, Some(detail)).await
        }
        Err(e) => Err(e),
    }
}
