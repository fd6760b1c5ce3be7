//! The syntax tree produced by the [`crate::parser`].
//!
//! One [`Query`] is a list of [`Statement`]s (`let …;` and the final expression). Scalar and tabular
//! expressions share [`Expr`], because KQL nests them freely (`toscalar(T | count)`, `x in (T | project y)`);
//! a pipeline is a chain of [`ExprKind::Pipe`] nodes, each applying one [`Operator`]. Sub-queries whose input
//! is implicit (`mv-apply … on (where …)`, `partition … (…)`) start from [`ExprKind::Input`]. Every node
//! carries its byte range in the query. Names are stored unquoted (`['a b']` → `a b`).

use std::ops::Range;

/// An identifier with its range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// Unquoted text.
    pub text: String,
    /// Range of the identifier token(s) in the query.
    pub range: Range<usize>,
}

/// A whole query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// Statements in order.
    pub statements: Vec<Statement>,
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `let name = value`
    Let {
        /// Bound name.
        name: Name,
        /// Value.
        value: LetValue,
    },
    /// A query expression.
    Expr(Expr),
    /// `declare query_parameters(name:type [= default], …)`.
    QueryParameters(Vec<ParamDecl>),
    /// A statement the parser skipped leniently (`set`, `declare`, `alias`…).
    Opaque {
        /// Its first keyword.
        keyword: String,
        /// Its range.
        range: Range<usize>,
    },
}

/// What a `let` binds.
#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// A scalar or tabular expression.
    Expr(Expr),
    /// A lambda / view: `(params) { body }`.
    Function {
        /// Parameters.
        params: Vec<ParamDecl>,
        /// Body statements (the last is the result).
        body: Vec<Statement>,
        /// Range of the whole lambda.
        range: Range<usize>,
    },
}

/// A lambda parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    /// Name.
    pub name: Name,
    /// Type.
    pub ty: ParamType,
    /// Default value.
    pub default: Option<Expr>,
}

/// Type of a lambda parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    /// A scalar type name (`string`, `timespan`…).
    Scalar(String),
    /// A tabular parameter; `None` for `(*)`, otherwise the declared columns.
    Tabular(Option<Vec<ColumnDecl>>),
}

/// `name:type` in `datatable`, `externaldata`, `parse-kv … as (…)`, tabular parameter schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDecl {
    /// Column name.
    pub name: Name,
    /// Type text as written.
    pub ty: String,
}

/// An expression with its range.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub range: Range<usize>,
}

/// Literal kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LitKind {
    /// String.
    String,
    /// Integer (`long`).
    Long,
    /// Real.
    Real,
    /// Timespan.
    TimeSpan,
    /// Bool.
    Bool,
    /// `datetime(…)` literal.
    DateTime,
    /// `guid(…)`.
    Guid,
    /// `int(…)`.
    Int,
    /// `decimal(…)`.
    Decimal,
    /// `dynamic(…)`.
    Dynamic,
}

