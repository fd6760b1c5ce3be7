//! `Microsoft.SecurityInsights/alertRules` under a workspace.
//!
//! Scheduled and NRT rules get the service's defaults on write (what a GET then returns):
//! `alertRuleTemplateName`/`templateVersion` null, `tactics`/`techniques`/`subTechniques` `[]`,
//! `customDetails`/`entityMappings`/`alertDetailsOverride`/`sentinelEntitiesMappings` null,
//! `eventGroupingSettings {aggregationKind: SingleAlert}`, an `incidentConfiguration` that creates
//! incidents with grouping off (lookback PT5H, AllEntities, empty groupBy lists), and inside a given
//! `alertDetailsOverride` null column names and `alertDynamicProperties: []`. `lastModifiedUtc` is set on
//! every write. The stored rule is a superset; each answer is projected onto the api-version's model, so
//! the stable version never shows `subTechniques`/`sentinelEntitiesMappings`.
//!
//! Fusion, MLBehaviorAnalytics and ThreatIntelligence rules are bound to a built-in template
//! (`alert_rule_templates`): an unknown template is a 400, a second rule from one template a 409, and
//! their read-only display fields come from the template. MLBehaviorAnalytics and ThreatIntelligence
//! exist in the preview api-versions only (2025-04-01-preview's `AlertRuleKindEnum`); the stable
//! 2025-12-01 enum has Scheduled, Fusion and MicrosoftSecurityIncidentCreation, so those kinds are
//! refused there by schema validation, as NRT is.
//!
//! A PUT whose body `etag` differs from the current one is a 409 Conflict (as users of the real service
//! report); `If-Match`/`If-None-Match` headers give 412.

use serde_json::{Map, Value, json};

use super::alert_rule_templates as templates;
use super::rule_tables;
use super::{
    Family, api_version, body_etag, json_body, method_not_allowed, preconditions, project,
    validate_request,
};
use crate::errors::{Reply, arm_error};
use crate::paging::page;
use crate::request::Ctx;
use crate::store::{Coll, WorkspaceId, name_key};
use crate::validate::{AR_PREVIEW, AR_STABLE, rules};
use crate::{etag, time};

pub(crate) const TYPE: &str = "Microsoft.SecurityInsights/alertRules";

pub(crate) fn rule_id(ws: &WorkspaceId, name: &str) -> String {
    format!("{}/providers/{TYPE}/{name}", ws.canonical())
}

/// The stored rule as answered for one api-version.
pub(crate) fn render(ws: &WorkspaceId, stored: &Value, file: &str) -> Value {
    let name = stored
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut o = Map::new();
    o.insert("id".into(), json!(rule_id(ws, name)));
    o.insert("name".into(), json!(name));
    o.insert("type".into(), json!(TYPE));
    for k in ["kind", "etag", "properties"] {
        if let Some(v) = stored.get(k) {
            o.insert(k.into(), v.clone());
        }
    }
    project(file, "AlertRule", &Value::Object(o))
}

fn set_default(p: &mut Map<String, Value>, key: &str, v: Value) {
    if !p.contains_key(key) {
        p.insert(key.to_string(), v);
    }
}

