//! The audit trail's sealed checkpoints, published so anyone can keep a copy and later
//! check that the trail still passes through them (`tongban audit verify --published`).

use super::*;

/// The sealed checkpoints, oldest first: each chain's head (seq, SM3 hash) at a moment,
/// signed with the platform's SM2 audit key (held outside the database).
#[utoipa::path(get, path = "/api/v1/audit/checkpoints", tag = "audit",
    responses((status = 200, description = "{public_key, checkpoints: [{checkpoint: {number, at, prev, heads: [{chain, seq, hash}]}, public_key, signature}]}；签名为 SM2（SM3 摘要）对检查点规范文本的签名", body = Object)))]
pub async fn audit_checkpoints(State(state): State<AppState>) -> Result<Response, WebError> {
    let checkpoints = tongban_app::audit::checkpoints::published(&state).await?;
    let public_key = checkpoints.last().map(|c| c.public_key.clone());
    Ok(Json(serde_json::json!({
        "public_key": public_key,
        "checkpoints": checkpoints,
    }))
    .into_response())
}
