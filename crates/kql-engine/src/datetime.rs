//! `datetime` and `timespan`: 100-nanosecond ticks, the Gregorian calendar, and their text forms.
//!
//! Owns the two time types ([`DateTime`], [`TimeSpan`]), the civil-calendar arithmetic behind every date
//! function (`startofmonth`, `getmonth`, `datetime_add`…), parsing of every spelling Kusto accepts for
//! `datetime(…)` literals and `todatetime()` (ISO 8601, RFC 822, RFC 850, and the portal's CSV export
//! `4/18/2025, 12:55:02.901 PM`), timespan literals (`1.5h`, `100ms`, `1.02:03:04`) and the canonical
//! output forms (`2024-01-01T00:00:00Z`, `1.02:03:04.5000000`). It does not know about [`crate::Value`].
//!
//! Invariants: a [`DateTime`] holds ticks since 1970-01-01T00:00:00Z and is always inside Kusto's range
//! (0001-01-01 through 9999-12-31T23:59:59.9999999); constructors return `None` outside it. The calendar
//! is proleptic Gregorian, UTC, with no leap seconds (the datetime data type page of the KQL reference).

use std::fmt;

/// Ticks (100 ns) per unit.
pub(crate) const TICKS_PER_MICROSECOND: i64 = 10;
pub(crate) const TICKS_PER_MILLISECOND: i64 = 10_000;
pub(crate) const TICKS_PER_SECOND: i64 = 10_000_000;
pub(crate) const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
pub(crate) const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
pub(crate) const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;

/// Days from 0001-01-01 to 1970-01-01.
const EPOCH_DAYS_FROM_YEAR_1: i64 = 719_162;

/// An instant in UTC, in 100 ns ticks since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(i64);

/// A duration in 100 ns ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TimeSpan(pub i64);

