//! The Log Analytics query API (data plane, `OperationalInsights.json` v1): `POST` and `GET
//! /v1/workspaces/{workspaceId}/query`, where `workspaceId` is the workspace's `properties.customerId`.
//!
//! * The body is `{"query","timespan"?,"workspaces"?}` (GET: `?query=…&timespan=…`); `timespan` is an
//!   ISO 8601 duration (`PT12H`, `P1D`: the period ending now) or interval (`start/end`,
//!   `start/duration`, `duration/end`) and restricts `TimeGenerated` of every table scanned.
//!   `workspaces` (cross-workspace queries) is accepted and ignored: only the primary workspace is read.
//! * The query runs in `sentinel_kql_engine` over the workspace's tables (built-in and custom, with
//!   their columns from the tables store, rows loaded through the admin API), its saved searches that
//!   have a `functionAlias` (callable as functions) and its watchlists (`_GetWatchlist`).
//! * The answer is `{"tables":[{"name":"PrimaryResult","columns":[{"name","type"}],"rows":[[…]]}]}`:
//!   numbers and booleans as JSON numbers and booleans, datetimes as `2024-01-01T00:00:00Z`,
//!   timespans `hh:mm:ss`, guids and decimals as strings, `dynamic` as its JSON text (what the service
//!   writes today; the contract's 2017 examples quote numbers as strings).
//! * Errors are the API's `ErrorResponse`: `{"error":{"code","message","correlationId","innererror"}}`;
//!   400 `BadArgumentError` for a syntax or semantic error (the engine's message innermost), 401
//!   `AuthorizationRequiredError` / `InvalidTokenError` for a missing or wrong token (a token the
//!   emulator issued for `https://api.loganalytics.io`), 404 `WorkspaceNotFoundError`.

use sentinel_kql_engine::{
    Column, Database, DateTime, ErrorKind, EvalError, Options, Table, TimeSpan, Type,
    Value as KqlValue,
};
use serde_json::{Value, json};

use crate::errors::Reply;
use crate::request::Ctx;
use crate::resources::tables::workspace_tables;
use crate::store::{Coll, Workspace};
use crate::{guid, time};

/// The audiences a query token may carry (besides the emulator's own base URL).
const AUDIENCES: &[&str] = &[
    "https://api.loganalytics.io",
    "https://api.loganalytics.azure.com",
    "https://api.loganalytics.us",
    "https://api.loganalytics.azure.cn",
];

/// An error in the query API's shape.
pub(crate) fn la_error(status: u16, code: &str, message: &str, inner: Option<Value>) -> Reply {
    let mut error = json!({"message": message, "code": code, "correlationId": guid::new_guid()});
    if let Some(i) = inner {
        error["innererror"] = i;
    }
    Reply::json(status, json!({ "error": error }))
}

