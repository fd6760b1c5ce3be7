//! Deterministic fault injection: each ARM request gets a sequence number (counted from the last
//! change of settings) and its decisions come from a PRNG seeded with `seed` and that number.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::config::Faults;
use crate::random::SplitMix64;

/// What happens to one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub(crate) delay: Duration,
    pub(crate) drop: bool,
    /// Some(500) or Some(503).
    pub(crate) error: Option<u16>,
    /// Some(delay between chunks) for a slow body.
    pub(crate) slow_body: Option<Duration>,
}

#[derive(Debug)]
pub(crate) struct FaultInjector {
    settings: Mutex<Faults>,
    seq: AtomicU64,
}

impl FaultInjector {
    pub(crate) fn new(f: Faults) -> Self {
        Self {
            settings: Mutex::new(f),
            seq: AtomicU64::new(0),
        }
    }

    pub(crate) fn set(&self, f: Faults) {
        *self
            .settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = f;
        self.seq.store(0, Ordering::SeqCst);
    }

    pub(crate) fn get(&self) -> Faults {
        self.settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn decide(&self) -> Decision {
        let f = self.get();
        let n = self.seq.fetch_add(1, Ordering::SeqCst);
        decide(&f, n)
    }
}

/// The pure decision function for request number `n`.
pub(crate) fn decide(f: &Faults, n: u64) -> Decision {
    let mut rng = SplitMix64::new(f.seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17));
    // Draw every number in a fixed order so one setting does not shift the others.
    let jitter_u = rng.next_f64();
    let drop_u = rng.next_f64();
    let err_u = rng.next_f64();
    let which_u = rng.next_f64();
    let slow_u = rng.next_f64();
    let delay = f.latency + f.latency_jitter.mul_f64(jitter_u);
    let drop = f.drop_rate > 0.0 && drop_u < f.drop_rate;
    let error = if !drop && f.fault_rate > 0.0 && err_u < f.fault_rate {
        Some(if which_u < 0.5 { 500 } else { 503 })
    } else {
        None
    };
    let slow_body =
        (f.slow_body_rate > 0.0 && slow_u < f.slow_body_rate).then_some(f.slow_body_delay);
    Decision {
        delay,
        drop,
        error,
        slow_body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults() {
        let f = Faults {
            fault_rate: 0.3,
            drop_rate: 0.1,
            latency_jitter: Duration::from_millis(10),
            seed: 42,
            ..Faults::default()
        };
        let a: Vec<_> = (0..200).map(|n| decide(&f, n)).collect();
        let b: Vec<_> = (0..200).map(|n| decide(&f, n)).collect();
        assert_eq!(a, b);
        let errors = a.iter().filter(|d| d.error.is_some()).count();
        assert!((30..=90).contains(&errors), "{errors}");
        let g = Faults { seed: 43, ..f };
        let c: Vec<_> = (0..200).map(|n| decide(&g, n)).collect();
        assert_ne!(a, c);
    }
}
