//! `summarize`: grouping rows by the `by` values and folding each aggregate over each group.
//!
//! Output columns are the `by` columns, then each aggregation item (its expression over the
//! aggregates' results, or the several columns of `arg_max`/`arg_min`/`take_any`/`percentiles`).
//! Groups appear in order of their first row. Without `by`, an empty input still gives one row of
//! empty aggregates (the summarize page's examples). `arg_max(x, *)` returns every other input column
//! except the `by` columns and `x` itself. Duplicate names get `1`, `2`… suffixes (`set_y`, `set_y1`).

use std::sync::Arc;

use smallvec::SmallVec;

use super::Exec;
use super::bind::{infer_type, typed_column};
use super::memo::{FxMap, codes_of};
use crate::aggregates::{AggKind, AggState};
use crate::compare::KeyRow;
use crate::compile::naming::unique;
use crate::error::{EvalError, Result};
use crate::eval::{Row, eval};
use crate::ir::{AggCall, AggItem, Expr, Item};
use crate::table::{Column, ColumnData, Table};
use crate::value::{Type, Value};

/// One aggregate call, bound: its kind, bound arguments, static argument type.
pub(super) struct BoundAgg {
    pub(super) kind: AggKind,
    pub(super) args: Vec<Expr>,
    pub(super) arg_type: Option<Type>,
}

/// Groups of rows with their aggregate states.
pub(super) struct Groups {
    /// By-key values of each group, in first-appearance order.
    pub(super) keys: Vec<Vec<Value>>,
    /// Per group, one state per bound aggregate.
    pub(super) states: Vec<Vec<AggState>>,
}

