//! The organisation and its halls.

use super::*;

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgUnitView {
    code: String,
    name: String,
    /// `government`, `department`, `town` or `village`.
    kind: String,
    /// `district`, `town` or `village`.
    level: String,
    parent_code: Option<String>,
    credit_code: Option<String>,
}

/// The three-level organisation.
#[utoipa::path(get, path = "/api/v1/org-units", tag = "organisation",
    responses((status = 200, body = Vec<OrgUnitView>)))]
pub async fn list_org_units(
    State(state): State<AppState>,
) -> Result<Json<Vec<OrgUnitView>>, WebError> {
    let units = tongban_app::org::units(&state).await?;
    let code_of = |id: &Option<String>| -> Option<String> {
        id.as_ref()
            .and_then(|id| units.iter().find(|u| &u.id == id))
            .map(|u: &OrgUnit| u.code.clone())
    };
    Ok(Json(
        units
            .iter()
            .map(|u| OrgUnitView {
                code: u.code.clone(),
                name: u.name.clone(),
                kind: u.kind.as_str().to_owned(),
                level: u.level().as_str().to_owned(),
                parent_code: code_of(&u.parent_id),
                credit_code: u.credit_code.clone(),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoursView {
    /// ISO weekdays, 1 = Monday.
    weekdays: Vec<u8>,
    opens: String,
    closes: String,
    /// `regular`, `extended` (延时) or `staggered` (错时).
    kind: String,
    note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WindowView {
    /// The window's identifier (for `POST /api/v1/windows/{window_id}/call-next`).
    id: String,
    number: String,
    name: String,
    /// `comprehensive`, `escalation`, `assistance` or `enterprise`.
    kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HallView {
    /// The hall's identifier (for `/api/v1/halls/{hall_id}` and its queue).
    id: String,
    name: String,
    /// `district_centre`, `town_centre` or `village_point`.
    kind: String,
    org_unit: String,
    address: String,
    phone: String,
    hours: Vec<HoursView>,
    windows: Vec<WindowView>,
}

pub(crate) fn hours_view(h: &tongban_store::Hall) -> Vec<HoursView> {
    h.hours
        .iter()
        .map(|(p, note)| HoursView {
            opens: p.opens.format("%H:%M").to_string(),
            closes: p.closes.format("%H:%M").to_string(),
            kind: p.kind.as_str().to_owned(),
            weekdays: p.weekdays.clone(),
            note: note.clone(),
        })
        .collect()
}

pub(crate) fn windows_view(h: &tongban_store::Hall) -> Vec<WindowView> {
    h.windows
        .iter()
        .map(|w| WindowView {
            id: w.id.clone(),
            number: w.number.clone(),
            name: w.name.clone(),
            kind: w.kind.as_str().to_owned(),
        })
        .collect()
}

/// Service halls with opening hours and windows.
#[utoipa::path(get, path = "/api/v1/halls", tag = "organisation",
    responses((status = 200, body = Vec<HallView>)))]
pub async fn list_halls(State(state): State<AppState>) -> Result<Json<Vec<HallView>>, WebError> {
    let halls = tongban_app::org::halls(&state, &[]).await?;
    Ok(Json(
        halls
            .iter()
            .map(|h| HallView {
                id: h.id.clone(),
                name: h.name.clone(),
                kind: h.kind.as_str().to_owned(),
                org_unit: h.org_name.clone(),
                address: h.address.clone(),
                phone: h.phone.clone(),
                hours: hours_view(h),
                windows: windows_view(h),
            })
            .collect(),
    ))
}
