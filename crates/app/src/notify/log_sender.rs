//! The default sender: no gateway is configured here, so what would be sent is written to
//! the log, with the number masked.

use tongban_domain::mask::mask_phone;
use tongban_store::OutboxMessage;

use super::NotificationSender;

/// Writes what would be sent to the log.
#[derive(Debug, Clone, Copy)]
pub struct LogSender;

impl NotificationSender for LogSender {
    fn send(&self, phone: Option<&str>, message: &OutboxMessage) {
        if message.topic == tongban_store::SMS_CODE_TOPIC {
            // The demonstration's SMS centre is this log: the text (with its code) is shown
            // here only; the in-app inbox and the audit trail never hold it.
            tracing::info!(
                to = %phone.map(mask_phone).unwrap_or_else(|| "(无手机号)".into()),
                text = %message.body,
                "短信中心 (log sender)"
            );
            return;
        }
        tracing::info!(
            to = %phone.map(mask_phone).unwrap_or_else(|| "(无手机号)".into()),
            topic = %message.topic,
            subject = %message.subject,
            "notification (log sender)"
        );
    }
}

/// Sends nothing beyond the in-app inbox (configured `none`).
#[derive(Debug, Clone, Copy)]
pub struct NoSender;

impl NotificationSender for NoSender {
    fn send(&self, _: Option<&str>, _: &OutboxMessage) {}
}
