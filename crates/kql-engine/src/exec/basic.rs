//! Row-wise operators: `where`, `extend`, `project` and its variants, `take`, `count`, `distinct`,
//! `getschema`, `partition`.
//!
//! `extend` items see only the operator's input (Kusto rejects `extend a = 1, b = a`); an existing
//! column is replaced in place. `project-reorder` puts the named columns first in the order given (a
//! wildcard's matches sorted when `asc`/`desc` is written), the rest after in their order.
//! `take` returns the first rows (Kusto returns any rows; the first are one valid answer).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::Exec;
use super::bind::{infer_type, reads_row_set, typed_column, window_slots};
use super::memo::{Coded, coded_inputs, eval_coded};
use super::wildcard;
use crate::compare::KeyRow;
use crate::error::{EvalError, Result};
use crate::eval::{Row, WindowState, eval};
use crate::ir::{Expr, Item, Plan};
use crate::scalar_ops::truthy;
use crate::table::{Column, ColumnData, Table};
use crate::value::{Type, Value};

impl Exec<'_> {
    /// Evaluates a bound expression for every row (sharing the column when it is one).
    pub(super) fn column_of(
        &self,
        t: &Table,
        e: &Expr,
        window: Option<&WindowState>,
    ) -> Result<Vec<Value>> {
        self.budget().spend(t.len() as u64)?;
        if let Expr::Const(v) = e {
            return Ok(vec![v.clone(); t.len()]);
        }
        let mut out = Vec::with_capacity(t.len());
        for row in 0..t.len() {
            out.push(eval(
                e,
                &Row {
                    table: t,
                    index: row,
                    aggs: &[],
                    window,
                },
                &self.cx,
            )?);
        }
        Ok(out)
    }

    /// Evaluates a bound expression for every row, once per distinct input when its columns are
    /// dictionary encoded (see `memo.rs`).
    pub(super) fn coded_column(
        &self,
        t: &Table,
        e: &Expr,
        window: Option<&WindowState>,
    ) -> Result<Coded> {
        if let Expr::Const(v) = e
            && !t.is_empty()
        {
            self.budget().spend(t.len() as u64)?;
            return Ok(Coded::Dict {
                codes: vec![0; t.len()],
                dict: vec![v.clone()],
            });
        }
        if let Some(cols) = coded_inputs(e, t) {
            self.budget().spend(t.len() as u64)?;
            return eval_coded(e, t, &cols, &self.cx);
        }
        self.column_of(t, e, window).map(Coded::Plain)
    }

    /// Adds an item's computed column (see [`Exec::push_item_columns`]).
    fn push_coded(
        &self,
        cols: &mut Vec<Column>,
        data: &mut Vec<Arc<ColumnData>>,
        names: &[String],
        coded: Coded,
        ty: Option<Type>,
    ) {
        match coded {
            Coded::Plain(values) => self.push_item_columns(cols, data, names, values, ty),
            Coded::Dict { codes, dict } if names.len() <= 1 => {
                let (ty, dict) = typed_column(dict, ty);
                let name = names.first().cloned().unwrap_or_else(|| "Column1".into());
                let d = Arc::new(ColumnData::Dict {
                    codes,
                    dict: Arc::new(dict),
                });
                if let Some(i) = cols.iter().position(|c| c.name == name) {
                    cols[i].ty = ty;
                    data[i] = d;
                } else {
                    cols.push(Column::new(name, ty));
                    data.push(d);
                }
            }
            Coded::Dict { codes, dict } => {
                let values = codes.iter().map(|&c| dict[c as usize].clone()).collect();
                self.push_item_columns(cols, data, names, values, ty);
            }
        }
    }

    pub(super) fn filter(&self, t: Table, pred: &Expr) -> Result<Table> {
        let e = self.bind(pred, t.columns())?;
        if let Expr::Const(v) = &e {
            return Ok(if truthy(v) { t } else { t.gather(&[]) });
        }
        if let Some(cols) = coded_inputs(&e, &t) {
            self.budget().spend(t.len() as u64)?;
            let keep: Vec<usize> = match eval_coded(&e, &t, &cols, &self.cx)? {
                Coded::Dict { codes, dict } => {
                    let truth: Vec<bool> = dict.iter().map(truthy).collect();
                    (0..t.len()).filter(|&r| truth[codes[r] as usize]).collect()
                }
                Coded::Plain(vals) => (0..t.len()).filter(|&r| truthy(&vals[r])).collect(),
            };
            if keep.len() == t.len() {
                return Ok(t);
            }
            return Ok(t.gather(&keep));
        }
        self.budget().spend(t.len() as u64)?;
        let win = WindowState::new(window_slots(&e));
        let mut keep = Vec::new();
        for row in 0..t.len() {
            if truthy(&eval(
                &e,
                &Row {
                    table: &t,
                    index: row,
                    aggs: &[],
                    window: Some(&win),
                },
                &self.cx,
            )?) {
                keep.push(row);
            }
        }
        if keep.len() == t.len() {
            return Ok(t);
        }
        Ok(t.gather(&keep))
    }

    pub(super) fn extend(&self, t: Table, items: &[Item]) -> Result<Table> {
        let bound: Vec<Expr> = items
            .iter()
            .map(|i| self.bind(&i.expr, t.columns()))
            .collect::<Result<_>>()?;
        let slots = bound.iter().map(window_slots).max().unwrap_or(0);
        let win = WindowState::new(slots);
        let (mut cols, mut data) = (t.columns().to_vec(), t.data().to_vec());
        for (it, e) in items.iter().zip(&bound) {
            if let (Expr::Col(i), [name]) = (e, it.names.as_slice()) {
                let (ty, d) = (t.columns()[*i].ty, t.data()[*i].clone());
                if let Some(j) = cols.iter().position(|c| &c.name == name) {
                    cols[j].ty = ty;
                    data[j] = d;
                } else {
                    cols.push(Column::new(name.clone(), ty));
                    data.push(d);
                }
                continue;
            }
            let values = self.coded_column(&t, e, Some(&win))?;
            self.push_coded(
                &mut cols,
                &mut data,
                &it.names,
                values,
                infer_type(e, t.columns()),
            );
        }
        Ok(Table::from_columns(cols, data, t.len()))
    }

    pub(super) fn project(&self, t: Table, items: &[Item]) -> Result<Table> {
        let bound: Vec<Expr> = items
            .iter()
            .map(|i| self.bind(&i.expr, t.columns()))
            .collect::<Result<_>>()?;
        let slots = bound.iter().map(window_slots).max().unwrap_or(0);
        let win = WindowState::new(slots);
        let (mut cols, mut data): (Vec<Column>, Vec<Arc<ColumnData>>) = (Vec::new(), Vec::new());
        // the input column each plain column reference copied (`project a, b, a` keeps one `a`,
        // as Kusto.Language does)
        let mut copied: Vec<Option<usize>> = Vec::new();
        for (it, e) in items.iter().zip(&bound) {
            if let (Expr::Col(i), [name]) = (e, it.names.as_slice())
                && let Some(k) = cols.iter().position(|c| &c.name == name)
                && copied[k] == Some(*i)
                && &t.columns()[*i].name == name
            {
                continue;
            }
            for n in &it.names {
                if cols.iter().any(|c| &c.name == n) {
                    return Err(
                        EvalError::runtime(format!("`project` names column `{n}` twice"))
                            .at(it.range.clone()),
                    );
                }
            }
            if let (Expr::Col(i), [name]) = (e, it.names.as_slice()) {
                copied.push(Some(*i));
                cols.push(Column::new(name.clone(), t.columns()[*i].ty));
                data.push(t.data()[*i].clone());
                continue;
            }
            let values = self.coded_column(&t, e, Some(&win))?;
            self.push_coded(
                &mut cols,
                &mut data,
                &it.names,
                values,
                infer_type(e, t.columns()),
            );
            copied.resize(cols.len(), None);
        }
        Ok(Table::from_columns(cols, data, t.len()))
    }

    pub(super) fn project_away(&self, t: Table, patterns: &[String]) -> Table {
        select(t, |c| !patterns.iter().any(|p| wildcard(p, c)))
    }

    pub(super) fn project_keep(&self, t: Table, patterns: &[String]) -> Table {
        select(t, |c| patterns.iter().any(|p| wildcard(p, c)))
    }

    pub(super) fn project_rename(&self, t: Table, pairs: &[(String, String)]) -> Result<Table> {
        let (mut cols, data, len) = t.into_parts();
        for (new, old) in pairs {
            let Some(i) = cols.iter().position(|c| &c.name == old) else {
                return Err(EvalError::runtime(format!(
                    "`project-rename`: no column `{old}`"
                )));
            };
            cols[i].name.clone_from(new);
        }
        Ok(Table::from_columns(cols, data, len))
    }

    pub(super) fn project_reorder(&self, t: Table, items: &[(String, Option<String>)]) -> Table {
        let (cols, data, len) = t.into_parts();
        let mut pairs: Vec<(Column, Arc<ColumnData>)> = cols.into_iter().zip(data).collect();
        let mut front = Vec::new();
        for (pat, order) in items {
            let mut matched = Vec::new();
            let mut i = 0;
            while i < pairs.len() {
                if wildcard(pat, &pairs[i].0.name) {
                    matched.push(pairs.remove(i));
                } else {
                    i += 1;
                }
            }
            match order.as_deref() {
                Some("asc" | "granny-asc") => matched.sort_by(|a, b| a.0.name.cmp(&b.0.name)),
                Some("desc" | "granny-desc") => matched.sort_by(|a, b| b.0.name.cmp(&a.0.name)),
                _ => {}
            }
            front.extend(matched);
        }
        front.extend(pairs);
        let (cols, data) = front.into_iter().unzip();
        Table::from_columns(cols, data, len)
    }

    pub(super) fn project_by_names(&self, t: Table, exprs: &[Expr]) -> Result<Table> {
        let mut names = Vec::new();
        for e in exprs {
            match self.bind(e, t.columns())? {
                Expr::Const(Value::Array(a)) => names.extend(a.iter().map(Value::to_kusto_string)),
                Expr::Const(v) => names.push(v.to_kusto_string()),
                _ => {
                    return Err(EvalError::runtime(
                        "`project-by-names` needs constant names",
                    ));
                }
            }
        }
        let (cols, data) = (t.columns(), t.data());
        let (mut oc, mut od) = (Vec::new(), Vec::new());
        for n in &names {
            for (c, d) in cols.iter().zip(data) {
                if wildcard(n, &c.name) && !oc.iter().any(|x: &Column| x.name == c.name) {
                    oc.push(c.clone());
                    od.push(d.clone());
                }
            }
        }
        Ok(Table::from_columns(oc, od, t.len()))
    }

    pub(super) fn take(&self, t: Table, n: &Expr) -> Result<Table> {
        let n = match self.bind(n, &[])? {
            Expr::Const(v) => v.as_i64().or_else(|| {
                v.as_f64().map(|f| {
                    #[allow(clippy::cast_possible_truncation)]
                    let i = f as i64;
                    i
                })
            }),
            _ => None,
        }
        .ok_or_else(|| EvalError::runtime("`take` needs a constant number of rows"))?;
        let n = usize::try_from(n.max(0)).unwrap_or(0);
        if n >= t.len() {
            return Ok(t);
        }
        let rows: Vec<usize> = (0..n).collect();
        Ok(t.gather(&rows))
    }

    pub(super) fn distinct(&self, t: Table, items: &[Item]) -> Result<Table> {
        let bound: Vec<Expr> = items
            .iter()
            .map(|i| self.bind(&i.expr, t.columns()))
            .collect::<Result<_>>()?;
        if bound.iter().any(reads_row_set) {
            return Err(EvalError::runtime(
                "`distinct` keys cannot use window functions or `pack_all`",
            ));
        }
        let columns: Vec<Vec<Value>> = bound
            .iter()
            .map(|e| self.column_of(&t, e, None))
            .collect::<Result<_>>()?;
        let mut seen: HashSet<KeyRow> = HashSet::new();
        let mut keep = Vec::new();
        for row in 0..t.len() {
            let key = KeyRow(columns.iter().map(|c| c[row].clone()).collect());
            if seen.insert(key) {
                keep.push(row);
            }
        }
        let (mut cols, mut data) = (Vec::new(), Vec::new());
        for ((it, e), values) in items.iter().zip(&bound).zip(columns) {
            let picked: Vec<Value> = keep.iter().map(|&r| values[r].clone()).collect();
            self.push_item_columns(
                &mut cols,
                &mut data,
                &it.names,
                picked,
                infer_type(e, t.columns()),
            );
        }
        Ok(Table::from_columns(cols, data, keep.len()))
    }

    pub(super) fn distinct_all(&self, t: &Table) -> Table {
        let mut seen: HashSet<KeyRow> = HashSet::new();
        let mut keep = Vec::new();
        for row in 0..t.len() {
            let key = KeyRow(t.data().iter().map(|d| d.get(row).clone()).collect());
            if seen.insert(key) {
                keep.push(row);
            }
        }
        t.gather(&keep)
    }

    /// `partition by col (sub)`: the sub-query over each group of rows, results concatenated.
    pub(super) fn partition(&self, t: Table, by: &str, sub: &Plan) -> Result<Table> {
        let Some(k) = t.column_index(by) else {
            return Err(EvalError::runtime(format!(
                "`partition by`: no column `{by}`"
            )));
        };
        let mut groups: Vec<(Value, Vec<usize>)> = Vec::new();
        let mut index: HashMap<crate::compare::Key, usize> = HashMap::new();
        for row in 0..t.len() {
            let v = t.data()[k].get(row).clone();
            let g = *index
                .entry(crate::compare::Key(v.clone()))
                .or_insert_with(|| {
                    groups.push((v, Vec::new()));
                    groups.len() - 1
                });
            groups[g].1.push(row);
        }
        if groups.len() > 64 * 1024 {
            return Err(EvalError::limit(
                "max_rows",
                "`partition` has more than 65,536 partitions",
            ));
        }
        let mut results = Vec::new();
        for (_, rows) in &groups {
            results.push(self.run_with_input(sub, t.gather(rows))?);
        }
        let names: Vec<String> = (0..results.len()).map(|i| i.to_string()).collect();
        Ok(super::source::union_tables(&results, &names, None, true))
    }
}

