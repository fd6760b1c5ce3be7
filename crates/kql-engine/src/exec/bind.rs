//! Binding: a compiled expression plus an input schema → an expression ready for row evaluation.
//!
//! Names become column indexes (or their inlined `let` value when the input has no such column),
//! `toscalar` and `in (sub-query)` lists are evaluated once, constant regular expressions compiled,
//! and pure calls over constants folded. Also here: the static result type of a bound expression
//! ([`infer_type`]), used to type new columns, and generic tree rewriting ([`map_expr`]).

use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;

use super::Exec;
use crate::compare::Key;
use crate::error::{EvalError, Result};
use crate::eval::{Row, eval};
use crate::functions::Ret;
use crate::ir::{Expr, InValues, ListItem, SubQuery, WindowFn};
use crate::scalar_ops::{self, Arith};
use crate::table::{Column, Table};
use crate::value::{Type, Value};

/// Rewrites an expression bottom-up.
pub(crate) fn map_expr(e: Expr, f: &mut impl FnMut(Expr) -> Expr) -> Expr {
    // children of `Expr` are boxed: take the box and give back a box
    #[allow(clippy::unnecessary_box_returns, clippy::boxed_local)]
    fn mb(x: Box<Expr>, f: &mut impl FnMut(Expr) -> Expr) -> Box<Expr> {
        Box::new(map_expr(*x, f))
    }
    let rebuilt = match e {
        Expr::Neg(x) => Expr::Neg(mb(x, f)),
        Expr::Arith(op, a, b, r) => Expr::Arith(op, mb(a, f), mb(b, f), r),
        Expr::Cmp(op, a, b) => Expr::Cmp(op, mb(a, f), mb(b, f)),
        Expr::Str {
            op,
            cs,
            neg,
            lhs,
            rhs,
        } => Expr::Str {
            op,
            cs,
            neg,
            lhs: mb(lhs, f),
            rhs: mb(rhs, f),
        },
        Expr::Regex {
            lhs,
            rhs,
            re,
            range,
        } => Expr::Regex {
            lhs: mb(lhs, f),
            rhs: mb(rhs, f),
            re,
            range,
        },
        Expr::And(a, b) => Expr::And(mb(a, f), mb(b, f)),
        Expr::Or(a, b) => Expr::Or(mb(a, f), mb(b, f)),
        Expr::In { neg, ci, lhs, list } => Expr::In {
            neg,
            ci,
            lhs: mb(lhs, f),
            list: list
                .into_iter()
                .map(|i| match i {
                    ListItem::Scalar(x) => ListItem::Scalar(map_expr(x, f)),
                    t @ ListItem::Table(_) => t,
                })
                .collect(),
        },
        Expr::InSet { neg, ci, lhs, set } => Expr::InSet {
            neg,
            ci,
            lhs: mb(lhs, f),
            set,
        },
        Expr::HasAny {
            all,
            lhs,
            list,
            terms,
        } => Expr::HasAny {
            all,
            lhs: mb(lhs, f),
            list: list
                .into_iter()
                .map(|i| match i {
                    ListItem::Scalar(x) => ListItem::Scalar(map_expr(x, f)),
                    t @ ListItem::Table(_) => t,
                })
                .collect(),
            terms,
        },
        Expr::Between { neg, v, lo, hi } => Expr::Between {
            neg,
            v: mb(v, f),
            lo: mb(lo, f),
            hi: mb(hi, f),
        },
        Expr::Call {
            f: func,
            args,
            range,
        } => Expr::Call {
            f: func,
            args: args.into_iter().map(|a| map_expr(a, f)).collect(),
            range,
        },
        Expr::Iff(c, a, b) => Expr::Iff(mb(c, f), mb(a, f), mb(b, f)),
        Expr::Case(pairs, o) => Expr::Case(
            pairs
                .into_iter()
                .map(|(c, v)| (map_expr(c, f), map_expr(v, f)))
                .collect(),
            mb(o, f),
        ),
        Expr::Coalesce(items) => {
            Expr::Coalesce(items.into_iter().map(|a| map_expr(a, f)).collect())
        }
        Expr::Member(t, k) => Expr::Member(mb(t, f), k),
        Expr::Index(t, i) => Expr::Index(mb(t, f), mb(i, f)),
        Expr::Window {
            f: wf,
            args,
            slot,
            range,
        } => Expr::Window {
            f: wf,
            args: args.into_iter().map(|a| map_expr(a, f)).collect(),
            slot,
            range,
        },
        Expr::Cast(t, x) => Expr::Cast(t, mb(x, f)),
        Expr::ColumnIfExists(n, d) => Expr::ColumnIfExists(n, mb(d, f)),
        other => other,
    };
    f(rebuilt)
}

