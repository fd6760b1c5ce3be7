//! `Microsoft.SecurityInsights/watchlists` and their `watchlistItems` (Watchlists.json 2025-12-01;
//! NOTES §7.1, §15).
//!
//! What the contract and its examples say, and the emulator does:
//! * Watchlists: required `displayName`, `provider`, `itemsSearchKey`. PUT answers 201 (with an
//!   `Azure-AsyncOperation` header, already `Succeeded`) on create and 200 on update; server-managed
//!   fields (`watchlistId`, `watchlistAlias`, `created`, `updated`, `createdBy`, `updatedBy`,
//!   `tenantId`, `watchlistType`, `isDeleted`, `provisioningState`) are set by the service, whatever
//!   the body says. A body with `rawContent` (`contentType` `text/csv` or `text/tsv`, after
//!   `numberOfLinesToSkip` lines) creates one item per row, keyed by the header; `itemsSearchKey` must
//!   be one of its columns. `rawContent` itself is not returned.
//! * DELETE is asynchronous: 202 with `Azure-AsyncOperation` and `Location` pointing at
//!   `…/watchlists/{alias}/watchlistStatuses/{id}`; the watchlist shows `provisioningState: Deleting`
//!   until [`crate::Config::watchlist_delete_delay`] has passed, then it and its items are gone. The
//!   status URL answers `{"status":"InProgress"}` then `{"status":"Succeeded"}`. 204 when absent. A
//!   PUT to a watchlist being deleted is a 409. Api-versions before 2025 declare a synchronous DELETE
//!   (200/204): there the watchlist is gone at once and the answer is 200.
//! * Items: required `itemsKeyValue` (an object); PUT 201/200, DELETE 200/204, synchronous; ids and
//!   `type` use the capitalised `Watchlists/…/WatchlistItems` of the examples. The parent watchlist
//!   must exist.
//! * Both LISTs page with `nextLink`; etags are Sentinel's (body `etag` stale → 409, `If-Match` → 412).

use serde_json::{Map, Value, json};

use super::{
    Family, api_version, body_etag, caller_info, caller_tenant, json_body, method_not_allowed,
    preconditions, project, sentinel_etag_gate, validate_request,
};
use crate::errors::{Reply, arm_error};
use crate::etag;
use crate::guid::{new_guid, stable_guid};
use crate::paging::page;
use crate::request::Ctx;
use crate::store::{Coll, Workspace, WorkspaceId, item_key, name_key};
use crate::time::{now_nanos, utc_now_7};
use crate::validate::WATCHLISTS;

pub(crate) const TYPE: &str = "Microsoft.SecurityInsights/Watchlists";
pub(crate) const ITEM_TYPE: &str = "Microsoft.SecurityInsights/Watchlists/WatchlistItems";

fn now_ms() -> u64 {
    u64::try_from(now_nanos() / 1_000_000).unwrap_or(u64::MAX)
}

fn watchlist_id(ws: &WorkspaceId, alias: &str) -> String {
    format!(
        "{}/providers/Microsoft.SecurityInsights/watchlists/{alias}",
        ws.canonical()
    )
}

fn render(ws: &WorkspaceId, stored: &Value) -> Value {
    let name = stored["name"].as_str().unwrap_or_default();
    let mut o = Map::new();
    o.insert("id".into(), json!(watchlist_id(ws, name)));
    o.insert("name".into(), json!(name));
    o.insert("type".into(), json!(TYPE));
    for k in ["etag", "properties"] {
        if let Some(v) = stored.get(k) {
            o.insert(k.into(), v.clone());
        }
    }
    project(WATCHLISTS, "Watchlist", &Value::Object(o))
}

