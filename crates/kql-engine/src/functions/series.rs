//! `series_*` functions over dynamic numeric arrays (what `make-series` produces).
//!
//! Element-wise math and comparison (a scalar argument broadcasts), fills, statistics, filters
//! (`series_iir`, `series_fir`), line fitting, and the anomaly family: `series_outliers` (Tukey's fence
//! test: `tukey` uses the 25th–75th percentiles, `ctukey` the 10th–90th; a point above the upper
//! quantile scores `(x - Q3) / (Q3 - Q1)`, below the lower `(x - Q1) / (Q3 - Q1)`, in between 0),
//! `series_decompose` (trend `avg`, `linefit` or `none`; the seasonal component is the per-phase median
//! of the detrended series; baseline = seasonal + trend; residual = series − baseline) and
//! `series_decompose_anomalies` (the outlier score of the residual, flagged ±1 beyond the threshold),
//! each following its page's documented algorithm.
//!
//! Knowing difference: when seasonality is `-1` (auto-detect) the period comes from
//! [`periods_detect`], which scores each candidate period by the series' autocorrelation at that lag.
//! Kusto's `series_periods_detect` is documented only by its contract (periods of at least 4 points and
//! at most half the length, scores in [0, 1]); its internals may pick a different period or score.
//!
//! Functions with several results (`series_stats`, `series_fit_line`, `series_decompose*`,
//! `series_periods_detect`) return an array of their results; `compile` names and splits them into
//! columns (`series_stats_x_min`, …).

use super::{Cx, Func, arg, f, int, real, s, t};
use crate::error::Result;
use crate::value::{Bag, Type, Value};

pub(crate) const FUNCTIONS: &[Func] = &[
    f("series_abs", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::abs))
    }),
    f("series_acos", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::acos))
    }),
    f("series_asin", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::asin))
    }),
    f("series_atan", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::atan))
    }),
    f("series_ceiling", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::ceil))
    }),
    f("series_floor", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::floor))
    }),
    f("series_cos", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::cos))
    }),
    f("series_sin", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::sin))
    }),
    f("series_tan", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::tan))
    }),
    f("series_exp", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::exp))
    }),
    f("series_log", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::ln))
    }),
    f("series_sqrt", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], f64::sqrt))
    }),
    f("series_sign", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(map1(&a[0], |x| if x == 0.0 { 0.0 } else { x.signum() }))
    }),
    f("series_add", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(map2(&a[0], &a[1], Op::Add))
    }),
    f("series_subtract", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(map2(&a[0], &a[1], Op::Sub))
    }),
    f("series_multiply", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(map2(&a[0], &a[1], Op::Mul))
    }),
    f("series_divide", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(map2(&a[0], &a[1], Op::Div))
    }),
    f("series_pow", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(map2(&a[0], &a[1], Op::Pow))
    }),
    f("series_equals", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(cmp2(&a[0], &a[1], |x, y| x == y))
    }),
    f("series_not_equals", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(cmp2(&a[0], &a[1], |x, y| x != y))
    }),
    f("series_greater", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(cmp2(&a[0], &a[1], |x, y| x > y))
    }),
    f("series_greater_equals", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(cmp2(&a[0], &a[1], |x, y| x >= y))
    }),
    f("series_less", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(cmp2(&a[0], &a[1], |x, y| x < y))
    }),
    f("series_less_equals", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(cmp2(&a[0], &a[1], |x, y| x <= y))
    }),
    f("series_fill_backward", 1, 2, t(Type::Dynamic), |a, _| {
        Ok(fill_directional(&a[0], arg(a, 1), false))
    }),
    f("series_fill_forward", 1, 2, t(Type::Dynamic), |a, _| {
        Ok(fill_directional(&a[0], arg(a, 1), true))
    }),
    f("series_fill_const", 2, 3, t(Type::Dynamic), fill_const),
    f("series_fill_linear", 1, 4, t(Type::Dynamic), fill_linear),
    f("series_sum", 1, 1, t(Type::Real), |a, _| {
        Ok(reduce(&a[0], 0.0, |acc, x| acc + x))
    }),
    f("series_product", 1, 1, t(Type::Real), |a, _| {
        Ok(reduce(&a[0], 1.0, |acc, x| acc * x))
    }),
    f("series_magnitude", 1, 1, t(Type::Real), |a, _| {
        Ok(match nums(&a[0]) {
            Some(v) => Value::Real(v.iter().flatten().map(|x| x * x).sum::<f64>().sqrt()),
            None => Value::Null,
        })
    }),
    f("series_dot_product", 2, 2, t(Type::Real), |a, _| {
        Ok(dot(&a[0], &a[1]))
    }),
    f("series_cosine_similarity", 2, 4, t(Type::Real), cosine),
    f("series_pearson_correlation", 2, 2, t(Type::Real), pearson),
    f("series_stats", 1, 2, t(Type::Dynamic), |a, _| {
        Ok(stats(&a[0], false))
    }),
    f("series_stats_dynamic", 1, 2, t(Type::Dynamic), |a, _| {
        Ok(stats(&a[0], true))
    }),
    f("series_iir", 3, 3, t(Type::Dynamic), iir),
    f("series_fir", 2, 4, t(Type::Dynamic), fir),
    f("series_fit_line", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(fit_line_value(&a[0], false))
    }),
    f("series_fit_line_dynamic", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(fit_line_value(&a[0], true))
    }),
    f("series_seasonal", 1, 2, t(Type::Dynamic), seasonal_fn),
    f(
        "series_periods_detect",
        4,
        4,
        t(Type::Dynamic),
        periods_detect_fn,
    ),
    f("series_outliers", 1, 5, t(Type::Dynamic), outliers_fn),
    f("series_decompose", 1, 5, t(Type::Dynamic), decompose_fn),
    f(
        "series_decompose_anomalies",
        1,
        7,
        t(Type::Dynamic),
        anomalies_fn,
    ),
];

