//! Bundle versions and publication.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use tongban_domain::audit::AuditEvent;
use tongban_domain::bundle::Bundle;
use tongban_domain::catalog::VersionStatus;

use crate::catalog::BUNDLE_VERSIONS;
use crate::{Store, StoreError, audit, new_id, ts};

/// A version of a bundle's definition.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BundleVersion {
    pub id: String,
    pub code: String,
    pub version: i64,
    pub name: String,
    pub status: String,
    pub document: String,
    pub review_comment: String,
    pub created_by: String,
    #[sqlx(try_from = "crate::DbTime")]
    pub created_at: DateTime<Utc>,
}

impl BundleVersion {
    pub fn bundle(&self) -> Result<Bundle, StoreError> {
        serde_json::from_str(&self.document)
            .map_err(|e| StoreError::Corrupt(format!("一件事定义 {}：{e}", self.code)))
    }

    pub fn status(&self) -> Result<VersionStatus, StoreError> {
        VersionStatus::parse(&self.status).ok_or_else(|| StoreError::Corrupt(self.status.clone()))
    }
}

/// The version in force of a published bundle.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublishedBundle {
    pub code: String,
    pub version_id: String,
    pub version: i64,
    pub document: String,
    #[sqlx(try_from = "crate::DbTime")]
    pub published_at: DateTime<Utc>,
}

impl PublishedBundle {
    pub fn bundle(&self) -> Result<Bundle, StoreError> {
        serde_json::from_str(&self.document)
            .map_err(|e| StoreError::Corrupt(format!("一件事定义 {}：{e}", self.code)))
    }
}

const VERSION_SELECT: &str = "SELECT id, code, version, name, status, document, \
     review_comment, created_by, created_at FROM bundle_versions";

impl Store {
    /// A new draft version of a bundle (the first, or the next after the one in force);
    /// a bundle with a version still open is `Conflict("open_version")`.
    pub async fn create_bundle_draft(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        bundle: &Bundle,
    ) -> Result<BundleVersion, StoreError> {
        let mut tx = self.begin_write().await?;
        let open: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM bundle_versions WHERE code = $1 AND status IN ({})",
            crate::fixed_names(VersionStatus::OPEN.map(VersionStatus::as_str))
        )))
        .bind(&bundle.code)
        .fetch_one(&mut *tx)
        .await?;
        if open > 0 {
            return Err(StoreError::Conflict("open_version".into()));
        }
        let lead: String = sqlx::query_scalar("SELECT id FROM org_units WHERE code = $1")
            .bind(&bundle.lead_org)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Config(format!("机构 {} 不存在", bundle.lead_org)))?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM bundle_versions WHERE code = $1",
        )
        .bind(&bundle.code)
        .fetch_one(&mut *tx)
        .await?;
        let id = new_id();
        let document = serde_json::to_string(bundle)
            .map_err(|e| StoreError::Corrupt(format!("一件事定义：{e}")))?;
        sqlx::query(
            "INSERT INTO bundle_versions (id, code, version, name, lead_org_id, status, \
             document, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(&bundle.code)
        .bind(version)
        .bind(&bundle.name)
        .bind(&lead)
        .bind(&document)
        .bind(actor)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "bundle.draft",
                format!("bundle:{}", bundle.code),
                format!("第 {version} 版"),
            ),
        )
        .await?;
        let row = sqlx::query_as(AssertSqlSafe(format!("{VERSION_SELECT} WHERE id = $1")))
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Replaces an open draft's definition (a draft or one returned for changes); a version
    /// that moved since it was read is `Conflict`.
    pub async fn update_bundle_draft(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        id: &str,
        from: VersionStatus,
        bundle: &Bundle,
    ) -> Result<(), StoreError> {
        let document = serde_json::to_string(bundle)
            .map_err(|e| StoreError::Corrupt(format!("一件事定义：{e}")))?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE bundle_versions SET document = $1, name = $2, updated_at = $3 \
             WHERE id = $4 AND status = $5 AND status IN ('draft', 'returned')",
        )
        .bind(&document)
        .bind(&bundle.name)
        .bind(ts(now))
        .bind(id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Err(StoreError::Conflict("version_moved".into()));
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(actor, "bundle.edit", format!("bundle:{}", bundle.code), ""),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves a version from `from` to `to` (the domain has judged the step, the move is the
    /// catalog's `move_version`); publishing puts it in force.
    pub async fn transition_bundle_version(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        id: &str,
        from: VersionStatus,
        to: VersionStatus,
        comment: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let code =
            crate::catalog::move_version(&mut tx, BUNDLE_VERSIONS, now, id, from, to, comment)
                .await?;
        if to == VersionStatus::Published {
            let v: BundleVersion =
                sqlx::query_as(AssertSqlSafe(format!("{VERSION_SELECT} WHERE id = $1")))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            let bundle = v.bundle()?;
            sqlx::query(
                "INSERT INTO published_bundles (code, version_id, version, name, audience, \
                 document, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (code) DO UPDATE SET version_id = excluded.version_id, \
                 version = excluded.version, name = excluded.name, \
                 audience = excluded.audience, document = excluded.document, \
                 published_at = excluded.published_at",
            )
            .bind(&code)
            .bind(id)
            .bind(v.version)
            .bind(&bundle.name)
            .bind(bundle.audience.as_str())
            .bind(&v.document)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                format!("bundle.{}", to.as_str()),
                format!("bundle:{code}"),
                comment,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn bundle_version(&self, id: &str) -> Result<BundleVersion, StoreError> {
        sqlx::query_as(AssertSqlSafe(format!("{VERSION_SELECT} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Every version of a bundle, newest first.
    /// Versions in `status` across bundles, oldest first: a reviewer's queue.
    pub async fn bundle_versions_in(
        &self,
        status: VersionStatus,
    ) -> Result<Vec<BundleVersion>, StoreError> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "{VERSION_SELECT} WHERE status = $1 ORDER BY created_at, id LIMIT 200"
        )))
        .bind(status.as_str())
        .fetch_all(&self.reader)
        .await?)
    }

    pub async fn bundle_versions(&self, code: &str) -> Result<Vec<BundleVersion>, StoreError> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "{VERSION_SELECT} WHERE code = $1 ORDER BY version DESC"
        )))
        .bind(code)
        .fetch_all(&self.reader)
        .await?)
    }

    /// The published bundles (people's life events first, then enterprises'), by name.
    pub async fn published_bundles(&self) -> Result<Vec<PublishedBundle>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT code, version_id, version, document, published_at FROM published_bundles \
             ORDER BY CASE audience WHEN 'person' THEN 0 ELSE 1 END, code",
        )
        .fetch_all(&self.reader)
        .await?)
    }

    pub async fn published_bundle(&self, code: &str) -> Result<PublishedBundle, StoreError> {
        sqlx::query_as(
            "SELECT code, version_id, version, document, published_at FROM published_bundles \
             WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound)
    }
}
