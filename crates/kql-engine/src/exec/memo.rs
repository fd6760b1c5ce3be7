//! Evaluation over dictionary-encoded columns: an expression is evaluated once per distinct
//! combination of the dictionary codes it reads, not once per row.
//!
//! A bound expression whose columns are all dictionary encoded ([`ColumnData::Dict`]) and that is a
//! function of those cells alone (no window functions, `pack_all`, aggregates or impure calls such as
//! `rand()`) gives the same value for every row with the same codes. [`eval_coded`] walks the rows in
//! order and evaluates the expression at the first row of each new combination, so the values computed,
//! the rows they are computed at and the first error raised are those of row-at-a-time evaluation; the
//! result is a dictionary column itself (codes into the list of computed values), which keeps later
//! expressions over derived columns (`extend b = f(a)` then `where g(b)`) on this path.
//!
//! One column: a code → result table. Several: a hash map from the code tuple; when combinations turn
//! out to be mostly distinct, the rows done so far are expanded and the rest evaluated row by row.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use smallvec::SmallVec;

use super::bind::visit;
use crate::error::Result;
use crate::eval::{Row, eval};
use crate::functions::Cx;
use crate::ir::Expr;
use crate::table::{ColumnData, Table};
use crate::value::Value;

/// Most columns an expression may read to be evaluated per code combination.
const MAX_COLUMNS: usize = 8;
/// Rows after which a multi-column evaluation checks that combinations repeat enough.
const PROBE_ROWS: usize = 4096;

/// A computed column.
pub(crate) enum Coded {
    /// One value per row.
    Plain(Vec<Value>),
    /// A code per row into `dict` (values in order of first use; not deduplicated).
    Dict { codes: Vec<u32>, dict: Vec<Value> },
}

/// The columns `e` reads when it can be evaluated per code combination: all dictionary encoded, at
/// most [`MAX_COLUMNS`], and `e` a pure function of them. `None` otherwise.
pub(crate) fn coded_inputs(e: &Expr, t: &Table) -> Option<SmallVec<[usize; 4]>> {
    let mut cols: SmallVec<[usize; 4]> = SmallVec::new();
    let mut ok = true;
    visit(e, &mut |x| match x {
        Expr::Col(i) if !cols.contains(i) => cols.push(*i),
        Expr::Call { f, .. } if !f.pure => ok = false,
        Expr::Window { .. }
        | Expr::PackAll(_)
        | Expr::Agg(_)
        | Expr::Name { .. }
        | Expr::ToScalar(_)
        | Expr::ColumnIfExists(..)
        | Expr::In { .. } => ok = false,
        Expr::HasAny { terms: None, .. } => ok = false,
        _ => {}
    });
    if !ok || cols.is_empty() || cols.len() > MAX_COLUMNS {
        return None;
    }
    let dict_ok = cols.iter().all(|&c| {
        matches!(t.data().get(c).map(|d| &**d), Some(ColumnData::Dict { dict, .. })
            if dict.len() <= t.len().saturating_mul(4) + 64)
    });
    dict_ok.then_some(cols)
}

pub(crate) fn codes_of(t: &Table, c: usize) -> &[u32] {
    match t.data().get(c).map(|d| &**d) {
        Some(ColumnData::Dict { codes, .. }) => codes,
        _ => &[],
    }
}

fn dict_len(t: &Table, c: usize) -> usize {
    match t.data().get(c).map(|d| &**d) {
        Some(ColumnData::Dict { dict, .. }) => dict.len(),
        _ => 0,
    }
}

/// FxHash (multiply-rotate), for code tuples and values: fast, and no hash flooding concern for
/// an in-memory evaluator.
#[derive(Default)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

/// A hash map with [`Fx`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;
/// A hash set with [`Fx`].
pub(crate) type FxSet<K> = std::collections::HashSet<K, BuildHasherDefault<Fx>>;