impl Exec<'_> {
    /// Binds aggregate calls, expanding `*` into the input's columns.
    pub(super) fn bind_aggs(&self, calls: &[&AggCall], cols: &[Column]) -> Result<Vec<BoundAgg>> {
        calls
            .iter()
            .map(|c| {
                let mut args = c
                    .args
                    .iter()
                    .map(|a| self.bind(a, cols))
                    .collect::<Result<Vec<_>>>()?;
                if c.star {
                    args.extend((0..cols.len()).map(Expr::Col));
                }
                let arg_type = args.first().and_then(|a| infer_type(a, cols));
                Ok(BoundAgg {
                    kind: c.f.kind,
                    args,
                    arg_type,
                })
            })
            .collect()
    }

    /// Groups `t` by `by` (bound) and folds `aggs` over every group.
    pub(super) fn group(
        &self,
        t: &Table,
        by: &[Expr],
        aggs: &[BoundAgg],
        always_one_group: bool,
    ) -> Result<Groups> {
        let mut index: FxMap<KeyRow, usize> = FxMap::default();
        // grouping by dictionary columns: code tuple → group, looked up by value on first sight
        // (different codes may hold equal values, so codes alone do not make the groups)
        let coded: Option<SmallVec<[&[u32]; 4]>> = by
            .iter()
            .map(|e| match e {
                Expr::Col(i) if matches!(&*t.data()[*i], ColumnData::Dict { .. }) => {
                    Some(codes_of(t, *i))
                }
                _ => None,
            })
            .collect();
        let coded = coded.filter(|c| !c.is_empty());
        let mut by_codes: FxMap<SmallVec<[u32; 4]>, usize> = FxMap::default();
        let mut groups = Groups {
            keys: Vec::new(),
            states: Vec::new(),
        };
        let fresh = || {
            aggs.iter()
                .map(|a| AggState::new(a.kind, a.arg_type))
                .collect::<Vec<_>>()
        };
        if always_one_group && by.is_empty() {
            groups.keys.push(Vec::new());
            groups.states.push(fresh());
        }
        self.budget()
            .spend(t.len() as u64 * (1 + aggs.len() as u64))?;
        let mut args_buf: Vec<Value> = Vec::new();
        for row in 0..t.len() {
            let r = Row::new(t, row);
            let g = if by.is_empty() {
                if groups.keys.is_empty() {
                    groups.keys.push(Vec::new());
                    groups.states.push(fresh());
                }
                0
            } else {
                let codes: Option<SmallVec<[u32; 4]>> = coded.as_ref().map(|c| {
                    c.iter()
                        .map(|s| s.get(row).copied().unwrap_or(u32::MAX))
                        .collect()
                });
                if let Some(g) = codes.as_ref().and_then(|k| by_codes.get(k)) {
                    *g
                } else {
                    let key = KeyRow(
                        by.iter()
                            .map(|e| eval(e, &r, &self.cx))
                            .collect::<Result<_>>()?,
                    );
                    let g = self.group_of(key, &mut index, &mut groups, &fresh)?;
                    if let Some(k) = codes {
                        by_codes.insert(k, g);
                    }
                    g
                }
            };
            for (a, st) in aggs.iter().zip(groups.states[g].iter_mut()) {
                args_buf.clear();
                for e in &a.args {
                    args_buf.push(eval(e, &r, &self.cx)?);
                }
                st.update(a.kind, &args_buf)?;
            }
        }
        Ok(groups)
    }

    /// The group of `key`, created when new.
    fn group_of(
        &self,
        key: KeyRow,
        index: &mut FxMap<KeyRow, usize>,
        groups: &mut Groups,
        fresh: &impl Fn() -> Vec<AggState>,
    ) -> Result<usize> {
        Ok(if let Some(g) = index.get(&key) {
            *g
        } else {
            let g = groups.keys.len();
            groups.keys.push(key.0.clone());
            groups.states.push(fresh());
            index.insert(key, g);
            if g >= self.budget().max_rows {
                self.budget().check_rows(g + 1)?;
            }
            g
        })
    }

    pub(super) fn summarize(&self, t: Table, items: &[AggItem], by: &[Item]) -> Result<Table> {
        let cols_in = t.columns();
        let by_bound: Vec<Expr> = by
            .iter()
            .map(|i| self.bind(&i.expr, cols_in))
            .collect::<Result<_>>()?;
        let calls: Vec<&AggCall> = items.iter().flat_map(|i| i.aggs.iter()).collect();
        let bound = self.bind_aggs(&calls, cols_in)?;
        let groups = self.group(&t, &by_bound, &bound, true)?;
        let n = groups.keys.len();

        let mut names: Vec<String> = Vec::new();
        let mut out_cols: Vec<Column> = Vec::new();
        let mut out_data: Vec<Arc<ColumnData>> = Vec::new();
        let mut push =
            |names: &mut Vec<String>, name: &str, values: Vec<Value>, ty: Option<Type>| {
                let name = unique(names, name);
                names.push(name.clone());
                let (ty, values) = typed_column(values, ty);
                out_cols.push(Column::new(name, ty));
                out_data.push(Arc::new(ColumnData::Plain(values)));
            };
        for (i, (it, e)) in by.iter().zip(&by_bound).enumerate() {
            let values: Vec<Value> = groups.keys.iter().map(|k| k[i].clone()).collect();
            push(&mut names, &it.names[0], values, infer_type(e, cols_in));
        }
        let by_names: Vec<String> = by.iter().flat_map(|i| i.names.clone()).collect();

        // finish every state once
        let mut finished: Vec<Vec<Vec<Value>>> = Vec::with_capacity(n);
        for states in groups.states {
            let mut per = Vec::with_capacity(states.len());
            for (st, b) in states.into_iter().zip(&bound) {
                per.push(st.finish(b.kind, b.args.len()));
            }
            finished.push(per);
        }

        let mut slot = 0;
        for it in items {
            let first = slot;
            slot += it.aggs.len();
            if let Some(outer) = &it.outer {
                let e = self.bind(outer, &[])?;
                let mut values = Vec::with_capacity(n);
                let one = Table::from_columns(Vec::new(), Vec::new(), 1);
                for per in &finished {
                    let agg_vals: Vec<Value> = (first..slot)
                        .map(|s| per[s].first().cloned().unwrap_or(Value::Null))
                        .collect();
                    let r = Row {
                        table: &one,
                        index: 0,
                        aggs: &agg_vals,
                        window: None,
                    };
                    values.push(eval(&e, &r, &self.cx)?);
                }
                let ty = match (&e, it.aggs.first()) {
                    (Expr::Agg(0), Some(c)) => result_type(c.f.kind, bound[first].arg_type),
                    _ => None,
                };
                let name = it
                    .names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| it.auto_name.clone());
                push(&mut names, &name, values, ty);
            } else {
                let call = &it.aggs[0];
                let b = &bound[first];
                let outputs = multi_names(it, call, b, cols_in, &by_names)?;
                for (k, (name, take)) in outputs.iter().enumerate() {
                    let values: Vec<Value> = finished
                        .iter()
                        .map(|per| per[first].get(*take).cloned().unwrap_or(Value::Null))
                        .collect();
                    let ty = if k == 0
                        || matches!(b.kind, AggKind::Percentiles | AggKind::PercentilesW)
                    {
                        b.args.first().and_then(|a| infer_type(a, cols_in))
                    } else {
                        b.args.get(*take).and_then(|a| infer_type(a, cols_in))
                    };
                    let ty = if matches!(b.kind, AggKind::TakeAny) {
                        b.args.get(*take).and_then(|a| infer_type(a, cols_in))
                    } else {
                        ty
                    };
                    push(&mut names, name, values, ty);
                }
            }
        }
        Ok(Table::from_columns(out_cols, out_data, n))
    }
}

