//! Storage of the catalog: upper-level entries, versions of implementation lists and the
//! published set. The lifecycle rules are the domain's; this module records what the domain
//! decided, with a status guard so two reviewers cannot both move the same version.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use tongban_domain::audit::AuditEvent;
use tongban_domain::catalog::{CatalogEntry, ItemKind, ServiceItem, VersionStatus};

use crate::{Store, StoreError, audit, new_id, parse_ts, ts};

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub inserted: usize,
    pub updated: usize,
}

/// One version of an implementation list.
#[derive(Debug, Clone)]
pub struct ItemVersion {
    pub id: String,
    pub implementation_code: String,
    pub version: i64,
    pub org_unit_id: String,
    pub org_path: String,
    pub status: VersionStatus,
    pub item: ServiceItem,
    pub adjustment_reason: String,
    pub review_comment: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A published item with its version.
#[derive(Debug, Clone)]
pub struct PublishedItem {
    pub item: ServiceItem,
    pub version: i64,
    pub version_id: String,
    pub published_at: DateTime<Utc>,
}

const VERSION_SELECT: &str = "SELECT v.id, v.implementation_code, v.version, v.org_unit_id, \
     o.path AS org_path, v.status, v.document, v.adjustment_reason, v.review_comment, \
     v.created_by, v.created_at, v.updated_at, v.published_at \
     FROM item_versions v JOIN org_units o ON o.id = v.org_unit_id";

fn document(s: &str) -> Result<ServiceItem, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("实施清单无法读取：{e}")))
}

fn to_document(item: &ServiceItem) -> String {
    serde_json::to_string(item).expect("a ServiceItem always serialises")
}

fn version_from(row: &AnyRow) -> Result<ItemVersion, StoreError> {
    let status: String = row.try_get("status")?;
    let published_at: Option<String> = row.try_get("published_at")?;
    Ok(ItemVersion {
        id: row.try_get("id")?,
        implementation_code: row.try_get("implementation_code")?,
        version: row.try_get("version")?,
        org_unit_id: row.try_get("org_unit_id")?,
        org_path: row.try_get("org_path")?,
        status: VersionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("未知版本状态 {status}")))?,
        item: document(&row.try_get::<String, _>("document")?)?,
        adjustment_reason: row.try_get("adjustment_reason")?,
        review_comment: row.try_get("review_comment")?,
        created_by: row.try_get("created_by")?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?)?,
        published_at: published_at.as_deref().map(parse_ts).transpose()?,
    })
}

fn entry_from(row: &AnyRow) -> Result<CatalogEntry, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(CatalogEntry {
        catalog_code: row.try_get("catalog_code")?,
        name: row.try_get("name")?,
        kind: ItemKind::from_code(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("未知事项类型 {kind}")))?,
        legal_basis: row.try_get("legal_basis")?,
        group: row.try_get("grp")?,
        source_department: row.try_get("source_department")?,
        local: row.try_get::<i64, _>("local")? != 0,
    })
}

async fn org_id(conn: &mut AnyConnection, code: &str) -> Result<String, StoreError> {
    sqlx::query_scalar("SELECT id FROM org_units WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Config(format!("机构 {code} 不存在")))
}

/// A table of versioned definitions moved through the review lifecycle: its name and the
/// column naming what the versions are versions of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VersionTable {
    table: &'static str,
    key: &'static str,
}

pub(crate) const ITEM_VERSIONS: VersionTable = VersionTable {
    table: "item_versions",
    key: "implementation_code",
};

pub(crate) const BUNDLE_VERSIONS: VersionTable = VersionTable {
    table: "bundle_versions",
    key: "code",
};

