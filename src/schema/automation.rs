//! `automation/*.yaml`: an automation rule, in the shape of the ARM resource's `properties`
//! (`AutomationRules.json` 2025-12-01), plus an `id` and a content `version`.
//!
//! Conditions and action configurations are polymorphic (`conditionType`, `actionType`) and kept
//! as JSON here; `crate::validate::automation` checks them key by key with located errors.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// One automation rule file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlAutomationRule {
    /// GUID; becomes the ARM resource name and the content id.
    pub id: String,
    /// Name shown in the portal (≤ 500 characters).
    pub display_name: String,
    /// Order of execution among the workspace's automation rules (1 … 1000).
    pub order: i64,
    /// When the rule runs.
    pub triggering_logic: YamlTriggeringLogic,
    /// What it does (1 … 20 actions).
    pub actions: Vec<YamlAutomationAction>,
    /// Content version `x.y.z`.
    pub version: Option<String>,
    /// Free-form tags for environment selectors (not deployed).
    pub tags: Option<Vec<String>>,
}

/// `triggeringLogic`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlTriggeringLogic {
    /// Whether the rule runs (default true).
    pub is_enabled: Option<bool>,
    /// When the rule disables itself (ISO 8601 date-time).
    pub expiration_time_utc: Option<String>,
    /// `Incidents` or `Alerts`.
    pub triggers_on: String,
    /// `Created` or `Updated`.
    pub triggers_when: String,
    /// Conditions (≤ 50), each `{conditionType, conditionProperties}`. In
    /// `IncidentRelatedAnalyticRuleIds` and `AlertAnalyticRuleIds` conditions, a value is the `id`
    /// of a detection in this repository (rewritten to that rule's resource id in each workspace)
    /// or a full ARM resource id.
    pub conditions: Option<Vec<Value>>,
}

/// `actions[]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlAutomationAction {
    /// Order of the action within the rule.
    pub order: i64,
    /// `ModifyProperties`, `RunPlaybook` or `AddIncidentTask`.
    pub action_type: String,
    /// The action's settings, shaped by `actionType`.
    pub action_configuration: Value,
}
