//! `sentinel_kql_engine`: a pure-Rust KQL evaluator over in-memory tables.
//!
//! It runs Microsoft Sentinel content offline — detections, saved functions, hunting queries — on the
//! same syntax tree `sentinel_kql` validates, following Kusto's documented semantics. No I/O, no async,
//! no threads. Anything it does not implement is an [`ErrorKind::Unsupported`] error naming the
//! operator or function, raised before any row is processed: never a silently wrong answer.
//!
//! ```
//! use sentinel_kql_engine::{evaluate, Column, Database, DateTime, Options, Table, Type, Value};
//! let mut db = Database::new();
//! let mut t = Table::new(vec![Column::new("User", Type::String), Column::new("Failed", Type::Bool)]);
//! t.push_row(vec![Value::from("alice"), Value::from(true)]);
//! t.push_row(vec![Value::from("alice"), Value::from(true)]);
//! t.push_row(vec![Value::from("bob"), Value::from(false)]);
//! db.add_table("SignIns", t);
//! let now = DateTime::parse("2024-01-01T00:00:00Z").unwrap();
//! let out = evaluate("SignIns | summarize Failures = countif(Failed) by User | where Failures > 1", &db, &Options::at(now)).unwrap();
//! assert_eq!(out.to_text(), "User  | Failures\nalice | 2\n");
//! ```
//!
//! # Interface
//!
//! * [`evaluate`]`(query, &Database, &Options) -> Result<Table, EvalError>` — the table of the query's
//!   last statement (a `print` is a one-row table).
//! * [`Database`] — tables ([`Database::add_table`]), saved functions ([`Database::add_function`], callable
//!   with and without arguments as in a workspace), watchlists for `_GetWatchlist`
//!   ([`Database::add_watchlist`]).
//! * [`Table`], [`Column`], [`Type`], [`Value`] — columnar tables of typed values; `dynamic` values are
//!   [`Value::Array`] / [`Value::Bag`] trees of values. [`Value::parse_as`] reads a CSV/JSONL cell for a
//!   column type; [`Value::to_kusto_string`] and [`Value::to_json`] write values as Kusto does.
//! * [`Options`] — `now()` for the whole query, Sentinel's query window (every scan of a table with a
//!   `TimeGenerated` column sees only `(start, end]`), and [`Limits`] (rows, `range` size, steps, time,
//!   string size, call depth), each failing with an [`ErrorKind::Limit`] error naming it.
//! * [`EvalError`] — kind, message, hint, byte range in the query (or in a saved function's body).
//!
//! # Pipeline (where to start reading)
//!
//! 1. `sentinel_kql::parser::parse` builds the syntax tree (syntax errors stop here).
//! 2. `compile` resolves `let`s, lambdas and saved functions by inlining, turns literals into values
//!    and built-in calls into implementations, names unnamed columns the way Kusto does: a [`ir::Plan`].
//! 3. `optimize` prunes columns nobody reads and moves filters ahead of the `extend`s they do not
//!    depend on, so a saved function that derives fifty columns computes the three a rule uses.
//! 4. `exec` runs the plan operator by operator; each binds its expressions to its input's columns
//!    once (`exec/bind.rs`), then `eval` evaluates rows — once per distinct input when the columns an
//!    expression reads are dictionary encoded (`exec/memo.rs`), the result staying encoded.
//!
//! # File overview
//!
//! | file | owns |
//! |---|---|
//! | `value.rs`, `datetime.rs` | [`Value`], [`Type`], [`Bag`]; [`DateTime`] and [`TimeSpan`] (ticks, calendar, text forms) |
//! | `convert.rs`, `compare.rs` | text/JSON forms of values; equality, ordering, grouping identity |
//! | `scalar_ops.rs` | arithmetic, comparison and string operators |
//! | `table.rs`, `database.rs` | [`Table`] (columnar, dictionary-encoded while values repeat) and [`Database`] |
//! | `compile/` | syntax tree → plan: scopes and inlining, expressions, operators, literals, naming |
//! | `ir.rs` | the plan and expression types |
//! | `optimize.rs` | column pruning and filter pushdown |
//! | `exec/` | operators (see its module docs) |
//! | `eval.rs` | row evaluation and window functions |
//! | `functions/` | built-in scalar functions by family |
//! | `aggregates.rs` | aggregation functions |
//! | `options.rs`, `error.rs` | [`Options`], [`Limits`] and the budget; [`EvalError`] |
//!
//! `docs/kql-engine.md` lists what is implemented, the conformance results against Microsoft's
//! documented examples, and every place the engine knowingly differs from Kusto.

#![deny(missing_docs)]
// KQL defines its numeric conversions as these casts (`toreal(long)`, `tolong(real)` truncation,
// tick arithmetic on datetimes), and its `==` on reals compares exactly: the engine must do the same.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::float_cmp
)]

mod aggregates;
mod compare;
mod compile;
mod convert;
mod database;
mod datetime;
mod error;
mod eval;
mod exec;
mod functions;
mod ir;
mod optimize;
mod options;
mod scalar_ops;
mod table;
mod value;

pub use database::Database;
pub use datetime::{DateTime, TimeSpan};
pub use error::{ErrorKind, EvalError};
pub use options::{Limits, Options};
pub use table::{Column, Table};
pub use value::{Bag, Decimal, Guid, Type, Value};

/// Evaluates `query` over `db` and returns the table of its last statement.
pub fn evaluate(query: &str, db: &Database, options: &Options) -> Result<Table, EvalError> {
    let budget = options::Budget::new(&options.limits);
    let compiler = compile::Compiler::new(db, options.now, options.limits.max_call_depth);
    let plan = compiler.compile_query(query)?;
    let plan = optimize::optimize(plan);
    let settings = compiler.settings.into_inner();
    let now = settings.now.unwrap_or(options.now);
    let exec = exec::Exec::new(db, options, &budget, now);
    *exec.cx.bin_auto.borrow_mut() = (settings.bin_auto_size, settings.bin_auto_at);
    exec.run(&plan)
}

/// Names of the built-in scalar and aggregation functions the engine implements (sorted), for
/// documentation and for tools that want to warn before running a query.
pub fn implemented_functions() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = functions::names().chain(aggregates::names()).collect();
    v.extend([
        "iff",
        "iif",
        "case",
        "coalesce",
        "column_ifexists",
        "columnifexists",
        "pack_all",
        "bag_pack_columns",
        "toscalar",
        "row_number",
        "prev",
        "next",
        "row_cumsum",
        "row_rank_min",
        "row_rank_dense",
        "row_window_session",
    ]);
    v.sort_unstable();
    v.dedup();
    v
}
