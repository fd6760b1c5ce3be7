//! [`AutomationRule`]: a Sentinel automation rule (`Microsoft.SecurityInsights/automationRules`).
//!
//! The file mirrors the ARM `properties` (`displayName`, `order`, `triggeringLogic`, `actions`), so
//! the mapping is one to one, with one rewrite: in conditions on `IncidentRelatedAnalyticRuleIds` or
//! `AlertAnalyticRuleIds` (at any depth, inside `Boolean` conditions too) a value may be the `id` of
//! a detection of this repository. [`AutomationRule::bind_rules`] turns it into the resource id of
//! that rule in the target workspace (its live name, for a rule adopted under a name Content hub
//! chose), which is what Sentinel stores. Values that are already ARM ids are kept.
//!
//! Comparison is on meaning: actions sorted by `order`, explicit `null`s dropped, an absent
//! `conditions` equal to `[]`, rule resource ids compared case-insensitively (ARM ids are), and the
//! read-only `labelType` of labels ignored.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::schema::YamlAutomationRule;

/// Condition properties whose values are analytics-rule resource ids.
pub const RULE_ID_PROPERTIES: [&str; 2] =
    ["IncidentRelatedAnalyticRuleIds", "AlertAnalyticRuleIds"];

/// An automation rule, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct AutomationRule {
    /// Resource name: the GUID `id`, lower case.
    pub name: String,
    /// Content version.
    pub version: Option<String>,
    /// `displayName`.
    pub display_name: String,
    /// `order` (1 … 1000).
    pub order: i64,
    /// `triggeringLogic` as ARM JSON.
    pub triggering_logic: Value,
    /// `actions` as ARM JSON, sorted by `order`.
    pub actions: Vec<Value>,
}

/// The path segment after which an ARM id names the rule.
const RULE_SEGMENT: &str = "/providers/microsoft.securityinsights/alertrules/";

/// The analytics-rule resource id of `name` in the workspace `workspace_id`.
pub fn rule_resource_id(workspace_id: &str, name: &str) -> String {
    format!("{workspace_id}/providers/Microsoft.SecurityInsights/alertRules/{name}")
}

/// `(workspace id, rule name)` of an analytics-rule resource id (case kept), if it is one.
pub fn split_rule_id(id: &str) -> Option<(&str, &str)> {
    let at = id.to_ascii_lowercase().rfind(RULE_SEGMENT)?;
    let name = &id[at + RULE_SEGMENT.len()..];
    (!name.is_empty() && !name.contains('/')).then(|| (&id[..at], name))
}

/// Calls `f` on every rule-id value of `conditions` (recursively).
fn visit_rule_ids(conditions: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    let Some(list) = conditions.as_array_mut() else {
        return;
    };
    for c in list {
        let Some(props) = c.get_mut("conditionProperties") else {
            continue;
        };
        if let Some(inner) = props.get_mut("innerConditions") {
            visit_rule_ids(inner, f);
        }
        if let Some(inner) = props.get_mut("itemConditions") {
            visit_rule_ids(inner, f);
        }
        let is_rule_ids = props
            .get("propertyName")
            .and_then(Value::as_str)
            .is_some_and(|n| RULE_ID_PROPERTIES.contains(&n));
        if is_rule_ids
            && let Some(values) = props
                .get_mut("propertyValues")
                .and_then(Value::as_array_mut)
        {
            values.iter_mut().for_each(&mut *f);
        }
    }
}

/// Every rule-id value of `conditions`, as written.
pub fn rule_id_values(conditions: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut copy = conditions.clone();
    visit_rule_ids(&mut copy, &mut |v| {
        if let Some(s) = v.as_str() {
            out.push(s.to_string());
        }
    });
    out
}