/// The calendar fields of a [`DateTime`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parts {
    pub(crate) year: i64,
    pub(crate) month: i64,
    pub(crate) day: i64,
    pub(crate) hour: i64,
    pub(crate) minute: i64,
    pub(crate) second: i64,
    /// Ticks within the second (0..10^7).
    pub(crate) frac: i64,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number since 1970-01-01 (H. Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(crate) fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

impl DateTime {
    /// 0001-01-01T00:00:00Z.
    pub const MIN: DateTime = DateTime(-EPOCH_DAYS_FROM_YEAR_1 * TICKS_PER_DAY);
    /// 9999-12-31T23:59:59.9999999Z.
    pub const MAX: DateTime = DateTime(2_932_897 * TICKS_PER_DAY - 1);
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: DateTime = DateTime(0);

    /// From ticks since the Unix epoch; `None` outside Kusto's datetime range.
    pub fn from_unix_ticks(ticks: i64) -> Option<DateTime> {
        (Self::MIN.0..=Self::MAX.0)
            .contains(&ticks)
            .then_some(DateTime(ticks))
    }

    /// Ticks since the Unix epoch.
    pub fn unix_ticks(self) -> i64 {
        self.0
    }

    /// Ticks since 0001-01-01 (.NET's `DateTime.Ticks`, what Kusto's `tolong(datetime)` returns).
    pub fn ticks_since_year_1(self) -> i64 {
        self.0 + EPOCH_DAYS_FROM_YEAR_1 * TICKS_PER_DAY
    }

    /// From calendar fields (month 1–12, day 1–31, validated) plus ticks within the day.
    pub(crate) fn from_ymd(y: i64, m: i64, d: i64, day_ticks: i64) -> Option<DateTime> {
        if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        let days = days_from_civil(y, m, d);
        days.checked_mul(TICKS_PER_DAY)?
            .checked_add(day_ticks)
            .and_then(DateTime::from_unix_ticks)
    }

    /// The calendar fields.
    pub(crate) fn parts(self) -> Parts {
        let days = self.0.div_euclid(TICKS_PER_DAY);
        let rem = self.0.rem_euclid(TICKS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Parts {
            year,
            month,
            day,
            hour: rem / TICKS_PER_HOUR,
            minute: rem % TICKS_PER_HOUR / TICKS_PER_MINUTE,
            second: rem % TICKS_PER_MINUTE / TICKS_PER_SECOND,
            frac: rem % TICKS_PER_SECOND,
        }
    }

    /// Days since 1970-01-01 (floor).
    pub(crate) fn days(self) -> i64 {
        self.0.div_euclid(TICKS_PER_DAY)
    }

    /// Adds a tick offset; `None` when the result leaves the range.
    pub(crate) fn add_ticks(self, t: i64) -> Option<DateTime> {
        self.0.checked_add(t).and_then(DateTime::from_unix_ticks)
    }

    /// Day of week, 0 = Sunday.
    pub(crate) fn weekday(self) -> i64 {
        (self.days() + 4).rem_euclid(7)
    }

    /// Parses any spelling Kusto accepts (see the module docs); `None` when it is not a datetime.
    pub fn parse(text: &str) -> Option<DateTime> {
        parse_datetime(text.trim())
    }
}

impl fmt::Display for DateTime {
    /// ISO 8601 in UTC as Kusto writes it: `2024-01-01T00:00:00Z`, fractional seconds only when present
    /// and without trailing zeros (`2024-01-01T10:20:30.5Z`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.parts();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            p.year, p.month, p.day, p.hour, p.minute, p.second
        )?;
        if p.frac != 0 {
            let digits = format!("{:07}", p.frac);
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

impl TimeSpan {
    /// Parses `[-][d.]hh:mm[:ss[.fffffff]]` or a literal with a unit (`1.5h`, `100ms`, `2d`, `10tick`).
    pub fn parse(text: &str) -> Option<TimeSpan> {
        let t = text.trim();
        parse_clock_timespan(t).or_else(|| parse_unit_timespan(t))
    }
}

impl fmt::Display for TimeSpan {
    /// .NET's constant format, which Kusto uses: `[-][d.]hh:mm:ss[.fffffff]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let t = self.0.unsigned_abs();
        let day = TICKS_PER_DAY.unsigned_abs();
        let days = t / day;
        let rem = t % day;
        let h = rem / TICKS_PER_HOUR.unsigned_abs();
        let m = rem % TICKS_PER_HOUR.unsigned_abs() / TICKS_PER_MINUTE.unsigned_abs();
        let s = rem % TICKS_PER_MINUTE.unsigned_abs() / TICKS_PER_SECOND.unsigned_abs();
        let frac = rem % TICKS_PER_SECOND.unsigned_abs();
        if neg {
            f.write_str("-")?;
        }
        if days > 0 {
            write!(f, "{days}.")?;
        }
        write!(f, "{h:02}:{m:02}:{s:02}")?;
        if frac > 0 {
            write!(f, ".{frac:07}")?;
        }
        Ok(())
    }
}

/// A cursor over ASCII text for the small parsers below.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(s: &'a str) -> Self {
        Cur {
            b: s.as_bytes(),
            i: 0,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|c| c == b' ' || c == b'\t') {
            self.i += 1;
        }
    }
    /// Up to `max` digits (at least one): value and count.
    fn digits(&mut self, max: usize) -> Option<(i64, usize)> {
        let start = self.i;
        let mut v: i64 = 0;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            v = v * 10 + i64::from(self.b[self.i] - b'0');
            self.i += 1;
        }
        (self.i > start).then_some((v, self.i - start))
    }
    fn word(&mut self) -> &'a str {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.b[start..self.i]).unwrap_or("")
    }
}

/// Fractional seconds `.fffffff…` as ticks (extra digits truncated).
fn fraction_ticks(c: &mut Cur<'_>) -> Option<i64> {
    let start = c.i;
    let mut ticks = 0i64;
    let mut n = 0;
    while c.peek().is_some_and(|d| d.is_ascii_digit()) {
        if n < 7 {
            ticks = ticks * 10 + i64::from(c.b[c.i] - b'0');
            n += 1;
        }
        c.i += 1;
    }
    if c.i == start {
        return None;
    }
    for _ in n..7 {
        ticks *= 10;
    }
    Some(ticks)
}