fn render_item(ws: &WorkspaceId, stored: &Value) -> Value {
    let alias = stored["watchlistAlias"].as_str().unwrap_or_default();
    let name = stored["name"].as_str().unwrap_or_default();
    let mut o = Map::new();
    o.insert(
        "id".into(),
        json!(format!(
            "{}/providers/Microsoft.SecurityInsights/Watchlists/{alias}/WatchlistItems/{name}",
            ws.canonical()
        )),
    );
    o.insert("name".into(), json!(name));
    o.insert("type".into(), json!(ITEM_TYPE));
    for k in ["etag", "properties"] {
        if let Some(v) = stored.get(k) {
            o.insert(k.into(), v.clone());
        }
    }
    let mut out = project(WATCHLISTS, "WatchlistItem", &Value::Object(o));
    // Free-form objects (no declared properties): the projection would empty them.
    for k in ["itemsKeyValue", "entityMapping"] {
        if let (Some(v), Some(p)) = (
            stored.pointer(&format!("/properties/{k}")),
            out.get_mut("properties").and_then(Value::as_object_mut),
        ) {
            p.insert(k.into(), v.clone());
        }
    }
    out
}

/// Removes watchlists whose asynchronous delete has completed, with their items.
fn sweep(w: &mut Workspace) -> bool {
    let now = now_ms();
    let done: Vec<String> = w
        .coll(Coll::Watchlists)
        .iter()
        .filter(|(_, v)| {
            v.get("deletingUntil")
                .and_then(Value::as_u64)
                .is_some_and(|t| t <= now)
        })
        .map(|(k, _)| k.clone())
        .collect();
    for k in &done {
        w.coll_mut(Coll::Watchlists).remove(k);
        let prefix = format!("{k}/");
        w.coll_mut(Coll::WatchlistItems)
            .retain(|ik, _| !ik.starts_with(&prefix));
    }
    !done.is_empty()
}

fn not_found(ws: &WorkspaceId, alias: &str) -> Reply {
    arm_error(
        404,
        "NotFound",
        format!(
            "Watchlist '{alias}' was not found in workspace '{}'.",
            ws.name
        ),
    )
}

pub(crate) fn handle(
    ctx: &Ctx<'_>,
    ws: &WorkspaceId,
    alias: Option<&str>,
    rest: &[String],
) -> Reply {
    if let Err(r) = api_version(ctx, Family::SecurityInsights) {
        return r;
    }
    ctx.app.store.write(|st| {
        let changed = st.workspace_mut(ws).is_some_and(sweep);
        ((), changed)
    });
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (alias, rest.as_slice()) {
        (None, []) => list(ctx, ws),
        (Some(a), []) => match ctx.method {
            "GET" => ctx.app.store.read(|st| {
                let Some(w) = st.workspace(ws) else {
                    return ctx.workspace_not_found(ws);
                };
                match w.coll(Coll::Watchlists).get(&name_key(a)) {
                    Some(v) => Reply::json(200, render(ws, v)),
                    None => not_found(ws, a),
                }
            }),
            "PUT" => put(ctx, ws, a),
            "DELETE" => delete(ctx, ws, a),
            m => method_not_allowed(m),
        },
        (Some(a), [items])
            if items.eq_ignore_ascii_case("watchlistItems") && ctx.method == "GET" =>
        {
            list_items(ctx, ws, a)
        }
        (Some(a), [items, id]) if items.eq_ignore_ascii_case("watchlistItems") => {
            item(ctx, ws, a, id)
        }
        (Some(a), [statuses, id])
            if statuses.eq_ignore_ascii_case("watchlistStatuses") && ctx.method == "GET" =>
        {
            status(ctx, a, id)
        }
        (_, _) if ctx.method != "GET" && rest.len() == 1 => method_not_allowed(ctx.method),
        _ => arm_error(
            404,
            "InvalidResourceType",
            format!("The resource type could not be found for '{}'.", ctx.path),
        ),
    }
}

fn list(ctx: &Ctx<'_>, ws: &WorkspaceId) -> Reply {
    if ctx.method != "GET" {
        return method_not_allowed(ctx.method);
    }
    ctx.app.store.read(|st| {
        let Some(w) = st.workspace(ws) else {
            return ctx.workspace_not_found(ws);
        };
        let items = w.coll(Coll::Watchlists).iter().map(|(k, v)| (k.clone(), v));
        match page(items, &ctx.page_request(), |v| render(ws, v)) {
            Ok(body) => Reply::json(200, body),
            Err(r) => r,
        }
    })
}