/// Expression kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A name: column, `let` variable, table or parameter.
    Name(String),
    /// A literal.
    Literal(LitKind),
    /// `*` (in `distinct *`, `arg_max(x, *)`, `count(*)`…).
    Star,
    /// The implicit input of a sub-query (`mv-apply … on (where …)`).
    Input,
    /// Prefix `-` / `+`.
    Unary {
        /// Operator text.
        op: String,
        /// Operand.
        operand: Box<Expr>,
    },
    /// A binary operator: arithmetic, comparison, string operator (`has`, `!contains`, `matches regex`…), `and`/`or`.
    Binary {
        /// Normalised operator text (`has_cs`, `!startswith`, `==`…).
        op: String,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `x in (…)`, `x !in~ (…)`, `x has_any (…)`, `x has_all (…)`.
    In {
        /// Operator text (`in`, `!in`, `in~`, `!in~`, `has_any`, `has_all`).
        op: String,
        /// Left operand.
        lhs: Box<Expr>,
        /// The list (one element may be a tabular expression).
        list: Vec<Expr>,
    },
    /// `x between (a .. b)` / `!between`.
    Between {
        /// Negated.
        negated: bool,
        /// Operand.
        lhs: Box<Expr>,
        /// Low bound.
        lo: Box<Expr>,
        /// High bound.
        hi: Box<Expr>,
    },
    /// A function call (`name = value` arguments appear as [`ExprKind::NamedArg`]).
    Call {
        /// Function name.
        name: Name,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `name = value` argument.
    NamedArg {
        /// Parameter name.
        name: Name,
        /// Value.
        value: Box<Expr>,
    },
    /// `target.name`.
    Member {
        /// Target.
        target: Box<Expr>,
        /// Member name.
        name: Name,
    },
    /// `target[index]`.
    Index {
        /// Target.
        target: Box<Expr>,
        /// Index.
        index: Box<Expr>,
    },
    /// `( expr )`.
    Paren(Box<Expr>),
    /// `input | operator`.
    Pipe {
        /// The input.
        input: Box<Expr>,
        /// The operator applied.
        op: Box<Operator>,
    },
    /// `datatable(cols) [values]`.
    Datatable {
        /// Declared columns.
        columns: Vec<ColumnDecl>,
        /// Values.
        values: Vec<Expr>,
    },
    /// `externaldata(cols) [urls] with (…)`.
    Externaldata {
        /// Declared columns.
        columns: Vec<ColumnDecl>,
    },
    /// `union …` as a source, or `print …`, `range …` and other sources: see [`Operator`].
    Source(Box<Operator>),
    /// `typeof(type)`.
    TypeOf(String),
    /// Placeholder after a syntax error.
    Error,
}

/// `name = expr`, `(a, b) = expr` or just `expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedExpr {
    /// Assigned names (empty when unnamed).
    pub names: Vec<Name>,
    /// The value.
    pub expr: Expr,
}

/// One `mv-expand` / `mv-apply` item: `[name =] expr [to typeof(type)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MvItem {
    /// Explicit name.
    pub name: Option<Name>,
    /// The expanded expression.
    pub expr: Expr,
    /// `to typeof(type)`.
    pub to_type: Option<String>,
}

/// A piece of a `parse` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    /// A literal string to match (its value, escapes resolved); a regular-expression fragment for
    /// `kind=regex`.
    Literal(String),
    /// `*`.
    Star,
    /// `name[:type]`: a column the operator creates.
    Column(ColumnDecl),
}

/// The condition of a `join` / `lookup`.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinCondition {
    /// `on a, $left.b == $right.c, …`: equality keys.
    On(Vec<Expr>),
    /// `where <predicate>`: any predicate over both sides (Kusto.Language's join-where clause); a bare
    /// column name resolves on either side, `$left.x` / `$right.x` on one.
    Where(Expr),
}

/// Sort direction written after a sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// `asc`.
    Asc,
    /// `desc`.
    Desc,
}

/// `nulls first` / `nulls last` after a sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsOrder {
    /// `nulls first`.
    First,
    /// `nulls last`.
    Last,
}

/// `expr [asc|desc] [nulls first|last]` in `sort`, `order` and `top`; `None` where the query leaves the
/// operator's default.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The key.
    pub expr: Expr,
    /// Direction as written.
    pub order: Option<SortOrder>,
    /// Null placement as written.
    pub nulls: Option<NullsOrder>,
}

/// One `project-reorder` item: a name or wildcard pattern and its optional ordering keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReorderItem {
    /// Name or pattern.
    pub pattern: Name,
    /// `asc`, `desc`, `granny-asc` or `granny-desc` as written.
    pub order: Option<String>,
}

/// Which bound of a `make-series` range an expression gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesBound {
    /// `from`.
    From,
    /// `to`.
    To,
    /// `step`.
    Step,
    /// `in range(start, stop, step)`.
    InRange,
}

/// `name=value` operator parameters (`kind=inner`, `isfuzzy=true`, `hint.strategy=shuffle`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpParam {
    /// Parameter name (dotted, e.g. `hint.strategy`).
    pub name: String,
    /// Value text.
    pub value: String,
    /// Range of the value.
    pub value_range: Range<usize>,
}

/// A tabular operator with its range (from its keyword to its end).
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    /// Which operator.
    pub kind: OpKind,
    /// Where.
    pub range: Range<usize>,
}