/// Functions returning several results, with the suffixes of their unnamed columns.
pub(crate) const MULTI_OUTPUT: &[(&str, &[&str])] = &[
    (
        "series_stats",
        &[
            "min", "min_idx", "max", "max_idx", "avg", "stdev", "variance",
        ],
    ),
    (
        "series_fit_line",
        &[
            "rsquare",
            "slope",
            "variance",
            "rvariance",
            "interception",
            "line_fit",
        ],
    ),
    (
        "series_decompose",
        &["baseline", "seasonal", "trend", "residual"],
    ),
    (
        "series_decompose_anomalies",
        &["ad_flag", "ad_score", "baseline"],
    ),
    ("series_periods_detect", &["periods", "scores"]),
];

fn nums(v: &Value) -> Option<Vec<Option<f64>>> {
    match v {
        Value::Array(a) => Some(a.iter().map(Value::as_f64).collect()),
        _ => None,
    }
}

fn arr_of(v: Vec<Option<f64>>) -> Value {
    Value::array(
        v.into_iter()
            .map(|x| x.map_or(Value::Null, Value::Real))
            .collect(),
    )
}

fn map1(v: &Value, op: fn(f64) -> f64) -> Value {
    match nums(v) {
        Some(xs) => arr_of(xs.into_iter().map(|x| x.map(op)).collect()),
        None => Value::Null,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

/// The i-th element of a series or a broadcast scalar.
fn at(v: &Value, i: usize) -> Option<&Value> {
    match v {
        Value::Array(a) => a.get(i),
        other => Some(other),
    }
}

fn len_of(a: &Value, b: &Value) -> Option<usize> {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => Some(x.len().max(y.len())),
        (Value::Array(x), _) | (_, Value::Array(x)) => Some(x.len()),
        _ => None,
    }
}

fn map2(a: &Value, b: &Value, op: Op) -> Value {
    let Some(n) = len_of(a, b) else {
        return Value::Null;
    };
    let out = (0..n)
        .map(|i| {
            let (x, y) = (
                at(a, i).unwrap_or(&Value::Null),
                at(b, i).unwrap_or(&Value::Null),
            );
            // integers stay integers for + - * (the series-add page: [1,2,4] + [4,2,1] = [5,4,5])
            if matches!(op, Op::Add | Op::Sub | Op::Mul)
                && let (Some(p), Some(q)) = (x.as_i64(), y.as_i64())
            {
                return Value::Long(match op {
                    Op::Add => p.wrapping_add(q),
                    Op::Sub => p.wrapping_sub(q),
                    _ => p.wrapping_mul(q),
                });
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(p), Some(q)) => Value::Real(match op {
                    Op::Add => p + q,
                    Op::Sub => p - q,
                    Op::Mul => p * q,
                    Op::Div => p / q,
                    Op::Pow => p.powf(q),
                }),
                _ => Value::Null,
            }
        })
        .collect();
    Value::array(out)
}

