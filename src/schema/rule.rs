//! `detections/*.yaml`: the Azure-Sentinel analytic rule format, plus sentinelctl's `enabled`.
//!
//! Keys that the Azure-Sentinel format carries but ARM does not (`requiredDataConnectors`,
//! `status`, `tags`, `metadata`, dates…) are known and kept, never deployed.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One analytics rule file.
///
/// Every kind shares this one shape (the loader reads any file the same way); which keys a kind
/// takes is checked by validation (SC3019) and, for editors, by the per-kind `allOf` that
/// [`kind_requirements`] adds to the JSON Schema.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(transform = kind_requirements)]
pub struct YamlRule {
    /// GUID; becomes the ARM rule name and the content id.
    pub id: String,
    /// Display name (≤ 256 characters).
    pub name: String,
    /// What the rule detects, why it matters, false positives (≤ 5000 characters).
    #[schemars(required)]
    // optional for the loader only, so its message is better than serde's
    pub description: Option<String>,
    /// `Informational`, `Low`, `Medium` or `High`.
    #[schemars(required)]
    // optional for the loader only, so its message is better than serde's
    pub severity: Option<String>,
    /// `Scheduled`, `NRT`, `Fusion`, `MicrosoftSecurityIncidentCreation`, `MLBehaviorAnalytics`
    /// or `ThreatIntelligence`.
    #[schemars(required)]
    // optional for the loader only, so its message is better than serde's
    pub kind: Option<String>,
    /// Data connectors the rule needs, `[{connectorId, dataTypes}]` (not deployed; kept as
    /// written because upstream files also use a plain list of ids).
    pub required_data_connectors: Option<Value>,
    /// How often the query runs: `5m`, `1h`, `1d` or ISO-8601 (Scheduled only).
    pub query_frequency: Option<String>,
    /// How far back the query looks (Scheduled only).
    pub query_period: Option<String>,
    /// `gt`, `lt`, `eq`, `ne` or `GreaterThan`, `LessThan`, `Equal`, `NotEqual`.
    pub trigger_operator: Option<String>,
    /// 0 … 10000.
    pub trigger_threshold: Option<i64>,
    /// MITRE ATT&CK tactics.
    pub tactics: Option<Vec<String>>,
    /// MITRE ATT&CK techniques `T1234` or sub-techniques `T1234.001`.
    pub relevant_techniques: Option<Vec<String>>,
    /// Sub-techniques `T1234.001`.
    pub sub_techniques: Option<Vec<String>>,
    /// The KQL query (≤ 10,000 characters).
    #[schemars(required)]
    // optional for the loader only, so its message is better than serde's
    pub query: Option<String>,
    /// Entity mappings.
    pub entity_mappings: Option<Vec<YamlEntityMapping>>,
    /// Columns holding Sentinel entities.
    pub sentinel_entities_mappings: Option<Vec<YamlSentinelEntityMapping>>,
    /// Custom details: key → column.
    pub custom_details: Option<BTreeMap<String, String>>,
    /// Alert details override.
    pub alert_details_override: Option<YamlAlertDetailsOverride>,
    /// Event grouping.
    pub event_grouping_settings: Option<YamlEventGrouping>,
    /// Incident creation and grouping.
    pub incident_configuration: Option<YamlIncidentConfig>,
    /// Whether suppression is on (default false).
    pub suppression_enabled: Option<bool>,
    /// Suppression duration (default 5h).
    pub suppression_duration: Option<String>,
    /// sentinelctl: whether the rule is enabled (default true).
    pub enabled: Option<bool>,
    /// Fusion, MLBehaviorAnalytics and ThreatIntelligence: the built-in template (a GUID) the rule
    /// switches on; its name, description, severity and tactics come from the template.
    pub alert_rule_template_name: Option<String>,
    /// MicrosoftSecurityIncidentCreation: the product whose alerts become incidents
    /// (`Microsoft Cloud App Security`, `Azure Security Center`, `Azure Advanced Threat
    /// Protection`, `Azure Active Directory Identity Protection`, `Azure Security Center for IoT`).
    pub product_filter: Option<String>,
    /// MicrosoftSecurityIncidentCreation: only alerts of these severities (default: all).
    pub severities_filter: Option<Vec<String>>,
    /// MicrosoftSecurityIncidentCreation: only alerts with these names (default: all).
    pub display_names_filter: Option<Vec<String>>,
    /// MicrosoftSecurityIncidentCreation: never alerts with these names.
    pub display_names_exclude_filter: Option<Vec<String>>,
    /// Content version `x.y.z`.
    pub version: Option<String>,
    /// `Available`, `InPreview`, `Deprecated` (not deployed).
    pub status: Option<String>,
    /// Free-form tags (not deployed).
    pub tags: Option<Value>,
    /// Solution metadata block (not deployed).
    pub metadata: Option<Value>,
    /// Upstream bookkeeping (not deployed).
    #[serde(rename = "lastUpdatedDateUTC")]
    pub last_updated_date_utc: Option<Value>,
    /// Upstream bookkeeping (not deployed).
    #[serde(rename = "createdDateUTC")]
    pub created_date_utc: Option<Value>,
    /// Upstream bookkeeping (not deployed).
    pub template_version: Option<Value>,
    /// Upstream bookkeeping (not deployed).
    pub threat_analysis_tactics: Option<Value>,
    /// Upstream bookkeeping (not deployed).
    pub threat_analysis_techniques: Option<Value>,
    /// Misplaced `metadata` keys found at top level upstream (warned about, not deployed).
    pub source: Option<Value>,
    /// See `source`.
    pub author: Option<Value>,
    /// See `source`.
    pub support: Option<Value>,
    /// See `source`.
    pub categories: Option<Value>,
}

