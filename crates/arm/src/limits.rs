//! [`SubscriptionLimits`]: how fast requests may go, per Azure subscription, shared by every client
//! that holds the same `Arc`.
//!
//! Why per subscription: ARM throttles per subscription and principal (token buckets of 250 reads
//! refilling 25/s and 200 writes/deletes refilling 10/s, `shared/specs/NOTES.md` §10.3, from
//! Microsoft's "Understand how Azure Resource Manager throttles requests"). A fleet run talks to
//! many subscriptions at once; a 429 from one of them must not slow the others, and several clients
//! (one per workspace) in the same subscription must share one budget.
//!
//! Owns, per subscription (case-insensitive id; "" for requests outside any subscription):
//! * a bound on requests in flight (a semaphore),
//! * an optional request budget: one token bucket for reads and one for writes and deletes, so the
//!   client waits instead of collecting 429s,
//! * a pause: after a 429, no request to that subscription starts before `Retry-After` has passed.
//!
//! Does not: retry or classify responses (`engine.rs`), or know which subscription a URL is in
//! (`address::subscription_of`).
//!
//! Invariants: entries are created on first use and live as long as the limits; waiting never holds
//! the table lock; a pause only ever grows (a shorter `Retry-After` never cuts a longer one short).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::ArmError;

/// A token bucket's size and refill rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// Requests that may be sent at once after a quiet period.
    pub capacity: f64,
    /// Tokens added per second.
    pub refill_per_sec: f64,
}

impl Bucket {
    /// ARM's published subscription read bucket: 250, refilling 25 per second.
    pub const ARM_READS: Self = Self {
        capacity: 250.0,
        refill_per_sec: 25.0,
    };
    /// ARM's published subscription write (and delete) bucket: 200, refilling 10 per second.
    pub const ARM_WRITES: Self = Self {
        capacity: 200.0,
        refill_per_sec: 10.0,
    };
}

/// Settings of a [`SubscriptionLimits`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimitsConfig {
    /// Requests in flight at once per subscription (at least 1).
    pub concurrency: usize,
    /// Budget for GETs (and other side-effect-free requests); `None` is unlimited.
    pub reads: Option<Bucket>,
    /// Budget for PUTs, PATCHes and DELETEs; `None` is unlimited.
    pub writes: Option<Bucket>,
}

impl LimitsConfig {
    /// `concurrency` in flight, no request budget: what a single client did before budgets existed.
    pub fn concurrency_only(concurrency: usize) -> Self {
        Self {
            concurrency,
            reads: None,
            writes: None,
        }
    }

    /// `concurrency` in flight and ARM's published per-subscription buckets, so a fleet run paces
    /// itself at ARM's refill rate instead of running into 429s.
    pub fn arm_buckets(concurrency: usize) -> Self {
        Self {
            concurrency,
            reads: Some(Bucket::ARM_READS),
            writes: Some(Bucket::ARM_WRITES),
        }
    }
}

#[derive(Debug)]
struct TokenBucket {
    spec: Bucket,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    fn new(spec: Bucket) -> Self {
        Self {
            spec,
            tokens: spec.capacity,
            at: Instant::now(),
        }
    }

    /// Takes one token, or says how long until one is there.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.spec.refill_per_sec).min(self.spec.capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        if self.spec.refill_per_sec <= 0.0 {
            return Err(Duration::from_secs(1));
        }
        Err(Duration::from_secs_f64(
            (1.0 - self.tokens) / self.spec.refill_per_sec,
        ))
    }
}

#[derive(Debug)]
struct Entry {
    in_flight: Arc<Semaphore>,
    reads: Option<TokenBucket>,
    writes: Option<TokenBucket>,
    paused_until: Option<Instant>,
    pauses: u64,
}

/// Per-subscription concurrency, request budget and 429 pauses. Create it once and pass the same
/// `Arc` into every [`crate::ArmClientConfig::limits`] that should share it.
#[derive(Debug)]
pub struct SubscriptionLimits {
    config: LimitsConfig,
    entries: Mutex<BTreeMap<String, Entry>>,
}

/// Held while a request is in flight.
#[derive(Debug)]
pub(crate) struct Permit {
    _permit: OwnedSemaphorePermit,
}

impl SubscriptionLimits {
    /// Limits with these settings.
    pub fn new(config: LimitsConfig) -> Self {
        Self {
            config: LimitsConfig {
                concurrency: config.concurrency.max(1),
                ..config
            },
            entries: Mutex::new(BTreeMap::new()),
        }
    }

    /// The settings.
    pub fn config(&self) -> LimitsConfig {
        self.config
    }

