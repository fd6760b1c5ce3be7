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
//! * [`analyze`]`(query, catalog) -> Analysis` — the only entry point. Never panics on any input.
//! * [`Analysis`] — `diagnostics` (sorted by range start; ranges are byte offsets into `query`, always on
//!   char boundaries), `output_columns` (`None` when the result schema is not statically known), `tables`
//!   and `functions` referenced (catalog tables and saved functions), and `unsupported`: query features the
//!   front end parsed leniently or did not understand, so a gap is visible, never silent.
//! * [`Catalog`] — tables ([`Table`] of [`Column`]s with a [`ScalarType`]) and saved functions
//!   ([`FunctionDecl`] with [`Param`]s and a body whose output columns are derived by analysing it, cached).
//! * [`KqlDiagnostic`] / [`Severity`] and [`CODES`] — the stable `SC2001`… codes with their documentation.
//!
//! Built in without any catalog entry: the KQL scalar, aggregation and window functions with their arities
//! (`builtins`), `_GetWatchlist('alias')` (unknown schema), and `datatable` / `externaldata`, whose schemas
//! come from their declarations.
//!
//! # Pipeline (where to start reading)
//!
//! 1. [`lexer`] turns the text into [`token`]s (comments skipped, every token has a byte range).
//! 2. [`parser`] builds the [`ast`] by recursive descent, recovering after errors (`SC2001`).
//! 3. `analyze` resolves names against the [`Catalog`], `let` bindings and the built-ins, tracking the
//!    columns of each tabular expression through the pipeline (`SC2002`–`SC2006`). An input whose schema
//!    is not known (unknown plugin output, watchlists, fuzzy unions of missing tables) switches column checks
//!    off for the rest of that pipeline rather than guessing: a false alarm on valid content is worse than a miss.
//!
//! `GRAMMAR.md` beside `Cargo.toml` describes the accepted grammar.

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

pub use catalog::{Catalog, Column, FunctionDecl, Param, Table};
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
    /// Saved (catalog) functions the query calls (sorted, deduplicated).
    pub functions: Vec<String>,
    /// Query features parsed leniently or not understood (sorted, deduplicated), e.g. `operator scan`.
    pub unsupported: Vec<String>,
}

impl Analysis {
    /// True when there is at least one [`Severity::Error`] diagnostic.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Parses `query` and checks it against `catalog`. Pure and deterministic; never panics.
pub fn analyze(query: &str, catalog: &Catalog) -> Analysis {
    analyze::analyze_query(query, catalog)
}
