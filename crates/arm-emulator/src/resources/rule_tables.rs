//! Sentinel's table check on analytics rules: a Scheduled or NRT rule whose query reads a table the
//! workspace does not have is refused with 400 "Failed to run the analytics rule query. One of the
//! tables does not exist." (the message Sentinel returns, as deployers report it, e.g.
//! criblio/Cribl-Microsoft pull request #56 — a new workspace before its connector ingested anything).
//!
//! The tables a query reads are found with `sentinel_kql::analyze` against a catalog of the
//! workspace's tables (see `tables::workspace_tables`) and its saved searches that have a
//! `functionAlias` (functions are known names). A query that calls a saved function is checked
//! through the function's body the same way (recursively, each function once); a function's own
//! parameters are not tables. Only unknown tables count: column or function findings of the analyser
//! are not what Sentinel refuses here. Owns nothing but the check.

use std::collections::BTreeSet;

use sentinel_kql::{Catalog, Column, FunctionDecl, Param, ScalarType, Table, analyze};
use serde_json::Value;

use super::tables::workspace_tables;
use crate::errors::{Reply, arm_error};
use crate::store::{Coll, Workspace};

/// Sentinel's message, verbatim.
pub(crate) const MESSAGE: &str =
    "Failed to run the analytics rule query. One of the tables does not exist.";

/// The workspace's tables and saved functions as a KQL catalog.
fn catalog(w: &Workspace) -> (Catalog, Vec<FunctionDecl>) {
    let mut c = Catalog::new();
    for t in workspace_tables(w) {
        c.add_table(Table {
            name: t.name,
            columns: t
                .columns
                .iter()
                .map(|(n, ty)| {
                    Column::new(
                        n.clone(),
                        ScalarType::from_name(ty).unwrap_or(ScalarType::Dynamic),
                    )
                })
                .collect(),
        });
    }
    let mut functions = Vec::new();
    for s in w.coll(Coll::SavedSearches).values() {
        let p = &s["properties"];
        let (Some(alias), Some(body)) = (
            p.get("functionAlias")
                .and_then(Value::as_str)
                .filter(|a| !a.is_empty()),
            p.get("query").and_then(Value::as_str),
        ) else {
            continue;
        };
        let decl = FunctionDecl {
            name: alias.to_string(),
            params: parse_params(
                p.get("functionParameters")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            ),
            body: body.to_string(),
        };
        c.add_function(decl.clone());
        functions.push(decl);
    }
    (c, functions)
}

/// `name:type = default, T:(a:string, b:int)` → parameters (commas inside parentheses kept).
pub(crate) fn parse_params(text: &str) -> Vec<Param> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, ch) in text.char_indices() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .filter_map(|p| {
            let p = p.trim();
            let (name, rest) = p.split_once(':')?;
            let (ty, default) = match rest.split_once('=') {
                Some((t, d)) => (t.trim(), Some(d.trim().to_string())),
                None => (rest.trim(), None),
            };
            Some(Param {
                name: name.trim().to_string(),
                ty: ty.to_string(),
                default,
            })
        })
        .collect()
}

/// Unknown tables `query` reads, directly or through saved functions (sorted).
pub(crate) fn missing_tables(w: &Workspace, query: &str) -> Vec<String> {
    let (catalog, functions) = catalog(w);
    let mut missing = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut todo: Vec<(String, Vec<String>)> = vec![(query.to_string(), Vec::new())];
    while let Some((text, params)) = todo.pop() {
        let a = analyze(&text, &catalog);
        for d in a.diagnostics.iter().filter(|d| d.code == "SC2002") {
            let name = text
                .get(d.range.clone())
                .unwrap_or_default()
                .trim()
                .trim_matches(['[', ']', '\'', '"', '`']);
            if !name.is_empty() && !params.iter().any(|p| p == name) {
                missing.insert(name.to_string());
            }
        }
        for f in a.functions {
            if seen.insert(f.clone())
                && let Some(decl) = functions.iter().find(|d| d.name == f)
            {
                todo.push((
                    decl.body.clone(),
                    decl.params.iter().map(|p| p.name.clone()).collect(),
                ));
            }
        }
    }
    missing.into_iter().collect()
}

/// The 400 for a rule whose query reads `missing` tables of workspace `ws_name`.
pub(crate) fn reply(ws_name: &str, missing: &[String]) -> Reply {
    let list = missing
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    arm_error(
        400,
        "BadRequest",
        format!(
            "{MESSAGE} (Emulator: workspace '{ws_name}' has no table {list}. Install the data connector that creates it, or create a custom table with a PUT to …/workspaces/{ws_name}/tables/{{name}}_CL.)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_split_at_top_level_commas() {
        let p = parse_params(
            "T:(TimeGenerated:datetime, x:string), lookback:timespan = 1d, name:string=''",
        );
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].name, "T");
        assert_eq!(p[0].ty, "(TimeGenerated:datetime, x:string)");
        assert_eq!(p[1].default.as_deref(), Some("1d"));
        assert_eq!(p[2].default.as_deref(), Some("''"));
        assert!(parse_params("").is_empty());
    }
}
