//! Sources: database tables (with Sentinel's query window), `datatable`, `print`, `range`,
//! `_GetWatchlist`, and `union`.
//!
//! `union` follows the union-operator page: `kind=outer` (the default) keeps every column, in order of
//! first appearance, filling nulls; a column name used with different types becomes one column per
//! type, suffixed `_<type>`; `kind=inner` keeps the columns all inputs share; `withsource=Name` adds the
//! source name as the first column.

use std::sync::Arc;

use super::Exec;
use super::bind::{infer_type, typed_column};
use crate::error::{EvalError, Result};
use crate::eval::{Row, eval};
use crate::functions::convert::cast;
use crate::ir::{Expr, Item, Plan};
use crate::scalar_ops::{Arith, arith};
use crate::table::{Column, ColumnData, Table};
use crate::value::{Type, Value};

impl Exec<'_> {
    pub(super) fn scan(&self, name: &str) -> Result<Table> {
        let t = self
            .db
            .table(name)
            .ok_or_else(|| EvalError::runtime(format!("unknown table `{name}`")))?;
        let Some((start, end)) = self.opts.window else {
            return Ok(t.clone());
        };
        let Some(tg) = t
            .columns()
            .iter()
            .position(|c| c.name == "TimeGenerated" && c.ty == Type::DateTime)
        else {
            return Ok(t.clone());
        };
        self.budget().spend(t.len() as u64)?;
        let col = &t.data()[tg];
        let rows: Vec<usize> = (0..t.len())
            .filter(|&r| matches!(col.get(r), Value::DateTime(d) if *d > start && *d <= end))
            .collect();
        if rows.len() == t.len() {
            return Ok(t.clone());
        }
        Ok(t.gather(&rows))
    }

    pub(super) fn datatable(&self, columns: &[Column], values: &[Expr]) -> Result<Table> {
        let n = columns.len();
        if n == 0 {
            return Ok(Table::from_columns(Vec::new(), Vec::new(), 0));
        }
        if !values.len().is_multiple_of(n) {
            return Err(EvalError::runtime(format!(
                "`datatable` has {} values for {} columns; the values fill whole rows",
                values.len(),
                n
            )));
        }
        let mut t = Table::new(columns.to_vec());
        for chunk in values.chunks(n) {
            let mut row = Vec::with_capacity(n);
            for (v, c) in chunk.iter().zip(columns) {
                let v = match self.bind(v, &[])? {
                    Expr::Const(v) => v,
                    other => {
                        let empty = Table::from_columns(Vec::new(), Vec::new(), 1);
                        eval(&other, &Row::new(&empty, 0), &self.cx)?
                    }
                };
                row.push(if v.type_of() == Some(c.ty) || c.ty == Type::Dynamic {
                    v
                } else {
                    cast(&v, c.ty)
                });
            }
            t.push_row(row);
        }
        t.finish();
        Ok(t)
    }

    pub(super) fn print(&self, items: &[Item]) -> Result<Table> {
        let one = Table::from_columns(Vec::new(), Vec::new(), 1);
        let mut cols = Vec::new();
        let mut data = Vec::new();
        for it in items {
            let e = self.bind(&it.expr, &[])?;
            let ty = infer_type(&e, &[]);
            let v = eval(&e, &Row::new(&one, 0), &self.cx)?;
            self.push_item_columns(&mut cols, &mut data, &it.names, vec![v], ty);
        }
        Ok(Table::from_columns(cols, data, 1))
    }

    /// Adds the column(s) an item produces: one, or one per name when a tuple `(a, b) = f(…)` takes
    /// apart an array of results.
    pub(super) fn push_item_columns(
        &self,
        cols: &mut Vec<Column>,
        data: &mut Vec<Arc<ColumnData>>,
        names: &[String],
        values: Vec<Value>,
        ty: Option<Type>,
    ) {
        if names.len() <= 1 {
            let (ty, values) = typed_column(values, ty);
            let name = names.first().cloned().unwrap_or_else(|| "Column1".into());
            set_column(cols, data, &name, ty, values);
            return;
        }
        for (i, n) in names.iter().enumerate() {
            let part: Vec<Value> = values
                .iter()
                .map(|v| match v {
                    Value::Array(a) => a.get(i).cloned().unwrap_or(Value::Null),
                    other if i == 0 => other.clone(),
                    _ => Value::Null,
                })
                .collect();
            let (ty, part) = typed_column(part, None);
            set_column(cols, data, n, ty, part);
        }
    }

    pub(super) fn range(&self, name: &str, from: &Expr, to: &Expr, step: &Expr) -> Result<Table> {
        let c = |e: &Expr| -> Result<Value> {
            match self.bind(e, &[])? {
                Expr::Const(v) => Ok(v),
                _ => Err(EvalError::runtime("`range` bounds must be constants")),
            }
        };
        let (mut cur, to, step) = (c(from)?, c(to)?, c(step)?);
        if cur.is_null() || to.is_null() || step.is_null() {
            return Ok(Table::from_columns(
                vec![Column::new(name, cur.type_of().unwrap_or(Type::Long))],
                vec![Arc::new(ColumnData::Plain(Vec::new()))],
                0,
            ));
        }
        if let Value::Int(i) = cur {
            cur = Value::Long(i64::from(i));
        }
        let ty = cur.type_of().unwrap_or(Type::Long);
        let next = arith(Arith::Add, &cur, &step)?;
        let ascending = match crate::compare::compare(&next, &cur) {
            Some(std::cmp::Ordering::Greater) => true,
            Some(std::cmp::Ordering::Less) => false,
            _ => {
                return Err(EvalError::runtime(
                    "`range` step must move from `from` toward `to` (a zero step never ends)",
                ));
            }
        };
        let max = self.budget().max_range_rows;
        let mut values = Vec::new();
        loop {
            let past = match crate::compare::compare(&cur, &to) {
                Some(std::cmp::Ordering::Greater) => ascending,
                Some(std::cmp::Ordering::Less) => !ascending,
                Some(std::cmp::Ordering::Equal) => false,
                None => true,
            };
            if past {
                break;
            }
            if values.len() >= max {
                return Err(EvalError::limit(
                    "max_range_rows",
                    format!("`range` would produce more than {max} rows"),
                ));
            }
            values.push(cur.clone());
            cur = arith(Arith::Add, &cur, &step)?;
            if cur.is_null() {
                break;
            }
        }
        self.budget().spend(values.len() as u64)?;
        let (ty, values) = typed_column(values, Some(ty));
        let n = values.len();
        Ok(Table::from_columns(
            vec![Column::new(name, ty)],
            vec![Arc::new(ColumnData::Plain(values))],
            n,
        ))
    }

    pub(super) fn watchlist(&self, alias: &str) -> Result<Table> {
        let w = self.db.watchlist(alias).ok_or_else(|| {
            EvalError::runtime(format!("unknown watchlist `{alias}`"))
                .with_hint("add the watchlist's items to the database (`Database::add_watchlist`)")
        })?;
        let (cols, mut data, len) = w.table.clone().into_parts();
        if let Some(i) = cols.iter().position(|c| c.name == "LastUpdatedTimeUTC") {
            data[i] = Arc::new(ColumnData::Plain(vec![Value::DateTime(self.cx.now); len]));
        }
        Ok(Table::from_columns(cols, data, len))
    }

    pub(super) fn union(
        &self,
        inputs: &[Plan],
        names: &[String],
        withsource: Option<&str>,
        outer: bool,
    ) -> Result<Table> {
        let tables = inputs
            .iter()
            .map(|p| self.run(p))
            .collect::<Result<Vec<_>>>()?;
        Ok(union_tables(&tables, names, withsource, outer))
    }
}

