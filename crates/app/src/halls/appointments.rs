//! 预约, never required: the free half-hours of a hall's day per window kind, booking,
//! cancelling, one's own bookings, and the job that records no-shows (no penalty).

use chrono::{Datelike, NaiveDate, NaiveTime};
use rand::Rng;
use tongban_domain::authz::Permission;
use tongban_domain::hall::appointment::{
    self, BookingError, Slot, check_booking, default_capacity, slots_of,
};
use tongban_domain::hall::hours::DayHours;
use tongban_domain::org::WindowKind;
use tongban_store::{AppointmentRecord, Hall, NewAppointment, StoreError};

use super::{hours_of, kinds_of, local_now};
use crate::{Actor, App, AppError};

/// One slot of one window kind.
#[derive(Debug, Clone)]
pub struct SlotView {
    pub kind: WindowKind,
    pub slot: Slot,
    pub capacity: i64,
    pub booked: i64,
    /// Still in the future (a past slot is shown but not offered).
    pub bookable: bool,
}

impl SlotView {
    pub fn left(&self) -> i64 {
        (self.capacity - self.booked).max(0)
    }
}

#[derive(Debug, Clone)]
pub struct DaySlots {
    pub hall: Hall,
    pub hours: DayHours,
    pub slots: Vec<SlotView>,
}

fn capacity(hall: &Hall, set: &[(WindowKind, i64)], kind: WindowKind) -> i64 {
    set.iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, n)| *n)
        .unwrap_or_else(|| default_capacity(hall.windows.iter().filter(|w| w.kind == kind).count()))
}

/// The slots of a hall's day (public).
pub async fn slots(app: &App, hall_id: &str, date: NaiveDate) -> Result<DaySlots, AppError> {
    if !tongban_domain::calendar::in_range(date) {
        return Err(AppError::field("date", "out_of_range", "日期超出范围"));
    }
    let hall = app.store.hall(hall_id).await?;
    let hours = hours_of(app, &hall, date).await?;
    let set = app.store.hall_capacity(&hall.id).await?;
    let counts = app.store.slot_counts(&hall.id, date).await?;
    let now = local_now(app);
    // Offered only within the booking horizon and where the year's holidays are known.
    let offered = app.calendar.get().covers(date.year())
        && date <= now.date() + chrono::Duration::days(appointment::BOOKING_DAYS_AHEAD);
    let mut out = Vec::new();
    for kind in kinds_of(&hall) {
        let cap = capacity(&hall, &set, kind);
        if cap == 0 {
            continue;
        }
        for slot in slots_of(&hours) {
            let booked = counts
                .iter()
                .find(|(k, s, _)| *k == kind && *s == slot.starts)
                .map_or(0, |(_, _, n)| *n);
            out.push(SlotView {
                kind,
                slot,
                capacity: cap,
                booked,
                bookable: offered && date.and_time(slot.starts) > now,
            });
        }
    }
    Ok(DaySlots {
        hall,
        hours,
        slots: out,
    })
}

#[derive(Debug, Clone)]
pub struct BookingRequest {
    pub hall_id: String,
    pub kind: WindowKind,
    pub implementation_code: Option<String>,
    pub date: NaiveDate,
    pub slot: NaiveTime,
}

fn booking_refused(e: BookingError) -> AppError {
    let (field, code) = match e {
        BookingError::Closed(_) | BookingError::TooFarAhead => ("date", "not_bookable"),
        BookingError::NoSuchSlot(_) | BookingError::Past => ("slot", "not_bookable"),
        BookingError::Full => ("slot", "full"),
        BookingError::TooMany => ("slot", "too_many"),
    };
    AppError::field(field, code, &e.to_string())
}

