//! Fault injection: what can go wrong on the wire, how often, and the throttle's token bucket.

use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A token bucket in front of `InvokeCommand`: it holds at most `burst` requests' worth of
/// tokens and refills at `rate` tokens per second; a request that finds it empty is answered
/// `429` with a `Retry-After` (seconds, with decimals) saying when the next token arrives.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Throttle {
    /// Requests per second the bucket refills (finite, greater than 0).
    pub rate: f64,
    /// The bucket's capacity: how many requests may arrive at once (at least 1).
    pub burst: u32,
}

impl Throttle {
    /// A bucket refilling at `rate` requests per second, with a burst of `rate` rounded up.
    pub fn per_second(rate: f64) -> Self {
        Throttle {
            rate,
            burst: burst_of(rate),
        }
    }
}

fn burst_of(rate: f64) -> u32 {
    if rate.is_finite() && rate >= 1.0 {
        // Saturating float-to-int conversion; rates beyond u32 are not meaningful anyway.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let b = rate.ceil().min(f64::from(u32::MAX)) as u32;
        b
    } else {
        1
    }
}

/// The faults the emulator injects into `InvokeCommand` calls, changeable at run time
/// ([`super::Emulator::set_faults`]).
///
/// Rates are probabilities per request, from 0 (never) to 1 (always). Which requests are hit is
/// decided by a ChaCha stream seeded with the emulator's seed and the request's sequence number
/// (counted from 1 over the `InvokeCommand` requests for a served cmdlet that pass
/// authentication and the throttle), so the same seed and the same sequence of requests give
/// the same faults, whatever the other rates are.
///
/// The order in which a request meets them: latency, authentication (and the claims
/// challenge), the body's parsing, the throttle, the refusal of unknown cmdlets,
/// `drop_before_rate`, `unavailable_rate`, `nul_forbidden_rate`, `transient_error_rate`, then
/// the cmdlet runs, then `applied_but_error_rate` (writes that succeeded only) and
/// `drop_after_apply_rate` (whatever the cmdlet's outcome).
///
/// Serde: `latency` is in seconds (a number with decimals); every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// A token bucket answering `429` with `Retry-After` when empty; `None`: no throttling.
    pub throttle: Option<Throttle>,
    /// Added to every request (the token endpoint's too) before it is handled.
    #[serde(with = "super::duration_secs")]
    pub latency: Duration,
    /// Rate of `503 Service Unavailable` answers, before anything is applied.
    pub unavailable_rate: f64,
    /// Rate of connections closed without a response, before anything is applied.
    pub drop_before_rate: f64,
    /// Rate of connections closed without a response after the cmdlet ran (a write is applied
    /// and the caller never hears of it).
    pub drop_after_apply_rate: f64,
    /// Rate of `500`/`503` answers whose `details[0].message` carries
    /// `DCOverloadedException` (a retryable Exchange exception), before anything is applied.
    pub transient_error_rate: f64,
    /// Rate of `403` answers whose body is NUL bytes labelled `Content-Encoding: gzip`, before
    /// anything is applied.
    pub nul_forbidden_rate: f64,
    /// Rate of successful `Set-*` calls answered `500`/`503` although the change was applied.
    pub applied_but_error_rate: f64,
    /// Answer the first `InvokeCommand` call of each token with a claims challenge (`401`,
    /// `WWW-Authenticate: Bearer ... error="insufficient_claims", claims="<base64>"`). Tokens
    /// requested with a `claims` parameter are never challenged.
    pub claims_challenge: bool,
}

impl Faults {
    /// No fault at all (the default).
    pub fn none() -> Self {
        Faults::default()
    }

    /// Checks that every rate is within 0..=1 and the throttle is usable.
    pub fn validate(&self) -> Result<()> {
        let rates = [
            ("unavailable_rate", self.unavailable_rate),
            ("drop_before_rate", self.drop_before_rate),
            ("drop_after_apply_rate", self.drop_after_apply_rate),
            ("transient_error_rate", self.transient_error_rate),
            ("nul_forbidden_rate", self.nul_forbidden_rate),
            ("applied_but_error_rate", self.applied_but_error_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(Error::invalid_input(
                    format!("fault {name}"),
                    format!("{rate} is not a probability between 0 and 1"),
                ));
            }
        }
        if let Some(t) = self.throttle {
            if !(t.rate.is_finite() && t.rate > 0.0) {
                return Err(Error::invalid_input(
                    "throttle rate",
                    format!("{} is not a positive number of requests per second", t.rate),
                ));
            }
            if t.burst == 0 {
                return Err(Error::invalid_input("throttle burst", "must be at least 1"));
            }
        }
        Ok(())
    }
}

