//! [`Database`]: what a query can read — tables, saved functions, watchlists.
//!
//! Mirrors a Log Analytics workspace as a query sees it. Saved functions are parsed once when added
//! (a syntax error is reported then, located in the body) and compiled per query, so they resolve
//! tables and other functions as they are at query time; they see the database, never the calling
//! query's `let`s. Watchlists are returned by `_GetWatchlist('alias')` in Sentinel's shape (see
//! [`Database::add_watchlist`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use sentinel_kql::ast::{LetValue, ParamDecl, Statement};

use crate::error::{EvalError, Result};
use crate::table::{Column, Table};
use crate::value::{Bag, Type, Value};

/// A saved function, parsed.
#[derive(Debug, Clone)]
pub(crate) struct SavedFunction {
    pub(crate) params: Vec<ParamDecl>,
    pub(crate) body: Vec<Statement>,
    /// The text the syntax tree's ranges point into (a `let` wrapper around the body).
    pub(crate) src: Arc<str>,
    /// Where the body starts in `src`.
    pub(crate) offset: usize,
}

/// A watchlist's items.
#[derive(Debug, Clone)]
pub(crate) struct Watchlist {
    pub(crate) table: Table,
}

/// Tables, saved functions and watchlists.
#[derive(Debug, Clone, Default)]
pub struct Database {
    tables: BTreeMap<String, Table>,
    functions: BTreeMap<String, SavedFunction>,
    watchlists: BTreeMap<String, Watchlist>,
}

impl Database {
    /// An empty database.
    pub fn new() -> Database {
        Database::default()
    }

    /// Adds (or replaces) a table.
    pub fn add_table(&mut self, name: &str, mut table: Table) {
        table.finish();
        self.tables.insert(name.to_string(), table);
    }

    /// Adds (or replaces) a saved function: `params` as written in a workspace
    /// (`(lookback:timespan = 1d)`, `lookback:timespan = 1d`, `(T:(*), n:long)` or `""`), `body` the
    /// function's query (optionally in braces). A syntax error in either is reported here, with its
    /// range in `body`.
    pub fn add_function(&mut self, name: &str, params: &str, body: &str) -> Result<()> {
        let params = params.trim();
        let params = if params.starts_with('(') {
            params.to_string()
        } else {
            format!("({params})")
        };
        let trimmed = body.trim();
        let body = if trimmed.starts_with('{') && trimmed.ends_with('}') {
            &trimmed[1..trimmed.len() - 1]
        } else {
            body
        };
        // a fixed wrapper name: workspace function aliases need not be KQL identifiers (`1Password`)
        let prefix = format!("let __saved_function = {params} {{\n");
        let src = format!("{prefix}{body}\n}};\nprint 0");
        let offset = prefix.len();
        let parsed = sentinel_kql::parser::parse(&src);
        if let Some(e) = parsed.errors.first() {
            let start = e.range.start.saturating_sub(offset);
            let end = e.range.end.saturating_sub(offset);
            return Err(EvalError {
                function: Some(name.into()),
                ..EvalError::syntax(e.message.clone()).at(start..end)
            });
        }
        let Some(Statement::Let {
            value: LetValue::Function { params, body, .. },
            ..
        }) = parsed.query.statements.into_iter().next()
        else {
            return Err(EvalError::syntax(format!(
                "saved function `{name}` is not a function body"
            )));
        };
        self.functions.insert(
            name.to_string(),
            SavedFunction {
                params,
                body,
                src: Arc::from(src),
                offset,
            },
        );
        Ok(())
    }

    /// Adds (or replaces) a watchlist. `_GetWatchlist('alias')` returns one row per item with the
    /// columns Sentinel gives it: `_DTItemId` (a stable id per item), `LastUpdatedTimeUTC` (the query's
    /// `now()`), `SearchKey` (the item's value in column `search_key`), `WatchlistItem` (a property bag
    /// of the item's columns) and then every CSV column as a string.
    pub fn add_watchlist(
        &mut self,
        alias: &str,
        search_key: &str,
        columns: &[String],
        rows: Vec<Vec<String>>,
    ) {
        let mut cols = vec![
            Column::new("_DTItemId", Type::String),
            Column::new("LastUpdatedTimeUTC", Type::DateTime),
            Column::new("SearchKey", Type::String),
            Column::new("WatchlistItem", Type::Dynamic),
        ];
        for c in columns {
            if !cols.iter().any(|x| &x.name == c) {
                cols.push(Column::new(c.clone(), Type::String));
            }
        }
        let key_index = columns.iter().position(|c| c == search_key);
        let mut table = Table::new(cols);
        for (i, r) in rows.into_iter().enumerate() {
            let mut bag = Bag::new();
            for (c, v) in columns.iter().zip(r.iter()) {
                bag.insert(c.as_str(), Value::string(v));
            }
            let key = key_index
                .and_then(|k| r.get(k))
                .cloned()
                .unwrap_or_default();
            let mut row = vec![
                Value::string(item_id(alias, i)),
                Value::Null,
                Value::string(key),
                Value::bag(bag),
            ];
            for c in columns {
                let at = columns.iter().position(|x| x == c).unwrap_or(0);
                row.push(Value::string(r.get(at).cloned().unwrap_or_default()));
            }
            table.push_row(row);
        }
        table.finish();
        self.watchlists
            .insert(alias.to_string(), Watchlist { table });
    }

    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    pub(crate) fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    pub(crate) fn function(&self, name: &str) -> Option<&SavedFunction> {
        self.functions.get(name)
    }

    pub(crate) fn watchlist(&self, alias: &str) -> Option<&Watchlist> {
        self.watchlists.get(alias)
    }

    /// The table or function name closest to `name`, for "did you mean" hints.
    pub(crate) fn suggest(&self, name: &str) -> Option<&str> {
        let lower = name.to_ascii_lowercase();
        self.tables
            .keys()
            .chain(self.functions.keys())
            .find(|k| k.to_ascii_lowercase() == lower)
            .map(String::as_str)
    }
}

/// A stable GUID-shaped id for watchlist item `i` of `alias`.
fn item_id(alias: &str, i: usize) -> String {
    let d = sha1_smol::Sha1::from(format!("{alias}\u{0}{i}"))
        .digest()
        .bytes();
    let mut h = String::with_capacity(32);
    for b in d.iter().take(16) {
        let _ = write!(h, "{b:02x}");
    }
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_function_syntax_errors_point_into_the_body() {
        let mut db = Database::new();
        let e = db
            .add_function("F", "(x:long)", "T | where x >")
            .unwrap_err();
        assert_eq!(e.function.as_deref(), Some("F"));
        assert!(e.range.clone().is_some_and(|r| r.start <= 15), "{e:?}");
        assert!(
            db.add_function("G", "lookback:timespan = 1d", "T | where t > ago(lookback)")
                .is_ok()
        );
        assert!(db.add_function("H", "", "{ print 1 }").is_ok());
    }
}
