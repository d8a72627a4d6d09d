//! Storage of the licence library: licence types, published seal keys, licences and their
//! status, and the key store that keeps seal keys' secret halves in the data directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use tongban_domain::audit::AuditEvent;
use tongban_domain::licence::{Licence, LicenceType, Seal, SealedLicence};
use tongban_domain::seal::{ALGORITHM, SealSecret};

use crate::{Store, StoreError, audit, parse_ts, ts};

/// A published seal key.
#[derive(Debug, Clone)]
pub struct SealKeyRecord {
    pub key_id: String,
    pub org_code: String,
    /// Uncompressed SEC1 hex.
    pub public_key: String,
    pub created_at: DateTime<Utc>,
    /// Set when a newer key replaced it; it still verifies what it sealed.
    pub retired_at: Option<DateTime<Utc>>,
}

/// A licence as the library keeps it.
#[derive(Debug, Clone)]
pub struct LicenceRecord {
    pub sealed: SealedLicence,
    /// `valid`, `revoked` or `expired`.
    pub status: String,
    pub revoke_reason: Option<String>,
    pub case_id: Option<String>,
}

impl LicenceRecord {
    pub fn revoked(&self) -> bool {
        self.status == "revoked"
    }
}

/// A sealed licence to store; its case step, if any, is recorded in the same transaction.
#[derive(Debug, Clone)]
pub struct NewLicence {
    pub sealed: SealedLicence,
    pub case_id: Option<String>,
}

/// The secret halves of seal keys, one file per key under `<data dir>/keys`, readable by
/// the platform's user only. They are never stored in the database, logged or served.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
    /// Secrets already read: a key id's secret never changes, and reading one means a file
    /// and a point multiplication, which every licence issue would otherwise pay.
    loaded: Arc<Mutex<HashMap<String, Arc<SealSecret>>>>,
    /// Each department's current key id as last read from the database, and when: issuing
    /// reads it from here for `CURRENT_KEY_TTL` instead of asking the database every time.
    current: Arc<Mutex<HashMap<String, (String, std::time::Instant)>>>,
}

