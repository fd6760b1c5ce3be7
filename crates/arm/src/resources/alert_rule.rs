//! `ArmAlertRule`: a Microsoft Sentinel analytics rule as ARM sends and receives it
//! (`Microsoft.SecurityInsights/alertRules`; read with [`crate::api_version::ALERT_RULES`], written
//! with the version [`ArmAlertRule::api_version`] picks for its kind and fields).
//!
//! Owns: the envelope (`id`, `name`, `type`, `etag`, `kind`, `systemData`) and the union of every
//! kind's properties in the stable 2025-12-01 and 2025-04-01-preview contracts (Scheduled, NRT,
//! Fusion, MicrosoftSecurityIncidentCreation, MLBehaviorAnalytics, ThreatIntelligence), as
//! `Option`s; nested objects are typed too. Per kind: which members are read-only
//! ([`WireModel::read_only_paths`]; a Fusion rule's `displayName` is), which sentinelctl manages
//! ([`WireModel::managed_paths`]), and which need the preview api-version ([`PREVIEW_ONLY`]).
//!
//! Does not: check which properties a kind requires (NRT has no `queryFrequency`, Scheduled needs
//! it); the model layer does. The `etag` lives in the body (see `Precondition`).
//!
//! Invariant: unknown members at every level are kept in the `extra` maps.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ENVELOPE_READ_ONLY, NullPaths, WireModel, null_paths_accessors};
use crate::api_version;

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
    /// Machine-learning behaviour analytics (template-bound; preview api-versions only).
    MlBehaviorAnalytics,
    /// Microsoft threat-intelligence matching (template-bound; preview api-versions only).
    ThreatIntelligence,
    /// Any other (future) kind, kept verbatim.
    Other(String),
}

impl AlertRuleKind {
    /// True for kinds the stable contract (2025-12-01) has: Scheduled, Fusion,
    /// MicrosoftSecurityIncidentCreation. NRT, MLBehaviorAnalytics and ThreatIntelligence exist only
    /// in the preview contract (`shared/specs/NOTES.md` §1; checked in `tests/wire_models.rs`).
    pub fn in_stable_contract(&self) -> bool {
        matches!(
            self,
            Self::Scheduled | Self::Fusion | Self::MicrosoftSecurityIncidentCreation
        )
    }

    /// True for kinds whose rule is bound to a Microsoft template and whose display fields are
    /// read-only (Fusion, MLBehaviorAnalytics, ThreatIntelligence).
    pub fn is_template_bound(&self) -> bool {
        matches!(
            self,
            Self::Fusion | Self::MlBehaviorAnalytics | Self::ThreatIntelligence
        )
    }
}