/// The static result type of a single aggregate.
pub(super) fn result_type(kind: AggKind, arg: Option<Type>) -> Option<Type> {
    use AggKind as K;
    Some(match kind {
        K::Count | K::CountIf | K::DCount | K::DCountIf => Type::Long,
        K::Avg
        | K::AvgIf
        | K::Stdev
        | K::StdevIf
        | K::StdevP
        | K::StdevPIf
        | K::Variance
        | K::VarianceIf
        | K::VarianceP
        | K::VariancePIf => Type::Real,
        K::Covariance | K::CovarianceIf | K::CovarianceP | K::CovariancePIf => Type::Real,
        K::Sum | K::SumIf => match arg {
            Some(Type::Int | Type::Long) | None => Type::Long,
            Some(t) => t,
        },
        K::MakeList
        | K::MakeListIf
        | K::MakeListWithNulls
        | K::MakeSet
        | K::MakeSetIf
        | K::MakeBag
        | K::MakeBagIf
        | K::PercentilesArray
        | K::PercentilesWArray => Type::Dynamic,
        K::BinaryAllAnd | K::BinaryAllOr | K::BinaryAllXor => Type::Long,
        K::Min
        | K::Max
        | K::MinIf
        | K::MaxIf
        | K::ArgMax
        | K::ArgMin
        | K::TakeAny
        | K::TakeAnyIf
        | K::Percentile
        | K::Percentiles
        | K::PercentileW
        | K::PercentilesW => return arg,
    })
}

/// Output (name, index into the aggregate's values) pairs of a multi-column aggregate item.
fn multi_names(
    it: &AggItem,
    call: &AggCall,
    b: &BoundAgg,
    cols: &[Column],
    by: &[String],
) -> Result<Vec<(String, usize)>> {
    let explicit = |k: usize| it.names.get(k).cloned();
    match b.kind {
        AggKind::Percentiles | AggKind::PercentilesW => {
            let first = if b.kind == AggKind::PercentilesW {
                2
            } else {
                1
            };
            let base = call
                .arg_names
                .first()
                .cloned()
                .flatten()
                .unwrap_or_default();
            let mut out = Vec::new();
            for (k, p) in b.args.iter().skip(first).enumerate() {
                let label = match p {
                    Expr::Const(v) => v.to_kusto_string().replace('.', "_"),
                    _ => k.to_string(),
                };
                out.push((
                    explicit(k).unwrap_or_else(|| format!("percentile_{base}_{label}")),
                    k,
                ));
            }
            Ok(out)
        }
        AggKind::ArgMax | AggKind::ArgMin | AggKind::TakeAny => {
            let is_arg = matches!(b.kind, AggKind::ArgMax | AggKind::ArgMin);
            let mut out = Vec::new();
            let mut used: Vec<String> = by.to_vec();
            let key_name = explicit(0).unwrap_or_else(|| {
                call.arg_names
                    .first()
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| it.auto_name.clone())
            });
            if is_arg {
                used.push(
                    call.arg_names
                        .first()
                        .cloned()
                        .flatten()
                        .unwrap_or_default(),
                );
                out.push((key_name, 0));
            }
            let explicit_args = call.args.len();
            let start = usize::from(is_arg);
            for k in start..b.args.len() {
                let name = if k < explicit_args {
                    explicit(k)
                        .or_else(|| call.arg_names.get(k).cloned().flatten())
                        .unwrap_or_else(|| format!("{}{k}", it.auto_name))
                } else {
                    // a `*` column
                    let Expr::Col(c) = b.args[k] else { continue };
                    let n = cols[c].name.clone();
                    if used.contains(&n) {
                        continue;
                    }
                    n
                };
                if !is_arg && k == 0 && explicit(0).is_some() {
                    out.push((explicit(0).unwrap_or_default(), 0));
                    continue;
                }
                out.push((name, k));
            }
            if out.is_empty() {
                return Err(EvalError::runtime(
                    "`take_any(*)` over a table with no columns",
                ));
            }
            Ok(out)
        }
        _ => Ok(vec![(
            explicit(0).unwrap_or_else(|| it.auto_name.clone()),
            0,
        )]),
    }
}
