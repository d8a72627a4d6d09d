//! Storage of bundle applications (issue 13). A bundle case, its children, the cases that
//! start at once and the shared materials are written in one transaction of the group
//! writer: an acknowledged application is whole on disk. A child that waits for another is
//! a row without a case; it gets one, exactly once, when the application layer starts it.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use tongban_domain::audit::AuditEvent;
use tongban_domain::bundle::{bundle_number, bundle_number_prefix};

use crate::cases::{CaseRecord, NewCase, NewMaterial, insert_cases_batch_in};
use crate::{Store, StoreError, audit, new_id, parse_ts, ts};

/// A member of the application as the application layer decided it.
#[derive(Debug, Clone)]
pub struct NewBundleChild {
    pub implementation_code: String,
    pub item_name: String,
    pub situation: String,
    /// The member's own form (derived from the merged form) as JSON.
    pub form: String,
    pub depends_on: Vec<String>,
    /// The case to start now; `None` for a member that waits for others.
    pub case: Option<NewCase>,
}

/// An application for a bundle, to record.
#[derive(Debug, Clone)]
pub struct NewBundleCase {
    pub bundle_code: String,
    pub bundle_version_id: String,
    pub bundle_name: String,
    pub applicant_id: String,
    pub answers: String,
    pub form: String,
    pub channel: String,
    pub first_responder: Option<String>,
    pub intake_org_id: Option<String>,
    pub assistance: String,
    pub idempotency_key: Option<String>,
    pub submitted_on: NaiveDate,
    /// The bundle's own promise.
    pub promised_due: NaiveDate,
    pub children: Vec<NewBundleChild>,
    /// Every material received, once (the children's cases link the ones they use).
    pub materials: Vec<NewMaterial>,
}

/// A member of a recorded application.
#[derive(Debug, Clone)]
pub struct BundleChildRecord {
    pub position: i64,
    pub implementation_code: String,
    pub item_name: String,
    pub situation: String,
    pub form: String,
    pub depends_on: Vec<String>,
    /// Its case, once started.
    pub case_id: Option<String>,
    /// It will not start: something it needs ended without a result.
    pub cancelled: bool,
}

#[derive(Debug, Clone)]
pub struct BundleCaseRecord {
    pub id: String,
    pub bundle_no: String,
    pub bundle_code: String,
    pub bundle_version_id: String,
    pub bundle_name: String,
    pub applicant_id: String,
    pub answers: String,
    pub form: String,
    pub channel: String,
    pub first_responder: Option<String>,
    pub intake_org_id: Option<String>,
    pub assistance: String,
    pub submitted_at: DateTime<Utc>,
    pub submitted_on: NaiveDate,
    pub promised_due: NaiveDate,
    pub delivered_at: Option<DateTime<Utc>>,
    /// How the results were delivered together (`electronic`, `window`, `post:<no>`).
    pub delivery: String,
    /// The 行业综合许可证 issued for it, once every member concluded.
    pub combined_licence: Option<String>,
    pub children: Vec<BundleChildRecord>,
}

const BUNDLE_SELECT: &str = "SELECT id, bundle_no, bundle_code, bundle_version_id, bundle_name, \
     applicant_id, answers, form, channel, first_responder, intake_org_id, assistance, \
     submitted_at, submitted_on, promised_due, delivered_at, delivery, combined_licence \
     FROM bundle_cases";

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(d: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("日期格式错误 {d}: {e}")))
}

