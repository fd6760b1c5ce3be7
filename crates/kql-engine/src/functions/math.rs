//! Numeric functions: `abs`, `round`, `floor`/`bin`/`bin_at`/`bin_auto`, `ceiling`, `pow`, `sqrt`, `exp*`,
//! `log*`, trigonometry, `sign`, `max_of`/`min_of`, `erf`, `gamma`, `beta_*`, bitwise functions, `rand`.
//!
//! `bin` of a `datetime` rounds the ticks counted from 0001-01-01 (.NET's `DateTime.Ticks`), which is
//! what makes `bin(t, 7d)` weeks start on a Monday; `bin(4.5, 1)` is `4` (the bin-function page). `round`
//! rounds halves away from zero. `max_of`/`min_of` ignore null arguments and are null only when all
//! are (the max-of-function page).

use std::cmp::Ordering;

use super::{Cx, Func, MANY, Ret, arg, f, impure, int, real, real_or_null, t};
use crate::compare;
use crate::datetime::{DateTime, TimeSpan};
use crate::error::Result;
use crate::value::{Type, Value};

pub(crate) const FUNCTIONS: &[Func] = &[
    f("abs", 1, 1, Ret::Arg(0), abs),
    f("ceiling", 1, 1, Ret::Arg(0), ceiling),
    f("floor", 1, 2, Ret::Arg(0), floor),
    f("bin", 2, 2, Ret::Arg(0), bin),
    f("bin_at", 3, 3, Ret::Arg(0), bin_at),
    f("bin_auto", 1, 1, Ret::Arg(0), bin_auto),
    f("round", 1, 2, Ret::Arg(0), round),
    f("sqrt", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::sqrt))
    }),
    f("pow", 2, 2, t(Type::Real), pow),
    f("exp", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::exp))
    }),
    f("exp2", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::exp2))
    }),
    f("exp10", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], |x| 10f64.powf(x)))
    }),
    f("log", 1, 1, t(Type::Real), |a, _| Ok(unary(&a[0], f64::ln))),
    f("log2", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::log2))
    }),
    f("log10", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::log10))
    }),
    f("sin", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::sin))
    }),
    f("cos", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::cos))
    }),
    f("tan", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::tan))
    }),
    f("asin", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::asin))
    }),
    f("acos", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::acos))
    }),
    f("atan", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::atan))
    }),
    f("cot", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], |x| 1.0 / x.tan()))
    }),
    f("atan2", 2, 2, t(Type::Real), |a, _| {
        Ok(real_or_null(
            real(&a[0]).zip(real(&a[1])).map(|(y, x)| y.atan2(x)),
        ))
    }),
    f("degrees", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::to_degrees))
    }),
    f("radians", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], f64::to_radians))
    }),
    f("pi", 0, 0, t(Type::Real), |_, _| {
        Ok(Value::Real(std::f64::consts::PI))
    }),
    f("sign", 1, 1, Ret::Arg(0), sign),
    f("max_of", 1, MANY, Ret::Common, |a, _| {
        Ok(extreme(a, Ordering::Greater))
    }),
    f("min_of", 1, MANY, Ret::Common, |a, _| {
        Ok(extreme(a, Ordering::Less))
    }),
    f("erf", 1, 1, t(Type::Real), |a, _| Ok(unary(&a[0], erf))),
    f("erfc", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], |x| 1.0 - erf(x)))
    }),
    f("gamma", 1, 1, t(Type::Real), |a, _| Ok(unary(&a[0], gamma))),
    f("loggamma", 1, 1, t(Type::Real), |a, _| {
        Ok(unary(&a[0], ln_gamma))
    }),
    f("beta_cdf", 3, 3, t(Type::Real), beta_cdf),
    f("beta_inv", 3, 3, t(Type::Real), beta_inv),
    f("beta_pdf", 3, 3, t(Type::Real), beta_pdf),
    f("binary_and", 2, 2, t(Type::Long), |a, _| {
        Ok(bits2(a, |x, y| x & y))
    }),
    f("binary_or", 2, 2, t(Type::Long), |a, _| {
        Ok(bits2(a, |x, y| x | y))
    }),
    f("binary_xor", 2, 2, t(Type::Long), |a, _| {
        Ok(bits2(a, |x, y| x ^ y))
    }),
    f("binary_not", 1, 1, t(Type::Long), |a, _| {
        Ok(int(&a[0]).map_or(Value::Null, |x| Value::Long(!x)))
    }),
    f("binary_shift_left", 2, 2, t(Type::Long), |a, _| {
        Ok(bits2(a, |x, y| {
            if (0..64).contains(&y) {
                x.wrapping_shl(u32::try_from(y).unwrap_or(0))
            } else {
                0
            }
        }))
    }),
    f("binary_shift_right", 2, 2, t(Type::Long), |a, _| {
        Ok(bits2(a, |x, y| {
            if (0..64).contains(&y) {
                x.wrapping_shr(u32::try_from(y).unwrap_or(0))
            } else {
                0
            }
        }))
    }),
    f("bitset_count_ones", 1, 1, t(Type::Long), |a, _| {
        Ok(int(&a[0]).map_or(Value::Null, |x| Value::Long(i64::from(x.count_ones()))))
    }),
    impure("rand", 0, 1, t(Type::Real), rand),
];

