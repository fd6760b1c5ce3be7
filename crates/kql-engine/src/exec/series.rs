//! `make-series`: one row per group with an array per aggregation over evenly spaced bins of the axis.
//!
//! From the make-series page: bins start at `from` and step by `step`; `to` is exclusive; rows whose
//! axis value falls outside `[from, to)` are ignored; an empty bin takes the aggregation's `default`
//! (0 unless given); without `from`/`to` the range spans the data's axis values. Columns: the `by`
//! columns, one array per aggregation, then the axis array of bin starts.

use std::collections::HashMap;
use std::sync::Arc;

use super::Exec;
use super::bind::{infer_type, typed_column};
use super::summarize::BoundAgg;
use crate::aggregates::AggState;
use crate::compare::{KeyRow, sort_cmp};
use crate::compile::naming::unique;
use crate::error::{EvalError, Result};
use crate::eval::{Row, eval};
use crate::ir::{AggCall, AggItem, Expr, Item};
use crate::scalar_ops::{Arith, arith};
use crate::table::{Column, ColumnData, Table};
use crate::value::{Type, Value};

const MAX_BINS: usize = 1_000_000;

impl Exec<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn make_series(
        &self,
        t: &Table,
        items: &[AggItem],
        defaults: &[Option<Value>],
        axis: &Expr,
        axis_name: &str,
        from: Option<&Expr>,
        to: Option<&Expr>,
        step: &Expr,
        by: &[Item],
    ) -> Result<Table> {
        let cols_in = t.columns();
        let axis_e = self.bind(axis, cols_in)?;
        let by_bound: Vec<Expr> = by
            .iter()
            .map(|i| self.bind(&i.expr, cols_in))
            .collect::<Result<_>>()?;
        let calls: Vec<&AggCall> = items.iter().flat_map(|i| i.aggs.iter()).collect();
        let bound: Vec<BoundAgg> = self.bind_aggs(&calls, cols_in)?;
        let constant = |e: Option<&Expr>| -> Result<Option<Value>> {
            match e {
                None => Ok(None),
                Some(e) => match self.bind(e, cols_in)? {
                    Expr::Const(v) => Ok(Some(v)),
                    _ => Err(EvalError::runtime("`make-series` bounds must be constants")),
                },
            }
        };
        let step = constant(Some(step))?.unwrap_or(Value::Null);
        // axis values per row
        let axis_vals: Vec<Value> = self.column_of(t, &axis_e, None)?;
        let (from, to) = (constant(from)?, constant(to)?);
        let data_min = axis_vals
            .iter()
            .filter(|v| !v.is_null())
            .min_by(|a, b| sort_cmp(a, b))
            .cloned();
        let data_max = axis_vals
            .iter()
            .filter(|v| !v.is_null())
            .max_by(|a, b| sort_cmp(a, b))
            .cloned();
        let Some(start) = from.or_else(|| data_min.clone()) else {
            return Ok(self.empty_series(items, by, cols_in, axis_name, &by_bound));
        };
        let end = match to {
            Some(v) => v,
            None => match data_max {
                // the last bin must contain the maximum
                Some(m) => arith(Arith::Add, &m, &step)?,
                None => return Ok(self.empty_series(items, by, cols_in, axis_name, &by_bound)),
            },
        };
        let nbins = bin_count(&start, &end, &step)?;
        if nbins > MAX_BINS {
            return Err(EvalError::limit(
                "max_rows",
                format!("`make-series` would make more than {MAX_BINS} bins"),
            ));
        }
        let bins: Vec<Value> = (0..nbins)
            .map(|k| {
                #[allow(clippy::cast_possible_wrap)]
                let k = Value::Long(k as i64);
                arith(Arith::Add, &start, &arith(Arith::Mul, &step, &k)?)
            })
            .collect::<Result<_>>()?;

        // groups → per bin states
        let mut index: HashMap<KeyRow, usize> = HashMap::new();
        let mut keys: Vec<Vec<Value>> = Vec::new();
        let mut states: Vec<Vec<Option<Vec<AggState>>>> = Vec::new();
        self.budget()
            .spend(t.len() as u64 * (1 + bound.len() as u64))?;
        let mut args = Vec::new();
        for (row, av) in axis_vals.iter().enumerate() {
            let Some(b) = bin_of(av, &start, &step, nbins)? else {
                continue;
            };
            let r = Row::new(t, row);
            let key = KeyRow(
                by_bound
                    .iter()
                    .map(|e| eval(e, &r, &self.cx))
                    .collect::<Result<_>>()?,
            );
            let g = if let Some(g) = index.get(&key) {
                *g
            } else {
                keys.push(key.0.clone());
                states.push(vec![None; nbins]);
                index.insert(key, keys.len() - 1);
                keys.len() - 1
            };
            let cell = states[g][b].get_or_insert_with(|| {
                bound
                    .iter()
                    .map(|a| AggState::new(a.kind, a.arg_type))
                    .collect()
            });
            for (a, st) in bound.iter().zip(cell.iter_mut()) {
                args.clear();
                for e in &a.args {
                    args.push(eval(e, &r, &self.cx)?);
                }
                st.update(a.kind, &args)?;
            }
        }

        let n = keys.len();
        let mut names: Vec<String> = Vec::new();
        let mut cols: Vec<Column> = Vec::new();
        let mut data: Vec<Arc<ColumnData>> = Vec::new();
        for (i, (it, e)) in by.iter().zip(&by_bound).enumerate() {
            let (ty, v) = typed_column(
                keys.iter().map(|k| k[i].clone()).collect(),
                infer_type(e, cols_in),
            );
            let name = unique(&names, &it.names[0]);
            names.push(name.clone());
            cols.push(Column::new(name, ty));
            data.push(Arc::new(ColumnData::Plain(v)));
        }
        let mut slot = 0;
        for (ii, it) in items.iter().enumerate() {
            let first = slot;
            slot += it.aggs.len();
            let outer = match &it.outer {
                Some(o) => self.bind(o, &[])?,
                None => Expr::Agg(0),
            };
            let default = defaults
                .get(ii)
                .cloned()
                .flatten()
                .unwrap_or(Value::Long(0));
            let one = Table::from_columns(Vec::new(), Vec::new(), 1);
            let mut series_col = Vec::with_capacity(n);
            for group in &states {
                let mut series = Vec::with_capacity(nbins);
                for cell in group {
                    match cell {
                        None => series.push(default.clone()),
                        Some(sts) => {
                            let vals: Vec<Value> = sts[first..slot]
                                .iter()
                                .zip(&bound[first..slot])
                                .map(|(s, b)| {
                                    s.clone()
                                        .finish(b.kind, b.args.len())
                                        .into_iter()
                                        .next()
                                        .unwrap_or(Value::Null)
                                })
                                .collect();
                            let r = Row {
                                table: &one,
                                index: 0,
                                aggs: &vals,
                                window: None,
                            };
                            let v = eval(&outer, &r, &self.cx)?;
                            series.push(if v.is_null() { default.clone() } else { v });
                        }
                    }
                }
                series_col.push(Value::array(series));
            }
            let name = unique(
                &names,
                &it.names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| it.auto_name.clone()),
            );
            names.push(name.clone());
            cols.push(Column::new(name, Type::Dynamic));
            data.push(Arc::new(ColumnData::Plain(series_col)));
        }
        let axis_col = vec![Value::array(bins); n];
        let name = unique(&names, axis_name);
        cols.push(Column::new(name, Type::Dynamic));
        data.push(Arc::new(ColumnData::Plain(axis_col)));
        Ok(Table::from_columns(cols, data, n))
    }

    fn empty_series(
        &self,
        items: &[AggItem],
        by: &[Item],
        cols_in: &[Column],
        axis_name: &str,
        by_bound: &[Expr],
    ) -> Table {
        let mut cols = Vec::new();
        for (it, e) in by.iter().zip(by_bound) {
            cols.push(Column::new(
                it.names[0].clone(),
                infer_type(e, cols_in).unwrap_or(Type::String),
            ));
        }
        for it in items {
            cols.push(Column::new(
                it.names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| it.auto_name.clone()),
                Type::Dynamic,
            ));
        }
        cols.push(Column::new(axis_name, Type::Dynamic));
        let data = cols
            .iter()
            .map(|_| Arc::new(ColumnData::Plain(Vec::new())))
            .collect();
        Table::from_columns(cols, data, 0)
    }
}

