//! `Microsoft.OperationalInsights/workspaces/tables` (Tables.json 2025-02-01; NOTES §9, §17).
//!
//! A workspace starts with the built-in tables of `data/builtin_tables.json` (Microsoft's common
//! Sentinel tables and their columns); they are not stored until changed, so state files stay small.
//! What the service does, as the contract and its examples show:
//! * LIST is `{"value":[…]}` in one page (`nextLinkName: null`); GET answers one table.
//! * PUT creates a custom table (its name must end in `_CL`, or `_SRCH`/`_RST` for search and restore
//!   tables) or changes a built-in one (retention, plan, added columns); PATCH merges. Both answer 200
//!   with `provisioningState: Succeeded` (the emulator completes at once; 202 is the service's
//!   alternative). `archiveRetentionInDays` is total minus interactive retention; `-1` means the
//!   workspace default (or the interactive retention, for the total).
//! * Custom tables need a `TimeGenerated` column of type `dateTime` (every DCR-based table has one);
//!   column names are unique and types are the contract's enum.
//! * DELETE removes a custom table (200, then 204); a Microsoft table cannot be deleted (400).
//! * POST `…/migrate` and `…/cancelSearch` answer 200 with no body.
//!
//! [`workspace_tables`] is the catalog the analytics-rule table check reads; [`seed`] and [`remove`]
//! serve [`crate::Config::seed_tables`] and the admin API.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use super::{Family, api_version, json_body, method_not_allowed, validate_request};
use crate::errors::{Reply, arm_error};
use crate::request::Ctx;
use crate::store::{Coll, Workspace, WorkspaceId, name_key};
use crate::time::utc_now_secs;
use crate::validate::TABLES;

pub(crate) const TYPE: &str = "Microsoft.OperationalInsights/workspaces/tables";

/// The column types the contract allows (`ColumnTypeEnum`).
pub(crate) const COLUMN_TYPES: &[&str] = &[
    "string", "int", "long", "real", "boolean", "dateTime", "guid", "dynamic",
];

/// A built-in table from the data file.
#[derive(Debug)]
struct Builtin {
    name: String,
    solutions: Vec<String>,
    columns: Vec<(String, String)>,
}

