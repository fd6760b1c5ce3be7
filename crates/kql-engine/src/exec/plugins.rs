//! `evaluate` plugins: `bag_unpack`, `pivot`, `narrow`. Any other plugin is rejected when the query is
//! compiled, as unsupported.
//!
//! `bag_unpack(col [, prefix] [, columnsConflict] [, ignoredProperties])` replaces a bag column by one
//! `dynamic` column per key found in any row, named `prefix + key` and ordered by name (as the
//! http-request-plugin page's output shows); a key clashing with an existing column is an error unless
//! `columnsConflict` is `replace_source` or `keep_source`. `pivot(col [, agg] [, by…])` turns the
//! distinct values of `col` into columns (ordered by name) holding `agg` (default `count()`) per group
//! of the `by` columns (default: all other columns).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::Exec;
use super::bind::typed_column;
use crate::aggregates::AggState;
use crate::compare::KeyRow;
use crate::error::{EvalError, Result};
use crate::eval::{Row, eval};
use crate::ir::{AggCall, AggItem, Expr};
use crate::table::{Column, ColumnData, Table};
use crate::value::{Type, Value};

/// A compiled plugin call.
#[derive(Debug, Clone)]
pub(crate) enum Plugin {
    BagUnpack {
        column: Expr,
        prefix: Option<String>,
        conflict: String,
        ignored: Vec<String>,
    },
    Pivot {
        column: Expr,
        agg: Option<AggItem>,
        by: Vec<String>,
    },
    Narrow,
    /// `ipv4_lookup` / `ipv6_lookup(LookupTable, SourceIp, LookupRange [, return_unmatched] [, extra…])`.
    IpLookup {
        v6: bool,
        table: Box<crate::ir::Plan>,
        source: Expr,
        range: String,
        extra: Vec<String>,
        unmatched: bool,
    },
    /// `rows_near(predicate, before [, after])`.
    RowsNear {
        pred: Expr,
        before: usize,
        after: usize,
    },
    /// `sliding_window_counts(Id, Time, Start, End, Lookback, Bin [, dims…])`.
    SlidingWindowCounts {
        id: Expr,
        time: String,
        start: Expr,
        end: Expr,
        lookback: Expr,
        bin: Expr,
        dims: Vec<String>,
    },
}

