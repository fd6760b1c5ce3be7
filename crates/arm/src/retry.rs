//! When and how long to wait before trying an ARM request again.
//!
//! Owns: [`RetryPolicy`] (the failure and throttle caps, jittered exponential backoff, the cap on a
//! server's `Retry-After`), `Retry-After` parsing (delta-seconds, HTTP date, and the
//! `retry-after-ms` / `x-ms-retry-after-ms` variants), which statuses are retryable, and
//! [`RetryBudget`], the token bucket of failure retries shared by every request of one client so a
//! fault storm cannot retry forever. Throttle retries have their own caps (count and total wait per
//! request) and never touch that budget; `engine.rs` documents why.
//!
//! Does not: sleep or send (the client does), or decide about ambiguous writes (documented on
//! `ArmClient::put`).
//!
//! Invariants: every delay is ≤ `max(max_delay, max_retry_after)`; a failure retry is only taken when
//! both `failures < max_retries` and the budget has a whole token; successes refill the budget slowly
//! (one tenth of a retry each), so a long healthy run earns back retries without a storm
//! re-earning them instantly.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Retry limits and backoff shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `max_retries + 1` attempts at most).
    pub max_retries: u32,
    /// Backoff before the first retry, doubled for each further one.
    pub base_delay: Duration,
    /// Upper bound of computed backoff.
    pub max_delay: Duration,
    /// Upper bound of a server-sent `Retry-After` (a misbehaving server cannot park us for an hour).
    pub max_retry_after: Duration,
    /// Retries of a request answered 429. Throttling is ARM asking us to slow down, not a failure:
    /// these retries wait as told and do not spend the shared retry budget.
    pub max_throttle_retries: u32,
    /// Total time one request may spend waiting on 429s before it gives up with
    /// [`crate::ArmError::Throttled`].
    pub max_throttle_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            max_throttle_retries: 60,
            max_throttle_wait: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// Backoff before retry number `retry` (0-based), with `jitter` in `[0, 1]` spreading the wait
    /// over the upper half of the exponential step ("equal jitter").
    pub fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(20));
        let step = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = step / 2;
        half + half.mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// The wait before retry number `retry`: the server's `Retry-After` (capped) when it sent one,
    /// else jittered backoff.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        match retry_after {
            Some(after) => after.min(self.max_retry_after),
            None => self.backoff(retry, jitter),
        }
    }
}

/// Whether a response status is worth retrying: 408, 429 and 5xx except 501/505 (which will not change).
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429) || (500..600).contains(&status) && !matches!(status, 501 | 505)
}

/// Reads the server's wait hint from a header lookup (`get(name)` returns the header's value).
/// Millisecond variants win over `Retry-After`, which may be delta-seconds or an HTTP date.
pub fn parse_retry_after<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
    now: SystemTime,
) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = get(name).and_then(|v| v.trim().parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    parse_retry_after_value(get("retry-after")?, now)
}

/// Parses one `Retry-After` value: `120` or `Fri, 31 Dec 1999 23:59:59 GMT`. A date in the past means
/// "now" (zero); garbage means no hint.
pub fn parse_retry_after_value(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = azure_core::time::parse_rfc7231(value).ok()?;
    let at: SystemTime = at.into();
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A fresh jitter value in `[0, 1)`, from the std hasher's random keys (no RNG dependency).
pub fn jitter() -> f64 {
    let bits = RandomState::new().hash_one(std::time::Instant::now()) >> 11;
    #[allow(clippy::cast_precision_loss)] // 53 bits fit an f64 mantissa exactly
    let unit = bits as f64 / (1u64 << 53) as f64;
    unit
}

/// Units of budget per retry; a success deposits a tenth of one.
const RETRY_COST: u64 = 10;
const SUCCESS_CREDIT: u64 = 1;

/// A token bucket of retries shared by all requests of one client. Each retry withdraws one token;
/// each success deposits a tenth of one, up to the capacity.
#[derive(Debug)]
pub struct RetryBudget {
    units: AtomicU64,
    capacity: u64,
}

impl RetryBudget {
    /// A full bucket of `retries` retries.
    pub fn new(retries: u32) -> Self {
        let capacity = u64::from(retries) * RETRY_COST;
        Self {
            units: AtomicU64::new(capacity),
            capacity,
        }
    }

    /// Takes one retry from the bucket; false when it is empty.
    pub fn try_spend(&self) -> bool {
        self.units
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                u.checked_sub(RETRY_COST)
            })
            .is_ok()
    }

    /// Records a successful request.
    pub fn on_success(&self) {
        let cap = self.capacity;
        let _ = self
            .units
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                Some((u + SUCCESS_CREDIT).min(cap))
            });
    }

    /// Whole retries the bucket holds when full.
    pub fn capacity(&self) -> u64 {
        self.capacity / RETRY_COST
    }

    /// Whole retries currently available.
    pub fn available(&self) -> u64 {
        self.units.load(Ordering::Acquire) / RETRY_COST
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5),
            max_throttle_retries: 10,
            max_throttle_wait: Duration::from_secs(30),
        }
    }

    #[test]
    fn backoff_doubles_is_jittered_and_capped() {
        let p = policy();
        assert_eq!(p.backoff(0, 0.0), Duration::from_millis(50));
        assert_eq!(p.backoff(0, 1.0), Duration::from_millis(100));
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(200));
        assert_eq!(p.backoff(2, 0.5), Duration::from_millis(300));
        assert_eq!(p.backoff(10, 1.0), Duration::from_secs(1));
        assert_eq!(p.backoff(u32::MAX, 1.0), Duration::from_secs(1));
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn server_retry_after_wins_but_is_capped() {
        let p = policy();
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(2)), 0.9),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(3600)), 0.9),
            Duration::from_secs(5)
        );
        assert_eq!(p.delay(1, None, 1.0), Duration::from_millis(200));
    }

    #[test]
    fn parses_seconds_dates_and_millisecond_headers() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after_value("7", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after_value("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after_value("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after_value("soon", now), None);
        assert_eq!(parse_retry_after_value("-1", now), None);
        let headers = |name: &str| match name {
            "x-ms-retry-after-ms" => Some("1500"),
            "retry-after" => Some("9"),
            _ => None,
        };
        assert_eq!(
            parse_retry_after(headers, now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(|n| (n == "retry-after").then_some("3"), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(parse_retry_after(|_| None, now), None);
    }

    #[test]
    fn retryable_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 409, 412, 501, 505] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn budget_runs_out_and_refills_slowly() {
        let b = RetryBudget::new(2);
        assert!(b.try_spend());
        assert!(b.try_spend());
        assert!(!b.try_spend());
        for _ in 0..9 {
            b.on_success();
        }
        assert!(!b.try_spend(), "nine successes are not yet one retry");
        b.on_success();
        assert_eq!(b.available(), 1);
        assert!(b.try_spend());
        for _ in 0..1000 {
            b.on_success();
        }
        assert_eq!(b.available(), 2, "capped at capacity");
        assert!(!RetryBudget::new(0).try_spend());
    }
}