/// How long an instance keeps sealing with the key it last read as current. A key rotated
/// by another instance or by `tongban keys rotate` is taken up within this time; licences
/// the old key sealed meanwhile still verify, as every rotated-out key's do.
pub const CURRENT_KEY_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl KeyStore {
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Config(e.to_string()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| StoreError::Config(e.to_string()))?;
        }
        Ok(KeyStore {
            dir: dir.to_owned(),
            loaded: Arc::default(),
            current: Arc::default(),
        })
    }

    fn path(&self, key_id: &str) -> Result<PathBuf, StoreError> {
        if key_id.is_empty()
            || !key_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(StoreError::Config(format!("密钥编号 {key_id} 不合法")));
        }
        Ok(self.dir.join(format!("{key_id}.sm2")))
    }

    /// `org_code`'s current key id, if read from the database less than `CURRENT_KEY_TTL`
    /// ago.
    pub fn current_key(&self, org_code: &str) -> Option<String> {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        current
            .get(org_code)
            .filter(|(_, read)| read.elapsed() < CURRENT_KEY_TTL)
            .map(|(id, _)| id.clone())
    }

    /// Notes `key_id` as `org_code`'s current key, read just now.
    pub fn remember_current_key(&self, org_code: &str, key_id: &str) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        current.insert(
            org_code.to_owned(),
            (key_id.to_owned(), std::time::Instant::now()),
        );
    }

    /// Writes a new key's secret (mode 0600, written then renamed so it is never half there).
    pub fn save(&self, key_id: &str, secret: &SealSecret) -> Result<(), StoreError> {
        self.write_secret(&self.path(key_id)?, &secret.to_hex())
    }

    /// Writes another secret kept beside the seal keys (the OIDC signing key, PKCS#8 PEM)
    /// under `name`, as `save` writes a seal key; an existing file is kept and `false`
    /// returned, so instances starting together keep the first one written.
    pub fn save_named(&self, name: &str, text: &str) -> Result<bool, StoreError> {
        let path = self.path(name)?.with_extension("pem");
        if path.exists() {
            return Ok(false);
        }
        self.write_secret(&path, text)?;
        Ok(true)
    }

    /// The secret saved under `name` by `save_named`, if any.
    pub fn load_named(&self, name: &str) -> Result<Option<String>, StoreError> {
        match std::fs::read_to_string(self.path(name)?.with_extension("pem")) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Config(e.to_string())),
        }
    }

    fn write_secret(&self, path: &std::path::Path, text: &str) -> Result<(), StoreError> {
        use std::io::Write;
        let path = path.to_owned();
        let tmp = path.with_extension("tmp");
        let io = |e: std::io::Error| StoreError::Config(format!("无法写入密钥文件：{e}"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// The secret of `key_id`, if this instance holds it.
    pub fn load(&self, key_id: &str) -> Result<Option<Arc<SealSecret>>, StoreError> {
        if let Some(secret) = self.cached(key_id) {
            return Ok(Some(secret));
        }
        match std::fs::read_to_string(self.path(key_id)?) {
            Ok(hex) => {
                let secret = Arc::new(
                    SealSecret::from_hex(&hex)
                        .map_err(|_| StoreError::Corrupt(format!("密钥文件 {key_id} 已损坏")))?,
                );
                self.loaded
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(key_id.to_owned(), secret.clone());
                Ok(Some(secret))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Config(e.to_string())),
        }
    }

    /// Appends a line to `name`, a record kept beside the keys and outside the database
    /// (the audit checkpoints' copy), flushed to disk before returning.
    pub fn append_record(&self, name: &str, line: &str) -> Result<(), StoreError> {
        use std::io::Write;
        let io = |e: std::io::Error| StoreError::Config(format!("无法写入 {name}：{e}"));
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(name))
            .map_err(io)?;
        f.write_all(format!("{line}\n").as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)
    }

    /// Renames the record `name` to `name.<suffix>` (kept, no longer read); returns the new
    /// name, or `None` if there was no record.
    pub fn set_aside_record(&self, name: &str, suffix: &str) -> Result<Option<String>, StoreError> {
        let from = self.dir.join(name);
        if !from.exists() {
            return Ok(None);
        }
        let to = self.dir.join(format!("{name}.{suffix}"));
        std::fs::rename(&from, &to).map_err(|e| StoreError::Config(e.to_string()))?;
        Ok(Some(to.display().to_string()))
    }

    /// The lines of the record `name` (none if it was never written).
    pub fn read_record(&self, name: &str) -> Result<Vec<String>, StoreError> {
        match std::fs::read_to_string(self.dir.join(name)) {
            Ok(s) => Ok(s
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(StoreError::Config(e.to_string())),
        }
    }

    fn cached(&self, key_id: &str) -> Option<Arc<SealSecret>> {
        self.loaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key_id)
            .cloned()
    }
}

fn key_from(row: &AnyRow) -> Result<SealKeyRecord, StoreError> {
    Ok(SealKeyRecord {
        key_id: row.try_get("key_id")?,
        org_code: row.try_get("org_code")?,
        public_key: row.try_get("public_key")?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        retired_at: row
            .try_get::<Option<String>, _>("retired_at")?
            .map(|t| parse_ts(&t))
            .transpose()?,
    })
}

fn licence_from(row: &AnyRow) -> Result<LicenceRecord, StoreError> {
    let licence: Licence = serde_json::from_str(&row.try_get::<String, _>("body")?)
        .map_err(|e| StoreError::Corrupt(format!("证照内容：{e}")))?;
    Ok(LicenceRecord {
        sealed: SealedLicence {
            licence,
            seal: Seal {
                key_id: row.try_get("key_id")?,
                algorithm: ALGORITHM.to_owned(),
                signature: row.try_get("signature")?,
            },
        },
        status: row.try_get("status")?,
        revoke_reason: row.try_get("revoke_reason")?,
        case_id: row.try_get("case_id")?,
    })
}

const LICENCE_SELECT: &str = "SELECT identifier, body, key_id, signature, status, revoke_reason, \
     case_id FROM licences";

/// Stores a sealed licence inside the caller's transaction, with its audit row.
pub(crate) async fn insert_licence_in(
    conn: &mut sqlx::AnyConnection,
    now: DateTime<Utc>,
    actor: &str,
    new: &NewLicence,
    audit: &mut audit::AuditBatch,
) -> Result<(), StoreError> {
    let l = &new.sealed.licence;
    sqlx::query(
        "INSERT INTO licences (identifier, type_code, holder_id, case_id, body, key_id, \
         signature, status, valid_until, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'valid', $8, $9)",
    )
    .bind(&l.identifier)
    .bind(&l.type_code)
    .bind(&l.holder_id)
    .bind(&new.case_id)
    .bind(serde_json::to_string(l).map_err(|e| StoreError::Corrupt(e.to_string()))?)
    .bind(&new.sealed.seal.key_id)
    .bind(&new.sealed.seal.signature)
    .bind(&l.valid_until)
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    audit.push(
        now,
        AuditEvent::new(
            actor,
            "licence.issue",
            format!("licence:{}", l.identifier),
            &new.sealed.seal.key_id,
        ),
    );
    Ok(())
}

/// Revokes every valid licence issued on `case_id` (its result was revoked).
pub(crate) async fn revoke_case_licences_in(
    conn: &mut sqlx::AnyConnection,
    now: DateTime<Utc>,
    actor: &str,
    case_id: &str,
    reason: &str,
    audit: &mut audit::AuditBatch,
) -> Result<(), StoreError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT identifier FROM licences WHERE case_id = $1 AND status = 'valid'",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    for id in ids {
        revoke_in(conn, now, actor, &id, reason, audit).await?;
    }
    Ok(())
}

