//! Case pages: applying online (一网通办), the applicant's tracking page with the one-time
//! notice and supplying materials, and the staff inbox and case file with its actions.
//! Every check and transition goes through `crate::cases`, the same path as the API.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_domain::ValidationErrors;
use tongban_domain::authz::Permission;
use tongban_domain::case::{CaseAction, CaseActor, CaseStatus, NoticeItem, NoticeProblem};
use tongban_domain::catalog::ServiceItem;
use tongban_domain::mask::{mask_id_number, mask_name};
use tongban_store::{CaseEvent, CaseRecord, MaterialRecord};

use crate::auth::Current;
use crate::page::{Ctx, local_time, render};
use crate::{AppState, WebError};
use tongban_app::accounts::new_token;
use tongban_app::cases::{self, Submission, Upload};

/// Reads a multipart form: text fields by name, files as (field, filename, bytes).
pub(crate) async fn read_multipart(
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
    window: Option<crate::window_fields::WindowFields>,
    /// Online: materials the applicant's licences stand for, and data read from them.
    reuse: tongban_app::licences::Reuse,
    /// Files kept from an earlier try of this form: (material, file name).
    kept: Vec<(String, String)>,
}

impl ApplyPage {
    /// Whether a material belongs on the form: every material until a situation is chosen,
    /// then only that situation's (and those every situation needs).
    fn shown(&self, m: &tongban_domain::catalog::MaterialRequirement) -> bool {
        self.situation.is_empty()
            || m.situations.is_empty()
            || m.situations.contains(&self.situation)
    }

    /// Classes hiding a material while a situation it does not belong to is ticked (CSS
    /// `:has()`, so the choice narrows the list without JavaScript or a reload).
    fn hidden_under(&self, m: &tongban_domain::catalog::MaterialRequirement) -> String {
        if m.situations.is_empty() {
            return String::new();
        }
        self.item
            .situations
            .iter()
            .enumerate()
            .filter(|(_, s)| !m.situations.contains(&s.name))
            .map(|(i, _)| format!(" hide-under-{}", i + 1))
            .collect()
    }

    fn kept_file(&self, material: &str) -> Option<&str> {
        self.kept
            .iter()
            .find(|(m, _)| m == material)
            .map(|(_, f)| f.as_str())
    }
}

#[derive(Deserialize, Default)]
pub struct ApplyQuery {
    #[serde(default)]
    situation: String,
}

/// The situation asked for in the address, if it is one of the item's.
fn chosen_situation(item: &ServiceItem, asked: &str) -> String {
    if item.situations.iter().any(|s| s.name == asked) {
        asked.to_owned()
    } else {
        String::new()
    }
}

