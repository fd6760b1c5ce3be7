//! `sort`/`order` and `top`.
//!
//! Keys compare with the total order of `compare::sort_cmp`; `desc` is the default direction; nulls
//! go first when ascending and last when descending unless `nulls first|last` says otherwise (the
//! sort-operator page). The sort is stable, so rows with equal keys keep their input order.

use std::cmp::Ordering;

use super::Exec;
use crate::compare::sort_cmp;
use crate::error::{EvalError, Result};
use crate::ir::{Expr, SortKey};
use crate::table::Table;
use crate::value::Value;

impl Exec<'_> {
    fn sorted_rows(&self, t: &Table, keys: &[SortKey]) -> Result<Vec<usize>> {
        let bound: Vec<Expr> = keys
            .iter()
            .map(|k| self.bind(&k.expr, t.columns()))
            .collect::<Result<_>>()?;
        let columns: Vec<Vec<Value>> = bound
            .iter()
            .map(|e| self.column_of(t, e, None))
            .collect::<Result<_>>()?;
        let mut rows: Vec<usize> = (0..t.len()).collect();
        self.budget().spend(
            (t.len() as u64).saturating_mul(u64::from(usize::BITS - t.len().leading_zeros())),
        )?;
        rows.sort_by(|&a, &b| {
            for (k, col) in keys.iter().zip(&columns) {
                let (x, y) = (&col[a], &col[b]);
                let o = match (x.is_null(), y.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => {
                        if k.nulls_first {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    (false, true) => {
                        if k.nulls_first {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    (false, false) => {
                        let o = sort_cmp(x, y);
                        if k.desc { o.reverse() } else { o }
                    }
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        Ok(rows)
    }

    pub(super) fn sort(&self, t: Table, keys: &[SortKey]) -> Result<Table> {
        let rows = self.sorted_rows(&t, keys)?;
        Ok(t.gather(&rows))
    }

    pub(super) fn top(&self, t: Table, count: &Expr, key: &SortKey) -> Result<Table> {
        let n = match self.bind(count, &[])? {
            Expr::Const(v) => v.as_i64(),
            _ => None,
        }
        .ok_or_else(|| EvalError::runtime("`top` needs a constant number of rows"))?;
        let mut rows = self.sorted_rows(&t, std::slice::from_ref(key))?;
        rows.truncate(usize::try_from(n.max(0)).unwrap_or(0));
        Ok(t.gather(&rows))
    }
}
