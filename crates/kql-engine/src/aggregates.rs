//! Aggregation functions (`summarize`, `make-series`): the registry ([`lookup`]) and the per-group
//! accumulators ([`AggState`]).
//!
//! Each aggregate sees its arguments evaluated for every row of the group and folds them into a
//! state; [`AggState::finish`] produces the value (or, for `arg_max`/`arg_min`/`take_any` with several
//! arguments, several values). Null handling follows the summarize page: nulls are skipped by `sum`,
//! `avg`, `min`, `max`, `dcount`, `make_list`, `make_set`, percentiles and the variance family, while
//! `count()` and `count(x)` count every row; over no rows `sum` is 0, `avg` NaN, `stdev`/`variance` 0,
//! `make_list`/`make_set` `[]`, `min`/`max`/`percentile`/`take_any` null. `arg_max`/`arg_min` skip rows
//! whose key is null, and a group whose keys are all null returns its first row's other values (the
//! arg-max-aggregation-function page). `make_list` and `make_set` add an array's elements rather than
//! the array (the make-set page's example; the geo-h3cell-rings and geo-point-in-polygon pages rely on
//! it for make_list). `dcount` and the percentiles are exact (Kusto estimates them
//! with HyperLogLog and t-digest; on the small inputs of tests the exact answer is what Kusto returns).

use crate::exec::memo::FxSet;

use crate::compare::{self, Key};
use crate::error::{EvalError, Result};
use crate::functions::convert::to_f64;
use crate::value::{Bag, Type, Value};

/// Which aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AggKind {
    Count,
    CountIf,
    DCount,
    DCountIf,
    Sum,
    SumIf,
    Avg,
    AvgIf,
    Min,
    Max,
    MinIf,
    MaxIf,
    ArgMax,
    ArgMin,
    TakeAny,
    TakeAnyIf,
    MakeList,
    MakeListIf,
    MakeListWithNulls,
    MakeSet,
    MakeSetIf,
    MakeBag,
    MakeBagIf,
    Stdev,
    StdevIf,
    StdevP,
    StdevPIf,
    Variance,
    VarianceIf,
    VarianceP,
    VariancePIf,
    Percentile,
    Percentiles,
    PercentilesArray,
    PercentileW,
    PercentilesW,
    PercentilesWArray,
    BinaryAllAnd,
    BinaryAllOr,
    BinaryAllXor,
    Covariance,
    CovarianceIf,
    CovarianceP,
    CovariancePIf,
}

/// An aggregation function.
#[derive(Debug)]
pub(crate) struct AggFn {
    pub(crate) name: &'static str,
    pub(crate) min: usize,
    pub(crate) max: usize,
    /// Naming prefix: unnamed items are called `prefix_firstarg` (`count_`, `dcount_User`, `set_x`).
    pub(crate) prefix: &'static str,
    pub(crate) kind: AggKind,
}

const fn a(
    name: &'static str,
    min: usize,
    max: usize,
    prefix: &'static str,
    kind: AggKind,
) -> AggFn {
    AggFn {
        name,
        min,
        max,
        prefix,
        kind,
    }
}

const MANY: usize = usize::MAX;

