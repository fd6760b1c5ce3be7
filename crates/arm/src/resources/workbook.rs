//! `ArmWorkbook`: an Azure Monitor workbook shown in Sentinel (`Microsoft.Insights/workbooks`,
//! api-version [`crate::api_version::WORKBOOKS`]).
//!
//! Owns: the tracked-resource envelope (`location` required, ARM `tags` map, `kind: shared`) and the
//! workbook properties of the 2023-06-01 contract. `serializedData` is the workbook JSON *as a
//! string*; it is only returned by LIST/GET with `canFetchContent=true`.
//!
//! Does not: parse or normalize `serializedData` (the model layer compares workbook content), or
//! choose the GUID name.
//!
//! Invariant: unknown members are kept in the `extra` maps.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ENVELOPE_READ_ONLY, NullPaths, WireModel, null_paths_accessors};

/// A workbook resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmWorkbook {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A GUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Azure region (required on PUT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Always `shared`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The ARM tags map (the portal shows `hidden-title` as the title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// Managed identity for bring-your-own-storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_data: Option<Value>,
    pub properties: ArmWorkbookProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Explicit `null`s of the JSON this was read from (see [`NullPaths`]).
    #[serde(skip)]
    pub nulls: NullPaths,
}

/// Workbook properties; `displayName`, `category` and `serializedData` are required on PUT.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmWorkbookProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The workbook JSON, serialized into a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serialized_data: Option<String>,
    /// `sentinel` for Sentinel workbooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The linked resource, e.g. the workspace id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// e.g. `Notebook/1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Deprecated string tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_uri: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_modified: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Read-only members below the envelope (2023-06-01 `workbooks_API.json`).
const WORKBOOK_READ_ONLY: &[&str] = &[
    "identity/principalId",
    "identity/tenantId",
    "properties/timeModified",
    "properties/userId",
    "properties/revision",
];

/// What sentinelctl manages on a workbook: its content and how Sentinel lists it. `location`
/// (fixed at creation), ARM `tags`, `identity` and `storageUri` stay as live has them.
pub const WORKBOOK_MANAGED: &[&str] = &[
    "kind",
    "properties/displayName",
    "properties/serializedData",
    "properties/category",
    "properties/sourceId",
    "properties/version",
    "properties/tags",
];

impl ArmWorkbook {
    /// The body to PUT: without `id`, `name`, `type`, `systemData` and the read-only
    /// `timeModified`, `userId`, `revision`, `identity.principalId`, `identity.tenantId`.
    pub fn to_put_body(&self) -> Value {
        WireModel::to_put_body(self)
    }
}

impl WireModel for ArmWorkbook {
    const RESOURCE_TYPE: &'static str = "Microsoft.Insights/workbooks";

    fn read_only_paths(&self) -> Vec<&'static str> {
        [ENVELOPE_READ_ONLY, WORKBOOK_READ_ONLY].concat()
    }

    fn managed_paths(&self) -> Vec<&'static str> {
        WORKBOOK_MANAGED.to_vec()
    }

    null_paths_accessors!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::examples::{assert_round_trip, load};

    const DIR: &str =
        "applicationinsights/resource-manager/Microsoft.Insights/stable/2023-06-01/examples";

    #[test]
    fn examples_round_trip() {
        let add = load(&format!("{DIR}/WorkbookManagedAdd.json"));
        let request: ArmWorkbook =
            assert_round_trip(&add["parameters"]["workbookProperties"], "PUT request");
        assert_eq!(request.kind.as_deref(), Some("shared"));
        for code in ["200", "201"] {
            assert_round_trip::<ArmWorkbook>(&add["responses"][code]["body"], code);
        }
        let get = load(&format!("{DIR}/WorkbookGet.json"));
        assert_round_trip::<ArmWorkbook>(&get["responses"]["200"]["body"], "GET");
        let list = load(&format!("{DIR}/WorkbooksList.json"));
        for item in list["responses"]["200"]["body"]["value"]
            .as_array()
            .unwrap()
        {
            let wb: ArmWorkbook = assert_round_trip(item, "LIST item");
            assert!(wb.properties.serialized_data.is_some());
        }
    }

    #[test]
    fn put_body_drops_read_only_properties() {
        let add = load(&format!("{DIR}/WorkbookManagedAdd.json"));
        let wb: ArmWorkbook =
            serde_json::from_value(add["responses"]["201"]["body"].clone()).unwrap();
        let body = wb.to_put_body();
        let props = body["properties"].as_object().unwrap();
        for key in ["timeModified", "userId", "revision"] {
            assert!(!props.contains_key(key), "{key}");
        }
        assert_eq!(body["location"], "westus");
        assert!(props["serializedData"].is_string());
        assert!(body.get("id").is_none());
    }

    #[test]
    fn workbook_updates_keep_location_and_arm_tags() {
        let get = load(&format!("{DIR}/WorkbookGet.json"));
        let live = ArmWorkbook::from_json(&get["responses"]["200"]["body"]).unwrap();
        let desired = ArmWorkbook::from_json(&serde_json::json!({
            "kind": "shared", "location": "elsewhere",
            "properties": {"displayName": "New", "category": "sentinel", "serializedData": "{}"}
        }))
        .unwrap();
        let merged = live.with_managed_from(&desired).unwrap();
        assert_eq!(merged.location, live.location);
        assert_eq!(merged.tags, live.tags);
        assert_eq!(merged.properties.display_name.as_deref(), Some("New"));
        assert!(
            merged.properties.source_id.is_none(),
            "managed and not in the repository"
        );
    }
}
