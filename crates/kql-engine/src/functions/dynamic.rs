//! Functions over `dynamic` arrays and property bags: `array_*`, `bag_*`, `pack`/`bag_pack`,
//! `pack_array`, `set_*`, `zip`, `jaccard_index`, `range` (the array function), `repeat`,
//! `strcat_array`, `dynamic_to_json`, `extract_json`, and the JSONPath subset they share (`$.a.b`,
//! `$['a'][0]`).
//!
//! From the function pages: `bag_merge` keeps the first bag's value for a repeated key; `set_*` keep
//! the first occurrence order and drop duplicates; `array_index_of` searches the window
//! `[start, start + length)` (negative `start` counts from the end); `array_shift_*` fill with null or
//! the given value; `range()` makes at most 1,048,576 elements; `array_iff` treats non-zero numbers as
//! true and other non-booleans as null, padding the shorter array with nulls.

use std::collections::HashSet;
use std::sync::Arc;

use super::{Cx, Func, MANY, arg, bad_arg, f, int, s, string, t};
use crate::compare::{self, Key};
use crate::datetime::TimeSpan;
use crate::error::Result;
use crate::value::{Bag, Type, Value};

pub(crate) const FUNCTIONS: &[Func] = &[
    f("array_length", 1, 1, t(Type::Long), |a, _| {
        Ok(match &a[0] {
            Value::Array(x) => Value::Long(i64::try_from(x.len()).unwrap_or(i64::MAX)),
            _ => Value::Null,
        })
    }),
    f("array_concat", 1, MANY, t(Type::Dynamic), array_concat),
    f("array_slice", 3, 3, t(Type::Dynamic), array_slice),
    f("array_index_of", 2, 5, t(Type::Long), array_index_of),
    f("array_reverse", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(arr(&a[0]).map_or(Value::Null, |x| {
            Value::array(x.iter().rev().cloned().collect())
        }))
    }),
    f("array_rotate_left", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(rotate(&a[0], &a[1], true))
    }),
    f("array_rotate_right", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(rotate(&a[0], &a[1], false))
    }),
    f("array_shift_left", 2, 3, t(Type::Dynamic), |a, _| {
        Ok(shift(&a[0], &a[1], arg(a, 2), true))
    }),
    f("array_shift_right", 2, 3, t(Type::Dynamic), |a, _| {
        Ok(shift(&a[0], &a[1], arg(a, 2), false))
    }),
    f("array_sort_asc", 1, MANY, t(Type::Dynamic), |a, _| {
        Ok(array_sort(a, false))
    }),
    f("array_sort_desc", 1, MANY, t(Type::Dynamic), |a, _| {
        Ok(array_sort(a, true))
    }),
    f("array_sum", 1, 1, t(Type::Real), array_sum),
    f("array_iff", 3, 3, t(Type::Dynamic), array_iff),
    f("array_iif", 3, 3, t(Type::Dynamic), array_iff),
    f("array_split", 2, 2, t(Type::Dynamic), array_split),
    f("bag_keys", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(match &a[0] {
            Value::Bag(b) => Value::array(
                b.entries()
                    .iter()
                    .map(|(k, _)| Value::String(k.clone()))
                    .collect(),
            ),
            _ => Value::Null,
        })
    }),
    f("bag_merge", 1, MANY, t(Type::Dynamic), bag_merge),
    f("bag_remove_keys", 2, 2, t(Type::Dynamic), bag_remove_keys),
    f("bag_set_key", 3, 3, t(Type::Dynamic), bag_set_key),
    f("bag_has_key", 2, 2, t(Type::Bool), |a, _| {
        Ok(match &a[0] {
            Value::Bag(_) => Value::Bool(json_path_get(&a[0], &s(&a[1])).is_some()),
            _ => Value::Null,
        })
    }),
    f("bag_pack", 0, MANY, t(Type::Dynamic), bag_pack),
    f("pack", 0, MANY, t(Type::Dynamic), bag_pack),
    f("pack_dictionary", 0, MANY, t(Type::Dynamic), bag_pack),
    f("pack_array", 0, MANY, t(Type::Dynamic), |a, _| {
        Ok(Value::array(a.to_vec()))
    }),
    f("set_difference", 2, MANY, t(Type::Dynamic), |a, _| {
        Ok(set_op(a, SetOp::Difference))
    }),
    f("set_intersect", 2, MANY, t(Type::Dynamic), |a, _| {
        Ok(set_op(a, SetOp::Intersect))
    }),
    f("set_union", 2, MANY, t(Type::Dynamic), |a, _| {
        Ok(set_op(a, SetOp::Union))
    }),
    f("set_has_element", 2, 2, t(Type::Bool), |a, _| {
        Ok(match &a[0] {
            Value::Array(x) => Value::Bool(x.iter().any(|v| compare::key_eq(v, &a[1]))),
            _ => Value::Null,
        })
    }),
    f("zip", 2, MANY, t(Type::Dynamic), zip),
    f("jaccard_index", 2, 2, t(Type::Real), jaccard),
    f("range", 2, 3, t(Type::Dynamic), range),
    f("repeat", 2, 2, t(Type::Dynamic), |a, _| {
        let n = int(&a[1]).unwrap_or(0).clamp(0, 1 << 20);
        Ok(Value::array(vec![
            a[0].clone();
            usize::try_from(n).unwrap_or(0)
        ]))
    }),
    f("strcat_array", 2, 2, t(Type::String), |a, cx| {
        let Value::Array(x) = &a[0] else {
            return Ok(string(""));
        };
        let delim = s(&a[1]);
        let out = x
            .iter()
            .map(|v| s(v).into_owned())
            .collect::<Vec<_>>()
            .join(&delim);
        cx.budget.check_string(out.len())?;
        Ok(string(out))
    }),
    f("dynamic_to_json", 1, 1, t(Type::String), |a, _| {
        Ok(string(sorted_json(&a[0])))
    }),
    f("extract_json", 2, 3, t(Type::String), extract_json),
    f("extractjson", 2, 3, t(Type::String), extract_json),
];

