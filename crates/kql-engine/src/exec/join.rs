//! `join` (every kind) and `lookup`.
//!
//! A hash join on the equality keys (null keys never match), or a nested loop for `join … where`.
//! From the join pages: the default kind is `innerunique` (the left side deduplicated on the key, first
//! row kept); the output is the left columns then the right ones, a right column whose name is taken
//! getting a `1` suffix (`Key1`, `Value21`…); `leftanti`/`leftsemi` return left columns only,
//! `rightanti`/`rightsemi` right columns only; `lookup` (default `leftouter`) does not repeat the right
//! side's key columns. Rows come out in left order, each left row's matches in right order; unmatched
//! right rows of `rightouter`/`fullouter` follow.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::Exec;
use crate::compare::KeyRow;
use crate::compile::naming::unique;
use crate::error::Result;
use crate::eval::{Row, eval};
use crate::ir::{Expr, JoinKind, JoinOn, Plan};
use crate::scalar_ops::truthy;
use crate::table::{Column, ColumnData, Table};
use crate::value::Value;

impl Exec<'_> {
    pub(super) fn join(
        &self,
        left: Table,
        kind: JoinKind,
        right: &Plan,
        on: &JoinOn,
        lookup: bool,
    ) -> Result<Table> {
        let right = self.run(right)?;
        let (pairs, right_keys_dropped) = match on {
            JoinOn::Keys(keys) => {
                let lk: Vec<Expr> = keys
                    .iter()
                    .map(|(l, _)| self.bind(l, left.columns()))
                    .collect::<Result<_>>()?;
                let rk: Vec<Expr> = keys
                    .iter()
                    .map(|(_, r)| self.bind(r, right.columns()))
                    .collect::<Result<_>>()?;
                let dropped: Vec<usize> = if lookup {
                    rk.iter()
                        .filter_map(|e| if let Expr::Col(i) = e { Some(*i) } else { None })
                        .collect()
                } else {
                    Vec::new()
                };
                (self.hash_match(&left, &right, &lk, &rk, kind)?, dropped)
            }
            JoinOn::Where(pred) => (self.loop_match(&left, &right, pred, kind)?, Vec::new()),
        };
        self.budget().check_rows(pairs.len())?;
        Ok(assemble(&left, &right, &pairs, kind, &right_keys_dropped))
    }

    fn keys_of(&self, t: &Table, keys: &[Expr]) -> Result<Vec<Option<KeyRow>>> {
        self.budget().spend(t.len() as u64)?;
        (0..t.len())
            .map(|row| {
                let r = Row::new(t, row);
                let vals = keys
                    .iter()
                    .map(|k| eval(k, &r, &self.cx))
                    .collect::<Result<Vec<_>>>()?;
                Ok(if vals.iter().any(Value::is_null) {
                    None
                } else {
                    Some(KeyRow(vals))
                })
            })
            .collect()
    }

    /// Matching (left row, right row) pairs; `None` on one side for unmatched outer rows.
    fn hash_match(
        &self,
        left: &Table,
        right: &Table,
        lk: &[Expr],
        rk: &[Expr],
        kind: JoinKind,
    ) -> Result<Vec<(Option<usize>, Option<usize>)>> {
        let lkeys = self.keys_of(left, lk)?;
        let rkeys = self.keys_of(right, rk)?;
        let mut index: HashMap<&KeyRow, Vec<usize>> = HashMap::new();
        for (i, k) in rkeys.iter().enumerate() {
            if let Some(k) = k {
                index.entry(k).or_default().push(i);
            }
        }
        let mut pairs = Vec::new();
        let mut right_matched = vec![false; right.len()];
        let mut seen_left: HashSet<&KeyRow> = HashSet::new();
        let max = self.budget().max_rows;
        for (li, k) in lkeys.iter().enumerate() {
            let matches = k.as_ref().and_then(|k| index.get(k));
            if kind == JoinKind::InnerUnique {
                let Some(k) = k else { continue };
                if !seen_left.insert(k) {
                    continue;
                }
            }
            match matches {
                Some(rows) => {
                    for &ri in rows {
                        right_matched[ri] = true;
                    }
                    match kind {
                        JoinKind::LeftSemi => pairs.push((Some(li), None)),
                        JoinKind::LeftAnti | JoinKind::RightSemi | JoinKind::RightAnti => {}
                        _ => {
                            for &ri in rows {
                                pairs.push((Some(li), Some(ri)));
                            }
                        }
                    }
                }
                None => {
                    if matches!(
                        kind,
                        JoinKind::LeftOuter | JoinKind::FullOuter | JoinKind::LeftAnti
                    ) {
                        pairs.push((Some(li), None));
                    }
                }
            }
            if pairs.len() > max {
                self.budget().check_rows(pairs.len())?;
            }
        }
        self.budget().spend(pairs.len() as u64)?;
        finish_right(&mut pairs, &right_matched, kind);
        Ok(pairs)
    }

    /// `join … where`: every pair for which the predicate holds (left columns, then right ones; a bare
    /// name is the left column if there is one, else the right one).
    fn loop_match(
        &self,
        left: &Table,
        right: &Table,
        pred: &Expr,
        kind: JoinKind,
    ) -> Result<Vec<(Option<usize>, Option<usize>)>> {
        let mut cols: Vec<Column> = Vec::new();
        for c in left.columns() {
            cols.push(Column::new(format!("$left.{}", c.name), c.ty));
        }
        for c in right.columns() {
            cols.push(Column::new(format!("$right.{}", c.name), c.ty));
        }
        // bare names: the left column, else the right one
        let bare = crate::exec::bind::map_expr(pred.clone(), &mut |x| match x {
            Expr::Name {
                name,
                fallback,
                range,
            } if !name.starts_with('$') => {
                let side = if left.column_index(&name).is_some() {
                    "$left"
                } else {
                    "$right"
                };
                Expr::Name {
                    name: Arc::from(format!("{side}.{name}")),
                    fallback,
                    range,
                }
            }
            other => other,
        });
        let e = self.bind(&bare, &cols)?;
        let mut pairs = Vec::new();
        let mut right_matched = vec![false; right.len()];
        self.budget()
            .spend((left.len() as u64).saturating_mul(right.len() as u64))?;
        let zeros: Vec<u32> = vec![0; right.len()];
        for li in 0..left.len() {
            // the left row broadcast next to every right row
            let mut data: Vec<Arc<ColumnData>> = left
                .data()
                .iter()
                .map(|d| {
                    Arc::new(ColumnData::Dict {
                        codes: zeros.clone(),
                        dict: Arc::new(vec![d.get(li).clone()]),
                    })
                })
                .collect();
            data.extend(right.data().iter().cloned());
            let combined = Table::from_columns(cols.clone(), data, right.len());
            let mut any = false;
            for (ri, matched) in right_matched.iter_mut().enumerate() {
                if truthy(&eval(&e, &Row::new(&combined, ri), &self.cx)?) {
                    any = true;
                    *matched = true;
                    if !matches!(
                        kind,
                        JoinKind::LeftSemi
                            | JoinKind::LeftAnti
                            | JoinKind::RightSemi
                            | JoinKind::RightAnti
                    ) {
                        pairs.push((Some(li), Some(ri)));
                        if kind == JoinKind::InnerUnique {
                            break;
                        }
                    }
                }
            }
            match kind {
                JoinKind::LeftSemi if any => pairs.push((Some(li), None)),
                JoinKind::LeftAnti | JoinKind::LeftOuter | JoinKind::FullOuter if !any => {
                    pairs.push((Some(li), None));
                }
                _ => {}
            }
            self.budget().check_rows(pairs.len())?;
        }
        finish_right(&mut pairs, &right_matched, kind);
        Ok(pairs)
    }
}