fn unary(v: &Value, op: fn(f64) -> f64) -> Value {
    real_or_null(real(v).map(op))
}

fn abs(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(match &a[0] {
        Value::Int(i) => Value::Int(i.wrapping_abs()),
        Value::Long(l) => Value::Long(l.wrapping_abs()),
        Value::Real(r) => Value::Real(r.abs()),
        Value::Decimal(d) => Value::Decimal(d.abs()),
        Value::TimeSpan(t) => Value::TimeSpan(TimeSpan(t.0.wrapping_abs())),
        _ => Value::Null,
    })
}

fn ceiling(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(match &a[0] {
        Value::Int(_) | Value::Long(_) => a[0].clone(),
        Value::Real(r) => Value::Real(r.ceil()),
        Value::Decimal(d) => Value::Decimal(d.ceil()),
        _ => Value::Null,
    })
}

fn sign(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(match &a[0] {
        Value::Int(i) => Value::Int(i.signum()),
        Value::Long(l) => Value::Long(l.signum()),
        Value::Real(r) => Value::Real(if *r == 0.0 || r.is_nan() {
            *r
        } else {
            r.signum()
        }),
        Value::Decimal(d) => Value::Decimal(if d.is_zero() {
            *d
        } else if d.is_sign_negative() {
            -rust_decimal::Decimal::ONE
        } else {
            rust_decimal::Decimal::ONE
        }),
        _ => Value::Null,
    })
}

fn pow(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(real_or_null(
        real(&a[0]).zip(real(&a[1])).map(|(x, y)| x.powf(y)),
    ))
}

fn floor(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    if a.len() == 2 {
        return bin(a, cx);
    }
    Ok(match &a[0] {
        Value::Int(_) | Value::Long(_) => a[0].clone(),
        Value::Real(r) => Value::Real(r.floor()),
        Value::Decimal(d) => Value::Decimal(d.floor()),
        _ => Value::Null,
    })
}

