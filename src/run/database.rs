//! The engine [`Database`] of a repository: its saved functions (callable as in a workspace), the
//! workspace parsers pulled into `schemas/functions/`, its watchlists (read by `_GetWatchlist`), plus
//! the tables of one run.

use std::path::Path;

use anyhow::Context as _;
use sentinel_kql_engine::{Database, DateTime, Table};
use serde_json::Value as Json;

use super::data::{TableBuilder, read_file};
use crate::load::Repository;

/// A database with the repository's functions and watchlists and no tables yet.
pub fn with_functions(repo: &Repository) -> anyhow::Result<Database> {
    let mut db = Database::new();
    for f in &repo.workspace_functions {
        if repo
            .functions
            .iter()
            .any(|r| r.function.function_alias.eq_ignore_ascii_case(&f.name))
        {
            continue;
        }
        db.add_function(&f.name, &format!("({})", f.parameters), &f.query)
            .map_err(|e| anyhow::anyhow!("workspace function `{}`: {}", f.name, e.message))?;
    }
    for f in &repo.functions {
        let fun = &f.function;
        let params = format!("({})", crate::model::function::parameters_text(&fun.params));
        db.add_function(&fun.function_alias, &params, &fun.query)
            .map_err(|e| anyhow::anyhow!("function `{}`: {}", fun.function_alias, e.message))?;
    }
    for w in repo.watchlists.iter().filter_map(|w| w.watchlist.as_ref()) {
        db.add_watchlist(&w.alias, &w.items_search_key, &w.columns, w.csv_rows());
    }
    Ok(db)
}

/// A table named `name` from inline rows and/or a data file, typed by the repository's schema.
/// Hand-written rows must name the schema's columns; files may carry extra ones.
pub fn table(
    repo: &Repository,
    name: &str,
    rows: &[std::collections::BTreeMap<String, Json>],
    file: Option<&Path>,
    at: DateTime,
) -> anyhow::Result<Table> {
    let schema = repo
        .tables
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(name));
    let mut builder = TableBuilder::new(name, schema, file.is_some(), at);
    for r in rows {
        builder.push(r.iter().map(|(k, v)| (k.clone(), v.clone())).collect())?;
    }
    if let Some(path) = file {
        for r in read_file(path).with_context(|| format!("rows of `{name}`"))? {
            builder.push(r)?;
        }
    }
    builder.finish()
}

/// The items of a watchlist given by a test case (they replace the repository's): the watchlist's
/// columns plus any the rows add, each value as text (`_GetWatchlist` returns strings).
pub fn watchlist_rows(
    w: &crate::model::watchlist::Watchlist,
    rows: &[std::collections::BTreeMap<String, Json>],
    file: Option<&Path>,
) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut all: Vec<Vec<(String, Json)>> = rows
        .iter()
        .map(|r| r.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .collect();
    if let Some(path) = file {
        all.extend(read_file(path).with_context(|| format!("items of watchlist `{}`", w.alias))?);
    }
    let mut columns = w.columns.clone();
    for r in &all {
        for (k, _) in r {
            if !columns.iter().any(|c| c.eq_ignore_ascii_case(k)) {
                columns.push(k.clone());
            }
        }
    }
    let text = |v: &Json| match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    };
    let rows = all
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| {
                    r.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(c))
                        .map(|(_, v)| text(v))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    Ok((columns, rows))
}