/// Drops explicit `null`s (ARM treats them as absent) and the read-only `labelType`.
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, v)| !v.is_null() && k.as_str() != "labelType")
                .map(|(k, v)| (k.clone(), normalize(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

fn sorted_actions(actions: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut actions: Vec<Value> = actions.into_iter().map(|a| normalize(&a)).collect();
    actions.sort_by_key(|a| a.get("order").and_then(Value::as_i64).unwrap_or(i64::MAX));
    actions
}

impl AutomationRule {
    /// Interprets an automation-rule file. Rule references stay as written until
    /// [`bind_rules`](Self::bind_rules).
    pub fn from_yaml(raw: &YamlAutomationRule) -> Self {
        let t = &raw.triggering_logic;
        let mut logic = Map::new();
        logic.insert("isEnabled".into(), json!(t.is_enabled.unwrap_or(true)));
        if let Some(e) = &t.expiration_time_utc {
            logic.insert("expirationTimeUtc".into(), json!(e));
        }
        logic.insert("triggersOn".into(), json!(t.triggers_on));
        logic.insert("triggersWhen".into(), json!(t.triggers_when));
        logic.insert(
            "conditions".into(),
            Value::Array(t.conditions.clone().unwrap_or_default()),
        );
        Self {
            name: raw.id.trim().to_ascii_lowercase(),
            version: raw.version.clone(),
            display_name: raw.display_name.clone(),
            order: raw.order,
            triggering_logic: normalize(&Value::Object(logic)),
            actions: sorted_actions(raw.actions.iter().map(|a| {
                json!({
                    "order": a.order,
                    "actionType": a.action_type,
                    "actionConfiguration": a.action_configuration,
                })
            })),
        }
    }

    /// Rewrites every rule reference that is not an ARM id yet (a detection `id`) into the
    /// resource id of that rule in `workspace_id`, named by `live_name` (its live name when the
    /// workspace knows the rule under another name, else the id itself, lower case).
    pub fn bind_rules(&mut self, workspace_id: &str, live_name: &dyn Fn(&str) -> Option<String>) {
        let Some(conditions) = self.triggering_logic.get_mut("conditions") else {
            return;
        };
        visit_rule_ids(conditions, &mut |v| {
            let Some(s) = v.as_str() else { return };
            let id = match split_rule_id(s) {
                // already bound to this workspace: follow a rename
                Some((ws, name)) if ws.eq_ignore_ascii_case(workspace_id) => {
                    live_name(name).map(|n| rule_resource_id(workspace_id, &n))
                }
                Some(_) => None,
                None if s.starts_with('/') => None,
                None => {
                    let id = s.trim().to_ascii_lowercase();
                    Some(rule_resource_id(
                        workspace_id,
                        &live_name(&id).unwrap_or(id),
                    ))
                }
            };
            if let Some(id) = id {
                *v = Value::String(id);
            }
        });
    }

    /// Rewrites rule resource ids of `workspace_id` into repository ids, as `repo_id` names them
    /// (for import; ids of other workspaces and unknown rules are kept).
    pub fn unbind_rules(&mut self, workspace_id: &str, repo_id: &dyn Fn(&str) -> Option<String>) {
        let Some(conditions) = self.triggering_logic.get_mut("conditions") else {
            return;
        };
        visit_rule_ids(conditions, &mut |v| {
            let Some(s) = v.as_str() else { return };
            if let Some((ws, name)) = split_rule_id(s)
                && ws.eq_ignore_ascii_case(workspace_id)
                && let Some(id) = repo_id(&name.to_ascii_lowercase())
            {
                *v = Value::String(id);
            }
        });
    }

    /// Names (lower case) of this workspace's rules the conditions reference, once bound.
    pub fn referenced_rules(&self, workspace_id: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .triggering_logic
            .get("conditions")
            .map(rule_id_values)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| match split_rule_id(v) {
                Some((ws, name)) if ws.eq_ignore_ascii_case(workspace_id) => {
                    Some(name.to_ascii_lowercase())
                }
                Some(_) => None,
                None if v.starts_with('/') => None,
                None => Some(v.trim().to_ascii_lowercase()),
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// ARM body for a PUT.
    pub fn to_arm(&self) -> Value {
        json!({"properties": {
            "displayName": self.display_name,
            "order": self.order,
            "triggeringLogic": self.triggering_logic,
            "actions": self.actions,
        }})
    }

    /// Interprets an ARM automation rule.
    pub fn from_arm(resource: &Value) -> Option<Self> {
        let name = resource.get("name")?.as_str()?.to_ascii_lowercase();
        let p = resource.get("properties")?;
        let mut logic = normalize(p.get("triggeringLogic").unwrap_or(&Value::Null));
        if let Some(m) = logic.as_object_mut() {
            m.entry("conditions").or_insert_with(|| json!([]));
        }
        Some(Self {
            name,
            version: None,
            display_name: p
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            order: p.get("order").and_then(Value::as_i64).unwrap_or_default(),
            triggering_logic: logic,
            actions: sorted_actions(
                p.get("actions")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            ),
        })
    }

    /// Flat `path → value` map for diffs: `conditions` and `actions` are one field each.
    pub fn fields(&self) -> BTreeMap<String, Value> {
        let mut logic = self.triggering_logic.clone();
        if let Some(c) = logic.get_mut("conditions") {
            visit_rule_ids(c, &mut |v| {
                if let Some(s) = v.as_str() {
                    *v = Value::String(s.to_ascii_lowercase());
                }
            });
        }
        let mut out = BTreeMap::new();
        out.insert("displayName".into(), json!(self.display_name));
        out.insert("order".into(), json!(self.order));
        if let Some(m) = logic.as_object() {
            for (k, v) in m {
                out.insert(format!("triggeringLogic.{k}"), v.clone());
            }
        }
        out.insert("actions".into(), Value::Array(self.actions.clone()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w";

    fn rule() -> AutomationRule {
        let raw: YamlAutomationRule = serde_json::from_value(json!({
            "id": "D2D6A4B4-5E5E-4C3E-9F1A-111111111111",
            "displayName": "Triage",
            "order": 5,
            "triggeringLogic": {"triggersOn": "Incidents", "triggersWhen": "Created", "conditions": [
                {"conditionType": "Boolean", "conditionProperties": {"operator": "Or", "innerConditions": [
                    {"conditionType": "Property", "conditionProperties": {"propertyName": "IncidentRelatedAnalyticRuleIds",
                        "operator": "Contains", "propertyValues": ["0C3AE420-C119-4F4C-BE97-4F48B51A9922"]}},
                    {"conditionType": "Property", "conditionProperties": {"propertyName": "IncidentSeverity",
                        "operator": "Equals", "propertyValues": ["High"]}}
                ]}}
            ]},
            "actions": [
                {"order": 2, "actionType": "AddIncidentTask", "actionConfiguration": {"title": "Check"}},
                {"order": 1, "actionType": "ModifyProperties", "actionConfiguration": {"labels": [{"labelName": "1Password"}]}}
            ]
        }))
        .unwrap();
        AutomationRule::from_yaml(&raw)
    }

    #[test]
    fn repository_ids_become_workspace_rule_ids() {
        let mut r = rule();
        assert_eq!(r.actions[0]["order"], 1);
        r.bind_rules(WS, &|_| None);
        let values = rule_id_values(&r.triggering_logic["conditions"]);
        assert_eq!(
            values,
            [format!(
                "{WS}/providers/Microsoft.SecurityInsights/alertRules/0c3ae420-c119-4f4c-be97-4f48b51a9922"
            )]
        );
        assert_eq!(
            r.referenced_rules(WS),
            ["0c3ae420-c119-4f4c-be97-4f48b51a9922"]
        );
        // a rule the workspace knows under another name (adopted from Content hub)
        let mut renamed = rule();
        renamed.bind_rules(WS, &|id| {
            (id == "0c3ae420-c119-4f4c-be97-4f48b51a9922").then(|| "random".to_string())
        });
        assert!(
            rule_id_values(&renamed.triggering_logic["conditions"])[0]
                .ends_with("/alertRules/random")
        );
        // and back, for import
        renamed.unbind_rules(WS, &|n| {
            (n == "random").then(|| "0c3ae420-c119-4f4c-be97-4f48b51a9922".to_string())
        });
        assert_eq!(
            rule_id_values(&renamed.triggering_logic["conditions"]),
            ["0c3ae420-c119-4f4c-be97-4f48b51a9922"]
        );
    }

    #[test]
    fn arm_round_trip_ignores_case_nulls_and_read_only_label_types() {
        let mut desired = rule();
        desired.bind_rules(WS, &|_| None);
        let mut live = desired.to_arm();
        live["name"] = json!("d2d6a4b4-5e5e-4c3e-9f1a-111111111111");
        let id = live["properties"]["triggeringLogic"]["conditions"][0]["conditionProperties"]["innerConditions"][0]["conditionProperties"]["propertyValues"][0].as_str().unwrap().to_ascii_lowercase();
        live["properties"]["triggeringLogic"]["conditions"][0]["conditionProperties"]["innerConditions"]
            [0]["conditionProperties"]["propertyValues"][0] = json!(id);
        live["properties"]["actions"][0]["actionConfiguration"]["labels"][0]["labelType"] =
            json!("User");
        live["properties"]["actions"][0]["actionConfiguration"]["owner"] = Value::Null;
        let back = AutomationRule::from_arm(&live).unwrap();
        assert_eq!(back.fields(), desired.fields());
        let mut edited = live.clone();
        edited["properties"]["order"] = json!(6);
        let changed = AutomationRule::from_arm(&edited).unwrap().fields();
        let diff: Vec<&String> = changed
            .keys()
            .filter(|k| changed.get(*k) != desired.fields().get(*k))
            .collect();
        assert_eq!(diff, ["order"]);
    }

    #[test]
    fn rule_ids_are_split_case_insensitively() {
        let id = format!("{WS}/providers/microsoft.securityinsights/alertrules/ABC");
        assert_eq!(split_rule_id(&id), Some((WS, "ABC")));
        assert_eq!(split_rule_id("abc"), None);
        assert_eq!(
            split_rule_id(&format!(
                "{WS}/providers/Microsoft.SecurityInsights/alertRules/"
            )),
            None
        );
    }
}
