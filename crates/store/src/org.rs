//! Storage of the organisation: units, halls, opening hours and windows.

use chrono::{DateTime, NaiveTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use tongban_domain::audit::AuditEvent;
use tongban_domain::org::{
    HallKind, HoursKind, OpeningPeriod, OrgKind, OrgUnit, WindowKind, format_weekdays,
    parse_weekdays,
};

use crate::{Store, StoreError, audit, new_id};

/// A unit to add under `parent_code` (or as the root).
#[derive(Debug, Clone)]
pub struct NewOrgUnit {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_code: Option<String>,
    pub credit_code: Option<String>,
    pub sort: i64,
}

#[derive(Debug, Clone)]
pub struct NewWindow {
    pub number: String,
    pub name: String,
    pub kind: WindowKind,
}

#[derive(Debug, Clone)]
pub struct NewHall {
    pub org_code: String,
    pub name: String,
    pub kind: HallKind,
    pub address: String,
    pub phone: String,
    pub hours: Vec<(OpeningPeriod, String)>,
    pub windows: Vec<NewWindow>,
    pub sort: i64,
}

/// A hall with its hours and windows, as shown to the public.
#[derive(Debug, Clone)]
pub struct Hall {
    pub id: String,
    pub org_unit_id: String,
    pub org_name: String,
    pub org_path: String,
    pub name: String,
    pub kind: HallKind,
    pub address: String,
    pub phone: String,
    /// Each period with its note (e.g. 夏季 / 冬季).
    pub hours: Vec<(OpeningPeriod, String)>,
    pub windows: Vec<Window>,
    /// Latitude and longitude (WGS-84), where the bureau entered them.
    pub position: Option<(f64, f64)>,
}

/// A hall's position from its two text columns.
pub(crate) fn position_from(row: &AnyRow) -> Result<Option<(f64, f64)>, StoreError> {
    let la: Option<String> = row.try_get("latitude")?;
    let lo: Option<String> = row.try_get("longitude")?;
    Ok(match (la, lo) {
        (Some(a), Some(b)) => a.parse().ok().zip(b.parse().ok()),
        _ => None,
    })
}

#[derive(Debug, Clone)]
pub struct Window {
    pub id: String,
    pub number: String,
    pub name: String,
    pub kind: WindowKind,
}

const ORG_COLUMNS: &str = "id, code, name, kind, parent_id, path, credit_code";

fn org_from(row: &AnyRow) -> Result<OrgUnit, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(OrgUnit {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: OrgKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("未知机构类型 {kind}")))?,
        parent_id: row.try_get("parent_id")?,
        path: row.try_get("path")?,
        credit_code: row.try_get("credit_code")?,
    })
}

/// One row of `hall_hours` with its note.
pub(crate) fn period_from(row: &AnyRow) -> Result<(OpeningPeriod, String), StoreError> {
    let wd: String = row.try_get("weekdays")?;
    let kind: String = row.try_get("kind")?;
    Ok((
        OpeningPeriod {
            weekdays: parse_weekdays(&wd)
                .ok_or_else(|| StoreError::Corrupt(format!("工作日格式错误 {wd}")))?,
            opens: time(&row.try_get::<String, _>("opens")?)?,
            closes: time(&row.try_get::<String, _>("closes")?)?,
            kind: HoursKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("未知时段类型 {kind}")))?,
        },
        row.try_get("note")?,
    ))
}

/// One row of `windows`.
pub(crate) fn window_from(row: &AnyRow) -> Result<Window, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(Window {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        name: row.try_get("name")?,
        kind: WindowKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("未知窗口类型 {kind}")))?,
    })
}

fn time(s: &str) -> Result<NaiveTime, StoreError> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|e| StoreError::Corrupt(format!("{s}: {e}")))
}

