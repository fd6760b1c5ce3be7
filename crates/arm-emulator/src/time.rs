//! UTC time stamps as ARM and Entra print them (ISO 8601 with 0 or 7 fraction digits), from the system
//! clock, without a date library. Owns the civil-date arithmetic; not etags (see `etag`).

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
}
