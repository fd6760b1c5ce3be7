//! The engine's intermediate form: compiled scalar expressions ([`Expr`]) and tabular plans ([`Plan`]).
//!
//! `compile` turns the `sentinel_kql` syntax tree into this form: literals become values, `let` names,
//! lambdas and saved functions are inlined, built-in functions are resolved to their implementations,
//! unnamed columns get Kusto's names. Column references stay *names* ([`Expr::Name`]) because a
//! pipeline's schema is only known while it runs (`evaluate bag_unpack`, `pivot`); each operator binds
//! its expressions once against its input schema (`exec::bind`), turning names into column indexes
//! ([`Expr::Col`]), before it touches a row.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;

use crate::aggregates::AggFn;
use crate::error::Result;
use crate::functions::Func;
use crate::scalar_ops::{Arith, Cmp, StrOp};
use crate::table::Table;
use crate::value::{Type, Value};

/// A compiled scalar expression.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    /// A constant.
    Const(Value),
    /// A name: a column of the operator's input if it has one, else `fallback` (a `let` value or a
    /// parameter, inlined), else an error.
    Name {
        name: Arc<str>,
        fallback: Option<Box<Expr>>,
        range: Range<usize>,
    },
    /// A bound column reference.
    Col(usize),
    /// Unary minus.
    Neg(Box<Expr>),
    /// Arithmetic.
    Arith(Arith, Box<Expr>, Box<Expr>, Range<usize>),
    /// Comparison.
    Cmp(Cmp, Box<Expr>, Box<Expr>),
    /// A string predicate.
    Str {
        op: StrOp,
        cs: bool,
        neg: bool,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `matches regex`; `re` is compiled at bind time when the pattern is constant.
    Regex {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        re: Option<Arc<regex::Regex>>,
        range: Range<usize>,
    },
    /// `and` (null acts as false).
    And(Box<Expr>, Box<Expr>),
    /// `or`.
    Or(Box<Expr>, Box<Expr>),
    /// `in`, `!in`, `in~`, `!in~` over a list; bound into [`Expr::InSet`] when the list is constant.
    In {
        neg: bool,
        ci: bool,
        lhs: Box<Expr>,
        list: Vec<ListItem>,
    },
    /// A bound `in` over constant values.
    InSet {
        neg: bool,
        ci: bool,
        lhs: Box<Expr>,
        set: Rc<InValues>,
    },
    /// `has_any` / `has_all`.
    HasAny {
        all: bool,
        lhs: Box<Expr>,
        list: Vec<ListItem>,
        /// Folded constant terms, filled at bind time.
        terms: Option<Rc<Vec<String>>>,
    },
    /// `between` / `!between`.
    Between {
        neg: bool,
        v: Box<Expr>,
        lo: Box<Expr>,
        hi: Box<Expr>,
    },
    /// A built-in scalar function.
    Call {
        f: &'static Func,
        args: Vec<Expr>,
        range: Range<usize>,
    },
    /// `iff(c, a, b)`.
    Iff(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `case(c1, v1, …, else)`.
    Case(Vec<(Expr, Expr)>, Box<Expr>),
    /// `coalesce(a, b, …)`.
    Coalesce(Vec<Expr>),
    /// `d.key`.
    Member(Box<Expr>, Arc<str>),
    /// `d[i]` / `d['key']`.
    Index(Box<Expr>, Box<Expr>),
    /// The `i`th aggregate of the enclosing `summarize` / `make-series` item.
    Agg(usize),
    /// A window function over the serialized row set.
    Window {
        f: WindowFn,
        args: Vec<Expr>,
        slot: usize,
        range: Range<usize>,
    },
    /// `toscalar(…)`, evaluated once (at bind) and cached.
    ToScalar(Rc<SubQuery>),
    /// Conversion to a declared type (lambda parameters, `to typeof(…)`).
    Cast(Type, Box<Expr>),
    /// `column_ifexists('name', default)`.
    ColumnIfExists(Arc<str>, Box<Expr>),
    /// `pack_all([ignore_null_empty])`: a bag of the current row.
    PackAll(bool),
    /// `typeof(t)` as a value (only meaningful to `column_ifexists`/`gettype` comparisons): its name.
    TypeOf(Type),
}

/// A list element of `in` / `has_any`: a scalar or a tabular sub-query (its first column).
#[derive(Debug, Clone)]
pub(crate) enum ListItem {
    Scalar(Expr),
    Table(Rc<SubQuery>),
}

/// A tabular `let` shared by its uses (see `compile/mod.rs`): evaluated once, with only the columns
/// its uses read when `optimize` saw every use.
#[derive(Debug)]
pub(crate) struct SharedLet {
    /// The optimized plan, keeping every column.
    pub(crate) plan: Plan,
    pub(crate) range: Range<usize>,
    /// Use sites created so far (each [`Plan::Shared`] carries its number).
    pub(crate) uses: Cell<usize>,
    /// Per use site, the columns it reads (`None`: every column), filled by `optimize`.
    pub(crate) needs: RefCell<HashMap<usize, Option<HashSet<String>>>>,
    /// Per use site, the filters it starts with (`None`: none), filled by `optimize`.
    pub(crate) filters: RefCell<HashMap<usize, Option<Expr>>>,
    pub(crate) cache: OnceCell<Result<Table>>,
}

/// A tabular sub-query used as a value, evaluated once.
#[derive(Debug)]
pub(crate) struct SubQuery {
    pub(crate) plan: Plan,
    pub(crate) range: Range<usize>,
    pub(crate) cache: OnceCell<Result<Table>>,
}

/// The constant values of an `in` list.
#[derive(Debug)]
pub(crate) struct InValues {
    pub(crate) set: std::collections::HashSet<crate::compare::Key>,
    /// True when the list has a null (nothing is `in` it, but `!in` is still false for null input).
    pub(crate) has_null: bool,
}

/// Window functions (the row set must be serialized).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WindowFn {
    RowNumber,
    Prev,
    Next,
    RowCumsum,
    RowRankMin,
    RowRankDense,
    RowWindowSession,
}

