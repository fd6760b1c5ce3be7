//! The admin API under `/_emulator/` (no throttling, no faults). Every call needs the admin token
//! (`Authorization: Bearer …` or `x-emulator-admin-token: …`, checked by the router; 401 otherwise):
//!
//! | method + path | what |
//! |---|---|
//! | `GET /_emulator/health` | `{"status":"ok"}` |
//! | `GET /_emulator/state` | the whole state (the state-file format) |
//! | `PUT /_emulator/state` | replace the whole state |
//! | `GET /_emulator/workspaces` | workspace ids |
//! | `POST /_emulator/workspaces` | add `{"id","location"?}`, `{"ids":[…]}` or `[…]` |
//! | `GET /_emulator/requests` | the request log (`?since=N` for entries after sequence N) |
//! | `DELETE /_emulator/requests` | clear the request log |
//! | `GET`/`PUT /_emulator/faults` | `{"latencyMs","latencyJitterMs","faultRate","dropRate","slowBodyRate","slowBodyDelayMs","seed"}` (PUT merges) |
//! | `GET`/`PUT /_emulator/throttle` | `{"enabled","reads":{"capacity","refillPerSecond"},"writes":{…},"subscriptions":{"{id}":{"reads","writes"}\|null}}` (PUT merges, buckets refill) |
//! | `GET`/`PUT /_emulator/access` | `{"tenants":[{"subscription","tenant"}],"delegations":[{"subscription","managingTenant"}],"forbidden":["scope"],"readOnly":["scope"]}` (each key given replaces its list) |
//! | `GET`/`PUT /_emulator/settings` | `{"pageSize","checkRuleTables","watchlistDeleteDelayMs"}` (PUT merges) |
//! | `POST /_emulator/tables` | add a table `{"workspace","name","columns":[{"name","type"}…]}` (replaces one of that name) |
//! | `DELETE /_emulator/tables` | remove `{"workspace","name"}` (custom or built-in) |
//! | `POST /_emulator/rows` | append log rows `{"workspace","table","rows":[{column: value}…]}` for the query API (each value checked against the table's column type) |
//! | `DELETE /_emulator/rows` | clear `{"workspace","table"?}` (every table without `table`) |
//! | `POST /_emulator/tokens/revoke` | forget every issued token |

use serde_json::{Value, json};

use crate::arm_id::WorkspaceId;
use crate::errors::{Reply, arm_error};
use crate::request::Ctx;
use crate::store::State;

fn bad(msg: impl Into<String>) -> Reply {
    arm_error(400, "BadRequest", msg)
}

fn body(ctx: &Ctx<'_>) -> Result<Value, Reply> {
    serde_json::from_slice(ctx.body).map_err(|e| bad(format!("body is not JSON: {e}")))
}