/// Number of bins in `[start, end)`.
fn bin_count(start: &Value, end: &Value, step: &Value) -> Result<usize> {
    let span = arith(Arith::Sub, end, start)?;
    let ratio = match (&span, step) {
        (Value::TimeSpan(a), Value::TimeSpan(b)) if b.0 > 0 => {
            #[allow(clippy::cast_precision_loss)]
            let r = a.0 as f64 / b.0 as f64;
            r
        }
        _ => match (span.as_f64(), step.as_f64()) {
            (Some(a), Some(b)) if b > 0.0 => a / b,
            _ => {
                return Err(EvalError::runtime(
                    "`make-series` needs a positive `step` of the axis's kind",
                ));
            }
        },
    };
    if !ratio.is_finite() || ratio <= 0.0 {
        return Ok(0);
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(ratio.ceil() as usize)
}

/// The bin of `v`, when inside the range.
fn bin_of(v: &Value, start: &Value, step: &Value, nbins: usize) -> Result<Option<usize>> {
    if v.is_null() {
        return Ok(None);
    }
    let off = arith(Arith::Sub, v, start)?;
    let k = match (&off, step) {
        (Value::TimeSpan(a), Value::TimeSpan(b)) if b.0 > 0 => {
            if a.0 < 0 {
                return Ok(None);
            }
            a.0 / b.0
        }
        _ => match (off.as_f64(), step.as_f64()) {
            (Some(a), Some(b)) if b > 0.0 && a >= 0.0 => {
                #[allow(clippy::cast_possible_truncation)]
                let k = (a / b).floor() as i64;
                k
            }
            _ => return Ok(None),
        },
    };
    Ok(usize::try_from(k).ok().filter(|k| *k < nbins))
}