/// Calls `f` on every sub-expression (pre-order), including inlined `let` fallbacks.
pub(crate) fn visit(e: &Expr, f: &mut impl FnMut(&Expr)) {
    f(e);
    let mut v = |x: &Expr| visit(x, f);
    match e {
        Expr::Name {
            fallback: Some(fb), ..
        } => v(fb),
        Expr::Neg(x) | Expr::Cast(_, x) | Expr::ColumnIfExists(_, x) | Expr::Member(x, _) => v(x),
        Expr::Arith(_, a, b, _)
        | Expr::Cmp(_, a, b)
        | Expr::And(a, b)
        | Expr::Or(a, b)
        | Expr::Index(a, b) => {
            v(a);
            v(b);
        }
        Expr::Str { lhs, rhs, .. } | Expr::Regex { lhs, rhs, .. } => {
            v(lhs);
            v(rhs);
        }
        Expr::In { lhs, list, .. } | Expr::HasAny { lhs, list, .. } => {
            v(lhs);
            for i in list {
                if let ListItem::Scalar(x) = i {
                    v(x);
                }
            }
        }
        Expr::InSet { lhs, .. } => v(lhs),
        Expr::Between { v: a, lo, hi, .. } => {
            v(a);
            v(lo);
            v(hi);
        }
        Expr::Call { args, .. } | Expr::Coalesce(args) | Expr::Window { args, .. } => {
            for a in args {
                v(a);
            }
        }
        Expr::Iff(c, a, b) => {
            v(c);
            v(a);
            v(b);
        }
        Expr::Case(pairs, o) => {
            for (c, x) in pairs {
                v(c);
                v(x);
            }
            v(o);
        }
        _ => {}
    }
}

/// Number of window-function slots an expression uses.
pub(crate) fn window_slots(e: &Expr) -> usize {
    let mut n = 0;
    visit(e, &mut |x| {
        if let Expr::Window { slot, f, .. } = x
            && !matches!(f, WindowFn::Prev | WindowFn::Next)
        {
            n = n.max(slot + 1);
        }
    });
    n
}

/// True when the expression reads the whole row (`pack_all`) or other rows (`prev`/`next`).
pub(crate) fn reads_row_set(e: &Expr) -> bool {
    let mut yes = false;
    visit(e, &mut |x| {
        if matches!(x, Expr::PackAll(_) | Expr::Window { .. }) {
            yes = true;
        }
    });
    yes
}

fn fold(cx: &crate::functions::Cx<'_>, e: &Expr) -> Result<Value> {
    static EMPTY: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    let t = EMPTY.get_or_init(|| Table::from_columns(Vec::new(), Vec::new(), 1));
    eval(e, &Row::new(t, 0), cx)
}

fn is_const(e: &Expr) -> bool {
    matches!(e, Expr::Const(_))
}

