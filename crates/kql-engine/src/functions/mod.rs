//! Built-in scalar functions: the registry ([`lookup`]) and the evaluation context they share ([`Cx`]).
//!
//! Each submodule holds one family and exports a `FUNCTIONS` table of [`Func`]s: name, arity, static
//! result type, implementation. Implementations take already evaluated arguments and return a value;
//! following Kusto, a function given null or an unusable value returns null (or `""` for string
//! results) rather than failing. The special forms that do not evaluate all their arguments (`iff`,
//! `case`, `coalesce`, `column_ifexists`, `pack_all`, window functions) are compiled by `compile`
//! directly and do not appear here. A name that is neither here nor a special form is an
//! [`crate::ErrorKind::Unsupported`] error at compile time, so a query never runs with a silently missing
//! function.

// Every built-in has the function table's signature (`Func`), so infallible ones still return `Result`.
#![allow(clippy::unnecessary_wraps)]

pub(crate) mod convert;
pub(crate) mod dynamic;
pub(crate) mod encode;
pub(crate) mod geo;
pub(crate) mod ip;
pub(crate) mod math;
pub(crate) mod s2;
pub(crate) mod series;
pub(crate) mod string;
pub(crate) mod time;
pub(crate) mod units;

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::datetime::DateTime;
use crate::error::{EvalError, Result};
use crate::options::Budget;
use crate::value::{Type, Value};

/// Implementation of a scalar function.
pub(crate) type Imp = fn(&[Value], &Cx<'_>) -> Result<Value>;

/// The static result type of a function.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ret {
    /// Always this type.
    Ty(Type),
    /// The type of argument `n`.
    Arg(usize),
    /// The common numeric type of the arguments (`max_of`, `bin`).
    Common,
}

/// A built-in scalar function.
#[derive(Debug)]
pub(crate) struct Func {
    pub(crate) name: &'static str,
    pub(crate) min: usize,
    pub(crate) max: usize,
    pub(crate) ret: Ret,
    pub(crate) imp: Imp,
    /// False for functions whose result may differ between calls (`rand`, `new_guid`): never folded.
    pub(crate) pure: bool,
}

/// Unbounded arity.
pub(crate) const MANY: usize = usize::MAX;

/// A pure function.
pub(crate) const fn f(name: &'static str, min: usize, max: usize, ret: Ret, imp: Imp) -> Func {
    Func {
        name,
        min,
        max,
        ret,
        imp,
        pure: true,
    }
}

/// A function that must not be constant-folded.
pub(crate) const fn impure(name: &'static str, min: usize, max: usize, ret: Ret, imp: Imp) -> Func {
    Func {
        name,
        min,
        max,
        ret,
        imp,
        pure: false,
    }
}

/// Shorthand for a fixed result type.
pub(crate) const fn t(ty: Type) -> Ret {
    Ret::Ty(ty)
}

fn registry() -> &'static HashMap<&'static str, &'static Func> {
    static REG: OnceLock<HashMap<&'static str, &'static Func>> = OnceLock::new();
    REG.get_or_init(|| {
        let mut m = HashMap::new();
        for table in [
            convert::FUNCTIONS,
            math::FUNCTIONS,
            string::FUNCTIONS,
            time::FUNCTIONS,
            dynamic::FUNCTIONS,
            ip::FUNCTIONS,
            encode::FUNCTIONS,
            series::FUNCTIONS,
            geo::FUNCTIONS,
            units::FUNCTIONS,
            s2::FUNCTIONS,
        ] {
            for func in table {
                m.insert(func.name, func);
            }
        }
        m
    })
}

/// The built-in scalar function called `name` (case-sensitive, as KQL).
pub(crate) fn lookup(name: &str) -> Option<&'static Func> {
    registry().get(name).copied()
}

/// Names of all built-in scalar functions (for documentation and tests).
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    registry().keys().copied()
}

