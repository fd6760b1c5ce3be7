//! Compilation of scalar expressions: literals, operators, names, calls of built-ins, lambdas and
//! saved functions, the special forms (`iff`, `case`, `coalesce`, `column_ifexists`, `pack_all`,
//! `toscalar`, window functions), and aggregates inside `summarize` / `make-series` items, which an
//! [`AggCollector`] pulls out into slots.

use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::Arc;

use sentinel_kql::ast::{self, ExprKind, LitKind};

use super::literal::{dynamic_literal, scalar_token, string_value, typed_literal};
use super::naming::expr_name;
use super::{Binding, Compiler, Ctx, Invoked};
use crate::aggregates;
use crate::error::{EvalError, Result};
use crate::functions;
use crate::ir::{AggCall, Expr, ListItem, SubQuery, WindowFn};
use crate::scalar_ops::{OpSpec, op_spec};
use crate::value::{Type, Value};

/// `T | getschema | summarize make_list(ColumnName)`: the plan behind `column_names_of(T)`.
fn column_names_plan(plan: crate::ir::Plan) -> crate::ir::Plan {
    use crate::ir::{AggItem, Op, Plan};
    let make_list = aggregates::lookup("make_list").expect("make_list is a built-in aggregate");
    let call = AggCall {
        f: make_list,
        args: vec![Expr::Name {
            name: Arc::from("ColumnName"),
            fallback: None,
            range: 0..0,
        }],
        star: false,
        arg_names: vec![Some("ColumnName".into())],
    };
    let item = AggItem {
        names: vec!["Columns".into()],
        auto_name: "Columns".into(),
        aggs: vec![call],
        outer: Some(Expr::Agg(0)),
    };
    let schema = Plan::Pipe(Box::new(plan), Box::new(Op::Getschema));
    Plan::Pipe(
        Box::new(schema),
        Box::new(Op::Summarize {
            aggs: vec![item],
            by: Vec::new(),
        }),
    )
}

/// Collects the aggregate calls of one `summarize` item.
#[derive(Debug, Default)]
pub(crate) struct AggCollector {
    pub(crate) calls: Vec<AggCall>,
}

