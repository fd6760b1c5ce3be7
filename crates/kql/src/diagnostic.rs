//! Diagnostics produced by the KQL front end, and the table of their stable codes.
//!
//! Owns [`KqlDiagnostic`], [`Severity`] and [`CODES`]. Ranges are byte offsets into the query text that was
//! passed to [`crate::analyze`]; mapping them to file lines and columns is the caller's job. Messages are
//! lowercase phrases with identifiers in backticks; the fix goes in `help`.

use std::ops::Range;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The query is wrong: it will not run, or it refers to something that does not exist.
    Error,
    /// The query probably does not do what was meant.
    Warning,
    /// Informational.
    Info,
}

/// One finding in a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KqlDiagnostic {
    /// Stable code, `SC2001`…; see [`CODES`].
    pub code: &'static str,
    /// Kebab-case name of the code, e.g. `kql-unknown-column`.
    pub name: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Byte range in the query (always on char boundaries, `start <= end <= query.len()`).
    pub range: Range<usize>,
    /// A lowercase phrase, identifiers in backticks, no trailing period.
    pub message: String,
    /// The suggested fix, if any (e.g. "did you mean `actor_details`?").
    pub help: Option<String>,
}

/// `SC2001`: the query does not parse.
pub(crate) const SYNTAX: (&str, &str) = ("SC2001", "kql-syntax");
/// `SC2002`: a table name that is not in the catalog.
pub(crate) const UNKNOWN_TABLE: (&str, &str) = ("SC2002", "kql-unknown-table");
/// `SC2003`: a column (or other name) that is not in scope.
pub(crate) const UNKNOWN_COLUMN: (&str, &str) = ("SC2003", "kql-unknown-column");
/// `SC2004`: a function that is neither built in, in the catalog nor declared with `let`.
pub(crate) const UNKNOWN_FUNCTION: (&str, &str) = ("SC2004", "kql-unknown-function");
/// `SC2005`: a function called with the wrong number of arguments.
pub(crate) const WRONG_ARITY: (&str, &str) = ("SC2005", "kql-wrong-arity");
/// `SC2006`: a catalog function whose own body has errors.
pub(crate) const FUNCTION_BODY: (&str, &str) = ("SC2006", "kql-function-body-error");
/// `SC2007`: two output columns with the same name.
pub(crate) const DUPLICATE_COLUMN: (&str, &str) = ("SC2007", "kql-duplicate-column");
/// `SC2008`: member access (`x.name`) on a value that is not `dynamic`.
pub(crate) const NOT_DYNAMIC: (&str, &str) = ("SC2008", "kql-member-of-non-dynamic");

/// `SC2009`: a `dynamic` value used as a group, distinct or sort key.
pub(crate) const DYNAMIC_KEY: (&str, &str) = ("SC2009", "kql-dynamic-key");

/// `SC2010`: an aggregation where none is allowed, or a column outside any aggregation in `summarize`.
pub(crate) const AGGREGATE_CONTEXT: (&str, &str) = ("SC2010", "kql-aggregate-context");

/// `SC2011`: a value of the wrong kind where Kusto requires a type (a table as a scalar, a string as a
/// condition).
pub(crate) const TYPE_MISMATCH: (&str, &str) = ("SC2011", "kql-type-mismatch");

/// `SC2012`: a `let` name declared twice in the same scope.
pub(crate) const DUPLICATE_LET: (&str, &str) = ("SC2012", "kql-duplicate-let");

