//! E-mail over SMTP with lettre: `smtp://user:pass@host:587` (STARTTLS required),
//! `smtps://…:465` (TLS), or `smtp://host:25?tls=none` for a relay on the same network. A
//! refusal (a 4xx or 5xx, a closed connection) is tried again by the outbox.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{ChannelSender, Rendered, SendFuture};

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    /// `url` as above; `from` as `红寺堡区通办 <noreply@example.cn>` or a bare address.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP 地址无效：{e}"))?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("发件人地址无效（{from}）：{e}"))?;
        Ok(SmtpSender { transport, from })
    }
}

impl ChannelSender for SmtpSender {
    fn send<'a>(&'a self, to: &'a str, m: &'a Rendered) -> SendFuture<'a> {
        Box::pin(async move {
            let to: Mailbox = to.parse().map_err(|e| format!("收件地址无效：{e}"))?;
            let email = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(&m.subject)
                .header(ContentType::TEXT_PLAIN)
                .body(m.text.clone())
                .map_err(|e| e.to_string())?;
            self.transport
                .send(email)
                .await
                .map(|_| ())
                .map_err(|e| format!("邮件服务器拒绝：{e}"))
        })
    }
}
