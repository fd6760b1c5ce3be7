//! `Microsoft.SecurityInsights/automationRules` (AutomationRules.json 2025-12-01; NOTES §14).
//!
//! Validation is the contract's: required `displayName` (≤ 500), `order` (1–1000), `triggeringLogic`
//! (`isEnabled`, `triggersOn`, `triggersWhen`) and `actions` (≤ 20); `conditions` ≤ 50, a `Boolean`
//! condition has 2–10 inner conditions, a `PropertyArray` condition ≤ 10 item conditions; polymorphic
//! conditions (`conditionType`) and actions (`actionType`) are checked against their definitions, the
//! enums of `common/IncidentTypes.json` included. On top of the schema, a `RunPlaybook` action's
//! `logicAppResourceId` must be the ARM id of a `Microsoft.Logic/workflows` (or `Microsoft.Web/sites`)
//! resource, as its description says. PUT answers 201/200 with `createdTimeUtc`,
//! `lastModifiedTimeUtc`, `createdBy`, `lastModifiedBy` set by the service; DELETE answers 200 with
//! `{}` (as the examples show) or 204; LIST pages with `nextLink`; etags are Sentinel's.

use serde_json::{Map, Value, json};

use super::{
    Family, api_version, body_etag, caller_info, json_body, method_not_allowed, preconditions,
    project, sentinel_etag_gate, validate_request,
};
use crate::errors::{Reply, arm_error};
use crate::etag;
use crate::paging::page;
use crate::request::Ctx;
use crate::store::{Coll, WorkspaceId, name_key};
use crate::time::utc_now_7;
use crate::validate::AUTOMATION_RULES;

pub(crate) const TYPE: &str = "Microsoft.SecurityInsights/automationRules";

fn render(ws: &WorkspaceId, stored: &Value) -> Value {
    let name = stored["name"].as_str().unwrap_or_default();
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
    project(AUTOMATION_RULES, "AutomationRule", &Value::Object(o))
}

/// `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Logic/workflows/{name}` (or
/// `Microsoft.Web/sites`), literal segments case-insensitive.
fn is_playbook_id(id: &str) -> bool {
    let s: Vec<&str> = id.trim_matches('/').split('/').collect();
    s.len() == 8
        && s[0].eq_ignore_ascii_case("subscriptions")
        && s[2].eq_ignore_ascii_case("resourceGroups")
        && s[4].eq_ignore_ascii_case("providers")
        && ((s[5].eq_ignore_ascii_case("Microsoft.Logic")
            && s[6].eq_ignore_ascii_case("workflows"))
            || (s[5].eq_ignore_ascii_case("Microsoft.Web") && s[6].eq_ignore_ascii_case("sites")))
        && [1, 3, 7].iter().all(|i| !s[*i].is_empty())
}

/// Service checks the schema does not state.
fn check(props: &Value) -> Result<(), String> {
    for (i, a) in props["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if a["actionType"] == "RunPlaybook" {
            let id = a
                .pointer("/actionConfiguration/logicAppResourceId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !is_playbook_id(id) {
                return Err(format!(
                    "properties.actions[{i}].actionConfiguration.logicAppResourceId '{id}' is not the resource id of a Logic App (/subscriptions/{{s}}/resourceGroups/{{rg}}/providers/Microsoft.Logic/workflows/{{name}})."
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn handle(ctx: &Ctx<'_>, ws: &WorkspaceId, name: Option<&str>) -> Reply {
    if let Err(r) = api_version(ctx, Family::SecurityInsights) {
        return r;
    }
    match (ctx.method, name) {
        ("GET", None) => ctx.app.store.read(|st| {
            let Some(w) = st.workspace(ws) else {
                return ctx.workspace_not_found(ws);
            };
            let items = w
                .coll(Coll::AutomationRules)
                .iter()
                .map(|(k, v)| (k.clone(), v));
            match page(items, &ctx.page_request(), |v| render(ws, v)) {
                Ok(body) => Reply::json(200, body),
                Err(r) => r,
            }
        }),
        ("GET", Some(n)) => ctx.app.store.read(|st| {
            let Some(w) = st.workspace(ws) else {
                return ctx.workspace_not_found(ws);
            };
            match w.coll(Coll::AutomationRules).get(&name_key(n)) {
                Some(v) => Reply::json(200, render(ws, v)),
                None => not_found(ws, n),
            }
        }),
        ("PUT", Some(n)) => put(ctx, ws, n),
        ("DELETE", Some(n)) => ctx.app.store.write(|st| {
            let Some(w) = st.workspace_mut(ws) else {
                return (ctx.workspace_not_found(ws), false);
            };
            let key = name_key(n);
            let existing = w.coll(Coll::AutomationRules).get(&key);
            let current = existing.and_then(body_etag);
            if let Err(r) = preconditions(ctx, current.as_deref(), existing.is_some()) {
                return (r, false);
            }
            if w.coll_mut(Coll::AutomationRules).remove(&key).is_some() {
                (Reply::json(200, json!({})), true)
            } else {
                (Reply::empty(204), false)
            }
        }),
        (m, _) => method_not_allowed(m),
    }
}

fn not_found(ws: &WorkspaceId, name: &str) -> Reply {
    arm_error(
        404,
        "NotFound",
        format!(
            "Automation rule '{name}' was not found in workspace '{}'.",
            ws.name
        ),
    )
}

fn put(ctx: &Ctx<'_>, ws: &WorkspaceId, name: &str) -> Reply {
    let body = match json_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let cleaned = match validate_request(AUTOMATION_RULES, "AutomationRule", &body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut props = cleaned
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Err(m) = check(&Value::Object(props.clone())) {
        return arm_error(400, "BadRequest", m);
    }
    let sent = body_etag(&body);
    let who = caller_info(ctx);
    let client = json!({"objectId": who["objectId"], "email": who["email"], "name": who["name"], "userPrincipalName": ""});
    ctx.app.store.write(|st| {
        let Some(w) = st.workspace_mut(ws) else {
            return (ctx.workspace_not_found(ws), false);
        };
        let key = name_key(name);
        let existing = w.coll(Coll::AutomationRules).get(&key).cloned();
        if let Err(r) = sentinel_etag_gate(
            ctx,
            existing.as_ref(),
            sent.as_deref(),
            &format!("automation rule '{name}'"),
        ) {
            return (r, false);
        }
        let old = existing.as_ref().map(|e| &e["properties"]);
        let now = utc_now_7();
        props.insert(
            "createdTimeUtc".into(),
            old.and_then(|o| o.get("createdTimeUtc"))
                .cloned()
                .unwrap_or_else(|| json!(now)),
        );
        props.insert("lastModifiedTimeUtc".into(), json!(now));
        props.insert(
            "createdBy".into(),
            old.and_then(|o| o.get("createdBy"))
                .cloned()
                .unwrap_or_else(|| client.clone()),
        );
        props.insert("lastModifiedBy".into(), client.clone());
        let stored_name = existing
            .as_ref()
            .and_then(|e| e["name"].as_str())
            .unwrap_or(name)
            .to_string();
        let stored = json!({"name": stored_name, "etag": etag::cosmos_etag(), "properties": props});
        let answer = render(ws, &stored);
        w.coll_mut(Coll::AutomationRules).insert(key, stored);
        (
            Reply::json(if existing.is_none() { 201 } else { 200 }, answer),
            true,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playbook_ids_are_logic_app_ids() {
        assert!(is_playbook_id(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/pb"
        ));
        assert!(is_playbook_id(
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.web/sites/fn"
        ));
        assert!(!is_playbook_id(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
        ));
        assert!(!is_playbook_id("pb"));
    }
}
