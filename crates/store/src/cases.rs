//! Storage of cases. A submission, its materials, its first timeline entry and its audit
//! row are written in one transaction: a case that was acknowledged is whole on disk, and a
//! case that was not is not there at all.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::FromRow;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tongban_domain::audit::AuditEvent;
use tongban_domain::case::{CaseStatus, Progress, case_number};

use crate::{Store, StoreError, audit, new_id, parse_ts, ts};

/// A material as submitted, already checked by the domain.
#[derive(Debug, Clone)]
pub struct NewMaterial {
    pub name: String,
    pub filename: String,
    pub content_type: String,
    pub sha256: String,
    pub content: Vec<u8>,
    /// 免提交: the identifier of the held licence that stands for this material.
    pub waived_by: Option<String>,
}

/// An application to record.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub implementation_code: String,
    pub item_version_id: String,
    pub item_name: String,
    /// The handling unit's code.
    pub org_code: String,
    pub applicant_id: String,
    pub situation: String,
    /// The item's form fields as JSON.
    pub form: String,
    pub status: tongban_domain::case::CaseStatus,
    /// `online` or `window`.
    pub channel: String,
    /// The window clerk who took the application (首问责任); `None` online.
    pub first_responder: Option<String>,
    /// The unit of that clerk, where the case was taken in; `None` online.
    pub intake_org_id: Option<String>,
    /// 帮办代办 as JSON (who acted for whom, with consent); empty when the applicant acted.
    pub assistance: String,
    /// The domain's `Progress` at submission (e.g. the commitment signed).
    pub progress: Progress,
    pub idempotency_key: Option<String>,
    pub submitted_on: NaiveDate,
    pub statutory_due: NaiveDate,
    pub promised_due: NaiveDate,
    pub materials: Vec<NewMaterial>,
    /// A bundle's member: the applicant is told of the submission once, by the bundle.
    pub told_by_bundle: bool,
}

#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub id: String,
    pub case_no: String,
    pub implementation_code: String,
    /// The implementation list's version the case was filed under.
    pub item_version_id: String,
    pub item_name: String,
    pub org_unit_id: String,
    pub org_name: String,
    pub org_path: String,
    /// The handling unit's code and credit code, which its licences are sealed and numbered
    /// by.
    pub org_code: String,
    pub org_credit_code: Option<String>,
    pub applicant_id: String,
    /// The applicant's name and ID number (or credit code), for staff lists (masked there).
    pub applicant_name: String,
    pub applicant_login: String,
    pub applicant_kind: tongban_domain::account::AccountKind,
    pub situation: String,
    pub form: String,
    pub status: tongban_domain::case::CaseStatus,
    pub channel: String,
    pub submitted_at: DateTime<Utc>,
    pub statutory_due: NaiveDate,
    pub promised_due: NaiveDate,
    pub first_responder: Option<String>,
    /// The path and name of the unit where the case was taken in at a window; `None`
    /// online.
    pub intake_path: Option<String>,
    pub intake_name: Option<String>,
    pub assistance: String,
    pub progress: Progress,
    /// When materials owed under 容缺受理 are due, while any are owed.
    pub deficiency_due: Option<NaiveDate>,
    /// When the open commitment verification is due, while one is open.
    pub verification_due: Option<NaiveDate>,
}

/// One unit's line in the time-limit follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineCount {
    pub org_name: String,
    pub open: i64,
    pub due_soon: i64,
    pub overdue: i64,
}

/// A follow-up a case may wait on after its decision or acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// 容缺受理: materials owed by `deficiency_due`.
    DeficiencyOwed,
    /// 告知承诺核查: a verification due by `verification_due`.
    Verification,
}

