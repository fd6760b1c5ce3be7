//! Tables: named, typed columns stored column by column.
//!
//! Owns [`Table`] and [`Column`], the input and output of the engine and the value flowing between
//! operators. Storage is columnar and shared: each column is an `Arc`, so `project`, `extend` and
//! `project-rename` copy no cells. A column is either plain (one [`Value`] per row) or dictionary
//! encoded (a `u32` code per row into a shared list of distinct values); tables built row by row with
//! [`Table::push_row`] dictionary-encode every column while the number of distinct values stays low
//! (a column with mostly distinct values in its first rows, such as a timestamp, falls back to plain), which keeps a million-row log table small. Filtering a dictionary column
//! copies codes only.
//!
//! Invariant: every column holds exactly [`Table::len`] cells.

use std::collections::HashMap;
use std::sync::Arc;

use crate::compare::Key;
use crate::value::{Type, Value};

/// A column: name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Name (unquoted).
    pub name: String,
    /// Type.
    pub ty: Type,
}

impl Column {
    /// A column.
    pub fn new(name: impl Into<String>, ty: Type) -> Column {
        Column {
            name: name.into(),
            ty,
        }
    }
}

/// The cells of one column.
#[derive(Debug, Clone)]
pub(crate) enum ColumnData {
    /// One value per row.
    Plain(Vec<Value>),
    /// A code per row into `dict`.
    Dict {
        codes: Vec<u32>,
        dict: Arc<Vec<Value>>,
    },
}

impl ColumnData {
    pub(crate) fn len(&self) -> usize {
        match self {
            ColumnData::Plain(v) => v.len(),
            ColumnData::Dict { codes, .. } => codes.len(),
        }
    }

    /// The cell at `row` (caller guarantees `row < len`).
    #[inline]
    pub(crate) fn get(&self, row: usize) -> &Value {
        match self {
            ColumnData::Plain(v) => &v[row],
            ColumnData::Dict { codes, dict } => &dict[codes[row] as usize],
        }
    }

    /// The cells at `rows`, in that order.
    pub(crate) fn gather(&self, rows: &[usize]) -> ColumnData {
        match self {
            ColumnData::Plain(v) => ColumnData::Plain(rows.iter().map(|&r| v[r].clone()).collect()),
            ColumnData::Dict { codes, dict } => ColumnData::Dict {
                codes: rows.iter().map(|&r| codes[r]).collect(),
                dict: dict.clone(),
            },
        }
    }

    /// The cells at `rows`, with `None` meaning a null cell (outer joins).
    pub(crate) fn gather_opt(&self, rows: &[Option<usize>]) -> ColumnData {
        ColumnData::Plain(
            rows.iter()
                .map(|r| r.map_or(Value::Null, |r| self.get(r).clone()))
                .collect(),
        )
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Value> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

/// The index of a dictionary column being built row by row (value → code).
#[derive(Debug, Clone)]
enum DictIndex {
    /// `string`, `dynamic`, `guid` columns: by [`Key`] (their values never compare equal unless
    /// they are the same value).
    Key(HashMap<Key, u32>),
    /// Other columns: by exact variant and bits (so `1`, `long(1)` and `1.0`, or `0.0` and `-0.0`,
    /// stay distinct cells).
    Exact(HashMap<(u8, u64), u32>),
}

impl DictIndex {
    fn for_type(ty: Type) -> DictIndex {
        if matches!(ty, Type::String | Type::Dynamic | Type::Guid) {
            DictIndex::Key(HashMap::new())
        } else {
            DictIndex::Exact(HashMap::new())
        }
    }
}

/// The exact key of a scalar cell, `None` for values without one (they make the column plain).
#[allow(clippy::cast_sign_loss)]
fn exact_key(v: &Value) -> Option<(u8, u64)> {
    Some(match v {
        Value::Null => (0, 0),
        Value::Bool(b) => (1, u64::from(*b)),
        Value::Int(i) => (2, i64::from(*i) as u64),
        Value::Long(l) => (3, *l as u64),
        Value::Real(r) => (4, r.to_bits()),
        Value::DateTime(d) => (5, d.unix_ticks() as u64),
        Value::TimeSpan(t) => (6, t.0 as u64),
        _ => return None,
    })
}

const DICT_PROBE_ROWS: usize = 4096;

/// A table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    columns: Vec<Column>,
    data: Vec<Arc<ColumnData>>,
    len: usize,
    /// Per column, the index of the dictionary being built by `push_row` (`None` for plain columns and
    /// finished tables). A column whose values are mostly distinct falls back to plain storage.
    building: Vec<Option<DictIndex>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: Vec<Column>) -> Table {
        let n = columns.len();
        let building = columns
            .iter()
            .map(|c| Some(DictIndex::for_type(c.ty)))
            .collect();
        let data = columns
            .iter()
            .map(|_| {
                Arc::new(ColumnData::Dict {
                    codes: Vec::new(),
                    dict: Arc::new(Vec::new()),
                })
            })
            .collect();
        debug_assert_eq!(n, columns.len());
        Table {
            columns,
            data,
            len: 0,
            building,
        }
    }

