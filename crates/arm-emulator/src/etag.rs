//! Etags in the two shapes the services use (Sentinel's quoted Cosmos etag, Log Analytics' weak
//! datetime etag) and ARM's loose comparison for `If-Match`. Not the precondition logic (see
//! `resources::preconditions`).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::time::{format_ticks, now_nanos};

/// A process-wide counter used to make etags unique.
pub(crate) static ETAG_COUNTER: AtomicU64 = AtomicU64::new(1);

/// Cosmos-style etag as Sentinel returns it, quotes included: `"0300bf09-0000-0d00-0000-5c37296e0000"`.
pub(crate) fn cosmos_etag() -> String {
    let n = ETAG_COUNTER.fetch_add(1, Ordering::Relaxed);
    let secs = u64::try_from(now_nanos() / 1_000_000_000).unwrap_or(0);
    format!(
        "\"{:08x}-0000-0d00-0000-{:08x}0000\"",
        n & 0xffff_ffff,
        secs & 0xffff_ffff
    )
}

/// Log Analytics' weak datetime etag: `W/"datetime'2017-10-02T23%3A15%3A41.0709875Z'"`, strictly increasing.
pub(crate) fn datetime_etag() -> String {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = u64::try_from(now_nanos() / 100).unwrap_or(0);
    let mut prev = LAST.load(Ordering::Relaxed);
    let ticks = loop {
        let next = now.max(prev + 1);
        match LAST.compare_exchange(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(p) => prev = p,
        }
    };
    let stamp = format_ticks(u128::from(ticks), 7).replace(':', "%3A");
    format!("W/\"datetime'{stamp}'\"")
}

/// Compares two etags the way ARM does for If-Match: exact, tolerating surrounding quotes and `W/`.
pub(crate) fn etag_eq(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> &str {
        let s = s.trim();
        let s = s.strip_prefix("W/").unwrap_or(s);
        s.trim_matches('"')
    }
    a == b || norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_compare_loosely() {
        assert!(etag_eq("\"abc\"", "abc"));
        assert!(etag_eq("W/\"abc\"", "\"abc\""));
        assert!(!etag_eq("\"abc\"", "\"abd\""));
        assert_ne!(datetime_etag(), datetime_etag());
    }
}
