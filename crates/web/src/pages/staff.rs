//! Staff pages: the workbench, the org units in one's scope, looking people up (audited),
//! the audit trail and creating staff accounts.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_domain::ValidationErrors;
use tongban_domain::account::Role;
use tongban_domain::authz::{Permission, Scope};
use tongban_domain::mask::{mask_id_number, mask_name, mask_phone};
use tongban_domain::org::OrgUnit;
use tongban_store::{Hall, StaffMember};

use crate::auth::Current;
use crate::page::{Ctx, FormField, local_time, render, with_errors};
use crate::{AppState, WebError};

fn scope_label(scope: &Scope, org_name: &str) -> String {
    match scope {
        tongban_domain::authz::Scope::All => "全区".to_owned(),
        tongban_domain::authz::Scope::Within(_) => format!("{org_name}及其下属单位"),
        Scope::Nothing => "无".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "staff/workbench.html")]
struct WorkbenchPage {
    ctx: Ctx,
    name: String,
    role: &'static str,
    org_name: String,
    scope: String,
    can_lookup: bool,
    can_audit: bool,
    can_manage: bool,
}

pub async fn workbench(ctx: Ctx, current: Current) -> Result<Response, WebError> {
    let cap = current.principal.capability(Permission::StaffWorkbench)?;
    let account = current.account()?;
    let org_name = account.org_name.clone().unwrap_or_default();
    let p = &current.principal;
    render(&WorkbenchPage {
        name: account.name.clone(),
        role: account.role.map(Role::label).unwrap_or_default(),
        scope: scope_label(cap.scope(), &org_name),
        org_name,
        can_lookup: p.capability(Permission::ViewPersonalData).is_ok(),
        can_audit: p.capability(Permission::ViewAuditTrail).is_ok(),
        can_manage: p.capability(Permission::ManageStaff).is_ok(),
        ctx,
    })
}

#[derive(Template)]
#[template(path = "staff/org.html")]
struct OrgScopePage {
    ctx: Ctx,
    scope: String,
    units: Vec<OrgUnit>,
    staff: Vec<StaffMember>,
    halls: Vec<Hall>,
}

pub async fn org_scope(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let account = current.account()?;
    let view = tongban_app::org::scope_of(&state, &current).await?;
    render(&OrgScopePage {
        scope: scope_label(&view.scope, account.org_name.as_deref().unwrap_or_default()),
        units: view.units,
        staff: view.staff,
        halls: view.halls,
        ctx,
    })
}

struct PersonRow {
    id: String,
    kind: &'static str,
    name: String,
    number: String,
    phone: String,
}

#[derive(Template)]
#[template(path = "staff/people.html")]
struct PeoplePage {
    ctx: Ctx,
    q: String,
    searched: bool,
    error: Option<String>,
    people: Vec<PersonRow>,
}

#[derive(Deserialize)]
pub struct PeopleForm {
    #[serde(default)]
    q: String,
}

/// The empty search form.
pub async fn people_form(ctx: Ctx, current: Current) -> Result<Response, WebError> {
    current.principal.capability(Permission::ViewPersonalData)?;
    render(&PeoplePage {
        q: String::new(),
        searched: false,
        error: None,
        people: Vec::new(),
        ctx,
    })
}

/// Searches by POST so that ID numbers never appear in URLs, browser history or access logs.
pub async fn find_people(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(form): Form<PeopleForm>,
) -> Result<Response, WebError> {
    current.principal.capability(Permission::ViewPersonalData)?;
    let q = form.q.trim().to_owned();
    let found = if q.is_empty() {
        Ok(Vec::new())
    } else {
        tongban_app::accounts::find_people(&state, &current, &q)
            .await
            .map_err(WebError::from)
    };
    let (people, error) = match found {
        Err(WebError::Validation(v)) => (Vec::new(), v.errors.first().map(|e| e.message.clone())),
        Err(e) => return Err(e),
        Ok(found) => {
            let rows = found
                .into_iter()
                .map(|p| PersonRow {
                    kind: p.kind.label(),
                    name: mask_name(&p.name),
                    number: mask_id_number(&p.login),
                    phone: p.phone.as_deref().map(mask_phone).unwrap_or_default(),
                    id: p.id,
                })
                .collect();
            (rows, None)
        }
    };
    render(&PeoplePage {
        searched: !q.is_empty(),
        q,
        error,
        people,
        ctx,
    })
}