static AGGREGATES: &[AggFn] = &[
    a("count", 0, 1, "count", AggKind::Count),
    a("countif", 1, 1, "countif", AggKind::CountIf),
    a("dcount", 1, 2, "dcount", AggKind::DCount),
    a("dcountif", 2, 3, "dcountif", AggKind::DCountIf),
    a("count_distinct", 1, 1, "count_distinct", AggKind::DCount),
    a(
        "count_distinctif",
        2,
        2,
        "count_distinctif",
        AggKind::DCountIf,
    ),
    a("sum", 1, 1, "sum", AggKind::Sum),
    a("sumif", 2, 2, "sumif", AggKind::SumIf),
    a("avg", 1, 1, "avg", AggKind::Avg),
    a("avgif", 2, 2, "avgif", AggKind::AvgIf),
    a("min", 1, 1, "min", AggKind::Min),
    a("max", 1, 1, "max", AggKind::Max),
    a("minif", 2, 2, "minif", AggKind::MinIf),
    a("maxif", 2, 2, "maxif", AggKind::MaxIf),
    a("arg_max", 1, MANY, "max", AggKind::ArgMax),
    a("arg_min", 1, MANY, "min", AggKind::ArgMin),
    a("argmax", 1, MANY, "max", AggKind::ArgMax),
    a("argmin", 1, MANY, "min", AggKind::ArgMin),
    a("take_any", 1, MANY, "any", AggKind::TakeAny),
    a("any", 1, MANY, "any", AggKind::TakeAny),
    a("take_anyif", 2, 2, "any", AggKind::TakeAnyIf),
    a("anyif", 2, 2, "anyif", AggKind::TakeAnyIf),
    a("make_list", 1, 2, "list", AggKind::MakeList),
    a("makelist", 1, 2, "list", AggKind::MakeList),
    a("make_list_if", 2, 3, "list", AggKind::MakeListIf),
    a(
        "make_list_with_nulls",
        1,
        1,
        "list",
        AggKind::MakeListWithNulls,
    ),
    a("make_set", 1, 2, "set", AggKind::MakeSet),
    a("makeset", 1, 2, "set", AggKind::MakeSet),
    a("make_set_if", 2, 3, "set", AggKind::MakeSetIf),
    a("make_bag", 1, 2, "bag", AggKind::MakeBag),
    a("make_dictionary", 1, 2, "dictionary", AggKind::MakeBag),
    a("make_bag_if", 2, 3, "bag", AggKind::MakeBagIf),
    a("stdev", 1, 1, "stdev", AggKind::Stdev),
    a("stdevif", 2, 2, "stdevif", AggKind::StdevIf),
    a("stdevp", 1, 1, "stdevp", AggKind::StdevP),
    a("stdevpif", 2, 2, "stdevpif", AggKind::StdevPIf),
    a("variance", 1, 1, "variance", AggKind::Variance),
    a("varianceif", 2, 2, "varianceif", AggKind::VarianceIf),
    a("variancep", 1, 1, "variancep", AggKind::VarianceP),
    a("variancepif", 2, 2, "variancepif", AggKind::VariancePIf),
    a("percentile", 2, 2, "percentile", AggKind::Percentile),
    a("percentiles", 2, MANY, "percentile", AggKind::Percentiles),
    a(
        "percentiles_array",
        2,
        MANY,
        "percentile",
        AggKind::PercentilesArray,
    ),
    a("percentilew", 3, 3, "percentile", AggKind::PercentileW),
    a("percentilesw", 3, MANY, "percentile", AggKind::PercentilesW),
    a(
        "percentilesw_array",
        3,
        MANY,
        "percentile",
        AggKind::PercentilesWArray,
    ),
    a(
        "binary_all_and",
        1,
        1,
        "binary_all_and",
        AggKind::BinaryAllAnd,
    ),
    a("binary_all_or", 1, 1, "binary_all_or", AggKind::BinaryAllOr),
    a(
        "binary_all_xor",
        1,
        1,
        "binary_all_xor",
        AggKind::BinaryAllXor,
    ),
    a("covariance", 2, 2, "covariance", AggKind::Covariance),
    a("covarianceif", 3, 3, "covarianceif", AggKind::CovarianceIf),
    a("covariancep", 2, 2, "covariancep", AggKind::CovarianceP),
    a(
        "covariancepif",
        3,
        3,
        "covariancepif",
        AggKind::CovariancePIf,
    ),
];

/// Names of all aggregation functions.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    AGGREGATES.iter().map(|f| f.name)
}

/// The aggregation function called `name`.
pub(crate) fn lookup(name: &str) -> Option<&'static AggFn> {
    AGGREGATES.iter().find(|f| f.name == name)
}

/// Aggregates Kusto has that the engine does not implement (so they are reported as unsupported,
/// not as unknown functions).
pub(crate) const UNSUPPORTED: &[&str] = &[
    "hll",
    "hll_if",
    "hll_merge",
    "tdigest",
    "tdigest_merge",
    "merge_tdigest",
    "buildschema",
    "make_list_with_nulls_if",
];

/// Default maximum for `make_list` / `make_set` / `make_bag` (Kusto's documented default).
const DEFAULT_MAX_SIZE: usize = 1_048_576;

/// Running numeric sum keeping Kusto's result type.
#[derive(Debug, Clone)]
pub(crate) enum Sum {
    Empty(Option<Type>),
    Long(i64),
    Real(f64),
    Dec(rust_decimal::Decimal),
    Span(i64),
}