fn cmp2(a: &Value, b: &Value, op: fn(f64, f64) -> bool) -> Value {
    let Some(n) = len_of(a, b) else {
        return Value::Null;
    };
    Value::array(
        (0..n)
            .map(|i| {
                match (
                    at(a, i).and_then(Value::as_f64),
                    at(b, i).and_then(Value::as_f64),
                ) {
                    (Some(p), Some(q)) => Value::Bool(op(p, q)),
                    _ => Value::Null,
                }
            })
            .collect(),
    )
}

/// True when `v` counts as missing: null, or equal to the `missing` marker when one is given.
fn is_missing(v: &Value, missing: &Value) -> bool {
    v.is_null() || (!missing.is_null() && crate::compare::key_eq(v, missing))
}

fn fill_directional(v: &Value, missing: &Value, forward: bool) -> Value {
    let Value::Array(a) = v else {
        return Value::Null;
    };
    let mut out = a.to_vec();
    let n = out.len();
    let mut last: Option<Value> = None;
    for k in 0..n {
        let i = if forward { k } else { n - 1 - k };
        if is_missing(&out[i], missing) {
            if let Some(l) = &last {
                out[i] = l.clone();
            } else {
                out[i] = Value::Null;
            }
        } else {
            last = Some(out[i].clone());
        }
    }
    Value::array(out)
}

fn fill_const(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Value::Array(xs) = &a[0] else {
        return Ok(Value::Null);
    };
    let missing = arg(a, 2);
    Ok(Value::array(
        xs.iter()
            .map(|x| {
                if is_missing(x, missing) {
                    a[1].clone()
                } else {
                    x.clone()
                }
            })
            .collect(),
    ))
}

/// `series_fill_linear(x, missing, fill_edges = true, constant = 0)`: linear interpolation between
/// known points; edges take the nearest known value when `fill_edges`; an all-missing series becomes
/// the constant. Integer series stay integers (the page's `[111, null, 36]` → `[111, 73, 36]`).
fn fill_linear(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Value::Array(xs) = &a[0] else {
        return Ok(Value::Null);
    };
    let missing = arg(a, 1);
    let edges = !matches!(arg(a, 2), Value::Bool(false));
    let constant = real(arg(a, 3)).unwrap_or(0.0);
    let integral = xs
        .iter()
        .all(|x| matches!(x, Value::Int(_) | Value::Long(_) | Value::Null));
    let known: Vec<(usize, f64)> = xs
        .iter()
        .enumerate()
        .filter(|(_, x)| !is_missing(x, missing))
        .filter_map(|(i, x)| x.as_f64().map(|f| (i, f)))
        .collect();
    let n = xs.len();
    let mut out: Vec<Option<f64>> = vec![None; n];
    if known.is_empty() {
        return Ok(Value::array(vec![Value::Real(constant); n]));
    }
    for (i, slot) in out.iter_mut().enumerate() {
        let before = known.iter().rev().find(|(k, _)| *k <= i);
        let after = known.iter().find(|(k, _)| *k >= i);
        *slot = match (before, after) {
            (Some((k0, v0)), Some((k1, v1))) if k0 == k1 => Some(*v0),
            (Some((k0, v0)), Some((k1, v1))) => {
                #[allow(clippy::cast_precision_loss)]
                let t = (i - k0) as f64 / (k1 - k0) as f64;
                Some(v0 + (v1 - v0) * t)
            }
            (Some((_, v)), None) | (None, Some((_, v))) if edges => Some(*v),
            _ => None,
        };
    }
    Ok(Value::array(
        out.into_iter()
            .map(|x| match x {
                None => Value::Null,
                #[allow(clippy::cast_possible_truncation)]
                Some(f) if integral => Value::Long(f.trunc() as i64),
                Some(f) => Value::Real(f),
            })
            .collect(),
    ))
}

