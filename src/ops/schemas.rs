//! `schemas pull`: a workspace's table schemas (Tables API) into `schemas/<Table>.json`, and the saved
//! functions it has but the repository does not deploy (solution parsers) into
//! `schemas/functions/<alias>.json`, so `validate` can check queries on any table the workspace has
//! and calls of the parsers it has. Written all or nothing, never through a link; names from the
//! workspace are checked (a table name is letters, digits and `_`).

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use super::connection::{ConnectOptions, connect};
use super::target::environment_only;
use crate::load::repository::WorkspaceFunction;
use crate::session::Session;

/// What to pull.
#[derive(Debug, Clone, Default)]
pub struct PullRequest {
    /// Environment to read.
    pub env: String,
    /// Only these tables (all when empty).
    pub tables: Vec<String>,
    /// Also the workspace's saved functions that the repository does not deploy.
    pub functions: bool,
    /// How to connect.
    pub connect: ConnectOptions,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Pulled {
    /// Files written, relative to the repository root.
    pub files: Vec<PathBuf>,
}

/// The `schemas/*.json` spelling of a Tables API column type.
fn schema_type(ty: &str) -> &'static str {
    match ty.to_ascii_lowercase().as_str() {
        "int" => "Int",
        "long" => "Long",
        "real" | "double" => "Real",
        "boolean" | "bool" => "Bool",
        "datetime" => "DateTime",
        "guid" => "Guid",
        "dynamic" => "Dynamic",
        "timespan" => "TimeSpan",
        _ => "String",
    }
}

fn table_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// One table's `schemas/*.json` document: its standard then its custom columns.
fn table_document(table: &Value) -> Option<(String, String)> {
    let name = table.get("name")?.as_str()?.to_string();
    let schema = table.pointer("/properties/schema")?;
    let mut columns = Vec::new();
    for key in ["standardColumns", "columns"] {
        for c in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(n), Some(t)) = (
                c.get("name").and_then(Value::as_str),
                c.get("type").and_then(Value::as_str),
            ) else {
                continue;
            };
            if !columns.iter().any(|(x, _): &(String, &str)| x == n) {
                columns.push((n.to_string(), schema_type(t)));
            }
        }
    }
    let doc = json!({
        "Name": name,
        "Properties": columns.iter().map(|(n, t)| json!({"Name": n, "Type": t})).collect::<Vec<_>>(),
    });
    Some((name, serde_json::to_string_pretty(&doc).ok()? + "\n"))
}

/// Pulls `req` into the repository at the session's root.
pub fn pull(cx: &Session, req: &PullRequest) -> anyhow::Result<Pulled> {
    let env = environment_only(cx, &req.env)?;
    let (tables, searches) = super::runtime()?.block_on(async {
        let conn = connect(cx, &env, &req.connect).await?;
        let tables = conn
            .client
            .list(&conn.ws.tables())
            .await
            .context("cannot list the workspace's tables (needs Log Analytics Reader)")?;
        let searches = if req.functions {
            conn.client
                .list(&conn.ws.saved_searches())
                .await
                .context("cannot list the workspace's saved searches")?
        } else {
            Vec::new()
        };
        let live = if req.functions {
            Some(conn.read_live(&env.workspace).await?)
        } else {
            None
        };
        conn.close().await;
        anyhow::Ok((tables, (searches, live)))
    })?;
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for t in &tables {
        let Some((name, text)) = table_document(t) else {
            continue;
        };
        if !req.tables.is_empty() && !req.tables.iter().any(|w| w.eq_ignore_ascii_case(&name)) {
            continue;
        }
        if !table_name_ok(&name) {
            bail!(
                "the workspace returned a table named `{}`, which is not a table name; nothing was written",
                name.escape_debug()
            );
        }
        files.push((PathBuf::from(format!("schemas/{name}.json")), text));
    }
    for wanted in &req.tables {
        if !files.iter().any(|(p, _)| {
            p.file_stem()
                .is_some_and(|s| s.to_string_lossy().eq_ignore_ascii_case(wanted))
        }) {
            bail!("the workspace has no table `{wanted}`; nothing was written");
        }
    }
    let (searches, live) = searches;
    for s in &searches {
        let p = s.get("properties");
        let alias = p
            .and_then(|p| p.get("functionAlias"))
            .and_then(Value::as_str);
        let Some(alias) = alias.filter(|a| crate::validate::function::is_identifier(a)) else {
            continue;
        };
        let name = s
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let owned = live.as_ref().is_some_and(|l| {
            l.items
                .get(&(crate::model::ResourceKind::Function, name))
                .is_some_and(|i| i.owner.is_some())
        });
        if owned {
            continue; // the repository deploys it: its file is the truth
        }
        let f = WorkspaceFunction {
            name: alias.to_string(),
            parameters: p
                .and_then(|p| p.get("functionParameters"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            query: p
                .and_then(|p| p.get("query"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        };
        files.push((
            PathBuf::from(format!("schemas/functions/{alias}.json")),
            serde_json::to_string_pretty(&f)? + "\n",
        ));
    }
    let refs: Vec<(PathBuf, &str)> = files.iter().map(|(p, t)| (p.clone(), t.as_str())).collect();
    super::files::write_all_or_nothing(&cx.root, &refs)
        .map_err(|e| e.context("nothing was written"))?;
    Ok(Pulled {
        files: files.into_iter().map(|(p, _)| p).collect(),
    })
}
