//! `ArmAlertRule`: a Microsoft Sentinel analytics rule as ARM sends and receives it
//! (`Microsoft.SecurityInsights/alertRules`, api-version [`crate::api_version::ALERT_RULES`]).
//!
//! Owns: the envelope (`id`, `name`, `type`, `etag`, `kind`, `systemData`) and every Scheduled and
//! NRT property of the 2025-04-01-preview contract (including `subTechniques` and
//! `sentinelEntitiesMappings`), as `Option`s; nested objects are typed too. Fusion and
//! MicrosoftSecurityIncidentCreation-only properties (`productFilter`, `displayNamesFilter`, ...) and
//! anything newer land in `extra` and survive a round trip.
//!
//! Does not: check which properties a kind requires (NRT has no `queryFrequency`, Scheduled needs
//! it); the model layer does. The `etag` lives in the body (Sentinel has no If-Match header contract).
//!
//! Invariant: unknown members at every level are kept in the `extra` maps.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The rule kind (the contract's discriminator). Unknown kinds are kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(from = "String", into = "String")]
pub enum AlertRuleKind {
    /// Query on a schedule.
    Scheduled,
    /// Near-real-time (preview api-versions only).
    Nrt,
    /// Fusion correlation.
    Fusion,
    /// Incidents from Microsoft security products.
    MicrosoftSecurityIncidentCreation,
    /// Any other kind (`MLBehaviorAnalytics`, `ThreatIntelligence`, future kinds).
    Other(String),
}

impl From<String> for AlertRuleKind {
    fn from(s: String) -> Self {
        match s.as_str() {
            "Scheduled" => Self::Scheduled,
            "NRT" => Self::Nrt,
            "Fusion" => Self::Fusion,
            "MicrosoftSecurityIncidentCreation" => Self::MicrosoftSecurityIncidentCreation,
            _ => Self::Other(s),
        }
    }
}

impl From<AlertRuleKind> for String {
    fn from(kind: AlertRuleKind) -> Self {
        kind.to_string()
    }
}

impl fmt::Display for AlertRuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Scheduled => "Scheduled",
            Self::Nrt => "NRT",
            Self::Fusion => "Fusion",
            Self::MicrosoftSecurityIncidentCreation => "MicrosoftSecurityIncidentCreation",
            Self::Other(s) => s,
        })
    }
}

/// An analytics rule resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmAlertRule {
    /// Full ARM id (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Rule id, usually a GUID (read-only in the body; it is the URL's last segment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Microsoft.SecurityInsights/alertRules` (read-only).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Concurrency token, quoted inside the string (`"\"0300…\""`); send it back to update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The discriminator.
    pub kind: AlertRuleKind,
    /// Who changed it when (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_data: Option<Value>,
    /// Kind-specific properties.
    pub properties: ArmAlertRuleProperties,
    /// Unknown envelope members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Scheduled and NRT properties (the union; each kind uses a subset).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_excessive_bools)] // mirrors the contract
