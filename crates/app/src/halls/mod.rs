//! A hall's day (issue 16): what a hall keeps today and whether it is open now
//! (`hall_today`), the queue (`queue.rs`) and optional bookings (`appointments.rs`).

use chrono::{NaiveDate, NaiveDateTime};
use tongban_domain::authz::{Permission, may_serve_at};
use tongban_domain::hall::hours::{DayHours, hours_on};
use tongban_domain::org::WindowKind;
use tongban_store::{Hall, WindowPlace};

use crate::{Actor, App, AppError};

pub mod agents;
pub mod appointments;
pub mod handovers;
pub mod help;
pub mod queue;
pub mod staff;

/// A hall as its public page and `GET /api/v1/halls/{id}` show it today.
#[derive(Debug, Clone)]
pub struct HallToday {
    pub hall: Hall,
    pub today: DayHours,
    pub open_now: bool,
    /// People waiting per window kind the hall has.
    pub waiting: Vec<(WindowKind, i64)>,
    /// Closures from today on.
    pub closures: Vec<(NaiveDate, String)>,
}

/// The district's wall-clock time now.
pub(crate) fn local_now(app: &App) -> NaiveDateTime {
    app.clock
        .now()
        .with_timezone(&tongban_domain::calendar::district_offset())
        .naive_local()
}

/// The window kinds a hall has, in the platform's order.
pub(crate) fn kinds_of(hall: &Hall) -> Vec<WindowKind> {
    WindowKind::ALL
        .into_iter()
        .filter(|k| hall.windows.iter().any(|w| w.kind == *k))
        .collect()
}

/// The hours on `date` for a hall (public).
pub async fn hours_of(app: &App, hall: &Hall, date: NaiveDate) -> Result<DayHours, AppError> {
    let closures = app.store.hall_closures(&hall.id, date).await?;
    let periods: Vec<_> = hall.hours.iter().map(|(p, _)| p.clone()).collect();
    Ok(hours_on(&periods, &app.calendar.get(), &closures, date))
}

/// A hall today (public).
pub async fn hall_today(app: &App, hall_id: &str) -> Result<HallToday, AppError> {
    let hall = app.store.hall(hall_id).await?;
    let now = local_now(app);
    let closures = app.store.hall_closures(&hall.id, now.date()).await?;
    let periods: Vec<_> = hall.hours.iter().map(|(p, _)| p.clone()).collect();
    let today = hours_on(&periods, &app.calendar.get(), &closures, now.date());
    let counts = app.store.waiting_counts(&hall.id).await?;
    let waiting = kinds_of(&hall)
        .into_iter()
        .map(|k| {
            let n = counts.iter().find(|(c, _)| *c == k).map_or(0, |(_, n)| *n);
            (k, n)
        })
        .collect();
    Ok(HallToday {
        open_now: today.is_open_at(now),
        today,
        hall,
        waiting,
        closures,
    })
}

/// The window, if `actor` may work it.
pub(crate) async fn window_for(
    app: &App,
    actor: &Actor,
    window_id: &str,
) -> Result<WindowPlace, AppError> {
    actor.principal.capability(Permission::HandleIntake)?;
    let place = app.store.window_place(window_id).await?;
    if !may_serve_at(&actor.principal, &place.org_path) {
        return Err(AppError::Forbidden);
    }
    Ok(place)
}

/// The halls whose windows `actor` may work, for the desk's choice of window.
pub async fn workable_halls(app: &App, actor: &Actor) -> Result<Vec<Hall>, AppError> {
    actor.principal.capability(Permission::HandleIntake)?;
    let scope = tongban_domain::authz::intake_scope(&actor.principal);
    Ok(app.store.list_halls(&[], &scope).await?)
}

/// Closes a hall for a day, or reopens it (`reason` `None`); the bureau's.
pub async fn set_closure(
    app: &App,
    actor: &Actor,
    hall_id: &str,
    on: NaiveDate,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let cap = actor.principal.capability(Permission::ManageHalls)?;
    app.store.hall(hall_id).await?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = reason
        && r.chars().count() > 100
    {
        return Err(AppError::field(
            "reason",
            "too_long",
            "闭厅原因不超过 100 字",
        ));
    }
    if on < app.today() {
        return Err(AppError::field(
            "date",
            "past",
            "不能为已过去的日期设置闭厅",
        ));
    }
    app.store
        .set_hall_closure(app.clock.now(), cap.actor(), hall_id, on, reason)
        .await?;
    Ok(())
}