/// `hh:mm[:ss[.f]]` → ticks within the day (hour 0–23; 24:00 accepted as the end of the day).
fn time_of_day(c: &mut Cur<'_>) -> Option<i64> {
    let (h, _) = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let (m, _) = c.digits(2)?;
    let mut s = 0;
    let mut frac = 0;
    if c.eat(b':') {
        s = c.digits(2)?.0;
        if c.eat(b'.') || c.eat(b',') {
            frac = fraction_ticks(c)?;
        }
    }
    if h > 24 || m > 59 || s > 59 || (h == 24 && (m, s, frac) != (0, 0, 0)) {
        return None;
    }
    Some(h * TICKS_PER_HOUR + m * TICKS_PER_MINUTE + s * TICKS_PER_SECOND + frac)
}

/// `Z`, `UTC`, `GMT`, `+hh:mm`, `-hhmm`, or nothing: the offset to subtract, in ticks.
fn zone(c: &mut Cur<'_>) -> Option<i64> {
    c.skip_spaces();
    if c.done() {
        return Some(0);
    }
    if c.eat(b'Z') || c.eat(b'z') {
        return Some(0);
    }
    let sign = match c.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => {
            let w = c.word();
            return matches!(w, "UTC" | "GMT" | "UT" | "utc" | "gmt").then_some(0);
        }
    };
    c.i += 1;
    let (h, n) = c.digits(4)?;
    let (h, m) = if n == 4 {
        (h / 100, h % 100)
    } else {
        c.eat(b':');
        let m = c.digits(2).map_or(0, |d| d.0);
        (h, m)
    };
    Some(sign * (h * TICKS_PER_HOUR + m * TICKS_PER_MINUTE))
}

fn month_from_name(w: &str) -> Option<i64> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lw = w.to_ascii_lowercase();
    let p = lw.get(..3)?;
    NAMES.iter().position(|n| *n == p).map(|i| i as i64 + 1)
}

fn parse_datetime(s: &str) -> Option<DateTime> {
    parse_iso(s)
        .or_else(|| parse_us(s))
        .or_else(|| parse_rfc(s))
}

/// `yyyy-mm-dd[(T| )hh:mm[:ss[.f]]][zone]`, also with `/` or `.` separators.
fn parse_iso(s: &str) -> Option<DateTime> {
    let mut c = Cur::new(s);
    let (y, n) = c.digits(4)?;
    if n != 4 {
        return None;
    }
    let sep = c.peek()?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    c.i += 1;
    let (m, _) = c.digits(2)?;
    if !c.eat(sep) {
        return None;
    }
    let (d, _) = c.digits(2)?;
    let mut day_ticks = 0;
    if c.eat(b'T') || c.eat(b't') || c.peek() == Some(b' ') {
        c.skip_spaces();
        if !c.done() && c.peek().is_some_and(|x| x.is_ascii_digit()) {
            day_ticks = time_of_day(&mut c)?;
        }
    }
    let off = zone(&mut c)?;
    c.skip_spaces();
    if !c.done() {
        return None;
    }
    DateTime::from_ymd(y, m, d, 0)?.add_ticks(day_ticks - off)
}