#[derive(Template)]
#[template(path = "staff/person.html")]
struct PersonPage {
    ctx: Ctx,
    kind: &'static str,
    name: String,
    number: String,
    phone: String,
    legal_representative: Option<String>,
    registered: String,
}

pub async fn person_record(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let account = tongban_app::accounts::open_person(&state, &current, &id).await?;
    render(&PersonPage {
        kind: account.kind.label(),
        name: account.name,
        number: account.login,
        phone: account.phone.unwrap_or_default(),
        legal_representative: account.legal_representative,
        registered: local_time(account.created_at),
        ctx,
    })
}

struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    ctx: Ctx,
    rows: Vec<AuditRow>,
    chain_ok: bool,
    chain_message: String,
}

pub async fn audit_trail(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let tongban_app::audit::Trail {
        report,
        rows,
        names,
    } = tongban_app::audit::trail(&state, &current, 100).await?;
    let rows = rows
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: chrono::DateTime::parse_from_rfc3339(&e.at)
                .map(|t| local_time(t.with_timezone(&chrono::Utc)))
                .unwrap_or(e.at),
            actor: names
                .get(&e.actor)
                .filter(|n| !n.is_empty())
                .cloned()
                .unwrap_or(e.actor),
            action: tongban_domain::audit::action_label(&e.action),
            target: e.target,
            detail: tongban_domain::audit::detail_label(&e.detail),
        })
        .collect();
    let (chain_ok, chain_message) = match (&report.first_break, &report.checkpoint_break) {
        (None, None) => (
            true,
            format!(
                "哈希链完整，共 {} 条记录，与封存的检查点相符",
                report.rows_checked
            ),
        ),
        (Some(b), _) => (
            false,
            format!("第 {} 号审计链：{b}", report.chain.unwrap_or_default()),
        ),
        (None, Some(b)) => (false, b.to_string()),
    };
    render(&AuditPage {
        ctx,
        rows,
        chain_ok,
        chain_message,
    })
}

#[derive(Template)]
#[template(path = "staff/new_staff.html")]
struct NewStaffPage {
    ctx: Ctx,
    fields: Vec<FormField>,
    fields_with_errors: Vec<FormField>,
    form_error: Option<String>,
    units: Vec<OrgUnit>,
    org_code: String,
    org_error: Option<String>,
    role: String,
    role_error: Option<String>,
    roles: Vec<(&'static str, &'static str)>,
    created: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NewStaffForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    org_code: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct CreatedQuery {
    created: Option<String>,
}

fn staff_fields(form: &NewStaffForm, errors: &ValidationErrors) -> Vec<FormField> {
    vec![
        FormField::new("username", "用户名")
            .hint("3 至 32 位小写字母、数字、下划线、点或连字符，用于登录")
            .autocomplete("off")
            .with(&form.username, errors),
        FormField::new("name", "姓名").with(&form.name, errors),
        FormField::new("password", "初始密码")
            .kind("password")
            .hint("至少 8 位，须同时包含字母和数字")
            .autocomplete("new-password")
            .with("", errors),
    ]
}

async fn staff_page(
    state: &AppState,
    ctx: Ctx,
    form: &NewStaffForm,
    errors: &ValidationErrors,
    created: Option<String>,
) -> Result<Response, WebError> {
    let fields = staff_fields(form, errors);
    render(&NewStaffPage {
        ctx,
        fields_with_errors: with_errors(&fields),
        fields,
        form_error: None,
        units: tongban_app::org::units(state).await?,
        org_code: form.org_code.clone(),
        org_error: errors.message_for("org_code").map(str::to_owned),
        role: form.role.clone(),
        role_error: errors.message_for("role").map(str::to_owned),
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        created,
    })
}

pub async fn new_staff_form(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Query(q): Query<CreatedQuery>,
) -> Result<Response, WebError> {
    current.principal.capability(Permission::ManageStaff)?;
    staff_page(
        &state,
        ctx,
        &NewStaffForm::default(),
        &ValidationErrors::new(),
        q.created,
    )
    .await
}

pub async fn create_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    Form(form): Form<NewStaffForm>,
) -> Result<Response, WebError> {
    let new = tongban_app::accounts::NewStaff {
        username: form.username.clone(),
        name: form.name.clone(),
        password: form.password.clone(),
        role: form.role.clone(),
        org_code: form.org_code.clone(),
    };
    let errors = match tongban_app::accounts::create_staff(&state, &current, &new)
        .await
        .map_err(WebError::from)
    {
        Ok(a) => {
            return Ok(
                crate::page::redirect(&format!("/admin/staff/new?created={}", a.login))
                    .into_response(),
            );
        }
        Err(WebError::Validation(v)) => v,
        Err(e) => return Err(e),
    };
    let mut res = staff_page(&state, ctx, &form, &errors, None).await?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Template)]
