//! Row-at-a-time evaluation of bound scalar expressions.
//!
//! Input: an [`Expr`] already bound against a table's schema (names are column indexes, constant
//! sub-queries are values) and a [`Row`] (the table, a row index, the current group's aggregate values,
//! window-function state). Output: a [`Value`]. No name lookups happen here: binding did them once per
//! operator. `and`/`or`/`iff`/`case`/`coalesce` evaluate lazily.

use std::cell::RefCell;

use smallvec::SmallVec;

use crate::compare;
use crate::error::{EvalError, Result};
use crate::functions::{Cx, convert::cast};
use crate::ir::{Expr, WindowFn};
use crate::scalar_ops::{self, arith, cmp, str_op, truthy};
use crate::table::Table;
use crate::value::{Bag, Value};

/// Per-operator state of window functions, one slot each.
#[derive(Debug, Default)]
pub(crate) struct WindowState {
    slots: RefCell<Vec<Slot>>,
}

#[derive(Debug, Clone, Default)]
struct Slot {
    started: bool,
    count: i64,
    acc: Value,
    key: Value,
    rank: i64,
}

impl WindowState {
    pub(crate) fn new(slots: usize) -> WindowState {
        WindowState {
            slots: RefCell::new(vec![Slot::default(); slots]),
        }
    }
}

/// One row of a table, in context.
#[derive(Clone, Copy)]
pub(crate) struct Row<'a> {
    pub(crate) table: &'a Table,
    pub(crate) index: usize,
    pub(crate) aggs: &'a [Value],
    pub(crate) window: Option<&'a WindowState>,
}

impl<'a> Row<'a> {
    pub(crate) fn new(table: &'a Table, row: usize) -> Row<'a> {
        Row {
            table,
            index: row,
            aggs: &[],
            window: None,
        }
    }
}

/// Evaluates `e` at `r`.
pub(crate) fn eval(e: &Expr, r: &Row<'_>, cx: &Cx<'_>) -> Result<Value> {
    Ok(match e {
        Expr::Const(v) => v.clone(),
        Expr::Col(i) => r.table.data()[*i].get(r.index).clone(),
        Expr::Name { name, range, .. } => {
            return Err(
                EvalError::runtime(format!("unknown column or name `{name}`")).at(range.clone()),
            );
        }
        Expr::Neg(x) => scalar_ops::negate(&eval(x, r, cx)?)?,
        Expr::Arith(op, a, b, range) => {
            arith(*op, &eval(a, r, cx)?, &eval(b, r, cx)?).map_err(|err| err.at(range.clone()))?
        }
        Expr::Cmp(op, a, b) => cmp_fast(*op, a, b, r, cx)?,
        Expr::Str {
            op,
            cs,
            neg,
            lhs,
            rhs,
        } => {
            let (l, rv) = (eval(lhs, r, cx)?, eval(rhs, r, cx)?);
            Value::Bool(str_op(*op, *cs, &l, &rv) != *neg)
        }
        Expr::Regex {
            lhs,
            rhs,
            re,
            range,
        } => {
            let text = eval(lhs, r, cx)?;
            let matched = if let Some(re) = re {
                re.is_match(&scalar_ops::text_of(&text))
            } else {
                let pat = eval(rhs, r, cx)?;
                cx.regex(&scalar_ops::text_of(&pat))
                    .map_err(|err| err.at(range.clone()))?
                    .is_match(&scalar_ops::text_of(&text))
            };
            Value::Bool(matched)
        }
        Expr::And(a, b) => {
            let x = eval(a, r, cx)?;
            if matches!(x, Value::Bool(false)) {
                return Ok(Value::Bool(false));
            }
            let y = eval(b, r, cx)?;
            match (x, y) {
                (_, Value::Bool(false)) => Value::Bool(false),
                (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                _ => Value::Null,
            }
        }
        Expr::Or(a, b) => {
            let x = eval(a, r, cx)?;
            if matches!(x, Value::Bool(true)) {
                return Ok(Value::Bool(true));
            }
            let y = eval(b, r, cx)?;
            match (x, y) {
                (_, Value::Bool(true)) => Value::Bool(true),
                (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                _ => Value::Null,
            }
        }
        Expr::InSet { neg, ci, lhs, set } => {
            let v = eval(lhs, r, cx)?;
            if v.is_null() {
                return Ok(Value::Bool(*neg && !set.has_null));
            }
            let probe = if *ci { scalar_ops::fold_value(&v) } else { v };
            let found = set.set.contains(&compare::Key(probe));
            Value::Bool(found != *neg)
        }
        Expr::In { .. } => return Err(EvalError::runtime("internal: `in` list was not bound")),
        Expr::HasAny {
            all, lhs, terms, ..
        } => {
            let Some(terms) = terms else {
                return Err(EvalError::runtime("internal: `has_any` list was not bound"));
            };
            let v = eval(lhs, r, cx)?;
            let text = scalar_ops::text_of(&v);
            let folded = scalar_ops::fold(&text);
            let has = |t: &String| scalar_ops::has_folded(&folded, t);
            Value::Bool(if *all {
                terms.iter().all(has)
            } else {
                terms.iter().any(has)
            })
        }
        Expr::Between { neg, v, lo, hi } => {
            let b = scalar_ops::between(&eval(v, r, cx)?, &eval(lo, r, cx)?, &eval(hi, r, cx)?);
            match (b, *neg) {
                (Value::Bool(x), true) => Value::Bool(!x),
                (other, _) => other,
            }
        }
        Expr::Call { f, args, range } => {
            let mut vals: SmallVec<[Value; 4]> = SmallVec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, r, cx)?);
            }
            (f.imp)(&vals, cx).map_err(|err| err.at(range.clone()))?
        }
        Expr::Iff(c, a, b) => {
            if truthy(&eval(c, r, cx)?) {
                eval(a, r, cx)?
            } else {
                eval(b, r, cx)?
            }
        }
        Expr::Case(pairs, otherwise) => {
            for (c, v) in pairs {
                if truthy(&eval(c, r, cx)?) {
                    return eval(v, r, cx);
                }
            }
            eval(otherwise, r, cx)?
        }
        Expr::Coalesce(items) => {
            let mut last = Value::Null;
            for it in items {
                let v = eval(it, r, cx)?;
                if !v.is_empty_value() {
                    return Ok(v);
                }
                last = v;
            }
            last
        }
        Expr::Member(t, key) => member(&eval(t, r, cx)?, key),
        Expr::Index(t, i) => index(&eval(t, r, cx)?, &eval(i, r, cx)?),
        Expr::Agg(i) => r.aggs.get(*i).cloned().unwrap_or(Value::Null),
        Expr::Window {
            f,
            args,
            slot,
            range,
        } => window(*f, args, *slot, r, cx).map_err(|err| err.at(range.clone()))?,
        Expr::ToScalar(_) | Expr::ColumnIfExists(..) => {
            return Err(EvalError::runtime("internal: expression was not bound"));
        }
        Expr::Cast(ty, x) => cast(&eval(x, r, cx)?, *ty),
        Expr::PackAll(ignore) => pack_all(r, *ignore),
        Expr::TypeOf(t) => Value::string(t.name()),
    })
}