impl From<String> for AlertRuleKind {
    fn from(s: String) -> Self {
        match s.as_str() {
            "Scheduled" => Self::Scheduled,
            "NRT" => Self::Nrt,
            "Fusion" => Self::Fusion,
            "MicrosoftSecurityIncidentCreation" => Self::MicrosoftSecurityIncidentCreation,
            "MLBehaviorAnalytics" => Self::MlBehaviorAnalytics,
            "ThreatIntelligence" => Self::ThreatIntelligence,
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
            Self::MlBehaviorAnalytics => "MLBehaviorAnalytics",
            Self::ThreatIntelligence => "ThreatIntelligence",
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
    /// Explicit `null`s of the JSON this was read from (see [`NullPaths`]).
    #[serde(skip)]
    pub nulls: NullPaths,
}

/// Every kind's properties (the union; each kind uses a subset).
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
    /// MicrosoftSecurityIncidentCreation: `Microsoft Cloud App Security`, `Azure Security Center`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_filter: Option<String>,
    /// MicrosoftSecurityIncidentCreation: alert severities to create incidents for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severities_filter: Option<Vec<String>>,
    /// MicrosoftSecurityIncidentCreation: alert names to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_names_filter: Option<Vec<String>>,
    /// MicrosoftSecurityIncidentCreation: alert names to exclude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_names_exclude_filter: Option<Vec<String>>,
    /// Fusion (preview): per-source settings, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_settings: Option<Value>,
    /// Fusion (preview): scenario exclusion patterns, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_exclusion_patterns: Option<Value>,
    /// Unknown properties.
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

/// Read-only members of every kind (envelope plus `lastModifiedUtc`).
const COMMON_READ_ONLY: &[&str] = &["properties/lastModifiedUtc"];

/// Extra read-only members of template-bound kinds (Fusion, MLBehaviorAnalytics,
/// ThreatIntelligence): the display fields come from the template.
const TEMPLATE_BOUND_READ_ONLY: &[&str] = &[
    "properties/description",
    "properties/displayName",
    "properties/severity",
    "properties/tactics",
    "properties/techniques",
    "properties/subTechniques",
];

/// Extra read-only members of a Fusion rule's `sourceSettings` (preview).
const FUSION_READ_ONLY: &[&str] = &[
    "properties/sourceSettings/*/sourceSubTypes/*/sourceSubTypeDisplayName",
    "properties/sourceSettings/*/sourceSubTypes/*/severityFilters/isSupported",
];

/// What sentinelctl manages on a Scheduled rule: every field the Azure-Sentinel YAML format maps.
/// Not managed (kept from the live rule): `alertRuleTemplateName`, `templateVersion` (a Content hub
/// link survives adoption) and anything unknown.
pub const SCHEDULED_MANAGED: &[&str] = &[
    "kind",
    "properties/displayName",
    "properties/description",
    "properties/severity",
    "properties/enabled",
    "properties/query",
    "properties/queryFrequency",
    "properties/queryPeriod",
    "properties/triggerOperator",
    "properties/triggerThreshold",
    "properties/tactics",
    "properties/techniques",
    "properties/subTechniques",
    "properties/entityMappings",
    "properties/sentinelEntitiesMappings",
    "properties/customDetails",
    "properties/alertDetailsOverride",
    "properties/eventGroupingSettings",
    "properties/incidentConfiguration",
    "properties/suppressionEnabled",
    "properties/suppressionDuration",
];

/// NRT: the Scheduled list without the schedule and trigger (NRT has none).
pub const NRT_MANAGED: &[&str] = &[
    "kind",
    "properties/displayName",
    "properties/description",
    "properties/severity",
    "properties/enabled",
    "properties/query",
    "properties/tactics",
    "properties/techniques",
    "properties/subTechniques",
    "properties/entityMappings",
    "properties/sentinelEntitiesMappings",
    "properties/customDetails",
    "properties/alertDetailsOverride",
    "properties/eventGroupingSettings",
    "properties/incidentConfiguration",
    "properties/suppressionEnabled",
    "properties/suppressionDuration",
];

/// MicrosoftSecurityIncidentCreation: its filters and display fields.
pub const MSIC_MANAGED: &[&str] = &[
    "kind",
    "properties/displayName",
    "properties/description",
    "properties/enabled",
    "properties/productFilter",
    "properties/severitiesFilter",
    "properties/displayNamesFilter",
    "properties/displayNamesExcludeFilter",
];

/// Fusion: which template, on or off. Its (preview) `sourceSettings` and
/// `scenarioExclusionPatterns` are not managed: the service fills read-only members into them
/// and the repository format does not carry them, so a live rule keeps whatever the portal set.
pub const FUSION_MANAGED: &[&str] = &[
    "kind",
    "properties/alertRuleTemplateName",
    "properties/enabled",
];

/// MLBehaviorAnalytics and ThreatIntelligence: which template, on or off.
pub const TEMPLATE_MANAGED: &[&str] = &[
    "kind",
    "properties/alertRuleTemplateName",
    "properties/enabled",
];

/// Properties only the preview contract has, per kind; a write carrying one needs
/// [`api_version::ALERT_RULES_PREVIEW`] (stable rejects them as additional properties, NOTES §1).
pub const PREVIEW_ONLY: &[(&str, &[&str])] = &[
    ("Scheduled", &["subTechniques", "sentinelEntitiesMappings"]),
    ("Fusion", &["sourceSettings", "scenarioExclusionPatterns"]),
    ("MicrosoftSecurityIncidentCreation", &[]),
];

impl ArmAlertRule {
    /// A rule of `kind` with every property unset.
    pub fn new(kind: AlertRuleKind) -> Self {
        Self {
            id: None,
            name: None,
            resource_type: None,
            etag: None,
            kind,
            system_data: None,
            properties: ArmAlertRuleProperties::default(),
            extra: Map::new(),
            nulls: NullPaths::default(),
        }
    }

    /// The body to PUT: without the read-only members of its kind (see [`WireModel::to_put_body`]).
    pub fn to_put_body(&self) -> Value {
        WireModel::to_put_body(self)
    }

    /// The api-version a write of this rule must use: the stable 2025-12-01 for a stable kind
    /// whose PUT body has no preview-only property, else 2025-04-01-preview (NRT,
    /// MLBehaviorAnalytics, ThreatIntelligence, `subTechniques`, `sentinelEntitiesMappings`, Fusion
    /// `sourceSettings`, unknown kinds).
    pub fn api_version(&self) -> &'static str {
        api_version::for_alert_rule_body(&self.to_put_body())
    }
}

impl WireModel for ArmAlertRule {
    const RESOURCE_TYPE: &'static str = "Microsoft.SecurityInsights/alertRules";

    fn read_only_paths(&self) -> Vec<&'static str> {
        let mut paths = [ENVELOPE_READ_ONLY, COMMON_READ_ONLY].concat();
        if self.kind.is_template_bound() {
            paths.extend_from_slice(TEMPLATE_BOUND_READ_ONLY);
        }
        if self.kind == AlertRuleKind::Fusion {
            paths.extend_from_slice(FUSION_READ_ONLY);
        }
        paths
    }

