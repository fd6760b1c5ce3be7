//! `Microsoft.SecurityInsights/metadata` under a workspace (every api-version is validated with the
//! stable 2025-12-01 `Metadata.json`). LIST supports `$filter` with `eq` clauses joined by `and`
//! (`properties/kind eq 'AnalyticsRule'`), `$orderby` (one property path, `asc`/`desc`), `$top` and
//! `$skip`; PATCH merges `properties`.

use serde_json::{Map, Value, json};

use super::{
    Family, api_version, body_etag, json_body, method_not_allowed, preconditions, project,
    validate_request,
};
use crate::errors::{Reply, arm_error};
use crate::etag;
use crate::paging::page;
use crate::request::Ctx;
use crate::store::{Coll, WorkspaceId, name_key};
use crate::validate::METADATA;

pub(crate) const TYPE: &str = "Microsoft.SecurityInsights/metadata";

fn render(ws: &WorkspaceId, stored: &Value) -> Value {
    let name = stored
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut o = Map::new();
    o.insert(
        "id".into(),
        json!(format!("{}/providers/{TYPE}/{name}", ws.canonical())),
    );
    o.insert("name".into(), json!(name));
    o.insert("type".into(), json!(TYPE));
    for k in ["etag", "properties"] {
        if let Some(v) = stored.get(k) {
            o.insert(k.into(), v.clone());
        }
    }
    project(METADATA, "MetadataModel", &Value::Object(o))
}

/// `a/b eq 'v' and c eq 'w'` → `[(["a", "b"], "v"), …]`
fn parse_filter(f: &str) -> Option<Vec<(Vec<String>, String)>> {
    let mut out = Vec::new();
    for clause in f.split(" and ") {
        let (lhs, rhs) = clause.trim().split_once(" eq ")?;
        let rhs = rhs.trim();
        let value = rhs
            .strip_prefix('\'')?
            .strip_suffix('\'')?
            .replace("''", "'");
        out.push((lhs.trim().split('/').map(str::to_string).collect(), value));
    }
    Some(out)
}

fn matches(v: &Value, filter: &[(Vec<String>, String)]) -> bool {
    filter.iter().all(|(path, want)| {
        let mut cur = v;
        for seg in path {
            match cur.get(seg) {
                Some(n) => cur = n,
                None => return false,
            }
        }
        match cur {
            Value::String(s) => s.eq_ignore_ascii_case(want),
            other => other.to_string().eq_ignore_ascii_case(want),
        }
    })
}