/// Tabular operators.
#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    /// `where` / `filter`.
    Where(Expr),
    /// `extend`.
    Extend(Vec<NamedExpr>),
    /// `project`.
    Project(Vec<NamedExpr>),
    /// `project-away` (names or wildcard patterns).
    ProjectAway(Vec<Name>),
    /// `project-keep`.
    ProjectKeep(Vec<Name>),
    /// `project-rename new = old`.
    ProjectRename(Vec<(Name, Name)>),
    /// `project-reorder`.
    ProjectReorder(Vec<ReorderItem>),
    /// `project-by-names` with its name expressions (strings, wildcard strings, dynamic arrays).
    ProjectByNames(Vec<Expr>),
    /// `summarize aggs by groups`.
    Summarize {
        /// Aggregations.
        aggs: Vec<NamedExpr>,
        /// Group-by expressions.
        by: Vec<NamedExpr>,
    },
    /// `sort by` / `order by`.
    Sort(Vec<SortKey>),
    /// `top n by e`.
    Top {
        /// Count.
        count: Expr,
        /// Key.
        by: SortKey,
    },
    /// `take n` / `limit n`.
    Take(Expr),
    /// `sample n`.
    Sample(Expr),
    /// `sample-distinct n of e`.
    SampleDistinct {
        /// Count.
        count: Expr,
        /// The sampled expression.
        expr: Expr,
    },
    /// `count [as name]`.
    Count(Option<Name>),
    /// `distinct cols` / `distinct *`.
    Distinct(Vec<NamedExpr>),
    /// `join` or `lookup`.
    Join {
        /// Parameters (`kind=…`).
        params: Vec<OpParam>,
        /// Right side.
        right: Expr,
        /// The join condition (`on …` or `where …`).
        condition: JoinCondition,
        /// True for `lookup`.
        lookup: bool,
    },
    /// `union`.
    Union {
        /// Parameters (`isfuzzy=true`, `withsource=…`, `kind=…`).
        params: Vec<OpParam>,
        /// Tables / expressions.
        sources: Vec<Expr>,
    },
    /// `mv-expand`.
    MvExpand {
        /// Parameters.
        params: Vec<OpParam>,
        /// Items.
        items: Vec<MvItem>,
        /// `limit n`.
        limit: Option<Expr>,
    },
    /// `mv-apply … on (subquery)`.
    MvApply {
        /// Parameters.
        params: Vec<OpParam>,
        /// Items.
        items: Vec<MvItem>,
        /// `limit n`.
        limit: Option<Expr>,
        /// The sub-query (starts from [`ExprKind::Input`]).
        sub: Expr,
    },
    /// `parse` / `parse-where`.
    Parse {
        /// Parameters (`kind=`, `flags=`).
        params: Vec<OpParam>,
        /// True for `parse-where` (rows that do not match are dropped).
        where_only: bool,
        /// Parsed expression.
        source: Expr,
        /// Pattern.
        parts: Vec<ParsePart>,
    },
    /// `parse-kv e as (cols) with (…)`.
    ParseKv {
        /// Parsed expression.
        source: Expr,
        /// Declared output columns.
        columns: Vec<ColumnDecl>,
    },
    /// `evaluate plugin(args)`.
    Evaluate(Expr),
    /// `make-series`.
    MakeSeries {
        /// Parameters (`kind=nonempty`).
        params: Vec<OpParam>,
        /// Aggregations.
        aggs: Vec<NamedExpr>,
        /// `default = v` of each aggregation (same length as `aggs`).
        defaults: Vec<Option<Expr>>,
        /// The `on` axis column.
        axis: Expr,
        /// Range expressions (`from`, `to`, `step` or `in range(…)`).
        range_exprs: Vec<Expr>,
        /// Which of `from`, `to`, `step` each of `range_exprs` is (`in range(a, b, c)` counts as all
        /// three, in that order, and is one expression: the `range` call).
        range_kinds: Vec<SeriesBound>,
        /// Group-by expressions.
        by: Vec<NamedExpr>,
    },
    /// `as name`.
    As(Name),
    /// `serialize [cols]`.
    Serialize(Vec<NamedExpr>),
    /// `invoke f(…)`.
    Invoke(Expr),
    /// `partition by col (subquery)`.
    Partition {
        /// Key.
        by: Expr,
        /// Sub-query (starts from [`ExprKind::Input`] or is a full query).
        sub: Expr,
    },
    /// `print a = 1, b` (source).
    Print(Vec<NamedExpr>),
    /// `range x from a to b step c` (source).
    Range {
        /// Column name.
        name: Name,
        /// from / to / step.
        bounds: Vec<Expr>,
    },
    /// `render …` (no effect on columns).
    Render,
    /// `getschema`.
    Getschema,
    /// An operator skipped leniently; the schema after it is unknown.
    Opaque(String),
}