    /// How many 429 pauses `subscription` has had (for reports and tests).
    pub fn pauses(&self, subscription: &str) -> u64 {
        let key = subscription.to_ascii_lowercase();
        self.lock().get(&key).map_or(0, |e| e.pauses)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn with_entry<T>(&self, key: &str, f: impl FnOnce(&mut Entry) -> T) -> T {
        let mut entries = self.lock();
        let entry = entries.entry(key.to_owned()).or_insert_with(|| Entry {
            in_flight: Arc::new(Semaphore::new(self.config.concurrency)),
            reads: self.config.reads.map(TokenBucket::new),
            writes: self.config.writes.map(TokenBucket::new),
            paused_until: None,
            pauses: 0,
        });
        f(entry)
    }

    /// Waits until a request to `subscription` may start: no pause in force, a budget token taken,
    /// and a slot in flight free. `read` picks the read bucket (else the write bucket).
    pub(crate) async fn acquire(&self, subscription: &str, read: bool) -> Result<Permit, ArmError> {
        let key = subscription.to_ascii_lowercase();
        loop {
            let now = Instant::now();
            let wait = self.with_entry(&key, |e| {
                if let Some(until) = e.paused_until.filter(|u| *u > now) {
                    return Some(until - now);
                }
                let bucket = if read { &mut e.reads } else { &mut e.writes };
                bucket.as_mut().and_then(|b| b.take(now).err())
            });
            match wait {
                Some(wait) => tokio::time::sleep(wait).await,
                None => break,
            }
        }
        let semaphore = self.with_entry(&key, |e| e.in_flight.clone());
        let permit = semaphore
            .acquire_owned()
            .await
            .map_err(|_| ArmError::Config {
                reason: "the request limiter was closed".into(),
            })?;
        // A 429 may have paused the subscription while this request waited for its slot.
        let now = Instant::now();
        if let Some(wait) = self.with_entry(&key, |e| e.paused_until.filter(|u| *u > now)) {
            tokio::time::sleep_until(wait).await;
        }
        Ok(Permit { _permit: permit })
    }

    /// Holds every request to `subscription` until `wait` from now (extends, never shortens).
    pub(crate) fn pause(&self, subscription: &str, wait: Duration) {
        let key = subscription.to_ascii_lowercase();
        let until = Instant::now() + wait;
        self.with_entry(&key, |e| {
            e.pauses += 1;
            if e.paused_until.is_none_or(|p| p < until) {
                e.paused_until = Some(until);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bucket_paces_requests_at_its_refill_rate() {
        let limits = SubscriptionLimits::new(LimitsConfig {
            concurrency: 8,
            reads: Some(Bucket {
                capacity: 2.0,
                refill_per_sec: 20.0,
            }),
            writes: None,
        });
        let start = Instant::now();
        for _ in 0..5 {
            drop(limits.acquire("s", true).await.unwrap());
        }
        let took = start.elapsed();
        // Two from the full bucket, three more at 50 ms each.
        assert!(took >= Duration::from_millis(140), "{took:?}");
        let start = Instant::now();
        for _ in 0..50 {
            drop(limits.acquire("s", false).await.unwrap());
        }
        assert!(
            start.elapsed() < Duration::from_millis(50),
            "writes are unlimited"
        );
    }

    #[tokio::test]
    async fn a_pause_holds_only_its_subscription() {
        let limits = SubscriptionLimits::new(LimitsConfig::concurrency_only(4));
        limits.pause("SUB-A", Duration::from_millis(300));
        limits.pause("sub-a", Duration::from_millis(10)); // never shortens
        let start = Instant::now();
        drop(limits.acquire("sub-b", true).await.unwrap());
        assert!(start.elapsed() < Duration::from_millis(100));
        drop(limits.acquire("sub-a", true).await.unwrap());
        assert!(start.elapsed() >= Duration::from_millis(300));
        assert_eq!(limits.pauses("Sub-A"), 2);
        assert_eq!(limits.pauses("sub-b"), 0);
    }

    #[tokio::test]
    async fn concurrency_is_bounded_per_subscription() {
        let limits = SubscriptionLimits::new(LimitsConfig::concurrency_only(2));
        let a1 = limits.acquire("a", true).await.unwrap();
        let _a2 = limits.acquire("a", true).await.unwrap();
        let _b = limits.acquire("b", true).await.unwrap();
        let third = tokio::time::timeout(Duration::from_millis(20), limits.acquire("a", true));
        assert!(third.await.is_err(), "a third request to `a` waits");
        drop(a1);
        let third = tokio::time::timeout(Duration::from_millis(200), limits.acquire("a", true));
        assert!(third.await.is_ok());
    }
}