/// Every code this crate emits: `(code, kebab name, documentation)`. Codes are stable and never reused.
pub const CODES: &[(&str, &str, &str)] = &[
    (
        "SC2001",
        "kql-syntax",
        "What it checks: the query text is well-formed KQL (balanced brackets, an operator after every `|`, \
         terminated strings, known operator keywords). Why: a query that does not parse is rejected by the \
         workspace at deploy time, or worse, by the scheduler later. Example: `T | where x == 1 |` (nothing after \
         the last pipe). Fix: complete or remove the broken part; the range points at the first token that could \
         not be understood.",
    ),
    (
        "SC2002",
        "kql-unknown-table",
        "What it checks: every table the query reads is in the schema catalog (`schemas/*.json`), is a `let` \
         binding, or is a saved function. Why: a misspelt table name makes a detection read nothing and never \
         fire. Example: `OnePasswordEventLog_CL | take 1`. Fix: correct the name (the help suggests the closest \
         known table), or add the table's schema under `schemas/`.",
    ),
    (
        "SC2003",
        "kql-unknown-column",
        "What it checks: every column a query refers to exists at that point of the pipeline, tracking columns \
         through project, extend, summarize, join, union, mv-expand, parse and friends. Why: a column typo \
         (`actor_detail` for `actor_details`) fails at run time or silently compares against nothing. Example: \
         `OnePasswordEventLogs_CL | where actor_detail.email == 'a@b.c'`. Fix: use the suggested column, or add \
         it earlier with `extend`. When the schema of an input is not statically known (unknown plugin output, \
         `_GetWatchlist` of a watchlist the catalog does not have), column checking stops rather than guessing; \
         `_GetWatchlist('alias')` of a known watchlist has its columns (`SearchKey`, `WatchlistItem`, the CSV \
         columns).",
    ),
    (
        "SC2004",
        "kql-unknown-function",
        "What it checks: every called function is a KQL built-in, a saved function in the catalog, or a `let` \
         lambda. Why: a misspelt function fails the whole query at run time. Example: `extend d = toString(x)` \
         (KQL names are case-sensitive: `tostring`). Fix: use the suggested name, or add the saved function \
         under `functions/`.",
    ),
    (
        "SC2005",
        "kql-wrong-arity",
        "What it checks: a call passes a number of arguments the function accepts (built-ins by their documented \
         arity; saved functions and `let` lambdas by their parameters and defaults). Why: the workspace rejects \
         such a query. Example: `ago()` or `strcat_delim('-')`. Fix: pass the arguments the help lists.",
    ),
    (
        "SC2006",
        "kql-function-body-error",
        "What it checks: a saved function that this query calls analyses cleanly itself. Why: a call to a \
         broken function fails at run time although the calling query looks correct. Example: a rule calling \
         `OnePasswordSignIns()` whose body reads an unknown column. Fix: fix the function (its own diagnostics \
         say where).",
    ),
    (
        "SC2007",
        "kql-duplicate-column",
        "What it checks: `project` (and `distinct`) does not produce two columns with the same name. Why: the \
         workspace rejects the query (\"a column with the name `TimeGenerated` is already declared\"). Example: \
         `T | project TimeGenerated, Type, TimeGenerated`. Fix: drop the repeated column or rename one with \
         `name = expr`.",
    ),
    (
        "SC2008",
        "kql-member-of-non-dynamic",
        "What it checks: `x.name` member access is applied to a `dynamic` value (or one whose type is not \
         known). Why: on a `string` column, `Properties.message` does not parse the JSON text; the workspace \
         rejects the query. Example: `AzureActivity | extend m = Properties_d.message` where `Properties_d` is a \
         `string`. Fix: parse it first: `parse_json(Properties_d).message`, or `todynamic(...)`.",
    ),
    (
        "SC2009",
        "kql-dynamic-key",
        "What it checks: `summarize … by`, `distinct`, `sort by`/`order by` and `top … by` keys are not of type \
         `dynamic` (a dynamic column, or a path into one such as `actor_details.email`). Why: the workspace \
         rejects the query (\"the value of type 'dynamic' is not allowed in this context\"). Example: \
         `OnePasswordEventLogs_CL | summarize count() by actor_details.email`. Fix: convert the key, e.g. \
         `by Email = tostring(actor_details.email)`.",
    ),
    (
        "SC2010",
        "kql-aggregate-context",
        "What it checks: aggregation functions (`count()`, `dcount()`, `make_set()`, `arg_max()`…) appear only \
         in `summarize`, `make-series` or plugin arguments, and every column a `summarize` aggregation uses is \
         inside an aggregation. Why: the workspace rejects both (\"the aggregate function 'count' is not allowed \
         in this context\", \"the name 'x' is not an aggregate or scalar function\"). Example: \
         `T | extend n = count()` or `T | summarize Failed = (LoginStatus != 'OK')`. Fix: move the aggregation \
         into `summarize`, or wrap the column: `Failed = countif(LoginStatus != 'OK')`.",
    ),
    (
        "SC2011",
        "kql-type-mismatch",
        "What it checks: the few type rules that are certain without running the query: a `where` condition \
         or an `and`/`or` operand that is a plain column or literal must be `bool`, and a table (or tabular \
         `let`) cannot stand where a scalar value is needed. Why: the workspace rejects these (\"the expression \
         must have the type bool\", \"scalar value expected\"); they usually come from a half-edited condition. \
         Example: `T | where ActorEmail or Action != 'x'`. Fix: complete the comparison \
         (`isnotempty(ActorEmail) or …`), or use the table in a `join`/`in (…)` instead.",
    ),
    (
        "SC2012",
        "kql-duplicate-let",
        "What it checks: a `let` name is declared once per scope (a lambda body is its own scope). Why: the \
         workspace rejects the query (\"a variable with the name 'x' has already been declared\"); a copied \
         `let` line often hides which value was meant. Example: `let lookback = 1d; let lookback = 7d; T | \
         where TimeGenerated > ago(lookback)`. Fix: remove one declaration or rename it.",
    ),
];

impl KqlDiagnostic {
    pub(crate) fn new(
        kind: (&'static str, &'static str),
        range: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let severity = if kind.0 == FUNCTION_BODY.0 {
            Severity::Warning
        } else {
            Severity::Error
        };
        Self {
            code: kind.0,
            name: kind.1,
            severity,
            range,
            message: message.into(),
            help: None,
        }
    }
}