pub(crate) fn handle(ctx: &Ctx<'_>, rest: &[String]) -> Reply {
    let app = ctx.app;
    let parts: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (ctx.method, parts.as_slice()) {
        ("GET", ["health"] | []) => Reply::json(200, json!({"status": "ok", "url": app.base_url})),
        ("GET", ["state"]) => Reply::json(200, app.store.snapshot()),
        ("PUT", ["state"]) => match body(ctx).and_then(|v| State::from_json(&v).map_err(bad)) {
            Ok(st) => {
                app.store.replace(st);
                Reply::json(200, app.store.snapshot())
            }
            Err(r) => r,
        },
        ("GET", ["workspaces"]) => Reply::json(
            200,
            json!({"value": app.store.read(|st| st.workspaces().map(super::store::Workspace::resource).collect::<Vec<_>>())}),
        ),
        ("POST" | "PUT", ["workspaces"]) => {
            match body(ctx).and_then(|v| workspace_from_json(&v).map_err(bad)) {
                Ok(list) => {
                    let added = app.store.write(|st| {
                        let mut added = Vec::new();
                        for (id, loc) in &list {
                            st.add_workspace(id, loc.as_deref());
                            added.push(Value::String(id.canonical()));
                        }
                        (added, true)
                    });
                    Reply::json(200, json!({"value": added}))
                }
                Err(r) => r,
            }
        }
        ("GET", ["requests"]) => {
            let since = ctx
                .q("since")
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
            Reply::json(200, json!({"value": app.request_log(since)}))
        }
        ("DELETE", ["requests"]) => {
            app.clear_request_log();
            Reply::empty(204)
        }
        ("GET", ["faults"]) => Reply::json(200, app.faults.get().to_json()),
        ("PUT" | "POST", ["faults"]) => {
            match body(ctx).and_then(|v| app.faults.get().merged_with_json(&v).map_err(bad)) {
                Ok(f) => {
                    app.faults.set(f);
                    Reply::json(200, app.faults.get().to_json())
                }
                Err(r) => r,
            }
        }
        ("GET", ["throttle"]) => Reply::json(200, app.throttle.to_json()),
        ("PUT" | "POST", ["throttle"]) => {
            match body(ctx).and_then(|v| app.throttle.update_from_json(&v).map_err(bad)) {
                Ok(()) => Reply::json(200, app.throttle.to_json()),
                Err(r) => r,
            }
        }
        ("GET", ["settings"]) => Reply::json(200, settings(app)),
        ("PUT" | "POST", ["settings"]) => match body(ctx) {
            Ok(v) => {
                if let Some(ps) = v.get("pageSize") {
                    match ps
                        .as_u64()
                        .and_then(|n| usize::try_from(n).ok())
                        .filter(|n| *n > 0)
                    {
                        Some(n) => app.set_page_size(n),
                        None => return bad("pageSize must be a positive integer"),
                    }
                }
                if let Some(d) = v.get("watchlistDeleteDelayMs") {
                    match d.as_u64() {
                        Some(ms) => {
                            app.set_watchlist_delete_delay(std::time::Duration::from_millis(ms));
                        }
                        None => {
                            return bad("watchlistDeleteDelayMs must be a non-negative integer");
                        }
                    }
                }
                if let Some(c) = v.get("checkRuleTables") {
                    match c.as_bool() {
                        Some(on) => app.set_check_rule_tables(on),
                        None => return bad("checkRuleTables must be true or false"),
                    }
                }
                Reply::json(200, settings(app))
            }
            Err(r) => r,
        },
        ("POST" | "PUT", ["tables"]) => match body(ctx).and_then(|v| table_request(&v, true)) {
            Ok((ws, name, columns)) => app.store.write(|st| match st.workspace_mut(&ws) {
                None => (bad(format!("no workspace '{}'", ws.canonical())), false),
                Some(w) => match crate::resources::tables::seed(w, &name, &columns) {
                    Ok(()) => (
                        Reply::json(200, json!({"workspace": ws.canonical(), "name": name})),
                        true,
                    ),
                    Err(e) => (bad(e), false),
                },
            }),
            Err(r) => r,
        },
        ("DELETE", ["tables"]) => match body(ctx).and_then(|v| table_request(&v, false)) {
            Ok((ws, name, _)) => app.store.write(|st| match st.workspace_mut(&ws) {
                None => (bad(format!("no workspace '{}'", ws.canonical())), false),
                Some(w) => {
                    if crate::resources::tables::remove(w, &name) {
                        (Reply::empty(204), true)
                    } else {
                        (
                            arm_error(
                                404,
                                "NotFound",
                                format!("workspace '{}' has no table '{name}'", ws.canonical()),
                            ),
                            false,
                        )
                    }
                }
            }),
            Err(r) => r,
        },
        ("POST" | "PUT", ["rows"]) => match body(ctx) {
            Ok(v) => app.store.write(|st| match add_rows(st, &v) {
                Ok(r) => (r, true),
                Err(r) => (r, false),
            }),
            Err(r) => r,
        },
        ("DELETE", ["rows"]) => match body(ctx).and_then(|v| {
            let ws = workspace_of(&v)?;
            let table = v.get("table").and_then(Value::as_str).map(str::to_string);
            Ok((ws, table))
        }) {
            Ok((ws, table)) => app.store.write(|st| match st.workspace_mut(&ws) {
                None => (bad(format!("no workspace '{}'", ws.canonical())), false),
                Some(w) => {
                    if let Some(t) = table {
                        w.rows.remove(&crate::store::name_key(&t));
                        w.ingested.remove(&crate::store::name_key(&t));
                    } else {
                        w.rows.clear();
                        w.ingested.clear();
                    }
                    (Reply::empty(204), true)
                }
            }),
            Err(r) => r,
        },
        ("GET", ["access"]) => Reply::json(200, app.access.to_json()),
        ("PUT" | "POST", ["access"]) => {
            match body(ctx).and_then(|v| app.access.update_from_json(&v).map_err(bad)) {
                Ok(()) => Reply::json(200, app.access.to_json()),
                Err(r) => r,
            }
        }
        ("POST", ["tokens", "revoke"]) => {
            app.auth.revoke_all();
            Reply::empty(204)
        }
        (m, p) => arm_error(
            404,
            "NotFound",
            format!("No admin endpoint '{m} /_emulator/{}'.", p.join("/")),
        ),
    }
}