/// Moves version `id` from `from` to `to` (the domain has judged the step), guarded by the
/// status it was judged on (`Conflict("status_changed")` if another step came first); a
/// publication supersedes the version in force and stamps the new one. Returns what the
/// version is of (its implementation code, its bundle code).
pub(crate) async fn move_version(
    conn: &mut AnyConnection,
    t: VersionTable,
    now: DateTime<Utc>,
    id: &str,
    from: VersionStatus,
    to: VersionStatus,
    comment: &str,
) -> Result<String, StoreError> {
    let (table, key) = (t.table, t.key);
    let code: String = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT {key} FROM {table} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let n = sqlx::query(AssertSqlSafe(format!(
        "UPDATE {table} SET status = $1, review_comment = $2, updated_at = $3 \
         WHERE id = $4 AND status = $5"
    )))
    .bind(to.as_str())
    .bind(comment)
    .bind(ts(now))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Conflict("status_changed".into()));
    }
    if to == VersionStatus::Published {
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {table} SET status = 'superseded' WHERE {key} = $1 \
             AND status = 'published' AND id <> $2"
        )))
        .bind(&code)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {table} SET published_at = $1 WHERE id = $2"
        )))
        .bind(ts(now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(code)
}

impl Store {
    /// Inserts or updates every entry in one transaction: all or nothing.
    pub async fn import_catalog(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        entries: &[CatalogEntry],
    ) -> Result<ImportSummary, StoreError> {
        let mut tx = self.begin_write().await?;
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM catalog_entries")
            .fetch_one(&mut *tx)
            .await?;
        for e in entries {
            sqlx::query(
                "INSERT INTO catalog_entries (catalog_code, name, kind, legal_basis, grp, \
                 source_department, imported_at, local) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (catalog_code) DO UPDATE SET name = excluded.name, \
                 kind = excluded.kind, legal_basis = excluded.legal_basis, grp = excluded.grp, \
                 source_department = excluded.source_department, \
                 imported_at = excluded.imported_at, local = excluded.local",
            )
            .bind(&e.catalog_code)
            .bind(&e.name)
            .bind(e.kind.code())
            .bind(&e.legal_basis)
            .bind(&e.group)
            .bind(&e.source_department)
            .bind(ts(now))
            .bind(i64::from(e.local))
            .execute(&mut *tx)
            .await?;
        }
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM catalog_entries")
            .fetch_one(&mut *tx)
            .await?;
        let inserted = usize::try_from(after - before).unwrap_or(0);
        let summary = ImportSummary {
            inserted,
            updated: entries.len() - inserted,
        };
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "catalog.import",
                "catalog",
                format!("新增 {} 项，更新 {} 项", summary.inserted, summary.updated),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    pub async fn catalog_entry(&self, catalog_code: &str) -> Result<CatalogEntry, StoreError> {
        let row = sqlx::query("SELECT * FROM catalog_entries WHERE catalog_code = $1")
            .bind(catalog_code)
            .fetch_one(&self.reader)
            .await?;
        entry_from(&row)
    }

    /// Entries whose name contains `query` (all when empty), by name, with the total.
    pub async fn catalog_entries(
        &self,
        query: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<CatalogEntry>, i64), StoreError> {
        let like = format!("%{}%", query.trim().replace(['%', '_'], ""));
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM catalog_entries WHERE name LIKE $1 OR catalog_code = $2",
        )
        .bind(&like)
        .bind(query.trim())
        .fetch_one(&self.reader)
        .await?;
        let rows = sqlx::query(
            "SELECT * FROM catalog_entries WHERE name LIKE $1 OR catalog_code = $2 \
             ORDER BY name, catalog_code LIMIT $3 OFFSET $4",
        )
        .bind(&like)
        .bind(query.trim())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reader)
        .await?;
        Ok((
            rows.iter().map(entry_from).collect::<Result<_, _>>()?,
            total,
        ))
    }

    /// Starts a new draft version of `item` (a first draft, or an adjustment of a published
    /// item). Refused with `Conflict` while another version of the item is still open.
    pub async fn create_draft(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        item: &ServiceItem,
        adjustment_reason: &str,
    ) -> Result<ItemVersion, StoreError> {
        let mut tx = self.begin_write().await?;
        let open: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM item_versions WHERE implementation_code = $1 \
             AND status IN ({})",
            crate::fixed_names(VersionStatus::OPEN.map(VersionStatus::as_str))
        )))
        .bind(&item.implementation_code)
        .fetch_one(&mut *tx)
        .await?;
        if open > 0 {
            return Err(StoreError::Conflict("open_version".into()));
        }
        let org = org_id(&mut tx, &item.org_code).await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM item_versions WHERE implementation_code = $1",
        )
        .bind(&item.implementation_code)
        .fetch_one(&mut *tx)
        .await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO item_versions (id, implementation_code, version, catalog_code, \
             org_unit_id, name, status, document, adjustment_reason, created_by, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $10)",
        )
        .bind(&id)
        .bind(&item.implementation_code)
        .bind(version)
        .bind(&item.catalog_code)
        .bind(&org)
        .bind(&item.name)
        .bind(to_document(item))
        .bind(adjustment_reason)
        .bind(actor)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                if version == 1 {
                    "item.draft"
                } else {
                    "item.adjust"
                },
                format!("item:{}", item.implementation_code),
                format!("第 {version} 版"),
            ),
        )
        .await?;
        let row = sqlx::query(AssertSqlSafe(format!("{VERSION_SELECT} WHERE v.id = $1")))
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        let v = version_from(&row)?;
        tx.commit().await?;
        Ok(v)
    }

    /// Replaces the document of a version that is still in `expected` status.
    pub async fn update_draft(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        id: &str,
        expected: VersionStatus,
        item: &ServiceItem,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE item_versions SET document = $1, name = $2, updated_at = $3 \
             WHERE id = $4 AND status = $5",
        )
        .bind(to_document(item))
        .bind(&item.name)
        .bind(ts(now))
        .bind(id)
        .bind(expected.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict("status_changed".into()));
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "item.edit",
                format!("item:{}", item.implementation_code),
                id,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a review transition the domain allowed (`from` → `to`), with the comment.
    pub async fn transition_version(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        id: &str,
        from: VersionStatus,
        to: VersionStatus,
        comment: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let code = move_version(&mut tx, ITEM_VERSIONS, now, id, from, to, comment).await?;
        if to == VersionStatus::Published {
            self.record_publication(&mut tx, now, id).await?;
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                format!("item.{}", to.as_str()),
                format!("item:{code}"),
                comment,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The published set follows a publication (`move_version` has superseded the version
    /// before): the generation is bumped so every instance refreshes its index.
    async fn record_publication(
        &self,
        conn: &mut AnyConnection,
        now: DateTime<Utc>,
        id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO published_items (implementation_code, version_id, version, org_unit_id, \
             document, published_at) SELECT implementation_code, id, version, org_unit_id, \
             document, $1 FROM item_versions WHERE id = $2 \
             ON CONFLICT (implementation_code) DO UPDATE SET version_id = excluded.version_id, \
             version = excluded.version, org_unit_id = excluded.org_unit_id, \
             document = excluded.document, published_at = excluded.published_at",
        )
        .bind(ts(now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE catalog_generation SET generation = generation + 1 WHERE id = 1")
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn item_version(&self, id: &str) -> Result<ItemVersion, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{VERSION_SELECT} WHERE v.id = $1")))
            .bind(id)
            .fetch_one(&self.reader)
            .await?;
        version_from(&row)
    }

    /// Every version of one item, newest first: its history.
    pub async fn item_history(
        &self,
        implementation_code: &str,
    ) -> Result<Vec<ItemVersion>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{VERSION_SELECT} WHERE v.implementation_code = $1 ORDER BY v.version DESC"
        )))
        .bind(implementation_code)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(version_from).collect()
    }

    /// Versions in the given statuses whose unit lies within `scope`, oldest first (the
    /// order work is done in).
    pub async fn versions_in(
        &self,
        statuses: &[VersionStatus],
        scope: &tongban_domain::authz::Scope,
    ) -> Result<Vec<ItemVersion>, StoreError> {
        let list = crate::fixed_names(statuses.iter().map(|s| s.as_str()));
        let Some(scope) = crate::scope_args(scope) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{VERSION_SELECT} WHERE v.status IN ({list}) AND {} ORDER BY v.updated_at, v.id",
            crate::IN_SCOPE
        )))
        .bind(scope.0)
        .bind(scope.1)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(version_from).collect()
    }

    fn published_from(row: &AnyRow) -> Result<PublishedItem, StoreError> {
        Ok(PublishedItem {
            item: document(&row.try_get::<String, _>("document")?)?,
            version: row.try_get("version")?,
            version_id: row.try_get("version_id")?,
            published_at: parse_ts(&row.try_get::<String, _>("published_at")?)?,
        })
    }

    pub async fn published_item(
        &self,
        implementation_code: &str,
    ) -> Result<PublishedItem, StoreError> {
        let row = sqlx::query("SELECT * FROM published_items WHERE implementation_code = $1")
            .bind(implementation_code)
            .fetch_one(&self.reader)
            .await?;
        Self::published_from(&row)
    }

    /// Every published item: what the search index and the lists are built from.
    pub async fn published_items(&self) -> Result<Vec<PublishedItem>, StoreError> {
        let rows = sqlx::query("SELECT * FROM published_items ORDER BY implementation_code")
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(Self::published_from).collect()
    }

    /// Bumped by every publication.
    pub async fn catalog_generation(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT generation FROM catalog_generation WHERE id = 1")
                .fetch_one(&self.reader)
                .await?,
        )
    }
}
