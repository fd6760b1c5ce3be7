//! `mv-expand` and `mv-apply`.
//!
//! From the mv-expand page: each element of an array (or each entry of a property bag, as a
//! one-entry bag, or with `kind=array` as a `[key, value]` pair) becomes a row; several expanded
//! expressions expand in parallel, padding the shorter with nulls; a null value gives one row with
//! null, an empty array or bag gives no row; `to typeof(T)` casts each element (elements that do not
//! convert become null); `with_itemindex` adds the 0-based index; `limit` caps the rows per input
//! row. `mv-apply` runs its sub-query over each input row's expansion and concatenates the results.

use std::sync::Arc;

use super::Exec;
use super::bind::typed_column;
use crate::error::{EvalError, Result};
use crate::eval::{Row, eval};
use crate::functions::convert::cast;
use crate::ir::{Expr, MvItem, Plan};
use crate::table::{Column, ColumnData, Table};
use crate::value::{Type, Value};

/// The elements one value expands to.
fn elements(v: &Value, bag_as_array: bool) -> Vec<Value> {
    match v {
        Value::Array(a) => a.to_vec(),
        Value::Bag(b) => b
            .entries()
            .iter()
            .map(|(k, x)| {
                if bag_as_array {
                    Value::array(vec![Value::String(k.clone()), x.clone()])
                } else {
                    let mut one = crate::value::Bag::new();
                    one.push_unique(k.clone(), x.clone());
                    Value::bag(one)
                }
            })
            .collect(),
        other => vec![other.clone()],
    }
}

/// The expansion of one table: which input row each output row copies, and the expanded columns.
struct Expansion {
    source_rows: Vec<usize>,
    columns: Vec<Vec<Value>>,
    index: Vec<Value>,
}

