//! Date and time functions: `now`, `ago`, `datetime_add`, `datetime_diff`, `datetime_part`, the `startof…`
//! / `endof…` family, `dayofweek` and friends, `make_datetime`, `make_timespan`, `format_datetime`,
//! `format_timespan`, `unixtime_*_todatetime`, and the time-zone conversions for UTC.
//!
//! Calendar rules from the function pages: weeks start on Sunday (`endofweek` is a Saturday,
//! `dayofweek(Sunday)` is `0d`, `datetime_diff('week', …)` counts Sundays crossed); `week_of_year` is the
//! ISO 8601 week; `datetime_diff` counts unit boundaries crossed (`datetime_diff('day', 10-29 00:00,
//! 09-30 23:59)` is 29). Time zones other than UTC need a time-zone database, which the engine does not
//! carry: such calls are unsupported, not guessed.

use super::{Cx, Func, arg, f, int, real, s, string, t};
use crate::datetime::{
    DateTime, TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MICROSECOND, TICKS_PER_MILLISECOND,
    TICKS_PER_MINUTE, TICKS_PER_SECOND, TimeSpan, days_in_month,
};
use crate::error::{EvalError, Result};
use crate::value::{Type, Value};

pub(crate) const FUNCTIONS: &[Func] = &[
    f("now", 0, 1, t(Type::DateTime), now),
    f("ago", 1, 1, t(Type::DateTime), ago),
    f("datetime_add", 3, 3, t(Type::DateTime), datetime_add),
    f("datetime_diff", 3, 3, t(Type::Long), datetime_diff),
    f("datetime_part", 2, 2, t(Type::Long), |a, _| {
        Ok(part(&s(&a[0]), &a[1]))
    }),
    f("datepart", 2, 2, t(Type::Long), |a, _| {
        Ok(part(&s(&a[0]), &a[1]))
    }),
    f("getyear", 1, 1, t(Type::Long), |a, _| {
        Ok(part("year", &a[0]))
    }),
    f("getmonth", 1, 1, t(Type::Long), |a, _| {
        Ok(part("month", &a[0]))
    }),
    f("monthofyear", 1, 1, t(Type::Long), |a, _| {
        Ok(part("month", &a[0]))
    }),
    f("dayofmonth", 1, 1, t(Type::Long), |a, _| {
        Ok(part("day", &a[0]))
    }),
    f("dayofyear", 1, 1, t(Type::Long), |a, _| {
        Ok(part("dayofyear", &a[0]))
    }),
    f("hourofday", 1, 1, t(Type::Long), |a, _| {
        Ok(part("hour", &a[0]))
    }),
    f("weekofyear", 1, 1, t(Type::Long), |a, _| {
        Ok(part("week_of_year", &a[0]))
    }),
    f("week_of_year", 1, 1, t(Type::Long), |a, _| {
        Ok(part("week_of_year", &a[0]))
    }),
    f("dayofweek", 1, 1, t(Type::TimeSpan), |a, _| {
        Ok(match &a[0] {
            Value::DateTime(d) => Value::TimeSpan(TimeSpan(d.weekday() * TICKS_PER_DAY)),
            _ => Value::Null,
        })
    }),
    f("startofday", 1, 2, t(Type::DateTime), |a, _| {
        Ok(start_of(&a[0], arg(a, 1), Unit::Day))
    }),
    f("startofweek", 1, 2, t(Type::DateTime), |a, _| {
        Ok(start_of(&a[0], arg(a, 1), Unit::Week))
    }),
    f("startofmonth", 1, 2, t(Type::DateTime), |a, _| {
        Ok(start_of(&a[0], arg(a, 1), Unit::Month))
    }),
    f("startofyear", 1, 2, t(Type::DateTime), |a, _| {
        Ok(start_of(&a[0], arg(a, 1), Unit::Year))
    }),
    f("endofday", 1, 2, t(Type::DateTime), |a, _| {
        Ok(end_of(&a[0], arg(a, 1), Unit::Day))
    }),
    f("endofweek", 1, 2, t(Type::DateTime), |a, _| {
        Ok(end_of(&a[0], arg(a, 1), Unit::Week))
    }),
    f("endofmonth", 1, 2, t(Type::DateTime), |a, _| {
        Ok(end_of(&a[0], arg(a, 1), Unit::Month))
    }),
    f("endofyear", 1, 2, t(Type::DateTime), |a, _| {
        Ok(end_of(&a[0], arg(a, 1), Unit::Year))
    }),
    f("make_datetime", 3, 7, t(Type::DateTime), make_datetime),
    f("make_timespan", 2, 5, t(Type::TimeSpan), make_timespan),
    f("format_datetime", 2, 2, t(Type::String), |a, _| {
        Ok(match &a[0] {
            Value::DateTime(d) => string(format_datetime(*d, &s(&a[1]))),
            _ => string(""),
        })
    }),
    f("format_timespan", 2, 2, t(Type::String), |a, _| {
        Ok(match &a[0] {
            Value::TimeSpan(ts) => string(format_timespan(*ts, &s(&a[1]))),
            _ => string(""),
        })
    }),
    f(
        "unixtime_seconds_todatetime",
        1,
        1,
        t(Type::DateTime),
        |a, _| Ok(from_unix(&a[0], TICKS_PER_SECOND as f64)),
    ),
    f(
        "unixtime_milliseconds_todatetime",
        1,
        1,
        t(Type::DateTime),
        |a, _| Ok(from_unix(&a[0], TICKS_PER_MILLISECOND as f64)),
    ),
    f(
        "unixtime_microseconds_todatetime",
        1,
        1,
        t(Type::DateTime),
        |a, _| Ok(from_unix(&a[0], TICKS_PER_MICROSECOND as f64)),
    ),
    f(
        "unixtime_nanoseconds_todatetime",
        1,
        1,
        t(Type::DateTime),
        |a, _| Ok(from_unix(&a[0], 0.01)),
    ),
    f("datetime_utc_to_local", 2, 2, t(Type::DateTime), tz_convert),
    f("datetime_local_to_utc", 2, 2, t(Type::DateTime), tz_convert),
    f("around", 3, 3, t(Type::Bool), around),
];