/// Workspaces to add from a JSON body: an id string, `{"id","location"?}`, `{"ids":[…]}` or an array.
fn workspace_from_json(v: &Value) -> Result<Vec<(WorkspaceId, Option<String>)>, String> {
    let one = |x: &Value| -> Result<(WorkspaceId, Option<String>), String> {
        let id = x
            .as_str()
            .or_else(|| x.get("id").and_then(Value::as_str))
            .ok_or("expected a workspace id")?;
        let ws = WorkspaceId::parse(id)
            .ok_or_else(|| format!("'{id}' is not a Log Analytics workspace id"))?;
        Ok((
            ws,
            x.get("location")
                .and_then(Value::as_str)
                .map(str::to_string),
        ))
    };
    if let Some(ids) = v.get("ids").and_then(Value::as_array) {
        return ids.iter().map(one).collect();
    }
    if let Some(a) = v.as_array() {
        return a.iter().map(one).collect();
    }
    Ok(vec![one(v)?])
}

fn settings(app: &crate::app::App) -> Value {
    json!({
        "pageSize": app.page_size(),
        "checkRuleTables": app.check_rule_tables(),
        "watchlistDeleteDelayMs": u64::try_from(app.watchlist_delete_delay().as_millis()).unwrap_or(u64::MAX),
    })
}

/// The `"workspace"` ARM id of an admin body.
fn workspace_of(v: &Value) -> Result<WorkspaceId, Reply> {
    let ws = v
        .get("workspace")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("expected \"workspace\": the workspace's ARM id"))?;
    WorkspaceId::parse(ws).ok_or_else(|| bad(format!("'{ws}' is not a Log Analytics workspace id")))
}

/// Appends `{"workspace","table","rows"}` after checking every cell against the table's columns.
pub(crate) fn add_rows(st: &mut State, v: &Value) -> Result<Reply, Reply> {
    let ws = workspace_of(v)?;
    let table = v
        .get("table")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("expected \"table\": the table name"))?;
    let rows = v
        .get("rows")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("expected \"rows\": [{\"column\": value}…]"))?;
    let w = st
        .workspace_mut(&ws)
        .ok_or_else(|| bad(format!("no workspace '{}'", ws.canonical())))?;
    let info = crate::resources::tables::workspace_tables(w)
        .into_iter()
        .find(|t| t.name.eq_ignore_ascii_case(table))
        .ok_or_else(|| {
            bad(format!(
                "workspace '{}' has no table '{table}': add it first (POST /_emulator/tables or a tables PUT)",
                ws.canonical()
            ))
        })?;
    for (i, r) in rows.iter().enumerate() {
        let obj = r
            .as_object()
            .ok_or_else(|| bad(format!("row {i} is not a JSON object of column to value")))?;
        for (k, val) in obj {
            let ty = info
                .columns
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, t)| {
                    sentinel_kql_engine::Type::from_name(t)
                        .unwrap_or(sentinel_kql_engine::Type::Dynamic)
                })
                .ok_or_else(|| {
                    bad(format!(
                        "row {i}: table '{}' has no column '{k}'",
                        info.name
                    ))
                })?;
            crate::logs::cell(Some(val), ty)
                .map_err(|e| bad(format!("row {i}, column '{k}': {e}")))?;
        }
    }
    let entry = w
        .rows
        .entry(crate::store::name_key(&info.name))
        .or_insert_with(|| (info.name.clone(), Vec::new()));
    entry.1.extend(rows.iter().cloned());
    let total = entry.1.len();
    Ok(Reply::json(
        200,
        json!({"workspace": ws.canonical(), "table": info.name, "added": rows.len(), "rows": total}),
    ))
}

/// Workspace, table name and `(name, type)` columns of a tables request.
type TableRequest = (WorkspaceId, String, Vec<(String, String)>);

/// `{"workspace","name","columns"?}` of the tables endpoints.
fn table_request(v: &Value, with_columns: bool) -> Result<TableRequest, Reply> {
    let ws = v
        .get("workspace")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("expected \"workspace\": the workspace's ARM id"))?;
    let ws = WorkspaceId::parse(ws)
        .ok_or_else(|| bad(format!("'{ws}' is not a Log Analytics workspace id")))?;
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("expected \"name\": the table name"))?
        .to_string();
    let mut columns = Vec::new();
    if with_columns {
        for c in v
            .get("columns")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("expected \"columns\": [{\"name\",\"type\"}…]"))?
        {
            match (
                c.get("name").and_then(Value::as_str),
                c.get("type").and_then(Value::as_str),
            ) {
                (Some(n), Some(t)) => columns.push((n.to_string(), t.to_string())),
                _ => return Err(bad("each column needs \"name\" and \"type\"")),
            }
        }
    }
    Ok((ws, name, columns))
}
