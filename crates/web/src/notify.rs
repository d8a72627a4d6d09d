//! Delivering notifications from the outbox: into the in-app inbox always, and through a
//! pluggable sender (SMS, e-mail). The default sender writes to the log, with the number
//! masked, because no gateway is configured here.

use std::time::Duration;

use tongban_domain::mask::mask_phone;
use tongban_store::OutboxMessage;

use crate::{AppState, WebError};

/// A channel beyond the in-app inbox.
pub trait NotificationSender: Send + Sync {
    fn send(&self, phone: Option<&str>, message: &OutboxMessage);
}

/// Writes what would be sent to the log.
#[derive(Debug, Clone, Copy)]
pub struct LogSender;

impl NotificationSender for LogSender {
    fn send(&self, phone: Option<&str>, message: &OutboxMessage) {
        tracing::info!(
            to = %phone.map(mask_phone).unwrap_or_else(|| "(无手机号)".into()),
            topic = %message.topic,
            subject = %message.subject,
            "notification (log sender)"
        );
    }
}

/// Delivers what is pending now; returns how many were delivered.
pub async fn deliver_pending(
    state: &AppState,
    sender: &dyn NotificationSender,
) -> Result<usize, WebError> {
    let batch = state.store.claim_outbox(state.clock.now(), 50).await?;
    for m in &batch {
        state.store.deliver_in_app(state.clock.now(), m).await?;
        let phone = state
            .store
            .account(&m.recipient)
            .await
            .ok()
            .and_then(|a| a.phone);
        sender.send(phone.as_deref(), m);
    }
    Ok(batch.len())
}

/// Runs forever, every instance alike: claims are short-lived, and a notification delivered
/// twice lands in the inbox once.
pub async fn run_outbox_worker(state: AppState, sender: Box<dyn NotificationSender>) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        if let Err(e) = deliver_pending(&state, sender.as_ref()).await {
            tracing::warn!(error = %e, "delivering notifications failed");
        }
    }
}