fn arr(v: &Value) -> Option<&Arc<Vec<Value>>> {
    match v {
        Value::Array(a) => Some(a),
        _ => None,
    }
}

fn array_concat(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let mut out = Vec::new();
    for v in a {
        match v {
            Value::Array(x) => out.extend(x.iter().cloned()),
            _ => return Ok(Value::Null),
        }
    }
    Ok(Value::array(out))
}

/// Resolves a possibly negative index against a length.
fn norm_index(i: i64, n: usize) -> i64 {
    if i < 0 {
        i64::try_from(n).unwrap_or(0) + i
    } else {
        i
    }
}

fn array_slice(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(x) = arr(&a[0]) else {
        return Ok(Value::Null);
    };
    let (Some(st), Some(en)) = (int(&a[1]), int(&a[2])) else {
        return Ok(Value::Null);
    };
    let n = x.len();
    let st = norm_index(st, n).max(0);
    let en = norm_index(en, n).min(i64::try_from(n).unwrap_or(0) - 1);
    if st > en {
        return Ok(Value::array(Vec::new()));
    }
    let (st, en) = (
        usize::try_from(st).unwrap_or(0),
        usize::try_from(en).unwrap_or(0),
    );
    Ok(Value::array(x[st..=en].to_vec()))
}

fn array_index_of(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(x) = arr(&a[0]) else {
        return Ok(Value::Null);
    };
    let n = x.len();
    let start = norm_index(int(arg(a, 2)).unwrap_or(0), n).max(0);
    let length = int(arg(a, 3)).unwrap_or(-1);
    let occurrence = int(arg(a, 4)).unwrap_or(1);
    if occurrence < 1 {
        return Ok(Value::Null);
    }
    let n_i = i64::try_from(n).unwrap_or(0);
    let end = if length < 0 {
        n_i
    } else {
        (start + length).min(n_i)
    };
    let mut seen = 0;
    let mut i = start;
    while i < end {
        let v = &x[usize::try_from(i).unwrap_or(0)];
        if compare::eq(v, &a[1]) == Some(true) {
            seen += 1;
            if seen == occurrence {
                return Ok(Value::Long(i));
            }
        }
        i += 1;
    }
    Ok(Value::Long(-1))
}

