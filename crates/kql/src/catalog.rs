//! The schema catalog a query is checked against: tables, their columns, and saved functions.
//!
//! Owns [`Catalog`], [`Table`], [`Column`], [`FunctionDecl`], [`Param`] and [`Watchlist`]. The catalog is built by the
//! caller (the lead's loader reads `schemas/*.json` and `functions/*.yaml`); this module does no I/O and
//! knows no file format. Names are case-sensitive, as in KQL. A saved function's output columns are derived
//! by analysing its body on first use and cached (thread-safe), so a catalog can be shared across threads.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::types::ScalarType;

/// A column: name and scalar type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Column {
    /// Column name, exactly as in the table (case-sensitive).
    pub name: String,
    /// Its type.
    pub ty: ScalarType,
}

impl Column {
    /// Convenience constructor.
    pub fn new(name: impl Into<String>, ty: ScalarType) -> Self {
        Self {
            name: name.into(),
            ty,
        }
    }
}

/// A table schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Table name (case-sensitive).
    pub name: String,
    /// Columns in order.
    pub columns: Vec<Column>,
}

/// A parameter of a saved function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Parameter name.
    pub name: String,
    /// KQL type text, e.g. `timespan`, `string`, or `(*)` / `(TimeGenerated:datetime)` for a tabular parameter.
    pub ty: String,
    /// Default value as KQL text (e.g. `1d`, `''`); a parameter with a default is optional.
    pub default: Option<String>,
}

/// A saved function (workspace function / parser): name, parameters and KQL body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionDecl {
    /// Name (the KQL alias it is called by).
    pub name: String,
    /// Parameters in order.
    pub params: Vec<Param>,
    /// The body, without surrounding braces (braces are tolerated).
    pub body: String,
}

/// A Sentinel watchlist that `_GetWatchlist('alias')` reads: its alias and the columns of its items.
///
/// `_GetWatchlist` returns `_DTItemId` (string), `LastUpdatedTimeUTC` (datetime), `SearchKey`
/// (string) and `WatchlistItem` (dynamic, the whole row), then one string column per item column
/// (the watchlist's CSV header), as Sentinel documents for the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watchlist {
    /// The alias (matched case-insensitively, as ARM matches the watchlist's resource name).
    pub alias: String,
    /// The item columns (CSV header), in order.
    pub columns: Vec<String>,
}

impl Watchlist {
    /// The columns `_GetWatchlist` returns for this watchlist.
    pub fn output_columns(&self) -> Vec<Column> {
        let mut cols = vec![
            Column::new("_DTItemId", ScalarType::String),
            Column::new("LastUpdatedTimeUTC", ScalarType::DateTime),
            Column::new("SearchKey", ScalarType::String),
            Column::new("WatchlistItem", ScalarType::Dynamic),
        ];
        for c in &self.columns {
            if !cols.iter().any(|x| &x.name == c) {
                cols.push(Column::new(c.clone(), ScalarType::String));
            }
        }
        cols
    }
}

/// What analysing a saved function's body found; cached in the catalog.
#[derive(Debug, Clone)]
pub(crate) struct FunctionInfo {
    /// Output columns, `None` when not statically known (or scalar).
    pub(crate) output: Option<Vec<Column>>,
    /// The output is open (derived from a fuzzy union with a missing table): more columns may exist.
    pub(crate) open: bool,
    /// True when the body is tabular (a table expression), false for a scalar function.
    pub(crate) tabular: bool,
    /// Number of error diagnostics in the body.
    pub(crate) errors: usize,
    /// The first error message, for the call-site warning.
    pub(crate) first_error: Option<String>,
}

#[derive(Debug)]
pub(crate) struct FunctionEntry {
    pub(crate) decl: FunctionDecl,
    pub(crate) info: OnceLock<FunctionInfo>,
}

/// Tables, saved functions and watchlists known to the workspace. Build with [`Catalog::new`],
/// [`Catalog::add_table`], [`Catalog::add_function`] and [`Catalog::add_watchlist`]; adding a name
/// twice replaces the earlier entry. A watchlist the catalog does not know reads as a table of
/// unknown schema (column checks stop there).
#[derive(Debug, Default)]
pub struct Catalog {
    pub(crate) tables: BTreeMap<String, Table>,
    pub(crate) functions: BTreeMap<String, FunctionEntry>,
    /// By lower-case alias.
    pub(crate) watchlists: BTreeMap<String, Watchlist>,
}

impl Catalog {
    /// An empty catalog (built-in scalar functions are always known and need not be added).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a table.
    pub fn add_table(&mut self, table: Table) {
        self.tables.insert(table.name.clone(), table);
    }

    /// Adds (or replaces) a saved function. Its output columns are computed lazily on first use.
    pub fn add_function(&mut self, function: FunctionDecl) {
        self.functions.insert(
            function.name.clone(),
            FunctionEntry {
                decl: function,
                info: OnceLock::new(),
            },
        );
    }

    /// Adds (or replaces) a watchlist.
    pub fn add_watchlist(&mut self, watchlist: Watchlist) {
        self.watchlists
            .insert(watchlist.alias.to_lowercase(), watchlist);
    }

    /// The watchlist with `alias` (case-insensitive), if any.
    pub fn watchlist(&self, alias: &str) -> Option<&Watchlist> {
        self.watchlists.get(&alias.to_lowercase())
    }

    /// All watchlists, sorted by lower-case alias.
    pub fn watchlists(&self) -> impl Iterator<Item = &Watchlist> {
        self.watchlists.values()
    }

    /// The table called `name`, if any.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// The saved function called `name`, if any.
    pub fn function(&self, name: &str) -> Option<&FunctionDecl> {
        self.functions.get(name).map(|e| &e.decl)
    }

    /// All tables, sorted by name.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values()
    }

    /// All saved functions, sorted by name.
    pub fn functions(&self) -> impl Iterator<Item = &FunctionDecl> {
        self.functions.values().map(|e| &e.decl)
    }

    /// The output columns of saved function `name` (analysing its body once; `None` if unknown or not
    /// statically known).
    pub fn function_output_columns(&self, name: &str) -> Option<Vec<Column>> {
        let entry = self.functions.get(name)?;
        crate::analyze::function_info(self, entry, 0).output.clone()
    }
}

impl Clone for Catalog {
    fn clone(&self) -> Self {
        let mut c = Catalog::new();
        for t in self.tables.values() {
            c.add_table(t.clone());
        }
        for f in self.functions.values() {
            c.add_function(f.decl.clone());
        }
        c.watchlists.clone_from(&self.watchlists);
        c
    }
}