fn now(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    Ok(match a.first() {
        None => Value::DateTime(cx.now),
        Some(Value::TimeSpan(t)) => cx.now.add_ticks(t.0).map_or(Value::Null, Value::DateTime),
        Some(_) => Value::Null,
    })
}

fn ago(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    Ok(match &a[0] {
        Value::TimeSpan(t) => cx.now.add_ticks(-t.0).map_or(Value::Null, Value::DateTime),
        _ => Value::Null,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Day,
    Week,
    Month,
    Year,
}

/// Adds whole months, clamping the day to the target month's length (.NET `AddMonths`).
fn add_months(d: DateTime, months: i64) -> Option<DateTime> {
    let p = d.parts();
    let total = p.year * 12 + (p.month - 1) + months;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let day = p.day.min(days_in_month(y, m));
    let tod = d.unix_ticks().rem_euclid(TICKS_PER_DAY);
    DateTime::from_ymd(y, m, day, tod)
}

fn start_value(d: DateTime, offset: i64, unit: Unit) -> Option<DateTime> {
    let p = d.parts();
    match unit {
        Unit::Day => DateTime::from_ymd(p.year, p.month, p.day, 0)?
            .add_ticks(offset.checked_mul(TICKS_PER_DAY)?),
        Unit::Week => {
            let sunday = DateTime::from_ymd(p.year, p.month, p.day, 0)?
                .add_ticks(-d.weekday() * TICKS_PER_DAY)?;
            sunday.add_ticks(offset.checked_mul(7 * TICKS_PER_DAY)?)
        }
        Unit::Month => add_months(DateTime::from_ymd(p.year, p.month, 1, 0)?, offset),
        Unit::Year => DateTime::from_ymd(p.year.checked_add(offset)?, 1, 1, 0),
    }
}

fn start_of(v: &Value, offset: &Value, unit: Unit) -> Value {
    let Value::DateTime(d) = v else {
        return Value::Null;
    };
    let off = if offset.is_null() {
        0
    } else {
        match int(offset) {
            Some(o) => o,
            None => return Value::Null,
        }
    };
    start_value(*d, off, unit).map_or(Value::Null, Value::DateTime)
}

fn end_of(v: &Value, offset: &Value, unit: Unit) -> Value {
    let Value::DateTime(d) = v else {
        return Value::Null;
    };
    let off = if offset.is_null() {
        0
    } else {
        match int(offset) {
            Some(o) => o,
            None => return Value::Null,
        }
    };
    off.checked_add(1)
        .and_then(|o| start_value(*d, o, unit))
        .and_then(|n| n.add_ticks(-1))
        .map_or(Value::Null, Value::DateTime)
}

fn unit_name(u: &str) -> String {
    u.trim().to_ascii_lowercase().replace('_', "")
}

fn datetime_add(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let (Some(n), Value::DateTime(d)) = (int(&a[1]), &a[2]) else {
        return Ok(Value::Null);
    };
    let tick = |per: i64| n.checked_mul(per).and_then(|t| d.add_ticks(t));
    let r = match unit_name(&s(&a[0])).as_str() {
        "year" => n.checked_mul(12).and_then(|m| add_months(*d, m)),
        "quarter" => n.checked_mul(3).and_then(|m| add_months(*d, m)),
        "month" => add_months(*d, n),
        "week" => tick(7 * TICKS_PER_DAY),
        "day" => tick(TICKS_PER_DAY),
        "hour" => tick(TICKS_PER_HOUR),
        "minute" => tick(TICKS_PER_MINUTE),
        "second" => tick(TICKS_PER_SECOND),
        "millisecond" => tick(TICKS_PER_MILLISECOND),
        "microsecond" => tick(TICKS_PER_MICROSECOND),
        "nanosecond" => d.add_ticks(n / 100),
        other => {
            return Err(EvalError::runtime(format!(
                "`datetime_add`: unknown period `{other}`"
            )));
        }
    };
    Ok(r.map_or(Value::Null, Value::DateTime))
}

/// `datetime_diff(unit, a, b)`: unit boundaries between b and a (positive when a is later).
fn datetime_diff(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let (Value::DateTime(x), Value::DateTime(y)) = (&a[1], &a[2]) else {
        return Ok(Value::Null);
    };
    let (px, py) = (x.parts(), y.parts());
    let floor_div = |t: i64, per: i64| t.div_euclid(per);
    let (tx, ty) = (x.unix_ticks(), y.unix_ticks());
    let r = match unit_name(&s(&a[0])).as_str() {
        "year" => px.year - py.year,
        "quarter" => (px.year * 4 + (px.month - 1) / 3) - (py.year * 4 + (py.month - 1) / 3),
        "month" => (px.year * 12 + px.month) - (py.year * 12 + py.month),
        // weeks start on Sunday: 1970-01-04 was a Sunday
        "week" => {
            floor_div(tx - 3 * TICKS_PER_DAY, 7 * TICKS_PER_DAY)
                - floor_div(ty - 3 * TICKS_PER_DAY, 7 * TICKS_PER_DAY)
        }
        "day" => floor_div(tx, TICKS_PER_DAY) - floor_div(ty, TICKS_PER_DAY),
        "hour" => floor_div(tx, TICKS_PER_HOUR) - floor_div(ty, TICKS_PER_HOUR),
        "minute" => floor_div(tx, TICKS_PER_MINUTE) - floor_div(ty, TICKS_PER_MINUTE),
        "second" => floor_div(tx, TICKS_PER_SECOND) - floor_div(ty, TICKS_PER_SECOND),
        "millisecond" => {
            floor_div(tx, TICKS_PER_MILLISECOND) - floor_div(ty, TICKS_PER_MILLISECOND)
        }
        "microsecond" => {
            floor_div(tx, TICKS_PER_MICROSECOND) - floor_div(ty, TICKS_PER_MICROSECOND)
        }
        "nanosecond" => (tx - ty).saturating_mul(100),
        other => {
            return Err(EvalError::runtime(format!(
                "`datetime_diff`: unknown period `{other}`"
            )));
        }
    };
    Ok(Value::Long(r))
}

/// ISO 8601 week number.
fn iso_week(d: DateTime) -> i64 {
    let p = d.parts();
    let doy = d.days() - crate::datetime::days_from_civil(p.year, 1, 1) + 1;
    // ISO weekday: Monday = 1 … Sunday = 7
    let wd = (d.weekday() + 6) % 7 + 1;
    let w = (doy - wd + 10) / 7;
    if w < 1 {
        // last week of the previous year
        let prev = DateTime::from_ymd(p.year - 1, 12, 31, 0).map_or(52, iso_week);
        return prev;
    }
    if w == 53 {
        // does the year have 53 weeks? (its 28 Dec is always in the last week)
        let last = DateTime::from_ymd(p.year, 12, 28, 0).map_or(52, |x| {
            let pp = x.parts();
            let doy2 = x.days() - crate::datetime::days_from_civil(pp.year, 1, 1) + 1;
            let wd2 = (x.weekday() + 6) % 7 + 1;
            (doy2 - wd2 + 10) / 7
        });
        if last < 53 {
            return 1;
        }
    }
    w
}

fn part(name: &str, v: &Value) -> Value {
    let Value::DateTime(d) = v else {
        return Value::Null;
    };
    let p = d.parts();
    Value::Long(match unit_name(name).as_str() {
        "year" => p.year,
        "quarter" => (p.month - 1) / 3 + 1,
        "month" => p.month,
        "weekofyear" | "week" => iso_week(*d),
        "day" => p.day,
        "dayofyear" => d.days() - crate::datetime::days_from_civil(p.year, 1, 1) + 1,
        "hour" => p.hour,
        "minute" => p.minute,
        "second" => p.second,
        "millisecond" => p.frac / TICKS_PER_MILLISECOND,
        "microsecond" => p.frac / TICKS_PER_MICROSECOND,
        "nanosecond" => p.frac * 100,
        _ => return Value::Null,
    })
}

fn make_datetime(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let (Some(y), Some(m), Some(d)) = (int(&a[0]), int(&a[1]), int(&a[2])) else {
        return Ok(Value::Null);
    };
    let h = int(arg(a, 3)).unwrap_or(0);
    let mi = int(arg(a, 4)).unwrap_or(0);
    let sec = real(arg(a, 5)).unwrap_or(0.0);
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0.0..60.0).contains(&sec) {
        return Ok(Value::Null);
    }
    #[allow(clippy::cast_possible_truncation)]
    let st = (sec * TICKS_PER_SECOND as f64).round() as i64;
    let tod = h * TICKS_PER_HOUR + mi * TICKS_PER_MINUTE + st;
    Ok(DateTime::from_ymd(y, m, d, tod).map_or(Value::Null, Value::DateTime))
}

fn make_timespan(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    // (h, m), (h, m, s), (d, h, m, s)
    let vals: Vec<Option<f64>> = a.iter().map(real).collect();
    if vals.iter().any(Option::is_none) {
        return Ok(Value::Null);
    }
    let v: Vec<f64> = vals.into_iter().flatten().collect();
    let (d, h, m, sec) = match v.len() {
        2 => (0.0, v[0], v[1], 0.0),
        3 => (0.0, v[0], v[1], v[2]),
        _ => (v[0], v[1], v[2], v[3]),
    };
    #[allow(clippy::cast_precision_loss)]
    let ticks = d * TICKS_PER_DAY as f64
        + h * TICKS_PER_HOUR as f64
        + m * TICKS_PER_MINUTE as f64
        + sec * TICKS_PER_SECOND as f64;
    #[allow(clippy::cast_possible_truncation)]
    Ok(if ticks.is_finite() {
        Value::TimeSpan(TimeSpan(ticks.round() as i64))
    } else {
        Value::Null
    })
}

#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn from_unix(v: &Value, ticks_per_unit: f64) -> Value {
    match v {
        Value::Int(_) | Value::Long(_) if ticks_per_unit >= 1.0 => {
            let per = ticks_per_unit as i64;
            v.as_i64()
                .and_then(|n| n.checked_mul(per))
                .and_then(DateTime::from_unix_ticks)
                .map_or(Value::Null, Value::DateTime)
        }
        Value::Int(_) | Value::Long(_) => v
            .as_i64()
            .and_then(|n| DateTime::from_unix_ticks(n / 100))
            .map_or(Value::Null, Value::DateTime),
        _ => match real(v) {
            Some(x) if x.is_finite() => {
                let t = (x * ticks_per_unit).round();
                if t.abs() < 9.2e18 {
                    DateTime::from_unix_ticks(t as i64).map_or(Value::Null, Value::DateTime)
                } else {
                    Value::Null
                }
            }
            _ => Value::Null,
        },
    }
}

