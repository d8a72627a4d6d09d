//! Paper handovers up the chain: a list written and signed by the sender in one
//! transaction, signed by the receiver once; where each case's paper is.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tongban_domain::audit::AuditEvent;
use tongban_domain::hall::handover::HandoverStatus;

use crate::{Store, StoreError, audit, new_id, parse_ts, ts};

/// A case whose paper is at a unit, for the next list.
#[derive(Debug, Clone)]
pub struct PaperCase {
    pub case_id: String,
    pub case_no: String,
    pub item_name: String,
    pub applicant_name: String,
    /// Names of the materials the case holds (what paper there may be).
    pub materials: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct HandoverRecord {
    pub id: String,
    pub handover_no: String,
    pub from_unit_id: String,
    pub from_name: String,
    pub from_path: String,
    pub to_unit_id: String,
    pub to_name: String,
    pub to_path: String,
    pub status: HandoverStatus,
    pub sent_by_name: String,
    pub sent_at: DateTime<Utc>,
    pub received_by_name: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    /// (case number, the paper materials listed).
    pub items: Vec<(String, String)>,
}

/// Where a case's paper is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaperPlace {
    /// Not handed on: where it was taken in (or nowhere: an online case).
    AtIntake,
    /// On a list not yet signed for: from, to, the list's number.
    OnTheWay(String, String, String),
    /// Signed for at this unit.
    At(String),
}

const SELECT: &str = "SELECT h.id, h.handover_no, h.from_unit_id, f.name AS from_name, \
     f.path AS from_path, h.to_unit_id, t.name AS to_name, t.path AS to_path, h.status, \
     s.name AS sent_by_name, h.sent_at, r.name AS received_by_name, h.received_at \
     FROM paper_handovers h JOIN org_units f ON f.id = h.from_unit_id \
     JOIN org_units t ON t.id = h.to_unit_id JOIN accounts s ON s.id = h.sent_by \
     LEFT JOIN accounts r ON r.id = h.received_by";