fn reduce(v: &Value, init: f64, op: fn(f64, f64) -> f64) -> Value {
    match nums(v) {
        Some(xs) => Value::Real(xs.into_iter().flatten().fold(init, op)),
        None => Value::Null,
    }
}

fn dot(a: &Value, b: &Value) -> Value {
    match (nums(a), nums(b)) {
        (Some(x), Some(y)) => Value::Real(
            x.iter()
                .zip(&y)
                .map(|(p, q)| p.unwrap_or(0.0) * q.unwrap_or(0.0))
                .sum(),
        ),
        _ => Value::Null,
    }
}

fn cosine(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let (Some(x), Some(y)) = (nums(&a[0]), nums(&a[1])) else {
        return Ok(Value::Null);
    };
    let d: f64 = x
        .iter()
        .zip(&y)
        .map(|(p, q)| p.unwrap_or(0.0) * q.unwrap_or(0.0))
        .sum();
    let nx =
        real(arg(a, 2)).unwrap_or_else(|| x.iter().flatten().map(|v| v * v).sum::<f64>().sqrt());
    let ny =
        real(arg(a, 3)).unwrap_or_else(|| y.iter().flatten().map(|v| v * v).sum::<f64>().sqrt());
    Ok(Value::Real(d / (nx * ny)))
}

fn pearson(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let (Some(x), Some(y)) = (nums(&a[0]), nums(&a[1])) else {
        return Ok(Value::Null);
    };
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(&y)
        .filter_map(|(p, q)| Some(((*p)?, (*q)?)))
        .collect();
    Ok(Value::Real(correlation(&pairs)))
}

