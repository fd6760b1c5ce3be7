//! `Microsoft.Insights/workbooks`, resource-group scoped, GUID names, linked to a workspace through
//! `properties.sourceId`.
//!
//! * LIST (resource group or subscription) requires `category` and filters by it (and by `sourceId`
//!   when given); `serializedData` is left out unless `canFetchContent=true`, as the service does;
//!   the last page carries `"nextLink": null` (WorkbooksList example).
//! * PUT takes `sourceId` from the query when the body has none; the service fills `userId` (the
//!   caller's object id), `timeModified`, `revision`, `storageUri: null` and `tags: {}`.
//! * A body `etag` that differs from the current one is a 409 Conflict; `If-Match` gives 412.
//! * Errors use the workbook error shape (`{"error":{"code","message"}}`).

use serde_json::{Map, Value, json};

use super::{
    Family, api_version, body_etag, json_body, method_not_allowed, preconditions, project,
    validate_request,
};
use crate::errors::{Reply, arm_error};
use crate::paging::page;
use crate::request::Ctx;
use crate::validate::{WORKBOOKS, rules};
use crate::{etag, guid, random, time};

pub(crate) const TYPE: &str = "Microsoft.Insights/workbooks";

pub(crate) fn workbook_id(sub: &str, rg: &str, name: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{TYPE}/{name}")
}

fn render(stored: &Value, with_content: bool) -> Value {
    let mut o = Map::new();
    for k in [
        "id",
        "name",
        "type",
        "location",
        "kind",
        "etag",
        "identity",
        "tags",
        "properties",
    ] {
        if let Some(v) = stored.get(k) {
            o.insert(k.into(), v.clone());
        }
    }
    o.insert("type".into(), json!(TYPE));
    if !with_content && let Some(Value::Object(p)) = o.get_mut("properties") {
        p.shift_remove("serializedData");
    }
    project(WORKBOOKS, "Workbook", &Value::Object(o))
}

/// ARM fills the read-only ids of a managed identity (stable per resource and identity).
fn fill_identity(identity: &mut Map<String, Value>, resource_id: &str) {
    let ty = identity
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if ty.contains("systemassigned") {
        identity.insert(
            "principalId".into(),
            json!(guid::stable_guid(&format!("{resource_id}/principal"))),
        );
        identity.insert("tenantId".into(), json!(guid::stable_guid("tenant")));
    }
    if let Some(Value::Object(uai)) = identity.get_mut("userAssignedIdentities") {
        for (uid, v) in uai.iter_mut() {
            *v = json!({
                "principalId": guid::stable_guid(&format!("{}/principal", uid.to_ascii_lowercase())),
                "clientId": guid::stable_guid(&format!("{}/client", uid.to_ascii_lowercase())),
            });
        }
    }
}

fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

fn not_found(name: &str) -> Reply {
    arm_error(
        404,
        "ResourceNotFound",
        format!("The workbook '{name}' was not found."),
    )
}

/// `rg == None` lists the whole subscription.
pub(crate) fn handle(ctx: &Ctx<'_>, sub: &str, rg: Option<&str>, name: Option<&str>) -> Reply {
    if let Err(r) = api_version(ctx, Family::Workbooks) {
        return r;
    }
    match (ctx.method, rg, name) {
        ("GET", _, None) => list(ctx, sub, rg),
        ("GET", Some(rg), Some(n)) => ctx.app.store.read(|st| {
            match st
                .workbooks
                .get(&workbook_id(sub, rg, n).to_ascii_lowercase())
            {
                Some(v) => Reply::json(200, render(v, true)),
                None => not_found(n),
            }
        }),
        ("PUT" | "PATCH", Some(rg), Some(n)) => write(ctx, sub, rg, n, ctx.method == "PATCH"),
        ("DELETE", Some(rg), Some(n)) => ctx.app.store.write(|st| {
            let key = workbook_id(sub, rg, n).to_ascii_lowercase();
            let current = st.workbooks.get(&key).and_then(body_etag);
            let exists = st.workbooks.contains_key(&key);
            if let Err(r) = preconditions(ctx, current.as_deref(), exists) {
                return (r, false);
            }
            if st.workbooks.remove(&key).is_some() {
                (Reply::empty(200), true)
            } else {
                (Reply::empty(204), false)
            }
        }),
        (m, _, _) => method_not_allowed(m),
    }
}

