//! `query`: run KQL (text, a file, or a saved function call such as `OnePasswordFailedSignIns(7d)`)
//! offline over log files on the built-in engine, with the repository's functions callable; or, with
//! an environment, in its workspace through the Log Analytics query API (the workspace's own tables,
//! functions and watchlists), the answer read into the same [`Table`] so it renders the same way.

use anyhow::Context as _;
use sentinel_arm::QueryBody;
use sentinel_arm::logs::QueryTable;
use sentinel_kql_engine::{Column, DateTime, Options, Table, Type, Value};

use super::connection::{ConnectOptions, connect};
use super::simulate::{DataFiles, database_with};
use super::target::{environment_only, load};
use crate::session::Session;

/// What to run.
#[derive(Debug, Clone)]
pub struct QueryRequest {
    /// The query.
    pub query: String,
    /// Log files per table.
    pub data: DataFiles,
    /// `now()`.
    pub now: DateTime,
}

/// Runs `req` offline.
pub fn query_offline(cx: &Session, req: &QueryRequest) -> anyhow::Result<Table> {
    let repo = load(cx)?;
    let db = database_with(&repo, &req.data, req.now)?;
    sentinel_kql_engine::evaluate(&req.query, &db, &Options::at(req.now)).map_err(|e| {
        let hint = e.hint.map(|h| format!("\nhelp: {h}")).unwrap_or_default();
        anyhow::anyhow!("{}{hint}", e.message)
    })
}

/// What to run in a workspace.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceQueryRequest {
    /// Environment name or path.
    pub env: String,
    /// The query.
    pub query: String,
    /// ISO 8601 duration or interval restricting `TimeGenerated` (`P7D`), when given.
    pub timespan: Option<String>,
    /// How to connect.
    pub connect: ConnectOptions,
}

/// Runs `req` in the environment's workspace: the workspace GUID from ARM, then the query API.
pub fn query_workspace(cx: &Session, req: &WorkspaceQueryRequest) -> anyhow::Result<Table> {
    let mut body = QueryBody::new(req.query.clone());
    body.timespan.clone_from(&req.timespan);
    query_workspace_many(cx, &req.env, &req.connect, &[body])?
        .pop()
        .context("the query API answered nothing")?
}

/// Runs several queries in the environment's workspace over one connection (one login, one lookup
/// of the workspace GUID): a result per query, in order. The outer error is the connection's (no
/// query ran); an inner error is that query's (the service's verdict, a partial result).
pub fn query_workspace_many(
    cx: &Session,
    env_name: &str,
    connect_options: &ConnectOptions,
    bodies: &[QueryBody],
) -> anyhow::Result<Vec<anyhow::Result<Table>>> {
    let env = environment_only(cx, env_name)?;
    let mut connect_options = connect_options.clone();
    if env.is_embedded() {
        // the in-process emulator's workspace has the repository's custom tables, as for `plan`
        let mut repo = crate::load::Repository {
            root: cx.root.clone(),
            ..crate::load::Repository::default()
        };
        let schemas = cx.root.join("schemas");
        if schemas.is_dir() {
            repo.load_tables(&schemas)
                .with_context(|| format!("cannot read table schemas in `{}`", schemas.display()))?;
        }
        connect_options
            .embedded_tables
            .extend(super::connection::custom_tables(&repo));
    }
    super::runtime()?.block_on(async {
        let mut conn = connect(cx, &env, &connect_options).await?;
        let outcome = async {
            let logs = conn.logs_client()?;
            let id = conn
                .client
                .workspace_customer_id(&conn.ws)
                .await
                .with_context(|| format!("cannot read workspace `{}`", env.workspace))?;
            let mut out = Vec::with_capacity(bodies.len());
            for body in bodies {
                let answer = logs
                    .query(&id, body)
                    .await
                    .map_err(|e| query_error(e, &env))
                    .and_then(|results| {
                        if let Some(e) = results.partial_error() {
                            anyhow::bail!(
                                "the workspace answered only part of the results: {e}\nhelp: narrow the query (fewer rows or columns, a shorter time range)"
                            );
                        }
                        let table = results
                            .primary()
                            .context("the query API answered no result table")?;
                        table_from_results(table)
                    });
                out.push(answer);
            }
            Ok::<_, anyhow::Error>(out)
        }
        .await;
        conn.close().await;
        outcome
    })
}