impl Sum {
    fn add(&mut self, v: &Value) {
        *self = match (std::mem::replace(self, Sum::Empty(None)), v) {
            (s, Value::Null) => s,
            (Sum::Empty(_), Value::Int(i)) => Sum::Long(i64::from(*i)),
            (Sum::Empty(_), Value::Long(l)) => Sum::Long(*l),
            (Sum::Empty(_), Value::Real(r)) => Sum::Real(*r),
            (Sum::Empty(_), Value::Decimal(d)) => Sum::Dec(*d),
            (Sum::Empty(_), Value::TimeSpan(t)) => Sum::Span(t.0),
            (Sum::Long(s), Value::Int(_) | Value::Long(_)) => {
                Sum::Long(s.wrapping_add(v.as_i64().unwrap_or(0)))
            }
            #[allow(clippy::cast_precision_loss)]
            (Sum::Long(s), Value::Real(r)) => Sum::Real(s as f64 + r),
            (Sum::Real(s), x) => Sum::Real(s + x.as_f64().unwrap_or(0.0)),
            (Sum::Dec(s), x) => {
                Sum::Dec(s + crate::functions::convert::to_decimal(x).unwrap_or_default())
            }
            (Sum::Span(s), Value::TimeSpan(t)) => Sum::Span(s.wrapping_add(t.0)),
            (s, _) => s,
        }
    }

    fn value(&self) -> Value {
        match self {
            Sum::Empty(Some(Type::Real)) => Value::Real(0.0),
            Sum::Empty(Some(Type::TimeSpan)) => Value::TimeSpan(crate::datetime::TimeSpan(0)),
            Sum::Empty(Some(Type::Decimal)) => Value::Decimal(rust_decimal::Decimal::ZERO),
            Sum::Empty(_) => Value::Long(0),
            Sum::Long(l) => Value::Long(*l),
            Sum::Real(r) => Value::Real(*r),
            Sum::Dec(d) => Value::Decimal(*d),
            Sum::Span(t) => Value::TimeSpan(crate::datetime::TimeSpan(*t)),
        }
    }
}

/// Welford's running mean and variance.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn add(&mut self, x: f64) {
        self.n += 1.0;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (x - self.mean);
    }
    fn variance(&self, sample: bool) -> f64 {
        if sample {
            if self.n <= 1.0 {
                0.0
            } else {
                self.m2 / (self.n - 1.0)
            }
        } else if self.n == 0.0 {
            0.0
        } else {
            self.m2 / self.n
        }
    }
}

/// The accumulator of one aggregate in one group.
#[derive(Debug, Clone)]
pub(crate) enum AggState {
    Count(i64),
    DCount(FxSet<Key>),
    Sum(Sum),
    Avg(f64, i64, bool),
    Extreme(Option<Value>, bool),
    Arg {
        best: Option<Value>,
        values: Option<Vec<Value>>,
        max: bool,
    },
    Any(Option<Vec<Value>>),
    List(Vec<Value>, usize, bool),
    Set(Vec<Value>, FxSet<Key>, usize),
    Bag(Bag, usize),
    Var(Moments, bool, bool),
    Percentiles(Vec<(Value, f64)>, Vec<f64>, bool),
    Bits(Option<i64>, AggKind),
    Cov(Vec<(f64, f64)>, bool),
}

