//! Bookings: each booked place counted per slot by one guarded upsert (two instances cannot
//! overbook a slot), cancelled and no-show bookings recorded, never deleted.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::Row;
use tongban_domain::audit::AuditEvent;
use tongban_domain::hall::appointment::BookingStatus;
use tongban_domain::org::WindowKind;

use super::day;
use crate::{Store, StoreError, audit, outbox, parse_ts, ts};

#[derive(Debug, Clone)]
pub struct NewAppointment {
    pub id: String,
    pub code: String,
    pub hall_id: String,
    pub kind: WindowKind,
    pub implementation_code: Option<String>,
    pub account_id: String,
    pub day: NaiveDate,
    pub slot: NaiveTime,
    pub slot_ends: NaiveTime,
    pub capacity: i64,
    /// The confirmation message: subject and text.
    pub confirmation: (String, String),
}

#[derive(Debug, Clone)]
pub struct AppointmentRecord {
    pub id: String,
    pub code: String,
    pub hall_id: String,
    pub hall_name: String,
    pub kind: WindowKind,
    pub implementation_code: Option<String>,
    pub account_id: String,
    pub day: NaiveDate,
    pub slot: NaiveTime,
    pub slot_ends: NaiveTime,
    pub status: BookingStatus,
    pub booked_at: DateTime<Utc>,
    pub ticket_id: Option<String>,
}

const SELECT: &str = "SELECT a.id, a.code, a.hall_id, h.name AS hall_name, a.window_kind, \
     a.implementation_code, a.account_id, a.day, a.slot, a.slot_ends, a.status, a.booked_at, \
     a.ticket_id FROM appointments a JOIN service_halls h ON h.id = a.hall_id";

fn hm(s: &str) -> Result<NaiveTime, StoreError> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|e| StoreError::Corrupt(format!("{s}: {e}")))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<AppointmentRecord, StoreError> {
    let kind: String = r.try_get("window_kind")?;
    let status: String = r.try_get("status")?;
    let d: String = r.try_get("day")?;
    Ok(AppointmentRecord {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        hall_id: r.try_get("hall_id")?,
        hall_name: r.try_get("hall_name")?,
        kind: WindowKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("未知窗口类型 {kind}")))?,
        implementation_code: r.try_get("implementation_code")?,
        account_id: r.try_get("account_id")?,
        day: NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|e| StoreError::Corrupt(format!("{d}: {e}")))?,
        slot: hm(&r.try_get::<String, _>("slot")?)?,
        slot_ends: hm(&r.try_get::<String, _>("slot_ends")?)?,
        status: BookingStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("未知预约状态 {status}")))?,
        booked_at: parse_ts(&r.try_get::<String, _>("booked_at")?)?,
        ticket_id: r.try_get("ticket_id")?,
    })
}