impl Exec<'_> {
    /// Binds `e` against `cols`.
    pub(crate) fn bind(&self, e: &Expr, cols: &[Column]) -> Result<Expr> {
        Ok(match e {
            Expr::Name {
                name,
                fallback,
                range,
            } => {
                if let Some(i) = cols.iter().position(|c| *c.name == **name) {
                    Expr::Col(i)
                } else if let Some(fb) = fallback {
                    self.bind(fb, cols)?
                } else {
                    let mut err = EvalError::runtime(format!("unknown column or name `{name}`"))
                        .at(range.clone());
                    if let Some(s) = suggest(name, cols) {
                        err = err.with_hint(format!("did you mean `{s}`?"));
                    }
                    return Err(err);
                }
            }
            Expr::Const(_)
            | Expr::Col(_)
            | Expr::Agg(_)
            | Expr::PackAll(_)
            | Expr::TypeOf(_)
            | Expr::InSet { .. } => e.clone(),
            Expr::Neg(x) => {
                let x = self.bind(x, cols)?;
                if let Expr::Const(v) = &x {
                    Expr::Const(scalar_ops::negate(v)?)
                } else {
                    Expr::Neg(Box::new(x))
                }
            }
            Expr::Arith(op, a, b, r) => {
                let (a, b) = (self.bind(a, cols)?, self.bind(b, cols)?);
                match (&a, &b) {
                    (Expr::Const(x), Expr::Const(y)) => {
                        Expr::Const(scalar_ops::arith(*op, x, y).map_err(|err| err.at(r.clone()))?)
                    }
                    _ => Expr::Arith(*op, Box::new(a), Box::new(b), r.clone()),
                }
            }
            Expr::Cmp(op, a, b) => {
                let (a, b) = (self.bind(a, cols)?, self.bind(b, cols)?);
                match (&a, &b) {
                    (Expr::Const(x), Expr::Const(y)) => Expr::Const(scalar_ops::cmp(*op, x, y)),
                    _ => Expr::Cmp(*op, Box::new(a), Box::new(b)),
                }
            }
            Expr::Str {
                op,
                cs,
                neg,
                lhs,
                rhs,
            } => Expr::Str {
                op: *op,
                cs: *cs,
                neg: *neg,
                lhs: Box::new(self.bind(lhs, cols)?),
                rhs: Box::new(self.bind(rhs, cols)?),
            },
            Expr::Regex {
                lhs, rhs, range, ..
            } => {
                let lhs = self.bind(lhs, cols)?;
                let rhs = self.bind(rhs, cols)?;
                let re = match &rhs {
                    Expr::Const(p) => Some(
                        self.cx
                            .regex(&scalar_ops::text_of(p))
                            .map_err(|err| err.at(range.clone()))?,
                    ),
                    _ => None,
                };
                Expr::Regex {
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                    re,
                    range: range.clone(),
                }
            }
            Expr::And(a, b) => {
                Expr::And(Box::new(self.bind(a, cols)?), Box::new(self.bind(b, cols)?))
            }
            Expr::Or(a, b) => {
                Expr::Or(Box::new(self.bind(a, cols)?), Box::new(self.bind(b, cols)?))
            }
            Expr::In { neg, ci, lhs, list } => self.bind_in(*neg, *ci, lhs, list, cols)?,
            Expr::HasAny { all, lhs, list, .. } => {
                let lhs = self.bind(lhs, cols)?;
                let mut terms = Vec::new();
                for v in self.list_values(list, cols)? {
                    match v {
                        Some(v) => {
                            terms.push(scalar_ops::fold(&scalar_ops::text_of(&v)).into_owned());
                        }
                        None => {
                            return Err(EvalError::runtime(
                                "the `has_any`/`has_all` list must be constant",
                            ));
                        }
                    }
                }
                terms.retain(|t| !t.is_empty());
                Expr::HasAny {
                    all: *all,
                    lhs: Box::new(lhs),
                    list: Vec::new(),
                    terms: Some(Rc::new(terms)),
                }
            }
            Expr::Between { neg, v, lo, hi } => Expr::Between {
                neg: *neg,
                v: Box::new(self.bind(v, cols)?),
                lo: Box::new(self.bind(lo, cols)?),
                hi: Box::new(self.bind(hi, cols)?),
            },
            Expr::Call { f, args, range } => {
                let args = args
                    .iter()
                    .map(|a| self.bind(a, cols))
                    .collect::<Result<Vec<_>>>()?;
                let call = Expr::Call {
                    f,
                    args,
                    range: range.clone(),
                };
                if f.pure && matches!(&call, Expr::Call { args, .. } if args.iter().all(is_const)) {
                    Expr::Const(fold(&self.cx, &call)?)
                } else {
                    call
                }
            }
            Expr::Iff(c, a, b) => {
                let c = self.bind(c, cols)?;
                match &c {
                    Expr::Const(v) if scalar_ops::truthy(v) => self.bind(a, cols)?,
                    Expr::Const(_) => self.bind(b, cols)?,
                    _ => Expr::Iff(
                        Box::new(c),
                        Box::new(self.bind(a, cols)?),
                        Box::new(self.bind(b, cols)?),
                    ),
                }
            }
            Expr::Case(pairs, o) => {
                let mut out = Vec::new();
                for (c, v) in pairs {
                    out.push((self.bind(c, cols)?, self.bind(v, cols)?));
                }
                Expr::Case(out, Box::new(self.bind(o, cols)?))
            }
            Expr::Coalesce(items) => Expr::Coalesce(
                items
                    .iter()
                    .map(|a| self.bind(a, cols))
                    .collect::<Result<_>>()?,
            ),
            Expr::Member(t, k) => {
                let t = self.bind(t, cols)?;
                if let Expr::Const(v) = &t {
                    Expr::Const(crate::eval::member(v, k))
                } else {
                    Expr::Member(Box::new(t), k.clone())
                }
            }
            Expr::Index(t, i) => {
                let (t, i) = (self.bind(t, cols)?, self.bind(i, cols)?);
                match (&t, &i) {
                    (Expr::Const(a), Expr::Const(b)) => Expr::Const(crate::eval::index(a, b)),
                    _ => Expr::Index(Box::new(t), Box::new(i)),
                }
            }
            Expr::Window {
                f,
                args,
                slot,
                range,
            } => Expr::Window {
                f: *f,
                args: args
                    .iter()
                    .map(|a| self.bind(a, cols))
                    .collect::<Result<_>>()?,
                slot: *slot,
                range: range.clone(),
            },
            Expr::ToScalar(sub) => Expr::Const(self.to_scalar(sub)?),
            Expr::Cast(t, x) => {
                let x = self.bind(x, cols)?;
                if let Expr::Const(v) = &x {
                    if v.is_null() {
                        Expr::Cast(*t, Box::new(x))
                    } else {
                        Expr::Const(crate::functions::convert::cast(v, *t))
                    }
                } else {
                    Expr::Cast(*t, Box::new(x))
                }
            }
            Expr::ColumnIfExists(name, default) => {
                match cols.iter().position(|c| *c.name == **name) {
                    Some(i) => Expr::Col(i),
                    None => self.bind(default, cols)?,
                }
            }
        })
    }

    /// The first value of a sub-query's first column (null when empty).
    fn to_scalar(&self, sub: &Rc<SubQuery>) -> Result<Value> {
        let t = self.subquery(sub)?;
        Ok(t.value(0, 0).cloned().unwrap_or(Value::Null))
    }

    /// Runs a sub-query once (cached).
    pub(crate) fn subquery(&self, sub: &Rc<SubQuery>) -> Result<Table> {
        if let Some(r) = sub.cache.get() {
            return r.clone();
        }
        let r = self.run(&sub.plan).map_err(|e| e.at(sub.range.clone()));
        let _ = sub.cache.set(r.clone());
        r
    }

    /// The values of an `in`/`has_any` list (`None` for a non-constant element); arrays and
    /// sub-query columns are flattened.
    fn list_values(&self, list: &[ListItem], cols: &[Column]) -> Result<Vec<Option<Value>>> {
        let mut out = Vec::new();
        for it in list {
            match it {
                ListItem::Scalar(x) => match self.bind(x, cols)? {
                    Expr::Const(Value::Array(a)) => out.extend(a.iter().cloned().map(Some)),
                    Expr::Const(v) => out.push(Some(v)),
                    _ => out.push(None),
                },
                ListItem::Table(sub) => {
                    let t = self.subquery(sub)?;
                    for v in t.column_values(0) {
                        match v {
                            Value::Array(a) => out.extend(a.iter().cloned().map(Some)),
                            other => out.push(Some(other.clone())),
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    fn bind_in(
        &self,
        neg: bool,
        ci: bool,
        lhs: &Expr,
        list: &[ListItem],
        cols: &[Column],
    ) -> Result<Expr> {
        let lhs = self.bind(lhs, cols)?;
        let values = self.list_values(list, cols)?;
        if values.iter().all(Option::is_some) {
            let mut set = HashSet::new();
            let mut has_null = false;
            for v in values.into_iter().flatten() {
                if v.is_null() {
                    has_null = true;
                    continue;
                }
                set.insert(Key(if ci { scalar_ops::fold_value(&v) } else { v }));
            }
            return Ok(Expr::InSet {
                neg,
                ci,
                lhs: Box::new(lhs),
                set: Rc::new(InValues { set, has_null }),
            });
        }
        // a list with column references: a chain of comparisons
        let op = match (neg, ci) {
            (false, false) => scalar_ops::Cmp::Eq,
            (false, true) => scalar_ops::Cmp::EqCi,
            (true, false) => scalar_ops::Cmp::Ne,
            (true, true) => scalar_ops::Cmp::NeCi,
        };
        let mut acc: Option<Expr> = None;
        for it in list {
            let ListItem::Scalar(x) = it else { continue };
            let c = Expr::Cmp(op, Box::new(lhs.clone()), Box::new(self.bind(x, cols)?));
            acc = Some(match acc {
                None => c,
                Some(a) if neg => Expr::And(Box::new(a), Box::new(c)),
                Some(a) => Expr::Or(Box::new(a), Box::new(c)),
            });
        }
        Ok(acc.unwrap_or(Expr::Const(Value::Bool(neg))))
    }
}

fn suggest<'a>(name: &str, cols: &'a [Column]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    cols.iter()
        .find(|c| c.name.to_ascii_lowercase() == lower)
        .map(|c| c.name.as_str())
}

/// The common type of two branch types (numbers widen; a mix of unrelated types is unknown).
pub(crate) fn common(a: Option<Type>, b: Option<Type>) -> Option<Type> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) if x == y => Some(x),
        (Some(x), Some(y)) if x.is_numeric() && y.is_numeric() => Some(x.max(y)),
        (Some(Type::Dynamic), _) | (_, Some(Type::Dynamic)) => Some(Type::Dynamic),
        _ => None,
    }
}

/// The static type of a bound expression, when known.
pub(crate) fn infer_type(e: &Expr, cols: &[Column]) -> Option<Type> {
    match e {
        Expr::Const(v) => v.type_of(),
        Expr::Col(i) => cols.get(*i).map(|c| c.ty),
        Expr::Name { .. } | Expr::Agg(_) | Expr::ToScalar(_) | Expr::In { .. } => None,
        Expr::Neg(x) => infer_type(x, cols),
        Expr::Arith(op, a, b, _) => {
            use Type as T;
            let (l, r) = (infer_type(a, cols)?, infer_type(b, cols)?);
            Some(match (l, r) {
                (T::DateTime, T::DateTime) => T::TimeSpan,
                (T::DateTime, T::TimeSpan) | (T::TimeSpan, T::DateTime) => T::DateTime,
                (T::TimeSpan, T::TimeSpan) if *op == Arith::Div => T::Real,
                (T::TimeSpan, _) | (_, T::TimeSpan) => T::TimeSpan,
                (x, y) if x.is_numeric() && y.is_numeric() => x.max(y),
                _ => return None,
            })
        }
        Expr::Cmp(..)
        | Expr::Str { .. }
        | Expr::Regex { .. }
        | Expr::And(..)
        | Expr::Or(..)
        | Expr::InSet { .. }
        | Expr::HasAny { .. }
        | Expr::Between { .. } => Some(Type::Bool),
        Expr::Call { f, args, .. } => match f.ret {
            Ret::Ty(t) => Some(t),
            Ret::Arg(n) => args.get(n).and_then(|a| infer_type(a, cols)),
            Ret::Common => args.iter().map(|a| infer_type(a, cols)).fold(None, common),
        },
        Expr::Iff(_, a, b) => common(infer_type(a, cols), infer_type(b, cols)),
        Expr::Case(pairs, o) => pairs
            .iter()
            .map(|(_, v)| infer_type(v, cols))
            .fold(infer_type(o, cols), common),
        Expr::Coalesce(items) => items.iter().map(|a| infer_type(a, cols)).fold(None, common),
        Expr::Member(..) | Expr::Index(..) | Expr::PackAll(_) => Some(Type::Dynamic),
        Expr::Window { f, args, .. } => match f {
            WindowFn::RowNumber | WindowFn::RowRankMin | WindowFn::RowRankDense => Some(Type::Long),
            _ => args.first().and_then(|a| infer_type(a, cols)),
        },
        Expr::Cast(t, _) => Some(*t),
        Expr::ColumnIfExists(_, d) => infer_type(d, cols),
        Expr::TypeOf(_) => Some(Type::String),
    }
}

/// Values of a new column, converted to one numeric type when the static type says so, and the
/// column's type (from the expression, else from the first non-null value, else `string`).
pub(crate) fn typed_column(mut values: Vec<Value>, ty: Option<Type>) -> (Type, Vec<Value>) {
    let ty = ty
        .or_else(|| values.iter().find_map(Value::type_of))
        .unwrap_or(Type::String);
    match ty {
        Type::Real => {
            for v in &mut values {
                if matches!(v, Value::Int(_) | Value::Long(_) | Value::Decimal(_)) {
                    *v = Value::Real(v.as_f64().unwrap_or(f64::NAN));
                }
            }
        }
        Type::Long => {
            for v in &mut values {
                if let Value::Int(i) = v {
                    *v = Value::Long(i64::from(*i));
                }
            }
        }
        Type::String => {
            for v in &mut values {
                if v.is_null() {
                    *v = Value::String(Arc::from(""));
                }
            }
        }
        _ => {}
    }
    (ty, values)
}
