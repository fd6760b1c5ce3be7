//! Equality, ordering and hashing of [`Value`]s, with Kusto's null and numeric-promotion rules.
//!
//! Three different relations, because KQL uses three:
//! * [`eq`] / [`compare`]: the `==` / `<` operators. Null in, null out; `int`, `long`, `real` and `decimal`
//!   compare by value across types; strings compare ordinally (case-sensitively); values of unrelated
//!   types are unequal and unordered.
//! * [`sort_cmp`]: the total order of `sort`, `top`, `min`/`max` and `arg_max`: like [`compare`], with
//!   every value comparable (unrelated types by a fixed type rank), nulls handled by the caller.
//! * [`Key`]: grouping identity for `summarize by`, `distinct`, `join` keys, `dcount` and `make_set`: two
//!   nulls are the same group, `real`s compare by bit pattern after normalising `-0.0` and NaN, strings
//!   exactly, `dynamic` values structurally.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use crate::value::Value;

/// A numeric view used for cross-type comparison.
enum Num {
    I(i64),
    F(f64),
    D(Decimal),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::I(i64::from(*i))),
        Value::Long(l) => Some(Num::I(*l)),
        Value::Real(r) => Some(Num::F(*r)),
        Value::Decimal(d) => Some(Num::D(*d)),
        _ => None,
    }
}

#[allow(clippy::cast_precision_loss)]
fn num_cmp(a: &Num, b: &Num) -> Option<Ordering> {
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(y)),
        (Num::F(x), Num::F(y)) => x.partial_cmp(y),
        (Num::I(x), Num::F(y)) => (*x as f64).partial_cmp(y),
        (Num::F(x), Num::I(y)) => x.partial_cmp(&(*y as f64)),
        (Num::D(x), Num::D(y)) => Some(x.cmp(y)),
        (Num::D(x), Num::I(y)) => Some(x.cmp(&Decimal::from(*y))),
        (Num::I(x), Num::D(y)) => Some(Decimal::from(*x).cmp(y)),
        (Num::D(x), Num::F(y)) => Decimal::from_f64(*y).map(|y| x.cmp(&y)),
        (Num::F(x), Num::D(y)) => Decimal::from_f64(*x).map(|x| x.cmp(y)),
    }
}

/// `a == b`: `None` when both are null; a null against a non-null is unequal (the KQL reference's
/// null-values page: `5 == int(null)` is `false`, `int(null) == int(null)` is null).
pub(crate) fn eq(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Null, Value::Null) => None,
        (Value::Null, _) | (_, Value::Null) => Some(false),
        _ => Some(eq_non_null(a, b)),
    }
}

/// Equality of two non-null values.
pub(crate) fn eq_non_null(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Long(x), Value::Long(y)) => x == y,
        (Value::DateTime(x), Value::DateTime(y)) => x == y,
        (Value::TimeSpan(x), Value::TimeSpan(y)) => x == y,
        (Value::Guid(x), Value::Guid(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| key_eq(p, q))
        }
        (Value::Bag(x), Value::Bag(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| key_eq(v, w)))
        }
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => num_cmp(&x, &y) == Some(Ordering::Equal),
            _ => false,
        },
    }
}

/// `a < b` and friends: `None` when either side is null or the types are not comparable.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::String(x), Value::String(y)) => Some(x.as_ref().cmp(y.as_ref())),
        (Value::DateTime(x), Value::DateTime(y)) => Some(x.cmp(y)),
        (Value::TimeSpan(x), Value::TimeSpan(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Guid(x), Value::Guid(y)) => Some(x.cmp(y)),
        _ => num_cmp(&num(a)?, &num(b)?),
    }
}

fn type_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::Long(_) | Value::Real(_) | Value::Decimal(_) => 2,
        Value::DateTime(_) => 3,
        Value::TimeSpan(_) => 4,
        Value::Guid(_) => 5,
        Value::String(_) => 6,
        Value::Array(_) => 7,
        Value::Bag(_) => 8,
    }
}

/// Total order for sorting (nulls lowest; the sort operator places them itself). NaN sorts below every
/// other real.
pub(crate) fn sort_cmp(a: &Value, b: &Value) -> Ordering {
    if let (Value::Real(x), Value::Real(y)) = (a, b) {
        return real_cmp(*x, *y);
    }
    if let Some(o) = compare(a, b) {
        o
    } else {
        let (ra, rb) = (type_rank(a), type_rank(b));
        if ra != rb {
            return ra.cmp(&rb);
        }
        match (a, b) {
            (Value::Real(x), _) if x.is_nan() => Ordering::Less,
            (_, Value::Real(y)) if y.is_nan() => Ordering::Greater,
            (Value::Array(x), Value::Array(y)) => {
                for (p, q) in x.iter().zip(y.iter()) {
                    let o = sort_cmp(p, q);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                x.len().cmp(&y.len())
            }
            _ => Ordering::Equal,
        }
    }
}

/// Orders reals numerically with NaN first (`total_cmp` alone would put negative NaN first and positive
/// NaN last, and order `-0.0` before `0.0`).
fn real_cmp(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
    }
}