impl Store {
    /// Books a place; `Conflict("slot_full")` when the slot filled meanwhile,
    /// `Conflict("appointments.code")` when the code is taken (draw another).
    pub async fn book_appointment(
        &self,
        now: DateTime<Utc>,
        a: &NewAppointment,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let slot = a.slot.format("%H:%M").to_string();
        let counted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO appointment_counts (hall_id, window_kind, day, slot, booked) \
             VALUES ($1, $2, $3, $4, 1) ON CONFLICT (hall_id, window_kind, day, slot) \
             DO UPDATE SET booked = appointment_counts.booked + 1 \
             WHERE appointment_counts.booked < $5 RETURNING booked",
        )
        .bind(&a.hall_id)
        .bind(a.kind.as_str())
        .bind(day(a.day))
        .bind(&slot)
        .bind(a.capacity)
        .fetch_optional(&mut *tx)
        .await?;
        if counted.is_none_or(|n| n > a.capacity) {
            return Err(StoreError::Conflict("slot_full".into()));
        }
        sqlx::query(
            "INSERT INTO appointments (id, code, hall_id, window_kind, implementation_code, \
             account_id, day, slot, slot_ends, status, booked_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'booked', $10, $10)",
        )
        .bind(&a.id)
        .bind(&a.code)
        .bind(&a.hall_id)
        .bind(a.kind.as_str())
        .bind(&a.implementation_code)
        .bind(&a.account_id)
        .bind(day(a.day))
        .bind(&slot)
        .bind(a.slot_ends.format("%H:%M").to_string())
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        outbox::enqueue(
            &mut tx,
            now,
            "appointment.booked",
            &a.account_id,
            &a.confirmation.0,
            &a.confirmation.1,
            "/me/appointments",
            &format!("appointment:{}:booked", a.id),
        )
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                &a.account_id,
                "appointment.book",
                format!("appointment:{}", a.id),
                format!("{} {slot}", day(a.day)),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn appointment(&self, id: &str) -> Result<AppointmentRecord, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.id = $1")))
            .bind(id)
            .fetch_optional(&self.writer)
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    pub async fn appointment_by_code(&self, code: &str) -> Result<AppointmentRecord, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.code = $1")))
            .bind(code)
            .fetch_optional(&self.writer)
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// Someone's bookings from `from` on, soonest first.
    pub async fn appointments_of(
        &self,
        account_id: &str,
        from: NaiveDate,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE a.account_id = $1 AND a.day >= $2 ORDER BY a.day, a.slot"
        )))
        .bind(account_id)
        .bind(day(from))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Active bookings a person holds at a hall on a day.
    pub async fn bookings_held(
        &self,
        account_id: &str,
        hall_id: &str,
        on: NaiveDate,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM appointments WHERE account_id = $1 AND hall_id = $2 \
             AND day = $3 AND status = 'booked'",
        )
        .bind(account_id)
        .bind(hall_id)
        .bind(day(on))
        .fetch_one(&self.reader)
        .await?)
    }

    /// Whether a person already holds a booking of this slot and kind.
    pub async fn holds_slot(
        &self,
        account_id: &str,
        hall_id: &str,
        on: NaiveDate,
        slot: NaiveTime,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM appointments WHERE account_id = $1 AND hall_id = $2 \
             AND day = $3 AND slot = $4 AND status = 'booked'",
        )
        .bind(account_id)
        .bind(hall_id)
        .bind(day(on))
        .bind(slot.format("%H:%M").to_string())
        .fetch_one(&self.reader)
        .await?;
        Ok(n > 0)
    }

    /// Booked places per (kind, slot) of a hall's day.
    pub async fn slot_counts(
        &self,
        hall_id: &str,
        on: NaiveDate,
    ) -> Result<Vec<(WindowKind, NaiveTime, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT window_kind, slot, booked FROM appointment_counts \
             WHERE hall_id = $1 AND day = $2",
        )
        .bind(hall_id)
        .bind(day(on))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("window_kind")?;
                Ok((
                    WindowKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("未知窗口类型 {kind}")))?,
                    hm(&r.try_get::<String, _>("slot")?)?,
                    r.try_get("booked")?,
                ))
            })
            .collect()
    }

    /// Cancels a booking still booked, freeing its place; `Ok(false)` if it was not.
    pub async fn cancel_appointment(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        a: &AppointmentRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE appointments SET status = 'cancelled', updated_at = $1 \
             WHERE id = $2 AND status = 'booked'",
        )
        .bind(ts(now))
        .bind(&a.id)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE appointment_counts SET booked = booked - 1 WHERE hall_id = $1 \
             AND window_kind = $2 AND day = $3 AND slot = $4 AND booked > 0",
        )
        .bind(&a.hall_id)
        .bind(a.kind.as_str())
        .bind(day(a.day))
        .bind(a.slot.format("%H:%M").to_string())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "appointment.cancel",
                format!("appointment:{}", a.id),
                "",
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Enqueues a reminder for every booking of `on` still booked (once each: the dedupe
    /// key), returning how many bookings there were.
    pub async fn remind_bookings(
        &self,
        now: DateTime<Utc>,
        on: NaiveDate,
    ) -> Result<u64, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE a.day = $1 AND a.status = 'booked'"
        )))
        .bind(day(on))
        .fetch_all(&self.reader)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let bookings = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        let mut tx = self.begin_write().await?;
        for a in &bookings {
            outbox::enqueue(
                &mut tx,
                now,
                "appointment.reminder",
                &a.account_id,
                "预约提醒",
                &format!(
                    "您预约了{} {} {}–{}（{}），预约号 {}。不能来请在“我的预约”中取消。",
                    a.hall_name,
                    a.day.format("%m月%d日"),
                    a.slot.format("%H:%M"),
                    a.slot_ends.format("%H:%M"),
                    a.kind.label(),
                    a.code
                ),
                "/me/appointments",
                &format!("appointment:{}:reminder", a.id),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(bookings.len() as u64)
    }

    /// Records as no-show every booking whose slot ended before `local` (district day and
    /// time) without an arrival. No penalty follows; the count is for the hall's planning.
    pub async fn record_no_shows(
        &self,
        now: DateTime<Utc>,
        today: NaiveDate,
        local_time: NaiveTime,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE appointments SET status = 'no_show', updated_at = $1 WHERE status = 'booked' \
             AND (day < $2 OR (day = $2 AND slot_ends <= $3))",
        )
        .bind(ts(now))
        .bind(day(today))
        .bind(local_time.format("%H:%M").to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            audit::append(
                &mut tx,
                now,
                AuditEvent::new(
                    "system",
                    "appointment.no_show",
                    "appointments",
                    n.to_string(),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}