/// `bin(value, size)`: the largest multiple of `size` not above `value` (datetimes counted from year 1).
pub(crate) fn bin_value(v: &Value, size: &Value) -> Value {
    match (v, size) {
        (Value::Null, _) | (_, Value::Null) => Value::Null,
        (Value::DateTime(d), Value::TimeSpan(s)) => bin_datetime(*d, s.0, 0),
        (Value::TimeSpan(t), Value::TimeSpan(s)) => {
            bin_ticks(t.0, s.0).map_or(Value::Null, |x| Value::TimeSpan(TimeSpan(x)))
        }
        (Value::Int(x), _) => match int(size) {
            Some(s) => bin_ticks(i64::from(*x), s).map_or(Value::Null, |r| {
                i32::try_from(r).map_or(Value::Long(r), Value::Int)
            }),
            None => Value::Null,
        },
        (Value::Long(x), Value::Int(_) | Value::Long(_)) => {
            bin_ticks(*x, int(size).unwrap_or(0)).map_or(Value::Null, Value::Long)
        }
        (Value::Long(_) | Value::Real(_) | Value::Decimal(_), _) => {
            let (Some(x), Some(s)) = (real(v), real(size)) else {
                return Value::Null;
            };
            if s <= 0.0 {
                return Value::Null;
            }
            let r = (x / s).floor() * s;
            if let Value::Long(_) = v {
                #[allow(clippy::cast_possible_truncation)]
                return Value::Long(r as i64);
            }
            Value::Real(r)
        }
        _ => Value::Null,
    }
}

fn bin_ticks(x: i64, size: i64) -> Option<i64> {
    if size <= 0 {
        return None;
    }
    Some(x.div_euclid(size) * size)
}

fn bin_datetime(d: DateTime, size: i64, origin_year1_ticks: i64) -> Value {
    let ticks = d.ticks_since_year_1() - origin_year1_ticks;
    let Some(b) = bin_ticks(ticks, size) else {
        return Value::Null;
    };
    let y1 = b + origin_year1_ticks;
    DateTime::from_unix_ticks(y1 - DateTime::UNIX_EPOCH.ticks_since_year_1())
        .map_or(Value::Null, Value::DateTime)
}

fn bin(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(bin_value(&a[0], &a[1]))
}

/// `bin_at(value, size, fixed_point)`: bins aligned so that `fixed_point` starts a bin.
pub(crate) fn bin_at_value(v: &Value, size: &Value, at: &Value) -> Value {
    match (v, size, at) {
        (Value::DateTime(d), Value::TimeSpan(s), Value::DateTime(p)) => {
            bin_datetime(*d, s.0, p.ticks_since_year_1())
        }
        (Value::TimeSpan(t), Value::TimeSpan(s), Value::TimeSpan(p)) => {
            bin_ticks(t.0 - p.0, s.0).map_or(Value::Null, |x| Value::TimeSpan(TimeSpan(x + p.0)))
        }
        (Value::Null, _, _) | (_, Value::Null, _) | (_, _, Value::Null) => Value::Null,
        _ => {
            let (Some(x), Some(s), Some(p)) = (real(v), real(size), real(at)) else {
                return Value::Null;
            };
            if s <= 0.0 {
                return Value::Null;
            }
            let r = ((x - p) / s).floor() * s + p;
            match v {
                #[allow(clippy::cast_possible_truncation)]
                Value::Long(_) | Value::Int(_) => Value::Long(r as i64),
                _ => Value::Real(r),
            }
        }
    }
}

fn bin_at(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(bin_at_value(&a[0], &a[1], &a[2]))
}

/// `bin_auto(x)`: `bin_at(x, query_bin_auto_size, query_bin_auto_at)` from the query's `set` options.
fn bin_auto(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let (size, at) = cx.bin_auto.borrow().clone();
    let Some(size) = size else {
        return Err(crate::error::EvalError::runtime(
            "`bin_auto` needs `set query_bin_auto_size=…;` before the query",
        ));
    };
    let at = at.unwrap_or(match &a[0] {
        Value::DateTime(_) => Value::DateTime(DateTime::MIN),
        Value::TimeSpan(_) => Value::TimeSpan(TimeSpan(0)),
        _ => Value::Long(0),
    });
    Ok(bin_at_value(&a[0], &size, &at))
}

