//! The working-day calendar as this instance holds it: the shipped arrangements plus those
//! entered through the platform, reloaded when the entered days change (here at once, on
//! other instances within seconds).

use std::sync::Arc;

use arc_swap::ArcSwap;

use tongban_domain::calendar::{WorkCalendar, shipped_calendar};
use tongban_store::Store;

use crate::AppError;

type Version = (i64, Option<chrono::DateTime<chrono::Utc>>);

#[derive(Clone)]
pub struct CalendarHandle {
    current: Arc<ArcSwap<(Version, Arc<WorkCalendar>)>>,
}

impl CalendarHandle {
    pub async fn load(store: &Store) -> Result<Self, AppError> {
        let handle = CalendarHandle {
            current: Arc::new(ArcSwap::from_pointee((
                (-1, None),
                Arc::new(shipped_calendar()),
            ))),
        };
        handle.refresh(store).await?;
        Ok(handle)
    }

    pub fn get(&self) -> Arc<WorkCalendar> {
        self.current.load().1.clone()
    }

    /// Reloads when the entered days changed; returns whether it did.
    pub async fn refresh(&self, store: &Store) -> Result<bool, AppError> {
        let version = store.calendar_version().await?;
        let known = self.current.load().0;
        if known == version {
            return Ok(false);
        }
        let mut cal = shipped_calendar();
        for (day, kind, name) in store.calendar_days().await? {
            if kind == "workday" {
                cal.add_swapped_working_day(day, name);
            } else {
                cal.add_holiday(day, name);
            }
        }
        self.current.store(Arc::new((version, Arc::new(cal))));
        Ok(true)
    }
}

/// Enters holiday arrangements (next year's, typically) and recounts the due dates of every
/// case whose clock runs. Returns how many cases were recounted.
pub async fn enter_days(
    app: &crate::App,
    actor: &crate::Actor,
    days: &[tongban_store::CalendarDay],
) -> Result<usize, AppError> {
    let cap = actor
        .principal
        .capability(tongban_domain::authz::Permission::ManageCalendar)?;
    if days.is_empty() {
        return Err(AppError::field("days", "required", "请至少输入一天"));
    }
    app.store
        .enter_calendar_days(app.clock.now(), cap.actor(), days)
        .await?;
    app.calendar.refresh(&app.store).await?;
    crate::cases::recount_open_cases(app).await
}