/// Adds the right-side rows the kind asks for (unmatched for outer/anti, matched for semi).
fn finish_right(pairs: &mut Vec<(Option<usize>, Option<usize>)>, matched: &[bool], kind: JoinKind) {
    match kind {
        JoinKind::RightOuter | JoinKind::FullOuter | JoinKind::RightAnti => {
            pairs.extend(
                matched
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| !**m)
                    .map(|(i, _)| (None, Some(i))),
            );
        }
        JoinKind::RightSemi => pairs.extend(
            matched
                .iter()
                .enumerate()
                .filter(|(_, m)| **m)
                .map(|(i, _)| (None, Some(i))),
        ),
        _ => {}
    }
}

fn assemble(
    left: &Table,
    right: &Table,
    pairs: &[(Option<usize>, Option<usize>)],
    kind: JoinKind,
    dropped: &[usize],
) -> Table {
    let (with_left, with_right) = match kind {
        JoinKind::LeftSemi | JoinKind::LeftAnti => (true, false),
        JoinKind::RightSemi | JoinKind::RightAnti => (false, true),
        _ => (true, true),
    };
    let mut cols: Vec<Column> = Vec::new();
    let mut data: Vec<Arc<ColumnData>> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    if with_left {
        let rows: Vec<Option<usize>> = pairs.iter().map(|p| p.0).collect();
        for (c, d) in left.columns().iter().zip(left.data()) {
            names.push(c.name.clone());
            cols.push(c.clone());
            data.push(Arc::new(gather_opt(d, &rows, c.ty)));
        }
    }
    if with_right {
        let rows: Vec<Option<usize>> = pairs.iter().map(|p| p.1).collect();
        for (i, (c, d)) in right.columns().iter().zip(right.data()).enumerate() {
            if dropped.contains(&i) {
                continue;
            }
            let name = unique(&names, &c.name);
            names.push(name.clone());
            cols.push(Column::new(name, c.ty));
            data.push(Arc::new(gather_opt(d, &rows, c.ty)));
        }
    }
    Table::from_columns(cols, data, pairs.len())
}

/// Gathers with nulls (empty strings for string columns) for missing rows.
fn gather_opt(d: &ColumnData, rows: &[Option<usize>], ty: crate::value::Type) -> ColumnData {
    if rows.iter().all(Option::is_some) {
        let r: Vec<usize> = rows.iter().flatten().copied().collect();
        return d.gather(&r);
    }
    let null = if ty == crate::value::Type::String {
        Value::string("")
    } else {
        Value::Null
    };
    ColumnData::Plain(
        rows.iter()
            .map(|r| r.map_or_else(|| null.clone(), |r| d.get(r).clone()))
            .collect(),
    )
}