impl Store {
    /// Cases whose paper is at `unit_id` now: taken in there and never listed, or signed
    /// for there and not listed on since.
    pub async fn paper_cases_at(&self, unit_id: &str) -> Result<Vec<PaperCase>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, c.case_no, c.item_name, ap.name AS applicant_name FROM cases c \
             JOIN accounts ap ON ap.id = c.applicant_id \
             WHERE c.intake_org_id = $1 AND NOT EXISTS \
               (SELECT 1 FROM paper_handover_items i WHERE i.case_id = c.id) \
             UNION \
             SELECT c.id, c.case_no, c.item_name, ap.name AS applicant_name FROM cases c \
             JOIN accounts ap ON ap.id = c.applicant_id \
             JOIN paper_handover_items i ON i.case_id = c.id \
             JOIN paper_handovers h ON h.id = i.handover_id \
             WHERE h.to_unit_id = $1 AND h.status = 'received' AND NOT EXISTS \
               (SELECT 1 FROM paper_handover_items j JOIN paper_handovers k ON k.id = j.handover_id \
                WHERE j.case_id = c.id AND k.from_unit_id = $1) \
             ORDER BY 2",
        )
        .bind(unit_id)
        .fetch_all(&self.reader)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let case_id: String = r.try_get("id")?;
            let materials: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT name FROM case_materials WHERE case_id = $1 ORDER BY name",
            )
            .bind(&case_id)
            .fetch_all(&self.reader)
            .await?;
            out.push(PaperCase {
                case_id,
                case_no: r.try_get("case_no")?,
                item_name: r.try_get("item_name")?,
                applicant_name: r.try_get("applicant_name")?,
                materials,
            });
        }
        Ok(out)
    }

    /// Writes a list, signed by its sender; `Conflict` when a case is already on the way.
    pub async fn send_handover(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        day: NaiveDate,
        from_unit_id: &str,
        to_unit_id: &str,
        items: &[(String, String)],
    ) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let key = format!("JJ{}", day.format("%Y%m%d"));
        let seq = Self::next_number(&mut tx, &key).await?;
        let no = format!("{key}{seq:04}");
        let id = new_id();
        sqlx::query(
            "INSERT INTO paper_handovers (id, handover_no, from_unit_id, to_unit_id, status, \
             sent_by, sent_at) VALUES ($1, $2, $3, $4, 'sent', $5, $6)",
        )
        .bind(&id)
        .bind(&no)
        .bind(from_unit_id)
        .bind(to_unit_id)
        .bind(actor)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        for (case_id, materials) in items {
            sqlx::query(
                "INSERT INTO paper_handover_items (id, handover_id, case_id, materials, open) \
                 VALUES ($1, $2, $3, $4, 1)",
            )
            .bind(new_id())
            .bind(&id)
            .bind(case_id)
            .bind(materials)
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "paper.send",
                format!("handover:{id}"),
                format!("{no} {} 件", items.len()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(no)
    }

    /// Signs a list as received, once; `Ok(false)` if it was already.
    pub async fn receive_handover(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE paper_handovers SET status = 'received', received_by = $1, received_at = $2 \
             WHERE id = $3 AND status = 'sent'",
        )
        .bind(actor)
        .bind(ts(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE paper_handover_items SET open = 0 WHERE handover_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(actor, "paper.receive", format!("handover:{id}"), ""),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn handover_items(&self, id: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.case_no, i.materials FROM paper_handover_items i JOIN cases c ON c.id = i.case_id \
             WHERE i.handover_id = $1 ORDER BY c.case_no",
        )
        .bind(id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("case_no")?, r.try_get("materials")?)))
            .collect()
    }

    fn handover_from(r: &sqlx::any::AnyRow) -> Result<HandoverRecord, StoreError> {
        let status: String = r.try_get("status")?;
        Ok(HandoverRecord {
            id: r.try_get("id")?,
            handover_no: r.try_get("handover_no")?,
            from_unit_id: r.try_get("from_unit_id")?,
            from_name: r.try_get("from_name")?,
            from_path: r.try_get("from_path")?,
            to_unit_id: r.try_get("to_unit_id")?,
            to_name: r.try_get("to_name")?,
            to_path: r.try_get("to_path")?,
            status: HandoverStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("未知移交状态 {status}")))?,
            sent_by_name: r.try_get("sent_by_name")?,
            sent_at: parse_ts(&r.try_get::<String, _>("sent_at")?)?,
            received_by_name: r.try_get("received_by_name")?,
            received_at: r
                .try_get::<Option<String>, _>("received_at")?
                .map(|s| parse_ts(&s))
                .transpose()?,
            items: Vec::new(),
        })
    }

    pub async fn handover(&self, handover_no: &str) -> Result<HandoverRecord, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE h.handover_no = $1"
        )))
        .bind(handover_no)
        .fetch_optional(&self.writer)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut h = Self::handover_from(&row)?;
        h.items = self.handover_items(&h.id).await?;
        Ok(h)
    }

    /// Lists sent from or to a unit, newest first.
    pub async fn handovers_of(&self, unit_id: &str) -> Result<Vec<HandoverRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE h.from_unit_id = $1 OR h.to_unit_id = $1 ORDER BY h.sent_at DESC LIMIT 100"
        )))
        .bind(unit_id)
        .fetch_all(&self.reader)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let mut h = Self::handover_from(r)?;
            h.items = self.handover_items(&h.id).await?;
            out.push(h);
        }
        Ok(out)
    }

    /// Where a case's paper is (its latest list decides).
    pub async fn paper_place(&self, case_id: &str) -> Result<PaperPlace, StoreError> {
        let row = sqlx::query(
            "SELECT h.status, h.handover_no, f.name AS from_name, t.name AS to_name \
             FROM paper_handover_items i JOIN paper_handovers h ON h.id = i.handover_id \
             JOIN org_units f ON f.id = h.from_unit_id JOIN org_units t ON t.id = h.to_unit_id \
             WHERE i.case_id = $1 ORDER BY h.sent_at DESC LIMIT 1",
        )
        .bind(case_id)
        .fetch_optional(&self.reader)
        .await?;
        let Some(r) = row else {
            return Ok(PaperPlace::AtIntake);
        };
        let status: String = r.try_get("status")?;
        Ok(if status == "sent" {
            PaperPlace::OnTheWay(
                r.try_get("from_name")?,
                r.try_get("to_name")?,
                r.try_get("handover_no")?,
            )
        } else {
            PaperPlace::At(r.try_get("to_name")?)
        })
    }
}
