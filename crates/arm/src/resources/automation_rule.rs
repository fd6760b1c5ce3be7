//! `ArmAutomationRule`: a Sentinel automation rule (`Microsoft.SecurityInsights/automationRules`,
//! api-version [`crate::api_version::AUTOMATION_RULES`]).
//!
//! Owns: the envelope and `AutomationRuleProperties` of the stable 2025-12-01 contract:
//! `displayName`, `order` (1–1000), `triggeringLogic` and `actions` (≤ 20, polymorphic on
//! `actionType`: `ModifyProperties`, `RunPlaybook`, `AddIncidentTask`). Conditions are polymorphic
//! too (`Property`, `PropertyArray`, `PropertyChanged`, `PropertyArrayChanged`, `Boolean`) and are
//! kept as JSON here (NOTES §14).
//!
//! Does not: validate limits or rewrite rule references (the model layer does).
//!
//! Invariant: unknown members are kept in the `extra` maps.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ENVELOPE_READ_ONLY, NullPaths, WireModel, null_paths_accessors};

/// An automation rule resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmAutomationRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_data: Option<Value>,
    pub properties: ArmAutomationRuleProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Explicit `null`s of the JSON this was read from (see [`NullPaths`]).
    #[serde(skip)]
    pub nulls: NullPaths,
}

/// `AutomationRuleProperties`; `displayName`, `order`, `triggeringLogic` and `actions` are required.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmAutomationRuleProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggering_logic: Option<TriggeringLogic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<AutomationRuleAction>>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time_utc: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_time_utc: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `triggeringLogic`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct TriggeringLogic {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_time_utc: Option<String>,
    /// `Incidents` | `Alerts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggers_on: Option<String>,
    /// `Created` | `Updated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggers_when: Option<String>,
    /// Polymorphic conditions, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One action.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct AutomationRuleAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<i64>,
    /// `ModifyProperties` | `RunPlaybook` | `AddIncidentTask`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_type: Option<String>,
    /// The action's configuration, shaped by `actionType` (e.g. `logicAppResourceId`, `tenantId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_configuration: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Read-only members below the envelope.
const AUTOMATION_READ_ONLY: &[&str] = &[
    "properties/lastModifiedTimeUtc",
    "properties/createdTimeUtc",
    "properties/lastModifiedBy",
    "properties/createdBy",
];

/// What sentinelctl manages on an automation rule: all of its writable properties.
pub const AUTOMATION_MANAGED: &[&str] = &[
    "properties/displayName",
    "properties/order",
    "properties/triggeringLogic",
    "properties/actions",
];

impl WireModel for ArmAutomationRule {
    const RESOURCE_TYPE: &'static str = "Microsoft.SecurityInsights/automationRules";

    fn read_only_paths(&self) -> Vec<&'static str> {
        [ENVELOPE_READ_ONLY, AUTOMATION_READ_ONLY].concat()
    }

    fn managed_paths(&self) -> Vec<&'static str> {
        AUTOMATION_MANAGED.to_vec()
    }

    null_paths_accessors!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::examples::load;

    #[test]
    fn typed_fields_are_read_and_read_only_ones_never_sent() {
        let get = load(
            "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/examples/automationRules/AutomationRules_Get.json",
        );
        let rule = ArmAutomationRule::from_json(&get["responses"]["200"]["body"]).unwrap();
        let logic = rule.properties.triggering_logic.as_ref().unwrap();
        assert_eq!(logic.triggers_on.as_deref(), Some("Incidents"));
        let actions = rule.properties.actions.as_ref().unwrap();
        assert_eq!(actions[0].action_type.as_deref(), Some("AddIncidentTask"));
        let body = rule.to_put_body();
        for key in [
            "createdBy",
            "lastModifiedBy",
            "createdTimeUtc",
            "lastModifiedTimeUtc",
        ] {
            assert!(body["properties"].get(key).is_none(), "{key}");
        }
        assert!(body.get("etag").is_some() && body.get("id").is_none());
    }
}
