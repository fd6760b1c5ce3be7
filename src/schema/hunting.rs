//! `hunting/*.yaml`: the Azure-Sentinel hunting-query format (`Hunting Queries/*.yaml` of the
//! Azure-Sentinel repository).
//!
//! Keys the format carries but a saved search cannot hold (`requiredDataConnectors`,
//! `entityMappings`, `severity`, `tags`, `metadata`) are known and kept, never deployed.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// One hunting query file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlHuntingQuery {
    /// GUID; becomes the saved search's resource name and the content id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the query looks for and how to read its results (deployed as the `description` tag).
    pub description: Option<String>,
    /// Data connectors the query needs (not deployed).
    pub required_data_connectors: Option<Value>,
    /// MITRE ATT&CK tactics (deployed as the `tactics` tag).
    pub tactics: Option<Vec<String>>,
    /// MITRE ATT&CK techniques `T1234` or `T1234.001` (deployed as the `techniques` tag).
    pub relevant_techniques: Option<Vec<String>>,
    /// The KQL query.
    pub query: String,
    /// Entity mappings (not deployed: a saved search has none).
    pub entity_mappings: Option<Value>,
    /// Severity (not deployed).
    pub severity: Option<String>,
    /// Content version `x.y.z`.
    pub version: Option<String>,
    /// Free-form tags (not deployed; strings are used by environment selectors).
    pub tags: Option<Value>,
    /// Solution metadata block (not deployed).
    pub metadata: Option<Value>,
}
