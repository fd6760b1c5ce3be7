//! `workbooks/<stem>.yaml`: metadata for the workbook JSON in `workbooks/<stem>.json`.

use schemars::JsonSchema;
use serde::Deserialize;

/// Workbook metadata file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlWorkbook {
    /// Stable key; the ARM resource name is the UUIDv5 of it.
    pub key: String,
    /// ARM resource name (a GUID) to keep, for workbooks created outside sentinelctl and
    /// imported; default: the UUIDv5 of `key`.
    pub name: Option<String>,
    /// Name shown in the portal.
    pub display_name: String,
    /// Description.
    pub description: Option<String>,
    /// Workbook category (default `sentinel`).
    pub category: Option<String>,
    /// Content version `x.y.z`.
    pub version: Option<String>,
    /// Free-form tags.
    pub tags: Option<Vec<String>>,
}