    /// A table from rows. Rows shorter than the column list are padded with nulls, longer ones cut;
    /// string cells that are null become `""`.
    pub fn from_rows(columns: Vec<Column>, rows: Vec<Vec<Value>>) -> Table {
        let mut t = Table::new(columns);
        for r in rows {
            t.push_row(r);
        }
        t.finish();
        t
    }

    /// Appends a row (padded with nulls or cut to the column count; a null in a `string` column is
    /// stored as `""`, since KQL strings are never null).
    pub fn push_row(&mut self, row: Vec<Value>) {
        let n = self.columns.len();
        let mut it = row.into_iter();
        for i in 0..n {
            let mut v = it.next().unwrap_or(Value::Null);
            if self.columns[i].ty == Type::String && v.is_null() {
                v = Value::string("");
            }
            self.push_cell(i, v);
        }
        self.len += 1;
    }

    fn push_cell(&mut self, i: usize, v: Value) {
        let data = Arc::make_mut(&mut self.data[i]);
        match data {
            ColumnData::Plain(vals) => vals.push(v),
            ColumnData::Dict { codes, dict } => {
                let Some(Some(index)) = self.building.get_mut(i) else {
                    // a finished dictionary column: extend it plainly
                    let mut vals = std::mem::take(codes)
                        .into_iter()
                        .map(|c| dict[c as usize].clone())
                        .collect::<Vec<_>>();
                    vals.push(v);
                    *data = ColumnData::Plain(vals);
                    return;
                };
                let dict = Arc::make_mut(dict);
                let next = u32::try_from(dict.len()).unwrap_or(u32::MAX);
                let code = match index {
                    DictIndex::Key(index) => {
                        let key = Key(v);
                        if let Some(c) = index.get(&key) {
                            *c
                        } else {
                            dict.push(key.0.clone());
                            index.insert(key, next);
                            next
                        }
                    }
                    DictIndex::Exact(index) => {
                        let Some(key) = exact_key(&v) else {
                            // no exact key (a decimal, or a stray value): plain storage
                            let mut vals: Vec<Value> =
                                codes.iter().map(|&c| dict[c as usize].clone()).collect();
                            vals.push(v);
                            *data = ColumnData::Plain(vals);
                            self.building[i] = None;
                            return;
                        };
                        if let Some(c) = index.get(&key) {
                            *c
                        } else {
                            dict.push(v);
                            index.insert(key, next);
                            next
                        }
                    }
                };
                codes.push(code);
                // mostly distinct values: switch to plain storage
                if codes.len() == DICT_PROBE_ROWS && dict.len() > DICT_PROBE_ROWS / 2 {
                    let vals: Vec<Value> =
                        codes.iter().map(|&c| dict[c as usize].clone()).collect();
                    *data = ColumnData::Plain(vals);
                    self.building[i] = None;
                }
            }
        }
    }

    /// Drops the row-by-row build state (dictionary indexes); later `push_row`s still work.
    pub(crate) fn finish(&mut self) {
        for b in &mut self.building {
            *b = None;
        }
    }

