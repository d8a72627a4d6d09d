//! The clock as a parameter, so tests can fix time.

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place that reads the wall clock"
    )]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that starts at a fixed instant and runs on from there, for tests: the day is the
/// same whenever the test runs, and later steps still come after earlier ones.
#[derive(Debug, Clone, Copy)]
pub struct StartedClock {
    origin: DateTime<Utc>,
    started: std::time::Instant,
}

impl StartedClock {
    pub fn at(origin: DateTime<Utc>) -> Self {
        StartedClock {
            origin,
            started: std::time::Instant::now(),
        }
    }
}

impl Clock for StartedClock {
    fn now(&self) -> DateTime<Utc> {
        self.origin + self.started.elapsed()
    }
}