fn rotate(v: &Value, k: &Value, left: bool) -> Value {
    let (Some(x), Some(k)) = (arr(v), int(k)) else {
        return Value::Null;
    };
    let n = i64::try_from(x.len()).unwrap_or(0);
    if n == 0 {
        return v.clone();
    }
    let k = if left { k } else { -k }.rem_euclid(n);
    let mut out = x.to_vec();
    out.rotate_left(usize::try_from(k).unwrap_or(0));
    Value::array(out)
}

fn shift(v: &Value, k: &Value, fill: &Value, left: bool) -> Value {
    let (Some(x), Some(k)) = (arr(v), int(k)) else {
        return Value::Null;
    };
    let n = x.len();
    let k = if left { k } else { -k };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let src = i64::try_from(i).unwrap_or(0) + k;
        let item = usize::try_from(src)
            .ok()
            .and_then(|s0| x.get(s0))
            .cloned()
            .unwrap_or_else(|| fill.clone());
        out.push(item);
    }
    Value::array(out)
}

/// `array_sort_asc(a1 [, a2, …] [, nulls_last])`: sorts `a1`, reorders the other arrays alike; with
/// one array the sorted array, with several an array of the sorted arrays.
fn array_sort(a: &[Value], desc: bool) -> Value {
    let (arrays, nulls_last) = match a.last() {
        Some(Value::Bool(b)) => (&a[..a.len() - 1], *b),
        _ => (a, true),
    };
    let Some(first) = arrays.first().and_then(arr) else {
        return Value::Null;
    };
    if arrays
        .iter()
        .any(|v| arr(v).is_none_or(|x| x.len() != first.len()))
    {
        return Value::Null;
    }
    let mut idx: Vec<usize> = (0..first.len()).collect();
    idx.sort_by(|&i, &j| {
        let (x, y) = (&first[i], &first[j]);
        match (x.is_null(), y.is_null()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => {
                if nulls_last {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Less
                }
            }
            (false, true) => {
                if nulls_last {
                    std::cmp::Ordering::Less
                } else {
                    std::cmp::Ordering::Greater
                }
            }
            (false, false) => {
                let o = compare::sort_cmp(x, y);
                if desc { o.reverse() } else { o }
            }
        }
    });
    let sorted: Vec<Value> = arrays
        .iter()
        .filter_map(arr)
        .map(|x| Value::array(idx.iter().map(|&i| x[i].clone()).collect()))
        .collect();
    if sorted.len() == 1 {
        sorted.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::array(sorted)
    }
}

fn array_sum(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(x) = arr(&a[0]) else {
        return Ok(Value::Null);
    };
    let mut sum = 0.0;
    for v in x.iter() {
        match v.as_f64() {
            Some(f) => sum += f,
            None => return Ok(Value::Null),
        }
    }
    Ok(Value::Real(sum))
}