fn round(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let p = int(arg(a, 1)).unwrap_or(0).clamp(-300, 300);
    Ok(match &a[0] {
        Value::Int(_) | Value::Long(_) if p >= 0 => a[0].clone(),
        Value::Decimal(d) if p >= 0 => Value::Decimal(d.round_dp_with_strategy(
            u32::try_from(p).unwrap_or(0),
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        )),
        v => {
            let Some(x) = real(v) else {
                return Ok(Value::Null);
            };
            #[allow(clippy::cast_possible_truncation)]
            let m = 10f64.powi(p as i32);
            let r = (x * m).round() / m;
            match v {
                #[allow(clippy::cast_possible_truncation)]
                Value::Long(_) | Value::Int(_) => Value::Long(r as i64),
                _ => Value::Real(r),
            }
        }
    })
}

/// The largest (or smallest) non-null argument; all-null gives null. Numbers compare across types and
/// the result takes the widest numeric type of the non-null arguments.
fn extreme(a: &[Value], want: Ordering) -> Value {
    let mut best: Option<&Value> = None;
    for v in a {
        if v.is_null() {
            continue;
        }
        best = match best {
            None => Some(v),
            Some(b) => match compare::compare(v, b) {
                Some(o) if o == want => Some(v),
                _ => Some(b),
            },
        };
    }
    let Some(b) = best else {
        return Value::Null;
    };
    let any_real = a.iter().any(|v| matches!(v, Value::Real(_)));
    let any_long = a.iter().any(|v| matches!(v, Value::Long(_)));
    match b {
        Value::Int(i) if any_real => Value::Real(f64::from(*i)),
        Value::Int(i) if any_long => Value::Long(i64::from(*i)),
        #[allow(clippy::cast_precision_loss)]
        Value::Long(l) if any_real => Value::Real(*l as f64),
        other => other.clone(),
    }
}

fn bits2(a: &[Value], op: fn(i64, i64) -> i64) -> Value {
    match (int(&a[0]), int(&a[1])) {
        (Some(x), Some(y)) => Value::Long(op(x, y)),
        _ => Value::Null,
    }
}

fn rand(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let r = cx.next_random();
    Ok(match int(arg(a, 0)) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        Some(n) if n > 0 => Value::Long((r * n as f64) as i64),
        _ => Value::Real(r),
    })
}

/// The error function (Abramowitz–Stegun 7.1.26 is too coarse for 15 digits; this uses the series for
/// small |x| and the continued fraction of erfc for large |x|).
pub(crate) fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let ax = x.abs();
    let r = if ax < 2.5 {
        // Maclaurin series: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
        let mut sum = 0.0;
        let mut term = ax;
        let mut n = 0.0;
        while n < 200.0 {
            let add = term / (2.0 * n + 1.0);
            sum += add;
            if add.abs() < 1e-17 * sum.abs() {
                break;
            }
            n += 1.0;
            term *= -ax * ax / n;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        1.0 - erfc_cf(ax)
    };
    if x < 0.0 { -r } else { r }
}

/// erfc(x) for x > 0 by Lentz's continued fraction.
fn erfc_cf(x: f64) -> f64 {
    let tiny = 1e-300;
    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for i in 1..300 {
        let an = f64::from(i) / 2.0;
        d = x + an * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = x + an / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / std::f64::consts::PI.sqrt() / f
}

/// Lanczos approximation (g = 7, n = 9) of ln Γ(x).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin())
            .abs()
            .ln()
            - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        #[allow(clippy::cast_precision_loss)]
        let k = i as f64;
        a += g / (x + k);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

pub(crate) fn gamma(x: f64) -> f64 {
    if x == x.floor() && x <= 0.0 {
        return f64::NAN;
    }
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x));
    }
    let r = ln_gamma(x).exp();
    if x == x.floor() && x < 25.0 {
        r.round()
    } else {
        r
    }
}

/// Regularized incomplete beta I_x(a, b) (Numerical Recipes' continued fraction).
fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_cf(x, a, b) / a
    } else {
        1.0 - ln_front.exp() * beta_cf(1.0 - x, b, a) / b
    }
}

fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

