//! `Microsoft.OperationalInsights/workspaces/savedSearches` (Log Analytics functions and parsers).
//!
//! As the spec declares: PUT and DELETE answer 200 only (create included, absent included), LIST is
//! `{"value":[…]}` without paging. The etag is Log Analytics' weak datetime etag. Re-saving an
//! existing saved search needs its current `etag` (or `"*"`) in the body, otherwise 409 Conflict.
//! `version` defaults to 2 ("the current version is 2 and is the default").

use serde_json::{Map, Value, json};

use super::{
    Family, api_version, body_etag, json_body, method_not_allowed, preconditions, project,
    validate_request,
};
use crate::errors::{Reply, arm_error};
use crate::etag;
use crate::request::Ctx;
use crate::store::{Coll, WorkspaceId, name_key};
use crate::validate::SAVED_SEARCHES;

pub(crate) const TYPE: &str = "Microsoft.OperationalInsights/savedSearches";

fn render(ws: &WorkspaceId, stored: &Value) -> Value {
    let name = stored
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut o = Map::new();
    o.insert(
        "id".into(),
        json!(format!("{}/savedSearches/{name}", ws.canonical())),
    );
    o.insert(
        "etag".into(),
        stored.get("etag").cloned().unwrap_or(Value::Null),
    );
    o.insert("name".into(), json!(name));
    o.insert("type".into(), json!(TYPE));
    if let Some(p) = stored.get("properties") {
        o.insert("properties".into(), p.clone());
    }
    project(SAVED_SEARCHES, "SavedSearch", &Value::Object(o))
}

pub(crate) fn handle(ctx: &Ctx<'_>, ws: &WorkspaceId, name: Option<&str>) -> Reply {
    if let Err(r) = api_version(ctx, Family::OperationalInsights) {
        return r;
    }
    match (ctx.method, name) {
        ("GET", None) => ctx.app.store.read(|st| {
            let Some(w) = st.workspace(ws) else {
                return ctx.workspace_not_found(ws);
            };
            let value: Vec<Value> = w
                .coll(Coll::SavedSearches)
                .values()
                .map(|v| render(&w.id, v))
                .collect();
            Reply::json(200, json!({"value": value}))
        }),
        ("GET", Some(n)) => ctx.app.store.read(|st| {
            let Some(w) = st.workspace(ws) else {
                return ctx.workspace_not_found(ws);
            };
            match w.coll(Coll::SavedSearches).get(&name_key(n)) {
                Some(v) => Reply::json(200, render(&w.id, v)),
                None => arm_error(
                    404,
                    "ResourceNotFound",
                    format!(
                        "The saved search '{n}' was not found in workspace '{}'.",
                        ws.name
                    ),
                ),
            }
        }),
        ("PUT", Some(n)) => put(ctx, ws, n),
        ("DELETE", Some(n)) => ctx.app.store.write(|st| {
            let Some(w) = st.workspace_mut(ws) else {
                return (ctx.workspace_not_found(ws), false);
            };
            let key = name_key(n);
            let current = w.coll(Coll::SavedSearches).get(&key).and_then(body_etag);
            let exists = w.coll(Coll::SavedSearches).contains_key(&key);
            if let Err(r) = preconditions(ctx, current.as_deref(), exists) {
                return (r, false);
            }
            let removed = w.coll_mut(Coll::SavedSearches).remove(&key).is_some();
            (Reply::empty(200), removed)
        }),
        (m, _) => method_not_allowed(m),
    }
}

fn put(ctx: &Ctx<'_>, ws: &WorkspaceId, name: &str) -> Reply {
    let body = match json_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let cleaned = match validate_request(SAVED_SEARCHES, "SavedSearch", &body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let sent_etag = body_etag(&body);
    ctx.app.store.write(|st| {
        let Some(w) = st.workspace_mut(ws) else { return (ctx.workspace_not_found(ws), false) };
        let key = name_key(name);
        let existing = w.coll(Coll::SavedSearches).get(&key);
        let current_etag = existing.and_then(body_etag);
        if let Err(r) = preconditions(ctx, current_etag.as_deref(), existing.is_some()) {
            return (r, false);
        }
        if existing.is_some() {
            let ok = match sent_etag.as_deref() {
                Some("*") => true,
                Some(sent) => current_etag.as_deref().is_some_and(|c| etag::etag_eq(sent, c)),
                None => false,
            };
            if !ok {
                let msg = match sent_etag.as_deref() {
                    None => format!("A saved search with id '{name}' already exists. To override it, send its current etag (or \"*\") in the request body."),
                    Some(sent) => format!("The etag '{sent}' does not match the current etag of saved search '{name}'. Get it and retry with the current etag (or \"*\")."),
                };
                return (arm_error(409, "Conflict", msg), false);
            }
        }
        let mut props = cleaned.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
        if !props.contains_key("version") {
            props.insert("version".into(), json!(2));
        }
        let stored_name = existing
            .and_then(|e| e.get("name").and_then(Value::as_str))
            .unwrap_or(name)
            .to_string();
        let stored = json!({"name": stored_name, "etag": etag::datetime_etag(), "properties": props});
        let answer = render(&w.id, &stored);
        w.coll_mut(Coll::SavedSearches).insert(key, stored);
        (Reply::json(200, answer), true)
    })
}