/// `M/D/YYYY[,] [h:mm[:ss[.fff]] [AM|PM]]` — the Log Analytics portal's CSV export; also `MM-DD-YYYY`
/// (the todatetime-function page's `12-02-2022`).
fn parse_us(s: &str) -> Option<DateTime> {
    let mut c = Cur::new(s);
    let (m, _) = c.digits(2)?;
    let sep = c.peek()?;
    if !matches!(sep, b'/' | b'-') {
        return None;
    }
    c.i += 1;
    let (d, _) = c.digits(2)?;
    if !c.eat(sep) {
        return None;
    }
    let (y, n) = c.digits(4)?;
    if n != 4 {
        return None;
    }
    c.eat(b',');
    c.skip_spaces();
    let mut day_ticks = 0;
    if !c.done() {
        day_ticks = time_of_day(&mut c)?;
        c.skip_spaces();
        let w = c.word();
        match w.to_ascii_uppercase().as_str() {
            "" => {}
            "AM" | "PM" => {
                let hour = day_ticks / TICKS_PER_HOUR;
                if !(1..=12).contains(&hour) {
                    return None;
                }
                let base = hour % 12 + if w.eq_ignore_ascii_case("PM") { 12 } else { 0 };
                day_ticks += (base - hour) * TICKS_PER_HOUR;
            }
            _ => return None,
        }
        let off = zone(&mut c)?;
        if !c.done() {
            return None;
        }
        day_ticks -= off;
    }
    DateTime::from_ymd(y, m, d, 0)?.add_ticks(day_ticks)
}

/// RFC 822 (`Sat, 8 Nov 14 15:05:02 GMT`, `8 Nov 2014 15:05`) and RFC 850
/// (`Saturday, 08-Nov-14 15:05:02 GMT`).
fn parse_rfc(s: &str) -> Option<DateTime> {
    let mut c = Cur::new(s);
    if c.peek().is_some_and(|x| x.is_ascii_alphabetic()) {
        c.word();
        if !c.eat(b',') {
            return None;
        }
        c.skip_spaces();
    }
    let (d, _) = c.digits(2)?;
    let dash = c.eat(b'-');
    if !dash {
        c.skip_spaces();
    }
    let m = month_from_name(c.word())?;
    if dash {
        if !c.eat(b'-') {
            return None;
        }
    } else {
        c.skip_spaces();
    }
    let (y, n) = c.digits(4)?;
    let y = match n {
        2 => {
            if y < 50 {
                2000 + y
            } else {
                1900 + y
            }
        }
        4 => y,
        _ => return None,
    };
    c.skip_spaces();
    let mut day_ticks = 0;
    if c.peek().is_some_and(|x| x.is_ascii_digit()) {
        day_ticks = time_of_day(&mut c)?;
    }
    let off = zone(&mut c)?;
    c.skip_spaces();
    if !c.done() {
        return None;
    }
    DateTime::from_ymd(y, m, d, 0)?.add_ticks(day_ticks - off)
}

/// `[-][d.]hh:mm[:ss[.fffffff]]`.
fn parse_clock_timespan(s: &str) -> Option<TimeSpan> {
    let mut c = Cur::new(s);
    let neg = c.eat(b'-');
    let (first, _) = c.digits(9)?;
    let mut days = 0;
    let h;
    if c.eat(b'.') {
        days = first;
        h = c.digits(2)?.0;
    } else {
        h = first;
    }
    if !c.eat(b':') {
        return None;
    }
    let (m, _) = c.digits(2)?;
    let mut secs = 0;
    let mut frac = 0;
    if c.eat(b':') {
        secs = c.digits(2)?.0;
        if c.eat(b'.') {
            frac = fraction_ticks(&mut c)?;
        }
    }
    if !c.done() || h > 23 && days > 0 || m > 59 || secs > 59 {
        return None;
    }
    let t = days
        .checked_mul(TICKS_PER_DAY)?
        .checked_add(h.checked_mul(TICKS_PER_HOUR)?)?
        .checked_add(m * TICKS_PER_MINUTE + secs * TICKS_PER_SECOND + frac)?;
    Some(TimeSpan(if neg { -t } else { t }))
}

/// The tick length of a timespan unit as the lexer accepts it (`d`, `hours`, `ms`, `tick`…).
pub(crate) fn unit_ticks(unit: &str) -> Option<i64> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "d" | "day" | "days" => TICKS_PER_DAY,
        "h" | "hr" | "hrs" | "hour" | "hours" => TICKS_PER_HOUR,
        "m" | "min" | "minute" | "minutes" => TICKS_PER_MINUTE,
        "s" | "sec" | "second" | "seconds" => TICKS_PER_SECOND,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => TICKS_PER_MILLISECOND,
        "microsecond" | "microseconds" => TICKS_PER_MICROSECOND,
        "tick" | "ticks" => 1,
        _ => return None,
    })
}