/// Fills the defaults the service returns: Scheduled and NRT as described above; the read-only
/// fields of Fusion, MLBehaviorAnalytics and ThreatIntelligence rules from their template;
/// MicrosoftSecurityIncidentCreation's optional filters as null.
pub(crate) fn apply_defaults(kind: &str, p: &mut Map<String, Value>) {
    if templates::template_bound(kind) {
        let id = p
            .get("alertRuleTemplateName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(t) = templates::find(kind, id)
            && let Value::Object(fields) = t.fields()
        {
            for (k, v) in fields {
                p.insert(k, v);
            }
        }
        if kind != "Fusion" {
            set_default(p, "subTechniques", json!([]));
        }
        return;
    }
    if kind == "MicrosoftSecurityIncidentCreation" {
        for k in [
            "description",
            "alertRuleTemplateName",
            "displayNamesFilter",
            "severitiesFilter",
        ] {
            set_default(p, k, Value::Null);
        }
        return;
    }
    if !matches!(kind, "Scheduled" | "NRT") {
        return;
    }
    set_default(p, "alertRuleTemplateName", Value::Null);
    set_default(p, "templateVersion", Value::Null);
    set_default(p, "tactics", json!([]));
    set_default(p, "techniques", json!([]));
    set_default(p, "subTechniques", json!([]));
    set_default(p, "customDetails", Value::Null);
    set_default(p, "entityMappings", Value::Null);
    set_default(p, "sentinelEntitiesMappings", Value::Null);
    set_default(
        p,
        "eventGroupingSettings",
        json!({"aggregationKind": "SingleAlert"}),
    );
    match p.get_mut("alertDetailsOverride") {
        Some(Value::Object(o)) => {
            set_default(o, "alertDisplayNameFormat", Value::Null);
            set_default(o, "alertDescriptionFormat", Value::Null);
            set_default(o, "alertTacticsColumnName", Value::Null);
            set_default(o, "alertSeverityColumnName", Value::Null);
            set_default(o, "alertDynamicProperties", json!([]));
        }
        _ => set_default(p, "alertDetailsOverride", Value::Null),
    }
    let default_grouping = json!({
        "enabled": false,
        "reopenClosedIncident": false,
        "lookbackDuration": "PT5H",
        "matchingMethod": "AllEntities",
        "groupByEntities": [],
        "groupByAlertDetails": [],
        "groupByCustomDetails": [],
    });
    match p.get_mut("incidentConfiguration") {
        Some(Value::Object(ic)) => match ic.get_mut("groupingConfiguration") {
            Some(Value::Object(g)) => {
                set_default(g, "groupByEntities", json!([]));
                set_default(g, "groupByAlertDetails", json!([]));
                set_default(g, "groupByCustomDetails", json!([]));
            }
            _ => {
                ic.insert("groupingConfiguration".into(), default_grouping);
            }
        },
        _ => {
            p.insert(
                "incidentConfiguration".into(),
                json!({"createIncident": true, "groupingConfiguration": default_grouping}),
            );
        }
    }
}

pub(crate) fn handle(ctx: &Ctx<'_>, ws: &WorkspaceId, name: Option<&str>) -> Reply {
    let ver = match api_version(ctx, Family::SecurityInsights) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let file = if ver.preview { AR_PREVIEW } else { AR_STABLE };
    match (ctx.method, name) {
        ("GET", None) => ctx.app.store.read(|st| {
            let Some(w) = st.workspace(ws) else {
                return ctx.workspace_not_found(ws);
            };
            let items = w.coll(Coll::AlertRules).iter().map(|(k, v)| (k.clone(), v));
            match page(items, &ctx.page_request(), |v| render(&w.id, v, file)) {
                Ok(body) => Reply::json(200, body),
                Err(r) => r,
            }
        }),
        ("GET", Some(n)) => ctx.app.store.read(|st| {
            let Some(w) = st.workspace(ws) else {
                return ctx.workspace_not_found(ws);
            };
            match w.coll(Coll::AlertRules).get(&name_key(n)) {
                Some(v) => Reply::json(200, render(&w.id, v, file)),
                None => not_found(ws, n),
            }
        }),
        ("PUT", Some(n)) => put(ctx, ws, n, file),
        ("DELETE", Some(n)) => ctx.app.store.write(|st| {
            let Some(w) = st.workspace_mut(ws) else {
                return (ctx.workspace_not_found(ws), false);
            };
            let key = name_key(n);
            let current = w.coll(Coll::AlertRules).get(&key).and_then(body_etag);
            let exists = w.coll(Coll::AlertRules).contains_key(&key);
            if let Err(r) = preconditions(ctx, current.as_deref(), exists) {
                return (r, false);
            }
            if w.coll_mut(Coll::AlertRules).remove(&key).is_some() {
                (Reply::empty(200), true)
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
            "Alert rule '{name}' was not found in workspace '{}'.",
            ws.name
        ),
    )
}

fn put(ctx: &Ctx<'_>, ws: &WorkspaceId, name: &str, file: &'static str) -> Reply {
    let body = match json_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let cleaned = match validate_request(file, "AlertRule", &body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let issues = rules::alert_rule(&cleaned);
    if !issues.is_empty() {
        return super::issues_reply(&issues);
    }
    let kind = cleaned
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut props = cleaned
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let sent_etag = body_etag(&body);
    let check_tables = ctx.app.check_rule_tables() && matches!(kind.as_str(), "Scheduled" | "NRT");
    ctx.app.store.write(|st| {
        let Some(w) = st.workspace_mut(ws) else { return (ctx.workspace_not_found(ws), false) };
        if templates::template_bound(&kind) {
            let id = props.get("alertRuleTemplateName").and_then(Value::as_str).unwrap_or_default();
            if templates::find(&kind, id).is_none() {
                return (
                    arm_error(400, "BadRequest", format!("The alert rule template '{id}' of kind '{kind}' was not found. {kind} rules are created from a built-in template: {}.", templates::ids_of(&kind).join(", "))),
                    false,
                );
            }
            // A template-bound rule exists once per workspace: creating a second one from the same
            // template conflicts (what deployments that re-create the built-in Fusion rule meet,
            // Azure/Azure-Sentinel pull request #2981).
            let key = name_key(name);
            if let Some(other) = w.coll(Coll::AlertRules).iter().find(|(k, r)| {
                **k != key
                    && r.get("kind").and_then(Value::as_str) == Some(kind.as_str())
                    && r.pointer("/properties/alertRuleTemplateName").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case(id))
            }).map(|(_, r)| r.get("name").and_then(Value::as_str).unwrap_or_default().to_string()) {
                return (
                    arm_error(409, "Conflict", format!("The alert rule template '{id}' is already in use by alert rule '{other}' in this workspace; a {kind} rule can be created once per template. Update that rule instead.")),
                    false,
                );
            }
        }
        if check_tables
            && let Some(q) = props.get("query").and_then(Value::as_str)
        {
            let missing = rule_tables::missing_tables(w, q);
            if !missing.is_empty() {
                return (rule_tables::reply(&ws.name, &missing), false);
            }
        }
        let key = name_key(name);
        let existing = w.coll(Coll::AlertRules).get(&key);
        let current_etag = existing.and_then(body_etag);
        if let Err(r) = preconditions(ctx, current_etag.as_deref(), existing.is_some()) {
            return (r, false);
        }
        if let (Some(existing), Some(sent)) = (existing, sent_etag.as_deref()) {
            if !current_etag.as_deref().is_some_and(|c| etag::etag_eq(sent, c)) && sent != "*" {
                return (
                    arm_error(
                        409,
                        "Conflict",
                        format!("The alert rule '{name}' has been modified: the etag in the request ({sent}) does not match the current etag. Get the rule and retry with its etag."),
                    ),
                    false,
                );
            }
            let old_kind = existing.get("kind").and_then(Value::as_str).unwrap_or_default();
            if !old_kind.eq_ignore_ascii_case(&kind) {
                return (
                    arm_error(
                        400,
                        "BadRequest",
                        format!("The kind of an existing alert rule cannot be changed (from '{old_kind}' to '{kind}'). Delete the rule and create it again."),
                    ),
                    false,
                );
            }
        }
        let stored_name = existing
            .and_then(|e| e.get("name").and_then(Value::as_str))
            .unwrap_or(name)
            .to_string();
        let created = existing.is_none();
        props.remove("lastModifiedUtc");
        apply_defaults(&kind, &mut props);
        props.insert("lastModifiedUtc".into(), json!(time::utc_now_secs()));
        let stored = json!({
            "name": stored_name,
            "kind": kind,
            "etag": etag::cosmos_etag(),
            "properties": props,
        });
        let answer = render(&w.id, &stored, file);
        w.coll_mut(Coll::AlertRules).insert(key, stored);
        (Reply::json(if created { 201 } else { 200 }, answer), true)
    })
}