async fn revoke_in(
    conn: &mut sqlx::AnyConnection,
    now: DateTime<Utc>,
    actor: &str,
    identifier: &str,
    reason: &str,
    audit: &mut audit::AuditBatch,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE licences SET status = 'revoked', revoked_at = $1, revoke_reason = $2 \
         WHERE identifier = $3 AND status <> 'revoked'",
    )
    .bind(ts(now))
    .bind(reason)
    .bind(identifier)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Conflict("already_revoked".into()));
    }
    audit.push(
        now,
        AuditEvent::new(
            actor,
            "licence.revoke",
            format!("licence:{identifier}"),
            reason,
        ),
    );
    Ok(())
}

impl Store {
    /// Publishes a new seal key for `org_code` and retires the department's earlier keys
    /// (they keep verifying what they sealed).
    pub async fn publish_seal_key(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        key_id: &str,
        org_code: &str,
        public_key: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE seal_keys SET retired_at = $1 WHERE org_code = $2 AND retired_at IS NULL",
        )
        .bind(ts(now))
        .bind(org_code)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO seal_keys (key_id, org_code, public_key, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(key_id)
        .bind(org_code)
        .bind(public_key)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(actor, "seal.publish", format!("seal:{key_id}"), org_code),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every published key, newest first.
    pub async fn seal_keys(&self) -> Result<Vec<SealKeyRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT key_id, org_code, public_key, created_at, retired_at FROM seal_keys \
             ORDER BY org_code, created_at DESC",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(key_from).collect()
    }