/// `1.5h`, `-2d`, `100ms`, `10tick`; a bare number is days (as in `timespan(2)`? no: Kusto requires a
/// unit in literals, but `totimespan("2")` reads days only through the clock form, so a bare number is
/// rejected here).
fn parse_unit_timespan(s: &str) -> Option<TimeSpan> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let split = body
        .find(|c: char| c.is_ascii_alphabetic())
        .filter(|&i| i > 0)?;
    let (num, unit) = body.split_at(split);
    let per = unit_ticks(unit.trim())?;
    let ticks = if num.contains(['.', 'e', 'E']) {
        let v: f64 = num.parse().ok()?;
        let t = (v * per as f64).round();
        if !t.is_finite() || t.abs() > i64::MAX as f64 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        let t = t as i64;
        t
    } else {
        num.parse::<i64>().ok()?.checked_mul(per)?
    };
    Some(TimeSpan(if neg { -ticks } else { ticks }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> DateTime {
        DateTime::parse(s).unwrap_or_else(|| panic!("not a datetime: {s}"))
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_162, -1, 0, 1, 10_957, 2_932_895] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(DateTime::MIN.to_string(), "0001-01-01T00:00:00Z");
        assert_eq!(DateTime::MAX.to_string(), "9999-12-31T23:59:59.9999999Z");
    }

    #[test]
    fn parses_kusto_spellings() {
        let base = dt("2014-11-08T15:55:55Z");
        assert_eq!(dt("2014-11-08 15:55:55"), base);
        assert_eq!(dt("2014-11-08 15:55:55.000"), base);
        assert_eq!(dt("2014-11-08T16:55:55+01:00"), base);
        assert_eq!(dt("Sat, 8 Nov 14 15:55:55 GMT"), base);
        assert_eq!(dt("Saturday, 08-Nov-14 15:55:55 GMT"), base);
        assert_eq!(dt("11/8/2014, 3:55:55.000 PM"), base);
        assert_eq!(dt("2014-11-08").to_string(), "2014-11-08T00:00:00Z");
        assert_eq!(dt("2014-11-08T15:55").to_string(), "2014-11-08T15:55:00Z");
        assert_eq!(
            dt("2014-05-25T08:20:03.123456Z").to_string(),
            "2014-05-25T08:20:03.123456Z"
        );
        assert_eq!(
            dt("4/18/2025, 12:55:02.901 AM").to_string(),
            "2025-04-18T00:55:02.901Z"
        );
        assert!(DateTime::parse("2014-02-30").is_none());
        assert!(DateTime::parse("yesterday").is_none());
        assert!(DateTime::parse("10000-01-01").is_none());
    }

    #[test]
    fn timespans() {
        assert_eq!(
            TimeSpan::parse("1.02:03:04").unwrap().to_string(),
            "1.02:03:04"
        );
        assert_eq!(
            TimeSpan::parse("00:00:01.5").unwrap().to_string(),
            "00:00:01.5000000"
        );
        assert_eq!(TimeSpan::parse("1.5h").unwrap().to_string(), "01:30:00");
        assert_eq!(TimeSpan::parse("-2d").unwrap().to_string(), "-2.00:00:00");
        assert_eq!(TimeSpan::parse("100ms").unwrap().0, 1_000_000);
        assert_eq!(TimeSpan::parse("10tick").unwrap().0, 10);
        assert_eq!(
            TimeSpan::parse("36:00:00").unwrap().to_string(),
            "1.12:00:00"
        );
        assert!(TimeSpan::parse("abc").is_none());
    }

    #[test]
    fn weekday_and_parts() {
        let d = dt("2024-01-07T10:11:12.5Z");
        assert_eq!(d.weekday(), 0);
        let p = d.parts();
        assert_eq!(
            (p.year, p.month, p.day, p.hour, p.minute, p.second, p.frac),
            (2024, 1, 7, 10, 11, 12, 5_000_000)
        );
    }
}