/// Answers one query request for workspace `customer_id`.
pub(crate) fn handle(ctx: &Ctx<'_>, customer_id: &str) -> Reply {
    if let Err(r) = authenticate(ctx) {
        return r;
    }
    let (query, timespan) = match ctx.method {
        "GET" => (
            ctx.q("query").map(str::to_string),
            ctx.q("timespan").map(str::to_string),
        ),
        "POST" => {
            let body: Value = match serde_json::from_slice(ctx.body) {
                Ok(v) => v,
                Err(e) => {
                    return bad_argument(
                        "The request had some invalid properties",
                        json!({"code": "InvalidJson", "message": format!("The body is not JSON: {e}")}),
                    );
                }
            };
            (
                body.get("query")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                body.get("timespan")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
        }
        m => {
            return la_error(
                405,
                "MethodNotAllowed",
                &format!("The method '{m}' is not allowed: use GET or POST."),
                None,
            );
        }
    };
    let Some(query) = query.filter(|q| !q.trim().is_empty()) else {
        return bad_argument(
            "The request had some invalid properties",
            json!({"code": "QueryMissing", "message": "The request needs a 'query'."}),
        );
    };
    let now = now();
    let window = match timespan.as_deref().map(|t| parse_timespan(t, now)) {
        None => None,
        Some(Ok(w)) => Some(w),
        Some(Err(e)) => {
            return bad_argument(
                "The request had some invalid properties",
                json!({"code": "InvalidTimespan", "message": e}),
            );
        }
    };
    let db = ctx.app.store.read(|st| {
        st.workspaces()
            .find(|w| {
                w.properties
                    .get("customerId")
                    .and_then(Value::as_str)
                    .is_some_and(|c| c.eq_ignore_ascii_case(customer_id))
            })
            .map(database)
    });
    let Some(db) = db else {
        return la_error(
            404,
            "WorkspaceNotFoundError",
            &format!("The workspace '{customer_id}' could not be found."),
            None,
        );
    };
    let options = Options {
        window,
        ..Options::at(now)
    };
    match sentinel_kql_engine::evaluate(&query, &db, &options) {
        Ok(t) => Reply::json(200, json!({"tables": [table_json(&t)]})),
        Err(e) => eval_error(&e),
    }
}

fn bad_argument(message: &str, inner: Value) -> Reply {
    la_error(400, "BadArgumentError", message, Some(inner))
}

fn eval_error(e: &EvalError) -> Reply {
    let mut message = e.message.clone();
    if let Some(f) = &e.function {
        message = format!("{message} (in function '{f}')");
    }
    if let Some(h) = &e.hint {
        message = format!("{message}; {h}");
    }
    let mut detail = json!({"code": "", "message": message});
    if let Some(r) = &e.range {
        detail["pos"] = json!(r.start);
    }
    let (code, what) = match &e.kind {
        ErrorKind::Syntax => ("SyntaxError", "A recognition error occurred in the query."),
        ErrorKind::Runtime => ("SemanticError", "A semantic error occurred."),
        ErrorKind::Unsupported { .. } => (
            "SemanticError",
            "The query uses a feature the emulator does not implement.",
        ),
        ErrorKind::Limit { .. } => ("QueryLimitError", "The query exceeded a resource limit."),
    };
    detail["code"] = json!(match &e.kind {
        ErrorKind::Syntax => "SYN0002",
        ErrorKind::Limit { .. } => "LIM0001",
        _ => "SEM0100",
    });
    bad_argument(
        "The request had some invalid properties",
        json!({"code": code, "message": what, "innererror": detail}),
    )
}

/// Bearer token issued by the emulator for the Log Analytics audience.
fn authenticate(ctx: &Ctx<'_>) -> Result<(), Reply> {
    let authz = ctx.header("authorization");
    let base = ctx.app.base_url.trim_end_matches('/');
    let info = ctx.app.auth.lookup(authz, base).map_err(|r| {
        let message = r
            .json_body()
            .and_then(|b| b.pointer("/error/message"))
            .and_then(Value::as_str)
            .unwrap_or("Valid authentication was not provided")
            .to_string();
        let code = if authz.is_none() {
            "AuthorizationRequiredError"
        } else {
            "InvalidTokenError"
        };
        la_error(401, code, &message, None).with_header(
            "WWW-Authenticate",
            format!("Bearer authorization_uri=\"{base}/common/oauth2/authorize\", error=\"invalid_token\""),
        )
    })?;
    let aud = info.audience.trim_end_matches('/');
    if AUDIENCES
        .iter()
        .chain(std::iter::once(&base))
        .any(|a| a.eq_ignore_ascii_case(aud))
    {
        Ok(())
    } else {
        Err(la_error(
            401,
            "InvalidTokenError",
            &format!(
                "The provided authentication is not valid for this resource: the token's audience is '{}', the query API needs 'https://api.loganalytics.io'.",
                info.audience
            ),
            None,
        ))
    }
}

fn now() -> DateTime {
    let ticks = i64::try_from(time::now_nanos() / 100).unwrap_or(i64::MAX);
    DateTime::from_unix_ticks(ticks).unwrap_or(DateTime::UNIX_EPOCH)
}

/// The column type of a tables-store type name (`dateTime`, `boolean`, …).
fn column_type(name: &str) -> Type {
    Type::from_name(name).unwrap_or(Type::Dynamic)
}

/// The tables, functions and watchlists of one workspace.
fn database(w: &Workspace) -> Database {
    let mut db = Database::new();
    for t in workspace_tables(w) {
        let columns: Vec<Column> = t
            .columns
            .iter()
            .map(|(n, ty)| Column::new(n.clone(), column_type(ty)))
            .collect();
        let mut table = Table::new(columns.clone());
        let key = crate::store::name_key(&t.name);
        let stored = w
            .rows
            .get(&key)
            .map(|(_, r)| r.as_slice())
            .unwrap_or_default();
        let ingested = w
            .ingested
            .get(&key)
            .map(|(_, r)| r.as_slice())
            .unwrap_or_default();
        for r in stored.iter().chain(ingested) {
            // Rows were checked when loaded; a hand-edited state file's bad cell is null.
            table.push_row(
                columns
                    .iter()
                    .map(|c| cell(r.get(&c.name), c.ty).unwrap_or_default())
                    .collect(),
            );
        }
        db.add_table(&t.name, table);
    }
    for s in w.coll(Coll::SavedSearches).values() {
        let p = &s["properties"];
        if let (Some(alias), Some(query)) = (
            p.get("functionAlias")
                .and_then(Value::as_str)
                .filter(|a| !a.is_empty()),
            p.get("query").and_then(Value::as_str),
        ) {
            let params = p
                .get("functionParameters")
                .and_then(Value::as_str)
                .unwrap_or("");
            // A function whose body does not parse fails where it is called, as in a workspace.
            let _ = db.add_function(alias, params, query);
        }
    }
    for wl in w.coll(Coll::Watchlists).values() {
        let p = &wl["properties"];
        let alias = p
            .get("watchlistAlias")
            .and_then(Value::as_str)
            .or_else(|| wl.get("name").and_then(Value::as_str))
            .unwrap_or_default();
        let key = p
            .get("itemsSearchKey")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let items: Vec<&serde_json::Map<String, Value>> = w
            .coll(Coll::WatchlistItems)
            .values()
            .filter(|i| {
                i.get("watchlistAlias")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.eq_ignore_ascii_case(alias))
            })
            .filter_map(|i| i.pointer("/properties/itemsKeyValue")?.as_object())
            .collect();
        let mut columns: Vec<String> = Vec::new();
        for i in &items {
            for k in i.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
        let rows = items
            .iter()
            .map(|i| {
                columns
                    .iter()
                    .map(|c| match i.get(c) {
                        Some(Value::String(s)) => s.clone(),
                        None | Some(Value::Null) => String::new(),
                        Some(v) => v.to_string(),
                    })
                    .collect()
            })
            .collect();
        db.add_watchlist(alias, key, &columns, rows);
    }
    db
}

/// A JSON cell as a value of column type `ty`.
pub(crate) fn cell(v: Option<&Value>, ty: Type) -> Result<KqlValue, String> {
    match v {
        None | Some(Value::Null) => Ok(KqlValue::Null),
        Some(v) if ty == Type::Dynamic => Ok(match v {
            // a JSON string holding JSON text is the dynamic value it spells, as ingestion reads it
            Value::String(s) => KqlValue::parse_json_text(s).unwrap_or_else(|| KqlValue::string(s)),
            other => KqlValue::from_json(other),
        }),
        Some(Value::String(s)) => KqlValue::parse_as(s, ty),
        Some(v @ (Value::Number(_) | Value::Bool(_))) if ty != Type::String => {
            KqlValue::parse_as(&v.to_string(), ty)
        }
        Some(v) if ty == Type::String => Ok(KqlValue::string(v.to_string())),
        Some(v) => Err(format!("`{v}` is not a valid {ty}")),
    }
}

/// The result table in the API's shape.
fn table_json(t: &Table) -> Value {
    let columns: Vec<Value> = t
        .columns()
        .iter()
        .map(|c| json!({"name": c.name, "type": c.ty.name()}))
        .collect();
    let rows: Vec<Value> = t
        .rows()
        .map(|r| Value::Array(r.iter().map(value_json).collect()))
        .collect();
    json!({"name": "PrimaryResult", "columns": columns, "rows": rows})
}

/// One value as the service writes it.
fn value_json(v: &KqlValue) -> Value {
    match v {
        KqlValue::Array(_) | KqlValue::Bag(_) => Value::String(v.to_kusto_string()),
        other => other.to_json(),
    }
}

/// Reads the `timespan` parameter into the window `(start, end]`.
fn parse_timespan(text: &str, now: DateTime) -> Result<(DateTime, DateTime), String> {
    let bad = || {
        format!(
            "The timespan '{text}' is not an ISO 8601 duration (PT12H, P1D) or interval (start/end, start/duration, duration/end)."
        )
    };
    let shift = |d: DateTime, ticks: i64| {
        DateTime::from_unix_ticks(d.unix_ticks().saturating_add(ticks)).ok_or_else(bad)
    };
    let t = text.trim();
    match t.split_once('/') {
        None => {
            let d = parse_duration(t).ok_or_else(bad)?;
            Ok((shift(now, -d.0)?, now))
        }
        Some((a, b)) => match (DateTime::parse(a), DateTime::parse(b)) {
            (Some(s), Some(e)) => Ok((s, e)),
            (Some(s), None) => {
                let d = parse_duration(b).ok_or_else(bad)?;
                Ok((s, shift(s, d.0)?))
            }
            (None, Some(e)) => {
                let d = parse_duration(a).ok_or_else(bad)?;
                Ok((shift(e, -d.0)?, e))
            }
            (None, None) => Err(bad()),
        },
    }
}

/// An ISO 8601 duration (`P1DT2H30M`, `PT0.5S`, `P2W`); years and months are not fixed lengths and
/// are refused, as the service does.
fn parse_duration(text: &str) -> Option<TimeSpan> {
    const TICKS_PER_SECOND: f64 = 10_000_000.0;
    let rest = text.trim().strip_prefix(['P', 'p'])?;
    if rest.is_empty() {
        return None;
    }
    let mut in_time = false;
    let mut number = String::new();
    let mut seconds = 0.0_f64;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            unit => {
                let n: f64 = number.parse().ok()?;
                number.clear();
                seconds += n * match (unit, in_time) {
                    ('W', false) => 604_800.0,
                    ('D', false) => 86_400.0,
                    ('H', true) => 3_600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
            }
        }
    }
    if !number.is_empty() {
        return None;
    }
    let ticks = (seconds * TICKS_PER_SECOND).round();
    if !(ticks.is_finite() && (0.0..1e18).contains(&ticks)) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)] // whole and within i64 (checked above)
    let ticks = ticks as i64;
    Some(TimeSpan(ticks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_intervals_parse() {
        let now = DateTime::parse("2024-01-02T00:00:00Z").unwrap();
        let (s, e) = parse_timespan("PT12H", now).unwrap();
        assert_eq!(
            (s.to_string(), e.to_string()),
            ("2024-01-01T12:00:00Z".into(), "2024-01-02T00:00:00Z".into())
        );
        let (s, e) = parse_timespan("2024-01-01T00:00:00Z/P1DT1H30M", now).unwrap();
        assert_eq!(
            (s.to_string(), e.to_string()),
            ("2024-01-01T00:00:00Z".into(), "2024-01-02T01:30:00Z".into())
        );
        let (s, _) = parse_timespan("P1W/2024-01-08T00:00:00Z", now).unwrap();
        assert_eq!(s.to_string(), "2024-01-01T00:00:00Z");
        for bad in ["", "P", "P1Y", "12h", "PT1H/x", "P1D/P1D"] {
            assert!(parse_timespan(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn cells_follow_the_column_type() {
        assert!(matches!(
            cell(Some(&json!(5)), Type::Long),
            Ok(KqlValue::Long(5))
        ));
        assert!(matches!(
            cell(Some(&json!("5")), Type::Int),
            Ok(KqlValue::Int(5))
        ));
        assert!(cell(Some(&json!("x")), Type::Long).is_err());
        assert!(cell(Some(&json!({"a": 1})), Type::Long).is_err());
        assert_eq!(
            value_json(&cell(Some(&json!({"a": [1]})), Type::Dynamic).unwrap()),
            json!("{\"a\":[1]}")
        );
    }
}
