//! Durations as the content formats write them, compared as durations.
//!
//! Accepts the Azure-Sentinel short form (`5m`, `1h`, `14d`), ISO-8601 (`PT5M`, `P1D`,
//! `PT1H30M`, what ARM stores) and .NET `TimeSpan` text (`00:05:00`, `1.00:00:00`, which
//! Azure-Sentinel's CI also accepts). `24h`, `PT24H`, `1d` and `P1D` are the same value.

use std::fmt;

/// A whole number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub u64);

impl Duration {
    /// Minutes.
    pub const fn minutes(m: u64) -> Self {
        Self(m * 60)
    }

    /// Hours.
    pub const fn hours(h: u64) -> Self {
        Self(h * 3600)
    }

    /// Days.
    pub const fn days(d: u64) -> Self {
        Self(d * 86_400)
    }

    /// Parses any accepted spelling; `None` when it is none of them.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        parse_short(t)
            .or_else(|| parse_iso(t))
            .or_else(|| parse_timespan(t))
    }

    /// ISO-8601 as ARM stores it: `P1D`, `PT5H`, `PT1H30M`.
    pub fn to_iso(self) -> String {
        let (d, rest) = (self.0 / 86_400, self.0 % 86_400);
        let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
        let mut out = String::from("P");
        if d > 0 {
            out.push_str(&format!("{d}D"));
        }
        if rest > 0 || d == 0 {
            out.push('T');
            for (v, unit) in [(h, 'H'), (m, 'M'), (s, 'S')] {
                if v > 0 {
                    out.push_str(&format!("{v}{unit}"));
                }
            }
            if rest == 0 {
                out.push_str("0S");
            }
        }
        out
    }

    /// The short form for files: `5m`, `1h`, `1d` (falls back to ISO when not whole).
    pub fn to_short(self) -> String {
        match self.0 {
            0 => "0m".into(),
            s if s % 86_400 == 0 => format!("{}d", s / 86_400),
            s if s % 3600 == 0 => format!("{}h", s / 3600),
            s if s % 60 == 0 => format!("{}m", s / 60),
            _ => self.to_iso(),
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_short())
    }
}

fn parse_short(t: &str) -> Option<Duration> {
    // the unit is one ASCII letter; anything else (`1é`) must not be split inside a character
    let (num, unit) = t.split_at_checked(t.len().checked_sub(1)?)?;
    let n: u64 = num.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration(secs))
}

fn parse_iso(t: &str) -> Option<Duration> {
    let rest = t.strip_prefix('P').or_else(|| t.strip_prefix('p'))?;
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (rest, None),
    };
    let mut total: u64 = 0;
    let mut any = false;
    for (part, units) in [
        (date, &[('W', 604_800u64), ('D', 86_400)][..]),
        (time.unwrap_or(""), &[('H', 3600), ('M', 60), ('S', 1)][..]),
    ] {
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let factor = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?.1;
            let n: u64 = std::mem::take(&mut num).parse().ok()?;
            total = total.checked_add(n.checked_mul(factor)?)?;
            any = true;
        }
        if !num.is_empty() {
            return None;
        }
    }
    if time == Some("") {
        return None;
    }
    any.then_some(Duration(total))
}

fn parse_timespan(t: &str) -> Option<Duration> {
    let (days, clock) = match t.split_once('.') {
        Some((d, c)) if c.contains(':') => (d.parse::<u64>().ok()?, c),
        _ => (0, t),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let [h, m, s] = parts.as_slice() else {
        return None;
    };
    let (h, m, s): (u64, u64, u64) = (h.parse().ok()?, m.parse().ok()?, s.parse().ok()?);
    if m >= 60 || s >= 60 {
        return None;
    }
    let secs = days
        .checked_mul(86_400)?
        .checked_add(h.checked_mul(3600)?)?
        .checked_add(m * 60 + s)?;
    Some(Duration(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_day_are_equal() {
        for t in [
            "1d",
            "24h",
            "1440m",
            "P1D",
            "PT24H",
            "1.00:00:00",
            "24:00:00",
        ] {
            assert_eq!(Duration::parse(t), Some(Duration::days(1)), "{t}");
        }
    }

    #[test]
    fn iso_output_matches_arm() {
        assert_eq!(Duration::minutes(5).to_iso(), "PT5M");
        assert_eq!(Duration::hours(5).to_iso(), "PT5H");
        assert_eq!(Duration::days(14).to_iso(), "P14D");
        assert_eq!(Duration(5400).to_iso(), "PT1H30M");
        assert_eq!(Duration(86_400 + 3600).to_iso(), "P1DT1H");
        assert_eq!(Duration(0).to_iso(), "PT0S");
    }

    #[test]
    fn rejects_nonsense() {
        for t in [
            "", "5", "m", "5x", "P", "PT", "P1H", "1.5h", "00:61:00", "-5m",
        ] {
            assert_eq!(Duration::parse(t), None, "{t}");
        }
    }

    #[test]
    fn odd_input_is_rejected_without_panicking() {
        // found by the mutation test in tests/bad_input.rs: a non-ASCII last character, overflow
        let huge = "99999999999999999.00:00:00";
        for t in [
            "1é",
            "é",
            huge,
            "9999999999999999:00:00",
            "0:99999999999999999999:0",
        ] {
            assert_eq!(Duration::parse(t), None, "{t}");
        }
    }

    #[test]
    fn round_trips_through_both_forms() {
        for s in [60, 300, 3600, 5400, 86_400, 1_209_600, 90_061] {
            let d = Duration(s);
            assert_eq!(Duration::parse(&d.to_iso()), Some(d));
            assert_eq!(Duration::parse(&d.to_short()), Some(d));
        }
    }
}