fn tz_convert(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let tz = s(&a[1]);
    if matches!(
        tz.as_ref(),
        "UTC" | "Etc/UTC" | "Etc/GMT" | "GMT" | "Universal" | "Zulu"
    ) {
        return Ok(a[0].clone());
    }
    Err(EvalError::unsupported(format!(
        "time zone `{tz}` (the engine has no time-zone database; only UTC)"
    )))
}

/// `around(value, center, delta)`: `center - delta <= value <= center + delta`.
fn around(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let lo = crate::scalar_ops::arith(crate::scalar_ops::Arith::Sub, &a[1], &a[2])?;
    let hi = crate::scalar_ops::arith(crate::scalar_ops::Arith::Add, &a[1], &a[2])?;
    Ok(crate::scalar_ops::between(&a[0], &lo, &hi))
}

/// `format_datetime` with Kusto's (.NET-like) specifiers: `yyyy yy y MM M MMM MMMM dd d ddd dddd HH H
/// hh h mm m ss s f… F… tt`; any other character is copied, `\x` and quoted text are literal.
pub(crate) fn format_datetime(d: DateTime, fmt: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ];
    let p = d.parts();
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        let idx = |x: i64| usize::try_from(x).unwrap_or(0);
        match c {
            'y' => match n {
                1 => out.push_str(&(p.year % 100).to_string()),
                2 => out.push_str(&format!("{:02}", p.year % 100)),
                _ => out.push_str(&format!("{:0w$}", p.year, w = n)),
            },
            'M' => match n {
                1 => out.push_str(&p.month.to_string()),
                2 => out.push_str(&format!("{:02}", p.month)),
                3 => out.push_str(&MONTHS[idx(p.month - 1)][..3]),
                _ => out.push_str(MONTHS[idx(p.month - 1)]),
            },
            'd' => match n {
                1 => out.push_str(&p.day.to_string()),
                2 => out.push_str(&format!("{:02}", p.day)),
                3 => out.push_str(&DAYS[idx(d.weekday())][..3]),
                _ => out.push_str(DAYS[idx(d.weekday())]),
            },
            'H' => out.push_str(&if n >= 2 {
                format!("{:02}", p.hour)
            } else {
                p.hour.to_string()
            }),
            'h' => {
                let h12 = if p.hour % 12 == 0 { 12 } else { p.hour % 12 };
                out.push_str(&if n >= 2 {
                    format!("{h12:02}")
                } else {
                    h12.to_string()
                });
            }
            'm' => out.push_str(&if n >= 2 {
                format!("{:02}", p.minute)
            } else {
                p.minute.to_string()
            }),
            's' => out.push_str(&if n >= 2 {
                format!("{:02}", p.second)
            } else {
                p.second.to_string()
            }),
            'f' | 'F' => {
                let digits = format!("{:07}", p.frac);
                let take = &digits[..n.min(7)];
                if c == 'F' {
                    let trimmed = take.trim_end_matches('0');
                    if trimmed.is_empty() && out.ends_with('.') {
                        out.pop();
                    }
                    out.push_str(trimmed);
                } else {
                    out.push_str(take);
                }
            }
            't' => {
                let ampm = if p.hour < 12 { "AM" } else { "PM" };
                out.push_str(if n >= 2 { ampm } else { &ampm[..1] });
            }
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '\'' | '"' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j] != c {
                    out.push(chars[j]);
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            _ => {
                for _ in 0..n {
                    out.push(c);
                }
            }
        }
        i += n;
    }
    out
}