fn correlation(pairs: &[(f64, f64)]) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let n = pairs.len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// `series_stats`: min, min_idx, max, max_idx, avg, stdev, variance (sample); `series_stats_dynamic`
/// the same as a bag plus sum and len.
fn stats(v: &Value, as_bag: bool) -> Value {
    let Some(xs) = nums(v) else {
        return Value::Null;
    };
    let vals: Vec<(usize, f64)> = xs
        .iter()
        .enumerate()
        .filter_map(|(i, x)| x.map(|f| (i, f)))
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let n = vals.len() as f64;
    let (mut min, mut min_i, mut max, mut max_i) = (f64::NAN, -1i64, f64::NAN, -1i64);
    for (i, x) in &vals {
        if min.is_nan() || *x < min {
            min = *x;
            min_i = i64::try_from(*i).unwrap_or(-1);
        }
        if max.is_nan() || *x > max {
            max = *x;
            max_i = i64::try_from(*i).unwrap_or(-1);
        }
    }
    let sum: f64 = vals.iter().map(|p| p.1).sum();
    let avg = if n > 0.0 { sum / n } else { f64::NAN };
    let var = if n > 1.0 {
        vals.iter().map(|p| (p.1 - avg) * (p.1 - avg)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let items: Vec<(&str, Value)> = vec![
        ("min", Value::Real(min)),
        ("min_idx", Value::Long(min_i)),
        ("max", Value::Real(max)),
        ("max_idx", Value::Long(max_i)),
        ("avg", Value::Real(avg)),
        ("stdev", Value::Real(var.sqrt())),
        ("variance", Value::Real(var)),
    ];
    if as_bag {
        let mut b = Bag::new();
        for (k, x) in items {
            b.insert(k, x);
        }
        b.insert("sum", Value::Real(sum));
        #[allow(clippy::cast_possible_truncation)]
        b.insert("len", Value::Long(xs.len() as i64));
        return Value::bag(b);
    }
    Value::array(items.into_iter().map(|(_, x)| x).collect())
}

fn coeffs(v: &Value) -> Option<Vec<f64>> {
    nums(v).map(|x| x.into_iter().map(|c| c.unwrap_or(0.0)).collect())
}

/// `series_iir(x, b, a)`: `y[n] = (Σ b[k]·x[n−k] − Σ_{k≥1} a[k]·y[n−k]) / a[0]`.
fn iir(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let (Some(x), Some(b), Some(den)) = (nums(&a[0]), coeffs(&a[1]), coeffs(&a[2])) else {
        return Ok(Value::Null);
    };
    if den.is_empty() || den[0] == 0.0 {
        return Ok(Value::Null);
    }
    let x: Vec<f64> = x.into_iter().map(|v| v.unwrap_or(0.0)).collect();
    let mut y = vec![0.0; x.len()];
    for n in 0..x.len() {
        let mut acc = 0.0;
        for (k, bk) in b.iter().enumerate() {
            if n >= k {
                acc += bk * x[n - k];
            }
        }
        for (k, ak) in den.iter().enumerate().skip(1) {
            if n >= k {
                acc -= ak * y[n - k];
            }
        }
        y[n] = acc / den[0];
    }
    Ok(arr_of(y.into_iter().map(Some).collect()))
}

/// `series_fir(x, filter, normalize = true, center = false)`.
fn fir(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let (Some(x), Some(mut h)) = (nums(&a[0]), coeffs(&a[1])) else {
        return Ok(Value::Null);
    };
    let normalize = !matches!(arg(a, 2), Value::Bool(false));
    let center = matches!(arg(a, 3), Value::Bool(true));
    if normalize {
        let s: f64 = h.iter().sum();
        if s != 0.0 {
            for c in &mut h {
                *c /= s;
            }
        }
    }
    let x: Vec<f64> = x.into_iter().map(|v| v.unwrap_or(0.0)).collect();
    let shift = if center { h.len() / 2 } else { 0 };
    let out = (0..x.len())
        .map(|n| {
            let mut acc = 0.0;
            for (k, hk) in h.iter().enumerate() {
                let idx = n + shift;
                if idx >= k && idx - k < x.len() {
                    acc += hk * x[idx - k];
                }
            }
            Some(acc)
        })
        .collect();
    Ok(arr_of(out))
}

/// Least-squares line over indexes: (rsquare, slope, variance, rvariance, interception, line).
fn fit_line(y: &[f64]) -> (f64, f64, f64, f64, f64, Vec<f64>) {
    #[allow(clippy::cast_precision_loss)]
    let n = y.len() as f64;
    if y.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN, Vec::new());
    }
    let mx = (n - 1.0) / 2.0;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, v) in y.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let x = i as f64;
        sxy += (x - mx) * (v - my);
        sxx += (x - mx) * (x - mx);
    }
    let slope = if sxx == 0.0 { 0.0 } else { sxy / sxx };
    let icept = my - slope * mx;
    #[allow(clippy::cast_precision_loss)]
    let line: Vec<f64> = (0..y.len()).map(|i| icept + slope * i as f64).collect();
    let variance = y.iter().map(|v| (v - my) * (v - my)).sum::<f64>() / n;
    let rvariance = y
        .iter()
        .zip(&line)
        .map(|(v, l)| (v - l) * (v - l))
        .sum::<f64>()
        / n;
    let rsquare = if variance == 0.0 {
        1.0
    } else {
        1.0 - rvariance / variance
    };
    (rsquare, slope, variance, rvariance, icept, line)
}

fn fit_line_value(v: &Value, as_bag: bool) -> Value {
    let Some(xs) = nums(v) else {
        return Value::Null;
    };
    let y: Vec<f64> = xs.into_iter().map(|x| x.unwrap_or(0.0)).collect();
    let (r2, slope, var, rvar, icept, line) = fit_line(&y);
    let items = vec![
        ("rsquare", Value::Real(r2)),
        ("slope", Value::Real(slope)),
        ("variance", Value::Real(var)),
        ("rvariance", Value::Real(rvar)),
        ("interception", Value::Real(icept)),
        ("line_fit", arr_of(line.into_iter().map(Some).collect())),
    ];
    if as_bag {
        let mut b = Bag::new();
        for (k, x) in items {
            b.insert(k, x);
        }
        return Value::bag(b);
    }
    Value::array(items.into_iter().map(|(_, x)| x).collect())
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        f64::midpoint(v[m - 1], v[m])
    }
}