/// One aggregate call inside a `summarize` item.
#[derive(Debug, Clone)]
pub(crate) struct AggCall {
    pub(crate) f: &'static AggFn,
    pub(crate) args: Vec<Expr>,
    /// `arg_max(x, *)`-style star expansion.
    pub(crate) star: bool,
    /// The names Kusto derives for each argument (for multi-column aggregates).
    pub(crate) arg_names: Vec<Option<String>>,
}

/// A named column-producing expression (`extend`, `project`, `print`, `summarize by`).
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// Output names (one, or several for `(a, b) = …`).
    pub(crate) names: Vec<String>,
    pub(crate) expr: Expr,
    pub(crate) range: Range<usize>,
}

/// A `summarize` / `make-series` aggregation item: aggregates plus the expression over their results.
#[derive(Debug, Clone)]
pub(crate) struct AggItem {
    /// Explicit names (`x = count()`, `(a, b) = arg_max(…)`).
    pub(crate) names: Vec<String>,
    /// The name Kusto gives the item when unnamed (`count_`, `dcount_User`…).
    pub(crate) auto_name: String,
    pub(crate) aggs: Vec<AggCall>,
    /// The value, over [`Expr::Agg`] slots; `None` when the item is a single multi-column aggregate
    /// (`arg_max`, `arg_min`, `take_any` with several arguments).
    pub(crate) outer: Option<Expr>,
}

/// A sort key.
#[derive(Debug, Clone)]
pub(crate) struct SortKey {
    pub(crate) expr: Expr,
    pub(crate) desc: bool,
    pub(crate) nulls_first: bool,
}

/// Join kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JoinKind {
    InnerUnique,
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
    LeftAnti,
    RightAnti,
    LeftSemi,
    RightSemi,
}