pub struct ArmAlertRuleProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `High` | `Medium` | `Low` | `Informational`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// ISO 8601 duration (Scheduled only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_frequency: Option<String>,
    /// ISO 8601 duration (Scheduled only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_period: Option<String>,
    /// `GreaterThan` | `LessThan` | `Equal` | `NotEqual` (Scheduled only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_threshold: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression_duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tactics: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub techniques: Option<Vec<String>>,
    /// Preview only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_techniques: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_rule_template_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_version: Option<String>,
    /// Read-only; never send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_utc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_grouping_settings: Option<EventGroupingSettings>,
    /// Column name → value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_details: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_mappings: Option<Vec<EntityMapping>>,
    /// Preview only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentinel_entities_mappings: Option<Vec<SentinelEntityMapping>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_details_override: Option<AlertDetailsOverride>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_configuration: Option<IncidentConfiguration>,
    /// Unknown or other-kind properties.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `eventGroupingSettings`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct EventGroupingSettings {
    /// `SingleAlert` | `AlertPerResult`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_kind: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `entityMappings` item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct EntityMapping {
    /// `Account`, `Host`, `IP`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_mappings: Option<Vec<FieldMapping>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{identifier, columnName}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct FieldMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{columnName}` (preview `sentinelEntitiesMappings`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct SentinelEntityMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `alertDetailsOverride`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct AlertDetailsOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_display_name_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_description_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_tactics_column_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_severity_column_name: Option<String>,
    /// `[{alertProperty, value}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_dynamic_properties: Option<Vec<AlertDynamicProperty>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{alertProperty, value}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct AlertDynamicProperty {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_property: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `incidentConfiguration`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct IncidentConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_incident: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grouping_configuration: Option<GroupingConfiguration>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `incidentConfiguration.groupingConfiguration`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct GroupingConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopen_closed_incident: Option<bool>,
    /// ISO 8601 duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookback_duration: Option<String>,
    /// `AllEntities` | `AnyAlert` | `Selected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by_entities: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by_alert_details: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by_custom_details: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ArmAlertRule {
    /// The body to PUT: without the read-only `id`, `name`, `type`, `systemData` and
    /// `properties.lastModifiedUtc` (oav flags the latter as READONLY_PROPERTY_NOT_ALLOWED_IN_REQUEST).
    pub fn to_put_body(&self) -> Value {
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        super::put_body(value, &["lastModifiedUtc"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::examples::{assert_round_trip, load};

    const PREVIEW: &str = "securityinsights/resource-manager/Microsoft.SecurityInsights/preview/2025-04-01-preview/examples/alertRules";
    const STABLE: &str = "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/examples/alertRules";

    #[test]
    fn preview_examples_round_trip() {
        for file in [
            "CreateNrtAlertRule.json",
            "CreateScheduledAlertRule.json",
            "GetNrtAlertRule.json",
        ] {
            let example = load(&format!("{PREVIEW}/{file}"));
            if let Some(request) = example["parameters"].get("alertRule") {
                assert_round_trip::<ArmAlertRule>(request, &format!("{file} request"));
            }
            for (code, response) in example["responses"].as_object().unwrap() {
                assert_round_trip::<ArmAlertRule>(&response["body"], &format!("{file} {code}"));
            }
        }
    }

    #[test]
    fn stable_examples_of_every_kind_round_trip() {
        for file in [
            "GetScheduledAlertRule.json",
            "GetFusionAlertRule.json",
            "GetMicrosoftSecurityIncidentCreationAlertRule.json",
        ] {
            let example = load(&format!("{STABLE}/{file}"));
            assert_round_trip::<ArmAlertRule>(&example["responses"]["200"]["body"], file);
        }
        let all = load(&format!("{STABLE}/GetAllAlertRules.json"));
        for rule in all["responses"]["200"]["body"]["value"].as_array().unwrap() {
            assert_round_trip::<ArmAlertRule>(rule, "GetAllAlertRules item");
        }
    }

    #[test]
    fn typed_fields_are_read_and_unknown_ones_kept() {
        let example = load(&format!("{PREVIEW}/CreateScheduledAlertRule.json"));
        let rule: ArmAlertRule =
            serde_json::from_value(example["parameters"]["alertRule"].clone()).unwrap();
        assert_eq!(rule.kind, AlertRuleKind::Scheduled);
        let p = &rule.properties;
        assert_eq!(p.query_period.as_deref(), Some("P2DT1H30M"));
        assert_eq!(
            p.entity_mappings.as_ref().unwrap()[0]
                .entity_type
                .as_deref(),
            Some("Host")
        );
        assert!(
            p.sentinel_entities_mappings.is_some(),
            "preview field is typed"
        );
        assert_eq!(
            p.custom_details.as_ref().unwrap()["OperatingSystemName"],
            "OSName"
        );

        let nrt: ArmAlertRule = serde_json::from_value(serde_json::json!({
            "kind": "NRT", "properties": {"displayName": "x", "futureField": {"a": 1}}, "futureTop": true
        }))
        .unwrap();
        assert_eq!(nrt.kind, AlertRuleKind::Nrt);
        assert_eq!(nrt.properties.extra["futureField"]["a"], 1);
        let back = serde_json::to_value(&nrt).unwrap();
        assert_eq!(back["kind"], "NRT");
        assert_eq!(back["futureTop"], true);
        let other: AlertRuleKind = "ThreatIntelligence".to_owned().into();
        assert_eq!(other.to_string(), "ThreatIntelligence");
    }

    #[test]
    fn put_body_drops_read_only_fields_and_keeps_the_etag() {
        let example = load(&format!("{PREVIEW}/GetNrtAlertRule.json"));
        let rule: ArmAlertRule =
            serde_json::from_value(example["responses"]["200"]["body"].clone()).unwrap();
        let body = rule.to_put_body();
        for key in ["id", "name", "type", "systemData"] {
            assert!(body.get(key).is_none(), "{key}");
        }
        assert!(body["properties"].get("lastModifiedUtc").is_none());
        assert_eq!(body["etag"], example["responses"]["200"]["body"]["etag"]);
        assert_eq!(body["kind"], "NRT");
    }
}