/// The per-phase median of `y` for `period`.
fn seasonal(y: &[f64], period: usize) -> Vec<f64> {
    if period < 2 {
        return vec![0.0; y.len()];
    }
    let phase: Vec<f64> = (0..period)
        .map(|p| {
            let mut v: Vec<f64> = y.iter().skip(p).step_by(period).copied().collect();
            median(&mut v)
        })
        .collect();
    (0..y.len()).map(|i| phase[i % period]).collect()
}

/// Candidate periods with their autocorrelation scores, best first (see the module docs).
pub(crate) fn periods_detect(y: &[f64], min_p: f64, max_p: f64, k: usize) -> Vec<(usize, f64)> {
    let n = y.len();
    let mut scored: Vec<(usize, f64)> = Vec::new();
    // at least 4 points, fewer than half the series (a 12-point series with period 6 is not detected:
    // the series-seasonal-function page)
    for p in 4..=n.saturating_sub(1) / 2 {
        #[allow(clippy::cast_precision_loss)]
        let pf = p as f64;
        if pf < min_p || pf > max_p {
            continue;
        }
        let pairs: Vec<(f64, f64)> = (0..n - p).map(|i| (y[i], y[i + p])).collect();
        let r = correlation(&pairs);
        if r.is_finite() && r > 0.0 {
            scored.push((p, r));
        }
    }
    // keep local maxima only, so a period's neighbours do not crowd out other periods
    let mut peaks: Vec<(usize, f64)> = scored
        .iter()
        .enumerate()
        .filter(|(i, (_, s))| {
            let prev = if *i > 0 { scored[i - 1].1 } else { f64::MIN };
            let next = scored.get(i + 1).map_or(f64::MIN, |x| x.1);
            *s >= prev && *s >= next
        })
        .map(|(_, x)| *x)
        .collect();
    peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
    // a period is reported as its fundamental: the smallest divisor scoring nearly as well (a weekly
    // signal also correlates at two weeks); multiples of a reported period are not new periods
    let score_of = |p: usize| scored.iter().find(|x| x.0 == p).map(|x| x.1);
    let mut out: Vec<(usize, f64)> = Vec::new();
    for (p, s) in peaks {
        let (p, s) = (2..=p / 4)
            .filter(|d| p % d == 0)
            .map(|d| p / d)
            .filter_map(|q| score_of(q).filter(|sq| *sq >= 0.9 * s).map(|sq| (q, sq)))
            .min_by_key(|x| x.0)
            .unwrap_or((p, s));
        if out.iter().any(|(q, _)| p % q == 0) {
            continue;
        }
        out.push((p, s));
        if out.len() == k {
            break;
        }
    }
    out
}

fn series_f64(v: &Value) -> Option<Vec<f64>> {
    nums(v).map(|x| x.into_iter().map(|c| c.unwrap_or(0.0)).collect())
}

fn periods_detect_fn(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(y) = series_f64(&a[0]) else {
        return Ok(Value::Null);
    };
    let (min_p, max_p) = (real(&a[1]).unwrap_or(0.0), real(&a[2]).unwrap_or(f64::MAX));
    let k = usize::try_from(int(&a[3]).unwrap_or(1).max(0)).unwrap_or(1);
    let found = periods_detect(&y, min_p, max_p, k);
    let mut periods: Vec<Value> = found
        .iter()
        .map(|(p, _)| Value::Long(i64::try_from(*p).unwrap_or(0)))
        .collect();
    let mut scores: Vec<Value> = found
        .iter()
        .map(|(_, s)| Value::Real((s * 100.0).round() / 100.0))
        .collect();
    while periods.len() < k {
        periods.push(Value::Long(0));
        scores.push(Value::Real(0.0));
    }
    Ok(Value::array(vec![
        Value::array(periods),
        Value::array(scores),
    ]))
}

/// The period to use: given (> 0), none (0), or detected (-1) above `threshold`.
fn period_for(y: &[f64], seasonality: i64, threshold: f64) -> usize {
    match seasonality {
        s if s > 0 => usize::try_from(s).unwrap_or(0),
        0 => 0,
        _ => match periods_detect(y, 4.0, f64::MAX, 1).first() {
            Some((p, s)) if *s >= threshold => *p,
            _ => 0,
        },
    }
}

