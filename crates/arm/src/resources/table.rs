//! `ArmTable`: a Log Analytics table and its schema (`Microsoft.OperationalInsights/workspaces/tables`,
//! api-version [`crate::api_version::TABLES`]).
//!
//! Owns: the envelope and `TableProperties` of the 2025-02-01 contract, with `schema` and its columns
//! typed (NOTES §9, §17). Tables have **no etag**; PUT, PATCH and DELETE are long-running (202 with
//! `Azure-AsyncOperation`). Column types are camel case here (`dateTime`, `guid`, `boolean`), unlike
//! the query API's lower-case ones.
//!
//! Does not: decide which tables a rule needs or create them (the CLI does), or poll operations.
//!
//! Invariant: unknown members are kept in the `extra` maps.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ENVELOPE_READ_ONLY, NullPaths, WireModel, null_paths_accessors};

/// A table resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmTable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The table name, e.g. `OnePasswordEventLogs_CL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_data: Option<Value>,
    #[serde(default)]
    pub properties: ArmTableProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Explicit `null`s of the JSON this was read from (see [`NullPaths`]).
    #[serde(skip)]
    pub nulls: NullPaths,
}

/// `TableProperties`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmTableProperties {
    /// 4–730, or -1 for the workspace default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<i64>,
    /// 4–4383.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_retention_in_days: Option<i64>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_retention_in_days: Option<i64>,
    /// `Basic` | `Analytics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<TableSchema>,
    /// Read-only: `Updating` | `InProgress` | `Succeeded` | `Deleting`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Schema`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct TableSchema {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The columns a customer defined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<TableColumn>>,
    /// Read-only: the columns the table type defines (`TimeGenerated`, `TenantId`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_columns: Option<Vec<TableColumn>>,
    /// Read-only: `Microsoft` | `CustomLog` | `RestoredLogs` | `SearchResults`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_type: Option<String>,
    /// Read-only: `Any` | `Classic` | `DataCollectionRuleBased`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_sub_type: Option<String>,
    /// Read-only: `microsoft` | `customer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solutions: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Column`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct TableColumn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `string` | `int` | `long` | `real` | `boolean` | `dateTime` | `guid` | `dynamic`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub column_type: Option<String>,
    /// `uri` | `guid` | `armPath` | `ip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type_hint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default_display: Option<bool>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hidden: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Read-only members below the envelope (2025-02-01 `Tables.json`).
const TABLE_READ_ONLY: &[&str] = &[
    "properties/archiveRetentionInDays",
    "properties/resultStatistics",
    "properties/lastPlanModifiedDate",
    "properties/provisioningState",
    "properties/retentionInDaysAsDefault",
    "properties/totalRetentionInDaysAsDefault",
    "properties/schema/standardColumns",
    "properties/schema/categories",
    "properties/schema/labels",
    "properties/schema/source",
    "properties/schema/tableType",
    "properties/schema/tableSubType",
    "properties/schema/solutions",
    "properties/schema/columns/*/isDefaultDisplay",
    "properties/schema/columns/*/isHidden",
    "properties/searchResults/sourceTable",
    "properties/searchResults/azureAsyncOperationId",
    "properties/restoredLogs/azureAsyncOperationId",
];

/// What sentinelctl manages on a custom table it creates: the schema's name, text and columns.
/// Plan and retention are the workspace operator's.
pub const TABLE_MANAGED: &[&str] = &[
    "properties/schema/name",
    "properties/schema/displayName",
    "properties/schema/description",
    "properties/schema/columns",
];

impl ArmTable {
    /// Every column a query can read: the standard columns, then the customer's.
    pub fn all_columns(&self) -> impl Iterator<Item = &TableColumn> {
        let schema = self.properties.schema.as_ref();
        let standard = schema.and_then(|s| s.standard_columns.as_deref());
        let custom = schema.and_then(|s| s.columns.as_deref());
        standard
            .unwrap_or_default()
            .iter()
            .chain(custom.unwrap_or_default())
    }

    /// The table's name: the resource name, else the schema's.
    pub fn table_name(&self) -> Option<&str> {
        self.name.as_deref().or_else(|| {
            self.properties
                .schema
                .as_ref()
                .and_then(|s| s.name.as_deref())
        })
    }

    /// True for a custom log table (`_CL` suffix, compared case-insensitively; a convention, NOTES §9).
    pub fn is_custom_log(&self) -> bool {
        self.table_name()
            .is_some_and(|n| n.len() > 3 && n[n.len() - 3..].eq_ignore_ascii_case("_CL"))
    }
}

impl WireModel for ArmTable {
    const RESOURCE_TYPE: &'static str = "Microsoft.OperationalInsights/workspaces/tables";

    fn read_only_paths(&self) -> Vec<&'static str> {
        [ENVELOPE_READ_ONLY, TABLE_READ_ONLY].concat()
    }

    fn managed_paths(&self) -> Vec<&'static str> {
        TABLE_MANAGED.to_vec()
    }

    null_paths_accessors!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::examples::load;

    const DIR: &str = "operationalinsights/resource-manager/Microsoft.OperationalInsights/stable/2025-02-01/examples";

    #[test]
    fn columns_are_typed_and_read_only_schema_parts_never_sent() {
        let list = load(&format!("{DIR}/TablesList.json"));
        let first = ArmTable::from_json(&list["responses"]["200"]["body"]["value"][0]).unwrap();
        assert_eq!(first.table_name(), Some("AzureNetworkFlow"));
        assert!(!first.is_custom_log());
        let names: Vec<_> = first
            .all_columns()
            .filter_map(|c| c.name.as_deref())
            .collect();
        assert!(names.contains(&"TimeGenerated"), "{names:?}");
        let body = first.to_put_body();
        let schema = &body["properties"]["schema"];
        assert!(schema.get("standardColumns").is_none() && schema.get("tableType").is_none());
        assert!(body["properties"].get("provisioningState").is_none());
        assert_eq!(schema["name"], "AzureNetworkFlow");
        let custom = ArmTable {
            name: Some("OnePasswordEventLogs_CL".into()),
            ..ArmTable::default()
        };
        assert!(custom.is_custom_log());
    }
}