#[template(path = "staff/admin_staff.html")]
struct StaffAdminPage {
    ctx: Ctx,
    staff: Vec<tongban_store::StaffMember>,
    units: Vec<OrgUnit>,
    roles: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    /// Each staff member's posting date and whether a move now would cut it short.
    postings: Vec<(String, String, bool)>,
}

impl StaffAdminPage {
    fn posting(&self, id: &str) -> Option<&(String, String, bool)> {
        self.postings.iter().find(|p| p.0 == id)
    }
}

async fn staff_admin_page(
    state: &AppState,
    ctx: Ctx,
    current: &Current,
    error: Option<String>,
) -> Result<Response, WebError> {
    let has_error = error.is_some();
    let mut res = render(&StaffAdminPage {
        ctx,
        staff: tongban_app::accounts::all_staff(state, current).await?,
        units: tongban_app::org::units(state).await?,
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        error,
        postings: tongban_app::halls::staff::postings(state, current)
            .await?
            .into_iter()
            .map(|(id, on)| {
                let early = state.today() < tongban_domain::hall::staff::stable_until(on);
                (id, on.to_string(), early)
            })
            .collect(),
    })?;
    if has_error {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The bureau's staff administration: disable and re-enable accounts, move them to another
/// unit, change their role.
pub async fn staff_admin(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    staff_admin_page(&state, ctx, &current, None).await
}

#[derive(Deserialize)]
pub struct StaffAdminForm {
    #[serde(default)]
    change: String,
    #[serde(default)]
    org_code: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    confirm_early: Option<String>,
}

pub async fn administer_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(form): Form<StaffAdminForm>,
) -> Result<Response, WebError> {
    use tongban_app::accounts::StaffAdmin;
    let change = match form.change.as_str() {
        "disable" => StaffAdmin::Disable,
        "enable" => StaffAdmin::Enable,
        "move" => StaffAdmin::Move {
            org_code: form.org_code,
            confirm_early: form.confirm_early.is_some(),
        },
        "role" => StaffAdmin::SetRole(form.role),
        _ => return staff_admin_page(&state, ctx, &current, Some("未知的调整".into())).await,
    };
    match tongban_app::accounts::administer_staff(&state, &current, &id, change)
        .await
        .map_err(WebError::from)
    {
        Ok(()) => Ok(crate::page::redirect("/admin/staff").into_response()),
        Err(WebError::Validation(v)) => {
            let message = v.messages();
            staff_admin_page(&state, ctx, &current, Some(message)).await
        }
        Err(WebError::Refused { detail, .. }) => {
            staff_admin_page(&state, ctx, &current, Some(detail)).await
        }
        Err(e) => Err(e),
    }
}