impl AggState {
    /// A fresh state for `kind`; `result_type` is the statically known type of the aggregated
    /// expression (for the type of an empty `sum`).
    pub(crate) fn new(kind: AggKind, result_type: Option<Type>) -> AggState {
        use AggKind as K;
        match kind {
            K::Count | K::CountIf => AggState::Count(0),
            K::DCount | K::DCountIf => AggState::DCount(FxSet::default()),
            K::Sum | K::SumIf => AggState::Sum(Sum::Empty(result_type)),
            K::Avg | K::AvgIf => AggState::Avg(0.0, 0, false),
            K::Min | K::MinIf => AggState::Extreme(None, false),
            K::Max | K::MaxIf => AggState::Extreme(None, true),
            K::ArgMax => AggState::Arg {
                best: None,
                values: None,
                max: true,
            },
            K::ArgMin => AggState::Arg {
                best: None,
                values: None,
                max: false,
            },
            K::TakeAny | K::TakeAnyIf => AggState::Any(None),
            K::MakeList | K::MakeListIf => AggState::List(Vec::new(), DEFAULT_MAX_SIZE, false),
            K::MakeListWithNulls => AggState::List(Vec::new(), DEFAULT_MAX_SIZE, true),
            K::MakeSet | K::MakeSetIf => {
                AggState::Set(Vec::new(), FxSet::default(), DEFAULT_MAX_SIZE)
            }
            K::MakeBag | K::MakeBagIf => AggState::Bag(Bag::new(), DEFAULT_MAX_SIZE),
            K::Stdev | K::StdevIf => AggState::Var(Moments::default(), true, true),
            K::StdevP | K::StdevPIf => AggState::Var(Moments::default(), false, true),
            K::Variance | K::VarianceIf => AggState::Var(Moments::default(), true, false),
            K::VarianceP | K::VariancePIf => AggState::Var(Moments::default(), false, false),
            K::Percentile | K::Percentiles | K::PercentilesArray => {
                AggState::Percentiles(Vec::new(), Vec::new(), false)
            }
            K::PercentileW | K::PercentilesW | K::PercentilesWArray => {
                AggState::Percentiles(Vec::new(), Vec::new(), true)
            }
            K::BinaryAllAnd | K::BinaryAllOr | K::BinaryAllXor => AggState::Bits(None, kind),
            K::Covariance | K::CovarianceIf => AggState::Cov(Vec::new(), true),
            K::CovarianceP | K::CovariancePIf => AggState::Cov(Vec::new(), false),
        }
    }