impl Compiler<'_> {
    /// Compiles a scalar expression; with `agg`, aggregate calls become [`Expr::Agg`] slots.
    pub(crate) fn scalar(
        &self,
        e: &ast::Expr,
        ctx: &Ctx,
        agg: &mut Option<AggCollector>,
    ) -> Result<Expr> {
        self.scalar_inner(e, ctx, agg)
            .map_err(|err| err.at(e.range.clone()))
    }

    fn boxed(&self, e: &ast::Expr, ctx: &Ctx, agg: &mut Option<AggCollector>) -> Result<Box<Expr>> {
        Ok(Box::new(self.scalar(e, ctx, agg)?))
    }

    fn scalar_inner(
        &self,
        e: &ast::Expr,
        ctx: &Ctx,
        agg: &mut Option<AggCollector>,
    ) -> Result<Expr> {
        Ok(match &e.kind {
            ExprKind::Literal(kind) => Expr::Const(self.literal(*kind, ctx.text(&e.range))?),
            ExprKind::Name(n) => self.name(n, e, ctx)?,
            ExprKind::Star => {
                return Err(EvalError::runtime(
                    "`*` can only be used as an argument of `count`, `arg_max`, `arg_min` or `take_any`",
                ));
            }
            ExprKind::Input
            | ExprKind::Pipe { .. }
            | ExprKind::Source(_)
            | ExprKind::Datatable { .. }
            | ExprKind::Externaldata { .. } => {
                return Err(
                    EvalError::runtime("a tabular expression cannot be used as a scalar")
                        .with_hint("wrap it in `toscalar(…)` to use its first value"),
                );
            }
            ExprKind::Unary { op, operand } => {
                let v = self.boxed(operand, ctx, agg)?;
                if op == "-" {
                    if let Expr::Const(c) = &*v {
                        Expr::Const(crate::scalar_ops::negate(c)?)
                    } else {
                        Expr::Neg(v)
                    }
                } else {
                    *v
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(op, lhs, rhs, e, ctx, agg)?,
            ExprKind::In { op, lhs, list } => {
                let lhs = self.boxed(lhs, ctx, agg)?;
                let mut items = Vec::with_capacity(list.len());
                for it in list {
                    if self.is_tabular(it, ctx) {
                        items.push(ListItem::Table(Rc::new(SubQuery {
                            plan: crate::optimize::optimize(self.tabular(it, ctx)?),
                            range: it.range.clone(),
                            cache: OnceCell::new(),
                        })));
                    } else {
                        items.push(ListItem::Scalar(self.scalar(it, ctx, agg)?));
                    }
                }
                match op.as_str() {
                    "has_any" => Expr::HasAny {
                        all: false,
                        lhs,
                        list: items,
                        terms: None,
                    },
                    "has_all" => Expr::HasAny {
                        all: true,
                        lhs,
                        list: items,
                        terms: None,
                    },
                    other => {
                        let neg = other.starts_with('!');
                        let ci = other.ends_with('~');
                        Expr::In {
                            neg,
                            ci,
                            lhs,
                            list: items,
                        }
                    }
                }
            }
            ExprKind::Between {
                negated,
                lhs,
                lo,
                hi,
            } => Expr::Between {
                neg: *negated,
                v: self.boxed(lhs, ctx, agg)?,
                lo: self.boxed(lo, ctx, agg)?,
                hi: self.boxed(hi, ctx, agg)?,
            },
            ExprKind::Call { name, args } => self.call(&name.text, args, e, ctx, agg)?,
            ExprKind::NamedArg { name, .. } => {
                return Err(EvalError::runtime(format!(
                    "`{} = …` is only allowed as a function argument",
                    name.text
                )));
            }
            ExprKind::Member { target, name } => {
                let t = self.boxed(target, ctx, agg)?;
                Expr::Member(t, Arc::from(name.text.as_str()))
            }
            ExprKind::Index { target, index } => {
                Expr::Index(self.boxed(target, ctx, agg)?, self.boxed(index, ctx, agg)?)
            }
            ExprKind::Paren(inner) => {
                if self.is_tabular(inner, ctx) {
                    return Err(EvalError::runtime(
                        "a tabular expression cannot be used as a scalar",
                    )
                    .with_hint("wrap it in `toscalar(…)` to use its first value"));
                }
                self.scalar_inner(inner, ctx, agg)?
            }
            ExprKind::TypeOf(t) => Expr::TypeOf(
                Type::from_name(t)
                    .ok_or_else(|| EvalError::runtime(format!("unknown type `{t}`")))?,
            ),
            ExprKind::Error => return Err(EvalError::syntax("the query has a syntax error here")),
        })
    }

    /// A literal's value from its text.
    pub(crate) fn literal(&self, kind: LitKind, text: &str) -> Result<Value> {
        Ok(match kind {
            LitKind::String => Value::string(string_value(text)),
            // `bool(null)`, `bool(1)`: the typed form, like every other type's
            LitKind::Bool if text.contains('(') => typed_literal(text, self.now)?,
            LitKind::Bool => Value::Bool(text.eq_ignore_ascii_case("true")),
            LitKind::Long | LitKind::Real | LitKind::TimeSpan if !text.contains('(') => {
                let lexed = sentinel_kql::lexer::lex(text);
                let kind = lexed
                    .tokens
                    .first()
                    .map_or(sentinel_kql::token::TokenKind::Int, |t| t.kind);
                scalar_token(text.trim(), kind)?
            }
            LitKind::Dynamic => dynamic_literal(text, self.now)?,
            _ => typed_literal(text, self.now)?,
        })
    }

    fn name(&self, n: &str, e: &ast::Expr, ctx: &Ctx) -> Result<Expr> {
        let fallback = match ctx.lookup(n) {
            Some(Binding::Scalar(v)) => Some(Box::new(v.clone())),
            Some(Binding::Tabular(_)) => {
                return Err(
                    EvalError::runtime(format!("`{n}` is a table, not a scalar value"))
                        .with_hint("use `toscalar(…)` to take a value from a table"),
                );
            }
            Some(Binding::Lambda(l)) => {
                if l.params.is_empty() && !l.returns_table {
                    match self.invoke(l, &[], ctx, &e.range, &mut None, None)? {
                        Invoked::Scalar(x) => Some(Box::new(x)),
                        Invoked::Table(_) => None,
                    }
                } else {
                    return Err(EvalError::runtime(format!(
                        "`{n}` is a function; call it with `{n}(…)`"
                    )));
                }
            }
            None => None,
        };
        Ok(Expr::Name {
            name: Arc::from(n),
            fallback,
            range: e.range.clone(),
        })
    }

    fn binary(
        &self,
        op: &str,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        e: &ast::Expr,
        ctx: &Ctx,
        agg: &mut Option<AggCollector>,
    ) -> Result<Expr> {
        let Some(spec) = op_spec(op) else {
            return Err(EvalError::unsupported(format!("operator `{op}`")));
        };
        let l = self.boxed(lhs, ctx, agg)?;
        let r = self.boxed(rhs, ctx, agg)?;
        Ok(match spec {
            OpSpec::Arith(a) => Expr::Arith(a, l, r, e.range.clone()),
            OpSpec::Cmp(c) => Expr::Cmp(c, l, r),
            OpSpec::Str { op, cs, neg } => Expr::Str {
                op,
                cs,
                neg,
                lhs: l,
                rhs: r,
            },
            OpSpec::Regex => Expr::Regex {
                lhs: l,
                rhs: r,
                re: None,
                range: e.range.clone(),
            },
            OpSpec::And => Expr::And(l, r),
            OpSpec::Or => Expr::Or(l, r),
        })
    }

    fn args(
        &self,
        args: &[ast::Expr],
        ctx: &Ctx,
        agg: &mut Option<AggCollector>,
    ) -> Result<Vec<Expr>> {
        args.iter().map(|a| self.scalar(a, ctx, agg)).collect()
    }

    fn arity(name: &str, n: usize, min: usize, max: usize) -> Result<()> {
        if n < min || n > max {
            let expects = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(EvalError::runtime(format!(
                "`{name}` expects {expects} argument(s), got {n}"
            )));
        }
        Ok(())
    }

    fn call(
        &self,
        name: &str,
        args: &[ast::Expr],
        e: &ast::Expr,
        ctx: &Ctx,
        agg: &mut Option<AggCollector>,
    ) -> Result<Expr> {
        // user lambdas and saved functions shadow built-ins
        if let Some(Binding::Lambda(l)) = ctx.lookup(name) {
            let l = l.clone();
            return self.scalar_invocation(&l, args, e, ctx, agg);
        }
        if ctx.lookup(name).is_none()
            && functions::lookup(name).is_none()
            && aggregates::lookup(name).is_none()
            && let Some(l) = self.saved(name)
        {
            return self.scalar_invocation(&l, args, e, ctx, agg);
        }
        if let Some(x) = self.special(name, args, e, ctx, agg)? {
            return Ok(x);
        }
        if let Some(f) = aggregates::lookup(name) {
            let Some(collector) = agg.as_mut() else {
                return Err(EvalError::runtime(format!(
                    "`{name}()` is an aggregation; it can only be used in `summarize` or `make-series`"
                )));
            };
            Self::arity(name, args.len(), f.min, f.max)?;
            let mut star = false;
            let mut compiled = Vec::new();
            let mut arg_names = Vec::new();
            for a in args {
                if matches!(a.kind, ExprKind::Star) {
                    star = true;
                    continue;
                }
                compiled.push(self.scalar(a, ctx, &mut None)?);
                arg_names.push(expr_name(a, ctx));
            }
            let slot = collector.calls.len();
            collector.calls.push(AggCall {
                f,
                args: compiled,
                star,
                arg_names,
            });
            return Ok(Expr::Agg(slot));
        }
        if let Some(f) = functions::lookup(name) {
            Self::arity(name, args.len(), f.min, f.max)?;
            let compiled = self.args(args, ctx, agg)?;
            return Ok(Expr::Call {
                f,
                args: compiled,
                range: e.range.clone(),
            });
        }
        if aggregates::UNSUPPORTED.contains(&name) || sentinel_kql::is_builtin_function(name) {
            return Err(EvalError::unsupported(format!("function `{name}`")));
        }
        Err(EvalError::runtime(format!("unknown function `{name}`"))
            .with_hint("check the spelling; KQL function names are case-sensitive"))
    }

    fn scalar_invocation(
        &self,
        l: &super::Lambda,
        args: &[ast::Expr],
        e: &ast::Expr,
        ctx: &Ctx,
        agg: &mut Option<AggCollector>,
    ) -> Result<Expr> {
        match self.invoke(l, args, ctx, &e.range, agg, None)? {
            Invoked::Scalar(x) => Ok(x),
            Invoked::Table(_) => Err(EvalError::runtime(format!(
                "`{}` returns a table, not a scalar value",
                l.name
            ))
            .with_hint("use `toscalar(…)` to take a value from it")),
        }
    }

    /// The special forms; `None` when `name` is not one.
    fn special(
        &self,
        name: &str,
        args: &[ast::Expr],
        e: &ast::Expr,
        ctx: &Ctx,
        agg: &mut Option<AggCollector>,
    ) -> Result<Option<Expr>> {
        let window = |f: WindowFn, min: usize, max: usize| -> Result<Expr> {
            Self::arity(name, args.len(), min, max)?;
            let slot = self.window_slots.get();
            self.window_slots.set(slot + 1);
            Ok(Expr::Window {
                f,
                args: self.args(args, ctx, &mut None)?,
                slot,
                range: e.range.clone(),
            })
        };
        Ok(Some(match name {
            "iff" | "iif" => {
                Self::arity(name, args.len(), 3, 3)?;
                Expr::Iff(
                    self.boxed(&args[0], ctx, agg)?,
                    self.boxed(&args[1], ctx, agg)?,
                    self.boxed(&args[2], ctx, agg)?,
                )
            }
            "case" => {
                if args.len() < 3 || args.len().is_multiple_of(2) {
                    return Err(EvalError::runtime(
                        "`case` expects condition/value pairs and a final else value",
                    ));
                }
                let mut pairs = Vec::new();
                for p in args[..args.len() - 1].chunks(2) {
                    pairs.push((self.scalar(&p[0], ctx, agg)?, self.scalar(&p[1], ctx, agg)?));
                }
                Expr::Case(pairs, self.boxed(&args[args.len() - 1], ctx, agg)?)
            }
            "coalesce" => {
                Self::arity(name, args.len(), 2, 64)?;
                Expr::Coalesce(self.args(args, ctx, agg)?)
            }
            "column_ifexists" | "columnifexists" => {
                Self::arity(name, args.len(), 2, 2)?;
                let col = match &args[0].kind {
                    ExprKind::Literal(LitKind::String) => string_value(ctx.text(&args[0].range)),
                    _ => {
                        return Err(EvalError::runtime(
                            "`column_ifexists` needs a constant column name",
                        ));
                    }
                };
                Expr::ColumnIfExists(Arc::from(col.as_str()), self.boxed(&args[1], ctx, agg)?)
            }
            "pack_all" => {
                Self::arity(name, args.len(), 0, 1)?;
                let ignore = match args.first() {
                    Some(a) => matches!(
                        self.scalar(a, ctx, &mut None)?,
                        Expr::Const(Value::Bool(true))
                    ),
                    None => false,
                };
                Expr::PackAll(ignore)
            }
            "bag_pack_columns" => {
                let mut out = Vec::new();
                for a in args {
                    let n = expr_name(a, ctx).unwrap_or_default();
                    out.push(Expr::Const(Value::string(n)));
                    out.push(self.scalar(a, ctx, agg)?);
                }
                let f = functions::lookup("bag_pack")
                    .ok_or_else(|| EvalError::unsupported("function `bag_pack`"))?;
                Expr::Call {
                    f,
                    args: out,
                    range: e.range.clone(),
                }
            }
            "column_names_of" => {
                Self::arity(name, args.len(), 1, 1)?;
                let plan = self.tabular(&args[0], ctx)?;
                Expr::ToScalar(Rc::new(SubQuery {
                    plan: column_names_plan(plan),
                    range: e.range.clone(),
                    cache: OnceCell::new(),
                }))
            }
            "toscalar" => {
                Self::arity(name, args.len(), 1, 1)?;
                let inner = &args[0];
                if !self.is_tabular(inner, ctx) {
                    return Ok(Some(self.scalar(inner, ctx, agg)?));
                }
                Expr::ToScalar(Rc::new(SubQuery {
                    plan: crate::optimize::optimize(self.tabular(inner, ctx)?),
                    range: inner.range.clone(),
                    cache: OnceCell::new(),
                }))
            }
            "row_number" => window(WindowFn::RowNumber, 0, 2)?,
            "prev" => window(WindowFn::Prev, 1, 3)?,
            "next" => window(WindowFn::Next, 1, 3)?,
            "row_cumsum" => window(WindowFn::RowCumsum, 1, 2)?,
            "row_rank_min" => window(WindowFn::RowRankMin, 1, 2)?,
            "row_rank_dense" => window(WindowFn::RowRankDense, 1, 2)?,
            "row_window_session" => window(WindowFn::RowWindowSession, 3, 4)?,
            "materialize" | "table" | "_GetWatchlist" => {
                return Err(EvalError::runtime(format!(
                    "`{name}(…)` returns a table, not a scalar value"
                )));
            }
            _ => return Ok(None),
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Database, DateTime, Options, evaluate};

    #[test]
    fn typed_bool_literals_include_null() {
        let t = evaluate(
            "print a = isnull(bool(null)), b = bool(true), c = bool(0), d = isnull(boolean(null)), e = true",
            &Database::new(),
            &Options::at(DateTime::UNIX_EPOCH),
        )
        .unwrap();
        assert_eq!(
            t.to_text(),
            "a    | b    | c     | d    | e\ntrue | true | false | true | true\n"
        );
    }
}
