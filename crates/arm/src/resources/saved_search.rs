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

impl ArmSavedSearch {
    /// The body to PUT: without `id`, `name`, `type`.
    pub fn to_put_body(&self) -> Value {
        super::put_body(serde_json::to_value(self).unwrap_or(Value::Null), &[])
    }
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
        };
        let body = s.to_put_body();
        assert_eq!(body["etag"], "*");
        assert!(body.get("id").is_none() && body.get("name").is_none());
        assert_eq!(body["properties"]["tags"][0]["value"], "sentinelctl");
        assert_eq!(body["properties"]["displayName"], "d");
    }
}
