//! ARM's token-bucket throttling, per subscription and operation class.
//!
//! Defaults are ARM's published sizes: reads 250 tokens refilling 25/s; writes and deletes share a
//! bucket of 200 refilling 10/s. An empty bucket answers 429 with `Retry-After` in seconds. Buckets
//! are per subscription, so a 429 affects only the subscription that exhausted its bucket; one
//! subscription can be given its own (e.g. tiny) buckets ([`crate::SubscriptionThrottle`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OpClass {
    Read,
    Write,
    Delete,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct BucketSpec {
    pub(crate) capacity: f64,
    pub(crate) refill_per_sec: f64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
struct Inner {
    enabled: bool,
    reads: BucketSpec,
    writes: BucketSpec,
    buckets: HashMap<(String, bool), Bucket>,
    /// Per-subscription (lower-cased) reads and writes buckets; applied even when throttling is off,
    /// so one subscription can be throttled hard while the others are not.
    overrides: HashMap<String, (BucketSpec, BucketSpec)>,
}

/// Outcome of taking a token.
pub(crate) enum Take {
    /// Allowed; remaining whole tokens for the header (None when throttling is off).
    Allowed(Option<u64>),
    /// Throttled; seconds to wait.
    Throttled(u64),
}

#[derive(Debug)]
pub(crate) struct Throttle {
    inner: Mutex<Inner>,
}

impl Throttle {
    pub(crate) fn new(enabled: bool) -> Self {
        Self {
            inner: Mutex::new(Inner {
                enabled,
                reads: BucketSpec {
                    capacity: 250.0,
                    refill_per_sec: 25.0,
                },
                writes: BucketSpec {
                    capacity: 200.0,
                    refill_per_sec: 10.0,
                },
                buckets: HashMap::new(),
                overrides: HashMap::new(),
            }),
        }
    }

    pub(crate) fn take(&self, subscription: &str, class: OpClass) -> Take {
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let sub = subscription.to_ascii_lowercase();
        let over = g.overrides.get(&sub).copied();
        if !g.enabled && over.is_none() {
            return Take::Allowed(None);
        }
        let is_read = class == OpClass::Read;
        let spec = match (over, is_read) {
            (Some((r, _)), true) => r,
            (Some((_, w)), false) => w,
            (None, true) => g.reads,
            (None, false) => g.writes,
        };
        let now = Instant::now();
        let bucket = g.buckets.entry((sub, is_read)).or_insert(Bucket {
            tokens: spec.capacity,
            at: now,
        });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * spec.refill_per_sec).min(spec.capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Take::Allowed(Some(bucket.tokens.floor() as u64))
        } else {
            let wait = if spec.refill_per_sec > 0.0 {
                ((1.0 - bucket.tokens) / spec.refill_per_sec).ceil()
            } else {
                60.0
            };
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Take::Throttled((wait as u64).max(1))
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let spec =
            |s: BucketSpec| json!({"capacity": s.capacity, "refillPerSecond": s.refill_per_sec});
        let subs: serde_json::Map<String, Value> = g
            .overrides
            .iter()
            .map(|(k, (r, w))| (k.clone(), json!({"reads": spec(*r), "writes": spec(*w)})))
            .collect();
        json!({
            "enabled": g.enabled,
            "reads": spec(g.reads),
            "writes": spec(g.writes),
            "subscriptions": subs,
        })
    }

    /// Sets (or, with `None`, removes) one subscription's buckets; its buckets restart full.
    pub(crate) fn set_subscription(
        &self,
        subscription: &str,
        specs: Option<(BucketSpec, BucketSpec)>,
    ) {
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = subscription.to_ascii_lowercase();
        match specs {
            Some(s) => {
                g.overrides.insert(key.clone(), s);
            }
            None => {
                g.overrides.remove(&key);
            }
        }
        g.buckets.retain(|(s, _), _| *s != key);
    }

    pub(crate) fn set_enabled(&self, enabled: bool) {
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.enabled = enabled;
        g.buckets.clear();
    }

    /// `{"enabled": bool, "reads": {"capacity", "refillPerSecond"}, "writes": {...}}`, all optional.
    /// Buckets restart full.
    pub(crate) fn update_from_json(&self, v: &Value) -> Result<(), String> {
        fn spec(v: &Value, old: BucketSpec) -> Result<BucketSpec, String> {
            let mut s = old;
            if let Some(c) = v.get("capacity") {
                s.capacity = c
                    .as_f64()
                    .filter(|c| *c >= 0.0)
                    .ok_or("capacity must be >= 0")?;
            }
            if let Some(r) = v.get("refillPerSecond") {
                s.refill_per_sec = r
                    .as_f64()
                    .filter(|r| *r >= 0.0)
                    .ok_or("refillPerSecond must be >= 0")?;
            }
            Ok(s)
        }
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !v.is_object() {
            return Err("throttle settings must be a JSON object".into());
        }
        if let Some(e) = v.get("enabled") {
            g.enabled = e.as_bool().ok_or("enabled must be a boolean")?;
        }
        if let Some(r) = v.get("reads") {
            g.reads = spec(r, g.reads)?;
        }
        if let Some(w) = v.get("writes") {
            g.writes = spec(w, g.writes)?;
        }
        if let Some(subs) = v.get("subscriptions") {
            let subs = subs
                .as_object()
                .ok_or("subscriptions must be an object of subscription id to {reads, writes} (null removes)")?;
            for (sub, limits) in subs {
                let key = sub.to_ascii_lowercase();
                if limits.is_null() {
                    g.overrides.remove(&key);
                    continue;
                }
                let (r0, w0) = g
                    .overrides
                    .get(&key)
                    .copied()
                    .unwrap_or((g.reads, g.writes));
                let r = limits.get("reads").map_or(Ok(r0), |x| spec(x, r0))?;
                let w = limits.get("writes").map_or(Ok(w0), |x| spec(x, w0))?;
                g.overrides.insert(key, (r, w));
            }
        }
        g.buckets.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_and_reports_retry_after() {
        let t = Throttle::new(true);
        t.update_from_json(&json!({"writes": {"capacity": 2, "refillPerSecond": 0.5}}))
            .unwrap();
        assert!(matches!(
            t.take("s", OpClass::Write),
            Take::Allowed(Some(1))
        ));
        assert!(matches!(
            t.take("s", OpClass::Delete),
            Take::Allowed(Some(0))
        ));
        assert!(matches!(t.take("s", OpClass::Write), Take::Throttled(2)));
        // reads are a separate bucket, and other subscriptions too
        assert!(matches!(
            t.take("s", OpClass::Read),
            Take::Allowed(Some(249))
        ));
        assert!(matches!(
            t.take("other", OpClass::Write),
            Take::Allowed(Some(1))
        ));
    }
}
