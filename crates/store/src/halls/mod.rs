//! A hall's day (issue 16): one hall with its hours and windows, its closures and booking
//! capacities, who is on duty at a window; the queue (`queue.rs`) and bookings
//! (`appointments.rs`).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tongban_domain::audit::AuditEvent;
use tongban_domain::org::WindowKind;

use crate::org::{Hall, Window};
use crate::{Store, StoreError, audit, ts};

mod agents;
mod appointments;
mod handovers;
mod help;
mod queue;
mod staff;

pub use agents::AgentRecord;
pub use appointments::{AppointmentRecord, NewAppointment};
pub use handovers::{HandoverRecord, PaperCase, PaperPlace};
pub use help::{HelpChange, HelpRecord, NewHelpRequest};
pub use queue::{BoardCall, CallOutcome, NewQueueTicket, QueueChange, QueueTicket};

/// A window with the hall it belongs to.
#[derive(Debug, Clone)]
pub struct WindowPlace {
    pub window: Window,
    pub hall_id: String,
    pub hall_name: String,
    pub org_path: String,
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Store {
    /// One hall with its hours and windows (three indexed reads: the hall's screen asks
    /// for it on every refresh).
    pub async fn hall(&self, hall_id: &str) -> Result<Hall, StoreError> {
        let row = sqlx::query(
            "SELECT h.id, h.org_unit_id, o.name AS org_name, o.path AS org_path, h.name, h.kind, \
             h.address, h.phone, h.latitude, h.longitude FROM service_halls h \
             JOIN org_units o ON o.id = h.org_unit_id WHERE h.id = $1",
        )
        .bind(hall_id)
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)?;
        let kind: String = row.try_get("kind")?;
        let hours = sqlx::query(
            "SELECT weekdays, opens, closes, kind, note FROM hall_hours WHERE hall_id = $1 \
             ORDER BY weekdays, opens",
        )
        .bind(hall_id)
        .fetch_all(&self.reader)
        .await?;
        let windows = sqlx::query(
            "SELECT id, number, name, kind FROM windows WHERE hall_id = $1 ORDER BY number",
        )
        .bind(hall_id)
        .fetch_all(&self.reader)
        .await?;
        Ok(Hall {
            id: row.try_get("id")?,
            org_unit_id: row.try_get("org_unit_id")?,
            org_name: row.try_get("org_name")?,
            org_path: row.try_get("org_path")?,
            name: row.try_get("name")?,
            kind: tongban_domain::org::HallKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("未知大厅类型 {kind}")))?,
            address: row.try_get("address")?,
            phone: row.try_get("phone")?,
            hours: hours
                .iter()
                .map(crate::org::period_from)
                .collect::<Result<_, _>>()?,
            windows: windows
                .iter()
                .map(crate::org::window_from)
                .collect::<Result<_, _>>()?,
            position: crate::org::position_from(&row)?,
        })
    }

    /// The bureau's edit of a hall's address, phone and map position.
    pub async fn update_hall_contact(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        hall_id: &str,
        c: &tongban_domain::hall::edit::HallContact,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE service_halls SET address = $1, phone = $2, latitude = $3, longitude = $4 \
             WHERE id = $5",
        )
        .bind(&c.address)
        .bind(&c.phone)
        .bind(c.position.map(|p| p.0.to_string()))
        .bind(c.position.map(|p| p.1.to_string()))
        .bind(hall_id)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(actor, "hall.contact", format!("hall:{hall_id}"), &c.address),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a weekly period (regular, 延时 or 错时) to a hall.
    pub async fn add_hall_period(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        hall_id: &str,
        p: &tongban_domain::org::OpeningPeriod,
        note: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO hall_hours (id, hall_id, weekdays, opens, closes, kind, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(crate::new_id())
        .bind(hall_id)
        .bind(tongban_domain::org::format_weekdays(&p.weekdays))
        .bind(p.opens.format("%H:%M").to_string())
        .bind(p.closes.format("%H:%M").to_string())
        .bind(p.kind.as_str())
        .bind(note)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "hall.hours_add",
                format!("hall:{hall_id}"),
                format!("{} {}", p.weekdays_label(), p.hours_label()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a hall's period equal to `p`; `Ok(false)` if there was none.
    pub async fn remove_hall_period(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        hall_id: &str,
        p: &tongban_domain::org::OpeningPeriod,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "DELETE FROM hall_hours WHERE hall_id = $1 AND weekdays = $2 AND opens = $3 \
             AND closes = $4 AND kind = $5",
        )
        .bind(hall_id)
        .bind(tongban_domain::org::format_weekdays(&p.weekdays))
        .bind(p.opens.format("%H:%M").to_string())
        .bind(p.closes.format("%H:%M").to_string())
        .bind(p.kind.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "hall.hours_remove",
                format!("hall:{hall_id}"),
                format!("{} {}", p.weekdays_label(), p.hours_label()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Opens a new window at a hall.
    pub async fn add_window(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        hall_id: &str,
        number: &str,
        kind: WindowKind,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO windows (id, hall_id, number, name, kind) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(crate::new_id())
        .bind(hall_id)
        .bind(number)
        .bind(format!("{number} 号{}", kind.label()))
        .bind(kind.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(actor, "hall.window_add", format!("hall:{hall_id}"), number),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A window and its hall.
    pub async fn window_place(&self, window_id: &str) -> Result<WindowPlace, StoreError> {
        let row = sqlx::query(
            "SELECT w.id, w.number, w.name, w.kind, h.id AS hall_id, h.name AS hall_name, \
             o.path FROM windows w JOIN service_halls h ON h.id = w.hall_id \
             JOIN org_units o ON o.id = h.org_unit_id WHERE w.id = $1",
        )
        .bind(window_id)
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)?;
        let kind: String = row.try_get("kind")?;
        Ok(WindowPlace {
            window: Window {
                id: row.try_get("id")?,
                number: row.try_get("number")?,
                name: row.try_get("name")?,
                kind: WindowKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("未知窗口类型 {kind}")))?,
            },
            hall_id: row.try_get("hall_id")?,
            hall_name: row.try_get("hall_name")?,
            org_path: row.try_get("path")?,
        })
    }

    /// The hall's closures from `from` on, in date order.
    pub async fn hall_closures(
        &self,
        hall_id: &str,
        from: NaiveDate,
    ) -> Result<Vec<(NaiveDate, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT day, reason FROM hall_closures WHERE hall_id = $1 AND day >= $2 ORDER BY day",
        )
        .bind(hall_id)
        .bind(day(from))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let d: String = r.try_get("day")?;
                Ok((
                    NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                        .map_err(|e| StoreError::Corrupt(format!("{d}: {e}")))?,
                    r.try_get("reason")?,
                ))
            })
            .collect()
    }

    /// Closes a hall for a day (a repeated day replaces its reason).
    pub async fn set_hall_closure(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        hall_id: &str,
        on: NaiveDate,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM hall_closures WHERE hall_id = $1 AND day = $2")
            .bind(hall_id)
            .bind(day(on))
            .execute(&mut *tx)
            .await?;
        if let Some(reason) = reason {
            sqlx::query("INSERT INTO hall_closures (hall_id, day, reason) VALUES ($1, $2, $3)")
                .bind(hall_id)
                .bind(day(on))
                .bind(reason)
                .execute(&mut *tx)
                .await?;
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                if reason.is_some() {
                    "hall.close_day"
                } else {
                    "hall.reopen_day"
                },
                format!("hall:{hall_id}"),
                format!("{} {}", day(on), reason.unwrap_or("")),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The bookings per half-hour the bureau set for a hall's window kinds.
    pub async fn hall_capacity(&self, hall_id: &str) -> Result<Vec<(WindowKind, i64)>, StoreError> {
        let rows =
            sqlx::query("SELECT window_kind, per_slot FROM hall_capacity WHERE hall_id = $1")
                .bind(hall_id)
                .fetch_all(&self.reader)
                .await?;
        rows.iter()
            .map(|r| {
                let k: String = r.try_get("window_kind")?;
                Ok((
                    WindowKind::parse(&k)
                        .ok_or_else(|| StoreError::Corrupt(format!("未知窗口类型 {k}")))?,
                    r.try_get("per_slot")?,
                ))
            })
            .collect()
    }

    pub async fn set_hall_capacity(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        hall_id: &str,
        kind: WindowKind,
        per_slot: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO hall_capacity (hall_id, window_kind, per_slot) VALUES ($1, $2, $3) \
             ON CONFLICT (hall_id, window_kind) DO UPDATE SET per_slot = $3",
        )
        .bind(hall_id)
        .bind(kind.as_str())
        .bind(per_slot)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "hall.capacity",
                format!("hall:{hall_id}"),
                format!("{} {per_slot}", kind.as_str()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts `account_id` on duty at a window (replacing whoever was).
    pub async fn take_window_duty(
        &self,
        now: DateTime<Utc>,
        window_id: &str,
        account_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO window_duty (window_id, account_id, since) VALUES ($1, $2, $3) \
             ON CONFLICT (window_id) DO UPDATE SET account_id = $2, since = $3",
        )
        .bind(window_id)
        .bind(account_id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(account_id, "window.duty", format!("window:{window_id}"), ""),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The window `account_id` is on duty at, if any.
    pub async fn duty_window_of(&self, account_id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT window_id FROM window_duty WHERE account_id = $1 ORDER BY since DESC LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&self.reader)
        .await?)
    }
}