/// The query API's refusal of one query, with what to do about it.
fn query_error(e: sentinel_arm::ArmError, env: &crate::model::Environment) -> anyhow::Error {
    match e {
        // the service's verdict on the query itself (syntax, unknown names): its message
        sentinel_arm::ArmError::BadRequest { code, message, .. } => anyhow::anyhow!(
            "the query failed in workspace `{}`: {code}: {message}\n\
             help: fix the query (`sentinelctl query` without --env runs it offline on the built-in engine)",
            env.workspace
        ),
        sentinel_arm::ArmError::Unauthorized { message, .. } => anyhow::anyhow!(
            "the Log Analytics query API refused the token for workspace `{}`: {message}\n\
             help: the token is for `https://api.loganalytics.io` from the environment's login; check the login works (`sentinelctl plan --env {}`) and, for a custom cloud, that `endpoints.logAnalytics` is a query API",
            env.workspace,
            env.name
        ),
        sentinel_arm::ArmError::Forbidden { code, message, .. } => anyhow::anyhow!(
            "permission denied to query workspace `{}`: {code} {message}\n\
             help: the login needs a role that reads the workspace's data, e.g. Log Analytics Reader or Microsoft Sentinel Reader",
            env.workspace
        ),
        other => anyhow::Error::new(other)
            .context(format!("the query failed in workspace `{}`", env.workspace)),
    }
}

/// The API's table (typed columns, JSON cells) as an engine [`Table`].
fn table_from_results(t: &QueryTable) -> anyhow::Result<Table> {
    let columns: Vec<Column> = t
        .columns
        .iter()
        .map(|c| {
            Column::new(
                c.name.clone(),
                Type::from_name(&c.column_type).unwrap_or(Type::Dynamic),
            )
        })
        .collect();
    let mut rows = Vec::with_capacity(t.rows.len());
    for (i, row) in t.rows.iter().enumerate() {
        if row.len() != columns.len() {
            anyhow::bail!(
                "the query API answered row {i} with {} cells for {} columns",
                row.len(),
                columns.len()
            );
        }
        let mut cells = Vec::with_capacity(row.len());
        for (c, v) in columns.iter().zip(row) {
            cells.push(cell(v, c.ty).with_context(|| {
                format!(
                    "the query API answered an unreadable `{}` in row {i}",
                    c.name
                )
            })?);
        }
        rows.push(cells);
    }
    Ok(Table::from_rows(columns, rows))
}

fn cell(v: &serde_json::Value, ty: Type) -> anyhow::Result<Value> {
    use serde_json::Value as J;
    Ok(match v {
        J::Null => Value::Null,
        J::String(s) => Value::parse_as(s, ty).map_err(anyhow::Error::msg)?,
        J::Number(_) | J::Bool(_) if ty != Type::Dynamic && ty != Type::String => {
            Value::parse_as(&v.to_string(), ty).map_err(anyhow::Error::msg)?
        }
        other if ty == Type::String => Value::string(other.to_string()),
        other => Value::from_json(other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_table_reads_into_typed_values() {
        let t: QueryTable = serde_json::from_value(serde_json::json!({
            "name": "PrimaryResult",
            "columns": [{"name": "At", "type": "datetime"}, {"name": "N", "type": "long"},
                {"name": "Ok", "type": "bool"}, {"name": "D", "type": "dynamic"}, {"name": "S", "type": "string"}],
            "rows": [["2024-01-01T00:00:00Z", 3, true, "{\"a\":1}", "x"], [null, "4", "false", null, ""]]
        }))
        .unwrap();
        let table = table_from_results(&t).unwrap();
        assert_eq!(
            table.to_text(),
            "At                           | N | Ok    | D       | S\n2024-01-01T00:00:00.0000000Z | 3 | true  | {\"a\":1} | x\n                             | 4 | false |         |\n"
        );
        let bad: QueryTable = serde_json::from_value(serde_json::json!({
            "name": "PrimaryResult", "columns": [{"name": "N", "type": "long"}], "rows": [["x"]]
        }))
        .unwrap();
        assert!(table_from_results(&bad).is_err());
    }
}
