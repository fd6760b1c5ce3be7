//! `sentinel_kql`: the offline KQL front end of sentinelctl.
//!
//! Pure: `&str` in, [`Analysis`] out. No YAML, no file I/O, no async, no serde in the public API.
//!
//! ```
//! use sentinel_kql::{analyze, Catalog, Column, ScalarType, Table};
//! let mut catalog = Catalog::new();
//! catalog.add_table(Table {
//!     name: "OnePasswordEventLogs_CL".into(),
//!     columns: vec![Column::new("TimeGenerated", ScalarType::DateTime), Column::new("actor_details", ScalarType::Dynamic)],
//! });
//! let a = analyze("OnePasswordEventLogs_CL | where actor_detail.email == 'x'", &catalog);
//! assert_eq!(a.diagnostics[0].code, "SC2003");
//! assert_eq!(a.diagnostics[0].help.as_deref(), Some("did you mean `actor_details`?"));
//! ```
//!
//! # Interface
//!
//! * [`analyze`]`(query, catalog) -> Analysis` — the entry point. Never panics on any input.
//! * [`parser::parse`] and [`ast`] — the syntax tree, for tools that run or rewrite queries (the KQL
//!   engine); [`is_builtin_function`] tells Kusto's built-ins from other names.
//! * [`Analysis`] — `diagnostics` (sorted by range start; ranges are byte offsets into `query`, always on
//!   char boundaries), `output_columns` (`None` when the result schema is not statically known), `tables`
//!   and `functions` referenced (catalog tables and saved functions), and `unsupported`: query features the
//!   front end parsed leniently or did not understand, so a gap is visible, never silent; `watchlists`
//!   lists each `_GetWatchlist('alias')` call ([`WatchlistRef`]) so a caller can check the aliases.
//! * [`Catalog`] — tables ([`Table`] of [`Column`]s with a [`ScalarType`]) and saved functions
//!   ([`FunctionDecl`] with [`Param`]s and a body whose output columns are derived by analysing it, cached).
//! * [`KqlDiagnostic`] / [`Severity`] and [`CODES`] — the stable codes `SC2001` kql-syntax, `SC2002`
//!   kql-unknown-table, `SC2003` kql-unknown-column, `SC2004` kql-unknown-function, `SC2005` kql-wrong-arity,
//!   `SC2006` kql-function-body-error (warning), `SC2007` kql-duplicate-column, `SC2008`
//!   kql-member-of-non-dynamic, `SC2009` kql-dynamic-key, `SC2010` kql-aggregate-context, `SC2011`
//!   kql-type-mismatch, `SC2012` kql-duplicate-let, each with its documentation.
//!
//! Built in without any catalog entry: the KQL scalar, aggregation and window functions with their arities
//! (`builtins`), `_GetWatchlist('alias')` (the watchlist's columns when the catalog has it, else unknown
//! schema), and `datatable` / `externaldata`, whose schemas come from their declarations.
//!
//! # Pipeline (where to start reading)
//!
//! 1. [`lexer`] turns the text into [`token`]s (comments skipped, every token has a byte range).
//! 2. [`parser`] builds the [`ast`] by recursive descent, recovering after errors (`SC2001`).
//! 3. `analyze` resolves names against the [`Catalog`], `let` bindings and the built-ins, tracking the
//!    columns of each tabular expression through the pipeline (`SC2002`–`SC2012`). An input whose schema
//!    is not known (plugin output, watchlists, `(*)` parameters, operators parsed leniently) switches column
//!    checks off for the rest of that pipeline rather than guessing: a false alarm on valid content is worse
//!    than a miss.
//!
//! # File overview
//!
//! | file | owns |
//! |---|---|
//! | `lib.rs` | this API: [`analyze`], [`Analysis`] |
//! | `token.rs`, `lexer.rs` | tokens and the lexer (strings in every form, timespans, typed literals) |
//! | `ast.rs` | the syntax tree |
//! | `parser/{mod,recovery,expr,tabular}.rs` | parser core, statements and error recovery, expressions, operators |
//! | `analyze/{mod,expr,tabular,scope,schema}.rs` | statements and saved functions, expressions and calls, operators and column tracking, `let` scopes, row schemas and naming |
//! | `builtins/{mod,table}.rs` | built-in functions, aggregations and plugins; `table.rs` is generated from Kusto.Language |
//! | `catalog.rs`, `types.rs` | the schema catalog the caller builds; scalar types |
//! | `diagnostic.rs` | [`KqlDiagnostic`], [`Severity`], and [`CODES`] with each check's documentation |
//!
//! `GRAMMAR.md` beside `Cargo.toml` describes the accepted grammar; `resources/{valid,invalid}` holds the
//! fixtures (`tests/fixtures.rs`), which `scripts/conformance-kql` also runs through Kusto.Language.

#![deny(missing_docs)]

mod analyze;
pub mod ast;
mod builtins;
mod catalog;
mod diagnostic;
pub mod lexer;
pub mod parser;
pub mod token;
mod types;

pub use catalog::{Catalog, Column, FunctionDecl, Param, Table, Watchlist};
pub use diagnostic::{CODES, KqlDiagnostic, Severity};
pub use types::ScalarType;

/// The result of [`analyze`].
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Findings, sorted by range start (then code).
    pub diagnostics: Vec<KqlDiagnostic>,
    /// Columns of the query's tabular result; `None` when not statically known (or the query is scalar).
    pub output_columns: Option<Vec<Column>>,
    /// Catalog tables the query reads (sorted, deduplicated).
    pub tables: Vec<String>,
    /// Names the query reads as tables that neither the catalog nor a `let` knows (sorted,
    /// deduplicated), including operands of `union isfuzzy=true`: what a workspace must have (as a
    /// table or a function) for the query to run.
    pub unknown_tables: Vec<String>,
    /// Saved (catalog) functions the query calls (sorted, deduplicated).
    pub functions: Vec<String>,
    /// Query features parsed leniently or not understood (sorted, deduplicated), e.g. `operator scan`.
    pub unsupported: Vec<String>,
    /// Every `_GetWatchlist('alias')` call with a literal alias, in query order (calls inside saved
    /// functions are the functions' own).
    pub watchlists: Vec<WatchlistRef>,
}

/// One `_GetWatchlist('alias')` call of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchlistRef {
    /// The alias as written (unquoted).
    pub alias: String,
    /// Byte range of the alias literal in the query.
    pub range: std::ops::Range<usize>,
    /// Whether the catalog knows the watchlist (then its columns were checked).
    pub known: bool,
}

impl Analysis {
    /// True when there is at least one [`Severity::Error`] diagnostic.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// True when `name` is one of Kusto's built-in scalar functions, aggregation functions or `evaluate`
/// plugins (Kusto.Language's symbol tables, case-sensitive). Lets other tools tell an unimplemented
/// built-in from a misspelt name.
pub fn is_builtin_function(name: &str) -> bool {
    [
        builtins::Kind::Scalar,
        builtins::Kind::Aggregate,
        builtins::Kind::Plugin,
    ]
    .into_iter()
    .any(|k| builtins::get(k, name).is_some())
}

/// Parses `query` and checks it against `catalog`. Pure and deterministic; never panics.
pub fn analyze(query: &str, catalog: &Catalog) -> Analysis {
    analyze::analyze_query(query, catalog)
}
