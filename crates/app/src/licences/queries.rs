//! The licence library as people use it: one's own licence with its standing and labelled
//! data, a licence's public status, presenting one's own licence, revocation by the issuing
//! department, and the licence catalog.

use tongban_domain::authz::Permission;
use tongban_domain::licence::{LicenceType, Presentation, Verdict, verdict};
use tongban_store::{LicenceRecord, StoreError};

use super::{VerifyOutcome, present};
use crate::{Actor, App, AppError};

/// A licence with today's verdict and its data items under their type's labels.
#[derive(Debug)]
pub struct LicenceView {
    pub record: LicenceRecord,
    pub verdict: Verdict,
    pub fields: Vec<(String, String)>,
}

/// The actor's own licence; anyone else's is "not found".
pub async fn own(app: &App, actor: &Actor, identifier: &str) -> Result<LicenceRecord, AppError> {
    actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    let account = actor.account()?;
    crate::identity::require_verified(account)?;
    let record = app.store.licence(identifier).await?;
    if record.sealed.licence.holder_id != account.login {
        return Err(AppError::NotFound);
    }
    Ok(record)
}

/// The verdict on a stored licence today: its seal checked against the published keys, then
/// its standing.
pub async fn judge(app: &App, record: &LicenceRecord) -> Result<Verdict, AppError> {
    let keys = app
        .seal_keys
        .covering(&app.store, &[record.sealed.seal.key_id.as_str()])
        .await?;
    Ok(verdict(
        &record.sealed,
        keys.get(&record.sealed.seal.key_id).map(String::as_str),
        record.revoked(),
        app.today(),
    ))
}

/// The licence's data items with their type's labels.
pub async fn labelled_fields(
    app: &App,
    record: &LicenceRecord,
) -> Result<Vec<(String, String)>, AppError> {
    let types = app.store.licence_types().await?;
    let ty = types
        .iter()
        .find(|t| t.code == record.sealed.licence.type_code);
    Ok(record
        .sealed
        .licence
        .fields
        .iter()
        .map(|(k, val)| {
            let label = ty
                .and_then(|t| t.fields.iter().find(|f| &f.key == k))
                .map(|f| f.label.clone())
                .unwrap_or_else(|| k.clone());
            (label, val.clone())
        })
        .collect())
}

/// The actor's own licence, judged and labelled.
pub async fn view_own(app: &App, actor: &Actor, identifier: &str) -> Result<LicenceView, AppError> {
    let record = own(app, actor, identifier).await?;
    Ok(LicenceView {
        verdict: judge(app, &record).await?,
        fields: labelled_fields(app, &record).await?,
        record,
    })
}

/// 亮证: a presentation of the actor's own licence, in full and as a compact code; a revoked
/// one is refused.
pub async fn present_own(
    app: &App,
    actor: &Actor,
    identifier: &str,
) -> Result<(LicenceRecord, Presentation, String), AppError> {
    let record = own(app, actor, identifier).await?;
    if record.revoked() {
        return Err(AppError::Refused {
            code: "licence_revoked",
            detail: "已撤销的证照不能出示".into(),
        });
    }
    let p = present(app, record.clone()).await?;
    let compact = super::compact_code(app, &record).await?;
    Ok((record, p, compact))
}

/// What the QR code on a licence PDF opens (no login): the library's current record, masked.
pub async fn status(app: &App, identifier: &str) -> Result<VerifyOutcome, AppError> {
    let record = match app.store.licence(identifier).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => {
            let v = Verdict::Forged;
            return Ok(VerifyOutcome {
                valid: false,
                status: v.as_str().into(),
                status_code: v.status_code().into(),
                status_label: "证照库中没有这一证照".into(),
                issuer: None,
                licence_name: None,
                identifier: Some(identifier.to_owned()),
                holder: None,
                valid_until: None,
                presented_until: None,
                permits: Vec::new(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let v = judge(app, &record).await?;
    let mut outcome = VerifyOutcome::of(&record.sealed.licence, v, None);
    outcome.permits = super::permits_of(app, &record.sealed.licence).await?;
    Ok(outcome.warned())
}

/// The issuing department revokes a licence issued on one of its cases, with the reason on
/// record. Returns the case number it was issued on.
pub async fn revoke(
    app: &App,
    actor: &Actor,
    identifier: &str,
    reason: &str,
) -> Result<String, AppError> {
    let cap = actor.principal.capability(Permission::ReviewCases)?;
    let record = app.store.licence(identifier).await?;
    let case_id = record.case_id.clone().ok_or(AppError::Forbidden)?;
    let case = app.store.case_by_id(&case_id).await?;
    if !cap.scope().covers(&case.org_path) {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::field(
            "reason",
            "required",
            "撤销证照须写明理由（200 字以内）",
        ));
    }
    match app
        .store
        .revoke_licence(app.clock.now(), cap.actor(), identifier, reason)
        .await
    {
        Err(StoreError::Conflict(_)) => Err(AppError::Refused {
            code: "already_revoked",
            detail: "该证照已被撤销".into(),
        }),
        Err(e) => Err(e.into()),
        Ok(_) => Ok(case.case_no),
    }
}

/// The licence catalog (证照目录).
pub async fn types(app: &App) -> Result<Vec<LicenceType>, AppError> {
    Ok(app.store.licence_types().await?)
}

/// Defines or updates a licence type (bureau administrators and integrating systems).
pub async fn put_type(app: &App, actor: &Actor, ty: &LicenceType) -> Result<(), AppError> {
    let cap = actor.principal.capability(Permission::ManageLicences)?;
    ty.validate()?;
    app.store
        .upsert_licence_type(app.clock.now(), cap.actor(), ty)
        .await?;
    // Issuing reads the licence catalog this instance holds.
    app.catalog.refresh(&app.store).await?;
    Ok(())
}

/// Every published seal key, current and rotated-out.
pub async fn seal_keys(app: &App) -> Result<Vec<tongban_store::SealKeyRecord>, AppError> {
    Ok(app.store.seal_keys().await?)
}
