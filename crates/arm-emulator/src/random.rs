//! Randomness: operating-system random bytes (via ring) and SplitMix64, the seeded PRNG that makes
//! fault injection deterministic. Not GUID formatting (see `guid`).

use crate::time::now_nanos;

/// Random bytes from the operating system (via ring).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    use ring::rand::SecureRandom;
    let mut buf = [0u8; N];
    // SystemRandom only fails when the OS has no entropy source; fall back to a time-seeded PRNG.
    if ring::rand::SystemRandom::new().fill(&mut buf).is_err() {
        let mut rng =
            SplitMix64::new(u64::try_from(now_nanos() % u128::from(u64::MAX)).unwrap_or(1));
        for b in &mut buf {
            *b = rng.next_u64().to_le_bytes()[0];
        }
    }
    buf
}

/// SplitMix64: a tiny deterministic PRNG for fault injection.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
