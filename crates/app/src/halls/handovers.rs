//! 就近办: a village point's or a town's clerk lists the paper of the cases taken in there
//! and hands it up the chain (村 → 乡镇 → 区), signing the list; the next unit's clerk signs
//! it received. Each case shows where its paper is.

use tongban_domain::authz::Permission;
use tongban_domain::hall::handover::{self, HandoverError};
use tongban_domain::org::OrgUnit;
use tongban_store::{HandoverRecord, PaperCase, PaperPlace};

use crate::{Actor, App, AppError};

/// The unit that receives the towns' paper: the bureau that runs the district centre.
const DISTRICT_CENTRE_UNIT: &str = "D-SPJ";

fn refused(e: HandoverError) -> AppError {
    AppError::Refused {
        code: "handover",
        detail: e.to_string(),
    }
}

/// A clerk's paper desk: their unit, the next one up, the cases whose paper is here, and
/// the lists sent from or to here.
#[derive(Debug, Clone)]
pub struct PaperDesk {
    pub unit: OrgUnit,
    pub next: Option<OrgUnit>,
    pub here: Vec<PaperCase>,
    pub lists: Vec<HandoverRecord>,
}

async fn my_unit(app: &App, actor: &Actor) -> Result<OrgUnit, AppError> {
    actor.principal.capability(Permission::HandleIntake)?;
    let id = actor
        .account
        .as_ref()
        .and_then(|a| a.org_unit_id.clone())
        .ok_or(AppError::Forbidden)?;
    Ok(app.store.org_unit(&id).await?)
}

async fn next_unit(app: &App, unit: &OrgUnit) -> Result<Option<OrgUnit>, AppError> {
    let district = app.store.org_unit_by_code(DISTRICT_CENTRE_UNIT).await?;
    let Some(path) = handover::next_up(&unit.path, &district.path) else {
        return Ok(None);
    };
    let code = path.rsplit('/').next().unwrap_or_default();
    Ok(Some(app.store.org_unit_by_code(code).await?))
}

pub async fn desk(app: &App, actor: &Actor) -> Result<PaperDesk, AppError> {
    let unit = my_unit(app, actor).await?;
    Ok(PaperDesk {
        next: next_unit(app, &unit).await?,
        here: app.store.paper_cases_at(&unit.id).await?,
        lists: app.store.handovers_of(&unit.id).await?,
        unit,
    })
}

/// Hands the listed cases' paper (case number → the paper materials received) to the next
/// unit up, signed by the clerk.
pub async fn send(
    app: &App,
    actor: &Actor,
    items: &[(String, String)],
) -> Result<String, AppError> {
    let unit = my_unit(app, actor).await?;
    let next = next_unit(app, &unit)
        .await?
        .ok_or_else(|| refused(HandoverError::NotUpTheChain))?;
    let district = app.store.org_unit_by_code(DISTRICT_CENTRE_UNIT).await?;
    let here = app.store.paper_cases_at(&unit.id).await?;
    let checked: Vec<(String, bool, bool)> = items
        .iter()
        .map(|(no, paper)| {
            (
                no.clone(),
                here.iter().any(|c| c.case_no == *no),
                !paper.trim().is_empty(),
            )
        })
        .collect();
    handover::check(&unit.path, &next.path, &district.path, &checked).map_err(refused)?;
    let rows: Vec<(String, String)> = items
        .iter()
        .filter_map(|(no, paper)| {
            here.iter()
                .find(|c| c.case_no == *no)
                .map(|c| (c.case_id.clone(), paper.trim().chars().take(500).collect()))
        })
        .collect();
    app.store
        .send_handover(
            app.clock.now(),
            actor.principal.account_id().unwrap_or_default(),
            app.today(),
            &unit.id,
            &next.id,
            &rows,
        )
        .await
        .map_err(|e| match e {
            tongban_store::StoreError::Conflict(_) => AppError::Refused {
                code: "handover",
                detail: "清单中有办件已在移交途中".into(),
            },
            other => other.into(),
        })
}

/// Signs a list received at the clerk's unit.
pub async fn receive(app: &App, actor: &Actor, handover_no: &str) -> Result<(), AppError> {
    actor.principal.capability(Permission::HandleIntake)?;
    let h = app.store.handover(handover_no).await?;
    let path = actor
        .account
        .as_ref()
        .and_then(|a| a.org_path.clone())
        .unwrap_or_default();
    handover::may_receive(h.status, &h.to_path, &path).map_err(refused)?;
    if !app
        .store
        .receive_handover(
            app.clock.now(),
            actor.principal.account_id().unwrap_or_default(),
            &h.id,
        )
        .await?
    {
        return Err(refused(HandoverError::AlreadyReceived));
    }
    Ok(())
}

/// A list, for staff of either end.
pub async fn list(app: &App, actor: &Actor, handover_no: &str) -> Result<HandoverRecord, AppError> {
    let unit = my_unit(app, actor).await?;
    let h = app.store.handover(handover_no).await?;
    if h.from_unit_id != unit.id
        && h.to_unit_id != unit.id
        && handover::may_receive(h.status, &h.to_path, &unit.path).is_err()
    {
        return Err(AppError::NotFound);
    }
    Ok(h)
}

/// Where a case's paper is, in words, for its file.
pub async fn paper_place(app: &App, case_id: &str) -> Result<String, AppError> {
    Ok(match app.store.paper_place(case_id).await? {
        PaperPlace::AtIntake => "在受理单位".to_owned(),
        PaperPlace::OnTheWay(from, to, no) => {
            format!("移交途中：{from} → {to}（清单 {no}，待签收）")
        }
        PaperPlace::At(unit) => format!("已移交至{unit}并签收"),
    })
}
