//! Login throttling policy: how many failed logins an account or an address may have in a
//! window before further attempts are refused.
//!
//! The counts live in the database so every instance behind a load balancer shares them;
//! this module only decides.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub window: Duration,
    pub per_account: u32,
    pub per_address: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::minutes(15),
            per_account: 5,
            per_address: 30,
        }
    }
}

/// Failures recorded for one key (an account login or an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub count: u32,
    pub window_start: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Refused until the window ends.
    Locked {
        retry_after: Duration,
    },
}

impl ThrottlePolicy {
    pub fn decide(
        &self,
        failures: Option<FailureCount>,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Decision {
        match failures {
            Some(f) if f.window_start + self.window > now && f.count >= limit => Decision::Locked {
                retry_after: f.window_start + self.window - now,
            },
            _ => Decision::Allow,
        }
    }

    /// The count after one more failure at `now`: a stale window starts afresh.
    pub fn record_failure(
        &self,
        failures: Option<FailureCount>,
        now: DateTime<Utc>,
    ) -> FailureCount {
        match failures {
            Some(f) if f.window_start + self.window > now => FailureCount {
                count: f.count + 1,
                window_start: f.window_start,
            },
            _ => FailureCount {
                count: 1,
                window_start: now,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_limit_then_releases() {
        let p = ThrottlePolicy::default();
        let t0 = DateTime::parse_from_rfc3339("2026-11-27T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut f = None;
        for _ in 0..5 {
            assert_eq!(p.decide(f, p.per_account, t0), Decision::Allow);
            f = Some(p.record_failure(f, t0));
        }
        assert!(matches!(
            p.decide(f, p.per_account, t0),
            Decision::Locked { .. }
        ));
        let later = t0 + Duration::minutes(16);
        assert_eq!(p.decide(f, p.per_account, later), Decision::Allow);
        assert_eq!(p.record_failure(f, later).count, 1);
    }
}