    /// Folds one row's arguments.
    pub(crate) fn update(&mut self, kind: AggKind, args: &[Value]) -> Result<()> {
        use AggKind as K;
        let pred = |i: usize| matches!(args.get(i), Some(Value::Bool(true)));
        let size_at = |i: usize| {
            args.get(i)
                .and_then(Value::as_i64)
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0)
        };
        match self {
            AggState::Count(n) => {
                if kind != K::CountIf || pred(0) {
                    *n += 1;
                }
            }
            AggState::DCount(set) => {
                if (kind != K::DCountIf || pred(1)) && !args[0].is_null() {
                    set.insert(Key(args[0].clone()));
                }
            }
            AggState::Sum(s) => {
                if kind != K::SumIf || pred(1) {
                    s.add(&args[0]);
                }
            }
            AggState::Avg(sum, n, any) => {
                if (kind != K::AvgIf || pred(1))
                    && let Some(x) = args[0].as_f64()
                {
                    *sum += x;
                    *n += 1;
                    *any = true;
                }
            }
            AggState::Extreme(best, max) => {
                let applies = !matches!(kind, K::MinIf | K::MaxIf) || pred(1);
                let v = &args[0];
                if applies && !v.is_null() {
                    let better = match best {
                        None => true,
                        Some(b) => {
                            let o = compare::sort_cmp(v, b);
                            if *max {
                                o == std::cmp::Ordering::Greater
                            } else {
                                o == std::cmp::Ordering::Less
                            }
                        }
                    };
                    if better {
                        *best = Some(v.clone());
                    }
                }
            }
            AggState::Arg { best, values, max } => {
                let key = &args[0];
                if values.is_none() {
                    // the first row's values stand in when every key is null
                    *values = Some(args[1..].to_vec());
                    if !key.is_null() {
                        *best = Some(key.clone());
                    }
                    return Ok(());
                }
                if key.is_null() {
                    return Ok(());
                }
                let better = match best {
                    None => true,
                    Some(b) => {
                        let o = compare::sort_cmp(key, b);
                        if *max {
                            o == std::cmp::Ordering::Greater
                        } else {
                            o == std::cmp::Ordering::Less
                        }
                    }
                };
                if better {
                    *best = Some(key.clone());
                    *values = Some(args[1..].to_vec());
                }
            }
            AggState::Any(v) => {
                if v.is_none() {
                    if kind == K::TakeAnyIf {
                        if pred(1) {
                            *v = Some(vec![args[0].clone()]);
                        }
                    } else if args.iter().any(|x| !x.is_null()) {
                        *v = Some(args.to_vec());
                    }
                }
            }
            AggState::List(items, limit, keep_nulls) => {
                let (applies, size) = if kind == K::MakeListIf {
                    (pred(1), size_at(2))
                } else {
                    (true, size_at(1))
                };
                if let Some(s) = size {
                    *limit = s;
                }
                // an array's elements join the list, like make_set's (the geo-h3cell-rings page
                // collects rings with make_list and gets one flat list)
                if applies {
                    match &args[0] {
                        Value::Array(a) if !*keep_nulls => {
                            for e in a.iter() {
                                if items.len() < *limit {
                                    items.push(e.clone());
                                }
                            }
                        }
                        v => {
                            if items.len() < *limit && (*keep_nulls || !v.is_null()) {
                                items.push(v.clone());
                            }
                        }
                    }
                }
            }
            AggState::Set(items, seen, limit) => {
                let (applies, size) = if kind == K::MakeSetIf {
                    (pred(1), size_at(2))
                } else {
                    (true, size_at(1))
                };
                if let Some(s) = size {
                    *limit = s;
                }
                // an array's elements join the set (the make-set-aggregation-function page)
                let v = &args[0];
                let elems: &[Value] = match v {
                    Value::Array(a) => a,
                    other => std::slice::from_ref(other),
                };
                if applies {
                    for e in elems {
                        if !e.is_null() && items.len() < *limit && seen.insert(Key(e.clone())) {
                            items.push(e.clone());
                        }
                    }
                }
            }
            AggState::Bag(bag, limit) => {
                let (applies, size) = if kind == K::MakeBagIf {
                    (pred(1), size_at(2))
                } else {
                    (true, size_at(1))
                };
                if let Some(s) = size {
                    *limit = s;
                }
                if applies && let Value::Bag(b) = &args[0] {
                    for (k, x) in b.entries() {
                        if bag.len() >= *limit {
                            break;
                        }
                        if bag.get(k).is_none() {
                            bag.push_unique(k.clone(), x.clone());
                        }
                    }
                }
            }
            AggState::Var(m, _, _) => {
                let applies = !matches!(
                    kind,
                    K::StdevIf | K::VarianceIf | K::StdevPIf | K::VariancePIf
                ) || pred(1);
                if applies && let Some(x) = args[0].as_f64() {
                    m.add(x);
                }
            }
            AggState::Percentiles(values, ps, weighted) => {
                let (first_p, weight) = if *weighted {
                    (2, args.get(1).and_then(Value::as_f64))
                } else {
                    (1, Some(1.0))
                };
                if ps.is_empty() {
                    for p in &args[first_p.min(args.len())..] {
                        let p = match p {
                            Value::Array(items) => {
                                items.iter().filter_map(to_f64).collect::<Vec<_>>()
                            }
                            other => to_f64(other).into_iter().collect(),
                        };
                        ps.extend(p);
                    }
                    if ps.iter().any(|p| !(0.0..=100.0).contains(p)) {
                        return Err(EvalError::runtime("a percentile must be between 0 and 100"));
                    }
                }
                if !args[0].is_null()
                    && let Some(w) = weight
                {
                    values.push((args[0].clone(), w));
                }
            }
            AggState::Bits(acc, k) => {
                if let Some(x) = args[0].as_i64() {
                    *acc = Some(match (*acc, k) {
                        (None, _) => x,
                        (Some(a0), K::BinaryAllAnd) => a0 & x,
                        (Some(a0), K::BinaryAllOr) => a0 | x,
                        (Some(a0), _) => a0 ^ x,
                    });
                }
            }
            AggState::Cov(pairs, _) => {
                let applies = !matches!(kind, K::CovarianceIf | K::CovariancePIf) || pred(2);
                if applies && let (Some(x), Some(y)) = (args[0].as_f64(), args[1].as_f64()) {
                    pairs.push((x, y));
                }
            }
        }
        Ok(())
    }

    /// The aggregate's values: one, except `arg_max`/`arg_min` (key then the other arguments),
    /// `take_any` with several arguments, and `percentiles` (one per percentile).
    pub(crate) fn finish(self, kind: AggKind, outputs: usize) -> Vec<Value> {
        use AggKind as K;
        match self {
            AggState::Count(n) => vec![Value::Long(n)],
            AggState::DCount(s) => vec![Value::Long(i64::try_from(s.len()).unwrap_or(i64::MAX))],
            AggState::Sum(s) => vec![s.value()],
            #[allow(clippy::cast_precision_loss)]
            AggState::Avg(sum, n, _) => {
                vec![Value::Real(if n == 0 { f64::NAN } else { sum / n as f64 })]
            }
            AggState::Extreme(b, _) => vec![b.unwrap_or(Value::Null)],
            AggState::Arg { best, values, .. } => {
                let mut out = vec![best.unwrap_or(Value::Null)];
                out.extend(values.unwrap_or_else(|| vec![Value::Null; outputs.saturating_sub(1)]));
                out
            }
            AggState::Any(v) => v.unwrap_or_else(|| vec![Value::Null; outputs.max(1)]),
            AggState::List(items, _, _) => vec![Value::array(items)],
            AggState::Set(items, _, _) => vec![Value::array(items)],
            AggState::Bag(b, _) => vec![Value::bag(b)],
            AggState::Var(m, sample, sd) => {
                let v = m.variance(sample);
                vec![Value::Real(if sd { v.sqrt() } else { v })]
            }
            AggState::Percentiles(values, ps, _) => {
                let results: Vec<Value> = ps.iter().map(|p| percentile(&values, *p)).collect();
                match kind {
                    K::PercentilesArray | K::PercentilesWArray => vec![Value::array(results)],
                    _ => results,
                }
            }
            AggState::Bits(acc, _) => vec![acc.map_or(Value::Null, Value::Long)],
            AggState::Cov(pairs, sample) => {
                #[allow(clippy::cast_precision_loss)]
                let n = pairs.len() as f64;
                if pairs.is_empty() || (sample && pairs.len() < 2) {
                    return vec![Value::Real(0.0)];
                }
                let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
                let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
                let s: f64 = pairs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
                vec![Value::Real(s / if sample { n - 1.0 } else { n })]
            }
        }
    }
}