/// Sets (replacing in place) or appends a column.
pub(super) fn set_column(
    cols: &mut Vec<Column>,
    data: &mut Vec<Arc<ColumnData>>,
    name: &str,
    ty: Type,
    values: Vec<Value>,
) {
    let d = Arc::new(ColumnData::Plain(values));
    if let Some(i) = cols.iter().position(|c| c.name == name) {
        cols[i].ty = ty;
        data[i] = d;
    } else {
        cols.push(Column::new(name, ty));
        data.push(d);
    }
}

/// Concatenates tables by column name (see the module docs).
pub(crate) fn union_tables(
    tables: &[Table],
    names: &[String],
    withsource: Option<&str>,
    outer: bool,
) -> Table {
    // the output columns: (name, type)
    let mut out: Vec<Column> = Vec::new();
    for t in tables {
        for c in t.columns() {
            if !out.iter().any(|o| o.name == c.name && o.ty == c.ty) {
                out.push(c.clone());
            }
        }
    }
    if !outer {
        out.retain(|o| {
            tables
                .iter()
                .all(|t| t.columns().iter().any(|c| c.name == o.name && c.ty == o.ty))
        });
    }
    // a name with several types: one column per type, suffixed
    let display: Vec<String> = out
        .iter()
        .map(|o| {
            if out.iter().filter(|x| x.name == o.name).count() > 1 {
                format!("{}_{}", o.name, o.ty.name())
            } else {
                o.name.clone()
            }
        })
        .collect();
    let total: usize = tables.iter().map(Table::len).sum();
    let mut cols: Vec<Column> = Vec::new();
    let mut data: Vec<Arc<ColumnData>> = Vec::new();
    if let Some(ws) = withsource {
        let mut v = Vec::with_capacity(total);
        for (t, n) in tables.iter().zip(names) {
            v.extend(std::iter::repeat_n(Value::string(n), t.len()));
        }
        cols.push(Column::new(ws, Type::String));
        data.push(Arc::new(ColumnData::Plain(v)));
    }
    for (o, name) in out.iter().zip(&display) {
        let mut v = Vec::with_capacity(total);
        for t in tables {
            match t
                .columns()
                .iter()
                .position(|c| c.name == o.name && c.ty == o.ty)
            {
                Some(i) => v.extend(t.data()[i].iter().cloned()),
                None => v.extend(std::iter::repeat_n(
                    if o.ty == Type::String {
                        Value::string("")
                    } else {
                        Value::Null
                    },
                    t.len(),
                )),
            }
        }
        cols.push(Column::new(name.clone(), o.ty));
        data.push(Arc::new(ColumnData::Plain(v)));
    }
    Table::from_columns(cols, data, total)
}