fn list(ctx: &Ctx<'_>, sub: &str, rg: Option<&str>) -> Reply {
    let Some(category) = ctx.q("category") else {
        return arm_error(
            400,
            "BadRequest",
            "The 'category' query parameter is required (one of workbook, TSG, performance, retention, or a custom category such as sentinel).",
        );
    };
    let source = ctx.q("sourceId");
    let with_content = truthy(ctx.q("canFetchContent"));
    let prefix = match rg {
        Some(rg) => format!(
            "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.insights/workbooks/"
        )
        .to_ascii_lowercase(),
        None => format!("/subscriptions/{sub}/").to_ascii_lowercase(),
    };
    ctx.app.store.read(|st| {
        let items = st
            .workbooks
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, v)| {
                v.pointer("/properties/category")
                    .and_then(Value::as_str)
                    .is_some_and(|c| c.eq_ignore_ascii_case(category))
            })
            .filter(|(_, v)| {
                source.is_none_or(|s| {
                    v.pointer("/properties/sourceId")
                        .and_then(Value::as_str)
                        .is_some_and(|x| x.eq_ignore_ascii_case(s))
                })
            })
            .map(|(k, v)| (k.clone(), v));
        match page(items, &ctx.page_request(), |v| render(v, with_content)) {
            Ok(mut body) => {
                // The workbooks service answers an explicit `"nextLink": null` on the last page.
                if body.get("nextLink").is_none() {
                    body["nextLink"] = Value::Null;
                }
                Reply::json(200, body)
            }
            Err(r) => r,
        }
    })
}

fn write(ctx: &Ctx<'_>, sub: &str, rg: &str, name: &str, patch: bool) -> Reply {
    let issues = rules::workbook(name);
    if !issues.is_empty() {
        return super::issues_reply(&issues);
    }
    let body = if patch && ctx.body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match json_body(ctx) {
            Ok(b) => b,
            Err(r) => return r,
        }
    };
    let definition = if patch {
        "WorkbookUpdateParameters"
    } else {
        "Workbook"
    };
    let cleaned = match validate_request(WORKBOOKS, definition, &body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let sent_etag = body_etag(&body);
    let user = ctx
        .token
        .as_ref()
        .map_or_else(guid::new_guid, |t| t.object_id.clone());
    let query_source = ctx.q("sourceId").map(str::to_string);
    ctx.app.store.write(|st| {
        if !st.resource_group_known(sub, rg) {
            return (ctx.resource_group_not_found(sub, rg), false);
        }
        let id = workbook_id(sub, rg, name);
        let key = id.to_ascii_lowercase();
        let existing = st.workbooks.get(&key);
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
                    arm_error(409, "Conflict", format!("The workbook '{name}' has been modified: the etag in the request ({sent}) does not match the current etag.")),
                    false,
                );
            }
        let mut res: Map<String, Value> = if patch {
            existing.and_then(Value::as_object).cloned().unwrap_or_default()
        } else {
            Map::new()
        };
        let mut props: Map<String, Value> = if patch {
            res.get("properties").and_then(Value::as_object).cloned().unwrap_or_default()
        } else {
            Map::new()
        };
        if let Some(p) = cleaned.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                props.insert(k.clone(), v.clone());
            }
        }
        for k in ["location", "kind", "tags", "identity"] {
            if let Some(v) = cleaned.get(k) {
                res.insert(k.into(), v.clone());
            }
        }
        if let Some(Value::Object(identity)) = res.get_mut("identity") {
            fill_identity(identity, &id);
        }
        if props.get("sourceId").is_none_or(Value::is_null)
            && let Some(s) = &query_source {
                props.insert("sourceId".into(), json!(s));
            }
        if !res.contains_key("tags") {
            res.insert("tags".into(), json!({}));
        }
        if !props.contains_key("storageUri") {
            props.insert("storageUri".into(), Value::Null);
        }
        props.insert("userId".into(), json!(user));
        props.insert("timeModified".into(), json!(time::utc_now_7()));
        props.insert("revision".into(), json!(guid::hex(&random::random_bytes::<16>())));
        let stored_name = existing
            .and_then(|e| e.get("name").and_then(Value::as_str))
            .unwrap_or(name)
            .to_string();
        let stored_id = existing
            .and_then(|e| e.get("id").and_then(Value::as_str))
            .map_or(id.clone(), str::to_string);
        res.insert("id".into(), json!(stored_id));
        res.insert("name".into(), json!(stored_name));
        res.insert("type".into(), json!(TYPE));
        res.insert("etag".into(), json!(etag::cosmos_etag()));
        res.insert("properties".into(), Value::Object(props));
        let stored = Value::Object(res);
        let created = existing.is_none();
        let answer = render(&stored, true);
        st.workbooks.insert(key, stored);
        (Reply::json(if created { 201 } else { 200 }, answer), true)
    })
}
