//! Reaching people beyond the in-app inbox (issue 16): which channels a notification goes
//! by (`channels_for`, from the person's preferences), how each channel's text is written
//! (`templates.rs`, in Chinese), and when a failed send is tried again (`retry_after`).

use chrono::Duration;
use serde::Serialize;

pub mod templates;

/// A channel beyond the in-app inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Self::Sms),
            "email" => Some(Self::Email),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Sms => "短信",
            Self::Email => "电子邮件",
        }
    }
}

/// A person's choice of channels. Without a recorded choice, SMS to the phone on the
/// account is on (what people expect of a government platform) and e-mail is off (there is
/// no address until the person gives one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preferences {
    pub sms: bool,
    /// The address to write to; `None` is e-mail off.
    pub email: Option<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            sms: true,
            email: None,
        }
    }
}

/// The topic of a one-time code by SMS: sent whatever the preferences (the person asked for
/// it), by SMS only, never into the inbox.
pub const SMS_CODE_TOPIC: &str = "sms.code";

/// Where a notification of `topic` goes for a person with `prefs` and `phone`: each channel
/// with its address.
pub fn channels_for(
    topic: &str,
    prefs: &Preferences,
    phone: Option<&str>,
) -> Vec<(Channel, String)> {
    let mut out = Vec::new();
    let phone = phone.map(str::trim).filter(|p| !p.is_empty());
    if topic == SMS_CODE_TOPIC {
        if let Some(p) = phone {
            out.push((Channel::Sms, p.to_owned()));
        }
        return out;
    }
    if prefs.sms
        && let Some(p) = phone
    {
        out.push((Channel::Sms, p.to_owned()));
    }
    if let Some(e) = prefs
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        out.push((Channel::Email, e.to_owned()));
    }
    out
}

/// Tries a channel may take before its delivery is given up as failed.
pub const MAX_ATTEMPTS: u32 = 8;

/// How long after the `attempts`-th failed try the next one is made; `None` once
/// `MAX_ATTEMPTS` have failed. Doubling from 30 seconds, at most two hours apart, so a
/// gateway down for a morning is caught up within the day.
pub fn retry_after(attempts: u32) -> Option<Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let secs = 30i64 << attempts.saturating_sub(1).min(10);
    Some(Duration::seconds(secs.min(7200)))
}

/// Checks an e-mail address as people type it: one `@`, something on each side, a dot in
/// the domain, no spaces, at most 254 characters (RFC 5321's limit).
pub fn check_email(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if s.chars().count() > 254 {
        return Err("电子邮箱地址过长");
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Err("电子邮箱地址须含 @，例如 zhang@example.com");
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    let ok = local_ok && domain_ok;
    if ok {
        Ok(s.to_owned())
    } else {
        Err("电子邮箱地址格式不正确，例如 zhang@example.com")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn channels_follow_preferences() {
        let default = Preferences::default();
        assert_eq!(
            channels_for("case.accepted", &default, Some("13900000000")),
            vec![(Channel::Sms, "13900000000".into())]
        );
        assert!(channels_for("case.accepted", &default, None).is_empty());
        let both = Preferences {
            sms: true,
            email: Some("a@b.cn".into()),
        };
        assert_eq!(channels_for("queue.called", &both, Some("139")).len(), 2);
        let quiet = Preferences {
            sms: false,
            email: None,
        };
        assert!(channels_for("case.accepted", &quiet, Some("139")).is_empty());
        // A code the person asked for goes by SMS whatever they chose, and never by mail.
        assert_eq!(
            channels_for(
                SMS_CODE_TOPIC,
                &Preferences {
                    sms: false,
                    email: Some("a@b.cn".into())
                },
                Some("139")
            ),
            vec![(Channel::Sms, "139".into())]
        );
    }

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            check_email(" zhang@example.com "),
            Ok("zhang@example.com".into())
        );
        for bad in [
            "zhang", "zhang@", "@x.cn", "a@b", "a b@x.cn", "a@@x.cn", "a@x.cn.",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Retries come later each time, never more than two hours apart, and stop.
        #[test]
        fn retries_back_off_and_stop(n in 1u32..20) {
            match (retry_after(n), retry_after(n + 1)) {
                (Some(a), Some(b)) => {
                    prop_assert!(a <= b);
                    prop_assert!(b <= Duration::hours(2));
                    prop_assert!(a >= Duration::seconds(30));
                }
                (Some(_), None) => prop_assert_eq!(n + 1, MAX_ATTEMPTS),
                (None, None) => prop_assert!(n >= MAX_ATTEMPTS),
                (None, Some(_)) => prop_assert!(false, "a retry after giving up"),
            }
        }
    }
}