fn select(t: Table, keep: impl Fn(&str) -> bool) -> Table {
    let (cols, data, len) = t.into_parts();
    let (c, d): (Vec<Column>, Vec<Arc<ColumnData>>) = cols
        .into_iter()
        .zip(data)
        .filter(|(c, _)| keep(&c.name))
        .unzip();
    Table::from_columns(c, d, len)
}

/// `count`: one row with the number of rows.
pub(super) fn count(t: &Table, name: &str) -> Table {
    let n = i64::try_from(t.len()).unwrap_or(i64::MAX);
    Table::from_columns(
        vec![Column::new(name, Type::Long)],
        vec![Arc::new(ColumnData::Plain(vec![Value::Long(n)]))],
        1,
    )
}

/// .NET type names `getschema` reports.
fn dotnet_type(t: Type) -> &'static str {
    match t {
        Type::Bool => "System.Boolean",
        Type::Int => "System.Int32",
        Type::Long => "System.Int64",
        Type::Real => "System.Double",
        Type::Decimal => "System.Data.SqlTypes.SqlDecimal",
        Type::String => "System.String",
        Type::DateTime => "System.DateTime",
        Type::TimeSpan => "System.TimeSpan",
        Type::Guid => "System.Guid",
        Type::Dynamic => "System.Object",
    }
}

/// `getschema`: ColumnName, ColumnOrdinal, DataType, ColumnType.
pub(super) fn getschema(t: &Table) -> Table {
    let mut out = Table::new(vec![
        Column::new("ColumnName", Type::String),
        Column::new("ColumnOrdinal", Type::Int),
        Column::new("DataType", Type::String),
        Column::new("ColumnType", Type::String),
    ]);
    for (i, c) in t.columns().iter().enumerate() {
        out.push_row(vec![
            Value::string(&c.name),
            Value::Int(i32::try_from(i).unwrap_or(i32::MAX)),
            Value::string(dotnet_type(c.ty)),
            Value::string(c.ty.name()),
        ]);
    }
    out.finish();
    out
}