fn array_iff(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(c) = arr(&a[0]) else {
        return Ok(Value::Null);
    };
    let pick = |v: &Value, i: usize| match v {
        Value::Array(x) => x.get(i).cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    let out = c
        .iter()
        .enumerate()
        .map(|(i, cond)| {
            let truth = match cond {
                Value::Bool(b) => Some(*b),
                Value::Int(_) | Value::Long(_) | Value::Real(_) | Value::Decimal(_) => {
                    cond.as_f64().map(|x| x != 0.0)
                }
                _ => None,
            };
            match truth {
                Some(true) => pick(&a[1], i),
                Some(false) => pick(&a[2], i),
                None => Value::Null,
            }
        })
        .collect();
    Ok(Value::array(out))
}

fn array_split(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(x) = arr(&a[0]) else {
        return Ok(Value::Null);
    };
    let n = x.len();
    let mut cuts: Vec<usize> = match &a[1] {
        Value::Array(ix) => ix
            .iter()
            .filter_map(int)
            .map(|i| {
                usize::try_from(norm_index(i, n).clamp(0, i64::try_from(n).unwrap_or(0)))
                    .unwrap_or(0)
            })
            .collect(),
        other => int(other)
            .map(|i| {
                usize::try_from(norm_index(i, n).clamp(0, i64::try_from(n).unwrap_or(0)))
                    .unwrap_or(0)
            })
            .into_iter()
            .collect(),
    };
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for c in cuts {
        out.push(Value::array(x[at..c.max(at)].to_vec()));
        at = c.max(at);
    }
    out.push(Value::array(x[at..].to_vec()));
    Ok(Value::array(out))
}

fn bag_merge(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let mut out = Bag::new();
    for v in a {
        match v {
            Value::Bag(b) => {
                for (k, x) in b.entries() {
                    if out.get(k).is_none() {
                        out.push_unique(k.clone(), x.clone());
                    }
                }
            }
            _ => return Ok(Value::Null),
        }
    }
    Ok(Value::bag(out))
}

fn bag_pack(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    if !a.len().is_multiple_of(2) {
        return Err(bad_arg(
            "bag_pack",
            "expects key/value pairs (an even number of arguments)",
        ));
    }
    let mut b = Bag::new();
    for pair in a.chunks(2) {
        b.insert(s(&pair[0]).as_ref(), pair[1].clone());
    }
    Ok(Value::bag(b))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Intersect,
    Difference,
}

fn set_op(a: &[Value], op: SetOp) -> Value {
    let mut lists = Vec::new();
    for v in a {
        match v {
            Value::Array(x) => lists.push(x),
            _ => return Value::Null,
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    match op {
        SetOp::Union => {
            for l in &lists {
                for v in l.iter() {
                    if seen.insert(Key(v.clone())) {
                        out.push(v.clone());
                    }
                }
            }
        }
        SetOp::Intersect | SetOp::Difference => {
            let others: Vec<HashSet<Key>> = lists[1..]
                .iter()
                .map(|l| l.iter().map(|v| Key(v.clone())).collect())
                .collect();
            for v in lists[0].iter() {
                let k = Key(v.clone());
                let keep = if op == SetOp::Intersect {
                    others.iter().all(|o| o.contains(&k))
                } else {
                    others.iter().all(|o| !o.contains(&k))
                };
                if keep && seen.insert(k) {
                    out.push(v.clone());
                }
            }
        }
    }
    Value::array(out)
}

fn zip(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let mut lists = Vec::new();
    for v in a {
        match v {
            Value::Array(x) => lists.push(x),
            _ => return Ok(Value::Null),
        }
    }
    let n = lists.iter().map(|l| l.len()).max().unwrap_or(0);
    let out = (0..n)
        .map(|i| {
            Value::array(
                lists
                    .iter()
                    .map(|l| l.get(i).cloned().unwrap_or(Value::Null))
                    .collect(),
            )
        })
        .collect();
    Ok(Value::array(out))
}

fn jaccard(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let (Some(x), Some(y)) = (arr(&a[0]), arr(&a[1])) else {
        return Ok(Value::Null);
    };
    let sx: HashSet<Key> = x.iter().map(|v| Key(v.clone())).collect();
    let sy: HashSet<Key> = y.iter().map(|v| Key(v.clone())).collect();
    let inter = sx.intersection(&sy).count();
    let union = sx.union(&sy).count();
    #[allow(clippy::cast_precision_loss)]
    Ok(if union == 0 {
        Value::Real(f64::NAN)
    } else {
        Value::Real(inter as f64 / union as f64)
    })
}

const MAX_RANGE_ELEMENTS: usize = 1_048_576;

/// `range(start, stop [, step])` as a dynamic array.
fn range(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let step = a.get(2).cloned().unwrap_or_else(|| match &a[0] {
        Value::DateTime(_) => Value::TimeSpan(TimeSpan(crate::datetime::TICKS_PER_DAY)),
        Value::TimeSpan(_) => Value::TimeSpan(TimeSpan(crate::datetime::TICKS_PER_HOUR)),
        _ => Value::Long(1),
    });
    let mut out = Vec::new();
    let mut cur = a[0].clone();
    if cur.is_null() || a[1].is_null() || step.is_null() {
        return Ok(Value::Null);
    }
    let ascending = match compare::compare(
        &crate::scalar_ops::arith(crate::scalar_ops::Arith::Add, &cur, &step)?,
        &cur,
    ) {
        Some(std::cmp::Ordering::Greater) => true,
        Some(std::cmp::Ordering::Less) => false,
        _ => return Ok(Value::Null),
    };
    while out.len() < MAX_RANGE_ELEMENTS {
        let done = match compare::compare(&cur, &a[1]) {
            Some(std::cmp::Ordering::Greater) => ascending,
            Some(std::cmp::Ordering::Less) => !ascending,
            Some(std::cmp::Ordering::Equal) => false,
            None => true,
        };
        if done {
            break;
        }
        out.push(cur.clone());
        cur = crate::scalar_ops::arith(crate::scalar_ops::Arith::Add, &cur, &step)?;
        if cur.is_null() {
            break;
        }
    }
    Ok(Value::array(out))
}

/// Compact JSON with bag keys sorted (`dynamic_to_json`).
fn sorted_json(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Array(a) => Value::array(a.iter().map(sort).collect()),
            Value::Bag(b) => {
                let mut e: Vec<(Arc<str>, Value)> = b
                    .entries()
                    .iter()
                    .map(|(k, x)| (k.clone(), sort(x)))
                    .collect();
                e.sort_by(|x, y| x.0.cmp(&y.0));
                Value::bag(e.into_iter().collect())
            }
            other => other.clone(),
        }
    }
    match v {
        Value::String(x) => serde_json::to_string(x.as_ref()).unwrap_or_default(),
        Value::Null => "null".into(),
        other => sort(other).to_kusto_string(),
    }
}

/// One step of a JSONPath.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathStep {
    Key(String),
    Index(i64),
}

