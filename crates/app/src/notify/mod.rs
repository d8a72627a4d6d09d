//! Delivering notifications from the outbox: into the in-app inbox always, and through a
//! pluggable sender (SMS, e-mail). The default sender writes to the log, with the number
//! masked, because no gateway is configured here.

use std::time::Duration;

use tongban_store::OutboxMessage;

use crate::{App, AppError};

mod log_sender;

pub use log_sender::{LogSender, NoSender};

/// A channel beyond the in-app inbox (SMS, e-mail): an integration owned by the application
/// layer, implemented in its own module.
pub trait NotificationSender: Send + Sync {
    fn send(&self, phone: Option<&str>, message: &OutboxMessage);
}

/// Delivers what is pending now; returns how many were delivered.
pub async fn deliver_pending(
    app: &App,
    sender: &dyn NotificationSender,
) -> Result<usize, AppError> {
    let batch = app.store.claim_outbox(app.clock.now(), 50).await?;
    for m in &batch {
        // A one-time code goes by SMS only; its text is forgotten once sent.
        let sms_only = m.topic == tongban_store::SMS_CODE_TOPIC;
        if !sms_only {
            app.store.deliver_in_app(app.clock.now(), m).await?;
        }
        let phone = app
            .store
            .account(&m.recipient)
            .await
            .ok()
            .and_then(|a| a.phone);
        sender.send(phone.as_deref(), m);
        if sms_only {
            app.store.mark_sent_only(app.clock.now(), &m.id).await?;
        }
    }
    Ok(batch.len())
}

/// Runs forever, every instance alike: claims are short-lived, and a notification delivered
/// twice lands in the inbox once.
pub async fn run_outbox_worker(app: App, sender: Box<dyn NotificationSender>) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        if let Err(e) = deliver_pending(&app, sender.as_ref()).await {
            tracing::warn!(error = %e, "delivering notifications failed");
        }
    }
}