pub(crate) fn handle(ctx: &Ctx<'_>, ws: &WorkspaceId, name: Option<&str>) -> Reply {
    if let Err(r) = api_version(ctx, Family::SecurityInsights) {
        return r;
    }
    match (ctx.method, name) {
        ("GET", None) => {
            let filter = match ctx.q("$filter") {
                Some(f) => match parse_filter(f) {
                    Some(f) => f,
                    None => {
                        return arm_error(
                            400,
                            "BadRequest",
                            format!(
                                "The $filter '{f}' is not supported: use 'path eq 'value'' clauses joined by 'and'."
                            ),
                        );
                    }
                },
                None => Vec::new(),
            };
            let skip = ctx
                .q("$skip")
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(0);
            let order = ctx.q("$orderby").map(|o| {
                let mut parts = o.split_whitespace();
                let path: Vec<String> = parts
                    .next()
                    .unwrap_or("")
                    .split('/')
                    .map(str::to_string)
                    .collect();
                let desc = parts.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                (path, desc)
            });
            ctx.app.store.read(|st| {
                let Some(w) = st.workspace(ws) else {
                    return ctx.workspace_not_found(ws);
                };
                let mut items: Vec<(String, Value)> = w
                    .coll(Coll::Metadata)
                    .iter()
                    .map(|(k, v)| (k.clone(), render(&w.id, v)))
                    .filter(|(_, v)| matches(v, &filter))
                    .collect();
                if let Some((path, desc)) = &order {
                    let at = |v: &Value| {
                        let mut cur = v;
                        for seg in path {
                            cur = cur.get(seg).unwrap_or(&Value::Null);
                        }
                        cur.as_str()
                            .map_or_else(|| cur.to_string(), str::to_lowercase)
                    };
                    items.sort_by(|a, b| {
                        if *desc {
                            at(&b.1).cmp(&at(&a.1))
                        } else {
                            at(&a.1).cmp(&at(&b.1))
                        }
                    });
                    // With a custom order the skip token is the position (zero-padded, so it sorts).
                    for (i, item) in items.iter_mut().enumerate() {
                        item.0 = format!("{i:010}");
                    }
                }
                let items = items.into_iter().skip(skip);
                match page(items, &ctx.page_request(), |v| v) {
                    Ok(body) => Reply::json(200, body),
                    Err(r) => r,
                }
            })
        }
        ("GET", Some(n)) => ctx.app.store.read(|st| {
            let Some(w) = st.workspace(ws) else {
                return ctx.workspace_not_found(ws);
            };
            match w.coll(Coll::Metadata).get(&name_key(n)) {
                Some(v) => Reply::json(200, render(&w.id, v)),
                None => not_found(n),
            }
        }),
        ("PUT" | "PATCH", Some(n)) => write(ctx, ws, n, ctx.method == "PATCH"),
        ("DELETE", Some(n)) => ctx.app.store.write(|st| {
            let Some(w) = st.workspace_mut(ws) else {
                return (ctx.workspace_not_found(ws), false);
            };
            let key = name_key(n);
            let current = w.coll(Coll::Metadata).get(&key).and_then(body_etag);
            let exists = w.coll(Coll::Metadata).contains_key(&key);
            if let Err(r) = preconditions(ctx, current.as_deref(), exists) {
                return (r, false);
            }
            if w.coll_mut(Coll::Metadata).remove(&key).is_some() {
                (Reply::empty(200), true)
            } else {
                (Reply::empty(204), false)
            }
        }),
        (m, _) => method_not_allowed(m),
    }
}

fn not_found(name: &str) -> Reply {
    arm_error(404, "NotFound", format!("Metadata '{name}' was not found."))
}

fn write(ctx: &Ctx<'_>, ws: &WorkspaceId, name: &str, patch: bool) -> Reply {
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return arm_error(
            400,
            "BadRequest",
            format!("The metadata name '{name}' is invalid: it must match ^\\S+$."),
        );
    }
    let body = match json_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let cleaned = match validate_request(
        METADATA,
        if patch {
            "metadataPatch"
        } else {
            "MetadataModel"
        },
        &body,
    ) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let sent_etag = body_etag(&body);
    ctx.app.store.write(|st| {
        let Some(w) = st.workspace_mut(ws) else { return (ctx.workspace_not_found(ws), false) };
        let key = name_key(name);
        let existing = w.coll(Coll::Metadata).get(&key);
        let current_etag = existing.and_then(body_etag);
        if let Err(r) = preconditions(ctx, current_etag.as_deref(), existing.is_some()) {
            return (r, false);
        }
        if patch && existing.is_none() {
            return (not_found(name), false);
        }
        if let (Some(_), Some(sent)) = (existing, sent_etag.as_deref())
            && sent != "*" && !current_etag.as_deref().is_some_and(|c| etag::etag_eq(sent, c)) {
                return (
                    arm_error(409, "Conflict", format!("The metadata '{name}' has been modified: the etag in the request ({sent}) does not match the current etag.")),
                    false,
                );
            }
        let mut props = if patch {
            existing
                .and_then(|e| e.get("properties"))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        } else {
            Map::new()
        };
        if let Some(p) = cleaned.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                props.insert(k.clone(), v.clone());
            }
        }
        if patch {
            for req in ["parentId", "kind"] {
                if props.get(req).is_none_or(Value::is_null) {
                    return (arm_error(400, "BadRequest", format!("Required property '{req}' not found in JSON. Path 'properties'.")), false);
                }
            }
        }
        let stored_name = existing
            .and_then(|e| e.get("name").and_then(Value::as_str))
            .unwrap_or(name)
            .to_string();
        let created = existing.is_none();
        let stored = json!({"name": stored_name, "etag": etag::cosmos_etag(), "properties": props});
        let answer = render(&w.id, &stored);
        w.coll_mut(Coll::Metadata).insert(key, stored);
        (Reply::json(if created { 201 } else { 200 }, answer), true)
    })
}
