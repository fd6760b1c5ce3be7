//! `ArmMetadata`: Sentinel content metadata (`Microsoft.SecurityInsights/metadata`, api-version
//! [`crate::api_version::METADATA`]), the record that ties a deployed rule or workbook to its source
//! (`source.kind = SourceRepository` for a detection-as-code repo), version and author.
//!
//! Owns: the envelope and the `metadataProperties` of the 2025-12-01 contract, with `source`,
//! `author`, `support` and `categories` typed; the recursive `dependencies` tree stays JSON.
//!
//! Does not: decide metadata names or which content gets metadata (the core crate does).
//!
//! Invariant: unknown members at every level are kept in the `extra` maps.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ENVELOPE_READ_ONLY, NullPaths, WireModel, null_paths_accessors};

/// A metadata resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmMetadata {
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
    pub properties: ArmMetadataProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Explicit `null`s of the JSON this was read from (see [`NullPaths`]).
    #[serde(skip)]
    pub nulls: NullPaths,
}

/// `metadataProperties`; `parentId` and `kind` are required by the contract.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmMetadataProperties {
    /// Static content id (the rule's GUID for analytics rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    /// Full ARM id of the described item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// e.g. `1.0.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `AnalyticsRule`, `Workbook`, `Parser`, ... (free string in this contract).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<MetadataSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<MetadataAuthor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<MetadataSupport>,
    /// Recursive `{contentId, kind, version, name, operator, criteria[]}` tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<MetadataCategories>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<Vec<String>>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_publish_date: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_publish_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_schema_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threat_analysis_tactics: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threat_analysis_techniques: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_images: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_images_dark: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `source`: where the content came from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct MetadataSource {
    /// `LocalWorkspace` | `Community` | `Solution` | `SourceRepository` (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `author`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct MetadataAuthor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `support`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct MetadataSupport {
    /// `Microsoft` | `Partner` | `Community` (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `categories`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct MetadataCategories {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verticals: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What an ownership record written by sentinelctl says: which item, which content and version,
/// where it came from. The rest (`support`, `categories`, `dependencies`, ...) is left as live has it.
pub const METADATA_MANAGED: &[&str] = &[
    "properties/contentId",
    "properties/parentId",
    "properties/kind",
    "properties/version",
    "properties/source",
    "properties/author",
    "properties/customVersion",
];

impl ArmMetadata {
    /// The body to PUT: without `id`, `name`, `type`, `systemData`.
    pub fn to_put_body(&self) -> Value {
        WireModel::to_put_body(self)
    }
}

impl WireModel for ArmMetadata {
    const RESOURCE_TYPE: &'static str = "Microsoft.SecurityInsights/metadata";

    fn read_only_paths(&self) -> Vec<&'static str> {
        ENVELOPE_READ_ONLY.to_vec()
    }

    fn managed_paths(&self) -> Vec<&'static str> {
        METADATA_MANAGED.to_vec()
    }

    null_paths_accessors!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::examples::{assert_round_trip, load};

    const DIR: &str = "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/examples/metadata";

    #[test]
    fn examples_round_trip() {
        for (file, param) in [
            ("PutMetadata.json", "metadata"),
            ("PutMetadataMinimal.json", "metadata"),
            ("GetMetadata.json", ""),
        ] {
            let example = load(&format!("{DIR}/{file}"));
            if let Some(request) = example["parameters"].get(param) {
                assert_round_trip::<ArmMetadata>(request, &format!("{file} request"));
            }
            for (code, response) in example["responses"].as_object().unwrap() {
                assert_round_trip::<ArmMetadata>(&response["body"], &format!("{file} {code}"));
            }
        }
        for file in ["GetAllMetadata.json", "GetAllMetadataOData.json"] {
            let example = load(&format!("{DIR}/{file}"));
            for item in example["responses"]["200"]["body"]["value"]
                .as_array()
                .unwrap()
            {
                assert_round_trip::<ArmMetadata>(item, file);
            }
        }
    }

    #[test]
    fn typed_fields_are_read() {
        let example = load(&format!("{DIR}/PutMetadata.json"));
        let m: ArmMetadata =
            serde_json::from_value(example["parameters"]["metadata"].clone()).unwrap();
        let p = &m.properties;
        assert_eq!(p.kind.as_deref(), Some("AnalyticsRule"));
        assert_eq!(p.source.as_ref().unwrap().kind.as_deref(), Some("Solution"));
        assert_eq!(p.support.as_ref().unwrap().tier.as_deref(), Some("Partner"));
        assert!(p.parent_id.as_deref().unwrap().contains("/alertRules/"));
        assert!(
            p.categories
                .as_ref()
                .unwrap()
                .domains
                .as_ref()
                .unwrap()
                .len()
                >= 2
        );
        let body = m.to_put_body();
        assert!(body.get("id").is_none());
        assert_eq!(body["properties"]["kind"], "AnalyticsRule");
    }
}