fn bundle_from(row: &AnyRow) -> Result<BundleCaseRecord, StoreError> {
    Ok(BundleCaseRecord {
        id: row.try_get("id")?,
        bundle_no: row.try_get("bundle_no")?,
        bundle_code: row.try_get("bundle_code")?,
        bundle_version_id: row.try_get("bundle_version_id")?,
        bundle_name: row.try_get("bundle_name")?,
        applicant_id: row.try_get("applicant_id")?,
        answers: row.try_get("answers")?,
        form: row.try_get("form")?,
        channel: row.try_get("channel")?,
        first_responder: row.try_get("first_responder")?,
        intake_org_id: row.try_get("intake_org_id")?,
        assistance: row.try_get("assistance")?,
        submitted_at: parse_ts(&row.try_get::<String, _>("submitted_at")?)?,
        submitted_on: parse_day(&row.try_get::<String, _>("submitted_on")?)?,
        promised_due: parse_day(&row.try_get::<String, _>("promised_due")?)?,
        delivered_at: row
            .try_get::<Option<String>, _>("delivered_at")?
            .as_deref()
            .map(parse_ts)
            .transpose()?,
        delivery: row.try_get("delivery")?,
        combined_licence: row.try_get("combined_licence")?,
        children: Vec::new(),
    })
}

fn child_from(row: &AnyRow) -> Result<BundleChildRecord, StoreError> {
    Ok(BundleChildRecord {
        position: row.try_get("position")?,
        implementation_code: row.try_get("implementation_code")?,
        item_name: row.try_get("item_name")?,
        situation: row.try_get("situation")?,
        form: row.try_get("form")?,
        depends_on: serde_json::from_str(&row.try_get::<String, _>("depends_on")?)
            .map_err(|e| StoreError::Corrupt(format!("一件事前置事项：{e}")))?,
        case_id: row.try_get("case_id")?,
        cancelled: row.try_get::<i64, _>("cancelled")? != 0,
    })
}