fn seasonal_fn(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(y) = series_f64(&a[0]) else {
        return Ok(Value::Null);
    };
    let period = period_for(&y, int(arg(a, 1)).unwrap_or(-1), 0.6);
    Ok(arr_of(seasonal(&y, period).into_iter().map(Some).collect()))
}

/// Tukey-fence scores (`kind` `tukey` or `ctukey`).
fn outliers(y: &[Option<f64>], kind: &str, lo_p: f64, hi_p: f64) -> Vec<f64> {
    let (lo_p, hi_p) = if kind == "tukey" {
        (25.0, 75.0)
    } else {
        (lo_p, hi_p)
    };
    let mut known: Vec<f64> = y.iter().flatten().copied().collect();
    known.sort_by(f64::total_cmp);
    if known.is_empty() {
        return vec![0.0; y.len()];
    }
    let q = |p: f64| {
        #[allow(clippy::cast_precision_loss)]
        let pos = p / 100.0 * (known.len() - 1) as f64;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (i, frac) = (pos.floor() as usize, pos - pos.floor());
        let a = known[i];
        let b = known[(i + 1).min(known.len() - 1)];
        a + (b - a) * frac
    };
    let (q1, q3) = (q(lo_p), q(hi_p));
    let iqr = q3 - q1;
    y.iter()
        .map(|x| match x {
            None => 0.0,
            Some(v) if iqr == 0.0 && (*v > q3 || *v < q1) => f64::INFINITY.copysign(v - q3),
            Some(v) if *v > q3 => (v - q3) / iqr,
            Some(v) if *v < q1 => (v - q1) / iqr,
            Some(_) => 0.0,
        })
        .collect()
}

fn outliers_fn(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(mut y) = nums(&a[0]) else {
        return Ok(Value::Null);
    };
    let kind = match arg(a, 1) {
        Value::Null => "ctukey".to_string(),
        v => s(v).into_owned(),
    };
    let ignore = arg(a, 2);
    if !ignore.is_null()
        && let Some(iv) = ignore.as_f64()
    {
        for x in &mut y {
            if *x == Some(iv) {
                *x = None;
            }
        }
    }
    let (lo, hi) = (
        real(arg(a, 3)).unwrap_or(10.0),
        real(arg(a, 4)).unwrap_or(90.0),
    );
    Ok(arr_of(
        outliers(&y, &kind, lo, hi).into_iter().map(Some).collect(),
    ))
}

/// (baseline, seasonal, trend, residual) of `series_decompose`.
fn decompose(
    y: &[f64],
    seasonality: i64,
    trend: &str,
    test_points: usize,
    threshold: f64,
) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = y.len();
    let train = &y[..n.saturating_sub(test_points)];
    let trend_v: Vec<f64> = match trend {
        "none" => vec![0.0; n],
        "linefit" => {
            let (_, slope, _, _, icept, _) = fit_line(train);
            #[allow(clippy::cast_precision_loss)]
            (0..n).map(|i| icept + slope * i as f64).collect()
        }
        _ => {
            #[allow(clippy::cast_precision_loss)]
            let avg = if train.is_empty() {
                0.0
            } else {
                train.iter().sum::<f64>() / train.len() as f64
            };
            vec![avg; n]
        }
    };
    let detrended: Vec<f64> = train.iter().zip(&trend_v).map(|(v, t)| v - t).collect();
    let period = period_for(&detrended, seasonality, threshold);
    let season_train = seasonal(&detrended, period);
    let seasonal_v: Vec<f64> = (0..n)
        .map(|i| {
            if period >= 2 && !season_train.is_empty() {
                season_train[i % period.min(season_train.len()).max(1)]
            } else {
                0.0
            }
        })
        .collect();
    let baseline: Vec<f64> = seasonal_v
        .iter()
        .zip(&trend_v)
        .map(|(s0, t0)| s0 + t0)
        .collect();
    let residual: Vec<f64> = y.iter().zip(&baseline).map(|(v, b)| v - b).collect();
    (baseline, seasonal_v, trend_v, residual)
}

