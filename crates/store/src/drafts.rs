//! Files kept for an application form that has not been filed yet (see migration 0010).

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{NewMaterial, Store, StoreError, ts};

impl Store {
    /// Keeps `materials` for the owner's draft, each replacing what was kept for the same
    /// material before.
    pub async fn keep_draft_uploads(
        &self,
        now: DateTime<Utc>,
        owner_id: &str,
        draft: &str,
        materials: &[NewMaterial],
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        for m in materials {
            sqlx::query(
                "INSERT INTO draft_uploads (owner_id, draft, material, filename, content_type, \
                 sha256, content, size, kept_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (owner_id, draft, material) DO UPDATE SET \
                 filename = excluded.filename, content_type = excluded.content_type, \
                 sha256 = excluded.sha256, content = excluded.content, size = excluded.size, \
                 kept_at = excluded.kept_at",
            )
            .bind(owner_id)
            .bind(draft)
            .bind(&m.name)
            .bind(&m.filename)
            .bind(&m.content_type)
            .bind(&m.sha256)
            .bind(&m.content)
            .bind(m.content.len() as i64)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// What is kept for the owner's draft, by material name. Read from the primary: the
    /// page that follows a refused form must see what was just kept.
    pub async fn draft_uploads(
        &self,
        owner_id: &str,
        draft: &str,
    ) -> Result<Vec<NewMaterial>, StoreError> {
        let rows = sqlx::query(
            "SELECT material, filename, content_type, sha256, content FROM draft_uploads \
             WHERE owner_id = $1 AND draft = $2 ORDER BY material",
        )
        .bind(owner_id)
        .bind(draft)
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NewMaterial {
                    name: r.try_get("material")?,
                    filename: r.try_get("filename")?,
                    content_type: r.try_get("content_type")?,
                    sha256: r.try_get("sha256")?,
                    content: r.try_get("content")?,
                    waived_by: None,
                })
            })
            .collect()
    }

    /// Forgets a draft once its case is filed.
    pub async fn drop_draft(&self, owner_id: &str, draft: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM draft_uploads WHERE owner_id = $1 AND draft = $2")
            .bind(owner_id)
            .bind(draft)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Forgets drafts kept before `before` (nobody came back to finish them).
    pub async fn purge_drafts(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM draft_uploads WHERE kept_at < $1")
            .bind(ts(before))
            .execute(&self.writer)
            .await?
            .rows_affected())
    }
}