/// Writes many applications inside the caller's transaction with a few multi-row statements
/// (the group writer's fast path, as `insert_cases_batch_in` is for single submissions):
/// numbers reserved per day in one upsert, the members that start at once written with
/// every other submission's machinery in one batch, then each table's rows together. A key
/// the applicant already used, or used twice in the batch, is a conflict, whose retry finds
/// the recorded application; any database error fails the whole call, and the caller
/// writes the batch again one application per savepoint.
pub(crate) async fn insert_bundles_batch_in(
    conn: &mut sqlx::AnyConnection,
    jobs: &[(DateTime<Utc>, &NewBundleCase)],
) -> Result<Vec<Result<BundleCaseRecord, StoreError>>, StoreError> {
    use std::collections::{BTreeMap, HashSet};
    let keyed: Vec<(&str, &str)> = jobs
        .iter()
        .filter_map(|(_, n)| Some((n.applicant_id.as_str(), n.idempotency_key.as_deref()?)))
        .collect();
    let mut taken: HashSet<(String, String)> = HashSet::new();
    for chunk in crate::statement_chunks(&keyed) {
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
        let mut q = sqlx::query(AssertSqlSafe(format!(
            "SELECT applicant_id, idempotency_key FROM bundle_cases WHERE {conditions}"
        )));
        for (a, k) in chunk {
            q = q.bind(*a).bind(*k);
        }
        for row in q.fetch_all(&mut *conn).await? {
            taken.insert((
                row.try_get("applicant_id")?,
                row.try_get("idempotency_key")?,
            ));
        }
    }
    let accepted: Vec<bool> = jobs
        .iter()
        .map(|(_, n)| match &n.idempotency_key {
            Some(k) => taken.insert((n.applicant_id.clone(), k.clone())),
            None => true,
        })
        .collect();
    // Numbers: one upsert per day reserves a range.
    let mut per_day: BTreeMap<String, i64> = BTreeMap::new();
    for ((_, n), ok) in jobs.iter().zip(&accepted) {
        if *ok {
            *per_day
                .entry(bundle_number_prefix(n.submitted_on))
                .or_default() += 1;
        }
    }
    let mut next_seq: BTreeMap<String, i64> = BTreeMap::new();
    for (prefix, n) in &per_day {
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
    let mut results: Vec<Result<BundleCaseRecord, StoreError>> = Vec::with_capacity(jobs.len());
    // (job index, bundle record) of the accepted ones.
    let mut records: Vec<(usize, BundleCaseRecord)> = Vec::new();
    for (j, ((now, n), ok)) in jobs.iter().zip(&accepted).enumerate() {
        if !*ok {
            results.push(Err(StoreError::Conflict("idempotency_key".into())));
            continue;
        }
        let prefix = bundle_number_prefix(n.submitted_on);
        let seq = next_seq.get_mut(&prefix).expect("reserved above");
        let no = bundle_number(n.submitted_on, u32::try_from(*seq).unwrap_or(u32::MAX));
        *seq += 1;
        let Some(bundle_no) = no else {
            results.push(Err(StoreError::Exhausted("bundle_number".into())));
            continue;
        };
        let record = BundleCaseRecord {
            id: new_id(),
            bundle_no,
            bundle_code: n.bundle_code.clone(),
            bundle_version_id: n.bundle_version_id.clone(),
            bundle_name: n.bundle_name.clone(),
            applicant_id: n.applicant_id.clone(),
            answers: n.answers.clone(),
            form: n.form.clone(),
            channel: n.channel.clone(),
            first_responder: n.first_responder.clone(),
            intake_org_id: n.intake_org_id.clone(),
            assistance: n.assistance.clone(),
            submitted_at: parse_ts(&ts(*now))?,
            submitted_on: n.submitted_on,
            promised_due: n.promised_due,
            delivered_at: None,
            delivery: String::new(),
            combined_licence: None,
            children: Vec::new(),
        };
        results.push(Ok(record.clone()));
        records.push((j, record));
    }
    // The members that start now, every application's in one batch, keyed by the number.
    let mut starting: Vec<(usize, usize, NewCase)> = Vec::new();
    for (r, (j, record)) in records.iter().enumerate() {
        for (i, c) in jobs[*j].1.children.iter().enumerate() {
            if let Some(case) = &c.case {
                let mut case = case.clone();
                case.idempotency_key =
                    Some(tongban_domain::bundle::child_key(&record.bundle_no, i));
                starting.push((r, i, case));
            }
        }
    }
    let batch: Vec<_> = starting
        .iter()
        .map(|(r, _, c)| (jobs[records[*r].0].0, c))
        .collect();
    let started = insert_cases_batch_in(conn, &batch).await?;
    let mut case_ids: BTreeMap<(usize, usize), String> = BTreeMap::new();
    for ((r, i, _), s) in starting.iter().zip(started) {
        case_ids.insert((*r, *i), s?.id);
    }
    for (r, (j, record)) in records.iter_mut().enumerate() {
        record.children = jobs[*j]
            .1
            .children
            .iter()
            .enumerate()
            .map(|(i, c)| BundleChildRecord {
                position: i as i64,
                implementation_code: c.implementation_code.clone(),
                item_name: c.item_name.clone(),
                situation: c.situation.clone(),
                form: c.form.clone(),
                depends_on: c.depends_on.clone(),
                case_id: case_ids.get(&(r, i)).cloned(),
                cancelled: false,
            })
            .collect();
    }
    for chunk in crate::statement_chunks(&records) {
        let sql = crate::multi_row_insert(
            "bundle_cases (id, bundle_no, bundle_code, bundle_version_id, bundle_name, \
             applicant_id, answers, form, channel, first_responder, intake_org_id, assistance, \
             idempotency_key, submitted_at, submitted_on, promised_due)",
            16,
            chunk.len(),
            "",
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (j, r) in chunk {
            let (now, n) = jobs[*j];
            q = q
                .bind(&r.id)
                .bind(&r.bundle_no)
                .bind(&n.bundle_code)
                .bind(&n.bundle_version_id)
                .bind(&n.bundle_name)
                .bind(&n.applicant_id)
                .bind(&n.answers)
                .bind(&n.form)
                .bind(&n.channel)
                .bind(&n.first_responder)
                .bind(&n.intake_org_id)
                .bind(&n.assistance)
                .bind(&n.idempotency_key)
                .bind(ts(now))
                .bind(day(n.submitted_on))
                .bind(day(n.promised_due));
        }
        q.execute(&mut *conn).await?;
    }
    let children: Vec<(&str, &BundleChildRecord)> = records
        .iter()
        .flat_map(|(_, r)| r.children.iter().map(move |c| (r.id.as_str(), c)))
        .collect();
    for chunk in crate::statement_chunks(&children) {
        let sql = crate::multi_row_insert(
            "bundle_children (bundle_id, position, implementation_code, item_name, situation, \
             form, depends_on, case_id)",
            8,
            chunk.len(),
            "",
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (bundle_id, c) in chunk {
            q = q
                .bind(*bundle_id)
                .bind(c.position)
                .bind(&c.implementation_code)
                .bind(&c.item_name)
                .bind(&c.situation)
                .bind(&c.form)
                .bind(
                    serde_json::to_string(&c.depends_on)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                )
                .bind(&c.case_id);
        }
        q.execute(&mut *conn).await?;
    }
    // Papers: each distinct file once (the members' cases stored theirs already), then the
    // bundle's links.
    let stored: HashSet<&str> = starting
        .iter()
        .flat_map(|(_, _, c)| c.materials.iter().map(|m| m.sha256.as_str()))
        .collect();
    let mut blobs: BTreeMap<&str, &NewMaterial> = BTreeMap::new();
    let mut links: Vec<(&str, &NewMaterial)> = Vec::new();
    for (j, r) in &records {
        for m in &jobs[*j].1.materials {
            if !stored.contains(m.sha256.as_str()) {
                blobs.entry(m.sha256.as_str()).or_insert(m);
            }
            links.push((r.id.as_str(), m));
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
        let mut q = sqlx::query(AssertSqlSafe(sql));
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
            "bundle_materials (bundle_id, name, filename, content_type, sha256, size)",
            6,
            chunk.len(),
            "",
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (bundle_id, m) in chunk {
            q = q
                .bind(*bundle_id)
                .bind(&m.name)
                .bind(&m.filename)
                .bind(&m.content_type)
                .bind(&m.sha256)
                .bind(m.content.len() as i64);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in crate::statement_chunks(&records) {
        let sql = crate::multi_row_insert(
            "outbox (id, topic, recipient, subject, body, link, dedupe_key, created_at)",
            8,
            chunk.len(),
            "ON CONFLICT (dedupe_key) DO NOTHING",
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (j, r) in chunk {
            let (now, n) = jobs[*j];
            q = q
                .bind(new_id())
                .bind("bundle.status")
                .bind(&n.applicant_id)
                .bind(format!("您申请的“{}”已提交", n.bundle_name))
                .bind(format!(
                    "一件事编号 {}。各部门同时办理，需要补充材料时会一次告知，结果一并送达。",
                    r.bundle_no
                ))
                .bind(format!("/bundle-cases/{}", r.bundle_no))
                .bind(format!("bundle:{}:submit", r.bundle_no))
                .bind(ts(now));
        }
        q.execute(&mut *conn).await?;
    }
    let events = records
        .iter()
        .map(|(j, r)| {
            let (now, n) = jobs[*j];
            (
                now,
                AuditEvent::new(
                    n.first_responder.as_deref().unwrap_or(&n.applicant_id),
                    "bundle.submit",
                    format!("bundle:{}", r.bundle_no),
                    &n.channel,
                ),
            )
        })
        .collect();
    audit::append_many(conn, events).await?;
    // Hand back the records with their members.
    let mut by_job: BTreeMap<usize, BundleCaseRecord> = records.into_iter().collect();
    Ok(results
        .into_iter()
        .enumerate()
        .map(|(j, r)| r.map(|_| by_job.remove(&j).expect("recorded above")))
        .collect())
}

impl Store {
    /// Records an application whole, or returns the one already recorded under the same
    /// applicant and idempotency key (`false` = not newly created).
    pub async fn submit_bundle(
        &self,
        now: DateTime<Utc>,
        new: &NewBundleCase,
    ) -> Result<(BundleCaseRecord, bool), StoreError> {
        match self.group.submit_bundle(now, new.clone()).await {
            Err(StoreError::Conflict(_)) if new.idempotency_key.is_some() => {
                let key = new.idempotency_key.as_deref().unwrap_or_default();
                let id: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM bundle_cases WHERE applicant_id = $1 AND idempotency_key = $2",
                )
                .bind(&new.applicant_id)
                .bind(key)
                .fetch_optional(&self.reader)
                .await?;
                let id = id.ok_or(StoreError::NotFound)?;
                Ok((self.bundle_case_by_id(&id).await?, false))
            }
            other => other.map(|b| (b, true)),
        }
    }

    async fn with_children(&self, mut b: BundleCaseRecord) -> Result<BundleCaseRecord, StoreError> {
        let rows = sqlx::query(
            "SELECT position, implementation_code, item_name, situation, form, depends_on, \
             case_id, cancelled FROM bundle_children WHERE bundle_id = $1 ORDER BY position",
        )
        .bind(&b.id)
        .fetch_all(&self.reader)
        .await?;
        b.children = rows.iter().map(child_from).collect::<Result<_, _>>()?;
        Ok(b)
    }

    pub async fn bundle_case_by_id(&self, id: &str) -> Result<BundleCaseRecord, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{BUNDLE_SELECT} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.with_children(bundle_from(&row)?).await
    }

    pub async fn bundle_case_by_no(&self, no: &str) -> Result<BundleCaseRecord, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{BUNDLE_SELECT} WHERE bundle_no = $1"
        )))
        .bind(no)
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)?;
        self.with_children(bundle_from(&row)?).await
    }

    /// The applicant's bundle applications, newest first.
    pub async fn bundle_cases_of_applicant(
        &self,
        applicant_id: &str,
    ) -> Result<Vec<BundleCaseRecord>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{BUNDLE_SELECT} WHERE applicant_id = $1 ORDER BY submitted_at DESC, id LIMIT 200"
        )))
        .bind(applicant_id)
        .fetch_all(&self.reader)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.with_children(bundle_from(r)?).await?);
        }
        Ok(out)
    }

    /// The bundle a case is a child of.
    pub async fn bundle_of_case(&self, case_id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT bundle_id FROM bundle_children WHERE case_id = $1")
                .bind(case_id)
                .fetch_optional(&self.reader)
                .await?,
        )
    }

    /// Bundles with a member still waiting and another member's case moved since `since`:
    /// what a sweep advances after a crash between a conclusion and the start of what waited
    /// for it (only recently moved bundles, so the sweep stays small).
    pub async fn bundles_waiting(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT w.bundle_id FROM bundle_children w \
             JOIN bundle_children s ON s.bundle_id = w.bundle_id \
             JOIN cases c ON c.id = s.case_id \
             WHERE w.case_id IS NULL AND w.cancelled = 0 AND c.updated_at >= $1 LIMIT $2",
        )
        .bind(ts(since))
        .bind(limit)
        .fetch_all(&self.reader)
        .await?)
    }

    /// The materials received with the application, with their content.
    pub async fn bundle_materials(&self, bundle_id: &str) -> Result<Vec<NewMaterial>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.name, m.filename, m.content_type, m.sha256, b.content FROM bundle_materials m \
             JOIN blobs b ON b.sha256 = m.sha256 WHERE m.bundle_id = $1 ORDER BY m.name",
        )
        .bind(bundle_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NewMaterial {
                    name: r.try_get("name")?,
                    filename: r.try_get("filename")?,
                    content_type: r.try_get("content_type")?,
                    sha256: r.try_get("sha256")?,
                    content: r.try_get("content")?,
                    waived_by: None,
                })
            })
            .collect()
    }

    /// Keeps papers sent later (an answer to the bundle's notice) for the members that start
    /// afterwards: each replaces the paper of its name.
    pub async fn keep_bundle_materials(
        &self,
        bundle_id: &str,
        materials: &[NewMaterial],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for m in materials {
            sqlx::query(
                "INSERT INTO blobs (sha256, content, size) VALUES ($1, $2, $3) \
                 ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&m.sha256)
            .bind(&m.content)
            .bind(m.content.len() as i64)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO bundle_materials (bundle_id, name, filename, content_type, sha256, \
                 size) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (bundle_id, name) DO UPDATE \
                 SET filename = excluded.filename, content_type = excluded.content_type, \
                 sha256 = excluded.sha256, size = excluded.size",
            )
            .bind(bundle_id)
            .bind(&m.name)
            .bind(&m.filename)
            .bind(&m.content_type)
            .bind(&m.sha256)
            .bind(m.content.len() as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Starts a waiting child with its case, once: a second start (another instance, a
    /// retry) finds the case the first recorded under the child's key.
    pub async fn start_bundle_child(
        &self,
        now: DateTime<Utc>,
        bundle_id: &str,
        position: i64,
        case: &NewCase,
    ) -> Result<CaseRecord, StoreError> {
        let key = case.idempotency_key.clone().unwrap_or_default();
        let mut tx = self.begin_write().await?;
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT id FROM cases WHERE applicant_id = $1 AND idempotency_key = $2",
        )
        .bind(&case.applicant_id)
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
        let case_id = match existing {
            Some(id) => id,
            None => {
                insert_cases_batch_in(&mut tx, &[(now, case)])
                    .await?
                    .pop()
                    .ok_or(StoreError::NotFound)??
                    .id
            }
        };
        sqlx::query(
            "UPDATE bundle_children SET case_id = $1 \
             WHERE bundle_id = $2 AND position = $3 AND case_id IS NULL",
        )
        .bind(&case_id)
        .bind(bundle_id)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.case_by_id(&case_id).await
    }

    /// A waiting child that can never start.
    pub async fn cancel_bundle_child(
        &self,
        bundle_id: &str,
        position: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE bundle_children SET cancelled = 1 \
             WHERE bundle_id = $1 AND position = $2 AND case_id IS NULL",
        )
        .bind(bundle_id)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that the results were delivered together (once).
    pub async fn set_bundle_delivered(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        bundle_id: &str,
        delivery: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE bundle_cases SET delivered_at = $1, delivery = $2 \
             WHERE id = $3 AND delivered_at IS NULL",
        )
        .bind(ts(now))
        .bind(delivery)
        .bind(bundle_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if done {
            let row = sqlx::query(
                "SELECT bundle_no, applicant_id, bundle_name FROM bundle_cases WHERE id = $1",
            )
            .bind(bundle_id)
            .fetch_one(&mut *tx)
            .await?;
            let no: String = row.try_get("bundle_no")?;
            let name: String = row.try_get("bundle_name")?;
            sqlx::query(
                "INSERT INTO outbox (id, topic, recipient, subject, body, link, dedupe_key, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(new_id())
            .bind("bundle.status")
            .bind(row.try_get::<String, _>("applicant_id")?)
            .bind(format!("“{name}”已全部办结，结果一并送达"))
            .bind(format!("一件事编号 {no}。全部办理结果已一次送达，请查看。"))
            .bind(format!("/bundle-cases/{no}"))
            .bind(format!("bundle:{no}:deliver"))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            audit::append(
                &mut tx,
                now,
                AuditEvent::new(actor, "bundle.deliver", format!("bundle:{no}"), delivery),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Stores the 行业综合许可证 issued for the bundle with the bundle's record of it, once:
    /// `false` (nothing stored) if one already was.
    pub async fn issue_bundle_licence(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        bundle_id: &str,
        licence: &crate::NewLicence,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE bundle_cases SET combined_licence = $1 \
             WHERE id = $2 AND combined_licence IS NULL",
        )
        .bind(&licence.sealed.licence.identifier)
        .bind(bundle_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if done {
            let mut audit = audit::AuditBatch::default();
            crate::licences::insert_licence_in(&mut tx, now, actor, licence, &mut audit).await?;
            audit.write(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(done)
    }
}
