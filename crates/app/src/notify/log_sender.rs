//! The demonstration's sender: what would go out is written to the log, the address
//! masked. In the demo the log is the SMS centre: an `sms.code` text with its code is
//! written there and nowhere else.

use tongban_domain::mask::mask_phone;

use super::{ChannelSender, Rendered, SendFuture};

#[derive(Debug, Clone, Copy)]
pub struct LogSender;

fn masked(to: &str) -> String {
    if to.contains('@') {
        let (local, domain) = to.split_once('@').unwrap_or((to, ""));
        format!("{}***@{domain}", local.chars().next().unwrap_or('*'))
    } else {
        mask_phone(to)
    }
}

impl ChannelSender for LogSender {
    fn send<'a>(&'a self, to: &'a str, m: &'a Rendered) -> SendFuture<'a> {
        Box::pin(async move {
            if m.topic == tongban_domain::notify::SMS_CODE_TOPIC {
                tracing::info!(to = %masked(to), text = %m.text, "短信中心 (log sender)");
            } else {
                tracing::info!(
                    to = %masked(to),
                    topic = %m.topic,
                    subject = %m.subject,
                    text = %m.text,
                    "notification (log sender)"
                );
            }
            Ok(())
        })
    }
}