/// Books a slot for the signed-in applicant.
pub async fn book(
    app: &App,
    actor: &Actor,
    req: BookingRequest,
) -> Result<AppointmentRecord, AppError> {
    let cap = actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    let hall = app.store.hall(&req.hall_id).await.map_err(|e| match e {
        StoreError::NotFound => AppError::field("hall_id", "unknown", "没有这个大厅"),
        other => other.into(),
    })?;
    if !kinds_of(&hall).contains(&req.kind) {
        return Err(AppError::field(
            "window_kind",
            "no_such_window",
            &format!("{}没有{}", hall.name, req.kind.label()),
        ));
    }
    let implementation_code = req
        .implementation_code
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if let Some(code) = &implementation_code
        && app.catalog.get().get(code).is_none()
    {
        return Err(AppError::field(
            "implementation_code",
            "unknown_item",
            "没有这个已发布的事项",
        ));
    }
    if !tongban_domain::calendar::in_range(req.date) {
        return Err(AppError::field("date", "out_of_range", "日期超出范围"));
    }
    let hours = hours_of(app, &hall, req.date).await?;
    let set = app.store.hall_capacity(&hall.id).await?;
    let capacity = capacity(&hall, &set, req.kind);
    let booked = app
        .store
        .slot_counts(&hall.id, req.date)
        .await?
        .into_iter()
        .find(|(k, s, _)| *k == req.kind && *s == req.slot)
        .map_or(0, |(_, _, n)| n);
    let mine = app
        .store
        .bookings_held(cap.actor(), &hall.id, req.date)
        .await?;
    let slot = check_booking(&hours, req.slot, local_now(app), capacity, booked, mine)
        .map_err(booking_refused)?;
    if app
        .store
        .holds_slot(cap.actor(), &hall.id, req.date, slot.starts)
        .await?
    {
        return Err(AppError::field(
            "slot",
            "already_booked",
            "您已预约该时段，无需重复预约",
        ));
    }
    if !app.calendar.get().covers(req.date.year()) {
        return Err(AppError::field(
            "date",
            "calendar_unknown",
            "该年的节假日安排尚未公布，暂不能预约；届时可直接到大厅取号",
        ));
    }
    for _ in 0..5 {
        let code = format!("{:08}", rand::rng().random_range(0..100_000_000u32));
        let id = tongban_store::new_id();
        let new = NewAppointment {
            id: id.clone(),
            code: code.clone(),
            hall_id: hall.id.clone(),
            kind: req.kind,
            implementation_code: implementation_code.clone(),
            account_id: cap.actor().to_owned(),
            day: req.date,
            slot: slot.starts,
            slot_ends: slot.ends,
            capacity,
            confirmation: (
                "预约成功".into(),
                format!(
                    "您已预约{} {} {}（{}），预约号 {code}。到大厅后在取号机输入预约号取号；\
                     不能来请取消，不预约也可直接取号。",
                    hall.name,
                    req.date.format("%Y年%m月%d日"),
                    slot.label(),
                    req.kind.label()
                ),
            ),
        };
        match app.store.book_appointment(app.clock.now(), &new).await {
            Ok(()) => return Ok(app.store.appointment(&id).await?),
            Err(StoreError::Conflict(what)) if what == "slot_full" => {
                return Err(booking_refused(BookingError::Full));
            }
            // A code drawn twice: draw again.
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable)
}

/// Cancels one's own booking (no reason asked, no penalty).
pub async fn cancel(app: &App, actor: &Actor, id: &str) -> Result<AppointmentRecord, AppError> {
    let cap = actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    let a = app.store.appointment(id).await?;
    if a.account_id != cap.actor() {
        return Err(AppError::NotFound);
    }
    if !app
        .store
        .cancel_appointment(app.clock.now(), cap.actor(), &a)
        .await?
    {
        return Err(AppError::Refused {
            code: "appointment_status",
            detail: format!("该预约{}，不能取消", a.status.label()),
        });
    }
    Ok(app.store.appointment(id).await?)
}

/// One's bookings from today on.
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<AppointmentRecord>, AppError> {
    let cap = actor
        .principal
        .capability(Permission::ApplicantSelfService)?;
    Ok(app.store.appointments_of(cap.actor(), app.today()).await?)
}

/// Records bookings whose slot passed without an arrival (a job).
pub async fn record_no_shows(app: &App) -> Result<u64, AppError> {
    let now = local_now(app);
    Ok(app
        .store
        .record_no_shows(app.clock.now(), now.date(), now.time())
        .await?)
}

/// Reminds everyone booked for tomorrow, once each (a job; from 15:00 the day before).
pub async fn remind(app: &App) -> Result<u64, AppError> {
    let now = local_now(app);
    if now.time() < NaiveTime::from_hms_opt(15, 0, 0).unwrap_or_default() {
        return Ok(0);
    }
    Ok(app
        .store
        .remind_bookings(app.clock.now(), now.date() + chrono::Duration::days(1))
        .await?)
}
