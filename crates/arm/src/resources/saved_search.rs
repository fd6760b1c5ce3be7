//! `ArmSavedSearch`: a Log Analytics saved search, which is how saved KQL functions and parsers are
//! stored (`Microsoft.OperationalInsights/workspaces/savedSearches`, api-version
//! [`crate::api_version::SAVED_SEARCHES`]).
//!
//! Owns: the envelope and `SavedSearchProperties` of the 2025-02-01 contract. Note the differences
//! from Sentinel resources: `etag` is in the body and `"*"` means "overwrite whatever is there";
//! `tags` is a `{name, value}` array, not the ARM tags map; `version` is an integer.
//!
//! Does not: parse `functionParameters` (`'name:type = default, ...'`), which the model layer owns.
//!
//! Invariant: unknown members are kept in the `extra` maps.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{NullPaths, WireModel, null_paths_accessors};

/// A saved search resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmSavedSearch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The current etag, or `"*"` to overwrite unconditionally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    pub properties: ArmSavedSearchProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Explicit `null`s of the JSON this was read from (see [`NullPaths`]).
    #[serde(skip)]
    pub nulls: NullPaths,
}

/// `SavedSearchProperties`; `category`, `displayName` and `query` are required by the contract.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmSavedSearchProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The name the function is called by in KQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_alias: Option<String>,
    /// `'param-name1:type1 = default_value1, ...'`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_parameters: Option<String>,
    /// Schema version of the saved search (2 is current and the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<SavedSearchTag>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{name, value}` tag of a saved search.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract\'s properties, renamed to snake_case
pub struct SavedSearchTag {
    pub name: String,
    pub value: String,
}

/// The category Sentinel stores hunting queries under (NOTES §17).
pub const HUNTING_QUERIES_CATEGORY: &str = "Hunting Queries";

/// What sentinelctl manages on a saved function or parser. `tags` are not managed on functions, so
/// tags someone added in the portal survive an update (issue 12).
pub const FUNCTION_MANAGED: &[&str] = &[
    "properties/category",
    "properties/displayName",
    "properties/query",
    "properties/functionAlias",
    "properties/functionParameters",
    "properties/version",
];

/// What sentinelctl manages on a hunting query: the function fields plus `tags`, which carry the
/// query's description, tactics and techniques (NOTES §17).
pub const HUNTING_QUERY_MANAGED: &[&str] = &[
    "properties/category",
    "properties/displayName",
    "properties/query",
    "properties/functionAlias",
    "properties/functionParameters",
    "properties/version",
    "properties/tags",
];

impl ArmSavedSearch {
    /// The body to PUT: without `id`, `name`, `type` (`etag` stays: `"*"` or the current one).
    pub fn to_put_body(&self) -> Value {
        WireModel::to_put_body(self)
    }

    /// True for a hunting query (category `Hunting Queries`, compared case-insensitively).
    pub fn is_hunting_query(&self) -> bool {
        self.properties
            .category
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(HUNTING_QUERIES_CATEGORY))
    }
}

impl WireModel for ArmSavedSearch {
    const RESOURCE_TYPE: &'static str = "Microsoft.OperationalInsights/workspaces/savedSearches";

    fn read_only_paths(&self) -> Vec<&'static str> {
        // `SavedSearch` is a v1 ProxyResource: id, name and type are read-only; no systemData.
        vec!["id", "name", "type"]
    }

    fn managed_paths(&self) -> Vec<&'static str> {
        if self.is_hunting_query() {
            HUNTING_QUERY_MANAGED.to_vec()
        } else {
            FUNCTION_MANAGED.to_vec()
        }
    }

    null_paths_accessors!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::examples::{assert_round_trip, load};

    const DIR: &str = "operationalinsights/resource-manager/Microsoft.OperationalInsights/stable/2025-02-01/examples";

    #[test]
    fn examples_round_trip() {
        let put = load(&format!("{DIR}/WorkspacesSavedSearchesCreateOrUpdate.json"));
        let request: ArmSavedSearch =
            assert_round_trip(&put["parameters"]["parameters"], "PUT request");
        assert_eq!(
            request.properties.function_alias.as_deref(),
            Some("heartbeat_func")
        );
        assert_eq!(request.properties.version, Some(2));
        let tags = request
            .properties
            .tags
            .as_ref()
            .expect("the example has tags");
        assert!(!tags.is_empty());
        assert_round_trip::<ArmSavedSearch>(&put["responses"]["200"]["body"], "PUT 200");
        let get = load(&format!("{DIR}/WorkspacesSavedSearchesGet.json"));
        let got: ArmSavedSearch = assert_round_trip(&get["responses"]["200"]["body"], "GET 200");
        assert!(got.etag.as_deref().unwrap().starts_with("W/"));
    }

    #[test]
    fn put_body_keeps_etag_and_drops_id() {
        let s = ArmSavedSearch {
            id: Some("/x".into()),
            name: Some("f".into()),
            resource_type: None,
            etag: Some("*".into()),
            properties: ArmSavedSearchProperties {
                category: Some("c".into()),
                display_name: Some("d".into()),
                query: Some("T | take 1".into()),
                tags: Some(vec![SavedSearchTag {
                    name: "managedBy".into(),
                    value: "sentinelctl".into(),
                }]),
                ..Default::default()
            },
            extra: Map::new(),
            nulls: NullPaths::default(),
        };
        let body = s.to_put_body();
        assert_eq!(body["etag"], "*");
        assert!(body.get("id").is_none() && body.get("name").is_none());
        assert_eq!(body["properties"]["tags"][0]["value"], "sentinelctl");
        assert_eq!(body["properties"]["displayName"], "d");
    }

    #[test]
    fn function_updates_keep_portal_tags_and_hunting_queries_replace_them() {
        let live = ArmSavedSearch::from_json(&serde_json::json!({
            "etag": "W/\"1\"",
            "properties": {"category": "Parsers", "displayName": "f", "query": "old", "version": 2,
                "functionAlias": "f", "tags": [{"name": "owner", "value": "soc"}]}
        }))
        .unwrap();
        let desired = ArmSavedSearch::from_json(&serde_json::json!({
            "properties": {"category": "Parsers", "displayName": "f", "query": "new", "functionAlias": "f", "version": 2}
        }))
        .unwrap();
        let merged = live.with_managed_from(&desired).unwrap();
        assert_eq!(merged.properties.query.as_deref(), Some("new"));
        assert_eq!(merged.properties.tags.as_ref().unwrap()[0].value, "soc");
        assert_eq!(merged.etag.as_deref(), Some("W/\"1\""));

        let hunting = |tags: serde_json::Value| {
            ArmSavedSearch::from_json(&serde_json::json!({"properties": {
                "category": "Hunting Queries", "displayName": "h", "query": "q", "tags": tags}}))
            .unwrap()
        };
        let live = hunting(serde_json::json!([{"name": "tactics", "value": "InitialAccess"}]));
        let desired = hunting(serde_json::json!([{"name": "tactics", "value": "Persistence"}]));
        assert!(desired.is_hunting_query());
        let merged = live.with_managed_from(&desired).unwrap();
        assert_eq!(
            merged.properties.tags.as_ref().unwrap()[0].value,
            "Persistence"
        );
    }
}
