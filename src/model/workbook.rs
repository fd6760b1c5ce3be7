//! [`Workbook`]: a Sentinel workbook (`Microsoft.Insights/workbooks`, resource-group scoped).
//!
//! The ARM name is the UUIDv5 of the file's stable `key` and the workspace, so it never changes
//! when the display name does. `serializedData` is compared as JSON, not as text; every workspace resource id in
//! the workbook JSON is rewritten to the target workspace ([`rewrite_workspace_ids`]).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};

use super::rule::flatten;

/// Workbook categories: Sentinel's own and the ones the workbooks contract lists.
pub const CATEGORIES: [&str; 5] = ["sentinel", "workbook", "TSG", "performance", "retention"];

/// Namespace for workbook names (a fixed random UUID: changing it renames every workbook).
const WORKBOOK_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6c1f_3d0e_9a4b_4c55_8d2e_5b7a_1f0c_9e31);

/// A workbook, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    /// Resource name (GUID).
    pub name: String,
    /// Stable key from the metadata file.
    pub key: String,
    /// Content version.
    pub version: Option<String>,
    /// `displayName`.
    pub display_name: String,
    /// `category`.
    pub category: String,
    /// The workbook JSON (parsed).
    pub data: Value,
    /// `sourceId`: the workspace resource id.
    pub source_id: String,
    /// Location (region).
    pub location: String,
    /// Tags.
    pub tags: Vec<String>,
}

/// The GUID resource name for a key in a workspace. Workbooks live in the resource group, so
/// the workspace is part of the name: two environments sharing a resource group get two
/// workbooks, not one they overwrite in turn.
pub fn workbook_name(key: &str, workspace_id: &str) -> String {
    let seed = format!("{key}|{}", workspace_id.to_ascii_lowercase());
    uuid::Uuid::new_v5(&WORKBOOK_NAMESPACE, seed.as_bytes()).to_string()
}

static WORKSPACE_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)/subscriptions/[^/\x22\s]+/resource[gG]roups/[^/\x22\s]+/providers/microsoft\.operationalinsights/workspaces/[A-Za-z0-9_\-{}]+")
        .expect("valid regex")
});

/// Replaces every workspace resource id inside the JSON strings with `workspace_id`.
pub fn rewrite_workspace_ids(v: &Value, workspace_id: &str) -> Value {
    match v {
        Value::String(s) => Value::String(
            WORKSPACE_ID
                .replace_all(s, regex::NoExpand(workspace_id))
                .into_owned(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| rewrite_workspace_ids(x, workspace_id))
                .collect(),
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), rewrite_workspace_ids(x, workspace_id)))
                .collect(),
        ),
        other => other.clone(),
    }
}

impl Workbook {
    /// ARM resource body for a PUT (`kind`, `location`, `properties`).
    pub fn to_arm(&self) -> Value {
        json!({
            "kind": "shared",
            "location": self.location,
            "properties": {
                "displayName": self.display_name,
                "serializedData": serde_json::to_string(&self.data).unwrap_or_default(),
                "category": self.category,
                "sourceId": self.source_id,
                "version": "Notebook/1.0",
                "tags": self.tags,
            }
        })
    }

    /// Interprets an ARM workbook.
    pub fn from_arm(resource: &Value) -> Option<Self> {
        let name = resource.get("name")?.as_str()?.to_ascii_lowercase();
        let p = resource.get("properties")?;
        let s = |k: &str| {
            p.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let data = serde_json::from_str(&s("serializedData")).unwrap_or(Value::Null);
        let mut tags: Vec<String> = p
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        tags.sort();
        Some(Self {
            name,
            key: String::new(),
            version: None,
            display_name: s("displayName"),
            category: s("category"),
            data,
            source_id: s("sourceId"),
            location: resource
                .get("location")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            tags,
        })
    }

    /// Flat `path → value` map for field-level diffs (the workbook JSON is one field).
    pub fn fields(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        let v = json!({
            "displayName": self.display_name,
            "category": self.category,
            "sourceId": self.source_id.to_ascii_lowercase(),
            "tags": self.tags,
        });
        flatten("", &v, &mut out);
        out.insert("serializedData".into(), self.data.clone());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_guids() {
        assert_eq!(
            workbook_name("onepassword-overview", "/w"),
            workbook_name("onepassword-overview", "/w")
        );
        assert_ne!(workbook_name("a", "/w"), workbook_name("b", "/w"));
        assert_eq!(workbook_name("a", "/w").len(), 36);
        assert_ne!(workbook_name("a", "/w1"), workbook_name("a", "/w2"));
    }

    #[test]
    fn workspace_ids_are_rewritten_in_any_case() {
        let v = json!({"fallbackResourceIds": ["/subscriptions/x/resourcegroups/rg/providers/Microsoft.OperationalInsights/workspaces/old"], "n": 1});
        let out = rewrite_workspace_ids(
            &v,
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/new",
        );
        assert_eq!(
            out["fallbackResourceIds"][0],
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/new"
        );
    }
}