/// What functions need beyond their arguments: the query's `now()`, limits, caches.
pub(crate) struct Cx<'a> {
    pub(crate) now: DateTime,
    pub(crate) budget: &'a Budget,
    regexes: RefCell<HashMap<String, Arc<regex::Regex>>>,
    rng: Cell<u64>,
    /// `set query_bin_auto_size` / `query_bin_auto_at`.
    pub(crate) bin_auto: RefCell<(Option<Value>, Option<Value>)>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(now: DateTime, budget: &'a Budget) -> Cx<'a> {
        Cx {
            now,
            budget,
            regexes: RefCell::new(HashMap::new()),
            rng: Cell::new(0x2545_F491_4F6C_DD1D),
            bin_auto: RefCell::new((None, None)),
        }
    }

    /// A compiled regular expression (RE2 syntax, as Kusto), cached by pattern.
    pub(crate) fn regex(&self, pattern: &str) -> Result<Arc<regex::Regex>> {
        if let Some(r) = self.regexes.borrow().get(pattern) {
            return Ok(r.clone());
        }
        let re = compile_regex(pattern, "")?;
        let mut cache = self.regexes.borrow_mut();
        if cache.len() > 1024 {
            cache.clear();
        }
        cache.insert(pattern.to_string(), re.clone());
        Ok(re)
    }

    /// A regular expression with Kusto's flags (`i` case-insensitive, `m` multi-line, `s` dot matches
    /// newline, `U` ungreedy).
    pub(crate) fn regex_flags(&self, pattern: &str, flags: &str) -> Result<Arc<regex::Regex>> {
        if flags.is_empty() {
            return self.regex(pattern);
        }
        let key = format!("(?{flags}){pattern}");
        if let Some(r) = self.regexes.borrow().get(&key) {
            return Ok(r.clone());
        }
        let re = compile_regex(pattern, flags)?;
        self.regexes.borrow_mut().insert(key, re.clone());
        Ok(re)
    }

    /// A pseudo-random number in [0, 1) (xorshift; `rand()` results are not meant to be reproduced).
    pub(crate) fn next_random(&self) -> f64 {
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        #[allow(clippy::cast_precision_loss)]
        let r = (x >> 11) as f64 / (1u64 << 53) as f64;
        r
    }
}

/// Compiles a pattern with optional flags; a bad pattern is a runtime error naming it.
pub(crate) fn compile_regex(pattern: &str, flags: &str) -> Result<Arc<regex::Regex>> {
    let mut b = regex::RegexBuilder::new(pattern);
    for c in flags.chars() {
        match c {
            'i' => {
                b.case_insensitive(true);
            }
            'm' => {
                b.multi_line(true);
            }
            's' => {
                b.dot_matches_new_line(true);
            }
            'U' => {
                b.swap_greed(true);
            }
            _ => {}
        }
    }
    b.size_limit(8 << 20);
    b.build().map(Arc::new).map_err(|e| {
        EvalError::runtime(format!("invalid regular expression `{pattern}`")).with_hint(
            e.to_string()
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string(),
        )
    })
}

// ---- argument helpers ------------------------------------------------------------------------

/// A string view of an argument (null reads as `""`, other types as `tostring()`).
pub(crate) fn s(v: &Value) -> Cow<'_, str> {
    crate::scalar_ops::text_of(v)
}

/// An integer argument: `int`/`long`, a `real` truncated, a `decimal`, or a dynamic number; `None`
/// for null and non-numbers.
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i64::from(*i)),
        Value::Long(l) => Some(*l),
        Value::Real(r) if r.is_finite() => Some(*r as i64),
        Value::Decimal(d) => rust_decimal::prelude::ToPrimitive::to_i64(d),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// A real argument.
pub(crate) fn real(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// A boolean argument.
pub(crate) fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// The i-th argument or null.
pub(crate) fn arg(args: &[Value], i: usize) -> &Value {
    static NULL: Value = Value::Null;
    args.get(i).unwrap_or(&NULL)
}

/// A string result.
pub(crate) fn string(s: impl Into<Arc<str>>) -> Value {
    Value::String(s.into())
}

/// A real result, null for NaN produced from null input is the caller's business.
pub(crate) fn real_or_null(x: Option<f64>) -> Value {
    x.map_or(Value::Null, Value::Real)
}

/// The error for a function given the wrong kind of argument where Kusto fails rather than
/// returning null.
pub(crate) fn bad_arg(func: &str, what: &str) -> EvalError {
    EvalError::runtime(format!("`{func}`: {what}"))
}