/// Grouping equality (see the module docs).
pub(crate) fn key_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Real(x), Value::Real(y)) => norm_bits(*x) == norm_bits(*y),
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Long(x), Value::Long(y)) => x == y,
        (Value::Decimal(x), Value::Decimal(y)) => x == y,
        (Value::Int(_) | Value::Long(_) | Value::Real(_) | Value::Decimal(_), _) => {
            match (num(a), num(b)) {
                (Some(x), Some(y)) => num_cmp(&x, &y) == Some(Ordering::Equal),
                _ => false,
            }
        }
        _ => eq_non_null(a, b),
    }
}

fn norm_bits(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

/// Hashes consistently with [`key_eq`]: integral numbers hash alike whatever their type.
pub(crate) fn key_hash<H: Hasher>(v: &Value, h: &mut H) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => b.hash(h),
        Value::Int(i) => hash_int(i64::from(*i), h),
        Value::Long(l) => hash_int(*l, h),
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        Value::Real(r) => {
            if r.fract() == 0.0 && r.abs() < 9.0e15 {
                hash_int(*r as i64, h);
            } else {
                norm_bits(*r).hash(h);
            }
        }
        Value::Decimal(d) => {
            let n = d.normalize();
            if n.scale() == 0 {
                match i64::try_from(n.mantissa()) {
                    Ok(i) => hash_int(i, h),
                    Err(_) => n.hash(h),
                }
            } else {
                n.hash(h);
            }
        }
        Value::String(s) => {
            3u8.hash(h);
            s.hash(h);
        }
        Value::DateTime(d) => {
            4u8.hash(h);
            d.hash(h);
        }
        Value::TimeSpan(t) => {
            5u8.hash(h);
            t.hash(h);
        }
        Value::Guid(g) => g.hash(h),
        Value::Array(a) => {
            a.len().hash(h);
            for x in a.iter() {
                key_hash(x, h);
            }
        }
        Value::Bag(b) => {
            // order-independent: bags equal under key_eq regardless of key order
            let mut acc: u64 = 0;
            for (k, x) in b.iter() {
                let mut sub = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut sub);
                key_hash(x, &mut sub);
                acc = acc.wrapping_add(sub.finish());
            }
            acc.hash(h);
        }
    }
}

fn hash_int<H: Hasher>(i: i64, h: &mut H) {
    2u8.hash(h);
    i.hash(h);
}

/// A value with grouping identity, for hash maps and sets.
#[derive(Debug, Clone)]
pub(crate) struct Key(pub(crate) Value);

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        key_eq(&self.0, &other.0)
    }
}
impl Eq for Key {}
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        key_hash(&self.0, state);
    }
}

/// A row of grouping keys.
#[derive(Debug, Clone)]
pub(crate) struct KeyRow(pub(crate) Vec<Value>);

impl PartialEq for KeyRow {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| key_eq(a, b))
    }
}
impl Eq for KeyRow {}
impl Hash for KeyRow {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for v in &self.0 {
            key_hash(v, state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn null_rules() {
        assert_eq!(eq(&Value::Null, &Value::Null), None);
        assert_eq!(eq(&Value::Long(5), &Value::Null), Some(false));
        assert_eq!(compare(&Value::Long(5), &Value::Null), None);
    }

    #[test]
    fn numeric_promotion() {
        assert_eq!(eq(&Value::Int(1), &Value::Real(1.0)), Some(true));
        assert_eq!(
            compare(&Value::Long(2), &Value::Real(1.5)),
            Some(Ordering::Greater)
        );
        assert_eq!(eq(&Value::string("1"), &Value::Long(1)), Some(false));
    }

    #[test]
    fn grouping_identity() {
        let mut s = HashSet::new();
        s.insert(Key(Value::Long(1)));
        assert!(s.contains(&Key(Value::Int(1))));
        assert!(s.contains(&Key(Value::Real(1.0))));
        s.insert(Key(Value::Real(f64::NAN)));
        assert!(s.contains(&Key(Value::Real(f64::NAN))));
        s.insert(Key(Value::Null));
        assert!(s.contains(&Key(Value::Null)));
        assert!(!s.contains(&Key(Value::string(""))));
    }

    #[test]
    fn sort_order_is_total() {
        let mut v = [
            Value::Real(2.0),
            Value::Real(f64::NAN),
            Value::Real(-1.0),
            Value::Long(0),
        ];
        v.sort_by(sort_cmp);
        assert!(matches!(v[0], Value::Real(x) if x.is_nan()));
        assert!(matches!(v[1], Value::Real(x) if x == -1.0));
        assert!(matches!(v[2], Value::Long(0)));
    }
}
