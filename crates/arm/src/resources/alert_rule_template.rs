//! `ArmAlertRuleTemplate`: a Microsoft Sentinel analytics rule template
//! (`Microsoft.SecurityInsights/alertRuleTemplates`), what Content hub installs and a portal-enabled
//! rule points at through its `alertRuleTemplateName`.
//!
//! Owns: the envelope and the template properties adoption needs (`displayName`, `version`,
//! `status`, `kind`, the query for Scheduled/NRT templates), from the stable 2025-12-01 contract;
//! everything else (entity mappings, counters, ...) is kept in `extra`.
//!
//! Does not: write templates (ARM has no PUT for them), so nothing is managed and every member is
//! read-only.
//!
//! Invariant: unknown members are kept in the `extra` maps.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::alert_rule::AlertRuleKind;
use super::{NullPaths, WireModel, null_paths_accessors};

/// An alert rule template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmAlertRuleTemplate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The template id: the `id` of the same rule in Azure-Sentinel YAML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    pub kind: AlertRuleKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_data: Option<Value>,
    #[serde(default)]
    pub properties: ArmAlertRuleTemplateProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Explicit `null`s of the JSON this was read from (see [`NullPaths`]).
    #[serde(skip)]
    pub nulls: NullPaths,
}

/// The template properties adoption reads.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmAlertRuleTemplateProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// `Installed` | `Available` | `NotAvailable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The template's version (a rule created from it records it as `templateVersion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tactics: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub techniques: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_frequency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_period: Option<String>,
    /// `[{connectorId, dataTypes[]}]`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_data_connectors: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl WireModel for ArmAlertRuleTemplate {
    const RESOURCE_TYPE: &'static str = "Microsoft.SecurityInsights/alertRuleTemplates";

    fn read_only_paths(&self) -> Vec<&'static str> {
        // Templates are read-only resources: nothing of them is ever sent.
        vec!["id", "name", "type", "systemData", "kind", "properties"]
    }

    fn managed_paths(&self) -> Vec<&'static str> {
        Vec::new()
    }

    null_paths_accessors!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::examples::load;

    #[test]
    fn templates_of_every_kind_are_read() {
        let all = load(
            "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/examples/alertRuleTemplates/GetAlertRuleTemplates.json",
        );
        let kinds: Vec<AlertRuleKind> = all["responses"]["200"]["body"]["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| ArmAlertRuleTemplate::from_json(t).unwrap().kind)
            .collect();
        assert!(kinds.contains(&AlertRuleKind::Fusion), "{kinds:?}");
        assert!(kinds.contains(&AlertRuleKind::Scheduled), "{kinds:?}");
        let one = load(
            "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/examples/alertRuleTemplates/GetAlertRuleTemplateById.json",
        );
        let t = ArmAlertRuleTemplate::from_json(&one["responses"]["200"]["body"]).unwrap();
        assert!(t.properties.display_name.is_some() && t.properties.version.is_some());
    }
}