/// Evaluates `e` (bound against `t`, inputs `cols` from [`coded_inputs`]) for every row.
pub(crate) fn eval_coded(e: &Expr, t: &Table, cols: &[usize], cx: &Cx<'_>) -> Result<Coded> {
    let n = t.len();
    let at = |row: usize| eval(e, &Row::new(t, row), cx);
    let mut dict: Vec<Value> = Vec::new();
    let mut codes: Vec<u32> = Vec::with_capacity(n);
    if let [c] = cols {
        let src = codes_of(t, *c);
        let mut memo = vec![u32::MAX; dict_len(t, *c)];
        for (row, &code) in src.iter().enumerate().take(n) {
            let slot = memo.get_mut(code as usize);
            let out = match slot {
                Some(s) if *s != u32::MAX => *s,
                _ => {
                    let v = at(row)?;
                    let k = u32::try_from(dict.len()).unwrap_or(u32::MAX);
                    dict.push(v);
                    if let Some(s) = memo.get_mut(code as usize) {
                        *s = k;
                    }
                    k
                }
            };
            codes.push(out);
        }
        return Ok(Coded::Dict { codes, dict });
    }
    let srcs: SmallVec<[&[u32]; 4]> = cols.iter().map(|&c| codes_of(t, c)).collect();
    let mut memo: FxMap<SmallVec<[u32; 4]>, u32> = FxMap::default();
    for row in 0..n {
        if row == PROBE_ROWS && dict.len() > PROBE_ROWS / 4 {
            // mostly distinct combinations: finish row by row
            let mut vals: Vec<Value> = codes.iter().map(|&k| dict[k as usize].clone()).collect();
            vals.reserve(n - row);
            for r in row..n {
                vals.push(at(r)?);
            }
            return Ok(Coded::Plain(vals));
        }
        let key: SmallVec<[u32; 4]> = srcs
            .iter()
            .map(|s| s.get(row).copied().unwrap_or(u32::MAX))
            .collect();
        let out = if let Some(k) = memo.get(&key) {
            *k
        } else {
            let v = at(row)?;
            let k = u32::try_from(dict.len()).unwrap_or(u32::MAX);
            dict.push(v);
            memo.insert(key, k);
            k
        };
        codes.push(out);
    }
    Ok(Coded::Dict { codes, dict })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::datetime::DateTime;
    use crate::table::{Column, ColumnData, Table};
    use crate::value::{Type, Value};
    use crate::{Database, Options, evaluate};

    fn rows() -> (Vec<Column>, Vec<Vec<Value>>) {
        let cols = vec![
            Column::new("s", Type::String),
            Column::new("n", Type::Long),
            Column::new("d", Type::Dynamic),
        ];
        let rows = (0..300i64)
            .map(|i| {
                vec![
                    Value::string(["a", "B", "c"][usize::try_from(i % 3).unwrap_or(0)]),
                    Value::Long(i % 7),
                    if i == 250 {
                        Value::string("x")
                    } else {
                        Value::Long(i % 5)
                    },
                ]
            })
            .collect();
        (cols, rows)
    }

    /// The same rows twice: dictionary encoded (`T`) and plain (`P`).
    fn db() -> Database {
        let (cols, rows) = rows();
        let mut db = Database::new();
        let coded = Table::from_rows(cols.clone(), rows.clone());
        assert!(matches!(&*coded.data()[0], ColumnData::Dict { .. }));
        assert!(matches!(&*coded.data()[1], ColumnData::Dict { .. }));
        let n = rows.len();
        let plain = (0..cols.len())
            .map(|c| {
                Arc::new(ColumnData::Plain(
                    rows.iter().map(|r| r[c].clone()).collect(),
                ))
            })
            .collect();
        db.add_table("T", coded);
        db.add_table("P", Table::from_columns(cols, plain, n));
        db
    }

    fn run(db: &Database, q: &str) -> Result<String, String> {
        let opts = Options::at(DateTime::UNIX_EPOCH);
        evaluate(q, db, &opts)
            .map(|t| t.to_text())
            .map_err(|e| e.message)
    }

    #[test]
    fn coded_and_plain_columns_agree() {
        let db = db();
        for q in [
            "| extend u = toupper(s), k = strcat(s, '-', n), m = n * 2 | where m > 4",
            "| where s =~ 'b' and n in (1, 3)",
            "| extend t = iff(n > 3, s, 'none') | extend l = strlen(t) | summarize count() by t, l",
            "| extend x = case(s == 'a', n, s == 'c', -n, 0) | project x, s",
            "| where d != 'x' | extend e = toint(d) + n | summarize sum(e) by s",
        ] {
            let coded = run(&db, &format!("T {q}"));
            let plain = run(&db, &format!("P {q}"));
            assert_eq!(coded, plain, "{q}");
        }
    }

    #[test]
    fn equal_values_under_different_codes_make_one_group() {
        let db = db();
        // `k` gets one dictionary entry per `s` code, all holding 1
        let coded = run(&db, "T | extend k = strlen(s) | summarize count() by k");
        assert_eq!(
            coded,
            run(&db, "P | extend k = strlen(s) | summarize count() by k")
        );
        assert_eq!(coded.map(|t| t.lines().count()), Ok(2));
    }

    #[test]
    fn errors_come_from_the_same_row() {
        let db = db();
        let q = "| extend e = d + n";
        let coded = run(&db, &format!("T {q}"));
        assert!(coded.is_err());
        assert_eq!(coded, run(&db, &format!("P {q}")));
    }

    #[test]
    fn impure_calls_are_evaluated_per_row() {
        let db = db();
        let out = run(&db, "T | extend r = rand() + n | summarize dcount(r)").unwrap_or_default();
        // 300 rows, 7 distinct `n`: one value per row, not per code
        assert!(out.lines().nth(1).is_some_and(|l| l.trim() != "7"), "{out}");
    }

    #[test]
    fn derived_columns_stay_coded() {
        let db = db();
        let opts = Options::at(DateTime::UNIX_EPOCH);
        let t = evaluate("T | extend u = toupper(s), k = strcat(u, n)", &db, &opts);
        let t = t.unwrap_or_default();
        let k = t.column_index("k").unwrap_or(0);
        assert!(matches!(&*t.data()[k], ColumnData::Dict { dict, .. } if dict.len() <= 21));
    }
}
