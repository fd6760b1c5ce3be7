//! A prepared test case as the self-contained query a workspace runs (`test --env`): the
//! repository's view of the case (its rows per table typed by `schemas/`, the watchlists as the
//! case gives them, the saved functions) handed to [`super::rewrite`].

use sentinel_kql_engine::{Column, Options, Table};

use super::cases::PreparedCase;
use super::data::engine_type;
use super::rewrite::{Function, Inputs, Rewritten, rewrite};
use crate::load::Repository;
use crate::schema::YamlTestCase;

/// The saved functions a rewrite may inline: the repository's own (`functions/`) and the workspace
/// parsers pulled into `schemas/functions/` (the same ones the local engine calls), the
/// repository's winning on a shared name.
pub fn functions(repo: &Repository) -> Vec<Function> {
    let mut out: Vec<Function> = repo
        .functions
        .iter()
        .map(|f| Function {
            name: f.function.function_alias.clone(),
            params: crate::model::function::parameters_text(&f.function.params),
            body: f.function.query.clone(),
        })
        .collect();
    for w in &repo.workspace_functions {
        if !out.iter().any(|f| f.name.eq_ignore_ascii_case(&w.name)) {
            out.push(Function {
                name: w.name.clone(),
                params: w.parameters.clone(),
                body: w.query.clone(),
            });
        }
    }
    out
}

/// What the case gives its query: its tables (every schema table, empty when the case gives no
/// rows), the watchlists as `_GetWatchlist` returns them from the case's database, the functions,
/// the run time and (rules) the window.
pub fn inputs(
    repo: &Repository,
    functions: &[Function],
    p: &PreparedCase<'_, '_>,
    case: &YamlTestCase,
) -> Result<Inputs, String> {
    let mut inputs = Inputs {
        functions: functions.to_vec(),
        at: Some(p.at),
        window: p.window(),
        ..Inputs::default()
    };
    let aliases: Vec<&str> = repo
        .watchlists
        .iter()
        .filter_map(|w| w.watchlist.as_ref())
        .map(|w| w.alias.as_str())
        .collect();
    for schema in &repo.tables {
        let columns = schema
            .columns
            .iter()
            .map(|(n, t)| Column::new(n.clone(), engine_type(t)))
            .collect();
        inputs
            .tables
            .insert(schema.name.clone(), Table::new(columns));
    }
    for name in case.data.keys() {
        if aliases.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            continue;
        }
        if let Some(t) = p.db.table(name) {
            inputs.tables.insert(name.clone(), t.clone());
        }
    }
    for alias in aliases {
        let q = format!("_GetWatchlist({})", super::rewrite::string_literal(alias));
        let t = sentinel_kql_engine::evaluate(&q, &p.db, &Options::at(p.at))
            .map_err(|e| format!("watchlist `{alias}`: {}", e.message))?;
        inputs.watchlists.insert(alias.to_string(), t);
    }
    Ok(inputs)
}

/// The case's query rewritten to run in a workspace.
pub fn workspace_query(
    repo: &Repository,
    functions: &[Function],
    p: &PreparedCase<'_, '_>,
    case: &YamlTestCase,
) -> Result<Rewritten, String> {
    let inputs = inputs(repo, functions, p, case)?;
    rewrite(&p.query, &inputs)
        .map_err(|e| format!("cannot rewrite the query for the workspace: {e}"))
}