/// Comparison with a borrowed fast path for column-versus-constant predicates.
#[inline]
fn cmp_fast(op: scalar_ops::Cmp, a: &Expr, b: &Expr, r: &Row<'_>, cx: &Cx<'_>) -> Result<Value> {
    if let (Expr::Col(i), Expr::Const(c)) = (a, b) {
        let v = r.table.data()[*i].get(r.index);
        return Ok(cmp(op, v, c));
    }
    Ok(cmp(op, &eval(a, r, cx)?, &eval(b, r, cx)?))
}

/// `d.key`: a bag's value, null when absent or not a bag.
pub(crate) fn member(v: &Value, key: &str) -> Value {
    match v {
        Value::Bag(b) => b.get(key).cloned().unwrap_or(Value::Null),
        Value::Array(a) => key
            .parse::<usize>()
            .ok()
            .and_then(|i| a.get(i).cloned())
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// `d[i]`: an array element (negative from the end) or a bag value.
pub(crate) fn index(v: &Value, i: &Value) -> Value {
    match (v, i) {
        (Value::Array(a), _) => {
            let Some(n) = i.as_i64() else {
                return Value::Null;
            };
            let idx = if n < 0 {
                i64::try_from(a.len()).unwrap_or(0) + n
            } else {
                n
            };
            usize::try_from(idx)
                .ok()
                .and_then(|k| a.get(k).cloned())
                .unwrap_or(Value::Null)
        }
        (Value::Bag(b), Value::String(k)) => b.get(k).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn pack_all(r: &Row<'_>, ignore_null_empty: bool) -> Value {
    let mut bag = Bag::new();
    for (c, d) in r.table.columns().iter().zip(r.table.data()) {
        let v = d.get(r.index);
        if ignore_null_empty && v.is_empty_value() {
            continue;
        }
        bag.insert(c.name.as_str(), v.clone());
    }
    Value::bag(bag)
}

fn window(f: WindowFn, args: &[Expr], slot: usize, r: &Row<'_>, cx: &Cx<'_>) -> Result<Value> {
    let at = |row: usize, e: &Expr| eval(e, &Row { index: row, ..*r }, cx);
    match f {
        WindowFn::Prev | WindowFn::Next => {
            let off = match args.get(1) {
                Some(e) => eval(e, r, cx)?.as_i64().unwrap_or(1),
                None => 1,
            };
            let target = if f == WindowFn::Prev {
                i64::try_from(r.index).unwrap_or(0) - off
            } else {
                i64::try_from(r.index).unwrap_or(0) + off
            };
            match usize::try_from(target).ok().filter(|t| *t < r.table.len()) {
                Some(t) => at(t, &args[0]),
                None => match args.get(2) {
                    Some(d) => eval(d, r, cx),
                    None => Ok(Value::Null),
                },
            }
        }
        _ => {
            let Some(state) = r.window else {
                return Err(EvalError::runtime(
                    "window functions need a serialized row set",
                ));
            };
            let mut slots = state.slots.borrow_mut();
            if slots.len() <= slot {
                slots.resize(slot + 1, Slot::default());
            }
            let s = &mut slots[slot];
            match f {
                WindowFn::RowNumber => {
                    let start = match args.first() {
                        Some(e) => eval(e, r, cx)?.as_i64().unwrap_or(1),
                        None => 1,
                    };
                    let restart = match args.get(1) {
                        Some(e) => truthy(&eval(e, r, cx)?),
                        None => false,
                    };
                    s.count = if !s.started || restart {
                        start
                    } else {
                        s.count + 1
                    };
                    s.started = true;
                    Ok(Value::Long(s.count))
                }
                WindowFn::RowCumsum => {
                    let v = eval(&args[0], r, cx)?;
                    let restart = match args.get(1) {
                        Some(e) => truthy(&eval(e, r, cx)?),
                        None => false,
                    };
                    if !s.started || restart {
                        s.acc = match &v {
                            Value::Null => Value::Long(0),
                            other => other.clone(),
                        };
                    } else if !v.is_null() {
                        s.acc = arith(scalar_ops::Arith::Add, &s.acc, &v)?;
                    }
                    s.started = true;
                    Ok(s.acc.clone())
                }
                WindowFn::RowRankMin | WindowFn::RowRankDense => {
                    let v = eval(&args[0], r, cx)?;
                    let restart = match args.get(1) {
                        Some(e) => truthy(&eval(e, r, cx)?),
                        None => false,
                    };
                    if restart {
                        *s = Slot::default();
                    }
                    s.count += 1;
                    if !s.started || !compare::key_eq(&v, &s.key) {
                        s.rank = if f == WindowFn::RowRankMin {
                            s.count
                        } else {
                            s.rank + 1
                        };
                        s.key = v;
                    }
                    s.started = true;
                    Ok(Value::Long(s.rank))
                }
                WindowFn::RowWindowSession => {
                    let v = eval(&args[0], r, cx)?;
                    let max_from_start = eval(&args[1], r, cx)?;
                    let max_gap = eval(&args[2], r, cx)?;
                    let restart = match args.get(3) {
                        Some(e) => truthy(&eval(e, r, cx)?),
                        None => false,
                    };
                    let new_session = !s.started
                        || restart
                        || !within(&s.acc, &v, &max_from_start)
                        || !within(&s.key, &v, &max_gap);
                    if new_session {
                        s.acc = v.clone();
                    }
                    s.key = v;
                    s.started = true;
                    Ok(s.acc.clone())
                }
                WindowFn::Prev | WindowFn::Next => Ok(Value::Null),
            }
        }
    }
}

/// `|v - base| <= limit` for datetimes/numbers.
fn within(base: &Value, v: &Value, limit: &Value) -> bool {
    let Ok(d) = arith(scalar_ops::Arith::Sub, v, base) else {
        return false;
    };
    let d = match d {
        Value::TimeSpan(t) => Value::TimeSpan(crate::datetime::TimeSpan(t.0.abs())),
        other => other,
    };
    matches!(
        compare::compare(&d, limit),
        Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
    )
}