/// The nearest-rank percentile (Kusto's definition for exact input: the smallest value such that at
/// least `p`% of the weight is at or below it).
fn percentile(values: &[(Value, f64)], p: f64) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    let mut sorted: Vec<&(Value, f64)> = values.iter().collect();
    sorted.sort_by(|a, b| compare::sort_cmp(&a.0, &b.0));
    let total: f64 = sorted.iter().map(|x| x.1).sum();
    let target = p / 100.0 * total;
    let mut acc = 0.0;
    for (v, w) in &sorted {
        acc += w;
        if acc >= target - 1e-9 && acc > 0.0 {
            return v.clone();
        }
    }
    sorted.last().map_or(Value::Null, |x| x.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: AggKind, rows: &[Vec<Value>]) -> Vec<Value> {
        let mut s = AggState::new(kind, None);
        for r in rows {
            s.update(kind, r).unwrap();
        }
        s.finish(kind, rows.first().map_or(1, Vec::len))
    }

    #[test]
    fn empty_groups() {
        assert!(matches!(run(AggKind::Sum, &[])[0], Value::Long(0)));
        assert!(matches!(run(AggKind::Avg, &[])[0], Value::Real(x) if x.is_nan()));
        assert!(matches!(run(AggKind::Stdev, &[])[0], Value::Real(x) if x == 0.0));
        assert_eq!(run(AggKind::MakeSet, &[])[0].to_kusto_string(), "[]");
        assert!(run(AggKind::Max, &[])[0].is_null());
    }

    #[test]
    fn arg_max_skips_null_keys_but_keeps_a_row() {
        let rows = vec![
            vec![Value::Null, Value::string("Yellow")],
            vec![Value::Null, Value::string("Green")],
        ];
        let r = run(AggKind::ArgMax, &rows);
        assert!(r[0].is_null());
        assert_eq!(r[1].as_str(), Some("Yellow"));
        let rows = vec![
            vec![Value::Long(1), Value::string("Brown")],
            vec![Value::Long(2), Value::string("Green")],
        ];
        assert_eq!(run(AggKind::ArgMax, &rows)[1].as_str(), Some("Green"));
        assert_eq!(run(AggKind::ArgMin, &rows)[1].as_str(), Some("Brown"));
    }

    #[test]
    fn sets_lists_percentiles() {
        let rows: Vec<Vec<Value>> = [1, 2, 2, 3, 4]
            .iter()
            .map(|i| vec![Value::Long(*i), Value::Long(50)])
            .collect();
        assert_eq!(
            run(AggKind::MakeSet, &rows)[0].to_kusto_string(),
            "[1,2,3,4]"
        );
        assert!(matches!(run(AggKind::DCount, &rows)[0], Value::Long(4)));
        assert!(matches!(run(AggKind::Percentile, &rows)[0], Value::Long(2)));
        let sd = run(AggKind::Stdev, &rows)[0].as_f64().unwrap();
        assert!((sd - 1.140_175_425_099_138).abs() < 1e-12);
    }
}
