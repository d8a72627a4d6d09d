//! The person who comes back with the missing paper: any comprehensive window, not only the
//! one that took the case in, records what they bring after a one-time notice or owe after
//! 容缺受理, once the clerk has checked their identity as at intake. The case is found by its
//! number and the applicant's ID number together, so a window outside the case's scope can
//! serve the person standing at it and nobody can look cases up by number alone.

use tongban_domain::ValidationErrors;
use tongban_domain::authz::Permission;
use tongban_domain::case::{CaseAction, CaseStatus};
use tongban_store::{CaseEvent, CaseRecord, NewMaterial, StoreError};

use crate::{Actor, App, AppError};

/// A case found for the person at the window, with what they still owe.
#[derive(Debug)]
pub struct OwedAtWindow {
    pub case: CaseRecord,
    pub applicant_name: String,
    pub owed: Vec<String>,
}

/// What the applicant still owes: the latest one-time notice's materials while the case
/// waits for them, else the materials owed under 容缺受理.
pub fn owed_materials(case: &CaseRecord, events: &[CaseEvent]) -> Vec<String> {
    if case.status == CaseStatus::AwaitingSupplement {
        if !case.progress.notice_owed.is_empty() {
            return case.progress.notice_owed.clone();
        }
        events
            .iter()
            .rev()
            .find_map(|e| match serde_json::from_str::<CaseAction>(&e.detail) {
                Ok(CaseAction::IssueNotice { items }) => {
                    Some(items.into_iter().map(|i| i.material).collect())
                }
                _ => None,
            })
            .unwrap_or_default()
    } else {
        case.progress.deficiency_outstanding.clone()
    }
}

/// Finds the case whose number is `case_no` and whose applicant holds `id_number`.
pub async fn find_for_window(
    app: &App,
    actor: &Actor,
    case_no: &str,
    id_number: &str,
) -> Result<OwedAtWindow, AppError> {
    actor.principal.capability(Permission::HandleIntake)?;
    let (case_no, id_number) = (
        case_no.trim().to_ascii_uppercase(),
        id_number.trim().to_ascii_uppercase(),
    );
    let mut missing = ValidationErrors::new();
    if case_no.is_empty() {
        missing.add("case_no", "required", "请输入办件编号");
    } else if case_no.len() != 43 {
        missing.add("case_no", "invalid", "办件编号为 43 位，请核对");
    }
    if id_number.is_empty() {
        missing.add("id_number", "required", "请输入申请人的证件号码");
    }
    missing.into_result()?;
    let (case_no, id_number) = (case_no.as_str(), id_number.as_str());
    // One answer for a wrong number and a wrong person, so numbers cannot be probed.
    let mismatch = || {
        let mut e = ValidationErrors::new();
        e.add(
            "case_no",
            "mismatch",
            "办件编号与申请人证件号码不匹配，请核对后重新输入",
        );
        AppError::Validation(e)
    };
    let case = match app.store.case_by_no(case_no).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Err(mismatch()),
        Err(e) => return Err(e.into()),
    };
    let applicant = app.store.account(&case.applicant_id).await?;
    if !applicant.login.eq_ignore_ascii_case(id_number) {
        return Err(mismatch());
    }
    let events = app.store.case_events(&case.id).await?;
    let owed = owed_materials(&case, &events);
    if owed.is_empty() {
        return Err(AppError::refused(
            "该办件目前没有需要补交的材料（请在办件进度中查看当前状态）",
        ));
    }
    Ok(OwedAtWindow {
        case,
        applicant_name: applicant.name,
        owed,
    })
}

/// Records, for the person at the window, the materials they brought: the same step as
/// their own supply online, taken by the clerk, in one transaction with the files.
pub async fn supply_at_window(
    app: &App,
    actor: &Actor,
    case_no: &str,
    id_number: &str,
    id_checked: bool,
    materials: Vec<NewMaterial>,
) -> Result<CaseRecord, AppError> {
    let found = find_for_window(app, actor, case_no, id_number).await?;
    let mut errors = ValidationErrors::new();
    if !id_checked {
        errors.add(
            "id_checked",
            "required",
            "请先核验申请人的身份证件原件，再代收材料",
        );
    }
    if materials.is_empty() {
        errors.add("file_0", "required", "请选择申请人带来的材料文件");
    }
    errors.into_result()?;
    let action = if found.case.status == CaseStatus::AwaitingSupplement {
        CaseAction::Supply {
            supplied: Vec::new(),
        }
    } else {
        CaseAction::SupplyDeficiency {
            supplied: Vec::new(),
        }
    };
    let case_no = found.case.case_no.clone();
    super::carry_out(app, &actor.account()?.id, found.case, action, materials).await?;
    Ok(app.store.case_by_no(&case_no).await?)
}
