//! Public pages: the home page, the service halls and the organisation.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use tongban_domain::org::{HallKind, OrgKind, OrgUnit};
use tongban_store::Hall;

use crate::page::{Ctx, render};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    departments: usize,
    towns: usize,
    villages: usize,
    centre: Option<Hall>,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let units = tongban_app::org::units(&state).await?;
    let count = |k: OrgKind| units.iter().filter(|u| u.kind == k).count();
    let centre = tongban_app::org::halls(&state, &[HallKind::DistrictCentre])
        .await?
        .into_iter()
        .next();
    render(&HomePage {
        departments: count(OrgKind::Department),
        towns: count(OrgKind::Town),
        villages: count(OrgKind::Village),
        centre,
        ctx,
    })
}

/// A town's people's service centre with its villages' proxy points.
struct TownHalls {
    centre: Hall,
    points: Vec<Hall>,
}

#[derive(Template)]
#[template(path = "halls.html")]
struct HallsPage {
    ctx: Ctx,
    district: Vec<Hall>,
    towns: Vec<TownHalls>,
}

pub async fn halls(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let all = tongban_app::org::halls(&state, &[]).await?;
    let (district, rest): (Vec<Hall>, Vec<Hall>) = all
        .into_iter()
        .partition(|h| h.kind == HallKind::DistrictCentre);
    let (centres, points): (Vec<Hall>, Vec<Hall>) = rest
        .into_iter()
        .partition(|h| h.kind == HallKind::TownCentre);
    let towns = centres
        .into_iter()
        .map(|centre| {
            let prefix = format!("{}/", centre.org_path);
            let points = points
                .iter()
                .filter(|p| p.org_path.starts_with(&prefix))
                .cloned()
                .collect();
            TownHalls { centre, points }
        })
        .collect();
    render(&HallsPage {
        ctx,
        district,
        towns,
    })
}

struct TownUnits {
    town: OrgUnit,
    villages: Vec<OrgUnit>,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    ctx: Ctx,
    root: Option<OrgUnit>,
    departments: Vec<OrgUnit>,
    towns: Vec<TownUnits>,
}

pub async fn org(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let units = tongban_app::org::units(&state).await?;
    let root = units
        .iter()
        .find(|u| u.kind == OrgKind::Government)
        .cloned();
    let departments = units
        .iter()
        .filter(|u| u.kind == OrgKind::Department)
        .cloned()
        .collect();
    let towns = units
        .iter()
        .filter(|u| u.kind == OrgKind::Town)
        .map(|t| TownUnits {
            villages: units
                .iter()
                .filter(|v| v.parent_id.as_deref() == Some(t.id.as_str()))
                .cloned()
                .collect(),
            town: t.clone(),
        })
        .collect();
    render(&OrgPage {
        ctx,
        root,
        departments,
        towns,
    })
}

struct CheckpointRow {
    number: i64,
    at: String,
    digest: String,
    rows: i64,
    signature: String,
}

#[derive(Template)]
#[template(path = "audit_checkpoints.html")]
struct CheckpointsPage {
    ctx: Ctx,
    public_key: Option<String>,
    rows: Vec<CheckpointRow>,
}

/// 审计检查点公示: the sealed checkpoints, newest first, for anyone to keep a copy of.
pub async fn audit_checkpoints(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let all = tongban_app::audit::checkpoints::published(&state).await?;
    let public_key = all.last().map(|c| c.public_key.clone());
    let rows = all
        .iter()
        .rev()
        .take(100)
        .map(|c| CheckpointRow {
            number: c.checkpoint.number,
            at: chrono::DateTime::parse_from_rfc3339(&c.checkpoint.at)
                .map(|t| crate::page::local_time(t.with_timezone(&chrono::Utc)))
                .unwrap_or_else(|_| c.checkpoint.at.clone()),
            digest: c.checkpoint.digest(),
            rows: c.checkpoint.heads.iter().map(|h| h.seq).sum(),
            signature: c.signature.clone(),
        })
        .collect();
    render(&CheckpointsPage {
        ctx,
        public_key,
        rows,
    })
}