/// A kind of injected fault, as counted in [`super::Stats::faults`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// A `429` from the throttle.
    Throttled,
    /// A request delayed by the configured latency.
    Latency,
    /// A `503` before anything was applied.
    Unavailable,
    /// A connection closed without a response, before anything was applied.
    DroppedBefore,
    /// A connection closed without a response, after the cmdlet ran.
    DroppedAfterApply,
    /// A `500`/`503` carrying `DCOverloadedException`.
    TransientError,
    /// A `403` with a NUL body.
    NulForbidden,
    /// A `500`/`503` for a write that was applied.
    AppliedButError,
    /// A `401` claims challenge.
    ClaimsChallenge,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 9] = [
        FaultKind::Throttled,
        FaultKind::Latency,
        FaultKind::Unavailable,
        FaultKind::DroppedBefore,
        FaultKind::DroppedAfterApply,
        FaultKind::TransientError,
        FaultKind::NulForbidden,
        FaultKind::AppliedButError,
        FaultKind::ClaimsChallenge,
    ];

    /// The snake_case name (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Throttled => "throttled",
            FaultKind::Latency => "latency",
            FaultKind::Unavailable => "unavailable",
            FaultKind::DroppedBefore => "dropped_before",
            FaultKind::DroppedAfterApply => "dropped_after_apply",
            FaultKind::TransientError => "transient_error",
            FaultKind::NulForbidden => "nul_forbidden",
            FaultKind::AppliedButError => "applied_but_error",
            FaultKind::ClaimsChallenge => "claims_challenge",
        }
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The throttle's state.
#[derive(Debug)]
pub(super) struct Bucket {
    config: Option<Throttle>,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub(super) fn new(config: Option<Throttle>) -> Self {
        Bucket {
            config,
            tokens: config.map_or(0.0, |t| f64::from(t.burst)),
            last: Instant::now(),
        }
    }

    /// Starts over (full) when the configuration changed.
    pub(super) fn reconfigure(&mut self, config: Option<Throttle>) {
        if self.config != config {
            *self = Bucket::new(config);
        }
    }

    /// Takes a token; `Err(seconds)` until the next one when the bucket is empty.
    pub(super) fn take(&mut self, now: Instant) -> Result<(), f64> {
        let Some(t) = self.config else {
            return Ok(());
        };
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * t.rate).min(f64::from(t.burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - self.tokens) / t.rate)
        }
    }
}

/// `Retry-After` in seconds with up to three decimals and no trailing zeros (`0.25`, `2`),
/// never below a millisecond.
pub(super) fn retry_after(seconds: f64) -> String {
    let s = format!("{:.3}", seconds.max(0.001));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

/// The draws of one request: one uniform number per rate, in a fixed order, so changing one
/// rate never moves the faults of another.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dice {
    unavailable: f64,
    drop_before: f64,
    nul_forbidden: f64,
    transient: f64,
    applied_but_error: f64,
    drop_after_apply: f64,
    /// Picks 500 or 503 for the error faults.
    pub(super) server_error_503: bool,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Dice {
    /// The draws of request number `n` under `seed`.
    pub(super) fn roll(seed: u64, n: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(splitmix(seed ^ splitmix(n)));
        Dice {
            unavailable: rng.random(),
            drop_before: rng.random(),
            nul_forbidden: rng.random(),
            transient: rng.random(),
            applied_but_error: rng.random(),
            drop_after_apply: rng.random(),
            server_error_503: rng.random(),
        }
    }

    pub(super) fn unavailable(&self, f: &Faults) -> bool {
        self.unavailable < f.unavailable_rate
    }

    pub(super) fn drop_before(&self, f: &Faults) -> bool {
        self.drop_before < f.drop_before_rate
    }

    pub(super) fn nul_forbidden(&self, f: &Faults) -> bool {
        self.nul_forbidden < f.nul_forbidden_rate
    }

    pub(super) fn transient(&self, f: &Faults) -> bool {
        self.transient < f.transient_error_rate
    }

    pub(super) fn applied_but_error(&self, f: &Faults) -> bool {
        self.applied_but_error < f.applied_but_error_rate
    }

    pub(super) fn drop_after_apply(&self, f: &Faults) -> bool {
        self.drop_after_apply < f.drop_after_apply_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_says_when() {
        let mut b = Bucket::new(Some(Throttle {
            rate: 2.0,
            burst: 2,
        }));
        let t0 = b.last;
        assert!(b.take(t0).is_ok());
        assert!(b.take(t0).is_ok());
        let wait = b.take(t0).unwrap_err();
        assert!((wait - 0.5).abs() < 1e-9, "{wait}");
        assert!(b.take(t0 + Duration::from_millis(500)).is_ok());
        assert!(Bucket::new(None).take(t0).is_ok());
    }

    #[test]
    fn retry_after_has_decimals_only_when_needed() {
        assert_eq!(retry_after(0.5), "0.5");
        assert_eq!(retry_after(2.0), "2");
        assert_eq!(retry_after(0.1234), "0.123");
        assert_eq!(retry_after(0.0), "0.001");
    }

    #[test]
    fn dice_are_deterministic_and_rates_bound() {
        let a = Dice::roll(7, 1);
        let b = Dice::roll(7, 1);
        assert_eq!(a.unavailable.to_bits(), b.unavailable.to_bits());
        let always = Faults {
            unavailable_rate: 1.0,
            ..Faults::default()
        };
        assert!(a.unavailable(&always));
        assert!(!a.unavailable(&Faults::default()));
        assert!(
            Faults {
                drop_before_rate: 1.5,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Faults {
                throttle: Some(Throttle {
                    rate: 0.0,
                    burst: 1
                }),
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert_eq!(Throttle::per_second(2.5).burst, 3);
        assert_eq!(Throttle::per_second(0.2).burst, 1);
    }
}