/// Parses `$.a.b`, `$['a'][0]`, `a.b` (a path without `$` is a plain key when it has no dots or
/// brackets).
pub(crate) fn parse_json_path(p: &str) -> Option<Vec<PathStep>> {
    let p = p.trim();
    let Some(mut rest) = p.strip_prefix('$') else {
        return Some(vec![PathStep::Key(p.to_string())]);
    };
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            steps.push(PathStep::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            let inner = r[..close].trim();
            if let Some(q) = inner.strip_prefix(['\'', '"']) {
                steps.push(PathStep::Key(q[..q.len().saturating_sub(1)].to_string()));
            } else {
                steps.push(PathStep::Index(inner.parse().ok()?));
            }
            rest = &r[close + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

/// The value at a JSONPath; `None` when absent.
pub(crate) fn json_path_get(v: &Value, path: &str) -> Option<Value> {
    let steps = parse_json_path(path)?;
    let mut cur = v.clone();
    for st in steps {
        cur = match (&cur, st) {
            (Value::Bag(b), PathStep::Key(k)) => b.get(&k)?.clone(),
            (Value::Array(a), PathStep::Index(i)) => {
                let i = norm_index(i, a.len());
                a.get(usize::try_from(i).ok()?)?.clone()
            }
            _ => return None,
        };
    }
    Some(cur)
}

fn with_path(v: &Value, steps: &[PathStep], set: Option<&Value>) -> Value {
    let Some((first, rest)) = steps.split_first() else {
        return set.cloned().unwrap_or(Value::Null);
    };
    match (v, first) {
        (Value::Bag(b), PathStep::Key(k)) => {
            let mut nb = (**b).clone();
            if rest.is_empty() {
                match set {
                    Some(x) => nb.insert(k.as_str(), x.clone()),
                    None => {
                        nb.remove(k);
                    }
                }
            } else {
                let child = b.get(k).cloned().unwrap_or_else(|| Value::bag(Bag::new()));
                if set.is_none() && b.get(k).is_none() {
                    return v.clone();
                }
                let child = if matches!(child, Value::Bag(_) | Value::Array(_)) {
                    child
                } else {
                    Value::bag(Bag::new())
                };
                nb.insert(k.as_str(), with_path(&child, rest, set));
            }
            Value::bag(nb)
        }
        (Value::Array(a), PathStep::Index(i)) => {
            let i = norm_index(*i, a.len());
            let Some(iu) = usize::try_from(i).ok().filter(|&iu| iu < a.len()) else {
                return v.clone();
            };
            let mut na = (**a).clone();
            if rest.is_empty() {
                match set {
                    Some(x) => na[iu] = x.clone(),
                    None => {
                        na.remove(iu);
                    }
                }
            } else {
                na[iu] = with_path(&a[iu], rest, set);
            }
            Value::array(na)
        }
        _ => v.clone(),
    }
}

fn bag_remove_keys(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let (Value::Bag(_), Value::Array(keys)) = (&a[0], &a[1]) else {
        return Ok(Value::Null);
    };
    let mut cur = a[0].clone();
    for k in keys.iter() {
        if let Some(steps) = parse_json_path(&s(k)) {
            cur = with_path(&cur, &steps, None);
        }
    }
    Ok(cur)
}

fn bag_set_key(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Value::Bag(_) = &a[0] else {
        return Ok(Value::Null);
    };
    let Some(steps) = parse_json_path(&s(&a[1])) else {
        return Ok(Value::Null);
    };
    Ok(with_path(&a[0], &steps, Some(&a[2])))
}

fn extract_json(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let text = s(&a[1]);
    let doc = match &a[1] {
        Value::Bag(_) | Value::Array(_) => Some(a[1].clone()),
        _ => Value::parse_json_text(&text),
    };
    let found = doc.and_then(|d| json_path_get(&d, &s(&a[0])));
    let ty = match a.get(2) {
        Some(Value::String(t)) => Type::from_name(t).unwrap_or(Type::String),
        _ => Type::String,
    };
    Ok(match found {
        None => {
            if ty == Type::String {
                string("")
            } else {
                Value::Null
            }
        }
        Some(v) => super::convert::cast(&v, ty),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datetime::DateTime;
    use crate::options::{Budget, Limits};

    fn call(name: &str, args: &[Value]) -> Value {
        let b = Budget::new(&Limits::default());
        let cx = Cx::new(DateTime::UNIX_EPOCH, &b);
        let func = FUNCTIONS.iter().find(|x| x.name == name).unwrap();
        (func.imp)(args, &cx).unwrap()
    }
    fn longs(x: &[i64]) -> Value {
        Value::array(x.iter().map(|&i| Value::Long(i)).collect())
    }

    #[test]
    fn slicing_rotating_shifting() {
        assert_eq!(
            call(
                "array_slice",
                &[longs(&[1, 2, 3, 4, 5]), Value::Long(-3), Value::Long(-2)]
            )
            .to_kusto_string(),
            "[3,4]"
        );
        assert_eq!(
            call(
                "array_rotate_left",
                &[longs(&[1, 2, 3, 4, 5]), Value::Long(-2)]
            )
            .to_kusto_string(),
            "[4,5,1,2,3]"
        );
        assert_eq!(
            call(
                "array_shift_left",
                &[longs(&[1, 2, 3, 4, 5]), Value::Long(-2), Value::Long(-1)]
            )
            .to_kusto_string(),
            "[-1,-1,1,2,3]"
        );
    }

    #[test]
    fn sets_and_bags() {
        let a1 = longs(&[1, 2, 1, 4]);
        assert_eq!(
            call("set_union", &[a1.clone(), longs(&[1, 2]), longs(&[8])]).to_kusto_string(),
            "[1,2,4,8]"
        );
        assert_eq!(
            call("set_difference", &[a1, longs(&[1, 2])]).to_kusto_string(),
            "[4]"
        );
        let b = Value::parse_json_text(
            r#"{"key1":123,"key2":{"prop1":"abc","prop2":"xyz"},"key3":[1]}"#,
        )
        .unwrap();
        let keys = Value::array(vec![Value::string("$.key2.prop1"), Value::string("key3")]);
        assert_eq!(
            call("bag_remove_keys", &[b, keys]).to_kusto_string(),
            r#"{"key1":123,"key2":{"prop2":"xyz"}}"#
        );
        let b = Value::parse_json_text(r#"{"key1":123}"#).unwrap();
        assert_eq!(
            call(
                "bag_set_key",
                &[b, Value::string("$.key2.prop1"), Value::string("abc")]
            )
            .to_kusto_string(),
            r#"{"key1":123,"key2":{"prop1":"abc"}}"#
        );
    }

    #[test]
    fn ranges_and_sorting() {
        assert_eq!(
            call("range", &[Value::Long(1), Value::Long(8), Value::Long(3)]).to_kusto_string(),
            "[1,4,7]"
        );
        let r = call(
            "array_sort_asc",
            &[Value::parse_json_text(r#"[null,"blue","yellow"]"#).unwrap()],
        );
        assert_eq!(r.to_kusto_string(), r#"["blue","yellow",null]"#);
        assert_eq!(
            call(
                "array_index_of",
                &[
                    Value::parse_json_text(r#"["a","b","c","b"]"#).unwrap(),
                    Value::string("b"),
                    Value::Long(-2)
                ]
            )
            .as_i64(),
            Some(3)
        );
    }
}
