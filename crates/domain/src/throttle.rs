//! Login throttling policy: how many failed logins may be tried before each further attempt
//! must wait, and how long.
//!
//! Three counters are kept for every attempt (issue 11): the account from this address (the
//! tight one: an attacker guessing from one place), the account from anywhere (looser: a
//! distributed guess), and the address alone (much higher: a hall's NAT or a proxy carries
//! many honest people). Past its free tries a counter does not lock hard, which an attacker
//! could renew forever to keep the owner out; each further attempt waits a delay that
//! doubles up to a ceiling. An attempt is counted *before* the password is checked, in one
//! atomic statement of the store, so parallel tries cannot pass the limit between a read and
//! a write. The counts live in the database so every instance shares them; this module
//! decides the numbers.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures are forgotten this long after a counter's first one.
    pub window: Duration,
    /// Free tries for one account from one address.
    pub per_pair: u32,
    /// Free tries for one account from all addresses together.
    pub per_account: u32,
    /// Free tries from one address for all accounts together.
    pub per_address: u32,
    /// The wait after the first attempt past the free tries; it doubles with each further.
    pub first_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::minutes(15),
            per_pair: 5,
            per_account: 20,
            per_address: 300,
            first_delay: Duration::seconds(30),
            max_delay: Duration::minutes(15),
        }
    }
}

/// What a counter is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleKey<'a> {
    /// One account (its login) from one address.
    Pair {
        login: &'a str,
        address: &'a str,
    },
    Account {
        login: &'a str,
    },
    Address {
        address: &'a str,
    },
}

impl ThrottleKey<'_> {
    /// The counter's stored key.
    pub fn key(&self) -> String {
        match self {
            ThrottleKey::Pair { login, address } => format!("pair:{login}|{address}"),
            ThrottleKey::Account { login } => format!("login:{login}"),
            ThrottleKey::Address { address } => format!("addr:{address}"),
        }
    }
}

/// The counters one attempt on `login` from `address` is counted on, tightest first.
pub fn keys_for<'a>(login: &'a str, address: &'a str) -> [ThrottleKey<'a>; 3] {
    [
        ThrottleKey::Pair { login, address },
        ThrottleKey::Account { login },
        ThrottleKey::Address { address },
    ]
}

/// Failures recorded for one counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub count: u32,
    pub window_start: DateTime<Utc>,
    /// No attempt is counted (or allowed) before this.
    pub next_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Refused until `retry_after` has passed.
    Wait {
        retry_after: Duration,
    },
}

impl ThrottlePolicy {
    /// The free tries of the counter `key`.
    pub fn free_tries(&self, key: &ThrottleKey<'_>) -> u32 {
        match key {
            ThrottleKey::Pair { .. } => self.per_pair,
            ThrottleKey::Account { .. } => self.per_account,
            ThrottleKey::Address { .. } => self.per_address,
        }
    }

    /// The wait after the `count`-th attempt (counted from 1) of a counter with `free` free
    /// tries: none within them, then `first_delay` doubling up to `max_delay`.
    pub fn delay_after(&self, count: u32, free: u32) -> Duration {
        if count < free {
            return Duration::zero();
        }
        let doublings = (count - free).min(30);
        let ms = self
            .first_delay
            .num_milliseconds()
            .saturating_mul(1i64 << doublings);
        Duration::milliseconds(ms).min(self.max_delay)
    }

    /// The delays after the `free`-th attempt on, until they stop growing: the store writes
    /// them as one `CASE`, so counting and setting the next wait are one statement.
    pub fn delay_ladder(&self, free: u32) -> Vec<Duration> {
        let mut ladder = Vec::new();
        let mut count = free;
        loop {
            let d = self.delay_after(count, free);
            ladder.push(d);
            if d >= self.max_delay || ladder.len() >= 31 {
                return ladder;
            }
            count += 1;
        }
    }

    /// Whether an attempt may be counted now on a counter in state `failures`, which is what
    /// the store's atomic statement also checks.
    pub fn decide(&self, failures: Option<FailureCount>, now: DateTime<Utc>) -> Decision {
        match failures {
            Some(f) if f.window_start + self.window > now && f.next_at > now => Decision::Wait {
                retry_after: f.next_at - now,
            },
            _ => Decision::Allow,
        }
    }

    /// The counter after one more attempt at `now` (a forgotten window starts afresh): the
    /// reference the store's statement is tested against.
    pub fn record_attempt(
        &self,
        failures: Option<FailureCount>,
        free: u32,
        now: DateTime<Utc>,
    ) -> FailureCount {
        let (count, window_start) = match failures {
            Some(f) if f.window_start + self.window > now => (f.count + 1, f.window_start),
            _ => (1, now),
        };
        FailureCount {
            count,
            window_start,
            next_at: now + self.delay_after(count, free),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-27T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn free_tries_then_doubling_waits_then_forgotten() {
        let p = ThrottlePolicy::default();
        let mut f = None;
        for _ in 0..p.per_pair - 1 {
            assert_eq!(p.decide(f, t0()), Decision::Allow);
            f = Some(p.record_attempt(f, p.per_pair, t0()));
        }
        assert_eq!(p.decide(f, t0()), Decision::Allow);
        f = Some(p.record_attempt(f, p.per_pair, t0()));
        assert_eq!(
            p.decide(f, t0()),
            Decision::Wait {
                retry_after: Duration::seconds(30)
            }
        );
        let t1 = t0() + Duration::seconds(30);
        assert_eq!(p.decide(f, t1), Decision::Allow);
        f = Some(p.record_attempt(f, p.per_pair, t1));
        assert_eq!(
            p.decide(f, t1),
            Decision::Wait {
                retry_after: Duration::seconds(60)
            }
        );
        let later = t0() + Duration::minutes(16);
        assert_eq!(p.decide(f, later), Decision::Allow);
        assert_eq!(p.record_attempt(f, p.per_pair, later).count, 1);
    }

    #[test]
    fn the_ladder_ends_at_the_ceiling() {
        let p = ThrottlePolicy::default();
        let ladder = p.delay_ladder(5);
        assert_eq!(ladder[0], Duration::seconds(30));
        assert_eq!(*ladder.last().unwrap(), p.max_delay);
        assert!(ladder.windows(2).all(|w| w[0] <= w[1]));
    }

    proptest! {
        #[test]
        fn waits_never_shrink_and_never_pass_the_ceiling(free in 1u32..50, n in 0u32..200) {
            let p = ThrottlePolicy::default();
            let a = p.delay_after(n, free);
            let b = p.delay_after(n + 1, free);
            prop_assert!(a <= b);
            prop_assert!(b <= p.max_delay);
            prop_assert_eq!(a.is_zero(), n < free);
            // The ladder the store writes agrees with the rule for every count.
            let ladder = p.delay_ladder(free);
            let idx = (n.saturating_sub(free) as usize).min(ladder.len() - 1);
            if n >= free {
                prop_assert_eq!(ladder[idx], a);
            }
        }
    }
}