fn decompose_fn(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(y) = series_f64(&a[0]) else {
        return Ok(Value::Null);
    };
    let seasonality = int(arg(a, 1)).unwrap_or(-1);
    let trend = match arg(a, 2) {
        Value::Null => "avg".to_string(),
        v => s(v).into_owned(),
    };
    let test_points = usize::try_from(int(arg(a, 3)).unwrap_or(0).max(0)).unwrap_or(0);
    let threshold = real(arg(a, 4)).unwrap_or(0.6);
    let (b, se, tr, re) = decompose(&y, seasonality, &trend, test_points, threshold);
    let to = |v: Vec<f64>| arr_of(v.into_iter().map(Some).collect());
    Ok(Value::array(vec![to(b), to(se), to(tr), to(re)]))
}

fn anomalies_fn(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(y) = series_f64(&a[0]) else {
        return Ok(Value::Null);
    };
    let threshold = real(arg(a, 1)).unwrap_or(1.5);
    let seasonality = int(arg(a, 2)).unwrap_or(-1);
    let trend = match arg(a, 3) {
        Value::Null => "avg".to_string(),
        v => s(v).into_owned(),
    };
    let test_points = usize::try_from(int(arg(a, 4)).unwrap_or(0).max(0)).unwrap_or(0);
    let method = match arg(a, 5) {
        Value::Null => "ctukey".to_string(),
        v => s(v).into_owned(),
    };
    let season_threshold = real(arg(a, 6)).unwrap_or(0.6);
    let (baseline, _, _, residual) =
        decompose(&y, seasonality, &trend, test_points, season_threshold);
    let scores = outliers(
        &residual.iter().map(|x| Some(*x)).collect::<Vec<_>>(),
        &method,
        10.0,
        90.0,
    );
    let flags: Vec<Value> = scores
        .iter()
        .map(|sc| {
            Value::Long(if *sc > threshold {
                1
            } else if *sc < -threshold {
                -1
            } else {
                0
            })
        })
        .collect();
    let score_v = arr_of(
        scores
            .into_iter()
            .map(|x| Some(if x.is_finite() { x } else { 0.0 }))
            .collect(),
    );
    Ok(Value::array(vec![
        Value::array(flags),
        score_v,
        arr_of(baseline.into_iter().map(Some).collect()),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasonal_uses_phase_medians() {
        let y = [1.0, 3.0, 5.0, 2.0, 4.0, 6.0, 1.0, 3.0, 5.0, 2.0, 4.0, 6.0];
        assert_eq!(
            seasonal(&y, 3),
            vec![1.5, 3.5, 5.5, 1.5, 3.5, 5.5, 1.5, 3.5, 5.5, 1.5, 3.5, 5.5]
        );
    }

    #[test]
    fn periods_of_a_weekly_signal() {
        let y: Vec<f64> = [
            80, 139, 87, 110, 68, 54, 50, 51, 53, 133, 86, 141, 97, 156, 94, 149, 95, 140, 77, 61,
            50, 54, 47, 133, 72, 152, 94, 148, 105, 162, 101, 160, 87, 63, 53, 55, 54, 151, 103,
            189, 108, 183, 113, 175, 113, 178, 90, 71, 62, 62, 65, 165, 109, 181, 115, 182, 121,
            178, 114, 170,
        ]
        .iter()
        .map(|x| f64::from(*x))
        .collect();
        let p = periods_detect(&y, 0.0, 50.0, 2);
        assert_eq!(p.first().map(|x| x.0), Some(14));
    }

    #[test]
    fn anomalies_flag_a_spike() {
        let mut y: Vec<f64> = (0..48).map(|i| 10.0 + f64::from(i % 24 < 12)).collect();
        y[30] = 60.0;
        let (_, _, _, residual) = decompose(&y, -1, "avg", 0, 0.6);
        let scores = outliers(
            &residual.iter().map(|x| Some(*x)).collect::<Vec<_>>(),
            "ctukey",
            10.0,
            90.0,
        );
        assert!(scores[30] > 1.5);
        assert!(
            scores
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != 30)
                .all(|(_, s)| s.abs() <= 1.5)
        );
    }
}
