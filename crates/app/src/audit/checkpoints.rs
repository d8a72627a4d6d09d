//! Sealing the audit trail's checkpoints and checking the trail against them (issue 11).
//!
//! The audit key's secret half is a file in the key store, like the seal keys; every
//! checkpoint is written to the database (published at `/api/v1/audit/checkpoints`) and
//! appended to a copy beside the key, so dropping the newest checkpoints from the database
//! is found too.

use tongban_domain::audit::checkpoint::{
    Checkpoint, SealedCheckpoint, SealedHeads, check_checkpoints,
};
use tongban_domain::seal::SealSecret;
use tongban_store::{AuditReport, StoreError};

use crate::{App, AppError};

/// The audit key's id in the key store.
pub const AUDIT_KEY_ID: &str = "audit-checkpoint";
/// The copy of every checkpoint this instance sealed, beside the key.
const COPY: &str = "audit-checkpoints.jsonl";

fn audit_key(app: &App) -> Result<Option<std::sync::Arc<SealSecret>>, AppError> {
    Ok(app.keys.load(AUDIT_KEY_ID)?)
}

/// Seals a checkpoint of every chain's head now. The audit key is created on the first
/// seal; once checkpoints exist, only an instance holding their key may seal (another key
/// would fail verification).
pub async fn seal(app: &App, actor: &str) -> Result<SealedCheckpoint, AppError> {
    let secret = match audit_key(app)? {
        Some(s) => s,
        None => {
            if !app.store.audit_checkpoints().await?.is_empty() {
                return Err(AppError::Refused {
                    code: "audit_key_missing",
                    detail: "本机没有审计密钥（DATA_DIR/keys/audit-checkpoint.sm2），\
                             请在持有密钥的实例上封存，或复制密钥文件"
                        .into(),
                });
            }
            let s = SealSecret::generate();
            app.keys.save(AUDIT_KEY_ID, &s)?;
            std::sync::Arc::new(s)
        }
    };
    // Another instance may take the next number first: read again and seal after it.
    for _ in 0..5 {
        let stored = app.store.audit_checkpoints().await?;
        let heads = app.store.audit_chain_heads().await?;
        let now = app.clock.now();
        let checkpoint = Checkpoint::next(
            stored.last(),
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            heads,
        );
        let sealed = SealedCheckpoint::seal(checkpoint, &secret);
        match app.store.record_checkpoint(now, actor, &sealed).await {
            Ok(()) => {
                let line = serde_json::to_string(&sealed).map_err(AppError::internal)?;
                app.keys.append_record(COPY, &line)?;
                return Ok(sealed);
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable)
}

/// Seals when the newest checkpoint is a day old (or there is none and this instance holds
/// the key or is the first to seal); what every `serve` runs hourly.
pub async fn seal_if_due(app: &App) -> Result<Option<SealedCheckpoint>, AppError> {
    let stored = app.store.audit_checkpoints().await?;
    let due = match stored.last() {
        None => true,
        Some(c) => chrono::DateTime::parse_from_rfc3339(&c.checkpoint.at)
            .map(|at| app.clock.now() - at.with_timezone(&chrono::Utc) >= chrono::Duration::days(1))
            .unwrap_or(true),
    };
    if !due || (!stored.is_empty() && audit_key(app)?.is_none()) {
        return Ok(None);
    }
    seal(app, "system").await.map(Some)
}

/// After a restore from backup: the copy of checkpoints sealed since is renamed (kept for
/// the record) so that the restored trail is verified against its own checkpoints.
/// Returns the new name, if there was a copy.
pub fn set_aside_copy(
    keys: &tongban_store::KeyStore,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<String>, AppError> {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    Ok(keys.set_aside_record(COPY, &format!("before-restore-{stamp}"))?)
}

/// The published checkpoints, oldest first.
pub async fn published(app: &App) -> Result<Vec<SealedCheckpoint>, AppError> {
    Ok(app.store.audit_checkpoints().await?)
}

/// The whole check: the chains, the checkpoints' seals (by the audit key this instance
/// holds, or `public_key` given by whoever verifies), their numbering and links, the copy
/// beside the key and any `published` copies someone kept, and the rows against every
/// sealed head.
pub async fn verify(
    app: &App,
    public_key: Option<&str>,
    published: &[SealedCheckpoint],
) -> Result<AuditReport, AppError> {
    let stored = app.store.audit_checkpoints().await?;
    let mut copies: Vec<SealedCheckpoint> = Vec::new();
    for line in app.keys.read_record(COPY)? {
        copies.push(serde_json::from_str(&line).map_err(|e| {
            AppError::internal(StoreError::Corrupt(format!("检查点副本无法读取：{e}")))
        })?);
    }
    copies.extend(published.iter().cloned());
    let key = match public_key {
        Some(k) => Some(k.to_owned()),
        None => audit_key(app)?.map(|s| s.public_hex()),
    };
    let sealed_check = match &key {
        Some(k) => check_checkpoints(&stored, &copies, k).err(),
        None if stored.is_empty() && copies.is_empty() => None,
        None => {
            return Err(AppError::Refused {
                code: "audit_key_missing",
                detail: "本机没有审计密钥，无法核对检查点签章：请在持有密钥的实例上核验，\
                         或用 --audit-key 给出公布的审计公钥"
                    .into(),
            });
        }
    };
    let mut report = app
        .store
        .verify_audit_against(&SealedHeads::of(&stored))
        .await?;
    if let Some(b) = sealed_check {
        report.checkpoint_break = Some(b);
    }
    Ok(report)
}