impl Exec<'_> {
    fn expand(
        &self,
        t: &Table,
        items: &[MvItem],
        bag_as_array: bool,
        limit: Option<&Expr>,
    ) -> Result<(Expansion, Vec<Expr>)> {
        let bound: Vec<Expr> = items
            .iter()
            .map(|i| self.bind(&i.expr, t.columns()))
            .collect::<Result<_>>()?;
        let limit = match limit {
            Some(l) => match self.bind(l, &[])? {
                Expr::Const(v) => v.as_i64().and_then(|n| usize::try_from(n).ok()),
                _ => return Err(EvalError::runtime("`limit` must be a constant")),
            },
            None => None,
        };
        let mut ex = Expansion {
            source_rows: Vec::new(),
            columns: vec![Vec::new(); items.len()],
            index: Vec::new(),
        };
        self.budget().spend(t.len() as u64)?;
        for row in 0..t.len() {
            let r = Row::new(t, row);
            let mut lists = Vec::with_capacity(items.len());
            for (it, e) in items.iter().zip(&bound) {
                let v = eval(e, &r, &self.cx)?;
                let mut els = elements(&v, bag_as_array);
                if let Some(ty) = it.to {
                    for x in &mut els {
                        if x.type_of() != Some(ty) {
                            *x = if ty == Type::Dynamic {
                                x.clone()
                            } else {
                                cast(x, ty)
                            };
                        }
                    }
                }
                lists.push(els);
            }
            let mut n = lists.iter().map(Vec::len).max().unwrap_or(0);
            if let Some(l) = limit {
                n = n.min(l);
            }
            for k in 0..n {
                ex.source_rows.push(row);
                for (c, l) in ex.columns.iter_mut().zip(&lists) {
                    c.push(l.get(k).cloned().unwrap_or(Value::Null));
                }
                ex.index
                    .push(Value::Long(i64::try_from(k).unwrap_or(i64::MAX)));
            }
            if ex.source_rows.len() > self.budget().max_rows {
                self.budget().check_rows(ex.source_rows.len())?;
            }
        }
        self.budget().spend(ex.source_rows.len() as u64)?;
        Ok((ex, bound))
    }

    /// Builds the expanded table: the input's columns for each output row, the expanded columns in
    /// place (or appended), then the index column.
    fn expanded_table(
        t: &Table,
        items: &[MvItem],
        ex: Expansion,
        itemindex: Option<&str>,
    ) -> Table {
        let mut cols: Vec<Column> = t.columns().to_vec();
        let mut data: Vec<Arc<ColumnData>> = t
            .data()
            .iter()
            .map(|d| Arc::new(d.gather(&ex.source_rows)))
            .collect();
        for (it, values) in items.iter().zip(ex.columns) {
            let ty = it.to.unwrap_or(Type::Dynamic);
            let (ty, values) = typed_column(values, Some(ty));
            let d = Arc::new(ColumnData::Plain(values));
            if let Some(i) = cols.iter().position(|c| c.name == it.name) {
                cols[i].ty = ty;
                data[i] = d;
            } else {
                cols.push(Column::new(it.name.clone(), ty));
                data.push(d);
            }
        }
        if let Some(name) = itemindex {
            cols.push(Column::new(name, Type::Long));
            data.push(Arc::new(ColumnData::Plain(ex.index)));
        }
        let n = ex.source_rows.len();
        Table::from_columns(cols, data, n)
    }

    pub(super) fn mv_expand(
        &self,
        t: &Table,
        items: &[MvItem],
        bag_as_array: bool,
        itemindex: Option<&str>,
        limit: Option<&Expr>,
    ) -> Result<Table> {
        let (ex, _) = self.expand(t, items, bag_as_array, limit)?;
        Ok(Self::expanded_table(t, items, ex, itemindex))
    }

    pub(super) fn mv_apply(
        &self,
        t: &Table,
        items: &[MvItem],
        bag_as_array: bool,
        itemindex: Option<&str>,
        limit: Option<&Expr>,
        sub: &Plan,
    ) -> Result<Table> {
        let (ex, _) = self.expand(t, items, bag_as_array, limit)?;
        // the expansion is in input-row order: group its rows by the input row they came from
        let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); t.len()];
        for (out_row, &r) in ex.source_rows.iter().enumerate() {
            rows_of[r].push(out_row);
        }
        let all = Self::expanded_table(t, items, ex, itemindex);
        // the input row's other columns are kept when the sub-query drops them (`summarize`)
        let kept: Vec<usize> = (0..t.columns().len())
            .filter(|&c| {
                let n = &t.columns()[c].name;
                !items.iter().any(|it| &it.name == n) && itemindex != Some(n.as_str())
            })
            .collect();
        let attach = |r: Table, src: Option<usize>| -> Table {
            let missing: Vec<usize> = kept
                .iter()
                .copied()
                .filter(|&c| r.column_index(&t.columns()[c].name).is_none())
                .collect();
            if missing.is_empty() {
                return r;
            }
            let n = r.len();
            let mut cols = Vec::new();
            let mut data = Vec::new();
            for &c in &missing {
                cols.push(t.columns()[c].clone());
                let rows: Vec<usize> = match src {
                    Some(s) => vec![s; n],
                    None => Vec::new(),
                };
                data.push(Arc::new(t.data()[c].gather(&rows)));
            }
            cols.extend(r.columns().iter().cloned());
            data.extend(r.data().iter().cloned());
            Table::from_columns(cols, data, n)
        };
        let mut results = Vec::new();
        for (src, rows) in rows_of.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
            let r = self.run_with_input(sub, all.gather(rows))?;
            results.push(attach(r, Some(src)));
        }
        if results.is_empty() {
            // no rows: run once over an empty input to learn the output columns, and keep none of its
            // rows (an aggregation answers one row even for no input; there was no row to apply to)
            let r = self.run_with_input(sub, all.gather(&[]))?;
            return Ok(attach(r.gather(&[]), None));
        }
        let names: Vec<String> = (0..results.len()).map(|i| i.to_string()).collect();
        Ok(super::source::union_tables(&results, &names, None, true))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Database, DateTime, Options, evaluate};

    #[test]
    fn mv_apply_over_no_rows_answers_no_rows_even_when_the_subquery_aggregates() {
        let now = DateTime::parse("2026-01-01T00:00:00Z").expect("datetime");
        let t = evaluate(
            "datatable(P:string)[] | mv-apply D = todynamic(P) on (summarize X = count())",
            &Database::new(),
            &Options::at(now),
        )
        .expect("evaluates");
        assert_eq!(t.len(), 0);
        assert!(t.columns().iter().any(|c| c.name == "X"));
    }
}
