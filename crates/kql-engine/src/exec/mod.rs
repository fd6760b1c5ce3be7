//! Execution: runs a [`Plan`] over the [`Database`], operator by operator.
//!
//! Each operator takes its input [`Table`] and produces a new one; columns are shared, not copied, so
//! `extend` adds columns and `project` picks them without touching cells. Every operator binds its
//! expressions once against its input's schema (`bind.rs`) and evaluates rows with `eval`. Work is
//! charged to the [`Budget`] and every result's size checked against `max_rows`.
//!
//! Files: `bind.rs` binding and static types; `source.rs` tables, `datatable`, `print`, `range`,
//! `union`, watchlists; `basic.rs` row-wise operators (`where`, `extend`, `project*`, `take`,
//! `count`, `distinct`, `serialize`, `getschema`); `sort.rs` `sort`/`top`; `summarize.rs`;
//! `join.rs` `join`/`lookup`; `memo.rs` evaluation once per distinct dictionary code; `mv.rs` `mv-expand`/`mv-apply`; `parse.rs` `parse`/`parse-where`;
//! `series.rs` `make-series`; `plugins.rs` `evaluate` plugins; `partition` lives in `basic.rs`.

// Every operator is a method of the executor taking its input table by value (the pipeline hands
// each table on), whether or not that operator needs the executor or consumes the table.
#![allow(clippy::unused_self, clippy::needless_pass_by_value)]

mod basic;
pub(crate) mod bind;
mod join;
pub(crate) mod memo;
mod mv;
mod parse;
pub(crate) mod plugins;
mod series;
mod sort;
mod source;
mod summarize;

use std::cell::RefCell;

use crate::database::Database;
use crate::error::{EvalError, Result};
use crate::functions::Cx;
use crate::ir::{Op, Plan};
use crate::options::{Budget, Options};
use crate::table::Table;

/// Executes plans for one query.
pub(crate) struct Exec<'a> {
    pub(crate) db: &'a Database,
    pub(crate) opts: &'a Options,
    pub(crate) cx: Cx<'a>,
    /// Inputs of the enclosing `mv-apply` / `partition` sub-queries.
    inputs: RefCell<Vec<Table>>,
}

impl<'a> Exec<'a> {
    pub(crate) fn new(
        db: &'a Database,
        opts: &'a Options,
        budget: &'a Budget,
        now: crate::datetime::DateTime,
    ) -> Exec<'a> {
        Exec {
            db,
            opts,
            cx: Cx::new(now, budget),
            inputs: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn budget(&self) -> &Budget {
        self.cx.budget
    }

    /// Runs a plan.
    pub(crate) fn run(&self, plan: &Plan) -> Result<Table> {
        let t = match plan {
            Plan::Scan { name, range } => self.scan(name).map_err(|e| e.at(range.clone()))?,
            Plan::Literal(t) => t.clone(),
            Plan::Datatable {
                columns,
                values,
                range,
            } => self
                .datatable(columns, values)
                .map_err(|e| e.at(range.clone()))?,
            Plan::Print(items) => self.print(items)?,
            Plan::Range {
                name,
                from,
                to,
                step,
                range,
            } => self
                .range(name, from, to, step)
                .map_err(|e| e.at(range.clone()))?,
            Plan::Watchlist { alias, range } => {
                self.watchlist(alias).map_err(|e| e.at(range.clone()))?
            }
            Plan::Union {
                inputs,
                names,
                withsource,
                outer,
            } => self.union(inputs, names, withsource.as_deref(), *outer)?,
            Plan::Cached(sub) => self.subquery(sub)?,
            Plan::Shared(s, _) => {
                if let Some(r) = s.cache.get() {
                    r.clone()?
                } else {
                    let plan = crate::optimize::shared_plan(s);
                    let r = self.run(&plan).map_err(|e| e.at(s.range.clone()));
                    let _ = s.cache.set(r.clone());
                    r?
                }
            }
            Plan::Input => self.inputs.borrow().last().cloned().ok_or_else(|| {
                EvalError::runtime(
                    "this sub-query has no input (it must follow `mv-apply … on` or `partition`)",
                )
            })?,
            Plan::Pipe(input, op) => {
                let t = self.run(input)?;
                self.apply(op, t)?
            }
        };
        self.budget().check_rows(t.len())?;
        self.budget().spend(t.len() as u64 + 1)?;
        Ok(t)
    }

    /// Runs `plan` with `input` as its implicit input.
    pub(crate) fn run_with_input(&self, plan: &Plan, input: Table) -> Result<Table> {
        self.inputs.borrow_mut().push(input);
        let r = self.run(plan);
        self.inputs.borrow_mut().pop();
        r
    }

    fn apply(&self, op: &Op, t: Table) -> Result<Table> {
        match op {
            Op::Where(e) => self.filter(t, e),
            Op::Extend(items) => self.extend(t, items),
            Op::Project(items) => self.project(t, items),
            Op::ProjectAway(p) => Ok(self.project_away(t, p)),
            Op::ProjectKeep(p) => Ok(self.project_keep(t, p)),
            Op::ProjectRename(pairs) => self.project_rename(t, pairs),
            Op::ProjectReorder(items) => Ok(self.project_reorder(t, items)),
            Op::ProjectByNames(exprs) => self.project_by_names(t, exprs),
            Op::Summarize { aggs, by } => self.summarize(t, aggs, by),
            Op::Sort(keys) => self.sort(t, keys),
            Op::Top { count, key } => self.top(t, count, key),
            Op::Take(n) => self.take(t, n),
            Op::Count(name) => Ok(basic::count(&t, name)),
            Op::Distinct(items) => self.distinct(t, items),
            Op::DistinctAll => Ok(self.distinct_all(&t)),
            Op::Join {
                kind,
                right,
                on,
                lookup,
                range,
            } => self
                .join(t, *kind, right, on, *lookup)
                .map_err(|e| e.at(range.clone())),
            Op::MvExpand {
                items,
                bag_as_array,
                itemindex,
                limit,
            } => self.mv_expand(
                &t,
                items,
                *bag_as_array,
                itemindex.as_deref(),
                limit.as_ref(),
            ),
            Op::MvApply {
                items,
                bag_as_array,
                itemindex,
                limit,
                sub,
            } => self.mv_apply(
                &t,
                items,
                *bag_as_array,
                itemindex.as_deref(),
                limit.as_ref(),
                sub,
            ),
            Op::Parse {
                source,
                steps,
                kind,
                flags,
                where_only,
                range,
            } => self
                .parse(&t, source, steps, *kind, flags, *where_only)
                .map_err(|e| e.at(range.clone())),
            Op::MakeSeries {
                aggs,
                defaults,
                axis,
                axis_name,
                from,
                to,
                step,
                by,
                range,
            } => self
                .make_series(
                    &t,
                    aggs,
                    defaults,
                    axis,
                    axis_name,
                    from.as_ref(),
                    to.as_ref(),
                    step,
                    by,
                )
                .map_err(|e| e.at(range.clone())),
            Op::Evaluate(p) => self.plugin(t, p),
            Op::Serialize(items) => {
                if items.is_empty() {
                    Ok(t)
                } else {
                    self.extend(t, items)
                }
            }
            Op::Getschema => Ok(basic::getschema(&t)),
            Op::Partition { by, sub } => self.partition(t, by, sub),
            Op::Nop => Ok(t),
        }
    }
}

/// `*` wildcard match of a column or table name (`a*`, `*_s`, `a*b`).
pub(crate) fn wildcard(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}