/// `requiredDataConnectors[]`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlRequiredConnector {
    /// Connector id.
    pub connector_id: String,
    /// Tables it fills.
    pub data_types: Option<Vec<String>>,
}

/// `entityMappings[]`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlEntityMapping {
    /// Entity type such as `Account`.
    pub entity_type: String,
    /// 1 … 3 identifier → column mappings.
    pub field_mappings: Vec<YamlFieldMapping>,
}

/// `entityMappings[].fieldMappings[]`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlFieldMapping {
    /// Identifier such as `FullName`.
    pub identifier: String,
    /// Output column of the query.
    pub column_name: String,
}

/// `sentinelEntitiesMappings[]`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlSentinelEntityMapping {
    /// Column holding the entities.
    pub column_name: String,
}

/// `alertDetailsOverride`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlAlertDetailsOverride {
    /// Alert name with up to 3 `{{Column}}` placeholders.
    pub alert_display_name_format: Option<String>,
    /// Alert description with up to 3 `{{Column}}` placeholders.
    pub alert_description_format: Option<String>,
    /// Column holding the tactics.
    pub alert_tactics_column_name: Option<String>,
    /// Column holding the severity.
    pub alert_severity_column_name: Option<String>,
    /// Dynamic alert properties.
    pub alert_dynamic_properties: Option<Vec<YamlDynamicProperty>>,
}

/// `alertDetailsOverride.alertDynamicProperties[]`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlDynamicProperty {
    /// Alert property such as `ProductName`.
    pub alert_property: String,
    /// Column holding the value.
    pub value: String,
}

/// `eventGroupingSettings`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlEventGrouping {
    /// `SingleAlert` or `AlertPerResult`.
    pub aggregation_kind: Option<String>,
}

/// `incidentConfiguration`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlIncidentConfig {
    /// Create incidents from alerts.
    pub create_incident: Option<bool>,
    /// Alert grouping.
    pub grouping_configuration: Option<YamlGrouping>,
}

/// `incidentConfiguration.groupingConfiguration`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlGrouping {
    /// Grouping on.
    pub enabled: Option<bool>,
    /// Reopen closed incidents.
    pub reopen_closed_incident: Option<bool>,
    /// Lookback such as `5h`.
    pub lookback_duration: Option<String>,
    /// `AllEntities`, `AnyAlert` or `Selected`.
    pub matching_method: Option<String>,
    /// Entity types to group by.
    pub group_by_entities: Option<Vec<String>>,
    /// Alert details to group by.
    pub group_by_alert_details: Option<Vec<String>>,
    /// Custom details to group by.
    pub group_by_custom_details: Option<Vec<String>>,
}

/// Keys of query rules (Scheduled, NRT) that no other kind takes.
pub const QUERY_ONLY_KEYS: &[&str] = &[
    "query",
    "queryFrequency",
    "queryPeriod",
    "triggerOperator",
    "triggerThreshold",
    "tactics",
    "relevantTechniques",
    "subTechniques",
    "entityMappings",
    "sentinelEntitiesMappings",
    "customDetails",
    "alertDetailsOverride",
    "eventGroupingSettings",
    "incidentConfiguration",
    "suppressionEnabled",
    "suppressionDuration",
];

/// Keys only MicrosoftSecurityIncidentCreation rules take.
pub const INCIDENT_CREATION_KEYS: &[&str] = &[
    "productFilter",
    "severitiesFilter",
    "displayNamesFilter",
    "displayNamesExcludeFilter",
];

/// The JSON Schema's per-kind rules, mirroring validation: `description`, `severity` and `query`
/// are required of query rules only; template-bound rules need `alertRuleTemplateName`, incident
/// creation rules `productFilter`; keys of other kinds are refused.
fn kind_requirements(schema: &mut schemars::Schema) {
    use serde_json::json;
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|k| !matches!(k.as_str(), Some("description" | "severity" | "query")));
    }
    if let Some(Value::Object(kind)) = schema.get_mut("properties").and_then(|p| p.get_mut("kind"))
    {
        kind.insert(
            "enum".into(),
            json!([
                "Scheduled",
                "NRT",
                "Fusion",
                "MicrosoftSecurityIncidentCreation",
                "MLBehaviorAnalytics",
                "ThreatIntelligence"
            ]),
        );
    }
    let refuse = |keys: &[&[&str]]| -> Value {
        Value::Object(
            keys.iter()
                .flat_map(|k| k.iter())
                .map(|k| ((*k).to_string(), Value::Bool(false)))
                .collect(),
        )
    };
    let template_and_filters: &[&str] = &["alertRuleTemplateName"];
    let display: &[&str] = &["description", "severity"];
    schema.insert(
        "allOf".into(),
        json!([
            {
                "if": {"properties": {"kind": {"enum": ["Scheduled", "NRT"]}}},
                "then": {
                    "required": ["description", "severity", "query"],
                    "properties": refuse(&[template_and_filters, INCIDENT_CREATION_KEYS]),
                },
            },
            {
                "if": {
                    "properties": {"kind": {"enum": ["Fusion", "MLBehaviorAnalytics", "ThreatIntelligence"]}},
                    "required": ["kind"],
                },
                "then": {
                    "required": ["alertRuleTemplateName"],
                    "properties": refuse(&[QUERY_ONLY_KEYS, INCIDENT_CREATION_KEYS, display]),
                },
            },
            {
                "if": {
                    "properties": {"kind": {"const": "MicrosoftSecurityIncidentCreation"}},
                    "required": ["kind"],
                },
                "then": {
                    "required": ["productFilter"],
                    "properties": refuse(&[QUERY_ONLY_KEYS, template_and_filters, &["severity"]]),
                },
            },
        ]),
    );
}
