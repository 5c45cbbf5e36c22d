//! The retry policy and the clock it waits on.
//!
//! The policy decides *how long* to wait before a retry and *whether* a failure is worth one;
//! the client decides *whether a replay is safe* (see the module documentation of
//! [`crate::exo::rest`]). Time comes from a [`Clock`], which tests replace with a
//! [`VirtualClock`] so that a minute of backoff takes no real time.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Where the client reads the time and how it waits.
#[async_trait]
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time (token expiry, `Retry-After` dates, assertion timestamps).
    fn now(&self) -> DateTime<Utc>;

    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// The system clock and tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A clock for tests: `sleep` returns at once, moves the virtual time forward and records how
/// long it was asked to wait.
#[derive(Debug)]
pub struct VirtualClock {
    state: Mutex<VirtualState>,
}

#[derive(Debug)]
struct VirtualState {
    now: DateTime<Utc>,
    sleeps: Vec<Duration>,
}

impl VirtualClock {
    /// A virtual clock starting at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        VirtualClock {
            state: Mutex::new(VirtualState {
                now: start,
                sleeps: Vec::new(),
            }),
        }
    }

    /// Every wait asked for so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// Moves the virtual time forward without recording a wait.
    pub fn advance(&self, by: Duration) {
        let mut s = self.lock();
        s.now += chrono::TimeDelta::from_std(by).unwrap_or(chrono::TimeDelta::MAX);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VirtualState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Clock for VirtualClock {
    fn now(&self) -> DateTime<Utc> {
        self.lock().now
    }

    async fn sleep(&self, duration: Duration) {
        let mut s = self.lock();
        s.sleeps.push(duration);
        s.now += chrono::TimeDelta::from_std(duration).unwrap_or(chrono::TimeDelta::MAX);
    }
}

/// How often and how long to retry, in the style of the Azure SDK's retry policy.
///
/// - Retried: HTTP 408, 429, 500, 502, 503 and 504; connection failures; responses naming a
///   transient Exchange exception ([`crate::exo::wire::TRANSIENT_EXCEPTIONS`]) or the
///   "maximum number of concurrent requests" text.
/// - The wait before retry `n` (0-based) is `max(server hint, backoff(n))`: the server's
///   `Retry-After` (seconds, decimals allowed, or an HTTP date; or `retry-after-ms`), capped at
///   [`max_retry_after`](Self::max_retry_after), against an exponential backoff
///   `min(initial_delay · 2ⁿ, max_delay)`, scaled by a random factor in `[0, 1)` ("full jitter")
///   unless [`jitter`](Self::jitter) is off.
/// - After [`max_retries`](Self::max_retries) retries the last failure is returned (a 429 as
///   [`crate::Error::Throttled`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 5, as the Exchange Online module does).
    pub max_retries: u32,
    /// The backoff before the first retry (default 2 s).
    pub initial_delay: Duration,
    /// The longest backoff (default 60 s).
    pub max_delay: Duration,
    /// The longest server hint honoured (default 300 s); a longer `Retry-After` waits this long.
    pub max_retry_after: Duration,
    /// Full jitter on the backoff (default on). Turn it off for deterministic tests.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            initial_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Whether an HTTP status is worth a retry: 408, 429, 500, 502, 503, 504.
    pub fn is_retryable_status(status: u16) -> bool {
        matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
    }

    /// The backoff before retry `retry` (0 for the first retry), before the server hint.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.checked_pow(retry.min(31)).unwrap_or(u32::MAX);
        let full = self
            .initial_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        if self.jitter {
            full.mul_f64(random_unit())
        } else {
            full
        }
    }

    /// The wait before retry `retry`: `max(min(hint, max_retry_after), backoff(retry))`.
    pub fn delay(&self, retry: u32, hint: Option<Duration>) -> Duration {
        let backoff = self.backoff(retry);
        hint.map_or(backoff, |h| h.min(self.max_retry_after).max(backoff))
    }
}

/// Reads the server's wait hint: `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds), else
/// `Retry-After` as seconds (decimals allowed, as the Exchange Online module reads it) or as an
/// HTTP date (relative to `now`; a date in the past means no wait).
pub fn parse_retry_after(
    retry_after: Option<&str>,
    retry_after_ms: Option<&str>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if let Some(ms) = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        // Capped like the seconds below: a huge finite number must not overflow a Duration.
        return Some(Duration::from_secs_f64((ms / 1000.0).min(1.0e9)));
    }
    let text = retry_after?.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1.0e9)));
    }
    let date = DateTime::parse_from_rfc2822(text).ok()?;
    let wait = date.with_timezone(&Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// A random number in `[0, 1)` from the operating system's generator.
pub(crate) fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        return 0.5;
    }
    // 53 random bits: the precision of an f64 mantissa.
    #[allow(clippy::cast_precision_loss)]
    let unit = (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64;
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn retry_after_forms() {
        let now = at("2026-11-27T10:00:00Z");
        assert_eq!(
            parse_retry_after(Some("1.5"), None, now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(Some("7"), None, now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(Some("Fri, 27 Nov 2026 10:00:09 GMT"), None, now),
            Some(Duration::from_secs(9))
        );
        assert_eq!(
            parse_retry_after(Some("Fri, 27 Nov 2026 09:00:00 GMT"), None, now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after(Some("3"), Some("250"), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_retry_after(Some("soon"), None, now), None);
        assert_eq!(parse_retry_after(Some("-1"), None, now), None);
        assert_eq!(parse_retry_after(None, None, now), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_hints_win_when_longer() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        let secs: Vec<u64> = (0..7).map(|n| p.backoff(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(9))),
            Duration::from_secs(9)
        );
        assert_eq!(
            p.delay(3, Some(Duration::from_secs(9))),
            Duration::from_secs(16)
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(4000))),
            Duration::from_secs(300)
        );
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn jitter_stays_below_the_backoff() {
        let p = RetryPolicy::default();
        for n in 0..20 {
            assert!(p.backoff(n % 6) < Duration::from_secs(60));
        }
        let u = random_unit();
        assert!((0.0..1.0).contains(&u));
    }
}