fn beta_args(a: &[Value]) -> Option<(f64, f64, f64)> {
    Some((real(&a[0])?, real(&a[1])?, real(&a[2])?))
}

fn beta_cdf(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some((x, al, be)) = beta_args(a) else {
        return Ok(Value::Null);
    };
    if al <= 0.0 || be <= 0.0 {
        return Ok(Value::Real(f64::NAN));
    }
    Ok(Value::Real(inc_beta(x, al, be)))
}

fn beta_pdf(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some((x, al, be)) = beta_args(a) else {
        return Ok(Value::Null);
    };
    if al <= 0.0 || be <= 0.0 {
        return Ok(Value::Real(f64::NAN));
    }
    if !(0.0..=1.0).contains(&x) {
        return Ok(Value::Null);
    }
    let ln = ln_gamma(al + be) - ln_gamma(al) - ln_gamma(be)
        + (al - 1.0) * x.ln()
        + (be - 1.0) * (1.0 - x).ln();
    Ok(Value::Real(ln.exp()))
}

/// Inverse of the beta CDF by bisection (the beta-inv-function page: `p` outside [0, 1] is null, a
/// non-positive shape is NaN).
fn beta_inv(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some((p, al, be)) = beta_args(a) else {
        return Ok(Value::Null);
    };
    if !(0.0..=1.0).contains(&p) {
        return Ok(Value::Null);
    }
    if al <= 0.0 || be <= 0.0 {
        return Ok(Value::Real(f64::NAN));
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = f64::midpoint(lo, hi);
        if inc_beta(mid, al, be) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(Value::Real(f64::midpoint(lo, hi)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins() {
        assert!(
            matches!(bin_value(&Value::Real(4.5), &Value::Long(1)), Value::Real(x) if x == 4.0)
        );
        assert!(matches!(
            bin_value(&Value::Long(-7), &Value::Long(5)),
            Value::Long(-10)
        ));
        let d = DateTime::parse("1970-05-11 13:45:07").unwrap();
        let day = Value::TimeSpan(TimeSpan(crate::datetime::TICKS_PER_DAY));
        assert_eq!(
            bin_value(&Value::DateTime(d), &day).to_kusto_string(),
            "1970-05-11T00:00:00.0000000Z"
        );
        // weeks start on Monday (0001-01-01 was a Monday)
        let week = Value::TimeSpan(TimeSpan(7 * crate::datetime::TICKS_PER_DAY));
        let thu = DateTime::parse("2024-01-04").unwrap();
        assert_eq!(
            bin_value(&Value::DateTime(thu), &week).to_kusto_string(),
            "2024-01-01T00:00:00.0000000Z"
        );
    }

    #[test]
    fn special_functions() {
        assert!((erf(1.0) - 0.842_700_792_949_715).abs() < 1e-14);
        assert!((erf(3.0) - 0.999_977_909_503_001).abs() < 1e-14);
        assert!((gamma(5.0) - 24.0).abs() < 1e-9);
        let cx_budget = crate::options::Budget::new(&crate::options::Limits::default());
        let cx = Cx::new(DateTime::UNIX_EPOCH, &cx_budget);
        let b = beta_inv(
            &[Value::Real(0.1), Value::Real(10.0), Value::Real(20.0)],
            &cx,
        )
        .unwrap();
        assert!(matches!(b, Value::Real(x) if (x - 0.226_415_022_388_749).abs() < 1e-12));
    }

    #[test]
    fn max_of_ignores_nulls() {
        assert!(matches!(
            extreme(&[Value::Null, Value::Int(2)], Ordering::Greater),
            Value::Int(2)
        ));
        assert!(matches!(
            extreme(&[Value::Null, Value::Null], Ordering::Greater),
            Value::Null
        ));
        assert!(
            matches!(extreme(&[Value::Long(1), Value::Real(0.5)], Ordering::Greater), Value::Real(x) if x == 1.0)
        );
    }
}