impl Exec<'_> {
    pub(super) fn plugin(&self, t: Table, p: &Plugin) -> Result<Table> {
        match p {
            Plugin::BagUnpack {
                column,
                prefix,
                conflict,
                ignored,
            } => self.bag_unpack(&t, column, prefix.as_deref(), conflict, ignored),
            Plugin::Pivot { column, agg, by } => self.pivot(&t, column, agg.as_ref(), by),
            Plugin::Narrow => Ok(narrow(&t)),
            Plugin::IpLookup {
                v6,
                table,
                source,
                range,
                extra,
                unmatched,
            } => {
                let lookup = self.run(table)?;
                self.ip_lookup(&t, &lookup, *v6, source, range, extra, *unmatched)
            }
            Plugin::RowsNear {
                pred,
                before,
                after,
            } => {
                let e = self.bind(pred, t.columns())?;
                let hits = self.column_of(&t, &e, None)?;
                let mut keep = vec![false; t.len()];
                for (i, v) in hits.iter().enumerate() {
                    if matches!(v, Value::Bool(true)) {
                        let lo = i.saturating_sub(*before);
                        let hi = (i + after).min(t.len().saturating_sub(1));
                        for k in &mut keep[lo..=hi] {
                            *k = true;
                        }
                    }
                }
                let rows: Vec<usize> = (0..t.len()).filter(|&i| keep[i]).collect();
                Ok(t.gather(&rows))
            }
            Plugin::SlidingWindowCounts {
                id,
                time,
                start,
                end,
                lookback,
                bin,
                dims,
            } => {
                let empty = Table::new(Vec::new());
                let scalar = |e: &Expr| -> Result<Value> {
                    let b = self.bind(e, &[])?;
                    eval(&b, &Row::new(&empty, 0), &self.cx)
                };
                let (s, e, l, b) = (
                    scalar(start)?,
                    scalar(end)?,
                    scalar(lookback)?,
                    scalar(bin)?,
                );
                self.sliding_window_counts(&t, id, time, &s, &e, &l, &b, dims)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn ip_lookup(
        &self,
        t: &Table,
        lookup: &Table,
        v6: bool,
        source: &Expr,
        range: &str,
        extra: &[String],
        unmatched: bool,
    ) -> Result<Table> {
        let missing = |n: &str, side: &str| {
            EvalError::runtime(format!(
                "`ipv{}_lookup`: the {side} table has no column `{n}`",
                if v6 { 6 } else { 4 }
            ))
        };
        let ri = lookup
            .column_index(range)
            .ok_or_else(|| missing(range, "lookup"))?;
        let mut pairs = Vec::new();
        for n in extra {
            let a = t.column_index(n).ok_or_else(|| missing(n, "source"))?;
            let b = lookup.column_index(n).ok_or_else(|| missing(n, "lookup"))?;
            pairs.push((a, b));
        }
        let parse = |v: &Value| -> Option<(u128, u8)> {
            let text = crate::functions::s(v);
            if v6 {
                crate::functions::ip::v6(&text)
            } else {
                crate::functions::ip::parse4(&text).map(|(a, m)| (u128::from(a), m + 96))
            }
        };
        // networks sorted by prefix length, longest first: the first match is the most specific
        let mut nets: Vec<(u128, u8, usize)> = (0..lookup.len())
            .filter_map(|r| {
                parse(lookup.data()[ri].get(r)).map(|(a, m)| {
                    let mask = if m == 0 {
                        0
                    } else {
                        u128::MAX << (128 - u32::from(m.min(128)))
                    };
                    (a & mask, m, r)
                })
            })
            .collect();
        nets.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        let se = self.bind(source, t.columns())?;
        let ips = self.column_of(t, &se, None)?;
        self.budget().spend((t.len() * nets.len().max(1)) as u64)?;
        let mut left = Vec::new();
        let mut right = Vec::new();
        for (row, ip) in ips.iter().enumerate() {
            let hit = parse(ip).and_then(|(a, _)| {
                nets.iter().find(|&&(net, m, r)| {
                    let mask = if m == 0 {
                        0
                    } else {
                        u128::MAX << (128 - u32::from(m.min(128)))
                    };
                    a & mask == net
                        && pairs.iter().all(|&(x, y)| {
                            crate::compare::eq(t.data()[x].get(row), lookup.data()[y].get(r))
                                == Some(true)
                        })
                })
            });
            match hit {
                Some(&(_, _, r)) => {
                    left.push(row);
                    right.push(Some(r));
                }
                None if unmatched => {
                    left.push(row);
                    right.push(None);
                }
                None => {}
            }
        }
        let skip: Vec<usize> = pairs.iter().map(|p| p.1).collect();
        let mut src_cols = Vec::new();
        let mut src_data = Vec::new();
        for (c, d) in t.columns().iter().zip(t.data()) {
            src_cols.push(c.clone());
            src_data.push(Arc::new(d.gather(&left)));
        }
        let mut lk_cols = Vec::new();
        let mut lk_data = Vec::new();
        for (i, (c, d)) in lookup.columns().iter().zip(lookup.data()).enumerate() {
            if skip.contains(&i) {
                continue;
            }
            let mut c = c.clone();
            if src_cols.iter().any(|s: &Column| s.name == c.name) {
                c.name = format!("{}1", c.name);
            }
            lk_cols.push(c);
            lk_data.push(Arc::new(d.gather_opt(&right)));
        }
        let (cols, data) = if v6 {
            ([lk_cols, src_cols].concat(), [lk_data, src_data].concat())
        } else {
            ([src_cols, lk_cols].concat(), [src_data, lk_data].concat())
        };
        Ok(Table::from_columns(cols, data, left.len()))
    }

    #[allow(clippy::too_many_arguments)]
    fn sliding_window_counts(
        &self,
        t: &Table,
        id: &Expr,
        time: &str,
        start: &Value,
        end: &Value,
        lookback: &Value,
        bin: &Value,
        dims: &[String],
    ) -> Result<Table> {
        let bad = || {
            EvalError::runtime(
                "`sliding_window_counts` needs datetime start and end and timespan lookback and bin",
            )
        };
        let (
            Value::DateTime(start),
            Value::DateTime(end),
            Value::TimeSpan(lookback),
            Value::TimeSpan(bin),
        ) = (start, end, lookback, bin)
        else {
            return Err(bad());
        };
        if bin.0 <= 0 || end < start {
            return Err(bad());
        }
        let ti = t.column_index(time).ok_or_else(|| {
            EvalError::runtime(format!("`sliding_window_counts`: no column `{time}`"))
        })?;
        let mut di = Vec::new();
        for d in dims {
            di.push(t.column_index(d).ok_or_else(|| {
                EvalError::runtime(format!("`sliding_window_counts`: no column `{d}`"))
            })?);
        }
        let ie = self.bind(id, t.columns())?;
        let ids = self.column_of(t, &ie, None)?;
        let s0 = start.unix_ticks();
        let nbins = usize::try_from((end.unix_ticks() - s0) / bin.0 + 1).map_err(|_| bad())?;
        if nbins > self.opts.limits.max_rows {
            return Err(EvalError::limit(
                "max_rows",
                "`sliding_window_counts` makes too many bins",
            ));
        }
        // per dims group: per bin, ids seen
        let mut groups: Vec<(KeyRow, Vec<Vec<Value>>)> = Vec::new();
        let mut index: HashMap<KeyRow, usize> = HashMap::new();
        for (row, idv) in ids.iter().enumerate() {
            let Value::DateTime(ts) = t.data()[ti].get(row) else {
                continue;
            };
            let off = ts.unix_ticks() - s0;
            if off < 0 {
                continue;
            }
            let b = usize::try_from(off / bin.0).unwrap_or(usize::MAX);
            if b >= nbins {
                continue;
            }
            let key = KeyRow(di.iter().map(|&c| t.data()[c].get(row).clone()).collect());
            let g = *index.entry(key.clone()).or_insert_with(|| {
                groups.push((key, vec![Vec::new(); nbins]));
                groups.len() - 1
            });
            groups[g].1[b].push(idv.clone());
        }
        if groups.is_empty() && di.is_empty() {
            groups.push((KeyRow(Vec::new()), vec![Vec::new(); nbins]));
        }
        let span = usize::try_from((lookback.0 + bin.0 - 1) / bin.0)
            .unwrap_or(1)
            .max(1);
        let mut rows = Vec::new();
        for (key, bins) in &groups {
            for b in 0..nbins {
                let lo = (b + 1).saturating_sub(span);
                let mut count = 0i64;
                let mut distinct = std::collections::HashSet::new();
                for ids in &bins[lo..=b] {
                    count += ids.len() as i64;
                    for v in ids {
                        distinct.insert(crate::compare::Key(v.clone()));
                    }
                }
                let mut row = vec![
                    crate::datetime::DateTime::from_unix_ticks(s0 + b as i64 * bin.0)
                        .map_or(Value::Null, Value::DateTime),
                ];
                row.extend(key.0.iter().cloned());
                row.push(Value::Long(count));
                row.push(Value::Long(distinct.len() as i64));
                rows.push(row);
            }
        }
        let mut cols = vec![Column::new(time, Type::DateTime)];
        for (d, &c) in dims.iter().zip(&di) {
            cols.push(Column::new(d.clone(), t.columns()[c].ty));
        }
        cols.push(Column::new("Count", Type::Long));
        cols.push(Column::new("dcount", Type::Long));
        Ok(Table::from_rows(cols, rows))
    }

    fn bag_unpack(
        &self,
        t: &Table,
        column: &Expr,
        prefix: Option<&str>,
        conflict: &str,
        ignored: &[String],
    ) -> Result<Table> {
        let e = self.bind(column, t.columns())?;
        let bags = self.column_of(t, &e, None)?;
        let mut keys: BTreeSet<String> = BTreeSet::new();
        for b in &bags {
            if let Value::Bag(b) = b {
                for (k, _) in b.iter() {
                    if !ignored.iter().any(|i| i == k) {
                        keys.insert(k.to_string());
                    }
                }
            }
        }
        let drop = if let Expr::Col(i) = e { Some(i) } else { None };
        let mut cols: Vec<Column> = Vec::new();
        let mut data: Vec<Arc<ColumnData>> = Vec::new();
        for (i, (c, d)) in t.columns().iter().zip(t.data()).enumerate() {
            if Some(i) != drop {
                cols.push(c.clone());
                data.push(d.clone());
            }
        }
        for k in keys {
            let name = format!("{}{k}", prefix.unwrap_or(""));
            let values: Vec<Value> = bags
                .iter()
                .map(|b| match b {
                    Value::Bag(b) => b.get(&k).cloned().unwrap_or(Value::Null),
                    _ => Value::Null,
                })
                .collect();
            if let Some(i) = cols.iter().position(|c| c.name == name) {
                match conflict {
                    "replace_source" => {
                        cols[i].ty = Type::Dynamic;
                        data[i] = Arc::new(ColumnData::Plain(values));
                    }
                    "keep_source" => {}
                    _ => {
                        return Err(EvalError::runtime(format!("`bag_unpack`: the key `{k}` clashes with the column `{name}`"))
                            .with_hint("pass a prefix, or `columnsConflict='replace_source'` / `'keep_source'`"));
                    }
                }
                continue;
            }
            cols.push(Column::new(name, Type::Dynamic));
            data.push(Arc::new(ColumnData::Plain(values)));
        }
        Ok(Table::from_columns(cols, data, t.len()))
    }

    fn pivot(
        &self,
        t: &Table,
        column: &Expr,
        agg: Option<&AggItem>,
        by: &[String],
    ) -> Result<Table> {
        let pe = self.bind(column, t.columns())?;
        let pivot_col = if let Expr::Col(i) = pe { Some(i) } else { None };
        let agg_call: Option<&AggCall> = agg.and_then(|a| a.aggs.first());
        let bound = match agg_call {
            Some(c) => self.bind_aggs(&[c], t.columns())?.pop(),
            None => None,
        };
        let agg_cols: Vec<usize> = bound
            .iter()
            .flat_map(|b| b.args.iter())
            .filter_map(|a| if let Expr::Col(i) = a { Some(*i) } else { None })
            .collect();
        let by_idx: Vec<usize> = if by.is_empty() {
            (0..t.columns().len())
                .filter(|i| Some(*i) != pivot_col && !agg_cols.contains(i))
                .collect()
        } else {
            by.iter()
                .map(|n| {
                    t.column_index(n)
                        .ok_or_else(|| EvalError::runtime(format!("`pivot`: no column `{n}`")))
                })
                .collect::<Result<_>>()?
        };
        let kind = bound
            .as_ref()
            .map_or(crate::aggregates::AggKind::Count, |b| b.kind);
        let arg_type = bound.as_ref().and_then(|b| b.arg_type);
        let mut index: HashMap<KeyRow, usize> = HashMap::new();
        let mut groups: Vec<(Vec<Value>, HashMap<String, AggState>)> = Vec::new();
        let mut values: BTreeSet<String> = BTreeSet::new();
        for row in 0..t.len() {
            let r = Row::new(t, row);
            let key = KeyRow(
                by_idx
                    .iter()
                    .map(|&i| t.data()[i].get(row).clone())
                    .collect(),
            );
            let g = *index.entry(key.clone()).or_insert_with(|| {
                groups.push((key.0.clone(), HashMap::new()));
                groups.len() - 1
            });
            let pv = eval(&pe, &r, &self.cx)?.to_kusto_string();
            values.insert(pv.clone());
            let args: Vec<Value> = match &bound {
                Some(b) => b
                    .args
                    .iter()
                    .map(|a| eval(a, &r, &self.cx))
                    .collect::<Result<_>>()?,
                None => Vec::new(),
            };
            groups[g]
                .1
                .entry(pv)
                .or_insert_with(|| AggState::new(kind, arg_type))
                .update(kind, &args)?;
        }
        let mut cols: Vec<Column> = Vec::new();
        let mut data: Vec<Arc<ColumnData>> = Vec::new();
        for (k, &i) in by_idx.iter().enumerate() {
            cols.push(t.columns()[i].clone());
            data.push(Arc::new(ColumnData::Plain(
                groups.iter().map(|g| g.0[k].clone()).collect(),
            )));
        }
        let nargs = bound.as_ref().map_or(0, |b| b.args.len());
        for v in values {
            let vals: Vec<Value> = groups
                .iter()
                .map(|g| match g.1.get(&v) {
                    Some(st) => st
                        .clone()
                        .finish(kind, nargs)
                        .into_iter()
                        .next()
                        .unwrap_or(Value::Null),
                    None => AggState::new(kind, arg_type)
                        .finish(kind, nargs)
                        .into_iter()
                        .next()
                        .unwrap_or(Value::Null),
                })
                .collect();
            let (ty, vals) = typed_column(vals, super::summarize::result_type(kind, arg_type));
            cols.push(Column::new(v, ty));
            data.push(Arc::new(ColumnData::Plain(vals)));
        }
        Ok(Table::from_columns(cols, data, groups.len()))
    }
}

/// `narrow()`: one row per cell: Row (its index), Column (name), Value (as a string).
fn narrow(t: &Table) -> Table {
    let mut out = Table::new(vec![
        Column::new("Row", Type::Long),
        Column::new("Column", Type::String),
        Column::new("Value", Type::String),
    ]);
    for r in 0..t.len() {
        for (c, d) in t.columns().iter().zip(t.data()) {
            out.push_row(vec![
                Value::Long(i64::try_from(r).unwrap_or(i64::MAX)),
                Value::string(&c.name),
                Value::string(d.get(r).to_kusto_string()),
            ]);
        }
    }
    out.finish();
    out
}
