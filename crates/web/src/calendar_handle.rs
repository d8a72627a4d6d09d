//! The working-day calendar as this instance holds it: the shipped arrangements plus those
//! entered through the platform, reloaded when the entered days change (here at once, on
//! other instances within seconds).

use std::sync::{Arc, RwLock};

use tongban_domain::calendar::{WorkCalendar, shipped_calendar};
use tongban_store::Store;

use crate::WebError;

type Version = (i64, Option<chrono::DateTime<chrono::Utc>>);

#[derive(Clone)]
pub struct CalendarHandle {
    current: Arc<RwLock<(Version, Arc<WorkCalendar>)>>,
}

impl CalendarHandle {
    pub async fn load(store: &Store) -> Result<Self, WebError> {
        let handle = CalendarHandle {
            current: Arc::new(RwLock::new(((-1, None), Arc::new(shipped_calendar())))),
        };
        handle.refresh(store).await?;
        Ok(handle)
    }

    pub fn get(&self) -> Arc<WorkCalendar> {
        self.current
            .read()
            .map(|g| g.1.clone())
            .unwrap_or_else(|p| p.into_inner().1.clone())
    }

    /// Reloads when the entered days changed; returns whether it did.
    pub async fn refresh(&self, store: &Store) -> Result<bool, WebError> {
        let version = store.calendar_version().await?;
        let known = self
            .current
            .read()
            .map(|g| g.0)
            .unwrap_or_else(|p| p.into_inner().0);
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
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        *guard = (version, Arc::new(cal));
        Ok(true)
    }
}
