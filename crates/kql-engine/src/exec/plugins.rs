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
        }
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
