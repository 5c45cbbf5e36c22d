//! Where the workflow reads the time: the [`Clock`] of a [`Session`](crate::session::Session).
//!
//! A tenant's clock is the system's; a simulated organization has a virtual clock of its own
//! (minutes pass when the simulation says so), and a session over the simulation must read that
//! one, or the sync-cycle-plus-24-hours rule and every timestamp of a rehearsal would be wrong.

use std::fmt;

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always reads the same instant (tests, and replays of a recorded run).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}