impl crate::window_fields::WindowFields {
    pub(crate) fn read(fields: &[(String, String)]) -> Self {
        let f = |n| field(fields, n).trim().to_owned();
        crate::window_fields::WindowFields {
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
    axum::extract::Query(q): axum::extract::Query<ApplyQuery>,
) -> Result<Response, WebError> {
    let item = published(&state, &code)?;
    let situation = chosen_situation(&item, &q.situation);
    let reuse = tongban_app::licences::reuse(
        &state,
        current.account()?,
        &item,
        (!situation.is_empty()).then_some(situation.as_str()),
    )
    .await?;
    render(&ApplyPage {
        reuse,
        ctx,
        item,
        submission: new_token(),
        situation,
        note: String::new(),
        commitment: false,
        errors: Vec::new(),
        window: None,
        kept: Vec::new(),
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
    let result = cases::submit(&state, &current, sub, ValidationErrors::new())
        .await
        .map_err(WebError::from);
    match result {
        Ok((case, _)) => {
            Ok(crate::page::redirect(&format!("/me/cases/{}", case.case_no)).into_response())
        }
        Err(WebError::Validation(v)) => form.rerender(&state, &current, ctx, item, None, v).await,
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

    /// The submission to make; the uploads move into it and are kept for the draft, so a
    /// re-rendered form shows them as sent (browsers do not keep chosen files).
    fn submission(&mut self, code: &str, on_behalf: Option<cases::OnBehalf>) -> Submission {
        Submission {
            implementation_code: code.to_owned(),
            situation: self.situation.clone(),
            form: serde_json::json!({ "note": self.note }).to_string(),
            uploads: std::mem::take(&mut self.uploads),
            idempotency_key: (!self.submission.is_empty()).then(|| self.submission.clone()),
            commitment_signed: self.commitment,
            on_behalf,
            keep_draft: true,
        }
    }

    /// The form again with its errors: every field as posted, the waivers (online) and the
    /// files kept for the draft.
    async fn rerender(
        self,
        state: &AppState,
        current: &Current,
        ctx: Ctx,
        item: Arc<ServiceItem>,
        window: Option<crate::window_fields::WindowFields>,
        v: tongban_domain::ValidationErrors,
    ) -> Result<Response, WebError> {
        let situation = chosen_situation(&item, &self.situation);
        let reuse = match (&window, current.account()) {
            (None, Ok(account)) => {
                tongban_app::licences::reuse(
                    state,
                    account,
                    &item,
                    (!situation.is_empty()).then_some(situation.as_str()),
                )
                .await?
            }
            _ => tongban_app::licences::Reuse::default(),
        };
        let kept = cases::kept_uploads(state, current, &self.submission).await?;
        let mut res = render(&ApplyPage {
            ctx,
            item,
            submission: self.submission,
            situation,
            note: self.note,
            commitment: self.commitment,
            errors: v.errors.iter().map(|e| e.message.clone()).collect(),
            window,
            reuse,
            kept,
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
        window: Some(crate::window_fields::WindowFields {
            kind: "citizen".into(),
            mode: "in_person".into(),
            ..crate::window_fields::WindowFields::default()
        }),
        reuse: tongban_app::licences::Reuse::default(),
        kept: Vec::new(),
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
    let w = crate::window_fields::WindowFields::read(&fields);
    match cases::window_applicant(&state, &current, w.form())
        .await
        .map_err(WebError::from)
    {
        Ok(on_behalf) => {
            let sub = form.submission(&code, Some(on_behalf));
            match cases::submit(&state, &current, sub, ValidationErrors::new())
                .await
                .map_err(WebError::from)
            {
                Ok((case, _)) => {
                    // The number the clerk is serving gets the case; the case stands
                    // whether or not that works.
                    if let Err(e) =
                        tongban_app::halls::queue::link_case(&state, &current, &case.case_no).await
                    {
                        tracing::warn!(error = %e, "linking the case to the served number failed");
                    }
                    Ok(
                        crate::page::redirect(&format!("/staff/cases/{}", case.case_no))
                            .into_response(),
                    )
                }
                Err(WebError::Validation(v)) => {
                    form.rerender(&state, &current, ctx, item, Some(w), v).await
                }
                Err(e) => Err(e),
            }
        }
        Err(WebError::Validation(mut v)) => {
            let uploads = std::mem::take(&mut form.uploads);
            cases::keep_uploads(&state, &current, &form.submission, uploads, &mut v).await?;
            form.rerender(&state, &current, ctx, item, Some(w), v).await
        }
        Err(e) => Err(e),
    }
}

/// Pairs posted files with the item's materials by field name (`file_3` is material 3).
fn uploads_for(item: &ServiceItem, files: Vec<(String, String, Vec<u8>)>) -> Vec<Upload> {
    numbered_uploads(files, |i| item.materials.get(i).map(|m| m.name.clone()))
}

/// Posted files named `file_<n>` as uploads of the material `name_of(n)` (a file under a
/// number the form did not offer is dropped).
pub(crate) fn numbered_uploads(
    files: Vec<(String, String, Vec<u8>)>,
    name_of: impl Fn(usize) -> Option<String>,
) -> Vec<Upload> {
    files
        .into_iter()
        .filter_map(|(field, filename, bytes)| {
            let name = name_of(field.strip_prefix("file_")?.parse().ok()?)?;
            Some(Upload {
                content_field: field.clone(),
                field,
                name,
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
    let cases = cases::mine(&state, &current).await?;
    render(&MyCasesPage { ctx, cases })
}

/// A timeline entry as people read it.
struct TimelineRow {
    at: String,
    /// Who took the step (经办人).
    who: String,
    action: String,
    status: &'static str,
    detail: String,
}

fn timeline(
    events: Vec<CaseEvent>,
    names: &std::collections::HashMap<String, String>,
    denial: &str,
) -> Vec<TimelineRow> {
    events
        .into_iter()
        .map(|e| {
            let action: Option<CaseAction> = serde_json::from_str(&e.detail).ok();
            let detail = match &action {
                Some(CaseAction::IssueNotice { items }) => format!(
                    "需补正：{}",
                    items
                        .iter()
                        .map(|i| i.describe())
                        .collect::<Vec<_>>()
                        .join("；")
                ),
                Some(CaseAction::StartSpecialProcedure { procedure, reason }) => {
                    format!("{procedure}：{reason}")
                }
                Some(CaseAction::EndSpecialProcedure { result }) if !result.is_empty() => {
                    format!("结果：{result}")
                }
                Some(CaseAction::Deliver {
                    method,
                    tracking_no,
                }) => match method.as_str() {
                    "window" => "窗口领取".to_owned(),
                    "post" => format!("邮寄，快递单号 {tracking_no}"),
                    "electronic" => "电子送达（电子证照已存入申请人证照夹）".to_owned(),
                    _ => String::new(),
                },
                Some(CaseAction::Refuse { reason })
                | Some(CaseAction::ReturnForRework { reason })
                | Some(CaseAction::Withdraw { reason })
                | Some(CaseAction::Revoke { reason }) => reason.clone(),
                Some(CaseAction::Decide {
                    approve,
                    opinion,
                    reason,
                }) => match (*approve, opinion.is_empty(), reason.is_empty()) {
                    (true, true, _) => "准予".to_owned(),
                    (true, false, _) => format!("准予；审查意见：{opinion}"),
                    (false, _, true) => denial.to_owned(),
                    (false, _, false) => format!("{denial}；理由：{reason}"),
                },
                _ => {
                    if action.is_none() {
                        // Submissions recorded before the channel was written in words.
                        e.detail
                            .replace("渠道 online", "网上申请")
                            .replace("渠道 window", "窗口受理")
                    } else {
                        String::new()
                    }
                }
            };
            TimelineRow {
                who: names.get(&e.actor).cloned().unwrap_or_default(),
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
fn open_notice(case: &CaseRecord, events: &[CaseEvent]) -> Vec<NoticeItem> {
    if case.status != CaseStatus::AwaitingSupplement {
        return Vec::new();
    }
    let mut items = events
        .iter()
        .rev()
        .find_map(|e| match serde_json::from_str::<CaseAction>(&e.detail) {
            Ok(CaseAction::IssueNotice { items }) => Some(items),
            _ => None,
        })
        .unwrap_or_default();
    // What was supplied since is no longer asked for.
    if !case.progress.notice_owed.is_empty() {
        items.retain(|i| case.progress.notice_owed.contains(&i.material));
    }
    items
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
    next: String,
    notice: Vec<NoticeItem>,
    /// The day the notice asks its papers by, in words.
    supply_by: String,
    timeline: Vec<TimelineRow>,
    materials: Vec<MaterialRecord>,
    item: Option<Arc<ServiceItem>>,
    explanation: Option<cases::DueExplanation>,
    /// Licences issued on this case (in the applicant's wallet).
    licences: Vec<tongban_store::LicenceRecord>,
    deficiency_late: bool,
    /// The case can still be withdrawn by its applicant (not decided yet).
    may_withdraw: bool,
    /// Why the last supply or withdrawal was not taken, shown above the forms.
    error: Option<String>,
}

pub async fn track_case(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    track_page(&state, ctx, &current, &no, None).await
}

/// The tracking page, with why the applicant's last step was not taken when it was not
/// (the page again, never a dead end).
async fn track_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    no: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let f = cases::file(state, current, no, cases::Reader::Applicant).await?;
    let has_error = error.is_some();
    let mut res = render(&TrackPage {
        error,
        explanation: f.explanation,
        status: f.case.status.label(),
        next: if f.case.progress.deficiency_outstanding.is_empty() {
            next_step(f.case.status.as_str()).to_owned()
        } else {
            // Nothing concludes while 容缺 papers are owed: that is the person's next step.
            format!(
                "请尽快补齐容缺材料（{}），补齐后才能办结。",
                f.case.progress.deficiency_outstanding.join("、")
            )
        },
        notice: open_notice(&f.case, &f.events),
        supply_by: f
            .supply_by
            .map(|d| d.format("%Y年%-m月%-d日").to_string())
            .unwrap_or_default(),
        may_withdraw: tongban_domain::case::transition(
            f.case.status,
            &tongban_domain::case::ItemRules::default(),
            &f.case.progress,
            &CaseAction::Withdraw { reason: "x".into() },
        )
        .is_ok(),
        timeline: timeline(
            f.events,
            &f.actor_names,
            tongban_domain::case::denial_word(&f.case.item_name, f.version.kind),
        ),
        materials: f.materials,
        licences: f.licences,
        deficiency_late: f.deficiency_late,
        item: f.published,
        case: f.case,
        ctx,
    })?;
    if has_error {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The messages of a refused applicant step, in one line.
fn messages(e: WebError) -> Result<String, WebError> {
    match e {
        WebError::Validation(errors) => Ok(errors.messages()),
        WebError::Refused { detail, .. } | WebError::Conflict { detail, .. } => Ok(detail),
        other => Err(other),
    }
}

/// The applicant supplies what the one-time notice asked for (the case returns to intake),
/// or the materials owed under deficiency acceptance; the files and the step are one
/// transaction.
pub async fn supply(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let (case, events) = cases::events(&state, &current, &no, cases::Reader::Applicant).await?;
    // One file input per item asked for (`file_{i}` answers item i), so each material is
    // named by what it answers; the one-time-notice rule compares those names.
    let awaiting = case.status == CaseStatus::AwaitingSupplement;
    let asked = if awaiting {
        open_notice(&case, &events)
            .into_iter()
            .map(|i| i.material)
            .collect()
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
    if materials.is_empty() && errors.is_empty() {
        errors.add("file_0", "required", "请选择要补交的材料文件");
    }
    if !errors.is_empty() {
        let message = messages(errors.into())?;
        return track_page(&state, ctx, &current, &no, Some(message)).await;
    }
    // What was supplied is named by the files themselves (in `cases::act`); a 容缺 material
    // may come on its own, the rest staying owed.
    let action = if awaiting {
        CaseAction::Supply {
            supplied: Vec::new(),
        }
    } else {
        CaseAction::SupplyDeficiency {
            supplied: Vec::new(),
        }
    };
    match cases::act(&state, &current, &no, action, materials).await {
        Ok(_) => Ok(crate::page::redirect(&format!("/me/cases/{no}")).into_response()),
        Err(e) => {
            let message = messages(e.into())?;
            track_page(&state, ctx, &current, &no, Some(message)).await
        }
    }
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

/// The applicant withdraws a case not yet decided (撤回), with a reason on record.
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let step = CaseAction::Withdraw {
        reason: form.reason.trim().to_owned(),
    };
    match cases::act(&state, &current, &no, step, Vec::new()).await {
        Ok(_) => Ok(crate::page::redirect(&format!("/me/cases/{no}")).into_response()),
        Err(e) => {
            let message = messages(e.into())?;
            track_page(&state, ctx, &current, &no, Some(message)).await
        }
    }
}

#[derive(Template)]
#[template(path = "cases/notice.html")]
struct NoticePage {
    ctx: Ctx,
    case: CaseRecord,
    applicant: String,
    /// Each notice, latest last.
    notices: Vec<NoticeRow>,
    consult_phone: String,
}

struct NoticeRow {
    at: String,
    items: Vec<String>,
    clerk: String,
    supply_by: String,
}

/// 一次性告知书: every notice on the case, for the applicant or staff to print.
pub async fn notice(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    let n = cases::notices(&state, &current, &no).await?;
    render(&NoticePage {
        ctx,
        // The person's own document: their full name, the number masked.
        applicant: format!(
            "{}（{}）",
            n.applicant.name,
            mask_id_number(&n.applicant.login)
        ),
        notices: n
            .notices
            .into_iter()
            .map(|p| NoticeRow {
                at: local_time(p.at),
                items: p.items.iter().map(NoticeItem::describe).collect(),
                clerk: p.clerk,
                supply_by: p.supply_by.format("%Y年%-m月%-d日").to_string(),
            })
            .collect(),
        consult_phone: n.consult_phone,
        case: n.case,
    })
}

#[derive(Template)]
#[template(path = "cases/receipt.html")]
struct ReceiptPage {
    ctx: Ctx,
    r: cases::Receipt,
    /// 好差评: a QR code of the case's rating page (a one-time link when a clerk prints it).
    rating_qr: String,
    rating_url: String,
    applicant: String,
    accepted_at: String,
}

/// 受理回执: printable once the case is accepted, for the applicant or staff.
pub async fn receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    let r = cases::receipt(&state, &current, &no).await?;
    let rating_path = if tongban_domain::authz::allows(&current.principal, Permission::HandleIntake)
    {
        let token =
            tongban_app::feedback::evaluations::create_link(&state, &current, &no, None).await?;
        format!("/rate/{token}")
    } else {
        format!("/me/cases/{no}/rate")
    };
    let rating_url = crate::page::absolute_url(&state, &rating_path);
    render(&ReceiptPage {
        rating_qr: crate::page::qr_svg(&rating_url)?,
        rating_url,
        ctx,
        applicant: format!(
            "{}（{}）",
            r.applicant.name,
            mask_id_number(&r.applicant.login)
        ),
        accepted_at: local_time(r.accepted_at),
        r,
    })
}

#[derive(Template)]
#[template(path = "cases/decision.html")]
struct DecisionPage {
    ctx: Ctx,
    doc: cases::DecisionDocument,
    applicant: String,
    date: String,
}

/// 不予受理决定书 / 不予许可决定书: the decision against the applicant, with its reason and
/// the remedies, for the applicant or staff to read and print.
pub async fn decision(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(no): Path<String>,
) -> Result<Response, WebError> {
    let doc = cases::decision_document(&state, &current, &no).await?;
    render(&DecisionPage {
        ctx,
        applicant: format!(
            "{}（{}）",
            doc.applicant.name,
            mask_id_number(&doc.applicant.login)
        ),
        date: tongban_domain::calendar::district_date(doc.at)
            .format("%Y年%-m月%-d日")
            .to_string(),
        doc,
    })
}

#[derive(Deserialize)]
pub struct MaterialQuery {
    #[serde(default)]
    download: Option<String>,
}

/// One material of a case: PDF and images open in the browser's own viewer, anything else
/// (and any file with `?download=1`) is saved under a name that says what it is.
#[derive(Template)]
#[template(path = "cases/waived_licence.html")]
struct WaivedLicencePage {
    ctx: Ctx,
    case_no: String,
    material: String,
    record: tongban_store::LicenceRecord,
    verdict: tongban_domain::licence::Verdict,
    fields: Vec<(String, String)>,
}

pub async fn material(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path((no, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<MaterialQuery>,
) -> Result<Response, WebError> {
    let opened = cases::open_material(&state, &current, &no, &id).await?;
    // A 免提交 material is a licence: shown as one, with its standing today.
    if q.download.is_none()
        && let Some(view) = cases::waived_licence(&state, &opened).await?
    {
        return render(&WaivedLicencePage {
            ctx,
            case_no: no,
            material: opened.material.name,
            record: view.record,
            verdict: view.verdict,
            fields: view.fields,
        });
    }
    let m = opened.material;
    let viewable = matches!(
        m.content_type.as_str(),
        "application/pdf" | "image/jpeg" | "image/png"
    );
    Ok(crate::page::file_response(
        opened.bytes,
        &m.content_type,
        &crate::page::material_filename(&m.name, &no, &m.filename),
        viewable && q.download.is_none(),
    ))
}

#[derive(Deserialize)]
pub struct MaterialCheckForm {
    #[serde(default)]
    result: String,
    #[serde(default)]
    note: String,
}

/// The desk's check of one material (合格 / 不合格 with what is wrong).
pub async fn check_material(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path((no, id)): Path<(String, String)>,
    Form(form): Form<MaterialCheckForm>,
) -> Result<Response, WebError> {
    let passed = match form.result.as_str() {
        "passed" => true,
        "failed" => false,
        _ => {
            return case_file(
                &state,
                ctx,
                &current,
                &no,
                Some("请选择“合格”或“不合格”".into()),
            )
            .await;
        }
    };
    match cases::check_material(&state, &current, &no, &id, passed, &form.note)
        .await
        .map_err(WebError::from)
    {
        Ok(()) => {
            Ok(crate::page::redirect(&format!("/staff/cases/{no}#materials")).into_response())
        }
        Err(WebError::Validation(errors)) => {
            let message = errors.messages();
            case_file(&state, ctx, &current, &no, Some(message)).await
        }
        Err(e) => Err(e),
    }
}

struct InboxRow {
    case_no: String,
    item_name: String,
    applicant: String,
    channel: &'static str,
    hall: String,
    status: &'static str,
    /// `overdue`, `due-soon` or empty.
    urgency: &'static str,
    days_left: String,
}

impl InboxRow {
    fn of(r: cases::InboxRow) -> Self {
        let c = r.case;
        InboxRow {
            applicant: format!(
                "{}（{}）",
                mask_name(&c.applicant_name),
                mask_id_number(&c.applicant_login)
            ),
            channel: if c.channel == "window" {
                "窗口受理"
            } else {
                "网上申请"
            },
            hall: c.intake_name.clone().unwrap_or_else(|| "—".into()),
            status: c.status.label(),
            urgency: r.urgency.as_str(),
            days_left: match r.days_left {
                None => "—".into(),
                Some(d) if d < 0 => format!("超期 {} 个工作日", -d),
                Some(0) => "今日到期".into(),
                Some(d) => format!("剩 {d} 个工作日"),
            },
            case_no: c.case_no,
            item_name: c.item_name,
        }
    }
}

#[derive(Template)]
#[template(path = "cases/inbox.html")]
struct InboxPage {
    ctx: Ctx,
    rows: Vec<InboxRow>,
    title: &'static str,
    input: tongban_domain::case::CaseFilterInput,
    errors: ValidationErrors,
    statuses: Vec<(&'static str, &'static str)>,
    /// The units whose windows take cases in, as (code, name), for the hall filter.
    units: Vec<(String, String)>,
    page: u32,
    prev: Option<String>,
    next: Option<String>,
    /// A search's term, when the list is a search's answer.
    searched: Option<String>,
}

impl InboxPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }
}

/// The list's query string for another page, every filter kept.
fn page_link(input: &tongban_domain::case::CaseFilterInput, page: u32) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let pairs = [
        ("status", &input.status),
        ("item", &input.item),
        ("channel", &input.channel),
        ("hall", &input.hall),
        ("overdue", &input.overdue),
        ("owed", &input.owed),
        ("from", &input.from),
        ("to", &input.to),
        ("mine", &input.mine),
    ];
    let mut q: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v.trim(), NON_ALPHANUMERIC)))
        .collect();
    q.push(format!("page={page}"));
    format!("/staff/cases?{}", q.join("&"))
}

#[allow(clippy::too_many_arguments)]
fn inbox_page(
    units: Vec<(String, String)>,
    ctx: Ctx,
    title: &'static str,
    rows: Vec<cases::InboxRow>,
    input: tongban_domain::case::CaseFilterInput,
    errors: ValidationErrors,
    (page, has_more): (u32, bool),
    searched: Option<String>,
) -> Result<Response, WebError> {
    let status_code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&InboxPage {
        rows: rows.into_iter().map(InboxRow::of).collect(),
        title,
        units,
        statuses: CaseStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        prev: (page > 1 && searched.is_none()).then(|| page_link(&input, page - 1)),
        next: (has_more && searched.is_none()).then(|| page_link(&input, page + 1)),
        page,
        input,
        errors,
        searched,
        ctx,
    })?;
    *res.status_mut() = status_code;
    Ok(res)
}

/// The staff inbox, narrowed by the filters in the query string and paged.
pub async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    axum::extract::Query(pairs): axum::extract::Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = tongban_domain::case::CaseFilterInput::from_pairs(&pairs);
    let filter = match tongban_domain::case::CaseFilter::parse(&input) {
        Ok(f) => f,
        Err(errors) => {
            return inbox_page(
                intake_units(&state).await?,
                ctx,
                "办件",
                Vec::new(),
                input,
                errors,
                (1, false),
                None,
            );
        }
    };
    let inbox = cases::inbox(&state, &current, &filter).await?;
    inbox_page(
        intake_units(&state).await?,
        ctx,
        inbox.title,
        inbox.rows,
        input,
        ValidationErrors::new(),
        (inbox.page, inbox.has_more),
        None,
    )
}

/// Units that take cases in at a window (the district's bureaus, towns, villages), by code.
async fn intake_units(state: &AppState) -> Result<Vec<(String, String)>, WebError> {
    Ok(tongban_app::org::units(state)
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect())
}

#[derive(Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
}

/// Search by case number or the applicant's ID number or name (posted, so a person's
/// number never lands in a URL, a log or the browser history).
pub async fn search_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(form): Form<SearchForm>,
) -> Result<Response, WebError> {
    let input = tongban_domain::case::CaseFilterInput::default();
    match cases::search(&state, &current, &form.q)
        .await
        .map_err(WebError::from)
    {
        Ok(rows) => inbox_page(
            intake_units(&state).await?,
            ctx,
            "搜索结果",
            rows,
            input,
            ValidationErrors::new(),
            (1, false),
            Some(form.q.trim().to_owned()),
        ),
        Err(WebError::Validation(errors)) => inbox_page(
            intake_units(&state).await?,
            ctx,
            "搜索结果",
            Vec::new(),
            input,
            errors,
            (1, false),
            Some(form.q),
        ),
        Err(e) => Err(e),
    }
}

use tongban_app::cases::DepartmentDeadlines;

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
    let d = cases::deadlines(&state, &current).await?;
    render(&DeadlinesPage {
        ctx,
        breaches: d.breaches,
        today: d.today.format("%Y-%m-%d").to_string(),
        departments: d.departments,
        owed: d.owed,
        verifications: d
            .verifications
            .into_iter()
            .map(|(c, u)| (c, u.as_str()))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "cases/file.html")]
struct CaseFilePage {
    ctx: Ctx,
    /// A clerk may hand the person the rating screen (好差评): the windows to name.
    rating_windows: Option<Vec<(String, String)>>,
    /// What a denial of this item is called (不予许可 / 不予备案 / 不予办理).
    denial: &'static str,
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
    /// Where the paper taken in at a window is (就近办: handed up the chain).
    paper: Option<String>,
    /// The item's commitment text, where it offers 告知承诺.
    commitment: Option<String>,
    /// Licences issued on this case, and whether this staff member may revoke them.
    licences: Vec<tongban_store::LicenceRecord>,
    may_revoke: bool,
    /// The date to supply owed 容缺 materials has passed.
    deficiency_late: bool,
    /// A one-time notice was issued (its printable form exists).
    has_notice: bool,
    /// The item's materials, the only ones a notice may list.
    listed_materials: Vec<String>,
    /// The item's special procedures, as (code, name).
    procedures: Vec<(String, String)>,
    /// This staff member may record the check of each material.
    may_check: bool,
    /// The applicant owes materials and this staff member works a window: the page offers
    /// to take them in for the person at it.
    may_take_supply: bool,
    /// The fields of a step just refused, to fill its form again.
    posted: Vec<(String, String)>,
}

impl CaseFilePage {
    /// `posted` for the `i`th of a row of fields named `{prefix}_{i}`.
    fn posted_at(&self, slug: &str, prefix: &str, i: &usize) -> &str {
        self.posted(slug, &format!("{prefix}_{i}"))
    }

    /// What was typed into `name` of the `slug` step's form, if that step was just refused.
    fn posted(&self, slug: &str, name: &str) -> &str {
        if field(&self.posted, "action") == slug {
            field(&self.posted, name)
        } else {
            ""
        }
    }
}

/// The actions a staff member could take now, as (slug, label): those the state machine
/// allows on this case under its item, and the staff member's role covers.
fn staff_actions(
    current: &Current,
    case: &CaseRecord,
    item: &ServiceItem,
) -> Vec<(&'static str, &'static str)> {
    use tongban_domain::case::{ItemRules, transition};
    let status = case.status;
    let rules = ItemRules::of(item);
    let x = || "x".to_owned();
    let first_material = rules.materials.first().cloned().unwrap_or_default();
    let first_procedure = rules
        .special_procedures
        .first()
        .map(|(code, _)| code.clone())
        .unwrap_or_default();
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
        (
            "issue_notice",
            CaseAction::IssueNotice {
                items: vec![NoticeItem::missing(first_material)],
            },
        ),
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
        (
            "start_special_procedure",
            CaseAction::StartSpecialProcedure {
                procedure: first_procedure,
                reason: x(),
            },
        ),
        (
            "end_special_procedure",
            CaseAction::EndSpecialProcedure { result: x() },
        ),
        (
            "decide",
            CaseAction::Decide {
                approve: true,
                opinion: x(),
                reason: String::new(),
            },
        ),
        ("conclude", CaseAction::Conclude),
        (
            "deliver",
            CaseAction::Deliver {
                method: "window".into(),
                tracking_no: String::new(),
            },
        ),
        ("confirm_commitment", CaseAction::ConfirmCommitment),
        ("revoke", CaseAction::Revoke { reason: x() }),
    ];
    candidates
        .into_iter()
        .filter(|(_, a)| {
            transition(status, &rules, &case.progress, a).is_ok()
                && tongban_domain::authz::may_act(&current.principal, a.actor(), cases::units(case))
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
    let status = if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    case_file_with(state, ctx, current, no, error, Vec::new(), status).await
}

/// The case file again after a refused step, with what the staff member typed into that
/// step's form kept (an opinion is not typed twice).
async fn case_file_with(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    no: &str,
    error: Option<String>,
    posted: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let f = cases::file(state, current, no, cases::Reader::Staff).await?;
    let has_notice = f.events.iter().any(|e| e.action == "issue_notice");
    let case = f.case;
    let version = f.version;
    let denial = tongban_domain::case::denial_word(&case.item_name, version.kind);
    let rating_windows =
        if tongban_domain::authz::allows(&current.principal, Permission::HandleIntake)
            && tongban_domain::feedback::evaluation::Stage::Acceptance.open_at(case.status)
        {
            Some(
                tongban_app::org::halls(state, &[])
                    .await?
                    .into_iter()
                    .filter(|h| {
                        current.account.as_ref().is_some_and(|a| {
                            a.org_unit_id.as_deref() == Some(h.org_unit_id.as_str())
                        })
                    })
                    .flat_map(|h| {
                        h.windows
                            .into_iter()
                            .map(move |w| (w.id, format!("{} {}号 {}", h.name, w.number, w.name)))
                    })
                    .collect(),
            )
        } else {
            None
        };
    let paper = match case.intake_path {
        Some(_) => Some(tongban_app::halls::handovers::paper_place(state, &case.id).await?),
        None => None,
    };
    let mut res = render(&CaseFilePage {
        paper,
        rating_windows,
        explanation: f.explanation,
        status: case.status.label(),
        applicant: format!(
            "{}（{}）",
            mask_name(&f.applicant.name),
            mask_id_number(&f.applicant.login)
        ),
        denial,
        timeline: timeline(f.events, &f.actor_names, denial),
        materials: f.materials,
        actions: staff_actions(current, &case, &version),
        deficiency_allowed: tongban_domain::case::ItemRules::of(&version).deficiency_allowed,
        // The notice offers the materials of the case's own situation (the rule accepts any
        // of the item's; a paper for another situation is no use to this person).
        listed_materials: version
            .materials
            .iter()
            .filter(|m| {
                m.situations.is_empty()
                    || case.situation.is_empty()
                    || m.situations.contains(&case.situation)
            })
            .map(|m| m.name.clone())
            .collect(),
        procedures: tongban_domain::case::ItemRules::of(&version).special_procedures,
        posted,
        may_take_supply: tongban_domain::authz::allows(
            &current.principal,
            Permission::HandleIntake,
        ) && (case.status == CaseStatus::AwaitingSupplement
            || !case.progress.deficiency_outstanding.is_empty()),
        may_check: tongban_domain::case::MaterialCheck::open_on(case.status)
            && [CaseActor::Clerk, CaseActor::Reviewer]
                .into_iter()
                .any(|a| {
                    tongban_domain::authz::may_act(&current.principal, a, cases::units(&case))
                }),
        assistance: serde_json::from_str::<tongban_domain::case::Assistance>(&case.assistance)
            .map(|a| a.describe())
            .unwrap_or_default(),
        first_responder: f.first_responder,
        commitment: version.commitment.clone(),
        licences: f.licences,
        deficiency_late: f.deficiency_late,
        has_notice,
        may_revoke: current
            .principal
            .capability(Permission::ReviewCases)
            .is_ok_and(|c| c.scope().covers(&case.org_path)),
        error,
        case,
        ctx,
    })?;
    *res.status_mut() = status;
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
    let text = |name| field(&form, name).trim().to_owned();
    // A decision is taken only once the reviewer ticked that they checked it, and is
    // exactly one of the two.
    if field(&form, "action") == "decide" {
        let problem = if field(&form, "confirm") != "yes" {
            Some("请勾选“已核对，确认作出此决定”后再提交")
        } else if !matches!(field(&form, "approve"), "yes" | "no") {
            Some("请选择“准予”或“不予许可”")
        } else {
            None
        };
        if let Some(problem) = problem {
            return case_file_with(
                &state,
                ctx,
                &current,
                &no,
                Some(problem.into()),
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    }
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
        // One checkbox per listed material (`notice_{i}` carries its name), with its
        // problem and 补正说明 beside it.
        "issue_notice" => CaseAction::IssueNotice {
            items: form
                .iter()
                .filter_map(|(k, v)| {
                    let i = k.strip_prefix("notice_")?;
                    let problem = match field(&form, &format!("problem_{i}")) {
                        "invalid" => NoticeProblem::Invalid,
                        _ => NoticeProblem::Missing,
                    };
                    Some(NoticeItem {
                        material: v.clone(),
                        problem,
                        note: field(&form, &format!("note_{i}")).trim().to_owned(),
                    })
                })
                .collect(),
        },
        "refuse" => CaseAction::Refuse { reason },
        "start_review" => CaseAction::StartReview,
        "pass_review_stage" => CaseAction::PassReviewStage { opinion: reason },
        "return_for_rework" => CaseAction::ReturnForRework { reason },
        "start_special_procedure" => CaseAction::StartSpecialProcedure {
            procedure: text("procedure"),
            reason,
        },
        "end_special_procedure" => CaseAction::EndSpecialProcedure {
            result: text("result"),
        },
        "decide" => CaseAction::Decide {
            approve: field(&form, "approve") == "yes",
            opinion: text("opinion"),
            reason,
        },
        "conclude" => CaseAction::Conclude,
        "deliver" => CaseAction::Deliver {
            method: text("method"),
            tracking_no: text("tracking_no"),
        },
        "confirm_commitment" => CaseAction::ConfirmCommitment,
        "revoke" => CaseAction::Revoke { reason },
        _ => return Err(WebError::BadRequest("未知的操作".into())),
    };
    match cases::act(&state, &current, &no, action, Vec::new())
        .await
        .map_err(WebError::from)
    {
        Ok(_) => Ok(crate::page::redirect(&format!("/staff/cases/{no}")).into_response()),
        Err(WebError::Refused { detail, .. } | WebError::Conflict { detail, .. }) => {
            case_file_with(
                &state,
                ctx,
                &current,
                &no,
                Some(detail),
                form,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(WebError::Validation(errors)) => {
            let message = errors.messages();
            case_file_with(
                &state,
                ctx,
                &current,
                &no,
                Some(message),
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

impl CaseFilePage {
    /// A file's type as people say it.
    fn file_kind(&self, content_type: &str) -> &'static str {
        file_kind(content_type)
    }
}

fn file_kind(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "PDF 文件",
        "image/jpeg" => "JPEG 图片",
        "image/png" => "PNG 图片",
        "application/ofd" => "OFD 版式文件",
        "application/json" => "电子证照数据",
        _ => "文件",
    }
}