/// One recorded step of a case: the transition the domain allowed and what it changed.
#[derive(Debug, Clone)]
pub struct CaseChange {
    pub actor: String,
    pub case_id: String,
    pub from: CaseStatus,
    pub to: CaseStatus,
    /// The progress the decision was taken on; the change is refused if it moved since.
    pub from_progress: Progress,
    /// The action's name, e.g. `accept`.
    pub action: String,
    /// The action as JSON, for the timeline.
    pub detail: String,
    pub progress: Progress,
    /// New statutory and promised due dates, when the action starts the clock.
    pub dues: Option<(NaiveDate, NaiveDate)>,
    pub deficiency_due: Option<NaiveDate>,
    pub verification_due: Option<NaiveDate>,
    /// Materials supplied with the action, stored in the same transaction.
    pub materials: Vec<NewMaterial>,
    /// A licence issued by this step (谁办理、谁入库), stored in the same transaction.
    pub licence: Option<crate::NewLicence>,
    /// Licences issued on the case to revoke with this step, and why (a revoked result).
    pub revoke_licences: Option<String>,
    /// What the applicant is told of the step, through the outbox.
    pub notification: tongban_domain::case::Notification,
    /// A breach of the one-time-notice rule this step commits (a later notice asking for
    /// something the first did not, and not supplied since), recorded beside it and counted.
    pub notice_breach: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseEvent {
    #[sqlx(try_from = "crate::DbTime")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub status_after: String,
    pub detail: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MaterialRecord {
    pub id: String,
    pub name: String,
    pub filename: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub waived_by: Option<String>,
    #[sqlx(try_from = "crate::DbTime")]
    pub added_at: DateTime<Utc>,
    /// The desk's check, and what is wrong when it failed.
    #[sqlx(rename = "check_status", try_from = "String")]
    pub check: tongban_domain::case::MaterialCheck,
    pub check_note: String,
}

const CASE_SELECT: &str = "SELECT c.id, c.case_no, c.implementation_code, c.item_version_id, c.item_name, \
     c.org_unit_id, o.name AS org_name, o.path AS org_path, o.code AS org_code, \
     o.credit_code AS org_credit_code, c.applicant_id, c.situation, c.form, \
     c.status, c.channel, c.submitted_at, c.statutory_due, c.promised_due, c.first_responder, \
     c.assistance, c.progress, c.deficiency_due, c.verification_due, io.path AS intake_path, \
     io.name AS intake_name, ap.name AS applicant_name, ap.login AS applicant_login, \
     ap.kind AS applicant_kind \
     FROM cases c JOIN org_units o ON o.id = c.org_unit_id \
     JOIN accounts ap ON ap.id = c.applicant_id \
     LEFT JOIN org_units io ON io.id = c.intake_org_id";

fn case_from(row: &AnyRow) -> Result<CaseRecord, StoreError> {
    Ok(CaseRecord {
        id: row.try_get("id")?,
        case_no: row.try_get("case_no")?,
        implementation_code: row.try_get("implementation_code")?,
        item_version_id: row.try_get("item_version_id")?,
        item_name: row.try_get("item_name")?,
        org_unit_id: row.try_get("org_unit_id")?,
        org_name: row.try_get("org_name")?,
        org_path: row.try_get("org_path")?,
        org_code: row.try_get("org_code")?,
        org_credit_code: row.try_get("org_credit_code")?,
        applicant_id: row.try_get("applicant_id")?,
        applicant_kind: crate::accounts::kind_from(&row.try_get::<String, _>("applicant_kind")?)?,
        situation: row.try_get("situation")?,
        form: row.try_get("form")?,
        status: {
            let s: String = row.try_get("status")?;
            tongban_domain::case::CaseStatus::parse(&s).ok_or(StoreError::Corrupt(s))?
        },
        channel: row.try_get("channel")?,
        submitted_at: parse_ts(&row.try_get::<String, _>("submitted_at")?)?,
        statutory_due: parse_day(&row.try_get::<String, _>("statutory_due")?)?,
        promised_due: parse_day(&row.try_get::<String, _>("promised_due")?)?,
        first_responder: row.try_get("first_responder")?,
        intake_path: row.try_get("intake_path")?,
        intake_name: row.try_get("intake_name")?,
        applicant_name: row.try_get("applicant_name")?,
        applicant_login: row.try_get("applicant_login")?,
        assistance: row.try_get("assistance")?,
        progress: serde_json::from_str(&row.try_get::<String, _>("progress")?)
            .map_err(|e| StoreError::Corrupt(format!("办件进度：{e}")))?,
        deficiency_due: row
            .try_get::<Option<String>, _>("deficiency_due")?
            .as_deref()
            .map(parse_day)
            .transpose()?,
        verification_due: row
            .try_get::<Option<String>, _>("verification_due")?
            .as_deref()
            .map(parse_day)
            .transpose()?,
    })
}

/// The ids of the first cases (`$1` per arm) in promised-date order among `statuses`, with
/// `extra` added to each arm's condition: one arm per status, and within a scope one per
/// unit and status, each read in order from the `(status, promised_due)` or `(unit, status,
/// promised_due)` index and stopped at the limit, so a list costs the same with a thousand
/// cases or a million. `units` are the scope's unit ids (`None`: every unit).
fn first_ids_sql(
    statuses: &[tongban_domain::case::CaseStatus],
    extra: &str,
    units: Option<&[String]>,
    unit_column: UnitColumn,
    (limit, offset): (i64, u32),
) -> String {
    let unit_column = match unit_column {
        UnitColumn::Handling => "org_unit_id",
        UnitColumn::Intake => "intake_org_id",
    };
    let arm = |unit: Option<&str>, status: &str| {
        // Unit ids come from the database's own rows; quotes are doubled all the same.
        let unit = unit
            .map(|u| format!("c.{unit_column} = '{}' AND ", u.replace('\'', "''")))
            .unwrap_or_default();
        format!(
            "SELECT * FROM (SELECT c.id, c.promised_due, c.submitted_at FROM cases c \
             WHERE {unit}c.status = '{status}' {extra} \
             ORDER BY c.promised_due, c.submitted_at, c.id LIMIT $1) arm"
        )
    };
    let arms: Vec<String> = statuses
        .iter()
        .flat_map(|s| match units {
            None => vec![arm(None, s.as_str())],
            Some(units) => units.iter().map(|u| arm(Some(u), s.as_str())).collect(),
        })
        .collect();
    // The page itself: literals, being numbers the caller computed.
    format!(
        "SELECT id FROM ({}) firsts ORDER BY promised_due, submitted_at, id LIMIT {limit} OFFSET {offset}",
        arms.join(" UNION ALL ")
    )
}

/// A list condition: SQL with `{}` where its value goes (or none).
struct Cond {
    sql: &'static str,
    value: Option<String>,
}

/// Which unit of a case a scope is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitColumn {
    /// The handling department (reviewers, supervisors).
    Handling,
    /// Where it was taken in (window clerks of a town's or village's halls).
    Intake,
}

impl UnitColumn {
    /// `IN_SCOPE` on this unit's path (`o` is the handling unit of `CASE_SELECT`, `io` the
    /// intake unit).
    fn in_scope(self) -> String {
        match self {
            UnitColumn::Handling => crate::IN_SCOPE.to_owned(),
            UnitColumn::Intake => crate::IN_SCOPE.replace("o.path", "io.path"),
        }
    }
}

/// The `IN_SCOPE` parameters for a list of cases in `statuses`, or `None` when the answer
/// is empty anyway (no status asked for, or a scope that covers nothing).
fn status_scope(
    statuses: &[tongban_domain::case::CaseStatus],
    scope: &tongban_domain::authz::Scope,
) -> Option<(String, String)> {
    if statuses.is_empty() {
        None
    } else {
        crate::scope_args(scope)
    }
}

fn parse_day(d: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("日期格式错误 {d}: {e}")))
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Stores each material's bytes once (by digest) and links it to the case.
async fn insert_materials(
    conn: &mut sqlx::AnyConnection,
    now: DateTime<Utc>,
    case_id: &str,
    materials: &[NewMaterial],
) -> Result<(), StoreError> {
    for m in materials {
        sqlx::query(
            "INSERT INTO blobs (sha256, content, size) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&m.sha256)
        .bind(&m.content)
        .bind(m.content.len() as i64)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO case_materials (id, case_id, name, filename, content_type, sha256, \
             size, added_at, waived_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new_id())
        .bind(case_id)
        .bind(&m.name)
        .bind(&m.filename)
        .bind(&m.content_type)
        .bind(&m.sha256)
        .bind(m.content.len() as i64)
        .bind(ts(now))
        .bind(&m.waived_by)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Writes many submissions inside the caller's transaction with a few multi-row statements
/// (the group-commit writer's fast path): case numbers reserved per prefix in one upsert
/// each, then every table's rows in one insert, the audit rows chained here. A submission
/// repeating another's idempotency key within the batch is a conflict (its retry finds the
/// first); any database error fails the whole call, and the caller falls back to writing the
/// batch one submission per savepoint.
pub(crate) async fn insert_cases_batch_in(
    conn: &mut sqlx::AnyConnection,
    jobs: &[(DateTime<Utc>, &NewCase)],
) -> Result<Vec<Result<CaseRecord, StoreError>>, StoreError> {
    use std::collections::{BTreeMap, HashSet};
    // Org units by code.
    let mut orgs: BTreeMap<&str, (String, String, String, Option<String>)> = BTreeMap::new();
    for (_, new) in jobs {
        if !orgs.contains_key(new.org_code.as_str()) {
            let row =
                sqlx::query("SELECT id, name, path, credit_code FROM org_units WHERE code = $1")
                    .bind(&new.org_code)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::Config(format!("机构 {} 不存在", new.org_code)))?;
            orgs.insert(
                new.org_code.as_str(),
                (
                    row.try_get("id")?,
                    row.try_get("name")?,
                    row.try_get("path")?,
                    row.try_get("credit_code")?,
                ),
            );
        }
    }
    // Intake units and applicants by id, for the records handed back.
    let mut intake_units: BTreeMap<&str, (String, String)> = BTreeMap::new();
    let mut applicants: BTreeMap<&str, (String, String, tongban_domain::account::AccountKind)> =
        BTreeMap::new();
    for (_, new) in jobs {
        if let Some(id) = new.intake_org_id.as_deref()
            && !intake_units.contains_key(id)
        {
            let row = sqlx::query("SELECT path, name FROM org_units WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
            intake_units.insert(id, (row.try_get("path")?, row.try_get("name")?));
        }
        if !applicants.contains_key(new.applicant_id.as_str()) {
            let row = sqlx::query("SELECT name, login, kind FROM accounts WHERE id = $1")
                .bind(&new.applicant_id)
                .fetch_one(&mut *conn)
                .await?;
            applicants.insert(
                new.applicant_id.as_str(),
                (
                    row.try_get("name")?,
                    row.try_get("login")?,
                    crate::accounts::kind_from(&row.try_get::<String, _>("kind")?)?,
                ),
            );
        }
    }
    // Idempotency keys already recorded, or repeated within the batch: a conflict, whose
    // retry finds the recorded case.
    let keyed: Vec<(&str, &str)> = jobs
        .iter()
        .filter_map(|(_, n)| Some((n.applicant_id.as_str(), n.idempotency_key.as_deref()?)))
        .collect();
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let mut existing: HashSet<(String, String)> = HashSet::new();
    for chunk in crate::statement_chunks(&keyed) {
        // (applicant, key) pairs, each matched through the unique index.
        let conditions = (0..chunk.len())
            .map(|i| {
                format!(
                    "(applicant_id = ${} AND idempotency_key = ${})",
                    2 * i + 1,
                    2 * i + 2
                )
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT applicant_id, idempotency_key FROM cases WHERE {conditions}"
        )));
        for (a, k) in chunk {
            q = q.bind(*a).bind(*k);
        }
        for row in q.fetch_all(&mut *conn).await? {
            existing.insert((
                row.try_get("applicant_id")?,
                row.try_get("idempotency_key")?,
            ));
        }
    }
    for (a, k) in &existing {
        if let Some((_, n)) = jobs
            .iter()
            .find(|(_, n)| n.applicant_id == *a && n.idempotency_key.as_deref() == Some(k.as_str()))
        {
            seen.insert((
                n.applicant_id.as_str(),
                n.idempotency_key.as_deref().unwrap_or(""),
            ));
        }
    }
    let accepted: Vec<bool> = jobs
        .iter()
        .map(|(_, n)| match &n.idempotency_key {
            Some(k) => seen.insert((n.applicant_id.as_str(), k.as_str())),
            None => true,
        })
        .collect();
    // Case numbers: one upsert per prefix reserves a range.
    let mut per_prefix: BTreeMap<String, i64> = BTreeMap::new();
    for ((_, new), ok) in jobs.iter().zip(&accepted) {
        if *ok {
            let prefix = format!(
                "{}{}",
                new.implementation_code,
                new.submitted_on.format("%Y%m%d")
            );
            *per_prefix.entry(prefix).or_default() += 1;
        }
    }
    let mut next_seq: BTreeMap<String, i64> = BTreeMap::new();
    for (prefix, n) in &per_prefix {
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO case_counters (prefix, seq) VALUES ($1, $2) \
             ON CONFLICT (prefix) DO UPDATE SET seq = case_counters.seq + $2 RETURNING seq",
        )
        .bind(prefix)
        .bind(n)
        .fetch_one(&mut *conn)
        .await?;
        next_seq.insert(prefix.clone(), last - n + 1);
    }
    let mut results = Vec::with_capacity(jobs.len());
    let mut records = Vec::new();
    for ((now, new), ok) in jobs.iter().zip(&accepted) {
        if !*ok {
            results.push(Err(StoreError::Conflict("idempotency_key".into())));
            continue;
        }
        let prefix = format!(
            "{}{}",
            new.implementation_code,
            new.submitted_on.format("%Y%m%d")
        );
        let seq = next_seq.get_mut(&prefix).expect("reserved above");
        let case_no = case_number(
            &new.implementation_code,
            new.submitted_on,
            u32::try_from(*seq).unwrap_or(u32::MAX),
        );
        *seq += 1;
        let Some(case_no) = case_no else {
            results.push(Err(StoreError::Exhausted("case_number".into())));
            continue;
        };
        let (org_id, org_name, org_path, org_credit_code) = orgs[new.org_code.as_str()].clone();
        let record = CaseRecord {
            id: new_id(),
            case_no,
            implementation_code: new.implementation_code.clone(),
            item_version_id: new.item_version_id.clone(),
            item_name: new.item_name.clone(),
            org_unit_id: org_id,
            org_name,
            org_path,
            org_code: new.org_code.clone(),
            org_credit_code,
            applicant_id: new.applicant_id.clone(),
            situation: new.situation.clone(),
            form: new.form.clone(),
            status: new.status,
            channel: new.channel.clone(),
            submitted_at: parse_ts(&ts(*now))?,
            statutory_due: new.statutory_due,
            promised_due: new.promised_due,
            first_responder: new.first_responder.clone(),
            intake_path: new
                .intake_org_id
                .as_deref()
                .map(|id| intake_units[id].0.clone()),
            intake_name: new
                .intake_org_id
                .as_deref()
                .map(|id| intake_units[id].1.clone()),
            applicant_name: applicants[new.applicant_id.as_str()].0.clone(),
            applicant_login: applicants[new.applicant_id.as_str()].1.clone(),
            applicant_kind: applicants[new.applicant_id.as_str()].2,
            assistance: new.assistance.clone(),
            progress: new.progress.clone(),
            deficiency_due: None,
            verification_due: None,
        };
        records.push((*now, *new, record.clone()));
        results.push(Ok(record));
    }
    for chunk in crate::statement_chunks(&records) {
        let sql = crate::multi_row_insert(
            "cases (id, case_no, implementation_code, item_version_id, item_name, org_unit_id, \
             applicant_id, situation, form, status, channel, first_responder, idempotency_key, \
             submitted_at, statutory_due, promised_due, updated_at, assistance, progress, \
             intake_org_id)",
            20,
            chunk.len(),
            "",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (now, new, r) in chunk {
            q = q
                .bind(&r.id)
                .bind(&r.case_no)
                .bind(&new.implementation_code)
                .bind(&new.item_version_id)
                .bind(&new.item_name)
                .bind(&r.org_unit_id)
                .bind(&new.applicant_id)
                .bind(&new.situation)
                .bind(&new.form)
                .bind(new.status.as_str())
                .bind(&new.channel)
                .bind(&new.first_responder)
                .bind(&new.idempotency_key)
                .bind(ts(*now))
                .bind(day(r.statutory_due))
                .bind(day(r.promised_due))
                .bind(ts(*now))
                .bind(&new.assistance)
                .bind(
                    serde_json::to_string(&new.progress)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                )
                .bind(&new.intake_org_id);
        }
        q.execute(&mut *conn).await?;
    }
    // Materials: each distinct file once, then the links.
    let mut blobs: BTreeMap<&str, &NewMaterial> = BTreeMap::new();
    let mut links = Vec::new();
    for (now, new, r) in &records {
        for m in &new.materials {
            blobs.entry(m.sha256.as_str()).or_insert(m);
            links.push((*now, r.id.as_str(), m));
        }
    }
    let blobs: Vec<&NewMaterial> = blobs.into_values().collect();
    for chunk in crate::statement_chunks(&blobs) {
        let sql = crate::multi_row_insert(
            "blobs (sha256, content, size)",
            3,
            chunk.len(),
            "ON CONFLICT (sha256) DO NOTHING",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for m in chunk {
            q = q
                .bind(&m.sha256)
                .bind(&m.content)
                .bind(m.content.len() as i64);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in crate::statement_chunks(&links) {
        let sql = crate::multi_row_insert(
            "case_materials (id, case_id, name, filename, content_type, sha256, size, \
             added_at, waived_by)",
            9,
            chunk.len(),
            "",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (now, case_id, m) in chunk {
            q = q
                .bind(new_id())
                .bind(*case_id)
                .bind(&m.name)
                .bind(&m.filename)
                .bind(&m.content_type)
                .bind(&m.sha256)
                .bind(m.content.len() as i64)
                .bind(ts(*now))
                .bind(&m.waived_by);
        }
        q.execute(&mut *conn).await?;
    }
    // Timeline, notifications, audit.
    for chunk in crate::statement_chunks(&records) {
        let sql = crate::multi_row_insert(
            "case_events (id, case_id, at, actor, action, status_after, detail)",
            7,
            chunk.len(),
            "",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (now, new, r) in chunk {
            q = q
                .bind(new_id())
                .bind(&r.id)
                .bind(ts(*now))
                .bind(new.first_responder.as_deref().unwrap_or(&new.applicant_id))
                .bind("submit")
                .bind(new.status.as_str())
                .bind(format!(
                    "{} 份材料，{}",
                    new.materials.len(),
                    if new.first_responder.is_some() {
                        "窗口受理"
                    } else {
                        "网上申请"
                    }
                ));
        }
        q.execute(&mut *conn).await?;
    }
    let told: Vec<_> = records
        .iter()
        .filter(|(_, n, _)| !n.told_by_bundle)
        .collect();
    for chunk in crate::statement_chunks(&told) {
        let sql = crate::multi_row_insert(
            "outbox (id, topic, recipient, subject, body, link, dedupe_key, created_at)",
            8,
            chunk.len(),
            "ON CONFLICT (dedupe_key) DO NOTHING",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (now, new, r) in chunk.iter().copied() {
            // The case number is drawn here, so the message is worded here from it.
            let told = tongban_domain::case::Notification::submitted(&new.item_name, &r.case_no);
            q = q
                .bind(new_id())
                .bind("case.status")
                .bind(&new.applicant_id)
                .bind(told.subject)
                .bind(told.body)
                .bind(told.link)
                .bind(format!("case:{}:submit", r.case_no))
                .bind(ts(*now));
        }
        q.execute(&mut *conn).await?;
    }
    let events = records
        .iter()
        .map(|(now, new, r)| {
            (
                *now,
                AuditEvent::new(
                    new.first_responder.as_deref().unwrap_or(&new.applicant_id),
                    "case.submit",
                    format!("case:{}", r.case_no),
                    &new.channel,
                ),
            )
        })
        .collect();
    audit::append_many(conn, events).await?;
    Ok(results)
}

impl Store {
    /// Records a submission whole, or returns the case already recorded under the same
    /// applicant and idempotency key (`false` = not newly created).
    pub async fn submit_case(
        &self,
        now: DateTime<Utc>,
        new: &NewCase,
    ) -> Result<(CaseRecord, bool), StoreError> {
        // A key already recorded is found by the group-commit writer, one query per batch,
        // and answered as a conflict, which returns the recorded case below.
        match self.group.submit(now, new.clone()).await {
            // Two retries racing with one key: the loser returns the winner's case.
            Err(StoreError::Conflict(_)) if new.idempotency_key.is_some() => {
                let key = new.idempotency_key.as_deref().unwrap_or_default();
                self.case_by_idempotency(&new.applicant_id, key)
                    .await?
                    .map(|c| (c, false))
                    .ok_or(StoreError::NotFound)
            }
            other => other.map(|c| (c, true)),
        }
    }

    async fn case_by_idempotency(
        &self,
        applicant_id: &str,
        key: &str,
    ) -> Result<Option<CaseRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{CASE_SELECT} WHERE c.applicant_id = $1 AND c.idempotency_key = $2"
        )))
        .bind(applicant_id)
        .bind(key)
        // Readers see every committed case; the writer connection stays free for the
        // group-commit task (a race that slips past is caught by the unique key).
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(case_from).transpose()
    }

    /// Records a transition the domain allowed, with what it changed and any materials
    /// supplied with it, in one transaction shared with other concurrent steps (group
    /// commit: one fsync for many). It is refused (`Conflict`) if the status or progress it
    /// was decided on moved since, so two people cannot both move one case.
    pub async fn record_case_action(
        &self,
        now: DateTime<Utc>,
        change: CaseChange,
    ) -> Result<(), StoreError> {
        self.group.act(now, change).await
    }

    /// Breaches of the one-time-notice rule per handling unit within `scope`, most first.
    pub async fn notice_breach_counts(
        &self,
        scope: &tongban_domain::authz::Scope,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let Some(scope) = crate::scope_args(scope) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT o.name AS org_name, COUNT(*) AS n FROM case_events e \
             JOIN cases c ON c.id = e.case_id JOIN org_units o ON o.id = c.org_unit_id \
             WHERE e.action = 'notice_breach' AND {} GROUP BY o.name ORDER BY n DESC, o.name",
            crate::IN_SCOPE
        )))
        .bind(scope.0)
        .bind(scope.1)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("org_name")?, r.try_get("n")?)))
            .collect()
    }

    /// An applicant's cases, newest first.
    pub async fn cases_of_applicant(
        &self,
        applicant_id: &str,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{CASE_SELECT} WHERE c.applicant_id = $1 ORDER BY c.submitted_at DESC, c.id"
        )))
        .bind(applicant_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(case_from).collect()
    }

    /// Cases in the given statuses whose handling unit lies within `scope`, the soonest
    /// promised due date first, at most `limit`: a staff inbox.
    pub async fn cases_in(
        &self,
        statuses: &[tongban_domain::case::CaseStatus],
        scope: &tongban_domain::authz::Scope,
        limit: i64,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        self.first_by_promised_due(statuses, scope, &[], limit, 0, UnitColumn::Handling)
            .await
    }

    /// Cases in the given statuses taken in at a window of a unit within `scope`, the
    /// soonest promised due date first, at most `limit`: a town clerk's inbox. `Scope::All`
    /// lists every case, online ones included (the district's windows take those in).
    pub async fn cases_taken_in(
        &self,
        statuses: &[tongban_domain::case::CaseStatus],
        scope: &tongban_domain::authz::Scope,
        limit: i64,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        self.first_by_promised_due(statuses, scope, &[], limit, 0, UnitColumn::Intake)
            .await
    }

    /// One page of a staff case list: the cases in `statuses` within `scope` (matched on
    /// the handling unit, or on the intake unit with `by_intake`), narrowed by `filter`, the
    /// soonest promised date first; `viewer` is who "mine" means. `limit` rows from the
    /// filter's page on (ask one more than shown to know whether another page follows).
    #[allow(clippy::too_many_arguments)]
    pub async fn list_cases(
        &self,
        statuses: &[tongban_domain::case::CaseStatus],
        scope: &tongban_domain::authz::Scope,
        by_intake: bool,
        filter: &tongban_domain::case::CaseFilter,
        today: NaiveDate,
        viewer: &str,
        limit: i64,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        let mut conds: Vec<Cond> = Vec::new();
        let mut bind = |sql: &'static str, value: Option<String>| conds.push(Cond { sql, value });
        if let Some(item) = &filter.item {
            bind("AND c.implementation_code = {}", Some(item.clone()));
        }
        if let Some(channel) = &filter.channel {
            bind("AND c.channel = {}", Some(channel.clone()));
        }
        if let Some(hall) = &filter.hall {
            bind(
                "AND c.intake_org_id IN (SELECT h.id FROM org_units h WHERE h.code = {})",
                Some(hall.clone()),
            );
        }
        if filter.overdue {
            bind("AND c.promised_due < {}", Some(day(today)));
        }
        if filter.owed {
            bind("AND c.deficiency_due IS NOT NULL", None);
        }
        if let Some(from) = filter.from {
            bind("AND c.submitted_at >= {}", Some(day(from)));
        }
        if let Some(to) = filter.to {
            bind(
                "AND c.submitted_at < {}",
                Some(day(to + chrono::Days::new(1))),
            );
        }
        let unit_column = if by_intake {
            UnitColumn::Intake
        } else {
            UnitColumn::Handling
        };
        if filter.mine {
            return self
                .mine_by_promised_due(
                    statuses,
                    scope,
                    unit_column,
                    &conds,
                    viewer,
                    limit,
                    filter.offset(),
                )
                .await;
        }
        self.first_by_promised_due(statuses, scope, &conds, limit, filter.offset(), unit_column)
            .await
    }

    /// 我经办的: the cases `viewer` took a step on (taking a case in is its first timeline
    /// entry), read from the viewer's own timeline entries (`case_events (actor, case_id)`)
    /// rather than per status, since one person's cases are few and every status counts.
    #[allow(clippy::too_many_arguments)]
    async fn mine_by_promised_due(
        &self,
        statuses: &[tongban_domain::case::CaseStatus],
        scope: &tongban_domain::authz::Scope,
        unit_column: UnitColumn,
        conds: &[Cond],
        viewer: &str,
        limit: i64,
        offset: u32,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        let Some((root, below)) = crate::scope_args(scope) else {
            return Ok(Vec::new());
        };
        let within = unit_column.in_scope();
        // $1, $2: the scope; $3: the viewer; $4, $5: limit and offset; then the conditions.
        let (extra, values) = numbered(conds, 5);
        let sql = format!(
            "{CASE_SELECT} WHERE c.id IN (SELECT e.case_id FROM case_events e WHERE e.actor = $3) \
             AND c.status IN ({}) AND {within} {} \
             ORDER BY c.promised_due, c.submitted_at, c.id LIMIT $4 OFFSET $5",
            crate::fixed_names(statuses.iter().map(|s| s.as_str())),
            extra.join(" ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(root)
            .bind(below)
            .bind(viewer)
            .bind(limit)
            .bind(i64::from(offset));
        for v in values {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.reader).await?;
        rows.iter().map(case_from).collect()
    }

    /// The first `limit` cases after `offset` in promised-date order among `statuses`
    /// within `scope`, narrowed by `conds` (each `{}` in a condition is its value's
    /// placeholder).
    async fn first_by_promised_due(
        &self,
        statuses: &[tongban_domain::case::CaseStatus],
        scope: &tongban_domain::authz::Scope,
        conds: &[Cond],
        limit: i64,
        offset: u32,
        unit_column: UnitColumn,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        use tongban_domain::authz::Scope;
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        // The scope's units first, so each arm reads one unit's cases in order.
        let units: Option<Vec<String>> = match scope {
            Scope::All => None,
            Scope::Nothing => return Ok(Vec::new()),
            Scope::Within(_) => {
                let Some(args) = crate::scope_args(scope) else {
                    return Ok(Vec::new());
                };
                let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT o.id FROM org_units o WHERE {} ORDER BY o.id",
                    crate::IN_SCOPE
                )))
                .bind(args.0)
                .bind(args.1)
                .fetch_all(&self.reader)
                .await?;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                Some(ids)
            }
        };
        // $1: how many each arm may bring; then the conditions' values.
        let (extra, values) = numbered(conds, 1);
        let sql = format!(
            "{CASE_SELECT} WHERE c.id IN ({}) ORDER BY c.promised_due, c.submitted_at, c.id",
            first_ids_sql(
                statuses,
                &extra.join(" "),
                units.as_deref(),
                unit_column,
                (limit, offset),
            )
        );
        let mut q =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit.saturating_add(i64::from(offset)));
        for v in values {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.reader).await?;
        rows.iter().map(case_from).collect()
    }

    /// Per handling unit within `scope`, the cases whose clock has started (in
    /// `statuses`): how many, how many fall due by `soon_until` (from `today`), how many are
    /// past due. Counted by the database, so the answer costs one query at any size.
    pub async fn deadline_counts(
        &self,
        statuses: &[tongban_domain::case::CaseStatus],
        scope: &tongban_domain::authz::Scope,
        today: chrono::NaiveDate,
        soon_until: chrono::NaiveDate,
    ) -> Result<Vec<DeadlineCount>, StoreError> {
        let Some(scope) = status_scope(statuses, scope) else {
            return Ok(Vec::new());
        };
        let list = crate::fixed_names(statuses.iter().map(|s| s.as_str()));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            // Sums cast back to BIGINT: PostgreSQL sums BIGINTs as NUMERIC.
            // The counts kept per unit, status and promised date (migration 0011), in parts
            // (one per writing instance, migration 0013) summed here.
            "SELECT o.name AS org_name, CAST(SUM(x.n) AS BIGINT) AS open, \
             CAST(SUM(CASE WHEN x.promised_due >= $3 AND x.promised_due <= $4 THEN x.n \
             ELSE 0 END) AS BIGINT) AS due_soon, \
             CAST(SUM(CASE WHEN x.promised_due < $3 THEN x.n ELSE 0 END) AS BIGINT) AS overdue \
             FROM case_due_counts x JOIN org_units o ON o.id = x.org_unit_id \
             WHERE x.status IN ({list}) AND {} GROUP BY o.name HAVING SUM(x.n) > 0",
            crate::IN_SCOPE
        )))
        .bind(scope.0)
        .bind(scope.1)
        .bind(today.format("%Y-%m-%d").to_string())
        .bind(soon_until.format("%Y-%m-%d").to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeadlineCount {
                    org_name: r.try_get("org_name")?,
                    open: r.try_get("open")?,
                    due_soon: r.try_get("due_soon")?,
                    overdue: r.try_get("overdue")?,
                })
            })
            .collect()
    }

    /// Cases in `statuses` within `scope` past their promised date, the longest overdue
    /// first, at most `limit`.
    pub async fn overdue_cases(
        &self,
        statuses: &[tongban_domain::case::CaseStatus],
        scope: &tongban_domain::authz::Scope,
        today: chrono::NaiveDate,
        limit: i64,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        let before = [Cond {
            sql: "AND c.promised_due < {}",
            value: Some(day(today)),
        }];
        self.first_by_promised_due(statuses, scope, &before, limit, 0, UnitColumn::Handling)
            .await
    }

    /// Cases with a follow-up date set (materials owed under 容缺受理, or an open commitment
    /// verification), the soonest first, within `scope` of the handling unit, or
    /// (`by_intake`) of the unit whose hall took the case in.
    pub async fn cases_following_up(
        &self,
        follow_up: FollowUp,
        scope: &tongban_domain::authz::Scope,
        by_intake: bool,
        limit: i64,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        let column = match follow_up {
            FollowUp::DeficiencyOwed => "c.deficiency_due",
            FollowUp::Verification => "c.verification_due",
        };
        let Some(scope) = crate::scope_args(scope) else {
            return Ok(Vec::new());
        };
        // A window follows up what its halls took in; a department what it handles.
        let within = if by_intake {
            UnitColumn::Intake
        } else {
            UnitColumn::Handling
        }
        .in_scope();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{CASE_SELECT} WHERE {column} IS NOT NULL AND {within} \
             ORDER BY {column}, c.submitted_at LIMIT $3"
        )))
        .bind(scope.0)
        .bind(scope.1)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(case_from).collect()
    }

    pub async fn case_by_id(&self, id: &str) -> Result<CaseRecord, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{CASE_SELECT} WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_one(&self.reader)
        .await?;
        case_from(&row)
    }

    pub async fn case_by_no(&self, case_no: &str) -> Result<CaseRecord, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{CASE_SELECT} WHERE c.case_no = $1"
        )))
        .bind(case_no)
        .fetch_one(&self.reader)
        .await?;
        case_from(&row)
    }

    /// The case's timeline, oldest first.
    pub async fn case_events(&self, case_id: &str) -> Result<Vec<CaseEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, status_after, detail FROM case_events WHERE case_id = $1 \
             ORDER BY at, id",
        )
        .bind(case_id)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .iter()
            .map(CaseEvent::from_row)
            .collect::<Result<_, _>>()?)
    }

    pub async fn case_materials(&self, case_id: &str) -> Result<Vec<MaterialRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, filename, content_type, sha256, size, waived_by, added_at, \
             check_status, check_note FROM case_materials \
             WHERE case_id = $1 ORDER BY added_at, id",
        )
        .bind(case_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(material_from).collect()
    }

    /// A case's timeline and its materials in one round trip, as `case_events` and
    /// `case_materials` each return them: every case page and API answer shows both.
    pub async fn case_events_and_materials(
        &self,
        case_id: &str,
    ) -> Result<(Vec<CaseEvent>, Vec<MaterialRecord>), StoreError> {
        let rows = sqlx::query(
            "SELECT 'e' AS part, at, id, actor AS t1, action AS t2, status_after AS t3, \
             detail AS t4, '' AS t5, '' AS t6, CAST(0 AS BIGINT) AS size, \
             CAST(NULL AS TEXT) AS waived_by FROM case_events WHERE case_id = $1 \
             UNION ALL \
             SELECT 'm', added_at, id, name, filename, content_type, sha256, check_status, \
             check_note, size, waived_by FROM case_materials WHERE case_id = $1 \
             ORDER BY 1, 2, 3",
        )
        .bind(case_id)
        .fetch_all(&self.reader)
        .await?;
        let mut events = Vec::new();
        let mut materials = Vec::new();
        for r in &rows {
            let at = parse_ts(&r.try_get::<String, _>("at")?)?;
            let text = |n: &str| r.try_get::<String, _>(n);
            if text("part")? == "e" {
                events.push(CaseEvent {
                    at,
                    actor: text("t1")?,
                    action: text("t2")?,
                    status_after: text("t3")?,
                    detail: text("t4")?,
                });
            } else {
                materials.push(MaterialRecord {
                    id: text("id")?,
                    name: text("t1")?,
                    filename: text("t2")?,
                    content_type: text("t3")?,
                    sha256: text("t4")?,
                    size: r.try_get("size")?,
                    waived_by: r.try_get("waived_by")?,
                    added_at: at,
                    check: tongban_domain::case::MaterialCheck::try_from(text("t5")?)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    check_note: text("t6")?,
                });
            }
        }
        Ok((events, materials))
    }

    /// Records the desk's check of one material of a case, with its audit row.
    pub async fn set_material_check(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        case: &CaseRecord,
        material_id: &str,
        check: tongban_domain::case::MaterialCheck,
        note: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let name: Option<String> = sqlx::query_scalar(
            "UPDATE case_materials SET check_status = $1, check_note = $2 \
             WHERE id = $3 AND case_id = $4 RETURNING name",
        )
        .bind(check.as_str())
        .bind(note)
        .bind(material_id)
        .bind(&case.id)
        .fetch_optional(&mut *tx)
        .await?;
        let name = name.ok_or(StoreError::NotFound)?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "case.material_check",
                format!("case:{}", case.case_no),
                format!(
                    "{name}：{}{}",
                    check.label(),
                    if note.is_empty() {
                        String::new()
                    } else {
                        format!("（{note}）")
                    }
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A stored material's bytes, by digest.
    pub async fn blob(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT content FROM blobs WHERE sha256 = $1")
                .bind(sha256)
                .fetch_one(&self.reader)
                .await?,
        )
    }
}