/// Sets the bookings per half-hour for a window kind of a hall; the bureau's. Zero takes
/// no bookings for that kind (walk-ins only).
pub async fn set_capacity(
    app: &App,
    actor: &Actor,
    hall_id: &str,
    kind: WindowKind,
    per_slot: i64,
) -> Result<(), AppError> {
    let cap = actor.principal.capability(Permission::ManageHalls)?;
    let hall = app.store.hall(hall_id).await?;
    if !kinds_of(&hall).contains(&kind) {
        return Err(AppError::field(
            "window_kind",
            "no_such_window",
            &format!("{}没有{}", hall.name, kind.label()),
        ));
    }
    if !(0..=50).contains(&per_slot) {
        return Err(AppError::field(
            "per_slot",
            "range",
            "每半小时可预约人数须在 0 到 50 之间",
        ));
    }
    app.store
        .set_hall_capacity(app.clock.now(), cap.actor(), hall_id, kind, per_slot)
        .await?;
    Ok(())
}

/// The halls the bureau keeps, for its list.
pub async fn managed_halls(app: &App, actor: &Actor) -> Result<Vec<Hall>, AppError> {
    let cap = actor.principal.capability(Permission::ManageHalls)?;
    Ok(app.store.list_halls(&[], cap.scope()).await?)
}

/// A hall as the bureau edits it: today, its closures ahead, the booking capacities.
pub async fn managed_hall(
    app: &App,
    actor: &Actor,
    hall_id: &str,
) -> Result<(HallToday, Vec<(WindowKind, i64, bool)>), AppError> {
    actor.principal.capability(Permission::ManageHalls)?;
    let today = hall_today(app, hall_id).await?;
    let set = app.store.hall_capacity(hall_id).await?;
    let caps = kinds_of(&today.hall)
        .into_iter()
        .map(|k| match set.iter().find(|(s, _)| *s == k) {
            Some((_, n)) => (k, *n, true),
            None => (
                k,
                tongban_domain::hall::appointment::default_capacity(
                    today.hall.windows.iter().filter(|w| w.kind == k).count(),
                ),
                false,
            ),
        })
        .collect();
    Ok((today, caps))
}

/// What the bureau edits of a hall, each a form of its own.
#[derive(Debug, Clone)]
pub enum HallEdit<'a> {
    Contact {
        address: &'a str,
        phone: &'a str,
        lat: &'a str,
        lng: &'a str,
    },
    AddPeriod {
        weekdays: &'a str,
        opens: &'a str,
        closes: &'a str,
        kind: &'a str,
        note: &'a str,
    },
    /// A period by its value (`1,2,3,4,5|18:00|19:00|extended`), so a stale page never
    /// removes another.
    RemovePeriod {
        period: &'a str,
    },
    AddWindow {
        number: &'a str,
        kind: &'a str,
    },
}

/// The bureau's edit of a hall (its contact, hours incl. 延时 and 错时, windows).
pub async fn edit_hall(
    app: &App,
    actor: &Actor,
    hall_id: &str,
    edit: HallEdit<'_>,
) -> Result<(), AppError> {
    use tongban_domain::hall::edit;
    let cap = actor.principal.capability(Permission::ManageHalls)?;
    let hall = app.store.hall(hall_id).await?;
    let now = app.clock.now();
    match edit {
        HallEdit::Contact {
            address,
            phone,
            lat,
            lng,
        } => {
            let c = edit::HallContact::parse(address, phone, lat, lng)?;
            app.store
                .update_hall_contact(now, cap.actor(), hall_id, &c)
                .await?;
        }
        HallEdit::AddPeriod {
            weekdays,
            opens,
            closes,
            kind,
            note,
        } => {
            let (p, note) = edit::parse_period(weekdays, opens, closes, kind, note)?;
            let existing: Vec<_> = hall.hours.iter().map(|(p, _)| p.clone()).collect();
            edit::check_no_overlap(&existing, &p)?;
            app.store
                .add_hall_period(now, cap.actor(), hall_id, &p, &note)
                .await?;
        }
        HallEdit::RemovePeriod { period } => {
            let (p, _) = hall
                .hours
                .iter()
                .find(|(p, _)| {
                    format!(
                        "{}|{}|{}|{}",
                        tongban_domain::org::format_weekdays(&p.weekdays),
                        p.opens.format("%H:%M"),
                        p.closes.format("%H:%M"),
                        p.kind.as_str()
                    ) == period
                })
                .ok_or_else(|| {
                    AppError::field("period", "unknown", "该时段已不存在，请刷新页面")
                })?;
            if hall.hours.len() == 1 {
                return Err(AppError::refused(
                    "大厅至少要保留一个办公时段；临时不开放请设置闭厅",
                ));
            }
            app.store
                .remove_hall_period(now, cap.actor(), hall_id, p)
                .await?;
        }
        HallEdit::AddWindow { number, kind } => {
            let taken: Vec<String> = hall.windows.iter().map(|w| w.number.clone()).collect();
            let (number, kind) = edit::parse_window(number, kind, &taken)?;
            app.store
                .add_window(now, cap.actor(), hall_id, &number, kind)
                .await?;
        }
    }
    Ok(())
}