/// Splits one CSV/TSV line (double quotes, `""` escapes).
fn split_line(line: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == sep && !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_string()).collect()
}

/// The header and rows of `rawContent`.
pub(crate) fn parse_raw(
    raw: &str,
    content_type: &str,
    skip: usize,
) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let sep = match content_type.to_ascii_lowercase().as_str() {
        "text/csv" => ',',
        "text/tsv" => '\t',
        other => {
            return Err(format!(
                "contentType '{other}' is not supported; use text/csv or text/tsv."
            ));
        }
    };
    let mut lines = raw
        .lines()
        .skip(skip)
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty());
    let header = split_line(lines.next().ok_or("rawContent has no header line")?, sep);
    let rows: Vec<Vec<String>> = lines.map(|l| split_line(l, sep)).collect();
    for (i, r) in rows.iter().enumerate() {
        if r.len() != header.len() {
            return Err(format!(
                "line {} of rawContent has {} values; the header has {} columns.",
                i + 2 + skip,
                r.len(),
                header.len()
            ));
        }
    }
    Ok((header, rows))
}

/// The rows of a PUT's `rawContent` (None without one); 400 on bad content or a search key that is
/// not a column.
fn content_rows(props: &Map<String, Value>, raw: Option<&str>) -> Result<Option<Rows>, Reply> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    let ct = props
        .get("contentType")
        .and_then(Value::as_str)
        .unwrap_or("text/csv");
    let skip = props
        .get("numberOfLinesToSkip")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let search_key = props
        .get("itemsSearchKey")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (header, rows) = parse_raw(raw, ct, skip)
        .map_err(|m| arm_error(400, "BadRequest", format!("Invalid watchlist content: {m}")))?;
    if !header.iter().any(|h| h == search_key) {
        return Err(arm_error(
            400,
            "BadRequest",
            format!(
                "The itemsSearchKey '{search_key}' is not a column of the watchlist content (columns: {}).",
                header.join(", ")
            ),
        ));
    }
    Ok(Some((header, rows)))
}

/// A header and its rows.
type Rows = (Vec<String>, Vec<Vec<String>>);

/// Who writes, as the service records it.
struct Writer {
    who: Value,
    tenant: String,
}

/// Sets the fields the service manages, keeping the creation ones of `old`.
fn server_fields(
    props: &mut Map<String, Value>,
    old: Option<&Value>,
    id: Value,
    alias: &str,
    by: &Writer,
) {
    let now = utc_now_7();
    let keep = |k: &str, default: Value| old.and_then(|o| o.get(k)).cloned().unwrap_or(default);
    props.insert("watchlistId".into(), keep("watchlistId", id));
    props.insert("watchlistAlias".into(), json!(alias));
    props.insert("created".into(), keep("created", json!(now)));
    props.insert("updated".into(), json!(now));
    props.insert("createdBy".into(), keep("createdBy", by.who.clone()));
    props.insert("updatedBy".into(), by.who.clone());
    props.insert("tenantId".into(), json!(by.tenant));
    props.insert("watchlistType".into(), json!("watchlist"));
    props.insert("isDeleted".into(), json!(false));
    props.insert("provisioningState".into(), json!("Succeeded"));
}

/// One item per content row, keyed by the header.
fn insert_rows(w: &mut Workspace, alias: &str, (header, rows): &Rows, by: &Writer) {
    for row in rows {
        let id = new_guid();
        let kv: Map<String, Value> = header
            .iter()
            .cloned()
            .zip(row.iter().map(|v| json!(v)))
            .collect();
        let item = new_item(alias, &id, &Value::Object(kv), &by.who, &by.tenant, None);
        w.coll_mut(Coll::WatchlistItems)
            .insert(item_key(alias, &id), item);
    }
}

