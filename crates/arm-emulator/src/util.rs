//! Small helpers with no dependency: UTC timestamps, GUIDs, base64url, a seeded PRNG, percent-decoding.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Nanoseconds since the Unix epoch.
pub(crate) fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// Formats a Unix time in 100 ns ticks as ISO 8601 UTC with `frac_digits` (0 or 7) fraction digits.
pub(crate) fn format_ticks(ticks: u128, frac_digits: usize) -> String {
    let secs = i64::try_from(ticks / 10_000_000).unwrap_or(0);
    let frac = ticks % 10_000_000;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    );
    if frac_digits == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{frac:07}Z")
    }
}

/// `2021-03-01T13:17:30Z`
pub(crate) fn utc_now_secs() -> String {
    format_ticks(now_nanos() / 100, 0)
}

/// `2021-08-24T06:56:31.6301521Z`
pub(crate) fn utc_now_7() -> String {
    format_ticks(now_nanos() / 100, 7)
}

/// RFC 1123 date for the `Date` header is added by hyper; this is for Entra's `timestamp` field.
pub(crate) fn utc_now_entra() -> String {
    utc_now_secs()
}

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

/// A random version-4 GUID, lower case.
pub(crate) fn new_guid() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    guid_from_bytes(&b)
}

pub(crate) fn guid_from_bytes(b: &[u8; 16]) -> String {
    let h = hex(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A GUID derived from a string (stable across runs): FNV-1a based, version nibble 4.
pub(crate) fn stable_guid(seed: &str) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for byte in seed.bytes() {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        b = (b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3 ^ 0x1000);
    }
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    guid_from_bytes(&bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// True for `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (any case).
pub(crate) fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding.
pub(crate) fn b64url(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        let idx = |shift: u32| B64URL[((n >> shift) & 63) as usize] as char;
        out.push(idx(18));
        out.push(idx(12));
        if chunk.len() > 1 {
            out.push(idx(6));
        }
        if chunk.len() > 2 {
            out.push(idx(0));
        }
    }
    out
}

pub(crate) fn b64url_decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in input.bytes() {
        let v = u32::try_from(B64URL.iter().position(|x| *x == c)?).ok()?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
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

/// Decodes `%XX` escapes and, when `plus` is set, `+` as space (form encoding).
pub(crate) fn percent_decode(s: &str, plus: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = h {
                    out.push(v);
                    i += 3;
                } else {
                    out.push(b'%');
                    i += 1;
                }
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes a query-string component.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses `a=b&c=d` into pairs (decoded).
pub(crate) fn parse_query(q: &str, plus: bool) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, plus), percent_decode(v, plus))
        })
        .collect()
}

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
    fn formats_epoch_and_leap_years() {
        assert_eq!(format_ticks(0, 0), "1970-01-01T00:00:00Z");
        // 2024-02-29T12:34:56Z = 1709210096
        assert_eq!(
            format_ticks(1_709_210_096 * 10_000_000 + 5, 7),
            "2024-02-29T12:34:56.0000005Z"
        );
    }

    #[test]
    fn base64url_round_trips() {
        for s in ["", "a", "ab", "abc", "abcd", "zz-top/é"] {
            assert_eq!(b64url_decode(&b64url(s.as_bytes())).unwrap(), s.as_bytes());
        }
    }

    #[test]
    fn guids() {
        assert!(is_guid(&new_guid()));
        assert_eq!(stable_guid("x"), stable_guid("x"));
        assert!(is_guid(&stable_guid("x")));
        assert!(!is_guid("not-a-guid"));
    }

    #[test]
    fn etags_compare_loosely() {
        assert!(etag_eq("\"abc\"", "abc"));
        assert!(etag_eq("W/\"abc\"", "\"abc\""));
        assert!(!etag_eq("\"abc\"", "\"abd\""));
        assert_ne!(datetime_etag(), datetime_etag());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("100%", false), "100%");
    }
}