    fn managed_paths(&self) -> Vec<&'static str> {
        match &self.kind {
            AlertRuleKind::Scheduled => SCHEDULED_MANAGED.to_vec(),
            AlertRuleKind::Nrt => NRT_MANAGED.to_vec(),
            AlertRuleKind::MicrosoftSecurityIncidentCreation => MSIC_MANAGED.to_vec(),
            AlertRuleKind::Fusion => FUSION_MANAGED.to_vec(),
            AlertRuleKind::MlBehaviorAnalytics | AlertRuleKind::ThreatIntelligence => {
                TEMPLATE_MANAGED.to_vec()
            }
            AlertRuleKind::Other(_) => vec!["kind"],
        }
    }

    null_paths_accessors!();
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

    #[test]
    fn the_live_body_keeps_what_sentinelctl_does_not_manage() {
        // A rule enabled from a Content hub template, then edited in the portal.
        let live = ArmAlertRule::from_json(&serde_json::json!({
            "id": "/subscriptions/s/x/alertRules/r", "name": "r", "etag": "\"live\"", "kind": "Scheduled",
            "properties": {
                "displayName": "Old", "description": "portal text", "enabled": true, "severity": "Low",
                "query": "T | take 1", "queryFrequency": "PT1H", "queryPeriod": "PT1H",
                "triggerOperator": "GreaterThan", "triggerThreshold": 0,
                "suppressionDuration": "PT1H", "suppressionEnabled": false,
                "alertRuleTemplateName": "tmpl-1", "templateVersion": "1.0.2",
                "futureField": {"kept": true}, "lastModifiedUtc": "2024-01-01T00:00:00Z",
            }
        }))
        .unwrap();
        let mut desired = ArmAlertRule::new(AlertRuleKind::Scheduled);
        let p = &mut desired.properties;
        p.display_name = Some("New".into());
        p.enabled = Some(true);
        p.severity = Some("High".into());
        p.query = Some("T | where x".into());
        p.query_frequency = Some("PT5M".into());
        p.query_period = Some("PT5M".into());
        p.trigger_operator = Some("GreaterThan".into());
        p.trigger_threshold = Some(3);
        p.suppression_duration = Some("PT1H".into());
        p.suppression_enabled = Some(false);
        let merged = live.with_managed_from(&desired).unwrap();
        let body = merged.to_put_body();
        let props = &body["properties"];
        assert_eq!(props["displayName"], "New");
        assert_eq!(props["triggerThreshold"], 3);
        assert!(
            props.get("description").is_none(),
            "managed and absent in the repository: removed"
        );
        assert_eq!(props["alertRuleTemplateName"], "tmpl-1");
        assert_eq!(props["templateVersion"], "1.0.2");
        assert_eq!(props["futureField"]["kept"], true);
        assert!(props.get("lastModifiedUtc").is_none(), "read-only");
        assert_eq!(body["etag"], "\"live\"", "the live etag guards the write");
        assert!(body.get("id").is_none() && body.get("name").is_none());
        assert_eq!(merged.api_version(), "2025-12-01");
    }

    #[test]
    fn a_kind_change_leaves_nothing_of_the_old_kind_behind() {
        let live = ArmAlertRule::from_json(&serde_json::json!({
            "kind": "Scheduled", "etag": "e",
            "properties": {"displayName": "x", "queryFrequency": "PT1H", "queryPeriod": "PT1H",
                "triggerOperator": "GreaterThan", "triggerThreshold": 0, "templateVersion": "2"}
        }))
        .unwrap();
        let mut desired = ArmAlertRule::new(AlertRuleKind::Nrt);
        desired.properties.display_name = Some("x".into());
        desired.properties.sub_techniques = Some(vec!["T1078.004".into()]);
        let merged = live.with_managed_from(&desired).unwrap();
        assert_eq!(merged.kind, AlertRuleKind::Nrt);
        let p = &merged.properties;
        assert!(p.query_frequency.is_none() && p.trigger_operator.is_none());
        assert_eq!(p.template_version.as_deref(), Some("2"));
        assert_eq!(merged.api_version(), "2025-04-01-preview");
    }

    #[test]
    fn template_bound_rules_never_send_their_display_fields() {
        let example = load(&format!("{STABLE}/GetFusionAlertRule.json"));
        let fusion = ArmAlertRule::from_json(&example["responses"]["200"]["body"]).unwrap();
        assert!(fusion.properties.display_name.is_some());
        let body = fusion.to_put_body();
        for key in [
            "displayName",
            "description",
            "severity",
            "tactics",
            "lastModifiedUtc",
        ] {
            assert!(body["properties"].get(key).is_none(), "{key}");
        }
        assert!(body["properties"]["alertRuleTemplateName"].is_string());
        assert_eq!(fusion.api_version(), "2025-12-01");
    }
}
