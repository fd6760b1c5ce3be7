//! Compilation of tabular expressions: sources (tables, `let` tables, function calls, `datatable`,
//! `print`, `range`, `union`, `_GetWatchlist`, `materialize`) and every `|` operator.
//!
//! Operators the engine does not implement (`scan`, `fork`, `parse-kv`, `sample`, graph operators…)
//! are [`crate::ErrorKind::Unsupported`] errors naming the operator, raised before anything runs.

use std::cell::OnceCell;
use std::rc::Rc;

use sentinel_kql::ast::{
    self, ExprKind, JoinCondition, NullsOrder, OpKind, OpParam, ParamType, ParsePart, SeriesBound,
    SortOrder,
};

use super::expr::AggCollector;
use super::naming::{AutoNames, agg_item_name, expr_name, multi_output_names};
use super::{Binding, Compiler, Ctx, Invoked};
use crate::error::{EvalError, Result};
use crate::exec::plugins::Plugin;
use crate::ir::{
    AggItem, Expr, Item, JoinKind, JoinOn, MvItem, Op, ParseKind, ParseStep, Plan, SortKey,
    SubQuery,
};
use crate::table::Column;
use crate::value::{Type, Value};

fn param<'p>(params: &'p [OpParam], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
}

impl Compiler<'_> {
    /// Compiles a tabular expression.
    pub(crate) fn tabular(&self, e: &ast::Expr, ctx: &Ctx) -> Result<Plan> {
        self.tabular_inner(e, ctx)
            .map_err(|err| err.at(e.range.clone()))
    }

    fn tabular_inner(&self, e: &ast::Expr, ctx: &Ctx) -> Result<Plan> {
        match &e.kind {
            ExprKind::Pipe { input, op } => self.pipe(input, op, ctx),
            ExprKind::Name(n) => self.table_name(n, e, ctx),
            ExprKind::Call { name, args } => self.table_call(&name.text, args, e, ctx, None),
            ExprKind::Paren(inner) => self.tabular(inner, ctx),
            ExprKind::Datatable { columns, values } => {
                let cols = columns
                    .iter()
                    .map(|c| {
                        Type::from_name(&c.ty)
                            .map(|t| Column::new(c.name.text.clone(), t))
                            .ok_or_else(|| {
                                EvalError::runtime(format!("unknown type `{}`", c.ty))
                                    .at(c.name.range.clone())
                            })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let vals = values
                    .iter()
                    .map(|v| self.scalar(v, ctx, &mut None))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Plan::Datatable {
                    columns: cols,
                    values: vals,
                    range: e.range.clone(),
                })
            }
            ExprKind::Externaldata { .. } => Err(EvalError::unsupported(
                "`externaldata` (it reads external storage)",
            )),
            ExprKind::Source(op) => self.source(op, ctx),
            ExprKind::Input => Ok(Plan::Input),
            _ => Err(EvalError::runtime("expected a table here")),
        }
    }

    fn table_name(&self, n: &str, e: &ast::Expr, ctx: &Ctx) -> Result<Plan> {
        match ctx.lookup(n) {
            Some(Binding::Tabular(Plan::Shared(s, _))) => {
                // a new use site of a shared `let`
                let id = s.uses.get();
                s.uses.set(id + 1);
                return Ok(Plan::Shared(s.clone(), id));
            }
            Some(Binding::Tabular(p)) => return Ok(p.clone()),
            Some(Binding::Lambda(l)) => {
                let l = l.clone();
                return match self.invoke(&l, &[], ctx, &e.range, &mut None, None)? {
                    Invoked::Table(p) => Ok(p),
                    Invoked::Scalar(_) => Err(EvalError::runtime(format!(
                        "`{n}` is a scalar function, not a table"
                    ))),
                };
            }
            Some(Binding::Scalar(_)) => {
                return Err(EvalError::runtime(format!(
                    "`{n}` is a scalar value, not a table"
                )));
            }
            None => {}
        }
        if self.db.table(n).is_some() {
            return Ok(Plan::Scan {
                name: n.to_string(),
                range: e.range.clone(),
            });
        }
        if let Some(l) = self.saved(n) {
            return match self.invoke(&l, &[], ctx, &e.range, &mut None, None)? {
                Invoked::Table(p) => Ok(p),
                Invoked::Scalar(_) => Err(EvalError::runtime(format!(
                    "saved function `{n}` returns a scalar, not a table"
                ))),
            };
        }
        let mut hint =
            "add the table to the database (its rows), or check the spelling".to_string();
        if let Some(s) = self.db.suggest(n) {
            hint = format!("did you mean `{s}`?");
        }
        Err(EvalError::runtime(format!("unknown table or function `{n}`")).with_hint(hint))
    }

    /// The value of a constant string argument (a literal, a `let` or a parameter bound to one).
    fn const_string(&self, a: &ast::Expr, ctx: &Ctx) -> Option<String> {
        fn value(e: &Expr) -> Option<String> {
            match e {
                Expr::Const(Value::String(s)) => Some(s.to_string()),
                Expr::Name {
                    fallback: Some(f), ..
                } => value(f),
                Expr::Cast(Type::String, inner) => value(inner),
                _ => None,
            }
        }
        value(&self.scalar(a, ctx, &mut None).ok()?)
    }

    fn table_call(
        &self,
        name: &str,
        args: &[ast::Expr],
        e: &ast::Expr,
        ctx: &Ctx,
        input: Option<Plan>,
    ) -> Result<Plan> {
        let lambda = match ctx.lookup(name) {
            Some(Binding::Lambda(l)) => Some(l.clone()),
            Some(_) => return Err(EvalError::runtime(format!("`{name}` is not a function"))),
            None => None,
        };
        let lambda = match lambda {
            Some(l) => Some(l),
            None => match name {
                "materialize" => {
                    let inner = args
                        .first()
                        .ok_or_else(|| EvalError::runtime("`materialize` needs a table"))?;
                    let plan = crate::optimize::optimize(self.tabular(inner, ctx)?);
                    return Ok(Plan::Cached(Rc::new(SubQuery {
                        plan,
                        range: e.range.clone(),
                        cache: OnceCell::new(),
                    })));
                }
                "table" | "view" => {
                    let n = args
                        .first()
                        .and_then(|a| self.const_string(a, ctx))
                        .ok_or_else(|| {
                            EvalError::runtime("`table` needs a table name as a string")
                        })?;
                    return self.table_name(&n, e, ctx);
                }
                "_GetWatchlist" => {
                    let Some(a) = args.first() else {
                        return Err(EvalError::runtime(
                            "`_GetWatchlist` needs the watchlist alias",
                        ));
                    };
                    let Some(alias) = self.const_string(a, ctx) else {
                        return Err(EvalError::runtime("`_GetWatchlist` needs a constant alias"));
                    };
                    return Ok(Plan::Watchlist {
                        alias,
                        range: e.range.clone(),
                    });
                }
                _ => self.saved(name),
            },
        };
        let Some(l) = lambda else {
            if crate::functions::lookup(name).is_some() {
                return Err(EvalError::runtime(format!(
                    "`{name}` is a scalar function, not a table"
                )));
            }
            if sentinel_kql::is_builtin_function(name) {
                return Err(EvalError::unsupported(format!("function `{name}`")));
            }
            return Err(EvalError::runtime(format!("unknown function `{name}`")));
        };
        match self.invoke(&l, args, ctx, &e.range, &mut None, input)? {
            Invoked::Table(p) => Ok(p),
            Invoked::Scalar(_) => Err(EvalError::runtime(format!(
                "`{name}` returns a scalar, not a table"
            ))),
        }
    }

    fn source(&self, op: &ast::Operator, ctx: &Ctx) -> Result<Plan> {
        match &op.kind {
            OpKind::Print(items) => {
                let mut out = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    let expr = self.scalar(&it.expr, ctx, &mut None)?;
                    let names = if it.names.is_empty() {
                        multi_output_names(&it.expr, ctx)
                            .unwrap_or_else(|| vec![format!("print_{i}")])
                    } else {
                        it.names.iter().map(|n| n.text.clone()).collect()
                    };
                    out.push(Item {
                        names,
                        expr,
                        range: it.expr.range.clone(),
                    });
                }
                Ok(Plan::Print(out))
            }
            OpKind::Range { name, bounds } => {
                let b = bounds
                    .iter()
                    .map(|x| self.scalar(x, ctx, &mut None))
                    .collect::<Result<Vec<_>>>()?;
                let [from, to, step]: [Expr; 3] = b
                    .try_into()
                    .map_err(|_| EvalError::syntax("`range` needs `from`, `to` and `step`"))?;
                Ok(Plan::Range {
                    name: name.text.clone(),
                    from,
                    to,
                    step,
                    range: op.range.clone(),
                })
            }
            OpKind::Union { params, sources } => self.union(None, params, sources, ctx),
            OpKind::Evaluate(call) => {
                let name = match &call.kind {
                    ExprKind::Call { name, .. } => name.text.clone(),
                    _ => String::new(),
                };
                Err(EvalError::unsupported(format!(
                    "plugin `{name}` as a source"
                )))
            }
            OpKind::Opaque(name) => Err(EvalError::unsupported(format!("operator `{name}`"))),
            _ => Err(EvalError::runtime("expected a table here")),
        }
    }

    fn union(
        &self,
        input: Option<Plan>,
        params: &[OpParam],
        sources: &[ast::Expr],
        ctx: &Ctx,
    ) -> Result<Plan> {
        let fuzzy = param(params, "isfuzzy").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let withsource = param(params, "withsource").map(str::to_string);
        let outer = param(params, "kind") != Some("inner");
        let mut inputs = Vec::new();
        let mut names = Vec::new();
        if let Some(p) = input {
            inputs.push(p);
            names.push("union_arg0".to_string());
        }
        let mut first_error = None;
        for s in sources {
            // wildcard table names: every table whose name matches
            if let ExprKind::Name(n) = &s.kind
                && n.contains('*')
            {
                for t in self.db.table_names() {
                    if crate::exec::wildcard(n, t) {
                        inputs.push(Plan::Scan {
                            name: t.to_string(),
                            range: s.range.clone(),
                        });
                        names.push(t.to_string());
                    }
                }
                continue;
            }
            match self.tabular(s, ctx) {
                Ok(p) => {
                    inputs.push(p);
                    names.push(
                        source_name(s).unwrap_or_else(|| format!("union_arg{}", names.len())),
                    );
                }
                Err(e) if fuzzy && !e.is_unsupported() => {
                    first_error.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        if inputs.is_empty() {
            return Err(first_error.unwrap_or_else(|| EvalError::runtime("`union` has no tables")));
        }
        Ok(Plan::Union {
            inputs,
            names,
            withsource,
            outer,
        })
    }

    fn pipe(&self, input: &ast::Expr, op: &ast::Operator, ctx: &Ctx) -> Result<Plan> {
        // operators that need their input as a plan
        match &op.kind {
            OpKind::Union { params, sources } => {
                let inp = self.tabular(input, ctx)?;
                return self
                    .union(Some(inp), params, sources, ctx)
                    .map_err(|e| e.at(op.range.clone()));
            }
            OpKind::Invoke(call) => {
                let inp = self.tabular(input, ctx)?;
                let ExprKind::Call { name, args } = &call.kind else {
                    return Err(
                        EvalError::runtime("`invoke` needs a function call").at(op.range.clone())
                    );
                };
                return self.invoke_with_input(&name.text, args, call, ctx, inp);
            }
            _ => {}
        }
        let inp = self.tabular(input, ctx)?;
        self.window_slots.set(0);
        let compiled = self.operator(op, ctx).map_err(|e| e.at(op.range.clone()))?;
        Ok(Plan::Pipe(Box::new(inp), Box::new(compiled)))
    }

    fn invoke_with_input(
        &self,
        name: &str,
        args: &[ast::Expr],
        call: &ast::Expr,
        ctx: &Ctx,
        input: Plan,
    ) -> Result<Plan> {
        let l = match ctx.lookup(name) {
            Some(Binding::Lambda(l)) => l.clone(),
            _ => self.saved(name).ok_or_else(|| {
                EvalError::runtime(format!("unknown function `{name}`")).at(call.range.clone())
            })?,
        };
        if !matches!(l.params.first().map(|p| &p.ty), Some(ParamType::Tabular(_))) {
            return Err(EvalError::runtime(format!(
                "`invoke` needs a function whose first parameter is a table; `{name}` has none"
            ))
            .at(call.range.clone()));
        }
        self.table_call(name, args, call, ctx, Some(input))
    }

    fn items(&self, items: &[ast::NamedExpr], ctx: &Ctx) -> Result<Vec<Item>> {
        let mut auto = AutoNames::default();
        let explicit: Vec<String> = items
            .iter()
            .flat_map(|i| i.names.iter().map(|n| n.text.clone()))
            .collect();
        let mut out = Vec::new();
        for it in items {
            let expr = self.scalar(&it.expr, ctx, &mut None)?;
            let names = if it.names.is_empty() {
                multi_output_names(&it.expr, ctx).unwrap_or_else(|| {
                    vec![expr_name(&it.expr, ctx).unwrap_or_else(|| auto.next(&explicit))]
                })
            } else {
                it.names.iter().map(|n| n.text.clone()).collect()
            };
            out.push(Item {
                names,
                expr,
                range: it.expr.range.clone(),
            });
        }
        Ok(out)
    }

    fn agg_items(
        &self,
        items: &[ast::NamedExpr],
        ctx: &Ctx,
        auto: &mut AutoNames,
        taken: &[String],
    ) -> Result<Vec<AggItem>> {
        let mut out = Vec::new();
        for it in items {
            let mut collector = Some(AggCollector::default());
            let expr = self.scalar(&it.expr, ctx, &mut collector)?;
            let aggs = collector.map(|c| c.calls).unwrap_or_default();
            if aggs.is_empty() {
                return Err(EvalError::runtime(
                    "a `summarize` item must use an aggregation function",
                )
                .at(it.expr.range.clone())
                .with_hint("for example `count()`, `max(x)`, `make_set(y)`"));
            }
            let auto_name = agg_item_name(&it.expr, ctx).unwrap_or_else(|| auto.next(taken));
            // a single multi-column aggregate is expanded at run time
            let multi = matches!(expr, Expr::Agg(0))
                && aggs.len() == 1
                && matches!(
                    aggs[0].f.kind,
                    crate::aggregates::AggKind::ArgMax
                        | crate::aggregates::AggKind::ArgMin
                        | crate::aggregates::AggKind::TakeAny
                        | crate::aggregates::AggKind::Percentiles
                        | crate::aggregates::AggKind::PercentilesW
                );
            out.push(AggItem {
                names: it.names.iter().map(|n| n.text.clone()).collect(),
                auto_name,
                aggs,
                outer: if multi { None } else { Some(expr) },
            });
        }
        Ok(out)
    }

    fn sort_key(&self, k: &ast::SortKey, ctx: &Ctx) -> Result<SortKey> {
        let desc = k.order != Some(SortOrder::Asc);
        // nulls first is the default for ascending order, nulls last for descending (the sort page)
        let nulls_first = match k.nulls {
            Some(NullsOrder::First) => true,
            Some(NullsOrder::Last) => false,
            None => !desc,
        };
        Ok(SortKey {
            expr: self.scalar(&k.expr, ctx, &mut None)?,
            desc,
            nulls_first,
        })
    }

    fn operator(&self, op: &ast::Operator, ctx: &Ctx) -> Result<Op> {
        Ok(match &op.kind {
            OpKind::Where(e) => Op::Where(self.scalar(e, ctx, &mut None)?),
            OpKind::Extend(items) => Op::Extend(self.items(items, ctx)?),
            OpKind::Project(items) => Op::Project(self.items(items, ctx)?),
            OpKind::ProjectAway(p) => Op::ProjectAway(p.iter().map(|n| n.text.clone()).collect()),
            OpKind::ProjectKeep(p) => Op::ProjectKeep(p.iter().map(|n| n.text.clone()).collect()),
            OpKind::ProjectRename(pairs) => Op::ProjectRename(
                pairs
                    .iter()
                    .map(|(a, b)| (a.text.clone(), b.text.clone()))
                    .collect(),
            ),
            OpKind::ProjectReorder(items) => Op::ProjectReorder(
                items
                    .iter()
                    .map(|i| (i.pattern.text.clone(), i.order.clone()))
                    .collect(),
            ),
            OpKind::ProjectByNames(exprs) => Op::ProjectByNames(
                exprs
                    .iter()
                    .map(|e| self.scalar(e, ctx, &mut None))
                    .collect::<Result<_>>()?,
            ),
            OpKind::Summarize { aggs, by } => {
                let by_items = self.items(by, ctx)?;
                let mut taken: Vec<String> =
                    by_items.iter().flat_map(|i| i.names.clone()).collect();
                taken.extend(
                    aggs.iter()
                        .flat_map(|a| a.names.iter().map(|n| n.text.clone())),
                );
                let mut auto = AutoNames::default();
                Op::Summarize {
                    aggs: self.agg_items(aggs, ctx, &mut auto, &taken)?,
                    by: by_items,
                }
            }
            OpKind::Sort(keys) => Op::Sort(
                keys.iter()
                    .map(|k| self.sort_key(k, ctx))
                    .collect::<Result<_>>()?,
            ),
            OpKind::Top { count, by } => Op::Top {
                count: self.scalar(count, ctx, &mut None)?,
                key: self.sort_key(by, ctx)?,
            },
            OpKind::Take(e) => Op::Take(self.scalar(e, ctx, &mut None)?),
            OpKind::Sample(_) => {
                return Err(EvalError::unsupported(
                    "operator `sample` (it returns random rows)",
                ));
            }
            OpKind::SampleDistinct { .. } => {
                return Err(EvalError::unsupported(
                    "operator `sample-distinct` (it returns random values)",
                ));
            }
            OpKind::Count(name) => Op::Count(
                name.as_ref()
                    .map_or_else(|| "Count".to_string(), |n| n.text.clone()),
            ),
            OpKind::Distinct(items) => {
                if items.len() == 1 && matches!(items[0].expr.kind, ExprKind::Star) {
                    Op::DistinctAll
                } else {
                    Op::Distinct(self.items(items, ctx)?)
                }
            }
            OpKind::Join {
                params,
                right,
                condition,
                lookup,
            } => self.join(params, right, condition, *lookup, op, ctx)?,
            OpKind::MvExpand {
                params,
                items,
                limit,
            } => {
                let (items, bag_as_array, itemindex) = self.mv_items(params, items, ctx)?;
                let limit = limit
                    .as_ref()
                    .map(|l| self.scalar(l, ctx, &mut None))
                    .transpose()?;
                Op::MvExpand {
                    items,
                    bag_as_array,
                    itemindex,
                    limit,
                }
            }
            OpKind::MvApply {
                params,
                items,
                limit,
                sub,
            } => {
                let (items, bag_as_array, itemindex) = self.mv_items(params, items, ctx)?;
                let limit = limit
                    .as_ref()
                    .map(|l| self.scalar(l, ctx, &mut None))
                    .transpose()?;
                let sub = self.tabular(sub, ctx)?;
                Op::MvApply {
                    items,
                    bag_as_array,
                    itemindex,
                    limit,
                    sub,
                }
            }
            OpKind::Parse {
                params,
                where_only,
                source,
                parts,
            } => {
                let kind = match param(params, "kind") {
                    Some("regex") => ParseKind::Regex,
                    Some("relaxed") => ParseKind::Relaxed,
                    _ => ParseKind::Simple,
                };
                let flags = param(params, "flags").unwrap_or("").to_string();
                let steps = parts
                    .iter()
                    .map(|p| {
                        Ok(match p {
                            ParsePart::Literal(s) => ParseStep::Literal(s.clone()),
                            ParsePart::Star => ParseStep::Star,
                            ParsePart::Column(c) => ParseStep::Column(
                                c.name.text.clone(),
                                Type::from_name(&c.ty).ok_or_else(|| {
                                    EvalError::runtime(format!("unknown type `{}`", c.ty))
                                })?,
                            ),
                        })
                    })
                    .collect::<Result<_>>()?;
                Op::Parse {
                    source: self.scalar(source, ctx, &mut None)?,
                    steps,
                    kind,
                    flags,
                    where_only: *where_only,
                    range: op.range.clone(),
                }
            }
            OpKind::ParseKv { .. } => return Err(EvalError::unsupported("operator `parse-kv`")),
            OpKind::Evaluate(call) => Op::Evaluate(self.plugin(call, ctx)?),
            OpKind::MakeSeries {
                params,
                aggs,
                defaults,
                axis,
                range_exprs,
                range_kinds,
                by,
            } => {
                if param(params, "kind").is_some() {
                    return Err(EvalError::unsupported("`make-series kind=nonempty`"));
                }
                self.make_series(aggs, defaults, axis, range_exprs, range_kinds, by, op, ctx)?
            }
            OpKind::As(_) | OpKind::Render => Op::Nop,
            OpKind::Serialize(items) => Op::Serialize(self.items(items, ctx)?),
            OpKind::Getschema => Op::Getschema,
            OpKind::Partition { by, sub } => {
                let by = match &by.kind {
                    ExprKind::Name(n) => n.clone(),
                    _ => return Err(EvalError::runtime("`partition by` needs a column name")),
                };
                let sub = self.tabular(sub, ctx)?;
                if !reads_input(&sub) {
                    return Err(EvalError::unsupported(
                        "`partition` whose sub-query does not read its partition (the legacy `{ … }` form that uses the key as a scalar)",
                    ));
                }
                Op::Partition { by, sub }
            }
            OpKind::Union { .. } | OpKind::Invoke(_) | OpKind::Print(_) | OpKind::Range { .. } => {
                return Err(EvalError::runtime("this operator cannot follow `|` here"));
            }
            OpKind::Opaque(name) => {
                let name = if name.is_empty() { "(unknown)" } else { name };
                return Err(EvalError::unsupported(format!("operator `{name}`")));
            }
        })
    }

    #[allow(clippy::type_complexity)]
    fn mv_items(
        &self,
        params: &[OpParam],
        items: &[ast::MvItem],
        ctx: &Ctx,
    ) -> Result<(Vec<MvItem>, bool, Option<String>)> {
        let bag_as_array = param(params, "bagexpansion") == Some("array")
            || param(params, "kind") == Some("array");
        let itemindex = param(params, "with_itemindex").map(str::to_string);
        let mut auto = AutoNames::default();
        let mut out = Vec::new();
        for it in items {
            let expr = self.scalar(&it.expr, ctx, &mut None)?;
            let name = match &it.name {
                Some(n) => n.text.clone(),
                None => expr_name(&it.expr, ctx).unwrap_or_else(|| auto.next(&[])),
            };
            let to = match &it.to_type {
                Some(t) => Some(
                    Type::from_name(t)
                        .ok_or_else(|| EvalError::runtime(format!("unknown type `{t}`")))?,
                ),
                None => None,
            };
            out.push(MvItem { name, expr, to });
        }
        Ok((out, bag_as_array, itemindex))
    }

    fn join(
        &self,
        params: &[OpParam],
        right: &ast::Expr,
        cond: &JoinCondition,
        lookup: bool,
        op: &ast::Operator,
        ctx: &Ctx,
    ) -> Result<Op> {
        let kind = match (param(params, "kind"), lookup) {
            (None | Some("innerunique"), false) => JoinKind::InnerUnique,
            (None | Some("leftouter"), true) => JoinKind::LeftOuter,
            (Some("inner"), _) => JoinKind::Inner,
            (Some("leftouter"), false) => JoinKind::LeftOuter,
            (Some("rightouter"), false) => JoinKind::RightOuter,
            (Some("fullouter"), false) => JoinKind::FullOuter,
            (Some("leftanti" | "anti" | "leftantisemi"), false) => JoinKind::LeftAnti,
            (Some("rightanti" | "rightantisemi"), false) => JoinKind::RightAnti,
            (Some("leftsemi"), false) => JoinKind::LeftSemi,
            (Some("rightsemi"), false) => JoinKind::RightSemi,
            (Some(k), _) => {
                return Err(EvalError::runtime(format!(
                    "`{k}` is not a valid join kind"
                )));
            }
        };
        let right = self.tabular(right, ctx)?;
        let on = match cond {
            JoinCondition::On(exprs) => {
                let mut keys = Vec::new();
                for e in exprs {
                    join_keys(e, &mut keys)?;
                }
                JoinOn::Keys(keys)
            }
            JoinCondition::Where(pred) => {
                if lookup {
                    return Err(EvalError::runtime("`lookup` takes `on`, not `where`"));
                }
                JoinOn::Where(side_names(self.scalar(pred, ctx, &mut None)?))
            }
        };
        Ok(Op::Join {
            kind,
            right,
            on,
            lookup,
            range: op.range.clone(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn make_series(
        &self,
        aggs: &[ast::NamedExpr],
        defaults: &[Option<ast::Expr>],
        axis: &ast::Expr,
        range_exprs: &[ast::Expr],
        range_kinds: &[SeriesBound],
        by: &[ast::NamedExpr],
        op: &ast::Operator,
        ctx: &Ctx,
    ) -> Result<Op> {
        let by_items = self.items(by, ctx)?;
        let taken: Vec<String> = by_items.iter().flat_map(|i| i.names.clone()).collect();
        let mut auto = AutoNames::default();
        let agg_items = self.agg_items(aggs, ctx, &mut auto, &taken)?;
        let mut defs = Vec::new();
        for d in defaults {
            defs.push(match d {
                Some(e) => match self.scalar(e, ctx, &mut None)? {
                    Expr::Const(v) => Some(v),
                    _ => {
                        return Err(EvalError::runtime(
                            "a `make-series` default must be a constant",
                        )
                        .at(e.range.clone()));
                    }
                },
                None => None,
            });
        }
        let (mut from, mut to, mut step) = (None, None, None);
        for (e, k) in range_exprs.iter().zip(range_kinds) {
            match k {
                SeriesBound::From => from = Some(self.scalar(e, ctx, &mut None)?),
                SeriesBound::To => to = Some(self.scalar(e, ctx, &mut None)?),
                SeriesBound::Step => step = Some(self.scalar(e, ctx, &mut None)?),
                SeriesBound::InRange => {
                    let ExprKind::Call { name, args } = &e.kind else {
                        return Err(EvalError::runtime("`in` needs `range(start, stop, step)`"));
                    };
                    if name.text != "range" || args.len() != 3 {
                        return Err(EvalError::runtime("`in` needs `range(start, stop, step)`"));
                    }
                    from = Some(self.scalar(&args[0], ctx, &mut None)?);
                    to = Some(self.scalar(&args[1], ctx, &mut None)?);
                    step = Some(self.scalar(&args[2], ctx, &mut None)?);
                }
            }
        }
        let step = step.ok_or_else(|| EvalError::runtime("`make-series` needs `step`"))?;
        let axis_name = expr_name(axis, ctx).unwrap_or_else(|| "Column1".into());
        Ok(Op::MakeSeries {
            aggs: agg_items,
            defaults: defs,
            axis: self.scalar(axis, ctx, &mut None)?,
            axis_name,
            from,
            to,
            step,
            by: by_items,
            range: op.range.clone(),
        })
    }

    fn plugin(&self, call: &ast::Expr, ctx: &Ctx) -> Result<Plugin> {
        let ExprKind::Call { name, args } = &call.kind else {
            return Err(EvalError::runtime("`evaluate` needs a plugin call"));
        };
        let named = |n: &str| {
            args.iter().find_map(|a| match &a.kind {
                ExprKind::NamedArg { name, value } if name.text == n => Some(&**value),
                _ => None,
            })
        };
        let positional: Vec<&ast::Expr> = args
            .iter()
            .filter(|a| !matches!(a.kind, ExprKind::NamedArg { .. }))
            .collect();
        let constant =
            |e: &ast::Expr| -> Result<Value> {
                match self.scalar(e, ctx, &mut None)? {
                    Expr::Const(v) => Ok(v),
                    Expr::Name {
                        fallback: Some(f), ..
                    } if matches!(*f, Expr::Const(_)) => match *f {
                        Expr::Const(v) => Ok(v),
                        _ => unreachable!(),
                    },
                    _ => Err(EvalError::runtime("a plugin option must be a constant")
                        .at(e.range.clone())),
                }
            };
        match name.text.as_str() {
            "bag_unpack" => {
                let col = positional
                    .first()
                    .ok_or_else(|| EvalError::runtime("`bag_unpack` needs a column"))?;
                let prefix = match positional
                    .get(1)
                    .copied()
                    .or_else(|| named("OutputColumnPrefix"))
                {
                    Some(e) => Some(constant(e)?.to_kusto_string()),
                    None => None,
                };
                let conflict = match positional
                    .get(2)
                    .copied()
                    .or_else(|| named("columnsConflict"))
                {
                    Some(e) => constant(e)?.to_kusto_string(),
                    None => "error".into(),
                };
                let ignored = match positional
                    .get(3)
                    .copied()
                    .or_else(|| named("ignoredProperties"))
                {
                    Some(e) => match constant(e)? {
                        Value::Array(a) => a.iter().map(Value::to_kusto_string).collect(),
                        _ => Vec::new(),
                    },
                    None => Vec::new(),
                };
                Ok(Plugin::BagUnpack {
                    column: self.scalar(col, ctx, &mut None)?,
                    prefix,
                    conflict,
                    ignored,
                })
            }
            "pivot" => {
                let col = positional
                    .first()
                    .ok_or_else(|| EvalError::runtime("`pivot` needs a column"))?;
                let agg = match positional.get(1) {
                    Some(a) => {
                        let mut auto = AutoNames::default();
                        let items = self.agg_items(
                            &[ast::NamedExpr {
                                names: Vec::new(),
                                expr: (*a).clone(),
                            }],
                            ctx,
                            &mut auto,
                            &[],
                        )?;
                        items.into_iter().next()
                    }
                    None => None,
                };
                let by = positional
                    .iter()
                    .skip(2)
                    .map(|e| {
                        expr_name(e, ctx)
                            .ok_or_else(|| EvalError::runtime("`pivot` groups by column names"))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Plugin::Pivot {
                    column: self.scalar(col, ctx, &mut None)?,
                    agg,
                    by,
                })
            }
            "narrow" => Ok(Plugin::Narrow),
            "ipv4_lookup" | "ipv6_lookup" => {
                let v6 = name.text == "ipv6_lookup";
                if positional.len() < 3 {
                    return Err(EvalError::runtime(format!(
                        "`{}` needs a lookup table, a source column and a lookup column",
                        name.text
                    )));
                }
                let table = self.tabular(positional[0], ctx)?;
                let range = expr_name(positional[2], ctx)
                    .ok_or_else(|| EvalError::runtime("the lookup column must be a column name"))?;
                let mut unmatched = match named("return_unmatched") {
                    Some(e) => matches!(constant(e)?, Value::Bool(true)),
                    None => false,
                };
                let mut extra = Vec::new();
                for e in &positional[3..] {
                    if let ExprKind::Name(_) = &e.kind {
                        extra.push(expr_name(e, ctx).unwrap_or_default());
                    } else {
                        unmatched = matches!(constant(e)?, Value::Bool(true));
                    }
                }
                Ok(Plugin::IpLookup {
                    v6,
                    table: Box::new(table),
                    source: self.scalar(positional[1], ctx, &mut None)?,
                    range,
                    extra,
                    unmatched,
                })
            }
            "rows_near" => {
                let count = |i: usize| -> Result<Option<usize>> {
                    match positional.get(i) {
                        Some(e) => match constant(e)? {
                            Value::Long(n) if n >= 0 => Ok(Some(usize::try_from(n).unwrap_or(0))),
                            Value::Int(n) if n >= 0 => Ok(Some(usize::try_from(n).unwrap_or(0))),
                            _ => Err(EvalError::runtime(
                                "`rows_near` needs non-negative row counts",
                            )),
                        },
                        None => Ok(None),
                    }
                };
                let pred = positional
                    .first()
                    .ok_or_else(|| EvalError::runtime("`rows_near` needs a predicate"))?;
                let before =
                    count(1)?.ok_or_else(|| EvalError::runtime("`rows_near` needs a row count"))?;
                let after = count(2)?.unwrap_or(before);
                Ok(Plugin::RowsNear {
                    pred: self.scalar(pred, ctx, &mut None)?,
                    before,
                    after,
                })
            }
            "sliding_window_counts" => {
                if positional.len() < 6 {
                    return Err(EvalError::runtime(
                        "`sliding_window_counts` needs id, time, start, end, lookback and bin",
                    ));
                }
                let time = expr_name(positional[1], ctx)
                    .ok_or_else(|| EvalError::runtime("the time argument must be a column name"))?;
                let dims = positional[6..]
                    .iter()
                    .map(|e| {
                        expr_name(e, ctx)
                            .ok_or_else(|| EvalError::runtime("dimensions must be column names"))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Plugin::SlidingWindowCounts {
                    id: self.scalar(positional[0], ctx, &mut None)?,
                    time,
                    start: self.scalar(positional[2], ctx, &mut None)?,
                    end: self.scalar(positional[3], ctx, &mut None)?,
                    lookback: self.scalar(positional[4], ctx, &mut None)?,
                    bin: self.scalar(positional[5], ctx, &mut None)?,
                    dims,
                })
            }
            other => Err(EvalError::unsupported(format!("plugin `{other}`"))),
        }
    }
}

/// True when a plan reads the implicit input of its sub-query.
fn reads_input(p: &Plan) -> bool {
    match p {
        Plan::Input => true,
        Plan::Pipe(input, _) => reads_input(input),
        Plan::Union { inputs, .. } => inputs.iter().any(reads_input),
        _ => false,
    }
}

/// The name `withsource=` reports for a union input: a table name, or the name given by a trailing
/// `as` (the as-operator page).
fn source_name(e: &ast::Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Paren(inner) => source_name(inner),
        ExprKind::Pipe { op, .. } => match &op.kind {
            OpKind::As(n) => Some(n.text.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Rewrites `$left.x` / `$right.x` (member access on the side names) to the names `join … where`
/// binds against.
fn side_names(e: Expr) -> Expr {
    crate::exec::bind::map_expr(e, &mut |x| match x {
        Expr::Member(target, key) => match *target {
            Expr::Name {
                ref name,
                ref range,
                ..
            } if &**name == "$left" || &**name == "$right" => Expr::Name {
                name: std::sync::Arc::from(format!("{name}.{key}")),
                fallback: None,
                range: range.clone(),
            },
            t => Expr::Member(Box::new(t), key),
        },
        other => other,
    })
}

/// `a`, `$left.a == $right.b`, and `and` chains of those.
fn join_keys(e: &ast::Expr, out: &mut Vec<(Expr, Expr)>) -> Result<()> {
    let side = |x: &ast::Expr| -> Option<(bool, String)> {
        if let ExprKind::Member { target, name } = &x.kind
            && let ExprKind::Name(t) = &target.kind
        {
            return match t.as_str() {
                "$left" => Some((true, name.text.clone())),
                "$right" => Some((false, name.text.clone())),
                _ => None,
            };
        }
        None
    };
    let col = |n: &str, r: &std::ops::Range<usize>| Expr::Name {
        name: std::sync::Arc::from(n),
        fallback: None,
        range: r.clone(),
    };
    match &e.kind {
        ExprKind::Name(n) => out.push((col(n, &e.range), col(n, &e.range))),
        ExprKind::Paren(inner) => join_keys(inner, out)?,
        ExprKind::Binary { op, lhs, rhs } if op == "and" => {
            join_keys(lhs, out)?;
            join_keys(rhs, out)?;
        }
        ExprKind::Binary { op, lhs, rhs } if op == "==" => match (side(lhs), side(rhs)) {
            (Some((true, l)), Some((false, r))) => {
                out.push((col(&l, &lhs.range), col(&r, &rhs.range)));
            }
            (Some((false, r)), Some((true, l))) => {
                out.push((col(&l, &rhs.range), col(&r, &lhs.range)));
            }
            _ => {
                return Err(EvalError::runtime(
                    "a join key compares `$left.column` with `$right.column`",
                )
                .at(e.range.clone()));
            }
        },
        _ => {
            return Err(EvalError::runtime(
                "a join condition is a list of column names or `$left.a == $right.b`",
            )
            .at(e.range.clone()));
        }
    }
    Ok(())
}