/// The join condition.
#[derive(Debug, Clone)]
pub(crate) enum JoinOn {
    /// Equality keys: (left expression, right expression) pairs, over each side's own columns.
    Keys(Vec<(Expr, Expr)>),
    /// `join … where`: a predicate over the combined row (left columns, then right columns).
    Where(Expr),
}

/// One part of a `parse` pattern.
#[derive(Debug, Clone)]
pub(crate) enum ParseStep {
    Literal(String),
    Star,
    Column(String, Type),
}

/// `parse` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseKind {
    Simple,
    Relaxed,
    Regex,
}

/// `mv-expand` item.
#[derive(Debug, Clone)]
pub(crate) struct MvItem {
    pub(crate) name: String,
    pub(crate) expr: Expr,
    pub(crate) to: Option<Type>,
}

/// A tabular plan.
#[derive(Debug, Clone)]
pub(crate) enum Plan {
    /// A database table (window-filtered).
    Scan { name: String, range: Range<usize> },
    /// A literal table.
    Literal(Table),
    /// `datatable(cols) [values]` (values are constant expressions, converted to the column types).
    Datatable {
        columns: Vec<crate::table::Column>,
        values: Vec<Expr>,
        range: Range<usize>,
    },
    /// `print`.
    Print(Vec<Item>),
    /// `range x from a to b step c`.
    Range {
        name: String,
        from: Expr,
        to: Expr,
        step: Expr,
        range: Range<usize>,
    },
    /// `_GetWatchlist('alias')`.
    Watchlist { alias: String, range: Range<usize> },
    /// `union` as a source or operator (the operator's input is the first element).
    Union {
        inputs: Vec<Plan>,
        /// Names for `withsource=` (one per input).
        names: Vec<String>,
        withsource: Option<String>,
        outer: bool,
    },
    /// `materialize(…)`: evaluated once.
    Cached(Rc<SubQuery>),
    /// One use (numbered) of a shared `let`.
    Shared(Rc<SharedLet>, usize),
    /// The implicit input of an `mv-apply` / `partition` sub-query.
    Input,
    /// `input | op`.
    Pipe(Box<Plan>, Box<Op>),
}

/// A tabular operator applied to an input.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Where(Expr),
    Extend(Vec<Item>),
    Project(Vec<Item>),
    ProjectAway(Vec<String>),
    ProjectKeep(Vec<String>),
    ProjectRename(Vec<(String, String)>),
    ProjectReorder(Vec<(String, Option<String>)>),
    ProjectByNames(Vec<Expr>),
    Summarize {
        aggs: Vec<AggItem>,
        by: Vec<Item>,
    },
    Sort(Vec<SortKey>),
    Top {
        count: Expr,
        key: SortKey,
    },
    Take(Expr),
    Count(String),
    Distinct(Vec<Item>),
    DistinctAll,
    Join {
        kind: JoinKind,
        right: Plan,
        on: JoinOn,
        lookup: bool,
        range: Range<usize>,
    },
    MvExpand {
        items: Vec<MvItem>,
        bag_as_array: bool,
        itemindex: Option<String>,
        limit: Option<Expr>,
    },
    MvApply {
        items: Vec<MvItem>,
        bag_as_array: bool,
        itemindex: Option<String>,
        limit: Option<Expr>,
        sub: Plan,
    },
    Parse {
        source: Expr,
        steps: Vec<ParseStep>,
        kind: ParseKind,
        flags: String,
        where_only: bool,
        range: Range<usize>,
    },
    MakeSeries {
        aggs: Vec<AggItem>,
        defaults: Vec<Option<Value>>,
        axis: Expr,
        axis_name: String,
        from: Option<Expr>,
        to: Option<Expr>,
        step: Expr,
        by: Vec<Item>,
        range: Range<usize>,
    },
    Evaluate(crate::exec::plugins::Plugin),
    /// `serialize` (optionally extending).
    Serialize(Vec<Item>),
    Getschema,
    Partition {
        by: String,
        sub: Plan,
    },
    /// An operator with no effect on rows (`render`, `as`).
    Nop,
}
