//! Delivering notifications from the outbox: into the in-app inbox always (but a one-time
//! code), and by SMS and e-mail as the person chose (`tongban_domain::notify`), through the
//! configured senders: an HTTP SMS gateway (`sms_gateway.rs`), SMTP (`smtp.rs`, lettre), or
//! the log in the demonstration (`log_sender.rs`). Each channel's delivery is a row of its
//! own, tried again with the domain's backoff until it is sent or given up, by any instance.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tongban_domain::notify::{Channel, SMS_CODE_TOPIC, channels_for, retry_after, templates};
use tongban_store::DueDelivery;

use crate::{Actor, App, AppError};

mod log_sender;
mod sms_gateway;
mod smtp;

pub use log_sender::LogSender;
pub use sms_gateway::SmsGateway;
pub use smtp::SmtpSender;

/// A message ready for one channel.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The delivery's id: the same on every retry (a gateway may deduplicate by it).
    pub id: String,
    pub topic: String,
    /// The e-mail's subject (an SMS has none).
    pub subject: String,
    pub text: String,
}

/// The future a sender returns: `Err` with the reason when the message was not accepted.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// One channel's way out (SMS gateway, SMTP relay, the log).
pub trait ChannelSender: Send + Sync {
    fn send<'a>(&'a self, to: &'a str, message: &'a Rendered) -> SendFuture<'a>;
}

/// The configured senders; a channel without one is not offered (nothing is planned for
/// it). `link_base` is the public origin links in texts are built on.
#[derive(Clone, Default)]
pub struct Senders {
    pub sms: Option<Arc<dyn ChannelSender>>,
    pub email: Option<Arc<dyn ChannelSender>>,
    pub link_base: String,
}

impl Senders {
    /// The demonstration: both channels to the log.
    pub fn log(link_base: &str) -> Self {
        Senders {
            sms: Some(Arc::new(LogSender)),
            email: Some(Arc::new(LogSender)),
            link_base: link_base.trim_end_matches('/').to_owned(),
        }
    }

    fn of(&self, channel: Channel) -> Option<&Arc<dyn ChannelSender>> {
        match channel {
            Channel::Sms => self.sms.as_ref(),
            Channel::Email => self.email.as_ref(),
        }
    }

    fn link(&self, path: &str) -> Option<String> {
        (!path.is_empty()).then(|| format!("{}{path}", self.link_base))
    }
}

/// Delivers what is pending now: each notification into the inbox with a delivery per
/// channel the person chose, then sends every delivery due. Returns how many notifications
/// were delivered.
pub async fn deliver_pending(app: &App, senders: &Senders) -> Result<usize, AppError> {
    let batch = app.store.claim_outbox(app.clock.now(), 50).await?;
    for m in &batch {
        let account = app.store.account(&m.recipient).await.ok();
        let prefs = app
            .store
            .notification_preferences(&m.recipient)
            .await?
            .unwrap_or_default();
        let channels: Vec<_> = channels_for(
            &m.topic,
            &prefs,
            account.as_ref().and_then(|a| a.phone.as_deref()),
        )
        .into_iter()
        .filter(|(c, _)| senders.of(*c).is_some())
        .collect();
        app.store
            .deliver_with_channels(app.clock.now(), m, m.topic != SMS_CODE_TOPIC, &channels)
            .await?;
    }
    send_due(app, senders).await?;
    Ok(batch.len())
}

/// Sends the deliveries due now; a refusal is tried again later, as the domain's backoff
/// says, or given up. Returns how many went out.
pub async fn send_due(app: &App, senders: &Senders) -> Result<usize, AppError> {
    let due = app.store.claim_deliveries(app.clock.now(), 50).await?;
    let mut sent = 0;
    for d in &due {
        let outcome = match senders.of(d.channel) {
            Some(sender) => sender.send(&d.address, &render(senders, d)).await,
            None => Err("该渠道未配置发送方".to_owned()),
        };
        match outcome {
            Ok(()) => {
                app.store
                    .delivery_sent(app.clock.now(), d, d.topic == SMS_CODE_TOPIC)
                    .await?;
                sent += 1;
            }
            Err(reason) => {
                let retry = retry_after(d.attempts + 1).map(|wait| app.clock.now() + wait);
                tracing::warn!(
                    channel = d.channel.as_str(),
                    attempt = d.attempts + 1,
                    retry = retry.is_some(),
                    error = %reason,
                    "a notification was not accepted"
                );
                app.store.delivery_failed(d, retry, &reason).await?;
            }
        }
    }
    Ok(sent)
}

fn render(senders: &Senders, d: &DueDelivery) -> Rendered {
    let link = senders.link(&d.link);
    let (subject, text) = match d.channel {
        Channel::Sms => (
            String::new(),
            templates::sms_text(&d.topic, &d.subject, &d.body, link.as_deref()),
        ),
        Channel::Email => templates::email(&d.topic, &d.subject, &d.body, link.as_deref()),
    };
    Rendered {
        id: d.id.clone(),
        topic: d.topic.clone(),
        subject,
        text,
    }
}

/// Runs forever, every instance alike: claims are short-lived, and a notification
/// delivered twice lands in the inbox and in each channel once.
pub async fn run_outbox_worker(app: App, senders: Senders) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        if let Err(e) = deliver_pending(&app, &senders).await {
            tracing::warn!(error = %e, "delivering notifications failed");
        }
    }
}

/// A person's channels (their own account).
pub async fn preferences(
    app: &App,
    actor: &Actor,
) -> Result<tongban_domain::notify::Preferences, AppError> {
    let cap = actor
        .principal
        .capability(tongban_domain::authz::Permission::ApplicantSelfService)?;
    Ok(app
        .store
        .notification_preferences(cap.actor())
        .await?
        .unwrap_or_default())
}

/// Sets a person's channels; an e-mail address is checked as typed.
pub async fn set_preferences(
    app: &App,
    actor: &Actor,
    sms: bool,
    email: Option<&str>,
) -> Result<tongban_domain::notify::Preferences, AppError> {
    let cap = actor
        .principal
        .capability(tongban_domain::authz::Permission::ApplicantSelfService)?;
    let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(
            tongban_domain::notify::check_email(e)
                .map_err(|m| AppError::field("email", "email", m))?,
        ),
        None => None,
    };
    let prefs = tongban_domain::notify::Preferences { sms, email };
    app.store
        .set_notification_preferences(app.clock.now(), cap.actor(), &prefs)
        .await?;
    Ok(prefs)
}

/// What went out to a person by SMS and e-mail lately (their own account).
pub async fn deliveries(
    app: &App,
    actor: &Actor,
) -> Result<Vec<tongban_store::DeliveryRecord>, AppError> {
    let cap = actor
        .principal
        .capability(tongban_domain::authz::Permission::ApplicantSelfService)?;
    Ok(app.store.deliveries_of(cap.actor(), 20).await?)
}