    /// Builds a table from finished columns (all of length `len`).
    pub(crate) fn from_columns(
        columns: Vec<Column>,
        data: Vec<Arc<ColumnData>>,
        len: usize,
    ) -> Table {
        debug_assert!(data.iter().all(|d| d.len() == len));
        let building = vec![None; columns.len()];
        Table {
            columns,
            data,
            len,
            building,
        }
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Index of the column called `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The cell at (`row`, `col`); `None` outside the table.
    pub fn value(&self, row: usize, col: usize) -> Option<&Value> {
        (row < self.len).then(|| self.data.get(col).map(|d| d.get(row)))?
    }

    /// One row, cloned.
    pub fn row(&self, row: usize) -> Option<Vec<Value>> {
        (row < self.len).then(|| self.data.iter().map(|d| d.get(row).clone()).collect())
    }

    /// All rows, cloned, in order.
    pub fn rows(&self) -> impl Iterator<Item = Vec<Value>> + '_ {
        (0..self.len).map(|r| self.data.iter().map(|d| d.get(r).clone()).collect())
    }

    /// The cells of column `col`, in row order.
    pub fn column_values(&self, col: usize) -> impl Iterator<Item = &Value> + '_ {
        let d = self.data.get(col);
        (0..if d.is_some() { self.len } else { 0 }).filter_map(move |r| d.map(|d| d.get(r)))
    }

    pub(crate) fn data(&self) -> &[Arc<ColumnData>] {
        &self.data
    }

    pub(crate) fn into_parts(self) -> (Vec<Column>, Vec<Arc<ColumnData>>, usize) {
        (self.columns, self.data, self.len)
    }

    /// The rows at `rows` (in that order).
    pub(crate) fn gather(&self, rows: &[usize]) -> Table {
        let data = self.data.iter().map(|d| Arc::new(d.gather(rows))).collect();
        Table::from_columns(self.columns.clone(), data, rows.len())
    }

    /// Renders the table as an aligned text grid (for tests and debugging).
    pub fn to_text(&self) -> String {
        let mut cells: Vec<Vec<String>> =
            vec![self.columns.iter().map(|c| c.name.clone()).collect()];
        for r in self.rows() {
            cells.push(r.iter().map(Value::to_kusto_string).collect());
        }
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|i| {
                cells
                    .iter()
                    .map(|r| r[i].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for r in cells {
            let line: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            out.push_str(line.join(" | ").trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_columns_deduplicate() {
        let mut t = Table::new(vec![
            Column::new("s", Type::String),
            Column::new("n", Type::Long),
        ]);
        for i in 0..100 {
            t.push_row(vec![
                Value::string(if i % 2 == 0 { "a" } else { "b" }),
                Value::Long(i),
            ]);
        }
        match &*t.data()[0] {
            ColumnData::Dict { dict, codes } => {
                assert_eq!(dict.len(), 2);
                assert_eq!(codes.len(), 100);
            }
            ColumnData::Plain(_) => panic!("expected a dictionary"),
        }
        assert_eq!(t.value(3, 0).and_then(Value::as_str), Some("b"));
        assert_eq!(t.len(), 100);
    }

    #[test]
    fn distinct_values_fall_back_to_plain() {
        let mut t = Table::new(vec![Column::new("s", Type::String)]);
        for i in 0..5000 {
            t.push_row(vec![Value::string(i.to_string())]);
        }
        assert!(matches!(&*t.data()[0], ColumnData::Plain(_)));
        assert_eq!(t.value(4999, 0).and_then(Value::as_str), Some("4999"));
    }

    #[test]
    fn short_rows_are_padded_and_null_strings_empty() {
        let t = Table::from_rows(
            vec![Column::new("a", Type::Long), Column::new("s", Type::String)],
            vec![vec![Value::Long(1)]],
        );
        assert!(t.value(0, 1).is_some_and(|v| v.as_str() == Some("")));
        assert!(t.value(1, 0).is_none());
    }
}
