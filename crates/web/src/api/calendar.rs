//! The working-day calendar.

use super::*;

#[derive(Debug, Deserialize)]
pub struct AddWorkingDaysQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    days: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingDate {
    /// YYYY-MM-DD.
    date: String,
    /// False when the State Council arrangement for the due date's year is not yet entered,
    /// so only weekends were skipped.
    arrangement_known: bool,
}

/// The date N working days after `from` on the statutory-holiday calendar (day 1 is the
/// first working day after `from`; 0 is `from` itself).
#[utoipa::path(get, path = "/api/v1/calendar/add-working-days", tag = "calendar",
    params(
        ("from" = String, Query, description = "起算日 YYYY-MM-DD"),
        ("days" = u32, Query, description = "工作日数，0 至 3650"),
    ),
    responses(
        (status = 200, body = WorkingDate),
        (status = 422, description = "参数有误", content_type = "application/problem+json"),
    ))]
pub async fn add_working_days(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<AddWorkingDaysQuery>,
) -> Result<Json<WorkingDate>, WebError> {
    let mut errors = tongban_domain::ValidationErrors::new();
    let from = chrono::NaiveDate::parse_from_str(q.from.trim(), "%Y-%m-%d").ok();
    match from {
        None => errors.add(
            "from",
            "format",
            "起算日格式应为 YYYY-MM-DD，例如 2026-11-27",
        ),
        Some(d) if !tongban_domain::calendar::in_range(d) => {
            errors.add("from", "range", tongban_domain::calendar::OUT_OF_RANGE)
        }
        Some(_) => {}
    }
    let days = q.days.trim().parse::<u32>().ok().filter(|d| *d <= 3650);
    if days.is_none() {
        errors.add("days", "range", "工作日数应为 0 至 3650 之间的整数");
    }
    errors.into_result()?;
    let (Some(from), Some(days)) = (from, days) else {
        return Err(WebError::BadRequest("参数有误".into()));
    };
    let cal = state.calendar.get();
    let due = cal.add_working_days(from, days);
    if !tongban_domain::calendar::in_range(due) {
        let mut e = tongban_domain::ValidationErrors::new();
        e.add(
            "days",
            "range",
            "推算的到期日超出 2200 年，请缩短工作日数或更改起算日",
        );
        return Err(e.into());
    }
    Ok(Json(WorkingDate {
        date: due.format("%Y-%m-%d").to_string(),
        arrangement_known: cal.covers(chrono::Datelike::year(&due)),
    }))
}