fn put(ctx: &Ctx<'_>, ws: &WorkspaceId, alias: &str) -> Reply {
    let body = match json_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let cleaned = match validate_request(WATCHLISTS, "Watchlist", &body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut props = cleaned
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let raw = props.remove("rawContent");
    let rows = match content_rows(&props, raw.as_ref().and_then(Value::as_str)) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let sent = body_etag(&body);
    let by = Writer {
        who: caller_info(ctx),
        tenant: caller_tenant(ctx),
    };
    let status_base = format!("{}{}", ctx.app.base_url, watchlist_id(ws, alias));
    let api = ctx.q("api-version").unwrap_or_default().to_string();
    ctx.app.store.write(|st| {
        let Some(w) = st.workspace_mut(ws) else {
            return (ctx.workspace_not_found(ws), false);
        };
        let key = name_key(alias);
        let existing = w.coll(Coll::Watchlists).get(&key).cloned();
        if existing
            .as_ref()
            .is_some_and(|e| e.get("deletingUntil").is_some())
        {
            let m = format!(
                "Watchlist '{alias}' is being deleted; retry once the delete has completed."
            );
            return (arm_error(409, "Conflict", m), false);
        }
        if let Err(r) = sentinel_etag_gate(
            ctx,
            existing.as_ref(),
            sent.as_deref(),
            &format!("watchlist '{alias}'"),
        ) {
            return (r, false);
        }
        let stored_name = existing
            .as_ref()
            .and_then(|e| e["name"].as_str())
            .unwrap_or(alias)
            .to_string();
        let id = json!(stable_guid(&format!("{}/{key}", ws.key())));
        server_fields(
            &mut props,
            existing.as_ref().map(|e| &e["properties"]),
            id,
            &stored_name,
            &by,
        );
        if rows.is_some() {
            props.insert("uploadStatus".into(), json!("Complete"));
        }
        let stored = json!({"name": stored_name, "etag": etag::cosmos_etag(), "properties": props});
        let answer = render(ws, &stored);
        w.coll_mut(Coll::Watchlists).insert(key, stored);
        if let Some(rows) = &rows {
            insert_rows(w, &stored_name, rows, &by);
        }
        if existing.is_some() {
            return (Reply::json(200, answer), true);
        }
        // Created: the upload is done at once; the status URL says so.
        let op = new_guid();
        ctx.app.finish_async_op(&op, 0);
        let status = format!("{status_base}/watchlistStatuses/{op}?api-version={api}");
        (
            Reply::json(201, answer).with_header("Azure-AsyncOperation", status),
            true,
        )
    })
}

fn new_item(
    alias: &str,
    id: &str,
    kv: &Value,
    who: &Value,
    tenant: &str,
    old: Option<&Value>,
) -> Value {
    let now = utc_now_7();
    let created = old
        .and_then(|o| o.pointer("/properties/created"))
        .cloned()
        .unwrap_or_else(|| json!(now));
    let created_by = old
        .and_then(|o| o.pointer("/properties/createdBy"))
        .cloned()
        .unwrap_or_else(|| who.clone());
    json!({
        "watchlistAlias": alias,
        "name": id,
        "etag": etag::cosmos_etag(),
        "properties": {
            "watchlistItemType": "watchlist-item",
            "watchlistItemId": id,
            "tenantId": tenant,
            "isDeleted": false,
            "created": created,
            "updated": now,
            "createdBy": created_by,
            "updatedBy": who,
            "itemsKeyValue": kv,
            "entityMapping": {},
        }
    })
}

/// Whether this api-version's contract makes the watchlist DELETE asynchronous. 2025-12-01 declares
/// 202 + `Azure-AsyncOperation`; 2022-11-01 (read upstream) declares a synchronous 200/204, and the
/// SDKs built from such versions (azure-mgmt-securityinsight 1.0.0: 2021-10-01) accept only 200/204.
/// Where between them the change happened is not in the contracts held here: versions from 2025 on
/// are taken as asynchronous.
fn async_delete(api_version: &str) -> bool {
    api_version.get(..4).is_some_and(|y| y >= "2025")
}

fn delete(ctx: &Ctx<'_>, ws: &WorkspaceId, alias: &str) -> Reply {
    let api_version = ctx.q("api-version").unwrap_or_default();
    let delay = if async_delete(api_version) {
        ctx.app.watchlist_delete_delay()
    } else {
        std::time::Duration::ZERO
    };
    let synchronous = !async_delete(api_version);
    let url = ctx.app.base_url.clone();
    let api = ctx.q("api-version").unwrap_or_default().to_string();
    ctx.app.store.write(|st| {
        let Some(w) = st.workspace_mut(ws) else {
            return (ctx.workspace_not_found(ws), false);
        };
        let key = name_key(alias);
        let existing = w.coll(Coll::Watchlists).get(&key);
        let current = existing.and_then(body_etag);
        if let Err(r) = preconditions(ctx, current.as_deref(), existing.is_some()) {
            return (r, false);
        }
        let Some(existing) = existing else {
            return (Reply::empty(204), false);
        };
        let name = existing["name"].as_str().unwrap_or(alias).to_string();
        let op = match existing.get("deleteOperation").and_then(Value::as_str) {
            Some(op) => op.to_string(), // already being deleted: the same operation
            None => new_guid(),
        };
        let until = now_ms().saturating_add(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
        if let Some(v) = w.coll_mut(Coll::Watchlists).get_mut(&key)
            && v.get("deletingUntil").is_none()
        {
            v["deletingUntil"] = json!(until);
            v["deleteOperation"] = json!(op);
            v["properties"]["provisioningState"] = json!("Deleting");
            ctx.app.finish_async_op(&op, until);
        }
        if delay.is_zero() {
            sweep(w);
        }
        if synchronous {
            return (Reply::empty(200), true);
        }
        let status = format!(
            "{url}{}/watchlistStatuses/{op}?api-version={api}",
            watchlist_id(ws, &name)
        );
        (
            Reply::empty(202)
                .with_header("Azure-AsyncOperation", status.clone())
                .with_header("Location", status)
                .with_header("Retry-After", "1"),
            true,
        )
    })
}

fn status(ctx: &Ctx<'_>, alias: &str, id: &str) -> Reply {
    match ctx.app.async_op_done_at(id) {
        None => arm_error(
            404,
            "NotFound",
            format!("No operation '{id}' for watchlist '{alias}'."),
        ),
        Some(done_at) => {
            let done = now_ms() >= done_at;
            let mut r = Reply::json(
                200,
                json!({"id": id, "name": id, "status": if done { "Succeeded" } else { "InProgress" }}),
            );
            if !done {
                r = r.with_header("Retry-After", "1");
            }
            r
        }
    }
}

fn list_items(ctx: &Ctx<'_>, ws: &WorkspaceId, alias: &str) -> Reply {
    ctx.app.store.read(|st| {
        let Some(w) = st.workspace(ws) else {
            return ctx.workspace_not_found(ws);
        };
        if !w.coll(Coll::Watchlists).contains_key(&name_key(alias)) {
            return not_found(ws, alias);
        }
        let prefix = format!("{}/", name_key(alias));
        let items = w
            .coll(Coll::WatchlistItems)
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k.clone(), v));
        match page(items, &ctx.page_request(), |v| render_item(ws, v)) {
            Ok(body) => Reply::json(200, body),
            Err(r) => r,
        }
    })
}