/// Records one case step inside the caller's transaction (see `Store::record_case_action`);
/// its audit rows go to `audit`, for the caller to append with the transaction's others.
pub(crate) async fn record_case_action_in(
    tx: &mut AnyConnection,
    now: DateTime<Utc>,
    change: &CaseChange,
    audit: &mut audit::AuditBatch,
) -> Result<(), StoreError> {
    let progress =
        serde_json::to_string(&change.progress).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let from_progress = serde_json::to_string(&change.from_progress)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // The usual case in one statement: the row is updated only if its status and progress
    // are still those the step was decided on (on PostgreSQL the row lock is taken and the
    // condition checked again after any concurrent writer commits).
    let updated = sqlx::query(
        "UPDATE cases SET status = $1, updated_at = $2, progress = $3, deficiency_due = $4, \
         verification_due = $5, statutory_due = COALESCE($6, statutory_due), \
         promised_due = COALESCE($7, promised_due) \
         WHERE id = $8 AND status = $9 AND progress = $10 RETURNING case_no, applicant_id",
    )
    .bind(change.to.as_str())
    .bind(ts(now))
    .bind(&progress)
    .bind(change.deficiency_due.map(day))
    .bind(change.verification_due.map(day))
    .bind(change.dues.map(|(statutory, _)| day(statutory)))
    .bind(change.dues.map(|(_, promised)| day(promised)))
    .bind(&change.case_id)
    .bind(change.from.as_str())
    .bind(&from_progress)
    .fetch_optional(&mut *tx)
    .await?;
    let (case_no, applicant): (String, String) = match updated {
        Some(row) => (row.try_get("case_no")?, row.try_get("applicant_id")?),
        // The stored progress may be written differently (an older field set) and still be
        // the same progress: compare it as progress, under the row lock. A stale step is
        // refused here, before it writes anything.
        None => update_case_compared(tx, now, change, &progress).await?,
    };
    insert_materials(tx, now, &change.case_id, &change.materials).await?;
    if let Some(licence) = &change.licence {
        crate::licences::insert_licence_in(tx, now, &change.actor, licence, audit).await?;
    }
    if let Some(reason) = &change.revoke_licences {
        crate::licences::revoke_case_licences_in(
            tx,
            now,
            &change.actor,
            &change.case_id,
            reason,
            audit,
        )
        .await?;
    }
    let event_id = new_id();
    crate::outbox::enqueue(
        tx,
        now,
        "case.status",
        &applicant,
        &change.notification.subject,
        &change.notification.body,
        &change.notification.link,
        &format!("case:{case_no}:{event_id}"),
    )
    .await?;
    sqlx::query(
        "INSERT INTO case_events (id, case_id, at, actor, action, status_after, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event_id)
    .bind(&change.case_id)
    .bind(ts(now))
    .bind(&change.actor)
    .bind(&change.action)
    .bind(change.to.as_str())
    .bind(&change.detail)
    .execute(&mut *tx)
    .await?;
    audit.push(
        now,
        AuditEvent::new(
            &change.actor,
            format!("case.{}", change.action),
            format!("case:{case_no}"),
            change.to.as_str(),
        ),
    );
    if let Some(breach) = &change.notice_breach {
        sqlx::query(
            "INSERT INTO case_events (id, case_id, at, actor, action, status_after, detail) \
             VALUES ($1, $2, $3, $4, 'notice_breach', $5, $6)",
        )
        .bind(new_id())
        .bind(&change.case_id)
        .bind(ts(now))
        .bind(&change.actor)
        .bind(change.to.as_str())
        .bind(breach)
        .execute(&mut *tx)
        .await?;
        audit.push(
            now,
            AuditEvent::new(
                &change.actor,
                "case.notice_breach",
                format!("case:{case_no}"),
                breach,
            ),
        );
    }
    Ok(())
}

fn material_from(r: &AnyRow) -> Result<MaterialRecord, StoreError> {
    Ok(MaterialRecord::from_row(r)?)
}

/// The conditions' SQL with each `{}` numbered after the `before` parameters already bound,
/// and their values in that order.
fn numbered(conds: &[Cond], before: usize) -> (Vec<String>, Vec<String>) {
    let mut values = Vec::new();
    let sql = conds
        .iter()
        .map(|c| match &c.value {
            Some(v) => {
                values.push(v.clone());
                c.sql.replace("{}", &format!("${}", values.len() + before))
            }
            None => c.sql.to_owned(),
        })
        .collect();
    (sql, values)
}

/// Why a step is refused when its case moved since the step was decided. Nothing of the
/// step has been written when it is (see `group::write_steps`).
pub(crate) const STALE_STEP: &str = "status_changed";

/// The slow path of `record_case_action_in`: lock the row, read its status and progress,
/// compare them as values with what the step was decided on, then update it.
async fn update_case_compared(
    tx: &mut AnyConnection,
    now: DateTime<Utc>,
    change: &CaseChange,
    progress: &str,
) -> Result<(String, String), StoreError> {
    sqlx::query("UPDATE cases SET updated_at = updated_at WHERE id = $1")
        .bind(&change.case_id)
        .execute(&mut *tx)
        .await?;
    let row =
        sqlx::query("SELECT case_no, applicant_id, status, progress FROM cases WHERE id = $1")
            .bind(&change.case_id)
            .fetch_one(&mut *tx)
            .await?;
    let status: String = row.try_get("status")?;
    let stored: Progress = serde_json::from_str(&row.try_get::<String, _>("progress")?)
        .map_err(|e| StoreError::Corrupt(format!("办件进度：{e}")))?;
    if status != change.from.as_str() || stored != change.from_progress {
        return Err(StoreError::Conflict(STALE_STEP.into()));
    }
    sqlx::query(
        "UPDATE cases SET status = $1, updated_at = $2, progress = $3, deficiency_due = $4, \
         verification_due = $5, statutory_due = COALESCE($6, statutory_due), \
         promised_due = COALESCE($7, promised_due) WHERE id = $8",
    )
    .bind(change.to.as_str())
    .bind(ts(now))
    .bind(progress)
    .bind(change.deficiency_due.map(day))
    .bind(change.verification_due.map(day))
    .bind(change.dues.map(|(statutory, _)| day(statutory)))
    .bind(change.dues.map(|(_, promised)| day(promised)))
    .bind(&change.case_id)
    .execute(&mut *tx)
    .await?;
    Ok((row.try_get("case_no")?, row.try_get("applicant_id")?))
}