fn builtins() -> &'static [Builtin] {
    static B: OnceLock<Vec<Builtin>> = OnceLock::new();
    B.get_or_init(|| {
        // The crate's own data file; a parse failure is a build defect caught by a unit test.
        let v: Value = serde_json::from_str(include_str!("../../data/builtin_tables.json"))
            .unwrap_or_default();
        v["tables"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| Builtin {
                        name: t["name"].as_str().unwrap_or_default().to_string(),
                        solutions: t["solutions"]
                            .as_array()
                            .map(|s| {
                                s.iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_string)
                                    .collect()
                            })
                            .unwrap_or_default(),
                        columns: t["columns"]
                            .as_array()
                            .map(|c| {
                                c.iter()
                                    .map(|p| {
                                        (
                                            p[0].as_str().unwrap_or_default().to_string(),
                                            p[1].as_str().unwrap_or_default().to_string(),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

fn builtin(name: &str) -> Option<&'static Builtin> {
    builtins()
        .iter()
        .find(|b| b.name.eq_ignore_ascii_case(name))
}

/// A table as the rule check sees it: name and every column (standard and custom) with its type.
#[derive(Debug, Clone)]
pub(crate) struct TableInfo {
    pub(crate) name: String,
    pub(crate) columns: Vec<(String, String)>,
}

/// Every table the workspace has: built-ins not removed, overridden by stored ones, plus custom tables.
pub(crate) fn workspace_tables(w: &Workspace) -> Vec<TableInfo> {
    let stored = w.coll(Coll::Tables);
    let mut out: Vec<TableInfo> = builtins()
        .iter()
        .filter(|b| {
            let k = name_key(&b.name);
            !w.removed_tables.contains(&k) && !stored.contains_key(&k)
        })
        .map(|b| TableInfo {
            name: b.name.clone(),
            columns: b.columns.clone(),
        })
        .collect();
    for t in stored.values() {
        let name = t["name"].as_str().unwrap_or_default().to_string();
        let mut columns: Vec<(String, String)> = builtin(&name)
            .map(|b| b.columns.clone())
            .unwrap_or_default();
        if builtin(&name).is_none() {
            columns.push(("TenantId".into(), "guid".into()));
        }
        for c in t
            .pointer("/properties/schema/columns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(n), Some(ty)) = (c["name"].as_str(), c["type"].as_str()) {
                columns.push((n.to_string(), ty.to_string()));
            }
        }
        out.push(TableInfo { name, columns });
    }
    out
}

fn column_json(name: &str, ty: &str, hidden: bool) -> Value {
    json!({"name": name, "type": ty, "dataTypeHint": null, "displayName": null, "description": null, "isHidden": hidden, "isDefaultDisplay": false})
}

/// The standard columns of a search job table (as the TablesGet example shows them).
const SEARCH_STANDARD: &[(&str, &str)] = &[
    ("TenantId", "guid"),
    ("SourceSystem", "string"),
    ("MG", "guid"),
    ("ManagementGroupName", "string"),
    ("TimeGenerated", "dateTime"),
    ("Computer", "string"),
    ("RawData", "string"),
];

fn workspace_retention(w: &Workspace) -> i64 {
    w.properties
        .get("retentionInDays")
        .and_then(Value::as_i64)
        .unwrap_or(30)
}

fn table_id(ws: &WorkspaceId, name: &str) -> String {
    format!("{}/tables/{name}", ws.canonical())
}

fn table_type(name: &str) -> &'static str {
    if builtin(name).is_some() {
        "Microsoft"
    } else if name.ends_with("_SRCH") {
        "SearchResults"
    } else if name.ends_with("_RST") {
        "RestoredLogs"
    } else {
        "CustomLog"
    }
}

/// The standard columns of a table: the built-in's, a search job's, or a custom table's `TenantId`.
fn standard_columns(name: &str, ty: &str) -> Vec<Value> {
    match builtin(name) {
        Some(b) => b
            .columns
            .iter()
            .map(|(n, t)| column_json(n, t, n == "TenantId"))
            .collect(),
        None if ty == "SearchResults" => SEARCH_STANDARD
            .iter()
            .map(|(n, t)| column_json(n, t, false))
            .collect(),
        None => vec![column_json("TenantId", "guid", true)],
    }
}

/// `schema` as answered: the stored custom columns with their read-only flags, and what the service
/// knows of the table.
fn render_schema(name: &str, ty: &str, mut schema: Map<String, Value>) -> Value {
    let columns: Vec<Value> = schema
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let mut o = c.as_object().cloned().unwrap_or_default();
            for k in ["dataTypeHint", "displayName", "description"] {
                o.entry(k).or_insert(Value::Null);
            }
            o.insert("isHidden".into(), json!(false));
            o.insert("isDefaultDisplay".into(), json!(false));
            Value::Object(o)
        })
        .collect();
    let microsoft = ty == "Microsoft";
    schema.insert("name".into(), json!(name));
    schema.insert("tableType".into(), json!(ty));
    let sub_type = if microsoft {
        "Any"
    } else {
        "DataCollectionRuleBased"
    };
    schema.insert("tableSubType".into(), json!(sub_type));
    schema.insert(
        "source".into(),
        json!(if microsoft { "microsoft" } else { "customer" }),
    );
    schema.insert("columns".into(), Value::Array(columns));
    schema.insert(
        "standardColumns".into(),
        Value::Array(standard_columns(name, ty)),
    );
    for k in ["displayName", "description"] {
        schema.entry(k).or_insert(Value::Null);
    }
    schema.insert("categories".into(), json!([]));
    schema.insert("labels".into(), json!([]));
    let solutions = builtin(name).map_or_else(
        || vec!["LogManagement".to_string()],
        |b| b.solutions.clone(),
    );
    schema.insert("solutions".into(), json!(solutions));
    Value::Object(schema)
}

/// Interactive, total and archive retention: a missing or `-1` value is the default (the workspace's,
/// or the interactive one for the total).
fn insert_retention(
    p: &mut Map<String, Value>,
    stored: &Map<String, Value>,
    workspace_default: i64,
) {
    let days = |k: &str| stored.get(k).and_then(Value::as_i64).filter(|r| *r > 0);
    let (retention, total) = (days("retentionInDays"), days("totalRetentionInDays"));
    let eff_retention = retention.unwrap_or(workspace_default);
    let eff_total = total.unwrap_or(eff_retention).max(eff_retention);
    p.insert("retentionInDays".into(), json!(eff_retention));
    p.insert("totalRetentionInDays".into(), json!(eff_total));
    p.insert(
        "archiveRetentionInDays".into(),
        json!(eff_total - eff_retention),
    );
    p.insert(
        "retentionInDaysAsDefault".into(),
        json!(retention.is_none()),
    );
    p.insert(
        "totalRetentionInDaysAsDefault".into(),
        json!(total.is_none()),
    );
}

/// A search job's parameters with its (read-only) source table: the first name of its query.
fn render_search(mut v: Value) -> Value {
    let source = v
        .get("query")
        .and_then(Value::as_str)
        .and_then(|q| {
            q.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .find(|w| !w.is_empty())
        })
        .unwrap_or_default()
        .to_string();
    if let Some(o) = v.as_object_mut() {
        o.insert("sourceTable".into(), json!(source));
    }
    v
}

/// The table as the service answers it (stored or built-in).
fn render(w: &Workspace, name: &str, stored: Option<&Value>) -> Value {
    let mut props = stored
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let schema = props
        .remove("schema")
        .and_then(|s| s.as_object().cloned())
        .unwrap_or_default();
    let ty = table_type(name);
    let mut p = Map::new();
    p.insert("schema".into(), render_schema(name, ty, schema));
    p.insert("provisioningState".into(), json!("Succeeded"));
    insert_retention(&mut p, &props, workspace_retention(w));
    p.insert(
        "plan".into(),
        props.remove("plan").unwrap_or_else(|| json!("Analytics")),
    );
    if let Some(v) = props.remove("searchResults") {
        p.insert("searchResults".into(), render_search(v));
    }
    if let Some(v) = props.remove("restoredLogs") {
        p.insert("restoredLogs".into(), v);
    }
    if ty == "SearchResults" {
        let stats = json!({"progress": 100.0, "ingestedRecords": 0, "scannedGb": 0.0});
        p.insert("resultStatistics".into(), stats);
    }
    let created = stored
        .and_then(|s| s.get("created"))
        .and_then(Value::as_str)
        .unwrap_or("2020-01-01T00:00:00Z");
    json!({
        "properties": p,
        "id": table_id(&w.id, name),
        "name": name,
        "type": TYPE,
        "systemData": {"createdBy": "emulator", "createdByType": "Application", "createdAt": created},
    })
}

fn lookup<'w>(w: &'w Workspace, name: &str) -> Option<(String, Option<&'w Value>)> {
    let k = name_key(name);
    if let Some(s) = w.coll(Coll::Tables).get(&k) {
        let n = s["name"].as_str().unwrap_or(name).to_string();
        return Some((n, Some(s)));
    }
    builtin(name)
        .filter(|b| !w.removed_tables.contains(&name_key(&b.name)))
        .map(|b| (b.name.clone(), None))
}

pub(crate) fn handle(
    ctx: &Ctx<'_>,
    ws: &WorkspaceId,
    name: Option<&str>,
    action: Option<&str>,
) -> Reply {
    if let Err(r) = api_version(ctx, Family::OperationalInsights) {
        return r;
    }
    match (ctx.method, name, action) {
        ("GET", None, None) => ctx.app.store.read(|st| {
            let Some(w) = st.workspace(ws) else {
                return ctx.workspace_not_found(ws);
            };
            let mut names: Vec<String> = workspace_tables(w).into_iter().map(|t| t.name).collect();
            names.sort_by_key(|n| name_key(n));
            let value: Vec<Value> = names
                .iter()
                .filter_map(|n| lookup(w, n).map(|(n, s)| render(w, &n, s)))
                .collect();
            Reply::json(200, json!({"value": value}))
        }),
        ("GET", Some(n), None) => ctx.app.store.read(|st| {
            let Some(w) = st.workspace(ws) else {
                return ctx.workspace_not_found(ws);
            };
            match lookup(w, n) {
                Some((n, s)) => Reply::json(200, render(w, &n, s)),
                None => not_found(ws, n),
            }
        }),
        ("PUT" | "PATCH", Some(n), None) => write(ctx, ws, n),
        ("DELETE", Some(n), None) => ctx.app.store.write(|st| {
            let Some(w) = st.workspace_mut(ws) else {
                return (ctx.workspace_not_found(ws), false);
            };
            let k = name_key(n);
            if w.coll(Coll::Tables).contains_key(&k) && builtin(n).is_none() {
                w.coll_mut(Coll::Tables).remove(&k);
                return (Reply::empty(200), true);
            }
            if lookup(w, n).is_some() {
                return (
                    arm_error(
                        400,
                        "InvalidParameter",
                        format!("Table '{n}' is a Microsoft table and cannot be deleted. Only custom (_CL), search results (_SRCH) and restored (_RST) tables can be deleted."),
                    ),
                    false,
                );
            }
            (Reply::empty(204), false)
        }),
        ("POST", Some(n), Some(a)) if a.eq_ignore_ascii_case("migrate") || a.eq_ignore_ascii_case("cancelSearch") => {
            ctx.app.store.read(|st| match st.workspace(ws) {
                None => ctx.workspace_not_found(ws),
                Some(w) if lookup(w, n).is_none() => not_found(ws, n),
                Some(_) => Reply::empty(200),
            })
        }
        (m, _, _) => method_not_allowed(m),
    }
}

fn not_found(ws: &WorkspaceId, name: &str) -> Reply {
    arm_error(
        404,
        "ResourceNotFound",
        format!(
            "The table '{name}' was not found in workspace '{}'.",
            ws.name
        ),
    )
}

fn invalid(message: String) -> Reply {
    arm_error(400, "InvalidParameter", message)
}

/// Checks a new table's name: a letter first, then letters, digits and underscores, at most 63
/// characters, and a suffix saying what kind of table it is.
fn check_new_name(name: &str, props: &Map<String, Value>) -> Result<(), String> {
    let ok_chars = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63;
    if !ok_chars {
        return Err(format!(
            "Table name '{name}' is invalid: it must start with a letter, contain only letters, digits and underscores, and be at most 63 characters long."
        ));
    }
    if name.ends_with("_CL") {
        return Ok(());
    }
    if name.ends_with("_SRCH") && props.contains_key("searchResults") {
        return Ok(());
    }
    if name.ends_with("_RST") && props.contains_key("restoredLogs") {
        return Ok(());
    }
    Err(format!(
        "Table '{name}' does not exist and cannot be created: custom table names must end with '_CL' (search job tables end with '_SRCH' and carry searchResults, restored tables end with '_RST' and carry restoredLogs)."
    ))
}

/// Checks the custom columns: unique names, known types, no clash with the table's standard columns,
/// and `TimeGenerated` (dateTime) for a new custom table.
fn check_columns(name: &str, columns: &[Value], custom: bool) -> Result<(), String> {
    let standard: Vec<String> = builtin(name).map_or_else(
        || vec!["TenantId".to_string()],
        |b| b.columns.iter().map(|(n, _)| n.clone()).collect(),
    );
    let mut seen: Vec<String> = Vec::new();
    for c in columns {
        let n = c["name"].as_str().unwrap_or_default();
        let ty = c["type"].as_str().unwrap_or_default();
        if n.is_empty()
            || !n
                .chars()
                .next()
                .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            || !n.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            return Err(format!(
                "Column name '{n}' of table '{name}' is invalid: it must start with a letter or underscore and contain only letters, digits and underscores."
            ));
        }
        if !COLUMN_TYPES.contains(&ty) {
            return Err(format!(
                "Column '{n}' of table '{name}' has type '{ty}'; expected one of {}.",
                COLUMN_TYPES.join(", ")
            ));
        }
        if seen.iter().any(|s| s.eq_ignore_ascii_case(n)) {
            return Err(format!("Column '{n}' appears twice in table '{name}'."));
        }
        if standard.iter().any(|s| s.eq_ignore_ascii_case(n)) {
            return Err(format!(
                "Column '{n}' of table '{name}' is a standard column of the table and cannot be redefined."
            ));
        }
        seen.push(n.to_string());
    }
    if custom
        && !columns
            .iter()
            .any(|c| c["name"] == "TimeGenerated" && c["type"] == "dateTime")
    {
        return Err(format!(
            "Table '{name}' needs a column 'TimeGenerated' of type 'dateTime': every custom table has one."
        ));
    }
    Ok(())
}

/// `-1` retention means "the default": the contract says so although its minimum is 4, so it is
/// taken out before schema validation.
fn take_default_retention(body: &mut Value) {
    if let Some(p) = body.get_mut("properties").and_then(Value::as_object_mut) {
        for k in ["retentionInDays", "totalRetentionInDays"] {
            if p.get(k).and_then(Value::as_i64) == Some(-1) {
                p.remove(k);
            }
        }
    }
}

fn write(ctx: &Ctx<'_>, ws: &WorkspaceId, name: &str) -> Reply {
    let mut body = match json_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    take_default_retention(&mut body);
    let cleaned = match validate_request(TABLES, "Table", &body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let patch = ctx.method == "PATCH";
    let mut props = cleaned
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(sn) = props.pointer_name()
        && !sn.eq_ignore_ascii_case(name)
    {
        return invalid(format!(
            "The schema name '{sn}' does not match the table name '{name}' in the URL."
        ));
    }
    ctx.app.store.write(|st| {
        let Some(w) = st.workspace_mut(ws) else {
            return (ctx.workspace_not_found(ws), false);
        };
        let existing = lookup(w, name).map(|(n, s)| (n, s.cloned()));
        let is_new = existing.is_none();
        if is_new && let Err(m) = check_new_name(name, &props) {
            return (invalid(m), false);
        }
        let stored_name = existing
            .as_ref()
            .map_or(name.to_string(), |(n, _)| n.clone());
        let previous = existing.and_then(|(_, s)| s);
        if patch {
            let mut merged = previous
                .as_ref()
                .and_then(|p| p.get("properties"))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (k, v) in props {
                merged.insert(k, v);
            }
            props = merged;
        }
        let columns: Vec<Value> = props
            .get("schema")
            .and_then(|s| s.get("columns"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let custom = table_type(&stored_name) == "CustomLog";
        if let Err(m) = check_columns(&stored_name, &columns, custom) {
            return (invalid(m), false);
        }
        if let (Some(r), Some(t)) = (
            props.get("retentionInDays").and_then(Value::as_i64),
            props.get("totalRetentionInDays").and_then(Value::as_i64),
        ) && t < r
        {
            return (
                invalid(format!(
                    "totalRetentionInDays ({t}) cannot be less than retentionInDays ({r})."
                )),
                false,
            );
        }
        let mut schema = Map::new();
        schema.insert("name".into(), json!(stored_name));
        schema.insert("columns".into(), Value::Array(columns));
        for k in ["displayName", "description"] {
            if let Some(v) = props.get("schema").and_then(|s| s.get(k)) {
                schema.insert(k.into(), v.clone());
            }
        }
        props.insert("schema".into(), Value::Object(schema));
        let created = previous
            .as_ref()
            .and_then(|p| p.get("created"))
            .cloned()
            .unwrap_or_else(|| json!(utc_now_secs()));
        let stored = json!({"name": stored_name, "created": created, "properties": props});
        w.removed_tables.remove(&name_key(&stored_name));
        let answer = render(w, &stored_name, Some(&stored));
        w.coll_mut(Coll::Tables)
            .insert(name_key(&stored_name), stored);
        (Reply::json(200, answer), true)
    })
}

trait SchemaName {
    fn pointer_name(&self) -> Option<&str>;
}

impl SchemaName for Map<String, Value> {
    fn pointer_name(&self) -> Option<&str> {
        self.get("schema")?.get("name")?.as_str()
    }
}

/// Adds (or replaces) a custom table with these columns, as if its data connector were installed.
pub(crate) fn seed(
    w: &mut Workspace,
    name: &str,
    columns: &[(String, String)],
) -> Result<(), String> {
    let name_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63;
    if !name_ok {
        return Err(format!(
            "table name '{name}' is invalid: a letter first, then letters, digits and underscores (at most 63)"
        ));
    }
    let cols: Vec<Value> = columns
        .iter()
        .filter(|(n, _)| !(builtin(name).is_none() && n == "TenantId"))
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect();
    let custom = builtin(name).is_none();
    let cols = if custom {
        cols
    } else {
        // A built-in table seeded again: only the columns it does not have are custom columns.
        cols.into_iter()
            .filter(|c| {
                !builtin(name)
                    .is_some_and(|b| b.columns.iter().any(|(n, _)| c["name"] == n.as_str()))
            })
            .collect()
    };
    check_columns(name, &cols, custom && table_type(name) == "CustomLog")?;
    w.removed_tables.remove(&name_key(name));
    w.coll_mut(Coll::Tables).insert(
        name_key(name),
        json!({"name": name, "created": utc_now_secs(), "properties": {"schema": {"name": name, "columns": cols}}}),
    );
    Ok(())
}

/// Removes a table of any kind (admin API): custom tables are deleted, built-ins hidden.
pub(crate) fn remove(w: &mut Workspace, name: &str) -> bool {
    let k = name_key(name);
    let stored = w.coll_mut(Coll::Tables).remove(&k).is_some();
    let hidden = builtin(name).is_some() && w.removed_tables.insert(k);
    stored || hidden
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_data_file_is_sound() {
        let b = builtins();
        assert!(b.len() >= 16, "{}", b.len());
        for t in b {
            assert!(!t.columns.is_empty(), "{}", t.name);
            for (n, ty) in &t.columns {
                assert!(COLUMN_TYPES.contains(&ty.as_str()), "{}.{n}: {ty}", t.name);
            }
        }
        for name in [
            "SecurityEvent",
            "SigninLogs",
            "AuditLogs",
            "AzureActivity",
            "AzureDiagnostics",
            "SecurityAlert",
            "SecurityIncident",
            "OfficeActivity",
            "CommonSecurityLog",
            "Syslog",
            "Heartbeat",
            "Usage",
            "ThreatIntelligenceIndicator",
            "IdentityInfo",
            "SentinelHealth",
            "Watchlist",
        ] {
            assert!(builtin(name).is_some(), "{name}");
        }
        assert!(builtin("signinlogs").is_some());
    }

    #[test]
    fn new_table_names_need_a_kind_suffix() {
        let none = Map::new();
        assert!(check_new_name("Vendor_CL", &none).is_ok());
        assert!(check_new_name("Vendor", &none).unwrap_err().contains("_CL"));
        assert!(check_new_name("1Vendor_CL", &none).is_err());
        assert!(check_new_name("x_SRCH", &none).is_err());
        let mut srch = Map::new();
        srch.insert("searchResults".into(), json!({}));
        assert!(check_new_name("x_SRCH", &srch).is_ok());
    }

    #[test]
    fn custom_columns_are_checked() {
        let tg = json!({"name": "TimeGenerated", "type": "dateTime"});
        assert!(check_columns("A_CL", std::slice::from_ref(&tg), true).is_ok());
        assert!(
            check_columns("A_CL", &[], true)
                .unwrap_err()
                .contains("TimeGenerated")
        );
        assert!(
            check_columns(
                "A_CL",
                &[tg.clone(), json!({"name": "x", "type": "text"})],
                true
            )
            .unwrap_err()
            .contains("expected one of")
        );
        assert!(
            check_columns("A_CL", &[tg.clone(), tg.clone()], true)
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            check_columns(
                "A_CL",
                &[tg, json!({"name": "TenantId", "type": "guid"})],
                true
            )
            .unwrap_err()
            .contains("standard")
        );
        assert!(
            check_columns(
                "SigninLogs",
                &[json!({"name": "Extra_CF", "type": "string"})],
                false
            )
            .is_ok()
        );
    }
}