fn item(ctx: &Ctx<'_>, ws: &WorkspaceId, alias: &str, id: &str) -> Reply {
    let key = item_key(alias, id);
    match ctx.method {
        "GET" => ctx.app.store.read(|st| {
            let Some(w) = st.workspace(ws) else {
                return ctx.workspace_not_found(ws);
            };
            if !w.coll(Coll::Watchlists).contains_key(&name_key(alias)) {
                return not_found(ws, alias);
            }
            match w.coll(Coll::WatchlistItems).get(&key) {
                Some(v) => Reply::json(200, render_item(ws, v)),
                None => arm_error(
                    404,
                    "NotFound",
                    format!("Watchlist item '{id}' was not found in watchlist '{alias}'."),
                ),
            }
        }),
        "PUT" => {
            let body = match json_body(ctx) {
                Ok(b) => b,
                Err(r) => return r,
            };
            if let Err(r) = validate_request(WATCHLISTS, "WatchlistItem", &body) {
                return r;
            }
            // Validation empties free-form objects: the values come from the body as sent.
            let kv = body
                .pointer("/properties/itemsKeyValue")
                .cloned()
                .unwrap_or(Value::Null);
            if !kv.is_object() {
                return arm_error(
                    400,
                    "BadRequest",
                    "properties.itemsKeyValue must be an object of column name to value.",
                );
            }
            let sent = body_etag(&body);
            let who = caller_info(ctx);
            let tenant = caller_tenant(ctx);
            ctx.app.store.write(|st| {
                let Some(w) = st.workspace_mut(ws) else {
                    return (ctx.workspace_not_found(ws), false);
                };
                let Some(parent) = w.coll(Coll::Watchlists).get(&name_key(alias)) else {
                    return (not_found(ws, alias), false);
                };
                let parent_alias = parent["name"].as_str().unwrap_or(alias).to_string();
                let existing = w.coll(Coll::WatchlistItems).get(&key).cloned();
                if let Err(r) = sentinel_etag_gate(
                    ctx,
                    existing.as_ref(),
                    sent.as_deref(),
                    &format!("watchlist item '{id}'"),
                ) {
                    return (r, false);
                }
                let stored_id = existing
                    .as_ref()
                    .and_then(|e| e["name"].as_str())
                    .unwrap_or(id)
                    .to_string();
                let mut stored = new_item(
                    &parent_alias,
                    &stored_id,
                    &kv,
                    &who,
                    &tenant,
                    existing.as_ref(),
                );
                if let Some(em) = body
                    .pointer("/properties/entityMapping")
                    .filter(|v| v.is_object())
                {
                    stored["properties"]["entityMapping"] = em.clone();
                }
                let answer = render_item(ws, &stored);
                w.coll_mut(Coll::WatchlistItems).insert(key, stored);
                (
                    Reply::json(if existing.is_none() { 201 } else { 200 }, answer),
                    true,
                )
            })
        }
        "DELETE" => ctx.app.store.write(|st| {
            let Some(w) = st.workspace_mut(ws) else {
                return (ctx.workspace_not_found(ws), false);
            };
            if !w.coll(Coll::Watchlists).contains_key(&name_key(alias)) {
                return (not_found(ws, alias), false);
            }
            let existing = w.coll(Coll::WatchlistItems).get(&key);
            let current = existing.and_then(body_etag);
            if let Err(r) = preconditions(ctx, current.as_deref(), existing.is_some()) {
                return (r, false);
            }
            if w.coll_mut(Coll::WatchlistItems).remove(&key).is_some() {
                (Reply::empty(200), true)
            } else {
                (Reply::empty(204), false)
            }
        }),
        m => method_not_allowed(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delete_is_asynchronous_from_2025_on() {
        assert!(async_delete("2025-12-01"));
        assert!(async_delete("2025-04-01-preview"));
        assert!(!async_delete("2021-10-01"));
        assert!(!async_delete("2022-11-01"));
    }

    #[test]
    fn raw_content_parses_csv_and_tsv() {
        let (h, rows) = parse_raw(
            "skip me\nip,\"name, full\"\n10.0.0.1,\"a \"\"b\"\"\"\n\n",
            "text/csv",
            1,
        )
        .unwrap();
        assert_eq!(h, ["ip", "name, full"]);
        assert_eq!(rows, [vec!["10.0.0.1".to_string(), "a \"b\"".to_string()]]);
        let (h, _) = parse_raw("a\tb\n1\t2", "text/tsv", 0).unwrap();
        assert_eq!(h, ["a", "b"]);
        assert!(
            parse_raw("a,b\n1", "text/csv", 0)
                .unwrap_err()
                .contains("line 2")
        );
        assert!(parse_raw("a", "application/json", 0).is_err());
        assert!(parse_raw("", "text/csv", 0).is_err());
    }
}
