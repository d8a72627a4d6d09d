//! Materials at the desk: staff in scope (and the applicant) open each material of a case,
//! every opening on the audit trail; the clerk or reviewer records 合格 / 不合格 for each.

use tongban_domain::audit::AuditEvent;
use tongban_domain::case::{CaseActor, MaterialCheck};
use tongban_store::MaterialRecord;

use super::{can_view, units};
use crate::{Actor, App, AppError};

/// A material with its bytes.
#[derive(Debug)]
pub struct OpenedMaterial {
    pub material: MaterialRecord,
    pub bytes: Vec<u8>,
}

/// Opens one material of a case for someone who may see the case (404 to anyone else),
/// recording who opened which material of which case.
pub async fn open_material(
    app: &App,
    actor: &Actor,
    case_no: &str,
    material_id: &str,
) -> Result<OpenedMaterial, AppError> {
    let case = app.store.case_by_no(case_no).await?;
    if !can_view(actor, &case) {
        return Err(AppError::NotFound);
    }
    let material = app
        .store
        .case_materials(&case.id)
        .await?
        .into_iter()
        .find(|m| m.id == material_id)
        .ok_or(AppError::NotFound)?;
    let bytes = app.store.blob(&material.sha256).await?;
    app.store
        .append_audit(
            app.clock.now(),
            AuditEvent::new(
                &actor.account()?.id,
                "case.material_open",
                format!("case:{case_no}"),
                &material.name,
            ),
        )
        .await?;
    Ok(OpenedMaterial { material, bytes })
}

/// Records the check of one material by the clerk who takes the case in or the reviewer of
/// its department.
pub async fn check_material(
    app: &App,
    actor: &Actor,
    case_no: &str,
    material_id: &str,
    passed: bool,
    note: &str,
) -> Result<(), AppError> {
    let case = app.store.case_by_no(case_no).await?;
    let may = [CaseActor::Clerk, CaseActor::Reviewer]
        .into_iter()
        .any(|a| tongban_domain::authz::may_act(&actor.principal, a, units(&case)));
    if !may {
        return Err(if can_view(actor, &case) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    if !MaterialCheck::open_on(case.status) {
        return Err(AppError::refused(format!(
            "办件当前为“{}”，材料核验结果不能再更改",
            case.status.label()
        )));
    }
    let (check, note) = MaterialCheck::record(passed, note)?;
    app.store
        .set_material_check(
            app.clock.now(),
            &actor.account()?.id,
            &case,
            material_id,
            check,
            &note,
        )
        .await?;
    Ok(())
}

/// The licence a 免提交 material stands for, as the library holds it today (its standing
/// judged again, its data under their labels); `None` for an uploaded file, or a licence the
/// library no longer knows.
pub async fn waived_licence(
    app: &App,
    opened: &OpenedMaterial,
) -> Result<Option<crate::licences::LicenceView>, AppError> {
    let Some(identifier) = &opened.material.waived_by else {
        return Ok(None);
    };
    let record = match app.store.licence(identifier).await {
        Ok(r) => r,
        Err(tongban_store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(Some(crate::licences::LicenceView {
        verdict: crate::licences::judge(app, &record).await?,
        fields: crate::licences::labelled_fields(app, &record).await?,
        record,
    }))
}