    /// The key a department seals with now.
    pub async fn current_seal_key(
        &self,
        org_code: &str,
    ) -> Result<Option<SealKeyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT key_id, org_code, public_key, created_at, retired_at FROM seal_keys \
             WHERE org_code = $1 AND retired_at IS NULL ORDER BY created_at DESC LIMIT 1",
        )
        .bind(org_code)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(key_from).transpose()
    }

    /// Adds or replaces a licence type (证照目录), with its audit row.
    pub async fn upsert_licence_type(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        ty: &LicenceType,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let definition =
            serde_json::to_string(ty).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO licence_types (code, name, definition, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO UPDATE SET name = $2, \
             definition = $3, updated_at = $4",
        )
        .bind(&ty.code)
        .bind(&ty.name)
        .bind(&definition)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        // Every instance holds the licence catalog beside the published items and reloads
        // both when the generation moves.
        sqlx::query("UPDATE catalog_generation SET generation = generation + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                actor,
                "licence_type.upsert",
                format!("licence_type:{}", ty.code),
                &ty.name,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn licence_types(&self) -> Result<Vec<LicenceType>, StoreError> {
        let defs: Vec<String> =
            sqlx::query_scalar("SELECT definition FROM licence_types ORDER BY name")
                .fetch_all(&self.reader)
                .await?;
        types_from(&defs)
    }

    /// The next serial number for licences of one type from one issuer, shared by every
    /// instance (numbers a failed issue took are skipped, never reused).
    pub async fn next_licence_serial(
        &self,
        type_code: &str,
        issuer_code: &str,
    ) -> Result<u64, StoreError> {
        Ok(*self
            .reserve_licence_serials(type_code, issuer_code, 1)
            .await?
            .start())
    }

    /// Reserves `count` consecutive serial numbers for licences of one type from one issuer,
    /// for this instance alone (a block not used up before it stops is skipped, never reused).
    pub async fn reserve_licence_serials(
        &self,
        type_code: &str,
        issuer_code: &str,
        count: u64,
    ) -> Result<std::ops::RangeInclusive<u64>, StoreError> {
        let count = i64::try_from(count.max(1)).unwrap_or(1);
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO licence_serials (prefix, seq) VALUES ($1, $2) \
             ON CONFLICT (prefix) DO UPDATE SET seq = licence_serials.seq + $2 RETURNING seq",
        )
        .bind(format!("{type_code}{issuer_code}"))
        .bind(count)
        .fetch_one(&self.writer)
        .await?;
        let last = u64::try_from(last).unwrap_or_default();
        Ok(last + 1 - count as u64..=last)
    }

    /// Stores a licence issued outside a case step (imported from another system).
    pub async fn insert_licence(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        new: &NewLicence,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut audit = audit::AuditBatch::default();
        insert_licence_in(&mut tx, now, actor, new, &mut audit).await?;
        audit.write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn licence(&self, identifier: &str) -> Result<LicenceRecord, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{LICENCE_SELECT} WHERE identifier = $1"
        )))
        .bind(identifier)
        .fetch_one(&self.reader)
        .await?;
        licence_from(&row)
    }

    /// A holder's licences (by resident ID number or credit code), newest first.
    pub async fn licences_of_holder(
        &self,
        holder_id: &str,
    ) -> Result<Vec<LicenceRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{LICENCE_SELECT} WHERE holder_id = $1 ORDER BY issued_at DESC, identifier"
        )))
        .bind(holder_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(licence_from).collect()
    }

    /// The holder's valid licences of the given types (by code), newest first: read through
    /// the `(holder_id, type_code, status)` index, whatever the size of the wallet.
    pub async fn valid_licences_of_types(
        &self,
        holder_id: &str,
        type_codes: &[&str],
    ) -> Result<Vec<LicenceRecord>, StoreError> {
        if type_codes.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..type_codes.len())
            .map(|i| format!("${}", i + 2))
            .collect();
        let sql = format!(
            "{LICENCE_SELECT} WHERE holder_id = $1 AND type_code IN ({}) AND status = 'valid' \
             ORDER BY issued_at DESC, identifier",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(holder_id);
        for code in type_codes {
            q = q.bind(*code);
        }
        let rows = q.fetch_all(&self.reader).await?;
        rows.iter().map(licence_from).collect()
    }

    /// Licences issued on a case.
    pub async fn licences_of_case(&self, case_id: &str) -> Result<Vec<LicenceRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{LICENCE_SELECT} WHERE case_id = $1 ORDER BY identifier"
        )))
        .bind(case_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(licence_from).collect()
    }

    /// Revokes a licence with the reason on record; revoking twice is a conflict.
    pub async fn revoke_licence(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        identifier: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut audit = audit::AuditBatch::default();
        revoke_in(&mut tx, now, actor, identifier, reason, &mut audit).await?;
        audit.write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks licences whose last valid day is before `today` as expired, each with its
    /// audit row. Returns how many.
    pub async fn expire_licences(
        &self,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT identifier FROM licences WHERE status = 'valid' \
             AND valid_until IS NOT NULL AND valid_until < $1",
        )
        .bind(today.format("%Y-%m-%d").to_string())
        .fetch_all(&mut *tx)
        .await?;
        for id in &ids {
            sqlx::query("UPDATE licences SET status = 'expired' WHERE identifier = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            audit::append(
                &mut tx,
                now,
                AuditEvent::new(
                    "system",
                    "licence.expire",
                    format!("licence:{id}"),
                    "expired",
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }
}

fn types_from(defs: &[String]) -> Result<Vec<LicenceType>, StoreError> {
    defs.iter()
        .map(|d| serde_json::from_str(d).map_err(|e| StoreError::Corrupt(format!("证照类型：{e}"))))
        .collect()
}