impl Store {
    /// Adds units in order (parents before children) in one transaction with one audit row.
    pub async fn add_org_units(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        units: &[NewOrgUnit],
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        for u in units {
            let (parent_id, path) = match &u.parent_code {
                Some(pc) => {
                    let row = sqlx::query("SELECT id, path FROM org_units WHERE code = $1")
                        .bind(pc)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::Config(format!("上级机构 {pc} 不存在")))?;
                    let pid: String = row.try_get("id")?;
                    let ppath: String = row.try_get("path")?;
                    (Some(pid), format!("{ppath}/{}", u.code))
                }
                None => (None, u.code.clone()),
            };
            sqlx::query(
                "INSERT INTO org_units (id, code, name, kind, parent_id, path, credit_code, sort) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(new_id())
            .bind(&u.code)
            .bind(&u.name)
            .bind(u.kind.as_str())
            .bind(parent_id)
            .bind(path)
            .bind(&u.credit_code)
            .bind(u.sort)
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "org.add_units",
                "org",
                format!("{} 个机构", units.len()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(units.len())
    }

    pub async fn org_unit_by_code(&self, code: &str) -> Result<OrgUnit, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM org_units WHERE code = $1"
        )))
        .bind(code)
        .fetch_one(&self.reader)
        .await?;
        org_from(&row)
    }

    pub async fn org_unit(&self, id: &str) -> Result<OrgUnit, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM org_units WHERE id = $1"
        )))
        .bind(id)
        .fetch_one(&self.reader)
        .await?;
        org_from(&row)
    }

    /// Units in tree order, limited to those within `scope` when given.
    pub async fn list_org_units(
        &self,
        scope: &tongban_domain::authz::Scope,
    ) -> Result<Vec<OrgUnit>, StoreError> {
        use tongban_domain::authz::Scope;
        let rows = match scope {
            Scope::Nothing => return Ok(Vec::new()),
            Scope::Within(root) => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {ORG_COLUMNS} FROM org_units WHERE path = $1 OR path LIKE $2 \
                     ORDER BY path, sort"
                )))
                .bind(root)
                .bind(format!("{root}/%"))
                .fetch_all(&self.reader)
                .await?
            }
            Scope::All => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {ORG_COLUMNS} FROM org_units ORDER BY sort, path"
                )))
                .fetch_all(&self.reader)
                .await?
            }
        };
        rows.iter().map(org_from).collect()
    }

    /// Adds a hall with its hours and windows.
    pub async fn add_hall(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        hall: &NewHall,
    ) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let org_id: String = sqlx::query_scalar("SELECT id FROM org_units WHERE code = $1")
            .bind(&hall.org_code)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Config(format!("机构 {} 不存在", hall.org_code)))?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO service_halls (id, org_unit_id, name, kind, address, phone, sort) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(&org_id)
        .bind(&hall.name)
        .bind(hall.kind.as_str())
        .bind(&hall.address)
        .bind(&hall.phone)
        .bind(hall.sort)
        .execute(&mut *tx)
        .await?;
        for (p, note) in &hall.hours {
            sqlx::query(
                "INSERT INTO hall_hours (id, hall_id, weekdays, opens, closes, kind, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(new_id())
            .bind(&id)
            .bind(format_weekdays(&p.weekdays))
            .bind(p.opens.format("%H:%M").to_string())
            .bind(p.closes.format("%H:%M").to_string())
            .bind(p.kind.as_str())
            .bind(note)
            .execute(&mut *tx)
            .await?;
        }
        for w in &hall.windows {
            sqlx::query(
                "INSERT INTO windows (id, hall_id, number, name, kind) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(new_id())
            .bind(&id)
            .bind(&w.number)
            .bind(&w.name)
            .bind(w.kind.as_str())
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(actor, "hall.add", format!("hall:{id}"), &hall.name),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every hall's id and name, in the order `list_halls` gives them (for a filter's
    /// choices, without the hours and windows).
    pub async fn hall_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT h.id, h.name FROM service_halls h JOIN org_units o ON o.id = h.org_unit_id \
             ORDER BY h.sort, o.path",
        )
        .fetch_all(&self.reader)
        .await?)
    }

    /// Halls with hours and windows; `kinds` limits which kinds (empty = all), `scope`
    /// limits to halls of units within that path.
    pub async fn list_halls(
        &self,
        kinds: &[HallKind],
        scope: &tongban_domain::authz::Scope,
    ) -> Result<Vec<Hall>, StoreError> {
        let Some(scope) = crate::scope_args(scope) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT h.id, h.org_unit_id, o.name AS org_name, o.path AS org_path, h.name, h.kind, \
             h.address, h.phone, h.latitude, h.longitude FROM service_halls h \
             JOIN org_units o ON o.id = h.org_unit_id WHERE {} ORDER BY h.sort, o.path",
            crate::IN_SCOPE
        )))
        .bind(scope.0)
        .bind(scope.1)
        .fetch_all(&self.reader)
        .await?;
        let mut halls = Vec::new();
        for row in rows {
            let kind_s: String = row.try_get("kind")?;
            let kind = HallKind::parse(&kind_s)
                .ok_or_else(|| StoreError::Corrupt(format!("未知大厅类型 {kind_s}")))?;
            if !kinds.is_empty() && !kinds.contains(&kind) {
                continue;
            }
            halls.push(Hall {
                id: row.try_get("id")?,
                org_unit_id: row.try_get("org_unit_id")?,
                org_name: row.try_get("org_name")?,
                org_path: row.try_get("org_path")?,
                name: row.try_get("name")?,
                kind,
                address: row.try_get("address")?,
                phone: row.try_get("phone")?,
                hours: Vec::new(),
                windows: Vec::new(),
                position: position_from(&row)?,
            });
        }
        // Two queries for all hours and windows rather than two per hall.
        let hours = sqlx::query("SELECT hall_id, weekdays, opens, closes, kind, note FROM hall_hours ORDER BY hall_id, weekdays, opens")
            .fetch_all(&self.reader)
            .await?;
        for row in hours {
            let hall_id: String = row.try_get("hall_id")?;
            if let Some(h) = halls.iter_mut().find(|h| h.id == hall_id) {
                h.hours.push(period_from(&row)?);
            }
        }
        let windows = sqlx::query(
            "SELECT id, hall_id, number, name, kind FROM windows ORDER BY hall_id, number",
        )
        .fetch_all(&self.reader)
        .await?;
        for row in windows {
            let hall_id: String = row.try_get("hall_id")?;
            if let Some(h) = halls.iter_mut().find(|h| h.id == hall_id) {
                h.windows.push(window_from(&row)?);
            }
        }
        Ok(halls)
    }
}