/// `format_timespan` with `d…`, `h hh H HH`, `m mm`, `s ss`, `f… F…`.
pub(crate) fn format_timespan(ts: TimeSpan, fmt: &str) -> String {
    let neg = ts.0 < 0;
    let t = ts.0.unsigned_abs();
    let per = |x: i64| x.unsigned_abs();
    let days = t / per(TICKS_PER_DAY);
    let h = t % per(TICKS_PER_DAY) / per(TICKS_PER_HOUR);
    let m = t % per(TICKS_PER_HOUR) / per(TICKS_PER_MINUTE);
    let sec = t % per(TICKS_PER_MINUTE) / per(TICKS_PER_SECOND);
    let frac = t % per(TICKS_PER_SECOND);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        match c {
            'd' => out.push_str(&format!("{days:0n$}")),
            'h' | 'H' => out.push_str(&format!("{h:0w$}", w = n.min(2))),
            'm' => out.push_str(&format!("{m:0w$}", w = n.min(2))),
            's' => out.push_str(&format!("{sec:0w$}", w = n.min(2))),
            'f' | 'F' => {
                let digits = format!("{frac:07}");
                let take = &digits[..n.min(7)];
                if c == 'F' {
                    let trimmed = take.trim_end_matches('0');
                    if trimmed.is_empty() && out.ends_with('.') {
                        out.pop();
                    }
                    out.push_str(trimmed);
                } else {
                    out.push_str(take);
                }
            }
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '\'' | '"' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j] != c {
                    out.push(chars[j]);
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            _ => {
                for _ in 0..n {
                    out.push(c);
                }
            }
        }
        i += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{Budget, Limits};

    fn dt(x: &str) -> Value {
        Value::DateTime(DateTime::parse(x).unwrap())
    }

    fn diff(unit: &str, a: &str, b: &str) -> i64 {
        let bd = Budget::new(&Limits::default());
        let cx = Cx::new(DateTime::UNIX_EPOCH, &bd);
        datetime_diff(&[Value::string(unit), dt(a), dt(b)], &cx)
            .unwrap()
            .as_i64()
            .unwrap()
    }

    #[test]
    fn diffs_count_boundaries() {
        // the datetime-diff-function page
        assert_eq!(diff("year", "2017-01-01", "2000-12-31"), 17);
        assert_eq!(diff("quarter", "2017-07-01", "2017-03-30"), 2);
        assert_eq!(diff("month", "2017-01-01", "2015-12-30"), 13);
        assert_eq!(diff("week", "2017-10-29 00:00", "2017-09-30 23:59"), 5);
        assert_eq!(diff("day", "2017-10-29 00:00", "2017-09-30 23:59"), 29);
        assert_eq!(diff("hour", "2017-10-31 01:00", "2017-10-30 23:59"), 2);
        assert_eq!(
            diff(
                "nanosecond",
                "2017-10-30 23:00:00.0000000",
                "2017-10-30 23:00:00.0000007"
            ),
            -700
        );
    }

    #[test]
    fn parts_and_periods() {
        let d = dt("2017-10-30 01:02:03.7654321");
        assert_eq!(part("week_of_year", &d).as_i64(), Some(44));
        assert_eq!(part("dayOfYear", &d).as_i64(), Some(303));
        assert_eq!(part("nanosecond", &d).as_i64(), Some(765_432_100));
        let e = end_of(&dt("2017-01-01 10:10:17"), &Value::Long(0), Unit::Week);
        assert_eq!(e.to_kusto_string(), "2017-01-07T23:59:59.9999999Z");
        let m = end_of(&dt("2017-01-01"), &Value::Long(1), Unit::Month);
        assert_eq!(m.to_kusto_string(), "2017-02-28T23:59:59.9999999Z");
        let w = iso_week(DateTime::parse("2021-01-03").unwrap());
        assert_eq!(w, 53);
    }

    #[test]
    fn formats() {
        let d = DateTime::parse("2017-01-29 09:00:05").unwrap();
        assert_eq!(
            format_datetime(d, "yy-MM-dd [HH:mm:ss]"),
            "17-01-29 [09:00:05]"
        );
        assert_eq!(
            format_datetime(d, "yyyy-M-dd [H:mm:ss]"),
            "2017-1-29 [9:00:05]"
        );
        assert_eq!(
            format_datetime(d, "yy-MM-dd [hh:mm:ss tt]"),
            "17-01-29 [09:00:05 AM]"
        );
        let ts = TimeSpan::parse("1.02:03:04.5").unwrap();
        assert_eq!(format_timespan(ts, "d.hh:mm:ss.fff"), "1.02:03:04.500");
    }
}
